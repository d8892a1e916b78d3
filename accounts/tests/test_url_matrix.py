"""Every URL of the project, for every default role and for an anonymous visitor.

The URL list is read from the URL configuration itself, so a URL added later is checked
automatically. A view must declare its access (core.access); one that declares none fails
here. A module the role lacks answers 403; a granted one answers without error.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import Role
from core.access import view_access

# Values for URL arguments, by argument name. A new URL with a new argument name must add one.
SAMPLE_KWARGS = {"uidb64": "MQ", "token": "set-password", "fmt": "csv", "catalogue": "clientes", "slug": "ventas-cliente",
                 "annex": "contribuyentes", "account_token": "sin-cuenta"}
# Arguments that name an object: which sample object, by URL namespace and name prefix.
OBJECT_KWARGS = [("clients", "", "pk", "client"), ("inventory", "product", "pk", "product"),
                 ("inventory", "provider", "pk", "provider"), ("bulk", "", "job", "job"),
                 ("dte", "detail", "pk", "issued_document"), ("dte", "download", "pk", "issued_document"),
                 ("dte", "send", "pk", "sealed_document"), ("dte", "action", "pk", "issued_document"),
                 ("dte", "invalidate", "pk", "issued_document"), ("dte", "links_revoke", "pk", "sealed_document"),
                 ("dte", "", "pk", "draft"), ("dte", "", "case_pk", "special_case"),
                 ("contingency", "event", "pk", "event"), ("contingency", "lot", "pk", "lot"),
                 ("contingency", "", "pk", "period"), (None, "public", "enlace", "link"),
                 ("dte", "archive", "public_id", "archive_job"), ("payments", "client", "pk", "client"),
                 ("payments", "void", "pk", "payment"), ("payments", "settlement", "pk", "settlement"), ("reports", "job", "public_id", "export_job"),
                 ("accounts", "role_grants", "pk", "role"), ("purchases", "batch", "pk", "intake_batch"),
                 ("purchases", "", "pk", "received"),
                 ("timesheets", "run", "pk", "ts_run"), ("timesheets", "item", "pk", "ts_item"),
                 ("timesheets", "link_revoke", "pk", "ts_link"), ("timesheets", "link", "token", "ts_token"),
                 ("timesheets", "department", "pk", "ts_department"), ("timesheets", "project", "pk", "ts_project"),
                 ("timesheets", "employee", "pk", "ts_employee"),
                 ("orders", "", "pk", "order"), ("pay", "", "token", "pay_token"),
                 ("reconciliation", "", "pk", "bank_account"), ("reconciliation", "", "statement", "bank_statement"),
                 ("reconciliation", "", "match", "bank_match"), ("reconciliation", "", "period", "bank_period"),
                 ("notifications", "", "pk", "notification"), ("payments", "gateway", "pk", "gateway_account")]
# URL namespaces checked elsewhere: the Django admin (staff only, see test below) and the API
# (keys, not sessions: api/tests/test_contract.py walks every API route for its key and grant).
SKIP_NAMESPACES = {"admin", "api"}
SKIP_NAMES = {"set_language"}  # Django's POST-only language switch, open to everyone by design


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), namespace, p


def project_urls():
    import re

    urls = []
    for route, namespace, pattern in _walk(get_resolver().url_patterns):
        if namespace in SKIP_NAMESPACES or pattern.name in SKIP_NAMES:
            continue
        if route.startswith("^"):
            continue  # regex routes: static/media helpers in DEBUG only
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        unknown = [n for n in names if n not in SAMPLE_KWARGS and _object_for(namespace, pattern.name, n) is None]
        assert not unknown, f"{namespace}:{pattern.name}: agregue un valor de ejemplo para {unknown} en este test"
        urls.append(pytest.param("/" + route, pattern, id=f"{namespace}:{pattern.name}"))
    return urls


def _object_for(namespace, name, kwarg):
    for ns, prefix, arg, key in OBJECT_KWARGS:
        if ns == namespace and (name or "").startswith(prefix) and arg == kwarg:
            return key
    return None


@pytest.fixture
def sample_objects(db, users, establishments):
    from django.core.files.base import ContentFile

    from bulk.models import ImportJob
    from clients.models import Client
    from inventory.models import Product, Provider

    # The rep's own job: every role that may open upload pages sees it (its uploader, or a role that
    # administers the catalogue; bulk.selectors). Others' jobs are 404 (bulk/tests/test_job_access.py).
    job = ImportJob(catalogue="clientes", file_name="x.csv", uploaded_by=users["Vendedor"], status="invalid")
    job.file.save("x.csv", ContentFile(b"a"), save=False)
    job.error_report.save("e.xlsx", ContentFile(b"a"), save=False)
    job.save()
    from django.utils import timezone

    from dte.models import Document, SpecialCase

    point = establishments["pos"]["M001P001"]
    from accounts.services import user_assign_locations

    # the sales rep works where the demo's does: establishment M001, point of sale P001
    user_assign_locations(user=users["Vendedor"], establishments=[point.establishment], points_of_sale=[point],
                          acting_user=users["Administrador"])
    common = {"company": point.establishment.company, "establishment": point.establishment, "point_of_sale": point,
              "tipo_dte": "01", "issue_date": timezone.localdate(), "created_by": users["Vendedor"]}
    # a credit note: a type every default role that creates documents issues (the Contador only NC/ND)
    draft = Document.objects.create(**{**common, "tipo_dte": "05"})
    issued = Document.objects.create(**common, status="pending", numero_control="DTE-01-M001P001-000000000000001",
                                     number_year=2026, codigo_generacion="1F2E3D4C-0000-4000-8000-000000000001",
                                     payload='{"identificacion": {}, "resumen": {}}', jws="a.b.c")
    case = SpecialCase.objects.create(document=draft, code="credit_limit", detail="x", fingerprint="x",
                                      state="requested", needs_approval=True)
    from dte.models import Delivery

    sealed = Document.objects.create(**common, status="sealed", numero_control="DTE-01-M001P001-000000000000002",
                                     number_year=2026, codigo_generacion="1F2E3D4C-0000-4000-8000-000000000002",
                                     payload='{"identificacion": {}, "resumen": {}}', jws="a.b.c", sello_recibido="S" * 40)
    failed = Delivery.objects.create(document=sealed, recipient="cliente@example.com", state="failed", error="SMTP")
    import uuid

    from contingency.models import Event, Lot
    from dte.delivery import link_token
    from dte.models import ArchiveJob
    from dte.models import OfflineScope as Period
    from payments.models import Payment
    from reports.models import ExportJob

    sample_client = Client.objects.create(kind="consumidor", id_type="13", id_number="00016297-5", name="Cliente Uno")

    period = Period.objects.create(company=point.establishment.company, tipo=1, started_at=timezone.now(),
                                   ended_at=timezone.now())
    event = Event.objects.create(period=period, establishment=point.establishment, point_of_sale=point,
                                 codigo_generacion="1F2E3D4C-0000-4000-8000-0000000000EE", payload="{}", jws="a.b.c",
                                 state="rejected")
    lot = Lot.objects.create(event=event, tipo_dte="01", state="failed")
    import datetime

    from orders.models import Order
    from orders.selectors import pay_token

    order = Order.objects.create(establishment=point.establishment, point_of_sale=point, client=sample_client,
                                 tipo_dte="01", total=10, created_by=users["Vendedor"],
                                 link_expires_at=timezone.now() + datetime.timedelta(hours=1))
    from notifications.models import Notification
    from payments.models import GatewayAccount

    # the rep's own notification: his to read and open; anyone else's is a 404 (notifications/tests/test_views.py)
    notification = Notification.objects.create(recipient=users["Vendedor"], kind="document.rejected",
                                               key=f"document.rejected:document:{issued.pk}:1", title="MH rechazó",
                                               url=f"/documentos/{issued.pk}/")
    gateway_account = GatewayAccount(company=point.establishment.company, gateway="wompi")
    gateway_account.set_credentials({"client_id": "app-1", "client_secret": "secreto-1"})
    gateway_account.save()
    return {
        "order": order.pk, "pay_token": pay_token(order), "notification": notification.pk,
        "gateway_account": gateway_account.pk,
        "period": period.pk, "event": event.pk, "lot": lot.pk, "link": link_token(issued),
        "archive_job": ArchiveJob.objects.create(public_id=uuid.uuid4(), requested_by=users["Administrador"],
                                                 date_from=timezone.localdate(), date_to=timezone.localdate(),
                                                 state="done").public_id,
        "export_job": ExportJob.objects.create(public_id=uuid.uuid4(), requested_by=users["Administrador"],
                                               report="ventas-cliente", title="Ventas por cliente", fmt="csv",
                                               state="done").public_id,
        "draft": draft.pk, "issued_document": issued.pk, "special_case": case.pk,
        "sealed_document": sealed.pk, "failed_delivery": failed.pk, "point_of_sale": point.pk,
        "client": sample_client.pk,
        "payment": Payment.objects.create(client=sample_client, date=timezone.localdate(), amount=1, method="01",
                                          created_by=users["Contador"]).pk,
        "product": Product.objects.create(code="P1", description="Producto", price=1).pk,
        "provider": Provider.objects.create(id_type="36", id_number="06140101900018", name="Proveedor").pk,
        "job": job.public_id,
        "role": Role.objects.create(name="Muestra").pk,
        "received": _received(point.establishment.company),
        "intake_batch": _batch(point.establishment.company),
        "settlement": _settlement(point.establishment.company, users["Contador"]),
        **_work_time(point, users["Supervisor"]),
        **_bank(point.establishment, users["Contador"]),
    }


def _bank(establishment, accountant):
    """A bank account of the main establishment with a statement, a proposed match and an open
    period (reconciliation)."""
    import datetime

    from django.core.files.base import ContentFile

    from reconciliation.models import BankAccount, BankLine, Match, MatchLine, Period, Statement

    account = BankAccount.objects.create(company=establishment.company, establishment=establishment, bank="otro",
                                         name="Corriente", number="100-1",
                                         mapping={"date": "fecha", "amount": "monto", "date_format": "%Y-%m-%d"})
    statement = Statement(account=account, file_name="e.csv", file_format="csv", state="invalid", uploaded_by=accountant)
    statement.file.save("e.csv", ContentFile(b"fecha,monto\n"), save=False)
    statement.save()
    line = BankLine.objects.create(account=account, statement=statement, fingerprint="f1", date=datetime.date(2026, 11, 2),
                                   amount=5, reference="R-1")
    match = Match.objects.create(account=account, rule="reference", confidence=100)
    MatchLine.objects.create(match=match, line=line)
    period = Period.objects.create(account=account, start=datetime.date(2026, 11, 1), end=datetime.date(2026, 11, 30))
    return {"bank_account": account.pk, "bank_statement": statement.pk, "bank_match": match.pk, "bank_period": period.pk}


def _work_time(point, manager):
    """A run of the work-time app with a staff statement stored and a link to it (timesheets)."""
    import datetime

    from django.core.files.base import ContentFile

    from timesheets.links import link_create, link_url
    from timesheets.models import BillingRun, RunItem

    run = BillingRun.objects.create(point_of_sale=point, period_start=datetime.date(2026, 11, 1),
                                    period_end=datetime.date(2026, 11, 15), requested_by=manager, state="done")
    item = RunItem(run=run, kind="statement", state="issued")
    item.file.save("constancia.pdf", ContentFile(b"%PDF-1.4"), save=False)
    item.save()
    link = link_create(item=item)
    from timesheets.models import Department, Employee, Project

    dept = Department.objects.create(establishment=point.establishment, code="DM", name="Depto. muestra")
    project = Project.objects.create(establishment=point.establishment, code="PM", name="Proyecto muestra")
    employee = Employee.objects.create(department=dept, project=project, code="EM", name="Colaborador muestra",
                                       email="em@example.com", fiscal_status="contractor", id_number="04567891-2")
    return {"ts_run": run.pk, "ts_item": item.pk, "ts_link": link.pk, "ts_token": link_url(link).rstrip("/").rsplit("/", 1)[1],
            "ts_department": dept.pk, "ts_project": project.pk, "ts_employee": employee.pk,
            "ts_establishment": point.establishment_id}


def _settlement(company, user):
    import datetime

    """A gateway settlement with one matched line (payments, issue 21)."""
    from payments.models import GatewayAccount, Settlement, SettlementLine

    account = GatewayAccount(company=company, gateway="n1co")
    account.set_credentials({"client_id": "x", "client_secret": "y"})
    account.save()
    today = datetime.date(2026, 11, 3)
    s = Settlement.objects.create(account=account, gateway="n1co", batch_id="N1CO-1-20261105", payout_date=today,
                                  period_start=today, period_end=today, gross=50, fee=2, net=48, source="api",
                                  digest="0" * 64, content=b"{}", matched_count=1, imported_by=user)
    SettlementLine.objects.create(settlement=s, position=1, status="matched", kind="charge", transaction_id="CH1",
                                  gross=50, fee=2, net=48, expected=50, our_key="op:1", our_label="P-000001 cobro")
    return s.pk


def _received(company):
    """A verified supplier CCF with its PDF (purchases)."""
    import datetime

    from django.core.files.base import ContentFile

    from purchases.models import ReceivedDocument

    doc = ReceivedDocument(company=company, tipo_dte="03", version=3, generation="2023",
                           codigo_generacion="1F2E3D4C-0000-4000-8000-0000000000AA", numero_control="DTE-03-M001P001-000000000000001",
                           issue_date=datetime.date(2026, 11, 3), supplier_nit="06141506851019", supplier_name="Proveedor",
                           raw="{}", file_name="a.json", state="verified")
    doc.pdf.save("a.pdf", ContentFile(b"%PDF-1.4"), save=False)
    doc.save()
    return doc.pk


def _batch(company):
    """A batch of received documents half read by the workers (purchases)."""
    from django.core.files.base import ContentFile

    from purchases.models import IntakeBatch

    batch = IntakeBatch(company=company, file_name="lote.zip", state="running", total=10, received=4, pending_chunks=1)
    batch.file.save("lote.zip", ContentFile(b"PK"), save=False)
    batch.save()
    return batch.pk


def _path(template, pattern, objects):
    import re

    namespace = template_namespace = None
    for p in URLS:
        if p.values[1] is pattern:
            template_namespace = p.id.split(":")[0]
    namespace = None if template_namespace == "None" else template_namespace

    def sub(m):
        name = m.group(1)
        key = _object_for(namespace, pattern.name, name)
        return str(objects[key]) if key else SAMPLE_KWARGS[name]

    return re.sub(r"<(?:\w+:)?(\w+)>", sub, template)


URLS = project_urls()


# Operations URLs whose answer is not a page: readiness says 503 while a part is missing (no
# worker heartbeat in this process's tests; billing/tests/test_health.py checks each part), and
# the metrics answer 404 to anyone without the token or an allowed network (billing/tests/
# test_metrics.py). The same answer for every visitor and role: nothing there depends on a login.
OPERATIONS = {"health_ready": {200, 503}, "metrics": {404}}


def _operations(pattern, response, who=""):
    expected = OPERATIONS.get(getattr(pattern, "name", None))
    if expected is None:
        return False
    assert response.status_code in expected, f"{who} {pattern.name}: {response.status_code}"
    return True


def test_the_matrix_covers_the_project_urls():
    names = {p.id for p in URLS}
    assert {"accounts:home", "accounts:settings", "accounts:audit", "catalogs:municipio_options", "catalogs:distrito_options", "clients:list",
            "clients:detail", "inventory:product_list", "bulk:upload", "bulk:job"} <= names


@pytest.mark.parametrize("path,pattern", URLS)
def test_every_view_declares_its_access(path, pattern):
    assert view_access(pattern.callback) is not None, (
        f"{path} no declara quién puede usarla: use public_view, authenticated_view o module_required"
    )


@pytest.mark.parametrize("path,pattern", URLS)
def test_anonymous_visitor(db, client, sample_objects, path, pattern):
    kind, _module, _action = view_access(pattern.callback)
    response = client.get(_path(path, pattern, sample_objects))
    if _operations(pattern, response):
        return
    assert response.status_code < 500
    if kind == "public":
        assert response.status_code in (200, 302, 405)
        if response.status_code == 302:
            assert "/ingresar/" not in response["Location"]
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/ingresar/?next=")


@pytest.mark.parametrize("role_name", ["Administrador", "Supervisor", "Vendedor", "Contador", "Auditor", "outsider"])
@pytest.mark.parametrize("path,pattern", URLS)
def test_role_against_url(users, establishments, sample_objects, client_as, role_name, path, pattern):
    from bulk.registry import MODULES

    user = users[role_name]
    kind, module, action = view_access(pattern.callback)
    if module == "catalogue":
        module = MODULES[SAMPLE_KWARGS["catalogue"]]
    path = _path(path, pattern, sample_objects)
    response = client_as(user).get(path)
    if _operations(pattern, response, role_name):
        return
    assert response.status_code < 500, f"{role_name} {path}: {response.status_code}"
    if kind == "module":
        role = Role.objects.filter(name=role_name).first()
        granted = role is not None and role.permissions.filter(module=module, action=action).exists()
        if user.is_superuser:
            granted = True
        if granted:
            assert response.status_code in (200, 302, 405), f"{role_name} {path}: {response.status_code}"
            if response.status_code == 302:
                assert "/ingresar/" not in response["Location"]
        else:
            assert response.status_code == 403, f"{role_name} {path}: {response.status_code}"
            assert "No tiene permiso" in response.content.decode()
    else:
        assert response.status_code in (200, 302, 405)


@pytest.mark.parametrize("role_name", ["Administrador", "Supervisor", "Vendedor", "Contador", "Auditor", "outsider"])
def test_admin_site_is_for_staff_only(users, client_as, role_name):
    response = client_as(users[role_name]).get("/admin/")
    if users[role_name].is_staff:
        assert response.status_code == 200
    else:  # the app's 403 page, not the admin's login form
        assert response.status_code == 403
        assert "No tiene permiso" in response.content.decode()


# ------------------------------------------------------------------------ POSTs with real bodies
#
# Every URL again, posted with what a user allowed to use it would send (a URL not listed here
# gets an empty POST). A role without the grant gets 403 and nothing is written: no row, no
# audit entry, no email queued. A role with it is not refused, and for the URLs that write, the
# write happens: the bodies are real, so a missing check would show as a change.

CLIENT_FORM = {"kind": "consumidor", "id_type": "13", "id_number": "12345678-4", "name": "Cliente Matriz",
               "taxpayer_size": "otro", "departamento": "06", "municipio": "14", "address": "Calle 3", "email": "nuevo@example.com",
               "credit_limit": "0", "payment_term_days": "0"}
PRODUCT_FORM = {"code": "P2", "description": "Producto nuevo", "item_type": "1", "unit": "59", "price": "2.50",
                "price_includes_iva": "on", "cost": "1.00", "tax_treatment": "gravado"}
PROVIDER_FORM = {"id_type": "36", "id_number": "06142803901121", "nrc": "3456789", "name": "Proveedor Dos",
                 "email": "p2@example.com", "phone": "22224444", "activity_code": "46900", "departamento": "06",
                 "municipio": "14", "address": "Calle 4"}


def _clients_file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clients.columns import COLUMNS

    header = ",".join(c.header for c in COLUMNS)
    row = ",".join({"tipo_cliente": "consumidor", "tipo_documento": "DUI", "numero_documento": "12345678-4",
                    "nombre": "Cliente del archivo"}.get(c.header, "") for c in COLUMNS)
    return SimpleUploadedFile("clientes.csv", f"{header}\n{row}\n".encode(), content_type="text/csv")


def _today():
    from django.utils import timezone

    return timezone.localdate().isoformat()


POST_BODIES = {
    "accounts:login": lambda o: {"username": "nadie", "password": "equivocada"},
    "accounts:password_change": lambda o: {"old_password": "clave-segura-123", "new_password1": "Otra-Clave-789!",
                                           "new_password2": "Otra-Clave-789!"},
    "accounts:password_reset": lambda o: {"email": "nadie@example.com"},
    "clients:create": lambda o: CLIENT_FORM,
    "clients:edit": lambda o: {**CLIENT_FORM, "id_number": "00016297-5", "name": "Cliente Uno Editado"},
    "inventory:product_create": lambda o: PRODUCT_FORM,
    "inventory:product_edit": lambda o: {**PRODUCT_FORM, "code": "P1", "description": "Producto editado"},
    "inventory:provider_create": lambda o: PROVIDER_FORM,
    "inventory:provider_edit": lambda o: {**PROVIDER_FORM, "id_number": "06140101900018", "name": "Proveedor editado"},
    "bulk:upload": lambda o: {"file": _clients_file()},
    # a credit note: a type every default role that creates documents may issue (the Contador only NC/ND)
    "dte:new": lambda o: {"tipo_dte": "05", "point_of_sale": o["point_of_sale"]},
    "dte:bulk": lambda o: {"ids": [o["issued_document"]], "action": "internal:reviewed", "reason": "Revisado"},
    "dte:approval_decide": lambda o: {"do": "approve", "reason": "Cliente de confianza"},
    "dte:send": lambda o: {"emails": "fuera@example.net"},
    "dte:deliveries_retry": lambda o: {"ids": [o["failed_delivery"]], "next": "/documentos/"},
    "dte:archive": lambda o: {"desde": _today(), "hasta": _today()},
    "dte:action": lambda o: {"action": "internal", "status": "reviewed", "reason": "Revisado"},
    "dte:invalidate": lambda o: {"tipo": "2", "reason": "Error en el documento", "resp_name": "María Rivas",
                                 "resp_type": "13", "resp_number": "00016297-5", "req_name": "Ana López",
                                 "req_type": "13", "req_number": "00016297-5"},
    "dte:save": lambda o: {"issue_date": _today(), "condition": "1", "observations": "Entregar en la tarde"},
    "dte:cases": lambda o: {"case": o["special_case"], "do": "request"},
    "contingency:declare": lambda o: {"scope": "company", "tipo": "1", "end_automatically": "on"},
    "payments:client": lambda o: {"date": _today(), "amount": "1.00", "method": "01", "reference": "R-1"},
    "payments:void": lambda o: {"reason": "Pago duplicado"},
    "accounts:role_grants": lambda o: {"grants": ["clientes:view", "clientes:export"]},
    "payments:gateways": lambda o: {"gateway": "paypal", "enabled": "on", "cred_client_id": "pp-1",
                                    "cred_client_secret": "pp-secreto", "cred_webhook_id": "WH-1"},
    "payments:gateway_edit": lambda o: {"base_url": "", "enabled": "on", "cred_client_secret": "otro-secreto"},
}
POST_BODIES["reconciliation:account_create"] = lambda o: {"name": "Ahorros", "bank": "agricola", "number": "200-9",
                                                          "date_window_days": "3", "tolerance": "0", "opening_balance": "0"}
POST_BODIES["reconciliation:period_create"] = lambda o: {"start": "2026-12-01", "end": "2026-12-31"}
POST_BODIES["reconciliation:accept"] = lambda o: {"ids": [o["bank_match"]]}
POST_BODIES["reconciliation:match_action"] = lambda o: {"do": "reject"}
POST_BODIES["reconciliation:period_action"] = lambda o: {"do": "close"}
POST_BODIES["reconciliation:mapping"] = lambda o: {"date": "Fecha", "amount": "Importe", "date_format": "%d/%m/%Y"}
POST_BODIES["notifications:preferences"] = lambda o: {"k_document__rejected": "digest", "k_document__sealed": "none"}
POST_BODIES["purchases:question"] = lambda o: {"reason": "Revisar con el proveedor"}
POST_BODIES["purchases:notes"] = lambda o: {"notes": "Pagar el día 15"}
POST_BODIES["purchases:mailbox"] = lambda o: {"host": "imap.empresa.test", "port": "993", "use_ssl": "on",
                                              "username": "compras@empresa.test", "password": "x", "folder": "INBOX",
                                              "active": "on"}
TS_EMPLOYEE = {"code": "EN", "name": "Colaborador nuevo", "email": "en@example.com", "fiscal_status": "contractor",
               "id_type": "13", "id_number": "05678912-3", "hourly_rate": "10.00", "departamento": "06",
               "municipio": "14", "address": "Calle 6", "phone": ""}
POST_BODIES["timesheets:department_create"] = lambda o: {"establishment": o["ts_establishment"], "code": "DN",
                                                         "name": "Depto. nuevo"}
POST_BODIES["timesheets:department_edit"] = lambda o: {"establishment": o["ts_establishment"], "code": "DM",
                                                       "name": "Depto. editado"}
POST_BODIES["timesheets:project_create"] = lambda o: {"establishment": o["ts_establishment"], "code": "PN",
                                                      "name": "Proyecto nuevo", "rate": "20.00", "budget_hours": "0",
                                                      "budget_amount": "0"}
POST_BODIES["timesheets:project_edit"] = lambda o: {"establishment": o["ts_establishment"], "code": "PM",
                                                    "name": "Proyecto editado", "rate": "21.00", "budget_hours": "0",
                                                    "budget_amount": "0"}
POST_BODIES["timesheets:employee_create"] = lambda o: {**TS_EMPLOYEE, "department": o["ts_department"],
                                                       "project": o["ts_project"]}
POST_BODIES["timesheets:employee_edit"] = lambda o: {**TS_EMPLOYEE, "code": "EM", "department": o["ts_department"],
                                                     "project": o["ts_project"]}
# Where a POST needs more than the grant the view declares for reading it.
POST_GRANTS = {"payments:client": ("documentos", "edit"), "dte:action": ("documentos", "edit")}
# URLs whose POST must write something for a role that may use them.
POST_WRITES = {"clients:create", "clients:edit", "clients:toggle_active", "inventory:product_create",
               "inventory:product_edit", "inventory:product_toggle_active", "inventory:provider_create",
               "inventory:provider_edit", "inventory:provider_toggle_active", "bulk:upload", "dte:new", "dte:bulk",
               "dte:approval_decide", "dte:send", "dte:deliveries_retry", "dte:archive", "dte:action", "dte:save",
               "dte:discard", "contingency:declare", "payments:client", "payments:void", "accounts:role_grants",
               "purchases:question", "purchases:notes", "purchases:mailbox", "reconciliation:account_create",
               "reconciliation:period_create", "reconciliation:accept", "reconciliation:match_action",
               "reconciliation:period_action", "reconciliation:mapping", "reconciliation:propose", "payments:gateways",
               "payments:gateway_edit", "payments:gateway_toggle", "dte:links_revoke",
               *(f"timesheets:{k}_{v}" for k in ("department", "project", "employee") for v in ("create", "edit", "toggle"))}


def _footprint():
    """Counts that any write changes: rows created, audit entries, emails queued or sent."""
    from django.core import mail
    from django.db.models import Max

    from bulk.models import ImportJob
    from clients.models import Client
    from core.models import AuditEntry
    from dte.models import ArchiveJob, Delivery, Document, SpecialCase, StatusChange
    from dte.models import OfflineScope as Period
    from inventory.models import Product, Provider
    from payments.models import Payment, Settlement
    from reports.models import ExportJob

    out = {m.__name__: m.objects.count() for m in (AuditEntry, ImportJob, Client, Period, ArchiveJob, Delivery,
                                                     Document, Product, Provider, Payment, ExportJob, StatusChange,
                                                     Settlement)}
    out["queued emails"] = Delivery.objects.filter(state="queued").count()
    out["requested cases"] = SpecialCase.objects.filter(state="requested").count()
    out["documents changed"] = Document.objects.aggregate(at=Max("updated_at"))["at"]
    out["payments voided"] = Payment.objects.filter(voided_at__isnull=False).count()
    out["mail"] = len(mail.outbox)
    return out


def _post(web, path, pattern, objects, url_id):
    body = POST_BODIES.get(url_id, lambda o: {})(objects)
    return web.post(_path(path, pattern, objects), body)


@pytest.mark.parametrize("path,pattern", URLS)
def test_anonymous_post(db, client, users, sample_objects, path, pattern):
    url_id = _url_id(pattern)
    kind, _module, _action = view_access(pattern.callback)
    before = _footprint()
    response = _post(client, path, pattern, sample_objects, url_id)
    if _operations(pattern, response) or response.status_code == 405 and pattern.name in OPERATIONS:
        return
    assert response.status_code < 500, f"{url_id}: {response.status_code}"
    if kind != "public":
        assert response.status_code == 302 and response["Location"].startswith("/ingresar/?next="), url_id
        assert _footprint() == before, f"{url_id}: an anonymous POST wrote something"


def _url_id(pattern):
    return next(p.id for p in URLS if p.values[1] is pattern)


@pytest.mark.parametrize("role_name", ["Administrador", "Supervisor", "Vendedor", "Contador", "Auditor", "outsider"])
@pytest.mark.parametrize("path,pattern", URLS)
def test_role_posts_to_url(users, establishments, sample_objects, client_as, role_name, path, pattern):
    from bulk.registry import GRANTS, MODULES

    url_id = _url_id(pattern)
    user = users[role_name]
    kind, module, action = view_access(pattern.callback)
    if module == "catalogue":
        catalogue = SAMPLE_KWARGS["catalogue"]
        module, action = GRANTS.get(catalogue, (MODULES[catalogue], action))
    module, action = POST_GRANTS.get(url_id, (module, action))
    web = client_as(user)
    before = _footprint()
    response = _post(web, path, pattern, sample_objects, url_id)
    if _operations(pattern, response, role_name) or response.status_code == 405 and pattern.name in OPERATIONS:
        return
    assert response.status_code < 500, f"{role_name} {url_id}: {response.status_code}"
    if kind != "module":
        return
    granted = user.is_superuser or Role.objects.filter(name=role_name, permissions__module=module,
                                                       permissions__action=action).exists()
    if not granted:
        assert response.status_code == 403, f"{role_name} {url_id}: {response.status_code}"
        assert _footprint() == before, f"{role_name} {url_id}: refused, yet something was written"
    else:
        assert response.status_code != 403, f"{role_name} {url_id}: refused with the grant"
        if url_id in POST_WRITES and response.status_code != 405:
            assert _footprint() != before, f"{role_name} {url_id}: the body wrote nothing ({response.status_code})"


@pytest.mark.parametrize("role_name", ["Administrador", "Supervisor", "Vendedor", "Contador", "Auditor", "outsider"])
def test_sending_a_document_needs_the_send_grant(users, establishments, sample_objects, client_as, role_name):
    """The auditor (read-only) mailed documents to outside addresses: sending is a grant of its own."""
    from dte.models import Delivery

    web = client_as(users[role_name])
    doc = sample_objects["sealed_document"]
    sent = web.post(f"/documentos/{doc}/enviar/", {"emails": "fuera@example.net"})
    retried = web.post("/documentos/envios/reintentar/", {"ids": [sample_objects["failed_delivery"]]})
    new = Delivery.objects.filter(document_id=doc, recipient="fuera@example.net")
    failed = Delivery.objects.get(pk=sample_objects["failed_delivery"])
    if role_name in ("Auditor", "outsider"):
        assert (sent.status_code, retried.status_code) == (403, 403)
        assert not new.exists() and failed.state == "failed"
    else:
        assert (sent.status_code, retried.status_code) == (302, 302)
        assert new.get().state == "queued" and failed.state == "queued"


@pytest.mark.django_db
@pytest.mark.parametrize("role_name", ["Administrador", "Supervisor", "Vendedor", "Contador", "Auditor", "outsider"])
def test_an_upload_touching_a_client_out_of_scope(users, establishments, client_as, role_name,
                                                   django_capture_on_commit_callbacks):
    """Every role uploads, through the real pages, a clients file that rewrites a branch client the
    rep (bound to M001/P001) gets 404 on, then tries to apply it. Only a company-wide role with the
    clients edit grant changes him; the rep's row is an error by row and column; without the
    upload grant the page refuses and no job exists."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.services import user_assign_locations
    from billing.celery import app
    from bulk.models import ImportJob
    from bulk.tests.helpers import consumer_row, dui, xlsx
    from clients.models import Client

    user_assign_locations(user=users["Vendedor"], establishments=[establishments["main"]],
                          points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    beto = Client.objects.create(kind="consumidor", id_type="13", id_number=dui(22), name="Beto",
                                 email="beto@example.com", establishment=establishments["branch"])
    user = users[role_name]
    may_upload = user.can("clientes", "create")
    may_change = may_upload and user.company_wide and user.can("clientes", "edit")
    web = client_as(user)
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = web.post("/cargas/clientes/", {"file": SimpleUploadedFile("c.xlsx", xlsx([
                consumer_row(beto.id_number, "Beto", correo="fuera@evil.example", limite_credito=999999)]))})
        job = ImportJob.objects.filter(uploaded_by=user).first()
        if job is not None:
            with django_capture_on_commit_callbacks(execute=True):
                web.post(f"/cargas/clientes/{job.public_id}/aplicar/")
            job.refresh_from_db()
    finally:
        app.conf.task_always_eager = False
    beto.refresh_from_db()
    if not may_upload:
        assert response.status_code == 403 and job is None
    elif may_change:
        assert beto.email == "fuera@evil.example" and beto.credit_limit == 999999
    else:
        assert job.status == "invalid" and job.errors[0][:2] == [2, "numero_documento"]
    if not may_change:
        assert (beto.email, beto.credit_limit) == ("beto@example.com", 0)


@pytest.mark.django_db
def test_reconciliation_of_another_establishment_is_404(users, establishments, sample_objects, client_as, make_user):
    """A branch accountant (a role bound to its establishments, with the accountant's grants)
    reaches its own branch's bank account and gets 404 on the main establishment's: its pages,
    its statement, match and period, and every write; nothing is written. The outsider gets 403."""
    from accounts.services import user_assign_locations
    from core.models import AuditEntry
    from reconciliation.models import BankAccount, Match, Period

    role = Role.objects.create(name="Contador de sucursal", company_wide=False)
    for module, action in (("reportes", "view"), ("documentos", "edit")):
        role.permissions.create(module=module, action=action)
    branch_user = make_user("contador_sucursal")
    branch_user.role = role
    branch_user.save()
    user_assign_locations(user=branch_user, establishments=[establishments["branch"]], points_of_sale=[],
                          acting_user=users["Administrador"])
    own = BankAccount.objects.create(company=establishments["branch"].company, establishment=establishments["branch"],
                                     bank="otro", name="Sucursal", number="300-1")
    web = client_as(branch_user)
    o = sample_objects
    assert web.get(f"/conciliacion/cuentas/{own.pk}/").status_code == 200
    listed = web.get("/conciliacion/").content.decode()
    assert "300-1" in listed and "100-1" not in listed
    gets = [f"/conciliacion/cuentas/{o['bank_account']}/", f"/conciliacion/cuentas/{o['bank_account']}/conciliar/",
            f"/conciliacion/cuentas/{o['bank_account']}/columnas/", f"/conciliacion/extractos/{o['bank_statement']}/",
            f"/conciliacion/periodos/{o['bank_period']}/"]
    posts = [(f"/conciliacion/cuentas/{o['bank_account']}/proponer/", {}),
             (f"/conciliacion/cuentas/{o['bank_account']}/aceptar/", {"ids": [o["bank_match"]]}),
             (f"/conciliacion/conciliaciones/{o['bank_match']}/", {"do": "reject"}),
             (f"/conciliacion/periodos/{o['bank_period']}/estado/", {"do": "close"}),
             (f"/conciliacion/extractos/{o['bank_statement']}/aplicar/", {})]
    outsider = client_as(users["outsider"])
    audits = AuditEntry.objects.count()
    for path in gets:
        assert web.get(path).status_code == 404, path
        assert outsider.get(path).status_code == 403, path
    for path, body in posts:
        assert web.post(path, body).status_code == 404, path
        assert outsider.post(path, body).status_code == 403, path
    assert AuditEntry.objects.count() == audits
    assert Match.objects.get(pk=o["bank_match"]).state == "proposed"
    assert Period.objects.get(pk=o["bank_period"]).state == "open"
