"""Reads: what a user may reach (by establishment, or only their own data for an employee), the
plan of a run, the reports."""

import datetime
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from accounts.selectors import establishments_for_user
from timesheets.models import (
    BillingRun,
    Department,
    Employee,
    FiscalStatus,
    ItemKind,
    Project,
    RunItem,
    RunState,
    Workday,
    WorkdayState,
)

ZERO = Decimal("0")


def _establishment_ids(user):
    return establishments_for_user(user=user).values("pk")


def _sees_establishments(user):
    """A manager (approves hours, runs periods) or a reader of reports sees the work of their
    establishments; anyone else only their own."""
    return bool(user.is_authenticated and user.is_active
                and (user.can("documentos", "approve") or user.can("reportes", "view")))


def departments_for_user(*, user):
    return Department.objects.filter(establishment__in=_establishment_ids(user)).select_related("establishment")


def projects_for_user(*, user):
    return Project.objects.filter(establishment__in=_establishment_ids(user)).select_related("client", "establishment")


def employees_for_user(*, user):
    """Managers see the employees of their establishments; anyone else only their own record."""
    qs = Employee.objects.select_related("department", "project")
    if _sees_establishments(user):
        return qs.filter(department__establishment__in=_establishment_ids(user))
    return qs.filter(user=user) if user.is_authenticated else qs.none()


def workdays_for_user(*, user):
    qs = Workday.objects.select_related("employee", "project")
    if _sees_establishments(user):
        return qs.filter(employee__department__establishment__in=_establishment_ids(user))
    return qs.filter(employee__user=user) if user.is_authenticated else qs.none()


def runs_for_user(*, user):
    if not (user.is_authenticated and user.can("documentos", "approve")):
        return BillingRun.objects.none()
    return BillingRun.objects.filter(point_of_sale__establishment__in=_establishment_ids(user)).select_related(
        "point_of_sale__establishment")


def items_for_user(*, user):
    """Run items: a manager's establishments, or an employee's own documents."""
    qs = RunItem.objects.select_related("run", "employee", "client", "document")
    if _sees_establishments(user):
        return qs.filter(run__point_of_sale__establishment__in=_establishment_ids(user))
    return qs.filter(employee__user=user) if user.is_authenticated else qs.none()


def locked_period(*, establishment_id, date):
    """The run that locks ``date`` for an establishment's workdays, if any: a period once issued
    is closed (a correction goes through a credit note or an invalidation, not an edit)."""
    return (BillingRun.objects.filter(point_of_sale__establishment_id=establishment_id, period_start__lte=date,
                                      period_end__gte=date)
            .exclude(state=RunState.REOPENED).order_by("pk").first())


def billable_days(*, establishment_id, period_start, period_end):
    """The approved days of the period not billed yet: what a run bills."""
    return (Workday.objects.filter(state=WorkdayState.APPROVED, date__gte=period_start, date__lte=period_end,
                                   employee__department__establishment_id=establishment_id, billed_item__isnull=True,
                                   paid_item__isnull=True)
            .select_related("employee", "project__client").order_by("employee_id", "project_id", "date"))


def hours_by(*, user, group, date_from=None, date_to=None):
    """Billed and unbilled hours by project, department or employee."""
    field = {"project": "project__name", "department": "employee__department__name", "employee": "employee__name"}[group]
    qs = workdays_for_user(user=user)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return list(qs.order_by().values(name=F(field)).annotate(
        billed=Sum("hours", filter=Q(state=WorkdayState.BILLED), default=ZERO),
        unbilled=Sum("hours", filter=~Q(state=WorkdayState.BILLED), default=ZERO),
        days=Count("pk")).order_by("name"))


def budget_use(*, user):
    rows = []
    projects = projects_for_user(user=user).annotate(used_hours=Sum("workdays__hours", default=ZERO))
    for p in projects:
        used_amount = p.used_hours * p.rate
        rows.append({"project": p, "used_hours": p.used_hours, "used_amount": used_amount,
                     "hours_pct": int(p.used_hours * 100 / p.budget_hours) if p.budget_hours else None,
                     "amount_pct": int(used_amount * 100 / p.budget_amount) if p.budget_amount else None})
    return rows


def f14_rows(*, user, month):
    """The income tax withheld in a month, one row per FSE with reteRenta > 0: the F-14 annex
    data (facts-2 "FSE → F-14": A 1, B 9300, D/E from the receptor, F 11, G subTotal, I reteRenta)."""
    end = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return (items_for_user(user=user).filter(kind=ItemKind.FSE, withheld__gt=0, document__isnull=False,
                                             document__issue_date__gte=month, document__issue_date__lt=end)
            .select_related("employee", "document").order_by("document__issue_date", "pk"))


CONTRACTOR = FiscalStatus.CONTRACTOR


def home_panel(user):
    """What the home page shows of work time (accounts.modules.register_home_panel): the hours
    waiting for a manager's approval, or an employee's own page."""
    from django.urls import reverse  # noqa: PLC0415 - urls load after the apps
    from django.utils.translation import gettext as _  # noqa: PLC0415 - kept beside its one use

    links = []
    if user.is_authenticated and user.can("documentos", "approve"):
        pending = workdays_for_user(user=user).filter(state=WorkdayState.DRAFT).count()
        links.append({"key": "timesheets", "icon": "clock-history", "url": reverse("timesheets:runs"), "urgent": bool(pending),
                      "label": _("Horas por aprobar: %(n)d") % {"n": pending}, "action": _("Facturación de horas")})
    elif user.is_authenticated and Employee.objects.filter(user=user).exists():
        links.append({"key": "timesheets-mine", "icon": "person-badge", "url": reverse("timesheets:mine"), "urgent": False,
                      "label": _("Mis horas y documentos"), "action": _("Abrir")})
    return {"extra_links": links} if links else {}
