"""The purchases inbox: upload, list with filters, one document, bulk register into a period.
Every page needs DOCUMENTOS · Modificar and reaches documents through core.scope (a role that is
not company-wide reaches none: 404)."""

import datetime
import json
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from core import formats, scope
from core.access import module_required
from core.models import StateChange
from core.modules import Action
from core.queue import enqueue_on_commit
from core.statemachine import TransitionRefused
from core.text import clean_text
from dte.printing import consult_url
from purchases import batches, reading, retentions, services, tasks
from purchases.forms import MailboxForm
from purchases.models import IntakeBatch, Mailbox, MHStatus, ReceivedDocument, ReceivedState

PER_PAGE = 100
GRANT = (Module.DOCUMENTOS, Action.EDIT)


def _month(value):
    try:
        return datetime.date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        return None


def _rows(user):
    return scope.rows(ReceivedDocument, user)


@module_required(*GRANT)
def inbox(request):
    qs = _rows(request.user).select_related("provider")
    state = request.GET.get("estado", "")
    if state in ReceivedState.values:
        qs = qs.filter(state=state)
    month = _month(request.GET.get("mes", ""))
    if month:
        end = (month + datetime.timedelta(days=32)).replace(day=1)
        qs = qs.filter(issue_date__gte=month, issue_date__lt=end)
    supplier = clean_text(request.GET.get("proveedor", ""))[:100]
    if supplier:
        qs = qs.filter(Q(supplier_name__icontains=supplier) | Q(supplier_nit__startswith=supplier.replace("-", ""))
                       | Q(supplier_nrc=supplier))
    count = qs.count()
    invalidated_registered = _rows(request.user).filter(state=ReceivedState.INVALIDATED, tax_period__isnull=False).order_by("tax_period")
    recent_batches = scope.rows(IntakeBatch, request.user).order_by("-pk")[:5]
    return render(request, "purchases/inbox.html", {"invalidated_registered": invalidated_registered,
        "batches": recent_batches,
        "documents": qs[:PER_PAGE], "count": count, "states": ReceivedState.choices, "state": state,
        "month": month.strftime("%Y-%m") if month else "", "supplier": supplier, "per_page": PER_PAGE})


@module_required(*GRANT)
def upload(request):
    context = {"max_files": reading.MAX_FILES}
    if request.method == "POST":
        files = request.FILES.getlist("files")
        large = [f for f in files if f.name.lower().endswith(".zip") and reading.zip_entries(f.file) > reading.MAX_FILES]
        if large:
            # a ZIP beyond an upload's size: read by workers in chunks (purchases.batches)
            try:
                for f in large:
                    batches.batch_create(file=f, name=f.name, acting_user=request.user,
                                         period=_month(request.POST.get("periodo", "")))
            except reading.UploadRejected as exc:
                messages.error(request, str(exc))
                return render(request, "purchases/upload.html", context)
            messages.success(request, _("ZIP grande en proceso en segundo plano: su avance aparece en la bandeja."))
            files = [f for f in files if f not in large]
            if not files:
                return redirect("purchases:inbox")
        if not files:
            messages.error(request, _("Elija uno o varios archivos JSON, o un ZIP."))
        else:
            try:
                results, skipped = services.receive_upload(
                    files=[(f.name, _read_bounded(f)) for f in files], acting_user=request.user)
            except (reading.UploadRejected, ValidationError) as exc:
                messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
            else:
                context.update(results=results, skipped=skipped,
                               kept=sum(1 for r in results if r.document), refused=sum(1 for r in results if r.refused))
    return render(request, "purchases/upload.html", context)


MAX_UPLOAD_BYTES = 25 * 1024 * 1024


def _read_bounded(uploaded):
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise reading.UploadRejected(_("«%(f)s» ocupa más de %(mb)d MB: divida la carga.")
                                     % {"f": uploaded.name, "mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    return uploaded.read()


def _get(request, pk):
    return scope.get_or_404(ReceivedDocument, request.user, pk=pk)


def _view_of(document):
    """The parts of the received JSON our page shows (amounts as Decimal, never floats)."""
    try:
        data = json.loads(document.raw, parse_float=Decimal)
    except ValueError:
        return {}
    as_dict = lambda v: v if isinstance(v, dict) else {}  # noqa: E731
    items = [i for i in data.get("cuerpoDocumento") or [] if isinstance(i, dict)]
    return {"ident": as_dict(data.get("identificacion")), "emisor": as_dict(data.get("emisor")),
            "receptor": as_dict(data.get("receptor")), "items": items, "resumen": as_dict(data.get("resumen"))}


@module_required(*GRANT)
def document(request, pk):
    obj = _get(request, pk)
    history = StateChange.objects.filter(model=ReceivedDocument._meta.label_lower, object_id=str(obj.pk)).select_related("by")
    return render(request, "purchases/document.html", {"doc": obj, "view": _view_of(obj), "history": history,
                                                       "consulta_url": consulta_url(obj), "mh_statuses": MHStatus.choices})


def consulta_url(obj):
    """MH's public consultation page prefilled for this document (dte.printing.consult_url: MH's
    page, or govsim's copy in development). Facts-2 §4: the page asks a captcha and MH offers a
    receptor no API (consultadte answers an issuer about its own documents), so a person opens it
    and records what it shows (record_mh_status); the product does not scrape it."""
    return consult_url(obj, {"ambiente": obj.ambiente, "fecEmi": obj.issue_date.isoformat()})


@module_required(*GRANT)
@require_POST
def mh_status(request, pk):
    obj = _get(request, pk)
    status = request.POST.get("status", "")
    if status not in MHStatus.values:
        messages.error(request, _("Elija lo que muestra la consulta pública de MH."))
    else:
        try:
            message = services.record_mh_status(document=obj, status=status, acting_user=request.user)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
        else:
            (messages.warning if obj.state == ReceivedState.INVALIDATED else messages.success)(request, message)
    return redirect("purchases:document", pk=obj.pk)


@module_required(*GRANT)
def document_pdf(request, pk):
    obj = _get(request, pk)
    if not obj.pdf:
        raise Http404
    return FileResponse(obj.pdf.open("rb"), content_type="application/pdf", filename=f"{obj.codigo_generacion}.pdf")


@module_required(*GRANT)
@require_POST
def question(request, pk):
    obj = _get(request, pk)
    try:
        services.question(document=obj, reason=clean_text(request.POST.get("reason", "")), acting_user=request.user)
    except (ValidationError, TransitionRefused) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Documento observado."))
    return redirect("purchases:document", pk=obj.pk)


@module_required(*GRANT)
@require_POST
def accept(request, pk):
    obj = _get(request, pk)
    try:
        services.accept(document=obj, acting_user=request.user)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Documento aceptado: puede registrarse."))
    return redirect("purchases:document", pk=obj.pk)


@module_required(*GRANT)
@require_POST
def register(request):
    period = _month(request.POST.get("periodo", ""))
    ids = [int(v) for v in request.POST.getlist("ids") if v.isdigit()][:1000]
    if period is None:
        messages.error(request, _("Elija el periodo tributario (AAAA-MM)."))
    elif not ids:
        messages.error(request, _("Marque los documentos que desea registrar."))
    else:
        chosen = list(_rows(request.user).filter(pk__in=ids).order_by("issue_date", "pk"))
        try:
            done, problems = services.register(documents=chosen, period=period, acting_user=request.user)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
        else:
            if done:
                messages.success(request, _("%(n)d documento(s) registrados en el periodo %(p)s.") % {
                    "n": done, "p": period.strftime("%m/%Y")})
            for problem in problems:
                messages.warning(request, problem)
    return redirect("purchases:inbox")


@module_required(*GRANT)
@require_POST
def notes(request, pk):
    obj = _get(request, pk)
    services.notes_save(document=obj, notes=clean_text(request.POST.get("notes", "")), acting_user=request.user)
    messages.success(request, _("Notas guardadas."))
    return redirect("purchases:document", pk=obj.pk)


def _company_only(request):
    """The mailbox holds the company's credentials: a company-wide role only (as every purchase)."""
    if not request.user.company_wide:
        raise Http404


@module_required(*GRANT)
def mailbox(request):
    _company_only(request)
    box = Mailbox.objects.order_by("pk").first()
    form = MailboxForm(request.POST or None, instance=box)
    if request.method == "POST" and form.is_valid():
        services.mailbox_save(form=form, acting_user=request.user)
        messages.success(request, _("Buzón guardado: se leerá cada pocos minutos."))
        return redirect("purchases:mailbox")
    recent = box.mails.order_by("-read_at")[:20] if box else []
    return render(request, "purchases/mailbox.html", {"form": form, "box": box, "recent": recent})


@module_required(*GRANT)
@require_POST
def mailbox_read_now(request):
    _company_only(request)
    box = Mailbox.objects.filter(active=True).order_by("pk").first()
    if box is None:
        messages.error(request, _("Configure primero un buzón activo."))
    else:
        enqueue_on_commit(tasks.read_mailbox_task, box.pk)
        messages.success(request, _("Lectura del buzón en curso: los documentos aparecerán en la bandeja."))
    return redirect("purchases:mailbox")


@module_required(*GRANT)
def retention_matching(request):
    """Retentions received (CRs) matched to the company's own documents, for a month."""
    month = _month(request.GET.get("mes", "")) or datetime.date.today().replace(day=1)
    matching = retentions.retention_matching(user=request.user, month=month)
    return render(request, "purchases/retentions.html", {"m": matching, "month": month.strftime("%Y-%m"),
                                                         "month_label": month.strftime("%m/%Y")})


@module_required(*GRANT)
@require_POST
def retentions_apply(request):
    """Apply the month's matched retentions to the clients' balances (the CRs the mailbox worker
    read, which acts for nobody, wait for this; applying twice changes nothing)."""
    month = _month(request.POST.get("mes", "")) or datetime.date.today().replace(day=1)
    with transaction.atomic():
        total = retentions.retentions_apply_month(user=request.user, month=month)
    if total:
        messages.success(request, _("Retenciones aplicadas al saldo de los clientes: %(t)s.") % {"t": formats.money(total)})
    else:
        messages.info(request, _("No había retenciones por aplicar: las conciliadas ya cuentan en el saldo."))
    return redirect(f"{reverse('purchases:retentions')}?mes={month:%Y-%m}")


@module_required(*GRANT)
def batch_progress(request, pk):
    """A batch's line on the inbox, polled by htmx while workers read it; once it is over the
    page reloads once to list its documents."""
    batch = scope.get_or_404(IntakeBatch, request.user, pk=pk)
    response = render(request, "purchases/partials/batch.html", {"b": batch})
    if not batch.active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response
