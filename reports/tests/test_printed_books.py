"""The sales books on paper: a date, an NRC or a type split over two lines misreads, so those
cells never wrap (the page is landscape, long codes print smaller)."""

import re
import shutil
import subprocess

import pytest

from reports.tests.conftest import month_query

pytestmark = pytest.mark.django_db


def _layout(response, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is missing (poppler-utils)")
    path = tmp_path / "book.pdf"
    path.write_bytes(response.content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout, info


def test_the_taxpayers_book_keeps_each_date_nrc_and_number_on_one_line(book, users, client_as, tmp_path):
    text, info = _layout(client_as(users["Contador"]).get(f"/reportes/libro-contribuyentes/exportar/pdf/?{month_query()}"),
                         tmp_path)
    assert "792 x 612 pts" in info  # letter, landscape
    # the three documents of conftest's month, each on one line: correlative, date, type, number, …, NRC
    for n, day, tipo, numero in ((1, "03/10/2026", "03", "DTE-03-M001P001-000000000000001"),
                                 (2, "05/10/2026", "05", "DTE-05-M001P001-000000000000001"),
                                 (3, "05/10/2026", "03", "DTE-03-S001P001-000000000000001")):
        assert re.search(rf"^\s*{n} {day}\s+{tipo}\s+{numero}\s.*\s2345678\s", text, re.M), text
    assert not re.search(r"\d\d/\d\d/\d{0,3}\s*$", text, re.M)  # no date cut at the end of a line


def test_the_consumers_book_keeps_each_date_and_range_on_one_line(book, users, client_as, tmp_path):
    text, _info = _layout(client_as(users["Contador"]).get(f"/reportes/libro-consumidor-final/exportar/pdf/?{month_query()}"),
                          tmp_path)
    assert re.search(r"^\s*03/10/2026\s+M001P001\s+01\s+DTE-01-M001P001-000000000000001\s+DTE-01-M001P001-000000000000002\s",
                     text, re.M), text
