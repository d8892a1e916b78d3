"""What is owed: each credit document's payment status and each client's balance and aging,
from the payments applied and the credit notes issued (an NC reduces what the client owes).

What a client owes has one definition: the sum over its credit sales in force of what each still
owes (its total less the payments applied to it and the credit notes in force tied to it, never
below zero), less its payments not applied yet and its credit notes tied to no credit sale. It is
answered at three sizes, held equal by the payments and reports tests: ``aging()`` (in Python, a
query per step: the reference, and the client's page), ``client_position()`` (one client in one
statement: the issuing checks) and ``aging_table()`` (every client, grouped and paged by the
database: the credit page and the aging report)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from clients.selectors import clients_for_user
from core.fiscal import CREDIT_SALES_TYPES as CREDIT_SALES
from core.fiscal import NOT_IN_FORCE as DEAD
from core.fiscal import DocType
from dte.models import Document, RelatedDocument
from payments.models import Application, Payment

ZERO = Decimal("0.00")
BUCKETS = [("current", 0, 0), ("1_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90), ("90_plus", 91, None)]


def _money():
    return DecimalField(max_digits=19, decimal_places=2)


def credit_documents(qs=None):
    """Credit sales annotated with what was paid and credited against each."""
    qs = Document.objects.all() if qs is None else qs
    credited = (RelatedDocument.objects.filter(target=OuterRef("pk"), document__tipo_dte=DocType.NC)
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


STATUS_LABELS = {"unpaid": _("Pendiente"), "partial": _("Abonado"), "paid": _("Pagado"), "overdue": _("Vencido")}


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
    qs = (Document.objects.filter(tipo_dte=DocType.NC).exclude(status__in=DEAD)
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


def _sql_parts():
    """What the two aging statements share: the quoted tables (payments, applications, documents,
    related documents), placeholders for the dead statuses and the credit-sale types, and a
    credit sale's days late (one %s: today) in this database's dialect. Only identifiers from
    the models and fixed text: every value travels as a parameter."""
    q = connection.ops.quote_name
    late = ("(%s::date - c.issue_date - c.payment_term_days)" if connection.vendor == "postgresql"
            else "(CAST(julianday(%s) - julianday(c.issue_date) AS INTEGER) - c.payment_term_days)")
    return (q(Payment._meta.db_table), q(Application._meta.db_table), q(Document._meta.db_table),
            q(RelatedDocument._meta.db_table), ", ".join(["%s"] * len(DEAD)), ", ".join(["%s"] * len(CREDIT_SALES)),
            late)


def client_position(client_id, *, exclude=None, today=None):
    """(balance owed, overdue documents) for one client, what the issuing checks ask: the same
    figures as ``aging()`` (each credit sale's outstanding amount, never below zero, less the
    client's unapplied payments and loose credit notes), answered by the database in one
    statement that reads only what can still be owed: the client's credit sales not paid off
    (document_open_credit) with their payments and credit notes, and its payments with money
    left unapplied (payment_unapplied). Its cost follows what is open, not the client's history.
    ``exclude``: a document left out (the one being issued)."""

    today = today or timezone.localdate()
    payment, application, document, related, dead, sales, late = _sql_parts()
    # Only identifiers from the models, %s placeholders and fixed conditions go into the text;
    # every value travels as a parameter. A paid-off sale owes nothing (credit notes only lower
    # what is owed), so leaving it out changes no figure. Each open sale's payments and credit notes
    # are looked up by its id (correlated, through their indexes), never by joining whole tables.
    sql = f"""
        WITH credit AS (SELECT d.id, d.issue_date, d.payment_term_days,
                               COALESCE(NULLIF(d.total_to_pay, 0), d.total_operation) AS worth
                        FROM {document} d
                        WHERE d.client_id = %s AND d.condition = 2 AND NOT d.paid_off AND d.tipo_dte IN ({sales})
                        AND d.status NOT IN ({dead}) AND d.id <> %s),
        docs AS (SELECT {late} AS late, c.worth
                        - COALESCE((SELECT SUM(a.amount) FROM {application} a JOIN {payment} p ON p.id = a.payment_id
                                    WHERE a.document_id = c.id AND p.voided_at IS NULL), 0)
                        - COALESCE((SELECT SUM(n.total_operation) FROM {related} r JOIN {document} n ON n.id = r.document_id
                                    WHERE r.target_id = c.id AND n.tipo_dte = '{DocType.NC.value}' AND n.status NOT IN ({dead})), 0)
                        AS outstanding
                 FROM credit c)
        SELECT (SELECT SUM(outstanding) FROM docs WHERE outstanding > 0),
               (SELECT COUNT(*) FROM docs WHERE outstanding > 0 AND late > 0),
               (SELECT SUM(p.unapplied) FROM {payment} p WHERE p.client_id = %s AND p.voided_at IS NULL AND p.unapplied > 0),
               (SELECT SUM(d.total_operation) FROM {document} d
                WHERE d.client_id = %s AND d.tipo_dte = '{DocType.NC.value}' AND d.status NOT IN ({dead})
                AND NOT EXISTS (SELECT 1 FROM {related} r JOIN {document} t ON t.id = r.target_id
                                WHERE r.document_id = d.id AND t.condition = 2 AND t.tipo_dte IN ({sales})))"""  # noqa: S608
    params = [client_id, *CREDIT_SALES, *DEAD, exclude or 0, today, *DEAD, client_id, client_id, *DEAD,
              *CREDIT_SALES]  # in the order the placeholders appear

    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's estimate of a client's open sales runs far above what is there (the
            # client_id statistics are the whole table's); past jit_above_cost it JIT-compiles the
            # statement, some 50 ms for work of a few ms (bench/issue.py, 50,000-sale client).
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        owed, overdue, unapplied, loose = cursor.fetchone()
    return _dec(owed) - _dec(unapplied) - _dec(loose), int(overdue or 0)


def client_position_python(client_id, *, exclude=None, today=None):
    """``client_position`` computed the long way, through ``aging()`` (a query per step, each
    document's status in Python): the reference the SQL answer is tested against."""
    docs = Document.objects.filter(client_id=client_id)
    if exclude is not None:
        docs = docs.exclude(pk=exclude)
    row = aging(documents=docs, today=today).get(client_id)
    if row is None:
        loose = loose_credit_notes([client_id]).get(client_id) or ZERO
        return -(unapplied_payments([client_id]).get(client_id, ZERO) + loose), 0
    return row.balance, row.overdue_documents


def payments_for_user(*, user):
    """Payments of the clients ``user`` may see (clients.selectors.clients_for_user)."""
    return Payment.objects.select_related("client").filter(client__in=clients_for_user(user=user).values("pk"))


def payment_get_for_user(*, user, pk):
    """One payment, or 404 when it is not there or its client is out of the user's scope."""
    return get_object_or_404(payments_for_user(user=user), pk=pk)


def payments_of(client_id):
    return Payment.objects.filter(client_id=client_id).prefetch_related("applications__document").order_by("-date", "-id")


def aging_table(documents, *, today=None, only=None, offset=0, limit=50):
    """The credit page at any size: per client, the aging buckets, what it owes, its unapplied
    payments and loose credit notes, its balance and overdue documents, grouped by the database
    in one statement (payments and credit notes summed once and joined, not asked per document)
    and paged. Returns (rows of ClientAging, how many clients, totals)."""
    today = today or timezone.localdate()
    credit = (documents.filter(condition=2, tipo_dte__in=CREDIT_SALES).exclude(status__in=DEAD).order_by()
              .values("id", "client_id", "issue_date", "payment_term_days", "total_to_pay", "total_operation"))
    credit_sql, params = credit.query.sql_with_params()
    payment, application, document, related, dead, sales, late = _sql_parts()
    client = connection.ops.quote_name(Client._meta.db_table)
    buckets = ", ".join(
        f"SUM(CASE WHEN late {cond} THEN outstanding ELSE 0 END) AS b{i}"
        for i, cond in enumerate(["<= 0", "BETWEEN 1 AND 30", "BETWEEN 31 AND 60", "BETWEEN 61 AND 90", "> 90"]))
    # Only identifiers from the models, %s placeholders and fixed conditions go into the text;
    # every value travels as a parameter.
    sql = f"""
        WITH credit (id, client_id, issue_date, payment_term_days, total_to_pay, total_operation) AS ({credit_sql}),
        paid AS (SELECT a.document_id, SUM(a.amount) AS s FROM {application} a JOIN {payment} p ON p.id = a.payment_id
                 WHERE p.voided_at IS NULL GROUP BY a.document_id),
        credited AS (SELECT r.target_id, SUM(n.total_operation) AS s FROM {related} r JOIN {document} n ON n.id = r.document_id
                     WHERE n.tipo_dte = '{DocType.NC.value}' AND n.status NOT IN ({dead}) GROUP BY r.target_id),
        docs AS (SELECT c.client_id, {late} AS late,
                        COALESCE(NULLIF(c.total_to_pay, 0), c.total_operation) - COALESCE(paid.s, 0)
                        - COALESCE(credited.s, 0) AS outstanding
                 FROM credit c LEFT JOIN paid ON paid.document_id = c.id LEFT JOIN credited ON credited.target_id = c.id),
        owed AS (SELECT client_id, {buckets}, SUM(outstanding) AS owed, SUM(CASE WHEN late > 0 THEN 1 ELSE 0 END) AS overdue
                 FROM docs WHERE outstanding > 0 GROUP BY client_id),
        paid_in AS (SELECT p.client_id, SUM(p.amount) AS s FROM {payment} p
                    WHERE p.voided_at IS NULL AND p.client_id IN (SELECT client_id FROM owed) GROUP BY p.client_id),
        applied AS (SELECT p.client_id, SUM(a.amount) AS s FROM {application} a JOIN {payment} p ON p.id = a.payment_id
                    WHERE p.voided_at IS NULL AND p.client_id IN (SELECT client_id FROM owed) GROUP BY p.client_id),
        loose AS (SELECT d.client_id, SUM(d.total_operation) AS s FROM {document} d
                  WHERE d.tipo_dte = '{DocType.NC.value}' AND d.status NOT IN ({dead}) AND d.client_id IN (SELECT client_id FROM owed)
                  AND NOT EXISTS (SELECT 1 FROM {related} r JOIN {document} t ON t.id = r.target_id
                                  WHERE r.document_id = d.id AND t.condition = 2 AND t.tipo_dte IN ({sales}))
                  GROUP BY d.client_id),
        client_rows AS (SELECT owed.*, cl.name, cl.credit_limit,
                               COALESCE(paid_in.s, 0) - COALESCE(applied.s, 0) AS unapplied, COALESCE(loose.s, 0) AS loose,
                               owed.owed - (COALESCE(paid_in.s, 0) - COALESCE(applied.s, 0)) - COALESCE(loose.s, 0) AS balance
                        FROM owed JOIN {client} cl ON cl.id = owed.client_id
                        LEFT JOIN paid_in ON paid_in.client_id = owed.client_id
                        LEFT JOIN applied ON applied.client_id = owed.client_id
                        LEFT JOIN loose ON loose.client_id = owed.client_id)
        SELECT * FROM client_rows WHERE {_aging_condition(only)}"""  # noqa: S608
    params = [*params, *DEAD, today, *DEAD, *CREDIT_SALES]  # in the order the placeholders appear
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The planner's row estimates through these joins are far too high and it would JIT-compile
            # the query, which alone costs about a second; the work itself is a few hash joins.
            cursor.execute("SET LOCAL jit = off")
        # one pass: the page's rows, each carrying the totals of every row that passed the filter
        page_sql = (f"SELECT *, COUNT(*) OVER () AS n_all, SUM(b0) OVER () AS t0, SUM(b1) OVER () AS t1, "  # noqa: S608
                    f"SUM(b2) OVER () AS t2, SUM(b3) OVER () AS t3, SUM(b4) OVER () AS t4, "
                    f"SUM(balance) OVER () AS t_balance, SUM(unapplied) OVER () AS t_unapplied FROM ({sql}) t "
                    f"ORDER BY balance DESC, name, client_id LIMIT %s OFFSET %s")
        cursor.execute(page_sql, [*params, limit, offset])
        names = [c[0] for c in cursor.description]
        found = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    first = found[0] if found else {}
    count = first.get("n_all", 0)
    sums = [first.get(k) for k in ("t0", "t1", "t2", "t3", "t4", "t_balance", "t_unapplied")]
    money = [_dec(v) for v in sums]
    totals = {name: money[i] for i, (name, _l, _h) in enumerate(BUCKETS)}
    totals.update(balance=money[5], unapplied=money[6])
    rows = []
    for r in found:
        row = ClientAging(client_id=r["client_id"], name=r["name"], credit_limit=_dec(r["credit_limit"]),
                          outstanding=_dec(r["owed"]), unapplied=_dec(r["unapplied"]), loose_credits=_dec(r["loose"]),
                          overdue_documents=int(r["overdue"]))
        row.buckets = {name: _dec(r[f"b{i}"]) for i, (name, _l, _h) in enumerate(BUCKETS)}
        rows.append(row)
    return rows, count or 0, totals


def _aging_condition(only):
    if only == "vencidos":
        return "overdue > 0"
    if only == "sobre_limite":
        return "credit_limit > 0 AND balance > credit_limit"
    return "(owed > 0 OR balance > 0)"


def _dec(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
