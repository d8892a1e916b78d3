"""Exports too large for a request: queued, built by a worker into a temporary file with its
progress saved, then stored; the requester downloads it from the job's page."""

import tempfile
import uuid

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditAction
from core.queue import enqueue_on_commit
from core.statemachine import TransitionRefused
from reports import exports
from reports.base import parse_params
from reports.definitions import BY_SLUG
from reports.models import EXPORT_JOB_MACHINE, ExportJob

INLINE_MAX_ROWS = 5000  # up to this many rows an xlsx or PDF is built inside the request


def export_request(*, acting_user, report, params, fmt):
    with transaction.atomic():
        job = ExportJob.objects.create(public_id=uuid.uuid4(), requested_by=acting_user, report=report.slug,
                                       title=str(report.title)[:200], params=params.raw, fmt=fmt)
        audit_record(actor=acting_user, action=AuditAction.CREATE, obj=job, object_repr=job.title,
                     summary=f"Exportación solicitada ({fmt})", after={"reporte": report.slug, "parametros": params.raw})
        from reports.tasks import export_task  # noqa: PLC0415 - cycle: reports.tasks imports this module (a task wraps it)

        enqueue_on_commit(export_task, job.pk)
    return job


def build_file(report, params, fmt, out, progress=None):
    """Write the export into the binary file object ``out``."""
    if fmt == "xlsx":
        exports.write_xlsx(report, params, out, progress)
    elif fmt == "pdf":
        out.write(exports.pdf_bytes(report, params, progress))
    else:
        for chunk in exports.csv_stream(report, params):
            out.write(chunk.encode("utf-8"))


def build(job_id):
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    try:  # claimed first: a duplicate message finds the job taken
        EXPORT_JOB_MACHINE.move(job, ExportJob.State.RUNNING)
    except TransitionRefused:
        return False
    report = BY_SLUG[job.report]()
    params = parse_params(job.requested_by, job.params, monthly=report.monthly)
    try:
        ExportJob.objects.filter(pk=job.pk).update(total=report.count(params))

        def progress(n):
            ExportJob.objects.filter(pk=job.pk).update(done=n)

        with tempfile.TemporaryFile() as tmp:
            build_file(report, params, job.fmt, tmp, progress)
            size = tmp.tell()
            tmp.seek(0)
            job.file.save(exports.filename(report, params, job.fmt), File(tmp), save=False)
        EXPORT_JOB_MACHINE.move(job, ExportJob.State.DONE, file=job.file.name, size=size, finished_at=timezone.now())
    except Exception as exc:  # noqa: BLE001 - shown on the job's page
        EXPORT_JOB_MACHINE.move(job, ExportJob.State.FAILED, error=str(exc)[:300], finished_at=timezone.now())
        if not isinstance(exc, ValueError):
            raise
    return True
