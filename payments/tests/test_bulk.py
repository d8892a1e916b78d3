"""Uploading payments received from a spreadsheet: the figures computed by hand, errors named by
row and column with nothing saved, the same file twice recording nothing twice, and who may."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from bulk import engine
from bulk.models import ImportJob
from bulk.reading import read_upload
from bulk.registry import get_spec
from core.models import AuditEntry
from payments import selectors
from payments.models import Application, Payment
from payments.tests.test_payments import _ccf_on_credit, _no_limits  # noqa: F401 - the same world

pytestmark = pytest.mark.django_db
D = Decimal
SPEC = get_spec("pagos")
HEADER = [c.header for c in SPEC.columns]
TAXPAYER = "0614-280390-112-1"  # stored as 06142803901121: the file may keep the dashes
LARGE = "06140101001012"


@pytest.fixture
def eager():
    from billing.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _row(document=None, **over):
    row = {"cliente": TAXPAYER, "fecha": timezone.localdate(), "monto": 200, "forma_pago": "05",
           "referencia": "Depósito 881", "documento": document, "monto_aplicado": None, "notas": None}
    row.update(over)
    return row


def _xlsx(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([row[h] for h in HEADER])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # typed as '=1+1 in Excel: text, not a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _run(rows, user, apply=False):
    table = read_upload(_xlsx(rows), "pagos.xlsx", max_rows=SPEC.max_rows)
    return engine.run(SPEC, table, apply_changes=apply, user=user)


def _upload(web, data):
    return web.post("/cargas/pagos/", {"file": SimpleUploadedFile("pagos.xlsx", data)})


def _outstanding(doc):
    return selectors.status_of(selectors.credit_documents().get(pk=doc.pk)).outstanding


def _good_file(a, b):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return _xlsx([
        _row(a.numero_control),  # 200.00 received: a owes 113.00, all of it
        _row(b.codigo_generacion.lower()),  # the 87.00 left of the 200.00 go to b
        _row(b.numero_control, fecha=yesterday, monto=50, forma_pago="04", referencia="Cheque 1203", monto_aplicado=30,
             notas="Abono"),
        _row(fecha=yesterday, monto=50, forma_pago="04", referencia="Cheque 1203"),  # the other 20.00: unapplied
        _row(cliente=LARGE, monto=25, forma_pago="01", referencia="=1+1"),  # an unapplied payment
    ])


def test_a_good_file_records_the_payments_after_the_dry_run(eager, make_draft, issuer, parties, users, client_as,
                                                             django_capture_on_commit_callbacks):
    taxpayer, large = parties["taxpayer"], parties["large"]
    a = _ccf_on_credit(make_draft, issuer, taxpayer, "100.00")  # 113.00
    b = _ccf_on_credit(make_draft, issuer, taxpayer, "200.00", days_ago=45)  # 226.00, 15 days late
    assert selectors.client_position(taxpayer.pk) == (D("339.00"), 1)
    web = client_as(users["Contador"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(web, _good_file(a, b))
    job = ImportJob.objects.get()
    assert job.status == "validated" and (job.rows, job.new, job.unchanged, job.wrong) == (5, 5, 0, 0)
    assert not Payment.objects.exists()  # the dry run saves nothing
    assert "confirm-button" in web.get(response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        web.post(f"/cargas/pagos/{job.public_id}/aplicar/")
    job.refresh_from_db()
    assert job.status == "applied", job.message
    deposit, cheque = Payment.objects.filter(client=taxpayer).order_by("-amount")
    assert (deposit.amount, deposit.method, deposit.reference) == (D("200.00"), "05", "Depósito 881")
    assert dict(deposit.applications.values_list("document_id", "amount")) == {a.pk: D("113.00"), b.pk: D("87.00")}
    assert (cheque.amount, cheque.date, cheque.notes) == (D("50.00"), timezone.localdate() - datetime.timedelta(days=1),
                                                          "Abono")
    assert dict(cheque.applications.values_list("document_id", "amount")) == {b.pk: D("30.00")}
    assert (_outstanding(a), _outstanding(b)) == (D("0.00"), D("109.00"))  # 226.00 − 87.00 − 30.00
    # 339.00 − 250.00 received = 89.00: b's 109.00 less the cheque's 20.00 not applied.
    assert selectors.client_position(taxpayer.pk) == (D("89.00"), 1)
    assert Payment.objects.get(client=large).reference == "=1+1"  # stored as the text it is
    assert selectors.client_position(large.pk) == (D("-25.00"), 0)
    audited = AuditEntry.objects.filter(summary__startswith="Pago de $ ")
    assert audited.count() == 3 and {e.actor for e in audited} == {users["Contador"]}

    # The same file again: every row is a payment already recorded, nothing is recorded twice.
    with django_capture_on_commit_callbacks(execute=True):
        _upload(web, _good_file(a, b))
    again = ImportJob.objects.order_by("-created_at").first()
    assert again.status == "validated" and (again.new, again.unchanged, again.wrong) == (0, 5, 0)
    with django_capture_on_commit_callbacks(execute=True):
        web.post(f"/cargas/pagos/{again.public_id}/aplicar/")
    again.refresh_from_db()
    assert again.status == "applied" and Payment.objects.count() == 3 and Application.objects.count() == 3
    assert selectors.client_position(taxpayer.pk) == (D("89.00"), 1)


def test_a_recorded_payment_is_not_changed_by_an_upload(make_draft, issuer, parties, users):
    a = _ccf_on_credit(make_draft, issuer, parties["taxpayer"], "100.00")  # 113.00
    accountant = users["Contador"]
    assert _run([_row(a.numero_control, monto=100)], accountant, apply=True).errors == []
    result = _run([_row(a.numero_control, monto=113)], accountant, apply=True)  # same client, date and reference
    assert [(r, col) for r, col, _m in result.errors] == [(2, "referencia")]
    assert "ya hay un pago registrado" in result.errors[0][2]
    assert list(Payment.objects.values_list("amount", flat=True)) == [D("100.00")]
    # Voided, it no longer counts: the corrected payment can be uploaded.
    from payments.services import payment_void

    payment_void(payment=Payment.objects.get(), acting_user=accountant, reason="Monto equivocado")
    assert _run([_row(a.numero_control, monto=113)], accountant, apply=True).errors == []
    assert _outstanding(a) == D("0.00")


def test_errors_name_row_and_column_and_nothing_is_saved(make_draft, issuer, parties, users):
    a = _ccf_on_credit(make_draft, issuer, parties["taxpayer"], "100.00")  # 113.00
    other = _ccf_on_credit(make_draft, issuer, parties["large"], "100.00")  # of another client
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    rows = [
        _row(a.numero_control, monto=50, referencia="R1", monto_aplicado=50),  # 2: fine, a owes 63.00 after it
        _row(a.numero_control, fecha="31/02/2025", referencia="R2"),  # 3
        _row(a.numero_control, cliente="0614-999999-999-9", referencia="R3"),  # 4
        _row(a.numero_control, monto=100, referencia="R4", monto_aplicado=70),  # 5: 70.00 > 63.00 still owed
        _row("DTE-03-M001P001-999999999999999", referencia="R5"),  # 6
        _row(other.numero_control, referencia="R6"),  # 7
        _row(a.numero_control, monto=10, referencia="R7", monto_aplicado=20),  # 8: more than the payment
        _row(a.numero_control, fecha=tomorrow, referencia="R8"),  # 9
        _row(a.numero_control, forma_pago="07", referencia="R9"),  # 10: not in CAT-017
        _row(monto=60, referencia="R1"),  # 11: the payment of row 2 says 50.00
        _row(a.numero_control, monto=50, referencia="R1"),  # 12: row 2 again
        _row(a.numero_control, referencia=""),  # 13
    ]
    result = _run(rows, users["Contador"], apply=True)
    found = {(r, col): message for r, col, message in result.errors}
    assert list(found) == [(3, "fecha"), (4, "cliente"), (5, "monto_aplicado"), (6, "documento"), (7, "documento"),
                           (8, "monto_aplicado"), (9, "fecha"), (10, "forma_pago"), (11, "monto"), (12, "documento"),
                           (13, "referencia")]
    assert "no es una fecha" in found[3, "fecha"]
    assert "no hay un cliente con el documento 0614-999999-999-9" in found[4, "cliente"]
    assert "solo debe $ 63.00 (después de lo aplicado en filas anteriores)" in found[5, "monto_aplicado"]
    assert "no hay un documento DTE-03-M001P001-999999999999999" in found[6, "documento"]
    assert "es de otro cliente (Gran Almacén, S.A.)" in found[7, "documento"]
    assert "de $ 10.00 quedan $ 10.00" in found[8, "monto_aplicado"]
    assert "futura" in found[9, "fecha"] and "CAT-017" in found[10, "forma_pago"]
    assert "monto $ 50.00" in found[11, "monto"] and "repetido" in found[12, "documento"]
    assert "obligatorio" in found[13, "referencia"]
    assert not Payment.objects.exists() and _outstanding(a) == D("113.00")


def test_rows_of_one_file_never_take_more_than_a_document_owes(make_draft, issuer, parties, users):
    a = _ccf_on_credit(make_draft, issuer, parties["taxpayer"], "100.00")  # 113.00
    rows = [_row(a.numero_control, monto=100, referencia="R1"),  # takes 100.00
            _row(a.numero_control, monto=100, referencia="R2"),  # takes the 13.00 left
            _row(a.numero_control, monto=100, referencia="R3")]  # nothing left
    result = _run(rows, users["Contador"], apply=True)
    assert [(r, col) for r, col, _m in result.errors] == [(4, "documento")]
    assert "ya está pagado (después de lo aplicado en filas anteriores)" in result.errors[0][2]
    assert not Payment.objects.exists()
    assert _run(rows[:2], users["Contador"], apply=True).errors == []
    assert sorted(Application.objects.values_list("amount", flat=True)) == [D("13.00"), D("100.00")]
    assert _outstanding(a) == D("0.00")


def test_a_document_the_user_may_not_see_is_unknown(make_draft, issuer, parties, users):
    from accounts.models import Role, User

    a = _ccf_on_credit(make_draft, issuer, parties["taxpayer"], "100.00")
    Role.objects.filter(name="Contador").update(company_wide=False)  # and no establishment assigned
    result = _run([_row(a.numero_control)], User.objects.get(pk=users["Contador"].pk))
    assert [(r, col) for r, col, _m in result.errors] == [(2, "documento")]
    assert "que usted pueda ver" in result.errors[0][2]


def test_only_who_may_record_payments_may_upload_them(users, client_as):
    # Vendedor and Supervisor create documents but do not record payments (documentos:edit).
    for name in ("Vendedor", "Supervisor", "Auditor", "outsider"):
        web = client_as(users[name])
        assert web.get("/cargas/pagos/").status_code == 403, name
        assert web.get("/cargas/pagos/plantilla.xlsx").status_code == 403, name
        assert web.post("/cargas/pagos/", {"file": SimpleUploadedFile("p.xlsx", b"x")}).status_code == 403, name
    assert not ImportJob.objects.exists()
    assert 'id="upload-payments"' not in client_as(users["Supervisor"]).get("/cobros/").content.decode()
    web = client_as(users["Contador"])
    assert 'href="/cargas/pagos/" id="upload-payments"' in web.get("/cobros/").content.decode()
    page = web.get("/cargas/pagos/").content.decode()
    assert "upload-rules" in page and "mismo cliente, fecha y referencia" in page
    book = load_workbook(io.BytesIO(web.get("/cargas/pagos/plantilla.xlsx").content))
    assert [c.value for c in book.worksheets[0][1]] == HEADER
    assert any("mismo cliente, fecha y referencia" in (r[1] or "") for r in book["Instrucciones"].iter_rows(values_only=True))
