"""A role that may only create, or only sees some clients, cannot change records through an upload:
rows that change an existing record need the module's edit grant, and every existing record a row
matches must be one the user's pages show. Such rows are errors by row and column; nothing applies."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bulk import engine
from bulk.models import ImportJob
from bulk.reading import read_upload
from bulk.registry import get_spec
from bulk.tests.helpers import client_row, consumer_row, dui, xlsx
from clients.models import Client

pytestmark = pytest.mark.django_db
SPEC = get_spec("clientes")


@pytest.fixture
def rep(users, establishments):
    from accounts.services import user_assign_locations

    user = users["Vendedor"]  # clients: view + create; bound to the main establishment
    user_assign_locations(user=user, establishments=[establishments["main"]],
                          points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    return user


@pytest.fixture
def stored(establishments):
    """Ana in the rep's establishment, Beto in the branch (the rep gets 404 on him); as uploaded
    from ``consumer_row`` by an administrator, so that the same row again changes nothing."""
    _run([consumer_row(dui(11), "Ana", correo="ana@example.com"), consumer_row(dui(22), "Beto", correo="beto@example.com")],
         None)
    Client.objects.filter(name="Ana").update(establishment=establishments["main"])
    Client.objects.filter(name="Beto").update(establishment=establishments["branch"])
    return Client.objects.get(name="Ana"), Client.objects.get(name="Beto")


def _run(rows, user):
    table = read_upload(xlsx(rows), "c.xlsx", max_rows=SPEC.max_rows)
    return engine.run(SPEC, table, apply_changes=True, user=user)


def _grant_edit(roles):
    from accounts.models import RolePermission

    RolePermission.objects.create(role=roles["Vendedor"], module="clientes", action="edit")


def test_the_rep_cannot_change_clients_by_upload(rep, stored, client_as):
    ana, beto = stored
    assert client_as(rep).get(f"/clientes/{beto.pk}/").status_code == 404  # the premise
    rows = [consumer_row(ana.id_number, "Ana", correo="fuera@evil.example", limite_credito=999999),
            consumer_row(beto.id_number, "Beto", correo="fuera@evil.example", plazo_dias=365),
            consumer_row(dui(33), "Nueva")]
    result = _run(rows, rep)
    errors = {(r, c): m for r, c, m in result.errors}
    assert set(errors) == {(2, "numero_documento"), (3, "numero_documento")}
    assert "solo puede crear" in errors[(2, "numero_documento")]
    assert "no puede ver" in errors[(3, "numero_documento")]
    report = engine.error_report(SPEC, read_upload(xlsx(rows), "c.xlsx", max_rows=SPEC.max_rows), result)
    from openpyxl import load_workbook

    lines = list(load_workbook(io.BytesIO(report)).worksheets[0].iter_rows(values_only=True))
    assert lines[2][4] == "Beto" and "no puede ver" in lines[2][-1]  # the error report repeats the row as uploaded
    ana.refresh_from_db()
    beto.refresh_from_db()
    assert (ana.email, ana.credit_limit) == ("ana@example.com", Decimal("5000.00"))
    assert (beto.email, beto.payment_term_days) == ("beto@example.com", 30)
    assert not Client.objects.filter(name="Nueva").exists()  # all or nothing


def test_creating_needs_only_create_and_an_identical_row_in_scope_is_unchanged(rep, stored):
    ana, _beto = stored
    result = _run([consumer_row(dui(33), "Nueva"), consumer_row(ana.id_number, "Ana", correo="ana@example.com")], rep)
    assert result.errors == [] and (result.new, result.unchanged) == (1, 1)
    # The new client is filed under the rep's single establishment (as the form files it), so he
    # keeps seeing it and the other establishment's reps do not; Ana keeps hers.
    assert Client.objects.get(name="Nueva").establishment == ana.establishment


def test_a_new_client_from_a_company_wide_upload_stays_shared(users, establishments):
    result = _run([consumer_row(dui(66), "Compartida")], users["Supervisor"])
    assert result.errors == [] and Client.objects.get(name="Compartida").establishment is None


def test_with_the_edit_grant_the_rep_changes_only_clients_in_his_scope(rep, stored, roles):
    _grant_edit(roles)
    ana, beto = stored
    result = _run([consumer_row(ana.id_number, "Ana", correo="ana@nuevo.example"),
                   consumer_row(beto.id_number, "Beto", correo="beto@example.com")],
                  rep)
    # Beto's row would change nothing, but an «unchanged» would tell what his record holds.
    assert [(r, c) for r, c, _m in result.errors] == [(3, "numero_documento")]
    ana.refresh_from_db()
    assert ana.email == "ana@example.com"
    ok = _run([consumer_row(ana.id_number, "Ana", correo="ana@nuevo.example")], rep)
    ana.refresh_from_db()
    assert ok.errors == [] and ok.changed == 1 and ana.email == "ana@nuevo.example"


def test_shared_and_assigned_clients_are_in_scope(rep, roles, establishments):
    _grant_edit(roles)
    shared = Client.objects.create(kind="consumidor", id_type="13", id_number=dui(44), name="Compartido")
    mine = Client.objects.create(kind="consumidor", id_type="13", id_number=dui(55), name="Asignado",
                                 establishment=establishments["branch"], sales_rep=rep)
    result = _run([consumer_row(shared.id_number, "Compartido 2"), consumer_row(mine.id_number, "Asignado 2")], rep)
    assert result.errors == [] and result.changed == 2


def test_a_company_wide_editor_changes_any_client(users, stored):
    _ana, beto = stored
    result = _run([consumer_row(beto.id_number, "Beto", correo="beto@nuevo.example")], users["Supervisor"])
    beto.refresh_from_db()
    assert result.errors == [] and beto.email == "beto@nuevo.example"


def test_through_the_pages_the_reps_job_is_invalid_and_cannot_be_applied(rep, stored, client_as,
                                                                         django_capture_on_commit_callbacks):
    from billing.celery import app

    _ana, beto = stored
    c = client_as(rep)
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            c.post("/cargas/clientes/", {"file": SimpleUploadedFile("c.xlsx", xlsx([
                client_row(), consumer_row(beto.id_number, "Beto", correo="fuera@evil.example")]))})
        job = ImportJob.objects.get()
        assert job.status == "invalid" and job.wrong == 1
        assert job.errors[0][:2] == [3, "numero_documento"]
        assert c.get(f"/cargas/clientes/{job.public_id}/errores.xlsx").status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            c.post(f"/cargas/clientes/{job.public_id}/aplicar/")
    finally:
        app.conf.task_always_eager = False
    beto.refresh_from_db()
    assert beto.email == "beto@example.com" and Client.objects.count() == 2


def test_stock_counts_name_only_the_users_establishments(users, roles, make_user, establishments):
    from accounts.models import RolePermission
    from accounts.services import user_assign_locations
    from inventory.models import Product, Stock

    spec = get_spec("existencias")
    for action in ("view", "create", "edit"):
        RolePermission.objects.get_or_create(role=roles["Vendedor"], module="inventario", action=action)
    user = users["Vendedor"]
    user_assign_locations(user=user, establishments=[establishments["main"]], points_of_sale=[],
                          acting_user=users["Administrador"])
    Product.objects.create(code="P1", description="Silla", price=1, tracks_stock=True)
    header = [c.header for c in spec.columns]
    table = read_upload(xlsx([["M001", "P1", 5], ["S001", "P1", 7]], header=header), "e.xlsx", max_rows=10)
    result = engine.run(spec, table, apply_changes=True, user=user)
    assert [(r, c) for r, c, _m in result.errors] == [(3, "establecimiento")]
    assert "no es uno de los suyos" in result.errors[0][2]
    assert not Stock.objects.exists()


def test_a_role_that_may_only_create_products_cannot_reprice_them(users, roles, make_user):
    from accounts.models import Role, RolePermission
    from inventory.models import Product

    role = Role.objects.create(name="Bodega", company_wide=True)
    for action in ("view", "create"):
        RolePermission.objects.create(role=role, module="inventario", action=action)
    user = make_user("bodega", "Bodega")
    spec = get_spec("productos")
    header = [c.header for c in spec.columns]
    Product.objects.create(code="P1", description="Silla", item_type=1, unit=59, price=100)
    row = {"codigo": "P1", "descripcion": "Silla", "tipo_item": "bienes", "unidad": 59, "precio": 1}
    new = {"codigo": "P2", "descripcion": "Mesa", "tipo_item": "bienes", "unidad": 59, "precio": 50}
    table = read_upload(xlsx([row, new], header=header), "p.xlsx", max_rows=10)
    result = engine.run(spec, table, apply_changes=True, user=user)
    assert [(r, c) for r, c, _m in result.errors] == [(2, "codigo")]
    assert Product.objects.get(code="P1").price == 100 and not Product.objects.filter(code="P2").exists()
    alone = engine.run(spec, read_upload(xlsx([new], header=header), "p.xlsx", max_rows=10), apply_changes=True,
                       user=user)
    assert alone.errors == [] and Product.objects.filter(code="P2").exists()
