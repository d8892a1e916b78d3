"""The Celery app as the test worker (conftest.celery_worker) runs it. A transactional test's
flush empties django_content_type and the next test's migrations signal writes it again under
new ids, while the worker process, alive across tests, still holds the old ones in Django's
content type cache: the history rows of core.statemachine would name a type that is gone. The
worker forgets that cache before each task (a production worker never sees the types change)."""

from celery.signals import task_prerun

from billing.celery import app  # noqa: F401 - what `celery -A tests.worker_app` runs


@task_prerun.connect
def _forget_content_types(**kwargs):
    from django.contrib.contenttypes.models import ContentType  # noqa: PLC0415 - the worker's Django is set up by then

    ContentType.objects.clear_cache()
