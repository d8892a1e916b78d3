from django.conf import settings
from django.db import connection
from django.http import FileResponse, JsonResponse
from django.views.decorators.cache import cache_control, never_cache

from core.access import public_view


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


@public_view
@cache_control(public=True, max_age=24 * 60 * 60)
def favicon(request):
    """/favicon.ico, which browsers ask for on every site whatever the page links: the icon pages
    link (templates/base.html) is static/favicon.svg, drawn the same."""
    icon = settings.BASE_DIR / "static" / "favicon.ico"
    return FileResponse(icon.open("rb"), content_type="image/x-icon")
