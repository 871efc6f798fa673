"""Segment encoding shared by the 837P, 270 and 276 writers.

Everything here is about *how* values become X12 text: delimiters, the interchange
(ISA/GS/ST ... SE/GE/IEA) envelope, and the value formats (amounts, quantities, dates).
What goes *into* the segments is the business of each transaction writer.

The writers never guess: a value that contains a delimiter, a control character or a
character outside printable ASCII raises :class:`X12WriteError` naming where it was found,
instead of producing a file the receiver would split in the wrong places.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from openrcm.x12.errors import X12WriteError

#: An element is a plain string, or a composite given as a tuple of its components.
Element = str | tuple[str, ...]

_CENTS = Decimal("0.01")
_ISA_QUALIFIER = re.compile(r"^[0-9A-Z]{2}$")


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four X12 separators, plus whether a newline follows each segment terminator.

    The defaults (``*`` ``^`` ``:`` ``~``) are what nearly every clearinghouse expects.
    """

    element: str = "*"
    repetition: str = "^"
    component: str = ":"
    segment: str = "~"
    newline_after_segment: bool = False

    def __post_init__(self) -> None:
        chars = (self.element, self.repetition, self.component, self.segment)
        for name, char in zip(
            ("element", "repetition", "component", "segment"), chars, strict=True
        ):
            if len(char) != 1 or char.isalnum() or not (" " < char <= "~"):
                raise X12WriteError(
                    f"{name} separator {char!r} must be one printable ASCII character that is "
                    "neither a letter, a digit nor a space"
                )
        if len(set(chars)) != 4:
            raise X12WriteError(f"delimiters must be four different characters, got {chars!r}")

    @property
    def terminator(self) -> str:
        return self.segment + ("\n" if self.newline_after_segment else "")


@dataclass(frozen=True, slots=True)
class InterchangeSettings:
    """What the caller decides about the envelope of one file.

    The caller owns control-number allocation (they must be unique per trading partner) and
    passes the creation time in, so the same input always gives the same bytes.
    """

    sender_id: str
    receiver_id: str
    interchange_control_number: int
    group_control_number: int
    transaction_set_control_number: int
    created_at: datetime
    usage_indicator: Literal["T", "P"] = "T"
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    #: GS02 / GS03; default to the ISA sender / receiver ids.
    application_sender_code: str | None = None
    application_receiver_code: str | None = None
    acknowledgment_requested: bool = False
    delimiters: Delimiters = field(default_factory=Delimiters)


def _describe_char(char: str, delimiters: Delimiters) -> str:
    names = {
        delimiters.element: "element separator",
        delimiters.repetition: "repetition separator",
        delimiters.component: "component separator",
        delimiters.segment: "segment terminator",
    }
    if char in names:
        return f"the {names[char]} {char!r}"
    return f"the character {char!r}, which X12 cannot carry"


class SegmentWriter:
    """Collects segments as text, counting them, and refuses values that would corrupt them.

    ``where`` is the caller's description of the current place in its input (for example
    ``"claim PCN123 line 2"``); every error raised while writing starts with it.
    """

    __slots__ = (
        "_bad",
        "_component",
        "_element",
        "_parts",
        "_terminator",
        "count",
        "delimiters",
        "where",
    )

    def __init__(self, delimiters: Delimiters) -> None:
        self.delimiters = delimiters
        self._element = delimiters.element
        self._component = delimiters.component
        self._terminator = delimiters.terminator
        forbidden = re.escape(
            delimiters.element + delimiters.repetition + delimiters.component + delimiters.segment
        )
        # Anything outside printable ASCII, and the four delimiters.
        self._bad = re.compile(f"[{forbidden}]|[^\\x20-\\x7e]")
        self._parts: list[str] = []
        self.count = 0
        self.where = ""

    def error(self, message: str) -> X12WriteError:
        return X12WriteError(f"{self.where}: {message}" if self.where else message)

    def segment(self, segment_id: str, *elements: Element) -> None:
        """Append one segment; trailing empty elements and components are dropped."""
        if tuple not in map(type, elements):  # fast path: no composite (most segments)
            plain: tuple[str, ...] = elements  # type: ignore[assignment]  # checked just above
            if self._bad.search("".join(plain)) is not None:
                self._raise_for_bad_value(segment_id, elements)
            end = len(plain)
            while end and not plain[end - 1]:
                end -= 1
            separator = self._element
            self._parts.append(
                segment_id + separator + separator.join(plain[:end]) + self._terminator
                if end
                else segment_id + self._terminator
            )
            self.count += 1
            return
        values: list[str] = []
        atoms: list[str] = []
        for element in elements:
            if isinstance(element, tuple):
                components = list(element)
                while components and not components[-1]:
                    components.pop()
                atoms.extend(components)
                values.append(self._component.join(components))
            else:
                atoms.append(element)
                values.append(element)
        if self._bad.search("".join(atoms)) is not None:
            self._raise_for_bad_value(segment_id, elements)
        while values and not values[-1]:
            values.pop()
        values.insert(0, segment_id)
        self._parts.append(self._element.join(values) + self._terminator)
        self.count += 1

    def check_values(self, segment_id: str, *elements: Element) -> None:
        """Refuse delimiters in values written by other means (the fixed-width ISA)."""
        for element in elements:
            atoms = element if isinstance(element, tuple) else (element,)
            if self._bad.search("".join(atoms)) is not None:
                self._raise_for_bad_value(segment_id, elements)

    def _raise_for_bad_value(self, segment_id: str, elements: tuple[Element, ...]) -> None:
        # Slow path, only when something is wrong: find the exact element to name it.
        for index, element in enumerate(elements, start=1):
            if isinstance(element, tuple):
                named = [(f"{segment_id}{index:02d}-{n}", c) for n, c in enumerate(element, 1)]
            else:
                named = [(f"{segment_id}{index:02d}", element)]
            for name, value in named:
                found = self._bad.search(value)
                if found is not None:
                    raise self.error(
                        f"{name} value {value!r} contains "
                        f"{_describe_char(found.group(), self.delimiters)}; remove it"
                    )

    def raw(self, text: str) -> None:
        """Append pre-built text (the fixed-width ISA) as one segment."""
        self._parts.append(text + self._terminator)
        self.count += 1

    def text(self) -> str:
        return "".join(self._parts)


def freeze_field(instance: object, name: str) -> None:
    """Let a frozen dataclass accept any iterable for a tuple field (callers build lists)."""
    value = getattr(instance, name)
    if not isinstance(value, tuple) and isinstance(value, Iterable) and not isinstance(value, str):
        object.__setattr__(instance, name, tuple(value))


# --- value formats -----------------------------------------------------------------------


def format_date(value: date) -> str:
    """CCYYMMDD (X12 format D8)."""
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def format_date_range(start: date, end: date | None) -> tuple[str, str]:
    """(qualifier, value): ``D8`` for one day, ``RD8`` CCYYMMDD-CCYYMMDD for a range."""
    if end is None or end == start:
        return "D8", format_date(start)
    return "RD8", f"{format_date(start)}-{format_date(end)}"


def format_amount(
    out: SegmentWriter, value: object, what: str, *, allow_negative: bool = False
) -> str:
    """A money amount (X12 type R): Decimal with at most 2 places, trailing zeros dropped."""
    if not isinstance(value, Decimal):
        raise out.error(f"{what} must be a Decimal amount, got {type(value).__name__} {value!r}")
    if not value.is_finite():
        raise out.error(f"{what} is not a finite amount: {value!r}")
    try:
        cents = value.quantize(_CENTS)
    except InvalidOperation:
        raise out.error(f"{what} is too large: {value!r}") from None
    if cents != value:
        raise out.error(f"{what} has more than 2 decimal places: {value}")
    if cents < 0 and not allow_negative:
        raise out.error(f"{what} must not be negative: {value}")
    text = f"{cents:f}"
    if text.endswith(".00"):
        text = text[:-3]
    elif text.endswith("0"):
        text = text[:-1]
    if text in ("-0", "0"):
        text = "0"
    if len(text.replace("-", "").replace(".", "")) > 18:
        raise out.error(f"{what} has more than 18 digits: {value}")
    return text


def format_quantity(out: SegmentWriter, value: object, what: str) -> str:
    """A positive quantity (units, minutes): int or Decimal, at most 3 places, 15 digits."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise out.error(f"{what} must be a Decimal or int, got {type(value).__name__} {value!r}")
    number = Decimal(value)
    if not number.is_finite() or number <= 0:
        raise out.error(f"{what} must be greater than zero: {value}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -3 and number != round(number, 3):
        raise out.error(f"{what} has more than 3 decimal places: {value}")
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if len(text.replace(".", "")) > 15:
        raise out.error(f"{what} has more than 15 digits: {value}")
    return text


def require_text(
    out: SegmentWriter,
    value: str | None,
    what: str,
    *,
    max_length: int,
    min_length: int = 1,
) -> str:
    """A required text value, stripped of outer spaces, within the element's length."""
    if value is None or not value.strip():
        raise out.error(f"{what} is empty")
    return optional_text(out, value, what, max_length=max_length, min_length=min_length)


def optional_text(
    out: SegmentWriter,
    value: str | None,
    what: str,
    *,
    max_length: int,
    min_length: int = 1,
) -> str:
    """An optional text value ("" when absent), stripped, within the element's length."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise out.error(f"{what} must be text, got {type(value).__name__} {value!r}")
    text = value.strip()
    if text and not (min_length <= len(text) <= max_length):
        raise out.error(
            f"{what} {text!r} must be {min_length} to {max_length} characters long, not {len(text)}"
        )
    return text


def require_code(out: SegmentWriter, value: str | None, what: str, allowed: frozenset[str]) -> str:
    """A value from a fixed code list."""
    if value not in allowed:
        raise out.error(f"{what} {value!r} is not one of {', '.join(sorted(allowed))}")
    return value


def require_pattern(
    out: SegmentWriter, value: str | None, what: str, pattern: re.Pattern[str], expected: str
) -> str:
    if value is None or not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise out.error(f"{what} {value!r} is not valid: expected {expected}")
    return value


def is_valid_npi(npi: str) -> bool:
    """10 digits starting 1 or 2, Luhn check digit over the 80840-prefixed number."""
    if len(npi) != 10 or not npi.isascii() or not npi.isdigit() or npi[0] not in "12":
        return False
    total = 24  # the implied 80840 prefix
    for index, char in enumerate(reversed(npi[:9])):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10 == int(npi[9])


def require_npi(out: SegmentWriter, value: str | None, what: str) -> str:
    if value is None or not is_valid_npi(value):
        raise out.error(
            f"{what} {value!r} is not a valid NPI (10 digits, first digit 1 or 2, Luhn check digit)"
        )
    return value


# --- envelope ----------------------------------------------------------------------------


def _isa_id(out: SegmentWriter, value: str, what: str) -> str:
    text = require_text(out, value, what, max_length=15)
    return text.ljust(15)


def write_interchange(
    settings: InterchangeSettings,
    *,
    functional_identifier: str,
    transaction_set_id: str,
    implementation_reference: str,
    write_body: Callable[[SegmentWriter], None],
) -> bytes:
    """One interchange holding one functional group holding one transaction set.

    ``write_body`` writes the segments between ST and SE; this function writes the
    envelope around them with counts and control numbers that agree.
    """
    delimiters = settings.delimiters
    envelope = SegmentWriter(delimiters)
    envelope.where = "interchange settings"
    if settings.usage_indicator not in ("T", "P"):
        raise envelope.error(
            f"usage indicator {settings.usage_indicator!r} must be 'T' (test) or 'P' (production)"
        )
    for what, qualifier in (
        ("sender qualifier (ISA05)", settings.sender_qualifier),
        ("receiver qualifier (ISA07)", settings.receiver_qualifier),
    ):
        if not isinstance(qualifier, str) or _ISA_QUALIFIER.fullmatch(qualifier) is None:
            raise envelope.error(f"{what} {qualifier!r} must be two letters or digits")
    controls = (
        ("interchange control number (ISA13)", settings.interchange_control_number, 999_999_999),
        ("group control number (GS06)", settings.group_control_number, 999_999_999),
        (
            "transaction set control number (ST02)",
            settings.transaction_set_control_number,
            999_999_999,
        ),
    )
    for what, number, highest in controls:
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= highest:
            raise envelope.error(f"{what} {number!r} must be a whole number from 1 to {highest}")
    created = settings.created_at
    if not isinstance(created, datetime):
        raise envelope.error(f"created_at must be a datetime, got {created!r}")
    sender = _isa_id(envelope, settings.sender_id, "sender id (ISA06)")
    receiver = _isa_id(envelope, settings.receiver_id, "receiver id (ISA08)")
    app_sender = require_text(
        envelope,
        settings.application_sender_code or settings.sender_id,
        "application sender code (GS02)",
        max_length=15,
        min_length=2,
    )
    app_receiver = require_text(
        envelope,
        settings.application_receiver_code or settings.receiver_id,
        "application receiver code (GS03)",
        max_length=15,
        min_length=2,
    )
    hhmm = f"{created.hour:02d}{created.minute:02d}"
    isa_control = f"{settings.interchange_control_number:09d}"
    group_control = str(settings.group_control_number)
    st_control = f"{settings.transaction_set_control_number:04d}"

    # ISA is fixed width: write it as text, but still refuse delimiter clashes in its ids.
    envelope.check_values("ISA", "00", "", "00", "", "", sender, "", receiver)
    isa = delimiters.element.join(
        (
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            settings.sender_qualifier,
            sender,
            settings.receiver_qualifier,
            receiver,
            f"{created.year % 100:02d}{created.month:02d}{created.day:02d}",
            hhmm,
            delimiters.repetition,
            "00501",
            isa_control,
            "1" if settings.acknowledgment_requested else "0",
            settings.usage_indicator,
            delimiters.component,
        )
    )
    envelope.raw(isa)
    envelope.segment(
        "GS",
        functional_identifier,
        app_sender,
        app_receiver,
        format_date(created.date()),
        hhmm,
        group_control,
        "X",
        implementation_reference,
    )

    body = SegmentWriter(delimiters)
    body.segment("ST", transaction_set_id, st_control, implementation_reference)
    write_body(body)
    body.where = ""
    body.segment("SE", str(body.count + 1), st_control)

    trailer = SegmentWriter(delimiters)
    trailer.segment("GE", "1", group_control)
    trailer.segment("IEA", "1", isa_control)
    return (envelope.text() + body.text() + trailer.text()).encode("ascii")
