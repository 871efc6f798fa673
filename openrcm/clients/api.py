"""Clients API: the practices the user may see, and one practice in full."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from openrcm.accounts.permissions import api_require
from openrcm.clients.models import Client
from openrcm.clients.selectors import client_list, client_record, contract_status_of

router = Router(tags=["clients"])


class ClientSummaryOut(Schema):
    id: int
    short_name: str
    legal_name: str
    specialty: str
    group_npi: str
    city: str
    state: str
    contract_status: str  # of the newest contract; "" without one
    provider_count: int
    patient_count: int


class StatusChangeOut(Schema):
    at: datetime.datetime
    from_status: str
    to_status: str
    actor: str
    reason: str


class ContractOut(Schema):
    id: int
    status: str
    start_date: datetime.date | None
    end_date: datetime.date | None
    services: list[str]
    fee_percent: Decimal | None
    history: list[StatusChangeOut]


class ProviderOut(Schema):
    id: int
    npi: str
    first_name: str
    last_name: str
    credentials: str
    taxonomy: str
    active: bool


class ContactOut(Schema):
    name: str
    kind: str
    phone: str
    email: str


class FeeScheduleOut(Schema):
    id: int
    payer_id: int
    payer: str
    name: str
    effective_from: datetime.date
    effective_to: datetime.date | None
    rate_count: int


class ClientDetailOut(Schema):
    id: int
    short_name: str
    legal_name: str
    specialty: str
    group_npi: str
    taxonomy: str
    phone: str
    street1: str
    street2: str
    city: str
    state: str
    zip_code: str
    contracts: list[ContractOut]
    providers: list[ProviderOut]
    contacts: list[ContactOut]
    fee_schedules: list[FeeScheduleOut]


@router.get("/", response=list[ClientSummaryOut], summary="The practices you may see")
def client_list_route(request: HttpRequest) -> list[ClientSummaryOut]:
    api_require(request, "client.view")
    return [
        ClientSummaryOut(
            id=c.pk,
            short_name=c.short_name,
            legal_name=c.legal_name,
            specialty=c.specialty,
            group_npi=c.group_npi,
            city=c.city,
            state=c.state,
            contract_status=contract_status_of(c),
            provider_count=c.provider_count,  # type: ignore[attr-defined]  # annotated
            patient_count=c.patient_count,  # type: ignore[attr-defined]  # annotated
        )
        for c in client_list(user=request.user)
    ]


@router.get("/{client_id}", response=ClientDetailOut, summary="One practice in full")
def client_detail_route(request: HttpRequest, client_id: int) -> ClientDetailOut:
    api_require(request, "client.view")
    client = get_object_or_404(Client.objects.for_user(request.user), pk=client_id)
    record = client_record(client=client)
    return ClientDetailOut(
        id=client.pk,
        short_name=client.short_name,
        legal_name=client.legal_name,
        specialty=client.specialty,
        group_npi=client.group_npi,
        taxonomy=client.taxonomy,
        phone=client.phone,
        street1=client.street1,
        street2=client.street2,
        city=client.city,
        state=client.state,
        zip_code=client.zip_code,
        contracts=[
            ContractOut(
                id=k.pk,
                status=k.status,
                start_date=k.start_date,
                end_date=k.end_date,
                services=k.services,
                fee_percent=k.fee_percent,
                history=[
                    StatusChangeOut(
                        at=h.at,
                        from_status=h.from_status,
                        to_status=h.to_status,
                        actor=h.actor,
                        reason=h.reason,
                    )
                    for h in k.history.all()
                ],
            )
            for k in record.contracts
        ],
        providers=[
            ProviderOut(
                id=p.pk,
                npi=p.npi,
                first_name=p.first_name,
                last_name=p.last_name,
                credentials=p.credentials,
                taxonomy=p.taxonomy,
                active=p.active,
            )
            for p in record.providers
        ],
        contacts=[
            ContactOut(name=x.name, kind=x.kind, phone=x.phone, email=x.email)
            for x in record.contacts
        ],
        fee_schedules=[
            FeeScheduleOut(
                id=s.pk,
                payer_id=s.payer_id,
                payer=s.payer.name,
                name=s.name,
                effective_from=s.effective_from,
                effective_to=s.effective_to,
                rate_count=s.rate_count,  # type: ignore[attr-defined]  # annotated
            )
            for s in record.fee_schedules
        ],
    )
