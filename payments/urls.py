from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("", views.credit_list, name="credit"),
    path("clientes/<int:pk>/", views.client_account, name="client"),
    path("pagos/<int:pk>/anular/", views.payment_void, name="void"),
    path("pasarelas/", views.gateway_accounts, name="gateways"),
    path("pasarelas/<int:pk>/", views.gateway_account_edit, name="gateway_edit"),
    path("pasarelas/<int:pk>/habilitar/", views.gateway_account_toggle, name="gateway_toggle"),
    path("liquidaciones/", views.settlement_list, name="settlements"),
    path("liquidaciones/importar/", views.settlement_import, name="settlement_import"),
    path("liquidaciones/<int:pk>/", views.settlement_detail, name="settlement"),
]
