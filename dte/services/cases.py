"""Special cases: what needs an explicit "yes" before a document is issued (credit, below cost,
stock, retention, date, large amount), kept up to date on the draft; confirmed by the rep or
approved by a supervisor, each decision audited."""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.modules import Module
from core import formats
from core.audit import audit_record
from core.fiscal import IVA_DIVISOR
from core.models import AuditAction
from core.modules import Action
from core.statemachine import TransitionRefused
from dte import arithmetic as ar
from dte import hooks
from dte.amounts import ZERO, D
from dte.models import SPECIAL_CASE_MACHINE, CaseState, Document, SpecialCase
from dte.models import CaseCode as Case
from dte.services.totals import document_totals, total_of
from dte.taxes import thresholds
from inventory.selectors import stock_levels


@dataclass
class Found:
    code: str
    detail: str


def stock_cases(document, lines):
    if document.tipo_dte not in (ar.FACTURA, ar.CCF, ar.FEX, ar.NR):
        return []

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
        found.extend(Found(code, detail) for code, detail in stock_cases(document, lines))
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


def cases_refresh(*, document, acting_user, lines=None, totals=None):
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


def case_confirm(*, case, acting_user):
    """The rep's own "yes" for a case its role may confirm."""
    if case.needs_approval:
        raise PermissionDenied(_("Este caso requiere la aprobación de un supervisor."))
    if case.document.created_by_id != acting_user.pk and not acting_user.company_wide:
        raise PermissionDenied
    with transaction.atomic():
        if _case_move(case, CaseState.CONFIRMED, by=acting_user, confirmed_by=acting_user, confirmed_at=timezone.now()):
            _audit_case(case, acting_user, AuditAction.CONFIRM, _("Caso confirmado: %(c)s"))


def case_request_approval(*, case, acting_user):
    if not case.needs_approval:
        raise ValidationError(_("Este caso lo confirma usted mismo."))
    with transaction.atomic():
        if _case_move(case, CaseState.REQUESTED, by=acting_user, confirmed_by=acting_user, confirmed_at=timezone.now(),
                      decided_by=None, decided_at=None, case_reason=""):
            _audit_case(case, acting_user, AuditAction.REQUEST, _("Aprobación solicitada: %(c)s"))


def case_decide(*, case, acting_user, approve, reason):
    """A supervisor's decision, with who, when and why."""
    if not acting_user.can(Module.DOCUMENTOS, Action.APPROVE):
        raise PermissionDenied(_("Solo un supervisor aprueba casos especiales."))
    if not reason.strip():
        raise ValidationError(_("Indique el motivo de la decisión."))
    with transaction.atomic():
        changed = _case_move(case, CaseState.APPROVED if approve else CaseState.REFUSED, by=acting_user,
                             decided_by=acting_user, decided_at=timezone.now(), case_reason=reason.strip()[:500])
        if not changed:
            raise ValidationError(_("La solicitud ya no está pendiente."))
        _audit_case(case, acting_user, AuditAction.APPROVE if approve else AuditAction.REFUSE,
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
