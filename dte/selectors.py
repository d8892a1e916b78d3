"""Reading documents: who may see which, and the figures other parts ask about."""

import datetime

from django.db.models import Q, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from dte.models import Condition, Document, GovStatus

# Documents that count as issued: everything but drafts, rejected ones and invalidated ones.
LIVE = ~Q(status__in=[GovStatus.DRAFT, GovStatus.REJECTED, GovStatus.INVALIDATED])


def documents_for_user(*, user):
    """Company-wide roles see every document; a sales rep those of his establishments and his own."""
    from accounts.selectors import establishments_for_user

    qs = Document.objects.select_related("establishment", "point_of_sale", "client", "provider", "created_by")
    if not user.is_authenticated:
        return qs.none()
    if user.company_wide:
        return qs
    return qs.filter(Q(establishment__in=establishments_for_user(user=user)) | Q(created_by=user))


def document_get_for_user(*, user, pk):
    return get_object_or_404(documents_for_user(user=user), pk=pk)


def client_receivables(client_id, *, exclude=None, today=None):
    """(amount owed, overdue documents) for a client, from its credit documents. Until the
    payments module records payments, every credit document counts as unpaid; credit notes
    reduce what is owed."""
    today = today or timezone.localdate()
    qs = Document.objects.filter(LIVE, client_id=client_id).exclude(pk=exclude)
    sales = Q(condition=Condition.CREDITO, tipo_dte__in=["01", "03", "06", "11"])
    credit_notes = Q(tipo_dte="05")
    sums = qs.filter(sales | credit_notes).aggregate(owed=Sum("total_to_pay", filter=sales),
                                                      credits=Sum("total_to_pay", filter=credit_notes))
    owed = (sums["owed"] or 0) - (sums["credits"] or 0)
    if not sums["owed"]:
        return owed, 0
    # Date arithmetic differs per database: compare in Python over the client's credit documents.
    overdue = sum(1 for issued, term in qs.filter(sales, issue_date__lt=today).values_list("issue_date", "payment_term_days")
                  if issued + datetime.timedelta(days=term) < today)
    return owed, overdue


def sealed_for_correction(*, client_id, tipo):
    """The sealed CCFs (or CRs) of a client an NC/ND may correct."""
    return Document.objects.filter(client_id=client_id, tipo_dte=tipo, status=GovStatus.SEALED).order_by("-issue_date")


def documents_in_periods(period_ids):
    return Document.objects.filter(contingency_period_id__in=period_ids)


def recent_mh_outcomes(base_url, count):
    """[(outcome, at)] of the last ``count`` calls to MH at this address, newest first."""
    from dte.models import MHCall

    return list(MHCall.objects.filter(base_url=base_url).order_by("-id").values_list("outcome", "at")[:count])
