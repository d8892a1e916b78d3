"""In Chromium, against govsim and a real Celery worker: the manager approves a week, runs the
dry run, issues the period (the page's bar follows the worker), and the contractor opens the
link emailed with their FSE. Fails on a console error or a page wider than the window."""

import datetime
import email
import os
import re
from email import policy
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from conftest import BASE_DIR, govsim_schema_dirs  # noqa: E402
from tests.browser_kit import Watch, assert_axe, assert_fits, login  # noqa: E402
from tests.mh_helpers import until  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True),
              pytest.mark.parametrize("govsim", list(govsim_schema_dirs())[:1], indirect=True)]
SCREENSHOTS = Path(BASE_DIR) / "var" / "screenshots"


def _mail_to(worker, address):
    raw = b"".join(p.read_bytes() for p in sorted(worker.mail_dir.glob("*.log")))
    found = [email.message_from_bytes(c.strip(), policy=policy.default) for c in raw.split(b"-" * 79) if c.strip()]
    return [m for m in found if str(m["To"]) == address]


def test_manager_approves_dry_runs_issues_and_the_contractor_opens_the_link(browser, live_server, wired, work,
                                                                            celery_worker):
    from dte.models import Delivery
    from timesheets.models import RunItem, Workday

    # the second week is still waiting for approval
    Workday.objects.filter(date__gte="2026-11-23").update(state="draft")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    watch = Watch(page)
    login(page, live_server, work["manager"].username)

    page.goto(f"{live_server.url}/horas/semana/?semana=2026-11-23")
    assert page.locator("#pending-table tbody tr").count() == 15  # 3 people × 5 days
    assert_fits(page)
    page.screenshot(path=str(SCREENSHOTS / "horas-semana.png"), full_page=True)
    page.click("#approve-week")
    page.wait_for_selector("text=jornada(s) aprobadas")
    assert list(Workday.objects.filter(state="draft").values_list("date", flat=True)) == [
        datetime.date(2026, 11, 21)]  # only Ana's Saturday of the week before, never approved

    page.goto(f"{live_server.url}/horas/")
    page.click("#dry-run")
    page.wait_for_selector("#plan-table")
    rows = page.locator("#plan-table tbody tr")
    assert rows.count() == 4
    text = page.inner_text("#plan-table")
    # Juan: 80 h × $12.50 = $1,000.00, renta 10 % $100.00, receives $900.00; Ana: 65 h × $15.75 = $1,023.75,
    # renta $102.38 (102.375 rounded half up), receives $921.37
    assert "$ 900.00" in text and "$ 921.37" in text and "$ 102.38" in text
    assert_fits(page)
    assert_axe(page)
    page.screenshot(path=str(SCREENSHOTS / "horas-simulacion.png"), full_page=True)

    page.click("#issue-run")
    page.wait_for_selector("#run-progress")
    page.wait_for_selector("#items-table tr[data-state='issued'] >> nth=3", timeout=120_000)
    page.wait_for_selector("#run-progress[data-state='done']", timeout=30_000)
    assert "4 de 4 emitidos" in page.inner_text("#run-progress")
    assert_fits(page)
    page.screenshot(path=str(SCREENSHOTS / "horas-corrida.png"), full_page=True)

    page.goto(f"{live_server.url}/horas/reportes/")
    assert "Portal de clientes" in page.inner_text("#budget-table")
    assert_fits(page)
    page.screenshot(path=str(SCREENSHOTS / "horas-reportes.png"), full_page=True)

    fse = RunItem.objects.get(kind="fse", employee=work["juan"])
    until(lambda: Delivery.objects.filter(document_id=fse.document_id, state="sent").exists(), "correo al contratista",
          timeout=120)
    mail = _mail_to(celery_worker, "juan@example.com")[0]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    url = re.search(r"https?://\S+", body).group(0)
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]

    visitor = browser.new_context(viewport={"width": 390, "height": 844})  # the contractor, on a phone, not signed in
    phone = visitor.new_page()
    phone_watch = Watch(phone)
    phone.goto(f"{live_server.url}{path}")
    fse.document.refresh_from_db()
    assert fse.document.numero_control in phone.inner_text("body")
    assert_fits(phone)
    phone.screenshot(path=str(SCREENSHOTS / "horas-enlace-contratista.png"), full_page=True)
    # and, signed in, finds it on their own page
    login(phone, live_server, work["juan_user"].username)
    phone.goto(f"{live_server.url}/horas/mias/")
    assert fse.document.numero_control in phone.inner_text("#my-documents")
    assert "Ana Gómez" not in phone.inner_text("body")
    assert_fits(phone)
    phone.screenshot(path=str(SCREENSHOTS / "horas-mias.png"), full_page=True)
    watch.assert_clean()
    phone_watch.assert_clean()
