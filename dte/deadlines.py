"""Deadlines that follow the generation a document was issued in (facts §6, §9; sv-tax-facts-2.md §2).

Invalidation (the only deadline Normativa v2.0 changed; the contingency clocks — event 24 h after
the outage, lots 72 h after the event's seal, facts §5 — and the 24 h to correct a rejected
document with the same codigoGeneracion, facts §3, are the same in both generations):

- 2023 manual (facts §6): Factura and Factura de Exportación 3 months after the seal; every other
  type until 23:59:59 of the day after the seal.
- v2.0, Manual Funcional v2.0 (sv-tax-facts-2.md §2 [D], which §7 there says corrects facts §6's
  v2.0 row taken from a digest [C]): FE, FEX and FSE 3 months; every other type (CCF, NC, ND, CR,
  CL, DCL, NR, CD, Retorno, Operaciones Especiales) until 23:59:59 of the 10th business day of the
  month after the seal (sealed 19-03-2026 → 20-04-2026 in the manual's own example).

The rules per generation are data (settings.DTE_INVALIDATION_DEADLINES, per generation and type):
"3m" months after the seal, "1d" until 23:59:59 of that many days after it, "10bd" until 23:59:59
of that business day of the following month. A document is held to its own generation's rules
(dte.generations.of_document), so switching generation never shortens or lengthens the deadline of
a document already sealed.

Business days: Monday to Friday except El Salvador's holidays (Código de Trabajo art. 190: 1 January,
Holy Thursday, Friday and Saturday, 1 May, 10 May, 17 June, 6 August, 15 September, 2 November,
25 December) and the dates in settings.DTE_NON_BUSINESS_DAYS (MH's own closures: the manual's
example counts 20-04-2026 as the 10th business day of April 2026, so it also treated 1 and
6 April 2026 — Holy Week's Wednesday and Easter Monday — as closed; put such dates there)."""

import calendar
import datetime
import functools

from django.conf import settings
from django.utils import timezone

from dte import generations
from dte.schemas import registry

FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 10), (6, 17), (8, 6), (9, 15), (11, 2), (12, 25))


def easter(year):
    """Easter Sunday (Gregorian; the anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


@functools.lru_cache(maxsize=32)
def national_holidays(year):
    sunday = easter(year)
    holy = {sunday - datetime.timedelta(days=n) for n in (3, 2, 1)}  # Thursday, Friday, Saturday
    return frozenset({datetime.date(year, m, d) for m, d in FIXED_HOLIDAYS} | holy)


def _extra_closed():
    return {datetime.date.fromisoformat(str(d)) for d in getattr(settings, "DTE_NON_BUSINESS_DAYS", ()) or ()}


def is_business_day(day, extra=None):
    extra = _extra_closed() if extra is None else extra
    return day.weekday() < 5 and day not in national_holidays(day.year) and day not in extra


def nth_business_day_of_next_month(day, n):
    """The n-th business day of the month after ``day``'s."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    extra = _extra_closed()
    current, count = datetime.date(year, month, 1), 0
    while True:
        if is_business_day(current, extra):
            count += 1
            if count == n:
                return current
        current += datetime.timedelta(days=1)


def add_months(moment, months):
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def _end_of(day, like):
    return like.replace(year=day.year, month=day.month, day=day.day, hour=23, minute=59, second=59, microsecond=0)


def invalidation_rule(tipo_dte, generation):
    rules = settings.DTE_INVALIDATION_DEADLINES
    table = rules.get(generation) or rules[registry.DEFAULT_GENERATION]
    return table.get(tipo_dte, table["*"])


def apply_rule(rule, sealed):
    """The last moment (local) ``rule`` allows after ``sealed`` (a local datetime)."""
    if rule.endswith("bd"):
        return _end_of(nth_business_day_of_next_month(sealed.date(), int(rule[:-2])), sealed)
    if rule.endswith("m"):
        return add_months(sealed, int(rule[:-1]))
    if rule.endswith("d"):
        return _end_of(sealed.date() + datetime.timedelta(days=int(rule[:-1])), sealed)
    raise ValueError(f"invalid invalidation deadline rule {rule!r} (use e.g. 3m, 1d or 10bd)")


def invalidation_deadline(document):
    """The last moment this sealed document may be invalidated (local time), by the rules of the
    generation it was issued in."""
    sealed = timezone.localtime(document.processed_at or document.issued_at)
    return apply_rule(invalidation_rule(document.tipo_dte, generations.of_document(document)), sealed)
