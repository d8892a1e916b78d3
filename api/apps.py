from django.apps import AppConfig
from django.db.models import signals
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The public REST API (/api/v1/): the top layer. It calls the services and selectors of the
    apps below, as the pages do, and nothing below imports it."""

    name = "api"
    verbose_name = _("API pública")

    def ready(self):
        # The imports below load models: apps.py is imported before the app registry has loaded
        # any model, so they wait for ready().
        from accounts.models import Role, RolePermission, User  # noqa: PLC0415 - models not loaded when apps.py is imported
        from accounts.signals import role_grants_changed  # noqa: PLC0415 - beside the models it is about
        from api import keycache  # noqa: PLC0415 - imports the cache, after settings
        from api.models import ApiKey  # noqa: PLC0415 - models not loaded when apps.py is imported
        from webhooks.models import Integration  # noqa: PLC0415 - models not loaded when apps.py is imported

        # What a cached key holds (api.keycache): any change to it makes every entry stale.
        for model in (ApiKey, User, Role, RolePermission, Integration):
            label = model._meta.label_lower
            signals.post_save.connect(keycache.changed, sender=model, dispatch_uid=f"api.keycache.save.{label}")
            signals.post_delete.connect(keycache.changed, sender=model, dispatch_uid=f"api.keycache.delete.{label}")
        role_grants_changed.connect(keycache.changed, sender=Role, dispatch_uid="api.keycache.grants")
