"""The audit trail: every write a person or an integration makes appends one row (who, when,
what, before and after) in the transaction of the change. Append-only (see core.models)."""

import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from core.models import AuditAction, AuditEntry

SECRET_MARK = "•••• (cifrado)"
_NEVER_AUDITED = {"password", "last_login"}


def _jsonable(value):
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, bytes):
        return SECRET_MARK
    if isinstance(value, FieldFile):
        return value.name or None  # a stored file is audited by its name
    return value


def snapshot(instance):
    """The concrete field values of ``instance``, JSON-safe, with secrets masked."""
    if instance is None:
        return None
    secret = set(getattr(instance, "SECRET_FIELDS", ()))
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in _NEVER_AUDITED:
            continue
        value = getattr(instance, field.attname)
        if field.name in secret:
            data[field.name] = SECRET_MARK if value else None
        else:
            data[field.name] = _jsonable(value)
    return data


def audit_record(*, actor, action, obj, before=None, after=None, summary="", object_repr=None, actor_name=None):
    """Append one audit row. Call inside the transaction of the change it describes."""
    entry = audit_entry(actor=actor, action=action, obj=obj, before=before, after=after, summary=summary,
                        object_repr=object_repr, actor_name=actor_name)
    entry.save(force_insert=True)
    return entry


def audit_entry(*, actor, action, obj, before=None, after=None, summary="", object_repr=None, actor_name=None):
    """The audit row audit_record appends, not yet saved: for a caller that inserts it together
    with its change's other rows (dte.transitions.transition's ``with_rows``)."""
    if actor_name is None:
        actor_name = actor.get_username() if actor is not None else "sistema"
    return AuditEntry(
        actor=actor if actor is not None and actor.pk else None,
        actor_name=actor_name[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj))[:255],
        summary=summary[:255],
        before=before,
        after=after,
    )


def audited_save(*, instance, acting_user, summary="", update_fields=None):
    """Save ``instance`` (new or changed) and record before/after in one transaction."""
    with transaction.atomic():
        before = None
        if instance.pk is not None:
            stored = type(instance)._default_manager.filter(pk=instance.pk).first()
            before = snapshot(stored)
        created = before is None
        instance.save(update_fields=None if created else update_fields)
        after = snapshot(instance)
        if created or before != after or summary:
            audit_record(
                actor=acting_user,
                action=AuditAction.CREATE if created else AuditAction.UPDATE,
                obj=instance,
                before=before,
                after=after,
                summary=summary,
            )
    return instance


def audited_delete(*, instance, acting_user, summary=""):
    with transaction.atomic():
        before = snapshot(instance)
        repr_, pk = str(instance), instance.pk
        ct = ContentType.objects.get_for_model(instance, for_concrete_model=True)
        instance.delete()
        AuditEntry.objects.create(
            actor=acting_user if acting_user is not None and acting_user.pk else None,
            actor_name=acting_user.get_username() if acting_user is not None else "sistema",
            action=AuditAction.DELETE,
            content_type=ct,
            object_id=str(pk),
            object_repr=repr_[:255],
            summary=summary,
            before=before,
        )
