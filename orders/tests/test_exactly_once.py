"""Exactly once under concurrency: the capture reported by two processes at the same moment (a
webhook and the payer's return), and the receipt task run twice at once, leave one paid order,
one receipt and one payment (real PostgreSQL, real transactions, two threads)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from dte.models import Document
from orders import services
from orders.models import Order, OrderState
from payments.gateways.base import Result, Status
from payments.models import Application

pytestmark = pytest.mark.django_db(transaction=True)


def _together(*calls):
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait(timeout=30)
            call()
        except Exception as exc:  # noqa: BLE001 - collected and shown by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), "un hilo no terminó"
    return errors


def test_capture_reported_twice_at_once_and_receipt_task_twice_issue_one_receipt(make_order, parties, fake_gateway):
    fake_gateway.supports_holds = False
    fake_gateway.script["authorize"] = "pending"
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="fakepay")
    captured = Result(status=Status.CAPTURED, reference=op.reference, gateway_id=op.gateway_id,
                      captured_amount=Decimal("276.00"), authorization_code="AUTH9")
    errors = _together(lambda: services.apply_result(op, captured), lambda: services.apply_result(op, captured))
    assert not errors, errors
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    errors = _together(lambda: services.receipt_issue(order_id=order.pk),
                       lambda: services.receipt_issue(order_id=order.pk))
    assert not errors, errors
    assert Document.objects.filter(order__pk=order.pk).count() == 1
    assert Document.objects.exclude(status="draft").count() == 1
    assert Application.objects.filter(document__order__pk=order.pk).count() == 1
    assert Order.objects.get(pk=order.pk).document_id is not None
