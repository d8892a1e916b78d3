from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconciliationConfig(AppConfig):
    """Bank statements and gateway settlements matched to the payments recorded here (issue 21).
    Sits above orders (the gateways' charges) and below reports (the finance views)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reconciliation"
    verbose_name = _("Conciliación")
