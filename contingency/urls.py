from django.urls import path

from contingency import views

app_name = "contingency"
urlpatterns = [
    path("", views.period_list, name="list"),
    path("declarar/", views.period_declare, name="declare"),
    path("<int:pk>/", views.period_detail, name="detail"),
    path("<int:pk>/estado/", views.period_live, name="live"),
    path("<int:pk>/terminar/", views.period_end, name="end"),
    path("eventos/<int:pk>/reenviar/", views.event_resend, name="event_resend"),
    path("lotes/<int:pk>/reintentar/", views.lot_retry, name="lot_retry"),
]
