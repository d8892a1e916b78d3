"""CAT-017, forma de pago: the payment methods a document's ``pagos`` may name, as the editor
offers them (the full MH list; the uploaded catalog edition may carry fewer)."""

from django.utils.translation import gettext_lazy as _

PAYMENT_METHODS = [("01", _("Billetes y monedas")), ("02", _("Tarjeta débito")), ("03", _("Tarjeta crédito")),
                   ("04", _("Cheque")), ("05", _("Transferencia / depósito")), ("06", _("Vales o cupones")),
                   ("08", _("Dinero electrónico")), ("09", _("Monedero electrónico")), ("11", _("Bitcoin")),
                   ("13", _("Cuentas por pagar del receptor")), ("14", _("Giro bancario")), ("99", _("Otros"))]
