from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from accounts.selectors import company_get, locations_for_user
from contingency import selectors, services
from contingency.forms import PeriodForm
from contingency.models import Event, Lot
from core.access import module_required
from core.modules import Action
from dte.models import OfflineScope

VIEW, EDIT = (Module.CONTINGENCIA, Action.VIEW), (Module.CONTINGENCIA, Action.EDIT)


def _rows(periods, now):
    counts = selectors.waiting_counts(periods)
    return [{"period": p, "waiting": counts.get(p.pk, 0), "deadlines": selectors.deadlines(p, now=now)} for p in periods]


@module_required(*VIEW)
def period_list(request):
    now = timezone.now()
    company = company_get()
    qs = OfflineScope.objects.select_related("establishment", "point_of_sale__establishment", "opened_by").order_by(
        "-started_at", "-id")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    unfinished = list(selectors.unfinished_periods(company=company)) if company else []
    return render(request, "contingency/list.html", {
        "title": _("Contingencia"), "page": page, "rows": _rows(list(page.object_list), now),
        "unfinished": _rows(unfinished, now), "now": now,
        "can_edit": request.user.can(*EDIT)})


@module_required(*EDIT)
def period_declare(request):
    form = PeriodForm(request.POST or None, locations=locations_for_user(user=request.user))
    if request.method == "POST" and form.is_valid():
        establishment, point_of_sale = form.target
        try:
            period = services.period_open(company=company_get(), tipo=form.cleaned_data["tipo"],
                                          motivo=form.cleaned_data["motivo"], establishment=establishment,
                                          point_of_sale=point_of_sale, acting_user=request.user,
                                          end_automatically=form.cleaned_data["end_automatically"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.warning(request, _("Contingencia declarada en %(w)s: los documentos se emiten sin conexión.") % {
                "w": period.scope_label})
            return redirect("contingency:detail", pk=period.pk)
    return render(request, "contingency/declare.html", {"title": _("Declarar contingencia"), "form": form})


def _detail_context(request, period):
    now = timezone.now()
    docs = (period.documents.select_related("contingency_listing__lot")
            .order_by("pk").only("pk", "numero_control", "tipo_dte", "status", "sello_recibido", "mh_code",
                                 "mh_message", "issue_date", "codigo_generacion", "contingency_listing__id",
                                 "contingency_listing__lot__codigo_lote"))
    doc_page = Paginator(docs, 50).get_page(request.GET.get("page"))
    waiting = selectors.waiting_counts([period]).get(period.pk, 0)
    return {"settled": max(0, doc_page.paginator.count - waiting),"period": period, "events": list(selectors.events_of(period)), "lots": list(selectors.lots_of(period)),
            "waiting": waiting, "deadlines": selectors.deadlines(period, now=now),
            "doc_page": doc_page, "now": now, "can_edit": request.user.can(*EDIT),
            "lots_deadline": selectors.lots_deadline(period)}


@module_required(*VIEW)
def period_detail(request, pk):
    period = get_object_or_404(OfflineScope.objects.select_related("establishment", "point_of_sale__establishment",
                                                             "opened_by", "ended_by"), pk=pk)
    return render(request, "contingency/detail.html", {"title": _("Contingencia %(p)s") % {"p": period},
                                                       **_detail_context(request, period)})


@module_required(*VIEW)
def period_live(request, pk):
    """The live part of the detail page (htmx polling)."""
    period = get_object_or_404(OfflineScope.objects.select_related("establishment", "point_of_sale__establishment"), pk=pk)
    return render(request, "contingency/partials/live.html", _detail_context(request, period))


def _act(request, action, done, period_id):
    """Run a supervisor's action; its refusal or its result becomes the page's message."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("contingency:detail", pk=period_id)


@module_required(*EDIT)
@require_POST
def period_end(request, pk):
    period = get_object_or_404(OfflineScope, pk=pk)
    return _act(request, lambda: services.period_end(period=period, acting_user=request.user),
                _("Contingencia terminada: el evento y los lotes se envían ahora."), pk)


@module_required(*EDIT)
@require_POST
def event_resend(request, pk):
    event = get_object_or_404(Event, pk=pk)
    return _act(request, lambda: services.event_resend(event=event, acting_user=request.user),
                _("El evento se rehace y se envía de nuevo."), event.period_id)


@module_required(*EDIT)
@require_POST
def lot_retry(request, pk):
    lot = get_object_or_404(Lot.objects.select_related("event"), pk=pk)
    return _act(request, lambda: services.lot_retry(lot=lot, acting_user=request.user),
                _("Se consulta a MH cada documento del lote y los que falten se envían de nuevo."), lot.event.period_id)
