"""Writes (audited, in their own transaction): the catalogue of departments, projects and
employees, workdays and their weekly approval, and the billing run: its plan (the dry run),
its request (once per period) and its execution in a worker, item by item, through the dte
issue service (dte.services.drafts.draft_save + dte.services.issuing.document_issue)."""

import datetime
import logging
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_record, audited_save
from core.models import AuditAction
from core.queue import enqueue_on_commit
from core.statemachine import TransitionRefused
from dte import delivery  # noqa: F401 - loaded before dte.services.issuing, which it imports (their import cycle)
from dte.services.drafts import draft_save
from dte.services.issuing import IssueError, document_issue
from timesheets import selectors
from timesheets.models import (
    ITEM_MACHINE,
    RUN_MACHINE,
    WORKDAY_MACHINE,
    BillingRun,
    FiscalStatus,
    ItemKind,
    ItemState,
    RunItem,
    RunState,
    Workday,
    WorkdayState,
)

log = logging.getLogger(__name__)
ZERO = Decimal("0")
CENT = Decimal("0.01")
FSE, FACTURA, CCF = "14", "01", "03"
IVA_FACTOR = Decimal("1.13")  # a Factura's price carries the IVA inside (facts §2.5, "Factura — IVA-inclusive")


def q2(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def income_tax_rate():
    """Renta withheld on services bought from an individual not registered for IVA: 10 %
    (facts-2 "What the FSE buyer withholds", CT art. 156; no threshold). The same setting the
    FSE arithmetic uses (dte.taxes), so the plan and the document agree."""
    return Decimal(str(settings.DTE_INCOME_TAX_RATE))


# ------------------------------------------------------------------------------ catalogue


def catalogue_save(*, instance, acting_user):
    """A department, project or employee, new or changed (audited)."""
    instance.full_clean()
    return audited_save(instance=instance, acting_user=acting_user)


def catalogue_set_active(*, instance, active, acting_user):
    """Deactivate (or activate again) a department, project or employee (audited). An inactive
    one is no longer offered in forms; its hours and documents stay."""
    instance.is_active = active
    return audited_save(instance=instance, acting_user=acting_user, update_fields=["is_active"],
                        summary=_("Activado") if active else _("Desactivado"))


# ------------------------------------------------------------------------------- workdays


def _refuse_locked(employee, date):
    run = selectors.locked_period(establishment_id=employee.department.establishment_id, date=date)
    if run is not None:
        raise ValidationError(_("El periodo %(p)s ya fue facturado y está cerrado: el %(d)s no admite cambios. "
                                "Para corregirlo, reabra la corrida (propone la nota de crédito o la invalidación).")
                              % {"p": str(run), "d": date.strftime("%d/%m/%Y")})


def workday_save(*, employee, project, date, hours, description="", acting_user):
    """Create or change the hours of one employee on one project and day. An approved or billed
    day is locked, and so is every day of a period already issued. Zero hours removes a draft day."""
    hours = Decimal(hours)
    if hours < 0 or hours > 24:
        raise ValidationError(_("Las horas del %(d)s deben estar entre 0 y 24.") % {"d": date.strftime("%d/%m/%Y")})
    _refuse_locked(employee, date)
    with transaction.atomic():
        day = Workday.objects.select_for_update().filter(employee=employee, project=project, date=date).first()
        if day is not None and day.state != WorkdayState.DRAFT:
            raise ValidationError(_("El %(d)s ya está aprobado: no admite cambios.") % {"d": date.strftime("%d/%m/%Y")})
        if hours == 0:
            if day is not None:
                from core.audit import audited_delete  # noqa: PLC0415 - the one delete path here

                audited_delete(instance=day, acting_user=acting_user, summary=_("Jornada borrada"))
            return None
        day = day or Workday(employee=employee, project=project, date=date)
        day.hours, day.description = q2(hours), description[:300]
        day.full_clean(validate_unique=False)
        return audited_save(instance=day, acting_user=acting_user)


def week_days(monday):
    return [monday + datetime.timedelta(days=i) for i in range(7)]


def week_save(*, employee, project, monday, hours, acting_user):
    """The weekly grid: ``hours`` {date: Decimal}. All or nothing."""
    with transaction.atomic():
        for date in week_days(monday):
            if date in hours:
                workday_save(employee=employee, project=project, date=date, hours=hours[date], acting_user=acting_user)


def week_approve(*, workdays, acting_user):
    """Approve the draft days given (a manager): they lock. Returns how many were approved."""
    with transaction.atomic():
        moved = WORKDAY_MACHINE.move_many(workdays, WorkdayState.APPROVED, by=acting_user, reason=_("Semana aprobada"),
                                          approved_by=acting_user, approved_at=timezone.now())
        if moved:
            audit_record(actor=acting_user, action=AuditAction.APPROVE, obj=None, object_repr=_("Jornadas"),
                         summary=_("%(n)d jornada(s) aprobadas") % {"n": len(moved)}, after={"ids": moved[:500]})
    return len(moved)


# ---------------------------------------------------------------------------- the plan


@dataclass
class PlanLine:
    description: str
    hours: Decimal
    price: Decimal


@dataclass
class PlanItem:
    kind: str
    employee: object = None
    client: object = None
    tipo_dte: str = ""
    lines: list = field(default_factory=list)
    day_ids: list = field(default_factory=list)
    hours: Decimal = ZERO
    amount: Decimal = ZERO
    withheld: Decimal = ZERO
    iva: Decimal = ZERO
    to_pay: Decimal = ZERO

    @property
    def recipient(self):
        return self.employee.name if self.employee is not None else self.client.name

    def get_kind_display(self):
        return ItemKind(self.kind).label


def _span(start, end):
    return f"{start:%d/%m/%Y}–{end:%d/%m/%Y}"


def run_plan(*, establishment_id, period_start, period_end, days=None):
    """What a run of the period would produce, computed without numbers (the dry run):
    - a contractor not registered for IVA: one FSE for the period, hours × their rate, with the
      renta withheld (facts-2: 10 % on services; totalPagar = subTotal − reteRenta);
    - the client of a project: one Factura (consumer) or CCF (taxpayer with NRC) for the billable
      hours at the project's rate, with the timesheet annex;
    - staff: an internal statement only (no fiscal document); a registered taxpayer issues their
      own CCF to the company, so the run produces nothing to pay them."""
    if days is None:
        days = list(selectors.billable_days(establishment_id=establishment_id, period_start=period_start,
                                            period_end=period_end))
    pay, bill = {}, {}
    span = _span(period_start, period_end)
    rate = income_tax_rate()
    for day in days:
        emp = day.employee
        if emp.fiscal_status in (FiscalStatus.CONTRACTOR, FiscalStatus.STAFF):
            kind = ItemKind.FSE if emp.fiscal_status == FiscalStatus.CONTRACTOR else ItemKind.STATEMENT
            item = pay.setdefault(emp.pk, PlanItem(kind=kind, employee=emp, tipo_dte=FSE if kind == ItemKind.FSE else ""))
            item.day_ids.append(day.pk)
            item.hours += day.hours
            _add_line(item, _("Servicios profesionales, proyecto %(p)s, %(s)s") % {"p": day.project.name, "s": span},
                      day.hours, emp.hourly_rate)
        client = day.project.client
        if client is not None and day.project.rate > 0:
            taxpayer = client.id_type == "36" and bool(client.nrc)
            item = bill.setdefault(client.pk, PlanItem(kind=ItemKind.CLIENT, client=client,
                                                       tipo_dte=CCF if taxpayer else FACTURA))
            item.day_ids.append(day.pk)
            item.hours += day.hours
            price = day.project.rate if taxpayer else q2(day.project.rate * IVA_FACTOR)
            _add_line(item, _("Horas de servicio, proyecto %(p)s, %(s)s") % {"p": day.project.name, "s": span},
                      day.hours, price)
    for item in pay.values():
        item.amount = q2(sum((ln.hours * ln.price for ln in item.lines), ZERO))
        if item.kind == ItemKind.FSE:
            item.withheld = q2(item.amount * rate)  # every line is a service: the whole sub-total is the base
        item.to_pay = item.amount - item.withheld
    for item in bill.values():
        item.amount = q2(sum((ln.hours * ln.price for ln in item.lines), ZERO))
        if item.tipo_dte == CCF:
            item.iva = q2(item.amount * Decimal("0.13"))
            item.to_pay = item.amount + item.iva
        else:
            item.iva = q2(item.amount * Decimal("13") / Decimal("113"))
            item.to_pay = item.amount
    return list(pay.values()) + list(bill.values())


def _add_line(item, description, hours, price):
    for line in item.lines:
        if line.description == description and line.price == price:
            line.hours += hours
            return
    item.lines.append(PlanLine(description=description, hours=hours, price=price))


# ------------------------------------------------------------------------ the run itself


def run_user():
    """Who issues a scheduled run: TIMESHEETS_RUN_USER, else the first active superuser."""
    name = getattr(settings, "TIMESHEETS_RUN_USER", "")
    qs = User.objects.filter(is_active=True)
    user = qs.filter(username=name).first() if name else None
    return user or qs.filter(is_superuser=True).order_by("pk").first()


def run_request(*, point_of_sale, period_start, period_end, acting_user, scheduled=False):
    """Ask for the run of a period: (run, created). A period runs once: the second request (a
    double click, beat firing twice) returns the run already there and queues nothing new."""
    if period_end < period_start:
        raise ValidationError(_("El periodo termina antes de empezar."))
    if not scheduled and not acting_user.can("documentos", "approve"):
        raise PermissionDenied
    found = BillingRun.objects.filter(point_of_sale=point_of_sale, period_start=period_start,
                                      period_end=period_end).first()
    if found is not None:
        if found.state == RunState.REOPENED and not scheduled:
            try:
                return run_again(run=found, acting_user=acting_user), True
            except TransitionRefused:  # a second request at the same moment: the first one runs it
                found.refresh_from_db()
        return found, False
    try:
        with transaction.atomic():
            run = BillingRun.objects.create(point_of_sale=point_of_sale, period_start=period_start,
                                            period_end=period_end, requested_by=acting_user, scheduled=scheduled)
            audit_record(actor=acting_user, action=AuditAction.CREATE, obj=run,
                         summary=_("Corrida de facturación %(p)s solicitada") % {"p": str(run)},
                         after={"pos": point_of_sale.pk, "scheduled": scheduled})
            _queue_run(run.pk)
    except IntegrityError:  # the other request won the race: its run is the period's
        return BillingRun.objects.get(point_of_sale=point_of_sale, period_start=period_start,
                                      period_end=period_end), False
    return run, True


def run_again(*, run, acting_user):
    """Run a reopened period again (a manager's request): the next round bills only the days
    approved and not billed yet (selectors.billable_days: a billed day keeps its document), so
    nothing already issued is issued twice; the period locks again. The conditional move makes a
    second request at the same moment find the run queued, not start another round."""
    with transaction.atomic():
        RUN_MACHINE.move(run, RunState.QUEUED, by=acting_user, reason=_("Corrida de nuevo tras la reapertura"),
                         round=run.round + 1, error="", finished_at=None)
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=run,
                     summary=_("Periodo %(p)s emitido de nuevo (ronda %(r)d)") % {"p": str(run), "r": run.round},
                     after={"round": run.round})
        _queue_run(run.pk)
    return run


def _queue_run(run_id):
    from timesheets.tasks import run_task  # noqa: PLC0415 - cycle: timesheets.tasks wraps this module

    enqueue_on_commit(run_task, run_id)


def _prepare(run):
    """Create the run's items and mark their days billed, in one transaction: if two workers
    race, the unique constraints let one of them through."""
    establishment_id = run.point_of_sale.establishment_id
    with transaction.atomic():
        days = list(selectors.billable_days(establishment_id=establishment_id, period_start=run.period_start,
                                            period_end=run.period_end).select_for_update(of=("self",)))
        plan = run_plan(establishment_id=establishment_id, period_start=run.period_start, period_end=run.period_end,
                        days=days)
        for p in plan:
            item = RunItem.objects.create(run=run, round=run.round, kind=p.kind, employee=p.employee, client=p.client,
                                          hours=p.hours, amount=p.amount, withheld=p.withheld, to_pay=p.to_pay)
            link = "billed_item" if p.kind == ItemKind.CLIENT else "paid_item"
            Workday.objects.filter(pk__in=p.day_ids).update(**{link: item})
        billed = [d.pk for d in days]
        WORKDAY_MACHINE.move_many(Workday.objects.filter(pk__in=billed), WorkdayState.BILLED,
                                  reason=_("Facturado en la corrida %(p)s") % {"p": str(run)})
        BillingRun.objects.filter(pk=run.pk).update(total_items=F("total_items") + len(plan))
    return len(plan)


def run_execute(run_id):
    """In a worker: claim the run, prepare its items (once), issue each pending one. Running it
    twice is harmless: the claim is a conditional UPDATE and issued items are skipped."""
    run = BillingRun.objects.select_related("point_of_sale__establishment").get(pk=run_id)
    try:
        RUN_MACHINE.move(run, RunState.RUNNING, started_at=timezone.now(), error="")
    except TransitionRefused:
        return None
    if not run.items.filter(round=run.round).exists():
        _prepare(run)  # this round's items (a round with nothing new prepares nothing, harmlessly again)
    user = run.requested_by
    failed = 0
    for item in run.items.filter(state=ItemState.PENDING).select_related("employee__project", "client").order_by("pk"):
        if not item_issue(item=item, acting_user=user):
            failed += 1
    BillingRun.objects.filter(pk=run.pk).update(failed_items=run.items.filter(state=ItemState.FAILED).count())
    to = RunState.FAILED if failed else RunState.DONE
    RUN_MACHINE.move(run, to, finished_at=timezone.now(),
                     error=_("%(n)d documento(s) no se emitieron: vea el motivo en cada uno.") % {"n": failed} if failed else "")
    return run


def _draft_data(item, run):
    pos = run.point_of_sale
    data = {"tipo_dte": "", "establishment_id": pos.establishment_id, "point_of_sale_id": pos.pk,
            "issue_date": timezone.localdate(), "observations": _("Periodo %(s)s. Anexo: detalle de horas.") % {
                "s": _span(run.period_start, run.period_end)}}
    if item.kind == ItemKind.FSE:
        emp = item.employee
        data.update(tipo_dte=FSE, counterparty={
            "id_type": emp.id_type, "id_number": emp.id_number, "name": emp.name, "departamento": emp.departamento,
            "municipio": emp.municipio, "address": emp.address, "phone": emp.phone, "email": emp.email})
    else:
        client = item.client
        data.update(tipo_dte=CCF if client.id_type == "36" and client.nrc else FACTURA, client_id=client.pk)
    return data


def _lines_of(item, run):
    days = (item.billed_days if item.kind == ItemKind.CLIENT else item.paid_days).select_related("employee", "project__client")
    plan = run_plan(establishment_id=run.point_of_sale.establishment_id, period_start=run.period_start,
                    period_end=run.period_end, days=list(days))
    mine = next(p for p in plan if p.kind == item.kind and (p.employee == item.employee if item.employee_id
                                                            else p.client == item.client))
    # FSE lines are services (tipoItem 2) bought from an individual: renta withheld on each
    # (facts-2 "What the FSE buyer withholds"); unit 59 "unidad"/99 "otra": 99 as the FSE test does.
    return [{"description": ln.description[:1000], "quantity": ln.hours, "unit_price": ln.price, "item_type": 2,
             "unit": 99, "withhold_income": item.kind == ItemKind.FSE} for ln in mine.lines]


def item_issue(*, item, acting_user):
    """Issue one item: its document through the dte issue service (number, JSON, signature,
    outbox; dte then transmits, renders the PDF with the annex and emails it) or, for staff, the
    internal statement a worker renders and emails. True when issued."""
    run = item.run
    try:
        with transaction.atomic():
            if item.kind == ItemKind.STATEMENT:
                ITEM_MACHINE.move(item, ItemState.ISSUED)
                from timesheets.tasks import statement_task  # noqa: PLC0415 - cycle: tasks wrap this module

                enqueue_on_commit(statement_task, item.pk)
            else:
                draft = draft_save(acting_user=acting_user, data=_draft_data(item, run), lines=_lines_of(item, run))
                doc = document_issue(document=draft, acting_user=acting_user)
                # the document's own figures: an FSE's subTotal is totalPagar + reteRenta (facts-2 §5)
                # and a CCF's amount is before its IVA, as in the plan
                amount = {FSE: doc.total_to_pay + doc.rete_renta,
                          CCF: doc.total_operation - doc.total_iva}.get(doc.tipo_dte, doc.total_operation)
                ITEM_MACHINE.move(item, ItemState.ISSUED, document=doc, amount=amount, withheld=doc.rete_renta,
                                  to_pay=doc.total_to_pay)
            audit_record(actor=acting_user, action=AuditAction.ISSUE, obj=item,
                         summary=_("%(k)s de %(r)s emitido") % {"k": item.get_kind_display(), "r": item.recipient_name},
                         after={"document": item.document.numero_control if item.document_id else None,
                                "amount": str(item.amount), "withheld": str(item.withheld)})
            BillingRun.objects.filter(pk=run.pk).update(done_items=F("done_items") + 1)
        return True
    except (IssueError, ValidationError, PermissionDenied, TransitionRefused) as exc:
        message = "; ".join(getattr(exc, "problems", None) or getattr(exc, "messages", None) or [str(exc)])
        log.warning("corrida %s: %s no se emitió: %s", run.pk, item, message)
        with transaction.atomic():
            item.state = RunItem.objects.values_list("state", flat=True).get(pk=item.pk)
            if item.state == ItemState.PENDING:
                ITEM_MACHINE.move(item, ItemState.FAILED, error=message[:500])
        return False


def run_retry(*, run, acting_user):
    """Issue again what failed (what was issued stays issued)."""
    with transaction.atomic():
        ITEM_MACHINE.move_many(run.items.filter(state=ItemState.FAILED), ItemState.PENDING, by=acting_user,
                               reason=_("Reintento"))
        RUN_MACHINE.move(run, RunState.QUEUED, by=acting_user, reason=_("Reintento"), failed_items=0)
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=run, summary=_("Corrida reintentada"))
        _queue_run(run.pk)
    return run


def corrections_for(run):
    """What reopening an issued period proposes for each document (facts §1/§3): invalidation
    while its deadline lasts (FE and FSE: 3 months, CCF: 1 day after the month — facts-2 §1
    "Invalidation deadlines"), a credit note for a CCF afterwards, nothing fiscal for a statement."""
    out = []
    today = timezone.localdate()
    for item in run.items.select_related("document", "employee", "client"):
        doc = item.document
        if doc is None:
            out.append((item, _("Constancia interna: se anula sin documento fiscal.")))
            continue
        if doc.tipo_dte == CCF:
            next_month = (doc.issue_date.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            within = today <= next_month + datetime.timedelta(days=1)
        else:
            within = today <= doc.issue_date + datetime.timedelta(days=90)
        if within:
            out.append((item, _("Invalidar %(n)s (dentro del plazo) y emitir de nuevo.") % {"n": doc.numero_control}))
        elif doc.tipo_dte == CCF:
            out.append((item, _("Emitir una nota de crédito sobre %(n)s.") % {"n": doc.numero_control}))
        else:
            out.append((item, _("Fuera del plazo de invalidación: consulte al contador.")))
    return out


def run_reopen(*, run, reason, acting_user):
    """Reopen an issued period: it unlocks its days for edits and proposes the correction of each
    document (corrections_for); nothing is invalidated by itself."""
    if not reason.strip():
        raise ValidationError(_("Escriba el motivo de la reapertura."))
    with transaction.atomic():
        RUN_MACHINE.move(run, RunState.REOPENED, by=acting_user, reason=reason[:500])
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=run, summary=_("Periodo reabierto"),
                     after={"reason": reason[:500]})
    return corrections_for(run)


# ----------------------------------------------------------------------------- scheduling


def period_for(today):
    """The half-month that ended before ``today``: run on the 16th it is the 1st–15th; on the
    1st, the 16th to the end of the previous month."""
    if today.day > 15:
        return today.replace(day=1), today.replace(day=15)
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=16), last


def scheduled_runs(*, today=None):
    """Beat's entry: request the run of the period just ended for every active point of sale whose
    establishment has employees. Requests are idempotent (run_request): firing twice runs once."""
    from accounts.models import PointOfSale  # noqa: PLC0415 - kept beside its one use

    start, end = period_for(today or timezone.localdate())
    user = run_user()
    if user is None:
        log.warning("sin usuario para las corridas programadas (TIMESHEETS_RUN_USER)")
        return []
    made = []
    points = (PointOfSale.objects.filter(is_active=True, establishment__is_active=True,
                                         establishment__in=selectors.Department.objects.values("establishment"))
              .order_by("establishment_id", "pk"))
    seen = set()
    for pos in points:
        if pos.establishment_id in seen:
            continue  # one run per establishment, from its first point of sale
        seen.add(pos.establishment_id)
        run, created = run_request(point_of_sale=pos, period_start=start, period_end=end, acting_user=user,
                                   scheduled=True)
        made.append((run, created))
    return made
