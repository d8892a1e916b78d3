"""The pipeline: the outbox row created at issue is sent to MH exactly once, whatever fails on
the way (facts §3, "Retry policy").

One run of ``transmit(outbox_id)``:
1. claims the row with a conditional UPDATE (pending and due → claimed): a second run of the
   same task, or a duplicate message, finds nothing to claim and does nothing;
2. if the document may already have reached MH (an earlier run sent it), asks MH by
   codigoGeneracion first and never resends what MH already has;
3. sends; with no answer within MH's 8 s it asks again by codigoGeneracion, and resends at most
   twice; then its point of sale goes offline (dte.transmission.scopes), and a circuit
   breaker (dte.transmission.breaker) takes the whole company offline when every recent call to
   MH failed;
4. a transient failure (MH answered 5xx or could not be reached: nothing was taken) leaves the
   document pending, not in doubt, and is retried with capped exponential backoff and jitter;
   the tries count towards MH's rule too, so a till whose document keeps failing enters
   contingency after three tries even when too few calls are made to trip the breaker;
   a permanent failure (MH refused the request itself) stops and is shown.
The outbox (dte.transmission.outbox) is claimed, re-queued and swept so a lost broker message or
a killed worker delays a document but never loses it. Inside an active offline scope a row is not
sent: it is held for contingency's event and lots.
"""

import datetime
import logging
import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dte.mh.errors import MHAuthError, MHInDoubtError, MHPermanentError, MHTransientError
from dte.models import Document, GovStatus, Outbox, OutboxState
from dte.transitions import TransitionRefused, transition
from dte.transmission import mh, offline, scopes
from dte.transmission.outbox import backoff_seconds, claim, claim_next, enqueue_transmit
from dte.transmission.outbox import move as outbox_move

log = logging.getLogger(__name__)
MAX_RESENDS = 2  # MH: at most two retries after the first send


def _envelope_args(doc):
    return {"ambiente": doc.company.mh_environment, "id_envio": doc.pk, "version": doc.version,
            "tipo_dte": doc.tipo_dte, "documento": doc.jws, "codigo_generacion": doc.codigo_generacion}


def _apply(doc, answer, *, outbox, started):
    """MH's answer about the document: sealed or rejected. True when it settled the document."""
    if not (answer.accepted and answer.sello) and not answer.rejected:
        return False
    with transaction.atomic():  # status, history, outbox and the calls' result: one commit
        return _settle(doc, answer, outbox=outbox, started=started)


def _settle(doc, answer, *, outbox, started):
    fields = {"mh_code": (answer.codigo_msg or "")[:10], "mh_message": (answer.descripcion_msg or "")[:300],
              "mh_observations": answer.observaciones, "last_error": ""}
    if answer.accepted and answer.sello:
        transition(doc, GovStatus.SEALED, reason=_("Sellado por MH"), sello_recibido=answer.sello,
                   processed_at=mh.parse_mh_time(answer.fh_procesamiento) or timezone.now(), **fields)
        offline.after_seal(doc)
    elif answer.rejected:
        transition(doc, GovStatus.REJECTED, reason=_("Rechazado por MH: %(c)s %(m)s") % {
            "c": answer.codigo_msg or "", "m": answer.descripcion_msg or ""}, rejected_at=timezone.now(), **fields)
    else:
        return False
    outbox_move(Outbox.objects.filter(pk=outbox.pk), OutboxState.DONE, last_error="", sends=outbox.sends)
    mh.mark_calls(doc, started)
    return True


def _release(doc, outbox, *, status, error, started, delay=None):
    """Not settled: back to the queue after a backoff, with the reason kept."""
    with transaction.atomic():
        _requeue(doc, outbox, status=status, error=error, started=started, delay=delay)


def _requeue(doc, outbox, *, status, error, started, delay=None):
    delay = backoff_seconds(outbox.attempts) if delay is None else delay
    if doc.status != status:
        try:
            transition(doc, status, reason=error[:500])
        except TransitionRefused:
            pass
    Document.objects.filter(pk=doc.pk).update(last_error=error[:300])
    period = scopes.scope_for(doc, fresh=True)
    if period is not None:  # the outage began meanwhile: the document joins it
        Outbox.objects.filter(pk=outbox.pk).update(sends=outbox.sends)
        _join(doc, outbox, period)
        mh.mark_calls(doc, started)
        return
    released = outbox_move(Outbox.objects.filter(pk=outbox.pk, state=OutboxState.CLAIMED), OutboxState.PENDING,
                           available_at=timezone.now() + datetime.timedelta(seconds=delay),
                           last_error=error[:300], sends=outbox.sends)
    mh.mark_calls(doc, started)
    if released:  # its own retry; the sweeper is the safety net if this message is lost
        transaction.on_commit(lambda: enqueue_transmit(outbox.pk, countdown=delay))


def _join(doc, outbox, period):
    """The document joins an active period. If MH never took it (pending), it becomes a
    contingency document after commit, as those waiting when the period opened did."""
    offline.hold(doc, outbox, period)
    if doc.status == GovStatus.PENDING:
        transaction.on_commit(lambda: _reissue(period))


def _reissue(period):
    try:
        offline.reissue_pending(period)
    except Exception:  # noqa: BLE001 - it stays held; the catch-up converts it after the outage
        log.exception("contingencia %s: no se pudieron pasar a contingencia los pendientes", period.pk)


def _stop(doc, outbox, *, error, started):
    """A permanent failure: nothing more is tried until someone acts (it is shown)."""
    with transaction.atomic():
        _halt(doc, outbox, error=error, started=started)


def _halt(doc, outbox, *, error, started):
    if doc.status == GovStatus.TRANSMITTING:
        transition(doc, GovStatus.PENDING, reason=error[:500])
    Document.objects.filter(pk=doc.pk).update(last_error=error[:300])
    outbox_move(Outbox.objects.filter(pk=outbox.pk), OutboxState.STOPPED, last_error=error[:300], sends=outbox.sends)
    mh.mark_calls(doc, started)


def _note_failure(doc, client, *, exhausted=False):
    """MH's retry rule was exhausted for this document (its point of sale goes offline), or a
    call failed (the circuit breaker decides whether MH is unreachable for the whole company).
    Never breaks transmission."""
    try:
        if exhausted:
            scopes.note_retry_exhausted(doc)
        else:
            scopes.note_transient_failure(doc.company, client.base_url)
    except Exception:  # noqa: BLE001 - the document is safe in the outbox whatever happens here
        log.exception("contingencia: no se pudo evaluar la falla de %s", doc.codigo_generacion)


def _prepare(outbox_id):
    """Inside the claiming transaction: load the row, close it if the document was settled
    meanwhile, mark the document "transmitting". Returns (doc, outbox, maybe_received), or the
    document's status when there is nothing to send."""
    outbox = (Outbox.objects.select_related("document__company")
              .defer("document__company__certificate", "document__company__certificate_password",
                     "document__payload").get(pk=outbox_id))
    doc = outbox.document
    if doc.status not in (GovStatus.PENDING, GovStatus.IN_DOUBT, GovStatus.TRANSMITTING):
        outbox_move(Outbox.objects.filter(pk=outbox.pk), OutboxState.DONE)  # settled meanwhile
        return doc.status
    period = scopes.scope_for(doc)
    if period is not None:  # in contingency: it waits for the period's event and lots (facts §5)
        _join(doc, outbox, period)
        return doc.status
    # In doubt, or "transmitting" left by a worker that died: MH may have it. A pending document
    # was never taken by MH (its sends failed, or MH said it did not have it); resending it is
    # safe anyway, MH refuses a codigoGeneracion it already has and then it is asked.
    maybe_received = doc.status in (GovStatus.IN_DOUBT, GovStatus.TRANSMITTING)
    if doc.status != GovStatus.TRANSMITTING:
        transition(doc, GovStatus.TRANSMITTING, reason=_("Transmisión, intento %(n)d") % {"n": outbox.attempts})
    return doc, outbox, maybe_received


def _send_prepared(prepared, started):
    if isinstance(prepared, str):
        return prepared
    doc, outbox, maybe_received = prepared
    return _deliver(doc, outbox, mh.client_for(doc.company), maybe_received=maybe_received, started=started)


def transmit(outbox_id):
    """Deliver one outbox row. Returns the document's status after the run (or "skipped")."""
    started = timezone.now()
    with transaction.atomic():  # the claim and "transmitting" in one commit; MH is called after it
        if not claim(outbox_id, now=started):
            return "skipped"
        prepared = _prepare(outbox_id)
    return _send_prepared(prepared, started)


def drain(outbox_id, *, limit=None, seconds=None):
    """Transmit this row, then keep taking due rows from the outbox for a while: a busy outbox is
    emptied by the workers already running rather than by one broker message per document (the
    messages of rows taken this way find them claimed and do nothing). Returns how many runs."""
    limit = settings.DTE_DRAIN_LIMIT if limit is None else limit
    deadline = time.monotonic() + (settings.DTE_DRAIN_SECONDS if seconds is None else seconds)
    done = int(transmit(outbox_id) != "skipped")
    while done < limit and time.monotonic() < deadline:
        started = timezone.now()
        with transaction.atomic():
            pk = claim_next(started)
            if pk is None:
                break
            prepared = _prepare(pk)
        _send_prepared(prepared, started)
        done += 1
    return done


def _deliver(doc, outbox, client, *, maybe_received, started):
    # ``doubt``: MH may hold the document right now. Only a send left without an answer puts it
    # there (a read timeout, a dropped connection), and only MH's answer to a query by
    # codigoGeneracion takes it away. A 5xx or a refused connection means MH did not take that
    # send (dte.mh.errors): the document stays pending, not in doubt.
    doubt = maybe_received
    try:
        if maybe_received:
            # An earlier run may have delivered it: ask before anything else, never resend blindly.
            answer = mh.ask(doc, client)
            if _apply(doc, answer, outbox=outbox, started=started):
                return doc.status
            doubt = False  # MH answered and does not have it
        for send in range(1 + MAX_RESENDS):
            outbox.sends += 1  # saved with the outcome (a crash before that leaves it "transmitting": in doubt)
            try:
                answer = client.send_dte(**_envelope_args(doc))
                if mh.already_there(answer):
                    doubt = True  # MH has it from an earlier send: its verdict, not a rejection
                    answer = mh.ask(doc, client)
            except MHInDoubtError:
                # No answer in 8 s: ask MH by codigoGeneracion before anything else.
                doubt = True
                try:
                    answer = mh.ask(doc, client)
                except (MHInDoubtError, MHTransientError) as exc:
                    return _failed(doc, outbox, client, started=started, status=GovStatus.IN_DOUBT,
                                   error=_("Sin respuesta de MH y sin poder consultarlo: %(e)s") % {"e": exc})
                doubt = False
                if answer.estado is None and send < MAX_RESENDS:
                    continue  # MH does not have it: resend (same codigoGeneracion)
            if _apply(doc, answer, outbox=outbox, started=started):
                return doc.status
            if answer.estado is None and send < MAX_RESENDS:
                continue
            break
        # MH's rule exhausted: the document waits as "MH unreachable" (contingency takes over).
        _release(doc, outbox, status=GovStatus.PENDING, started=started,
                 error=_("MH no recibió el documento tras %(n)d envíos: MH no disponible") % {"n": 1 + MAX_RESENDS})
        _note_failure(doc, client, exhausted=True)  # MH's rule: now contingency (facts §3, §5)
        return doc.status
    except MHAuthError as exc:
        _stop(doc, outbox, started=started, error=_("Credenciales de MH rechazadas: %(e)s") % {"e": exc})
    except MHPermanentError as exc:
        _stop(doc, outbox, started=started, error=_("MH rechazó la solicitud: %(e)s") % {"e": exc})
    except MHTransientError as exc:
        # This call did not reach MH (or MH failed it): not in doubt unless an earlier send was left
        # unanswered and MH could not be asked yet.
        if doubt:
            return _failed(doc, outbox, client, started=started, status=GovStatus.IN_DOUBT,
                           error=_("MH no responde al consultarlo (%(e)s): aún no se sabe si recibió el documento; "
                                   "se consultará de nuevo") % {"e": exc})
        return _failed(doc, outbox, client, started=started, status=GovStatus.PENDING,
                       error=_("MH no responde (%(e)s): el documento no llegó; se reintentará y, si MH sigue sin "
                               "responder, se emitirá en contingencia") % {"e": exc})
    except MHInDoubtError as exc:
        return _failed(doc, outbox, client, started=started, status=GovStatus.IN_DOUBT,
                       error=_("Sin respuesta de MH: %(e)s") % {"e": exc})
    return Document.objects.values_list("status", flat=True).get(pk=doc.pk)


def _failed(doc, outbox, client, *, status, error, started):
    """A try that got no answer from MH. MH's retry rule (facts §3: the first send and at most two
    retries, then contingency) counts tries, whatever failed in them: a 503, a refused connection
    or a send left unanswered. Once a document has failed that many, its point of sale enters
    contingency; before, the circuit breaker may still find MH down for the whole company."""
    _release(doc, outbox, status=status, started=started, error=error)
    _note_failure(doc, client, exhausted=outbox.attempts >= 1 + MAX_RESENDS)
    return Document.objects.values_list("status", flat=True).get(pk=doc.pk)
