from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    verbose_name = _("Pagos")

    def ready(self):
        # Here, not at the top: models (and what imports them) load once the app registry is ready.
        from accounts.audit_display import register_amount_map
        from accounts.modules import Module
        from bulk.registry import register_upload
        from core import scope
        from core.modules import Action
        from dte import hooks
        from dte.models import Document
        from payments import uploads
        from payments.checks import credit_cases
        from payments.models import Payment
        from payments.selectors import payments_for_user

        hooks.register_issue_check(credit_cases)  # over the credit limit, overdue documents
        register_amount_map("applications", Document, _("documento"))  # a payment's applications
        # Payments are uploaded by whoever may record them (payments.services._require).
        register_upload(uploads.SPEC, grant=(Module.DOCUMENTOS, Action.EDIT))
        scope.register(Payment, lambda user: payments_for_user(user=user))  # core.scope
