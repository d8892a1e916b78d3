"""Strict helpers for reading settings from the environment.

Secrets may also come from a file: ``SECRET_KEY_FILE=/run/secrets/key`` is read when
``SECRET_KEY`` is not set (the Docker secrets convention).
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name, default=None):
    value = os.environ.get(name)
    if value is None:
        path = os.environ.get(f"{name}_FILE")
        if path:
            with open(path, encoding="utf-8") as fh:
                value = fh.read().strip()
    return default if value is None else value


def envbool(name, default):
    value = env(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} debe ser true o false, no {value!r}")


def envint(name, default):
    value = env(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} debe ser un número entero, no {value!r}") from exc


def envlist(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def required(name, *, when):
    """Return the variable, refusing to start when it is missing and ``when`` is true."""
    value = env(name)
    if when and not value:
        raise ImproperlyConfigured(
            f"{name} es obligatorio en producción (DJANGO_ENV=production). "
            f"Defínalo en el entorno o en {name}_FILE."
        )
    return value
