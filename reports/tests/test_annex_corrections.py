"""The four corrections to the sales-side annexes from DGII's manual de carga F-07 v14 (January
2025; its text as transcribed in CtrlCarlitos/odoo-localizations sv/.extractions/34_36_39_F07_v14
EVID-174/175/177/178): a FEX to a buyer in El Salvador (a free-zone or DPA user) in annex 2's column R;
13 % retentions in Anexo 12, not Anexo 10; the Renta codes 3/12/13 offered. (The anulados file's
36-character código is in test_annexes.) Each line a full string, computed by hand."""

import json

import pytest

from reports.tests.conftest import month_query

pytestmark = pytest.mark.django_db


@pytest.fixture
def accountant(client_as, users):
    return client_as(users["Contador"])


def _lines(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8").split("\r\n")[:-1]


def _code(doc):
    return doc.codigo_generacion.replace("-", "")


def test_a_fex_to_a_buyer_in_el_salvador_goes_to_column_r(book, accountant):
    from dte.models import Document

    fex = book[5]
    Document.objects.filter(pk=fex.pk).update(counterparty={**fex.counterparty, "country_code": "9300"})
    lines = _lines(accountant.get(f"/reportes/anexos-f07/consumidor.csv?{month_query(ingreso='2')}"))
    # 300.00 + 20.00 freight: not "within" (O) nor "outside" (P) Central America but R (zonas francas y DPA)
    assert lines[-1] == (f"05/10/2026;4;11;N/A;N/A;N/A;N/A;{_code(fex)};{_code(fex)};;0.00;0.00;0.00;0.00;"
                         "0.00;0.00;0.00;320.00;0.00;320.00;1;7;2")


def test_13_percent_retentions_go_to_annex_12_and_1_percent_ones_stay_in_annex_10(book, accountant):
    from dte.models import Document

    cr = book[9]
    payload = json.loads(cr.payload)
    payload["cuerpoDocumento"].append({**payload["cuerpoDocumento"][0], "numItem": 2, "codigoRetencionMH": "C4",
                                       "montoSujetoGrav": 200.00, "ivaRetenido": 26.00})
    Document.objects.filter(pk=cr.pk).update(payload=json.dumps(payload), iva_retenido="41.00")
    ten = _lines(accountant.get(f"/reportes/anexos-f07/retencion.csv?{month_query()}"))
    twelve = _lines(accountant.get(f"/reportes/anexos-f07/retencion-13.csv?{month_query()}"))
    # code 22: 1 % of 1,500.00 = 15.00 (resolución before serie); C4: 13 % of 200.00 = 26.00 (serie before resolución)
    assert ten == [f"06141506851019;06/10/2026;07;DTE07M001P001000000000000001;{cr.sello_recibido};{_code(cr)};"
                   "1500.00;15.00;;10"]
    assert twelve == [f"06141506851019;06/10/2026;07;{cr.sello_recibido};DTE07M001P001000000000000001;{_code(cr)};"
                      "200.00;26.00;;12"]


def test_renta_codes_3_12_and_13_are_offered(book, accountant):
    page = accountant.get(f"/reportes/anexos-f07/?{month_query()}").content.decode()
    assert 'name="operacion"' in page and '<option value="13"' in page and '<option value="12"' in page
    lines = _lines(accountant.get(f"/reportes/anexos-f07/contribuyentes.csv?{month_query(operacion='12', ingreso='13')}"))
    first = book[3]
    assert lines[0] == (f"03/10/2026;4;03;DTE03M001P001000000000000001;{first.sello_recibido};{_code(first)};;"
                        f"06142803901121;Distribuidora Central, S.A. de C.V.;0.00;0.00;200.00;26.00;0.00;0.00;226.00;;12;13;1")
