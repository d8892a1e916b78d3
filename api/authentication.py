"""The key on every call: ``Authorization: Bearer fct_…`` (or ``X-Api-Key: fct_…``). The request's
user is the key's service account, so the role's grants and every core.scope rule apply to it as
to a person with that role and those places."""

import time

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.models import ApiKey
from api.services import api_key_check

LAST_USED_EVERY_SECONDS = 60  # last_used_at is written at most once a minute per key (and web process)
_last_written = {}  # key id → time.monotonic() of this process's last write of last_used_at


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        raw = request.META.get("HTTP_X_API_KEY", "")
        if not raw:
            header = authentication.get_authorization_header(request).split()
            if not header:
                return None
            if header[0].lower() != self.keyword.lower().encode() or len(header) != 2:
                raise exceptions.AuthenticationFailed(_("Cabecera Authorization no válida: use «Bearer <clave>»."))
            try:
                raw = header[1].decode("ascii")
            except UnicodeError:
                raise exceptions.AuthenticationFailed(_("Clave de API no válida.")) from None
        key = api_key_check(raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("Clave de API no válida o revocada."))
        # Decided here, not from key.last_used_at: the key may come from api.keycache, as it was
        # up to half a minute ago.
        moment = time.monotonic()
        if moment - _last_written.get(key.pk, -LAST_USED_EVERY_SECONDS) >= LAST_USED_EVERY_SECONDS:
            _last_written[key.pk] = moment
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        request._request.api_key = key  # for the call record (api.middleware), outside DRF's request
        return key.user, key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """The key in the OpenAPI schema (a bearer token)."""

    target_class = "api.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "fct_<prefijo>_<secreto>",
                "description": "Clave de API de una integración (admin → Claves de API), mostrada una sola vez."}
