from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_module_page
from dte import hooks


class ContingencyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "contingency"
    verbose_name = _("Contingencia")

    def ready(self):
        # What dte tells contingency (dte.hooks): a scope opened or ended, catch-up wanted, the
        # words for events' and lots' states; and what dte asks of it about a document.
        from contingency import listings, services  # noqa: PLC0415 - they import contingency.models, not loaded when apps.py is imported
        from contingency.models import EventState, LotState  # noqa: PLC0415 - models not loaded when apps.py is imported

        hooks.register_scope_opened(services.after_open)
        hooks.register_scope_ended(services.after_end)
        hooks.register_catch_up_wanted(services.queue_catch_up)
        hooks.register_state_label_kinds(lambda: {"event": EventState, "lot": LotState})
        hooks.register_reported_check(listings.is_reported)
        hooks.register_document_context(listings.document_context)
        register_module_page(Module.CONTINGENCIA, icon="cloud-slash", url="contingency:list")
