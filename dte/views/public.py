"""The client's public page: the document behind a signed, expiring link (no account), its PDF and
signed JSON; every visit and download recorded."""

from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import render

from core.access import public_view
from dte import jsonio
from dte.delivery import LinkExpired, LinkInvalid, LinkRevoked, document_for_token, record_download
from dte.printing import PRINTABLE, pdf_filename, queue_render
from dte.services.issuing import signed_document
from dte.views.common import preview_context


def _public(request, token):
    try:
        return document_for_token(token), None
    except LinkExpired:
        return None, render(request, "dte/public_gone.html", status=410)
    except LinkRevoked:
        return None, render(request, "dte/public_gone.html", {"revoked": True}, status=410)
    except LinkInvalid:
        return None, render(request, "dte/public_gone.html", {"invalid": True}, status=403)


@public_view
def public_document(request, enlace):
    doc, refusal = _public(request, enlace)
    if refusal:
        return refusal
    record_download(doc, "page", request)
    body = jsonio.loads(doc.payload)
    return render(request, "dte/public.html", {"doc": doc, "token": enlace, **preview_context(body)})


@public_view
def public_download(request, enlace, fmt):
    doc, refusal = _public(request, enlace)
    if refusal:
        return refusal
    if fmt == "json":
        record_download(doc, "json", request)
        response = HttpResponse(jsonio.dumps(signed_document(doc), indent=2),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{doc.codigo_generacion}.json"'
        return response
    copy = doc.printed.filter(layout="letter").first()
    if copy is None or not copy.file or copy.state != PRINTABLE.get(doc.status):
        with transaction.atomic():
            queue_render(doc.pk)
        if copy is None or not copy.file:
            response = render(request, "dte/pdf_pending.html", {"doc": doc, "public": True}, status=200)
            response["Refresh"] = "3"
            return response
    record_download(doc, "pdf", request)
    return FileResponse(copy.file.open("rb"), as_attachment=True, filename=pdf_filename(doc),
                        content_type="application/pdf")
