"""Tax facts the arithmetic needs, as data (facts §2.4–2.6, CAT-015). Thresholds that the law
changes (retention, the Factura identification amount, the large-amount confirmation) are
settings, read through ``thresholds()``."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from core.fiscal import IVA_DIVISOR, IVA_RATE, RETENTION_RATE  # noqa: F401 - the arithmetic's rates

IVA = "20"  # CAT-015: Impuesto al Valor Agregado 13 %
IVA_EXPORT = "C3"  # CAT-015: IVA 0 % on exports

GRAVADO, EXENTO, NO_SUJETO = "gravado", "exento", "no_sujeto"

# CAT-015 section 1: taxes summarised in resumen.tributos. "percent" applies to the line's net
# taxable amount (without IVA), "per_unit" to its quantity (gallons for FOVIAL/COTRANS).
SUMMARY_TAXES = {
    "59": ("percent", Decimal("0.05"), "Turismo: por alojamiento (5%)"),
    "71": ("per_unit", Decimal("7.00"), "Turismo: salida del país por vía aérea $7.00"),
    "D1": ("per_unit", Decimal("0.20"), "FOVIAL ($0.20 Ctvs. por galón)"),
    "C8": ("per_unit", Decimal("0.10"), "COTRANS ($0.10 Ctvs. por galón)"),
}
# CAT-015 section 2: taxes carried as their own line (tipoItem 4, uniMedida 99, codTributo).
LINE_TAXES = {"A8", "57", "90", "D4", "D5", "A6"}
TAX_NAMES = {IVA: "Impuesto al Valor Agregado 13%", IVA_EXPORT: "Impuesto al Valor Agregado (exportaciones) 0%"}

# CAT-006: retention codes on a Comprobante de Retención and their rates (C9: entered by hand).
RETENTION_CODES = {"22": Decimal("0.01"), "C4": Decimal("0.13"), "C9": None}

# Documento Contable de Liquidación (09): the card issuer, agente perceptor, perceives a 2 % advance
# of IVA on the net value of the card sales it settles (CT arts. 112, 162-A; sv-tax-facts-2.md §6).
CARD_PERCEPTION_RATE = Decimal("0.02")


@dataclass(frozen=True)
class Thresholds:
    retention_base: Decimal  # 1 % retention/perception from this taxable base
    factura_identification: Decimal  # a Factura at or above this needs the buyer's identification
    large_amount: Decimal  # documents at or above this ask for confirmation
    income_tax_rate: Decimal  # reteRenta on services bought from individuals (FSE)


def thresholds() -> Thresholds:
    return Thresholds(
        retention_base=Decimal(str(settings.DTE_RETENTION_THRESHOLD)),
        factura_identification=Decimal(str(settings.DTE_FACTURA_ID_THRESHOLD)),
        large_amount=Decimal(str(settings.DTE_LARGE_AMOUNT_THRESHOLD)),
        income_tax_rate=Decimal(str(settings.DTE_INCOME_TAX_RATE)),
    )
