from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContingencyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contingency"
    verbose_name = _("Contingencia")
