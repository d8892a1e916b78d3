"""The bell in the navbar hears a rejection while the page is open: the count and the item appear
without a reload (htmx polling), and opening the item marks it read and leads to the document."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from tests.browser_kit import Watch, assert_axe, assert_fits, assert_no_english_states, login  # noqa: E402


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_bell_receives_a_rejection_while_the_page_is_open(browser, live_server, users, establishments, settings):
    from django.db import transaction
    from django.utils import timezone

    from accounts.services import user_assign_locations
    from dte.models import Document, GovStatus
    from dte.transitions import transition
    from notifications.models import Notification

    settings.NOTIFY_POLL_SECONDS = 1
    point = establishments["pos"]["M001P001"]
    user_assign_locations(user=users["Vendedor"], establishments=[point.establishment], points_of_sale=[point],
                          acting_user=users["Administrador"])
    document = Document.objects.create(
        company=point.establishment.company, establishment=point.establishment, point_of_sale=point, tipo_dte="01",
        issue_date=timezone.localdate(), created_by=users["Vendedor"], status="pending",
        numero_control="DTE-01-M001P001-000000000000077", number_year=2026,
        codigo_generacion="1F2E3D4C-0000-4000-8000-000000000077", payload='{"identificacion": {}, "resumen": {}}',
        jws="a.b.c")
    page = browser.new_page()
    try:
        watcher = Watch(page)
        login(page, live_server, "vendedor")
        page.wait_for_selector("#bell-empty", state="attached")  # the bell loaded itself: nothing unread
        assert page.locator("#bell-badge").count() == 0

        with transaction.atomic():  # MH's answer, as the transmission records it
            transition(document, GovStatus.REJECTED, mh_code="004", mh_message="NIT DEL RECEPTOR NO VALIDO")

        badge = page.wait_for_selector('#bell-badge[data-unread="1"]', timeout=15_000)  # no reload
        assert badge.inner_text().startswith("1")
        page.click("#bell-toggle")
        item = page.locator(".bell-item", has_text="MH rechazó DTE-01-M001P001-000000000000077")
        item.wait_for(state="visible", timeout=5_000)
        assert_no_english_states(page)
        assert_fits(page)
        assert_axe(page)
        item.locator("button").click()
        page.wait_for_url(f"**/documentos/{document.pk}/")
        assert Notification.objects.get(recipient=users["Vendedor"]).read_at is not None
        page.wait_for_selector("#bell-empty", state="attached")
        assert page.locator("#bell-badge").count() == 0
        watcher.assert_clean()
    finally:
        page.close()
