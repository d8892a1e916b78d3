"""Pages of the work-time runs (Spanish). Managers (DOCUMENTOS · Aprobar) see their
establishments' employees, approve weeks and run periods; an employee linked to a user sees and
enters only their own hours and opens their own documents. Every row is fetched through
core.scope (another establishment's row is a 404)."""

import csv
import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from accounts.selectors import points_of_sale_for_user
from core import formats, scope
from core.access import authenticated_view, module_required, public_view
from core.models import StateChange
from core.modules import Action
from core.statemachine import TransitionRefused
from core.text import clean_text
from dte import delivery
from timesheets import links, selectors, services
from timesheets.models import BillingRun, Employee, ItemKind, RunItem, RunState, SharedLink, Workday, WorkdayState

MANAGE = (Module.DOCUMENTOS, Action.APPROVE)


def _date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


def _is_manager(user):
    return user.can(*MANAGE)


def _period_form(request):
    start, end = _date(request.POST.get("desde")), _date(request.POST.get("hasta"))
    pos = points_of_sale_for_user(user=request.user).filter(pk=request.POST.get("punto") or 0).first()
    problems = []
    if start is None or end is None:
        problems.append(_("Escriba las fechas del periodo (desde y hasta)."))
    elif end < start:
        problems.append(_("El periodo termina antes de empezar."))
    elif (end - start).days > 31:
        problems.append(_("Un periodo abarca a lo sumo un mes."))
    if pos is None:
        problems.append(_("Elija el punto de venta desde el que se emite."))
    return start, end, pos, problems


def _runs_context(request, **extra):
    start, end = services.period_for(timezone.localdate())
    return {"runs": scope.rows(BillingRun, request.user).order_by("-period_start", "-id")[:50],
            "points": points_of_sale_for_user(user=request.user), "default_start": start, "default_end": end, **extra}


@module_required(*MANAGE)
def runs(request):
    return render(request, "timesheets/runs.html", _runs_context(request))


@module_required(*MANAGE)
@require_POST
def dry_run(request):
    """Every document the run would produce, with its amounts, and no number used."""
    start, end, pos, problems = _period_form(request)
    if problems:
        for p in problems:
            messages.error(request, p)
        return redirect("timesheets:runs")
    plan = services.run_plan(establishment_id=pos.establishment_id, period_start=start, period_end=end)
    existing = BillingRun.objects.filter(point_of_sale=pos, period_start=start, period_end=end).first()
    totals = {"amount": sum((p.amount for p in plan), Decimal(0)), "withheld": sum((p.withheld for p in plan), Decimal(0)),
              "hours": sum((p.hours for p in plan if p.kind != ItemKind.CLIENT), Decimal(0))}
    return render(request, "timesheets/dry_run.html", _runs_context(
        request, plan=plan, start=start, end=end, pos=pos, existing=existing, totals=totals))


@module_required(*MANAGE)
@require_POST
def issue(request):
    start, end, pos, problems = _period_form(request)
    if problems:
        for p in problems:
            messages.error(request, p)
        return redirect("timesheets:runs")
    run, created = services.run_request(point_of_sale=pos, period_start=start, period_end=end, acting_user=request.user)
    if created:
        messages.success(request, _("Corrida del periodo %(p)s en cola: los documentos se emiten en segundo plano.")
                         % {"p": str(run)})
    else:
        messages.info(request, _("El periodo %(p)s ya tiene su corrida: no se emite nada nuevo.") % {"p": str(run)})
    return redirect("timesheets:run", pk=run.pk)


def _run_get(request, pk):
    return scope.get_or_404(BillingRun, request.user, pk=pk)


@module_required(*MANAGE)
def run_detail(request, pk):
    run = _run_get(request, pk)
    items = run.items.select_related("employee", "client", "document").prefetch_related("links__downloads")
    labels = dict(RunState.choices)
    history = [{"at": h.at, "by": h.by, "reason": h.reason, "from": labels.get(h.from_state, h.from_state),
                "to": labels.get(h.to_state, h.to_state)}
               for h in StateChange.objects.filter(model=BillingRun._meta.label_lower, object_id=str(run.pk))
               .select_related("by").order_by("at", "pk")]
    return render(request, "timesheets/run.html", {"run": run, "items": items, "history": history,
                                                   "corrections": request.session.pop(f"corrections-{run.pk}", None)})


@module_required(*MANAGE)
def run_progress(request, pk):
    run = _run_get(request, pk)
    response = render(request, "timesheets/partials/progress.html", {"run": run})
    if not run.active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # finished: the page reloads once to list the documents
    return response


@module_required(*MANAGE)
@require_POST
def run_retry(request, pk):
    run = _run_get(request, pk)
    try:
        services.run_retry(run=run, acting_user=request.user)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    return redirect("timesheets:run", pk=run.pk)


@module_required(*MANAGE)
@require_POST
def run_reopen(request, pk):
    run = _run_get(request, pk)
    try:
        proposals = services.run_reopen(run=run, reason=clean_text(request.POST.get("reason", "")),
                                        acting_user=request.user)
    except (TransitionRefused, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        request.session[f"corrections-{run.pk}"] = [[str(item), text] for item, text in proposals]
        messages.warning(request, _("Periodo reabierto: revise la corrección propuesta para cada documento."))
    return redirect("timesheets:run", pk=run.pk)


# ---------------------------------------------------------------------------------- the week


def _monday(value):
    day = _date(value) or timezone.localdate()
    return day - datetime.timedelta(days=day.weekday())


def _employee_for(request, pk):
    """A manager picks any employee in scope; anyone else works on their own record only."""
    if pk:
        return scope.get_or_404(Employee, request.user, pk=pk)
    return Employee.objects.select_related("department", "project").filter(user=request.user).first()


@authenticated_view
def week(request):
    manager = _is_manager(request.user)
    employee = _employee_for(request, request.GET.get("empleado") or request.POST.get("empleado"))
    if employee is None and not manager:
        return render(request, "timesheets/not_linked.html")
    monday = _monday(request.GET.get("semana") or request.POST.get("semana"))
    days = services.week_days(monday)
    if request.method == "POST" and employee is not None:
        hours, errors = {}, []
        for day in days:
            raw = (request.POST.get(f"h-{day.isoformat()}") or "").strip().replace(",", ".")
            if raw == "":
                continue
            try:
                hours[day] = Decimal(raw)
            except InvalidOperation:
                errors.append(_("%(d)s: «%(v)s» no es un número de horas.") % {"d": formats.date(day), "v": raw[:20]})
        if errors:
            for e in errors:
                messages.error(request, e)
        else:
            try:
                services.week_save(employee=employee, project=employee.project, monday=monday, hours=hours,
                                   acting_user=request.user)
            except ValidationError as exc:
                for m in exc.messages:
                    messages.error(request, m)
            else:
                messages.success(request, _("Horas guardadas."))
                return redirect(f"{reverse('timesheets:week')}?empleado={employee.pk}&semana={monday.isoformat()}")
    rows = []
    if employee is not None:
        found = {w.date: w for w in Workday.objects.filter(employee=employee, project=employee.project,
                                                           date__in=days)}
        rows = [{"date": d, "day": found.get(d)} for d in days]
    employees = scope.rows(Employee, request.user).filter(is_active=True) if manager else []
    pending = (scope.rows(Workday, request.user).filter(state=WorkdayState.DRAFT, date__in=days)
               .order_by("employee__name", "date") if manager else [])
    return render(request, "timesheets/week.html", {
        "employee": employee, "monday": monday, "rows": rows, "employees": employees, "manager": manager,
        "previous": monday - datetime.timedelta(days=7), "next": monday + datetime.timedelta(days=7),
        "pending": pending, "total": sum((r["day"].hours for r in rows if r["day"]), Decimal(0))})


@module_required(*MANAGE)
@require_POST
def week_approve(request):
    monday = _monday(request.POST.get("semana"))
    days = scope.rows(Workday, request.user).filter(date__in=services.week_days(monday))
    employee = request.POST.get("empleado")
    if employee:
        days = days.filter(employee_id=employee)
    done = services.week_approve(workdays=days, acting_user=request.user)
    messages.success(request, _("%(n)d jornada(s) aprobadas: quedan bloqueadas.") % {"n": done})
    target = f"{reverse('timesheets:week')}?semana={monday.isoformat()}"
    return redirect(target + (f"&empleado={int(employee)}" if employee and employee.isdigit() else ""))


# ------------------------------------------------------------------------- self-service, links


@authenticated_view
def mine(request):
    employee = Employee.objects.filter(user=request.user).first()
    if employee is None:
        return render(request, "timesheets/not_linked.html")
    return render(request, "timesheets/mine.html", {
        "employee": employee, "workdays": Workday.objects.filter(employee=employee).select_related("project")
        .order_by("-date")[:120],
        "items": RunItem.objects.filter(employee=employee).select_related("run", "document").order_by("-run__period_start")})


@authenticated_view
@require_POST
def item_link(request, pk):
    """The API's answer: a link to the item's PDF. With S3 storage, a pre-signed S3 URL; else an
    app-signed expiring link. Scoped: a manager's establishments, or the employee's own items."""
    item = scope.get_or_404(RunItem, request.user, pk=pk)
    if links.stored_name(item) is None:
        return JsonResponse({"error": _("El PDF todavía no está listo: intente en unos segundos.")}, status=409)
    presigned = links.presigned_url(item)
    if presigned:
        expires = timezone.now() + datetime.timedelta(seconds=links.settings.TIMESHEETS_PRESIGNED_SECONDS)
        return JsonResponse({"url": presigned, "kind": "s3-presigned", "expires_at": expires.isoformat()})
    link = links.link_create(item=item, acting_user=request.user)
    return JsonResponse({"url": links.link_url(link), "kind": "signed", "id": link.pk,
                         "expires_at": link.expires_at.isoformat()})


@module_required(*MANAGE)
@require_POST
def link_revoke(request, pk):
    link = SharedLink.objects.filter(pk=pk, item__in=scope.rows(RunItem, request.user)).select_related("item").first()
    if link is None:
        raise Http404
    try:
        links.link_revoke(link=link, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Enlace revocado: ya no abre el documento."))
    return redirect("timesheets:run", pk=link.item.run_id)


@module_required(*MANAGE)
@require_POST
def item_mail_revoke(request, pk):
    """Revoke the link in dte's own email of the item's document (the FSE or the client's
    invoice): it answers "enlace revocado" from now on (dte.delivery.links_revoke)."""
    item = scope.get_or_404(RunItem, request.user, pk=pk)
    if not item.document_id:
        raise Http404
    delivery.links_revoke(document=item.document, acting_user=request.user,
                          reason=_("Desde la corrida %(p)s") % {"p": str(item.run)})
    messages.success(request, _("Enlace del correo revocado: ya no abre el documento."))
    return redirect("timesheets:run", pk=item.run_id)


@public_view
def link(request, token):
    try:
        found = links.link_open(token, request)
    except links.LinkRefused as exc:
        return render(request, "timesheets/link_refused.html", {"message": str(exc)}, status=exc.status)
    item = found.item
    name = links.stored_name(item)
    if name is None:
        raise Http404
    presigned = links.presigned_url(item, seconds=60)
    if presigned:  # S3: a short pre-signed URL, after the revocation check and the log above
        return HttpResponseRedirect(presigned)
    return FileResponse(default_storage.open(name, "rb"), content_type="application/pdf",
                        filename=f"{(item.document.numero_control if item.document_id else 'constancia')}.pdf")


# ----------------------------------------------------------------------------------- reports


def _month(value):
    try:
        return datetime.date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        return timezone.localdate().replace(day=1)


@module_required(Module.REPORTES, Action.VIEW)
def reports(request):
    group = request.GET.get("por", "project")
    if group not in ("project", "department", "employee"):
        group = "project"
    month = _month(request.GET.get("mes"))
    return render(request, "timesheets/reports.html", {
        "group": group, "rows": selectors.hours_by(user=request.user, group=group),
        "budget": selectors.budget_use(user=request.user), "month": month,
        "f14": selectors.f14_rows(user=request.user, month=month)})


@module_required(Module.REPORTES, Action.EXPORT)
def f14_export(request):
    """The F-14 annex of a month: one row per FSE with renta withheld (facts-2 §5 "F-14" and
    "FSE → F-14": 23 columns; A 1 domiciliado, B 9300, C name in capitals ≤ 100, D NIT, E DUI,
    F 11 servicios sin dependencia laboral, G monto devengado = subTotal, H 0.00, I impuesto
    retenido = reteRenta, J–R 0.00, S–V empty, W período MMYYYY). The file rules are the F-07
    annexes' (reports.annexes: ``;``, no header, CRLF, amounts with a dot and two decimals);
    which annex carries code 8 is uncertain in the facts: not set here."""
    month = _month(request.GET.get("mes"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="F14-{month:%m%Y}.csv"'
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    for item in selectors.f14_rows(user=request.user, month=month):
        emp = item.employee
        number = "".join(ch for ch in emp.id_number if ch.isdigit())
        nit, dui = (number, "") if emp.id_type == "36" else ("", number)
        name = " ".join(emp.name.replace(";", ",").split()).upper()[:100]
        writer.writerow(["1", "9300", name, nit, dui, "11", f"{item.amount:.2f}", "0.00", f"{item.withheld:.2f}",
                         *(["0.00"] * 9), "", "", "", "", f"{month:%m%Y}"])
    return response
