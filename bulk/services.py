"""Uploads: a dry run in Celery, then all-or-nothing application on confirmation."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import AuditAction
from accounts.services import audit_record
from bulk import engine
from bulk.models import ImportJob, ImportStatus
from bulk.reading import FileRejected, read_upload
from bulk.registry import get_spec

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
    from bulk.tasks import import_dry_run

    with transaction.atomic():
        job = ImportJob(catalogue=catalogue, file_name=name, file_size=upload.size, uploaded_by=acting_user)
        job.file.save(name, upload, save=False)
        job.save()
        transaction.on_commit(lambda: import_dry_run.delay(job.pk))
    return job


def _load(job):
    spec = get_spec(job.catalogue)
    with job.file.open("rb") as fh:
        data = fh.read()
    # Columns are read up to the template's width, plus a few blank ones a user may leave between.
    return spec, read_upload(data, job.file_name, max_rows=spec.max_rows, max_cols=len(spec.columns) + 4)


def import_dry_run(*, job_id):
    job = ImportJob.objects.get(pk=job_id)
    if ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(status=ImportStatus.VALIDATING) == 0:
        return job  # another worker took it
    report = _progress(job_id)
    if job.uploaded_by_id is None:  # the rows are checked against the uploader's grants and scope
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.REJECTED,
                                                   message=_("Quien subió el archivo ya no existe: súbalo de nuevo."))
        return ImportJob.objects.get(pk=job_id)
    try:
        report("leyendo", 0, 0)
        spec, table = _load(job)
        result = engine.run(spec, table, apply_changes=False, progress=report, user=job.uploaded_by)
    except FileRejected as exc:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.REJECTED, message=str(exc)[:500])
        return ImportJob.objects.get(pk=job_id)
    except Exception:
        log.exception("carga %s: falló la revisión", job_id)
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED,
                                                   message=_("Error interno al revisar el archivo; nada se cambió."))
        return ImportJob.objects.get(pk=job_id)
    job.refresh_from_db()
    job.rows, job.new, job.changed, job.unchanged = result.rows, result.new, result.changed, result.unchanged
    job.wrong = result.wrong_rows
    job.errors = [list(e) for e in result.errors[:MAX_SHOWN_ERRORS]]
    if result.errors:
        job.status = ImportStatus.INVALID
        job.message = ngettext("%(n)d fila con errores: corríjala y suba el archivo de nuevo. Nada se aplicó.",
                               "%(n)d filas con errores: corríjalas y suba el archivo de nuevo. Nada se aplicó.",
                               job.wrong) % {"n": job.wrong}
        job.error_report.save(f"errores-{job.file_name.rsplit('.', 1)[0]}.xlsx",
                              ContentFile(engine.error_report(spec, table, result)), save=False)
    else:
        job.status = ImportStatus.VALIDATED
        job.message = _("Archivo revisado: confirme para aplicar.")
    job.save()
    report("listo", result.rows, result.rows)
    return job


def import_confirm(*, job, acting_user):
    if ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATED).update(
            status=ImportStatus.APPLYING, applied_by=acting_user) == 0:
        return False
    from bulk.tasks import import_apply

    transaction.on_commit(lambda: import_apply.delay(job.pk))
    return True


def import_apply(*, job_id):
    """Re-read and re-check the file (the catalogue may have changed since the dry run), then
    write it in one transaction: all rows or none."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportStatus.APPLYING:
        return job
    report = _progress(job_id)
    try:
        spec, table = _load(job)
        with transaction.atomic():
            result = engine.run(spec, table, apply_changes=True, progress=report, user=job.applied_by)
            if result.errors:
                raise FileRejected(_("El archivo ya no es válido contra el catálogo actual: revíselo de nuevo."))
            audit_record(actor=job.applied_by, action=AuditAction.IMPORT, obj=job,
                         summary=f"{job.catalogue}: {result.new} nuevas, {result.changed} modificadas, "
                                 f"{result.unchanged} sin cambios ({job.file_name})")
    except FileRejected as exc:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED, message=str(exc)[:500])
        return ImportJob.objects.get(pk=job_id)
    except Exception:
        log.exception("carga %s: falló al aplicar", job_id)
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.FAILED,
                                                   message=_("Error interno al aplicar; nada se cambió."))
        return ImportJob.objects.get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.APPLIED, applied_at=timezone.now(), new=result.new, changed=result.changed,
        unchanged=result.unchanged, message=_("Aplicado: %(n)d nuevas, %(c)d modificadas, %(u)d sin cambios.")
        % {"n": result.new, "c": result.changed, "u": result.unchanged})
    report("listo", result.rows, result.rows)
    return ImportJob.objects.get(pk=job_id)
