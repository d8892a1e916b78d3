"""The product catalogue for uploads, exports and the admin import."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.modules import Module
from bulk import columns as c
from bulk.engine import Spec
from catalogs.selectors import catalog_entries
from clients.rules import search_text
from inventory.models import Product, TaxTreatment

ITEM_TYPE = {"1": 1, "bienes": 1, "bien": 1, "2": 2, "servicios": 2, "servicio": 2, "3": 3, "ambos": 3, "4": 4,
             "otros tributos": 4}
TREATMENT = {"gravado": TaxTreatment.GRAVADO, "exento": TaxTreatment.EXENTO, "no sujeto": TaxTreatment.NO_SUJETO,
             "no_sujeto": TaxTreatment.NO_SUJETO}
# Special taxes an item may carry (CAT-015 section 2; facts §2.4).
SPECIAL_TAXES = {"A8", "57", "90", "D4", "D5", "A6", "25"}

COLUMNS = [
    c.Column("codigo", "code", c.text(25, required=True), required=True, example="PRD-0001", help=_("único; identifica el producto")),
    c.Column("descripcion", "description", c.text(1000, required=True), required=True, example="Silla ergonómica", width=40),
    c.Column("tipo_item", "item_type", c.choice(ITEM_TYPE), required=True, choices=["bienes", "servicios", "ambos"],
             example="bienes", help=_("CAT-011: bienes, servicios, ambos")),
    c.Column("unidad", "unit", c.integer(minimum=1, maximum=99, required=True), required=True, example=59,
             kind="number", help=_("CAT-014: 59 unidad, 99 otra, 34 kilogramo…")),
    c.Column("precio", "price", c.decimal(places=8, required=True, from_text=False), required=True, example=100,
             kind="number"),
    c.Column("precio_incluye_iva", "price_includes_iva", c.boolean(default=True), choices=["sí", "no"], example="sí"),
    c.Column("costo", "cost", c.decimal(places=8, from_text=False), example=60, kind="number", omissible=True),
    c.Column("tratamiento", "tax_treatment", c.choice(TREATMENT, default=TaxTreatment.GRAVADO),
             choices=["gravado", "exento", "no sujeto"], example="gravado"),
    c.Column("tributos_especiales", "special_taxes", c.text(60), example="", help=_("códigos CAT-015 separados por coma"), omissible=True),
    c.Column("categoria", "category", c.text(80), example="Mobiliario", omissible=True),
    c.Column("controla_existencias", "tracks_stock", c.boolean(), choices=["sí", "no"], example="sí", omissible=True),
    c.Column("activo", "is_active", c.boolean(default=True), choices=["sí", "no"], example="sí", omissible=True),
]
WRITE_FIELDS = ["code", "description", "item_type", "unit", "price", "price_includes_iva", "cost", "tax_treatment",
                "special_taxes", "category", "tracks_stock", "is_active", "search_text"]


def check_product(data, ctx):
    errors = {}
    units = ctx["units"]
    if units and data.get("unit") is not None and str(data["unit"]) not in units:
        errors["unit"] = _("la unidad %(u)s no está en el catálogo CAT-014") % {"u": data["unit"]}
    raw = data.get("special_taxes") or ""
    codes = [t.strip().upper() for t in raw.split(",") if t.strip()] if isinstance(raw, str) else list(raw)
    bad = [t for t in codes if t not in SPECIAL_TAXES]
    if bad:
        errors["special_taxes"] = _("tributos no válidos: %(t)s (use %(ok)s)") % {"t": ", ".join(bad), "ok": ", ".join(sorted(SPECIAL_TAXES))}
    data["special_taxes"] = sorted(set(codes))
    if data.get("item_type") == 2 and data.get("tracks_stock"):
        errors["tracks_stock"] = _("un servicio no lleva existencias")
    if data.get("cost") is None:
        data["cost"] = 0
    data["search_text"] = search_text(data.get("code"), data.get("description"), data.get("category"))
    return errors


def _context():
    return {"units": {e.code for e in catalog_entries(catalog="CAT-014")}}


def _finalize(data, ctx):
    return {f: data[f] for f in WRITE_FIELDS}


def to_row(p):
    return [p.code, p.description, {1: "bienes", 2: "servicios", 3: "ambos", 4: "otros tributos"}[p.item_type], p.unit,
            p.price, "sí" if p.price_includes_iva else "no", p.cost, p.get_tax_treatment_display().split(" (")[0].lower(),
            ",".join(p.special_taxes), p.category, "sí" if p.tracks_stock else "no", "sí" if p.is_active else "no"]


SPEC = Spec(
    name="productos", title=gettext_lazy("Productos"), model=Product, columns=COLUMNS, key=("code",),
    module=Module.INVENTARIO, write_fields=WRITE_FIELDS, context=_context, check=check_product,
    finalize=_finalize, conflict_sql="(code)",
    extra={"to_row": to_row, "export_queryset": lambda user: Product.objects.all()},
)


