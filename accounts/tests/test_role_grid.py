"""The role grid: modules × actions, a checkbox only where the module has the action
(accounts.modules.MODULE_ACTIONS), on the configuration page and in the Django admin; a pair
that means nothing ("Reportes · Crear") is refused by the form, the service and the database."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import services
from accounts.models import RolePermission
from accounts.modules import ALL, MODULE_ACTIONS, Module, is_grant
from core.models import AuditEntry
from core.modules import Action

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _grid_cells(html):
    """{module: {action values with a checkbox}} as the page shows them."""
    grid = html.split('id="role-matrix"')[1]
    cells = {}
    for module, action in re.findall(r'data-grant="(\w+):(\w+)"', grid):
        cells.setdefault(module, set()).add(action)
    return cells


def test_the_grid_has_a_checkbox_only_where_the_module_has_the_action(users, client_as):
    html = client_as(users["Administrador"]).get("/configuracion/").content.decode()
    assert _grid_cells(html) == {m.value: {a.value for a in MODULE_ACTIONS[m]} for m in Module}
    assert 'value="reportes:create"' not in html and 'value="configuracion:approve"' not in html
    # 6 modules, 20 pairs in all (not 6 × 7 = 42)
    assert len(ALL) == 4 + 4 + 6 + 2 + 2 + 2
    assert html.count('type="checkbox" name="grants"') == 20


def test_an_admin_toggles_a_cell_and_the_role_changes(users, roles, client_as):
    contador = roles["Contador"]
    web = client_as(users["Administrador"])
    page = web.get(f"/configuracion/?rol={contador.pk}").content.decode()
    checked = set(re.findall(r'value="(\w+:\w+)"[^>]*checked', page))
    assert checked == {f"{p.module}:{p.action}" for p in contador.permissions.all()}
    response = web.post(f"/configuracion/roles/{contador.pk}/permisos/", {"grants": sorted(checked | {"inventario:export"})})
    assert response.status_code == 302 and response["Location"] == f"/configuracion/?rol={contador.pk}#role-matrix"
    assert contador.permissions.filter(module="inventario", action="export").exists()
    entry = AuditEntry.objects.get(object_id=str(contador.pk), summary="Permisos del rol")
    assert "inventario:export" in entry.after["grants"] and "inventario:export" not in entry.before["grants"]


def test_a_meaningless_pair_posted_by_hand_is_refused(users, roles, client_as):
    contador = roles["Contador"]
    before = set(contador.permissions.values_list("module", "action"))
    response = client_as(users["Administrador"]).post(f"/configuracion/roles/{contador.pk}/permisos/",
                                                      {"grants": ["reportes:view", "reportes:create"]})
    assert response.status_code == 200
    assert "no es una acción de ese módulo" in response.content.decode()
    assert set(contador.permissions.values_list("module", "action")) == before
    assert not AuditEntry.objects.filter(summary="Permisos del rol").exists()


def test_an_action_without_view_is_refused_on_the_page(users, roles, client_as):
    contador = roles["Contador"]
    response = client_as(users["Administrador"]).post(f"/configuracion/roles/{contador.pk}/permisos/",
                                                      {"grants": ["reportes:export"]})
    assert response.status_code == 200 and "Marque «Ver»" in response.content.decode()
    assert contador.permissions.filter(module="documentos").exists()


def test_who_may_see_and_who_may_change_the_grid(users, roles, client_as):
    auditor = client_as(users["Auditor"])
    html = auditor.get("/configuracion/").content.decode()
    assert _grid_cells(html)  # sees the grid...
    assert "disabled" in html.split('id="role-matrix"')[1] and "role-grants-save" not in html  # ...read-only
    vendedor = roles["Vendedor"]
    refused = auditor.post(f"/configuracion/roles/{vendedor.pk}/permisos/", {"grants": ["reportes:view"]})
    assert refused.status_code == 403
    assert not vendedor.permissions.filter(module="reportes").exists()
    assert client_as(users["Vendedor"]).get("/configuracion/").status_code == 403


def test_the_service_refuses_a_meaningless_pair(users, roles):
    with pytest.raises(ValidationError, match="no tienen esas acciones"):
        services.role_set_permissions(role=roles["Auditor"], grants=[("reportes", "view"), ("reportes", "create")],
                                      acting_user=users["Administrador"])
    assert not roles["Auditor"].permissions.filter(action="create").exists()


def test_the_database_refuses_a_meaningless_pair(roles):
    with pytest.raises(IntegrityError), transaction.atomic():
        RolePermission.objects.create(role=roles["Auditor"], module="reportes", action="create")
    RolePermission.objects.create(role=roles["Vendedor"], module="reportes", action="view")  # a real pair is fine


def test_the_default_roles_hold_only_real_pairs(roles):
    for role in roles.values():
        for module, action in role.permissions.values_list("module", "action"):
            assert is_grant(module, action), f"{role}: {module}:{action}"
    admin = set(roles["Administrador"].permissions.values_list("module", "action"))
    assert admin == {(m.value, a.value) for m, a in ALL}


def test_every_pair_the_code_checks_is_a_pair_a_role_can_hold():
    """A view or a check asking for a pair no role can hold would be closed to everyone but the
    superuser: every literal (Module.X, Action.Y) in the code, every URL's declared grant and the
    upload registry's grants must be in MODULE_ACTIONS."""
    from accounts.tests.test_url_matrix import URLS
    from bulk.registry import GRANTS
    from core.access import view_access

    used = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "node_modules" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for m, a in re.findall(r"Module\.([A-Z]+),\s*(?:Action\.)?([A-Z_]+)\b", text):
            if a == "V" or a == "_V":
                a = "VIEW"
            if hasattr(Action, a):
                used.add((Module[m].value, Action[a].value, str(path.relative_to(ROOT))))
    used |= {(m, a, "bulk/registry.py") for m, a in GRANTS.values()}
    for p in URLS:
        kind, module, action = view_access(p.values[1].callback)
        if kind == "module" and module != "catalogue":
            used.add((module, action, p.id))
    assert len(used) > 30  # the scan found the code
    wrong = sorted((m, a, where) for m, a, where in used if not is_grant(m, a))
    assert not wrong, f"pares sin sentido usados en el código: {wrong}"


def test_the_admin_role_form_shows_the_same_grid_and_refuses_a_meaningless_pair(users, roles, client_as):
    web = client_as(users["Administrador"])
    role = roles["Contador"]
    html = web.get(f"/admin/accounts/role/{role.pk}/change/").content.decode()
    assert 'class="table table-sm table-bordered align-middle text-center mb-0 grant-grid"' in html
    assert 'data-grant="reportes:export"' in html and 'value="reportes:create"' not in html
    assert html.count('type="checkbox" name="grants"') == len(ALL)
    response = web.post(f"/admin/accounts/role/{role.pk}/change/", {
        "name": "Contador", "company_wide": "on", "grants": ["reportes:view", "reportes:create"]})
    assert response.status_code == 200 and "no es una acción de ese módulo" in response.content.decode()
    assert role.permissions.filter(module="documentos").exists()  # unchanged
