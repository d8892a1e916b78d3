"""What a new line of a document starts with: the unit price taken from the product, by the
document's type (facts §2.4: a Factura shows prices with IVA, the other sales net of it; IVA is
removed by dividing by core.fiscal.IVA_DIVISOR)."""

from decimal import Decimal

from core.fiscal import IVA_DIVISOR
from dte import arithmetic as ar
from dte.amounts import q8


def unit_price_for(doc, product):
    """The unit price a line starts with: a Factura shows prices with IVA, the other sales net;
    an FSE starts from the product's cost (the company buys)."""
    price = Decimal(product.price)
    if doc.tipo_dte == ar.FSE:
        return q8(product.cost)
    if doc.tipo_dte == ar.FACTURA:
        return price if product.price_includes_iva or product.tax_treatment != "gravado" else q8(price * IVA_DIVISOR)
    return q8(price / IVA_DIVISOR) if product.price_includes_iva and product.tax_treatment == "gravado" else price
