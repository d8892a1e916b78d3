"""Documents issued for MH's authorisation test set (Document.is_authorisation_test) are
test-environment documents, not sales: the books, the F-07 annexes, every report, the dashboard's
figures and the receivables leave them out. Each page is read before and after two such documents
join the fixed month (conftest.py) and must not change; unflagged, the same two would change it."""

import datetime

import pytest

from reports.base import documents_in_scope
from reports.tests.conftest import MONTH, line, month_query, range_query

pytestmark = pytest.mark.django_db

PAGES = [f"/reportes/libro-contribuyentes/?{month_query()}", f"/reportes/libro-consumidor-final/?{month_query()}",
         f"/reportes/ventas-cliente/?{range_query()}", f"/reportes/estado/?{range_query()}",
         f"/reportes/antiguedad/?{range_query()}"]
ANNEXES = [f"/reportes/anexos-f07/contribuyentes.csv?{month_query()}",
           f"/reportes/anexos-f07/consumidor.csv?{month_query()}"]


def _read(accountant):
    out = []
    for url in PAGES:
        response = accountant.get(url)
        assert response.status_code == 200, url
        out.append(response.content.decode().split('id="report-table"', 1)[1])
    for url in ANNEXES:
        out.append(b"".join(accountant.get(url).streaming_content).decode())
    out.append(accountant.get("/cobros/").content.decode().split("<main", 1)[1])
    return out


@pytest.fixture
def test_set(book, make_draft, issuer, parties, users):
    """A credit CCF and a Factura, sealed in October, as MH's test set issues them."""
    from dte.models import Document, GovStatus
    from dte.services.cases import case_confirm, cases_refresh
    from dte.services.issuing import document_issue

    made = []
    for tipo, client, price in (("03", parties["taxpayer"], "400.00"), ("01", parties["consumer"], "56.50")):
        draft = make_draft(tipo, [line("Prueba MH", "1", price)], client=client, condition=2, payment_term_days=30)
        Document.objects.filter(pk=draft.pk).update(is_authorisation_test=True)  # as onboarding.runner marks it
        for case in cases_refresh(document=draft, acting_user=users["Administrador"]):
            case_confirm(case=case, acting_user=users["Administrador"])
        doc = document_issue(document=draft, acting_user=issuer)
        Document.objects.filter(pk=doc.pk).update(status=GovStatus.SEALED, sello_recibido=f"2026PRUEBA{doc.pk:030d}",
                                                  issue_date=MONTH.replace(day=4))
        made.append(Document.objects.get(pk=doc.pk))
    return made


@pytest.fixture
def accountant(users, client_as):
    return client_as(users["Contador"])


def test_books_annexes_reports_and_receivables_leave_the_test_set_out(book, accountant, users, make_draft, issuer,
                                                                       parties, request):
    from dte.models import Document

    before = _read(accountant)
    docs = request.getfixturevalue("test_set")
    assert all(d.is_authorisation_test and d.issue_date == datetime.date(2026, 10, 4) for d in docs)
    assert _read(accountant) == before
    ids = {d.pk for d in docs}
    assert not ids & set(documents_in_scope(users["Contador"]).values_list("pk", flat=True))
    # The control: the same two as ordinary sales would show in the books, the annexes and receivables.
    Document.objects.filter(pk__in=ids).update(is_authorisation_test=False)
    after = _read(accountant)
    changed = [url for url, a, b in zip(PAGES + ANNEXES + ["/cobros/"], before, after, strict=True) if a != b]
    assert changed == PAGES + ANNEXES + ["/cobros/"]
    assert docs[0].numero_control.replace("-", "") in after[len(PAGES)]  # annex 1 lists the CCF then
