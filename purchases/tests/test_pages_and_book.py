"""The inbox pages (grant and scope), bulk registration into a tax period, and the Libro de
Compras of a month with hand-computed totals and its exports."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from purchases.models import ReceivedDocument, ReceivedState
from purchases.tests.factory import as_file, ccf

pytestmark = pytest.mark.django_db


def _upload(browser, *docs):
    files = [SimpleUploadedFile(f"dte-{i}.json", as_file(d), content_type="application/json") for i, d in enumerate(docs)]
    return browser.post("/compras/cargar/", {"files": files})


@pytest.fixture
def month(users, company, parties, client_as):
    """November 2026, hand-computed:
    A  CCF Repuestos del Norte: gravada 200.00 + 150.00, exenta 20.00, IVA 45.50, total 415.50
    B  CCF =Papelería (new supplier, a name a spreadsheet would run): gravada 80.00, IVA 10.40, total 90.40
    C  NC Repuestos del Norte: gravada 50.00, IVA 6.50, total 56.50 (subtracts)
    D  CCF of November registered in December (not in November's book)
    E  CCF of November received, not registered (a note on the book)"""
    browser = client_as(users["Contador"])
    a = ccf([("200.00", "0"), ("150.00", "20.00")], number=1, day="2026-11-03")
    b = ccf([("80.00", "0")], number=2, day="2026-11-20", supplier=("06142010901015", "7654321", "=Papelería Nueva"))
    d = ccf([("1000.00", "0")], number=3, day="2026-11-25")
    e = ccf([("500.00", "0")], number=4, day="2026-11-28")
    response = _upload(browser, a, b, d, e)
    assert response.status_code == 200
    assert "4 recibidos, 0 rechazados" in response.content.decode()
    by_number = {r.numero_control[-1]: r for r in ReceivedDocument.objects.all()}
    assert all(r.state == ReceivedState.VERIFIED for r in by_number.values())
    register = browser.post("/compras/registrar/", {"periodo": "2026-11", "ids": [by_number["1"].pk, by_number["2"].pk]})
    assert register.status_code == 302
    browser.post("/compras/registrar/", {"periodo": "2026-12", "ids": [by_number["3"].pk]})
    nc = ReceivedDocument.objects.create(
        company=company, tipo_dte="05", version=3, generation="2023", codigo_generacion="5" * 8 + "-0000-0000-0000-" + "0" * 12,
        numero_control="DTE-05-M001P001-000000000000009", issue_date=datetime.date(2026, 11, 15), supplier_nit="06141506851019",
        supplier_nrc="3456789", supplier_name="Repuestos del Norte, S.A.", total_gravada=Decimal("50.00"), iva=Decimal("6.50"),
        total=Decimal("56.50"), raw="{}", file_name="nc.json", state=ReceivedState.REGISTERED, tax_period=datetime.date(2026, 11, 1))
    return {"browser": browser, "docs": by_number, "nc": nc}


def test_registration_moves_the_chosen_into_the_period(month):
    docs = {k: ReceivedDocument.objects.get(pk=v.pk) for k, v in month["docs"].items()}
    assert [(docs[k].state, docs[k].tax_period) for k in "1234"] == [
        ("registered", datetime.date(2026, 11, 1)), ("registered", datetime.date(2026, 11, 1)),
        ("registered", datetime.date(2026, 12, 1)), ("verified", None)]


def test_a_period_outside_the_legal_window_is_refused(month):
    e = month["docs"]["4"]
    for period in ("2026-10", "2027-03"):  # before its month; four months after (Ley IVA art. 63: three)
        response = month["browser"].post("/compras/registrar/", {"periodo": period, "ids": [e.pk]}, follow=True)
        assert "DTE-03-M001P001-000000000000004" in response.content.decode()
        assert ReceivedDocument.objects.get(pk=e.pk).state == ReceivedState.VERIFIED


def test_the_purchases_book_of_the_month(month):
    response = month["browser"].get("/reportes/libro-compras/exportar/csv/?mes=2026-11")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, lines, totals = rows[0], rows[1:-1], rows[-1]
    col = {name: i for i, name in enumerate(header)}
    assert [line[col["Número del documento"]] for line in lines] == [
        "DTE-03-M001P001-000000000000001", "DTE-05-M001P001-000000000000009", "DTE-03-M001P001-000000000000002"]
    nc = lines[1]
    assert (nc[col["Compras gravadas internas"]], nc[col["Crédito fiscal"]], nc[col["Total de compras"]]) == ("-50.00", "-6.50", "-56.50")
    assert lines[2][col["Nombre del proveedor"]] == "'=Papelería Nueva"  # formula-escaped
    assert lines[0][col["NRC del proveedor"]] == "3456789"
    # gravadas 350 + 80 - 50 = 380.00; exentas 20.00; crédito 45.50 + 10.40 - 6.50 = 49.40; total 449.40
    assert (totals[col["Compras gravadas internas"]], totals[col["Compras exentas internas"]], totals[col["Crédito fiscal"]],
            totals[col["Total de compras"]], totals[col["Importaciones gravadas"]]) == ("380.00", "20.00", "49.40", "449.40", "0.00")
    page = month["browser"].get("/reportes/libro-compras/?mes=2026-11").content.decode()
    assert "$ 449.40" in page and "1 documento(s) recibido(s) con fecha de este mes aún no están registrados" in page
    xlsx = month["browser"].get("/reportes/libro-compras/exportar/xlsx/?mes=2026-11")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_pages_check_grant_and_scope(month, users, client_as, roles):
    from accounts.models import Role, RolePermission, User

    doc = month["docs"]["1"]
    urls = ["/compras/", "/compras/cargar/", f"/compras/{doc.pk}/"]
    for who in ("Vendedor", "outsider", "Supervisor"):  # none holds DOCUMENTOS · Modificar
        browser = client_as(users[who])
        assert [browser.get(u).status_code for u in urls] == [403, 403, 403], who
        assert browser.post("/compras/registrar/", {"periodo": "2026-11", "ids": [doc.pk]}).status_code == 403
    branch_role = Role.objects.create(name="Contador de sucursal", company_wide=False)
    RolePermission.objects.create(role=branch_role, module="documentos", action="edit")
    branch = User.objects.create(username="sucursal", role=branch_role)
    browser = client_as(branch)
    assert browser.get(f"/compras/{doc.pk}/").status_code == 404  # not company-wide: reaches no purchase
    assert "DTE-03-M001P001-000000000000001" not in browser.get("/compras/").content.decode()
    assert client_as(users["Contador"]).get(f"/compras/{doc.pk}/").status_code == 200


def test_inbox_filters_and_document_page(month):
    browser = month["browser"]
    page = browser.get("/compras/?estado=verified").content.decode()
    assert "000000000000004" in page and "000000000000001" not in page
    page = browser.get("/compras/?proveedor=Papeler").content.decode()
    assert "000000000000002" in page and "000000000000001" not in page
    assert "000000000000001" not in browser.get("/compras/?mes=2026-12").content.decode()
    doc = month["docs"]["1"]
    page = browser.get(f"/compras/{doc.pk}/").content.decode()
    assert "$ 415.50" in page and "03/11/2026" in page and "consultaPublica?ambiente=00&amp;codGen=" in page


def test_questioning_and_accepting_keep_the_history(month):
    browser = month["browser"]
    e = month["docs"]["4"]
    browser.post(f"/compras/{e.pk}/observar/", {"reason": "El proveedor no entregó la mercadería"})
    e.refresh_from_db()
    assert e.state == ReceivedState.QUESTIONED and e.question_reason == "El proveedor no entregó la mercadería"
    browser.post(f"/compras/{e.pk}/aceptar/")
    e.refresh_from_db()
    assert e.state == ReceivedState.VERIFIED and e.question_reason == ""
    page = browser.get(f"/compras/{e.pk}/").content.decode()
    assert "El proveedor no entregó la mercadería" in page  # kept in the history


def test_annex_3_of_the_month_line_by_line(month):
    response = month["browser"].get("/reportes/anexos-f07/compras.csv?mes=2026-11")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="F07_compras_202611.csv"'
    a, b = (ReceivedDocument.objects.get(pk=month["docs"][k].pk).codigo_generacion.replace("-", "") for k in "12")
    body = b"".join(response.streaming_content).decode("utf-8")
    # O = G..M (the crédito fiscal is not in the total); Q 4 mixta / 1 gravada; R, S, T the defaults (gasto,
    # comercio, administración); a credit note positive with its tipo 05; a name a spreadsheet would run, with a space
    assert body.split("\r\n") == [
        f"03/11/2026;4;03;{a};06141506851019;Repuestos del Norte, S.A.;20.00;0.00;0.00;350.00;0.00;0.00;0.00;45.50;370.00;;4;2;2;2;3",
        "15/11/2026;4;05;55555555000000000000000000000000;06141506851019;Repuestos del Norte, S.A.;0.00;0.00;0.00;50.00;0.00;0.00;"
        "0.00;6.50;50.00;;1;2;2;2;3",
        f"20/11/2026;4;03;{b};06142010901015; =Papelería Nueva;0.00;0.00;0.00;80.00;0.00;0.00;0.00;10.40;80.00;;1;2;2;2;3",
        ""]


def test_mh_status_recorded_by_the_accountant(month):
    """MH offers a receptor no API (facts-2 §4): the accountant reads the public page and records it."""
    browser = month["browser"]
    a, e = month["docs"]["1"], month["docs"]["4"]
    response = browser.post(f"/compras/{a.pk}/estado-mh/", {"status": "invalidated"}, follow=True)
    assert "ya estaba registrado en el periodo 11/2026" in response.content.decode()
    a.refresh_from_db()
    assert a.state == ReceivedState.INVALIDATED and a.mh_status == "invalidated" and a.tax_period == datetime.date(2026, 11, 1)
    inbox = browser.get("/compras/").content.decode()
    assert f'data-invalidated="{a.pk}"' in inbox and "registrado en el periodo 11/2026" in inbox
    body = b"".join(browser.get("/reportes/libro-compras/exportar/csv/?mes=2026-11").streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    col = {name: i for i, name in enumerate(rows[0])}
    assert "000000000000001" not in body
    # out of the book: gravadas 380.00 - 350.00 = 30.00; crédito 49.40 - 45.50 = 3.90; total 449.40 - 415.50 = 33.90
    assert [rows[-1][col[k]] for k in ("Compras gravadas internas", "Crédito fiscal", "Total de compras")] == ["30.00", "3.90", "33.90"]
    browser.post(f"/compras/{e.pk}/estado-mh/", {"status": "not_found"})
    e.refresh_from_db()
    assert e.state == ReceivedState.QUESTIONED and e.question_reason == "Estado en MH: No encontrado (error)"


def test_annex_8_lists_the_perceptions_suffered(month):
    browser = month["browser"]
    # a large taxpayer perceives 1 % of 200.00 = 2.00; IVA 26.00; total a pagar 228.00
    doc = ccf([("200.00", "0")], number=7, day="2026-11-12", supplier=("06140101001012", "1111111", "Gran Almacén, S.A."),
              perception="2.00")
    _upload(browser, doc)
    got = ReceivedDocument.objects.get(numero_control__endswith="000000000000007")
    assert got.state == ReceivedState.VERIFIED and got.iva_percibido == Decimal("2.00")
    browser.post("/compras/registrar/", {"periodo": "2026-11", "ids": [got.pk]})
    body = b"".join(browser.get("/reportes/anexos-f07/percepcion-sufrida.csv?mes=2026-11").streaming_content).decode()
    code = got.codigo_generacion.replace("-", "")
    assert body == f"06140101001012;12/11/2026;03;{got.sello_recibido};{code};200.00;2.00;;8\r\n"


def test_the_reports_page_leads_the_accountant_to_the_inbox(users, client_as):
    assert 'id="purchases-link"' in client_as(users["Contador"]).get("/reportes/").content.decode()
    assert 'id="purchases-link"' not in client_as(users["Supervisor"]).get("/reportes/").content.decode()


def test_the_book_has_the_months_purchases_from_excluded_subjects(month, establishments, users):
    """RACT art. 86 e) and l): an FSE the company issued on 18/11 to Juan Pérez (DUI 04567891-2):
    subTotal 350.00, IVA withheld 13 % 0.00 — a line with the seller's DUI, 350.00 in "compras a
    sujetos excluidos" and in the line's total. The month's totals: total 449.40 + 350.00 = 799.40;
    excluidos 350.00."""
    import json
    import uuid

    from dte.models import Document

    point = establishments["pos"]["M001P001"]
    Document.objects.create(
        company=point.establishment.company, establishment=point.establishment, point_of_sale=point, tipo_dte="14",
        status="sealed", issue_date=datetime.date(2026, 11, 18), created_by=users["Contador"], number_year=2026,
        numero_control="DTE-14-M001P001-000000000000001", codigo_generacion=str(uuid.uuid4()).upper(), correlative=1,
        payload=json.dumps({"resumen": {"subTotal": 350.00, "reteRenta": 5.00, "totalPagar": 345.00}}), jws="a.b.c",
        counterparty={"id_type": "13", "id_number": "04567891-2", "name": "Juan Pérez"},
        amount_gravada=Decimal("350.00"), total_operation=Decimal("350.00"), total_to_pay=Decimal("345.00"),
        issued_at=datetime.datetime(2026, 11, 18, 9, tzinfo=datetime.UTC))
    response = month["browser"].get("/reportes/libro-compras/exportar/csv/?mes=2026-11")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header, lines, totals = rows[0], rows[1:-1], rows[-1]
    col = {name: i for i, name in enumerate(header)}
    assert [line[col["Número del documento"]] for line in lines] == [
        "DTE-03-M001P001-000000000000001", "DTE-05-M001P001-000000000000009", "DTE-14-M001P001-000000000000001",
        "DTE-03-M001P001-000000000000002"]
    fse = lines[2]
    assert (fse[col["NIT o DUI del sujeto excluido"]], fse[col["Nombre del proveedor"]], fse[col["Compras a sujetos excluidos"]],
            fse[col["Total de compras"]], fse[col["Crédito fiscal"]], fse[col["NRC del proveedor"]]) == (
        "045678912", "Juan Pérez", "350.00", "350.00", "0.00", "")
    assert (totals[col["Total de compras"]], totals[col["Compras a sujetos excluidos"]], totals[col["Crédito fiscal"]]) == (
        "799.40", "350.00", "49.40")
    page = month["browser"].get("/reportes/libro-compras/?mes=2026-11").content.decode()
    assert "Juan Pérez" in page and "$ 799.40" in page
