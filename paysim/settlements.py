"""Settlement reports: what each simulated gateway pays a merchant on a payout date — every
captured charge and every refund of the transaction day it covers, each with its gross, fee and
net, and the totals — in each gateway's format.

What is documented and what is not (payments-facts.md §3, §6, §8; the codes are its sources list):

- PayPal [D P10 https://developer.paypal.com/docs/reports/sftp-reports/settlement-report/ and
  https://developer.paypal.com/reports/settlement.md]: the daily Settlement Report is a CSV placed
  on PayPal's SFTP server (``/ppreports/outgoing``), named ``STL-yyyymmdd.<window>.<seq>.<version>.CSV``;
  rows start with a record type (RH report header, FH file header, SH section header, CH column
  header, SB section body, SF/SC section footer/count, RF/RC report footer/count, FF file footer);
  money fields are UNSIGNED MINOR UNITS (``$100.00`` is ``10000``) read with their debit/credit
  column (CR/DR); every transaction row carries a T-code [D https://developer.paypal.com/reports/reference/t-codes.md]
  (T0006 Express Checkout payment, T1107 payment refund), the Transaction ID and the Invoice ID and
  Custom Field the merchant sent (``custom_id`` "appears in transaction and settlement reports",
  PayPal SDK docs for PurchaseUnit.customId). The columns below follow that layout; the exact
  column list of the current version was not re-checked field by field [G]. paysim serves the
  file over HTTP at ``/paypal/ppreports/outgoing/<file>`` with Basic client_id:secret instead of
  SFTP [G: transport only].
- Wompi SV: NO settlement or fee report is public (facts §8). paysim answers
  ``GET /wompi/Liquidacion?fechaPago=yyyy-mm-dd`` with a JSON in the style of Wompi's API
  (Spanish camelCase, ``idTransaccion``, ``identificadorEnlaceComercio``, amounts as numbers) [G].
- n1co: NO settlement report is public (facts §8). paysim answers
  ``GET /n1co/api/v3/Settlements?payoutDate=yyyy-mm-dd`` in the style of n1co's v3 API (English
  camelCase, ``orderId``, ``chargeId``) [G].

Fees and payout lag are paysim's own [G], chosen so tests can compute them by hand:
Wompi 3.00 % + $0.00, n1co 3.50 % + $0.25, PayPal 5.40 % + $0.30 per captured charge, rounded
half up to the cent; refunds carry no fee (none is given back) [G]. Wompi Colombia (a sister
product, not SV's) deducts its commission — a percentage plus a fixed fee plus IVA on both — from
the settlement [P https://raw.githubusercontent.com/api-evangelist/wompi/refs/heads/main/finops/wompi-finops.yml];
paysim's fee is that whole deduction in one figure. Searched and not found (Dec 2026): any Wompi
SV or n1co settlement/transactions export layout (payments-facts §8). Payout date = transaction day
+ 2 days (Wompi, n1co; cf. Pagadito's 5 business days, facts §4) or + 1 (PayPal's daily report) [G].

Faults (tests): ``settlement_missing`` drops the report's last line, ``settlement_extra`` adds a
charge paysim never made, ``settlement_amount`` reports the first line's gross $1.00 short (its
fee and net follow) — each once per report while active."""

import base64
import csv
import datetime
import hmac
import io
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from paysim import core, faults
from paysim.models import Merchant, Operation

CENT = Decimal("0.01")
SV = zoneinfo.ZoneInfo("America/El_Salvador")
FEES = {
    "wompi": (Decimal("0.0300"), Decimal("0.00")),
    "n1co": (Decimal("0.0350"), Decimal("0.25")),
    "paypal": (Decimal("0.0540"), Decimal("0.30")),
}
LAG_DAYS = {"wompi": 2, "n1co": 2, "paypal": 1}


def fee_of(gateway, gross):
    rate, fixed = FEES[gateway]
    return (gross * rate + fixed).quantize(CENT, rounding=ROUND_HALF_UP)


def lines_for(merchant, payout_date):
    """The report's lines: dicts with kind (charge/refund), ids, gross, fee, net, at — after faults."""
    day = payout_date - datetime.timedelta(days=LAG_DAYS[merchant.gateway])
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=SV)
    ops = (
        Operation.objects.filter(
            payment__merchant=merchant,
            ok=True,
            kind__in=["charge", "capture", "refund"],
            created_at__gte=start,
            created_at__lt=start + datetime.timedelta(days=1),
        )
        .select_related("payment")
        .order_by("id")
    )
    lines = []
    for op in ops:
        p = op.payment
        gross = op.amount
        kind = "refund" if op.kind == "refund" else "charge"
        lines.append(
            {
                "kind": kind,
                "op_id": op.op_id,
                "parent": op.parent,
                "payment_id": p.public_id,
                "reference": p.reference,
                "order_id": p.order_id,
                "authorization_code": p.authorization_code,
                "transaction_id": p.transaction_id,
                "gross": gross,
                "at": op.created_at,
            }
        )
    if lines and faults.take("settlement_missing", merchant.gateway):
        lines.pop()
    if faults.take("settlement_extra", merchant.gateway):
        lines.append(
            {
                "kind": "charge",
                "op_id": core.new_id("XTR-", 16),
                "parent": "",
                "payment_id": core.new_id("X", 12),
                "reference": core.new_id("ajeno-", 8),
                "order_id": "",
                "authorization_code": core.auth_code(),
                "transaction_id": core.uuid4(),
                "gross": Decimal("42.00"),
                "at": start + datetime.timedelta(hours=12),
            }
        )
    if lines and faults.take("settlement_amount", merchant.gateway):
        lines[0]["gross"] -= Decimal("1.00")
    for line in lines:
        line["fee"] = fee_of(merchant.gateway, line["gross"]) if line["kind"] == "charge" else Decimal("0.00")
        line["net"] = line["gross"] - line["fee"] if line["kind"] == "charge" else -line["gross"]
    return day, lines


def _totals(lines):
    gross = sum((ln["gross"] if ln["kind"] == "charge" else -ln["gross"] for ln in lines), Decimal("0.00"))
    fee = sum((ln["fee"] for ln in lines), Decimal("0.00"))
    return gross, fee, gross - fee


def _date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


def _batch(merchant, payout_date):
    return f"{merchant.gateway.upper()}-{merchant.pk}-{payout_date:%Y%m%d}"


def _local(at):
    return timezone.localtime(at, SV)


# --- Wompi [G] ------------------------------------------------------------------------------------


def wompi(request):
    merchant = core.merchant_from_request(request, "wompi")
    if merchant is None:
        return JsonResponse({"servicioError": True, "mensajes": ["No autorizado"], "subTipoError": "Autenticacion"}, status=401)
    payout = _date(request.GET.get("fechaPago"))
    if payout is None:
        return JsonResponse({"servicioError": True, "mensajes": ["fechaPago inválida"], "subTipoError": "Validacion"}, status=400)
    day, lines = lines_for(merchant, payout)
    gross, fee, net = _totals(lines)
    return JsonResponse(
        {
            "idLiquidacion": _batch(merchant, payout),
            "fechaPago": payout.isoformat(),
            "fechaInicio": day.isoformat(),
            "fechaFin": day.isoformat(),
            "moneda": "USD",
            "montoBruto": float(gross),
            "montoComision": float(fee),
            "montoNeto": float(net),
            "transacciones": [
                {
                    "tipo": "Compra" if ln["kind"] == "charge" else "Devolucion",
                    "idTransaccion": ln["op_id"],
                    "idEnlace": ln["payment_id"],
                    "identificadorEnlaceComercio": ln["reference"],
                    "codigoAutorizacion": ln["authorization_code"],
                    "fechaTransaccion": _local(ln["at"]).isoformat(),
                    "montoBruto": float(ln["gross"]),
                    "comision": float(ln["fee"]),
                    "montoNeto": float(ln["net"]),
                }
                for ln in lines
            ],
        }
    )


# --- n1co [G] -------------------------------------------------------------------------------------


def n1co(request):
    merchant = core.merchant_from_request(request, "n1co")
    if merchant is None:
        return JsonResponse({"success": False, "message": "Unauthorized"}, status=401)
    payout = _date(request.GET.get("payoutDate"))
    if payout is None:
        return JsonResponse({"success": False, "message": "payoutDate is required (yyyy-mm-dd)"}, status=400)
    day, lines = lines_for(merchant, payout)
    gross, fee, net = _totals(lines)
    return JsonResponse(
        {
            "settlementId": _batch(merchant, payout),
            "payoutDate": payout.isoformat(),
            "periodStart": day.isoformat(),
            "periodEnd": day.isoformat(),
            "currency": "USD",
            "grossAmount": float(gross),
            "feeAmount": float(fee),
            "netAmount": float(net),
            "transactions": [
                {
                    "type": "CHARGE" if ln["kind"] == "charge" else "REFUND",
                    "chargeId": ln["op_id"],
                    "orderId": ln["order_id"] or ln["payment_id"],
                    "orderReference": ln["reference"],
                    "authorizationCode": ln["authorization_code"],
                    "createdAt": _local(ln["at"]).isoformat(),
                    "grossAmount": float(ln["gross"]),
                    "feeAmount": float(ln["fee"]),
                    "netAmount": float(ln["net"]),
                }
                for ln in lines
            ],
        }
    )


# --- PayPal Settlement Report (STL) [D P10] -------------------------------------------------------

STL_COLUMNS = [
    "Transaction ID",
    "Invoice ID",
    "PayPal Reference ID",
    "PayPal Reference ID Type",
    "Transaction Event Code",
    "Transaction Initiation Date",
    "Transaction Completion Date",
    "Transaction Debit or Credit",
    "Gross Transaction Amount",
    "Gross Transaction Currency",
    "Fee Debit or Credit",
    "Fee Amount",
    "Fee Currency",
    "Custom Field",
    "Consumer ID",
    "Payment Tracking ID",
    "Store ID",
]


def _minor(amount):
    return str(int((abs(amount) * 100).quantize(Decimal(1))))


def paypal_stl(merchant, payout):
    day, lines = lines_for(merchant, payout)
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    # generated once per payout date (the file does not change when fetched again)
    stamp = f"{payout:%Y/%m/%d} 06:00:00 -0600"
    w.writerow(["RH", stamp, "A", merchant.client_id, 9])
    w.writerow(["FH", 1])
    w.writerow(["SH", f"{day:%Y/%m/%d} 00:00:00 -0600", f"{day:%Y/%m/%d} 23:59:59 -0600", merchant.client_id, ""])
    w.writerow(["CH", *STL_COLUMNS])
    credits = debits = Decimal(0)
    for ln in lines:
        charge = ln["kind"] == "charge"
        at = f"{_local(ln['at']):%Y/%m/%d %H:%M:%S %z}"
        if charge:
            credits += ln["gross"]
        else:
            debits += ln["gross"]
        debits += ln["fee"]
        w.writerow(
            [
                "SB",
                ln["op_id"],
                ln["reference"],
                ln["parent"] or ln["payment_id"],
                "TXN" if ln["parent"] else "ODR",
                "T0006" if charge else "T1107",
                at,
                at,
                "CR" if charge else "DR",
                _minor(ln["gross"]),
                "USD",
                "DR" if charge else "CR",
                _minor(ln["fee"]),
                "USD",
                ln["reference"],
                "",
                "",
                "",
            ]
        )
    w.writerow(["SF", "USD", "CR", _minor(credits), "DR", _minor(debits)])
    w.writerow(["SC", len(lines)])
    w.writerow(["RF", "USD", "CR", _minor(credits), "DR", _minor(debits)])
    w.writerow(["RC", len(lines)])
    w.writerow(["FF", len(lines)])
    return out.getvalue()


def paypal(request, name):
    """GET /paypal/ppreports/outgoing/STL-yyyymmdd.A.01.009.CSV (Basic client_id:secret) [G: SFTP in PayPal]."""
    auth = request.headers.get("Authorization", "")
    merchant = None
    if auth.startswith("Basic "):
        try:
            cid, _sep, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            cid = secret = ""
        found = Merchant.objects.filter(gateway="paypal", client_id=cid).first()
        if found is not None and hmac.compare_digest(found.client_secret, secret):
            merchant = found
    if merchant is None:
        return HttpResponse("Unauthorized", status=401, content_type="text/plain")
    if not name.startswith("STL-") or len(name) < 12:
        return HttpResponse("Not Found", status=404, content_type="text/plain")
    try:
        payout = datetime.datetime.strptime(name[4:12], "%Y%m%d").date()
    except ValueError:
        return HttpResponse("Not Found", status=404, content_type="text/plain")
    return HttpResponse(paypal_stl(merchant, payout).encode(), content_type="text/csv; charset=utf-8")
