"""MH's endpoints, with MH's paths, methods, content types and answer shapes (facts §3)."""

import datetime
import hashlib
import hmac
import json
import os
import secrets
import threading
from functools import wraps

from django.conf import settings
from django.db import close_old_connections, transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from govsim import clock, jwsverify, rules
from govsim.answers import Rejection, fh, new_sello, reception, spring_error
from govsim.locking import write_lock
from govsim.models import Clock, Document, Fault, Issuer, Lot, Reception, Token

MAX_LOT = 100


def hash_password(password, salt=None):
    salt = salt or secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), 60_000).hex()
    return f"{salt}${digest}"


def check_password(password, stored):
    salt, _, digest = stored.partition("$")
    return hmac.compare_digest(hash_password(password, salt), stored)


def _json_body(request):
    try:
        body = json.loads(request.body or b"")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


_TOKENS = {}  # token -> (issuer, expires_at): tokens never change once issued


def _issuer_from_token(request):
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip()
    if not token:
        return None
    now = timezone.now()
    cached = _TOKENS.get(token)
    if cached is None:
        row = Token.objects.select_related("issuer").filter(token=token).first()
        if row is None:
            return None
        if len(_TOKENS) > 10_000:
            _TOKENS.clear()
        cached = _TOKENS[token] = (row.issuer, row.expires_at)
    issuer, expires_at = cached
    return issuer if expires_at > now else None


def _envelope(body, spec):
    """True when every key is present with the right JSON type (else: a bare 400)."""
    return body is not None and all(isinstance(body.get(k), t) and not isinstance(body.get(k), bool) for k, t in spec.items())


def mh_endpoint(method, envelope=None, *, id_envio=False):
    """MH's front door for every authenticated endpoint, in MH's order: wrong method 405, no valid
    token a bare 401, a malformed envelope a bare 400. The view gets the issuer (and the body)."""

    def decorator(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != method:
                return HttpResponseNotAllowed([method])
            issuer = _issuer_from_token(request)
            if issuer is None:
                return spring_error(request, 401, "Unauthorized")
            if envelope is None:
                return view(request, issuer, *args, **kwargs)
            body = _json_body(request)
            if not _envelope(body, envelope) or (id_envio and "idEnvio" not in body):
                return spring_error(request, 400, "Bad Request")
            return view(request, issuer, body, *args, **kwargs)

        return wrapper

    return decorator


def _record(kind, code, issuer, answer, jws="", lot=None, position=0):
    Reception.objects.create(kind=kind, codigo_generacion=code or "", issuer=issuer, jws=jws, estado=answer.get("estado") or "",
                             answer=answer, lot=lot, position=position)


# ------------------------------------------------------------------------------------------ auth


@csrf_exempt
def auth(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user, pwd = request.POST.get("user", ""), request.POST.get("pwd", "")
    issuer = Issuer.objects.filter(api_user=user).first()
    if issuer is None or not check_password(pwd, issuer.api_password_hash):
        return JsonResponse({"status": "ERROR", "body": {"codigoMsg": "106", "descripcionMsg": "Usuario o contraseña incorrectos",
                                                          "clasificaMsg": "20"}}, status=401)
    token = secrets.token_urlsafe(32)
    Token.objects.create(token=token, issuer=issuer,
                         expires_at=timezone.now() + datetime.timedelta(hours=settings.GOVSIM_TOKEN_HOURS))
    return JsonResponse({"status": "OK", "body": {
        "user": issuer.api_user, "token": f"Bearer {token}",
        "rol": {"nombre": "Usuario", "codigo": "ROLE_USER", "descripcion": None, "rolSuperior": None,
                "nivel": None, "activo": None, "permisos": None},
        "roles": ["ROLE_USER"], "tokenType": "Bearer",
    }})


# ------------------------------------------------------------------------------------ reception

_DTE_ENVELOPE = {"ambiente": str, "version": int, "tipoDte": str, "documento": str, "codigoGeneracion": str}


def process_dte(jws_text, *, issuer, envelope=None, ambiente="00", version=2, record=None):
    """Check and accept one signed DTE; returns the MH answer (PROCESADO or RECHAZADO).
    ``record(answer)`` writes the ledger row, in the same transaction as the accepted document."""
    code = (envelope or {}).get("codigoGeneracion", "")
    try:
        document = rules.verify_signed(jws_text, issuer)
        ident = document.get("identificacion") if isinstance(document, dict) else None
        if envelope is None and isinstance(ident, dict):
            code = str(ident.get("codigoGeneracion") or "")
        if not isinstance(ident, dict):
            raise Rejection("004", "DOCUMENTO NO CUMPLE EL ESQUEMA", ["[identificacion] falta"])
        event = "tipoEvento" in ident  # a Normativa v2.0 event (rules.check_event)
        if event:
            rules.check_event(document, issuer=issuer, envelope=envelope)
        else:
            rules.check_dte(document, issuer=issuer, envelope=envelope)
        with write_lock(), transaction.atomic():  # checks run outside: the write lock is held only here
            accepted = (rules.accept_event(document, issuer=issuer) if event
                        else rules.accept_dte(document, issuer=issuer, jws_text=jws_text))
            answer = reception(estado="PROCESADO", codigo_generacion=accepted.codigo_generacion, ambiente=ambiente,
                               version=version, sello=accepted.sello, moment=accepted.processed_at)
            if record:
                record(answer)
            return answer
    except Rejection as rej:
        answer = reception(estado="RECHAZADO", codigo_generacion=code, ambiente=ambiente, version=version,
                           codigo=rej.codigo, descripcion=rej.descripcion, observaciones=rej.observaciones)
        if record:
            with write_lock():
                record(answer)
        return answer


@mh_endpoint("POST", _DTE_ENVELOPE, id_envio=True)
def recepcion_dte(request, issuer, body):
    answer = process_dte(body["documento"], issuer=issuer, envelope=body, ambiente=body["ambiente"],
                         version=body["version"],
                         record=lambda a: _record("dte", body["codigoGeneracion"], issuer, a, jws=body["documento"]))
    return JsonResponse(answer, status=200 if answer["estado"] == "PROCESADO" else 400)


@mh_endpoint("POST", {"ambiente": str, "version": int, "nitEmisor": str, "documentos": list}, id_envio=True)
def recepcion_lote(request, issuer, body):
    docs = body["documentos"]
    base = {"version": body["version"], "ambiente": body["ambiente"], "versionApp": 2, "idEnvio": body["idEnvio"],
            "fhProcesamiento": fh(), "codigoLote": None, "clasificaMsg": "20"}
    problems = []
    if body["nitEmisor"] != issuer.nit:
        problems.append(f"[nitEmisor] {body['nitEmisor']} no corresponde al usuario autenticado")
    if not docs or len(docs) > MAX_LOT:
        problems.append(f"[documentos] un lote lleva de 1 a {MAX_LOT} documentos, no {len(docs)}")
    if any(not isinstance(d, str) for d in docs):
        problems.append("[documentos] cada documento debe ser un JWS")
    if problems:
        return JsonResponse({**base, "estado": "RECHAZADO", "codigoMsg": "004", "descripcionMsg": "LOTE RECHAZADO",
                             "observaciones": problems}, status=400)
    with transaction.atomic():
        lot = Lot.objects.create(codigo_lote=rules.new_lot_code(), issuer=issuer, ambiente=body["ambiente"],
                                 version=body["version"])
        Reception.objects.bulk_create([Reception(kind="lote", issuer=issuer, lot=lot, position=i, jws=d)
                                       for i, d in enumerate(docs)])
    _process_later(lot.pk)
    return JsonResponse({**base, "estado": "RECIBIDO", "codigoLote": lot.codigo_lote, "clasificaMsg": "10",
                         "codigoMsg": "001", "descripcionMsg": "RECIBIDO", "observaciones": []})


PROCESSING = "PROCESANDO"


def process_lot(lot):
    """Process the lot's documents not processed yet, one by one. Each item is claimed first (a
    conditional UPDATE), so the background run and a query never process the same one twice."""
    for item in Reception.objects.filter(lot=lot, estado="").order_by("position"):
        if not Reception.objects.filter(pk=item.pk, estado="").update(estado=PROCESSING):
            continue
        answer = process_dte(item.jws, issuer=lot.issuer, ambiente=lot.ambiente, version=lot.version)
        Reception.objects.filter(pk=item.pk).update(estado=answer["estado"], answer=answer,
                                                    codigo_generacion=answer["codigoGeneracion"])
    if not Reception.objects.filter(lot=lot, estado__in=["", PROCESSING]).exists():
        Lot.objects.filter(pk=lot.pk, processed_at__isnull=True).update(processed_at=timezone.now())


def _process_later(lot_id):
    """MH processes a lot asynchronously, a while after receiving it: so does govsim, in a thread
    of this process (a query processes what is left if the process stopped meanwhile)."""
    def run():
        try:
            lot = Lot.objects.select_related("issuer").get(pk=lot_id)
            process_lot(lot)
        finally:
            close_old_connections()

    timer = threading.Timer(settings.GOVSIM_LOT_DELAY_SECONDS, run)
    timer.daemon = True
    transaction.on_commit(timer.start)


@mh_endpoint("GET")
def consulta_lote(request, issuer, codigo_lote):
    lot = Lot.objects.select_related("issuer").filter(codigo_lote=codigo_lote.upper(), issuer=issuer).first()
    if lot is None:
        return spring_error(request, 404, "Not Found")
    in_process = {"codigoLote": lot.codigo_lote, "estado": "EN PROCESO", "procesados": [], "rechazados": []}
    if not rules.lot_ready(lot):
        return JsonResponse(in_process)
    if (timezone.now() - lot.received_at).total_seconds() > settings.GOVSIM_LOT_DELAY_SECONDS + 30:
        process_lot(lot)  # the background run was lost with its process: the query finishes the lot
    if Reception.objects.filter(lot=lot, estado__in=["", PROCESSING]).exists():
        return JsonResponse(in_process)  # another run is processing it right now
    items = list(Reception.objects.filter(lot=lot).order_by("position").values_list("answer", flat=True))
    return JsonResponse({
        "codigoLote": lot.codigo_lote, "estado": "PROCESADO",
        "procesados": [a for a in items if a["estado"] == "PROCESADO"],
        "rechazados": [a for a in items if a["estado"] == "RECHAZADO"],
    })


@mh_endpoint("POST", {"nitEmisor": str, "tdte": str, "codigoGeneracion": str})
def consulta_dte(request, issuer, body):
    code = body["codigoGeneracion"].upper()
    doc = Document.objects.select_related("issuer").filter(codigo_generacion=code, tipo_dte=body["tdte"]).first()
    if doc is not None and doc.issuer_id != issuer.pk:
        # Asked by someone else than its issuer: answered to its receptor only (the purchases
        # inbox's re-check, with nitEmisor the supplier's). MH documents consultadte for the issuer;
        # a receptor's query is unverified (facts-2 §4): this simulator answers it.
        if _receptor_nit(doc.payload) != issuer.nit or body["nitEmisor"] != doc.issuer.nit:
            doc = None
    if doc is not None:
        return JsonResponse(reception(estado=doc.estado, codigo_generacion=code, ambiente=doc.ambiente,
                                      version=doc.version, sello=doc.sello, moment=doc.processed_at,
                                      descripcion="RECIBIDO" if doc.estado == "PROCESADO" else doc.estado))
    last = Reception.objects.filter(codigo_generacion=code, issuer=issuer, estado="RECHAZADO").order_by("-id").first()
    if last is not None:
        return JsonResponse(last.answer)
    return JsonResponse({"estado": None, "codigoGeneracion": code, "selloRecibido": None, "fhProcesamiento": None,
                         "codigoMsg": "005", "descripcionMsg": "DOCUMENTO NO ENCONTRADO", "observaciones": []})


def _receptor_nit(payload):
    receptor = (payload or {}).get("receptor") or {}
    nit = receptor.get("nit") or (receptor.get("numDocumento") if receptor.get("tipoDocumento") == "36" else "")
    return str(nit or "").replace("-", "")


# --------------------------------------------------------------------------------------- events


@mh_endpoint("POST", {"nit": str, "documento": str})
def contingencia(request, issuer, body):
    code = ""
    try:
        if body["nit"] != issuer.nit:
            raise Rejection("095", "EMISOR NO AUTORIZADO", [f"[nit] {body['nit']} no corresponde al usuario autenticado"])
        event = rules.verify_signed(body["documento"], issuer)
        code = str((event.get("identificacion") or {}).get("codigoGeneracion") or "")
        rules.check_contingency_event(event, issuer=issuer)
        accepted = rules.accept_contingency_event(event, issuer=issuer)
    except Rejection as rej:
        answer = {"estado": "RECHAZADO", "fechaHora": fh(), "mensaje": rej.descripcion, "selloRecibido": None,
                  "observaciones": rej.observaciones}
        _record("contingencia", code, issuer, answer, jws=body["documento"])
        return JsonResponse(answer, status=400)
    answer = {"estado": "RECIBIDO", "fechaHora": fh(accepted.received_at), "mensaje": "EVENTO RECIBIDO",
              "selloRecibido": accepted.sello, "observaciones": []}
    _record("contingencia", code, issuer, answer, jws=body["documento"])
    return JsonResponse(answer)


@mh_endpoint("POST", {"ambiente": str, "version": int, "documento": str}, id_envio=True)
def anular_dte(request, issuer, body):
    code = ""
    try:
        event = rules.verify_signed(body["documento"], issuer)
        code = str((event.get("identificacion") or {}).get("codigoGeneracion") or "")
        with transaction.atomic():
            target = rules.check_invalidation(event, issuer=issuer)
            target.estado, target.invalidated_at = "INVALIDADO", clock.now()
            target.save(update_fields=["estado", "invalidated_at"])
    except Rejection as rej:
        answer = reception(estado="RECHAZADO", codigo_generacion=code, ambiente=body["ambiente"], version=body["version"],
                           codigo=rej.codigo, descripcion=rej.descripcion, observaciones=rej.observaciones)
        _record("anulacion", code, issuer, answer, jws=body["documento"])
        return JsonResponse(answer, status=400)
    answer = reception(estado="PROCESADO", codigo_generacion=code, ambiente=body["ambiente"], version=body["version"],
                       sello=new_sello(), descripcion="RECIBIDO")
    _record("anulacion", code, issuer, answer, jws=body["documento"])
    return JsonResponse(answer)


# ---------------------------------------------------------------------------------- public page


def consulta_publica(request):
    code = (request.GET.get("codGen") or "").upper()
    doc = Document.objects.select_related("issuer").filter(codigo_generacion=code).first()
    if doc is not None and request.GET.get("fechaEmi") not in (None, "", doc.fec_emi.isoformat()):
        doc = None
    total = None
    if doc is not None:
        resumen = doc.payload.get("resumen") or {}
        total = resumen.get("totalPagar", resumen.get("total", resumen.get("montoTotalOperacion")))
        if doc.tipo_dte == "09":  # the DCL's body is one object; what is paid is its liquidoApagar
            total = (doc.payload.get("cuerpoDocumento") or {}).get("liquidoApagar")
    return render(request, "govsim/consulta_publica.html", {"doc": doc, "code": code, "total": total,
                                                            "emisor": (doc.payload.get("emisor") or {}) if doc else {}},
                  status=200 if doc else 404)


# ------------------------------------------------------------------------ simulator control API


@csrf_exempt
def control_faults(request):
    if request.method == "DELETE":
        Fault.objects.all().delete()
        return JsonResponse({"faults": 0})
    if request.method == "GET":
        return JsonResponse({"faults": list(Fault.objects.values())}, safe=False)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST", "DELETE"])
    body = _json_body(request) or {}
    if body.get("mode") not in Fault.MODES:
        return JsonResponse({"error": f"mode debe ser uno de {Fault.MODES}"}, status=400)
    seconds = body.get("seconds")
    fault = Fault.objects.create(
        mode=body["mode"], latency_ms=int(body.get("latency_ms") or 0), share=float(body.get("share", 1.0)),
        status_code=int(body.get("status_code") or 503), remaining=body.get("count"),
        until=timezone.now() + datetime.timedelta(seconds=float(seconds)) if seconds else None,
        path_prefix=body.get("path_prefix") or "/fesv/",
    )
    return JsonResponse({"id": fault.pk, "mode": fault.mode}, status=201)


@csrf_exempt
def control_clock(request):
    """Move MH's clock: POST {"offset_seconds": N}; DELETE puts it back."""
    Clock.objects.all().delete()
    if request.method == "POST":
        offset = float((_json_body(request) or {}).get("offset_seconds") or 0)
        Clock.objects.create(offset_seconds=offset)
        return JsonResponse({"offset_seconds": offset})
    return JsonResponse({"offset_seconds": 0})


def control_ledger(request):
    code = (request.GET.get("codigoGeneracion") or "").upper()
    rows = Reception.objects.filter(codigo_generacion=code).order_by("id")
    return JsonResponse({
        "codigoGeneracion": code,
        "accepted": rows.filter(estado__in=["PROCESADO", "RECIBIDO"]).count(),
        "received": rows.count(),
        "estado": Document.objects.filter(codigo_generacion=code).values_list("estado", flat=True).first(),
        "answers": [r.answer for r in rows],
    })


@csrf_exempt
def control_issuers(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    body = _json_body(request) or {}
    try:
        jwsverify.public_key(body["public_key_pem"])
        issuer, _ = Issuer.objects.update_or_create(
            nit=body["nit"], defaults={"api_user": body.get("user") or body["nit"], "name": body.get("name", ""),
                                       "api_password_hash": hash_password(body["password"]),
                                       "public_key_pem": body["public_key_pem"]})
    except (KeyError, ValueError) as exc:
        return JsonResponse({"error": f"registro inválido: {exc}"}, status=400)
    return JsonResponse({"nit": issuer.nit, "user": issuer.api_user}, status=201)


def health(request):
    return JsonResponse({"status": "ok", "documents": Document.objects.count(),
                         "firmador_dir": os.environ.get("GOVSIM_FIRMADOR_DIR") or str(settings.VAR_DIR / "firmador")})
