"""Issuing a draft: the confirmation page with the document as it will be signed and its special
cases (confirmed by the rep or sent for approval), the issue button; and the supervisor's
approvals of those cases."""

import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from core.access import module_required
from core.modules import Action
from core.text import clean_text
from dte import arithmetic as ar
from dte import selectors
from dte.models import CaseState, SpecialCase
from dte.services import issuing as issuing_services
from dte.services.cases import case_confirm, case_decide, case_request_approval, cases_refresh
from dte.services.issuing import IssueError, document_preview
from dte.views.common import draft_for, preview_context


def _cases_context(request, doc, problems=None):
    """The special cases and what must be corrected, together: the issue button is enabled only when
    nothing is left to correct and every case is confirmed or approved (a Factura above the
    identification threshold without its buyer is not "ready" because it has no special case)."""
    if problems is None:
        try:
            problems = document_preview(doc)[2]
        except ar.ArithmeticError_ as exc:
            problems = [str(exc)]
    cases = list(doc.special_cases.select_related("confirmed_by", "decided_by"))
    settled = not problems and all(c.state in (CaseState.CONFIRMED, CaseState.APPROVED) for c in cases)
    seen = "|".join([*(f"{c.pk}:{c.state}:{c.fingerprint}" for c in cases), *map(str, problems)])
    return {"doc": doc, "cases": cases, "settled": settled, "problems": problems,
            "version": hashlib.sha256(seen.encode()).hexdigest()[:16]}


@module_required(Module.DOCUMENTOS, Action.CREATE)
def document_confirm(request, pk):
    doc = draft_for(request.user, pk)
    try:
        body, totals, problems = document_preview(doc)
    except ar.ArithmeticError_ as exc:
        messages.error(request, str(exc))
        return redirect("dte:edit", pk=doc.pk)
    cases_refresh(document=doc, acting_user=request.user)
    context = {**preview_context(body), "totals": totals, **_cases_context(request, doc, problems)}
    return render(request, "dte/confirm.html", context)


@module_required(Module.DOCUMENTOS, Action.CREATE)
def document_cases(request, pk):
    """The special cases block, polled while approvals are pending (the rep sees them arrive)."""
    doc = draft_for(request.user, pk)
    if request.method == "POST":
        case = get_object_or_404(SpecialCase, document=doc, pk=request.POST.get("case"))
        try:
            if request.POST.get("do") == "request":
                case_request_approval(case=case, acting_user=request.user)
            else:
                case_confirm(case=case, acting_user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])) or _("No permitido."))
    context = _cases_context(request, doc)
    if request.method == "GET" and request.GET.get("v") == context["version"]:
        # The poll while an approval is awaited: nothing changed, nothing swapped (and nothing read
        # out again by the live region around the panel).
        return HttpResponse(status=204)
    return render(request, "dte/partials/cases.html", context)


@module_required(Module.DOCUMENTOS, Action.CREATE)
@require_POST
def document_issue(request, pk):
    doc = draft_for(request.user, pk)
    try:
        doc = issuing_services.document_issue(document=doc, acting_user=request.user)
    except IssueError as exc:
        for problem in exc.problems:
            messages.error(request, problem)
        return redirect("dte:confirm", pk=pk)
    except PermissionDenied:
        raise
    messages.success(request, _("Documento %(n)s emitido; se está transmitiendo a MH.") % {"n": doc.numero_control})
    return redirect("dte:detail", pk=doc.pk)


# ------------------------------------------------------------------------------------ approvals


def _approvals_context(request):
    pending = selectors.approvals_pending(user=request.user)
    recent = (SpecialCase.objects.filter(decided_by=request.user).select_related("document")
              .order_by("-decided_at")[:10])
    return {"pending": pending, "recent": recent}


@module_required(Module.DOCUMENTOS, Action.APPROVE)
def approvals(request):
    template = "dte/partials/approval_rows.html" if request.htmx else "dte/approvals.html"
    return render(request, template, _approvals_context(request))


@module_required(Module.DOCUMENTOS, Action.APPROVE)
@require_POST
def approval_decide(request, case_pk):
    case = get_object_or_404(SpecialCase.objects.filter(selectors.document_scope(user=request.user, prefix="document__")),
                             pk=case_pk)
    try:
        case_decide(case=case, acting_user=request.user, approve=request.POST.get("do") == "approve",
                             reason=clean_text(request.POST.get("reason", "")))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    context = _approvals_context(request)
    if request.htmx:
        return render(request, "dte/partials/approval_rows.html", context)
    return redirect(reverse("dte:approvals"))
