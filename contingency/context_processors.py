from django.core.cache import cache
from django.utils import timezone

from accounts.modules import Module
from contingency import selectors
from core.modules import Action

BANNER_KEY = "contingency-banner"
BANNER_SECONDS = 5


def banner_data():
    """What the banner shows, computed at most every few seconds for all users (one company)."""
    data = cache.get(BANNER_KEY)
    if data is None:
        periods = list(selectors.unfinished_periods())
        counts = selectors.waiting_counts(periods)
        now = timezone.now()
        data = [{"pk": p.pk, "scope": p.scope_label, "company_wide": not (p.establishment_id or p.point_of_sale_id), "reason": p.get_tipo_display(), "motivo": p.motivo,
                 "started_at": p.started_at, "ended_at": p.ended_at, "waiting": counts.get(p.pk, 0),
                 "problem": p.last_error,
                 "deadlines": [{"what": w, "at": at, "overdue": over} for w, at, over in selectors.deadlines(p, now=now)]}
                for p in periods]
        cache.set(BANNER_KEY, data, BANNER_SECONDS)
    return data


def forget_banner():
    cache.delete(BANNER_KEY)


def banner(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(request, "htmx", False):
        return {}
    data = banner_data()
    if not data:
        return {}
    return {"contingency_banner": data, "contingency_can_view": user.can(Module.CONTINGENCIA, Action.VIEW)}
