"""Every change to clients, contracts, providers and contacts goes through here."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from openrcm.clients.models import (
    CONTRACT_TRANSITIONS,
    Client,
    ClientContact,
    Contract,
    ContractService,
    ContractStatus,
    ContractStatusChange,
    Provider,
)
from openrcm.core.actor import Actor
from openrcm.core.errors import TransitionNotAllowed
from openrcm.core.validation import Problems
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules.identifiers import normalize_phone, normalize_tin, npi_problem, tin_problem

CLIENT_FIELDS = (
    "legal_name",
    "short_name",
    "specialty",
    "group_npi",
    "taxonomy",
    "phone",
    "time_zone",
    "street1",
    "street2",
    "city",
    "state",
    "zip_code",
    "pay_to_street1",
    "pay_to_city",
    "pay_to_state",
    "pay_to_zip_code",
)


def _client_problems(data: dict[str, Any], *, instance: Client | None) -> Problems:
    problems = Problems()
    for name in ("legal_name", "short_name", "group_npi", "tin", "taxonomy", "phone"):
        problems.require(name, data.get(name))
    for name in ("street1", "city", "state", "zip_code"):
        problems.require(name, data.get(name), f"service address {name.replace('_', ' ')}")
    problems.max_length("legal_name", data.get("legal_name", ""), 60)
    problems.max_length("short_name", data.get("short_name", ""), 30)
    if data.get("group_npi"):
        problems.check("group_npi", npi_problem(data["group_npi"]))
        clash = Client.objects.filter(group_npi=data["group_npi"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            problems.add("group_npi", f"group NPI {data['group_npi']} belongs to another client")
    if data.get("short_name"):
        clash = Client.objects.filter(short_name=data["short_name"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            problems.add("short_name", f"another client is already called {data['short_name']!r}")
    if data.get("tin"):
        problems.check("tin", tin_problem(data["tin"]))
    problems.taxonomy("taxonomy", data.get("taxonomy", ""))
    problems.phone("phone", data.get("phone", ""))
    problems.us_address("", data.get("state", ""), data.get("zip_code", ""))
    problems.us_address("pay_to_", data.get("pay_to_state", ""), data.get("pay_to_zip_code", ""))
    return problems


@transaction.atomic
def client_create(*, actor: Actor, tin: str, **fields: Any) -> Client:
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"client_create got unknown fields: {sorted(unknown)}")
    problems = _client_problems({**fields, "tin": tin}, instance=None)
    problems.raise_if_any()
    client = Client(**fields, tin=normalize_tin(tin))
    client.phone = normalize_phone(client.phone)
    client.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=client)
    return client


@transaction.atomic
def client_update(*, actor: Actor, client: Client, **changes: Any) -> Client:
    allowed = set(CLIENT_FIELDS) | {"tin"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"client_update got unknown fields: {sorted(unknown)}")
    current = {name: getattr(client, name) for name in allowed}
    problems = _client_problems({**current, **changes}, instance=client)
    problems.raise_if_any()
    diff: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "tin":
            value = normalize_tin(value)
        if name == "phone":
            value = normalize_phone(value)
        if getattr(client, name) != value:
            diff[name] = "changed" if name == "tin" else [getattr(client, name), value]
            setattr(client, name, value)
    if diff:
        client.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=client, changes=diff)
    return client


@transaction.atomic
def contract_create(
    *,
    actor: Actor,
    client: Client,
    services: list[str],
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    fee_percent: Any = None,
) -> Contract:
    problems = Problems()
    valid = set(ContractService.values)
    if not services:
        problems.add("services", "name at least one service bought (billing, coding, ...)")
    for service in services:
        if service not in valid:
            problems.add("services", f"{service!r} is not a service ({', '.join(sorted(valid))})")
    problems.date_range("end_date", start_date, end_date)
    if fee_percent is not None:
        fee = problems.money("fee_percent", fee_percent)
        if fee is not None and fee > 100:
            problems.add("fee_percent", "a percentage cannot exceed 100")
    problems.raise_if_any()
    contract = Contract.objects.create(
        client=client,
        services=sorted(set(services)),
        start_date=start_date,
        end_date=end_date,
        fee_percent=fee_percent,
    )
    ContractStatusChange.objects.create(
        contract=contract, to_status=contract.status, actor=actor.label, reason="created"
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=contract)
    return contract


@transaction.atomic
def contract_transition(
    *,
    actor: Actor,
    contract: Contract,
    to: ContractStatus,
    on: datetime.date,
    reason: str = "",
) -> Contract:
    """Prospect → active (sets the start date) → ended (sets the end date)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if to not in CONTRACT_TRANSITIONS[contract.status]:
        raise TransitionNotAllowed(
            f"a contract that is {contract.status} cannot become {to}"
            + (
                " (an ended contract stays ended; make a new one)"
                if contract.status == "ended"
                else ""
            )
        )
    problems = Problems()
    if to == ContractStatus.ACTIVE:
        contract.start_date = contract.start_date or on
        problems.date_range("end_date", contract.start_date, contract.end_date)
    if to == ContractStatus.ENDED:
        contract.end_date = on
        problems.date_range("end_date", contract.start_date, contract.end_date)
    problems.raise_if_any()
    previous = contract.status
    contract.status = to
    contract.save(update_fields=["status", "start_date", "end_date", "updated_at"])
    ContractStatusChange.objects.create(
        contract=contract, from_status=previous, to_status=to, actor=actor.label, reason=reason
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=contract,
        changes={"status": [previous, str(to)]},
        detail=reason,
    )
    return contract


@transaction.atomic
def provider_create(
    *,
    actor: Actor,
    client: Client,
    npi: str,
    first_name: str,
    last_name: str,
    taxonomy: str,
    credentials: str = "",
) -> Provider:
    problems = Problems()
    problems.require("first_name", first_name)
    problems.require("last_name", last_name)
    if problems.require("npi", npi):
        problems.check("npi", npi_problem(npi))
        if npi == client.group_npi:
            problems.add("npi", "an individual provider needs their own NPI, not the group's")
        elif Provider.objects.filter(client=client, npi=npi).exists():
            problems.add("npi", f"NPI {npi} is already a provider of {client}")
    if problems.require("taxonomy", taxonomy):
        problems.taxonomy("taxonomy", taxonomy)
    problems.raise_if_any()
    provider = Provider.objects.create(
        client=client,
        npi=npi,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        taxonomy=taxonomy,
        credentials=credentials.strip(),
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=provider)
    return provider


@transaction.atomic
def client_contact_create(
    *,
    actor: Actor,
    client: Client,
    name: str,
    kind: str,
    phone: str = "",
    email: str = "",
) -> ClientContact:
    problems = Problems()
    problems.require("name", name)
    if kind not in ClientContact.Kind.values:
        problems.add("kind", f"{kind!r} is not a kind of contact")
    problems.phone("phone", phone)
    if email and "@" not in email:
        problems.add("email", f"{email!r} is not an email address")
    problems.raise_if_any()
    contact = ClientContact.objects.create(
        client=client,
        name=name.strip(),
        kind=kind,
        phone=normalize_phone(phone) if phone else "",
        email=email.strip().lower(),
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=contact)
    return contact
