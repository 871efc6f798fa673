"""Remittance API: ERA payments (list, one as an EOB, upload), posting exceptions, and the
ledger of a claim and of a patient's account."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from openrcm.accounts.permissions import api_require
from openrcm.claims.models import Claim
from openrcm.core.middleware import request_actor
from openrcm.patients.models import Patient
from openrcm.privacy.services import audit_read
from openrcm.remittance.models import EraSource
from openrcm.remittance.selectors import (
    era_payment_detail,
    era_payment_list,
    ledger_for_claim,
    ledger_for_patient,
    patient_balances,
    posting_exception_list,
)
from openrcm.remittance.services import era_import

router = Router(tags=["remittance"])
MAX_PAGE_SIZE = 200


class PaymentOut(Schema):
    id: int
    client_id: int | None
    payer_name: str
    payer_identifier: str
    trace_number: str
    payment_date: datetime.date | None
    method: str
    amount: Decimal
    claim_count: int
    posted_claims: int
    exception_count: int
    total_charge: Decimal
    total_paid: Decimal
    balancing_problems: list[str]


class PaymentListOut(Schema):
    count: int
    page: int
    pages: int
    results: list[PaymentOut]


class AdjustmentOut(Schema):
    group_code: str
    reason_code: str
    amount: Decimal


class ServiceLineOut(Schema):
    line_number: int
    procedure_code: str
    modifiers: list[str]
    billed_procedure_code: str
    charge: Decimal
    allowed_amount: Decimal | None
    paid: Decimal
    service_date: datetime.date | None
    line_item_control_number: str
    claim_line_id: int | None
    matched_by: str
    remark_codes: list[str]
    adjustments: list[AdjustmentOut]


class EraClaimOut(Schema):
    id: int
    claim_id: int | None
    patient_control_number: str
    status_code: str
    outcome: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal | None
    payer_claim_number: str
    adjustments: list[AdjustmentOut]
    lines: list[ServiceLineOut]
    exception: str


class ProviderAdjustmentOut(Schema):
    reason_code: str
    reference: str
    amount: Decimal


class PaymentDetailOut(PaymentOut):
    provider_adjustments: list[ProviderAdjustmentOut]
    claims: list[EraClaimOut]


class ImportOut(Schema):
    message: str
    duplicate: bool
    payments: list[str]


class ExceptionOut(Schema):
    id: int
    payment_id: int
    patient_control_number: str
    reason: str
    message: str
    resolved: bool


class LedgerRowOut(Schema):
    id: int
    charge_line_id: int
    claim_id: int | None
    party: str
    kind: str
    reversed_kind: str
    amount: Decimal
    group_code: str
    reason_code: str
    posted_at: datetime.datetime
    note: str


class PatientLedgerOut(Schema):
    balances: dict[str, Decimal]
    rows: list[LedgerRowOut]


def _payment(p: object) -> dict[str, object]:
    return {name: getattr(p, name) for name in PaymentOut.model_fields}


def _adjustments(rows: object) -> list[AdjustmentOut]:
    return [
        AdjustmentOut(group_code=a.group_code, reason_code=a.reason_code, amount=a.amount)
        for a in rows  # type: ignore[attr-defined]  # a related manager's list
    ]


def _rows(rows: object) -> list[LedgerRowOut]:
    return [
        LedgerRowOut(**{name: getattr(r, name) for name in LedgerRowOut.model_fields})
        for r in rows  # type: ignore[attr-defined]  # a queryset
    ]


@router.get("/payments/", response=PaymentListOut, summary="ERA payments, newest first")
def payment_list_route(request: HttpRequest, page: int = 1, page_size: int = 50) -> PaymentListOut:
    api_require(request, "remittance.view")
    size = min(max(page_size, 1), MAX_PAGE_SIZE)
    found = Paginator(era_payment_list(user=request.user), size).get_page(page)
    return PaymentListOut(
        count=found.paginator.count,
        page=found.number,
        pages=found.paginator.num_pages,
        results=[PaymentOut(**_payment(p)) for p in found.object_list],  # type: ignore[arg-type]  # pydantic validates
    )


@router.get("/payments/{payment_id}", response=PaymentDetailOut, summary="One ERA payment (EOB)")
def payment_detail_route(request: HttpRequest, payment_id: int) -> PaymentDetailOut:
    api_require(request, "remittance.view")
    payment = get_object_or_404(era_payment_detail(user=request.user), pk=payment_id)
    audit_read(request, payment, via="api", detail="EOB")
    claims = []
    for c in payment.claims.all():
        exception = getattr(c, "posting_exception", None)
        claims.append(
            EraClaimOut(
                id=c.pk,
                claim_id=c.claim_id,
                patient_control_number=c.patient_control_number,
                status_code=c.status_code,
                outcome=c.outcome,
                charge=c.charge,
                paid=c.paid,
                patient_responsibility=c.patient_responsibility,
                payer_claim_number=c.payer_claim_number,
                adjustments=_adjustments(
                    a for a in c.adjustments.all() if a.service_line_id is None
                ),
                lines=[
                    ServiceLineOut(
                        **{
                            name: getattr(line, name)
                            for name in ServiceLineOut.model_fields
                            if name != "adjustments"
                        },
                        adjustments=_adjustments(line.adjustments.all()),
                    )
                    for line in c.lines.all()
                ],
                exception=exception.message if exception is not None else "",
            )
        )
    return PaymentDetailOut(
        **_payment(payment),  # type: ignore[arg-type]  # pydantic validates
        provider_adjustments=[
            ProviderAdjustmentOut(reason_code=p.reason_code, reference=p.reference, amount=p.amount)
            for p in payment.provider_adjustments.all()
        ],
        claims=claims,
    )


@router.post("/eras/", response=ImportOut, summary="Import and post an 835 file")
def era_upload_route(request: HttpRequest, file: File[UploadedFile]) -> ImportOut:
    api_require(request, "remittance.post")
    result = era_import(
        actor=request_actor(request),
        name=file.name or "upload.835",
        data=file.read(),
        source=EraSource.API,
    )
    return ImportOut(
        message=result.message,
        duplicate=result.duplicate,
        payments=[p.message for p in result.payments],
    )


@router.get("/exceptions/", response=list[ExceptionOut], summary="Open posting exceptions")
def exception_list_route(request: HttpRequest) -> list[ExceptionOut]:
    api_require(request, "remittance.view")
    return [
        ExceptionOut(
            id=e.pk,
            payment_id=e.payment_id,
            patient_control_number=e.era_claim.patient_control_number,
            reason=e.reason,
            message=e.message,
            resolved=e.resolved_at is not None,
        )
        for e in posting_exception_list(user=request.user)[:500]
    ]


@router.get("/claims/{claim_id}/ledger", response=list[LedgerRowOut], summary="A claim's ledger")
def claim_ledger_route(request: HttpRequest, claim_id: int) -> list[LedgerRowOut]:
    api_require(request, "remittance.view")
    claim = get_object_or_404(Claim.objects.for_user(request.user), pk=claim_id)
    audit_read(request, claim, via="api", detail="ledger")
    return _rows(ledger_for_claim(user=request.user, claim=claim))


@router.get(
    "/patients/{patient_id}/ledger", response=PatientLedgerOut, summary="A patient's account"
)
def patient_ledger_route(request: HttpRequest, patient_id: int) -> PatientLedgerOut:
    api_require(request, "remittance.view")
    patient = get_object_or_404(Patient.objects.for_user(request.user), pk=patient_id)
    audit_read(request, patient, via="api", detail="account ledger")
    return PatientLedgerOut(
        balances=patient_balances(patient_id=patient.pk),
        rows=_rows(ledger_for_patient(user=request.user, patient_id=patient.pk)),
    )


__all__ = ["router"]
