"""The F-07 annexes of the fixed month (conftest.py), line by line, computed by hand from the
layouts in reports/annexes.py (manual de carga de anexos F-07 v14)."""

import pytest

from reports.tests.conftest import month_query

pytestmark = pytest.mark.django_db


def _lines(response):
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert not body.startswith(b"\xef\xbb\xbf")  # no BOM, no header row
    text = body.decode("utf-8")
    assert text.endswith("\r\n") or text == ""
    return text.split("\r\n")[:-1]


def _code(doc):
    return doc.codigo_generacion.replace("-", "")


@pytest.fixture
def accountant(users, client_as):
    return client_as(users["Contador"])


def test_annex_1_sales_to_taxpayers(book, accountant):
    response = accountant.get(f"/reportes/anexos-f07/contribuyentes.csv?{month_query()}")
    assert response["Content-Disposition"] == 'attachment; filename="F07_contribuye_202610.csv"'
    lines = _lines(response)
    common = ";06142803901121;Distribuidora Central, S.A. de C.V.;"
    # date; clase 4; tipo; número de control without hyphens; sello; código without hyphens;
    # control interno blank; NIT; name; exentas; no sujetas; gravadas; débito; terceros ×2;
    # total (with the débito); DUI blank; operación 1 (gravada); ingreso 3 (comerciales); annex 1
    assert lines == [
        f"03/10/2026;4;03;DTE03M001P001000000000000001;{book[3].sello_recibido};{_code(book[3])};{common}"
        "0.00;0.00;200.00;26.00;0.00;0.00;226.00;;1;3;1",
        # a credit note is positive, told apart by its tipo 05
        f"05/10/2026;4;05;DTE05M001P001000000000000001;{book[4].sello_recibido};{_code(book[4])};{common}"
        "0.00;0.00;50.00;6.50;0.00;0.00;56.50;;1;3;1",
        f"05/10/2026;4;03;DTE03S001P001000000000000001;{book[7].sello_recibido};{_code(book[7])};{common}"
        "0.00;0.00;300.00;39.00;0.00;0.00;339.00;;1;3;1"]
    assert all(len(line.split(";")) == 20 for line in lines)


def test_annex_2_sales_to_final_consumers(book, accountant):
    lines = _lines(accountant.get(f"/reportes/anexos-f07/consumidor.csv?{month_query(ingreso='2')}"))
    assert lines == [
        # day 3: #1 and #2; exempt 10.00, taxed with IVA 113.00 + 22.60 = 135.60; mixed (4); ingreso 2 as asked
        f"03/10/2026;4;01;N/A;N/A;N/A;N/A;{_code(book[1])};{_code(book[2])};;10.00;0.00;0.00;135.60;"
        "0.00;0.00;0.00;0.00;0.00;145.60;4;2;2",
        f"05/10/2026;4;01;N/A;N/A;N/A;N/A;{_code(book[6])};{_code(book[6])};;0.00;0.00;0.00;45.20;"
        "0.00;0.00;0.00;0.00;0.00;45.20;1;2;2",
        # the export to Guatemala: 300.00 + 20.00 freight in "within Central America"; ingreso 7 (goods)
        f"05/10/2026;4;11;N/A;N/A;N/A;N/A;{_code(book[5])};{_code(book[5])};;0.00;0.00;0.00;0.00;"
        "320.00;0.00;0.00;0.00;0.00;320.00;1;7;2"]
    assert all(len(line.split(";")) == 23 for line in lines)


def test_invalidated_and_retention_annexes(book, accountant):
    lines = _lines(accountant.get(f"/reportes/anexos-f07/anulados.csv?{month_query()}"))
    # the anulados file's código keeps its hyphens: 36 characters (manual v14 §XIX, reports/SOURCES.md)
    assert lines == [f"DTE01M001P001000000000000003;4;0;0;01;D;{book[8].sello_recibido};0;0;{book[8].codigo_generacion}"]
    assert len(lines[0].split(";")[-1]) == 36
    lines = _lines(accountant.get(f"/reportes/anexos-f07/retencion.csv?{month_query()}"))
    # the provider's NIT; 1 % of 1,500.00 = 15.00; annex 10
    assert lines == [f"06141506851019;06/10/2026;07;DTE07M001P001000000000000001;{book[9].sello_recibido};"
                     f"{_code(book[9])};1500.00;15.00;;10"]
    assert _lines(accountant.get(f"/reportes/anexos-f07/percepcion.csv?{month_query()}")) == []
    page = accountant.get(f"/reportes/anexos-f07/?{month_query()}").content.decode()
    assert 'data-annex="contribuyentes"' in page and "3 registros" in page and "0 registros" in page


def test_names_are_cleaned_and_windows_1252_on_request(book, accountant):
    from dte.models import Document

    Document.objects.filter(pk=book[3].pk).update(counterparty={**book[3].counterparty, "name": 'Compañía "Ñandú"; S.A.'})
    body = b"".join(accountant.get(f"/reportes/anexos-f07/contribuyentes.csv?{month_query(codificacion='windows-1252')}")
                    .streaming_content)
    first = body.split(b"\r\n")[0].decode("cp1252")
    assert ";Compañía Ñandú, S.A.;" in first and len(first.split(";")) == 20
    assert "Ñ".encode("cp1252") in body


def test_a_name_a_spreadsheet_would_run_is_defused(book, accountant):
    from dte.models import Document

    Document.objects.filter(pk=book[3].pk).update(counterparty={**book[3].counterparty, "name": "=HYPERLINK(1)"})
    first = _lines(accountant.get(f"/reportes/anexos-f07/contribuyentes.csv?{month_query()}"))[0]
    assert first.split(";")[8] == " =HYPERLINK(1)"


def test_periods_before_2025_carry_zero_renta_columns(book, accountant):
    from dte.models import Document

    Document.objects.filter(pk=book[3].pk).update(issue_date="2024-10-03")
    lines = _lines(accountant.get("/reportes/anexos-f07/contribuyentes.csv?mes=2024-10"))
    assert lines[0].endswith(";226.00;;0;0;1")


def test_a_branch_user_gets_only_its_branch_in_the_annexes(book, make_user, roles, establishments, users, client_as):
    from accounts.models import Role, RolePermission
    from accounts.services import user_assign_locations

    role = Role.objects.create(name="Contador de sucursal", company_wide=False)
    RolePermission.objects.create(role=role, module="reportes", action="export")
    user = make_user("contador_sucursal")
    user.role = role
    user.save()
    user_assign_locations(user=user, establishments=[establishments["branch"]], points_of_sale=[],
                          acting_user=users["Administrador"])
    browser = client_as(user)

    def lines(extra=""):
        out = []
        for key in ("contribuyentes", "consumidor", "sujetos-excluidos", "anulados", "retencion", "percepcion"):
            out += _lines(browser.get(f"/reportes/anexos-f07/{key}.csv?{month_query()}{extra}"))
        return out

    codes = {_code(d) for d in book.values()}
    everything = lines()
    assert {c for c in codes if any(c in line for line in everything)} == {_code(book[6]), _code(book[7])}
    assert lines(f"&establecimiento={establishments['main'].pk}") == []  # asking for the Matriz gives nothing


def test_annex_5_purchases_from_excluded_subjects(book, make_draft, issuer, accountant):
    from dte.models import Document
    from dte.services.issuing import document_issue
    from dte.tests.conftest import line

    seller = {"id_type": "13", "id_number": "04567891-2", "name": "Juan Pérez", "departamento": "05",
              "municipio": "11", "address": "Cantón El Progreso", "phone": "77778888"}
    lines = [line("Maíz blanco, quintal", "10", "30.00", unit=32),
             line("Flete", "1", "50.00", item_type=2, unit=99, withhold_income=True)]
    fse = document_issue(document=make_draft("14", lines, counterparty=seller), acting_user=issuer)
    Document.objects.filter(pk=fse.pk).update(status="sealed", sello_recibido="2026SELLOFSE" + "0" * 28,
                                              issue_date="2026-10-06")
    # a DUI is tipo 2 and digits only; the purchase before retentions: 10 × 30 + 50 = 350.00 (the
    # 5.00 income tax withheld goes to the F-14); no IVA withheld; operation 1, then the defaults:
    # expense (2), commerce (2), administration (2); annex 5
    lines = _lines(accountant.get(f"/reportes/anexos-f07/sujetos-excluidos.csv?{month_query()}"))
    assert lines == [f"2;045678912;Juan Pérez;06/10/2026;2026SELLOFSE{'0' * 28};{_code(fse)};350.00;0.00;1;2;2;2;5"]
    # a cost (1) cannot take an expense type: the first cost type (4) instead
    lines = _lines(accountant.get(f"/reportes/anexos-f07/sujetos-excluidos.csv?{month_query(clasificacion='1', sector='4', costo='2')}"))
    assert lines[0].endswith(";350.00;0.00;1;1;4;4;5")


def test_annex_4_sales_on_a_mandantes_behalf(book, make_draft, issuer, parties, accountant):
    """Anexo 4 (sv-tax-facts-2.md §3): one line per document a Comprobante de Liquidación of the
    month liquidates to its mandante, with the liquidated document's and the CL's identifiers."""
    from dte.models import Document
    from dte.services.issuing import document_issue
    from dte.tests.conftest import line

    def sealed(doc, day, sello):
        Document.objects.filter(pk=doc.pk).update(status="sealed", sello_recibido=sello, issue_date=f"2026-10-{day:02d}")
        return Document.objects.get(pk=doc.pk)

    third = {"ventaTercero": {"nit": "06142803901121", "nombre": "Distribuidora Central"}}
    sale = sealed(document_issue(document=make_draft("01", [line("Consignación", "1", "113.00")],
                                                     client=parties["consumer"], extra=third), acting_user=issuer),
                  5, "2026SELLOFE" + "0" * 29)
    lines = [line("", "1", "0", extra={"tipoDte": "01", "tipoGeneracion": 2, "numeroDocumento": sale.codigo_generacion,
                                       "fechaGeneracion": "2026-10-05", "ventaGravada": "100.00"}),
             line("", "1", "0", extra={"tipoDte": "03", "tipoGeneracion": 1, "numeroDocumento": "23CC000451",
                                       "fechaGeneracion": "2026-10-02", "ventaGravada": "50.00", "ventaExenta": "10.00"})]
    cl = sealed(document_issue(document=make_draft("08", lines, client=parties["taxpayer"]), acting_user=issuer),
                31, "2026SELLOCL" + "0" * 29)
    got = _lines(accountant.get(f"/reportes/anexos-f07/terceros.csv?{month_query()}"))
    cl_ids = f"2026SELLOCL{'0' * 29};{cl.numero_control.replace('-', '')};{_code(cl)};31/10/2026"
    # the Factura: 100.00 without IVA, IVA 13.00; the physical CCF: 50 + 10 = 60.00, IVA 6.50; NIT of the
    # mandante, its name, no DUI; annex 4
    assert got == [
        f"06142803901121;Distribuidora Central, S.A. de C.V.;05/10/2026;01;2026SELLOFE{'0' * 29};"
        f"{sale.numero_control.replace('-', '')};{_code(sale)};100.00;13.00;{cl_ids};;4",
        f"06142803901121;Distribuidora Central, S.A. de C.V.;02/10/2026;03;;;23CC000451;60.00;6.50;{cl_ids};;4",
    ]
    page = accountant.get(f"/reportes/anexos-f07/?{month_query()}").content.decode()
    assert "Anexo 4" in page
