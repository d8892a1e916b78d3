"""Work time and the periodic runs that turn it into documents (issue 22).

Departments, projects and employees belong to an establishment (the scope of pages, API and
downloads); workdays are entered, approved (then locked) and billed by a run. A run covers one
period of one point of sale and happens once: the period's row is unique, so a scheduler firing
twice or a second click finds the run already there. Each item of a run is one document: a
Factura de Sujeto Excluido to a contractor, a Factura or CCF to a project's client, or an
internal statement to a staff member. States change through the machines at the bottom
(core.statemachine: transition table, conditional UPDATE, history row)."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.statemachine import Machine


class Department(models.Model):
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("establecimiento"))
    code = models.CharField(_("código"), max_length=20, unique=True)
    name = models.CharField(_("nombre"), max_length=120)
    is_active = models.BooleanField(_("activo"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("departamento")
        verbose_name_plural = _("departamentos")

    def __str__(self):
        return self.name


class Project(models.Model):
    establishment = models.ForeignKey("accounts.Establishment", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("establecimiento"))
    code = models.CharField(_("código"), max_length=20, unique=True)
    name = models.CharField(_("nombre"), max_length=120)
    # The client billed for the project's hours (None: internal work, billed to nobody).
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("cliente"))
    rate = models.DecimalField(_("tarifa por hora al cliente"), max_digits=12, decimal_places=2, default=0)
    budget_hours = models.DecimalField(_("presupuesto (horas)"), max_digits=10, decimal_places=2, default=0)
    budget_amount = models.DecimalField(_("presupuesto ($)"), max_digits=14, decimal_places=2, default=0)
    is_active = models.BooleanField(_("activo"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("proyecto")
        verbose_name_plural = _("proyectos")
        constraints = [models.CheckConstraint(condition=models.Q(rate__gte=0), name="project_rate_not_negative")]

    def __str__(self):
        return f"{self.code} · {self.name}"


class FiscalStatus(models.TextChoices):
    # facts §1 / facts-2 "What the FSE buyer withholds": a person not registered for IVA who sells a
    # service to the company receives a Factura de Sujeto Excluido with 10 % renta withheld.
    CONTRACTOR = "contractor", _("Contratista no inscrito en IVA")
    TAXPAYER = "taxpayer", _("Contribuyente inscrito (emite su propio documento)")
    STAFF = "staff", _("Empleado en planilla")


class Employee(models.Model):
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="employees",
                                   verbose_name=_("departamento"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="employees",
                                verbose_name=_("proyecto"))
    user = models.OneToOneField("accounts.User", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="employee", verbose_name=_("usuario"))
    code = models.CharField(_("código"), max_length=20, unique=True)
    name = models.CharField(_("nombre"), max_length=200)
    email = models.EmailField(_("correo"))
    fiscal_status = models.CharField(_("situación fiscal"), max_length=12, choices=FiscalStatus.choices)
    id_type = models.CharField(_("tipo de documento"), max_length=2, default="13")  # CAT-022: 13 DUI, 36 NIT
    id_number = models.CharField(_("número de documento"), max_length=20)
    hourly_rate = models.DecimalField(_("pago por hora"), max_digits=10, decimal_places=2, default=0)
    departamento = models.CharField(_("departamento (CAT-012)"), max_length=2, default="06")
    municipio = models.CharField(_("municipio (CAT-013)"), max_length=2, default="14")
    address = models.CharField(_("dirección"), max_length=200, default="San Salvador")
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    is_active = models.BooleanField(_("activo"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("colaborador")
        verbose_name_plural = _("colaboradores")
        constraints = [models.CheckConstraint(condition=models.Q(hourly_rate__gte=0), name="employee_rate_not_negative")]

    def __str__(self):
        return self.name


class WorkdayState(models.TextChoices):
    DRAFT = "draft", _("Por aprobar")
    APPROVED = "approved", _("Aprobado")
    BILLED = "billed", _("Facturado")


class Workday(models.Model):
    MOVES = {
        WorkdayState.DRAFT: {WorkdayState.APPROVED},
        # an approved day locks; it leaves "approved" only by being billed (a run) or, before any run
        # billed it, when the manager reopens it for a correction
        WorkdayState.APPROVED: {WorkdayState.BILLED, WorkdayState.DRAFT},
        WorkdayState.BILLED: set(),
    }

    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="workdays")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="workdays")
    date = models.DateField(_("fecha"))
    hours = models.DecimalField(_("horas"), max_digits=4, decimal_places=2)
    description = models.CharField(_("descripción"), max_length=300, blank=True)
    state = models.CharField(_("estado"), max_length=10, choices=WorkdayState.choices, default=WorkdayState.DRAFT)
    approved_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    # the run items that billed it: the contractor's FSE and the client's invoice are separate documents
    paid_item = models.ForeignKey("RunItem", on_delete=models.PROTECT, null=True, blank=True, related_name="paid_days")
    billed_item = models.ForeignKey("RunItem", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="billed_days")

    class Meta:
        ordering = ["date", "employee_id"]
        verbose_name = _("jornada")
        verbose_name_plural = _("jornadas")
        constraints = [
            models.UniqueConstraint(fields=["employee", "project", "date"], name="workday_once_per_project_day"),
            models.CheckConstraint(condition=models.Q(hours__gt=0, hours__lte=24), name="workday_hours_0_24"),
        ]
        indexes = [models.Index(fields=["state", "date"]), models.Index(fields=["employee", "date"])]

    def __str__(self):
        return f"{self.employee} {self.date} {self.hours} h"


class RunState(models.TextChoices):
    QUEUED = "queued", _("En cola")
    RUNNING = "running", _("Emitiendo")
    DONE = "done", _("Emitido")
    FAILED = "failed", _("Con errores")
    REOPENED = "reopened", _("Reabierto (corrección propuesta)")


class BillingRun(models.Model):
    MOVES = {
        RunState.QUEUED: {RunState.RUNNING},
        RunState.RUNNING: {RunState.DONE, RunState.FAILED, RunState.QUEUED},  # queued: its worker died (sweep)
        RunState.FAILED: {RunState.QUEUED},  # issue again what failed; what was issued stays
        RunState.DONE: {RunState.REOPENED},
        # run again after a reopening: a new round bills only the days approved since (the days
        # already billed keep their documents; their correction is the one proposed on reopening)
        RunState.REOPENED: {RunState.QUEUED},
    }

    point_of_sale = models.ForeignKey("accounts.PointOfSale", on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("punto de venta"))
    period_start = models.DateField(_("desde"))
    period_end = models.DateField(_("hasta"))
    state = models.CharField(_("estado"), max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    scheduled = models.BooleanField(_("programada"), default=False)
    # 1 for the first run of the period; each run after a reopening is the next round
    round = models.PositiveSmallIntegerField(_("ronda"), default=1)
    total_items = models.PositiveIntegerField(default=0)
    done_items = models.PositiveIntegerField(default=0)
    failed_items = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("corrida de facturación")
        verbose_name_plural = _("corridas de facturación")
        constraints = [
            # one run per period and point of sale: a second request (a double click, beat firing
            # twice) finds this one instead of issuing again
            models.UniqueConstraint(fields=["point_of_sale", "period_start", "period_end"], name="run_once_per_period"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")), name="run_period_order"),
        ]

    def __str__(self):
        return f"{self.period_start:%d/%m/%Y} – {self.period_end:%d/%m/%Y}"

    @property
    def percent(self):
        if not self.total_items:
            return 100 if self.state in (RunState.DONE, RunState.REOPENED) else 0
        return int((self.done_items + self.failed_items) * 100 / self.total_items)

    @property
    def active(self):
        return self.state in (RunState.QUEUED, RunState.RUNNING)


class ItemKind(models.TextChoices):
    FSE = "fse", _("Factura de Sujeto Excluido (contratista)")
    CLIENT = "client", _("Factura o CCF al cliente")
    STATEMENT = "statement", _("Constancia interna (planilla)")


class ItemState(models.TextChoices):
    PENDING = "pending", _("Pendiente")
    ISSUED = "issued", _("Emitido")
    FAILED = "failed", _("Fallido")


class RunItem(models.Model):
    MOVES = {ItemState.PENDING: {ItemState.ISSUED, ItemState.FAILED},
             ItemState.FAILED: {ItemState.PENDING}}

    run = models.ForeignKey(BillingRun, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(_("tipo"), max_length=10, choices=ItemKind.choices)
    round = models.PositiveSmallIntegerField(_("ronda"), default=1)
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="run_items")
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    state = models.CharField(_("estado"), max_length=8, choices=ItemState.choices, default=ItemState.PENDING)
    hours = models.DecimalField(_("horas"), max_digits=10, decimal_places=2, default=0)
    amount = models.DecimalField(_("monto"), max_digits=14, decimal_places=2, default=0)
    withheld = models.DecimalField(_("renta retenida"), max_digits=14, decimal_places=2, default=0)
    to_pay = models.DecimalField(_("total a pagar"), max_digits=14, decimal_places=2, default=0)
    document = models.OneToOneField("dte.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # the annex (timesheet) or the staff statement: rendered by a worker, stored through Django storage
    file = models.FileField(_("PDF"), upload_to="timesheets/", max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["run", "kind", "id"]
        verbose_name = _("documento de la corrida")
        verbose_name_plural = _("documentos de la corrida")
        constraints = [
            models.UniqueConstraint(fields=["run", "round", "kind", "employee"], condition=models.Q(employee__isnull=False),
                                    name="run_item_once_per_employee_round"),
            models.UniqueConstraint(fields=["run", "round", "kind", "client"], condition=models.Q(client__isnull=False),
                                    name="run_item_once_per_client_round"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.employee or self.client}"

    @property
    def recipient_name(self):
        return self.employee.name if self.employee_id else (self.client.name if self.client_id else "")


class SharedLink(models.Model):
    """A link to one item's PDF handed out by the API or emailed: expiring, revocable; every
    download through it is logged (LinkDownload)."""

    item = models.ForeignKey(RunItem, on_delete=models.CASCADE, related_name="links")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return str(self.token)


class LinkDownload(models.Model):
    link = models.ForeignKey(SharedLink, on_delete=models.CASCADE, related_name="downloads")
    at = models.DateTimeField(auto_now_add=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.link_id} {self.at:%Y-%m-%d %H:%M}"


WORKDAY_MACHINE = Machine(Workday, Workday.MOVES)
RUN_MACHINE = Machine(BillingRun, BillingRun.MOVES)
ITEM_MACHINE = Machine(RunItem, RunItem.MOVES)
