"""The one way a document's status changes (DESIGN.md: "Every state change of a fiscal document
goes through one transition function"). Each track has its allowed moves; a move is a
conditional UPDATE on the current status (two workers cannot both make it) plus a history row,
in the caller's transaction."""

from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models.sql import InsertQuery, UpdateQuery
from django.utils.translation import gettext as _

from core.statemachine import TransitionRefused  # noqa: F401 - documents refuse moves like every machine
from dte import hooks
from dte.labels import state_label
from dte.models import Document, GovStatus, InternalStatus, StatusChange

G = GovStatus
GOV_MOVES = {
    G.DRAFT: {G.PENDING, G.CONTINGENCY},
    G.PENDING: {G.TRANSMITTING, G.CONTINGENCY, G.IN_DOUBT, G.SEALED, G.REJECTED},  # sealed/rejected: MH asked
    G.TRANSMITTING: {G.SEALED, G.REJECTED, G.IN_DOUBT, G.PENDING, G.CONTINGENCY},
    G.IN_DOUBT: {G.SEALED, G.REJECTED, G.PENDING, G.CONTINGENCY, G.TRANSMITTING},
    G.REJECTED: {G.CORRECTING, G.PENDING},
    G.CORRECTING: {G.PENDING},
    G.CONTINGENCY: {G.TRANSMITTING, G.SEALED, G.REJECTED, G.PENDING},
    G.SEALED: {G.INVALIDATION_PENDING},
    G.INVALIDATION_PENDING: {G.INVALIDATED, G.SEALED},
    G.INVALIDATED: set(),
}
INTERNAL_MOVES = {s: {t for t in InternalStatus if t != s} for s in InternalStatus}



def transition(document, to_status, *, by=None, reason="", track="gov", with_rows=(), **fields):
    """Move ``document`` to ``to_status`` if its current status allows it; ``fields`` are saved
    in the same UPDATE. ``with_rows``: unsaved rows of the same change (its outbox row, its audit
    row) inserted in the one statement that inserts the history row. Returns the document
    refreshed; raises TransitionRefused otherwise. Only the state changes here; what follows from it
(a new printed copy, …) is up to the observers registered in dte.hooks."""
    attr, moves = ("status", GOV_MOVES) if track == "gov" else ("internal_status", INTERNAL_MOVES)
    current = getattr(document, attr)
    if to_status not in moves.get(current, set()):
        kind = "gov" if track == "gov" else "internal"
        raise TransitionRefused(_("No se puede pasar de «%(a)s» a «%(b)s».") % {
            "a": state_label(current, kind), "b": state_label(to_status, kind)})
    history = StatusChange(document=document, track=track, from_status=current, to_status=to_status,
                           by=by, reason=reason[:500])
    with transaction.atomic(savepoint=False):  # all or nothing with the caller's transaction
        current_only = Document.objects.filter(pk=document.pk, **{attr: current})
        if connection.vendor == "postgresql":
            # The conditional UPDATE and the inserts in one statement (one round trip). Should the
            # UPDATE find the status changed, the rows inserted beside it go with the transaction,
            # which the refusal below rolls back (savepoint=False: the caller's, whole).
            changed = insert_rows([history, *with_rows], update=_update_sql(current_only, {attr: to_status, **fields}))
        else:
            changed = current_only.update(**{attr: to_status}, **fields)
            if changed:
                insert_rows([history, *with_rows])
        if not changed:
            raise TransitionRefused(_("El documento cambió de estado mientras tanto."))
    setattr(document, attr, to_status)
    for key, value in fields.items():
        setattr(document, key, value)
    hooks.status_changed(document, current, to_status, track)  # e.g. printing (DteConfig.ready)
    return document


def _update_sql(queryset, values):
    """The ORM's own UPDATE of ``queryset`` with ``values`` (what ``queryset.update(**values)``
    runs), returning the ids it changed, as (sql, params)."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    sql, params = query.get_compiler(using=DEFAULT_DB_ALIAS).as_sql()
    return f"{sql} RETURNING {connection.ops.quote_name(queryset.model._meta.pk.column)}", params


def insert_rows(rows, *, update=None):
    """Insert new model instances (no parents, an auto primary key) as their save() would, each
    getting its id; on PostgreSQL in one statement (data-modifying WITH), one round trip instead
    of one per row. The SQL of each INSERT is the ORM's own. ``update``: (sql, params) of an
    UPDATE … RETURNING run in the same statement (PostgreSQL only); then the number of rows it
    changed is returned instead of the rows."""
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
        update_sql, update_params = update
        ctes.insert(0, f"u AS ({update_sql})")
        params = [*update_params, *params]
        picks.append("(SELECT COUNT(*) FROM u)")
    with_clause = f"WITH {', '.join(ctes)} " if ctes else ""
    tail = f", {', '.join(picks)}" if picks else ""
    with connection.cursor() as cursor:
        cursor.execute(f"{with_clause}{parts[-1]}{tail}", params)
        found = cursor.fetchone()
    changed = None
    if update is not None:
        *found, changed = found
    *ids_before, last_id = _reorder(found)
    for row, pk in zip(rows, [*ids_before, last_id], strict=True):
        row.pk = pk
        row._state.adding = False
        row._state.db = DEFAULT_DB_ALIAS
    return rows if update is None else changed


def _reorder(found):
    """The statement returns the last row's id first, then the others' in order."""
    return [*found[1:], found[0]]
