"""Orders: made, priced, paid, held, captured, cancelled and refunded; the fiscal receipt issued
once per order. Every write is audited; states move through ORDER_MACHINE / OP_MACHINE.

The arithmetic is the DTE's (dte.services.totals.document_totals on the document the receipt
will be, built unsaved): the order's total is the receipt's total to the cent.

Every gateway call is preceded by a committed GatewayOperation row holding its idempotency key;
an answer that never came leaves the operation "in doubt", resolved by asking the gateway
(``operation_resolve``), never by calling again with a new key (payments-facts §3 P3, §7 S1)."""

import datetime
import logging
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import company_get, user_may_operate
from core import formats
from core.audit import audit_record
from core.models import AuditAction
from core.queue import enqueue_on_commit
from core.statemachine import TransitionRefused
from dte import arithmetic as ar
from dte import builders
from dte import events as dte_events
from dte.amounts import q2
from dte.invalidation import deadline as invalidation_deadline
from dte.invalidation import invalidation_request
from dte.models import CaseState, Document, DocumentLine, EventKind, GovStatus, InvalidationType
from dte.pricing import unit_price_for
from dte.services.cases import case_confirm, cases_refresh, special_cases
from dte.services.drafts import draft_save
from dte.services.issuing import IssueError, document_issue
from dte.services.totals import document_totals, iva_of, total_of
from inventory.services import stock_release, stock_reserve
from orders.models import (
    OP_MACHINE,
    ORDER_MACHINE,
    GatewayOperation,
    OpKind,
    OpState,
    Order,
    OrderLine,
    OrderState,
    ReceivedWebhook,
    Refund,
    RefundAction,
)
from payments.gateways.base import GatewayError, GatewayUnavailable, OperationRefused, Status
from payments.models import BalanceHold, GatewayAccount, HoldState
from payments.services import (
    balance_hold_capture,
    balance_hold_place,
    balance_hold_release,
    payment_record_settlement,
)

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
# The internal hold on the client's prepaid balance: the "gateway" for clients paying from
# advances, and for holds where the gateway has none (issue 20, "Holds").
BALANCE = "saldo"
# CAT-017 (sv-dte-facts §2.5 pagos; MH's catalogue in ../shared/spec/catalogs/cat-017-forma-pago.csv,
# seeded since catalogs migration 0006): what the receipt says the money was. A card gateway's
# payment is a card (03 crédito: Wompi and n1co do not tell debit from credit). PayPal is paid from
# the payer's PayPal account, a wallet: 09 "Monedero electrónico" [G: MH does not say which code a
# foreign wallet takes; 08 "Dinero electrónico" reads as the e-money of the Salvadoran providers
# regulated by the Ley para Facilitar la Inclusión Financiera, which PayPal is not]. The prepaid
# balance was paid before, by transfer or deposit as a rule (05).
GATEWAY_METHOD = {"wompi": "03", "n1co": "03", "paypal": "09", BALANCE: "05"}
CASHIER_METHODS = {"01", "02", "03", "04", "05"}  # cash, debit/credit card at the terminal, cheque, transfer


class OrderRefused(ValidationError):
    """The order cannot be made, paid or changed as asked; ``messages`` say why, in Spanish."""


# ---------------------------------------------------------------------------------- pricing
def receipt_type_for(client):
    """CCF for a VAT taxpayer with NIT and NRC, a Factura for anyone else (sv-dte-facts §3: the
    CCF receptor must carry nit and nrc; dte.services.drafts.types_for applies the same rule)."""
    return ar.CCF if client.id_type == "36" and client.nrc else ar.FACTURA


def _preview_document(*, client, point_of_sale, tipo, pk=None):
    doc = Document(pk=pk, company=company_get(), establishment=point_of_sale.establishment,
                   point_of_sale=point_of_sale, tipo_dte=tipo, client=client, issue_date=timezone.localdate(),
                   condition=1, created_by_id=None)
    doc.counterparty = builders.party_snapshot(client=client)
    return doc


def order_price(*, client, point_of_sale, lines):
    """(tipo_dte, document, [DocumentLine], totals) for ``lines`` ([{product, quantity,
    discount?}]): each line priced as the receipt's (dte.pricing.unit_price_for) and the totals
    computed by the DTE's arithmetic, exactly as the receipt will be."""
    tipo = receipt_type_for(client)
    doc = _preview_document(client=client, point_of_sale=point_of_sale, tipo=tipo)
    doc_lines, problems = [], []
    for i, line in enumerate(lines, start=1):
        product = line.get("product")
        quantity = Decimal(str(line.get("quantity") or 0))
        if product is None:
            problems.append(_("Línea %(n)d: falta el producto.") % {"n": i})
            continue
        if quantity <= 0:
            problems.append(_("Línea %(n)d (%(p)s): la cantidad debe ser mayor que cero.") % {"n": i, "p": product.code})
            continue
        doc_lines.append(DocumentLine(position=i, product=product, item_type=product.item_type, code=product.code,
                                      description=product.description, unit=product.unit, quantity=quantity,
                                      unit_price=unit_price_for(doc, product),
                                      discount=Decimal(str(line.get("discount") or 0)),
                                      treatment=product.tax_treatment, special_taxes=list(product.special_taxes or [])))
    if not doc_lines and not problems:
        problems.append(_("El pedido necesita al menos una línea."))
    if problems:
        raise OrderRefused(problems)
    try:
        totals = document_totals(doc, doc_lines)
    except ar.ArithmeticError_ as exc:
        raise OrderRefused([str(exc)]) from exc
    return tipo, doc, doc_lines, totals


# ---------------------------------------------------------------------------------- creating
def _reference(order):
    return f"pedido:{order.pk}"


def order_create(*, acting_user, client, point_of_sale, lines, notes="", confirm=False):
    """Make an order: priced, checked as issuing checks (credit limit, overdue documents, below
    cost… dte.services.cases.special_cases, the payments credit checks among them), stock
    reserved at the establishment. Cases found must be confirmed (``confirm``) by the rep; a case
    the rep's role may not confirm refuses the order (it goes through the document form and its
    supervisor's approval instead)."""
    if not user_may_operate(user=acting_user, point_of_sale=point_of_sale):
        raise PermissionDenied(_("No puede vender desde ese establecimiento o punto de venta."))
    tipo, doc, doc_lines, totals = order_price(client=client, point_of_sale=point_of_sale, lines=lines)
    doc.created_by = acting_user
    total = q2(total_of(doc, totals))
    found = special_cases(doc, doc_lines, totals)
    held_back = set(Role.objects.filter(users__pk=acting_user.pk).values_list("approval_cases", flat=True).first() or [])
    needs_approval = [f for f in found if f.code in held_back]
    if needs_approval:
        raise OrderRefused([_("Requiere la aprobación de un supervisor: %(d)s") % {"d": f.detail} for f in needs_approval])
    if found and not confirm:
        raise OrderRefused([_("Confirme: %(d)s") % {"d": f.detail} for f in found])
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.create(
            establishment=point_of_sale.establishment, point_of_sale=point_of_sale, client=client, tipo_dte=tipo,
            total=total, total_iva=q2(iva_of(doc, totals)), notes=notes.strip()[:500], created_by=acting_user,
            link_expires_at=now + datetime.timedelta(hours=settings.ORDER_LINK_HOURS))
        OrderLine.objects.bulk_create([
            OrderLine(order=order, position=x.position, product=x.product, item_type=x.item_type, code=x.code,
                      description=x.description, unit=x.unit, quantity=x.quantity, unit_price=x.unit_price,
                      discount=x.discount, treatment=x.treatment, amount=x.quantity * x.unit_price - x.discount)
            for x in doc_lines])
        wanted = {}
        for x in doc_lines:
            if x.product.tracks_stock:
                wanted[x.product] = wanted.get(x.product, Decimal(0)) + x.quantity
        try:
            stock_reserve(reference=_reference(order), establishment=order.establishment, wanted=wanted)
        except ValidationError as exc:
            raise OrderRefused(exc.messages) from exc
        audit_record(actor=acting_user, action=AuditAction.CREATE, obj=order,
                     summary=_("Pedido de %(t)s para %(c)s") % {"t": formats.money(total), "c": client.name},
                     after={"total": str(total), "tipo_dte": tipo, "lines": len(doc_lines),
                            "confirmed": [f.code for f in found]})
    return order


# ---------------------------------------------------------------------------------- gateways
def _account(code):
    account = GatewayAccount.objects.filter(company=company_get(), gateway=code, enabled=True).first()
    if account is None:
        raise OrderRefused(_("La pasarela «%(g)s» no está habilitada.") % {"g": code})
    return account


def _gateway(code):
    return _account(code).gateway_client()


def _op_start(order, *, gateway, kind, amount, reference="", gateway_id=""):
    """Save the operation and its idempotency key, committed, before any call is made. A capture,
    void or refund carries the charge's ``gateway_id``: if its answer is lost, status() needs it
    to ask (PayPal has no lookup by our reference, facts §8)."""
    try:
        with transaction.atomic():
            op = GatewayOperation.objects.create(order=order, gateway=gateway, kind=kind, amount=q2(amount),
                                                 idempotency_key=uuid.uuid4().hex, reference=reference or "pending",
                                                 gateway_id=gateway_id)
            if not reference:
                op.reference = f"{order.number}-{op.pk}"
                GatewayOperation.objects.filter(pk=op.pk).update(reference=op.reference)
    except IntegrityError:
        raise OrderRefused(_("El pedido ya tiene un pago en curso o cobrado.")) from None
    return op


def _op_settle(op, to, **fields):
    fields.setdefault("resolved_at", timezone.now())
    try:
        OP_MACHINE.move(op, to, **fields)
    except TransitionRefused:
        op.refresh_from_db()
        return False
    return True


def _charge_op(order):
    """The operation that took or holds the order's money (authorize or sale that went through)."""
    return order.operations.filter(kind__in=[OpKind.AUTHORIZE, OpKind.SALE], state=OpState.SUCCEEDED).first()


def _call(op, call):
    """Run one gateway call for ``op``: a Result, or None when nothing reached the gateway (the
    operation failed, nothing happened). Refusals become OrderRefused."""
    GatewayOperation.objects.filter(pk=op.pk).update(attempts=F("attempts") + 1)
    try:
        return call()
    except GatewayUnavailable as exc:
        _op_settle(op, OpState.FAILED, message=str(exc)[:300])
        raise OrderRefused(_("La pasarela no responde; intente de nuevo en unos minutos.")) from exc
    except OperationRefused as exc:
        _op_settle(op, OpState.FAILED, message=str(exc)[:300])
        raise OrderRefused(str(exc)) from exc
    except GatewayError as exc:
        _op_settle(op, OpState.FAILED, message=str(exc)[:300])
        raise OrderRefused(str(exc)) from exc


def order_pay_start(*, order, gateway, return_url="", webhook_url="", payment_token="", actor=None):
    """The payer chose ``gateway`` on the pay page: start the charge (a hold where the gateway
    has holds, else a sale) and return the operation (its ``action_url``: where to send the
    payer). A charge already under way for the order is returned again, not started twice;
    an order already paid or held refuses (paying twice is impossible)."""
    order.refresh_from_db()
    if order.state != OrderState.PENDING:
        raise OrderRefused(_("Este pedido ya está pagado o cancelado."))
    live = order.operations.filter(kind__in=[OpKind.AUTHORIZE, OpKind.SALE],
                                   state__in=[OpState.STARTED, OpState.IN_DOUBT]).first()
    if live is not None:
        if live.gateway == gateway and live.state == OpState.STARTED and live.action_url:
            return live
        raise OrderRefused(_("Ya hay un pago en curso para este pedido; espere su resultado."))
    if gateway == BALANCE:
        return _balance_hold(order, actor=actor or order.created_by)
    gw = _gateway(gateway)
    kind = OpKind.AUTHORIZE if gw.supports_holds else OpKind.SALE
    op = _op_start(order, gateway=gateway, kind=kind, amount=order.total)
    result = _call(op, lambda: gw.authorize(order.total, "USD", reference=op.reference,
                                            idempotency_key=op.idempotency_key, capture=not gw.supports_holds,
                                            return_url=return_url, webhook_url=webhook_url,
                                            description=_("Pedido %(n)s") % {"n": order.number},
                                            payment_token=payment_token, payer_email=order.client.email or ""))
    apply_result(op, result)
    op.refresh_from_db()
    return op


def _balance_hold(order, *, actor):
    op = _op_start(order, gateway=BALANCE, kind=OpKind.AUTHORIZE, amount=order.total)
    expires = timezone.now() + datetime.timedelta(days=settings.ORDER_HOLD_DAYS)
    try:
        with transaction.atomic():
            hold = balance_hold_place(client=order.client, amount=order.total, reference=op.reference,
                                      expires_at=expires, acting_user=actor)
            _op_settle(op, OpState.SUCCEEDED, gateway_id=str(hold.pk))
            _order_move(order, OrderState.AUTHORIZED, by=actor, reason=_("Saldo a favor retenido"),
                        gateway=BALANCE, amount_authorized=order.total, hold_expires_at=expires)
    except ValidationError as exc:
        _op_settle(op, OpState.FAILED, message="; ".join(exc.messages)[:300])
        raise OrderRefused(exc.messages) from exc
    op.refresh_from_db()
    return op


def _order_move(order, to, *, by, reason, **fields):
    current = Order.objects.values_list("state", flat=True).get(pk=order.pk)
    order.state = current
    ORDER_MACHINE.move(order, to, by=by, reason=reason, **fields)
    audit_record(actor=by, action=AuditAction.UPDATE, obj=order, summary=reason, after={"state": str(to)})


def apply_result(op, result):
    """What a gateway said about a charge, capture, void or refund, applied once: the operation
    settles, the order moves, the receipt is queued. A late or repeated answer changes nothing
    (the operation is settled already, the moves are refused)."""
    order = op.order
    status = Status(result.status)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        op.refresh_from_db()
        if status == Status.IN_DOUBT:
            if op.state == OpState.STARTED:
                _op_settle(op, OpState.IN_DOUBT, message=(result.message or _("Sin respuesta"))[:300],
                           resolved_at=None)
            return op
        if status in (Status.PENDING, Status.CHALLENGE, Status.APPROVED):
            GatewayOperation.objects.filter(pk=op.pk).update(gateway_id=result.gateway_id or op.gateway_id,
                                                             action_url=result.action_url or op.action_url)
            return op
        ok = _succeeded(op, status, result)
        if op.state not in (OpState.STARTED, OpState.IN_DOUBT):
            return op  # settled before: a duplicate or late answer
        fields = {"gateway_id": result.gateway_id or op.gateway_id, "operation_id": result.operation_id or "",
                  "authorization_code": result.authorization_code or "", "message": (result.message or "")[:300]}
        if not ok:
            _op_settle(op, OpState.FAILED, **fields)
            return op
        _op_settle(op, OpState.SUCCEEDED, **fields)
        by = locked.created_by
        if op.kind == OpKind.AUTHORIZE:
            expires = timezone.now() + datetime.timedelta(days=settings.ORDER_HOLD_DAYS)
            if result.expires_at:
                try:
                    expires = datetime.datetime.fromisoformat(result.expires_at)
                except ValueError:
                    pass
            _safe_move(locked, OrderState.AUTHORIZED, by=by, reason=_("Pago autorizado (retenido) por %(g)s") % {
                "g": op.gateway}, gateway=op.gateway, amount_authorized=op.amount, hold_expires_at=expires)
        elif op.kind in (OpKind.SALE, OpKind.CAPTURE):
            if op.kind == OpKind.CAPTURE and op.shipped:
                _split_shipped(locked, op, by=by)
            _paid(locked, op, by=by, authorization=result.authorization_code or result.operation_id or result.gateway_id)
        elif op.kind == OpKind.VOID and op.on_expiry:
            _hold_expired(locked)
        elif op.kind == OpKind.VOID:
            _safe_move(locked, OrderState.CANCELLED, by=by, reason=_("Retención anulada; pedido cancelado"))
            stock_release(reference=_reference(locked))
        elif op.kind == OpKind.REFUND:
            _refunded(locked, op, by=by)
    return op


def _succeeded(op, status, result):
    if op.kind == OpKind.AUTHORIZE:
        return status in (Status.AUTHORIZED, Status.CAPTURED)
    if op.kind == OpKind.CAPTURE and op.shipped and status == Status.AUTHORIZED:
        # part of a hold captured, the rest still held (PayPal's PARTIALLY_CAPTURED): it went
        # through when the gateway's captured sum covers the earlier captures of this hold and it
        return (result.captured_amount or 0) >= _captured_before(op) + op.amount
    if op.kind in (OpKind.SALE, OpKind.CAPTURE):
        return status in (Status.CAPTURED, Status.REFUNDED) or (
            status == Status.CAPTURED and (result.captured_amount or op.amount) >= op.amount)
    if op.kind == OpKind.VOID:
        return status == Status.VOIDED
    if op.kind == OpKind.REFUND:
        return status in (Status.REFUNDED, Status.CAPTURED) and (result.refunded_amount is None
                                                                 or result.refunded_amount >= op.amount)
    return False


def _captured_before(op):
    """What earlier captures of the same hold (same reference: an order and the remainders split
    from it) took."""
    return (GatewayOperation.objects.filter(reference=op.reference, kind=OpKind.CAPTURE, state=OpState.SUCCEEDED)
            .exclude(pk=op.pk).aggregate(s=Sum("amount"))["s"] or Decimal(0))


def _safe_move(order, to, *, by, reason, **fields):
    try:
        _order_move(order, to, by=by, reason=reason, **fields)
    except TransitionRefused:
        log.info("order %s: move to %s refused (already moved)", order.pk, to)
        return False
    return True


def _paid(order, op, *, by, authorization):
    """Money taken: the order is paid and its receipt is queued (after commit)."""
    method = GATEWAY_METHOD.get(op.gateway, "03")  # another card gateway: a card
    authorized = order.amount_authorized or op.amount
    moved = _safe_move(order, OrderState.PAID, by=by, reason=_("Cobrado por %(g)s") % {"g": op.gateway},
                       amount_captured=op.amount, amount_authorized=authorized, gateway=op.gateway,
                       payment_method=method, payment_reference=(authorization or "")[:100])
    if moved:
        _queue_receipt(order)


def _queue_receipt(order):
    from orders import tasks  # noqa: PLC0415 - tasks import these services

    enqueue_on_commit(tasks.issue_receipt, order.pk)


# ---------------------------------------------------------------------------- capture and void
def order_ship(*, order, acting_user, amount=None, lines=None):
    """The goods ship: capture the hold (all of it, or ``amount`` ≤ what was authorised). Above
    what was authorised is refused here, before the gateway is asked. ``lines`` ({order line
    position: quantity}): only these ship (a partial shipment): what ships is captured and gets
    its receipt here, what is left becomes a new order still held (its ``parent`` this one)."""
    _scope_check(acting_user, order)
    order.refresh_from_db()
    if order.state != OrderState.AUTHORIZED:
        raise OrderRefused(_("Solo se cobra un pedido con el pago retenido."))
    shipped = _shipped_of(order, lines) if lines else {}
    if shipped:
        return _ship_part(order, shipped, acting_user=acting_user)
    amount = q2(Decimal(str(amount))) if amount not in (None, "") else order.amount_authorized
    if amount <= 0 or amount > order.amount_authorized:
        raise OrderRefused(_("No se cobra más de lo autorizado (%(a)s).") % {"a": formats.money(order.amount_authorized)})
    if amount != order.total:
        raise OrderRefused(_("El comprobante se emite por el total del pedido (%(t)s); para despachar una parte, "
                             "indique las líneas y cantidades que salen.") % {"t": formats.money(order.total)})
    charge = _charge_op(order)
    if order.gateway == BALANCE:
        op = _op_start(order, gateway=BALANCE, kind=OpKind.CAPTURE, amount=amount, reference=charge.reference)
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            _op_settle(op, OpState.SUCCEEDED, gateway_id=charge.gateway_id)
            _paid(locked, op, by=acting_user, authorization=charge.reference)
        return op
    gw = _gateway(order.gateway)
    op = _op_start(order, gateway=order.gateway, kind=OpKind.CAPTURE, amount=amount, reference=charge.reference,
                   gateway_id=charge.gateway_id)
    result = _call(op, lambda: gw.capture(charge.gateway_id, amount, reference=op.reference,
                                          idempotency_key=op.idempotency_key, final=True))
    return apply_result(op, result)


# --------------------------------------------------------------------------- partial shipment
def _shipped_of(order, lines):
    """``lines`` as {position: Decimal quantity}, checked against the order's lines; {} when it
    ships everything (a plain shipment)."""
    by_position = {x.position: x for x in order.lines.all()}
    shipped, problems = {}, []
    for position, quantity in dict(lines).items():
        try:
            position, quantity = int(position), Decimal(str(quantity))
        except (TypeError, ValueError, ArithmeticError):
            problems.append(_("Línea %(n)s: cantidad no válida.") % {"n": position})
            continue
        line = by_position.get(position)
        if line is None:
            problems.append(_("El pedido no tiene la línea %(n)s.") % {"n": position})
        elif quantity < 0 or quantity > line.quantity:
            problems.append(_("Línea %(n)s (%(c)s): se despachan de 0 a %(q)s.") % {
                "n": position, "c": line.code or line.description[:30], "q": line.quantity.normalize()})
        elif quantity > 0:
            shipped[position] = quantity
    if problems:
        raise OrderRefused(problems)
    if not shipped:
        raise OrderRefused(_("Indique al menos una línea y su cantidad a despachar."))
    if all(shipped.get(p) == x.quantity for p, x in by_position.items()):
        return {}
    return shipped


def _part_lines(order, quantities):
    """The order's lines with ``quantities`` ({position: quantity}) in place of their own, the
    discount in proportion; lines with nothing left out."""
    out = []
    for x in order.lines.select_related("product"):
        quantity = quantities.get(x.position, Decimal(0))
        if quantity <= 0:
            continue
        discount = (x.discount * quantity / x.quantity).quantize(Decimal("0.00000001")) if x.discount else Decimal(0)
        out.append((x, quantity, discount))
    return out


def _part_totals(order, parts):
    """(total, IVA) of a part of the order, by the receipt's arithmetic with the order's own
    prices (not today's): what its own receipt will say."""
    doc = _preview_document(client=order.client, point_of_sale=order.point_of_sale, tipo=order.tipo_dte)
    lines = [DocumentLine(position=i, product=x.product, item_type=x.item_type, code=x.code, description=x.description,
                          unit=x.unit, quantity=quantity, unit_price=x.unit_price, discount=discount,
                          treatment=x.treatment, special_taxes=list(x.product.special_taxes or []) if x.product_id else [])
             for i, (x, quantity, discount) in enumerate(parts, start=1)]
    totals = document_totals(doc, lines)
    return q2(total_of(doc, totals)), q2(iva_of(doc, totals))


def _ship_part(order, shipped, *, acting_user):
    """Capture what ``shipped`` is worth (the gateway keeps the rest held: ``final=False``) and,
    once it went through, split the order (_split_shipped). A gateway that cannot capture in
    parts refuses before anything is asked."""
    ship_total, _iva = _part_totals(order, _part_lines(order, shipped))
    rest = {x.position: x.quantity - shipped.get(x.position, Decimal(0)) for x in order.lines.all()}
    rest_total, _rest_iva = _part_totals(order, _part_lines(order, rest))
    if ship_total + rest_total > order.amount_authorized:
        # per-document rounding of the IVA can make the two parts a cent more than the whole
        raise OrderRefused(_("Despachado (%(s)s) y resto (%(r)s) suman más que lo retenido (%(a)s): despache otra "
                             "cantidad o todo el pedido.") % {"s": formats.money(ship_total),
                                                              "r": formats.money(rest_total),
                                                              "a": formats.money(order.amount_authorized)})
    charge = _charge_op(order)
    shipped_json = {str(p): format(q.normalize(), "f") for p, q in shipped.items()}
    if order.gateway == BALANCE:
        op = _op_start(order, gateway=BALANCE, kind=OpKind.CAPTURE, amount=ship_total, reference=charge.reference)
        GatewayOperation.objects.filter(pk=op.pk).update(shipped=shipped_json)
        op.shipped = shipped_json
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            _op_settle(op, OpState.SUCCEEDED, gateway_id=charge.gateway_id)
            _split_shipped(locked, op, by=acting_user)
            _paid(locked, op, by=acting_user, authorization=charge.reference)
        return op
    gw = _gateway(order.gateway)
    if not gw.supports_partial_capture:
        raise OrderRefused(_("%(g)s no cobra una retención en partes: despache todo el pedido o cancélelo.")
                           % {"g": gw.name})
    op = _op_start(order, gateway=order.gateway, kind=OpKind.CAPTURE, amount=ship_total, reference=charge.reference,
                   gateway_id=charge.gateway_id)
    GatewayOperation.objects.filter(pk=op.pk).update(shipped=shipped_json)
    result = _call(op, lambda: gw.capture(charge.gateway_id, ship_total, reference=op.reference,
                                          idempotency_key=op.idempotency_key, final=False))
    return apply_result(op, result)


def _split_shipped(order, op, *, by):
    """The capture ``op`` of part of ``order`` went through: the order keeps only what shipped
    (its lines, total and stock reservation; its receipt covers that), and what is left becomes
    a new order, held by the same authorisation (or the prepaid balance) for its own total, its
    stock reserved under it. Inside the caller's transaction, with ``order`` locked."""
    shipped = {int(p): Decimal(q) for p, q in op.shipped.items()}
    lines = list(order.lines.select_related("product"))
    rest = {x.position: x.quantity - shipped.get(x.position, Decimal(0)) for x in lines}
    rest_parts = _part_lines(order, rest)
    rest_total, rest_iva = _part_totals(order, rest_parts)
    ship_parts = _part_lines(order, shipped)
    ship_total, ship_iva = _part_totals(order, ship_parts)
    charge = _charge_op(order)
    remainder = Order.objects.create(
        establishment=order.establishment, point_of_sale=order.point_of_sale, client=order.client,
        tipo_dte=order.tipo_dte, total=rest_total, total_iva=rest_iva, notes=order.notes, created_by=order.created_by,
        link_expires_at=order.link_expires_at, parent=order)
    OrderLine.objects.bulk_create([
        OrderLine(order=remainder, position=i, product=x.product, item_type=x.item_type, code=x.code,
                  description=x.description, unit=x.unit, quantity=quantity, unit_price=x.unit_price, discount=discount,
                  treatment=x.treatment, amount=quantity * x.unit_price - discount)
        for i, (x, quantity, discount) in enumerate(rest_parts, start=1)])
    kept = {x.pk: (quantity, discount) for x, quantity, discount in ship_parts}
    for x in lines:
        if x.pk not in kept:
            x.delete()
        else:
            quantity, discount = kept[x.pk]
            OrderLine.objects.filter(pk=x.pk).update(quantity=quantity, discount=discount,
                                                     amount=quantity * x.unit_price - discount)
    Order.objects.filter(pk=order.pk).update(total=ship_total, total_iva=ship_iva)
    order.total, order.total_iva = ship_total, ship_iva
    # the reservation follows the goods: what ships stays under this order, the rest under the new one
    stock_release(reference=_reference(order))
    for target, parts in ((order, ship_parts), (remainder, rest_parts)):
        wanted = {}
        for x, quantity, _discount in parts:
            if x.product_id and x.product.tracks_stock:
                wanted[x.product] = wanted.get(x.product, Decimal(0)) + quantity
        stock_reserve(reference=_reference(target), establishment=order.establishment, wanted=wanted)
    # the new order is held by what the charge still holds
    hold_op = GatewayOperation.objects.create(order=remainder, gateway=order.gateway, kind=OpKind.AUTHORIZE,
                                              amount=rest_total, idempotency_key=uuid.uuid4().hex,
                                              reference=charge.reference, gateway_id=charge.gateway_id)
    if order.gateway == BALANCE:
        # the prepaid balance: the one hold becomes two, what ships under the charge's reference
        hold = BalanceHold.objects.get(reference=charge.reference, state=HoldState.HELD)
        balance_hold_release(hold=hold, acting_user=by, reason=_("Despacho parcial"))
        balance_hold_place(client=order.client, amount=ship_total, reference=charge.reference,
                           expires_at=hold.expires_at, acting_user=by)
        hold_op.reference = f"{remainder.number}-{hold_op.pk}"
        rest_hold = balance_hold_place(client=order.client, amount=rest_total, reference=hold_op.reference,
                                       expires_at=hold.expires_at, acting_user=by)
        GatewayOperation.objects.filter(pk=hold_op.pk).update(reference=hold_op.reference, gateway_id=str(rest_hold.pk))
        hold_op.gateway_id = str(rest_hold.pk)
    _op_settle(hold_op, OpState.SUCCEEDED, authorization_code=charge.authorization_code)
    _order_move(remainder, OrderState.AUTHORIZED, by=by, reason=_("Resto del pedido %(n)s (despacho parcial)") % {
        "n": order.number}, gateway=order.gateway, amount_authorized=rest_total, hold_expires_at=order.hold_expires_at)
    audit_record(actor=by, action=AuditAction.UPDATE, obj=order,
                 summary=_("Despacho parcial: %(s)s cobrado; el resto (%(r)s) sigue en el pedido %(n)s") % {
                     "s": formats.money(ship_total), "r": formats.money(rest_total), "n": remainder.number},
                 after={"shipped": op.shipped, "total": str(ship_total), "remainder": remainder.pk})
    return remainder


def order_cancel(*, order, acting_user, reason):
    """Cancel: a hold is voided (at the gateway, or the prepaid balance released), the stock
    reservation released. A paid order is not cancelled: it is refunded."""
    if acting_user is not None:
        _scope_check(acting_user, order)
    if not (reason or "").strip():
        raise OrderRefused(_("Indique por qué se cancela el pedido."))
    order.refresh_from_db()
    if order.state == OrderState.PENDING:
        if order.operations.filter(kind__in=[OpKind.AUTHORIZE, OpKind.SALE],
                                   state__in=[OpState.STARTED, OpState.IN_DOUBT]).exclude(action_url="").exists():
            order_refresh(order=order)
            order.refresh_from_db()
            if order.state != OrderState.PENDING:
                raise OrderRefused(_("El cliente pagó mientras tanto: el pedido ya no se cancela, se reembolsa."))
        with transaction.atomic():
            _order_move(order, OrderState.CANCELLED, by=acting_user or order.created_by, reason=reason.strip())
            stock_release(reference=_reference(order))
        return order
    if order.state != OrderState.AUTHORIZED:
        raise OrderRefused(_("Un pedido pagado no se cancela: se reembolsa."))
    charge = _charge_op(order)
    if order.gateway == BALANCE:
        hold = BalanceHold.objects.filter(reference=charge.reference, state=HoldState.HELD).first()
        with transaction.atomic():
            if hold is not None:
                balance_hold_release(hold=hold, acting_user=acting_user or order.created_by, reason=reason.strip())
            _order_move(order, OrderState.CANCELLED, by=acting_user or order.created_by, reason=reason.strip())
            stock_release(reference=_reference(order))
        return order
    gw = _gateway(order.gateway)
    op = _op_start(order, gateway=order.gateway, kind=OpKind.VOID, amount=order.amount_authorized,
                   reference=charge.reference, gateway_id=charge.gateway_id)
    result = _call(op, lambda: gw.void(charge.gateway_id, reference=op.reference, idempotency_key=op.idempotency_key))
    apply_result(op, result)
    order.refresh_from_db()
    return order


def _scope_check(user, order):
    if not user_may_operate(user=user, point_of_sale=order.point_of_sale):
        raise PermissionDenied(_("No puede operar pedidos de ese establecimiento o punto de venta."))


# ------------------------------------------------------------------------- cashier payments
def order_record_payment(*, order, method, reference, acting_user):
    """The cashier took the money (cash, card terminal, transfer): the same path as a gateway's
    capture, the receipt issued the same way. The order must be pending (not held elsewhere)."""
    _scope_check(acting_user, order)
    if method not in CASHIER_METHODS:
        raise OrderRefused(_("Forma de pago «%(m)s» no admitida en caja.") % {"m": method})
    order.refresh_from_db()
    if order.state != OrderState.PENDING:
        raise OrderRefused(_("Este pedido ya está pagado o cancelado."))
    op = _op_start(order, gateway=f"caja-{method}", kind=OpKind.SALE, amount=order.total)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        _op_settle(op, OpState.SUCCEEDED, authorization_code=(reference or "")[:40])
        moved = _safe_move(locked, OrderState.PAID, by=acting_user, reason=_("Pago en caja"),
                           amount_captured=order.total, amount_authorized=order.total, gateway=f"caja-{method}",
                           payment_method=method, payment_reference=(reference or "")[:100])
        if not moved:
            raise OrderRefused(_("Este pedido ya está pagado o cancelado."))
        _queue_receipt(locked)
    return op


# ---------------------------------------------------------------------------- the receipt
def receipt_issue(*, order_id):
    """Issue the order's one fiscal receipt (Factura or CCF), apply the payment to it and take
    the goods out of stock (document_issue does; the reservation is released). Exactly once:
    the order row is locked and Order.document is unique, so a capture reported twice, or this
    task run twice, finds the receipt there. Problems are kept on the order (receipt_error) and
    the sweep tries again."""
    with transaction.atomic():
        order = Order.objects.select_for_update().select_related("client", "establishment", "point_of_sale",
                                                                  "created_by").get(pk=order_id)
        if order.document_id or order.state not in (OrderState.PAID, OrderState.PARTIALLY_REFUNDED,
                                                    OrderState.REFUNDED):
            return order.document
        try:
            with transaction.atomic():
                doc = _issue_for(order)
        except (IssueError, ValidationError, PermissionDenied) as exc:
            message = "; ".join(getattr(exc, "problems", None) or getattr(exc, "messages", None) or [str(exc)])
            Order.objects.filter(pk=order.pk).update(receipt_error=message[:500])
            log.warning("order %s: receipt not issued: %s", order.pk, message)
            return None
        Order.objects.filter(pk=order.pk).update(document=doc, receipt_error="")
        stock_release(reference=_reference(order))
        charge = _charge_op(order)
        if order.gateway == BALANCE:
            hold = BalanceHold.objects.get(reference=charge.reference, state=HoldState.HELD)
            balance_hold_capture(hold=hold, document=doc, amount=order.amount_captured, acting_user=order.created_by)
        else:
            payment = payment_record_settlement(client=order.client, document=doc, amount=order.amount_captured,
                                                method=order.payment_method, reference=order.payment_reference,
                                                acting_user=order.created_by,
                                                notes=_("Pedido %(n)s") % {"n": order.number})
            Order.objects.filter(pk=order.pk).update(payment=payment)
        audit_record(actor=order.created_by, action=AuditAction.UPDATE, obj=order,
                     summary=_("Comprobante %(n)s emitido") % {"n": doc.numero_control})
    return doc


def _issue_for(order):
    user = order.created_by
    lines = [{"product_id": x.product_id, "item_type": x.item_type, "code": x.code, "description": x.description,
              "unit": x.unit, "quantity": x.quantity, "unit_price": x.unit_price, "discount": x.discount,
              "treatment": x.treatment, "special_taxes": list(x.product.special_taxes or []) if x.product_id else []}
             for x in order.lines.select_related("product")]
    extra = {}
    if order.payment_reference and not order.gateway.startswith("caja-"):
        extra["numPagoElectronico"] = order.payment_reference[:100]  # the gateway's reference (facts §2.5)
    data = {"tipo_dte": order.tipo_dte, "establishment_id": order.establishment_id,
            "point_of_sale_id": order.point_of_sale_id, "client_id": order.client_id,
            "issue_date": timezone.localdate(), "condition": 1, "extra": extra,
            "payments": [{"codigo": order.payment_method or "99", "monto": str(order.amount_captured),
                          "referencia": order.payment_reference[:50] or None}],
            "observations": _("Pedido %(n)s") % {"n": order.number}}
    draft = draft_save(acting_user=user, data=data, lines=lines)
    # The rep confirmed the order's cases when making it; the same cases on its receipt are his
    # confirmation (a case his role must have approved refuses, and the receipt waits).
    for case in cases_refresh(document=draft, acting_user=user):
        if case.state == CaseState.OPEN:
            case_confirm(case=case, acting_user=user)
    doc = document_issue(document=draft, acting_user=user)
    if q2(doc.total_to_pay) != order.total:
        raise IssueError([_("El total del comprobante (%(d)s) no es el del pedido (%(o)s).") % {
            "d": formats.money(doc.total_to_pay), "o": formats.money(order.total)}])
    return doc


# --------------------------------------------------------------------------------- refunds
def _retorno_possible(doc):
    """(True, "") when an Evento de Retorno may be registered against ``doc`` now, else (False, why)."""
    try:
        dte_events.generation_for(EventKind.RETURN)
    except ValidationError as exc:
        return False, exc.messages[0]
    problems = dte_events.return_problems(doc)
    return (not problems), (problems[0] if problems else "")


def refund_plan(order, amount, returned=None):
    """What the fiscal side of refunding ``amount`` must be: (RefundAction, Spanish text).

    The rule followed (MH):
    - a credit note (05) relates only to a CCF (03) or a Comprobante de Retención (07)
      (sv-dte-facts.md §1, "Allowed documentoRelacionado": "05 NC and 06 ND → 03 or 07 only";
      and "Returns": "for Factura (01) buyers there is no NC"). So a CCF gets an NC for what is
      given back, whole or part;
    - a Factura refunded in full, sealed and within its invalidation deadline (3 months,
      sv-dte-facts.md §6; DTE_INVALIDATION_DEADLINES) is invalidated, type 2 "rescindir la
      operación", which needs no replacement document (§6);
    - a Factura refunded in part: the Evento de Retorno (tipoEvento 18) "returns, refunds …
      reduces an FE … only on sealed FE … several allowed while their sum ≤ the document …
      within 3 months of the seal" (sv-tax-facts-2.md §2; Normativa v2.0, so only while the
      2026 generation is in force for it: dte.events.generation_for). It is made of returned
      lines and quantities, so the refund must name them and its amount is what they are worth;
    - otherwise (2023 generation, or past the deadline) MH leaves only a replacement Factura for
      what the client keeps and the invalidation of the original, type 3 with codigoGeneracionR
      (§6: "For 1 and 3 you must first issue and seal the replacement DTE"): the accountant's
      decision, so the refund says so and the product does not guess it."""
    doc = order.document
    if doc is None:
        return None, _("El pedido aún no tiene comprobante.")
    if doc.tipo_dte == ar.CCF:
        return RefundAction.CREDIT_NOTE, _("Nota de crédito contra el CCF %(n)s por %(a)s.") % {
            "n": doc.numero_control, "a": formats.money(amount)}
    full = amount == order.amount_captured and order.amount_refunded == 0 and not returned
    if full and doc.status == GovStatus.SEALED and timezone.now() <= invalidation_deadline(doc):
        return RefundAction.INVALIDATION, _("Invalidación (rescindir la operación) de la Factura %(n)s.") % {
            "n": doc.numero_control}
    possible, why = _retorno_possible(doc)
    if possible:
        if returned:
            return RefundAction.RETURN, _("Evento de retorno contra la Factura %(n)s por %(a)s.") % {
                "n": doc.numero_control, "a": formats.money(amount)}
        return RefundAction.RETURN, _("Un reembolso parcial de la Factura %(n)s se registra ante MH con un evento de "
                                      "retorno: indique qué líneas y cuántas unidades se devuelven.") % {
            "n": doc.numero_control}
    return RefundAction.MANUAL, _("La Factura %(n)s no admite nota de crédito (MH solo la acepta contra un CCF) ni "
                                  "evento de retorno (%(why)s). El contador debe emitir una Factura de reemplazo por "
                                  "lo que el cliente conserva e invalidar la original (tipo 3).") % {
        "n": doc.numero_control, "why": why.rstrip(".")}


def _returned_amount(order, returned):
    """What the returned lines are worth on the receipt, refused with the reason when they cannot be."""
    value, errors = dte_events.return_value(order.document, returned)
    if errors:
        raise OrderRefused(errors)
    left = dte_events.document_worth(order.document) - dte_events.returned_so_far(order.document)
    if value > left:
        raise OrderRefused(_("Los retornos sumarían más que la Factura: queda %(l)s por devolver.")
                           % {"l": formats.money(left)})
    return q2(value)


def order_refund(*, order, amount, reason, acting_user, returned=None):
    """Give back ``amount`` (≤ what is captured and not yet refunded; None: all of it, or what
    the ``returned`` lines are worth) through the gateway the money came by, then do the fiscal
    side (refund_plan). ``returned`` ([{numItem, quantity}], numItem the order line's position):
    the lines given back, for a Factura's partial refund (an Evento de Retorno)."""
    _scope_check(acting_user, order)
    order.refresh_from_db()
    returned = [{"numItem": int(r["numItem"]), "quantity": format(Decimal(str(r["quantity"])).normalize(), "f")}
                for r in returned or []]
    if returned and order.document_id and order.document.tipo_dte == ar.FACTURA:
        worth = _returned_amount(order, returned)
        if amount not in (None, "") and q2(Decimal(str(amount))) != worth:
            raise OrderRefused(_("Las líneas devueltas valen %(w)s en la Factura: el reembolso es ese monto.")
                               % {"w": formats.money(worth)})
        amount = worth
    elif returned:
        returned = []  # a CCF's credit note is for an amount; nothing else takes lines
    if amount in (None, ""):
        amount = order.refundable
    amount = q2(Decimal(str(amount)))
    if not (reason or "").strip():
        raise OrderRefused(_("Indique el motivo del reembolso."))
    if order.state not in (OrderState.PAID, OrderState.PARTIALLY_REFUNDED):
        raise OrderRefused(_("Solo se reembolsa un pedido cobrado."))
    if amount <= 0 or amount > order.refundable:
        raise OrderRefused(_("Se pueden reembolsar hasta %(a)s.") % {"a": formats.money(order.refundable)})
    if order.document_id is None:
        raise OrderRefused(_("Espere a que se emita el comprobante del pedido."))
    action, text = refund_plan(order, amount, returned)
    if action == RefundAction.RETURN and not returned:
        raise OrderRefused(text)  # before any money moves: the retorno needs the lines
    charge = _charge_op(order)
    capture = order.operations.filter(kind__in=[OpKind.SALE, OpKind.CAPTURE], state=OpState.SUCCEEDED).first()
    op = _op_start(order, gateway=order.gateway, kind=OpKind.REFUND, amount=amount,
                   reference=(charge or capture).reference, gateway_id=(charge or capture).gateway_id)
    refund = Refund.objects.create(order=order, amount=amount, reason=reason.strip()[:300], operation=op,
                                   fiscal_action=action, returned=returned, created_by=acting_user)
    audit_record(actor=acting_user, action=AuditAction.CREATE, obj=refund,
                 summary=_("Reembolso de %(a)s del pedido %(n)s: %(t)s") % {
                     "a": formats.money(amount), "n": order.number, "t": text},
                 after={"amount": str(amount), "fiscal_action": str(action), "returned": returned})
    if order.gateway == BALANCE or order.gateway.startswith("caja-"):
        # Money that came from the prepaid balance or the till goes back the same way (the
        # accountant pays it out); the operation is recorded as done.
        apply_result(op, _done(Status.REFUNDED, op, amount))
    else:
        gw = _gateway(order.gateway)
        target = charge.gateway_id if charge else capture.gateway_id  # the payment's id at the gateway
        result = _call(op, lambda: gw.refund(target, amount, reference=op.reference,
                                             idempotency_key=op.idempotency_key, reason=reason.strip()[:120]))
        apply_result(op, result)
    op.refresh_from_db()
    return op


def _done(status, op, amount):
    from payments.gateways.base import Result  # noqa: PLC0415 - only for the internal ways

    return Result(status=status, reference=op.reference, refunded_amount=amount, captured_amount=amount)


def _refunded(order, op, *, by):
    refunded = order.amount_refunded + op.amount
    to = OrderState.REFUNDED if refunded >= order.amount_captured else OrderState.PARTIALLY_REFUNDED
    _safe_move(order, to, by=by, reason=_("Reembolso de %(a)s") % {"a": formats.money(op.amount)},
               amount_refunded=refunded)
    from orders import tasks  # noqa: PLC0415 - tasks import these services

    enqueue_on_commit(tasks.refund_fiscal, op.refund.pk)


def refund_fiscal(*, refund_id):
    """The fiscal side of a refund that went through: the credit note issued, or the
    invalidation requested. Once: the refund row is locked and its document kept."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update(of=("self",)).select_related(
            "order__document", "order__created_by", "operation").get(pk=refund_id)
        order = refund.order
        if refund.fiscal_document_id or refund.fiscal_event_id or refund.operation.state != OpState.SUCCEEDED:
            return refund
        doc = order.document
        try:
            with transaction.atomic():
                if refund.fiscal_action == RefundAction.CREDIT_NOTE:
                    note = _credit_note(order, doc, refund)
                    Refund.objects.filter(pk=refund.pk).update(fiscal_document=note, fiscal_error="")
                elif refund.fiscal_action == RefundAction.RETURN:
                    record = dte_events.return_request(document=doc, acting_user=refund.created_by,
                                                       returned=refund.returned, reason=refund.reason[:250])
                    Refund.objects.filter(pk=refund.pk).update(fiscal_event=record, fiscal_error="")
                elif (refund.fiscal_action == RefundAction.INVALIDATION and refund.amount == order.amount_captured
                      and timezone.now() <= invalidation_deadline(doc)):
                    user = order.created_by
                    person = {"name": (user.get_full_name() or user.username)[:100], "id_type": "13",
                              "id_number": getattr(user, "id_number", "") or doc.company.mh_responsible_id_number}
                    invalidation_request(document=doc, acting_user=user, tipo=InvalidationType.RESCIND,
                                         reason=refund.reason[:250],
                                         responsible={"name": doc.company.mh_responsible_name,
                                                      "id_type": doc.company.mh_responsible_id_type,
                                                      "id_number": doc.company.mh_responsible_id_number},
                                         requester=person)
                    Refund.objects.filter(pk=refund.pk).update(fiscal_document=doc, fiscal_error="")
                else:
                    text = refund_plan(order, refund.amount, refund.returned)[1]
                    Refund.objects.filter(pk=refund.pk).update(fiscal_action=RefundAction.MANUAL, fiscal_error=text[:500])
        except (IssueError, ValidationError, PermissionDenied) as exc:
            message = "; ".join(getattr(exc, "problems", None) or getattr(exc, "messages", None) or [str(exc)])
            Refund.objects.filter(pk=refund.pk).update(fiscal_error=message[:500])
    refund.refresh_from_db()
    return refund


def _credit_note(order, ccf, refund):
    """An NC (05) against the CCF for the refunded amount. The amount given back includes IVA;
    the note's line is net of it (a CCF's lines are, facts §2.4), so the note's total equals
    the refund to the cent when the refund is the whole order and within a cent otherwise."""
    user = order.created_by
    if refund.amount == order.amount_captured:
        lines = [{"product_id": x.product_id, "item_type": x.item_type, "code": x.code, "description": x.description,
                  "unit": x.unit, "quantity": x.quantity, "unit_price": x.unit_price, "discount": x.discount,
                  "treatment": x.treatment, "related_code": ccf.codigo_generacion} for x in order.lines.all()]
    else:
        gravado = order.total_iva > 0
        net = (refund.amount / Decimal("1.13")).quantize(Decimal("0.00000001")) if gravado else refund.amount
        lines = [{"item_type": 1, "description": _("Reembolso parcial del pedido %(n)s") % {"n": order.number},
                  "unit": 99, "quantity": Decimal(1), "unit_price": net,
                  "treatment": "gravado" if gravado else "exento", "related_code": ccf.codigo_generacion}]
    data = {"tipo_dte": ar.NC, "establishment_id": ccf.establishment_id, "point_of_sale_id": ccf.point_of_sale_id,
            "client_id": ccf.client_id, "issue_date": timezone.localdate(), "condition": 1,
            "observations": (_("Reembolso: %(r)s") % {"r": refund.reason})[:3000]}
    related = [{"tipo_documento": ar.CCF, "tipo_generacion": 2, "numero_documento": ccf.codigo_generacion,
                "fecha_emision": ccf.issue_date, "target": ccf}]
    draft = draft_save(acting_user=user, data=data, lines=lines, related=related)
    for case in cases_refresh(document=draft, acting_user=user):
        if case.state == CaseState.OPEN:
            case_confirm(case=case, acting_user=user)
    return document_issue(document=draft, acting_user=user)


# ------------------------------------------------------------------------- uncertainty
def operation_resolve(*, op):
    """Ask the gateway where an operation in doubt (or a charge whose webhook never came)
    stands, and apply the answer. Never charges again. Returns the operation."""
    if op.gateway == BALANCE or op.gateway.startswith("caja-"):
        return op
    try:
        gw = _gateway(op.gateway)
        if op.kind in (OpKind.SALE, OpKind.AUTHORIZE) and op.gateway_id:
            # the payer acted on the gateway's page: finish what the gateway needs finished (PayPal
            # authorizes or captures the approved order; payments-facts §3), idempotent; the key is
            # derived from the saved one, so asking twice is the same request
            result = gw.complete(op.gateway_id, reference=op.reference, idempotency_key=f"{op.idempotency_key}-c")
        else:
            try:
                result = gw.status(op.reference, gateway_id=op.gateway_id)
            except OperationRefused:
                if op.gateway_id:
                    raise
                # a gateway that cannot look up our reference knows the charge by the key we
                # sent (n1co's order.id is our idempotency key; payments-facts §2)
                result = gw.status(op.reference, gateway_id=op.idempotency_key)
    except (GatewayUnavailable, OrderRefused, GatewayError) as exc:
        log.info("operation %s: status not known yet (%s)", op.pk, exc)
        return op
    status = Status(result.status)
    if op.kind in (OpKind.SALE, OpKind.AUTHORIZE) and status in (Status.PENDING, Status.CHALLENGE, Status.APPROVED):
        return op
    if status == Status.NOT_FOUND and not _old_enough(op):
        # The gateway does not know the call yet. That proves it never took effect only once the
        # call can no longer be in flight: a charge queued at a busy gateway (paysim on SQLite
        # waits up to 30 s for its write lock; our read timeout is 10 s) may still be made after a
        # quick lookup said 404, and failing it now would let the payer pay a second time. It
        # stays in doubt and the sweep asks again (issue 20, the n1co "drop" investigation).
        return op
    if status in (Status.EXPIRED, Status.DECLINED, Status.NOT_FOUND) or (
            op.kind == OpKind.CAPTURE and status == Status.AUTHORIZED and not _succeeded(op, status, result)):
        with transaction.atomic():
            _op_settle(op, OpState.FAILED, message=(result.message or status.value)[:300])
        return op
    return apply_result(op, result)


def _old_enough(op):
    """Whether the call ``op`` made is past the time it could still be in flight at the gateway."""
    return op.created_at <= timezone.now() - datetime.timedelta(seconds=settings.ORDERS_NOT_FOUND_AFTER_SECONDS)


def order_refresh(*, order):
    """Ask the gateway about the order's unanswered operations (the payer came back, or the page is reloaded)."""
    for op in order.operations.filter(state__in=[OpState.STARTED, OpState.IN_DOUBT]):
        operation_resolve(op=op)


def webhook_receive(*, account, headers, raw_body):
    """A gateway's webhook: verified (signature over the raw body), recorded once per event id
    and taken as a hint: the operation it names is resolved by asking the gateway (so duplicated,
    reordered or late events end in one state). Raises WebhookInvalid for a bad signature."""
    gw = account.gateway_client()
    event = gw.verify_webhook(headers, raw_body)
    try:
        with transaction.atomic():
            ReceivedWebhook.objects.create(gateway=account.gateway, event_id=event.event_id[:200],
                                           kind=str(event.kind)[:20], reference=(event.reference or "")[:100],
                                           gateway_id=(event.gateway_id or "")[:100])
    except IntegrityError:
        return None  # a copy of an event already received
    ops = GatewayOperation.objects.filter(gateway=account.gateway, state__in=[OpState.STARTED, OpState.IN_DOUBT])
    if event.reference:
        ops = ops.filter(reference=event.reference)
    elif event.gateway_id:
        ops = ops.filter(gateway_id=event.gateway_id)
    else:
        return event
    for op in ops.select_related("order"):
        operation_resolve(op=op)
    return event


def sweep(*, now=None):
    """The periodic recovery (beat, orders.sweep): operations in doubt and charges whose webhook
    never came are resolved by asking the gateway; holds past their expiry are released (the
    order returns to pending, its pay link usable again); paid orders without a receipt are
    issued again. Returns counts."""
    now = now or timezone.now()
    counts = {"resolved": 0, "expired": 0, "receipts": 0}
    quiet = now - datetime.timedelta(seconds=settings.ORDERS_SWEEP_GRACE_SECONDS)
    for op in GatewayOperation.objects.filter(state__in=[OpState.STARTED, OpState.IN_DOUBT],
                                              created_at__lte=quiet).select_related("order")[:200]:
        before = op.state
        operation_resolve(op=op)
        op.refresh_from_db()
        counts["resolved"] += op.state != before
    for order in Order.objects.filter(state=OrderState.AUTHORIZED, hold_expires_at__lt=now)[:200]:
        if _expire_hold(order):
            counts["expired"] += 1
    for pk in Order.objects.filter(state=OrderState.PAID, document__isnull=True,
                                   updated_at__lte=quiet).values_list("pk", flat=True)[:200]:
        if receipt_issue(order_id=pk) is not None:
            counts["receipts"] += 1
    return counts


def _expire_hold(order):
    """Our hold on ``order`` is past its expiry: release it — at the gateway first (a PayPal
    authorization is voided, so the payer's funds are not held for an order that no longer
    counts on them), then here (the order pending again, its pay link usable). Idempotent: the
    void's key is saved before the call and a void already made (or in doubt) is not made again;
    an answer that never came leaves the order held until the sweep learns the void's outcome.
    True when the order was released now."""
    charge = _charge_op(order)
    if charge is not None and order.gateway not in (BALANCE, "") and not order.gateway.startswith("caja-"):
        return _void_expired(order, charge)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.state != OrderState.AUTHORIZED:
            return False
        return _hold_expired(locked)


def _hold_expired(order):
    """Release the hold here (inside the caller's transaction, ``order`` locked): the prepaid
    balance's hold freed, the charge no longer holding anything, the order pending again."""
    charge = _charge_op(order)
    if order.gateway == BALANCE and charge is not None:
        hold = BalanceHold.objects.filter(reference=charge.reference, state=HoldState.HELD).first()
        if hold is not None:
            balance_hold_release(hold=hold, acting_user=order.created_by, reason=_("Retención vencida"))
    if charge is not None:
        # the charge no longer holds anything: a new one may be made from the pay link
        GatewayOperation.objects.filter(pk=charge.pk).update(state=OpState.FAILED, message=_("Retención vencida"))
    return _safe_move(order, OrderState.PENDING, by=order.created_by, reason=_("La retención del pago venció"),
                      amount_authorized=0, hold_expires_at=None, gateway="")


def _void_expired(order, charge):
    earlier = order.operations.filter(kind=OpKind.VOID, on_expiry=True, reference=charge.reference).exclude(
        state=OpState.FAILED).first()
    if earlier is not None:
        if earlier.state != OpState.SUCCEEDED:
            operation_resolve(op=earlier)  # in doubt: ask, never void again with a new key
        order.refresh_from_db()
        return order.state == OrderState.PENDING
    try:
        gw = _gateway(order.gateway)
    except OrderRefused:
        log.warning("order %s: hold expired but gateway %s is not enabled; released here only", order.pk, order.gateway)
        with transaction.atomic():
            locked = Order.objects.select_for_update().get(pk=order.pk)
            return locked.state == OrderState.AUTHORIZED and _hold_expired(locked)
    left = order.amount_authorized - order.amount_captured
    op = _op_start(order, gateway=order.gateway, kind=OpKind.VOID, amount=left if left > 0 else order.total,
                   reference=charge.reference, gateway_id=charge.gateway_id)
    GatewayOperation.objects.filter(pk=op.pk).update(on_expiry=True)
    op.on_expiry = True
    try:
        result = _call(op, lambda: gw.void(charge.gateway_id, reference=op.reference, idempotency_key=op.idempotency_key))
    except OrderRefused as exc:
        # refused: the gateway may have let the authorization lapse already (its own expiry)
        try:
            result = gw.status(op.reference, gateway_id=charge.gateway_id)
        except (GatewayError, OrderRefused):
            log.info("order %s: void of the expired hold refused (%s); the sweep tries again", order.pk, exc)
            return False
        if Status(result.status) != Status.VOIDED:
            log.warning("order %s: void of the expired hold refused (%s), gateway says %s", order.pk, exc, result.status)
            return False
        op = GatewayOperation.objects.create(order=order, gateway=order.gateway, kind=OpKind.VOID, amount=op.amount,
                                             idempotency_key=uuid.uuid4().hex, reference=charge.reference,
                                             gateway_id=charge.gateway_id, on_expiry=True)
    apply_result(op, result)
    order.refresh_from_db()
    return order.state == OrderState.PENDING
