"""The approver's view of what waits for him: a card on his home page with how many requests he
may decide (only those of documents he may see), and on each request the document's total and a
link to read the document."""

import pytest

from accounts.models import Role, RolePermission
from dte.models import SpecialCase
from dte.tests.conftest import line

pytestmark = pytest.mark.django_db


def _request(draft, code="credit_limit"):
    return SpecialCase.objects.create(document=draft, code=code, detail="Debe $ 904.00; su límite es $ 1,000.00",
                                      fingerprint="x", state="requested", needs_approval=True,
                                      confirmed_by=draft.created_by)


@pytest.fixture
def waiting(make_draft, parties, users):
    """A CCF draft at M001/P001 asking for approval (2 × $ 10.00 + 1 × $ 5.00 net, 13 % IVA:
    25.00 + 3.25 = $ 28.25), and a Factura draft at S001/P001 asking too (made by the supervisor,
    company-wide, so it may be anywhere)."""
    ccf = make_draft("03", [line("Silla", "2", "10.00"), line("Cojín", "1", "5.00")], client=parties["taxpayer"])
    factura = make_draft("01", [line("Mesa", "1", "11.30")], client=parties["consumer"], user=users["Supervisor"],
                         pos="S001P001")
    return {"ccf": ccf, "ccf_case": _request(ccf), "factura": factura, "factura_case": _request(factura, "below_cost")}


@pytest.fixture
def till_boss(make_user, users, establishments):
    """An approver who is not company-wide: bound to M001/P001."""
    from accounts.services import user_assign_locations

    role = Role.objects.create(name="Jefe de caja", company_wide=False)
    RolePermission.objects.bulk_create([RolePermission(role=role, module="documentos", action=a)
                                        for a in ("view", "approve")])
    boss = make_user("jefe-caja")
    boss.role = role
    boss.save(update_fields=["role"])
    user_assign_locations(user=boss, establishments=[establishments["main"]],
                          points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    return boss


def test_the_supervisors_home_counts_the_requests_and_links_to_them(waiting, users, client_as):
    body = client_as(users["Supervisor"]).get("/").content.decode()
    assert "Aprobaciones pendientes: 2" in body
    assert 'href="/documentos/aprobaciones/"' in body
    SpecialCase.objects.filter(pk=waiting["factura_case"].pk).update(state="approved")
    assert "Aprobaciones pendientes: 1" in client_as(users["Supervisor"]).get("/").content.decode()


def test_the_count_covers_only_what_the_approver_may_see(waiting, till_boss, client_as):
    assert "Aprobaciones pendientes: 1" in client_as(till_boss).get("/").content.decode()


def test_no_card_for_who_may_not_approve(waiting, users, client_as):
    for role in ("Vendedor", "Contador", "Auditor", "outsider"):
        body = client_as(users[role]).get("/").content.decode()
        assert "Aprobaciones pendientes" not in body and 'id="approvals-card"' not in body, role


def test_each_request_shows_the_documents_total_and_links_to_it(waiting, users, client_as):
    body = client_as(users["Supervisor"]).get("/documentos/aprobaciones/").content.decode()
    ccf, factura = waiting["ccf"], waiting["factura"]
    assert body.count('class="approval-total"') == 2
    assert '<strong class="approval-total">$ 28.25</strong>' in body  # the CCF
    assert '<strong class="approval-total">$ 11.30</strong>' in body  # the Factura: 1 × 11.30, IVA included
    assert f'href="/documentos/{ccf.pk}/" class="approval-link"' in body
    assert f'href="/documentos/{factura.pk}/" class="approval-link"' in body


def test_the_link_lets_the_approver_read_the_draft_and_the_rep_keeps_his_editor(waiting, users, issuer, client_as):
    ccf = waiting["ccf"]
    page = client_as(users["Supervisor"]).get(f"/documentos/{ccf.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Documento por aprobar" in body and '<strong id="review-total">$ 28.25</strong>' in body
    assert "Silla" in body and "Cojín" in body and 'id="doc-form"' not in body  # read, not the editor
    own = client_as(issuer).get(f"/documentos/{ccf.pk}/")
    assert own.status_code == 302 and own["Location"] == f"/documentos/{ccf.pk}/editar/"


def test_the_till_approver_sees_his_tills_request_only(waiting, till_boss, client_as):
    web = client_as(till_boss)
    body = web.get("/documentos/aprobaciones/").content.decode()
    assert f'/documentos/{waiting["ccf"].pk}/' in body and f'/documentos/{waiting["factura"].pk}/' not in body
    assert web.get(f"/documentos/{waiting['ccf'].pk}/").status_code == 200
    assert web.get(f"/documentos/{waiting['factura'].pk}/").status_code == 404


def test_the_approvals_page_reads_a_fixed_number_of_queries(make_draft, parties, users, client_as):
    """The totals are computed from prefetched lines: more requests, no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    web = client_as(users["Supervisor"])

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert web.get("/documentos/aprobaciones/").status_code == 200
        return len(ctx)

    _request(make_draft("03", [line("Silla", "2", "10.00")], client=parties["taxpayer"]))
    queries()  # warms what a first request reads once (the session from the database, before Redis has it)
    one = queries()
    for n in range(3):
        _request(make_draft("03", [line("Silla", "1", "10.00"), line("Mesa", str(n + 1), "4.00")],
                            client=parties["taxpayer"]))
    assert queries() == one
