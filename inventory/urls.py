from django.urls import path

from inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("buscar/", views.product_search, name="product_search"),
    path("nuevo/", views.product_create, name="product_create"),
    path("exportar.<str:fmt>", views.product_export, name="product_export"),
    path("<int:pk>/", views.product_detail, name="product_detail"),
    path("<int:pk>/editar/", views.product_edit, name="product_edit"),
    path("<int:pk>/activar/", views.product_toggle_active, name="product_toggle_active"),
    path("proveedores/", views.provider_list, name="provider_list"),
    path("proveedores/nuevo/", views.provider_create, name="provider_create"),
    path("proveedores/exportar.<str:fmt>", views.provider_export, name="provider_export"),
    path("proveedores/<int:pk>/", views.provider_detail, name="provider_detail"),
    path("proveedores/<int:pk>/editar/", views.provider_edit, name="provider_edit"),
    path("proveedores/<int:pk>/activar/", views.provider_toggle_active, name="provider_toggle_active"),
]
