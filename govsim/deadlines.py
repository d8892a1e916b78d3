"""MH's invalidation deadline for a sealed document, by the generation it was sealed in. No model
imports: the project's tests check these rules against dte.deadlines.

2023 manual (facts §6): Factura and Exportación 3 months after the seal; every other type until
23:59:59 of the day after the seal. v2.0 (Manual Funcional v2.0, sv-tax-facts-2.md §2 [D]): FE, FEX
and FSE 3 months; every other type until 23:59:59 of the 10th business day of the following month."""

import calendar
import datetime

from django.conf import settings
from django.utils import timezone

THREE_MONTH_TYPES = {"01", "11"}
THREE_MONTH_TYPES_2026 = {"01", "11", "14"}
BUSINESS_DAYS_2026 = 10
# The 2026 generation's schema versions (facts §9): a document in one of these follows v2.0's rules.
VERSIONS_2026 = {"01": 2, "03": 4, "04": 4, "05": 4, "06": 4, "07": 2, "08": 2, "09": 2, "11": 3, "14": 2, "15": 2}
# El Salvador's holidays (Código de Trabajo art. 190) besides Holy Thursday, Friday and Saturday.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 10), (6, 17), (8, 6), (9, 15), (11, 2), (12, 25))


def _easter(year):
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    h = (19 * a + b - d - (8 * b + 13) // 25 + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def _business_day(day):
    holy = {_easter(day.year) - datetime.timedelta(days=n) for n in (3, 2, 1)}
    closed = {datetime.date.fromisoformat(d) for d in getattr(settings, "GOVSIM_NON_BUSINESS_DAYS", ())}
    return (day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS and day not in holy
            and day not in closed)


def invalidation_deadline(tipo_dte, version, processed_at):
    """The last local moment MH takes an invalidation of a document sealed at ``processed_at``."""
    local_seal = timezone.localtime(processed_at)
    if VERSIONS_2026.get(tipo_dte) != version:
        if tipo_dte in THREE_MONTH_TYPES:
            return _add_months(local_seal, 3)
        return (local_seal + datetime.timedelta(days=1)).replace(hour=23, minute=59, second=59, microsecond=0)
    if tipo_dte in THREE_MONTH_TYPES_2026:
        return _add_months(local_seal, 3)
    day = (local_seal.replace(day=1) + datetime.timedelta(days=32)).date().replace(day=1)
    count = 0
    while True:
        count += _business_day(day)
        if count == BUSINESS_DAYS_2026:
            return local_seal.replace(year=day.year, month=day.month, day=day.day, hour=23, minute=59, second=59,
                                      microsecond=0)
        day += datetime.timedelta(days=1)


def _add_months(moment, months):
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))
