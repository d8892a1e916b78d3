"""Printing on a queue of its own by default (issue 24): a PDF (0.5–0.7 s of WeasyPrint) never
waits in front of a transmission in the same queue."""

import pytest

from billing.celery import PRINT_TASKS, app, print_queue, route_task


def _queue(name):
    route = app.amqp.router.route({}, name)
    return route["queue"].name


def test_printing_goes_to_its_own_queue_and_transmission_to_the_default(settings):
    settings.DTE_PRINT_QUEUE = ""
    default = app.conf.task_default_queue
    for name in ("dte.render", "dte.deliver", "dte.archive", "reports.export"):
        assert _queue(name) == f"{default}.print"
    assert _queue("dte.transmit") == default
    assert route_task("dte.transmit", (), {}, {}) is None


def test_the_print_queue_follows_a_changed_default_queue(settings, monkeypatch):
    """Tests and benches run on a default queue of their own: the print queue goes with it."""
    settings.DTE_PRINT_QUEUE = ""
    monkeypatch.setattr(app.conf, "task_default_queue", "bench-123")
    assert route_task("dte.render", (), {}, {}) == {"queue": "bench-123.print"}


@pytest.mark.parametrize("configured,expected", [("printing", "printing"), ("-", None)])
def test_a_named_print_queue_or_the_default_one(settings, configured, expected):
    settings.DTE_PRINT_QUEUE = configured
    assert print_queue() == expected
    assert route_task("dte.render", (), {}, {}) == ({"queue": expected} if expected else None)


def test_a_worker_without_q_consumes_both_queues():
    """Nothing is stranded where one worker does everything (development, tests, benches)."""
    names = [q.name for q in app.conf.task_queues]
    assert names[0] == app.conf.task_default_queue or names[0] == "facturador"
    assert any(n.endswith(".print") for n in names)
    assert PRINT_TASKS >= {"dte.render", "dte.deliver"}


def test_the_procfile_runs_a_printer_beside_the_transmission_worker():
    from pathlib import Path

    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    worker = next(line for line in procfile.splitlines() if line.startswith("worker:"))
    printer = next(line for line in procfile.splitlines() if line.startswith("printer:"))
    assert "-Q ${CELERY_TASK_DEFAULT_QUEUE:-facturador} " in worker
    assert ".print}" in printer and "-Q" in printer
