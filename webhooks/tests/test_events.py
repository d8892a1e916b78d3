"""Events come from the apps' own registries (no app calls webhooks): a document sealed,
rejected or invalidated, contingency entered and ended, an email that bounced, a payment, an
export ready; each to the subscriptions that want it and whose key may see its subject."""

from decimal import Decimal

import pytest
from django.utils import timezone

from dte import hooks
from dte.tests.conftest import line
from webhooks.models import Delivery, Event, EventType, Integration
from webhooks.services import subscription_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def integration(db):
    return Integration.objects.create(name="ERP", contact_email="ti@erp.example")


@pytest.fixture
def everything(integration, users):
    return subscription_create(integration=integration, url="https://erp.example/h", events=list(EventType.values),
                               acting_user=users["Administrador"])[0]


def _seal(doc):
    from dte.transitions import transition

    transition(doc, "transmitting", reason="prueba")
    transition(doc, "sealed", reason="Sellado por MH", sello_recibido="S" * 40, processed_at=timezone.now())


def test_a_sealed_document_is_an_event_in_its_documents_stream(everything, make_draft, issuer):
    from dte.services.issuing import document_issue

    doc = document_issue(document=make_draft("01"), acting_user=issuer)
    assert not Event.objects.exists()  # issued (pending) is not an event
    _seal(doc)
    event = Event.objects.get()
    assert event.kind == "document.sealed" and event.stream == f"document:{doc.pk}"
    assert event.payload["document"]["sello_recibido"] == "S" * 40
    assert event.payload["document"]["numero_control"] == doc.numero_control
    delivery = Delivery.objects.get()
    assert delivery.subscription == everything and delivery.sequence == 1
    from dte.transitions import transition

    transition(doc, "invalidation_pending", reason="x")
    transition(doc, "invalidated", reason="Invalidado por MH")
    assert list(Delivery.objects.order_by("sequence").values_list("event__kind", "sequence")) == [
        ("document.sealed", 1), ("document.invalidated", 2)]


def test_a_key_bound_to_a_till_hears_only_of_its_tills_documents(integration, users, make_draft, issuer, establishments):
    from api.services import api_key_create
    from dte.services.issuing import document_issue

    key, _raw = api_key_create(integration=integration, name="Caja 1", role=issuer.role,
                               points_of_sale=[establishments["pos"]["M001P001"]], acting_user=users["Administrador"])
    till_hook, _secret = subscription_create(integration=integration, url="https://caja.example/h",
                                             events=["document.sealed"], scope_user=key.user,
                                             acting_user=users["Administrador"])
    admin = users["Administrador"]
    mine = document_issue(document=make_draft("01"), acting_user=issuer)
    other = document_issue(document=make_draft("01", user=admin, pos="M001P002"), acting_user=admin)
    _seal(mine)
    _seal(other)
    assert list(Delivery.objects.filter(subscription=till_hook).values_list("event__stream", flat=True)) == [
        f"document:{mine.pk}"]


def test_only_the_events_a_subscription_names_are_kept_for_it(integration, users, make_draft, issuer):
    from dte.services.issuing import document_issue

    subscription_create(integration=integration, url="https://erp.example/pagos", events=["payment.recorded"],
                        acting_user=users["Administrador"])
    _seal(document_issue(document=make_draft("01"), acting_user=issuer))
    assert not Delivery.objects.exists()


def test_contingency_entered_and_ended_come_from_dtes_scope_hooks(everything, company):
    from dte.models import OfflineScope

    period = OfflineScope.objects.create(company=company, tipo=1, started_at=timezone.now(), automatic=True)
    for hook in hooks.scope_opened:
        hook(period.pk)
    OfflineScope.objects.filter(pk=period.pk).update(ended_at=timezone.now())
    for hook in hooks.scope_ended:
        hook(period.pk)
    assert list(Delivery.objects.order_by("sequence").values_list("event__kind", "event__stream", "sequence")) == [
        ("contingency.entered", f"contingency:{period.pk}", 1), ("contingency.ended", f"contingency:{period.pk}", 2)]


def test_a_bounced_email_and_a_payment_and_an_export_are_events(everything, make_draft, issuer, parties, users):
    from dte.models import DELIVERY_MACHINE
    from dte.models import Delivery as Email
    from dte.services.issuing import document_issue
    from payments.services import payment_record
    from reports.models import EXPORT_JOB_MACHINE, ExportJob

    doc = document_issue(document=make_draft("01", [line("Silla", "1", "113.00")], client=parties["taxpayer"],
                                             condition=2, payment_term_days=30), acting_user=issuer)
    _seal(doc)
    email = Email.objects.create(document=doc, recipient="compras@central.example")
    DELIVERY_MACHINE.move(email, "sending")
    DELIVERY_MACHINE.move(email, "failed", error="550 buzón inexistente")
    payment = payment_record(client=parties["taxpayer"], date=timezone.localdate(), amount=Decimal("50.00"), method="01",
                             acting_user=users["Contador"], applications=[(doc, Decimal("50.00"))])
    import uuid

    job = ExportJob.objects.create(public_id=uuid.uuid4(), requested_by=users["Contador"], report="ventas",
                                   title="Ventas", params={}, fmt="xlsx")
    EXPORT_JOB_MACHINE.move(job, "running")
    EXPORT_JOB_MACHINE.move(job, "done", size=10)
    kinds = list(Event.objects.order_by("id").values_list("kind", "stream"))
    assert kinds == [("document.sealed", f"document:{doc.pk}"), ("email.bounced", f"document:{doc.pk}"),
                     ("payment.recorded", f"payment:{payment.pk}"), ("export.ready", f"export:{job.public_id}")]
    bounced = Event.objects.get(kind="email.bounced")
    assert bounced.payload["email"] == {"recipient": "compras@central.example", "error": "550 buzón inexistente"}
    paid = Event.objects.get(kind="payment.recorded").payload["payment"]
    assert paid["amount"] == "50.00" and paid["applications"] == [{"document": doc.pk, "amount": "50.00"}]
    # the email's event follows the seal in the document's stream
    assert list(Delivery.objects.filter(event__stream=f"document:{doc.pk}").order_by("sequence")
                .values_list("event__kind", flat=True)) == ["document.sealed", "email.bounced"]


def test_a_refused_charge_and_a_refund_are_events_of_the_orders_stream(everything, users, establishments):
    """orders.GatewayOperation's moves (core.statemachine): a charge refused, a refund made; an
    authorisation that succeeded is not an event of its own."""
    import datetime
    import uuid

    from clients.models import Client
    from orders.models import OP_MACHINE, GatewayOperation, Order

    point = establishments["pos"]["M001P001"]
    client = Client.objects.create(kind="consumidor", id_type="13", id_number="00016297-5", name="Cliente Uno")
    order = Order.objects.create(establishment=point.establishment, point_of_sale=point, client=client, tipo_dte="01",
                                 total=10, created_by=users["Vendedor"],
                                 link_expires_at=timezone.now() + datetime.timedelta(hours=1))

    def op(kind):
        return GatewayOperation.objects.create(order=order, gateway="wompi", kind=kind, amount=Decimal("10.00"),
                                               idempotency_key=uuid.uuid4().hex, reference=f"R-{kind}")

    OP_MACHINE.move(op("sale"), "failed", message="Fondos insuficientes")
    OP_MACHINE.move(op("refund"), "succeeded")
    OP_MACHINE.move(op("authorize"), "succeeded")
    assert list(Event.objects.order_by("id").values_list("kind", "stream")) == [
        ("payment.failed", f"order:{order.pk}"), ("refund.completed", f"order:{order.pk}")]
    failed = Event.objects.get(kind="payment.failed").payload["operation"]
    assert (failed["kind"], failed["amount"], failed["state"], failed["message"]) == (
        "sale", "10.00", "failed", "Fondos insuficientes")


def test_a_contingency_deadline_alert_is_an_event(everything, establishments):
    from contingency import alerts
    from dte.models import OfflineScope

    now = timezone.now()
    period = OfflineScope.objects.create(company=establishments["main"].company, tipo=1,
                                         started_at=now - timezone.timedelta(hours=22),
                                         ended_at=now - timezone.timedelta(hours=21))
    alerts.send_alert(period.pk, "event-4h", now=now)
    alerts.send_alert(period.pk, "event-4h", now=now)  # once per period and alert
    event = Event.objects.get(kind="contingency.deadline_near")
    assert event.payload["deadline"]["of"] == "event" and event.payload["deadline"]["alert"] == "4h"
