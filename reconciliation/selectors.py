"""Reads: the accounts a user may reach, the book side of an account, a period's figures."""

import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from accounts.selectors import establishments_for_user
from core import scope
from payments.models import Payment
from reconciliation import matching
from reconciliation.models import (
    Adjustment,
    BankAccount,
    BankLine,
    Match,
    MatchLine,
    MatchPayment,
    MatchState,
    Period,
    PeriodState,
)

ZERO = Decimal("0.00")
AGE_BUCKETS = [(0, 7), (8, 30), (31, 60), (61, None)]


def accounts_for_user(*, user):
    """Company-wide roles: every account; others: the accounts of their establishments."""
    qs = BankAccount.objects.select_related("establishment", "company")
    if user.company_wide:
        return qs
    return qs.filter(establishment__in=establishments_for_user(user=user))


def account_get_for_user(*, user, pk):
    return scope.get_or_404(BankAccount, user, pk=pk)


def book_payments(account):
    """The payments recorded into this account: not voided, with one of its methods, of its
    establishment's clients (or the shared ones) when it has one."""
    qs = Payment.objects.filter(voided_at__isnull=True)
    if account.methods:
        qs = qs.filter(method__in=account.methods)
    if account.establishment_id:
        qs = qs.filter(Q(client__establishment_id=account.establishment_id) | Q(client__establishment__isnull=True))
    return qs


def _live(state_in):
    return MatchLine.objects.filter(line=OuterRef("pk"), live=True, match__state__in=state_in)


def free_lines(account, *, states=(MatchState.PROPOSED, MatchState.ACCEPTED)):
    return BankLine.objects.filter(account=account).exclude(Exists(_live(states)))


def free_payments(account, *, states=(MatchState.PROPOSED, MatchState.ACCEPTED)):
    live = MatchPayment.objects.filter(payment=OuterRef("pk"), live=True, match__state__in=states)
    return book_payments(account).exclude(Exists(live))


def closed_period_for(account, dates):
    """The first closed period of ``account`` holding one of ``dates``, or None."""
    dates = [d for d in dates if d is not None]
    if not dates:
        return None
    condition = Q()
    for d in set(dates):
        condition |= Q(start__lte=d, end__gte=d)
    return Period.objects.filter(condition, account=account, state=PeriodState.CLOSED).first()


def engine_lines(qs):
    return [matching.Line(pk, date, matching.cents(amount), ref, desc, kind)
            for pk, date, amount, ref, desc, kind in qs.values_list("pk", "date", "amount", "reference", "description", "kind")]


def engine_payments(qs):
    return [matching.Pay(pk, date, matching.cents(amount), ref, client, nit or "", name or "")
            for pk, date, amount, ref, client, nit, name in qs.values_list(
                "pk", "date", "amount", "reference", "client_id", "client__id_number", "client__name")]


def _money(cents_value):
    return (Decimal(cents_value) / 100).quantize(Decimal("0.01"))


def period_differences(period, *, include_proposed=False):
    """matching.differences over what the period leaves unmatched (accepted matches, and the
    proposed ones with ``include_proposed``), amounts as Decimal."""
    states = (MatchState.PROPOSED, MatchState.ACCEPTED) if include_proposed else (MatchState.ACCEPTED,)
    account = period.account
    lines = free_lines(account, states=states).filter(date__range=(period.start, period.end))
    pays = free_payments(account, states=states).filter(date__range=(period.start, period.end))
    found = matching.differences(engine_lines(lines), engine_payments(pays), tolerance=matching.cents(account.tolerance))
    for item in found:
        for key in ("bank", "book", "difference"):
            item[key] = _money(item[key])
    return found


def _age_rows(items, today):
    buckets = []
    for low, high in AGE_BUCKETS:
        picked = [a for d, a in items if (today - d).days >= low and (high is None or (today - d).days <= high)]
        buckets.append({"low": low, "high": high, "count": len(picked), "total": sum(picked, ZERO)})
    return buckets


def period_report(period, *, today=None):
    """The reconciliation page's figures for one period."""
    today = today or timezone.localdate()
    account = period.account
    span = (period.start, period.end)
    lines = BankLine.objects.filter(account=account, date__range=span)
    pays = book_payments(account).filter(date__range=span)
    accepted = (MatchState.ACCEPTED,)
    free_l = free_lines(account, states=accepted).filter(date__range=span)
    free_p = free_payments(account, states=accepted).filter(date__range=span)

    def total(qs):
        return qs.aggregate(s=Sum("amount"))["s"] or ZERO

    bank_total, book_total = total(lines), total(pays)
    adjustments = (Adjustment.objects.filter(match__account=account, match__state=MatchState.ACCEPTED)
                   .filter(Q(match__line_links__line__date__range=span) | Q(match__payment_links__payment__date__range=span))
                   .distinct())
    by_kind = {}
    for kind, amount in adjustments.values_list("kind", "amount"):
        by_kind[kind] = by_kind.get(kind, ZERO) + amount
    adj_total = sum(by_kind.values(), ZERO)
    unmatched_lines, unmatched_pays = total(free_l), total(free_p)
    before = period.start - datetime.timedelta(days=1)
    opening_bank = account.opening_balance + (BankLine.objects.filter(account=account, date__lte=before)
                                              .aggregate(s=Sum("amount"))["s"] or ZERO)
    return {
        "bank_total": bank_total, "book_total": book_total,
        "matched_lines": bank_total - unmatched_lines, "unmatched_lines": unmatched_lines,
        "matched_payments": book_total - unmatched_pays, "unmatched_payments": unmatched_pays,
        "adjustments": by_kind, "adjustments_total": adj_total,
        # The books, corrected by the adjustments booked (fees, retentions), against the bank.
        "book_adjusted": book_total - adj_total,
        "difference": bank_total - (book_total - adj_total),
        "opening_bank": opening_bank, "closing_bank": opening_bank + bank_total,
        "ages": [{"low": a["low"], "high": a["high"], "lines": a["count"], "lines_total": a["total"],
                  "payments": b["count"], "payments_total": b["total"]}
                 for a, b in zip(_age_rows(list(free_l.values_list("date", "amount")), today),
                                 _age_rows(list(free_p.values_list("date", "amount")), today), strict=True)],
        "unmatched_line_count": free_l.count(), "unmatched_payment_count": free_p.count(),
    }


def matches_of(account, *, states, span=None):
    qs = Match.objects.filter(account=account, state__in=states).prefetch_related(
        "line_links__line", "payment_links__payment__client", "adjustments").order_by("-confidence", "id")
    if span is not None:
        qs = qs.filter(Q(line_links__line__date__range=span) | Q(payment_links__payment__date__range=span)).distinct()
    return qs
