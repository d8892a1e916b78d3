"""Retention matching and Anexo 7, by hand. November 2026:

Our CCFs to Gran Almacén (a large taxpayer, a withholding agent):
  A  05/11  gravada 1,000.00, IVA 130.00, 1 % retention shown 10.00
  B  12/11  gravada   500.00, IVA  65.00, 1 % retention shown  5.00   ← no CR names it
The CR Gran Almacén sent us (20/11), code 22 lines:
  1  names A:                  base 1,000.00, withheld 10.00
  2  names a document not ours: base   300.00, withheld  3.00        ← unmatched
Withheld in all 13.00; Anexo 7: one line for the CR, 1,300.00 / 13.00."""

import datetime
import json
import uuid
from decimal import Decimal

import pytest

from purchases import retentions, services
from purchases.models import ReceivedDocument, ReceivedState
from purchases.tests.factory import COMPANY_NIT, COMPANY_NRC

pytestmark = pytest.mark.django_db
D = Decimal
NOV = datetime.date(2026, 11, 1)


def _ours(establishments, users, client, n, day, gravada, retained):
    from dte.models import Document

    point = establishments["pos"]["M001P001"]
    iva = (D(gravada) * D("0.13")).quantize(D("0.01"))
    return Document.objects.create(
        company=point.establishment.company, establishment=point.establishment, point_of_sale=point, client=client,
        tipo_dte="03", status="sealed", issue_date=NOV.replace(day=day), created_by=users["Vendedor"], number_year=2026,
        numero_control=f"DTE-03-M001P001-{n:015d}", codigo_generacion=str(uuid.uuid4()).upper(), correlative=n,
        payload="{}", jws="a.b.c", amount_gravada=D(gravada), total_iva=iva, total_operation=D(gravada) + iva,
        iva_retenido=D(retained), total_to_pay=D(gravada) + iva - D(retained),
        issued_at=datetime.datetime(2026, 11, day, 9, tzinfo=datetime.UTC))


@pytest.fixture
def month(company, establishments, users, parties):
    large = parties["large"]
    a = _ours(establishments, users, large, 1, 5, "1000.00", "10.00")
    b = _ours(establishments, users, large, 2, 12, "500.00", "5.00")
    stranger = str(uuid.uuid4()).upper()
    raw = {"identificacion": {"tipoDte": "07", "fecEmi": "2026-11-20"},
           "emisor": {"nit": large.id_number, "nombre": large.name},
           "receptor": {"tipoDocumento": "36", "numDocumento": COMPANY_NIT, "nrc": COMPANY_NRC},
           "cuerpoDocumento": [
               {"numItem": 1, "tipoDte": "03", "tipoDoc": 2, "numDocumento": a.codigo_generacion, "fechaEmision": "2026-11-05",
                "montoSujetoGrav": 1000.00, "codigoRetencionMH": "22", "ivaRetenido": 10.00},
               {"numItem": 2, "tipoDte": "03", "tipoDoc": 2, "numDocumento": stranger, "fechaEmision": "2026-11-06",
                "montoSujetoGrav": 300.00, "codigoRetencionMH": "22", "ivaRetenido": 3.00}],
           "resumen": {"totalSujetoRetencion": 1300.00, "totalIVAretenido": 13.00}}
    cr = ReceivedDocument.objects.create(
        company=company, tipo_dte="07", version=1, generation="2023", codigo_generacion=str(uuid.uuid4()).upper(),
        numero_control="DTE-07-M001P001-000000000000031", sello_recibido="2026CR" + "0" * 34,
        issue_date=datetime.date(2026, 11, 20), supplier_nit=large.id_number, supplier_name=large.name,
        total_gravada=D("1300.00"), iva_retenido=D("13.00"), total=D("1300.00"), raw=json.dumps(raw), file_name="cr.json",
        state=ReceivedState.VERIFIED)
    return {"a": a, "b": b, "cr": cr, "stranger": stranger}


def test_retentions_are_matched_with_one_unmatched_on_each_side(month, users, client_as):
    got = retentions.retention_matching(user=users["Contador"], month=NOV)
    assert [(line.number, line.document) for line in got.matched] == [(1, month["a"])]
    assert [(line.number, line.reference, line.base, line.withheld) for line in got.unmatched_lines] == [
        (2, month["stranger"], D("300.00"), D("3.00"))]
    assert got.missing == [month["b"]] and got.missing[0].expected_retention == D("5.00")
    assert got.withheld_total == D("13.00")
    page = client_as(users["Contador"]).get("/compras/retenciones/?mes=2026-11").content.decode()
    assert "$ 13.00" in page and month["stranger"] in page and "DTE-03-M001P001-000000000000002" in page
    assert client_as(users["Vendedor"]).get("/compras/retenciones/?mes=2026-11").status_code in (403, 404)


def test_annex_7_lists_the_cr_registered_in_the_month(month, users, client_as):
    accountant = users["Contador"]
    assert services.register(documents=[month["cr"]], period=NOV, acting_user=accountant) == (1, [])
    response = client_as(accountant).get("/reportes/anexos-f07/retencion-sufrida.csv?mes=2026-11")
    lines = b"".join(response.streaming_content).decode().split("\r\n")[:-1]
    code = month["cr"].codigo_generacion.replace("-", "")
    # NIT del agente; fecha; tipo 07; serie = sello; número = código; 1,000.00 + 300.00; 10.00 + 3.00; no DUI; 7
    assert lines == [f"06140101001012;20/11/2026;07;2026CR{'0' * 34};{code};1300.00;13.00;;7"]
    # a CR is neither a purchase (annex 3) nor in the Libro de Compras
    assert b"".join(client_as(accountant).get("/reportes/anexos-f07/compras.csv?mes=2026-11").streaming_content) == b""


def test_a_matched_retention_closes_the_clients_balance_difference(company, establishments, users, parties, client_as):
    """By hand, Gran Almacén (a withholding agent), credit sales at 30 days:
      C  07/11  CCF gravada 2,000.00 + IVA 260.00 = 2,260.00; the CCF did not show the retention
      A  05/11  CCF gravada 1,000.00 + IVA 130.00 − 1 % shown 10.00 = 1,120.00 to pay
    The client pays 1,120.00 for A and 2,240.00 for C (2,260.00 less 1 % of 2,000.00 = 20.00):
    balance before its CR 2,260.00 − 2,240.00 = 20.00. Its CR names C (20.00) and A (10.00):
    C's 20.00 closes the difference; A's was already out of its total. Balance after: 0.00.
    The CR invalidated later: the difference is owed again (20.00)."""
    from dte.models import Document
    from payments.models import Payment
    from payments.selectors import client_position
    from payments.services import payment_record

    large, accountant = parties["large"], users["Contador"]
    a = _ours(establishments, users, large, 1, 5, "1000.00", "10.00")
    c = _ours(establishments, users, large, 3, 7, "2000.00", "0.00")
    Document.objects.filter(pk__in=[a.pk, c.pk]).update(condition=2, payment_term_days=30)
    a.refresh_from_db()
    c.refresh_from_db()
    assert (c.total_to_pay, a.total_to_pay) == (D("2260.00"), D("1120.00"))
    payment_record(client=large, date=NOV.replace(day=25), amount="3360.00", method="05", acting_user=accountant,
                   applications=[(a, "1120.00"), (c, "2240.00")])
    assert client_position(large.pk)[0] == D("20.00")

    raw = {"identificacion": {"tipoDte": "07", "fecEmi": "2026-11-26"},
           "emisor": {"nit": large.id_number, "nombre": large.name},
           "receptor": {"tipoDocumento": "36", "numDocumento": COMPANY_NIT, "nrc": COMPANY_NRC},
           "cuerpoDocumento": [
               {"numItem": 1, "tipoDte": "03", "tipoDoc": 2, "numDocumento": c.codigo_generacion, "fechaEmision": "2026-11-07",
                "montoSujetoGrav": 2000.00, "codigoRetencionMH": "22", "ivaRetenido": 20.00},
               {"numItem": 2, "tipoDte": "03", "tipoDoc": 2, "numDocumento": a.codigo_generacion, "fechaEmision": "2026-11-05",
                "montoSujetoGrav": 1000.00, "codigoRetencionMH": "22", "ivaRetenido": 10.00}],
           "resumen": {"totalSujetoRetencion": 3000.00, "totalIVAretenido": 30.00}}
    cr = ReceivedDocument.objects.create(
        company=company, tipo_dte="07", version=1, generation="2023", codigo_generacion=str(uuid.uuid4()).upper(),
        numero_control="DTE-07-M001P001-000000000000032", sello_recibido="2026CR" + "1" * 34,
        issue_date=datetime.date(2026, 11, 26), supplier_nit=large.id_number, supplier_name=large.name,
        total_gravada=D("3000.00"), iva_retenido=D("30.00"), total=D("3000.00"), raw=json.dumps(raw), file_name="cr.json",
        state=ReceivedState.QUESTIONED, question_reason="Revisar")
    assert client_position(large.pk)[0] == D("20.00")  # questioned: it does not count yet
    services.accept(document=cr, acting_user=accountant)  # the accountant accepts it: the match is told
    assert client_position(large.pk)[0] == D("0.00")
    retention = Payment.objects.get(method="99")
    assert (retention.amount, retention.reference) == (D("20.00"), f"CR {cr.codigo_generacion} #1")
    assert list(retention.applications.values_list("document_id", "amount")) == [(c.pk, D("20.00"))]
    c.refresh_from_db()
    assert c.paid_off

    # applied again from the page: nothing more
    web = client_as(accountant)
    response = web.post("/compras/retenciones/aplicar/", {"mes": "2026-11"}, follow=True)
    assert "No había retenciones por aplicar" in response.content.decode()
    assert Payment.objects.filter(method="99").count() == 1 and client_position(large.pk)[0] == D("0.00")
    assert client_as(users["Vendedor"]).post("/compras/retenciones/aplicar/", {"mes": "2026-11"}).status_code == 403

    services.record_mh_status(document=cr, status="invalidated", acting_user=accountant)
    assert client_position(large.pk)[0] == D("20.00")
    c.refresh_from_db()
    assert not c.paid_off
