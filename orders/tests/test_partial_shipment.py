"""A partial shipment (orders.services.order_ship with ``lines``): what ships is captured from
the hold and gets its own receipt, its stock leaves; what is left becomes a new order, still
held for its own total, its stock still reserved. Amounts computed by hand."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from inventory.models import Stock, StockReservation
from orders import services
from orders.models import GatewayOperation, OpKind, OpState, Order, OrderState

pytestmark = pytest.mark.django_db


def _reserved(order):
    return StockReservation.objects.filter(reference=f"pedido:{order.pk}", released_at__isnull=True).aggregate(
        s=Sum("quantity"))["s"] or Decimal(0)


def _on_hand(products, establishments):
    return Stock.objects.get(product=products["chair"], establishment=establishments["main"]).quantity


def test_factura_partial_shipment_covers_what_ships_and_the_rest_stays_held(make_order, parties, fake_gateway,
                                                                            stocked, establishments):
    # Two chairs at 113.00 with IVA (line 1) and an installation at 50.00 (line 2): 276.00, held.
    order = make_order(parties["consumer"])
    services.order_pay_start(order=order, gateway="fakepay")
    order.refresh_from_db()
    assert order.state == OrderState.AUTHORIZED and order.amount_authorized == Decimal("276.00")
    assert _on_hand(stocked, establishments) == Decimal(5) and _reserved(order) == Decimal(2)
    with pytest.raises(services.OrderRefused, match="se despachan de 0 a 2"):
        services.order_ship(order=order, acting_user=order.created_by, lines={1: 3})
    # One chair and the installation ship: 113.00 + 50.00 = 163.00; IVA 13.00 + (50.00 − 50.00/1.13 =
    # 5.752…) = 18.75. Left: one chair, 113.00, IVA 113.00 − 100.00 = 13.00. 163.00 + 113.00 = 276.00.
    op = services.order_ship(order=order, acting_user=order.created_by, lines={1: 1, 2: 1})
    assert op.state == OpState.SUCCEEDED and op.amount == Decimal("163.00")
    assert ("capture", op.reference) in fake_gateway.calls
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    assert (order.total, order.total_iva, order.amount_captured) == (Decimal("163.00"), Decimal("18.75"),
                                                                     Decimal("163.00"))
    assert [(x.position, x.quantity) for x in order.lines.all()] == [(1, Decimal(1)), (2, Decimal(1))]
    rest = Order.objects.get(parent=order)
    assert rest.state == OrderState.AUTHORIZED and rest.gateway == "fakepay"
    assert (rest.total, rest.total_iva, rest.amount_authorized) == (Decimal("113.00"), Decimal("13.00"),
                                                                    Decimal("113.00"))
    assert [(x.code, x.quantity) for x in rest.lines.all()] == [(stocked["chair"].code, Decimal(1))]
    # the reservation followed the goods: one chair under each order
    assert _reserved(order) == Decimal(1) and _reserved(rest) == Decimal(1)
    # the receipt covers what shipped, to the cent; its chair leaves the stock, the other stays reserved
    factura = services.receipt_issue(order_id=order.pk)
    assert factura.tipo_dte == "01" and factura.total_to_pay == Decimal("163.00")
    assert [(x.description, x.quantity) for x in factura.lines.order_by("position")] == [
        (stocked["chair"].description, Decimal(1)), (stocked["service"].description, Decimal(1))]
    assert _on_hand(stocked, establishments) == Decimal(4)
    assert _reserved(order) == 0 and _reserved(rest) == Decimal(1)
    # the rest ships later, captured from the same hold, with its own receipt
    hold = rest.operations.get(kind=OpKind.AUTHORIZE)
    assert hold.reference == op.reference and hold.state == OpState.SUCCEEDED
    services.order_ship(order=rest, acting_user=rest.created_by)
    rest.refresh_from_db()
    assert rest.state == OrderState.PAID and rest.amount_captured == Decimal("113.00")
    second = services.receipt_issue(order_id=rest.pk)
    assert second.total_to_pay == Decimal("113.00") and second.pk != factura.pk
    assert _on_hand(stocked, establishments) == Decimal(3) and _reserved(rest) == 0
    # two captures of one hold, 163.00 + 113.00 = what was authorised
    captured = GatewayOperation.objects.filter(kind=OpKind.CAPTURE, state=OpState.SUCCEEDED, reference=op.reference)
    assert captured.aggregate(s=Sum("amount"))["s"] == Decimal("276.00")


def test_ccf_partial_shipment_prices_each_part_as_its_own_ccf(make_order, parties, fake_gateway):
    # CCF: prices net. One chair ships: 100.00 + IVA 13.00 = 113.00. Left: one chair 100.00 and the
    # installation 44.24778761 → sumas 144.25, IVA 13 % = 18.7525 → 18.75, total 163.00.
    order = make_order(parties["taxpayer"])
    services.order_pay_start(order=order, gateway="fakepay")
    services.order_ship(order=order, acting_user=order.created_by, lines={1: 1})
    order.refresh_from_db()
    rest = Order.objects.get(parent=order)
    assert (order.total, order.total_iva) == (Decimal("113.00"), Decimal("13.00"))
    assert (rest.total, rest.total_iva) == (Decimal("163.00"), Decimal("18.75"))
    ccf = services.receipt_issue(order_id=order.pk)
    assert ccf.tipo_dte == "03" and ccf.total_to_pay == Decimal("113.00")


def test_a_gateway_that_cannot_capture_in_parts_refuses_before_asking(make_order, parties, fake_gateway):
    order = make_order(parties["consumer"])
    services.order_pay_start(order=order, gateway="fakepay")
    fake_gateway.supports_partial_capture = False
    try:
        with pytest.raises(services.OrderRefused, match="no cobra una retención en partes"):
            services.order_ship(order=order, acting_user=order.created_by, lines={1: 1})
    finally:
        fake_gateway.supports_partial_capture = True
    assert not [c for c in fake_gateway.calls if c[0] == "capture"] and not Order.objects.filter(parent=order).exists()
    order.refresh_from_db()
    assert order.state == OrderState.AUTHORIZED and order.total == Decimal("276.00")


def test_paypal_hold_captured_in_two_shipments_through_paysim(paysim, company, make_order, parties):
    """Over HTTP: PayPal's authorization captured in part (final_capture false: PARTIALLY_CAPTURED,
    still held), then the rest; paysim's ledger shows 276.00 captured once."""
    import httpx

    from orders.tests.test_paysim import _ledger, _merchant

    httpx.delete(f"{paysim}/_paysim/faults")
    _merchant(paysim, company, "paypal")
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="paypal", return_url="https://tienda.example/retorno")
    assert httpx.post(f"{paysim}/_paysim/pay", json={"gateway": "paypal", "id": op.gateway_id}).json()["outcome"] == "approved"
    services.operation_resolve(op=op)
    order.refresh_from_db()
    assert order.state == OrderState.AUTHORIZED
    first = services.order_ship(order=order, acting_user=order.created_by, lines={1: 1, 2: 1})
    assert first.state == OpState.SUCCEEDED, first.message
    rest = Order.objects.get(parent=order)
    book = _ledger(paysim, op.reference)
    assert Decimal(book["captured"]) == Decimal("163.00")
    # the receipt says PayPal's money came from a wallet: CAT-017 09 "Monedero electrónico"
    import json

    receipt = services.receipt_issue(order_id=order.pk)
    pagos = json.loads(receipt.payload)["resumen"]["pagos"]
    assert [(p["codigo"], Decimal(str(p["montoPago"]))) for p in pagos] == [("09", Decimal("163.00"))]
    second = services.order_ship(order=rest, acting_user=rest.created_by)
    assert second.state == OpState.SUCCEEDED, second.message
    book = _ledger(paysim, op.reference)
    assert Decimal(book["captured"]) == Decimal("276.00") and book["double_charges"] == 0


def test_the_order_page_ships_part_and_shows_the_quantities_to_ship(client_as, issuer, make_order, parties,
                                                                    fake_gateway):
    from django.urls import reverse

    order = make_order(parties["consumer"])
    services.order_pay_start(order=order, gateway="fakepay")
    page = client_as(issuer).get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'name="ship_1"' in page and 'value="2"' in page
    response = client_as(issuer).post(reverse("orders:ship", args=[order.pk]), {"ship_1": "1", "ship_2": "0"})
    assert response.status_code == 302
    order.refresh_from_db()
    rest = Order.objects.get(parent=order)
    # one chair ships (113.00); one chair and the installation (113.00 + 50.00 = 163.00) stay held
    assert (order.state, order.total) == (OrderState.PAID, Decimal("113.00"))
    assert (rest.state, rest.total) == (OrderState.AUTHORIZED, Decimal("163.00"))
