"""Which event lists a document of an outage and which lot transmits it (contingency.Listing):
contingency's own rows beside dte's documents, so dte knows nothing of events or lots."""

from django.db.models import Q

from contingency.models import Listing
from dte.models import GovStatus


def list_in_event(doc_ids, event):
    """The documents are listed in ``event`` (None: no longer listed, the event was replaced)."""
    doc_ids = list(doc_ids)
    if event is None:
        return Listing.objects.filter(document_id__in=doc_ids).update(event=None)
    Listing.objects.bulk_create([Listing(document_id=pk, event=event) for pk in doc_ids], update_conflicts=True,
                                unique_fields=["document"], update_fields=["event"])
    return len(doc_ids)


def listed_in(event):
    """Ids of the documents ``event`` lists."""
    return list(Listing.objects.filter(event=event).values_list("document_id", flat=True))


def put_in_lot(doc_ids, lot):
    return Listing.objects.filter(document_id__in=list(doc_ids), document__status=GovStatus.CONTINGENCY).update(lot=lot)


def release_from_lot(lot, doc_ids=None):
    qs = Listing.objects.filter(lot=lot, document__status=GovStatus.CONTINGENCY)
    if doc_ids is not None:
        qs = qs.filter(document_id__in=list(doc_ids))
    return qs.update(lot=None)


# Document lookups (Document.objects.filter(...)) through the listing.
def unlisted():
    return Q(contingency_listing__event__isnull=True)


def in_event(event, *, without_lot=False):
    q = Q(contingency_listing__event=event)
    return q & Q(contingency_listing__lot__isnull=True) if without_lot else q


def in_lot(lot):
    return Q(contingency_listing__lot=lot)


# dte.hooks: what dte asks or shows about a document's report to MH.
def is_reported(document):
    """A contingency event lists the document (a corrected one keeps its contingency fields)."""
    return Listing.objects.filter(document_id=document.pk, event__isnull=False).exists()


def document_context(document):
    """The event and lot named on the document's page."""
    if not document.contingency_period_id:
        return {}
    listing = Listing.objects.select_related("event", "lot").filter(document_id=document.pk).first()
    if listing is None:
        return {}
    return {"contingency_event": listing.event, "contingency_lot": listing.lot}
