"""Catching up after an outage, in MH's order (facts §5), without anyone acting:

1. documents caught waiting when the outage began are asked about first (one that reached MH
   before its answer was lost is settled, never listed again); the others, and everything issued
   offline, are contingency documents (tipoModelo 2, tipoOperacion 2);
2. one Evento de Contingencia per point of sale (and schema generation) lists them (at most
   DTE_CONTINGENCY_EVENT_MAX each, and the generation's own limit; more go in further events),
   signed and sent to /fesv/contingencia; its seal is kept;
3. only after an event is sealed do its documents go, in lots of at most 100 of one type, to
   /fesv/recepcionlote/; each lot is polled with consultadtelote and its results are applied
   document by document (rejections go to the ordinary rejection flow); a document missing from
   the answer, or in a lot whose answer was lost, is asked about one by one.

``catch_up`` runs under a lease (one run per period at a time) and is repeated by the periodic
tick, so a lost message or a dead worker only delays it. Lots are sent and polled by their own
tasks, claimed with conditional UPDATEs like the outbox.
"""

import datetime
import itertools
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Establishment, PointOfSale
from contingency import listings
from contingency.models import Event, EventState, Lot, LotState, ReturnListing
from contingency.services import queue_catch_up
from contingency.states import move_events, move_lots
from dte import events, generations, jsonio
from dte.mh.client import MHAnswer
from dte.mh.errors import MHError, MHInDoubtError, MHPermanentError, MHTransientError
from dte.models import Document, GovStatus, MHEvent, OfflineScope, OutboxState
from dte.models import EventState as MHEventState
from dte.numbering import codigo_generacion
from dte.schemas import registry
from dte.schemas.validation import document_errors, extra_errors
from dte.signing.backends import SigningError, get_signer
from dte.transitions import TransitionRefused
from dte.transmission import mh, offline
from dte.transmission.offline import ConversionError, ask, held_documents, release_to_pipeline, settle, to_contingency
from dte.transmission.outbox import backoff_seconds

log = logging.getLogger(__name__)
LEASE_SECONDS = 300
ACTIVE_LOT_STATES = [LotState.NEW, LotState.SENDING, LotState.SENT, LotState.POLLING, LotState.IN_DOUBT]


def _client(company):
    return mh.client_for(company)


def _backoff(attempt):
    return backoff_seconds(attempt)


def _note(period, message):
    offline.scope_note(period, message)


# ---------------------------------------------------------------------------------- the run


def catch_up(period_id, *, now=None):
    """One pass over an ended period. Returns seconds until another pass is worth it, or None."""
    now = now or timezone.now()
    lease = OfflineScope.objects.filter(pk=period_id, ended_at__isnull=False, completed_at__isnull=True).filter(
        Q(busy_until__isnull=True) | Q(busy_until__lt=now)).update(
        busy_until=now + datetime.timedelta(seconds=LEASE_SECONDS))
    if not lease:
        return None
    try:
        period = OfflineScope.objects.select_related("company").get(pk=period_id)
        client = _client(period.company)
        try:
            resolve_held(period, client)
        except MHError as exc:
            _note(period, _("MH no responde al consultar documentos en duda: %(e)s") % {"e": exc})
            return _backoff(2)
        if not build_events(period):
            return None  # a missing setting (shown); the tick tries again
        wait = send_events(period, client)
        lots = make_lots(period)
        if lots:
            from contingency.tasks import send_lot_task  # noqa: PLC0415 - cycle: contingency.tasks imports this module

            for lot_id in lots:
                send_lot_task.delay(lot_id)
        events.resend_stalled_returns(period)  # a released retorno whose message was lost goes again
        complete_if_done(period)
        if wait is None and not lots and period.last_error and not Event.objects.filter(
                period=period, state=EventState.REJECTED).exists():
            _note(period, "")
        return wait
    finally:
        OfflineScope.objects.filter(pk=period_id).update(busy_until=None)


def complete_if_done(period):
    if held_documents(period).exists() or Lot.objects.filter(event__period=period, state__in=ACTIVE_LOT_STATES).exists():
        return False
    if MHEvent.objects.filter(contingency_period=period, state__in=[MHEventState.PENDING, MHEventState.SENDING]).exists():
        return False  # a retorno of the outage not listed, not released, or not answered yet
    return bool(OfflineScope.objects.filter(pk=period.pk, completed_at__isnull=True, ended_at__isnull=False).update(
        completed_at=timezone.now(), last_error=""))


# -------------------------------------------------------------------- 1. documents in doubt


def resolve_held(period, client):
    """Held documents that are not contingency documents yet: ask MH about those that may have
    reached it, and turn the rest into contingency documents."""
    docs = (Document.objects.filter(contingency_period=period, outbox__state=OutboxState.HELD,
                                    status__in=[GovStatus.PENDING, GovStatus.IN_DOUBT, GovStatus.TRANSMITTING])
            .select_related("company", "outbox").order_by("pk"))
    for doc in docs:
        maybe_received = doc.status != GovStatus.PENDING or doc.outbox.sends > 0
        if maybe_received:
            answer = ask(doc, client)  # an error here means MH is gone again: the run stops
            if settle(doc, answer, reason=_("MH ya lo tenía: resuelto al consultar, no se lista en el evento")):
                continue
        if doc.tipo_dte not in registry.contingency_types(generations.of_document(doc)):
            release_to_pipeline(doc, _("Este tipo no se transmite por contingencia: se envía de forma normal"))
            continue
        try:
            to_contingency(doc, period)
        except ConversionError as exc:
            _note(period, _("No se pudo pasar %(d)s a contingencia: %(e)s") % {"d": doc, "e": exc})
        except TransitionRefused:
            continue  # converted meanwhile (when the period opened): listed as it stands now


# ---------------------------------------------------------------------------------- 2. events


def _responsible(company):
    if not (company.mh_responsible_name and company.mh_responsible_id_type and company.mh_responsible_id_number):
        return None
    return company.mh_responsible_name, company.mh_responsible_id_type, company.mh_responsible_id_number


def event_window(period, issued, *, now=None):
    """(start, end) of the event's motivo, local naive datetimes to the second. MH's event
    declares the outage window and lists "every DTE generated during the period" (facts §5), so
    the window covers each listed document's fecEmi/horEmi: the documents caught waiting were
    issued before the period opened (it opens only after MH's retry rule failed for them, or the
    breaker tripped), and the window then starts at the earliest of them, not at the opening."""
    def local(moment):
        return timezone.localtime(moment).replace(tzinfo=None, microsecond=0)

    start, end = local(period.started_at), local(period.ended_at or now or timezone.now())
    issued = [moment for moment in issued if moment is not None]
    if issued:
        start, end = min(start, *issued), max(end, *issued)
    return start, end


def _emitted(issue_date, issue_time):
    """A document's fecEmi/horEmi as a local naive datetime (None without an hour)."""
    return datetime.datetime.combine(issue_date, issue_time) if issue_date and issue_time else None


def build_event(period, establishment, point_of_sale, items, *, issued=(), now=None, generation=registry.DEFAULT_GENERATION):
    """The Evento de Contingencia for these documents, in their generation (facts §5:
    contingencia-schema v3 in 2023, v4 in 2026); ``issued``: their fecEmi/horEmi (local), which
    the window must cover."""
    company = period.company
    name, id_type, id_number = _responsible(company)
    now = timezone.localtime(now or timezone.now())
    start, end = event_window(period, issued, now=now)
    phone = "".join(ch for ch in (establishment.phone or company.phone or "") if ch.isdigit() or ch == "+")
    if generation != "2023":
        # v4 names the point of sale by MH's code (codPuntoVentaMH) instead of the issuer's own.
        point = {"codPuntoVentaMH": point_of_sale.cod_punto_venta_mh}
    else:
        point = {"codPuntoVenta": point_of_sale.cod_punto_venta or point_of_sale.cod_punto_venta_mh}
    return {
        "identificacion": {"version": registry.event_version("contingencia", generation),
                           "ambiente": company.mh_environment,
                           "codigoGeneracion": codigo_generacion(), "fTransmision": now.date().isoformat(),
                           "hTransmision": now.strftime("%H:%M:%S")},
        "emisor": {"nit": company.nit, "nombre": company.legal_name, "nombreResponsable": name,
                   "tipoDocResponsable": id_type, "numeroDocResponsable": id_number,
                   "tipoEstablecimiento": establishment.establishment_type,
                   "codEstableMH": establishment.cod_estable_mh, **point,
                   "telefono": phone, "correo": company.email},
        "detalleDTE": [{"noItem": i, "codigoGeneracion": code, "tipoDoc": tipo}
                       for i, (code, tipo) in enumerate(items, start=1)],
        "motivo": {"fInicio": start.date().isoformat(), "fFin": end.date().isoformat(),
                   "hInicio": start.strftime("%H:%M:%S"), "hFin": end.strftime("%H:%M:%S"),
                   "tipoContingencia": period.tipo, "motivoContingencia": period.motivo or None},
    }


def build_events(period):
    """Events for the period's contingency documents not listed yet. False if it cannot."""
    rows = [(("d", r[0]), *r[1:]) for r in
            Document.objects.filter(listings.unlisted(), contingency_period=period, status=GovStatus.CONTINGENCY)
            .order_by("establishment_id", "point_of_sale_id", "generation", "issued_at", "pk")
            .values_list("pk", "codigo_generacion", "tipo_dte", "establishment_id", "point_of_sale_id",
                         "issue_date", "issue_time", "generation")]
    # Retornos signed during the outage (dte.events; facts §5: v2.0 lists them too, tipoDoc "18"),
    # in the event of their point of sale and generation, after its documents.
    for ret in events.held_returns(period).filter(contingency_listing__isnull=True).order_by("pk"):
        ident = jsonio.loads(ret.payload)["identificacion"]
        rows.append((("r", ret.pk), ret.codigo_generacion, registry.TIPO_EVENTO["retorno"], ret.establishment_id,
                     ret.point_of_sale_id, datetime.date.fromisoformat(ident["fecEmi"]),
                     datetime.time.fromisoformat(ident["horEmi"]), ret.generation))
    rows.sort(key=lambda r: (r[3] or 0, r[4] or 0, r[7] or ""))  # stable: issue order within a group
    if not rows:
        return True
    if _responsible(period.company) is None:
        _note(period, _("Falta el responsable ante MH de la empresa (Configuración → Empresa): el evento lo exige."))
        return False
    # One event per point of sale and generation: the documents of a period that straddles a
    # switch are declared each in the event version of the generation they were issued in.
    for (est_id, pos_id, generation), group in itertools.groupby(rows, key=lambda r: (r[3], r[4], r[7])):
        group = list(group)
        generation = generation or registry.DEFAULT_GENERATION
        try:
            generations.checked(generation, "contingencia")
        except generations.GenerationRefused as exc:
            _note(period, exc)
            return False
        size = min(settings.DTE_CONTINGENCY_EVENT_MAX, registry.contingency_event_max(generation))
        establishment, point_of_sale = Establishment.objects.get(pk=est_id), PointOfSale.objects.get(pk=pos_id)
        for start in range(0, len(group), size):
            chunk = group[start:start + size]
            body = build_event(period, establishment, point_of_sale, [(r[1], r[2]) for r in chunk],
                               issued=[_emitted(r[5], r[6]) for r in chunk], generation=generation)
            payload = jsonio.dumps(body)
            errors = document_errors(jsonio.loads(payload), event="contingencia", generation=generation)
            errors += extra_errors(jsonio.loads(payload), event="contingencia", generation=generation)
            if errors:
                _note(period, _("El evento no cumple el esquema: %(e)s") % {"e": "; ".join(errors[:3])})
                return False
            try:
                signed = get_signer().sign_bytes(payload.encode("utf-8"), company=period.company)
            except SigningError as exc:
                _note(period, exc)
                return False
            with transaction.atomic():
                event = Event.objects.create(period=period, establishment=establishment, point_of_sale=point_of_sale,
                                             codigo_generacion=body["identificacion"]["codigoGeneracion"],
                                             payload=payload, jws=signed, document_count=len(chunk))
                listings.list_in_event([r[0][1] for r in chunk if r[0][0] == "d"], event)
                ReturnListing.objects.bulk_create([ReturnListing(mh_event_id=r[0][1], event=event)
                                                   for r in chunk if r[0][0] == "r"])
    return True


def send_events(period, client):
    """Send the events not sealed yet. Returns seconds until trying again, or None."""
    wait = None
    now = timezone.now()
    for event in Event.objects.filter(period=period, state__in=[EventState.PENDING, EventState.IN_DOUBT]).order_by("pk"):
        if event.available_at > now:
            wait = min(wait or 1e9, (event.available_at - now).total_seconds())
            continue
        was_in_doubt = event.state == EventState.IN_DOUBT
        Event.objects.filter(pk=event.pk).update(attempts=event.attempts + 1, sent_at=now)
        try:
            answer = client.send_contingency(nit=period.company.nit, documento=event.jws,
                                             codigo_generacion=event.codigo_generacion)
        except MHInDoubtError as exc:
            _event_retry(event, EventState.IN_DOUBT, exc)
            wait = min(wait or 1e9, _backoff(event.attempts + 1))
            continue
        except MHTransientError as exc:
            _event_retry(event, event.state, exc)
            wait = min(wait or 1e9, _backoff(event.attempts + 1))
            continue
        except MHPermanentError as exc:
            answer = MHAnswer(estado="RECHAZADO", descripcion_msg=str(exc), raw=getattr(exc, "body", None) or {})
        _event_answer(period, event, answer, was_in_doubt=was_in_doubt)
    return wait


def _event_retry(event, state, exc):
    move_events(Event.objects.filter(pk=event.pk), state, last_error=str(exc)[:500],
                available_at=timezone.now() + datetime.timedelta(seconds=_backoff(event.attempts + 1)))


def _event_answer(period, event, answer, *, was_in_doubt):
    text = " ".join([answer.descripcion_msg or "", *map(str, answer.observaciones)]).upper()
    if answer.accepted:
        move_events(Event.objects.filter(pk=event.pk), EventState.SEALED, sello_recibido=answer.sello or "",
                    sealed_at=timezone.now(), answer=answer.raw, last_error="")
    elif was_in_doubt and "YA EXISTE" in text:
        # The first send reached MH and only its answer was lost: the event stands (MH keeps it).
        move_events(Event.objects.filter(pk=event.pk), EventState.SEALED, sealed_at=timezone.now(), answer=answer.raw,
                    last_error=_("MH ya tenía el evento (su respuesta se perdió)"))
    else:
        detail = "; ".join([answer.descripcion_msg or "", *map(str, answer.observaciones)])[:500]
        move_events(Event.objects.filter(pk=event.pk), EventState.REJECTED, answer=answer.raw, last_error=detail)
        _note(period, _("MH rechazó el evento %(c)s: %(d)s") % {"c": event.codigo_generacion, "d": detail})
        from contingency.tasks import alert_task  # noqa: PLC0415 - cycle: contingency.tasks imports this module

        transaction.on_commit(lambda: alert_task.delay(period.pk, f"event-rejected-{event.pk}"))


# ------------------------------------------------------------------------------------ 3. lots


def make_lots(period):
    """Lots (≤ DTE_CONTINGENCY_LOT_SIZE, one type each) for the documents of sealed events.
    Returns the new lots' ids (queued by the caller)."""
    size = min(100, settings.DTE_CONTINGENCY_LOT_SIZE)
    created = []
    for event in Event.objects.filter(period=period, state=EventState.SEALED).order_by("pk"):
        # The retornos the sealed event lists go by themselves, through recepciondte [G].
        events.release_held_returns(event.return_listings.values_list("mh_event_id", flat=True))
        rows = list(Document.objects.filter(listings.in_event(event, without_lot=True), status=GovStatus.CONTINGENCY)
                    .order_by("tipo_dte", "pk").values_list("pk", "tipo_dte"))
        for tipo, group in itertools.groupby(rows, key=lambda r: r[1]):
            ids = [r[0] for r in group]
            for start in range(0, len(ids), size):
                chunk = ids[start:start + size]
                with transaction.atomic():
                    lot = Lot.objects.create(event=event, tipo_dte=tipo, document_count=len(chunk))
                    listings.put_in_lot(chunk, lot)
                created.append(lot.pk)
    return created


def _claim_lot(lot_id, states, to_state, *, now, **extra):
    return move_lots(Lot.objects.filter(pk=lot_id, state__in=states, available_at__lte=now), to_state,
                     claimed_at=now, **extra) == 1


def send_lot(lot_id, *, now=None):
    """POST the lot. Returns (next task, countdown) or None."""

    now = now or timezone.now()
    if not _claim_lot(lot_id, [LotState.NEW], LotState.SENDING, now=now, attempts=F("attempts") + 1, sent_at=now):
        return None
    lot = Lot.objects.select_related("event__period__company").get(pk=lot_id)
    company = lot.event.period.company
    docs = list(Document.objects.filter(listings.in_lot(lot), status="contingency").order_by("pk")
                .values_list("jws", "version"))
    if not docs:
        move_lots(Lot.objects.filter(pk=lot.pk), LotState.PROCESSED, processed_at=now)
        return None
    poll = settings.DTE_CONTINGENCY_LOT_POLL_SECONDS
    try:
        body = _client(company).send_lot(ambiente=company.mh_environment, id_envio=lot.pk, version=docs[0][1],
                                          nit_emisor=company.nit, documentos=[d[0] for d in docs])
    except MHInDoubtError as exc:
        # It may have reached MH: after the poll interval its documents are asked about one by one.
        move_lots(Lot.objects.filter(pk=lot.pk), LotState.IN_DOUBT, last_error=str(exc)[:500],
                  available_at=now + datetime.timedelta(seconds=poll))
        return ("poll", poll)
    except MHTransientError as exc:
        delay = _backoff(lot.attempts)
        move_lots(Lot.objects.filter(pk=lot.pk), LotState.NEW, last_error=str(exc)[:500],
                  available_at=now + datetime.timedelta(seconds=delay))
        return ("send", delay)
    except MHPermanentError as exc:
        move_lots(Lot.objects.filter(pk=lot.pk), LotState.FAILED, last_error=f"{exc} {exc.body or ''}"[:500])
        return None
    code = body.get("codigoLote") if isinstance(body, dict) else None
    if not code:
        move_lots(Lot.objects.filter(pk=lot.pk), LotState.FAILED, last_error=str(body)[:500])
        return None
    move_lots(Lot.objects.filter(pk=lot.pk), LotState.SENT, codigo_lote=str(code)[:64], sent_at=now, last_error="",
              available_at=now + datetime.timedelta(seconds=poll))
    return ("poll", poll)


def _lot_answers(body):
    """The per-document answers in a consultadtelote reply. govsim answers {estado, procesados,
    rechazados}; MH's exact shape is not published (facts §12), so any list of reception-shaped
    dicts under a known key is taken."""
    if isinstance(body, list):
        return [a for a in body if isinstance(a, dict)]
    found = []
    for key in ("procesados", "rechazados", "documentos", "resultados"):
        value = body.get(key) if isinstance(body, dict) else None
        if isinstance(value, list):
            found.extend(a for a in value if isinstance(a, dict))
    return found


def poll_lot(lot_id, *, now=None):
    """Fetch the lot's results and apply them. Returns (next task, countdown) or None."""

    now = now or timezone.now()
    previous = Lot.objects.filter(pk=lot_id).values_list("state", flat=True).first()
    if previous not in (LotState.SENT, LotState.IN_DOUBT):
        return None
    if not _claim_lot(lot_id, [previous], LotState.POLLING, now=now, polls=F("polls") + 1):
        return None
    lot = Lot.objects.select_related("event__period__company").get(pk=lot_id)
    client = _client(lot.event.period.company)
    poll = settings.DTE_CONTINGENCY_LOT_POLL_SECONDS
    answers = []
    if previous == LotState.SENT and lot.codigo_lote:
        try:
            body = client.query_lot(lot.codigo_lote)
            answers = _lot_answers(body)
            if not answers:
                move_lots(Lot.objects.filter(pk=lot.pk), LotState.SENT,
                          available_at=now + datetime.timedelta(seconds=poll))
                return ("poll", poll)  # still being processed
        except MHPermanentError as exc:
            _lot_note(lot, exc)  # MH does not know the lot: every document is asked about
        except MHError as exc:
            delay = _backoff(lot.polls)
            move_lots(Lot.objects.filter(pk=lot.pk), previous, last_error=str(exc)[:500],
                      available_at=now + datetime.timedelta(seconds=delay))
            return ("poll", delay)
    try:
        released = _apply_lot(lot, [MHAnswer.from_body(a) for a in answers], client)
    except MHError as exc:
        delay = _backoff(lot.polls)
        move_lots(Lot.objects.filter(pk=lot.pk), LotState.IN_DOUBT, last_error=str(exc)[:500],
                  available_at=now + datetime.timedelta(seconds=delay))
        return ("poll", delay)
    period = lot.event.period
    if released:
        queue_catch_up(period.pk)
    else:
        complete_if_done(period)
    return None


def _lot_note(lot, message):
    Lot.objects.filter(pk=lot.pk).update(last_error=str(message)[:500])


def _apply_lot(lot, answers, client):
    """Settle each document from MH's answers; ask about the ones the answers leave out; the ones
    MH does not have go back for another lot. Returns how many went back."""
    docs = {d.codigo_generacion: d for d in Document.objects.filter(listings.in_lot(lot), status=GovStatus.CONTINGENCY)
            .select_related("company")}
    sealed = rejected = asked = 0
    unresolved = []
    for answer in answers:
        doc = docs.pop((answer.codigo_generacion or "").upper(), None)
        if doc is None:
            continue
        if settle(doc, answer, reason=_("Sellado por MH (lote %(l)s)") % {"l": lot.codigo_lote}):
            sealed += answer.accepted
            rejected += answer.rejected
        else:
            unresolved.append(doc)
    unresolved.extend(docs.values())
    back = []
    for doc in unresolved:
        asked += 1
        answer = ask(doc, client)
        if settle(doc, answer, reason=_("Resuelto al consultar a MH")):
            sealed += answer.accepted
            rejected += answer.rejected
        else:
            back.append(doc.pk)
    with transaction.atomic():
        if back:
            listings.release_from_lot(lot, back)
        move_lots(Lot.objects.filter(pk=lot.pk), LotState.PROCESSED, processed_at=timezone.now(), sealed=sealed,
                  rejected=rejected, asked=asked)
    return len(back)


def due_work(*, now=None):
    """For the periodic tick: periods to catch up, lots to send, lots to poll (lost messages)."""
    now = now or timezone.now()
    periods = list(OfflineScope.objects.filter(ended_at__isnull=False, completed_at__isnull=True)
                   .filter(Q(busy_until__isnull=True) | Q(busy_until__lt=now)).values_list("pk", flat=True))
    stale = now - datetime.timedelta(seconds=LEASE_SECONDS)
    # Rows a dead worker left half-way go back to where they can be taken again.
    move_lots(Lot.objects.filter(state=LotState.SENDING, claimed_at__lt=stale), LotState.IN_DOUBT, available_at=now)
    move_lots(Lot.objects.filter(state=LotState.POLLING, claimed_at__lt=stale), LotState.IN_DOUBT, available_at=now)
    grace = now - datetime.timedelta(seconds=30)
    to_send = list(Lot.objects.filter(state=LotState.NEW, available_at__lte=grace).values_list("pk", flat=True)[:500])
    to_poll = list(Lot.objects.filter(state__in=[LotState.SENT, LotState.IN_DOUBT], available_at__lte=grace)
                   .values_list("pk", flat=True)[:500])
    return periods, to_send, to_poll
