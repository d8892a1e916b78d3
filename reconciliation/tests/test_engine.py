"""The matching engine alone (no database): each rule on figures worked out by hand."""

import datetime

from reconciliation import matching
from reconciliation.matching import Line, Pay


def d(n):
    return datetime.date(2026, 11, n)


def rules(proposals):
    return sorted((p.rule, tuple(p.lines), tuple(p.payments), tuple(p.adjustments)) for p in proposals)


def test_exact_reference_wins_over_amount():
    lines = [Line(1, d(3), 15000, "DEP-1001", "DEPOSITO")]
    pays = [Pay(10, d(3), 15000, "OTRO-1", 1), Pay(11, d(2), 15000, "DEP-1001", 2)]
    (p,) = matching.propose(lines, pays)
    assert (p.rule, p.confidence, p.lines, p.payments) == ("reference", 100, [1], [11])


def test_retention_of_a_large_client_is_booked_as_such():
    # 113.00 IVA included: base 100.00, 1 % withheld = 1.00; the bank shows 112.00 a day later.
    lines = [Line(1, d(4), 11200, "", "TRANSFERENCIA")]
    pays = [Pay(10, d(3), 11300, "", 1)]
    (p,) = matching.propose(lines, pays)
    assert (p.rule, p.payments, p.adjustments) == ("amount_date", [10], [("retention", 100)])
    # Below the US$100 base nothing is withheld: 56.50 against 55.94 is not matched.
    assert matching.propose([Line(1, d(4), 5594)], [Pay(10, d(3), 5650)]) == []


def test_one_line_to_many_payments_and_many_lines_to_one():
    lines = [Line(1, d(5), 30000, "LOTE-77", "DEPOSITO LOTE"),
             Line(2, d(6), 20000, "FAC-9001", "ABONO 1"), Line(3, d(7), 30000, "FAC-9001", "ABONO 2")]
    pays = [Pay(10, d(5), 12000, "LOTE-77", 1), Pay(11, d(5), 18000, "LOTE-77", 2), Pay(12, d(6), 50000, "FAC-9001", 3)]
    assert rules(matching.propose(lines, pays)) == [
        ("reference_many", (1,), (10, 11), ()),  # 120.00 + 180.00 = 300.00
        ("reference_split", (2, 3), (12,), ()),  # 200.00 + 300.00 = 500.00
    ]


def test_client_nit_in_the_text_groups_its_payments():
    lines = [Line(1, d(8), 25000, "", "TRANSF 0614-250786-102-3 PAGO FACTURAS")]
    pays = [Pay(10, d(7), 10000, "", 5, "06142507861023", "ACME"), Pay(11, d(8), 15000, "", 5, "06142507861023", "ACME"),
            Pay(12, d(8), 15000, "", 6, "06140101900018", "OTRO")]
    assert rules(matching.propose(lines, pays)) == [("client_many", (1,), (10, 11), ())]


def test_same_amount_prefers_the_client_named_and_flags_a_tie():
    lines = [Line(1, d(10), 5000, "", "PAGO DE ACME DISTRIBUIDORA")]
    pays = [Pay(10, d(10), 5000, "", 6, "", "OTRO CLIENTE SA"), Pay(11, d(9), 5000, "", 5, "", "ACME DISTRIBUIDORA")]
    (p,) = matching.propose(lines, pays)
    assert (p.payments, p.confidence) == ([11], 85)  # 70 − 5 (a day) + 20 (client named)
    tie = matching.propose([Line(1, d(10), 5000)], [Pay(10, d(10), 5000), Pay(11, d(10), 5000)])
    assert tie[0].confidence == 40  # 70, less 30: two equal candidates


def test_bank_fee_is_an_adjustment_alone():
    (p,) = matching.propose([Line(1, d(30), -350, "", "COMISION MANEJO DE CUENTA")], [])
    assert (p.rule, p.payments, p.adjustments) == ("fee", [], [("fee", 350)])


def test_outside_the_window_nothing():
    assert matching.propose([Line(1, d(20), 5000)], [Pay(10, d(10), 5000)], window_days=3) == []
