"""What is owed: each credit document's payment status and each client's balance and aging,
from the payments applied and the credit notes issued (an NC reduces what the client owes)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Func, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from payments.models import Application, Payment

ZERO = Decimal("0.00")
CREDIT_SALES = ["01", "03", "06", "11"]  # sold on credit: Factura, CCF, ND, FEX
BUCKETS = [("current", 0, 0), ("1_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("90_plus", 91, None)]
DEAD = ["draft", "rejected", "invalidated", "correcting"]


def _money():
    return DecimalField(max_digits=19, decimal_places=2)


def credit_documents(qs=None):
    """Credit sales annotated with what was paid and credited against each."""
    from dte.models import Document, RelatedDocument

    qs = Document.objects.all() if qs is None else qs
    credited = (RelatedDocument.objects.filter(target=OuterRef("pk"), document__tipo_dte="05")
                .exclude(document__status__in=DEAD).values("target")
                .annotate(s=Sum("document__total_operation")).values("s"))
    return (qs.filter(condition=2, tipo_dte__in=CREDIT_SALES).exclude(status__in=DEAD)
            .annotate(paid=Coalesce(Sum("payment_applications__amount",
                                        filter=Q(payment_applications__payment__voided_at__isnull=True)),
                                    Value(ZERO), output_field=_money()),
                      credited=Coalesce(Subquery(credited, output_field=_money()), Value(ZERO), output_field=_money())))


@dataclass
class DocumentStatus:
    total: Decimal
    paid: Decimal
    credited: Decimal
    due: datetime.date
    today: datetime.date

    @property
    def outstanding(self):
        return max(ZERO, self.total - self.paid - self.credited)

    @property
    def days_late(self):
        return (self.today - self.due).days if self.outstanding > 0 else 0

    @property
    def status(self):
        if self.outstanding <= 0:
            return "paid"
        if self.days_late > 0:
            return "overdue"
        return "partial" if self.paid + self.credited > 0 else "unpaid"

    @property
    def bucket(self):
        """Aging bucket by days past the due date (current = not due yet)."""
        late = self.days_late
        if late <= 0:
            return "current"
        for name, _low, high in BUCKETS[1:]:
            if high is None or late <= high:
                return name
        return "90_plus"


STATUS_LABELS = {"unpaid": "Pendiente", "partial": "Abonado", "paid": "Pagado", "overdue": "Vencido"}


def status_of(doc, *, today=None):
    """A document from credit_documents(): its payment status."""
    today = today or timezone.localdate()
    return DocumentStatus(total=doc.total_to_pay or doc.total_operation, paid=doc.paid, credited=doc.credited,
                          due=doc.issue_date + datetime.timedelta(days=doc.payment_term_days), today=today)


@dataclass
class ClientAging:
    client_id: int
    name: str = ""
    credit_limit: Decimal = ZERO
    buckets: dict = field(default_factory=lambda: {name: ZERO for name, _l, _h in BUCKETS})
    outstanding: Decimal = ZERO
    unapplied: Decimal = ZERO
    loose_credits: Decimal = ZERO  # credit notes not tied to a credit sale
    overdue_documents: int = 0

    @property
    def balance(self):
        return self.outstanding - self.unapplied - self.loose_credits

    @property
    def over_limit(self):
        return self.credit_limit > 0 and self.balance > self.credit_limit


def unapplied_payments(client_ids=None):
    """{client id: payment amounts not applied to any document} (non-voided payments)."""
    qs = Payment.objects.filter(voided_at__isnull=True)
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    rows = qs.annotate(applied=Coalesce(Sum("applications__amount"), Value(ZERO), output_field=_money())).values_list(
        "client_id", "amount", "applied")
    out = {}
    for client_id, amount, applied in rows:
        out[client_id] = out.get(client_id, ZERO) + max(ZERO, amount - applied)
    return out


def loose_credit_notes(client_ids=None):
    """{client id: live credit notes whose related documents are not credit sales}."""
    from dte.models import Document

    qs = (Document.objects.filter(tipo_dte="05").exclude(status__in=DEAD)
          .exclude(related__target__condition=2, related__target__tipo_dte__in=CREDIT_SALES))
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    return dict(qs.values("client_id").annotate(s=Sum("total_operation")).values_list("client_id", "s"))


def aging(*, documents=None, today=None, client_ids=None):
    """{client id: ClientAging} over the given documents' credit sales (default: all)."""
    today = today or timezone.localdate()
    qs = credit_documents(documents)
    if client_ids is not None:
        qs = qs.filter(client_id__in=client_ids)
    out = {}
    for doc in qs.select_related(None).select_related("client").only("pk", "client__name", "client__credit_limit", "total_to_pay",
                                                  "total_operation", "issue_date", "payment_term_days", "client_id"):
        st = status_of(doc, today=today)
        row = out.get(doc.client_id)
        if row is None:
            row = out[doc.client_id] = ClientAging(client_id=doc.client_id, name=doc.client.name,
                                                   credit_limit=doc.client.credit_limit or ZERO)
        if st.outstanding > 0:
            row.buckets[st.bucket] += st.outstanding
            row.outstanding += st.outstanding
            row.overdue_documents += st.status == "overdue"
    ids = list(out)
    for client_id, amount in unapplied_payments(ids).items():
        out[client_id].unapplied = amount
    for client_id, amount in loose_credit_notes(ids).items():
        out[client_id].loose_credits = amount or ZERO
    return out


def client_position(client_id, *, exclude=None, today=None):
    """(balance owed, overdue documents) for one client: what the issuing checks ask."""
    from dte.models import Document

    docs = Document.objects.filter(client_id=client_id)
    if exclude is not None:
        docs = docs.exclude(pk=exclude)
    row = aging(documents=docs, today=today).get(client_id)
    if row is None:
        loose = loose_credit_notes([client_id]).get(client_id) or ZERO
        return -(unapplied_payments([client_id]).get(client_id, ZERO) + loose), 0
    return row.balance, row.overdue_documents


def payments_of(client_id):
    return Payment.objects.filter(client_id=client_id).prefetch_related("applications__document").order_by("-date", "-id")


class DaysLate(Func):
    """Days between a document's due date (issue date + term) and ``today``: negative or zero
    while it is current."""

    output_field = IntegerField()

    def __init__(self, today):
        super().__init__(Value(today), F("issue_date"), F("payment_term_days"))

    def _parts(self, compiler):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, p = compiler.compile(expression)
            parts.append(sql)
            params.extend(p)
        return parts, params

    def as_postgresql(self, compiler, connection, **extra):
        (today, issue, term), params = self._parts(compiler)
        return f"({today}::date - {issue} - {term})", params

    def as_sql(self, compiler, connection, **extra):  # SQLite (the embedded default)
        (today, issue, term), params = self._parts(compiler)
        return f"(CAST(julianday({today}) - julianday({issue}) AS INTEGER) - {term})", params


def outstanding_documents(documents, *, today):
    """Credit sales still owed, each annotated with ``outstanding`` (total less payments applied
    and credit notes tied to it) and ``days_late``: the set the aging report groups in SQL."""
    from dte.models import RelatedDocument

    paid = (Application.objects.filter(document=OuterRef("pk"), payment__voided_at__isnull=True)
            .values("document").annotate(s=Sum("amount")).values("s"))
    credited = (RelatedDocument.objects.filter(target=OuterRef("pk"), document__tipo_dte="05")
                .exclude(document__status__in=DEAD).values("target")
                .annotate(s=Sum("document__total_operation")).values("s"))
    worth = Coalesce(NullIf(F("total_to_pay"), Value(ZERO)), F("total_operation"), output_field=_money())
    return (documents.filter(condition=2, tipo_dte__in=CREDIT_SALES).exclude(status__in=DEAD)
            .annotate(outstanding=ExpressionWrapper(
                worth - Coalesce(Subquery(paid, output_field=_money()), Value(ZERO), output_field=_money())
                - Coalesce(Subquery(credited, output_field=_money()), Value(ZERO), output_field=_money()),
                output_field=_money()),
                days_late=DaysLate(today))
            .filter(outstanding__gt=0))
