import contextvars
import datetime
import json
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


# ---------------------------------------------------------------- request and task ids, JSON lines

_REQUEST_ID = contextvars.ContextVar("request_id", default="")
_TASK_ID = contextvars.ContextVar("task_id", default="")
REQUEST_ID_HEADER = "request_id"  # the Celery message header that carries it into tasks (core.queue)


def current_request_id():
    return _REQUEST_ID.get()


def set_request_id(value):
    """Bind the id of the request (or of the request that queued the running task); a token to reset."""
    return _REQUEST_ID.set(value or "")


def reset_request_id(token):
    _REQUEST_ID.reset(token)


def set_task_id(value):
    _TASK_ID.set(value or "")


class ContextFilter(logging.Filter):
    """Puts the request id and task id on every record (for the JSON lines and the plain format)."""

    def filter(self, record):
        record.request_id = _REQUEST_ID.get()
        record.task_id = _TASK_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, task_id, and the traceback."""

    def format(self, record):
        line = {
            "ts": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "task_id"):
            value = getattr(record, key, "") or ""
            if value:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def scrub(text):
    """The secret patterns of RedactSecretsFilter applied to any text (Sentry events, billing.sentry)."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[oculto]", text)
    return text
