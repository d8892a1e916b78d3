"""The pages: who may use them (manager, employee, outsider, another establishment), the dry run
page, the week grid, the self-service page, the reports and the F-14 export."""

import datetime
from decimal import Decimal

import pytest

from timesheets.tests.conftest import END, START

pytestmark = pytest.mark.django_db


def _issued(work):
    from timesheets import services

    run, _created = services.run_request(point_of_sale=work["pos"], period_start=START, period_end=END,
                                         acting_user=work["manager"])
    services.run_execute(run.pk)
    run.refresh_from_db()
    return run


def test_the_dry_run_page_lists_the_documents_without_issuing(work, client_as):
    from dte.models import Document

    page = client_as(work["manager"]).post("/horas/simular/", {"desde": START.isoformat(), "hasta": END.isoformat(),
                                                               "punto": work["pos"].pk})
    html = page.content.decode()
    assert page.status_code == 200 and "no usa números de control" in html
    assert "Juan Pérez" in html and "$ 900.00" in html and "$ 100.00" in html  # FSE: 1,000.00 − 10 %
    assert "$ 6,356.25" in html  # the client's CCF: 225 h × 25.00 + 13 %
    assert not Document.objects.exists()


def test_bad_period_is_refused_with_a_clear_message(work, client_as):
    page = client_as(work["manager"]).post("/horas/simular/", {"desde": END.isoformat(), "hasta": START.isoformat(),
                                                               "punto": work["pos"].pk}, follow=True)
    assert "El periodo termina antes de empezar." in page.content.decode()


def test_roles_without_the_grant_are_refused(work, users, client_as):
    for name in ("Vendedor", "Contador", "Auditor", "outsider"):
        c = client_as(users[name])
        assert c.get("/horas/").status_code == 403, name
        assert c.post("/horas/emitir/", {"desde": START.isoformat(), "hasta": END.isoformat(),
                                         "punto": work["pos"].pk}).status_code == 403, name
    from timesheets.models import BillingRun

    assert not BillingRun.objects.exists()


def test_another_establishments_manager_sees_nothing(work, make_user, roles, establishments, client_as):
    from accounts.models import Role
    from accounts.services import user_assign_locations

    role = Role.objects.create(name="Jefe de sucursal", company_wide=False)
    for perm in roles["Supervisor"].permissions.all():
        role.permissions.create(module=perm.module, action=perm.action)
    branch_boss = make_user("jefe", None)
    branch_boss.role = role
    branch_boss.save()
    user_assign_locations(user=branch_boss, establishments=[establishments["branch"]],
                          points_of_sale=[establishments["pos"]["S001P001"]], acting_user=work["manager"])
    run = _issued(work)
    c = client_as(branch_boss)
    assert c.get(f"/horas/corridas/{run.pk}/").status_code == 404
    item = run.items.first()
    assert c.post(f"/horas/documentos/{item.pk}/enlace/").status_code == 404
    assert c.get(f"/horas/semana/?empleado={work['juan'].pk}").status_code == 404
    # issuing from a point of sale outside their establishments is refused as a bad form
    page = c.post("/horas/emitir/", {"desde": START.isoformat(), "hasta": END.isoformat(), "punto": work["pos"].pk},
                  follow=True)
    assert "Elija el punto de venta" in page.content.decode()


def test_the_run_page_shows_progress_and_documents(work, client_as):
    run = _issued(work)
    page = client_as(work["manager"]).get(f"/horas/corridas/{run.pk}/")
    html = page.content.decode()
    assert 'data-percent="100"' in html and "4 de 4 emitidos" in html
    assert html.count('data-state="issued"') == 4


def test_an_employee_sees_only_their_own_data(work, client_as):
    run = _issued(work)
    juan = client_as(work["juan_user"])
    page = juan.get("/horas/mias/").content.decode()
    assert "Juan Pérez" in page and "Ana Gómez" not in page and "$ 900.00" in page
    assert juan.get("/horas/").status_code == 403
    assert juan.get(f"/horas/corridas/{run.pk}/").status_code == 403
    assert juan.get(f"/horas/semana/?empleado={work['ana'].pk}").status_code == 404
    # their own week: they enter hours, which wait for approval
    monday = datetime.date(2026, 11, 30)
    juan.post("/horas/semana/", {"semana": monday.isoformat(), "h-2026-11-30": "7,5"})
    from timesheets.models import Workday

    day = Workday.objects.get(employee=work["juan"], date=monday)
    assert (day.hours, day.state) == (Decimal("7.50"), "draft")
    assert juan.post("/horas/semana/aprobar/", {"semana": monday.isoformat()}).status_code == 403


def test_a_bad_hours_cell_names_the_day_and_loses_nothing(work, client_as):
    from timesheets.models import Workday

    monday = datetime.date(2026, 11, 30)
    page = client_as(work["juan_user"]).post("/horas/semana/", {"semana": monday.isoformat(), "h-2026-11-30": "8",
                                                               "h-2026-12-01": "ocho"}, follow=True)
    assert "01/12/2026: «ocho» no es un número de horas." in page.content.decode()
    assert not Workday.objects.filter(date__gte=monday).exists()


def test_the_manager_approves_a_week_from_the_grid(work, client_as):
    from timesheets.models import Workday

    monday = datetime.date(2026, 11, 30)
    manager = client_as(work["manager"])
    manager.post("/horas/semana/", {"empleado": work["ana"].pk, "semana": monday.isoformat(), "h-2026-11-30": "6"})
    page = manager.get(f"/horas/semana/?semana={monday.isoformat()}").content.decode()
    assert "Ana Gómez" in page and "Aprobar la semana" in page
    manager.post("/horas/semana/aprobar/", {"semana": monday.isoformat()})
    assert Workday.objects.get(date=monday).state == "approved"


def test_reports_and_the_f14_export(work, users, client_as, monkeypatch):
    from timesheets import views

    _issued(work)
    c = client_as(users["Contador"])
    page = c.get("/horas/reportes/?por=employee").content.decode()
    assert "<td>Juan Pérez</td><td class=\"text-nowrap text-end\">80</td>" in page
    # budget: 225 h billed + Ana's 4 h waiting for approval = 229 h of 200 → 114 % (114.5, truncated)
    assert "114 %" in page and "229 / 200" in page
    month = datetime.date.today().replace(day=1)
    csv = c.get(f"/horas/reportes/f14.csv?mes={month:%Y-%m}").content.decode()
    rows = [r.split(";") for r in csv.split("\r\n") if r]
    assert len(rows) == 2 and all(len(r) == 23 for r in rows)
    juan = next(r for r in rows if r[2] == "JUAN PÉREZ")
    # A 1, B 9300, E the DUI in digits, F 11, G 1000.00, I 100.00, W the period MMYYYY
    assert (juan[0], juan[1], juan[4], juan[5], juan[6], juan[8], juan[22]) == (
        "1", "9300", "045678912", "11", "1000.00", "100.00", f"{month:%m%Y}")
    assert client_as(users["Vendedor"]).get("/horas/reportes/f14.csv").status_code == 403
    assert views  # the module under test


def test_the_home_page_leads_managers_and_employees_here(work, users, client_as):
    page = client_as(work["manager"]).get("/").content.decode()
    assert "Horas por aprobar: 1" in page and "/horas/" in page  # Ana's unapproved Saturday
    mine = client_as(work["juan_user"]).get("/").content.decode()
    assert "Mis horas y documentos" in mine and "/horas/mias/" in mine
    assert "/horas/" not in client_as(users["Vendedor"]).get("/").content.decode()
