"""MH's side of JWS: verify an RS512 compact JWS against a registered public key.
Written separately from the project's signer on purpose, so each can catch the other's bugs."""

import base64
import json
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


class BadJWS(Exception):
    pass


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@lru_cache(maxsize=256)
def public_key(pem: str):
    return serialization.load_pem_public_key(pem.encode())


def parse(token):
    if not isinstance(token, str):
        raise BadJWS("documento no es texto")
    parts = token.split(".")
    if len(parts) != 3:
        raise BadJWS("documento no es un JWS compacto")
    try:
        header = json.loads(_unb64(parts[0]))
        payload = json.loads(_unb64(parts[1]).decode("utf-8"))
        signature = _unb64(parts[2])
    except ValueError as exc:
        raise BadJWS("JWS ilegible") from exc
    if header != {"alg": "RS512"}:
        raise BadJWS("encabezado JWS distinto de {\"alg\":\"RS512\"}")
    return payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature


def verify(token, pem):
    payload, signed, signature = parse(token)
    try:
        public_key(pem).verify(signature, signed, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature as exc:
        raise BadJWS("firma invalida") from exc
    return payload
