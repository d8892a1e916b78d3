from django.urls import path

from timesheets import views

app_name = "timesheets"
urlpatterns = [
    path("", views.runs, name="runs"),
    path("simular/", views.dry_run, name="dry_run"),
    path("emitir/", views.issue, name="issue"),
    path("corridas/<int:pk>/", views.run_detail, name="run"),
    path("corridas/<int:pk>/avance/", views.run_progress, name="run_progress"),
    path("corridas/<int:pk>/reintentar/", views.run_retry, name="run_retry"),
    path("corridas/<int:pk>/reabrir/", views.run_reopen, name="run_reopen"),
    path("semana/", views.week, name="week"),
    path("semana/aprobar/", views.week_approve, name="week_approve"),
    path("mias/", views.mine, name="mine"),
    path("documentos/<int:pk>/enlace/", views.item_link, name="item_link"),
    path("enlaces/<int:pk>/revocar/", views.link_revoke, name="link_revoke"),
    path("d/<str:token>/", views.link, name="link"),
    path("reportes/", views.reports, name="reports"),
    path("reportes/f14.csv", views.f14_export, name="f14_export"),
]
