"""Clients' addresses in the 2026 generation: the distrito (CAT-008) is filled from the
pre-reform municipio when nobody gives it, checked when somebody does, taken by the upload, and
the migration fills it for every existing client (tested on the demo company's data)."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.models import Company, Establishment
from clients.models import Client
from clients.services import client_create
from inventory.models import Provider

pytestmark = pytest.mark.django_db

TAXPAYER = {"kind": "contribuyente", "id_type": "36", "id_number": "06142803901121", "nrc": "2345678",
            "name": "Distribuidora Central, S.A. de C.V.", "activity_code": "46900", "departamento": "06",
            "municipio": "14", "address": "Boulevard Los Héroes 1020", "email": "compras@central.example"}


def test_a_client_saved_without_distrito_gets_the_one_its_municipio_became(users):
    client = client_create(data=dict(TAXPAYER), acting_user=users["Administrador"])
    assert (client.municipio, client.distrito) == ("14", "14")


def test_a_client_saved_with_only_the_distrito_gets_its_municipio(users):
    client = client_create(data={**TAXPAYER, "municipio": "", "distrito": "08"}, acting_user=users["Administrador"])
    assert (client.municipio, client.distrito) == ("08", "08")  # Mejicanos, before and after the reform


def test_a_distrito_outside_the_municipio_is_refused(users):
    with pytest.raises(ValidationError) as caught:
        client_create(data={**TAXPAYER, "distrito": "08"}, acting_user=users["Administrador"])
    assert "no está en el municipio 14" in caught.value.message_dict["distrito"][0]


def test_the_clients_upload_takes_the_distrito_column():
    from clients.columns import COLUMNS
    from clients.uploads import WRITE_FIELDS, to_row

    names = [c.header for c in COLUMNS]
    assert names.index("distrito") == names.index("municipio") + 1
    assert "distrito" in WRITE_FIELDS
    client = Client(**{**TAXPAYER, "distrito": "14"})
    row = to_row(client)
    assert row[names.index("distrito")] == "14"


def _migration(app, name):
    return importlib.import_module(f"{app}.migrations.{name}")


def test_the_migration_fills_the_distrito_of_the_demo_data(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # demo-issuer.json goes here
    call_command("setup_demo", verbosity=0)
    # As before the migration: no distrito anywhere.
    for model in (Client, Provider, Company, Establishment):
        model.objects.update(distrito="")
    Client.objects.create(kind="consumidor", id_type="13", id_number="01234567-8", name="Sin dirección")
    _migration("clients", "0005_distrito").fill(apps, None)
    _migration("inventory", "0005_distrito").fill(apps, None)
    _migration("accounts", "0014_distrito").fill(apps, None)
    placed = Client.objects.exclude(departamento="")
    assert placed.count() == 3 and set(placed.values_list("distrito", flat=True)) == {"14"}
    assert Client.objects.get(id_number="01234567-8").distrito == ""  # no address: nothing to fill
    assert list(Provider.objects.values_list("distrito", flat=True)) == ["14"]
    assert set(Company.objects.values_list("distrito", flat=True)) == {"14"}
    assert set(Establishment.objects.values_list("distrito", flat=True)) == {"14"}
