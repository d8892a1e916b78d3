"""What every report shares: its filters, the documents a user may count, its columns, on-screen
pages (keyset for long lists, offset for grouped ones) and the totals row.

A report is a class with ``columns`` and a ``rows(params)`` queryset of dicts (``.values()``), read
with a server-side cursor so exports stream. Registered in ``reports.registry``."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fiscal import IN_FORCE, SALES_TYPES, DocType  # noqa: F401 - SALES_TYPES: the reports' name for it
from dte.models import Document
from dte.selectors import document_scope

ZERO = Decimal("0.00")
PAGE = 50

# The books count what is in force (core.fiscal.IN_FORCE): contingency and not-yet-answered
# documents are valid sales that MH will seal; the pages warn how many are not sealed yet.


def money():
    return DecimalField(max_digits=19, decimal_places=2)


def signed(expr):
    """A credit note subtracts from sales (facts §1: it reduces a CCF)."""
    return Case(When(tipo_dte=DocType.NC, then=-expr), default=expr, output_field=money())


def net_sales():
    """Sales net of IVA: a Factura's gravada amount includes IVA (facts §2.5), the others do not."""
    gravada = Case(When(tipo_dte=DocType.FACTURA, then=F("amount_gravada") - F("total_iva")), default=F("amount_gravada"),
                   output_field=money())
    return signed(F("amount_no_suj") + F("amount_exenta") + gravada)


@dataclass
class Column:
    key: str
    header: str
    kind: str = "text"  # text, money, int, date
    total: bool = False
    width: int = 14  # spreadsheet width, in characters
    screen: bool = True  # False: in the exports only (long codes that would crowd the page)


@dataclass
class Params:
    """A report's filters, parsed from the query string. Bad values are dropped and reported."""

    user: object
    date_from: datetime.date
    date_to: datetime.date
    establishment: int | None = None
    point_of_sale: int | None = None
    rep: int | None = None
    tipo: str = ""
    status: str = ""
    client: int | None = None
    errors: list = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    @property
    def month_label(self):
        return self.date_from.strftime("%m/%Y")


def month_bounds(day):
    start = day.replace(day=1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return start, end


FILTER_KEYS = ("mes", "desde", "hasta", "establecimiento", "punto", "vendedor", "tipo", "estado", "cliente")


def parse_params(user, data, *, monthly=False):
    raw = {k: (data.get(k) or "").strip() for k in FILTER_KEYS}
    errors = []
    today = timezone.localdate()
    start, end = month_bounds(today)
    if monthly:
        if raw["mes"]:
            try:
                start, end = month_bounds(datetime.date.fromisoformat(raw["mes"] + "-01"))
            except ValueError:
                errors.append(_("El mes debe escribirse AAAA-MM."))
        raw["mes"] = start.strftime("%Y-%m")
        raw["desde"] = raw["hasta"] = ""
    else:
        raw["mes"] = ""
        for key in ("desde", "hasta"):
            if raw[key]:
                try:
                    value = datetime.date.fromisoformat(raw[key])
                except ValueError:
                    errors.append(_("La fecha «%(v)s» no es válida (AAAA-MM-DD).") % {"v": raw[key]})
                    raw[key] = ""
                    continue
                if key == "desde":
                    start = value
                else:
                    end = value
        if start > end:
            errors.append(_("La fecha inicial es posterior a la final."))
            start, end = end, start
        raw["desde"], raw["hasta"] = start.isoformat(), end.isoformat()

    def number(key):
        return int(raw[key]) if raw[key].isdigit() else None

    return Params(user=user, date_from=start, date_to=end, establishment=number("establecimiento"),
                  point_of_sale=number("punto"), rep=number("vendedor"), tipo=raw["tipo"][:2], status=raw["estado"][:24],
                  client=number("cliente"), errors=errors, raw=raw)


def documents_in_scope(user):
    """The documents whose figures a user may see in reports: the same rule as the documents list
    (dte.selectors.document_scope), so a total never counts a document its reader cannot open.
    Never the documents of MH's authorisation test set (Document.is_authorisation_test): they were
    issued to MH's test environment, not sold, so no book, report, annex or dashboard counts them."""
    return Document.objects.filter(document_scope(user=user), is_authorisation_test=False)


def filtered(params, *, types=None, statuses=IN_FORCE, dated=True):
    qs = documents_in_scope(params.user)
    if dated:
        qs = qs.filter(issue_date__gte=params.date_from, issue_date__lte=params.date_to)
    if types is not None:
        qs = qs.filter(tipo_dte__in=types)
    if statuses is not None:
        qs = qs.filter(status__in=statuses)
    for value, lookup in ((params.establishment, "establishment_id"), (params.point_of_sale, "point_of_sale_id"),
                          (params.rep, "created_by_id"), (params.client, "client_id")):
        if value is not None:
            qs = qs.filter(**{lookup: value})
    if params.tipo:
        qs = qs.filter(tipo_dte=params.tipo)
    if params.status:
        qs = qs.filter(status=params.status)
    return qs


def rep_label(row):
    """A rep's name in a grouped row (created_by__first_name/last_name), or the username without one."""
    return f"{row['created_by__first_name']} {row['created_by__last_name']}".strip() or row["created_by__username"]


class ListedRows:
    """Rows computed outside the ORM, offered as the queryset-like object the exports read."""

    def __init__(self, rows):
        self.rows = rows

    def iterator(self, chunk_size=None):
        return iter(self.rows)

    def order_by(self, *args):
        return self

    def count(self):
        return len(self.rows)


class Report:
    slug = ""
    title = ""
    description = ""
    monthly = False  # filtered by one month (the books), otherwise by a date range
    filters = ("establecimiento", "punto", "vendedor")
    columns: list = []
    keyset = None  # ordering fields of a long list, paged by keyset; None: a grouped report, offset pages
    pdf_landscape = True
    dated = True  # filtered by a date range (False: as of today, e.g. aging)

    # A report is either a list of rows (``fields`` and row-level ``exprs()``, paged by ``keyset``)
    # or grouped (``group`` fields and ``aggregates()``, ordered by ``order``).
    fields: tuple = ()
    group: tuple = ()
    order: tuple = ()

    def base(self, params):
        """The filtered queryset the report reads (documents, lines, payments…)."""
        raise NotImplementedError

    def exprs(self):
        return {}

    def aggregates(self):
        return {}

    def rows(self, params):
        """A queryset of dicts with every column's key, in the report's order."""
        qs = self.base(params)
        if self.group:
            return qs.values(*self.group).annotate(**self.aggregates()).order_by(*self.order)
        return qs.values(*self.fields).annotate(**self.exprs()).order_by(*(self.keyset or self.order))

    def display(self, row):
        """A row's values in column order (labels resolved); used on screen and in every export."""
        return [row.get(c.key) for c in self.columns]

    def totals(self, params):
        """The totals row, summed by the database over the whole filtered set (not the page)."""
        keys = [c.key for c in self.columns if c.total]
        if not keys:
            return None
        if self.group:
            measures = self.aggregates()
            return self.base(params).aggregate(**{k: measures[k] for k in keys})
        exprs = self.exprs()
        return self.base(params).aggregate(**{k: sum_of(exprs.get(k, F(k))) for k in keys})

    def count(self, params):
        if self.group:
            return self.base(params).values(*self.group).distinct().order_by().count()
        return self.base(params).count()

    def notes(self, params):
        """Warnings shown above the table (e.g. documents not sealed yet)."""
        return []

    # --------------------------------------------------------------------------- on-screen page

    def page(self, params, cursor=None, number=1):
        """(rows, next cursor or page, previous page) for the screen."""
        qs = self.rows(params)
        if self.keyset:
            start = 0
            if cursor:
                try:
                    parts = cursor.split("~")
                    start = int(parts[-1])
                    qs = qs.filter(self._after(list(parts[:-1])))
                except (ValueError, IndexError):
                    start = 0
            rows = list(qs[:PAGE + 1])
            more = len(rows) > PAGE
            rows = rows[:PAGE]
            for n, row in enumerate(rows, start=start + 1):
                row["_n"] = n
            after = None
            if more:
                last = rows[-1]
                after = "~".join([_cursor_value(last[k]) for k in self.keyset] + [str(start + PAGE)])
            return rows, after, None
        offset = (max(number, 1) - 1) * PAGE
        rows = list(qs[offset:offset + PAGE + 1])
        more = len(rows) > PAGE
        rows = rows[:PAGE]
        for n, row in enumerate(rows, start=offset + 1):
            row["_n"] = n
        return rows, (number + 1 if more else None), (number - 1 if number > 1 else None)

    def _after(self, values):
        """Rows after the given keyset values, in ascending (field, …) order."""
        fields = list(self.keyset)
        parsed = [_parse_cursor(self.key_types.get(f, "int"), v) for f, v in zip(fields, values, strict=True)]
        condition = Q()
        bound = Q(**{f"{fields[0]}__gte": parsed[0]})  # a range on the leading field: an index scan
        for i in range(len(fields)):
            step = Q(**{f"{fields[i]}__gt": parsed[i]})
            for j in range(i):
                step &= Q(**{fields[j]: parsed[j]})
            condition |= step
        return condition & bound

    key_types: dict = {}


def _cursor_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _parse_cursor(kind, value):
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "str":
        return value
    return int(value)


def sum_of(expr):
    return Coalesce(Sum(expr, output_field=money()), Value(ZERO), output_field=money())
