"""MH's authorisation test set (facts-2 §1): the counts MH requires (data), the runs that generate
and send the documents and events to the test environment, which documents and contingency
periods each run made, and the production credentials the company moves to afterwards."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedBinaryField, EncryptedTextField


class RequirementKind(models.TextChoices):
    DTE = "dte", _("Documento")
    EVENT = "event", _("Evento")


class TestRequirement(models.Model):
    """How many sealed documents of a type (or events of a kind) MH requires in the test
    environment before it authorises the company (onboarding.seed names the sources)."""

    __test__ = False  # a model, not a pytest test class

    code = models.CharField(_("código"), max_length=30, unique=True)  # CAT-002 type or event name
    kind = models.CharField(_("clase"), max_length=5, choices=RequirementKind.choices)
    name = models.CharField(_("nombre"), max_length=100)
    required = models.PositiveIntegerField(_("sellados requeridos"))
    mandatory = models.BooleanField(_("siempre requerido"), default=False,
                                    help_text=_("MH lo exige a toda empresa, elija o no tipos."))
    generation = models.CharField(_("generación"), max_length=4, blank=True,
                                  help_text=_("Vacío: toda generación; «2026»: solo desde la Normativa v2.0."))
    source = models.CharField(_("fuente"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("prueba mínima de MH")
        verbose_name_plural = _("pruebas mínimas de MH")
        constraints = [models.CheckConstraint(condition=models.Q(required__gt=0), name="test_requirement_positive")]

    def __str__(self):
        return f"{self.name}: {self.required}"


class RunState(models.TextChoices):
    QUEUED = "queued", _("En cola")
    RUNNING = "running", _("Enviando a MH")
    COMPLETE = "complete", _("Completo")
    FAILED = "failed", _("Detenido por un problema")
    STOPPED = "stopped", _("Detenido")


ACTIVE_RUN_STATES = (RunState.QUEUED, RunState.RUNNING)


class TestRun(models.Model):
    """One run of the test set: the types the company will use, generated from its catalogue and
    sent to MH's test environment by a worker (onboarding.runner), until every count is met."""

    __test__ = False  # a model, not a pytest test class

    company = models.ForeignKey("accounts.Company", on_delete=models.PROTECT, related_name="+")
    items = models.JSONField(_("tipos y eventos elegidos"), default=list)  # TestRequirement codes
    state = models.CharField(_("estado"), max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    generation = models.CharField(max_length=4, blank=True)  # DTE_SCHEMA_GENERATION when started
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("actividad"), max_length=300, blank=True)  # what the worker does now
    error = models.CharField(_("problema"), max_length=1000, blank=True)
    steps = models.PositiveIntegerField(default=0)
    next_step_at = models.DateTimeField(null=True, blank=True, db_index=True)  # the sweeper's clock
    busy_until = models.DateTimeField(null=True, blank=True)  # a worker's lease on the run

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("set de pruebas de MH")
        verbose_name_plural = _("sets de pruebas de MH")

    def __str__(self):
        return f"{_('Set de pruebas')} {self.pk} ({self.get_state_display()})"

    @property
    def active(self):
        return self.state in ACTIVE_RUN_STATES


class Purpose(models.TextChoices):
    COUNT = "count", _("Prueba del tipo")
    INVALIDATE = "invalidate", _("Para invalidar")
    CONTINGENCY = "contingency", _("En contingencia")


class TestDocument(models.Model):
    """A document a run issued. Invalidation targets are never counted for their type: MH's
    portal shows them invalidated, and a count must not go down when the event is accepted."""

    __test__ = False  # a model, not a pytest test class

    run = models.ForeignKey(TestRun, on_delete=models.PROTECT, related_name="documents")
    document = models.OneToOneField("dte.Document", on_delete=models.CASCADE, related_name="authorisation_test")
    purpose = models.CharField(max_length=12, choices=Purpose.choices, default=Purpose.COUNT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("documento de prueba")
        verbose_name_plural = _("documentos de prueba")

    def __str__(self):
        return f"{self.run_id} → {self.document_id}"


class TestPeriod(models.Model):
    """A contingency period a run declared (one event to MH, then its lots)."""

    __test__ = False  # a model, not a pytest test class

    run = models.ForeignKey(TestRun, on_delete=models.PROTECT, related_name="periods")
    period = models.OneToOneField("dte.OfflineScope", on_delete=models.PROTECT, related_name="authorisation_test")

    class Meta:
        verbose_name = _("contingencia de prueba")
        verbose_name_plural = _("contingencias de prueba")

    def __str__(self):
        return f"{self.run_id} → {self.period_id}"


class ProductionSetup(models.Model):
    """What the company needs to move to production (facts-2 §1 steps 5–6): MH's authorisation,
    and the production environment's own credentials and certificate (the acreditamiento is
    repeated there: a new certificate and API password). Kept apart, encrypted, until the switch
    copies them onto the company."""

    company = models.OneToOneField("accounts.Company", on_delete=models.PROTECT, related_name="+")
    api_url = models.URLField(_("URL de la API de producción"), blank=True,
                              help_text=_("Vacío: la de MH, https://api.dtes.mh.gob.sv"))
    api_user = models.CharField(_("usuario de la API de producción"), max_length=50, blank=True)
    api_password = EncryptedTextField(_("contraseña de la API de producción"))
    certificate = EncryptedBinaryField(_("certificado de producción"))
    certificate_filename = models.CharField(_("archivo del certificado"), max_length=120, blank=True)
    certificate_password = EncryptedTextField(_("contraseña de la llave privada de producción"))
    authorization_date = models.DateField(_("fecha de notificación de la autorización de MH"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    switched_at = models.DateTimeField(_("pasó a producción"), null=True, blank=True)
    switched_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    SECRET_FIELDS = ("api_password", "certificate", "certificate_password")

    class Meta:
        verbose_name = _("paso a producción")
        verbose_name_plural = _("pasos a producción")

    def __str__(self):
        return str(_("Paso a producción"))
