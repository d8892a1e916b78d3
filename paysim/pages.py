"""The payer's side: the hosted payment pages (Wompi's and n1co's payment links, PayPal's approve
page), the 3-D Secure challenge, and the same actions as JSON for tests (/_paysim/pay).

A card number typed here is the gateway's business, not the merchant's: paysim turns it into a
behaviour (core.TEST_CARDS) and keeps the last four digits."""

from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt

from paysim import core, n1co, paypal, wompi
from paysim.models import Payment

MODULES = {"wompi": wompi, "n1co": n1co, "paypal": paypal}
NAMES = {"wompi": "Wompi", "n1co": "n1co", "paypal": "PayPal"}


def attempt(request, p, pan=None, three_ds=None):
    """One try at paying ``p``: (outcome, redirect URL). outcome: approved, declined, challenge,
    paid (already), inactive. ``three_ds`` "pass"/"fail" answers a pending challenge."""
    mod = MODULES[p.gateway]
    with transaction.atomic():
        p = Payment.objects.select_for_update().get(pk=p.pk)
        if p.captured > 0 or p.status in ("approved", "authorized", "captured", "refunded"):
            return "paid", ""
        if not p.active or p.status in ("voided", "expired"):
            return "inactive", ""
        if pan:
            p.card_last4 = core.last4(pan)
            p.request = {**p.request, "behaviour": core.card_behaviour(pan)}
            p.save()
        if p.status == "challenge" and three_ds is not None:
            if three_ds != "pass":
                p.status = "created" if p.kind != "charge" else "declined"
                p.save()
                return "declined", mod.declined(p, request) or ""
            p.three_ds_done = True
            p.save()
        behaviour = p.request.get("behaviour", "approve")
        if p.gateway == "paypal":
            # PayPal: the issuer's answer comes when the merchant authorizes/captures (paypal.order_action).
            outcome = "challenge" if p.status == "challenge" and not p.three_ds_done else "approve"
        elif p.status == "challenge" and not p.three_ds_done:
            outcome = "challenge"
        else:
            outcome = core.decide(p.gateway, behaviour, p.three_ds_done)
        if outcome == "challenge":
            p.status = "challenge"
            p.three_ds_id = p.three_ds_id or core.new_id("3DS", 16)
            p.save()
            return "challenge", ""
        if outcome == "decline":
            return "declined", mod.declined(p, request) or ""
        return "approved", mod.approved(p, request) or ""


def _page(title, body):
    html = f"""<!doctype html><html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:1.5rem auto;padding:0 1rem;color:#222}}
h1{{font-size:1.3rem}} .monto{{font-size:2rem;font-weight:700;margin:.5rem 0 1rem}}
label{{display:block;margin:.6rem 0 .2rem}} input{{width:100%;padding:.6rem;font-size:1rem;box-sizing:border-box}}
button{{width:100%;padding:.8rem;margin-top:1rem;font-size:1.05rem;background:#0b5;color:#fff;border:0;border-radius:.4rem}}
button.sec{{background:#888}} .nota{{color:#666;font-size:.85rem}}</style></head>
<body><p class="nota">paysim · simulador de pasarela (no es un cobro real)</p><h1>{escape(title)}</h1>{body}</body></html>"""
    return HttpResponse(html)


def _form(p, message=""):
    fields = ('<label for="tarjeta">Número de tarjeta</label>'
              '<input id="tarjeta" name="tarjeta" inputmode="numeric" autocomplete="cc-number" value="4000056655665556">'
              '<label for="cvv">CVV</label><input id="cvv" name="cvv" inputmode="numeric" value="123">')
    return _page(f"Pagar con {NAMES[p.gateway]}", f"""<p>{escape(p.description)}</p>
<div class="monto">$ {p.amount:,.2f}</div>{f'<p role="alert">{escape(message)}</p>' if message else ''}
<form method="post">{fields}<button type="submit" name="accion" value="pagar">Pagar $ {p.amount:,.2f}</button></form>""")


def _challenge(p):
    return _page("Verificación 3-D Secure", f"""<p>Su banco pide confirmar el pago de <b style="white-space:nowrap">$ {p.amount:,.2f}</b>.</p>
<form method="post"><button type="submit" name="accion" value="3ds_ok">Autenticar</button>
<button class="sec" type="submit" name="accion" value="3ds_fallo">Cancelar</button></form>""")


def _hosted(request, p):
    if request.method == "POST":
        action = request.POST.get("accion", "pagar")
        three_ds = {"3ds_ok": "pass", "3ds_fallo": "fail"}.get(action)
        outcome, url = attempt(request, p, pan=request.POST.get("tarjeta") if action == "pagar" else None, three_ds=three_ds)
        if outcome == "challenge":
            return _challenge(p)
        if url:
            return HttpResponseRedirect(url)
        if outcome == "declined":
            return _form(p, "El pago fue rechazado. Pruebe con otra tarjeta.")
        return _page("Pago recibido" if outcome in ("approved", "paid") else "Enlace no disponible",
                     "<p>Puede cerrar esta ventana.</p>")
    if p.captured > 0 or p.status in ("approved", "authorized", "captured", "refunded"):
        return _page("Este enlace ya fue pagado", "<p>No se puede pagar dos veces.</p>")
    if not p.active or p.status in ("voided", "expired"):
        return _page("Enlace no disponible", "<p>El comercio desactivó este enlace.</p>")
    if p.status == "challenge" and not p.three_ds_done:
        return _challenge(p)
    return _form(p)


@csrf_exempt
def wompi_page(request, public_id):
    p = Payment.objects.filter(gateway="wompi", kind="link", public_id=public_id).first()
    if p is None:
        raise Http404
    return _hosted(request, p)


@csrf_exempt
def n1co_page(request, code):
    p = Payment.objects.filter(gateway="n1co", kind="link", public_id=code).first()
    if p is None:
        raise Http404
    return _hosted(request, p)


@csrf_exempt
def paypal_page(request):
    p = Payment.objects.filter(gateway="paypal", public_id=request.GET.get("token", "")).first()
    if p is None:
        raise Http404
    return _hosted(request, p)


@csrf_exempt
def n1co_3ds(request, three_ds_id):
    """n1co's 3-D Secure page for a charge (shown in an iframe; it tells the parent by postMessage [D N3])."""
    p = Payment.objects.filter(gateway="n1co", kind="charge", three_ds_id=three_ds_id).first()
    if p is None:
        raise Http404
    if request.method == "POST":
        ok = request.POST.get("accion") == "3ds_ok"
        n1co.authenticated(p, ok)
        return _page("Verificación terminada", f"""<p>{'Autenticado' if ok else 'No autenticado'}.</p>
<script>window.parent&&window.parent.postMessage({{"type":"authentication.{'complete' if ok else 'failed'}","authenticationId":"{escape(three_ds_id)}"}},"*")</script>""")
    return _challenge(p)
