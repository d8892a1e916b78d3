"""JWS compact serialisation with RS512, written for MH's profile: the protected header is
exactly {"alg":"RS512"} (no typ, no kid) and the payload is the DTE JSON bytes as sent."""

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

HEADER = b'{"alg":"RS512"}'


class JWSError(ValueError):
    pass


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise JWSError("base64url inválido") from exc


_HEADER_B64 = b64url(HEADER)


def canonical_payload(document: dict) -> bytes:
    """The bytes we sign: compact UTF-8 JSON. Any form is valid as long as the signature
    covers exactly the bytes sent (facts §4); compact keeps requests small."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(payload: bytes, private_key) -> str:
    signing_input = f"{_HEADER_B64}.{b64url(payload)}"
    signature = private_key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA512())
    return f"{signing_input}.{b64url(signature)}"


def split(token: str):
    """(header dict, payload bytes, signing input, signature) — without checking the signature."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise JWSError("no es un JWS compacto (tres partes separadas por punto)")
    h, p, s = token.split(".")
    try:
        header = json.loads(b64url_decode(h))
    except ValueError as exc:
        raise JWSError("encabezado JWS ilegible") from exc
    return header, b64url_decode(p), f"{h}.{p}".encode("ascii"), b64url_decode(s)


def decode(token: str) -> dict:
    """The JSON payload of a JWS, unverified (to read MH's signed example, or our own)."""
    _header, payload, _input, _sig = split(token)
    try:
        return json.loads(payload)
    except ValueError as exc:
        raise JWSError("el contenido del JWS no es JSON") from exc


def verify(token: str, public_key) -> dict:
    header, payload, signing_input, signature = split(token)
    if header.get("alg") != "RS512":
        raise JWSError(f"algoritmo {header.get('alg')!r}: MH exige RS512")
    try:
        public_key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA512())
    except InvalidSignature as exc:
        raise JWSError("la firma no corresponde a la llave pública") from exc
    return json.loads(payload)
