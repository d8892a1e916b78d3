"""The client catalogue as the bulk upload, the exports and the admin import see it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.modules import Module
from accounts.selectors import establishments_for_user
from bulk.columns import CellError
from bulk.engine import Spec
from clients.columns import COLUMNS, KEY
from clients.models import Client
from clients.rules import CatalogSets, check_client
from clients.selectors import clients_for_user

WRITE_FIELDS = [
    "kind", "id_type", "id_number", "nrc", "name", "trade_name", "activity_code", "activity_description",
    "taxpayer_size", "is_exempt", "departamento", "municipio", "distrito", "address", "country_code", "person_type", "email",
    "other_emails", "phone", "credit_limit", "payment_term_days", "sales_rep_id", "is_active", "notes", "search_text",
]


def _context():
    ctx = {"catalogs": CatalogSets()}
    ctx["users"] = dict(User.objects.filter(is_active=True).values_list("username", "id"))
    return ctx


def _check(data, ctx):
    return check_client(data, ctx["catalogs"])


def _finalize(data, ctx):
    rep = data.pop("sales_rep", "")
    if rep:
        if rep not in ctx["users"]:
            raise CellError("sales_rep", _("el usuario «%(u)s» no existe o está inactivo") % {"u": rep})
        data["sales_rep_id"] = ctx["users"][rep]
    else:
        data["sales_rep_id"] = None
    data.setdefault("activity_description", "")
    if data.get("credit_limit") is None:
        data["credit_limit"] = 0
    if data.get("payment_term_days") is None:
        data["payment_term_days"] = 0
    return tuple(map(data.get, WRITE_FIELDS, _BLANKS))  # data.get(f, "") each, in C, in write_fields' order


_BLANKS = [""] * len(WRITE_FIELDS)


SPEC = Spec(
    name="clientes", title=gettext_lazy("Clientes"), model=Client, columns=COLUMNS, key=KEY,
    module=Module.CLIENTES, write_fields=WRITE_FIELDS, context=_context, check=_check, finalize=_finalize,
    conflict_sql="(id_type, id_number)", pure_rows=True,
)


_ID_NAMES = {"36": "NIT", "13": "DUI", "02": "Carnet de residente", "03": "Pasaporte", "37": "Otro"}


def to_row(client):
    """A client as a row of the template: exporting and uploading again changes nothing."""
    return [
        client.kind, _ID_NAMES.get(client.id_type, client.id_type), client.id_number, client.nrc, client.name,
        client.trade_name, client.activity_code, client.taxpayer_size, "sí" if client.is_exempt else "no",
        client.departamento, client.municipio, client.distrito, client.address, client.country_code,
        {"1": "natural", "2": "jurídica"}.get(client.person_type, ""), client.email, client.other_emails, client.phone,
        client.credit_limit, client.payment_term_days, client.sales_rep.username if client.sales_rep_id else "",
        "sí" if client.is_active else "no", client.notes,
    ]


SPEC.extra["to_row"] = to_row
SPEC.extra["export_queryset"] = lambda user: __import__("clients.selectors", fromlist=["x"]).clients_for_user(user=user)


def _scope(user):
    """The clients an upload may touch: the ones the user's pages show (None: all of them)."""
    return None if user.company_wide else clients_for_user(user=user)


SPEC.extra["scope"] = _scope


def _new_row_defaults(user):
    """A client a role bound to one establishment uploads is filed under it, as the form files
    it; with several (or company-wide) a new client stays shared, and the form can file it."""
    if user.company_wide:
        return {}
    ids = list(establishments_for_user(user=user).values_list("pk", flat=True)[:2])
    return {"establishment_id": ids[0]} if len(ids) == 1 else {}


SPEC.extra["new_row_defaults"] = _new_row_defaults
SPEC.extra["outside_scope_message"] = gettext_lazy(
    "ya existe un cliente con este documento que usted no puede ver (de otro establecimiento o asignado a otro "
    "vendedor): no puede modificarlo desde una carga")
