"""Refunds of a Factura by MH's rules (orders.services.refund_plan): no credit note against a
Factura; a partial refund is an Evento de Retorno of the lines given back while the 2026
generation is in force for it, and left to the accountant, said plainly, when it is not."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dte import jsonio
from dte.models import Document, EventKind, GovStatus, MHEvent, SchemaGeneration
from orders import services
from orders.models import OpState, OrderState, Refund, RefundAction

pytestmark = pytest.mark.django_db


def _paid_factura(make_order, parties, fake_gateway):
    # 2 chairs at 113.00 with IVA (items 1) and one installation at 50.00 (item 2): 276.00
    fake_gateway.supports_holds = False
    order = make_order(parties["consumer"])
    services.order_pay_start(order=order, gateway="fakepay")
    factura = services.receipt_issue(order_id=order.pk)
    Document.objects.filter(pk=factura.pk).update(status=GovStatus.SEALED, sello_recibido="X" * 40,
                                                  processed_at=timezone.now())
    order.refresh_from_db()
    return order


def _retorno_in_force():
    SchemaGeneration.objects.create(kind="retorno", generation="2026",
                                    effective_from=timezone.now() - datetime.timedelta(hours=1))


def test_partial_refund_of_a_factura_is_an_evento_de_retorno_of_the_lines_returned(make_order, parties,
                                                                                  fake_gateway, users):
    order = _paid_factura(make_order, parties, fake_gateway)
    _retorno_in_force()
    # without the lines there is no retorno to register: refused before any money moves
    with pytest.raises(services.OrderRefused, match="evento de retorno: indique qué líneas"):
        services.order_refund(order=order, amount=Decimal("113.00"), reason="Una silla", acting_user=users["Contador"])
    # the amount must be what the lines are worth: one chair is 113.00, not 100.00
    with pytest.raises(services.OrderRefused, match="valen"):
        services.order_refund(order=order, amount=Decimal("100.00"), reason="Una silla", acting_user=users["Contador"],
                              returned=[{"numItem": 1, "quantity": 1}])
    assert not [c for c in fake_gateway.calls if c[0] == "refund"] and not Refund.objects.exists()
    op = services.order_refund(order=order, amount=None, reason="Devolvió una silla", acting_user=users["Contador"],
                               returned=[{"numItem": 1, "quantity": 1}])
    assert op.state == OpState.SUCCEEDED and op.amount == Decimal("113.00")
    order.refresh_from_db()
    # 276.00 − 113.00 = 163.00 still refundable
    assert order.state == OrderState.PARTIALLY_REFUNDED and order.refundable == Decimal("163.00")
    refund = services.refund_fiscal(refund_id=Refund.objects.get().pk)
    assert refund.fiscal_action == RefundAction.RETURN and refund.fiscal_error == ""
    event = refund.fiscal_event
    assert event.kind == EventKind.RETURN and event.document_id == order.document_id
    body = jsonio.loads(event.payload)
    item = body["cuerpoDocumento"][0]
    # 1 × 113.00, its IVA inside: 113.00 × 13/113 = 13.00
    assert (item["cantidad"], item["ventaGravada"], item["ivaItem"]) == (1, Decimal("113"), Decimal("13"))
    assert body["resumen"]["montoTotalOperacion"] == Decimal("113")
    # run twice: the same event, no second one
    assert services.refund_fiscal(refund_id=refund.pk).fiscal_event_id == event.pk
    assert MHEvent.objects.filter(kind=EventKind.RETURN).count() == 1
    # the rest: the installation (50.00) and the other chair (113.00) = 163.00; one more chair than sold is refused
    with pytest.raises(services.OrderRefused):
        services.order_refund(order=order, amount=None, reason="Más", acting_user=users["Contador"],
                              returned=[{"numItem": 1, "quantity": 3}])


def test_partial_refund_of_a_factura_without_retorno_is_left_to_the_accountant_with_the_reason(make_order, parties,
                                                                                               fake_gateway, users):
    order = _paid_factura(make_order, parties, fake_gateway)  # the 2023 generation: no Evento de Retorno
    action, text = services.refund_plan(order, Decimal("50.00"))
    assert action == RefundAction.MANUAL
    assert "no admite nota de crédito" in text and "Normativa v2.0" in text and "reemplazo" in text
    services.order_refund(order=order, amount=Decimal("50.00"), reason="Instalación no hecha",
                          acting_user=users["Contador"])
    refund = services.refund_fiscal(refund_id=Refund.objects.get().pk)
    assert refund.fiscal_action == RefundAction.MANUAL and "Factura de reemplazo" in refund.fiscal_error
    assert refund.fiscal_document is None and refund.fiscal_event is None
