"""The documents of the test set, made from the company's catalogue with the variety MH's test
environment is meant to see (facts-2 §1; facts §2.4–2.5): taxed, exempt and non-subject lines,
line and global discounts, buyers identified and not, 1 % retention by a large taxpayer, goods
and services, notes against sealed CCFs. The n-th document of a type takes its own mix, so the
same run always makes the same set.

Lines copy the product (code, description, unit, price) without linking it: test documents must
not move the company's stock (dte moves stock for a linked product that tracks it), and the
catalogue's products stay untouched."""

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext as _

from catalogs.selectors import catalog_entries
from core.fiscal import IVA_DIVISOR
from dte import generations
from dte.models import Document
from dte.pricing import unit_price_for

D = Decimal
CENT = D("0.01")
ZERO = D(0)
# Below MH's identification amount for a Factura (facts §2.2: $1,095.00) and the product's large-
# amount confirmation: an anonymous buyer's Factura stays well under both.
ANONYMOUS_CAP = D("600")
RETENTION_BASE = D("120")  # above the 1 % retention threshold ($100 without IVA, CT art. 162)


@dataclass
class Recipe:
    """What ``dte.services.drafts.draft_save`` takes: header data, lines, related documents."""

    tipo: str
    data: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)
    related: list = field(default_factory=list)
    split_payment: bool = False  # paid part cash, part card (set once the total is known)


def _cycle(items, n):
    return items[n % len(items)] if items else None


def _price(tipo, product):
    price = unit_price_for(SimpleNamespace(tipo_dte=tipo), product)
    if price <= 0:  # an FSE starts from the cost; a service may have none
        price = (D(product.price) / IVA_DIVISOR).quantize(CENT)
    return price


def _line(tipo, product, quantity=1, *, treatment=None, discount=ZERO, **extra):
    price = _price(tipo, product)
    return {"code": product.code[:25], "description": product.description[:1000], "item_type": product.item_type,
            "unit": product.unit if product.item_type != 2 else 99, "quantity": D(quantity), "unit_price": price,
            "discount": discount, "treatment": treatment or product.tax_treatment or "gravado", **extra}


def _quantity_for(price, target):
    """The smallest whole quantity whose amount reaches ``target``."""
    return max(1, int((target / price).to_integral_value(rounding=ROUND_CEILING))) if price > 0 else 1


def _taxed(cat, n):
    return _cycle(cat.goods + cat.services, n) or _cycle(cat.exempt + cat.non_subject, n)


def _sale_lines(tipo, cat, n, *, cap=None):
    """One to three lines: a taxed one (a 10 % discount every fifth), and by turns an exempt and a
    non-subject one (the catalogue's own when it has them, else a product sold so)."""
    product = _taxed(cat, n)
    quantity = 1 + n % 3
    if cap is not None:
        quantity = min(quantity, max(1, int(cap / max(_price(tipo, product), CENT))))
    first = _line(tipo, product, quantity)
    if n % 5 == 0:
        first["discount"] = (first["unit_price"] * first["quantity"] * D("0.10")).quantize(CENT)
    lines = [first]
    if n % 4 == 1:
        other = _cycle(cat.exempt, n) or _taxed(cat, n + 1)
        lines.append(_line(tipo, other, 1, treatment="exento"))
    elif n % 4 == 2:
        other = _cycle(cat.non_subject, n) or _taxed(cat, n + 1)
        lines.append(_line(tipo, other, 1, treatment="no_sujeto"))
    if n % 6 == 3 and len(cat.products) > 1:
        lines.append(_line(tipo, _taxed(cat, n + 2), 1))
    return lines


def _header(tipo, point, **data):
    return {"tipo_dte": tipo, "establishment_id": point.establishment_id, "point_of_sale_id": point.pk,
            "issue_date": timezone.localdate(), "condition": 1, **data}


def factura(cat, n, point, *, identified=False):
    """Factura (01): anonymous buyers every third (small amounts), a large taxpayer buying above
    the retention base every seventh, identified consumers otherwise."""
    large = _cycle(cat.large_taxpayers, n) if n % 7 == 3 else None
    anonymous = n % 3 == 0 and not identified and _price("01", _taxed(cat, n)) <= ANONYMOUS_CAP
    buyer = large or (None if anonymous else _cycle(cat.consumers, n) or _cycle(cat.taxpayers, n))
    lines = _sale_lines("01", cat, n, cap=ANONYMOUS_CAP if buyer is None else None)
    if large is not None:
        first = lines[0]
        first["quantity"] = D(_quantity_for(first["unit_price"] / IVA_DIVISOR, RETENTION_BASE))
        first["treatment"], first["discount"] = "gravado", D(0)
    data = _header("01", point, client_id=buyer.pk if buyer else None,
                   observations=_("Prueba para la autorización de MH"))
    if n % 8 == 6:
        data["discount_gravada"] = D("1.00")
    return Recipe("01", data, lines, split_payment=n % 5 == 4)


def ccf(cat, n, point):
    """CCF (03): a taxpayer buyer; a large one above the retention base every fourth; a global
    discount every eighth."""
    large = _cycle(cat.large_taxpayers, n) if n % 4 == 2 else None
    buyer = large or _cycle(cat.taxpayers, n)
    lines = _sale_lines("03", cat, n)
    if large is not None:
        first = lines[0]
        first["quantity"] = D(_quantity_for(first["unit_price"], RETENTION_BASE))
        first["treatment"], first["discount"] = "gravado", D(0)
    data = _header("03", point, client_id=buyer.pk, observations=_("Prueba para la autorización de MH"))
    if n % 8 == 7:
        data["discount_gravada"] = D("1.00")
    return Recipe("03", data, lines, split_payment=n % 5 == 4)


BIEN_TITULOS = ["01", "02", "03", "04"]  # CAT-025: depósito, propiedad, consignación, traslado


def remision(cat, n, point):
    """Nota de Remisión (04): goods moved to a client, under each CAT-025 title in turn."""
    client = _cycle(cat.remittees, n)
    product = _cycle(cat.goods, n)
    return Recipe("04", _header("04", point, client_id=client.pk, extra={"bienTitulo": _cycle(BIEN_TITULOS, n)},
                                observations=_("Traslado de mercadería (prueba para la autorización de MH)")),
                  [_line("04", product, 1 + n % 4, treatment="gravado")])


def _related(target):
    return [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": target.codigo_generacion,
             "fecha_emision": target.issue_date, "target_id": target.pk}]


def credit_note(target, n, point):
    """Nota de Crédito (05) against a sealed CCF: part of one of its lines comes back."""
    lines = list(target.lines.order_by("position"))
    line = lines[n % len(lines)]
    quantity = min(D(1), D(line.quantity))
    net = ((D(line.unit_price) * D(line.quantity) - D(line.discount)) / D(line.quantity)).quantize(D("0.00000001"))
    return Recipe("05", _header("05", point, client_id=target.client_id,
                                observations=_("Devolución parcial (prueba para la autorización de MH)")),
                  [{"code": line.code, "description": (_("Devolución: %(d)s") % {"d": line.description})[:1000],
                    "item_type": line.item_type, "unit": line.unit, "quantity": quantity, "unit_price": net,
                    "treatment": line.treatment, "related_code": target.codigo_generacion}],
                  _related(target))


def debit_note(target, n, point):
    """Nota de Débito (06) against a sealed CCF: late-payment interest or a freight charge."""
    base = max(D(target.total_operation) * D("0.02"), D(1)).quantize(CENT)
    description = _("Intereses por pago tardío") if n % 2 == 0 else _("Cargo por flete no facturado")
    return Recipe("06", _header("06", point, client_id=target.client_id,
                                observations=_("Ajuste (prueba para la autorización de MH)")),
                  [{"description": description, "item_type": 2, "unit": 99, "quantity": D(1), "unit_price": base,
                    "treatment": "gravado", "related_code": target.codigo_generacion}],
                  _related(target))


def retention(cat, n, point):
    """Comprobante de Retención (07): the company, as withholding agent, retains 1 % from a
    provider's CCFs (and by turns a Factura) it received on paper."""
    provider = _cycle(cat.providers, n)
    today = timezone.localdate()
    lines = []
    for k in range(1 + n % 2):
        tipo = "01" if (n + k) % 3 == 2 else "03"
        base = (RETENTION_BASE + D(37) * ((n + k) % 9)).quantize(CENT)
        number = f"{today:%y}{'CC' if tipo == '03' else 'FA'}{(n * 2 + k + 1) % 1000000:06d}"
        lines.append({"description": _("Retención 1 %% sobre documento %(d)s") % {"d": number}, "quantity": D(1),
                      "unit_price": D(0), "extra": {"tipoDte": tipo, "tipoDoc": 1, "numDocumento": number,
                                                    "fechaEmision": today.isoformat(), "montoSujetoGrav": str(base),
                                                    "codigoRetencionMH": "22"}})
    return Recipe("07", _header("07", point, provider_id=provider.pk,
                                observations=_("Prueba para la autorización de MH")), lines)


def _first_code(catalog, tipo):
    """The first code of ``catalog`` in the edition of the generation in force for ``tipo``."""
    edition = generations.catalog_edition_for(Document(tipo_dte=tipo))
    entry = catalog_entries(catalog=catalog, edition=edition).order_by("code").first()
    return entry.code if entry else ""


def export(cat, n, point):
    """Factura de Exportación (11): goods through a customs office under a regime with insurance
    and freight (DAP), or services when the catalogue has them, every other one."""
    buyer = _cycle(cat.foreigners, n)
    services = n % 2 == 1 and cat.services
    product = _cycle(cat.services, n) if services else _taxed(cat, n)
    line = _line("11", product, 1 + n % 5, treatment="gravado")
    if n % 5 == 0:
        line["discount"] = (line["unit_price"] * line["quantity"] * D("0.05")).quantize(CENT)
    if services:
        extra = {"tipoItemExpor": "2"}
    else:
        extra = {"tipoItemExpor": "1", "recintoFiscal": _first_code("CAT-027", "11"), "regimen": _first_code("CAT-028", "11"),
                 "codIncoterms": "05", "descIncoterms": "DAP", "seguro": str(D(10) + n % 7), "flete": str(D(40) + n % 11)}
        if tipo_regimen := _first_code("CAT-033", "11"):  # 2026 edition: the regime type apart (CAT-033)
            extra["tipoRegimen"] = tipo_regimen
    return Recipe("11", _header("11", point, client_id=buyer.pk, extra=extra,
                                observations=_("Prueba para la autorización de MH")), [line])


def excluded_subject(cat, n, point):
    """Factura de Sujeto Excluido (14): the company buys from a person outside IVA; every other
    one adds a service with 10 % income tax withheld (CT art. 156)."""
    seller = _cycle(cat.excluded, n)
    party = {"id_type": seller.id_type, "id_number": seller.id_number, "name": seller.name,
             "departamento": seller.departamento, "municipio": seller.municipio, "address": seller.address,
             "phone": seller.phone, "email": seller.email}
    lines = [_line("14", _cycle(cat.goods, n) or _taxed(cat, n), 1 + n % 3, treatment="gravado")]
    if n % 2 == 1:
        service = _cycle(cat.services, n)
        lines.append({"description": service.description if service else _("Servicio de transporte"),
                      "item_type": 2, "unit": 99, "quantity": D(1), "unit_price": D("25.00") + n % 10,
                      "withhold_income": True})
    return Recipe("14", _header("14", point, counterparty=party, observations=_("Prueba para la autorización de MH")),
                  lines)


def liquidation(cat, n, point):
    """Comprobante de Liquidación (08; sv-tax-facts-2.md §6): the company, as consignee, liquidates
    to a taxpayer mandante the sales it made on its behalf; here printed documents (tipoGeneración
    1), one to three, taxed, by turns with exempt sales or an export."""
    mandante = _cycle(cat.taxpayers, n)
    today = timezone.localdate()
    lines = []
    for k in range(1 + n % 3):
        tipo = ("03", "01", "11")[(n + k) % 3]
        number = f"{today:%y}{'CC' if tipo == '03' else 'FA' if tipo == '01' else 'EX'}{(n * 3 + k + 1) % 1000000:06d}"
        amount = (D(100) + D(13) * ((n + k) % 9)).quantize(CENT)
        columns = {"ventaNoSuj": "0", "ventaExenta": "0", "ventaGravada": "0", "exportaciones": "0"}
        columns["exportaciones" if tipo == "11" else "ventaGravada"] = str(amount)
        if tipo != "11" and (n + k) % 4 == 1:
            columns["ventaExenta"] = "15.00"
        lines.append({"description": _("Venta por cuenta del mandante, documento %(d)s") % {"d": number},
                      "quantity": D(1), "unit_price": D(0),
                      "extra": {"tipoDte": tipo, "tipoGeneracion": 1, "numeroDocumento": number,
                                "fechaGeneracion": today.isoformat(), **columns}})
    return Recipe("08", _header("08", point, client_id=mandante.pk,
                                observations=_("Prueba para la autorización de MH")), lines)


def card_settlement(cat, n, point):
    """Documento Contable de Liquidación (09; sv-tax-facts-2.md §6): the company, as card issuer,
    settles a fortnight of card sales with an affiliated merchant: 2 % perceived, a commission of
    2.5 to 5 %, by turns part of the sales outside the perception."""
    merchant = _cycle(cat.taxpayers, n)
    today = timezone.localdate()
    start = today.replace(day=1)
    value = (D(1130) + D(113) * (n % 11)).quantize(CENT)
    settlement = {"periodoInicio": start.isoformat(), "periodoFin": today.isoformat(),
                  "codLiquidacion": f"LQ{today:%y%m}{n + 1:04d}", "cantidadDoc": str(10 + n % 40),
                  "valorOperaciones": str(value), "montoSinPercepcion": "113.00" if n % 3 == 2 else "0",
                  "descripSinPercepcion": _("Ventas exentas") if n % 3 == 2 else "",
                  "porcentComision": str(D("2.5") + D("0.5") * (n % 6)), "tipoEstablecimiento": "02"}
    extension = {"nombEntrega": _("Departamento de liquidaciones"), "docuEntrega": "LIQ-" + f"{n + 1:05d}",
                 "codEmpleado": None}
    return Recipe("09", _header("09", point, client_id=merchant.pk, extra={"liquidacion": settlement,
                                                                           "extension": extension},
                                observations=_("Prueba para la autorización de MH")), [])


def _donors(cat):
    """Who may donate in the set: clients with document and full address (a domiciled donor needs
    it, fe-cd-v1/v2), and foreign clients with a document (no address nor activity)."""
    return cat.remittees, [c for c in cat.foreigners if c.id_type and c.id_number]


def donation(cat, n, point):
    """Comprobante de Donación (15; sv-tax-facts-2.md §6): the company, as donatario qualified under
    LISR art. 6, to a client who donates. Every donation has some cash (CAT-026 1); by turns a
    donated good from the catalogue with its depreciation (2) and an hour-priced service (3); a
    foreign donor every fifth when the catalogue has one. The qualification is the associated
    document (CAT-021 1, the donatario's own)."""
    home, abroad = _donors(cat)
    donor = _cycle(abroad, n) if n % 5 == 4 and abroad else _cycle(home, n) or _cycle(abroad, n)
    lines = [{"description": _("Donación en efectivo"), "item_type": 2, "unit": 99, "quantity": D(1),
              "unit_price": (D(50) + D(25) * (n % 7)).quantize(CENT), "discount": ZERO, "treatment": "gravado",
              "extra": {"tipoDonacion": 1, "depreciacion": "0"}}]
    good = _cycle(cat.goods, n)
    if n % 3 != 2 and good is not None:
        quantity = D(1 + n % 2)
        price = D(good.price).quantize(CENT)
        value = price * quantity
        depreciation = (value * D("0.25")).quantize(CENT) if n % 2 == 0 else ZERO  # a used good, every other one
        lines.append({"code": good.code[:25], "description": good.description[:1000], "item_type": 1,
                      "unit": good.unit, "quantity": quantity, "unit_price": price, "discount": ZERO,
                      "treatment": "gravado", "extra": {"tipoDonacion": 2, "depreciacion": str(depreciation)}})
    if n % 3 != 0:
        lines.append({"description": _("Horas de servicio profesional donadas"), "item_type": 2, "unit": 99,
                      "quantity": D(2 + n % 4), "unit_price": D("15.00"), "discount": ZERO, "treatment": "gravado",
                      "extra": {"tipoDonacion": 3, "depreciacion": "0"}})
    qualification = {"codDocAsociado": 1, "descDocumento": _("Calificación de donatario %(n)s") % {"n": f"{n + 1:04d}"},
                     "detalleDocumento": _("Calificación como entidad donataria, Ley del Impuesto sobre la Renta "
                                           "art. 6 (prueba para la autorización de MH)")}
    return Recipe("15", _header("15", point, client_id=donor.pk if donor else None,
                                extra={"otrosDocumentos": [qualification]},
                                observations=_("Prueba para la autorización de MH")), lines)


MAKERS = {"01": factura, "03": ccf, "04": remision, "07": retention, "08": liquidation, "09": card_settlement,
          "11": export, "14": excluded_subject, "15": donation}
NOTE_MAKERS = {"05": credit_note, "06": debit_note}
# The types this generator makes: the types dte issues and that have a recipe here.
GENERATED = set(MAKERS) | set(NOTE_MAKERS)
