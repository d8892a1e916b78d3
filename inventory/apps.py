from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module, register_module_page
from bulk.registry import register_upload


class InventoryConfig(AppConfig):
    name = "inventory"
    verbose_name = _("Inventario")

    def ready(self):
        register_module_page(Module.INVENTARIO, icon="box-seam", url="inventory:product_list")
        # Here, not at the top: the specs name the models, loaded once the app registry is ready.
        from inventory.uploads import products, providers, stock  # noqa: PLC0415 - models not loaded when apps.py is imported

        for spec in (products.SPEC, providers.SPEC, stock.SPEC):
            register_upload(spec)
