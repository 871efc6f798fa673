"""The command line: scrub, submit, poll; each safe to run twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from openrcm.claims.models import Claim, ClaimStatus
from openrcm.claims.tests.conftest import make_claim

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_scrub_submit_poll_and_again(world):
    make_claim(world)
    assert "1 scrubbed: 1 ready, 0 held" in run("claims", "scrub", "--quiet")
    assert "0 scrubbed" in run("claims", "scrub", "--quiet")
    text = run("claims", "submit", "--quiet")
    assert "1 batch(es) built with 1 claims" in text
    assert "sent to sandbox" in text
    assert "0 batch(es) built" in run("claims", "submit", "--quiet")
    polled = run("clearinghouse", "poll")
    assert "1 claims accepted" in polled
    assert "0 file(s) fetched" in run("clearinghouse", "poll")
    assert Claim.objects.get().status == ClaimStatus.ACCEPTED


def test_help_and_clear_errors(capsys):
    from django.core.management.base import CommandError

    with pytest.raises(SystemExit):
        call_command("claims", "--help")
    assert "scrub" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no clearinghouse is called"):
        call_command("clearinghouse", "poll", "--clearinghouse", "nowhere")
