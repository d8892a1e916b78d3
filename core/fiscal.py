"""The fiscal vocabulary every app speaks: MH's document types, a document's status with MH and
the groups of statuses the apps ask about, the IVA rates. Named once here, never as literals.

Facts: CAT-002 (document types), facts §2.4 (IVA 13 %, prices with IVA divided by 1.13),
Código Tributario arts. 162–164 (1 % retention/perception)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

IVA_RATE = Decimal("0.13")
IVA_DIVISOR = Decimal("1.13")  # a price with IVA divided by this is its taxable base
RETENTION_RATE = Decimal("0.01")


class DocType(models.TextChoices):
    """CAT-002: the types this product issues (facts §1)."""

    FACTURA = "01", _("Factura")
    CCF = "03", _("Comprobante de Crédito Fiscal")
    NR = "04", _("Nota de Remisión")
    NC = "05", _("Nota de Crédito")
    ND = "06", _("Nota de Débito")
    CR = "07", _("Comprobante de Retención")
    CL = "08", _("Comprobante de Liquidación")
    DCL = "09", _("Documento Contable de Liquidación")
    FEX = "11", _("Factura de Exportación")
    FSE = "14", _("Factura de Sujeto Excluido")
    CD = "15", _("Comprobante de Donación")


class GovStatus(models.TextChoices):
    """Government track (DESIGN.md): changed only through dte.transitions."""

    DRAFT = "draft", _("Borrador")
    PENDING = "pending", _("Por transmitir")
    TRANSMITTING = "transmitting", _("Transmitiendo")
    IN_DOUBT = "in_doubt", _("En duda")
    SEALED = "sealed", _("Sellado")
    REJECTED = "rejected", _("Rechazado")
    CORRECTING = "correcting", _("En corrección")
    CONTINGENCY = "contingency", _("En contingencia")
    INVALIDATION_PENDING = "invalidation_pending", _("Invalidación pendiente")
    INVALIDATED = "invalidated", _("Invalidado")


# Groups of statuses and types the apps ask about, named once: tuples of plain strings, usable in
# ``status__in``, in ``in`` tests and as raw SQL parameters, always in the same order.


def _values(*members):
    return tuple(member.value for member in members)


# Issued and in force: numbered and signed, neither rejected by MH nor invalidated, nor taken back
# to be corrected. Waiting, contingency and invalidation-pending documents are valid sales that MH
# will seal (or has sealed): they count in the books and reports, in what a client owes, and a
# credit or debit note in force blocks the invalidation of the document it changes.
IN_FORCE = _values(GovStatus.PENDING, GovStatus.TRANSMITTING, GovStatus.IN_DOUBT, GovStatus.SEALED,
                   GovStatus.CONTINGENCY, GovStatus.INVALIDATION_PENDING)
# Everything else: never counted (a draft, a document being corrected, a rejected or void one).
NOT_IN_FORCE = _values(GovStatus.DRAFT, GovStatus.REJECTED, GovStatus.INVALIDATED, GovStatus.CORRECTING)
# Not issued yet (or taken back to be corrected): not in archives of issued documents.
UNISSUED = _values(GovStatus.DRAFT, GovStatus.CORRECTING)
# What the client may be emailed as issued: sealed, or in contingency with MH's seal to come. (An
# invalidated document may be sent too, to tell the client it is void: dte.delivery.)
DELIVERABLE = _values(GovStatus.SEALED, GovStatus.CONTINGENCY, GovStatus.INVALIDATION_PENDING)

# The types that are sales in the books and reports: CR (a retention), NR (a remission) and FSE
# (a purchase from an excluded subject) are not.
SALES_TYPES = _values(DocType.FACTURA, DocType.CCF, DocType.NC, DocType.ND, DocType.FEX)
# Sold on credit (what a client may owe): the sales but the credit note, which reduces a debt.
CREDIT_SALES_TYPES = _values(DocType.FACTURA, DocType.CCF, DocType.ND, DocType.FEX)
# The notes that change an earlier document (facts §1).
NOTE_TYPES = _values(DocType.NC, DocType.ND)
