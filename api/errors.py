"""Every error the API answers has one shape (documented in the schema as ``Error``):

    {"code": "invalid", "message": "…", "field": "lines[0].quantity",
     "errors": [{"code": …, "message": …, "field": …}, …]}

``code`` is stable and never translated; ``message`` is in the language the call asks for with
Accept-Language (Spanish unless English is asked); ``field`` names the input at fault, or is null;
``errors`` lists every problem when there are several (the first is repeated at the top)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

# The codes a call may answer with, and when. The schema lists them per endpoint (api.schema).
CODES = {
    "invalid": gettext_lazy("Un dato no es válido (400)."),
    "parse_error": gettext_lazy("El cuerpo no es JSON válido (400)."),
    "not_authenticated": gettext_lazy("Falta la clave de API (401)."),
    "authentication_failed": gettext_lazy("La clave de API no es válida o fue revocada (401)."),
    "permission_denied": gettext_lazy("El rol de la clave no permite esta operación (403)."),
    "not_found": gettext_lazy("No existe, o queda fuera del alcance de la clave (404)."),
    "method_not_allowed": gettext_lazy("Método no admitido (405)."),
    "not_acceptable": gettext_lazy("No se puede responder en el formato pedido (406)."),
    "conflict": gettext_lazy("El estado del recurso no permite la operación (409)."),
    "confirmation_required": gettext_lazy("Hay casos especiales que la integración debe confirmar (409)."),
    "approval_required": gettext_lazy("Un supervisor debe aprobar casos especiales; el documento espera (409)."),
    "idempotency_key_reused": gettext_lazy("La Idempotency-Key ya se usó con otra solicitud (422)."),
    "unprocessable": gettext_lazy("La operación no se puede hacer con estos datos (422)."),
    "unsupported_media_type": gettext_lazy("Tipo de contenido no admitido: envíe application/json (415)."),
    "request_too_large": gettext_lazy("El cuerpo es demasiado grande (413)."),
    "throttled": gettext_lazy("Demasiadas llamadas: espere los segundos de Retry-After (429)."),
    "server_error": gettext_lazy("Error interno (500)."),
}


class ApiError(exceptions.APIException):
    """An answer of the API's own: a status, a stable code, a message, the field at fault and,
    for a state that needs a person, more (the document's state, a link)."""

    def __init__(self, message, *, code="unprocessable", status_code=422, field=None, errors=None, extra=None):
        super().__init__(detail=str(message), code=code)
        self.status_code = status_code
        self.error_code = code
        self.field = field
        self.errors = errors
        self.extra = extra or {}


def error_body(code, message, field=None, errors=None, **extra):
    errors = errors or [{"code": code, "message": str(message), "field": field}]
    return {"code": code, "message": str(message), "field": field, "errors": errors, **extra}


def _flatten(detail, path=""):
    """DRF's nested details ({field: [ErrorDetail]}, lists per line) as [(field, message, code)]."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = path if key == "non_field_errors" else (f"{path}.{key}" if path else str(key))
            out.extend(_flatten(value, name))
        return out
    if isinstance(detail, list):
        out = []
        for i, value in enumerate(detail):
            if isinstance(value, (dict, list)):
                out.extend(_flatten(value, f"{path}[{i}]"))
            else:
                out.extend(_flatten(value, path))
        return out
    return [(path or None, str(detail), getattr(detail, "code", None) or "invalid")]


def _django_validation(exc):
    if hasattr(exc, "error_dict"):
        rows = [(None if field == "__all__" else field, message, "invalid")
                for field, messages in exc.message_dict.items() for message in messages]
    else:
        rows = [(None, message, "invalid") for message in exc.messages]
    return rows


def exception_handler(exc, context):
    """DRF's exception handler, answering in the documented shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) if str(exc) and ":" not in str(exc) else None)
    elif isinstance(exc, DjangoValidationError):
        rows = _django_validation(exc)
        set_rollback()
        return _answer(status.HTTP_400_BAD_REQUEST, "invalid", rows)
    if not isinstance(exc, exceptions.APIException):
        return None  # a 500: Django's handler logs it (api.middleware answers in the shape)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()
    if isinstance(exc, ApiError):
        body = error_body(exc.error_code, exc.detail, exc.field, exc.errors, **exc.extra)
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, exceptions.ValidationError):
        return _answer(exc.status_code, "invalid", _flatten(exc.detail), headers)
    code = exc.get_codes() if not isinstance(exc.detail, (dict, list)) else exc.default_code
    message = exc.detail
    if isinstance(exc, exceptions.Throttled):
        code = "throttled"
        message = _("Demasiadas llamadas con esta clave: espere %(s)d segundos.") % {"s": int(exc.wait or 1)}
    elif isinstance(exc, exceptions.NotAuthenticated):
        message = _("Falta la clave de API: envíe «Authorization: Bearer <clave>».")
    return _answer(exc.status_code, str(code), _flatten(message), headers)


def _answer(status_code, code, rows, headers=None):
    errors = [{"code": c or code, "message": m, "field": f} for f, m, c in rows] or [
        {"code": code, "message": str(CODES.get(code, code)), "field": None}]
    return Response({"code": code, "message": errors[0]["message"], "field": errors[0]["field"], "errors": errors},
                    status=status_code, headers=headers or {})
