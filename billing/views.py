from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from accounts.access import public_view


@public_view
@never_cache
def health(request):
    """For load balancers and container health checks: the process answers and the database too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
