"""Our MH client and signer against a real govsim process over HTTP."""

import datetime
import re
import uuid
from pathlib import Path

import httpx
import pytest
from django.core.cache import cache
from django.utils import timezone

from dte.mh.client import MHClient
from dte.mh.errors import MHAuthError, MHInDoubtError, MHPermanentError, MHTransientError
from dte.models import MHCall
from dte.signing import jws
from tests.mh_helpers import (
    SAMPLE_NIT,
    clear_faults,
    contingency_event,
    deep,
    fault,
    invalidation_event,
    ledger,
    register_issuer,
    sample_ccf,
    signed,
)

pytestmark = pytest.mark.django_db
API_PASSWORD = "api-clave-de-prueba"
SELLO = re.compile(r"^[A-Z0-9]{40}$")
FH = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def issuer(govsim):
    _crt, key = register_issuer(govsim, nit=SAMPLE_NIT, api_password=API_PASSWORD)
    return key


@pytest.fixture
def client(govsim, issuer):
    cache.clear()
    clear_faults(govsim)
    c = MHClient(base_url=govsim, user=SAMPLE_NIT, password=API_PASSWORD)
    yield c
    clear_faults(govsim)
    httpx.delete(f"{govsim}/_govsim/clock")
    c.close()


def _send(client, doc, key):
    ident = doc["identificacion"]
    return client.send_dte(ambiente=ident["ambiente"], id_envio=1, version=ident["version"], tipo_dte=ident["tipoDte"],
                           documento=signed(doc, key), codigo_generacion=ident["codigoGeneracion"])


def test_mh_signed_example_decodes_to_its_payload(shared_dir):
    samples = shared_dir / "spec" / "samples"
    import json

    token = (samples / "mh-manual-funcional-v1.1_ejemplo-ccf-v3_firmado.jws.txt").read_text().strip()
    payload = json.loads((samples / "mh-manual-funcional-v1.1_ejemplo-ccf-v3_payload-firmado.json").read_text())
    header, _payload, _input, signature = jws.split(token)
    assert header == {"alg": "RS512"} and len(signature) == 256  # RSA-2048
    assert jws.decode(token) == payload


def test_sample_ccf_dated_today_is_signed_by_us_and_sealed(client, issuer, shared_dir, govsim):
    doc = sample_ccf(shared_dir)
    code = doc["identificacion"]["codigoGeneracion"]
    answer = _send(client, doc, issuer)
    assert answer.estado == "PROCESADO", answer.raw
    assert SELLO.match(answer.sello) and FH.match(answer.fh_procesamiento)
    assert answer.codigo_generacion == code and answer.codigo_msg == "001"
    assert ledger(govsim, code)["accepted"] == 1
    calls = list(MHCall.objects.order_by("id").values_list("endpoint", "outcome"))
    assert calls == [("/seguridad/auth", "ok"), ("/fesv/recepciondte", "ok")]
    stored = MHCall.objects.get(endpoint="/fesv/recepciondte")
    assert stored.codigo_generacion == code and len(stored.request_digest) == 64
    assert stored.response_body["selloRecibido"] == answer.sello
    dumped = str(list(MHCall.objects.values()))
    token = client._cached_token().removeprefix("Bearer ")
    assert API_PASSWORD not in dumped and token not in dumped  # no secrets in the records


def test_token_is_cached_not_fetched_per_call(client, issuer, shared_dir):
    for _ in range(3):
        assert _send(client, sample_ccf(shared_dir), issuer).accepted
    assert MHCall.objects.filter(endpoint="/seguridad/auth").count() == 1


def test_expired_token_is_refreshed_on_401(client, issuer, shared_dir):
    from core.fields import encrypt

    cache.set(client._cache_key, encrypt(b"Bearer token-vencido"), 60)
    assert _send(client, sample_ccf(shared_dir), issuer).accepted
    outcomes = list(MHCall.objects.order_by("id").values_list("endpoint", "status_code"))
    assert outcomes == [("/fesv/recepciondte", 401), ("/seguridad/auth", 200), ("/fesv/recepciondte", 200)]


def test_wrong_credentials_are_a_permanent_auth_error(govsim, issuer):
    cache.clear()
    c = MHClient(base_url=govsim, user=SAMPLE_NIT, password="equivocada")
    with pytest.raises(MHAuthError) as exc:
        c.authenticate()
    assert exc.value.status_code == 401 and exc.value.body["body"]["codigoMsg"] == "106"


def test_duplicate_is_rejected_and_accepted_only_once(client, issuer, shared_dir, govsim):
    doc = sample_ccf(shared_dir)
    assert _send(client, doc, issuer).accepted
    again = _send(client, doc, issuer)
    assert again.rejected and again.sello is None
    assert "YA EXISTE" in again.observaciones[0]
    assert ledger(govsim, doc["identificacion"]["codigoGeneracion"])["accepted"] == 1
    assert MHCall.objects.filter(outcome="rejected").count() == 1


def test_wrong_signature_is_rejected(client, shared_dir):
    from dte.signing.certificates import build_mh_crt, load_signing_key

    other = load_signing_key(build_mh_crt(nit=SAMPLE_NIT, password="x"), "x")
    answer = _send(client, sample_ccf(shared_dir), other)
    assert answer.rejected and answer.codigo_msg == "802"
    assert "firma" in answer.observaciones[0].lower()


def test_schema_violations_are_rejected_naming_the_field(client, issuer, shared_dir):
    doc = sample_ccf(shared_dir)
    del doc["receptor"]["nrc"]
    doc["identificacion"]["numeroControl"] = "DTE-03-0000-1"
    answer = _send(client, doc, issuer)
    assert answer.rejected and answer.codigo_msg == "004"
    text = " ".join(answer.observaciones)
    assert "nrc" in text and "numeroControl" in text


def test_out_of_window_date_is_rejected(client, issuer, shared_dir):
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    answer = _send(client, sample_ccf(shared_dir, fecEmi=future), issuer)
    assert answer.rejected and "fecEmi" in answer.observaciones[0]
    old = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    assert _send(client, sample_ccf(shared_dir, fecEmi=old), issuer).rejected


def test_envelope_must_agree_with_document(client, issuer, shared_dir):
    doc = sample_ccf(shared_dir)
    answer = client.send_dte(ambiente="00", id_envio=1, version=3, tipo_dte="03", documento=signed(doc, issuer),
                             codigo_generacion="00000000-0000-4000-8000-000000000000")
    assert answer.rejected and "codigoGeneracion" in answer.observaciones[0]


def test_document_of_another_issuer_is_refused(client, shared_dir, govsim):
    _crt, other_key = register_issuer(govsim, nit="06140507071048", api_password="otra")
    doc = sample_ccf(shared_dir)
    answer = _send(client, doc, other_key)  # signed by someone else's key, sent under our token
    assert answer.rejected


def test_malformed_envelope_gets_a_bare_400(client, issuer, govsim):
    token = client.authenticate()
    response = httpx.post(f"{govsim}/fesv/recepciondte", json={"ambiente": "00"}, headers={"Authorization": token})
    assert response.status_code == 400
    assert set(response.json()) == {"timestamp", "status", "error", "path"}
    with pytest.raises(MHPermanentError) as exc:
        client.send_dte(ambiente="00", id_envio=1, version="3", tipo_dte="03", documento="x", codigo_generacion="y")
    assert exc.value.status_code == 400
    assert MHCall.objects.filter(outcome="permanent").exists()


def test_missing_token_is_401(govsim):
    response = httpx.post(f"{govsim}/fesv/recepciondte", json={})
    assert response.status_code == 401


# ------------------------------------------------------------------------------------- faults


def test_fault_down_503_is_transient(client, issuer, shared_dir, govsim):
    client.authenticate()
    fault(govsim, mode="down", count=1)
    with pytest.raises(MHTransientError) as exc:
        _send(client, sample_ccf(shared_dir), issuer)
    assert exc.value.status_code == 503
    assert _send(client, sample_ccf(shared_dir), issuer).accepted  # the next request goes through


def test_fault_5xx_share_is_transient(client, issuer, shared_dir, govsim):
    client.authenticate()
    fault(govsim, mode="error", status_code=500, share=1.0, seconds=30)
    with pytest.raises(MHTransientError):
        _send(client, sample_ccf(shared_dir), issuer)
    assert MHCall.objects.filter(outcome="transient", status_code=500).exists()


def test_fault_slow_is_in_doubt_and_consult_finds_it(govsim, issuer, shared_dir):
    cache.clear()
    clear_faults(govsim)
    c = MHClient(base_url=govsim, user=SAMPLE_NIT, password=API_PASSWORD, timeout=0.5)
    c.authenticate()
    fault(govsim, mode="slow", latency_ms=1500, count=1)
    doc = sample_ccf(shared_dir)
    with pytest.raises(MHInDoubtError):
        _send(c, doc, issuer)
    import time

    time.sleep(1.5)
    found = c.query_dte(nit_emisor=SAMPLE_NIT, tipo_dte="03", codigo_generacion=doc["identificacion"]["codigoGeneracion"])
    assert found.estado == "PROCESADO" and SELLO.match(found.sello)
    assert MHCall.objects.filter(outcome="in_doubt").count() == 1


def test_fault_drop_answer_is_in_doubt_but_mh_accepted_it(client, issuer, shared_dir, govsim):
    client.authenticate()
    fault(govsim, mode="drop", count=1)
    doc = sample_ccf(shared_dir)
    with pytest.raises(MHInDoubtError):
        _send(client, doc, issuer)
    code = doc["identificacion"]["codigoGeneracion"]
    assert ledger(govsim, code)["accepted"] == 1
    assert client.query_dte(nit_emisor=SAMPLE_NIT, tipo_dte="03", codigo_generacion=code).accepted
    # Resending the same document after the drop is rejected as a duplicate, never accepted twice.
    assert _send(client, doc, issuer).rejected
    assert ledger(govsim, code)["accepted"] == 1


def test_fault_share_applies_to_a_fraction_of_requests(client, issuer, shared_dir, govsim):
    client.authenticate()
    fault(govsim, mode="reject", share=0.0, seconds=30)  # never rolls
    assert _send(client, sample_ccf(shared_dir), issuer).accepted
    fault(govsim, mode="drop", share=0.0, seconds=30)  # two share faults together: neither applies
    assert _send(client, sample_ccf(shared_dir), issuer).accepted


def test_fault_reject_everything(client, issuer, shared_dir, govsim):
    client.authenticate()
    fault(govsim, mode="reject", seconds=30)
    answer = _send(client, sample_ccf(shared_dir), issuer)
    assert answer.rejected and answer.codigo_msg == "999"


def test_fault_connection_refused_is_transient_then_recovers(client, issuer, shared_dir, govsim):
    import subprocess
    import sys
    import time

    client.authenticate()
    subprocess.run([sys.executable, "-m", "govsim", "fault", "refuse", "--seconds", "3", "--url", govsim],
                   check=True, capture_output=True)
    time.sleep(0.5)
    with pytest.raises(MHTransientError):
        _send(client, sample_ccf(shared_dir), issuer)
    deadline = time.monotonic() + 30
    while True:
        time.sleep(0.5)
        try:
            if _send(client, sample_ccf(shared_dir), issuer).accepted:
                break
        # A loaded machine can make govsim answer after the read timeout while it comes back: that
        # send is in doubt (a new sample is sent next), not a sign the refusal was misread.
        except (MHTransientError, MHInDoubtError):
            if time.monotonic() > deadline:
                raise


def test_fault_from_the_command_line(govsim, client, issuer, shared_dir):
    import subprocess
    import sys

    client.authenticate()
    result = subprocess.run([sys.executable, "-m", "govsim", "fault", "down", "--count", "1", "--url", govsim],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    with pytest.raises(MHTransientError):
        _send(client, sample_ccf(shared_dir), issuer)


# ------------------------------------------------------------------------ lots and events


def test_lot_is_processed_asynchronously(client, issuer, shared_dir):
    import time

    docs = [sample_ccf(shared_dir) for _ in range(3)]
    bad = sample_ccf(shared_dir)
    del bad["resumen"]["totalLetras"]
    answer = client.send_lot(ambiente="00", id_envio=7, version=3, nit_emisor=SAMPLE_NIT,
                             documentos=[signed(d, issuer) for d in docs + [bad]])
    assert answer["estado"] == "RECIBIDO" and re.match(r"^[A-F0-9-]{36}$", answer["codigoLote"])
    first = client.query_lot(answer["codigoLote"])
    assert first["estado"] == "EN PROCESO"
    time.sleep(0.7)
    result = client.query_lot(answer["codigoLote"])
    assert result["estado"] == "PROCESADO"
    assert {a["codigoGeneracion"] for a in result["procesados"]} == {d["identificacion"]["codigoGeneracion"] for d in docs}
    assert [a["codigoGeneracion"] for a in result["rechazados"]] == [bad["identificacion"]["codigoGeneracion"]]
    assert all(SELLO.match(a["selloRecibido"]) for a in result["procesados"])


def test_lot_over_100_documents_is_refused(client, issuer, shared_dir):
    token = signed(sample_ccf(shared_dir), issuer)
    answer = client.send_lot(ambiente="00", id_envio=8, version=3, nit_emisor=SAMPLE_NIT, documentos=[token] * 101)
    assert answer["estado"] == "RECHAZADO" and answer["codigoLote"] is None
    assert "100" in answer["observaciones"][0]


def test_contingency_documents_need_their_event_first(client, issuer, shared_dir):
    now = timezone.localtime()
    doc = sample_ccf(shared_dir, tipoModelo=2, tipoOperacion=2, tipoContingencia=1)
    code = doc["identificacion"]["codigoGeneracion"]
    early = _send(client, doc, issuer)
    assert early.rejected and "evento de contingencia" in early.observaciones[0]
    event = contingency_event(nit=SAMPLE_NIT, codes=[(code, "03")], start=now - datetime.timedelta(hours=2),
                              end=now - datetime.timedelta(minutes=30))
    answer = client.send_contingency(nit=SAMPLE_NIT, documento=signed(event, issuer))
    assert answer.estado == "RECIBIDO" and SELLO.match(answer.sello)
    assert client.send_lot(ambiente="00", id_envio=9, version=3, nit_emisor=SAMPLE_NIT,
                           documentos=[signed(deep(doc), issuer)])["estado"] == "RECIBIDO"
    # Sent alone after the event, the same document is accepted too (individual transmission).
    doc2 = sample_ccf(shared_dir, tipoModelo=2, tipoOperacion=2, tipoContingencia=1)
    assert _send(client, doc2, issuer).rejected  # not listed in any event


def test_lots_are_processed_in_the_background_and_answered_per_document(client, issuer, shared_dir, govsim):
    import time

    now = timezone.localtime()
    listed = sample_ccf(shared_dir, tipoModelo=2, tipoOperacion=2, tipoContingencia=1)
    unlisted = sample_ccf(shared_dir, tipoModelo=2, tipoOperacion=2, tipoContingencia=1)
    code = listed["identificacion"]["codigoGeneracion"]
    event = contingency_event(nit=SAMPLE_NIT, codes=[(code, "03")], start=now - datetime.timedelta(hours=1),
                              end=now - datetime.timedelta(minutes=5))
    assert client.send_contingency(nit=SAMPLE_NIT, documento=signed(event, issuer)).estado == "RECIBIDO"
    sent = client.send_lot(ambiente="00", id_envio=10, version=3, nit_emisor=SAMPLE_NIT,
                           documentos=[signed(listed, issuer), signed(unlisted, issuer)])
    assert sent["estado"] == "RECIBIDO" and sent["codigoLote"]
    assert client.query_lot(sent["codigoLote"])["estado"] == "EN PROCESO"
    deadline = time.monotonic() + 20
    while ledger(govsim, code)["accepted"] == 0 and time.monotonic() < deadline:
        time.sleep(0.2)  # processed by govsim on its own, as MH does, with nobody asking
    assert ledger(govsim, code)["accepted"] == 1
    result = client.query_lot(sent["codigoLote"])
    assert result["estado"] == "PROCESADO"
    assert [a["codigoGeneracion"] for a in result["procesados"]] == [code] and SELLO.match(result["procesados"][0]["selloRecibido"])
    assert [a["codigoGeneracion"] for a in result["rechazados"]] == [unlisted["identificacion"]["codigoGeneracion"]]
    assert "evento de contingencia" in result["rechazados"][0]["observaciones"][0]


def test_contingency_event_deadline_and_period(client, issuer):
    now = timezone.localtime()
    late = contingency_event(nit=SAMPLE_NIT, codes=[("A" * 8 + "-AAAA-4AAA-8AAA-" + "A" * 12, "01")],
                             start=now - datetime.timedelta(days=3), end=now - datetime.timedelta(hours=30))
    answer = client.send_contingency(nit=SAMPLE_NIT, documento=signed(late, issuer))
    assert answer.rejected and "24 horas" in answer.observaciones[0]


def test_invalidation_rules(client, issuer, shared_dir, govsim):
    doc = sample_ccf(shared_dir)
    sealed = _send(client, doc, issuer)
    # Type 1 (error) needs a sealed replacement document.
    event = invalidation_event(sealed_doc=doc, sello=sealed.sello, tipo=1)
    answer = client.invalidate(ambiente="00", id_envio=1, version=2, documento=signed(event, issuer))
    assert answer.rejected and "codigoGeneracionR" in answer.observaciones[0]
    # A wrong seal does not match the sealed document.
    event = invalidation_event(sealed_doc=doc, sello="2026" + "X" * 36, tipo=2)
    assert client.invalidate(ambiente="00", id_envio=1, version=2, documento=signed(event, issuer)).rejected
    # Type 2 (rescind) with no replacement: invalidated.
    event = invalidation_event(sealed_doc=doc, sello=sealed.sello, tipo=2)
    answer = client.invalidate(ambiente="00", id_envio=1, version=2, documento=signed(event, issuer))
    assert answer.accepted and SELLO.match(answer.sello)
    code = doc["identificacion"]["codigoGeneracion"]
    assert client.query_dte(nit_emisor=SAMPLE_NIT, tipo_dte="03", codigo_generacion=code).estado == "INVALIDADO"
    again = invalidation_event(sealed_doc=doc, sello=sealed.sello, tipo=2)
    assert client.invalidate(ambiente="00", id_envio=1, version=2, documento=signed(again, issuer)).rejected
    page = httpx.get(f"{govsim}/consultaPublica", params={"ambiente": "00", "codGen": code,
                                                          "fechaEmi": doc["identificacion"]["fecEmi"]})
    assert page.status_code == 200 and "invalidado" in page.text.lower()


def test_public_consultation_page(client, issuer, shared_dir, govsim):
    doc = sample_ccf(shared_dir)
    answer = _send(client, doc, issuer)
    code = doc["identificacion"]["codigoGeneracion"]
    page = httpx.get(f"{govsim}/consultaPublica", params={"ambiente": "00", "codGen": code,
                                                          "fechaEmi": doc["identificacion"]["fecEmi"]})
    assert page.status_code == 200 and answer.sello in page.text and "Documento válido" in page.text
    missing = httpx.get(f"{govsim}/consultaPublica", params={"ambiente": "00", "codGen": "X", "fechaEmi": "2020-01-01"})
    assert missing.status_code == 404 and "No se encontró" in missing.text


def test_invalidation_deadline_follows_the_type(client, issuer, shared_dir, govsim):
    # A CCF may be invalidated until 23:59:59 of the day after its seal (2023 manual, facts §6).
    doc = sample_ccf(shared_dir)
    sealed = _send(client, doc, issuer)
    httpx.post(f"{govsim}/_govsim/clock", json={"offset_seconds": 2 * 24 * 3600 + 60})
    event = invalidation_event(sealed_doc=doc, sello=sealed.sello, tipo=2)
    late = client.invalidate(ambiente="00", id_envio=1, version=2, documento=signed(event, issuer))
    assert late.rejected and "plazo" in late.observaciones[0]
    httpx.delete(f"{govsim}/_govsim/clock")
    event = invalidation_event(sealed_doc=doc, sello=sealed.sello, tipo=2)
    assert client.invalidate(ambiente="00", id_envio=1, version=2, documento=signed(event, issuer)).accepted


def test_ccf_with_a_credit_note_cannot_be_invalidated_first(client, issuer, shared_dir):
    import json

    ccf = sample_ccf(shared_dir)
    sealed = _send(client, ccf, issuer)
    notes = sorted((Path(__file__).resolve().parents[1] / "dte" / "tests" / "corpus" / "2023").glob("05-*.json"))
    if not notes:
        pytest.fail("falta un corpus de notas de crédito (05-*.json)")
    nc = json.loads(notes[0].read_text())
    nc["identificacion"].update(fecEmi=timezone.localdate().isoformat(), codigoGeneracion=str(uuid.uuid4()).upper(),
                                ambiente="00", tipoModelo=1, tipoOperacion=1, tipoContingencia=None, motivoContin=None)
    nc["emisor"]["nit"] = SAMPLE_NIT
    nc["documentoRelacionado"] = [{"tipoDocumento": "03", "tipoGeneracion": 2,
                                   "numeroDocumento": ccf["identificacion"]["codigoGeneracion"],
                                   "fechaEmision": ccf["identificacion"]["fecEmi"]}]
    for item in nc["cuerpoDocumento"]:
        item["numeroDocumento"] = ccf["identificacion"]["codigoGeneracion"]
    # A note about a document MH never sealed is refused.
    orphan = json.loads(json.dumps(nc))
    orphan["identificacion"]["codigoGeneracion"] = str(uuid.uuid4()).upper()
    orphan["documentoRelacionado"][0]["numeroDocumento"] = str(uuid.uuid4()).upper()
    for item in orphan["cuerpoDocumento"]:
        item["numeroDocumento"] = orphan["documentoRelacionado"][0]["numeroDocumento"]
    refused = _send(client, orphan, issuer)
    assert refused.rejected and "documentoRelacionado" in refused.observaciones[0]
    accepted = _send(client, nc, issuer)
    assert accepted.accepted, accepted.observaciones
    event = invalidation_event(sealed_doc=ccf, sello=sealed.sello, tipo=2)
    blocked = client.invalidate(ambiente="00", id_envio=1, version=2, documento=signed(event, issuer))
    assert blocked.rejected and "notas" in blocked.observaciones[0]
