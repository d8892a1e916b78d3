from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_module_page
from bulk.registry import register_upload
from core import scope


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clientes")

    def ready(self):
        # The imports below load models: apps.py is imported before the app registry has loaded
        # any model, so they wait for ready().
        from clients.models import Client  # noqa: PLC0415 - models not loaded when apps.py is imported
        from clients.selectors import client_reachable, clients_for_user  # noqa: PLC0415 - imports clients.models
        from clients.uploads import SPEC  # noqa: PLC0415 - the spec names the models

        register_module_page(Module.CLIENTES, icon="people", url="clients:list")
        register_upload(SPEC)
        # The rows a user may reach, for pages, exports and the API alike (core.scope).
        scope.register(Client, lambda user: clients_for_user(user=user),
                       row=lambda user, client: client_reachable(user=user, client=client))
