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
