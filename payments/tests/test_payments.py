"""Payments against credit documents, with the figures computed by hand: each document's status
(unpaid, partially paid, paid, overdue), the client's balance and aging buckets, credit notes
reducing what is owed, voiding, and who may record them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditEntry
from dte.models import Document
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from payments import selectors
from payments.services import payment_record, payment_void
from payments.tests.reference import aging

pytestmark = pytest.mark.django_db
D = Decimal


def _ccf_on_credit(make_draft, issuer, client, amount, *, days_ago=0, term=30):
    """A CCF on credit for ``amount`` before IVA (the client pays amount × 1.13), its special
    cases (credit, retention…) confirmed as a rep would."""
    from accounts.models import User
    from dte.services.cases import case_confirm, cases_refresh

    admin = User.objects.get(username="administrador")  # confirms every case himself (no approvals)
    draft = make_draft("03", [line("Servicio", "1", amount)], client=client, condition=2, payment_term_days=term,
                       user=admin)
    for case in cases_refresh(document=draft, acting_user=admin):
        case_confirm(case=case, acting_user=admin)
    doc = document_issue(document=draft, acting_user=admin)
    if days_ago:
        Document.objects.filter(pk=doc.pk).update(issue_date=timezone.localdate() - datetime.timedelta(days=days_ago))
    return Document.objects.get(pk=doc.pk)


@pytest.fixture
def accountant(users):
    return users["Contador"]


@pytest.fixture(autouse=True)
def _no_limits(settings, parties):
    settings.DTE_LARGE_AMOUNT_THRESHOLD = "100000000"
    client = parties["taxpayer"]
    client.credit_limit = D("100000")  # the limit is tested on its own below
    client.save()


def _status(doc):
    return selectors.status_of(selectors.credit_documents().get(pk=doc.pk))


def test_partial_full_and_overdue(make_draft, issuer, parties, accountant):
    client = parties["taxpayer"]
    a = _ccf_on_credit(make_draft, issuer, client, "100.00")  # 113.00, due in 30 days
    b = _ccf_on_credit(make_draft, issuer, client, "200.00", days_ago=45)  # 226.00, 15 days late
    assert (a.total_to_pay, b.total_to_pay) == (D("113.00"), D("226.00"))
    assert _status(a).status == "unpaid" and _status(b).status == "overdue" and _status(b).days_late == 15
    payment_record(client=client, date=timezone.localdate(), amount="150.00", method="01", acting_user=accountant,
                   reference="Depósito 881", applications=[(a, "113.00"), (b, "37.00")])
    assert _status(a).status == "paid" and _status(a).outstanding == D("0.00")
    assert _status(b).status == "overdue" and _status(b).outstanding == D("189.00")  # 226 − 37
    payment_record(client=client, date=timezone.localdate(), amount="189.00", method="04", acting_user=accountant,
                   applications=[(b, "189.00")])
    assert _status(b).status == "paid"
    assert selectors.client_position(client.pk) == (D("0.00"), 0)
    entry = AuditEntry.objects.filter(summary__startswith="Pago de $ 150.00").get()
    assert entry.actor == accountant and entry.after["applications"] == {str(a.pk): "113.00", str(b.pk): "37.00"}


def test_partial_payment_not_yet_due(make_draft, issuer, parties, accountant):
    doc = _ccf_on_credit(make_draft, issuer, parties["taxpayer"], "100.00")
    payment_record(client=parties["taxpayer"], date=timezone.localdate(), amount="13.00", method="01",
                   acting_user=accountant, applications=[(doc, "13.00")])
    assert (_status(doc).status, _status(doc).outstanding) == ("partial", D("100.00"))


def test_aging_buckets_balance_and_unapplied_money(make_draft, issuer, parties, accountant):
    client = parties["taxpayer"]
    # Term 30 days: 10 days old → current; 45 → 15 late; 100 → 70 late; 150 → 120 late.
    docs = [_ccf_on_credit(make_draft, issuer, client, amount, days_ago=age)
            for amount, age in (("100.00", 10), ("200.00", 45), ("300.00", 100), ("400.00", 150))]
    payment_record(client=client, date=timezone.localdate(), amount="50.00", method="01", acting_user=accountant)  # unapplied
    row = aging()[client.pk]
    assert row.buckets == {"current": D("113.00"), "1_30": D("226.00"), "31_60": D("0.00"), "61_90": D("339.00"),
                           "90_plus": D("452.00")}
    assert row.outstanding == D("1130.00") and row.unapplied == D("50.00")
    assert row.balance == D("1080.00") and row.overdue_documents == 3
    assert selectors.client_position(client.pk) == (D("1080.00"), 3)
    assert selectors.client_position(client.pk, exclude=docs[3].pk) == (D("628.00"), 2)  # 1080 − 452


def test_a_credit_note_reduces_what_is_owed(make_draft, issuer, parties, accountant):
    from dte.transitions import transition

    client = parties["taxpayer"]
    ccf = _ccf_on_credit(make_draft, issuer, client, "100.00")  # 113.00
    transition(ccf, "transmitting")
    transition(ccf, "sealed", sello_recibido="X" * 40)
    related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": ccf.codigo_generacion,
                "fecha_emision": ccf.issue_date, "target_id": ccf.pk}]
    note = make_draft("05", [line("Devolución", "1", "40.00", related_code=ccf.codigo_generacion)], client=client,
                      related=related)
    document_issue(document=note, acting_user=issuer)  # 40.00 + 13 % = 45.20
    assert _status(ccf).outstanding == D("67.80")  # 113.00 − 45.20
    assert selectors.client_position(client.pk)[0] == D("67.80")
    with pytest.raises(ValidationError, match="solo debe"):
        payment_record(client=client, date=timezone.localdate(), amount="113.00", method="01", acting_user=accountant,
                       applications=[(ccf, "113.00")])


def test_bad_payments_are_refused_whole(make_draft, issuer, parties, accountant, users):
    client = parties["taxpayer"]
    doc = _ccf_on_credit(make_draft, issuer, client, "100.00")
    other = _ccf_on_credit(make_draft, issuer, parties["large"], "100.00")
    with pytest.raises(ValidationError) as refused:
        payment_record(client=client, date=timezone.localdate() + datetime.timedelta(days=1), amount="100.00",
                       method="77", acting_user=accountant, applications=[(doc, "90.00"), (other, "20.00")])
    text = " ".join(refused.value.messages)
    assert "CAT-017" in text and "futura" in text and "no es una venta al crédito" in text and "supera" in text
    with pytest.raises(PermissionDenied):
        payment_record(client=client, date=timezone.localdate(), amount="1", method="01", acting_user=users["Vendedor"])
    from payments.models import Payment

    assert not Payment.objects.exists()


def test_voiding_makes_it_owed_again(make_draft, issuer, parties, accountant):
    doc = _ccf_on_credit(make_draft, issuer, parties["taxpayer"], "100.00")
    payment = payment_record(client=parties["taxpayer"], date=timezone.localdate(), amount="113.00", method="01",
                             acting_user=accountant, applications=[(doc, "113.00")])
    assert _status(doc).status == "paid"
    with pytest.raises(ValidationError):
        payment_void(payment=payment, acting_user=accountant, reason=" ")
    payment_void(payment=payment, acting_user=accountant, reason="Cheque rechazado por el banco")
    assert _status(doc).status == "unpaid" and payment.voided_at is not None
    with pytest.raises(ValidationError):
        payment_void(payment=payment, acting_user=accountant, reason="otra vez")


def test_the_issuing_credit_check_sees_payments(make_draft, issuer, parties, accountant):
    from dte.services.cases import cases_refresh

    client = parties["taxpayer"]
    client.credit_limit = D("200.00")
    client.save()
    old = _ccf_on_credit(make_draft, issuer, client, "150.00")  # owes 169.50
    draft = make_draft("03", [line("Otro", "1", "50.00")], client=client, condition=2, payment_term_days=30)
    codes = {c.code for c in cases_refresh(document=draft, acting_user=issuer)}
    assert "credit_limit" in codes  # 169.50 + 56.50 = 226.00 > 200.00
    payment_record(client=client, date=timezone.localdate(), amount="100.00", method="01", acting_user=accountant,
                   applications=[(old, "100.00")])
    codes = {c.code for c in cases_refresh(document=draft, acting_user=issuer)}
    assert "credit_limit" not in codes  # 69.50 + 56.50 = 126.00 ≤ 200.00
