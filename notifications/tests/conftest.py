import pytest
from django.utils import timezone


@pytest.fixture
def people(users, establishments, make_user, roles):
    """The default roles plus the ones scope is about: the rep of the main establishment's till 1
    (the demo's), a rep of its till 2, a rep of the branch, and a supervisor bound to the branch
    (a role like the Supervisor's, not company-wide)."""
    from accounts.models import Role, RolePermission
    from accounts.services import user_assign_locations

    admin = users["Administrador"]
    pos = establishments["pos"]
    user_assign_locations(user=users["Vendedor"], establishments=[establishments["main"]], points_of_sale=[pos["M001P001"]],
                          acting_user=admin)
    till2 = make_user("caja2", "Vendedor")
    user_assign_locations(user=till2, establishments=[establishments["main"]], points_of_sale=[pos["M001P002"]],
                          acting_user=admin)
    branch_rep = make_user("sucursal", "Vendedor")
    user_assign_locations(user=branch_rep, establishments=[establishments["branch"]], points_of_sale=[pos["S001P001"]],
                          acting_user=admin)
    role = Role.objects.create(name="Supervisor de sucursal", company_wide=False)
    RolePermission.objects.bulk_create([RolePermission(role=role, module=m, action=a) for m, a in [
        ("documentos", "view"), ("documentos", "approve"), ("contingencia", "view")]])
    branch_sup = make_user("supsucursal")
    branch_sup.role = role
    branch_sup.save()
    user_assign_locations(user=branch_sup, establishments=[establishments["branch"]], points_of_sale=[], acting_user=admin)
    return {**users, "caja2": till2, "sucursal": branch_rep, "supsucursal": branch_sup}


@pytest.fixture
def make_document(establishments, people):
    from dte.models import Document

    counter = iter(range(1, 1000))

    def make(pos_code="M001P001", by="Vendedor", status="pending"):
        point = establishments["pos"][pos_code]
        n = next(counter)
        return Document.objects.create(
            company=point.establishment.company, establishment=point.establishment, point_of_sale=point, tipo_dte="01",
            issue_date=timezone.localdate(), created_by=people[by], status=status,
            numero_control=f"DTE-01-{pos_code}-{n:015d}", number_year=2026,
            codigo_generacion=f"1F2E3D4C-0000-4000-8000-{n:012d}", payload="{}", jws="a.b.c")

    return make


@pytest.fixture
def eager():
    from billing.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
