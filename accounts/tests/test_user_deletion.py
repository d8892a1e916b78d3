"""A user who appears in the audit trail (or in any record) is deactivated, not deleted: deleting
used to be a 500 (the trail's foreign key set to NULL is an UPDATE, which the trigger refuses).
Issue 15, "The audit trail"."""

import pytest
from django.db.models import ProtectedError

from accounts import services
from accounts.models import User
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def acted(make_user, users, company):
    """A rep who changed something: the trail names him."""
    rep = make_user("vendedor-ido", "Vendedor")
    company.trade_name = "Cambiado por él"
    services.audited_save(instance=company, acting_user=rep)
    return rep


def test_the_admin_refuses_deleting_a_user_who_acted_and_offers_deactivation(acted, users, client_as):
    admin = client_as(users["Administrador"])
    url = f"/admin/accounts/user/{acted.pk}/delete/"
    page = admin.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "ya actuó en el sistema" in html and "bitácora: 1" in html and "Desactívelo" in html
    assert f"/admin/accounts/user/{acted.pk}/desactivar/" in html and "Desactivar el usuario" in html
    assert admin.post(url, {"post": "yes"}).status_code == 200  # refused again, not a 500
    assert User.objects.filter(pk=acted.pk).exists()

    response = admin.post(f"/admin/accounts/user/{acted.pk}/desactivar/")
    assert response.status_code == 302
    acted.refresh_from_db()
    assert not acted.is_active
    entry = AuditEntry.objects.filter(object_id=str(acted.pk), summary="Usuario desactivado").get()
    assert entry.actor == users["Administrador"] and entry.before["is_active"] is True and entry.after["is_active"] is False
    assert "Ya está desactivado" in admin.get(url).content.decode()


def test_bulk_delete_refuses_too_and_bulk_deactivation_works(acted, make_user, users, client_as):
    admin = client_as(users["Administrador"])
    fresh = make_user("nunca-actuo", "Vendedor")
    ids = [acted.pk, fresh.pk]
    response = admin.post("/admin/accounts/user/", {"action": "delete_selected", "_selected_action": ids, "post": "yes"})
    html = response.content.decode()
    assert response.status_code == 200 and "ya actuó en el sistema" in html and "Desactivar los usuarios seleccionados" in html
    assert User.objects.filter(pk__in=ids).count() == 2  # nothing deleted, not even the other one
    response = admin.post("/admin/accounts/user/", {"action": "deactivate_users", "_selected_action": ids})
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=ids, is_active=True).exists()


def test_a_user_who_never_acted_is_deleted_and_the_deletion_audited(make_user, users, client_as):
    typo = make_user("creado-por-error", "Vendedor")
    response = client_as(users["Administrador"]).post(f"/admin/accounts/user/{typo.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=typo.pk).exists()
    assert AuditEntry.objects.filter(action="delete", object_repr="creado-por-error", actor=users["Administrador"]).exists()


def test_the_service_and_the_database_refuse_it_too(acted, users):
    with pytest.raises(services.UserHasActed, match="ya actuó"):
        services.user_delete(user=acted, acting_user=users["Administrador"])
    with pytest.raises(ProtectedError):  # the model says so before any SQL reaches the trigger
        acted.delete()
    assert User.objects.filter(pk=acted.pk).exists()
    assert services.user_traces(acted) == [("bitácora", 1)]
