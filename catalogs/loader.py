"""Reading MH's catalogs from MH's own workbook (xlsx) and from per-catalog CSV files.

Both produce ``Row`` tuples; ``catalogs.services.catalog_import`` writes them. A bad file is
refused whole with an error naming the file, the row and the column; nothing is half-loaded.
"""

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from django.utils.translation import gettext as _

from catalogs.names import PARENTED, TITLES, normalize_code

_HEADING = re.compile(r"^\s*CAT-(\d{3})\b")
_CSV_NAME = re.compile(r"^cat-(\d{3})(?:-(.*))?\.csv$", re.IGNORECASE)
_FOOTNOTE = re.compile(r"^(.*?\D)\s+(\d(?:\s*,\s*\d)*)$")
# An xlsx is a zip: refuse one that inflates past this (a zip bomb) before parsing it.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
# Variant tags in the shared CSV names and the edition each belongs to.
_TAGS_2023 = {"2023", "legacy", "4digit"}
_TAGS_2026 = {"2024", "iso"}


class CatalogFileError(ValueError):
    """A catalog file that cannot be loaded; the message names where and why."""


@dataclass(frozen=True)
class Row:
    catalog: str
    code: str
    name: str
    parent: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def _plain(text):
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"\s+", " ", text).strip().upper()


def _department_for(name, departments):
    """The departamento whose name begins the municipio's (2024 reform names, e.g. CABAÑAS OESTE)."""
    plain = _plain(name)
    best = ""
    for code, dept in departments.items():
        d = _plain(dept)
        if code != "00" and plain.startswith(d + " ") and len(d) > len(best and _plain(departments[best])):
            best = code
    return best


# ---------------------------------------------------------------------------------------- xlsx


def _check_zip(data: bytes, filename):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile as exc:
        raise CatalogFileError(_("%(f)s no es un libro de Excel (.xlsx) válido.") % {"f": filename}) from exc
    if total > MAX_UNZIPPED_BYTES:
        raise CatalogFileError(_("%(f)s es demasiado grande al descomprimirlo.") % {"f": filename})


def read_workbook(data: bytes, filename="libro.xlsx"):
    """Parse MH's catalog workbook: one sheet, blocks headed ``CAT-NNN Título``, then
    ``Código | Valores`` and the rows. Section and group headings become ``extra`` fields."""
    _check_zip(data, filename)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise CatalogFileError(_("No se pudo leer %(f)s: %(e)s") % {"f": filename, "e": exc}) from exc
    rows = []
    try:
        for ws in wb.worksheets:
            rows.extend(_read_sheet(ws))
    finally:
        wb.close()
    if not rows:
        raise CatalogFileError(
            _("%(f)s no contiene bloques «CAT-NNN»: no parece el libro de catálogos de MH.") % {"f": filename}
        )
    return rows


def _read_sheet(ws):
    catalog = None
    section = ""
    dept_seq = []
    departments = {}
    last_distrito = None
    out = []
    for values in ws.iter_rows(values_only=True):
        cells = list(values[:3]) + [None] * (3 - len(values[:3]))
        first, second = cells[0], cells[1]
        if isinstance(first, str) and _HEADING.match(first) and second is None:
            catalog = f"CAT-{_HEADING.match(first).group(1)}"
            section, last_distrito, dept_seq = "", None, []
            continue
        if catalog is None or (first is None and second is None):
            continue
        if isinstance(first, str) and _plain(first) in {"CODIGO"}:
            continue
        if first is None or second is None:
            # A heading inside a block: CAT-015's numbered sections, CAT-019's sector titles.
            section = str(first if first is not None else second).strip()
            continue
        code = normalize_code(catalog, first)
        name = str(second).strip()
        extra = {}
        parent = ""
        if catalog == "CAT-014":
            m = _FOOTNOTE.match(name)
            if m:
                name, extra["notes"] = m.group(1).strip(), m.group(2).replace(" ", "")
        if catalog == "CAT-015" and section:
            extra["section"] = section[:1] if section[:1].isdigit() else section
        if catalog == "CAT-019" and section:
            extra["group"] = section
        if catalog == "CAT-012":
            departments[code] = name
        if catalog == "CAT-008":
            # Distritos are numbered 1…n again in each departamento, in CAT-012 order.
            if code == "00":
                parent = "00"
            else:
                if last_distrito is None or int(code) <= int(last_distrito):
                    dept_seq.append(f"{len(dept_seq) + 1:02d}")
                parent = dept_seq[-1]
                last_distrito = code
        if catalog == "CAT-013":
            parent = "00" if code == "00" else _department_for(name, departments)
        out.append(Row(catalog, code, name, parent, extra))
    return out


# ----------------------------------------------------------------------------------------- csv


def catalog_from_filename(filename):
    m = _CSV_NAME.match(Path(filename).name)
    return (f"CAT-{m.group(1)}", m.group(2) or "") if m else (None, "")


def read_csv(data: bytes, filename, *, catalog=None):
    """One catalog per CSV: columns ``code`` and ``name`` (also ``codigo``/``valores``), an
    optional ``departamento`` or ``parent``; any other column goes to ``extra``."""
    catalog = catalog or catalog_from_filename(filename)[0]
    if catalog not in TITLES:
        raise CatalogFileError(
            _("%(f)s: no se sabe qué catálogo es. Nombre el archivo cat-NNN-….csv o indique el catálogo.")
            % {"f": filename}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogFileError(_("%(f)s no está en UTF-8.") % {"f": filename}) from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    code_col = next((c for c in ("code", "codigo", "código") if c in header), None)
    name_col = next((c for c in ("name", "valores", "valor", "nombre") if c in header), None)
    if not code_col or not name_col:
        raise CatalogFileError(
            _("%(f)s, fila 1: faltan las columnas «code» y «name» (encabezado: %(h)s).")
            % {"f": filename, "h": ", ".join(header) or "vacío"}
        )
    parent_col = next((c for c in ("departamento", "parent") if c in header), None)
    if catalog in PARENTED and not parent_col:
        raise CatalogFileError(
            _("%(f)s, fila 1: %(c)s necesita la columna «departamento».") % {"f": filename, "c": catalog}
        )
    rows, seen = [], set()
    for lineno, record in enumerate(reader, start=2):
        if None in record:
            raise CatalogFileError(_("%(f)s, fila %(n)d: sobran columnas.") % {"f": filename, "n": lineno})
        code = normalize_code(catalog, (record.get(code_col) or "").strip())
        name = (record.get(name_col) or "").strip()
        if not code:
            raise CatalogFileError(
                _("%(f)s, fila %(n)d, columna «%(c)s»: el código está vacío.") % {"f": filename, "n": lineno, "c": code_col}
            )
        if not name:
            raise CatalogFileError(
                _("%(f)s, fila %(n)d, columna «%(c)s»: el valor está vacío.") % {"f": filename, "n": lineno, "c": name_col}
            )
        if len(code) > 20 or len(name) > 300:
            raise CatalogFileError(_("%(f)s, fila %(n)d: código o valor demasiado largo.") % {"f": filename, "n": lineno})
        parent = normalize_code("CAT-012", (record.get(parent_col) or "").strip()) if parent_col else ""
        extra = {k: v for k, v in record.items() if k not in {code_col, name_col, parent_col} and v}
        key = (parent, code)
        if key in seen:
            continue  # CAT-015 lists D4 and D5 in two sections; keep the first.
        seen.add(key)
        rows.append(Row(catalog, code, name, parent, extra))
    if not rows:
        raise CatalogFileError(_("%(f)s no tiene filas.") % {"f": filename})
    return rows


def pick_csv_files(folder, edition):
    """From a folder of ``cat-NNN-*.csv`` files, the one per catalog that fits the edition."""
    chosen = {}
    for path in sorted(Path(folder).glob("cat-*.csv")):
        catalog, tag = catalog_from_filename(path.name)
        if catalog is None or "distrito-municipio" in tag:
            continue  # a derived join table, not an MH catalog
        tags = set(tag.split("-")) if tag else set()
        if edition == "2023":
            score = 2 if tags & _TAGS_2023 else (-1 if tags & _TAGS_2026 else 1)
        else:
            score = -1 if tags & _TAGS_2023 else (2 if tags & _TAGS_2026 else 1)
        if score > 0 and score >= chosen.get(catalog, (0, None))[0]:
            chosen[catalog] = (score, path)
    return [path for _score, path in sorted(chosen.values(), key=lambda item: item[1].name)]
