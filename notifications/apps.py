from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Who hears of what (issue 21): one event catalogue, heard through the registries of the apps
    below, delivered to an in-app inbox and by email, by role, establishment scope and preference."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notificaciones")
