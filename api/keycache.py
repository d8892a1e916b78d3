"""What a key resolves to (the key, its service account, the account's role and grants, its
integration), kept a short while in the shared cache, so a call does not read four tables before
it starts its work.

An entry is ``(generation, ApiKey with user, role, grants and integration loaded)`` under the key's
prefix. The generation is one random token in the cache: every change to what an entry holds — a
key revoked or changed, its account deactivated or given another role, a role's grants or its
settings changed, an integration switched off — replaces the token (api.apps connects the
signals; the services that write with ``.update()`` call ``forget_all`` themselves), so every
entry made before the change is dead at once, in every web process. The token is replaced when
the change is made and again when its transaction commits: an entry read from the database in
between (the change not yet visible) carries the first new token and dies with the second.

A call reads the token and its entry in one round trip (MGET). The secret is still checked on
every call against the stored digest (api.services.api_key_check): an entry never lets a wrong key
in. What a key may see (its places, through core.scope) is not kept here: those queries run on
every call, as for a person.

Only a cache every process shares (Redis) keeps entries: with a per-process cache a revocation in
one process would not reach the others, so there the key is read from the database each time."""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

GENERATION = "api-keys:generation"
ENTRY_SECONDS = 30  # a bound even if a change were missed; revocation does not wait for it


def enabled():
    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


def _entry_name(prefix):
    return f"api-keys:entry:{prefix}"


def lookup(prefix):
    """(the cached key or None, the generation to tag a fresh entry with, or None not to keep one)."""
    if not enabled():
        return None, None
    name = _entry_name(prefix)
    try:
        found = cache.get_many([GENERATION, name])
        generation = found.get(GENERATION)
        if generation is None:
            cache.add(GENERATION, uuid.uuid4().hex)
            return None, cache.get(GENERATION)
    except Exception:  # noqa: BLE001 - the cache down: the database answers, as before the cache
        log.warning("caché de claves de API no disponible", exc_info=True)
        return None, None
    entry = found.get(name)
    if entry is not None and entry[0] == generation:
        return entry[1], generation
    return None, generation


def keep(prefix, generation, key):
    """Keep ``key`` (read from the database after ``generation`` was read) under that generation."""
    if generation is None:
        return
    try:
        cache.set(_entry_name(prefix), (generation, key), ENTRY_SECONDS)
    except Exception:  # noqa: BLE001 - not kept: the next call reads the database again
        log.warning("caché de claves de API no disponible", exc_info=True)


def _replace_generation():
    if not enabled():
        return
    try:
        cache.set(GENERATION, uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 - logged loudly: entries live on for at most ENTRY_SECONDS
        log.error("no se pudo invalidar la caché de claves de API; las entradas caducan en %s s", ENTRY_SECONDS,
                  exc_info=True)


def forget_all():
    """Every cached key is read again from the database: now and once the current transaction
    commits (see the module's docstring)."""
    _replace_generation()
    transaction.on_commit(_replace_generation)


def changed(sender, **kwargs):
    """Receiver for the signals of the models an entry holds (connected in api.apps)."""
    if kwargs.get("raw"):
        return  # fixtures being loaded
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login", "last_used_at"}:
        return  # a person signing in, a key's last use: nothing an entry decides on
    forget_all()
