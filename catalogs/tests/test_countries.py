"""CAT-020: every country of MH's 4-digit list (2023 generation) has its ISO alpha-2 code of MH's
2026 list (catalogs.countries), checked against the official catalogs in SHARED_DIR."""

import csv
import unicodedata

from catalogs.countries import ISO_OF_4DIGIT, NOT_A_COUNTRY, iso_code


def _rows(shared_dir, name):
    with (shared_dir / "spec" / "catalogs" / name).open(encoding="utf-8", newline="") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f)}


def _fold(name):
    return "".join(c for c in unicodedata.normalize("NFD", name.upper()) if unicodedata.category(c) != "Mn").strip()


def test_every_country_of_the_4digit_catalog_maps_to_an_iso_code_of_the_2026_catalog(shared_dir):
    four = _rows(shared_dir, "cat-020-pais-4digit.csv")
    iso = _rows(shared_dir, "cat-020-pais-iso.csv")
    assert len(four) == 275 and len(iso) == 249
    unmapped = sorted(set(four) - set(ISO_OF_4DIGIT) - NOT_A_COUNTRY)
    assert unmapped == [], f"sin código ISO: {[(c, four[c]) for c in unmapped]}"
    not_mh = {code: target for code, target in ISO_OF_4DIGIT.items() if target not in iso}
    assert not_mh == {}, f"códigos ISO que no están en CAT-020 2026: {not_mh}"
    assert set(ISO_OF_4DIGIT) <= set(four), "pares de códigos que MH no tiene"
    assert NOT_A_COUNTRY <= set(four) and iso_code("9999") == ""


def test_pairs_agree_with_the_names_where_both_lists_spell_them_alike(shared_dir):
    four = _rows(shared_dir, "cat-020-pais-4digit.csv")
    iso_by_name = {_fold(name): code for code, name in _rows(shared_dir, "cat-020-pais-iso.csv").items()}
    same = {code: iso_by_name[_fold(name)] for code, name in four.items() if _fold(name) in iso_by_name}
    assert len(same) >= 180  # most of the list: the rest are abbreviations or historical names
    assert {code: ISO_OF_4DIGIT[code] for code in same} == same


def test_hand_checked_pairs():
    assert [iso_code(c) for c in ("9483", "9450", "9905", "9663", "9514", "9758", "9732", "9309", "9898")] == [
        "GT", "US", "US", "GB", "GB", "CD", "RU", "DE", "CW"]
    assert iso_code(" gt ") == "GT" and iso_code("") == "" and iso_code("1234") == ""
