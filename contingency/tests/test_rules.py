"""Contingency rules without a worker: the circuit breaker, who may declare, issuing offline,
the events (split, and checked against MH's official schema), deadlines and alerts, the pages."""

import datetime
import json

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Company
from contingency import recovery
from contingency.alerts import due_alerts, kinds_due
from contingency.context_processors import forget_banner
from contingency.models import Event
from contingency.services import period_end, period_open
from core.models import AuditEntry
from dte import jsonio
from dte.models import Document, GovStatus, MHCall, Outbox, OutboxState
from dte.models import OfflineScope as Period
from dte.services.issuing import document_issue
from dte.tests.conftest import line
from dte.transmission.breaker import mh_unreachable
from dte.transmission.scopes import note_transient_failure

URL = "http://mh.invalid"


def _calls(*outcomes, age=0):
    at = timezone.now() - datetime.timedelta(seconds=age)
    for outcome in outcomes:
        call = MHCall.objects.create(endpoint="/fesv/recepciondte", base_url=URL, outcome=outcome)
        MHCall.objects.filter(pk=call.pk).update(at=at)


@pytest.mark.django_db
def test_breaker_trips_only_when_every_recent_call_failed(settings):
    settings.DTE_BREAKER_FAILURES, settings.DTE_BREAKER_WINDOW_SECONDS = 4, 60
    _calls("transient", "transient", "in_doubt")
    assert not mh_unreachable(URL)  # three failures: not enough yet
    _calls("transient")
    assert mh_unreachable(URL)
    _calls("ok")
    assert not mh_unreachable(URL)  # MH answered the last call
    MHCall.objects.all().delete()
    _calls("transient", "transient", "transient", "transient", age=120)
    assert not mh_unreachable(URL)  # failures, but outside the window


@pytest.mark.django_db
def test_breaker_opens_one_company_wide_period(settings, company):
    settings.DTE_BREAKER_FAILURES = 3
    _calls("transient", "transient", "transient")
    first = note_transient_failure(company, URL)
    again = note_transient_failure(company, URL)
    assert first is not None and first.automatic and first.tipo == 1 and first.establishment is None
    assert again is None and Period.objects.count() == 1


@pytest.mark.django_db
def test_who_may_declare_and_what_a_declaration_needs(company, establishments, users):
    with pytest.raises(PermissionDenied):
        period_open(company=company, tipo=1, acting_user=users["Vendedor"])
    with pytest.raises(PermissionDenied):
        period_open(company=company, tipo=1, acting_user=users["Contador"])
    with pytest.raises(ValidationError):
        period_open(company=company, tipo=5, motivo="  ", acting_user=users["Supervisor"])  # CAT-005 5 needs words
    branch = period_open(company=company, tipo=4, establishment=establishments["branch"], acting_user=users["Supervisor"])
    assert period_open(company=company, tipo=4, establishment=establishments["branch"], acting_user=users["Supervisor"]) == branch
    pos = period_open(company=company, tipo=4, point_of_sale=establishments["pos"]["S001P001"], acting_user=users["Supervisor"])
    assert pos == branch  # the establishment's period already covers its points of sale
    assert AuditEntry.objects.filter(summary__startswith="Contingencia declarada").count() == 1
    period_end(period=branch, acting_user=users["Supervisor"])
    with pytest.raises(ValidationError):
        period_end(period=branch, acting_user=users["Supervisor"])


@pytest.mark.django_db
def test_only_the_scope_in_contingency_issues_offline(make_draft, issuer, users, establishments):
    supervisor = users["Supervisor"]
    period = period_open(company=Company.objects.get(), tipo=2, point_of_sale=establishments["pos"]["M001P002"],
                         acting_user=supervisor)
    online = document_issue(document=make_draft("01", [line()], pos="M001P001"), acting_user=issuer)
    offline = document_issue(document=make_draft("01", [line()], pos="M001P002", user=supervisor), acting_user=supervisor)
    assert online.status == GovStatus.PENDING and online.contingency_period_id is None
    assert offline.status == GovStatus.CONTINGENCY and offline.contingency_period_id == period.pk
    ident = jsonio.loads(offline.payload)["identificacion"]
    assert (ident["tipoModelo"], ident["tipoOperacion"], ident["tipoContingencia"]) == (2, 2, 2)
    assert Outbox.objects.get(document=offline).state == OutboxState.HELD
    assert offline.numero_control.endswith("000000000000001")  # numbered as usual, its own series
    assert "contingencia" in offline.history.get().reason


def _official_contingency_schema(shared_dir):
    return json.loads((shared_dir / "spec" / "mh-schemas-2023" / "contingencia-schema-v3.json").read_text())


@pytest.mark.django_db
def test_events_are_split_at_the_limit_and_meet_mhs_schema(settings, make_draft, issuer, users, shared_dir):
    import jsonschema

    settings.DTE_CONTINGENCY_EVENT_MAX = 2
    supervisor = users["Supervisor"]
    period = period_open(company=Company.objects.get(), tipo=5, motivo="Corte programado del proveedor",
                         acting_user=supervisor)
    docs = [document_issue(document=make_draft("01", [line()]), acting_user=issuer) for _ in range(5)]
    period_end(period=period, acting_user=supervisor)
    period = Period.objects.select_related("company").get(pk=period.pk)
    assert recovery.build_events(period)
    events = list(Event.objects.filter(period=period).order_by("pk"))
    assert [e.document_count for e in events] == [2, 2, 1]
    listed = [i["codigoGeneracion"] for e in events for i in jsonio.loads(e.payload)["detalleDTE"]]
    assert sorted(listed) == sorted(d.codigo_generacion for d in docs)
    official = _official_contingency_schema(shared_dir)
    start, end = timezone.localtime(period.started_at), timezone.localtime(period.ended_at)
    for event in events:
        body = json.loads(event.payload)
        for section, rules in official.items():  # MH publishes the sections' properties only
            jsonschema.validate(body[section], {"type": "object", **rules} if "properties" in rules else rules)
        assert body["motivo"] == {"fInicio": start.date().isoformat(), "fFin": end.date().isoformat(),
                                  "hInicio": start.strftime("%H:%M:%S"), "hFin": end.strftime("%H:%M:%S"),
                                  "tipoContingencia": 5, "motivoContingencia": "Corte programado del proveedor"}
        assert body["emisor"]["nombreResponsable"] == "María Elena Rivas"
        assert [i["noItem"] for i in body["detalleDTE"]] == list(range(1, event.document_count + 1))
    assert recovery.build_events(period) and Event.objects.filter(period=period).count() == 3  # nothing listed twice


@pytest.mark.django_db
def test_the_event_window_covers_every_document_it_lists(make_draft, issuer):
    """The audit's case: two documents issued at 07:35:56 and 07:36:00 wait for MH, the period
    opens at 07:36:02 (MH's retry rule failed for them) and ends at 07:50:00. MH's event lists
    every DTE generated during the outage (facts §5), so its window starts at 07:35:56."""
    day = timezone.localdate()
    tz = timezone.get_current_timezone()
    at = lambda h, m, s: datetime.datetime.combine(day, datetime.time(h, m, s), tzinfo=tz)  # noqa: E731
    docs = [document_issue(document=make_draft("01", [line()]), acting_user=issuer) for _ in range(2)]
    for doc, (h, m, s) in zip(docs, [(7, 35, 56), (7, 36, 0)], strict=True):
        Document.objects.filter(pk=doc.pk).update(issue_date=day, issue_time=datetime.time(h, m, s))
    period = period_open(company=Company.objects.get(), tipo=1, automatic=True, now=at(7, 36, 2))
    later = document_issue(document=make_draft("01", [line()]), acting_user=issuer)  # issued offline meanwhile
    Document.objects.filter(pk=later.pk).update(issue_date=day, issue_time=datetime.time(7, 40, 0))
    period_end(period=period, now=at(7, 50, 0))
    period = Period.objects.select_related("company").get(pk=period.pk)
    recovery.resolve_held(period, client=None)  # never sent to MH: nothing to ask
    assert recovery.build_events(period)
    body = jsonio.loads(Event.objects.get(period=period).payload)
    assert sorted(i["codigoGeneracion"] for i in body["detalleDTE"]) == sorted(
        d.codigo_generacion for d in [*docs, later])
    motivo = body["motivo"]
    assert (motivo["fInicio"], motivo["hInicio"]) == (day.isoformat(), "07:35:56")
    assert (motivo["fFin"], motivo["hFin"]) == (day.isoformat(), "07:50:00")


@pytest.mark.django_db
def test_the_event_window_stretches_to_a_document_issued_after_the_end(make_draft, issuer):
    """A document issued offline in the second the period was ended: still inside the window."""
    day = timezone.localdate()
    tz = timezone.get_current_timezone()
    period = period_open(company=Company.objects.get(), tipo=1, automatic=True,
                         now=datetime.datetime.combine(day, datetime.time(9, 0, 0), tzinfo=tz))
    doc = document_issue(document=make_draft("01", [line()]), acting_user=issuer)
    Document.objects.filter(pk=doc.pk).update(issue_date=day, issue_time=datetime.time(9, 30, 1))
    period_end(period=period, now=datetime.datetime.combine(day, datetime.time(9, 30, 0), tzinfo=tz))
    period = Period.objects.select_related("company").get(pk=period.pk)
    assert recovery.build_events(period)
    motivo = jsonio.loads(Event.objects.get(period=period).payload)["motivo"]
    assert (motivo["hInicio"], motivo["hFin"]) == ("09:00:00", "09:30:01")


@pytest.mark.django_db
def test_an_event_needs_the_responsible_person(make_draft, issuer, users):
    company = Company.objects.get()
    period = period_open(company=company, tipo=1, acting_user=users["Supervisor"])
    document_issue(document=make_draft("01", [line()]), acting_user=issuer)
    Company.objects.filter(pk=company.pk).update(mh_responsible_name="")
    period_end(period=period, acting_user=users["Supervisor"])
    period = Period.objects.select_related("company").get(pk=period.pk)
    assert not recovery.build_events(period)
    assert "responsable" in Period.objects.get(pk=period.pk).last_error
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_deadline_alerts_reach_supervisors_and_accountants_once(settings, make_draft, issuer, users):
    settings.DTE_CONTINGENCY_ALERT_HOURS = [12.0, 4.0, 1.0]
    period = period_open(company=Company.objects.get(), tipo=1, acting_user=users["Supervisor"])
    document_issue(document=make_draft("01", [line()]), acting_user=issuer)
    assert due_alerts() == 1  # "contingency started"
    mail.outbox.clear()
    Period.objects.filter(pk=period.pk).update(ended_at=timezone.now() - datetime.timedelta(hours=20, minutes=30))
    period.refresh_from_db()
    assert kinds_due(period) == ["event-4h"]  # 3 h 30 min left of the 24 h
    assert due_alerts() == 1 and due_alerts() == 0
    message = mail.outbox[0]
    assert "quedan 3 h" in message.subject and "evento" in message.subject
    assert set(message.to) == {users["Supervisor"].email, users["Contador"].email, users["Administrador"].email}
    Period.objects.filter(pk=period.pk).update(ended_at=timezone.now() - datetime.timedelta(hours=25))
    period.refresh_from_db()
    assert kinds_due(period) == ["event-overdue"]
    assert due_alerts() == 1 and "VENCIDO" in mail.outbox[-1].subject


@pytest.mark.django_db
def test_pages_banner_and_who_may_act(client_as, make_draft, issuer, users):
    supervisor, contador, rep = users["Supervisor"], users["Contador"], users["Vendedor"]
    web = client_as(supervisor)
    bad = web.post("/contingencia/declarar/", {"scope": "company", "tipo": "5", "motivo": "", "end_automatically": "on"})
    assert bad.status_code == 200 and "Describa el motivo" in bad.content.decode() and not Period.objects.exists()
    assert client_as(rep).post("/contingencia/declarar/", {"scope": "company", "tipo": "1"}).status_code == 403
    ok = web.post("/contingencia/declarar/", {"scope": "company", "tipo": "3", "motivo": ""})
    period = Period.objects.get()
    assert ok.status_code == 302 and ok["Location"] == f"/contingencia/{period.pk}/"
    assert period.tipo == 3 and not period.end_automatically and period.opened_by == supervisor
    offline = document_issue(document=make_draft("01", [line()]), acting_user=issuer)
    page = client_as(rep).get(f"/documentos/{offline.pk}/").content.decode()
    assert "contingency-mark" in page and "Modelo diferido" in page and "pendiente de sello" in page
    forget_banner()
    home = client_as(rep).get("/").content.decode()
    assert "contingency-banner" in home and "1 documento espera transmisión" in home
    assert "Contingencia en toda la empresa" in home
    assert f"/contingencia/{period.pk}/" not in home  # the rep cannot open the contingency page
    assert f"/contingencia/{period.pk}/" in client_as(contador).get("/").content.decode()
    detail = client_as(contador).get(f"/contingencia/{period.pk}/").content.decode()
    assert "Falla en el suministro de servicio de Internet" in detail and "end-button" not in detail
    assert client_as(contador).post(f"/contingencia/{period.pk}/terminar/").status_code == 403
    assert web.post(f"/contingencia/{period.pk}/terminar/").status_code == 302
    assert Period.objects.get().ended_at is not None
    assert client_as(users["outsider"]).get("/contingencia/").status_code == 403
    listing = client_as(contador).get("/contingencia/").content.decode()
    assert "Poniéndose al día" in listing and "period-table" in listing


@pytest.mark.django_db
def test_an_empty_contingency_page_says_so(client_as, users):
    page = client_as(users["Contador"]).get("/contingencia/").content.decode()
    assert "empty-state" in page and "No ha habido contingencias" in page


@pytest.mark.django_db
def test_supervisor_resends_an_event_and_retries_a_lot_from_the_page(client_as, users, establishments):
    from contingency.models import Lot

    point = establishments["pos"]["M001P001"]
    period = Period.objects.create(company=point.establishment.company, tipo=1, started_at=timezone.now(),
                                   ended_at=timezone.now())
    event = Event.objects.create(period=period, establishment=point.establishment, point_of_sale=point,
                                 codigo_generacion="1F2E3D4C-0000-4000-8000-0000000000AA", payload="{}", jws="a.b.c",
                                 state="rejected")
    lot = Lot.objects.create(event=event, tipo_dte="01", state="failed")
    boss, accountant = client_as(users["Supervisor"]), client_as(users["Contador"])
    assert accountant.post(f"/contingencia/eventos/{event.pk}/reenviar/").status_code == 403
    response = boss.post(f"/contingencia/eventos/{event.pk}/reenviar/", follow=True)
    assert "El evento se rehace" in response.content.decode()
    event.refresh_from_db()
    assert event.state == "replaced"
    again = boss.post(f"/contingencia/eventos/{event.pk}/reenviar/", follow=True).content.decode()
    assert "Solo se reenvía un evento rechazado" in again
    boss.post(f"/contingencia/lotes/{lot.pk}/reintentar/")
    lot.refresh_from_db()
    assert lot.state == "in_doubt"
    assert AuditEntry.objects.filter(summary__startswith="Lote reintentado").exists()
