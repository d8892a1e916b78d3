"""Who may see and send which document.

A role that is not company-wide sees the documents of the points of sale assigned to the user,
and his own (README, roles; docs/access.md): a rep bound to M001/P001 gets 404 for another
till's documents on every document URL, and for another establishment's clients and payments.
Sending a document out is a grant of its own, limited per request and per day, and audited."""

import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, RolePermission
from accounts.modules import ALL
from core.models import AuditEntry
from dte import urls as dte_urls
from dte.models import Delivery, Document, SpecialCase

# The editor's URLs take a draft; the others an issued document. Both kinds are tried on all.
DOCUMENT_URLS = [p.name for p in dte_urls.urlpatterns if "<int:pk>" in str(p.pattern)]
BODIES = {"send": {"emails": "fuera@example.net"}, "action": {"action": "internal", "status": "reviewed"},
          "invalidate": {"tipo": "2", "reason": "x", "resp_name": "María Rivas", "resp_number": "00016297-5",
                         "req_name": "Ana López", "req_number": "00016297-5"},
          "save": {"issue_date": "2026-12-01", "condition": "1"}, "cases": {"do": "request"}}
_numbers = iter(range(1, 10_000))


def _document(point, user, *, status="sealed"):
    n = next(_numbers)
    est = point.establishment
    data = {"company": est.company, "establishment": est, "point_of_sale": point, "tipo_dte": "01",
            "issue_date": timezone.localdate(), "created_by": user, "status": status}
    if status != "draft":
        data.update(numero_control=f"DTE-01-{est.cod_estable_mh}{point.cod_punto_venta_mh}-{n:015d}", number_year=2026,
                    codigo_generacion=str(uuid.uuid4()).upper(), payload='{"identificacion": {}, "resumen": {}}',
                    jws="a.b.c", sello_recibido="S" * 40 if status == "sealed" else None)
    return Document.objects.create(**data)


@pytest.fixture
def till_rep(make_user, users, establishments):
    """A rep bound to M001/P001 whose role has every grant but is not company-wide: every URL lets
    him past the grant check, so only the scope can refuse him."""
    from accounts.services import user_assign_locations

    role = Role.objects.create(name="Cajero con todo", company_wide=False)
    RolePermission.objects.bulk_create([RolePermission(role=role, module=str(m), action=str(a)) for m, a in ALL])
    rep = make_user("cajero")
    rep.role = role
    rep.save(update_fields=["role"])
    user_assign_locations(user=rep, establishments=[establishments["main"]],
                          points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    return rep


@pytest.fixture
def elsewhere(users, establishments):
    """A sealed document and a draft (with a special case waiting and a failed email) at M001/P002
    and at S001/P001, made by the supervisor."""
    made = {}
    for key in ("M001P002", "S001P001"):
        point = establishments["pos"][key]
        sealed, draft = _document(point, users["Supervisor"]), _document(point, users["Supervisor"], status="draft")
        case = SpecialCase.objects.create(document=draft, code="credit_limit", detail="x", fingerprint="x",
                                          state="requested", needs_approval=True)
        failed = Delivery.objects.create(document=sealed, recipient="cliente@example.com", state="failed", error="SMTP")
        made[key] = {"sealed": sealed, "draft": draft, "case": case, "failed": failed}
    return made


@pytest.mark.django_db
@pytest.mark.parametrize("till", ["M001P002", "S001P001"])
def test_a_rep_bound_to_one_till_gets_404_for_another_tills_documents(till_rep, elsewhere, client_as, till):
    web = client_as(till_rep)
    objects = elsewhere[till]
    for name in DOCUMENT_URLS:
        for kind in ("sealed", "draft"):
            url = reverse(f"dte:{name}", kwargs={"pk": objects[kind].pk})
            assert web.get(url).status_code in (404, 405), f"GET {url} ({name}, {kind})"  # 405: POST only
            assert web.post(url, BODIES.get(name, {})).status_code == 404, f"POST {url} ({name}, {kind})"
    decide = reverse("dte:approval_decide", kwargs={"case_pk": objects["case"].pk})
    assert web.post(decide, {"do": "approve", "reason": "ok"}).status_code == 404
    # bulk actions and retries silently leave what he may not see
    web.post(reverse("dte:bulk"), {"ids": [objects["sealed"].pk], "action": "internal:reviewed"})
    web.post(reverse("dte:deliveries_retry"), {"ids": [objects["failed"].pk]})
    objects["sealed"].refresh_from_db()
    objects["failed"].refresh_from_db()
    assert objects["sealed"].internal_status == "to_review" and objects["failed"].state == "failed"
    assert not Delivery.objects.filter(recipient="fuera@example.net").exists()
    approvals = web.get(reverse("dte:approvals")).content.decode()
    assert f'value="{objects["case"].pk}"' not in approvals and f"/documentos/{objects['draft'].pk}/" not in approvals
    assert SpecialCase.objects.get(pk=objects["case"].pk).state == "requested"


@pytest.mark.django_db
def test_a_rep_sees_his_tills_documents_and_his_own(till_rep, users, establishments, client_as, elsewhere):
    from dte.selectors import documents_for_user

    mine_elsewhere = _document(establishments["pos"]["S001P001"], till_rep)  # issued before he was moved
    his_till = _document(establishments["pos"]["M001P001"], users["Supervisor"])
    web = client_as(till_rep)
    for doc in (mine_elsewhere, his_till):
        assert web.get(reverse("dte:detail", kwargs={"pk": doc.pk})).status_code == 200
        assert web.get(reverse("dte:download_jws", kwargs={"pk": doc.pk})).status_code == 200
    assert set(documents_for_user(user=till_rep)) == {mine_elsewhere, his_till}
    accountant = client_as(users["Contador"])  # company-wide: every till
    assert accountant.get(reverse("dte:detail", kwargs={"pk": elsewhere["M001P002"]["sealed"].pk})).status_code == 200


@pytest.mark.django_db
def test_a_rep_gets_404_for_another_establishments_clients_and_payments(till_rep, users, establishments, client_as):
    from clients.models import Client
    from payments.models import Payment

    def client_of(est, number):
        return Client.objects.create(kind="consumidor", id_type="13", id_number=number, name=f"Cliente {number}",
                                     establishment=est)

    ours, theirs = client_of(establishments["main"], "00016297-5"), client_of(establishments["branch"], "12345678-4")
    payment = Payment.objects.create(client=theirs, date=timezone.localdate(), amount=5, method="01",
                                     created_by=users["Contador"])
    web = client_as(till_rep)
    assert web.get(reverse("payments:client", kwargs={"pk": ours.pk})).status_code == 200
    assert web.get(reverse("payments:client", kwargs={"pk": theirs.pk})).status_code == 404
    assert web.post(reverse("payments:client", kwargs={"pk": theirs.pk}),
                    {"date": timezone.localdate().isoformat(), "amount": "1.00", "method": "01"}).status_code == 404
    assert web.post(reverse("payments:void", kwargs={"pk": payment.pk}), {"reason": "duplicado"}).status_code == 404
    payment.refresh_from_db()
    assert payment.voided_at is None and Payment.objects.count() == 1
    # the accountant (company-wide) reaches both
    assert client_as(users["Contador"]).get(reverse("payments:client", kwargs={"pk": theirs.pk})).status_code == 200


@pytest.mark.django_db
def test_a_credit_note_offers_only_the_ccfs_the_rep_may_see(till_rep, users, establishments, client_as):
    from clients.models import Client

    buyer = Client.objects.create(kind="contribuyente", id_type="36", id_number="06142803901121", nrc="2345678",
                                  name="Distribuidora Central", email="compras@central.example")
    ccfs = {}
    for key in ("M001P001", "M001P002"):
        ccfs[key] = _document(establishments["pos"][key], users["Supervisor"])
        Document.objects.filter(pk=ccfs[key].pk).update(tipo_dte="03", client=buyer)
    note = _document(establishments["pos"]["M001P001"], till_rep, status="draft")
    Document.objects.filter(pk=note.pk).update(tipo_dte="05", client=buyer)
    web = client_as(till_rep)
    editor = web.get(reverse("dte:edit", kwargs={"pk": note.pk})).content.decode()
    assert ccfs["M001P001"].numero_control in editor and ccfs["M001P002"].numero_control not in editor
    response = web.post(reverse("dte:save", kwargs={"pk": note.pk}), {
        "issue_date": timezone.localdate().isoformat(), "condition": "1", "action": "add_related",
        "target_id": ccfs["M001P002"].pk})
    assert response.status_code == 404 and not note.related.exists()


# ------------------------------------------------------------------------------------ sending


@pytest.fixture
def sealed(users, establishments):
    return _document(establishments["pos"]["M001P001"], users["Supervisor"])


def _send_audit():
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Delivery))


@pytest.mark.django_db
def test_the_auditor_cannot_send_and_does_not_see_the_form(sealed, users, client_as):
    from django.core.exceptions import PermissionDenied

    from dte.delivery import deliveries_queue

    auditor = client_as(users["Auditor"])
    assert "send-button" not in auditor.get(f"/documentos/{sealed.pk}/").content.decode()
    assert auditor.post(f"/documentos/{sealed.pk}/enviar/", {"emails": "fuera@example.net"}).status_code == 403
    with pytest.raises(PermissionDenied):
        deliveries_queue(document=sealed, emails=["fuera@example.net"], acting_user=users["Auditor"])
    assert not Delivery.objects.exists() and not _send_audit().exists()
    assert "send-button" in client_as(users["Contador"]).get(f"/documentos/{sealed.pk}/").content.decode()


@pytest.mark.django_db
def test_forty_addresses_in_one_request_are_refused_whole(sealed, users, client_as, settings):
    settings.DTE_SEND_MAX_RECIPIENTS = 10
    web = client_as(users["Contador"])
    forty = ", ".join(f"persona{i}@example.net" for i in range(40))
    page = web.post(f"/documentos/{sealed.pk}/enviar/", {"emails": forty}, follow=True).content.decode()
    assert "Escriba a lo sumo 10 correos por envío (escribió 40)." in page
    assert not Delivery.objects.exists() and not _send_audit().exists()
    ten = ", ".join(f"persona{i}@example.net" for i in range(10)) + ", PERSONA0@example.net"  # a repeat is one address
    assert web.post(f"/documentos/{sealed.pk}/enviar/", {"emails": ten}).status_code == 302
    assert Delivery.objects.filter(state="queued").count() == 10


@pytest.mark.django_db
def test_each_send_is_audited_in_its_transaction(sealed, users, client_as):
    web = client_as(users["Contador"])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("core.models.AuditEntry.save", _boom)  # audit_record saves the row it builds
        with pytest.raises(RuntimeError):
            web.post(f"/documentos/{sealed.pk}/enviar/", {"emails": "ana@example.com"})
    assert not Delivery.objects.exists()  # the audit failed: the send did not happen either
    web.post(f"/documentos/{sealed.pk}/enviar/", {"emails": "ana@example.com, luis@example.com"})
    entries = list(_send_audit().order_by("id"))
    assert [(e.actor, e.action) for e in entries] == [(users["Contador"], "send")] * 2
    assert entries[0].summary == f"Envío de {sealed.numero_control} a ana@example.com"
    assert entries[1].after["recipient"] == "luis@example.com" and entries[1].after["document"] == sealed.numero_control


def _boom(*args, **kwargs):
    raise RuntimeError("audit down")


@pytest.mark.django_db
def test_a_user_sends_at_most_the_daily_limit_retries_included(sealed, users, client_as, settings):
    from dte.delivery import sent_today

    settings.DTE_SEND_DAILY_LIMIT = 3
    web = client_as(users["Contador"])
    url = f"/documentos/{sealed.pk}/enviar/"
    assert web.post(url, {"emails": "a@example.com, b@example.com"}).status_code == 302
    page = web.post(url, {"emails": "c@example.com, d@example.com"}, follow=True).content.decode()
    assert "Hoy puede enviar 1 correo(s) más (límite diario: 3)." in page
    assert Delivery.objects.count() == 2
    failed = [Delivery.objects.create(document=sealed, recipient=f"f{i}@example.com", state="failed", error="SMTP")
              for i in range(2)]
    page = web.post("/documentos/envios/reintentar/", {"ids": [d.pk for d in failed], "next": f"/documentos/{sealed.pk}/"},
                    follow=True).content.decode()
    assert "1 envíos en cola de nuevo." in page and "Llegó al límite de 3 correos por día" in page
    assert sorted(Delivery.objects.filter(pk__in=[d.pk for d in failed]).values_list("state", flat=True)) == [
        "failed", "queued"]
    assert sent_today(users["Contador"]) == 3
    page = web.post(url, {"emails": "e@example.com"}, follow=True).content.decode()
    assert "Llegó al límite de 3 correos por día: podrá enviar más mañana." in page
    assert Delivery.objects.count() == 4
    assert sent_today(users["Supervisor"]) == 0  # the limit is per user
    assert client_as(users["Supervisor"]).post(url, {"emails": "e@example.com"}).status_code == 302
    assert Delivery.objects.count() == 5


@pytest.mark.django_db
def test_automatic_delivery_after_the_seal_is_not_limited(sealed, users, settings):
    from clients.models import Client
    from dte.delivery import auto_deliver, sent_today

    settings.DTE_SEND_DAILY_LIMIT = 0
    sealed.client = Client.objects.create(kind="consumidor", id_type="13", id_number="00016297-5", name="Ana",
                                          email="ana@example.com", other_emails="luis@example.com")
    sealed.save(update_fields=["client"])
    sealed.company.email_documents = True
    sealed.company.save(update_fields=["email_documents"])
    rows = auto_deliver(sealed)
    assert [(r.recipient, r.automatic, r.state) for r in rows] == [("ana@example.com", True, "queued"),
                                                                    ("luis@example.com", True, "queued")]
    assert [e.actor_name for e in _send_audit()] == ["sistema", "sistema"]
    assert sent_today(users["Supervisor"]) == 0


@pytest.mark.django_db
def test_existing_roles_that_change_documents_get_the_send_grant(roles):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0009_role_send_documents_grant")
    RolePermission.objects.filter(action="send").delete()  # as they were before the migration
    cashier = Role.objects.create(name="Cajero")
    reader = Role.objects.create(name="Lector")
    for role, actions in ((cashier, ("view", "create")), (reader, ("view",))):
        RolePermission.objects.bulk_create([RolePermission(role=role, module="documentos", action=a) for a in actions])
    migration.grant_send(apps, None)
    senders = set(RolePermission.objects.filter(module="documentos", action="send").values_list("role__name", flat=True))
    assert senders == {"Administrador", "Supervisor", "Vendedor", "Contador", "Cajero"}


@pytest.mark.django_db
def test_the_most_specific_assignment_wins_on_document_pages_and_in_reports(make_user, users, establishments, client_as):
    """A branch accountant assigned S001 without any of its tills sees the whole branch; the rep
    bound to M001/P001 sees that till only — on the document's pages and in every report total."""
    from accounts.services import user_assign_locations

    role = Role.objects.create(name="Contador de sucursal", company_wide=False)
    for module, action in (("documentos", "view"), ("reportes", "view")):
        RolePermission.objects.create(role=role, module=module, action=action)
    branch_accountant, rep = make_user("contador_s001"), make_user("cajero_p001")
    for user in (branch_accountant, rep):
        user.role = role
        user.save(update_fields=["role"])
    user_assign_locations(user=branch_accountant, establishments=[establishments["branch"]], points_of_sale=[],
                          acting_user=users["Administrador"])
    user_assign_locations(user=rep, establishments=[establishments["main"]],
                          points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    docs = {key: _document(establishments["pos"][key], users["Supervisor"]) for key in ("M001P001", "M001P002", "S001P001")}

    from dte.selectors import documents_for_user
    from reports.base import documents_in_scope

    expected = {branch_accountant: {docs["S001P001"].pk}, rep: {docs["M001P001"].pk}}
    for user, pks in expected.items():
        assert set(documents_for_user(user=user).values_list("pk", flat=True)) == pks
        assert set(documents_in_scope(user).values_list("pk", flat=True)) == pks
        web = client_as(user)
        opened = {key for key, d in docs.items() if web.get(f"/documentos/{d.pk}/").status_code == 200}
        assert opened == {key for key, d in docs.items() if d.pk in pks}


@pytest.mark.django_db
def test_a_typed_reason_is_stored_without_invisible_control_characters(sealed, users, client_as):
    web = client_as(users["Contador"])
    web.post(f"/documentos/{sealed.pk}/accion/", {"action": "internal", "status": "observations",
                                                  "reason": "Falta\u202e la\u200b firma\u2066"})
    change = sealed.history.get(track="internal")
    assert (change.to_status, change.reason) == ("observations", "Falta la firma")
