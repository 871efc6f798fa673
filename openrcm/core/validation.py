"""Collecting every problem with an input before refusing it (nothing is stored)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from openrcm.core.errors import ValidationFailed
from openrcm.rules.identifiers import phone_problem, state_problem, zip_problem
from openrcm.rules.money import MoneyError, to_money

TAXONOMY_RE = re.compile(r"^[0-9]{3}[0-9A-Z]{6}X$")


class Problems:
    """A list of (field, message); ``raise_if_any`` refuses the input with all of them."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append((field, message))

    def check(self, field: str, problem: str | None) -> None:
        if problem:
            self.add(field, problem)

    def require(self, field: str, value: Any, what: str | None = None) -> bool:
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(field, f"{what or field.replace('_', ' ')} is required")
            return False
        return True

    def max_length(self, field: str, value: str, limit: int) -> None:
        if value and len(value) > limit:
            self.add(field, f"must be at most {limit} characters (got {len(value)})")

    def money(self, field: str, value: Any, *, positive: bool = False) -> Decimal | None:
        try:
            amount = to_money(value)
        except MoneyError as exc:
            self.add(field, str(exc))
            return None
        if positive and amount <= 0:
            self.add(field, f"must be greater than zero (got {amount})")
        elif amount < 0:
            self.add(field, f"must not be negative (got {amount})")
        return amount

    def date_range(
        self, start_field: str, start: datetime.date | None, end: datetime.date | None
    ) -> None:
        if start is not None and end is not None and end < start:
            self.add(start_field, f"ends ({end}) before it starts ({start})")

    def us_address(self, prefix: str, state: str, zip_code: str) -> None:
        if state:
            self.check(f"{prefix}state", state_problem(state))
        if zip_code:
            self.check(f"{prefix}zip_code", zip_problem(zip_code))

    def phone(self, field: str, value: str) -> None:
        if value:
            self.check(field, phone_problem(value))

    def taxonomy(self, field: str, value: str) -> None:
        if value and not TAXONOMY_RE.match(value):
            self.add(field, f"{value!r} is not a NUCC taxonomy code (10 characters ending in X)")

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(list(self.items))
