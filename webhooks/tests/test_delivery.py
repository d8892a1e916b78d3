"""Deliveries: signed as documented (the README's snippet catches a tampered one), sent in order
per subject and once, retried with backoff; a subscriber down for an hour gets everything
afterwards exactly once and in order; one down for a day is paused and its owner told."""

import json
from datetime import timedelta

import httpx
import pytest
from django.core import mail
from django.utils import timezone

from examples.verify_webhook import verify, verify_request
from webhooks import events, sender
from webhooks.models import Attempt, Delivery, DeliveryState, EventType, Integration, SubscriptionState
from webhooks.services import subscription_create

pytestmark = pytest.mark.django_db


class Subscriber:
    """A subscriber behind an httpx transport: down until ``up_at`` (503), then records each
    delivery it accepts, verifying the signature as the README says."""

    def __init__(self, secret, clock, up_at=None):
        self.secret, self.clock, self.up_at = secret, clock, up_at
        self.received, self.refused = [], 0

    def __call__(self, request):
        if self.up_at is not None and self.clock["now"] < self.up_at:
            self.refused += 1
            return httpx.Response(503, text="mantenimiento")
        body = request.content
        assert verify_request(self.secret, request.headers, body, now=self.clock["now"].timestamp())
        event = json.loads(body)
        self.received.append((event["stream"], event["sequence"], event["type"], event["id"]))
        return httpx.Response(200, text="ok")


@pytest.fixture
def subscription(db, users):
    integration = Integration.objects.create(name="ERP", contact_email="ti@erp.example")
    made, secret = subscription_create(integration=integration, url="https://erp.example/hooks",
                                       events=list(EventType.values), acting_user=users["Administrador"])
    return made, secret


def _clocked(monkeypatch, subscriber):
    monkeypatch.setattr(sender, "transport", httpx.MockTransport(subscriber))


def test_the_signature_verifies_and_a_tampered_delivery_does_not(subscription, monkeypatch):
    sub, secret = subscription
    seen = []
    monkeypatch.setattr(sender, "transport", httpx.MockTransport(
        lambda request: seen.append(request) or httpx.Response(204)))
    events.emit(EventType.PAYMENT_RECORDED, "payment:1", {"payment": {"id": 1, "amount": "10.00"}})
    sender.deliver_due()
    request = seen[0]
    body, ts, signature = request.content, request.headers["Facturador-Timestamp"], request.headers["Facturador-Signature"]
    assert signature.startswith("v1=") and len(signature) == 3 + 64
    assert request.headers["Facturador-Event"] == "payment.recorded"
    assert verify(secret, body, ts, signature)
    assert not verify(secret, body.replace(b"10.00", b"99.00"), ts, signature)  # the body changed
    assert not verify(secret, body, str(int(ts) + 1), signature)  # the timestamp changed
    assert not verify(secret, body, ts, "v1=" + "0" * 64)  # a forged signature
    assert not verify("whsec_otro", body, ts, signature)  # another secret
    assert not verify(secret, body, ts, signature, now=int(ts) + 3600)  # replayed an hour later
    attempt = Attempt.objects.get()
    assert attempt.status_code == 204 and attempt.duration_ms >= 0


def test_the_readmes_snippet_catches_a_tampered_delivery_too(subscription, monkeypatch):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    snippet = next(block for block in re.findall(r"```python\n(.*?)```", readme, re.S) if "def verify(" in block)
    namespace = {}
    exec(compile(snippet, "README.md", "exec"), namespace)  # noqa: S102 - the documented snippet itself
    readme_verify = namespace["verify"]
    sub, secret = subscription
    seen = []
    monkeypatch.setattr(sender, "transport", httpx.MockTransport(
        lambda request: seen.append(request) or httpx.Response(200)))
    events.emit(EventType.DOCUMENT_SEALED, "document:5", {"document": {"id": 5, "sello_recibido": "S" * 40}})
    sender.deliver_due()
    body, ts, signature = (seen[0].content, seen[0].headers["Facturador-Timestamp"],
                           seen[0].headers["Facturador-Signature"])
    assert readme_verify(secret, body, ts, signature)
    assert not readme_verify(secret, body.replace(b'"id":5', b'"id":6'), ts, signature)
    assert not readme_verify(secret, body, ts, signature[:-1] + ("0" if signature[-1] != "0" else "1"))


def test_a_subscriber_down_for_an_hour_gets_everything_afterwards_once_and_in_order(subscription, monkeypatch):
    sub, secret = subscription
    t0 = timezone.now()
    clock = {"now": t0}
    subscriber = Subscriber(secret, clock, up_at=t0 + timedelta(hours=1))
    _clocked(monkeypatch, subscriber)
    kinds = [EventType.DOCUMENT_SEALED, EventType.EMAIL_BOUNCED, EventType.DOCUMENT_INVALIDATED]
    emitted = {}
    # three documents, three events each, interleaved, some while the subscriber is down
    for step, kind in enumerate(kinds):
        for doc in (1, 2, 3):
            event = events.emit(kind, f"document:{doc}", {"document": {"id": doc}, "step": step})
            emitted.setdefault(f"document:{doc}", []).append(str(event.public_id))
        clock["now"] += timedelta(minutes=7)
        sender.deliver_due(now=clock["now"])
    while clock["now"] < t0 + timedelta(hours=3):
        clock["now"] += timedelta(minutes=1)
        sender.deliver_due(now=clock["now"])
    assert subscriber.refused > 3  # it was tried, and retried, while down
    assert len(subscriber.received) == 9  # everything, exactly once
    assert len({event_id for *_rest, event_id in subscriber.received}) == 9
    for stream, ids in emitted.items():
        got = [(seq, event_id) for s, seq, _k, event_id in subscriber.received if s == stream]
        assert got == [(1, ids[0]), (2, ids[1]), (3, ids[2])]  # in order
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE  # an hour down is not a day
    # the first delivery of a document waited for its backoff, never overtaken by the next
    first = Delivery.objects.get(event__public_id=emitted["document:1"][0])
    second = Delivery.objects.get(event__public_id=emitted["document:1"][1])
    assert first.delivered_at <= second.delivered_at and first.attempts > 1


def test_nothing_goes_twice_when_the_stream_is_sent_again(subscription, monkeypatch):
    sub, secret = subscription
    clock = {"now": None}
    subscriber = Subscriber(secret, clock)
    _clocked(monkeypatch, subscriber)
    event = events.emit(EventType.DOCUMENT_SEALED, "document:7", {"document": {"id": 7}})
    clock["now"] = timezone.now()
    delivery = Delivery.objects.get(event=event)
    for _ in range(3):
        sender.deliver_stream(delivery.stream_id, now=clock["now"])
    assert len(subscriber.received) == 1


def test_a_subscriber_down_for_a_day_is_paused_its_owner_told_and_resumed_in_order(subscription, monkeypatch):
    sub, secret = subscription
    monkeypatch.setattr(sender, "call_on_commit", lambda func, *args: func(*args))  # the email, now
    t0 = timezone.now()
    clock = {"now": t0}
    subscriber = Subscriber(secret, clock, up_at=t0 + timedelta(days=3))
    _clocked(monkeypatch, subscriber)
    first = events.emit(EventType.DOCUMENT_SEALED, "document:1", {"document": {"id": 1}})
    second = events.emit(EventType.DOCUMENT_INVALIDATED, "document:1", {"document": {"id": 1}})
    while clock["now"] < t0 + timedelta(hours=26):
        clock["now"] += timedelta(minutes=10)
        sender.deliver_due(now=clock["now"])
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.PAUSED and "24" in sub.pause_reason
    assert Delivery.objects.get(event=first).state == DeliveryState.FAILED
    assert Delivery.objects.get(event=second).state == DeliveryState.PENDING  # never sent before the first
    assert subscriber.received == []
    assert [m.to for m in mail.outbox] == [["ti@erp.example"]]
    assert "ERP" in mail.outbox[0].body
    # events keep being kept while paused
    third = events.emit(EventType.DOCUMENT_SEALED, "document:2", {"document": {"id": 2}})
    subscriber.up_at = None
    sender.subscription_resume(subscription=sub)
    clock["now"] = timezone.now()
    sender.deliver_due(now=clock["now"] + timedelta(seconds=1))
    assert [(s, q) for s, q, _k, _i in subscriber.received] == [("document:1", 1), ("document:1", 2), ("document:2", 1)]
    assert Delivery.objects.get(event=third).state == DeliveryState.DELIVERED


def test_the_admin_replays_a_delivery(subscription, monkeypatch, client_as, users):
    sub, secret = subscription
    clock = {"now": timezone.now()}
    subscriber = Subscriber(secret, clock)
    _clocked(monkeypatch, subscriber)
    event = events.emit(EventType.PAYMENT_RECORDED, "payment:9", {"payment": {"id": 9}})
    sender.deliver_due()
    delivery = Delivery.objects.get(event=event)
    admin = client_as(users["Administrador"])
    page = admin.get(f"/admin/webhooks/delivery/{delivery.pk}/change/")
    assert page.status_code == 200 and b"ok" in page.content  # the attempt's answer is shown
    admin.post("/admin/webhooks/delivery/", {"action": "replay", "_selected_action": [delivery.pk]})
    sender.deliver_due(now=timezone.now() + timedelta(seconds=1))
    assert [e for *_r, e in subscriber.received] == [str(event.public_id)] * 2  # the same event id: a repeat
    assert delivery.attempts_made.count() == 2


def test_the_admin_shows_a_new_subscriptions_secret_once(client_as, users):
    integration = Integration.objects.create(name="Tienda", contact_email="dev@tienda.example")
    admin = client_as(users["Administrador"])
    response = admin.post("/admin/webhooks/subscription/add/", {
        "integration": integration.pk, "url": "https://tienda.example/webhooks", "events": ["document.sealed"],
        "scope_user": ""})
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("whsec_")
    created = integration.subscriptions.get()
    assert created.secret == secret and created.events == ["document.sealed"]
    assert secret not in admin.get(f"/admin/webhooks/subscription/{created.pk}/change/").content.decode()
