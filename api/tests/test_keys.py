"""API keys: shown once and stored hashed, created and revoked in the admin, acting with their role
and places; every call recorded without its body; a rate per key with 429 and Retry-After."""

import hashlib

import pytest
from django.core.cache import cache

from api.models import ApiCall, ApiKey
from api.services import api_key_check, api_key_revoke


@pytest.mark.django_db
def test_a_key_is_stored_as_its_digest_and_its_account_cannot_sign_in(make_key):
    key, raw = make_key("Vendedor")
    assert raw.startswith(f"fct_{key.prefix}_")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.values().get(pk=key.pk))
    assert not key.user.has_usable_password() and not key.user.is_staff and key.user.email == ""
    assert key.user.role.name == "Vendedor"
    assert api_key_check(raw) == key
    assert api_key_check(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None


@pytest.mark.django_db
def test_a_company_wide_role_cannot_be_narrowed_to_a_till(make_key, establishments):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_key("Supervisor", points_of_sale=[establishments["pos"]["M001P001"]])


@pytest.mark.django_db
def test_calls_without_a_key_or_with_a_revoked_one_are_refused_in_the_documented_shape(api_as, make_key, users):
    from rest_framework.test import APIClient

    anonymous = APIClient().get("/api/v1/clientes/")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    key, raw = make_key("Vendedor")
    assert api_as(raw).get("/api/v1/clientes/").status_code == 200
    api_key_revoke(key=key, acting_user=users["Administrador"])
    refused = api_as(raw, "en").get("/api/v1/clientes/")
    assert refused.status_code == 401
    body = refused.json()
    assert body["code"] == "authentication_failed" and body["field"] is None
    assert body["message"] == "Invalid or revoked API key."
    assert body["errors"][0]["code"] == "authentication_failed"


@pytest.mark.django_db
def test_the_role_decides_what_a_key_may_call(api_as, make_key):
    _key, raw = make_key("Auditor")
    refused = api_as(raw).post("/api/v1/clientes/", {"kind": "consumidor"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    assert api_as(raw).get("/api/v1/clientes/").status_code == 200


@pytest.mark.django_db
def test_every_call_is_recorded_by_route_without_its_body(api_as, make_key):
    key, raw = make_key("Vendedor")
    api_as(raw).post("/api/v1/clientes/", {"kind": "consumidor", "id_type": "13", "id_number": "secreto-123",
                                            "name": "Ana"}, format="json")
    api_as(raw).get("/api/v1/clientes/999999/")
    calls = list(ApiCall.objects.filter(key=key).order_by("id").values("method", "route", "status"))
    assert calls == [{"method": "POST", "route": "api/v1/clientes/", "status": 400},
                     {"method": "GET", "route": "api/v1/clientes/<int:pk>/", "status": 404}]
    assert "secreto" not in str(list(ApiCall.objects.values()))


@pytest.mark.django_db
def test_a_key_over_its_rate_gets_429_with_retry_after(api_as, make_key):
    cache.clear()
    _key, raw = make_key("Vendedor", rate_per_minute=2)
    client = api_as(raw)
    assert [client.get("/api/v1/catalogos/").status_code for _ in range(2)] == [200, 200]
    third = client.get("/api/v1/catalogos/")
    assert third.status_code == 429
    assert third.json()["code"] == "throttled"
    assert 1 <= int(third["Retry-After"]) <= 60
    _other, other_raw = make_key("Vendedor", name="otra")
    assert api_as(other_raw).get("/api/v1/catalogos/").status_code == 200  # the limit is per key


@pytest.mark.django_db
def test_the_admin_creates_a_key_shows_it_once_and_revokes_it(client_as, users, integration, roles, establishments):
    admin = client_as(users["Administrador"])
    pos = establishments["pos"]["M001P001"]
    response = admin.post("/admin/api/apikey/add/", {
        "integration": integration.pk, "name": "Caja 1", "role": roles["Vendedor"].pk,
        "points_of_sale": [pos.pk], "establishments": [], "rate_per_minute": ""})
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Caja 1")
    raw = response.context["raw"]
    assert raw.startswith(f"fct_{key.prefix}_") and raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert api_key_check(raw) == key
    assert raw not in admin.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()  # never again
    # its account operates the till and nothing else
    from accounts.selectors import points_of_sale_for_user

    assert list(points_of_sale_for_user(user=key.user)) == [pos]
    admin.post(f"/admin/api/apikey/{key.pk}/revocar/")
    key.refresh_from_db()
    assert key.revoked_at is not None and api_key_check(raw) is None


@pytest.mark.django_db
def test_the_admin_refuses_a_company_wide_role_bound_to_a_till(client_as, users, integration, roles, establishments):
    response = client_as(users["Administrador"]).post("/admin/api/apikey/add/", {
        "integration": integration.pk, "name": "Mal", "role": roles["Supervisor"].pk,
        "points_of_sale": [establishments["pos"]["M001P001"].pk], "establishments": [], "rate_per_minute": ""})
    assert response.status_code == 200
    assert not ApiKey.objects.filter(name="Mal").exists()
    assert "toda la empresa" in response.content.decode()


@pytest.mark.django_db
def test_errors_speak_english_when_asked(api_as, make_key):
    _key, raw = make_key("Vendedor")
    spanish = api_as(raw).get("/api/v1/clientes/999999/").json()
    english = api_as(raw, "en-US,en;q=0.9").get("/api/v1/clientes/999999/").json()
    assert spanish["code"] == english["code"] == "not_found"
    assert spanish["message"] != english["message"]
    assert english["message"] == "Not found."
    unknown = api_as(raw).get("/api/v1/no-existe/")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"


# ------------------------------------------------------------------ the key cache (api.keycache)


def _cached(key):
    from api import keycache

    return keycache.lookup(key.prefix)[0]


@pytest.mark.django_db
def test_a_key_is_found_without_queries_once_cached_and_a_wrong_secret_still_fails(make_key, django_assert_num_queries):
    key, raw = make_key("Vendedor")
    assert api_key_check(raw) == key  # read from the database, then kept
    assert _cached(key) == key
    with django_assert_num_queries(0):
        found = api_key_check(raw)
        assert found == key and found.user.role.name == "Vendedor" and found.user.can("clientes", "view")
        assert api_key_check(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None  # the digest is checked every call


@pytest.mark.django_db
def test_a_cached_key_stops_working_the_moment_it_is_revoked(api_as, make_key, users, django_capture_on_commit_callbacks):
    key, raw = make_key("Vendedor")
    client = api_as(raw)
    assert [client.get("/api/v1/clientes/").status_code for _ in range(2)] == [200, 200]
    assert _cached(key) is not None
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        api_key_revoke(key=key, acting_user=users["Administrador"])
    assert callbacks  # the token is replaced again once the revocation commits
    assert _cached(key) is None
    assert client.get("/api/v1/clientes/").status_code == 401


@pytest.mark.django_db
def test_a_role_losing_a_grant_refuses_its_cached_keys_at_once(api_as, make_key, users, roles):
    from accounts.services import role_set_permissions

    key, raw = make_key("Vendedor")
    client = api_as(raw)
    assert client.get("/api/v1/clientes/").status_code == 200
    role = roles["Vendedor"]
    kept = [(m, a) for m, a in role.permissions.values_list("module", "action") if m != "clientes"]
    role_set_permissions(role=role, grants=kept, acting_user=users["Administrador"])
    refused = client.get("/api/v1/clientes/")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


@pytest.mark.django_db
def test_a_switched_off_integration_or_account_refuses_its_cached_keys_at_once(api_as, make_key, integration):
    key, raw = make_key("Vendedor")
    client = api_as(raw)
    assert client.get("/api/v1/clientes/").status_code == 200
    integration.is_active = False
    integration.save()
    assert client.get("/api/v1/clientes/").status_code == 401
    integration.is_active = True
    integration.save()
    assert client.get("/api/v1/clientes/").status_code == 200
    key.user.is_active = False
    key.user.save(update_fields=["is_active"])
    assert client.get("/api/v1/clientes/").status_code == 401
