"""Orders in the browser: the list, the form, the detail (ship, cancel, cashier payment,
refund); the customer's pay page (a signed, expiring link, no login) and the gateways' webhooks."""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.modules import Module
from accounts.selectors import company_get, points_of_sale_for_user
from clients.selectors import clients_for_user
from core.access import module_required, public_view
from core.modules import Action
from core.text import clean_text
from inventory.models import Product
from orders import selectors, services
from orders.models import ORDER_MACHINE, OrderState
from payments.gateways.base import WebhookInvalid, gateway_classes
from payments.models import GatewayAccount
from payments.services import balance_available

LINE_ROWS = 8
# CAT-017 codes a cashier records (lazy: read in each request's language)
CASHIER_CHOICES = [("01", gettext_lazy("Efectivo")), ("02", gettext_lazy("Tarjeta de débito (terminal)")),
                   ("03", gettext_lazy("Tarjeta de crédito (terminal)")), ("05", gettext_lazy("Transferencia o depósito"))]


@module_required(Module.DOCUMENTOS, Action.VIEW)
def order_list(request):
    state = request.GET.get("estado", "")
    state = state if state in OrderState.values else ""
    orders = selectors.order_list(user=request.user, state=state)[:200]
    return render(request, "orders/list.html", {"orders": orders, "state": state, "states": OrderState.choices,
                                                "can_create": request.user.can(Module.DOCUMENTOS, Action.CREATE)})


def _parse_lines(post):
    """[{product, quantity}] from the form's rows, and the errors naming row and field."""
    lines, errors = [], []
    codes = [(clean_text(post.get(f"code_{i}", "")), post.get(f"qty_{i}", "").strip()) for i in range(1, LINE_ROWS + 1)]
    wanted = [c for c, _q in codes if c]
    products = {p.code: p for p in Product.objects.filter(code__in=wanted, is_active=True)}
    for i, (code, qty) in enumerate(codes, start=1):
        if not code and not qty:
            continue
        product = products.get(code)
        if product is None:
            errors.append(_("Fila %(n)d, producto: no hay un producto activo con código «%(c)s».") % {"n": i, "c": code})
            continue
        try:
            quantity = Decimal(qty.replace(",", "."))
        except InvalidOperation:
            errors.append(_("Fila %(n)d, cantidad: «%(q)s» no es un número.") % {"n": i, "q": qty})
            continue
        if quantity <= 0:
            errors.append(_("Fila %(n)d, cantidad: debe ser mayor que cero.") % {"n": i})
            continue
        lines.append({"product": product, "quantity": quantity})
    return lines, errors


@module_required(Module.DOCUMENTOS, Action.CREATE)
def order_new(request):
    points = list(points_of_sale_for_user(user=request.user))
    errors, cases = [], []
    if request.method == "POST":
        client = clients_for_user(user=request.user).filter(pk=request.POST.get("client") or 0).first()
        point = next((p for p in points if str(p.pk) == request.POST.get("point_of_sale")), None)
        lines, errors = _parse_lines(request.POST)
        if client is None:
            errors.append(_("Cliente: elija un cliente."))
        if point is None:
            errors.append(_("Punto de venta: elija uno de los suyos."))
        if not errors:
            try:
                order = services.order_create(acting_user=request.user, client=client, point_of_sale=point,
                                              lines=lines, notes=clean_text(request.POST.get("notes", "")),
                                              confirm=request.POST.get("confirm") == "1")
            except services.OrderRefused as exc:
                errors = exc.messages
                cases = [m for m in exc.messages if m.startswith(_("Confirme:"))]
            except PermissionDenied as exc:
                errors = [str(exc)]
            else:
                messages.success(request, _("Pedido %(n)s creado. Comparta el enlace de pago con el cliente.") % {
                    "n": order.number})
                return redirect("orders:detail", pk=order.pk)
    rows = [{"n": i, "code": request.POST.get(f"code_{i}", ""), "qty": request.POST.get(f"qty_{i}", "")}
            for i in range(1, LINE_ROWS + 1)]
    return render(request, "orders/form.html", {
        "clients": clients_for_user(user=request.user).filter(is_active=True).order_by("name")[:500],
        "points": points, "rows": rows, "errors": errors, "cases": cases, "post": request.POST,
        "products": Product.objects.filter(is_active=True).order_by("code")[:500]})


@module_required(Module.DOCUMENTOS, Action.VIEW)
def order_detail(request, pk):
    order = selectors.order_get_for_user(user=request.user, pk=pk)
    link = request.build_absolute_uri(reverse("pay:page", args=[selectors.pay_token(order)]))
    plan = None
    if order.document_id and order.refundable > 0:
        plan = services.refund_plan(order, order.refundable)[1]
    return render(request, "orders/detail.html", {
        "order": order, "link": link, "history": ORDER_MACHINE.history_of(order).select_related("by").order_by("at", "id"),
        "can_operate": request.user.can(Module.DOCUMENTOS, Action.CREATE),
        "can_refund": request.user.can(Module.DOCUMENTOS, Action.INVALIDATE), "plan": plan,
        "cashier_choices": CASHIER_CHOICES, "link_expired": order.link_expires_at < timezone.now()})


def _act(request, pk, action, done):
    order = selectors.order_get_for_user(user=request.user, pk=pk)  # another establishment's order: 404
    try:
        action(order)
    except (services.OrderRefused, ValidationError) as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("No tiene permiso para esto."))
    else:
        messages.success(request, done)
    return redirect("orders:detail", pk=order.pk)


@module_required(Module.DOCUMENTOS, Action.CREATE)
@require_POST
def order_ship(request, pk):
    lines = _per_line(request.POST, "ship_")
    return _act(request, pk, lambda o: services.order_ship(order=o, acting_user=request.user, lines=lines or None),
                _("Pago cobrado; el comprobante se emite."))


def _per_line(post, prefix):
    """{position: quantity text} from the fields ``<prefix><position>`` that were filled in."""
    return {name[len(prefix):]: value.strip().replace(",", ".") for name, value in post.items()
            if name.startswith(prefix) and name[len(prefix):].isdigit() and value.strip()}


@module_required(Module.DOCUMENTOS, Action.CREATE)
@require_POST
def order_cancel(request, pk):
    return _act(request, pk, lambda o: services.order_cancel(order=o, acting_user=request.user,
                                                            reason=clean_text(request.POST.get("reason", ""))),
                _("Pedido cancelado; existencias y retenciones liberadas."))


@module_required(Module.DOCUMENTOS, Action.CREATE)
@require_POST
def order_cashier(request, pk):
    return _act(request, pk, lambda o: services.order_record_payment(
        order=o, method=request.POST.get("method", ""), reference=clean_text(request.POST.get("reference", "")),
        acting_user=request.user), _("Pago registrado; el comprobante se emite."))


@module_required(Module.DOCUMENTOS, Action.INVALIDATE)
@require_POST
def order_refund(request, pk):
    def refund(order):
        try:
            returned = [{"numItem": int(p), "quantity": Decimal(q)} for p, q in _per_line(request.POST, "return_").items()
                        if Decimal(q) != 0]
            # the lines given back set the amount (a Factura's retorno); otherwise the amount typed
            amount = None if returned else Decimal(request.POST.get("amount", "").replace(",", "."))
        except InvalidOperation:
            raise services.OrderRefused(_("Monto: escriba un número.")) from None
        services.order_refund(order=order, amount=amount, reason=clean_text(request.POST.get("reason", "")),
                              acting_user=request.user, returned=returned)

    return _act(request, pk, refund, _("Reembolso hecho; su parte fiscal se emite."))


# ------------------------------------------------------------------------------ the customer
def _pay_order(token):
    return selectors.order_for_pay_token(token, max_age=settings.ORDER_LINK_HOURS * 3600)


@public_view
def pay_page(request, token):
    """The payable summary (not a fiscal document) and the gateways the company enabled. The
    link is the authority: signed, expiring; a wrong or expired one is a 404."""
    order = _pay_order(token)
    if order is None:
        return render(request, "orders/pay_invalid.html", status=404)
    company = company_get()
    accounts = selectors.enabled_gateways(company=company)
    names = {code: cls.name for code, cls in gateway_classes().items()}
    options = [{"code": a.gateway, "name": names.get(a.gateway, a.gateway)} for a in accounts]
    if balance_available(client_id=order.client_id) >= order.total:
        options.append({"code": services.BALANCE, "name": _("Saldo a favor")})
    error = None
    if request.method == "POST" and order.state == OrderState.PENDING:
        code = request.POST.get("gateway", "")
        if code not in {o["code"] for o in options}:
            error = _("Elija una forma de pago.")
        else:
            back = request.build_absolute_uri(reverse("pay:return", args=[token]))
            hook = ""
            account = next((a for a in accounts if a.gateway == code), None)
            if account is not None:
                hook = request.build_absolute_uri(reverse("pay:webhook", args=[account.webhook_token]))
            try:
                op = services.order_pay_start(order=order, gateway=code, return_url=back, webhook_url=hook)
            except (services.OrderRefused, ValidationError) as exc:
                error = " ".join(exc.messages)
            else:
                if op.action_url:
                    return redirect(op.action_url)
                return redirect("pay:page", token=token)
        order.refresh_from_db()
    return render(request, "orders/pay.html", {"order": order, "options": options, "error": error,
                                               "company": company, "lines": list(order.lines.all())})


@public_view
def pay_return(request, token):
    """The payer is back from the gateway's page: ask the gateway where the charge stands."""
    order = _pay_order(token)
    if order is None:
        return render(request, "orders/pay_invalid.html", status=404)
    services.order_refresh(order=order)
    return redirect("pay:page", token=token)


@public_view
@csrf_exempt
@require_POST
def webhook(request, account_token):
    """A gateway's webhook: the account named in the URL gives the secret; the signature over the
    raw body is checked before anything is read from it."""
    account = get_object_or_404(GatewayAccount, webhook_token=account_token, enabled=True)
    try:
        services.webhook_receive(account=account, headers=dict(request.headers), raw_body=request.body)
    except WebhookInvalid:
        return HttpResponseBadRequest("invalid signature")
    return HttpResponse("ok")
