"""Transmission: the outbox row created at issue is sent to MH exactly once, whatever fails on
the way (facts §3, "Retry policy").

One run of ``transmit(outbox_id)``:
1. claims the row with a conditional UPDATE (pending and due → claimed): a second run of the
   same task, or a duplicate message, finds nothing to claim and does nothing;
2. if the document may already have reached MH (an earlier run sent it), asks MH by
   codigoGeneracion first and never resends what MH already has;
3. sends; with no answer within MH's 8 s it asks again by codigoGeneracion, and resends at most
   twice; then its point of sale enters contingency (contingency.services), and a circuit
   breaker puts the whole company in contingency when every recent call to MH failed;
4. a transient failure (MH answered 5xx or could not be reached: nothing was taken) leaves the
   document pending, not in doubt, and is retried with capped exponential backoff and jitter;
   the tries count towards MH's rule too, so a till whose document keeps failing enters
   contingency after three tries even when too few calls are made to trip the breaker;
   a permanent failure (MH refused the request itself) stops and is shown.
A periodic sweeper re-queues rows that are due and rows whose worker died while holding them,
so a lost broker message or a killed worker delays a document but never loses it. Inside an
active contingency period a row is not sent: it is held for the period's event and lots.
"""

import datetime
import logging
import random

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dte import hooks
from dte.mh.errors import MHAuthError, MHInDoubtError, MHPermanentError, MHTransientError
from dte.models import Document, GovStatus, MHCall, Outbox, OutboxState
from dte.transitions import TransitionRefused, transition

log = logging.getLogger(__name__)
MAX_RESENDS = 2  # MH: at most two retries after the first send


def backoff_seconds(attempt, *, base=None, cap=None, rng=random):
    """Capped exponential backoff with full jitter: attempt 1 → up to base, then doubling."""
    base = base or settings.DTE_RETRY_BASE_SECONDS
    cap = cap or settings.DTE_RETRY_MAX_SECONDS
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def _client(company):
    from dte.mh.client import client_for_company

    return client_for_company(company, shared=True, timeout=float(settings.DTE_MH_TIMEOUT_SECONDS))


def _already_there(answer):
    """MH refusing a codigoGeneracion it already has: a resend after a lost answer."""
    text = " ".join([answer.descripcion_msg or "", *map(str, answer.observaciones)]).upper()
    return answer.rejected and "YA EXISTE" in text


def _parse_mh_time(text):
    if not text:
        return None
    for fmt in ("%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):
        try:
            return timezone.make_aware(datetime.datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


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
                   processed_at=_parse_mh_time(answer.fh_procesamiento) or timezone.now(), **fields)
        after_seal(doc)
    elif answer.rejected:
        transition(doc, GovStatus.REJECTED, reason=_("Rechazado por MH: %(c)s %(m)s") % {
            "c": answer.codigo_msg or "", "m": answer.descripcion_msg or ""}, rejected_at=timezone.now(), **fields)
    else:
        return False
    Outbox.objects.filter(pk=outbox.pk).update(state=OutboxState.DONE, last_error="", sends=outbox.sends)
    _mark_calls(doc, started)
    return True


def after_seal(doc):
    """What a seal sets off in the same commit: the seal observers (dte.hooks; a credit note's
    returned goods come back, dte.returns)."""
    hooks.sealed(doc)


def _mark_calls(doc, started):
    MHCall.objects.filter(codigo_generacion=doc.codigo_generacion, at__gte=started).update(document_status=doc.status)


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
    period = _contingency_for(doc, fresh=True)
    if period is not None:  # the outage began meanwhile: the document joins it
        Outbox.objects.filter(pk=outbox.pk).update(sends=outbox.sends)
        _join(doc, outbox, period)
        _mark_calls(doc, started)
        return
    released = Outbox.objects.filter(pk=outbox.pk, state=OutboxState.CLAIMED).update(
        state=OutboxState.PENDING, available_at=timezone.now() + datetime.timedelta(seconds=delay),
        last_error=error[:300], sends=outbox.sends)
    _mark_calls(doc, started)
    if released:  # its own retry; the sweeper is the safety net if this message is lost
        transaction.on_commit(lambda: _enqueue(outbox.pk, countdown=delay))


def _join(doc, outbox, period):
    """The document joins an active period. If MH never took it (pending), it becomes a
    contingency document after commit, as those waiting when the period opened did."""
    from dte.offline import hold

    hold(doc, outbox, period)
    if doc.status == GovStatus.PENDING:
        transaction.on_commit(lambda: _reissue(period))


def _reissue(period):
    from contingency.recovery import reissue_pending

    try:
        reissue_pending(period)
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
    Outbox.objects.filter(pk=outbox.pk).update(state=OutboxState.STOPPED, last_error=error[:300], sends=outbox.sends)
    _mark_calls(doc, started)


def _contingency_for(doc, *, fresh=False):
    """The active contingency period covering the document, if any (contingency app)."""
    from contingency.selectors import active_period_for

    return active_period_for(doc, fresh=fresh)


def _note_failure(doc, client, *, exhausted=False):
    """Tell the contingency app: MH's retry rule was exhausted for this document, or a call
    failed (its circuit breaker decides whether MH is unreachable). Never breaks transmission."""
    from contingency import services

    try:
        if exhausted:
            services.note_retry_exhausted(doc)
        else:
            services.note_transient_failure(doc.company, client.base_url)
    except Exception:  # noqa: BLE001 - the document is safe in the outbox whatever happens here
        log.exception("contingencia: no se pudo evaluar la falla de %s", doc.codigo_generacion)


def claim(outbox_id, *, now=None):
    now = now or timezone.now()
    return Outbox.objects.filter(pk=outbox_id, state=OutboxState.PENDING, available_at__lte=now).update(
        state=OutboxState.CLAIMED, claimed_at=now, attempts=F("attempts") + 1) == 1


def _prepare(outbox_id):
    """Inside the claiming transaction: load the row, close it if the document was settled
    meanwhile, mark the document "transmitting". Returns (doc, outbox, maybe_received), or the
    document's status when there is nothing to send."""
    outbox = (Outbox.objects.select_related("document__company")
              .defer("document__company__certificate", "document__company__certificate_password",
                     "document__payload").get(pk=outbox_id))
    doc = outbox.document
    if doc.status not in (GovStatus.PENDING, GovStatus.IN_DOUBT, GovStatus.TRANSMITTING):
        Outbox.objects.filter(pk=outbox.pk).update(state=OutboxState.DONE)  # settled meanwhile
        return doc.status
    period = _contingency_for(doc)
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
    return _deliver(doc, outbox, _client(doc.company), maybe_received=maybe_received, started=started)


def transmit(outbox_id):
    """Deliver one outbox row. Returns the document's status after the run (or "skipped")."""
    started = timezone.now()
    with transaction.atomic():  # the claim and "transmitting" in one commit; MH is called after it
        if not claim(outbox_id, now=started):
            return "skipped"
        prepared = _prepare(outbox_id)
    return _send_prepared(prepared, started)


def _claim_next(now):
    """Claim the oldest due row nobody holds (PostgreSQL: SKIP LOCKED, so workers never wait on
    each other). Returns its id or None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pk = (Outbox.objects.filter(state=OutboxState.PENDING, available_at__lte=now)
              .order_by("available_at").values_list("pk", flat=True).first())
        return pk if pk is not None and claim(pk, now=now) else None
    table = connection.ops.quote_name(Outbox._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, claimed_at = %s, attempts = attempts + 1 WHERE id = ("  # noqa: S608
            f"SELECT id FROM {table} WHERE state = %s AND available_at <= %s ORDER BY available_at "
            "LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id",
            [OutboxState.CLAIMED, now, OutboxState.PENDING, now])
        row = cursor.fetchone()
    return row[0] if row else None


def drain(outbox_id, *, limit=None, seconds=None):
    """Transmit this row, then keep taking due rows from the outbox for a while: a busy outbox is
    emptied by the workers already running rather than by one broker message per document (the
    messages of rows taken this way find them claimed and do nothing). Returns how many runs."""
    import time as _time

    limit = settings.DTE_DRAIN_LIMIT if limit is None else limit
    deadline = _time.monotonic() + (settings.DTE_DRAIN_SECONDS if seconds is None else seconds)
    done = int(transmit(outbox_id) != "skipped")
    while done < limit and _time.monotonic() < deadline:
        started = timezone.now()
        with transaction.atomic():
            pk = _claim_next(started)
            if pk is None:
                break
            prepared = _prepare(pk)
        _send_prepared(prepared, started)
        done += 1
    return done


def _ask(doc, client):
    return client.query_dte(nit_emisor=doc.company.nit, tipo_dte=doc.tipo_dte, codigo_generacion=doc.codigo_generacion)


def _deliver(doc, outbox, client, *, maybe_received, started):
    # ``doubt``: MH may hold the document right now. Only a send left without an answer puts it
    # there (a read timeout, a dropped connection), and only MH's answer to a query by
    # codigoGeneracion takes it away. A 5xx or a refused connection means MH did not take that
    # send (dte.mh.errors): the document stays pending, not in doubt.
    doubt = maybe_received
    try:
        if maybe_received:
            # An earlier run may have delivered it: ask before anything else, never resend blindly.
            answer = _ask(doc, client)
            if _apply(doc, answer, outbox=outbox, started=started):
                return doc.status
            doubt = False  # MH answered and does not have it
        for send in range(1 + MAX_RESENDS):
            outbox.sends += 1  # saved with the outcome (a crash before that leaves it "transmitting": in doubt)
            try:
                answer = client.send_dte(**_envelope_args(doc))
                if _already_there(answer):
                    doubt = True  # MH has it from an earlier send: its verdict, not a rejection
                    answer = _ask(doc, client)
            except MHInDoubtError:
                # No answer in 8 s: ask MH by codigoGeneracion before anything else.
                doubt = True
                try:
                    answer = _ask(doc, client)
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


def _enqueue(outbox_id, countdown=None):
    """Hand the row to the broker. If the broker is unreachable the document is already safe in
    the outbox: the sweeper queues it when the broker is back (nothing is raised to the user)."""
    from dte.tasks import transmit_task

    try:
        transmit_task.apply_async((outbox_id,), countdown=countdown, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure: logged, the sweeper recovers
        log.warning("outbox %s: no se pudo encolar; el barrido lo reintentará", outbox_id, exc_info=True)


def queue_after_commit(outbox_id):
    transaction.on_commit(lambda: _enqueue(outbox_id))


def sweep(*, now=None):
    """Re-queue what is due but was not sent (a lost message) and what a dead worker held.
    Returns (requeued due rows, released stuck rows)."""
    now = now or timezone.now()
    stuck_before = now - datetime.timedelta(seconds=settings.DTE_CLAIM_TIMEOUT_SECONDS)
    released = 0
    for outbox in Outbox.objects.filter(state=OutboxState.CLAIMED, claimed_at__lt=stuck_before).select_related("document"):
        with transaction.atomic():
            if Outbox.objects.filter(pk=outbox.pk, state=OutboxState.CLAIMED, claimed_at__lt=stuck_before).update(
                    state=OutboxState.PENDING, available_at=now) != 1:
                continue
            doc = outbox.document
            if doc.status == GovStatus.TRANSMITTING:
                # The worker died mid-way: it may have reached MH. Only a query will tell.
                transition(doc, GovStatus.IN_DOUBT, reason=_("El proceso que transmitía se detuvo"))
        released += 1
    # Due rows older than a grace period (the normal path queues them right after commit).
    grace = now - datetime.timedelta(seconds=settings.DTE_SWEEP_GRACE_SECONDS)
    due = list(Outbox.objects.filter(state=OutboxState.PENDING, available_at__lte=grace)
               .order_by("available_at").values_list("pk", flat=True)[:settings.DTE_SWEEP_BATCH])
    for pk in due:
        _enqueue(pk)
    _sweep_deliveries(now)
    return len(due), released


def _sweep_deliveries(now):
    """Emails queued long ago whose message was lost go to the broker again."""
    from dte.delivery import _queue
    from dte.models import Delivery, DeliveryState

    stale = now - datetime.timedelta(minutes=5)
    # A worker that died while sending: the row goes back to the queue (it may be sent twice then,
    # which is better than never).
    Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=now - datetime.timedelta(minutes=15)).update(
        state=DeliveryState.QUEUED)
    for pk in Delivery.objects.filter(state=DeliveryState.QUEUED, created_at__lt=stale).values_list("pk", flat=True)[:200]:
        _queue(pk)
