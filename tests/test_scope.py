"""core.scope answers "which rows may this user reach" the same way for every registered model:
what the owner's selector answers, a 404 (never a 403) for a row outside, nothing for an
anonymous or inactive user, and a loud error for a model without a rule."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from accounts.models import Establishment, PointOfSale, Role
from accounts.services import user_assign_locations
from clients.models import Client
from core import scope
from core.models import AuditEntry
from dte.models import Document
from payments.models import Payment


@pytest.fixture
def rep(make_user, users, establishments):
    role = Role.objects.create(name="Cajera de la matriz", company_wide=False)
    person = make_user("cajera")
    person.role = role
    person.save(update_fields=["role"])
    user_assign_locations(user=person, establishments=[establishments["main"]],
                          points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    return person


def _client(name, establishment):
    return Client.objects.create(name=name, id_type="13", id_number=f"0{abs(hash(name)) % 10**7:07d}-1",
                                 establishment=establishment)


def test_every_scoped_model_of_the_product_has_a_rule():
    assert {Client, Document, Payment, Establishment, PointOfSale} <= set(scope.registered())


@pytest.mark.django_db
def test_a_rep_reaches_the_rows_of_his_places_and_gets_404_elsewhere(rep, users, establishments):
    mine = _client("Ferretería de la matriz", establishments["main"])
    theirs = _client("Farmacia de Santa Tecla", establishments["branch"])
    shared = _client("Cliente de toda la empresa", None)

    assert set(scope.rows(Client, rep)) == {mine, shared}
    assert scope.get_or_404(Client, rep, pk=mine.pk) == mine
    with pytest.raises(Http404):
        scope.get_or_404(Client, rep, pk=theirs.pk)
    assert set(scope.rows(Establishment, rep)) == {establishments["main"]}
    assert set(scope.rows(PointOfSale, rep)) == {establishments["pos"]["M001P001"]}
    # A company-wide role reaches all of them.
    assert set(scope.rows(Client, users["Contador"])) == {mine, theirs, shared}


@pytest.mark.django_db
def test_nobody_outside_reaches_anything(rep, establishments):
    _client("Ferretería de la matriz", establishments["main"])
    assert not scope.rows(Client, AnonymousUser()).exists()
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    assert not scope.rows(Client, rep).exists()
    assert not scope.rows(Document, rep).exists()


def test_a_model_without_a_rule_is_refused_loudly():
    with pytest.raises(scope.NoScopeRule):
        scope.rows(AuditEntry, AnonymousUser())
