"""Invalidations are never left unsent: a lost message (dead broker) or a dead worker leaves the
record pending or claimed, and the dte.sweep_invalidations beat task sends it again, waiting
longer after each attempt and not while the circuit breaker says MH is down. Sending claims the
record first, so however many messages arrive, MH gets the event once.

The first and last tests run the real thing (a Celery worker, govsim over HTTP); the others call
the sweep with the broker replaced by a list and MH by a stand-in object."""

import datetime
import re
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from dte import invalidation
from dte.invalidation import invalidation_request, invalidations_sweep, retry_wait_seconds, send
from dte.mh.client import MHAnswer, base_url_for
from dte.mh.errors import MHTransientError
from dte.models import INVALIDATION_MACHINE, Document, GovStatus, Invalidation, InvalidationState, MHCall
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.transitions import transition
from tests.mh_helpers import ledger

pytestmark = pytest.mark.django_db

PEOPLE = {"responsible": {"name": "Carlos Contador", "id_type": "13", "id_number": "00016297-5"},
          "requester": {"name": "Ana López", "id_type": "13", "id_number": "00016297-5"}}


def _wait(doc, status, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = Document.objects.get(pk=doc.pk)
        if current.status == status:
            return current
        time.sleep(0.2)
    raise AssertionError(f"{doc} sigue en {Document.objects.get(pk=doc.pk).status}, se esperaba {status}")


def _request_without_message(doc, issuer, monkeypatch):
    """Request the invalidation while the broker drops the message that would send it."""
    monkeypatch.setattr(invalidation, "enqueue_on_commit", lambda *args, **kwargs: None)
    return invalidation_request(document=Document.objects.get(pk=doc.pk), acting_user=issuer, tipo=2,
                                reason="Cliente desistió", **PEOPLE)


def _later(seconds):
    return timezone.now() + datetime.timedelta(seconds=seconds)


# ------------------------------------------------------------------- a worker and govsim over HTTP


def _sealed_by_govsim(make_draft, issuer, parties):
    doc = document_issue(document=make_draft("01", [line("Servicio", "1", "11.30")], client=parties["consumer"]),
                         acting_user=issuer)
    return _wait(doc, GovStatus.SEALED)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_an_invalidation_whose_message_was_lost_is_sent_by_the_sweep(wired, make_draft, issuer, parties, monkeypatch):
    doc = _sealed_by_govsim(make_draft, issuer, parties)
    record = _request_without_message(doc, issuer, monkeypatch)
    assert invalidations_sweep() == (0, 0, 0)  # just requested: not taken as lost yet
    assert ledger(wired, record.codigo_generacion)["received"] == 0
    assert Document.objects.get(pk=doc.pk).status == GovStatus.INVALIDATION_PENDING

    assert invalidations_sweep(now=_later(301)) == (1, 0, 0)  # INVALIDATION_STUCK_AFTER_SECONDS: 300
    invalidated = _wait(doc, GovStatus.INVALIDATED)
    record.refresh_from_db()
    assert (record.state, record.attempts) == (InvalidationState.ACCEPTED, 1)
    assert len(record.sello_recibido) == 40 and record.last_attempt_at is not None
    assert list(invalidated.history.values_list("to_status", flat=True))[-2:] == ["invalidation_pending", "invalidated"]
    assert ledger(wired, doc.codigo_generacion)["estado"] == "INVALIDADO"
    event = ledger(wired, record.codigo_generacion)
    assert (event["received"], event["accepted"]) == (1, 1)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_queue_it_twice_and_mh_gets_the_event_once(wired, celery_worker, make_draft, issuer, parties,
                                                              monkeypatch):
    def finished():
        return len(re.findall(r"Task dte\.invalidate\[[^\]]+\] succeeded", celery_worker.output()))

    def waiting_for_the_row():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else read once per transaction
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'")
            return cursor.fetchone()[0]

    doc = _sealed_by_govsim(make_draft, issuer, parties)
    record = _request_without_message(doc, issuer, monkeypatch)
    before = finished()
    # The row stays locked until both of the worker's processes have read it as pending and wait
    # to claim it: they race for it the moment it is released.
    with transaction.atomic():
        Invalidation.objects.select_for_update().get(pk=record.pk)
        first, second = invalidations_sweep(now=_later(301)), invalidations_sweep(now=_later(301))
        deadline = time.monotonic() + 60
        while waiting_for_the_row() < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert waiting_for_the_row() == 2
    assert first == second == (1, 0, 0)
    _wait(doc, GovStatus.INVALIDATED)
    deadline = time.monotonic() + 30
    while finished() < before + 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert finished() == before + 2  # both messages ran
    event = ledger(wired, record.codigo_generacion)
    assert (event["received"], event["accepted"]) == (1, 1)  # one reached MH
    record.refresh_from_db()
    assert record.attempts == 1
    assert [(h.from_state, h.to_state) for h in INVALIDATION_MACHINE.history_of(record).order_by("id")] == [
        ("pending", "sending"), ("sending", "accepted")]
    assert invalidations_sweep(now=_later(3600)) == (0, 0, 0)  # settled: never queued again


# ------------------------------------------------------------ the sweep's choices, broker as a list


SELLO = "2026" + "C" * 36


@pytest.fixture
def queued(monkeypatch):
    """The invalidations the sweep hands to the broker, in order."""
    sent = []
    monkeypatch.setattr(invalidation, "enqueue", lambda task, pk: sent.append(pk) or True)
    return sent


@pytest.fixture
def requested(make_draft, issuer, parties, monkeypatch):
    """An invalidation requested an hour ago for a sealed Factura, its message lost."""
    doc = document_issue(document=make_draft("01", [line("Servicio", "1", "11.30")], client=parties["consumer"]),
                         acting_user=issuer)
    transition(doc, GovStatus.TRANSMITTING)
    transition(doc, GovStatus.SEALED, sello_recibido="2026" + "B" * 36, processed_at=timezone.now())
    record = _request_without_message(doc, issuer, monkeypatch)
    Invalidation.objects.filter(pk=record.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
    return Invalidation.objects.get(pk=record.pk)


def _attempted(record, *, attempts, seconds_ago, state=InvalidationState.PENDING):
    Invalidation.objects.filter(pk=record.pk).update(
        attempts=attempts, state=state, last_attempt_at=timezone.now() - datetime.timedelta(seconds=seconds_ago))


def test_a_recent_attempt_is_not_queued_again(requested, queued, settings):
    settings.INVALIDATION_STUCK_AFTER_SECONDS = 300
    _attempted(requested, attempts=1, seconds_ago=60)  # requested an hour ago, tried a minute ago
    assert invalidations_sweep() == (0, 0, 0) and queued == []
    _attempted(requested, attempts=1, seconds_ago=310)
    assert invalidations_sweep() == (1, 0, 0) and queued == [requested.pk]


def test_the_wait_doubles_with_each_attempt_up_to_the_cap(requested, queued, settings):
    settings.INVALIDATION_STUCK_AFTER_SECONDS, settings.INVALIDATION_RETRY_MAX_SECONDS = 300, 3600
    # Never tried and tried once: 300 s; then 600, 1200, 2400, and 4800 capped at 3600 from then on.
    assert [retry_wait_seconds(n) for n in range(8)] == [300, 300, 600, 1200, 2400, 3600, 3600, 3600]
    for attempts, wait in ((2, 600), (3, 1200), (4, 2400), (5, 3600), (40, 3600)):
        _attempted(requested, attempts=attempts, seconds_ago=wait - 30)
        assert invalidations_sweep() == (0, 0, 0), attempts
        _attempted(requested, attempts=attempts, seconds_ago=wait + 30)
        assert invalidations_sweep() == (1, 0, 0), attempts
    assert queued == [requested.pk] * 5


def test_a_claim_whose_worker_died_goes_back_and_is_queued_again(requested, queued, settings):
    settings.INVALIDATION_STUCK_AFTER_SECONDS = 300
    # The send task is killed at 90 s (its hard time limit); a claim is taken back only past that
    # limit plus the stuck time, 390 s, so a send is never taken from a worker still running it.
    _attempted(requested, attempts=1, seconds_ago=200, state=InvalidationState.SENDING)
    assert invalidations_sweep() == (0, 0, 0)
    _attempted(requested, attempts=1, seconds_ago=400, state=InvalidationState.SENDING)
    assert invalidations_sweep() == (1, 1, 0) and queued == [requested.pk]
    requested.refresh_from_db()
    assert requested.state == InvalidationState.PENDING
    assert [(h.from_state, h.to_state) for h in INVALIDATION_MACHINE.history_of(requested)] == [("sending", "pending")]


def test_nothing_is_queued_while_the_breaker_says_mh_is_down(requested, queued, settings):
    settings.DTE_BREAKER_FAILURES, settings.DTE_BREAKER_WINDOW_SECONDS = 3, 120
    url = base_url_for(requested.document.company)
    for _ in range(3):
        MHCall.objects.create(endpoint="/fesv/recepciondte", base_url=url, outcome="transient")
    assert invalidations_sweep() == (0, 0, 1) and queued == []
    MHCall.objects.create(endpoint="/fesv/recepciondte", base_url=url, outcome="ok")  # MH answers again
    assert invalidations_sweep() == (1, 0, 0) and queued == [requested.pk]


# --------------------------------------------------------------------- sending, MH as a stand-in


class FakeMH:
    def __init__(self, *answers, during=None):
        self.answers, self.during, self.calls = list(answers), during, 0

    def invalidate(self, **kwargs):
        self.calls += 1
        if self.during is not None:
            during, self.during = self.during, None
            during()
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self):
        pass


def _accepted(sello):
    return MHAnswer(estado="PROCESADO", sello=sello, codigo_msg="001", descripcion_msg="RECIBIDO", raw={"sello": sello})


@pytest.fixture
def mh(monkeypatch):
    def install(*answers, during=None):
        fake = FakeMH(*answers, during=during)
        monkeypatch.setattr("dte.mh.client.client_for_company", lambda company, **kw: fake)
        return fake

    return install


def test_each_send_counts_an_attempt_and_a_settled_one_is_not_sent_again(requested, mh):
    fake = mh(MHTransientError("503"), _accepted(SELLO))
    assert send(requested.pk) is False  # no answer: back to pending, retried
    requested.refresh_from_db()
    assert (requested.state, requested.attempts) == (InvalidationState.PENDING, 1)
    first_try = requested.last_attempt_at
    assert send(requested.pk) is True
    requested.refresh_from_db()
    assert (requested.state, requested.attempts, requested.sello_recibido) == (InvalidationState.ACCEPTED, 2, SELLO)
    assert requested.last_attempt_at > first_try
    assert send(requested.pk) is True  # a late duplicate message: nothing sent, nothing counted
    assert fake.calls == 2 and Invalidation.objects.get(pk=requested.pk).attempts == 2
    assert Document.objects.get(pk=requested.document_id).status == GovStatus.INVALIDATED


def test_a_send_that_outlived_its_claim_does_not_settle_it_twice(requested, queued, mh):
    """The sweep takes the claim back while the first send waits for MH, a second send settles it;
    the first one's answer then changes nothing."""
    second = "2026" + "D" * 36

    def meanwhile():
        assert invalidations_sweep(now=_later(3600)) == (1, 1, 0)
        assert send(requested.pk) is True

    # The second send's call returns first (it runs inside the first one's), with its own seal.
    fake = mh(_accepted(second), _accepted(SELLO), during=meanwhile)
    assert send(requested.pk) is True
    assert fake.calls == 2
    requested.refresh_from_db()
    assert (requested.state, requested.sello_recibido, requested.attempts) == (InvalidationState.ACCEPTED, second, 2)
    doc = Document.objects.get(pk=requested.document_id)
    assert list(doc.history.values_list("to_status", flat=True)).count("invalidated") == 1


def test_the_send_task_waits_longer_after_each_attempt(requested, mh, monkeypatch):
    """The task's own retries wait by the record's attempts, not by its message's retries (a
    message the sweep queued again starts from zero retries)."""
    from dte import tasks

    class Retry(Exception):
        pass

    waits = []
    monkeypatch.setattr(tasks.outbox, "backoff_seconds", lambda attempt: waits.append(attempt) or 1)
    monkeypatch.setattr(tasks.invalidate_task, "retry", lambda countdown: Retry(countdown))
    mh(MHTransientError("503"), MHTransientError("503"))
    Invalidation.objects.filter(pk=requested.pk).update(attempts=3)
    for _ in range(2):
        with pytest.raises(Retry):
            tasks.invalidate_task.run(requested.pk)
    assert waits == [4, 5]
