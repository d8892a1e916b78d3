from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_module_page
from bulk.registry import register_upload


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = _("Clientes")

    def ready(self):
        register_module_page(Module.CLIENTES, icon="people", url="clients:list")
        # Here, not at the top: the spec names the model, loaded once the app registry is ready.
        from clients.uploads import SPEC

        register_upload(SPEC)
        # The rows a user may reach, for pages, exports and the API alike (core.scope).
        from clients.models import Client
        from clients.selectors import clients_for_user
        from core import scope

        scope.register(Client, lambda user: clients_for_user(user=user))
