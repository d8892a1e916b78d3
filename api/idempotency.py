"""Idempotency-Key on every POST, with the semantics payment APIs use:

- the same key and the same body within API_IDEMPOTENCY_HOURS: the first answer again (its
  status and body), with ``Idempotent-Replayed: true``, and nothing done twice;
- the same key with another body (or on another route): refused, 422 ``idempotency_key_reused``;
- concurrent duplicates: one runs, the others wait for it and get its answer.

How: the call runs in one transaction that first inserts the key's row (unique per API key and
Idempotency-Key). A duplicate's insert waits on that unique index until the first transaction
ends: if it committed, the duplicate reads the stored answer; if it rolled back, the duplicate
runs itself. Answers 2xx and 4xx are kept (the call was understood and decided); a 5xx rolls back,
so the same key may be tried again. The answer kept and the call's record (api.ApiCall, which
api.middleware writes for every other call) are written by one statement in the call's own
transaction: they commit with the document, or not at all. This is the one place the API holds a transaction around a
whole call (the project does not use ATOMIC_REQUESTS): the lock is the point."""

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.errors import ApiError
from api.middleware import RECORD_FIELDS, call_record
from api.models import ApiCall, IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"


class _Rollback(Exception):
    def __init__(self, response):
        self.response = response


def _body_hash(request):
    raw = request._request.body
    try:
        canonical = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    return hashlib.sha256(request.method.encode() + b"\n" + request.path.encode() + b"\n" + canonical).hexdigest()


def _stored(response):
    return JSONRenderer().render(response.data).decode("utf-8") if response.data is not None else None


def _replay(row):
    response = Response(json.loads(row.response) if row.response else None, status=row.status)
    response[REPLAYED] = "true"
    return response


def idempotent(handler):
    """Decorate a view's ``post``: the call honours an Idempotency-Key header."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return handler(view, request, *args, **kwargs)
        if len(key) > 255 or not key.isprintable():
            raise ApiError(_("La Idempotency-Key tiene hasta 255 caracteres imprimibles."), code="invalid",
                           status_code=400, field=HEADER)
        body_hash = _body_hash(request)
        for _attempt in range(3):
            try:
                return _run(view, handler, request, key, body_hash, args, kwargs)
            except _Retry:
                continue
        raise ApiError(_("Otra solicitud con esta Idempotency-Key sigue en curso; intente de nuevo."),
                       code="conflict", status_code=409, field=HEADER)

    wrapper.idempotent = True
    return wrapper


class _Retry(Exception):
    pass


def _claim(request, key, body_hash, now):
    """Insert the key's row, or find it: (row id, None) when this call owns the key, (None, the
    stored row) when another call had it. One statement: a concurrent duplicate's INSERT … ON
    CONFLICT waits on the unique index until the first transaction ends."""
    table = connection.ops.quote_name(IdempotentRequest._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (api_key_id, key, method, path, body_hash, created_at) "  # noqa: S608 - our table's name
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (api_key_id, key) DO NOTHING RETURNING id",
            [request.auth.pk, key, request.method, request.path[:300], body_hash, now])
        inserted = cursor.fetchone()
    if inserted:
        return inserted[0], None
    return None, IdempotentRequest.objects.filter(api_key=request.auth, key=key).first()


_KEEP_SQL = (f"WITH kept AS (UPDATE {IdempotentRequest._meta.db_table} SET status = %s, response = %s "  # noqa: S608 - our tables
             f"WHERE id = %s) INSERT INTO {ApiCall._meta.db_table} ({', '.join(RECORD_FIELDS)}) "
             f"VALUES ({', '.join(['%s'] * len(RECORD_FIELDS))})")


def _keep(request, row_id, response):
    """Keep the answer on the key's row and, on PostgreSQL, record the call in the same statement
    (True: api.middleware need not record it)."""
    stored = _stored(response)
    if connection.vendor != "postgresql":
        IdempotentRequest.objects.filter(pk=row_id).update(status=response.status_code, response=stored)
        return False
    encrypted = IdempotentRequest._meta.get_field("response").get_db_prep_save(stored, connection)
    _route, record = call_record(request._request, response.status_code)
    with connection.cursor() as cursor:
        cursor.execute(_KEEP_SQL, [response.status_code, encrypted, row_id, *record])
    return True


def _run(view, handler, request, key, body_hash, args, kwargs):
    now = timezone.now()
    horizon = now - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    try:
        with transaction.atomic():
            row_id, found = _claim(request, key, body_hash, now)
            if row_id is None:
                if found is None:
                    raise _Retry  # the first rolled back between our insert and this read
                if found.created_at < horizon and IdempotentRequest.objects.filter(
                        pk=found.pk, created_at__lt=horizon).update(created_at=now, method=request.method,
                                                                    path=request.path[:300], body_hash=body_hash,
                                                                    status=None, response=None):
                    row_id = found.pk  # expired: the key is free again, and now ours (old rows: api.sweep)
                elif found.body_hash != body_hash:
                    raise ApiError(_("Esta Idempotency-Key ya se usó con otra solicitud; use una clave nueva."),
                                   code="idempotency_key_reused", status_code=422, field=HEADER)
                else:
                    return _replay(found)
            try:
                response = handler(view, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - answered as the view would, and kept if it is a 4xx
                response = view.handle_exception(exc)  # re-raises what is not an API error: rolled back
            if response.status_code >= 500 or transaction.get_rollback():
                raise _Rollback(response)  # not kept: the same key may be tried again
            recorded = _keep(request, row_id, response)
        request._request.api_call_recorded = recorded  # committed: the middleware writes no second record
        return response
    except _Rollback as rollback:
        return rollback.response
