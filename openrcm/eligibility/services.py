"""Eligibility checks (270/271), on demand and for a day's encounters, and claim status
inquiries (276/277) for claims the payer has not answered.

A check is asked in three steps, so no database lock is held while the clearinghouse
answers: (1) under a lock on the coverage row, see whether the same question (patient,
coverage, date of service) was already answered today, and if not write the 270, store
it and record the inquiry as asked; (2) send it (``Clearinghouse.inquire``); (3) store
the 271, read it, record the outcome and its benefits, and flag the patient: an inactive
coverage, a member the payer cannot find, or no coverage at all opens a work item for the
front desk (one per coverage, closed again when a later check finds the coverage active).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from openrcm.accounts.permissions import permission_check
from openrcm.claims.files import exchanged_file_store, sha256_of
from openrcm.claims.lifecycle import claim_transition, claims_lock, transition_problem
from openrcm.claims.models import (
    Claim,
    ClaimResponse,
    ClaimStatus,
    Encounter,
    ExchangedFile,
    FileDirection,
    FileKind,
)
from openrcm.claims.submission import control_number_next
from openrcm.clearinghouse.base import (
    Clearinghouse,
    ClearinghouseError,
    clearinghouse_default_name,
    clearinghouse_get,
)
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError, ValidationFailed
from openrcm.eligibility.codes import (
    AT_PAYER_CATEGORIES,
    MEMBER_NOT_FOUND,
    REJECTED_CATEGORIES,
    claim_status_words,
    rejection_words,
)
from openrcm.eligibility.models import (
    ClaimStatusInquiry,
    EligibilityBenefit,
    EligibilityInquiry,
    EligibilityOutcome,
    InquiryStatus,
)
from openrcm.patients.models import Coverage, CoveragePriority, Patient
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.workqueue.models import WorkItem, WorkItemKind
from openrcm.workqueue.services import work_item_open, work_items_close_by_key
from openrcm.x12 import (
    ClaimStatusResponse,
    EligibilityMember,
    EligibilityResponse,
    X12Error,
    X12WriteError,
    read_documents,
)
from openrcm.x12 import write as x12

DEFAULT_STATUS_AFTER_DAYS = 30
IN_FLIGHT = datetime.timedelta(minutes=10)  # an inquiry asked this recently is not re-sent
_DIGITS = re.compile(r"\D")
_ALNUM = re.compile(r"[^0-9A-Z]")


class Progress(Protocol):
    def start(self, name: str, total: int) -> None: ...
    def advance(self, amount: int = 1) -> None: ...
    def finish(self) -> None: ...


# --- shared: envelopes, adapters, files --------------------------------------------------


def _interchange() -> x12.InterchangeSettings:
    return x12.InterchangeSettings(
        sender_id=str(getattr(settings, "OPENRCM_SUBMITTER_ID", "OPENRCM")),
        receiver_id=str(getattr(settings, "OPENRCM_RECEIVER_ID", "OPENRCMSANDBOX")),
        interchange_control_number=control_number_next("isa"),
        group_control_number=control_number_next("gs"),
        transaction_set_control_number=1,
        created_at=timezone.localtime().replace(tzinfo=None, microsecond=0),
        usage_indicator="P" if getattr(settings, "PRODUCTION", False) else "T",
    )


def _clearinghouse_name(payer: Any) -> str:
    rules = getattr(payer, "claim_rules", None)
    chosen = getattr(rules, "clearinghouse", "") if rules is not None else ""
    return chosen or clearinghouse_default_name()


def _adapter(name: str, given: Clearinghouse | str | None) -> Clearinghouse:
    if isinstance(given, Clearinghouse):
        return given
    return clearinghouse_get(given or name)


def _store(
    *, direction: str, kind: str, name: str, data: bytes, clearinghouse: str, client_id: int
) -> ExchangedFile:
    """Keep a sent or received file; the same bytes twice share one stored file."""
    existing = ExchangedFile.objects.filter(sha256=sha256_of(data)).first()
    if existing is not None:
        return existing
    return exchanged_file_store(
        direction=direction,
        kind=kind,
        name=name,
        data=data,
        clearinghouse=clearinghouse,
        client_id=client_id,
    )


def _trace_originator(client: Any) -> str:
    """TRN03: '1' + the practice's EIN, or '9' + our submitter id (10 characters)."""
    ein = _DIGITS.sub("", client.tin or "")
    if len(ein) == 9:
        return "1" + ein
    submitter = _ALNUM.sub("", str(getattr(settings, "OPENRCM_SUBMITTER_ID", "OPENRCM")).upper())
    return "9" + submitter[:9].ljust(9, "0")


def _problem_text(exc: Exception) -> str:
    return exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"


# --- eligibility: one coverage ---------------------------------------------------------------


@dataclass
class EligibilityCheck:
    """What one check did. ``reused``: answered earlier today, not asked again."""

    patient: Patient
    inquiry: EligibilityInquiry | None = None
    reused: bool = False
    work_item: WorkItem | None = None
    work_item_opened: bool = False

    @property
    def outcome(self) -> str:
        if self.inquiry is None:
            return "no_coverage"
        if self.inquiry.status != InquiryStatus.ANSWERED:
            return self.inquiry.status
        return self.inquiry.outcome

    @property
    def message(self) -> str:
        who = f"{self.patient.last_name}, {self.patient.first_name} ({self.patient.account_number})"
        inquiry = self.inquiry
        if inquiry is None:
            return f"{who}: no coverage on file for the date; flagged for the front desk"
        what = f"{who} {inquiry.payer.name} on {inquiry.service_date:%m/%d/%Y}"
        if inquiry.status == InquiryStatus.FAILED:
            return f"{what}: not answered: {inquiry.problem}"
        if inquiry.status == InquiryStatus.ASKED:
            return f"{what}: asked at {timezone.localtime(inquiry.created_at):%H:%M}, no answer yet"
        text = f"{what}: {inquiry.get_outcome_display().lower()}"
        if self.reused:
            text += " (answered earlier today; not asked again)"
        if inquiry.problem:
            text += f": {inquiry.problem}"
        return text


def _subject_270(
    patient: Patient, coverage: Coverage
) -> tuple[x12.EligibilitySubscriber, x12.EligibilityDependent | None, str]:
    """Who the 270 asks about. A patient with their own member ID is asked about as the
    subscriber (5010: a dependent with a unique ID is sent in 2100C); a patient known by
    the subscriber's ID is sent as the dependent of that subscriber."""
    subscriber_id = (coverage.subscriber_id or "").strip()
    if coverage.relationship != "18" and subscriber_id and subscriber_id != coverage.member_id:
        subscriber = x12.EligibilitySubscriber(
            x12.PersonName(coverage.subscriber_last_name, coverage.subscriber_first_name),
            subscriber_id,
            coverage.subscriber_date_of_birth,
            coverage.subscriber_sex,  # type: ignore[arg-type]  # F, M or U by the choices
        )
        dependent = x12.EligibilityDependent(
            x12.PersonName(patient.last_name, patient.first_name, patient.middle_name),
            patient.date_of_birth,
            patient.sex,  # type: ignore[arg-type]  # F, M or U by the model's choices
        )
        return subscriber, dependent, subscriber_id
    subscriber = x12.EligibilitySubscriber(
        x12.PersonName(patient.last_name, patient.first_name, patient.middle_name),
        coverage.member_id,
        patient.date_of_birth,
        patient.sex,  # type: ignore[arg-type]  # F, M or U by the model's choices
    )
    return subscriber, None, coverage.member_id


def _ask_270(
    actor: Actor,
    patient: Patient,
    coverage: Coverage,
    on_date: datetime.date,
    *,
    force: bool,
    encounter: Encounter | None,
    clearinghouse: str,
) -> tuple[EligibilityInquiry, bytes | None]:
    """Step 1 (one transaction): the inquiry answered earlier today, or a new one asked."""
    today = timezone.localdate()
    with transaction.atomic():
        Coverage.objects.select_for_update().filter(pk=coverage.pk).first()
        earlier = EligibilityInquiry.objects.filter(
            patient=patient, coverage=coverage, service_date=on_date, asked_on=today
        ).order_by("-pk")
        answered = earlier.filter(status=InquiryStatus.ANSWERED).first()
        if answered is not None and not force:
            return answered, None
        in_flight = earlier.filter(
            status=InquiryStatus.ASKED, created_at__gte=timezone.now() - IN_FLIGHT
        ).first()
        if in_flight is not None:
            return in_flight, None
        client = patient.client
        payer = coverage.payer
        interchange = _interchange()
        trace = f"ELG{interchange.interchange_control_number:09d}"
        subscriber, dependent, member_id = _subject_270(patient, coverage)
        try:
            data = x12.write_270(
                interchange,
                x12.EligibilityBatch(
                    reference=trace,
                    inquiries=(
                        x12.EligibilityInquiry(
                            payer=x12.Payer(payer.name, payer.payer_id),
                            receiver=x12.InformationReceiver(
                                x12.OrganizationName(client.legal_name), client.group_npi
                            ),
                            subscriber=subscriber,
                            dependent=dependent,
                            service_date=on_date,
                            trace_number=trace,
                            trace_originator=_trace_originator(client),
                        ),
                    ),
                ),
            )
        except X12WriteError as exc:
            raise ValidationFailed(
                [("coverage", f"the 270 for {patient} cannot be written: {exc}; correct it")]
            ) from exc
        stored = _store(
            direction=FileDirection.SENT,
            kind=FileKind.INQUIRY_270,
            name=f"OPENRCM-{trace}.270",
            data=data,
            clearinghouse=clearinghouse,
            client_id=client.pk,
        )
        inquiry = EligibilityInquiry.objects.create(
            client=client,
            patient=patient,
            coverage=coverage,
            payer=payer,
            encounter=encounter,
            service_date=on_date,
            asked_on=today,
            clearinghouse=clearinghouse,
            trace_number=trace,
            member_id=member_id,
            forced=force and answered is not None,
            asked_by=actor.label[:150],
            request_file=stored,
            request_sha256=stored.sha256,
        )
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=inquiry,
            detail=f"270 {trace} to {clearinghouse} for {on_date}",
        )
    return inquiry, data


def _member_answering(response: EligibilityResponse, trace: str) -> EligibilityMember | None:
    for member in (*response.dependents, *response.subscribers):
        if any(ref.value == trace for ref in member.trace_numbers):
            return member
    return None


def _summary(member: EligibilityMember) -> dict[str, Any]:
    """The headline amounts: in-network, individual, plan coverage (service type 30)."""
    values: dict[str, Any] = {}

    def applies(benefit: Any, *types: str) -> bool:
        return (
            benefit.in_network is not False
            and benefit.coverage_level in ("", "IND")
            and (not benefit.service_types or any(t in benefit.service_types for t in types))
        )

    for benefit in member.benefits:
        if benefit.code in ("1", "2", "3", "4", "5") and "insurance_type" not in values:
            values["insurance_type"] = benefit.insurance_type[:3]
            values["plan_description"] = benefit.plan_description[:50]
        for code, prefix in (("C", "deductible"), ("G", "out_of_pocket")):
            if benefit.code == code and benefit.amount is not None and applies(benefit, "30"):
                slot = {"23": "total", "22": "total", "29": "remaining", "24": "met"}.get(
                    benefit.time_period
                )
                if slot is not None:
                    values.setdefault(f"{prefix}_{slot}", benefit.amount)
        copay = benefit.code == "B" and benefit.amount is not None
        preferred = "98" in benefit.service_types or "copay" not in values
        if copay and preferred and applies(benefit, "98", "30"):
            values["copay"] = benefit.amount
        if benefit.code == "A" and benefit.percent is not None and applies(benefit, "30"):
            values.setdefault(
                "coinsurance_percent", (benefit.percent * 100).quantize(Decimal("0.01"))
            )
    for prefix in ("deductible", "out_of_pocket"):
        total, remaining = values.get(f"{prefix}_total"), values.get(f"{prefix}_remaining")
        if f"{prefix}_met" not in values and total is not None and remaining is not None:
            values[f"{prefix}_met"] = max(total - remaining, Decimal("0.00"))
    group = next((r.value for r in member.references if r.qualifier in ("6P", "IG")), "")
    values["group_number"] = group[:50]
    return values


def _benefit_rows(inquiry: EligibilityInquiry, member: EligibilityMember) -> list[Any]:
    rows = []
    for benefit in member.benefits:
        for service in benefit.service_types or ("",):
            rows.append(
                EligibilityBenefit(
                    inquiry=inquiry,
                    position=benefit.position,
                    code=benefit.code[:2],
                    kind=benefit.kind.replace("_", " ")[:40],
                    coverage_level=benefit.coverage_level[:3],
                    service_type=service[:2],
                    insurance_type=benefit.insurance_type[:3],
                    plan_description=benefit.plan_description[:50],
                    time_period=benefit.time_period[:2],
                    amount=benefit.amount,
                    percent=benefit.percent,
                    in_network=benefit.in_network,
                    messages="\n".join(benefit.messages),
                )
            )
    return rows


def _coverage_key(coverage: Coverage) -> str:
    return f"eligibility:coverage:{coverage.pk}"


def _no_coverage_key(patient: Patient) -> str:
    return f"eligibility:no-coverage:{patient.pk}"


def _flag(actor: Actor, inquiry: EligibilityInquiry, check: EligibilityCheck) -> None:
    """Open (or close) the front desk's work item for this coverage."""
    coverage, payer, day = inquiry.coverage, inquiry.payer, inquiry.service_date
    level = coverage.get_priority_display().lower()
    if inquiry.outcome == EligibilityOutcome.ACTIVE:
        resolution = f"{payer.name} answered active on {day:%m/%d/%Y} ({inquiry.trace_number})"
        work_items_close_by_key(actor=actor, key=_coverage_key(coverage), resolution=resolution)
        work_items_close_by_key(
            actor=actor, key=_no_coverage_key(inquiry.patient), resolution=resolution
        )
        return
    if inquiry.outcome == EligibilityOutcome.INACTIVE:
        plan = ""
        if inquiry.plan_begin or inquiry.plan_end:
            begin = f"{inquiry.plan_begin:%m/%d/%Y}" if inquiry.plan_begin else "?"
            end = f"{inquiry.plan_end:%m/%d/%Y}" if inquiry.plan_end else "open"
            plan = f" The payer has the plan from {begin} to {end}."
        kind = WorkItemKind.COVERAGE_INACTIVE
        title = f"Coverage inactive: {payer.name} ({level}) on {day:%m/%d/%Y}"
        details = (
            f"The payer answered eligibility inquiry {inquiry.trace_number}: not covered on "
            f"the date of service.{plan} Ask the patient for their current insurance, update "
            "the coverage, and check eligibility again; otherwise the visit is self-pay."
        )
    elif inquiry.outcome == EligibilityOutcome.NOT_FOUND:
        kind = WorkItemKind.SUBSCRIBER_NOT_FOUND
        title = f"{payer.name} cannot find the member ({level})"
        details = (
            f"Eligibility inquiry {inquiry.trace_number}: {inquiry.problem}. Compare the member "
            "ID, name and date of birth with the insurance card, correct the coverage, and "
            "check eligibility again."
        )
    else:
        return
    item, opened = work_item_open(
        actor=actor,
        client_id=inquiry.client_id,
        kind=kind,
        title=title,
        details=details,
        patient=inquiry.patient,
        due_date=day,
        key=_coverage_key(coverage),
    )
    check.work_item, check.work_item_opened = item, opened


def _record_answer(
    actor: Actor, inquiry: EligibilityInquiry, data: bytes, check: EligibilityCheck
) -> None:
    """Step 3 (one transaction): store the 271, read it, record it, flag the patient."""
    with transaction.atomic():
        inquiry = EligibilityInquiry.objects.select_for_update().get(pk=inquiry.pk)
        stored = _store(
            direction=FileDirection.RECEIVED,
            kind=FileKind.RESPONSE_271,
            name=f"OPENRCM-{inquiry.trace_number}.271",
            data=data,
            clearinghouse=inquiry.clearinghouse,
            client_id=inquiry.client_id,
        )
        inquiry.response_file, inquiry.response_sha256 = stored, stored.sha256
        inquiry.answered_at = timezone.now()
        fields = ["response_file", "response_sha256", "answered_at", "status", "outcome"]
        fields += ["problem", "updated_at"]
        try:
            documents = list(read_documents(bytes(data)))
        except X12Error as exc:
            documents = []
            inquiry.problem = f"the answer is not a readable 271 ({exc})"[:500]
        responses = [d for d in documents if isinstance(d, EligibilityResponse)]
        member = next(
            (m for r in responses if (m := _member_answering(r, inquiry.trace_number))), None
        )
        source_rejections = [
            x for r in responses for x in r.rejections if x.loop in ("20", "21", "")
        ]
        if member is None:
            inquiry.status = InquiryStatus.FAILED
            if source_rejections:
                first = source_rejections[0]
                inquiry.problem = rejection_words(first.reason_code, first.follow_up_action)
            elif not inquiry.problem:
                inquiry.problem = f"the 271 does not answer trace number {inquiry.trace_number}"
        elif member.rejections:
            first = member.rejections[0]
            inquiry.problem = rejection_words(first.reason_code, first.follow_up_action)[:500]
            inquiry.rejection_code = first.reason_code[:4]
            fields.append("rejection_code")
            if first.reason_code in MEMBER_NOT_FOUND:
                inquiry.status, inquiry.outcome = (
                    InquiryStatus.ANSWERED,
                    EligibilityOutcome.NOT_FOUND,
                )
            else:
                inquiry.status = InquiryStatus.FAILED
        else:
            inquiry.status = InquiryStatus.ANSWERED
            inquiry.outcome = (
                EligibilityOutcome.ACTIVE
                if member.active
                else EligibilityOutcome.INACTIVE
                if member.active is False
                else EligibilityOutcome.UNKNOWN
            )
            inquiry.plan_begin, inquiry.plan_end = member.plan_begin, member.plan_end
            fields += ["plan_begin", "plan_end"]
            for name, value in _summary(member).items():
                setattr(inquiry, name, value)
                fields.append(name)
            EligibilityBenefit.objects.bulk_create(_benefit_rows(inquiry, member))
        inquiry.problem = inquiry.problem[:500]
        inquiry.save(update_fields=fields)
        check.inquiry = inquiry
        if inquiry.status == InquiryStatus.ANSWERED:
            _flag(actor, inquiry, check)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=inquiry,
            detail=f"271 {inquiry.trace_number}: {inquiry.outcome or inquiry.status}"[:255],
        )


def _record_failure(actor: Actor, inquiry: EligibilityInquiry, problem: str) -> None:
    with transaction.atomic():
        EligibilityInquiry.objects.filter(pk=inquiry.pk).update(
            status=InquiryStatus.FAILED, problem=problem[:500], updated_at=timezone.now()
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=inquiry,
            detail=f"270 {inquiry.trace_number} not answered: {problem}"[:255],
        )
    inquiry.refresh_from_db()


def eligibility_check(
    *,
    actor: Actor,
    patient: Patient,
    coverage: Coverage,
    on_date: datetime.date,
    force: bool = False,
    encounter: Encounter | None = None,
    clearinghouse: Clearinghouse | str | None = None,
) -> EligibilityCheck:
    """Ask the payer whether ``coverage`` covers ``patient`` on ``on_date`` (270/271).

    Idempotent: the same patient, coverage and date answered earlier today is returned
    as it is (``reused``) unless ``force``. A clearinghouse that cannot be reached makes a
    failed inquiry (its problem says why), not an exception: the next run asks again.
    """
    permission_check(actor, "eligibility.check")
    if coverage.patient_id != patient.pk:
        raise ValidationFailed([("coverage", f"coverage {coverage.pk} is not {patient}'s")])
    check = EligibilityCheck(patient=patient)
    name = _clearinghouse_name(coverage.payer)
    if isinstance(clearinghouse, Clearinghouse):
        name = clearinghouse.name or name
    elif clearinghouse:
        name = clearinghouse
    adapter = _adapter(name, clearinghouse)  # an unknown name stops here, nothing stored
    inquiry, data = _ask_270(
        actor, patient, coverage, on_date, force=force, encounter=encounter, clearinghouse=name
    )
    check.inquiry = inquiry
    if data is None:
        check.reused = True
        return check
    try:
        answer = adapter.inquire(data)
    except (ClearinghouseError, OSError) as exc:
        _record_failure(actor, inquiry, _problem_text(exc))
        return check
    _record_answer(actor, inquiry, answer, check)
    return check


def coverages_to_check(patient: Patient, on_date: datetime.date) -> list[Coverage]:
    """At each level (primary, secondary, tertiary) the coverage that began last on or
    before the date: in force by our records, or lapsed (the payer will say inactive)."""
    chosen: list[Coverage] = []
    for level in CoveragePriority.values:
        found = (
            patient.coverages.select_related("payer", "payer__claim_rules")
            .filter(priority=level, effective_from__lte=on_date)
            .order_by("-effective_from", "-pk")
            .first()
        )
        if found is not None:
            chosen.append(found)
    return chosen


def eligibility_check_patient(
    *,
    actor: Actor,
    patient: Patient,
    on_date: datetime.date,
    force: bool = False,
    encounter: Encounter | None = None,
    clearinghouse: Clearinghouse | str | None = None,
) -> list[EligibilityCheck]:
    """Check every coverage level of the patient; no coverage at all flags the patient."""
    permission_check(actor, "eligibility.check")
    coverages = coverages_to_check(patient, on_date)
    if not coverages:
        check = EligibilityCheck(patient=patient)
        with transaction.atomic():
            item, opened = work_item_open(
                actor=actor,
                client_id=patient.client_id,
                kind=WorkItemKind.COVERAGE_MISSING,
                title=f"No insurance on file for {on_date:%m/%d/%Y}",
                details=(
                    "The patient has no coverage that began by the date of service, so no "
                    "payer can be asked. Ask for their insurance card and add the coverage, "
                    "or tell them the visit is self-pay."
                ),
                patient=patient,
                due_date=on_date,
                key=_no_coverage_key(patient),
            )
        check.work_item, check.work_item_opened = item, opened
        return [check]
    return [
        eligibility_check(
            actor=actor,
            patient=patient,
            coverage=coverage,
            on_date=on_date,
            force=force,
            encounter=encounter,
            clearinghouse=clearinghouse,
        )
        for coverage in coverages
    ]


@dataclass
class EligibilityRun:
    day: datetime.date
    patients: int = 0
    checks: list[EligibilityCheck] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for c in self.checks if c.outcome == outcome and not c.reused)

    @property
    def asked(self) -> int:
        return sum(1 for c in self.checks if c.inquiry is not None and not c.reused)

    @property
    def reused(self) -> int:
        return sum(1 for c in self.checks if c.reused)

    @property
    def failed(self) -> int:
        return self.count(InquiryStatus.FAILED)

    @property
    def work_items_opened(self) -> int:
        return sum(1 for c in self.checks if c.work_item_opened)

    @property
    def flagged_patients(self) -> int:
        return len({c.patient.pk for c in self.checks if c.work_item is not None})

    def summary(self) -> str:
        text = (
            f"{self.day:%Y-%m-%d}: {self.patients} patient(s); {self.asked} asked "
            f"({self.count('active')} active, {self.count('inactive')} inactive, "
            f"{self.count('not_found')} not found, {self.failed} not answered)"
        )
        if self.reused:
            text += f", {self.reused} answered earlier today"
        missing = self.count("no_coverage")
        if missing:
            text += f"; {missing} with no coverage on file"
        text += (
            f"; {self.flagged_patients} patient(s) flagged, "
            f"{self.work_items_opened} new work item(s)"
        )
        return text + (f"; {len(self.problems)} problem(s)" if self.problems else "")


def eligibility_check_for_date(
    *,
    actor: Actor,
    day: datetime.date,
    force: bool = False,
    client_id: int | None = None,
    patient_ids: Iterable[int] | None = None,
    progress: Progress | None = None,
    clearinghouse: Clearinghouse | str | None = None,
) -> EligibilityRun:
    """Check the coverage of every patient with an encounter on ``day`` (the batch job:
    run it for tomorrow). Each patient is checked on its own; a problem with one is
    reported and the others go on."""
    permission_check(actor, "eligibility.check")
    encounters = Encounter.objects.filter(date_of_service=day)
    if client_id is not None:
        encounters = encounters.filter(client_id=client_id)
    if patient_ids is not None:
        encounters = encounters.filter(patient_id__in=list(patient_ids))
    first_encounter: dict[int, int] = {}
    for patient_id, encounter_id in encounters.order_by("patient_id", "pk").values_list(
        "patient_id", "pk"
    ):
        first_encounter.setdefault(patient_id, encounter_id)
    run = EligibilityRun(day=day, patients=len(first_encounter))
    if progress is not None:
        progress.start(f"Eligibility for {day:%m/%d/%Y}", len(first_encounter))
    patients = Patient.objects.select_related("client").in_bulk(list(first_encounter))
    adapters: dict[str, Clearinghouse] = {}
    for patient_id in sorted(first_encounter):
        patient = patients[patient_id]
        encounter = Encounter.objects.filter(pk=first_encounter[patient_id]).first()
        chosen: Clearinghouse | str | None = clearinghouse
        try:
            if clearinghouse is None:
                names = {_clearinghouse_name(c.payer) for c in coverages_to_check(patient, day)}
                if len(names) == 1:
                    (name,) = names
                    if name not in adapters:
                        adapters[name] = clearinghouse_get(name)
                    chosen = adapters[name]
            run.checks += eligibility_check_patient(
                actor=actor,
                patient=patient,
                on_date=day,
                force=force,
                encounter=encounter,
                clearinghouse=chosen,
            )
        except ApplicationError as exc:
            run.problems.append(f"{patient} ({patient.account_number}): {exc.message}")
        if progress is not None:
            progress.advance()
    if progress is not None:
        progress.finish()
    return run


def eligibility_default_day(today: datetime.date | None = None) -> datetime.date:
    """Tomorrow; or, when nobody is seen tomorrow, the most recent day with visits
    (so a fresh demo, whose visits are all in the past, still has a day to check)."""
    today = today or timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    if Encounter.objects.filter(date_of_service=tomorrow).exists():
        return tomorrow
    latest = (
        Encounter.objects.filter(date_of_service__lte=today)
        .order_by("-date_of_service")
        .values_list("date_of_service", flat=True)
        .first()
    )
    return latest or tomorrow


# --- claim status: 276 / 277 -----------------------------------------------------------------


def claim_status_after_days() -> int:
    """How many days a submitted or accepted claim may go without an answer (setting)."""
    return int(getattr(settings, "OPENRCM_CLAIM_STATUS_AFTER_DAYS", DEFAULT_STATUS_AFTER_DAYS))


def claims_awaiting_status(
    *, after_days: int, now: datetime.datetime | None = None, client_id: int | None = None
) -> Any:
    """Claims submitted or accepted whose status has not changed for ``after_days`` days
    and that were not asked about (and answered) within those days."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=after_days)
    recent = ClaimStatusInquiry.objects.filter(
        Q(status=InquiryStatus.ANSWERED, answered_at__gte=cutoff)
        | Q(status=InquiryStatus.ASKED, created_at__gte=now - IN_FLIGHT)
    ).values("claim_id")
    claims = (
        Claim.objects.filter(status__in=[ClaimStatus.SUBMITTED, ClaimStatus.ACCEPTED])
        .annotate(last_change=Max("history__at"))
        .filter(last_change__lte=cutoff)
        .exclude(pk__in=recent)
    )
    if client_id is not None:
        claims = claims.filter(client_id=client_id)
    return claims.order_by("pk")


@dataclass
class ClaimStatusRun:
    asked: int = 0
    answered: int = 0
    accepted: int = 0  # moved from submitted to accepted by the answer
    rejected: int = 0  # moved to rejected (the payer rejected it or has no record of it)
    failed: int = 0
    inquiries: list[ClaimStatusInquiry] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"{self.asked} claim(s) asked about, {self.answered} answered "
            f"({self.accepted} now accepted, {self.rejected} now rejected), "
            f"{self.failed} not answered"
        )
        return text + (f"; {len(self.problems)} problem(s)" if self.problems else "")


def _status_inquiry_276(claim: Claim, trace: str) -> x12.ClaimStatusInquiry:
    client, coverage, patient, payer = claim.client, claim.coverage, claim.patient, claim.payer
    is_self = coverage.relationship == "18"
    subscriber = x12.StatusSubscriber(
        x12.PersonName(coverage.subscriber_last_name, coverage.subscriber_first_name),
        coverage.subscriber_id or coverage.member_id,
        coverage.subscriber_date_of_birth if is_self else None,
        coverage.subscriber_sex if is_self else None,  # type: ignore[arg-type]  # F, M, U
    )
    patient_276 = None
    if not is_self:
        patient_276 = x12.StatusPatient(
            x12.PersonName(patient.last_name, patient.first_name, patient.middle_name),
            patient.date_of_birth,
            patient.sex,  # type: ignore[arg-type]  # F, M or U by the model's choices
        )
    return x12.ClaimStatusInquiry(
        payer=x12.Payer(payer.name, payer.payer_id),
        receiver=x12.StatusReceiver(
            str(settings.OPENRCM_COMPANY_NAME)[:60],
            str(getattr(settings, "OPENRCM_SUBMITTER_ID", "OPENRCM")),
        ),
        provider=x12.StatusProvider(x12.OrganizationName(client.legal_name), client.group_npi),
        subscriber=subscriber,
        trace_number=trace,
        total_charge=claim.total_charge,
        service_date=claim.encounter.date_of_service,
        patient_control_number=claim.patient_control_number,
        payer_claim_control_number=claim.payer_claim_number or None,
        patient=patient_276,
    )


def _ask_276(
    actor: Actor, claims: list[Claim], clearinghouse: str, run: ClaimStatusRun
) -> tuple[list[ClaimStatusInquiry], bytes | None]:
    """One transaction: the 276 for a practice's claims to one payer, stored and recorded."""
    with transaction.atomic():
        interchange = _interchange()
        base = f"CS{interchange.interchange_control_number:09d}"
        values = {f"{base}{n:04d}": c for n, c in enumerate(claims, start=1)}
        while values:
            try:
                data = x12.write_276(
                    interchange,
                    x12.ClaimStatusBatch(
                        base, tuple(_status_inquiry_276(c, t) for t, c in values.items())
                    ),
                )
                break
            except X12WriteError as exc:
                message = str(exc)
                culprit = next((t for t in values if message.startswith(f"inquiry {t}:")), None)
                for trace in [culprit] if culprit else list(values):
                    claim = values.pop(trace)
                    run.problems.append(f"{claim.patient_control_number}: {message}")
        else:
            return [], None
        first = claims[0]
        stored = _store(
            direction=FileDirection.SENT,
            kind=FileKind.INQUIRY_276,
            name=f"OPENRCM-{base}.276",
            data=data,
            clearinghouse=clearinghouse,
            client_id=first.client_id,
        )
        rows = [
            ClaimStatusInquiry.objects.create(
                client_id=claim.client_id,
                claim=claim,
                payer_id=claim.payer_id,
                clearinghouse=clearinghouse,
                trace_number=trace,
                asked_by=actor.label[:150],
                request_file=stored,
                claim_status_before=claim.status,
            )
            for trace, claim in values.items()
        ]
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=stored,
            client_id=first.client_id,
            detail=f"276 {base} to {clearinghouse}: {len(rows)} claim(s)",
        )
    return rows, data


def _record_277(
    actor: Actor, rows: list[ClaimStatusInquiry], data: bytes, run: ClaimStatusRun
) -> None:
    """One transaction: store the 277, record each claim's answer, move claims the
    lifecycle lets move (submitted -> accepted when the payer has it; submitted or
    accepted -> rejected when the payer rejected it or has no record of it)."""
    by_trace = {row.trace_number: row for row in rows}
    with transaction.atomic():
        first = rows[0]
        stored = _store(
            direction=FileDirection.RECEIVED,
            kind=FileKind.RESPONSE_277,
            name=f"OPENRCM-{first.trace_number[:11]}.277",
            data=data,
            clearinghouse=first.clearinghouse,
            client_id=first.client_id,
        )
        try:
            documents = list(read_documents(bytes(data)))
        except X12Error as exc:
            documents = []
            run.problems.append(f"the 277 is not readable: {exc}")
        answers = {}
        for document in documents:
            if isinstance(document, ClaimStatusResponse) and not document.is_acknowledgment:
                for status in document.claims:
                    answers[status.patient_control_number] = status  # TRN02: our trace
        locked = {c.pk: c for c in claims_lock(row.claim_id for row in rows)}
        now = timezone.now()
        for trace, row in by_trace.items():
            row.response_file = stored
            answer = answers.get(trace)
            claim = locked.get(row.claim_id)
            if answer is None or claim is None or not answer.statuses:
                row.status, row.problem = InquiryStatus.FAILED, "the 277 does not answer it"
                row.save(update_fields=["status", "problem", "response_file", "updated_at"])
                run.failed += 1
                continue
            composites = [code for entry in answer.statuses for code in entry.codes]
            head = composites[0]
            row.status, row.answered_at = InquiryStatus.ANSWERED, now
            row.status_codes = " ".join(
                ":".join(p for p in (c.category, c.code, c.entity) if p) for c in composites
            )[:200]
            row.status_words = "; ".join(
                claim_status_words(c.category, c.code, c.entity) for c in composites
            )[:1000]
            row.effective_date = answer.statuses[0].effective_date
            row.paid_amount = answer.statuses[0].paid
            row.payer_claim_number = answer.payer_claim_number[:50]
            target = ""
            if head.category in REJECTED_CATEGORIES:
                target = ClaimStatus.REJECTED
            elif head.category in AT_PAYER_CATEGORIES and claim.status == ClaimStatus.SUBMITTED:
                target = ClaimStatus.ACCEPTED
            if target and transition_problem(claim.status, target) is None:
                claim_transition(
                    claim, to=target, actor=actor, reason=f"277 {row.status_words}"[:255]
                )
                if target == ClaimStatus.ACCEPTED:
                    run.accepted += 1
                else:
                    run.rejected += 1
            if answer.payer_claim_number and not claim.payer_claim_number:
                claim.payer_claim_number = answer.payer_claim_number[:50]
                claim.save(update_fields=["payer_claim_number", "updated_at"])
            row.claim_status_after = claim.status
            row.save()
            ClaimResponse.objects.get_or_create(
                claim=claim,
                exchanged_file=stored,
                defaults={
                    "kind": FileKind.RESPONSE_277,
                    "accepted": head.category not in REJECTED_CATEGORIES,
                    "status_codes": row.status_codes,
                    "reason": row.status_words,
                },
            )
            run.answered += 1
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=stored,
            client_id=first.client_id,
            detail=f"277 for {len(rows)} claim(s): {run.answered} answered"[:255],
        )


def claim_status_inquiries_run(
    *,
    actor: Actor,
    after_days: int | None = None,
    client_id: int | None = None,
    claim_ids: Iterable[int] | None = None,
    progress: Progress | None = None,
    clearinghouse: Clearinghouse | str | None = None,
) -> ClaimStatusRun:
    """Ask the payers (276) about every claim awaiting an answer for ``after_days`` days
    (the setting by default), one 276 per practice, payer and clearinghouse; record the
    277 answers. Idempotent: a claim answered within those days is not asked again."""
    permission_check(actor, "claim.submit")
    days = claim_status_after_days() if after_days is None else after_days
    if days < 0:
        raise ValidationFailed([("after_days", "the number of days cannot be negative")])
    claims = claims_awaiting_status(after_days=days, client_id=client_id)
    if claim_ids is not None:
        claims = claims.filter(pk__in=list(claim_ids))
    loaded = list(
        claims.select_related(
            "client", "patient", "coverage", "payer", "payer__claim_rules", "encounter"
        )
    )
    groups: dict[tuple[int, int, str], list[Claim]] = defaultdict(list)
    for claim in loaded:
        name = _clearinghouse_name(claim.payer)
        if isinstance(clearinghouse, Clearinghouse):
            name = clearinghouse.name or name
        elif clearinghouse:
            name = clearinghouse
        groups[(claim.client_id, claim.payer_id, name)].append(claim)
    # Every clearinghouse named must exist before anything is asked or stored.
    adapters = {name: _adapter(name, clearinghouse) for (_c, _p, name) in groups}
    run = ClaimStatusRun()
    if progress is not None:
        progress.start("Claim status inquiries (276)", len(loaded))
    for (_client, _payer, name), group in sorted(groups.items(), key=lambda g: g[0]):
        rows, data = _ask_276(actor, group, name, run)
        run.asked += len(rows)
        run.inquiries += rows
        if data is not None and rows:
            try:
                answer = adapters[name].inquire(data)
            except (ClearinghouseError, OSError) as exc:
                problem = _problem_text(exc)
                ClaimStatusInquiry.objects.filter(pk__in=[r.pk for r in rows]).update(
                    status=InquiryStatus.FAILED, problem=problem[:500], updated_at=timezone.now()
                )
                run.failed += len(rows)
                run.problems.append(f"{name}: {problem}")
            else:
                _record_277(actor, rows, answer, run)
        if progress is not None:
            progress.advance(len(group))
    if progress is not None:
        progress.finish()
    return run
