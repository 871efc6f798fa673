"""Inbound texts: the keyword classifier and the subscription state machine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from openrcm.rules.messaging import (
    Channel,
    InboundKind,
    PolicySettings,
    ReplyKind,
    SubscriptionState,
    SubscriptionStatus,
    classify_inbound,
    handle_inbound,
    help_reply_problems,
    help_reply_text,
    normalize_inbound,
    opt_in_confirmation_text,
    opt_out_confirmation_text,
)

NOW = datetime(2026, 6, 2, 15, 0, tzinfo=UTC)
SETTINGS = PolicySettings(
    company_name="Acme Billing", help_phone="(212) 555-0100", help_email="help@acme.example"
)
SUBSCRIBED = SubscriptionState(
    channel=Channel.SMS, brand_client_id="clinic-1", brand_name="Sunrise Pediatrics"
)
OPTED_OUT = replace(SUBSCRIBED, status=SubscriptionStatus.OPTED_OUT, changed_at=NOW)


# --- normalising ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("  STOP  ", "stop"),
        ("Stop!!!", "stop"),
        ("OPT-OUT", "opt out"),
        ("Don't text me", "dont text me"),
        ("Don’t   text\nme", "dont text me"),
        ("ＳＴＯＰ", "stop"),
        ("stop 🛑🛑", "stop"),
        ("No más", "no mas"),
        ("Arrêt", "arret"),
        ("", ""),
    ],
)
def test_normalize_inbound(raw, normalized):
    assert normalize_inbound(raw) == normalized


# --- classifying ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "STOP",
        "stop",
        "Stop.",
        " stop ",
        "STOPALL",
        "stop all",
        "UNSUBSCRIBE",
        "Cancel",
        "END",
        "quit",
        "REVOKE",
        "OPTOUT",
        "opt out",
        "Opt-Out",
        "REMOVE",
        "ＳＴＯＰ",
        "STOP 🛑",
        "Arrêt",
    ],
)
def test_exact_opt_out_keywords(text):
    intent = classify_inbound(text)
    assert intent.kind is InboundKind.OPT_OUT
    assert intent.needs_review is False


@pytest.mark.parametrize("text", ["HELP", "help", "Help?", "INFO", "ayuda"])
def test_help_keywords(text):
    assert classify_inbound(text).kind is InboundKind.HELP


@pytest.mark.parametrize("text", ["START", "start", "UNSTOP", "Yes", "YES!"])
def test_opt_in_keywords(text):
    assert classify_inbound(text).kind is InboundKind.OPT_IN


@pytest.mark.parametrize(
    "text",
    [
        "please stop texting me",
        "STOP PLEASE",
        "no more texts",
        "No more!",
        "Don't text me again",
        "do not contact me",
        "wrong number",
        "Remove me from your list",
        "take me off this list",
        "unsubscribe me now",
        "I want to opt out",
        "alto",
        "Basta ya",
        "cancelar por favor",
        "No más mensajes",
        "🛑",
        "leave me alone",
    ],
)
def test_free_text_revocations_are_opt_outs_for_review(text):
    intent = classify_inbound(text)
    assert intent.kind is InboundKind.OPT_OUT_PHRASE
    assert intent.needs_review is True
    assert intent.matched


# Our choice, documented in messaging.py: words the FCC names as revocations ("stop",
# "cancel", "end", ...) count wherever they appear. Some texts that are not opt-outs are
# therefore suppressed and flagged for a person; that is the safe error.
@pytest.mark.parametrize(
    "text",
    [
        "I can't stop coughing, can I get an appointment?",
        "I need to cancel my appointment",
        "I'll pay at the end of the month",
    ],
)
def test_false_positives_are_suppressed_and_flagged(text):
    intent = classify_inbound(text)
    assert intent.kind is InboundKind.OPT_OUT_PHRASE
    assert intent.needs_review is True


# ...but whole words only, so ordinary texts that merely contain the letters pass through.
@pytest.mark.parametrize(
    "text",
    [
        "Can I get an appointment next week?",
        "What is my balance?",
        "I'll pay on the weekend",
        "The bus stopped, running late",
        "Thanks!",
        "Is this unstoppable?",
        "call me back please",
        "",
        "yes please send it",  # YES counts only alone (Reply-YES flows keep working)
    ],
)
def test_ordinary_texts_are_other(text):
    intent = classify_inbound(text)
    assert intent.kind is InboundKind.OTHER
    assert intent.needs_review is False


# --- the state machine ---------------------------------------------------------------------


def test_stop_opts_out_with_one_confirmation_and_a_second_stop_gets_none():
    first = handle_inbound(SUBSCRIBED, "STOP", NOW, SETTINGS)
    assert first.state.status is SubscriptionStatus.OPTED_OUT
    assert first.state.changed_at == NOW
    assert first.reply_kind is ReplyKind.OPT_OUT_CONFIRMATION
    assert first.reply == opt_out_confirmation_text("Sunrise Pediatrics")
    assert first.reply_due_by == NOW + timedelta(minutes=5)
    assert first.consent_revoked is True
    assert first.needs_review is False

    second = handle_inbound(first.state, "stop", NOW + timedelta(minutes=1), SETTINGS)
    assert second.reply is None
    assert second.state == first.state
    assert second.consent_revoked is False


def test_the_confirmation_names_the_brand_says_no_more_and_sells_nothing():
    reply = handle_inbound(SUBSCRIBED, "unsubscribe", NOW, SETTINGS).reply
    assert reply is not None
    assert reply.startswith("Sunrise Pediatrics:")
    assert "no further messages" in reply
    assert "START" in reply
    assert "%" not in reply
    assert "offer" not in reply.casefold()


def test_free_text_revocation_opts_out_at_once_and_asks_for_review():
    outcome = handle_inbound(SUBSCRIBED, "please stop texting me", NOW, SETTINGS)
    assert outcome.state.status is SubscriptionStatus.OPTED_OUT
    assert outcome.reply_kind is ReplyKind.OPT_OUT_CONFIRMATION
    assert outcome.needs_review is True
    assert outcome.for_a_person is True
    again = handle_inbound(outcome.state, "i said stop", NOW, SETTINGS)
    assert again.reply is None
    assert again.needs_review is False


def test_help_is_answered_while_subscribed_with_every_ctia_element():
    outcome = handle_inbound(SUBSCRIBED, "HELP", NOW, SETTINGS)
    assert outcome.state == SUBSCRIBED
    assert outcome.reply_kind is ReplyKind.HELP
    reply = outcome.reply
    assert reply is not None
    assert help_reply_problems(reply, "Sunrise Pediatrics") == []
    for part in (
        "Sunrise Pediatrics",
        "Acme Billing",
        "(212) 555-0100",
        "help@acme.example",
        "Reply STOP to opt out",
        "Msg & data rates may apply",
        "Msg frequency varies",
    ):
        assert part in reply


def test_help_while_opted_out_gets_no_reply():
    outcome = handle_inbound(OPTED_OUT, "HELP", NOW, SETTINGS)
    assert outcome.reply is None
    assert outcome.state == OPTED_OUT


def test_start_resubscribes_only_someone_opted_out():
    outcome = handle_inbound(OPTED_OUT, "START", NOW, SETTINGS)
    assert outcome.state.status is SubscriptionStatus.SUBSCRIBED
    assert outcome.reply_kind is ReplyKind.OPT_IN_CONFIRMATION
    assert outcome.reply == opt_in_confirmation_text(SETTINGS, "Sunrise Pediatrics")
    assert outcome.consent_given is True

    while_subscribed = handle_inbound(SUBSCRIBED, "YES", NOW, SETTINGS)
    assert while_subscribed.state == SUBSCRIBED
    assert while_subscribed.reply is None
    assert while_subscribed.consent_given is False
    assert while_subscribed.for_a_person is True


def test_other_text_goes_to_a_person_and_changes_nothing():
    for state in (SUBSCRIBED, OPTED_OUT):
        outcome = handle_inbound(state, "What do I owe?", NOW, SETTINGS)
        assert outcome.state == state
        assert outcome.reply is None
        assert outcome.for_a_person is True


def test_company_brand_is_used_when_the_state_has_none():
    own = SubscriptionState()
    reply = handle_inbound(own, "HELP", NOW, SETTINGS).reply
    assert reply is not None
    assert reply.startswith("Acme Billing:")
    assert "sent by" not in reply
    assert help_reply_problems(reply, "Acme Billing") == []


def test_custom_help_text_is_checked_and_used():
    text = (
        "Acme Billing account alerts. Help: 212-555-0100. Msg frequency varies. "
        "Msg & data rates may apply. Reply STOP to opt out."
    )
    custom = replace(SETTINGS, help_text=text)
    assert help_reply_text(custom) == text
    assert handle_inbound(SubscriptionState(), "info", NOW, custom).reply == text
    problems = help_reply_problems("Acme Billing: hi", "Acme Billing")
    assert len(problems) == 4


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        handle_inbound(SUBSCRIBED, "STOP", datetime(2026, 6, 2, 12, 0), SETTINGS)  # noqa: DTZ001
