"""Documents through the API, by the editor's own path.

A call's JSON is turned into the editor's form fields (``line-1-quantity``, ``pay-1-codigo``…) and
read by dte.forms, the same reader the editor posts to, so every value is checked with the same
rule and the same words; the draft is saved by dte.services.drafts.draft_save and issued by
dte.services.issuing.document_issue, with the special cases of dte.services.cases. A case the
key's role may confirm is confirmed only when the call names it (``confirm``); a case that needs a
supervisor is sent for approval only when the call asks (``request_approval``); either way a
document with a case left answers 409 with its cases and the page where a person decides."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import point_of_sale_for_user
from api.errors import ApiError
from api.serializers import case_data
from catalogs.selectors import catalog_has
from clients.models import Client
from core import scope
from dte import arithmetic as ar
from dte import forms, generations, selectors
from dte.models import CaseState, Document, DocumentLine, GovStatus
from dte.pricing import unit_price_for
from dte.returns import returnable_lines
from dte.services.cases import case_confirm, case_request_approval, cases_refresh
from dte.services.drafts import LINE_FIELDS, draft_save, types_for
from dte.services.issuing import IssueError, document_issue
from dte.views.common import draft_for
from inventory.models import Product, Provider

SETTLED = (CaseState.CONFIRMED, CaseState.APPROVED)
PERSON_STATES = {"confirmation_required": gettext_lazy("Por confirmar"),
                 "approval_required": gettext_lazy("Esperando aprobación de un supervisor")}


def _bad(message, field=None, errors=None):
    raise ApiError(message, code="invalid", status_code=400, field=field, errors=errors)


def _text(value):
    return "" if value is None else str(value)


def _post(doc, content):
    """The editor's form fields for ``content`` (the call's JSON, already checked for shape)."""
    post = {}
    for key in ("observations", "payment_term_days", "condition", "discount_gravada"):
        if key in content:
            post[key] = _text(content[key])
    post["issue_date"] = (content.get("issue_date") or doc.issue_date).isoformat()
    post.setdefault("observations", doc.observations or "")
    post.setdefault("payment_term_days", str(doc.payment_term_days or 0))
    post.setdefault("condition", str(doc.condition or 1))
    post.setdefault("discount_gravada", _text(doc.discount_gravada or "0"))
    extra = {**(doc.extra or {}), **(content.get("extra") or {})}
    for key in ("seguro", "flete", "codIncoterms", "descIncoterms", "tipoItemExpor", "recintoFiscal", "regimen",
                "bienTitulo"):
        if key in extra:
            post[key] = _text(extra[key])
    # A Documento Contable de Liquidación's settlement and who delivers it; a sale's mandante (the
    # editor's fields of the same names: dte.forms._settlement, _third_party).
    for section in ("liquidacion", "extension"):
        if doc.tipo_dte == "09" and isinstance(extra.get(section), dict):
            post.update({key: _text(value) for key, value in extra[section].items()})
    # A Comprobante de Donación's associated document (CAT-021; the editor's «otros-*» fields,
    # dte.forms.parse_header): the donatario's qualification, one per donation as in the editor.
    if doc.tipo_dte == ar.CD and "otrosDocumentos" in (content.get("extra") or {}):
        others = extra["otrosDocumentos"]
        if not isinstance(others, list) or len(others) != 1 or not isinstance(others[0], dict):
            _bad(_("Comprobante de donación: «otrosDocumentos» lleva un documento asociado (codDocAsociado, "
                   "descDocumento, detalleDocumento)."), field="extra.otrosDocumentos")
        post["otros-cod"] = _text(others[0].get("codDocAsociado", 1))
        post["otros-desc"] = _text(others[0].get("descDocumento"))
        post["otros-detalle"] = _text(others[0].get("detalleDocumento"))
    if isinstance(extra.get("ventaTercero"), dict):
        post["tercero-nit"] = _text(extra["ventaTercero"].get("nit"))
        post["tercero-nombre"] = _text(extra["ventaTercero"].get("nombre"))
    party = content.get("counterparty")
    if party is not None:
        for key in forms.PARTY_FIELDS:
            post[f"party-{key}"] = _text(party.get(key, ""))
    for n, payment in enumerate(content.get("payments") or [], start=1):
        post[f"pay-{n}-codigo"] = _text(payment.get("codigo"))
        post[f"pay-{n}-monto"] = _text(payment.get("monto"))
        post[f"pay-{n}-referencia"] = _text(payment.get("referencia"))
    for n, line in enumerate(content.get("lines") or [], start=1):
        for key, value in line.items():
            if key == "extra":
                for extra_key, extra_value in (value or {}).items():
                    post[f"line-{n}-{extra_key}"] = _text(extra_value)
            elif key == "product":
                post[f"line-{n}-product_id"] = _text(value)
            elif isinstance(value, bool):
                post[f"line-{n}-{key}"] = "1" if value else ""
            else:
                post[f"line-{n}-{key}"] = _text(value)
        post.setdefault(f"line-{n}-quantity", "1")
    return post


def _product_defaults(doc, content):
    """A line naming a product starts from the product (as «agregar producto» in the editor); what
    the call sends for the line wins."""
    lines = []
    ids = {line.get("product") for line in content.get("lines") or [] if line.get("product")}
    products = Product.objects.in_bulk(ids)
    for i, line in enumerate(content.get("lines") or []):
        line = dict(line)
        if line.get("product"):
            product = products.get(line["product"])
            if product is None or not product.is_active:
                _bad(_("Línea %(n)d: el producto %(p)s no existe o está inactivo.") % {"n": i + 1, "p": line["product"]},
                     field=f"lines[{i}].product")
            defaults = {"code": product.code, "description": product.description,
                        "unit_price": unit_price_for(doc, product), "treatment": product.tax_treatment,
                        "unit": product.unit, "item_type": product.item_type}
            line = {**defaults, **{k: v for k, v in line.items() if v is not None}}
            line["special_taxes"] = product.special_taxes
        lines.append(line)
    return lines


def _related(doc, user, ids, lines):
    """NC/ND: the sealed CCFs of the client the note adjusts, as the editor's «agregar documento
    relacionado» picks them (only those the key may see)."""
    if not ids:
        return []
    if doc.tipo_dte not in (ar.NC, ar.ND):
        _bad(_("Solo una nota de crédito o de débito lleva documentos relacionados."), field="related")
    targets = {d.pk: d for d in selectors.sealed_for_correction(client_id=doc.client_id, tipo=ar.CCF, user=user)
               .filter(pk__in=ids)}
    rows = []
    for i, pk in enumerate(ids):
        target = targets.get(pk)
        if target is None:
            _bad(_("El documento %(d)s no es un CCF sellado de este cliente.") % {"d": pk}, field=f"related[{i}]")
        rows.append({"tipo_documento": target.tipo_dte, "tipo_generacion": 2, "numero_documento": target.codigo_generacion,
                     "fecha_emision": target.issue_date, "target_id": target.pk})
    if len(rows) == 1:
        for line in lines:
            line.setdefault("related_code", rows[0]["numero_documento"])
    return rows


def _party(doc, user, content, data):
    """The client (or the provider of a retention) as the editor sets it: only a client the key
    may see and who may receive this type. Returns the client read, if any."""
    client = None
    if "client" in content:
        if content["client"] is None:
            data.update(client_id=None)
        else:
            try:
                client = scope.get_or_404(Client, user, pk=content["client"])
            except Exception:  # noqa: BLE001 - Http404: said as the field at fault
                _bad(_("El cliente %(c)s no existe o queda fuera del alcance de la clave.") % {"c": content["client"]},
                     field="client")
            if doc.tipo_dte not in types_for(user=user, client=client):
                _bad(_("%(c)s no puede recibir un %(t)s.") % {"c": client.name, "t": doc.get_tipo_dte_display()},
                     field="client")
            data["client_id"] = client.pk
            doc.client_id = client.pk
            if "payment_term_days" not in content:
                data["payment_term_days"] = client.payment_term_days
    if content.get("provider") is not None:
        provider = Provider.objects.filter(pk=content["provider"], is_active=True).first()
        if provider is None:
            _bad(_("El proveedor %(p)s no existe o está inactivo.") % {"p": content["provider"]}, field="provider")
        data["provider_id"] = provider.pk
    return client


def _save(doc, user, content, *, new, point=None):
    """Apply ``content`` to the draft ``doc`` (unsaved when ``new``, at ``point``) through the
    editor's reader."""
    data = {}
    client = _party(doc, user, content, data)
    lines_given = "lines" in content
    content = {**content, "lines": _product_defaults(doc, content)} if lines_given else content
    related_ids = content.get("related")
    post = _post(doc, content)
    header, errors = forms.parse_header(post, doc)
    if "counterparty" not in content and not new:
        header.pop("counterparty", None)  # an FSE's seller stays as saved when the call does not send it
    payments, pay_errors = forms.parse_payments(post)
    errors += pay_errors
    if "payments" in content or new:
        header["payments"] = payments
    if lines_given:
        lines, line_errors = forms.parse_lines(post, doc.tipo_dte)
        errors += line_errors
        by_position = content["lines"]
        for line, given in zip(lines, by_position, strict=False):
            if given.get("special_taxes") is not None:
                line["special_taxes"] = given["special_taxes"]
            line.pop("key", None)
    else:
        lines = [] if new else list(doc.lines.values(*LINE_FIELDS))
    edition = generations.catalog_edition_for(doc)  # the edition of the generation it will be issued in
    for payment in header.get("payments") or []:
        if not catalog_has(catalog="CAT-017", code=payment["codigo"], edition=edition):
            errors.append(_("Forma de pago «%(m)s» no está en CAT-017.") % {"m": payment["codigo"]})
    if errors:
        _bad(errors[0], errors=[{"code": "invalid", "message": str(e), "field": None} for e in errors])
    data.update(header)
    if related_ids is not None:
        related = _related(doc, user, related_ids, lines)
    elif new:
        related = []
    else:
        related = [{"tipo_documento": r.tipo_documento, "tipo_generacion": r.tipo_generacion,
                    "numero_documento": r.numero_documento, "fecha_emision": r.fecha_emision, "target_id": r.target_id}
                   for r in doc.related.all()]
    if new:
        data.update(tipo_dte=doc.tipo_dte, establishment_id=doc.establishment_id, point_of_sale_id=doc.point_of_sale_id)
    try:
        return draft_save(acting_user=user, data=data, lines=lines, related=related, document=None if new else doc,
                          point_of_sale=point, client=client)
    except ValidationError as exc:
        _bad(exc.messages[0], errors=[{"code": "invalid", "message": m, "field": None} for m in exc.messages])


def document_create(*, user, content):
    """A new draft of ``content["tipo_dte"]`` at ``content["point_of_sale"]``, with its content."""
    if content["tipo_dte"] not in types_for(user=user):
        raise PermissionDenied(_("El rol de la clave no emite «%(t)s».") % {"t": content["tipo_dte"]})
    point = point_of_sale_for_user(user=user, pk=content["point_of_sale"])  # its grant read with it
    if point is None:
        _bad(_("No existe el punto de venta %(p)s.") % {"p": content["point_of_sale"]}, field="point_of_sale")
    doc = Document(tipo_dte=content["tipo_dte"], establishment_id=point.establishment_id, point_of_sale_id=point.pk,
                   issue_date=content.get("issue_date") or _today(), extra={}, created_by=user)
    return _save(doc, user, content, new=True, point=point)


def document_update(*, user, pk, content):
    doc = draft_for(user, pk)
    return _save(doc, user, content, new=False)


def _today():
    return timezone.localdate()


def _person_links(request, doc):
    return {"document": request.build_absolute_uri(reverse("api:document", kwargs={"pk": doc.pk})),
            "confirm_page": request.build_absolute_uri(reverse("dte:confirm", kwargs={"pk": doc.pk})),
            "approvals_page": request.build_absolute_uri(reverse("dte:approvals"))}


def document_issue_api(*, request, user, pk=None, document=None, confirm=(), request_approval=False):
    """Issue a draft (or a corrected document) as «Emitir» does: ``pk`` a draft the key may edit
    (dte.views.common.draft_for), or ``document`` the draft this call has just saved. Raises
    ApiError 409 while a special case waits for the integration or for a supervisor, 422 with the
    problems MH's rules find."""
    doc = document if document is not None else draft_for(user, pk)
    if confirm or request_approval:
        with transaction.atomic():
            for case in cases_refresh(document=doc, acting_user=user):
                if case.state in SETTLED:
                    continue
                if case.needs_approval:
                    if request_approval and case.state in (CaseState.OPEN, CaseState.REFUSED):
                        case_request_approval(case=case, acting_user=user)
                elif case.code in confirm and case.state == CaseState.OPEN:
                    case_confirm(case=case, acting_user=user)
    try:
        # document_issue works the cases out again and refuses while one is not settled.
        return document_issue(document=doc, acting_user=user)
    except IssueError as exc:
        with transaction.atomic():
            cases = cases_refresh(document=doc, acting_user=user)  # kept: the person who decides sees them
        waiting = [c for c in cases if c.state not in SETTLED]
        if waiting:
            _needs_person(request, doc, cases, waiting, confirm)
        rows = [{"code": "unprocessable", "message": p, "field": None} for p in exc.problems]
        raise ApiError(exc.problems[0] if exc.problems else _("No se pudo emitir."), code="unprocessable",
                       status_code=422, errors=rows, extra={"document": {"id": doc.pk, "status": doc.status}}) from exc


def _needs_person(request, doc, cases, waiting, confirm):
    needs_person = any(c.needs_approval for c in waiting)
    code = "approval_required" if needs_person else "confirmation_required"
    if needs_person:
        requested = all(c.state == CaseState.REQUESTED for c in waiting if c.needs_approval)
        message = (_("El documento espera la aprobación de un supervisor: %(c)s.") if requested else
                   _("Un supervisor debe aprobar: %(c)s. Pida la aprobación con «request_approval»: true."))
    else:
        message = _("Confirme estos casos con «confirm»: %(c)s.")
    message = message % {"c": ", ".join(c.code for c in waiting)}
    raise ApiError(message, code=code, status_code=409, field="confirm", extra={
        "document": {"id": doc.pk, "status": doc.status, "state": str(PERSON_STATES[code]),
                     "unknown_confirmations": sorted(set(confirm) - {c.code for c in cases})},
        "cases": [case_data(c) for c in cases], "links": _person_links(request, doc)})


def lines_of(doc):
    return list(DocumentLine.objects.filter(document=doc).order_by("position"))


def returned_lines(doc, returned):
    """The API names lines by position; the invalidation service by id. None: every returnable
    line whole, as the page proposes."""
    lines, _sign = returnable_lines(doc)
    if returned is None:
        return [{"line": x.pk, "quantity": x.quantity} for x in lines]
    by_position = {x.position: x for x in lines}
    out = []
    for i, item in enumerate(returned):
        line = by_position.get(item["line"])
        if line is None:
            _bad(_("La línea %(n)s no tiene mercadería que vuelva a existencias.") % {"n": item["line"]},
                 field=f"returned[{i}].line")
        if not Decimal(0) < item["quantity"] <= line.quantity:
            _bad(_("Línea %(n)s: la cantidad devuelta debe ser mayor que cero y no más de %(q)s.") % {
                "n": item["line"], "q": line.quantity.normalize()}, field=f"returned[{i}].quantity")
        out.append({"line": line.pk, "quantity": item["quantity"]})
    return out


def correctable(doc):
    return doc.status == GovStatus.REJECTED
