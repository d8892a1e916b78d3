"""The accountant's pages (Spanish, /conciliacion/…): bank accounts, statements, matching and
periods. Reading needs Reportes · Ver (the auditor and supervisor read); every write needs
Documentos · Editar, the grant that records payments (the accountant, the admin)."""

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.modules import Module
from accounts.selectors import establishments_for_user
from bulk.reading import FileRejected
from core import scope
from core.access import module_required
from core.models import StateChange
from core.modules import Action
from core.statemachine import TransitionRefused
from payments.models import Payment
from reconciliation import selectors, services
from reconciliation.forms import BankAccountForm, MappingForm, PeriodForm, UploadForm
from reconciliation.mappings import BANKS, FIELDS, OPTIONS, shipped
from reconciliation.models import AdjustmentKind, BankAccount, BankLine, Match, MatchState, Period, PeriodState, Statement

READ = (Module.REPORTES, Action.VIEW)
WRITE = services.GRANT
MAX_FREE_SHOWN = 200


def _account(request, pk):
    return scope.get_or_404(BankAccount, request.user, pk=pk)  # another establishment's account: 404


def _can_write(user):
    return user.can(*WRITE)


def _errors(request, exc):
    messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))


@module_required(*READ)
def account_list(request):
    accounts = selectors.accounts_for_user(user=request.user).order_by("name")
    return render(request, "reconciliation/accounts.html", {"accounts": accounts, "can_write": _can_write(request.user),
                                                            "banks": {k: v[0] for k, v in BANKS.items()}})


@module_required(*WRITE)
def account_create(request):
    form = BankAccountForm(request.POST or None, establishments=establishments_for_user(user=request.user))
    if request.method == "POST" and form.is_valid():
        account = form.save(commit=False)
        establishment = account.establishment
        account.company = establishment.company if establishment else _company(request.user)
        account.mapping = shipped(account.bank)
        if account.company is None:
            messages.error(request, _("Configure primero la empresa."))
        else:
            try:
                services.bank_account_save(account=account, acting_user=request.user)
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Cuenta creada con las columnas de su banco; revíselas con un extracto real."))
                return redirect("reconciliation:account", pk=account.pk)
    return render(request, "reconciliation/account_form.html", {"form": form})


def _company(user):
    from accounts.models import Company  # noqa: PLC0415 - the one company of the installation

    return Company.objects.order_by("pk").first()


@module_required(*READ)
def account_detail(request, pk):
    account = _account(request, pk)
    return render(request, "reconciliation/account.html", {
        "account": account, "statements": account.statements.select_related("uploaded_by")[:20],
        "periods": account.periods.all()[:24], "upload_form": UploadForm(), "period_form": PeriodForm(),
        "bank_name": BANKS.get(account.bank, BANKS["otro"])[0], "bank_note": BANKS.get(account.bank, BANKS["otro"])[2],
        "mapping": [(label, account.mapping.get(name, "")) for name, label in FIELDS],
        "can_write": _can_write(request.user)})


@module_required(*WRITE)
def mapping_edit(request, pk):
    account = _account(request, pk)
    initial = {**OPTIONS, **(account.mapping or {})}
    if request.GET.get("banco") in BANKS:  # start again from a shipped layout
        initial = {**OPTIONS, **shipped(request.GET["banco"])}
    form = MappingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.mapping_save(account=account, mapping=form.cleaned_data, acting_user=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Columnas guardadas."))
            return redirect("reconciliation:account", pk=account.pk)
    return render(request, "reconciliation/mapping.html", {"account": account, "form": form,
                                                           "banks": [(k, v[0], v[2]) for k, v in BANKS.items()]})


@module_required(*WRITE)
@require_POST
def statement_upload(request, pk):
    account = _account(request, pk)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Elija un archivo."))
        return redirect("reconciliation:account", pk=account.pk)
    try:
        statement = services.statement_review(account=account, upload=form.cleaned_data["file"], acting_user=request.user)
    except (FileRejected, ValidationError) as exc:
        _errors(request, exc)
        return redirect("reconciliation:account", pk=account.pk)
    return redirect("reconciliation:statement", statement=statement.pk)


def _statement(request, pk):
    return get_object_or_404(Statement.objects.select_related("account", "uploaded_by"), pk=pk,
                             account__in=selectors.accounts_for_user(user=request.user))


@module_required(*READ)
def statement_detail(request, statement):
    statement = _statement(request, statement)
    return render(request, "reconciliation/statement.html", {
        "statement": statement, "account": statement.account, "can_write": _can_write(request.user),
        "lines": BankLine.objects.filter(statement=statement).order_by("date", "pk")[:200]})


@module_required(*WRITE)
@require_POST
def statement_apply(request, statement):
    statement = _statement(request, statement)
    try:
        services.statement_apply(statement=statement, acting_user=request.user)
    except (FileRejected, ValidationError, TransitionRefused) as exc:
        _errors(request, exc)
        return redirect("reconciliation:statement", statement=statement.pk)
    statement.refresh_from_db()
    messages.success(request, _("Extracto aplicado: %(n)d líneas nuevas, %(u)d ya importadas. Revise las conciliaciones "
                                "propuestas.") % {"n": statement.new, "u": statement.unchanged})
    return redirect("reconciliation:match", pk=statement.account_id)


def _span(request, account):
    period = None
    if request.GET.get("periodo", "").isdigit():
        period = Period.objects.filter(account=account, pk=int(request.GET["periodo"])).first()
    return period, ((period.start, period.end) if period else None)


@module_required(*READ)
def match_page(request, pk):
    account = _account(request, pk)
    period, span = _span(request, account)
    lines = selectors.free_lines(account).order_by("date", "pk")
    pays = selectors.free_payments(account).select_related("client").order_by("date", "pk")
    if span:
        lines, pays = lines.filter(date__range=span), pays.filter(date__range=span)
    lines, pays = list(lines[:MAX_FREE_SHOWN]), list(pays[:MAX_FREE_SHOWN])
    # Editing a proposal by hand: its lines and payments join the free ones, already chosen, with
    # its adjustment; matching them by hand replaces the proposal (services.match_manual).
    editing = None
    if request.GET.get("editar", "").isdigit():
        editing = Match.objects.filter(account=account, state=MatchState.PROPOSED, pk=int(request.GET["editar"])).first()
    chosen_lines, chosen_pays, adjustment = set(), set(), None
    if editing is not None:
        own_lines = list(BankLine.objects.filter(links__match=editing))
        own_pays = list(Payment.objects.filter(bank_links__match=editing).select_related("client"))
        chosen_lines, chosen_pays = {ln.pk for ln in own_lines}, {p.pk for p in own_pays}
        lines, pays = own_lines + lines, own_pays + pays
        adjustment = editing.adjustments.first()
    return render(request, "reconciliation/match.html", {
        "account": account, "period": period, "can_write": _can_write(request.user), "editing": editing,
        "chosen_lines": chosen_lines, "chosen_pays": chosen_pays, "adjustment": adjustment,
        "proposed": selectors.matches_of(account, states=[MatchState.PROPOSED], span=span)[:500],
        "accepted": selectors.matches_of(account, states=[MatchState.ACCEPTED], span=span)[:200],
        "undone": selectors.matches_of(account, states=[MatchState.UNDONE], span=span)[:50],
        "free_lines": lines, "free_payments": pays,
        "kinds": AdjustmentKind.choices, "periods": account.periods.all()[:24]})


def _back(account, request):
    target = redirect("reconciliation:match", pk=account.pk)
    if request.POST.get("periodo", "").isdigit():
        target["Location"] += f"?periodo={int(request.POST['periodo'])}"
    return target


@module_required(*WRITE)
@require_POST
def match_propose(request, pk):
    account = _account(request, pk)
    count = services.match_propose(account=account, acting_user=request.user)
    messages.success(request, _("%(n)d conciliaciones propuestas.") % {"n": count})
    return _back(account, request)


@module_required(*WRITE)
@require_POST
def match_accept(request, pk):
    account = _account(request, pk)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    accepted, refused = services.match_accept(matches=Match.objects.filter(account=account, pk__in=ids),
                                              acting_user=request.user)
    messages.success(request, _("%(n)d conciliaciones aceptadas.") % {"n": accepted})
    if refused:
        messages.error(request, _("%(n)d no se aceptaron: su período está cerrado.") % {"n": refused})
    return _back(account, request)


@module_required(*WRITE)
@require_POST
def match_manual(request, pk):
    account = _account(request, pk)
    line_ids = [int(i) for i in request.POST.getlist("lines") if i.isdigit()]
    pay_ids = [int(i) for i in request.POST.getlist("payments") if i.isdigit()]
    lines = list(BankLine.objects.filter(account=account, pk__in=line_ids))
    pays = list(selectors.book_payments(account).filter(pk__in=pay_ids)
                .filter(pk__in=scope.rows(Payment, request.user).values("pk")))
    adjustments = []
    try:
        amount = Decimal(request.POST.get("adjustment") or "0")
        if amount:
            adjustments.append((request.POST.get("kind", ""), amount))
        services.match_manual(account=account, lines=lines, payments=pays, adjustments=adjustments,
                              acting_user=request.user)
    except (ValidationError, InvalidOperation) as exc:
        _errors(request, exc if isinstance(exc, ValidationError) else ValidationError(_("Ajuste no válido.")))
    else:
        messages.success(request, _("Conciliado a mano."))
    return _back(account, request)


@module_required(*WRITE)
@require_POST
def match_action(request, match):
    match = get_object_or_404(Match.objects.select_related("account"), pk=match,
                              account__in=selectors.accounts_for_user(user=request.user))
    do = request.POST.get("do")
    try:
        if do == "undo":
            services.match_undo(match=match, acting_user=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Conciliación deshecha."))
        elif do == "redo":
            services.match_redo(match=match, acting_user=request.user)
            messages.success(request, _("Conciliación rehecha."))
        elif do == "reject":
            services.match_reject(match=match, acting_user=request.user)
            messages.success(request, _("Propuesta descartada."))
        else:
            messages.error(request, _("Acción desconocida."))
    except ValidationError as exc:
        _errors(request, exc)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    return _back(match.account, request)


@module_required(*WRITE)
@require_POST
def period_create(request, pk):
    account = _account(request, pk)
    form = PeriodForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indique las fechas del período."))
        return redirect("reconciliation:account", pk=account.pk)
    try:
        period = services.period_create(account=account, start=form.cleaned_data["start"], end=form.cleaned_data["end"],
                                        acting_user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("reconciliation:account", pk=account.pk)
    return redirect("reconciliation:period", period=period.pk)


def _period(request, pk):
    return get_object_or_404(Period.objects.select_related("account", "closed_by"), pk=pk,
                             account__in=selectors.accounts_for_user(user=request.user))


@module_required(*READ)
def period_detail(request, period):
    period = _period(request, period)
    history = StateChange.objects.filter(model="reconciliation.period", object_id=str(period.pk)).select_related("by")
    return render(request, "reconciliation/period.html", {
        "period": period, "account": period.account, "report": selectors.period_report(period),
        "differences": selectors.period_differences(period)[:200], "history": _labelled(history.order_by("-pk")[:20]),
        "can_write": _can_write(request.user), "kinds": dict(AdjustmentKind.choices)})


def _labelled(history):
    labels = dict(PeriodState.choices)
    rows = list(history)
    for h in rows:
        h.from_label, h.to_label = labels.get(h.from_state, h.from_state), labels.get(h.to_state, h.to_state)
    return rows


@module_required(*WRITE)
@require_POST
def period_action(request, period):
    period = _period(request, period)
    try:
        if request.POST.get("do") == "close":
            services.period_close(period=period, acting_user=request.user)
            messages.success(request, _("Período cerrado."))
        elif request.POST.get("do") == "reopen":
            services.period_reopen(period=period, acting_user=request.user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Período abierto de nuevo."))
    except ValidationError as exc:
        _errors(request, exc)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    return redirect("reconciliation:period", period=period.pk)
