"""What a client owes has one definition (payments.selectors.owed_sql), read by the credit checks,
the credit page, the aging report and a client's page: on a history worked by hand (partial and
full payments, an unapplied one, voided ones, credit notes tied to credit sales and a loose one,
an invalidated sale, sales in every aging bucket) each of them gives the hand-computed figures,
the same as the Python reference (payments/tests/reference.py) computed document by document;
and they list the same clients: those owing and those holding a credit in their favour."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from clients.models import Client
from dte.models import Document
from payments import selectors
from payments.services import payment_record, payment_void
from payments.tests.reference import aging, client_position_python
from payments.tests.test_credit_check import history  # noqa: F401 - the hand-built history

pytestmark = pytest.mark.django_db
D = Decimal
FIELDS = ("client_id", "name", "credit_limit", "buckets", "outstanding", "unapplied", "loose_credits",
          "overdue_documents", "balance")


@pytest.fixture
def owed(history, parties, users):  # noqa: F811 - the fixture imported above
    """The history's client (owes 561.90), a client holding only a payment not applied (−25.00;
    another payment of its, voided, counts for nothing) and one with nothing open."""
    large = parties["large"]
    today = timezone.localdate()
    payment_record(client=large, date=today, amount="25.00", method="01", acting_user=users["Contador"])
    voided = payment_record(client=large, date=today, amount="40.00", method="01", acting_user=users["Contador"])
    payment_void(payment=voided, acting_user=users["Contador"], reason="Registrado dos veces")
    return {**history, "large": large, "consumer": parties["consumer"]}


def _figures(row):
    return {name: getattr(row, name) for name in FIELDS}


def _same_as_the_reference(documents, *, clients=None, today=None):
    """The table's rows (every page of one) equal the Python reference's, field by field, in the
    table's order (largest balance first); returns them."""
    rows, count, totals = selectors.aging_table(documents, clients=clients, today=today, limit=1000)
    reference = aging(documents=documents, clients=clients, today=today)
    assert [_figures(r) for r in rows] == [_figures(r) for r in sorted(reference.values(),
                                                                        key=lambda r: (-r.balance, r.name))]
    assert count == len(rows)
    assert totals["balance"] == sum((r.balance for r in rows), D("0.00"))
    return rows, totals


def test_every_client_owing_or_in_credit_with_hand_computed_figures(owed):
    rows, totals = _same_as_the_reference(Document.objects.all(), clients=Client.objects.all())
    taxpayer, large = rows
    assert (taxpayer.client_id, large.client_id) == (owed["client"].pk, owed["large"].pk)  # no row for the consumer
    # A 113.00 not due yet; B 126.00 (226.00 − 100.00 paid) 15 days late and F 90.40 (its payment
    # voided) 30 days late; C 293.80 (339.00 − 45.20 credited) 70 days late. D is paid and its
    # note leaves it at nothing; E was sold for cash; G is invalidated.
    assert taxpayer.buckets == {"current": D("113.00"), "1_30": D("216.40"), "31_60": D("0.00"), "61_90": D("293.80"),
                                "90_plus": D("0.00")}
    assert (taxpayer.outstanding, taxpayer.unapplied, taxpayer.loose_credits, taxpayer.balance,
            taxpayer.overdue_documents) == (D("623.20"), D("50.00"), D("11.30"), D("561.90"), 3)
    assert (large.outstanding, large.unapplied, large.loose_credits, large.balance, large.overdue_documents) == (
        D("0.00"), D("25.00"), D("0.00"), D("-25.00"), 0)
    assert totals == {"current": D("113.00"), "1_30": D("216.40"), "31_60": D("0.00"), "61_90": D("293.80"),
                      "90_plus": D("0.00"), "balance": D("536.90"), "unapplied": D("75.00"), "loose_credits": D("11.30"),
                      "in_favour": D("86.30")}
    # the credit checks: the same figures, for each client over all its documents
    for row in rows:
        assert selectors.client_position(row.client_id) == client_position_python(row.client_id) == (
            row.balance, row.overdue_documents)
    assert selectors.client_position(owed["consumer"].pk) == client_position_python(owed["consumer"].pk) == (D("0.00"), 0)


def test_the_buckets_move_with_the_date(owed):
    # 20 days on, A is due that very day (current, not late) and C is 90 days late (61–90); one
    # day more, A is 1 day late and C 91.
    for days, buckets, overdue in (
            (20, {"current": D("113.00"), "1_30": D("0.00"), "31_60": D("216.40"), "61_90": D("293.80"),
                  "90_plus": D("0.00")}, 3),  # B 35 days late, F 50
            (21, {"current": D("0.00"), "1_30": D("113.00"), "31_60": D("216.40"), "61_90": D("0.00"),
                  "90_plus": D("293.80")}, 4)):
        later = timezone.localdate() + datetime.timedelta(days=days)
        rows, _totals = _same_as_the_reference(Document.objects.all(), clients=Client.objects.all(), today=later)
        assert (rows[0].buckets, rows[0].overdue_documents) == (buckets, overdue)
    later = timezone.localdate() + datetime.timedelta(days=45)
    rows, _totals = _same_as_the_reference(Document.objects.all(), clients=Client.objects.all(), today=later)
    # 45 days on: A 25 days late, B 60, F 75, C 115; all four overdue, the balance unchanged.
    assert rows[0].buckets == {"current": D("0.00"), "1_30": D("113.00"), "31_60": D("126.00"), "61_90": D("90.40"),
                               "90_plus": D("293.80")}
    assert (rows[0].balance, rows[0].overdue_documents) == (D("561.90"), 4)
    assert selectors.client_position(owed["client"].pk, today=later) == (D("561.90"), 4)


def test_fewer_documents_fewer_sales_the_same_credits(owed):
    # C left out (as when it is being issued): its note is tied to a credit sale, so not loose.
    rows, _totals = _same_as_the_reference(Document.objects.exclude(pk=owed["c"].pk), clients=Client.objects.all())
    assert [(r.outstanding, r.balance, r.overdue_documents) for r in rows] == [
        (D("329.40"), D("268.10"), 2), (D("0.00"), D("-25.00"), 0)]  # 623.20 − 293.80; 329.40 − 50.00 − 11.30
    # A and B alone (a narrower scope): 113.00 + 126.00 − 50.00 − 11.30 = 177.70, B overdue.
    rows, _totals = _same_as_the_reference(Document.objects.filter(pk__in=[owed["a"].pk, owed["b"].pk]),
                                           clients=Client.objects.all())
    assert [(r.outstanding, r.balance, r.overdue_documents) for r in rows] == [
        (D("239.00"), D("177.70"), 1), (D("0.00"), D("-25.00"), 0)]
    # no document at all: only credits are left, in favour of both
    rows, _totals = _same_as_the_reference(Document.objects.none(), clients=Client.objects.all())
    assert [(r.client_id, r.balance) for r in rows] == [(owed["large"].pk, D("-25.00")),
                                                         (owed["client"].pk, D("-61.30"))]
    # without ``clients`` only the clients owing are listed, still less their credits
    rows, _totals = _same_as_the_reference(Document.objects.all())
    assert [(r.client_id, r.balance) for r in rows] == [(owed["client"].pk, D("561.90"))]


def test_the_filters_and_the_pages(owed):
    everyone = Document.objects.all(), Client.objects.all()

    def listed(**kw):
        rows, count, _totals = selectors.aging_table(everyone[0], clients=everyone[1], **kw)
        return [r.client_id for r in rows], count

    taxpayer, large = owed["client"].pk, owed["large"].pk
    assert listed(only="vencidos") == ([taxpayer], 1)
    assert listed(only="a_favor") == ([large], 1)
    assert listed(only="sobre_limite") == ([], 0)
    Client.objects.filter(pk=taxpayer).update(credit_limit=D("500.00"))  # 561.90 > 500.00
    assert listed(only="sobre_limite") == ([taxpayer], 1)
    first, count, totals = selectors.aging_table(*everyone[:1], clients=everyone[1], limit=1)
    second, _count, totals_again = selectors.aging_table(*everyone[:1], clients=everyone[1], limit=1, offset=1)
    assert ([r.client_id for r in first + second], count) == ([taxpayer, large], 2)
    assert totals == totals_again and totals["balance"] == D("536.90")  # every page carries the whole totals


def test_the_credit_page_and_the_client_pages_agree(owed, client_as, users):
    web = client_as(users["Contador"])
    page = web.get("/cobros/").content.decode()
    assert 'id="total-balance">$ 536.90<' in page  # 561.90 − 25.00
    assert f'data-client="{owed["consumer"].pk}"' not in page
    row_large = page.split(f'data-client="{owed["large"].pk}"')[1].split("</tr>")[0]
    assert "saldo a favor" in row_large and "−$ 25.00" in row_large and "-$ 25.00" in row_large  # in favour; balance
    row_tax = page.split(f'data-client="{owed["client"].pk}"')[1].split("</tr>")[0]
    assert "−$ 61.30" in row_tax and "$ 561.90" in row_tax and "saldo a favor" not in row_tax  # 50.00 + 11.30 in favour
    in_favour = web.get("/cobros/?solo=a_favor").content.decode()
    assert f'data-client="{owed["large"].pk}"' in in_favour and f'data-client="{owed["client"].pk}"' not in in_favour

    response = web.get(f"/cobros/clientes/{owed['client'].pk}/")
    assert 'id="client-balance">$ 561.90<' in response.content.decode()
    # the page's sales, each with what it owes (the ORM's per-document figures), add up to the same
    lines = response.context["lines"]
    assert sum((st.outstanding for _doc, st in lines), D("0.00")) == response.context["position"].outstanding \
        == D("623.20")
    large = web.get(f"/cobros/clientes/{owed['large'].pk}/").content.decode()
    assert 'id="client-balance">-$ 25.00<' in large and "saldo a favor" in large
    assert re.search(r'id="client-in-favour">\$ 25.00 a su favor', large)
    consumer = web.get(f"/cobros/clientes/{owed['consumer'].pk}/").content.decode()
    assert 'id="client-balance-none"' in consumer and "client-balance\"" not in consumer


def test_the_aging_report_lists_the_credit_pages_clients(owed, client_as, users):
    from reports.tests.test_reports import _screen

    web = client_as(users["Contador"])
    rows = _screen(web.get("/reportes/antiguedad/"))
    # name | limit | buckets | in favour | balance
    assert rows[1] == "Distribuidora Central, S.A. de C.V.|100,000.00|113.00|216.40|0.00|293.80|0.00|-61.30|561.90"
    assert rows[2] == "Gran Almacén, S.A.|Sin límite|0.00|0.00|0.00|0.00|0.00|-25.00|-25.00"
    assert rows[3].endswith("|-86.30|536.90")  # the totals: every row's
    # by establishment: the clients owing on what was sold there (a credit belongs to no place)
    placed = _screen(web.get(f"/reportes/antiguedad/?establecimiento={owed['a'].establishment_id}"))
    assert [r.split("|")[0] for r in placed[1:-1]] == ["Distribuidora Central, S.A. de C.V."]
