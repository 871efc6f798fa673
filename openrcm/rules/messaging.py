"""The communications policy gate: may this message go to this person, now?

Every outbound word — text, call, email — passes ``may_send_message`` on every send path.
It takes plain values (the Django side turns rows into them) and returns a ``Decision``
with every reason it is refused; it never sends anything itself.

The policy (company policy on top of the law; the law's sources are in each refusal):

* Texts only for work: with contracted clients (practice contacts and providers) about
  their service, among the company's own staff, and with patients about their bills and
  appointments.
* No marketing unless the deployment turns promotional messages on (off by default) *and*
  the recipient gave separate, written marketing consent. Never to patients.
* A prospect (a lead from the contact form) is called or emailed, never texted, until they
  are a contracted client and have given SMS consent after the contract began.
* When a client's contract ends, every message to them stops, except a reply within the
  reply window (24 h by default) to a message they started.
* Opt-outs (STOP and any other way of saying it) stop messages at once, with exactly one
  confirmation; HELP says who we are; START re-subscribes only someone opted out
  (``classify_inbound`` and ``handle_inbound``).
* A patient's balance is texted in the name of the practice that is owed (first party);
  an account placed with a collection agency gets no more billing messages from us.
* No prohibited content (SHAFT, high-risk finance, debt relief, lead generation,
  politics, gambling...), no public link shorteners.
* Quiet hours in every zone the recipient might be in; stricter state windows and caps
  for marketing (FL, OK, MD, TX) and for creditor collection texts and calls (MA).
* Frequency caps per recipient.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

import phonenumbers

from openrcm.rules.decisions import Channel, Decision, Refusal, as_utc
from openrcm.rules.localtime import (
    CONTINENTAL_US_ZONES,
    ContactWindow,
    LocationSignals,
    next_schedule_opening,
    schedule_open,
)

__all__ = [
    "DEFAULT_CAPS",
    "DEFAULT_CONTENT_RULES",
    "DEFAULT_LINK_SHORTENERS",
    "DEFAULT_STATE_RULES",
    "Channel",
    "ConsentMethod",
    "ConsentPurpose",
    "ConsentRecord",
    "ContentRule",
    "ContractStatus",
    "Decision",
    "FrequencyCap",
    "InboundIntent",
    "InboundKind",
    "InboundOutcome",
    "MessagingRule",
    "OutboundMessage",
    "Party",
    "PartyKind",
    "PolicySettings",
    "Purpose",
    "Refusal",
    "ReplyKind",
    "SendHistory",
    "SentMessage",
    "StateRule",
    "SubscriptionState",
    "SubscriptionStatus",
    "classify_inbound",
    "handle_inbound",
    "help_reply_problems",
    "help_reply_text",
    "may_send_message",
    "normalize_inbound",
    "opt_in_confirmation_text",
    "opt_out_confirmation_text",
]

# --- vocabulary ------------------------------------------------------------------------------


class PartyKind(StrEnum):
    CLIENT_CONTACT = "client_contact"  # a person at a contracted (or former) client practice
    PROVIDER = "provider"  # a provider of a client practice
    STAFF = "staff"  # the billing company's own staff
    PATIENT = "patient"  # a patient (or guarantor) of a client practice
    PROSPECT = "prospect"  # a lead from the contact form: called, never texted


class ContractStatus(StrEnum):
    PROSPECT = "prospect"  # talking, nothing signed
    ACTIVE = "active"  # contract in force
    ENDED = "ended"  # contract over: messages stop (replies in the window excepted)


class ConsentPurpose(StrEnum):
    SERVICE = "service"  # informational: service, billing, appointment, staff messages
    MARKETING = "marketing"  # promotion: needs prior express written consent


class ConsentMethod(StrEnum):
    VERBAL_RECORDED_CALL = "verbal_recorded_call"
    VERBAL_STAFF_ATTESTED = "verbal_staff_attested"
    WEB_FORM = "web_form"
    PAPER_FORM = "paper_form"
    KEYWORD_OPTIN = "keyword_optin"
    INTAKE_PORTAL = "intake_portal"
    PROVIDED_NUMBER_IN_DEBT_CONTEXT = "provided_number_in_debt_context"  # FCC 07-232: that debt


class Purpose(StrEnum):
    SERVICE = "service"  # to a client about their service with us (or a lead follow-up call)
    BILLING = "billing"  # to a patient about their balance (first party, for the practice)
    APPOINTMENT = "appointment"  # to a patient about an appointment
    MARKETING = "marketing"  # promotion of anything
    STAFF = "staff"  # among the company's own staff


class SubscriptionStatus(StrEnum):
    SUBSCRIBED = "subscribed"
    OPTED_OUT = "opted_out"


class MessagingRule(StrEnum):
    """Stable refusal codes of ``may_send_message``."""

    NO_ADDRESS = "no_address"
    INVALID_PHONE = "invalid_phone"
    PURPOSE_NOT_FOR_PARTY = "purpose_not_for_party"
    PROSPECT_SMS = "prospect_sms"
    CONTRACT_STATUS_UNKNOWN = "contract_status_unknown"
    CONTRACT_ENDED = "contract_ended"
    CLIENT_NOT_ACTIVE = "client_not_active"
    PLACED_WITH_AGENCY = "placed_with_agency"
    MARKETING_DISABLED = "marketing_disabled"
    MARKETING_TO_PATIENT = "marketing_to_patient"
    MARKETING_CONSENT_MISSING = "marketing_consent_missing"
    CONSENT_MISSING = "consent_missing"
    OPTED_OUT = "opted_out"
    WRONG_SENDER = "wrong_sender"
    NOT_FIRST_PARTY = "not_first_party"
    BRAND_UNKNOWN = "brand_unknown"
    SENDER_NOT_IDENTIFIED = "sender_not_identified"
    EMPTY_BODY = "empty_body"
    MISSING_OPT_OUT_TEXT = "missing_opt_out_text"
    MISSING_UNSUBSCRIBE = "missing_unsubscribe"
    FORBIDDEN_CONTENT = "forbidden_content"
    LINK_SHORTENER = "link_shortener"
    QUIET_HOURS = "quiet_hours"
    STATE_QUIET_HOURS = "state_quiet_hours"
    FREQUENCY_CAP = "frequency_cap"
    STATE_FREQUENCY_CAP = "state_frequency_cap"


CLIENT_KINDS = frozenset({PartyKind.CLIENT_CONTACT, PartyKind.PROVIDER})

# What each kind of person may be messaged about (marketing is gated separately).
PURPOSES_FOR_KIND: dict[PartyKind, frozenset[Purpose]] = {
    PartyKind.CLIENT_CONTACT: frozenset({Purpose.SERVICE, Purpose.MARKETING}),
    PartyKind.PROVIDER: frozenset({Purpose.SERVICE, Purpose.MARKETING}),
    PartyKind.STAFF: frozenset({Purpose.STAFF}),
    PartyKind.PATIENT: frozenset({Purpose.BILLING, Purpose.APPOINTMENT, Purpose.MARKETING}),
    PartyKind.PROSPECT: frozenset({Purpose.SERVICE, Purpose.MARKETING}),
}

# Prior express *written* consent (E-SIGN counts): what marketing needs. Verbal consent and
# keyword opt-ins are not enough for marketing here (47 CFR 64.1200(a)(2), (f)(9)).
WRITTEN_CONSENT_METHODS = frozenset(
    {ConsentMethod.WEB_FORM, ConsentMethod.PAPER_FORM, ConsentMethod.INTAKE_PORTAL}
)

# --- the values the Django side passes in ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """One consent event, as recorded (R1.3): channel, purpose, brand, when, how.

    ``brand_client_id`` is the sender the consent was given to: the client practice for a
    patient's consent, ``None`` for consent given to the billing company itself.
    A record with ``revoked_at`` set is revoked, whatever the time.
    """

    channel: Channel
    purpose: ConsentPurpose
    given_at: datetime
    method: ConsentMethod
    revoked_at: datetime | None = None
    brand_client_id: str | None = None

    def in_force(self, now: datetime) -> bool:
        return self.revoked_at is None and as_utc(self.given_at, "given_at") <= as_utc(now)


@dataclass(frozen=True, slots=True)
class SubscriptionState:
    """A recipient's subscription to one sender (brand) on one channel.

    Kept per brand and channel (R0.1); changed only by ``handle_inbound`` (STOP, START...)
    and by people acting on a review. ``brand_name`` is the name replies are sent under.
    """

    channel: Channel = Channel.SMS
    brand_client_id: str | None = None
    brand_name: str = ""
    status: SubscriptionStatus = SubscriptionStatus.SUBSCRIBED
    changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Party:
    """The recipient, as the gate needs to know them.

    ``client_id`` / ``client_brand``: the practice the person belongs to (for a patient,
    the practice that is owed; its registered brand name). ``contract_status`` is that
    practice's contract status (for client contacts, providers and patients);
    ``contract_started_at`` lets us tell SMS consent given as a client from consent given
    as a lead. ``subscriptions`` are the current opt-in/opt-out states per brand and channel.
    """

    party_id: str
    kind: PartyKind
    phone: str | None = None
    email: str | None = None
    state: str | None = None
    zip_code: str | None = None
    client_id: str | None = None
    client_brand: str | None = None
    contract_status: ContractStatus | None = None
    contract_started_at: datetime | None = None
    placed_with_agency: bool = False
    consents: tuple[ConsentRecord, ...] = ()
    subscriptions: tuple[SubscriptionState, ...] = ()

    def location(self) -> LocationSignals:
        phones = (self.phone,) if self.phone else ()
        return LocationSignals(state=self.state, zip_code=self.zip_code, phones=phones)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A message someone (a person or a job) wants to send.

    ``on_behalf_of_client_id`` is the practice the message speaks for (patients' messages);
    ``None`` when the billing company speaks for itself. ``subject`` groups messages about
    the same thing (an account, a campaign) for the same-subject caps; empty means
    "could be the same as anything".
    """

    channel: Channel
    purpose: Purpose
    body: str
    sender_brand: str
    on_behalf_of_client_id: str | None = None
    in_reply_to_inbound_at: datetime | None = None
    subject: str = ""


@dataclass(frozen=True, slots=True)
class SentMessage:
    at: datetime
    channel: Channel
    purpose: Purpose
    subject: str = ""


@dataclass(frozen=True, slots=True)
class SendHistory:
    """Earlier messages handed to a channel for this recipient (any sender)."""

    sent: tuple[SentMessage, ...] = ()


@dataclass(frozen=True, slots=True)
class FrequencyCap:
    """At most ``max_messages`` matching messages in any ``period`` (rolling)."""

    max_messages: int
    period: timedelta
    channels: frozenset[Channel]
    purposes: frozenset[Purpose]
    same_subject: bool = False
    source: str = "company policy (configurable)"

    def __post_init__(self) -> None:
        if self.max_messages < 1 or self.period <= timedelta(0):
            raise ValueError("a frequency cap allows at least one message in a positive period")

    def matches(self, channel: Channel, purpose: Purpose) -> bool:
        return channel in self.channels and purpose in self.purposes

    def describe(self) -> str:
        hours = self.period.total_seconds() / 3600
        span = f"{hours:g} h" if hours < 48 else f"{hours / 24:g} days"
        subject = " on the same subject" if self.same_subject else ""
        return f"{self.max_messages} per {span}{subject}"


@dataclass(frozen=True, slots=True)
class StateRule:
    """A state's stricter window and/or cap for some purposes and channels.

    It applies when any signal (address, ZIP, area code) places the recipient in ``state``.
    """

    state: str
    purposes: frozenset[Purpose]
    channels: frozenset[Channel]
    source: str
    window: ContactWindow | None = None
    cap: FrequencyCap | None = None

    def applies(self, states: frozenset[str], channel: Channel, purpose: Purpose) -> bool:
        return self.state in states and channel in self.channels and purpose in self.purposes


@dataclass(frozen=True, slots=True)
class ContentRule:
    """A forbidden category and the words or phrases that put a message in it."""

    category: str
    phrases: tuple[str, ...]
    source: str


_MARKETING_CALLS_AND_TEXTS = frozenset({Channel.SMS, Channel.VOICE})
_EIGHT_TO_EIGHT = ContactWindow.daily(time(8), time(20))


def _same_subject_cap(source: str) -> FrequencyCap:
    return FrequencyCap(
        max_messages=3,
        period=timedelta(hours=24),
        channels=_MARKETING_CALLS_AND_TEXTS,
        purposes=frozenset({Purpose.MARKETING}),
        same_subject=True,
        source=source,
    )


_FL = "Fla. Stat. §501.616(6)(a)–(b)"
_OK = "15 Okla. Stat. §775C.1 et seq. (Telephone Solicitation Act of 2022; VERIFY subsection)"
_MD = "Md. Code Com. Law §14-4501 et seq. (Stop the Spam Calls Act of 2023)"
_TX = "Tex. Bus. & Com. Code §301.051 (VERIFY; applied conservatively)"
_MA = "940 CMR 7.04(1)(f) (VERIFY current text; applied conservatively to creditors)"

DEFAULT_STATE_RULES: tuple[StateRule, ...] = (
    StateRule(
        "FL",
        frozenset({Purpose.MARKETING}),
        _MARKETING_CALLS_AND_TEXTS,
        _FL,
        _EIGHT_TO_EIGHT,
        _same_subject_cap(_FL),
    ),
    StateRule(
        "OK",
        frozenset({Purpose.MARKETING}),
        _MARKETING_CALLS_AND_TEXTS,
        _OK,
        _EIGHT_TO_EIGHT,
        _same_subject_cap(_OK),
    ),
    StateRule(
        "MD",
        frozenset({Purpose.MARKETING}),
        _MARKETING_CALLS_AND_TEXTS,
        _MD,
        _EIGHT_TO_EIGHT,
        _same_subject_cap(_MD),
    ),
    StateRule(
        "TX",
        frozenset({Purpose.MARKETING}),
        _MARKETING_CALLS_AND_TEXTS,
        _TX,
        ContactWindow.weekly(
            {day: (time(9), time(21)) for day in range(6)} | {6: (time(12), time(21))}
        ),
    ),
    StateRule(
        "MA",
        frozenset({Purpose.BILLING}),
        _MARKETING_CALLS_AND_TEXTS,
        _MA,
        cap=FrequencyCap(
            max_messages=2,
            period=timedelta(days=7),
            channels=_MARKETING_CALLS_AND_TEXTS,
            purposes=frozenset({Purpose.BILLING}),
            same_subject=True,
            source=_MA,
        ),
    ),
)

_NOT_STAFF = frozenset(Purpose) - {Purpose.STAFF}
DEFAULT_CAPS: tuple[FrequencyCap, ...] = (
    FrequencyCap(3, timedelta(hours=24), frozenset({Channel.SMS}), _NOT_STAFF),
    FrequencyCap(10, timedelta(days=7), frozenset({Channel.SMS}), _NOT_STAFF),
    FrequencyCap(3, timedelta(hours=24), frozenset({Channel.VOICE}), _NOT_STAFF),
    FrequencyCap(3, timedelta(hours=24), frozenset({Channel.EMAIL}), _NOT_STAFF),
)

_CARRIER = "CTIA Messaging Principles; Twilio forbidden message categories; T-Mobile code"


def _phrases(spec: str) -> tuple[str, ...]:
    return tuple(phrase.strip() for phrase in spec.split("|") if phrase.strip())


# Whole words or phrases, matched on the normalised text (so "e-cig" matches "e cig").
# A false positive is a refusal a person can fix by rewording; a miss is a carrier fine.
DEFAULT_CONTENT_RULES: tuple[ContentRule, ...] = (
    ContentRule(
        "sex (SHAFT)", _phrases("sex|sexy|porn|porno|xxx|escort|escorts|adult content"), _CARRIER
    ),
    ContentRule(
        "alcohol (SHAFT)",
        _phrases("alcohol|beer|beers|wine|wines|liquor|vodka|whiskey|tequila|happy hour"),
        _CARRIER,
    ),
    ContentRule(
        "firearms (SHAFT)",
        _phrases("gun|guns|firearm|firearms|rifle|rifles|pistol|pistols|ammo|ammunition"),
        _CARRIER,
    ),
    ContentRule(
        "tobacco and vaping (SHAFT)",
        _phrases(
            "tobacco|cigarette|cigarettes|cigar|cigars|vape|vapes|vaping|e cig|ecig|nicotine|hookah"
        ),
        _CARRIER,
    ),
    ContentRule(
        "cannabis and illegal drugs",
        _phrases("cannabis|marijuana|cbd|thc|weed|kratom|psilocybin"),
        _CARRIER,
    ),
    ContentRule(
        "high-risk financial services",
        _phrases(
            "loan|loans|payday|cash advance|mortgage|refinance|refinancing|crypto|"
            "cryptocurrency|bitcoin"
        ),
        _CARRIER,
    ),
    ContentRule(
        "debt relief and credit repair",
        _phrases(
            "debt relief|debt consolidation|debt settlement|debt reduction|debt forgiveness|"
            "forgive your debt|credit repair|repair your credit|fix your credit"
        ),
        _CARRIER + "; banned regardless of consent",
    ),
    ContentRule(
        "third-party lead generation",
        _phrases("lead generation|leads for sale|buy leads|sell your information"),
        _CARRIER,
    ),
    ContentRule(
        "politics",
        _phrases(
            "vote|voting|election|ballot|candidate|political|democrat|democrats|republican|"
            "republicans|campaign contribution"
        ),
        "company policy: texts only for work",
    ),
    ContentRule(
        "gambling and sweepstakes",
        _phrases("casino|gambling|betting|lottery|sweepstakes|poker|jackpot"),
        _CARRIER,
    ),
    ContentRule(
        "get-rich-quick schemes",
        _phrases("get rich|make money fast|work from home|easy money"),
        _CARRIER,
    ),
)

DEFAULT_LINK_SHORTENERS = frozenset(
    _phrases(
        "bit.ly|bitly.com|tinyurl.com|goo.gl|ow.ly|t.co|is.gd|v.gd|buff.ly|rebrand.ly|cutt.ly|"
        "shorturl.at|tiny.cc|t.ly|rb.gy|bit.do|lnkd.in|adf.ly|shorte.st|tr.im|x.co|qr.ae|soo.gd|"
        "s.id|cli.gs|u.to|shorturl.com|short.io|bl.ink"
    )
)


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """The deployment's choices. Defaults are the conservative ones."""

    company_name: str
    help_phone: str
    help_email: str | None = None
    program_description: str = "account, billing and appointment messages"
    help_text: str | None = None  # a custom HELP reply; checked by ``help_reply_problems``
    # How often messages come and the carriers' rates notice, as the HELP reply and the
    # opt-in confirmation say them (CTIA MP&BP §5.1.2.1); e.g. "Up to 4 msgs/mo".
    frequency_text: str = "Msg frequency varies"
    rates_text: str = "Msg & data rates may apply"
    promotional_messages_enabled: bool = False
    quiet_hours: ContactWindow = field(
        default_factory=lambda: ContactWindow.daily(time(8), time(21))
    )
    state_rules: tuple[StateRule, ...] = DEFAULT_STATE_RULES
    caps: tuple[FrequencyCap, ...] = DEFAULT_CAPS
    reply_window: timedelta = timedelta(hours=24)
    zones_when_unknown: frozenset[str] = CONTINENTAL_US_ZONES
    opt_out_text: str = "Reply STOP to opt out"
    opt_out_text_purposes: frozenset[Purpose] = _NOT_STAFF
    email_unsubscribe_words: tuple[str, ...] = ("unsubscribe", "opt out")
    email_unsubscribe_purposes: frozenset[Purpose] = frozenset({Purpose.BILLING, Purpose.MARKETING})
    content_rules: tuple[ContentRule, ...] = DEFAULT_CONTENT_RULES
    link_shorteners: frozenset[str] = DEFAULT_LINK_SHORTENERS
    # FCC 24-24 "revoke-all" (47 CFR 64.1200(a)(10)), delayed to Jan 31, 2027: from this
    # date an opt-out on one channel stops every channel from that sender. None = never.
    revoke_all_channels_from: date | None = date(2027, 1, 31)
    revoke_all_brands: bool = False  # an opt-out from one brand stops every brand
    confirmation_deadline: timedelta = timedelta(minutes=5)  # 47 CFR 64.1200(a)(12)

    def __post_init__(self) -> None:
        if not self.company_name.strip() or not self.help_phone.strip():
            raise ValueError("the company name and a help phone number are required")
        problems = _frequency_and_rates_problems(self.frequency_text, self.rates_text)
        if problems:
            raise ValueError("the deployment's SMS notices lack: " + "; ".join(problems))
        if self.help_text is not None:
            problems = help_reply_problems(self.help_text, self.company_name)
            if problems:
                raise ValueError("the HELP reply lacks: " + "; ".join(problems))
        if self.reply_window < timedelta(0):
            raise ValueError("the reply window cannot be negative")


# --- the gate --------------------------------------------------------------------------------

_TCPA_CONSENT = "47 CFR 64.1200(a)(1)–(2); FCC 07-232"
_POLICY = "company communications policy"


def may_send_message(
    party: Party,
    message: OutboundMessage,
    *,
    settings: PolicySettings,
    history: SendHistory,
    now: datetime,
) -> Decision:
    """Whether ``message`` may be handed to its channel for ``party`` at ``now``.

    Every rule is checked; the decision lists every one the message breaks.
    ``next_allowed_at`` is set when only quiet hours and caps stand in the way.
    """
    caller_now, now = now, as_utc(now)
    refusals: list[Refusal] = []
    refusals += _address_refusals(party, message)
    refusals += _relationship_refusals(party, message, settings, now)
    refusals += _consent_refusals(party, message, settings, now)
    refusals += _sender_refusals(party, message, settings)
    refusals += _content_refusals(message, settings)
    timing, next_at = _timing_refusals(party, message, settings, history, now)
    refusals += timing
    if next_at is not None:
        next_at = next_at.astimezone(caller_now.tzinfo)
    return Decision.from_refusals(refusals, next_at)


def _refusal(rule: MessagingRule, message: str, source: str, *, timing: bool = False) -> Refusal:
    return Refusal(code=rule.value, message=message, source=source, timing=timing)


def _address_refusals(party: Party, message: OutboundMessage) -> list[Refusal]:
    if message.channel is Channel.EMAIL:
        if not party.email or "@" not in party.email:
            return [_refusal(MessagingRule.NO_ADDRESS, "no email address on record", _POLICY)]
        return []
    if not party.phone:
        return [_refusal(MessagingRule.NO_ADDRESS, "no phone number on record", _POLICY)]
    if not _valid_phone(party.phone):
        return [
            _refusal(
                MessagingRule.INVALID_PHONE,
                f"{party.phone!r} is not a valid phone number; correct it before contacting",
                _POLICY,
            )
        ]
    return []


@lru_cache(maxsize=4096)
def _valid_phone(phone: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(phone, "US"))
    except phonenumbers.NumberParseException:
        return False


def _is_valid_reply(message: OutboundMessage, settings: PolicySettings, now: datetime) -> bool:
    inbound = message.in_reply_to_inbound_at
    if inbound is None:
        return False
    inbound = as_utc(inbound, "in_reply_to_inbound_at")
    return inbound <= now and now - inbound <= settings.reply_window


def _relationship_refusals(
    party: Party, message: OutboundMessage, settings: PolicySettings, now: datetime
) -> list[Refusal]:
    refusals: list[Refusal] = []
    purpose, channel = message.purpose, message.channel
    if purpose is Purpose.MARKETING and party.kind is PartyKind.PATIENT:
        refusals.append(
            _refusal(
                MessagingRule.MARKETING_TO_PATIENT,
                "patients are never sent marketing: texts to patients are about their bills "
                "and appointments only",
                _POLICY + "; HIPAA 45 CFR 164.508(a)(3) (marketing needs an authorization)",
            )
        )
    elif purpose not in PURPOSES_FOR_KIND[party.kind]:
        refusals.append(
            _refusal(
                MessagingRule.PURPOSE_NOT_FOR_PARTY,
                f"a {party.kind.value.replace('_', ' ')} is not sent {purpose.value} messages",
                _POLICY,
            )
        )
    is_lead = party.kind is PartyKind.PROSPECT or (
        party.kind in CLIENT_KINDS and party.contract_status is ContractStatus.PROSPECT
    )
    if channel is Channel.SMS and is_lead:
        refusals.append(
            _refusal(
                MessagingRule.PROSPECT_SMS,
                "a prospect is called, never texted, until they are a contracted client "
                "with SMS consent",
                _POLICY,
            )
        )
    if party.kind in CLIENT_KINDS:
        if party.contract_status is None:
            refusals.append(
                _refusal(
                    MessagingRule.CONTRACT_STATUS_UNKNOWN,
                    "the client's contract status is not known; record it before messaging",
                    _POLICY,
                )
            )
        elif party.contract_status is ContractStatus.ENDED and not (
            purpose is not Purpose.MARKETING and _is_valid_reply(message, settings, now)
        ):
            hours = settings.reply_window.total_seconds() / 3600
            refusals.append(
                _refusal(
                    MessagingRule.CONTRACT_ENDED,
                    "the client's contract has ended: messages stop, except a reply within "
                    f"{hours:g} h to a message the client sent",
                    _POLICY,
                )
            )
    if party.kind is PartyKind.PATIENT and party.contract_status is not ContractStatus.ACTIVE:
        refusals.append(
            _refusal(
                MessagingRule.CLIENT_NOT_ACTIVE,
                "the patient's practice is not an active client: we do not message its patients",
                _POLICY,
            )
        )
    if party.kind is PartyKind.PATIENT and party.placed_with_agency and purpose is Purpose.BILLING:
        refusals.append(
            _refusal(
                MessagingRule.PLACED_WITH_AGENCY,
                "the account is placed with a collection agency: no more billing messages "
                "from us (the agency may not text either: third-party collection)",
                "domain rules R1.11; carrier ban on third-party debt collection texts",
            )
        )
    if purpose is Purpose.MARKETING and not settings.promotional_messages_enabled:
        refusals.append(
            _refusal(
                MessagingRule.MARKETING_DISABLED,
                "promotional messages are switched off for this deployment",
                _POLICY,
            )
        )
    return refusals


def _consent_refusals(
    party: Party, message: OutboundMessage, settings: PolicySettings, now: datetime
) -> list[Refusal]:
    refusals: list[Refusal] = []
    brand = message.on_behalf_of_client_id
    if message.purpose is Purpose.MARKETING:
        if party.kind is not PartyKind.PATIENT and not _has_consent(
            party, message, now, ConsentPurpose.MARKETING
        ):
            refusals.append(
                _refusal(
                    MessagingRule.MARKETING_CONSENT_MISSING,
                    "marketing needs separate prior express written consent for "
                    f"{message.channel.value} from this sender",
                    "47 CFR 64.1200(a)(2), (f)(9)",
                )
            )
    elif not _has_consent(party, message, now, ConsentPurpose.SERVICE):
        extra = ""
        if message.channel is Channel.SMS and party.kind in CLIENT_KINDS:
            extra = " given after the client's contract began"
        refusals.append(
            _refusal(
                MessagingRule.CONSENT_MISSING,
                f"no consent in force for {message.channel.value} "
                f"{message.purpose.value} messages from this sender{extra}",
                _TCPA_CONSENT,
            )
        )
    scope_from = settings.revoke_all_channels_from
    revoke_all_channels = scope_from is not None and now.date() >= scope_from
    for subscription in party.subscriptions:
        if subscription.status is not SubscriptionStatus.OPTED_OUT:
            continue
        same_channel = subscription.channel is message.channel or revoke_all_channels
        same_brand = subscription.brand_client_id == brand or settings.revoke_all_brands
        if same_channel and same_brand:
            refusals.append(
                _refusal(
                    MessagingRule.OPTED_OUT,
                    f"the recipient opted out of {subscription.channel.value} messages "
                    "from this sender",
                    "47 CFR 64.1200(a)(10); CTIA",
                )
            )
            break
    return refusals


def _has_consent(
    party: Party, message: OutboundMessage, now: datetime, purpose: ConsentPurpose
) -> bool:
    for consent in party.consents:
        if consent.channel is not message.channel or consent.purpose is not purpose:
            continue
        if consent.brand_client_id != message.on_behalf_of_client_id:
            continue
        if not consent.in_force(now):
            continue
        if purpose is ConsentPurpose.MARKETING and consent.method not in WRITTEN_CONSENT_METHODS:
            continue
        if (
            consent.method is ConsentMethod.PROVIDED_NUMBER_IN_DEBT_CONTEXT
            and message.purpose is not Purpose.BILLING
        ):
            continue  # giving a number for a debt is consent to be contacted about that debt
        if message.channel is Channel.SMS and party.kind in CLIENT_KINDS:
            started = party.contract_started_at
            if started is None or as_utc(consent.given_at) < as_utc(started):
                continue  # SMS consent must be given as a client, not as a lead
        return True
    return False


def _expected_sender(party: Party, settings: PolicySettings) -> tuple[str | None, str | None]:
    """(brand name, client id) a message to ``party`` must be sent under."""
    if party.kind is PartyKind.PATIENT:
        return party.client_brand, party.client_id
    return settings.company_name, None


def _sender_refusals(
    party: Party, message: OutboundMessage, settings: PolicySettings
) -> list[Refusal]:
    refusals: list[Refusal] = []
    brand, client_id = _expected_sender(party, settings)
    if party.kind is PartyKind.PATIENT:
        if not brand or party.client_id is None:
            refusals.append(
                _refusal(
                    MessagingRule.BRAND_UNKNOWN,
                    "the patient's practice (the brand messages are sent under) is not known",
                    "domain rules R1.11 (register each practice as the brand)",
                )
            )
        elif message.on_behalf_of_client_id != client_id or _words(message.sender_brand) != _words(
            brand
        ):
            refusals.append(
                _refusal(
                    MessagingRule.NOT_FIRST_PARTY,
                    f"messages to this patient go out in the name of {brand}, the practice "
                    "that is owed (first party), not another sender",
                    "Twilio/carrier ban on third-party debt collection (error 30863); R1.11",
                )
            )
    elif message.on_behalf_of_client_id is not None or _words(message.sender_brand) != _words(
        settings.company_name
    ):
        refusals.append(
            _refusal(
                MessagingRule.WRONG_SENDER,
                f"messages to a {party.kind.value.replace('_', ' ')} go out in the name of "
                f"{settings.company_name}",
                _POLICY,
            )
        )
    needs_identification = message.channel is not Channel.VOICE or bool(message.body.strip())
    if (
        needs_identification
        and message.sender_brand.strip()
        and not _contains_phrase(_words(message.body), _words(message.sender_brand))
    ):
        refusals.append(
            _refusal(
                MessagingRule.SENDER_NOT_IDENTIFIED,
                f"the message must name its sender ({message.sender_brand})",
                "CTIA MP&BP; Twilio messaging policy (identify the sender); R1.10",
            )
        )
    return refusals


def _content_refusals(message: OutboundMessage, settings: PolicySettings) -> list[Refusal]:
    refusals: list[Refusal] = []
    words = _words(message.body)
    if message.channel is not Channel.VOICE and not words:
        refusals.append(_refusal(MessagingRule.EMPTY_BODY, "the message is empty", _POLICY))
    if (
        message.channel is Channel.SMS
        and message.purpose in settings.opt_out_text_purposes
        and not _contains_phrase(words, _words(settings.opt_out_text))
    ):
        source = "CTIA MP&BP"
        if message.purpose is Purpose.BILLING:
            source = "12 CFR 1006.6(e); " + source
        refusals.append(
            _refusal(
                MessagingRule.MISSING_OPT_OUT_TEXT,
                f'the text must say how to opt out ("{settings.opt_out_text}")',
                source,
            )
        )
    if (
        message.channel is Channel.EMAIL
        and message.purpose in settings.email_unsubscribe_purposes
        and not any(_contains_phrase(words, _words(w)) for w in settings.email_unsubscribe_words)
    ):
        refusals.append(
            _refusal(
                MessagingRule.MISSING_UNSUBSCRIBE,
                "the email must say how to unsubscribe (a link or address to opt out)",
                "12 CFR 1006.6(e); CAN-SPAM 15 U.S.C. 7704(a)(3)",
            )
        )
    for rule in settings.content_rules:
        hits = [phrase for phrase in rule.phrases if _contains_phrase(words, _words(phrase))]
        if hits:
            refusals.append(
                _refusal(
                    MessagingRule.FORBIDDEN_CONTENT,
                    f"the message touches a forbidden category, {rule.category} "
                    f"({', '.join(repr(hit) for hit in hits)})",
                    rule.source,
                )
            )
    for domain in sorted(_shortener_domains(message.body, settings.link_shorteners)):
        refusals.append(
            _refusal(
                MessagingRule.LINK_SHORTENER,
                f"{domain} is a public link shortener, which carriers filter; use the "
                "sender's own branded domain",
                "CTIA MP&BP §5.3.2; Twilio forbidden message categories; R1.10",
            )
        )
    return refusals


_HOST_RE = re.compile(r"(?<![a-z0-9@-])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})")


def _shortener_domains(body: str, shorteners: frozenset[str]) -> set[str]:
    found: set[str] = set()
    text = unicodedata.normalize("NFKC", body).casefold()
    for match in _HOST_RE.finditer(text):
        labels = match.group(1).split(".")
        for first in range(len(labels) - 1):
            candidate = ".".join(labels[first:])
            if candidate in shorteners:
                found.add(candidate)
    return found


def _timing_refusals(
    party: Party,
    message: OutboundMessage,
    settings: PolicySettings,
    history: SendHistory,
    now: datetime,
) -> tuple[list[Refusal], datetime | None]:
    refusals: list[Refusal] = []
    location = party.location()
    zones = location.zones_or(settings.zones_when_unknown)
    states = location.states()
    rules = [r for r in settings.state_rules if r.applies(states, message.channel, message.purpose)]

    window = settings.quiet_hours
    if not schedule_open(zones, now, settings.quiet_hours):
        refusals.append(
            _refusal(
                MessagingRule.QUIET_HOURS,
                "outside quiet hours (8 a.m.–9 p.m. by default) in at least one time zone "
                f"the recipient may be in ({', '.join(sorted(zones))})",
                "47 CFR 64.1200(c)(1); 12 CFR 1006.6(b)(1)(i); R1.5 (every possible zone)",
                timing=True,
            )
        )
    for rule in rules:
        if rule.window is None:
            continue
        window = window.intersect(rule.window)
        if not schedule_open(zones, now, rule.window):
            refusals.append(
                _refusal(
                    MessagingRule.STATE_QUIET_HOURS,
                    f"outside the hours {rule.state} allows for {message.purpose.value} "
                    "calls and texts in the recipient's local time",
                    rule.source,
                    timing=True,
                )
            )

    free_at = now
    caps = [(cap, MessagingRule.FREQUENCY_CAP) for cap in settings.caps]
    caps += [(r.cap, MessagingRule.STATE_FREQUENCY_CAP) for r in rules if r.cap is not None]
    for cap, rule_code in caps:
        if not cap.matches(message.channel, message.purpose):
            continue
        times = sorted(
            (
                as_utc(sent.at, "sent.at")
                for sent in history.sent
                if cap.matches(sent.channel, sent.purpose)
                and (
                    not cap.same_subject
                    or not sent.subject
                    or not message.subject
                    or sent.subject == message.subject
                )
            ),
            reverse=True,
        )
        in_period = [at for at in times if at > now - cap.period]
        if len(in_period) >= cap.max_messages:
            # Free once the max_messages-th most recent send leaves the period.
            free_at = max(free_at, times[cap.max_messages - 1] + cap.period)
            refusals.append(
                _refusal(
                    rule_code,
                    f"the recipient already had {len(in_period)} such messages in the period; "
                    f"the cap is {cap.describe()}",
                    cap.source,
                    timing=True,
                )
            )
    next_at = None
    if refusals:
        next_at = next_schedule_opening(zones, free_at, window)
    return refusals, next_at


# --- text helpers ----------------------------------------------------------------------------


def normalize_inbound(text: str) -> str:
    """Casefolded words: accents, punctuation and emoji removed, whitespace collapsed.

    "Don't text me!!" → "dont text me"; "OPT-OUT" → "opt out"; "ＳＴＯＰ 🛑" → "stop".
    """
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = plain.replace("'", "").replace("\u2019", "").replace("`", "")
    kept = [ch if unicodedata.category(ch)[0] in "LN" else " " for ch in plain]
    return " ".join("".join(kept).split())


def _words(text: str) -> str:
    return normalize_inbound(text)


def _contains_phrase(words: str, phrase: str) -> bool:
    return bool(phrase) and f" {phrase} " in f" {words} "


# --- inbound messages: STOP, HELP, START -----------------------------------------------------


class InboundKind(StrEnum):
    OPT_OUT = "opt_out"  # an exact opt-out keyword (STOP, UNSUBSCRIBE, ...)
    OPT_OUT_PHRASE = "opt_out_phrase"  # free text that may be an opt-out: suppress and review
    HELP = "help"  # HELP or INFO
    OPT_IN = "opt_in"  # START, UNSTOP, YES: only meaningful when opted out
    OTHER = "other"  # anything else: for a person to read


# Exact matches after normalising (R1.7: Twilio, RingCentral, AWS, Telnyx, FCC 24-24).
OPT_OUT_KEYWORDS = frozenset(
    _phrases("stop|stopall|stop all|unsubscribe|cancel|end|quit|revoke|optout|opt out|remove|arret")
)
HELP_KEYWORDS = frozenset({"help", "info", "ayuda"})
# Twilio's set. RingCentral also honours SUBSCRIBE, RESUME and CONTINUE; we do not, so a
# chatty "continue" can never re-subscribe anyone here (re-subscribing is the risky way).
OPT_IN_KEYWORDS = frozenset({"start", "unstop", "yes"})

# Words and phrases that make free text a (possible) opt-out. The FCC names "stop", "quit",
# "end", "revoke", "opt out", "cancel" and "unsubscribe" as revocations wherever they appear
# in a reply; we therefore match them anywhere, accept false positives ("I can't stop
# coughing") and have a person review them (R1.7 step 4: suppress first).
OPT_OUT_PHRASES: tuple[str, ...] = _phrases(
    "stop|stopall|quit|end|revoke|opt out|optout|cancel|unsubscribe|unsub|remove me|"
    "take me off|dont text|do not text|dont message|do not message|dont contact|"
    "do not contact|dont call|do not call|no more texts|no more messages|no more|"
    "wrong number|leave me alone|not interested|"
    # Spanish and French
    "alto|basta|cancelar|no mas|no me escriban|no me escriba|dejen de|numero equivocado|"
    "de baja|arret"
)
# Emoji that say "stop" on their own; normalising removes emoji, so look before that.
OPT_OUT_EMOJI = frozenset({"\U0001f6d1", "\u26d4", "\U0001f6ab"})  # 🛑 ⛔ 🚫


@dataclass(frozen=True, slots=True)
class InboundIntent:
    kind: InboundKind
    needs_review: bool
    normalized: str
    matched: str = ""


def classify_inbound(text: str) -> InboundIntent:
    """What an inbound text asks for (R1.7's recommended classifier).

    Exact keywords first (opt-out, then HELP, then opt-in), then opt-out phrases anywhere
    in the text. A phrase match is an opt-out that needs a person to review it: the caller
    suppresses first and asks afterwards.
    """
    normalized = normalize_inbound(text)
    if normalized in OPT_OUT_KEYWORDS:
        return InboundIntent(InboundKind.OPT_OUT, False, normalized, normalized)
    if normalized in HELP_KEYWORDS:
        return InboundIntent(InboundKind.HELP, False, normalized, normalized)
    if normalized in OPT_IN_KEYWORDS:
        return InboundIntent(InboundKind.OPT_IN, False, normalized, normalized)
    for phrase in OPT_OUT_PHRASES:
        if _contains_phrase(normalized, phrase):
            return InboundIntent(InboundKind.OPT_OUT_PHRASE, True, normalized, phrase)
    for emoji in OPT_OUT_EMOJI:
        if emoji in text:
            return InboundIntent(InboundKind.OPT_OUT_PHRASE, True, normalized, emoji)
    return InboundIntent(InboundKind.OTHER, False, normalized)


class ReplyKind(StrEnum):
    OPT_OUT_CONFIRMATION = "opt_out_confirmation"
    HELP = "help"
    OPT_IN_CONFIRMATION = "opt_in_confirmation"


@dataclass(frozen=True, slots=True)
class InboundOutcome:
    """What to do about one inbound text.

    ``reply`` is sent as is (it bypasses the gate: keyword replies are part of the opt-out
    machinery, not messages of ours), by ``reply_due_by``. ``consent_revoked``: mark every
    consent of this channel and brand revoked; ``consent_given``: record a keyword opt-in.
    ``needs_review``: a person should confirm an opt-out read from free text (it is already
    in force). ``for_a_person``: the text is conversation, to be read by staff.
    """

    intent: InboundIntent
    state: SubscriptionState
    reply: str | None = None
    reply_kind: ReplyKind | None = None
    reply_due_by: datetime | None = None
    needs_review: bool = False
    consent_revoked: bool = False
    consent_given: bool = False
    for_a_person: bool = False


def handle_inbound(
    state: SubscriptionState, text: str, now: datetime, settings: PolicySettings
) -> InboundOutcome:
    """The subscription state machine for one recipient, sender and channel.

    * opt-out (keyword or phrase) while subscribed → opted out, exactly one confirmation;
      while already opted out → nothing (no second confirmation).
    * HELP while subscribed → the HELP reply. While opted out → no reply: after an opt-out
      the confirmation is the only message we send (47 CFR 64.1200(a)(12)), as Twilio
      does on toll-free numbers. Re-subscribing (START) brings HELP back.
    * START/UNSTOP/YES while opted out → subscribed, an opt-in confirmation, and a keyword
      opt-in consent to record; while subscribed → ordinary conversation ("Reply YES to
      confirm" flows keep working).
    * anything else → for a person; the state does not change.
    """
    due_by = (as_utc(now) + settings.confirmation_deadline).astimezone(now.tzinfo)
    intent = classify_inbound(text)
    opted_out = state.status is SubscriptionStatus.OPTED_OUT
    brand = state.brand_name or settings.company_name
    if intent.kind in (InboundKind.OPT_OUT, InboundKind.OPT_OUT_PHRASE):
        if opted_out:
            return InboundOutcome(intent=intent, state=state)
        new_state = _with_status(state, SubscriptionStatus.OPTED_OUT, now)
        return InboundOutcome(
            intent=intent,
            state=new_state,
            reply=opt_out_confirmation_text(brand),
            reply_kind=ReplyKind.OPT_OUT_CONFIRMATION,
            reply_due_by=due_by,
            needs_review=intent.needs_review,
            consent_revoked=True,
            for_a_person=intent.needs_review,
        )
    if intent.kind is InboundKind.HELP:
        if opted_out:
            return InboundOutcome(intent=intent, state=state)
        return InboundOutcome(
            intent=intent,
            state=state,
            reply=help_reply_text(settings, brand),
            reply_kind=ReplyKind.HELP,
            reply_due_by=due_by,
        )
    if intent.kind is InboundKind.OPT_IN and opted_out:
        return InboundOutcome(
            intent=intent,
            state=_with_status(state, SubscriptionStatus.SUBSCRIBED, now),
            reply=opt_in_confirmation_text(settings, brand),
            reply_kind=ReplyKind.OPT_IN_CONFIRMATION,
            reply_due_by=due_by,
            consent_given=True,
        )
    return InboundOutcome(intent=intent, state=state, for_a_person=True)


def _with_status(
    state: SubscriptionState, status: SubscriptionStatus, now: datetime
) -> SubscriptionState:
    return SubscriptionState(
        channel=state.channel,
        brand_client_id=state.brand_client_id,
        brand_name=state.brand_name,
        status=status,
        changed_at=now,
    )


def opt_out_confirmation_text(brand: str) -> str:
    """The one confirmation (R1.9): brand, no further messages, how to opt back in."""
    return (
        f"{brand}: You are unsubscribed and will receive no further messages. "
        "Reply START to resubscribe."
    )


def _help_contact(settings: PolicySettings) -> str:
    contact = f"call {settings.help_phone}"
    if settings.help_email:
        contact += f" or email {settings.help_email}"
    return contact


def help_reply_text(settings: PolicySettings, brand: str | None = None) -> str:
    """The HELP reply (R1.8): brand and program, help contact, opt-out, frequency, rates."""
    if settings.help_text is not None:
        return settings.help_text
    brand = brand or settings.company_name
    sender = "" if brand == settings.company_name else f", sent by {settings.company_name}"
    return (
        f"{brand}: {settings.program_description}{sender}. "
        f"For help {_help_contact(settings)}. {_sentence(settings.frequency_text)} "
        f"{_sentence(settings.rates_text)} Reply STOP to opt out."
    )


def opt_in_confirmation_text(settings: PolicySettings, brand: str | None = None) -> str:
    """Opt-in confirmation (CTIA MP&BP §5.1.2.1)."""
    brand = brand or settings.company_name
    return (
        f"{brand}: You are subscribed to {settings.program_description}. "
        f"{_sentence(settings.frequency_text)} {_sentence(settings.rates_text)} "
        "Reply HELP for help, STOP to opt out."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _frequency_and_rates_problems(frequency_text: str, rates_text: str) -> list[str]:
    """What the configured frequency and rates notices lack (empty when complete)."""
    problems = []
    words = _words(frequency_text)
    if not _contains_phrase(words, "msg frequency varies") and not re.search(
        r"up to \d+ (msgs?|messages?)", words
    ):
        problems.append('a frequency notice ("Msg frequency varies" or "Up to N msgs/mo")')
    rates = _words(rates_text)
    if not _contains_phrase(rates, "msg data rates may apply") and not _contains_phrase(
        rates, "message and data rates may apply"
    ):
        problems.append('"Msg & data rates may apply" (or "Message and data rates may apply")')
    return problems


def help_reply_problems(text: str, brand: str) -> list[str]:
    """What a HELP reply lacks of what CTIA requires (empty when complete)."""
    words = _words(text)
    problems = []
    if not _contains_phrase(words, _words(brand)):
        problems.append(f"the brand name ({brand})")
    if not re.search(r"\d{3}\D{0,3}\d{3}\D?\d{4}|@|https?://|www\.", text):
        problems.append("a way to get help (phone number, email or website)")
    if not _contains_phrase(words, "reply stop to opt out"):
        problems.append('"Reply STOP to opt out"')
    if not _contains_phrase(words, "msg data rates may apply") and not _contains_phrase(
        words, "message and data rates may apply"
    ):
        problems.append('"Msg & data rates may apply"')
    if not _contains_phrase(words, "msg frequency varies") and not re.search(
        r"up to \d+ (msgs?|messages?)", words
    ):
        problems.append('"Msg frequency varies" (or "up to N msgs/mo")')
    return problems
