"""An issued document's page: its status (polled while MH answers), timeline, MH's observations
explained, deliveries, and its actions (retransmit, correct, internal status, invalidate); a draft
waiting for his approval, read by the approver."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from core.access import module_required
from core.modules import Action
from core.text import clean_data, clean_text
from dte import arithmetic as ar
from dte import hooks, invalidation, jsonio, selectors
from dte.actions import PRINTABLE_STATES, document_actions, is_reviewing
from dte.delivery_plan import delivery_plan
from dte.explain import explain_all
from dte.labels import state_label
from dte.models import GovStatus, InvalidationType, MHCall
from dte.returns import parse_returned, returnable_lines
from dte.services.corrections import document_correct, document_retransmit
from dte.services.internal import internal_status_set
from dte.services.issuing import document_preview
from dte.services.totals import total_of
from dte.views.common import preview_context
from inventory.selectors import stock_moved_by


def _timeline(doc):
    """Every status change (both tracks) and every call to MH about the document, oldest first."""
    codes = [c for c in [doc.codigo_generacion, *(doc.previous_codes or [])] if c]
    events = [{"at": h.at, "kind": "status", "track": h.track, "by": h.by, "reason": h.reason,
               "from": state_label(h.from_status, "gov" if h.track == "gov" else "internal"),
               "to": state_label(h.to_status, "gov" if h.track == "gov" else "internal")}
              for h in doc.history.select_related("by")]
    events += [{"at": c.at, "kind": "mh", "call": c} for c in MHCall.objects.filter(codigo_generacion__in=codes)]
    return sorted(events, key=lambda e: e["at"])


def _returned_goods(doc):
    """A credit note's lines marked as goods coming back, and where each stands: back in stock
    (sealed), waiting for MH's seal, or never back (rejected), or out again (its invalidation)."""
    if doc.tipo_dte != ar.NC:
        return []
    lines = list(doc.lines.select_related("product").filter(returns_goods=True, product__tracks_stock=True)
                 .order_by("position"))
    moved = stock_moved_by(reference=doc.codigo_generacion, product_ids={x.product_id for x in lines},
                           establishment=doc.establishment_id)
    waiting = doc.status in (GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT, GovStatus.CONTINGENCY)
    out = []
    for x in lines:
        net = moved.get(x.product_id)
        if net and net > 0:
            state = "back"
        elif net is not None:
            state = "out_again"
        else:
            state = "waiting" if waiting else "never"
        out.append({"line": x, "state": state})
    return out


def _detail_context(request, doc):
    body = jsonio.loads(doc.payload)
    deliveries = list(doc.deliveries.all()[:20])
    return {"doc": doc, **preview_context(body), "timeline": _timeline(doc), "actions": document_actions(request.user, doc),
            "explained": explain_all(doc.mh_observations),
            "contingency_link": request.user.can(Module.CONTINGENCIA, Action.VIEW),
            "can_send": request.user.can(Module.DOCUMENTOS, Action.SEND),
            "printable": doc.status in PRINTABLE_STATES,
            "deliveries": deliveries, "delivery_plan": delivery_plan(doc, deliveries),
            "failed_deliveries": [d for d in deliveries if d.state == "failed"],
            "returned_goods": _returned_goods(doc),
            "live": doc.status in (
                GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT, GovStatus.INVALIDATION_PENDING,
                GovStatus.CONTINGENCY)}


@module_required(Module.DOCUMENTOS, Action.VIEW)
def document_detail(request, pk):
    doc = get_object_or_404(selectors.documents_for_user(user=request.user).select_related("outbox"), pk=pk)
    if doc.is_draft or doc.status == GovStatus.CORRECTING and not doc.payload:
        if is_reviewing(request.user, doc):
            return _draft_review(request, doc)
        return redirect("dte:edit", pk=doc.pk)
    context = _detail_context(request, doc)
    for more in hooks.document_context:  # apps above dte (the contingency event and lot)
        context.update(more(doc))
    if request.htmx and request.htmx.target == "doc-status":
        # The poll says which status it last showed: a change is read out by the page's live region.
        seen = request.GET.get("visto")
        return render(request, "dte/partials/detail_status.html",
                      {**context, "oob_deliveries": True, "status_changed": bool(seen) and seen != doc.status})
    return render(request, "dte/detail.html", context)


def _draft_review(request, doc):
    try:
        body, totals, problems = document_preview(doc)
    except ar.ArithmeticError_:
        body, totals, problems = {}, None, []
    return render(request, "dte/review.html", {
        **preview_context(body), "doc": doc, "totals": totals, "problems": problems,
        "total": total_of(doc, totals) if totals is not None else None,
        "cases": list(doc.special_cases.select_related("confirmed_by", "decided_by"))})


@module_required(Module.DOCUMENTOS, Action.VIEW)
@require_POST
def document_action(request, pk):
    """The document page's buttons: retransmit, correct, internal status."""
    doc = get_object_or_404(selectors.documents_for_user(user=request.user).select_related("outbox", "company"), pk=pk)
    allowed = document_actions(request.user, doc)
    action = request.POST.get("action", "")
    try:
        if action == "retransmit" and allowed["retransmit"]:
            document_retransmit(documents=[doc], acting_user=request.user)
            messages.success(request, _("Documento en cola para transmitir."))
        elif action == "correct" and allowed["correct"]:
            document_correct(document=doc, acting_user=request.user)
            return redirect("dte:edit", pk=doc.pk)
        elif action == "internal" and allowed["internal"]:
            internal_status_set(documents=[doc], status=request.POST.get("status", ""), acting_user=request.user,
                                         reason=clean_text(request.POST.get("reason", "")))
            messages.success(request, _("Estado interno actualizado."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("dte:detail", pk=doc.pk)


@module_required(Module.DOCUMENTOS, Action.INVALIDATE)
def document_invalidate(request, pk):
    doc = get_object_or_404(selectors.documents_for_user(user=request.user).select_related("company"), pk=pk)
    replacements = (selectors.documents_for_user(user=request.user)
                    .filter(tipo_dte=doc.tipo_dte, status=GovStatus.SEALED).exclude(pk=doc.pk).order_by("-issued_at")[:50])
    errors, values = [], {}
    stock_lines, stock_sign = returnable_lines(doc)
    # By default every line came back (a rescinded sale returns what was sold); the person
    # unticks or lowers what did not.
    returned = [{"line": x.pk, "quantity": x.quantity} for x in stock_lines]
    if request.method == "POST":
        returned, return_errors = parse_returned(request.POST, stock_lines)
        errors += return_errors
        p = clean_data(request.POST)  # names and reason are signed and sent to MH: no invisible characters
        values = {k: p.get(k, "").strip() for k in (
            "tipo", "reason", "replacement", "resp_name", "resp_type", "resp_number", "req_name", "req_type",
            "req_number", "rec_type", "rec_number", "rec_name", "rec_email")}
        try:
            tipo = InvalidationType(int(values["tipo"] or 0))
        except ValueError:
            tipo = None
            errors.append(_("Elija el tipo de invalidación."))
        replacement = next((r for r in replacements if str(r.pk) == values["replacement"]), None)
        for key, label in (("resp_name", _("nombre del responsable")), ("resp_number", _("documento del responsable")),
                           ("req_name", _("nombre de quien solicita")), ("req_number", _("documento de quien solicita"))):
            if len(values[key]) < 3:
                errors.append(_("Falta %(f)s.") % {"f": label})
        if not errors:
            try:
                invalidation.invalidation_request(
                    document=doc, acting_user=request.user, tipo=tipo, reason=values["reason"], replacement=replacement,
                    responsible={"name": values["resp_name"], "id_type": values["resp_type"] or "13",
                                 "id_number": values["resp_number"]},
                    requester={"name": values["req_name"], "id_type": values["req_type"] or "13",
                               "id_number": values["req_number"]},
                    receptor={"tipoDocumento": values["rec_type"], "numDocumento": values["rec_number"],
                              "nombre": values["rec_name"], "correo": values["rec_email"]}, returned=returned)
                messages.success(request, _("Invalidación firmada y enviada a MH."))
                return redirect("dte:detail", pk=doc.pk)
            except ValidationError as exc:
                errors += exc.messages
    blocking = invalidation.problems(doc, tipo=InvalidationType.RESCIND) if doc.status == GovStatus.SEALED else [
        _("Solo se invalida un documento sellado por MH.")]
    return render(request, "dte/invalidate.html", {
        "doc": doc, "errors": errors, "values": values, "types": InvalidationType.choices, "replacements": replacements,
        "deadline": invalidation.deadline(doc) if doc.status == GovStatus.SEALED else None, "blocking": blocking,
        "stock_lines": [(x, next((r["quantity"] for r in returned if r["line"] == x.pk), None)) for x in stock_lines],
        "stock_sign": stock_sign,
        "id_types": [("13", "DUI"), ("36", "NIT"), ("03", _("Pasaporte")), ("02", _("Carnet de residente")),
                     ("37", _("Otro"))]})
