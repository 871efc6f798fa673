"""835 Health Care Claim Payment/Advice (005010X221A1) reader.

The reader looks at the first three characters of each segment to decide what it is and
splits only the segments it keeps, so it stays fast on large remittances. It builds
:class:`~openrcm.x12.models.Remittance` documents, or in streaming mode hands out the
header, then each claim as soon as it is complete, then a trailer with the provider
adjustments and totals (bounded memory whatever the number of claims).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from openrcm.x12._construct import fast_constructor
from openrcm.x12.delimiters import Delimiters
from openrcm.x12.errors import X12Error, X12StructureError, X12SyntaxError
from openrcm.x12.models import (
    Address,
    Adjustment,
    ClaimPayment,
    Contact,
    Envelope,
    Name,
    Party,
    Payment,
    Procedure,
    ProviderAdjustment,
    Reference,
    Remittance,
    RemittanceHeader,
    RemittanceTrailer,
    ServicePayment,
    Trace,
)
from openrcm.x12.reader import Report, envelope_stop_keys
from openrcm.x12.values import (
    _dates,
    _decimals,
    optional_date,
    optional_decimal,
    parse_date,
    parse_decimal,
    required_decimal,
)

ZERO = Decimal(0)
_CAS_LAST = 19
_new_line = fast_constructor(ServicePayment)
_new_claim = fast_constructor(ClaimPayment)
_new_adjustment = fast_constructor(Adjustment)
_new_name = fast_constructor(Name)
_PLB_LAST = 14


def _e(elements: list[str], index: int) -> str:
    return elements[index] if index < len(elements) else ""


def parse_name(elements: list[str]) -> Name:
    e = elements + [""] * (10 - len(elements)) if len(elements) < 10 else elements
    return _new_name(e[1], e[2], e[3], e[4], e[5], e[7], e[8], e[9])


_procedures: dict[tuple[str, str], Procedure] = {}


def parse_procedure(text: str, component: str, position: int, segment_id: str) -> Procedure:
    """A C003 composite (qualifier:code:modifier...:description); cached, it repeats."""
    found = _procedures.get((text, component))
    if found is not None:
        return found
    parts = text.split(component)
    parts += [""] * (7 - len(parts))
    modifiers = tuple(m for m in parts[2:6] if m)
    procedure = Procedure(parts[0], parts[1], modifiers, parts[6])
    if len(_procedures) >= 65536:
        _procedures.clear()
    _procedures[(text, component)] = procedure
    return procedure


def _no_group(position: int) -> str:
    raise X12SyntaxError(
        "CAS without a group code",
        segment_position=position,
        segment_id="CAS",
        element=1,
        expected="CO, PR, OA or PI",
        found="",
    )


def parse_adjustments(elements: list[str], position: int) -> list[Adjustment]:
    group = _e(elements, 1)
    if not group:
        raise X12SyntaxError(
            "CAS without a group code",
            segment_position=position,
            segment_id="CAS",
            element=1,
            expected="CO, PR, OA or PI",
            found="",
        )
    found: list[Adjustment] = []
    last = min(len(elements) - 1, _CAS_LAST)
    if last > _CAS_LAST - 1 and len(elements) > _CAS_LAST + 1:
        raise X12SyntaxError(
            "CAS has more than 6 adjustments",
            segment_position=position,
            segment_id="CAS",
            element=_CAS_LAST + 1,
            expected="at most 19 elements",
            found=str(len(elements) - 1),
        )
    for index in range(2, last + 1, 3):
        reason = elements[index]
        if not reason:
            if any(elements[index : index + 3]):
                raise X12SyntaxError(
                    "CAS amount without a reason code",
                    segment_position=position,
                    segment_id="CAS",
                    element=index,
                    expected="a CARC",
                    found="",
                )
            continue
        amount = required_decimal(elements, index + 1, position)
        quantity = optional_decimal(elements, index + 2, position)
        found.append(_new_adjustment(group, reason, amount, quantity))
    if not found:
        raise X12SyntaxError(
            "CAS without any adjustment",
            segment_position=position,
            segment_id="CAS",
            element=2,
            expected="reason code and amount",
            found="",
        )
    return found


class _PartyBuilder:
    __slots__ = ("address", "contacts", "elements", "references")

    def __init__(self, elements: list[str]) -> None:
        self.elements = elements
        self.address: list[str] = []
        self.references: list[Reference] = []
        self.contacts: list[Contact] = []

    def build(self) -> Party:
        e = self.elements + [""] * (5 - len(self.elements))
        address = None
        if self.address:
            a = self.address + [""] * (6 - len(self.address))
            address = Address(a[0], a[1], a[2], a[3], a[4], a[5])
        return Party(e[1], e[2], e[3], e[4], address, tuple(self.references), tuple(self.contacts))


def parse_contact(elements: list[str]) -> Contact:
    numbers = []
    for index in range(3, min(len(elements), 9), 2):
        qualifier = elements[index]
        if qualifier:
            numbers.append((qualifier, _e(elements, index + 1)))
    return Contact(_e(elements, 1), _e(elements, 2), tuple(numbers))


class _Line:
    __slots__ = (
        "allowed",
        "amounts",
        "cas",
        "date",
        "end",
        "lic",
        "other",
        "position",
        "references",
        "remarks",
        "start",
        "svc",
    )

    def __init__(self, svc: list[str], position: int) -> None:
        self.svc = svc
        self.position = position
        self.date: date | None = None
        self.start: date | None = None
        self.end: date | None = None
        self.cas: list[Adjustment] = []
        self.lic = ""
        self.references: list[Reference] = []
        self.allowed: Decimal | None = None
        self.amounts: list[tuple[str, Decimal]] = []
        self.remarks: list[str] = []
        self.other: list[str] = []


class _Claim:
    __slots__ = (
        "amounts",
        "cas",
        "clp",
        "dates",
        "header_number",
        "lines",
        "mia",
        "moa",
        "names",
        "other",
        "position",
        "references",
    )

    def __init__(self, clp: list[str], position: int, header_number: str) -> None:
        self.clp = clp
        self.position = position
        self.header_number = header_number
        self.cas: list[Adjustment] = []
        self.names: list[Name] = []
        self.mia: tuple[str, ...] = ()
        self.moa: tuple[str, ...] = ()
        self.dates: dict[str, tuple[str, int]] = {}
        self.references: list[Reference] = []
        self.amounts: list[tuple[str, Decimal]] = []
        self.lines: list[ServicePayment] = []
        self.other: list[str] = []


class RemittanceReader:
    """Body reader for one 835 transaction set (see :mod:`openrcm.x12.reader`)."""

    def __init__(
        self,
        envelope: Envelope,
        delimiters: Delimiters,
        report: Report,
        *,
        stream: bool = False,
    ) -> None:
        self.envelope = envelope
        self._sep = delimiters.element
        self._component = delimiters.component
        self._stops = envelope_stop_keys(delimiters.element)
        self._report = report
        self._stream = stream
        self._payment: Payment | None = None
        self._trace: Trace | None = None
        self._production_date_raw: tuple[str, int] | None = None
        self._references: list[Reference] = []
        self._parties: list[_PartyBuilder] = []
        self._header_other: list[str] = []
        self._header_done = False
        self._header: RemittanceHeader | None = None
        self._header_number = ""
        self._claim: _Claim | None = None
        self._line: _Line | None = None
        self._claims: list[ClaimPayment] = []
        self._ready: list[object] = []
        self._plbs: list[ProviderAdjustment] = []
        self._trailer_other: list[str] = []
        self._claim_count = 0
        self._total_charge = ZERO
        self._total_paid = ZERO

    # ------------------------------------------------------------------ segments

    def feed(self, segments: list[str], index: int, position: int) -> int:
        stops = self._stops
        slow = self._segment
        sep = self._sep
        dec_get = _decimals.get
        date_get = _dates.get
        lx_key = "LX" + sep
        lq_key = "LQ" + sep
        n = len(segments)
        while index < n:
            raw = segments[index]
            key = raw[:3]
            try:
                if key == "DTM" and self._line is not None:
                    e = raw.split(sep)
                    line = self._line
                    if len(e) == 3:
                        qualifier, value = e[1], e[2]
                        day = date_get(value)
                        if day is None:
                            day = parse_date(value, position, "DTM", 2)
                        if qualifier == "472":
                            line.date = day
                        elif qualifier == "150":
                            line.start = day
                        elif qualifier == "151":
                            line.end = day
                        else:
                            line.other.append(raw)
                    else:
                        slow(raw, key, position)
                elif key == "SVC":
                    claim = self._claim
                    if claim is None:
                        raise X12StructureError(
                            "SVC before any CLP",
                            segment_position=position,
                            segment_id="SVC",
                            expected="CLP",
                        )
                    if self._line is not None:
                        self._close_line(claim, self._line)
                    self._line = _Line(raw.split(sep), position)
                elif key == "CAS":
                    e = raw.split(sep)
                    if len(e) == 4 and e[2]:
                        amount = dec_get(e[3])
                        if amount is None:
                            amount = parse_decimal(e[3], position, "CAS", 3)
                        adjustments = [
                            _new_adjustment(e[1] or _no_group(position), e[2], amount, None)
                        ]
                    else:
                        adjustments = parse_adjustments(e, position)
                    if self._line is not None:
                        self._line.cas.extend(adjustments)
                    elif self._claim is not None:
                        self._claim.cas.extend(adjustments)
                    else:
                        raise X12StructureError(
                            "CAS before any CLP",
                            segment_position=position,
                            segment_id="CAS",
                            expected="CLP",
                        )
                elif key == "AMT" and self._line is not None:
                    e = raw.split(sep)
                    if len(e) == 3 and e[1] == "B6" and e[2]:
                        amount = dec_get(e[2])
                        if amount is None:
                            amount = parse_decimal(e[2], position, "AMT", 2)
                        self._line.allowed = amount
                    else:
                        slow(raw, key, position)
                elif key == "REF" and self._line is not None and raw[4:6] == "6R":
                    e = raw.split(sep)
                    if len(e) == 3 and e[1] == "6R":
                        self._line.lic = e[2]
                    else:
                        slow(raw, key, position)
                elif key == "CLP":
                    self._start_claim(raw, position)
                elif key == "NM1" and self._claim is not None and self._line is None:
                    self._claim.names.append(parse_name(raw.split(sep)))
                elif key == lq_key and self._line is not None and raw[3:5] == "HE":
                    e = raw.split(sep)
                    if len(e) == 3 and e[1] == "HE":
                        self._line.remarks.append(e[2])
                    else:
                        slow(raw, key, position)
                elif key in stops:
                    return index
                elif key == lx_key:
                    slow(raw, key, position)
                else:
                    slow(raw, key, position)
            except X12Error as problem:
                # Strict mode raises here; lenient mode reports and reads on.
                self._report(problem)
            except (ValueError, IndexError, ArithmeticError) as exc:  # pragma: no cover
                self._report(
                    X12SyntaxError(
                        f"unreadable segment ({type(exc).__name__})",
                        segment_position=position,
                        found=raw[:30],
                    )
                )
            index += 1
            position += 1
        return index

    def _segment(self, raw: str, key: str, pos: int) -> None:
        sep = self._sep
        line = self._line
        if key == "DTM":
            e = raw.split(sep)
            qualifier = e[1] if len(e) > 1 else ""
            value = e[2] if len(e) > 2 else ""
            if line is not None:
                day = optional_date(e, 2, pos) if len(e) == 3 else None
                if qualifier == "472" and day is not None:
                    line.date = day
                elif qualifier == "150" and day is not None:
                    line.start = day
                elif qualifier == "151" and day is not None:
                    line.end = day
                else:
                    line.other.append(raw)
            elif self._claim is not None:
                self._claim.dates[qualifier] = (value, pos)
                optional_date(e, 2, pos)
            elif qualifier == "405" and self._production_date_raw is None:
                self._production_date_raw = (value, pos)
            else:
                self._other(raw)
        elif key == "SVC":
            claim = self._claim
            if claim is None:
                raise X12StructureError(
                    "SVC before any CLP", segment_position=pos, segment_id="SVC", expected="CLP"
                )
            if line is not None:
                self._close_line(claim, line)
            self._line = _Line(raw.split(sep), pos)
        elif key == "CAS":
            adjustments = parse_adjustments(raw.split(sep), pos)
            if line is not None:
                line.cas.extend(adjustments)
            elif self._claim is not None:
                self._claim.cas.extend(adjustments)
            else:
                raise X12StructureError(
                    "CAS before any CLP", segment_position=pos, segment_id="CAS", expected="CLP"
                )
        elif key == "AMT":
            e = raw.split(sep)
            qualifier = _e(e, 1)
            amount = required_decimal(e, 2, pos)
            if line is not None:
                if qualifier == "B6":
                    line.allowed = amount
                else:
                    line.amounts.append((qualifier, amount))
            elif self._claim is not None:
                self._claim.amounts.append((qualifier, amount))
            else:
                self._other(raw)
        elif key == "CLP":
            self._start_claim(raw, pos)
        elif key == "REF":
            e = raw.split(sep)
            reference = Reference(_e(e, 1), _e(e, 2), _e(e, 3))
            if line is not None:
                if reference.qualifier == "6R":
                    line.lic = reference.value
                else:
                    line.references.append(reference)
            elif self._claim is not None:
                self._claim.references.append(reference)
            elif self._parties:
                self._parties[-1].references.append(reference)
            else:
                self._references.append(reference)
        elif key == "NM1":
            if self._claim is None:
                self._other(raw)
            else:
                if line is not None:
                    line.other.append(raw)
                else:
                    self._claim.names.append(parse_name(raw.split(sep)))
        elif key == "LQ" + sep:
            e = raw.split(sep)
            if line is not None and _e(e, 1) == "HE":
                line.remarks.append(_e(e, 2))
            elif line is not None:
                line.other.append(raw)
            else:
                self._other(raw)
        elif key == "LX" + sep:
            self._end_claim()
            self._finish_header()
            self._header_number = _e(raw.split(sep), 1)
        elif key == "MIA":
            e = raw.split(sep)
            if self._claim is not None:
                self._claim.mia = tuple(x for x in (_e(e, i) for i in (5, 20, 21, 22, 23, 24)) if x)
                self._claim.other.append(raw)
            else:
                self._other(raw)
        elif key == "MOA":
            e = raw.split(sep)
            if self._claim is not None:
                self._claim.moa = tuple(x for x in (_e(e, i) for i in range(3, 8)) if x)
                self._claim.other.append(raw)
            else:
                self._other(raw)
        elif key == "PLB":
            self._end_claim()
            self._finish_header()
            self._plb(raw.split(sep), pos)
        elif key == "BPR":
            self._bpr(raw.split(sep), pos)
        elif key == "TRN":
            e = raw.split(sep)
            if self._trace is None and self._claim is None:
                self._trace = Trace(_e(e, 1), _e(e, 2), _e(e, 3), _e(e, 4))
            else:
                self._other(raw)
        elif key == "N1" + sep:
            e = raw.split(sep)
            if self._claim is None and not self._header_done:
                self._parties.append(_PartyBuilder(e))
            else:
                self._other(raw)
        elif key == "N3" + sep or key == "N4" + sep:
            if self._parties and self._claim is None and not self._header_done:
                party = self._parties[-1]
                e = raw.split(sep)
                if key[:2] == "N3":
                    party.address[0:2] = [_e(e, 1), _e(e, 2)]
                else:
                    if not party.address:
                        party.address = ["", ""]
                    party.address[2:] = [_e(e, 1), _e(e, 2), _e(e, 3), _e(e, 4)]
            else:
                self._other(raw)
        elif key == "PER":
            if self._parties and self._claim is None and not self._header_done:
                self._parties[-1].contacts.append(parse_contact(raw.split(sep)))
            else:
                self._other(raw)
        else:
            tag = raw.split(sep, 1)[0]
            if not (2 <= len(tag) <= 3 and tag.isascii() and tag.isalnum() and tag.isupper()):
                raise X12SyntaxError(
                    "not a segment: the segment ID must be 2 or 3 capital letters or digits",
                    segment_position=pos,
                    expected="a segment ID",
                    found=raw[:20],
                )
            self._other(raw)

    def _other(self, raw: str) -> None:
        if self._line is not None:
            self._line.other.append(raw)
        elif self._claim is not None:
            self._claim.other.append(raw)
        elif self._header_done:
            self._trailer_other.append(raw)
        else:
            self._header_other.append(raw)

    def _bpr(self, e: list[str], pos: int) -> None:
        if self._payment is not None:
            raise X12StructureError(
                "a second BPR in one 835", segment_position=pos, segment_id="BPR"
            )
        e = e + [""] * (17 - len(e))
        amount = required_decimal(e, 2, pos)
        payment_date = None
        try:
            payment_date = optional_date(e, 16, pos)
        except X12Error as problem:
            self._report(problem)
        self._payment = Payment(
            e[1], amount, e[3], e[4], e[5], e[7], e[9], e[10], e[13], e[15], payment_date
        )

    def _plb(self, e: list[str], pos: int) -> None:
        if len(e) > _PLB_LAST + 1:
            raise X12SyntaxError(
                "PLB has more than 6 adjustments",
                segment_position=pos,
                segment_id="PLB",
                element=_PLB_LAST + 1,
                expected="at most 14 elements",
                found=str(len(e) - 1),
            )
        provider = _e(e, 1)
        fiscal = optional_date(e, 2, pos)
        count = 0
        for index in range(3, len(e), 2):
            composite = e[index]
            if not composite:
                if _e(e, index + 1):
                    raise X12SyntaxError(
                        "PLB amount without a reason",
                        segment_position=pos,
                        segment_id="PLB",
                        element=index,
                        expected="reason:reference",
                        found="",
                    )
                continue
            reason, _, reference = composite.partition(self._component)
            amount = required_decimal(e, index + 1, pos)
            self._plbs.append(ProviderAdjustment(pos, provider, fiscal, reason, reference, amount))
            count += 1
        if not count:
            raise X12SyntaxError(
                "PLB without any adjustment",
                segment_position=pos,
                segment_id="PLB",
                element=3,
                expected="reason:reference and amount",
                found="",
            )

    # ------------------------------------------------------------------ loops

    def _finish_header(self) -> None:
        if self._header_done:
            return
        self._header_done = True
        if self._payment is None:
            self._report(
                X12StructureError(
                    "the 835 has no BPR (financial information) before its claims",
                    segment_position=self.envelope.position + 1,
                    segment_id="BPR",
                    expected="BPR",
                )
            )
            self._payment = Payment("", ZERO, "", "", "", "", "", "", "", "", None)
        payer = payee = None
        for builder in self._parties:
            party = builder.build()
            if party.entity == "PR" and payer is None:
                payer = party
            elif party.entity == "PE" and payee is None:
                payee = party
            else:
                self._header_other.append(self._sep.join(builder.elements))
        production = None
        if self._production_date_raw is not None:
            value, pos = self._production_date_raw
            production = optional_date(["DTM", "405", value], 2, pos)
        self._header = RemittanceHeader(
            self.envelope,
            self._payment,
            self._trace,
            production,
            tuple(self._references),
            payer,
            payee,
            tuple(self._header_other),
        )
        if self._stream:
            self._ready.append(self._header)

    def _start_claim(self, raw: str, pos: int) -> None:
        self._end_claim()
        self._finish_header()
        self._claim = _Claim(raw.split(self._sep), pos, self._header_number)

    def _close_line(self, claim: _Claim, line: _Line) -> None:
        e = line.svc
        pos = line.position
        n = len(e)
        if n < 4:
            raise X12SyntaxError(
                "SVC needs a procedure, a charge and a paid amount",
                segment_position=pos,
                segment_id="SVC",
                element=n,
                expected="SVC01, SVC02 and SVC03",
                found=self._sep.join(e),
            )
        component = self._component
        composite = e[1]
        if component not in composite:
            self._report(
                X12SyntaxError(
                    "SVC01 has no component separator: qualifier and procedure code are "
                    "not told apart",
                    segment_position=pos,
                    segment_id="SVC",
                    element=1,
                    expected=f"qualifier{component}code",
                    found=composite,
                    severity="warning",
                )
            )
        procedure = parse_procedure(composite, component, pos, "SVC")
        billed = parse_procedure(e[6], component, pos, "SVC") if n > 6 and e[6] else None
        claim.lines.append(
            _new_line(
                pos,
                len(claim.lines) + 1,
                procedure,
                required_decimal(e, 2, pos),
                required_decimal(e, 3, pos),
                e[4] if n > 4 else "",
                optional_decimal(e, 5, pos),
                billed,
                optional_decimal(e, 7, pos),
                line.date,
                line.start,
                line.end,
                tuple(line.cas),
                line.lic,
                tuple(line.references),
                line.allowed,
                tuple(line.amounts),
                tuple(line.remarks),
                tuple(line.other),
            )
        )

    def _end_claim(self) -> None:
        claim = self._claim
        if claim is None:
            return
        line = self._line
        self._line = None
        self._claim = None
        if line is not None:
            self._close_line(claim, line)
        e = claim.clp
        pos = claim.position
        if len(e) < 5 or not e[1] or not e[2]:
            raise X12SyntaxError(
                "CLP needs the patient control number, status, charge and paid amount",
                segment_position=pos,
                segment_id="CLP",
                expected="CLP01 to CLP04",
                found=self._sep.join(e)[:60],
            )
        n = len(e)
        patient = insured = corrected = rendering = None
        others: list[Name] = []
        for name in claim.names:
            entity = name.entity
            if entity == "QC" and patient is None:
                patient = name
            elif entity == "IL" and insured is None:
                insured = name
            elif entity == "74" and corrected is None:
                corrected = name
            elif entity == "82" and rendering is None:
                rendering = name
            else:
                others.append(name)
        dates = claim.dates
        statement_from = statement_to = received = None
        if dates:
            for qualifier, (value, dpos) in dates.items():
                if qualifier == "232":
                    statement_from = optional_date(["DTM", "232", value], 2, dpos)
                elif qualifier == "233":
                    statement_to = optional_date(["DTM", "233", value], 2, dpos)
                elif qualifier == "050":
                    received = optional_date(["DTM", "050", value], 2, dpos)
                else:
                    claim.other.append(self._sep.join(("DTM", qualifier, value)))
        charge = required_decimal(e, 3, pos)
        paid = required_decimal(e, 4, pos)
        built = _new_claim(
            pos,
            claim.header_number,
            e[1],
            e[2],
            charge,
            paid,
            optional_decimal(e, 5, pos),
            e[6] if n > 6 else "",
            e[7] if n > 7 else "",
            e[8] if n > 8 else "",
            e[9] if n > 9 else "",
            tuple(claim.cas),
            patient,
            insured,
            corrected,
            rendering,
            tuple(others),
            claim.mia,
            claim.moa,
            statement_from,
            statement_to,
            received,
            tuple(claim.references),
            tuple(claim.amounts),
            tuple(claim.lines),
            tuple(claim.other),
        )
        self._claim_count += 1
        self._total_charge += charge
        self._total_paid += paid
        if self._stream:
            self._ready.append(built)
        else:
            self._claims.append(built)

    # ------------------------------------------------------------------ results

    def drain(self) -> list[object]:
        if not self._ready:
            return self._ready
        ready = self._ready
        self._ready = []
        return ready

    def finish(self, complete: bool) -> object | None:
        try:
            self._end_claim()
        except X12Error as problem:
            self._report(problem)
        self._finish_header()
        header = self._header
        if header is None:  # pragma: no cover - _finish_header always sets it
            return None
        if self._stream:
            return RemittanceTrailer(
                self.envelope,
                tuple(self._plbs),
                self._claim_count,
                self._total_charge,
                self._total_paid,
                tuple(self._trailer_other),
            )
        return Remittance(
            header.envelope,
            header.payment,
            header.trace,
            header.production_date,
            header.references,
            header.payer,
            header.payee,
            tuple(self._claims),
            tuple(self._plbs),
            header.other_segments + tuple(self._trailer_other),
        )


def remittance_body(envelope: Envelope, delimiters: Delimiters, report: Report) -> RemittanceReader:
    return RemittanceReader(envelope, delimiters, report)


def remittance_stream_body(
    envelope: Envelope, delimiters: Delimiters, report: Report
) -> RemittanceReader:
    return RemittanceReader(envelope, delimiters, report, stream=True)
