"""Reading documents: who may see which, and the figures other parts ask about."""


from django.db.models import Q
from django.shortcuts import get_object_or_404

from dte.models import Document, GovStatus

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
    """(balance owed, overdue documents) for a client: its credit sales less the payments applied
    and received and the credit notes issued (payments app)."""
    from payments.selectors import client_position

    return client_position(client_id, exclude=exclude, today=today)


def sealed_for_correction(*, client_id, tipo):
    """The sealed CCFs (or CRs) of a client an NC/ND may correct."""
    return Document.objects.filter(client_id=client_id, tipo_dte=tipo, status=GovStatus.SEALED).order_by("-issue_date")


def documents_in_periods(period_ids):
    return Document.objects.filter(contingency_period_id__in=period_ids)


def recent_mh_outcomes(base_url, count):
    """[(outcome, at)] of the last ``count`` calls to MH at this address, newest first."""
    from dte.models import MHCall

    return list(MHCall.objects.filter(base_url=base_url).order_by("-id").values_list("outcome", "at")[:count])
