"""Stock counts: the counted quantity per product and establishment. Applying a count records a
movement for each difference, so the history explains every change."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Establishment
from accounts.modules import Module
from accounts.selectors import establishments_for_user
from bulk import columns as c
from bulk.columns import CellError
from bulk.engine import Spec
from inventory.models import Product, Stock, StockMovement

COLUMNS = [
    c.Column("establecimiento", "establishment", c.text(4, required=True), required=True, example="M001",
             help=_("código MH del establecimiento")),
    c.Column("codigo_producto", "product", c.text(25, required=True), required=True, example="PRD-0001"),
    c.Column("existencia", "quantity", c.decimal(places=8, minimum=0, required=True, from_text=False), required=True,
             example=25, kind="number", help=_("cantidad contada")),
]
WRITE_FIELDS = ["product_id", "establishment_id", "quantity"]


def _context(user=None):
    """A count may name only the user's establishments (all of them for a company-wide role, or
    with no user: the admin's import and scripts)."""
    places = Establishment.objects.all() if user is None or user.company_wide else establishments_for_user(user=user)
    return {"establishments": dict(places.values_list("cod_estable_mh", "id")),
            "products": dict(Product.objects.filter(tracks_stock=True).values_list("code", "id"))}


def _finalize(data, ctx):
    est = ctx["establishments"].get(data["establishment"])
    if est is None:
        raise CellError("establishment", _("el establecimiento %(e)s no existe o no es uno de los suyos")
                        % {"e": data["establishment"]})
    product = ctx["products"].get(data["product"])
    if product is None:
        raise CellError("product", _("el producto %(p)s no existe o no controla existencias") % {"p": data["product"]})
    return {"product_id": product, "establishment_id": est, "quantity": data["quantity"]}



def before_apply(rows):
    keys = {(r["product_id"], r["establishment_id"]) for r in rows}
    current = {}
    for pid, eid, qty in Stock.objects.filter(product_id__in={k[0] for k in keys}).values_list(
            "product_id", "establishment_id", "quantity"):
        current[(pid, eid)] = qty
    return current


def after_apply(rows, before, user):
    StockMovement.objects.bulk_create([
        StockMovement(product_id=r["product_id"], establishment_id=r["establishment_id"],
                      quantity=r["quantity"] - before.get((r["product_id"], r["establishment_id"]), 0),
                      balance=r["quantity"], reason="Conteo de existencias (carga masiva)", created_by=user)
        for r in rows
    ], batch_size=2000)


def to_row(stock):
    return [stock.establishment.cod_estable_mh, stock.product.code, stock.quantity]


SPEC = Spec(
    name="existencias", title=gettext_lazy("Existencias"), model=Stock, columns=COLUMNS,
    key=("product_id", "establishment_id"), module=Module.INVENTARIO, write_fields=WRITE_FIELDS, context=_context,
    check=lambda data, ctx: {}, finalize=_finalize, conflict_sql="(product_id, establishment_id)",
    extra={"user_context": True, "key_header": "codigo_producto", "before_apply": before_apply, "after_apply": after_apply, "to_row": to_row,
           "export_queryset": lambda user: Stock.objects.select_related("product", "establishment")},
)
