from django.urls import path

from reconciliation import views

app_name = "reconciliation"
urlpatterns = [
    path("", views.account_list, name="accounts"),
    path("cuentas/nueva/", views.account_create, name="account_create"),
    path("cuentas/<int:pk>/", views.account_detail, name="account"),
    path("cuentas/<int:pk>/columnas/", views.mapping_edit, name="mapping"),
    path("cuentas/<int:pk>/extractos/", views.statement_upload, name="upload"),
    path("cuentas/<int:pk>/conciliar/", views.match_page, name="match"),
    path("cuentas/<int:pk>/proponer/", views.match_propose, name="propose"),
    path("cuentas/<int:pk>/aceptar/", views.match_accept, name="accept"),
    path("cuentas/<int:pk>/a-mano/", views.match_manual, name="manual"),
    path("cuentas/<int:pk>/periodos/", views.period_create, name="period_create"),
    path("extractos/<int:statement>/", views.statement_detail, name="statement"),
    path("extractos/<int:statement>/aplicar/", views.statement_apply, name="statement_apply"),
    path("conciliaciones/<int:match>/", views.match_action, name="match_action"),
    path("periodos/<int:period>/", views.period_detail, name="period"),
    path("periodos/<int:period>/estado/", views.period_action, name="period_action"),
]
