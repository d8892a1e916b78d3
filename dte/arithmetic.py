"""The tax arithmetic of every document type, as MH computes it (facts §2.4–2.5). Pure: plain
inputs in, Decimal amounts out. The form's live totals and the JSON builder both call
``compute``, so what the rep sees is what is signed.

Conventions (each cited from the facts page):
- item amounts to 8 decimals, resumen amounts to 2, half-up;
- a line's sale column = quantity × unit price − line discount, in the column of its treatment;
- Factura (01) prices include IVA: ivaItem = ventaGravada × 13/113, totalIva = Σ ivaItem rounded
  once to cents; IVA is never a resumen tributo of a Factura. A global discount on the taxable
  column is carried on the lines (see ``prorate``): MH recomputes ivaItem from each line's
  ventaGravada (cantidad × precioUni − montoDescu), totalIva as Σ ivaItem (facts §2.5) and as
  (totalGravada − descuGravada) × 13/113 (the simulator's check, within the ±0.01 holgura); only
  with the discount inside the lines' montoDescu (descuGravada 0) do all three agree;
- CCF (03), NC (05), ND (06) and NR (04) are net: IVA is tributo 20 at 13 % of the taxable total
  after the global discount, computed once on the total (not per line) to avoid rounding drift;
- 1 % IVA retention (ivaRete1): the buyer is a large taxpayer, the company is not, and the
  taxable base (net of IVA) reaches the threshold; 1 % perception (ivaPerci1, CCF/NC/ND): the
  company is a large taxpayer, the buyer is not, same base test. If the taxable total is zero both
  are zero (schema rule);
- Comprobante de Liquidación (08) and Documento Contable de Liquidación (09): sv-tax-facts-2.md §6
  (see ``_compute_liquidation`` and ``_compute_card_settlement``).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from dte.amounts import CENT, ITEM, ZERO, D, q2, q8
from dte.taxes import (
    CARD_PERCEPTION_RATE,
    EXENTO,
    GRAVADO,
    IVA,
    IVA_DIVISOR,
    IVA_EXPORT,
    IVA_RATE,
    NO_SUJETO,
    RETENTION_CODES,
    RETENTION_RATE,
    SUMMARY_TAXES,
    TAX_NAMES,
)

FACTURA, CCF, NR, NC, ND, CR, FEX, FSE = "01", "03", "04", "05", "06", "07", "11", "14"
CL, DCL = "08", "09"  # Comprobante de Liquidación, Documento Contable de Liquidación (sv-tax-facts-2.md §6)
CD = "15"  # Comprobante de Donación
ALL_TYPES = [FACTURA, CCF, NC, ND, NR, FEX, CR, FSE, CL, DCL, CD]
NET_TYPES = {CCF, NR, NC, ND}  # prices without IVA, IVA as tributo 20
LARGE = "grande"


class ArithmeticError_(ValueError):  # noqa: N801 - not the builtin ArithmeticError
    """An input the arithmetic cannot accept (negative amounts, a discount above the line...)."""


@dataclass
class LineIn:
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal = ZERO
    treatment: str = GRAVADO
    item_type: int = 1
    special_taxes: tuple = ()  # CAT-015 section 1 codes summarised in resumen.tributos
    no_gravado: Decimal = ZERO  # charges outside the tax base (may be negative)
    withhold_income: bool = False  # FSE: reteRenta on this line (services from individuals)
    # Comprobante de Retención: the withheld document's taxable amount, code and (C9) amount
    retention_base: Decimal = ZERO
    retention_code: str = ""
    retention_amount: Decimal | None = None
    # Comprobante de Donación: CAT-026 tipoDonacion (1 efectivo, 2 bien, 3 servicio) and the
    # depreciation of a donated good
    donation_type: int = 0
    depreciation: Decimal = ZERO
    # Comprobante de Liquidación: the liquidated document's columns (no sujeta, exenta, gravada,
    # exportación), net of IVA and global discounts; negative for an invalidated one (§6)
    liquidated: tuple = ()


@dataclass
class DocIn:
    tipo_dte: str
    lines: list
    discount_no_suj: Decimal = ZERO  # global discounts per column (FE/CCF/NC/ND/NR)
    discount_exenta: Decimal = ZERO
    discount_gravada: Decimal = ZERO
    discount: Decimal = ZERO  # FEX `descuento`, FSE `descu`
    insurance: Decimal = ZERO  # FEX seguro
    freight: Decimal = ZERO  # FEX flete
    company_size: str = "otro"  # grande / mediano / otro
    buyer_size: str = "otro"
    retention_threshold: Decimal = Decimal("100.00")
    income_tax_rate: Decimal = Decimal("0.10")
    # Documento Contable de Liquidación: valorOperaciones, montoSinPercepcion, porcentComision
    settlement: dict = field(default_factory=dict)


@dataclass
class LineOut:
    no_suj: Decimal = ZERO
    exenta: Decimal = ZERO
    gravada: Decimal = ZERO
    iva_item: Decimal = ZERO
    compra: Decimal = ZERO
    no_gravado: Decimal = ZERO
    tributos: list | None = None
    iva_retenido: Decimal = ZERO
    exportacion: Decimal = ZERO  # CL: the liquidated document's export sales
    discount: Decimal = ZERO  # montoDescu as written: the line's own discount plus its share of a prorated global one
    valor: Decimal = ZERO  # CD: the value donated


@dataclass
class Totals:
    lines: list = field(default_factory=list)
    total_no_suj: Decimal = ZERO
    total_exenta: Decimal = ZERO
    total_gravada: Decimal = ZERO
    sub_total_ventas: Decimal = ZERO
    descu_no_suj: Decimal = ZERO
    descu_exenta: Decimal = ZERO
    descu_gravada: Decimal = ZERO
    porcentaje_descuento: Decimal = ZERO
    total_descu: Decimal = ZERO
    tributos: list = field(default_factory=list)  # [{codigo, descripcion, valor}]
    sub_total: Decimal = ZERO
    iva_perci1: Decimal = ZERO
    iva_rete1: Decimal = ZERO
    rete_renta: Decimal = ZERO
    monto_total_operacion: Decimal = ZERO
    total_no_gravado: Decimal = ZERO
    total_pagar: Decimal = ZERO
    total_iva: Decimal = ZERO
    # FEX / FSE / CR
    descuento: Decimal = ZERO
    seguro: Decimal = ZERO
    flete: Decimal = ZERO
    total_compra: Decimal = ZERO
    total_sujeto_retencion: Decimal = ZERO
    total_iva_retenido: Decimal = ZERO
    # CD
    valor_total: Decimal = ZERO
    # CL
    total_exportacion: Decimal = ZERO
    # DCL (sub_total, total_iva and total_pagar = liquidoApagar are the shared fields)
    valor_operaciones: Decimal = ZERO
    monto_sin_percepcion: Decimal = ZERO
    monto_sujeto_percepcion: Decimal = ZERO
    iva_percibido: Decimal = ZERO
    porcent_comision: Decimal = ZERO
    comision: Decimal = ZERO
    iva_comision: Decimal = ZERO

    @property
    def taxable_base(self):
        """The taxable amount net of IVA: the base of retention, perception and IVA itself."""
        return self.total_gravada - self.descu_gravada


def _line_amount(line):
    quantity, price, discount = D(line.quantity), D(line.unit_price), D(line.discount)
    if quantity <= 0:
        raise ArithmeticError_("la cantidad debe ser mayor que cero")
    if price < 0 or discount < 0:
        raise ArithmeticError_("el precio y el descuento no pueden ser negativos")
    gross = quantity * price
    if discount > gross:
        raise ArithmeticError_("el descuento es mayor que el valor de la línea")
    return q8(gross - discount)


def prorate(total, weights):
    """``total`` split over ``weights`` in proportion, by largest remainder, so the parts add up to
    ``total`` exactly and no part exceeds its weight. Whole cents when the weights allow it (a
    montoDescu a person can read on paper); otherwise (weights with fractions of a cent that
    cannot hold the whole cents) in MH's item step of 1e-8, which always fits when total ≤ Σ weights."""
    total = D(total)
    weights = [D(w) for w in weights]
    whole = sum(weights, ZERO)
    if total > whole:
        raise ArithmeticError_("el descuento global es mayor que las ventas a las que se aplica")
    if total <= 0:
        return [ZERO] * len(weights)
    for step in (CENT, ITEM):
        units = int(total / step)
        if total != units * step:
            continue  # the total itself is finer than this step
        caps = [int(w / step) for w in weights]  # whole steps a line can take without going negative
        if sum(caps) < units:
            continue
        exact = [units * w / whole for w in weights]
        parts = [min(int(x), cap) for x, cap in zip(exact, caps, strict=True)]
        order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
        left = units - sum(parts)
        while left:
            for i in order:
                if left and parts[i] < caps[i]:
                    parts[i] += 1
                    left -= 1
        return [part * step for part in parts]
    raise ArithmeticError_("el descuento global no se puede repartir entre las líneas")  # pragma: no cover


def _summary_tax(code, line, net):
    kind, rate, _name = SUMMARY_TAXES[code]
    return net * rate if kind == "percent" else D(line.quantity) * rate


def compute(doc: DocIn) -> Totals:
    tipo = doc.tipo_dte
    if tipo == CR:
        return _compute_retention(doc)
    if tipo == FSE:
        return _compute_excluded(doc)
    if tipo == FEX:
        return _compute_export(doc)
    if tipo == CL:
        return _compute_liquidation(doc)
    if tipo == DCL:
        return _compute_card_settlement(doc)
    if tipo == CD:
        return _compute_donation(doc)
    return _compute_sale(doc)


def _compute_sale(doc):
    tipo = doc.tipo_dte
    out = Totals()
    extra_taxes = {}
    amounts = [_line_amount(line) for line in doc.lines]
    discounts = [q8(line.discount) for line in doc.lines]
    global_gravada = q2(doc.discount_gravada)
    if tipo == FACTURA and global_gravada:
        # The Factura's global discount on the taxable column goes into the taxable lines' montoDescu
        # (module docstring): then Σ ivaItem, totalIva and (totalGravada − descuGravada) × 13/113 agree.
        taxable = [i for i, line in enumerate(doc.lines) if line.treatment == GRAVADO]
        for i, share in zip(taxable, prorate(global_gravada, [amounts[i] for i in taxable]), strict=True):
            amounts[i] -= share
            discounts[i] += share
        global_gravada = ZERO
    for line, amount, discount in zip(doc.lines, amounts, discounts, strict=True):
        lo = LineOut(no_gravado=q8(line.no_gravado), discount=discount)
        if line.treatment == GRAVADO:
            lo.gravada = amount
        elif line.treatment == EXENTO:
            lo.exenta = amount
        elif line.treatment == NO_SUJETO:
            lo.no_suj = amount
        else:
            raise ArithmeticError_(f"tratamiento desconocido: {line.treatment}")
        codes = [c for c in line.special_taxes if c in SUMMARY_TAXES] if lo.gravada else []
        if tipo == FACTURA:
            # IVA inside the price: the item's share (facts §2.5, "Factura — IVA-inclusive").
            lo.iva_item = q8(lo.gravada * IVA_RATE / IVA_DIVISOR)
            net = lo.gravada - lo.iva_item
            lo.tributos = codes or None
        else:
            net = lo.gravada
            lo.tributos = ([IVA] + codes) if lo.gravada else None
        for code in codes:
            extra_taxes[code] = extra_taxes.get(code, ZERO) + _summary_tax(code, line, net)
        out.lines.append(lo)
    out.total_no_suj = q2(sum((lo.no_suj for lo in out.lines), ZERO))
    out.total_exenta = q2(sum((lo.exenta for lo in out.lines), ZERO))
    out.total_gravada = q2(sum((lo.gravada for lo in out.lines), ZERO))
    out.total_no_gravado = q2(sum((lo.no_gravado for lo in out.lines), ZERO))
    out.sub_total_ventas = out.total_no_suj + out.total_exenta + out.total_gravada
    out.descu_no_suj, out.descu_exenta, out.descu_gravada = (q2(doc.discount_no_suj), q2(doc.discount_exenta),
                                                             global_gravada)
    if out.descu_no_suj > out.total_no_suj or out.descu_exenta > out.total_exenta or out.descu_gravada > out.total_gravada:
        raise ArithmeticError_("el descuento global es mayor que las ventas a las que se aplica")
    global_discount = out.descu_no_suj + out.descu_exenta + out.descu_gravada
    line_discounts = sum((lo.discount for lo in out.lines), ZERO)
    out.total_descu = q2(line_discounts + global_discount)
    out.porcentaje_descuento = q2(global_discount * 100 / out.sub_total_ventas) if out.sub_total_ventas else ZERO
    out.sub_total = out.sub_total_ventas - global_discount
    base = out.taxable_base
    if tipo == FACTURA:
        # Σ ivaItem rounded once (facts §2.5); the IVA inside the rounded taxable total differs from
        # it by less than a cent (a 0.5 × 3.73 line: 0.21455752 → 0.21, where 1.87 × 13/113 → 0.22).
        out.total_iva = q2(sum((lo.iva_item for lo in out.lines), ZERO))
        net_base = base / IVA_DIVISOR  # unrounded: retention is rounded once, on its own amount
    else:
        net_base = base
        if base > 0:
            out.tributos.append({"codigo": IVA, "descripcion": TAX_NAMES[IVA], "valor": q2(base * IVA_RATE)})
    # A global discount on the taxable column lowers percentage taxes in proportion.
    share = (base / out.total_gravada) if out.total_gravada else ZERO
    for code, amount in extra_taxes.items():
        kind = SUMMARY_TAXES[code][0]
        value = q2(amount * share) if kind == "percent" else q2(amount)
        out.tributos.append({"codigo": code, "descripcion": SUMMARY_TAXES[code][2], "valor": value})
    taxes = sum((t["valor"] for t in out.tributos), ZERO)
    out.monto_total_operacion = out.sub_total + taxes
    if base > 0 and net_base >= doc.retention_threshold:
        if doc.buyer_size == LARGE and doc.company_size != LARGE:
            out.iva_rete1 = q2(net_base * RETENTION_RATE)
        if tipo in (CCF, NC, ND) and doc.company_size == LARGE and doc.buyer_size != LARGE:
            out.iva_perci1 = q2(net_base * RETENTION_RATE)
    if tipo == NR:
        out.iva_rete1 = out.iva_perci1 = ZERO
    out.total_pagar = (out.monto_total_operacion + out.iva_perci1 - out.iva_rete1 - out.rete_renta
                       + out.total_no_gravado)
    return out


def _compute_export(doc):
    """Factura de Exportación: IVA 0 % (tributo C3) on the taxable lines; insurance and freight
    are added to the operation (facts §1, §2.5)."""
    out = Totals()
    for line in doc.lines:
        lo = LineOut(no_gravado=q8(line.no_gravado), discount=q8(line.discount))
        if D(line.unit_price) or D(line.discount):
            lo.gravada = _line_amount(line)
            lo.tributos = [IVA_EXPORT] if lo.gravada else None
        out.lines.append(lo)
    out.total_gravada = q2(sum((lo.gravada for lo in out.lines), ZERO))
    out.total_no_gravado = q2(sum((lo.no_gravado for lo in out.lines), ZERO))
    out.descuento = q2(doc.discount)
    if out.descuento > out.total_gravada:
        raise ArithmeticError_("el descuento global es mayor que las ventas")
    out.total_descu = q2(sum((D(line.discount) for line in doc.lines), ZERO) + out.descuento)
    out.porcentaje_descuento = q2(out.descuento * 100 / out.total_gravada) if out.total_gravada else ZERO
    out.seguro, out.flete = q2(doc.insurance), q2(doc.freight)
    out.monto_total_operacion = out.total_gravada - out.descuento + out.seguro + out.flete
    out.total_pagar = out.monto_total_operacion + out.total_no_gravado
    return out


def _compute_excluded(doc):
    """Factura de Sujeto Excluido: the company buys from an unregistered person; no IVA; income
    tax withheld on the lines marked for it (services by individuals), at the configured rate."""
    out = Totals()
    renta_base = ZERO
    for line in doc.lines:
        lo = LineOut(compra=_line_amount(line), discount=q8(line.discount))
        if line.withhold_income:
            renta_base += lo.compra
        out.lines.append(lo)
    out.total_compra = q2(sum((lo.compra for lo in out.lines), ZERO))
    out.descuento = q2(doc.discount)
    if out.descuento > out.total_compra:
        raise ArithmeticError_("el descuento global es mayor que la compra")
    out.total_descu = q2(sum((D(line.discount) for line in doc.lines), ZERO) + out.descuento)
    out.sub_total = out.total_compra - out.descuento
    # The global discount lowers what is paid for each line in proportion, so also the base of
    # the income tax withheld on the services.
    share = out.sub_total / out.total_compra if out.total_compra else ZERO
    out.rete_renta = q2(renta_base * share * doc.income_tax_rate)
    out.total_pagar = out.sub_total - out.iva_rete1 - out.rete_renta
    return out


def _compute_retention(doc):
    """Comprobante de Retención: per withheld document, its taxable amount × the CAT-006 rate
    (22 = 1 %, C4 = 13 %; C9 is an amount entered by hand)."""
    out = Totals()
    for line in doc.lines:
        # CR amounts are cents in the schema (multipleOf 0.01), the base at least 1.00.
        base = q2(line.retention_base)
        if base < 1:
            raise ArithmeticError_("el monto sujeto a retención debe ser al menos 1.00")
        if line.retention_code not in RETENTION_CODES:
            raise ArithmeticError_(f"código de retención desconocido: {line.retention_code}")
        rate = RETENTION_CODES[line.retention_code]
        if rate is None:
            if line.retention_amount is None:
                raise ArithmeticError_("el código C9 necesita el monto retenido")
            withheld = q2(line.retention_amount)
            if withheld <= 0:
                raise ArithmeticError_("el monto retenido debe ser mayor que cero")
        else:
            withheld = q2(base * rate)
        out.lines.append(LineOut(iva_retenido=withheld, gravada=base))
    out.total_sujeto_retencion = q2(sum((lo.gravada for lo in out.lines), ZERO))
    out.total_iva_retenido = q2(sum((lo.iva_retenido for lo in out.lines), ZERO))
    out.total_pagar = out.total_iva_retenido
    return out


def _compute_liquidation(doc):
    """Comprobante de Liquidación (08; sv-tax-facts-2.md §6): the commission agent, consignee or
    auctioneer tells its mandante what it sold on the mandante's behalf, one line per own
    FE/CCF/NC/ND/FEX, its columns net of IVA and global discounts (negative for an invalidated
    document listed again). ivaItem = ventaGravada × 13 % (informative); subTotalVentas = noSuj +
    exenta + gravada + exportación; IVA (tributo 20, the mandante's débito) = 13 % of the taxable
    total, computed once on the total like every net type; montoTotalOperacion = subTotalVentas +
    Σ tributos; total = montoTotalOperacion + ivaPerci, never below 0. [G] the facts give no case in
    which the agent perceives on a liquidation: ivaPerci is 0."""
    out = Totals()
    for line in doc.lines:
        no_suj, exenta, gravada, exportacion = (q8(x) for x in (tuple(line.liquidated) + (ZERO,) * 4)[:4])
        lo = LineOut(no_suj=no_suj, exenta=exenta, gravada=gravada, exportacion=exportacion,
                     iva_item=q8(gravada * IVA_RATE), tributos=[IVA] if gravada else None)
        out.lines.append(lo)
    out.total_no_suj = q2(sum((lo.no_suj for lo in out.lines), ZERO))
    out.total_exenta = q2(sum((lo.exenta for lo in out.lines), ZERO))
    out.total_gravada = q2(sum((lo.gravada for lo in out.lines), ZERO))
    out.total_exportacion = q2(sum((lo.exportacion for lo in out.lines), ZERO))
    out.sub_total_ventas = out.total_no_suj + out.total_exenta + out.total_gravada + out.total_exportacion
    out.sub_total = out.sub_total_ventas
    if out.total_gravada:
        out.tributos.append({"codigo": IVA, "descripcion": TAX_NAMES[IVA], "valor": q2(out.total_gravada * IVA_RATE)})
    out.total_iva = sum((t["valor"] for t in out.tributos), ZERO)
    out.monto_total_operacion = out.sub_total_ventas + out.total_iva
    out.total_pagar = max(out.monto_total_operacion + out.iva_perci1, ZERO)
    return out


def _compute_card_settlement(doc):
    """Documento Contable de Liquidación (09; sv-tax-facts-2.md §6, CT arts. 112, 162-A): the card
    issuer or administrator settles with an affiliated merchant the card sales of a period and
    perceives 2 % of their net value. subTotal = valorOperaciones − montoSinPercepcion; the net
    value (montoSujetoPercepcion) is subTotal ÷ 1.13 and iva the IVA inside subTotal (the two add
    up to it); ivaPercibido = montoSujetoPercepcion × 2 %; [G, after a public implementation C]
    comisión = montoSujetoPercepcion × porcentComision %, ivaComision = comisión × 13 %;
    liquidoApagar = valorOperaciones − comisión − ivaPercibido − ivaComision [C]."""
    s = doc.settlement or {}
    out = Totals()
    out.valor_operaciones = q2(s.get("valorOperaciones"))
    out.monto_sin_percepcion = q2(s.get("montoSinPercepcion"))
    out.porcent_comision = q2(s.get("porcentComision"))
    if out.valor_operaciones <= 0:
        raise ArithmeticError_("el valor de las operaciones debe ser mayor que cero")
    if out.monto_sin_percepcion < 0 or out.monto_sin_percepcion >= out.valor_operaciones:
        raise ArithmeticError_("el monto sin percepción debe ser menor que el valor de las operaciones")
    if not ZERO <= out.porcent_comision <= 100:
        raise ArithmeticError_("el porcentaje de comisión va de 0 a 100")
    out.sub_total = out.valor_operaciones - out.monto_sin_percepcion
    out.monto_sujeto_percepcion = q2(out.sub_total / IVA_DIVISOR)
    out.total_iva = out.sub_total - out.monto_sujeto_percepcion
    out.iva_percibido = q2(out.monto_sujeto_percepcion * CARD_PERCEPTION_RATE)
    out.comision = q2(out.monto_sujeto_percepcion * out.porcent_comision / 100)
    out.iva_comision = q2(out.comision * IVA_RATE)
    out.total_pagar = out.valor_operaciones - out.comision - out.iva_percibido - out.iva_comision
    if out.total_pagar <= 0:
        raise ArithmeticError_("la comisión y la percepción no pueden superar el valor de las operaciones")
    out.monto_total_operacion = out.valor_operaciones
    return out


# CAT-026: what is donated.
DONATION_CASH, DONATION_GOODS, DONATION_SERVICE = 1, 2, 3
DONATION_TYPES = (DONATION_CASH, DONATION_GOODS, DONATION_SERVICE)


def _compute_donation(doc):
    """Comprobante de Donación (sv-tax-facts-2.md §6; fe-cd-v1/v2): per line valor = valorUni ×
    cantidad − depreciación, 8 decimals; cash and services carry no depreciation (and uniMedida
    99, the builder's); valorTotal = Σ valor, 2 decimals. No IVA: a donation is not a sale."""
    out = Totals()
    for n, line in enumerate(doc.lines, start=1):
        if line.donation_type not in DONATION_TYPES:
            raise ArithmeticError_(f"línea {n}: indique el tipo de donación (efectivo, bien o servicio)")
        quantity, price, depreciation = D(line.quantity), D(line.unit_price), D(line.depreciation)
        if quantity <= 0:
            raise ArithmeticError_(f"línea {n}: la cantidad debe ser mayor que cero")
        if price < 0 or depreciation < 0:
            raise ArithmeticError_(f"línea {n}: el valor y la depreciación no pueden ser negativos")
        if depreciation and line.donation_type != DONATION_GOODS:
            raise ArithmeticError_(f"línea {n}: solo un bien donado lleva depreciación")
        gross = quantity * price
        if depreciation > gross:
            raise ArithmeticError_(f"línea {n}: la depreciación es mayor que el valor del bien")
        out.lines.append(LineOut(valor=q8(gross - depreciation)))
    out.valor_total = q2(sum((lo.valor for lo in out.lines), ZERO))
    out.monto_total_operacion = out.total_pagar = out.valor_total
    return out
