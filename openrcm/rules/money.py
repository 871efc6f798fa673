"""Money: Decimal with two places, rounded in exactly one function; floats refused."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999.99")  # 12 digits, 2 places: what every money column holds


class MoneyError(ValueError):
    """A value cannot be an amount of money."""


def to_money(value: Decimal | int | str) -> Decimal:
    """An amount rounded half-up to cents. Floats are refused: they are not exact."""
    if isinstance(value, float):
        raise MoneyError(f"{value!r} is a float; pass money as Decimal, int or str")
    if isinstance(value, bool):
        raise MoneyError("a yes/no value is not an amount")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError(f"{value!r} is not an amount") from exc
    if not amount.is_finite():
        raise MoneyError(f"{value!r} is not a finite amount")
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if abs(rounded) > MAX_AMOUNT:
        raise MoneyError(f"{value!r} is larger than {MAX_AMOUNT}")
    return rounded
