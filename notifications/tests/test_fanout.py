"""Who hears what: roles, establishment scope, preferences; exactly one row per recipient and
event however often the event is told; the cost of a fan-out does not grow with the users."""

import pytest
from django.core import mail
from django.db import transaction

from core import scope
from dte.models import Document, GovStatus
from dte.transitions import transition
from notifications import events, services
from notifications.models import Channel, Kind, Notification, Preference


def _reject(document):
    with transaction.atomic():
        transition(document, GovStatus.REJECTED, mh_code="004", mh_message="RECHAZADO POR PRUEBA")


def _heard(kind=None):
    qs = Notification.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    return sorted(qs.values_list("recipient__username", flat=True))


@pytest.mark.django_db
def test_a_rejection_reaches_its_rep_and_finance_in_scope_only(people, make_document):
    """A document of M001/P001 rejected: its rep, and the supervisor, accountant and admin
    (company-wide, grant approve or edit). Not the rep of till 2 nor of the branch, not the branch
    supervisor, not the auditor (read-only), not the outsider."""
    document = make_document()
    _reject(document)
    assert _heard(Kind.DOCUMENT_REJECTED) == ["administrador", "contador", "supervisor", "vendedor"]
    row = Notification.objects.get(recipient=people["Vendedor"])
    assert row.title == f"MH rechazó {document.numero_control}"
    assert row.body == "004 RECHAZADO POR PRUEBA"
    assert row.url == f"/documentos/{document.pk}/"
    assert row.channel == Channel.EMAIL  # the kind's default


@pytest.mark.django_db
def test_every_recipient_may_see_the_document_and_nobody_in_scope_with_the_grant_is_missed(people, make_document):
    """The recipients' rule (a condition on users) agrees with the documents' scope rule
    (dte.selectors.document_scope) for every user, for a document of each till."""
    for pos_code, by in [("M001P001", "Vendedor"), ("M001P002", "caja2"), ("S001P001", "sucursal")]:
        Notification.objects.all().delete()
        document = make_document(pos_code, by)
        _reject(document)
        heard = set(Notification.objects.values_list("recipient_id", flat=True))
        for user in people.values():
            sees = scope.rows(Document, user).filter(pk=document.pk).exists()
            concerned = user.pk == document.created_by_id or user.can("documentos", "approve") or user.can("documentos", "edit")
            assert (user.pk in heard) == (sees and concerned), (pos_code, user.username)


@pytest.mark.django_db
def test_the_branch_supervisor_hears_the_branch_not_the_main_establishment(people, make_document):
    _reject(make_document("S001P001", "sucursal"))
    assert _heard() == ["administrador", "contador", "sucursal", "supervisor", "supsucursal"]
    Notification.objects.all().delete()
    _reject(make_document("M001P002", "caja2"))
    assert "supsucursal" not in _heard() and "vendedor" not in _heard() and "caja2" in _heard()


@pytest.mark.django_db
def test_the_same_event_told_twice_is_one_notification_each(people, make_document):
    document = make_document()
    _reject(document)
    first = Notification.objects.count()
    assert first == 4
    # the observer heard again (a hook registered twice, a task that runs again): nothing new
    with transaction.atomic():
        events.document_status_changed(document, GovStatus.PENDING, GovStatus.REJECTED, "gov")
        events.document_status_changed(document, GovStatus.PENDING, GovStatus.REJECTED, "gov")
    assert Notification.objects.count() == first
    # a correction rejected again is a new event: one more row each
    with transaction.atomic():
        transition(document, GovStatus.PENDING)
    _reject(document)
    assert Notification.objects.count() == 2 * first
    assert Notification.objects.filter(recipient=people["Vendedor"]).count() == 2


@pytest.mark.django_db
def test_preferences_choose_the_channel_or_silence(people, make_document, eager, django_capture_on_commit_callbacks):
    Preference.objects.create(user=people["Supervisor"], kind=Kind.DOCUMENT_REJECTED, channel=Channel.NONE)
    Preference.objects.create(user=people["Contador"], kind=Kind.DOCUMENT_REJECTED, channel=Channel.DIGEST)
    Preference.objects.create(user=people["Administrador"], kind=Kind.DOCUMENT_REJECTED, channel=Channel.INBOX)
    # a seal is heard by nobody by default; the rep who asks for it hears of his own
    Preference.objects.create(user=people["Vendedor"], kind=Kind.DOCUMENT_SEALED, channel=Channel.INBOX)
    Preference.objects.create(user=people["Supervisor"], kind=Kind.DOCUMENT_SEALED, channel=Channel.INBOX)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _reject(make_document())
    channels = dict(Notification.objects.values_list("recipient__username", "channel"))
    assert channels == {"vendedor": "email", "contador": "digest", "administrador": "inbox"}
    # the rep's immediate email, sent after the commit; nobody else is mailed now
    assert [m.to for m in mail.outbox] == [["vendedor@example.com"]]
    assert "MH rechazó DTE-01-M001P001" in mail.outbox[0].subject
    assert "/documentos/" in mail.outbox[0].body
    Notification.objects.all().delete()
    with transaction.atomic():
        transition(make_document(status="pending"), GovStatus.SEALED)
    assert _heard() == ["vendedor"]  # sealing concerns its rep only: the supervisor asked, but it is not his


@pytest.mark.django_db
def test_an_email_is_sent_once_however_often_the_sender_runs(people, make_document, eager,
                                                              django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _reject(make_document())
    sent = len(mail.outbox)
    assert sent == 4  # every recipient's default for a rejection: email
    key = Notification.objects.values_list("key", flat=True).first()
    assert services.send_immediate(key=key) == 0
    assert services.send_immediate(older_than=Notification.objects.latest("created_at").created_at
                                   + __import__("datetime").timedelta(seconds=1)) == 0
    assert len(mail.outbox) == sent


@pytest.mark.django_db
def test_a_fan_out_costs_the_same_queries_for_many_users(people, make_document, make_user, django_assert_num_queries):
    """Recipients and their channels in one query, their rows in one INSERT (plus the count of the
    document's earlier rejections), with 4 recipients or 44."""
    document = make_document()
    with transaction.atomic():
        transition(document, GovStatus.REJECTED)
    with django_assert_num_queries(3):
        events.document_status_changed(document, GovStatus.PENDING, GovStatus.REJECTED, "gov")
    for n in range(40):
        make_user(f"sup{n}", "Supervisor")
    Notification.objects.all().delete()
    with django_assert_num_queries(3):
        events.document_status_changed(document, GovStatus.PENDING, GovStatus.REJECTED, "gov")
    assert Notification.objects.count() == 44


@pytest.mark.django_db
def test_approval_requested_reaches_approvers_and_the_decision_the_requester(people, make_document):
    from dte.models import SpecialCase
    from dte.services.cases import case_decide, case_request_approval

    document = make_document("M001P001", "Vendedor", status="draft")
    case = SpecialCase.objects.create(document=document, code="credit_limit", detail="Sobre el límite por $50.00",
                                      fingerprint="x", needs_approval=True)
    case_request_approval(case=case, acting_user=people["Vendedor"])
    assert _heard(Kind.APPROVAL_REQUESTED) == ["administrador", "supervisor"]  # approvers in scope, not the branch's
    case.refresh_from_db()
    case_decide(case=case, acting_user=people["Supervisor"], approve=False, reason="Sin garantía")
    decided = Notification.objects.get(kind=Kind.APPROVAL_DECIDED)
    assert decided.recipient == people["Vendedor"]
    assert decided.title == "Aprobación denegada: Cliente sobre su límite de crédito"
    assert "Sin garantía" in decided.body


@pytest.mark.django_db
def test_a_contingency_deadline_alert_is_one_notification(people, establishments, settings):
    from django.utils import timezone

    from contingency import alerts
    from dte.models import OfflineScope

    now = timezone.now()
    period = OfflineScope.objects.create(company=establishments["main"].company, establishment=establishments["branch"],
                                         tipo=1, started_at=now - timezone.timedelta(hours=22),
                                         ended_at=now - timezone.timedelta(hours=21))
    assert alerts.send_alert(period.pk, "event-4h", now=now)
    assert not alerts.send_alert(period.pk, "event-4h", now=now)
    # contingency view, in the branch's scope: the company-wide roles with the grant and the branch supervisor
    assert _heard(Kind.CONTINGENCY_DEADLINE) == ["administrador", "auditor", "contador", "supervisor", "supsucursal"]
    assert Notification.objects.filter(title__startswith="Plazo cercano para el evento de contingencia").count() == 5


@pytest.mark.django_db
def test_holds_about_to_expire_are_told_once(people, establishments, settings):
    import datetime

    from django.utils import timezone

    from clients.models import Client
    from orders.models import Order

    settings.NOTIFY_HOLD_WARN_HOURS = 24
    client = Client.objects.create(kind="consumidor", id_type="13", id_number="00016297-5", name="Cliente Uno")
    point = establishments["pos"]["M001P001"]
    now = timezone.now()

    def order(hours):
        return Order.objects.create(establishment=point.establishment, point_of_sale=point, client=client, tipo_dte="01",
                                    total=10, amount_authorized=10, state="authorized", created_by=people["Vendedor"],
                                    hold_expires_at=now + datetime.timedelta(hours=hours),
                                    link_expires_at=now + datetime.timedelta(hours=1))

    soon, later = order(3), order(48)
    assert events.scan_holds(now=now) == 4  # the rep, supervisor, accountant, admin
    assert events.scan_holds(now=now) == 4  # told again: meant for them, but no new row
    assert Notification.objects.filter(kind=Kind.HOLD_EXPIRING).count() == 4
    assert set(Notification.objects.values_list("url", flat=True)) == {f"/pedidos/{soon.pk}/"}
    assert later.pk  # 48 h away: not yet


@pytest.mark.django_db
def test_reconciliation_differences_reach_company_wide_report_readers(people):
    import datetime as dt  # noqa: PLC0415

    from reconciliation import hooks as reconciliation_hooks  # noqa: PLC0415

    period = type("Period", (), {"pk": 7, "account": "Banco Agrícola · 200-9", "account_id": 3,
                                 "start": dt.date(2026, 11, 1), "end": dt.date(2026, 11, 30)})()
    missing = {"kind": "missing", "line": 1, "payment": None, "difference": "25.00"}
    different = {"kind": "different", "line": 2, "payment": 9, "difference": "0.50"}
    # through the hook the app registered in ready(), as reconciliation calls it
    reconciliation_hooks.differences_found(period, [missing, different])
    reconciliation_hooks.differences_found(period, [missing, different])  # told again: nothing new
    assert _heard() == ["administrador", "auditor", "contador", "supervisor"]
    title = "Conciliación Banco Agrícola · 200-9, 01/11/2026–30/11/2026: 2 diferencias"
    assert Notification.objects.filter(title=title, body="1 faltantes, 1 con otro monto").count() == 4
    assert set(Notification.objects.values_list("url", flat=True)) == {"/conciliacion/periodos/7/"}
    reconciliation_hooks.differences_found(period, [missing])  # different differences: a new event
    assert Notification.objects.count() == 8
    # a gateway settlement's differences come without a period
    extra = {"kind": "extra", "source": "settlement", "settlement": 5, "line": 4, "difference": "12.00"}
    reconciliation_hooks.differences_found(None, [extra])
    told = Notification.objects.filter(title="Liquidación de pasarela: 1 diferencia")
    assert told.count() == 4 and {n.url for n in told} == {"/cobros/liquidaciones/5/"} and told[0].body == "1 sobrantes"


@pytest.mark.django_db
def test_the_daily_digest_lists_each_users_pending_items_once(people, make_document):
    Preference.objects.create(user=people["Contador"], kind=Kind.DOCUMENT_REJECTED, channel=Channel.DIGEST)
    first, second = make_document(), make_document("S001P001", "sucursal")
    _reject(first)
    _reject(second)
    services.publish(Kind.PAYMENT_RECEIVED, "payment:1", title="Pago recibido: $ 25.00 de Cliente Uno",
                     establishment_id=None, exclude=[])
    mail.outbox.clear()
    # the accountant (two rejections by his choice, the payment by default); the supervisors and the
    # admin (the payment only, of a client shared by every establishment: a rejection reached them by
    # immediate email)
    assert services.send_digests() == 4
    by_user = {m.to[0]: m for m in mail.outbox}
    assert set(by_user) == {"contador@example.com", "supervisor@example.com", "administrador@example.com",
                            "supsucursal@example.com"}
    assert by_user["supervisor@example.com"].subject == "Facturador: resumen del día, 1 aviso"
    assert "MH rechazó" not in by_user["supervisor@example.com"].body
    contador = by_user["contador@example.com"]
    assert contador.subject == "Facturador: resumen del día, 3 avisos"
    assert f"MH rechazó {first.numero_control}" in contador.body
    assert f"MH rechazó {second.numero_control}" in contador.body
    assert "Pago recibido: $ 25.00 de Cliente Uno" in contador.body
    assert contador.body.index(first.numero_control) < contador.body.index(second.numero_control)  # oldest first
    assert services.send_digests() == 0  # nothing left to tell
    assert Notification.objects.filter(channel="digest", emailed_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_exports_and_imports_are_told_to_whoever_asked_only(people):
    import uuid

    from django.core.files.base import ContentFile

    from bulk.models import IMPORT_JOB_MACHINE, ImportJob
    from reports.models import EXPORT_JOB_MACHINE, ExportJob

    job = ExportJob.objects.create(public_id=uuid.uuid4(), requested_by=people["Contador"], report="ventas-cliente",
                                   title="Ventas por cliente", fmt="csv", state="running")
    EXPORT_JOB_MACHINE.move(job, "done")
    upload = ImportJob(catalogue="clientes", file_name="c.csv", uploaded_by=people["Vendedor"], status="validating",
                       rows=12, wrong=2)
    upload.file.save("c.csv", ContentFile(b"a"), save=False)
    upload.save()
    IMPORT_JOB_MACHINE.move(upload, "validating")  # a worker claiming it again: not the end
    IMPORT_JOB_MACHINE.move(upload, "invalid")
    rows = sorted(Notification.objects.values_list("recipient__username", "title", "url"))
    assert rows == [
        ("contador", "Exportación lista: Ventas por cliente", f"/reportes/exportaciones/{job.public_id}/"),
        ("vendedor", "Carga de clientes: Con errores: no se puede aplicar", f"/cargas/clientes/{upload.public_id}/")]
    assert Notification.objects.get(recipient=people["Vendedor"]).body == "c.csv · 12 filas, 2 con errores"


@pytest.mark.django_db
def test_a_bounced_email_and_a_payment_stay_in_their_scope(people, make_document, establishments):
    import datetime

    from clients.models import Client
    from dte.models import DELIVERY_MACHINE, Delivery
    from payments.hooks import payment_recorded
    from payments.models import Payment

    document = make_document("S001P001", "sucursal", status="sealed")
    delivery = Delivery.objects.create(document=document, recipient="cliente@example.com", state="sending", attempts=1)
    DELIVERY_MACHINE.move(delivery, "failed", error="550 buzón inexistente")
    # the branch rep (its author), and whoever sends documents in its scope: supervisor, accountant, admin
    assert _heard(Kind.EMAIL_BOUNCED) == ["administrador", "contador", "sucursal", "supervisor"]
    client = Client.objects.create(kind="consumidor", id_type="13", id_number="00016297-5", name="Cliente Sucursal",
                                   establishment=establishments["branch"])
    payment = Payment.objects.create(client=client, date=datetime.date(2026, 11, 3), amount=25, method="01", reference="R-9",
                                     created_by=people["Contador"])
    with transaction.atomic():
        payment_recorded(payment)
    # the accountant recorded it himself; the main establishment's rep never hears of a branch client
    assert _heard(Kind.PAYMENT_RECEIVED) == ["administrador", "supervisor", "supsucursal"]
    assert Notification.objects.filter(kind=Kind.PAYMENT_RECEIVED, title="Pago recibido: $ 25.00 de Cliente Sucursal").count() == 3
