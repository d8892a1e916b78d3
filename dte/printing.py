"""The readable version of a document (facts §7): a PDF from the signed JSON, with everything MH
requires on it (title and type, Código de Generación, Número de Control, Sello de Recepción,
model and transmission type, date and time, emisor, receptor, related and other documents, lines,
summary with taxes, amount in words, payment condition, observations), the company's logo and a
QR code to MH's public consultation. Letter size, or a narrow ticket for point-of-sale printers.

Rendered by a Celery task after issue (a contingency document: "pending seal"), after sealing and
after invalidation; stored through Django's storage API; rendered again on demand. Never in a web
request."""

import base64
import logging
import mimetypes
from decimal import Decimal

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from core.queue import enqueue_on_commit
from dte import hooks, jsonio, summary
from dte.models import Document, GovStatus, PrintedCopy

log = logging.getLogger(__name__)
LAYOUTS = ("letter", "ticket")
# What a printed copy shows: a new copy is needed when the document reaches one of these.
# A contingency copy is a state of its own: a document re-signed as a contingency document (it was
# pending) gets a new copy showing the deferred model, not the pending copy printed before.
PRINTABLE = {GovStatus.CONTINGENCY: "contingency", GovStatus.PENDING: "pending", GovStatus.TRANSMITTING: "pending",
             GovStatus.IN_DOUBT: "pending", GovStatus.SEALED: "sealed", GovStatus.INVALIDATION_PENDING: "sealed",
             GovStatus.INVALIDATED: "invalidated", GovStatus.REJECTED: "rejected"}

# States whose printed copy differs from the previous one (facts §7: pending seal, sealed, invalidated).
PRINT_ON = {GovStatus.CONTINGENCY, GovStatus.SEALED, GovStatus.INVALIDATED}

CONDITIONS = {1: _("Contado"), 2: _("Crédito"), 3: _("Otro")}
TRANSMISSION = {1: _("Normal"), 2: _("Contingencia")}
MODELS = {1: _("Previo"), 2: _("Diferido")}


def consult_url(doc, ident=None):
    """MH's public consultation for this document (facts §7). In development the company points
    at govsim, whose copy of the page answers the same query."""
    ident = ident or {}
    base = settings.DTE_PUBLIC_CONSULT_URL or (
        f"{doc.company.mh_api_url.rstrip('/')}/consultaPublica" if doc.company.mh_api_url
        else "https://admin.factura.gob.sv/consultaPublica")
    return (f"{base}?ambiente={ident.get('ambiente') or doc.company.mh_environment}"
            f"&codGen={doc.codigo_generacion}&fechaEmi={ident.get('fecEmi') or doc.issue_date.isoformat()}")


def _qr_data_uri(url):
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def _logo_uri(company):
    logo = getattr(company, "logo", None)
    if not logo:
        return None
    try:
        with logo.open("rb") as fh:
            data = fh.read(2 * 1024 * 1024)
    except OSError:
        return None
    kind = mimetypes.guess_type(logo.name)[0] or "image/png"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def _amount(value):
    return value if isinstance(value, Decimal | int) and not isinstance(value, bool) else None


def context(doc, layout="letter"):
    body = jsonio.loads(doc.payload)
    ident = body.get("identificacion") or {}
    resumen = body.get("resumen") or {}
    # sujetoExcluido: FSE v1 (2023); donante: CD v1 (2023), whose issuer is the donatario
    receptor = body.get("receptor") or body.get("sujetoExcluido") or body.get("donante") or {}
    emisor = body.get("emisor") or body.get("donatario") or {}
    url = consult_url(doc, ident)
    state = PRINTABLE.get(doc.status, "pending")
    issued = timezone.localtime(doc.issued_at) if doc.issued_at else None
    extension = body.get("extension") or {}
    items = body.get("cuerpoDocumento") or []
    lines = items if isinstance(items, list) else []  # a DCL's body is one object
    cols = {key: any(_amount(i.get(field)) for i in lines)  # a column only when some line uses it
            for key, field in (("discount", "montoDescu"), ("no_suj", "ventaNoSuj"), ("exenta", "ventaExenta"))}
    return {
        "doc": doc, "body": body, "ident": ident, "cols": cols, "resumen": resumen, "receptor": receptor,
        "emisor": emisor, "emisor_nit": emisor.get("nit") or emisor.get("numDocumento") or "",
        # The 2026 generation keeps MH's establishment and point-of-sale codes in the numeroControl only.
        "est_code": emisor.get("codEstableMH") or emisor.get("codigoMH") or (ident.get("numeroControl") or "")[7:11],
        "pos_code": emisor.get("codPuntoVentaMH") or emisor.get("puntoVentaMH") or (ident.get("numeroControl") or "")[11:15],
        "is_fse": doc.tipo_dte == "14", "is_cd": doc.tipo_dte == "15",
        # CD v2 spells the depreciation tipoDepreciacion (sv-tax-facts-2.md §6): printed as v1's.
        "items": [{**i, "depreciacion": i.get("depreciacion", i.get("tipoDepreciacion"))} if doc.tipo_dte == "15" else i
                  for i in lines],
        "settlement": items if isinstance(items, dict) else {},
        # the same order as on screen (dte.summary); a DCL's figures are its single-object body
        "summary": summary.rows(items if doc.tipo_dte == "09" else resumen, doc.tipo_dte),
        "is_cl": doc.tipo_dte == "08", "is_dcl": doc.tipo_dte == "09",
        "condition": CONDITIONS.get(resumen.get("condicionOperacion")), "pagos": resumen.get("pagos") or [],
        # observaciones: in extension (2023), in resumen (2026)
        "observations": extension.get("observaciones") or resumen.get("observaciones") or doc.observations or "",
        "words": resumen.get("totalLetras") or (items.get("totalLetras") if isinstance(items, dict) else ""),
        "extension": extension,
        "related": body.get("documentoRelacionado") or [], "others": body.get("otrosDocumentos") or [],
        "third_party": body.get("ventaTercero"), "model": MODELS.get(ident.get("tipoModelo")),
        "transmission": TRANSMISSION.get(ident.get("tipoOperacion")), "state": state,
        "pending_seal": state in ("pending", "contingency") or not doc.sello_recibido, "invalidated": state == "invalidated",
        "issued_time": ident.get("horEmi") or (issued.strftime("%H:%M:%S") if issued else ""),
        "qr": _qr_data_uri(url), "qr_url": url, "logo": _logo_uri(doc.company), "layout": layout,
        "reason": ident.get("motivoContin") or ident.get("motivoContigencia") or "",
        "printed_at": timezone.localtime(),
        "annexes": hooks.print_annexes(doc),  # pages an app above adds (dte.hooks.register_print_annex)
    }


# A ticket prints on a roll: laid out first on a page longer than any ticket, then printed on a
# page as long as its content, so the printer feeds no blank paper after the last line.
TICKET_ROLL_MM = 2000
TICKET_MARGIN_MM = 4
PX_PER_MM = 96 / 25.4  # WeasyPrint lays out in CSS pixels


def _content_height_mm(page):
    root = page._page_box.children[0]  # the <html> box; WeasyPrint has no public API for this
    return (root.position_y + root.margin_height()) / PX_PER_MM + TICKET_MARGIN_MM


def render_pdf(doc, layout="letter"):
    """The PDF bytes of this document as it stands now."""
    from weasyprint import HTML  # noqa: PLC0415 - start-up cost: WeasyPrint loads only in the process that prints

    values = context(doc, layout)
    values["page_height"] = f"{TICKET_ROLL_MM}mm"
    html = render_to_string("dte/print/document.html", values)
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=_fonts())
    if layout == "ticket" and len(document.pages) == 1:
        try:
            height = _content_height_mm(document.pages[0])
        except (AttributeError, IndexError):  # another WeasyPrint: keep the long page
            height = None
        if height:
            values["page_height"] = f"{height + 1:.1f}mm"  # 1 mm of slack: rounding never adds a page
            html = render_to_string("dte/print/document.html", values)
            document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=_fonts())
    return document.write_pdf()


_font_config = None


def _fonts():
    """One font configuration per process: WeasyPrint then keeps the fonts it has loaded."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration  # noqa: PLC0415 - start-up cost: WeasyPrint (~1 s) loads only in the process that prints

        _font_config = FontConfiguration()
    return _font_config


def _name(doc, layout, state):
    year = doc.number_year or doc.issue_date.year
    return f"dte/{year}/{doc.tipo_dte}/{doc.codigo_generacion}-{layout}-{state}.pdf"


def render_and_store(document_id, *, layouts=LAYOUTS, force=False):
    """Render the document's copies if they do not show its current state (or ``force``);
    store them and record them. Returns the copies rendered."""
    doc = (Document.objects.select_related("company").defer("company__certificate", "company__certificate_password")
           .get(pk=document_id))
    state = PRINTABLE.get(doc.status)
    if state is None:
        return []
    done = []
    for layout in layouts:
        copy = PrintedCopy.objects.filter(document=doc, layout=layout).first()
        if copy and copy.state == state and not force and copy.file:
            continue
        data = render_pdf(doc, layout)
        name = default_storage.save(_name(doc, layout, state), ContentFile(data))
        with transaction.atomic():
            old = copy.file.name if copy and copy.file else None
            copy, _created = PrintedCopy.objects.update_or_create(
                document=doc, layout=layout,
                defaults={"file": name, "state": state, "size": len(data), "rendered_at": timezone.now(),
                          "error": ""})
        if old and old != name:
            transaction.on_commit(lambda old=old: default_storage.delete(old))
        done.append(copy)
    return done


def current_pdf(doc, layout="letter"):
    """The bytes of the document's copy as it stands now, rendered first if missing or stale.
    For workers only (delivery, archives): a web request never renders."""
    copy = doc.printed.filter(layout=layout).first()
    if copy is None or copy.state != PRINTABLE.get(doc.status) or not copy.file:
        render_and_store(doc.pk, layouts=(layout,))
        copy = doc.printed.get(layout=layout)
    with copy.file.open("rb") as fh:
        return fh.read()


def queue_render(document_id, countdown=None):
    """After commit: render in a worker (never in the web request)."""
    if not settings.DTE_PDF_AUTO:
        return
    from dte.tasks import render_task  # noqa: PLC0415 - cycle: dte.tasks imports this module (a task wraps it)

    # A dead broker never blocks the document: the copy is rendered on demand later (current_pdf).
    enqueue_on_commit(render_task, document_id, countdown=countdown)


def status_changed(document, from_status, to_status, track):
    """A status observer (dte.hooks, registered in DteConfig.ready): the readable version follows
    the document, rendered after commit."""
    if track == "gov" and to_status in PRINT_ON:
        queue_render(document.pk)


def pdf_filename(doc, layout="letter"):
    suffix = "" if layout == "letter" else "-ticket"
    return f"{doc.numero_control or doc.codigo_generacion}{suffix}.pdf"


