"""Querysets of the issuing hot path, compiled once per process (issue 15).

Building and compiling a queryset with select_related joins and subqueries costs the ORM more
than the database takes to answer it: for the query that loads and locks a draft, several
milliseconds of Python per document issued. A PreparedQuery asks the ORM for the SQL once, with
placeholder arguments, and from then on runs that same SQL with the real arguments, loading the
rows as the ORM would (Model.from_db, the fields' converters, the select_related objects and the
annotations). The SQL is the ORM's own, so it follows the models; only the arguments change
between calls, and they are ids.

On PostgreSQL the statement is also prepared on the server (once per connection): planning a
query of five joined tables and three subqueries took PostgreSQL longer than running it. Django's
cursors bind parameters on the client and never prepare (its SQL is not always preparable,
Django ticket #20516); these statements compare ids and constants only, so they are.
"""

import threading

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

try:
    from django.db.backends.postgresql.base import ServerBindingCursor
except ImportError:  # psycopg 2, or no PostgreSQL driver at all
    ServerBindingCursor = None

# Ids no row has, recognised among the compiled query's parameters and replaced on each call.
_PLACEHOLDER = -1_999_999_000
_NEVER_BY_COUNT = 1 << 62


def _cursor(connection):
    """A Django cursor (query logging, error wrapping, time zone) over a psycopg cursor that binds
    on the server and prepares what it runs; Django's own cursor elsewhere."""
    if connection.vendor != "postgresql" or _PreparingCursor is None or not settings.DB_PREPARED_STATEMENTS:
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (for poolers: settings.DB_PREPARED_STATEMENTS). Its
        # own cursors bind on the client and never prepare whatever this says; a PreparingCursor
        # prepares on its first run, not after a count.
        raw.prepare_threshold = _NEVER_BY_COUNT
    factory = raw.cursor_factory
    raw.cursor_factory = _PreparingCursor  # this thread's connection: restored before anyone else uses it
    try:
        return connection.cursor()
    finally:
        raw.cursor_factory = factory


def _preparing_cursor_class():
    if ServerBindingCursor is None:
        return None

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True if prepare is None else prepare, binary=binary)

        def _convert_query(self, query, params=None):
            # Kept, as psycopg keeps it for a statement it does not prepare: Django's query log
            # (connection.queries, the tests' query counts) reads the SQL from it.
            self._query = super()._convert_query(query, params)
            return self._query

    return PreparingCursor


_PreparingCursor = _preparing_cursor_class()


class _Compiled:
    def __init__(self, queryset, nargs, connection):
        compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = compiler.as_sql()
        placeholders = {_PLACEHOLDER - i: i for i in range(nargs)}
        self.params = list(params)
        self.slots = [(pos, placeholders[p]) for pos, p in enumerate(self.params)
                      if isinstance(p, int) and not isinstance(p, bool) and p in placeholders]
        if {arg for _, arg in self.slots} != set(range(nargs)):
            raise ValueError("Every argument of a prepared query must reach its SQL as a parameter.")
        self.connection = connection
        self.for_update = queryset.query.select_for_update
        self.compiler = compiler
        klass_info, select = compiler.klass_info, compiler.select
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start:self.end]]
        self.populators = get_related_populators(klass_info, select, connection.alias)
        self.annotations = list((compiler.annotation_col_map or {}).items())
        # What results_iter would work out again on every call: each column's converters.
        self.converters = compiler.get_converters([s[0] for s in select[0:compiler.col_count]])
        if compiler.has_composite_fields([s[0] for s in select[0:compiler.col_count]]):
            raise ValueError("A prepared query cannot load composite fields.")


class PreparedQuery:
    """``build(variant, *ids)`` returns the queryset; it is called once per variant (any hashable
    that changes the query's shape), thread and database, with placeholders for the ids."""

    def __init__(self, build):
        self._build = build
        self._local = threading.local()

    def _compiled(self, using, variant, nargs):
        cache = self._local.__dict__.setdefault("cache", {})
        connection = connections[using]
        entry = cache.get((using, variant))
        if entry is None or entry.connection is not connection:
            queryset = self._build(variant, *(_PLACEHOLDER - i for i in range(nargs)))
            entry = cache[(using, variant)] = _Compiled(queryset, nargs, connection)
        return entry

    def fetch(self, *ids, variant=None, using=DEFAULT_DB_ALIAS):
        """The instances the queryset built for ``ids`` would give, in its order."""
        entry = self._compiled(using, variant, len(ids))
        if entry.for_update and entry.connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(entry.params)
        for pos, arg in entry.slots:
            params[pos] = ids[arg]
        with _cursor(entry.connection) as cursor:
            cursor.execute(entry.sql, params)
            rows = cursor.fetchall()
        out = []
        if not rows:
            return out
        if entry.converters:
            rows = entry.compiler.apply_converters(rows, entry.converters)
        for row in rows:
            obj = entry.model.from_db(using, entry.init_list, row[entry.start:entry.end])
            for populator in entry.populators:
                populator.populate(row, obj)
            for name, pos in entry.annotations:
                setattr(obj, name, row[pos])
            out.append(obj)
        return out
