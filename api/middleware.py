"""Around every call under /api/: the language the call asks for (Accept-Language, Spanish by
default: the pages ignore it, the API follows it), the record of the call (api.ApiCall: key,
route, status, duration; never a body), and errors that did not come from a view (an unknown
route, a body too large, a crash) answered in the API's shape instead of an HTML page."""

import logging
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone, translation

from api.errors import error_body
from api.models import ApiCall

log = logging.getLogger(__name__)

_BY_STATUS = {400: "invalid", 401: "not_authenticated", 403: "permission_denied", 404: "not_found",
              405: "method_not_allowed", 413: "request_too_large", 415: "unsupported_media_type", 429: "throttled",
              500: "server_error"}
_MESSAGES = {
    "not_found": translation.gettext_lazy("Esa ruta no existe en la API."),
    "request_too_large": translation.gettext_lazy("El cuerpo de la solicitud es demasiado grande."),
    "server_error": translation.gettext_lazy("Error interno: se registró y se revisará."),
}


def api_language(request):
    """Spanish unless the call prefers English (Accept-Language)."""
    available = {code for code, _name in settings.LANGUAGES}
    for code, _q in translation.trans_real.parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = code.split("-")[0].lower()
        if base in available:
            return base
    return settings.LANGUAGE_CODE


RECORD_FIELDS = ("key_id", "at", "method", "route", "status", "duration_ms", "address")
_RECORD_SQL = (f"WITH quick AS (SELECT set_config('synchronous_commit', 'off', true)) "  # noqa: S608 - our table
               f"INSERT INTO {ApiCall._meta.db_table} ({', '.join(RECORD_FIELDS)}) "
               f"SELECT %s, %s, %s, %s, %s, %s, %s FROM quick")


def call_record(request, status):
    """(route, the values of RECORD_FIELDS) of the call ``request`` (Django's) answered ``status``."""
    match = getattr(request, "resolver_match", None)
    route = match.route if match is not None else request.path[:200]
    key = getattr(request, "api_key", None)
    started = getattr(request, "api_started", None)
    duration = int((time.monotonic() - started) * 1000) if started is not None else 0
    return route, [key.pk if key is not None else None, timezone.now(), request.method[:8], route[:200], status,
                   duration, request.META.get("REMOTE_ADDR") or None]


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        language = api_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        started = request.api_started = time.monotonic()
        response = self.get_response(request)
        if response.status_code >= 400 and response.get("Content-Type", "").startswith("text/html"):
            response = self._json_error(response)
        response.headers["Content-Language"] = language
        if request.path.startswith("/api/v1/") and not getattr(request, "api_call_recorded", False):
            self._record(request, response, started)
        translation.deactivate()
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith("/api/"):
            return None
        log.exception("API %s %s", request.method, request.path, exc_info=exception)
        code = "server_error"
        return JsonResponse(error_body(code, _MESSAGES[code]), status=500)

    def _json_error(self, response):
        code = _BY_STATUS.get(response.status_code, "invalid")
        message = _MESSAGES.get(code) or code
        out = JsonResponse(error_body(code, message), status=response.status_code)
        for header in ("Retry-After", "WWW-Authenticate", "Allow"):
            if header in response:
                out[header] = response[header]
        return out

    def _record(self, request, response, started):
        route, values = call_record(request, response.status_code)
        try:
            if connection.vendor == "postgresql" and connection.get_autocommit():
                # One statement, its own transaction, which need not wait for the disk: a crash may
                # lose the last few records (never a document: those commit with their call).
                with connection.cursor() as cursor:
                    cursor.execute(_RECORD_SQL, values)
            else:
                ApiCall.objects.create(**dict(zip(RECORD_FIELDS, values, strict=True)))
        except Exception:  # noqa: BLE001 - the call itself was answered; a lost record is logged, not raised
            log.warning("no se pudo registrar la llamada %s %s", request.method, route, exc_info=True)
