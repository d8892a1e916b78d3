"""Who sees which figures: roles decide the pages, assigned establishments decide the rows. A
branch manager bound to S001 never sees a Matriz figure in any report, export, annex or dashboard."""

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from reports.definitions import REPORTS
from reports.tests.conftest import month_query, range_query

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch_manager(make_user, roles, establishments, users):
    """A role without company-wide reach, with reports, assigned to the branch only."""
    from accounts.models import Role, RolePermission
    from accounts.services import user_assign_locations

    role = Role.objects.create(name="Jefe de sucursal", company_wide=False)
    for module, action in (("documentos", "view"), ("reportes", "view"), ("reportes", "export")):
        RolePermission.objects.create(role=role, module=module, action=action)
    user = make_user("jefe_sucursal")
    user.role = role
    user.save()
    user_assign_locations(user=user, establishments=[establishments["branch"]],
                          points_of_sale=[establishments["pos"]["S001P001"]], acting_user=users["Administrador"])
    return user


def _text(response, tmp_path):
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        sheet = load_workbook(io.BytesIO(body), read_only=True).active
        return " ".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    if "pdf" in kind:
        path = tmp_path / "out.pdf"
        path.write_bytes(body)
        assert shutil.which("pdftotext"), "pdftotext is missing (poppler-utils)"
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return body.decode("utf-8")


# Figures that exist only because of the Matriz documents (#1–#5, #8, #9 in conftest.py).
MATRIZ = ["M001", "Matriz", "DTE-01-M001", "580.00", "635.10", "1,019.30", "1019.30", "Importadora Maya",
          "Repuestos del Norte", "11.30", "1,500.00"]


def test_a_branch_user_never_sees_another_establishments_figures(book, branch_manager, client_as, tmp_path):
    from dte.models import Document

    Document.objects.filter(pk__in=[book[3].pk, book[7].pk]).update(condition=2, payment_term_days=30)
    browser = client_as(branch_manager)
    seen_branch = 0
    for report in REPORTS:
        query = month_query() if report.monthly else range_query()
        # asking for the Matriz explicitly does not help either
        for q in (query, f"{query}&establecimiento={book[1].establishment_id}"):
            outputs = [browser.get(f"/reportes/{report.slug}/?{q}")]
            outputs += [browser.get(f"/reportes/{report.slug}/exportar/{fmt}/?{q}") for fmt in ("csv", "xlsx", "pdf")]
            for response in outputs:
                assert response.status_code == 200, (report.slug, response.status_code)
                text = _text(response, tmp_path)
                leaked = [m for m in MATRIZ if m in text]
                assert not leaked, f"{report.slug}: {leaked}"
                seen_branch += "S001" in text or "384.20" in text or "339.00" in text
    assert seen_branch >= len(REPORTS)  # the branch's own figures are there
    page = browser.get("/reportes/tablero/?desde=2026-10-01&hasta=2026-10-31").content.decode()
    assert "340.00" in page and "580.00" not in page and "920.00" not in page  # branch net sales only


def test_roles_decide_the_report_pages(book, users, client_as):
    slug = "ventas-cliente"
    expected = {  # (view, export)
        "Contador": (200, 200), "Supervisor": (200, 200), "Administrador": (200, 200), "Auditor": (200, 200),
        "Vendedor": (403, 403), "outsider": (403, 403)}
    for role, (view, export) in expected.items():
        browser = client_as(users[role])
        assert browser.get("/reportes/").status_code == view, role
        assert browser.get(f"/reportes/{slug}/?{range_query()}").status_code == view, role
        assert browser.get(f"/reportes/{slug}/exportar/csv/?{range_query()}").status_code == export, role
        assert browser.get(f"/reportes/anexos-f07/?{month_query()}").status_code == export, role
    assert client_as(users["Contador"]).get("/reportes/no-existe/").status_code == 404
    assert client_as(users["Contador"]).get(f"/reportes/{slug}/exportar/docx/").status_code == 404


def test_dashboards_by_role(book, users, issuer, branch_rep, client_as):
    from dte.models import Document, GovStatus

    Document.objects.filter(pk=book[6].pk).update(status=GovStatus.REJECTED)
    period = "?desde=2026-10-01&hasta=2026-10-31"
    page = client_as(users["Contador"]).get(f"/reportes/tablero/{period}").content.decode()
    assert "Tablero contable" in page
    # net sales of the month, #6 (40.00 net) now rejected: 920.00 − 40.00 = 880.00, 7 documents in force
    assert re.search(r'data-total="2">\$ 880.00<', page) and "7 documentos vigentes" in page
    assert re.search(r'data-action="rejected".*?badge text-bg-danger">1<', page, re.S)
    charts = _charts(page)
    assert charts["establishment"] == {"labels": ["M001 · Matriz", "S001 · Sucursal Santa Tecla"], "values": [580.0, 300.0]}
    assert sum(charts["day"]["values"]) == 880.0 and len(charts["day"]["labels"]) == 31
    # the by-status table: sealed in the chosen period, 7 documents (#1–#5, #7, #9)
    assert re.search(r'data-status="sealed"><td>Sellado</td>.*?<span class="fw-semibold">7</span>', page, re.S)
    page = client_as(users["Supervisor"]).get(f"/reportes/tablero/{period}").content.decode()
    assert "Tablero de supervisión" in page and 'data-action="approvals"' in page
    page = client_as(issuer).get(f"/reportes/tablero/{period}").content.decode()
    # the Matriz rep: only his documents, 580.00 net; no establishment or rep charts
    assert "Mis ventas" in page and re.search(r'data-total="2">\$ 580.00<', page) and 'id="chart-rep"' not in page
    page = client_as(branch_rep).get(f"/reportes/tablero/{period}").content.decode()
    assert re.search(r'data-total="2">\$ 300.00<', page) and 'data-action="drafts"' in page
    assert client_as(users["outsider"]).get("/reportes/tablero/").status_code == 403


def _charts(page):
    import json

    return json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page, re.S).group(1))


def test_the_dashboard_shows_the_contingency_backlog(book, users, client_as, company):
    from django.utils import timezone

    from dte.models import Document, GovStatus
    from dte.models import OfflineScope as Period

    period = Period.objects.create(company=company, tipo=1, started_at=timezone.now())
    Document.objects.filter(pk__in=[book[1].pk, book[2].pk]).update(status=GovStatus.CONTINGENCY,
                                                                     contingency_period=period)
    page = client_as(users["Contador"]).get("/reportes/tablero/").content.decode()
    block = re.search(r'data-action="contingency">(.*?)</a>', page, re.S).group(1)
    assert "2 en espera" in block and f"/contingencia/{period.pk}/" in page
    # a rep's own dashboard does not carry the company's contingency block
    assert 'data-action="contingency"' not in client_as(users["Vendedor"]).get("/reportes/tablero/").content.decode()
