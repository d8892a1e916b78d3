"""The documents list: filters, the search box answered from indexes, status counts, keyset pages
newest first; and the bulk actions on the documents ticked in it."""

import datetime
import hashlib
import re
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.modules import Module
from accounts.selectors import establishments_for_user, points_of_sale_for_user
from clients.models import Client
from clients.rules import search_condition
from core.access import module_required
from core.modules import Action
from core.text import clean_text
from dte import selectors
from dte.models import Delivery, DeliveryState, DocType, Document, GovStatus, InternalStatus
from dte.services.corrections import document_retransmit
from dte.services.internal import internal_status_set
from inventory.models import Provider


def _filtered(request):
    """The list's filters, applied to what the user may see. Returns (queryset, filters)."""
    qs = selectors.documents_for_user(user=request.user).exclude(status=GovStatus.DRAFT)
    if not request.user.company_wide:
        qs = qs.filter(created_by=request.user)  # a sales rep: my documents
    g = request.GET
    f = {k: g.get(k, "").strip() for k in ("tipo", "estado", "interno", "q", "desde", "hasta", "establecimiento",
                                           "punto", "vendedor", "min", "max")}
    if f["tipo"]:
        qs = qs.filter(tipo_dte=f["tipo"])
    if f["interno"]:
        qs = qs.filter(internal_status=f["interno"])
    branches = _search_branches(f["q"]) if f["q"] else None
    for key, lookup in (("desde", "issue_date__gte"), ("hasta", "issue_date__lte")):
        try:
            if f[key]:
                qs = qs.filter(**{lookup: datetime.date.fromisoformat(f[key])})
        except ValueError:
            f[key] = ""
    for key, lookup in (("establecimiento", "establishment_id"), ("punto", "point_of_sale_id"),
                        ("vendedor", "created_by_id")):
        if f[key].isdigit():
            qs = qs.filter(**{lookup: int(f[key])})
    for key, lookup in (("min", "total_to_pay__gte"), ("max", "total_to_pay__lte")):
        try:
            if f[key]:
                qs = qs.filter(**{lookup: Decimal(f[key])})
        except ArithmeticError:
            f[key] = ""
    counts = _status_counts(request, qs, f, branches)
    if f["estado"]:
        qs = qs.filter(status=f["estado"])
    if branches is not None:
        qs = _matching(qs, branches, counts.get(f["estado"], 0) if f["estado"] else sum(counts.values()))
    return qs, f, counts


SEARCH_PARTIES = 2000  # clients or providers a search term may name before it is read as a subquery


def _any(conditions):
    condition = Q(pk__in=[])
    for c in conditions:
        condition |= c
    return condition


SEARCH_IDS_UP_TO = 5000  # documents a search may match for its page to be taken by their ids


def _matching(qs, branches, expected):
    """The documents of ``qs`` that meet any of the search's ``branches``, ``expected`` of them
    (the status counts). The newest-first page of an OR over the search conditions is planned as
    a walk back through the dates that stops after a page of matches, which is right when matches
    are many; when they are few (a name that never bought a CCF) the walk reads every document of
    the year to find them (1.5–2 s at a million). So a search expected to match few documents
    takes their ids first, each condition from its own index without an order (the client's from
    document_by_client alone), and the page is then read by those ids."""
    if expected > SEARCH_IDS_UP_TO:
        return qs.filter(_any(branches))
    ids = set()
    for branch in branches:
        ids.update(qs.filter(branch).order_by().values_list("pk", flat=True))
    return qs.filter(pk__in=sorted(ids))


def _search_branches(text):
    """The list's search box, answered from indexes: a número de control by its start
    ("DTE-03-M001…"), a código de generación by its start, a correlative by its number, and the
    client or provider by any part of its name or document number (their trigram-indexed
    search_text). Returned as the list of conditions a document may meet (any of them), the
    client's first, so the status counts can take each from its own index (_status_counts)."""
    upper = text.strip().upper()
    if upper.startswith("DTE-"):
        return [Q(numero_control__startswith=upper)]
    branches = []
    parties = search_condition(text) if len(text.strip()) >= 3 else None  # shorter: a correlative, not a name
    if parties is not None:
        # the ids first: a short list lets the database combine the indexes (a subquery here
        # made it read every document)
        for field, model in (("client", Client), ("provider", Provider)):
            ids = list(model.objects.filter(parties).values_list("pk", flat=True)[:SEARCH_PARTIES + 1])
            if ids:
                branches.append(Q(**{f"{field}__in": ids if len(ids) <= SEARCH_PARTIES
                                     else model.objects.filter(parties).values("pk")}))
    if upper.isdigit() and len(upper) <= 15:
        branches.append(Q(correlative=int(upper)))
    if len(upper) >= 6 and re.fullmatch(r"[0-9A-F-]+", upper):
        branches.append(Q(codigo_generacion__startswith=upper))
    return branches


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
        "can_edit": user.can(Module.DOCUMENTOS, Action.EDIT),
        "drafts": Document.objects.filter(created_by=user, status=GovStatus.DRAFT).count(),
        "failed_emails": _failed_emails(user) if user.can(Module.DOCUMENTOS, Action.SEND) else 0,
    }
    if request.htmx and request.htmx.target == "document-rows":
        return render(request, "dte/partials/document_rows.html", context)
    return render(request, "dte/list.html", context)


LIST_PAGE = 50


def _status_counts(request, qs, filters, branches=None):
    """Documents per status under the filters (and, when the search box is used, meeting any of
    ``branches``). The open list refreshes itself every few seconds (htmx): those refreshes reuse
    the counts for a few seconds instead of counting again."""

    def per_status(q):
        return q.values_list("status").annotate(n=Count("*")).values_list("status", "n")

    def count():
        if branches is None:
            return dict(per_status(qs))
        # A search counted as one OR of its conditions makes PostgreSQL combine their indexes into
        # a bitmap and read every matching row from the table (a client name found in 20,000
        # documents: 20,000 scattered pages, 170–300 ms at a million documents). Counted one
        # condition at a time, each less the documents an earlier one already counted, the client
        # condition is answered by the document_by_client index alone (index-only scan) and the
        # others match few documents. The sum is exact: every document is counted once.
        counts = {}
        for i, branch in enumerate(branches):
            part = qs.filter(branch)
            if i:
                part = part.exclude(_any(branches[:i]))
            for status, n in per_status(part):
                counts[status] = counts.get(status, 0) + n
        return counts

    if not request.htmx:
        return count()
    shape = repr(sorted((k, v) for k, v in filters.items() if k != "estado")).encode()
    key = f"doclist-counts:{request.user.pk}:{hashlib.sha256(shape).hexdigest()[:24]}"
    return cache.get_or_set(key, count, LIST_COUNTS_SECONDS)


LIST_COUNTS_SECONDS = 15


def _keyset_page(qs, cursor):
    """One page of the list, newest first, after ``cursor`` ("<issue date>~<id>" of the last row
    shown): the database seeks with the (issue_date, id) indexes instead of counting and skipping
    rows, so a page deep in a year costs what the first one does."""
    qs = qs.order_by("-issue_date", "-id")
    if cursor:
        try:
            day, pk = cursor.split("~", 1)
            day, pk = datetime.date.fromisoformat(day), int(pk)
        except ValueError:
            pass
        else:
            # issue_date <= day bounds the index scan; the OR then drops the rows already shown
            qs = qs.filter(Q(issue_date__lt=day) | Q(issue_date=day, pk__lt=pk), issue_date__lte=day)
    rows = list(qs[:LIST_PAGE + 1])
    following = None
    if len(rows) > LIST_PAGE:
        rows = rows[:LIST_PAGE]
        following = f"{rows[-1].issue_date.isoformat()}~{rows[-1].pk}"
    return rows, following


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
