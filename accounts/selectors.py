from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.shortcuts import get_object_or_404
from guardian.models import UserObjectPermission

from accounts.models import Company, Establishment, PointOfSale, Role, User
from core.models import AuditEntry


def company_get():
    return Company.objects.order_by("pk").first()


def company_pk():
    """The company's id, without loading (and decrypting) the row."""
    return Company.objects.order_by("pk").values_list("pk", flat=True).first()


def _grants(user_id, model):
    return UserObjectPermission.objects.filter(
        user_id=user_id, permission__codename=f"operate_{model}", permission__content_type__app_label="accounts",
        content_type__app_label="accounts", content_type__model=model)


def _assigned(user_id, model):
    """The ids of ``model`` (establishment, pointofsale) assigned to the user: the user's own
    django-guardian object permission ``operate_<model>``, as user_assign_locations grants it (the
    project gives no group object permissions). A subquery: one small query with the rows it
    filters. Built by hand because guardian's get_objects_for_user builds the same condition with
    its group branch and lookups in Python on every call (measured: 3–7 ms of each API call)."""
    return _grants(user_id, model).values("object_pk")


def establishments_for_user(*, user):
    """The establishments ``user`` may see and issue from: all of them for a company-wide
    role, otherwise the ones assigned to the user (django-guardian)."""
    qs = Establishment.objects.select_related("company").filter(is_active=True)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.company_wide:
        return qs
    return qs.alias(pk_text=Cast("pk", CharField())).filter(pk_text__in=_assigned(user.pk, "establishment"))


def users_reachable_by(*, user):
    """Active users that ``user`` may name (link to an employee, say): every user for a
    company-wide role, otherwise the users assigned to one of ``user``'s establishments; never
    another company-wide account for a role bound to establishments."""
    qs = User.objects.filter(is_active=True).select_related("role").order_by("username")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.company_wide:
        return qs
    mine = _assigned(user.pk, "establishment")
    holders = UserObjectPermission.objects.filter(
        permission__codename="operate_establishment", permission__content_type__app_label="accounts",
        content_type__app_label="accounts", content_type__model="establishment", object_pk__in=mine).values("user_id")
    return qs.filter(pk__in=holders, role__company_wide=False, is_superuser=False)


def points_of_sale_for_user(*, user, establishment=None):
    qs = PointOfSale.objects.select_related("establishment").filter(is_active=True, establishment__is_active=True)
    if establishment is not None:
        qs = qs.filter(establishment=establishment)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.company_wide:
        return qs
    return qs.alias(pk_text=Cast("pk", CharField())).filter(pk_text__in=_assigned(user.pk, "pointofsale"))


def roles_with_grants():
    return Role.objects.prefetch_related("permissions").order_by("name")


def role_get(*, pk):
    """A role by id, for the pages that may edit roles (their URL checks the grant): 404 if absent."""
    return get_object_or_404(Role.objects.prefetch_related("permissions"), pk=pk)


def audit_entries(*, actor=None, action=None, content_type=None, text=None, date_from=None, date_to=None):
    qs = AuditEntry.objects.select_related("actor", "content_type")
    if actor:
        qs = qs.filter(actor=actor)
    if action:
        qs = qs.filter(action=action)
    if content_type:
        qs = qs.filter(content_type=content_type)
    if text:
        qs = qs.filter(Q(object_repr__icontains=text) | Q(summary__icontains=text) | Q(actor_name__icontains=text))
    if date_from:
        qs = qs.filter(at__date__gte=date_from)
    if date_to:
        qs = qs.filter(at__date__lte=date_to)
    return qs.order_by("-at", "-id")


def locations_for_user(*, user):
    """[(establishment, [points of sale])] the user may operate in, for menus and pickers."""
    points = {}
    for pos in points_of_sale_for_user(user=user):
        points.setdefault(pos.establishment_id, []).append(pos)
    return [(est, points.get(est.pk, [])) for est in establishments_for_user(user=user)]


def _operate_grants(user_id):
    return _grants(user_id, "pointofsale")


def operate_grant_exists(*, user_id, point_of_sale_id):
    """The grant half of user_may_operate as an expression (``point_of_sale_id``: an OuterRef), so
    the hot path of issuing reads it in the query that loads and locks the document."""
    return Exists(_operate_grants(user_id).filter(object_pk=Cast(point_of_sale_id, output_field=CharField())))


def user_may_operate(*, user, point_of_sale, granted=None):
    """Whether ``user`` may issue from this (already loaded) point of sale: active, and for a role
    that is not company-wide, assigned to the user. The same rule as points_of_sale_for_user, in
    one small query for the hot path of issuing (none when ``granted``, the grant read by
    operate_grant_exists in the same transaction, is given, or was read with the point of sale by
    point_of_sale_for_user: that user's grant, in its ``granted``)."""
    if not (user.is_authenticated and user.is_active and point_of_sale.is_active
            and point_of_sale.establishment.is_active):
        return False
    if user.company_wide:
        return True
    if granted is None:
        granted = getattr(point_of_sale, "granted", None)  # read with it (point_of_sale_for_user)
    if granted is not None:
        return bool(granted)
    return _operate_grants(user.pk).filter(object_pk=str(point_of_sale.pk)).exists()


def point_of_sale_for_user(*, user, pk, establishment_id=None):
    """The point of sale ``pk`` (of ``establishment_id``, when given) with its establishment and,
    for a role that is not company-wide, the user's grant on it read in the same query (as
    ``granted``, for user_may_operate): None when it does not exist. Whether the user may operate
    there is still user_may_operate's to say."""
    qs = PointOfSale.objects.select_related("establishment").filter(pk=pk)
    if establishment_id is not None:
        qs = qs.filter(establishment_id=establishment_id)
    if getattr(user, "is_authenticated", False) and not user.company_wide:
        qs = qs.annotate(granted=operate_grant_exists(user_id=user.pk, point_of_sale_id=OuterRef("pk")))
    return qs.first()
