"""Validate a catalogue file against its columns, compare it with the database, and apply it
all or nothing. Generic: each catalogue describes itself with a ``Spec``."""

import contextlib
import csv
import io
import json
import operator
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import JSONField
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from psycopg.types.json import Jsonb

from bulk.columns import CellError, escape_formula
from bulk.reading import FileRejected
from core.modules import Action

BATCH = 5000


@dataclass
class Spec:
    name: str
    title: str
    model: type
    columns: list
    key: tuple
    module: str  # the grant module (accounts.modules.Module): who may upload it; its label names it in messages
    write_fields: list  # model attnames written on insert and update (besides timestamps)
    context: callable  # () -> ctx; (user) -> ctx with extra["user_context"]
    check: callable  # (data, ctx) -> {field: message}; may normalize data
    # (data, ctx) -> {attname: value} for write_fields, or the values as a tuple in the order of
    # write_fields (cheaper for a large catalogue); may raise CellError(field, message)
    finalize: callable
    max_rows: int = 200_000
    conflict_sql: str = ""  # PostgreSQL ON CONFLICT target, e.g. "(id_type, id_number)"
    extra: dict = field(default_factory=dict)
    # check and finalize read only their ctx, never the database: PostgreSQL may then still be
    # storing a batch's new rows (COPY) while the engine checks the next batch (see ``run``).
    pure_rows: bool = False


# What a run keeps of its errors, so that a file whose every row is wrong stays in bounded
# memory: the first errors in full (the page shows 200); the rest are only counted, by row.
MAX_KEPT_ERRORS = 20_000
MAX_MESSAGE_CHARS = 300  # a message may quote the cell it refuses
# The error report repeats every row of the file (so that it can be fixed and uploaded again) up
# to this many characters of cell text; a report past it stops and says where.
MAX_REPORT_CHARS = 32_000_000
# The error report's last column: an upload ignores it, so the report can be uploaded again.
REPORT_COLUMN = "errores"


@dataclass
class Result:
    rows: int = 0
    errors: list = field(default_factory=list)  # (row number, column header, reason): the first MAX_KEPT_ERRORS
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    seconds: dict = field(default_factory=dict)
    omitted: frozenset = frozenset()  # write_fields positions whose columns the file leaves out
    wrong: set = field(default_factory=set)  # every row number with an error

    def add_error(self, rownum, column, message):
        self.wrong.add(rownum)
        if len(self.errors) >= MAX_KEPT_ERRORS:
            return
        self.errors.append((rownum, column, message if len(message) <= MAX_MESSAGE_CHARS
                            else message[:MAX_MESSAGE_CHARS] + "…"))

    @property
    def wrong_rows(self):
        return len(self.wrong)


def _map_header(spec, header):
    by_name = {c.header: c for c in spec.columns}
    unknown = [h for h in header if h and h not in by_name and h != REPORT_COLUMN]  # a report uploaded again
    missing = [c.header for c in spec.columns if c.header not in header and not c.omissible]
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    problems = []
    if missing:
        problems.append(_("faltan columnas: %(c)s") % {"c": ", ".join(missing)})
    if unknown:
        problems.append(_("columnas desconocidas: %(c)s") % {"c": ", ".join(unknown)})
    if duplicated:
        problems.append(_("columnas repetidas: %(c)s") % {"c": ", ".join(duplicated)})
    if problems:
        raise FileRejected(_("El encabezado no corresponde a la plantilla (%(p)s). Descargue la plantilla y use sus columnas.")
                           % {"p": "; ".join(problems)})
    return [(header.index(c.header), c) for c in spec.columns if c.header in header]


def _omitted_indexes(spec, header):
    """Positions in ``write_fields`` filled only by columns this file leaves out."""
    fields = list(spec.write_fields)
    out = set()
    for column in spec.columns:
        if column.header not in header:
            for name in column.writes or (column.field,):
                if name in fields:
                    out.add(fields.index(name))
    return frozenset(out)


def validate_batches(spec, table, result, *, progress=None, stage="", user=None):
    """Check the rows and yield the valid ones in batches of ``BATCH`` as (row number, values
    tuple): the caller compares and writes each batch, so memory holds one batch, not the file."""
    started = time.perf_counter()
    positions = _map_header(spec, table.header)
    header_of = {c.field: c.header for c in spec.columns}
    key_header = spec.extra.get("key_header") or header_of.get(spec.key[-1], spec.key[-1])
    fields = list(spec.write_fields)
    key_index = [fields.index(k) for k in spec.key]
    as_tuple = operator.itemgetter(*fields) if len(fields) > 1 else (lambda values: (values[fields[0]],))
    # A catalogue whose rows depend on what the user may see (payments) gets the user.
    ctx = spec.context(user) if spec.extra.get("user_context") else spec.context()
    seen = {}
    total = table.count
    csv_numbers = {i for i, c in positions if c.kind == "number"} if table.source == "csv" else set()
    cells = [(index, column.field, column.parse, column.header, index in csv_numbers) for index, column in positions]
    # The usual row, all its cells valid, is parsed in C: its cells picked by one itemgetter (a
    # short row padded with None, as an absent cell) and each handed to its column's parser by map.
    # A cell that raises CellError sends the row to the loop below, which names every bad cell.
    pick = _picker([index for index, *_rest in cells])
    width_needed = max((index for index, *_rest in cells), default=-1) + 1
    parsers = [_csv_number(parse) if csv_number else parse for _index, _field, parse, _header, csv_number in cells]
    names = [field_name for _index, field_name, *_rest in cells]
    absent = {c.field: c.parse(None) for c in spec.columns if c.header not in table.header}
    result.omitted = _omitted_indexes(spec, table.header)
    key_of = _picker(key_index)
    rows = table.rows
    in_list = isinstance(rows, list)
    # An error report uploaded again: its «errores» cells are not data, and a row holding only one
    # (a row the user emptied, or the report's closing note) is an empty row.
    report_at = table.header.index(REPORT_COLUMN) if REPORT_COLUMN in table.header else None
    batch = []
    call = operator.call
    for i, raw in enumerate(rows):
        if in_list:
            rows[i] = None  # free each raw row once read: memory stays near one copy of the file
        rownum = table.first_row_number + i
        if (raw[0] is None or raw[0] == "") and not any(v not in (None, "") for v in raw):
            continue
        if report_at is not None and not any(v not in (None, "") for j, v in enumerate(raw) if j != report_at):
            continue
        result.rows += 1
        row_errors = []
        if len(raw) < width_needed:
            raw = [*raw, *([None] * (width_needed - len(raw)))]
        try:
            data = dict(zip(names, map(call, parsers, pick(raw)), strict=True))
        except CellError:
            data = {}
            for (_index, field_name, _parse, header, _csv), parse, value in zip(cells, parsers, pick(raw), strict=True):
                try:
                    data[field_name] = parse(value)
                except CellError as exc:
                    row_errors.append((rownum, header, str(exc)))
        if absent:
            data.update(absent)
        if not row_errors:
            for fld, message in spec.check(data, ctx).items():
                row_errors.append((rownum, header_of.get(fld, fld), message))
        values = None
        if not row_errors:
            try:
                values = spec.finalize(data, ctx)
            except CellError as exc:
                field_name, message = exc.args if len(exc.args) == 2 else ("", str(exc))
                row_errors.append((rownum, header_of.get(field_name, field_name), message))
        if values is not None:
            if values.__class__ is not tuple:
                values = as_tuple(values)  # a tuple per row: a third of a dict's memory
            key = key_of(values)
            first = seen.get(key)
            if first is not None:
                row_errors.append((rownum, key_header, _("repetido: la fila %(r)d tiene la misma clave") % {"r": first}))
            else:
                seen[key] = rownum
                batch.append((rownum, values))
        if row_errors:
            for error in row_errors:
                result.add_error(*error)
        if len(batch) >= BATCH:
            if progress:
                progress(stage or _("revisando"), i, total)
            result.seconds["validar"] = result.seconds.get("validar", 0) + time.perf_counter() - started
            yield batch
            batch = []
            started = time.perf_counter()
    if result.rows == 0:
        raise FileRejected(_("El archivo no tiene filas de datos debajo del encabezado."))
    result.seconds["validar"] = result.seconds.get("validar", 0) + time.perf_counter() - started
    if batch:
        yield batch


def _picker(indexes):
    """A function that returns the items at ``indexes`` of a sequence as a tuple (itemgetter
    returns a bare item for a single index)."""
    if len(indexes) == 1:
        only = indexes[0]
        return lambda seq: (seq[only],)
    return operator.itemgetter(*indexes) if indexes else (lambda seq: ())


def _csv_number(parse):
    """``parse`` for a number column of a CSV, where every cell is text: "1,500.50" is tried as a
    number first (a text that is not one goes to the parser as it is, which names the problem)."""
    def parse_csv(value):
        if isinstance(value, str) and value.strip():
            try:
                value = Decimal(value.strip().replace(",", ""))
            except InvalidOperation:
                pass
        return parse(value)

    return parse_csv


def validate(spec, table, *, progress=None, user=None):
    """Check every row without touching the database (the valid rows are dropped)."""
    result = Result()
    for _batch in validate_batches(spec, table, result, progress=progress, user=user):
        pass
    return result


def _outside_scope(spec, user, keys):
    """The keys among ``keys`` (of existing rows) that ``user`` may not touch: the catalogue's
    ``scope`` (user -> queryset of the rows the user may see, or None for all of them) is the same
    rule as its pages, so an upload never reaches a record its page would answer 404 for."""
    scope = spec.extra.get("scope")
    if user is None or scope is None or not keys:
        return set()
    allowed_qs = scope(user)
    if allowed_qs is None:
        return set()
    last = spec.key[-1]
    allowed = set(allowed_qs.filter(**{f"{last}__in": [k[-1] for k in keys]}).values_list(*spec.key))
    return {k for k in keys if k not in allowed}


def classify(spec, result, batch, *, user=None):
    """Split a batch of valid rows into new and changed against the database (counting the
    unchanged ones) and return both lists.

    With a ``user`` (every upload page), a row matching an existing record outside the user's
    scope is an error whether or not it changes it (an «unchanged» would tell what the record
    holds), and a row that changes a record needs the module's edit grant: creating needs only
    the create grant the upload page asks for."""
    if "classify" in spec.extra:  # rows that are not one model row each (payments) are sorted by the spec
        return spec.extra["classify"](result, batch)
    started = time.perf_counter()
    model, key, fields = spec.model, spec.key, list(spec.write_fields)
    last = key[-1]
    key_index = [fields.index(k) for k in key]
    omitted = result.omitted
    key_of = _picker(key_index)
    wanted = {key_of(values): (rownum, values) for rownum, values in batch}
    existing = {}
    for row in _existing(model, key, fields, last, [k[-1] for k in wanted]):
        existing[tuple(row[:len(key)])] = row[len(key):]
    outside = _outside_scope(spec, user, list(existing))
    may_edit = user is None or user.can(spec.module, Action.EDIT)
    key_header = spec.extra.get("key_header") or next((c.header for c in spec.columns if c.field == last), last)
    new, changed = [], []
    for k, (rownum, values) in wanted.items():
        stored = existing.get(k)
        if stored is None:
            new.append(values)
            continue
        if k in outside:
            result.add_error(rownum, key_header, str(spec.extra.get("outside_scope_message") or _(
                "ya existe un registro con esta clave que usted no puede ver (de otro establecimiento o de otro "
                "usuario): no puede modificarlo desde una carga")))
            continue
        if omitted:  # a column left out of the file keeps what the row has
            values = tuple(stored[i] if i in omitted else v for i, v in enumerate(values))
        if values != tuple(stored):
            if not may_edit:
                result.add_error(rownum, key_header, _(
                    "cambiaría un registro existente y su rol solo puede crear en %(m)s: quite la fila o pida a "
                    "quien tenga permiso de editar que suba el cambio") % {"m": getattr(spec.module, "label", spec.module)})
                continue
            changed.append(values)
        else:
            result.unchanged += 1
    result.new += len(new)
    result.changed += len(changed)
    result.seconds["comparar"] = result.seconds.get("comparar", 0) + time.perf_counter() - started
    return new, changed


def _existing(model, key, fields, last, values):
    if connection.vendor != "postgresql":
        return model.objects.filter(**{f"{last}__in": values}).values_list(*key, *fields)
    # One array parameter instead of thousands: far cheaper to send and to plan.
    qn = connection.ops.quote_name
    columns = ", ".join(qn(model._meta.get_field(f).column) for f in (*key, *fields))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.get_field(last).column)} = ANY(%s)",
                       [list(values)])
        rows = cursor.fetchall()
    # Django reads jsonb as its text (JSONField decodes it): decoded here too, or a stored list
    # ("[]") never equals the file's ([]) and the same file uploaded again changes every row.
    json_at = [i for i, f in enumerate((*key, *fields)) if isinstance(model._meta.get_field(f), JSONField)]
    if not json_at:
        return rows
    def decoded(row):
        row = list(row)
        for i in json_at:
            if isinstance(row[i], str):
                row[i] = json.loads(row[i])
        return row

    return [decoded(row) for row in rows]


def apply(spec, result, new, changed, *, user=None, sending=None):
    """Write a batch of new and changed rows inside the caller's transaction. PostgreSQL: new
    rows by COPY, changed ones through a temporary table and one INSERT … ON CONFLICT DO UPDATE;
    elsewhere: Django's upsert. With ``sending`` (an ExitStack), the COPY of the new rows is left
    open on it: the rows are on their way, and closing the stack waits for PostgreSQL to store
    them; nothing else may use the connection until then."""
    started = time.perf_counter()
    rows = new + changed
    if not rows:
        return 0
    if "apply" in spec.extra:  # written through the app's own service (payments), not upserted
        spec.extra["apply"](new, changed, user)
        result.seconds["aplicar"] = result.seconds.get("aplicar", 0) + time.perf_counter() - started
        return len(rows)
    fields = list(spec.write_fields)
    # Columns only a new row gets, from who uploads it (the client filed under the uploader's
    # single establishment); an existing row keeps its own.
    defaults = spec.extra["new_row_defaults"](user) if user is not None and "new_row_defaults" in spec.extra else {}
    hooks = "before_apply" in spec.extra or "after_apply" in spec.extra
    as_dicts = [dict(zip(fields, row, strict=True)) for row in rows] if hooks else None
    before = spec.extra["before_apply"](as_dicts) if "before_apply" in spec.extra else None
    if connection.vendor == "postgresql" and spec.conflict_sql:
        if new:
            _copy_new_postgres(spec, new, sending=sending if not changed else None, defaults=defaults)
        if changed:
            _apply_postgres(spec, changed)
    else:
        objs = [spec.model(**dict(zip(fields, row, strict=True)), **defaults) for row in new]
        objs += [spec.model(**dict(zip(fields, row, strict=True))) for row in changed]
        spec.model.objects.bulk_create(objs, batch_size=1000, update_conflicts=True, unique_fields=list(spec.key),
                                       update_fields=[f for f in spec.write_fields if f not in spec.key])
    if "after_apply" in spec.extra:
        spec.extra["after_apply"](as_dicts, before, user)
    result.seconds["aplicar"] = result.seconds.get("aplicar", 0) + time.perf_counter() - started
    return len(rows)


def _copy_new_postgres(spec, rows, *, sending=None, defaults=None):
    """Rows that did not exist go straight into the table with COPY. If another transaction
    inserts the same key meanwhile, the unique constraint fails this transaction whole. With
    ``sending`` the COPY stays open on it (see ``apply``): the rows written are already in the
    socket's buffers, PostgreSQL reads and stores them while the caller goes on, and closing
    ``sending`` ends the COPY (a few milliseconds when the server has caught up)."""
    table = spec.model._meta.db_table
    fields = list(spec.write_fields)
    timestamps = [f.attname for f in spec.model._meta.concrete_fields
                  if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    json_fields = {f.attname for f in spec.model._meta.concrete_fields if isinstance(f, JSONField)}
    defaults = defaults or {}
    cols = ", ".join(f'"{f}"' for f in fields + timestamps + list(defaults))
    # The timestamps as text, formatted once: dumping a datetime for every row took as long as
    # all the row's other fields together.
    stamp = [timezone.now().isoformat()] * len(timestamps) + list(defaults.values())
    with contextlib.ExitStack() as stack:
        cursor = stack.enter_context(connection.cursor())
        cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")
        raw = cursor.cursor
        statement = f'COPY "{table}" ({cols}) FROM STDIN'
        copy = stack.enter_context(raw.copy(statement))
        if not json_fields:  # the common case: each row as it is, without a pass over its fields
            for values in rows:
                copy.write_row((*values, *stamp))
        else:
            for values in rows:
                copy.write_row([Jsonb(v) if f in json_fields else v for f, v in zip(fields, values, strict=True)] + stamp)
        if sending is not None:
            sending.push(stack.pop_all())


def _apply_postgres(spec, rows):
    table = spec.model._meta.db_table
    fields = list(spec.write_fields)
    cols = ", ".join(f'"{f}"' for f in fields)
    updates = ", ".join(f'"{f}" = EXCLUDED."{f}"' for f in fields if f not in spec.key)
    timestamps = [f.attname for f in spec.model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    ts_cols = "".join(f', "{t}"' for t in timestamps)
    ts_vals = ", now()" * len(timestamps)
    touch = "".join(f', "{t}" = now()' for t in timestamps if t == "updated_at")
    with connection.cursor() as cursor:
        # A large batch into a trigram (GIN) index: let its pending list grow for this transaction
        # instead of merging every 4 MB; autovacuum merges it later, off the user's clock.
        cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")
        # Table and column names come from the model's metadata, never from the file.
        cursor.execute(f'CREATE TEMP TABLE bulk_import ON COMMIT DROP AS SELECT {cols} FROM "{table}" WITH NO DATA')  # noqa: S608
        raw = cursor.cursor
        json_fields = {f.attname for f in spec.model._meta.concrete_fields if isinstance(f, JSONField)}
        with raw.copy(f"COPY bulk_import ({cols}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row([Jsonb(v) if f in json_fields else v for f, v in zip(fields, values, strict=True)])
        cursor.execute(
            f'INSERT INTO "{table}" ({cols}{ts_cols}) SELECT {cols}{ts_vals} FROM bulk_import '
            f"ON CONFLICT {spec.conflict_sql} DO UPDATE SET {updates}{touch}"  # noqa: S608
        )
        cursor.execute("DROP TABLE IF EXISTS bulk_import")


def run(spec, table, *, apply_changes=False, progress=None, user=None):
    """Check, compare and (with ``apply_changes``) write the file batch by batch in one
    transaction. Writing stops at the first error and the transaction is rolled back: a file with
    a single bad row changes nothing, and the whole file is still checked so every error is named.

    PostgreSQL stores a batch's new rows (COPY, its indexes) on its own core: for a spec whose
    rows are checked without queries (``pure_rows``) the COPY is left open while the next batch
    is checked, and ended before the connection is used again (``sending``)."""
    result = Result()
    overlap = apply_changes and spec.pure_rows and connection.vendor == "postgresql"
    with transaction.atomic(), contextlib.ExitStack() as sending:
        stage = _("aplicando") if apply_changes else _("revisando")
        for batch in validate_batches(spec, table, result, progress=progress, stage=stage, user=user):
            if overlap:
                _settle(sending, result)
            new, changed = classify(spec, result, batch, user=user)
            if apply_changes and not result.errors:
                apply(spec, result, new, changed, user=user, sending=sending if overlap else None)
        if overlap:
            _settle(sending, result)
        if apply_changes and result.errors:
            transaction.set_rollback(True)
    return result


def _settle(sending, result):
    """End the COPY left open by the previous batch, if any: wait for PostgreSQL to store it."""
    started = time.perf_counter()
    sending.close()
    result.seconds["aplicar"] = result.seconds.get("aplicar", 0) + time.perf_counter() - started


def error_report(spec, table, result) -> bytes:
    """Every row of the file as uploaded, in its format (xlsx or CSV), plus an «errores» column
    that names what is wrong in each row and is empty where the row is fine: the user fixes the
    cells and uploads the report itself again (the upload ignores that column). ``table`` is the
    file read anew: the run that found the errors consumed its rows."""
    reasons = {}
    for rownum, column, message in result.errors:
        reasons.setdefault(rownum, []).append(_("fila %(r)d, %(c)s: %(m)s") % {"r": rownum, "c": column, "m": message})
    unnamed = _("fila %(r)d: tiene errores que este informe no detalla (son demasiados): corrija los detallados y "
                "súbalo de nuevo para verlos")
    old = table.header.index(REPORT_COLUMN) if REPORT_COLUMN in table.header else None  # a report uploaded again
    keep = [i for i in range(len(table.header)) if i != old]
    width = len(table.header)
    header = [table.header[i] for i in keep]

    def lines():
        size = 0
        for i, raw in enumerate(table.rows):
            rownum = table.first_row_number + i
            cells = list(raw[:width]) + [""] * (width - len(raw))  # a streamed row ends at its last value
            cells = [cells[j] for j in keep]
            size += sum(len(v) if isinstance(v, str) else 8 for v in cells)
            if size > MAX_REPORT_CHARS:
                yield [""] * len(header) + [_(
                    "El informe termina aquí (fila %(r)d): el archivo es demasiado grande para repetirlo entero. "
                    "Corrija los errores en su archivo original y súbalo de nuevo.") % {"r": rownum}]
                return
            if rownum in reasons:
                note = "; ".join(reasons[rownum])
            elif rownum in result.wrong:
                note = unnamed % {"r": rownum}
            else:
                note = ""
            yield [*cells, note]

    if table.source == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*header, REPORT_COLUMN])
        for cells in lines():
            # Opened in a spreadsheet a CSV cell may run as a formula: escaped as in the exports.
            writer.writerow([escape_formula(v) for v in cells])
        return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens it as UTF-8
    book = Workbook(write_only=True)
    sheet = book.create_sheet(REPORT_COLUMN)
    sheet.append([*header, REPORT_COLUMN])
    for cells in lines():
        for j, value in enumerate(cells):
            if isinstance(value, str) and escape_formula(value) is not value:
                # Stored as text with Excel's «'» prefix, never as a formula: the value itself is
                # unchanged, so the report uploads again as it was.
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type, cell.quotePrefix = "s", True
                cells[j] = cell
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
