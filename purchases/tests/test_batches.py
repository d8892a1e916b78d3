"""A large ZIP read by a real Celery worker in chunks: each document through the upload's intake,
duplicates and strangers counted and named, the verified ones registered in the chosen period."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from purchases import batches, services
from purchases.models import IntakeBatch, ReceivedDocument, ReceivedState
from purchases.tests.factory import as_file, ccf
from tests.mh_helpers import until


def _zip(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            zf.writestr(name, data)
    return out.getvalue()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_large_zip_is_read_by_the_worker_in_chunks(company, users, parties, celery_worker, monkeypatch, client_as):
    accountant = users["Contador"]
    earlier = ccf([("10.00", "0")], number=90, day="2026-11-02")
    services.receive_upload(files=[("antes.json", as_file(earlier))], acting_user=accountant)
    good = [ccf([(f"{100 + i}.00", "0")], number=i + 1, day="2026-11-10") for i in range(5)]
    stranger = ccf([("50.00", "0")], number=20, receptor=("06140101001012", "1111111"), day="2026-11-10")
    old = ccf([("70.00", "0")], number=21, day="2026-06-10")  # verified, outside November's window (Ley IVA art. 63)
    files = [(f"dte/{i}.json", as_file(d)) for i, d in enumerate(good)]
    files += [("dte/0.pdf", b"%PDF-1.4\n%%EOF\n"), ("dte/ajeno.json", as_file(stranger)), ("dte/junio.json", as_file(old)),
              ("dte/repetido.json", as_file(earlier)), ("dte/roto.json", b"{no")]
    monkeypatch.setattr(batches, "CHUNK", 3)
    monkeypatch.setattr("purchases.reading.MAX_FILES", 5)  # this ZIP is "large" for an upload
    browser = client_as(accountant)
    upload = SimpleUploadedFile("lote.zip", _zip(files), content_type="application/zip")
    response = browser.post("/compras/cargar/", {"files": [upload], "periodo": "2026-11"})
    assert response.status_code == 302
    batch = IntakeBatch.objects.get()
    assert (batch.total, batch.pending_chunks, batch.chunks.count()) == (9, 3, 3)
    assert batch.period == datetime.date(2026, 11, 1)

    done = until(lambda: IntakeBatch.objects.filter(pk=batch.pk, state__in=["done", "failed"]).first(), "lote leído",
                 timeout=120)
    assert (done.state, done.received, done.questioned, done.refused) == ("done", 6, 1, 2)
    assert done.registered == 5 and done.peak_kb > 0
    assert sorted(r.split("»")[0] for r in done.refusals) == ["«repetido.json", "«roto.json"]
    in_batch = ReceivedDocument.objects.filter(batch=batch)
    assert in_batch.filter(state=ReceivedState.REGISTERED, tax_period=datetime.date(2026, 11, 1)).count() == 5
    assert in_batch.get(numero_control__endswith="21").state == ReceivedState.VERIFIED  # June: not in November
    assert in_batch.get(numero_control__endswith="20").state == ReceivedState.QUESTIONED
    assert in_batch.get(numero_control__endswith="01").pdf  # paired by name inside the ZIP
    page = browser.get("/compras/").content.decode()
    assert "lote.zip" in page and "9 JSON: 6 verificados, 1 observados, 2 rechazados" in page


@pytest.mark.django_db
def test_the_inbox_shows_a_batch_moving_with_a_polled_progress_bar(company, users, parties, client_as, monkeypatch):
    """Six documents in chunks of 3: queued 0 %, the bar polls its own URL; one chunk read 50 %;
    both read 100 %, the polling stops and the page reloads once. Another role sees no batch."""
    monkeypatch.setattr(batches, "CHUNK", 3)
    files = [(f"{i}.json", as_file(ccf([(f"{10 + i}.00", "0")], number=i + 1))) for i in range(6)]
    batch = batches.batch_create(file=io.BytesIO(_zip(files)), name="seis.zip", acting_user=users["Contador"])
    browser = client_as(users["Contador"])
    page = browser.get("/compras/").content.decode()
    assert f'hx-get="/compras/lotes/{batch.pk}/avance/"' in page and 'data-percent="0"' in page
    first, second = batch.chunks.order_by("start")
    batches.chunk_process(first.pk)  # what a worker does
    half = browser.get(f"/compras/lotes/{batch.pk}/avance/", headers={"HX-Request": "true"})
    html = half.content.decode()
    assert 'data-percent="50"' in html and 'aria-valuenow="50"' in html and "hx-get" in html
    assert "HX-Refresh" not in half
    batches.chunk_process(second.pk)
    over = browser.get(f"/compras/lotes/{batch.pk}/avance/", headers={"HX-Request": "true"})
    assert 'data-percent="100"' in over.content.decode() and "hx-get" not in over.content.decode()
    assert over["HX-Refresh"] == "true"
    seller = client_as(users["Vendedor"])
    assert seller.get(f"/compras/lotes/{batch.pk}/avance/").status_code in (403, 404)
