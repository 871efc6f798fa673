"""The sandbox payers' real-time answers: 270 -> 271 (eligibility), 276 -> 277 (claim status).

Eligibility. The simulated payer looks the member up in its enrollment file (the
*roster*: by default the coverages openrcm itself holds, found by payer ID and member
ID) and answers, for the date asked:

=========================  ==============================================================
AAA*Y**75*C                subscriber not found: the member is not on the roster, or is
                           one of the seeded ``reject_percent`` share the sandbox treats
                           as "not on file" (the same members its 277CAs reject A7:164)
EB*6 (inactive)            the plan had ended before the date asked (or not yet begun),
                           with the plan dates (DTP*346/347)
EB*1 (active)              otherwise, with the plan dates, and in-network amounts drawn
                           from the seed: calendar-year deductible and out-of-pocket
                           maximum with what remains (EB*C / EB*G, periods 23 and 29;
                           what is met grows through the year), an office-visit copay
                           (EB*B, service type 98) and coinsurance (EB*A)
=========================  ==============================================================

Claim status. The sandbox looks for the claim (REF*EJ, our patient control number) in the
837P files it received, and answers as its 277CA did: a claim it rejected at the front end
gets the same A-category status; one it accepted is pending in adjudication (P1:20) with
the payer claim number; one it never received is not found (A4:35).

Both answers are pure functions of the inquiry, the seed, the roster and the received
files: the same 270 or 276 always gets byte-for-byte the same answer.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from openrcm.clearinghouse.base import ClearinghouseError
from openrcm.x12 import ClaimStatusResponse, X12Error, iter_transaction_sets, read_documents
from openrcm.x12.models import Envelope, Segment
from openrcm.x12.write import (
    EligibilityDependent,
    EligibilitySubscriber,
    InformationReceiver,
    InterchangeSettings,
    OrganizationName,
    Payer,
    PersonName,
    StatusPatient,
    StatusProvider,
    StatusReceiver,
    StatusSubscriber,
)
from openrcm.x12.write.parties import Name
from openrcm.x12.write.response271 import (
    BenefitLine,
    EligibilityAnswer,
    EligibilityResponse271,
    RequestRejection,
    write_271,
)
from openrcm.x12.write.response277 import (
    ClaimStatusAnswer,
    ClaimStatusEntry,
    ClaimStatusResponse277,
    write_277,
)

if TYPE_CHECKING:
    from openrcm.clearinghouse.sandbox import SandboxClearinghouse

SANDBOX_ID = "OPENRCMSANDBOX"
DEDUCTIBLES = (250, 500, 1000, 1500, 2000, 3000)
OUT_OF_POCKET = (3000, 4000, 5000, 6500, 8000)
COPAYS = (15, 20, 25, 30, 40)
COINSURANCE = ("0.1", "0.2", "0.2", "0.3")
COMMERCIAL_PLANS = ("BRONZE PPO", "SILVER PPO", "GOLD PPO", "HMO SELECT", "CHOICE PLUS")


@dataclass(frozen=True)
class EnrolledMember:
    """What the simulated payer's enrollment file says about one member."""

    plan_begin: datetime.date
    plan_end: datetime.date | None
    group_number: str = ""
    insurance_type: str = "C1"  # EB04
    plan_name: str = ""


Roster = Callable[[str, str], EnrolledMember | None]  # (payer id, member id) -> member


def _draw(seed: int, *parts: str) -> int:
    digest = hashlib.sha256(":".join((str(seed), *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text[:8], "%Y%m%d").date()  # noqa: DTZ007 - a date
    except ValueError:
        return None


def _name(e: Segment) -> Name:
    if e.element(2) == "2":
        return OrganizationName(e.element(3) or "UNKNOWN")
    return PersonName(e.element(3) or "UNKNOWN", e.element(4), e.element(5), e.element(7))


def _person(e: Segment) -> PersonName:
    return PersonName(e.element(3) or "UNKNOWN", e.element(4), e.element(5), e.element(7))


def _sex(text: str) -> Literal["F", "M", "U"] | None:
    return "F" if text == "F" else "M" if text == "M" else "U" if text == "U" else None


def _created(first_group_date: str, first_group_time: str) -> datetime.datetime:
    day = _date(first_group_date) or datetime.date(2000, 1, 1)
    hhmm = first_group_time[:4].ljust(4, "0")
    hour = int(hhmm[:2]) % 24 if hhmm[:2].isdigit() else 0
    minute = int(hhmm[2:]) % 60 if hhmm[2:].isdigit() else 0
    return datetime.datetime.combine(day, datetime.time(hour, minute))


def _interchange(envelope: Envelope, created: datetime.datetime) -> InterchangeSettings:
    interchange, group = envelope.interchange, envelope.group
    control = int(interchange.control_number) if interchange.control_number.isdigit() else 1
    group_control = int(group.control_number) if group.control_number.isdigit() else 1
    return InterchangeSettings(
        sender_id=SANDBOX_ID,
        receiver_id=interchange.sender_id.strip()[:15] or "UNKNOWN",
        interchange_control_number=min(max(control, 1), 999_999_999),
        group_control_number=min(max(group_control, 1), 999_999_999),
        transaction_set_control_number=1,
        created_at=created,
    )


# --------------------------------------------------------------------------- 270 -> 271


@dataclass
class _Asked:
    """One HL 22 or 23 block of a 270."""

    level: str
    trace: str = ""
    originator: str = ""
    name: PersonName = field(default_factory=lambda: PersonName("UNKNOWN"))
    member_id: str = ""
    birth_date: datetime.date | None = None
    sex: Literal["F", "M", "U"] | None = None
    day: datetime.date | None = None
    parent: _Asked | None = None
    payer: Payer = field(default_factory=lambda: Payer("UNKNOWN PAYER", "UNKNOWN"))
    receiver: InformationReceiver | None = None


def _benefits(
    seed: int, payer_id: str, member_id: str, member: EnrolledMember, day: datetime.date
) -> tuple[BenefitLine, ...]:
    draw = _draw(seed, "eligibility", payer_id, member_id)
    deductible = DEDUCTIBLES[draw % len(DEDUCTIBLES)]
    out_of_pocket = max(OUT_OF_POCKET[(draw >> 8) % len(OUT_OF_POCKET)], deductible * 2)
    copay = COPAYS[(draw >> 16) % len(COPAYS)]
    coinsurance = Decimal(COINSURANCE[(draw >> 24) % len(COINSURANCE)])
    # What is met grows through the calendar year, faster for some members than others.
    year_share = Decimal(day.timetuple().tm_yday) / Decimal(366)
    pace = Decimal(50 + (draw >> 32) % 150) / Decimal(100)  # 0.5 .. 2.0
    met = min(Decimal(deductible), (Decimal(deductible) * year_share * pace).quantize(Decimal(1)))
    oop_met = min(Decimal(out_of_pocket), (met * Decimal("1.4")).quantize(Decimal(1)))
    plan = member.plan_name or COMMERCIAL_PLANS[(draw >> 40) % len(COMMERCIAL_PLANS)]
    ins = member.insurance_type

    def money(value: Decimal | int) -> Decimal:
        return Decimal(value).quantize(Decimal("0.01"))

    return (
        BenefitLine("1", "30", "IND", ins, plan[:50]),
        BenefitLine("C", "30", "IND", time_period="23", amount=money(deductible), in_network=True),
        BenefitLine(
            "C", "30", "IND", time_period="29", amount=money(deductible - met), in_network=True
        ),
        BenefitLine(
            "G", "30", "IND", time_period="23", amount=money(out_of_pocket), in_network=True
        ),
        BenefitLine(
            "G",
            "30",
            "IND",
            time_period="29",
            amount=money(out_of_pocket - oop_met),
            in_network=True,
        ),
        BenefitLine(
            "B",
            "98",
            "IND",
            time_period="27",
            amount=money(copay),
            in_network=True,
            messages=("OFFICE VISIT COPAY",),
        ),
        BenefitLine("A", "30", "IND", percent=coinsurance, in_network=True),
    )


def member_not_on_file(seed: int, payer_id: str, member_id: str, percent: int) -> bool:
    """The seeded "not on file" draw; the same one the sandbox's 277CAs use (A7:164)."""
    from openrcm.clearinghouse.sandbox import member_rejected

    return member_rejected(seed, payer_id, member_id, percent)


def answer_270(data: bytes, *, seed: int, not_found_percent: int, roster: Roster) -> bytes:
    """The sandbox payer's 271 for one 270 interchange (see the module docstring)."""
    try:
        sets = list(iter_transaction_sets(data))
    except X12Error as exc:
        raise ClearinghouseError(
            f"the sandbox could not read the 270: {exc}", code="clearinghouse_unreadable"
        ) from exc
    first = sets[0].envelope
    created = _created(first.group.date, first.group.time)
    answers: list[EligibilityAnswer] = []
    reference = ""
    for ts in sets:
        if ts.envelope.transaction_set_id != "270":
            raise ClearinghouseError(
                f"expected a 270 eligibility inquiry, got a {ts.envelope.transaction_set_id}",
                code="clearinghouse_wrong_kind",
            )
        payer = Payer("UNKNOWN PAYER", "UNKNOWN")
        receiver: InformationReceiver | None = None
        blocks: list[_Asked] = []
        current: _Asked | None = None
        subscriber: _Asked | None = None
        for segment in ts.segments:
            tag = segment.id
            if tag == "BHT":
                reference = reference or segment.element(3)
            elif tag == "HL":
                level = segment.element(3)
                current = None
                if level == "22":
                    current = subscriber = _Asked("22", payer=payer, receiver=receiver)
                    blocks.append(current)
                elif level == "23":
                    current = _Asked("23", parent=subscriber, payer=payer, receiver=receiver)
                    blocks.append(current)
            elif tag == "NM1":
                entity = segment.element(1)
                if entity == "PR":
                    payer = Payer(segment.element(3) or "UNKNOWN PAYER", segment.element(9))
                elif entity == "1P":
                    receiver = InformationReceiver(_name(segment), segment.element(9))
                elif current is not None and entity in ("IL", "03"):
                    current.name = _person(segment)
                    current.member_id = segment.element(9)
            elif current is not None and tag == "TRN":
                current.trace, current.originator = segment.element(2), segment.element(3)
            elif current is not None and tag == "DMG":
                current.birth_date = _date(segment.element(2))
                current.sex = _sex(segment.element(3))
            elif current is not None and tag == "DTP" and segment.element(1) == "291":
                current.day = _date(segment.element(3))
        for block in blocks:
            if not block.trace:
                continue  # a subscriber level with dependents under it
            answers.append(
                _answer_one(
                    block,
                    created.date(),
                    seed=seed,
                    not_found_percent=not_found_percent,
                    roster=roster,
                )
            )
    if not answers:
        raise ClearinghouseError(
            "the 270 asks about nobody (no TRN trace number in it)",
            code="clearinghouse_unreadable",
        )
    response = EligibilityResponse271(reference or "SANDBOX", created, tuple(answers))
    return write_271(_interchange(first, created), response)


def _answer_one(
    block: _Asked,
    today: datetime.date,
    *,
    seed: int,
    not_found_percent: int,
    roster: Roster,
) -> EligibilityAnswer:
    payer, receiver = block.payer, block.receiver
    if receiver is None:
        raise ClearinghouseError(
            "the 270 has no information receiver (NM1*1P)", code="clearinghouse_unreadable"
        )
    holder = block.parent if block.level == "23" and block.parent is not None else block
    member_id = holder.member_id
    subscriber = EligibilitySubscriber(
        holder.name, member_id or "UNKNOWN", holder.birth_date, holder.sex
    )
    dependent = None
    if block is not holder:
        birth = block.birth_date or holder.birth_date or today
        dependent = EligibilityDependent(block.name, birth, block.sex)
    day = block.day or holder.day or today
    base = {
        "payer": payer,
        "receiver": receiver,
        "subscriber": subscriber,
        "trace_number": block.trace,
        "trace_originator": block.originator,
        "dependent": dependent,
    }
    enrolled = roster(payer.payer_id, member_id) if member_id else None
    if enrolled is None or member_not_on_file(seed, payer.payer_id, member_id, not_found_percent):
        return EligibilityAnswer(**base, rejection=RequestRejection("75", "C"))  # type: ignore[arg-type]
    in_force = enrolled.plan_begin <= day and (
        enrolled.plan_end is None or day <= enrolled.plan_end
    )
    if not in_force:
        benefits: tuple[BenefitLine, ...] = (
            BenefitLine("6", "30", "IND", messages=("NOT IN FORCE ON THE DATE ASKED",)),
        )
    else:
        benefits = _benefits(seed, payer.payer_id, member_id, enrolled, day)
    return EligibilityAnswer(
        **base,  # type: ignore[arg-type]
        plan_begin=enrolled.plan_begin,
        plan_end=enrolled.plan_end,
        group_number=enrolled.group_number,
        benefits=benefits,
    )


# --------------------------------------------------------------------------- 276 -> 277


@dataclass(frozen=True)
class ReceivedClaim:
    """What the sandbox did with a claim it received in an 837P (from its 277CA)."""

    accepted: bool
    status: ClaimStatusEntry
    payer_claim_number: str = ""


ClaimLookup = Callable[[str], ReceivedClaim | None]  # patient control number -> claim


@dataclass
class _StatusLevel:
    payer: Payer = field(default_factory=lambda: Payer("UNKNOWN PAYER", "UNKNOWN"))
    receiver: StatusReceiver = field(default_factory=lambda: StatusReceiver("UNKNOWN", "UNKNOWN"))
    provider: StatusProvider | None = None
    subscriber: StatusSubscriber | None = None
    patient: StatusPatient | None = None


@dataclass
class _AskedClaim:
    where: _StatusLevel
    trace: str
    patient_control_number: str = ""
    payer_claim_number: str = ""
    charge: Decimal = Decimal(0)
    start: datetime.date | None = None
    end: datetime.date | None = None


def _claim_status_answer(
    asked: _AskedClaim, today: datetime.date, lookup: ClaimLookup
) -> ClaimStatusAnswer:
    where = asked.where
    if where.provider is None or where.subscriber is None:
        raise ClearinghouseError(
            f"the 276 inquiry {asked.trace} has no service provider or subscriber",
            code="clearinghouse_unreadable",
        )
    found = lookup(asked.patient_control_number) if asked.patient_control_number else None
    if found is None:
        status, payer_claim = ClaimStatusEntry("A4", "35"), ""
    elif not found.accepted:
        status, payer_claim = found.status, ""
    else:
        status, payer_claim = ClaimStatusEntry("P1", "20"), found.payer_claim_number
    return ClaimStatusAnswer(
        payer=where.payer,
        receiver=where.receiver,
        provider=where.provider,
        subscriber=where.subscriber,
        patient=where.patient,
        trace_number=asked.trace,
        status=status,
        effective_date=today,
        total_charge=asked.charge,
        service_date=asked.start or today,
        service_date_end=asked.end,
        patient_control_number=asked.patient_control_number,
        payer_claim_control_number=payer_claim or asked.payer_claim_number,
    )


def answer_276(data: bytes, *, lookup: ClaimLookup) -> bytes:
    """The sandbox payer's 277 for one 276 interchange (see the module docstring)."""
    try:
        sets = list(iter_transaction_sets(data))
    except X12Error as exc:
        raise ClearinghouseError(
            f"the sandbox could not read the 276: {exc}", code="clearinghouse_unreadable"
        ) from exc
    first = sets[0].envelope
    created = _created(first.group.date, first.group.time)
    asked: list[_AskedClaim] = []
    reference = ""
    for ts in sets:
        if ts.envelope.transaction_set_id != "276":
            raise ClearinghouseError(
                f"expected a 276 claim status inquiry, got a {ts.envelope.transaction_set_id}",
                code="clearinghouse_wrong_kind",
            )
        level = _StatusLevel()
        claim: _AskedClaim | None = None
        birth: tuple[datetime.date | None, Literal["F", "M", "U"] | None] = (None, None)
        for segment in ts.segments:
            tag, e = segment.id, segment.element
            if tag == "BHT":
                reference = reference or e(3)
            elif tag == "HL":
                claim = None
                birth = (None, None)
                code = e(3)
                level = _StatusLevel(
                    level.payer,
                    level.receiver,
                    level.provider if code in ("22", "23") else None,
                    level.subscriber if code == "23" else None,
                )
            elif tag == "DMG":
                birth = (_date(e(2)), _sex(e(3)))
            elif tag == "NM1":
                entity = e(1)
                if entity == "PR":
                    level.payer = Payer(e(3) or "UNKNOWN PAYER", e(9))
                elif entity == "41":
                    level.receiver = StatusReceiver(e(3) or "UNKNOWN", e(9) or "UNKNOWN")
                elif entity == "1P":
                    level.provider = StatusProvider(_name(segment), e(9))
                elif entity == "IL":
                    level.subscriber = StatusSubscriber(_person(segment), e(9) or "UNKNOWN")
                elif entity == "QC":
                    level.patient = StatusPatient(
                        _person(segment), birth[0] or created.date(), birth[1]
                    )
            elif tag == "TRN":
                claim = _AskedClaim(level, e(2))
                asked.append(claim)
            elif claim is not None and tag == "REF":
                if e(1) == "EJ":
                    claim.patient_control_number = e(2)
                elif e(1) == "1K":
                    claim.payer_claim_number = e(2)
            elif claim is not None and tag == "AMT" and e(1) == "T3":
                try:
                    claim.charge = Decimal(e(2)).quantize(Decimal("0.01"))
                except ArithmeticError:
                    claim.charge = Decimal(0)
            elif claim is not None and tag == "DTP" and e(1) == "472":
                dates = e(3).split("-")
                claim.start, claim.end = _date(dates[0]), _date(dates[-1])
    if not asked:
        raise ClearinghouseError(
            "the 276 asks about no claim (no TRN trace number in it)",
            code="clearinghouse_unreadable",
        )
    answers = tuple(_claim_status_answer(a, created.date(), lookup) for a in asked)
    response = ClaimStatusResponse277(reference or "SANDBOX", created, answers)
    return write_277(_interchange(first, created), response)


# --------------------------------------------------------------------------- the sandbox's data


def received_claims(received: Path, *, seed: int, reject_percent: int) -> dict[str, ReceivedClaim]:
    """Every claim in the 837P files the sandbox received, with what its 277CA said."""
    from openrcm.clearinghouse.sandbox import sandbox_answer

    found: dict[str, ReceivedClaim] = {}
    if not received.is_dir():
        return found
    for path in sorted(received.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        for name, answer in sandbox_answer(
            path.name, path.read_bytes(), seed=seed, reject_percent=reject_percent
        ):
            if not name.endswith(".277CA"):
                continue
            for document in read_documents(answer):
                if not isinstance(document, ClaimStatusResponse):
                    continue
                for claim in document.claims:
                    codes = [c for entry in claim.statuses for c in entry.codes]
                    first = codes[0] if codes else None
                    found[claim.patient_control_number] = ReceivedClaim(
                        accepted=bool(claim.accepted),
                        status=ClaimStatusEntry(first.category, first.code, first.entity)
                        if first
                        else ClaimStatusEntry("A1", "19"),
                        payer_claim_number=claim.payer_claim_number,
                    )
    return found


_INSURANCE_BY_FILING = {"MB": "MB", "MA": "MA", "MC": "MC", "HM": "HM"}


def roster_from_database(payer_id: str, member_id: str) -> EnrolledMember | None:
    """The simulated payer's enrollment file: openrcm's own coverage rows of that payer,
    found by member ID (or, for a dependent asked about by the subscriber's ID, by that)."""
    from openrcm.core.fields import search_hash_for
    from openrcm.patients.models import Coverage

    coverages = Coverage.objects.select_related("payer").filter(payer__payer_id=payer_id)
    found = (
        coverages.filter(member_id_hash=search_hash_for(Coverage, "member_id_hash", member_id))
        .order_by("-effective_from", "-pk")
        .first()
    )
    if found is None:
        found = next(
            (c for c in coverages.exclude(subscriber_id="").order_by("-effective_from", "-pk")
             if c.subscriber_id == member_id),
            None,
        )  # fmt: skip
    if found is None:
        return None
    indicator = found.payer.claim_filing_indicator
    return EnrolledMember(
        plan_begin=found.effective_from,
        plan_end=found.effective_to,
        group_number=found.group_number,
        insurance_type=_INSURANCE_BY_FILING.get(indicator, "C1"),
        plan_name={"MB": "MEDICARE PART B", "MC": "MEDICAID"}.get(indicator, ""),
    )


def sandbox_inquiry_answer(
    sandbox: SandboxClearinghouse, data: bytes, *, roster: Roster | None = None
) -> bytes:
    """What the sandbox answers to a real-time 270 (a 271) or 276 (a 277)."""
    try:
        kind = next(iter(iter_transaction_sets(data))).envelope.transaction_set_id
    except (X12Error, StopIteration) as exc:
        raise ClearinghouseError(
            f"the sandbox could not read the inquiry: {exc or 'it holds no transaction set'}",
            code="clearinghouse_unreadable",
        ) from exc
    if kind == "270":
        return answer_270(
            data,
            seed=sandbox.seed,
            not_found_percent=sandbox.reject_percent,
            roster=roster or roster_from_database,
        )
    if kind == "276":
        claims = received_claims(
            sandbox.received, seed=sandbox.seed, reject_percent=sandbox.reject_percent
        )
        return answer_276(data, lookup=claims.get)
    raise ClearinghouseError(
        f"the sandbox answers 270 and 276 inquiries in real time, not a {kind}",
        code="clearinghouse_wrong_kind",
    )
