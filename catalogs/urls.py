from django.urls import path

from catalogs import views

app_name = "catalogs"

urlpatterns = [
    path("municipios/", views.municipio_options, name="municipio_options"),
    path("distritos/", views.distrito_options, name="distrito_options"),
]
