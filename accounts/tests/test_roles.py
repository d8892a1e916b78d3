import pytest

from accounts import services
from accounts.models import Role
from accounts.modules import Module
from core.models import AuditEntry
from core.modules import Action

pytestmark = pytest.mark.django_db


def _modules(role):
    return set(role.permissions.values_list("module", flat=True))


def test_five_default_roles_with_their_modules(roles):
    assert set(roles) == {"Administrador", "Supervisor", "Vendedor", "Contador", "Auditor"}
    assert _modules(roles["Administrador"]) == {m.value for m in Module}
    assert _modules(roles["Vendedor"]) == {"clientes", "inventario", "documentos"}
    assert not roles["Vendedor"].company_wide
    # Auditor: read-only everywhere; exporting (a download) is reading too.
    assert set(roles["Auditor"].permissions.values_list("action", flat=True)) == {"view", "export"}
    assert set(roles["Auditor"].permissions.filter(action="export").values_list("module", flat=True)) == {
        "clientes", "inventario", "reportes"}
    assert _modules(roles["Auditor"]) == {m.value for m in Module}
    assert roles["Contador"].permissions.filter(module="documentos", action="invalidate").exists()
    assert not roles["Vendedor"].permissions.filter(module="documentos", action="invalidate").exists()


def test_menu_follows_the_role(users, client_as):
    html = client_as(users["Vendedor"]).get("/").content.decode()
    assert 'data-module="clientes"' in html and 'data-module="documentos"' in html
    assert 'data-module="reportes"' not in html and 'data-module="configuracion"' not in html
    html = client_as(users["Auditor"]).get("/").content.decode()
    assert 'data-module="configuracion"' in html and 'data-module="reportes"' in html


def test_changing_a_role_at_runtime_changes_access_and_is_audited(users, roles, client_as):
    vendedor = users["Vendedor"]
    assert client_as(vendedor).get("/configuracion/").status_code == 403
    services.role_set_permissions(
        role=roles["Vendedor"],
        grants=[(Module.CLIENTES, Action.VIEW), (Module.CONFIGURACION, Action.VIEW)],
        acting_user=users["Administrador"],
    )
    vendedor.refresh_from_db()
    assert client_as(vendedor).get("/configuracion/").status_code == 200
    html = client_as(vendedor).get("/").content.decode()
    assert 'data-module="documentos"' not in html  # taken away
    entry = AuditEntry.objects.filter(object_id=str(roles["Vendedor"].pk), summary="Permisos del rol").get()
    assert "documentos:create" in entry.before["grants"] and "documentos:create" not in entry.after["grants"]
    assert entry.actor == users["Administrador"]


def test_admin_edits_role_grants_through_the_admin_form(users, client_as):
    admin = client_as(users["Administrador"])
    role = Role.objects.get(name="Contador")
    response = admin.post(f"/admin/accounts/role/{role.pk}/change/", {
        "name": "Contador", "description": "x", "company_wide": "on",
        "grants": ["reportes:view", "reportes:export"],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(role.permissions.values_list("module", "action")) == {("reportes", "view"), ("reportes", "export")}


def test_admin_role_form_requires_view_with_other_actions(users, client_as):
    role = Role.objects.get(name="Contador")
    response = client_as(users["Administrador"]).post(f"/admin/accounts/role/{role.pk}/change/", {
        "name": "Contador", "grants": ["reportes:export"],
    })
    assert response.status_code == 200
    assert "Marque «Ver»" in response.content.decode()
    assert role.permissions.filter(module="documentos").exists()  # unchanged


def test_user_without_role_sees_an_explanation_not_an_error(users, client_as):
    response = client_as(users["outsider"]).get("/")
    assert response.status_code == 200
    assert "no tiene módulos asignados" in response.content.decode()


def test_inactive_user_has_no_grants(users):
    user = users["Contador"]
    user.is_active = False
    assert not user.can(Module.DOCUMENTOS, Action.VIEW)
