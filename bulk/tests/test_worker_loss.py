"""A review whose worker process is killed mid-file, through a real Celery worker (Redis,
PostgreSQL): the message comes back (acks_late, reject on worker lost) and the job finishes
instead of staying «Revisando»."""

import os
import signal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bulk.tests.test_hostile_files import _NS, _header_row, _sheet, _with_sheet
from tests.mh_helpers import until


def _big_file(rows):
    """``rows`` consumers with valid DUIs, written straight as sheet XML (fast to build here)."""
    from bulk.tests.helpers import HEADER, dui

    name_at, id_at = HEADER.index("nombre"), HEADER.index("numero_documento")
    kind_at, type_at = HEADER.index("tipo_cliente"), HEADER.index("tipo_documento")

    def cell(col, n, text):
        return f'<c r="{chr(65 + col)}{n}" t="inlineStr"><is><t>{text}</t></is></c>'

    body = "".join(f'<row r="{n}">{cell(kind_at, n, "consumidor")}{cell(type_at, n, "DUI")}'
                   f'{cell(id_at, n, dui(n))}{cell(name_at, n, f"Cliente {n}")}</row>' for n in range(2, rows + 2))
    assert _NS
    return _with_sheet(_sheet(_header_row() + body))


def _pool_children(pid):
    with open(f"/proc/{pid}/task/{pid}/children") as fh:
        return [int(p) for p in fh.read().split()]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_review_whose_worker_is_killed_is_finished_by_the_redelivered_message(users, celery_worker):
    from bulk.models import ImportJob
    from bulk.services import import_create

    job = import_create(catalogue="clientes", upload=SimpleUploadedFile("c.xlsx", _big_file(60_000)),
                        acting_user=users["Administrador"])
    until(lambda: ImportJob.objects.filter(pk=job.pk, status="validating").exists(), "revisión iniciada", timeout=120,
          every=0.05)
    killed = _pool_children(celery_worker.process.pid)
    assert killed
    for pid in killed:  # the pool process running the review dies (SIGKILL: no cleanup, like the OOM killer)
        os.kill(pid, signal.SIGKILL)
    done = until(lambda: ImportJob.objects.filter(pk=job.pk).exclude(status__in=["queued", "validating"]).first(),
                 "revisión terminada tras perder el proceso", timeout=300)
    assert done.status in ("validated", "invalid") and done.rows == 60_000, (done.status, done.message)
    assert done.attempts == 2  # the first delivery died; the redelivered one finished
