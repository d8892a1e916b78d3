"""The documents list as a query: its filters, the search box answered from indexes, the counts
per status and keyset pages newest first. The list page (dte.views.listing) and the API
(/api/v1/documentos/) read documents through these, so both filter and page alike."""

import datetime
import re
from decimal import Decimal

from django.db.models import Count, Q

from clients.models import Client
from clients.rules import search_condition
from core.fiscal import GovStatus
from dte import selectors
from inventory.models import Provider

# The query-string names of the filters: type, status, internal status, search, dates,
# establishment, point of sale, rep and amounts.
FILTERS = ("tipo", "estado", "interno", "q", "desde", "hasta", "establecimiento", "punto", "vendedor", "min", "max")
LIST_PAGE = 50


def documents_filtered(*, user, params, count=None):
    """The list's filters (``params``: the query string, FILTERS), applied to what ``user`` may see.
    Returns (queryset, filters, counts per status); ``count(qs, filters, branches)`` may answer the
    counts instead of status_counts (the page reuses them for a few seconds)."""
    qs = selectors.documents_for_user(user=user).exclude(status=GovStatus.DRAFT)
    if not user.company_wide:
        qs = qs.filter(created_by=user)  # a sales rep: my documents
    g = params
    f = {k: str(g.get(k, "") or "").strip() for k in FILTERS}
    if f["tipo"]:
        qs = qs.filter(tipo_dte=f["tipo"])
    if f["interno"]:
        qs = qs.filter(internal_status=f["interno"])
    branches = search_branches(f["q"]) if f["q"] else None
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
    counts = (count or (lambda q, _f, b: status_counts(q, b)))(qs, f, branches)
    if f["estado"]:
        qs = qs.filter(status=f["estado"])
    if branches is not None:
        qs = matching(qs, branches, counts.get(f["estado"], 0) if f["estado"] else sum(counts.values()))
    return qs, f, counts


SEARCH_PARTIES = 2000  # clients or providers a search term may name before it is read as a subquery


def _any(conditions):
    condition = Q(pk__in=[])
    for c in conditions:
        condition |= c
    return condition


SEARCH_IDS_UP_TO = 5000  # documents a search may match for its page to be taken by their ids


def matching(qs, branches, expected):
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


def search_branches(text):
    """The list's search box, answered from indexes: a número de control by its start
    ("DTE-03-M001…"), a código de generación by its start, a correlative by its number, and the
    client or provider by any part of its name or document number (their trigram-indexed
    search_text). Returned as the list of conditions a document may meet (any of them), the
    client's first, so the status counts can take each from its own index (status_counts)."""
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


def status_counts(qs, branches=None):
    """Documents per status of ``qs`` (and, when the search box is used, meeting any of
    ``branches``)."""

    def per_status(q):
        return q.values_list("status").annotate(n=Count("*")).values_list("status", "n")

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


def keyset_page(qs, cursor, size=None):
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
    size = size or LIST_PAGE
    rows = list(qs[:size + 1])
    following = None
    if len(rows) > size:
        rows = rows[:size]
        following = f"{rows[-1].issue_date.isoformat()}~{rows[-1].pk}"
    return rows, following


