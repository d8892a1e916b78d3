from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DteConfig(AppConfig):
    name = "dte"
    verbose_name = _("Documentos tributarios electrónicos")
