"""Issue 15: every document agrees with itself under MH's recomputation (facts §2.5).

A Factura's global discount on the taxable column is carried on its taxable lines (montoDescu,
split by largest remainder in cents), so that Σ ivaItem, totalIva and (totalGravada − descuGravada)
× 13/113 agree; totalIva is Σ ivaItem rounded once to cents. The other types keep their global
discount in the resumen, where MH recomputes their taxes on the total.

Hand-worked cases first (each figure computed in the comment beside it, never by the code under
test), then a loop over generated documents that checks the identities MH recomputes."""

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest

from dte import jsonio
from dte.arithmetic import DocIn, LineIn, compute, prorate
from dte.services.issuing import document_issue
from dte.tests.conftest import line

Z = Decimal("0")


def _d(text):
    return Decimal(text)


def _doc(tipo, lines, **kw):
    return DocIn(tipo_dte=tipo, lines=lines, **{k: _d(v) if isinstance(v, str) else v for k, v in kw.items()})


def _line(qty, price, **kw):
    return LineIn(quantity=_d(qty), unit_price=_d(price), **{k: _d(v) if k == "discount" else v for k, v in kw.items()})


# --- hand-worked cases -----------------------------------------------------------------------


def test_factura_global_discount_goes_into_the_lines_by_largest_remainder():
    totals = compute(_doc("01", [_line("2", "7.35"), _line("1", "3.10")], discount_gravada="1.00"))
    # Lines 2 × 7.35 = 14.70 and 3.10, together 17.80. The 1.00 in proportion:
    #   1.00 × 14.70 / 17.80 = 0.825842… → 0.82 + remainder 0.5842 cent
    #   1.00 × 3.10 / 17.80 = 0.174157… → 0.17 + remainder 0.4157 cent
    # 0.82 + 0.17 = 0.99: the missing cent goes to the larger remainder (line 1) → 0.83 and 0.17.
    assert [lo.discount for lo in totals.lines] == [_d("0.83"), _d("0.17")]
    # ventaGravada 14.70 − 0.83 = 13.87 and 3.10 − 0.17 = 2.93
    assert [lo.gravada for lo in totals.lines] == [_d("13.87"), _d("2.93")]
    # ivaItem 13.87 × 13/113 = 180.31/113 = 1.595663716… → 1.59566372
    #         2.93 × 13/113 = 38.09/113 = 0.337079646… → 0.33707965
    assert [lo.iva_item for lo in totals.lines] == [_d("1.59566372"), _d("0.33707965")]
    # Σ ivaItem = 1.93274337 → 1.93; and (totalGravada 16.80 − 0) × 13/113 = 218.40/113 = 1.9327… → 1.93.
    # (Before: ivaItem on 14.70 and 3.10 summed 2.04778760 → 2.05 against totalIva 1.93.)
    assert totals.total_iva == _d("1.93")
    assert totals.total_gravada == _d("16.80") and totals.descu_gravada == Z
    assert totals.total_descu == _d("1.00") and totals.porcentaje_descuento == Z
    assert totals.sub_total == totals.monto_total_operacion == totals.total_pagar == _d("16.80")


def test_factura_global_discount_split_three_ways_gives_the_odd_cent_to_the_first_line():
    totals = compute(_doc("01", [_line("1", "10.00"), _line("1", "10.00"), _line("1", "10.00")],
                          discount_gravada="10.00"))
    # 10.00 / 3 = 3.333… each: 3.33 × 3 = 9.99; the remainders tie, so the first line takes the cent.
    assert [lo.discount for lo in totals.lines] == [_d("3.34"), _d("3.33"), _d("3.33")]
    # ventaGravada 6.66, 6.67, 6.67; ivaItem 86.58/113 = 0.766194690… → 0.76619469,
    # 86.71/113 = 0.767345132… → 0.76734513 (twice)
    assert [lo.iva_item for lo in totals.lines] == [_d("0.76619469"), _d("0.76734513"), _d("0.76734513")]
    # Σ = 0.76619469 + 2 × 0.76734513 = 2.30088495 → 2.30; 20.00 × 13/113 = 260/113 = 2.3008… → 2.30
    assert totals.total_iva == _d("2.30") and totals.total_gravada == _d("20.00")


def test_factura_global_discount_leaves_exempt_lines_alone():
    totals = compute(_doc("01", [_line("1", "56.50"), _line("1", "20.00", treatment="exento"),
                                 _line("3", "18.83", discount="0.49")], discount_gravada="5.00", discount_exenta="2.00"))
    # taxable lines: 56.50 and 3 × 18.83 − 0.49 = 56.49 − 0.49 = 56.00; together 112.50
    #   5.00 × 56.50 / 112.50 = 2.5111… → 2.51 (remainder 0.11 cent)
    #   5.00 × 56.00 / 112.50 = 2.4888… → 2.48 (remainder 0.89 cent) → takes the missing cent: 2.49
    assert [lo.discount for lo in totals.lines] == [_d("2.51"), Z, _d("2.98")]  # 0.49 own + 2.49 share
    # ventaGravada 56.50 − 2.51 = 53.99; 56.00 − 2.49 = 53.51
    assert [lo.gravada for lo in totals.lines] == [_d("53.99"), Z, _d("53.51")]
    # ivaItem 53.99 × 13/113 = 701.87/113 = 6.211238938… → 6.21123894
    #         53.51 × 13/113 = 695.63/113 = 6.156017699… → 6.15601770
    # Σ = 12.36725664 → 12.37; 107.50 × 13/113 = 1397.50/113 = 12.3672… → 12.37
    assert totals.total_iva == _d("12.37")
    assert totals.total_gravada == _d("107.50") and totals.total_exenta == _d("20.00")
    assert totals.descu_exenta == _d("2.00") and totals.descu_gravada == Z  # the exempt discount stays global
    # porcentaje: 2.00 × 100 / (107.50 + 20.00) = 200/127.50 = 1.5686… → 1.57
    assert totals.porcentaje_descuento == _d("1.57")
    # totalDescu = 2.51 + 2.98 + 2.00 = 7.49 (the rep's 5.00 + 2.00 + 0.49); subTotal 127.50 − 2.00 = 125.50
    assert totals.total_descu == _d("7.49") and totals.sub_total == _d("125.50")


def test_factura_half_cent_line_total_iva_is_the_sum_of_ivaitem():
    totals = compute(_doc("01", [_line("0.5", "3.73")]))
    # 0.5 × 3.73 = 1.865; ivaItem = 1.865 × 13/113 = 24.245/113 = 0.214557522… → 0.21455752
    assert totals.lines[0].iva_item == _d("0.21455752")
    # totalIva = Σ ivaItem → 0.21 (it used to be the IVA inside the rounded total: 1.87 × 13/113 = 0.2151… → 0.22);
    # 0.21 is still within MH's ±0.01 of that second reckoning.
    assert totals.total_iva == _d("0.21")
    assert totals.total_gravada == _d("1.87")  # 1.865 → half-up 1.87


def test_factura_half_cents_and_a_global_discount_together():
    totals = compute(_doc("01", [_line("0.5", "3.73"), _line("1.5", "2.25")], discount_gravada="0.10"))
    # 0.5 × 3.73 = 1.865; 1.5 × 2.25 = 3.375; together 5.24
    #   0.10 × 1.865 / 5.24 = 0.035591… → 3 cents (remainder 0.56)
    #   0.10 × 3.375 / 5.24 = 0.064408… → 6 cents (remainder 0.44); 3 + 6 = 9 → the first line gets 4
    assert [lo.discount for lo in totals.lines] == [_d("0.04"), _d("0.06")]
    # ventaGravada 1.825 and 3.315; ivaItem 23.725/113 = 0.209955752… → 0.20995575,
    # 43.095/113 = 0.381371681… → 0.38137168; Σ = 0.59132743 → 0.59
    assert [lo.iva_item for lo in totals.lines] == [_d("0.20995575"), _d("0.38137168")]
    assert totals.total_iva == _d("0.59")
    # totalGravada 1.825 + 3.315 = 5.14; 5.14 × 13/113 = 66.82/113 = 0.5913… → 0.59 as well
    assert totals.total_gravada == _d("5.14") and totals.total_descu == _d("0.10")


def test_ccf_half_cent_and_global_discount_stay_consistent_on_the_total():
    totals = compute(_doc("03", [_line("0.5", "3.73"), _line("1", "10.00")], discount_gravada="1.00"))
    # totalGravada 1.865 + 10.00 = 11.865 → 11.87; base 11.87 − 1.00 = 10.87; IVA 13 % = 1.4131 → 1.41
    assert totals.total_gravada == _d("11.87") and totals.descu_gravada == _d("1.00")
    assert totals.tributos == [{"codigo": "20", "descripcion": "Impuesto al Valor Agregado 13%", "valor": _d("1.41")}]
    # subTotal 10.87; montoTotalOperacion 10.87 + 1.41 = 12.28
    assert totals.sub_total == _d("10.87") and totals.monto_total_operacion == _d("12.28")


def test_prorate_never_gives_a_line_more_than_it_has():
    # Weights with fractions of a cent that cannot hold whole cents fall back to MH's 1e-8 step.
    assert prorate(_d("0.01"), [_d("0.005"), _d("0.005")]) == [_d("0.005"), _d("0.005")]
    # 2 cents × 1.00/1.01 = 1.98 and × 0.01/1.01 = 0.0198: 1 + 0, the odd cent to the larger remainder
    assert prorate(_d("0.02"), [_d("1.00"), _d("0.01")]) == [_d("0.02"), Z]
    with pytest.raises(ValueError, match="descuento global"):
        prorate(_d("1.01"), [_d("1.00")])


# --- the same through issuing: the signed JSON ----------------------------------------------


@pytest.mark.django_db
def test_issued_factura_with_global_discount_agrees_with_itself(make_draft, issuer):
    draft = make_draft("01", [line("Café", "2", "7.35"), line("Azúcar", "1", "3.10")], discount_gravada=Decimal("1.00"))
    body = jsonio.loads(document_issue(document=draft, acting_user=issuer).payload)
    items, resumen = body["cuerpoDocumento"], body["resumen"]
    # as in the first hand-worked case: shares 0.83 / 0.17, ventaGravada 13.87 / 2.93
    assert [i["montoDescu"] for i in items] == [_d("0.83"), _d("0.17")]
    assert [i["ventaGravada"] for i in items] == [_d("13.87"), _d("2.93")]
    assert [i["ivaItem"] for i in items] == [_d("1.59566372"), _d("0.33707965")]
    assert resumen["totalIva"] == _d("1.93") and resumen["descuGravada"] == 0
    assert resumen["totalDescu"] == _d("1.00") and resumen["totalPagar"] == _d("16.80")


# --- generated documents: the identities MH recomputes ----------------------------------------

CENT, ITEM = Decimal("0.01"), Decimal("0.00000001")
THIRTEEN_113 = Decimal(13) / Decimal(113)


def _c(x):
    return x.quantize(CENT, ROUND_HALF_UP)


def _i(x):
    return x.quantize(ITEM, ROUND_HALF_UP)


def _random_doc(rng, tipo):
    lines = []
    for _ in range(rng.randint(1, 6)):
        qty = Decimal(rng.choice(["1", "2", "3", "0.5", "1.5", "0.25", "7", "10.125"]))
        price = Decimal(rng.randint(1, 50000)) / 100
        gross = qty * price
        discount = _c(gross * Decimal(rng.choice([0, 0, 0, 5, 10, 33])) / 100)
        treatment = rng.choice(["gravado"] * 4 + ["exento", "no_sujeto"]) if tipo in ("01", "03", "05", "06") else "gravado"
        lines.append(LineIn(quantity=qty, unit_price=price, discount=discount, treatment=treatment))
    kw = {}
    columns = {t: sum((_i(x.quantity * x.unit_price) - x.discount for x in lines if x.treatment == t), Z)
               for t in ("gravado", "exento", "no_sujeto")}
    if tipo in ("11", "14"):
        kw["discount"] = _c(columns["gravado"] * Decimal(rng.choice([0, 1, 7, 50, 99])) / 100)
    else:
        for t, key in (("gravado", "discount_gravada"), ("exento", "discount_exenta"), ("no_sujeto", "discount_no_suj")):
            cap = columns[t].quantize(CENT, rounding="ROUND_DOWN")
            kw[key] = _c(cap * Decimal(rng.choice([0, 1, 3, 12, 50, 100])) / 100)
    return DocIn(tipo_dte=tipo, lines=lines, **kw)


@pytest.mark.parametrize("tipo", ["01", "03", "05", "06", "11", "14"])
def test_generated_documents_agree_with_themselves(tipo):
    rng = random.Random(f"issue-15-{tipo}")
    for n in range(400):
        doc = _random_doc(rng, tipo)
        t = compute(doc)
        where = f"{tipo} case {n}: {doc}"
        own = sum((x.discount for x in doc.lines), Z)
        written = sum((lo.discount for lo in t.lines), Z)
        for x, lo in zip(doc.lines, t.lines, strict=True):
            # every line: its sale column = cantidad × precioUni − montoDescu, never negative
            amount = lo.compra if tipo == "14" else lo.gravada + lo.exenta + lo.no_suj
            assert amount == _i(x.quantity * x.unit_price - lo.discount) and amount >= 0, where
            assert lo.discount >= x.discount, where
        if tipo == "14":
            assert t.total_compra == _c(sum((lo.compra for lo in t.lines), Z)), where
            assert t.sub_total == t.total_compra - t.descuento, where
            assert t.total_descu == _c(written + t.descuento) and written == own, where
            assert t.total_pagar == t.sub_total - t.iva_rete1 - t.rete_renta, where
            continue
        assert t.total_gravada == _c(sum((lo.gravada for lo in t.lines), Z)), where
        if tipo == "11":
            assert t.total_descu == _c(written + t.descuento) and written == own, where
            assert t.monto_total_operacion == t.total_gravada - t.descuento + t.seguro + t.flete, where
            continue
        globals_ = t.descu_no_suj + t.descu_exenta + t.descu_gravada
        assert t.total_exenta == _c(sum((lo.exenta for lo in t.lines), Z)), where
        assert t.total_no_suj == _c(sum((lo.no_suj for lo in t.lines), Z)), where
        assert t.sub_total_ventas == t.total_no_suj + t.total_exenta + t.total_gravada, where
        assert t.sub_total == t.sub_total_ventas - globals_, where
        assert t.total_descu == _c(written + globals_), where
        # what the rep asked for is what is discounted, to the cent
        assert written + globals_ == own + doc.discount_no_suj + doc.discount_exenta + doc.discount_gravada, where
        assert t.monto_total_operacion == t.sub_total + sum((x["valor"] for x in t.tributos), Z), where
        if tipo == "01":
            assert t.descu_gravada == Z, where
            for lo in t.lines:
                assert lo.iva_item == _i(lo.gravada * THIRTEEN_113), where
            assert t.total_iva == _c(sum((lo.iva_item for lo in t.lines), Z)), where  # Σ ivaItem, exactly
            assert abs(t.total_iva - _c(t.total_gravada * THIRTEEN_113)) <= CENT, where  # MH's holgura
            assert t.total_pagar == t.monto_total_operacion - t.iva_rete1 - t.rete_renta + t.total_no_gravado, where
        else:
            iva = [x["valor"] for x in t.tributos if x["codigo"] == "20"]
            assert iva == ([_c((t.total_gravada - t.descu_gravada) * Decimal("0.13"))]
                           if t.total_gravada - t.descu_gravada > 0 else []), where


@pytest.mark.parametrize("tipo", ["01", "03", "04", "05", "06", "11", "14"])
def test_generated_documents_pass_the_simulators_recomputation(tipo):
    """The same generated documents, as the JSON the builder writes, through govsim's independent
    recomputation of MH's checks (Σ ivaItem and (totalGravada − descuGravada) × 13/113 for a
    Factura, tributo 20 for CCF/NC/ND, every column and total): nothing may fail to add up."""
    from types import SimpleNamespace

    from dte import builders
    from govsim.arithmetic import totals_errors

    rng = random.Random(f"issue-15-json-{tipo}")
    for n in range(150):
        doc = _random_doc(rng, "01" if tipo == "04" else tipo)
        doc.tipo_dte = tipo
        totals = compute(doc)
        lines = [SimpleNamespace(quantity=x.quantity, unit_price=x.unit_price, code="", unit=59, description=f"L{i}",
                                 item_type=1, tax_code="", related_code="", extra={})
                 for i, x in enumerate(doc.lines)]
        document = SimpleNamespace(tipo_dte=tipo, condition=1, payments=None, payment_term_days=0, observations="",
                                   extra={})
        body = jsonio.loads(jsonio.dumps({"identificacion": {"tipoDte": tipo},
                                          "cuerpoDocumento": builders.items(tipo, lines, totals),
                                          "resumen": builders.resumen(tipo, document, totals)}))
        assert totals_errors(body) == [], f"{tipo} case {n}: {doc}"
