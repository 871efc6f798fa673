"""Random lives of one recipient, driven through the pure policy functions.

A tiny simulator plays the Django side: it keeps the recipient's rows (consents,
subscription, contract, agency placement, send history), turns them into the gate's values,
asks ``may_send_message`` before handing anything to a channel, and feeds inbound texts to
``handle_inbound``. Beside it an oracle keeps its own, simpler record of the truth — built
from hand-labelled inbound texts, not from the classifier — and checks every message that
reached a channel against the policy restated from scratch:

* nothing the policy forbids is ever handed to a channel, and
* every opt-out gets exactly one confirmation, and then silence until the person opts in.

A second test takes a message that goes out and shows that each forbidding event alone
(STOP, free-text STOP, contract ended, agency placement, marketing switched off or consent
revoked, night, the cap, wrong sender, shortener, forbidden words, missing opt-out text)
stops it, so no rule hides behind another.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrcm.rules.messaging import (
    Channel,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ContractStatus,
    OutboundMessage,
    Party,
    PartyKind,
    PolicySettings,
    Purpose,
    ReplyKind,
    SendHistory,
    SentMessage,
    SubscriptionState,
    handle_inbound,
    may_send_message,
)

COMPANY, PRACTICE, CLINIC = "Acme Billing", "Sunrise Pediatrics", "clinic-1"
SETTINGS = PolicySettings(company_name=COMPANY, help_phone="(212) 555-0100")
NY, CHI, DENVER = "America/New_York", "America/Chicago", "America/Denver"
BOISE, LA = "America/Boise", "America/Los_Angeles"


@dataclass(frozen=True)
class Profile:
    kind: PartyKind
    phone: str
    state: str
    zones: frozenset[str]  # every zone the oracle knows the person may be in
    states: frozenset[str]


PROFILES = {
    "patient_ny": Profile(
        PartyKind.PATIENT, "+12125550111", "NY", frozenset({NY}), frozenset({"NY"})
    ),
    "patient_fl_panhandle": Profile(
        PartyKind.PATIENT, "+18505550112", "FL", frozenset({NY, CHI}), frozenset({"FL"})
    ),
    "client_ny_idaho_phone": Profile(
        PartyKind.CLIENT_CONTACT,
        "+12085550113",
        "NY",
        frozenset({NY, BOISE, LA}),
        frozenset({"NY", "ID"}),
    ),
    "provider_el_paso": Profile(
        PartyKind.PROVIDER, "+19155550116", "TX", frozenset({CHI, DENVER}), frozenset({"TX"})
    ),
    "prospect_fl": Profile(
        PartyKind.PROSPECT, "+13055550114", "FL", frozenset({NY, CHI}), frozenset({"FL"})
    ),
    "staff_ny": Profile(PartyKind.STAFF, "+12125550115", "NY", frozenset({NY}), frozenset({"NY"})),
}

# Inbound texts with the meaning a person gives them (the oracle never asks the classifier).
INBOUND = (
    ("STOP", "opt_out"),
    ("stop", "opt_out"),
    ("Stop.", "opt_out"),
    ("UNSUBSCRIBE", "opt_out"),
    ("cancel", "opt_out"),
    ("STOP ALL", "opt_out"),
    ("opt-out", "opt_out"),
    ("quit", "opt_out"),
    ("please stop texting me", "opt_out"),
    ("no more texts", "opt_out"),
    ("wrong number", "opt_out"),
    ("alto", "opt_out"),
    ("🛑", "opt_out"),
    ("I can't stop coughing, can I get an appointment?", "opt_out"),  # our documented choice
    ("HELP", "help"),
    ("info", "help"),
    ("START", "opt_in"),
    ("unstop", "opt_in"),
    ("YES", "opt_in"),
    ("what do I owe?", "other"),
    ("thanks", "other"),
    ("can I pay next week?", "other"),
)

PURPOSES_FOR_KIND = {
    PartyKind.PATIENT: {Purpose.BILLING, Purpose.APPOINTMENT},
    PartyKind.CLIENT_CONTACT: {Purpose.SERVICE, Purpose.MARKETING},
    PartyKind.PROVIDER: {Purpose.SERVICE, Purpose.MARKETING},
    PartyKind.PROSPECT: {Purpose.SERVICE, Purpose.MARKETING},
    PartyKind.STAFF: {Purpose.STAFF},
}
BODY_KINDS = ("good", "good", "good", "good", "no_stop", "shortener", "forbidden", "no_brand")


@dataclass
class OracleConsent:
    channel: Channel
    purpose: ConsentPurpose
    written: bool
    given_at: datetime
    revoked: bool = False


@dataclass
class Delivery:
    at: datetime
    channel: Channel
    kind: str  # "policy" or a ReplyKind value
    purpose: Purpose | None = None


@dataclass
class World:
    """The simulated Django side (rows) and, separately, the oracle's record of the truth."""

    profile: Profile
    now: datetime
    # --- rows, as the Django side would keep them
    kind: PartyKind
    contract_status: ContractStatus | None
    contract_started_at: datetime | None
    consents: list[ConsentRecord]
    sms_state: SubscriptionState
    marketing_enabled: bool = False
    placed_with_agency: bool = False
    last_inbound_at: datetime | None = None
    history: list[SentMessage] = field(default_factory=list)
    # False plays a Django side that forgets to revoke consents on STOP: the subscription
    # state alone must then keep the gate shut.
    revoke_consents_on_stop: bool = True
    # --- the oracle's own record
    truth_opted_out: bool = False
    truth_consents: list[OracleConsent] = field(default_factory=list)
    timeline: list[tuple[str, str, bool]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def brand_id(self) -> str | None:
        return CLINIC if self.kind is PartyKind.PATIENT else None

    @property
    def brand_name(self) -> str:
        return PRACTICE if self.kind is PartyKind.PATIENT else COMPANY

    def party(self) -> Party:
        return Party(
            party_id="p-1",
            kind=self.kind,
            phone=self.profile.phone,
            email="someone@example.com",
            state=self.profile.state,
            client_id=CLINIC if self.kind is not PartyKind.STAFF else None,
            client_brand=PRACTICE,
            contract_status=self.contract_status,
            contract_started_at=self.contract_started_at,
            placed_with_agency=self.placed_with_agency,
            consents=tuple(self.consents),
            subscriptions=(self.sms_state,),
        )

    # --- events -------------------------------------------------------------------------

    def give_consent(self, channel: Channel, purpose: ConsentPurpose, written: bool) -> None:
        method = ConsentMethod.WEB_FORM if written else ConsentMethod.VERBAL_STAFF_ATTESTED
        self.consents.append(ConsentRecord(channel, purpose, self.now, method, None, self.brand_id))
        self.truth_consents.append(OracleConsent(channel, purpose, written, self.now))

    def inbound(self, text: str, label: str) -> None:
        subscribed_before = not self.truth_opted_out
        self.timeline.append(("inbound", label, subscribed_before))
        outcome = handle_inbound(self.sms_state, text, self.now, SETTINGS)
        self.sms_state = outcome.state
        self.last_inbound_at = self.now
        if outcome.consent_revoked and self.revoke_consents_on_stop:
            self.consents = [
                replace(c, revoked_at=self.now) if c.channel is Channel.SMS else c
                for c in self.consents
            ]
        if outcome.consent_given:
            self.consents.append(
                ConsentRecord(
                    Channel.SMS,
                    ConsentPurpose.SERVICE,
                    self.now,
                    ConsentMethod.KEYWORD_OPTIN,
                    None,
                    self.brand_id,
                )
            )
        if outcome.reply is not None:
            assert outcome.reply_kind is not None
            self.deliver(Delivery(self.now, Channel.SMS, outcome.reply_kind.value))

        # The oracle: what a person expects from this text.
        expected: str | None = None
        if label == "opt_out" and subscribed_before:
            expected = ReplyKind.OPT_OUT_CONFIRMATION.value
            self.truth_opted_out = True
            for consent in self.truth_consents:
                if consent.channel is Channel.SMS:
                    consent.revoked = True
        elif label == "help" and subscribed_before:
            expected = ReplyKind.HELP.value
        elif label == "opt_in" and not subscribed_before:
            expected = ReplyKind.OPT_IN_CONFIRMATION.value
            self.truth_opted_out = False
            self.truth_consents.append(
                OracleConsent(Channel.SMS, ConsentPurpose.SERVICE, False, self.now)
            )
        got = None if outcome.reply_kind is None else outcome.reply_kind.value
        assert got == expected, (text, label, subscribed_before, got)

    def end_contract(self) -> None:
        if self.kind is not PartyKind.STAFF and self.contract_status is not None:
            self.contract_status = ContractStatus.ENDED

    def sign_contract(self) -> None:
        if self.kind is PartyKind.PROSPECT or self.contract_status is ContractStatus.ENDED:
            if self.kind is PartyKind.PROSPECT:
                self.kind = PartyKind.CLIENT_CONTACT
            self.contract_status = ContractStatus.ACTIVE
            self.contract_started_at = self.now

    def place_with_agency(self) -> None:
        if self.kind is PartyKind.PATIENT:
            self.placed_with_agency = True

    def attempt(
        self,
        channel: Channel,
        purpose: Purpose,
        body_kind: str,
        right_sender: bool,
        as_reply: bool,
        subject: str,
    ) -> bool:
        """Ask the gate; hand the message to the channel when allowed. True if it went."""
        brand = self.brand_name
        good = (
            f"{brand}: about your {purpose.value}, see https://portal.acme.example/m/1. "
            "Unsubscribe in the portal. Reply STOP to opt out."
        )
        body = {
            "good": good,
            "no_stop": f"{brand}: about your {purpose.value}. Unsubscribe in the portal.",
            "shortener": good + " Or bit.ly/2abc",
            "forbidden": good + " Ask about payday loans.",
            "no_brand": "About your account. Unsubscribe in the portal. Reply STOP to opt out.",
        }[body_kind]
        sender, on_behalf = brand, self.brand_id
        if not right_sender:
            swapped_to_company = self.kind is PartyKind.PATIENT
            sender = COMPANY if swapped_to_company else PRACTICE
            on_behalf = None if swapped_to_company else CLINIC
        message = OutboundMessage(
            channel=channel,
            purpose=purpose,
            body=body,
            sender_brand=sender,
            on_behalf_of_client_id=on_behalf,
            in_reply_to_inbound_at=self.last_inbound_at if as_reply else None,
            subject=subject,
        )
        decision = may_send_message(
            self.party(),
            message,
            settings=replace(SETTINGS, promotional_messages_enabled=self.marketing_enabled),
            history=SendHistory(tuple(self.history)),
            now=self.now,
        )
        if not decision.allowed:
            if decision.next_allowed_at is not None:
                assert decision.next_allowed_at > self.now
                assert all(reason.timing for reason in decision.reasons)
            return False
        self.check_policy(message, body_kind, right_sender)
        self.history.append(SentMessage(self.now, channel, purpose, subject))
        self.deliver(Delivery(self.now, channel, "policy", purpose))
        return True

    def deliver(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if delivery.channel is Channel.SMS:
            self.timeline.append(("sent", delivery.kind, True))

    # --- the oracle's policy, restated --------------------------------------------------

    def has_consent(self, channel: Channel, purpose: ConsentPurpose, written: bool) -> bool:
        for consent in self.truth_consents:
            if consent.channel is not channel or consent.purpose is not purpose:
                continue
            if consent.revoked or (written and not consent.written):
                continue
            is_client = self.kind in (PartyKind.CLIENT_CONTACT, PartyKind.PROVIDER)
            if channel is Channel.SMS and is_client:
                started = self.contract_started_at
                if started is None or consent.given_at < started:
                    continue
            return True
        return False

    def check_policy(self, message: OutboundMessage, body_kind: str, right_sender: bool) -> None:
        channel, purpose, now = message.channel, message.purpose, self.now
        assert purpose in PURPOSES_FOR_KIND[self.kind]
        if channel is Channel.SMS:
            assert self.kind is not PartyKind.PROSPECT
            assert self.contract_status is not ContractStatus.PROSPECT
            assert not self.truth_opted_out, "texted someone who opted out"
            assert purpose is Purpose.STAFF or "reply stop to opt out" in message.body.lower()
        if self.contract_status is ContractStatus.ENDED:
            assert self.kind is not PartyKind.PATIENT
            assert purpose is not Purpose.MARKETING
            assert message.in_reply_to_inbound_at is not None
            assert timedelta(0) <= now - message.in_reply_to_inbound_at <= timedelta(hours=24)
        if self.placed_with_agency:
            assert purpose is not Purpose.BILLING
        if purpose is Purpose.MARKETING:
            assert self.marketing_enabled
            assert self.kind is not PartyKind.PATIENT
            assert self.has_consent(channel, ConsentPurpose.MARKETING, written=True)
        else:
            assert self.has_consent(channel, ConsentPurpose.SERVICE, written=False)
        assert body_kind in ("good", "no_stop")
        assert right_sender
        # Quiet hours in every zone the person may be in; 8 p.m. for Florida marketing
        # calls and texts (the Florida statute is about telephonic sales, not email).
        florida_sales = (
            purpose is Purpose.MARKETING
            and channel in (Channel.SMS, Channel.VOICE)
            and "FL" in self.profile.states
        )
        closes = 20 if florida_sales else 21
        texas_sales = (
            purpose is Purpose.MARKETING
            and channel in (Channel.SMS, Channel.VOICE)
            and "TX" in self.profile.states
        )
        for zone in self.profile.zones:
            local = now.astimezone(ZoneInfo(zone))
            assert 8 <= local.hour < closes, (zone, local)
            if texas_sales:  # Mon–Sat from 9, Sunday from noon
                assert local.hour >= (12 if local.weekday() == 6 else 9), (zone, local)
        # Caps: 3 a day per channel and 10 a week of texts (staff messages exempt).
        if purpose is not Purpose.STAFF:
            same_channel = [
                d
                for d in self.deliveries
                if d.kind == "policy" and d.channel is channel and d.purpose is not Purpose.STAFF
            ]
            assert sum(1 for d in same_channel if d.at > now - timedelta(hours=24)) < 3
            if channel is Channel.SMS:
                assert sum(1 for d in same_channel if d.at > now - timedelta(days=7)) < 10

    def check_opt_out_silence(self) -> None:
        """After each opt-out while subscribed: one confirmation, then no text until opt-in."""
        for index, (what, label, subscribed_before) in enumerate(self.timeline):
            if what != "inbound" or label != "opt_out" or not subscribed_before:
                continue
            after: list[str] = []
            for later_what, later_kind, _ in self.timeline[index + 1 :]:
                if later_what != "sent":
                    continue
                if later_kind == ReplyKind.OPT_IN_CONFIRMATION.value:
                    break
                after.append(later_kind)
            assert after == [ReplyKind.OPT_OUT_CONFIRMATION.value], after


def new_world(
    profile_name: str,
    start: datetime,
    channels: frozenset[Channel] = frozenset(Channel),
    marketing_channels: frozenset[Channel] = frozenset(),
) -> World:
    profile = PROFILES[profile_name]
    kind = profile.kind
    status = {
        PartyKind.PATIENT: ContractStatus.ACTIVE,
        PartyKind.CLIENT_CONTACT: ContractStatus.ACTIVE,
        PartyKind.PROVIDER: ContractStatus.ACTIVE,
        PartyKind.PROSPECT: None,
        PartyKind.STAFF: None,
    }[kind]
    started = start - timedelta(days=60) if status is ContractStatus.ACTIVE else None
    world = World(
        profile=profile,
        now=start - timedelta(days=30),
        kind=kind,
        contract_status=status,
        contract_started_at=started,
        consents=[],
        sms_state=SubscriptionState(
            channel=Channel.SMS,
            brand_client_id=CLINIC if kind is PartyKind.PATIENT else None,
            brand_name=PRACTICE if kind is PartyKind.PATIENT else COMPANY,
        ),
    )
    # Consents on file from before. A prospect's contact form may even have had an SMS
    # box ticked: the prospect is still never texted, and a client must consent again.
    for channel in sorted(channels):
        world.give_consent(channel, ConsentPurpose.SERVICE, written=True)
    for channel in sorted(marketing_channels):
        world.give_consent(channel, ConsentPurpose.MARKETING, written=True)
    world.now = start
    return world


channels = st.sampled_from(list(Channel))
attempts = st.tuples(
    st.just("attempt"),
    channels,
    # A number picks a purpose that fits the person (most attempts are meant to go out).
    st.integers(0, 5) | st.integers(0, 5) | st.sampled_from(list(Purpose)),
    st.sampled_from(BODY_KINDS),
    st.sampled_from([True, True, True, False]),
    st.booleans(),
    st.sampled_from(["account:A1", "account:B2", "campaign:c1"]),
)
inbounds = st.tuples(st.just("inbound"), st.integers(0, len(INBOUND) - 1))
# Mostly minutes, sometimes a day and a half: the clock walks in and out of quiet hours.
advances = st.tuples(st.just("advance"), st.integers(1, 120) | st.integers(1, 36 * 60))
events = st.one_of(
    attempts,
    attempts,
    attempts,
    attempts,
    attempts,
    inbounds,
    inbounds,
    advances,
    advances,
    st.tuples(st.just("consent"), channels, st.sampled_from(list(ConsentPurpose)), st.booleans()),
    st.tuples(st.just("end_contract")),
    st.tuples(st.just("sign_contract")),
    st.tuples(st.just("toggle_marketing")),
    st.tuples(st.just("place_with_agency")),
    st.tuples(st.just("place_with_agency")),
    # Several attempts in a row, to push against the caps.
    st.tuples(st.just("burst"), channels, st.integers(2, 6)),
)
STARTS = [
    datetime(2026, 6, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 6, 0, 0, tzinfo=UTC),  # DST starts Sunday March 8
    datetime(2026, 10, 29, 0, 0, tzinfo=UTC),  # DST ends Sunday November 1
]


def fitting_purposes(kind: PartyKind) -> list[Purpose]:
    """The purposes that fit a kind of person, marketing last (it is rarely allowed)."""
    return sorted(PURPOSES_FOR_KIND[kind], key=lambda p: (p is Purpose.MARKETING, p.value))


def run(world: World, script: list[tuple[Any, ...]]) -> World:
    for event in script:
        name = event[0]
        if name == "consent":
            _, channel, purpose, written = event
            world.give_consent(channel, purpose, written)
        elif name == "inbound":
            text, label = INBOUND[event[1]]
            world.inbound(text, label)
        elif name == "advance":
            world.now += timedelta(minutes=event[1])
        elif name == "end_contract":
            world.end_contract()
        elif name == "sign_contract":
            world.sign_contract()
        elif name == "toggle_marketing":
            world.marketing_enabled = not world.marketing_enabled
        elif name == "place_with_agency":
            world.place_with_agency()
        elif name == "attempt":
            _, channel, purpose, body_kind, right_sender, as_reply, subject = event
            if isinstance(purpose, int):
                fitting = fitting_purposes(world.kind)
                purpose = fitting[purpose % len(fitting)]
            world.attempt(channel, purpose, body_kind, right_sender, as_reply, subject)
        elif name == "burst":
            _, channel, count = event
            purpose = fitting_purposes(world.kind)[0]
            for _ in range(count):
                world.attempt(channel, purpose, "good", True, False, "account:A1")
                world.now += timedelta(minutes=7)
    world.check_opt_out_silence()
    return world


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    profile_name=st.sampled_from(sorted(PROFILES)),
    start=st.sampled_from(STARTS),
    # Mostly from 15:00 UTC, when the day has begun in every continental zone.
    offset_minutes=st.integers(15 * 60, 24 * 60) | st.integers(0, 3 * 24 * 60),
    script=st.lists(events, min_size=25, max_size=100),
    consented=st.just(frozenset(Channel)) | st.frozensets(st.sampled_from(list(Channel))),
    marketing=st.frozensets(st.sampled_from(list(Channel))),
    revoke_consents_on_stop=st.booleans(),
)
def test_no_forbidden_message_ever_reaches_a_channel(
    profile_name, start, offset_minutes, script, consented, marketing, revoke_consents_on_stop
):
    begin = start + timedelta(minutes=offset_minutes)
    world = new_world(profile_name, begin, consented, marketing)
    world.revoke_consents_on_stop = revoke_consents_on_stop
    run(world, script)


# --- the simulator is not vacuous: fixed scripts where messages do go out --------------------


def test_simulator_delivers_what_the_policy_allows_and_silences_after_stop():
    ten_am_eastern = datetime(2026, 6, 2, 14, 0, tzinfo=UTC)
    world = new_world("patient_ny", ten_am_eastern)
    run(
        world,
        [
            ("attempt", Channel.SMS, Purpose.BILLING, "good", True, False, "account:A1"),
            ("inbound", 14),  # HELP
            ("inbound", 0),  # STOP
            ("attempt", Channel.SMS, Purpose.APPOINTMENT, "good", True, False, "account:A1"),
            ("inbound", 1),  # stop again: no second confirmation
            ("inbound", 14),  # HELP while opted out: no answer
            ("attempt", Channel.VOICE, Purpose.APPOINTMENT, "good", True, False, "account:A1"),
            ("inbound", 16),  # START
            ("advance", 60),
            ("attempt", Channel.SMS, Purpose.APPOINTMENT, "good", True, False, "account:A1"),
        ],
    )
    kinds = [(d.channel.value, d.kind) for d in world.deliveries]
    assert kinds == [
        ("sms", "policy"),
        ("sms", "help"),
        ("sms", "opt_out_confirmation"),
        ("voice", "policy"),  # an SMS opt-out does not stop calls (until revoke-all, 2027)
        ("sms", "opt_in_confirmation"),
        ("sms", "policy"),
    ]


def test_simulator_lead_is_called_then_texted_only_after_signing_and_consenting():
    noon_eastern = datetime(2026, 6, 2, 16, 0, tzinfo=UTC)
    world = new_world("prospect_fl", noon_eastern, frozenset({Channel.VOICE, Channel.SMS}))
    sms = ("attempt", Channel.SMS, Purpose.SERVICE, "good", True, False, "x")
    run(
        world,
        [
            sms,
            ("attempt", Channel.VOICE, Purpose.SERVICE, "good", True, False, "x"),
            ("sign_contract",),
            sms,  # signed, but the SMS consent is from before the contract
            ("consent", Channel.SMS, ConsentPurpose.SERVICE, True),
            sms,
            ("end_contract",),
            ("advance", 30),
            sms,  # contract over
            ("inbound", 19),  # "what do I owe?"
            ("attempt", Channel.SMS, Purpose.SERVICE, "good", True, True, "x"),  # reply: allowed
        ],
    )
    kinds = [(d.channel.value, d.kind) for d in world.deliveries]
    assert kinds == [("voice", "policy"), ("sms", "policy"), ("sms", "policy")]


# --- each obstacle alone stops a message that would otherwise go out ---------------------------

OBSTACLES = (
    "still_a_lead",
    "stop",
    "free_text_stop",
    "contract_ended",
    "agency",
    "marketing_off",
    "marketing_revoked",
    "night",
    "cap",
    "wrong_sender",
    "shortener",
    "forbidden",
    "no_opt_out_text",
)
AFTERNOONS = [
    datetime(2026, 6, 2, 17, 0, tzinfo=UTC),  # Tuesday 13:00 EDT, 10:00 PDT
    datetime(2026, 11, 3, 18, 0, tzinfo=UTC),  # Tuesday 13:00 EST, just after DST ended
    datetime(2026, 3, 10, 17, 0, tzinfo=UTC),  # Tuesday 13:00 EDT, just after DST began
]


@settings(max_examples=200, deadline=None)
@given(
    profile_name=st.sampled_from(sorted(PROFILES)),
    afternoon=st.sampled_from(AFTERNOONS),
    offset_minutes=st.integers(0, 180),
    obstacle=st.sampled_from(OBSTACLES),
)
def test_each_obstacle_alone_stops_a_message_that_would_go_out(
    profile_name, afternoon, offset_minutes, obstacle
):
    """The same attempt twice: once in a world where it goes out, once after one event
    that the policy says must stop it. Proves no rule is dead and none leans on another."""
    marketing = obstacle in ("marketing_off", "marketing_revoked")
    if obstacle == "still_a_lead":
        profile_name = "prospect_fl"
    elif profile_name == "prospect_fl":
        return  # a lead is never texted at all: nothing else to stop
    world = new_world(profile_name, afternoon + timedelta(minutes=offset_minutes))
    lead = None
    if obstacle == "still_a_lead":
        # The contact form had an SMS box ticked; the lead is still never texted. The
        # baseline is the same person once signed and consenting again as a client.
        world.give_consent(Channel.SMS, ConsentPurpose.SERVICE, written=True)
        lead, world = world, copy.deepcopy(world)
        world.sign_contract()
        world.now += timedelta(minutes=1)
        world.give_consent(Channel.SMS, ConsentPurpose.SERVICE, written=True)
    if marketing and world.kind not in (PartyKind.CLIENT_CONTACT, PartyKind.PROVIDER):
        return  # only clients may get marketing (patients and staff never: covered above)
    if marketing:
        world.give_consent(Channel.SMS, ConsentPurpose.MARKETING, written=True)
        world.marketing_enabled = True
    purpose = Purpose.MARKETING if marketing else fitting_purposes(world.kind)[0]
    if obstacle == "agency" and world.kind is not PartyKind.PATIENT:
        return
    if obstacle == "agency":
        purpose = Purpose.BILLING
    attempt: dict[str, Any] = {
        "channel": Channel.SMS,
        "purpose": purpose,
        "body_kind": "good",
        "right_sender": True,
        "as_reply": False,
        "subject": "account:A1",
    }
    assert copy.deepcopy(world).attempt(**attempt), "the baseline message must be allowed"

    if obstacle == "still_a_lead":
        assert lead is not None
        world = lead
    elif obstacle == "stop":
        world.inbound("STOP", "opt_out")
    elif obstacle == "free_text_stop":
        world.inbound("please stop texting me", "opt_out")
    elif obstacle == "contract_ended":
        if world.kind is PartyKind.STAFF:
            return
        world.end_contract()
    elif obstacle == "agency":
        world.place_with_agency()
    elif obstacle == "marketing_off":
        world.marketing_enabled = False
    elif obstacle == "marketing_revoked":
        world.inbound("STOP", "opt_out")
        world.inbound("START", "opt_in")  # back in for service texts, not for marketing
    elif obstacle == "night":
        world.now += timedelta(hours=10)  # 23:00–02:00 on the East Coast
    elif obstacle == "cap":
        if purpose is Purpose.STAFF:
            return  # staff messages are not capped
        for _ in range(3):
            assert world.attempt(**attempt)
            world.now += timedelta(minutes=1)
    elif obstacle == "wrong_sender":
        attempt["right_sender"] = False
    elif obstacle in ("shortener", "forbidden"):
        attempt["body_kind"] = obstacle
    elif obstacle == "no_opt_out_text":
        if purpose is Purpose.STAFF:
            return  # staff texts need no opt-out text
        attempt["body_kind"] = "no_stop"
    assert not world.attempt(**attempt), obstacle
    world.check_opt_out_silence()
