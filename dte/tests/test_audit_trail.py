"""Every write a person makes around documents is in the audit trail, in the same transaction as
the write (issue 15, "The audit trail"): drafts, special-case requests and decisions, issuing,
invalidation, retransmission, correction, internal status, and the sessions (login, logout,
failed login). What MH or the worker does is in the document's status history, not here."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from core.models import AuditEntry
from dte.models import CaseState, Document, GovStatus, SpecialCase
from dte.services.issuing import IssueError, document_issue
from dte.tests.conftest import CERT_PASSWORD, _certificate, line
from dte.transitions import transition

pytestmark = pytest.mark.django_db
PASSWORD = "clave-segura-123"  # conftest.make_user


def _login(username, ip="10.1.1.1"):
    """A person signing in through the login page (not force_login): the trail sees it as such."""
    c = Client(REMOTE_ADDR=ip)
    response = c.post("/ingresar/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return c


def _trail_since(last_id):
    return sorted((e.actor_name, e.action, e.object_repr) for e in AuditEntry.objects.filter(id__gt=last_id))


def _seal(doc):
    transition(doc, GovStatus.TRANSMITTING)
    transition(doc, GovStatus.SEALED, sello_recibido="2026" + "B" * 36, processed_at=timezone.now())


def _reject(doc):
    doc = Document.objects.get(pk=doc.pk)
    transition(doc, GovStatus.TRANSMITTING)
    transition(doc, GovStatus.REJECTED, rejected_at=timezone.now(), mh_code="004", mh_message="RECHAZADO")


def test_every_write_of_a_person_is_audited_and_nothing_else(make_draft, issuer, parties, users):
    from inventory.models import Product

    below_cost = Product.objects.create(code="MESA-01", description="Mesa", price=Decimal("50.00"), cost=Decimal("60"))
    start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    # Sessions: a failed attempt, then the rep, the supervisor and the accountant sign in.
    failed = Client(REMOTE_ADDR="10.9.9.9").post("/ingresar/", {"username": "vendedor", "password": "NoEsLaClave-77"})
    assert failed.status_code == 200
    rep, supervisor, accountant = _login("vendedor"), _login("supervisor"), _login("contador")

    # Three documents; the third is below cost, which a rep's role must have approved.
    fe = make_draft("01", [line("Servicio", "1", "11.30")], client=parties["consumer"])
    ccf = make_draft("03", [line("Mercadería", "1", "100.00")], client=parties["taxpayer"])
    cheap = make_draft("01", [line("Mesa", "1", "50.00", product_id=below_cost.pk)])
    drafts = [str(d) for d in (fe, ccf, cheap)]  # "Factura (borrador 12)": named by their pk until issued
    assert rep.get(f"/documentos/{cheap.pk}/confirmar/").status_code == 200  # finds the case (not a person's write)
    case = SpecialCase.objects.get(document=cheap)
    assert case.code == "below_cost" and case.needs_approval
    rep.post(f"/documentos/{cheap.pk}/casos/", {"case": case.pk, "do": "request"})
    supervisor.post(f"/documentos/aprobaciones/{case.pk}/decidir/", {"do": "approve", "reason": "Liquidación de inventario"})
    assert SpecialCase.objects.get(pk=case.pk).state == CaseState.APPROVED
    for doc in (fe, ccf, cheap):
        assert rep.post(f"/documentos/{doc.pk}/emitir/").status_code == 302
    fe, ccf, cheap = (Document.objects.get(pk=d.pk) for d in (fe, ccf, cheap))
    assert fe.status == ccf.status == cheap.status == GovStatus.PENDING

    # MH's answers (the worker's doing: status history, not the audit trail).
    _seal(fe)
    _seal(cheap)
    _reject(ccf)

    # The accountant invalidates one, reviews another, retransmits the rejected one; rejected
    # again, the rep corrects and issues it again.
    response = accountant.post(f"/documentos/{fe.pk}/invalidar/", {
        "tipo": "2", "reason": "Cliente desistió", "resp_name": "Carlos Contador", "resp_type": "13",
        "resp_number": "00016297-5", "req_name": "Ana López", "req_type": "13", "req_number": "00016297-5"})
    assert response.status_code == 302, response.content.decode()[:2000]
    accountant.post("/documentos/acciones/", {"ids": [cheap.pk], "action": "internal:reviewed"})
    accountant.post(f"/documentos/{ccf.pk}/accion/", {"action": "retransmit"})
    assert Document.objects.get(pk=ccf.pk).status == GovStatus.PENDING
    _reject(ccf)
    rep.post(f"/documentos/{ccf.pk}/accion/", {"action": "correct"})
    assert Document.objects.get(pk=ccf.pk).status == GovStatus.CORRECTING
    assert rep.post(f"/documentos/{ccf.pk}/emitir/").status_code == 302
    rep.post("/salir/")

    fe, ccf, cheap = (str(Document.objects.get(pk=d.pk)) for d in (fe, ccf, cheap))
    assert fe.startswith("DTE-01-") and ccf.startswith("DTE-03-")  # issued rows name the numeroControl
    assert _trail_since(start) == sorted([
        ("(sin autenticar)", "login_fail", "vendedor"),
        ("vendedor", "login", "vendedor"), ("supervisor", "login", "supervisor"), ("contador", "login", "contador"),
        *[("vendedor", "create", name) for name in drafts],
        ("vendedor", "request", drafts[2]), ("supervisor", "approve", drafts[2]),
        ("vendedor", "issue", fe), ("vendedor", "issue", ccf), ("vendedor", "issue", cheap),
        ("contador", "invalidate", fe), ("contador", "status", cheap), ("contador", "retransmit", ccf),
        ("vendedor", "correct", ccf), ("vendedor", "issue", ccf),
        ("vendedor", "logout", "vendedor"),
    ])
    # Who acted is linked (a failed login has no actor), and the failed password is nowhere.
    for entry in AuditEntry.objects.filter(id__gt=start):
        assert (entry.actor is None) == (entry.action == "login_fail")
        assert "NoEsLaClave" not in f"{entry.summary} {entry.before} {entry.after} {entry.object_repr}"
    failed_row = AuditEntry.objects.get(id__gt=start, action="login_fail")
    assert "10.9.9.9" in failed_row.summary
    approval = AuditEntry.objects.get(id__gt=start, action="approve")
    assert approval.after["motivo"] == "Liquidación de inventario" and approval.after["caso"] == "below_cost"
    issued = AuditEntry.objects.filter(id__gt=start, action="issue", object_repr=cheap).get()
    assert issued.after["numero_control"] == cheap and len(issued.after["sha256_firmado"]) == 64


def test_a_failed_issue_leaves_no_audit_row(make_draft, issuer, signing_company):
    draft = make_draft("01")
    before = AuditEntry.objects.count()
    signing_company.certificate = b"not a certificate"  # signing fails after numbering: all rolls back
    signing_company.save()
    with pytest.raises(IssueError):
        document_issue(document=draft, acting_user=issuer)
    assert AuditEntry.objects.count() == before
    signing_company.certificate, signing_company.certificate_password = _certificate(), CERT_PASSWORD
    signing_company.save()
    document_issue(document=draft, acting_user=issuer)
    assert AuditEntry.objects.filter(action="issue").count() == 1


def test_a_discarded_draft_and_a_confirmed_case_are_audited(make_draft, issuer, users):
    import datetime

    from dte.services.cases import case_confirm, cases_refresh
    from dte.services.drafts import draft_delete

    draft = make_draft("01", issue_date=timezone.localdate() - datetime.timedelta(days=1))
    case = next(c for c in cases_refresh(document=draft, acting_user=issuer) if c.code == "other_date")
    assert not case.needs_approval
    case_confirm(case=case, acting_user=issuer)
    case_confirm(case=case, acting_user=issuer)  # already confirmed: changes nothing, records nothing
    pk = draft.pk
    draft_delete(document=draft, acting_user=issuer)
    assert not Document.objects.filter(pk=pk).exists()
    rows = list(AuditEntry.objects.filter(object_id=str(pk)).order_by("id").values_list("action", "actor_name"))
    assert rows == [("create", "vendedor"), ("confirm", "vendedor"), ("delete", "vendedor")]


def test_export_jobs_are_audited(users):
    """Taking data out in bulk is recorded: the ZIP of documents and a report built by a worker."""
    from dte.archive import archive_request
    from reports.base import parse_params
    from reports.definitions import BY_SLUG
    from reports.jobs import export_request

    accountant = users["Contador"]
    today = timezone.localdate()
    archive_request(acting_user=accountant, date_from=today.replace(day=1), date_to=today)
    report = next(iter(BY_SLUG.values()))
    params = parse_params(accountant, {})
    export_request(acting_user=accountant, report=report, params=params, fmt="csv")
    rows = list(AuditEntry.objects.filter(actor=accountant).order_by("id").values_list("action", "summary"))
    assert rows == [("create", f"Archivo ZIP solicitado: {today.replace(day=1):%d/%m/%Y} a {today:%d/%m/%Y}"),
                    ("create", "Exportación solicitada (csv)")]


def test_issuing_works_as_the_app_role_that_may_only_append_to_the_trail(make_draft, issuer, parties, users):
    """The whole path of a document, run with the privileges README's "Database roles" gives the
    application (SET ROLE inside the test's transaction: the role and its grants roll back)."""
    import uuid

    from django.core.management import call_command
    from django.db import DatabaseError, connection, transaction

    from dte.services.internal import internal_status_set

    if connection.vendor != "postgresql":
        pytest.skip("los roles son de PostgreSQL")
    role = f"fact_app_{uuid.uuid4().hex[:10]}"
    with connection.cursor() as cur:
        cur.execute(f"CREATE ROLE {role} NOLOGIN")
    call_command("grant_app_role", role)
    draft = make_draft("01", [line("Servicio", "1", "11.30")], client=parties["consumer"])
    with connection.cursor() as cur:
        cur.execute(f"SET ROLE {role}")
    try:
        doc = document_issue(document=draft, acting_user=issuer)
        _seal(doc)
        assert internal_status_set(documents=[doc], status="reviewed", acting_user=users["Contador"]) == 1
        with pytest.raises(DatabaseError, match="permission denied"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("DELETE FROM accounts_auditentry")
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET ROLE")
    assert set(AuditEntry.objects.filter(object_id=str(doc.pk)).values_list("action", flat=True)) == {
        "create", "issue", "status"}
