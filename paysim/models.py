"""paysim's own tables: merchants, payments and the ledger of every money movement, faults, and
the webhooks it sends. One schema serves the three gateways; each gateway module (wompi, n1co,
paypal) renders it in that gateway's wire format.

paysim is the gateway: it sees a card number when a payer types one on its hosted page or its
tokenizer, but it keeps only the last four digits and the test card's behaviour."""

from django.db import models


class Merchant(models.Model):
    """A merchant's account at one simulated gateway (its API credentials and webhook settings)."""

    gateway = models.CharField(max_length=10)  # wompi, n1co, paypal
    client_id = models.CharField(max_length=100)
    client_secret = models.CharField(max_length=200)
    # Wompi signs with the API Secret (= client_secret) [facts §1 D W3]; n1co with the webhook
    # secret set in its portal [facts §2 D N5]; PayPal's webhook_id names the subscription [§3 D P4].
    webhook_secret = models.CharField(max_length=200, blank=True)
    webhook_url = models.CharField(max_length=500, blank=True)
    webhook_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["gateway", "client_id"], name="paysim_merchant_once")]


class CardToken(models.Model):
    """A tokenized card (n1co PaymentMethods): last four digits and the test behaviour, no PAN."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE)
    token = models.CharField(max_length=60, unique=True)
    last4 = models.CharField(max_length=4)
    brand = models.CharField(max_length=20, default="VISA")
    behaviour = models.CharField(max_length=12, default="approve")  # approve, decline, challenge
    created_at = models.DateTimeField(auto_now_add=True)


class Payment(models.Model):
    """One payment as the gateway sees it: a Wompi payment link, an n1co charge or checkout link, a
    PayPal order (with its authorization)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT)
    gateway = models.CharField(max_length=10, db_index=True)
    kind = models.CharField(max_length=10)  # link, charge, order
    public_id = models.CharField(max_length=60, unique=True)  # idEnlace / orderId|orderCode / order id
    reference = models.CharField(max_length=255, db_index=True, blank=True)  # the merchant's
    order_id = models.CharField(max_length=255, db_index=True, blank=True)  # n1co orderId (ours for charges)
    intent = models.CharField(max_length=10, default="capture")  # capture, authorize
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    # created, challenge, approved, authorized, captured, refunded, voided, declined, expired
    status = models.CharField(max_length=12, default="created")
    authorized = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    captured = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    refunded = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    authorization_id = models.CharField(max_length=60, blank=True)  # PayPal authorization id
    authorization_code = models.CharField(max_length=12, blank=True)
    transaction_id = models.CharField(max_length=60, blank=True)  # Wompi idTransaccion, n1co charge id
    three_ds_id = models.CharField(max_length=60, blank=True)
    three_ds_done = models.BooleanField(default=False)
    card_last4 = models.CharField(max_length=4, blank=True)
    description = models.CharField(max_length=255, blank=True)
    return_url = models.CharField(max_length=500, blank=True)
    cancel_url = models.CharField(max_length=500, blank=True)
    webhook_url = models.CharField(max_length=500, blank=True)  # per link (Wompi urlWebhook)
    active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    request = models.JSONField(default=dict)  # what the merchant sent (never card data)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class Operation(models.Model):
    """The ledger: every attempt that moves or would move money, with its outcome. "How many
    times was this reference charged?" is a count of its ``charge``/``capture`` rows with ``ok``."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="operations")
    kind = models.CharField(max_length=10)  # charge, authorize, capture, void, refund
    op_id = models.CharField(max_length=60, unique=True)
    parent = models.CharField(max_length=60, blank=True)  # a refund's capture id (PayPal)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    ok = models.BooleanField(default=True)
    message = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    final = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Replay(models.Model):
    """An idempotent request's first answer (PayPal-Request-Id [facts §3 D P3]): the same key on the
    same path gets the same answer, however many times it is sent."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=300)
    status = models.IntegerField()
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "key", "path"], name="paysim_replay_once")]


class Fault(models.Model):
    """A misbehaviour on demand: for a period (until) and/or the next N times (remaining), for one
    gateway or all ("")."""

    HTTP_MODES = ["down", "slow", "hang", "drop"]  # applied by the middleware to API requests
    CHARGE_MODES = ["decline", "challenge"]  # applied where a payment is attempted
    WEBHOOK_MODES = ["webhook_lost", "webhook_duplicate", "webhook_reorder", "webhook_delay"]
    # applied when a settlement report is made (paysim.settlements): a line missing, one extra, one amount short
    SETTLEMENT_MODES = ["settlement_missing", "settlement_extra", "settlement_amount"]
    MODES = HTTP_MODES + CHARGE_MODES + WEBHOOK_MODES + SETTLEMENT_MODES
    mode = models.CharField(max_length=20)
    gateway = models.CharField(max_length=10, blank=True)
    latency_ms = models.IntegerField(default=0)
    share = models.FloatField(default=1.0)
    copies = models.IntegerField(default=2)  # webhook_duplicate: how many times each is sent
    remaining = models.IntegerField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    path_prefix = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Delivery(models.Model):
    """One webhook POST paysim makes (or, ``lost``, pretends to make and never does)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE)
    payment = models.ForeignKey(Payment, null=True, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=100, db_index=True)
    event_type = models.CharField(max_length=60)
    url = models.CharField(max_length=500, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    due_at = models.DateTimeField(db_index=True)
    lost = models.BooleanField(default=False)
    attempts = models.IntegerField(default=0)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
