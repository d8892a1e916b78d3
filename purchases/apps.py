from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core import scope


class PurchasesConfig(AppConfig):
    """Documents received from suppliers (issue 23): the purchases inbox. Its pages need
    DOCUMENTOS · Modificar (the accountant's grant; a sales rep has none) and a company-wide role:
    purchases belong to the company, not to an establishment. No module code of its own: a new one
    needs a migration of accounts' grant constraint and of the default roles."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "purchases"
    verbose_name = _("Compras")

    def ready(self):
        from purchases.models import IntakeBatch, ReceivedDocument  # noqa: PLC0415 - models not loaded when apps.py is imported
        from purchases.selectors import batches_for_user, received_for_user  # noqa: PLC0415 - imports purchases.models

        scope.register(ReceivedDocument, lambda user: received_for_user(user=user))  # core.scope
        scope.register(IntakeBatch, lambda user: batches_for_user(user=user))
