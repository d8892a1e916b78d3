from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("campana/", views.bell, name="bell"),
    path("leidas/", views.mark_all_read, name="mark_all_read"),
    path("preferencias/", views.preferences, name="preferences"),
    path("<int:pk>/leida/", views.mark_read, name="mark_read"),
    path("<int:pk>/abrir/", views.open_notification, name="open"),
]
