"""The dashboard's IVA position for October 2026 (the month of reports/tests/conftest.py), by hand.

Débito fiscal (sales in force): Facturas 13.00 + 2.60 + 5.20 (the invalidated #8's 1.30 not),
CCFs 26.00 + 39.00, the credit note −6.50; the FEX and the CR carry none: 79.30.
Purchases registered in October's tax period: a CCF with IVA 45.50 and 1 % perceived 3.50, a credit
note received with IVA 6.50 (subtracts): crédito 39.00, perceptions 3.50; a CR received from a
client withholding 15.00. A CCF registered in November does not count.
Position: 79.30 − 39.00 − 15.00 − 3.50 = 21.80 to pay."""

import datetime
import uuid
from decimal import Decimal

import pytest

from purchases.models import ReceivedDocument, ReceivedState
from reports.dashboard import board

pytestmark = pytest.mark.django_db
D = Decimal
OCT = datetime.date(2026, 10, 1)


def _received(company, tipo, *, period=OCT, **amounts):
    return ReceivedDocument.objects.create(
        company=company, tipo_dte=tipo, version=3, generation="2023", codigo_generacion=str(uuid.uuid4()).upper(),
        numero_control=f"DTE-{tipo}-M001P001-{uuid.uuid4().int % 10**15:015d}", issue_date=datetime.date(2026, 10, 9),
        supplier_nit="06141506851019", supplier_name="Repuestos del Norte, S.A.", raw="{}", file_name="x.json",
        state=ReceivedState.REGISTERED, tax_period=period, **amounts)


def test_the_months_iva_position(book, company, users, client_as, monkeypatch):
    _received(company, "03", total_gravada=D("350.00"), iva=D("45.50"), iva_percibido=D("3.50"))
    _received(company, "05", total_gravada=D("50.00"), iva=D("6.50"))
    _received(company, "07", total_gravada=D("1500.00"), iva_retenido=D("15.00"))
    _received(company, "03", period=datetime.date(2026, 11, 1), total_gravada=D("100.00"), iva=D("13.00"))
    today = datetime.date(2026, 10, 20)
    iva = board(users["Contador"], (today, today), today=today).iva
    assert (iva.debit, iva.credit, iva.retentions, iva.perceptions, iva.position) == (
        D("79.30"), D("39.00"), D("15.00"), D("3.50"), D("21.80"))
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: today)
    page = client_as(users["Contador"]).get("/reportes/tablero/").content.decode()
    assert 'id="iva-position"' in page and "$ 79.30" in page and "$ 21.80" in page and "Impuesto a pagar" in page
    # a sales rep's dashboard has no IVA position (its own sales only; no purchases)
    assert board(users["Vendedor"], (today, today), today=today).iva is None
