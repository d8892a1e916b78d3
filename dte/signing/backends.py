"""Signing backends. ``inprocess`` (default) signs with the company's key, loaded once per
process; ``service`` speaks MH's own signer protocol (``POST /firmardocumento/``) for issuers who
run MH's firmador. Settings: DTE_SIGNER, DTE_SIGNER_URL."""

import hashlib
import json
import threading

import httpx
from django.conf import settings

from dte.signing import jws
from dte.signing.certificates import CertificateError, load_signing_key


class SigningError(Exception):
    """The document could not be signed; permanent until someone fixes the certificate."""


class InProcessSigner:
    name = "inprocess"

    def __init__(self):
        self._keys = {}
        self._lock = threading.Lock()

    def key_for(self, company):
        if not company.certificate:
            raise SigningError("La empresa no tiene certificado de firma cargado.")
        # Keyed by the certificate's digest: replacing the certificate loads the new key.
        cache_key = (company.pk, hashlib.sha256(company.certificate).hexdigest())
        key = self._keys.get(cache_key)
        if key is None:
            with self._lock:
                key = self._keys.get(cache_key)
                if key is None:
                    try:
                        key = load_signing_key(company.certificate, company.certificate_password or "")
                    except CertificateError as exc:
                        raise SigningError(str(exc)) from exc
                    self._keys = {k: v for k, v in self._keys.items() if k[0] != company.pk}
                    self._keys[cache_key] = key
        return key

    def sign(self, document: dict, *, company) -> str:
        return jws.sign(jws.canonical_payload(document), self.key_for(company).private_key)

    def sign_bytes(self, payload: bytes, *, company) -> str:
        """Sign exactly these bytes (a DTE serialized with exact decimals)."""
        return jws.sign(payload, self.key_for(company).private_key)


class ServiceSigner:
    """MH's firmador: {nit, activo, passwordPri, dteJson} -> {status: OK, body: <JWS>}."""

    name = "service"

    def __init__(self, base_url, timeout=10.0):
        self.url = base_url.rstrip("/") + "/firmardocumento/"
        self.timeout = timeout

    def sign(self, document: dict, *, company) -> str:
        return self.sign_bytes(json.dumps(document, ensure_ascii=False).encode("utf-8"), company=company)

    def sign_bytes(self, payload: bytes, *, company) -> str:
        head = json.dumps({"nit": company.nit, "activo": True, "passwordPri": company.certificate_password or ""})
        body = head[:-1].encode("utf-8") + b', "dteJson": ' + payload + b"}"  # the document's bytes as given
        try:
            response = httpx.post(self.url, content=body, headers={"Content-Type": "application/json"},
                                  timeout=self.timeout)
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SigningError(f"El servicio de firma no respondió correctamente ({type(exc).__name__}).") from exc
        if answer.get("status") == "OK" and isinstance(answer.get("body"), str):
            return answer["body"]
        detail = answer.get("body") if isinstance(answer.get("body"), dict) else {}
        raise SigningError(
            f"El servicio de firma rechazó el documento: {detail.get('codigo', '?')} "
            f"{'; '.join(map(str, detail.get('mensaje') or []))}".strip()
        )


_signer = None
_signer_lock = threading.Lock()


def get_signer():
    global _signer
    wanted = settings.DTE_SIGNER
    if _signer is None or _signer.name != wanted:
        with _signer_lock:
            if wanted == "service":
                _signer = ServiceSigner(settings.DTE_SIGNER_URL)
            elif wanted == "inprocess":
                _signer = InProcessSigner()
            else:
                raise SigningError(f"DTE_SIGNER desconocido: {wanted}")
    return _signer
