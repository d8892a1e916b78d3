"""Every URL of the project, for every default role and for an anonymous visitor.

The URL list is read from the URL configuration itself, so a URL added later is checked
automatically. A view must declare its access (accounts.access); one that declares none fails
here. A module the role lacks answers 403; a granted one answers without error.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.access import view_access
from accounts.models import Role

# Values for URL arguments, by argument name. A new URL with a new argument name must add one.
SAMPLE_KWARGS = {"uidb64": "MQ", "token": "set-password", "fmt": "csv", "catalogue": "clientes", "slug": "ventas-cliente",
                 "annex": "contribuyentes"}
# Arguments that name an object: which sample object, by URL namespace and name prefix.
OBJECT_KWARGS = [("clients", "", "pk", "client"), ("inventory", "product", "pk", "product"),
                 ("inventory", "provider", "pk", "provider"), ("bulk", "", "job", "job"),
                 ("dte", "detail", "pk", "issued_document"), ("dte", "download", "pk", "issued_document"),
                 ("dte", "", "pk", "draft"), ("dte", "", "case_pk", "special_case"),
                 ("contingency", "event", "pk", "event"), ("contingency", "lot", "pk", "lot"),
                 ("contingency", "", "pk", "period"), (None, "public", "enlace", "link"),
                 ("dte", "archive", "public_id", "archive_job"), ("payments", "client", "pk", "client"),
                 ("payments", "void", "pk", "payment"), ("reports", "job", "public_id", "export_job")]
# URL namespaces checked elsewhere: the Django admin (staff only, see test below) and i18n.
SKIP_NAMESPACES = {"admin"}
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
    common = {"company": point.establishment.company, "establishment": point.establishment, "point_of_sale": point,
              "tipo_dte": "01", "issue_date": timezone.localdate(), "created_by": users["Vendedor"]}
    draft = Document.objects.create(**common)
    issued = Document.objects.create(**common, status="pending", numero_control="DTE-01-M001P001-000000000000001",
                                     number_year=2026, codigo_generacion="1F2E3D4C-0000-4000-8000-000000000001",
                                     payload='{"identificacion": {}, "resumen": {}}', jws="a.b.c")
    case = SpecialCase.objects.create(document=draft, code="credit_limit", detail="x", fingerprint="x",
                                      state="requested", needs_approval=True)
    import uuid

    from contingency.models import Event, Lot, Period
    from dte.delivery import link_token
    from dte.models import ArchiveJob
    from payments.models import Payment
    from reports.models import ExportJob

    sample_client = Client.objects.create(kind="consumidor", id_type="13", id_number="00016297-5", name="Cliente Uno")

    period = Period.objects.create(company=point.establishment.company, tipo=1, started_at=timezone.now(),
                                   ended_at=timezone.now())
    event = Event.objects.create(period=period, establishment=point.establishment, point_of_sale=point,
                                 codigo_generacion="1F2E3D4C-0000-4000-8000-0000000000EE", payload="{}", jws="a.b.c",
                                 state="rejected")
    lot = Lot.objects.create(event=event, tipo_dte="01", state="failed")
    return {
        "period": period.pk, "event": event.pk, "lot": lot.pk, "link": link_token(issued),
        "archive_job": ArchiveJob.objects.create(public_id=uuid.uuid4(), requested_by=users["Administrador"],
                                                 date_from=timezone.localdate(), date_to=timezone.localdate(),
                                                 state="done").public_id,
        "export_job": ExportJob.objects.create(public_id=uuid.uuid4(), requested_by=users["Administrador"],
                                               report="ventas-cliente", title="Ventas por cliente", fmt="csv",
                                               state="done").public_id,
        "draft": draft.pk, "issued_document": issued.pk, "special_case": case.pk,
        "client": sample_client.pk,
        "payment": Payment.objects.create(client=sample_client, date=timezone.localdate(), amount=1, method="01",
                                          created_by=users["Contador"]).pk,
        "product": Product.objects.create(code="P1", description="Producto", price=1).pk,
        "provider": Provider.objects.create(id_type="36", id_number="06140101900018", name="Proveedor").pk,
        "job": job.public_id,
    }


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


def test_the_matrix_covers_the_project_urls():
    names = {p.id for p in URLS}
    assert {"accounts:home", "accounts:settings", "accounts:audit", "catalogs:municipio_options", "clients:list",
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
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
