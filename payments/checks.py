"""The credit checks before a document is issued (registered in dte.hooks by PaymentsConfig.ready):
a client over its credit limit, or with overdue documents, is a special case to confirm."""

from django.utils.translation import gettext as _

from core import formats
from core.fiscal import DocType
from dte.models import CaseCode as Case
from dte.models import Condition
from payments.selectors import client_position

CHECKED_TYPES = (DocType.FACTURA, DocType.CCF, DocType.ND, DocType.FEX)


def _credit_checked(document):
    """Whether the credit checks (limit, overdue documents) apply: to a sale on credit, and to any
    sale to a client given credit (a limit or a payment term), whose overdue documents the rep
    should see even when it pays cash. A cash sale to a client without credit asks nothing, so
    issuing to a walk-in client costs no look at its history."""
    client = document.client
    return document.condition == Condition.CREDITO or bool(client.credit_limit) or bool(client.payment_term_days)


def credit_cases(document, lines, totals, total):
    """[(code, detail)]: over the credit limit with this document; overdue documents."""
    if not (document.client_id and document.tipo_dte in CHECKED_TYPES and _credit_checked(document)):
        return []
    found = []
    owed, overdue = client_position(document.client_id, exclude=document.pk)
    limit = document.client.credit_limit
    if document.condition == Condition.CREDITO and limit and owed + total > limit:
        found.append((Case.CREDIT_LIMIT, _("Debe %(o)s; con este documento llega a %(n)s y su límite es %(l)s.")
                      % {"o": formats.money(owed), "n": formats.money(owed + total), "l": formats.money(limit)}))
    if overdue:
        found.append((Case.OVERDUE, _("Tiene %(n)d documento(s) vencido(s).") % {"n": overdue}))
    return found
