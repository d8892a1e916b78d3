"""The one interface every payment gateway adapter implements, and the registry that finds them.

A new gateway is one module in this package that subclasses :class:`Gateway`, sets ``code`` and
``name``, and is decorated with :func:`register`; nothing else in the product names a gateway.
The adapters speak the gateways' wire protocols (payments-facts.md §1–§3) over HTTP; in tests and
in ``make run`` they talk to ``paysim`` (the simulator), whose base URL comes from the credentials.

Money
    ``Decimal`` dollars with two places (USD, facts §0), exactly as ``dte`` computes totals; each
    adapter converts to its wire format (Wompi/n1co ``9.00`` numbers, PayPal ``"9.00"`` strings).

Card data
    No adapter ever receives or sends a card number or CVV. The payer types the card on the
    gateway's own page (a payment link / approve link / 3-D Secure page) or the gateway's
    tokenizer, and we only ever hold links and tokens (``payment_token``). Nothing here logs
    request or response bodies; :attr:`Result.raw` holds the gateway's answer with card-like
    fields removed (:func:`scrub`).

Idempotency and uncertainty (issue 20, "Uncertainty")
    The caller saves ``idempotency_key`` (and ``reference``) in its own database BEFORE calling
    any method that moves money, and passes the same key when it repeats the call. Each adapter
    maps the key onto the gateway's own mechanism (PayPal ``PayPal-Request-Id`` [facts §3, D P3];
    n1co ``order.id`` and Wompi ``idExterno``/``identificadorEnlaceComercio``, which the
    gateways keep unique [facts §1, §2]).
    A call whose answer never arrived (timeout, connection dropped after sending) does NOT raise:
    it returns ``Result(status=IN_DOUBT)``. The caller then asks :meth:`Gateway.status` — it
    never charges again with a new key. Only :class:`GatewayUnavailable` (the request certainly
    did not reach the gateway: connection refused, 503 before processing) means "nothing
    happened, retry later with the same key".

Flows
    ``authorize`` starts a payment. Where the payer must act (a hosted link, PayPal's approve
    page, a 3-D Secure challenge) it returns ``PENDING`` or ``CHALLENGE`` with ``action_url``;
    the product sends the payer there and learns the outcome from a webhook
    (:meth:`Gateway.verify_webhook`), from the payer's return (:meth:`Gateway.complete`) or, if
    both are lost, by polling :meth:`Gateway.status`. With ``payment_token`` (a card token made
    by the gateway's tokenizer) the charge is made at once: ``CAPTURED``/``AUTHORIZED``,
    ``DECLINED``, ``CHALLENGE`` or ``IN_DOUBT``.
    ``capture=False`` asks for a hold; gateways without holds (``supports_holds = False``:
    Wompi and n1co capture at once, facts §0) ignore it and answer ``CAPTURED`` — the product
    keeps its own internal hold for those (issue 20, "Holds").

Statuses (:class:`Status`)
    pending     created, waiting for the payer (``action_url`` is where to send them)
    challenge   3-D Secure asked for; ``action_url`` is the challenge page; for a token charge
                (n1co) ``operation_id`` is the authentication id to pass back as ``authentication_id``
                when repeating authorize() with the same key after the payer passed the challenge
    approved    the payer approved at the gateway; call ``complete()`` to take the money (PayPal)
    authorized  a hold: ``authorized_amount`` held, nothing captured yet (or partly: ``captured_amount``)
    captured    money taken (``captured_amount``); refunds reduce it (``refunded_amount``)
    refunded    everything captured has been given back
    voided      the hold was released (void, or expired at the gateway)
    declined    the issuer or the gateway said no (``message`` says why, in the gateway's words)
    expired     the link or order expired unpaid
    in_doubt    we do not know: resolve with ``status()``, never by charging again. The result
                carries ``gateway_id`` whenever the adapter chose it before sending (n1co's order id
                is our idempotency key; PayPal's order id is known when completing): save it.
    not_found   (status() only) the gateway has no payment for this reference/id: the call that
                was in doubt never took effect; start again.
    Terminal: refunded, voided, declined, expired.

Errors
    :class:`GatewayUnavailable` — nothing reached the gateway (down / refused); safe to retry
    with the same key. :class:`OperationRefused` — the gateway (or the adapter, checking first)
    refuses the operation: capture above the authorised amount, refund above the captured
    amount, void after a full capture, an operation the gateway has no API for (e.g. Wompi
    refunds are dashboard-only, facts §1). :class:`WebhookInvalid` — signature missing or wrong,
    body not parseable: answer the sender 400 and do nothing.

Webhooks
    ``verify_webhook(headers, raw_body)`` checks the signature over the EXACT raw bytes with the
    company's webhook secret and returns one :class:`WebhookEvent`; ``event_id`` is stable across
    the gateway's retries and duplicates, so the product stores it with a unique constraint and
    processes each event once. Events may arrive duplicated, out of order, late, or never: the
    product applies them as hints and confirms the state with ``status()`` (a webhook never
    moves a payment backwards: e.g. a late ``authorized`` after ``captured`` is ignored).

What each adapter does (the contract suite, payments/tests/test_gateway_contract.py, checks it)
    ======== ============================ ====== ============ ================= ==========================
    gateway  authorize                    holds  part.capture refunds           status() needs
    ======== ============================ ====== ============ ================= ==========================
    wompi    payment link (PENDING)       no     no           none (panel only) link id, or our reference [G]
    n1co     token → charge; else link    no     no           full only         order id (= our key) / link:<code>
    paypal   order → approve → complete() yes    yes          full + partials   order id
    ======== ============================ ====== ============ ================= ==========================
    Without holds, ``capture()`` only confirms a full payment (no-op) and ``void()`` is refused
    once paid (Wompi deactivates an unpaid link). What a gateway cannot do raises
    OperationRefused and moves nothing. ``status()`` without the id it needs raises
    OperationRefused; so save ``gateway_id`` from every Result, IN_DOUBT ones included. A lost
    answer to creating a link/order is harmless: PayPal replays it by key; a Wompi link is found
    by our reference; a lost n1co link is never shown to a payer, so make a new one.

Usage::

    gw = get_gateway(account.gateway, account.credentials_dict())
    result = gw.authorize(Decimal("25.00"), "USD", reference="ORD-000123",
                          idempotency_key=payment.idempotency_key, capture=False,
                          return_url="https://…/pagar/…/retorno", description="Pedido 123")
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

CENT = Decimal("0.01")


class Status(enum.StrEnum):
    PENDING = "pending"
    CHALLENGE = "challenge"
    APPROVED = "approved"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    REFUNDED = "refunded"
    VOIDED = "voided"
    DECLINED = "declined"
    EXPIRED = "expired"
    IN_DOUBT = "in_doubt"
    NOT_FOUND = "not_found"

    @property
    def terminal(self) -> bool:
        return self in (Status.REFUNDED, Status.VOIDED, Status.DECLINED, Status.EXPIRED)


class EventKind(enum.StrEnum):
    """What a webhook says happened (normalised over the gateways' event names)."""

    AUTHORIZED = "authorized"     # PayPal PAYMENT.AUTHORIZATION.CREATED
    CAPTURED = "captured"         # Wompi ExitosaAprobada, n1co SuccessPayment, PayPal PAYMENT.CAPTURE.COMPLETED
    DECLINED = "declined"         # Wompi Fallida, n1co PaymentError, PayPal PAYMENT.CAPTURE.DECLINED|DENIED
    VOIDED = "voided"             # PayPal PAYMENT.AUTHORIZATION.VOIDED (also at 30-day expiry)
    REFUNDED = "refunded"         # n1co SuccessReverse, PayPal PAYMENT.CAPTURE.REFUNDED
    CHALLENGE = "challenge"       # n1co Requires3ds
    APPROVED = "approved"         # PayPal CHECKOUT.ORDER.APPROVED: call complete()
    CANCELLED = "cancelled"       # n1co Cancelled
    OTHER = "other"               # anything else: store, do nothing


@dataclass(frozen=True)
class Result:
    """A gateway's answer, normalised. Amounts are Decimal dollars; None = the gateway did not say."""

    status: Status
    reference: str                       # ours (order/payment reference)
    gateway_id: str = ""                 # the gateway's id for this payment (Wompi idEnlace/idTransaccion, n1co orderId, PayPal order id)
    action_url: str = ""                 # where to send the payer (hosted link, approve page, 3-D Secure challenge)
    authorized_amount: Decimal | None = None
    captured_amount: Decimal | None = None
    refunded_amount: Decimal | None = None
    operation_id: str = ""               # the id of what this call made: capture id, refund id, authorization id
    authorization_code: str = ""         # the issuer's code (numPagoElectronico on the DTE)
    message: str = ""                    # the gateway's words (decline reason, error)
    expires_at: str = ""                 # ISO time the hold/link expires, if the gateway says
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # scrubbed gateway answer, for the history row

    @property
    def in_doubt(self) -> bool:
        return self.status == Status.IN_DOUBT

    @property
    def paid(self) -> bool:
        return self.status == Status.CAPTURED


@dataclass(frozen=True)
class WebhookEvent:
    """One verified webhook, normalised."""

    event_id: str                        # dedup key, stable across the gateway's retries
    kind: EventKind
    gateway_id: str = ""
    reference: str = ""                  # ours, when the gateway echoes it
    amount: Decimal | None = None
    occurred_at: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class SettlementItem:
    """One line of a gateway's settlement report: a captured charge (``kind`` "charge") or a refund
    ("refund"), amounts positive Decimal dollars as the gateway states them (a refund's ``net`` is
    negative: it is taken from the payout). ``keys`` are every id the line carries (the gateway's
    transaction/order/capture ids and our reference when echoed), to find our operation by."""

    kind: str
    transaction_id: str
    gross: Decimal
    fee: Decimal
    net: Decimal
    keys: tuple[str, ...] = ()
    reference: str = ""
    occurred_at: str = ""


@dataclass(frozen=True)
class SettlementReport:
    """A gateway's settlement (payout) for one payout date, normalised. ``content`` is the file as
    received (kept for the record and its digest: the same report imported twice adds nothing)."""

    batch_id: str
    payout_date: Any                    # datetime.date
    period_start: Any
    period_end: Any
    currency: str
    gross: Decimal
    fee: Decimal
    net: Decimal
    items: tuple[SettlementItem, ...]
    content: bytes = field(default=b"", repr=False)
    file_name: str = ""


class GatewayError(Exception):
    """Base of the adapters' errors. ``str(exc)`` is safe to show and to log (no secrets, no card data)."""


class GatewayUnavailable(GatewayError):
    """Nothing reached the gateway (refused, down, 503): nothing happened; retry later, same key."""


class OperationRefused(GatewayError):
    """The gateway (or the adapter, checking first) refused: above the authorised/captured amount,
    wrong state, or no API for it."""


class WebhookInvalid(GatewayError):
    """A webhook whose signature is missing or wrong, or whose body cannot be read."""


class Gateway(abc.ABC):
    """One gateway. Instances are cheap, made per company by :func:`get_gateway` with that company's
    decrypted credentials (``GatewayAccount.credentials``); they hold no state between calls except
    a cached access token."""

    code: ClassVar[str]                  # "wompi", "n1co", "paypal" — stored on GatewayAccount.gateway
    name: ClassVar[str]                  # shown to the payer
    supports_holds: ClassVar[bool] = False          # authorize(capture=False) really holds funds
    supports_partial_capture: ClassVar[bool] = False
    supports_refund: ClassVar[bool] = False         # through the API at all
    supports_partial_refund: ClassVar[bool] = False
    credential_fields: ClassVar[tuple[str, ...]] = ()  # the keys credentials must have

    def __init__(self, credentials: dict[str, str], *, timeout: float = 10.0):
        missing = [k for k in self.credential_fields if not credentials.get(k)]
        if missing:
            raise GatewayError(f"Faltan credenciales de {self.code}: {', '.join(missing)}")
        self.credentials = credentials
        self.timeout = timeout

    @abc.abstractmethod
    def authorize(self, amount: Decimal, currency: str, *, reference: str, idempotency_key: str,
                  capture: bool = True, return_url: str = "", cancel_url: str = "", webhook_url: str = "",
                  description: str = "", payment_token: str = "", authentication_id: str = "",
                  payer_email: str = "") -> Result:
        """Start a payment of ``amount`` for our ``reference``. Without ``payment_token``: make the
        payer-facing link/order (PENDING + action_url). With it: charge the token now.
        ``authentication_id``: repeat a charge after its 3-D Secure challenge (n1co, facts §2)."""

    def complete(self, gateway_id: str, *, reference: str, idempotency_key: str) -> Result:
        """The payer came back from ``action_url`` (or an APPROVED webhook arrived): finish what the
        gateway needs us to finish (PayPal: authorize/capture the approved order) and say where it
        stands. Idempotent. Gateways where the payer's action completes the payment just ask status()."""
        return self.status(reference, gateway_id=gateway_id)

    @abc.abstractmethod
    def capture(self, gateway_id: str, amount: Decimal | None = None, *, reference: str,
                idempotency_key: str, final: bool = True) -> Result:
        """Capture a hold, fully (amount None) or partly. Above what is still authorised →
        OperationRefused (the adapter checks, then the gateway). ``final=False`` keeps the rest held."""

    @abc.abstractmethod
    def void(self, gateway_id: str, *, reference: str, idempotency_key: str) -> Result:
        """Release a hold (what is left of it after partial captures)."""

    @abc.abstractmethod
    def refund(self, gateway_id: str, amount: Decimal | None = None, *, reference: str,
               idempotency_key: str, reason: str = "") -> Result:
        """Give money back: all that is captured (amount None) or part. Above what is left →
        OperationRefused; partial where the gateway cannot → OperationRefused."""

    @abc.abstractmethod
    def status(self, reference: str, *, gateway_id: str = "") -> Result:
        """Where the payment for our ``reference`` stands at the gateway, now. Pass ``gateway_id``
        when known (Wompi and PayPal have no lookup by our reference, facts §8); an adapter that can
        find it by ``reference`` alone does. Read-only: never charges. Never returns IN_DOUBT for an
        answer it got; raises GatewayUnavailable when it got none."""

    @abc.abstractmethod
    def verify_webhook(self, headers: dict[str, str], raw_body: bytes) -> WebhookEvent:
        """Check the signature over ``raw_body`` and normalise; WebhookInvalid when it does not hold.
        ``headers`` keys are matched case-insensitively."""

    # --- settlements (issue 21): what the gateway paid out, line by line -------------------------

    def settlement(self, payout_date) -> SettlementReport:
        """Fetch the settlement report of ``payout_date`` (a date) from the gateway. Read-only."""
        raise OperationRefused(f"{self.name} no ofrece su reporte de liquidación por API; súbalo como archivo.")

    def parse_settlement(self, content: bytes, *, file_name: str = "") -> SettlementReport:
        """Read a settlement report file in the gateway's own export format (an upload). Raises
        GatewayError naming what is wrong when it is not one."""
        raise OperationRefused(f"{self.name}: formato de liquidación no soportado.")


_REGISTRY: dict[str, type[Gateway]] = {}


def register(cls: type[Gateway]) -> type[Gateway]:
    """Class decorator: make an adapter findable by its ``code``."""
    if cls.code in _REGISTRY and _REGISTRY[cls.code] is not cls:
        raise ValueError(f"gateway code {cls.code!r} registered twice")
    _REGISTRY[cls.code] = cls
    return cls


def _load_all():
    # The adapters register themselves on import; importing the package's modules is enough.
    import importlib  # noqa: PLC0415 - only needed the first time a gateway is looked up
    import pkgutil  # noqa: PLC0415 - idem

    from payments import gateways  # noqa: PLC0415 - the package this module is in

    for info in pkgutil.iter_modules(gateways.__path__):
        if info.name not in ("base", "http"):
            importlib.import_module(f"payments.gateways.{info.name}")


def gateway_classes() -> dict[str, type[Gateway]]:
    """code → adapter class, every gateway the product knows."""
    _load_all()
    return dict(_REGISTRY)


def get_gateway(code: str, credentials: dict[str, str], **kwargs) -> Gateway:
    """The adapter for ``code`` with a company's decrypted credentials (GatewayAccount.credentials_dict())."""
    classes = gateway_classes()
    try:
        cls = classes[code]
    except KeyError:
        raise GatewayError(f"Pasarela desconocida: {code}") from None
    return cls(credentials, **kwargs)


_CARD_KEYS = {"numerotarjeta", "cvv", "number", "card_number", "cardnumber", "pan", "cvc", "security_code",
              "tarjetacreditodebido", "card"}


def scrub(data: Any) -> Any:
    """``data`` without anything that could be card data (keys named like a PAN/CVV/card block),
    recursively: what an adapter may keep in Result.raw / WebhookEvent.raw."""
    if isinstance(data, dict):
        return {k: ("[retirado]" if str(k).lower() in _CARD_KEYS else scrub(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [scrub(v) for v in data]
    return data


def header(headers: dict[str, str], name: str) -> str:
    """A header's value, matched case-insensitively (Django's request.headers or a plain dict)."""
    low = name.lower()
    for k, v in headers.items():
        if k.lower() == low:
            return v
    return ""


def money(value: Any) -> Decimal:
    """A gateway amount (number or string) as Decimal dollars with two places."""
    return Decimal(str(value)).quantize(CENT)
