from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """A report export too large to build inside a request: a worker writes it to a temporary
    file row by row (memory stays flat), saving its progress, then stores it."""

    STATES = [("queued", _("En cola")), ("running", _("Preparando")), ("done", _("Listo")), ("failed", _("Fallido"))]
    public_id = models.UUIDField(unique=True)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    report = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    params = models.JSONField(default=dict)  # the filters, as the report's page received them
    fmt = models.CharField(max_length=4)  # xlsx, csv, pdf
    state = models.CharField(max_length=8, choices=STATES, default="queued")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True, max_length=200)
    size = models.BigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.title} ({self.fmt}, {self.state})"

    @property
    def percent(self):
        return 100 if self.state == "done" else int(100 * self.done / self.total) if self.total else 0
