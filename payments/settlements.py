"""Gateway settlements (issue 21): a gateway's settlement report, fetched from its API or
uploaded as its export file, saved once and matched line by line to the charges and refunds we
made through that gateway (the operations the orders app records; it tells us through
payments.hooks.register_settlement_source, being above us).

Matching: a report line and one of our operations match when they are the same kind (charge or
refund) and share an id — the gateway's transaction/order/capture id or our reference, which the
gateways echo (Wompi identificadorEnlaceComercio, n1co order id = our key, PayPal custom_id).
Among several candidates (partial refunds share the charge's ids) the one with the same amount
wins. Then:
- matched     the gateway's gross equals our amount;
- different   same operation, another gross (the line shows both and the difference);
- extra       a line with no operation of ours (another merchant's, a chargeback, a test);
- missing     an operation of ours made in the report's period that no line of it pays.
Fees are the gateway's (gross − fee = net on each line; the totals are the lines' sums, checked
against the totals the report states)."""

import datetime
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.modules import Module
from core import formats
from core.audit import audit_record
from core.modules import Action
from payments import hooks
from payments.gateways.base import GatewayError
from payments.models import LineStatus, Settlement, SettlementLine


@dataclass(frozen=True)
class Expected:
    """One of our operations a settlement should pay: ``key`` names it for its provider
    (e.g. "op:123"), ``keys`` every id the gateway may show for it."""

    kind: str  # charge, refund
    amount: Decimal
    key: str
    keys: frozenset = field(default_factory=frozenset)
    label: str = ""
    payment_id: int | None = None
    day: Any = None  # the local date it went through (datetime.date)


MARGIN_DAYS = 3


def may_import(user):
    return user.can(Module.DOCUMENTOS, Action.EDIT) and user.company_wide


def _require(user):
    # A payout is the whole company's money (every establishment's sales): company-wide accounting only.
    if not may_import(user):
        raise PermissionDenied(_("Solo contabilidad con alcance de toda la empresa importa liquidaciones."))


def match(items, expected):
    """Pair report items with our expected operations. Returns (pairs, missing): pairs is a list of
    (item, Expected | None, status) in report order; missing the Expected no item took."""
    by_key = {}
    for exp in expected:
        for k in exp.keys:
            by_key.setdefault(k, []).append(exp)
    used, pairs = set(), []
    for item in items:
        candidates, seen = [], set()
        for k in item.keys:
            for exp in by_key.get(k, ()):
                if exp.key not in used and exp.kind == item.kind and exp.key not in seen:
                    seen.add(exp.key)
                    candidates.append(exp)
        if not candidates:
            pairs.append((item, None, LineStatus.EXTRA))
            continue
        exp = next((c for c in candidates if c.amount == item.gross), candidates[0])
        used.add(exp.key)
        pairs.append((item, exp, LineStatus.MATCHED if exp.amount == item.gross else LineStatus.DIFFERENT))
    missing = [exp for exp in expected if exp.key not in used]
    return pairs, missing


def _check_arithmetic(report):
    problems = []
    for n, item in enumerate(report.items, 1):
        signed = item.gross if item.kind == "charge" else -item.gross
        if signed - item.fee != item.net:
            problems.append(
                _("Línea %(n)s: bruto − comisión ≠ neto (%(g)s − %(f)s ≠ %(t)s).")
                % {"n": n, "g": item.gross, "f": item.fee, "t": item.net}
            )
    gross = sum((i.gross if i.kind == "charge" else -i.gross for i in report.items), Decimal("0.00"))
    fee = sum((i.fee for i in report.items), Decimal("0.00"))
    if (gross, fee, gross - fee) != (report.gross, report.fee, report.net):
        problems.append(
            _("Los totales del reporte (%(g)s, %(f)s, %(t)s) no son la suma de sus líneas (%(a)s, %(b)s, %(c)s).")
            % {"g": report.gross, "f": report.fee, "t": report.net, "a": gross, "b": fee, "c": gross - fee}
        )
    return problems


def settlement_import(*, account, report, source, acting_user):
    """Save ``report`` (base.SettlementReport) for ``account`` and match it. Returns (settlement,
    created): the same report again — same batch id and content — returns the one saved and adds
    nothing; the same batch id with other content is refused (the gateway restated it: look first)."""
    _require(acting_user)
    digest = hashlib.sha256(report.content).hexdigest()
    existing = Settlement.objects.filter(account=account, batch_id=report.batch_id).first()
    if existing is not None:
        if existing.digest == digest:
            return existing, False
        raise ValidationError(_("La liquidación %(b)s ya fue importada con otro contenido.") % {"b": report.batch_id})
    problems = _check_arithmetic(report)
    if problems:
        raise ValidationError(problems)
    # An operation resolved a little before or after the gateway's day (an answer lost and asked
    # for later, a capture near midnight) still matches by its ids: look MARGIN days around the
    # period; only the period's own operations count as missing. One already paid by another
    # settlement of this account is not offered again (paid twice shows as extra).
    margin = datetime.timedelta(days=MARGIN_DAYS)
    settled = set(SettlementLine.objects.filter(settlement__account=account, in_report=True)
                  .exclude(our_key="").values_list("our_key", flat=True))
    expected = [e for e in hooks.settlement_expected(gateway=account.gateway, start=report.period_start - margin,
                                                     end=report.period_end + margin) if e.key not in settled]
    pairs, missing = match(report.items, expected)
    missing = [e for e in missing if e.day is None or report.period_start <= e.day <= report.period_end]
    counts = dict.fromkeys(LineStatus.values, 0)
    lines = []
    for pos, (item, exp, status) in enumerate(pairs, 1):
        counts[status] += 1
        lines.append(
            SettlementLine(
                position=pos,
                status=status,
                kind=item.kind,
                transaction_id=item.transaction_id[:100],
                reference=item.reference[:255],
                occurred_at=item.occurred_at[:40],
                gross=item.gross,
                fee=item.fee,
                net=item.net,
                expected=exp.amount if exp else None,
                our_key=exp.key if exp else "",
                our_label=exp.label[:120] if exp else "",
                payment_id=exp.payment_id if exp else None,
            )
        )
    for pos, exp in enumerate(missing, len(pairs) + 1):
        counts[LineStatus.MISSING] += 1
        lines.append(
            SettlementLine(
                position=pos,
                status=LineStatus.MISSING,
                in_report=False,
                kind=exp.kind,
                expected=exp.amount,
                our_key=exp.key,
                our_label=exp.label[:120],
                payment_id=exp.payment_id,
            )
        )
    try:
        with transaction.atomic():
            settlement = Settlement.objects.create(
                account=account,
                gateway=account.gateway,
                batch_id=report.batch_id[:100],
                payout_date=report.payout_date,
                period_start=report.period_start,
                period_end=report.period_end,
                currency=report.currency,
                gross=report.gross,
                fee=report.fee,
                net=report.net,
                source=source,
                file_name=report.file_name[:200],
                digest=digest,
                content=report.content,
                matched_count=counts[LineStatus.MATCHED],
                missing_count=counts[LineStatus.MISSING],
                extra_count=counts[LineStatus.EXTRA],
                different_count=counts[LineStatus.DIFFERENT],
                imported_by=acting_user,
            )
            for line in lines:
                line.settlement = settlement
            SettlementLine.objects.bulk_create(lines)
            audit_record(
                actor=acting_user,
                action="create",
                obj=settlement,
                summary=_("Liquidación %(b)s de %(g)s importada: neto %(n)s, %(d)s diferencias")
                % {
                    "b": settlement.batch_id,
                    "g": account.gateway,
                    "n": formats.money(settlement.net),
                    "d": settlement.differences,
                },
                after={
                    "batch_id": settlement.batch_id,
                    "gross": str(report.gross),
                    "fee": str(report.fee),
                    "net": str(report.net),
                    "source": source,
                    "digest": digest,
                    **counts,
                },
            )
            transaction.on_commit(lambda: hooks.settlement_imported(settlement))
    except IntegrityError:
        # the same report imported at the same moment by someone else: theirs stands
        existing = Settlement.objects.get(account=account, batch_id=report.batch_id)
        if existing.digest != digest:
            raise ValidationError(
                _("La liquidación %(b)s ya fue importada con otro contenido.") % {"b": report.batch_id}
            ) from None
        return existing, False
    return settlement, True


def settlement_fetch(*, account, payout_date, acting_user):
    """Ask the gateway for its report of ``payout_date`` and import it."""
    _require(acting_user)
    report = account.gateway_client().settlement(payout_date)
    return settlement_import(account=account, report=report, source="api", acting_user=acting_user)


def settlement_upload(*, account, content, file_name, acting_user):
    """Import a report file exported from the gateway's portal (or its SFTP folder)."""
    _require(acting_user)
    try:
        report = account.gateway_client().parse_settlement(content, file_name=file_name)
    except GatewayError as exc:
        raise ValidationError(str(exc)) from None
    return settlement_import(account=account, report=report, source="upload", acting_user=acting_user)
