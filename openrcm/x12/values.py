"""Element values: amounts, numbers, dates and composites, each checked.

Every converter raises :class:`X12SyntaxError` naming the segment, position and element
when a value is not what X12 allows (no ``ValueError`` or ``InvalidOperation`` escapes).
Amounts and dates repeat a lot in real files, so converted values are cached.
"""

from __future__ import annotations

from datetime import date
from decimal import Clamped, Context, Decimal, InvalidOperation, Rounded, Subnormal

from openrcm.x12.errors import X12SyntaxError

_CACHE_LIMIT = 65536
_dates: dict[str, date] = {}
# The characters of an X12 number; ``not text.strip(NUMBER_CHARACTERS)`` is the check.
NUMBER_CHARACTERS = "0123456789.-"
_short_decimals: dict[str, Decimal] = {}  # numbers of 1 to 3 characters (bounded)
# Exact for up to 32 significant digits, refusing longer ones (Rounded), tiny ones such as
# 0.(a million zeros)1 (Subnormal, Clamped) and malformed text (InvalidOperation), whatever
# the caller's decimal context says. Callers that use it directly must check the
# characters of the text themselves (see parse_decimal).
decimal_from_checked_text = Context(
    prec=32, traps=[InvalidOperation, Rounded, Subnormal, Clamped]
).create_decimal


def parse_decimal(text: str, position: int, segment_id: str, element: int) -> Decimal:
    """An X12 ``R``/``N`` number: optional minus, digits, optional decimal point.

    Only the characters ``0-9 . -`` get through the strip test, and among strings of
    those characters Decimal's grammar accepts exactly ``-?(\\d+\\.?\\d*|\\.\\d+)`` (no
    exponent, blanks, underscores, ``+``, NaN, Infinity or non-ASCII digits can be
    spelled with them), which is cheaper than a regular expression. At most 32
    significant digits are taken (leading zeros aside). Most amounts are distinct and
    converting one (about 0.1 µs) costs less than looking it up in a large cache, so
    only short ones (units, zeros, copays: at most a few thousand) are cached.
    """
    size = len(text)
    if size < 4:
        value = _short_decimals.get(text)
        if value is not None:
            return value
    if not text.strip(NUMBER_CHARACTERS):
        try:
            value = decimal_from_checked_text(text)
        except ArithmeticError:  # InvalidOperation, Rounded, Subnormal, Clamped
            pass
        else:
            if size < 4:
                _short_decimals[text] = value
            return value
    raise X12SyntaxError(
        "not a number",
        segment_position=position,
        segment_id=segment_id,
        element=element,
        expected="a decimal number such as 125.50 (at most 32 digits)",
        found=text,
    )


def optional_decimal(elements: list[str], index: int, position: int) -> Decimal | None:
    """Element ``index`` of a split segment as a number, or None when absent or empty."""
    if index >= len(elements):
        return None
    text = elements[index]
    if not text:
        return None
    return parse_decimal(text, position, elements[0], index)


def required_decimal(elements: list[str], index: int, position: int) -> Decimal:
    if index >= len(elements) or not elements[index]:
        raise X12SyntaxError(
            "a required amount is missing",
            segment_position=position,
            segment_id=elements[0],
            element=index,
            expected="a decimal number",
            found="",
        )
    return parse_decimal(elements[index], position, elements[0], index)


def parse_date(text: str, position: int, segment_id: str, element: int) -> date:
    """A ``CCYYMMDD`` date."""
    value = _dates.get(text)
    if value is not None:
        return value
    if len(text) != 8 or not text.isascii() or not text.isdigit():
        raise X12SyntaxError(
            "not a date",
            segment_position=position,
            segment_id=segment_id,
            element=element,
            expected="CCYYMMDD",
            found=text,
        )
    try:
        value = date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise X12SyntaxError(
            "not a calendar date",
            segment_position=position,
            segment_id=segment_id,
            element=element,
            expected="a valid CCYYMMDD date",
            found=text,
        ) from None
    if len(_dates) >= _CACHE_LIMIT:
        _dates.clear()
    _dates[text] = value
    return value


def optional_date(elements: list[str], index: int, position: int) -> date | None:
    if index >= len(elements) or not elements[index]:
        return None
    text = elements[index]
    value = _dates.get(text)
    if value is not None:
        return value
    return parse_date(text, position, elements[0], index)


def date_range(
    qualifier: str, text: str, position: int, segment_id: str, element: int
) -> tuple[date | None, date | None]:
    """A DTP/DTM value by its format qualifier: D8 date or RD8 ``CCYYMMDD-CCYYMMDD``."""
    if qualifier == "RD8" or (qualifier == "" and "-" in text):
        start, sep, end = text.partition("-")
        if not sep:
            raise X12SyntaxError(
                "not a date range",
                segment_position=position,
                segment_id=segment_id,
                element=element,
                expected="CCYYMMDD-CCYYMMDD",
                found=text,
            )
        return (
            parse_date(start, position, segment_id, element),
            parse_date(end, position, segment_id, element),
        )
    if qualifier in ("D8", ""):
        day = parse_date(text, position, segment_id, element)
        return day, day
    return None, None


def element(elements: list[str], index: int) -> str:
    return elements[index] if index < len(elements) else ""


def optional_int(text: str, position: int, segment_id: str, element: int) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise X12SyntaxError(
            "not a whole number",
            segment_position=position,
            segment_id=segment_id,
            element=element,
            expected="digits",
            found=text,
        )
    return int(text)
