"""The inbox pages: each user reads and marks his own notifications only; preferences are saved
(and audited) per kind."""

import pytest

from core.models import AuditEntry
from notifications import services
from notifications.models import Channel, Kind, Notification, Preference


def _note(user, n=1, **extra):
    return Notification.objects.create(recipient=user, kind=Kind.DOCUMENT_REJECTED, key=f"document.rejected:x:{n}",
                                       title=f"MH rechazó el documento {n}", url="/documentos/", **extra)


@pytest.mark.django_db
def test_the_bell_counts_the_users_own_unread(users, client_as):
    _note(users["Vendedor"], 1)
    _note(users["Vendedor"], 2)
    _note(users["Vendedor"], 3, read_at="2026-11-01T10:00:00Z")
    _note(users["Supervisor"], 4)
    html = client_as(users["Vendedor"]).get("/notificaciones/campana/").content.decode()
    assert 'data-unread="2"' in html
    assert "MH rechazó el documento 2" in html and "documento 4" not in html and "documento 3" not in html
    assert 'id="bell-badge"' not in client_as(users["outsider"]).get("/notificaciones/campana/").content.decode()


@pytest.mark.django_db
def test_the_inbox_lists_own_notifications_and_marks_them_read(users, client_as):
    mine, other = _note(users["Vendedor"], 1), _note(users["Supervisor"], 2)
    web = client_as(users["Vendedor"])
    page = web.get("/notificaciones/").content.decode()
    assert "MH rechazó el documento 1" in page and "documento 2" not in page
    # someone else's notification: 404 (core.scope), and it stays unread
    assert web.post(f"/notificaciones/{other.pk}/leida/").status_code == 404
    assert web.post(f"/notificaciones/{other.pk}/abrir/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None
    response = web.post(f"/notificaciones/{mine.pk}/abrir/")
    assert (response.status_code, response["Location"]) == (302, "/documentos/")
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert AuditEntry.objects.filter(actor=users["Vendedor"], summary="Notificación marcada como leída").count() == 1


@pytest.mark.django_db
def test_mark_all_read_touches_only_the_users_own(users, client_as):
    for n in range(3):
        _note(users["Vendedor"], n)
    _note(users["Supervisor"], 9)
    response = client_as(users["Vendedor"]).post("/notificaciones/leidas/")
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=users["Vendedor"], read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=users["Supervisor"], read_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_the_inbox_list_reads_in_a_fixed_number_of_queries(users, client_as, django_assert_max_num_queries):
    web = client_as(users["Vendedor"])
    for n in range(5):
        _note(users["Vendedor"], n)
    with django_assert_max_num_queries(12) as few:
        web.get("/notificaciones/")
    for n in range(5, 40):
        _note(users["Vendedor"], n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        web.get("/notificaciones/")


@pytest.mark.django_db
def test_preferences_page_saves_each_kind_and_audits(users, client_as):
    web = client_as(users["Contador"])
    page = web.get("/notificaciones/preferencias/").content.decode()
    assert "Documento rechazado por MH" in page and "Bandeja y resumen diario por correo" in page
    body = {f"k_{k.replace('.', '__')}": "inbox" for k in Kind.values}
    body["k_document__rejected"] = "digest"
    body["k_payment__failed"] = "none"
    assert web.post("/notificaciones/preferencias/", body).status_code == 302
    chosen = dict(Preference.objects.filter(user=users["Contador"]).values_list("kind", "channel"))
    # the kinds left at their default keep no row: sealed (default none) chosen inbox, digest ones chosen inbox
    assert chosen == {"document.rejected": "digest", "payment.failed": "none", "document.sealed": "inbox",
                      "payment.received": "inbox", "reconciliation.differences": "inbox"}
    assert AuditEntry.objects.filter(actor=users["Contador"], summary="Preferencias de notificación cambiadas").exists()
    assert web.post("/notificaciones/preferencias/", {**body, "k_payment__failed": "x"}).status_code == 200  # refused
    assert Preference.objects.get(user=users["Contador"], kind="payment.failed").channel == Channel.NONE


@pytest.mark.django_db
def test_preferences_of_one_user_do_not_touch_another(users):
    services.preferences_save(user=users["Vendedor"], choices={"document.rejected": "none"}, acting_user=users["Vendedor"])
    assert not Preference.objects.filter(user=users["Supervisor"]).exists()
