from django.db import models

from core.models import FileJob
from core.statemachine import Machine


class ExportJob(FileJob):
    """A report export too large to build inside a request: a worker writes it to a temporary
    file row by row (memory stays flat), saving its progress, then stores it."""

    report = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    params = models.JSONField(default=dict)  # the filters, as the report's page received them
    fmt = models.CharField(max_length=4)  # xlsx, csv, pdf
    file = models.FileField(upload_to="exports/", blank=True, max_length=200)

    class Meta(FileJob.Meta):
        pass

    def __str__(self):
        return f"{self.title} ({self.fmt}, {self.state})"


EXPORT_JOB_MACHINE = Machine(ExportJob, ExportJob.MOVES)  # its state changes: core.statemachine
