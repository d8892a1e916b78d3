"""The ZIP archive: the PDFs and JSONs of a date range in one file, built in the background; its
progress and its download."""

import datetime

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.modules import Module
from core.access import module_required
from core.modules import Action
from dte.archive import archive_request
from dte.models import ArchiveJob


@module_required(Module.REPORTES, Action.EXPORT)
def archive_list(request):
    """The PDFs and JSONs of a date range as one ZIP, built in the background."""
    error = None
    today = timezone.localdate()
    values = {"desde": today.replace(day=1).isoformat(), "hasta": today.isoformat()}
    if request.method == "POST":
        values = {"desde": request.POST.get("desde", ""), "hasta": request.POST.get("hasta", "")}
        try:
            start, end = (datetime.date.fromisoformat(values["desde"]), datetime.date.fromisoformat(values["hasta"]))
            job = archive_request(acting_user=request.user, date_from=start, date_to=end)
        except ValueError:
            error = _("Escriba las dos fechas (AAAA-MM-DD).")
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("dte:archive_job", public_id=job.public_id)
    jobs = ArchiveJob.objects.filter(requested_by=request.user)[:20]
    return render(request, "dte/archive.html", {"jobs": jobs, "error": error, "values": values})


def _archive_job(request, public_id):
    return ArchiveJob.get_for(request.user, public_id)


@module_required(Module.REPORTES, Action.EXPORT)
def archive_job(request, public_id):
    job = _archive_job(request, public_id)
    template = "dte/partials/archive_progress.html" if request.htmx else "dte/archive_job.html"
    return render(request, template, {"job": job})


@module_required(Module.REPORTES, Action.EXPORT)
def archive_download(request, public_id):
    job = _archive_job(request, public_id)
    if job.state != "done" or not job.file:
        return redirect("dte:archive_job", public_id=job.public_id)  # not ready: its progress
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1],
                        content_type="application/zip")
