"""The stateful models outside transmission change state through their machines: each move is a
conditional UPDATE with a history row, a move the table does not allow is refused, and a send
whose worker died goes back to the queue by the sweep (dte.delivery.deliveries_sweep)."""

import datetime

import pytest
from django.utils import timezone

from core.statemachine import TransitionRefused
from dte import delivery
from dte.delivery import deliveries_queue, deliveries_sweep, send
from dte.models import DELIVERY_MACHINE, Delivery, DeliveryState, GovStatus
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.transitions import transition


@pytest.fixture
def sealed(make_draft, issuer, parties):
    doc = document_issue(document=make_draft("01", [line("Café molido", "2", "11.30")], client=parties["consumer"]),
                         acting_user=issuer)
    transition(doc, GovStatus.TRANSMITTING)
    return transition(doc, GovStatus.SEALED, sello_recibido="2026B7C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7")


def test_a_send_leaves_its_history_and_is_not_sent_twice(sealed):
    row = deliveries_queue(document=sealed, emails=["ana@example.com"])[0]
    assert send(row.pk) is True
    assert send(row.pk) is True  # a duplicate message finds it settled
    row.refresh_from_db()
    assert row.state == DeliveryState.SENT and row.attempts == 1
    assert [(h.from_state, h.to_state) for h in DELIVERY_MACHINE.history_of(row)] == [
        ("queued", "sending"), ("sending", "sent")]
    with pytest.raises(TransitionRefused):
        DELIVERY_MACHINE.move(row, DeliveryState.QUEUED)  # only a failed send is retried


def test_the_sweep_puts_back_a_send_whose_worker_died(sealed, monkeypatch):
    queued = []
    monkeypatch.setattr(delivery, "_queue", queued.append)
    row = deliveries_queue(document=sealed, emails=["ana@example.com"])[0]
    long_ago = timezone.now() - datetime.timedelta(minutes=20)
    Delivery.objects.filter(pk=row.pk).update(state=DeliveryState.SENDING, claimed_at=long_ago, created_at=long_ago)
    deliveries_sweep(now=timezone.now())
    row.refresh_from_db()
    assert row.state == DeliveryState.QUEUED and queued == [row.pk]
    assert [(h.from_state, h.to_state, h.reason) for h in DELIVERY_MACHINE.history_of(row)] == [
        ("sending", "queued", "claim expired")]
