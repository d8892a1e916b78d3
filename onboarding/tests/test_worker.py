"""The whole test set against the real pieces: a Celery worker runs it, govsim (validating MH's
official schemas) seals what it is sent, contingency reports the test outage and sends its lot.
Every type the product generates, at small counts, until the run says complete."""

import os
import time

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from conftest import govsim_schema_dirs  # noqa: E402

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.parametrize("govsim", list(govsim_schema_dirs())[:1], indirect=True)]

TINY = {"01": 3, "03": 3, "04": 1, "05": 1, "06": 1, "07": 1, "11": 2, "14": 2, "invalidacion": 2, "contingencia": 1}


def _until_finished(run, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if not run.active:
            return run
        time.sleep(0.5)
    raise AssertionError(f"el set de pruebas no terminó: {run.state} · {run.note} · {run.error}")


def test_every_type_reaches_its_count_against_govsim(requirements, catalogue, wired, users, establishments):
    from contingency.models import Event, EventState
    from dte.models import Document, GovStatus, Invalidation
    from onboarding.models import RunState, TestPeriod
    from onboarding.progress import progress
    from onboarding.services import run_start

    requirements(TINY)
    company = establishments["main"].company
    run = run_start(company=company, codes=["01", "03", "04", "05", "06", "07", "11", "14"],
                    acting_user=users["Administrador"])
    run = _until_finished(run)
    assert run.state == RunState.COMPLETE, run.error
    state = progress(company=company, codes=run.items)
    assert state.percent == 100
    assert {r.code: r.sealed >= r.required for r in state.rows} == dict.fromkeys(run.items, True)
    # MH (govsim) sealed them: each counted document carries its 40-character seal.
    sealed = Document.objects.filter(authorisation_test__run=run, status=GovStatus.SEALED)
    assert sealed.count() >= sum(n for code, n in TINY.items() if code.isdigit())
    assert all(len(d.sello_recibido) == 40 for d in sealed)
    assert Invalidation.objects.filter(document__authorisation_test__run=run, state="accepted").count() == 2
    period = TestPeriod.objects.get(run=run).period
    assert Event.objects.filter(period=period, state=EventState.SEALED).count() == 1
    # contingency closes the period once its lot is applied (it may do so just after the last seal)
    deadline = time.monotonic() + 60
    while period.completed_at is None and time.monotonic() < deadline:
        time.sleep(0.5)
        period.refresh_from_db()
    assert period.completed_at is not None
