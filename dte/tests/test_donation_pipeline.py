"""A Comprobante de Donación goes through the real pipeline (Celery worker, HTTP) to govsim, which
validates it against the schema folder it was given (MH's official ones in CI) and seals it, in
either generation."""

import datetime

import pytest
from django.utils import timezone

from dte.models import SchemaGeneration
from dte.services.issuing import document_issue
from dte.tests.test_donation import _draft
from dte.tests.test_pipeline import _wait
from tests.mh_helpers import ledger

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("generation", ["2023", "2026"])
def test_govsim_seals_a_donation(generation, wired, make_draft, issuer, parties):
    if generation == "2026":
        SchemaGeneration.objects.create(kind="15", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    doc = document_issue(document=_draft(make_draft, parties["consumer"]), acting_user=issuer)
    assert doc.generation == generation
    sealed = _wait(doc, "sealed")
    assert len(sealed.sello_recibido) == 40
    assert ledger(wired, doc.codigo_generacion)["accepted"] == 1
