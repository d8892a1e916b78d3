"""POST /api/v1/pedidos/<id>/reembolsos/: a refund through the API, with its Idempotency-Key,
its grant (Documentos · invalidar) and its scope; a Factura's partial refund names the lines
given back and becomes an Evento de Retorno (orders.services.refund_plan)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_factura(request, establishments, parties, products, users):
    from dte.models import Document, GovStatus
    from inventory.services import stock_move
    from orders.services import order_create, order_record_payment, receipt_issue

    request.getfixturevalue("signing_company")
    admin = users["Administrador"]
    stock_move(product=products["chair"], establishment=establishments["main"], quantity=Decimal(5), reason="Conteo")
    # two chairs at 113.00 with IVA (line 1) and one installation at 50.00 (line 2): 276.00
    order = order_create(acting_user=admin, client=parties["consumer"], point_of_sale=establishments["pos"]["M001P001"],
                         lines=[{"product": products["chair"], "quantity": 2}, {"product": products["service"],
                                                                                "quantity": 1}], confirm=True)
    order_record_payment(order=order, method="01", reference="CAJA-7", acting_user=admin)
    factura = receipt_issue(order_id=order.pk)
    Document.objects.filter(pk=factura.pk).update(status=GovStatus.SEALED, sello_recibido="S" * 40,
                                                  processed_at=timezone.now())
    order.refresh_from_db()
    return order


def _url(order):
    return f"/api/v1/pedidos/{order.pk}/reembolsos/"


def test_partial_refund_of_a_factura_through_the_api_is_a_retorno_once_per_key(paid_factura, make_key, api_as):
    from dte.models import MHEvent, SchemaGeneration
    from orders.models import OrderState, Refund

    SchemaGeneration.objects.create(kind="retorno", generation="2026",
                                    effective_from=timezone.now() - datetime.timedelta(hours=1))
    _k, raw = make_key("Contador", name="contabilidad")
    api = api_as(raw)
    # an amount alone is not enough for a Factura: MH records the part given back as returned lines
    refused = api.post(_url(paid_factura), {"amount": "113.00", "reason": "Una silla"}, format="json")
    assert refused.status_code == 409 and "indique qué líneas" in refused.json()["message"]
    body = {"reason": "Devolvió una silla", "lines": [{"line": 1, "quantity": "1"}]}
    first = api.post(_url(paid_factura), body, format="json", HTTP_IDEMPOTENCY_KEY="reembolso-1")
    assert first.status_code == 201, first.content
    again = api.post(_url(paid_factura), body, format="json", HTTP_IDEMPOTENCY_KEY="reembolso-1")
    assert again.status_code == 201 and again.json() == first.json()
    data = first.json()
    # one chair: 113.00, IVA inside
    assert Decimal(data["amount"]) == Decimal("113.00") and data["state"] == "succeeded"
    assert data["fiscal_action"] == "return" and data["returned"] == [{"numItem": 1, "quantity": "1"}]
    assert Refund.objects.count() == 1
    paid_factura.refresh_from_db()
    assert paid_factura.state == OrderState.PARTIALLY_REFUNDED and paid_factura.refundable == Decimal("163.00")
    # the fiscal side ran after commit (or by the worker): at most one retorno for this refund
    from orders.services import refund_fiscal

    refund_fiscal(refund_id=data["id"])
    assert MHEvent.objects.filter(kind="retorno", document=paid_factura.document).count() == 1
    listed = api.get(_url(paid_factura)).json()
    assert [r["id"] for r in listed] == [data["id"]] and listed[0]["fiscal_event"]


def test_refund_needs_the_invalidation_grant_and_the_order_in_scope(paid_factura, make_key, api_as, establishments,
                                                                    roles):
    from accounts.models import Role, RolePermission
    from accounts.modules import Module
    from core.modules import Action
    from orders.models import Refund

    _k, rep = make_key("Vendedor", points_of_sale=[establishments["pos"]["M001P001"]], name="caja")
    response = api_as(rep).post(_url(paid_factura), {"reason": "x"}, format="json")
    assert response.status_code == 403
    branch_role = Role.objects.create(name="Contador de sucursal", company_wide=False)
    for action in (Action.VIEW, Action.INVALIDATE):
        RolePermission.objects.create(role=branch_role, module=Module.DOCUMENTOS, action=action)
    roles["Contador de sucursal"] = branch_role
    _k, elsewhere = make_key("Contador de sucursal", establishments=[establishments["branch"]], name="sucursal")
    response = api_as(elsewhere).post(_url(paid_factura), {"reason": "x"}, format="json")
    assert response.status_code == 404
    assert not Refund.objects.exists()


def test_full_refund_through_the_api_rescinds_the_factura(paid_factura, make_key, api_as):
    from dte.models import Invalidation
    from orders.services import refund_fiscal

    _k, raw = make_key("Contador", name="contabilidad")
    response = api_as(raw).post(_url(paid_factura), {"reason": "Venta anulada"}, format="json")
    assert response.status_code == 201, response.content
    assert Decimal(response.json()["amount"]) == Decimal("276.00")
    assert response.json()["fiscal_action"] == "invalidation"
    refund_fiscal(refund_id=response.json()["id"])
    assert Invalidation.objects.get(document=paid_factura.document).tipo == 2
