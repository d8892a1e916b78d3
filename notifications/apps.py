from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Who hears of what (issue 21): one event catalogue, heard through the registries of the apps
    below, delivered to an in-app inbox and by email, by role, establishment scope and preference."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notificaciones")

    def ready(self):
        # The imports below load models: they wait for ready().
        from contingency import hooks as contingency_hooks  # noqa: PLC0415
        from core import scope  # noqa: PLC0415
        from core.statemachine import register_move_observer  # noqa: PLC0415 - imports core.models
        from dte import hooks  # noqa: PLC0415
        from notifications import events  # noqa: PLC0415 - imports the models of the apps below
        from notifications.models import Notification  # noqa: PLC0415
        from payments.hooks import register_payment_observer  # noqa: PLC0415
        from reconciliation import hooks as reconciliation_hooks  # noqa: PLC0415

        hooks.register_status_observer(events.document_status_changed)  # sealed, rejected, invalidated
        hooks.register_scope_opened(events.contingency_entered)
        hooks.register_scope_ended(events.contingency_ended)
        contingency_hooks.register_deadline_observer(events.contingency_deadline)
        register_move_observer("dte.specialcase", events.case_moved)  # approval requested, decided
        register_move_observer("dte.delivery", events.email_moved)  # an email that bounced
        register_move_observer("bulk.importjob", events.import_moved)
        register_move_observer("reports.exportjob", events.export_moved)
        register_move_observer("dte.archivejob", events.archive_moved)
        register_move_observer("orders.gatewayoperation", events.operation_moved)  # charge refused, refund made
        register_payment_observer(events.payment_recorded)
        # bank reconciliation and gateway settlement differences (reconciliation forwards settlements)
        reconciliation_hooks.register_difference_observer(events.reconciliation_differences)
        # A user reaches only his own notifications (core.scope).
        scope.register(Notification, lambda user: Notification.objects.filter(recipient=user))
