"""Wompi El Salvador (Banco Agrícola), as paysim speaks it under /wompi/.

Sources (payments-facts.md §1; the codes are its sources list):
- POST /connect/token — OAuth2 client credentials, form-encoded, audience wompi_api [D W1
  https://docs.wompi.sv/auntenticacion/autenticacion]. (Real host id.wompi.sv; here /wompi/connect/token.)
- POST /EnlacePago, GET /EnlacePago/{id}, PUT /EnlacePago/{id}/desactivar — payment links [C W6
  wompisv/wocommerce-wompi-sv-plugin, C W7 mantissaio/medusa-payment-wompi src/lib/wompi-client.ts].
- GET /TransaccionCompra/{id} — a transaction [D W3 https://docs.wompi.sv/webhook/validar-webhook, C W7].
- Webhook body (PascalCase) [D W2 https://docs.wompi.sv/webhook/definicion-webhook]; header
  ``wompi_hash`` = lowercase hex HMAC-SHA256(raw body, API Secret) [D W3].
- Redirect to urlRedirect with idTransaccion, esReal, esAprobada, ... and a hash [D W4, C W6].
- GET /EnlacePago?identificadorEnlaceComercio=REF — [G] NOT in Wompi's public docs (facts §8:
  "lookup by our ref: not found"). paysim offers it so an adapter that lost the answer to a link
  creation can find its link; the real adapter must be confirmed against Wompi before relying on it.
Wompi captures at once (no holds), and refunds are dashboard-only [facts §0, C W7/C W9]: paysim has
no refund or capture endpoint for it, as Wompi has none.
"""

import hashlib
import hmac
from urllib.parse import urlencode

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from paysim import core
from paysim.models import Payment


def _err(status, message, kind="Validacion"):
    # Error envelope {servicioError, mensajes[], subTipoError} [C W7].
    return JsonResponse({"servicioError": True, "mensajes": [message], "subTipoError": kind}, status=status)


def sign(merchant):
    def _sign(body):
        return {"Content-Type": "application/json",
                "wompi_hash": hmac.new(merchant.client_secret.encode(), body, hashlib.sha256).hexdigest()}
    return _sign


@csrf_exempt
def token(request):
    """[D W1] grant_type=client_credentials, audience=wompi_api, client_id, client_secret (form)."""
    form = request.POST
    if form.get("grant_type") != "client_credentials" or form.get("audience") != "wompi_api":
        return JsonResponse({"error": "invalid_request"}, status=400)
    merchant = core.find_merchant("wompi", form.get("client_id"), form.get("client_secret"))
    if merchant is None:
        return JsonResponse({"error": "invalid_client"}, status=400)
    return JsonResponse({"access_token": core.issue_token(merchant), "expires_in": 3600, "token_type": "Bearer",
                         "scope": "wompi_api"})


def _merchant(request):
    return core.merchant_from_request(request, "wompi")


def _link_json(request, p):
    base = core.public_url(request)
    txs = [{"idTransaccion": o.op_id, "esAprobada": o.ok, "monto": float(o.amount),
            "fechaTransaccion": o.created_at.isoformat(), "mensaje": o.message}
           for o in p.operations.filter(kind="charge").order_by("id")]
    return {"idEnlace": int(p.public_id), "identificadorEnlaceComercio": p.reference, "monto": float(p.amount),
            "nombreProducto": p.description, "estaActivo": p.active,
            "urlEnlace": f"{base}/wompi/pagar/{p.public_id}", "urlEnlaceLargo": f"{base}/wompi/pagar/{p.public_id}?largo=1",
            "urlQrCodeEnlace": f"{base}/wompi/qr/{p.public_id}.png", "estaProductivo": False,
            "cantidadPagosExitosos": sum(1 for t in txs if t["esAprobada"]), "transacciones": txs}


@csrf_exempt
def enlaces(request):
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "No autorizado", "Autenticacion")
    if request.method == "GET":
        # [G] see the module docstring: not a documented Wompi endpoint.
        ref = request.GET.get("identificadorEnlaceComercio", "")
        rows = Payment.objects.filter(merchant=merchant, gateway="wompi", reference=ref).order_by("id")
        return JsonResponse({"enlaces": [_link_json(request, p) for p in rows]})
    if request.method != "POST":
        return _err(405, "Método no permitido")
    body = core.json_body(request)
    if body is None:
        return _err(400, "JSON inválido")
    amount = core.money(body.get("monto"))
    if amount is None or amount <= 0:
        return _err(400, "monto es requerido y mayor que cero")
    if amount > 1000:
        return _err(400, "El monto máximo por transacción es $1,000.00")  # [C W9, unverified]
    ref = str(body.get("identificadorEnlaceComercio") or "")
    if not ref or not body.get("nombreProducto"):
        return _err(400, "identificadorEnlaceComercio y nombreProducto son requeridos")
    config = body.get("configuracion") or {}
    last = Payment.objects.filter(gateway="wompi").order_by("-id").values_list("public_id", flat=True).first()
    public_id = str(int(last or 100000) + 1)
    p = Payment.objects.create(
        merchant=merchant, gateway="wompi", kind="link", public_id=public_id, reference=ref, amount=amount,
        description=str(body.get("nombreProducto"))[:255], return_url=str(config.get("urlRedirect") or ""),
        cancel_url=str(config.get("urlRetorno") or ""), webhook_url=str(config.get("urlWebhook") or ""),
        request=body)
    data = _link_json(request, p)
    return JsonResponse({k: data[k] for k in ("idEnlace", "urlEnlace", "urlEnlaceLargo", "urlQrCodeEnlace",
                                              "estaProductivo")})


def enlace(request, public_id):
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "No autorizado", "Autenticacion")
    p = Payment.objects.filter(merchant=merchant, gateway="wompi", public_id=public_id).first()
    if p is None:
        return _err(404, "Enlace no encontrado", "NoEncontrado")
    return JsonResponse(_link_json(request, p))


@csrf_exempt
def desactivar(request, public_id):
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "No autorizado", "Autenticacion")
    if request.method != "PUT":
        return _err(405, "Método no permitido")
    updated = Payment.objects.filter(merchant=merchant, gateway="wompi", public_id=public_id).update(active=False)
    if not updated:
        return _err(404, "Enlace no encontrado", "NoEncontrado")
    return JsonResponse({"idEnlace": int(public_id), "estaActivo": False})


def transaccion(request, tx_id):
    merchant = _merchant(request)
    if merchant is None:
        return _err(401, "No autorizado", "Autenticacion")
    op = (core.Operation.objects.filter(op_id=tx_id, kind="charge", payment__merchant=merchant,
                                        payment__gateway="wompi").select_related("payment").first())
    if op is None:
        return _err(404, "Transacción no encontrada", "NoEncontrado")
    return JsonResponse(_tx_json(op))


def _tx_json(op):
    # Fields [C W7]; paid only if esReal and esAprobada and monto matches [D W4].
    p = op.payment
    return {"idTransaccion": op.op_id, "esReal": True, "esAprobada": op.ok,
            "codigoAutorizacion": p.authorization_code if op.ok else "", "mensaje": op.message or
            ("Autorizada" if op.ok else "Denegada"), "formaPago": "PagoNormal", "monto": float(op.amount),
            "idExterno": p.reference, "resultadoTransaccion": "ExitosaAprobada" if op.ok else "Fallida",
            "fechaTransaccion": op.created_at.isoformat(), "montoOriginal": float(p.amount)}


# --- the payer's side (called by paysim.pages) -------------------------------------------------

def approved(p, request):
    op = core.record(p, "charge", p.amount, ok=True, message="Autorizada", op_id=core.uuid4())
    p.status, p.captured, p.authorized = "captured", p.amount, p.amount
    p.authorization_code, p.transaction_id, p.active = core.auth_code(), op.op_id, False
    p.save()
    _webhook(p, op)
    return _redirect(p, op)


def declined(p, request):
    op = core.record(p, "charge", p.amount, ok=False, message="Transacción denegada por el emisor", op_id=core.uuid4())
    p.status = "declined"
    p.save(update_fields=["status", "updated_at"])
    _webhook(p, op)
    return _redirect(p, op)


def _webhook(p, op):
    # [D W2] PascalCase body; FechaTransaccion with the -06:00 offset.
    body = {"IdCuenta": p.merchant.client_id, "FechaTransaccion": core.timezone.localtime(op.created_at).isoformat(),
            "Monto": float(op.amount), "ModuloUtilizado": "EnlacePago", "FormaPagoUtilizada": "PagoNormal",
            "IdTransaccion": op.op_id, "ResultadoTransaccion": "ExitosaAprobada" if op.ok else "Fallida",
            "CodigoAutorizacion": p.authorization_code if op.ok else "", "IdIntentoPago": core.uuid4(),
            "Cantidad": 1, "EsProductiva": False,
            "Aplicativo": {"Nombre": "paysim", "Url": "", "Id": p.merchant.client_id},
            "EnlacePago": {"Id": int(p.public_id), "IdentificadorEnlaceComercio": p.reference,
                           "NombreProducto": p.description},
            "cliente": {"Nombre": "Cliente de prueba", "Email": "cliente@example.com"}}
    core.emit(p, body["ResultadoTransaccion"], f"{op.op_id}", core.dumps(body), sign(p.merchant))


def _redirect(p, op):
    if not p.return_url:
        return ""
    # Link redirect hash: HMAC(identificadorEnlaceComercio+idTransaccion+idEnlace+monto) [C W6].
    monto = f"{op.amount:.2f}"
    text = f"{p.reference}{op.op_id}{p.public_id}{monto}"
    digest = hmac.new(p.merchant.client_secret.encode(), text.encode(), hashlib.sha256).hexdigest()
    query = urlencode({"identificadorEnlaceComercio": p.reference, "idTransaccion": op.op_id,
                       "idEnlace": p.public_id, "monto": monto, "hash": digest})
    return f"{p.return_url}{'&' if '?' in p.return_url else '?'}{query}"
