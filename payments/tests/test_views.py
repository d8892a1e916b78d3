"""The credit monitoring page and a client's account: figures computed by hand, a payment
recorded and voided through the pages, and who may see or act."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dte.models import Document
from payments.models import Payment
from payments.tests.test_payments import _ccf_on_credit, _no_limits  # noqa: F401 - the same world

pytestmark = pytest.mark.django_db


def test_credit_page_buckets_and_highlights(make_draft, issuer, parties, client_as, users):
    taxpayer, large = parties["taxpayer"], parties["large"]
    _ccf_on_credit(make_draft, issuer, taxpayer, "100.00", days_ago=45)  # 113.00, 15 days late
    _ccf_on_credit(make_draft, issuer, large, "1000.00")  # 1,130.00 − 1 % retention 10.00 = 1,120.00, current
    large.credit_limit = Decimal("500.00")
    large.save()
    page = client_as(users["Contador"]).get("/cobros/").content.decode()
    assert "$ 1,233.00" in page  # 113.00 + 1,120.00
    row_tax = page.split(f'data-client="{taxpayer.pk}"')[1].split("</tr>")[0]
    assert row_tax.startswith(' class="table-warning"') and "1 vencido" in row_tax
    assert "$ 113.00" in row_tax
    row_large = page.split(f'data-client="{large.pk}"')[1].split("</tr>")[0]
    assert row_large.startswith(' class="table-danger"') and "sobre el límite" in row_large and "$ 1,120.00" in row_large
    only_overdue = client_as(users["Contador"]).get("/cobros/?solo=vencidos").content.decode()
    assert f'data-client="{taxpayer.pk}"' in only_overdue and f'data-client="{large.pk}"' not in only_overdue
    assert client_as(users["Vendedor"]).get("/cobros/").status_code == 403
    assert client_as(users["outsider"]).get("/cobros/").status_code == 403


def test_empty_state(client_as, users):
    page = client_as(users["Supervisor"]).get("/cobros/").content.decode()
    assert "empty-state" in page and "Ningún cliente debe nada" in page


def test_record_and_void_a_payment_through_the_pages(make_draft, issuer, parties, client_as, users):
    client = parties["taxpayer"]
    doc = _ccf_on_credit(make_draft, issuer, client, "100.00")  # 113.00
    web = client_as(users["Contador"])
    url = f"/cobros/clientes/{client.pk}/"
    too_much = web.post(url, {"date": timezone.localdate().isoformat(), "amount": "200.00", "method": "01",
                              f"apply_{doc.pk}": "150.00"})
    assert too_much.status_code == 200 and "solo debe $ 113.00" in too_much.content.decode()
    assert not Payment.objects.exists()
    ok = web.post(url, {"date": timezone.localdate().isoformat(), "amount": "50.00", "method": "04",
                        "reference": "Cheque 1203", f"apply_{doc.pk}": "50.00"})
    assert ok.status_code == 302
    page = web.get(url).content.decode()
    assert "$ 63.00" in page and 'data-status="partial"' in page  # 113.00 − 50.00
    supervisor = client_as(users["Supervisor"])
    assert "payment-form" not in supervisor.get(url).content.decode()  # sees, does not record
    payment = Payment.objects.get()
    assert supervisor.post(f"/cobros/pagos/{payment.pk}/anular/", {"reason": "x"}).status_code == 403
    assert web.post(f"/cobros/pagos/{payment.pk}/anular/", {"reason": "Cheque sin fondos"}).status_code == 302
    assert 'data-status="unpaid"' in web.get(url).content.decode()


def test_overdue_drill_down(make_draft, issuer, parties, client_as, users):
    client = parties["taxpayer"]
    doc = _ccf_on_credit(make_draft, issuer, client, "100.00", days_ago=100)
    page = client_as(users["Auditor"]).get(f"/cobros/clientes/{client.pk}/").content.decode()
    due = (Document.objects.get(pk=doc.pk).issue_date + datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    assert 'data-status="overdue"' in page and "70 días" in page and due in page
