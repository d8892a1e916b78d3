"""Model fields whose values are encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from settings.FIELD_ENCRYPTION_KEYS, newest first: values written with an older key
still read, so a key can be rotated by prepending a new one and re-saving. The database only
ever holds the token; the clear value exists in memory, never in a log or an audit row.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys):
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY no es una clave Fernet válida (32 bytes en base64 urlsafe)"
        ) from exc


def fernet():
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(data: bytes) -> str:
    return fernet().encrypt(data).decode("ascii")


def decrypt(token: str) -> bytes:
    try:
        return fernet().decrypt(token.encode("ascii"))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Un valor cifrado no se pudo descifrar: FIELD_ENCRYPTION_KEY no es la clave con que se guardó"
        ) from exc


class _EncryptedField(models.TextField):
    binary = False

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("blank", True)
        kwargs.setdefault("null", True)
        kwargs["editable"] = False  # never round-tripped through a form
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        return name, path, args, kwargs

    def get_prep_value(self, value):
        if value is None or value == b"" or value == "":
            return None
        raw = value if isinstance(value, bytes) else str(value).encode("utf-8")
        return encrypt(raw)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        raw = decrypt(value)
        return raw if self.binary else raw.decode("utf-8")

    def to_python(self, value):
        return value


class EncryptedTextField(_EncryptedField):
    """A secret string (passwords, API credentials)."""


class EncryptedBinaryField(_EncryptedField):
    """A secret file's bytes (the signing certificate)."""

    binary = True
