"""The reports: the two sales books, retentions, invalidations, document status, sales by
client / product / rep / establishment / point of sale, and receivables aging.

Columns of the books: Código Tributario art. 141 and its Reglamento de Aplicación, art. 83 (Libro de
Ventas a Consumidor Final: a line per day and till with the range of documents) and art. 85 (Libro
de Ventas a Contribuyentes: a line per document), as summarised in reports/SOURCES.md."""

import heapq
import json
from decimal import Decimal

from django.db.models import Case, Count, F, Max, Min, Q, Sum, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Round, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.selectors import clients_for_user
from core import formats, scope
from core.fiscal import IVA_DIVISOR, SALES_TYPES, DocType
from dte.models import DocumentLine, GovStatus, Invalidation, InvalidationState, InvalidationType
from payments.selectors import aging_table
from purchases.models import ReceivedDocument, ReceivedState
from reports.base import PAGE, ZERO, Column, ListedRows, Report, filtered, money, net_sales, rep_label, signed, sum_of
from reports.finance import FINANCE_REPORTS

MONEY = "money"


def _sales_measures():
    return {"documents": Count("id"), "net": sum_of(net_sales()), "iva": sum_of(signed(F("total_iva"))),
            "total": sum_of(signed(F("total_operation")))}


SALES_COLUMNS = [Column("documents", _("Documentos"), "int", total=True),
                 Column("net", _("Ventas netas (sin IVA)"), MONEY, total=True),
                 Column("iva", _("IVA"), MONEY, total=True), Column("total", _("Total"), MONEY, total=True)]


class SalesBookTaxpayers(Report):
    """Libro de Ventas a Contribuyentes: one line per CCF, NC and ND of the month; a credit note
    subtracts."""

    slug = "libro-contribuyentes"
    title = _("Libro de Ventas a Contribuyentes")
    description = _("Créditos fiscales, notas de crédito y de débito del mes, en las columnas del libro.")
    monthly = True
    keyset = ("issue_date", "id")
    key_types = {"issue_date": "date"}
    fields = ("id", "issue_date", "tipo_dte", "numero_control", "codigo_generacion", "sello_recibido")
    columns = [Column("_n", _("Correlativo"), "int", width=8), Column("issue_date", _("Fecha de emisión"), "date", width=11),
               Column("tipo_dte", _("Tipo"), width=5), Column("numero_control", _("Número de control"), "code", width=33),
               Column("codigo_generacion", _("Código de generación"), "code", width=38, screen=False),
               Column("name", _("Nombre del cliente"), width=34), Column("nrc", _("NRC"), width=10),
               Column("exenta", _("Ventas exentas"), MONEY, total=True),
               Column("no_suj", _("Ventas no sujetas"), MONEY, total=True),
               Column("gravada", _("Ventas gravadas"), MONEY, total=True),
               Column("debito", _("Débito fiscal"), MONEY, total=True),
               Column("percibido", _("IVA percibido"), MONEY, total=True),
               Column("retenido", _("IVA retenido"), MONEY, total=True),
               Column("total", _("Total"), MONEY, total=True)]

    def base(self, params):
        return filtered(params, types=[DocType.CCF, DocType.NC, DocType.ND])

    def exprs(self):
        return {"name": KT("counterparty__name"), "nrc": KT("counterparty__nrc"),
                "exenta": signed(F("amount_exenta")), "no_suj": signed(F("amount_no_suj")),
                "gravada": signed(F("amount_gravada")), "debito": signed(F("total_iva")),
                "percibido": signed(F("iva_percibido")), "retenido": signed(F("iva_retenido")),
                # RACT art. 85 l): the document's total, IVA perceived included
                "total": signed(F("total_operation") + F("iva_percibido"))}

    def notes(self, params):
        return _unsealed_note(self.base(params))


class SalesBookConsumers(Report):
    """Libro de Ventas a Consumidor Final: one line per day, point of sale and type, with the
    first and last number of the day; exports (FEX) in their own column."""

    slug = "libro-consumidor-final"
    title = _("Libro de Ventas a Consumidor Final")
    description = _("Facturas y facturas de exportación del mes, resumidas por día y punto de venta.")
    monthly = True
    group = ("issue_date", "establishment__cod_estable_mh", "point_of_sale__cod_punto_venta_mh", "tipo_dte")
    order = group
    columns = [Column("issue_date", _("Fecha"), "date", width=11), Column("till", _("Caja / punto de venta"), width=10),
               Column("tipo_dte", _("Tipo"), width=5),
               Column("first", _("Del número"), "code", width=33), Column("last", _("Al número"), "code", width=33),
               Column("documents", _("Documentos"), "int", total=True),
               Column("exenta", _("Ventas exentas"), MONEY, total=True),
               Column("no_suj", _("Ventas no sujetas"), MONEY, total=True),
               Column("gravada", _("Ventas gravadas locales"), MONEY, total=True),
               Column("export", _("Exportaciones"), MONEY, total=True),
               Column("total", _("Total ventas diarias propias"), MONEY, total=True)]

    def base(self, params):
        return filtered(params, types=[DocType.FACTURA, DocType.FEX])

    def aggregates(self):
        local, export = Q(tipo_dte=DocType.FACTURA), Q(tipo_dte=DocType.FEX)
        return {"first": Min("numero_control"), "last": Max("numero_control"), "documents": Count("id"),
                "exenta": sum_of("amount_exenta"), "no_suj": sum_of("amount_no_suj"),
                "gravada": Coalesce(Sum("amount_gravada", filter=local), Value(ZERO), output_field=money()),
                # an export's value is its operation total: goods plus insurance and freight (FEX resumen)
                "export": Coalesce(Sum("total_operation", filter=export), Value(ZERO), output_field=money()),
                "total": sum_of(Case(When(export, then=F("total_operation")),
                                     default=F("amount_exenta") + F("amount_no_suj") + F("amount_gravada"),
                                     output_field=money()))}

    def display(self, row):
        row["till"] = f"{row['establishment__cod_estable_mh']}{row['point_of_sale__cod_punto_venta_mh']}"
        return super().display(row)

    def notes(self, params):
        return _unsealed_note(self.base(params)) + _debit_note(self.base(params))


class SalesBookConsumersDetail(Report):
    """The same book one line per document: each DTE has its own number, so the day's range is
    the document itself (the form the F-07 annex of final-consumer sales takes)."""

    slug = "libro-consumidor-final-detalle"
    title = _("Libro de Ventas a Consumidor Final (detalle por documento)")
    description = _("Cada factura y factura de exportación del mes en su línea, con su código y sello.")
    monthly = True
    keyset = ("issue_date", "id")
    key_types = {"issue_date": "date"}
    fields = ("id", "issue_date", "tipo_dte", "numero_control", "codigo_generacion", "sello_recibido",
              "establishment__cod_estable_mh", "point_of_sale__cod_punto_venta_mh")
    columns = [Column("_n", _("Correlativo"), "int", width=8), Column("issue_date", _("Fecha"), "date", width=11),
               Column("till", _("Caja / punto de venta"), width=10), Column("tipo_dte", _("Tipo"), width=5),
               Column("numero_control", _("Número de control"), "code", width=33),
               Column("codigo_generacion", _("Código de generación"), "code", width=38, screen=False),
               Column("sello_recibido", _("Sello de recepción"), "code", width=42, screen=False),
               Column("exenta", _("Ventas exentas"), MONEY, total=True),
               Column("no_suj", _("Ventas no sujetas"), MONEY, total=True),
               Column("gravada", _("Ventas gravadas locales"), MONEY, total=True),
               Column("export", _("Exportaciones"), MONEY, total=True),
               Column("total", _("Total"), MONEY, total=True)]

    def base(self, params):
        return filtered(params, types=[DocType.FACTURA, DocType.FEX])

    def exprs(self):
        export = Q(tipo_dte=DocType.FEX)
        zero = Value(ZERO, output_field=money())
        return {"exenta": F("amount_exenta"), "no_suj": F("amount_no_suj"),
                "gravada": Case(When(export, then=zero), default=F("amount_gravada"), output_field=money()),
                "export": Case(When(export, then=F("total_operation")), default=zero, output_field=money()),
                "total": Case(When(export, then=F("total_operation")),
                              default=F("amount_exenta") + F("amount_no_suj") + F("amount_gravada"), output_field=money())}

    def display(self, row):
        row["till"] = f"{row['establishment__cod_estable_mh']}{row['point_of_sale__cod_punto_venta_mh']}"
        return super().display(row)

    def notes(self, params):
        return _unsealed_note(self.base(params))


class Retentions(Report):
    slug = "retenciones"
    title = _("Comprobantes de retención emitidos")
    description = _("IVA retenido a proveedores (CAT-002 07), con el monto sujeto a retención.")
    keyset = ("issue_date", "id")
    key_types = {"issue_date": "date"}
    filters = ("establecimiento", "punto")
    fields = ("id", "issue_date", "numero_control", "codigo_generacion")
    columns = [Column("issue_date", _("Fecha"), "date", width=11), Column("numero_control", _("Número de control"), "code", width=33),
               Column("codigo_generacion", _("Código de generación"), "code", width=38, screen=False),
               Column("name", _("Sujeto retenido"), width=34), Column("nit", _("Documento"), width=16),
               Column("base", _("Monto sujeto"), MONEY, total=True), Column("retenido", _("IVA retenido"), MONEY, total=True)]

    def base(self, params):
        return filtered(params, types=[DocType.CR])

    def exprs(self):
        return {"name": KT("counterparty__name"), "nit": KT("counterparty__id_number"),
                "base": F("amount_gravada"), "retenido": F("iva_retenido")}


class Invalidated(Report):
    slug = "invalidados"
    title = _("Documentos invalidados")
    description = _("Anulaciones aceptadas por MH en el periodo, con su motivo y el documento que reemplaza.")
    keyset = ("id",)
    filters = ("establecimiento", "punto", "vendedor", "tipo")
    fields = ("id", "document__issue_date", "document__tipo_dte", "document__numero_control",
              "document__codigo_generacion", "tipo", "reason", "replacement__numero_control", "sello_recibido")
    columns = [Column("day", _("Fecha de invalidación"), "date", width=11),
               Column("document__issue_date", _("Fecha de emisión"), "date", width=11),
               Column("document__tipo_dte", _("Tipo"), width=5),
               Column("document__numero_control", _("Número de control"), "code", width=33),
               Column("document__codigo_generacion", _("Código de generación"), "code", width=38, screen=False),
               Column("amount", _("Monto"), MONEY, total=True), Column("tipo_label", _("Tipo de invalidación"), width=30),
               Column("reason", _("Motivo"), width=30), Column("replacement__numero_control", _("Reemplazado por"), "code", width=33),
               Column("sello_recibido", _("Sello de la invalidación"), "code", width=42, screen=False)]

    def base(self, params):
        docs = filtered(params, statuses=[GovStatus.INVALIDATED], dated=False)
        return Invalidation.objects.filter(state=InvalidationState.ACCEPTED, document__in=docs,
                                           created_at__date__gte=params.date_from, created_at__date__lte=params.date_to)

    def exprs(self):
        return {"day": TruncDate("created_at"), "amount": F("document__total_operation")}

    def totals(self, params):
        return self.base(params).aggregate(amount=sum_of("document__total_operation"))

    def display(self, row):
        row["tipo_label"] = InvalidationType(row["tipo"]).label if row.get("tipo") else ""
        return super().display(row)


class DocumentStatus(Report):
    slug = "estado"
    title = _("Estado de los documentos")
    description = _("Cuántos documentos hay en cada estado ante MH, por tipo, y por cuánto.")
    filters = ("establecimiento", "punto", "vendedor", "tipo", "estado")
    group = ("tipo_dte", "status")
    order = ("tipo_dte", "status")
    columns = [Column("tipo_label", _("Tipo"), width=30), Column("status_label", _("Estado ante MH"), width=22),
               Column("documents", _("Documentos"), "int", total=True), Column("total", _("Monto"), MONEY, total=True)]

    def base(self, params):
        return filtered(params, statuses=None).exclude(status=GovStatus.DRAFT)

    def aggregates(self):
        # a retention's amount is what it withholds (its operation total is zero)
        return {"documents": Count("id"), "total": sum_of(Case(When(tipo_dte=DocType.CR, then=F("total_to_pay")),
                                                               default=F("total_operation"), output_field=money()))}

    def display(self, row):
        row["tipo_label"] = DocType(row["tipo_dte"]).label
        row["status_label"] = GovStatus(row["status"]).label
        return super().display(row)


class _SalesBy(Report):
    filters = ("establecimiento", "punto", "vendedor", "tipo")
    order = ("-total",)

    def base(self, params):
        return filtered(params, types=SALES_TYPES)

    def aggregates(self):
        return _sales_measures()


class SalesByClient(_SalesBy):
    slug = "ventas-cliente"
    title = _("Ventas por cliente")
    description = _("Ventas netas, IVA y total por cliente; las notas de crédito restan.")
    group = ("client_id", "client__name", "client__id_number")
    order = ("-total", "client_id")
    columns = [Column("client_label", _("Cliente"), width=40), Column("client__id_number", _("Documento"), width=16)] + SALES_COLUMNS

    def display(self, row):
        row["client_label"] = row["client__name"] or str(_("Consumidor final sin registrar"))
        return super().display(row)


class SalesByRep(_SalesBy):
    slug = "ventas-vendedor"
    title = _("Ventas por vendedor")
    description = _("Lo vendido por cada usuario que emitió documentos.")
    group = ("created_by_id", "created_by__username", "created_by__first_name", "created_by__last_name")
    order = ("-total", "created_by_id")
    columns = [Column("rep", _("Vendedor"), width=30), Column("created_by__username", _("Usuario"), width=16)] + SALES_COLUMNS

    def display(self, row):
        row["rep"] = rep_label(row)
        return super().display(row)


class SalesByEstablishment(_SalesBy):
    slug = "ventas-establecimiento"
    title = _("Ventas por establecimiento")
    description = _("Lo vendido en cada sucursal.")
    group = ("establishment_id", "establishment__cod_estable_mh", "establishment__name")
    order = ("establishment__cod_estable_mh",)
    columns = [Column("establishment__cod_estable_mh", _("Código"), width=8),
               Column("establishment__name", _("Establecimiento"), width=30)] + SALES_COLUMNS


class SalesByPointOfSale(_SalesBy):
    slug = "ventas-punto"
    title = _("Ventas por punto de venta")
    description = _("Lo vendido en cada caja o punto de venta.")
    group = ("point_of_sale_id", "establishment__cod_estable_mh", "point_of_sale__cod_punto_venta_mh",
             "establishment__name", "point_of_sale__name")
    order = ("establishment__cod_estable_mh", "point_of_sale__cod_punto_venta_mh")
    columns = [Column("code", _("Código"), width=10), Column("establishment__name", _("Establecimiento"), width=26),
               Column("point_of_sale__name", _("Punto de venta"), width=26)] + SALES_COLUMNS

    def display(self, row):
        row["code"] = f"{row['establishment__cod_estable_mh']}{row['point_of_sale__cod_punto_venta_mh']}"
        return super().display(row)


class SalesByProduct(Report):
    """From the document lines. A Factura's price includes IVA (facts §2.5): its taxed lines are
    divided by 1.13 to compare with the other types; an NC's lines subtract."""

    slug = "ventas-producto"
    title = _("Ventas por producto")
    description = _("Cantidades y ventas netas por producto, desde las líneas de los documentos.")
    filters = ("establecimiento", "punto", "vendedor", "tipo")
    group = ("product_id", "product__code", "product__description")
    order = ("-net", "product_id")
    columns = [Column("product__code", _("Código"), width=14), Column("product_label", _("Producto"), width=40),
               Column("units", _("Cantidad"), "number", total=True), Column("lines", _("Líneas"), "int", total=True),
               Column("net", _("Ventas netas (sin IVA)"), MONEY, total=True)]

    def base(self, params):
        return DocumentLine.objects.filter(document__in=filtered(params, types=SALES_TYPES))

    def aggregates(self):
        amount = F("quantity") * F("unit_price") - F("discount")
        net = Case(When(document__tipo_dte=DocType.FACTURA, treatment="gravado", then=amount / Value(IVA_DIVISOR)),
                   default=amount, output_field=money())
        sign = Case(When(document__tipo_dte=DocType.NC, then=Value(-1)), default=Value(1))
        return {"units": Coalesce(Sum(F("quantity") * sign, output_field=money()), Value(ZERO), output_field=money()),
                "lines": Count("id"),
                "net": Coalesce(Round(Sum(net * sign, output_field=money()), 2), Value(ZERO), output_field=money())}

    def display(self, row):
        row["product_label"] = row["product__description"] or str(_("Líneas sin producto del catálogo"))
        return super().display(row)


class ReceivablesAging(Report):
    """What each client owes on its credit sales, by days past due, less its unapplied payments
    and loose credit notes: the credit page's figures and rows (payments.selectors.aging_table,
    grouped by the database in one statement). Without a filter it lists the credit page's
    clients: those owing and those holding a credit in their favour (a negative balance). A
    filter by establishment, point of sale or rep narrows it to the clients owing on what was
    sold there; a client's unapplied payments and loose notes belong to no place, so a client
    that only holds a credit is not listed under such a filter."""

    slug = "antiguedad"
    title = _("Antigüedad de saldos por cobrar")
    description = _("Saldo de cada cliente por días de vencimiento, a la fecha de hoy.")
    filters = ("establecimiento", "punto", "vendedor")
    dated = False
    columns = [Column("name", _("Cliente"), width=40), Column("credit_limit", _("Límite"), MONEY),
               Column("current", _("Al día"), MONEY, total=True), Column("1_30", _("1–30 días"), MONEY, total=True),
               Column("31_60", _("31–60 días"), MONEY, total=True), Column("61_90", _("61–90 días"), MONEY, total=True),
               Column("90_plus", _("Más de 90 días"), MONEY, total=True),
               Column("unapplied", _("Pagos sin aplicar"), MONEY, total=True),
               Column("balance", _("Saldo"), MONEY, total=True)]

    def _table(self, params, offset=0, limit=10**9):
        placed = any(v is not None for v in (params.establishment, params.point_of_sale, params.rep))
        clients = None if placed else clients_for_user(user=params.user)
        if clients is not None and params.client is not None:
            clients = clients.filter(pk=params.client)
        return aging_table(filtered(params, dated=False, statuses=None), clients=clients, today=timezone.localdate(),
                           offset=offset, limit=limit)

    @staticmethod
    def _row(aging):
        # A limit of 0 means none is set: it reads "Sin límite" on screen, on paper and in the files.
        return {"name": aging.name, "credit_limit": aging.credit_limit or formats.credit_limit(0), **aging.buckets,
                "unapplied": -aging.in_favour, "balance": aging.balance}

    def rows(self, params):
        return ListedRows([self._row(r) for r in self._table(params)[0]])

    def count(self, params):
        return self._table(params, limit=1)[1]

    def totals(self, params):
        _rows, _count, totals = self._table(params, limit=1)
        return {**totals, "unapplied": -totals["in_favour"]}

    def page(self, params, cursor=None, number=1):
        offset = (max(number, 1) - 1) * PAGE
        found, count, _totals = self._table(params, offset=offset, limit=PAGE)
        rows = [{**self._row(r), "_n": n} for n, r in enumerate(found, start=offset + 1)]
        return rows, (number + 1 if offset + PAGE < count else None), (number - 1 if number > 1 else None)


def _purchase_signed(expr):
    """A credit note received reduces the purchases and the crédito fiscal (CT art. 141)."""
    return Case(When(tipo_dte=DocType.NC, then=-expr), default=expr, output_field=money())


class PurchasesBook(Report):
    """Libro de Compras: one line per CCF, credit and debit note received and registered in the
    month's tax period (purchases.services.register), in the columns of RACT art. 86 (facts-2 §3):
    a) correlativo, b) fecha, c) número, d) NRC, e) NIT/DUI of an excluded subject, f) nombre,
    g) exentas (internas / internaciones / importaciones), h) gravadas (same split), i) crédito
    fiscal, j) total, k) retención a terceros, l) compras a sujetos excluidos. Received DTEs are
    local purchases: the import and internación columns stay at zero until customs declarations are
    entered; exempt includes no sujetas (Anexo 3 column G)."""

    slug = "libro-compras"
    title = _("Libro de Compras")
    description = _("Créditos fiscales y notas recibidos y registrados en el periodo del mes, y las compras a sujetos excluidos (facturas de sujeto excluido emitidas).")
    monthly = True
    filters = ()
    keyset = None  # received documents and issued FSEs merged in date order: offset pages
    order = ("issue_date", "id")
    fields = ("id", "issue_date", "tipo_dte", "numero_control", "codigo_generacion", "supplier_nrc", "supplier_name")
    columns = [Column("_n", _("Correlativo"), "int", width=8), Column("issue_date", _("Fecha de emisión"), "date", width=11),
               Column("tipo_dte", _("Tipo"), width=5), Column("numero_control", _("Número del documento"), "code", width=33),
               Column("codigo_generacion", _("Código de generación"), "code", width=38, screen=False),
               Column("supplier_nrc", _("NRC del proveedor"), width=10),
               Column("excluded_id", _("NIT o DUI del sujeto excluido"), width=16, screen=False),
               Column("supplier_name", _("Nombre del proveedor"), width=34),
               Column("exentas", _("Compras exentas internas"), MONEY, total=True),
               Column("exentas_internacion", _("Internaciones exentas"), MONEY, total=True, screen=False),
               Column("exentas_import", _("Importaciones exentas"), MONEY, total=True, screen=False),
               Column("gravadas", _("Compras gravadas internas"), MONEY, total=True),
               Column("gravadas_internacion", _("Internaciones gravadas"), MONEY, total=True, screen=False),
               Column("gravadas_import", _("Importaciones gravadas"), MONEY, total=True, screen=False),
               Column("credito", _("Crédito fiscal"), MONEY, total=True),
               Column("total", _("Total de compras"), MONEY, total=True),
               Column("retencion", _("Retención a terceros"), MONEY, total=True),
               Column("excluidos", _("Compras a sujetos excluidos"), MONEY, total=True)]
    TYPES = (DocType.CCF, DocType.NC, DocType.ND)

    def base(self, params):
        return scope.rows(ReceivedDocument, params.user).filter(
            state=ReceivedState.REGISTERED, tax_period=params.date_from, tipo_dte__in=self.TYPES)

    def exprs(self):
        zero = Value(ZERO, output_field=money())
        return {"excluded_id": Value(""), "exentas": _purchase_signed(F("total_exenta") + F("total_no_suj")),
                "exentas_internacion": zero, "exentas_import": zero, "gravadas": _purchase_signed(F("total_gravada")),
                "gravadas_internacion": zero, "gravadas_import": zero, "credito": _purchase_signed(F("iva")),
                "total": _purchase_signed(F("total_exenta") + F("total_no_suj") + F("total_gravada") + F("iva")),
                "retencion": _purchase_signed(F("iva_retenido")), "excluidos": zero}

    def _received(self, params):
        return self.base(params).values(*self.fields).annotate(**self.exprs()).order_by("issue_date", "id")

    def _excluded(self, params):
        """RACT art. 86 e) and l): the purchases from excluded subjects, the Facturas de Sujeto
        Excluido (14) the company issued in the month, each a line with the seller's NIT or DUI and
        its amount before retentions (resumen.subTotal, as Anexo 5), the 13 % IVA withheld in
        "retención a terceros" (facts-2 §5)."""
        docs = (filtered(params, types=[DocType.FSE]).order_by("issue_date", "id")
                .values("id", "issue_date", "tipo_dte", "numero_control", "codigo_generacion", "counterparty",
                        "amount_gravada", "payload"))
        for doc in docs.iterator(chunk_size=500):
            party = doc["counterparty"] or {}
            resumen = (json.loads(doc["payload"]) if doc["payload"] else {}).get("resumen") or {}
            amount = Decimal(str(resumen.get("subTotal", doc["amount_gravada"]))).quantize(Decimal("0.01"))
            withheld = Decimal(str(resumen.get("ivaRete1") or 0)).quantize(Decimal("0.01"))
            yield {"id": doc["id"], "issue_date": doc["issue_date"], "tipo_dte": doc["tipo_dte"],
                   "numero_control": doc["numero_control"], "codigo_generacion": doc["codigo_generacion"],
                   "supplier_nrc": "", "excluded_id": "".join(ch for ch in str(party.get("id_number") or "") if ch.isdigit()),
                   "supplier_name": party.get("name") or "", **dict.fromkeys(self.MONEY_KEYS, ZERO),
                   "total": amount, "retencion": withheld, "excluidos": amount}

    MONEY_KEYS = ("exentas", "exentas_internacion", "exentas_import", "gravadas", "gravadas_internacion",
                  "gravadas_import", "credito")

    def _all(self, params):
        # in date order, received documents before the day's FSEs (a stable, legible order)
        return list(heapq.merge(self._received(params), self._excluded(params),
                                key=lambda r: (r["issue_date"], 0 if r["tipo_dte"] != DocType.FSE else 1)))

    def rows(self, params):
        return ListedRows(self._all(params))

    def count(self, params):
        return self.base(params).count() + filtered(params, types=[DocType.FSE]).count()

    def page(self, params, cursor=None, number=1):
        offset = (max(number, 1) - 1) * PAGE
        found = self._all(params)
        rows = [{**r, "_n": n} for n, r in enumerate(found[offset:offset + PAGE], start=offset + 1)]
        return rows, (number + 1 if offset + PAGE < len(found) else None), (number - 1 if number > 1 else None)

    def totals(self, params):
        # the constant columns are not summed by the database (a sum of a constant counts rows)
        exprs = self.exprs()
        keys = [c.key for c in self.columns if c.total and not isinstance(exprs[c.key], Value)]
        out = self.base(params).aggregate(**{k: sum_of(exprs[k]) for k in keys})
        out = {**{c.key: ZERO for c in self.columns if c.total}, **out}
        for row in self._excluded(params):
            for key in ("total", "retencion", "excluidos"):
                out[key] += row[key]
        return out

    def notes(self, params):
        waiting = scope_rows_waiting(params)
        if not waiting:
            return []
        return [_("%(n)d documento(s) recibido(s) con fecha de este mes aún no están registrados en un periodo: "
                  "revíselos en la bandeja de compras.") % {"n": waiting}]


def scope_rows_waiting(params):
    return scope.rows(ReceivedDocument, params.user).filter(
        issue_date__gte=params.date_from, issue_date__lte=params.date_to, tipo_dte__in=PurchasesBook.TYPES,
        state__in=(ReceivedState.RECEIVED, ReceivedState.VERIFIED, ReceivedState.QUESTIONED)).count()


def _debit_note(qs):
    """RACT art. 83: the month's débito fiscal, the IVA inside the taxed local sales."""
    debit = qs.filter(tipo_dte=DocType.FACTURA).aggregate(s=sum_of("total_iva"))["s"]
    if not debit:
        return []
    return [_("Débito fiscal del mes (IVA incluido en las ventas gravadas locales): %(d)s") % {"d": formats.money(debit)}]


def _unsealed_note(qs):
    n = qs.exclude(status=GovStatus.SEALED).count()
    if not n:
        return []
    return [_("%(n)d documento(s) del periodo aún no tienen sello de MH (en contingencia o por transmitir): "
              "se incluyen, pero revise antes de presentar.") % {"n": n}]


REPORTS = [SalesBookConsumers, SalesBookConsumersDetail, SalesBookTaxpayers, PurchasesBook, Retentions, Invalidated, DocumentStatus, SalesByClient,
           SalesByProduct, SalesByRep, SalesByEstablishment, SalesByPointOfSale, ReceivablesAging]
REPORTS += FINANCE_REPORTS  # issue 21: payments received, gateway fees, refunds, holds (reports.finance)
BY_SLUG = {r.slug: r for r in REPORTS}
