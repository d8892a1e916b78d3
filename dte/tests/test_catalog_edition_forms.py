"""The document forms check MH codes against the catalog edition of the generation in force for
the type being issued (dte.generations.catalog_edition_for), not the global MH_CATALOG_EDITION."""

import datetime

import pytest
from django.utils import timezone

from dte import forms
from dte.generations import catalog_edition_for
from dte.models import Document, SchemaGeneration
from dte.tests.conftest import line

pytestmark = pytest.mark.django_db

FEX_POST = {"issue_date": "2026-12-04", "condition": "1", "seguro": "0", "flete": "0", "codIncoterms": "05",
            "descIncoterms": "DAP", "tipoItemExpor": "1", "recintoFiscal": "02"}


def _fex_in_2026():
    return SchemaGeneration.objects.create(kind="11", generation="2026",
                                           effective_from=timezone.now() - datetime.timedelta(minutes=5))


def test_the_edition_follows_the_types_generation(settings):
    settings.MH_CATALOG_EDITION = "2023"
    assert catalog_edition_for(Document(tipo_dte="11")) == "2023"
    _fex_in_2026()
    assert catalog_edition_for(Document(tipo_dte="11")) == "2026"
    assert catalog_edition_for(Document(tipo_dte="01")) == "2023"  # the row is for FEX only
    # An issued document keeps its own generation's edition (its correction is written in it).
    assert catalog_edition_for(Document(tipo_dte="11", generation="2023")) == "2023"
    # A switch later today does not apply yet.
    SchemaGeneration.objects.create(kind="01", generation="2026", effective_from=timezone.now() + datetime.timedelta(hours=2))
    assert catalog_edition_for(Document(tipo_dte="01")) == "2023"


def test_fex_regimen_checked_against_2023_codes_while_2023_is_in_force(settings):
    settings.MH_CATALOG_EDITION = "2026"  # the global setting says 2026: the type's generation (2023) wins
    doc = Document(tipo_dte="11")
    data, errors = forms.parse_header({**FEX_POST, "regimen": "EX-1.1000.000"}, doc)
    assert errors == [] and data["extra"]["regimen"] == "EX-1.1000.000" and "tipoRegimen" not in data["extra"]
    data, errors = forms.parse_header({**FEX_POST, "regimen": "1000.000"}, doc)
    assert errors == ["Régimen: «1000.000» no está en el catálogo CAT-028."] and data["extra"]["regimen"] == ""


def test_fex_regimen_checked_against_2026_codes_once_fex_switches(settings):
    settings.MH_CATALOG_EDITION = "2023"
    _fex_in_2026()
    doc = Document(tipo_dte="11")
    data, errors = forms.parse_header({**FEX_POST, "regimen": "1000.000", "tipoRegimen": "EX-1"}, doc)
    assert errors == [] and (data["extra"]["regimen"], data["extra"]["tipoRegimen"]) == ("1000.000", "EX-1")
    data, errors = forms.parse_header({**FEX_POST, "regimen": "EX-1.1000.000", "tipoRegimen": "EX-9"}, doc)
    assert errors == ["Régimen: «EX-1.1000.000» no está en el catálogo CAT-028.",
                      "Tipo de régimen: «EX-9» no está en el catálogo CAT-033."]


def test_the_editor_offers_the_types_editions_codes(settings, make_draft, parties, issuer, client):
    settings.MH_CATALOG_EDITION = "2023"
    draft = make_draft("11", [line("Café oro", "1", "100.00")], client=parties["foreign"])
    client.force_login(issuer)
    page = client.get(f"/documentos/{draft.pk}/editar/").content.decode()
    assert 'value="EX-1.1000.000"' in page and 'value="1000.000"' not in page and 'name="tipoRegimen"' not in page
    _fex_in_2026()
    page = client.get(f"/documentos/{draft.pk}/editar/").content.decode()
    assert 'value="1000.000"' in page and 'value="EX-1.1000.000"' not in page
    assert 'name="tipoRegimen"' in page and 'value="EX-1"' in page
