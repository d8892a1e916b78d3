"""Writing a change in one round trip on PostgreSQL: a conditional UPDATE and the rows that go
with it (a history row, an outbox row, an audit row) as one statement with data-modifying WITH
clauses. The SQL of each part is the ORM's own; only the joining is done here. Elsewhere (SQLite,
``make run``) the same writes run one by one."""

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models.sql import InsertQuery, UpdateQuery


def update_sql(queryset, values):
    """The ORM's own UPDATE of ``queryset`` with ``values`` (what ``queryset.update(**values)``
    runs, django.db.models.query.QuerySet.update), returning the ids it changed: (sql, params)."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.clear_select_clause()
    sql, params = query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
    return f"{sql} RETURNING {connection.ops.quote_name(queryset.model._meta.pk.column)}", params


def update_with_rows(queryset, values, rows):
    """``queryset.update(**values)`` and insert ``rows`` (see insert_rows); returns how many rows
    the UPDATE changed. On PostgreSQL one statement: should the UPDATE change nothing, the rows
    are inserted all the same, so the caller must refuse (raise) inside its transaction, which
    then takes them back. Elsewhere the rows are only inserted when something changed."""
    if connection.vendor == "postgresql":
        return insert_rows(rows, update=update_sql(queryset, values))
    changed = queryset.update(**values)
    if changed:
        insert_rows(rows)
    return changed


def insert_rows(rows, *, update=None):
    """Insert new model instances (no parents, an auto primary key) as their save() would, each
    getting its id; on PostgreSQL in one statement (data-modifying WITH), one round trip instead
    of one per row. ``update``: (sql, params) of an UPDATE … RETURNING run in the same statement
    (PostgreSQL only); then the number of rows it changed is returned instead of the rows."""
    if update is None and (len(rows) < 2 or connection.vendor != "postgresql"):
        for row in rows:
            row.save(force_insert=True)
        return rows
    parts, params = [], []
    for row in rows:
        meta = row._meta
        if meta.parents or row.pk is not None:
            raise ValueError("insert_rows: only new rows of models without parents")
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
        query = InsertQuery(type(row))
        query.insert_values(fields, [row])
        compiler = query.get_compiler(using=DEFAULT_DB_ALIAS)
        compiler.returning_fields = [meta.pk]
        [(sql, row_params)] = compiler.as_sql()
        parts.append(sql)
        params.extend(row_params)
    ctes = [f"r{i} AS ({sql})" for i, sql in enumerate(parts[:-1])]
    picks = [f"(SELECT {connection.ops.quote_name(rows[i]._meta.pk.column)} FROM r{i})"  # noqa: S608 - the ORM's own SQL and column names
             for i in range(len(parts) - 1)]
    if update is not None:
        update_sql_text, update_params = update
        ctes.insert(0, f"u AS ({update_sql_text})")
        params = [*update_params, *params]
        picks.append("(SELECT COUNT(*) FROM u)")
    with_clause = f"WITH {', '.join(ctes)} " if ctes else ""
    tail = f", {', '.join(picks)}" if picks else ""
    with connection.cursor() as cursor:
        cursor.execute(f"{with_clause}{parts[-1]}{tail}", params)
        found = list(cursor.fetchone())
    changed = found.pop() if update is not None else None
    # The statement returns the last row's id first, then the others' in order.
    ids = [*found[1:], found[0]]
    for row, pk in zip(rows, ids, strict=True):
        row.pk = pk
        row._state.adding = False
        row._state.db = DEFAULT_DB_ALIAS
    return rows if update is None else changed
