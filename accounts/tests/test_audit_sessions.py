"""Sessions and passwords in the audit trail (issue 15): logins, logouts and failed logins (also
while django-axes has the username locked), and every way a password changes. The password
itself is never recorded."""

import pytest
from django.test import Client

from core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "clave-segura-123"


def _post_login(client, username, password, ip="10.0.0.1"):
    return client.post("/ingresar/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _rows(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id").values_list("action", "actor_name", "object_repr"))


def test_login_logout_and_failures_are_recorded_also_when_locked_out(users):
    c = Client()
    for n in range(6):  # the sixth is refused by axes before the password is checked: recorded too
        _post_login(c, "contador", f"Mala-clave-{n}", ip="10.0.0.7")
    assert _post_login(c, "contador", PASSWORD, ip="10.0.0.7").status_code == 429  # locked: no login row
    assert _post_login(c, "contador", PASSWORD, ip="10.0.0.8").status_code == 302
    c.post("/salir/")
    assert _rows() == [("login_fail", "(sin autenticar)", "contador")] * 7 + [
        ("login", "contador", "contador"), ("logout", "contador", "contador")]
    failed = AuditEntry.objects.filter(action="login_fail")
    assert all("10.0.0.7" in e.summary and e.actor is None for e in failed)
    assert "10.0.0.8" in AuditEntry.objects.get(action="login").summary
    dumped = " ".join(f"{e.summary} {e.object_repr} {e.before} {e.after}" for e in AuditEntry.objects.all())
    assert "Mala-clave" not in dumped and PASSWORD not in dumped


def test_an_overlong_username_is_a_failed_login_not_a_500(db):
    response = _post_login(Client(), "x" * 300, "cualquier-cosa")  # was a 500 (django-axes' 255 characters)
    assert response.status_code == 200 and "Usuario o contraseña incorrectos" in response.content.decode()
    entry = AuditEntry.objects.get(action="login_fail")
    assert entry.object_repr == "x" * 150 and entry.actor is None


def test_every_password_change_is_recorded(users, client_as):
    rep = users["Vendedor"]
    response = client_as(rep).post("/contrasena/cambiar/", {
        "old_password": PASSWORD, "new_password1": "Nueva-clave-2026x", "new_password2": "Nueva-clave-2026x"})
    assert response.status_code == 302
    response = client_as(users["Administrador"]).post(f"/admin/accounts/user/{rep.pk}/password/", {
        "password1": "Otra-clave-2026y", "password2": "Otra-clave-2026y", "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:2000]
    changes = _rows(action="update", object_id=str(rep.pk))
    assert changes == [("update", "vendedor", "vendedor"), ("update", "administrador", "vendedor")]
    summaries = list(AuditEntry.objects.filter(action="update", object_id=str(rep.pk)).order_by("id")
                     .values_list("summary", flat=True))
    assert summaries == ["Contraseña cambiada", "Contraseña cambiada en el administrador"]
    for entry in AuditEntry.objects.all():
        assert "Nueva-clave" not in str(entry.after) and "Otra-clave" not in str(entry.after)
