import threading
from decimal import Decimal

import pytest
from django.db import connection

from bulk import engine
from bulk.reading import read_upload
from bulk.registry import get_spec
from bulk.tests.helpers import xlsx
from inventory import selectors, services
from inventory.models import Product, Provider, Stock, StockMovement

pytestmark = pytest.mark.django_db


def _product(**over):
    data = {"code": "PRD-1", "description": "Silla", "item_type": 1, "unit": 59, "price": Decimal("100"),
            "price_includes_iva": True, "cost": Decimal("60"), "tax_treatment": "gravado", "special_taxes": "",
            "category": "Mobiliario", "tracks_stock": True}
    data.update(over)
    return services.product_save(product=Product(), data=data, acting_user=None)


def test_product_rules():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        _product(special_taxes="A8, ZZ")
    assert "ZZ" in exc.value.message_dict["special_taxes"][0]
    with pytest.raises(ValidationError) as exc:
        _product(item_type=2, tracks_stock=True)
    assert "servicio" in exc.value.message_dict["tracks_stock"][0]
    assert _product(special_taxes="a8").special_taxes == ["A8"]


def test_stock_moves_and_negative_needs_confirmation(establishments, settings):
    product = _product()
    main = establishments["main"]
    assert services.stock_move(product=product, establishment=main, quantity=5, reason="compra") == Decimal("5")
    with pytest.raises(services.NegativeStock, match="confirme"):
        services.stock_move(product=product, establishment=main, quantity=-7, reason="venta")
    assert Stock.objects.get().quantity == Decimal("5")  # refused: nothing changed
    assert services.stock_move(product=product, establishment=main, quantity=-7, reason="venta", confirm_negative=True) == Decimal("-2")
    settings.ALLOW_NEGATIVE_STOCK = False
    with pytest.raises(services.NegativeStock, match="suficientes"):
        services.stock_move(product=product, establishment=main, quantity=-1, reason="venta", confirm_negative=True)
    assert list(StockMovement.objects.order_by("id").values_list("quantity", "balance")) == [
        (Decimal("5"), Decimal("5")), (Decimal("-7"), Decimal("-2"))]


@pytest.mark.django_db(transaction=True)
def test_concurrent_stock_moves_are_never_lost(establishments):
    if connection.vendor != "postgresql":
        pytest.skip("la concurrencia real se prueba en PostgreSQL")
    product = _product()
    main = establishments["main"]
    services.stock_move(product=product, establishment=main, quantity=0, reason="inicio")

    def worker():
        from django.db import connection as conn

        for _ in range(10):
            services.stock_move(product=product, establishment=main, quantity=1, reason="concurrente")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Stock.objects.get(product=product).quantity == Decimal("40")
    assert StockMovement.objects.filter(reason="concurrente").count() == 40


def test_product_upload_and_search():
    spec = get_spec("productos")
    header = [c.header for c in spec.columns]
    rows = [["PRD-0001", "Silla ergonómica", "bienes", 59, 100, "sí", 60, "gravado", "", "Mobiliario", "sí", "sí"],
            ["SRV-0001", "Instalación", "servicios", 99, 25.5, "no", 0, "exento", "", "Servicios", "no", "sí"],
            ["PRD-0002", "Gasolina", "bienes", 59, 4.25, "sí", 3.9, "gravado", "D1", "Combustible", "no", "sí"]]
    result = engine.run(spec, read_upload(xlsx(rows, header=header), "p.xlsx", max_rows=10), apply_changes=True)
    assert len(result.errors) == 1 and result.errors[0][:2] == (4, "tributos_especiales")  # D1 is not an item tax
    assert Product.objects.count() == 0  # all or nothing
    rows[2][8] = "D4"
    result = engine.run(spec, read_upload(xlsx(rows, header=header), "p.xlsx", max_rows=10), apply_changes=True)
    assert result.errors == [] and Product.objects.count() == 3
    assert [p.code for p in selectors.product_search(query="ergon")] == ["PRD-0001"]
    assert [p.code for p in selectors.product_search(query="srv-00")] == ["SRV-0001"]


def test_stock_count_upload_records_movements(establishments, users):
    _product()
    spec = get_spec("existencias")
    header = [c.header for c in spec.columns]
    rows = [["M001", "PRD-1", 12], ["S001", "PRD-1", 3], ["M001", "NO-EXISTE", 1]]
    result = engine.run(spec, read_upload(xlsx(rows, header=header), "s.xlsx", max_rows=10), apply_changes=True)
    assert [(r, c) for r, c, _m in result.errors] == [(4, "codigo_producto")]
    result = engine.run(spec, read_upload(xlsx(rows[:2], header=header), "s.xlsx", max_rows=10), apply_changes=True,
                        user=users["Administrador"])
    assert result.errors == [] and Stock.objects.count() == 2
    assert StockMovement.objects.filter(reason__contains="Conteo").count() == 2
    rows[0][2] = 10
    engine.run(spec, read_upload(xlsx(rows[:2], header=header), "s.xlsx", max_rows=10), apply_changes=True)
    move = StockMovement.objects.filter(reason__contains="Conteo").order_by("-id").first()
    assert move.quantity == Decimal("-2") and move.balance == Decimal("10")


def test_provider_upload():
    spec = get_spec("proveedores")
    header = [c.header for c in spec.columns]
    rows = [["NIT", "0614-010190-001-8", "7654321", "Importadora", "Marta", "v@i.example", "25556666", "sí", "46900",
             "06", "14", "Calle 1"]]
    engine.run(spec, read_upload(xlsx(rows, header=header), "p.xlsx", max_rows=10), apply_changes=True)
    provider = Provider.objects.get()
    assert (provider.id_number, provider.activity_code, provider.municipio) == ("06140101900018", "46900", "14")
    # The address columns may be left out: the provider keeps its address.
    short = header[:8]
    result = engine.run(spec, read_upload(xlsx([rows[0][:8]], header=short), "p.xlsx", max_rows=10), apply_changes=True)
    assert (result.unchanged, Provider.objects.get().address) == (1, "Calle 1")
    bad = [rows[0][:8] + ["46900", "06", "99", ""]]
    result = engine.run(spec, read_upload(xlsx(bad, header=header), "p.xlsx", max_rows=10))
    assert result.errors and result.errors[0][1] == "municipio"


def test_admin_import_uses_the_same_rules(users, client_as):
    """django-import-export in the admin, through the catalogue's own columns and checks."""
    import tablib

    from bulk.resources import resource_for
    from clients.models import Client
    from clients.uploads import SPEC

    header = [c.header for c in SPEC.columns]
    good = ["consumidor", "DUI", "00016297-5", "", "Ana", "", "", "otro", "no", "", "", "", "", "", "", "", "", "", 0, 0, "", "sí",
            ""]  # departamento, municipio, distrito (CAT-008) and the address left blank
    bad = list(good)
    bad[2], bad[4] = "00016297-4", "Mala"
    resource = resource_for(SPEC)()
    result = resource.import_data(tablib.Dataset(good, bad, headers=header), dry_run=False)
    assert result.has_validation_errors() or result.has_errors()
    assert Client.objects.filter(name="Ana").count() in (0, 1)
    result = resource.import_data(tablib.Dataset(good, headers=header), dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Client.objects.get(name="Ana").id_number == "00016297-5"
    again = resource.import_data(tablib.Dataset(good, headers=header), dry_run=False, user=users["Administrador"])
    assert again.totals["skip"] == 1 and Client.objects.count() == 1
    assert client_as(users["Administrador"]).get("/admin/clients/client/import/").status_code == 200
    from core.models import AuditEntry

    entry = AuditEntry.objects.filter(action="import").latest("at")
    assert entry.actor == users["Administrador"] and "0 nuevas, 0 modificadas, 1 sin cambios" in entry.summary
    # An omissible column left out of the file: the client keeps its notes.
    Client.objects.filter(name="Ana").update(notes="Cliente frecuente")
    short = [h for h in header if h != "notas"]
    row = [v for h, v in zip(header, good, strict=True) if h != "notas"]
    kept = resource.import_data(tablib.Dataset(row, headers=short), dry_run=False)
    assert kept.totals["skip"] == 1 and Client.objects.get(name="Ana").notes == "Cliente frecuente"


def test_products_and_providers_in_any_script_or_with_emoji_are_found_by_a_part(client_as, users):
    _product(code="CAFE-1", description="Café ☕ de altura", category="Bebidas")
    _product(code="QAH-1", description="قهوة عربية", category="مشروبات")
    _product(code="SIL-1", description="Silla", category="Mobiliario")
    codes = lambda q: [p.code for p in selectors.product_search(query=q)]  # noqa: E731
    assert codes("عربية") == ["QAH-1"] and codes("مشروب") == ["QAH-1"]
    assert codes("☕") == ["CAFE-1"] and codes("café ☕ de") == ["CAFE-1"]
    for term in ("\u200b", "\u0301"):  # normalizes to nothing: nothing, never every product
        assert codes(term) == [] and list(selectors.product_list(query=term)) == []
    page = client_as(users["Administrador"]).get("/inventario/", {"q": "قهوة"}).content.decode()
    assert "قهوة عربية" in page and "Silla" not in page

    base = {"id_type": "37", "departamento": "", "municipio": "", "address": ""}
    for number, name in (("AR-1", "مؤسسة النور للتجارة"), ("EM-1", "Frutas 🍍 del Valle"), ("LT-1", "Importadora")):
        services.provider_save(provider=Provider(), data={**base, "id_number": number, "name": name}, acting_user=None)
    names = lambda q: [p.name for p in selectors.provider_list(query=q)]  # noqa: E731
    assert names("النور") == ["مؤسسة النور للتجارة"] and names("🍍") == ["Frutas 🍍 del Valle"]
    assert names("\u200b") == []
    page = client_as(users["Administrador"]).get("/inventario/proveedores/", {"q": "النور"}).content.decode()
    assert "مؤسسة النور" in page and "Importadora" not in page


def test_invisible_control_characters_are_not_stored_from_the_product_form_or_upload(client_as, users):
    c = client_as(users["Administrador"])
    response = c.post("/inventario/nuevo/", {"code": "PRD-9", "description": "Silla\u202e alta\u200b", "item_type": "1",
                                             "unit": "59", "price": "10", "price_includes_iva": "on", "cost": "5",
                                             "tax_treatment": "gravado", "special_taxes": "", "category": "\ufeffMuebles"})
    assert response.status_code == 302, response.content.decode()[:2000]
    product = Product.objects.get(code="PRD-9")
    assert (product.description, product.category) == ("Silla alta", "Muebles")
    spec = get_spec("proveedores")
    header = [c.header for c in spec.columns]
    rows = [["NIT", "0614-010190-001-8", "7654321", "Impor\u200ftadora\u2069", "Mar\u00adta", "v@i.example", "25556666",
             "sí", "46900", "06", "14", "Calle\u200b 1"]]
    assert engine.run(spec, read_upload(xlsx(rows, header=header), "p.xlsx", max_rows=10), apply_changes=True).errors == []
    provider = Provider.objects.get()
    assert (provider.name, provider.contact_name, provider.address) == ("Importadora", "Marta", "Calle 1")


def test_the_migration_makes_products_and_providers_stored_before_findable():
    import importlib

    from django.apps import apps

    product = Product.objects.create(code="QAH-1", description="قهوة عربية", price=1, search_text="qah-1")
    provider = Provider.objects.create(id_type="37", id_number="AR-1", name="مؤسسة النور 🍍", search_text="ar-1 ar1")
    importlib.import_module("inventory.migrations.0004_search_text_any_script").forward(apps, None)
    assert [p.pk for p in selectors.product_search(query="عربية")] == [product.pk]
    assert [p.pk for p in selectors.provider_list(query="النور 🍍")] == [provider.pk]
