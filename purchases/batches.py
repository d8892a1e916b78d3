"""Large ZIPs of received documents, read by workers: the ZIP is stored, its JSON members are split
into chunks of CHUNK entries, each chunk is one task (so several workers share a batch), and each
document goes through the upload's own intake (purchases.services._receive_one: parse, schema,
signature form, sello, arithmetic, receptor, duplicates, provider). The last chunk to finish closes
the batch and, if a period was chosen, registers its verified documents in it. A chunk is claimed by
a conditional UPDATE, so a duplicate message does nothing; the sweeper re-queues chunks whose
message was lost."""

import datetime
import logging

from django.core.files.base import File
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import company_get
from core.audit import audit_record
from core.queue import enqueue, enqueue_on_commit
from purchases import reading, services
from purchases.models import BATCH_MACHINE, RECEIVED_MACHINE, IntakeBatch, IntakeChunk, ReceivedState, Source

log = logging.getLogger(__name__)
CHUNK = 500
MAX_REFUSALS = 200  # messages kept on the batch (the counts are complete)


def peak_kb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def batch_create(*, file, name, acting_user, period=None, company=None):
    """Store the ZIP ``file`` (a Django File or file object), check it, split it into chunks and
    queue them after commit. Raises reading.UploadRejected when the ZIP is refused as a whole."""
    company = company or company_get()
    handle = file.file if hasattr(file, "file") else file
    zf, jsons, _pdfs = reading.open_batch_zip(handle, name)
    zf.close()
    handle.seek(0)
    with transaction.atomic():
        batch = IntakeBatch(company=company, file_name=name[:255], period=period.replace(day=1) if period else None,
                            total=len(jsons), created_by=acting_user)
        batch.file.save(f"{timezone.now():%Y%m%d%H%M%S}.zip", File(handle), save=False)
        batch.pending_chunks = (len(jsons) + CHUNK - 1) // CHUNK
        batch.save()
        chunks = IntakeChunk.objects.bulk_create([IntakeChunk(batch=batch, start=i, end=min(i + CHUNK, len(jsons)))
                                                  for i in range(0, len(jsons), CHUNK)])
        audit_record(actor=acting_user, action="create", obj=batch,
                     summary=_("Lote de documentos recibidos «%(f)s»: %(n)d JSON") % {"f": name, "n": len(jsons)})
        if not chunks:
            _finish(batch.pk)
        for chunk in chunks:
            enqueue_on_commit(_chunk_task(), chunk.pk)
    return batch


def _chunk_task():
    from purchases.tasks import intake_chunk_task  # noqa: PLC0415 - tasks imports this module

    return intake_chunk_task


def chunk_process(chunk_id):
    """Receive the chunk's documents. Returns the counts, or None when another worker has it."""
    now = timezone.now()
    if not IntakeChunk.objects.filter(pk=chunk_id, state="queued").update(state="running", claimed_at=now):
        return None
    chunk = IntakeChunk.objects.select_related("batch__company", "batch__created_by").get(pk=chunk_id)
    batch = chunk.batch
    IntakeBatch.objects.filter(pk=batch.pk, state=IntakeBatch.State.QUEUED).update(state=IntakeBatch.State.RUNNING)
    counts = {"received": 0, "questioned": 0, "refused": 0}
    refusals = []
    try:
        with batch.file.open("rb") as handle:
            zf, jsons, pdf_infos = reading.open_batch_zip(handle, batch.file_name)
            items, pdfs, results = [], {}, []
            for member in jsons[chunk.start:chunk.end]:
                base = reading._member_name(member)
                try:
                    items.append(reading.Incoming(base, reading.read_member(zf, member, reading.MAX_JSON_BYTES,
                                                                            batch.file_name)))
                    stem = base.rsplit(".", 1)[0].lower()
                    if stem in pdf_infos:
                        pdfs[stem] = reading.Incoming(stem + ".pdf", reading.read_member(
                            zf, pdf_infos[stem], reading.MAX_PDF_BYTES, batch.file_name))
                except reading.UploadRejected as exc:
                    results.append(services.FileResult(base, refused=str(exc)))
        results += services.receive_many(items, pdfs, batch.company, batch.created_by, source=Source.BATCH, batch=batch)
        for result in results:
            if result.refused:
                counts["refused"] += 1
                refusals.append(result.refused)
            elif result.problems:
                counts["questioned"] += 1
            else:
                counts["received"] += 1
    except reading.UploadRejected as exc:
        BATCH_MACHINE.move(batch, IntakeBatch.State.FAILED, reason=str(exc)[:500], error=str(exc)[:500],
                           finished_at=timezone.now())
        return counts
    with transaction.atomic():
        IntakeChunk.objects.filter(pk=chunk.pk).update(state="done")
        IntakeBatch.objects.filter(pk=batch.pk).update(
            received=F("received") + counts["received"], questioned=F("questioned") + counts["questioned"],
            refused=F("refused") + counts["refused"], pending_chunks=F("pending_chunks") - 1,
            peak_kb=Greatest("peak_kb", peak_kb()))
        if refusals:
            locked = IntakeBatch.objects.select_for_update().only("refusals").get(pk=batch.pk)
            room = MAX_REFUSALS - len(locked.refusals)
            if room > 0:
                IntakeBatch.objects.filter(pk=batch.pk).update(refusals=locked.refusals + refusals[:room])
        last = IntakeBatch.objects.filter(pk=batch.pk, pending_chunks=0).exists()
    if last:
        _finish(batch.pk)
    return counts


def _finish(batch_id):
    """Register the batch's verified documents in its period (one state change each, one audit
    row for the batch) and close it."""
    batch = IntakeBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.state in (IntakeBatch.State.DONE, IntakeBatch.State.FAILED):
        return
    registered = 0
    with transaction.atomic():
        if batch.period:
            earliest = _months_before(batch.period, services.LATE_PERIODS)
            latest = (batch.period + datetime.timedelta(days=32)).replace(day=1)
            moved = RECEIVED_MACHINE.move_many(
                batch.documents.filter(state=ReceivedState.VERIFIED, issue_date__gte=earliest, issue_date__lt=latest),
                ReceivedState.REGISTERED, by=batch.created_by, tax_period=batch.period,
                reason=_("Registrado en el periodo %(p)s (lote)") % {"p": batch.period.strftime("%m/%Y")})
            registered = len(moved)
            audit_record(actor=batch.created_by, action="update", obj=batch,
                         summary=_("%(n)d documento(s) del lote registrados en el Libro de Compras de %(p)s")
                         % {"n": registered, "p": batch.period.strftime("%m/%Y")})
        if batch.state == IntakeBatch.State.QUEUED:
            BATCH_MACHINE.move(batch, IntakeBatch.State.RUNNING, by=batch.created_by, reason="")
        BATCH_MACHINE.move(batch, IntakeBatch.State.DONE, by=batch.created_by, reason=_("Lote leído"),
                           registered=registered, finished_at=timezone.now())


def _months_before(period, months):
    year, month = divmod(period.year * 12 + period.month - 1 - months, 12)
    return datetime.date(year, month + 1, 1)


def sweep(*, stuck_after_seconds=600, now=None):
    """Chunks still queued (message lost) are queued again; running ones whose worker died (claimed
    longer ago than the task's limit) are put back in the queue (their documents already received
    are refused as duplicates, counted as refused)."""
    now = now or timezone.now()
    lost = list(IntakeChunk.objects.filter(state="queued", batch__created_at__lt=now - datetime.timedelta(
        seconds=stuck_after_seconds)).values_list("pk", flat=True)[:100])
    dead = IntakeChunk.objects.filter(state="running", claimed_at__lt=now - datetime.timedelta(seconds=1800))
    lost += list(dead.values_list("pk", flat=True)[:100])
    IntakeChunk.objects.filter(pk__in=lost, state="running").update(state="queued")
    task = _chunk_task()
    for pk in lost:
        enqueue(task, pk)
    return len(lost)
