"""People, organisations and addresses shared by the 837P, 270 and 276 writers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from openrcm.x12.write.encoder import (
    SegmentWriter,
    format_date,
    optional_text,
    require_pattern,
    require_text,
)

_STATE = re.compile(r"[A-Z]{2}")
_ZIP = re.compile(r"[0-9]{5}([0-9]{4})?")
_ZIP9 = re.compile(r"[0-9]{9}")
_PHONE = re.compile(r"[0-9]{10}")
_SEX_CODES = ("F", "M", "U")


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person: NM102 = 1."""

    last: str
    first: str = ""
    middle: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class OrganizationName:
    """An organisation: NM102 = 2, the name goes in NM103."""

    name: str


Name = PersonName | OrganizationName


@dataclass(frozen=True, slots=True)
class Address:
    """A US street address (N3/N4). ``postal_code`` is 5 or 9 digits, no dash."""

    line1: str
    city: str
    state: str
    postal_code: str
    line2: str = ""


@dataclass(frozen=True, slots=True)
class Contact:
    """An EDI contact (PER*IC): a name and at least one of phone or email."""

    name: str
    phone: str = ""  # 10 digits
    phone_extension: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Payer:
    """A payer as trading partners know it: name and payer id (NM1*PR ... PI)."""

    name: str
    payer_id: str
    address: Address | None = None


Sex = Literal["F", "M", "U"]


def write_name(
    out: SegmentWriter,
    entity: str,
    name: Name,
    what: str,
    id_qualifier: str = "",
    identifier: str = "",
) -> None:
    """NM1 for a person or an organisation, with an optional id (NM108/NM109)."""
    if isinstance(name, PersonName):
        out.segment(
            "NM1",
            entity,
            "1",
            require_text(out, name.last, f"{what} last name", max_length=60),
            optional_text(out, name.first, f"{what} first name", max_length=35),
            optional_text(out, name.middle, f"{what} middle name", max_length=25),
            "",
            optional_text(out, name.suffix, f"{what} name suffix", max_length=10),
            id_qualifier,
            identifier,
        )
    elif isinstance(name, OrganizationName):
        out.segment(
            "NM1",
            entity,
            "2",
            require_text(out, name.name, f"{what} organisation name", max_length=60),
            "",
            "",
            "",
            "",
            id_qualifier,
            identifier,
        )
    else:
        raise out.error(f"{what} name must be a PersonName or an OrganizationName, got {name!r}")


def write_address(
    out: SegmentWriter, address: Address, what: str, *, nine_digit_zip: bool = False
) -> None:
    """N3 and N4. A billing provider or service facility needs the 9-digit ZIP."""
    if not isinstance(address, Address):
        raise out.error(f"{what} address must be an Address, got {address!r}")
    out.segment(
        "N3",
        require_text(out, address.line1, f"{what} address line 1", max_length=55),
        optional_text(out, address.line2, f"{what} address line 2", max_length=55),
    )
    zip_pattern, expected = (
        (_ZIP9, "9 digits (ZIP+4, no dash)") if nine_digit_zip else (_ZIP, "5 or 9 digits")
    )
    out.segment(
        "N4",
        require_text(out, address.city, f"{what} city", max_length=30, min_length=2),
        require_pattern(out, address.state, f"{what} state", _STATE, "2 capital letters"),
        require_pattern(out, address.postal_code, f"{what} ZIP code", zip_pattern, expected),
    )


def write_contact(out: SegmentWriter, contact: Contact, what: str) -> None:
    """PER*IC with up to three ways to reach the contact (phone, extension, email)."""
    pairs: list[str] = []
    if contact.phone:
        pairs += ["TE", require_pattern(out, contact.phone, f"{what} phone", _PHONE, "10 digits")]
        if contact.phone_extension:
            ext = optional_text(out, contact.phone_extension, f"{what} extension", max_length=20)
            pairs += ["EX", ext]
    elif contact.phone_extension:
        raise out.error(f"{what} has a phone extension but no phone number")
    if contact.email:
        pairs += ["EM", optional_text(out, contact.email, f"{what} email", max_length=256)]
    if not pairs:
        raise out.error(f"{what} needs a phone number or an email address")
    out.segment("PER", "IC", require_text(out, contact.name, f"{what} name", max_length=60), *pairs)


def write_demographics(
    out: SegmentWriter, birth_date: date | None, sex: str | None, what: str
) -> None:
    """DMG*D8*birth date*sex."""
    if not isinstance(birth_date, date):
        raise out.error(f"{what} birth date is missing")
    if sex is not None and sex not in _SEX_CODES:
        raise out.error(f"{what} sex {sex!r} must be F, M or U")
    out.segment("DMG", "D8", format_date(birth_date), sex or "")
