"""Reading what an accountant uploads: JSON files, PDFs, or a ZIP of them, bounded before anything
is decompressed or parsed (the same guards as bulk.reading: entry count from the end record,
declared sizes, encrypted entries, and bounded reads that never trust a declared size).

A file that cannot be a DTE is refused with a message naming it; the rest go on to the checks."""

import io
import json
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

MAX_JSON_BYTES = 1024 * 1024  # a DTE with 2,000 lines is ~1 MB; MH accepts far fewer lines
MAX_PDF_BYTES = 5 * 1024 * 1024
MAX_FILES = 500  # per upload, loose or inside a ZIP
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_BATCH_FILES = 50_000  # a ZIP read by workers (purchases.batches): a large supplier's year
MAX_BATCH_UNZIPPED = 4 * 1024 * 1024 * 1024
MAX_DEPTH = 20  # a DTE nests 4 levels; deeper JSON is refused before the parser recurses


class UploadRejected(ValueError):
    """The whole upload is refused; the message says why, in Spanish."""


@dataclass
class Incoming:
    name: str
    data: bytes


def _member_name(name):
    return posixpath.basename(name.replace("\\", "/"))


def _bounded_read(zf, info, limit):
    with zf.open(info) as handle:
        data = handle.read(limit + 1)  # never more than limit + 1 bytes, whatever the header says
    if len(data) > limit:
        raise UploadRejected(_("«%(f)s» es demasiado grande al descomprimirlo: no se procesa.") % {"f": info.filename})
    return data


def read_zip(data: bytes, name: str):
    """The JSON and PDF entries of a ZIP, as Incoming; other entries are skipped (listed in the
    second value)."""
    try:
        end = zipfile._EndRecData(io.BytesIO(data))
    except (OSError, ValueError, zipfile.BadZipFile):
        end = None
    if not end:
        raise UploadRejected(_("«%(f)s» no es un ZIP válido: puede estar dañado.") % {"f": name})
    if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_FILES:
        raise UploadRejected(_("«%(f)s» contiene %(n)d archivos; el máximo por carga es %(max)d.")
                             % {"f": name, "n": end[zipfile._ECD_ENTRIES_TOTAL], "max": MAX_FILES})
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as exc:
        raise UploadRejected(_("«%(f)s» no es un ZIP válido: puede estar dañado.") % {"f": name}) from exc
    if any(i.flag_bits & 0x1 for i in infos):
        raise UploadRejected(_("«%(f)s» está protegido con contraseña: no se procesa.") % {"f": name})
    if any(i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in infos):
        raise UploadRejected(_("«%(f)s» usa una compresión no admitida (solo ZIP normal).") % {"f": name})
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise UploadRejected(_("«%(f)s» ocupa más de %(mb)d MB al descomprimirlo (posible bomba zip): no se procesa.")
                             % {"f": name, "mb": MAX_UNZIPPED // (1024 * 1024)})
    out, skipped = [], []
    for info in infos:
        if info.is_dir():
            continue
        base = _member_name(info.filename)
        lower = base.lower()
        try:
            if lower.endswith(".json"):
                out.append(Incoming(base, _bounded_read(zf, info, MAX_JSON_BYTES)))
            elif lower.endswith(".pdf"):
                out.append(Incoming(base, _bounded_read(zf, info, MAX_PDF_BYTES)))
            else:
                skipped.append(base)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise UploadRejected(_("«%(f)s» dentro de «%(z)s» está dañado: no se procesa.") % {"f": base, "z": name}) from exc
    return out, skipped


def zip_entries(handle):
    """The entry count a ZIP's end record declares (0 when it is not a ZIP); ``handle`` seekable."""
    try:
        end = zipfile._EndRecData(handle)
    except (OSError, ValueError, zipfile.BadZipFile):
        end = None
    finally:
        handle.seek(0)
    return end[zipfile._ECD_ENTRIES_TOTAL] if end else 0


def open_batch_zip(handle, name):
    """(ZipFile, names of its JSON members in name order, {base name without extension: PDF
    ZipInfo}) of a batch's ZIP, open on ``handle`` (a seekable file: never read whole). The same
    guards as an upload's, with the batch's larger bounds."""
    try:
        end = zipfile._EndRecData(handle)
    except (OSError, ValueError, zipfile.BadZipFile):
        end = None
    if not end:
        raise UploadRejected(_("«%(f)s» no es un ZIP válido: puede estar dañado.") % {"f": name})
    if end[zipfile._ECD_ENTRIES_TOTAL] > MAX_BATCH_FILES:
        raise UploadRejected(_("«%(f)s» contiene %(n)d archivos; el máximo por lote es %(max)d.")
                             % {"f": name, "n": end[zipfile._ECD_ENTRIES_TOTAL], "max": MAX_BATCH_FILES})
    try:
        handle.seek(0)
        zf = zipfile.ZipFile(handle)
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError) as exc:
        raise UploadRejected(_("«%(f)s» no es un ZIP válido: puede estar dañado.") % {"f": name}) from exc
    if any(i.flag_bits & 0x1 for i in infos):
        raise UploadRejected(_("«%(f)s» está protegido con contraseña: no se procesa.") % {"f": name})
    if any(i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for i in infos):
        raise UploadRejected(_("«%(f)s» usa una compresión no admitida (solo ZIP normal).") % {"f": name})
    if sum(i.file_size for i in infos) > MAX_BATCH_UNZIPPED:
        raise UploadRejected(_("«%(f)s» ocupa demasiado al descomprimirlo (posible bomba zip): no se procesa.") % {"f": name})
    jsons = sorted(i.filename for i in infos if not i.is_dir() and i.filename.lower().endswith(".json"))
    pdfs = {posixpath.splitext(_member_name(i.filename))[0].lower(): i for i in infos
            if not i.is_dir() and i.filename.lower().endswith(".pdf")}
    return zf, jsons, pdfs


def read_member(zf, member, limit, zip_name):
    """One member's bytes, bounded (UploadRejected naming it when damaged or too large)."""
    info = member if isinstance(member, zipfile.ZipInfo) else zf.getinfo(member)
    try:
        return _bounded_read(zf, info, limit)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UploadRejected(_("«%(f)s» dentro de «%(z)s» está dañado: no se procesa.")
                             % {"f": _member_name(info.filename), "z": zip_name}) from exc


def expand(files):
    """``files``: (name, bytes) pairs as uploaded. Returns (Incoming list, skipped names)."""
    out, skipped = [], []
    for name, data in files:
        lower = name.lower()
        if lower.endswith(".zip"):
            inner, inner_skipped = read_zip(data, name)
            out += inner
            skipped += inner_skipped
        elif lower.endswith((".json", ".pdf")):
            limit = MAX_JSON_BYTES if lower.endswith(".json") else MAX_PDF_BYTES
            if len(data) > limit:
                raise UploadRejected(_("«%(f)s» ocupa más de %(mb)d MB: no es un DTE.") % {"f": name, "mb": limit // (1024 * 1024)})
            out.append(Incoming(_member_name(name), data))
        else:
            skipped.append(name)
        if len(out) > MAX_FILES:
            raise UploadRejected(_("La carga tiene más de %(max)d archivos: divídala.") % {"max": MAX_FILES})
    return out, skipped


class NotADocument(ValueError):
    pass


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def _depth_ok(text):
    """Whether the JSON nests at most MAX_DEPTH levels (strings' contents ignored), found with two
    regular expressions rather than a Python loop over every character."""
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return False
        else:
            depth -= 1
    return True


def parse_json(data: bytes, name: str):
    """(text, document with Decimal numbers). Raises NotADocument with a message naming the file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotADocument(_("«%(f)s» no está en UTF-8: no es un DTE.") % {"f": name}) from None
    if not _depth_ok(text):
        raise NotADocument(_("«%(f)s» anida demasiados niveles: no es un DTE.") % {"f": name})
    try:
        document = json.loads(text, parse_float=Decimal, parse_int=_int)
    except (ValueError, RecursionError):
        raise NotADocument(_("«%(f)s» no es un JSON válido.") % {"f": name}) from None
    if not isinstance(document, dict) or not isinstance(document.get("identificacion"), dict):
        raise NotADocument(_("«%(f)s» no es un DTE: le falta la sección «identificacion».") % {"f": name})
    return text, document


def _int(text):
    if len(text) > 30:
        raise ValueError("número demasiado largo")
    return int(text)
