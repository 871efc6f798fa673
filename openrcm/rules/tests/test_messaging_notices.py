"""The deployment's frequency and rates notices in the HELP reply and opt-in confirmation."""

from __future__ import annotations

import pytest

from openrcm.rules.messaging import (
    PolicySettings,
    help_reply_problems,
    help_reply_text,
    opt_in_confirmation_text,
)


def settings(**overrides):
    return PolicySettings(company_name="Acme Billing", help_phone="(212) 555-0100", **overrides)


def test_defaults_say_frequency_varies_and_rates_may_apply():
    text = help_reply_text(settings())
    assert "Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out." in text
    assert help_reply_problems(text, "Acme Billing") == []


def test_a_deployment_states_its_own_frequency_and_rates_words():
    custom = settings(
        frequency_text="Up to 4 msgs/mo", rates_text="Message and data rates may apply."
    )
    help_text = help_reply_text(custom)
    assert "Up to 4 msgs/mo. Message and data rates may apply. Reply STOP" in help_text
    assert help_reply_problems(help_text, "Acme Billing") == []
    confirmation = opt_in_confirmation_text(custom)
    assert "Up to 4 msgs/mo. Message and data rates may apply." in confirmation


@pytest.mark.parametrize(
    ("field", "value", "missing"),
    [
        ("frequency_text", "We text a lot", "frequency notice"),
        ("rates_text", "Texts are free", "rates may apply"),
    ],
)
def test_notices_that_lack_the_required_words_are_refused(field, value, missing):
    with pytest.raises(ValueError, match=missing):
        settings(**{field: value})


def test_up_to_n_messages_counts_as_a_frequency_in_a_custom_help_reply():
    text = (
        "Acme Billing account alerts. Help: 212-555-0100. Up to 6 messages per month. "
        "Msg & data rates may apply. Reply STOP to opt out."
    )
    assert help_reply_problems(text, "Acme Billing") == []
