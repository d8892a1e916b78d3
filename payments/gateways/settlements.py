"""The three gateways' settlement report formats, read into base.SettlementReport (issue 21,
"Gateway settlements"). Sources and guesses are the simulator's (paysim/settlements.py):
PayPal's daily Settlement Report (STL) is documented [D payments-facts P10
https://developer.paypal.com/docs/reports/sftp-reports/settlement-report/]; Wompi and n1co
publish no settlement report (facts §8), so their JSON shapes are paysim's [G] and must be
checked against the real exports before production. Amounts are Decimal dollars."""

import csv
import datetime
import io
import json
from decimal import Decimal, InvalidOperation

from payments.gateways.base import GatewayError, SettlementItem, SettlementReport, money


def _date(value, what):
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise GatewayError(f"Fecha inválida en {what}: {value!r}") from None


def _json(content):
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise GatewayError("El archivo no es un JSON legible.") from None
    if not isinstance(data, dict):
        raise GatewayError("El archivo no es un reporte de liquidación.")
    return data


def _money(value, what):
    try:
        return money(value)
    except (InvalidOperation, TypeError, ValueError):
        raise GatewayError(f"Monto inválido en {what}: {value!r}") from None


def wompi(content, file_name=""):
    """Wompi [G]: {idLiquidacion, fechaPago, fechaInicio, fechaFin, montoBruto, montoComision,
    montoNeto, transacciones[{tipo Compra|Devolucion, idTransaccion, idEnlace,
    identificadorEnlaceComercio, fechaTransaccion, montoBruto, comision, montoNeto}]}."""
    d = _json(content)
    if "idLiquidacion" not in d or not isinstance(d.get("transacciones"), list):
        raise GatewayError("No es una liquidación de Wompi (faltan idLiquidacion o transacciones).")
    items = []
    for i, t in enumerate(d["transacciones"], 1):
        kind = "refund" if str(t.get("tipo", "")).lower().startswith("devol") else "charge"
        gross, fee = _money(t.get("montoBruto"), f"la línea {i}"), _money(t.get("comision", 0), f"la línea {i}")
        items.append(
            SettlementItem(
                kind=kind,
                transaction_id=str(t.get("idTransaccion") or ""),
                gross=gross,
                fee=fee,
                net=_money(t.get("montoNeto"), f"la línea {i}"),
                keys=tuple(str(t[k]) for k in ("idTransaccion", "idEnlace", "identificadorEnlaceComercio") if t.get(k)),
                reference=str(t.get("identificadorEnlaceComercio") or ""),
                occurred_at=str(t.get("fechaTransaccion") or ""),
            )
        )
    return SettlementReport(
        batch_id=str(d["idLiquidacion"]),
        payout_date=_date(d.get("fechaPago"), "fechaPago"),
        period_start=_date(d.get("fechaInicio"), "fechaInicio"),
        period_end=_date(d.get("fechaFin"), "fechaFin"),
        currency=str(d.get("moneda") or "USD"),
        gross=_money(d.get("montoBruto"), "montoBruto"),
        fee=_money(d.get("montoComision"), "montoComision"),
        net=_money(d.get("montoNeto"), "montoNeto"),
        items=tuple(items),
        content=content,
        file_name=file_name,
    )


def n1co(content, file_name=""):
    """n1co [G]: {settlementId, payoutDate, periodStart, periodEnd, currency, grossAmount,
    feeAmount, netAmount, transactions[{type CHARGE|REFUND, chargeId, orderId, orderReference,
    createdAt, grossAmount, feeAmount, netAmount}]}."""
    d = _json(content)
    if "settlementId" not in d or not isinstance(d.get("transactions"), list):
        raise GatewayError("No es una liquidación de n1co (faltan settlementId o transactions).")
    items = []
    for i, t in enumerate(d["transactions"], 1):
        kind = "refund" if str(t.get("type", "")).upper() == "REFUND" else "charge"
        items.append(
            SettlementItem(
                kind=kind,
                transaction_id=str(t.get("chargeId") or ""),
                gross=_money(t.get("grossAmount"), f"la línea {i}"),
                fee=_money(t.get("feeAmount", 0), f"la línea {i}"),
                net=_money(t.get("netAmount"), f"la línea {i}"),
                keys=tuple(str(t[k]) for k in ("chargeId", "orderId", "orderReference") if t.get(k)),
                reference=str(t.get("orderReference") or ""),
                occurred_at=str(t.get("createdAt") or ""),
            )
        )
    return SettlementReport(
        batch_id=str(d["settlementId"]),
        payout_date=_date(d.get("payoutDate"), "payoutDate"),
        period_start=_date(d.get("periodStart"), "periodStart"),
        period_end=_date(d.get("periodEnd"), "periodEnd"),
        currency=str(d.get("currency") or "USD"),
        gross=_money(d.get("grossAmount"), "grossAmount"),
        fee=_money(d.get("feeAmount"), "feeAmount"),
        net=_money(d.get("netAmount"), "netAmount"),
        items=tuple(items),
        content=content,
        file_name=file_name,
    )


def _minor(value, what):
    """PayPal STL money: unsigned minor units, no punctuation ("10000" is $100.00) [D P10]."""
    text = str(value).strip()
    if not text.isdigit():
        raise GatewayError(f"Monto inválido en {what}: {value!r}")
    return (Decimal(int(text)) / 100).quantize(Decimal("0.01"))


def paypal(content, file_name=""):
    """PayPal Settlement Report CSV [D P10]: record types RH/FH/SH/CH/SB/SF/SC/RF/RC/FF; the CH row
    names the SB columns (read by name, never by position: PayPal adds columns between versions);
    T1107 (payment refund) and other debits of the gross are refunds, credits are charges."""
    try:
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error):
        raise GatewayError("El archivo no es un CSV de PayPal legible.") from None
    header, items, section = None, [], None
    for n, row in enumerate(rows, 1):
        if not row:
            continue
        kind = row[0].strip().strip('"')
        if kind == "SH":
            section = row
        elif kind == "CH":
            header = {name.strip(): i for i, name in enumerate(row)}
        elif kind == "SB":
            if header is None:
                raise GatewayError(f"Fila {n}: línea SB antes de los encabezados CH.")

            def col(name, row=row, header=header):
                i = header.get(name)
                return row[i].strip() if i is not None and i < len(row) else ""

            debit = col("Transaction Debit or Credit") == "DR"
            gross = _minor(col("Gross Transaction Amount"), f"la fila {n}")
            fee = _minor(col("Fee Amount") or "0", f"la fila {n}")
            fee_signed = -fee if col("Fee Debit or Credit") == "DR" else fee
            kind_ = "refund" if debit or col("Transaction Event Code").startswith("T11") else "charge"
            net = (-gross if kind_ == "refund" else gross) + fee_signed
            ref = col("Custom Field") or col("Invoice ID")
            keys = tuple(
                k for k in (col("Transaction ID"), col("PayPal Reference ID"), col("Invoice ID"), col("Custom Field")) if k
            )
            items.append(
                SettlementItem(
                    kind=kind_,
                    transaction_id=col("Transaction ID"),
                    gross=gross,
                    fee=fee,
                    net=net,
                    keys=keys,
                    reference=ref,
                    occurred_at=col("Transaction Completion Date"),
                )
            )
    if header is None or section is None:
        raise GatewayError("No es un reporte de liquidación de PayPal (faltan las filas SH y CH).")
    day = datetime.datetime.strptime(section[1].strip()[:10], "%Y/%m/%d").date()
    payout = day + datetime.timedelta(days=1)
    if file_name.startswith("STL-") and len(file_name) >= 12:
        try:
            payout = datetime.datetime.strptime(file_name[4:12], "%Y%m%d").date()
        except ValueError:
            pass
    gross = sum((i.gross if i.kind == "charge" else -i.gross for i in items), Decimal("0.00"))
    fee = sum((i.fee for i in items), Decimal("0.00"))
    account = rows[0][3] if rows and len(rows[0]) > 3 else ""
    return SettlementReport(
        batch_id=f"STL-{account}-{payout:%Y%m%d}",
        payout_date=payout,
        period_start=day,
        period_end=day,
        currency="USD",
        gross=gross,
        fee=fee,
        net=gross - fee,
        items=tuple(items),
        content=content,
        file_name=file_name,
    )
