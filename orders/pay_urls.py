"""The customer's side: the pay link (signed, expiring; no login) and the gateways' webhooks."""

from django.urls import path

from orders import views

app_name = "pay"
urlpatterns = [
    path("<str:token>/", views.pay_page, name="page"),
    path("<str:token>/retorno/", views.pay_return, name="return"),
    path("webhooks/<str:account_token>/", views.webhook, name="webhook"),
]
