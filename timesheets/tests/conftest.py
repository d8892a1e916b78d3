"""A two-week period of work: a department and a project billed to a taxpayer client (CCF), two
contractors not registered for IVA (FSE with renta withheld), one staff member (statement)."""

import datetime
from decimal import Decimal

import pytest

from dte.tests.conftest import parties, signing_company, wired  # noqa: F401 - fixtures shared with dte's tests

START, END = datetime.date(2026, 11, 16), datetime.date(2026, 11, 27)  # two working weeks


def weekdays(start=START, end=END):
    day = start
    while day <= end:
        if day.weekday() < 5:
            yield day
        day += datetime.timedelta(days=1)


@pytest.fixture
def work(signing_company, establishments, parties, users, make_user):  # noqa: F811 - pytest fixtures by name
    from timesheets.models import Department, Employee, FiscalStatus, Project, Workday, WorkdayState

    main = establishments["main"]
    dept = Department.objects.create(establishment=main, code="DEV", name="Desarrollo")
    project = Project.objects.create(establishment=main, code="PORTAL", name="Portal de clientes",
                                     client=parties["taxpayer"], rate=Decimal("25.00"), budget_hours=Decimal("200"),
                                     budget_amount=Decimal("5000"))
    juan_user = make_user("juan", None)
    juan = Employee.objects.create(department=dept, project=project, user=juan_user, code="C1", name="Juan Pérez",
                                   email="juan@example.com", fiscal_status=FiscalStatus.CONTRACTOR, id_type="13",
                                   id_number="04567891-2", hourly_rate=Decimal("12.50"))
    ana = Employee.objects.create(department=dept, project=project, code="C2", name="Ana Gómez", email="ana.g@example.com",
                                  fiscal_status=FiscalStatus.CONTRACTOR, id_type="13", id_number="01234567-8",
                                  hourly_rate=Decimal("15.75"))
    pedro = Employee.objects.create(department=dept, project=project, code="S1", name="Pedro Ruiz",
                                    email="pedro@example.com", fiscal_status=FiscalStatus.STAFF, id_type="13",
                                    id_number="02345678-9", hourly_rate=Decimal("5.00"))
    days = list(weekdays())
    assert len(days) == 10
    rows = []
    for d in days:
        rows.append(Workday(employee=juan, project=project, date=d, hours=Decimal("8"), state=WorkdayState.APPROVED,
                            description="Módulo de pagos"))
        rows.append(Workday(employee=ana, project=project, date=d, hours=Decimal("6.5"), state=WorkdayState.APPROVED))
        rows.append(Workday(employee=pedro, project=project, date=d, hours=Decimal("8"), state=WorkdayState.APPROVED))
    # a day Ana logged but nobody approved: not billed, stays as it is
    rows.append(Workday(employee=ana, project=project, date=datetime.date(2026, 11, 21), hours=Decimal("4")))
    Workday.objects.bulk_create(rows)
    manager = users["Supervisor"]
    return {"dept": dept, "project": project, "juan": juan, "ana": ana, "pedro": pedro, "manager": manager,
            "pos": establishments["pos"]["M001P001"], "client": parties["taxpayer"], "juan_user": juan_user}


@pytest.fixture
def branch_boss(work, make_user, roles, establishments):
    """A manager with the Supervisor's grants, assigned only to the branch (another establishment)."""
    from accounts.models import Role
    from accounts.services import user_assign_locations

    role = Role.objects.create(name="Jefe de sucursal", company_wide=False)
    for perm in roles["Supervisor"].permissions.all():
        role.permissions.create(module=perm.module, action=perm.action)
    boss = make_user("jefe", None)
    boss.role = role
    boss.save()
    user_assign_locations(user=boss, establishments=[establishments["branch"]],
                          points_of_sale=[establishments["pos"]["S001P001"]], acting_user=work["manager"])
    return boss
