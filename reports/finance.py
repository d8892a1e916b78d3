"""Finance views (issue 21): payments received by day, method, gateway, establishment and rep,
each payment in a list, the gateways' fees (from their settlements, payments.Settlement), refunds
made through the gateways, and the holds (prepaid-balance holds, payments.BalanceHold). The same
machinery as the books: filters, keyset/offset pages, xlsx/CSV/PDF exports.

Scope: a payment counts for a user when it was applied to a document the user may see
(reports.base.documents_in_scope, the documents list's rule), or the user recorded it; a
company-wide role sees every payment (an advance applied to nothing has no establishment). A
payment's establishment is that of the first document it was applied to; an advance applied to
none shows as "Sin documento". Gateway fees and settlements are the whole company's payout, so
only company-wide roles see them (payments.selectors.settlements_for_user); refunds and holds
follow their order's scope."""

import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, NullIf, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogs.selectors import catalog_choices
from core.fiscal import CREDIT_SALES_TYPES, NOT_IN_FORCE, DocType
from dte.models import RelatedDocument
from orders.models import GatewayOperation, Order, Refund
from orders.selectors import orders_for_user
from payments.models import Application, BalanceHold, Payment
from payments.selectors import settlements_for_user
from reports.base import PAGE, ZERO, Column, ListedRows, Report, documents_in_scope, filtered, rep_label, sum_of

MONEY = "money"
NO_GATEWAY = "—"


def payments_in_scope(user):
    """Payments (not voided) whose figures ``user`` may see in a report (see the module)."""
    qs = Payment.objects.filter(voided_at__isnull=True)
    if user.company_wide:
        return qs
    docs = documents_in_scope(user)
    return qs.filter(Q(Exists(Application.objects.filter(payment=OuterRef("pk"), document__in=docs))) | Q(created_by=user))


def _first_application():
    return Application.objects.filter(payment=OuterRef("pk")).order_by("id")


def payments_filtered(params):
    qs = payments_in_scope(params.user).filter(date__gte=params.date_from, date__lte=params.date_to)
    if params.establishment is not None:
        qs = qs.filter(Exists(Application.objects.filter(payment=OuterRef("pk"), document__establishment_id=params.establishment)))
    if params.rep is not None:
        qs = qs.filter(created_by_id=params.rep)
    if params.client is not None:
        qs = qs.filter(client_id=params.client)
    return qs.annotate(
        gateway=Coalesce(Subquery(Order.objects.filter(payment=OuterRef("pk")).values("gateway")[:1]), Value(NO_GATEWAY)),
        establishment_code=Subquery(_first_application().values("document__establishment__cod_estable_mh")[:1]),
        establishment_name=Subquery(_first_application().values("document__establishment__name")[:1]))


def _method_label(code):
    labels = dict(catalog_choices(catalog="CAT-017"))
    return f"{code} · {labels[code]}" if code in labels else code


RECEIVED = [Column("payments", _("Pagos"), "int", total=True), Column("amount", _("Recibido"), MONEY, total=True),
            Column("unapplied", _("Sin aplicar"), MONEY, total=True)]


class _PaymentsBy(Report):
    filters = ("establecimiento", "vendedor")
    pdf_landscape = False

    def base(self, params):
        return payments_filtered(params)

    def aggregates(self):
        return {"payments": Count("id"), "amount": sum_of(F("amount")), "unapplied": sum_of(F("unapplied"))}


class PaymentsByDay(_PaymentsBy):
    slug = "cobros-dia"
    title = _("Pagos recibidos por día")
    description = _("Lo cobrado cada día (pagos registrados, de pedidos y de caja), con lo que quedó sin aplicar.")
    group = ("date",)
    order = ("date",)
    columns = [Column("date", _("Fecha"), "date", width=11)] + RECEIVED
    chart = ("date", "amount")


class PaymentsByMethod(_PaymentsBy):
    slug = "cobros-forma"
    title = _("Pagos recibidos por forma de pago")
    description = _("Lo cobrado por forma de pago (CAT-017: efectivo, tarjeta, transferencia…).")
    group = ("method",)
    order = ("method",)
    columns = [Column("method_label", _("Forma de pago"), width=30)] + RECEIVED
    chart = ("method_label", "amount")

    def display(self, row):
        row["method_label"] = _method_label(row["method"])
        return super().display(row)


class PaymentsByGateway(_PaymentsBy):
    slug = "cobros-pasarela"
    title = _("Pagos recibidos por pasarela")
    description = _("Lo cobrado por cada pasarela de pago y en caja; «—» son pagos registrados a mano.")
    group = ("gateway",)
    order = ("gateway",)
    columns = [Column("gateway", _("Pasarela"), width=16)] + RECEIVED
    chart = ("gateway", "amount")


class PaymentsByEstablishment(_PaymentsBy):
    slug = "cobros-establecimiento"
    title = _("Pagos recibidos por establecimiento")
    description = _("Lo cobrado por establecimiento del documento que pagó; los anticipos sin documento aparte.")
    group = ("establishment_code", "establishment_name")
    order = ("establishment_code",)
    columns = [Column("establishment_code", _("Código"), width=8), Column("establishment_label", _("Establecimiento"), width=30)] + RECEIVED

    def display(self, row):
        row["establishment_label"] = row["establishment_name"] or str(_("Sin documento (anticipo)"))
        return super().display(row)


class PaymentsByRep(_PaymentsBy):
    slug = "cobros-vendedor"
    title = _("Pagos recibidos por vendedor")
    description = _("Lo cobrado por quien registró el pago o hizo el pedido.")
    group = ("created_by_id", "created_by__username", "created_by__first_name", "created_by__last_name")
    order = ("created_by__username",)
    columns = [Column("rep", _("Vendedor"), width=30), Column("created_by__username", _("Usuario"), width=16)] + RECEIVED

    def display(self, row):
        row["rep"] = rep_label(row)
        return super().display(row)


class PaymentsList(_PaymentsBy):
    slug = "cobros-detalle"
    title = _("Pagos recibidos (detalle)")
    description = _("Cada pago recibido del periodo, con su cliente, forma de pago, pasarela y lo que quedó sin aplicar.")
    pdf_landscape = True
    keyset = ("date", "id")
    key_types = {"date": "date"}
    fields = ("id", "date", "client__name", "method", "reference", "gateway", "establishment_code", "created_by__username",
              "amount", "unapplied")
    columns = [Column("_n", _("N.º"), "int", width=8), Column("date", _("Fecha"), "date", width=11),
               Column("client__name", _("Cliente"), width=34), Column("method_label", _("Forma de pago"), width=24),
               Column("gateway", _("Pasarela"), width=12), Column("reference", _("Referencia"), "code", width=24),
               Column("establishment_code", _("Establecimiento"), width=10),
               Column("created_by__username", _("Registró"), width=14),
               Column("amount", _("Monto"), MONEY, total=True), Column("unapplied", _("Sin aplicar"), MONEY, total=True)]

    def display(self, row):
        row["method_label"] = _method_label(row["method"])
        return super().display(row)


class GatewayFees(Report):
    """The gateways' fees as their settlements state them, by gateway and payout date (company-wide
    roles only: a payout is the whole company's money)."""

    slug = "comisiones-pasarela"
    title = _("Comisiones de pasarelas")
    description = _("Bruto, comisión y neto de cada liquidación de pasarela por fecha de pago, con sus diferencias.")
    filters = ()
    pdf_landscape = False
    group = ("gateway", "payout_date")
    order = ("payout_date", "gateway")
    columns = [Column("payout_date", _("Fecha de pago"), "date", width=11), Column("gateway", _("Pasarela"), width=12),
               Column("settlements", _("Liquidaciones"), "int", total=True), Column("gross", _("Bruto"), MONEY, total=True),
               Column("fee", _("Comisión"), MONEY, total=True), Column("net", _("Neto"), MONEY, total=True),
               Column("differences", _("Diferencias"), "int", total=True)]
    chart = ("payout_date", "fee")

    def base(self, params):
        return settlements_for_user(user=params.user).filter(payout_date__gte=params.date_from, payout_date__lte=params.date_to)

    def aggregates(self):
        return {"settlements": Count("id"), "gross": sum_of(F("gross")), "fee": sum_of(F("fee")), "net": sum_of(F("net")),
                "differences": Coalesce(Sum(F("missing_count") + F("extra_count") + F("different_count")), Value(0))}


class GatewayRefunds(Report):
    slug = "reembolsos"
    title = _("Reembolsos por pasarela")
    description = _("El dinero devuelto por las pasarelas en el periodo, por pedido, con su acción fiscal.")
    filters = ("establecimiento",)
    keyset = ("created_at", "id")
    key_types = {"created_at": "str"}
    fields = ("id", "created_at", "order_id", "order__gateway", "order__client__name", "order__establishment__cod_estable_mh",
              "amount", "reason", "fiscal_action")
    columns = [Column("_n", _("N.º"), "int", width=8), Column("day", _("Fecha"), "date", width=11),
               Column("order_label", _("Pedido"), width=10), Column("order__gateway", _("Pasarela"), width=12),
               Column("order__client__name", _("Cliente"), width=30),
               Column("order__establishment__cod_estable_mh", _("Establecimiento"), width=10),
               Column("reason", _("Motivo"), width=30), Column("amount", _("Monto"), MONEY, total=True)]

    def base(self, params):
        qs = Refund.objects.filter(order__in=orders_for_user(user=params.user).values("pk"), operation__state="succeeded",
                                   created_at__date__gte=params.date_from, created_at__date__lte=params.date_to)
        if params.establishment is not None:
            qs = qs.filter(order__establishment_id=params.establishment)
        return qs

    def display(self, row):
        row["day"] = row["created_at"].date() if row.get("created_at") else None
        row["order_label"] = f"P-{row['order_id']:06d}"
        return super().display(row)


class BalanceHolds(Report):
    slug = "bloqueos-saldo"
    title = _("Saldo bloqueado para pedidos: abierto y vencido")
    description = _("El saldo de clientes bloqueado para pedidos: vigente, vencido sin liberar, cobrado o liberado.")
    filters = ()
    pdf_landscape = False
    keyset = ("id",)
    fields = ("id", "created_at", "client__name", "reference", "state", "expires_at", "amount")
    columns = [Column("_n", _("N.º"), "int", width=8), Column("client__name", _("Cliente"), width=30),
               Column("reference", _("Referencia"), "code", width=20), Column("state_label", _("Estado"), width=16),
               Column("expires", _("Vence"), "date", width=11), Column("amount", _("Monto"), MONEY, total=True)]

    def base(self, params):
        # a hold is placed for an order (orders.services._balance_hold, its charge's reference): the
        # reader sees the holds of the orders he may see
        ops = GatewayOperation.objects.filter(order__in=orders_for_user(user=params.user).values("pk"))
        return BalanceHold.objects.filter(reference__in=ops.values("reference"), created_at__date__gte=params.date_from,
                                          created_at__date__lte=params.date_to)

    def display(self, row):
        expired = row["state"] == "held" and row["expires_at"] < timezone.now()
        row["state_label"] = str(_("Vencida sin liberar")) if expired else {
            "held": str(_("Vigente")), "captured": str(_("Cobrada")), "released": str(_("Liberada"))}.get(row["state"], row["state"])
        row["expires"] = timezone.localtime(row["expires_at"]).date()
        return super().display(row)


class GatewayHolds(Report):
    """Orders whose payment is held at the gateway (PayPal authorizations, payments-facts §3: a
    hold is honoured 3 days and lives 29): open, and those already past their expiry that the
    sweep has not released yet."""

    slug = "bloqueos-pasarela"
    title = _("Pagos retenidos en pasarela: abiertos y vencidos")
    description = _("Pedidos con el pago retenido en la pasarela, por vencimiento; los vencidos deben liberarse o cobrarse.")
    filters = ("establecimiento",)
    dated = False
    pdf_landscape = False
    keyset = ("id",)
    fields = ("id", "gateway", "client__name", "establishment__cod_estable_mh", "hold_expires_at", "amount_authorized")
    columns = [Column("order_label", _("Pedido"), width=10), Column("gateway", _("Pasarela"), width=12),
               Column("client__name", _("Cliente"), width=30),
               Column("establishment__cod_estable_mh", _("Establecimiento"), width=10),
               Column("expires", _("Vence"), "date", width=11), Column("state_label", _("Estado"), width=12),
               Column("amount_authorized", _("Retenido"), MONEY, total=True)]

    def base(self, params):
        qs = orders_for_user(user=params.user).filter(state="authorized")
        if params.establishment is not None:
            qs = qs.filter(establishment_id=params.establishment)
        return qs

    def display(self, row):
        at = row["hold_expires_at"]
        row["order_label"] = f"P-{row['id']:06d}"
        row["expires"] = timezone.localtime(at).date() if at else None
        row["state_label"] = str(_("Vencida")) if at and at < timezone.now() else str(_("Vigente"))
        return super().display(row)


class UnappliedMoney(Report):
    """Money clients paid that pays no document yet (advances, overpayments: Payment.unapplied),
    by client, as of today."""

    slug = "saldo-sin-aplicar"
    title = _("Dinero sin aplicar por cliente")
    description = _("Anticipos y pagos de más que aún no pagan ningún documento, por cliente.")
    filters = ("establecimiento", "vendedor")
    dated = False
    pdf_landscape = False
    group = ("client_id", "client__name", "client__id_number")
    order = ("-unapplied", "client_id")
    columns = [Column("client__name", _("Cliente"), width=34), Column("client__id_number", _("Documento"), width=16),
               Column("payments", _("Pagos"), "int", total=True), Column("unapplied", _("Sin aplicar"), MONEY, total=True)]
    chart = ("client__name", "unapplied")

    def base(self, params):
        qs = payments_in_scope(params.user).filter(unapplied__gt=0)
        if params.establishment is not None:
            qs = qs.filter(Exists(Application.objects.filter(payment=OuterRef("pk"), document__establishment_id=params.establishment)))
        if params.rep is not None:
            qs = qs.filter(created_by_id=params.rep)
        return qs

    def aggregates(self):
        return {"payments": Count("id"), "unapplied": sum_of(F("unapplied"))}


class ClientBalancesOverTime(Report):
    """What clients owe on credit sales, month by month: sold on credit, collected (payments
    applied, by the payment's date), credit notes against those sales, and the balance at each
    month's end (all earlier months carried in). The documents are the reader's (the documents
    list's scope), so a branch sees its own receivables."""

    slug = "saldos-clientes-mes"
    title = _("Saldos de clientes mes a mes")
    description = _("Vendido al crédito, cobrado y notas de crédito de cada mes, con el saldo por cobrar al cierre del mes.")
    filters = ("establecimiento", "vendedor")
    pdf_landscape = False
    columns = [Column("month", _("Mes"), width=10), Column("billed", _("Vendido al crédito"), MONEY, total=True),
               Column("paid", _("Cobrado"), MONEY, total=True), Column("credited", _("Notas de crédito"), MONEY, total=True),
               Column("balance", _("Saldo al cierre"), MONEY)]
    chart = ("month", "balance")

    def _credit_sales(self, params):
        return (filtered(params, dated=False, statuses=None)
                .filter(condition=2, tipo_dte__in=CREDIT_SALES_TYPES).exclude(status__in=NOT_IN_FORCE))

    @staticmethod
    def _by_month(qs, date_field, amount):
        return {r["m"]: r["s"] for r in qs.annotate(m=TruncMonth(date_field)).values("m").annotate(s=sum_of(amount)).order_by()}

    def _all(self, params):
        sales = self._credit_sales(params)
        billed = self._by_month(sales, "issue_date", Coalesce(NullIf(F("total_to_pay"), Value(ZERO)), F("total_operation")))
        paid = self._by_month(Application.objects.filter(document__in=sales, payment__voided_at__isnull=True),
                              "payment__date", F("amount"))
        credited = self._by_month(RelatedDocument.objects.filter(target__in=sales, document__tipo_dte=DocType.NC)
                                  .exclude(document__status__in=NOT_IN_FORCE), "document__issue_date",
                                  F("document__total_operation"))
        start = params.date_from.replace(day=1)
        balance = ZERO
        for figures, sign in ((billed, 1), (paid, -1), (credited, -1)):
            balance += sign * sum((v for m, v in figures.items() if m < start), ZERO)
        rows, month = [], start
        while month <= params.date_to:
            row = {"month": f"{month:%m/%Y}", "billed": billed.get(month, ZERO), "paid": paid.get(month, ZERO),
                   "credited": credited.get(month, ZERO)}
            balance += row["billed"] - row["paid"] - row["credited"]
            rows.append({**row, "balance": balance})
            month = (month + datetime.timedelta(days=32)).replace(day=1)
        return rows

    def rows(self, params):
        return ListedRows(self._all(params))

    def count(self, params):
        return len(self._all(params))

    def totals(self, params):
        rows = self._all(params)
        return {k: sum((r[k] for r in rows), ZERO) for k in ("billed", "paid", "credited")}

    def page(self, params, cursor=None, number=1):
        offset = (max(number, 1) - 1) * PAGE
        found = self._all(params)
        rows = [{**r, "_n": n} for n, r in enumerate(found[offset:offset + PAGE], start=offset + 1)]
        return rows, (number + 1 if offset + PAGE < len(found) else None), (number - 1 if number > 1 else None)


FINANCE_REPORTS = [PaymentsByDay, PaymentsByMethod, PaymentsByGateway, PaymentsByEstablishment, PaymentsByRep, PaymentsList,
                   UnappliedMoney, ClientBalancesOverTime, GatewayFees, GatewayRefunds, BalanceHolds, GatewayHolds]
