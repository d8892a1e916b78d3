"""Reading an uploaded catalogue safely, in flat memory.

An upload is read as a stream of rows: memory holds the rows being checked, never the sheet.
Everything a file can declare is bounded before or while it is read.

xlsx, before any cell is read, is checked as a zip: not a zip (renamed or corrupt), an encrypted
(password-protected) Office file, too many parts, a total uncompressed size past
``MAX_UNZIPPED`` (a zip bomb: the bound is on the size, not on the compression ratio, which a
legitimate cell of repeated text also has), a macro workbook renamed .xlsx (``vbaProject.bin`` or
a macro-enabled content type), XML parts that are not UTF-8 or that declare a DOCTYPE anywhere
(entity-expansion "XML bombs" need one), and worksheets holding formulas. Then the first sheet's
declared dimension is checked against the row limit, and the sheet XML is parsed with expat as a
stream (python-calamine, used before, builds the whole used range as a dense grid: one cell at
XFD1048576 asked for 549 GB). Cells right of the template's width are dropped unread, a row past
the limit stops the reading, and a cell longer than Excel's own limit refuses the file. Shared
strings are kept as one UTF-8 buffer with offsets, bounded by ``MAX_SHARED_STRINGS``.

python-calamine is three to four times faster than expat, so it reads the sheet when the pass that
searches for DOCTYPEs and formulas has also proved, from the sheet's bytes, that calamine's grid is
small and its values will be the expat reader's (``_SheetShape``); any other sheet is read by expat.

CSV must be UTF-8; it is read row by row, with the same row limit.
"""

import codecs
import csv
import datetime
import functools
import io
import posixpath
import re
import zipfile
import zlib
from array import array
from dataclasses import dataclass
from xml.parsers import expat

from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted xlsx and old .xls are OLE containers
# Sizes once uncompressed. A sheet is streamed, so its size costs time, not memory; 400 MB of XML
# is about 250,000 rows of 22 columns written with inline strings.
MAX_UNZIPPED = 400 * 1024 * 1024
MAX_SHARED_STRINGS = 64 * 1024 * 1024  # held in memory (as UTF-8 text plus 4 bytes per string)
MAX_SMALL_PART = 16 * 1024 * 1024  # workbook, relationships, content types, styles: parsed whole
MAX_PARTS = 1000  # a workbook has a dozen or two; each listed part costs memory before reading
MAX_CELL_CHARS = 32_767  # Excel's own limit for the text of a cell
# What python-calamine may hold for a sheet (``_SheetShape.calamine_bytes``, an overestimate): with
# a worker's ~85 MB its peak stays under 300 MB. 100,000 rows of 16 columns of short texts fit
# (estimated ~180 MB, taking ~140); larger sheets are read by the expat reader.
CALAMINE_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_COLUMNS = 64
EMPTY_ROW = ("",)
CHUNK = 1 << 16

_FORMULA = re.compile(rb"<(?:[\w.-]+:)?f[\s>/]")
# A regex that starts with a literal is searched fast (faster than bytes.find of a two-byte
# literal); the one above is only tried where a ":f" tag may be.
_FORMULA_PLAIN = re.compile(rb"<f[\s>/]")
_FORMULA_PREFIXED = re.compile(rb":f[\s>/]")
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_MACRO = re.compile(rb"macroEnabled|vbaProject|ms-excel\.sheet\.binary|ms-office\.activeX", re.IGNORECASE)
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d*)")
# Built-in number formats that show a date or a time (ECMA-376 part 1, 18.8.30; the CJK ones too).
_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)}


def _has_formula(buf):
    if _FORMULA_PLAIN.search(buf):
        return True
    # A namespace-prefixed <x:f>; a search for one byte is a memchr, for ":f" it is not.
    return b":" in buf and _FORMULA_PREFIXED.search(buf) is not None and _FORMULA.search(buf) is not None


class FileRejected(ValueError):
    """The whole file is refused; the message says why, in Spanish."""


@dataclass
class Table:
    header: list
    rows: object  # the data rows (sequences of raw cell values): a list, or an iterator read once
    first_row_number: int = 2  # the spreadsheet row number of rows[0]
    count: int = 0  # how many data rows (an upper bound, for progress; 0 when unknown)
    source: str = "xlsx"  # in a CSV every cell is text, so numbers written as text are expected


def read_upload(data: bytes, filename: str, *, max_rows: int, max_cols: int = DEFAULT_MAX_COLUMNS) -> Table:
    name = filename.lower()
    if name.endswith(".csv"):
        return _read_csv(data, max_rows=max_rows)
    if name.endswith(".xlsx"):
        return _read_xlsx(data, max_rows=max_rows, max_cols=max_cols)
    raise FileRejected(_("Solo se aceptan archivos .xlsx o .csv."))


def _too_many_rows(max_rows):
    return FileRejected(_("El archivo tiene más de %(max)d filas de datos; el máximo es %(max)d. Divídalo en varios "
                          "archivos (borre también las filas vacías con formato al final de la hoja).") % {"max": max_rows})


# ---------------------------------------------------------------------------------------- xlsx


def _not_xlsx():
    return FileRejected(_("El archivo no es un libro de Excel (.xlsx) válido: puede estar dañado o ser otro tipo de "
                          "archivo con otra extensión."))


def _check_zip(data: bytes):
    if data[:8] == OLE_MAGIC:
        raise FileRejected(_("El archivo está protegido con contraseña o es un .xls antiguo: guárdelo como .xlsx sin contraseña."))
    # The number of parts is read from the end record before zipfile lists them all in memory.
    try:
        end = zipfile._EndRecData(io.BytesIO(data))
    except (OSError, ValueError, zipfile.BadZipFile):
        end = None
    if not end:
        raise _not_xlsx()
    if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_PARTS:
        raise FileRejected(_("El archivo tiene %(n)d partes internas; un libro de Excel tiene unas pocas: no se procesa.")
                           % {"n": end[zipfile._ECD_ENTRIES_TOTAL]})
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _not_xlsx() from exc
    infos = zf.infolist()
    if any(i.flag_bits & 0x1 for i in infos):
        raise FileRejected(_("El archivo está protegido con contraseña: guárdelo como .xlsx sin contraseña."))
    if any(i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in infos):
        raise _not_xlsx()
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise FileRejected(_("El archivo ocupa más de %(mb)d MB al descomprimirlo (posible bomba zip): no se procesa. "
                             "Divídalo en archivos más pequeños.") % {"mb": MAX_UNZIPPED // (1024 * 1024)})
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        raise FileRejected(_("El archivo no es un libro de Excel (.xlsx) válido."))
    types = zf.getinfo("[Content_Types].xml")
    if types.file_size > MAX_SMALL_PART:
        raise _not_xlsx()
    if any(n.lower().endswith(("vbaproject.bin", "vbaprojectsignature.bin")) for n in names) or _MACRO.search(zf.read(types)):
        raise FileRejected(_("El archivo es un libro con macros (.xlsm o .xlsb) con otra extensión: ábralo en Excel y "
                             "guárdelo como «Libro de Excel (.xlsx)», sin macros."))
    return zf


def _scan_parts(zf, *, worksheets, sheet=None, shape=None):
    """Every XML part, whole and streamed: UTF-8 (or ASCII-compatible) only, no DOCTYPE or ENTITY
    anywhere, and no formula in a worksheet. The parsers below refuse a DOCTYPE too. Called for
    the other parts first (``worksheets=False``), then for the worksheets; the first sheet
    (``sheet``) is also shown to ``shape`` (a ``_SheetShape``) in the same pass."""
    for info in zf.infolist():
        if not info.filename.endswith((".xml", ".rels", ".vml")):
            continue
        worksheet = info.filename.startswith("xl/worksheets/")
        if worksheet != worksheets:
            continue
        watch = shape if info.filename == sheet else None
        with zf.open(info) as fh:
            tail = b""
            first = True
            while chunk := fh.read(1 << 22):
                if first:
                    # A UTF-16/32 part would hide its DOCTYPE and formulas from byte searches.
                    if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:4]:
                        raise FileRejected(_("El archivo contiene XML en una codificación no admitida: guárdelo de nuevo "
                                             "desde Excel como .xlsx."))
                    first = False
                buf = tail + chunk
                if b"!" in buf and _DOCTYPE.search(buf):  # a byte search first: the regex is slow
                    raise FileRejected(_("El archivo contiene declaraciones XML no permitidas (DOCTYPE/ENTITY): no se procesa."))
                if worksheet and _has_formula(buf):
                    raise FileRejected(_("La hoja contiene fórmulas: copie y pegue como valores antes de subirla."))
                if watch is not None:
                    watch.feed(chunk)
                tail = chunk[-16:]
            if watch is not None:
                watch.close()


def _up_to(limit):
    """A regex for the decimal numbers 1..``limit`` written without leading zeros."""
    digits = str(limit)
    out = [r"[1-9]\d{0,%d}" % (len(digits) - 2)] if len(digits) > 1 else []  # noqa: UP031 - braces are the regex
    for i, ch in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(ch) > low:
            out.append(digits[:i] + f"[{low}-{int(ch) - 1}]" + r"\d" * (len(digits) - i - 1))
    out.append(digits)
    return "(?:" + "|".join(out) + ")"


def _column_letters(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _SheetShape:
    """Whether the first sheet can be handed to python-calamine, proved from its bytes in one
    streamed pass. calamine is three to four times faster than the expat reader below, but it
    builds the used range as a dense grid, placing each cell by its ``r`` reference, and copies a
    shared string into every cell that names it. So its memory is bounded first: every cell is
    written ``<c r="..."`` (the reference first, as Excel, LibreOffice and openpyxl write it) with
    a column inside ``max_cols`` and a row no later than the rows written so far; every row is
    ``<row r="N"`` with N increasing and inside the row limit (a row repeated or out of order is
    refused by the expat reader, which names it); no element has a namespace prefix (calamine
    ignores prefixes, so ``<x:c>`` would be a cell these searches do not see), there is no CDATA,
    and a ``t`` attribute is written ``t="..."``. The counts gathered here (cells, text bytes,
    shared-string cells) then bound calamine's memory (``calamine_bytes``). Anything else (cells
    without a reference, which the xlsx format allows, a heading far right, too many rows) is read
    by the expat reader, which refuses or reads it in flat memory."""

    _ROW = re.compile(rb'<row r="(\d+)"')
    _ODD_ROW = re.compile(rb'<row(?! r="\d)[\s>/]')
    _PREFIXED = re.compile(rb":(?:c|row|sheetData|dimension|is|v|t|si)[\s>/]")
    # An attribute written with spaces around "=" or in single quotes (``t = 's'``) would hide a
    # shared-string cell from the count below; text holding "=" that way only sends it to expat.
    _ODD_EQUALS = re.compile(rb'=(?:(?!")|(?<=\s=))')
    _CELL = re.compile(rb"<c[\s>/]")
    _TEXT = re.compile(rb">[^<]+")
    _SHARED = re.compile(rb't="s"[^>]*><v>(\d+)</v>')
    _WIDE = re.compile(rb'<c r="[A-Z][A-Z]')

    def __init__(self, *, max_rows, max_cols, shared_sizes):
        self.limit = max_rows + 1  # the header's row and max_rows below it
        self.max_cols = max_cols
        self.columns = _columns_pattern(max_cols)
        self.shared_sizes = shared_sizes  # bytes of each shared string's XML, an upper bound of its text
        self.ok = True
        self.last_row = 0
        self.width = 1  # the columns used so far (exact up to Z; past Z, max_cols)
        self.cells = self.texts = self.text = self.shared = 0
        self.carry = b""
        self.in_text = False  # the last piece ended inside a long text, judged without its end

    def feed(self, chunk):
        if not self.ok:
            return
        buf = self.carry + chunk
        # Each pattern starts at a "<" (or a space inside a tag) and holds no "<": keep the text
        # from the last "<" for the next chunk, unless it is long (256 bytes: judged here whole).
        cut = buf.rfind(b"<")
        if cut < 0 or len(buf) - cut > 256:
            cut = len(buf)
        self.carry = buf[cut:]
        self._judge(buf[:cut])
        self.in_text = cut == len(buf)
        if self.in_text and self.shared_sizes:
            self.shared += MAX_CELL_CHARS + 64  # a t="s" cut in two is not counted: allow one copy

    def close(self):
        if self.ok and self.carry:
            self._judge(self.carry)
        self.carry = b""

    def _judge(self, buf):
        if ((self.shared_sizes and self._ODD_EQUALS.search(buf)) or (b"!" in buf and b"<![CDATA[" in buf)
                or self._ODD_ROW.search(buf) or (b":" in buf and self._PREFIXED.search(buf))):
            self.ok = False
            return
        rows = list(map(int, self._ROW.findall(buf)))
        if rows:
            if not all(map(int.__lt__, [self.last_row, *rows[:-1]], rows)) or rows[-1] > self.limit:
                self.ok = False
                return
            self.last_row = rows[-1]
        # Cells no later than the last row written so far: the grid is at most last_row high.
        if self.last_row < 1:
            self.ok = self._CELL.search(buf) is None
            return
        # Most pieces hold only cells inside the width already seen: one search proves it, and the
        # searches for a wider column below would find nothing.
        narrow = self.columns if self.width >= self.max_cols else _columns_pattern(self.width)
        widened = _odd_cell(narrow, self.last_row).search(buf) is not None
        if widened and narrow != self.columns and _odd_cell(self.columns, self.last_row).search(buf):
            self.ok = False
            return
        if widened and narrow == self.columns:
            self.ok = False
            return
        cells = buf.count(b'<c r="')
        self.cells += cells
        if self.in_text:  # the rest of a text the previous piece ended in
            at = buf.find(b"<")
            self.text += len(buf) if at < 0 else at
        texts = self._TEXT.findall(buf)
        self.texts += len(texts)
        self.text += sum(map(len, texts))
        shared = buf.count(b't="s"') if self.shared_sizes else 0  # with no strings, calamine has none to copy
        if shared:
            found = self._SHARED.findall(buf)
            if len(found) != shared:
                self.ok = False
                return
            try:
                self.shared += sum(map(self.shared_sizes.__getitem__, map(int, found)))
            except IndexError:  # a cell naming a string that does not exist: the expat reader says so
                self.ok = False
                return
        if not widened:
            return
        if self.width < 26 and cells:
            while self.width < 26 and (wider := re.search(rb'<c r="[%c-Z]\d' % (65 + self.width), buf)):
                self.width = wider.group()[6] - 64
        if self.max_cols > 26 and self.width < self.max_cols and self._WIDE.search(buf):
            self.width = self.max_cols

    def calamine_bytes(self):
        """An upper bound of what calamine holds for this sheet: the dense grid (32 bytes a cell),
        each cell also in the sparse list the grid is built from (40 bytes, 48 with the list's
        slack), each text with its allocation's overhead (32), and each shared-string cell's own
        copy of its string. Measured: 1.85 million one-letter cells, estimated 209 MB, took 186."""
        return (self.last_row * min(self.width, self.max_cols) * 32 + self.cells * 48 + self.texts * 32 + self.text
                + self.shared)


def _shared_sizes(zf, path):
    """The bytes between one ``<si`` and the next: each shared string's XML, an upper bound of
    its text (a mark split between two chunks only makes a piece longer)."""
    sizes = array("I")
    if path is None:
        return sizes
    run = None  # the bytes before the first <si> are not a string
    with zf.open(path) as fh:
        while chunk := fh.read(1 << 22):
            pieces = chunk.split(b"<si")
            if len(pieces) == 1:
                if run is not None:
                    run += len(chunk)
                continue
            if run is not None:
                sizes.append(run + len(pieces[0]))
            sizes.extend(map(len, pieces[1:-1]))
            run = len(pieces[-1])
    if run is not None:
        sizes.append(run)
    return sizes


def _columns_pattern(count):
    """A regex for the column letters of the first ``count`` columns (A, B… AA, AB…)."""
    if count <= 26:
        return b"[A-%c]" % (64 + count)
    if count > 702:
        return b"|".join(sorted((_column_letters(i).encode() for i in range(count)), key=len, reverse=True))
    full, rest = divmod(count - 26, 26)
    out = [b"[A-Z]"]
    if full:
        out.append(b"[A-%c][A-Z]" % (64 + full))
    if rest:
        out.append(b"%c[A-%c]" % (65 + full, 64 + rest))
    return b"|".join(out)


@functools.lru_cache(maxsize=64)
def _odd_cell(columns, last_row):
    return re.compile(rb'<c(?! r="(?:%s)%s")[\s>/]' % (columns, _up_to(last_row).encode()))


def _small_xml(zf, name):
    info = zf.getinfo(name)
    if info.file_size > MAX_SMALL_PART:
        raise FileRejected(_("Una parte del libro (%(p)s) es demasiado grande: no se procesa.") % {"p": name})
    try:
        return SafeET.fromstring(zf.read(info))
    except Exception as exc:  # defusedxml raises several kinds for hostile XML
        raise FileRejected(_("El archivo contiene XML no válido o peligroso: no se procesa.")) from exc


def _local(tag):
    return tag.rpartition("}")[2]


def _relationships(zf, part):
    """{id: (type, target path)} of a part's relationships."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels not in zf.NameToInfo:
        return {}
    out = {}
    for rel in _small_xml(zf, rels):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id")] = (rel.get("Type", ""), path)
    return out


def _workbook(zf):
    """(first sheet's path, styles path, shared strings path, 1904 dates, first sheet's name)."""
    book = "xl/workbook.xml"
    for kind, path in _relationships(zf, "").values():
        if kind.endswith("/officeDocument"):
            book = path
    if book not in zf.NameToInfo:
        raise FileRejected(_("El archivo no es un libro de Excel (.xlsx) válido."))
    root = _small_xml(zf, book)
    rels = _relationships(zf, book)
    first = date1904 = title = None
    for element in root.iter():
        name = _local(element.tag)
        if name == "workbookPr":
            date1904 = element.get("date1904", "").lower() in ("1", "true")
        elif name == "sheet" and first is None:
            title = element.get("name")
            first = next((v for k, v in element.attrib.items() if _local(k) == "id" and k.startswith("{")), None)
    if first not in rels:
        raise FileRejected(_("El libro no tiene hojas."))
    kind, sheet = rels[first]
    if not kind.endswith("/worksheet") or sheet not in zf.NameToInfo:
        raise FileRejected(_("La primera hoja del libro no es una hoja de datos: ponga los datos en la primera hoja."))
    styles = next((p for k, p in rels.values() if k.endswith("/styles") and p in zf.NameToInfo), None)
    strings = next((p for k, p in rels.values() if k.endswith("/sharedStrings") and p in zf.NameToInfo), None)
    return sheet, styles, strings, bool(date1904), title


def _is_date_format(code):
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code or "").lower()
    return code != "general" and any(ch in code for ch in "dmyhs")


def _date_styles(zf, path):
    """Indexes of the cell styles (``s``) that show a number as a date or a time."""
    if path is None:
        return frozenset()
    root = _small_xml(zf, path)
    custom = {}
    out = set()
    for element in root:
        if _local(element.tag) == "numFmts":
            for fmt in element:
                custom[fmt.get("numFmtId")] = fmt.get("formatCode", "")
    for element in root:
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(element):
                fmt = xf.get("numFmtId", "0")
                if (fmt.isdigit() and int(fmt) in _DATE_FORMAT_IDS) or (fmt in custom and _is_date_format(custom[fmt])):
                    out.add(str(index))
    return frozenset(out)


def _expat(part):
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_args):
        raise FileRejected(_("El archivo contiene declaraciones XML no permitidas (DOCTYPE/ENTITY): no se procesa."))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    return parser


def _feed(zf, part, parser):
    """Stream a part through an expat parser; yields after each chunk so the caller can drain."""
    try:
        with zf.open(part) as fh:
            while chunk := fh.read(CHUNK):
                parser.Parse(chunk, False)
                yield
            parser.Parse(b"", True)
            yield
    except expat.ExpatError as exc:
        raise FileRejected(_("El archivo contiene XML no válido (%(p)s, línea %(l)d): no se procesa.")
                           % {"p": part, "l": exc.lineno}) from exc
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile, zlib.error) as exc:
        raise _not_xlsx() from exc


class SharedStrings:
    """The workbook's shared strings as one UTF-8 buffer and their offsets: a few bytes per
    string instead of a Python object each. Long strings are decoded once and kept, so that many
    cells naming the same string share one object."""

    def __init__(self):
        self.text = bytearray()
        self.offsets = array("I", [0])
        self.long = {}

    def __len__(self):
        return len(self.offsets) - 1

    def __getitem__(self, index):
        if index < 0:
            raise IndexError(index)
        start, end = self.offsets[index], self.offsets[index + 1]
        if end - start < 256:
            return self.text[start:end].decode()
        value = self.long.get(index)
        if value is None:
            value = self.long[index] = self.text[start:end].decode()
        return value


def _shared_strings(zf, path):
    strings = SharedStrings()
    if path is None:
        return strings
    if zf.getinfo(path).file_size > MAX_SHARED_STRINGS:
        raise FileRejected(_("El libro tiene más de %(mb)d MB de textos: divídalo en archivos más pequeños.")
                           % {"mb": MAX_SHARED_STRINGS // (1024 * 1024)})
    parser = _expat(path)
    state = {"in_t": False, "skip": 0, "size": 0}
    parts = []

    def too_long():
        return FileRejected(_("Un texto del libro tiene más de %(n)d caracteres, el máximo de una celda de Excel: "
                              "no se procesa.") % {"n": MAX_CELL_CHARS})

    def start(name, _attrs):
        name = name.rpartition(":")[2]
        if name == "t" and not state["skip"]:
            state["in_t"] = True
        elif name == "rPh":  # phonetic guide (Japanese): not part of the text
            state["skip"] += 1

    def end(name):
        name = name.rpartition(":")[2]
        if name == "t":
            state["in_t"] = False
        elif name == "rPh":
            state["skip"] -= 1
        elif name == "si":
            value = "".join(parts)
            parts.clear()
            state["size"] = 0
            if len(value) > MAX_CELL_CHARS:
                raise too_long()
            strings.text += value.encode()
            strings.offsets.append(len(strings.text))

    def chars(data):
        if state["in_t"]:
            state["size"] += len(data)
            if state["size"] > MAX_CELL_CHARS:
                raise too_long()
            parts.append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    for _step in _feed(zf, path, parser):
        pass
    return strings


def _column_index(letters):
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def _declared(zf, path):
    """(rows, columns) the sheet's <dimension ref="A1:U600001"> claims, read from the start of the
    part; (None, None) without one."""
    with zf.open(path) as fh:
        head = fh.read(CHUNK)
    match = re.search(rb"<(?:[\w.-]+:)?dimension\s+ref=[\"']([^\"']+)[\"']", head)
    if not match:
        return None, None
    refs = [_CELL_REF.fullmatch(r) for r in match.group(1).decode("ascii", "replace").split(":")]
    rows = [int(m.group(2)) for m in refs if m and m.group(2)]
    columns = [_column_index(m.group(1)) for m in refs if m]
    return ((max(rows) - min(rows) + 1) if rows else None), ((max(columns) - min(columns) + 1) if columns else None)


_EPOCH_1900 = datetime.datetime(1899, 12, 30)
_EPOCH_1904 = datetime.datetime(1904, 1, 1)


def _excel_date(number, date1904):
    """A serial date as the date, time or datetime the cell shows (as python-calamine did)."""
    if date1904:
        moment = _EPOCH_1904 + datetime.timedelta(days=number)
    else:
        # Excel counts 29/02/1900, which did not exist: serials before 61 are one day later.
        moment = _EPOCH_1900 + datetime.timedelta(days=number + (1 if number < 61 else 0))
    moment = moment.replace(microsecond=round(moment.microsecond, -3) % 1_000_000)
    if number == int(number):
        return moment.date()
    if number < 1:
        return moment.time()
    return moment


def _number(text):
    try:
        return float(text)
    except ValueError as exc:
        raise FileRejected(_("El archivo tiene un número no válido («%(v)s»): no se procesa.") % {"v": text[:40]}) from exc


def _sheet_rows(zf, path, *, strings, date_styles, date1904, max_cols):
    """(row number, [cell values]) for each row with values, streamed. Values as python-calamine
    gave them: str, float, bool, date/datetime/time, "" for an empty cell. The first such row
    (the header) is read whole, so that a heading beyond the template's width is named as an
    unknown column; in the others, cells right of ``max_cols`` are dropped."""
    parser = _expat(path)
    ready = []
    cells = {}
    parts = []
    columns = {}  # "AB" -> 27: a sheet has few distinct column letters
    # Where the parser is and the current cell's attributes; ``text``: the cell had a <v> or inline
    # text; ``collect``: inside a <v>, or a <t> of an inline string outside a phonetic run.
    row = size = in_is = skip = 0
    col = -1
    kind, style, ref, text, collect, limit, stray = "n", None, "", False, False, 16_384, False

    def too_long():
        return FileRejected(_("La celda %(c)s tiene más de %(max)d caracteres, el máximo de una celda de Excel: "
                              "no se procesa.") % {"c": ref or f"fila {row}", "max": MAX_CELL_CHARS})

    def start(name, attrs):
        nonlocal row, col, kind, style, ref, text, collect, size, in_is, skip, stray
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                index = columns.get(letters)
                if index is None:
                    if not (0 < len(letters) <= 3 and letters.isalpha() and letters.isascii()):
                        raise FileRejected(_("El archivo tiene una celda con referencia no válida («%(r)s»).") % {"r": ref[:20]})
                    index = columns[letters] = _column_index(letters)
                col = index
            else:
                col += 1
            kind, style, text, size = attrs.get("t", "n"), attrs.get("s"), False, 0
            parts.clear()
        elif name == "v":
            if not in_is:
                collect = text = True
        elif name == "t":
            if in_is and not skip:
                collect = text = True
        elif name == "is":
            in_is += 1
        elif name == "rPh":
            skip += 1
        elif name == "row":
            number = attrs.get("r")
            row = int(number) if number and number.isdigit() else row + 1
            col = -1
            stray = False
            cells.clear()
        elif name == "f":
            raise FileRejected(_("La hoja contiene fórmulas: copie y pegue como valores antes de subirla."))

    def end(name):
        nonlocal collect, in_is, skip, limit, stray
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            if not text:
                return
            if col >= limit:
                stray = True  # not read, but the row counts against the row limit
                return
            raw = "".join(parts)
            if kind == "s":
                try:
                    value = strings[int(raw)]
                except (ValueError, IndexError) as exc:
                    raise FileRejected(_("El archivo no es un libro de Excel (.xlsx) válido: una celda nombra un texto "
                                         "que no existe.")) from exc
            elif kind == "inlineStr" or kind == "str":
                value = raw
            elif kind == "e":
                return  # an error value (#N/A, #DIV/0!…) reads as an empty cell, as it did with calamine
            elif kind == "b":
                value = raw.strip() in ("1", "true")
            elif kind == "d":
                try:
                    value = datetime.datetime.fromisoformat(raw.strip())
                except ValueError:
                    value = raw
            elif not raw.strip():
                return
            else:
                value = _number(raw)
                if style in date_styles and value == value and abs(value) < 3e6:
                    value = _excel_date(value, date1904)
            if value.__class__ is str:
                if len(value) > MAX_CELL_CHARS:
                    raise too_long()
                if not value:
                    return
            cells[col] = value
        elif name == "v" or name == "t":
            collect = False
        elif name == "row":
            if cells:
                ready.append((row, [cells.get(i, "") for i in range(max(cells) + 1)]))
                limit = max_cols  # the header was read whole; data rows only up to the template's width
                cells.clear()
            elif stray:
                ready.append((row, EMPTY_ROW))
        elif name == "is":
            in_is -= 1
        elif name == "rPh":
            skip -= 1

    def chars(data):
        nonlocal size
        if collect:
            size += len(data)
            if size > MAX_CELL_CHARS:
                raise too_long()
            parts.append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    for _step in _feed(zf, path, parser):
        if ready:
            yield from ready
            ready.clear()


_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error, KeyError)


def _read_xlsx(data: bytes, *, max_rows: int, max_cols: int) -> Table:
    zf = _check_zip(data)
    try:
        _scan_parts(zf, worksheets=False)
        sheet, styles, strings_path, date1904, title = _workbook(zf)
        shape = None
        if strings_path is None or zf.getinfo(strings_path).file_size <= MAX_SHARED_STRINGS:
            sizes = _shared_sizes(zf, strings_path)
            # A string that may pass Excel's limit is measured (and refused) by the expat reader.
            if not sizes or max(sizes) <= MAX_CELL_CHARS:
                shape = _SheetShape(max_rows=max_rows, max_cols=max_cols, shared_sizes=sizes)
        _scan_parts(zf, worksheets=True, sheet=sheet, shape=shape)
        declared, declared_cols = _declared(zf, sheet)
        if declared is not None and declared - 1 > max_rows:
            raise FileRejected(_("La hoja declara %(n)d filas; el máximo es %(max)d filas de datos. Divídala en varios "
                                 "archivos (borre también las filas vacías con formato al final de la hoja).")
                               % {"n": declared, "max": max_rows})
        if (shape is not None and shape.ok and (declared_cols or 0) <= max_cols
                and shape.calamine_bytes() <= CALAMINE_MAX_BYTES):
            table = _read_calamine(data, title=title, max_rows=max_rows, max_cols=max_cols)
            if table is not None:
                return table
        strings, date_styles = _shared_strings(zf, strings_path), _date_styles(zf, styles)
    except _DAMAGED as exc:  # a CRC or a size that does not match what was stored
        raise _not_xlsx() from exc
    rows = _sheet_rows(zf, sheet, strings=strings, date_styles=date_styles, date1904=date1904, max_cols=max_cols)
    return _table_from(rows, max_rows=max_rows, count=max(0, (declared or 0) - 1))


def _table_from(rows, *, max_rows, count):
    """The Table of a sheet's (row number, cells) stream: its first row is the header."""
    first = next(rows, None)
    if first is None:
        raise FileRejected(_("El archivo está vacío."))
    header_number, header_cells = first
    header = _header(header_cells)
    if not header:
        raise FileRejected(_("El archivo está vacío."))
    return Table(header=header, rows=_numbered(rows, header_number, max_rows), first_row_number=header_number + 1,
                 count=count)


def _read_calamine(data, *, title, max_rows, max_cols):
    """The sheet read by python-calamine, once ``_SheetShape`` has bounded its grid; None (read
    it with expat) if calamine does not read it as expected."""
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not book.sheet_names or book.sheet_names[0] != title:
            return None
        grid = book.get_sheet_by_index(0)
    except Exception:  # noqa: BLE001 - calamine's own error types; the expat reader names the problem
        return None
    if grid.start is None or grid.width > max_cols or grid.height > max_rows + 1:
        return None
    table = _table_from(_calamine_rows(grid), max_rows=max_rows, count=0)
    table.count = max(0, grid.start[0] + grid.height - table.first_row_number + 1)
    return table


def _calamine_rows(grid):
    """(row number, cells) for each row with values, as ``_sheet_rows`` gives them: no trailing
    empty cells, a cell longer than Excel's limit refuses the file."""
    pad = [""] * grid.start[1]  # iter_rows starts at the sheet's first row but at the range's first column
    longest = MAX_CELL_CHARS
    is_text = str.__instancecheck__
    number = 0
    for row in grid.iter_rows():
        number += 1
        while row and row[-1] == "":
            row.pop()
        if not row:
            continue
        for value in row:  # a plain loop: cheaper than filtering a row of 16 to measure its texts
            if value.__class__ is str and len(value) > longest:
                column = next(i for i, v in enumerate(row) if is_text(v) and len(v) > longest) + len(pad)
                raise FileRejected(_("La celda %(c)s tiene más de %(max)d caracteres, el máximo de una celda de "
                                     "Excel: no se procesa.") % {"c": f"{_column_letters(column)}{number}", "max": MAX_CELL_CHARS})
        yield number, (pad + row if pad else row)


def _numbered(rows, header_number, max_rows):
    """The data rows in sheet order, an empty row for each row the sheet leaves out (so that the
    engine's row numbers are the sheet's), refusing past ``max_rows``."""
    expected = header_number + 1
    empty = EMPTY_ROW
    for number, cells in rows:
        if number < expected:  # Excel writes rows in order, once each
            raise FileRejected(_("La fila %(n)d aparece fuera de orden o repetida en la hoja: guarde el archivo de nuevo "
                                 "desde Excel.") % {"n": number})
        if number - header_number > max_rows:
            raise _too_many_rows(max_rows)
        while expected < number:
            yield empty
            expected += 1
        yield cells
        expected += 1


# ----------------------------------------------------------------------------------------- csv


def _read_csv(data: bytes, *, max_rows: int) -> Table:
    try:
        text = codecs.decode(data, "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(_("El CSV no está en UTF-8 (byte %(pos)d): guárdelo como «CSV UTF-8».") % {"pos": exc.start}) from exc
    del data
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # A cell may be as long as the file (the column's own rule then names its length by row and
    # column); the module's default of 131,072 characters made a long cell an internal error.
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(len(text) + 1)
    reader = csv.reader(io.StringIO(text), dialect)
    consumed = 1  # records read up to the header: rows are numbered by record, as a spreadsheet shows them
    try:
        first = next(reader, None)
        while first is not None and not any(v.strip() for v in first):
            first = next(reader, None)
            consumed += 1
    except csv.Error as exc:
        raise FileRejected(_("El CSV no se pudo leer (línea %(l)d): %(e)s") % {"l": reader.line_num, "e": exc}) from exc
    if first is None:
        raise FileRejected(_("El archivo está vacío."))
    header = _header(first)
    return Table(header=header, rows=_csv_rows(reader, max_rows), first_row_number=consumed + 1,
                 count=text.count("\n"), source="csv")


def _csv_rows(reader, max_rows):
    count = 0
    pending_empty = 0
    try:
        for row in reader:
            if not any(row):
                pending_empty += 1  # trailing empty lines do not count against the limit
                continue
            count += pending_empty + 1
            if count > max_rows:
                raise _too_many_rows(max_rows)
            for _i in range(pending_empty):
                yield EMPTY_ROW
            pending_empty = 0
            yield row
    except csv.Error as exc:
        raise FileRejected(_("El CSV no se pudo leer (línea %(l)d): %(e)s") % {"l": reader.line_num, "e": exc}) from exc


def _header(row):
    header = [str(h).strip().lower() if h is not None else "" for h in row]
    while header and header[-1] == "":
        header.pop()
    return header
