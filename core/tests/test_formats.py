"""core.formats: the one way money, unit prices, quantities and dates read, every expectation
written by hand; the same through the template filters, Django's own formatting, in English too;
and a guard that no template formats numbers or dates its own way again."""

import datetime
import re
from decimal import Decimal as D
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from core import formats

UTC = datetime.UTC
SV = ZoneInfo("America/El_Salvador")  # UTC−6 all year (no daylight saving since 1988)


@pytest.mark.parametrize(("value", "expected"), [
    (0, "$ 0.00"),
    (D("0"), "$ 0.00"),
    (2500, "$ 2,500.00"),
    (D("2500.00"), "$ 2,500.00"),
    ("2500", "$ 2,500.00"),
    (D("192.1"), "$ 192.10"),
    (192.1, "$ 192.10"),
    (D("22.12389381"), "$ 22.12"),
    (D("-5"), "-$ 5.00"),
    (D("-2500.5"), "-$ 2,500.50"),
    (D("-0.004"), "$ 0.00"),  # rounds to nothing: no "-$ 0.00"
    (D("0.005"), "$ 0.01"),  # half-up, as MH rounds resumen amounts
    (D("2.675"), "$ 2.68"),
    (2.675, "$ 2.68"),  # the float's text, not its binary value (2.67499…)
    (D("1234567890123.45"), "$ 1,234,567,890,123.45"),
    (D("99999999999999999999999999.999"), "$ 100,000,000,000,000,000,000,000,000.00"),  # beyond 28 digits: no overflow
    (10**20, "$ 100,000,000,000,000,000,000.00"),
])
def test_money(value, expected):
    assert formats.money(value) == expected


def test_money_missing_and_not_a_number():
    assert formats.money(None) == "—"
    assert formats.money("") == "—"
    assert formats.money(None, empty="") == ""
    assert formats.money("n/d") == "n/d"  # not a number: as it came
    assert str(formats.money(D("NaN"))) == "NaN"  # not a finite number: as it came, never an exception
    assert formats.money(True) is True  # a boolean is not an amount


@pytest.mark.parametrize(("value", "expected"), [
    (D("22.12389381"), "$ 22.1239"),  # at most 4 decimals, half-up
    (D("192.1"), "$ 192.10"),  # at least 2
    (D("192.10000000"), "$ 192.10"),
    (D("0.125"), "$ 0.125"),  # the third decimal is kept, no zero added
    (D("2500"), "$ 2,500.00"),
    (0, "$ 0.00"),
    (D("-3.5"), "-$ 3.50"),
    (D("10.00004"), "$ 10.00"),  # below the 4th decimal: rounds away
    (D("10.00005"), "$ 10.0001"),
    (D("0.00012345"), "$ 0.00012345"),  # under a cent: up to the 8 stored decimals, never $ 0.00
    (D("0.005"), "$ 0.005"),
    (D("0.009999"), "$ 0.01"),  # a cent at 4 decimals: the usual rule
    (D("1234567.8"), "$ 1,234,567.80"),
    (None, "—"),
])
def test_unit_price(value, expected):
    assert formats.unit_price(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (D("3.00000000"), "3"),
    (D("1250.50000000"), "1,250.5"),
    (D("192.1"), "192.1"),
    (D("0.12345678"), "0.12345678"),
    (D("1E+3"), "1,000"),  # never an exponent
    (D("-2"), "-2"),
    (0, "0"),
    (1234567, "1,234,567"),
    (None, "—"),
])
def test_quantity(value, expected):
    assert formats.quantity(value) == expected


def test_dates_are_day_month_year_in_el_salvador():
    assert formats.date(datetime.date(2026, 12, 4)) == "04/12/2026"
    assert formats.date("2026-12-04") == "04/12/2026"  # the DTE JSON's dates
    # 03:00 UTC on the 5th is still the 4th, 21:00, in San Salvador
    assert formats.date(datetime.datetime(2026, 12, 5, 3, 0, tzinfo=UTC)) == "04/12/2026"
    assert formats.datetime(datetime.datetime(2026, 12, 4, 16, 32, 11, tzinfo=UTC)) == "04/12/2026 10:32"
    assert formats.datetime(datetime.datetime(2026, 12, 4, 16, 32, 11, tzinfo=UTC), seconds=True) == "04/12/2026 10:32:11"
    assert formats.datetime(datetime.datetime(2026, 12, 4, 10, 32, 11, tzinfo=SV)) == "04/12/2026 10:32"
    assert formats.datetime(datetime.datetime(2026, 12, 4, 10, 32)) == "04/12/2026 10:32"  # naive: already local
    assert formats.datetime("2026-12-04T16:32:11+00:00") == "04/12/2026 10:32"
    assert formats.datetime(datetime.date(2026, 12, 4)) == "04/12/2026"
    assert formats.date(None) == "—" and formats.datetime(None) == "—" and formats.date("", empty="") == ""
    assert formats.date("mañana") == "mañana"


def test_credit_limit_zero_means_no_limit():
    assert formats.credit_limit(D("0.00")) == "Sin límite"
    assert formats.credit_limit(None) == "Sin límite"
    assert formats.credit_limit(D("2500")) == "$ 2,500.00"
    with translation.override("en"):
        assert formats.credit_limit(D("2500")) == "$ 2,500.00"


def _render(source, **context):
    return Template(source).render(Context(context))


def test_filters_need_no_load_and_give_the_same_text():
    out = _render("{{ a|money }}|{{ p|unit_price }}|{{ q|quantity }}|{{ d|local_date }}|{{ t|local_datetime }}|"
                  "{{ t|local_datetime:'seconds' }}|{{ n|money:'' }}|{{ n|unit_price }}|{{ z|credit_limit }}|{{ a|credit_limit }}",
                  a=D("2500"), p=D("22.12389381"), q=D("1250.50000000"), d=datetime.date(2026, 12, 4),
                  t=datetime.datetime(2026, 12, 4, 16, 32, 11, tzinfo=UTC), n=None, z=D("0"))
    assert out == "$ 2,500.00|$ 22.1239|1,250.5|04/12/2026|04/12/2026 10:32|04/12/2026 10:32:11||—|Sin límite|$ 2,500.00"


def test_dte_tags_money_delegates_to_the_helper():
    out = _render("{% load dte_tags %}{{ a|money }} {{ b|money }} {{ n|money }}", a=D("-2500.5"), b=D("192.1"), n=None)
    assert out == "-$ 2,500.50 $ 192.10 —"


@pytest.mark.parametrize("language", ["es", "en"])
def test_djangos_own_formatting_agrees_in_both_languages(language):
    moment = datetime.datetime(2026, 12, 4, 16, 32, 11, tzinfo=UTC)
    with translation.override(language):
        out = _render("{{ d|date }}|{{ d|date:'SHORT_DATE_FORMAT' }}|{{ t|date:'DATETIME_FORMAT' }}|{{ t|date:'SHORT_DATETIME_FORMAT' }}|"
                      "{{ x }}|{{ x|floatformat:2 }}",
                      d=datetime.date(2026, 12, 4), t=moment, x=D("2500.00"))
        same = _render("{{ a|money }} {{ d|local_date }}", a=D("2500"), d=datetime.date(2026, 12, 4))
    assert out.split("|")[:4] == ["04/12/2026", "04/12/2026", "04/12/2026 10:32", "04/12/2026 10:32"]
    assert out.split("|")[4:] == ["2500.00", "2500.00"]  # never 2500,00
    assert "2 500,00" not in out and "2\xa0500,00" not in out
    assert same == "$ 2,500.00 04/12/2026"


@pytest.mark.parametrize("language", ["es", "en"])
def test_humanize_intcomma_groups_the_us_way(language):
    with translation.override(language):
        assert _render("{% load humanize %}{{ x|intcomma }}", x=D("2500.00")) == "2,500.00"
        assert _render("{% load humanize %}{{ n|intcomma }}", n=1234567) == "1,234,567"


def test_a_form_still_reads_what_a_person_types():
    from django import forms

    class F(forms.Form):
        amount = forms.DecimalField(decimal_places=2)
        day = forms.DateField()

    for language in ("es", "en"):
        with translation.override(language):
            form = F({"amount": "2500.50", "day": "2026-12-04"})
            assert form.is_valid(), form.errors
            assert form.cleaned_data == {"amount": D("2500.50"), "day": datetime.date(2026, 12, 4)}
            form = F({"amount": "1", "day": "04/12/2026"})  # day first, never month first
            assert form.is_valid() and form.cleaned_data["day"] == datetime.date(2026, 12, 4)


# ------------------------------------------------------------------------------ the one-helper guard

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"]
# |date:'c' (ISO 8601 for a data- attribute the script reads), |date:'Y-m-d' as the value of an
# <input type="date"> (the only format it takes) and |date:"F Y" (a month's name) are not shown as a date.
ALLOWED_DATE_FORMAT = re.compile(r"""\|date:(['"])(c|F Y)\1|value="\{\{ [\w.]+\|date:'Y-m-d' \}\}\"""")


def _templates():
    for folder in TEMPLATE_DIRS:
        yield from (p for p in folder.rglob("*") if p.suffix in (".html", ".txt", ".xml"))


def test_no_template_formats_money_or_dates_its_own_way():
    """Money, prices, quantities and dates go through the filters of core.formats."""
    found = []
    for path in _templates():
        for n, text in enumerate(path.read_text().splitlines(), start=1):
            stripped = ALLOWED_DATE_FORMAT.sub("", text)
            for bad in ("floatformat", "|date:", "|time:\"Y", "|localize", "intcomma", "$ {{"):
                if bad in stripped:
                    found.append(f"{path.relative_to(settings.BASE_DIR)}:{n}: {bad}")
    assert found == []


def test_no_python_formats_an_amount_by_hand():
    """f"{x:,.2f}" and .strftime("%d/%m/%Y") outside the helper are how 2 500,00 and ISO dates crept in."""
    base = Path(settings.BASE_DIR)
    pattern = re.compile(r""":,\.2f\}|:,\}|strftime\(["']%d/%m/%Y""")
    found = []
    for app in ("accounts", "clients", "inventory", "payments", "dte", "contingency", "reports", "bulk", "onboarding"):
        for path in (base / app).rglob("*.py"):
            if "tests" in path.parts or path.name == "formats.py" or path.name == "annexes.py":
                continue  # annexes.py writes MH's fixed file layout, not text for a person
            for n, text in enumerate(path.read_text().splitlines(), start=1):
                if pattern.search(text):
                    found.append(f"{path.relative_to(base)}:{n}")
    assert found == []
