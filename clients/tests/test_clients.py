import csv
import io

import pytest

from clients import selectors, services
from clients.models import Client

pytestmark = pytest.mark.django_db


def _taxpayer(**over):
    data = {"kind": "contribuyente", "id_type": "36", "id_number": "0614-050707-104-8", "nrc": "123456-7",
            "name": "Distribuidora Central", "trade_name": "Dicentral", "activity_code": "46900", "taxpayer_size": "grande",
            "departamento": "06", "municipio": "14", "address": "Calle 1", "email": "a@b.example", "credit_limit": 100,
            "payment_term_days": 30}
    data.update(over)
    return data


def test_create_normalizes_and_audits(users):
    client = services.client_create(data=_taxpayer(), acting_user=users["Administrador"])
    assert client.id_number == "06140507071048" and client.nrc == "1234567"
    assert client.activity_description == "Venta al por mayor de otros productos"
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(object_id=str(client.pk), action="create").exists()


def test_taxpayer_rules(users):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.client_create(data=_taxpayer(nrc="", id_type="13", id_number="00016297-5"), acting_user=None)
    assert {"nrc", "id_type"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.client_create(data={"kind": "extranjero", "id_type": "03", "id_number": "AB123456", "name": "Foreign Co"},
                               acting_user=None)
    assert {"country_code", "person_type"} <= set(exc.value.message_dict)


def test_search_by_any_part_of_name_nit_nrc_or_dui(users):
    services.client_create(data=_taxpayer(), acting_user=None)
    services.client_create(data={"kind": "consumidor", "id_type": "13", "id_number": "000162975", "name": "Ana María López"},
                           acting_user=None)
    admin = users["Administrador"]
    find = lambda q: [c.name for c in selectors.client_search(user=admin, query=q)]  # noqa: E731
    assert find("distrib") == ["Distribuidora Central"]
    assert find("0614-0507") == ["Distribuidora Central"] and find("06140507") == ["Distribuidora Central"]
    assert find("1234567") == ["Distribuidora Central"]
    assert find("00016297-5") == ["Ana María López"] and find("maria lopez") == ["Ana María López"]
    assert find("zzz") == []


def test_sales_rep_sees_shared_own_and_assigned_clients(users, establishments):
    shared = services.client_create(data=_taxpayer(), acting_user=None)
    other = services.client_create(data=_taxpayer(id_number="0614-010190-001-8", name="De la sucursal",
                                                  establishment=establishments["branch"]), acting_user=None)
    seller = users["Vendedor"]
    visible = set(selectors.clients_for_user(user=seller))
    assert shared in visible and other not in visible
    other.sales_rep = seller
    other.save()
    assert other in set(selectors.clients_for_user(user=seller))


def test_pages_create_edit_deactivate(users, client_as):
    c = client_as(users["Administrador"])
    response = c.post("/clientes/nuevo/", {**_taxpayer(), "credit_limit": "100", "payment_term_days": "30"})
    assert response.status_code == 302, response.content.decode()[:2000]
    client = Client.objects.get()
    assert "Distribuidora Central" in c.get(f"/clientes/{client.pk}/").content.decode()
    bad = c.post(f"/clientes/{client.pk}/editar/", {**_taxpayer(id_number="0614-050707-104-9"), "credit_limit": "1",
                                                    "payment_term_days": "1"})
    assert bad.status_code == 200 and "dígito verificador" in bad.content.decode()
    c.post(f"/clientes/{client.pk}/activar/")
    client.refresh_from_db()
    assert client.is_active is False
    assert Client.objects.count() == 1  # deactivated, never deleted


def test_list_search_partial_and_query_count(users, client_as, django_assert_max_num_queries):
    for i in range(30):
        Client.objects.create(kind="consumidor", id_type="37", id_number=f"X{i:04d}", name=f"Cliente {i}",
                              search_text=f"cliente {i} x{i:04d}")
    c = client_as(users["Contador"])
    c.get("/clientes/")
    with django_assert_max_num_queries(8):
        html = c.get("/clientes/", {"q": "cliente 1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="client-rows").content.decode()
    assert "Cliente 1" in html and "Cliente 2<" not in html and "<html" not in html


def test_export_escapes_formulas(users, client_as):
    Client.objects.create(kind="consumidor", id_type="37", id_number="X1", name='=HYPERLINK("http://malo","clic")')
    Client.objects.create(kind="consumidor", id_type="37", id_number="X2", name="@SUM(A1)")
    c = client_as(users["Administrador"])
    rows = list(csv.reader(io.StringIO(c.get("/clientes/exportar.csv").content.decode("utf-8-sig"))))
    names = {r[4] for r in rows[1:]}
    assert names == {"'=HYPERLINK(\"http://malo\",\"clic\")", "'@SUM(A1)"}
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(c.get("/clientes/exportar.xlsx").content))
    cells = {row[4].value for row in book.active.iter_rows(min_row=2)}
    assert all(v.startswith("'") for v in cells)
    assert c.get("/clientes/exportar.exe").status_code == 404


def test_export_then_upload_changes_nothing(users):
    from bulk import engine
    from bulk.exports import export_xlsx
    from bulk.reading import read_upload
    from clients.uploads import SPEC

    services.client_create(data=_taxpayer(sales_rep=users["Vendedor"]), acting_user=None)
    data = export_xlsx(SPEC, Client.objects.all())
    result = engine.run(SPEC, read_upload(data, "e.xlsx", max_rows=10))
    assert result.errors == [] and result.unchanged == 1


def _consumer(name, number):
    return services.client_create(data={"kind": "consumidor", "id_type": "37", "id_number": number, "name": name},
                                  acting_user=None)


def test_names_in_any_script_or_with_emoji_are_found_by_a_part(users, client_as):
    _consumer("شركة النور", "AR-0001")
    _consumer("Café ☕ Luna", "EM-0001")
    _consumer("Ana María López", "LT-0001")
    admin = users["Administrador"]
    find = lambda q: [c.name for c in selectors.client_search(user=admin, query=q)]  # noqa: E731
    assert find("النور") == ["شركة النور"] and find("شركة") == ["شركة النور"]
    assert find("☕") == ["Café ☕ Luna"] and find("cafe ☕ lu") == ["Café ☕ Luna"] and find("CAFÉ") == ["Café ☕ Luna"]
    assert find("maría") == ["Ana María López"]
    # The list page keeps its filter: an Arabic term shows only its client.
    page = client_as(admin).get("/clientes/", {"q": "النور"}).content.decode()
    assert "شركة النور" in page and "Ana María López" not in page and "Café" not in page


def test_a_search_that_normalizes_to_nothing_finds_nothing_not_everything(users, client_as):
    _consumer("Ana María López", "LT-0001")
    admin = users["Administrador"]
    for term in ("\u200b", "\u0301", "\u202e\u202c"):  # invisible or a bare accent: nothing to search for
        assert list(selectors.client_search(user=admin, query=term)) == []
        page = client_as(admin).get("/clientes/", {"q": term}).content.decode()
        assert "Ana María López" not in page
    # A blank box is no search: the whole list.
    assert [c.name for c in selectors.client_search(user=admin, query="  ")] == ["Ana María López"]


def test_invisible_control_characters_typed_in_the_form_are_not_stored(users, client_as):
    c = client_as(users["Administrador"])
    typed = {**_taxpayer(), "name": "\u202eDistribuidora\u202c Cen\u200btral\ufeff", "trade_name": "Di\u200ecentral\u2066",
             "address": "Calle\u200f 1\u0000", "credit_limit": "100", "payment_term_days": "30"}
    response = c.post("/clientes/nuevo/", typed)
    assert response.status_code == 302, response.content.decode()[:2000]
    client = Client.objects.get()
    assert (client.name, client.trade_name, client.address) == ("Distribuidora Central", "Dicentral", "Calle 1")
    assert find_one(users, "central") == client


def find_one(users, q):
    (found,) = selectors.client_search(user=users["Administrador"], query=q)
    return found


def test_invisible_control_characters_in_an_uploaded_client_are_not_stored(users):
    from bulk import engine
    from bulk.reading import read_upload
    from bulk.tests.helpers import consumer_row, csv_bytes, dui, xlsx
    from clients.uploads import SPEC

    rows = [consumer_row(dui(7), "\u202bAna\u202c L\u00f3pez\u200b", notas="nota\u00adoculta\ttab")]
    rows[0]["direccion"] = "Col.\u2067 Escal\u00f3n\u2069"
    for data, name in ((xlsx(rows), "c.xlsx"), (csv_bytes(rows), "c.csv")):
        Client.objects.all().delete()
        result = engine.run(SPEC, read_upload(data, name, max_rows=10), apply_changes=True)
        assert result.errors == []
        client = Client.objects.get()
        assert (client.name, client.address, client.notes) == ("Ana López", "Col. Escalón", "notaoculta\ttab")
    # Emoji sequences joined with U+200D stay whole; between Latin letters the joiner goes.
    rows = [consumer_row(dui(7), "Caf\u00e9 \U0001f469\u200d\U0001f4bb Lu\u200dna")]
    engine.run(SPEC, read_upload(xlsx(rows), "c.xlsx", max_rows=10), apply_changes=True)
    assert Client.objects.get().name == "Caf\u00e9 \U0001f469\u200d\U0001f4bb Luna"


def test_the_migration_makes_clients_stored_before_findable(users):
    import importlib

    from django.apps import apps

    # As the old rule stored them: the Arabic name and the emoji dropped, only the rest kept.
    arabic = Client.objects.create(kind="consumidor", id_type="37", id_number="AR-0001", name="شركة النور",
                                   search_text="ar-0001 ar0001")
    emoji = Client.objects.create(kind="consumidor", id_type="37", id_number="EM-0001", name="Café ☕ Luna",
                                  search_text="cafe  luna em-0001 em0001")
    migration = importlib.import_module("clients.migrations.0004_search_text_any_script")
    migration.forward(apps, None)
    find = lambda q: [c.pk for c in selectors.client_search(user=users["Administrador"], query=q)]  # noqa: E731
    assert find("النور") == [arabic.pk] and find("☕ lu") == [emoji.pk] and find("ar-0001") == [arabic.pk]


def test_a_rep_files_clients_under_their_own_establishment_only(users, establishments, client_as):
    """The client form offers a role bound to establishments only its own ones (or shared), starts
    a new client under its single establishment, and refuses another's id posted by hand."""
    from accounts.services import user_assign_locations

    seller = users["Vendedor"]
    user_assign_locations(user=seller, establishments=[establishments["main"]], points_of_sale=[], acting_user=None)
    c = client_as(seller)
    page = c.get("/clientes/nuevo/").content.decode()
    main, branch = establishments["main"], establishments["branch"]
    assert f'<option value="{main.pk}" selected>' in page
    assert f'<option value="{branch.pk}"' not in page
    refused = c.post("/clientes/nuevo/", {**_taxpayer(establishment=branch.pk), "credit_limit": "0",
                                          "payment_term_days": "0"})
    assert refused.status_code == 200 and "establishment" in refused.context["form"].errors
    assert not Client.objects.exists()
    made = c.post("/clientes/nuevo/", {**_taxpayer(establishment=main.pk), "credit_limit": "0", "payment_term_days": "0"})
    assert made.status_code == 302
    assert Client.objects.get().establishment == main
    # The administrator (company-wide) still files under any establishment.
    admin_page = client_as(users["Administrador"]).get("/clientes/nuevo/").content.decode()
    assert f'<option value="{branch.pk}"' in admin_page
