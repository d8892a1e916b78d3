"""Writes: bank accounts and their column mapping, statements (through the bulk engine: dry run,
errors by row and column, all or nothing, the same file twice adds nothing), matches (proposed,
accepted in bulk, made by hand, undone and redone) and periods (closed, reopened with a reason).
Each write is audited (core.audit); states move through core.statemachine."""

import datetime
import hashlib
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.modules import Module
from bulk import columns as c
from bulk import engine
from bulk.columns import CellError
from bulk.reading import FileRejected
from core import formats
from core.audit import audit_record, audited_save, snapshot
from core.models import AuditAction
from core.modules import Action
from reconciliation import hooks, matching, selectors
from reconciliation.mappings import OPTIONS, mapping_problems
from reconciliation.models import (
    MATCH_MACHINE,
    PERIOD_MACHINE,
    STATEMENT_MACHINE,
    Adjustment,
    AdjustmentKind,
    BankLine,
    Match,
    MatchLine,
    MatchPayment,
    MatchState,
    Period,
    PeriodState,
    Statement,
    StatementState,
)
from reconciliation.parsing import read_statement

CENT = Decimal("0.01")
# Who may reconcile: whoever may record payments (payments.services._require), the accountant.
GRANT = (Module.DOCUMENTOS, Action.EDIT)


def _require(user):
    if not user.can(*GRANT):
        raise PermissionDenied(_("Su rol no puede conciliar."))


# ------------------------------------------------------------------------------ bank accounts


def bank_account_save(*, account, acting_user):
    _require(acting_user)
    problems = mapping_problems(account.mapping) if account.mapping else []
    if problems:
        raise ValidationError(problems)
    return audited_save(instance=account, acting_user=acting_user)


def mapping_save(*, account, mapping, acting_user):
    """Save the account's column mapping (the editor's form), refused if unusable."""
    _require(acting_user)
    clean = {k: (v or "").strip().lower() for k, v in mapping.items() if k not in OPTIONS and (v or "").strip()}
    clean["date_format"] = mapping.get("date_format") or OPTIONS["date_format"]
    clean["decimal_comma"] = bool(mapping.get("decimal_comma"))
    problems = mapping_problems(clean)
    if problems:
        raise ValidationError(problems)
    account.mapping = clean
    return audited_save(instance=account, acting_user=acting_user, summary=_("Columnas del extracto"),
                        update_fields=["mapping"])


# ------------------------------------------------------------------------------ statements


def _amount_parser(*, decimal_comma, negate=False):
    def parse(value):
        if value is None or value == "":
            return None
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            out = Decimal(str(value))
        else:
            text = str(value).strip().replace("$", "").replace(" ", "").replace("\u00a0", "")
            negative = text.startswith("(") and text.endswith(")")
            text = text.strip("()")
            text = text.replace(".", "").replace(",", ".") if decimal_comma else text.replace(",", "")
            try:
                out = Decimal(text)
            except InvalidOperation:
                raise CellError(_("«%(v)s» no es un monto") % {"v": str(value)[:40]}) from None
            if negative:
                out = -out
        if not out.is_finite() or abs(out) >= Decimal("1e15"):
            raise CellError(_("monto fuera de rango"))
        out = out.quantize(CENT)
        return -abs(out) if negate else out

    return parse


def _date_parser(fmt):
    def parse(value):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = str(value or "").strip()
        if not text:
            raise CellError(_("es obligatorio"))
        for candidate in (fmt, "%Y-%m-%d"):
            try:
                return datetime.datetime.strptime(text[:10] if candidate == "%Y-%m-%d" else text, candidate).date()
            except ValueError:
                continue
        raise CellError(_("«%(v)s» no es una fecha con el formato de la cuenta (%(f)s)") % {"v": text[:30], "f": fmt})

    return parse


def _spec(account, statement, header_fields, mapping):
    """A bulk.engine.Spec for one statement of ``account``: the columns the file has, under the
    file's own names, so that errors name the user's columns."""
    comma = bool(mapping.get("decimal_comma"))
    parsers = {
        "date": _date_parser(mapping.get("date_format") or OPTIONS["date_format"]),
        "amount": _amount_parser(decimal_comma=comma),
        "debit": _amount_parser(decimal_comma=comma, negate=True),
        "credit": _amount_parser(decimal_comma=comma),
        "reference": c.text(100), "description": c.text(500), "kind": c.text(20), "bank_id": c.text(100),
    }
    columns = [c.Column(header, fld, parsers[fld]) for header, fld in header_fields.items()]
    header_of = {fld: header for header, fld in header_fields.items()}

    def check(data, ctx):
        amounts = [data.get(k) for k in ("amount", "debit", "credit") if data.get(k) is not None]
        if not amounts:
            return {next(k for k in ("amount", "credit", "debit") if k in header_of): _("sin monto: la línea no dice cuánto")}
        if len([a for a in amounts if a != 0]) > 1:
            return {"credit" if "credit" in header_of else "amount": _("tiene cargo y abono a la vez")}
        data["total"] = next((a for a in amounts if a != 0), Decimal("0.00"))
        if _in_closed(ctx["closed"], data["date"]):
            return {"date": _("cae en un período cerrado: ábralo de nuevo (con un motivo) para importar en él")}
        return {}

    def finalize(data, ctx):
        bank_id = data.get("bank_id") or ""
        reference, description = data.get("reference") or "", data.get("description") or ""
        if bank_id:
            basis = f"id|{bank_id}"
        else:
            basis = f"{data['date'].isoformat()}|{data['total']}|{reference}|{description}"
            # The same movement twice in one file (two equal fees on one day) is two lines.
            ctx["seen"][basis] = ctx["seen"].get(basis, 0) + 1
            basis = f"{basis}|{ctx['seen'][basis]}"
        fingerprint = hashlib.sha256(basis.encode()).hexdigest()
        return (account.pk, fingerprint, data["date"], data["total"], reference, description, data.get("kind") or "")

    fields = ["account_id", "fingerprint", "date", "amount", "reference", "description", "kind"]

    def classify(result, batch):
        stored = dict(BankLine.objects.filter(account=account, fingerprint__in=[v[1] for _r, v in batch])
                      .values_list("fingerprint", "amount"))
        new = []
        for rownum, values in batch:
            if values[1] not in stored:
                new.append(values)
            elif stored[values[1]] != values[3]:
                result.add_error(rownum, header_of.get("bank_id") or header_of.get("amount") or "", _(
                    "el banco ya informó este movimiento con otro monto (%(m)s)") % {"m": formats.money(stored[values[1]])})
            else:
                result.unchanged += 1
        result.new += len(new)
        return new, []

    return engine.Spec(
        name="extracto", title=_("Extracto bancario"), model=BankLine, columns=columns, key=("account_id", "fingerprint"),
        module=Module.DOCUMENTOS, write_fields=fields, context=lambda: {"seen": {}, "closed": _closed_spans(account)}, check=check, finalize=finalize,
        conflict_sql="(account_id, fingerprint)",
        extra={"classify": classify, "new_row_defaults": lambda user: {"statement_id": statement.pk} if statement else {}})


def _run(account, data, name, *, statement, apply_changes, user):
    mapping = account.mapping or {}
    fmt, table, header_fields, balance = read_statement(data, name, mapping=mapping)
    spec = _spec(account, statement, header_fields, mapping)
    return fmt, engine.run(spec, table, apply_changes=apply_changes, user=user), balance


def statement_review(*, account, upload, acting_user):
    """The dry run: store the file and say what it would add, errors by row and column. Nothing
    is added until ``statement_apply``."""
    _require(acting_user)
    if upload.size > settings.MAX_IMPORT_UPLOAD_BYTES:
        raise FileRejected(_("El archivo pesa %(mb).1f MB; el máximo es %(max)d MB.")
                           % {"mb": upload.size / 1e6, "max": settings.MAX_IMPORT_UPLOAD_BYTES // 1_000_000})
    name = upload.name.rsplit("/", 1)[-1][:200]
    data = upload.read()
    fmt, result, balance = _run(account, data, name, statement=None, apply_changes=False, user=acting_user)
    state = StatementState.INVALID if result.errors else StatementState.REVIEWED
    with transaction.atomic():
        statement = Statement(account=account, file_name=name, file_format=fmt, state=state, rows=result.rows,
                              new=result.new, unchanged=result.unchanged, closing_balance=balance,
                              errors=[list(e) for e in result.errors[:200]], uploaded_by=acting_user)
        statement.file.save(name, ContentFile(data), save=False)
        statement.save()
        audit_record(actor=acting_user, action=AuditAction.CREATE, obj=statement,
                     summary=_("Extracto revisado: %(n)d nuevas, %(u)d ya importadas, %(e)d con errores") % {
                         "n": result.new, "u": result.unchanged, "e": result.wrong_rows})
    return statement


def statement_apply(*, statement, acting_user):
    """Add the statement's new lines (all or none), propose matches for them and tell the
    difference observers what the statement leaves unexplained."""
    _require(acting_user)
    with transaction.atomic():
        statement = Statement.objects.select_for_update().get(pk=statement.pk)
        STATEMENT_MACHINE.check(statement.state, StatementState.APPLIED)
        with statement.file.open("rb") as fh:
            data = fh.read()
        _fmt, result, _balance = _run(statement.account, data, statement.file_name, statement=statement,
                                      apply_changes=True, user=acting_user)
        if result.errors:
            raise FileRejected(_("El extracto ya no es válido: revíselo de nuevo."))
        STATEMENT_MACHINE.move(statement, StatementState.APPLIED, by=acting_user, new=result.new,
                               unchanged=result.unchanged)
        audit_record(actor=acting_user, action=AuditAction.IMPORT, obj=statement,
                     summary=_("Extracto aplicado: %(n)d líneas nuevas, %(u)d ya importadas") % {
                         "n": result.new, "u": result.unchanged})
        match_propose(account=statement.account, acting_user=acting_user)
        dates = list(BankLine.objects.filter(statement=statement).order_by("date").values_list("date", flat=True))
        if dates:
            period = (Period.objects.filter(account=statement.account, start__lte=dates[0], end__gte=dates[-1]).first()
                      or Period(account=statement.account, start=dates[0], end=dates[-1]))
            found = selectors.period_differences(period, include_proposed=True)
            if found:
                transaction.on_commit(lambda: hooks.differences_found(period, found))
    return statement


# ------------------------------------------------------------------------------ matches


def _refuse_closed(account, dates):
    closed = selectors.closed_period_for(account, dates)
    if closed is not None:
        raise ValidationError(_("El período del %(a)s al %(b)s está cerrado: ábralo de nuevo (con un motivo) para "
                                "cambiar sus conciliaciones.") % {"a": formats.date(closed.start),
                                                                    "b": formats.date(closed.end)})


def _match_dates(match):
    return [*match.line_links.values_list("line__date", flat=True),
            *match.payment_links.values_list("payment__date", flat=True)]


def _closed_spans(account):
    return list(Period.objects.filter(account=account, state=PeriodState.CLOSED).values_list("start", "end"))


def _in_closed(spans, d):
    return any(a <= d <= b for a, b in spans)


def match_propose(*, account, acting_user):
    """Run the engine over what is free (outside closed periods) and store its proposals,
    replacing the earlier ones nobody decided on. Returns how many."""
    _require(acting_user)
    with transaction.atomic():
        old = Match.objects.filter(account=account, state=MatchState.PROPOSED)
        MATCH_MACHINE.move_many(old, MatchState.REJECTED, by=acting_user, reason="reemplazada por una propuesta nueva")
        MatchLine.objects.filter(match__account=account, match__state=MatchState.REJECTED, live=True).update(live=False)
        MatchPayment.objects.filter(match__account=account, match__state=MatchState.REJECTED, live=True).update(live=False)
        spans = _closed_spans(account)
        lines = [ln for ln in selectors.engine_lines(selectors.free_lines(account)) if not _in_closed(spans, ln.date)]
        pays = [p for p in selectors.engine_payments(selectors.free_payments(account)) if not _in_closed(spans, p.date)]
        proposals = matching.propose(lines, pays, window_days=account.date_window_days,
                                     tolerance=matching.cents(account.tolerance),
                                     retention_threshold=matching.cents(settings.DTE_RETENTION_THRESHOLD))
        _store(account, proposals, acting_user)
        audit_record(actor=acting_user, action=AuditAction.CREATE, obj=account,
                     summary=_("%(n)d conciliaciones propuestas") % {"n": len(proposals)})
    return len(proposals)


def _store(account, proposals, user, state=MatchState.PROPOSED):
    matches = Match.objects.bulk_create([Match(account=account, rule=p.rule, confidence=p.confidence, state=state,
                                               created_by=user) for p in proposals], batch_size=2000)
    MatchLine.objects.bulk_create([MatchLine(match=m, line_id=lid) for m, p in zip(matches, proposals, strict=True)
                                   for lid in p.lines], batch_size=5000)
    MatchPayment.objects.bulk_create([MatchPayment(match=m, payment_id=pid) for m, p in zip(matches, proposals, strict=True)
                                      for pid in p.payments], batch_size=5000)
    Adjustment.objects.bulk_create([Adjustment(match=m, kind=k, amount=Decimal(v) / 100)
                                    for m, p in zip(matches, proposals, strict=True) for k, v in p.adjustments], batch_size=5000)
    return matches


def _describe(match):
    lines = list(match.line_links.values_list("line_id", "line__amount"))
    pays = list(match.payment_links.values_list("payment_id", "payment__amount"))
    adjustments = list(match.adjustments.values_list("kind", "amount"))
    return {"rule": match.rule, "lines": [[i, str(a)] for i, a in lines], "payments": [[i, str(a)] for i, a in pays],
            "adjustments": [[k, str(a)] for k, a in adjustments]}


def match_accept(*, matches, acting_user):
    """Accept proposals in bulk; those in a closed period are refused (the others go through).
    Returns (accepted, refused)."""
    _require(acting_user)
    accepted, refused = 0, 0
    with transaction.atomic():
        for match in matches.filter(state=MatchState.PROPOSED).select_for_update().order_by("pk"):
            if selectors.closed_period_for(match.account, _match_dates(match)) is not None:
                refused += 1
                continue
            MATCH_MACHINE.move(match, MatchState.ACCEPTED, by=acting_user)
            audit_record(actor=acting_user, action=AuditAction.APPROVE, obj=match, after=_describe(match),
                         summary=_("Conciliación aceptada (%(r)s, %(c)d %%)") % {"r": match.rule, "c": match.confidence})
            accepted += 1
    return accepted, refused


def match_reject(*, match, acting_user):
    _require(acting_user)
    with transaction.atomic():
        MATCH_MACHINE.move(match, MatchState.REJECTED, by=acting_user)
        match.line_links.update(live=False)
        match.payment_links.update(live=False)
        audit_record(actor=acting_user, action=AuditAction.REFUSE, obj=match, before=_describe(match),
                     summary=_("Propuesta descartada"))
    return match


def match_manual(*, account, lines, payments, adjustments, acting_user):
    """Match by hand: ``lines`` and ``payments`` (already fetched within the user's scope) and
    the adjustments [(kind, Decimal)] that explain their difference: the lines' total must equal
    the payments' total less the adjustments."""
    _require(acting_user)
    if not lines:
        raise ValidationError(_("Elija al menos una línea del extracto."))
    adjustments = [(k, Decimal(a).quantize(CENT)) for k, a in adjustments if a]
    for kind, _a in adjustments:
        if kind not in AdjustmentKind.values:
            raise ValidationError(_("Tipo de ajuste desconocido."))
    bank = sum((ln.amount for ln in lines), Decimal(0))
    book = sum((p.amount for p in payments), Decimal(0))
    adjusted = sum((a for _k, a in adjustments), Decimal(0))
    if bank != book - adjusted:
        raise ValidationError(_("No cuadra: el extracto suma %(b)s y los pagos %(p)s; con los ajustes (%(a)s) queda una "
                                "diferencia de %(d)s. Registre esa diferencia como ajuste (comisión, retención u otra).")
                              % {"b": formats.money(bank), "p": formats.money(book), "a": formats.money(adjusted),
                                 "d": formats.money(book - adjusted - bank)})
    _refuse_closed(account, [ln.date for ln in lines] + [p.date for p in payments])
    proposal = matching.Proposal("manual", 100, [ln.pk for ln in lines], [p.pk for p in payments],
                                 [(k, matching.cents(a)) for k, a in adjustments])
    try:
        with transaction.atomic():
            # Proposals holding these lines or payments give way to the hand-made match.
            stale = Match.objects.filter(state=MatchState.PROPOSED).filter(
                pk__in=MatchLine.objects.filter(line__in=lines, live=True).values("match")) | Match.objects.filter(
                state=MatchState.PROPOSED, pk__in=MatchPayment.objects.filter(payment__in=payments, live=True).values("match"))
            for old in stale.distinct():
                match_reject(match=old, acting_user=acting_user)
            (match,) = _store(account, [proposal], acting_user)
            MATCH_MACHINE.move(match, MatchState.ACCEPTED, by=acting_user, reason="a mano")
            audit_record(actor=acting_user, action=AuditAction.CREATE, obj=match, after=_describe(match),
                         summary=_("Conciliación a mano"))
    except IntegrityError:
        raise ValidationError(_("Alguna de esas líneas o pagos ya está conciliado.")) from None
    return match


def match_undo(*, match, acting_user, reason=""):
    """Unmatch: the lines and payments are free again; the match stays (undone) and can be redone."""
    _require(acting_user)
    with transaction.atomic():
        match = Match.objects.select_for_update().get(pk=match.pk)
        _refuse_closed(match.account, _match_dates(match))
        MATCH_MACHINE.move(match, MatchState.UNDONE, by=acting_user, reason=reason or "deshacer")
        match.line_links.update(live=False)
        match.payment_links.update(live=False)
        audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=match, before=_describe(match),
                     summary=_("Conciliación deshecha"))
    return match


def match_redo(*, match, acting_user):
    """Undo an unmatch: the same lines and payments matched again, if none was matched since."""
    _require(acting_user)
    try:
        with transaction.atomic():
            match = Match.objects.select_for_update().get(pk=match.pk)
            _refuse_closed(match.account, _match_dates(match))
            MATCH_MACHINE.move(match, MatchState.ACCEPTED, by=acting_user, reason="rehacer")
            match.line_links.update(live=True)
            match.payment_links.update(live=True)
            audit_record(actor=acting_user, action=AuditAction.UPDATE, obj=match, after=_describe(match),
                         summary=_("Conciliación rehecha"))
    except IntegrityError:
        raise ValidationError(_("Una de sus líneas o pagos se concilió después con otro: no se puede rehacer.")) from None
    return match


# ------------------------------------------------------------------------------ periods


def period_create(*, account, start, end, acting_user):
    _require(acting_user)
    if end < start:
        raise ValidationError(_("El período termina antes de empezar."))
    if Period.objects.filter(account=account, start__lte=end, end__gte=start).exists():
        raise ValidationError(_("Ya hay un período de esta cuenta que se cruza con esas fechas."))
    period = Period(account=account, start=start, end=end)
    return audited_save(instance=period, acting_user=acting_user)


def _jsonable(found):
    return [{k: (str(v) if isinstance(v, (Decimal, datetime.date)) else v) for k, v in d.items()} for d in found]


def period_close(*, period, acting_user):
    """Close the period; its figures are kept, and the observers hear of any difference left."""
    _require(acting_user)
    with transaction.atomic():
        period = Period.objects.select_for_update().select_related("account").get(pk=period.pk)
        report = selectors.period_report(period)
        found = selectors.period_differences(period)
        summary = {k: str(v) for k, v in report.items() if isinstance(v, Decimal)} | {"differences": len(found)}
        before = snapshot(period)
        PERIOD_MACHINE.move(period, PeriodState.CLOSED, by=acting_user, closed_at=timezone.now(), closed_by=acting_user,
                            summary=summary)
        audit_record(actor=acting_user, action=AuditAction.STATUS, obj=period, before=before, after=snapshot(period),
                     summary=_("Período cerrado con %(n)d diferencias") % {"n": len(found)})
        if found:
            transaction.on_commit(lambda: hooks.differences_found(period, found))
    return period


def period_reopen(*, period, acting_user, reason):
    _require(acting_user)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(_("Diga por qué se abre de nuevo el período (al menos 5 caracteres)."))
    with transaction.atomic():
        period = Period.objects.select_for_update().get(pk=period.pk)
        before = snapshot(period)
        PERIOD_MACHINE.move(period, PeriodState.OPEN, by=acting_user, reason=reason, closed_at=None, closed_by=None)
        audit_record(actor=acting_user, action=AuditAction.STATUS, obj=period, before=before, after=snapshot(period),
                     summary=_("Período abierto de nuevo: %(r)s") % {"r": reason[:200]})
    return period
