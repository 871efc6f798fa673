"""Each rule of the communications policy gate: one allowed and one refused case (at least)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from openrcm.rules.messaging import (
    Channel,
    ConsentMethod,
    ConsentPurpose,
    ConsentRecord,
    ContractStatus,
    Decision,
    OutboundMessage,
    Party,
    PartyKind,
    PolicySettings,
    Purpose,
    SendHistory,
    SentMessage,
    SubscriptionState,
    SubscriptionStatus,
    may_send_message,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 2, 15, 0, tzinfo=UTC)  # Tuesday 11:00 in New York, 08:00 in Los Angeles
LONG_AGO = NOW - timedelta(days=90)
SETTINGS = PolicySettings(
    company_name="Acme Billing", help_phone="(212) 555-0100", help_email="help@acme.example"
)
MARKETING_ON = replace(SETTINGS, promotional_messages_enabled=True)
PRACTICE = "Sunrise Pediatrics"
STOP = "Reply STOP to opt out."


def consent(
    channel=Channel.SMS,
    purpose=ConsentPurpose.SERVICE,
    method=ConsentMethod.INTAKE_PORTAL,
    brand=None,
    given_at=LONG_AGO,
    revoked_at=None,
):
    return ConsentRecord(
        channel=channel,
        purpose=purpose,
        given_at=given_at,
        method=method,
        revoked_at=revoked_at,
        brand_client_id=brand,
    )


def patient(**changes) -> Party:
    base = Party(
        party_id="pat-1",
        kind=PartyKind.PATIENT,
        phone="+12125550101",
        email="pat@example.com",
        state="NY",
        zip_code="10001",
        client_id="clinic-1",
        client_brand=PRACTICE,
        contract_status=ContractStatus.ACTIVE,
        consents=(
            consent(brand="clinic-1"),
            consent(channel=Channel.EMAIL, brand="clinic-1"),
            consent(channel=Channel.VOICE, brand="clinic-1"),
        ),
    )
    return replace(base, **changes)


def billing_text(**changes) -> OutboundMessage:
    base = OutboundMessage(
        channel=Channel.SMS,
        purpose=Purpose.BILLING,
        body=f"{PRACTICE}: a statement of $40.00 is ready at https://pay.sunrise.example/s. {STOP}",
        sender_brand=PRACTICE,
        on_behalf_of_client_id="clinic-1",
        subject="account:A1",
    )
    return replace(base, **changes)


def client_contact(**changes) -> Party:
    base = Party(
        party_id="cc-1",
        kind=PartyKind.CLIENT_CONTACT,
        phone="+12125550102",
        email="office@sunrise.example",
        state="NY",
        client_id="clinic-1",
        client_brand=PRACTICE,
        contract_status=ContractStatus.ACTIVE,
        contract_started_at=LONG_AGO,
        consents=(
            consent(given_at=LONG_AGO + timedelta(days=1)),
            consent(channel=Channel.VOICE),
            consent(channel=Channel.EMAIL),
        ),
    )
    return replace(base, **changes)


def company_text(**changes) -> OutboundMessage:
    base = OutboundMessage(
        channel=Channel.SMS,
        purpose=Purpose.SERVICE,
        body=f"Acme Billing: your May denial report is ready in the portal. {STOP}",
        sender_brand="Acme Billing",
    )
    return replace(base, **changes)


NO_HISTORY = SendHistory()


def decide(party, message, *, settings=SETTINGS, history=NO_HISTORY, now=NOW) -> Decision:
    return may_send_message(party, message, settings=settings, history=history, now=now)


def assert_allowed(decision: Decision) -> None:
    assert decision.allowed, decision.explain()
    assert decision.reasons == ()


def assert_refused(decision: Decision, code: str) -> None:
    assert not decision.allowed
    assert code in decision.codes, decision.explain()


# --- the baselines that everything below breaks one way ---------------------------------------


def test_baselines_are_allowed():
    assert_allowed(decide(patient(), billing_text()))
    assert_allowed(decide(patient(), billing_text(purpose=Purpose.APPOINTMENT)))
    assert_allowed(decide(client_contact(), company_text()))
    staff = Party(
        "st-1",
        PartyKind.STAFF,
        phone="+12125550103",
        state="NY",
        consents=(consent(),),
    )
    assert_allowed(
        decide(staff, company_text(purpose=Purpose.STAFF, body="Acme Billing: on call tonight"))
    )


# --- address ---------------------------------------------------------------------------------


def test_no_phone_or_email():
    assert_refused(decide(patient(phone=None), billing_text()), "no_address")
    email = billing_text(channel=Channel.EMAIL, body=f"{PRACTICE}: statement ready. Unsubscribe")
    assert_allowed(decide(patient(), email))
    assert_refused(decide(patient(email=None), email), "no_address")


def test_invalid_phone():
    assert_refused(decide(patient(phone="+1555"), billing_text()), "invalid_phone")


# --- who is sent what --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("party", "purpose"),
    [
        (patient(), Purpose.SERVICE),
        (patient(), Purpose.STAFF),
        (client_contact(), Purpose.BILLING),
        (client_contact(), Purpose.APPOINTMENT),
        (client_contact(), Purpose.STAFF),
    ],
)
def test_purpose_must_fit_the_party(party, purpose):
    message = billing_text(purpose=purpose)
    if party.kind is PartyKind.CLIENT_CONTACT:
        message = company_text(purpose=purpose)
    assert_refused(decide(party, message), "purpose_not_for_party")


def test_prospect_is_called_never_texted():
    lead = Party(
        "lead-1",
        PartyKind.PROSPECT,
        phone="+13055550104",
        email="dr@lead.example",
        state="FL",
        consents=(
            consent(channel=Channel.VOICE, method=ConsentMethod.WEB_FORM),
            consent(channel=Channel.SMS, method=ConsentMethod.WEB_FORM),  # even if ticked
        ),
    )
    decision = decide(lead, company_text())
    assert_refused(decision, "prospect_sms")
    assert decision.next_allowed_at is None
    assert_allowed(decide(lead, company_text(channel=Channel.VOICE, body="")))
    # A client contact whose practice has not signed yet is a lead too.
    not_signed = client_contact(contract_status=ContractStatus.PROSPECT)
    assert_refused(decide(not_signed, company_text()), "prospect_sms")
    assert_allowed(decide(not_signed, company_text(channel=Channel.VOICE, body="")))


def test_converted_lead_needs_sms_consent_given_as_a_client():
    signed_at = NOW - timedelta(days=2)
    converted = client_contact(
        contract_started_at=signed_at, consents=(consent(given_at=signed_at - timedelta(days=9)),)
    )
    assert_refused(decide(converted, company_text()), "consent_missing")
    consented = replace(converted, consents=(consent(given_at=signed_at + timedelta(hours=1)),))
    assert_allowed(decide(consented, company_text()))
    unknown_start = replace(consented, contract_started_at=None)
    assert_refused(decide(unknown_start, company_text()), "consent_missing")


def test_contract_status_must_be_known():
    assert_refused(
        decide(client_contact(contract_status=None), company_text()), "contract_status_unknown"
    )


@pytest.mark.parametrize(
    ("inbound_ago", "allowed"),
    [
        (None, False),
        (timedelta(minutes=5), True),
        (timedelta(hours=23, minutes=59), True),
        (timedelta(hours=24), True),
        (timedelta(hours=24, seconds=1), False),
        (timedelta(hours=-1), False),  # "inbound" in the future is not a reply
    ],
)
def test_ended_contract_stops_everything_but_a_prompt_reply(inbound_ago, allowed):
    ended = client_contact(contract_status=ContractStatus.ENDED)
    inbound_at = None if inbound_ago is None else NOW - inbound_ago
    decision = decide(ended, company_text(in_reply_to_inbound_at=inbound_at))
    if allowed:
        assert_allowed(decision)
    else:
        assert_refused(decision, "contract_ended")


def test_ended_contract_reply_is_never_marketing():
    ended = client_contact(
        contract_status=ContractStatus.ENDED,
        consents=(consent(purpose=ConsentPurpose.MARKETING, method=ConsentMethod.WEB_FORM),),
    )
    message = company_text(purpose=Purpose.MARKETING, in_reply_to_inbound_at=NOW)
    assert_refused(decide(ended, message, settings=MARKETING_ON), "contract_ended")


def test_patients_of_a_practice_that_is_not_an_active_client_get_nothing():
    for status in (ContractStatus.ENDED, ContractStatus.PROSPECT, None):
        assert_refused(decide(patient(contract_status=status), billing_text()), "client_not_active")


def test_account_placed_with_agency_gets_no_more_billing_texts():
    placed = patient(placed_with_agency=True)
    assert_refused(decide(placed, billing_text()), "placed_with_agency")
    assert_allowed(decide(placed, billing_text(purpose=Purpose.APPOINTMENT)))


# --- marketing -------------------------------------------------------------------------------


def marketing_text(**changes) -> OutboundMessage:
    return company_text(
        purpose=Purpose.MARKETING,
        body=f"Acme Billing: our new credentialing service is live. {STOP}",
        subject="campaign:credentialing",
        **changes,
    )


def test_marketing_needs_the_switch_and_written_consent():
    written = consent(
        purpose=ConsentPurpose.MARKETING,
        method=ConsentMethod.WEB_FORM,
        given_at=LONG_AGO + timedelta(days=2),
    )
    contact = client_contact(consents=(*client_contact().consents, written))
    assert_allowed(decide(contact, marketing_text(), settings=MARKETING_ON))

    off = decide(contact, marketing_text())
    assert off.codes == {"marketing_disabled"}

    no_consent = decide(client_contact(), marketing_text(), settings=MARKETING_ON)
    assert no_consent.codes == {"marketing_consent_missing"}

    verbal = replace(written, method=ConsentMethod.VERBAL_STAFF_ATTESTED)
    contact_verbal = client_contact(consents=(*client_contact().consents, verbal))
    assert_refused(
        decide(contact_verbal, marketing_text(), settings=MARKETING_ON), "marketing_consent_missing"
    )
    revoked = replace(written, revoked_at=NOW - timedelta(days=1))
    contact_revoked = client_contact(consents=(*client_contact().consents, revoked))
    assert_refused(
        decide(contact_revoked, marketing_text(), settings=MARKETING_ON),
        "marketing_consent_missing",
    )


def test_patients_never_get_marketing():
    written = consent(
        purpose=ConsentPurpose.MARKETING, method=ConsentMethod.WEB_FORM, brand="clinic-1"
    )
    message = billing_text(
        purpose=Purpose.MARKETING, body=f"{PRACTICE}: 20% off teeth whitening! {STOP}"
    )
    decision = decide(patient(consents=(written,)), message, settings=MARKETING_ON)
    assert_refused(decision, "marketing_to_patient")


# --- consent and opt-out -----------------------------------------------------------------------


def test_consent_must_be_in_force_for_this_channel_and_sender():
    assert_refused(decide(patient(consents=()), billing_text()), "consent_missing")
    revoked = consent(brand="clinic-1", revoked_at=NOW - timedelta(hours=1))
    assert_refused(decide(patient(consents=(revoked,)), billing_text()), "consent_missing")
    other_brand = consent(brand="clinic-2")
    assert_refused(decide(patient(consents=(other_brand,)), billing_text()), "consent_missing")
    future = consent(brand="clinic-1", given_at=NOW + timedelta(hours=1))
    assert_refused(decide(patient(consents=(future,)), billing_text()), "consent_missing")
    email_only = consent(channel=Channel.EMAIL, brand="clinic-1")
    assert_refused(decide(patient(consents=(email_only,)), billing_text()), "consent_missing")


def test_a_number_given_for_a_debt_covers_that_debt_only():
    debt = consent(brand="clinic-1", method=ConsentMethod.PROVIDED_NUMBER_IN_DEBT_CONTEXT)
    assert_allowed(decide(patient(consents=(debt,)), billing_text()))
    assert_refused(
        decide(patient(consents=(debt,)), billing_text(purpose=Purpose.APPOINTMENT)),
        "consent_missing",
    )


def opted_out(channel=Channel.SMS, brand="clinic-1") -> SubscriptionState:
    return SubscriptionState(
        channel=channel, brand_client_id=brand, status=SubscriptionStatus.OPTED_OUT
    )


def test_opt_out_stops_that_sender_on_that_channel():
    assert_refused(decide(patient(subscriptions=(opted_out(),)), billing_text()), "opted_out")
    resubscribed = replace(opted_out(), status=SubscriptionStatus.SUBSCRIBED)
    assert_allowed(decide(patient(subscriptions=(resubscribed,)), billing_text()))
    # Another practice's opt-out does not stop this practice (per-brand scope)...
    assert_allowed(decide(patient(subscriptions=(opted_out(brand="clinic-2"),)), billing_text()))
    # ...unless the deployment chooses to make one opt-out stop every brand.
    every_brand = replace(SETTINGS, revoke_all_brands=True)
    assert_refused(
        decide(
            patient(subscriptions=(opted_out(brand="clinic-2"),)),
            billing_text(),
            settings=every_brand,
        ),
        "opted_out",
    )


def test_revoke_all_makes_an_sms_opt_out_stop_calls_from_jan_31_2027():
    party = patient(subscriptions=(opted_out(),))
    call = billing_text(channel=Channel.VOICE, body="")
    assert_allowed(decide(party, call))  # 2026: the opt-out is per channel
    in_2027 = datetime(2027, 1, 31, 16, 0, tzinfo=UTC)
    assert_refused(decide(party, call, now=in_2027), "opted_out")
    never = replace(SETTINGS, revoke_all_channels_from=None)
    assert_allowed(decide(party, call, now=in_2027, settings=never))


# --- sender ----------------------------------------------------------------------------------


def test_patient_balance_texts_go_out_in_the_practice_name():
    as_company = billing_text(
        sender_brand="Acme Billing", body=f"Acme Billing: you owe $40. {STOP}"
    )
    assert_refused(decide(patient(), as_company), "not_first_party")
    other_practice = billing_text(on_behalf_of_client_id="clinic-2")
    assert_refused(decide(patient(), other_practice), "not_first_party")
    assert_refused(decide(patient(client_brand=None), billing_text()), "brand_unknown")


def test_company_messages_go_out_in_the_company_name():
    as_practice = company_text(sender_brand=PRACTICE, body=f"{PRACTICE}: hello. {STOP}")
    assert_refused(decide(client_contact(), as_practice), "wrong_sender")
    for_a_practice = company_text(on_behalf_of_client_id="clinic-1")
    assert_refused(decide(client_contact(), for_a_practice), "wrong_sender")


def test_the_body_must_name_the_sender():
    anonymous = billing_text(body=f"Your statement of $40 is ready. {STOP}")
    assert_refused(decide(patient(), anonymous), "sender_not_identified")
    # Case and punctuation do not matter.
    assert_allowed(decide(patient(), billing_text(body=f"SUNRISE PEDIATRICS - hi. {STOP}")))


# --- content ---------------------------------------------------------------------------------


def test_empty_body():
    assert_refused(decide(patient(), billing_text(body="  ")), "empty_body")


def test_billing_texts_carry_the_opt_out_text():
    missing = billing_text(body=f"{PRACTICE}: your statement is ready.")
    decision = decide(patient(), missing)
    assert_refused(decision, "missing_opt_out_text")
    assert "1006.6(e)" in next(r.source for r in decision.reasons)
    assert_allowed(decide(patient(), billing_text(body=f"{PRACTICE}: hi. reply stop to OPT-OUT")))


def test_staff_texts_need_no_opt_out_text():
    staff = Party("st-1", PartyKind.STAFF, phone="+12125550103", state="NY", consents=(consent(),))
    message = company_text(purpose=Purpose.STAFF, body="Acme Billing: server down, call me")
    assert_allowed(decide(staff, message))


def test_billing_email_needs_an_unsubscribe():
    email = billing_text(channel=Channel.EMAIL, body=f"{PRACTICE}: your statement is ready.")
    assert_refused(decide(patient(), email), "missing_unsubscribe")
    fixed = replace(email, body=f"{PRACTICE}: statement ready. To unsubscribe, click here.")
    assert_allowed(decide(patient(), fixed))


@pytest.mark.parametrize(
    "body",
    [
        "Need a payday loan? We can help.",
        "Ask us about debt relief and credit repair.",
        "Remember to vote in the election on Tuesday.",
        "Happy hour: two beers for one.",
        "Visit our CBD shop.",
        "Quit vaping with our e-cig program.",
        "Enter our sweepstakes to win.",
        "Invest in crypto today.",
        "We sell leads for sale to partners: lead generation.",
    ],
)
def test_forbidden_categories(body):
    message = billing_text(purpose=Purpose.APPOINTMENT, body=f"{PRACTICE}: {body} {STOP}")
    decision = decide(patient(), message)
    assert_refused(decision, "forbidden_content")
    assert decision.next_allowed_at is None


@pytest.mark.parametrize(
    "link",
    [
        "bit.ly/3xYz",
        "https://tinyurl.com/abc",
        "http://t.co/x",
        "https://is.gd/q",
        "HTTPS://CUTT.LY/abc",
        "www.bit.ly/x",
        "shorturl.at/abc",
    ],
)
def test_public_link_shorteners_are_refused(link):
    message = billing_text(body=f"{PRACTICE}: pay at {link} {STOP}")
    assert_refused(decide(patient(), message), "link_shortener")


@pytest.mark.parametrize(
    "link", ["https://pay.sunrise.example/s/1", "https://bat.co/x", "https://not-bit.ly.example/"]
)
def test_own_and_lookalike_domains_are_not_shorteners(link):
    assert_allowed(decide(patient(), billing_text(body=f"{PRACTICE}: pay at {link} {STOP}")))


# --- quiet hours ------------------------------------------------------------------------------


def test_quiet_hours_in_the_recipient_zone_with_next_allowed_time():
    early = datetime(2026, 6, 2, 7, 30, tzinfo=NY)
    decision = decide(patient(), billing_text(), now=early)
    assert decision.codes == {"quiet_hours"}
    assert decision.next_allowed_at == datetime(2026, 6, 2, 8, 0, tzinfo=NY)
    assert_allowed(decide(patient(), billing_text(), now=datetime(2026, 6, 2, 8, 0, tzinfo=NY)))
    late = decide(patient(), billing_text(), now=datetime(2026, 6, 2, 21, 0, tzinfo=NY))
    assert late.next_allowed_at == datetime(2026, 6, 3, 8, 0, tzinfo=NY)


def test_quiet_hours_use_every_zone_the_recipient_may_be_in():
    idaho_phone = patient(phone="+12085550105")  # NY address, Boise/Pacific area code
    ten_eastern = datetime(2026, 6, 2, 10, 0, tzinfo=NY)  # 07:00 Pacific
    decision = decide(idaho_phone, billing_text(), now=ten_eastern)
    assert decision.codes == {"quiet_hours"}
    assert decision.next_allowed_at == datetime(2026, 6, 2, 11, 0, tzinfo=NY)
    assert_allowed(decide(patient(), billing_text(), now=ten_eastern))


def test_unknown_location_falls_back_to_every_continental_zone():
    nowhere = patient(phone=None, state=None, zip_code=None)
    email = billing_text(channel=Channel.EMAIL, body=f"{PRACTICE}: statement. Unsubscribe here")
    ten_eastern = datetime(2026, 6, 2, 10, 0, tzinfo=NY)
    decision = decide(nowhere, email, now=ten_eastern)
    assert decision.codes == {"quiet_hours"}
    assert decision.next_allowed_at == datetime(2026, 6, 2, 11, 0, tzinfo=NY)  # 08:00 Pacific
    assert_refused(
        decide(nowhere, email, now=datetime(2026, 6, 2, 21, 30, tzinfo=NY)), "quiet_hours"
    )


def florida_contact(**changes) -> Party:
    written = consent(
        purpose=ConsentPurpose.MARKETING,
        method=ConsentMethod.WEB_FORM,
        given_at=LONG_AGO + timedelta(days=2),
    )
    values = {"phone": "+13055550106", "state": "FL"} | changes
    return client_contact(consents=(*client_contact().consents, written), **values)


def test_florida_marketing_window_is_eight_to_eight():
    half_past_eight = datetime(2026, 6, 2, 20, 30, tzinfo=NY)
    decision = decide(
        florida_contact(), marketing_text(), settings=MARKETING_ON, now=half_past_eight
    )
    assert decision.codes == {"state_quiet_hours"}
    assert decision.next_allowed_at == datetime(2026, 6, 3, 9, 0, tzinfo=NY)  # 8:00 Central (FL)
    # The same time is fine for a service text (the state rule covers marketing only)...
    assert_allowed(decide(florida_contact(), company_text(), now=half_past_eight))
    # ...and for marketing to New York.
    new_york = florida_contact(phone="+12125550107", state="NY")
    assert_allowed(decide(new_york, marketing_text(), settings=MARKETING_ON, now=half_past_eight))


def test_florida_area_code_alone_brings_florida_rules():
    ny_address_fl_phone = florida_contact(state="NY")  # 305 area code
    evening = datetime(2026, 6, 2, 20, 30, tzinfo=NY)
    decision = decide(ny_address_fl_phone, marketing_text(), settings=MARKETING_ON, now=evening)
    assert_refused(decision, "state_quiet_hours")


def test_texas_marketing_waits_until_noon_on_sunday():
    texan = florida_contact(phone="+12145550108", state="TX")
    sunday_ten = datetime(2026, 6, 7, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    decision = decide(texan, marketing_text(), settings=MARKETING_ON, now=sunday_ten)
    assert decision.codes == {"state_quiet_hours"}
    # Noon in Mountain time (El Paso) is 13:00 Central.
    assert decision.next_allowed_at == datetime(2026, 6, 7, 18, 0, tzinfo=UTC)
    monday_ten = sunday_ten + timedelta(days=1)
    assert_allowed(decide(texan, marketing_text(), settings=MARKETING_ON, now=monday_ten))


# --- frequency caps ---------------------------------------------------------------------------


def sent(hours_ago: float, purpose=Purpose.BILLING, subject="account:A1", channel=Channel.SMS):
    return SentMessage(NOW - timedelta(hours=hours_ago), channel, purpose, subject)


def test_at_most_three_texts_per_day():
    two = SendHistory((sent(1), sent(2)))
    assert_allowed(decide(patient(), billing_text(), history=two))
    three = SendHistory((sent(1), sent(2), sent(3)))
    decision = decide(patient(), billing_text(), history=three)
    assert decision.codes == {"frequency_cap"}
    assert decision.next_allowed_at == NOW + timedelta(hours=21)  # the 3-hours-ago one expires
    old = SendHistory((sent(1), sent(2), sent(24)))
    assert_allowed(decide(patient(), billing_text(), history=old))


def test_at_most_ten_texts_per_week():
    week = SendHistory(tuple(sent(24 + 12 * i) for i in range(10)))
    assert_refused(decide(patient(), billing_text(), history=week), "frequency_cap")
    assert_allowed(
        decide(patient(), billing_text(), history=SendHistory(week.sent[:9])),
    )


def test_calls_and_emails_do_not_use_up_the_text_cap():
    calls = SendHistory(tuple(sent(i + 1, channel=Channel.VOICE) for i in range(3)))
    assert_allowed(decide(patient(), billing_text(), history=calls))


def test_florida_marketing_three_per_day_on_the_same_subject():
    no_general_caps = replace(MARKETING_ON, caps=())
    same = SendHistory(
        tuple(sent(h, Purpose.MARKETING, "campaign:credentialing") for h in (1, 2, 3))
    )
    decision = decide(florida_contact(), marketing_text(), settings=no_general_caps, history=same)
    assert decision.codes == {"state_frequency_cap"}
    other = SendHistory(tuple(sent(h, Purpose.MARKETING, "campaign:other") for h in (1, 2, 3)))
    assert_allowed(
        decide(florida_contact(), marketing_text(), settings=no_general_caps, history=other)
    )


def test_massachusetts_two_collection_contacts_per_week_per_debt():
    boston = patient(phone="+16175550109", state="MA", zip_code="02108")
    two = SendHistory((sent(30), sent(100)))
    decision = decide(boston, billing_text(), history=two)
    assert decision.codes == {"state_frequency_cap"}
    assert_allowed(decide(patient(), billing_text(), history=two))  # New York: no such rule
    other_debt = SendHistory((sent(30, subject="account:B2"), sent(100, subject="account:B2")))
    assert_allowed(decide(boston, billing_text(), history=other_debt))


# --- the decision itself ------------------------------------------------------------------------


def test_every_reason_is_listed_and_timing_only_gets_a_next_time():
    night = datetime(2026, 6, 2, 23, 0, tzinfo=NY)
    bad = billing_text(body="Cheap loans at bit.ly/x")
    decision = decide(patient(consents=()), bad, now=night)
    assert {
        "consent_missing",
        "sender_not_identified",
        "missing_opt_out_text",
        "forbidden_content",
        "link_shortener",
        "quiet_hours",
    } <= decision.codes
    assert decision.next_allowed_at is None
    assert all(reason.message and reason.source for reason in decision.reasons)


def test_next_allowed_at_covers_quiet_hours_and_caps_together():
    night = datetime(2026, 6, 2, 22, 0, tzinfo=NY)
    three = SendHistory(
        tuple(
            SentMessage(night - timedelta(hours=h), Channel.SMS, Purpose.BILLING) for h in (1, 2, 3)
        )
    )
    decision = decide(patient(), billing_text(), history=three, now=night)
    assert decision.codes == {"quiet_hours", "frequency_cap"}
    # The cap frees at 19:00 the next day (24 h after 19:00 tonight), inside the window.
    assert decision.next_allowed_at == datetime(2026, 6, 3, 19, 0, tzinfo=NY)


def test_naive_now_and_bad_settings_are_programming_errors():
    with pytest.raises(ValueError, match="aware"):
        decide(patient(), billing_text(), now=datetime(2026, 6, 2, 12, 0))  # noqa: DTZ001
    with pytest.raises(ValueError, match="HELP reply lacks"):
        replace(SETTINGS, help_text="Acme Billing: call us")
    with pytest.raises(ValueError, match="exactly when"):
        Decision(allowed=True, reasons=(decide(patient(consents=()), billing_text()).reasons))
