"""Asking MH about received documents after they arrive: a supplier may invalidate a DTE it sent
(a CCF until the day after its seal, a Factura within 3 months, facts §6), and the buyer learns it
only by asking. MH's answer through consultadte (estado PROCESADO / INVALIDADO / RECHAZADO, or
"no encontrado") goes through purchases.services.record_mh_status, the same path as the
accountant's own reading of the public page: an invalidation takes the document out of the book
and, when it was registered, names the period to correct.

Facts-2 §4: MH documents consultadte for the issuer of a document; nothing says a receptor may ask
about another issuer's one (one implementation does, unverified). So this runs only with
PURCHASES_RECEPTOR_QUERY on (govsim answers a receptor); otherwise the document page keeps the link
to the public page, which asks a person to solve a captcha, and the accountant records what it shows."""

import time

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.selectors import company_get
from dte.mh.client import client_for_company
from dte.mh.errors import MHAuthError, MHInDoubtError, MHPermanentError, MHTransientError
from purchases import services
from purchases.models import MHStatus, ReceivedDocument, ReceivedState

WATCHED = (ReceivedState.VERIFIED, ReceivedState.REGISTERED, ReceivedState.QUESTIONED, ReceivedState.RECEIVED)


def status_of(answer):
    """MHStatus of a consultadte answer (dte.mh.client.MHAnswer)."""
    estado = (answer.estado or "").upper()
    if estado in ("PROCESADO", "RECIBIDO"):
        return MHStatus.VALID
    if estado == "INVALIDADO":
        return MHStatus.INVALIDATED
    if estado == "RECHAZADO":
        return MHStatus.REJECTED
    return MHStatus.NOT_FOUND


def due(*, now=None):
    """Documents to ask about now: still in the window after arrival, not asked recently."""
    now = now or timezone.now()
    since = now - timezone.timedelta(days=settings.PURCHASES_RECHECK_DAYS)
    asked_before = now - timezone.timedelta(hours=settings.PURCHASES_RECHECK_HOURS)
    return (ReceivedDocument.objects.filter(state__in=WATCHED, received_at__gte=since)
            .filter(Q(mh_checked_at__isnull=True) | Q(mh_checked_at__lt=asked_before))
            .order_by("mh_checked_at", "id"))


def recheck(*, limit=None, sleep=time.sleep):
    """Ask MH about the due documents, ``limit`` at most (PURCHASES_RECHECK_BATCH), spaced by
    PURCHASES_RECHECK_SPACING_SECONDS. Returns {"asked", "invalidated", "errors", "messages"}."""
    out = {"asked": 0, "invalidated": 0, "errors": 0, "messages": []}
    company = company_get()
    if not settings.PURCHASES_RECEPTOR_QUERY or company is None or not company.mh_api_user:
        return out
    client = client_for_company(company, shared=True)
    for document in due()[: limit or settings.PURCHASES_RECHECK_BATCH]:
        if out["asked"]:
            sleep(settings.PURCHASES_RECHECK_SPACING_SECONDS)
        try:
            answer = client.query_dte(nit_emisor=document.supplier_nit, tipo_dte=document.tipo_dte,
                                      codigo_generacion=document.codigo_generacion)
        except MHAuthError:
            out["errors"] += 1
            break  # every other call would fail the same way
        except (MHTransientError, MHInDoubtError, MHPermanentError):
            out["errors"] += 1
            continue  # asked again on a later run (mh_checked_at unchanged)
        out["asked"] += 1
        status = status_of(answer)
        before = document.state
        message = services.record_mh_status(document=document, status=status, acting_user=None)
        if document.state == ReceivedState.INVALIDATED and before != ReceivedState.INVALIDATED:
            out["invalidated"] += 1
            out["messages"].append(message)
            services.invalidation_alert(document=document, message=message)
    return out
