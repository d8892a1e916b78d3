from django.urls import path

from bulk import views

app_name = "bulk"

urlpatterns = [
    path("<str:catalogue>/", views.upload, name="upload"),
    path("<str:catalogue>/plantilla.xlsx", views.template_download, name="template"),
    path("<str:catalogue>/<uuid:job>/", views.job_detail, name="job"),
    path("<str:catalogue>/<uuid:job>/aplicar/", views.job_confirm, name="confirm"),
    path("<str:catalogue>/<uuid:job>/errores.xlsx", views.job_errors, name="errors"),
]
