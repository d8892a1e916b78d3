"""The catalogues that can be uploaded, by URL name."""

from importlib import import_module

CATALOGUES = {
    "clientes": "clients.catalogue",
    "productos": "inventory.catalogue",
    "proveedores": "inventory.providers_catalogue",
    "existencias": "inventory.stock_catalogue",
}


# The module whose grants decide who may upload each catalogue.
MODULES = {"clientes": "clientes", "productos": "inventario", "proveedores": "inventario", "existencias": "inventario"}


def get_spec(name):
    path = CATALOGUES.get(name)
    if path is None:
        raise KeyError(name)
    return import_module(path).SPEC
