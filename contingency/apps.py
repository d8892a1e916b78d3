from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_module_page


class ContingencyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contingency"
    verbose_name = _("Contingencia")

    def ready(self):
        register_module_page(Module.CONTINGENCIA, icon="cloud-slash", url="contingency:list")
