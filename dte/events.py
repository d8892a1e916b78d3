"""The events Normativa v2.0 adds (sv-tax-facts-2.md §2): Evento de Retorno (tipoEvento 18) and
Evento de Operaciones Especiales (17). Both exist only in the 2026 generation: while the
generation in force for the event (dte.generations; SchemaGeneration rows of kind "retorno" /
"operaciones" or "*") is 2023, creating one is refused with a message saying so.

- Retorno: returns, refunds or recovered container deposits that reduce a sealed Factura (sale
  and its débito), Factura de Exportación or Factura de Sujeto Excluido (purchase); within 3
  months of the seal; several allowed while their sum stays within the document; while in force,
  its documents cannot be invalidated (dte.invalidation.problems). One retorno may cover up to 50
  documents of one type with the same parties (sv-tax-facts-2.md §2); each document's share
  (MHEventDocument) is what its lines take off it. It may be issued in contingency (facts §5,
  v2.0): signed with tipoModelo 2, tipoOperacion 2 and the outage's tipoContingencia/motivo while
  an outage covers the point of sale, held (``send`` does not send it) until contingency lists it
  in an Evento de Contingencia (tipoDoc "18") that MH seals and releases it (release_held_returns);
  it is then sent by itself through recepciondte [G: MH's lots are for DTEs]. A retorno signed
  before an outage keeps retrying as a normal one.
  Who: whoever corrects issued documents (the accountant's invalidation grant).
- Operaciones especiales: a designated taxpayer's report of operations documented outside DTE in
  one month (Facturas de venta simplificada as ranges, comprobantes de control interno by number),
  prices without IVA, ≤ 500 lines, due in the first 10 business days of the next month [C].

Endpoints: MH's v2.0 technical manual does not publish one for these events; implementers send
them through /fesv/recepciondte like a DTE (facts §1, §12; sv-tax-facts-2.md §2 "recepciondte
likely [G]"), the envelope's tipoDte carrying the tipoEvento. Amount rules not written by MH
(how a return's lines are valued) are ours and marked [G]."""

import calendar
import datetime
import json
import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import formats
from core.audit import audit_record
from core.models import AuditAction
from core.queue import enqueue_on_commit
from core.statemachine import TransitionRefused
from dte import generations, jsonio, numbering
from dte.amounts import ZERO, D, amount_in_words, q2, q8
from dte.explain import schema_messages
from dte.mh import client as mh_client
from dte.mh.errors import MHInDoubtError, MHPermanentError, MHTransientError
from dte.models import MH_EVENT_MACHINE, Document, EventKind, EventState, GovStatus, MHEvent, MHEventDocument
from dte.schemas import registry
from dte.schemas.validation import extra_errors, schema_errors
from dte.signing.backends import SigningError, get_signer
from dte.taxes import IVA_DIVISOR, IVA_RATE
from dte.transmission.scopes import scope_covering

log = logging.getLogger(__name__)
RETURNABLE_TYPES = ("01", "11", "14")  # FE, FEX, FSE (sv-tax-facts-2.md §2)
RETURN_MONTHS = 3  # within 3 months of the seal (2 years for a few activities: not issued here)
MAX_RETURN_DOCUMENTS = 50  # documents one retorno covers (sv-tax-facts-2.md §2; fe-eret-v1 maxItems 50)
IN_FORCE = (EventState.PENDING, EventState.SENDING, EventState.ACCEPTED)
SIMPLIFIED, INTERNAL = "02", "97"  # CAT-023, 2026 edition ("Operaciones Especiales")
MAX_SPECIAL_LINES = 500
SALE_COLUMNS = ("ventaNoSuj", "ventaExenta", "ventaGravada", "compra")


def generation_for(kind, *, at=None):
    """The generation the event is issued in, or ValidationError when it is one without the event
    (2023: the events came with Normativa v2.0)."""
    at = at or timezone.now()
    generation = generations.generation_in_force(kind, at=at)
    try:
        registry.entry(kind, generation)
    except registry.UnknownGeneration:
        raise ValidationError(_(
            "El %(e)s existe solo desde la Normativa v2.0 (generación 2026) y para él rige la generación %(g)s. "
            "Cuando MH ponga en vigencia la v2.0, configure la generación 2026 en Administración → Generaciones "
            "de esquemas MH.") % {"e": EventKind(kind).label.lower(), "g": generation}) from None
    return generation


def _add_months(moment, months):
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def return_deadline(document):
    return _add_months(timezone.localtime(document.processed_at or document.issued_at), RETURN_MONTHS)


def returned_so_far(document):
    """What the retornos in force already took off the document (its share of each)."""
    return MHEventDocument.objects.filter(document=document, event__kind=EventKind.RETURN,
                                          event__state__in=IN_FORCE).aggregate(s=Sum("amount"))["s"] or ZERO


def document_worth(document):
    """What a retorno may take off in all: the operation (FE, FEX) or the purchase after its
    discount (FSE, which has no montoTotalOperacion)."""
    resumen = jsonio.loads(document.payload).get("resumen") or {}
    return q2(D(resumen.get("montoTotalOperacion", resumen.get("subTotal"))))


def returns_in_force(document):
    """The retornos in force that reduce ``document`` (alone or with others)."""
    return MHEvent.objects.filter(covered__document=document, kind=EventKind.RETURN, state__in=IN_FORCE).distinct()


def return_problems(document, *, now=None):
    now = timezone.localtime(now or timezone.now())
    if document.tipo_dte not in RETURNABLE_TYPES:
        return [_("Un evento de retorno solo reduce una factura, una factura de exportación o una factura de sujeto "
                  "excluido.")]
    if document.status != GovStatus.SEALED:
        return [_("Solo se registra un retorno sobre un documento sellado por MH (este está «%(s)s»).")
                % {"s": document.get_status_display()}]
    if now > return_deadline(document):
        return [_("El plazo de 3 meses desde el sello para registrar un retorno venció.")]
    return []


# ------------------------------------------------------------------------------------- retorno


def _returned_items(document, returned, documents=None):
    """[G] Each returned line valued as the document valued it: the quantity returned times its
    unit price, less its discount in proportion; its IVA (FE) the 13/113 inside. A returned row
    names its document (``document``: a pk among ``documents``) when the retorno covers several;
    without it, the row is of ``document``."""
    by_pk = {d.pk: d for d in (documents or [document])}
    items_of = {pk: {int(i["numItem"]): i for i in jsonio.loads(d.payload).get("cuerpoDocumento") or []}
                for pk, d in by_pk.items()}
    out, errors = [], []
    for n, entry in enumerate(returned, start=1):
        source = by_pk.get(entry.get("document") or document.pk)
        if source is None:
            errors.append(_("Fila %(n)d: el documento %(d)s no es uno de los que cubre el retorno.")
                          % {"n": n, "d": entry.get("document")})
            continue
        item = items_of[source.pk].get(int(entry["numItem"]))
        quantity = D(entry["quantity"])
        label = source.numero_control if len(by_pk) > 1 else ""
        if item is None:
            errors.append(_("Fila %(n)d: el documento %(d)s no tiene la línea %(l)s.") % {
                "n": n, "d": label, "l": entry["numItem"]} if label else
                _("Fila %(n)d: el documento no tiene la línea %(l)s.") % {"n": n, "l": entry["numItem"]})
            continue
        if quantity <= 0 or quantity > D(item["cantidad"]):
            errors.append((label + ", " if label else "") + _(
                "Línea %(l)s: la cantidad devuelta debe ser mayor que 0 y no mayor que %(q)s.")
                % {"l": entry["numItem"], "q": item["cantidad"]})
            continue
        document_ = source
        ratio = quantity / D(item["cantidad"])
        discount = q8(D(item.get("montoDescu")) * ratio)
        amount = q8(quantity * D(item.get("precioUni")) - discount)
        column = next((c for c in SALE_COLUMNS if D(item.get(c))), "compra" if document_.tipo_dte == "14" else "ventaGravada")
        line = dict.fromkeys(SALE_COLUMNS, ZERO)
        line[column] = amount
        iva = q8(line["ventaGravada"] * IVA_RATE / IVA_DIVISOR) if document_.tipo_dte == "01" else ZERO
        out.append({"numItem": len(out) + 1, "tipoItem": int(item.get("tipoItem") or 1),
                    "codigoGeneracion": document_.codigo_generacion, "cantidad": quantity,
                    "precioUni": D(item.get("precioUni")), "descripcion": item["descripcion"], "codigo": item.get("codigo"),
                    "uniMedida": int(item.get("uniMedida") or 59), "montoDescu": discount,
                    "codTributo": item.get("codTributo"), **line,
                    "tributos": item.get("tributos") if line["ventaGravada"] else None,
                    "psv": ZERO, "ivaItem": iva, "noGravado": ZERO, "seguro": ZERO, "flete": ZERO,
                    "ivaRete": ZERO, "reteRenta": ZERO})
    return out, errors


def _counterparty(body):
    rec = body.get("receptor") or body.get("sujetoExcluido")
    if not rec:
        return None  # a Factura to an unnamed consumer
    return {"tipoDocumento": rec.get("tipoDocumento") or ("36" if rec.get("nit") else None),
            "numDocumento": rec.get("numDocumento") or rec.get("nit"), "nombre": rec.get("nombre"),
            "codPais": rec.get("codPais"), "nombrePais": rec.get("nombrePais"), "telefono": rec.get("telefono"),
            "correo": rec.get("correo")}


def _parties_key(document):
    """Who the document was issued to, as a retorno compares them (one retorno, one counterparty)."""
    party = _counterparty(jsonio.loads(document.payload)) or {}
    return (party.get("tipoDocumento"), party.get("numDocumento"))


def shares(items):
    """{codigoGeneracion: what the retorno's lines take off that document} (sale columns, or the
    FSE's purchase), 2 decimals."""
    out = {}
    for item in items:
        out[item["codigoGeneracion"]] = out.get(item["codigoGeneracion"], ZERO) + sum((item[c] for c in SALE_COLUMNS), ZERO)
    return {code: q2(value) for code, value in out.items()}


def return_value(document, returned):
    """(what a retorno of ``returned`` ([{numItem, quantity}]) would take off ``document``, the
    problems): the same valuation as build_return's montoTotalOperacion, without signing anything."""
    items, errors = _returned_items(document, returned)
    if errors:
        return ZERO, errors
    total = {c: q2(sum((i[c] for i in items), ZERO)) for c in SALE_COLUMNS}
    return sum(total.values(), ZERO), []


def build_return(document, items, *, version, now, codigo, documents=None, offline=None):
    """The fe-eret-v1 event: ``document`` gives the emisor's point of sale and the counterparty;
    ``documents`` (default: that one) are the documentoRelacionado; ``offline`` the outage
    (OfflineScope) it is issued in, or None."""
    body = jsonio.loads(document.payload)
    est, pos, company = document.establishment, document.point_of_sale, document.company
    issuer = body.get("emisor") or {}
    total = {c: q2(sum((i[c] for i in items), ZERO)) for c in SALE_COLUMNS}
    sub_total = total["ventaNoSuj"] + total["ventaExenta"] + total["ventaGravada"]
    operation = sub_total + total["compra"]  # [G] what the return takes off the document
    return {
        "identificacion": {"version": version, "ambiente": company.mh_environment,
                           "tipoModelo": 2 if offline else 1, "tipoOperacion": 2 if offline else 1,
                           "tipoEvento": registry.TIPO_EVENTO["retorno"],
                           "tipoContingencia": offline.tipo if offline else None,
                           "motivoContin": (offline.motivo or None) if offline else None,
                           "codigoGeneracion": codigo, "fecEmi": now.date().isoformat(),
                           "horEmi": now.strftime("%H:%M:%S"), "fusion": None, "tipoMoneda": "USD"},
        "documentoRelacionado": [{"tipoDocumento": d.tipo_dte, "codigoGeneracion": d.codigo_generacion,
                                  "fechaEmision": d.issue_date.isoformat()} for d in (documents or [document])],
        # The emisor keeps MH's establishment and point-of-sale codes (sv-tax-facts-2.md §2).
        "emisor": {"nit": company.nit, "nombre": company.legal_name, "codEstableMH": est.cod_estable_mh,
                   "codEstable": est.cod_estable or None, "codPuntoVentaMH": pos.cod_punto_venta_mh,
                   "codPuntoVenta": pos.cod_punto_venta or None, "recintoFiscal": issuer.get("recintoFiscal"),
                   "tipoRegimen": issuer.get("tipoRegimen"), "regimen": issuer.get("regimen"),
                   "tipoItemExpor": issuer.get("tipoItemExpor")},
        "documento": _counterparty(body),
        "ventaTercero": None, "compraTercero": None,
        "cuerpoDocumento": items,
        "resumen": {"totalNoSuj": total["ventaNoSuj"], "totalExenta": total["ventaExenta"],
                    "totalGravada": total["ventaGravada"], "totalCompraExcluidos": total["compra"],
                    "subTotalVentas": sub_total, "tributos": None, "totalSeguro": None, "totalFlete": None,
                    "montoTotalOperacion": operation, "ivaRete": ZERO, "reteRenta": None, "totalNoGravado": ZERO,
                    "totalPagar": operation, "totalLetras": amount_in_words(operation), "totalNoOnerosas": ZERO,
                    "totalIva": q2(sum((i["ivaItem"] for i in items), ZERO)), "saldoFavor": ZERO},
        "apendice": None,
    }


def cover_problems(documents):
    """What stops these documents from sharing one retorno: at most 50, one type, one point of
    sale (the event's emisor names one) and the same counterparty (sv-tax-facts-2.md §2)."""
    out = []
    if len(documents) > MAX_RETURN_DOCUMENTS:
        out.append(_("Un retorno cubre hasta %(n)d documentos.") % {"n": MAX_RETURN_DOCUMENTS})
    if len({d.tipo_dte for d in documents}) > 1:
        out.append(_("Un retorno cubre documentos de un solo tipo."))
    if len({d.point_of_sale_id for d in documents}) > 1:
        out.append(_("Un retorno cubre documentos de un mismo punto de venta."))
    if len({_parties_key(d) for d in documents if d.payload}) > 1:
        out.append(_("Un retorno cubre documentos emitidos a la misma persona."))
    return out


def return_request(*, document, acting_user, returned, reason="", now=None, documents=None):
    """Check, build, validate and sign an Evento de Retorno against ``document`` (and the other
    ``documents`` it covers, ≤ 50 of one type with the same parties) for the lines in ``returned``
    ([{numItem, quantity, document?}]) and queue its sending after commit, or, while an outage
    covers the point of sale, hold it for contingency. ValidationError with every reason it cannot."""
    now = timezone.localtime(now or timezone.now())
    generation = generation_for(EventKind.RETURN, at=now)
    pks = [document.pk] + [d.pk for d in documents or () if d.pk != document.pk]
    with transaction.atomic():
        locked = {d.pk: d for d in Document.objects.select_for_update(of=("self",)).select_related(
            "company", "establishment", "point_of_sale").filter(pk__in=pks).order_by("pk")}
        covered = [locked[pk] for pk in pks if pk in locked]
        doc = covered[0]
        problems = []
        for each in covered:
            found = return_problems(each, now=now)
            problems += [f"{each.numero_control}: {p}" for p in found] if len(covered) > 1 else found
        problems += cover_problems(covered)
        if problems:
            raise ValidationError(problems)
        if not returned:
            raise ValidationError(_("Indique qué líneas y cuántas unidades se devuelven."))
        items, errors = _returned_items(doc, returned, covered)
        if errors:
            raise ValidationError(errors)
        taken = shares(items)
        covered = [d for d in covered if d.codigo_generacion in taken]  # a document nothing is returned from is left out
        offline = scope_covering(company_id=doc.company_id, establishment_id=doc.establishment_id,
                                 point_of_sale_id=doc.point_of_sale_id)
        event = build_return(doc, items, version=registry.event_version(EventKind.RETURN, generation), now=now,
                             codigo=numbering.codigo_generacion(), documents=covered, offline=offline)
        total = event["resumen"]["montoTotalOperacion"]
        over = []
        for each in covered:
            left = document_worth(each) - returned_so_far(each)
            if taken[each.codigo_generacion] > left:
                over.append(_("Los retornos sumarían más que el documento%(d)s: queda %(l)s por devolver.") % {
                    "d": f" {each.numero_control}" if len(covered) > 1 else "", "l": formats.money(left)})
        if over:
            raise ValidationError(over)
        record = _sign_and_store(event, kind=EventKind.RETURN, generation=generation, company=doc.company,
                                 establishment=doc.establishment, document=doc, total=total, reason=reason,
                                 acting_user=acting_user, point_of_sale=doc.point_of_sale, offline=offline)
        MHEventDocument.objects.bulk_create([MHEventDocument(event=record, document=each,
                                                             amount=taken[each.codigo_generacion]) for each in covered])
        for each in covered:
            audit_record(actor=acting_user, action=AuditAction.RETURN, obj=each, summary=_(
                "Evento de retorno firmado por %(t)s: %(r)s") % {"t": formats.money(taken[each.codigo_generacion]),
                                                                  "r": reason or "—"},
                after={"evento": record.codigo_generacion, "monto": str(taken[each.codigo_generacion]),
                       "contingencia": offline.pk if offline else None,
                       "lineas": [{"numItem": r["numItem"], "cantidad": str(r["quantity"])} for r in returned
                                  if (r.get("document") or doc.pk) == each.pk]})
    return record


def release_held_returns(event_ids):
    """Contingency's word that a sealed Evento de Contingencia lists these retornos: they may be
    sent now. Returns how many were released (each once)."""
    released = 0
    from dte.tasks import mh_event_task  # noqa: PLC0415 - cycle: dte.tasks imports this module (a task wraps it)

    for pk in event_ids:
        if MHEvent.objects.filter(pk=pk, released_at__isnull=True, state=EventState.PENDING).update(
                released_at=timezone.now()):
            enqueue_on_commit(mh_event_task, pk)
            released += 1
    return released


def resend_stalled_returns(period, *, older_than=datetime.timedelta(minutes=5), now=None):
    """Released retornos of an outage still waiting to be sent (their message lost, or a worker
    died): queued again. The contingency tick calls this until every retorno is answered. Returns
    how many."""
    now = now or timezone.now()
    stalled = MHEvent.objects.filter(kind=EventKind.RETURN, contingency_period=period, released_at__isnull=False,
                                     state=EventState.PENDING, released_at__lt=now - older_than).exclude(
        last_attempt_at__gte=now - older_than)
    from dte.tasks import mh_event_task  # noqa: PLC0415 - cycle: dte.tasks imports this module (a task wraps it)

    ids = list(stalled.values_list("pk", flat=True))
    for pk in ids:
        enqueue_on_commit(mh_event_task, pk)
    return len(ids)


def held_returns(period):
    """The retornos of an outage not listed in any contingency event yet (contingency asks)."""
    return MHEvent.objects.filter(kind=EventKind.RETURN, contingency_period=period, released_at__isnull=True,
                                  state=EventState.PENDING)


# --------------------------------------------------------------------- operaciones especiales


def special_period_deadline(period):
    """[C] Due in the first 10 business days (Monday to Friday) of the month after ``period``."""
    day = (period.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    counted = 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted == 10:
                return day
        day += datetime.timedelta(days=1)


def special_items(rows):
    """The event's lines from the rows a person typed, each checked with its row and field named:
    FVS (02) as a range docDel–docAl, internal vouchers (97) by number; prices without IVA;
    tributo 20 on the taxable ones (sv-tax-facts-2.md §2). Returns (items, errors)."""
    items, errors = [], []
    if len(rows) > MAX_SPECIAL_LINES:
        errors.append(_("Un evento lleva hasta %(n)d líneas: divídalo en varios.") % {"n": MAX_SPECIAL_LINES})
        return items, errors
    for n, row in enumerate(rows, start=1):
        label = _("Fila %(n)d") % {"n": row.get("row") or n}  # the form's own row number when it gives one
        kind = row.get("tipoDocumento")
        before = len(errors)
        if kind not in (SIMPLIFIED, INTERNAL):
            errors.append(_("%(r)s, tipo: elija factura de venta simplificada (02) o comprobante de control interno "
                            "(97).") % {"r": label})
        if kind == SIMPLIFIED and not (row.get("docDel") and row.get("docAl")):
            errors.append(_("%(r)s, del/al: las facturas simplificadas se informan por rango.") % {"r": label})
        if kind == INTERNAL and not row.get("numDocumento"):
            errors.append(_("%(r)s, número: indique el número del comprobante.") % {"r": label})
        if not row.get("descripcion"):
            errors.append(_("%(r)s, descripción: es obligatoria.") % {"r": label})
        try:
            quantity = int(row.get("cantidad") or 0)
            price = Decimal(str(row.get("precioUni") or "0"))
        except (ValueError, ArithmeticError):
            errors.append(_("%(r)s, cantidad o precio: no es un número.") % {"r": label})
            continue
        if quantity < 1 or price < 0:
            errors.append(_("%(r)s, cantidad o precio: la cantidad es al menos 1 y el precio no es negativo.")
                          % {"r": label})
        if len(errors) > before:
            continue
        amount = q8(quantity * price)
        treatment = row.get("treatment") or "gravado"
        columns = {"ventaNoSuj": amount if treatment == "no_sujeto" else ZERO,
                   "ventaExenta": amount if treatment == "exento" else ZERO,
                   "ventaGravada": amount if treatment == "gravado" else ZERO}
        items.append({"numItem": len(items) + 1, "codigoGeneracionRef": row.get("codigoGeneracionRef") or None,
                      "tipoDocumento": kind, "numDocumento": row.get("numDocumento") if kind == INTERNAL else None,
                      "fechaEmision": row.get("fechaEmision") or None, "cantidad": quantity,
                      "descripcion": row["descripcion"][:1500],
                      "docDel": row.get("docDel") if kind == SIMPLIFIED else None,
                      "docAl": row.get("docAl") if kind == SIMPLIFIED else None,
                      "precioUni": price, **columns, "tributos": ["20"] if columns["ventaGravada"] else None})
    if not items and not errors:
        errors.append(_("Agregue al menos una operación."))
    return items, errors


def build_special(company, items, *, version, now, codigo):
    """[G] resumen: the columns summed; IVA (tributo 20) 13 % of the taxable total, added to it."""
    total = {c: q2(sum((i[c] for i in items), ZERO)) for c in ("ventaNoSuj", "ventaExenta", "ventaGravada")}
    sub_total = total["ventaNoSuj"] + total["ventaExenta"] + total["ventaGravada"]
    iva = q2(total["ventaGravada"] * IVA_RATE)
    tributos = [{"codigo": "20", "descripcion": "Impuesto al Valor Agregado 13%", "valor": iva}] if iva else None
    return {
        "identificacion": {"version": version, "ambiente": company.mh_environment, "tipoModelo": 1, "tipoOperacion": 1,
                           "tipoEvento": registry.TIPO_EVENTO["operaciones"], "codigoGeneracion": codigo,
                           "fecEmi": now.date().isoformat(), "horEmi": now.strftime("%H:%M:%S"), "tipoMoneda": "USD"},
        "emisor": {"nit": company.nit, "nombre": company.legal_name},
        "cuerpoDocumento": items,
        "resumen": {"totalNoSuj": total["ventaNoSuj"], "totalExenta": total["ventaExenta"],
                    "totalGravada": total["ventaGravada"], "subTotal": sub_total, "tributos": tributos,
                    "total": sub_total + iva, "totalLetras": amount_in_words(sub_total + iva)},
        "apendice": None,
    }


def special_request(*, company, acting_user, rows, period, reason="", now=None):
    """Check, build, validate and sign an Evento de Operaciones Especiales for ``period`` (any day
    of the month reported) and queue its sending after commit."""
    now = timezone.localtime(now or timezone.now())
    generation = generation_for(EventKind.SPECIAL, at=now)
    period = period.replace(day=1)
    if period > now.date():
        raise ValidationError(_("El periodo informado no puede ser futuro."))
    items, errors = special_items(rows)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = build_special(company, items, version=registry.event_version(EventKind.SPECIAL, generation), now=now,
                              codigo=numbering.codigo_generacion())
        record = _sign_and_store(event, kind=EventKind.SPECIAL, generation=generation, company=company, period=period,
                                 total=event["resumen"]["total"], reason=reason, acting_user=acting_user)
        audit_record(actor=acting_user, action=AuditAction.SEND, obj=record, summary=_(
            "Evento de operaciones especiales de %(p)s firmado: %(n)d líneas") % {
            "p": period.strftime("%m/%Y"), "n": len(items)}, after={"evento": record.codigo_generacion,
                                                                    "total": str(event["resumen"]["total"])})
    return record


# ------------------------------------------------------------------------------ sign and send


def _sign_and_store(event, *, kind, generation, company, acting_user, establishment=None, document=None, period=None,
                    total=ZERO, reason="", point_of_sale=None, offline=None):
    payload = jsonio.dumps(event)
    errors = schema_errors(jsonio.loads(payload), event=kind, generation=generation)
    if errors:
        log.info("%s event refused by the schema: %s", kind,
                 "; ".join(f"[{'.'.join(map(str, e.absolute_path))}] {e.message}" for e in errors))
        raise ValidationError(schema_messages(errors)[:8])
    official = extra_errors(jsonio.loads(payload), event=kind, generation=generation)
    if official:
        raise ValidationError(official[:8])
    try:
        signed = get_signer().sign_bytes(payload.encode("utf-8"), company=company)
    except SigningError as exc:
        raise ValidationError(str(exc)) from exc
    record = MHEvent.objects.create(
        kind=kind, company=company, establishment=establishment, document=document, period=period,
        generation=generation, version=event["identificacion"]["version"],
        codigo_generacion=event["identificacion"]["codigoGeneracion"], total=q2(total), reason=reason[:500],
        payload=payload, jws=signed, created_by=acting_user, point_of_sale=point_of_sale, contingency_period=offline)
    if offline is not None:
        return record  # held: contingency lists it in its event and releases it once MH seals that
    from dte.tasks import mh_event_task  # noqa: PLC0415 - cycle: dte.tasks imports this module (a task wraps it)

    enqueue_on_commit(mh_event_task, record.pk)
    return record


def _settle(record, to, **fields):
    record.state = MHEvent.objects.select_for_update().values_list("state", flat=True).get(pk=record.pk)
    try:
        MH_EVENT_MACHINE.move(record, to, **fields)
    except TransitionRefused:
        return False
    return True


def send(event_id):
    """Send the event; MH's answer settles it once. A transient failure puts it back (returns False)."""
    record = MHEvent.objects.select_related("company").get(pk=event_id)
    if record.contingency_period_id and record.released_at is None:
        return True  # a contingency retorno waits for the sealed event that lists it (release_held_returns)
    try:
        MH_EVENT_MACHINE.move(record, EventState.SENDING, reason=_("Enviándose a MH"),
                              attempts=F("attempts") + 1, last_attempt_at=timezone.now())
    except TransitionRefused:
        return True
    client = mh_client.client_for_company(record.company, timeout=float(settings.DTE_MH_TIMEOUT_SECONDS))
    error = ""
    try:
        answer = client.send_dte(ambiente=record.company.mh_environment, id_envio=record.pk, version=record.version,
                                 tipo_dte=registry.TIPO_EVENTO[record.kind], documento=record.jws,
                                 codigo_generacion=record.codigo_generacion)
    except (MHTransientError, MHInDoubtError):
        with transaction.atomic():
            _settle(record, EventState.PENDING, reason=_("MH no respondió; se enviará de nuevo"))
        return False
    except MHPermanentError as exc:
        answer, error = None, str(exc)
    finally:
        client.close()
    with transaction.atomic():
        if answer is not None and answer.accepted:
            _settle(record, EventState.ACCEPTED, reason=_("Recibido por MH"), sello_recibido=answer.sello or "",
                    answer=answer.raw)
            return True
        detail = (f"{answer.codigo_msg} {answer.descripcion_msg}: {'; '.join(answer.observaciones)}"
                  if answer is not None else error)
        _settle(record, EventState.REJECTED, reason=(_("MH rechazó el evento: %(d)s") % {"d": detail})[:500],
                answer=answer.raw if answer is not None else {"error": error})
    return True


def attempts_of(event_id):
    return MHEvent.objects.values_list("attempts", flat=True).get(pk=event_id)


def event_summary(record):
    """What the event's page shows: its resumen, as sent."""
    return json.loads(record.payload).get("resumen") or {}
