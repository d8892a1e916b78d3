from django.contrib import messages
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bulk import services
from bulk.access import catalogue_module_required
from bulk.models import ImportStatus
from bulk.reading import FileRejected
from bulk.registry import get_spec
from bulk.selectors import job_get_for_user, jobs_for_user
from bulk.templates_xlsx import build_template
from core.modules import Action


def _job(request, catalogue, job):
    # Another user's job is a 404 unless the user administers the catalogue (bulk.selectors).
    return job_get_for_user(user=request.user, catalogue=catalogue, public_id=job)


@catalogue_module_required(Action.CREATE)
def upload(request, catalogue):
    spec = get_spec(catalogue)
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        if upload_file is None:
            messages.error(request, _("Elija un archivo .xlsx o .csv."))
        else:
            try:
                job = services.import_create(catalogue=catalogue, upload=upload_file, acting_user=request.user)
            except FileRejected as exc:
                messages.error(request, str(exc))
            else:
                return redirect("bulk:job", catalogue=catalogue, job=job.public_id)
    jobs = jobs_for_user(user=request.user, catalogue=catalogue)[:15]
    return render(request, "bulk/upload.html", {"spec": spec, "catalogue": catalogue, "jobs": jobs})


@catalogue_module_required(Action.CREATE)
def template_download(request, catalogue):
    spec = get_spec(catalogue)
    response = HttpResponse(build_template(spec),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="plantilla-{catalogue}.xlsx"'
    return response


@catalogue_module_required(Action.CREATE)
def job_detail(request, catalogue, job):
    job = _job(request, catalogue, job)
    if job.running and services.import_fail_stuck(job_ids=[job.pk]):  # its worker died: say so now
        job.refresh_from_db()
    template = "bulk/partials/job_status.html" if request.htmx else "bulk/job.html"
    progress = cache.get(services.progress_key(job.pk)) or {}
    percent = int(100 * progress["done"] / progress["total"]) if progress.get("total") else 0
    return render(request, template, {"job": job, "spec": get_spec(catalogue), "catalogue": catalogue,
                                      "progress": progress, "percent": percent, "statuses": ImportStatus})


@catalogue_module_required(Action.CREATE)
@require_POST
def job_confirm(request, catalogue, job):
    job = _job(request, catalogue, job)
    if services.import_confirm(job=job, acting_user=request.user):
        messages.info(request, _("Aplicando el archivo…"))
    else:
        messages.error(request, _("Este archivo no se puede aplicar en su estado actual."))
    return redirect("bulk:job", catalogue=catalogue, job=job.public_id)


@catalogue_module_required(Action.CREATE)
def job_errors(request, catalogue, job):
    job = _job(request, catalogue, job)
    if not job.error_report:
        raise Http404
    return FileResponse(job.error_report.open("rb"), as_attachment=True, filename=services.report_file_name(job))
