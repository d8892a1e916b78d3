from django.urls import path

from onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.index, name="index"),
    path("progreso/", views.progress_partial, name="progress"),
    path("detener/", views.stop, name="stop"),
    path("reanudar/", views.resume, name="resume"),
    path("produccion/", views.production, name="production"),
    path("produccion/cambiar/", views.switch, name="switch"),
]
