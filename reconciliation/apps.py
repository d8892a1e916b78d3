from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReconciliationConfig(AppConfig):
    """Bank statements and gateway settlements matched to the payments recorded here (issue 21).
    Sits above orders (the gateways' charges) and below reports (the finance views)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reconciliation"
    verbose_name = _("Conciliación")

    def ready(self):
        from accounts.modules import register_nav_entry  # noqa: PLC0415 - keeps apps.py free of model imports
        from core import scope  # noqa: PLC0415
        from core.modules import Action  # noqa: PLC0415
        from payments.hooks import register_settlement_observer  # noqa: PLC0415
        from reconciliation.hooks import settlement_differences  # noqa: PLC0415
        from reconciliation.models import BankAccount  # noqa: PLC0415 - models not loaded when apps.py is imported
        from reconciliation.selectors import accounts_for_user  # noqa: PLC0415 - imports the models

        scope.register(BankAccount, lambda user: accounts_for_user(user=user))  # core.scope
        register_settlement_observer(settlement_differences)  # after its commit (payments.settlements)
        # The accountant's and the admin's menu: those who may record payments reconcile them.
        register_nav_entry("documentos", Action.EDIT, icon="bank", label=_("Conciliación"),
                           url="reconciliation:accounts")
