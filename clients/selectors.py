from django.db.models import Q
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from accounts.selectors import establishments_for_user
from clients.models import Client
from clients.rules import search_condition


def clients_for_user(*, user):
    """All clients for a company-wide role; otherwise the shared ones (no establishment), those
    of the user's establishments and those assigned to the user."""
    qs = Client.objects.select_related("sales_rep")
    if user.company_wide:
        return qs
    return qs.filter(Q(establishment__isnull=True) | Q(establishment__in=establishments_for_user(user=user))
                     | Q(sales_rep=user))


def client_reachable(*, user, client):
    """Whether ``client`` (already read) is among clients_for_user(user): the same rule for one
    row (core.scope's row rule), without the scope's subquery unless the client belongs to an
    establishment. ``user`` is active (core.scope asks only then)."""
    if user.company_wide or client.establishment_id is None or client.sales_rep_id == user.pk:
        return True
    return establishments_for_user(user=user).filter(pk=client.establishment_id).exists()


def client_get_for_user(*, user, pk):
    return get_object_or_404(clients_for_user(user=user), pk=pk)


def client_search(*, user, query, active_only=True, limit=20):
    """Type-ahead search by any part of name, trade name, NIT, NRC or DUI (with or without
    dashes). On PostgreSQL ``search_text`` has a trigram GIN index, so LIKE '%…%' stays fast."""
    qs = clients_for_user(user=user)
    if active_only:
        qs = qs.filter(is_active=True)
    condition = search_condition(query)
    if condition is not None:
        qs = qs.filter(condition)
    # Case-insensitive name order. It also keeps PostgreSQL on the trigram index: ordering by the
    # indexed name tempts the planner to walk that index and filter, which is slow when the
    # matches sort late (measured: 52 ms versus 17 ms for a term matching 7% of 100,000 clients).
    ordered = qs.order_by(Lower("name"), "pk")
    return ordered[:limit] if limit else ordered


def client_list(*, user, query="", kind="", active=""):
    qs = client_search(user=user, query=query, active_only=False, limit=None)
    if kind:
        qs = qs.filter(kind=kind)
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    return qs
