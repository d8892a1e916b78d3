"""The product's modules and what a role may do in each.

A role is a set of (module, action) grants, edited at runtime by an admin. Views declare the
grant they need with ``core.access.module_required``; the menu, the home page and the
URL checks all read the same grants.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.modules import Action  # noqa: F401 - the modules' actions, named here beside them


# The grant vocabulary: what RolePermission.module stores. Its check constraint (and migration
# 0011) is built from these codes and MODULE_ACTIONS when models load, before any app's ready();
# everything else about a module (its page, its words) is registered by the app that owns it.
class Module(models.TextChoices):
    CLIENTES = "clientes", _("Clientes")
    INVENTARIO = "inventario", _("Inventario")
    DOCUMENTOS = "documentos", _("Documentos")
    REPORTES = "reportes", _("Reportes")
    CONTINGENCIA = "contingencia", _("Contingencia")
    CONFIGURACION = "configuracion", _("Configuración")


# ---------------------------------------------------------------------- what apps register
# Each app fills these in its AppConfig.ready(), so this module names none of them: its module's
# page (menu icon and landing URL name), the special cases a role may hold back for approval,
# what it adds to the home page.

_pages = {}
_NO_PAGE = {"icon": "circle", "url": None}


def register_module_page(module, *, icon, url):
    """The menu icon (Bootstrap Icons) and the URL name of ``module``'s landing page. A module no
    app registers has no URL: the menu shows it as coming, not as a broken link."""
    _pages[Module(module)] = {"icon": icon, "url": url}


def module_page(module):
    return _pages.get(Module(module), _NO_PAGE)


_settings_pages = []


def register_settings_page(module, action, *, icon, label, url):
    """A further page an app adds under ``module``'s landing page (the configuration page lists
    them), for users whose role grants (module, action): the app above keeps its own URLs, and
    this module names none of them."""
    entry = {"module": Module(module), "action": str(action), "icon": icon, "label": label, "url": url}
    if not any(p["url"] == url for p in _settings_pages):
        _settings_pages.append(entry)


def settings_pages(user, module):
    """The pages registered under ``module`` that ``user`` may open."""
    return [p for p in _settings_pages if p["module"] == Module(module) and user.can(p["module"], p["action"])]


_nav_entries = []


def register_nav_entry(module, action, *, icon, label, url):
    """A menu entry of an app's own (beside the modules'), shown to users whose role grants
    (module, action): reconciliation adds «Conciliación» for whoever records payments."""
    entry = {"module": Module(module), "action": str(action), "icon": icon, "label": label, "url": url}
    if not any(e["url"] == url for e in _nav_entries):
        _nav_entries.append(entry)


def nav_entries(user):
    return [e for e in _nav_entries if user.can(e["module"], e["action"])]


_approval_cases = {}


def register_approval_cases(choices):
    """(value, label) pairs: special cases found before issuing that a role may send to a
    supervisor for approval (Role.approval_cases; dte registers its own)."""
    _approval_cases.update(choices)


def approval_case_choices():
    return list(_approval_cases.items())


_home_panels = []


def register_home_panel(panel):
    """``panel(user)`` -> a dict added to the home page's context (dte: the approvals waiting)."""
    if panel not in _home_panels:
        _home_panels.append(panel)
    return panel


def home_panels(user):
    context = {}
    for panel in _home_panels:
        context.update(panel(user))
    return context


_V = Action.VIEW

# The actions each module has: the one place that says which (module, action) pairs mean
# something. The role grid shows a checkbox only for these, and a role cannot hold any other pair
# (services.grants_clean, RoleForm, and a check constraint on RolePermission). A view or a check
# that uses a new pair adds it here (accounts/tests/test_role_grid.py reads the code for pairs).
MODULE_ACTIONS = {
    Module.CLIENTES: (_V, Action.CREATE, Action.EDIT, Action.EXPORT),
    Module.INVENTARIO: (_V, Action.CREATE, Action.EDIT, Action.EXPORT),
    # Exporting documents (books, archives) is a report: REPORTES · Exportar.
    Module.DOCUMENTOS: (_V, Action.CREATE, Action.EDIT, Action.APPROVE, Action.INVALIDATE, Action.SEND),
    Module.REPORTES: (_V, Action.EXPORT),
    Module.CONTINGENCIA: (_V, Action.EDIT),
    Module.CONFIGURACION: (_V, Action.EDIT),
}

ALL = [(m, a) for m in Module for a in MODULE_ACTIONS[m]]


def is_grant(module, action):
    """Whether (module, action) is a pair a role may hold."""
    try:
        return Action(action) in MODULE_ACTIONS[Module(module)]
    except (KeyError, ValueError):
        return False


# The five roles a new installation starts with (created by migration 0002, brought up to date by
# 0012 while an admin has not changed them; editable afterwards).
# company_wide: sees every establishment; otherwise only the ones the user is assigned to.
DEFAULT_ROLES = {
    "Administrador": {
        "company_wide": True,
        "description": _("Todo el sistema: usuarios, roles, empresa, certificados y catálogos."),
        "grants": ALL,
    },
    "Supervisor": {
        "company_wide": True,
        "description": _("Aprueba casos especiales y vigila la contingencia."),
        "grants": [
            (Module.CLIENTES, _V), (Module.CLIENTES, Action.CREATE), (Module.CLIENTES, Action.EDIT),
            (Module.INVENTARIO, _V), (Module.INVENTARIO, Action.CREATE), (Module.INVENTARIO, Action.EDIT),
            (Module.DOCUMENTOS, _V), (Module.DOCUMENTOS, Action.CREATE), (Module.DOCUMENTOS, Action.APPROVE),
            (Module.DOCUMENTOS, Action.SEND),
            (Module.REPORTES, _V), (Module.REPORTES, Action.EXPORT),
            (Module.CONTINGENCIA, _V), (Module.CONTINGENCIA, Action.EDIT),
        ],
    },
    "Vendedor": {
        "company_wide": False,
        "description": _("Emite documentos desde sus establecimientos y puntos de venta asignados."),
        # The sales side only: a Comprobante de Retención (07) and a Factura de Sujeto Excluido (14)
        # are issued by the company as a buyer (facts §1), which is not a sales rep's job.
        "document_types": ["01", "03", "04", "05", "06", "11"],
        # Special cases found before issuing (dte.models.CaseCode): over the credit limit, overdue
        # documents, below cost, a large amount.
        "approval_cases": ["credit_limit", "overdue", "below_cost", "large_amount"],
        "grants": [
            (Module.CLIENTES, _V), (Module.CLIENTES, Action.CREATE),
            (Module.INVENTARIO, _V),
            (Module.DOCUMENTOS, _V), (Module.DOCUMENTOS, Action.CREATE), (Module.DOCUMENTOS, Action.SEND),
        ],
    },
    "Contador": {
        "company_wide": True,
        "description": _("Revisa estados, resuelve rechazos, invalida, emite notas de crédito y débito y exporta "
                         "libros y clientes."),
        # Corrections after the invalidation window go through credit and debit notes (facts §1):
        # the accountant issues those; and the period-end liquidations (sv-tax-facts-2.md §6): the
        # Comprobante de Liquidación (08) to a mandante, the Documento Contable de Liquidación (09)
        # to an affiliated merchant (migration 0015).
        "document_types": ["05", "06", "08", "09"],
        "grants": [
            (Module.CLIENTES, _V), (Module.CLIENTES, Action.EXPORT),
            (Module.INVENTARIO, _V),
            (Module.DOCUMENTOS, _V), (Module.DOCUMENTOS, Action.CREATE), (Module.DOCUMENTOS, Action.EDIT),
            (Module.DOCUMENTOS, Action.INVALIDATE), (Module.DOCUMENTOS, Action.SEND),
            (Module.REPORTES, _V), (Module.REPORTES, Action.EXPORT),
            (Module.CONTINGENCIA, _V),
        ],
    },
    "Auditor": {
        "company_wide": True,
        "description": _("Solo lectura en todo el sistema, incluida la bitácora; descarga las exportaciones."),
        # Reading everything includes taking it away to read: every export (clients, products and
        # providers, reports and their files), which changes nothing.
        "grants": [(m, _V) for m in Module] + [(Module.CLIENTES, Action.EXPORT), (Module.INVENTARIO, Action.EXPORT),
                                               (Module.REPORTES, Action.EXPORT)],
    },
}
