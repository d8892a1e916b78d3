"""The admin's page for the company's payment gateway accounts (payments.views.gateway_accounts):
credentials encrypted at rest, never shown back in full nor logged nor audited, every change
audited, nobody else may open it."""

import logging

import pytest
from django.db import connection
from django.urls import reverse

SECRET = "sk_live_Zx9-muy-secreto-7781"
WEBHOOK_SECRET = "whsec_otro-secreto-4455"


@pytest.fixture
def admin_web(users, establishments, client_as):
    return client_as(users["Administrador"])


def _create(web, **extra):
    body = {"gateway": "n1co", "base_url": "http://127.0.0.1:8900/n1co", "enabled": "on",
            "cred_client_id": "n1co-cliente-001", "cred_client_secret": SECRET,
            "cred_webhook_secret": WEBHOOK_SECRET, **extra}
    return web.post(reverse("payments:gateways"), body)


def _raw_credentials(pk):
    with connection.cursor() as cur:
        cur.execute("SELECT credentials FROM payments_gatewayaccount WHERE id = %s", [pk])
        return cur.fetchone()[0]


def _audit_text():
    from core.models import AuditEntry

    return " ".join(f"{e.summary} {e.before} {e.after}" for e in AuditEntry.objects.all())


def test_admin_adds_an_account_encrypted_and_audited_without_the_secret(admin_web, caplog):
    from core.models import AuditEntry
    from payments.models import GatewayAccount

    caplog.set_level(logging.DEBUG)
    response = _create(admin_web)
    assert response.status_code == 302, response.content.decode()[:2000]
    account = GatewayAccount.objects.get(gateway="n1co")
    assert account.credentials_dict()["client_secret"] == SECRET
    assert account.enabled and account.base_url == "http://127.0.0.1:8900/n1co"
    raw = _raw_credentials(account.pk)
    assert SECRET not in raw and WEBHOOK_SECRET not in raw and "n1co-cliente-001" not in raw  # Fernet
    entry = AuditEntry.objects.get(object_id=str(account.pk), action="create")
    assert "client_secret" in entry.summary and entry.actor.username == "administrador"
    assert SECRET not in _audit_text() and WEBHOOK_SECRET not in _audit_text()
    page = admin_web.get(reverse("payments:gateways")).content.decode()
    assert "n1co" in page and "••••7781" in page  # the last four characters only
    assert SECRET not in page and WEBHOOK_SECRET not in page
    edit = admin_web.get(reverse("payments:gateway_edit", args=[account.pk])).content.decode()
    assert SECRET not in edit and WEBHOOK_SECRET not in edit and "Vacío: la guardada" in edit
    assert not any(SECRET in r.getMessage() or WEBHOOK_SECRET in r.getMessage() for r in caplog.records)


def test_editing_keeps_blank_secrets_and_audits_which_changed(admin_web):
    from core.models import AuditEntry
    from payments.models import GatewayAccount

    _create(admin_web)
    account = GatewayAccount.objects.get(gateway="n1co")
    response = admin_web.post(reverse("payments:gateway_edit", args=[account.pk]),
                              {"base_url": "", "enabled": "on", "cred_client_secret": "sk_nuevo-secreto-9900"})
    assert response.status_code == 302
    account.refresh_from_db()
    creds = account.credentials_dict()
    assert creds == {"client_id": "n1co-cliente-001", "client_secret": "sk_nuevo-secreto-9900",
                     "webhook_secret": WEBHOOK_SECRET}
    assert account.base_url == ""
    entry = AuditEntry.objects.filter(object_id=str(account.pk), action="update").latest("pk")
    assert "client_secret" in entry.summary and "webhook_secret" not in entry.summary
    assert entry.before["base_url"] == "http://127.0.0.1:8900/n1co" and entry.after["base_url"] == ""
    assert "sk_nuevo-secreto-9900" not in _audit_text()


def test_disabling_and_enabling_is_audited_and_a_second_account_per_gateway_is_refused(admin_web):
    from core.models import AuditEntry
    from payments.models import GatewayAccount

    _create(admin_web)
    account = GatewayAccount.objects.get(gateway="n1co")
    admin_web.post(reverse("payments:gateway_toggle", args=[account.pk]))
    account.refresh_from_db()
    assert not account.enabled
    assert AuditEntry.objects.filter(object_id=str(account.pk), summary__contains="deshabilitada").count() == 1
    admin_web.post(reverse("payments:gateway_toggle", args=[account.pk]))
    account.refresh_from_db()
    assert account.enabled
    again = _create(admin_web)
    assert again.status_code == 400 and "ya tiene una cuenta de n1co" in again.content.decode()
    assert GatewayAccount.objects.count() == 1


def test_a_missing_credential_is_refused_in_spanish(admin_web):
    from payments.models import GatewayAccount

    response = _create(admin_web, cred_client_secret="")
    assert response.status_code == 400
    assert "Obligatorio para n1co" in response.content.decode()
    assert not GatewayAccount.objects.exists()


@pytest.mark.parametrize("role_name", ["Supervisor", "Vendedor", "Contador", "Auditor", "outsider"])
def test_only_the_admin_may_open_or_change_gateway_accounts(users, establishments, client_as, role_name, admin_web):
    from accounts.services import user_assign_locations
    from payments.models import GatewayAccount

    _create(admin_web)
    account = GatewayAccount.objects.get(gateway="n1co")
    user = users[role_name]
    if role_name in ("Vendedor", "Supervisor"):  # another establishment's user
        branch = establishments["pos"]["S001P001"]
        user_assign_locations(user=user, establishments=[branch.establishment], points_of_sale=[branch],
                              acting_user=users["Administrador"])
    web = client_as(user)
    assert web.get(reverse("payments:gateways")).status_code == 403
    assert web.get(reverse("payments:gateway_edit", args=[account.pk])).status_code == 403
    assert web.post(reverse("payments:gateway_edit", args=[account.pk]), {"cred_client_secret": "x" * 12}).status_code == 403
    assert web.post(reverse("payments:gateway_toggle", args=[account.pk])).status_code == 403
    assert _create(web, gateway="paypal").status_code == 403
    account.refresh_from_db()
    assert account.enabled and account.credentials_dict()["client_secret"] == SECRET
    assert GatewayAccount.objects.count() == 1


def test_the_configuration_page_links_the_gateways_page_for_the_admin_only(users, establishments, client_as):
    url = reverse("payments:gateways")
    assert url in client_as(users["Administrador"]).get(reverse("accounts:settings")).content.decode()
    supervisor = client_as(users["Supervisor"]).get(reverse("accounts:settings"))
    assert supervisor.status_code == 403 or url not in supervisor.content.decode()
