"""Optional error tracking: Sentry when SENTRY_DSN (or SENTRY_DSN_FILE) is set, off otherwise.
Nothing secret leaves: no personal data by default, and every event is scrubbed before it is sent
— the secret-looking values core.logging masks in log lines, plus any field named like a secret
(passwords, tokens, keys, certificates, cookies, Authorization headers)."""

import re

from core.logging import scrub

_SECRET_KEY = re.compile(r"(?i)(pass|pwd|clave|secret|token|authorization|cookie|api[_-]?key|private|certif|"
                         r"csrf|session|dsn|fernet|encryption)")
MASK = "[oculto]"


def scrub_event(value, key=""):
    """A copy of a Sentry event (or any JSON-like value) with secrets masked."""
    if key and _SECRET_KEY.search(str(key)):
        return MASK
    if isinstance(value, dict):
        return {k: scrub_event(v, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        # headers and cookies come as [name, value] pairs
        if len(value) == 2 and isinstance(value[0], str) and _SECRET_KEY.search(value[0]):  # noqa: PLR2004
            return [value[0], MASK]
        return [scrub_event(v) for v in value]
    if isinstance(value, str):
        return scrub(value)
    return value


def before_send(event, hint):
    return scrub_event(event)


def init(dsn, *, environment, release="", traces_sample_rate=0.0):
    if not dsn:
        return False
    import sentry_sdk  # noqa: PLC0415 - only when error tracking is on
    from sentry_sdk.integrations.celery import CeleryIntegration  # noqa: PLC0415 - see above
    from sentry_sdk.integrations.django import DjangoIntegration  # noqa: PLC0415 - see above

    sentry_sdk.init(dsn=dsn, environment=environment, release=release or None, send_default_pii=False,
                    traces_sample_rate=traces_sample_rate, before_send=before_send,
                    before_send_transaction=before_send, integrations=[DjangoIntegration(), CeleryIntegration()])
    return True
