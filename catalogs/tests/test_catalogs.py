"""MH catalogs: the seed agrees with MH's published files; MH's workbook and per-catalog CSVs
load; bad files are refused whole with the row and column named."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalogs import loader, services
from catalogs.models import CatalogEntry
from catalogs.seed import seed_rows
from catalogs.selectors import address_errors, catalog_has

pytestmark = pytest.mark.django_db

WORKBOOK = "spec/catalogs/original/mh-catalogos-facturacion-electronica-v1.0.xlsx"
OFFICIAL_CSV = {
    # (catalog, edition) -> the official per-catalog file the seed rows must exist in.
    ("CAT-013", "2023"): "cat-013-municipio-2023.csv",
    ("CAT-013", "2026"): "cat-013-municipio-2024.csv",
    ("CAT-008", "2026"): "cat-008-distrito.csv",
    ("CAT-020", "2023"): "cat-020-pais-4digit.csv",
    ("CAT-020", "2026"): "cat-020-pais-iso.csv",
    ("CAT-028", "2023"): "cat-028-regimen-legacy.csv",
    ("CAT-028", "2026"): "cat-028-regimen.csv",
}


def _official(shared_dir, catalog, edition):
    folder = shared_dir / "spec" / "catalogs"
    name = OFFICIAL_CSV.get((catalog, edition))
    path = folder / name if name else next(folder.glob(f"cat-{catalog[4:]}-*.csv"))
    with path.open(encoding="utf-8") as fh:
        return {(r.get("departamento", ""), r["code"]) for r in csv.DictReader(fh)}


@pytest.mark.parametrize("edition", ["2023", "2026"])
def test_every_seed_row_exists_in_mh_catalogs(shared_dir, edition):
    for row in seed_rows(edition):
        official = _official(shared_dir, row.catalog, edition)
        key = (row.parent, row.code) if row.catalog in ("CAT-008", "CAT-013") else ("", row.code)
        assert key in official, f"{row.catalog} {edition}: {row.code} {row.name} no está en el catálogo de MH"


def test_seed_is_loaded_by_migration():
    assert catalog_has(catalog="CAT-012", code="06")
    assert catalog_has(catalog="CAT-013", code="14", parent="06")  # San Salvador, 2023 edition
    assert catalog_has(catalog="CAT-013", code="23", parent="06", edition="2026")  # San Salvador Centro


def test_mh_workbook_loads_every_catalog(shared_dir):
    rows = loader.read_workbook((shared_dir / WORKBOOK).read_bytes(), "catalogos.xlsx")
    stats = services.catalog_import(rows=rows, edition="2026", source="catalogos.xlsx")
    assert len(stats) == 33
    folder = shared_dir / "spec" / "catalogs"
    expected = {
        "CAT-012": folder / "cat-012-departamento.csv",
        "CAT-013": folder / "cat-013-municipio-2024.csv",
        "CAT-008": folder / "cat-008-distrito.csv",
        "CAT-019": folder / "cat-019-actividad-economica.csv",
        "CAT-014": folder / "cat-014-unidad-medida.csv",
        "CAT-020": folder / "cat-020-pais-iso.csv",
    }
    for catalog, path in expected.items():
        with path.open(encoding="utf-8") as fh:
            official = {(r.get("departamento", ""), r["code"]) for r in csv.DictReader(fh)}
        loaded = set(CatalogEntry.objects.filter(catalog=catalog, edition="2026", is_active=True)
                     .values_list("parent", "code"))
        assert loaded == official, catalog
    # Units lose their footnote markers; tributos keep their section; activities their group.
    yarda = CatalogEntry.objects.get(catalog="CAT-014", edition="2026", code="2")
    assert yarda.name == "Yarda" and yarda.extra["notes"] == "1"
    assert CatalogEntry.objects.get(catalog="CAT-015", edition="2026", code="20").extra["section"] == "1"
    assert CatalogEntry.objects.get(catalog="CAT-019", edition="2026", code="62010").extra["group"].startswith("PROGRAM")
    # The 2023 edition is untouched by a 2026 load.
    assert catalog_has(catalog="CAT-013", code="14", parent="06", edition="2023")
    # Loading the same workbook again changes nothing.
    again = services.catalog_import(rows=rows, edition="2026", source="catalogos.xlsx")
    assert all(s == {"created": 0, "updated": 0, "retired": 0} for s in again.values())


def test_csv_folder_loads_the_2023_edition(shared_dir):
    folder = shared_dir / "spec" / "catalogs"
    files = loader.pick_csv_files(folder, "2023")
    names = {p.name for p in files}
    assert "cat-013-municipio-2023.csv" in names and "cat-013-municipio-2024.csv" not in names
    assert "cat-020-pais-4digit.csv" in names and "cat-014-unidad-medida-legacy.csv" in names
    rows = [r for p in files for r in loader.read_csv(p.read_bytes(), p.name)]
    services.catalog_import(rows=rows, edition="2023", source="csv")
    # The 2023 schemas' municipio counts per departamento (facts: catalogs/SOURCES.md §3.1).
    counts = {"01": 12, "02": 13, "03": 16, "04": 33, "05": 22, "06": 19, "07": 16, "08": 22, "09": 9, "10": 13,
              "11": 23, "12": 20, "13": 26, "14": 18}
    for dept, n in counts.items():
        assert CatalogEntry.objects.filter(catalog="CAT-013", edition="2023", parent=dept, is_active=True).count() == n
    assert catalog_has(catalog="CAT-020", code="9300", edition="2023")
    assert not address_errors(departamento="14", municipio="18", edition="2023")
    assert address_errors(departamento="14", municipio="19", edition="2023")


def test_codes_dropped_by_a_new_load_are_retired_not_deleted():
    services.catalog_import(rows=[loader.Row("CAT-009", "01", "Sucursal")], edition="2023", source="t")
    retired = CatalogEntry.objects.get(catalog="CAT-009", edition="2023", code="02")
    assert retired.is_active is False
    assert not catalog_has(catalog="CAT-009", code="02")


@pytest.mark.parametrize("content,message", [
    (b"codigo;valor\n01;x\n", "faltan las columnas"),
    (b"code,name\n01,Uno\n,Sin codigo\n", "fila 3, columna «code»: el código está vacío"),
    (b"code,name\n01,Uno\n02,\n", "fila 3, columna «name»: el valor está vacío"),
    (b"code,name\n01,Uno,extra\n", "fila 2: sobran columnas"),
    (b"\xff\xfe\x00", "no está en UTF-8"),
])
def test_bad_csv_names_row_and_column(content, message):
    with pytest.raises(loader.CatalogFileError, match=message):
        loader.read_csv(content, "cat-009-tipo.csv")


def test_bad_csv_loads_nothing():
    before = CatalogEntry.objects.count()
    with pytest.raises(loader.CatalogFileError):
        rows = loader.read_csv(b"code,name\n99,Nuevo\n,roto\n", "cat-009-tipo.csv")
        services.catalog_import(rows=rows, edition="2023", source="t")
    assert CatalogEntry.objects.count() == before


def test_municipio_file_needs_departamento_column():
    with pytest.raises(loader.CatalogFileError, match="departamento"):
        loader.read_csv(b"code,name\n01,X\n", "cat-013-municipio.csv")


def test_not_a_workbook_is_refused():
    with pytest.raises(loader.CatalogFileError, match="no es un libro de Excel"):
        loader.read_workbook(b"not a zip", "x.xlsx")


def test_admin_upload_of_the_workbook(shared_dir, users, client_as):
    upload = SimpleUploadedFile("catalogos.xlsx", (shared_dir / WORKBOOK).read_bytes())
    response = client_as(users["Administrador"]).post("/admin/catalogs/catalogentry/cargar/",
                                                       {"file": upload, "edition": "2026"})
    assert response.status_code == 302
    assert CatalogEntry.objects.filter(catalog="CAT-019", edition="2026").count() > 700
    from core.models import AuditEntry

    assert AuditEntry.objects.filter(action="import", actor=users["Administrador"]).exists()


def test_admin_upload_refuses_wrong_type_and_size(users, client_as, settings):
    c = client_as(users["Administrador"])
    response = c.post("/admin/catalogs/catalogentry/cargar/",
                      {"file": SimpleUploadedFile("x.exe", b"MZ"), "edition": "2023"})
    assert "Solo se aceptan archivos .xlsx o .csv" in response.content.decode()
    settings.MAX_CATALOG_UPLOAD_BYTES = 10
    response = c.post("/admin/catalogs/catalogentry/cargar/",
                      {"file": SimpleUploadedFile("cat-009.csv", b"code,name\n01,Sucursal\n"), "edition": "2023"})
    assert "el máximo es" in response.content.decode()


def test_admin_upload_reports_bad_row(users, client_as):
    response = client_as(users["Administrador"]).post("/admin/catalogs/catalogentry/cargar/", {
        "file": SimpleUploadedFile("cat-009-x.csv", b"code,name\n01,Sucursal\n,sin codigo\n"), "edition": "2023"})
    assert response.status_code == 200
    assert "fila 3" in response.content.decode()


def test_catalog_upload_is_for_superusers_only(users, client_as):
    staff = users["Supervisor"]
    staff.is_staff = True
    staff.save()
    assert client_as(staff).get("/admin/catalogs/catalogentry/cargar/").status_code == 403
    assert client_as(users["Vendedor"]).get("/admin/catalogs/catalogentry/cargar/").status_code == 403  # signed in but not staff: the app's 403 page, not the admin login


def test_municipio_options_follow_the_departamento(users, client_as):
    html = client_as(users["Vendedor"]).get("/catalogos/municipios/", {"departamento": "05"}).content.decode()
    assert "Santa Tecla" in html and "Soyapango" not in html


def test_workbook_with_no_catalog_blocks_is_refused():
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["hola", "mundo"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(loader.CatalogFileError, match="no contiene bloques"):
        loader.read_workbook(buf.getvalue(), "otro.xlsx")
