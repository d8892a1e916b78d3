"""The sales rep's pages: documents list, new document, the editor (htmx: totals as you type,
autosaved draft), the confirmation page with special cases, the issued document; and the
supervisor's approvals."""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.modules import Module
from core.access import module_required, public_view
from core.modules import Action
from core.text import clean_text
from dte import arithmetic as ar
from dte import forms, hooks, jsonio, selectors, services
from dte.amounts import q8
from dte.models import CaseState, Condition, DocType, Document, GovStatus, SpecialCase, Treatment

IVA_DIVISOR = Decimal("1.13")
PAYMENT_METHODS = [("01", gettext_lazy("Billetes y monedas")), ("02", gettext_lazy("Tarjeta débito")), ("03", gettext_lazy("Tarjeta crédito")),
                   ("04", gettext_lazy("Cheque")), ("05", gettext_lazy("Transferencia / depósito")), ("06", gettext_lazy("Vales o cupones")),
                   ("08", gettext_lazy("Dinero electrónico")), ("09", gettext_lazy("Monedero electrónico")), ("11", gettext_lazy("Bitcoin")),
                   ("13", gettext_lazy("Cuentas por pagar del receptor")), ("14", gettext_lazy("Giro bancario")), ("99", gettext_lazy("Otros"))]


def _draft_for(user, pk):
    """A draft the user may edit: his own, or any for a company-wide role; of a type his role
    issues (an accountant who issues notes does not finish a rep's Factura)."""
    doc = get_object_or_404(selectors.documents_for_user(user=user), pk=pk)
    if doc.created_by_id != user.pk and not user.company_wide:
        raise PermissionDenied
    if doc.tipo_dte not in services.types_for(user=user):
        raise PermissionDenied
    if not doc.is_editable:
        raise Http404
    return doc


# ------------------------------------------------------------------------------------------- list


def _filtered(request):
    """The list's filters, applied to what the user may see. Returns (queryset, filters)."""
    import datetime

    qs = selectors.documents_for_user(user=request.user).exclude(status=GovStatus.DRAFT)
    if not request.user.company_wide:
        qs = qs.filter(created_by=request.user)  # a sales rep: my documents
    g = request.GET
    f = {k: g.get(k, "").strip() for k in ("tipo", "estado", "interno", "q", "desde", "hasta", "establecimiento",
                                           "punto", "vendedor", "min", "max")}
    if f["tipo"]:
        qs = qs.filter(tipo_dte=f["tipo"])
    if f["interno"]:
        qs = qs.filter(internal_status=f["interno"])
    branches = _search_branches(f["q"]) if f["q"] else None
    for key, lookup in (("desde", "issue_date__gte"), ("hasta", "issue_date__lte")):
        try:
            if f[key]:
                qs = qs.filter(**{lookup: datetime.date.fromisoformat(f[key])})
        except ValueError:
            f[key] = ""
    for key, lookup in (("establecimiento", "establishment_id"), ("punto", "point_of_sale_id"),
                        ("vendedor", "created_by_id")):
        if f[key].isdigit():
            qs = qs.filter(**{lookup: int(f[key])})
    for key, lookup in (("min", "total_to_pay__gte"), ("max", "total_to_pay__lte")):
        try:
            if f[key]:
                qs = qs.filter(**{lookup: Decimal(f[key])})
        except ArithmeticError:
            f[key] = ""
    counts = _status_counts(request, qs, f, branches)
    if f["estado"]:
        qs = qs.filter(status=f["estado"])
    if branches is not None:
        qs = _matching(qs, branches, counts.get(f["estado"], 0) if f["estado"] else sum(counts.values()))
    return qs, f, counts


SEARCH_PARTIES = 2000  # clients or providers a search term may name before it is read as a subquery


def _any(conditions):
    condition = Q(pk__in=[])
    for c in conditions:
        condition |= c
    return condition


SEARCH_IDS_UP_TO = 5000  # documents a search may match for its page to be taken by their ids


def _matching(qs, branches, expected):
    """The documents of ``qs`` that meet any of the search's ``branches``, ``expected`` of them
    (the status counts). The newest-first page of an OR over the search conditions is planned as
    a walk back through the dates that stops after a page of matches, which is right when matches
    are many; when they are few (a name that never bought a CCF) the walk reads every document of
    the year to find them (1.5–2 s at a million). So a search expected to match few documents
    takes their ids first, each condition from its own index without an order (the client's from
    document_by_client alone), and the page is then read by those ids."""
    if expected > SEARCH_IDS_UP_TO:
        return qs.filter(_any(branches))
    ids = set()
    for branch in branches:
        ids.update(qs.filter(branch).order_by().values_list("pk", flat=True))
    return qs.filter(pk__in=sorted(ids))


def _search_branches(text):
    """The list's search box, answered from indexes: a número de control by its start
    ("DTE-03-M001…"), a código de generación by its start, a correlative by its number, and the
    client or provider by any part of its name or document number (their trigram-indexed
    search_text). Returned as the list of conditions a document may meet (any of them), the
    client's first, so the status counts can take each from its own index (_status_counts)."""
    import re

    from clients.models import Client
    from clients.rules import search_condition
    from inventory.models import Provider

    upper = text.strip().upper()
    if upper.startswith("DTE-"):
        return [Q(numero_control__startswith=upper)]
    branches = []
    parties = search_condition(text) if len(text.strip()) >= 3 else None  # shorter: a correlative, not a name
    if parties is not None:
        # the ids first: a short list lets the database combine the indexes (a subquery here
        # made it read every document)
        for field, model in (("client", Client), ("provider", Provider)):
            ids = list(model.objects.filter(parties).values_list("pk", flat=True)[:SEARCH_PARTIES + 1])
            if ids:
                branches.append(Q(**{f"{field}__in": ids if len(ids) <= SEARCH_PARTIES
                                     else model.objects.filter(parties).values("pk")}))
    if upper.isdigit() and len(upper) <= 15:
        branches.append(Q(correlative=int(upper)))
    if len(upper) >= 6 and re.fullmatch(r"[0-9A-F-]+", upper):
        branches.append(Q(codigo_generacion__startswith=upper))
    return branches


@module_required(Module.DOCUMENTOS, Action.VIEW)
def document_list(request):
    from accounts.selectors import establishments_for_user, points_of_sale_for_user
    from dte.models import InternalStatus

    qs, f, counts = _filtered(request)
    rows, following = _keyset_page(qs.select_related("outbox"), request.GET.get("antes", ""))
    user = request.user
    total = sum(counts.values())
    context = {
        "rows": rows, "following": following, "first_page": not request.GET.get("antes"), "f": f,
        "shown_count": counts.get(f["estado"], 0) if f["estado"] else total, "types": DocType.choices, "statuses": [s for s in GovStatus.choices if s[0] != "draft"],
        "internal_statuses": InternalStatus.choices, "counts": [(v, label, counts.get(v, 0)) for v, label in GovStatus.choices
                                                               if v != "draft"],
        "total_count": total,
        "establishments": establishments_for_user(user=user), "points": points_of_sale_for_user(user=user),
        "reps": _reps(user), "query": _query(f), "base_query": _query({k: v for k, v in f.items() if k != "estado"}),
        "can_create": user.can(Module.DOCUMENTOS, Action.CREATE),
        "can_approve": user.can(Module.DOCUMENTOS, Action.APPROVE),
        "can_archive": user.can(Module.REPORTES, Action.EXPORT),
        "can_edit": user.can(Module.DOCUMENTOS, Action.EDIT),
        "drafts": Document.objects.filter(created_by=user, status=GovStatus.DRAFT).count(),
        "failed_emails": _failed_emails(user) if user.can(Module.DOCUMENTOS, Action.SEND) else 0,
    }
    if request.htmx and request.htmx.target == "document-rows":
        return render(request, "dte/partials/document_rows.html", context)
    return render(request, "dte/list.html", context)


LIST_PAGE = 50


def _status_counts(request, qs, filters, branches=None):
    """Documents per status under the filters (and, when the search box is used, meeting any of
    ``branches``). The open list refreshes itself every few seconds (htmx): those refreshes reuse
    the counts for a few seconds instead of counting again."""
    import hashlib

    from django.core.cache import cache

    def per_status(q):
        return q.values_list("status").annotate(n=Count("*")).values_list("status", "n")

    def count():
        if branches is None:
            return dict(per_status(qs))
        # A search counted as one OR of its conditions makes PostgreSQL combine their indexes into
        # a bitmap and read every matching row from the table (a client name found in 20,000
        # documents: 20,000 scattered pages, 170–300 ms at a million documents). Counted one
        # condition at a time, each less the documents an earlier one already counted, the client
        # condition is answered by the document_by_client index alone (index-only scan) and the
        # others match few documents. The sum is exact: every document is counted once.
        counts = {}
        for i, branch in enumerate(branches):
            part = qs.filter(branch)
            if i:
                part = part.exclude(_any(branches[:i]))
            for status, n in per_status(part):
                counts[status] = counts.get(status, 0) + n
        return counts

    if not request.htmx:
        return count()
    shape = repr(sorted((k, v) for k, v in filters.items() if k != "estado")).encode()
    key = f"doclist-counts:{request.user.pk}:{hashlib.sha256(shape).hexdigest()[:24]}"
    return cache.get_or_set(key, count, LIST_COUNTS_SECONDS)


LIST_COUNTS_SECONDS = 15


def _keyset_page(qs, cursor):
    """One page of the list, newest first, after ``cursor`` ("<issue date>~<id>" of the last row
    shown): the database seeks with the (issue_date, id) indexes instead of counting and skipping
    rows, so a page deep in a year costs what the first one does."""
    import datetime

    qs = qs.order_by("-issue_date", "-id")
    if cursor:
        try:
            day, pk = cursor.split("~", 1)
            day, pk = datetime.date.fromisoformat(day), int(pk)
        except ValueError:
            pass
        else:
            # issue_date <= day bounds the index scan; the OR then drops the rows already shown
            qs = qs.filter(Q(issue_date__lt=day) | Q(issue_date=day, pk__lt=pk), issue_date__lte=day)
    rows = list(qs[:LIST_PAGE + 1])
    following = None
    if len(rows) > LIST_PAGE:
        rows = rows[:LIST_PAGE]
        following = f"{rows[-1].issue_date.isoformat()}~{rows[-1].pk}"
    return rows, following


def _query(filters):
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in filters.items() if v})


def _reps(user):
    from accounts.models import User

    if not user.company_wide:
        return User.objects.filter(pk=user.pk)
    return User.objects.filter(pk__in=Document.objects.values("created_by")).order_by("username")


@module_required(Module.DOCUMENTOS, Action.EDIT)
@require_POST
def document_bulk(request):
    """Bulk actions on the documents ticked in the list: retransmit, or set the internal status."""
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    docs = list(selectors.documents_for_user(user=request.user).filter(pk__in=ids).select_related("company"))
    action = request.POST.get("action", "")
    try:
        if action == "retransmit":
            n = services.document_retransmit(documents=docs, user=request.user)
            messages.success(request, _("%(n)d documento(s) en cola para transmitir.") % {"n": n})
        elif action.startswith("internal:"):
            n = services.internal_status_set(documents=docs, status=action.split(":", 1)[1], user=request.user,
                                             reason=clean_text(request.POST.get("reason", "")))
            messages.success(request, _("%(n)d documento(s) actualizados.") % {"n": n})
        else:
            messages.error(request, _("Elija una acción."))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect(f"{reverse('dte:list')}?{request.POST.get('query', '')}")


# ---------------------------------------------------------------------------------- new document


@module_required(Module.DOCUMENTOS, Action.CREATE)
def document_new(request):
    from accounts.selectors import points_of_sale_for_user

    points = list(points_of_sale_for_user(user=request.user))
    types = [(t, DocType(t).label) for t in services.types_for(user=request.user)]
    error = ""
    if request.method == "POST":
        tipo, pos_id = request.POST.get("tipo_dte", ""), request.POST.get("point_of_sale", "")
        point = next((p for p in points if str(p.pk) == pos_id), None)
        if tipo not in dict(types) or point is None:
            error = _("Elija un tipo de documento y un punto de venta de la lista.")
        else:
            doc = services.draft_save(user=request.user, data={
                "tipo_dte": tipo, "establishment_id": point.establishment_id, "point_of_sale_id": point.pk,
                "issue_date": timezone.localdate()}, lines=[])
            return redirect("dte:edit", pk=doc.pk)
    drafts = Document.objects.filter(created_by=request.user, status=GovStatus.DRAFT).order_by("-updated_at")[:10]
    return render(request, "dte/new.html", {"types": types, "points": points, "error": error, "drafts": drafts})


# ------------------------------------------------------------------------------------------ editor


def _editor_context(request, doc, *, errors=None, totals=None):
    lines = list(doc.lines.select_related("product"))
    if totals is None:
        try:
            totals = services.document_totals(doc, lines)
        except ar.ArithmeticError_ as exc:
            errors = (errors or []) + [str(exc)]
    related = list(doc.related.all())
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
        "faces_provider": doc.tipo_dte == ar.CR, "needs_client": doc.tipo_dte not in (ar.CR, ar.FSE),
        "client_types": [(t, DocType(t).label) for t in services.types_for(user=request.user, client=doc.client)]
        if doc.client_id else [], "line_amounts": _line_amounts(doc, totals), "letters": _letters(doc, totals),
        "party_id_types": [("13", "DUI"), ("36", "NIT"), ("03", _("Pasaporte")), ("02", _("Carnet de residente")),
                           ("37", _("Otro"))],
        "id_threshold": services.thresholds().factura_identification, "needs_buyer": _needs_buyer(doc, totals),
        "cr_doc_types": [("03", _("CCF")), ("01", _("Factura")), ("14", _("Sujeto excluido"))],
        "retention_codes": [("22", _("22 · Retención 1 %")), ("C4", _("C4 · Retención 13 %")), ("C9", _("C9 · Otro"))],
        "bien_titulos": [("01", _("Depósito")), ("02", _("Propiedad")), ("03", _("Consignación")),
                         ("04", _("Traslado")), ("05", _("Otros"))],
        **(_export_choices() if doc.tipo_dte == ar.FEX else {}),
    }


def _needs_buyer(doc, totals):
    """A Factura at or above the identification threshold (on montoTotalOperacion, facts §2.2) that
    does not yet name its buyer: the summary says so while the rep types, not only when issuing."""
    if doc.tipo_dte != ar.FACTURA or totals is None:
        return False
    party = doc.counterparty or {}
    return (totals.monto_total_operacion >= services.thresholds().factura_identification
            and not (party.get("id_type") and party.get("id_number") and party.get("name")))


def _export_choices():
    from catalogs.selectors import catalog_choices

    return {"recintos": catalog_choices(catalog="CAT-027"), "regimenes": catalog_choices(catalog="CAT-028")}


def _letters(doc, totals):
    from dte.amounts import amount_in_words

    if totals is None:
        return ""
    if doc.tipo_dte == ar.CR:
        return amount_in_words(totals.total_iva_retenido)
    return amount_in_words(services.total_of(doc, totals))


def _line_amounts(doc, totals):
    if totals is None:
        return []
    out = []
    for lo in totals.lines:
        out.append(lo.compra if doc.tipo_dte == ar.FSE else (lo.iva_retenido if doc.tipo_dte == ar.CR
                                                             else lo.gravada + lo.exenta + lo.no_suj))
    return out


@module_required(Module.DOCUMENTOS, Action.CREATE)
def document_edit(request, pk):
    doc = _draft_for(request.user, pk)
    return render(request, "dte/editor.html", _editor_context(request, doc))


def _price_for(doc, product):
    """The unit price a line starts with: a Factura shows prices with IVA, the other sales net;
    an FSE starts from the product's cost (the company buys)."""
    price = Decimal(product.price)
    if doc.tipo_dte == ar.FSE:
        return q8(product.cost)
    if doc.tipo_dte == ar.FACTURA:
        return price if product.price_includes_iva or product.tax_treatment != "gravado" else q8(price * IVA_DIVISOR)
    return q8(price / IVA_DIVISOR) if product.price_includes_iva and product.tax_treatment == "gravado" else price


def request_payments(request):
    return forms.parse_payments(request.POST)[0]


def _apply_action(request, doc, lines):
    """Structural changes posted with the form: choose the counterparty, add a product or a
    related document, remove a related document."""
    action = request.POST.get("action", "")
    related = None
    if action == "set_client":
        from clients.selectors import client_get_for_user

        client = client_get_for_user(user=request.user, pk=request.POST.get("client_id"))
        if doc.tipo_dte not in services.types_for(user=request.user, client=client):
            raise ValidationError(_("%(c)s no puede recibir un %(t)s.") % {"c": client.name, "t": doc.get_tipo_dte_display()})
        return {"client_id": client.pk, "payment_term_days": client.payment_term_days}, lines, None
    if action == "clear_client" and doc.tipo_dte == ar.FACTURA:
        # Back to an occasional buyer: a Factura may go without a client (facts §2.2).
        return {"client_id": None, "counterparty": {}, "payment_term_days": 0}, lines, None
    if action == "set_provider":
        from inventory.selectors import provider_get

        return {"provider_id": provider_get(pk=request.POST.get("provider_id")).pk}, lines, None
    if action == "add_product":
        from inventory.selectors import product_get

        product = product_get(pk=request.POST.get("product_id"))
        lines = lines + [{"product_id": product.pk, "code": product.code, "description": product.description,
                          "quantity": Decimal(1), "unit_price": _price_for(doc, product), "discount": Decimal(0),
                          "treatment": product.tax_treatment, "unit": product.unit, "item_type": product.item_type,
                          "special_taxes": product.special_taxes}]
        return {}, lines, None
    if action == "add_payment":
        return {"payments": (request_payments(request) or [{"codigo": "01"}]) + [{"codigo": "01"}]}, lines, None
    if action == "add_line":
        if doc.tipo_dte == ar.CR:
            blank = {"description": "", "quantity": Decimal(1), "unit_price": Decimal(0), "extra": {
                "tipoDte": "03", "tipoDoc": 2, "numDocumento": "", "fechaEmision": "", "montoSujetoGrav": "",
                "codigoRetencionMH": "22"}}
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
    doc = _draft_for(request.user, pk)
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
    if not line_errors:  # a line that cannot be read is not saved over a good one
        services.draft_save(user=request.user, document=doc, data=data, lines=lines,
                            related=related if related is not None else _related_rows(doc))
    elif structural:
        services.draft_save(user=request.user, document=doc, data=data, lines=list(doc.lines.values(*services.LINE_FIELDS)),
                            related=related if related is not None else _related_rows(doc))
    doc.refresh_from_db()
    context = _editor_context(request, doc, errors=errors)
    if not request.htmx:  # the plain submit: «Revisar y emitir»
        if request.POST.get("next") == "confirm" and not errors:
            return redirect("dte:confirm", pk=doc.pk)
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
    product_search = "product-q" if doc.tipo_dte != ar.CR else "add-line"
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
    if action == "add_line" and n:
        first = "numDocumento" if doc.tipo_dte == ar.CR else "description"
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
    doc = _draft_for(request.user, pk)
    query = request.GET.get("q", "")
    if doc.tipo_dte == ar.CR:
        from inventory.selectors import provider_list

        results, kind = list(provider_list(query=query)[:10]) if query.strip() else [], "provider"
    else:
        from clients.selectors import client_search

        results = [c for c in client_search(user=request.user, query=query, limit=20)
                   if doc.tipo_dte in services.types_for(user=request.user, client=c)][:10]
        kind = "client"
    return render(request, "dte/partials/party_results.html", {"doc": doc, "results": results, "kind": kind, "q": query})


@module_required(Module.DOCUMENTOS, Action.CREATE)
def product_search(request, pk):
    doc = _draft_for(request.user, pk)
    from inventory.selectors import product_search as search

    query = request.GET.get("pq", "")
    results = list(search(query=query, limit=10)) if query.strip() else []
    return render(request, "dte/partials/product_results.html", {"doc": doc, "results": results, "q": query})


@module_required(Module.DOCUMENTOS, Action.CREATE)
@require_POST
def document_discard(request, pk):
    doc = _draft_for(request.user, pk)
    services.draft_delete(document=doc, user=request.user)
    messages.success(request, _("Borrador descartado."))
    return redirect("dte:new")


# ------------------------------------------------------------------------------------ confirmation


def _preview_context(body):
    rec = body.get("receptor") or body.get("sujetoExcluido") or {}
    address = (rec.get("direccion") or {}).get("complemento") or rec.get("complemento") or ""
    ident = body.get("identificacion") or {}
    return {"body": body, "rec": rec, "rec_address": address, "is_fse_preview": "sujetoExcluido" in body,
            # FEX v1 spells it motivoContigencia (facts §2.1)
            "contingency_reason": ident.get("motivoContin") or ident.get("motivoContigencia") or ""}


def _cases_context(request, doc, problems=None):
    """The special cases and what must be corrected, together: the issue button is enabled only when
    nothing is left to correct and every case is confirmed or approved (a Factura above the
    identification threshold without its buyer is not "ready" because it has no special case)."""
    import hashlib

    if problems is None:
        try:
            problems = services.document_preview(doc)[2]
        except ar.ArithmeticError_ as exc:
            problems = [str(exc)]
    cases = list(doc.special_cases.select_related("confirmed_by", "decided_by"))
    settled = not problems and all(c.state in (CaseState.CONFIRMED, CaseState.APPROVED) for c in cases)
    seen = "|".join([*(f"{c.pk}:{c.state}:{c.fingerprint}" for c in cases), *map(str, problems)])
    return {"doc": doc, "cases": cases, "settled": settled, "problems": problems,
            "version": hashlib.sha256(seen.encode()).hexdigest()[:16]}


@module_required(Module.DOCUMENTOS, Action.CREATE)
def document_confirm(request, pk):
    doc = _draft_for(request.user, pk)
    try:
        body, totals, problems = services.document_preview(doc)
    except ar.ArithmeticError_ as exc:
        messages.error(request, str(exc))
        return redirect("dte:edit", pk=doc.pk)
    services.cases_refresh(document=doc, user=request.user)
    context = {**_preview_context(body), "totals": totals, **_cases_context(request, doc, problems)}
    return render(request, "dte/confirm.html", context)


@module_required(Module.DOCUMENTOS, Action.CREATE)
def document_cases(request, pk):
    """The special cases block, polled while approvals are pending (the rep sees them arrive)."""
    doc = _draft_for(request.user, pk)
    if request.method == "POST":
        case = get_object_or_404(SpecialCase, document=doc, pk=request.POST.get("case"))
        try:
            if request.POST.get("do") == "request":
                services.case_request_approval(case=case, user=request.user)
            else:
                services.case_confirm(case=case, user=request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])) or _("No permitido."))
    context = _cases_context(request, doc)
    if request.method == "GET" and request.GET.get("v") == context["version"]:
        # The poll while an approval is awaited: nothing changed, nothing swapped (and nothing read
        # out again by the live region around the panel).
        return HttpResponse(status=204)
    return render(request, "dte/partials/cases.html", context)


@module_required(Module.DOCUMENTOS, Action.CREATE)
@require_POST
def document_issue(request, pk):
    doc = _draft_for(request.user, pk)
    try:
        doc = services.document_issue(document=doc, user=request.user)
    except services.IssueError as exc:
        for problem in exc.problems:
            messages.error(request, problem)
        return redirect("dte:confirm", pk=pk)
    except PermissionDenied:
        raise
    messages.success(request, _("Documento %(n)s emitido; se está transmitiendo a MH.") % {"n": doc.numero_control})
    return redirect("dte:detail", pk=doc.pk)


# ------------------------------------------------------------------------------------ issued


def _timeline(doc):
    """Every status change (both tracks) and every call to MH about the document, oldest first."""
    from dte.models import MHCall

    codes = [c for c in [doc.codigo_generacion, *(doc.previous_codes or [])] if c]
    from dte.labels import state_label

    events = [{"at": h.at, "kind": "status", "track": h.track, "by": h.by, "reason": h.reason,
               "from": state_label(h.from_status, "gov" if h.track == "gov" else "internal"),
               "to": state_label(h.to_status, "gov" if h.track == "gov" else "internal")}
              for h in doc.history.select_related("by")]
    events += [{"at": c.at, "kind": "mh", "call": c} for c in MHCall.objects.filter(codigo_generacion__in=codes)]
    return sorted(events, key=lambda e: e["at"])


def _actions(user, doc):
    from dte.models import InternalStatus, OutboxState

    outbox = getattr(doc, "outbox", None)
    own = doc.created_by_id == user.pk
    may_send = user.can(Module.DOCUMENTOS, Action.EDIT) or (own and user.can(Module.DOCUMENTOS, Action.CREATE))
    return {
        "retransmit": may_send and outbox is not None and outbox.state != OutboxState.CLAIMED and (
            doc.status == GovStatus.REJECTED or outbox.state == OutboxState.STOPPED
            or (doc.status in (GovStatus.PENDING, GovStatus.IN_DOUBT) and bool(doc.last_error))),
        "correct": may_send and doc.status == GovStatus.REJECTED,
        "invalidate": user.can(Module.DOCUMENTOS, Action.INVALIDATE) and doc.status == GovStatus.SEALED,
        "internal": user.can(Module.DOCUMENTOS, Action.EDIT),
        "internal_statuses": InternalStatus.choices,
    }


def _failed_emails(user):
    from dte.models import Delivery, DeliveryState

    return Delivery.objects.filter(selectors.document_scope(user=user, prefix="document__"),
                                   state=DeliveryState.FAILED).count()


PRINTABLE_STATES = {GovStatus.CONTINGENCY, GovStatus.SEALED, GovStatus.INVALIDATION_PENDING, GovStatus.INVALIDATED,
                    GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT}


def _delivery_plan(doc, deliveries):
    """What the client was actually sent and what will be sent, for the two blocks of the page
    that talk about it (the contingency note and the deliveries card) to say the same thing. A
    copy emailed before the seal is the pending-seal copy; the sealed one goes out automatically
    only when the company emails documents and the client has an address (dte.delivery.auto_deliver)."""
    from dte.delivery import recipients_of

    sealed_at = doc.history.filter(track="gov", to_status=GovStatus.SEALED).values_list("at", flat=True).last()
    for d in deliveries:
        d.pending_copy = d.state == "sent" and (sealed_at is None or (d.sent_at is not None and d.sent_at < sealed_at))
    recipients = recipients_of(doc)
    waiting = doc.status in (GovStatus.CONTINGENCY, GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT)
    queued = [d for d in deliveries if d.state in ("queued", "sending")]
    # The automatic email follows the sealed copy's rendering by a few seconds: an open page keeps
    # asking for its deliveries while one is queued or that email is still to come (for a while).
    auto_due = (doc.status == GovStatus.SEALED and sealed_at is not None and doc.company.email_documents
                and bool(recipients) and not any(d.automatic for d in deliveries)
                and timezone.now() - sealed_at < datetime.timedelta(minutes=5))
    return {"sent": [d for d in deliveries if d.state == "sent"], "queued": queued,
            "follow": bool(queued) or auto_due,
            "recipients": recipients, "waiting_seal": waiting,
            "auto_on_seal": waiting and doc.company.email_documents and bool(recipients)
            and not any(d.automatic for d in deliveries)}


def _detail_context(request, doc):
    from dte.explain import explain_all

    body = jsonio.loads(doc.payload)
    deliveries = list(doc.deliveries.all()[:20])
    return {"doc": doc, **_preview_context(body), "timeline": _timeline(doc), "actions": _actions(request.user, doc),
            "explained": explain_all(doc.mh_observations),
            "contingency_link": request.user.can(Module.CONTINGENCIA, Action.VIEW),
            "can_send": request.user.can(Module.DOCUMENTOS, Action.SEND),
            "printable": doc.status in PRINTABLE_STATES,
            "deliveries": deliveries, "delivery_plan": _delivery_plan(doc, deliveries),
            "failed_deliveries": [d for d in deliveries if d.state == "failed"],
            "live": doc.status in (
                GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT, GovStatus.INVALIDATION_PENDING,
                GovStatus.CONTINGENCY)}


@module_required(Module.DOCUMENTOS, Action.VIEW)
def document_detail(request, pk):
    doc = get_object_or_404(selectors.documents_for_user(user=request.user).select_related("outbox"), pk=pk)
    if doc.is_draft or doc.status == GovStatus.CORRECTING and not doc.payload:
        if _reviewing(request.user, doc):
            return _draft_review(request, doc)
        return redirect("dte:edit", pk=doc.pk)
    context = _detail_context(request, doc)
    for more in hooks.document_context:  # apps above dte (the contingency event and lot)
        context.update(more(doc))
    if request.htmx and request.htmx.target == "doc-status":
        # The poll says which status it last showed: a change is read out by the page's live region.
        seen = request.GET.get("visto")
        return render(request, "dte/partials/detail_status.html",
                      {**context, "oob_deliveries": True, "status_changed": bool(seen) and seen != doc.status})
    return render(request, "dte/detail.html", context)


def _reviewing(user, doc):
    """An approver opening someone else's draft that waits for his decision: he reads it, he does
    not get the rep's editor (whose autosave would change what he is asked to approve)."""
    return (doc.created_by_id != user.pk and user.can(Module.DOCUMENTOS, Action.APPROVE)
            and doc.special_cases.filter(state=CaseState.REQUESTED).exists())


def _draft_review(request, doc):
    try:
        body, totals, problems = services.document_preview(doc)
    except ar.ArithmeticError_:
        body, totals, problems = {}, None, []
    return render(request, "dte/review.html", {
        **_preview_context(body), "doc": doc, "totals": totals, "problems": problems,
        "total": services.total_of(doc, totals) if totals is not None else None,
        "cases": list(doc.special_cases.select_related("confirmed_by", "decided_by"))})


@module_required(Module.DOCUMENTOS, Action.VIEW)
@require_POST
def document_action(request, pk):
    """The document page's buttons: retransmit, correct, internal status."""
    doc = get_object_or_404(selectors.documents_for_user(user=request.user).select_related("outbox", "company"), pk=pk)
    allowed = _actions(request.user, doc)
    action = request.POST.get("action", "")
    try:
        if action == "retransmit" and allowed["retransmit"]:
            services.document_retransmit(documents=[doc], user=request.user)
            messages.success(request, _("Documento en cola para transmitir."))
        elif action == "correct" and allowed["correct"]:
            services.document_correct(document=doc, user=request.user)
            return redirect("dte:edit", pk=doc.pk)
        elif action == "internal" and allowed["internal"]:
            services.internal_status_set(documents=[doc], status=request.POST.get("status", ""), user=request.user,
                                         reason=clean_text(request.POST.get("reason", "")))
            messages.success(request, _("Estado interno actualizado."))
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect("dte:detail", pk=doc.pk)


@module_required(Module.DOCUMENTOS, Action.INVALIDATE)
def document_invalidate(request, pk):
    from dte.invalidation import deadline, invalidation_request, problems
    from dte.models import InvalidationType
    from dte.returns import parse_returned, returnable_lines

    doc = get_object_or_404(selectors.documents_for_user(user=request.user).select_related("company"), pk=pk)
    replacements = (selectors.documents_for_user(user=request.user)
                    .filter(tipo_dte=doc.tipo_dte, status=GovStatus.SEALED).exclude(pk=doc.pk).order_by("-issued_at")[:50])
    errors, values = [], {}
    stock_lines, stock_sign = returnable_lines(doc)
    # By default every line came back (a rescinded sale returns what was sold); the person
    # unticks or lowers what did not.
    returned = [{"line": x.pk, "quantity": x.quantity} for x in stock_lines]
    if request.method == "POST":
        returned, return_errors = parse_returned(request.POST, stock_lines)
        errors += return_errors
        from core.text import clean_data

        p = clean_data(request.POST)  # names and reason are signed and sent to MH: no invisible characters
        values = {k: p.get(k, "").strip() for k in (
            "tipo", "reason", "replacement", "resp_name", "resp_type", "resp_number", "req_name", "req_type",
            "req_number", "rec_type", "rec_number", "rec_name", "rec_email")}
        try:
            tipo = InvalidationType(int(values["tipo"] or 0))
        except ValueError:
            tipo = None
            errors.append(_("Elija el tipo de invalidación."))
        replacement = next((r for r in replacements if str(r.pk) == values["replacement"]), None)
        for key, label in (("resp_name", _("nombre del responsable")), ("resp_number", _("documento del responsable")),
                           ("req_name", _("nombre de quien solicita")), ("req_number", _("documento de quien solicita"))):
            if len(values[key]) < 3:
                errors.append(_("Falta %(f)s.") % {"f": label})
        if not errors:
            try:
                invalidation_request(
                    document=doc, user=request.user, tipo=tipo, reason=values["reason"], replacement=replacement,
                    responsible={"name": values["resp_name"], "id_type": values["resp_type"] or "13",
                                 "id_number": values["resp_number"]},
                    requester={"name": values["req_name"], "id_type": values["req_type"] or "13",
                               "id_number": values["req_number"]},
                    receptor={"tipoDocumento": values["rec_type"], "numDocumento": values["rec_number"],
                              "nombre": values["rec_name"], "correo": values["rec_email"]}, returned=returned)
                messages.success(request, _("Invalidación firmada y enviada a MH."))
                return redirect("dte:detail", pk=doc.pk)
            except ValidationError as exc:
                errors += exc.messages
    blocking = problems(doc, tipo=InvalidationType.RESCIND) if doc.status == GovStatus.SEALED else [
        _("Solo se invalida un documento sellado por MH.")]
    return render(request, "dte/invalidate.html", {
        "doc": doc, "errors": errors, "values": values, "types": InvalidationType.choices, "replacements": replacements,
        "deadline": deadline(doc) if doc.status == GovStatus.SEALED else None, "blocking": blocking,
        "stock_lines": [(x, next((r["quantity"] for r in returned if r["line"] == x.pk), None)) for x in stock_lines],
        "stock_sign": stock_sign,
        "id_types": [("13", "DUI"), ("36", "NIT"), ("03", _("Pasaporte")), ("02", _("Carnet de residente")),
                     ("37", _("Otro"))]})


@module_required(Module.DOCUMENTOS, Action.VIEW)
def document_download(request, pk, fmt):
    doc = get_object_or_404(selectors.documents_for_user(user=request.user), pk=pk)
    if doc.is_draft or fmt not in ("json", "jws"):
        raise Http404
    if fmt == "json":
        content = jsonio.dumps(services.signed_document(doc), indent=2)
        response = HttpResponse(content, content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(doc.jws, content_type="application/jose; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{doc.codigo_generacion}.{fmt}"'
    return response


# ------------------------------------------------------------------------------------ approvals


def _approvals_context(request):
    pending = selectors.approvals_pending(user=request.user)
    recent = (SpecialCase.objects.filter(decided_by=request.user).select_related("document")
              .order_by("-decided_at")[:10])
    return {"pending": pending, "recent": recent}


@module_required(Module.DOCUMENTOS, Action.APPROVE)
def approvals(request):
    template = "dte/partials/approval_rows.html" if request.htmx else "dte/approvals.html"
    return render(request, template, _approvals_context(request))


@module_required(Module.DOCUMENTOS, Action.APPROVE)
@require_POST
def approval_decide(request, case_pk):
    case = get_object_or_404(SpecialCase.objects.filter(selectors.document_scope(user=request.user, prefix="document__")),
                             pk=case_pk)
    try:
        services.case_decide(case=case, user=request.user, approve=request.POST.get("do") == "approve",
                             reason=clean_text(request.POST.get("reason", "")))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    context = _approvals_context(request)
    if request.htmx:
        return render(request, "dte/partials/approval_rows.html", context)
    return redirect(reverse("dte:approvals"))



# -------------------------------------------------------------------------- printed and sent


@module_required(Module.DOCUMENTOS, Action.VIEW)
def document_pdf(request, pk):
    """The stored PDF (letter, or ?formato=ticket). If it does not show the document's current
    state yet, a worker renders it and the page says so (rendering never runs in a request)."""
    from django.http import FileResponse

    from dte.printing import PRINTABLE, pdf_filename, queue_render

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
    from django.core.exceptions import ValidationError as DjangoValidationError

    from dte.delivery import deliveries_queue

    doc = get_object_or_404(selectors.documents_for_user(user=request.user).select_related("client", "company"), pk=pk)
    typed = [e.strip() for e in (request.POST.get("emails") or "").replace(";", ",").split(",") if e.strip()]
    try:
        rows = deliveries_queue(document=doc, emails=typed or None, user=request.user)
    except DjangoValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Enviando a %(d)s.") % {"d": ", ".join(r.recipient for r in rows)})
    return redirect("dte:detail", pk=pk)


@module_required(Module.DOCUMENTOS, Action.SEND)
@require_POST
def deliveries_retry(request):
    """Failed emails of the documents the user may see, again (all, or the ones checked)."""
    from dte.delivery import deliveries_retry as retry
    from dte.delivery import send_allowance
    from dte.models import Delivery, DeliveryState

    qs = Delivery.objects.filter(selectors.document_scope(user=request.user, prefix="document__"),
                                 state=DeliveryState.FAILED).select_related("document")
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    if ids:
        qs = qs.filter(pk__in=ids)
    rows = list(qs[:1000])
    queued = retry(deliveries=rows, user=request.user)
    messages.success(request, _("%(n)d envíos en cola de nuevo.") % {"n": queued})
    if queued < len(rows) and not send_allowance(request.user):
        messages.error(request, _("Llegó al límite de %(n)d correos por día: los demás quedan fallidos hasta "
                                  "mañana.") % {"n": settings.DTE_SEND_DAILY_LIMIT})
    return redirect(request.POST.get("next") if url_has_allowed_host_and_scheme(
        request.POST.get("next"), allowed_hosts={request.get_host()}) else "dte:list")


# ---------------------------------------------------------------------- the client's public page


def _public(request, token):
    from dte.delivery import LinkExpired, LinkInvalid, document_for_token

    try:
        return document_for_token(token), None
    except LinkExpired:
        return None, render(request, "dte/public_gone.html", status=410)
    except LinkInvalid:
        return None, render(request, "dte/public_gone.html", {"invalid": True}, status=403)


@public_view
def public_document(request, enlace):
    from dte.delivery import record_download

    doc, refusal = _public(request, enlace)
    if refusal:
        return refusal
    record_download(doc, "page", request)
    body = jsonio.loads(doc.payload)
    return render(request, "dte/public.html", {"doc": doc, "token": enlace, **_preview_context(body)})


@public_view
def public_download(request, enlace, fmt):
    from django.http import FileResponse

    from dte.delivery import record_download
    from dte.printing import PRINTABLE, pdf_filename, queue_render

    doc, refusal = _public(request, enlace)
    if refusal:
        return refusal
    if fmt == "json":
        record_download(doc, "json", request)
        response = HttpResponse(jsonio.dumps(services.signed_document(doc), indent=2),
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


# ------------------------------------------------------------------------------- ZIP archive


@module_required(Module.REPORTES, Action.EXPORT)
def archive_list(request):
    """The PDFs and JSONs of a date range as one ZIP, built in the background."""
    import datetime

    from django.core.exceptions import ValidationError as DjangoValidationError

    from dte.archive import archive_request
    from dte.models import ArchiveJob

    error = None
    today = timezone.localdate()
    values = {"desde": today.replace(day=1).isoformat(), "hasta": today.isoformat()}
    if request.method == "POST":
        values = {"desde": request.POST.get("desde", ""), "hasta": request.POST.get("hasta", "")}
        try:
            start, end = (datetime.date.fromisoformat(values["desde"]), datetime.date.fromisoformat(values["hasta"]))
            job = archive_request(user=request.user, date_from=start, date_to=end)
        except ValueError:
            error = _("Escriba las dos fechas (AAAA-MM-DD).")
        except DjangoValidationError as exc:
            error = " ".join(exc.messages)
        else:
            return redirect("dte:archive_job", public_id=job.public_id)
    jobs = ArchiveJob.objects.filter(requested_by=request.user)[:20]
    return render(request, "dte/archive.html", {"jobs": jobs, "error": error, "values": values})


def _archive_job(request, public_id):
    from dte.models import ArchiveJob

    return ArchiveJob.get_for(request.user, public_id)


@module_required(Module.REPORTES, Action.EXPORT)
def archive_job(request, public_id):
    job = _archive_job(request, public_id)
    template = "dte/partials/archive_progress.html" if request.htmx else "dte/archive_job.html"
    return render(request, template, {"job": job})


@module_required(Module.REPORTES, Action.EXPORT)
def archive_download(request, public_id):
    from django.http import FileResponse

    job = _archive_job(request, public_id)
    if job.state != "done" or not job.file:
        return redirect("dte:archive_job", public_id=job.public_id)  # not ready: its progress
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1],
                        content_type="application/zip")
