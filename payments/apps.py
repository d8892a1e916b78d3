from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_settings_page
from bulk.registry import register_upload
from core import scope
from core.modules import Action
from dte import hooks


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Pagos")

    def ready(self):
        # The imports below load models (or modules that import them): apps.py is imported before
        # the app registry has loaded any model, so they wait for ready().
        from accounts.audit_display import register_amount_map  # noqa: PLC0415 - imports core.models (via core.audit)
        from dte.models import Document  # noqa: PLC0415 - models not loaded when apps.py is imported
        from payments import uploads  # noqa: PLC0415 - the spec names the models
        from payments.checks import credit_cases  # noqa: PLC0415 - imports dte.models
        from payments.models import Payment, Settlement  # noqa: PLC0415 - models not loaded when apps.py is imported
        from payments.retentions import retention_observer  # noqa: PLC0415 - imports dte.models
        from payments.selectors import payments_for_user, settlements_for_user  # noqa: PLC0415 - imports payments.models

        hooks.register_retention_observer(retention_observer)  # a client's CR closes its balance difference
        # The company's gateway accounts hold its credentials: the admin's page (configuration).
        register_settings_page(Module.CONFIGURACION, Action.EDIT, icon="credit-card",
                               label=_("Pasarelas de pago"), url="payments:gateways")
        hooks.register_issue_check(credit_cases)  # over the credit limit, overdue documents
        register_amount_map("applications", Document, _("documento"))  # a payment's applications
        # Payments are uploaded by whoever may record them (payments.services._require).
        register_upload(uploads.SPEC, grant=(Module.DOCUMENTOS, Action.EDIT))
        scope.register(Payment, lambda user: payments_for_user(user=user))  # core.scope
        scope.register(Settlement, lambda user: settlements_for_user(user=user))
