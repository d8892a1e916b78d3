"""A document's resumen as a sum a client's accountant reads top-down (facts §2.5): the sales by
kind, the global discounts, the subtotal, IVA 13 % and the other taxes, the operation total
(montoTotalOperacion), then IVA perceived (+), IVA withheld (−), income tax withheld (−), other
amounts (+), and what is paid (totalPagar). One list of rows for the editor, the document page and
the printed copy, for every type, so the three read the same.

Each row has a sign: "+" and "−" rows add into the next subtotal or total, "" rows start the sum,
notes ("note") are shown but not summed (the IVA inside a Factura's prices, discounts already
taken off the lines)."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")


@dataclass
class Row:
    key: str
    label: str
    amount: Decimal
    sign: str = ""  # "+", "−" or "" (the first amounts of the sum)
    kind: str = "item"  # item, subtotal, total, note

    @property
    def signed(self):
        return -self.amount if self.sign == "−" else self.amount


def _d(value):
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def from_totals(totals):
    """The camelCase resumen figures of dte.arithmetic.Totals (the editor has no JSON yet)."""
    t = totals
    return {"totalNoSuj": t.total_no_suj, "totalExenta": t.total_exenta, "totalGravada": t.total_gravada,
            "subTotalVentas": t.sub_total_ventas, "descuNoSuj": t.descu_no_suj, "descuExenta": t.descu_exenta,
            "descuGravada": t.descu_gravada, "totalDescu": t.total_descu, "tributos": t.tributos,
            "subTotal": t.sub_total, "ivaPerci1": t.iva_perci1, "ivaRete1": t.iva_rete1, "reteRenta": t.rete_renta,
            "montoTotalOperacion": t.monto_total_operacion, "totalNoGravado": t.total_no_gravado,
            "totalPagar": t.total_pagar, "totalIva": t.total_iva, "descuento": t.descuento, "descu": t.descuento,
            "seguro": t.seguro, "flete": t.flete, "totalCompra": t.total_compra,
            "totalSujetoRetencion": t.total_sujeto_retencion, "totalIVAretenido": t.total_iva_retenido,
            # CL
            "totalExportacion": t.total_exportacion, "total": t.total_pagar,
            # DCL
            "valorOperaciones": t.valor_operaciones, "montoSinPercepcion": t.monto_sin_percepcion,
            "montoSujetoPercepcion": t.monto_sujeto_percepcion, "iva": t.total_iva, "comision": t.comision,
            "ivaComision": t.iva_comision, "ivaPercibido": t.iva_percibido, "liquidoApagar": t.total_pagar,
            # CD
            "valorTotal": t.valor_total}


# The 2026 generation's names of the same figures (facts §9; dte.builders_2026), read as 2023's.
RENAMED_2026 = {"ivaRete": "ivaRete1", "ivaPerci": "ivaPerci1", "totalIvaRetenido": "totalIVAretenido"}


def rows(resumen, tipo):
    """The summary of a document of type ``tipo`` (CAT-002) from its resumen (JSON keys, of either
    generation)."""
    r = {RENAMED_2026.get(k, k): (_d(v) if k != "tributos" else v) for k, v in (resumen or {}).items()}
    if tipo == "11" and "descuento" not in r:
        r["descuento"] = r.get("descuGravada")  # FEX v3 calls its global discount descuGravada
    if tipo in ("05", "06"):
        r.pop("totalIva", None)  # NC/ND v4 repeat their IVA (the "IVA 13 %" row) in totalIva

    def amount(key):
        return r.get(key) or ZERO

    out = []

    def add(key, label, sign="", kind="item", always=False):
        value = r.get(key)
        if value is not None and (value != 0 or always):
            out.append(Row(key, label, value, sign, kind))

    if tipo == "07":  # Comprobante de Retención: what was withheld on the documents listed
        add("totalSujetoRetencion", _("Monto sujeto a retención"), kind="note", always=True)
        add("totalIVAretenido", _("Total IVA retenido"), kind="total", always=True)
        return out
    if tipo == "15":  # Comprobante de Donación: no tax, the value donated (sv-tax-facts-2.md §6)
        add("valorTotal", _("Total donado"), kind="total", always=True)
        return out
    if tipo == "08":  # Comprobante de Liquidación (sv-tax-facts-2.md §6): the mandante's sales, IVA, total
        add("totalNoSuj", _("Ventas no sujetas"))
        add("totalExenta", _("Ventas exentas"))
        add("totalGravada", _("Ventas gravadas"), always=True)
        add("totalExportacion", _("Exportaciones"))
        add("exportacion", _("Exportaciones"))
        add("subTotalVentas", _("Subtotal de ventas"), kind="subtotal", always=True)
        for t in r.get("tributos") or []:
            if _d(t.get("valor")) is not None:
                label = _("IVA 13 %") if str(t.get("codigo")) == "20" else (t.get("descripcion") or str(t.get("codigo")))
                out.append(Row(f"tributo-{t.get('codigo')}", label, _d(t["valor"]), "+"))
        add("montoTotalOperacion", _("Monto total de la operación"), kind="subtotal", always=True)
        add("ivaPerci1", _("IVA percibido"), "+")
        add("total", _("Total"), kind="total", always=True)
        return out
    if tipo == "09":  # Documento Contable de Liquidación: its single body (sv-tax-facts-2.md §6)
        add("valorOperaciones", _("Valor de las operaciones"), always=True)
        add("montoSinPercepcion", _("Monto no sujeto a percepción"), kind="note")
        add("montoSujetoPercepcion", _("Monto sujeto a percepción (sin IVA)"), kind="note", always=True)
        add("iva", _("IVA de las operaciones liquidadas"), kind="note", always=True)
        add("comision", _("Comisión"), "−", always=True)
        add("ivaComision", _("IVA de la comisión"), "−")
        add("ivaPercibido", _("IVA percibido 2 %"), "−", always=True)
        add("liquidoApagar", _("Líquido a pagar"), kind="total", always=True)
        return out
    if tipo == "14":  # Sujeto excluido: the company buys; no IVA
        add("totalCompra", _("Total de compras"), always=True)
        add("descu", _("Descuento"), "−")
        if amount("descu"):
            add("subTotal", _("Subtotal"), kind="subtotal", always=True)
        add("ivaRete1", _("IVA retenido"), "−")
        add("reteRenta", _("Retención de renta"), "−")
        add("totalPagar", _("Total a pagar"), kind="total", always=True)
        _line_discounts(out, r, amount("descu"))
        return out
    if tipo == "11":  # Exportación: IVA 0 %, insurance and freight added to the operation
        add("totalGravada", _("Ventas gravadas (exportación, IVA 0 %)"), always=True)
        add("descuento", _("Descuento"), "−")
        add("seguro", _("Seguro"), "+")
        add("flete", _("Flete"), "+")
        add("montoTotalOperacion", _("Monto total de la operación"), kind="subtotal", always=True)
        add("totalNoGravado", _("Otros montos no afectos"), "+")
        add("totalPagar", _("Total a pagar"), kind="total", always=True)
        _line_discounts(out, r, amount("descuento"))
        return out

    # Factura, CCF, notes and remisión: sales by kind, global discounts, subtotal, taxes.
    add("totalNoSuj", _("Ventas no sujetas"))
    add("totalExenta", _("Ventas exentas"))
    add("totalGravada", _("Ventas gravadas"), always=True)
    global_discount = amount("descuNoSuj") + amount("descuExenta") + amount("descuGravada")
    add("descuNoSuj", _("Descuento a ventas no sujetas"), "−")
    add("descuExenta", _("Descuento a ventas exentas"), "−")
    add("descuGravada", _("Descuento a ventas gravadas"), "−")
    add("subTotal", _("Subtotal"), kind="subtotal", always=True)
    tributos = [t for t in (r.get("tributos") or []) if _d(t.get("valor")) is not None]
    # Factura: IVA is inside the prices (facts §2.5: its tributos never list "20"), so it is a note.
    iva = [t for t in tributos if str(t.get("codigo")) == "20"]
    others = [t for t in tributos if str(t.get("codigo")) != "20"]
    for t in iva:
        out.append(Row("iva", _("IVA 13 %"), _d(t["valor"]), "+"))
    for t in others:
        out.append(Row(f"tributo-{t.get('codigo')}", t.get("descripcion") or str(t.get("codigo")), _d(t["valor"]), "+"))
    final = tipo in ("04", "05", "06")  # NR, NC, ND: no totalPagar, the operation total is the document's total
    add("montoTotalOperacion", _("Monto total de la operación"), kind="total" if final else "subtotal", always=True)
    after = "note" if final else "item"
    add("ivaPerci1", _("IVA percibido 1 %"), "+", after)
    add("ivaRete1", _("IVA retenido 1 %"), "−", after)
    add("reteRenta", _("Retención de renta"), "−", after)
    add("totalNoGravado", _("Otros montos no afectos"), "+", after)
    if not final:
        add("totalPagar", _("Total a pagar"), kind="total", always=True)
    add("totalIva", _("IVA incluido en el total"), kind="note")
    _line_discounts(out, r, global_discount)
    return out


def _line_discounts(out, r, global_discount):
    """Discounts given on the lines are already off the sales amounts: said once, not summed."""
    line_discounts = (r.get("totalDescu") or ZERO) - global_discount
    if line_discounts > 0:
        out.append(Row("descuentosLinea", _("Descuentos aplicados en las líneas (ya restados)"), line_discounts,
                       kind="note"))


def check(summary):
    """The rows add up: every subtotal and total is the sum of what comes before it since the last
    subtotal. Returns the rows that do not (the tolerance is MH's ±0.01 per figure)."""
    wrong, running = [], None
    for row in summary:
        if row.kind == "note":
            continue
        if row.kind in ("subtotal", "total"):
            if running is not None and abs(running - row.amount) > Decimal("0.01"):
                wrong.append((row.key, running, row.amount))
            running = row.amount
        else:
            running = (running or ZERO) + row.signed
    return wrong
