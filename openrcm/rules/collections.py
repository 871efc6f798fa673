"""Regulation F guardrails for collection contacts (12 CFR part 1006).

``may_contact`` decides whether a call, text or email about one account (one debt) may be
attempted now, and lists every reason it may not. The Django side calls it before every
collection contact, in addition to the communications policy gate
(``openrcm.rules.messaging.may_send_message``), which covers consent, opt-outs, brand and
content for every message.

Reg F binds debt collectors, not a provider collecting its own debts; we apply its
controls to every account anyway (domain rules R2.0 BP: on by default), because the same
software also serves accounts placed with the billing company after default.

Days are the consumer's calendar days. Where the consumer might be in several zones, a
period counted in days is taken at its widest: it starts at the earliest of the zones'
midnights and ends at the latest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum

from openrcm.rules.decisions import Channel, Decision, Refusal, as_utc
from openrcm.rules.localtime import (
    CONTINENTAL_US_ZONES,
    ContactWindow,
    LocationSignals,
    earliest_day_start,
    latest_day_start,
    next_schedule_opening,
    schedule_open,
)
from openrcm.rules.messaging import normalize_inbound

__all__ = [
    "ALL_WEEKDAYS",
    "DEFAULT_COLLECTION_SETTINGS",
    "MASSACHUSETTS_CAP",
    "CollectionAccount",
    "CollectionRule",
    "CollectionSettings",
    "ContactAttempt",
    "ContactEvent",
    "ContactHistory",
    "Direction",
    "InconvenientTime",
    "StateContactCap",
    "call_limit_ends_at",
    "conversation_wait_ends_at",
    "may_contact",
]

ALL_WEEKDAYS = frozenset(range(7))
ALL_MEDIA = frozenset(Channel)
ELECTRONIC = frozenset({Channel.SMS, Channel.EMAIL})


class Direction(StrEnum):
    OUTBOUND = "outbound"  # we called, texted or emailed
    INBOUND = "inbound"  # the consumer called, texted or emailed us


class CollectionRule(StrEnum):
    """Stable refusal codes of ``may_contact``."""

    PLACED_WITH_AGENCY = "placed_with_agency"
    THIRD_PARTY_COLLECTION_SMS = "third_party_collection_sms"
    DISPUTE_PENDING = "dispute_pending"
    REPRESENTED_BY_ATTORNEY = "represented_by_attorney"
    CEASE_COMMUNICATION = "cease_communication"
    OPTED_OUT = "opted_out"
    INCONVENIENT_MEDIUM = "inconvenient_medium"
    NO_PHONE = "no_phone"
    EMPTY_BODY = "empty_body"
    MISSING_OPT_OUT_NOTICE = "missing_opt_out_notice"
    MISSING_DEBT_COLLECTOR_DISCLOSURE = "missing_debt_collector_disclosure"
    INCONVENIENT_TIME = "inconvenient_time"
    CONSUMER_INCONVENIENT_TIME = "consumer_inconvenient_time"
    SEVEN_IN_SEVEN = "seven_in_seven"
    CONVERSATION_WAIT = "conversation_wait"
    STATE_CONTACT_CAP = "state_contact_cap"


@dataclass(frozen=True, slots=True)
class InconvenientTime:
    """A time the consumer said is inconvenient, in their local time (1006.6(b)(1)(i)).

    From ``start`` to ``end`` on ``weekdays`` (Monday = 0), for ``media``; an ``end`` at or
    before ``start`` runs past midnight.
    """

    start: time
    end: time
    weekdays: frozenset[int] = ALL_WEEKDAYS
    media: frozenset[Channel] = ALL_MEDIA


@dataclass(frozen=True, slots=True)
class CollectionAccount:
    """One account (one debt) and what the consumer has told us.

    ``sender_is_debt_collector``: whoever would send holds the account as a debt collector
    (a defaulted account placed with the billing company), not as the provider's first-party
    billing office. ``placed_with_agency``: the provider placed it with an outside agency, so
    the first party stops. ``opted_out_media``: electronic media the consumer opted out of
    (1006.6(e)); ``inconvenient_media``: media they said are inconvenient (1006.14(h)).
    """

    account_id: str
    state: str | None = None
    zip_code: str | None = None
    phones: tuple[str, ...] = ()
    extra_zones: frozenset[str] = field(default_factory=frozenset)
    placed_with_agency: bool = False
    sender_is_debt_collector: bool = False
    dispute_open: bool = False
    represented_by_attorney: bool = False
    cease_communication: bool = False
    opted_out_media: frozenset[Channel] = field(default_factory=frozenset)
    inconvenient_media: frozenset[Channel] = field(default_factory=frozenset)
    inconvenient_times: tuple[InconvenientTime, ...] = ()


@dataclass(frozen=True, slots=True)
class ContactAttempt:
    """The contact someone wants to make now.

    ``to_phone`` is the number to call or text (its area code is a location signal);
    ``body`` the text or email to send; ``consumer_consent_at`` when the consumer gave
    direct prior consent to this call ("call me tomorrow"), which takes it outside the call
    frequency limits for seven days (1006.14(b)(3)(i)).
    """

    medium: Channel
    to_phone: str | None = None
    body: str = ""
    consumer_consent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ContactEvent:
    """A past contact about this account.

    ``connected``: a call reached the dialed number (answered or voicemail); calls that did
    not connect never count. ``conversation``: a telephone conversation about this debt took
    place (in either direction; a conversation about several debts is recorded for each).
    ``with_prior_consent``: a call placed with the consumer's direct prior consent given in
    the seven days before; it does not count.
    """

    at: datetime
    medium: Channel
    direction: Direction = Direction.OUTBOUND
    connected: bool = True
    conversation: bool = False
    with_prior_consent: bool = False


@dataclass(frozen=True, slots=True)
class ContactHistory:
    events: tuple[ContactEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class StateContactCap:
    """A state's stricter limit on contacts we start, counted per debt."""

    state: str
    max_contacts: int
    days: int
    media: frozenset[Channel]
    source: str


MASSACHUSETTS_CAP = StateContactCap(
    state="MA",
    max_contacts=2,
    days=7,
    media=frozenset({Channel.VOICE, Channel.SMS}),
    source="940 CMR 7.04(1)(f) (VERIFY current text; applied to creditors, conservatively)",
)


@dataclass(frozen=True, slots=True)
class CollectionSettings:
    window: ContactWindow = field(default_factory=lambda: ContactWindow.daily(time(8), time(21)))
    max_calls: int = 7  # 1006.14(b)(2)(i)
    call_period_days: int = 7
    conversation_wait_days: int = 7  # 1006.14(b)(2)(ii)
    consent_days: int = 7  # 1006.14(b)(3)(i)
    state_caps: tuple[StateContactCap, ...] = (MASSACHUSETTS_CAP,)
    zones_when_unknown: frozenset[str] = CONTINENTAL_US_ZONES
    sms_opt_out_text: str = "Reply STOP to opt out"
    email_opt_out_words: tuple[str, ...] = ("unsubscribe", "opt out")
    debt_collector_disclosure: str = "debt collector"


DEFAULT_COLLECTION_SETTINGS = CollectionSettings()


def _refusal(rule: CollectionRule, message: str, source: str, *, timing: bool = False) -> Refusal:
    return Refusal(code=rule.value, message=message, source=source, timing=timing)


def may_contact(
    account: CollectionAccount,
    attempt: ContactAttempt,
    *,
    history: ContactHistory,
    now: datetime,
    settings: CollectionSettings = DEFAULT_COLLECTION_SETTINGS,
) -> Decision:
    """Whether ``attempt`` about ``account`` may be made at ``now``, with every reason not.

    ``next_allowed_at`` is set when only time stands in the way (quiet hours, the consumer's
    inconvenient times, 7-in-7, the wait after a conversation, a state cap).
    """
    caller_now, now = now, as_utc(now)
    refusals = _standing_refusals(account, attempt, settings)
    location = LocationSignals(
        state=account.state,
        zip_code=account.zip_code,
        phones=account.phones + ((attempt.to_phone,) if attempt.to_phone else ()),
        extra_zones=account.extra_zones,
    )
    zones = location.zones_or(settings.zones_when_unknown)
    timing, window = _timing_refusals(account, attempt, history, now, zones, settings)
    timing += _state_cap_refusals(attempt, history, now, zones, location.states(), settings)
    free_at = now  # the calendar limits are monotone: once cured, cured for good
    for refusal, refusal_free_at in timing:
        refusals.append(refusal)
        free_at = max(free_at, refusal_free_at)
    next_at = None
    if refusals:
        next_at = next_schedule_opening(zones, free_at, window)
    if next_at is not None:
        next_at = next_at.astimezone(caller_now.tzinfo)
    return Decision.from_refusals(refusals, next_at)


def _standing_refusals(
    account: CollectionAccount, attempt: ContactAttempt, settings: CollectionSettings
) -> list[Refusal]:
    """The refusals that waiting will not cure."""
    refusals: list[Refusal] = []
    medium = attempt.medium
    if account.placed_with_agency:
        what = "no more texts" if medium is Channel.SMS else f"no more {medium.value} contacts"
        refusals.append(
            _refusal(
                CollectionRule.PLACED_WITH_AGENCY,
                f"the account is placed with a collection agency: {what} from the practice "
                "about it; the agency handles it now",
                "domain rules R1.11 (no collection texts after placement); company policy",
            )
        )
    if account.sender_is_debt_collector and medium is Channel.SMS:
        refusals.append(
            _refusal(
                CollectionRule.THIRD_PARTY_COLLECTION_SMS,
                "third-party debt collection is never sent by text",
                "carrier rules; Twilio forbidden categories (error 30863); R1.11",
            )
        )
    if account.dispute_open:
        refusals.append(
            _refusal(
                CollectionRule.DISPUTE_PENDING,
                "the consumer disputed the debt: collection pauses until verification is sent",
                "12 CFR 1006.38; 15 U.S.C. 1692g(b)",
            )
        )
    if account.represented_by_attorney:
        refusals.append(
            _refusal(
                CollectionRule.REPRESENTED_BY_ATTORNEY,
                "the consumer has an attorney for this debt: contact the attorney instead",
                "12 CFR 1006.6(b)(2)",
            )
        )
    if account.cease_communication:
        refusals.append(
            _refusal(
                CollectionRule.CEASE_COMMUNICATION,
                "the consumer asked in writing that we stop communicating about this debt",
                "12 CFR 1006.6(c); 15 U.S.C. 1692c(c)",
            )
        )
    if medium in account.opted_out_media:
        refusals.append(
            _refusal(
                CollectionRule.OPTED_OUT,
                f"the consumer opted out of {medium.value} about this debt",
                "12 CFR 1006.6(e); 1006.14(h)",
            )
        )
    if medium in account.inconvenient_media:
        refusals.append(
            _refusal(
                CollectionRule.INCONVENIENT_MEDIUM,
                f"the consumer asked not to be contacted by {medium.value}",
                "12 CFR 1006.14(h)",
            )
        )
    if medium in (Channel.SMS, Channel.VOICE) and not attempt.to_phone:
        refusals.append(
            _refusal(
                CollectionRule.NO_PHONE,
                f"a {medium.value} contact needs the number to be used",
                "company policy",
            )
        )
    if medium in ELECTRONIC:
        refusals += _electronic_body_refusals(account, attempt, settings)
    return refusals


def _electronic_body_refusals(
    account: CollectionAccount, attempt: ContactAttempt, settings: CollectionSettings
) -> list[Refusal]:
    refusals: list[Refusal] = []
    body = _words(attempt.body)
    if not body:
        refusals.append(
            _refusal(CollectionRule.EMPTY_BODY, "the message is empty", "company policy")
        )
    if attempt.medium is Channel.SMS:
        has_opt_out = _contains(body, _words(settings.sms_opt_out_text))
        how = f'"{settings.sms_opt_out_text}"'
    else:
        has_opt_out = any(_contains(body, _words(w)) for w in settings.email_opt_out_words)
        how = "an unsubscribe link or address"
    if not has_opt_out:
        refusals.append(
            _refusal(
                CollectionRule.MISSING_OPT_OUT_NOTICE,
                f"every electronic collection message must say how to opt out ({how})",
                "12 CFR 1006.6(e)",
            )
        )
    if account.sender_is_debt_collector and not _contains(
        body, _words(settings.debt_collector_disclosure)
    ):
        refusals.append(
            _refusal(
                CollectionRule.MISSING_DEBT_COLLECTOR_DISCLOSURE,
                "a debt collector's message must say it is from a debt collector",
                "12 CFR 1006.18(e); 15 U.S.C. 1692e(11)",
            )
        )
    return refusals


def _timing_refusals(
    account: CollectionAccount,
    attempt: ContactAttempt,
    history: ContactHistory,
    now: datetime,
    zones: frozenset[str],
    settings: CollectionSettings,
) -> tuple[list[tuple[Refusal, datetime]], ContactWindow]:
    """Timing refusals, each with the earliest time it may be cured, and the window."""
    refusals: list[tuple[Refusal, datetime]] = []
    window = settings.window
    if not schedule_open(zones, now, settings.window):
        refusals.append(
            (
                _refusal(
                    CollectionRule.INCONVENIENT_TIME,
                    "before 8 a.m. or after 9 p.m. in at least one time zone the consumer "
                    f"may be in ({', '.join(sorted(zones))})",
                    "12 CFR 1006.6(b)(1)(i) and comment 6(b)(1)(i)-2; 15 U.S.C. 1692c(a)(1)",
                    timing=True,
                ),
                now,
            )
        )
    stated = ContactWindow.always()
    for span in account.inconvenient_times:
        if attempt.medium in span.media:
            stated = stated.without(span.weekdays, span.start, span.end)
    window = window.intersect(stated)
    if not schedule_open(zones, now, stated):
        refusals.append(
            (
                _refusal(
                    CollectionRule.CONSUMER_INCONVENIENT_TIME,
                    "the consumer said this time is inconvenient",
                    "12 CFR 1006.6(b)(1)(i)",
                    timing=True,
                ),
                now,
            )
        )
    if attempt.medium is Channel.VOICE and not _consent_in_force(attempt, now, zones, settings):
        calls_end = call_limit_ends_at(history, now, zones, settings)
        if calls_end is not None and calls_end > now:
            refusals.append(
                (
                    _refusal(
                        CollectionRule.SEVEN_IN_SEVEN,
                        f"already {settings.max_calls} calls about this debt within "
                        f"{settings.call_period_days} consecutive days",
                        "12 CFR 1006.14(b)(2)(i)",
                        timing=True,
                    ),
                    calls_end,
                )
            )
        wait_end = conversation_wait_ends_at(history, zones, settings)
        if wait_end is not None and wait_end > now:
            refusals.append(
                (
                    _refusal(
                        CollectionRule.CONVERSATION_WAIT,
                        "a telephone conversation about this debt took place within the last "
                        f"{settings.conversation_wait_days} days (its day is day 1)",
                        "12 CFR 1006.14(b)(2)(ii)",
                        timing=True,
                    ),
                    wait_end,
                )
            )
    return refusals, window


def _consent_in_force(
    attempt: ContactAttempt, now: datetime, zones: frozenset[str], settings: CollectionSettings
) -> bool:
    consent = attempt.consumer_consent_at
    if consent is None:
        return False
    consent = as_utc(consent, "consumer_consent_at")
    ends = min(
        consent + timedelta(days=settings.consent_days),
        earliest_day_start(consent, zones, settings.consent_days),
    )
    return consent <= now < ends


def _counted_calls(history: ContactHistory) -> list[datetime]:
    """Calls that count toward 7-in-7, most recent first (1006.14(b)(3))."""
    return sorted(
        (
            as_utc(event.at, "event.at")
            for event in history.events
            if event.medium is Channel.VOICE
            and event.direction is Direction.OUTBOUND
            and event.connected
            and not event.with_prior_consent
        ),
        reverse=True,
    )


def call_limit_ends_at(
    history: ContactHistory,
    now: datetime,
    zones: Iterable[str],
    settings: CollectionSettings = DEFAULT_COLLECTION_SETTINGS,
) -> datetime | None:
    """When one more call stops breaking 7-in-7 (None when it does not break it now).

    A call now would break the limit when ``max_calls`` counted calls already fall in the
    ``call_period_days`` calendar days ending today (the call would be one too many). It is
    cured at the local midnight after which the oldest of those calls has left the period.
    """
    zones, now = frozenset(zones), as_utc(now)
    calls = _counted_calls(history)
    start = earliest_day_start(now, zones, -(settings.call_period_days - 1))
    in_period = [at for at in calls if at >= start]
    if len(in_period) < settings.max_calls:
        return None
    oldest_that_counts = calls[settings.max_calls - 1]
    return latest_day_start(oldest_that_counts, zones, settings.call_period_days)


def conversation_wait_ends_at(
    history: ContactHistory,
    zones: Iterable[str],
    settings: CollectionSettings = DEFAULT_COLLECTION_SETTINGS,
) -> datetime | None:
    """The end of the wait after the last telephone conversation about the debt.

    The day of the conversation is day 1 (1006.14(b)(2)(ii)); calls may resume at the
    start of day 8 in every zone the consumer may be in. Inbound calls start the wait too.
    """
    conversations = [
        as_utc(event.at, "event.at")
        for event in history.events
        if event.conversation and event.medium is Channel.VOICE
    ]
    if not conversations:
        return None
    return latest_day_start(max(conversations), frozenset(zones), settings.conversation_wait_days)


def _state_cap_refusals(
    attempt: ContactAttempt,
    history: ContactHistory,
    now: datetime,
    zones: frozenset[str],
    states: frozenset[str],
    settings: CollectionSettings,
) -> list[tuple[Refusal, datetime]]:
    refusals: list[tuple[Refusal, datetime]] = []
    for cap in settings.state_caps:
        if cap.state not in states or attempt.medium not in cap.media:
            continue
        started = sorted(
            (
                as_utc(event.at, "event.at")
                for event in history.events
                if event.direction is Direction.OUTBOUND and event.medium in cap.media
            ),
            reverse=True,
        )
        # Both readings of "each seven-day period" at once: rolling and calendar days.
        rolling_start = now - timedelta(days=cap.days)
        calendar_start = earliest_day_start(now, zones, 1 - cap.days)
        in_period = [at for at in started if at > rolling_start or at >= calendar_start]
        if len(in_period) < cap.max_contacts:
            continue
        oldest = in_period[cap.max_contacts - 1]
        cured = max(oldest + timedelta(days=cap.days), latest_day_start(oldest, zones, cap.days))
        refusals.append(
            (
                _refusal(
                    CollectionRule.STATE_CONTACT_CAP,
                    f"{cap.state} allows at most {cap.max_contacts} calls or texts per "
                    f"{cap.days} days about a debt; {len(in_period)} already made",
                    cap.source,
                    timing=True,
                ),
                cured,
            )
        )
    return refusals


def _words(text: str) -> str:
    return normalize_inbound(text)  # the same normalisation as the inbound classifier


def _contains(words: str, phrase: str) -> bool:
    return bool(phrase) and f" {phrase} " in f" {words} "
