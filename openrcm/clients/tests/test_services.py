"""Clients, contracts and providers: every bad input refused with a message, nothing stored."""

from __future__ import annotations

import datetime

import pytest

from openrcm.clients.models import Client, Contract, ContractStatus, Provider
from openrcm.clients.services import (
    client_contact_create,
    client_update,
    contract_create,
    contract_transition,
    provider_create,
)
from openrcm.core.errors import TransitionNotAllowed, ValidationFailed
from openrcm.core.testing import TEST_ACTOR, made_up_npi, make_client
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


def problems_of(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return dict(excinfo.value.problems)


def test_client_is_created_with_an_audit_row():
    client = make_client(legal_name="Harbor Cardiology PC")
    assert Client.objects.get(pk=client.pk).legal_name == "Harbor Cardiology PC"
    assert client.phone == "+12125550100"
    event = AuditEvent.objects.get(object_type="clients.client", object_id=str(client.pk))
    assert event.action == "create"
    assert event.client_id == client.pk


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"group_npi": "1234567890"}, "group_npi", "check digit"),
        ({"tin": "12-34"}, "tin", "9 digits"),
        ({"taxonomy": "207Q0000"}, "taxonomy", "not a NUCC taxonomy code"),
        ({"phone": "555-1234"}, "phone", "not a valid number"),
        ({"state": "XX"}, "state", "not a US state"),
        ({"zip_code": "123"}, "zip_code", "5 or 9 digits"),
        ({"legal_name": ""}, "legal_name", "required"),
    ],
)
def test_bad_client_input_is_refused_and_nothing_is_stored(override, field, words):
    before = Client.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        make_client(**override)
    assert words in problems_of(caught)[field]
    assert Client.objects.count() == before
    assert not AuditEvent.objects.filter(object_type="clients.client").exclude(
        object_id__in=[str(pk) for pk in Client.objects.values_list("pk", flat=True)]
    )


def test_group_npi_must_be_unique_and_every_problem_is_listed():
    first = make_client()
    with pytest.raises(ValidationFailed) as caught:
        make_client(group_npi=first.group_npi, phone="1", zip_code="x")
    found = problems_of(caught)
    assert "belongs to another client" in found["group_npi"]
    assert {"phone", "zip_code"} <= set(found)


def test_client_update_audits_changed_fields_but_never_the_tin_value():
    client = make_client()
    client_update(actor=TEST_ACTOR, client=client, city="Troy", tin="98-7654321")
    event = AuditEvent.objects.filter(action="update", object_type="clients.client").get()
    assert event.changes["city"] == ["Albany", "Troy"]
    assert event.changes["tin"] == "changed"
    assert "987654321" not in str(event.changes)


def test_contract_moves_prospect_active_ended_and_records_each_step():
    client = make_client()
    contract = contract_create(actor=TEST_ACTOR, client=client, services=["billing", "coding"])
    assert contract.status == ContractStatus.PROSPECT
    contract_transition(
        actor=TEST_ACTOR, contract=contract, to=ContractStatus.ACTIVE, on=datetime.date(2026, 1, 1)
    )
    contract_transition(
        actor=TEST_ACTOR,
        contract=contract,
        to=ContractStatus.ENDED,
        on=datetime.date(2026, 6, 30),
        reason="practice sold",
    )
    contract.refresh_from_db()
    assert (contract.start_date, contract.end_date) == (
        datetime.date(2026, 1, 1),
        datetime.date(2026, 6, 30),
    )
    steps = [(h.from_status, h.to_status) for h in contract.history.all()]
    assert steps == [("", "prospect"), ("prospect", "active"), ("active", "ended")]
    with pytest.raises(TransitionNotAllowed, match="cannot become active"):
        contract_transition(
            actor=TEST_ACTOR,
            contract=contract,
            to=ContractStatus.ACTIVE,
            on=datetime.date(2026, 7, 1),
        )


def test_contract_end_before_start_and_unknown_service_are_refused():
    client = make_client()
    with pytest.raises(ValidationFailed) as caught:
        contract_create(
            actor=TEST_ACTOR,
            client=client,
            services=["billing", "laundry"],
            start_date=datetime.date(2026, 5, 1),
            end_date=datetime.date(2026, 4, 1),
        )
    found = problems_of(caught)
    assert "'laundry' is not a service" in found["services"]
    assert "ends (2026-04-01) before it starts (2026-05-01)" in found["end_date"]
    assert not Contract.objects.exists()


def test_ending_an_active_contract_before_its_start_is_refused():
    client = make_client()
    contract = contract_create(
        actor=TEST_ACTOR, client=client, services=["full_rcm"], start_date=datetime.date(2026, 3, 1)
    )
    contract_transition(
        actor=TEST_ACTOR, contract=contract, to=ContractStatus.ACTIVE, on=datetime.date(2026, 3, 1)
    )
    with pytest.raises(ValidationFailed, match="before it starts"):
        contract_transition(
            actor=TEST_ACTOR,
            contract=contract,
            to=ContractStatus.ENDED,
            on=datetime.date(2026, 2, 1),
        )
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE


def test_provider_npi_checked_and_unique_per_practice():
    client = make_client()
    npi = made_up_npi()
    provider_create(
        actor=TEST_ACTOR,
        client=client,
        npi=npi,
        first_name="Lena",
        last_name="Okafor",
        taxonomy="207RC0000X",
    )
    with pytest.raises(ValidationFailed, match="already a provider"):
        provider_create(
            actor=TEST_ACTOR,
            client=client,
            npi=npi,
            first_name="L",
            last_name="O",
            taxonomy="207RC0000X",
        )
    with pytest.raises(ValidationFailed, match="check digit"):
        provider_create(
            actor=TEST_ACTOR,
            client=client,
            npi="1234567890",
            first_name="Bad",
            last_name="Npi",
            taxonomy="207RC0000X",
        )
    with pytest.raises(ValidationFailed, match="not the group's"):
        provider_create(
            actor=TEST_ACTOR,
            client=client,
            npi=client.group_npi,
            first_name="Group",
            last_name="Npi",
            taxonomy="207RC0000X",
        )
    assert Provider.objects.filter(client=client).count() == 1


def test_contact_kind_and_email_checked():
    client = make_client()
    with pytest.raises(ValidationFailed) as caught:
        client_contact_create(
            actor=TEST_ACTOR, client=client, name="Sam", kind="janitor", email="nope"
        )
    assert set(problems_of(caught)) == {"kind", "email"}
    contact = client_contact_create(
        actor=TEST_ACTOR, client=client, name="Sam Reyes", kind="manager", phone="212-555-0111"
    )
    assert contact.phone == "+12125550111"
