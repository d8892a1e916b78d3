"""Issuing: ``document_issue`` turns a draft into a DTE in one transaction (number, JSON, schema
check, signature, outbox) or changes nothing at all; the preview of what will be signed; the
signed document as delivered."""

import datetime
import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import operate_grant_exists, user_may_operate
from core.audit import audit_entry
from core.models import AuditAction
from dte import arithmetic as ar
from dte import builders, generations, hooks, jsonio, numbering
from dte.amounts import D, q2
from dte.models import CaseCode as Case
from dte.models import (
    CaseState,
    Document,
    DocumentLine,
    GovStatus,
    OfflineScope,
    Outbox,
    OutboxState,
    RelatedDocument,
)
from dte.prepared import PreparedQuery
from dte.schemas import registry
from dte.schemas.validation import payload_errors
from dte.services.cases import cases_refresh
from dte.services.problems import document_problems
from dte.services.totals import book_amounts, document_totals, iva_of, total_of
from dte.signing.backends import SigningError, get_signer
from dte.transitions import transition
from dte.transmission import outbox as transmission_outbox
from dte.transmission import scopes
from inventory.services import stock_move

_LINE_DOCUMENT = DocumentLine._meta.get_field("document")


class IssueError(Exception):
    """The document cannot be issued as it is; ``problems`` says why, in Spanish."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


def _reuse_window():
    return datetime.timedelta(hours=settings.DTE_REUSE_CODE_HOURS)


def _hor_emi(now):
    return timezone.localtime(now).time().replace(microsecond=0)


def _contingency_of(doc, *, correcting, reused_code, generation):
    """(period, contingency fields) for the document being issued. Inside an active period of its
    point of sale it is issued offline (facts §5): tipoModelo/tipoOperacion 2 with the period's
    reason, and refused if MH does not take its type in contingency. A rejected contingency
    document corrected with the same code stays a contingency document (its event lists it).
    The period was looked up (dte.transmission.scopes.scope_id_for_documents) by the query that
    locked the document, in this transaction; it is loaded only when there is one."""
    period = None
    if doc.issue_period_id is not None:
        period = OfflineScope.objects.filter(pk=doc.issue_period_id).first()
    if period is not None:
        if doc.tipo_dte not in registry.contingency_types(generation):
            raise IssueError([_("«%(t)s» no puede emitirse en contingencia: MH no lo admite (CAT-023). Emítalo "
                                "cuando termine la contingencia de %(w)s.") % {
                "t": doc.get_tipo_dte_display(), "w": period.scope_label}])
        return period, period.identificacion
    if (correcting and reused_code and doc.contingency_period_id
            and any(reported(doc) for reported in hooks.reported_checks)):
        return None, doc.contingency_period.identificacion
    return None, None


def _issue_queryset(with_grant, pk, at_microseconds, user_id=None):
    """The query that locks the document to issue (its row only) and reads, in the same round
    trip, what issuing needs before building: its company, location and client, the user's grant
    on the point of sale (accounts.selectors.user_may_operate; ``with_grant``), the active
    offline scope covering it (dte.transmission.scopes.scope_covering), whether it names
    related documents and the schema generation configured for its type at the moment of issue
    (dte.generations.in_force_annotation)."""
    qs = (Document.objects.select_for_update(of=("self",))
          .select_related("company", "establishment", "point_of_sale", "client")
          .annotate(issue_period_id=scopes.scope_id_for_documents(),
                    issue_has_related=Exists(RelatedDocument.objects.filter(document=OuterRef("pk"))),
                    issue_generation=generations.in_force_annotation(OuterRef("tipo_dte"), at_microseconds)))
    if with_grant:
        qs = qs.annotate(issue_may_operate=operate_grant_exists(user_id=user_id,
                                                                point_of_sale_id=OuterRef("point_of_sale_id")))
    return qs.filter(pk=pk).order_by()


_ISSUE_LOAD = PreparedQuery(_issue_queryset)
# In their position's order, as doc.lines gives them (its ordering, "document" then "position",
# would join the document again to sort by the document's own ordering).
_ISSUE_LINES = PreparedQuery(lambda variant, document_id: DocumentLine.objects.filter(
    document_id=document_id).select_related("product").order_by("position", "id"))


def _issue_load(document, user, now):
    with_grant = bool(user.is_authenticated and user.is_active and not user.company_wide)
    found = _ISSUE_LOAD.fetch(document.pk, generations.microseconds(now), *([user.pk] if with_grant else []),
                              variant=with_grant)
    if not found:
        raise Document.DoesNotExist("Document matching query does not exist.")
    doc = found[0]
    lines = _ISSUE_LINES.fetch(doc.pk)
    for line in lines:
        _LINE_DOCUMENT.set_cached_value(line, doc)  # as doc.lines does: line.document is doc
    return doc, lines


def document_issue(*, document, acting_user, now=None):
    """Number, build, validate, sign and store the document and create its outbox row, in one
    transaction: if anything fails nothing is kept and no number is used."""
    now = now or timezone.now()
    with transaction.atomic():
        doc, lines = _issue_load(document, acting_user, now)
        if not doc.is_editable:
            raise IssueError([_("El documento ya fue emitido.")])
        correcting = doc.status == GovStatus.CORRECTING

        doc.point_of_sale.establishment = doc.establishment  # already loaded: no second query
        if not user_may_operate(user=acting_user, point_of_sale=doc.point_of_sale,
                                granted=getattr(doc, "issue_may_operate", None)):
            raise PermissionDenied(_("No puede emitir desde ese establecimiento o punto de venta."))
        if doc.client_id:
            doc.counterparty = builders.party_snapshot(client=doc.client)
        elif doc.provider_id and doc.tipo_dte == ar.CR:
            doc.counterparty = builders.party_snapshot(provider=doc.provider)
        related = (list(doc.related.select_related("target"))
                   if doc.tipo_dte in builders.WITH_RELATED and doc.issue_has_related else [])
        try:
            generation = generations.for_issue(doc, related=related, at=now, correcting=correcting,
                                               in_force=doc.issue_generation)
        except generations.GenerationRefused as exc:
            raise IssueError([str(exc)]) from exc
        try:
            totals = document_totals(doc, lines)
        except ar.ArithmeticError_ as exc:
            raise IssueError([str(exc)]) from exc
        problems = document_problems(doc, lines, related, totals, generation=generation)
        if problems:
            raise IssueError(problems)
        cases = {c.code: c for c in cases_refresh(document=doc, acting_user=acting_user, lines=lines, totals=totals)}
        unsettled = [c for c in cases.values() if c.state not in (CaseState.CONFIRMED, CaseState.APPROVED)]
        if unsettled:
            raise IssueError([_("Falta confirmar: %(c)s.") % {"c": Case(c.code).label} for c in unsettled])
        year = doc.issue_date.year
        previous_codes = list(doc.previous_codes or [])
        if correcting and doc.rejected_at and now - doc.rejected_at <= _reuse_window():
            codigo = doc.codigo_generacion  # corrected within MH's window: the same codigoGeneracion
        else:
            codigo = numbering.codigo_generacion()
            if correcting:
                previous_codes.append(doc.codigo_generacion)
        period, contingency = _contingency_of(doc, correcting=correcting, reused_code=codigo == doc.codigo_generacion,
                                              generation=generation)
        version = registry.version_for(doc.tipo_dte, generation)
        hor = _hor_emi(now)
        # Built and checked with a placeholder number of the same shape; the real number is taken
        # last, so the counter row stays locked only for signing and saving, not for building.
        placeholder = numbering.numero_control(doc.tipo_dte, doc.establishment, doc.point_of_sale, 0)
        body = builders.build(document=doc, lines=lines, related_docs=related, totals=totals, company=doc.company,
                              establishment=doc.establishment, point_of_sale=doc.point_of_sale, version=version,
                              ambiente=doc.company.mh_environment, numero_control=placeholder, codigo_generacion=codigo,
                              hor_emi=hor, contingency=contingency, generation=generation)
        draft_payload = jsonio.dumps(body)
        errors = payload_errors(draft_payload, generation=generation)
        if errors:
            raise IssueError([_("El documento no cumple el esquema de MH: %(e)s") % {"e": e} for e in errors[:10]])
        if correcting:  # a rejected document keeps its number (it is never reused nor replaced)
            correlative, year = doc.correlative, doc.number_year
        else:
            correlative = numbering.allocate(tipo_dte=doc.tipo_dte, establishment=doc.establishment,
                                             point_of_sale=doc.point_of_sale, year=year)
        numero = numbering.numero_control(doc.tipo_dte, doc.establishment, doc.point_of_sale, correlative)
        marker = f'"numeroControl":"{placeholder}"'
        if draft_payload.count(marker) != 1:
            raise IssueError([_("No se pudo numerar el documento.")])
        payload = draft_payload.replace(marker, f'"numeroControl":"{numero}"')
        try:
            signed = get_signer().sign_bytes(payload.encode("utf-8"), company=doc.company)
        except SigningError as exc:
            raise IssueError([str(exc)]) from exc
        target = GovStatus.CONTINGENCY if period else GovStatus.PENDING
        reason = _("Corregido y emitido de nuevo") if correcting else _("Emitido")
        if period:
            reason = _("Emitido en contingencia (%(w)s): se transmitirá cuando MH vuelva") % {"w": period.scope_label}
        if period:
            extra_fields = {"contingency_period": period}
        else:
            extra_fields = {}
        total_to_pay = q2(total_of(doc, totals))
        # Inserted with the history row, in one statement (transition's with_rows).
        rows = [audit_entry(actor=acting_user, action=AuditAction.ISSUE, obj=doc, object_repr=numero, summary=reason, after={
            "tipo_dte": doc.tipo_dte, "numero_control": numero, "codigo_generacion": codigo,
            "estado": target, "total": str(total_to_pay), "casos": sorted(cases),
            "sha256_firmado": hashlib.sha256(signed.encode("utf-8")).hexdigest()})]
        held = OutboxState.HELD if period else OutboxState.PENDING  # held: sent later in a contingency lot
        if not correcting:
            outbox = Outbox(document=doc, available_at=now, state=held)
            rows.insert(0, outbox)
        transition(doc, target, by=acting_user, reason=reason, **extra_fields, with_rows=rows,
                   generation=generation, version=version, previous_codes=previous_codes,
                   numero_control=numero, number_year=year, codigo_generacion=codigo, correlative=correlative, issue_time=hor,
                   payload=payload, jws=signed, total_operation=q2(totals.monto_total_operacion),
                   total_to_pay=total_to_pay, total_iva=q2(iva_of(doc, totals)), **book_amounts(doc, totals),
                   counterparty=doc.counterparty, issued_by=acting_user, issued_at=now, paid_off=False,
                   confirmations=[_case_record(c) for c in cases.values()])
        if correcting:
            outbox = Outbox.objects.get(document=doc)
            transmission_outbox.requeue(outbox, held, available_at=now, attempts=0, sends=0, last_error="")
        else:
            _move_stock(doc, lines, acting_user)
        if not period:
            transmission_outbox.queue_after_commit(outbox.pk)
    return doc


def _case_record(case):
    return {"code": case.code, "detail": case.detail, "state": case.state,
            "confirmed_by": case.confirmed_by_id, "confirmed_at": case.confirmed_at.isoformat() if case.confirmed_at else None,
            "decided_by": case.decided_by_id, "decided_at": case.decided_at.isoformat() if case.decided_at else None,
            "reason": case.reason}


def _move_stock(document, lines, user):
    """Goods leave the establishment's stock when sold or remitted (F() updates)."""
    if document.tipo_dte not in (ar.FACTURA, ar.CCF, ar.FEX, ar.NR):
        return

    for line in lines:
        if line.product_id and line.product.tracks_stock:
            stock_move(product=line.product, establishment=document.establishment, quantity=-D(line.quantity),
                       reason=_("Venta %(n)s") % {"n": document.numero_control}, reference=document.codigo_generacion,
                       acting_user=user, confirm_negative=True)


def signed_document(document) -> dict:
    """The document as delivered to the client: the JSON plus its signature (and MH's seal once
    sealed), with exact decimals (facts §2: "Archivo DTE")."""
    body = jsonio.loads(document.payload)
    body["firmaElectronica"] = document.jws
    body["selloRecibido"] = document.sello_recibido or None
    return body


def today():
    return timezone.localdate()


def document_preview(document):
    """The document as it will be issued (numbers shown as placeholders): the same builder,
    not signed, not stored."""
    doc = Document.objects.select_related("company", "establishment", "point_of_sale", "client", "provider").get(
        pk=document.pk)
    if doc.client_id:
        doc.counterparty = builders.party_snapshot(client=doc.client)
    elif doc.provider_id and doc.tipo_dte == ar.CR:
        doc.counterparty = builders.party_snapshot(provider=doc.provider)
    lines = list(doc.lines.select_related("product"))
    related = list(doc.related.select_related("target"))
    totals = document_totals(doc, lines)
    now = timezone.now()
    refused = []
    try:
        generation = generations.for_issue(doc, related=related, at=now)
    except generations.GenerationRefused as exc:
        # Shown as a problem (issuing refuses it); the preview itself in the default generation.
        generation, refused = registry.DEFAULT_GENERATION, [str(exc)]
    version = registry.version_for(doc.tipo_dte, generation)
    body = builders.build(document=doc, lines=lines, related_docs=related, totals=totals, company=doc.company,
                          establishment=doc.establishment, point_of_sale=doc.point_of_sale, version=version,
                          ambiente=doc.company.mh_environment,
                          numero_control=numbering.numero_control(doc.tipo_dte, doc.establishment, doc.point_of_sale, 0),
                          codigo_generacion="—", hor_emi=_hor_emi(now), generation=generation)
    return body, totals, refused + document_problems(doc, lines, related, totals, generation=generation)
