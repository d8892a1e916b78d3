"""Verifying a Facturador webhook (the snippet the README documents). Standard library only.

Each delivery is a POST with a JSON body and these headers:

    Facturador-Event:      document.sealed          (the event's type)
    Facturador-Event-Id:   5f0c…                    (the same on a repeat: deduplicate by it)
    Facturador-Sequence:   3                        (its place among its subject's events)
    Facturador-Timestamp:  1767225600               (Unix seconds, when it was signed)
    Facturador-Signature:  v1=<hex>                 (HMAC-SHA256 of "<timestamp>.<raw body>")

Compute the signature over the raw bytes received (before any JSON parsing), compare in constant
time, and refuse timestamps far from now (a replayed old request)."""

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


def verify(secret, body, timestamp, signature, *, now=None, tolerance=TOLERANCE_SECONDS):
    """True when ``signature`` (the Facturador-Signature header) signs ``body`` (bytes) at
    ``timestamp`` (the Facturador-Timestamp header) with ``secret`` (whsec_…)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    expected = hmac.new(secret.encode("utf-8"), str(sent).encode() + b"." + body, hashlib.sha256).hexdigest()
    given = [part.strip()[3:] for part in (signature or "").split(",") if part.strip().startswith("v1=")]
    return any(hmac.compare_digest(expected, candidate) for candidate in given)


def verify_request(secret, headers, body, *, now=None):
    """The same, from a request's headers (any mapping with case-insensitive or exact names)."""
    def header(name):
        return headers.get(name) or headers.get(name.lower()) or ""

    return verify(secret, body, header("Facturador-Timestamp"), header("Facturador-Signature"), now=now)
