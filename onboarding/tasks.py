from celery import shared_task

from onboarding import runner
from onboarding.services import runs_sweep


@shared_task(name="onboarding.step", acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=280)
def step_task(run_id):
    """One step of a test run; the next is queued while the run goes on."""
    wait = runner.step(run_id)
    if wait is not None:
        step_task.apply_async((run_id,), countdown=max(0.1, wait))
    return wait


@shared_task(name="onboarding.sweep", ignore_result=True)
def sweep_task():
    """A run whose next step never came (the message was lost, the worker died) is stepped again."""
    return runs_sweep(step_task)
