"""Finance views (issue 21) on conftest.py's October 2026 book, with payments made by hand:

| payment | date       | amount | method | applied to             | gateway | recorded by |
|---------|------------|--------|--------|------------------------|---------|-------------|
| P1      | 2026-10-07 | 100.00 | 01     | #3 (M001, CCF 226.00)  | —       | Matriz rep  |
| P2      | 2026-10-07 | 150.00 | 03     | #7 (S001, CCF 339.00)  | n1co    | branch rep  |
| P3      | 2026-10-08 |  80.00 | 05     | nothing (advance)      | —       | Contador    |
| P4      | 2026-10-08 |  40.00 | 01     | voided: never counted  | —       | Contador    |

By day: 10-07 → 2 payments, 250.00; 10-08 → 1, 80.00 (80.00 unapplied); total 3, 330.00, 80.00.
A branch manager (establishment S001 only) sees P2 alone: 150.00."""

import datetime

import pytest
from django.utils import timezone

from reports.tests.conftest import D, range_query
from reports.tests.test_reports import _csv, _screen, _xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def payments_month(book, issuer, branch_rep, users, establishments):
    from orders.models import Order
    from payments.models import Application, Payment

    def pay(day, amount, method, *, by, doc=None, unapplied="0", voided=False):
        p = Payment.objects.create(client=doc.client if doc else book[3].client, date=datetime.date(2026, 10, day),
                                   amount=D(amount), method=method, unapplied=D(unapplied), created_by=by,
                                   voided_at=timezone.now() if voided else None)
        if doc is not None:
            Application.objects.create(payment=p, document=doc, amount=D(amount))
        return p

    made = {"P1": pay(7, "100.00", "01", by=issuer, doc=book[3]),
            "P2": pay(7, "150.00", "03", by=branch_rep, doc=book[7]),
            "P3": pay(8, "80.00", "05", by=users["Contador"], unapplied="80.00"),
            "P4": pay(8, "40.00", "01", by=users["Contador"], voided=True)}
    Order.objects.create(establishment=establishments["branch"], point_of_sale=establishments["pos"]["S001P001"],
                         client=book[7].client, tipo_dte="03", total=D("150.00"), state="paid", gateway="n1co",
                         amount_captured=D("150.00"), amount_authorized=D("150.00"), payment=made["P2"],
                         created_by=branch_rep, link_expires_at=timezone.now())
    return made


@pytest.fixture
def branch_manager(make_user, establishments, users):
    """A role that sees reports for its establishment only (not company-wide)."""
    from accounts.models import Role, RolePermission
    from accounts.services import user_assign_locations

    role = Role.objects.create(name="Jefe de sucursal", company_wide=False)
    for action in ("view", "export"):
        RolePermission.objects.create(role=role, module="reportes", action=action)
    user = make_user("jefe_sucursal")
    user.role = role
    user.save()
    user_assign_locations(user=user, establishments=[establishments["branch"]],
                          points_of_sale=[establishments["pos"]["S001P001"]], acting_user=users["Administrador"])
    return user


def test_payments_received_by_day_on_screen_and_in_every_export(client_as, users, payments_month):
    web = client_as(users["Contador"])
    page = web.get(f"/reportes/cobros-dia/?{range_query()}")
    rows = _screen(page)
    chart = page.content.decode().split('id="report-chart-data"', 1)[1].split("</script>", 1)[0]
    assert '"label": "07/10/2026", "value": 250.0' in chart and '"value": 80.0' in chart
    assert rows[1:] == ["07/10/2026|2|250.00|0.00", "08/10/2026|1|80.00|80.00", "Total del periodo|3|330.00|80.00"]
    csv_rows = _csv(web.get(f"/reportes/cobros-dia/exportar/csv/?{range_query()}"))
    assert csv_rows[1:] == [["07/10/2026", "2", "250.00", "0.00"], ["08/10/2026", "1", "80.00", "80.00"], ["Total", "3", "330.00", "80.00"]]
    sheet = _xlsx(web.get(f"/reportes/cobros-dia/exportar/xlsx/?{range_query()}"))
    totals = [r for r in sheet if r and r[0] == "Total"]
    assert [[float(v) for v in r[1:]] for r in totals] == [[3.0, 330.0, 80.0]], sheet
    pdf = web.get(f"/reportes/cobros-dia/exportar/pdf/?{range_query()}")
    body = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    assert pdf.status_code == 200 and body.startswith(b"%PDF")


def test_payments_received_by_method_gateway_establishment_and_rep(client_as, users, payments_month, issuer, branch_rep):
    web = client_as(users["Contador"])
    by_method = _screen(web.get(f"/reportes/cobros-forma/?{range_query()}"))[1:]
    assert [r.split("|", 1)[0][:2] for r in by_method[:-1]] == ["01", "03", "05"]
    assert [r.split("|", 1)[1] for r in by_method] == ["1|100.00|0.00", "1|150.00|0.00", "1|80.00|80.00", "3|330.00|80.00"]
    assert _screen(web.get(f"/reportes/cobros-pasarela/?{range_query()}"))[1:] == [
        "n1co|1|150.00|0.00", "—|2|180.00|80.00", "Total del periodo|3|330.00|80.00"]
    assert _screen(web.get(f"/reportes/cobros-establecimiento/?{range_query()}"))[1:] == [
        "M001|Matriz|1|100.00|0.00", "S001|Sucursal Santa Tecla|1|150.00|0.00",
        "|Sin documento (anticipo)|1|80.00|80.00", "Total del periodo||3|330.00|80.00"]
    by_rep = _screen(web.get(f"/reportes/cobros-vendedor/?{range_query()}"))[1:]
    assert by_rep[-1].endswith("|3|330.00|80.00") and len(by_rep) == 4
    only_branch = _screen(web.get(f"/reportes/cobros-dia/?{range_query(establecimiento=payments_month['P2'].applications.get().document.establishment_id)}"))
    assert only_branch[1:] == ["07/10/2026|1|150.00|0.00", "Total del periodo|1|150.00|0.00"]
    detail = _screen(web.get(f"/reportes/cobros-detalle/?{range_query()}"))
    assert detail[-1].endswith("|330.00|80.00") and len(detail) == 1 + 3 + 1


def test_a_branch_manager_sees_only_the_payments_of_his_establishment(client_as, payments_month, branch_manager):
    web = client_as(branch_manager)
    assert _screen(web.get(f"/reportes/cobros-dia/?{range_query()}"))[1:] == ["07/10/2026|1|150.00|0.00", "Total del periodo|1|150.00|0.00"]
    csv_rows = _csv(web.get(f"/reportes/cobros-detalle/exportar/csv/?{range_query()}"))
    assert len(csv_rows) == 1 + 1 + 1 and csv_rows[-1][-2:] == ["150.00", "0.00"]
    # the company's payouts are not his: the fees report is empty for him
    assert _screen(web.get(f"/reportes/comisiones-pasarela/?{range_query()}"))[1:] in ([], ["Total del periodo|0|0.00|0.00|0.00|0"])


def test_unapplied_money_and_gateway_holds(client_as, users, payments_month, establishments, branch_rep, branch_manager):
    from orders.models import Order

    web = client_as(users["Contador"])
    # P3 is the only payment with money unapplied (80.00)
    assert _screen(web.get("/reportes/saldo-sin-aplicar/"))[1:] == [
        f"{payments_month['P3'].client.name}|{payments_month['P3'].client.id_number}|1|80.00", "Total del periodo||1|80.00"]
    now = timezone.now()
    common = {"client": payments_month["P2"].client, "tipo_dte": "03", "state": "authorized", "gateway": "paypal",
              "created_by": branch_rep, "link_expires_at": now}
    Order.objects.create(establishment=establishments["branch"], point_of_sale=establishments["pos"]["S001P001"],
                         total=D("90.00"), amount_authorized=D("90.00"), hold_expires_at=now + datetime.timedelta(days=2), **common)
    Order.objects.create(establishment=establishments["main"], point_of_sale=establishments["pos"]["M001P001"],
                         total=D("60.00"), amount_authorized=D("60.00"), hold_expires_at=now - datetime.timedelta(days=1), **common)
    rows = _screen(web.get("/reportes/bloqueos-pasarela/"))[1:]
    assert [r.split("|")[-2:] for r in rows] == [["Vigente", "90.00"], ["Vencida", "60.00"], ["", "150.00"]]
    # the branch manager sees the branch's hold only
    rows = _screen(client_as(branch_manager).get("/reportes/bloqueos-pasarela/"))[1:]
    assert [r.split("|")[-2:] for r in rows] == [["Vigente", "90.00"], ["", "90.00"]]


def test_client_balances_month_by_month(client_as, users, book, payments_month, branch_manager):
    from dte.models import Document

    # the two CCFs sold on credit: #3 (M001) 226.00 on 3 Oct, #7 (S001) 339.00 on 5 Oct; the NC #4 (56.50) corrects #3
    Document.objects.filter(pk__in=[book[3].pk, book[7].pk]).update(condition=2, payment_term_days=30)
    query = "desde=2026-09-01&hasta=2026-11-30"
    # October: 565.00 sold, 250.00 collected (P1 100.00 + P2 150.00), 56.50 credited: 565.00 − 250.00 − 56.50 = 258.50
    assert _screen(client_as(users["Contador"]).get(f"/reportes/saldos-clientes-mes/?{query}"))[1:] == [
        "09/2026|0.00|0.00|0.00|0.00", "10/2026|565.00|250.00|56.50|258.50", "11/2026|0.00|0.00|0.00|258.50",
        "Total del periodo|565.00|250.00|56.50|"]
    # the branch manager: #7 alone, 339.00 − 150.00 = 189.00
    assert _screen(client_as(branch_manager).get(f"/reportes/saldos-clientes-mes/?{query}"))[1:3] == [
        "09/2026|0.00|0.00|0.00|0.00", "10/2026|339.00|150.00|0.00|189.00"]
    # a later range carries October in: November opens at 258.50
    rows = _csv(client_as(users["Contador"]).get("/reportes/saldos-clientes-mes/exportar/csv/?desde=2026-11-01&hasta=2026-11-30"))
    assert rows[1] == ["11/2026", "0.00", "0.00", "0.00", "258.50"]


@pytest.mark.parametrize("slug", ["saldos-clientes-mes", "cobros-dia", "cobros-forma", "cobros-pasarela", "cobros-establecimiento", "cobros-vendedor",
                                  "cobros-detalle", "saldo-sin-aplicar", "comisiones-pasarela", "reembolsos",
                                  "bloqueos-saldo", "bloqueos-pasarela"])
def test_every_finance_view_and_its_export_checks_who_asks(client, client_as, users, payments_month, branch_manager, slug):
    from reports.definitions import BY_SLUG

    assert slug in BY_SLUG
    page, export = f"/reportes/{slug}/?{range_query()}", f"/reportes/{slug}/exportar/csv/?{range_query()}"
    assert client.get(page).status_code == 302 and client.get(export).status_code == 302  # anonymous: to the login
    for who in ("outsider", "Vendedor"):
        assert client_as(users[who]).get(page).status_code == 403
        assert client_as(users[who]).get(export).status_code == 403
    for user in (users["Contador"], branch_manager):
        assert client_as(user).get(page).status_code == 200
        response = client_as(user).get(export)
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith("\ufeff".encode())


def test_balance_holds_open_expired_and_captured_in_the_readers_scope(client_as, users, payments_month, establishments,
                                                                     branch_rep, branch_manager):
    from orders.models import GatewayOperation, Order
    from payments.models import BalanceHold

    now = timezone.now()

    def hold(est, pos, amount, state, expires):
        order = Order.objects.create(establishment=establishments[est], point_of_sale=establishments["pos"][pos],
                                     client=payments_month["P3"].client, tipo_dte="03", total=D(amount), created_by=branch_rep,
                                     link_expires_at=now, state="authorized", gateway="saldo", amount_authorized=D(amount))
        op = GatewayOperation.objects.create(order=order, gateway="saldo", kind="authorize", amount=D(amount),
                                             idempotency_key=f"k-{order.pk}", reference=f"pedido:{order.pk}:1", state="succeeded")
        BalanceHold.objects.create(client=order.client, amount=D(amount), reference=op.reference, state=state,
                                   expires_at=expires, created_by=branch_rep)

    hold("branch", "S001P001", "30.00", "held", now + datetime.timedelta(days=1))
    hold("main", "M001P001", "20.00", "held", now - datetime.timedelta(hours=1))
    hold("main", "M001P001", "10.00", "captured", now + datetime.timedelta(days=1))
    today = timezone.localdate().isoformat()
    query = f"desde={today}&hasta={today}"
    rows = _screen(client_as(users["Contador"]).get(f"/reportes/bloqueos-saldo/?{query}"))[1:]
    assert [r.split("|")[-3::2] for r in rows] == [["Vigente", "30.00"], ["Vencida sin liberar", "20.00"], ["Cobrada", "10.00"],
                                                   ["", "60.00"]]
    rows = _screen(client_as(branch_manager).get(f"/reportes/bloqueos-saldo/?{query}"))[1:]
    assert [r.split("|")[-3::2] for r in rows] == [["Vigente", "30.00"], ["", "30.00"]]
