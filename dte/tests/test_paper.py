"""Printed copies a client's accountant reads: the summary as a sum read top-down, in the same
order on the page and on paper; the ticket's consultation URL whole and its page as long as its
content."""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import require
from dte.printing import render_pdf
from dte.services.cases import case_confirm, case_decide, case_request_approval, cases_refresh
from dte.services.issuing import document_issue
from dte.summary import check, rows
from dte.tests.conftest import line
from dte.tests.test_printing import _seal
from dte.tests.test_reads import visible

MM = 72 / 25.4  # PDF points per millimetre


def _tools():
    for tool in ("pdftotext", "pdfinfo"):
        require(shutil.which(tool) is not None, f"{tool} (poppler-utils)")


def _layout_text(pdf, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _page_size(pdf, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    return float(width), float(height), pages


def _words(pdf, tmp_path, name):
    """Each word's right and bottom edges (points), from pdftotext -bbox."""
    path = tmp_path / name
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [(float(x), float(y), w) for x, y, w in
            re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


AMOUNT = r"(?P<sign>[+−] )?\$ (?P<amount>[\d,]+\.\d\d)"


def _summary_lines(text, labels):
    """Each label's position in the text and its signed amount, read from the line it is on."""
    found = []
    for label in labels:
        match = re.search(re.escape(label) + r"\s+" + AMOUNT, text)
        assert match, f"«{label}» con su monto no está en:\n{text}"
        amount = Decimal(match["amount"].replace(",", ""))
        found.append((match.start(), label, -amount if match["sign"] == "− " else amount))
    assert [f[1] for f in sorted(found)] == labels, "fuera de orden: " + str([f[1] for f in sorted(found)])
    return {label: amount for _pos, label, amount in found}


def _settle_cases(draft, issuer, users):
    for case in cases_refresh(document=draft, acting_user=issuer):
        if case.needs_approval:
            case_request_approval(case=case, acting_user=issuer)
            case_decide(case=case, acting_user=users["Supervisor"], approve=True, reason="Autorizado")
        else:
            case_confirm(case=case, acting_user=issuer)


CCF_ORDER = ["Ventas no sujetas", "Ventas exentas", "Ventas gravadas", "Descuento a ventas gravadas", "Subtotal",
             "IVA 13 %", "Monto total de la operación", "IVA retenido 1 %", "Total a pagar"]
FACTURA_ORDER = ["Ventas exentas", "Ventas gravadas", "Subtotal", "Monto total de la operación", "Total a pagar",
                 "IVA incluido en el total"]


@pytest.fixture
def ccf_with_retention(make_draft, issuer, parties, users):
    # A large taxpayer buys from a company that is not: it withholds 1 % of the taxable base.
    draft = make_draft("03", [line("Silla", "2", "100.00"), line("Libro", "1", "30.00", treatment="exento"),
                              line("Cuota gremial", "1", "20.00", treatment="no_sujeto")],
                       client=parties["large"], discount_gravada="10.00")
    _settle_cases(draft, issuer, users)
    return _seal(document_issue(document=draft, acting_user=issuer))


@pytest.fixture
def factura(make_draft, issuer, parties, users):
    draft = make_draft("01", [line("Café molido", "2", "11.30"), line("Libro", "1", "5.00", treatment="exento")],
                       client=parties["consumer"])
    _settle_cases(draft, issuer, users)
    return _seal(document_issue(document=draft, acting_user=issuer))


@pytest.mark.django_db
def test_a_ccf_with_retention_prints_its_summary_as_a_sum(ccf_with_retention, tmp_path):
    _tools()
    for layout in ("letter", "ticket"):
        text = _layout_text(render_pdf(ccf_with_retention, layout), tmp_path, f"ccf-{layout}.pdf")
        got = _summary_lines(text, CCF_ORDER)
        # By hand: no sujetas 20.00, exentas 30.00, gravadas 2 × 100.00 = 200.00, less 10.00 discount on
        # the taxable sales: subtotal 240.00; IVA 13 % of 190.00 = 24.70; operation 264.70; the buyer
        # withholds 1 % of 190.00 = 1.90; to pay 262.80.
        assert got == {
            "Ventas no sujetas": Decimal("20.00"), "Ventas exentas": Decimal("30.00"),
            "Ventas gravadas": Decimal("200.00"), "Descuento a ventas gravadas": Decimal("-10.00"),
            "Subtotal": Decimal("240.00"), "IVA 13 %": Decimal("24.70"),
            "Monto total de la operación": Decimal("264.70"), "IVA retenido 1 %": Decimal("-1.90"),
            "Total a pagar": Decimal("262.80")}, layout
        # and it adds up as printed: the sales and discount make the subtotal, the taxes the
        # operation total, the retention the amount to pay
        assert got["Ventas no sujetas"] + got["Ventas exentas"] + got["Ventas gravadas"] + \
            got["Descuento a ventas gravadas"] == got["Subtotal"]
        assert got["Subtotal"] + got["IVA 13 %"] == got["Monto total de la operación"]
        assert got["Monto total de la operación"] + got["IVA retenido 1 %"] == got["Total a pagar"]


@pytest.mark.django_db
def test_a_factura_prints_its_summary_as_a_sum_with_the_iva_inside_as_a_note(factura, tmp_path):
    _tools()
    for layout in ("letter", "ticket"):
        text = _layout_text(render_pdf(factura, layout), tmp_path, f"fe-{layout}.pdf")
        got = _summary_lines(text, FACTURA_ORDER)
        # By hand: exentas 5.00, gravadas 2 × 11.30 = 22.60 (IVA inside): subtotal = operation = to pay
        # 27.60; the IVA inside the taxed 22.60 is 22.60 × 13/113 = 2.60, a note, not added again.
        assert got == {"Ventas exentas": Decimal("5.00"), "Ventas gravadas": Decimal("22.60"),
                       "Subtotal": Decimal("27.60"), "Monto total de la operación": Decimal("27.60"),
                       "Total a pagar": Decimal("27.60"), "IVA incluido en el total": Decimal("2.60")}, layout
        assert "IVA 13 %" not in text


@pytest.mark.django_db
def test_the_document_page_reads_the_summary_in_the_same_order(client, users, ccf_with_retention, factura):
    client.force_login(users["Administrador"])
    for doc, order in ((ccf_with_retention, CCF_ORDER), (factura, FACTURA_ORDER)):
        text = visible(client.get(reverse("dte:detail", args=[doc.pk])))
        _summary_lines(text, order)


@pytest.mark.django_db
def test_every_type_summary_adds_up(ccf_with_retention, factura, make_draft, issuer, parties):
    from dte import jsonio

    for doc in (ccf_with_retention, factura):
        resumen = jsonio.loads(doc.payload)["resumen"]
        assert check(rows(resumen, doc.tipo_dte)) == []
    # an export: 10 × 245.00 − 50.00 discount + 25.00 insurance + 90.00 freight = 2,515.00
    export = rows({"totalGravada": Decimal("2450.00"), "descuento": Decimal("50.00"), "seguro": Decimal("25.00"),
                   "flete": Decimal("90.00"), "montoTotalOperacion": Decimal("2515.00"),
                   "totalNoGravado": Decimal("0"), "totalPagar": Decimal("2515.00")}, "11")
    assert [r.key for r in export] == ["totalGravada", "descuento", "seguro", "flete", "montoTotalOperacion",
                                       "totalPagar"] and check(export) == []
    # a wrong total is caught
    assert check(rows({"totalGravada": Decimal("10"), "subTotal": Decimal("10"), "montoTotalOperacion": Decimal("10"),
                       "totalPagar": Decimal("11")}, "01")) == [("totalPagar", Decimal("10"), Decimal("11"))]


@pytest.mark.django_db
def test_the_ticket_wraps_the_consultation_url_and_ends_with_its_content(factura, tmp_path, settings):
    _tools()
    # A long consultation address (a company's own mirror of MH's page): it must wrap, not be cut.
    settings.DTE_PUBLIC_CONSULT_URL = "https://consultapublicadedocumentostributarioselectronicos.mh.gob.sv/consultaPublica"
    pdf = render_pdf(factura, "ticket")
    width, height, pages = _page_size(pdf, tmp_path, "t.pdf")
    assert pages == 1 and round(width / MM) == 80
    words = _words(pdf, tmp_path, "t.pdf")
    assert words and max(x for x, _y, _w in words) <= width - 3 * MM  # nothing runs past the margin
    flat = "".join(w for _x, _y, w in words)
    url = (f"{settings.DTE_PUBLIC_CONSULT_URL}?ambiente=00&codGen={factura.codigo_generacion}"
           f"&fechaEmi={factura.issue_date.isoformat()}")
    assert url.replace("&", "&amp;") in flat or url in flat
    # the page ends where the content does: no half page of blank paper (4 mm margin, 1 mm slack)
    bottom = max(y for _x, y, _w in words)
    assert height - bottom <= 8 * MM, (height / MM, bottom / MM)
    assert height < 400 * MM


@pytest.mark.django_db
def test_the_letter_copy_keeps_the_letter_page(factura, tmp_path):
    _tools()
    width, height, pages = _page_size(render_pdf(factura, "letter"), tmp_path, "l.pdf")
    assert (round(width), round(height), pages) == (612, 792, 1)
