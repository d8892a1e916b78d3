from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DteConfig(AppConfig):
    name = "dte"
    verbose_name = _("Documentos tributarios electrónicos")

    def ready(self):
        # Here, not at the top: models (and what imports them) load once the app registry is ready.
        from accounts.audit_display import register_value_labeler
        from dte import hooks, printing, returns
        from dte.labels import audit_state_words

        register_value_labeler(audit_state_words)
        hooks.register_status_observer(printing.status_changed)  # a new state, a new printed copy
        hooks.register_seal_observer(returns.credit_note_sealed)  # a credit note's goods come back
