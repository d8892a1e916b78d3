"""Reads of orders, through the same scope as documents (dte.selectors.document_scope: an
order belongs to a point of sale and an establishment, as a document does)."""

import datetime
import zoneinfo

from django.conf import settings
from django.core import signing
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.modules import Module
from core.modules import Action
from dte.selectors import document_scope
from orders.models import GatewayOperation, OpKind, OpState, Order, OrderLine
from payments.models import GatewayAccount
from payments.settlements import Expected

PAY_SALT = "orders.pay-link"


def orders_for_user(*, user):
    return (Order.objects.select_related("client", "establishment", "point_of_sale", "document", "created_by")
            .filter(document_scope(user=user)))


def order_get_for_user(*, user, pk):
    """One order with its lines and operations, or 404 (another establishment's order too)."""
    qs = orders_for_user(user=user).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
        Prefetch("operations", queryset=GatewayOperation.objects.order_by("created_at", "id")), "refunds")
    return get_object_or_404(qs, pk=pk)


def order_list(*, user, state=""):
    qs = orders_for_user(user=user)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def pay_token(order):
    """The signed part of the pay link: the order's public id, signed (django.core.signing,
    HMAC with SECRET_KEY) with the time it was made; it expires with the order's link."""
    return signing.TimestampSigner(salt=PAY_SALT).sign(str(order.public_id))


def order_for_pay_token(token, *, max_age):
    """The order a pay link names, or None when the signature is wrong or the link expired."""
    try:
        public_id = signing.TimestampSigner(salt=PAY_SALT).unsign(token, max_age=max_age)
    except signing.BadSignature:
        return None
    return (Order.objects.select_related("client", "establishment", "document").prefetch_related("lines")
            .filter(public_id=public_id).first())


def enabled_gateways(*, company):
    """The gateway accounts the company enabled, as shown on the pay page."""
    return list(GatewayAccount.objects.filter(company=company, enabled=True).order_by("gateway"))


def home_panel(user):
    """The home page's orders card, for whoever may see documents: open orders in the user's scope."""
    if not (user.is_authenticated and user.can(Module.DOCUMENTOS, Action.VIEW)):
        return {}
    return {"orders_open": orders_for_user(user=user).filter(state__in=["pending", "authorized"]).count()}


def settlement_expected(*, gateway, start, end):
    """What a gateway settlement covering local dates start..end should pay (payments.hooks
    settlement source, issue 21): each charge/capture that went through that day, and each
    refund. A PayPal capture carries the order id (gateway_id) and the capture id (operation_id);
    a refund its refund id; every operation of a charge also our reference."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    ops = (GatewayOperation.objects.filter(gateway=gateway, state=OpState.SUCCEEDED,
                                           kind__in=[OpKind.SALE, OpKind.CAPTURE, OpKind.REFUND],
                                           resolved_at__gte=since, resolved_at__lt=until)
           .select_related("order").order_by("resolved_at", "id"))
    for op in ops:
        refund = op.kind == OpKind.REFUND
        keys = {k for k in (op.reference, op.gateway_id, op.operation_id) if k}
        label = (_("%(o)s reembolso") if refund else _("%(o)s cobro")) % {"o": op.order.number}
        yield Expected(kind="refund" if refund else "charge", amount=op.amount, key=f"op:{op.pk}", keys=frozenset(keys),
                       label=label, payment_id=None if refund else op.order.payment_id,
                       day=op.resolved_at.astimezone(tz).date())
