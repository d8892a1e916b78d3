from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DteConfig(AppConfig):
    name = "dte"
    verbose_name = _("Documentos tributarios electrónicos")

    def ready(self):
        from accounts.audit_display import register_value_labeler
        from dte.labels import audit_state_words

        register_value_labeler(audit_state_words)
