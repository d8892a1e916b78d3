"""Workdays uploaded through the bulk machinery: the dry run saves nothing, errors name the row
and column and nothing is kept, a locked period or an approved day is refused, the same file
twice changes nothing, and who may upload."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from bulk import engine
from bulk.reading import read_upload
from bulk.registry import get_spec
from timesheets.tests.conftest import END, START

pytestmark = pytest.mark.django_db
SPEC = get_spec("jornadas")
HEADER = [c.header for c in SPEC.columns]
MON = datetime.date(2026, 11, 30)


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _run(rows, user, apply=False):
    return engine.run(SPEC, read_upload(_xlsx(rows), "jornadas.xlsx", max_rows=SPEC.max_rows),
                      apply_changes=apply, user=user)


GOOD = [["C1", "PORTAL", MON, 8, "Pruebas"], ["C2", "PORTAL", MON, 6.5, ""],
        ["C1", "PORTAL", MON + datetime.timedelta(days=1), 7.25, "Despliegue"]]


def test_a_good_file_loads_the_days_after_the_dry_run(work):
    from core.models import AuditEntry
    from timesheets.models import Workday

    result = _run(GOOD, work["manager"])
    assert (result.rows, result.new, result.errors) == (3, 3, [])
    assert not Workday.objects.filter(date__gte=MON).exists()  # the dry run saves nothing
    _run(GOOD, work["manager"], apply=True)
    days = dict(Workday.objects.filter(date__gte=MON, employee__code="C1").values_list("date", "hours"))
    assert days == {MON: Decimal("8.00"), MON + datetime.timedelta(days=1): Decimal("7.25")}
    assert set(Workday.objects.filter(date__gte=MON).values_list("state", flat=True)) == {"draft"}
    assert AuditEntry.objects.filter(object_repr__contains="2026-11-30").count() == 2
    again = _run(GOOD, work["manager"], apply=True)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)


def test_bad_rows_are_named_and_nothing_is_kept(work):
    from timesheets import services
    from timesheets.models import Workday

    run, _created = services.run_request(point_of_sale=work["pos"], period_start=START, period_end=END,
                                         acting_user=work["manager"])
    services.run_execute(run.pk)
    rows = GOOD + [["C9", "PORTAL", MON, 8, ""], ["C1", "NADA", MON + datetime.timedelta(days=2), 8, ""],
                   ["C2", "PORTAL", START, 8, ""], ["C1", "PORTAL", MON + datetime.timedelta(days=3), 25, ""]]
    result = _run(rows, work["manager"], apply=True)
    errors = {(row, column): message for row, column, message in result.errors}
    assert "no hay un colaborador «C9»" in errors[(5, "colaborador")]
    assert "no hay un proyecto «NADA»" in errors[(6, "proyecto")]
    assert "ya fue facturado y está cerrado" in errors[(7, "fecha")]
    assert (8, "horas") in errors
    assert not Workday.objects.filter(date__gte=MON).exists()


def test_who_may_upload(work, users, client_as):
    data = _xlsx(GOOD)
    assert client_as(users["Vendedor"]).post("/cargas/jornadas/", {"file": SimpleUploadedFile("j.xlsx", data)}
                                             ).status_code == 403
    assert client_as(work["manager"]).get("/cargas/jornadas/").status_code == 200
