"""Drafts: created and replaced as the rep types (only drafts change), discarded; the document
types a user may issue, to a client."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import company_pk, point_of_sale_for_user, user_may_operate
from core.audit import audit_record
from core.models import AuditAction
from dte import arithmetic as ar
from dte import builders
from dte.models import Document, DocumentLine, GovStatus, RelatedDocument

LINE_FIELDS = ["product_id", "item_type", "code", "description", "unit", "quantity", "unit_price", "discount",
               "treatment", "special_taxes", "tax_code", "no_gravado", "related_code", "withhold_income", "returns_goods",
               "extra"]
DOC_FIELDS = ["tipo_dte", "establishment_id", "point_of_sale_id", "client_id", "provider_id", "counterparty",
              "issue_date", "condition", "payment_term_days", "payments", "observations", "discount_no_suj",
              "discount_exenta", "discount_gravada", "extra"]
MAX_LINES = 2000  # numItem 1–2000 (facts §2.4)


def _check_location(user, establishment_id, point_of_sale_id, point=None):
    """The same rule as when issuing (accounts.selectors.user_may_operate). ``point``: the point
    of sale with its establishment, when the caller has just read it."""
    if point is None or point.pk != point_of_sale_id or point.establishment_id != establishment_id:
        point = point_of_sale_for_user(user=user, pk=point_of_sale_id, establishment_id=establishment_id)
    if point is None or not user_may_operate(user=user, point_of_sale=point):
        raise PermissionDenied(_("No puede emitir desde ese establecimiento o punto de venta."))


def draft_save(*, acting_user, data, lines, related=(), document=None, point_of_sale=None, client=None):
    """Create or replace a draft with its lines and related documents (``related=None``: the
    related documents it has stay as they are, without rewriting them). Only drafts change.
    ``point_of_sale`` (with its establishment) and ``client``: the rows the caller has just read
    for this draft (the API does), so they are not read again; the point of sale is checked
    (user_may_operate) all the same.

    Creating a draft is audited; the editor's autosaves are not (one per change of a field): a
    draft has no fiscal effect, and what it held when issued is in the issue's audit row and in
    the signed document itself."""
    data = dict(data)
    if document is not None and not document.is_editable:
        raise ValidationError(_("Un documento emitido no se modifica."))
    establishment_id = data.get("establishment_id") or (document and document.establishment_id)
    pos_id = data.get("point_of_sale_id") or (document and document.point_of_sale_id)
    _check_location(acting_user, establishment_id, pos_id, point_of_sale)
    if len(lines) > MAX_LINES:
        raise ValidationError(_("Un documento admite hasta %(n)d líneas.") % {"n": MAX_LINES})
    created = document is None
    with transaction.atomic():
        if document is None:
            # The company's id only: loading the row would decrypt its certificate for nothing.
            document = Document(company_id=company_pk(), created_by=acting_user, issue_date=timezone.localdate())
        else:
            document = Document.objects.select_for_update().get(
                pk=document.pk, status__in=[GovStatus.DRAFT, GovStatus.CORRECTING])
        for key in DOC_FIELDS:
            if key in data:
                setattr(document, key, data[key])
        if client is not None and client.pk == document.client_id:
            document.client = client
        if document.client_id and "counterparty" not in data:
            document.counterparty = builders.party_snapshot(client=document.client)
        elif document.provider_id and document.tipo_dte == ar.CR and "counterparty" not in data:
            document.counterparty = builders.party_snapshot(provider=document.provider)
        document.save()
        if not created:
            document.lines.all().delete()
        DocumentLine.objects.bulk_create([
            DocumentLine(document=document, position=i, **{k: v for k, v in line.items() if k in LINE_FIELDS})
            for i, line in enumerate(lines, start=1)
        ])
        if related is not None:
            if not created:
                document.related.all().delete()
            RelatedDocument.objects.bulk_create([RelatedDocument(document=document, **r) for r in related])
        if created:
            audit_record(actor=acting_user, action=AuditAction.CREATE, obj=document,
                         summary=_("Borrador de %(t)s creado") % {"t": document.get_tipo_dte_display()})
    return document


def draft_delete(*, document, acting_user):
    if not document.is_draft:
        raise ValidationError(_("Solo se borran borradores."))
    with transaction.atomic():
        repr_, pk = str(document), document.pk
        audit_record(actor=acting_user, action=AuditAction.DELETE, obj=document, object_repr=repr_,
                     summary=_("Borrador descartado"))
        Document.objects.filter(pk=pk, status=GovStatus.DRAFT).delete()


def types_for(*, user, client=None):
    """The document types ``user`` may issue (per role), narrowed to what ``client`` may receive:
    a CCF, NC or ND needs a taxpayer with NIT and NRC; an export invoice a foreign buyer."""
    role_types = set(getattr(user.role, "document_types", None) or []) if getattr(user, "role_id", None) else set()
    allowed = [t for t in ar.ALL_TYPES if not role_types or t in role_types or user.is_superuser]
    if client is None:
        return allowed
    out = []
    for t in allowed:
        # CL (mandante) and DCL (affiliated merchant) go to a taxpayer too (sv-tax-facts-2.md §6).
        if t in (ar.CCF, ar.NC, ar.ND, ar.CL, ar.DCL) and not (client.id_type == "36" and client.nrc):
            continue
        if t == ar.FEX and client.kind != "extranjero":
            continue
        if t in (ar.CR, ar.FSE):
            continue  # these face a provider or an unregistered seller, not a client
        out.append(t)
    return out
