"""Reads of orders, through the same scope as documents (dte.selectors.document_scope: an
order belongs to a point of sale and an establishment, as a document does)."""

from django.core import signing
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from accounts.modules import Module
from core.modules import Action
from dte.selectors import document_scope
from orders.models import GatewayOperation, Order, OrderLine
from payments.models import GatewayAccount

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
