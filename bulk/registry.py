"""The catalogues that can be uploaded, by URL name."""

from importlib import import_module

CATALOGUES = {
    "clientes": "clients.catalogue",
    "productos": "inventory.catalogue",
    "proveedores": "inventory.providers_catalogue",
    "existencias": "inventory.stock_catalogue",
    "pagos": "payments.catalogue",
}


# The module whose grants decide who may upload each catalogue.
MODULES = {"clientes": "clientes", "productos": "inventario", "proveedores": "inventario", "existencias": "inventario",
           "pagos": "documentos"}

# Catalogues whose pages need another grant than <module>:<action>: payments are uploaded by
# whoever may record them (payments.services._require).
GRANTS = {"pagos": ("documentos", "edit")}


def get_spec(name):
    path = CATALOGUES.get(name)
    if path is None:
        raise KeyError(name)
    return import_module(path).SPEC
