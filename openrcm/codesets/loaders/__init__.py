"""Parsers for the official code-set files, one per publisher layout.

``read_code_set(kind, paths)`` picks the parser for a kind; each returns a
:class:`~openrcm.codesets.loaders.common.CodeSetFile` (the release, and the records).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openrcm.codesets.loaders.adjustments import AdjustmentCodeRecord, read_adjustment_codes
from openrcm.codesets.loaders.common import CodeSetFile
from openrcm.codesets.loaders.hcpcs import HcpcsRecord, read_hcpcs
from openrcm.codesets.loaders.mpfs import FeeScheduleRecord, read_fee_schedule
from openrcm.codesets.loaders.ncci import MueRecord, PtpRecord, read_mue, read_ptp
from openrcm.codesets.loaders.places import (
    PlaceOfServiceRecord,
    TaxonomyRecord,
    read_place_of_service,
    read_taxonomy,
)
from openrcm.codesets.release import CodeSetKind

__all__ = [
    "AdjustmentCodeRecord",
    "CodeSetFile",
    "FeeScheduleRecord",
    "HcpcsRecord",
    "MueRecord",
    "PlaceOfServiceRecord",
    "PtpRecord",
    "TaxonomyRecord",
    "read_adjustment_codes",
    "read_code_set",
    "read_fee_schedule",
    "read_hcpcs",
    "read_mue",
    "read_place_of_service",
    "read_ptp",
    "read_taxonomy",
]


def read_code_set(
    kind: CodeSetKind,
    paths: Sequence[Path],
    *,
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
) -> CodeSetFile[Any]:
    """The parser for ``kind`` applied to ``paths`` (several files only for PTP parts)."""
    if not paths:
        raise ValueError("no file given")
    if len(paths) > 1 and kind is not CodeSetKind.PTP:
        raise ValueError(f"{kind} is one file; only PTP tables come in several parts")
    dates: dict[str, Any] = {"effective_from": effective_from, "effective_to": effective_to}
    match kind:
        case CodeSetKind.HCPCS:
            return read_hcpcs(paths[0], **dates)
        case CodeSetKind.MUE:
            return read_mue(paths[0], **dates)
        case CodeSetKind.PTP:
            return read_ptp(paths, **dates)
        case CodeSetKind.POS:
            return read_place_of_service(paths[0], **dates)
        case CodeSetKind.TAXONOMY:
            return read_taxonomy(paths[0], **dates)
        case CodeSetKind.MPFS:
            return read_fee_schedule(paths[0], **dates)
        case CodeSetKind.CARC | CodeSetKind.RARC:
            return read_adjustment_codes(kind, paths[0], **dates)
    raise ValueError(f"{kind} is not loaded from a file")
