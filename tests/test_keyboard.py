"""Keyboard use in Chromium: the skip link, and the pages that refresh themselves every few
seconds (documents list, approvals, a contingency period) leave the focus where the user put it.

The refreshes are driven by Playwright's fake clock (page.clock): the test moves time past the
interval instead of sleeping, and counts the requests the page makes."""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from tests.browser_kit import Watch, assert_axe, login  # noqa: E402

INTERVAL_MS = 5000  # the pages' hx-trigger="every 5s"


def _open(browser, live_server, user, path):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    watcher = Watch(page)
    login(page, live_server, user.username)
    page.clock.install()
    page.goto(f"{live_server.url}{path}")
    # From here on timers only fire when the test moves the clock.
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)
    return page, watcher


def _polls(page, fragment):
    seen = []
    page.on("request", lambda r: seen.append(r.url) if fragment in r.url and r.resource_type in ("xhr", "fetch") else None)
    return seen


def _advance_expecting_a_refresh(page, fragment):
    with page.expect_response(lambda r: fragment in r.url and r.request.resource_type in ("xhr", "fetch")):
        page.clock.run_for(INTERVAL_MS + 100)
    page.wait_for_load_state("networkidle")


def _focus_survives(page, selector, seen):
    """Focus ``selector``, let three refresh intervals pass: no refresh, same element focused."""
    page.focus(selector)
    page.evaluate("(s) => { document.querySelector(s).dataset.focusMark = 'yes'; }", selector)
    before = len(seen)
    page.clock.run_for(3 * INTERVAL_MS + 100)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("() => document.activeElement.dataset.focusMark") == "yes"
    assert len(seen) == before, f"la página se refrescó con el foco dentro: {seen[before:]}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_skip_link_is_the_first_stop_and_moves_to_the_content(browser, live_server, users):
    page = browser.new_page()
    watcher = Watch(page)
    login(page, live_server, users["Contador"].username)
    page.goto(f"{live_server.url}/documentos/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "skip-link"
    assert page.locator("#skip-link").inner_text() == "Saltar al contenido"
    assert page.locator("#skip-link").is_visible()  # shown once focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    assert_axe(page)
    watcher.assert_clean()
    page.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_documents_list_refresh_leaves_the_focused_link_alone(browser, live_server, issuer, users, make_draft):
    from dte.models import GovStatus
    from dte.services.issuing import document_issue
    from dte.tests.conftest import line
    from dte.transitions import transition

    doc = document_issue(document=make_draft("01", [line("A", "1", "1.13")]), acting_user=issuer)
    page, watcher = _open(browser, live_server, users["Contador"], "/documentos/")
    seen = _polls(page, "/documentos/?")
    badge = f"tr[data-doc='{doc.pk}'] .status-badge"
    assert page.get_attribute(badge, "data-status") == "pending"

    # The list follows the document while nothing in it has the focus...
    doc = transition(doc, GovStatus.TRANSMITTING)
    _advance_expecting_a_refresh(page, "/documentos/?")
    page.wait_for_selector(f"{badge}[data-status=transmitting]")

    # ...waits while the user is on one of its links...
    transition(doc, GovStatus.REJECTED, last_error="x")
    _focus_survives(page, f"tr[data-doc='{doc.pk}'] a", seen)
    assert page.get_attribute(badge, "data-status") == "transmitting"

    # ...and catches up once the focus leaves it.
    page.focus("#filters input[name=q]")
    _advance_expecting_a_refresh(page, "/documentos/?")
    page.wait_for_selector(f"{badge}[data-status=rejected]")
    watcher.assert_clean()
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_approvals_refresh_leaves_the_focused_button_alone(browser, live_server, issuer, users, make_draft, parties):
    from django.utils import timezone

    from dte.models import SpecialCase
    from dte.tests.conftest import line

    draft = make_draft("03", [line("B", "1", "2000")], client=parties["taxpayer"])
    SpecialCase.objects.create(document=draft, code="credit_limit", detail="Total 2260.00, límite 1000.00",
                               fingerprint="x", state="requested", needs_approval=True,
                               confirmed_by=issuer, confirmed_at=timezone.now())
    page, watcher = _open(browser, live_server, users["Supervisor"], "/documentos/aprobaciones/")
    seen = _polls(page, "/documentos/aprobaciones/")
    _advance_expecting_a_refresh(page, "/documentos/aprobaciones/")
    for selector in (".approval button[value=approve]", ".approval input[name=reason]"):
        _focus_survives(page, selector, seen)
    page.focus("#main")
    _advance_expecting_a_refresh(page, "/documentos/aprobaciones/")
    watcher.assert_clean()
    page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_contingency_page_refresh_leaves_the_focused_link_alone(browser, live_server, issuer, users, establishments,
                                                               make_draft, company):
    from contingency.services import period_open
    from dte.services.issuing import document_issue
    from dte.tests.conftest import line

    period = period_open(company=company, tipo=1, establishment=establishments["main"], acting_user=users["Supervisor"])
    doc = document_issue(document=make_draft("01", [line("A", "1", "1.13")]), acting_user=issuer)
    page, watcher = _open(browser, live_server, users["Supervisor"], f"/contingencia/{period.pk}/")
    seen = _polls(page, f"/contingencia/{period.pk}/estado/")
    _advance_expecting_a_refresh(page, f"/contingencia/{period.pk}/estado/")
    _focus_survives(page, f"#live tr[data-doc='{doc.pk}'] a", seen)
    page.focus("#main")
    _advance_expecting_a_refresh(page, f"/contingencia/{period.pk}/estado/")
    watcher.assert_clean()
    page.context.close()
