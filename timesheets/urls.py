from django.urls import path

from timesheets import catalogue, views

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
    path("documentos/<int:pk>/correo/revocar/", views.item_mail_revoke, name="item_mail_revoke"),
    path("enlaces/<int:pk>/revocar/", views.link_revoke, name="link_revoke"),
    path("d/<str:token>/", views.link, name="link"),
    path("reportes/", views.reports, name="reports"),
    path("reportes/f14.csv", views.f14_export, name="f14_export"),
    path("departamentos/", catalogue.department_list, name="department_list"),
    path("departamentos/nuevo/", catalogue.department_create, name="department_create"),
    path("departamentos/<int:pk>/", catalogue.department_edit, name="department_edit"),
    path("departamentos/<int:pk>/activo/", catalogue.department_toggle, name="department_toggle"),
    path("proyectos/", catalogue.project_list, name="project_list"),
    path("proyectos/nuevo/", catalogue.project_create, name="project_create"),
    path("proyectos/<int:pk>/", catalogue.project_edit, name="project_edit"),
    path("proyectos/<int:pk>/activo/", catalogue.project_toggle, name="project_toggle"),
    path("colaboradores/", catalogue.employee_list, name="employee_list"),
    path("colaboradores/nuevo/", catalogue.employee_create, name="employee_create"),
    path("colaboradores/<int:pk>/", catalogue.employee_edit, name="employee_edit"),
    path("colaboradores/<int:pk>/activo/", catalogue.employee_toggle, name="employee_toggle"),
]
