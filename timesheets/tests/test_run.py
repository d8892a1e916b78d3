"""The periodic run over a two-week period, amounts computed by hand."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from timesheets.tests.conftest import END, START

pytestmark = pytest.mark.django_db


def _run(work):
    from timesheets import services

    run, created = services.run_request(point_of_sale=work["pos"], period_start=START, period_end=END,
                                        acting_user=work["manager"])
    assert created
    services.run_execute(run.pk)
    run.refresh_from_db()
    return run


def test_dry_run_shows_every_document_and_uses_no_number(work):
    from dte.models import Document, NumberCounter
    from timesheets import services

    plan = services.run_plan(establishment_id=work["pos"].establishment_id, period_start=START, period_end=END)
    by = {(p.kind, p.recipient): p for p in plan}
    # Juan: 10 days × 8 h = 80 h × $12.50 = $1,000.00; renta 10 % = $100.00; receives $900.00
    juan = by[("fse", "Juan Pérez")]
    assert (juan.hours, juan.amount, juan.withheld, juan.to_pay) == (Decimal("80"), Decimal("1000.00"),
                                                                     Decimal("100.00"), Decimal("900.00"))
    # Ana: 10 × 6.5 = 65 h × $15.75 = $1,023.75; renta 10 % = 102.375 → $102.38; receives $921.37
    ana = by[("fse", "Ana Gómez")]
    assert (ana.hours, ana.amount, ana.withheld, ana.to_pay) == (Decimal("65.0"), Decimal("1023.75"),
                                                                 Decimal("102.38"), Decimal("921.37"))
    # Pedro (staff): 80 h × $5.00 = $400.00, an internal statement, nothing withheld
    pedro = by[("statement", "Pedro Ruiz")]
    assert (pedro.amount, pedro.withheld, pedro.tipo_dte) == (Decimal("400.00"), Decimal("0"), "")
    # the client (taxpayer with NRC → CCF): 80 + 65 + 80 = 225 h × $25.00 = $5,625.00 + IVA 13 % $731.25
    client = by[("client", work["client"].name)]
    assert (client.tipo_dte, client.hours, client.amount, client.iva, client.to_pay) == (
        "03", Decimal("225.0"), Decimal("5625.00"), Decimal("731.25"), Decimal("6356.25"))
    assert len(plan) == 4
    assert not Document.objects.exists() and not NumberCounter.objects.exists()


def test_run_issues_the_fse_with_renta_and_the_client_ccf_with_its_hours(work):
    from dte.models import Document
    from timesheets.models import RunState, Workday, WorkdayState

    run = _run(work)
    assert run.state == RunState.DONE and (run.total_items, run.done_items, run.failed_items) == (4, 4, 0)
    fses = Document.objects.filter(tipo_dte="14").order_by("total_operation")
    assert fses.count() == 2
    body = json.loads(fses[0].payload)
    # Juan's FSE: subTotal 1000.00, reteRenta 100.00, totalPagar 900.00; the hours are the quantity
    assert (Decimal(str(body["resumen"]["subTotal"])), Decimal(str(body["resumen"]["reteRenta"])),
            Decimal(str(body["resumen"]["totalPagar"]))) == (Decimal("1000"), Decimal("100"), Decimal("900"))
    assert body["cuerpoDocumento"][0]["cantidad"] == 80 and body["cuerpoDocumento"][0]["tipoItem"] == 2
    assert body["sujetoExcluido"]["numDocumento"] == "045678912"
    assert body["sujetoExcluido"]["correo"] == "juan@example.com"
    ccf = Document.objects.get(tipo_dte="03")
    body = json.loads(ccf.payload)
    assert ccf.client_id == work["client"].pk
    assert Decimal(str(body["cuerpoDocumento"][0]["cantidad"])) == Decimal("225")
    assert (ccf.total_operation, ccf.total_iva, ccf.total_to_pay) == (Decimal("6356.25"), Decimal("731.25"),
                                                                      Decimal("6356.25"))
    from timesheets.models import RunItem

    items = {(i.kind, i.employee_id): (i.amount, i.withheld, i.to_pay) for i in RunItem.objects.all()}
    assert items[("fse", work["juan"].pk)] == (Decimal("1000.00"), Decimal("100.00"), Decimal("900.00"))
    assert items[("fse", work["ana"].pk)] == (Decimal("1023.75"), Decimal("102.38"), Decimal("921.37"))
    assert items[("client", None)] == (Decimal("5625.00"), Decimal("0"), Decimal("6356.25"))
    # only the days billed are marked billed: Ana's unapproved day stays a draft, unbilled
    assert Workday.objects.filter(state=WorkdayState.BILLED).count() == 30
    stray = Workday.objects.get(state=WorkdayState.DRAFT)
    assert stray.date == datetime.date(2026, 11, 21) and stray.billed_item_id is None


def test_rerunning_the_period_creates_nothing_new(work):
    from dte.models import Document
    from timesheets import services
    from timesheets.models import BillingRun, RunItem

    run = _run(work)
    again, created = services.run_request(point_of_sale=work["pos"], period_start=START, period_end=END,
                                          acting_user=work["manager"])
    assert again.pk == run.pk and not created
    assert services.run_execute(run.pk) is None  # a duplicate message finds the run already done
    assert (BillingRun.objects.count(), RunItem.objects.count(), Document.objects.count()) == (1, 4, 3)


def test_a_locked_period_refuses_edits(work):
    from timesheets import services

    _run(work)
    with pytest.raises(ValidationError, match="cerrado"):
        services.workday_save(employee=work["ana"], project=work["project"], date=datetime.date(2026, 11, 24),
                              hours=Decimal("2"), acting_user=work["manager"])
    # a day outside the period is open
    assert services.workday_save(employee=work["ana"], project=work["project"], date=datetime.date(2026, 11, 30),
                                 hours=Decimal("2"), acting_user=work["manager"]).hours == Decimal("2.00")


def test_an_approved_day_is_locked_and_a_week_is_approved_by_the_manager(work):
    from timesheets import services
    from timesheets.models import Workday, WorkdayState

    monday = datetime.date(2026, 11, 30)
    services.week_save(employee=work["ana"], project=work["project"], monday=monday,
                       hours={monday: Decimal("7"), monday + datetime.timedelta(days=1): Decimal("5.5")},
                       acting_user=work["manager"])
    week = Workday.objects.filter(date__gte=monday)
    assert services.week_approve(workdays=week, acting_user=work["manager"]) == 2
    assert set(week.values_list("state", flat=True)) == {WorkdayState.APPROVED}
    with pytest.raises(ValidationError, match="aprobado"):
        services.workday_save(employee=work["ana"], project=work["project"], date=monday, hours=Decimal("1"),
                              acting_user=work["manager"])


def test_the_scheduler_firing_twice_runs_the_period_once(work, monkeypatch):
    from timesheets import services, tasks
    from timesheets.models import BillingRun

    queued = []
    monkeypatch.setattr(services, "_queue_run", queued.append)
    today = datetime.date(2026, 12, 1)  # the 1st: the half-month 16–30 November just ended
    assert services.period_for(today) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 30))
    monkeypatch.setattr(services.timezone, "localdate", lambda: today)
    first = tasks.schedule_task.run()
    second = tasks.schedule_task.run()
    assert first == second and len(first) == 1
    assert BillingRun.objects.count() == 1 and len(queued) == 1
    run = BillingRun.objects.get()
    assert run.scheduled and (run.period_start, run.period_end) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 30))


def test_reopening_proposes_the_fiscal_correction(work):
    from timesheets import services
    from timesheets.models import RunState

    run = _run(work)
    with pytest.raises(ValidationError):
        services.run_reopen(run=run, reason="  ", acting_user=work["manager"])
    proposals = services.run_reopen(run=run, reason="Horas de Ana mal cargadas", acting_user=work["manager"])
    run.refresh_from_db()
    assert run.state == RunState.REOPENED
    texts = [text for _item, text in proposals]
    assert sum("Invalidar" in t for t in texts) == 3 and any("Constancia interna" in t for t in texts)


def test_every_write_is_audited_and_moves_leave_history(work):
    from core.models import AuditEntry, StateChange

    run = _run(work)
    assert AuditEntry.objects.filter(object_repr__contains="Juan Pérez").exists()
    moves = list(StateChange.objects.filter(model="timesheets.billingrun", object_id=str(run.pk))
                 .values_list("from_state", "to_state"))
    assert moves == [("queued", "running"), ("running", "done")]


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_make_one_run(work, monkeypatch):
    """Beat firing twice at the same moment (two processes): the period's unique row lets one in."""
    import threading

    from django.db import connection

    from timesheets import services
    from timesheets.models import BillingRun

    monkeypatch.setattr(services, "_queue_run", lambda run_id: None)
    barrier, answers = threading.Barrier(2), []

    def request():
        try:
            barrier.wait(timeout=10)
            answers.append(services.run_request(point_of_sale=work["pos"], period_start=START, period_end=END,
                                                acting_user=work["manager"], scheduled=True))
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert BillingRun.objects.count() == 1
    assert sorted(created for _run, created in answers) == [False, True]
    assert {run.pk for run, _created in answers} == {BillingRun.objects.get().pk}


def test_a_reopened_period_runs_again_issuing_only_what_is_new(work):
    """Reopened, Ana's Saturday (21/11, 4 h, approved only now) is billed by a second round: one
    FSE for it and one CCF to the client; nothing issued in the first round is issued again."""
    from dte.models import Document
    from timesheets import services
    from timesheets.models import ItemState, RunState, Workday, WorkdayState

    run = _run(work)
    first = {(i.kind, i.recipient_name): i.document_id for i in run.items.all()}
    assert len(first) == 4 and Document.objects.count() == 3
    services.run_reopen(run=run, reason="Falta el sábado de Ana", acting_user=work["manager"])
    saturday = Workday.objects.filter(employee=work["ana"], date=datetime.date(2026, 11, 21))
    assert services.week_approve(workdays=saturday, acting_user=work["manager"]) == 1

    again, created = services.run_request(point_of_sale=work["pos"], period_start=START, period_end=END,
                                          acting_user=work["manager"])
    assert created and again.pk == run.pk and again.round == 2 and again.state == RunState.QUEUED
    services.run_execute(again.pk)
    again.refresh_from_db()
    assert again.state == RunState.DONE
    new = list(again.items.filter(round=2).order_by("kind"))
    # Ana: 4 h × $15.75 = $63.00; renta 10 % = $6.30; receives $56.70
    # the client: 4 h × $25.00 = $100.00 + IVA 13 % $13.00 = $113.00 (a CCF)
    assert [(i.kind, i.recipient_name, i.hours, i.amount, i.withheld, i.to_pay, i.state) for i in new] == [
        ("client", work["client"].name, Decimal("4.00"), Decimal("100.00"), Decimal("0.00"), Decimal("113.00"),
         ItemState.ISSUED),
        ("fse", "Ana Gómez", Decimal("4.00"), Decimal("63.00"), Decimal("6.30"), Decimal("56.70"), ItemState.ISSUED)]
    assert Document.objects.count() == 5
    assert {(i.kind, i.recipient_name): i.document_id for i in again.items.filter(round=1)} == first
    assert saturday.get().state == WorkdayState.BILLED and saturday.get().paid_item_id == new[1].pk
    assert (again.total_items, again.done_items) == (6, 6)

    # asked once more (a double click) or executed twice: nothing new
    same, created = services.run_request(point_of_sale=work["pos"], period_start=START, period_end=END,
                                         acting_user=work["manager"])
    assert not created and same.round == 2
    services.run_execute(again.pk)
    assert Document.objects.count() == 5 and again.items.count() == 6
