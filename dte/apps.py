from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DteConfig(AppConfig):
    name = "dte"
    verbose_name = _("Documentos tributarios electrónicos")

    def ready(self):
        # Here, not at the top: models (and what imports them) load once the app registry is ready.
        from django.core import checks

        from accounts import modules
        from accounts.audit_display import register_value_labeler
        from core import scope
        from dte import hooks, printing, returns, selectors
        from dte.checks import schema_generations
        from dte.labels import audit_state_words
        from dte.models import CaseCode, Document

        checks.register(schema_generations)
        register_value_labeler(audit_state_words)
        modules.register_module_page(modules.Module.DOCUMENTOS, icon="file-earmark-text", url="dte:list")
        modules.register_approval_cases(CaseCode.choices)
        modules.register_home_panel(selectors.home_panel)
        hooks.register_status_observer(printing.status_changed)  # a new state, a new printed copy
        hooks.register_seal_observer(returns.credit_note_sealed)  # a credit note's goods come back
        scope.register(Document, lambda user: selectors.documents_for_user(user=user))  # core.scope
