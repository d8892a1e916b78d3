"""The default roles fit each job, checked through the real pages (accounts.modules.DEFAULT_ROLES
and migration accounts 0011): the sales rep is not offered the buyer's documents, the accountant
exports clients and issues credit notes, the auditor downloads exports and writes nothing."""

import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import RolePermission
from dte.models import Document, GovStatus
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.transitions import transition

pytestmark = pytest.mark.django_db


def _offered_types(body):
    return set(re.findall(r'name="tipo_dte" id="tipo-\d+" value="(\d+)"', body))


def test_the_sales_rep_is_offered_the_sales_documents_only(issuer, client_as):
    body = client_as(issuer).get("/documentos/nuevo/").content.decode()
    assert _offered_types(body) == {"01", "03", "04", "05", "06", "11"}  # no 07 (retención), no 14 (sujeto excluido)
    from accounts.selectors import points_of_sale_for_user

    pos = points_of_sale_for_user(user=issuer)[0]
    client = client_as(issuer)
    for tipo in ("07", "14"):
        client.post("/documentos/nuevo/", {"tipo_dte": tipo, "point_of_sale": pos.pk})
    assert not Document.objects.filter(tipo_dte__in=["07", "14"]).exists()


def test_the_accountant_exports_clients(users, parties, client_as):
    response = client_as(users["Contador"]).get("/clientes/exportar.csv")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert "Distribuidora Central" in response.content.decode()


def test_the_accountant_issues_a_credit_note_through_the_pages(users, make_draft, issuer, parties, establishments,
                                                               client_as):
    ccf = document_issue(document=make_draft("03", [line("Equipo", "1", "100.00")], client=parties["taxpayer"]),
                         acting_user=issuer)
    transition(ccf, GovStatus.TRANSMITTING)
    transition(ccf, GovStatus.SEALED, sello_recibido="2026" + "C" * 36, processed_at=timezone.now())
    web = client_as(users["Contador"])
    body = web.get("/documentos/nuevo/").content.decode()
    assert _offered_types(body) == {"05", "06", "08", "09"}  # notes and the period-end liquidations
    response = web.post("/documentos/nuevo/", {"tipo_dte": "05", "point_of_sale": establishments["pos"]["M001P001"].pk})
    assert response.status_code == 302
    note = Document.objects.get(tipo_dte="05")
    today = timezone.localdate().isoformat()
    web.post(f"/documentos/{note.pk}/guardar/", {"action": "set_client", "client_id": parties["taxpayer"].pk,
                                                 "issue_date": today, "condition": "1"})
    web.post(f"/documentos/{note.pk}/guardar/", {"action": "add_related", "target_id": ccf.pk, "issue_date": today,
                                                 "condition": "1"})
    note.refresh_from_db()
    assert note.client == parties["taxpayer"] and note.related.get().target == ccf and note.lines.count() == 1
    response = web.post(f"/documentos/{note.pk}/emitir/")
    assert response.status_code == 302 and response["Location"] == f"/documentos/{note.pk}/", response["Location"]
    note.refresh_from_db()
    assert note.status == GovStatus.PENDING and note.issued_by == users["Contador"]
    assert note.numero_control.startswith("DTE-05-")
    # Still not a seller: a Factura is not his to create.
    web.post("/documentos/nuevo/", {"tipo_dte": "01", "point_of_sale": establishments["pos"]["M001P001"].pk})
    assert not Document.objects.filter(tipo_dte="01").exists()


def test_the_auditor_downloads_exports_and_writes_nothing(users, parties, establishments, client_as):
    from clients.models import Client

    web = client_as(users["Auditor"])
    for url in ("/clientes/exportar.csv", "/inventario/exportar.csv", "/inventario/proveedores/exportar.csv",
                "/reportes/ventas-cliente/exportar/csv/"):
        response = web.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment;"), url
    clients = Client.objects.count()
    refused = {
        "/clientes/nuevo/": {"kind": "consumidor", "id_type": "13", "id_number": "12345678-4", "name": "X"},
        f"/clientes/{parties['consumer'].pk}/editar/": {"name": "Cambiado"},
        f"/clientes/{parties['consumer'].pk}/activar/": {},
        "/inventario/nuevo/": {"code": "Z1", "description": "Z", "price": "1"},
        "/documentos/nuevo/": {"tipo_dte": "05", "point_of_sale": establishments["pos"]["M001P001"].pk},
        "/contingencia/declarar/": {"scope": "company", "tipo": "1"},
    }
    for url, body in refused.items():
        assert web.post(url, body).status_code == 403, url
    assert Client.objects.count() == clients and Document.objects.count() == 0
    assert Client.objects.get(pk=parties["consumer"].pk).is_active


# ------------------------------------------------------------------------- the data migration


def _migration():
    return importlib.import_module("accounts.migrations.0012_default_roles_fit_their_jobs")


def _set(role, grants, types):
    RolePermission.objects.filter(role=role).delete()
    RolePermission.objects.bulk_create([RolePermission(role=role, module=m, action=a) for m, a in grants])
    role.document_types = types
    role.save()


def test_the_migration_updates_roles_as_shipped_and_leaves_customised_ones(roles):
    mig = _migration()
    contador, vendedor, auditor = roles["Contador"], roles["Vendedor"], roles["Auditor"]
    _set(contador, mig.OLD["Contador"]["grants"], [])  # an installation from before: as shipped then
    contador.description = mig.OLD["Contador"]["description"]
    contador.save()
    customised = mig.OLD["Vendedor"]["grants"] | {("inventario", "create")}  # an admin added a grant
    _set(vendedor, customised, [])
    _set(auditor, mig.OLD["Auditor"]["grants"], ["01"])  # an admin limited its types
    mig.forwards(apps, None)
    contador.refresh_from_db()
    assert set(contador.permissions.values_list("module", "action")) == mig.NEW["Contador"]["grants"]
    assert contador.document_types == ["05", "06"] and "notas de crédito" in contador.description
    vendedor.refresh_from_db()
    assert set(vendedor.permissions.values_list("module", "action")) == customised and vendedor.document_types == []
    auditor.refresh_from_db()
    assert set(auditor.permissions.values_list("module", "action")) == mig.OLD["Auditor"]["grants"]
    mig.backwards(apps, None)
    contador.refresh_from_db()
    assert set(contador.permissions.values_list("module", "action")) == mig.OLD["Contador"]["grants"]
    assert contador.document_types == []


def test_the_seed_and_the_migration_agree(roles):
    """What a new database gets from the migrations is what DEFAULT_ROLES says (the seed)."""
    from accounts.modules import DEFAULT_ROLES

    for name, spec in DEFAULT_ROLES.items():
        role = roles[name]
        assert set(role.permissions.values_list("module", "action")) == {(str(m), str(a)) for m, a in spec["grants"]}
        assert role.document_types == spec.get("document_types", [])
        assert role.description == str(spec["description"])


def test_the_accountant_does_not_finish_a_reps_factura(users, make_draft, parties, client_as):
    draft = make_draft("01", [line("Mesa", "1", "11.30")], client=parties["consumer"])
    web = client_as(users["Contador"])
    assert web.get(f"/documentos/{draft.pk}/editar/").status_code == 403
    assert web.post(f"/documentos/{draft.pk}/emitir/").status_code == 403
    assert Document.objects.get(pk=draft.pk).status == GovStatus.DRAFT
