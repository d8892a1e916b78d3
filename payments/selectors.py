"""What is owed: each credit document's payment status and each client's balance and aging,
from the payments applied and the credit notes issued (an NC reduces what the client owes).

What a client owes has one definition, ``owed_sql``: the sum over its credit sales in force of what
each still owes (its total less the payments applied to it and the credit notes in force tied to
it, never below zero), less its payments' money not applied yet and its credit notes tied to no
credit sale. Every figure of it is read from that one statement: ``client_position()`` (one
client, the issuing checks), ``aging_table()`` (every client, grouped and paged: the credit page
and the aging report) and ``client_aging()`` (one client's page). The same definition computed
document by document in Python lives in payments/tests/reference.py, the reference the SQL is
tested against.

Who is listed (the credit page, the aging report, a client's page alike): every client owing on
a credit sale, and every client holding a credit in its favour (payments not applied, loose
credit notes) though it owes nothing, with its negative balance; a client with nothing open is
not. (Per document, what a sale owes is also read through the ORM, ``credit_documents`` and
``status_of``: to check a payment against it and to list a client's sales; the same terms.)"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.modules import Module
from clients.models import Client
from clients.selectors import clients_for_user
from core.fiscal import CREDIT_SALES_TYPES as CREDIT_SALES
from core.fiscal import NOT_IN_FORCE as DEAD
from core.fiscal import DocType
from core.modules import Action
from dte.models import Document, RelatedDocument
from payments.models import Application, BalanceHold, Payment, Settlement

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
    # MH's authorisation test set is not a sale: nobody owes it (dte.Document.is_authorisation_test).
    return (qs.filter(condition=2, tipo_dte__in=CREDIT_SALES, is_authorisation_test=False).exclude(status__in=DEAD)
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
    def in_favour(self):
        """What is the client's and not applied to any sale yet: payments and loose credit notes."""
        return self.unapplied + self.loose_credits

    @property
    def over_limit(self):
        return self.credit_limit > 0 and self.balance > self.credit_limit


def owed_sql(documents, *, today, client_id=None, clients=None):
    """What a client owes, defined once, as SQL: ``(text, params)`` of a WITH clause whose last
    table, ``positions``, has a row per client with something open (columns client_id, b0…b4 (the
    BUCKETS), owed, overdue, unapplied, loose, balance). The credit checks (``client_position``),
    the credit page and the aging report (``aging_table``) and a client's page (``client_aging``)
    all read it.

    - A credit sale (condition 2, of CREDIT_SALES, in force) among ``documents`` owes its worth
      (total to pay, else total) less the payments applied to it (not voided) and the credit notes
      in force tied to it; what it owes is counted only when above zero (an over-credited sale owes
      nothing, it does not lend). Only the sales not paid off are read (Document.paid_off, index
      document_open_credit): a paid-off one owes nothing, so leaving it out changes no figure and
      the cost follows what is open, not the history. Each one's payments and credit notes are
      looked up by its id (correlated, through their indexes), never by summing whole tables.
    - A client's balance is what its sales owe less its payments' money not applied to any sale
      (Payment.unapplied, index payment_unapplied) and not blocked for an order (BalanceHold held:
      blocked money is counted in the client's exposure, not in its favour) and its credit notes in force tied to no credit
      sale ("loose"). Payments and loose notes belong to the client, not to a place: they are not
      narrowed by ``documents``.
    - Who has a row: every client owing on those sales; with ``client_id``, that one client
      (``documents`` must be its own), with a row too when it only holds a credit in its favour;
      otherwise also the clients of ``clients`` (a Client queryset; None: nobody else) holding a
      credit in their favour (unapplied money or loose notes) though they owe nothing: their
      balance is negative. A client with nothing open has no row (its balance is zero).

    ``today`` fixes the days late (a sale is late the day after issue date + payment term).
    Only identifiers from the models, %s placeholders and fixed conditions go into the text;
    every value travels as a parameter."""
    q = connection.ops.quote_name
    payment, application, document, related, hold = (q(m._meta.db_table) for m in (
        Payment, Application, Document, RelatedDocument, BalanceHold))
    dead, sales = ", ".join(["%s"] * len(DEAD)), ", ".join(["%s"] * len(CREDIT_SALES))
    late = ("(%s::date - c.issue_date - c.payment_term_days)" if connection.vendor == "postgresql"
            else "(CAST(julianday(%s) - julianday(c.issue_date) AS INTEGER) - c.payment_term_days)")
    # MH's authorisation test set is not a sale (dte.Document.is_authorisation_test): it owes nothing.
    credit = (documents.filter(condition=2, tipo_dte__in=CREDIT_SALES, paid_off=False, is_authorisation_test=False)
              .exclude(status__in=DEAD)
              .order_by().values("id", "client_id", "issue_date", "payment_term_days", "total_to_pay", "total_operation"))
    credit_sql, credit_params = _sql_of(credit)
    # whose payments and loose notes are read (unqualified client_id: the payment's, the note's)
    if client_id is not None:
        holders, holder_params = "client_id = %s", [client_id]
    else:
        holders, holder_params = "client_id IN (SELECT client_id FROM owed)", []
        if clients is not None:
            clients_sql, clients_params = _sql_of(clients.order_by().values("pk"))
            holders, holder_params = f"({holders} OR client_id IN ({clients_sql}))", list(clients_params)
    buckets = ", ".join(f"SUM(CASE WHEN {_late_in(low, high)} THEN outstanding ELSE 0 END) AS b{i}"
                        for i, (_name, low, high) in enumerate(BUCKETS))
    columns = ", ".join(f"COALESCE(o.b{i}, 0) AS b{i}" for i in range(len(BUCKETS)))
    nc = DocType.NC.value
    # each sale's outstanding amount computed once (the planner would inline it into every bucket's
    # SUM, its two correlated lookups planned and run once per bucket)
    materialized = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    sql = f"""
        WITH credit (id, client_id, issue_date, payment_term_days, total_to_pay, total_operation) AS ({credit_sql}),
        docs AS {materialized}(SELECT c.client_id, {late} AS late, COALESCE(NULLIF(c.total_to_pay, 0), c.total_operation)
                        - COALESCE((SELECT SUM(a.amount) FROM {application} a JOIN {payment} p ON p.id = a.payment_id
                                    WHERE a.document_id = c.id AND p.voided_at IS NULL), 0)
                        - COALESCE((SELECT SUM(n.total_operation) FROM {related} r JOIN {document} n ON n.id = r.document_id
                                    WHERE r.target_id = c.id AND n.tipo_dte = '{nc}' AND n.status NOT IN ({dead})), 0)
                        AS outstanding
                 FROM credit c),
        owed AS (SELECT client_id, {buckets}, SUM(outstanding) AS owed, SUM(CASE WHEN late > 0 THEN 1 ELSE 0 END) AS overdue
                 FROM docs WHERE outstanding > 0 GROUP BY client_id),
        held AS (SELECT p.client_id, SUM(p.unapplied)
                        - COALESCE((SELECT SUM(b.amount) FROM {hold} b WHERE b.client_id = p.client_id
                                    AND b.state = 'held'), 0) AS s FROM {payment} p
                 WHERE p.voided_at IS NULL AND p.unapplied > 0 AND {holders} GROUP BY p.client_id),
        loose AS (SELECT d.client_id, SUM(d.total_operation) AS s FROM {document} d
                  WHERE d.tipo_dte = '{nc}' AND d.status NOT IN ({dead}) AND NOT d.is_authorisation_test AND {holders}
                  AND NOT EXISTS (SELECT 1 FROM {related} r JOIN {document} t ON t.id = r.target_id
                                  WHERE r.document_id = d.id AND t.condition = 2 AND t.tipo_dte IN ({sales}))
                  GROUP BY d.client_id HAVING SUM(d.total_operation) > 0),
        positions AS (SELECT k.client_id, {columns}, COALESCE(o.owed, 0) AS owed, COALESCE(o.overdue, 0) AS overdue,
                             COALESCE(h.s, 0) AS unapplied, COALESCE(l.s, 0) AS loose,
                             COALESCE(o.owed, 0) - COALESCE(h.s, 0) - COALESCE(l.s, 0) AS balance
                      FROM (SELECT client_id FROM owed UNION SELECT client_id FROM held UNION SELECT client_id FROM loose) k
                      LEFT JOIN owed o ON o.client_id = k.client_id LEFT JOIN held h ON h.client_id = k.client_id
                      LEFT JOIN loose l ON l.client_id = k.client_id)"""  # noqa: S608
    params = [*credit_params, today, *DEAD, *holder_params, *DEAD, *holder_params, *CREDIT_SALES]  # in the text's order
    return sql, params


def _late_in(low, high):
    """The SQL condition of an aging bucket (BUCKETS: days late, current = not late yet)."""
    if high == 0:
        return "late <= 0"
    return f"late >= {int(low)}" if high is None else f"late BETWEEN {int(low)} AND {int(high)}"


def _sql_of(qs):
    """A queryset's SQL and params; for one that can match nothing (``.none()``, ``pk__in=[]``),
    which Django refuses to write, a statement with the same columns and no row."""
    try:
        return qs.query.sql_with_params()
    except EmptyResultSet:
        return qs.model.objects.filter(pk__isnull=True).values(*qs.query.values_select).query.sql_with_params()


def _run(sql, params):
    """Rows (dicts) of a statement over ``owed_sql``, JIT off on PostgreSQL: the planner's
    estimates of open sales run far above what is there (the client_id statistics are the whole
    table's) and past jit_above_cost it JIT-compiles the statement, some 50 ms for a few ms of
    work for one client (bench/issue.py, 50,000-sale client), about a second for the credit page."""
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL jit = off")  # this transaction only
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def client_position(client_id, *, exclude=None, today=None):
    """(balance, overdue documents) of one client over all its documents, what the issuing checks
    ask (``owed_sql`` for that client): one statement that reads only its open credit sales, its
    payments with money unapplied and its credit notes. ``exclude``: a document left out (the one
    being issued). (0.00, 0) for a client with nothing open."""
    sql, template, slots = _one_client_statement(excluding=exclude is not None)
    values = {"client": client_id, "exclude": exclude, "today": today or timezone.localdate()}
    params = list(template)
    for pos, name in slots:
        params[pos] = values[name]
    found = _run(sql, params)
    if not found:
        return ZERO, 0
    return _dec(found[0]["balance"]), int(found[0]["overdue"])


# client_position's statement, built once per process and shape (a document left out or not):
# compiling its queryset cost the ORM more than the database takes to answer it (as for the
# issuing queries, dte/prepared.py). Values no call has stand for the client, the document left
# out and the day among its parameters, and are replaced on each call.
_STAND_INS = {"client": -1_999_999_000, "exclude": -1_999_999_001, "today": datetime.date.min}
_ONE_CLIENT = {}


def _one_client_statement(*, excluding):
    key = (connection.vendor, excluding)
    found = _ONE_CLIENT.get(key)
    if found is None:
        documents = Document.objects.filter(client_id=_STAND_INS["client"])
        if excluding:
            documents = documents.exclude(pk=_STAND_INS["exclude"])
        sql, params = owed_sql(documents, today=_STAND_INS["today"], client_id=_STAND_INS["client"])
        slots = [(pos, name) for pos, value in enumerate(params) for name, stand_in in _STAND_INS.items()
                 if type(value) is type(stand_in) and value == stand_in]
        if {name for _pos, name in slots} != {"client", "today", *(["exclude"] if excluding else [])}:
            raise ValueError("Every argument of client_position must reach its SQL as a parameter.")
        found = _ONE_CLIENT[key] = (f"{sql} SELECT balance, overdue FROM positions", params, slots)  # noqa: S608
    return found


def client_aging(documents, *, client_id, today=None):
    """One client's row of the credit page (a ClientAging), over the sales of ``documents`` (the
    user's scope) and the client's own payments and loose credit notes; None when it has nothing
    open, exactly when the credit page does not list it."""
    rows, _count, _totals = aging_table(documents.filter(client_id=client_id), client_id=client_id, today=today,
                                        limit=1)
    return rows[0] if rows else None


def payments_for_user(*, user):
    """Payments of the clients ``user`` may see (clients.selectors.clients_for_user)."""
    return Payment.objects.select_related("client").filter(client__in=clients_for_user(user=user).values("pk"))


def payment_get_for_user(*, user, pk):
    """One payment, or 404 when it is not there or its client is out of the user's scope."""
    return get_object_or_404(payments_for_user(user=user), pk=pk)


def payments_of(client_id):
    return Payment.objects.filter(client_id=client_id).prefetch_related("applications__document").order_by("-date", "-id")


ONLY = {
    None: "1 = 1",
    "vencidos": "overdue > 0",
    "sobre_limite": "credit_limit > 0 AND balance > credit_limit",
    "a_favor": "balance < 0",
}


def aging_table(documents, *, clients=None, client_id=None, today=None, only=None, offset=0, limit=50):
    """The credit page and the aging report at any size: per client (``owed_sql``), the aging
    buckets, what it owes, its unapplied payments and loose credit notes, its balance and overdue
    documents, in one statement, largest balance first, paged. Listed: every client owing on the
    credit sales of ``documents``, and the clients of ``clients`` holding a credit in their favour
    (negative balance, last; ``only="a_favor"`` lists them alone). ``client_id``: that client's
    row alone (``client_aging``). ``only``: a key of ONLY.
    Returns (rows of ClientAging, how many clients, totals)."""
    sql, params = owed_sql(documents, today=today or timezone.localdate(), client_id=client_id, clients=clients)
    client = connection.ops.quote_name(Client._meta.db_table)
    bucket_totals = ", ".join(f"SUM(b{i}) OVER () AS t{i}" for i in range(len(BUCKETS)))
    # one pass: the page's rows, each carrying the totals of every row that passed the filter
    found = _run(f"""{sql}
        SELECT *, COUNT(*) OVER () AS n_all, {bucket_totals}, SUM(balance) OVER () AS t_balance,
               SUM(unapplied) OVER () AS t_unapplied, SUM(loose) OVER () AS t_loose
        FROM (SELECT pos.*, cl.name, cl.credit_limit FROM positions pos JOIN {client} cl ON cl.id = pos.client_id) t
        WHERE {ONLY[only]} ORDER BY balance DESC, name, client_id LIMIT %s OFFSET %s""",  # noqa: S608
                 [*params, limit, offset])
    first = found[0] if found else {}
    totals = {name: _dec(first.get(f"t{i}")) for i, (name, _l, _h) in enumerate(BUCKETS)}
    totals.update(balance=_dec(first.get("t_balance")), unapplied=_dec(first.get("t_unapplied")),
                  loose_credits=_dec(first.get("t_loose")))
    totals["in_favour"] = totals["unapplied"] + totals["loose_credits"]
    rows = []
    for r in found:
        row = ClientAging(client_id=r["client_id"], name=r["name"], credit_limit=_dec(r["credit_limit"]),
                          outstanding=_dec(r["owed"]), unapplied=_dec(r["unapplied"]), loose_credits=_dec(r["loose"]),
                          overdue_documents=int(r["overdue"]))
        row.buckets = {name: _dec(r[f"b{i}"]) for i, (name, _l, _h) in enumerate(BUCKETS)}
        rows.append(row)
    return rows, first.get("n_all", 0), totals


def _dec(value):
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# ---------------------------------------------------------------------------- gateway settlements
def settlements_for_user(*, user):
    """Settlements a user may see: a payout is the whole company's money (every establishment's
    sales), so only a company-wide role with the reports grant sees them; anyone else none."""
    if not (user.is_authenticated and user.company_wide and user.can(Module.REPORTES, Action.VIEW)):
        return Settlement.objects.none()
    return Settlement.objects.select_related("account", "imported_by").defer("content")


def settlement_get_for_user(*, user, pk):
    return get_object_or_404(settlements_for_user(user=user), pk=pk)


def settlement_lines(settlement):
    return settlement.lines.select_related("payment").order_by("position")
