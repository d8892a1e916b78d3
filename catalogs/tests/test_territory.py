"""The 2024 territorial reform as the 2026 generation writes addresses (catalogs.territory): the
project's own map agrees with MH's catalogs and the shared distrito → municipio file, and
existing addresses get their distrito without anybody retyping them."""

import csv

import pytest

from catalogs import territory
from catalogs.selectors import distrito_choices


def _rows(shared_dir, name):
    with (shared_dir / "spec" / "catalogs" / name).open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["departamento"] != "00"]


def test_the_map_is_the_shared_distrito_to_municipio_file(shared_dir):
    shared = {(r["departamento"], r["distrito_code"]): r["municipio_code"]
              for r in _rows(shared_dir, "cat-008-distrito-municipio-2024.csv")}
    assert len(shared) == 262
    assert territory.MUNICIPIO_OF_DISTRITO == shared


def test_distritos_are_the_municipios_of_before_the_reform_with_their_codes(shared_dir):
    distritos = {(r["departamento"], r["code"]): r["name"] for r in _rows(shared_dir, "cat-008-distrito.csv")}
    municipios_2023 = {(r["departamento"], r["code"]): r["name"] for r in _rows(shared_dir, "cat-013-municipio-2023.csv")}
    assert distritos == municipios_2023
    assert set(territory.MUNICIPIO_OF_DISTRITO) == set(distritos)


def test_every_2024_municipio_is_mhs_and_never_mistaken_for_a_distrito(shared_dir):
    municipios_2024 = {(r["departamento"], r["code"]) for r in _rows(shared_dir, "cat-013-municipio-2024.csv")}
    used = {(dept, m) for dept, municipios in territory.REFORM_2024.items() for m in municipios}
    assert used == municipios_2024  # all 44, each with at least one distrito
    assert not any(territory.is_distrito(dept, m) for dept, m in municipios_2024)


def test_a_pre_reform_address_is_placed_in_the_2024_map():
    # San Salvador (06-14) → San Salvador Centro (23); Santa Tecla (05-11) → La Libertad Sur (28);
    # Aguilares (06-01) → San Salvador Norte (20).
    assert [territory.municipio_2024(d, territory.distrito_of_municipio_2023(d, m))
            for d, m in (("06", "14"), ("05", "11"), ("06", "01"))] == ["23", "28", "20"]
    assert territory.distrito_of_municipio_2023("06", "23") == ""  # a 2024 code is no distrito
    assert territory.municipio_2024("06", "99") == ""


@pytest.mark.parametrize(("municipio", "distrito", "expected"), [
    ("14", "", ("14", None)),  # blank: the one the pre-reform municipio became
    ("14", "14", ("14", None)),
    ("23", "14", ("14", None)),  # a 2024 municipio with one of its distritos
    ("14", "08", ("08", "no está en el municipio 14")),  # Mejicanos is not San Salvador
    ("14", "42", ("42", "no pertenece al departamento 06")),
])
def test_a_distrito_being_saved_is_filled_or_checked(municipio, distrito, expected):
    got, problem = territory.settle_distrito("06", municipio, distrito)
    assert got == expected[0]
    assert (problem is None) == (expected[1] is None)
    if expected[1]:
        assert expected[1] in problem


@pytest.mark.django_db
def test_the_form_lists_the_distritos_of_the_departamento_by_name():
    choices = dict(distrito_choices("06"))
    assert len(choices) == 19 and choices["14"] == "14 · San Salvador" and choices["08"] == "08 · Mejicanos"
