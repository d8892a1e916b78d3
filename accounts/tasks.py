import socket

from celery import shared_task
from django.core.management import call_command

from accounts.models import Role


@shared_task
def clear_expired_sessions():
    call_command("clearsessions")


@shared_task
def worker_ping(nonce):
    """Health check for the worker: proves it consumed the message and reached the database."""
    return {"nonce": nonce, "host": socket.gethostname(), "roles": Role.objects.count()}
