"""Bank accounts, their statements' lines, the matches between lines and payments, and the
periods an accountant closes. Written only by reconciliation.services (audited); states move
through core.statemachine with a history row."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.statemachine import Machine


class BankAccount(models.Model):
    """A company's account at a bank. ``mapping`` says where each field of a statement lies in the
    bank's xlsx/CSV export (reconciliation.mappings.FIELDS); ``methods`` which payment methods
    (CAT-017) land in it, so the payments recorded with them are its book side."""

    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="bank_accounts",
                                verbose_name=_("empresa"))
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="bank_accounts", verbose_name=_("establecimiento"),
                                      help_text=_("Vacío: la cuenta es de toda la empresa."))
    bank = models.CharField(_("banco"), max_length=20)  # reconciliation.mappings.BANKS
    name = models.CharField(_("nombre"), max_length=100)
    number = models.CharField(_("número de cuenta"), max_length=40)
    mapping = models.JSONField(_("columnas del extracto"), default=dict, blank=True)
    methods = models.JSONField(_("formas de pago que se depositan aquí"), default=list, blank=True)
    date_window_days = models.PositiveSmallIntegerField(_("ventana de fechas (días)"), default=3)
    tolerance = models.DecimalField(_("tolerancia de monto"), max_digits=9, decimal_places=2, default=0)
    opening_balance = models.DecimalField(_("saldo inicial en libros"), max_digits=19, decimal_places=2, default=0)
    is_active = models.BooleanField(_("activa"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cuenta bancaria")
        verbose_name_plural = _("cuentas bancarias")
        constraints = [models.UniqueConstraint(fields=["company", "bank", "number"], name="bank_account_unique"),
                       models.CheckConstraint(condition=models.Q(tolerance__gte=0), name="bank_account_tolerance")]

    def __str__(self):
        return f"{self.name} · {self.number}"


class StatementState(models.TextChoices):
    REVIEWED = "reviewed", _("Revisado: listo para aplicar")
    INVALID = "invalid", _("Con errores")
    APPLIED = "applied", _("Aplicado")


class Statement(models.Model):
    """One uploaded statement file: what the dry run found and what was applied."""

    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="statements")
    file = models.FileField(_("archivo"), upload_to="statements/%Y/%m/")
    file_name = models.CharField(_("nombre del archivo"), max_length=200)
    file_format = models.CharField(_("formato"), max_length=8)  # csv, xlsx, ofx, camt
    state = models.CharField(_("estado"), max_length=10, choices=StatementState.choices)
    rows = models.PositiveIntegerField(_("líneas"), default=0)
    new = models.PositiveIntegerField(_("nuevas"), default=0)
    unchanged = models.PositiveIntegerField(_("ya importadas"), default=0)
    errors = models.JSONField(_("errores"), default=list, blank=True)
    closing_balance = models.DecimalField(_("saldo final del banco"), max_digits=19, decimal_places=2, null=True,
                                          blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    MOVES = {StatementState.REVIEWED: {StatementState.APPLIED}}

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("extracto bancario")
        verbose_name_plural = _("extractos bancarios")

    def __str__(self):
        return f"{self.account_id} · {self.file_name}"


class BankLine(models.Model):
    """One movement of a statement. ``fingerprint`` identifies it within its account (the bank's
    own id when the format has one, FITID or AcctSvcrRef; else its date, amount, reference and
    text with their occurrence in the file), so the same file imported twice adds nothing."""

    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="lines")
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines", null=True)
    fingerprint = models.CharField(max_length=64)
    date = models.DateField(_("fecha"))
    amount = models.DecimalField(_("monto"), max_digits=19, decimal_places=2)  # credit > 0, debit < 0
    reference = models.CharField(_("referencia"), max_length=100, blank=True)
    description = models.CharField(_("descripción"), max_length=500, blank=True)
    kind = models.CharField(_("tipo"), max_length=20, blank=True)  # OFX TRNTYPE / CAMT BkTxCd, when given

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("línea de extracto")
        verbose_name_plural = _("líneas de extracto")
        constraints = [models.UniqueConstraint(fields=["account", "fingerprint"], name="bank_line_once_per_account")]
        indexes = [models.Index(fields=["account", "date"])]

    def __str__(self):
        return f"{self.date} {self.amount} {self.reference}"


class MatchState(models.TextChoices):
    PROPOSED = "proposed", _("Propuesta")
    ACCEPTED = "accepted", _("Conciliada")
    REJECTED = "rejected", _("Descartada")
    UNDONE = "undone", _("Deshecha")


# What each rule of reconciliation.matching (and a hand-made match) is called on the pages.
RULE_LABELS = {"reference": _("Referencia exacta"), "reference_many": _("Referencia: una línea, varios pagos"),
               "reference_split": _("Referencia: varias líneas, un pago"), "amount_date": _("Monto y fecha"),
               "client_many": _("Cliente: una línea, varios pagos"), "client_split": _("Cliente: varias líneas, un pago"),
               "fee": _("Comisión bancaria"), "manual": _("A mano")}


class Match(models.Model):
    """Bank lines and payments that are the same money: one line to many payments, many lines to
    one payment, or a line alone booked whole as an adjustment (a bank fee). The difference
    between both sides is booked as ``adjustments``."""

    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="matches")
    state = models.CharField(_("estado"), max_length=10, choices=MatchState.choices, default=MatchState.PROPOSED)
    rule = models.CharField(_("regla"), max_length=20)  # reconciliation.matching.RULES
    confidence = models.PositiveSmallIntegerField(_("confianza"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    MOVES = {MatchState.PROPOSED: {MatchState.ACCEPTED, MatchState.REJECTED},
             MatchState.ACCEPTED: {MatchState.UNDONE},
             # Undoing an unmatch: the same lines and payments matched again, if still free.
             MatchState.UNDONE: {MatchState.ACCEPTED}}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("conciliación")
        verbose_name_plural = _("conciliaciones")
        constraints = [models.CheckConstraint(condition=models.Q(confidence__lte=100), name="match_confidence_le_100")]

    def __str__(self):
        return f"{self.pk} {self.rule} {self.state}"

    @property
    def rule_label(self):
        return RULE_LABELS.get(self.rule, self.rule)


class MatchLine(models.Model):
    """A line in a match. ``live`` while the match is proposed or accepted: a line is in one live
    match at most (the partial unique constraint)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="line_links")
    line = models.ForeignKey(BankLine, on_delete=models.PROTECT, related_name="links")
    live = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line"], condition=models.Q(live=True),
                                               name="bank_line_one_live_match")]

    def __str__(self):
        return f"{self.match_id} ← línea {self.line_id}"


class MatchPayment(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="payment_links")
    payment = models.ForeignKey("payments.Payment", on_delete=models.PROTECT, related_name="bank_links")
    live = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["payment"], condition=models.Q(live=True),
                                               name="payment_one_live_match")]

    def __str__(self):
        return f"{self.match_id} ← pago {self.payment_id}"


class AdjustmentKind(models.TextChoices):
    FEE = "fee", _("Comisión bancaria o de pasarela")
    RETENTION = "retention", _("Retención de IVA 1 %")
    ROUNDING = "rounding", _("Diferencia menor (tolerancia)")
    OTHER = "other", _("Otra diferencia")


class Adjustment(models.Model):
    """What the bank side differs from the book side in a match, booked as what it is: the lines'
    total = the payments' total - the adjustments' total (a fee of 2.50 is amount 2.50)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="adjustments")
    kind = models.CharField(_("tipo"), max_length=10, choices=AdjustmentKind.choices)
    amount = models.DecimalField(_("monto"), max_digits=19, decimal_places=2)

    class Meta:
        verbose_name = _("ajuste")
        verbose_name_plural = _("ajustes")

    def __str__(self):
        return f"{self.kind} {self.amount}"


class PeriodState(models.TextChoices):
    OPEN = "open", _("Abierto")
    CLOSED = "closed", _("Cerrado")


class Period(models.Model):
    """A month (or any span) of one account. Closed, nothing dated in it may be matched or
    unmatched until it is reopened with a reason."""

    account = models.ForeignKey(BankAccount, on_delete=models.PROTECT, related_name="periods")
    start = models.DateField(_("desde"))
    end = models.DateField(_("hasta"))
    state = models.CharField(_("estado"), max_length=8, choices=PeriodState.choices, default=PeriodState.OPEN)
    closed_at = models.DateTimeField(_("cerrado"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
                                  blank=True)
    summary = models.JSONField(_("resumen al cerrar"), default=dict, blank=True)

    MOVES = {PeriodState.OPEN: {PeriodState.CLOSED}, PeriodState.CLOSED: {PeriodState.OPEN}}

    class Meta:
        ordering = ["-start"]
        verbose_name = _("período de conciliación")
        verbose_name_plural = _("períodos de conciliación")
        constraints = [models.UniqueConstraint(fields=["account", "start"], name="period_once_per_start"),
                       models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="period_end_after_start")]

    def __str__(self):
        return f"{self.account_id} {self.start}–{self.end}"


STATEMENT_MACHINE = Machine(Statement, Statement.MOVES)
MATCH_MACHINE = Machine(Match, Match.MOVES)
PERIOD_MACHINE = Machine(Period, Period.MOVES)
