"""The pages: who may open which order (the outsider, another establishment's rep), the form's
errors naming row and field, the pay link (signed, expiring, no login), the webhook's signature."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from orders import services
from orders.models import Order, OrderState
from orders.selectors import pay_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch_rep(make_user, establishments, users):
    from accounts.services import user_assign_locations

    rep = make_user("vendedor_sucursal", "Vendedor")
    user_assign_locations(user=rep, establishments=[establishments["branch"]],
                          points_of_sale=[establishments["pos"]["S001P001"]], acting_user=users["Administrador"])
    return rep


def test_rep_creates_an_order_in_the_browser_and_sees_its_pay_link(client_as, issuer, parties, stocked, establishments):
    page = client_as(issuer)
    response = page.post(reverse("orders:new"), {
        "client": parties["consumer"].pk, "point_of_sale": establishments["pos"]["M001P001"].pk,
        "code_1": "SILLA-01", "qty_1": "2", "code_2": "SERV-01", "qty_2": "1"})
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("orders:detail", args=[order.pk])
    detail = page.get(response["Location"]).content.decode()
    assert "$ 276.00" in detail and "no es un documento tributario" in detail
    assert f"/pagar/{order.public_id}:" in detail  # the signed link (its timestamp changes by the second)


def test_the_form_names_the_row_and_field_at_fault_and_keeps_what_was_typed(client_as, issuer, parties, stocked,
                                                                          establishments):
    response = client_as(issuer).post(reverse("orders:new"), {
        "client": parties["consumer"].pk, "point_of_sale": establishments["pos"]["M001P001"].pk,
        "code_1": "SILLA-01", "qty_1": "dos", "code_3": "NO-EXISTE", "qty_3": "1"})
    text = response.content.decode()
    assert response.status_code == 200 and not Order.objects.exists()
    assert "Fila 1, cantidad" in text and "Fila 3, producto" in text and "NO-EXISTE" in text
    assert 'value="dos"' in text


def test_outsider_and_other_establishment_cannot_reach_an_order(client_as, make_order, parties, users, branch_rep):
    order = make_order(parties["consumer"])
    assert client_as(users["outsider"]).get(reverse("orders:detail", args=[order.pk])).status_code == 403
    assert client_as(users["outsider"]).get(reverse("orders:list")).status_code == 403
    other = client_as(branch_rep)
    assert other.get(reverse("orders:detail", args=[order.pk])).status_code == 404
    assert order.number not in other.get(reverse("orders:list")).content.decode()
    assert other.post(reverse("orders:cancel", args=[order.pk]), {"reason": "x"}).status_code == 404
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    # the auditor sees it but may not act on it
    assert client_as(users["Auditor"]).get(reverse("orders:detail", args=[order.pk])).status_code == 200
    assert client_as(users["Auditor"]).post(reverse("orders:cancel", args=[order.pk]),
                                            {"reason": "x"}).status_code == 403


def test_another_establishments_rep_cannot_sell_from_a_till_not_his(make_order, parties, branch_rep):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_order(parties["consumer"], user=branch_rep, pos="M001P001")


def test_pay_page_lists_the_enabled_gateways_and_pays_once(client, make_order, parties, fake_gateway):
    fake_gateway.supports_holds = False
    order = make_order(parties["consumer"])
    url = reverse("pay:page", args=[pay_token(order)])
    page = client.get(url).content.decode()
    assert "Pasarela de prueba" in page and "$ 276.00" in page and "no es un documento tributario" in page
    assert client.post(url, {"gateway": "fakepay"}).status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.PAID
    again = client.post(url, {"gateway": "fakepay"})
    assert "Pedido pagado" in again.content.decode() and 'id="pay-form"' not in again.content.decode()
    assert len([c for c in fake_gateway.calls if c[0] == "authorize"]) == 1


def test_a_tampered_or_expired_pay_link_is_refused(client, make_order, parties, settings):
    order = make_order(parties["consumer"])
    token = pay_token(order)
    assert client.get(reverse("pay:page", args=[token[:-2] + "xx"])).status_code == 404
    settings.ORDER_LINK_HOURS = 0
    import time

    time.sleep(1.1)  # the signature's timestamp has one-second resolution
    assert client.get(reverse("pay:page", args=[token])).status_code == 404


def test_webhook_with_a_bad_signature_changes_nothing(client, make_order, parties, fake_gateway):
    from payments.models import GatewayAccount

    fake_gateway.supports_holds = False
    fake_gateway.script["authorize"] = "pending"
    order = make_order(parties["consumer"])
    op = services.order_pay_start(order=order, gateway="fakepay")
    fake_gateway.ledger[op.reference].update(status="captured", captured=Decimal("276.00"))
    account = GatewayAccount.objects.get(gateway="fakepay")
    url = reverse("pay:webhook", args=[account.webhook_token])
    body = json.dumps({"id": "ev-9", "kind": "captured", "reference": op.reference})
    assert client.post(url, body, content_type="application/json", HTTP_X_FAKE_SIGNATURE="no").status_code == 400
    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert client.post(url, body, content_type="application/json", HTTP_X_FAKE_SIGNATURE="ok").status_code == 200
    order.refresh_from_db()
    assert order.state == OrderState.PAID


def test_cashier_payment_through_the_page(client_as, issuer, make_order, parties):
    order = make_order(parties["consumer"])
    response = client_as(issuer).post(reverse("orders:cashier", args=[order.pk]), {"method": "01", "reference": ""})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.PAID and order.payment_method == "01"


def test_list_page_query_count_does_not_grow_with_orders(client_as, issuer, make_order, parties, stocked):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    page = client_as(issuer)
    make_order(parties["consumer"], [{"product": stocked["service"], "quantity": Decimal(1)}])
    page.get(reverse("orders:list"))
    with CaptureQueriesContext(connection) as one:
        page.get(reverse("orders:list"))
    for _i in range(3):
        make_order(parties["consumer"], [{"product": stocked["service"], "quantity": Decimal(1)}])
    with CaptureQueriesContext(connection) as four:
        page.get(reverse("orders:list"))
    assert len(four.captured_queries) == len(one.captured_queries)


def test_home_card_counts_the_open_orders_in_the_users_scope(client_as, make_order, parties, users, branch_rep, issuer):
    make_order(parties["consumer"])
    assert "Pedidos por cobrar o despachar: 1" in client_as(issuer).get("/").content.decode()
    assert "Pedidos por cobrar o despachar: 0" in client_as(branch_rep).get("/").content.decode()
    assert "orders-card" not in client_as(users["outsider"]).get("/").content.decode()
