"""Invalidation (anulación, facts §6): one signed event per document, sent to /fesv/anulardte.

Refused before anything is sent when the document is not sealed, when the deadline for its type
has passed (per generation and type, dte.deadlines: the 2023 manual gives three months for Factura
and Factura de Exportación and the day after the seal for the rest; v2.0 three months for FE, FEX
and FSE and the 10th business day of the following month for the rest), when a credit or debit note that
depends on it is still valid, or when a type 1 or 3 invalidation lacks a sealed replacement."""

import datetime
import functools
import json
import logging
import operator

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core import formats
from core.audit import audit_record
from core.fiscal import IN_FORCE, NOTE_TYPES, DocType
from core.models import AuditAction
from core.queue import enqueue, enqueue_on_commit
from core.statemachine import TransitionRefused
from dte import deadlines, generations, jsonio, numbering
from dte.explain import schema_messages
from dte.mh import client as mh_client
from dte.mh.errors import MHInDoubtError, MHPermanentError, MHTransientError
from dte.models import (
    INVALIDATION_MACHINE,
    Document,
    GovStatus,
    Invalidation,
    InvalidationState,
    InvalidationType,
    MHEvent,
)
from dte.returns import check_returned, invalidation_accepted
from dte.schemas.registry import event_version
from dte.schemas.validation import extra_errors, schema_errors
from dte.signing.backends import SigningError, get_signer
from dte.transitions import transition
from dte.transmission import breaker

log = logging.getLogger(__name__)
NO_REPLACEMENT_TYPES = {DocType.NC, DocType.CL}  # invalidating an NC or a CL needs no replacement (facts §6)


def deadline(document):
    """The last moment this sealed document may be invalidated (local time), by its own
    generation's rules (dte.deadlines)."""
    return deadlines.invalidation_deadline(document)


def dependent_notes(document):
    return Document.objects.filter(related__target=document, tipo_dte__in=NOTE_TYPES, status__in=IN_FORCE).distinct()


def problems(document, *, tipo, replacement=None, now=None):
    now = timezone.localtime(now or timezone.now())
    out = []
    if document.status != GovStatus.SEALED:
        out.append(_("Solo se invalida un documento sellado por MH (este está «%(s)s»).") % {"s": document.get_status_display()})
        return out
    limit = deadline(document)
    if now > limit:
        out.append(_("El plazo para invalidar este documento venció el %(d)s.") % {"d": formats.datetime(limit)})
    notes = list(dependent_notes(document).values_list("numero_control", flat=True))
    if notes:
        out.append(_("Invalide primero las notas vigentes que lo afectan: %(n)s.") % {"n": ", ".join(notes)})
    # The retornos covering it, alone or with other documents (MHEventDocument).
    returns = list(MHEvent.objects.filter(covered__document=document, kind="retorno",
                                          state__in=("pending", "sending", "accepted"))
                   .values_list("codigo_generacion", flat=True).distinct())
    if returns:
        # A retorno in force blocks the invalidation of the document it reduces (sv-tax-facts-2.md §2).
        out.append(_("El documento tiene eventos de retorno vigentes (%(c)s): no se invalida mientras lo reduzcan.")
                   % {"c": ", ".join(returns)})
    needs_replacement = tipo in (InvalidationType.ERROR, InvalidationType.OTHER) and document.tipo_dte not in NO_REPLACEMENT_TYPES
    if needs_replacement:
        if replacement is None:
            out.append(_("Las invalidaciones de tipo 1 y 3 requieren el documento sellado que lo reemplaza."))
        elif replacement.pk == document.pk or replacement.status != GovStatus.SEALED:
            out.append(_("El documento de reemplazo debe ser otro documento sellado."))
        elif replacement.tipo_dte != document.tipo_dte:
            out.append(_("El documento de reemplazo debe ser del mismo tipo."))
    elif tipo == InvalidationType.RESCIND and replacement is not None:
        out.append(_("Al rescindir la operación (tipo 2) no se indica documento de reemplazo."))
    return out


def _receptor_of(body, override):
    """The receptor as the original document had it (the event must match it)."""
    # sujetoExcluido: FSE v1; donante: CD v1 (2023), whose donor is the receptor
    rec = body.get("receptor") or body.get("sujetoExcluido") or body.get("donante") or {}
    if "nit" in rec:  # CCF, NC, ND
        out = {"tipoDocumento": "36", "numDocumento": rec.get("nit"), "nombre": rec.get("nombre"),
               "telefono": rec.get("telefono"), "correo": rec.get("correo")}
    else:
        out = {"tipoDocumento": rec.get("tipoDocumento"), "numDocumento": rec.get("numDocumento"),
               "nombre": rec.get("nombre"), "telefono": rec.get("telefono"), "correo": rec.get("correo")}
    for key, value in (override or {}).items():
        if value and not out.get(key):
            out[key] = value
    return out


def _phone(est, company):
    return (est.phone or company.phone or "").replace(" ", "").replace("-", "") or None


def _motivo(tipo, reason, responsible, requester):
    return {"tipoAnulacion": int(tipo), "motivoAnulacion": reason or None,
            "nombreResponsable": responsible["name"], "tipDocResponsable": responsible["id_type"],
            "numDocResponsable": responsible["id_number"], "nombreSolicita": requester["name"],
            "tipDocSolicita": requester["id_type"], "numDocSolicita": requester["id_number"]}


def build_event(document, *, tipo, reason, replacement, responsible, requester, receptor=None, now=None,
                generation=None):
    """The event in the invalidated document's generation (dte.generations): anulacion v2 for a
    2023 document, invalidacion v3 for a 2026 one."""
    now = timezone.localtime(now or timezone.now())
    generation = generation or generations.for_event("anulacion", document=document)
    body = jsonio.loads(document.payload)
    est, pos, company = document.establishment, document.point_of_sale, document.company
    receptor_data = _receptor_of(body, receptor)
    version = event_version("anulacion", generation)
    if generation != "2023":
        return _build_event_v3(document, version=version, now=now, replacement=replacement, receptor_data=receptor_data,
                               motivo=_motivo(tipo, reason, responsible, requester))
    return {
        "identificacion": {"version": version, "ambiente": company.mh_environment,
                           "codigoGeneracion": numbering.codigo_generacion(), "fecAnula": now.date().isoformat(),
                           "horAnula": now.strftime("%H:%M:%S")},
        "emisor": {"nit": company.nit, "nombre": company.legal_name, "tipoEstablecimiento": est.establishment_type,
                   "nomEstablecimiento": est.name or None, "codEstableMH": est.cod_estable_mh,
                   "codEstable": est.cod_estable or None, "codPuntoVentaMH": pos.cod_punto_venta_mh,
                   "codPuntoVenta": pos.cod_punto_venta or None,
                   "telefono": _phone(est, company), "correo": company.email},
        "documento": {"tipoDte": document.tipo_dte, "codigoGeneracion": document.codigo_generacion,
                      "selloRecibido": document.sello_recibido, "numeroControl": document.numero_control,
                      "fecEmi": document.issue_date.isoformat(), "montoIva": document.total_iva,
                      "codigoGeneracionR": replacement.codigo_generacion if replacement else None,
                      **receptor_data},
        "motivo": _motivo(tipo, reason, responsible, requester),
    }


def _build_event_v3(document, *, version, now, replacement, receptor_data, motivo):
    """invalidacion-schema v3 (Normativa v2.0, facts §6): fecAnula/horAnula become fecEmi/horEmi,
    ``fusion`` joins (null: no absorbed company), montoIva, tipoEstablecimiento and
    nomEstablecimiento go."""
    est, pos, company = document.establishment, document.point_of_sale, document.company
    return {
        "identificacion": {"version": version, "ambiente": company.mh_environment,
                           "codigoGeneracion": numbering.codigo_generacion(), "fecEmi": now.date().isoformat(),
                           "horEmi": now.strftime("%H:%M:%S"), "fusion": None},
        "emisor": {"nit": company.nit, "nombre": company.legal_name, "codEstableMH": est.cod_estable_mh,
                   "codEstable": est.cod_estable or None, "codPuntoVentaMH": pos.cod_punto_venta_mh,
                   "codPuntoVenta": pos.cod_punto_venta or None, "telefono": _phone(est, company),
                   "correo": company.email},
        "documento": {"tipoDte": document.tipo_dte, "codigoGeneracion": document.codigo_generacion,
                      "selloRecibido": document.sello_recibido, "numeroControl": document.numero_control,
                      "fecEmi": document.issue_date.isoformat(),
                      "codigoGeneracionR": replacement.codigo_generacion if replacement else None,
                      **receptor_data},
        "motivo": motivo,
    }


def invalidation_request(*, document, acting_user, tipo, reason, replacement=None, responsible, requester, receptor=None,
                         returned=(), now=None):
    """Check, build, validate and sign the event, mark the document "invalidation pending" and
    queue the sending after commit. Raises ValidationError with every reason it cannot.

    ``returned``: the lines whose goods the person confirms came back, [{line, quantity}]; they
    move into stock only when MH accepts the event (dte.returns)."""
    with transaction.atomic():
        doc = Document.objects.select_for_update(of=("self",)).select_related(
            "company", "establishment", "point_of_sale").get(pk=document.pk)
        found = problems(doc, tipo=tipo, replacement=replacement, now=now)
        if found:
            raise ValidationError(found)
        returned_goods = check_returned(doc, returned)
        try:
            generation = generations.for_event("anulacion", document=doc)
        except generations.GenerationRefused as exc:
            raise ValidationError(str(exc)) from None
        event = build_event(doc, tipo=tipo, reason=reason, replacement=replacement, responsible=responsible,
                            requester=requester, receptor=receptor, now=now, generation=generation)
        payload = jsonio.dumps(event)
        errors = schema_errors(jsonio.loads(payload), event="anulacion", generation=generation)
        if errors:
            # The validator's own text is English and technical: the person gets the field in the
            # form's words and what to change; the raw text goes to the log.
            log.info("invalidation event of %s refused by the schema: %s", doc.pk,
                     "; ".join(f"[{'.'.join(map(str, e.absolute_path))}] {e.message}" for e in errors))
            raise ValidationError(schema_messages(errors)[:8])
        official = extra_errors(jsonio.loads(payload), event="anulacion", generation=generation)
        if official:
            raise ValidationError(official[:8])
        try:
            signed = get_signer().sign_bytes(payload.encode("utf-8"), company=doc.company)
        except SigningError as exc:
            raise ValidationError(str(exc)) from exc
        record = Invalidation.objects.create(
            document=doc, tipo=tipo, reason=reason or "", replacement=replacement, responsible=responsible,
            requester=requester, codigo_generacion=event["identificacion"]["codigoGeneracion"], payload=payload,
            jws=signed, returned_goods=returned_goods, created_by=acting_user)
        summary = _("Invalidación solicitada (%(t)s): %(r)s") % {"t": InvalidationType(tipo).label, "r": reason or "—"}
        transition(doc, GovStatus.INVALIDATION_PENDING, by=acting_user, reason=summary)
        audit_record(actor=acting_user, action=AuditAction.INVALIDATE, obj=doc, summary=summary, after={
            "tipo": int(tipo), "motivo": reason or "", "evento": record.codigo_generacion,
            "reemplazo": replacement.codigo_generacion if replacement else None,
            "responsable": responsible.get("name"), "solicitante": requester.get("name"),
            "mercaderia_devuelta": returned_goods})
        from dte.tasks import invalidate_task  # noqa: PLC0415 - cycle: dte.tasks imports this module (a task wraps it)

        enqueue_on_commit(invalidate_task, record.pk)
    return record


def _settle(record, to, **fields):
    """Move the claimed record to ``to`` from the state it is in now, read under a row lock (a claim
    the sweeper took back meanwhile is settled all the same). False if it was settled already."""
    record.state = Invalidation.objects.select_for_update().values_list("state", flat=True).get(pk=record.pk)
    try:
        INVALIDATION_MACHINE.move(record, to, **fields)
    except TransitionRefused:
        return False
    return True


def send(invalidation_id):
    """Send the event; MH's answer settles it. A transient failure is retried (returns False).

    The record is claimed first with the machine's conditional UPDATE (pending → sending), which
    also counts the attempt: a duplicate message (a redelivery, the sweeper's) finds it being sent
    or settled and sends nothing."""
    record = Invalidation.objects.select_related("document__company").get(pk=invalidation_id)
    try:
        INVALIDATION_MACHINE.move(record, InvalidationState.SENDING, reason=_("Enviándose a MH"),
                                  attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    except TransitionRefused:
        return True
    doc = record.document
    client = mh_client.client_for_company(doc.company, timeout=float(settings.DTE_MH_TIMEOUT_SECONDS))
    try:
        # The version the event was built in (its document's generation), not today's.
        version = json.loads(record.payload)["identificacion"]["version"]
        answer = client.invalidate(ambiente=doc.company.mh_environment, id_envio=record.pk,
                                   version=version, documento=record.jws,
                                   codigo_generacion=record.codigo_generacion)
    except (MHTransientError, MHInDoubtError):
        # Retried: a resend of an event MH already took is recognised below ("YA INVALIDADO").
        with transaction.atomic():
            _settle(record, InvalidationState.PENDING, reason=_("MH no respondió; se enviará de nuevo"))
        return False
    except MHPermanentError as exc:
        answer = None
        error = str(exc)
    finally:
        client.close()
    with transaction.atomic():
        already = answer is not None and answer.rejected and "YA INVALIDADO" in (answer.descripcion_msg or "").upper()
        # Settled once: a send that finds it settled by another changes nothing (no second status
        # change, no second stock move).
        if answer is not None and (answer.accepted or already):
            if not _settle(record, InvalidationState.ACCEPTED, reason=_("Invalidado por MH"),
                           sello_recibido=answer.sello or "", answer=answer.raw):
                return True
            transition(doc, GovStatus.INVALIDATED, by=record.created_by, reason=_("Invalidado por MH"))
            invalidation_accepted(record)  # the goods come back only now that the sale is void (facts §6)
            return True
        detail = (f"{answer.codigo_msg} {answer.descripcion_msg}: {'; '.join(answer.observaciones)}"
                  if answer is not None else error)
        reason = _("MH rechazó la invalidación: %(d)s") % {"d": detail}
        if _settle(record, InvalidationState.REJECTED, reason=reason, answer=answer.raw if answer else {"error": error}):
            transition(doc, GovStatus.SEALED, by=record.created_by, reason=reason)
    return True


def attempts_of(invalidation_id):
    return Invalidation.objects.values_list("attempts", flat=True).get(pk=invalidation_id)


# ---------------------------------------------------------------------------------------- sweep


def retry_wait_seconds(attempts):
    """How long after its last attempt (or its request, before any) an unsettled invalidation is
    taken as lost: INVALIDATION_STUCK_AFTER_SECONDS, doubled after each attempt past the first,
    up to INVALIDATION_RETRY_MAX_SECONDS."""
    base, cap = settings.INVALIDATION_STUCK_AFTER_SECONDS, settings.INVALIDATION_RETRY_MAX_SECONDS
    return min(cap, base * 2 ** max(0, attempts - 1))


def _lost(now):
    """The filter of pending invalidations whose wait is over: one term per attempt count until the
    wait reaches its cap (so the database picks them, whatever their number)."""
    terms, attempts = [], 1
    while True:
        wait = retry_wait_seconds(attempts)
        older = Q(since__lte=now - datetime.timedelta(seconds=wait))
        if retry_wait_seconds(attempts + 1) == wait or attempts >= 64:  # the cap: the same wait from here on
            terms.append(older if attempts == 1 else Q(attempts__gte=attempts) & older)
            break
        terms.append((Q(attempts__lte=1) if attempts == 1 else Q(attempts=attempts)) & older)
        attempts += 1
    return functools.reduce(operator.or_, terms)


def invalidations_sweep(*, now=None):
    """Send again what a lost message or a dead worker left unsent, so no invalidation waits
    forever while its document stays "invalidation pending". A claim older than the send task's
    hard time limit lost its worker: it goes back to pending (MH may have the event; a resend is
    answered "YA INVALIDADO", which settles it). Pending ones whose wait is over are queued again,
    unless the circuit breaker says their MH is down (they wait for the next sweep).
    Returns (queued, released, deferred)."""
    from dte.tasks import invalidate_task  # noqa: PLC0415 - cycle: dte.tasks imports this module (a task wraps it)

    now = now or timezone.now()
    dead_after = (invalidate_task.time_limit or settings.CELERY_TASK_TIME_LIMIT) + settings.INVALIDATION_STUCK_AFTER_SECONDS
    released = INVALIDATION_MACHINE.move_many(
        Invalidation.objects.filter(state=InvalidationState.SENDING,
                                    last_attempt_at__lt=now - datetime.timedelta(seconds=dead_after)),
        InvalidationState.PENDING, reason=_("El proceso que enviaba la invalidación se detuvo"))
    lost = (Invalidation.objects.filter(state=InvalidationState.PENDING)
            .annotate(since=Coalesce("last_attempt_at", "created_at")).filter(_lost(now))
            .select_related("document__company").order_by("since")[:settings.DTE_SWEEP_BATCH])
    queued, deferred, down = 0, 0, {}
    for record in lost:
        url = mh_client.base_url_for(record.document.company)
        if url not in down:
            down[url] = breaker.mh_unreachable(url, now=now)
        if down[url]:
            deferred += 1
            continue
        queued += enqueue(invalidate_task, record.pk)
    if queued or released or deferred:
        log.info("invalidaciones: %d en cola de nuevo, %d liberadas, %d aplazadas (MH caído)", queued, len(released), deferred)
    return queued, len(released), deferred
