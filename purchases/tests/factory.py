"""Received DTEs for the tests, built from MH's own CCF v3 example (Manual funcional 1.1) with
the amounts each test states; the signature is a JWS of the right form (its payload the
document) with a dummy signature part: a receptor cannot verify the issuer's key anyway."""

import base64
import copy
import json
import os
import uuid
from decimal import Decimal
from pathlib import Path

SHARED_DIR = Path(os.environ.get("SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
SAMPLE = "mh-manual-funcional-v1.1_ejemplo-ccf-v3_archivo-dte.json"
COMPANY_NIT, COMPANY_NRC = "06140507071048", "1234567"
PROVIDER_NIT, PROVIDER_NRC = "06141506851019", "3456789"  # dte.tests.conftest parties["provider"]


def _sample():
    return json.loads((SHARED_DIR / "spec" / "samples" / SAMPLE).read_text(encoding="utf-8"))


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _n(value):
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def ccf(lines, *, number=1, day="2026-11-10", supplier=(PROVIDER_NIT, PROVIDER_NRC, "Repuestos del Norte, S.A."),
        receptor=(COMPANY_NIT, COMPANY_NRC), iva=None, sign=True, codigo=None, perception="0"):
    """``lines``: (gravada, exenta) pairs as strings. IVA 13 % of the gravada sum unless given."""
    doc = _sample()
    doc.pop("firmaElectronica"), doc.pop("selloRecibido")
    ident = doc["identificacion"]
    ident["codigoGeneracion"] = codigo or str(uuid.uuid4()).upper()
    ident["numeroControl"] = f"DTE-03-M001P001-{number:015d}"
    ident["fecEmi"] = day
    doc["emisor"].update(nit=supplier[0], nrc=supplier[1], nombre=supplier[2])
    doc["receptor"].update(nit=receptor[0], nrc=receptor[1])
    template = doc["cuerpoDocumento"][0]
    items, gravada, exenta = [], Decimal("0"), Decimal("0")
    for i, (g, e) in enumerate(lines, start=1):
        g, e = Decimal(g), Decimal(e)
        item = copy.deepcopy(template)
        item.update(numItem=i, precioUni=_n(g + e), ventaGravada=_n(g), ventaExenta=_n(e),
                    tributos=["20"] if g else None)
        items.append(item)
        gravada += g
        exenta += e
    doc["cuerpoDocumento"] = items
    tax = Decimal(iva) if iva is not None else (gravada * Decimal("0.13")).quantize(Decimal("0.01"))
    r = doc["resumen"]
    r.update(totalGravada=_n(gravada), totalExenta=_n(exenta), subTotalVentas=_n(gravada + exenta), subTotal=_n(gravada + exenta),
             montoTotalOperacion=_n(gravada + exenta + tax), totalPagar=_n(gravada + exenta + tax))
    r["tributos"][0]["valor"] = _n(tax)
    r["ivaPerci1"] = _n(perception)
    r["totalPagar"] = _n(gravada + exenta + tax + Decimal(perception))
    r["pagos"][0]["montoPago"] = _n(gravada + exenta + tax)
    if sign:
        payload = json.dumps(doc, ensure_ascii=False).encode()
        doc["firmaElectronica"] = ".".join([_b64(b'{"alg":"RS512"}'), _b64(payload), _b64(b"firma")])
        doc["selloRecibido"] = "2026" + "A" * 36
    return doc


def as_file(doc):
    return json.dumps(doc, ensure_ascii=False).encode()
