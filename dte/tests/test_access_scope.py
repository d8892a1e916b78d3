"""Who may see and send which document.

A role that is not company-wide sees the documents of the points of sale assigned to the user,
and his own (README, roles; docs/access.md): a rep bound to M001/P001 gets 404 for another
till's documents on every document URL, and for another establishment's clients and payments."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, RolePermission
from accounts.modules import ALL
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
