"""Readers for the small response transactions: 999, 277CA / 277 and 271.

These sets are small, so each is read by splitting all of its segments and walking them
once with a little state (the current AK2, HL level, claim or benefit).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from openrcm.x12.delimiters import Delimiters
from openrcm.x12.errors import X12Error, X12StructureError, X12SyntaxError
from openrcm.x12.models import (
    Address,
    Benefit,
    ClaimStatus,
    ClaimStatusResponse,
    DatedValue,
    ElementNote,
    EligibilityMember,
    EligibilityResponse,
    EntityStatus,
    Envelope,
    ImplementationAck,
    Name,
    Procedure,
    Reference,
    Rejection,
    SegmentNote,
    ServiceLineStatus,
    StatusCode,
    StatusEntry,
    TransactionSetResponse,
)
from openrcm.x12.reader import Report, envelope_stop_keys
from openrcm.x12.remittance import parse_name, parse_procedure
from openrcm.x12.values import (
    date_range,
    optional_date,
    optional_decimal,
    optional_int,
)

Split = tuple[int, list[str]]
Builder = Callable[[Envelope, list[Split], Delimiters, Report], object]


def _e(elements: list[str], index: int) -> str:
    return elements[index] if index < len(elements) else ""


class SplitBody:
    """Collects the split segments of one set, then builds the document at SE."""

    def __init__(
        self, envelope: Envelope, delimiters: Delimiters, report: Report, build: Builder
    ) -> None:
        self._envelope = envelope
        self._delimiters = delimiters
        self._report = report
        self._build = build
        self._stops = envelope_stop_keys(delimiters.element)
        self._segments: list[Split] = []

    def feed(self, segments: list[str], index: int, position: int) -> int:
        sep = self._delimiters.element
        n = len(segments)
        while index < n:
            raw = segments[index]
            if raw[:3] in self._stops:
                return index
            elements = raw.split(sep)
            tag = elements[0]
            if not (2 <= len(tag) <= 3 and tag.isascii() and tag.isalnum() and tag.isupper()):
                self._report(
                    X12SyntaxError(
                        "not a segment: the segment ID must be 2 or 3 capital letters or digits",
                        segment_position=position,
                        expected="a segment ID",
                        found=raw[:20],
                    )
                )
            else:
                self._segments.append((position, elements))
            index += 1
            position += 1
        return index

    def drain(self) -> list[object]:
        return []

    def finish(self, complete: bool) -> object | None:
        return self._build(self._envelope, self._segments, self._delimiters, self._report)


def _lenient_date(elements: list[str], index: int, position: int, report: Report) -> date | None:
    try:
        return optional_date(elements, index, position)
    except X12Error as problem:
        report(problem)
        return None


# --------------------------------------------------------------------------- 999


def _int(elements: list[str], index: int, position: int, report: Report) -> int | None:
    try:
        return optional_int(_e(elements, index), position, elements[0], index)
    except X12Error as problem:
        report(problem)
        return None


def build_999(
    envelope: Envelope, segments: list[Split], delimiters: Delimiters, report: Report
) -> ImplementationAck:
    component = delimiters.component
    ak1: list[str] = ["AK1", "", "", ""]
    responses: list[TransactionSetResponse] = []
    ak2: list[str] | None = None
    notes: list[SegmentNote] = []
    ik3: list[str] | None = None
    ik3_context: list[str] = []
    elements_in_error: list[ElementNote] = []
    ak9: list[str] = ["AK9", ""]
    other: list[str] = []

    def close_ik3() -> None:
        nonlocal ik3
        if ik3 is not None:
            position = _int(ik3, 2, 0, report)
            notes.append(
                SegmentNote(
                    _e(ik3, 1),
                    position,
                    _e(ik3, 3),
                    _e(ik3, 4),
                    tuple(elements_in_error),
                    tuple(ik3_context),
                )
            )
        ik3 = None
        elements_in_error.clear()
        ik3_context.clear()

    for position, e in segments:
        tag = e[0]
        if tag == "AK1":
            ak1 = e + [""] * (4 - len(e))
        elif tag == "AK2":
            if ak2 is not None:
                report(
                    X12StructureError(
                        "AK2 without its IK5 (transaction set response trailer)",
                        segment_position=position,
                        segment_id="AK2",
                        expected="IK5 before the next AK2",
                    )
                )
            close_ik3()
            notes.clear()
            ak2 = e + [""] * (4 - len(e))
        elif tag == "IK3":
            close_ik3()
            ik3 = e
        elif tag == "CTX":
            ik3_context.append(delimiters.element.join(e[1:]))
        elif tag == "IK4":
            where = _e(e, 1).split(component)
            where += [""] * (3 - len(where))
            elements_in_error.append(
                ElementNote(
                    _int(where, 0, position, report),
                    _int(where, 1, position, report),
                    _int(where, 2, position, report),
                    _e(e, 2),
                    _e(e, 3),
                    _e(e, 4),
                )
            )
        elif tag == "IK5":
            close_ik3()
            if ak2 is None:
                report(
                    X12StructureError(
                        "IK5 without an AK2 before it",
                        segment_position=position,
                        segment_id="IK5",
                        expected="AK2",
                    )
                )
                continue
            status = _e(e, 1)
            responses.append(
                TransactionSetResponse(
                    ak2[1],
                    ak2[2],
                    ak2[3],
                    status,
                    status in ("A", "E"),
                    tuple(x for x in e[2:7] if x),
                    tuple(notes),
                )
            )
            notes.clear()
            ak2 = None
        elif tag == "AK9":
            ak9 = e
        else:
            other.append(delimiters.element.join(e))
    close_ik3()
    if ak2 is not None:
        report(
            X12StructureError(
                "the last AK2 has no IK5",
                segment_position=segments[-1][0] if segments else envelope.position,
                segment_id="IK5",
                expected="IK5",
            )
        )
    if ak9 == ["AK9", ""]:
        report(
            X12StructureError(
                "the 999 has no AK9 (functional group response trailer)",
                segment_position=envelope.position,
                segment_id="AK9",
                expected="AK9",
            )
        )
    last = segments[-1][0] if segments else envelope.position
    group_status = _e(ak9, 1)
    return ImplementationAck(
        envelope,
        _e(ak1, 1),
        _e(ak1, 2),
        _e(ak1, 3),
        tuple(responses),
        group_status,
        group_status in ("A", "E"),
        _int(ak9, 2, last, report),
        _int(ak9, 3, last, report),
        _int(ak9, 4, last, report),
        tuple(x for x in ak9[5:10] if x),
        tuple(other),
    )


# --------------------------------------------------------------------------- 277 / 277CA

_REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8", "DR03", "DR04", "DR05"})
_ACCEPTED_CATEGORIES = frozenset({"A1", "A2", "A5", "DR01", "DR02"})


def _status_codes(text: str, component: str) -> StatusCode | None:
    if not text:
        return None
    parts = [*text.split(component), "", "", "", ""]
    return StatusCode(parts[0], parts[1], parts[2], parts[3])


def _stc(e: list[str], position: int, component: str, report: Report) -> StatusEntry:
    codes = [c for c in (_status_codes(_e(e, i), component) for i in (1, 10, 11)) if c]
    if not codes:
        report(
            X12SyntaxError(
                "STC without a status (STC01)",
                segment_position=position,
                segment_id="STC",
                element=1,
                expected="category:status code",
                found="",
            )
        )
    return StatusEntry(
        position,
        tuple(codes),
        _lenient_date(e, 2, position, report),
        _e(e, 3),
        optional_decimal(e, 4, position),
        optional_decimal(e, 5, position),
        _e(e, 12),
    )


def claim_accepted(statuses: tuple[StatusEntry, ...]) -> bool | None:
    """Accepted (True), rejected (False) or not an acknowledgment status (None)."""
    categories = {code.category for entry in statuses for code in entry.codes}
    if categories & _REJECTED_CATEGORIES:
        return False
    if categories & _ACCEPTED_CATEGORIES:
        return True
    return None


class _ClaimStatusBuilder:
    def __init__(self, position: int, trace: str, names: dict[str, Name]) -> None:
        self.position = position
        self.trace = trace
        self.names = names
        self.statuses: list[StatusEntry] = []
        self.references: list[Reference] = []
        self.start: date | None = None
        self.end: date | None = None
        self.lines: list[ServiceLineStatus] = []
        self.line: list[object] | None = None

    def build(self) -> ClaimStatus:
        refs = {r.qualifier: r.value for r in reversed(self.references)}
        statuses = tuple(self.statuses)
        patient = self.names.get("QC") or self.names.get("IL")
        return ClaimStatus(
            self.position,
            self.trace,
            refs.get("1K", ""),
            refs.get("D9", ""),
            refs.get("BLT", ""),
            patient,
            self.names.get("IL"),
            self.names.get("85") or self.names.get("1P"),
            statuses,
            self.start,
            self.end,
            tuple(self.lines),
            tuple(self.references),
            claim_accepted(statuses),
        )


class _LineStatusBuilder:
    def __init__(
        self,
        position: int,
        procedure: Procedure,
        charge: Decimal | None,
        paid: Decimal | None,
        units: Decimal | None,
    ) -> None:
        self.position = position
        self.procedure = procedure
        self.charge = charge
        self.paid = paid
        self.units = units
        self.statuses: list[StatusEntry] = []
        self.lic = ""
        self.start: date | None = None
        self.end: date | None = None

    def build(self) -> ServiceLineStatus:
        return ServiceLineStatus(
            self.position,
            self.procedure,
            self.charge,
            self.paid,
            self.units,
            tuple(self.statuses),
            self.lic,
            self.start,
            self.end,
        )


def build_277(
    envelope: Envelope, segments: list[Split], delimiters: Delimiters, report: Report
) -> ClaimStatusResponse:
    component = delimiters.component
    acknowledgment = "X214" in envelope.group.version or "X214" in (
        envelope.implementation_reference
    )
    reference_id = ""
    created: date | None = None
    names: dict[str, Name] = {}
    level = ""
    level_name: Name | None = None
    level_trace = ""
    level_statuses: list[StatusEntry] = []
    entity_statuses: list[EntityStatus] = []
    claims: list[ClaimStatus] = []
    claim: _ClaimStatusBuilder | None = None
    line: _LineStatusBuilder | None = None
    other: list[str] = []

    def close_line() -> None:
        nonlocal line
        if line is not None and claim is not None:
            claim.lines.append(line.build())
        line = None

    def close_claim() -> None:
        nonlocal claim
        close_line()
        if claim is not None:
            claims.append(claim.build())
        claim = None

    def close_level() -> None:
        nonlocal level_statuses, level_name, level_trace
        if level in ("20", "21", "19") and (level_statuses or level_trace):
            entity_statuses.append(
                EntityStatus(level, level_name, level_trace, tuple(level_statuses))
            )
        level_statuses = []
        level_name = None
        level_trace = ""

    for position, e in segments:
        tag = e[0]
        if tag == "BHT":
            reference_id = _e(e, 3)
            created = _lenient_date(e, 4, position, report)
        elif tag == "HL":
            close_claim()
            close_level()
            level = _e(e, 3)
            if level in ("20", "21", "19"):
                names = {}
        elif tag == "NM1":
            name = parse_name(e)
            if level in ("20", "21", "19"):
                level_name = name
            names = {**names, name.entity: name}
            if claim is not None and line is None:
                claim.names = names
        elif tag == "TRN":
            if level in ("20", "21", "19"):
                level_trace = _e(e, 2)
            else:
                close_claim()
                claim = _ClaimStatusBuilder(position, _e(e, 2), dict(names))
        elif tag == "STC":
            entry = _stc(e, position, component, report)
            if line is not None:
                line.statuses.append(entry)
            elif claim is not None:
                claim.statuses.append(entry)
            else:
                level_statuses.append(entry)
        elif tag == "REF":
            reference = Reference(_e(e, 1), _e(e, 2), _e(e, 3))
            if line is not None and reference.qualifier == "FJ":
                line.lic = reference.value
            elif claim is not None:
                claim.references.append(reference)
            else:
                other.append(delimiters.element.join(e))
        elif tag == "DTP":
            start, end = date_range(_e(e, 2), _e(e, 3), position, "DTP", 3)
            if line is not None:
                line.start, line.end = start, end
            elif claim is not None:
                claim.start, claim.end = start, end
            else:
                other.append(delimiters.element.join(e))
        elif tag == "SVC":
            if claim is None:
                report(
                    X12StructureError(
                        "SVC outside a claim", segment_position=position, segment_id="SVC"
                    )
                )
                continue
            close_line()
            line = _LineStatusBuilder(
                position,
                parse_procedure(_e(e, 1), component, position, "SVC"),
                optional_decimal(e, 2, position),
                optional_decimal(e, 3, position),
                optional_decimal(e, 7, position),
            )
        else:
            other.append(delimiters.element.join(e))
    close_claim()
    close_level()
    return ClaimStatusResponse(
        envelope,
        acknowledgment,
        reference_id,
        created,
        tuple(entity_statuses),
        tuple(claims),
        tuple(other),
    )


# --------------------------------------------------------------------------- 271

_IN_NETWORK = {"Y": True, "N": False}
_YES_NO = {"Y": True, "N": False}


class _MemberBuilder:
    def __init__(self, position: int, level: str) -> None:
        self.position = position
        self.level = level
        self.name: Name | None = None
        self.address: list[str] = []
        self.birth_date: date | None = None
        self.gender = ""
        self.relationship = ""
        self.traces: list[Reference] = []
        self.references: list[Reference] = []
        self.dates: list[DatedValue] = []
        self.benefits: list[Benefit] = []
        self.rejections: list[Rejection] = []

    def build(self) -> EligibilityMember:
        address = None
        if self.address:
            a = self.address + [""] * (6 - len(self.address))
            address = Address(a[0], a[1], a[2], a[3], a[4], a[5])
        codes = {b.code for b in self.benefits}
        active: bool | None = None
        if codes & {"1", "2", "3", "4", "5"}:
            active = True
        elif codes & {"6", "7", "8"}:
            active = False

        def first(qualifier: str, which: int) -> date | None:
            for value in self.dates:
                if value.qualifier == qualifier:
                    return value.start if which == 0 else value.end
            return None

        plan_begin = first("346", 0) or first("291", 0)
        plan_end = first("347", 0) or first("291", 1)
        return EligibilityMember(
            self.position,
            self.level,
            self.name,
            address,
            self.birth_date,
            self.gender,
            self.relationship,
            tuple(self.traces),
            tuple(self.references),
            tuple(self.dates),
            tuple(self.benefits),
            tuple(self.rejections),
            active,
            plan_begin,
            plan_end,
            first("356", 0),
            first("357", 0),
        )


def build_271(
    envelope: Envelope, segments: list[Split], delimiters: Delimiters, report: Report
) -> EligibilityResponse:
    component = delimiters.component
    repetition = delimiters.repetition
    reference_id = ""
    created: date | None = None
    source: Name | None = None
    receiver: Name | None = None
    level = ""
    member: _MemberBuilder | None = None
    subscribers: list[EligibilityMember] = []
    dependents: list[EligibilityMember] = []
    rejections: list[Rejection] = []
    benefit: dict[str, object] | None = None
    in_related = False
    other: list[str] = []

    def close_benefit() -> None:
        nonlocal benefit
        if benefit is not None and member is not None:
            member.benefits.append(Benefit(**benefit))  # type: ignore[arg-type]  # keys match
        benefit = None

    def close_member() -> None:
        nonlocal member
        close_benefit()
        if member is not None:
            built = member.build()
            (dependents if member.level == "23" else subscribers).append(built)
        member = None

    for position, e in segments:
        tag = e[0]
        if in_related and tag not in ("LE", "NM1", "N3", "N4", "PER", "PRV"):
            in_related = False
        if tag == "BHT":
            reference_id = _e(e, 3)
            created = _lenient_date(e, 4, position, report)
        elif tag == "HL":
            close_member()
            level = _e(e, 3)
            if level in ("22", "23"):
                member = _MemberBuilder(position, level)
        elif tag == "LS":
            in_related = True
        elif tag == "LE":
            in_related = False
        elif tag == "NM1":
            name = parse_name(e)
            if in_related and benefit is not None:
                benefit["related_entities"] = (*benefit["related_entities"], name)  # type: ignore[misc]
            elif level == "20":
                source = name
            elif level == "21":
                receiver = name
            elif member is not None and member.name is None:
                member.name = name
            else:
                other.append(delimiters.element.join(e))
        elif tag == "AAA":
            rejection = Rejection(position, _e(e, 1), _e(e, 3), _e(e, 4), level)
            if member is not None:
                member.rejections.append(rejection)
            rejections.append(rejection)
        elif in_related:
            other.append(delimiters.element.join(e))
        elif tag == "EB":
            if member is None:
                report(
                    X12StructureError(
                        "EB outside a subscriber or dependent level",
                        segment_position=position,
                        segment_id="EB",
                        expected="HL*..*22 or 23 before it",
                    )
                )
                continue
            close_benefit()
            service_text = _e(e, 3)
            services = (
                tuple(s for s in service_text.split(repetition) if s)
                if repetition
                else ((service_text,) if service_text else ())
            )
            procedure = None
            if _e(e, 13):
                procedure = parse_procedure(_e(e, 13), component, position, "EB")
            benefit = {
                "position": position,
                "code": _e(e, 1),
                "coverage_level": _e(e, 2),
                "service_types": services,
                "insurance_type": _e(e, 4),
                "plan_description": _e(e, 5),
                "time_period": _e(e, 6),
                "amount": optional_decimal(e, 7, position),
                "percent": optional_decimal(e, 8, position),
                "quantity_qualifier": _e(e, 9),
                "quantity": optional_decimal(e, 10, position),
                "authorization_required": _YES_NO.get(_e(e, 11)),
                "in_network": _IN_NETWORK.get(_e(e, 12)),
                "procedure": procedure,
                "dates": (),
                "messages": (),
                "references": (),
                "related_entities": (),
            }
            if not benefit["code"]:
                report(
                    X12SyntaxError(
                        "EB without its eligibility or benefit code (EB01)",
                        segment_position=position,
                        segment_id="EB",
                        element=1,
                        expected="a code such as 1 (active) or C (deductible)",
                        found="",
                    )
                )
        elif tag == "MSG" and benefit is not None:
            benefit["messages"] = (*benefit["messages"], _e(e, 1))  # type: ignore[misc]
        elif tag == "DTP":
            try:
                start, end = date_range(_e(e, 2), _e(e, 3), position, "DTP", 3)
            except X12Error as problem:
                report(problem)
                start = end = None
            value = DatedValue(_e(e, 1), start, end, _e(e, 3))
            if benefit is not None:
                benefit["dates"] = (*benefit["dates"], value)  # type: ignore[misc]
            elif member is not None:
                member.dates.append(value)
            else:
                other.append(delimiters.element.join(e))
        elif tag == "REF":
            reference = Reference(_e(e, 1), _e(e, 2), _e(e, 3))
            if benefit is not None:
                benefit["references"] = (*benefit["references"], reference)  # type: ignore[misc]
            elif member is not None:
                member.references.append(reference)
            else:
                other.append(delimiters.element.join(e))
        elif tag == "TRN" and member is not None:
            member.traces.append(Reference(_e(e, 1), _e(e, 2), _e(e, 3)))
        elif tag == "N3" and member is not None:
            member.address[0:2] = [_e(e, 1), _e(e, 2)]
        elif tag == "N4" and member is not None:
            if not member.address:
                member.address = ["", ""]
            member.address[2:] = [_e(e, 1), _e(e, 2), _e(e, 3), _e(e, 4)]
        elif tag == "DMG" and member is not None:
            if _e(e, 1) in ("D8", ""):
                member.birth_date = _lenient_date(e, 2, position, report)
            member.gender = _e(e, 3)
        elif tag == "INS" and member is not None:
            member.relationship = _e(e, 2)
        else:
            other.append(delimiters.element.join(e))
    close_member()
    return EligibilityResponse(
        envelope,
        reference_id,
        created,
        source,
        receiver,
        tuple(subscribers),
        tuple(dependents),
        tuple(rejections),
        tuple(other),
    )
