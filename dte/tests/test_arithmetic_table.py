"""Table-driven checks of the DTE tax arithmetic (facts §2.4–2.5) and of ``totalLetras``.

Every expected amount below is a literal worked out by hand, with the arithmetic in a comment.
Nothing in this file calls project code to produce an expectation.

Notation in the comments: "q2" = round half-up to 2 decimals (resumen), "q8" = round half-up to
8 decimals (items). Factura (01) prices include IVA, so IVA inside an amount X is X × 13/113 and
the amount net of IVA is X ÷ 1.13. CCF/NC/ND/NR are net: IVA = 13 % of (totalGravada − descuGravada).
"""

from decimal import Decimal

import pytest

from dte.amounts import amount_in_words
from dte.arithmetic import ArithmeticError_, DocIn, LineIn, compute

Z = Decimal("0")

# CAT-015 names as in /work/shared/spec/catalogs/cat-015-tributos.csv
CAT015 = {
    "20": "Impuesto al Valor Agregado 13%",
    "59": "Turismo: por alojamiento (5%)",
    "71": "Turismo: salida del país por vía aérea $7.00",
    "D1": "FOVIAL ($0.20 Ctvs. por galón)",
    "C8": "COTRANS ($0.10 Ctvs. por galón)",
}


# --- building inputs -------------------------------------------------------------------------


def item(qty, price, **kw):
    """A line: quantity and unit price as strings, the rest passed to LineIn as is."""
    for key in ("discount", "no_gravado", "retention_base", "retention_amount"):
        if isinstance(kw.get(key), str):
            kw[key] = Decimal(kw[key])
    return LineIn(quantity=Decimal(qty), unit_price=Decimal(price), **kw)


def charge(amount):
    """A noGravado line: quantity 1, price 0, all sale columns 0, the amount in noGravado (§2.4)."""
    return item("1", "0", no_gravado=amount)


def withheld(code, base, amount=None):
    """A Comprobante de Retención line: the withheld document's taxable amount and CAT-006 code."""
    return item("1", "0", retention_code=code, retention_base=base, retention_amount=amount)


def doc(tipo, lines, **kw):
    for key in ("discount_no_suj", "discount_exenta", "discount_gravada", "discount", "insurance", "freight"):
        if isinstance(kw.get(key), str):
            kw[key] = Decimal(kw[key])
    return DocIn(tipo_dte=tipo, lines=lines, **kw)


# --- building expectations -------------------------------------------------------------------

SALE_FIELDS = (
    "total_no_suj", "total_exenta", "total_gravada", "sub_total_ventas", "descu_no_suj", "descu_exenta",
    "descu_gravada", "porcentaje_descuento", "total_descu", "sub_total", "iva_perci1", "iva_rete1", "rete_renta",
    "monto_total_operacion", "total_no_gravado", "total_pagar", "total_iva",
)
FEX_FIELDS = ("total_gravada", "descuento", "porcentaje_descuento", "total_descu", "seguro", "flete",
              "monto_total_operacion", "total_no_gravado", "total_pagar")
FSE_FIELDS = ("total_compra", "descuento", "total_descu", "sub_total", "iva_rete1", "rete_renta", "total_pagar")
CR_FIELDS = ("total_sujeto_retencion", "total_iva_retenido")


def _resumen(fields, required, given):
    unknown = set(given) - set(fields)
    assert not unknown, unknown
    missing = set(required) - set(given)
    assert not missing, missing
    # Every field of the document's resumen is asserted; those not given must be zero.
    resumen = {name: given.get(name, Z) for name in fields}
    return {name: value for name, value in resumen.items() if value is not None}  # None: not in this schema


def sale(*, tributos, lines, **given):
    """FE/CCF/NR/NC/ND: resumen fields (unlisted ones must be 0; total_pagar=None when the type has none)."""
    required = ("total_gravada", "sub_total_ventas", "sub_total", "monto_total_operacion", "total_pagar")
    return {"resumen": _resumen(SALE_FIELDS, required, given), "tributos": tributos, "lines": lines}


def export(*, lines, **given):
    required = ("total_gravada", "monto_total_operacion", "total_pagar")
    return {"resumen": _resumen(FEX_FIELDS, required, given), "tributos": {}, "lines": lines}


def excluded(*, lines, **given):
    required = ("total_compra", "sub_total", "total_pagar")
    return {"resumen": _resumen(FSE_FIELDS, required, given), "tributos": {}, "lines": lines}


def retention(*, lines, **given):
    return {"resumen": _resumen(CR_FIELDS, CR_FIELDS, given), "tributos": {}, "lines": lines}


def ln(gravada=Z, exenta=Z, no_suj=Z, iva_item=Z, no_gravado=Z, tributos=None, discount=None):
    """Expected sale line (FE/CCF/NR/NC/ND/FEX); ``discount`` (montoDescu as written) when given."""
    out = {"gravada": gravada, "exenta": exenta, "no_suj": no_suj, "iva_item": iva_item, "no_gravado": no_gravado,
           "tributos": tributos}
    if discount is not None:
        out["discount"] = discount
    return out


# --- the table -------------------------------------------------------------------------------

CASES = [
    # ============================ 01 Factura (IVA inside the price) ============================
    pytest.param(
        doc("01", [item("2", "11.30")]),
        sale(
            # 2 × 11.30 = 22.60; IVA inside = 22.60 × 13/113 = 293.80/113 = 2.60 exactly
            total_gravada=Decimal("22.60"), sub_total_ventas=Decimal("22.60"), sub_total=Decimal("22.60"),
            total_iva=Decimal("2.60"),
            monto_total_operacion=Decimal("22.60"),  # subTotal + no non-IVA tributos; IVA is never a FE tributo
            total_pagar=Decimal("22.60"),
            tributos={},
            lines=[ln(gravada=Decimal("22.60000000"), iva_item=Decimal("2.60000000"))],
        ),
        id="01-basic-iva-inclusive",
    ),
    pytest.param(
        doc("01", [item("1", "10.00"), item("3", "5.65", discount="1.70")]),
        sale(
            # line 1: 10.00; ivaItem 10 × 13/113 = 130/113 = 1.150442477876… → q8 1.15044248
            # line 2: 3 × 5.65 = 16.95 − 1.70 = 15.25; ivaItem 198.25/113 = 1.754424778761… → q8 1.75442478
            total_gravada=Decimal("25.25"),  # 10.00 + 15.25
            sub_total_ventas=Decimal("25.25"),
            total_descu=Decimal("1.70"),  # line discount only; no global discount → porcentaje 0
            sub_total=Decimal("25.25"),
            total_iva=Decimal("2.90"),  # 25.25 × 13/113 = 328.25/113 = 2.904867… → 2.90 (Σ ivaItem 2.90486726 → 2.90)
            monto_total_operacion=Decimal("25.25"),
            total_pagar=Decimal("25.25"),
            tributos={},
            lines=[ln(gravada=Decimal("10.00"), iva_item=Decimal("1.15044248")),
                   ln(gravada=Decimal("15.25"), iva_item=Decimal("1.75442478"))],
        ),
        id="01-ivaitem-8-decimals-and-line-discount",
    ),
    pytest.param(
        doc("01", [item("1", "56.50"), item("2", "10.00", treatment="exento"), item("1", "5.00", treatment="no_sujeto")]),
        sale(
            total_no_suj=Decimal("5.00"),  # 1 × 5.00
            total_exenta=Decimal("20.00"),  # 2 × 10.00
            total_gravada=Decimal("56.50"),  # 1 × 56.50
            sub_total_ventas=Decimal("81.50"),  # 5.00 + 20.00 + 56.50
            sub_total=Decimal("81.50"),
            total_iva=Decimal("6.50"),  # only the taxable column: 56.50 × 13/113 = 734.50/113 = 6.50
            monto_total_operacion=Decimal("81.50"),
            total_pagar=Decimal("81.50"),
            tributos={},
            lines=[ln(gravada=Decimal("56.50"), iva_item=Decimal("6.50")),
                   ln(exenta=Decimal("20.00")),  # exempt: ivaItem 0, tributos null
                   ln(no_suj=Decimal("5.00"))],
        ),
        id="01-exempt-and-non-subject-lines",
    ),
    pytest.param(
        doc("01", [item("1", "113.00"), item("1", "50.00", treatment="exento"), item("1", "20.00", treatment="no_sujeto")],
            discount_gravada="11.30", discount_exenta="5.00", discount_no_suj="2.00"),
        sale(
            # The Factura's global discount on the taxable column is carried on the taxable line (its only
            # one takes all of it): montoDescu 11.30, ventaGravada 113.00 − 11.30 = 101.70. This case used
            # to expect ivaItem 13.00 beside totalIva 11.70 — the contradiction of issue 15.
            total_no_suj=Decimal("20.00"), total_exenta=Decimal("50.00"), total_gravada=Decimal("101.70"),
            sub_total_ventas=Decimal("171.70"),  # 20 + 50 + 101.70
            descu_no_suj=Decimal("2.00"), descu_exenta=Decimal("5.00"),  # descuGravada 0: it is in the line
            porcentaje_descuento=Decimal("4.08"),  # (2.00 + 5.00) × 100 / 171.70 = 700/171.70 = 4.0768… → 4.08
            total_descu=Decimal("18.30"),  # 11.30 on the line + 2.00 + 5.00
            sub_total=Decimal("164.70"),  # 171.70 − 7.00
            # Σ ivaItem = 101.70 × 13/113 = 1322.10/113 = 11.70, and (101.70 − 0) × 13/113 = 11.70 too
            total_iva=Decimal("11.70"),
            monto_total_operacion=Decimal("164.70"),
            total_pagar=Decimal("164.70"),
            tributos={},
            lines=[ln(gravada=Decimal("101.70"), iva_item=Decimal("11.70"), discount=Decimal("11.30")),
                   ln(exenta=Decimal("50.00"), discount=Z), ln(no_suj=Decimal("20.00"), discount=Z)],
        ),
        id="01-global-discount-per-column",
    ),
    pytest.param(
        doc("01", [item("2", "11.30"), charge("5.00"), charge("-2.50")]),
        sale(
            total_gravada=Decimal("22.60"), sub_total_ventas=Decimal("22.60"), sub_total=Decimal("22.60"),
            total_iva=Decimal("2.60"),  # 22.60 × 13/113; the charges are outside the tax base
            monto_total_operacion=Decimal("22.60"),
            total_no_gravado=Decimal("2.50"),  # 5.00 − 2.50
            total_pagar=Decimal("25.10"),  # 22.60 − 0 − 0 + 2.50
            tributos={},
            lines=[ln(gravada=Decimal("22.60"), iva_item=Decimal("2.60")), ln(no_gravado=Decimal("5.00")),
                   ln(no_gravado=Decimal("-2.50"))],
        ),
        id="01-nogravado-positive-and-negative",
    ),
    pytest.param(
        doc("01", [item("2", "56.50", special_taxes=("59",)), item("3", "11.30", special_taxes=("71",))]),
        sale(
            # hotel 2 × 56.50 = 113.00, IVA 13.00, net 100.00 → turismo 59: 5 % × 100.00 = 5.00
            # flights 3 × 11.30 = 33.90, IVA 3.90 → 71: 3 × $7.00 = 21.00
            total_gravada=Decimal("146.90"), sub_total_ventas=Decimal("146.90"), sub_total=Decimal("146.90"),
            total_iva=Decimal("16.90"),  # 146.90 × 13/113 = 1909.70/113 = 16.90
            monto_total_operacion=Decimal("172.90"),  # 146.90 + 5.00 + 21.00
            total_pagar=Decimal("172.90"),
            tributos={"59": Decimal("5.00"), "71": Decimal("21.00")},  # never "20" on a Factura
            lines=[ln(gravada=Decimal("113.00"), iva_item=Decimal("13.00"), tributos=["59"]),
                   ln(gravada=Decimal("33.90"), iva_item=Decimal("3.90"), tributos=["71"])],
        ),
        id="01-special-taxes-turismo-59-and-71",
    ),
    pytest.param(
        doc("01", [item("10.5", "4.52", special_taxes=("D1", "C8"))]),
        sale(
            total_gravada=Decimal("47.46"),  # 10.5 gal × 4.52 = 47.46
            sub_total_ventas=Decimal("47.46"), sub_total=Decimal("47.46"),
            total_iva=Decimal("5.46"),  # 47.46 × 13/113 = 616.98/113 = 5.46
            monto_total_operacion=Decimal("50.61"),  # 47.46 + 2.10 + 1.05
            total_pagar=Decimal("50.61"),
            tributos={"D1": Decimal("2.10"),  # 10.5 gal × 0.20 = 2.10
                      "C8": Decimal("1.05")},  # 10.5 gal × 0.10 = 1.05
            lines=[ln(gravada=Decimal("47.46"), iva_item=Decimal("5.46"), tributos=["D1", "C8"])],
        ),
        id="01-special-taxes-fovial-cotrans",
    ),
    pytest.param(
        doc("01", [item("1", "113.00")], buyer_size="grande"),
        sale(
            total_gravada=Decimal("113.00"), sub_total_ventas=Decimal("113.00"), sub_total=Decimal("113.00"),
            total_iva=Decimal("13.00"),  # 113 × 13/113
            iva_rete1=Decimal("1.00"),  # base 113.00 ÷ 1.13 = 100.00 ≥ 100 (exactly at threshold) → 1 % = 1.00
            monto_total_operacion=Decimal("113.00"),
            total_pagar=Decimal("112.00"),  # 113.00 − 1.00
            tributos={},
            lines=[ln(gravada=Decimal("113.00"), iva_item=Decimal("13.00"))],
        ),
        id="01-retention-exactly-at-threshold",
    ),
    pytest.param(
        doc("01", [item("1", "112.99")], buyer_size="grande"),
        sale(
            total_gravada=Decimal("112.99"), sub_total_ventas=Decimal("112.99"), sub_total=Decimal("112.99"),
            total_iva=Decimal("13.00"),  # 112.99 × 13/113 = 1468.87/113 = 12.99885 → 13.00
            # 112.99 ÷ 1.13 = 99.99115… < 100 → no retention
            monto_total_operacion=Decimal("112.99"),
            total_pagar=Decimal("112.99"),
            tributos={},
            lines=[ln(gravada=Decimal("112.99"), iva_item=Decimal("12.99884956"))],  # 12.998849557… → q8
        ),
        id="01-retention-just-below-threshold",
    ),
    pytest.param(
        doc("01", [item("1", "170.06")], buyer_size="grande"),
        sale(
            total_gravada=Decimal("170.06"), sub_total_ventas=Decimal("170.06"), sub_total=Decimal("170.06"),
            total_iva=Decimal("19.56"),  # 170.06 × 13/113 = 2210.78/113 = 19.564424… → 19.56
            # retention base = IVA-inclusive total ÷ 1.13 = 170.06 / 1.13 = 150.495575…;
            # 1 % = 1.50495575… → q2 1.50. (Rounding the base to 150.50 first and then 1 % = 1.505 → 1.51
            # would be a double rounding.)
            iva_rete1=Decimal("1.50"),
            monto_total_operacion=Decimal("170.06"),
            total_pagar=Decimal("168.56"),  # 170.06 − 1.50
            tributos={},
            lines=[ln(gravada=Decimal("170.06"), iva_item=Decimal("19.56442478"))],  # 19.564424778… → q8
        ),
        id="01-retention-base-is-total-div-1.13-no-double-rounding",
    ),
    pytest.param(
        doc("01", [item("2", "113.00")], discount_gravada="11.30", buyer_size="grande"),
        sale(
            # the global 11.30 goes into the line: 2 × 113.00 − 11.30 = 214.70 (this case used to expect
            # ivaItem 26.00 beside totalIva 24.70)
            total_gravada=Decimal("214.70"),
            sub_total_ventas=Decimal("214.70"),
            total_descu=Decimal("11.30"),  # on the line; no global discount left → porcentaje 0
            sub_total=Decimal("214.70"),
            total_iva=Decimal("24.70"),  # 214.70 × 13/113 = 2791.10/113 = 24.70 = Σ ivaItem
            iva_rete1=Decimal("1.90"),  # 214.70 ÷ 1.13 = 190.00 → 1 % = 1.90
            monto_total_operacion=Decimal("214.70"),
            total_pagar=Decimal("212.80"),  # 214.70 − 1.90
            tributos={},
            lines=[ln(gravada=Decimal("214.70"), iva_item=Decimal("24.70"), discount=Decimal("11.30"))],
        ),
        id="01-retention-after-global-discount",
    ),
    pytest.param(
        doc("01", [item("1", "1130.00")], company_size="grande", buyer_size="otro"),
        sale(
            total_gravada=Decimal("1130.00"), sub_total_ventas=Decimal("1130.00"), sub_total=Decimal("1130.00"),
            total_iva=Decimal("130.00"),  # 1130 × 13/113
            # a Factura has no ivaPerci1 (only CCF/NC/ND), and the buyer is not grande → no retention
            monto_total_operacion=Decimal("1130.00"),
            total_pagar=Decimal("1130.00"),
            tributos={},
            lines=[ln(gravada=Decimal("1130.00"), iva_item=Decimal("130.00"))],
        ),
        id="01-no-perception-on-factura",
    ),
    pytest.param(
        doc("01", [item("1", "500.00", treatment="exento")], buyer_size="grande"),
        sale(
            total_exenta=Decimal("500.00"), total_gravada=Z, sub_total_ventas=Decimal("500.00"),
            sub_total=Decimal("500.00"),
            # totalGravada = 0 → ivaRete1 = 0 (schema rule), totalIva 0
            monto_total_operacion=Decimal("500.00"),
            total_pagar=Decimal("500.00"),
            tributos={},
            lines=[ln(exenta=Decimal("500.00"))],
        ),
        id="01-no-retention-when-gravada-zero",
    ),
    pytest.param(
        doc("01", [item("0.5", "2.00000001")]),
        sale(
            # 0.5 × 2.00000001 = 1.000000005 → q8 half-up 1.00000001 (half-even would give 1.00000000)
            total_gravada=Decimal("1.00"),  # q2(1.00000001)
            sub_total_ventas=Decimal("1.00"), sub_total=Decimal("1.00"),
            total_iva=Decimal("0.12"),  # 1.00 × 13/113 = 0.115044… → 0.12
            monto_total_operacion=Decimal("1.00"),
            total_pagar=Decimal("1.00"),
            tributos={},
            # ivaItem = 1.00000001 × 13/113 = 13.00000013/113 = 0.1150442489380… → q8 0.11504425
            lines=[ln(gravada=Decimal("1.00000001"), iva_item=Decimal("0.11504425"))],
        ),
        id="01-half-up-9th-decimal-of-line",
    ),
    pytest.param(
        doc("01", [item("3", "0.335")]),
        sale(
            # 3 × 0.335 = 1.005 → totalGravada q2 half-up 1.01 (half-even would give 1.00)
            total_gravada=Decimal("1.01"), sub_total_ventas=Decimal("1.01"), sub_total=Decimal("1.01"),
            total_iva=Decimal("0.12"),  # 1.01 × 13/113 = 13.13/113 = 0.116194… → 0.12
            monto_total_operacion=Decimal("1.01"),
            total_pagar=Decimal("1.01"),
            tributos={},
            # ivaItem = 1.005 × 13/113 = 13.065/113 = 0.1156194690… → q8 0.11561947
            lines=[ln(gravada=Decimal("1.005"), iva_item=Decimal("0.11561947"))],
        ),
        id="01-half-up-3rd-decimal-total",
    ),
    # ============================ 03 Comprobante de Crédito Fiscal ============================
    pytest.param(
        doc("03", [item("1", "2000.00")]),
        sale(
            total_gravada=Decimal("2000.00"), sub_total_ventas=Decimal("2000.00"), sub_total=Decimal("2000.00"),
            monto_total_operacion=Decimal("2260.00"),  # MH's example: 2000 + 13 % × 2000 = 2000 + 260
            total_pagar=Decimal("2260.00"),
            tributos={"20": Decimal("260.00")},
            lines=[ln(gravada=Decimal("2000.00"), tributos=["20"])],  # CCF: no ivaItem
        ),
        id="03-mh-example-2000-260-2260",
    ),
    pytest.param(
        doc("03", [item("1", "1.05"), item("1", "1.05"), item("1", "1.05")]),
        sale(
            total_gravada=Decimal("3.15"),  # 3 × 1.05
            sub_total_ventas=Decimal("3.15"), sub_total=Decimal("3.15"),
            # once on the total: 3.15 × 0.13 = 0.4095 → 0.41 (per line would be 3 × q2(0.1365) = 3 × 0.14 = 0.42)
            monto_total_operacion=Decimal("3.56"),  # 3.15 + 0.41
            total_pagar=Decimal("3.56"),
            tributos={"20": Decimal("0.41")},
            lines=[ln(gravada=Decimal("1.05"), tributos=["20"])] * 3,
        ),
        id="03-iva-computed-once-on-total",
    ),
    pytest.param(
        doc("03", [item("4", "25.00", discount="10.00"), item("1", "40.00", treatment="exento"),
                   item("2", "7.50", treatment="no_sujeto")]),
        sale(
            total_no_suj=Decimal("15.00"),  # 2 × 7.50
            total_exenta=Decimal("40.00"),  # 1 × 40.00
            total_gravada=Decimal("90.00"),  # 4 × 25.00 − 10.00
            sub_total_ventas=Decimal("145.00"),  # 15 + 40 + 90
            total_descu=Decimal("10.00"),  # the line discount
            sub_total=Decimal("145.00"),
            monto_total_operacion=Decimal("156.70"),  # 145.00 + 11.70
            total_pagar=Decimal("156.70"),
            tributos={"20": Decimal("11.70")},  # 13 % × 90.00 (gravada only)
            lines=[ln(gravada=Decimal("90.00"), tributos=["20"]), ln(exenta=Decimal("40.00")),
                   ln(no_suj=Decimal("15.00"))],
        ),
        id="03-exempt-non-subject-and-line-discount",
    ),
    pytest.param(
        doc("03", [item("1", "200.00"), item("1", "50.00", treatment="exento"), item("1", "30.00", treatment="no_sujeto")],
            discount_gravada="20.00", discount_exenta="5.00", discount_no_suj="3.00"),
        sale(
            total_no_suj=Decimal("30.00"), total_exenta=Decimal("50.00"), total_gravada=Decimal("200.00"),
            sub_total_ventas=Decimal("280.00"),  # 30 + 50 + 200
            descu_no_suj=Decimal("3.00"), descu_exenta=Decimal("5.00"), descu_gravada=Decimal("20.00"),
            porcentaje_descuento=Decimal("10.00"),  # 28.00 × 100 / 280.00
            total_descu=Decimal("28.00"),  # 3 + 5 + 20
            sub_total=Decimal("252.00"),  # 280 − 28
            monto_total_operacion=Decimal("275.40"),  # 252.00 + 23.40
            total_pagar=Decimal("275.40"),
            tributos={"20": Decimal("23.40")},  # 13 % × (200.00 − 20.00) = 13 % × 180.00
            lines=[ln(gravada=Decimal("200.00"), tributos=["20"]), ln(exenta=Decimal("50.00")),
                   ln(no_suj=Decimal("30.00"))],
        ),
        id="03-global-discount-per-column",
    ),
    pytest.param(
        doc("03", [item("3", "100.00")], discount_gravada="10.00"),
        sale(
            total_gravada=Decimal("300.00"), sub_total_ventas=Decimal("300.00"),
            descu_gravada=Decimal("10.00"),
            porcentaje_descuento=Decimal("3.33"),  # 10 × 100 / 300 = 3.333… → 3.33
            total_descu=Decimal("10.00"),
            sub_total=Decimal("290.00"),
            monto_total_operacion=Decimal("327.70"),  # 290.00 + 37.70
            total_pagar=Decimal("327.70"),
            tributos={"20": Decimal("37.70")},  # 13 % × 290.00
            lines=[ln(gravada=Decimal("300.00"), tributos=["20"])],
        ),
        id="03-porcentaje-descuento-rounds-down",
    ),
    pytest.param(
        doc("03", [item("1", "200.00")], discount_gravada="0.01"),
        sale(
            total_gravada=Decimal("200.00"), sub_total_ventas=Decimal("200.00"),
            descu_gravada=Decimal("0.01"),
            porcentaje_descuento=Decimal("0.01"),  # 0.01 × 100 / 200 = 0.005 → half-up 0.01
            total_descu=Decimal("0.01"),
            sub_total=Decimal("199.99"),
            monto_total_operacion=Decimal("225.99"),  # 199.99 + 26.00
            total_pagar=Decimal("225.99"),
            tributos={"20": Decimal("26.00")},  # 13 % × 199.99 = 25.9987 → 26.00
            lines=[ln(gravada=Decimal("200.00"), tributos=["20"])],
        ),
        id="03-porcentaje-descuento-half-up-0.005",
    ),
    pytest.param(
        doc("03", [item("1", "100.00"), charge("-10.00")]),
        sale(
            total_gravada=Decimal("100.00"), sub_total_ventas=Decimal("100.00"), sub_total=Decimal("100.00"),
            monto_total_operacion=Decimal("113.00"),  # 100 + 13
            total_no_gravado=Decimal("-10.00"),
            total_pagar=Decimal("103.00"),  # 113.00 + 0 − 0 − 0 + (−10.00)
            tributos={"20": Decimal("13.00")},  # IVA untouched by the credit outside the base
            lines=[ln(gravada=Decimal("100.00"), tributos=["20"]), ln(no_gravado=Decimal("-10.00"))],
        ),
        id="03-negative-nogravado",
    ),
    pytest.param(
        doc("03", [item("1", "80.00", special_taxes=("59",)), item("2", "50.00", special_taxes=("71",)),
                   item("12.125", "3.20", special_taxes=("D1", "C8"))]),
        sale(
            total_gravada=Decimal("218.80"),  # 80.00 + 2 × 50.00 + 12.125 × 3.20 (= 38.80)
            sub_total_ventas=Decimal("218.80"), sub_total=Decimal("218.80"),
            monto_total_operacion=Decimal("268.88"),  # 218.80 + (28.44 + 4.00 + 14.00 + 2.43 + 1.21 = 50.08)
            total_pagar=Decimal("268.88"),
            tributos={
                "20": Decimal("28.44"),  # 13 % × 218.80 = 28.444 → 28.44 (special taxes are not in the IVA base)
                "59": Decimal("4.00"),  # 5 % × 80.00
                "71": Decimal("14.00"),  # 2 × $7.00
                "D1": Decimal("2.43"),  # 12.125 gal × 0.20 = 2.425 → half-up 2.43
                "C8": Decimal("1.21"),  # 12.125 gal × 0.10 = 1.2125 → 1.21
            },
            lines=[ln(gravada=Decimal("80.00"), tributos=["20", "59"]),
                   ln(gravada=Decimal("100.00"), tributos=["20", "71"]),
                   ln(gravada=Decimal("38.80"), tributos=["20", "D1", "C8"])],
        ),
        id="03-special-taxes-59-71-D1-C8",
    ),
    pytest.param(
        doc("03", [item("2", "100.00", special_taxes=("59",)), item("10", "10.00", special_taxes=("D1",))],
            discount_gravada="30.00"),
        sale(
            total_gravada=Decimal("300.00"),  # 200.00 + 100.00
            sub_total_ventas=Decimal("300.00"),
            descu_gravada=Decimal("30.00"),
            porcentaje_descuento=Decimal("10.00"),  # 30 × 100 / 300
            total_descu=Decimal("30.00"),
            sub_total=Decimal("270.00"),
            monto_total_operacion=Decimal("316.10"),  # 270.00 + 35.10 + 9.00 + 2.00
            total_pagar=Decimal("316.10"),
            tributos={
                "20": Decimal("35.10"),  # 13 % × (300 − 30)
                "59": Decimal("9.00"),  # 5 % × 200.00 = 10.00, lowered by the discount share 270/300 → 9.00
                "D1": Decimal("2.00"),  # per gallon, not a percentage: 10 × 0.20
            },
            lines=[ln(gravada=Decimal("200.00"), tributos=["20", "59"]), ln(gravada=Decimal("100.00"), tributos=["20", "D1"])],
        ),
        id="03-special-taxes-with-global-discount",
    ),
    pytest.param(
        doc("03", [item("1", "100.00")], buyer_size="grande", company_size="mediano"),
        sale(
            total_gravada=Decimal("100.00"), sub_total_ventas=Decimal("100.00"), sub_total=Decimal("100.00"),
            iva_rete1=Decimal("1.00"),  # base 100.00 ≥ 100 (exactly at threshold) → 1 %
            monto_total_operacion=Decimal("113.00"),  # 100 + 13
            total_pagar=Decimal("112.00"),  # 113.00 − 1.00
            tributos={"20": Decimal("13.00")},
            lines=[ln(gravada=Decimal("100.00"), tributos=["20"])],
        ),
        id="03-retention-exactly-at-threshold",
    ),
    pytest.param(
        doc("03", [item("1", "99.99")], buyer_size="grande"),
        sale(
            total_gravada=Decimal("99.99"), sub_total_ventas=Decimal("99.99"), sub_total=Decimal("99.99"),
            # 99.99 < 100 → no retention
            monto_total_operacion=Decimal("112.99"),  # 99.99 + 13.00
            total_pagar=Decimal("112.99"),
            tributos={"20": Decimal("13.00")},  # 13 % × 99.99 = 12.9987 → 13.00
            lines=[ln(gravada=Decimal("99.99"), tributos=["20"])],
        ),
        id="03-retention-just-below-threshold",
    ),
    pytest.param(
        doc("03", [item("1", "120.00")], discount_gravada="20.01", buyer_size="grande"),
        sale(
            total_gravada=Decimal("120.00"), sub_total_ventas=Decimal("120.00"),
            descu_gravada=Decimal("20.01"),
            porcentaje_descuento=Decimal("16.68"),  # 20.01 × 100 / 120 = 16.675 → half-up 16.68
            total_descu=Decimal("20.01"),
            sub_total=Decimal("99.99"),
            # retention base is net of the global discount: 120.00 − 20.01 = 99.99 < 100 → none
            monto_total_operacion=Decimal("112.99"),  # 99.99 + 13.00
            total_pagar=Decimal("112.99"),
            tributos={"20": Decimal("13.00")},  # 13 % × 99.99 = 12.9987 → 13.00
            lines=[ln(gravada=Decimal("120.00"), tributos=["20"])],
        ),
        id="03-no-retention-below-threshold-after-global-discount",
    ),
    pytest.param(
        doc("03", [item("1", "150.50")], company_size="grande", buyer_size="otro"),
        sale(
            total_gravada=Decimal("150.50"), sub_total_ventas=Decimal("150.50"), sub_total=Decimal("150.50"),
            iva_perci1=Decimal("1.51"),  # 1 % × 150.50 = 1.505 → half-up 1.51
            monto_total_operacion=Decimal("170.07"),  # 150.50 + 19.57
            total_pagar=Decimal("171.58"),  # 170.07 + 1.51
            tributos={"20": Decimal("19.57")},  # 13 % × 150.50 = 19.565 → half-up 19.57
            lines=[ln(gravada=Decimal("150.50"), tributos=["20"])],
        ),
        id="03-perception-half-up",
    ),
    pytest.param(
        doc("03", [item("1", "500.00")], company_size="grande", buyer_size="grande"),
        sale(
            total_gravada=Decimal("500.00"), sub_total_ventas=Decimal("500.00"), sub_total=Decimal("500.00"),
            # both large taxpayers → neither retention nor perception
            monto_total_operacion=Decimal("565.00"),  # 500 + 65
            total_pagar=Decimal("565.00"),
            tributos={"20": Decimal("65.00")},
            lines=[ln(gravada=Decimal("500.00"), tributos=["20"])],
        ),
        id="03-both-large-no-retention-no-perception",
    ),
    pytest.param(
        doc("03", [item("1", "1000.00", treatment="exento")], buyer_size="grande"),
        sale(
            total_exenta=Decimal("1000.00"), total_gravada=Z, sub_total_ventas=Decimal("1000.00"),
            sub_total=Decimal("1000.00"),
            # totalGravada = 0 → no tributo 20 and ivaRete1 = 0 (schema rule)
            monto_total_operacion=Decimal("1000.00"),
            total_pagar=Decimal("1000.00"),
            tributos={},
            lines=[ln(exenta=Decimal("1000.00"))],
        ),
        id="03-no-retention-when-gravada-zero",
    ),
    pytest.param(
        doc("03", [item("2", "500.00", treatment="no_sujeto")], company_size="grande"),
        sale(
            total_no_suj=Decimal("1000.00"), total_gravada=Z, sub_total_ventas=Decimal("1000.00"),
            sub_total=Decimal("1000.00"),
            # totalGravada = 0 → ivaPerci1 = 0 (schema rule)
            monto_total_operacion=Decimal("1000.00"),
            total_pagar=Decimal("1000.00"),
            tributos={},
            lines=[ln(no_suj=Decimal("1000.00"))],
        ),
        id="03-no-perception-when-gravada-zero",
    ),
    pytest.param(
        doc("03", [item("3", "0.335")]),
        sale(
            total_gravada=Decimal("1.01"),  # 3 × 0.335 = 1.005 → half-up 1.01
            sub_total_ventas=Decimal("1.01"), sub_total=Decimal("1.01"),
            monto_total_operacion=Decimal("1.14"),  # 1.01 + 0.13
            total_pagar=Decimal("1.14"),
            tributos={"20": Decimal("0.13")},  # 13 % × 1.01 = 0.1313 → 0.13
            lines=[ln(gravada=Decimal("1.005"), tributos=["20"])],
        ),
        id="03-half-up-3rd-decimal-total",
    ),
    pytest.param(
        doc("03", [item("1.5", "10.00000003")]),
        sale(
            total_gravada=Decimal("15.00"),  # q2(15.00000005)
            sub_total_ventas=Decimal("15.00"), sub_total=Decimal("15.00"),
            monto_total_operacion=Decimal("16.95"),  # 15.00 + 1.95
            total_pagar=Decimal("16.95"),
            tributos={"20": Decimal("1.95")},  # 13 % × 15.00
            # 1.5 × 10.00000003 = 15.000000045 → q8 half-up 15.00000005 (half-even: 15.00000004)
            lines=[ln(gravada=Decimal("15.00000005"), tributos=["20"])],
        ),
        id="03-half-up-9th-decimal-of-line",
    ),
    pytest.param(
        doc("03", [item("1", "12.50")]),
        sale(
            total_gravada=Decimal("12.50"), sub_total_ventas=Decimal("12.50"), sub_total=Decimal("12.50"),
            monto_total_operacion=Decimal("14.13"),  # 12.50 + 1.63
            total_pagar=Decimal("14.13"),
            tributos={"20": Decimal("1.63")},  # 13 % × 12.50 = 1.625 → half-up 1.63 (half-even: 1.62)
            lines=[ln(gravada=Decimal("12.50"), tributos=["20"])],
        ),
        id="03-iva-half-up",
    ),
    # ============================ 04 Nota de Remisión ============================
    pytest.param(
        doc("04", [item("5", "20.00")], buyer_size="grande"),
        sale(
            total_gravada=Decimal("100.00"),  # 5 × 20.00
            sub_total_ventas=Decimal("100.00"), sub_total=Decimal("100.00"),
            # an NR has no ivaRete1/ivaPerci1 (not in its resumen): both 0 even for a large buyer
            monto_total_operacion=Decimal("113.00"),  # 100 + 13
            total_pagar=None,  # no totalPagar in the NR resumen
            tributos={"20": Decimal("13.00")},
            lines=[ln(gravada=Decimal("100.00"), tributos=["20"])],
        ),
        id="04-nr-iva-tributo-no-retention",
    ),
    pytest.param(
        doc("04", [item("2", "60.00")], discount_gravada="12.00", company_size="grande"),
        sale(
            total_gravada=Decimal("120.00"), sub_total_ventas=Decimal("120.00"),
            descu_gravada=Decimal("12.00"),
            porcentaje_descuento=Decimal("10.00"),  # 12 × 100 / 120
            total_descu=Decimal("12.00"),
            sub_total=Decimal("108.00"),
            monto_total_operacion=Decimal("122.04"),  # 108.00 + 14.04; no perception on an NR
            total_pagar=None,
            tributos={"20": Decimal("14.04")},  # 13 % × 108.00
            lines=[ln(gravada=Decimal("120.00"), tributos=["20"])],
        ),
        id="04-nr-global-discount-no-perception",
    ),
    # ============================ 05 Nota de Crédito ============================
    pytest.param(
        doc("05", [item("3", "40.00", discount="5.00")], company_size="grande", buyer_size="otro"),
        sale(
            total_gravada=Decimal("115.00"),  # 3 × 40.00 − 5.00
            sub_total_ventas=Decimal("115.00"),
            total_descu=Decimal("5.00"),
            sub_total=Decimal("115.00"),
            iva_perci1=Decimal("1.15"),  # 1 % × 115.00
            monto_total_operacion=Decimal("129.95"),  # 115.00 + 14.95
            total_pagar=None,  # no totalPagar in the NC resumen
            tributos={"20": Decimal("14.95")},  # 13 % × 115.00
            lines=[ln(gravada=Decimal("115.00"), tributos=["20"])],
        ),
        id="05-nc-perception",
    ),
    pytest.param(
        doc("05", [item("1", "250.00")], buyer_size="grande"),
        sale(
            total_gravada=Decimal("250.00"), sub_total_ventas=Decimal("250.00"), sub_total=Decimal("250.00"),
            iva_rete1=Decimal("2.50"),  # 1 % × 250.00
            monto_total_operacion=Decimal("282.50"),  # 250 + 32.50
            total_pagar=None,
            tributos={"20": Decimal("32.50")},  # 13 % × 250
            lines=[ln(gravada=Decimal("250.00"), tributos=["20"])],
        ),
        id="05-nc-retention",
    ),
    # ============================ 06 Nota de Débito ============================
    pytest.param(
        doc("06", [item("1", "100.00")], buyer_size="grande"),
        sale(
            total_gravada=Decimal("100.00"), sub_total_ventas=Decimal("100.00"), sub_total=Decimal("100.00"),
            iva_rete1=Decimal("1.00"),  # 1 % × 100.00 (at threshold)
            monto_total_operacion=Decimal("113.00"),
            total_pagar=None,  # no totalPagar in the ND resumen
            tributos={"20": Decimal("13.00")},
            lines=[ln(gravada=Decimal("100.00"), tributos=["20"])],
        ),
        id="06-nd-retention",
    ),
    pytest.param(
        doc("06", [item("1", "300.00"), item("1", "50.00", treatment="exento")], discount_gravada="100.00",
            company_size="grande"),
        sale(
            total_exenta=Decimal("50.00"), total_gravada=Decimal("300.00"),
            sub_total_ventas=Decimal("350.00"),
            descu_gravada=Decimal("100.00"),
            porcentaje_descuento=Decimal("28.57"),  # 100 × 100 / 350 = 28.5714… → 28.57
            total_descu=Decimal("100.00"),
            sub_total=Decimal("250.00"),  # 350 − 100
            iva_perci1=Decimal("2.00"),  # 1 % × (300 − 100)
            monto_total_operacion=Decimal("276.00"),  # 250 + 26
            total_pagar=None,
            tributos={"20": Decimal("26.00")},  # 13 % × 200.00
            lines=[ln(gravada=Decimal("300.00"), tributos=["20"]), ln(exenta=Decimal("50.00"))],
        ),
        id="06-nd-perception-after-global-discount",
    ),
    pytest.param(
        doc("06", [item("1", "99.99")], company_size="grande"),
        sale(
            total_gravada=Decimal("99.99"), sub_total_ventas=Decimal("99.99"), sub_total=Decimal("99.99"),
            # 99.99 < 100 → no perception
            monto_total_operacion=Decimal("112.99"),  # 99.99 + 13.00
            total_pagar=None,
            tributos={"20": Decimal("13.00")},  # 12.9987 → 13.00
            lines=[ln(gravada=Decimal("99.99"), tributos=["20"])],
        ),
        id="06-nd-no-perception-below-threshold",
    ),
    # ============================ 11 Factura de Exportación ============================
    pytest.param(
        doc("11", [item("2", "500.00"), item("1", "250.00", discount="25.00")], discount="61.25", insurance="30.00",
            freight="120.50"),
        export(
            total_gravada=Decimal("1225.00"),  # 2 × 500.00 + (250.00 − 25.00)
            descuento=Decimal("61.25"),
            porcentaje_descuento=Decimal("5.00"),  # 61.25 × 100 / 1225.00 = 5.00
            total_descu=Decimal("86.25"),  # 25.00 line + 61.25 global
            seguro=Decimal("30.00"), flete=Decimal("120.50"),
            monto_total_operacion=Decimal("1314.25"),  # 1225.00 − 61.25 + 30.00 + 120.50
            total_pagar=Decimal("1314.25"),
            lines=[ln(gravada=Decimal("1000.00"), tributos=["C3"]), ln(gravada=Decimal("225.00"), tributos=["C3"])],
        ),
        id="11-fex-c3-seguro-flete-descuento",
    ),
    pytest.param(
        doc("11", [item("1", "800.00"), charge("40.00")]),
        export(
            total_gravada=Decimal("800.00"),
            monto_total_operacion=Decimal("800.00"),
            total_no_gravado=Decimal("40.00"),
            total_pagar=Decimal("840.00"),  # 800.00 + 40.00
            lines=[ln(gravada=Decimal("800.00"), tributos=["C3"]), ln(no_gravado=Decimal("40.00"))],
        ),
        id="11-fex-nogravado",
    ),
    pytest.param(
        doc("11", [item("3", "33.335")], discount="10.00"),
        export(
            total_gravada=Decimal("100.01"),  # 3 × 33.335 = 100.005 → half-up 100.01
            descuento=Decimal("10.00"),
            porcentaje_descuento=Decimal("10.00"),  # 10 × 100 / 100.01 = 9.99900… → 10.00
            total_descu=Decimal("10.00"),
            monto_total_operacion=Decimal("90.01"),  # 100.01 − 10.00
            total_pagar=Decimal("90.01"),
            lines=[ln(gravada=Decimal("100.005"), tributos=["C3"])],
        ),
        id="11-fex-half-up-and-porcentaje",
    ),
    # ============================ 14 Factura de Sujeto Excluido ============================
    pytest.param(
        doc("14", [item("1", "500.00", withhold_income=True), item("2", "50.00")]),
        excluded(
            total_compra=Decimal("600.00"),  # 500.00 + 2 × 50.00
            sub_total=Decimal("600.00"),
            rete_renta=Decimal("50.00"),  # 10 % × 500.00 (only the service line)
            total_pagar=Decimal("550.00"),  # 600.00 − 50.00
            lines=[{"compra": Decimal("500.00")}, {"compra": Decimal("100.00")}],
        ),
        id="14-fse-rete-renta-on-marked-lines",
    ),
    pytest.param(
        doc("14", [item("2", "150.00", withhold_income=True), item("1", "100.00", discount="10.00", withhold_income=True)],
            discount="40.00"),
        excluded(
            total_compra=Decimal("390.00"),  # 2 × 150.00 + (100.00 − 10.00)
            descuento=Decimal("40.00"),
            total_descu=Decimal("50.00"),  # 10.00 line + 40.00 global
            sub_total=Decimal("350.00"),  # 390 − 40
            # every line is a withheld service, so the amount actually paid for them is subTotal:
            # 10 % × 350.00 = 35.00 (not 10 % × 390.00 = 39.00, which ignores the discount)
            rete_renta=Decimal("35.00"),
            total_pagar=Decimal("315.00"),  # 350.00 − 35.00
            lines=[{"compra": Decimal("300.00")}, {"compra": Decimal("90.00")}],
        ),
        id="14-fse-rete-renta-after-global-descu",
    ),
    pytest.param(
        doc("14", [item("3", "33.335")]),
        excluded(
            total_compra=Decimal("100.01"),  # 3 × 33.335 = 100.005 → half-up 100.01
            sub_total=Decimal("100.01"),
            total_pagar=Decimal("100.01"),  # goods: no income-tax withholding
            lines=[{"compra": Decimal("100.005")}],
        ),
        id="14-fse-half-up-no-withholding",
    ),
    pytest.param(
        doc("14", [item("1", "12.25", withhold_income=True)]),
        excluded(
            total_compra=Decimal("12.25"),
            sub_total=Decimal("12.25"),
            rete_renta=Decimal("1.23"),  # 10 % × 12.25 = 1.225 → half-up 1.23
            total_pagar=Decimal("11.02"),  # 12.25 − 1.23
            lines=[{"compra": Decimal("12.25")}],
        ),
        id="14-fse-rete-renta-half-up",
    ),
    # ============================ 07 Comprobante de Retención ============================
    pytest.param(
        doc("07", [withheld("22", "1000.00"), withheld("C4", "200.00"), withheld("C9", "300.00", "4.50")]),
        retention(
            total_sujeto_retencion=Decimal("1500.00"),  # 1000 + 200 + 300
            total_iva_retenido=Decimal("40.50"),  # 10.00 + 26.00 + 4.50
            lines=[{"gravada": Decimal("1000.00"), "iva_retenido": Decimal("10.00")},  # 22: 1 % × 1000
                   {"gravada": Decimal("200.00"), "iva_retenido": Decimal("26.00")},  # C4: 13 % × 200
                   {"gravada": Decimal("300.00"), "iva_retenido": Decimal("4.50")}],  # C9: given by hand
        ),
        id="07-cr-codes-22-C4-C9",
    ),
    pytest.param(
        doc("07", [withheld("22", "150.50"), withheld("22", "150.50")]),
        retention(
            total_sujeto_retencion=Decimal("301.00"),  # 150.50 × 2
            # fe-cr-v1: item ivaRetenido is multipleOf 0.01, so each line is 1 % × 150.50 = 1.505 → 1.51,
            # and the total is the sum of the lines: 1.51 + 1.51 = 3.02
            total_iva_retenido=Decimal("3.02"),
            lines=[{"gravada": Decimal("150.50"), "iva_retenido": Decimal("1.51")},
                   {"gravada": Decimal("150.50"), "iva_retenido": Decimal("1.51")}],
        ),
        id="07-cr-line-retention-to-cents-half-up",
    ),
    pytest.param(
        doc("07", [withheld("C4", "250.00")]),
        retention(
            total_sujeto_retencion=Decimal("250.00"),
            total_iva_retenido=Decimal("32.50"),  # 13 % × 250.00
            lines=[{"gravada": Decimal("250.00"), "iva_retenido": Decimal("32.50")}],
        ),
        id="07-cr-single-C4",
    ),
]

LINE_FIELDS = ("no_suj", "exenta", "gravada", "iva_item", "compra", "no_gravado", "iva_retenido")


def _multiple_of(value, step):
    """The schemas' multipleOf: the value, not its trailing zeros (250.00000000 is a multiple of 0.01)."""
    return value == value.quantize(step)


CENT, ITEM = Decimal("0.01"), Decimal("0.00000001")


@pytest.mark.parametrize(("document", "expected"), CASES)
def test_compute(document, expected):
    totals = compute(document)

    got = {name: getattr(totals, name) for name in expected["resumen"]}
    assert got == expected["resumen"]

    assert {t["codigo"]: t["valor"] for t in totals.tributos} == expected["tributos"]
    for tributo in totals.tributos:
        assert tributo["descripcion"] == CAT015[tributo["codigo"]]

    assert len(totals.lines) == len(expected["lines"])
    for number, (line, want) in enumerate(zip(totals.lines, expected["lines"], strict=True), start=1):
        assert {name: getattr(line, name) for name in want} == want, f"line {number}"

    # Precision the schemas accept: resumen amounts multipleOf 0.01, item amounts multipleOf 1e-8
    # (the Comprobante de Retención's items are multipleOf 0.01 too).
    for name, value in vars(totals).items():
        if isinstance(value, Decimal):
            assert _multiple_of(value, CENT), (name, value)
    for tributo in totals.tributos:
        assert _multiple_of(tributo["valor"], CENT), tributo
    item_step = CENT if document.tipo_dte == "07" else ITEM
    for line in totals.lines:
        for name in LINE_FIELDS:
            assert _multiple_of(getattr(line, name), item_step), (name, getattr(line, name))


def test_the_table_covers_every_type():
    assert len(CASES) >= 36
    types = {case.values[0].tipo_dte for case in CASES}
    assert types == {"01", "03", "04", "05", "06", "07", "11", "14"}


# --- errors ----------------------------------------------------------------------------------

ERRORS = [
    pytest.param(doc("01", [item("0", "11.30")]), "cantidad", id="01-quantity-zero"),
    pytest.param(doc("03", [item("-1", "11.30")]), "cantidad", id="03-quantity-negative"),
    pytest.param(doc("03", [item("2", "5.00", discount="10.01")]), "descuento",  # 2 × 5.00 = 10.00 < 10.01
                 id="03-line-discount-above-line"),
    pytest.param(doc("03", [item("1", "-5.00")]), "negativ", id="03-negative-price"),
    pytest.param(doc("01", [item("1", "5.00", treatment="gratis")]), "tratamiento", id="01-unknown-treatment"),
    pytest.param(doc("03", [item("1", "100.00")], discount_gravada="100.01"), "descuento global",
                 id="03-global-discount-above-gravada"),
    pytest.param(doc("01", [item("1", "100.00")], discount_exenta="1.00"), "descuento global",  # exenta column is 0
                 id="01-global-discount-on-empty-exenta-column"),
    pytest.param(doc("05", [item("1", "10.00", treatment="no_sujeto")], discount_no_suj="10.01"), "descuento global",
                 id="05-global-discount-above-no-suj"),
    pytest.param(doc("11", [item("0", "100.00")]), "cantidad", id="11-fex-quantity-zero"),
    pytest.param(doc("11", [item("1", "100.00")], discount="100.01"), "descuento global", id="11-fex-descuento-above-total"),
    pytest.param(doc("14", [item("0", "100.00")]), "cantidad", id="14-fse-quantity-zero"),
    pytest.param(doc("14", [item("1", "100.00")], discount="100.01"), "descuento global", id="14-fse-descu-above-total"),
    pytest.param(doc("07", [withheld("99", "100.00")]), "código de retención", id="07-cr-unknown-code"),
    pytest.param(doc("07", [withheld("C9", "100.00")]), "C9", id="07-cr-C9-without-amount"),
    pytest.param(doc("07", [withheld("22", "0")]), "al menos 1.00", id="07-cr-zero-base"),
    # fe-cr-v1: montoSujetoGrav minimum 1
    pytest.param(doc("07", [withheld("22", "0.50")]), "al menos 1.00", id="07-cr-base-below-one"),
    # fe-cr-v1: ivaRetenido minimum 0.01 — a negative hand-entered C9 amount cannot be signed
    pytest.param(doc("07", [withheld("C9", "100.00", "-1.00")]), None, id="07-cr-C9-negative-amount"),
]


@pytest.mark.parametrize(("document", "message"), ERRORS)
def test_compute_rejects(document, message):
    with pytest.raises(ArithmeticError_, match=message):
        compute(document)


# --- totalLetras -----------------------------------------------------------------------------

WORDS = [
    pytest.param(Decimal("0"), "CERO DÓLARES", id="0"),
    pytest.param(Decimal("1"), "UN DÓLAR", id="1-singular"),
    pytest.param(Decimal("1.01"), "UN DÓLAR CON 01/100", id="1.01"),
    pytest.param(Decimal("0.99"), "CERO DÓLARES CON 99/100", id="0.99"),
    pytest.param(Decimal("21"), "VEINTIÚN DÓLARES", id="21-apocope"),
    pytest.param(Decimal("21.05"), "VEINTIÚN DÓLARES CON 05/100", id="21.05"),
    pytest.param(Decimal("31"), "TREINTA Y UN DÓLARES", id="31"),
    pytest.param(Decimal("100"), "CIEN DÓLARES", id="100"),
    pytest.param(Decimal("101"), "CIENTO UN DÓLARES", id="101"),
    pytest.param(Decimal("116"), "CIENTO DIECISÉIS DÓLARES", id="116"),
    pytest.param(Decimal("571.45"), "QUINIENTOS SETENTA Y UN DÓLARES CON 45/100", id="571.45"),
    pytest.param(Decimal("1000"), "MIL DÓLARES", id="1000"),
    pytest.param(Decimal("2260"), "DOS MIL DOSCIENTOS SESENTA DÓLARES", id="2260-mh-example"),
    pytest.param(Decimal("21000"), "VEINTIÚN MIL DÓLARES", id="21000"),
    pytest.param(Decimal("100000"), "CIEN MIL DÓLARES", id="100000"),
    pytest.param(Decimal("221221"), "DOSCIENTOS VEINTIÚN MIL DOSCIENTOS VEINTIÚN DÓLARES", id="221221"),
    pytest.param(Decimal("1000000"), "UN MILLÓN DE DÓLARES", id="1000000-de"),
    pytest.param(Decimal("2000000"), "DOS MILLONES DE DÓLARES", id="2000000-de"),
    pytest.param(Decimal("1500000"), "UN MILLÓN QUINIENTOS MIL DÓLARES", id="1500000-no-de"),
    pytest.param(Decimal("1001000.50"), "UN MILLÓN MIL DÓLARES CON 50/100", id="1001000.50"),
    pytest.param(Decimal("21000000"), "VEINTIÚN MILLONES DE DÓLARES", id="21000000"),
    pytest.param(Decimal("1.005"), "UN DÓLAR CON 01/100", id="1.005-half-up-cents"),  # q2(1.005) = 1.01
    pytest.param(Decimal("115.999"), "CIENTO DIECISÉIS DÓLARES", id="115.999-rounds-to-116"),  # q2 = 116.00
]


@pytest.mark.parametrize(("amount", "words"), WORDS)
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words
