"""Numbers under concurrency, on PostgreSQL: 20 issuers, 1,000 documents, some of which fail
while being signed. The issued ones form an exact sequence: no gap, no repeat."""

import threading

import pytest
from django.db import connection

from dte.models import Document
from dte.services.issuing import IssueError, document_issue
from dte.signing import backends
from dte.tests.conftest import line

ISSUERS, DOCUMENTS, FAILING_EVERY = 20, 1000, 17


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issuers_leave_no_gap_and_no_repeat(make_draft, issuer, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("la concurrencia real se prueba en PostgreSQL (en CI siempre)")
    drafts = [make_draft("01", [line("FALLA" if i % FAILING_EVERY == 0 else f"Artículo {i}", "1", "1.13")]).pk
              for i in range(DOCUMENTS)]
    signer = backends.get_signer()
    real_sign = signer.sign_bytes

    def flaky_sign(payload, *, company):
        if b"FALLA" in payload:  # fails after the number was allocated: it must roll back
            raise backends.SigningError("firma no disponible")
        return real_sign(payload, company=company)

    monkeypatch.setattr(signer, "sign_bytes", flaky_sign)
    chunks = [drafts[i::ISSUERS] for i in range(ISSUERS)]
    failures, errors = [], []
    start = threading.Barrier(ISSUERS)

    def work(pks):
        from django.db import connection as conn

        try:
            start.wait()
            for pk in pks:
                try:
                    document_issue(document=Document(pk=pk), acting_user=issuer)
                except IssueError:
                    failures.append(pk)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    expected_failures = len(range(0, DOCUMENTS, FAILING_EVERY))
    assert len(failures) == expected_failures
    issued = list(Document.objects.exclude(status="draft").values_list("correlative", flat=True))
    assert len(issued) == DOCUMENTS - expected_failures
    assert sorted(issued) == list(range(1, len(issued) + 1))  # exact sequence from 1
    assert Document.objects.exclude(status="draft").values("codigo_generacion").distinct().count() == len(issued)
    assert Document.objects.filter(status="draft").count() == expected_failures  # failed ones stay drafts
