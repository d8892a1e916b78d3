"""The PDFs and signed JSONs of a date range as one ZIP, for the accountant: built by a worker one
document at a time into a temporary file (memory stays flat), progress saved as it goes, then
stored through Django's storage. Only the documents the requester may see go in."""

import datetime
import tempfile
import uuid
import zipfile

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import formats
from core.audit import audit_record
from core.fiscal import UNISSUED
from core.models import AuditAction
from core.queue import enqueue_on_commit
from core.statemachine import TransitionRefused
from dte import jsonio
from dte.models import ARCHIVE_JOB_MACHINE, ArchiveJob, Document
from dte.printing import PRINTABLE, current_pdf, pdf_filename
from dte.selectors import documents_for_user
from dte.services.issuing import signed_document

MAX_DAYS = 370
PROGRESS_EVERY = 20


def archive_request(*, acting_user, date_from, date_to):
    if date_from > date_to:
        raise ValidationError(_("La fecha inicial es posterior a la final."))
    if (date_to - date_from) > datetime.timedelta(days=MAX_DAYS):
        raise ValidationError(_("Pida a lo sumo un año por archivo."))
    with transaction.atomic():
        job = ArchiveJob.objects.create(public_id=uuid.uuid4(), requested_by=acting_user, date_from=date_from, date_to=date_to)
        audit_record(actor=acting_user, action=AuditAction.CREATE, obj=job, object_repr=_("Archivo ZIP de documentos"),
                     summary=_("Archivo ZIP solicitado: %(a)s a %(b)s") % {"a": formats.date(date_from), "b": formats.date(date_to)})
        from dte.tasks import archive_task  # noqa: PLC0415 - cycle: dte.tasks imports this module (a task wraps it)

        enqueue_on_commit(archive_task, job.pk)
    return job


def _documents(job):
    return (documents_for_user(user=job.requested_by)
            .filter(issue_date__gte=job.date_from, issue_date__lte=job.date_to)
            .exclude(status__in=UNISSUED).order_by("issue_date", "pk"))


def build(job_id):
    job = ArchiveJob.objects.select_related("requested_by").get(pk=job_id)
    try:  # claimed first: a duplicate message finds the job taken
        ARCHIVE_JOB_MACHINE.move(job, ArchiveJob.State.RUNNING)
    except TransitionRefused:
        return False
    ids = list(_documents(job).values_list("pk", flat=True))
    ArchiveJob.objects.filter(pk=job.pk).update(total=len(ids))
    try:
        with tempfile.TemporaryFile() as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for n, pk in enumerate(ids, start=1):
                    doc = Document.objects.select_related("company").get(pk=pk)
                    folder = f"{doc.issue_date:%Y-%m}/{doc.tipo_dte}"
                    archive.writestr(f"{folder}/{doc.codigo_generacion}.json",
                                     jsonio.dumps(signed_document(doc), indent=2))
                    if doc.status in PRINTABLE:
                        archive.writestr(f"{folder}/{pdf_filename(doc)}", current_pdf(doc))
                    if n % PROGRESS_EVERY == 0:
                        ArchiveJob.objects.filter(pk=job.pk).update(done=n)
            size = tmp.tell()
            tmp.seek(0)
            job.file.save(f"documentos-{job.date_from}-{job.date_to}-{job.public_id.hex[:8]}.zip", File(tmp), save=False)
        ARCHIVE_JOB_MACHINE.move(job, ArchiveJob.State.DONE, done=len(ids), file=job.file.name, size=size,
                                 finished_at=timezone.now())
    except Exception as exc:  # noqa: BLE001 - shown on the job's page
        ARCHIVE_JOB_MACHINE.move(job, ArchiveJob.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:300],
                                 finished_at=timezone.now())
        raise
    return True
