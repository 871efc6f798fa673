"""A biller works a conversation in a real browser: sends, the client answers HELP and
STOP (typed into the embedded outbox), and the page shows the one confirmation."""

from __future__ import annotations

import os

import pytest

from openrcm.accounts.testing import current_totp
from openrcm.core.testing import TEST_ACTOR
from openrcm.core.tests.test_e2e_browser import CHROMIUM, page, sign_in  # noqa: F401 - fixture
from openrcm.messaging.models import Message, MessageKind

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium not found"),
    pytest.mark.django_db(transaction=True),
]


def test_a_biller_sees_help_and_stop_in_the_conversation(live_server, page, world):  # noqa: F811
    from openrcm.messaging.services import templates_install_defaults

    templates_install_defaults()  # a transactional test starts from an empty database
    from .conftest import sms_consent

    sms_consent(world.contact_party, at=world.now)
    sign_in(page, live_server.url, world.biller.username)
    page.wait_for_selector("#id_token")
    page.fill("#id_token", current_totp(world.biller))
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Dashboard')")
    page.click("nav[aria-label=Areas] >> text=Messages")
    page.wait_for_selector("h1:text('Messages')")
    page.goto(f"{live_server.url}/messaging/parties/{world.contact_party.pk}/")
    page.wait_for_selector("[data-testid=conversation]")
    for word in ("HELP", "STOP"):
        page.fill("[data-testid=reply-form] input[name=body]", word)
        page.click("[data-testid=reply-form] button[type=submit]")
        page.wait_for_selector(".messages")
    text = page.inner_text("[data-testid=conversation]")
    assert "Reply STOP to opt out" in text  # the HELP reply
    assert "You are unsubscribed" in text
    assert Message.objects.filter(kind=MessageKind.OPT_OUT_CONFIRMATION).count() == 1
    shot = os.environ.get("OPENRCM_SCREENSHOT_DIR")
    if shot:
        page.screenshot(path=os.path.join(shot, "conversation.png"), full_page=True)
    assert TEST_ACTOR.label == "job:tests"
