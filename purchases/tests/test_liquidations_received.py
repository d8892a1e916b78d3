"""Liquidations received (sv-tax-facts-2.md §3, §6): a Documento Contable de Liquidación (09) a card
issuer sends the company as affiliated merchant, and a Comprobante de Liquidación (08) an agent
sends it as mandante. Both are read, checked offline (schema of their version, signature form,
sello, arithmetic, receptor) and stored; the DCL's 2 % anticipo goes to F-07 Anexo 6 (casilla
161); neither is a purchase with crédito fiscal, so neither is in the Libro de Compras or Anexo 3.

The documents are MH-valid ones the project itself builds (dte's builders, checked against MH's
official schemas), turned round: the card issuer or agent is the emisor, the company the receptor.

By hand, November 2026, a fortnight of card sales of 1,130.00 at 5 % commission:
  subTotal 1,130.00; net 1,130 / 1.13 = 1,000.00 subject to the anticipo; 2 % = 20.00;
  commission 5 % × 1,000 = 50.00, its IVA 13 % = 6.50; líquido 1,130 − 50 − 20 − 6.50 = 1,053.50.
Anexo 6: NIT del agente; 16/11/2026; sello; código without hyphens; 1000.00; 20.00; no DUI; 6."""

import base64
import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from dte import jsonio
from dte.models import SchemaGeneration
from dte.services.issuing import document_issue
from dte.tests.conftest import issuer, line, make_draft, signing_company  # noqa: F401 - fixtures
from purchases import services
from purchases.models import ReceivedDocument, ReceivedState
from purchases.tests.factory import COMPANY_NIT, COMPANY_NRC

pytestmark = pytest.mark.django_db
NOV = datetime.date(2026, 11, 1)
CARD_ISSUER = {"nit": "06141506851019", "nrc": "3456789", "nombre": "Repuestos del Norte, S.A."}  # parties["provider"]
SELLO = "2026DCL" + "7" * 33


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _received(doc, *, day="2026-11-16", sello=SELLO, tamper=None):
    """The document as the company receives it: issued by the card issuer (or agent) to the
    company, signed (a JWS of the right form), with MH's sello."""
    body = jsonio.loads(doc.payload)
    body["identificacion"]["fecEmi"] = day
    emisor = body["emisor"]
    if "nit" in emisor:
        emisor.update(nit=CARD_ISSUER["nit"], nrc=CARD_ISSUER["nrc"], nombre=CARD_ISSUER["nombre"])
    else:  # CL v2: the agent by tipoDocumento/numDocumento
        emisor.update(numDocumento=CARD_ISSUER["nit"], nrc=CARD_ISSUER["nrc"], nombre=CARD_ISSUER["nombre"])
    receptor = body["receptor"]
    if "nit" in receptor:
        receptor.update(nit=COMPANY_NIT, nrc=COMPANY_NRC)
    else:
        receptor.update(tipoDocumento="36", numDocumento=COMPANY_NIT, nrc=COMPANY_NRC)
    if tamper:
        tamper(body)
    text = jsonio.dumps(body)
    signed = {**json.loads(text), "firmaElectronica": ".".join([_b64(b'{"alg":"RS512"}'), _b64(text.encode()),
                                                                 _b64(b"firma")]),
              "selloRecibido": sello}
    return json.dumps(signed, ensure_ascii=False).encode()


def _settlement():
    return {"liquidacion": {"periodoInicio": "2026-11-01", "periodoFin": "2026-11-15", "codLiquidacion": "LQ-2026-11-A",
                            "cantidadDoc": "42", "valorOperaciones": "1130.00", "montoSinPercepcion": "0",
                            "descripSinPercepcion": "", "porcentComision": "5", "tipoEstablecimiento": "02"},
            "extension": {"nombEntrega": "Marta Ayala", "docuEntrega": "01234567-8", "codEmpleado": "E-17"}}


@pytest.fixture(params=["2023", "2026"])
def generation(request, db):
    if request.param == "2026":
        SchemaGeneration.objects.create(kind="*", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    return request.param


def test_a_dcl_received_goes_to_annex_6_and_nowhere_else(generation, make_draft, issuer, parties, users,  # noqa: F811
                                                         client_as):
    dcl = document_issue(document=make_draft("09", [], client=parties["taxpayer"], extra=_settlement()),
                         acting_user=issuer)
    accountant = users["Contador"]
    [result] = services.receive_upload(files=[("dcl-noviembre.json", _received(dcl))], acting_user=accountant)[0]
    got = result.document
    assert result.refused == "" and result.problems == [], result.problems
    assert (got.tipo_dte, got.state, got.generation) == ("09", ReceivedState.VERIFIED, generation)
    assert (got.total_gravada, got.iva_percibido, got.iva, got.total) == (
        Decimal("1000.00"), Decimal("20.00"), Decimal("0.00"), Decimal("1130.00"))
    assert got.supplier_nit == CARD_ISSUER["nit"] and got.provider == parties["provider"]
    assert services.register(documents=[got], period=NOV, acting_user=accountant) == (1, [])
    browser = client_as(accountant)
    lines = b"".join(browser.get("/reportes/anexos-f07/anticipo-sufrido.csv?mes=2026-11").streaming_content)
    code = got.codigo_generacion.replace("-", "")
    assert lines.decode().split("\r\n")[:-1] == [f"06141506851019;16/11/2026;{SELLO};{code};1000.00;20.00;;6"]
    # Not a purchase with crédito fiscal: not in Anexo 3, nor in the Libro de Compras.
    assert b"".join(browser.get("/reportes/anexos-f07/compras.csv?mes=2026-11").streaming_content) == b""
    book = browser.get("/reportes/libro-compras/?mes=2026-11").content.decode()
    assert got.numero_control not in book
    # The annexes page counts it under Anexo 6.
    page = browser.get("/reportes/anexos-f07/?mes=2026-11").content.decode()
    assert "Anexo 6" in page


def test_a_dcl_whose_settlement_does_not_add_up_is_questioned(make_draft, issuer, parties, users):  # noqa: F811
    dcl = document_issue(document=make_draft("09", [], client=parties["taxpayer"], extra=_settlement()),
                         acting_user=issuer)

    def tamper(body):  # 2 % of 1,000.00 is 20.00, not 25.00
        body["cuerpoDocumento"]["ivaPercibido"] = 25

    [result] = services.receive_upload(files=[("dcl.json", _received(dcl, tamper=tamper))],
                                       acting_user=users["Contador"])[0]
    got = result.document
    assert got.state == ReceivedState.QUESTIONED
    assert "no es el 2 % del monto sujeto a percepción" in got.question_reason
    assert "líquido a pagar" in got.question_reason  # 1130 − 50 − 25 − 6.50 = 1048.50, not 1053.50


def test_a_cl_received_as_mandante_is_kept_out_of_the_purchases(generation, make_draft, issuer, parties, users,  # noqa: F811
                                                                client_as):
    """The agent's CL lists sales made on the company's behalf: 500.00 taxed + 20.00 exempt + 300.00
    exported; IVA 13 % × 500 = 65.00; montoTotalOperacion 500 + 20 + 300 + 65 = 885.00. Its IVA is
    the company's débito (sv-tax-facts-2.md §6), so it is no purchase."""
    lines = [line("Ventas de octubre", "1", "0", extra={
                 "tipoDte": "03", "tipoGeneracion": 1, "numeroDocumento": "23CC000451", "fechaGeneracion": "2026-10-02",
                 "ventaGravada": "500.00", "ventaExenta": "20.00", "ventaNoSuj": "0", "exportaciones": "0"}),
             line("Exportación", "1", "0", extra={
                 "tipoDte": "11", "tipoGeneracion": 1, "numeroDocumento": "23EX000007", "fechaGeneracion": "2026-10-09",
                 "ventaGravada": "0", "ventaExenta": "0", "ventaNoSuj": "0", "exportaciones": "300.00"})]
    cl = document_issue(document=make_draft("08", lines, client=parties["taxpayer"]), acting_user=issuer)
    accountant = users["Contador"]
    [result] = services.receive_upload(files=[("cl.json", _received(cl))], acting_user=accountant)[0]
    got = result.document
    assert result.problems == [] and got.state == ReceivedState.VERIFIED, result.problems
    assert (got.tipo_dte, got.total_gravada, got.total_exenta, got.iva, got.total) == (
        "08", Decimal("500.00"), Decimal("20.00"), Decimal("65.00"), Decimal("885.00"))
    assert services.register(documents=[got], period=NOV, acting_user=accountant) == (1, [])
    browser = client_as(accountant)
    for annex in ("compras", "anticipo-sufrido", "percepcion-sufrida"):
        assert b"".join(browser.get(f"/reportes/anexos-f07/{annex}.csv?mes=2026-11").streaming_content) == b""
    assert got.numero_control not in browser.get("/reportes/libro-compras/?mes=2026-11").content.decode()
    # It is listed in the purchases inbox with its type's name.
    inbox = browser.get("/compras/?estado=registered").content.decode()
    assert got.numero_control in inbox
    assert ReceivedDocument.objects.filter(tipo_dte="08").count() == 1
