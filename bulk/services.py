"""Uploads: a dry run in Celery, then all-or-nothing application on confirmation."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from bulk import engine
from bulk.models import IMPORT_JOB_MACHINE, ImportJob, ImportStatus
from bulk.reading import FileRejected, read_upload
from bulk.registry import get_spec
from core.audit import audit_record
from core.models import AuditAction
from core.queue import enqueue, enqueue_on_commit
from core.statemachine import TransitionRefused

log = logging.getLogger(__name__)
MAX_SHOWN_ERRORS = 200


def progress_key(job_id):
    return f"bulk-progress:{job_id}"


def _progress(job_id):
    def report(stage, done, total):
        cache.set(progress_key(job_id), {"stage": stage, "done": done, "total": total}, 3600)

    return report


def import_create(*, catalogue, upload, acting_user):
    """Store the file and queue its dry run. Size and type are checked before anything else."""
    get_spec(catalogue)
    if upload.size > settings.MAX_IMPORT_UPLOAD_BYTES:
        raise FileRejected(_("El archivo pesa %(mb).1f MB; el máximo es %(max)d MB.")
                           % {"mb": upload.size / 1e6, "max": settings.MAX_IMPORT_UPLOAD_BYTES // 1_000_000})
    name = upload.name.rsplit("/", 1)[-1][:200]
    if not name.lower().endswith((".xlsx", ".csv")):
        raise FileRejected(_("Solo se aceptan archivos .xlsx o .csv."))
    from bulk.tasks import import_dry_run  # noqa: PLC0415 - cycle: bulk.tasks calls this module

    with transaction.atomic():
        job = ImportJob(catalogue=catalogue, file_name=name, file_size=upload.size, uploaded_by=acting_user)
        job.file.save(name, upload, save=False)
        job.save()
        enqueue_on_commit(import_dry_run, job.pk)
    return job


def _load(job):
    spec = get_spec(job.catalogue)
    with job.file.open("rb") as fh:
        data = fh.read()
    # Columns are read up to the template's width, plus a few blank ones a user may leave between.
    return spec, read_upload(data, job.file_name, max_rows=spec.max_rows, max_cols=len(spec.columns) + 4)


def _report_extension(table):
    return "csv" if table.source == "csv" else "xlsx"


def report_file_name(job):
    """The error report's download name, in the format of the uploaded file."""
    extension = "csv" if job.error_report.name.lower().endswith(".csv") else "xlsx"
    return f"errores-{job.file_name.rsplit('.', 1)[0]}.{extension}"


def _claim(job_id, statuses, status):
    """Mark a delivery of the job's task as started, outside any transaction so that the count
    survives the worker: ``statuses`` are the ones this task may take the job from. A delivery
    of a job already running is a redelivery after its worker was lost (acks_late) or a duplicate:
    it waits for the job's row lock, which a live worker holds for its whole run."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status not in statuses:
        return False
    try:
        IMPORT_JOB_MACHINE.move(job, status, started_at=timezone.now(), attempts=F("attempts") + 1)
    except TransitionRefused:  # settled by the run it waited for
        return False
    return True


def _settle(job, status, **fields):
    """Move the locked job to ``status``, saving ``fields`` with it."""
    IMPORT_JOB_MACHINE.move(job, status, **fields)
    return job


def _locked(job_id, status):
    """The job, locked until the caller's transaction ends, if it is still ``status``."""
    job = ImportJob.objects.select_for_update(of=("self",)).select_related("uploaded_by", "applied_by").get(pk=job_id)
    return job if job.status == status else None


def _too_many_attempts(job):
    if job.attempts <= settings.BULK_MAX_ATTEMPTS:
        return False
    _settle(job, ImportStatus.FAILED, message=_(
        "El archivo detuvo %(n)d veces el proceso que lo revisaba o aplicaba: no se procesa de nuevo. "
        "Nada se cambió. Revise el archivo (o pida ayuda) y súbalo otra vez.") % {"n": job.attempts - 1})
    log.error("carga %s: %d intentos, se marca fallida", job.pk, job.attempts)
    return True


def import_dry_run(*, job_id):
    if not _claim(job_id, [ImportStatus.QUEUED, ImportStatus.VALIDATING], ImportStatus.VALIDATING):
        return ImportJob.objects.get(pk=job_id)  # finished, rejected or being applied: nothing to do
    report = _progress(job_id)
    with transaction.atomic():
        job = _locked(job_id, ImportStatus.VALIDATING)
        if job is None or _too_many_attempts(job):  # another delivery finished it while this one waited
            return ImportJob.objects.get(pk=job_id)
        if job.uploaded_by_id is None:  # the rows are checked against the uploader's grants and scope
            return _settle(job, ImportStatus.REJECTED, message=_("Quien subió el archivo ya no existe: súbalo de nuevo."))
        try:
            report("leyendo", 0, 0)
            spec, table = _load(job)
            result = engine.run(spec, table, apply_changes=False, progress=report, user=job.uploaded_by)
        except FileRejected as exc:
            return _settle(job, ImportStatus.REJECTED, message=str(exc)[:500])
        except Exception:
            log.exception("carga %s: falló la revisión", job_id)
            return _settle(job, ImportStatus.FAILED, message=_("Error interno al revisar el archivo; nada se cambió."))
        found = {"rows": result.rows, "new": result.new, "changed": result.changed, "unchanged": result.unchanged,
                 "wrong": result.wrong_rows, "errors": [list(e) for e in result.errors[:MAX_SHOWN_ERRORS]]}
        if result.errors:
            message = ngettext("%(n)d fila con errores: corríjala y suba el archivo de nuevo. Nada se aplicó.",
                               "%(n)d filas con errores: corríjalas y suba el archivo de nuevo. Nada se aplicó.",
                               result.wrong_rows) % {"n": result.wrong_rows}
            # The report repeats every row of the file, read again: the run consumed the rows.
            spec, fresh = _load(job)
            job.error_report.save(f"errores-{job.file_name.rsplit('.', 1)[0]}.{_report_extension(fresh)}",
                                  ContentFile(engine.error_report(spec, fresh, result)), save=False)
            _settle(job, ImportStatus.INVALID, message=message, error_report=job.error_report.name, **found)
        else:
            _settle(job, ImportStatus.VALIDATED, message=_("Archivo revisado: confirme para aplicar."), **found)
    report("listo", result.rows, result.rows)
    return job


def import_confirm(*, job, acting_user):
    try:
        IMPORT_JOB_MACHINE.move(job, ImportStatus.APPLYING, by=acting_user, applied_by=acting_user, attempts=0)
    except TransitionRefused:
        return False
    from bulk.tasks import import_apply  # noqa: PLC0415 - cycle: bulk.tasks calls this module

    enqueue_on_commit(import_apply, job.pk)
    return True


def import_apply(*, job_id):
    """Re-read and re-check the file (the catalogue may have changed since the dry run), then
    write it in one transaction: all rows or none. The job's row is locked for the whole
    transaction, so a redelivered message (worker lost) waits for a live run or, if the worker
    died, runs the file again from nothing (the dead transaction wrote nothing)."""
    if not _claim(job_id, [ImportStatus.APPLYING], ImportStatus.APPLYING):
        return ImportJob.objects.get(pk=job_id)
    report = _progress(job_id)
    failure = None
    try:
        with transaction.atomic():
            job = _locked(job_id, ImportStatus.APPLYING)
            if job is None:
                return ImportJob.objects.get(pk=job_id)
            if _too_many_attempts(job):
                return job
            spec, table = _load(job)
            result = engine.run(spec, table, apply_changes=True, progress=report, user=job.applied_by)
            if result.errors:
                raise FileRejected(_("El archivo ya no es válido contra el catálogo actual: revíselo de nuevo."))
            audit_record(actor=job.applied_by, action=AuditAction.IMPORT, obj=job,
                         summary=f"{job.catalogue}: {result.new} nuevas, {result.changed} modificadas, "
                                 f"{result.unchanged} sin cambios ({job.file_name})")
            _settle(
                job, ImportStatus.APPLIED, applied_at=timezone.now(), new=result.new, changed=result.changed,
                unchanged=result.unchanged, message=_("Aplicado: %(n)d nuevas, %(c)d modificadas, %(u)d sin cambios.")
                % {"n": result.new, "c": result.changed, "u": result.unchanged})
    except FileRejected as exc:
        failure = str(exc)[:500]
    except Exception:
        log.exception("carga %s: falló al aplicar", job_id)
        failure = _("Error interno al aplicar; nada se cambió.")
    if failure is not None:
        job = ImportJob.objects.get(pk=job_id)
        if job.status == ImportStatus.APPLYING:
            try:
                _settle(job, ImportStatus.FAILED, message=failure)
            except TransitionRefused:  # settled meanwhile
                pass
        return ImportJob.objects.get(pk=job_id)
    report("listo", result.rows, result.rows)
    return ImportJob.objects.get(pk=job_id)


STUCK_MESSAGES = {
    ImportStatus.VALIDATING: _lazy("La revisión se interrumpió (el proceso que la hacía se detuvo) y no terminó. Nada se "
                                   "cambió: suba el archivo de nuevo."),
    ImportStatus.APPLYING: _lazy("La aplicación se interrumpió (el proceso que la hacía se detuvo): nada se aplicó. Suba el "
                                 "archivo de nuevo para revisarlo y aplicarlo."),
}


def import_fail_stuck(*, job_ids=None):
    """Fail the jobs left running by a dead worker: running, started more than
    BULK_STUCK_AFTER_SECONDS ago, and whose row no live transaction holds (a running review or
    application keeps it locked; SKIP LOCKED passes over those, however long they take).
    Returns how many were failed. Called by the bulk.sweep task and by the job's page."""
    deadline = timezone.now() - timedelta(seconds=settings.BULK_STUCK_AFTER_SECONDS)
    failed = 0
    with transaction.atomic():
        stuck = ImportJob.objects.select_for_update(skip_locked=True).filter(
            status__in=list(STUCK_MESSAGES), started_at__lt=deadline)
        if job_ids is not None:
            stuck = stuck.filter(pk__in=job_ids)
        for job in stuck.order_by("pk")[:500]:
            _settle(job, ImportStatus.FAILED, message=str(STUCK_MESSAGES[job.status]), reason="worker lost")
            log.warning("carga %s: el proceso que la atendía se detuvo; marcada fallida", job.pk)
            failed += 1
    return failed


def import_requeue_lost(*, now=None):
    """Queue again the reviews whose message was lost (the broker was down when the file was
    uploaded): jobs still queued BULK_STUCK_AFTER_SECONDS after the upload. A duplicate message
    is harmless: the review claims the job first. Returns how many were queued. Called by the
    bulk.sweep task."""
    from bulk.tasks import import_dry_run  # noqa: PLC0415 - cycle: bulk.tasks calls this module

    deadline = (now or timezone.now()) - timedelta(seconds=settings.BULK_STUCK_AFTER_SECONDS)
    lost = list(ImportJob.objects.filter(status=ImportStatus.QUEUED, created_at__lt=deadline)
                .order_by("pk").values_list("pk", flat=True)[:100])
    for pk in lost:
        enqueue(import_dry_run, pk)
    return len(lost)
