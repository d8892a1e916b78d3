"""What a client owes, computed the long way: every credit sale read one by one, its status in
Python (payments.selectors.status_of), payments summed from their applications, loose credit
notes found through the ORM. No product code reads it: it is the reference the one SQL
definition (payments.selectors.owed_sql) is tested against, and bench/reports.py's "before".

It does not use what owed_sql relies on for speed (Document.paid_off, Payment.unapplied): every
credit sale is read, and a payment's unapplied money is its amount less its applications, so a
test that compares the two also checks that those kept figures are right."""

from decimal import Decimal

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce

from clients.models import Client
from core.fiscal import CREDIT_SALES_TYPES as CREDIT_SALES
from core.fiscal import NOT_IN_FORCE as DEAD
from core.fiscal import DocType
from dte.models import Document
from payments.models import BalanceHold, Payment
from payments.selectors import ZERO, ClientAging, credit_documents, status_of

MONEY = DecimalField(max_digits=19, decimal_places=2)


def unapplied_payments(client_ids=None):
    """{client id: payment amounts not applied to any document} (non-voided payments)."""
    qs = Payment.objects.filter(voided_at__isnull=True)
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    rows = qs.annotate(applied=Coalesce(Sum("applications__amount"), Value(ZERO), output_field=MONEY)).values_list(
        "client_id", "amount", "applied")
    out = {}
    for client_id, amount, applied in rows:
        if amount - applied > 0:
            out[client_id] = out.get(client_id, ZERO) + (amount - applied)
    # money blocked for an order (a live BalanceHold) is not in the client's favour
    for client_id in list(out):
        out[client_id] -= (BalanceHold.objects.filter(client_id=client_id, state="held")
                           .aggregate(s=Sum("amount"))["s"] or ZERO)
    return out


def loose_credit_notes(client_ids=None):
    """{client id: live credit notes whose related documents are not credit sales}."""
    qs = (Document.objects.filter(tipo_dte=DocType.NC).exclude(status__in=DEAD)
          .exclude(related__target__condition=2, related__target__tipo_dte__in=CREDIT_SALES))
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    found = dict(qs.values("client_id").annotate(s=Sum("total_operation")).values_list("client_id", "s"))
    return {k: v for k, v in found.items() if v and v > 0}


def aging(*, documents=None, clients=None, client_id=None, today=None):
    """{client id: ClientAging}: the rows payments.selectors.aging_table lists for the same
    arguments (documents: whose credit sales count, default all; client_id: that client alone;
    clients: who else is listed for a credit in its favour, None: nobody), with the same figures."""
    qs = credit_documents(documents)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    owing = {}
    for doc in qs.select_related(None).select_related("client").only(
            "pk", "client__name", "client__credit_limit", "total_to_pay", "total_operation", "issue_date",
            "payment_term_days", "client_id"):
        st = status_of(doc, today=today)
        if st.outstanding <= 0:
            continue
        row = owing.get(doc.client_id)
        if row is None:
            row = owing[doc.client_id] = ClientAging(client_id=doc.client_id, name=doc.client.name,
                                                     credit_limit=doc.client.credit_limit or ZERO)
        row.buckets[st.bucket] += st.outstanding
        row.outstanding += st.outstanding
        row.overdue_documents += st.status == "overdue"
    if client_id is not None:
        holders = [client_id]
    else:
        holders = set(owing) | set(clients.values_list("pk", flat=True) if clients is not None else ())
    unapplied, loose = unapplied_payments(holders), loose_credit_notes(holders)
    out = {}
    for pk in sorted(set(owing) | set(unapplied) | set(loose)):
        if pk not in owing:
            client = Client.objects.get(pk=pk)
            owing[pk] = ClientAging(client_id=pk, name=client.name, credit_limit=client.credit_limit or ZERO)
        row = out[pk] = owing[pk]
        row.unapplied, row.loose_credits = unapplied.get(pk, ZERO), loose.get(pk, ZERO)
    return out


def client_position_python(client_id, *, exclude=None, today=None):
    """payments.selectors.client_position the long way: (balance, overdue documents)."""
    docs = Document.objects.filter(client_id=client_id)
    if exclude is not None:
        docs = docs.exclude(pk=exclude)
    row = aging(documents=docs, client_id=client_id, today=today).get(client_id)
    return (row.balance, row.overdue_documents) if row else (Decimal("0.00"), 0)
