
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.modules import Module
from accounts.selectors import company_get
from clients.selectors import client_get_for_user, clients_for_user
from core.access import module_required
from core.modules import Action
from core.text import clean_text
from dte.selectors import documents_for_user
from payments import selectors, services, settlements
from payments.forms import GatewayAccountForm, PaymentForm, SettlementImportForm
from payments.gateways.base import GatewayError
from payments.models import GatewayAccount, LineStatus

# Lazy: read in each request's language, not in the one active when the module loaded.
BUCKET_LABELS = [("current", gettext_lazy("Al día")), ("1_30", gettext_lazy("1–30 días")),
                 ("31_60", gettext_lazy("31–60 días")), ("61_90", gettext_lazy("61–90 días")),
                 ("90_plus", gettext_lazy("Más de 90 días"))]


def _documents(user):

    return documents_for_user(user=user)


PER_PAGE = 50


@module_required(Module.REPORTES, Action.VIEW)
def credit_list(request):
    """Clients owing on credit sales, by aging bucket, over the limit or overdue highlighted; and
    clients holding a credit in their favour (unapplied payments, loose credit notes) with their
    negative balance, last ("Saldo a favor" lists them alone). Grouped by the database and paged,
    largest balance first."""
    only = request.GET.get("solo") if request.GET.get("solo") in ("vencidos", "sobre_limite", "a_favor") else None
    try:
        number = max(int(request.GET.get("pagina", "1")), 1)
    except ValueError:
        number = 1
    rows, count, totals = selectors.aging_table(_documents(request.user), clients=clients_for_user(user=request.user),
                                                only=only, offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
    return render(request, "payments/credit.html", {
        "rows": rows, "buckets": BUCKET_LABELS, "totals": totals, "only": only, "count": count,
        "total_balance": totals["balance"], "number": number, "first_row": (number - 1) * PER_PAGE + 1,
        "previous": number - 1 if number > 1 else None, "following": number + 1 if number * PER_PAGE < count else None,
        "can_record": request.user.can(Module.DOCUMENTOS, Action.EDIT), "can_settlements": request.user.company_wide,
        "chart": [{"label": str(label), "value": float(totals[name])} for name, label in BUCKET_LABELS]})


@module_required(Module.REPORTES, Action.VIEW)
def client_account(request, pk):
    """One client's credit documents with their status, its payments, and (accounting) a payment form."""

    client = client_get_for_user(user=request.user, pk=pk)  # another establishment's client: 404
    today = timezone.localdate()
    docs = list(selectors.credit_documents(_documents(request.user).filter(client=client)).order_by("issue_date", "pk"))
    lines = [(doc, selectors.status_of(doc, today=today)) for doc in docs]
    open_docs = [doc for doc, st in lines if st.outstanding > 0]
    can_record = request.user.can(Module.DOCUMENTOS, Action.EDIT)
    form = PaymentForm(request.POST or None, documents=open_docs) if can_record else None
    if request.method == "POST":
        if not can_record:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                services.payment_record(client=client, date=form.cleaned_data["date"], amount=form.cleaned_data["amount"],
                                        method=form.cleaned_data["method"], reference=form.cleaned_data["reference"],
                                        notes=form.cleaned_data["notes"], acting_user=request.user,
                                        applications=form.applications())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Pago registrado."))
                return redirect("payments:client", pk=client.pk)
    # the credit page's row for this client (None: the credit page does not list it)
    position = selectors.client_aging(_documents(request.user), client_id=client.pk, today=today)
    return render(request, "payments/client.html", {
        "client": client, "lines": lines, "form": form, "position": position, "buckets": BUCKET_LABELS,
        "payments": selectors.payments_of(client.pk)[:50], "labels": selectors.STATUS_LABELS,
        "apply_fields": [form[f"apply_{doc.pk}"] for doc in open_docs] if form else []})


@module_required(Module.DOCUMENTOS, Action.EDIT)
@require_POST
def payment_void(request, pk):
    payment = selectors.payment_get_for_user(user=request.user, pk=pk)
    try:
        services.payment_void(payment=payment, acting_user=request.user, reason=clean_text(request.POST.get("reason", "")))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Pago anulado: lo que cubría vuelve a deberse."))
    return redirect("payments:client", pk=payment.client_id)


# ---------------------------------------------------------------------- gateway accounts (admin)
def _masked(account):
    """(label, "••••" + last four characters) per saved credential: never the whole value."""
    from payments.forms import credential_label  # noqa: PLC0415 - beside its only use

    data = json.loads(account.credentials or "{}")
    return [(credential_label(key), "••••" + (str(value)[-4:] if len(str(value)) > 8 else ""))
            for key, value in sorted(data.items())]


def _accounts_page(request, form, *, status=200):
    company = company_get()
    accounts = list(GatewayAccount.objects.filter(company=company).order_by("gateway")) if company else []
    return render(request, "payments/gateway_accounts.html", {
        "form": form, "rows": [(a, _masked(a)) for a in accounts], "company": company}, status=status)


@module_required(Module.CONFIGURACION, Action.EDIT)
def gateway_accounts(request):
    """The company's payment gateway accounts (admin only): list, and a form to add one."""
    form = GatewayAccountForm(request.POST or None)
    if request.method == "POST":
        company = company_get()
        if company is not None and form.is_valid():
            try:
                services.gateway_account_save(company=company, gateway=form.cleaned_data["gateway"],
                                              credentials=form.credentials(), base_url=form.cleaned_data["base_url"],
                                              enabled=form.cleaned_data["enabled"], acting_user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Cuenta de pasarela guardada."))
                return redirect("payments:gateways")
        return _accounts_page(request, form, status=400)
    return _accounts_page(request, form)


def _account_get(pk):
    # Every account belongs to the one company (accounts.selectors.company_get); the page is the
    # admin's, so the company is the whole scope.
    return get_object_or_404(GatewayAccount, pk=pk, company=company_get())


@module_required(Module.CONFIGURACION, Action.EDIT)
def gateway_account_edit(request, pk):
    account = _account_get(pk)
    form = GatewayAccountForm(request.POST or None, account=account)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.gateway_account_save(company=account.company, gateway=account.gateway,
                                              credentials=form.credentials(), base_url=form.cleaned_data["base_url"],
                                              enabled=form.cleaned_data["enabled"], acting_user=request.user,
                                              account=account)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Cuenta de pasarela guardada."))
                return redirect("payments:gateways")
    return render(request, "payments/gateway_account_edit.html",
                  {"form": form, "account": account, "masked": _masked(account)},
                  status=400 if request.method == "POST" else 200)


@module_required(Module.CONFIGURACION, Action.EDIT)
@require_POST
def gateway_account_toggle(request, pk):
    account = _account_get(pk)
    services.gateway_account_set_enabled(account=account, enabled=not account.enabled, acting_user=request.user)
    messages.success(request, _("Pasarela habilitada.") if not account.enabled else _("Pasarela deshabilitada."))
    return redirect("payments:gateways")
# ---------------------------------------------------------------------------- gateway settlements
def _gateway_accounts():
    return GatewayAccount.objects.filter(company=company_get(), enabled=True).order_by("gateway")


@module_required(Module.REPORTES, Action.VIEW)
def settlement_list(request):
    """Every settlement imported (company-wide roles; others see none), newest payout first, with
    its totals and differences; the import form for who may import."""
    rows = list(selectors.settlements_for_user(user=request.user)[:200])
    can_import = settlements.may_import(request.user)
    form = SettlementImportForm(accounts=_gateway_accounts(), initial={"payout_date": timezone.localdate()}) if can_import else None
    return render(request, "payments/settlements.html", {"rows": rows, "form": form})


@module_required(Module.DOCUMENTOS, Action.EDIT)
@require_POST
def settlement_import(request):
    form = SettlementImportForm(request.POST, request.FILES, accounts=_gateway_accounts())
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("payments:settlements")
    account, upload = form.cleaned_data["account"], form.cleaned_data["file"]
    try:
        if upload:
            settlement, created = settlements.settlement_upload(account=account, content=upload.read(),
                                                                file_name=upload.name, acting_user=request.user)
        else:
            settlement, created = settlements.settlement_fetch(account=account, payout_date=form.cleaned_data["payout_date"],
                                                               acting_user=request.user)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("payments:settlements")
    except GatewayError as exc:
        messages.error(request, _("La pasarela no entregó la liquidación: %(e)s") % {"e": exc})
        return redirect("payments:settlements")
    if created:
        messages.success(request, _("Liquidación importada."))
    else:
        messages.info(request, _("Esa liquidación ya estaba importada: no se agregó nada."))
    return redirect("payments:settlement", pk=settlement.pk)


@module_required(Module.REPORTES, Action.VIEW)
def settlement_detail(request, pk):
    settlement = selectors.settlement_get_for_user(user=request.user, pk=pk)  # not company-wide: 404
    lines = list(selectors.settlement_lines(settlement))
    problems = [ln for ln in lines if ln.status != "matched"]
    return render(request, "payments/settlement.html", {
        "s": settlement, "lines": lines, "problems": problems,
        "statuses": dict(LineStatus.choices)})
