"""MH's signing service (svfe-api-firmador) protocol, for issuers who run it: certificates are
``<NIT>.crt`` files in a folder (GOVSIM_FIRMADOR_DIR); ``POST /firmardocumento/`` with
{nit, activo, passwordPri, dteJson} answers {status: OK, body: <JWS>} or an error with MH's
signer codes (facts §4). Independent of the project's own signer."""

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from defusedxml import ElementTree
from django.conf import settings
from django.http import HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


_HEADER = base64.urlsafe_b64encode(b'{"alg":"RS512"}').rstrip(b"=").decode()


def _error(codigo, mensaje, status=400):
    return JsonResponse({"status": "ERROR", "body": {"codigo": codigo, "mensaje": [mensaje]}}, status=status)


@csrf_exempt
def firmar(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        body = json.loads(request.body)
        nit, password, dte = body["nit"], body["passwordPri"], body["dteJson"]
    except (ValueError, KeyError, TypeError):
        return _error("809", "Datos requeridos: nit, passwordPri, dteJson")
    if not body.get("activo", True):
        return _error("801", "No existe certificado activo")
    folder = Path(os.environ.get("GOVSIM_FIRMADOR_DIR") or settings.VAR_DIR / "firmador")
    path = folder / f"{nit}.crt"
    if not nit.isdigit() or not path.is_file():
        return _error("812", f"No se encontró el certificado {nit}.crt")
    root = ElementTree.fromstring(path.read_bytes())
    expected = (root.findtext("privateKey/clave") or "").strip().lower()
    if not hmac.compare_digest(expected, hashlib.sha512(password.encode()).hexdigest()):
        return _error("802", "Contraseña de la llave privada no válida")
    key = serialization.load_der_private_key(base64.b64decode(root.findtext("privateKey/encodied")), password=None)
    payload = json.dumps(dte, ensure_ascii=False, separators=(",", ":")).encode()
    signing_input = f"{_HEADER}.{_b64(payload)}".encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA512())
    return JsonResponse({"status": "OK", "body": f"{signing_input.decode()}.{_b64(signature)}"})
