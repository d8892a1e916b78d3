from django.conf import settings


def bell(request):
    """How often the navbar's bell asks for its count (no query here: the bell loads itself)."""
    return {"notify_poll_seconds": settings.NOTIFY_POLL_SECONDS}
