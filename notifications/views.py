"""The inbox: the bell's count (polled by htmx), the list with mark read / mark all read and a
link to each object, and the user's preferences. Every signed-in user has his own inbox and sees
nothing of anyone else's (core.scope: another user's notification is a 404)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import scope
from core.access import authenticated_view
from notifications import selectors, services
from notifications.forms import PreferencesForm
from notifications.models import Notification

PAGE_SIZE = 30


@authenticated_view
def bell(request):
    """The navbar's bell: an htmx fragment that replaces itself every NOTIFY_POLL_SECONDS."""
    return render(
        request,
        "notifications/partials/bell.html",
        {
            "unread": selectors.unread_count(user=request.user),
            "poll": settings.NOTIFY_POLL_SECONDS,
            "latest": selectors.inbox(user=request.user).filter(read_at__isnull=True)[:5],
        },
    )


@authenticated_view
def inbox(request):
    only_unread = request.GET.get("ver") == "no-leidas"
    qs = selectors.inbox(user=request.user)
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "title": _("Notificaciones"),
            "page": page,
            "only_unread": only_unread,
            "unread": selectors.unread_count(user=request.user),
        },
    )


def _back(request):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "notifications:inbox"


@authenticated_view
@require_POST
def mark_read(request, pk):
    notification = scope.get_or_404(Notification, request.user, pk=pk)
    services.notification_mark_read(notification=notification, acting_user=request.user)
    return redirect(_back(request))


@authenticated_view
@require_POST
def open_notification(request, pk):
    """Mark it read and go to what it is about (the target page checks its own access)."""
    notification = scope.get_or_404(Notification, request.user, pk=pk)
    services.notification_mark_read(notification=notification, acting_user=request.user)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notifications:inbox")


@authenticated_view
@require_POST
def mark_all_read(request):
    changed = services.notifications_mark_all_read(acting_user=request.user)
    messages.success(request, _("%(n)d notificaciones marcadas como leídas.") % {"n": changed})
    return redirect(_back(request))


@authenticated_view
def preferences(request):
    chosen = selectors.preferences_of(user=request.user)
    form = PreferencesForm(request.POST or None, chosen=chosen)
    if request.method == "POST" and form.is_valid():
        services.preferences_save(user=request.user, choices=form.choices(), acting_user=request.user)
        messages.success(request, _("Preferencias guardadas."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"title": _("Preferencias de notificación"), "form": form})
