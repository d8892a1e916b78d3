"""Building and issuing documents. Drafts are saved as the rep types; ``document_issue`` turns a
draft into a DTE in one transaction (number, JSON, schema check, signature, outbox) or changes
nothing at all."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import formats
from core.audit import audit_entry, audit_record
from core.fiscal import IVA_DIVISOR
from core.models import AuditAction
from core.statemachine import TransitionRefused
from dte import arithmetic as ar
from dte import builders, hooks, jsonio, numbering
from dte.amounts import ZERO, D, q2
from dte.models import (
    SPECIAL_CASE_MACHINE,
    CaseState,
    Condition,
    Document,
    DocumentLine,
    GovStatus,
    OfflineScope,
    Outbox,
    OutboxState,
    RelatedDocument,
    SpecialCase,
)
from dte.models import CaseCode as Case
from dte.prepared import PreparedQuery
from dte.schemas.registry import GENERATIONS
from dte.taxes import thresholds
from dte.transitions import transition
from dte.transmission import outbox as transmission_outbox
from dte.transmission import scopes

LINE_FIELDS = ["product_id", "item_type", "code", "description", "unit", "quantity", "unit_price", "discount",
               "treatment", "special_taxes", "tax_code", "no_gravado", "related_code", "withhold_income", "returns_goods",
               "extra"]
DOC_FIELDS = ["tipo_dte", "establishment_id", "point_of_sale_id", "client_id", "provider_id", "counterparty",
              "issue_date", "condition", "payment_term_days", "payments", "observations", "discount_no_suj",
              "discount_exenta", "discount_gravada", "extra"]
MAX_LINES = 2000  # numItem 1–2000 (facts §2.4)
_LINE_DOCUMENT = DocumentLine._meta.get_field("document")


class IssueError(Exception):
    """The document cannot be issued as it is; ``problems`` says why, in Spanish."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


# ------------------------------------------------------------------------------------------ drafts


def _check_location(user, establishment_id, point_of_sale_id):
    """The same rule as when issuing (accounts.selectors.user_may_operate)."""
    from accounts.models import PointOfSale
    from accounts.selectors import user_may_operate

    point = PointOfSale.objects.select_related("establishment").filter(
        pk=point_of_sale_id, establishment_id=establishment_id).first()
    if point is None or not user_may_operate(user=user, point_of_sale=point):
        raise PermissionDenied(_("No puede emitir desde ese establecimiento o punto de venta."))


def draft_save(*, user, data, lines, related=(), document=None):
    """Create or replace a draft with its lines and related documents. Only drafts change.

    Creating a draft is audited; the editor's autosaves are not (one per change of a field): a
    draft has no fiscal effect, and what it held when issued is in the issue's audit row and in
    the signed document itself."""
    data = dict(data)
    if document is not None and not document.is_editable:
        raise ValidationError(_("Un documento emitido no se modifica."))
    establishment_id = data.get("establishment_id") or (document and document.establishment_id)
    pos_id = data.get("point_of_sale_id") or (document and document.point_of_sale_id)
    _check_location(user, establishment_id, pos_id)
    if len(lines) > MAX_LINES:
        raise ValidationError(_("Un documento admite hasta %(n)d líneas.") % {"n": MAX_LINES})
    created = document is None
    with transaction.atomic():
        if document is None:
            from accounts.selectors import company_get

            document = Document(company=company_get(), created_by=user, issue_date=timezone.localdate())
        else:
            document = Document.objects.select_for_update().get(
                pk=document.pk, status__in=[GovStatus.DRAFT, GovStatus.CORRECTING])
        for key in DOC_FIELDS:
            if key in data:
                setattr(document, key, data[key])
        if document.client_id and "counterparty" not in data:
            document.counterparty = builders.party_snapshot(client=document.client)
        elif document.provider_id and document.tipo_dte == ar.CR and "counterparty" not in data:
            document.counterparty = builders.party_snapshot(provider=document.provider)
        document.save()
        document.lines.all().delete()
        DocumentLine.objects.bulk_create([
            DocumentLine(document=document, position=i, **{k: v for k, v in line.items() if k in LINE_FIELDS})
            for i, line in enumerate(lines, start=1)
        ])
        document.related.all().delete()
        RelatedDocument.objects.bulk_create([RelatedDocument(document=document, **r) for r in related])
        if created:
            audit_record(actor=user, action=AuditAction.CREATE, obj=document,
                         summary=_("Borrador de %(t)s creado") % {"t": document.get_tipo_dte_display()})
    return document


def draft_delete(*, document, user):
    if not document.is_draft:
        raise ValidationError(_("Solo se borran borradores."))
    with transaction.atomic():
        repr_, pk = str(document), document.pk
        audit_record(actor=user, action=AuditAction.DELETE, obj=document, object_repr=repr_,
                     summary=_("Borrador descartado"))
        Document.objects.filter(pk=pk, status=GovStatus.DRAFT).delete()


# ----------------------------------------------------------------------------------------- totals


def document_totals(document, lines=None):
    """The same Totals the JSON is built from: the form shows exactly what will be signed."""
    lines = list(document.lines.all()) if lines is None else lines
    return ar.compute(builders.doc_input(document, lines, company_size=document.company.taxpayer_size,
                                         settings_thresholds=thresholds()))


def total_of(document, totals):
    """The amount a document is "worth" for thresholds and credit: what the client pays."""
    if document.tipo_dte in (ar.NC, ar.ND, ar.NR):
        return totals.monto_total_operacion
    return totals.total_pagar


# ------------------------------------------------------------------------------------- problems


def _party_problems(document):
    tipo, party = document.tipo_dte, document.counterparty or {}
    out = []
    if tipo in (ar.CCF, ar.NC, ar.ND):
        if document.client_id is None or party.get("id_type") != "36" or not party.get("nrc"):
            out.append(_("Un %(t)s necesita un cliente contribuyente con NIT y NRC.") % {"t": document.get_tipo_dte_display()})
        for key, label in (("activity_code", _("actividad económica")), ("address", _("dirección")),
                           ("email", _("correo electrónico"))):
            if not party.get(key):
                out.append(_("Al cliente le falta %(f)s, obligatoria en un %(t)s.") % {"f": label, "t": document.get_tipo_dte_display()})
    elif tipo == ar.FEX:
        if document.client_id is None or party.get("kind") != "extranjero" or not party.get("country_code"):
            out.append(_("Una factura de exportación necesita un cliente extranjero con país."))
        elif not party.get("activity_description") or not party.get("person_type"):
            out.append(_("Al cliente extranjero le falta la actividad o el tipo de persona."))
        extra = document.extra or {}
        # Goods (tipoItemExpor 1 bienes, 3 ambos) leave through a customs office under a regime
        # (facts §10; fe-fex-v1 emisor.recintoFiscal CAT-027, emisor.regimen CAT-028).
        if str(extra.get("tipoItemExpor") or "1") in ("1", "3") and not (extra.get("recintoFiscal")
                                                                        and extra.get("regimen")):
            out.append(_("Una exportación de bienes necesita el recinto fiscal (CAT-027) y el régimen (CAT-028)."))
    elif tipo == ar.CR:
        if document.provider_id is None:
            out.append(_("Un comprobante de retención se emite a un proveedor."))
        else:
            for key, label in (("activity_code", _("actividad económica")), ("address", _("dirección")),
                               ("email", _("correo electrónico"))):
                if not party.get(key):
                    out.append(_("Al proveedor le falta %(f)s, obligatoria en un comprobante de retención.") % {"f": label})
    elif tipo == ar.FSE:
        if not (party.get("id_type") and party.get("id_number") and party.get("name") and party.get("address")):
            out.append(_("Indique documento, nombre y dirección del sujeto excluido."))
    elif tipo == ar.NR:
        if not (party.get("id_number") and party.get("name") and party.get("email") and party.get("address")):
            out.append(_("Una nota de remisión necesita receptor con documento, nombre, dirección y correo."))
    return out


def document_problems(document, lines, related, totals):
    """What stops a document from being issued (not confirmable: it must be fixed)."""
    tipo = document.tipo_dte
    out = _party_problems(document)
    if not lines:
        out.append(_("Agregue al menos una línea."))
    for n, x in enumerate(lines, start=1):
        if tipo == ar.CR:
            extra = x.extra or {}
            if not extra.get("numDocumento") or not extra.get("fechaEmision"):
                out.append(_("Línea %(n)d: indique el número y la fecha del documento retenido.") % {"n": n})
        elif not x.description.strip():
            out.append(_("Línea %(n)d: falta la descripción.") % {"n": n})
    if tipo in (ar.NC, ar.ND):
        if not related:
            out.append(_("Indique el CCF o comprobante de retención que corrige."))
        if len({r.tipo_documento for r in related}) > 1:
            out.append(_("Los documentos relacionados deben ser todos del mismo tipo."))
        codes = {r.numero_documento for r in related}
        for n, x in enumerate(lines, start=1):
            if len(related) > 1 and x.related_code not in codes:
                out.append(_("Línea %(n)d: indique cuál de los documentos relacionados ajusta.") % {"n": n})
        for r in related:
            if r.tipo_documento not in (ar.CCF, ar.CR):
                out.append(_("Una nota solo corrige un CCF o un comprobante de retención."))
            if r.target_id and r.target.status != GovStatus.SEALED:
                out.append(_("El documento %(n)s aún no está sellado por MH.") % {"n": r.numero_documento})
    # Factura at or above the legal amount: the buyer's identification is demanded. The amount is
    # montoTotalOperacion, not what is paid (facts §2.2; fe-fc-v1's "if resumen.montoTotalOperacion
    # minimum 1095.00 then receptor.tipoDocumento, numDocumento, nombre"): retention and noGravado
    # charges move totalPagar away from it.
    if tipo == ar.FACTURA and totals.monto_total_operacion >= thresholds().factura_identification:
        party = document.counterparty or {}
        if not (party.get("id_type") and party.get("id_number") and party.get("name")):
            out.append(_("Una factura de %(a)s o más exige tipo y número de documento y nombre del comprador.")
                       % {"a": formats.money(thresholds().factura_identification)})
    if document.condition == Condition.CREDITO and not document.payment_term_days:
        out.append(_("Una venta al crédito necesita el plazo en días."))
    payments = document.payments or []
    unstated = [p for p in payments if not p.get("monto")]
    if len(payments) > 1 and unstated:
        out.append(_("Indique el monto de cada forma de pago."))
    elif payments and not unstated and tipo not in (ar.NC, ar.ND, ar.NR, ar.CR):
        paid = sum((q2(p.get("monto") or 0) for p in payments), ZERO)
        if paid != q2(totals.total_pagar):
            out.append(_("Las formas de pago suman %(p)s y el total a pagar es %(t)s.") % {"p": formats.money(paid), "t": formats.money(totals.total_pagar)})
    if not settings.ALLOW_NEGATIVE_STOCK:
        out.extend(detail for code, detail in _stock_cases(document, lines))
    return out


# --------------------------------------------------------------------------------- special cases


@dataclass
class Found:
    code: str
    detail: str


def _stock_cases(document, lines):
    if document.tipo_dte not in (ar.FACTURA, ar.CCF, ar.FEX, ar.NR):
        return []
    from inventory.selectors import stock_levels

    wanted = {}
    for line in lines:
        if line.product_id and line.product and line.product.tracks_stock:
            wanted[line.product_id] = wanted.get(line.product_id, ZERO) + D(line.quantity)
    if not wanted:
        return []
    levels = stock_levels(product_ids=list(wanted), establishment=document.establishment)
    out = []
    for line in lines:
        pid = line.product_id
        if pid in wanted and levels.get(pid, ZERO) - wanted[pid] < 0:
            out.append((Case.NEGATIVE_STOCK, _("%(p)s: hay %(h)s y se venden %(q)s.") % {
                "p": line.code or line.description[:40], "h": formats.quantity(levels.get(pid, ZERO)), "q": formats.quantity(wanted.pop(pid))}))
    return out


def special_cases(document, lines, totals):
    """Every case that needs an explicit "yes" before issuing (Issuing issue), the registered
    issue checks' first (dte.hooks: payments' credit checks)."""
    total = total_of(document, totals)
    found = [Found(code, detail) for check in hooks.issue_checks() for code, detail in check(document, lines, totals, total)]
    if document.tipo_dte in (ar.FACTURA, ar.CCF, ar.FEX):
        for line in lines:
            product = line.product if line.product_id else None
            if product is None or not product.cost:
                continue
            net = (D(line.unit_price) * line.quantity - D(line.discount)) / line.quantity
            if document.tipo_dte == ar.FACTURA and line.treatment == "gravado":
                net = net / IVA_DIVISOR  # a Factura's price includes IVA; cost does not
            if net < product.cost:
                found.append(Found(Case.BELOW_COST, _("%(p)s: precio neto %(n)s, costo %(c)s.")
                                   % {"p": product.code, "n": formats.unit_price(net), "c": formats.unit_price(product.cost)}))
    if settings.ALLOW_NEGATIVE_STOCK:
        found.extend(Found(code, detail) for code, detail in _stock_cases(document, lines))
    if totals.iva_rete1 or totals.iva_perci1:
        parts = []
        if totals.iva_rete1:
            parts.append(_("retención de IVA %(a)s") % {"a": formats.money(totals.iva_rete1)})
        if totals.iva_perci1:
            parts.append(_("percepción de IVA %(a)s") % {"a": formats.money(totals.iva_perci1)})
        found.append(Found(Case.RETENTION, _("Aplica %(p)s.") % {"p": ", ".join(parts)}))
    if document.issue_date != timezone.localdate():
        found.append(Found(Case.OTHER_DATE, _("Fecha de emisión %(d)s; hoy es %(t)s.")
                           % {"d": formats.date(document.issue_date), "t": formats.date(timezone.localdate())}))
    if total >= thresholds().large_amount:
        found.append(Found(Case.LARGE_AMOUNT, _("Total %(t)s, umbral %(u)s.") % {"t": formats.money(total), "u": formats.money(thresholds().large_amount)}))
    return found


def _fingerprint(found):
    return hashlib.sha256(f"{found.code}|{found.detail}".encode()).hexdigest()


def cases_refresh(*, document, user, lines=None, totals=None):
    """Bring the document's special cases up to date: new ones open, changed ones open again
    (what was confirmed is no longer what will be issued), vanished ones removed."""
    lines = list(document.lines.select_related("product")) if lines is None else lines
    totals = document_totals(document, lines) if totals is None else totals
    found = special_cases(document, lines, totals)
    if not found and not document.has_cases:
        return []
    with transaction.atomic(savepoint=False):
        existing = {c.code: c for c in document.special_cases.select_for_update()}
        if bool(found) != document.has_cases:
            Document.objects.filter(pk=document.pk).update(has_cases=bool(found))
            document.has_cases = bool(found)
        if not found and not existing:
            return []
        from accounts.models import Role

        role_cases = Role.objects.filter(users__pk=document.created_by_id).values_list("approval_cases", flat=True).first()
        needs_approval = set(role_cases or [])
        keep = set()
        for f in found:
            fp = _fingerprint(f)
            keep.add(f.code)
            case = existing.get(f.code)
            if case is None:
                SpecialCase.objects.create(document=document, code=f.code, detail=f.detail[:300], fingerprint=fp,
                                           needs_approval=f.code in needs_approval)
            elif case.fingerprint != fp:
                SpecialCase.objects.filter(pk=case.pk).update(
                    detail=f.detail[:300], fingerprint=fp, state=CaseState.OPEN, needs_approval=f.code in needs_approval,
                    confirmed_by=None, confirmed_at=None, decided_by=None, decided_at=None, reason="")
        stale = [c.pk for code, c in existing.items() if code not in keep]
        if stale:
            SpecialCase.objects.filter(pk__in=stale).delete()
    return list(document.special_cases.all())


def case_confirm(*, case, user):
    """The rep's own "yes" for a case its role may confirm."""
    if case.needs_approval:
        raise PermissionDenied(_("Este caso requiere la aprobación de un supervisor."))
    if case.document.created_by_id != user.pk and not user.company_wide:
        raise PermissionDenied
    with transaction.atomic():
        if _case_move(case, CaseState.CONFIRMED, by=user, confirmed_by=user, confirmed_at=timezone.now()):
            _audit_case(case, user, AuditAction.CONFIRM, _("Caso confirmado: %(c)s"))


def case_request_approval(*, case, user):
    if not case.needs_approval:
        raise ValidationError(_("Este caso lo confirma usted mismo."))
    with transaction.atomic():
        if _case_move(case, CaseState.REQUESTED, by=user, confirmed_by=user, confirmed_at=timezone.now(),
                      decided_by=None, decided_at=None, case_reason=""):
            _audit_case(case, user, AuditAction.REQUEST, _("Aprobación solicitada: %(c)s"))


def case_decide(*, case, user, approve, reason):
    """A supervisor's decision, with who, when and why."""
    from accounts.modules import Module
    from core.modules import Action

    if not user.can(Module.DOCUMENTOS, Action.APPROVE):
        raise PermissionDenied(_("Solo un supervisor aprueba casos especiales."))
    if not reason.strip():
        raise ValidationError(_("Indique el motivo de la decisión."))
    with transaction.atomic():
        changed = _case_move(case, CaseState.APPROVED if approve else CaseState.REFUSED, by=user,
                             decided_by=user, decided_at=timezone.now(), case_reason=reason.strip()[:500])
        if not changed:
            raise ValidationError(_("La solicitud ya no está pendiente."))
        _audit_case(case, user, AuditAction.APPROVE if approve else AuditAction.REFUSE,
                    (_("Caso aprobado: %(c)s") if approve else _("Aprobación denegada: %(c)s")),
                    reason=reason.strip()[:500])


def _case_move(case, to, *, by, case_reason=None, **fields):
    """Move the case from the state it is in now (read again: the page that asked may be old);
    False when that state does not allow it. ``case_reason`` is the case's own "reason" field (the
    machine's ``reason`` is its history row's), saved in the same transaction."""
    case.state = SpecialCase.objects.values_list("state", flat=True).get(pk=case.pk)
    try:
        SPECIAL_CASE_MACHINE.move(case, to, by=by, reason=case_reason or "", **fields)
    except TransitionRefused:
        return False
    if case_reason is not None:
        SpecialCase.objects.filter(pk=case.pk).update(reason=case_reason)
        case.reason = case_reason
    return True


def _audit_case(case, user, action, summary, reason=None):
    """A special case's audit row names the document it belongs to (the case is its detail)."""
    after = {"caso": case.code, "detalle": case.detail}
    if reason is not None:
        after["motivo"] = reason
    audit_record(actor=user, action=action, obj=case.document, summary=summary % {"c": Case(case.code).label},
                 after=after)


# ------------------------------------------------------------------------------------------- issue


def _reuse_window():
    import datetime

    return datetime.timedelta(hours=settings.DTE_REUSE_CODE_HOURS)


def _hor_emi(now):
    return timezone.localtime(now).time().replace(microsecond=0)


def _contingency_of(doc, *, correcting, reused_code):
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
        if doc.tipo_dte not in settings.DTE_CONTINGENCY_TYPES:
            raise IssueError([_("«%(t)s» no puede emitirse en contingencia: MH no lo admite (CAT-023). Emítalo "
                                "cuando termine la contingencia de %(w)s.") % {
                "t": doc.get_tipo_dte_display(), "w": period.scope_label}])
        return period, period.identificacion
    if (correcting and reused_code and doc.contingency_period_id
            and any(reported(doc) for reported in hooks.reported_checks)):
        return None, doc.contingency_period.identificacion
    return None, None


def _issue_queryset(with_grant, pk, user_id=None):
    """The query that locks the document to issue (its row only) and reads, in the same round
    trip, what issuing needs before building: its company, location and client, the user's grant
    on the point of sale (accounts.selectors.user_may_operate; ``with_grant``), the active
    offline scope covering it (dte.transmission.scopes.scope_covering) and whether it names
    related documents."""
    from django.db.models import Exists, OuterRef

    from accounts.selectors import operate_grant_exists

    qs = (Document.objects.select_for_update(of=("self",))
          .select_related("company", "establishment", "point_of_sale", "client")
          .annotate(issue_period_id=scopes.scope_id_for_documents(),
                    issue_has_related=Exists(RelatedDocument.objects.filter(document=OuterRef("pk")))))
    if with_grant:
        qs = qs.annotate(issue_may_operate=operate_grant_exists(user_id=user_id,
                                                                point_of_sale_id=OuterRef("point_of_sale_id")))
    return qs.filter(pk=pk).order_by()


_ISSUE_LOAD = PreparedQuery(_issue_queryset)
# In their position's order, as doc.lines gives them (its ordering, "document" then "position",
# would join the document again to sort by the document's own ordering).
_ISSUE_LINES = PreparedQuery(lambda variant, document_id: DocumentLine.objects.filter(
    document_id=document_id).select_related("product").order_by("position", "id"))


def _issue_load(document, user):
    with_grant = bool(user.is_authenticated and user.is_active and not user.company_wide)
    found = _ISSUE_LOAD.fetch(document.pk, *([user.pk] if with_grant else []), variant=with_grant)
    if not found:
        raise Document.DoesNotExist("Document matching query does not exist.")
    doc = found[0]
    lines = _ISSUE_LINES.fetch(doc.pk)
    for line in lines:
        _LINE_DOCUMENT.set_cached_value(line, doc)  # as doc.lines does: line.document is doc
    return doc, lines


def document_issue(*, document, user, now=None):
    """Number, build, validate, sign and store the document and create its outbox row, in one
    transaction: if anything fails nothing is kept and no number is used."""
    from dte.schemas.validation import payload_errors
    from dte.signing.backends import SigningError, get_signer

    now = now or timezone.now()
    generation = settings.DTE_SCHEMA_GENERATION
    with transaction.atomic():
        doc, lines = _issue_load(document, user)
        if not doc.is_editable:
            raise IssueError([_("El documento ya fue emitido.")])
        correcting = doc.status == GovStatus.CORRECTING
        from accounts.selectors import user_may_operate

        doc.point_of_sale.establishment = doc.establishment  # already loaded: no second query
        if not user_may_operate(user=user, point_of_sale=doc.point_of_sale,
                                granted=getattr(doc, "issue_may_operate", None)):
            raise PermissionDenied(_("No puede emitir desde ese establecimiento o punto de venta."))
        if doc.client_id:
            doc.counterparty = builders.party_snapshot(client=doc.client)
        elif doc.provider_id and doc.tipo_dte == ar.CR:
            doc.counterparty = builders.party_snapshot(provider=doc.provider)
        related = (list(doc.related.select_related("target"))
                   if doc.tipo_dte in builders.WITH_RELATED and doc.issue_has_related else [])
        try:
            totals = document_totals(doc, lines)
        except ar.ArithmeticError_ as exc:
            raise IssueError([str(exc)]) from exc
        problems = document_problems(doc, lines, related, totals)
        if problems:
            raise IssueError(problems)
        cases = {c.code: c for c in cases_refresh(document=doc, user=user, lines=lines, totals=totals)}
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
        period, contingency = _contingency_of(doc, correcting=correcting, reused_code=codigo == doc.codigo_generacion)
        version = GENERATIONS[generation]["dte"][doc.tipo_dte][1]
        hor = _hor_emi(now)
        # Built and checked with a placeholder number of the same shape; the real number is taken
        # last, so the counter row stays locked only for signing and saving, not for building.
        placeholder = numbering.numero_control(doc.tipo_dte, doc.establishment, doc.point_of_sale, 0)
        body = builders.build(document=doc, lines=lines, related_docs=related, totals=totals, company=doc.company,
                              establishment=doc.establishment, point_of_sale=doc.point_of_sale, version=version,
                              ambiente=doc.company.mh_environment, numero_control=placeholder, codigo_generacion=codigo,
                              hor_emi=hor, contingency=contingency)
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
        rows = [audit_entry(actor=user, action=AuditAction.ISSUE, obj=doc, object_repr=numero, summary=reason, after={
            "tipo_dte": doc.tipo_dte, "numero_control": numero, "codigo_generacion": codigo,
            "estado": target, "total": str(total_to_pay), "casos": sorted(cases),
            "sha256_firmado": hashlib.sha256(signed.encode("utf-8")).hexdigest()})]
        held = OutboxState.HELD if period else OutboxState.PENDING  # held: sent later in a contingency lot
        if not correcting:
            outbox = Outbox(document=doc, available_at=now, state=held)
            rows.insert(0, outbox)
        transition(doc, target, by=user, reason=reason, **extra_fields, with_rows=rows,
                   generation=generation, version=version, previous_codes=previous_codes,
                   numero_control=numero, number_year=year, codigo_generacion=codigo, correlative=correlative, issue_time=hor,
                   payload=payload, jws=signed, total_operation=q2(totals.monto_total_operacion),
                   total_to_pay=total_to_pay, total_iva=q2(_iva_of(doc, totals)), **book_amounts(doc, totals),
                   counterparty=doc.counterparty, issued_by=user, issued_at=now, paid_off=False,
                   confirmations=[_case_record(c) for c in cases.values()])
        if correcting:
            outbox = Outbox.objects.get(document=doc)
            transmission_outbox.requeue(outbox, held, available_at=now, attempts=0, sends=0, last_error="")
        else:
            _move_stock(doc, lines, user)
        if not period:
            transmission_outbox.queue_after_commit(outbox.pk)
    return doc


def documents_set_paid_off(*, document_ids, paid_off):
    """Payments mark the credit sales they cover in full, and clear the mark when a payment is
    voided (see Document.paid_off). The caller holds the documents' row locks."""
    if document_ids:
        Document.objects.filter(pk__in=list(document_ids)).update(paid_off=paid_off)


def book_amounts(document, totals):
    """The columns the sales books and annexes sum (see Document.amount_gravada)."""
    if document.tipo_dte == ar.CR:
        return {"amount_no_suj": ZERO, "amount_exenta": ZERO, "amount_gravada": q2(totals.total_sujeto_retencion),
                "iva_retenido": q2(totals.total_iva_retenido), "iva_percibido": ZERO, "rete_renta": ZERO}
    if document.tipo_dte == ar.FSE:
        return {"amount_no_suj": ZERO, "amount_exenta": ZERO, "amount_gravada": q2(totals.total_compra),
                "iva_retenido": ZERO, "iva_percibido": ZERO, "rete_renta": q2(totals.rete_renta)}
    return {"amount_no_suj": q2(totals.total_no_suj - totals.descu_no_suj),
            "amount_exenta": q2(totals.total_exenta - totals.descu_exenta),
            "amount_gravada": q2(totals.total_gravada - totals.descu_gravada),
            "iva_retenido": q2(totals.iva_rete1), "iva_percibido": q2(totals.iva_perci1),
            "rete_renta": q2(totals.rete_renta)}


def _iva_of(document, totals):
    if document.tipo_dte == ar.FACTURA:
        return totals.total_iva
    return sum((t["valor"] for t in totals.tributos if t["codigo"] == "20"), ZERO)


def _case_record(case):
    return {"code": case.code, "detail": case.detail, "state": case.state,
            "confirmed_by": case.confirmed_by_id, "confirmed_at": case.confirmed_at.isoformat() if case.confirmed_at else None,
            "decided_by": case.decided_by_id, "decided_at": case.decided_at.isoformat() if case.decided_at else None,
            "reason": case.reason}


def _move_stock(document, lines, user):
    """Goods leave the establishment's stock when sold or remitted (F() updates)."""
    if document.tipo_dte not in (ar.FACTURA, ar.CCF, ar.FEX, ar.NR):
        return
    from inventory.services import stock_move

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
    version = GENERATIONS[settings.DTE_SCHEMA_GENERATION]["dte"][doc.tipo_dte][1]
    body = builders.build(document=doc, lines=lines, related_docs=related, totals=totals, company=doc.company,
                          establishment=doc.establishment, point_of_sale=doc.point_of_sale, version=version,
                          ambiente=doc.company.mh_environment,
                          numero_control=numbering.numero_control(doc.tipo_dte, doc.establishment, doc.point_of_sale, 0),
                          codigo_generacion="—", hor_emi=_hor_emi(timezone.now()))
    return body, totals, document_problems(doc, lines, related, totals)


def types_for(*, user, client=None):
    """The document types ``user`` may issue (per role), narrowed to what ``client`` may receive:
    a CCF, NC or ND needs a taxpayer with NIT and NRC; an export invoice a foreign buyer."""
    role_types = set(getattr(user.role, "document_types", None) or []) if getattr(user, "role_id", None) else set()
    allowed = [t for t in ar.ALL_TYPES if not role_types or t in role_types or user.is_superuser]
    if client is None:
        return allowed
    out = []
    for t in allowed:
        if t in (ar.CCF, ar.NC, ar.ND) and not (client.id_type == "36" and client.nrc):
            continue
        if t == ar.FEX and client.kind != "extranjero":
            continue
        if t in (ar.CR, ar.FSE):
            continue  # these face a provider or an unregistered seller, not a client
        out.append(t)
    return out


# ---------------------------------------------------------------------------------- transmission


def document_correct(*, document, user):
    """A rejected document goes back to the editor, keeping its number and its history."""
    if document.status != GovStatus.REJECTED:
        raise ValidationError(_("Solo se corrige un documento rechazado por MH."))
    with transaction.atomic():
        transition(document, GovStatus.CORRECTING, by=user, reason=_("En corrección tras el rechazo de MH"))
        audit_record(actor=user, action=AuditAction.CORRECT, obj=document,
                     summary=_("En corrección tras el rechazo de MH"))
    return document


def document_retransmit(*, documents, user):
    """Queue again what stopped or waits (a rejected one is sent again unchanged). Returns how
    many were queued."""
    queued = 0
    for doc in documents:
        with transaction.atomic():
            outbox = Outbox.objects.select_for_update().filter(document=doc).first()
            if outbox is None or outbox.state in (OutboxState.CLAIMED, OutboxState.HELD):
                continue  # being sent, or held for a contingency lot (the contingency page retries those)
            if doc.status == GovStatus.REJECTED:
                transition(doc, GovStatus.PENDING, by=user, reason=_("Retransmisión manual"))
            elif doc.status not in (GovStatus.PENDING, GovStatus.IN_DOUBT):
                continue
            transmission_outbox.requeue(outbox, OutboxState.PENDING, available_at=timezone.now(), last_error="")
            audit_record(actor=user, action=AuditAction.RETRANSMIT, obj=doc, summary=_("Retransmisión manual"))
            transmission_outbox.queue_after_commit(outbox.pk)
            queued += 1
    return queued


def internal_status_set(*, documents, status, user, reason=""):
    """The accountant's track (to review, reviewed, with observations, posted), in bulk. Returns
    how many changed."""
    from dte.models import InternalStatus

    if status not in InternalStatus.values:
        raise ValidationError(_("Estado interno no válido."))
    if status == InternalStatus.OBSERVATIONS and not reason.strip():
        raise ValidationError(_("Escriba las observaciones."))
    changed = 0
    for doc in documents:
        if doc.is_draft or doc.internal_status == status:
            continue
        from dte.transitions import TransitionRefused

        try:
            with transaction.atomic():
                before = doc.internal_status
                transition(doc, status, by=user, reason=reason.strip(), track="internal")
                audit_record(actor=user, action=AuditAction.STATUS, obj=doc, before={"estado_interno": before},
                             after={"estado_interno": status, "motivo": reason.strip()},
                             summary=_("Estado interno: %(s)s") % {"s": InternalStatus(status).label})
        except TransitionRefused:
            continue  # changed by someone else meanwhile
        changed += 1
    return changed
