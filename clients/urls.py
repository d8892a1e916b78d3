from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("buscar/", views.client_search, name="search"),
    path("nuevo/", views.client_create, name="create"),
    path("exportar.<str:fmt>", views.client_export, name="export"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/editar/", views.client_edit, name="edit"),
    path("<int:pk>/activar/", views.client_toggle_active, name="toggle_active"),
]
