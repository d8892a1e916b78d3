"""What the document pages share: the draft a user may edit, and the reading of a built document
(JSON) the confirmation, review, detail and public pages show."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from dte import selectors
from dte.services.drafts import types_for


def draft_for(user, pk, *, related=True):
    """A draft the user may edit: his own, or any for a company-wide role; of a type his role
    issues (an accountant who issues notes does not finish a rep's Factura). ``related=False``:
    without the establishment, point of sale and parties joined in (the type-ahead searches use
    none of them; building the joins' SQL is half such a request's CPU)."""
    # One's own draft (the rep's every autosave) first, by the cheap query; the scope's subqueries
    # only for another's draft, which only a company-wide role may edit (below).
    own = selectors.own_documents(user=user)
    if not related:
        own = own.select_related(None)
    doc = own.filter(pk=pk).first()
    if doc is None:
        doc = get_object_or_404(selectors.documents_for_user(user=user), pk=pk)
    if doc.created_by_id != user.pk and not user.company_wide:
        raise PermissionDenied
    if doc.tipo_dte not in types_for(user=user):
        raise PermissionDenied
    if not doc.is_editable:
        raise Http404
    return doc


def preview_context(body):
    """The parts of a document's JSON its pages show: the receptor (or the excluded subject of an
    FSE), his address, and the contingency reason."""
    # donatario/donante: the Comprobante de Donación v1 (2023) calls its issuer and donor so
    rec = body.get("receptor") or body.get("sujetoExcluido") or body.get("donante") or {}
    emisor = body.get("emisor") or body.get("donatario") or {}
    address = (rec.get("direccion") or {}).get("complemento") or rec.get("complemento") or ""
    ident = body.get("identificacion") or {}
    # FSE: sujetoExcluido in 2023, receptor in 2026 (sv-tax-facts-2.md §2)
    return {"body": body, "rec": rec, "rec_address": address, "is_fse_preview": ident.get("tipoDte") == "14",
            "emisor": emisor, "emisor_nit": emisor.get("nit") or emisor.get("numDocumento") or "",
            "is_cd_preview": ident.get("tipoDte") == "15",
            # FEX v1 spells it motivoContigencia (facts §2.1)
            "contingency_reason": ident.get("motivoContin") or ident.get("motivoContigencia") or ""}
