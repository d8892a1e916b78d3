"""A document's files and emails: the signed JSON and the JWS, the PDF (rendered by a worker when
the stored copy does not show the current state), emailing it now, and the failed emails again."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from core.access import module_required
from core.modules import Action
from dte import jsonio, selectors
from dte.delivery import deliveries_queue, links_revoke, send_allowance
from dte.delivery import deliveries_retry as retry_deliveries
from dte.models import Delivery, DeliveryState
from dte.printing import PRINTABLE, pdf_filename, queue_render
from dte.services.issuing import signed_document


@module_required(Module.DOCUMENTOS, Action.VIEW)
def document_download(request, pk, fmt):
    doc = get_object_or_404(selectors.documents_for_user(user=request.user), pk=pk)
    if doc.is_draft or fmt not in ("json", "jws"):
        raise Http404
    if fmt == "json":
        content = jsonio.dumps(signed_document(doc), indent=2)
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(doc.jws, content_type="application/jose; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{doc.codigo_generacion}.{fmt}"'
    return response


@module_required(Module.DOCUMENTOS, Action.VIEW)
def document_pdf(request, pk):
    """The stored PDF (letter, or ?formato=ticket). If it does not show the document's current
    state yet, a worker renders it and the page says so (rendering never runs in a request)."""
    doc = get_object_or_404(selectors.documents_for_user(user=request.user), pk=pk)
    layout = "ticket" if request.GET.get("formato") == "ticket" else "letter"
    state = PRINTABLE.get(doc.status)
    if state is None:
        raise Http404
    copy = doc.printed.filter(layout=layout).first()
    if copy is None or copy.state != state or not copy.file:
        with transaction.atomic():
            queue_render(doc.pk)
        response = render(request, "dte/pdf_pending.html", {"doc": doc}, status=200)
        response["Refresh"] = "3"
        return response
    return FileResponse(copy.file.open("rb"), as_attachment=request.GET.get("ver") != "1",
                        filename=pdf_filename(doc, layout), content_type="application/pdf")


@module_required(Module.DOCUMENTOS, Action.SEND)
@require_POST
def document_send(request, pk):
    """Email the document now, to the client's addresses or to the ones typed (a grant of its own,
    a few addresses per request and a daily limit per user: dte.delivery.deliveries_queue)."""
    doc = get_object_or_404(selectors.documents_for_user(user=request.user).select_related("client", "company"), pk=pk)
    typed = [e.strip() for e in (request.POST.get("emails") or "").replace(";", ",").split(",") if e.strip()]
    try:
        rows = deliveries_queue(document=doc, emails=typed or None, acting_user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Enviando a %(d)s.") % {"d": ", ".join(r.recipient for r in rows)})
    return redirect("dte:detail", pk=pk)


@module_required(Module.DOCUMENTOS, Action.SEND)
@require_POST
def deliveries_retry(request):
    """Failed emails of the documents the user may see, again (all, or the ones checked)."""
    qs = Delivery.objects.filter(selectors.document_scope(user=request.user, prefix="document__"),
                                 state=DeliveryState.FAILED).select_related("document")
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if ids:
        qs = qs.filter(pk__in=ids)
    rows = list(qs[:1000])
    queued = retry_deliveries(deliveries=rows, acting_user=request.user)
    messages.success(request, _("%(n)d envíos en cola de nuevo.") % {"n": queued})
    if queued < len(rows) and not send_allowance(request.user):
        messages.error(request, _("Llegó al límite de %(n)d correos por día: los demás quedan fallidos hasta "
                                  "mañana.") % {"n": settings.DTE_SEND_DAILY_LIMIT})
    return redirect(request.POST.get("next") if url_has_allowed_host_and_scheme(
        request.POST.get("next"), allowed_hosts={request.get_host()}) else "dte:list")


@module_required(Module.DOCUMENTOS, Action.SEND)
@require_POST
def document_links_revoke(request, pk):
    """Revoke the public links emailed so far (the grant that sends them): they answer "enlace
    revocado" from now on; an email sent later carries a link that works."""
    doc = get_object_or_404(selectors.documents_for_user(user=request.user), pk=pk)
    if doc.is_draft:
        raise Http404
    links_revoke(document=doc, acting_user=request.user, reason=(request.POST.get("reason") or "")[:300])
    messages.success(request, _("Enlaces revocados: los enviados hasta ahora ya no abren el documento."))
    target = request.POST.get("next")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("dte:detail", pk=pk)
