"""The documents' side of an offline scope (facts §5). The transmission pipeline and
dte.transmission.scopes decide when a document is held or re-signed; contingency's catch-up decides
when it is re-signed or settled by MH's answer. These functions are the only way either changes
documents (DESIGN.md: an app changes another's rows through the owner's services), and status
moves go through dte.transitions. Which event lists a document and which lot carries it are
contingency's own rows (contingency.Listing)."""

import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dte import generations, hooks, jsonio
from dte.models import Document, GovStatus, OfflineScope, Outbox, OutboxState
from dte.schemas import registry
from dte.schemas.validation import payload_errors
from dte.signing.backends import SigningError, get_signer
from dte.transitions import TransitionRefused, transition
from dte.transmission import mh
from dte.transmission.mh import already_there, ask  # noqa: F401 - contingency asks MH through these
from dte.transmission.outbox import move as outbox_move
from dte.transmission.outbox import queue_after_commit

log = logging.getLogger(__name__)

# Held documents that still need MH: issued offline, or caught waiting when the outage began.
WAITING = [GovStatus.PENDING, GovStatus.IN_DOUBT, GovStatus.TRANSMITTING, GovStatus.CONTINGENCY]


class ConversionError(Exception):
    pass


def scope_filter(period, prefix=""):
    q = Q(**{f"{prefix}company_id": period.company_id})
    if period.point_of_sale_id:
        q &= Q(**{f"{prefix}point_of_sale_id": period.point_of_sale_id})
    elif period.establishment_id:
        q &= Q(**{f"{prefix}establishment_id": period.establishment_id})
    return q


def scope_note(period, message):
    """The last problem met with the scope's documents (shown on its contingency page)."""
    OfflineScope.objects.filter(pk=period.pk).update(last_error=str(message)[:500])
    period.last_error = str(message)[:500]


def hold_in_scope(period):
    """Documents waiting to be sent one by one inside the period's scope stop being sent that way
    and join the period (rows a worker holds right now join when that worker lets them go).
    Returns how many."""
    with transaction.atomic():
        rows = list(Outbox.objects.select_for_update(skip_locked=True)
                    .filter(scope_filter(period, "document__"), state=OutboxState.PENDING,
                            document__status__in=[GovStatus.PENDING, GovStatus.IN_DOUBT])
                    .values_list("pk", "document_id"))
        if not rows:
            return 0
        outbox_move(Outbox.objects.filter(pk__in=[r[0] for r in rows], state=OutboxState.PENDING), OutboxState.HELD)
        Document.objects.filter(pk__in=[r[1] for r in rows], contingency_period__isnull=True).update(
            contingency_period=period)
    return len(rows)


def hold(doc, outbox, period):
    """The pipeline found this row inside an active period: it waits for the period's lots."""
    outbox_move(Outbox.objects.filter(pk=outbox.pk), OutboxState.HELD, last_error="")
    Document.objects.filter(pk=doc.pk).update(contingency_period=period)


def held_documents(period):
    """The period's documents MH has not settled yet."""
    return Document.objects.filter(contingency_period=period, status__in=WAITING)


def to_contingency(doc, period, *, note=""):
    """Re-sign a document MH never received as a contingency document: tipoModelo 2,
    tipoOperacion 2, the period's tipoContingencia and motivo (facts §2.1, §5). Its number and
    codigoGeneracion stay (MH never saw them). ``note``: what the document page says meanwhile."""
    body = jsonio.loads(doc.payload)
    ident = body["identificacion"]
    ident.update(tipoModelo=2, tipoOperacion=2, tipoContingencia=period.tipo)
    ident["motivoContigencia" if "motivoContigencia" in ident else "motivoContin"] = period.motivo or None
    payload = jsonio.dumps(body)
    errors = payload_errors(payload, generation=generations.of_document(doc))
    if errors:
        raise ConversionError("; ".join(errors[:5]))
    try:
        signed = get_signer().sign_bytes(payload.encode("utf-8"), company=doc.company)
    except SigningError as exc:
        raise ConversionError(str(exc)) from exc
    with transaction.atomic():
        transition(doc, GovStatus.CONTINGENCY, payload=payload, jws=signed, contingency_period=period, last_error=note[:300],
                   reason=_("MH no lo recibió: se transmitirá por contingencia"))
    return doc


def reissue_pending(period):
    """Right when the period opens: the held documents MH never took (pending: their sends were
    refused or answered 5xx, or MH said it does not have them) become contingency documents now,
    not when the outage ends, so the customer is handed the contingency copy (facts §5: emitted
    offline and delivered unsealed). Documents in doubt wait: only MH can say whether it has
    them (contingency's catch-up asks). Returns how many were re-signed."""
    done = 0
    docs = (Document.objects.filter(contingency_period=period, outbox__state=OutboxState.HELD, status=GovStatus.PENDING)
            .select_related("company").order_by("pk"))
    for doc in docs:
        if doc.tipo_dte not in registry.contingency_types(generations.of_document(doc)):
            continue  # not taken in contingency in its generation: the catch-up sends it the normal way
        try:
            to_contingency(doc, period, note=_("MH no responde; el documento se emitió en contingencia; entregue al "
                                               "cliente la copia impresa de contingencia"))
        except ConversionError as exc:
            scope_note(period, _("No se pudo pasar %(d)s a contingencia: %(e)s") % {"d": doc, "e": exc})
            continue
        except Exception:  # noqa: BLE001 - e.g. it changed meanwhile: the catch-up takes it from there
            log.warning("contingencia %s: %s no se pasó a contingencia al abrir", period.pk, doc.pk, exc_info=True)
            continue
        done += 1
    if done and OfflineScope.objects.filter(pk=period.pk, ended_at__isnull=False).exists():
        for wanted in hooks.catch_up_wanted:  # MH came back meanwhile: list them without waiting for the tick
            wanted(period.pk)
    return done


def release_to_pipeline(doc, reason):
    """A held document of a type MH does not take in contingency: back to one-by-one sending."""
    with transaction.atomic():
        Document.objects.filter(pk=doc.pk).update(contingency_period=None, last_error=reason[:300])
        outbox_move(Outbox.objects.filter(document=doc, state=OutboxState.HELD), OutboxState.PENDING,
                    available_at=timezone.now(), last_error=reason[:300])
        outbox_id = Outbox.objects.filter(document=doc).values_list("pk", flat=True).first()
        if outbox_id:
            queue_after_commit(outbox_id)


def after_seal(doc):
    """What a seal sets off in the same commit: the seal observers (dte.hooks; a credit note's
    returned goods come back, dte.returns)."""
    hooks.sealed(doc)


def settle(doc, answer, *, reason=""):
    """MH's verdict on a held document (from a lot's results or a query): sealed or rejected
    (the rejection flow of the Transmission issue takes it from there). Returns True if settled."""
    if not ((answer.accepted and answer.sello) or answer.rejected) or already_there(answer):
        return False
    fields = {"mh_code": (answer.codigo_msg or "")[:10], "mh_message": (answer.descripcion_msg or "")[:300],
              "mh_observations": answer.observaciones, "last_error": ""}
    with transaction.atomic():
        try:
            if answer.accepted:
                transition(doc, GovStatus.SEALED, reason=reason or _("Sellado por MH"), sello_recibido=answer.sello,
                           processed_at=mh.parse_mh_time(answer.fh_procesamiento) or timezone.now(), **fields)
                after_seal(doc)
            else:
                transition(doc, GovStatus.REJECTED, rejected_at=timezone.now(), **fields,
                           reason=_("Rechazado por MH: %(c)s %(m)s") % {"c": answer.codigo_msg or "",
                                                                        "m": answer.descripcion_msg or ""})
        except TransitionRefused:
            return False
        outbox_move(Outbox.objects.filter(document=doc), OutboxState.DONE, last_error="")
    return True
