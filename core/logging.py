import logging
import re

# Values that look like secrets in a log line (a password field, a token, a private key).
_PATTERNS = [
    re.compile(r"(?i)((?:pwd|password|passwordpri|clave|secret|token|authorization)[\"']?\s*[:=]\s*[\"']?)([^\s\"',&}]+)"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
]


class RedactSecretsFilter(logging.Filter):
    """A last line of defence: code never logs secrets on purpose; this masks any that slip in."""

    def filter(self, record):
        message = record.getMessage()
        redacted = message
        for pattern in _PATTERNS:
            redacted = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[oculto]", redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class ForbiddenOneLineFilter(logging.Filter):
    """A refused request (403) is routine: one line saying who, what and the status, not the
    PermissionDenied traceback Django attaches to it. Set on the ``django.request`` logger."""

    def filter(self, record):
        if getattr(record, "status_code", None) != 403:
            return True
        request = getattr(record, "request", None)
        user = getattr(request, "user", None)
        who = user.get_username() if user is not None and user.is_authenticated else "anónimo"
        where = f"{request.method} {request.get_full_path()}" if request is not None else "?"
        reason = record.getMessage().split(":", 1)[0]  # "Forbidden (Permission denied)", "Forbidden (CSRF …)"
        record.msg, record.args = "%s %s usuario=%s estado=403", (reason, where, who)
        record.exc_info = record.exc_text = record.stack_info = None
        return True
