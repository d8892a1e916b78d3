from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from accounts import modules
from core import scope
from dte import hooks
from dte.checks import schema_generations


class DteConfig(AppConfig):
    name = "dte"
    verbose_name = _("Documentos tributarios electrónicos")

    def ready(self):
        # The imports below load models (or modules that import them): apps.py is imported before
        # the app registry has loaded any model, so they wait for ready().
        from accounts.audit_display import register_value_labeler  # noqa: PLC0415 - imports core.models (via core.audit)
        from dte import printing, returns, selectors  # noqa: PLC0415 - they import dte.models
        from dte.labels import audit_state_words  # noqa: PLC0415 - imports dte.models and bulk.models
        from dte.models import CaseCode, Document  # noqa: PLC0415 - models not loaded when apps.py is imported

        checks.register(schema_generations)
        register_value_labeler(audit_state_words)
        modules.register_module_page(modules.Module.DOCUMENTOS, icon="file-earmark-text", url="dte:list")
        modules.register_approval_cases(CaseCode.choices)
        modules.register_home_panel(selectors.home_panel)
        hooks.register_status_observer(printing.status_changed)  # a new state, a new printed copy
        hooks.register_seal_observer(returns.credit_note_sealed)  # a credit note's goods come back
        scope.register(Document, lambda user: selectors.documents_for_user(user=user))  # core.scope
