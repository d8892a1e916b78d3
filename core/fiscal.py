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
    FEX = "11", _("Factura de Exportación")
    FSE = "14", _("Factura de Sujeto Excluido")


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
