from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from contingency import hooks as contingency_hooks
from dte import hooks
from payments.hooks import register_payment_observer


class WebhooksConfig(AppConfig):
    """Outbound webhooks: integrations and their subscriptions. Nothing calls this app: it hears
    of what happens through the registries of the apps below, filled here."""

    name = "webhooks"
    verbose_name = _("Integraciones y webhooks")

    def ready(self):
        # The imports below load models: apps.py is imported before the app registry has loaded
        # any model, so they wait for ready().
        from core.statemachine import register_move_observer  # noqa: PLC0415 - imports core.models
        from webhooks import events  # noqa: PLC0415 - imports the models of dte, payments, reports, webhooks

        hooks.register_status_observer(events.document_status_changed)  # sealed, rejected, invalidated
        hooks.register_scope_opened(events.contingency_entered)
        hooks.register_scope_ended(events.contingency_ended)
        register_move_observer("dte.delivery", events.email_moved)  # an email that bounced
        register_move_observer("reports.exportjob", events.export_moved)  # exports ready
        register_move_observer("dte.archivejob", events.archive_moved)
        register_payment_observer(events.payment_recorded)
        register_move_observer("orders.gatewayoperation", events.operation_moved)  # charge refused, refund made
        contingency_hooks.register_deadline_observer(events.contingency_deadline)
