"""Shared pieces for the tests that talk to govsim over HTTP."""

import copy
import datetime
import json
import uuid
from pathlib import Path

import httpx
from django.utils import timezone

from dte.signing import jws
from dte.signing.certificates import build_mh_crt, load_signing_key

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "spec" / "samples"
SAMPLE_NIT = "22222222222221"  # the emisor of MH's own CCF example


def register_issuer(govsim_url, *, nit, api_password, password="clave-cert"):
    crt = build_mh_crt(nit=nit, password=password)
    key = load_signing_key(crt, password)
    response = httpx.post(f"{govsim_url}/_govsim/issuers", json={
        "nit": nit, "user": nit, "password": api_password, "public_key_pem": key.public_pem.decode()})
    assert response.status_code == 201, response.text
    return crt, key


def sample_ccf(shared_dir, **ident):
    doc = json.loads((shared_dir / "spec" / "samples" / "mh-manual-funcional-v1.1_ejemplo-ccf-v3_archivo-dte.json").read_text())
    doc.pop("firmaElectronica", None)
    doc.pop("selloRecibido", None)
    doc["identificacion"]["fecEmi"] = timezone.localdate().isoformat()
    doc["identificacion"]["horEmi"] = timezone.localtime().strftime("%H:%M:%S")
    doc["identificacion"]["codigoGeneracion"] = str(uuid.uuid4()).upper()
    doc["identificacion"].update(ident)
    return doc


def envelope(doc, token_jws, **over):
    ident = doc["identificacion"]
    env = {"ambiente": ident["ambiente"], "idEnvio": 1, "version": ident["version"], "tipoDte": ident["tipoDte"],
           "documento": token_jws, "codigoGeneracion": ident["codigoGeneracion"]}
    env.update(over)
    return env


def signed(doc, key):
    return jws.sign(jws.canonical_payload(doc), key.private_key)


def ledger(govsim_url, code):
    return httpx.get(f"{govsim_url}/_govsim/ledger", params={"codigoGeneracion": code}).json()


def fault(govsim_url, **spec):
    response = httpx.post(f"{govsim_url}/_govsim/faults", json=spec)
    assert response.status_code == 201, response.text


def clear_faults(govsim_url):
    httpx.delete(f"{govsim_url}/_govsim/faults")


def contingency_event(*, nit, codes, start, end, tipo=1):
    now = timezone.localtime()
    return {
        "identificacion": {"version": 3, "ambiente": "00", "codigoGeneracion": str(uuid.uuid4()).upper(),
                           "fTransmision": now.date().isoformat(), "hTransmision": now.strftime("%H:%M:%S")},
        "emisor": {"nit": nit, "nombre": "SALVADOR CABALITO", "nombreResponsable": "Responsable de Prueba",
                   "tipoDocResponsable": "13", "numeroDocResponsable": "00016297-5", "tipoEstablecimiento": "02",
                   "codEstableMH": None, "codPuntoVenta": None, "telefono": "78963333", "correo": "salvador@ggg.com"},
        "detalleDTE": [{"noItem": i + 1, "codigoGeneracion": c, "tipoDoc": t} for i, (c, t) in enumerate(codes)],
        "motivo": {"fInicio": start.date().isoformat(), "fFin": end.date().isoformat(),
                   "hInicio": start.strftime("%H:%M:%S"), "hFin": end.strftime("%H:%M:%S"),
                   "tipoContingencia": tipo, "motivoContingencia": None},
    }


def invalidation_event(*, sealed_doc, sello, tipo=2, replacement=None):
    now = timezone.localtime()
    ident, emisor, receptor = sealed_doc["identificacion"], sealed_doc["emisor"], sealed_doc["receptor"]
    return {
        "identificacion": {"version": 2, "ambiente": "00", "codigoGeneracion": str(uuid.uuid4()).upper(),
                           "fecAnula": now.date().isoformat(), "horAnula": now.strftime("%H:%M:%S")},
        "emisor": {"nit": emisor["nit"], "nombre": emisor["nombre"], "tipoEstablecimiento": emisor["tipoEstablecimiento"],
                   "nomEstablecimiento": "Casa matriz", "codEstableMH": None, "codEstable": None,
                   "codPuntoVentaMH": None, "codPuntoVenta": None, "telefono": emisor["telefono"], "correo": emisor["correo"]},
        "documento": {"tipoDte": ident["tipoDte"], "codigoGeneracion": ident["codigoGeneracion"], "selloRecibido": sello,
                      "numeroControl": ident["numeroControl"], "fecEmi": ident["fecEmi"],
                      "montoIva": sealed_doc["resumen"]["tributos"][0]["valor"], "codigoGeneracionR": replacement,
                      "tipoDocumento": "36", "numDocumento": receptor["nit"], "nombre": receptor["nombre"],
                      "telefono": receptor["telefono"], "correo": receptor["correo"]},
        "motivo": {"tipoAnulacion": tipo, "motivoAnulacion": "Prueba de invalidación",
                   "nombreResponsable": "Responsable de Prueba", "tipDocResponsable": "13", "numDocResponsable": "00016297-5",
                   "nombreSolicita": "Cliente de Prueba", "tipDocSolicita": "13", "numDocSolicita": "00016297-5"},
    }


def deep(doc):
    return copy.deepcopy(doc)


def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


def until(check, what, timeout=60, every=0.25):
    """Poll ``check`` until it returns something truthy (a worker's or govsim's work done)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"no ocurrió a tiempo: {what}")
