"""Every change to patients and their coverage goes through here."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from openrcm.core.actor import Actor
from openrcm.core.validation import Problems
from openrcm.patients.models import (
    Coverage,
    CoveragePriority,
    GuarantorRelationship,
    Patient,
    Sex,
    SubscriberRelationship,
)
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record, changes_between
from openrcm.rules.identifiers import normalize_email, normalize_phone, normalize_ssn, ssn_problem

PATIENT_FIELDS = (
    "account_number",
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "sex",
    "ssn",
    "street1",
    "street2",
    "city",
    "state",
    "zip_code",
    "phone",
    "email",
    "preferred_language",
    "guarantor_relationship",
    "guarantor_first_name",
    "guarantor_last_name",
    "guarantor_street1",
    "guarantor_phone",
)
# Identifiers whose values never go into the audit trail (it says only that they changed).
SECRET_PATIENT_FIELDS = frozenset(
    {
        "date_of_birth",
        "ssn",
        "street1",
        "street2",
        "phone",
        "email",
        "guarantor_street1",
        "guarantor_phone",
    }
)


def _patient_problems(data: dict[str, Any], *, client: Any, instance: Patient | None) -> Problems:
    today = timezone.localdate()
    problems = Problems()
    for name in ("account_number", "first_name", "last_name", "date_of_birth", "sex"):
        problems.require(name, data.get(name))
    problems.max_length("first_name", data.get("first_name", ""), 35)
    problems.max_length("last_name", data.get("last_name", ""), 60)
    problems.max_length("account_number", data.get("account_number", ""), 20)
    dob = data.get("date_of_birth")
    if dob is not None and not isinstance(dob, datetime.date):
        problems.add("date_of_birth", f"{dob!r} is not a date")
    elif dob is not None and dob > today:
        problems.add("date_of_birth", f"{dob} is in the future")
    elif dob is not None and dob.year < today.year - 125:
        problems.add("date_of_birth", f"{dob} is more than 125 years ago")
    if data.get("sex") and data["sex"] not in Sex.values:
        problems.add("sex", f"{data['sex']!r} is not F, M or U")
    if data.get("ssn"):
        problems.check("ssn", ssn_problem(data["ssn"]))
    problems.phone("phone", data.get("phone", ""))
    problems.phone("guarantor_phone", data.get("guarantor_phone", ""))
    if data.get("email") and "@" not in data["email"]:
        problems.add("email", f"{data['email']!r} is not an email address")
    problems.us_address("", data.get("state", ""), data.get("zip_code", ""))
    relationship = data.get("guarantor_relationship") or GuarantorRelationship.SELF
    if relationship not in GuarantorRelationship.values:
        problems.add("guarantor_relationship", f"{relationship!r} is not a relationship")
    elif relationship != GuarantorRelationship.SELF:
        problems.require("guarantor_last_name", data.get("guarantor_last_name"))
    if data.get("account_number"):
        clash = Patient.objects.filter(client=client, account_number=data["account_number"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            problems.add("account_number", f"account {data['account_number']} exists already")
    return problems


def _normalized(data: dict[str, Any]) -> dict[str, Any]:
    clean = dict(data)
    for name in ("first_name", "middle_name", "last_name", "account_number", "city"):
        if isinstance(clean.get(name), str):
            clean[name] = clean[name].strip()
    if clean.get("ssn"):
        clean["ssn"] = normalize_ssn(clean["ssn"])
    for name in ("phone", "guarantor_phone"):
        if clean.get(name):
            clean[name] = normalize_phone(clean[name])
    if clean.get("email"):
        clean["email"] = normalize_email(clean["email"])
    return clean


@transaction.atomic
def patient_create(*, actor: Actor, client: Any, **fields: Any) -> Patient:
    unknown = set(fields) - set(PATIENT_FIELDS)
    if unknown:
        raise TypeError(f"patient_create got unknown fields: {sorted(unknown)}")
    _patient_problems(fields, client=client, instance=None).raise_if_any()
    patient = Patient.objects.create(client=client, **_normalized(fields))
    audit_record(actor=actor, action=AuditAction.CREATE, obj=patient)
    return patient


@transaction.atomic
def patient_update(*, actor: Actor, patient: Patient, **changes: Any) -> Patient:
    unknown = set(changes) - set(PATIENT_FIELDS)
    if unknown:
        raise TypeError(f"patient_update got unknown fields: {sorted(unknown)}")
    before = {name: getattr(patient, name) for name in PATIENT_FIELDS}
    merged = {**before, **changes}
    _patient_problems(merged, client=patient.client, instance=patient).raise_if_any()
    after = {**before, **_normalized(changes)}
    diff = changes_between(before, after, secret=SECRET_PATIENT_FIELDS)
    if diff:
        for name, value in after.items():
            setattr(patient, name, value)
        patient.save()
        audit_record(actor=actor, action=AuditAction.UPDATE, obj=patient, changes=diff)
    return patient


COVERAGE_FIELDS = (
    "member_id",
    "group_number",
    "relationship",
    "subscriber_first_name",
    "subscriber_last_name",
    "subscriber_date_of_birth",
    "subscriber_sex",
    "subscriber_id",
    "subscriber_street1",
    "subscriber_city",
    "subscriber_state",
    "subscriber_zip_code",
)


@transaction.atomic
def coverage_add(
    *,
    actor: Actor,
    patient: Patient,
    payer: Any,
    priority: str,
    member_id: str,
    effective_from: datetime.date,
    effective_to: datetime.date | None = None,
    **fields: Any,
) -> Coverage:
    """Add insurance; subscriber details default to the patient when the patient is self."""
    unknown = set(fields) - set(COVERAGE_FIELDS)
    if unknown:
        raise TypeError(f"coverage_add got unknown fields: {sorted(unknown)}")
    relationship = fields.get("relationship", SubscriberRelationship.SELF)
    if relationship == SubscriberRelationship.SELF:
        fields.setdefault("subscriber_first_name", patient.first_name)
        fields.setdefault("subscriber_last_name", patient.last_name)
        fields.setdefault("subscriber_date_of_birth", patient.date_of_birth)
        fields.setdefault("subscriber_sex", patient.sex)
        fields.setdefault("subscriber_street1", patient.street1)
        fields.setdefault("subscriber_city", patient.city)
        fields.setdefault("subscriber_state", patient.state)
        fields.setdefault("subscriber_zip_code", patient.zip_code)
    problems = Problems()
    if priority not in CoveragePriority.values:
        problems.add("priority", f"{priority!r} is not P (primary), S (secondary) or T (tertiary)")
    if problems.require("member_id", member_id, "member ID"):
        problems.max_length("member_id", member_id.strip(), 80)
    if relationship not in SubscriberRelationship.values:
        problems.add("relationship", f"{relationship!r} is not a subscriber relationship code")
    for name in ("subscriber_first_name", "subscriber_last_name", "subscriber_date_of_birth"):
        problems.require(name, fields.get(name))
    if fields.get("subscriber_sex", "U") not in Sex.values:
        problems.add("subscriber_sex", f"{fields['subscriber_sex']!r} is not F, M or U")
    problems.require("effective_from", effective_from, "effective date")
    problems.date_range("effective_to", effective_from, effective_to)
    if not getattr(payer, "active", False):
        problems.add("payer", f"{payer} is not an active payer")
    if effective_from and priority in CoveragePriority.values:
        overlapping = Coverage.objects.filter(patient=patient, priority=priority).exclude(
            effective_to__lt=effective_from
        )
        if effective_to is not None:
            overlapping = overlapping.exclude(effective_from__gt=effective_to)
        if overlapping.exists():
            problems.add(
                "priority",
                f"{patient} already has {CoveragePriority(priority).label.lower()} coverage in "
                "these dates; end it before adding another",
            )
    problems.us_address(
        "subscriber_", fields.get("subscriber_state", ""), fields.get("subscriber_zip_code", "")
    )
    problems.raise_if_any()
    coverage = Coverage.objects.create(
        patient=patient,
        payer=payer,
        priority=priority,
        member_id=member_id.strip(),
        effective_from=effective_from,
        effective_to=effective_to,
        **fields,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=coverage, client_id=patient.client_id)
    return coverage


@transaction.atomic
def coverage_end(
    *, actor: Actor, coverage: Coverage, effective_to: datetime.date, reason: str = ""
) -> Coverage:
    problems = Problems()
    problems.date_range("effective_to", coverage.effective_from, effective_to)
    problems.raise_if_any()
    previous = coverage.effective_to
    coverage.effective_to = effective_to
    coverage.save(update_fields=["effective_to", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=coverage,
        changes={"effective_to": [str(previous) if previous else None, str(effective_to)]},
        detail=reason,
        client_id=coverage.patient.client_id,
    )
    return coverage
