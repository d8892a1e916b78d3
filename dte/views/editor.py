"""The sales rep's editor: a new document, the draft's editor (htmx: totals as you type, the draft
autosaved, structural changes such as choosing the client or adding a product), the type-ahead
searches for the counterparty and the products, and discarding the draft."""

import uuid
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from accounts.selectors import points_of_sale_for_user
from catalogs.models import Edition
from catalogs.payment_methods import PAYMENT_METHODS
from catalogs.selectors import catalog_choices
from clients.selectors import client_get_for_user, client_search
from core.access import module_required
from core.modules import Action
from dte import arithmetic as ar
from dte import forms, generations, selectors, taxes
from dte.amounts import amount_in_words
from dte.models import Condition, DocType, Document, GovStatus, Treatment
from dte.pricing import unit_price_for
from dte.services.drafts import LINE_FIELDS, draft_delete, draft_save, types_for
from dte.services.liquidation import liquidation_lines
from dte.services.totals import document_totals, total_of
from dte.views.common import draft_for
from inventory.selectors import product_for_line, provider_get, provider_list
from inventory.selectors import product_search as search_products


@module_required(Module.DOCUMENTOS, Action.CREATE)
def document_new(request):
    points = list(points_of_sale_for_user(user=request.user))
    types = [(t, DocType(t).label) for t in types_for(user=request.user)]
    error = ""
    if request.method == "POST":
        tipo, pos_id = request.POST.get("tipo_dte", ""), request.POST.get("point_of_sale", "")
        point = next((p for p in points if str(p.pk) == pos_id), None)
        if tipo not in dict(types) or point is None:
            error = _("Elija un tipo de documento y un punto de venta de la lista.")
        else:
            doc = draft_save(acting_user=request.user, data={
                "tipo_dte": tipo, "establishment_id": point.establishment_id, "point_of_sale_id": point.pk,
                "issue_date": timezone.localdate()}, lines=[])
            return redirect("dte:edit", pk=doc.pk)
    drafts = Document.objects.filter(created_by=request.user, status=GovStatus.DRAFT).order_by("-updated_at")[:10]
    return render(request, "dte/new.html", {"types": types, "points": points, "error": error, "drafts": drafts})


# ------------------------------------------------------------------------------------------ editor


def _editor_context(request, doc, *, errors=None, totals=None):
    # order_by: the models' default ordering starts with the document, a join to it for nothing.
    lines = list(doc.lines.select_related("product").order_by("position"))
    if totals is None:
        try:
            totals = document_totals(doc, lines)
        except ar.ArithmeticError_ as exc:
            errors = (errors or []) + [str(exc)]
    related = list(doc.related.order_by("id"))
    sealed = []
    if doc.tipo_dte in (ar.NC, ar.ND) and doc.client_id:
        chosen = {r.target_id for r in related}
        sealed = [d for d in selectors.sealed_for_correction(client_id=doc.client_id, tipo=ar.CCF, user=request.user)[:20]
                  if d.pk not in chosen]
    return {
        "doc": doc, "lines": [(uuid.uuid4().hex[:8], x) for x in lines], "totals": totals, "errors": errors or [],
        "related": related, "sealed": sealed, "treatments": Treatment.choices, "conditions": Condition.choices,
        "payment_methods": PAYMENT_METHODS, "payments": [(uuid.uuid4().hex[:8], p) for p in (doc.payments or [{}])],
        "is_cr": doc.tipo_dte == ar.CR, "is_fse": doc.tipo_dte == ar.FSE, "is_fex": doc.tipo_dte == ar.FEX,
        "is_nr": doc.tipo_dte == ar.NR, "is_note": doc.tipo_dte in (ar.NC, ar.ND), "is_nc": doc.tipo_dte == ar.NC,
        # the liquidations (sv-tax-facts-2.md §6): 08 lists documents, 09 has one body and no lines
        "is_cl": doc.tipo_dte == ar.CL, "is_dcl": doc.tipo_dte == ar.DCL,
        "takes_third_party": doc.tipo_dte in forms.THIRD_PARTY_TYPES,
        "cl_doc_types": [("01", _("Factura")), ("03", _("CCF")), ("05", _("Nota de crédito")), ("06", _("Nota de débito")),
                         ("11", _("Exportación"))],
        "establishment_types": [("02", _("Casa matriz")), ("01", _("Sucursal")), ("04", _("Bodega")),
                                ("07", _("Predio o patio")), ("20", _("Otro"))],
        "faces_provider": doc.tipo_dte == ar.CR, "needs_client": doc.tipo_dte not in (ar.CR, ar.FSE),
        "client_types": [(t, DocType(t).label) for t in types_for(user=request.user, client=doc.client)]
        if doc.client_id else [], "line_amounts": _line_amounts(doc, totals), "letters": _letters(doc, totals),
        "party_id_types": [("13", "DUI"), ("36", "NIT"), ("03", _("Pasaporte")), ("02", _("Carnet de residente")),
                           ("37", _("Otro"))],
        "id_threshold": taxes.thresholds().factura_identification, "needs_buyer": _needs_buyer(doc, totals),
        "cr_doc_types": [("03", _("CCF")), ("01", _("Factura")), ("14", _("Sujeto excluido"))],
        "retention_codes": [("22", _("22 · Retención 1 %")), ("C4", _("C4 · Retención 13 %")), ("C9", _("C9 · Otro"))],
        "bien_titulos": [("01", _("Depósito")), ("02", _("Propiedad")), ("03", _("Consignación")),
                         ("04", _("Traslado")), ("05", _("Otros"))],
        **(_export_choices(doc) if doc.tipo_dte == ar.FEX else {}),
        # Comprobante de Donación: CAT-026 per line, CAT-021 for the associated document.
        "is_cd": doc.tipo_dte == ar.CD,
        "donation_types": [(1, _("Efectivo")), (2, _("Bien")), (3, _("Servicio"))],
    }


def _needs_buyer(doc, totals):
    """A Factura at or above the identification threshold (on montoTotalOperacion, facts §2.2) that
    does not yet name its buyer: the summary says so while the rep types, not only when issuing."""
    if doc.tipo_dte != ar.FACTURA or totals is None:
        return False
    party = doc.counterparty or {}
    return (totals.monto_total_operacion >= taxes.thresholds().factura_identification
            and not (party.get("id_type") and party.get("id_number") and party.get("name")))


def _export_choices(doc):
    """CAT-027/028 (and CAT-033 in 2026) in the catalog edition of the generation the document
    will be issued in (dte.generations.catalog_edition_for), as the form checks them."""
    edition = generations.catalog_edition_for(doc)
    return {"recintos": catalog_choices(catalog="CAT-027", edition=edition),
            "regimenes": catalog_choices(catalog="CAT-028", edition=edition),
            "tipos_regimen": catalog_choices(catalog="CAT-033", edition=edition) if edition == Edition.E2026 else []}


def _letters(doc, totals):
    if totals is None:
        return ""
    if doc.tipo_dte == ar.CR:
        return amount_in_words(totals.total_iva_retenido)
    return amount_in_words(total_of(doc, totals))


def _line_amounts(doc, totals):
    if totals is None:
        return []
    out = []
    for lo in totals.lines:
        if doc.tipo_dte == ar.CD:
            out.append(lo.valor)
            continue
        out.append(lo.compra if doc.tipo_dte == ar.FSE else (lo.iva_retenido if doc.tipo_dte == ar.CR
                                                             else lo.gravada + lo.exenta + lo.no_suj + lo.exportacion))
    return out


@module_required(Module.DOCUMENTOS, Action.CREATE)
def document_edit(request, pk):
    doc = draft_for(request.user, pk)
    return render(request, "dte/editor.html", _editor_context(request, doc))


def request_payments(request):
    return forms.parse_payments(request.POST)[0]


def _apply_action(request, doc, lines):
    """Structural changes posted with the form: choose the counterparty, add a product or a
    related document, remove a related document."""
    action = request.POST.get("action", "")
    related = None
    if action == "set_client":
        client = client_get_for_user(user=request.user, pk=request.POST.get("client_id"))
        if doc.tipo_dte not in types_for(user=request.user, client=client):
            raise ValidationError(_("%(c)s no puede recibir un %(t)s.") % {"c": client.name, "t": doc.get_tipo_dte_display()})
        return {"client_id": client.pk, "payment_term_days": client.payment_term_days}, lines, None
    if action == "clear_client" and doc.tipo_dte == ar.FACTURA:
        # Back to an occasional buyer: a Factura may go without a client (facts §2.2).
        return {"client_id": None, "counterparty": {}, "payment_term_days": 0}, lines, None
    if action == "set_provider":
        return {"provider_id": provider_get(pk=request.POST.get("provider_id")).pk}, lines, None
    if action == "add_product":
        product = product_for_line(pk=request.POST.get("product_id"))
        lines = lines + [{"product_id": product.pk, "code": product.code, "description": product.description,
                          "quantity": Decimal(1), "unit_price": unit_price_for(doc, product), "discount": Decimal(0),
                          "treatment": product.tax_treatment, "unit": product.unit, "item_type": product.item_type,
                          "special_taxes": product.special_taxes}]
        return {}, lines, None
    if action == "add_payment":
        return {"payments": (request_payments(request) or [{"codigo": "01"}]) + [{"codigo": "01"}]}, lines, None
    if action == "add_liquidated" and doc.tipo_dte == ar.CL:
        found = liquidation_lines(user=request.user, document=doc)
        if not found:
            raise ValidationError(_("No hay ventas por cuenta de este mandante pendientes de liquidar en el mes."))
        return {}, lines + found, None
    if action == "add_line":
        if doc.tipo_dte == ar.CL:
            return {}, lines + [{"description": "", "quantity": Decimal(1), "unit_price": Decimal(0), "extra": {
                "tipoDte": "03", "tipoGeneracion": 2, "numeroDocumento": "", "fechaGeneracion": "",
                "ventaNoSuj": "0", "ventaExenta": "0", "ventaGravada": "0", "exportaciones": "0"}}], None
        if doc.tipo_dte == ar.CR:
            blank = {"description": "", "quantity": Decimal(1), "unit_price": Decimal(0), "extra": {
                "tipoDte": "03", "tipoDoc": 2, "numDocumento": "", "fechaEmision": "", "montoSujetoGrav": "",
                "codigoRetencionMH": "22"}}
        elif doc.tipo_dte == ar.CD:
            blank = {"description": "", "quantity": Decimal(1), "unit_price": Decimal(0), "unit": 99,
                     "extra": {"tipoDonacion": 1, "depreciacion": "0"}}
        else:
            blank = {"description": "", "quantity": Decimal(1), "unit_price": Decimal(0)}
        return {}, lines + [blank], None
    if action == "add_related":
        target = get_object_or_404(selectors.sealed_for_correction(client_id=doc.client_id, tipo=ar.CCF, user=request.user),
                                   pk=request.POST.get("target_id"))
        related = _related_rows(doc)
        related.append({"tipo_documento": target.tipo_dte, "tipo_generacion": 2,
                        "numero_documento": target.codigo_generacion, "fecha_emision": target.issue_date,
                        "target_id": target.pk})
        # Its lines are brought in, to adjust (a credit note usually returns part of them).
        for x in target.lines.all():
            lines.append({"product_id": x.product_id, "code": x.code, "description": x.description,
                          "quantity": x.quantity, "unit_price": x.unit_price, "discount": x.discount,
                          "treatment": x.treatment, "unit": x.unit, "item_type": x.item_type,
                          "related_code": target.codigo_generacion})
        return {}, lines, related
    if action == "remove_related":
        code = request.POST.get("related_code", "")
        related = [r for r in _related_rows(doc) if r["numero_documento"] != code]
        return {}, [x for x in lines if x.get("related_code") != code], related
    return {}, lines, None


@module_required(Module.DOCUMENTOS, Action.CREATE)
@require_POST
def document_save(request, pk):
    """Autosave: the whole form comes in, the draft is saved, the totals go back. With an
    ``action`` (a structural change) the whole editor is sent back instead."""
    doc = draft_for(request.user, pk)
    data, errors = forms.parse_header(request.POST, doc)
    lines, line_errors = forms.parse_lines(request.POST, doc.tipo_dte)
    payments, pay_errors = forms.parse_payments(request.POST)
    errors += line_errors + pay_errors
    data["payments"] = payments
    action = request.POST.get("action", "")
    structural = bool(action)
    related = None
    try:
        if structural:
            more, lines, related = _apply_action(request, doc, lines)
            if "client_id" in more:
                data.pop("counterparty", None)  # the typed occasional buyer gives way to the client's own data
            data.update(more)
    except ValidationError as exc:
        errors += exc.messages
    # related=None: the related documents stay as they are (only add_related and remove_related
    # change them), not read and written back on every autosave.
    # The client as draft_for read it a moment ago: draft_save takes its snapshot from this row
    # instead of reading it again (it does read a newly chosen one).
    client = doc.client if doc.client_id else None
    if not line_errors:  # a line that cannot be read is not saved over a good one
        draft_save(acting_user=request.user, document=doc, data=data, lines=lines, related=related, client=client)
    elif structural:
        draft_save(acting_user=request.user, document=doc, data=data, lines=list(doc.lines.values(*LINE_FIELDS)),
                   related=related, client=client)
    if not request.htmx and request.POST.get("next") == "confirm" and not errors:
        # «Revisar y emitir» with nothing to correct: straight on, the editor is not built for it.
        return redirect("dte:confirm", pk=doc.pk)
    doc = selectors.draft_reread(document=doc)
    context = _editor_context(request, doc, errors=errors)
    if not request.htmx:  # the plain submit with errors to show
        return render(request, "dte/editor.html", context)
    if structural:
        context.update(_after_action(doc, action, context, errors))
        return render(request, "dte/partials/editor.html", context)
    # Each line's amount goes to its place on the page (#amount-N), only when the saved lines are the
    # rows the page posted: otherwise a position could name a row that is no longer there.
    context["oob_amounts"] = not line_errors and len(forms.row_keys(request.POST, "line-")) == len(context["line_amounts"])
    return render(request, "dte/partials/summary.html", context)


def _after_action(doc, action, context, errors):
    """Where the rep goes on after a structural change (the id of the field editor.js focuses), and
    what the page's live region says about it."""
    n = len(context["lines"])
    product_search = "product-q" if doc.tipo_dte not in (ar.CR, ar.CL, ar.DCL) else "add-line"
    if errors:  # refused (e.g. a client who may not receive this type): back where the rep chose
        return {"focus": "party-q" if action in ("set_client", "set_provider") else "", "announce": ""}
    if action in ("set_client", "set_provider"):
        party = doc.client or doc.provider
        return {"focus": product_search, "announce": _("Elegido: %(n)s.") % {"n": party.name if party else ""}}
    if action == "clear_client":
        return {"focus": "party-id_type", "announce": _("Sin cliente: puede escribir los datos del comprador.")}
    if action == "add_product" and n:
        line = context["lines"][-1][1]
        return {"focus": f"line-{n}-quantity", "announce": _("Línea %(n)d agregada: %(d)s.") % {"n": n, "d": line.description}}
    if action == "add_liquidated" and n:
        return {"focus": f"line-{n}-description", "announce": _("Ventas del mandante agregadas: %(n)d líneas.") % {"n": n}}
    if action == "add_line" and n:
        first = {ar.CR: "numDocumento", ar.CL: "numeroDocumento"}.get(doc.tipo_dte, "description")
        return {"focus": f"line-{n}-{first}", "announce": _("Línea %(n)d agregada.") % {"n": n}}
    if action == "add_payment":
        return {"focus": f"pay-{len(context['payments'])}-codigo", "announce": _("Forma de pago agregada.")}
    if action == "add_related":
        return {"focus": "line-1-quantity" if n else product_search, "announce": _("Documento relacionado agregado con sus líneas.")}
    if action == "remove_related":
        return {"focus": product_search, "announce": _("Documento relacionado quitado.")}
    return {}


def _related_rows(doc):
    return [{"tipo_documento": r.tipo_documento, "tipo_generacion": r.tipo_generacion,
             "numero_documento": r.numero_documento, "fecha_emision": r.fecha_emision, "target_id": r.target_id}
            for r in doc.related.all()]


@module_required(Module.DOCUMENTOS, Action.CREATE)
def party_search(request, pk):
    """Type-ahead for the counterparty: clients that may receive this type, or providers."""
    doc = draft_for(request.user, pk, related=False)
    query = request.GET.get("q", "")
    if doc.tipo_dte == ar.CR:
        results, kind = list(provider_list(query=query)[:10]) if query.strip() else [], "provider"
    else:
        results = [c for c in client_search(user=request.user, query=query, limit=20)
                   if doc.tipo_dte in types_for(user=request.user, client=c)][:10]
        kind = "client"
    return render(request, "dte/partials/party_results.html", {"doc": doc, "results": results, "kind": kind, "q": query})


@module_required(Module.DOCUMENTOS, Action.CREATE)
def product_search(request, pk):
    doc = draft_for(request.user, pk, related=False)
    query = request.GET.get("pq", "")
    results = list(search_products(query=query, limit=10)) if query.strip() else []
    return render(request, "dte/partials/product_results.html", {"doc": doc, "results": results, "q": query})


@module_required(Module.DOCUMENTOS, Action.CREATE)
@require_POST
def document_discard(request, pk):
    doc = draft_for(request.user, pk)
    draft_delete(document=doc, acting_user=request.user)
    messages.success(request, _("Borrador descartado."))
    return redirect("dte:new")
