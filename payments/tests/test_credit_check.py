"""The credit checks made on every issue (limit, overdue documents) answered by the database for
one client: the same figures as the aging computed document by document in Python, on a history
worked by hand (partial and full payments, an unapplied one, a voided one, credit notes tied to
credit sales, one that leaves a paid document overpaid, a loose one, an invalidated sale), in one
query, and none at all where no check applies."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dte.models import Document
from dte.services.cases import special_cases
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from payments import selectors
from payments.services import payment_record, payment_void
from payments.tests.reference import client_position_python

pytestmark = pytest.mark.django_db
D = Decimal


def _ccf(make_draft, client, amount, *, days_ago=0, condition=2, sealed=False):
    """A CCF of ``amount`` before IVA (the client owes amount × 1.13), term 30 days when on credit,
    its special cases confirmed by the administrator (who needs no approval)."""
    from accounts.models import User
    from dte.services.cases import case_confirm, cases_refresh
    from dte.transitions import transition

    admin = User.objects.get(username="administrador")
    draft = make_draft("03", [line("Servicio", "1", amount)], client=client, condition=condition,
                       payment_term_days=30 if condition == 2 else 0, user=admin)
    for case in cases_refresh(document=draft, acting_user=admin):
        case_confirm(case=case, acting_user=admin)
    doc = document_issue(document=draft, acting_user=admin)
    if sealed:
        transition(doc, "transmitting")
        transition(doc, "sealed", sello_recibido="X" * 40)
    if days_ago:
        Document.objects.filter(pk=doc.pk).update(issue_date=timezone.localdate() - datetime.timedelta(days=days_ago))
    return Document.objects.get(pk=doc.pk)


def _credit_note(make_draft, issuer, client, target, amount):
    related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": target.codigo_generacion,
                "fecha_emision": target.issue_date, "target_id": target.pk}]
    note = make_draft("05", [line("Devolución", "1", amount, related_code=target.codigo_generacion)], client=client,
                      related=related)
    return document_issue(document=note, acting_user=issuer)


@pytest.fixture
def history(make_draft, issuer, parties, users, settings):
    settings.DTE_LARGE_AMOUNT_THRESHOLD = "100000000"
    client = parties["taxpayer"]
    client.credit_limit = D("100000")
    client.save()
    accountant = users["Contador"]
    today = timezone.localdate()
    # Term 30 days. A: 10 days old, current. B: 45 days, 15 late. C: 100 days, 70 late. D: 5 days,
    # paid in full. F: 60 days, 30 late, its payment voided. E: a cash sale. G: invalidated.
    a = _ccf(make_draft, client, "100.00", days_ago=10)  # 113.00
    b = _ccf(make_draft, client, "200.00", days_ago=45)  # 226.00
    c = _ccf(make_draft, client, "300.00", days_ago=100, sealed=True)  # 339.00
    d = _ccf(make_draft, client, "100.00", days_ago=5, sealed=True)  # 113.00
    e = _ccf(make_draft, client, "50.00", condition=1, sealed=True)  # 56.50 paid at the till
    f = _ccf(make_draft, client, "80.00", days_ago=60)  # 90.40
    g = _ccf(make_draft, client, "1000.00", days_ago=200)  # 1,130.00, then invalidated
    Document.objects.filter(pk=g.pk).update(status="invalidated")
    payment_record(client=client, date=today, amount="150.00", method="01", acting_user=accountant,
                   applications=[(b, "100.00")])  # B owes 126.00; 50.00 left unapplied
    payment_record(client=client, date=today, amount="113.00", method="01", acting_user=accountant,
                   applications=[(d, "113.00")])  # D paid
    voided = payment_record(client=client, date=today, amount="90.40", method="01", acting_user=accountant,
                            applications=[(f, "90.40")])
    payment_void(payment=voided, acting_user=accountant, reason="Cheque rechazado")  # F owes 90.40 again
    _credit_note(make_draft, issuer, client, c, "40.00")  # 45.20: C owes 293.80
    _credit_note(make_draft, issuer, client, d, "20.00")  # 22.60 on a paid document: owes nothing, not −22.60
    _credit_note(make_draft, issuer, client, e, "10.00")  # 11.30 on a cash sale: a loose credit
    return {"client": client, "a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g}


def test_the_sql_answer_equals_the_python_one_on_a_hand_built_history(history):
    client = history["client"]
    # Owed: A 113.00 + B 126.00 + C 293.80 + F 90.40 = 623.20; less 50.00 unapplied and 11.30 loose
    # = 561.90. Overdue: B, C and F.
    assert selectors.client_position(client.pk) == (D("561.90"), 3)
    assert client_position_python(client.pk) == (D("561.90"), 3)
    # Leaving C out (as when C itself is being issued): 561.90 − 293.80 = 268.10, two overdue.
    assert selectors.client_position(client.pk, exclude=history["c"].pk) == (D("268.10"), 2)
    assert client_position_python(client.pk, exclude=history["c"].pk) == (D("268.10"), 2)
    # 20 days later A (due in 20) is due today, not yet late; 21 days later it is.
    later = timezone.localdate() + datetime.timedelta(days=20)
    assert selectors.client_position(client.pk, today=later) == client_position_python(client.pk, today=later) \
        == (D("561.90"), 3)
    later = later + datetime.timedelta(days=1)
    assert selectors.client_position(client.pk, today=later) == client_position_python(client.pk, today=later) \
        == (D("561.90"), 4)


def test_a_client_with_no_credit_sales_is_owed_its_unapplied_money(history, parties, users):
    large = parties["large"]
    payment_record(client=large, date=timezone.localdate(), amount="25.00", method="01", acting_user=users["Contador"])
    assert selectors.client_position(large.pk) == client_position_python(large.pk) == (D("-25.00"), 0)
    assert selectors.client_position(parties["consumer"].pk) == (D("0.00"), 0)


def test_the_credit_check_is_one_query_for_one_client(history, django_assert_num_queries):
    # One statement, after turning JIT compilation off for it (SET LOCAL: this transaction only).
    with django_assert_num_queries(2):
        assert selectors.client_position(history["client"].pk) == (D("561.90"), 3)


def test_the_credit_checks_of_an_issue_are_one_query(history, make_draft, django_assert_num_queries):
    """The limit and the overdue documents from one statement (and its SET LOCAL jit)."""
    draft = Document.objects.select_related("client").get(
        pk=make_draft("03", [line("Otro", "1", "10.00")], client=history["client"], condition=2, payment_term_days=30).pk)
    lines = list(draft.lines.all())
    from dte.services.totals import document_totals

    totals = document_totals(draft, lines)
    with django_assert_num_queries(2):
        found = special_cases(draft, lines, totals)
    assert [f.code for f in found] == ["overdue"] and "3 documento(s)" in found[0].detail


def test_a_cash_sale_to_a_client_without_credit_asks_nothing(make_draft, parties, django_assert_num_queries):
    draft = Document.objects.select_related("client").get(
        pk=make_draft("01", [line("Café", "2", "3.50")], client=parties["consumer"]).pk)
    lines = list(draft.lines.all())
    from dte.services.totals import document_totals

    totals = document_totals(draft, lines)
    with django_assert_num_queries(0):
        assert special_cases(draft, lines, totals) == []


def test_payments_mark_what_they_pay_off_and_a_void_clears_it(history):
    from payments.models import Payment

    paid_off = dict(Document.objects.filter(pk__in=[history[k].pk for k in "abcdf"]).values_list("pk", "paid_off"))
    # D was paid in full; B only in part; F's payment was voided; A and C were never paid.
    assert paid_off == {history["a"].pk: False, history["b"].pk: False, history["c"].pk: False, history["d"].pk: True,
                        history["f"].pk: False}
    # 150.00 of which 100.00 applied; 113.00 all applied; the voided one keeps its figure but counts for nothing.
    assert sorted(Payment.objects.values_list("amount", "unapplied")) == [(D("90.40"), D("0.00")), (D("113.00"), D("0.00")),
                                                                          (D("150.00"), D("50.00"))]


def test_the_migration_fills_in_what_payments_recorded_before_it(history):
    """The figures kept on payments and documents, computed again from the payments as the
    migration does for rows recorded before it, give the same answer."""
    import importlib

    from django.db import connection

    from payments.models import Payment

    backfill = importlib.import_module("payments.migrations.0002_payment_unapplied_and_paid_off").BACKFILL
    Payment.objects.update(unapplied=0)
    Document.objects.update(paid_off=False)
    with connection.cursor() as cursor:
        for statement in filter(str.strip, backfill.split(";")):
            cursor.execute(statement)
    assert list(Document.objects.filter(paid_off=True).values_list("pk", flat=True)) == [history["d"].pk]
    assert Payment.objects.get(amount=D("150.00")).unapplied == D("50.00")
    assert selectors.client_position(history["client"].pk) == (D("561.90"), 3)
