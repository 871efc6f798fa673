"""End to end in headless Chromium (Debian's): sign in, find a patient, open the record.

Runs against pytest-django's live server (static files and the vendored htmx included).
Skipped, saying why, where Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from openrcm.accounts.testing import TEST_PASSWORD, PracticeWorld, current_totp

CHROMIUM = "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else shutil.which("chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Chromium not found at /usr/bin/chromium or on PATH (apt install chromium)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; the test still reads the
    # database here (fixtures, TOTP codes), which Django allows only with this flag.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.set_default_timeout(15_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def sign_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    assert "/accounts/login/" in page.url  # every page needs a signed-in user
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")


def test_practice_manager_finds_a_patient_and_opens_the_record(live_server, page):
    world = PracticeWorld("Echo")
    other = PracticeWorld("Foxtrot")
    sign_in(page, live_server.url, world.client_manager.username)
    page.wait_for_selector("h1:text('Dashboard')")
    assert world.client.legal_name in page.inner_text("[data-testid=who]")

    page.click("nav[aria-label=Areas] >> text=Patients")
    page.wait_for_selector("h1:text('Patients')")
    # Live search: typing is enough, the results come in without a submit (htmx).
    page.fill("input[name=q]", "Zzleak")
    link = page.wait_for_selector(f"#patient-results a:text('{world.patient_last_name}')")
    assert other.patient_last_name not in page.inner_text("#patient-results")
    assert "q=Zzleak" in page.url  # the search is in the address, so it can be shared

    link.click()
    page.wait_for_selector("[data-testid=patient-name]")
    assert page.inner_text("[data-testid=patient-name]") == world.patient.full_name
    coverage = page.inner_text("[data-testid=coverage]")
    assert world.payer.name in coverage
    assert world.coverage.member_id in coverage
    assert "Active" in coverage
    crumbs = page.inner_text("nav[aria-label=Breadcrumb]")
    assert re.search(r"Dashboard\s*›?\s*Patients", crumbs)


def test_a_bad_date_of_birth_shows_a_message(live_server, page):
    world = PracticeWorld("Golf")
    sign_in(page, live_server.url, world.client_manager.username)
    page.wait_for_selector("h1:text('Dashboard')")
    page.goto(f"{live_server.url}/patients/")
    page.fill("input[name=dob]", "02/30/1970")
    page.press("input[name=dob]", "Enter")
    alert = page.wait_for_selector("#patient-results [role=alert]")
    assert "is not a date" in alert.inner_text()


def test_biller_signs_in_with_the_second_factor_and_opens_a_claim(live_server, page):
    world = PracticeWorld("Hotel")
    sign_in(page, live_server.url, world.biller.username)
    page.wait_for_selector("#id_token")  # the second step
    page.fill("#id_token", current_totp(world.biller))
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Dashboard')")

    page.click("nav[aria-label=Areas] >> text=Claims")
    page.wait_for_selector("h1:text('Claims')")
    page.click(f"text={world.claim.patient_control_number}")
    page.wait_for_selector("[data-testid=claim-lines]")
    lines = page.inner_text("[data-testid=claim-lines]")
    assert "99213" in lines
    assert "93000" in lines
    assert "Draft" in page.inner_text("[data-testid=claim-status]")
