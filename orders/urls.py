from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("nuevo/", views.order_new, name="new"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/enviar/", views.order_ship, name="ship"),
    path("<int:pk>/cancelar/", views.order_cancel, name="cancel"),
    path("<int:pk>/cobrar/", views.order_cashier, name="cashier"),
    path("<int:pk>/reembolsar/", views.order_refund, name="refund"),
]
