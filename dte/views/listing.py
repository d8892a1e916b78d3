"""The documents list: filters, the search box answered from indexes, status counts, keyset pages
newest first; and the bulk actions on the documents ticked in it."""

import hashlib
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.modules import Module
from accounts.selectors import establishments_for_user, points_of_sale_for_user
from core.access import module_required
from core.modules import Action
from core.text import clean_text
from dte import listing, selectors
from dte.models import Delivery, DeliveryState, DocType, Document, GovStatus, InternalStatus
from dte.services.corrections import document_retransmit
from dte.services.internal import internal_status_set


def _filtered(request):
    """The list's filters, applied to what the user may see (dte.listing). Returns (queryset,
    filters, counts)."""
    return listing.documents_filtered(user=request.user, params=request.GET,
                                      count=lambda qs, f, branches: _status_counts(request, qs, f, branches))


@module_required(Module.DOCUMENTOS, Action.VIEW)
def document_list(request):
    qs, f, counts = _filtered(request)
    rows, following = _keyset_page(qs.select_related("outbox"), request.GET.get("antes", ""))
    user = request.user
    total = sum(counts.values())
    context = {
        "rows": rows, "following": following, "first_page": not request.GET.get("antes"), "f": f,
        "shown_count": counts.get(f["estado"], 0) if f["estado"] else total, "types": DocType.choices, "statuses": [s for s in GovStatus.choices if s[0] != "draft"],
        "internal_statuses": InternalStatus.choices, "counts": [(v, label, counts.get(v, 0)) for v, label in GovStatus.choices
                                                               if v != "draft"],
        "total_count": total,
        "establishments": establishments_for_user(user=user), "points": points_of_sale_for_user(user=user),
        "reps": _reps(user), "query": _query(f), "base_query": _query({k: v for k, v in f.items() if k != "estado"}),
        "can_create": user.can(Module.DOCUMENTOS, Action.CREATE),
        "can_approve": user.can(Module.DOCUMENTOS, Action.APPROVE),
        "can_archive": user.can(Module.REPORTES, Action.EXPORT),
        "can_events": user.can(Module.DOCUMENTOS, Action.INVALIDATE),  # retorno / operaciones especiales (v2.0)
        "can_edit": user.can(Module.DOCUMENTOS, Action.EDIT),
        "drafts": Document.objects.filter(created_by=user, status=GovStatus.DRAFT).count(),
        "failed_emails": _failed_emails(user) if user.can(Module.DOCUMENTOS, Action.SEND) else 0,
    }
    if request.htmx and request.htmx.target == "document-rows":
        return render(request, "dte/partials/document_rows.html", context)
    return render(request, "dte/list.html", context)


def _status_counts(request, qs, filters, branches=None):
    """The counts per status (dte.listing.status_counts). The open list refreshes itself every few
    seconds (htmx): those refreshes reuse the counts for a few seconds instead of counting again."""
    if not request.htmx:
        return listing.status_counts(qs, branches)
    shape = repr(sorted((k, v) for k, v in filters.items() if k != "estado")).encode()
    key = f"doclist-counts:{request.user.pk}:{hashlib.sha256(shape).hexdigest()[:24]}"
    return cache.get_or_set(key, lambda: listing.status_counts(qs, branches), LIST_COUNTS_SECONDS)


LIST_COUNTS_SECONDS = 15


def _keyset_page(qs, cursor):
    return listing.keyset_page(qs, cursor)


def _query(filters):
    return urlencode({k: v for k, v in filters.items() if v})


def _reps(user):
    if not user.company_wide:
        return User.objects.filter(pk=user.pk)
    return User.objects.filter(pk__in=Document.objects.values("created_by")).order_by("username")


@module_required(Module.DOCUMENTOS, Action.EDIT)
@require_POST
def document_bulk(request):
    """Bulk actions on the documents ticked in the list: retransmit, or set the internal status."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    docs = list(selectors.documents_for_user(user=request.user).filter(pk__in=ids).select_related("company"))
    action = request.POST.get("action", "")
    try:
        if action == "retransmit":
            n = document_retransmit(documents=docs, acting_user=request.user)
            messages.success(request, _("%(n)d documento(s) en cola para transmitir.") % {"n": n})
        elif action.startswith("internal:"):
            n = internal_status_set(documents=docs, status=action.split(":", 1)[1], acting_user=request.user,
                                             reason=clean_text(request.POST.get("reason", "")))
            messages.success(request, _("%(n)d documento(s) actualizados.") % {"n": n})
        else:
            messages.error(request, _("Elija una acción."))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect(f"{reverse('dte:list')}?{request.POST.get('query', '')}")


def _failed_emails(user):
    return Delivery.objects.filter(selectors.document_scope(user=user, prefix="document__"),
                                   state=DeliveryState.FAILED).count()
