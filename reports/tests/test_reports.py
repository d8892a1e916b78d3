"""Each report on the fixed month of conftest.py, with the figures computed by hand there:
on screen, in CSV, in xlsx and in PDF; keyset pages; formula escaping; background exports."""

import csv
import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from reports.tests.conftest import D, month_query, range_query

pytestmark = pytest.mark.django_db


def _screen(response):
    """The report table's text, cells separated by |, money cells without their "$ " (the rows
    compare figures; the money format itself is tested in accounts/tests/test_formats.py)."""
    html = response.content.decode().split('id="report-table"', 1)[1]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    return ["|".join(" ".join(re.sub(r"<[^>]+>", " ", c).split()).replace("$ ", "")
                     for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S))
            for r in rows]


def _csv(response):
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _pdf_text(response, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing (poppler-utils): .ci/run installs it")
    path = tmp_path / "r.pdf"
    path.write_bytes(response.content)
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


@pytest.fixture
def accountant(users, client_as):
    return client_as(users["Contador"])


def test_sales_book_to_taxpayers(book, accountant, tmp_path):
    url = f"/reportes/libro-contribuyentes/?{month_query()}"
    rows = _screen(accountant.get(url))
    # #3 CCF 200.00 + 26.00; #4 NC −50.00 − 6.50 (subtracts); #7 CCF 300.00 + 39.00 (branch)
    assert rows[1].startswith("1|03/10/2026|03|DTE-03-M001P001-000000000000001|")
    assert rows[1].endswith("|Distribuidora Central, S.A. de C.V.|2345678|0.00|0.00|200.00|26.00|0.00|0.00|226.00")
    assert rows[2].startswith("2|05/10/2026|05|DTE-05-M001P001-000000000000001|") and rows[2].endswith("|-50.00|-6.50|0.00|0.00|-56.50")
    assert rows[3].startswith("3|05/10/2026|03|DTE-03-S001P001-000000000000001|") and rows[3].endswith("|300.00|39.00|0.00|0.00|339.00")
    # 200 − 50 + 300 = 450.00; 26 − 6.50 + 39 = 58.50; 226 − 56.50 + 339 = 508.50
    assert rows[4].endswith("|0.00|0.00|450.00|58.50|0.00|0.00|508.50")
    table = _csv(accountant.get(f"/reportes/libro-contribuyentes/exportar/csv/?{month_query()}"))
    assert table[0][:4] == ["Correlativo", "Fecha de emisión", "Tipo", "Número de control"]
    assert [r[0] for r in table[1:4]] == ["1", "2", "3"] and table[2][9:] == ["-50.00", "-6.50", "0.00", "0.00", "-56.50"]
    assert table[-1][0] == "Total" and table[-1][9] == "450.00" and table[-1][-1] == "508.50"
    sheet = _xlsx(accountant.get(f"/reportes/libro-contribuyentes/exportar/xlsx/?{month_query()}"))
    assert sheet[0][0] == "Libro de Ventas a Contribuyentes" and sheet[3][0] == "Mes 10/2026"
    body = [r for r in sheet if isinstance(r[0], int)]
    assert [(r[3], r[9], r[10], r[13]) for r in body] == [
        ("DTE-03-M001P001-000000000000001", 200, 26, 226), ("DTE-05-M001P001-000000000000001", -50, -6.5, -56.5),
        ("DTE-03-S001P001-000000000000001", 300, 39, 339)]
    assert sheet[-1][0] == "Total" and (sheet[-1][9], sheet[-1][10], sheet[-1][13]) == (450, 58.5, 508.5)
    text = _pdf_text(accountant.get(f"/reportes/libro-contribuyentes/exportar/pdf/?{month_query()}"), tmp_path)
    assert "Libro de Ventas a Contribuyentes" in text and "Mes 10/2026" in text and "$ 508.50" in text and "-$ 56.50" in text


def test_sales_book_to_final_consumers(book, accountant):
    response = accountant.get(f"/reportes/libro-consumidor-final/?{month_query()}")
    # the IVA inside taxed local sales: 13.00 + 2.60 + 5.20 = 20.80
    assert "Débito fiscal del mes (IVA incluido en las ventas gravadas locales): $ 20.80" in response.content.decode()
    rows = _screen(response)
    # day 3, M001P001: #1 113.00 + #2 22.60 taxed and 10.00 exempt; #8 (invalidated) is left out
    assert rows[1] == ("03/10/2026|M001P001|01|DTE-01-M001P001-000000000000001|DTE-01-M001P001-000000000000002|2|"
                       "10.00|0.00|135.60|0.00|145.60")
    # an export: 300.00 + 20.00 freight = 320.00
    assert rows[2] == ("05/10/2026|M001P001|11|DTE-11-M001P001-000000000000001|DTE-11-M001P001-000000000000001|1|"
                       "0.00|0.00|0.00|320.00|320.00")
    assert rows[3] == ("05/10/2026|S001P001|01|DTE-01-S001P001-000000000000001|DTE-01-S001P001-000000000000001|1|"
                       "0.00|0.00|45.20|0.00|45.20")
    # exempt 10.00; local 135.60 + 45.20 = 180.80; exports 320.00; 10 + 180.80 + 320 = 510.80
    assert rows[4] == "Total del periodo||||||4|10.00|0.00|180.80|320.00|510.80".replace("||||||4", "|||||4")


def test_retentions_invalidated_and_status(book, accountant):
    rows = _screen(accountant.get(f"/reportes/retenciones/?{range_query()}"))
    assert rows[1].endswith("|Repuestos del Norte, S.A.|06141506851019|1,500.00|15.00")  # 1 % of 1,500.00
    rows = _screen(accountant.get(f"/reportes/invalidados/?{range_query()}"))
    assert rows[1].startswith("07/10/2026|06/10/2026|01|DTE-01-M001P001-000000000000003|")
    assert "|11.30|Rescindir la operación|Venta anulada por el cliente|" in rows[1]
    rows = _screen(accountant.get(f"/reportes/estado/?{range_query()}"))
    assert rows[1:7] == ["Factura|Invalidado|1|11.30", "Factura|Sellado|3|190.80",
                         "Comprobante de Crédito Fiscal|Sellado|2|565.00", "Nota de Crédito|Sellado|1|56.50",
                         "Comprobante de Retención|Sellado|1|15.00", "Factura de Exportación|Sellado|1|320.00"]
    # 9 documents; 11.30 + 190.80 + 565.00 + 56.50 + 15.00 + 320.00 = 1,158.60
    assert rows[7] == "Total del periodo||9|1,158.60"
    rows = _screen(accountant.get(f"/reportes/estado/?{range_query(estado='invalidated')}"))
    assert rows[1] == "Factura|Invalidado|1|11.30" and rows[2] == "Total del periodo||1|11.30"


def test_sales_by_client_rep_establishment_and_point_of_sale(book, accountant):
    rows = _screen(accountant.get(f"/reportes/ventas-cliente/?{range_query()}"))
    # taxpayer: 200 − 50 + 300 = 450 net, 26 − 6.50 + 39 = 58.50 IVA; foreign 300 + 20 freight;
    # consumer: 113/1.13 + (22.60/1.13 + 10) + 45.20/1.13 = 100 + 30 + 40 = 170 net, IVA 13 + 2.60 + 5.20
    assert rows[1:4] == ["Distribuidora Central, S.A. de C.V.|06142803901121|3|450.00|58.50|508.50",
                         "Importadora Maya|GT-998877|1|300.00|0.00|320.00", "Ana López|00016297-5|3|170.00|20.80|190.80"]
    assert rows[4] == "Total del periodo||7|920.00|79.30|1,019.30"
    # the Matriz rep issued #1–#5: 100 + 30 + 200 − 50 + 300 = 580 net; the branch rep #6, #7: 40 + 300
    rows = _screen(accountant.get(f"/reportes/ventas-vendedor/?{range_query()}"))
    assert rows[1:3] == ["vendedor|vendedor|5|580.00|35.10|635.10", "Rosa Campos|vendedor_sucursal|2|340.00|44.20|384.20"]
    rows = _screen(accountant.get(f"/reportes/ventas-establecimiento/?{range_query()}"))
    assert rows[1:3] == ["M001|Matriz|5|580.00|35.10|635.10", "S001|Sucursal Santa Tecla|2|340.00|44.20|384.20"]
    rows = _screen(accountant.get(f"/reportes/ventas-punto/?{range_query(tipo='03')}"))
    assert rows[1:4] == ["M001P001|Matriz|Caja 1|1|200.00|26.00|226.00",
                         "S001P001|Sucursal Santa Tecla|Caja 1|1|300.00|39.00|339.00",
                         "Total del periodo|||2|500.00|65.00|565.00"]


def test_sales_by_product(book, accountant, products):
    from dte.models import DocumentLine

    # #1's chairs and #3's desk sold as the catalogue's "service" product: 2 + 1 units,
    # 113.00 / 1.13 + 200.00 = 300.00 net; the other lines have no catalogue product.
    DocumentLine.objects.filter(document__in=[book[1], book[3]]).update(product=products["service"])
    rows = _screen(accountant.get(f"/reportes/ventas-producto/?{range_query()}"))
    # others: 20.00 + 10.00 − 50.00 + 300.00 + 40.00 + 300.00 = 620.00; units 1 + 1 − 1 + 1 + 1 + 2 = 5
    assert rows[1:4] == ["|Líneas sin producto del catálogo|5|6|620.00", "SERV-01|Instalación|3|2|300.00",
                         "Total del periodo||8|8|920.00"]  # quantities without trailing zeros


def test_receivables_aging_in_sql_agrees_with_the_payment_pages(make_draft, issuer, parties, users, accountant,
                                                                 settings):
    import datetime

    from django.utils import timezone

    from payments.services import payment_record
    from payments.tests.reference import aging
    from payments.tests.test_payments import _ccf_on_credit

    settings.DTE_LARGE_AMOUNT_THRESHOLD = "100000000"
    client = parties["taxpayer"]
    client.credit_limit = D("100000")
    client.save()
    late = _ccf_on_credit(make_draft, issuer, client, "100.00", days_ago=45)  # 113.00, 15 days late
    old = _ccf_on_credit(make_draft, issuer, client, "300.00", days_ago=100)  # 339.00, 70 days late
    _ccf_on_credit(make_draft, issuer, client, "200.00")  # 226.00, current
    payment_record(client=client, date=timezone.localdate(), amount="13.00", method="01", acting_user=users["Contador"],
                   applications=[(late, "13.00")])
    payment_record(client=client, date=timezone.localdate(), amount="50.00", method="01", acting_user=users["Contador"],
                   applications=[])  # received, not applied yet
    assert old.issue_date == timezone.localdate() - datetime.timedelta(days=100)
    rows = _screen(accountant.get("/reportes/antiguedad/"))
    # current 226.00; 1–30: 113 − 13 = 100.00; 61–90: 339.00; owed 665.00, less 50.00 unapplied = 615.00
    assert rows[1] == "Distribuidora Central, S.A. de C.V.|100,000.00|226.00|100.00|0.00|339.00|0.00|-50.00|615.00"
    python = aging()[client.pk]
    assert (python.buckets["current"], python.buckets["1_30"], python.buckets["61_90"], python.balance) == (
        D("226.00"), D("100.00"), D("339.00"), D("615.00"))
    # the credit page shows the same figures
    page = accountant.get("/cobros/").content.decode()
    assert 'id="total-balance">$ 615.00<' in page


def test_long_lists_page_by_keyset(book, accountant, monkeypatch):
    monkeypatch.setattr("reports.base.PAGE", 2)
    first = accountant.get(f"/reportes/libro-contribuyentes/?{month_query()}")
    rows = _screen(first)
    assert [r.split("|")[0] for r in rows[1:3]] == ["1", "2"]
    following = re.search(r'id="next-page" href="\?([^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    assert "despues=" in following and "pagina" not in following
    rows = _screen(accountant.get(f"/reportes/libro-contribuyentes/?{following}"))
    assert rows[1].startswith("3|05/10/2026|03|DTE-03-S001P001") and "next-page" not in rows[-1]
    # the totals row is the whole month's on every page
    assert rows[-1].endswith("|508.50")


def test_cells_a_spreadsheet_would_run_are_escaped(book, accountant, parties):
    from dte.models import Document

    Document.objects.filter(pk=book[3].pk).update(counterparty={**book[3].counterparty, "name": '=HYPERLINK("http://x")'})
    table = _csv(accountant.get(f"/reportes/libro-contribuyentes/exportar/csv/?{month_query()}"))
    assert table[1][5] == "'=HYPERLINK(\"http://x\")"
    sheet = _xlsx(accountant.get(f"/reportes/libro-contribuyentes/exportar/xlsx/?{month_query()}"))
    assert sheet[6][5] == "'=HYPERLINK(\"http://x\")"
    rows = _screen(accountant.get(f"/reportes/libro-contribuyentes/?{month_query()}"))
    assert '|=HYPERLINK("http://x")|' in rows[1].replace("&quot;", '"')  # on screen as typed (escaped HTML)


def test_large_exports_are_built_in_the_background(book, users, accountant, client_as, monkeypatch,
                                                   django_capture_on_commit_callbacks):
    from reports.jobs import build
    from reports.models import ExportJob

    monkeypatch.setattr("reports.jobs.INLINE_MAX_ROWS", 1)
    monkeypatch.setattr("reports.tasks.export_task.apply_async", lambda *a, **k: None)  # the worker is called below
    with django_capture_on_commit_callbacks(execute=True):
        response = accountant.get(f"/reportes/ventas-cliente/exportar/xlsx/?{range_query()}")
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reportes/exportaciones/{job.public_id}/"
    page = accountant.get(response["Location"]).content.decode()
    assert 'data-state="queued"' in page and "hx-trigger" in page
    assert build(job.pk) is True
    job.refresh_from_db()
    assert (job.state, job.total, job.done) == ("done", 3, 3)
    page = accountant.get(f"/reportes/exportaciones/{job.public_id}/").content.decode()
    assert "100 %" in page and "export-download" in page
    sheet = _xlsx(accountant.get(f"/reportes/exportaciones/{job.public_id}/descargar/"))
    assert sheet[-1] == ["Total", None, 7, 920, 79.3, 1019.3]
    # another user's export does not exist for an establishment-bound user (company-wide roles may open it)
    assert client_as(users["Supervisor"]).get(f"/reportes/exportaciones/{job.public_id}/").status_code == 200


def test_pdf_refuses_very_long_reports(book, accountant, monkeypatch):
    monkeypatch.setattr("reports.exports.PDF_MAX_ROWS", 2)
    response = accountant.get(f"/reportes/libro-contribuyentes/exportar/pdf/?{month_query()}", follow=True)
    assert "un PDF admite hasta 2" in response.content.decode()


def test_bad_filters_are_reported_not_fatal(book, accountant):
    response = accountant.get("/reportes/ventas-cliente/?desde=2026-13-01&hasta=2026-10-31&establecimiento=abc")
    page = response.content.decode()
    assert response.status_code == 200 and "no es válida" in page
