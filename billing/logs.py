"""Request ids: each web request gets one (or keeps a sane X-Request-ID from the proxy), every log
line it writes carries it (core.logging.ContextFilter, JSON lines with LOG_FORMAT=json), the
tasks it queues receive it in their message headers (core.queue.enqueue) and their log lines carry
it too (billing.tasks binds it before each task runs)."""

import re
import uuid

from core.logging import REQUEST_ID_HEADER, reset_request_id, set_request_id, set_task_id

_SANE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SANE.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = set_request_id(request_id)
        try:
            response = self.get_response(request)
        finally:
            reset_request_id(token)
        response["X-Request-ID"] = request_id
        return response


def task_request_id(request):
    """The request id a task's message carries (custom headers land on the task's request)."""
    value = getattr(request, REQUEST_ID_HEADER, None)
    if not value:
        value = (getattr(request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    return value or ""


def bind_task(task):
    set_request_id(task_request_id(task.request) or task.request.id or "")
    set_task_id(task.request.id or "")


def unbind_task():
    set_request_id("")
    set_task_id("")
