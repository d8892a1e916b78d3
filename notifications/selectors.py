"""Reads of the inbox, and who hears an event (one query for the recipients and their channels)."""

from django.db.models import CharField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from guardian.models import UserObjectPermission

from accounts.models import PointOfSale, RolePermission, User
from notifications.catalogue import spec
from notifications.models import Notification, Preference


def _assigned(model):
    """The user's own django-guardian grant ``operate_<model>`` (accounts.selectors._assigned)."""
    return UserObjectPermission.objects.filter(
        user_id=OuterRef("pk"),
        permission__codename=f"operate_{model}",
        permission__content_type__app_label="accounts",
        content_type__app_label="accounts",
        content_type__model=model,
    )


def place_condition(*, establishment_id, point_of_sale_id, owners=()):
    """The users whose scope reaches a row of this place, as a condition on User: the rule of
    dte.selectors.document_scope seen from the other side (company-wide roles; the row's own
    author; the users bound to its point of sale; the users assigned its establishment without any
    of its points of sale). Without a point of sale, the users assigned the establishment
    (accounts.selectors.establishments_for_user)."""
    cond = Q(is_superuser=True) | Q(role__company_wide=True)
    if owners:
        cond |= Q(pk__in=list(owners))
    establishment = Exists(_assigned("establishment").filter(object_pk=str(establishment_id)))
    if point_of_sale_id is None:
        return cond | establishment
    tills = PointOfSale.objects.filter(establishment_id=establishment_id).annotate(text=Cast("pk", CharField())).values("text")
    return (
        cond
        | Exists(_assigned("pointofsale").filter(object_pk=str(point_of_sale_id)))
        | (establishment & ~Exists(_assigned("pointofsale").filter(object_pk__in=tills)))
    )


def recipients(kind, *, establishment_id=None, point_of_sale_id=None, owners=(), exclude=()):
    """[(user_id, email, channel)] of the active users who hear this event, with the channel each
    chose (or the kind's default), "none" left out. One query."""
    entry = spec(kind)
    owners = [pk for pk in owners if pk]
    audience = Q(pk__in=owners)
    if entry.grants:
        granted = Q()
        for module, action in entry.grants:
            granted |= Q(module=str(module), action=str(action))
        audience |= Q(is_superuser=True) | Exists(RolePermission.objects.filter(granted, role_id=OuterRef("role_id")))
    qs = User.objects.filter(audience, is_active=True)
    if entry.company_wide:
        qs = qs.filter(Q(is_superuser=True) | Q(role__company_wide=True))
    elif establishment_id is not None:
        qs = qs.filter(place_condition(establishment_id=establishment_id, point_of_sale_id=point_of_sale_id, owners=owners))
    if exclude:
        qs = qs.exclude(pk__in=[pk for pk in exclude if pk])
    chosen = Preference.objects.filter(user_id=OuterRef("pk"), kind=str(kind)).values("channel")[:1]
    rows = qs.annotate(channel=Coalesce(Subquery(chosen), Value(str(entry.default)))).values_list("pk", "email", "channel")
    return [row for row in rows if row[2] != "none"]


def inbox(*, user):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(*, user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def preferences_of(*, user):
    """{kind: channel} the user chose (kinds absent: their default)."""
    return dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
