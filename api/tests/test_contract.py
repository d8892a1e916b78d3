"""Contract tests from the generated OpenAPI schema: every operation it lists is called for each
status it documents (its success and every error), and each answer is checked against the
schema's description of that status. An operation or a documented status without a way to
provoke it here fails the test, so the schema cannot promise what the API does not do."""

import copy
import json
import re
from datetime import timedelta

import jsonschema
import pytest
from django.core.cache import cache
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from dte.models import Document, GovStatus
from dte.tests.conftest import line

pytestmark = pytest.mark.django_db


def _schema():
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


SCHEMA = _schema()
OPERATIONS = {op["operationId"]: (method.upper(), path, op) for path, ops in SCHEMA["paths"].items()
              for method, op in ops.items()}


def _jsonschema(node):
    """OpenAPI 3.0 schema objects as JSON Schema: ``nullable`` becomes a null alternative."""
    if isinstance(node, list):
        return [_jsonschema(x) for x in node]
    if not isinstance(node, dict):
        return node
    # "oneOf" of a blank string and a format jsonschema does not assert: both match ''; any of them will do
    out = {("anyOf" if k == "oneOf" else k): _jsonschema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


COMPONENTS = _jsonschema(copy.deepcopy(SCHEMA["components"]))


def _check(op, status, response):
    documented = op["responses"].get(str(status))
    assert documented is not None, f"{op['operationId']}: {status} no está documentado"
    content = documented.get("content") or {}
    if "application/json" in content and response["Content-Type"].startswith("application/json"):
        body = response.json()
        jsonschema.validate(body, {**content["application/json"]["schema"], "components": COMPONENTS},
                            cls=jsonschema.Draft7Validator)
        if status >= 400:
            assert body["code"] and body["message"] and "field" in body and body["errors"]


@pytest.fixture
def world(make_key, api_as, establishments, parties, products, users, request, integration, roles):
    """A company that signs, an all-grants key, a key with no grants, a slow key (1 call a minute),
    and documents in the states the operations need."""
    from accounts.models import Role
    from dte.printing import render_and_store
    from dte.services.issuing import document_issue
    from dte.transitions import transition
    from payments.services import payment_record
    from webhooks.services import subscription_create

    request.getfixturevalue("signing_company")
    cache.clear()
    admin = users["Administrador"]
    _k, raw = make_key("Administrador", name="todo")
    nobody = Role.objects.create(name="Sin permisos")
    _k, raw_nobody = make_key("Vendedor", name="nada")
    _k.user.role = nobody
    _k.user.save()
    _slow_key, raw_slow = make_key("Administrador", name="lenta", rate_per_minute=1)
    make_draft = request.getfixturevalue("make_draft")

    def issued(**more):
        return document_issue(document=make_draft("01", [line("Silla", "1", "113.00")], client=parties["taxpayer"],
                                                  user=admin, **more), acting_user=admin)

    sealed = issued()
    transition(sealed, GovStatus.TRANSMITTING, reason="prueba")
    transition(sealed, GovStatus.SEALED, reason="Sellado", sello_recibido="S" * 40, processed_at=timezone.now())
    rejected = issued()
    transition(rejected, GovStatus.TRANSMITTING, reason="prueba")
    transition(rejected, GovStatus.REJECTED, reason="Rechazado", rejected_at=timezone.now())
    pending = issued()
    render_and_store(sealed.pk, layouts=["letter"])
    draft = make_draft("01", [line("Mesa", "1", "20.00")], user=admin)
    # a Factura above the identification threshold without its buyer: refused when issuing (422)
    empty_draft = make_draft("01", [line("Mueble caro", "1", "2000.00")], user=admin)
    old_draft = make_draft("01", [line("Mesa", "1", "20.00")], user=admin,
                           issue_date=timezone.localdate() - timedelta(days=1))
    credit = issued(condition=2, payment_term_days=30)
    payment = payment_record(client=parties["taxpayer"], date=timezone.localdate(), amount="10.00", method="01",
                             acting_user=admin, applications=[(credit, "10.00")])
    from inventory.models import Provider

    provider = Provider.objects.create(id_type="36", id_number="06140507071048", name="Proveedora Uno")
    hook, _secret = subscription_create(integration=integration, url="https://erp.example/h",
                                        events=["document.sealed"], acting_user=admin)
    # orders: one to pay at the till, one to cancel, one held on the prepaid balance to ship
    from orders.services import BALANCE, order_create, order_pay_start
    from payments.services import payment_record_advance

    def order():
        return order_create(acting_user=admin, client=parties["consumer"], point_of_sale=establishments["pos"]["M001P001"],
                            lines=[{"product": products["service"], "quantity": 1}])

    to_pay, to_cancel, to_ship, to_refund = order(), order(), order(), order()
    # paid at the till, its Factura issued: refundable (in full: the Factura's invalidation)
    from orders.services import order_record_payment, receipt_issue

    order_record_payment(order=to_refund, method="01", reference="CAJA", acting_user=admin)
    receipt_issue(order_id=to_refund.pk)
    payment_record_advance(client=parties["consumer"], amount="100.00", method="05", reference="DEP",
                           acting_user=admin)
    order_pay_start(order=to_ship, gateway=BALANCE)
    from purchases.services import receive_upload
    from purchases.tests.factory import as_file, ccf

    [received], _skipped = receive_upload(files=[("recibido.json", as_file(ccf([("100.00", "0")])))], acting_user=admin)
    # work time: an employee with an approved day (a locked one: 409 on entry) and a run already made
    import datetime

    from timesheets.models import BillingRun, Department, Employee, Project, Workday

    main = establishments["main"]
    dept = Department.objects.create(establishment=main, code="DEV", name="Desarrollo")
    project = Project.objects.create(establishment=main, code="P1", name="Portal", client=parties["taxpayer"], rate=25)
    worker = Employee.objects.create(department=dept, project=project, code="C1", name="Juan Pérez", email="j@example.com",
                                     fiscal_status="contractor", id_number="04567891-2", hourly_rate="12.50")
    approved_day = datetime.date(2026, 11, 3)
    Workday.objects.create(employee=worker, project=project, date=approved_day, hours=8, state="approved")
    ts_run = BillingRun.objects.create(point_of_sale=establishments["pos"]["M001P001"], period_start=datetime.date(2026, 10, 1),
                                       period_end=datetime.date(2026, 10, 15), requested_by=admin, state="done")
    import base64
    import io
    import zipfile

    from purchases import batches

    def zipped(*docs):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for i, doc in enumerate(docs):
                zf.writestr(f"{i}.json", as_file(doc))
        return out.getvalue()

    batch = batches.batch_create(file=io.BytesIO(zipped(ccf([("30.00", "0")], number=3))), name="lote.zip",
                                 acting_user=admin)
    return {"worker": worker, "approved_day": approved_day, "ts_run": ts_run, "batch": batch,
            "zip64": base64.b64encode(zipped(ccf([("60.00", "0")], number=4))).decode(),
            "pdf64": base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode(),
            "received": received.document, "purchase": ccf([("40.00", "0")], number=2), "api": api_as(raw), "nobody": api_as(raw_nobody), "to_pay": to_pay,
            "to_cancel": to_cancel, "to_refund": to_refund, "to_ship": to_ship, "slow": api_as(raw_slow), "anonymous": APIClient(),
            "sealed": sealed, "rejected": rejected, "pending": pending, "draft": draft, "empty_draft": empty_draft,
            "old_draft": old_draft, "client": parties["taxpayer"], "product": products["chair"], "service": products["service"],
            "provider": provider, "payment": payment, "hook": hook, "credit": credit,
            "pos": establishments["pos"]["M001P001"], "consumer": parties["consumer"]}


def _client_body():
    return {"kind": "consumidor", "id_type": "13", "id_number": "04444444-0", "name": "Beto Pérez",
            "email": "beto@example.com"}


def _person():
    return {"name": "María Rivas", "id_type": "13", "id_number": "00016297-5"}


# How to call each operation: its path's id and, per documented status, (who calls, query or
# body). "*" in a path is replaced by the id; {} bodies are sent as JSON.
def _calls(w):
    doc_id = {"documents_read": w["sealed"].pk, "documents_signed_json": w["sealed"].pk, "documents_jws": w["sealed"].pk,
              "documents_pdf": w["sealed"].pk, "documents_update": w["draft"].pk, "documents_issue": w["draft"].pk,
              "documents_correct": w["rejected"].pk, "documents_retransmit": w["rejected"].pk,
              "documents_invalidate": w["sealed"].pk, "clients_read": w["client"].pk, "clients_update": w["client"].pk,
              "clients_balance": w["client"].pk, "products_read": w["product"].pk, "products_update": w["product"].pk,
              "providers_read": w["provider"].pk, "providers_update": w["provider"].pk, "payments_read": w["payment"].pk,
              "webhooks_read": w["hook"].pk, "webhooks_update": w["hook"].pk, "webhooks_disable": w["hook"].pk,
              "orders_read": w["to_pay"].pk, "orders_pay_at_till": w["to_pay"].pk, "orders_ship": w["to_ship"].pk,
              "orders_cancel": w["to_cancel"].pk, "received_read": w["received"].pk, "billing_runs_read": w["ts_run"].pk,
              "received_pdf": w["received"].pk, "received_batches_read": w["batch"].pk,
              "orders_refund": w["to_refund"].pk, "orders_refunds_list": w["to_refund"].pk}
    period = {"point_of_sale": w["pos"].pk, "desde": "2026-11-01", "hasta": "2026-11-15"}
    factura = {"tipo_dte": "01", "point_of_sale": w["pos"].pk, "client": w["consumer"].pk,
               "lines": [{"product": w["service"].pk, "quantity": "1"}], "issue": True}
    success = {
        "clients_create": (201, _client_body()), "clients_update": (200, {"phone": "22225555"}),
        "products_create": (201, {"code": "MESA-01", "description": "Mesa", "item_type": 1, "unit": 59,
                                  "price": "50.00", "price_includes_iva": True, "cost": "20", "tax_treatment": "gravado"}),
        "products_update": (200, {"category": "Muebles"}),
        "providers_create": (201, {"id_type": "36", "id_number": "06142803901121", "name": "Proveedora Dos"}),
        "providers_update": (200, {"phone": "22229999"}),
        "documents_create": (201, factura), "documents_update": (200, {"observations": "Entregar el lunes"}),
        "documents_issue": (200, {}), "documents_correct": (200, None), "documents_retransmit": (202, None),
        "documents_invalidate": (202, {"tipo": 2, "reason": "Venta anulada", "responsible": _person(),
                                       "requester": _person()}),
        "payments_create": (201, {"client": w["client"].pk, "date": timezone.localdate().isoformat(), "amount": "5.00",
                                  "method": "01", "applications": [{"document": w["credit"].pk, "amount": "5.00"}]}),
        "webhooks_create": (201, {"url": "https://erp.example/otro", "events": ["payment.recorded"]}),
        "webhooks_update": (200, {"active": False}), "webhooks_disable": (204, None),
        "catalogs_entries": (200, None), "received_create": (201, {"documento": w["purchase"], "nombre": "ccf.json"}),
        "orders_create": (201, {"client": w["consumer"].pk, "point_of_sale": w["pos"].pk,
                                "lines": [{"product": w["service"].pk, "quantity": "2"}]}),
        "orders_pay_at_till": (200, {"method": "01"}), "orders_ship": (200, None),
        "orders_cancel": (200, {"reason": "El cliente desistió"}),
        "workdays_create": (201, {"employee": w["worker"].pk, "date": "2026-11-04", "hours": "7.5"}),
        "billing_dry_run": (200, period), "billing_runs_create": (201, period),
        "received_batches_create": (202, {"zip": w["zip64"], "nombre": "lote", "periodo": "2026-11"}),
        "received_pdf": (200, {"pdf": w["pdf64"]}),
        "orders_refund": (201, {"reason": "El cliente devolvió el servicio"}),
    }
    specific = {
        ("clients_list", 400): "?limite=0", ("documents_list", 400): "?limite=999", ("stock_list", 400): "?producto=x",
        ("payments_list", 400): "?cliente=x", ("products_list", 400): "?despues=x", ("providers_list", 400): "?limite=x",
        ("clients_create", 400): {"kind": "consumidor"}, ("clients_update", 400): {"id_number": "123"},
        ("products_create", 400): {"code": ""}, ("products_update", 400): {"price": "abc"},
        ("providers_create", 400): {"id_type": "36"}, ("providers_update", 400): {"name": ""},
        ("documents_create", 400): {"tipo_dte": "ZZ"}, ("documents_update", 400): {"lines": [{"quantity": "x"}]},
        ("documents_issue", 400): {"confirm": "no es una lista"}, ("documents_invalidate", 400): {"tipo": 9},
        ("payments_create", 400): {"client": "x"}, ("webhooks_create", 400): {"url": "no-es-url", "events": []},
        ("webhooks_update", 400): {"events": ["no.existe"]},
        ("documents_create", 409): {**factura, "issue_date": (timezone.localdate() - timedelta(days=1)).isoformat()},
        ("documents_update", 409): ("old_draft", {"issue": True}), ("documents_issue", 409): ("old_draft", {}),
        ("documents_correct", 409): ("sealed", None), ("documents_retransmit", 409): ("sealed", None),
        ("documents_invalidate", 409): ("pending", {"tipo": 2, "reason": "x", "responsible": _person(),
                                                    "requester": _person()}),
        ("documents_create", 422): {**factura, "client": None, "lines": [{"description": "Mueble caro", "quantity": "1",
                                                                            "unit_price": "2000.00"}]}, ("documents_update", 422): ("empty_draft", {"issue": True}),
        ("documents_issue", 422): ("empty_draft", {}),
        ("payments_create", 422): {"client": w["client"].pk, "date": timezone.localdate().isoformat(), "amount": "0",
                                   "method": "01"},
        ("documents_pdf", 202): ("pending", None),
        ("orders_list", 400): "?limite=0", ("orders_create", 400): {"client": "x"},
        ("orders_create", 422): {"client": w["consumer"].pk, "point_of_sale": w["pos"].pk,
                                 "lines": [{"product": w["product"].pk, "quantity": "99"}]},  # no chairs in stock
        ("orders_pay_at_till", 400): ("to_cancel", {"method": "zz"}),
        ("orders_pay_at_till", 409): ("to_pay", {"method": "01"}),  # paid by the success call
        ("orders_ship", 409): ("to_pay", None), ("orders_cancel", 409): ("to_cancel", {"reason": "Otra vez"}),
        ("orders_refund", 400): {"amount": "x"}, ("orders_ship", 400): {"lines": "todas"}, ("orders_refund", 409): ("to_cancel", {"reason": "No se cobró"}),
        ("received_list", 400): "?estado=x", ("received_create", 400): {"documento": "{no es json"},
        ("received_create", 409): {"documento": w["purchase"]},  # the one received by the 201 call
        ("employees_list", 400): "?limite=0", ("workdays_list", 400): "?desde=ayer", ("billing_runs_list", 400): "?despues=x",
        ("workdays_create", 400): {"employee": w["worker"].pk, "date": "2026-11-05", "hours": "25"},
        ("workdays_create", 409): {"employee": w["worker"].pk, "date": w["approved_day"].isoformat(), "hours": "4"},
        ("billing_dry_run", 400): {**period, "hasta": "2026-10-01"},
        ("billing_runs_create", 400): {**period, "point_of_sale": 999999},
        ("billing_runs_create", 409): {**period, "desde": "2026-10-01", "hasta": "2026-10-15"},  # already run
        ("received_batches_create", 400): {"zip": "bm8gZXMgdW4gemlw"},  # base64 of "no es un zip"
        ("received_pdf", 400): {"pdf": "bm8gZXMgdW4gcGRm"},  # base64 of "no es un pdf"
        ("received_pdf", 409): ("received", {"pdf": w["pdf64"]}),  # it got its PDF from the 200 call
    }
    return doc_id, success, specific


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_each_operation_answers_every_status_it_documents_as_documented(operation, world):
    method, template, op = OPERATIONS[operation]
    doc_id, success, specific = _calls(world)

    def path(target=None, query=""):
        pk = target if target is not None else doc_id.get(operation, 0)
        return template.replace("{id}", str(pk)).replace("{catalog}", "CAT-002" if target != 999999 else "CAT-999") + query

    def call(client, url, body=None, **headers):
        if method in ("GET", "DELETE"):
            return getattr(client, method.lower())(url, **headers)
        return getattr(client, method.lower())(url, body if body is not None else {}, format="json", **headers)

    statuses = sorted(int(s) for s in op["responses"])
    assert any(s < 300 for s in statuses)
    for status in statuses:
        cache.clear()
        if status < 300 and status != 202 or (status == 202 and operation != "documents_pdf"):
            expected, body = success.get(operation, (status, None))
            assert expected == status, f"{operation}: {status} documentado, {expected} esperado"
            response = call(world["api"], path(), body)
        elif status == 401:
            response = call(world["anonymous"], path())
        elif status == 403:
            response = call(world["nobody"], path(), success.get(operation, (0, None))[1])
        elif status == 429:
            world["slow"].get("/api/v1/catalogos/")
            response = call(world["slow"], path())
        elif status == 404 and ("{id}" in template or "{catalog}" in template):
            response = call(world["api"], path(999999), success.get(operation, (0, None))[1])
        elif status == 422 and (operation, 422) not in specific:
            # the same Idempotency-Key with another body
            call(world["api"], path(), {"a": 1}, HTTP_IDEMPOTENCY_KEY="clave-repetida")
            response = call(world["api"], path(), {"a": 2}, HTTP_IDEMPOTENCY_KEY="clave-repetida")
            assert response.json()["code"] == "idempotency_key_reused"
        else:
            how = specific.get((operation, status))
            assert how is not None, f"{operation}: nada aquí provoca el {status} documentado"
            if isinstance(how, str):
                response = call(world["api"], path(query=how))
            elif isinstance(how, tuple):
                response = call(world["api"], path(world[how[0]].pk), how[1])
            else:
                response = call(world["api"], path(), how)
        assert response.status_code == status, (operation, status, getattr(response, "content", b"")[:500])
        _check(op, status, response)
        if operation == "documents_pdf" and status == 200:
            assert response["Content-Type"] == "application/pdf"


def test_the_schema_and_its_pages_are_served_with_assets_from_the_package(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    assert json.loads(schema.content)["openapi"].startswith("3.")
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    for page in (html, client.get("/api/redoc/").content.decode()):
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert any("drf_spectacular_sidecar/" in a for a in assets)
        assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]  # nothing from a CDN


def test_every_error_status_documented_is_in_the_one_error_shape():
    for _method, _path, op in OPERATIONS.values():
        for status, response in op["responses"].items():
            if int(status) >= 400:
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.rsplit("/", 1)[-1] in ("Error", "NeedsPerson"), (op["operationId"], status)


def test_an_unknown_document_state_is_not_issued_through_the_draft_path(world):
    """Issuing what is not a draft: the editor's rule (404: no draft by that id)."""
    response = world["api"].post(f"/api/v1/documentos/{world['sealed'].pk}/emitir/", {}, format="json")
    assert response.status_code == 404
    assert Document.objects.get(pk=world["sealed"].pk).status == GovStatus.SEALED
