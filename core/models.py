"""What every app shares: the audit trail, the generic state-change history and the file job.

The audit table keeps the name it had when it lived in ``accounts`` (``accounts_auditentry``):
its append-only triggers (accounts migrations 0003, 0009, 0010) stay on it."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Creación")
    UPDATE = "update", _("Modificación")
    DELETE = "delete", _("Eliminación")
    IMPORT = "import", _("Importación")
    LOGIN = "login", _("Inicio de sesión")
    LOGIN_FAILED = "login_fail", _("Inicio de sesión fallido")
    LOGOUT = "logout", _("Cierre de sesión")
    ISSUE = "issue", _("Emisión")
    CONFIRM = "confirm", _("Confirmación de caso especial")
    REQUEST = "request", _("Solicitud de aprobación")
    APPROVE = "approve", _("Aprobación")
    REFUSE = "refuse", _("Aprobación denegada")
    CORRECT = "correct", _("Corrección")
    RETRANSMIT = "retransmit", _("Retransmisión")
    INVALIDATE = "invalidate", _("Invalidación")
    STATUS = "status", _("Cambio de estado interno")
    SEND = "send", _("Envío")
    RETURN = "return", _("Devolución de mercadería")
    OTHER = "other", _("Otra")


class AuditEntry(models.Model):
    """One change made through a service. Append-only: never updated, never deleted, never
    truncated (PostgreSQL refuses it with triggers, see migrations 0003 and 0009)."""

    at = models.DateTimeField(_("fecha y hora"), auto_now_add=True, db_index=True)
    # PROTECT: a user who appears in the trail is deactivated, never deleted (SET_NULL would be an
    # UPDATE of the trail, which the trigger refuses; and the trail must keep saying who it was).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("usuario"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("usuario (nombre)"), max_length=150, blank=True)
    action = models.CharField(_("acción"), max_length=10, choices=AuditAction.choices)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("tipo de objeto"), null=True, blank=True, on_delete=models.PROTECT
    )
    object_id = models.CharField(_("id del objeto"), max_length=64, blank=True)
    object_repr = models.CharField(_("objeto"), max_length=255, blank=True)
    summary = models.CharField(_("resumen"), max_length=255, blank=True)
    before = models.JSONField(_("antes"), null=True, blank=True)
    after = models.JSONField(_("después"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("registro de bitácora")
        verbose_name_plural = _("bitácora")
        db_table = "accounts_auditentry"  # the table (and its append-only triggers) kept its name
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("La bitácora es de solo anexar: un registro no se modifica.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("La bitácora es de solo anexar: un registro no se elimina.")

    def changed_fields(self):
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]



class StateChange(models.Model):
    """One state change of a stateful model other than a document (a document has its own
    ``dte.StatusChange``): the outbox, contingency events and lots, invalidations, deliveries,
    file jobs. Written by ``core.statemachine.Machine.move`` in the transaction of the change."""

    # The model by its label ("dte.outbox"), not a ContentType row: no lookup on the hot path, and
    # nothing a long-lived worker could hold stale after the database is recreated.
    model = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    field = models.CharField(max_length=32, default="state")
    from_state = models.CharField(max_length=24)
    to_state = models.CharField(max_length=24)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+")
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["model", "object_id"])]
        verbose_name = _("cambio de estado")
        verbose_name_plural = _("cambios de estado")

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"


class FileJob(models.Model):
    """A file built by a worker for one user, with its progress: its page polls it and offers
    the download when done (the ZIP of documents in dte.ArchiveJob, report exports in
    reports.ExportJob)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("En cola")
        RUNNING = "running", _("Preparando")
        DONE = "done", _("Listo")
        FAILED = "failed", _("Fallido")

    # The transition table of every file job (a core.statemachine.Machine per concrete model): a
    # worker claims a queued job, then finishes it one way or the other.
    MOVES = {State.QUEUED: {State.RUNNING}, State.RUNNING: {State.DONE, State.FAILED}}
    STATES = State.choices
    public_id = models.UUIDField(unique=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=8, choices=STATES, default="queued")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    size = models.BigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def percent(self):
        return 100 if self.state == "done" else int(100 * self.done / self.total) if self.total else 0

    @classmethod
    def get_for(cls, user, public_id):
        """The job, for its requester or a company-wide role (who may see every figure anyway);
        for anyone else it does not exist."""
        job = get_object_or_404(cls.objects.select_related("requested_by"), public_id=public_id)
        if job.requested_by_id != user.pk and not user.company_wide:
            raise Http404
        return job
