"""The Comprobante de Liquidación (08) and the Documento Contable de Liquidación (09) in both
generations, end to end: issued here, sent by the real Celery worker over HTTP to govsim, which
validates each against MH's official schema of its version and recomputes its amounts, and sealed;
then printed (the PDF's text shows the title and the amounts computed by hand)."""

import datetime
import shutil
import subprocess
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import require
from dte.models import Document, GovStatus, SchemaGeneration
from dte.printing import render_pdf
from dte.services.issuing import document_issue
from dte.tests.test_liquidations import UUID_A, UUID_B, liquidated, settlement
from tests.mh_helpers import ledger

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _wait_sealed(doc, timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = Document.objects.get(pk=doc.pk)
        if current.status in (GovStatus.SEALED, GovStatus.REJECTED):
            return current
        time.sleep(0.2)
    raise AssertionError(f"{doc} sigue en {Document.objects.get(pk=doc.pk).status}")


def _text(pdf, tmp_path):
    require(shutil.which("pdftotext") is not None, "pdftotext (poppler-utils)")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


@pytest.mark.parametrize("generation", ["2023", "2026"])
def test_both_liquidations_are_sealed_by_govsim_and_printed(generation, wired, make_draft, issuer, parties, tmp_path):
    if generation == "2026":
        SchemaGeneration.objects.create(kind="*", generation="2026",
                                        effective_from=timezone.now() - datetime.timedelta(hours=1))
    cl = document_issue(document=make_draft("08", [liquidated(UUID_A, gravada="1000.00", note="CCF de mayo"),
                                                   liquidated(UUID_B, tipo="11", export="300.00")],
                                            client=parties["taxpayer"]), acting_user=issuer)
    dcl = document_issue(document=make_draft("09", [], client=parties["taxpayer"], extra=settlement()),
                         acting_user=issuer)
    for doc in (cl, dcl):
        sealed = _wait_sealed(doc)
        assert sealed.status == GovStatus.SEALED, (sealed.mh_code, sealed.mh_message, sealed.mh_observations)
        assert len(sealed.sello_recibido) == 40 and sealed.generation == generation
        assert ledger(wired, doc.codigo_generacion)["accepted"] == 1

    text = _text(render_pdf(Document.objects.get(pk=cl.pk)), tmp_path)
    assert "COMPROBANTE DE LIQUIDACIÓN" in text and Document.objects.get(pk=cl.pk).sello_recibido in text
    # 1000 gravada → IVA 130.00; + 300 exportación: operation 1,430.00
    for figure in ("$ 1,000.00", "$ 300.00", "$ 130.00", "$ 1,430.00", UUID_A):
        assert figure in text, figure
    text = _text(render_pdf(Document.objects.get(pk=dcl.pk)), tmp_path)
    assert "DOCUMENTO CONTABLE DE LIQUIDACIÓN" in text
    # 1130 of card sales: net 1000.00, 2 % perceived 20.00, commission 50.00 + IVA 6.50, líquido 1053.50
    for figure in ("$ 1,130.00", "$ 1,000.00", "$ 20.00", "$ 50.00", "$ 6.50", "$ 1,053.50", "LQ-2026-11-A",
                   "Marta Ayala"):
        assert figure in text, figure
    assert Decimal(str(Document.objects.get(pk=dcl.pk).total_to_pay)) == Decimal("1053.50")
