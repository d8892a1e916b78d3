"""API keys: created (the key shown once), changed, revoked; and checked on every call."""

import hashlib
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import user_assign_locations
from api import keycache
from api.models import ApiKey
from core.audit import audit_record, audited_save
from core.models import AuditAction

KEY_PREFIX = "fct"


def _digest(raw):
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def check_scope(role, establishments, points_of_sale):
    """A key bound to places must have a role bound to places: a company-wide role sees every
    establishment whatever the key's assignments say (accounts.User.company_wide)."""
    if role.company_wide and (establishments or points_of_sale):
        raise ValidationError(_("Una clave limitada a establecimientos o puntos de venta necesita un rol que no sea "
                                "de toda la empresa (p. ej. Vendedor)."))
    for pos in points_of_sale:
        if establishments and pos.establishment not in establishments:
            raise ValidationError(_("El punto de venta %(p)s no es de los establecimientos elegidos.") % {"p": pos})


def api_key_create(*, integration, name, role, acting_user, establishments=(), points_of_sale=(), rate_per_minute=None):
    """Create a key and its service account; returns (key, the key in clear). The clear key exists
    only in this return value: the row keeps its SHA-256."""
    establishments, points_of_sale = list(establishments), list(points_of_sale)
    check_scope(role, establishments, points_of_sale)
    prefix = secrets.token_hex(4)
    raw = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        # The account the key acts as: never signs in (no usable password, not staff), holds the
        # key's role, and the key's places as its assignments.
        # No email: mail for people (contingency deadlines, password resets) never goes to a key;
        # the integration's contact is told what concerns it (a paused webhook).
        user = User(username=f"api-{prefix}", first_name=name[:150], email="", role=role, is_staff=False,
                    is_superuser=False)
        user.set_unusable_password()
        audited_save(instance=user, acting_user=acting_user, summary=_("Cuenta de servicio de una clave de API"))
        places = set(establishments) | {pos.establishment for pos in points_of_sale}
        user_assign_locations(user=user, establishments=places, points_of_sale=points_of_sale, acting_user=acting_user)
        key = ApiKey.objects.create(integration=integration, name=name, role=role, prefix=prefix, key_hash=_digest(raw),
                                    user=user, rate_per_minute=rate_per_minute, created_by=acting_user)
        key.establishments.set(establishments)
        key.points_of_sale.set(points_of_sale)
        audit_record(actor=acting_user, action=AuditAction.CREATE, obj=key, summary=_("Clave de API creada"), after={
            "integracion": integration.name, "nombre": name, "rol": role.name, "prefijo": prefix,
            "establecimientos": sorted(str(e) for e in establishments),
            "puntos_de_venta": sorted(str(p) for p in points_of_sale)})
    return key, raw


def api_key_update(*, key, name, role, establishments, points_of_sale, rate_per_minute, acting_user):
    """Change what a key may do: its role and places follow onto its service account."""
    establishments, points_of_sale = list(establishments), list(points_of_sale)
    check_scope(role, establishments, points_of_sale)
    with transaction.atomic():
        before = {"nombre": key.name, "rol": key.role.name, "limite": key.rate_per_minute}
        key.name, key.role, key.rate_per_minute = name, role, rate_per_minute
        key.save(update_fields=["name", "role", "rate_per_minute"])
        key.establishments.set(establishments)
        key.points_of_sale.set(points_of_sale)
        user = key.user
        if user.role_id != role.pk:
            user.role = role
            audited_save(instance=user, acting_user=acting_user, update_fields=["role"])
        places = set(establishments) | {pos.establishment for pos in points_of_sale}
        user_assign_locations(user=user, establishments=places, points_of_sale=points_of_sale, acting_user=acting_user)
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=key, before=before,
                     after={"nombre": name, "rol": role.name, "limite": rate_per_minute}, summary=_("Clave de API modificada"))
    return key


def api_key_revoke(*, key, acting_user):
    """The key stops working at once; its account is deactivated (never deleted: it has acted)."""
    with transaction.atomic():
        if not ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
            return key
        User.objects.filter(pk=key.user_id).update(is_active=False)
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=key, summary=_("Clave de API revocada"))
        keycache.forget_all()  # the updates above send no signal: a cached key stops working now
    key.refresh_from_db()
    return key


def api_key_check(raw):
    """The active key ``raw`` is, with its account, role, grants and integration loaded; None
    otherwise. The digest is compared in constant time, on every call, also when the key comes
    from api.keycache (which only spares the queries that find it)."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1]:
        return None
    prefix = parts[1]
    key, generation = keycache.lookup(prefix)
    if key is None:
        key = (ApiKey.objects.select_related("user__role", "integration")
               .filter(prefix=prefix, revoked_at__isnull=True, integration__is_active=True).first())
        if key is None or not key.user.is_active:
            return None
        key.user.grants()  # read now, so the cached account answers KeyGrant without a query
        keycache.keep(prefix, generation, key)
    if not hmac.compare_digest(key.key_hash, _digest(raw)):
        return None
    return key
