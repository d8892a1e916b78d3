"""The adapters' HTTP: one httpx call, its failures sorted into "nothing reached the gateway"
(GatewayUnavailable) and "we cannot know" (NoAnswer, which money-moving calls turn into an
in_doubt Result). Bodies are never logged (card data and secrets stay out of logs)."""

import time

import httpx

from core import metrics
from payments.gateways.base import GatewayUnavailable


class NoAnswer(Exception):
    """The request may have reached the gateway and been processed; no answer came."""


class Response:
    def __init__(self, status, data, text, content=b""):
        self.status, self.data, self.text, self.content = status, data, text, content

    @property
    def ok(self):
        return 200 <= self.status < 300


def call(method, url, *, timeout, json=None, data=None, headers=None, auth=None, params=None):
    """One request. Connection refused / connect timeout / 503 → GatewayUnavailable (nothing was
    processed); a read timeout, a dropped connection or another 5xx → NoAnswer (maybe processed)."""
    started, outcome = time.monotonic(), "answer"
    try:
        return _call(method, url, timeout=timeout, json=json, data=data, headers=headers, auth=auth, params=params)
    except GatewayUnavailable:
        outcome = "unavailable"
        raise
    except NoAnswer:
        outcome = "no_answer"
        raise
    finally:
        metrics.observe_gateway_call(httpx.URL(url).host, outcome, time.monotonic() - started)


def _call(method, url, *, timeout, json, data, headers, auth, params):
    try:
        r = httpx.request(method, url, json=json, data=data, headers=headers, auth=auth, params=params,
                          timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)))
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise GatewayUnavailable(f"La pasarela no responde ({type(exc).__name__})") from None
    except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise NoAnswer(type(exc).__name__) from None
    if r.status_code == 503:
        raise GatewayUnavailable("La pasarela no está disponible (503)")
    if r.status_code >= 500:
        raise NoAnswer(f"HTTP {r.status_code}")
    try:
        body = r.json() if r.content else {}
    except ValueError:
        body = {}
    return Response(r.status_code, body, r.text[:500], r.content)


class TokenCache:
    """Access tokens per (url, client id), reused until a minute before they expire."""

    def __init__(self):
        self._tokens = {}

    def get(self, key):
        token, expires = self._tokens.get(key, ("", 0))
        return token if expires > time.monotonic() + 60 else ""

    def put(self, key, token, expires_in):
        self._tokens[key] = (token, time.monotonic() + float(expires_in or 300))


TOKENS = TokenCache()
