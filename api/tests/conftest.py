"""Fixtures for the API: integrations, keys bound to a role and places, a client that calls with
a key. Issuing fixtures come from dte's (a company that signs, clients, products)."""

import pytest
from rest_framework.test import APIClient

from dte.tests.conftest import issuer, line, make_draft, parties, products, signing_company  # noqa: F401 - fixtures


@pytest.fixture
def integration(db):
    from webhooks.models import Integration

    return Integration.objects.create(name="Cajas del súper", contact_email="integrador@example.com")


@pytest.fixture
def make_key(integration, roles, users):
    from api.services import api_key_create

    def make(role="Vendedor", *, establishments=(), points_of_sale=(), name=None, rate_per_minute=None):
        key, raw = api_key_create(integration=integration, name=name or f"clave {role}", role=roles[role],
                                  establishments=establishments, points_of_sale=points_of_sale,
                                  rate_per_minute=rate_per_minute, acting_user=users["Administrador"])
        return key, raw

    return make


@pytest.fixture
def api_as():
    def make(raw, language=None):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}", **({"HTTP_ACCEPT_LANGUAGE": language} if language else {}))
        return client

    return make


@pytest.fixture
def till_key(make_key, establishments, request):
    """A till's key: Vendedor, bound to M001/P001 only (the company signs)."""
    request.getfixturevalue("signing_company")
    key, raw = make_key("Vendedor", points_of_sale=[establishments["pos"]["M001P001"]], name="Caja 1")
    return key, raw


@pytest.fixture
def till(api_as, till_key):
    return api_as(till_key[1])
