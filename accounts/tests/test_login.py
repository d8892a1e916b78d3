import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def _login(client, username, password, ip="10.0.0.1"):
    return client.post("/ingresar/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_and_logout(client, users):
    response = _login(client, "vendedor", "clave-segura-123")
    assert response.status_code == 302 and response["Location"] == "/"
    assert "Vendedor" in client.get("/").content.decode()
    assert client.post("/salir/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_message_is_spanish(client, users):
    html = _login(client, "vendedor", "mala").content.decode()
    assert "Usuario o contraseña incorrectos" in html


def test_five_failures_lock_that_user_from_that_address(client, users):
    for _ in range(5):
        _login(client, "contador", "mala")
    response = _login(client, "contador", "clave-segura-123")
    assert response.status_code == 429
    assert "bloqueado durante 15 minutos" in response.content.decode()
    # Another address, or another user from the same address, is not locked.
    assert _login(client, "contador", "clave-segura-123", ip="10.0.0.2").status_code == 302
    assert _login(client, "auditor", "clave-segura-123").status_code == 302


def test_four_failures_then_success_resets_the_count(client, users):
    for _ in range(4):
        _login(client, "contador", "mala")
    assert _login(client, "contador", "clave-segura-123").status_code == 302
    client.post("/salir/")
    for _ in range(4):
        _login(client, "contador", "mala")
    assert _login(client, "contador", "clave-segura-123").status_code == 302


def test_password_reset_by_email(client, users):
    response = client.post("/contrasena/recuperar/", {"email": "supervisor@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["supervisor@example.com"]
    assert "contraseña nueva" in message.subject
    link = re.search(r"https?://[^/]+(/contrasena/recuperar/\S+/)", message.body).group(1)
    form_url = client.get(link)["Location"]  # Django swaps the token for a session key
    response = client.post(form_url, {"new_password1": "Otra-clave-larga-99", "new_password2": "Otra-clave-larga-99"})
    assert response.status_code == 302
    assert _login(client, "supervisor", "Otra-clave-larga-99").status_code == 302


def test_password_reset_for_unknown_email_reveals_nothing(client, users):
    response = client.post("/contrasena/recuperar/", {"email": "nadie@example.com"})
    assert response.status_code == 302 and len(mail.outbox) == 0


def test_password_change(client_as, users):
    c = client_as(users["Auditor"])
    response = c.post("/contrasena/cambiar/", {"old_password": "clave-segura-123", "new_password1": "Nueva-clave-2026x",
                                               "new_password2": "Nueva-clave-2026x"})
    assert response.status_code == 302
    users["Auditor"].refresh_from_db()
    assert users["Auditor"].check_password("Nueva-clave-2026x")


def test_error_pages_are_spanish(client_as, users, settings):
    settings.DEBUG = False
    c = client_as(users["Vendedor"])
    html = c.get("/no-existe/").content.decode()
    assert "Página no encontrada" in html
    response = c.get("/configuracion/")
    assert response.status_code == 403 and "No tiene permiso para ver esta página" in response.content.decode()


def test_spanish_is_the_default_whatever_the_browser_asks(client, users):
    response = client.get("/ingresar/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "es"
    client.post("/i18n/setlang/", {"language": "en", "next": "/ingresar/"})
    assert client.get("/ingresar/")["Content-Language"] == "en"
