"""Issuing writes its history, outbox and audit rows in one statement (dte.transitions.insert_rows)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditAction, AuditEntry
from dte.models import GovStatus, Outbox, StatusChange
from dte.services.issuing import document_issue
from dte.tests.conftest import line


def test_issuing_inserts_history_outbox_and_audit_in_one_statement_each_row_with_its_own_id(
        make_draft, issuer, parties):
    document_issue(document=make_draft("01", client=parties["consumer"]), acting_user=issuer)  # prepares the reads
    draft = make_draft("01", [line("Silla", "2", "113.00")], client=parties["consumer"])
    with CaptureQueriesContext(connection) as ctx:
        doc = document_issue(document=draft, acting_user=issuer)
    inserts = [q["sql"] for q in ctx.captured_queries if "INSERT INTO" in q["sql"]]
    # The number counter, then one statement for the three rows of the change.
    assert len(inserts) == 2, inserts
    assert all(t in inserts[1] for t in ('"dte_statuschange"', '"dte_outbox"', '"accounts_auditentry"'))

    history = StatusChange.objects.get(document=doc)
    assert (history.from_status, history.to_status, history.by_id) == (GovStatus.DRAFT, GovStatus.PENDING, issuer.pk)
    outbox = Outbox.objects.get(document=doc)
    assert outbox.state == "pending"
    entry = AuditEntry.objects.filter(action=AuditAction.ISSUE, object_id=str(doc.pk)).get()
    assert entry.object_repr == "DTE-01-M001P001-000000000000002" == doc.numero_control
    # 2 x 113.00 with IVA included (Factura): 226.00 to pay.
    assert entry.after["total"] == "226.00" and entry.actor_id == issuer.pk


def test_insert_rows_gives_each_row_the_id_it_was_stored_with(make_draft, issuer):
    from dte.transitions import insert_rows

    doc = make_draft("01")
    rows = [StatusChange(document=doc, track="internal", from_status="a", to_status="b", reason="uno"),
            StatusChange(document=doc, track="internal", from_status="b", to_status="c", reason="dos"),
            AuditEntry(actor=issuer, actor_name="x", action=AuditAction.OTHER, object_id=str(doc.pk), summary="tres")]
    with CaptureQueriesContext(connection) as ctx:
        insert_rows(rows)
    assert len(ctx.captured_queries) == 1
    assert StatusChange.objects.get(pk=rows[0].pk).reason == "uno"
    assert StatusChange.objects.get(pk=rows[1].pk).reason == "dos"
    assert AuditEntry.objects.get(pk=rows[2].pk).summary == "tres"
    assert not rows[2]._state.adding and rows[2].at is not None
