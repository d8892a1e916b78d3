import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.statemachine import Machine


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("En cola")
    VALIDATING = "validating", _("Revisando")
    VALIDATED = "validated", _("Revisado: listo para aplicar")
    INVALID = "invalid", _("Con errores: no se puede aplicar")
    REJECTED = "rejected", _("Archivo rechazado")
    APPLYING = "applying", _("Aplicando")
    APPLIED = "applied", _("Aplicado")
    FAILED = "failed", _("Falló")


class ImportJob(models.Model):
    """One uploaded file: who, when, which catalogue, what the dry run found and what was applied."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    catalogue = models.CharField(_("catálogo"), max_length=20)
    file = models.FileField(_("archivo"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("nombre del archivo"), max_length=200)
    file_size = models.PositiveIntegerField(_("tamaño (bytes)"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("subido por"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("subido"), auto_now_add=True)
    status = models.CharField(_("estado"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    message = models.CharField(_("mensaje"), max_length=500, blank=True)
    rows = models.PositiveIntegerField(_("filas"), default=0)
    new = models.PositiveIntegerField(_("nuevas"), default=0)
    changed = models.PositiveIntegerField(_("modificadas"), default=0)
    unchanged = models.PositiveIntegerField(_("sin cambios"), default=0)
    wrong = models.PositiveIntegerField(_("con errores"), default=0)
    errors = models.JSONField(_("errores (primeros)"), default=list, blank=True)
    error_report = models.FileField(_("informe de errores"), upload_to="imports/errors/%Y/%m/", blank=True)
    # When a worker last claimed the job (review or application), and how many times one did: a
    # job whose worker died is failed by bulk.sweep, and a file that kills workers is not retried
    # forever (services.import_dry_run).
    started_at = models.DateTimeField(_("iniciado"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("intentos"), default=0)
    applied_at = models.DateTimeField(_("aplicado"), null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("aplicado por"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("carga masiva")
        verbose_name_plural = _("cargas masivas")

    def __str__(self):
        return f"{self.catalogue} · {self.file_name} · {self.get_status_display()}"

    # A worker claims the job (again, when its message is redelivered after a lost worker) and
    # settles the review; a person confirms it; a worker applies it; the sweep fails a job whose
    # worker died (services.import_fail_stuck).
    MOVES = {
        ImportStatus.QUEUED: {ImportStatus.VALIDATING},
        ImportStatus.VALIDATING: {ImportStatus.VALIDATING, ImportStatus.VALIDATED, ImportStatus.INVALID,
                                  ImportStatus.REJECTED, ImportStatus.FAILED},
        ImportStatus.VALIDATED: {ImportStatus.APPLYING},
        ImportStatus.APPLYING: {ImportStatus.APPLYING, ImportStatus.APPLIED, ImportStatus.FAILED},
    }

    @property
    def running(self):
        return self.status in {ImportStatus.VALIDATING, ImportStatus.APPLYING}

    @property
    def finished(self):
        return self.status in {ImportStatus.VALIDATED, ImportStatus.INVALID, ImportStatus.REJECTED,
                               ImportStatus.APPLIED, ImportStatus.FAILED}


IMPORT_JOB_MACHINE = Machine(ImportJob, ImportJob.MOVES, field="status")  # its status changes: core.statemachine
