"""Regulation F guardrails: each limit with an allowed and a refused case."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openrcm.rules.collections import (
    CollectionAccount,
    ContactAttempt,
    ContactEvent,
    ContactHistory,
    Direction,
    InconvenientTime,
    call_limit_ends_at,
    conversation_wait_ends_at,
    may_contact,
)
from openrcm.rules.decisions import Channel, Decision

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
EASTERN = "America/New_York"
STOP = "Sunrise Pediatrics: your balance is due. Reply STOP to opt out."
ACCOUNT = CollectionAccount(account_id="A1", state="NY", zip_code="10001")
CALL = ContactAttempt(Channel.VOICE, to_phone="+12125550121")
TEXT = ContactAttempt(Channel.SMS, to_phone="+12125550121", body=STOP)
EMAIL = ContactAttempt(Channel.EMAIL, body="Sunrise Pediatrics: balance due. Unsubscribe here.")
TUESDAY_TEN = datetime(2026, 6, 2, 10, 0, tzinfo=NY)


def decide(attempt=CALL, *, account=ACCOUNT, events=(), now=TUESDAY_TEN) -> Decision:
    return may_contact(account, attempt, history=ContactHistory(tuple(events)), now=now)


def calls(*moments, **changes):
    return [ContactEvent(at, Channel.VOICE, **changes) for at in moments]


def on(day: int, hour: int = 10, minute: int = 0, month: int = 6, tz=NY) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=tz)


def assert_allowed(decision: Decision) -> None:
    assert decision.allowed, decision.explain()


def assert_refused(decision: Decision, code: str) -> None:
    assert not decision.allowed
    assert code in decision.codes, decision.explain()


def test_baseline_call_text_and_email_are_allowed():
    assert_allowed(decide(CALL))
    assert_allowed(decide(TEXT))
    assert_allowed(decide(EMAIL))


# --- inconvenient times ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "allowed"),
    [(time(7, 59), False), (time(8, 0), True), (time(20, 59), True), (time(21, 0), False)],
)
@pytest.mark.parametrize("attempt", [CALL, TEXT, EMAIL], ids=["call", "text", "email"])
def test_eight_to_nine_for_every_medium(local, allowed, attempt):
    decision = decide(attempt, now=datetime.combine(TUESDAY_TEN.date(), local, tzinfo=NY))
    if allowed:
        assert_allowed(decision)
    else:
        assert decision.codes == {"inconvenient_time"}
        assert decision.next_allowed_at is not None
        assert decision.next_allowed_at.astimezone(NY).time() == time(8, 0)


def test_phone_area_code_in_another_zone_than_the_address():
    idaho = replace(CALL, to_phone="+12085550122")  # NY address, Boise/Pacific number
    ten_eastern = decide(idaho, now=on(2, 10))  # 07:00 Pacific
    assert ten_eastern.codes == {"inconvenient_time"}
    assert ten_eastern.next_allowed_at == on(2, 11)  # 08:00 Pacific
    assert_allowed(decide(idaho, now=on(2, 11)))
    assert_allowed(decide(idaho, now=on(2, 20, 30)))  # 17:30 Pacific, 20:30 Eastern
    assert_refused(decide(idaho, now=on(2, 21, 15)), "inconvenient_time")


def test_a_number_on_file_counts_as_a_location_even_when_another_is_dialled():
    account = replace(ACCOUNT, phones=("+13105550123",))  # a Los Angeles mobile on file
    assert_refused(decide(CALL, account=account, now=on(2, 10)), "inconvenient_time")


def test_no_address_uses_the_phone_and_nothing_known_uses_every_continental_zone():
    unknown = CollectionAccount(account_id="A2")
    assert_allowed(decide(CALL, account=unknown, now=on(2, 9)))  # 212 number: Eastern only
    email_unknown = decide(EMAIL, account=unknown, now=on(2, 9))  # 06:00 Pacific
    assert email_unknown.codes == {"inconvenient_time"}
    assert email_unknown.next_allowed_at == on(2, 11)


def test_dst_start_the_window_moves_with_the_clock():
    # Sunday 2026-03-08, the first day of EDT: 08:30 EDT is 12:30 UTC.
    assert_allowed(decide(now=datetime(2026, 3, 8, 12, 30, tzinfo=UTC)))
    decision = decide(now=datetime(2026, 3, 8, 11, 30, tzinfo=UTC))  # 07:30 EDT
    assert decision.next_allowed_at == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)


def test_consumer_stated_inconvenient_times_are_honoured():
    mornings = replace(
        ACCOUNT,
        inconvenient_times=(InconvenientTime(time(8), time(12), media=frozenset({Channel.VOICE})),),
    )
    decision = decide(CALL, account=mornings, now=on(2, 10))
    assert decision.codes == {"consumer_inconvenient_time"}
    assert decision.next_allowed_at == on(2, 12)
    assert_allowed(decide(CALL, account=mornings, now=on(2, 12)))
    assert_allowed(decide(TEXT, account=mornings, now=on(2, 10)))  # the statement was about calls
    sundays = replace(
        ACCOUNT, inconvenient_times=(InconvenientTime(time(0), time(0), frozenset({6})),)
    )
    sunday = decide(CALL, account=sundays, now=on(7, 10))
    assert sunday.codes == {"consumer_inconvenient_time"}
    assert sunday.next_allowed_at == on(8, 8)


# --- 7 calls in 7 days ----------------------------------------------------------------------


def test_seventh_call_allowed_eighth_refused():
    six = calls(*(on(1, 9 + i) for i in range(6)))
    assert_allowed(decide(events=six, now=on(1, 18)))
    seven = calls(*(on(1, 9 + i) for i in range(7)))
    decision = decide(events=seven, now=on(1, 18))
    assert decision.codes == {"seven_in_seven"}
    assert decision.next_allowed_at == on(8, 8)


def test_seven_in_seven_boundary_is_the_seventh_calendar_day():
    seven_on_monday = calls(*(on(1, 9 + i) for i in range(7)))
    assert_refused(decide(events=seven_on_monday, now=on(7, 20, 59)), "seven_in_seven")
    assert_allowed(decide(events=seven_on_monday, now=on(8, 8)))


def test_a_rolling_period_one_call_a_day():
    daily = calls(*(on(day, 12) for day in range(1, 8)))  # June 1..7
    assert_refused(decide(events=daily, now=on(7, 18)), "seven_in_seven")
    assert_allowed(decide(events=daily, now=on(8, 9)))  # June 1 has left the period


def test_calls_that_do_not_count():
    base = calls(*(on(1, 9 + i) for i in range(6)))
    unconnected = calls(on(1, 16), connected=False)
    assert_allowed(decide(events=base + unconnected, now=on(1, 18)))
    inbound = calls(on(1, 16), direction=Direction.INBOUND)
    assert_allowed(decide(events=base + inbound, now=on(1, 18)))
    consented = calls(on(1, 16), with_prior_consent=True)
    assert_allowed(decide(events=base + consented, now=on(1, 18)))
    texts = [ContactEvent(on(1, 9 + i), Channel.SMS) for i in range(10)]
    assert_allowed(decide(events=base + texts, now=on(1, 18)))


def test_texts_and_emails_are_not_limited_by_seven_in_seven():
    seven = calls(*(on(1, 9 + i) for i in range(7)))
    assert_allowed(decide(TEXT, events=seven, now=on(1, 18)))
    assert_allowed(decide(EMAIL, events=seven, now=on(1, 18)))


def test_a_call_the_consumer_asked_for_is_outside_the_limits_for_seven_days():
    seven = calls(*(on(1, 9 + i) for i in range(7)))
    asked = replace(CALL, consumer_consent_at=on(1, 17))
    assert_allowed(decide(asked, events=seven, now=on(2, 10)))
    stale = replace(CALL, consumer_consent_at=on(1, 17) - timedelta(days=8))
    assert_refused(decide(stale, events=seven, now=on(2, 10)), "seven_in_seven")


# --- the wait after a conversation -------------------------------------------------------------


def test_no_call_within_seven_days_of_a_conversation_day_one_is_the_conversation_day():
    talked = calls(on(1, 19, 30), conversation=True)  # Monday evening
    assert_refused(decide(events=talked, now=on(2, 10)), "conversation_wait")
    sunday = decide(events=talked, now=on(7, 20, 59))  # day 7
    assert sunday.codes == {"conversation_wait"}
    assert sunday.next_allowed_at == on(8, 8)
    assert_allowed(decide(events=talked, now=on(8, 8)))  # day 8, less than 7×24 h later


def test_an_inbound_conversation_starts_the_wait_but_texts_may_continue():
    talked = calls(on(1, 11), conversation=True, direction=Direction.INBOUND)
    assert_refused(decide(events=talked, now=on(3, 10)), "conversation_wait")
    assert_allowed(decide(TEXT, events=talked, now=on(3, 10)))
    hung_up = calls(on(1, 11), direction=Direction.INBOUND)  # no conversation
    assert_allowed(decide(events=hung_up, now=on(3, 10)))


def test_conversation_wait_across_dst_start_counts_calendar_days():
    saturday = datetime(2026, 3, 7, 20, 30, tzinfo=NY)  # EST; DST starts the next day
    talked = calls(saturday, conversation=True)
    ends = conversation_wait_ends_at(ContactHistory(tuple(talked)), {EASTERN})
    assert ends == datetime(2026, 3, 14, 4, 0, tzinfo=UTC)  # midnight EDT, 151.5 h later
    assert_refused(
        decide(events=talked, now=datetime(2026, 3, 13, 20, 0, tzinfo=NY)), "conversation_wait"
    )
    assert_allowed(decide(events=talked, now=datetime(2026, 3, 14, 10, 0, tzinfo=NY)))


def test_seven_in_seven_across_dst_end():
    saturday = [datetime(2026, 10, 31, 9 + i, 0, tzinfo=NY) for i in range(7)]  # EDT
    history = ContactHistory(tuple(calls(*saturday)))
    friday = datetime(2026, 11, 6, 20, 0, tzinfo=NY)  # EST
    assert call_limit_ends_at(history, friday, {EASTERN}) == datetime(2026, 11, 7, 5, 0, tzinfo=UTC)
    assert_refused(decide(events=calls(*saturday), now=friday), "seven_in_seven")
    assert_allowed(decide(events=calls(*saturday), now=datetime(2026, 11, 7, 8, 0, tzinfo=NY)))


def test_days_are_counted_in_every_zone_the_consumer_may_be_in():
    bicoastal = replace(ACCOUNT, phones=("+13105550123",))  # NY address, LA mobile
    # 00:30 June 1 in New York is still May 31 in Los Angeles.
    talked = calls(datetime(2026, 6, 1, 4, 30, tzinfo=UTC), conversation=True)
    # June 7 is day 7 in New York (day 8 in Los Angeles): still refused.
    assert_refused(
        decide(account=bicoastal, events=talked, now=on(7, 16, tz=NY)), "conversation_wait"
    )
    assert_allowed(decide(account=bicoastal, events=talked, now=on(8, 12, tz=NY)))


# --- electronic messages -----------------------------------------------------------------------


def test_every_electronic_message_carries_an_opt_out():
    no_stop = replace(TEXT, body="Sunrise Pediatrics: your balance is due.")
    assert_refused(decide(no_stop), "missing_opt_out_notice")
    no_unsubscribe = replace(EMAIL, body="Sunrise Pediatrics: balance due.")
    assert_refused(decide(no_unsubscribe), "missing_opt_out_notice")
    assert_refused(decide(replace(TEXT, body="")), "empty_body")


def test_consumer_opt_outs_and_media_are_honoured():
    no_texts = replace(ACCOUNT, opted_out_media=frozenset({Channel.SMS}))
    assert_refused(decide(TEXT, account=no_texts), "opted_out")
    assert_allowed(decide(CALL, account=no_texts))
    no_calls = replace(ACCOUNT, inconvenient_media=frozenset({Channel.VOICE}))
    assert_refused(decide(CALL, account=no_calls), "inconvenient_medium")
    assert_allowed(decide(EMAIL, account=no_calls))


def test_calls_and_texts_need_a_number():
    assert_refused(decide(replace(CALL, to_phone=None)), "no_phone")


# --- standing stops ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"dispute_open": True}, "dispute_pending"),
        ({"represented_by_attorney": True}, "represented_by_attorney"),
        ({"cease_communication": True}, "cease_communication"),
        ({"placed_with_agency": True}, "placed_with_agency"),
    ],
)
def test_standing_stops_refuse_every_medium_with_no_time_to_retry(change, code):
    account = replace(ACCOUNT, **change)
    for attempt in (CALL, TEXT, EMAIL):
        decision = decide(attempt, account=account, now=on(2, 22))  # also at night
        assert_refused(decision, code)
        assert decision.next_allowed_at is None


def test_first_party_texts_stop_once_placed_with_an_agency():
    placed = replace(ACCOUNT, placed_with_agency=True)
    decision = decide(TEXT, account=placed)
    assert decision.codes == {"placed_with_agency"}
    assert "no more texts" in decision.reasons[0].message


def test_a_debt_collector_never_texts_and_says_who_it_is():
    collector = replace(ACCOUNT, sender_is_debt_collector=True)
    assert_refused(decide(TEXT, account=collector), "third_party_collection_sms")
    assert_refused(decide(EMAIL, account=collector), "missing_debt_collector_disclosure")
    disclosed = replace(
        EMAIL, body="This is a communication from a debt collector. Unsubscribe here."
    )
    assert_allowed(decide(disclosed, account=collector))
    assert_allowed(decide(CALL, account=collector))


# --- Massachusetts ----------------------------------------------------------------------------


def test_massachusetts_two_calls_or_texts_per_seven_days():
    boston = CollectionAccount(account_id="A3", state="MA", zip_code="02108")
    text = replace(TEXT, to_phone="+16175550124")
    two = [ContactEvent(on(1, 10), Channel.SMS), *calls(on(3, 10), connected=False)]
    decision = decide(text, account=boston, events=two, now=on(4, 10))
    assert decision.codes == {"state_contact_cap"}
    assert decision.next_allowed_at == on(8, 10)  # June 1 10:00 + 7 days
    assert_allowed(decide(text, account=boston, events=two, now=on(8, 10)))
    assert_allowed(decide(text, account=boston, events=two[:1], now=on(4, 10)))
    assert_allowed(decide(TEXT, events=two, now=on(4, 10)))  # New York: no such limit
    assert_allowed(decide(EMAIL, account=boston, events=two, now=on(4, 10)))  # email not capped


# --- the decision -----------------------------------------------------------------------------


def test_timing_reasons_combine_into_one_next_time():
    seven = calls(*(on(1, 9 + i) for i in range(7)))
    decision = decide(events=seven, now=on(7, 22))
    assert decision.codes == {"seven_in_seven", "inconvenient_time"}
    assert decision.next_allowed_at == on(8, 8)
    with_dispute = decide(events=seven, now=on(7, 22), account=replace(ACCOUNT, dispute_open=True))
    assert with_dispute.next_allowed_at is None
    assert {"seven_in_seven", "inconvenient_time", "dispute_pending"} <= with_dispute.codes


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        decide(now=datetime(2026, 6, 2, 10, 0))  # noqa: DTZ001


# --- property: a greedy dialer that asks before every call ------------------------------------


@settings(max_examples=120, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
        max_value=datetime(2026, 12, 20),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    steps=st.lists(
        st.tuples(
            st.integers(1, 240) | st.integers(1, 3 * 24 * 60),  # minutes until the next try
            st.booleans(),  # the call connects
            st.sampled_from([False] * 6 + [True]),  # a conversation takes place
            st.sampled_from([False] * 9 + [True]),  # the consumer calls us instead
        ),
        min_size=20,
        max_size=150,
    ),
)
def test_a_dialer_that_obeys_never_breaks_reg_f(start, steps):
    """Calls go out only when may_contact allows; whatever happens on them, no 7-day
    calendar period (New York days) holds more than 7 counted calls, no call falls on days
    1–7 after a conversation, and every call is between 8 a.m. and 9 p.m. Eastern."""
    now, events = start, []
    for minutes, connects, talks, consumer_calls in steps:
        now += timedelta(minutes=minutes)
        if consumer_calls:
            events.append(ContactEvent(now, Channel.VOICE, Direction.INBOUND, conversation=talks))
            continue
        decision = may_contact(ACCOUNT, CALL, history=ContactHistory(tuple(events)), now=now)
        if not decision.allowed:
            continue
        local = now.astimezone(NY)
        assert 8 <= local.hour < 21
        events.append(
            ContactEvent(now, Channel.VOICE, connected=connects, conversation=connects and talks)
        )
    placed = [e for e in events if e.direction is Direction.OUTBOUND]
    counted_days = sorted(e.at.astimezone(NY).date() for e in placed if e.connected)
    for first in counted_days:
        in_period = [d for d in counted_days if first <= d <= first + timedelta(days=6)]
        assert len(in_period) <= 7
    for talk in (e for e in events if e.conversation):
        day_one = talk.at.astimezone(NY).date()
        for call in placed:
            if call.at > talk.at:
                assert (call.at.astimezone(NY).date() - day_one).days >= 7
