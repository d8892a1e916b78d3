"""The catalogue's pages: departments, projects and employees listed (search, pages), created,
edited and deactivated by a manager, audited; another establishment's manager and the roles
without the grant reach none of it."""

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


def test_the_lists_search_and_page(work, client_as):
    from timesheets.models import Department

    Department.objects.bulk_create([Department(establishment=work["dept"].establishment, code=f"D{i:02}",
                                               name=f"Zona {i:02}") for i in range(55)])
    c = client_as(work["manager"])
    first = c.get("/horas/departamentos/").content.decode()
    assert "56 registros" in first and "1 / 2" in first and 'id="next-page"' in first
    assert "Desarrollo" in first and "Zona 48" in first and "Zona 49" not in first  # by name: 50 a page
    second = c.get("/horas/departamentos/?page=2").content.decode()
    assert "Zona 49" in second and "Zona 54" in second and "Desarrollo" not in second and "2 / 2" in second
    found = c.get("/horas/departamentos/?q=desarr").content.decode()
    assert "1 registros" in found and "Desarrollo" in found
    people = c.get("/horas/colaboradores/?q=ana.g@").content.decode()
    assert "Ana Gómez" in people and "Juan Pérez" not in people
    partial = c.get("/horas/proyectos/?q=portal", headers={"HX-Request": "true", "HX-Target": "catalogue-rows"})
    html = partial.content.decode()
    assert "<html" not in html and "Portal de clientes" in html and "$ 25.00" in html


def test_create_edit_and_deactivate_are_audited(work, client_as):
    from core.models import AuditEntry
    from timesheets.models import Employee, Project

    c = client_as(work["manager"])
    main = work["dept"].establishment
    response = c.post("/horas/proyectos/nuevo/", {"establishment": main.pk, "code": "APP", "name": "App móvil",
                                                   "client": work["client"].pk, "rate": "30.00",
                                                   "budget_hours": "100", "budget_amount": "3000"})
    assert response.status_code == 302
    project = Project.objects.get(code="APP")
    assert (project.rate, project.client_id) == (Decimal("30.00"), work["client"].pk)
    assert AuditEntry.objects.filter(action="create", object_repr__contains="App móvil").exists()
    response = c.post("/horas/colaboradores/nuevo/", {
        "code": "C9", "name": "Luis Mena", "email": "luis@example.com", "fiscal_status": "contractor",
        "department": work["dept"].pk, "project": project.pk, "id_type": "13", "id_number": "05678912-3",
        "hourly_rate": "11.00", "departamento": "06", "municipio": "14", "address": "Calle 5", "phone": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    luis = Employee.objects.get(code="C9")
    response = c.post(f"/horas/colaboradores/{luis.pk}/", {
        "code": "C9", "name": "Luis Mena Ortiz", "email": "luis@example.com", "fiscal_status": "contractor",
        "department": work["dept"].pk, "project": project.pk, "id_type": "13", "id_number": "05678912-3",
        "hourly_rate": "12.00", "departamento": "06", "municipio": "14", "address": "Calle 5", "phone": ""})
    assert response.status_code == 302
    luis.refresh_from_db()
    assert (luis.name, luis.hourly_rate) == ("Luis Mena Ortiz", Decimal("12.00"))
    assert AuditEntry.objects.filter(action="update", object_repr__contains="Luis Mena Ortiz").exists()
    assert c.post(f"/horas/colaboradores/{luis.pk}/activo/").status_code == 302
    luis.refresh_from_db()
    assert not luis.is_active
    assert AuditEntry.objects.filter(summary="Desactivado", object_repr__contains="Luis").exists()
    # inactive: out of the default list and of the forms' choices
    c.get("/horas/colaboradores/")  # reads the pending messages
    assert f'data-pk="{luis.pk}"' not in c.get("/horas/colaboradores/").content.decode()
    assert f'data-pk="{luis.pk}"' in c.get("/horas/colaboradores/?active=0").content.decode()
    c.post(f"/horas/proyectos/{project.pk}/activo/")
    c.get("/horas/proyectos/")
    form = c.get("/horas/colaboradores/nuevo/").content.decode()
    assert "App móvil" not in form and "Portal de clientes" in form


def test_a_bad_form_says_why_in_spanish(work, client_as):
    c = client_as(work["manager"])
    page = c.post("/horas/departamentos/nuevo/", {"establishment": work["dept"].establishment_id, "code": "DEV",
                                                   "name": "Otro"}).content.decode()
    assert "Ya existe" in page  # the code is unique


def test_another_establishment_and_outsiders_reach_nothing(work, branch_boss, users, establishments, client_as):
    from core.models import AuditEntry
    from timesheets.models import Department

    boss = client_as(branch_boss)
    listed = boss.get("/horas/colaboradores/").content.decode()
    assert "Juan Pérez" not in listed and "No hay registros" in listed
    for path in (f"/horas/departamentos/{work['dept'].pk}/", f"/horas/proyectos/{work['project'].pk}/",
                 f"/horas/colaboradores/{work['juan'].pk}/"):
        assert boss.get(path).status_code == 404, path
        assert boss.post(path + "activo/").status_code == 404, path
    # creating in an establishment not theirs is refused by the form
    before = AuditEntry.objects.count()
    page = boss.post("/horas/departamentos/nuevo/", {"establishment": work["dept"].establishment_id, "code": "X1",
                                                      "name": "Ajeno"})
    assert page.status_code == 200 and not Department.objects.filter(code="X1").exists()
    # the branch's own department: allowed
    assert boss.post("/horas/departamentos/nuevo/", {"establishment": establishments["branch"].pk, "code": "X2",
                                                      "name": "Propio"}).status_code == 302
    assert AuditEntry.objects.count() == before + 1
    for name in ("Vendedor", "Contador", "Auditor", "outsider"):
        c = client_as(users[name])
        assert c.get("/horas/colaboradores/").status_code == 403, name
        assert c.post(f"/horas/colaboradores/{work['juan'].pk}/activo/").status_code == 403, name
    work["juan"].refresh_from_db()
    assert work["juan"].is_active


def test_an_employee_is_linked_only_to_a_user_the_manager_may_name(work, branch_boss, users, client_as):
    from accounts.selectors import users_reachable_by
    from timesheets.models import Employee

    c = client_as(work["manager"])
    ana = Employee.objects.get(name="Ana Gómez")
    page = c.get(f"/horas/colaboradores/{ana.pk}/").content.decode()
    form = page[page.index('name="user"'):]
    form = form[:form.index("</select>")]  # the user field's options only
    assert f'<option value="{users["Vendedor"].pk}"' in form
    assert f'<option value="{work["juan_user"].pk}"' not in form  # Juan's account: linked to Juan already
    # a manager bound to an establishment names only that establishment's users, never a
    # company-wide account
    reachable = set(users_reachable_by(user=branch_boss))
    assert branch_boss in reachable and users["Administrador"] not in reachable and work["manager"] not in reachable
    data = {"code": ana.code, "name": ana.name, "email": ana.email, "fiscal_status": ana.fiscal_status,
            "department": ana.department_id or "", "project": ana.project_id or "", "id_type": ana.id_type,
            "id_number": ana.id_number, "hourly_rate": str(ana.hourly_rate), "departamento": ana.departamento,
            "municipio": ana.municipio, "address": ana.address, "phone": ana.phone}
    refused = c.post(f"/horas/colaboradores/{ana.pk}/", {**data, "user": work["juan_user"].pk})
    assert refused.status_code == 200 and "Escoja una opción válida" in refused.content.decode()
    assert c.post(f"/horas/colaboradores/{ana.pk}/", {**data, "user": users["Vendedor"].pk}).status_code == 302
    ana.refresh_from_db()
    assert ana.user_id == users["Vendedor"].pk
