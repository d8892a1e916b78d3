"""Reading documents: who may see which, and the figures other parts ask about."""


from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404

from accounts.modules import Module
from accounts.selectors import establishments_for_user, points_of_sale_for_user
from core.modules import Action
from dte import arithmetic as ar
from dte.models import CaseState, Document, DocumentLine, GovStatus, MHCall, SpecialCase
from dte.services.totals import document_totals, total_of

# Documents that count as issued: everything but drafts, rejected ones and invalidated ones.
LIVE = ~Q(status__in=[GovStatus.DRAFT, GovStatus.REJECTED, GovStatus.INVALIDATED])


def documents_for_user(*, user):
    """Company-wide roles see every document; any other role those of the places assigned to the
    user, and his own (README, roles; docs/access.md). The most specific assignment wins: a user
    bound to points of sale sees those tills only, never the establishment's other tills; a user
    assigned an establishment without any of its points of sale (a branch accountant) sees the
    whole establishment. Every page, download and action on a document, and every report, reads
    through this rule."""
    qs = Document.objects.select_related("establishment", "point_of_sale", "client", "provider", "created_by")
    return qs.filter(document_scope(user=user))


# Not the company: a seventh table in the join costs PostgreSQL more planning (about 2 ms, measured)
# than reading the company's row on its own (0.5 ms).
EDITOR_RELATED = ("establishment", "point_of_sale", "client", "provider", "created_by")


def own_documents(*, user):
    """The documents ``user`` created: always inside documents_for_user ("and his own"), read
    without the scope's subqueries over assigned places (about 10 ms of query building and
    planning on each of the editor's requests, measured by bench/web_load.py's profile)."""
    qs = Document.objects.select_related(*EDITOR_RELATED)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    return qs.filter(created_by=user)


def draft_reread(*, document):
    """The draft the editor has just saved (access already checked), read again in one query with
    what the editor shows, instead of refresh_from_db() and one query per relation."""
    return Document.objects.select_related(*EDITOR_RELATED).get(pk=document.pk)


def document_scope(*, user, prefix=""):
    """The condition of documents_for_user, for a query on documents or (``prefix="document__"``)
    on rows that point at one: approvals, emails. A company-wide role gets no condition, rather
    than a subquery over every document."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.company_wide:
        return Q()
    tills = points_of_sale_for_user(user=user)
    whole = establishments_for_user(user=user).exclude(pk__in=tills.values("establishment_id"))
    return (Q(**{f"{prefix}point_of_sale__in": tills.values("pk")})
            | Q(**{f"{prefix}establishment__in": whole.values("pk")})
            | Q(**{f"{prefix}created_by": user}))


def document_get_for_user(*, user, pk):
    return get_object_or_404(documents_for_user(user=user), pk=pk)


def sealed_for_correction(*, client_id, tipo, user=None):
    """The sealed CCFs (or CRs) of a client an NC/ND may correct; with ``user``, only those he may see."""
    qs = documents_for_user(user=user) if user is not None else Document.objects.all()
    return qs.filter(client_id=client_id, tipo_dte=tipo, status=GovStatus.SEALED).order_by("-issue_date")


def documents_in_periods(period_ids):
    return Document.objects.filter(contingency_period_id__in=period_ids)


def recent_mh_outcomes(base_url, count):
    """[(outcome, at)] of the last ``count`` calls to MH at this address, newest first."""
    return list(MHCall.objects.filter(base_url=base_url).order_by("-id").values_list("outcome", "at")[:count])


def _pending_cases(user):
    return SpecialCase.objects.filter(document_scope(user=user, prefix="document__"), state=CaseState.REQUESTED)


def approvals_pending_count(*, user):
    """How many special cases wait for a decision among the documents ``user`` may see."""
    return _pending_cases(user).count()


def home_panel(user):
    """What the home page shows of documents (accounts.modules.register_home_panel, registered in
    DteConfig.ready): for an approver, his first question, who is waiting for him."""
    if not user.can(Module.DOCUMENTOS, Action.APPROVE):
        return {}
    return {"approvals_pending": approvals_pending_count(user=user)}


def document_total(document):
    """What the document is worth (dte.services.totals.total_of): an issued one's stored total, a draft's
    computed from its lines as it would be issued; None when its figures cannot be computed yet."""
    if not document.is_editable:
        return document.total_to_pay
    try:
        return total_of(document, document_totals(document))
    except ar.ArithmeticError_:
        return None


def approvals_pending(*, user):
    """The special cases waiting for a decision that ``user`` may see, oldest request first, each
    with ``total``: its document's total (computed once per document)."""
    cases = list(_pending_cases(user)
                 .select_related("document__client", "document__created_by", "document__company", "confirmed_by")
                 .prefetch_related(Prefetch("document__lines", queryset=DocumentLine.objects.select_related("product")))
                 .order_by("confirmed_at"))
    totals = {}
    for case in cases:
        if case.document_id not in totals:
            totals[case.document_id] = document_total(case.document)
        case.total = totals[case.document_id]
    return cases
