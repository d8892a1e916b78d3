"""Contingency end to end (facts §5): documents issued here go through Redis to a real Celery
worker that talks HTTP to govsim. govsim only accepts a contingency document listed in a sealed
event, and its ledger proves each document was accepted exactly once."""

import time

import pytest
from django.db import transaction

from contingency.models import Event, EventState, Lot, LotState
from contingency.services import event_resend, period_end, period_open
from contingency.tasks import tick_task
from dte import jsonio
from dte.models import Document, GovStatus, Outbox, OutboxState
from dte.models import OfflineScope as Period
from dte.services.issuing import IssueError, document_issue
from dte.tests.conftest import line
from tests.mh_helpers import clear_faults, fault, ledger, until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]




def _statuses(docs):
    return {d.pk: d.status for d in Document.objects.filter(pk__in=[x.pk for x in docs])}


def _all_sealed(docs, timeout=90):
    until(lambda: set(_statuses(docs).values()) == {GovStatus.SEALED},
           f"todos sellados; ahora {sorted(set(_statuses(docs).values()))}", timeout=timeout)
    return list(Document.objects.filter(pk__in=[d.pk for d in docs]).order_by("pk"))


def _ident(doc):
    return jsonio.loads(Document.objects.get(pk=doc.pk).payload)["identificacion"]


def _factura(make_draft, user, pos="M001P001", price="11.30"):
    return document_issue(document=make_draft("01", [line("Servicio", "1", price)], user=user, pos=pos), acting_user=user)


def _accepted_once(govsim, docs):
    for doc in docs:
        entry = ledger(govsim, doc.codigo_generacion)
        assert entry["accepted"] == 1, (doc.codigo_generacion, entry)


def _event_before_lots(period):
    events = list(Event.objects.filter(period=period, state=EventState.SEALED))
    lots = list(Lot.objects.filter(event__period=period))
    assert events and lots
    for lot in lots:
        assert lot.event.sealed_at is not None and lot.sent_at is not None and lot.event.sealed_at <= lot.sent_at
        assert lot.document_count <= 100


def issuer_company(user):
    from accounts.models import Company

    return Company.objects.get()


def _tick_until_ended(period, timeout=30):
    def ended():
        tick_task.delay()
        time.sleep(0.5)
        return Period.objects.get(pk=period.pk).ended_at

    return until(ended, "MH de vuelta detectado por la revisión periódica", timeout=timeout, every=0.5)


def test_mh_down_trips_the_breaker_and_everything_catches_up_by_itself(wired, make_draft, issuer, users):
    fault(wired, mode="down")  # every /fesv/ call answers 503 until cleared
    supervisor = users["Supervisor"]
    # Three tills fail at once. Queued together, their first tries and the first second try make
    # the worker's DTE_BREAKER_FAILURES (4) failed calls in a row before any document's third try
    # (which would put only its own till in contingency).
    with transaction.atomic():
        before = [_factura(make_draft, issuer), _factura(make_draft, supervisor, pos="M001P002"),
                  _factura(make_draft, supervisor, pos="S001P001")]
    period = until(lambda: Period.objects.filter(automatic=True).first(), "contingencia automática", timeout=40)
    assert period.establishment is None and period.point_of_sale is None and period.tipo == 1  # MH unavailable
    until(lambda: Outbox.objects.filter(document__in=before, state=OutboxState.HELD).count() == 3,
           "los pendientes se unen a la contingencia")
    # MH never took them (503): they are contingency documents now, the customer's copy with them.
    until(lambda: set(_statuses(before).values()) == {GovStatus.CONTINGENCY}, "los pendientes pasan a contingencia",
          timeout=20)
    during = [_factura(make_draft, issuer) for _ in range(2)]
    for doc in during:
        ident = _ident(doc)
        assert (ident["tipoModelo"], ident["tipoOperacion"], ident["tipoContingencia"], ident["motivoContin"]) == (2, 2, 1, None)
        assert doc.status == GovStatus.CONTINGENCY and doc.contingency_period_id == period.pk
    assert Outbox.objects.get(document=during[0]).state == OutboxState.HELD
    time.sleep(1)
    assert Document.objects.get(pk=during[0].pk).status == GovStatus.CONTINGENCY  # nothing sent while MH is down

    clear_faults(wired)
    _tick_until_ended(period)
    sealed = _all_sealed(before + during)
    _accepted_once(wired, sealed)
    _event_before_lots(period)
    # The documents caught waiting were re-signed as contingency documents (never sent as such before).
    assert all(_ident(d)["tipoOperacion"] == 2 for d in sealed)
    listed = {i["codigoGeneracion"] for e in Event.objects.filter(period=period)
              for i in jsonio.loads(e.payload)["detalleDTE"]}
    assert listed == {d.codigo_generacion for d in sealed}
    until(lambda: Period.objects.get(pk=period.pk).completed_at, "periodo completo")


def test_declared_by_hand_for_one_establishment_lots_of_at_most_100(wired, make_draft, issuer, users):
    supervisor = users["Supervisor"]
    from accounts.models import Establishment

    matriz = Establishment.objects.get(cod_estable_mh="M001")
    period = period_open(company=issuer_company(issuer), establishment=matriz, tipo=3, acting_user=supervisor,
                         end_automatically=False)
    # Another establishment: not in contingency. Issued first, so that its transmission is not
    # queued behind the printing of the 103 contingency copies on a busy machine.
    online = _factura(make_draft, supervisor, pos="S001P001")
    offline = [_factura(make_draft, issuer, price=f"{10 + i}.00") for i in range(103)]
    assert all(d.status == GovStatus.CONTINGENCY for d in offline)
    assert _ident(offline[0])["tipoContingencia"] == 3
    until(lambda: Document.objects.get(pk=online.pk).status == GovStatus.SEALED, "la sucursal transmite en línea")

    tick_task.delay()  # MH answers, but a period declared by hand waits for the supervisor
    time.sleep(1.5)
    assert Period.objects.get(pk=period.pk).ended_at is None
    period_end(period=period, acting_user=supervisor)
    sealed = _all_sealed(offline, timeout=120)
    _accepted_once(wired, sealed)
    _event_before_lots(period)
    assert sorted(Lot.objects.filter(event__period=period).values_list("document_count", flat=True)) == [3, 100]
    assert set(Lot.objects.filter(event__period=period).values_list("state", flat=True)) == {LotState.PROCESSED}


def test_refused_types_are_refused_with_a_clear_message(wired, make_draft, issuer, parties, users):
    period_open(company=issuer_company(issuer), tipo=5, motivo="Mantenimiento de la red eléctrica",
                acting_user=users["Supervisor"])
    retention = [line("Retención 1 % CCF 123", "1", "0", extra={
        "tipoDte": "03", "tipoDoc": 1, "numDocumento": "23CC000451", "fechaEmision": "2026-11-03",
        "montoSujetoGrav": "1500.00", "codigoRetencionMH": "22"})]
    draft = make_draft("07", retention, provider=parties["provider"])
    with pytest.raises(IssueError) as refused:
        document_issue(document=draft, acting_user=issuer)
    assert "no puede emitirse en contingencia" in str(refused.value.problems)
    assert Document.objects.get(pk=draft.pk).status == GovStatus.DRAFT and not Document.objects.get(pk=draft.pk).numero_control
    allowed = _factura(make_draft, issuer)
    assert _ident(allowed)["motivoContin"] == "Mantenimiento de la red eléctrica"


def test_a_rejected_event_is_corrected_and_resent_before_any_lot(wired, make_draft, issuer, users):
    supervisor = users["Supervisor"]
    period = period_open(company=issuer_company(issuer), tipo=1, acting_user=supervisor)
    docs = [_factura(make_draft, issuer) for _ in range(2)]
    fault(wired, mode="reject", count=1, path_prefix="/fesv/contingencia")
    period_end(period=period, acting_user=supervisor)
    rejected = until(lambda: Event.objects.filter(period=period, state=EventState.REJECTED).first(), "evento rechazado")
    time.sleep(1.5)
    assert not Lot.objects.filter(event__period=period).exists()  # no lot without a sealed event
    assert set(_statuses(docs).values()) == {GovStatus.CONTINGENCY}
    assert "RECHAZADO" in Period.objects.get(pk=period.pk).last_error.upper()

    event_resend(event=Event.objects.get(pk=rejected.pk), acting_user=supervisor)
    sealed = _all_sealed(docs)
    _accepted_once(wired, sealed)
    assert Event.objects.get(pk=rejected.pk).state == EventState.REPLACED
    replacement = Event.objects.get(period=period, state=EventState.SEALED)
    assert replacement.codigo_generacion != rejected.codigo_generacion and len(replacement.sello_recibido) == 40
    _event_before_lots(period)


def test_a_document_in_doubt_when_the_outage_starts_is_asked_about_not_listed(wired, make_draft, issuer, users):
    supervisor = users["Supervisor"]
    # govsim accepts the document and the answer is lost; asking about it fails too (MH going down).
    fault(wired, mode="down", path_prefix="/fesv/recepcion/consultadte/")
    fault(wired, mode="drop", count=1, path_prefix="/fesv/recepciondte")
    doubtful = _factura(make_draft, issuer)
    until(lambda: Document.objects.get(pk=doubtful.pk).status == GovStatus.IN_DOUBT, "documento en duda")
    period = period_open(company=issuer_company(issuer), tipo=1, acting_user=supervisor)
    until(lambda: Outbox.objects.get(document=doubtful).state == OutboxState.HELD, "el documento en duda queda retenido",
           timeout=20)
    offline = _factura(make_draft, issuer)
    clear_faults(wired)
    period_end(period=period, acting_user=supervisor)
    sealed = _all_sealed([doubtful, offline])
    entry = ledger(wired, doubtful.codigo_generacion)
    assert entry["accepted"] == 1 and entry["received"] == 1  # received once, before the outage: never resent
    assert sealed[0].sello_recibido == entry["answers"][0]["selloRecibido"]
    assert _ident(doubtful)["tipoOperacion"] == 1  # it was sealed as sent, not re-signed
    listed = [i["codigoGeneracion"] for e in Event.objects.filter(period=period) for i in jsonio.loads(e.payload)["detalleDTE"]]
    assert listed == [offline.codigo_generacion]
    _accepted_once(wired, sealed)


def test_retry_rule_exhausted_puts_the_establishment_in_contingency(wired, make_draft, issuer):
    # MH takes the request and never answers in time (nor processes it): three sends, then contingency.
    fault(wired, mode="hang", latency_ms=2500, path_prefix="/fesv/recepciondte")
    doc = _factura(make_draft, issuer)
    period = until(lambda: Period.objects.filter(automatic=True).first(), "contingencia por regla de reintentos",
                    timeout=60)
    assert period.point_of_sale_id == doc.point_of_sale_id  # the till whose document failed
    assert Outbox.objects.get(document=doc).sends == 3
    until(lambda: Document.objects.get(pk=doc.pk).status == GovStatus.CONTINGENCY, "re-firmado en contingencia")
    clear_faults(wired)
    _tick_until_ended(period)
    sealed = _all_sealed([doc])
    _accepted_once(wired, sealed)
    assert _ident(doc)["tipoModelo"] == 2


def _closed_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed: connections are refused


@pytest.mark.parametrize("outage", ["503", "refused", "hang"])
def test_one_cashier_one_document_and_mh_down_the_till_goes_into_contingency(wired, make_draft, issuer, client_as,
                                                                             outage):
    """A small shop: one document, nobody declares anything, and far fewer calls than the breaker
    needs. MH's retry rule (facts §3: the first send and two retries, then contingency) puts the
    till in contingency; a 503 or a refused connection is never "in doubt" (MH did not take it);
    the rep reads what happened and what to hand the customer, and the contingency copy is there."""
    from accounts.models import Company
    from dte.models import PrintedCopy

    company = issuer_company(issuer)
    if outage == "503":
        fault(wired, mode="down")  # every /fesv/ call answers 503
    elif outage == "refused":
        Company.objects.filter(pk=company.pk).update(mh_api_url=f"http://127.0.0.1:{_closed_port()}")
    else:  # MH takes the send and never answers in time; asked by codigoGeneracion, it has nothing
        fault(wired, mode="hang", latency_ms=2500, path_prefix="/fesv/recepciondte")
    doc = _factura(make_draft, issuer)
    period = until(lambda: Period.objects.filter(automatic=True).first(), "la caja entra en contingencia", timeout=45)
    assert (period.point_of_sale_id, period.tipo) == (doc.point_of_sale_id, 1)  # this till, MH unavailable
    assert Period.objects.count() == 1  # the breaker did not trip: one document is far from its calls
    offline = until(lambda: Document.objects.filter(pk=doc.pk, status=GovStatus.CONTINGENCY).first(),
                    "el documento se vuelve de contingencia", timeout=20)
    outbox = Outbox.objects.get(document=doc)
    assert outbox.state == OutboxState.HELD and outbox.sends == 3  # the first send and MH's two retries
    ident = _ident(doc)
    assert (ident["tipoModelo"], ident["tipoOperacion"], ident["tipoContingencia"]) == (2, 2, 1)
    history = list(offline.history.values_list("to_status", flat=True))
    assert GovStatus.IN_DOUBT not in history  # MH never took it: not once "MH may have received it"
    assert ledger(wired, doc.codigo_generacion)["accepted"] == 0

    told = "MH no responde; el documento se emitió en contingencia; entregue al cliente la copia impresa de contingencia"
    rep = client_as(issuer)
    page = rep.get(f"/documentos/{doc.pk}/").content.decode()
    assert told in page and "contingency-copy" in page and "En contingencia" in page
    assert told in rep.get("/documentos/").content.decode()
    copy = until(lambda: PrintedCopy.objects.filter(document=doc, layout="letter", state="contingency").first(),
                 "la copia impresa de contingencia", timeout=30)
    pdf = rep.get(f"/documentos/{doc.pk}/documento.pdf?ver=1")
    assert copy.file and pdf["Content-Type"] == "application/pdf"

    # MH is back: the till catches up by itself, the document is sealed once, listed in the event.
    clear_faults(wired)
    Company.objects.filter(pk=company.pk).update(mh_api_url=wired)
    _tick_until_ended(period)
    sealed = _all_sealed([doc])
    _accepted_once(wired, sealed)
    event = Event.objects.get(period=period, state=EventState.SEALED)
    assert [i["codigoGeneracion"] for i in jsonio.loads(event.payload)["detalleDTE"]] == [doc.codigo_generacion]


def test_a_retorno_signed_during_an_outage_is_listed_then_sent_after_the_events_seal(wired, make_draft, issuer, parties,
                                                                                    users):
    """v2.0 allows the Evento de Retorno in contingency (facts §5): signed offline (tipoOperacion 2),
    listed as tipoDoc "18" in a v4 Evento de Contingencia of its point of sale, and sent only once
    govsim sealed that event (govsim refuses a contingency retorno no sealed event lists)."""
    import datetime

    from django.utils import timezone

    from accounts.models import Establishment
    from contingency.models import ReturnListing
    from dte import events
    from dte.models import EventState as MHEventState
    from dte.models import MHEvent, SchemaGeneration

    supervisor = users["Supervisor"]
    factura = document_issue(document=make_draft("01", [line("Silla", "2", "113.00")], client=parties["consumer"]),
                             acting_user=issuer)
    until(lambda: Document.objects.get(pk=factura.pk).status == GovStatus.SEALED, "la factura sellada")
    factura = Document.objects.get(pk=factura.pk)
    SchemaGeneration.objects.create(kind="retorno", generation="2026",
                                    effective_from=timezone.now() - datetime.timedelta(hours=1))
    matriz = Establishment.objects.get(cod_estable_mh="M001")
    period = period_open(company=issuer_company(issuer), establishment=matriz, tipo=3, acting_user=supervisor,
                         end_automatically=False)
    offline_sale = _factura(make_draft, issuer)
    retorno = events.return_request(document=factura, acting_user=users["Contador"], reason="Silla devuelta",
                                    returned=[{"numItem": 1, "quantity": 1}])
    ident = jsonio.loads(retorno.payload)["identificacion"]
    assert (ident["tipoModelo"], ident["tipoOperacion"], ident["tipoContingencia"]) == (2, 2, 3)
    time.sleep(1.5)
    assert MHEvent.objects.get(pk=retorno.pk).state == MHEventState.PENDING  # held while the outage lasts
    assert ledger(wired, retorno.codigo_generacion)["accepted"] == 0
    period_end(period=period, acting_user=supervisor)
    def settled():
        return MHEvent.objects.get(pk=retorno.pk).state in (MHEventState.ACCEPTED, MHEventState.REJECTED)

    deadline = time.monotonic() + 90
    while not settled() and time.monotonic() < deadline:
        time.sleep(0.3)
    state = MHEvent.objects.get(pk=retorno.pk)
    note = (state.state, state.released_at, state.answer, Period.objects.get(pk=period.pk).last_error,
            list(Event.objects.filter(period=period).values_list("state", "last_error", "payload")))
    assert state.state == MHEventState.ACCEPTED, note
    _all_sealed([offline_sale])
    listing = ReturnListing.objects.get(mh_event=retorno)
    body = jsonio.loads(listing.event.payload)
    assert body["identificacion"]["version"] == 4  # the retorno's generation: v2.0's contingency event
    assert body["detalleDTE"] == [{"noItem": 1, "codigoGeneracion": retorno.codigo_generacion, "tipoDoc": "18"}]
    assert listing.event.state == EventState.SEALED and listing.event.sealed_at <= MHEvent.objects.get(
        pk=retorno.pk).last_attempt_at
    assert ledger(wired, retorno.codigo_generacion)["accepted"] == 1
    assert MHEvent.objects.get(pk=retorno.pk).sello_recibido
    until(lambda: Period.objects.get(pk=period.pk).completed_at, "periodo completo")
