"""Loading the issuer's private key from the certificate formats a Salvadoran issuer has:

- MH's ``<NIT>.crt``: an XML document (root ``CertificadoMH``) with the key pair as base64 DER
  (``privateKey/encodied`` is PKCS#8, ``publicKey/encodied`` X.509 SubjectPublicKeyInfo) and
  ``privateKey/clave``, the SHA-512 hex digest of the private key's password. MH's signer only
  compares the given password against that digest (facts §4);
- PEM (an optionally encrypted PKCS#8 or PKCS#1 key, optionally followed by the certificate);
- PKCS#12 (.p12 / .pfx).
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from defusedxml import ElementTree as SafeET


class CertificateError(ValueError):
    """The certificate cannot be used; the message says why, in Spanish, without secrets."""


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    nit: str | None
    source_format: str

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def _password_digest(password: str) -> str:
    return hashlib.sha512(password.encode("utf-8")).hexdigest()


def detect_format(data: bytes) -> str:
    head = data.lstrip()[:200]
    if head.startswith(b"<"):
        return "mh-crt"
    if b"-----BEGIN" in head:
        return "pem"
    return "pkcs12"


def load_signing_key(data: bytes, password: str) -> SigningKey:
    fmt = detect_format(data)
    if fmt == "mh-crt":
        return _load_mh_crt(data, password)
    if fmt == "pem":
        return _load_pem(data, password)
    return _load_pkcs12(data, password)


def _text(root, path):
    node = root.find(path)
    return node.text.strip() if node is not None and node.text else ""


def _load_mh_crt(data: bytes, password: str) -> SigningKey:
    try:
        root = SafeET.fromstring(data)
    except Exception as exc:  # defusedxml raises several types for hostile or broken XML
        raise CertificateError("El certificado .crt de MH no es un XML válido.") from exc
    encoded = _text(root, "privateKey/encodied")
    digest = _text(root, "privateKey/clave")
    if not encoded:
        raise CertificateError("El certificado .crt no contiene la llave privada (privateKey/encodied).")
    if not digest or not hmac.compare_digest(digest.lower(), _password_digest(password)):
        raise CertificateError("La contraseña de la llave privada no corresponde al certificado.")
    try:
        key = serialization.load_der_private_key(base64.b64decode(encoded), password=None)
    except ValueError as exc:
        raise CertificateError("La llave privada del certificado .crt está dañada.") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError("La llave del certificado no es RSA.")
    return SigningKey(key, _text(root, "nit") or None, "mh-crt")


def _load_pem(data: bytes, password: str) -> SigningKey:
    try:
        key = serialization.load_pem_private_key(data, password=password.encode() if password else None)
    except TypeError:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError as exc:
        raise CertificateError("No se pudo abrir la llave PEM: contraseña incorrecta o archivo dañado.") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError("La llave del certificado no es RSA.")
    return SigningKey(key, None, "pem")


def _load_pkcs12(data: bytes, password: str) -> SigningKey:
    try:
        key, _cert, _extra = pkcs12.load_key_and_certificates(data, password.encode() if password else None)
    except ValueError as exc:
        raise CertificateError("No se pudo abrir el PKCS#12: contraseña incorrecta o archivo dañado.") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError("La llave del certificado no es RSA.")
    return SigningKey(key, None, "pkcs12")


def build_mh_crt(*, nit: str, password: str, private_key: rsa.RSAPrivateKey | None = None) -> bytes:
    """A test certificate in MH's ``<NIT>.crt`` XML layout (for the demo company and tests)."""
    key = private_key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der_private = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    der_public = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    root = Element("CertificadoMH")
    SubElement(root, "_id").text = nit
    SubElement(root, "nit").text = nit
    for tag, der, fmt, clave in (("publicKey", der_public, "X.509", ""),
                                 ("privateKey", der_private, "PKCS#8", _password_digest(password))):
        node = SubElement(root, tag)
        SubElement(node, "keyType").text = "PUBLIC" if tag == "publicKey" else "PRIVATE"
        SubElement(node, "algorithm").text = "RSA"
        SubElement(node, "encodied").text = base64.b64encode(der).decode("ascii")
        SubElement(node, "format").text = fmt
        SubElement(node, "clave").text = clave
    SubElement(root, "activo").text = "true"
    return b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + tostring(root, encoding="unicode").encode("utf-8")
