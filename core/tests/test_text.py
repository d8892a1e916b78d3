"""Invisible control characters are removed from stored text, with the same rule everywhere."""

import pytest

from core.text import clean_data, clean_text


@pytest.mark.parametrize("typed, stored", [
    ("Ana López", "Ana López"),
    ("\u202eAna\u202c", "Ana"),  # right-to-left override ... pop directional formatting
    ("\u2066a\u2067b\u2068c\u2069", "abc"),  # isolates
    ("a\u200bb\u200ec\u200fd\ufeffe\u00adf\u061cg", "abcdefg"),  # zero width space, marks, BOM, soft hyphen
    ("a\x00b\x07c\x1bd\x7fe\x85f", "abcdef"),  # C0, DEL and C1 controls
    ("línea 1\r\nlínea 2\tcol", "línea 1\r\nlínea 2\tcol"),  # ordinary whitespace stays
    ("\U0001f469\u200d\U0001f4bb", "\U0001f469\u200d\U0001f4bb"),  # an emoji sequence stays joined
    ("\u2764\ufe0f\u200d\U0001f525", "\u2764\ufe0f\u200d\U0001f525"),  # ... after a variation selector too
    ("می\u200cخواهم", "می\u200cخواهم"),  # Persian's zero width non-joiner between letters
    ("Lu\u200dna", "Luna"),  # between Latin letters a joiner only hides a difference
    ("\u200dAna\u200c", "Ana"),
    ("tag\U000e0041\U000e007f", "tag"),  # tag characters (invisible text)
    ("شركة النور", "شركة النور"),
])
def test_clean_text(typed, stored):
    assert clean_text(typed) == stored


def test_clean_data_keeps_the_passwords_as_typed():
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.setlist("name", ["A\u200bna", "B\u202eo"])
    data["password"] = "cla\u200bve"
    cleaned = clean_data(data, keep={"password"})
    assert cleaned.getlist("name") == ["Ana", "Bo"] and cleaned["password"] == "cla\u200bve"
    assert data["name"] == "B\u202eo"  # the submitted data itself is left alone
