from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("tablero/", views.dashboard, name="dashboard"),
    path("anexos-f07/", views.annexes, name="annexes"),
    path("anexos-f07/<str:annex>.csv", views.annex_download, name="annex_download"),
    path("exportaciones/<uuid:public_id>/", views.export_job, name="job"),
    path("exportaciones/<uuid:public_id>/descargar/", views.export_download, name="job_download"),
    path("<slug:slug>/", views.report_show, name="show"),
    path("<slug:slug>/exportar/<str:fmt>/", views.report_export, name="export"),
]
