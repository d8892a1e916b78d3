"""The client for MH's API (facts §3): every endpoint, the token cached and refreshed on 401,
MH's timeouts, errors classified (dte.mh.errors) and every call recorded (dte.models.MHCall)."""

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field

import httpx
from django.core.cache import cache

from core import metrics
from core.fields import decrypt, encrypt
from dte.mh.errors import MHAuthError, MHInDoubtError, MHPermanentError, MHTransientError
from dte.models import MHCall, MHCallOutcome

MH_URLS = {"00": "https://apitest.dtes.mh.gob.sv", "01": "https://api.dtes.mh.gob.sv"}
RECEPTION_TIMEOUT = 8.0  # MH's manual: consult after 8 s without an answer
CONNECT_TIMEOUT = 5.0
LOT_TIMEOUT = 30.0  # sending a lot and asking for its results
TOKEN_TTL = 23 * 60 * 60  # MH tokens last 24 h in production (48 h in test); refresh before
USER_AGENT = "Facturador/1.0"


@dataclass
class MHAnswer:
    """MH's answer about one document (reception, consultation, invalidation)."""

    estado: str | None
    codigo_generacion: str = ""
    sello: str | None = None
    fh_procesamiento: str | None = None
    codigo_msg: str | None = None
    descripcion_msg: str | None = None
    observaciones: list = field(default_factory=list)
    raw: dict = field(default_factory=dict)

    @property
    def accepted(self):
        return self.estado in ("PROCESADO", "RECIBIDO")

    @property
    def rejected(self):
        return self.estado == "RECHAZADO"

    @classmethod
    def from_body(cls, body):
        return cls(
            estado=body.get("estado"),
            codigo_generacion=body.get("codigoGeneracion") or "",
            sello=body.get("selloRecibido"),
            fh_procesamiento=body.get("fhProcesamiento") or body.get("fechaHora"),
            codigo_msg=body.get("codigoMsg"),
            descripcion_msg=body.get("descripcionMsg") or body.get("mensaje"),
            observaciones=list(body.get("observaciones") or []),
            raw=body,
        )


def _digest(data):
    raw = data if isinstance(data, bytes) else json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()


class MHClient:
    def __init__(self, *, base_url, user, password, timeout=RECEPTION_TIMEOUT, transport=None):
        self.base_url = base_url.rstrip("/")
        self.user = user
        self._password = password
        self.timeout = timeout
        self._http = httpx.Client(
            base_url=self.base_url, transport=transport, headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
        )
        self._cache_key = "mh-token:" + hashlib.sha256(f"{self.base_url}|{user}".encode()).hexdigest()
        self._token, self._token_until = None, 0.0

    def __repr__(self):
        return f"MHClient({self.base_url!r}, user={self.user!r})"  # never the password or token

    def close(self):
        self._http.close()

    # ------------------------------------------------------------------------------------ token

    def _cached_token(self):
        # In memory first (a shared client serves many calls), then the cache shared by processes.
        if self._token and time.monotonic() < self._token_until:
            return self._token
        stored = cache.get(self._cache_key)
        if stored:
            self._token, self._token_until = decrypt(stored).decode(), time.monotonic() + 300
            return self._token
        return None

    def authenticate(self):
        """POST /seguridad/auth (form-encoded user/pwd). The token comes with "Bearer " in front."""
        body = self._request("POST", "/seguridad/auth", form={"user": self.user, "pwd": self._password},
                             summary={"user": self.user}, authenticated=False)
        token = (body.get("body") or {}).get("token") if body.get("status") == "OK" else None
        if not token:
            raise MHAuthError("MH no entregó un token", body=body)
        cache.set(self._cache_key, encrypt(token.encode()), TOKEN_TTL)  # tokens are secrets too
        self._token, self._token_until = token, time.monotonic() + 300
        return token

    def forget_token(self):
        self._token = None
        cache.delete(self._cache_key)

    # ------------------------------------------------------------------------------ the transport

    def _request(self, method, path, *, json_body=None, form=None, summary=None, code="", authenticated=True,
                 timeout=None, _retried=False):
        headers = {}
        if authenticated:
            headers["Authorization"] = self._cached_token() or self.authenticate()
        started = time.monotonic()
        record = {"endpoint": path, "method": method, "base_url": self.base_url, "codigo_generacion": code,
                  "request_digest": _digest(json_body if json_body is not None else b""),
                  "request_summary": summary or {}}
        try:
            response = self._http.request(method, path, json=json_body, data=form, headers=headers,
                                          timeout=timeout or self.timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            self._save(record, started, MHCallOutcome.TRANSIENT, error=f"{type(exc).__name__}: sin conexión con MH")
            raise MHTransientError(f"No se pudo conectar con MH ({type(exc).__name__})") from exc
        except (httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError, httpx.ReadError,
                httpx.WriteError) as exc:
            self._save(record, started, MHCallOutcome.IN_DOUBT, error=f"{type(exc).__name__}: enviado sin respuesta")
            raise MHInDoubtError(f"MH no respondió ({type(exc).__name__}); el documento pudo haberse recibido") from exc
        try:
            body = response.json()
        except ValueError:
            body = {"texto": response.text[:500]}
        if response.status_code == 401 and authenticated and not _retried:
            self._save(record, started, MHCallOutcome.PERMANENT, response=response, body=body, error="token vencido")
            self.forget_token()
            return self._request(method, path, json_body=json_body, form=form, summary=summary, code=code,
                                 authenticated=True, timeout=timeout, _retried=True)
        if response.status_code >= 500:
            self._save(record, started, MHCallOutcome.TRANSIENT, response=response, body=body)
            raise MHTransientError(f"MH respondió {response.status_code}", status_code=response.status_code, body=body)
        if isinstance(body, dict) and body.get("estado") in ("PROCESADO", "RECIBIDO", "RECHAZADO", "INVALIDADO"):
            outcome = MHCallOutcome.REJECTED if body["estado"] == "RECHAZADO" else MHCallOutcome.OK
            self._save(record, started, outcome, response=response, body=body)
            return body
        if response.status_code >= 400:
            self._save(record, started, MHCallOutcome.PERMANENT, response=response, body=body)
            error = MHAuthError if response.status_code in (401, 403) else MHPermanentError
            raise error(f"MH rechazó la solicitud ({response.status_code})", status_code=response.status_code, body=body)
        self._save(record, started, MHCallOutcome.OK, response=response, body=body)
        return body

    def _save(self, record, started, outcome, *, response=None, body=None, error=""):
        if isinstance(body, dict) and record["endpoint"] == "/seguridad/auth" and isinstance(body.get("body"), dict):
            body = {**body, "body": {k: v for k, v in body["body"].items() if k != "token"}}  # never store the token
        seconds = time.monotonic() - started
        MHCall.objects.create(
            **record, status_code=response.status_code if response is not None else None, response_body=body,
            duration_ms=int(seconds * 1000), outcome=outcome, error=error[:300],
        )
        metrics.observe_mh_call(record["endpoint"], outcome, seconds)

    # -------------------------------------------------------------------------------- endpoints

    def send_dte(self, *, ambiente, id_envio, version, tipo_dte, documento, codigo_generacion):
        body = self._request("POST", "/fesv/recepciondte", code=codigo_generacion, json_body={
            "ambiente": ambiente, "idEnvio": id_envio, "version": version, "tipoDte": tipo_dte,
            "documento": documento, "codigoGeneracion": codigo_generacion,
        }, summary={"tipoDte": tipo_dte, "version": version, "idEnvio": id_envio})
        return MHAnswer.from_body(body)

    def send_lot(self, *, ambiente, id_envio, version, nit_emisor, documentos):
        # A lot is up to 100 signed documents and MH answers it asynchronously: MH's 8 s rule for
        # one document does not apply, a slower answer is still an answer.
        return self._request("POST", "/fesv/recepcionlote/", timeout=max(self.timeout, LOT_TIMEOUT), json_body={
            "ambiente": ambiente, "idEnvio": id_envio, "version": version, "nitEmisor": nit_emisor,
            "documentos": list(documentos),
        }, summary={"documentos": len(documentos), "idEnvio": id_envio})

    def query_lot(self, codigo_lote):
        return self._request("GET", f"/fesv/recepcion/consultadtelote/{codigo_lote}", summary={"codigoLote": codigo_lote},
                             timeout=max(self.timeout, LOT_TIMEOUT))

    def query_dte(self, *, nit_emisor, tipo_dte, codigo_generacion):
        body = self._request("POST", "/fesv/recepcion/consultadte/", code=codigo_generacion, json_body={
            "nitEmisor": nit_emisor, "tdte": tipo_dte, "codigoGeneracion": codigo_generacion,
        }, summary={"tdte": tipo_dte})
        return MHAnswer.from_body(body)

    def send_contingency(self, *, nit, documento, codigo_generacion=""):
        body = self._request("POST", "/fesv/contingencia", code=codigo_generacion,
                             json_body={"nit": nit, "documento": documento}, summary={"nit": nit})
        return MHAnswer.from_body(body)

    def invalidate(self, *, ambiente, id_envio, version, documento, codigo_generacion=""):
        body = self._request("POST", "/fesv/anulardte", code=codigo_generacion, json_body={
            "ambiente": ambiente, "idEnvio": id_envio, "version": version, "documento": documento,
        }, summary={"version": version, "idEnvio": id_envio})
        return MHAnswer.from_body(body)


_clients = {}
_clients_lock = threading.Lock()


def base_url_for(company):
    """The address of the company's MH (its calls are logged by it: the circuit breaker reads them so)."""
    return (company.mh_api_url or MH_URLS[company.mh_environment]).rstrip("/")


def client_for_company(company, *, shared=False, **kwargs):
    """An MH client for the company. ``shared``: one per process and settings, reused across calls
    (an HTTP client with its TLS context and open connections costs ~15 ms to build); the cache
    key includes a digest of the password, so changed credentials get a new client."""
    base_url = base_url_for(company)
    password = company.mh_api_password or ""
    if not shared:
        return MHClient(base_url=base_url, user=company.mh_api_user, password=password, **kwargs)
    key = (base_url, company.mh_api_user, hashlib.sha256(password.encode()).hexdigest(), tuple(sorted(kwargs.items())))
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = MHClient(base_url=base_url, user=company.mh_api_user, password=password,
                                                  **kwargs)
    return client
