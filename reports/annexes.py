"""The F-07 (Declaración del IVA) annexes of a month, as the CSV files MH's portal takes.

Source: Ministerio de Hacienda, "Manual de usuario para carga de archivo de los anexos de la
declaración F-07", v14 (enero 2025, 700-DGII-MN-2021-26031), as transcribed in public sources we
could read (the manual PDF itself was not reachable from here); summarised with the conflicts in
reports/SOURCES.md. The rules every file follows:

- ``;`` between fields, no header row, one line per record ending in CRLF, no quoting;
- dates DD/MM/AAAA; amounts with a dot and two decimals, no thousands separator, 0.00 when none;
- NIT, NRC and DUI as digits only; a DTE is clase ``4``, its número de resolución is the número
  de control without hyphens, its serie the sello de recepción and its número de documento the
  código de generación without hyphens; the last field is the annex number (not in anulados);
- amounts are positive (a credit note is told apart by its tipo 05); only invalidations go to
  the anulados file; the file name is at most 25 characters.

The encoding MH expects is not stated in any source we found: UTF-8 by default, Windows-1252 on
request (what Excel writes when the manual's workflow saves a CSV).
"""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum
from django.utils.translation import gettext_lazy as _

from core import scope
from core.fiscal import DocType
from dte.models import Document, DocumentLine, GovStatus, Invalidation, InvalidationState
from purchases.models import ReceivedDocument, ReceivedState
from reports.base import ZERO, filtered, money

RENTA_FROM = datetime.date(2025, 1, 1)  # the two income-tax columns exist from the January 2025 period
# Tipo de ingreso (Renta), manual v14 §III: what kind of activity the sales come from.
INCOME_TYPES = [(1, _("Profesiones, artes y oficios")), (2, _("Actividades de servicios")),
                (3, _("Actividades comerciales")), (4, _("Actividades industriales")),
                (5, _("Actividades agropecuarias")), (6, _("Utilidades y dividendos")),
                (7, _("Exportaciones de bienes")), (8, _("Servicios realizados en el exterior y utilizados en El Salvador")),
                (9, _("Exportaciones de servicios")), (10, _("Otras rentas gravables")),
                (12, _("Ingresos ya sujetos de retención informados en el F-14 y consolidados en el F-910")),
                (13, _("Sujetos pasivos excluidos (art. 6 LISR)"))]
# Tipo de operación (Renta), manual v14 §III (annex 1, column R; annex 2, column U): 1, 2 and 4 are
# read from each document's amounts (operation_type); 3, 12 and 13 describe the declarant, not the
# document, so the accountant chooses them for the month (Options.operation_type; 0: derive).
OPERATION_TYPES = [(0, _("Según los montos de cada documento (1 gravada, 2 exenta o no sujeta, 4 mixta)")),
                   (3, _("Excluido o no constituye renta")),
                   (12, _("Ingresos ya sujetos de retención informados en el F-14 y consolidados en el F-910")),
                   (13, _("Sujetos pasivos excluidos (art. 6 LISR)"))]
# The manual v14 §IV (annex 2, columns O/P) names the Central American area "Guatemala, Honduras,
# El Salvador, Nicaragua, Costa Rica". A FEX to a buyer in El Salvador is a sale to a free zone or
# DPA user: column R, "ventas a zonas francas y DPA (tasa cero)" (CAT-020 9300).
CENTRAL_AMERICA = {"9483", "9501", "9615", "9411"}  # CAT-020: Guatemala, Honduras, Nicaragua, Costa Rica
EL_SALVADOR = "9300"
# The anulados file's column J: "Código de Generación con longitud de 36 caracteres" (manual v14
# §XIX), i.e. with its hyphens, unlike every other annex (32, without). Followed as written for that
# file only; the one place this choice lives (reports/SOURCES.md).
ANULADOS_CODE_LENGTH = 36
ENCODINGS = {"utf-8": "utf-8", "windows-1252": "cp1252"}


def amount(value):
    return f"{(value or ZERO):.2f}"


def day(value):
    return value.strftime("%d/%m/%Y")


def digits(value):
    return "".join(ch for ch in (value or "") if ch.isdigit())


def plain(value):
    """Free text as a field: no delimiter, quote or line break can break the line, and a
    spreadsheet opening the file to check it never runs it as a formula (a leading space)."""
    text = " ".join((value or "").replace(";", ",").replace('"', "").split())
    return f" {text}" if text[:1] in ("=", "+", "-", "@") else text


def code(value):
    return (value or "").replace("-", "").upper()


def anulado_code(value):
    """The código de generación as the anulados file takes it (ANULADOS_CODE_LENGTH)."""
    value = (value or "").upper()
    return value if ANULADOS_CODE_LENGTH == 36 else code(value)


def control(value):
    return (value or "").replace("-", "")


def operation_type(row):
    """Tipo de operación (Renta) of a document: 1 gravada, 2 exenta or no sujeta, 4 mixta. The
    manual leaves it to the declarant; this is the reading of the document's own amounts."""
    taxed = (row["amount_gravada"] or ZERO) > 0
    other = (row["amount_exenta"] or ZERO) + (row["amount_no_suj"] or ZERO) > 0
    return 4 if taxed and other else 1 if taxed else 2


# Anexo 5's cost/expense columns (manual v14 §VII, the Anexo 3 lists), from the February 2024 period.
PURCHASES_FROM = datetime.date(2024, 2, 1)
CLASSIFICATIONS = [(1, _("Costo")), (2, _("Gasto"))]
SECTORS = [(1, _("Industria")), (2, _("Comercio")), (3, _("Agropecuaria")), (4, _("Servicios"))]
COST_TYPES = [(1, _("Gastos de venta sin donación")), (2, _("Gastos de administración sin donación")),
              (3, _("Gastos financieros sin donación")), (4, _("Costo artículos producidos/comprados importaciones/internaciones")),
              (5, _("Costo artículos producidos/comprados interno")), (6, _("Costos indirectos de fabricación")),
              (7, _("Mano de obra"))]
COSTS_FOR = {1: (4, 5, 6, 7), 2: (1, 2, 3)}  # a cost takes types 4–7, an expense 1–3
SELLER_ID_TYPES = {"36": 1, "13": 2}  # NIT 1, DUI 2, any other document 3


@dataclass
class Options:
    income_type: int = 3
    operation_type: int = 0  # 0: derived from each document's amounts
    encoding: str = "utf-8"
    classification: int = 2
    sector: int = 2
    cost_type: int = 2


class Annex:
    key = ""
    number = ""
    title = ""
    description = ""
    types = ()

    def documents(self, params):
        return filtered(params, types=list(self.types))

    def count(self, params):
        return self.documents(params).count()

    def lines(self, params, options):
        raise NotImplementedError

    def filename(self, params):
        return f"F07_{self.key[:10]}_{params.date_from:%Y%m}.csv"  # at most 25 characters

    def stream(self, params, options=None):
        options = options or Options()
        encoding = ENCODINGS.get(options.encoding, "utf-8")
        for fields in self.lines(params, options):
            yield (";".join(str(f) for f in fields) + "\r\n").encode(encoding, errors="replace")

    def renta(self, params, operation, options):
        if params.date_from < RENTA_FROM:
            return [0, 0]
        return [options.operation_type or operation, options.income_type]


class Taxpayers(Annex):
    """Anexo 1, Detalle de ventas a contribuyentes: one line per CCF, NC and ND (20 fields)."""

    key = "contribuyentes"
    number = "1"
    title = _("Anexo 1 · Ventas a contribuyentes")
    description = _("Un registro por crédito fiscal, nota de crédito y nota de débito del mes.")
    types = (DocType.CCF, DocType.NC, DocType.ND)

    def lines(self, params, options):
        rows = (self.documents(params).order_by("issue_date", "issue_time", "id")
                .values("issue_date", "tipo_dte", "numero_control", "sello_recibido", "codigo_generacion",
                        "counterparty", "amount_exenta", "amount_no_suj", "amount_gravada", "total_iva"))
        for row in rows.iterator(chunk_size=2000):
            party = row["counterparty"] or {}
            dui = digits(party.get("id_number")) if party.get("id_type") == "13" else ""
            nit = "" if dui else digits(party.get("id_number") if party.get("id_type") == "36" else party.get("nrc"))
            # Total ventas: exentas + no sujetas + gravadas + débito fiscal (+ third parties, none here)
            total = row["amount_exenta"] + row["amount_no_suj"] + row["amount_gravada"] + row["total_iva"]
            yield [day(row["issue_date"]), 4, row["tipo_dte"], control(row["numero_control"]), row["sello_recibido"],
                   code(row["codigo_generacion"]), "", nit, plain(party.get("name")), amount(row["amount_exenta"]),
                   amount(row["amount_no_suj"]), amount(row["amount_gravada"]), amount(row["total_iva"]),
                   amount(ZERO), amount(ZERO), amount(total), dui, *self.renta(params, operation_type(row), options),
                   self.number]


class Consumers(Annex):
    """Anexo 2, Detalle de ventas a consumidor final: per day and type (Factura 01, FEX 11), the
    código of the day's first and last document; taxed sales with IVA included; exports split
    into Central America, the rest of the world, and services (23 fields)."""

    key = "consumidor"
    number = "2"
    title = _("Anexo 2 · Ventas a consumidor final")
    description = _("Facturas y facturas de exportación del mes, un registro por día y tipo.")
    types = (DocType.FACTURA, DocType.FEX)

    def count(self, params):
        return self.documents(params).values("issue_date", "tipo_dte").distinct().order_by().count()

    def lines(self, params, options):
        docs = self.documents(params)
        services = dict(DocumentLine.objects.filter(document__in=docs.filter(tipo_dte=DocType.FEX), item_type=2)
                        .values("document").annotate(s=_line_sum()).values_list("document", "s"))
        rows = (docs.order_by("issue_date", "tipo_dte", "issue_time", "correlative", "id")
                .values("id", "issue_date", "tipo_dte", "codigo_generacion", "counterparty", "amount_exenta",
                        "amount_no_suj", "amount_gravada", "total_operation", "client__country_code"))
        group = None
        for row in rows.iterator(chunk_size=2000):
            key = (row["issue_date"], row["tipo_dte"])
            if group is None or group["key"] != key:
                if group is not None:
                    yield self._line(group, params, options)
                group = {"key": key, "first": row["codigo_generacion"], "exenta": ZERO, "no_suj": ZERO, "gravada": ZERO,
                         "ca": ZERO, "world": ZERO, "services": ZERO, "free_zone": ZERO, "taxed": False, "other": False}
            group["last"] = row["codigo_generacion"]
            group["exenta"] += row["amount_exenta"]
            group["no_suj"] += row["amount_no_suj"]
            if row["tipo_dte"] == DocType.FEX:
                # an export's value is its operation total (goods, insurance, freight); its
                # service lines go to "exportaciones de servicios"
                service = min(services.get(row["id"], ZERO), row["total_operation"])
                goods = row["total_operation"] - service
                country = (row["counterparty"] or {}).get("country_code") or row["client__country_code"]
                group["free_zone" if country == EL_SALVADOR else "ca" if country in CENTRAL_AMERICA else "world"] += goods
                group["services"] += service
            else:
                group["gravada"] += row["amount_gravada"]  # a Factura's price includes IVA
            group["taxed"] |= row["amount_gravada"] > 0
            group["other"] |= row["amount_exenta"] + row["amount_no_suj"] > 0
        if group is not None:
            yield self._line(group, params, options)

    def _line(self, g, params, options):
        date, tipo = g["key"]
        total = g["exenta"] + g["no_suj"] + g["gravada"] + g["ca"] + g["world"] + g["services"] + g["free_zone"]
        operation = options.operation_type or (4 if g["taxed"] and g["other"] else 1 if g["taxed"] else 2)
        income = options.income_type
        if tipo == DocType.FEX and options.income_type not in (12, 13):
            income = 9 if g["services"] and not (g["ca"] or g["world"] or g["free_zone"]) else 7
        renta = [0, 0] if params.date_from < RENTA_FROM else [operation, income]
        return [day(date), 4, tipo, "N/A", "N/A", "N/A", "N/A", code(g["first"]), code(g["last"]), "",
                amount(g["exenta"]), amount(ZERO), amount(g["no_suj"]), amount(g["gravada"]), amount(g["ca"]),
                amount(g["world"]), amount(g["services"]), amount(g["free_zone"]), amount(ZERO), amount(total), *renta,
                self.number]


def _line_sum():
    return Sum(F("quantity") * F("unit_price") - F("discount"), output_field=money())


class Invalidated(Annex):
    """Documentos anulados, extraviados o DTE invalidados: one line per DTE whose invalidation MH
    accepted in the month; tipo de detalle D (10 fields, no annex number)."""

    key = "anulados"
    title = _("Documentos anulados e invalidados")
    description = _("Los DTE cuya invalidación aceptó MH en el mes.")

    def documents(self, params):
        docs = filtered(params, statuses=[GovStatus.INVALIDATED], dated=False)
        return Invalidation.objects.filter(state=InvalidationState.ACCEPTED, document__in=docs, created_at__date__gte=params.date_from,
                                           created_at__date__lte=params.date_to)

    def lines(self, params, options):
        rows = (self.documents(params).order_by("created_at", "id")
                .values("document__numero_control", "document__tipo_dte", "document__sello_recibido",
                        "document__codigo_generacion"))
        for row in rows.iterator(chunk_size=2000):
            yield [control(row["document__numero_control"]), 4, 0, 0, row["document__tipo_dte"], "D",
                   row["document__sello_recibido"], 0, 0, anulado_code(row["document__codigo_generacion"])]


class _Withheld(Annex):
    """Anexo 9 and 10: IVA perceived or withheld by the declarant, one line per document (10 fields)."""

    field = ""

    def documents(self, params):
        return super().documents(params).filter(**{f"{self.field}__gt": 0})

    def lines(self, params, options):
        rows = (self.documents(params).order_by("issue_date", "issue_time", "id")
                .values("issue_date", "tipo_dte", "numero_control", "sello_recibido", "codigo_generacion",
                        "counterparty", "amount_gravada", self.field))
        for row in rows.iterator(chunk_size=2000):
            party = row["counterparty"] or {}
            dui = digits(party.get("id_number")) if party.get("id_type") == "13" else ""
            nit = "" if dui else digits(party.get("id_number"))
            yield [nit, day(row["issue_date"]), row["tipo_dte"], control(row["numero_control"]), row["sello_recibido"],
                   code(row["codigo_generacion"]), amount(row["amount_gravada"]), amount(row[self.field]), dui,
                   self.number]


class Perceptions(_Withheld):
    key = "percepcion"
    number = "9"
    title = _("Anexo 9 · Percepción de IVA del 1 % por el declarante")
    description = _("Créditos fiscales y notas con IVA percibido (solo agentes de percepción).")
    types = (DocType.CCF, DocType.NC, DocType.ND)
    field = "iva_percibido"


def retention_lines(payload, codes):
    """(monto sujeto, IVA retenido) of a Comprobante de Retención's lines whose CAT-006 code is in
    ``codes`` (22 = 1 %, C4 = 13 %, C9 = other, entered by hand), from its JSON."""
    try:
        data = json.loads(payload) if payload else {}
    except ValueError:
        data = {}
    base = withheld = ZERO
    for item in data.get("cuerpoDocumento") or []:
        if isinstance(item, dict) and item.get("codigoRetencionMH") in codes:
            base += Decimal(str(item.get("montoSujetoGrav") or 0))
            withheld += Decimal(str(item.get("ivaRetenido") or 0))
    return base, withheld


class Retentions(Annex):
    """Anexo 10, retención de IVA del 1 % por el declarante (casilla 170): one line per CR the
    company issued with lines of code 22; their monto sujeto and retención (10 fields: NIT, fecha,
    tipo, resolución, serie, número, monto sujeto, retención 1 %, DUI, 10). The 13 % ones (C4, and
    C9 entered by hand) go to Anexo 12 (manual v14 §XII and §XIV)."""

    key = "retencion"
    number = "10"
    title = _("Anexo 10 · Retención de IVA del 1 % por el declarante")
    description = _("Comprobantes de retención emitidos, sus líneas del 1 % (código 22; solo agentes de retención).")
    types = (DocType.CR,)
    codes = ("22",)

    def documents(self, params):
        return super().documents(params).filter(iva_retenido__gt=0)

    def count(self, params):
        return sum(1 for _line in self.lines(params, Options()))

    def _rows(self, params):
        rows = (self.documents(params).order_by("issue_date", "issue_time", "id")
                .values("issue_date", "tipo_dte", "numero_control", "sello_recibido", "codigo_generacion",
                        "counterparty", "payload"))
        for row in rows.iterator(chunk_size=500):
            base, withheld = retention_lines(row["payload"], self.codes)
            if withheld > 0:
                party = row["counterparty"] or {}
                dui = digits(party.get("id_number")) if party.get("id_type") == "13" else ""
                nit = "" if dui else digits(party.get("id_number"))
                yield row, nit, dui, base, withheld

    def lines(self, params, options):
        for row, nit, dui, base, withheld in self._rows(params):
            yield [nit, day(row["issue_date"]), row["tipo_dte"], control(row["numero_control"]), row["sello_recibido"],
                   code(row["codigo_generacion"]), amount(base), amount(withheld), dui, self.number]


class RetentionsThirteen(Retentions):
    """Anexo 12, retención de IVA del 13 % por el declarante (casilla 172): the CR lines of code
    C4 (13 % of the amount) and C9 (entered by hand). 10 fields like Anexo 10 but with the serie
    before the resolución (facts-2 §3, from the plantilla's sheet 12 [D])."""

    key = "retencion-13"
    number = "12"
    title = _("Anexo 12 · Retención de IVA del 13 % por el declarante")
    description = _("Comprobantes de retención emitidos, sus líneas del 13 % (códigos C4 y C9).")
    codes = ("C4", "C9")

    def filename(self, params):
        return f"F07_retencion13_{params.date_from:%Y%m}.csv"

    def lines(self, params, options):
        for row, nit, dui, base, withheld in self._rows(params):
            yield [nit, day(row["issue_date"]), row["tipo_dte"], row["sello_recibido"], control(row["numero_control"]),
                   code(row["codigo_generacion"]), amount(base), amount(withheld), dui, self.number]


class ExcludedSubjects(Annex):
    """Anexo 5, Compras a sujetos excluidos: one line per Factura de Sujeto Excluido (DTE 14) the
    company issued, 13 fields. The seller by NIT (1), DUI (2) or other document (3); the sello and
    the código identify the DTE; the amount is the purchase before retentions (resumen.subTotal:
    the income tax withheld goes to the F-14, not here); then the IVA 13 % withheld, if any; then
    the cost/expense columns the accountant chooses (from February 2024; 0 before)."""

    key = "sujetos-excluidos"
    number = "5"
    title = _("Anexo 5 · Compras a sujetos excluidos")
    description = _("Facturas de sujeto excluido emitidas por la empresa en el mes.")
    types = (DocType.FSE,)

    def filename(self, params):
        return f"F07_excluidos_{params.date_from:%Y%m}.csv"

    def lines(self, params, options):
        rows = (self.documents(params).order_by("issue_date", "issue_time", "id")
                .values("issue_date", "sello_recibido", "codigo_generacion", "counterparty", "amount_gravada", "payload"))
        for row in rows.iterator(chunk_size=500):
            party = row["counterparty"] or {}
            resumen = (json.loads(row["payload"]) if row["payload"] else {}).get("resumen") or {}
            subtotal = Decimal(str(resumen.get("subTotal", row["amount_gravada"])))
            withheld_iva = Decimal(str(resumen.get("ivaRete1") or 0))
            renta = ([1, options.classification, options.sector, options.cost_type]
                     if params.date_from >= PURCHASES_FROM else [0, 0, 0, 0])
            yield [SELLER_ID_TYPES.get(party.get("id_type"), 3), digits(party.get("id_number")) or plain(party.get("id_number")),
                   plain(party.get("name")), day(row["issue_date"]), row["sello_recibido"], code(row["codigo_generacion"]),
                   amount(subtotal), amount(withheld_iva), *renta, self.number]


class Purchases(Annex):
    """Anexo 3, Detalle de compras (21 fields; facts-2 §3, from the manual v14 and its plantilla):
    one line per CCF, credit and debit note received and registered in the month's tax period
    (purchases.services.register). A fecha · B clase 4 (DTE) · C tipo · D número = código de
    generación without hyphens · E NIT (NRC when no NIT) of the supplier · F nombre · G internas
    exentas y/o no sujetas · H, I internaciones / importaciones exentas · J internas gravadas ·
    K, L, M internaciones / importaciones gravadas · N crédito fiscal · O total = G..M (the
    manual's rule: the crédito fiscal is not in the total) · P DUI · Q tipo de operación (1 gravada,
    2 no gravada, 4 mixta) · R clasificación · S sector · T tipo de costo/gasto (Q–T from the
    February 2024 period, 0 before) · U 3. Received DTEs are local purchases: H, I, K, L, M are
    0.00 until customs declarations are entered. Amounts positive, a credit note told apart by its
    tipo 05 (the rule of every annex)."""

    key = "compras"
    number = "3"
    title = _("Anexo 3 · Detalle de compras")
    description = _("Créditos fiscales y notas recibidos y registrados en el periodo del mes (bandeja de compras).")
    types = (DocType.CCF, DocType.NC, DocType.ND)

    def documents(self, params):
        return scope.rows(ReceivedDocument, params.user).filter(
            state=ReceivedState.REGISTERED, tax_period=params.date_from, tipo_dte__in=self.types)

    def lines(self, params, options):
        rows = (self.documents(params).order_by("issue_date", "id")
                .values("issue_date", "tipo_dte", "codigo_generacion", "supplier_nit", "supplier_nrc", "supplier_name",
                        "total_exenta", "total_no_suj", "total_gravada", "iva"))
        for row in rows.iterator(chunk_size=2000):
            exempt = row["total_exenta"] + row["total_no_suj"]
            taxed = row["total_gravada"]
            operation = 4 if taxed > 0 and exempt > 0 else 1 if taxed > 0 else 2
            renta = ([operation, options.classification, options.sector, options.cost_type]
                     if params.date_from >= PURCHASES_FROM else [0, 0, 0, 0])
            yield [day(row["issue_date"]), 4, row["tipo_dte"], code(row["codigo_generacion"]),
                   digits(row["supplier_nit"]) or digits(row["supplier_nrc"]), plain(row["supplier_name"]),
                   amount(exempt), amount(ZERO), amount(ZERO), amount(taxed), amount(ZERO), amount(ZERO), amount(ZERO),
                   amount(row["iva"]), amount(exempt + taxed), "", *renta, self.number]


class PerceptionsSuffered(Purchases):
    """Anexo 8, percepción de IVA del 1 % sufrida (casilla 163; facts-2 §3 from the manual v14 and
    its plantilla): one line per received CCF or note, registered in the month, on which a large
    taxpayer perceived IVA from the company. A NIT del agente (the supplier) · B fecha · C tipo ·
    D serie (the sello de recepción, the DTE rule) · E número (código de generación without
    hyphens) · F monto sujeto (the taxed amount) · G percepción · H DUI del agente (blank: an
    agent is a company) · I 8."""

    key = "percepcion-sufrida"
    number = "8"
    title = _("Anexo 8 · Percepción de IVA del 1 % sufrida")
    description = _("Créditos fiscales y notas recibidos y registrados en el mes con IVA percibido por el proveedor.")

    def filename(self, params):
        return f"F07_percibido_{params.date_from:%Y%m}.csv"

    def documents(self, params):
        return super().documents(params).filter(iva_percibido__gt=0)

    def lines(self, params, options):
        rows = (self.documents(params).order_by("issue_date", "id")
                .values("issue_date", "tipo_dte", "sello_recibido", "codigo_generacion", "supplier_nit", "total_gravada",
                        "iva_percibido"))
        for row in rows.iterator(chunk_size=2000):
            yield [digits(row["supplier_nit"]), day(row["issue_date"]), row["tipo_dte"], row["sello_recibido"],
                   code(row["codigo_generacion"]), amount(row["total_gravada"]), amount(row["iva_percibido"]), "",
                   self.number]


class ThirdPartySales(Annex):
    """Anexo 4, Ventas gravadas por cuenta de terceros domiciliados (casilla 108; sv-tax-facts-2.md
    §3 from the manual v14 and its plantilla): the agent or consignee declares, one line per
    document liquidated in its Comprobantes de Liquidación (08) of the month, 15 fields: A NIT or
    NRC of the mandante · B its name · C the liquidated document's date · D its tipo (01, 03, 05,
    06, 11) · E–G its serie, resolución and número · H the amount without IVA · I its IVA · J–L the
    CL's serie, resolución and número · M the CL's date · N the mandante's DUI · O 4. A DTE's serie
    is its sello, its resolución the número de control without hyphens, its número the código de
    generación without hyphens (the rules above); a physical document has only its correlativo.
    Amounts positive, as in every annex (a credit note is told by its tipo); [G] a document listed
    again after its invalidation keeps its negative sign, so the month nets it out."""

    key = "terceros"
    number = "4"
    title = _("Anexo 4 · Ventas por cuenta de terceros")
    description = _("Documentos liquidados al mandante en los comprobantes de liquidación del mes.")
    types = (DocType.CL,)

    def count(self, params):
        return DocumentLine.objects.filter(document__in=self.documents(params)).count()

    def lines(self, params, options):
        liquidations = list(self.documents(params).order_by("issue_date", "issue_time", "id")
                            .values("id", "issue_date", "numero_control", "sello_recibido", "codigo_generacion",
                                    "counterparty"))
        rows = (DocumentLine.objects.filter(document_id__in=[c["id"] for c in liquidations])
                .order_by("document_id", "position").values("document_id", "extra"))
        codes = [r["extra"].get("numeroDocumento") for r in rows if str(r["extra"].get("tipoGeneracion")) == "2"]
        own = {d["codigo_generacion"]: d for d in Document.objects.filter(codigo_generacion__in=codes)
               .values("codigo_generacion", "numero_control", "sello_recibido")}
        by_id = {c["id"]: c for c in liquidations}
        for row in rows.iterator(chunk_size=2000):
            cl, x = by_id[row["document_id"]], row["extra"] or {}
            party = cl["counterparty"] or {}
            dui = digits(party.get("id_number")) if party.get("id_type") == "13" else ""
            nit = "" if dui else digits(party.get("id_number")) or digits(party.get("nrc"))
            columns = [Decimal(str(x.get(k) or 0)) for k in ("ventaNoSuj", "ventaExenta", "ventaGravada", "exportaciones")]
            value, iva = sum(columns, ZERO), (columns[2] * Decimal("0.13")).quantize(Decimal("0.01"))
            if x.get("tipoDte") == DocType.NC:
                value, iva = abs(value), abs(iva)
            number = x.get("numeroDocumento") or ""
            doc = own.get(number) if str(x.get("tipoGeneracion")) == "2" else None
            serie, resolution = (doc["sello_recibido"], control(doc["numero_control"])) if doc else ("", "")
            yield [nit, plain(party.get("name")), day(datetime.date.fromisoformat(x["fechaGeneracion"])),
                   x.get("tipoDte"), serie, resolution, code(number), amount(value), amount(iva),
                   cl["sello_recibido"], control(cl["numero_control"]), code(cl["codigo_generacion"]),
                   day(cl["issue_date"]), dui, self.number]



class RetentionsSuffered(Purchases):
    """Anexo 7, retención de IVA del 1 % sufrida (casilla 162; facts-2 §3 from the manual v14 and
    its plantilla): one line per Comprobante de Retención (07) received from a client that
    withheld, registered in the month. A NIT del agente (the CR's issuer) · B fecha · C tipo 07 ·
    D serie (sello de recepción) · E número (código de generación without hyphens) · F monto
    sujeto · G retención 1 % (the CR's lines of code 22) · H DUI del agente (blank: an agent is a
    company) · I 7."""

    key = "retencion-sufrida"
    number = "7"
    title = _("Anexo 7 · Retención de IVA del 1 % sufrida")
    description = _("Comprobantes de retención recibidos de clientes y registrados en el periodo del mes.")
    types = (DocType.CR,)

    def filename(self, params):
        return f"F07_retenido_{params.date_from:%Y%m}.csv"

    def count(self, params):
        return sum(1 for _line in self.lines(params, Options()))

    def lines(self, params, options):
        rows = (self.documents(params).order_by("issue_date", "id")
                .values("issue_date", "tipo_dte", "sello_recibido", "codigo_generacion", "supplier_nit", "raw"))
        for row in rows.iterator(chunk_size=500):
            base, withheld = retention_lines(row["raw"], ("22",))
            if withheld > 0:
                yield [digits(row["supplier_nit"]), day(row["issue_date"]), row["tipo_dte"], row["sello_recibido"],
                       code(row["codigo_generacion"]), amount(base), amount(withheld), "", self.number]



class AdvanceSuffered(Purchases):
    """Anexo 6, anticipo a cuenta de IVA del 2 % retenido/percibido por tarjetas de crédito o débito
    (casilla 161; sv-tax-facts-2.md §3 [D manual F-07 v14 + plantilla]): one line per Documento
    Contable de Liquidación (09) a card issuer sent the company, registered in the month. A NIT del
    agente (the DCL's issuer) · B fecha · C serie (the sello de recepción, 40) · D número (código
    de generación without hyphens, the general DTE rule) · E monto sujeto (montoSujetoPercepcion) ·
    F anticipo 2 % (ivaPercibido) · G DUI del agente (blank: a card issuer is a company) · H 6."""

    key = "anticipo-sufrido"
    number = "6"
    title = _("Anexo 6 · Anticipo del 2 % por pagos con tarjeta")
    description = _("Documentos contables de liquidación recibidos de emisores de tarjetas y registrados en el mes.")
    types = (DocType.DCL,)

    def filename(self, params):
        return f"F07_anticipo_{params.date_from:%Y%m}.csv"

    def lines(self, params, options):
        rows = (self.documents(params).filter(iva_percibido__gt=0).order_by("issue_date", "id")
                .values("issue_date", "sello_recibido", "codigo_generacion", "supplier_nit", "total_gravada",
                        "iva_percibido"))
        for row in rows.iterator(chunk_size=2000):
            yield [digits(row["supplier_nit"]), day(row["issue_date"]), row["sello_recibido"],
                   code(row["codigo_generacion"]), amount(row["total_gravada"]), amount(row["iva_percibido"]), "",
                   self.number]

    def count(self, params):
        return self.documents(params).filter(iva_percibido__gt=0).count()


ANNEXES = {a.key: a() for a in (Taxpayers, Consumers, Purchases, ThirdPartySales, ExcludedSubjects, AdvanceSuffered,
                                Invalidated, Perceptions, Retentions, RetentionsThirteen, RetentionsSuffered,
                                PerceptionsSuffered)}
