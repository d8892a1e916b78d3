from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound webhooks: integrations and their subscriptions. Nothing calls this app: it hears
    of what happens through the registries of the apps below, filled in ready()."""

    name = "webhooks"
    verbose_name = _("Integraciones y webhooks")
