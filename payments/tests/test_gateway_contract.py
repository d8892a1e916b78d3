"""The one contract every gateway adapter keeps, run against each adapter on a real paysim over
HTTP (issue 20): paying, declines, 3-D Secure, the gateway down / refusing / slow / hanging /
cutting the answer after the charge (in doubt, resolved by status(), never by charging again),
partial capture, capture above the authorised amount refused, void, full and partial refunds,
webhooks signed/tampered, duplicated, reordered, delayed and lost.

Where a gateway cannot do something (Wompi: no refunds by API; Wompi and n1co: no holds, no
partial capture; n1co: full refunds only), the contract is that the adapter refuses it clearly
(OperationRefused) and nothing moves at the gateway."""

import http.server
import json
import threading
import time
import uuid
from decimal import Decimal

import httpx
import pytest

from payments.gateways.base import (
    EventKind,
    GatewayUnavailable,
    OperationRefused,
    Status,
    WebhookInvalid,
    gateway_classes,
)
from payments.tests.gateway_harness import CHALLENGE_PAN, TEST_PAN, Harness

GATEWAYS = ["wompi", "n1co", "paypal"]
pytestmark = pytest.mark.parametrize("code", GATEWAYS)


class _Receiver(http.server.BaseHTTPRequestHandler):
    got: list

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.got.append((dict(self.headers.items()), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def receiver():
    """A webhook endpoint paysim really POSTs to: (url, list of (headers, raw body))."""
    got = []
    handler = type("Receiver", (_Receiver,), {"got": got})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks", got
    server.shutdown()


@pytest.fixture
def h(paysim, code, receiver):
    harness = Harness(paysim, code, webhook_url=receiver[0])
    harness.clear()
    yield harness
    harness.clear()


def ref():
    return f"ORD-{uuid.uuid4().hex[:10].upper()}"


def test_every_gateway_is_registered(code):
    assert code in gateway_classes()


def test_pay_once_and_status_agrees(h):
    r = ref()
    start = h.start(r, "25.00")
    assert start.status in (Status.PENDING, Status.CAPTURED)
    if start.status == Status.PENDING:
        assert start.action_url.startswith(h.paysim)  # where the payer goes: the gateway's page
    paid = h.finish(r, start)
    assert paid.status == Status.CAPTURED
    assert paid.captured_amount == Decimal("25.00")
    assert h.gw.status(r, gateway_id=paid.gateway_id).status == Status.CAPTURED
    assert h.money_taken(r if h.code != "n1co" else paid.gateway_id) == [Decimal("25.00")]


def test_decline(h):
    r = ref()
    h.fault("decline", count=1)
    start = h.start(r, "10.00")
    if h.code == "n1co":
        assert start.status == Status.DECLINED
        final = start
    else:
        assert h.payer(start.gateway_id)["outcome"] == ("approved" if h.code == "paypal" else "declined")
        if h.code == "paypal":
            final = h.gw.complete(start.gateway_id, reference=r, idempotency_key=f"{r}-c")
            assert final.status == Status.DECLINED
        else:
            final = h.gw.status(r, gateway_id=start.gateway_id)
            assert final.status == Status.PENDING  # a declined card leaves the link payable
            assert final.message
    assert h.money_taken(r if h.code != "n1co" else start.gateway_id) == []
    if h.code != "paypal":  # the decline is announced by a signed webhook
        events = [h.gw.verify_webhook(w["headers"], w["body"].encode()) for w in h.webhooks(r if h.code == "wompi" else start.gateway_id)]
        assert EventKind.DECLINED in {e.kind for e in events}


def test_3ds_challenge_then_paid(h):
    r = ref()
    if h.code != "n1co":
        h.fault("challenge", count=1)
    start = h.start(r, "40.00", card=CHALLENGE_PAN if h.code == "n1co" else TEST_PAN)
    if h.code in ("n1co", "paypal"):
        assert start.status == Status.CHALLENGE
        assert "/3ds/" in start.action_url or "checkoutnow" in start.action_url
    else:  # Wompi: the challenge is on its own page
        assert h.payer(start.gateway_id)["outcome"] == "challenge"
        assert h.gw.status(r, gateway_id=start.gateway_id).status == Status.PENDING
    final = h.finish(r, start)
    assert final.status == Status.CAPTURED
    assert final.captured_amount == Decimal("40.00")


def test_down_means_nothing_happened(h):
    r = ref()
    h.fault("down", count=3)
    with pytest.raises(GatewayUnavailable):
        h.start(r, "12.00")
    assert h.ledger(r)["payments"] == []
    h.clear()
    assert h.pay(r, "12.00").status == Status.CAPTURED


def test_connection_refused_is_unavailable(h):
    host, port = h.paysim.rsplit(":", 1)
    httpx.post(f"{host}:{int(port) + 1}/refuse", json={"seconds": 2}, timeout=10)
    try:
        with pytest.raises(GatewayUnavailable):
            h.adapter(timeout=2).status("X", gateway_id="1")
    finally:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{h.paysim}/_paysim/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
    assert h.pay(ref(), "3.00").status == Status.CAPTURED


def test_slow_within_timeout_is_fine(h):
    h.fault("slow", latency_ms=300, count=2)
    assert h.pay(ref(), "8.00").status == Status.CAPTURED


def _charge_path(h, start):
    """The money-moving request of each gateway: n1co's charge, PayPal's capture of the approved
    order, Wompi's link creation (Wompi's charge happens on its own page)."""
    return {"n1co": "/n1co/api/v3/Charges", "wompi": "/wompi/EnlacePago",
            "paypal": f"/paypal/v2/checkout/orders/{start.gateway_id if start else ''}/capture"}[h.code]


@pytest.mark.parametrize("mode", ["drop", "slow"])
def test_timeout_after_the_charge_is_in_doubt_and_resolved_by_status(h, mode):
    """The request is processed (the ledger has it) and the answer never arrives (drop: the
    connection is cut; slow: it comes after our timeout). The adapter says in_doubt; status()
    says what happened; repeating with the same key never charges twice."""
    r = ref()
    short = h.adapter(timeout=1.0)
    if h.code == "paypal":
        start = h.start(r, "30.00")
        h.payer(start.gateway_id)
        h.fault(mode, count=1, latency_ms=2500 if mode == "slow" else 0, path_prefix=_charge_path(h, start))
        doubt = short.complete(start.gateway_id, reference=r, idempotency_key=f"{r}-c")
    else:
        h.fault(mode, count=1, latency_ms=2500 if mode == "slow" else 0, path_prefix=_charge_path(h, None))
        start = doubt = h.start(r, "30.00", gw=short)
    assert doubt.status == Status.IN_DOUBT
    if h.code == "wompi":
        # The link was made though we never heard: found by our reference, not made again.
        found = h.gw.status(r)
        assert found.status == Status.PENDING and found.gateway_id
        assert len(h.ledger(r)["payments"]) == 1
        final = h.finish(r, found)
    else:
        assert doubt.gateway_id  # known before sending: saved by the caller
        final = h.gw.status(r, gateway_id=doubt.gateway_id)
        if h.code == "paypal":  # the same key replays the original answer [PayPal-Request-Id]
            again = h.gw.complete(start.gateway_id, reference=r, idempotency_key=f"{r}-c")
            assert again.status == Status.CAPTURED
        else:  # n1co keeps the order id unique: a repeat is refused, not charged
            with pytest.raises(OperationRefused):
                h.start(r, "30.00", key=doubt.gateway_id)
    assert final.status == Status.CAPTURED
    assert h.money_taken(r if h.code != "n1co" else doubt.gateway_id) == [Decimal("30.00")]
    assert h.ledger(r if h.code != "n1co" else doubt.gateway_id)["double_charges"] == 0


def test_timeout_before_processing_is_in_doubt_and_nothing_happened(h):
    """hang: no processing and no answer: in doubt too (the caller cannot tell); status() says
    nothing was taken, and trying again with the same key takes the money once."""
    r = ref()
    short = h.adapter(timeout=1.0)
    if h.code == "paypal":
        start = h.start(r, "15.00")
        h.payer(start.gateway_id)
        h.fault("hang", count=1, latency_ms=2000, path_prefix=_charge_path(h, start))
        doubt = short.complete(start.gateway_id, reference=r, idempotency_key=f"{r}-c")
        assert doubt.status == Status.IN_DOUBT
        assert h.gw.status(r, gateway_id=start.gateway_id).status == Status.APPROVED
        assert h.gw.complete(start.gateway_id, reference=r, idempotency_key=f"{r}-c").status == Status.CAPTURED
    else:
        h.fault("hang", count=1, latency_ms=2000, path_prefix=_charge_path(h, None))
        doubt = h.start(r, "15.00", gw=short)
        assert doubt.status == Status.IN_DOUBT
        assert h.gw.status(r, gateway_id=doubt.gateway_id).status == Status.NOT_FOUND
        assert h.pay(r, "15.00").status == Status.CAPTURED
    assert h.money_taken(r if h.code != "n1co" else f"{r}-k1") == [Decimal("15.00")]


def test_partial_capture_and_capture_above_authorised_refused(h):
    r = ref()
    held = h.pay(r, "20.00", capture=False)
    gid = held.gateway_id
    if h.gw.supports_holds:
        assert held.status == Status.AUTHORIZED and held.authorized_amount == Decimal("20.00")
        with pytest.raises(OperationRefused):
            h.gw.capture(gid, Decimal("20.01"), reference=r, idempotency_key=f"{r}-cap0")
        part = h.gw.capture(gid, Decimal("5.00"), reference=r, idempotency_key=f"{r}-cap1", final=False)
        assert part.status == Status.AUTHORIZED and part.captured_amount == Decimal("5.00")
        with pytest.raises(OperationRefused):
            h.gw.capture(gid, Decimal("15.01"), reference=r, idempotency_key=f"{r}-cap2")
        rest = h.gw.capture(gid, Decimal("15.00"), reference=r, idempotency_key=f"{r}-cap3")
        assert rest.status == Status.CAPTURED and rest.captured_amount == Decimal("20.00")
        assert h.money_taken(r) == [Decimal("5.00"), Decimal("15.00")]
        # The gateway refuses too, not only the adapter: straight at paysim, above what is left.
        auth_id = held.operation_id
        token = httpx.post(f"{h.paysim}/paypal/v1/oauth2/token", data={"grant_type": "client_credentials"},
                           auth=(h.creds["client_id"], h.creds["client_secret"])).json()["access_token"]
        over = httpx.post(f"{h.paysim}/paypal/v2/payments/authorizations/{auth_id}/capture",
                          json={"amount": {"currency_code": "USD", "value": "0.01"}}, headers={"Authorization": f"Bearer {token}"})
        assert over.status_code == 422
    else:
        assert held.status == Status.CAPTURED  # no holds: captured at once
        with pytest.raises(OperationRefused):
            h.gw.capture(gid, Decimal("5.00"), reference=r, idempotency_key=f"{r}-cap1")
        with pytest.raises(OperationRefused):
            h.gw.capture(gid, Decimal("20.01"), reference=r, idempotency_key=f"{r}-cap2")
        assert h.gw.capture(gid, None, reference=r, idempotency_key=f"{r}-cap3").status == Status.CAPTURED
        assert h.money_taken(r if h.code != "n1co" else gid) == [Decimal("20.00")]


def test_void(h):
    r = ref()
    if h.code == "paypal":
        held = h.pay(r, "50.00", capture=False)
        voided = h.gw.void(held.gateway_id, reference=r, idempotency_key=f"{r}-v")
        assert voided.status == Status.VOIDED
        with pytest.raises(OperationRefused):
            h.gw.capture(held.gateway_id, None, reference=r, idempotency_key=f"{r}-c")
        assert h.money_taken(r) == []
    elif h.code == "wompi":  # an unpaid link is deactivated; the payer can no longer pay it
        start = h.start(r, "50.00")
        assert h.gw.void(start.gateway_id, reference=r, idempotency_key=f"{r}-v").status == Status.VOIDED
        assert h.payer(start.gateway_id)["outcome"] == "inactive"
        paid = h.pay(ref(), "5.00")
        with pytest.raises(OperationRefused):
            h.gw.void(paid.gateway_id, reference=paid.reference, idempotency_key="v2")
        assert h.money_taken(r) == []
    else:
        paid = h.pay(r, "50.00")
        with pytest.raises(OperationRefused):
            h.gw.void(paid.gateway_id, reference=r, idempotency_key=f"{r}-v")
        assert h.gw.status(r, gateway_id=paid.gateway_id).status == Status.CAPTURED


def test_full_refund(h):
    r = ref()
    paid = h.pay(r, "18.50")
    if not h.gw.supports_refund:
        with pytest.raises(OperationRefused):
            h.gw.refund(paid.gateway_id, reference=r, idempotency_key=f"{r}-r")
        assert h.gw.status(r, gateway_id=paid.gateway_id).status == Status.CAPTURED
        return
    done = h.gw.refund(paid.gateway_id, reference=r, idempotency_key=f"{r}-r", reason="Devolución")
    assert done.status == Status.REFUNDED and done.refunded_amount == Decimal("18.50")
    assert Decimal(h.ledger(r if h.code != "n1co" else paid.gateway_id)["refunded"]) == Decimal("18.50")
    with pytest.raises(OperationRefused):  # nothing left
        h.gw.refund(paid.gateway_id, Decimal("0.01"), reference=r, idempotency_key=f"{r}-r2")


def test_partial_refund(h):
    r = ref()
    paid = h.pay(r, "20.00")
    if not h.gw.supports_partial_refund:
        with pytest.raises(OperationRefused):
            h.gw.refund(paid.gateway_id, Decimal("5.00"), reference=r, idempotency_key=f"{r}-r")
        assert Decimal(h.ledger(r if h.code != "n1co" else paid.gateway_id)["refunded"]) == 0
        return
    part = h.gw.refund(paid.gateway_id, Decimal("5.00"), reference=r, idempotency_key=f"{r}-r1")
    assert part.status == Status.CAPTURED and part.refunded_amount == Decimal("5.00")
    with pytest.raises(OperationRefused):
        h.gw.refund(paid.gateway_id, Decimal("15.01"), reference=r, idempotency_key=f"{r}-r2")
    rest = h.gw.refund(paid.gateway_id, Decimal("15.00"), reference=r, idempotency_key=f"{r}-r3")
    assert rest.status == Status.REFUNDED and rest.refunded_amount == Decimal("20.00")
    assert Decimal(h.ledger(r)["refunded"]) == Decimal("20.00")


def _ledger_ref(h, r, paid):
    return paid.gateway_id if h.code == "n1co" else r


def test_webhook_signature_verified_and_tampering_refused(h):
    r = ref()
    paid = h.pay(r, "9.99")
    hooks = h.webhooks(_ledger_ref(h, r, paid))
    assert hooks
    events = [h.gw.verify_webhook(w["headers"], w["body"].encode()) for w in hooks]
    captured = [e for e in events if e.kind == EventKind.CAPTURED]
    assert len(captured) == 1 and captured[0].event_id
    assert (captured[0].reference or captured[0].gateway_id) in (r, paid.gateway_id)
    w = next(w for w, e in zip(hooks, events, strict=True) if e.kind == EventKind.CAPTURED)
    # Change what a forger would: the amount where the body has one, else whose order it is.
    tampered = (w["body"].replace("9.99", "0.01") if "9.99" in w["body"] else w["body"].replace(paid.gateway_id, "OTRA-ORDEN")).encode()
    assert tampered != w["body"].encode()
    with pytest.raises(WebhookInvalid):
        h.gw.verify_webhook(w["headers"], tampered)
    with pytest.raises(WebhookInvalid):
        h.gw.verify_webhook({k: v for k, v in w["headers"].items() if k.lower() == "content-type"}, w["body"].encode())
    forged = dict(w["headers"])
    sig_header = {"wompi": "wompi_hash", "n1co": "X-H4B-Hmac-Sha256", "paypal": "PAYPAL-TRANSMISSION-SIG"}[h.code]
    forged[sig_header] = "AAAA" + forged[sig_header][4:]
    with pytest.raises(WebhookInvalid):
        h.gw.verify_webhook(forged, w["body"].encode())
    if h.code == "paypal":  # the cert must come from PayPal (or the configured host), not from the sender
        elsewhere = dict(w["headers"], **{"PAYPAL-CERT-URL": "https://evil.example/cert.pem"})
        with pytest.raises(WebhookInvalid):
            h.gw.verify_webhook(elsewhere, w["body"].encode())


def _wait_received(got, predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        hits = [item for item in list(got) if predicate(item)]
        if hits:
            return hits
        time.sleep(0.2)
    return []


def test_webhook_duplicated_three_times_is_one_event(h, receiver):
    _url, got = receiver
    r = ref()
    h.fault("webhook_duplicate", copies=3, count=5)
    paid = h.pay(r, "11.00")
    key = _ledger_ref(h, r, paid)
    hooks = [w for w in h.webhooks(key) if not w["lost"]]
    events = [h.gw.verify_webhook(w["headers"], w["body"].encode()) for w in hooks]
    captured = [e for e in events if e.kind == EventKind.CAPTURED]
    assert len(captured) == 3
    assert len({e.event_id for e in captured}) == 1  # deduplicated by event id
    # And paysim really POSTs them: the receiver gets the three copies, each verifying.
    marker = key.encode()
    hits = _wait_received(got, lambda item: marker in item[1] and
                          h.gw.verify_webhook(item[0], item[1]).kind == EventKind.CAPTURED)
    deadline = time.monotonic() + 20
    while len(hits) < 3 and time.monotonic() < deadline:
        time.sleep(0.3)
        hits = [i for i in list(got) if marker in i[1] and h.gw.verify_webhook(i[0], i[1]).kind == EventKind.CAPTURED]
    assert len(hits) == 3
    assert len({h.gw.verify_webhook(i[0], i[1]).event_id for i in hits}) == 1


_RANK = {EventKind.CHALLENGE: 1, EventKind.APPROVED: 1, EventKind.AUTHORIZED: 2, EventKind.CAPTURED: 3,
         EventKind.REFUNDED: 4}


def _apply(events):
    """The receiving side's rule (base.py, "Webhooks"): each event once by id, never backwards."""
    seen, state = set(), 0
    for e in events:
        if e.event_id in seen:
            continue
        seen.add(e.event_id)
        state = max(state, _RANK.get(e.kind, 0))
    return state


def test_webhooks_reordered_end_in_one_state(h):
    """Several distinct events, each sent three times, the first held back so later ones overtake
    it: applied once each by event id and never backwards, they end where status() says."""
    r = ref()
    h.fault("webhook_duplicate", copies=3, count=20)
    h.fault("webhook_reorder", latency_ms=3000, count=1)  # newest fault first: the first event is held
    if h.code == "wompi":  # a declined attempt (Fallida), then the payment (ExitosaAprobada)
        h.fault("decline", count=1)
        start = h.start(r, "14.00")
        assert h.payer(start.gateway_id)["outcome"] == "declined"
        paid = h.finish(r, start)
    elif h.code == "n1co":  # Requires3ds, ThreeDSecureAuthSucceeded, SuccessPayment
        paid = h.pay(r, "14.00", card=CHALLENGE_PAN)
    else:  # CHECKOUT.ORDER.APPROVED, PAYMENT.AUTHORIZATION.CREATED, PAYMENT.CAPTURE.COMPLETED
        held = h.pay(r, "14.00", capture=False)
        paid = h.gw.capture(held.gateway_id, None, reference=r, idempotency_key=f"{r}-cap")
    assert paid.status == Status.CAPTURED
    hooks = sorted(h.webhooks(_ledger_ref(h, r, paid)), key=lambda w: (w["due_at"], w["id"]))
    events = [h.gw.verify_webhook(w["headers"], w["body"].encode()) for w in hooks]
    distinct = {e.event_id for e in events}
    assert len(distinct) >= 2 and len(events) == 3 * (len(distinct) - 1) + 1  # the held one is sent once
    first_emitted = min(hooks, key=lambda w: w["id"])
    assert hooks[-1]["event_id"] == first_emitted["event_id"]  # the first event arrives last
    assert _apply(events) == _RANK[EventKind.CAPTURED]
    assert _apply(list(reversed(events))) == _RANK[EventKind.CAPTURED]
    assert h.gw.status(r, gateway_id=paid.gateway_id).status == Status.CAPTURED


def test_webhook_delayed(h):
    r = ref()
    h.fault("webhook_delay", latency_ms=4000, count=10)
    paid = h.pay(r, "6.00")
    for w in h.webhooks(_ledger_ref(h, r, paid)):
        assert w["delivered_at"] is None  # not yet: due ≥ 4 s after the event
    assert h.gw.status(r, gateway_id=paid.gateway_id).status == Status.CAPTURED


def test_webhook_lost_recovered_by_polling(h):
    r = ref()
    h.fault("webhook_lost", count=10)
    paid = h.pay(r, "7.00")
    hooks = h.webhooks(_ledger_ref(h, r, paid))
    assert hooks and all(w["lost"] for w in hooks)
    assert h.gw.status(r, gateway_id=paid.gateway_id).status == Status.CAPTURED


def test_no_card_data_in_our_database_or_logs(h, caplog, company):
    """The payer's card number goes to the gateway only: after paying (and 3-D Secure) through the
    adapter with a company's GatewayAccount, the test PAN is nowhere in our tables or log lines,
    and the gateway's answers we keep (Result.raw) carry none."""
    import logging

    from django.db import connection

    from payments.models import GatewayAccount

    caplog.set_level(logging.DEBUG)
    account = GatewayAccount(company=company, gateway=h.code, base_url=h.creds["base_url"])
    account.set_credentials({k: v for k, v in h.creds.items() if k != "base_url"})
    account.save()
    gw = GatewayAccount.objects.get(pk=account.pk).gateway_client()
    h.gw = gw
    results = [h.pay(ref(), "21.00"), h.pay(ref(), "22.00", card=CHALLENGE_PAN)]
    assert all(x.status == Status.CAPTURED for x in results)
    for pan in (TEST_PAN, CHALLENGE_PAN):
        assert pan not in caplog.text
        assert all(pan not in json.dumps(x.raw) for x in results)
        with connection.cursor() as cur:
            cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
            tables = [row[0] for row in cur.fetchall()]
            for table in tables:
                cur.execute(f'SELECT count(*) FROM "{table}" t WHERE t::text LIKE %s', [f"%{pan}%"])
                assert cur.fetchone()[0] == 0, f"{pan} en la tabla {table}"
    # The credentials are encrypted at rest: the secret is not in the row as stored.
    with connection.cursor() as cur:
        cur.execute("SELECT credentials FROM payments_gatewayaccount WHERE id = %s", [account.pk])
        stored = cur.fetchone()[0]
    assert h.creds["client_secret"] not in stored
    assert GatewayAccount.objects.get(pk=account.pk).credentials_dict()["client_secret"] == h.creds["client_secret"]
