"""Which rows a user may reach, asked the same way for every model (DESIGN.md: "Scope is part of
every query").

Each app that owns scoped rows registers its rule in its ``AppConfig.ready()``:

    scope.register(Client, lambda user: clients_for_user(user=user))

and pages, downloads, exports and the API fetch through ``scope.get_or_404`` / ``scope.rows``.
A row outside the user's scope is a 404, never a 403: an outsider learns nothing of it. A model
without a registered rule is refused loudly (a missing rule is a bug, not an open door).

A rule may come with the same rule for one row already read (``row=``: ``row(user, obj)`` is
True when ``obj`` is among ``rule(user)``): ``get_or_404`` then reads the row by its lookup and
asks ``row``, a plain query instead of the scope's subqueries (the API's hottest call reads a
client so). The owner's tests check that both answer alike."""

from django.http import Http404

_RULES = {}
_ROW_RULES = {}


class NoScopeRule(LookupError):
    pass


def register(model, rule, *, row=None):
    """``rule(user)`` returns the queryset of ``model`` the user may reach; ``row(user, obj)``,
    if given, whether one row already read is among them."""
    _RULES[model] = rule
    if row is not None:
        _ROW_RULES[model] = row


def registered():
    return dict(_RULES)


def rows(model, user):
    """Every row of ``model`` ``user`` may reach; none for an anonymous or inactive user."""
    try:
        rule = _RULES[model]
    except KeyError:
        raise NoScopeRule(f"{model.__name__}: sin regla de alcance registrada") from None
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return model._default_manager.none()
    return rule(user)


def get_or_404(model, user, **lookup):
    """One row by ``lookup`` (a pk, a public id) if ``user`` may reach it, else Http404."""
    row = _ROW_RULES.get(model)
    plain = row is not None and getattr(user, "is_authenticated", False) and user.is_active
    try:
        obj = (model._default_manager if plain else rows(model, user)).get(**lookup)
    except model.DoesNotExist:
        raise Http404 from None
    if plain and not row(user, obj):
        raise Http404
    return obj
