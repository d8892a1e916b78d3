from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("", views.credit_list, name="credit"),
    path("clientes/<int:pk>/", views.client_account, name="client"),
    path("pagos/<int:pk>/anular/", views.payment_void, name="void"),
    path("liquidaciones/", views.settlement_list, name="settlements"),
    path("liquidaciones/importar/", views.settlement_import, name="settlement_import"),
    path("liquidaciones/<int:pk>/", views.settlement_detail, name="settlement"),
]
