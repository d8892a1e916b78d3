"""The transmission pipeline end to end: documents issued here go, after commit, through Redis to
a real Celery worker, which talks HTTP to govsim. Every fault mode ends in the right state, and
govsim's ledger proves nothing is accepted twice."""

import time

import httpx
import pytest
from django.utils import timezone

from dte.models import Document, GovStatus, MHCall, Outbox, OutboxState
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from tests.mh_helpers import fault, ledger

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait(doc, *statuses, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = Document.objects.get(pk=doc.pk)
        if current.status in statuses:
            return current
        time.sleep(0.2)
    raise AssertionError(f"{doc} sigue en {Document.objects.get(pk=doc.pk).status}, se esperaba {statuses}")


def _issue(make_draft, issuer):
    return document_issue(document=make_draft("01", [line("Servicio", "1", "11.30")]), acting_user=issuer)


def test_sealed_on_the_happy_path(wired, make_draft, issuer):
    doc = _issue(make_draft, issuer)
    sealed = _wait(doc, GovStatus.SEALED)
    assert len(sealed.sello_recibido) == 40 and sealed.mh_code and sealed.processed_at
    assert ledger(wired, doc.codigo_generacion)["accepted"] == 1
    outbox = Outbox.objects.get(document=doc)
    assert (outbox.state, outbox.sends) == (OutboxState.DONE, 1)
    call = MHCall.objects.get(endpoint="/fesv/recepciondte", codigo_generacion=doc.codigo_generacion)
    assert call.outcome == "ok" and call.document_status == GovStatus.SEALED and call.request_digest
    history = list(sealed.history.values_list("to_status", flat=True))
    assert history == ["pending", "transmitting", "sealed"]


def test_mh_down_is_retried_until_sealed(wired, make_draft, issuer):
    fault(wired, mode="down", count=2)
    doc = _issue(make_draft, issuer)
    sealed = _wait(doc, GovStatus.SEALED)
    assert ledger(wired, doc.codigo_generacion)["accepted"] == 1
    assert MHCall.objects.filter(codigo_generacion=doc.codigo_generacion, outcome="transient").count() >= 1
    assert Outbox.objects.get(document=doc).attempts >= 2
    history = list(sealed.history.values_list("to_status", flat=True))
    assert "pending" in history[2:]  # waited, then went again
    assert "in_doubt" not in history  # a 503: MH did not take it, nothing to doubt (facts §3)


def test_5xx_for_a_while_then_sealed(wired, make_draft, issuer):
    # Two tries answered 500: fewer than MH's three tries before contingency (facts §3).
    fault(wired, mode="error", status_code=500, share=1.0, count=2)
    doc = _issue(make_draft, issuer)
    _wait(doc, GovStatus.SEALED)
    assert ledger(wired, doc.codigo_generacion)["accepted"] == 1
    assert MHCall.objects.filter(codigo_generacion=doc.codigo_generacion, status_code=500).exists()


def test_slow_answer_is_resolved_by_asking_mh(wired, make_draft, issuer):
    fault(wired, mode="slow", latency_ms=3000, count=1)  # longer than the worker's 2 s timeout
    doc = _issue(make_draft, issuer)
    _wait(doc, GovStatus.SEALED)
    assert ledger(wired, doc.codigo_generacion)["accepted"] == 1
    assert MHCall.objects.filter(codigo_generacion=doc.codigo_generacion, outcome="in_doubt").count() == 1


def test_dropped_answer_is_resolved_by_asking_and_never_sent_twice(wired, make_draft, issuer):
    fault(wired, mode="drop", count=1)  # govsim accepts the document and the answer never arrives
    doc = _issue(make_draft, issuer)
    sealed = _wait(doc, GovStatus.SEALED)
    entry = ledger(wired, doc.codigo_generacion)
    assert entry["accepted"] == 1 and entry["received"] == 1  # one reception: no resend
    calls = list(MHCall.objects.filter(codigo_generacion=doc.codigo_generacion).order_by("at", "id")
                 .values_list("endpoint", "outcome"))
    assert calls == [("/fesv/recepciondte", "in_doubt"), ("/fesv/recepcion/consultadte/", "ok")]
    assert sealed.sello_recibido == entry["answers"][0]["selloRecibido"]


def test_rejection_is_kept_then_corrected_and_sealed_with_the_same_number_and_code(wired, make_draft, issuer):
    from dte.services.corrections import document_correct

    fault(wired, mode="reject", count=1)
    doc = _issue(make_draft, issuer)
    rejected = _wait(doc, GovStatus.REJECTED)
    assert (rejected.mh_code, rejected.mh_message) == ("999", "RECHAZADO POR EL SIMULADOR")
    assert rejected.mh_observations == ["Falla simulada: se rechaza todo"]
    assert Outbox.objects.get(document=doc).state == OutboxState.DONE
    document_correct(document=rejected, acting_user=issuer)
    again = document_issue(document=rejected, acting_user=issuer)  # corrected within 24 h: same code, same number
    assert (again.numero_control, again.codigo_generacion) == (doc.numero_control, doc.codigo_generacion)
    sealed = _wait(doc, GovStatus.SEALED)
    assert list(sealed.history.values_list("to_status", flat=True)) == [
        "pending", "transmitting", "rejected", "correcting", "pending", "transmitting", "sealed"]
    assert ledger(wired, doc.codigo_generacion)["accepted"] == 1


def test_a_correction_after_the_window_gets_a_new_code(wired, make_draft, issuer):
    import datetime

    from dte.services.corrections import document_correct

    fault(wired, mode="reject", count=1)
    doc = _issue(make_draft, issuer)
    _wait(doc, GovStatus.REJECTED)
    Document.objects.filter(pk=doc.pk).update(rejected_at=timezone.now() - datetime.timedelta(hours=25))
    rejected = Document.objects.get(pk=doc.pk)
    document_correct(document=rejected, acting_user=issuer)
    again = document_issue(document=rejected, acting_user=issuer)
    assert again.numero_control == doc.numero_control and again.codigo_generacion != doc.codigo_generacion
    assert again.previous_codes == [doc.codigo_generacion]
    _wait(doc, GovStatus.SEALED)


def test_bad_credentials_stop_and_are_shown(wired, make_draft, issuer, signing_company):
    signing_company.mh_api_password = "no-es-la-clave"
    signing_company.save()
    doc = _issue(make_draft, issuer)
    deadline = time.monotonic() + 30
    while Outbox.objects.get(document=doc).state != OutboxState.STOPPED and time.monotonic() < deadline:
        time.sleep(0.2)
    outbox = Outbox.objects.get(document=doc)
    assert outbox.state == OutboxState.STOPPED and "Credenciales de MH rechazadas" in outbox.last_error
    assert Document.objects.get(pk=doc.pk).status == GovStatus.PENDING
    assert ledger(wired, doc.codigo_generacion)["received"] == 0


def test_a_lost_message_is_requeued_by_the_sweeper(wired, make_draft, issuer, monkeypatch, settings):
    from dte.transmission import outbox

    monkeypatch.setattr(outbox, "queue_after_commit", lambda outbox_id: None)  # the broker message is lost
    doc = _issue(make_draft, issuer)
    time.sleep(1)
    assert Document.objects.get(pk=doc.pk).status == GovStatus.PENDING
    settings.DTE_SWEEP_GRACE_SECONDS = 0
    assert outbox.sweep() == (1, 0)
    _wait(doc, GovStatus.SEALED)
    assert ledger(wired, doc.codigo_generacion)["accepted"] == 1


def test_a_worker_that_died_holding_a_document_is_recovered_without_a_second_send(wired, make_draft, issuer, settings,
                                                                                 monkeypatch):
    """The worker sent it (MH has it) and died before saving the answer: the sweeper releases
    the claim, the document is in doubt, and the next run asks MH instead of sending."""
    import datetime

    from dte.mh.client import client_for_company
    from dte.transitions import transition
    from dte.transmission import outbox as pipeline

    monkeypatch.setattr(pipeline, "queue_after_commit", lambda outbox_id: None)
    doc = _issue(make_draft, issuer)
    outbox = Outbox.objects.get(document=doc)
    assert pipeline.claim(outbox.pk)
    transition(doc, GovStatus.TRANSMITTING, reason="prueba")
    client = client_for_company(doc.company)
    client.send_dte(ambiente="00", id_envio=1, version=doc.version, tipo_dte="01", documento=doc.jws,
                    codigo_generacion=doc.codigo_generacion)  # ...and then the process is killed
    Outbox.objects.filter(pk=outbox.pk).update(sends=1, claimed_at=timezone.now() - datetime.timedelta(minutes=10))
    settings.DTE_SWEEP_GRACE_SECONDS = 0
    assert pipeline.sweep() == (1, 1)
    sealed = _wait(doc, GovStatus.SEALED)
    assert "in_doubt" in list(sealed.history.values_list("to_status", flat=True))
    entry = ledger(wired, doc.codigo_generacion)
    assert entry["received"] == 1 and entry["accepted"] == 1
    assert MHCall.objects.filter(codigo_generacion=doc.codigo_generacion, endpoint="/fesv/recepciondte").count() == 1


def test_a_second_run_of_the_same_task_does_nothing(wired, make_draft, issuer):
    from dte.transmission import pipeline

    doc = _issue(make_draft, issuer)
    _wait(doc, GovStatus.SEALED)
    assert pipeline.transmit(Outbox.objects.get(document=doc).pk) == "skipped"
    assert ledger(wired, doc.codigo_generacion)["received"] == 1


# ---------------------------------------------------------------------------------- invalidation

RESPONSIBLE = {"name": "Carlos Contador", "id_type": "13", "id_number": "00016297-5"}
REQUESTER = {"name": "Ana López Cliente", "id_type": "13", "id_number": "00016297-5"}


def test_invalidation_accepted_by_mh(wired, make_draft, issuer, parties):
    from dte.invalidation import invalidation_request
    from dte.models import Invalidation

    doc = document_issue(document=make_draft("01", [line("Servicio", "1", "11.30")], client=parties["consumer"]),
                         acting_user=issuer)
    _wait(doc, GovStatus.SEALED)
    replacement = document_issue(document=make_draft("01", [line("Servicio", "1", "10.17")],
                                                     client=parties["consumer"]), acting_user=issuer)
    replacement = _wait(replacement, GovStatus.SEALED)
    record = invalidation_request(document=doc, acting_user=issuer, tipo=1, reason="Precio equivocado en la línea 1",
                                  replacement=replacement, responsible=RESPONSIBLE, requester=REQUESTER)
    assert Document.objects.get(pk=doc.pk).status == GovStatus.INVALIDATION_PENDING
    invalidated = _wait(doc, GovStatus.INVALIDATED)
    record.refresh_from_db()
    assert record.state == "accepted" and len(record.sello_recibido) == 40
    assert list(invalidated.history.values_list("to_status", flat=True))[-2:] == ["invalidation_pending", "invalidated"]
    event = httpx.get(f"{wired}/_govsim/ledger", params={"codigoGeneracion": doc.codigo_generacion}).json()
    assert event["estado"] == "INVALIDADO"
    assert Invalidation.objects.get(pk=record.pk).document == doc


def test_invalidation_refused_before_sending(wired, make_draft, issuer, parties):
    import datetime

    from django.core.exceptions import ValidationError

    from dte.invalidation import invalidation_request

    pending = document_issue(document=make_draft("01", [line("A", "1", "1.13")]), acting_user=issuer)
    with pytest.raises(ValidationError, match="Solo se invalida un documento sellado"):
        invalidation_request(document=pending, acting_user=issuer, tipo=2, reason="Cliente desistió",
                             responsible=RESPONSIBLE, requester=REQUESTER)
    _wait(pending, GovStatus.SEALED)
    with pytest.raises(ValidationError, match="requieren el documento sellado que lo reemplaza"):
        invalidation_request(document=Document.objects.get(pk=pending.pk), acting_user=issuer, tipo=1, reason="Error",
                             responsible=RESPONSIBLE, requester=REQUESTER)
    ccf = document_issue(document=make_draft("03", [line("Equipo", "1", "100")], client=parties["taxpayer"]),
                         acting_user=issuer)
    ccf = _wait(ccf, GovStatus.SEALED)
    Document.objects.filter(pk=ccf.pk).update(processed_at=timezone.now() - datetime.timedelta(days=2))
    with pytest.raises(ValidationError, match="El plazo para invalidar este documento venció"):
        invalidation_request(document=Document.objects.get(pk=ccf.pk), acting_user=issuer, tipo=2, reason="Cliente desistió",
                             responsible=RESPONSIBLE, requester=REQUESTER)
    Document.objects.filter(pk=ccf.pk).update(processed_at=timezone.now())
    related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": ccf.codigo_generacion,
                "fecha_emision": ccf.issue_date, "target_id": ccf.pk}]
    note = document_issue(document=make_draft("05", [line("Devolución", "1", "10")], client=parties["taxpayer"],
                                               related=related), acting_user=issuer)
    _wait(note, GovStatus.SEALED)
    with pytest.raises(ValidationError, match="Invalide primero las notas vigentes"):
        invalidation_request(document=Document.objects.get(pk=ccf.pk), acting_user=issuer, tipo=2, reason="Cliente desistió",
                             responsible=RESPONSIBLE, requester=REQUESTER)
    assert Document.objects.get(pk=ccf.pk).status == GovStatus.SEALED  # nothing changed


def test_invalidation_refused_by_mh_leaves_it_sealed(wired, make_draft, issuer):
    from dte.invalidation import invalidation_request

    doc = document_issue(document=make_draft("01", [line("A", "1", "1.13")]), acting_user=issuer)
    _wait(doc, GovStatus.SEALED)
    fault(wired, mode="reject", count=1)
    record = invalidation_request(document=Document.objects.get(pk=doc.pk), acting_user=issuer, tipo=2,
                                  reason="Cliente desistió", responsible=RESPONSIBLE, requester=REQUESTER,
                                  receptor={"tipoDocumento": "13", "numDocumento": "00016297-5",
                                            "nombre": "Consumidor final", "correo": "cf@example.com"})
    deadline = time.monotonic() + 30
    while Document.objects.get(pk=doc.pk).status != GovStatus.SEALED and time.monotonic() < deadline:
        time.sleep(0.2)
    record.refresh_from_db()
    assert record.state == "rejected" and Document.objects.get(pk=doc.pk).status == GovStatus.SEALED
    assert "RECHAZADO POR EL SIMULADOR" in Document.objects.get(pk=doc.pk).history.last().reason


def test_a_running_task_drains_other_due_documents(wired, make_draft, issuer, monkeypatch):
    """One broker message empties the outbox: the task keeps claiming due rows (SKIP LOCKED)."""
    from dte.tasks import transmit_task
    from dte.transmission import outbox

    monkeypatch.setattr(outbox, "queue_after_commit", lambda outbox_id: None)
    docs = [_issue(make_draft, issuer) for _ in range(4)]
    transmit_task.delay(Outbox.objects.get(document=docs[0]).pk)  # a single message for four documents
    for doc in docs:
        _wait(doc, GovStatus.SEALED)
        assert ledger(wired, doc.codigo_generacion)["accepted"] == 1
    assert Outbox.objects.filter(state=OutboxState.DONE).count() == 4


def test_each_generation_is_sealed_by_govsim(wired, make_draft, issuer, parties):
    """govsim validates each document against the schema of its identificacion.version, from the
    folders it is given (both generations): a 2023 Factura and, after the switch, a 2026 Factura,
    CCF and the NC v4 that corrects it are sealed; the NC is then invalidated with an event v3."""
    import datetime

    from dte.invalidation import invalidation_request
    from dte.models import SchemaGeneration

    old = _wait(_issue(make_draft, issuer), GovStatus.SEALED)
    SchemaGeneration.objects.create(kind="*", generation="2026", effective_from=timezone.now())
    factura = _issue(make_draft, issuer)
    ccf = document_issue(document=make_draft("03", [line("Silla", "2", "100.00")], client=parties["taxpayer"]),
                         acting_user=issuer)
    assert (old.version, factura.version, ccf.version) == (1, 2, 4)
    for doc in (factura, ccf):
        assert ledger(wired, _wait(doc, GovStatus.SEALED).codigo_generacion)["accepted"] == 1
    related = [{"tipo_documento": "03", "tipo_generacion": 2, "numero_documento": ccf.codigo_generacion,
                "fecha_emision": ccf.issue_date, "target_id": ccf.pk}]
    note = document_issue(document=make_draft("05", [line("Devolución", "1", "100.00", related_code=ccf.codigo_generacion)],
                                              client=parties["taxpayer"], related=related), acting_user=issuer)
    assert note.version == 4
    _wait(note, GovStatus.SEALED)
    record = invalidation_request(document=note, acting_user=issuer, tipo=2, reason="Devolución no realizada",
                                  responsible=RESPONSIBLE, requester=REQUESTER,
                                  now=timezone.now() + datetime.timedelta(seconds=1))
    assert '"version":3' in record.payload
    _wait(note, GovStatus.INVALIDATED)
