"""MH recomputes the ``resumen`` of a received DTE from its items and tolerates ±0.01 ("holgura")
(facts §2.5). Pure functions on the parsed document: no Django, no database, no floats.

Every relation is checked against the *declared* operands (e.g. subTotal against the declared
subTotalVentas and discounts), so each error names the field that does not add up. A recomputed
resumen amount is rounded half-up to cents (resumen fields have 2 decimals) and a recomputed item
amount to 8 decimals before comparing."""

from decimal import ROUND_HALF_UP, Decimal, localcontext

HOLGURA = Decimal("0.01")
CENT = Decimal("0.01")
ITEM_STEP = Decimal("1e-8")
IVA_RATE = Decimal("0.13")
IVA_INCLUDED = Decimal(13) / Decimal(113)  # the IVA inside an IVA-inclusive amount (Factura)
IVA_CODE = "20"
CARD_PERCEPTION = Decimal("0.02")
IVA_DIVISOR = Decimal("1.13")  # the card issuer's 2 % IVA perception (DCL, sv-tax-facts-2.md §6)
ITEM_COLUMNS = ("ventaNoSuj", "ventaExenta", "ventaGravada", "compra")
COLUMN_TOTALS = {"totalNoSuj": "ventaNoSuj", "totalExenta": "ventaExenta", "totalGravada": "ventaGravada"}
WITH_PAGOS = {"01", "03", "11", "14"}
TOO_LARGE = Decimal("1e15")  # far beyond the schemas' 1e11: not an amount this module computes with


def dec(value):
    """A JSON number as a Decimal (floats through str, so 0.1 stays 0.1); None when not a number
    (or not a finite amount the schemas could allow: the schema check reports those)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number if number.is_finite() and abs(number) < TOO_LARGE else None


def fmt(value):
    """Cents for cent amounts, otherwise the digits there are (items carry up to 8 decimals)."""
    value = eighths(value)
    if value == value.quantize(CENT):
        return f"{value.quantize(CENT):f}"
    return f"{value.normalize():f}"


def cents(value):
    """A resumen amount: 2 decimals, half-up."""
    return value.quantize(CENT, ROUND_HALF_UP)


def eighths(value):
    """An item amount: 8 decimals, half-up (schema multipleOf 1e-8)."""
    return value.quantize(ITEM_STEP, ROUND_HALF_UP)


class _Totals:
    def __init__(self, document):
        resumen = document.get("resumen")
        self.resumen = resumen if isinstance(resumen, dict) else {}
        items = document.get("cuerpoDocumento")
        self.items = [(i, item) for i, item in enumerate(items if isinstance(items, list) else []) if isinstance(item, dict)]
        tributos = self.resumen.get("tributos")
        self.tributos = [(i, t) for i, t in enumerate(tributos if isinstance(tributos, list) else []) if isinstance(t, dict)]
        self.errors = []

    # -- values
    def r(self, key):
        """A resumen operand: null or missing counts as 0."""
        return dec(self.resumen.get(key)) or Decimal(0)

    def item_sum(self, key):
        return sum((dec(item.get(key)) or Decimal(0) for _, item in self.items), Decimal(0))

    def tributos_sum(self):
        return sum((dec(t.get("valor")) or Decimal(0) for _, t in self.tributos), Decimal(0))

    # -- checks
    def differs(self, declared, computed):
        return abs(declared - computed) > HOLGURA

    def total(self, key, computed, why):
        """resumen[key] against ``computed`` (rounded to cents). A field the document does not carry
        (NC/ND have no totalPagar) or carries as null is not checked."""
        declared = dec(self.resumen.get(key))
        if declared is None:
            return
        computed = cents(computed)
        if self.differs(declared, computed):
            self.errors.append(f"[resumen.{key}] CALCULO INCORRECTO: {fmt(declared)} no cuadra con {why} ({fmt(computed)})")

    def column_totals(self):
        for total, column in COLUMN_TOTALS.items():
            self.total(total, self.item_sum(column), "la suma de los ítems")
        self.total("subTotalVentas", self.r("totalNoSuj") + self.r("totalExenta") + self.r("totalGravada"),
                   "totalNoSuj + totalExenta + totalGravada")
        self.total("subTotal", self.r("subTotalVentas") - self.global_discounts(),
                   "subTotalVentas - descuNoSuj - descuExenta - descuGravada")
        self.total("totalDescu", self.item_sum("montoDescu") + self.global_discounts(),
                   "la suma de montoDescu de los ítems + descuNoSuj + descuExenta + descuGravada")

    def global_discounts(self):
        return self.r("descuNoSuj") + self.r("descuExenta") + self.r("descuGravada")

    def key(self, name):
        """The 2023 spelling (ivaRete1, ivaPerci1) when the document uses it, else 2026's."""
        return f"{name}1" if f"{name}1" in self.resumen else name

    def retained(self):
        """The 1 % IVA withheld: ivaRete1 (2023 generation) or ivaRete (2026; facts §9)."""
        return self.r("ivaRete1") + self.r("ivaRete")

    def perceived(self):
        """The 1 % IVA perceived: ivaPerci1 (2023) or ivaPerci (2026)."""
        return self.r("ivaPerci1") + self.r("ivaPerci")

    def operation_total(self):
        if "subTotal" in self.resumen:
            self.total("montoTotalOperacion", self.r("subTotal") + self.tributos_sum(), "subTotal + la suma de resumen.tributos")
        else:  # NC/ND v4: no global discounts, no subTotal
            self.total("montoTotalOperacion", self.r("subTotalVentas") + self.tributos_sum(),
                       "subTotalVentas + la suma de resumen.tributos")

    def taxable_base(self):
        return self.r("totalGravada") - self.r("descuGravada")

    def iva_tributo(self):
        """CCF, NC, ND: IVA is a resumen tributo "20" of 13 % of the taxable base."""
        base = self.taxable_base()
        ivas = [(i, t) for i, t in self.tributos if t.get("codigo") == IVA_CODE]
        if not ivas:
            if base > 0:
                self.errors.append(f"[resumen.tributos] CALCULO INCORRECTO: falta el tributo {IVA_CODE} (IVA 13 %) "
                                   f"sobre la base gravada de {fmt(cents(base))}")
            return
        if len(ivas) > 1:
            self.errors.append(f"[resumen.tributos] el tributo {IVA_CODE} (IVA) aparece {len(ivas)} veces")
            return
        i, tributo = ivas[0]
        declared, computed = dec(tributo.get("valor")) or Decimal(0), cents(base * IVA_RATE)
        if self.differs(declared, computed):
            self.errors.append(f"[resumen.tributos.{i}.valor] CALCULO INCORRECTO: tributo {IVA_CODE} (IVA) {fmt(declared)} "
                               f"no cuadra con (totalGravada - descuGravada) x 13 % ({fmt(computed)})")

    def item_lines(self, tipo):
        """Each item's sale column is cantidad x precioUni - montoDescu, when exactly one sale column
        carries the amount (lines with only noGravado have none)."""
        for i, item in self.items:
            columns = [(c, dec(item.get(c))) for c in ITEM_COLUMNS if c in item]
            nonzero = [(c, v) for c, v in columns if v]
            cantidad, precio = dec(item.get("cantidad")), dec(item.get("precioUni"))
            if len(nonzero) == 1 and cantidad is not None and precio is not None:
                column, declared = nonzero[0]
                computed = eighths(cantidad * precio - (dec(item.get("montoDescu")) or Decimal(0)))
                if self.differs(declared, computed):
                    self.errors.append(f"[cuerpoDocumento.{i}.{column}] CALCULO INCORRECTO: ítem {item.get('numItem', i + 1)}: "
                                       f"{fmt(declared)} no cuadra con cantidad x precioUni - montoDescu ({fmt(computed)})")
            if tipo == "01" and "ivaItem" in item:
                declared = dec(item.get("ivaItem")) or Decimal(0)
                computed = eighths((dec(item.get("ventaGravada")) or Decimal(0)) * IVA_INCLUDED)
                if self.differs(declared, computed):
                    self.errors.append(f"[cuerpoDocumento.{i}.ivaItem] CALCULO INCORRECTO: ítem {item.get('numItem', i + 1)}: "
                                       f"{fmt(declared)} no cuadra con ventaGravada x 13/113 ({fmt(computed)})")

    def payments(self, tipo):
        pagos = self.resumen.get("pagos")
        total = dec(self.resumen.get("totalPagar"))
        if tipo not in WITH_PAGOS or not isinstance(pagos, list) or not pagos or total is None:
            return
        paid = sum((dec(p.get("montoPago")) or Decimal(0) for p in pagos if isinstance(p, dict)), Decimal(0))
        if self.differs(paid, total):
            self.errors.append(f"[resumen.pagos] CALCULO INCORRECTO: la suma de montoPago ({fmt(paid)}) "
                               f"no cuadra con totalPagar ({fmt(total)})")

    # -- per type
    def factura(self):
        self.column_totals()
        self.total("totalIva", self.taxable_base() * IVA_INCLUDED, "(totalGravada - descuGravada) x 13/113")
        # and against its items: totalIva is the sum of ivaItem (facts §2.5), so a global discount
        # the lines' ivaItem do not reflect does not add up
        if any("ivaItem" in item for _, item in self.items):
            self.total("totalIva", self.item_sum("ivaItem"), "la suma de ivaItem de los ítems")
        for i, tributo in self.tributos:
            if tributo.get("codigo") == IVA_CODE:
                self.errors.append(f"[resumen.tributos.{i}.codigo] la Factura no lleva el tributo {IVA_CODE}: "
                                   "el IVA va incluido en los precios y se declara en totalIva")
        self.operation_total()
        self.total("totalNoGravado", self.item_sum("noGravado"), "la suma de noGravado de los ítems")
        self.total("totalPagar", self.r("montoTotalOperacion") - self.retained() - self.r("reteRenta") + self.r("totalNoGravado"),
                   f"montoTotalOperacion - {self.key('ivaRete')} - reteRenta + totalNoGravado")

    def ccf(self):
        self.nota()
        self.total("totalNoGravado", self.item_sum("noGravado"), "la suma de noGravado de los ítems")
        self.total("totalPagar", self.r("montoTotalOperacion") + self.perceived() - self.retained() - self.r("reteRenta")
                   + self.r("totalNoGravado"),
                   f"montoTotalOperacion + {self.key('ivaPerci')} - {self.key('ivaRete')} - reteRenta + totalNoGravado")

    def nota(self):  # NC and ND v3: a CCF without totalNoGravado, totalPagar and pagos
        self.column_totals()
        self.iva_tributo()
        self.operation_total()
        if "totalIva" in self.resumen:  # NC/ND v4 (2026): IVA also in totalIva, and a totalPagar
            self.total("totalIva", self.taxable_base() * IVA_RATE, "totalGravada x 13 %")
            self.total("totalNoGravado", self.item_sum("noGravado"), "la suma de noGravado de los ítems")
            self.total("totalPagar", self.r("montoTotalOperacion") + self.perceived() - self.retained()
                       + self.r("totalNoGravado"), "montoTotalOperacion + ivaPerci - ivaRete + totalNoGravado")

    def remision(self):
        self.column_totals()
        self.operation_total()

    def exportacion(self):
        # The global discount: descuento in FEX v1, descuGravada in v3.
        discount = self.r("descuento") + self.r("descuGravada")
        self.total("totalGravada", self.item_sum("ventaGravada"), "la suma de los ítems")
        self.total("totalDescu", self.item_sum("montoDescu") + discount, "la suma de montoDescu de los ítems + descuento")
        self.total("montoTotalOperacion", self.r("totalGravada") - discount + self.r("seguro") + self.r("flete"),
                   "totalGravada - descuento + seguro + flete")
        self.total("totalNoGravado", self.item_sum("noGravado"), "la suma de noGravado de los ítems")
        self.total("totalPagar", self.r("montoTotalOperacion") + self.r("totalNoGravado"), "montoTotalOperacion + totalNoGravado")

    def sujeto_excluido(self):
        self.total("totalCompra", self.item_sum("compra"), "la suma de los ítems")
        self.total("totalDescu", self.item_sum("montoDescu") + self.r("descu"), "la suma de montoDescu de los ítems + descu")
        self.total("subTotal", self.r("totalCompra") - self.r("descu"), "totalCompra - descu")
        self.total("totalPagar", self.r("subTotal") - self.retained() - self.r("reteRenta"),
                   f"subTotal - {self.key('ivaRete')} - reteRenta" if "ivaRete1" in self.resumen else "subTotal - reteRenta")

    def retencion(self):
        self.total("totalSujetoRetencion", self.item_sum("montoSujetoGrav"), "la suma de montoSujetoGrav de los ítems")
        self.total("totalIVAretenido", self.item_sum("ivaRetenido"), "la suma de ivaRetenido de los ítems")
        self.total("totalIvaRetenido", self.item_sum("ivaRetenido"), "la suma de ivaRetenido de los ítems")  # CR v2

    def donacion(self):
        """Comprobante de Donación (sv-tax-facts-2.md §6): valor = valorUni x cantidad - depreciación
        per item (the depreciation is ``depreciacion`` in v1, ``tipoDepreciacion`` in v2);
        valorTotal = the sum of valor."""
        for i, item in self.items:
            cantidad, unit = dec(item.get("cantidad")), dec(item.get("valorUni"))
            declared = dec(item.get("valor"))
            if cantidad is None or unit is None or declared is None:
                continue
            depreciation = dec(item.get("depreciacion", item.get("tipoDepreciacion"))) or Decimal(0)
            computed = eighths(cantidad * unit - depreciation)
            if self.differs(declared, computed):
                self.errors.append(f"[cuerpoDocumento.{i}.valor] CALCULO INCORRECTO: ítem {item.get('numItem', i + 1)}: "
                                   f"{fmt(declared)} no cuadra con valorUni x cantidad - depreciación ({fmt(computed)})")
        self.total("valorTotal", self.item_sum("valor"), "la suma de valor de los ítems")


    def liquidacion(self):
        """Comprobante de Liquidación (08; sv-tax-facts-2.md §6): one line per liquidated document
        (amounts may be negative); subTotalVentas = noSuj + exenta + gravada + exportación;
        montoTotalOperacion = subTotalVentas + Σ tributos; total = that + ivaPerci, floored at 0;
        ivaItem = ventaGravada × 13 %."""
        self.total("totalNoSuj", self.item_sum("ventaNoSuj"), "la suma de los ítems")
        self.total("totalExenta", self.item_sum("ventaExenta"), "la suma de los ítems")
        self.total("totalGravada", self.item_sum("ventaGravada"), "la suma de los ítems")
        export_key = "totalExportacion" if "totalExportacion" in self.resumen else "exportacion"
        self.total(export_key, self.item_sum("exportaciones"), "la suma de exportaciones de los ítems")
        self.total("subTotalVentas", self.r("totalNoSuj") + self.r("totalExenta") + self.r("totalGravada")
                   + self.r(export_key), f"totalNoSuj + totalExenta + totalGravada + {export_key}")
        declared = [dec(t.get("valor")) or Decimal(0) for _, t in self.tributos if t.get("codigo") == IVA_CODE]
        iva = cents(self.r("totalGravada") * IVA_RATE)
        if self.r("totalGravada") and (len(declared) != 1 or self.differs(declared[0], iva)):
            self.errors.append(f"[resumen.tributos] CALCULO INCORRECTO: el tributo {IVA_CODE} (IVA) no cuadra con "
                               f"totalGravada x 13 % ({fmt(iva)})")
        self.total("montoTotalOperacion", self.r("subTotalVentas") + self.tributos_sum(),
                   "subTotalVentas + la suma de resumen.tributos")
        self.total("total", max(self.r("montoTotalOperacion") + self.r("ivaPerci"), Decimal(0)),
                   "montoTotalOperacion + ivaPerci (no menor que 0)")
        for i, item in self.items:
            computed = eighths((dec(item.get("ventaGravada")) or Decimal(0)) * IVA_RATE)
            if self.differs(dec(item.get("ivaItem")) or Decimal(0), computed):
                self.errors.append(f"[cuerpoDocumento.{i}.ivaItem] CALCULO INCORRECTO: no cuadra con ventaGravada x 13 % "
                                   f"({fmt(computed)})")

    def contable_liquidacion(self, body):
        """Documento Contable de Liquidación (09; sv-tax-facts-2.md §6): the body is one object.
        subTotal = valorOperaciones − montoSinPercepcion; ivaPercibido = montoSujetoPercepcion × 2 %;
        ivaComision = comision × 13 %; liquidoApagar = valorOperaciones − comision − ivaPercibido −
        ivaComision."""
        def v(key):
            return dec(body.get(key)) or Decimal(0)

        def check(key, computed, why):
            declared = dec(body.get(key))
            if declared is not None and self.differs(declared, cents(computed)):
                self.errors.append(f"[cuerpoDocumento.{key}] CALCULO INCORRECTO: {fmt(declared)} no cuadra con {why} "
                                   f"({fmt(cents(computed))})")

        check("subTotal", v("valorOperaciones") - v("montoSinPercepcion"), "valorOperaciones - montoSinPercepcion")
        # the net value the 2 % applies to, and the IVA inside the settled sales [C, see dte.arithmetic]
        check("montoSujetoPercepcion", v("subTotal") / IVA_DIVISOR, "subTotal / 1.13")
        check("iva", v("subTotal") - v("montoSujetoPercepcion"), "subTotal - montoSujetoPercepcion")
        check("ivaPercibido", v("montoSujetoPercepcion") * CARD_PERCEPTION, "montoSujetoPercepcion x 2 %")
        check("ivaComision", v("comision") * IVA_RATE, "comision x 13 %")
        check("liquidoApagar", v("valorOperaciones") - v("comision") - v("ivaPercibido") - v("ivaComision"),
              "valorOperaciones - comision - ivaPercibido - ivaComision")


_BY_TYPE = {
    "01": _Totals.factura, "03": _Totals.ccf, "04": _Totals.remision, "05": _Totals.nota, "06": _Totals.nota,
    "07": _Totals.retencion, "08": _Totals.liquidacion, "11": _Totals.exportacion, "14": _Totals.sujeto_excluido,
    "15": _Totals.donacion,
}


def totals_errors(document) -> list[str]:
    """What does not add up in ``document`` (a parsed DTE), one message per field; [] when it does."""
    if not isinstance(document, dict):
        return []
    ident = document.get("identificacion")
    tipo = ident.get("tipoDte") if isinstance(ident, dict) else None
    with localcontext() as ctx:
        ctx.prec = 60  # cantidad x precioUni of two 8-decimal amounts up to 1e11 needs 38 digits
        totals = _Totals(document)
        resumen_check = _BY_TYPE.get(tipo)
        if resumen_check is not None:
            resumen_check(totals)
        elif tipo == "09" and isinstance(document.get("cuerpoDocumento"), dict):
            totals.contable_liquidacion(document["cuerpoDocumento"])
        totals.payments(tipo)
        totals.item_lines(tipo)
    return totals.errors
