"""The project's Celery app as the test suite's worker runs it (conftest.celery_worker: ``-A
tests.celery_app``). A test that writes with transaction=True ends with a flush of the test
database, after which Django creates the content types again under new ids; a worker that lives
across tests would still hold the old ids in ContentType's cache and write audit rows pointing at
rows that no longer exist. So before each task the worker forgets them, as a fresh process would."""

from celery.signals import task_prerun

from billing.celery import app

__all__ = ["app"]


@task_prerun.connect
def _forget_content_types(**_kwargs):
    from django.contrib.contenttypes.models import ContentType  # noqa: PLC0415 - Django is set up by the worker by now

    ContentType.objects.clear_cache()
