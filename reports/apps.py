from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_module_page


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reportes")

    def ready(self):
        register_module_page(Module.REPORTES, icon="bar-chart", url="reports:index")
