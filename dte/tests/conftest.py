"""Fixtures for issuing: a company that can sign, clients of each kind, products, and a helper
that saves a draft the way the form does."""

from decimal import Decimal
from functools import lru_cache

import pytest
from django.utils import timezone

CERT_PASSWORD = "clave-de-prueba"


@lru_cache(maxsize=1)
def _certificate():
    from dte.signing.certificates import build_mh_crt

    return build_mh_crt(nit="06140507071048", password=CERT_PASSWORD)


@pytest.fixture
def signing_company(company):
    company.certificate = _certificate()
    company.certificate_password = CERT_PASSWORD
    company.save()
    return company


@pytest.fixture
def parties(db):
    """A taxpayer (CCF), a large taxpayer, a final consumer, a foreign buyer and a provider."""
    from clients.models import Client
    from clients.rules import search_text
    from inventory.models import Provider

    common = {"departamento": "06", "municipio": "14", "address": "Calle Arce 10", "phone": "22224444"}
    made = {
        "taxpayer": Client.objects.create(kind="contribuyente", id_type="36", id_number="06142803901121", nrc="2345678",
                                          name="Distribuidora Central, S.A. de C.V.", activity_code="46900",
                                          activity_description="Venta al por mayor de otros productos",
                                          email="compras@central.example", credit_limit=Decimal("1000"),
                                          payment_term_days=30, **common),
        "large": Client.objects.create(kind="contribuyente", id_type="36", id_number="06140101001012", nrc="1111111",
                                       name="Gran Almacén, S.A.", activity_code="47190", taxpayer_size="grande",
                                       activity_description="Venta al por menor en comercios no especializados",
                                       email="pagos@gran.example", **common),
        "consumer": Client.objects.create(kind="consumidor", id_type="13", id_number="00016297-5", name="Ana López",
                                          email="ana@example.com", **common),
        "foreign": Client.objects.create(kind="extranjero", id_type="37", id_number="GT-998877", name="Importadora Maya",
                                         country_code="9483", person_type="2", activity_description="Comercio de café",
                                         address="Zona 12, Ciudad de Guatemala", email="compras@maya.example"),
        "provider": Provider.objects.create(id_type="36", id_number="06141506851019", nrc="3456789",
                                            name="Repuestos del Norte, S.A.", email="ventas@norte.example",
                                            activity_code="46900", **{k: common[k] for k in ("departamento", "municipio", "address", "phone")}),
    }
    for obj in made.values():  # what the type-ahead searches, as the services would store it
        obj.search_text = search_text(obj.name, obj.id_number, obj.id_number.replace("-", ""), obj.nrc)
        obj.save(update_fields=["search_text"])
    return made


@pytest.fixture
def products(db):
    from clients.rules import search_text
    from inventory.models import Product

    made = {
        "chair": Product.objects.create(code="SILLA-01", description="Silla ergonómica", price=Decimal("113.00"),
                                        cost=Decimal("60"), tracks_stock=True),
        "service": Product.objects.create(code="SERV-01", description="Instalación", item_type=2, unit=99,
                                          price=Decimal("50.00"), cost=Decimal("0")),
    }
    for obj in made.values():
        obj.search_text = search_text(obj.code, obj.description)
        obj.save(update_fields=["search_text"])
    return made


@pytest.fixture
def issuer(signing_company, establishments, users):
    """A sales rep who may issue from M001/P001, the point of sale used by default."""
    from accounts.services import user_assign_locations

    rep = users["Vendedor"]
    user_assign_locations(user=rep, establishments=[establishments["main"]],
                          points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    return rep


def line(description="Artículo", quantity="1", price="10.00", **over):
    out = {"description": description, "quantity": Decimal(quantity), "unit_price": Decimal(price)}
    out.update(over)
    return out


@pytest.fixture
def make_draft(establishments, issuer):
    from dte.services.drafts import draft_save

    def make(tipo="01", lines=None, *, user=None, pos="M001P001", related=(), **data):
        point = establishments["pos"][pos]
        values = {"tipo_dte": tipo, "establishment_id": point.establishment_id, "point_of_sale_id": point.pk,
                  "issue_date": data.pop("issue_date", None) or timezone.localdate()}
        for key in ("client", "provider"):
            if key in data:
                values[f"{key}_id"] = data.pop(key).pk
        values.update(data)
        return draft_save(acting_user=user or issuer, data=values, lines=lines or [line()], related=related)

    return make


@pytest.fixture
def wired(signing_company, govsim, celery_worker):
    """The company points at govsim, which knows its key and API password."""
    import httpx
    from django.core.cache import cache

    from dte.signing.certificates import load_signing_key
    from tests.mh_helpers import clear_faults

    key = load_signing_key(_certificate(), CERT_PASSWORD)
    response = httpx.post(f"{govsim}/_govsim/issuers", json={
        "nit": signing_company.nit, "user": signing_company.mh_api_user, "password": "api-secret-value",
        "public_key_pem": key.public_pem.decode()})
    assert response.status_code == 201, response.text
    signing_company.mh_api_url = govsim
    signing_company.save()
    cache.clear()  # no token from another govsim
    clear_faults(govsim)
    yield govsim
    clear_faults(govsim)
    _wait_for_quiet_database()


def _wait_for_quiet_database(seconds=15):
    """Let the worker finish what the test started (a seal queues printing and email) before the
    test database is flushed: a TRUNCATE racing a worker's row locks can end in a deadlock."""
    import time

    from django.db import connection

    deadline, quiet = time.monotonic() + seconds, 0
    while time.monotonic() < deadline and quiet < 3:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')")
            busy = cursor.fetchone()[0]
        quiet = quiet + 1 if busy == 0 else 0
        time.sleep(0.2)
    # A retry the worker had scheduled may still start while the database is flushed. Should the
    # two deadlock, PostgreSQL aborts whichever waited deadlock_timeout first: make that the
    # worker's transaction (it is retried), never the flush.
    with connection.cursor() as cursor:
        cursor.execute("SET deadlock_timeout = '30s'")
