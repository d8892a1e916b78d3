"""Orders end to end on the product side: prices by the DTE's arithmetic (hand-computed),
stock reserved and released, paying twice impossible, the receipt issued exactly once,
uncertainty resolved by asking, holds on the gateway and on the prepaid balance, refunds."""

import json
from decimal import Decimal

import pytest

from dte.models import Document, GovStatus
from inventory.models import StockReservation
from orders import services
from orders.models import GatewayOperation, OpState, OrderState, Refund
from payments.gateways.base import Status
from payments.models import Application, BalanceHold, Payment

pytestmark = pytest.mark.django_db


# Two chairs at $113.00 with IVA and one installation at $50.00 with IVA.
# Factura: prices with IVA; total 2 × 113.00 + 50.00 = 276.00; IVA inside: 226.00 − 226.00/1.13
#   = 26.00 and 50.00 − 50.00/1.13 = 5.752… → 31.75.
# CCF: prices net: 113.00/1.13 = 100.00 and 50.00/1.13 = 44.24778761; sumas 200.00 + 44.25 =
#   244.25; IVA 13 % = 31.7525 → 31.75; total 244.25 + 31.75 = 276.00.
def test_factura_order_total_is_the_receipt_total_to_the_cent(make_order, parties, fake_gateway):
    order = make_order(parties["consumer"])
    assert order.tipo_dte == "01"
    assert order.total == Decimal("276.00")
    assert order.total_iva == Decimal("31.75")
    op = services.order_pay_start(order=order, gateway="fakepay")
    assert op.state == OpState.SUCCEEDED
    order.refresh_from_db()
    assert order.state == OrderState.AUTHORIZED and order.amount_authorized == Decimal("276.00")
    services.order_ship(order=order, acting_user=order.created_by)
    doc = services.receipt_issue(order_id=order.pk)
    assert doc.tipo_dte == "01" and doc.total_to_pay == Decimal("276.00") and doc.total_iva == Decimal("31.75")
    body = json.loads(doc.payload)
    assert body["resumen"]["numPagoElectronico"] == "AUTH123"
    assert body["resumen"]["pagos"][0]["codigo"] == "03"
    assert Application.objects.get(document=doc).amount == Decimal("276.00")


def test_ccf_order_prices_net_and_totals_as_the_ccf(make_order, parties, fake_gateway):
    order = make_order(parties["taxpayer"])
    assert order.tipo_dte == "03"
    assert [line.unit_price for line in order.lines.all()] == [Decimal("100.00000000"), Decimal("44.24778761")]
    assert order.total == Decimal("276.00") and order.total_iva == Decimal("31.75")
    services.order_record_payment(order=order, method="05", reference="TRF-881", acting_user=order.created_by)
    doc = services.receipt_issue(order_id=order.pk)
    assert doc.tipo_dte == "03" and doc.total_to_pay == order.total
    assert json.loads(doc.payload)["resumen"]["numPagoElectronico"] is None  # paid at the till, not electronic


def test_stock_reserved_per_establishment_and_released_on_cancel(make_order, parties, stocked):
    order = make_order(parties["consumer"])
    with pytest.raises(services.OrderRefused) as refused:
        make_order(parties["consumer"], [{"product": stocked["chair"], "quantity": Decimal(4)}])
    assert "SILLA-01" in refused.value.messages[0] and "3" in refused.value.messages[0]
    services.order_cancel(order=order, acting_user=order.created_by, reason="El cliente desistió")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert not StockReservation.objects.filter(released_at__isnull=True).exists()
    make_order(parties["consumer"], [{"product": stocked["chair"], "quantity": Decimal(4)}])  # free again


def test_receipt_takes_goods_out_and_releases_the_reservation(make_order, parties, stocked, establishments):
    from inventory.models import Stock

    order = make_order(parties["consumer"])
    services.order_record_payment(order=order, method="01", reference="", acting_user=order.created_by)
    services.receipt_issue(order_id=order.pk)
    assert Stock.objects.get(product=stocked["chair"], establishment=establishments["main"]).quantity == 3
    assert not StockReservation.objects.filter(released_at__isnull=True).exists()


def test_paying_twice_is_impossible_and_capture_reported_twice_issues_one_receipt(make_order, parties, fake_gateway):
    fake_gateway.supports_holds = False  # a sale: captured at once
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="fakepay")
    with pytest.raises(services.OrderRefused):
        services.order_pay_start(order=order, gateway="fakepay")
    # the same capture reported again (a webhook, the return page): nothing more happens
    services.apply_result(op, fake_gateway({}).status(op.reference))
    first = services.receipt_issue(order_id=order.pk)
    second = services.receipt_issue(order_id=order.pk)
    assert first.pk == second.pk
    assert Document.objects.filter(order=order).count() == 1
    assert GatewayOperation.objects.filter(order=order, state=OpState.SUCCEEDED).count() == 1
    assert [c for c in fake_gateway.calls if c[0] == "authorize"] == [("authorize", op.reference)]


def test_timeout_leaves_the_payment_in_doubt_resolved_by_asking_never_charging_again(make_order, parties,
                                                                                      fake_gateway):
    fake_gateway.supports_holds = False
    fake_gateway.script["authorize"] = Status.IN_DOUBT  # the charge went through, the answer was lost
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="fakepay")
    assert op.state == OpState.IN_DOUBT and op.idempotency_key
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    with pytest.raises(services.OrderRefused):  # the payer tries again: refused while in doubt
        services.order_pay_start(order=order, gateway="fakepay")
    services.operation_resolve(op=op)
    op.refresh_from_db()
    order.refresh_from_db()
    assert op.state == OpState.SUCCEEDED and order.state == OrderState.PAID
    assert len([c for c in fake_gateway.calls if c[0].startswith("authorize")]) == 1
    assert ("status", op.reference) in fake_gateway.calls


def test_a_decline_fails_the_charge_and_the_order_can_be_paid_again(make_order, parties, fake_gateway):
    fake_gateway.script["authorize"] = Status.DECLINED
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="fakepay")
    assert op.state == OpState.FAILED and op.message == "Fondos insuficientes"
    fake_gateway.script.clear()
    again = services.order_pay_start(order=order, gateway="fakepay")
    assert again.pk != op.pk and again.state == OpState.SUCCEEDED


def test_capture_above_authorised_is_refused_and_cancel_voids_the_hold(make_order, parties, fake_gateway):
    order = make_order(parties["consumer"])
    services.order_pay_start(order=order, gateway="fakepay")
    order.refresh_from_db()
    with pytest.raises(services.OrderRefused):
        services.order_ship(order=order, acting_user=order.created_by, amount=Decimal("276.01"))
    services.order_cancel(order=order, acting_user=order.created_by, reason="Sin existencias para despachar")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert [c[0] for c in fake_gateway.calls] == ["authorize", "void"]
    assert not StockReservation.objects.filter(released_at__isnull=True).exists()


def test_prepaid_balance_hold_is_counted_in_exposure_and_applied_on_capture(make_order, parties, users):
    from payments.selectors import client_position
    from payments.services import payment_record_advance

    client = parties["consumer"]
    payment_record_advance(client=client, amount=Decimal("300.00"), method="05", reference="DEP-1",
                           acting_user=users["Contador"])
    assert client_position(client.pk) == (Decimal("-300.00"), 0)  # $300.00 in its favour
    order = make_order(client)
    services.order_pay_start(order=order, gateway=services.BALANCE)
    order.refresh_from_db()
    assert order.state == OrderState.AUTHORIZED
    # $276.00 blocked: only $24.00 left in its favour
    assert client_position(client.pk) == (Decimal("-24.00"), 0)
    with pytest.raises(services.OrderRefused):  # the rest does not cover another order
        services.order_pay_start(order=make_order(client, [{"product": order.lines.first().product,
                                                            "quantity": Decimal(1)}]), gateway=services.BALANCE)
    services.order_ship(order=order, acting_user=order.created_by)
    doc = services.receipt_issue(order_id=order.pk)
    assert BalanceHold.objects.get().state == "captured"
    assert Payment.objects.get(reference="DEP-1").unapplied == Decimal("24.00")
    assert Application.objects.get(document=doc).amount == Decimal("276.00")
    assert client_position(client.pk) == (Decimal("-24.00"), 0)


def test_prepaid_hold_released_on_cancel_and_on_expiry(make_order, parties, users):
    import datetime

    from django.utils import timezone

    from payments.selectors import client_position
    from payments.services import payment_record_advance

    client = parties["consumer"]
    payment_record_advance(client=client, amount=Decimal("600.00"), method="05", reference="DEP-2",
                           acting_user=users["Contador"])
    first = make_order(client)
    services.order_pay_start(order=first, gateway=services.BALANCE)
    services.order_cancel(order=first, acting_user=first.created_by, reason="Cambio de pedido")
    assert client_position(client.pk) == (Decimal("-600.00"), 0)
    other = make_order(client, [{"product": first.lines.first().product, "quantity": Decimal(1)}])
    services.order_pay_start(order=other, gateway=services.BALANCE)
    counts = services.sweep(now=timezone.now() + datetime.timedelta(days=30))
    other.refresh_from_db()
    assert counts["expired"] == 1 and other.state == OrderState.PENDING
    assert client_position(client.pk) == (Decimal("-600.00"), 0)


def test_refund_of_a_ccf_issues_a_credit_note_against_it(make_order, parties, fake_gateway, users):
    fake_gateway.supports_holds = False
    order = make_order(parties["taxpayer"])
    services.order_pay_start(order=order, gateway="fakepay")
    ccf = services.receipt_issue(order_id=order.pk)
    Document.objects.filter(pk=ccf.pk).update(status=GovStatus.SEALED, sello_recibido="X" * 40)
    order.refresh_from_db()
    op = services.order_refund(order=order, amount=Decimal("276.00"), reason="Devolución total",
                               acting_user=users["Contador"])
    assert op.state == OpState.SUCCEEDED
    refund = services.refund_fiscal(refund_id=Refund.objects.get().pk)
    note = refund.fiscal_document
    assert note is not None, refund.fiscal_error
    assert note.tipo_dte == "05" and note.related.get().target_id == ccf.pk
    assert note.total_operation == Decimal("276.00")
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED and order.amount_refunded == Decimal("276.00")


def test_partial_refund_keeps_the_order_partly_refunded_and_refuses_more_than_captured(make_order, parties,
                                                                                        fake_gateway, users):
    fake_gateway.supports_holds = False
    order = make_order(parties["consumer"])
    services.order_pay_start(order=order, gateway="fakepay")
    services.receipt_issue(order_id=order.pk)
    order.refresh_from_db()
    services.order_refund(order=order, amount=Decimal("50.00"), reason="Instalación no hecha",
                          acting_user=users["Contador"])
    order.refresh_from_db()
    assert order.state == OrderState.PARTIALLY_REFUNDED and order.refundable == Decimal("226.00")
    with pytest.raises(services.OrderRefused):
        services.order_refund(order=order, amount=Decimal("226.01"), reason="Más", acting_user=users["Contador"])
    refund = services.refund_fiscal(refund_id=Refund.objects.get().pk)
    # a Factura gets no credit note (sv-dte-facts §1): left to the accountant, said plainly
    assert refund.fiscal_document is None and "reemplazo" in refund.fiscal_error


def test_full_refund_of_a_sealed_factura_rescinds_it(make_order, parties, fake_gateway, users):
    from dte.models import Invalidation

    fake_gateway.supports_holds = False
    order = make_order(parties["consumer"])
    services.order_pay_start(order=order, gateway="fakepay")
    factura = services.receipt_issue(order_id=order.pk)
    from django.utils import timezone
    Document.objects.filter(pk=factura.pk).update(status=GovStatus.SEALED, sello_recibido="X" * 40,
                                                  processed_at=timezone.now())
    order.refresh_from_db()
    services.order_refund(order=order, amount=Decimal("276.00"), reason="Devolución", acting_user=users["Contador"])
    refund = services.refund_fiscal(refund_id=Refund.objects.get().pk)
    assert refund.fiscal_error == ""
    assert Invalidation.objects.get(document=factura).tipo == 2


def test_webhook_three_times_and_out_of_order_ends_in_one_state(make_order, parties, fake_gateway):
    from payments.models import GatewayAccount

    fake_gateway.supports_holds = False
    fake_gateway.script["authorize"] = "pending"
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="fakepay")
    assert op.action_url.startswith("https://pay.example/")
    account = GatewayAccount.objects.get(gateway="fakepay")
    # the payer paid at the gateway
    fake_gateway.ledger[op.reference].update(status=Status.CAPTURED, captured=Decimal("276.00"))
    headers = {"X-Fake-Signature": "ok"}
    captured = json.dumps({"id": "ev-2", "kind": "captured", "reference": op.reference}).encode()
    created = json.dumps({"id": "ev-1", "kind": "other", "reference": op.reference}).encode()
    for body in (captured, captured, created, captured):
        services.webhook_receive(account=account, headers=headers, raw_body=body)
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.amount_captured == Decimal("276.00")
    assert GatewayOperation.objects.get(pk=op.pk).state == OpState.SUCCEEDED


def test_lost_webhook_is_recovered_by_the_sweep(make_order, parties, fake_gateway):
    import datetime

    from django.utils import timezone

    fake_gateway.supports_holds = False
    fake_gateway.script["authorize"] = "pending"
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="fakepay")
    fake_gateway.ledger[op.reference].update(status=Status.CAPTURED, captured=Decimal("276.00"))
    services.sweep(now=timezone.now() + datetime.timedelta(minutes=5))
    order.refresh_from_db()
    assert order.state == OrderState.PAID
