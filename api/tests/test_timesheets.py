"""Work time through the API, on the two-week period of timesheets' tests (amounts by hand):
the dry run's documents, the run asked once (a second ask is a 409 naming it, an Idempotency-Key
replays the first answer), its status as the worker issues, hours entered and locked, and the
scope (a key of another establishment reaches none of it)."""

import pytest

from timesheets.tests.conftest import END, START, branch_boss, work  # noqa: F401 - fixtures shared with timesheets

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_api(make_key, api_as, work):  # noqa: F811 - pytest fixtures by name
    _key, raw = make_key("Supervisor", name="jefe de operaciones")
    return api_as(raw)


def _period(work):  # noqa: F811
    return {"point_of_sale": work["pos"].pk, "desde": START.isoformat(), "hasta": END.isoformat()}


def test_dry_run_then_run_once_and_its_status(work, manager_api):  # noqa: F811
    from dte.models import Document
    from timesheets import services

    dry = manager_api.post("/api/v1/horas/corridas/simular/", _period(work), format="json")
    assert dry.status_code == 200, dry.content
    by = {(i["kind"], i["recipient"]): i for i in dry.json()["items"]}
    # Juan: 80 h × $12.50 = $1,000.00, renta 10 % $100.00, receives $900.00 (an FSE)
    assert [by[("fse", "Juan Pérez")][k] for k in ("tipo_dte", "hours", "amount", "withheld", "to_pay")] == [
        "14", "80.00", "1000.00", "100.00", "900.00"]
    # the client: (80 + 65 + 80) h × $25.00 = $5,625.00 + IVA 13 % $731.25 = $6,356.25 (a CCF)
    client = by[("client", work["client"].name)]
    assert [client[k] for k in ("tipo_dte", "hours", "amount", "iva", "to_pay")] == [
        "03", "225.00", "5625.00", "731.25", "6356.25"]
    assert dry.json()["existing_run"] is None and not Document.objects.exists()

    made = manager_api.post("/api/v1/horas/corridas/", _period(work), format="json", HTTP_IDEMPOTENCY_KEY="q1")
    assert made.status_code == 201 and made.json()["state"] == "queued"
    replay = manager_api.post("/api/v1/horas/corridas/", _period(work), format="json", HTTP_IDEMPOTENCY_KEY="q1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    again = manager_api.post("/api/v1/horas/corridas/", _period(work), format="json")
    assert again.status_code == 409 and f"id {made.json()['id']}" in again.json()["message"]

    services.run_execute(made.json()["id"])  # what the worker does
    status = manager_api.get(f"/api/v1/horas/corridas/{made.json()['id']}/").json()
    assert (status["state"], status["percent"], status["total_items"], status["done_items"]) == ("done", 100, 4, 4)
    fse = next(i for i in status["items"] if i["recipient"] == "Juan Pérez")
    assert (fse["amount"], fse["withheld"], fse["to_pay"], fse["state"]) == ("1000.00", "100.00", "900.00", "issued")
    assert Document.objects.get(pk=fse["document"]).tipo_dte == "14"
    assert Document.objects.count() == 3


def test_hours_entered_listed_and_locked(work, manager_api):  # noqa: F811
    from core.models import AuditEntry

    sunday = "2026-11-29"
    made = manager_api.post("/api/v1/horas/jornadas/", {"employee": work["juan"].pk, "date": sunday, "hours": "3.5",
                                                        "description": "Soporte"}, format="json")
    assert made.status_code == 201 and (made.json()["hours"], made.json()["state"]) == ("3.50", "draft")
    assert AuditEntry.objects.filter(action="create", object_repr__contains="Juan Pérez").exists()
    listed = manager_api.get(f"/api/v1/horas/jornadas/?colaborador={work['juan'].pk}&desde={sunday}").json()
    assert [(r["date"], r["hours"]) for r in listed["results"]] == [(sunday, "3.50")]
    approved = manager_api.post("/api/v1/horas/jornadas/", {"employee": work["juan"].pk, "date": START.isoformat(),
                                                            "hours": "1"}, format="json")
    assert approved.status_code == 409 and "aprobado" in approved.json()["message"]
    assert len(manager_api.get("/api/v1/horas/colaboradores/").json()["results"]) == 3


def test_another_establishments_key_reaches_nothing(work, make_key, api_as, establishments, roles):  # noqa: F811
    from accounts.models import Role

    role = Role.objects.create(name="Jefe de sucursal", company_wide=False)
    for perm in roles["Supervisor"].permissions.all():
        role.permissions.create(module=perm.module, action=perm.action)
    roles["Jefe de sucursal"] = role
    _key, raw = make_key("Jefe de sucursal", establishments=[establishments["branch"]], name="sucursal")
    branch = api_as(raw)
    assert branch.get("/api/v1/horas/colaboradores/").json()["results"] == []
    assert branch.get("/api/v1/horas/jornadas/").json()["results"] == []
    entry = branch.post("/api/v1/horas/jornadas/", {"employee": work["juan"].pk, "date": "2026-11-29", "hours": "2"},
                        format="json")
    assert entry.status_code == 400 and entry.json()["field"] == "employee"
    refused = branch.post("/api/v1/horas/corridas/", _period(work), format="json")
    assert refused.status_code == 400 and refused.json()["field"] == "point_of_sale"
    _key, raw = make_key("Vendedor", name="caja")
    assert api_as(raw).get("/api/v1/horas/corridas/").status_code == 403
