import io
from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.modules import Module
from accounts.selectors import establishments_for_user, points_of_sale_for_user
from core import formats
from core.access import module_required
from core.modules import Action
from dte.models import DocType, Document, GovStatus
from reports import exports, jobs
from reports.annexes import (
    ANNEXES,
    CLASSIFICATIONS,
    COST_TYPES,
    COSTS_FOR,
    ENCODINGS,
    INCOME_TYPES,
    OPERATION_TYPES,
    RENTA_FROM,
    SECTORS,
    Options,
)
from reports.base import parse_params
from reports.dashboard import board, parse_period
from reports.definitions import BY_SLUG, REPORTS
from reports.models import ExportJob

FORMATS = ("xlsx", "csv", "pdf")


def _report(slug):
    cls = BY_SLUG.get(slug)
    if cls is None:
        raise Http404
    return cls()


def _choices(user):
    establishments = establishments_for_user(user=user)
    reps = User.objects.filter(is_active=True)
    if not user.company_wide:
        reps = reps.filter(pk__in=_reps_of(establishments))
    return {"establishments": establishments, "points": points_of_sale_for_user(user=user).select_related("establishment"),
            "reps": reps.order_by("username"), "types": DocType.choices,
            "statuses": [s for s in GovStatus.choices if s[0] != GovStatus.DRAFT]}


def _reps_of(establishments):
    return Document.objects.filter(establishment__in=establishments).values("created_by").distinct()


@module_required(Module.REPORTES, Action.VIEW)
def report_index(request):
    recent = ExportJob.objects.filter(requested_by=request.user)[:10]
    return render(request, "reports/index.html", {"reports": REPORTS, "jobs": recent,
                                                  "can_export": request.user.can(Module.REPORTES, Action.EXPORT),
                                                  # the purchases inbox (purchases.views: DOCUMENTOS · Modificar, company-wide)
                                                  "can_purchases": request.user.company_wide
                                                  and request.user.can(Module.DOCUMENTOS, Action.EDIT)})


@module_required(Module.REPORTES, Action.VIEW)
def report_show(request, slug):
    report = _report(slug)
    params = parse_params(request.user, request.GET, monthly=report.monthly)
    try:
        number = max(int(request.GET.get("pagina", "1")), 1)
    except ValueError:
        number = 1
    rows, following, previous = report.page(params, cursor=request.GET.get("despues"), number=number)
    shown = [i for i, c in enumerate(report.columns) if c.screen]
    lines = [(row["_n"], [values[i] for i in shown]) for values, row in ((report.display(r), r) for r in rows)]
    totals = _totals(report, params)
    query = urlencode({k: v for k, v in params.raw.items() if v})
    context = {"report": report, "params": params, "f": params.raw, "lines": lines, "columns": [report.columns[i] for i in shown],
               "totals": [totals[i] for i in shown] if totals else None,
               "notes": report.notes(params), "following": following, "previous": previous, "query": query,
               "first_page": not request.GET.get("despues") and number == 1, "formats": FORMATS,
               "can_export": request.user.can(Module.REPORTES, Action.EXPORT), "chart": _chart(report, rows),
               **_choices(request.user)}
    for error in params.errors:
        messages.warning(request, error)
    if request.htmx and request.htmx.target == "report-table":
        return render(request, "reports/partials/table.html", context)
    return render(request, "reports/show.html", context)


def _chart(report, rows):
    """The page's rows as a Chart.js series, for a report that names its (label, value) keys in
    ``chart`` (the finance views, reports.finance); None for the others. Read after display(),
    which fills the label columns."""
    keys = getattr(report, "chart", None)
    if not keys or not rows:
        return None
    label, value = keys
    return [{"label": formats.date(r[label]) if hasattr(r.get(label), "isoformat") else str(r.get(label) or "—"),
             "value": float(r.get(value) or 0)} for r in rows]


def _totals(report, params):
    totals = report.totals(params)
    if not totals:
        return None
    return [totals.get(c.key) if c.total else None for c in report.columns]


@module_required(Module.REPORTES, Action.EXPORT)
def report_export(request, slug, fmt):
    """CSV streams straight from the database; xlsx and PDF are built here when short and by a
    worker when long (the page then shows the job's progress)."""
    if fmt not in FORMATS:
        raise Http404
    report = _report(slug)
    params = parse_params(request.user, request.GET, monthly=report.monthly)
    name = exports.filename(report, params, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(exports.csv_stream(report, params), content_type=exports.CONTENT_TYPES["csv"])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    total = report.count(params)
    if fmt == "pdf" and total > exports.PDF_MAX_ROWS:
        messages.error(request, _("El reporte tiene %(n)s filas: un PDF admite hasta %(max)s. Expórtelo a Excel o CSV, "
                                  "o acote los filtros.") % {"n": formats.quantity(total), "max": formats.quantity(exports.PDF_MAX_ROWS)})
        return redirect(f"{request.path.rsplit('/exportar/', 1)[0]}/?{request.GET.urlencode()}")
    if total > jobs.INLINE_MAX_ROWS:
        job = jobs.export_request(acting_user=request.user, report=report, params=params, fmt=fmt)
        return redirect("reports:job", public_id=job.public_id)

    out = io.BytesIO()
    jobs.build_file(report, params, fmt, out)
    response = HttpResponse(out.getvalue(), content_type=exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@module_required(Module.REPORTES, Action.EXPORT)
def export_job(request, public_id):
    job = ExportJob.get_for(request.user, public_id)
    template = "reports/partials/job_progress.html" if request.htmx else "reports/job.html"
    return render(request, template, {"job": job, "report": BY_SLUG.get(job.report)})


@module_required(Module.REPORTES, Action.EXPORT)
def export_download(request, public_id):
    job = ExportJob.get_for(request.user, public_id)
    if job.state != "done" or not job.file:
        return redirect("reports:job", public_id=job.public_id)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1],
                        content_type=exports.CONTENT_TYPES.get(job.fmt, "application/octet-stream"))


@module_required(Module.DOCUMENTOS, Action.VIEW)
def dashboard(request):
    """The accountant's, supervisor's or sales rep's dashboard (reports.dashboard.view_of)."""
    today = timezone.localdate()
    period, errors = parse_period(request.GET, today)
    for error in errors:
        messages.warning(request, error)
    data = board(request.user, period, today=today)
    return render(request, "reports/dashboard.html", {
        "board": data, "desde": period[0].isoformat(), "hasta": period[1].isoformat(),
        "columns": [_("Hoy"), _("Este mes"), _("Periodo elegido")],
        # a chart with nothing to draw: the page says «Sin datos» instead of drawing empty axes
        "empty_charts": {name for name, chart in data.charts.items() if not any(chart["values"])},
        "can_reports": request.user.can(Module.REPORTES, Action.VIEW)})


def _annex_options(data):
    """The accountant's choices for the annexes, each falling back to its default when absent or
    not in its list (a cost type must belong to its classification)."""
    def pick(key, choices, default):
        value = data.get(key, "")
        return int(value) if value.isdigit() and int(value) in dict(choices) else default

    classification = pick("clasificacion", CLASSIFICATIONS, 2)
    # default: administration expenses, or for a cost the first cost type
    cost_type = pick("costo", [(c, c) for c in COSTS_FOR[classification]], 2 if classification == 2 else 4)
    encoding = data.get("codificacion", "utf-8")
    return Options(income_type=pick("ingreso", INCOME_TYPES, 3), operation_type=pick("operacion", OPERATION_TYPES, 0),
                   encoding=encoding if encoding in ENCODINGS else "utf-8",
                   classification=classification, sector=pick("sector", SECTORS, 2), cost_type=cost_type)


@module_required(Module.REPORTES, Action.EXPORT)
def annexes(request):
    """The F-07 annexes of a month, as the CSV files MH's portal takes (reports.annexes)."""
    params = parse_params(request.user, request.GET, monthly=True)
    options = _annex_options(request.GET)
    for error in params.errors:
        messages.warning(request, error)
    rows = [(key, annex, annex.count(params)) for key, annex in ANNEXES.items()]
    query = urlencode({"mes": params.raw["mes"], "ingreso": options.income_type, "operacion": options.operation_type,
                       "codificacion": options.encoding,
                       "clasificacion": options.classification, "sector": options.sector, "costo": options.cost_type})
    return render(request, "reports/annexes.html", {
        "annexes": rows, "f": params.raw, "params": params, "options": options, "income_types": INCOME_TYPES,
        "operation_types": OPERATION_TYPES,
        "classifications": CLASSIFICATIONS, "sectors": SECTORS, "cost_types": COST_TYPES,
        "query": query, "renta": params.date_from >= RENTA_FROM})


@module_required(Module.REPORTES, Action.EXPORT)
def annex_download(request, annex):
    item = ANNEXES.get(annex)
    if item is None:
        raise Http404
    params = parse_params(request.user, request.GET, monthly=True)
    options = _annex_options(request.GET)
    charset = "windows-1252" if options.encoding == "windows-1252" else "utf-8"
    response = StreamingHttpResponse(item.stream(params, options), content_type=f"text/csv; charset={charset}")
    response["Content-Disposition"] = f'attachment; filename="{item.filename(params)}"'
    return response
