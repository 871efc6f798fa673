"""One storage shape for every code-set record: (code, second code, attributes).

Loaders yield typed records; the database keeps each as a code, an optional second code
(the column-2 code of a PTP pair, the modifier of a fee) and a small JSON object. This
module turns records into that shape and back into the snapshot's entries, so the Django
side and the pure side agree on one format. Dates are ISO strings; amounts are strings
(never floats).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from openrcm.codesets.loaders.adjustments import AdjustmentCodeRecord
from openrcm.codesets.loaders.hcpcs import HcpcsRecord
from openrcm.codesets.loaders.mpfs import FeeScheduleRecord
from openrcm.codesets.loaders.ncci import MueRecord, PtpRecord
from openrcm.codesets.loaders.places import PlaceOfServiceRecord, TaxonomyRecord

Record = (
    HcpcsRecord
    | MueRecord
    | PtpRecord
    | PlaceOfServiceRecord
    | TaxonomyRecord
    | FeeScheduleRecord
    | AdjustmentCodeRecord
)
Attributes = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    code: str
    code2: str
    attributes: Attributes


def _iso(value: datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def to_stored(record: Record) -> StoredEntry:
    """The storage shape of a loader's record."""
    match record:
        case HcpcsRecord():
            return StoredEntry(
                record.code,
                "",
                {
                    "modifier": record.is_modifier,
                    "short": record.short_description,
                    "long": record.long_description,
                    "added": _iso(record.added),
                    "terminated": _iso(record.terminated),
                    "action": record.action_code,
                    "coverage": record.coverage,
                },
            )
        case MueRecord():
            return StoredEntry(
                record.code,
                "",
                {
                    "units": record.max_units,
                    "mai": record.adjudication_indicator,
                    "rationale": record.rationale,
                },
            )
        case PtpRecord():
            return StoredEntry(
                record.column1,
                record.column2,
                {
                    "effective": _iso(record.effective),
                    "deleted": _iso(record.deleted),
                    "modifier_indicator": record.modifier_indicator,
                    "prior_1996": record.prior_to_1996,
                    "rationale": record.rationale,
                },
            )
        case PlaceOfServiceRecord():
            return StoredEntry(
                record.code,
                "",
                {
                    "name": record.name,
                    "description": record.description,
                    "assigned": record.assigned,
                },
            )
        case TaxonomyRecord():
            return StoredEntry(
                record.code,
                "",
                {
                    "grouping": record.grouping,
                    "classification": record.classification,
                    "specialization": record.specialization,
                    "name": record.display_name,
                    "section": record.section,
                },
            )
        case FeeScheduleRecord():
            return StoredEntry(
                record.code,
                record.modifier,
                {
                    "carrier": record.carrier,
                    "locality": record.locality,
                    "non_facility": str(record.non_facility_amount),
                    "facility": str(record.facility_amount),
                    "status": record.status_code,
                    "pc_tc": record.pc_tc_indicator,
                },
            )
        case AdjustmentCodeRecord():
            return StoredEntry(
                record.code,
                "",
                {
                    "description": record.description,
                    "start": _iso(record.start),
                    "last_modified": _iso(record.last_modified),
                    "stop": _iso(record.stop),
                    "notes": record.notes,
                },
            )
    raise TypeError(f"not a code-set record: {record!r}")
