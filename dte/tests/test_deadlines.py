"""Invalidation deadlines per generation (dte.deadlines), every date counted by hand on a calendar.

2023 manual (facts §6): FE and FEX 3 months, the rest until 23:59:59 of the next day. v2.0 (Manual
Funcional v2.0, sv-tax-facts-2.md §2): FE, FEX, FSE 3 months, the rest until 23:59:59 of the 10th
business day of the following month."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from dte.deadlines import easter, invalidation_deadline, national_holidays
from dte.models import Document
from govsim.deadlines import invalidation_deadline as govsim_deadline

SV = ZoneInfo("America/El_Salvador")


def at(*parts):
    return datetime.datetime(*parts, tzinfo=SV)


def doc(tipo, generation, sealed):
    return Document(tipo_dte=tipo, generation=generation, processed_at=sealed, issued_at=sealed)


def test_easter_and_holy_week():
    assert easter(2026) == datetime.date(2026, 4, 5) and easter(2027) == datetime.date(2027, 3, 28)
    assert {datetime.date(2026, 4, 2), datetime.date(2026, 4, 3), datetime.date(2026, 4, 4)} <= national_holidays(2026)
    assert datetime.date(2026, 4, 1) not in national_holidays(2026)


@pytest.mark.parametrize(("tipo", "generation", "sealed", "expected"), [
    # 2023: FE three months (31 January → 30 April, April has no 31st), CCF and FSE the next day.
    ("01", "2023", at(2026, 1, 31, 10, 0), at(2026, 4, 30, 10, 0)),
    ("03", "2023", at(2026, 1, 31, 10, 0), at(2026, 2, 1, 23, 59, 59)),
    ("14", "2023", at(2026, 1, 31, 10, 0), at(2026, 2, 1, 23, 59, 59)),
    ("11", "2023", at(2026, 11, 30, 8, 0), at(2027, 2, 28, 8, 0)),
    # 2026: FSE joins FE and FEX at three months.
    ("14", "2026", at(2026, 1, 31, 10, 0), at(2026, 4, 30, 10, 0)),
    ("01", "2026", at(2026, 1, 31, 10, 0), at(2026, 4, 30, 10, 0)),
    # CCF sealed 19-03-2026: April 2026 is Wed 1 (1), Thu 2 and Fri 3 holidays (Holy Week), 6-10 (2-6),
    # 13-16 (7-10) → Thursday 16 April.
    ("03", "2026", at(2026, 3, 19, 15, 0), at(2026, 4, 16, 23, 59, 59)),
    ("04", "2026", at(2026, 3, 19, 15, 0), at(2026, 4, 16, 23, 59, 59)),
    ("07", "2026", at(2026, 3, 19, 15, 0), at(2026, 4, 16, 23, 59, 59)),
    # Sealed 31-12-2026 23:00: January 2027 starts on Friday 1 (holiday); 4-8 (1-5), 11-15 (6-10).
    ("05", "2026", at(2026, 12, 31, 23, 0), at(2027, 1, 15, 23, 59, 59)),
    # Sealed 30-04-2026 23:30 local (already 1 May in UTC): the month after April. May 2026: Fri 1
    # holiday, 4-8 (1-5), Sun 10, 11-15 (6-10) → 15 May, not June's.
    ("06", "2026", at(2026, 4, 30, 23, 30), at(2026, 5, 15, 23, 59, 59)),
])
def test_invalidation_deadline_by_generation(tipo, generation, sealed, expected):
    assert invalidation_deadline(doc(tipo, generation, sealed)) == expected


def test_the_manuals_example_with_mhs_closed_days(settings):
    # Manual Funcional v2.0: sealed 19-03-2026 → 20-04-2026, which counts 1 and 6 April as closed too.
    settings.DTE_NON_BUSINESS_DAYS = ["2026-04-01", "2026-04-06"]
    assert invalidation_deadline(doc("03", "2026", at(2026, 3, 19, 15, 0))) == at(2026, 4, 20, 23, 59, 59)


def test_the_same_ccf_keeps_its_own_generations_deadline():
    sealed = at(2026, 3, 19, 15, 0)
    assert invalidation_deadline(doc("03", "2023", sealed)) == at(2026, 3, 20, 23, 59, 59)
    assert invalidation_deadline(doc("03", "2026", sealed)) == at(2026, 4, 16, 23, 59, 59)
    # A row without generation (older) is read from its version: CCF v4 is 2026's.
    legacy = Document(tipo_dte="03", generation="", version=4, processed_at=sealed, issued_at=sealed)
    assert invalidation_deadline(legacy) == at(2026, 4, 16, 23, 59, 59)


@pytest.mark.parametrize(("tipo", "version", "sealed", "expected"), [
    ("03", 3, at(2026, 3, 19, 15, 0), at(2026, 3, 20, 23, 59, 59)),
    ("03", 4, at(2026, 3, 19, 15, 0), at(2026, 4, 16, 23, 59, 59)),
    ("14", 1, at(2026, 1, 31, 10, 0), at(2026, 2, 1, 23, 59, 59)),
    ("14", 2, at(2026, 1, 31, 10, 0), at(2026, 4, 30, 10, 0)),
    ("05", 4, at(2026, 12, 31, 23, 0), at(2027, 1, 15, 23, 59, 59)),
])
def test_govsim_applies_the_same_rules_by_version(tipo, version, sealed, expected):
    assert govsim_deadline(tipo, version, sealed) == expected


def test_a_bad_deadline_rule_stops_the_start(settings):
    from dte.checks import _deadline_rules

    assert _deadline_rules() == []
    settings.DTE_INVALIDATION_DEADLINES = {"2023": {"01": "3x", "*": "1d"}, "2026": {"01": "3m"}}
    settings.DTE_NON_BUSINESS_DAYS = ["2026-13-01"]
    errors = _deadline_rules()
    assert [e.id for e in errors] == ["dte.E004", "dte.E004", "dte.E005"]
    assert "«3x»" in errors[0].msg and "2026" in errors[1].msg and "2026-13-01" in errors[2].msg
