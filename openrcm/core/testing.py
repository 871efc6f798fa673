"""Synthetic data for tests, built through the real services (so validation runs).

Identifiers are made up: NPIs pass the check digit but belong to nobody, SSNs are in the
9xx range that is never issued, phone numbers are in the 555-01xx range.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

from openrcm.core.actor import Actor
from openrcm.rules.identifiers import npi_with_check_digit

TEST_ACTOR = Actor.job("tests")
_serial = itertools.count(1)


def made_up_npi(first_digit: str = "1") -> str:
    return npi_with_check_digit(f"{first_digit}{next(_serial):08d}")


def make_client(**overrides: Any) -> Any:
    from openrcm.clients.services import client_create

    n = next(_serial)
    fields: dict[str, Any] = {
        "legal_name": f"Riverbend Family Medicine {n} PC",
        "short_name": f"riverbend-{n}",
        "specialty": "Family medicine",
        "group_npi": made_up_npi("1"),
        "tin": "12-3456789",
        "taxonomy": "207Q00000X",
        "phone": "212-555-0100",
        "street1": "100 Main Street",
        "city": "Albany",
        "state": "NY",
        "zip_code": "122070001",
    }
    fields.update(overrides)
    return client_create(actor=TEST_ACTOR, **fields)


def make_provider(client: Any, **overrides: Any) -> Any:
    from openrcm.clients.services import provider_create

    fields: dict[str, Any] = {
        "npi": made_up_npi("1"),
        "first_name": "Ada",
        "last_name": f"Quill{next(_serial)}",
        "taxonomy": "207Q00000X",
        "credentials": "MD",
    }
    fields.update(overrides)
    return provider_create(actor=TEST_ACTOR, client=client, **fields)


def make_payer(**overrides: Any) -> Any:
    from openrcm.payers.services import payer_create

    n = next(_serial)
    fields: dict[str, Any] = {
        "name": f"Lakeside Health Plan {n}",
        "payer_id": f"LHP{n:05d}",
        "payer_type": "commercial",
        "claim_filing_indicator": "CI",
        "timely_filing_days": 180,
        "appeal_days": 180,
    }
    fields.update(overrides)
    return payer_create(actor=TEST_ACTOR, **fields)


def make_patient(client: Any, **overrides: Any) -> Any:
    from openrcm.patients.services import patient_create

    n = next(_serial)
    fields: dict[str, Any] = {
        "account_number": f"A{n:06d}",
        "first_name": "Nora",
        "last_name": f"Testpatient{n}",
        "date_of_birth": datetime.date(1970, 5, 17),
        "sex": "F",
        "ssn": f"900-{n % 90 + 10:02d}-{n % 9000 + 1000:04d}",
        "street1": f"{n} Elm Street",
        "city": "Albany",
        "state": "NY",
        "zip_code": "12207",
        "phone": f"518-555-01{n % 100:02d}",
    }
    fields.update(overrides)
    return patient_create(actor=TEST_ACTOR, client=client, **fields)


def make_coverage(patient: Any, payer: Any, **overrides: Any) -> Any:
    from openrcm.patients.services import coverage_add

    fields: dict[str, Any] = {
        "priority": "P",
        "member_id": f"MBR{next(_serial):07d}",
        "effective_from": datetime.date(2025, 1, 1),
    }
    fields.update(overrides)
    return coverage_add(actor=TEST_ACTOR, patient=patient, payer=payer, **fields)


def make_encounter(patient: Any, provider: Any, **overrides: Any) -> Any:
    from openrcm.claims.services import ChargeInput, EncounterInput, encounter_create

    fields: dict[str, Any] = {
        "date_of_service": datetime.date(2026, 3, 2),
        "rendering_provider": provider,
        "place_of_service": "11",
        "diagnoses": ["E11.9", "I10"],
        "charges": [
            ChargeInput("99213", Decimal("125.00"), diagnosis_pointers=(1, 2)),
            ChargeInput("93000", Decimal("45.00"), diagnosis_pointers=(2,)),
        ],
    }
    fields.update(overrides)
    return encounter_create(actor=TEST_ACTOR, patient=patient, data=EncounterInput(**fields))
