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


@pytest.mark.django_db
def test_the_row_rule_of_clients_answers_as_their_queryset_rule(rep, users, establishments, make_user):
    """core.scope reads a client by pk and asks its row rule (clients.selectors.client_reachable):
    for every kind of client and user it must say what clients_for_user says."""
    mine = _client("Ferretería de la matriz", establishments["main"])
    theirs = _client("Farmacia de Santa Tecla", establishments["branch"])
    shared = _client("Cliente de toda la empresa", None)
    assigned = _client("Cliente asignado a la cajera", establishments["branch"])
    assigned.sales_rep = rep
    assigned.save(update_fields=["sales_rep"])
    stranger = make_user("sin-lugares")
    stranger.role = rep.role
    stranger.save(update_fields=["role"])
    closed = Establishment.objects.filter(pk=establishments["main"].pk)
    for user in (rep, users["Contador"], users["Vendedor"], stranger):
        for client in (mine, theirs, shared, assigned):
            expected = Client.objects.filter(pk=client.pk).filter(pk__in=scope.rows(Client, user).values("pk")).exists()
            try:
                reached = scope.get_or_404(Client, user, pk=client.pk) == client
            except Http404:
                reached = False
            assert reached == expected, (user.username, client.name)
    assert {c for c in (mine, theirs, shared, assigned) if _reaches(rep, c)} == {mine, shared, assigned}
    # An establishment closed (inactive) takes its clients out of the rep's reach, in both rules.
    closed.update(is_active=False)
    assert not _reaches(rep, mine) and not scope.rows(Client, rep).filter(pk=mine.pk).exists()


def _reaches(user, client):
    try:
        return scope.get_or_404(Client, user, pk=client.pk) == client
    except Http404:
        return False
