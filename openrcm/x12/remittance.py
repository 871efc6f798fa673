"""835 Health Care Claim Payment/Advice (005010X221A1) reader.

The reader looks at the first three characters of each segment to decide what it is and
splits only the segments it keeps, so it stays fast on large remittances. Header and
trailer segments are read one by one; a claim (CLP up to the next CLP, LX, PLB or
envelope segment) is read in one tight loop that keeps its state, and that of its open
service line, in local variables. It builds :class:`~openrcm.x12.models.Remittance`
documents, or in streaming mode hands out the header, then each claim as soon as it is
complete, then a trailer with the provider adjustments and totals (bounded memory
whatever the number of claims).
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
    NUMBER_CHARACTERS,
    _dates,
    decimal_from_checked_text,
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
_new_reference = fast_constructor(Reference)
_PLB_LAST = 14
_MIA_KEPT = (5, 20, 21, 22, 23, 24)
_MOA_KEPT = (3, 4, 5, 6, 7)
# The key of "no more segments" in the claim loop (longer than any segment key).
_END_OF_CLAIM = "end of claim"
_UNIQUE_NAMES = frozenset({"QC", "IL", "74"})
# A service line read but not yet built: SVC elements, position, dates, adjustments,
# line item control number, references, allowed amount, amounts, remarks, other
# segments, and where its problems go among the claim's (-1: at the end).
_OpenLine = tuple[
    list[str],
    int,
    date | None,
    date | None,
    date | None,
    tuple[Adjustment, ...],
    str,
    tuple[Reference, ...],
    Decimal | None,
    tuple[tuple[str, Decimal], ...],
    tuple[str, ...],
    list[str],
    int,
]


_NUMBER_BYTES = NUMBER_CHARACTERS.encode()


class _Recheck(Exception):
    """The quick reading of a claim has a doubt: the claim is read again carefully."""


def _e(elements: list[str], index: int) -> str:
    return elements[index] if index < len(elements) else ""


def parse_name(elements: list[str]) -> Name:
    e = elements + [""] * (10 - len(elements)) if len(elements) < 10 else elements
    return _new_name(e[1], e[2], e[3], e[4], e[5], e[7], e[8], e[9])


# Procedure composites repeat: one cache per component separator, keyed by the text.
_procedures: dict[str, dict[str, Procedure]] = {}


def _procedure_cache(component: str) -> dict[str, Procedure]:
    return _procedures.setdefault(component, {})


def parse_procedure(text: str, component: str, position: int, segment_id: str) -> Procedure:
    """A C003 composite (qualifier:code:modifier...:description); cached, it repeats."""
    cache = _procedure_cache(component)
    found = cache.get(text)
    if found is not None:
        return found
    parts = text.split(component)
    parts += [""] * (7 - len(parts))
    modifiers = tuple(m for m in parts[2:6] if m)
    procedure = Procedure(parts[0], parts[1], modifiers, parts[6])
    if len(cache) >= 65536:
        cache.clear()
    cache[text] = procedure
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


def _reference(e: list[str]) -> Reference:
    n = len(e)
    return _new_reference(e[1] if n > 1 else "", e[2] if n > 2 else "", e[3] if n > 3 else "")


def _kept(e: list[str], indexes: tuple[int, ...]) -> tuple[str, ...]:
    n = len(e)
    return tuple(e[i] for i in indexes if i < n and e[i])


def _is_tag(tag: str) -> bool:
    return 2 <= len(tag) <= 3 and tag.isascii() and tag.isalnum() and tag.isupper()


def _no_component(composite: str, component: str, position: int) -> X12SyntaxError:
    return X12SyntaxError(
        "SVC01 has no component separator: qualifier and procedure code are not told apart",
        segment_position=position,
        segment_id="SVC",
        element=1,
        expected=f"qualifier{component}code",
        found=composite,
        severity="warning",
    )


def _not_a_segment(raw: str, position: int) -> X12SyntaxError:
    return X12SyntaxError(
        "not a segment: the segment ID must be 2 or 3 capital letters or digits",
        segment_position=position,
        expected="a segment ID",
        found=raw[:20],
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


class RemittanceReader:
    """Body reader for one 835 transaction set (see :mod:`openrcm.x12.reader`).

    A claim cut by the end of a batch is carried whole into the next batch and read
    there; nothing of it is kept or reported before it is complete, so every problem is
    reported once, in file order.
    """

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
        # What ends a claim: the next claim, header number (LX), PLB or envelope segment.
        self._ends = self._stops | {"CLP", "LX" + self._sep, "PLB"}
        # Segments a claim keeps as read without checking their ID (known 835 segments).
        self._kept_keys = frozenset(
            {"TRN", "PER", "N1" + self._sep, "N3" + self._sep, "N4" + self._sep}
        )
        self._lq_key = "LQ" + self._sep
        self._procedures = _procedure_cache(delimiters.component)
        self._names: dict[str, Name] = {}
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
        self._carry: list[str] = []
        self._carry_position = 0
        self._deferred: tuple[ClaimPayment | None, list[X12Error]] | None = None
        self._claims: list[ClaimPayment] = []
        self._ready: list[object] = []
        self._plbs: list[ProviderAdjustment] = []
        self._trailer_other: list[str] = []
        self._claim_count = 0
        self._total_charge = ZERO
        self._total_paid = ZERO

    # ------------------------------------------------------------------ segments

    def feed(self, segments: list[str], index: int, position: int) -> int:
        offset = 0
        if self._carry:
            # The claim left open at the end of the last batch goes on in this one. It is
            # read once it has ended (so a claim spanning many batches is read once).
            ends = self._ends
            end = index
            count = len(segments)
            while end < count and segments[end][:3] not in ends:
                end += 1
            if end == count:
                self._carry += segments[index:]
                return count
            carry = self._carry
            self._carry = []
            offset = index - len(carry)
            segments = carry + segments[index:]
            index = 0
            position = self._carry_position
        stops = self._stops
        n = len(segments)
        while index < n:
            raw = segments[index]
            key = raw[:3]
            if key == "CLP":
                if not self._header_done:
                    try:
                        self._finish_header()
                    except X12Error as problem:
                        self._report(problem)
                end, done = self._read_claim(segments, index, position, False)
                if not done:
                    # Cut by the end of the batch: the claim is read with the next one.
                    self._carry = segments[index:end]
                    self._carry_position = position
                    return end + offset
                position += end - index
                index = end
                continue
            if key in stops:
                return index + offset
            try:
                self._segment(raw, key, position)
            except X12Error as problem:
                # Strict mode raises here; lenient mode reports and reads on.
                self._report(problem)
            index += 1
            position += 1
        return n + offset

    def _read_claim(
        self, segments: list[str], start: int, position: int, final: bool
    ) -> tuple[int, bool]:
        """Read the claim whose CLP is ``segments[start]``: (index after it, True).

        Returns (len(segments), False), having kept and reported nothing, when the
        segments end before the claim does and more may come (``final`` False): the
        caller carries the claim over to the next batch.

        The claim is first read quickly: amounts are converted without checking their
        characters one by one, and their texts are checked together before anything is
        kept or reported. When that check fails, or anything else casts a doubt (a text
        Decimal refuses, a BPR inside the claim), the claim is read again value by value,
        which reports each problem where it is; both readings build the same objects.
        """
        try:
            return self._read_claim_as(segments, start, position, final, False)
        except _Recheck:
            return self._read_claim_as(segments, start, position, final, True)

    def _read_claim_as(
        self, segments: list[str], start: int, position: int, final: bool, careful: bool
    ) -> tuple[int, bool]:
        stops = self._stops
        sep = self._sep
        kept_keys = self._kept_keys
        date_get = _dates.get
        to_decimal = parse_decimal
        fast = not careful
        convert = decimal_from_checked_text
        numbers: list[str] = []  # texts converted by ``convert`` (checked at the end)
        number = numbers.append
        new_adjustment = _new_adjustment
        new_line = _new_line
        name_cache = self._names
        name_get = name_cache.get
        component = self._component
        procedure_get = self._procedures.get
        ends = self._ends
        problems: list[X12Error] = []
        n = len(segments)
        # Loop 2100 (the claim).
        lines: list[ServicePayment] = []
        # Repeats are kept in tuples grown by concatenation: most stay empty or hold one
        # or two items, and the models want tuples.
        claim_cas: tuple[Adjustment, ...] = ()
        names: list[Name] = []
        statement_from: date | None = None
        statement_to: date | None = None
        received: date | None = None
        other_dates: dict[str, str] | None = None  # DTMs of other qualifiers, last wins
        references: tuple[Reference, ...] = ()
        amounts: tuple[tuple[str, Decimal], ...] = ()
        other: list[str] = []
        mia: tuple[str, ...] = ()
        moa: tuple[str, ...] = ()
        # Loop 2110 (the open service line); line_other is the claim's list while no line
        # is open.
        svc: list[str] | None = None
        svc_position = 0
        service_date: date | None = None
        start_date: date | None = None
        end_date: date | None = None
        cas: tuple[Adjustment, ...] = ()
        lic = ""
        line_references: tuple[Reference, ...] = ()
        allowed: Decimal | None = None
        line_amounts: tuple[tuple[str, Decimal], ...] = ()
        remarks: tuple[str, ...] = ()
        line_other = other
        built: ClaimPayment | None = None
        # Service lines are built when the claim ends; the last element of each is where
        # its problems go in ``problems`` (they belong after those found before its end).
        pending: list[_OpenLine] = []
        delta = position - start  # the file position of segments[index] is index + delta
        for index in range(start + 1, n):
            raw = segments[index]
            e = raw.split(sep)
            tag = e[0]
            try:
                if tag == "DTM":
                    if svc is not None:
                        if len(e) == 3:
                            value = e[2]
                            day = date_get(value) or parse_date(value, index + delta, "DTM", 2)
                            qualifier = e[1]
                            if qualifier == "472":
                                service_date = day
                            elif qualifier == "150":
                                start_date = day
                            elif qualifier == "151":
                                end_date = day
                            else:
                                line_other.append(raw)
                        else:
                            line_other.append(raw)
                    else:
                        qualifier = e[1] if len(e) > 1 else ""
                        value = e[2] if len(e) > 2 else ""
                        if qualifier == "232":
                            statement_from = (
                                (date_get(value) or parse_date(value, index + delta, e[0], 2))
                                if value
                                else None
                            )
                        elif qualifier == "233":
                            statement_to = (
                                (date_get(value) or parse_date(value, index + delta, e[0], 2))
                                if value
                                else None
                            )
                        elif qualifier == "050":
                            received = (
                                (date_get(value) or parse_date(value, index + delta, e[0], 2))
                                if value
                                else None
                            )
                        else:
                            if other_dates is None:
                                other_dates = {}
                            other_dates[qualifier] = value
                            if value and date_get(value) is None:
                                parse_date(value, index + delta, e[0], 2)
                elif tag == "CAS":
                    if len(e) == 4 and e[2]:
                        text = e[3]
                        number(text)
                        amount = (
                            convert(text) if fast else to_decimal(text, index + delta, "CAS", 3)
                        )
                        adjusted: tuple[Adjustment, ...] = (
                            new_adjustment(e[1] or _no_group(index + delta), e[2], amount, None),
                        )
                    else:
                        adjusted = tuple(parse_adjustments(e, index + delta))
                    if svc is None:
                        claim_cas += adjusted
                    else:
                        cas += adjusted
                elif tag == "REF":
                    if svc is None:
                        references += (_reference(e),)
                    elif len(e) > 1 and e[1] == "6R":
                        lic = e[2] if len(e) > 2 else ""
                    else:
                        line_references += (_reference(e),)
                elif tag == "AMT":
                    if len(e) > 2 and e[2]:
                        text = e[2]
                        number(text)
                        amount = convert(text) if fast else to_decimal(text, index + delta, tag, 2)
                    else:
                        amount = required_decimal(e, 2, index + delta)
                    qualifier = e[1]
                    if svc is None:
                        amounts += ((qualifier, amount),)
                    elif qualifier == "B6":
                        allowed = amount
                    else:
                        line_amounts += ((qualifier, amount),)
                elif tag == "NM1":
                    if svc is None:
                        name = name_get(raw)
                        if name is None:
                            if len(e) >= 10:
                                name = _new_name(e[1], e[2], e[3], e[4], e[5], e[7], e[8], e[9])
                            else:
                                name = parse_name(e)
                            # Providers repeat claim after claim; patients do not.
                            if name.entity not in _UNIQUE_NAMES and len(name_cache) < 4096:
                                name_cache[raw] = name
                        names.append(name)
                    else:
                        line_other.append(raw)
                elif tag == "SVC":
                    if svc is not None:
                        pending.append(
                            (
                                svc,
                                svc_position,
                                service_date,
                                start_date,
                                end_date,
                                cas,
                                lic,
                                line_references,
                                allowed,
                                line_amounts,
                                remarks,
                                line_other,
                                len(problems),
                            )
                        )
                    svc = e
                    svc_position = index + delta
                    service_date = start_date = end_date = allowed = None
                    cas = line_references = line_amounts = remarks = ()
                    lic = ""
                    line_other = []
                elif raw[:3] in ends:
                    key = raw[:3]
                    break
                elif tag == "LQ":
                    if svc is not None and len(e) > 1 and e[1] == "HE":
                        remarks += (e[2] if len(e) > 2 else "",)
                    else:
                        line_other.append(raw)
                elif tag == "MIA":
                    mia = _kept(e, _MIA_KEPT)
                    other.append(raw)
                elif tag == "MOA":
                    moa = _kept(e, _MOA_KEPT)
                    other.append(raw)
                elif tag == "BPR":
                    if fast:  # reading it changes the reader: only once, carefully
                        raise _Recheck
                    self._bpr(e, index + delta)
                elif raw[:3] in kept_keys or _is_tag(tag):
                    line_other.append(raw)
                else:
                    raise _not_a_segment(raw, index + delta)
            except X12Error as problem:
                problems.append(problem)
            except ArithmeticError:  # only ``convert`` raises it (fast reading)
                raise _Recheck from None
        else:
            if not final:
                return n, False
            index = n
            key = _END_OF_CLAIM
        if svc is not None:
            pending.append(
                (
                    svc,
                    svc_position,
                    service_date,
                    start_date,
                    end_date,
                    cas,
                    lic,
                    line_references,
                    allowed,
                    line_amounts,
                    remarks,
                    line_other,
                    -1,
                )
            )
        # Problems from here on come from ending the claim (see the deferral below).
        ending = -1
        inserted = 0
        for (
            line_svc,
            line_position,
            line_date,
            line_start,
            line_end,
            line_cas,
            line_lic,
            line_refs,
            line_allowed,
            line_amts,
            line_remarks,
            line_others,
            at,
        ) in pending:
            if at < 0:  # the line still open when the claim ended
                ending = at = len(problems)
            else:
                at += inserted
            try:
                count = len(line_svc)
                if count < 4:
                    raise X12SyntaxError(
                        "SVC needs a procedure, a charge and a paid amount",
                        segment_position=line_position,
                        segment_id="SVC",
                        element=count,
                        expected="SVC01, SVC02 and SVC03",
                        found=sep.join(line_svc),
                    )
                composite = line_svc[1]
                procedure = procedure_get(composite)
                if procedure is None:
                    procedure = parse_procedure(composite, component, line_position, "SVC")
                if component not in composite:
                    problems.insert(at, _no_component(composite, component, line_position))
                    at += 1
                    inserted += 1
                billed = None
                if count > 6 and line_svc[6]:
                    billed = procedure_get(line_svc[6]) or parse_procedure(
                        line_svc[6], component, line_position, "SVC"
                    )
                text = line_svc[2]
                if not text:
                    required_decimal(line_svc, 2, line_position)
                number(text)
                charge = convert(text) if fast else to_decimal(text, line_position, "SVC", 2)
                text = line_svc[3]
                if not text:
                    required_decimal(line_svc, 3, line_position)
                number(text)
                paid = convert(text) if fast else to_decimal(text, line_position, "SVC", 3)
                units = line_svc[5] if count > 5 else ""
                # Units are short and few ("1"): parse_decimal has them cached.
                units_paid = to_decimal(units, line_position, "SVC", 5) if units else None
                units_billed = line_svc[7] if count > 7 else ""
                lines.append(
                    new_line(
                        line_position,
                        len(lines) + 1,
                        procedure,
                        charge,
                        paid,
                        line_svc[4] if count > 4 else "",
                        units_paid,
                        billed,
                        to_decimal(units_billed, line_position, line_svc[0], 7)
                        if units_billed
                        else None,
                        line_date,
                        line_start,
                        line_end,
                        line_cas,
                        line_lic,
                        line_refs,
                        line_allowed,
                        line_amts,
                        line_remarks,
                        tuple(line_others) if line_others else (),
                    )
                )
            except X12Error as problem:
                problems.insert(at, problem)
                inserted += 1
            except ArithmeticError:  # only ``convert`` raises it (fast reading)
                raise _Recheck from None
        if ending < 0:
            ending = len(problems)
        try:
            e = segments[start].split(sep)
            count = len(e)
            if count < 5 or not e[1] or not e[2]:
                raise X12SyntaxError(
                    "CLP needs the patient control number, status, charge and paid amount",
                    segment_position=position,
                    segment_id="CLP",
                    expected="CLP01 to CLP04",
                    found=sep.join(e)[:60],
                )
            patient = insured = corrected = rendering = None
            others: list[Name] = []
            for name in names:
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
            if other_dates:
                for qualifier, value in other_dates.items():
                    other.append(sep.join(("DTM", qualifier, value)))
            text = e[3]
            if not text:
                required_decimal(e, 3, position)
            number(text)
            charge = convert(text) if fast else to_decimal(text, position, "CLP", 3)
            text = e[4]
            if not text:
                required_decimal(e, 4, position)
            number(text)
            paid = convert(text) if fast else to_decimal(text, position, "CLP", 4)
            text = e[5] if count > 5 else ""
            responsibility = to_decimal(text, position, "CLP", 5) if text else None
            built = _new_claim(
                position,
                self._header_number,
                e[1],
                e[2],
                charge,
                paid,
                responsibility,
                e[6] if count > 6 else "",
                e[7] if count > 7 else "",
                e[8] if count > 8 else "",
                e[9] if count > 9 else "",
                claim_cas,
                patient,
                insured,
                corrected,
                rendering,
                tuple(others) if others else (),
                mia,
                moa,
                statement_from,
                statement_to,
                received,
                references,
                amounts,
                tuple(lines),
                tuple(other) if other else (),
            )
        except X12Error as problem:
            problems.append(problem)
            built = None
        except ArithmeticError:  # only ``convert`` raises it (fast reading)
            raise _Recheck from None
        if fast and numbers:
            # Every character of every amount read quickly must be one of NUMBER_CHARACTERS
            # (bytes.translate deletes them: nothing may be left), else a text Decimal took
            # is not an X12 number (" 1", "1e3", "1_0"...): find it carefully.
            joined = "".join(numbers)
            if not joined.isascii() or joined.encode().translate(None, _NUMBER_BYTES):
                raise _Recheck
        if key in stops:
            # The set ends here (SE, or an envelope segment where SE was due). What ending
            # the claim finds is reported when the set is finished, after the problems of
            # the envelope segment, as a claim left open until the set ends always was.
            self._deferred = (built, problems[ending:])
            del problems[ending:]
            built = None
        for found in problems:
            self._report(found)
        if built is not None:
            self._claim_count += 1
            self._total_charge += built.charge
            self._total_paid += built.paid
            if self._stream:
                self._ready.append(built)
            else:
                self._claims.append(built)
        return index, True

    def _accept(self, claim: ClaimPayment) -> None:
        self._claim_count += 1
        self._total_charge += claim.charge
        self._total_paid += claim.paid
        if self._stream:
            self._ready.append(claim)
        else:
            self._claims.append(claim)

    def _segment(self, raw: str, key: str, pos: int) -> None:
        """One segment outside any claim (header, LX, PLB and trailer)."""
        sep = self._sep
        if key == "DTM":
            e = raw.split(sep)
            qualifier = e[1] if len(e) > 1 else ""
            if qualifier == "405" and self._production_date_raw is None:
                self._production_date_raw = (e[2] if len(e) > 2 else "", pos)
            else:
                self._other(raw)
        elif key == "SVC":
            raise X12StructureError(
                "SVC before any CLP", segment_position=pos, segment_id="SVC", expected="CLP"
            )
        elif key == "CAS":
            e = raw.split(sep)
            if len(e) == 4 and e[2]:
                parse_decimal(e[3], pos, "CAS", 3)
                if not e[1]:
                    _no_group(pos)
            else:
                parse_adjustments(e, pos)
            raise X12StructureError(
                "CAS before any CLP", segment_position=pos, segment_id="CAS", expected="CLP"
            )
        elif key == "AMT":
            required_decimal(raw.split(sep), 2, pos)
            self._other(raw)
        elif key == "REF":
            reference = _reference(raw.split(sep))
            if self._parties:
                self._parties[-1].references.append(reference)
            else:
                self._references.append(reference)
        elif key == "LX" + sep:
            self._finish_header()
            self._header_number = _e(raw.split(sep), 1)
        elif key == "PLB":
            self._finish_header()
            self._plb(raw.split(sep), pos)
        elif key == "BPR":
            self._bpr(raw.split(sep), pos)
        elif key == "TRN":
            e = raw.split(sep)
            if self._trace is None:
                self._trace = Trace(_e(e, 1), _e(e, 2), _e(e, 3), _e(e, 4))
            else:
                self._other(raw)
        elif key == "N1" + sep:
            if not self._header_done:
                self._parties.append(_PartyBuilder(raw.split(sep)))
            else:
                self._other(raw)
        elif key == "N3" + sep or key == "N4" + sep:
            if self._parties and not self._header_done:
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
            if self._parties and not self._header_done:
                self._parties[-1].contacts.append(parse_contact(raw.split(sep)))
            else:
                self._other(raw)
        elif key in ("NM1", "MIA", "MOA") or key == self._lq_key:
            self._other(raw)
        else:
            if not _is_tag(raw.split(sep, 1)[0]):
                raise _not_a_segment(raw, pos)
            self._other(raw)

    def _other(self, raw: str) -> None:
        if self._header_done:
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
            try:
                production = optional_date(["DTM", "405", value], 2, pos)
            except X12Error as problem:  # the header is still built (lenient mode)
                self._report(problem)
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

    def drain(self) -> list[object]:
        if not self._ready:
            return self._ready
        ready = self._ready
        self._ready = []
        return ready

    def finish(self, complete: bool) -> object | None:
        if self._carry:
            carry = self._carry
            self._carry = []
            self._read_claim(carry, 0, self._carry_position, True)
        if self._deferred is not None:
            claim, problems = self._deferred
            self._deferred = None
            for problem in problems:
                self._report(problem)
            if claim is not None:
                self._accept(claim)
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
