"""Random sequences of events, through the Django services, never get a forbidden message
to a channel, and every STOP gets exactly one confirmation.

Events: consent given (service or marketing, to anyone, including a prospect), inbound
STOP / free-text revocation / HELP / START / chatter, the client's contract ending, the
lead converted (to a client under contract or to one still a prospect), the clock moving
(through quiet hours), marketing switched on and off, and sends (service, marketing,
billing, replies). A spy sits on the one function that hands messages to a channel
(``services._deliver``); an oracle written here, independently of the gate, says for
every handed message whether the policy allows it at that moment.

More examples: ``OPENRCM_PROPERTY_EXAMPLES=500 pytest .../test_policy_property.py``.
"""

from __future__ import annotations

import datetime
import os
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrcm.clients.models import ContractStatus
from openrcm.clients.services import client_contact_create, contract_transition
from openrcm.core.errors import ValidationFailed
from openrcm.core.testing import TEST_ACTOR, make_patient
from openrcm.messaging import services
from openrcm.messaging.models import Message, MessageKind, Party

from .conftest import daytime_after, make_practice, next_phone

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")
EXAMPLES = int(os.environ.get("OPENRCM_PROPERTY_EXAMPLES", "25"))

TARGETS = ("contact", "patient", "prospect", "converted")
STOP_WORDS = ("STOP", "stop", "Unsubscribe", "please stop texting me", "wrong number")
OTHER_WORDS = ("HELP", "START", "thanks, got it", "yes")

sends = st.tuples(
    st.just("send"),
    st.sampled_from(TARGETS),
    st.sampled_from(("service", "marketing", "billing", "appointment")),
    st.booleans(),  # as a reply to the party's last inbound message
)
events = st.one_of(
    sends,
    sends,  # twice: sends are what the property is about
    st.tuples(
        st.just("consent"), st.sampled_from(TARGETS), st.sampled_from(("service", "marketing"))
    ),
    st.tuples(
        st.just("inbound"), st.sampled_from(TARGETS), st.sampled_from(STOP_WORDS + OTHER_WORDS)
    ),
    st.tuples(st.just("contract_ended")),
    st.tuples(st.just("convert"), st.sampled_from(("active", "prospect"))),
    st.tuples(st.just("clock"), st.integers(min_value=1, max_value=13)),
    st.tuples(st.just("marketing"), st.booleans()),
)


@dataclass
class Model:
    """What the policy says, kept by the test from the events alone."""

    now: datetime.datetime
    marketing: bool = False
    contract_ended: bool = False
    converted_to: str | None = None  # "active" or "prospect"
    service_consent: set[str] = field(default_factory=set)  # targets with SMS consent
    marketing_consent: set[str] = field(default_factory=set)
    opted_out: set[str] = field(default_factory=set)  # phones (by target group) opted out
    last_inbound_at: dict[str, datetime.datetime] = field(default_factory=dict)

    @staticmethod
    def phone_group(target: str) -> str:
        return "lead" if target in ("prospect", "converted") else target

    def quiet(self) -> bool:
        return not 8 <= self.now.astimezone(NEW_YORK).hour < 21

    def allows(self, target: str, purpose: str, reply_to_at: datetime.datetime | None) -> list[str]:
        """Why the policy forbids this text now (empty: allowed)."""
        problems = []
        if target == "prospect":
            problems.append("prospects are never texted")
        if target == "converted" and self.converted_to != "active":
            problems.append("a converted lead's client has no active contract")
        if target not in self.service_consent and purpose != "marketing":
            problems.append("no SMS consent in force")
        if self.phone_group(target) in self.opted_out:
            problems.append("opted out")
        if purpose == "marketing":
            if not self.marketing:
                problems.append("marketing switched off")
            if target not in self.marketing_consent:
                problems.append("no marketing consent")
            if target == "patient":
                problems.append("patients never get marketing")
        under_contract_a = target in ("contact", "patient") or (
            target == "converted" and self.converted_to == "active"
        )
        if under_contract_a and self.contract_ended:
            in_window = (
                reply_to_at is not None
                and purpose != "marketing"
                and target != "patient"
                and datetime.timedelta(0) <= self.now - reply_to_at <= datetime.timedelta(hours=24)
            )
            if not in_window:
                problems.append("contract ended")
        if self.quiet():
            problems.append("quiet hours")
        return problems


def _body(party: Party, n: int) -> str:
    brand = str(party.client.legal_name) if party.patient_id and party.client else "Acme Billing"
    return f"{brand}: work update {n} is ready in your portal. Reply STOP to opt out."


def test_no_forbidden_message_reaches_a_channel(db, monkeypatch):
    stats: Counter[str] = Counter()
    handed: list = []
    original = services._deliver

    def spy(message):
        handed.append(message)
        return original(message)

    monkeypatch.setattr(services, "_deliver", spy)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=os.environ.get("CI") == "true",
    )
    @given(st.booleans(), st.lists(events, min_size=1, max_size=18))
    def run(consented, sequence):
        with transaction.atomic():
            _run(consented, sequence, handed, stats)
            transaction.set_rollback(True)

    run()
    # The property is not vacuous: sends went out, were refused, and STOPs were confirmed.
    assert stats["ordinary_sent"] > 0, stats
    assert stats["refused"] > 0, stats
    assert stats["confirmations"] > 0, stats


def _run(consented: bool, sequence, handed, stats) -> None:
    client, contract = make_practice(legal_name="Riverbend Family Medicine PC")
    prospect_client, _ = make_practice(active=False)
    contact = client_contact_create(
        actor=TEST_ACTOR, client=client, name="Grace Holloway", kind="manager", phone=next_phone()
    )
    parties: dict[str, Party] = {
        "contact": services.party_ensure(actor=TEST_ACTOR, client_contact=contact),
        "patient": services.party_ensure(
            actor=TEST_ACTOR, patient=make_patient(client, phone=next_phone())
        ),
    }
    lead = services.lead_submit(name="Jordan Vale", phone=next_phone("303"), consent=True)
    parties["prospect"] = Party.objects.get(lead=lead)
    model = Model(now=daytime_after(timezone.now(), hour=9))
    last_inbound: dict[str, Message] = {}
    counter = 0
    if consented:  # start from a client contact and a patient who agreed to texts
        _consent(parties["contact"], "contact", "service", model)
        _consent(parties["patient"], "patient", "service", model)

    for event in sequence:
        kind = event[0]
        handed.clear()
        with override_settings(OPENRCM_MESSAGING_MARKETING=model.marketing):
            if kind == "clock":
                model.now += datetime.timedelta(hours=event[1])
            elif kind == "marketing":
                model.marketing = event[1]
            elif kind == "contract_ended" and not model.contract_ended:
                contract_transition(
                    actor=TEST_ACTOR,
                    contract=contract,
                    to=ContractStatus.ENDED,
                    on=model.now.date(),
                )
                model.contract_ended = True
            elif kind == "convert" and model.converted_to is None:
                target_client = client if event[1] == "active" else prospect_client
                if event[1] == "active" and model.contract_ended:
                    continue
                parties["converted"] = services.lead_convert(
                    actor=TEST_ACTOR, lead=lead, client=target_client, now=model.now
                )
                model.converted_to = event[1]
            elif kind == "consent" and event[1] in parties:
                _consent(parties[event[1]], event[1], event[2], model)
            elif kind == "inbound" and event[1] in parties:
                _inbound(parties, event[1], event[2], model, last_inbound, handed, stats)
            elif kind == "send" and event[1] in parties:
                counter += 1
                target, purpose, as_reply = event[1], event[2], event[3]
                party = parties[target]
                reply_to = last_inbound.get(target) if as_reply else None
                outcome = services.message_send(
                    actor=TEST_ACTOR,
                    party=party,
                    purpose=purpose,
                    body=_body(party, counter),
                    in_reply_to=reply_to,
                    now=model.now,
                )
                reply_at = model.last_inbound_at.get(target) if reply_to is not None else None
                problems = model.allows(target, purpose, reply_at)
                if target in ("contact", "converted") and purpose not in ("service", "marketing"):
                    problems.append("not a purpose for a client contact")
                if target == "patient" and purpose == "service":
                    problems.append("not a purpose for a patient")
                if outcome.sent:
                    assert handed == [outcome.message]
                    assert not problems, (
                        f"{target} got a {purpose} text at {model.now} although: {problems}"
                    )
                    stats["ordinary_sent"] += 1
                else:
                    assert handed == []
                    stats["refused"] += 1
        if kind not in ("send", "inbound"):
            assert handed == [], (event, handed)


def _consent(party: Party, target: str, purpose: str, model: Model) -> None:
    method = "web_form" if purpose == "marketing" else "verbal_recorded_call"
    try:
        services.consent_record(
            actor=TEST_ACTOR,
            party=party,
            channel="sms",
            purpose=purpose,
            method=method,
            text_shown="Acme Billing may text you about your account.",
            evidence_kind="call_note",
            evidence="recorded call",
            given_at=model.now,
            now=model.now,
        )
    except ValidationFailed:
        return  # refused: a prospect, a client not under contract, marketing to a patient
    consents = model.marketing_consent if purpose == "marketing" else model.service_consent
    consents.add(target)


def _inbound(parties, target, text, model: Model, last_inbound, handed, stats) -> None:
    party = parties[target]
    outcome = services.inbound_simulate(actor=TEST_ACTOR, party=party, body=text, now=model.now)
    speaker = outcome.inbound.party
    assert speaker is not None
    speaker_target = next((t for t, p in parties.items() if p.pk == speaker.pk), target)
    last_inbound[speaker_target] = outcome.inbound
    model.last_inbound_at[speaker_target] = model.now
    group = model.phone_group(target)
    kinds = [m.kind for m in handed]
    is_stop = text in STOP_WORDS
    if is_stop and group not in model.opted_out:
        # Exactly one confirmation, to this STOP; consent for that number is gone.
        assert kinds == [MessageKind.OPT_OUT_CONFIRMATION], (text, kinds)
        stats["confirmations"] += 1
        model.opted_out.add(group)
        sharing = [t for t in parties if model.phone_group(t) == group]
        model.service_consent -= set(sharing)
        model.marketing_consent -= set(sharing)
    elif is_stop:
        assert kinds == [], (text, kinds)  # already opted out: no second confirmation
    elif text == "START" and group in model.opted_out:
        assert kinds == [MessageKind.OPT_IN_CONFIRMATION]
        model.opted_out.discard(group)
        if speaker.kind != "prospect":
            model.service_consent.add(speaker_target)
    elif text == "HELP":
        assert kinds == ([] if group in model.opted_out else [MessageKind.HELP])
    else:
        assert kinds == [], (text, kinds)
