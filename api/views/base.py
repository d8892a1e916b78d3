"""What every API view shares: the grant it needs per method (api.permissions.KeyGrant), the
documented errors, and pages by cursor."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.views import APIView

from api.errors import ApiError
from api.serializers import ErrorSerializer

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class ApiView(APIView):
    grants = None  # {"GET": (module, action), "POST": …}; "any": any valid key


def errors(*statuses, forbidden=True):
    """The documented error answers of an endpoint (the shape api.errors gives every error);
    ``forbidden``: whether the key's role may be refused (not for what any key may call)."""
    described = {400: _("Datos no válidos"), 401: _("Sin clave o clave no válida"), 403: _("El rol no lo permite"),
                 404: _("No existe o queda fuera del alcance de la clave"), 409: _("El estado no lo permite"),
                 413: _("Cuerpo demasiado grande"), 422: _("No se puede hacer (o Idempotency-Key reutilizada)"),
                 429: _("Demasiadas llamadas (Retry-After)")}
    base = {401, 403, 429} if forbidden else {401, 429}
    return {s: OpenApiResponse(ErrorSerializer, description=str(described[s])) for s in sorted(base | set(statuses))}


IDEMPOTENCY = OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False, description=(
    "La misma clave y el mismo cuerpo en 24 h devuelven la primera respuesta; con otro cuerpo, 422."))
LANGUAGE = OpenApiParameter("Accept-Language", str, OpenApiParameter.HEADER, required=False,
                            description="es (predeterminado) o en: el idioma de los mensajes de error.")
AFTER = OpenApiParameter("despues", int, description="Cursor: el id del último registro de la página anterior.")
LIMIT = OpenApiParameter("limite", int, description=f"Registros por página (hasta {MAX_PAGE_SIZE}).")


def page_size(request):
    raw = request.query_params.get("limite", "")
    if not raw:
        return PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ApiError(_("«limite» va de 1 a %(n)d.") % {"n": MAX_PAGE_SIZE}, code="invalid", status_code=400,
                       field="limite")
    return int(raw)


def id_page(request, qs, serializer_class, **context):
    """A page of ``qs`` by id, ascending, after the cursor ``despues``: {"results", "next"}."""
    after = request.query_params.get("despues", "")
    if after:
        if not after.isdigit():
            raise ApiError(_("«despues» es el id del último registro recibido."), code="invalid", status_code=400,
                           field="despues")
        qs = qs.filter(pk__gt=int(after))
    size = page_size(request)
    rows = list(qs.order_by("pk")[:size + 1])
    following = str(rows[size - 1].pk) if len(rows) > size else None
    data = serializer_class(rows[:size], many=True, context={"request": request, **context}).data
    return {"results": data, "next": following}


def field_int(data, name, *, required=True):
    value = data.get(name)
    if value in (None, ""):
        if required:
            raise ApiError(_("Falta «%(f)s».") % {"f": name}, code="invalid", status_code=400, field=name)
        return None
    return value
