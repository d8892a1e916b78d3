"""Writes for users, roles, the company and its establishments. Each one owns its transaction
and writes an audit row (who, when, what, before and after) inside it."""


from axes.helpers import get_client_ip_address
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from accounts.models import Company, Role, RolePermission, User
from accounts.modules import ALL as ALL_GRANTS
from accounts.modules import DEFAULT_ROLES, Module
from accounts.signals import role_grants_changed
from core.audit import audit_record, audited_delete, audited_save
from core.models import AuditAction
from core.modules import Action

# ---------------------------------------------------------------------------------------- roles


def _grant_keys(role):
    return sorted(f"{m}:{a}" for m, a in role.permissions.values_list("module", "action"))


def grants_clean(grants):
    """``grants`` (iterable of (module, action)) as a set of value pairs, or ValidationError: a
    pair the module does not have (accounts.modules.MODULE_ACTIONS), or an action without «Ver»
    in its module (a role that cannot enter a module cannot act in it)."""
    pairs = {(str(m), str(a)) for m, a in grants}
    meaningless = sorted(pairs - {(m.value, a.value) for m, a in ALL_GRANTS})
    if meaningless:
        raise ValidationError(
            _("Estos módulos no tienen esas acciones: %(p)s")
            % {"p": ", ".join(_pair_label(m, a) for m, a in meaningless)}, code="meaningless_grant")
    missing_view = sorted({m for m, _a in pairs} - {m for m, a in pairs if a == Action.VIEW.value},
                          key=lambda m: list(Module).index(Module(m)))
    if missing_view:
        raise ValidationError(
            _("Marque «Ver» en los módulos donde el rol tiene otras acciones: %(m)s")
            % {"m": ", ".join(str(Module(m).label) for m in missing_view)}, code="missing_view")
    return pairs


def _pair_label(module, action):
    try:
        return f"{Module(module).label} · {Action(action).label}"
    except ValueError:
        return f"{module}:{action}"


def role_set_permissions(*, role, grants, acting_user):
    """Replace the role's grants with ``grants`` (iterable of (module, action)); refuses a pair
    that means nothing (grants_clean)."""
    wanted = grants_clean(grants)
    with transaction.atomic():
        role = Role.objects.select_for_update().get(pk=role.pk)
        before = {"grants": _grant_keys(role)}
        current = set(role.permissions.values_list("module", "action"))
        RolePermission.objects.filter(role=role).exclude(
            pk__in=[p.pk for p in role.permissions.all() if (p.module, p.action) in wanted]
        ).delete()
        RolePermission.objects.bulk_create(
            [RolePermission(role=role, module=m, action=a) for m, a in sorted(wanted - current)]
        )
        after = {"grants": _grant_keys(role)}
        if before != after:
            audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=role, before=before, after=after,
                         summary="Permisos del rol")
            role_grants_changed.send(sender=Role, role=role)
    return role


def role_create(*, name, description="", company_wide=False, grants=(), acting_user):
    with transaction.atomic():
        role = audited_save(
            instance=Role(name=name, description=description, company_wide=company_wide), acting_user=acting_user
        )
        role_set_permissions(role=role, grants=grants, acting_user=acting_user)
    return role


# ------------------------------------------------------------------------- users and locations


def user_assign_locations(*, user, establishments, points_of_sale, acting_user):
    """Set exactly which establishments and points of sale ``user`` may operate in
    (django-guardian object permissions)."""
    establishments, points_of_sale = set(establishments), set(points_of_sale)
    with transaction.atomic():
        current_e = set(get_objects_for_user(user, "accounts.operate_establishment", with_superuser=False,
                                             accept_global_perms=False))
        current_p = set(get_objects_for_user(user, "accounts.operate_pointofsale", with_superuser=False,
                                             accept_global_perms=False))
        for e in establishments - current_e:
            assign_perm("accounts.operate_establishment", user, e)
        for e in current_e - establishments:
            remove_perm("accounts.operate_establishment", user, e)
        for p in points_of_sale - current_p:
            assign_perm("accounts.operate_pointofsale", user, p)
        for p in current_p - points_of_sale:
            remove_perm("accounts.operate_pointofsale", user, p)
        before = {"establecimientos": sorted(str(e) for e in current_e), "puntos_de_venta": sorted(str(p) for p in current_p)}
        after = {"establecimientos": sorted(str(e) for e in establishments),
                 "puntos_de_venta": sorted(str(p) for p in points_of_sale)}
        if before != after:
            audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=user, before=before, after=after,
                         summary="Establecimientos y puntos de venta asignados")


def user_create(*, username, password, role, email="", first_name="", last_name="", acting_user,
                is_staff=False, is_superuser=False):
    with transaction.atomic():
        user = User(username=username, email=email, first_name=first_name, last_name=last_name, role=role,
                    is_staff=is_staff, is_superuser=is_superuser)
        user.set_password(password)
        audited_save(instance=user, acting_user=acting_user)
    return user


def user_set_active(*, user, active, acting_user):
    """Activate or deactivate a user: how someone who has acted leaves (never deleted)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active == active:
            return user
        user.is_active = active
        return audited_save(instance=user, acting_user=acting_user, update_fields=["is_active"],
                            summary="Usuario activado" if active else "Usuario desactivado")


def user_traces(user):
    """What keeps ``user`` from being deleted: the records that name it as who acted (the audit
    trail, documents, status changes, payments…), as [(what, how many)]. Read from the model's
    PROTECT relations, so an app added later is counted without this module importing it."""
    out = []
    for rel in User._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        if rel.on_delete is not models.PROTECT:
            continue
        count = rel.related_model._base_manager.filter(**{rel.field.name: user}).count()
        if count:
            out.append((str(rel.related_model._meta.verbose_name_plural), count))
    merged = {}
    for what, count in out:  # a model with several user columns (created by, issued by) is named once
        merged[what] = max(merged.get(what, 0), count)
    return sorted(merged.items())


class UserHasActed(ValidationError):
    pass


def user_delete(*, user, acting_user):
    """Delete a user who never acted (a typo at creation). One who appears in the trail or in any
    record is refused: deactivate it instead (user_set_active)."""
    traces = user_traces(user)
    if traces:
        raise UserHasActed(user_refusal_message(user, traces))
    audited_delete(instance=user, acting_user=acting_user, summary="Usuario eliminado")


def user_refusal_message(user, traces=None):
    traces = user_traces(user) if traces is None else traces
    detail = ", ".join(f"{what}: {count}" for what, count in traces)
    return _("El usuario «%(u)s» ya actuó en el sistema (%(d)s): no se puede eliminar sin borrar la bitácora. "
             "Desactívelo: deja de poder ingresar y su historia se conserva.") % {"u": user.get_username(), "d": detail}


# ---------------------------------------------------------------------------- sessions (auth)


def password_changed_record(*, user, acting_user, summary):
    """A password was changed (by its owner, by a reset link or by an admin): that it was, never
    what it is. Call inside the transaction that saved it."""
    return audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=user, summary=summary)


def _client_ip(request):
    if request is None:
        return ""
    ip = getattr(request, "axes_ip_address", None)
    if ip is None:
        ip = get_client_ip_address(request)
    return ip or ""


def login_record(*, user, request=None):
    """A successful login (django.contrib.auth's user_logged_in)."""
    ip = _client_ip(request)
    return audit_record(actor=user, action=AuditAction.LOGIN, obj=user,
                        summary=f"Inicio de sesión desde {ip}" if ip else "Inicio de sesión")


def logout_record(*, user, request=None):
    if user is None or not user.pk:
        return None
    ip = _client_ip(request)
    return audit_record(actor=user, action=AuditAction.LOGOUT, obj=user,
                        summary=f"Cierre de sesión desde {ip}" if ip else "Cierre de sesión")


def login_failed_record(*, username, request=None):
    """A failed login: who was tried and from where. Never the password (only the username is
    passed in). Nobody is the actor: the attempt was not authenticated."""
    username = str(username or "")[:150]
    ip = _client_ip(request)
    return audit_record(actor=None, actor_name="(sin autenticar)", action=AuditAction.LOGIN_FAILED, obj=None,
                        object_repr=username or "(vacío)",
                        summary=(f"Inicio de sesión fallido para «{username}» desde {ip}" if ip
                                 else f"Inicio de sesión fallido para «{username}»"))


# -------------------------------------------------------------------------------------- company


def company_update(*, company, data, acting_user, mh_api_password=None, certificate=None,
                   certificate_filename="", certificate_password=None):
    """Change the company's fields. A secret is replaced only when a new value is given;
    the audit row says that it was replaced, never what it is."""
    replaced = []
    for name, value in data.items():
        if name in Company.SECRET_FIELDS:
            raise ValueError(f"{name} se cambia con su propio argumento")
        setattr(company, name, value)
    if mh_api_password:
        company.mh_api_password = mh_api_password
        replaced.append("contraseña de la API")
    if certificate:
        company.certificate = certificate
        company.certificate_filename = certificate_filename[:120]
        company.certificate_updated_at = timezone.now()
        replaced.append("certificado")
    if certificate_password:
        company.certificate_password = certificate_password
        replaced.append("contraseña del certificado")
    company.full_clean()
    summary = ("Reemplazado: " + ", ".join(replaced)) if replaced else ""
    return audited_save(instance=company, acting_user=acting_user, summary=summary)


def roles_ensure_defaults():
    """Create any of the five default roles that is missing, with its default grants.
    Existing roles are left as the admin edited them."""
    with transaction.atomic():
        for name, spec in DEFAULT_ROLES.items():
            role, created = Role.objects.get_or_create(
                name=name, defaults={"description": str(spec["description"]), "company_wide": spec["company_wide"],
                                     "approval_cases": [str(c) for c in spec.get("approval_cases", [])],
                                     "document_types": list(spec.get("document_types", []))}
            )
            if created:
                RolePermission.objects.bulk_create(
                    [RolePermission(role=role, module=str(m), action=str(a)) for m, a in spec["grants"]]
                )
