"""Builders, pyx12 driver and structural checks shared by the writer tests.

All data is synthetic: made-up names and payers, NPIs computed to pass the Luhn check,
SSN-like numbers in the 9xx range. The few tests at the bottom check the helpers
themselves (a checker that cannot fail would make every other test worthless).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyx12.params
import pyx12.x12n_document

from openrcm.x12.write import (
    Address,
    BillingProvider,
    Claim837P,
    ClaimBatch837P,
    Contact,
    InterchangeSettings,
    OrganizationName,
    Payer,
    PersonName,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
    is_valid_npi,
    write_837p,
)


def make_npi(base: int) -> str:
    """A valid NPI from a 9-digit base starting with 1 or 2 (the check digit is computed)."""
    stem = f"{base:09d}"
    for check in range(10):
        candidate = stem + str(check)
        if is_valid_npi(candidate):
            return candidate
    raise AssertionError(f"no check digit for {stem}")  # pragma: no cover


BILLING_NPI = make_npi(123456789)
RENDERING_NPI = make_npi(198765432)
REFERRING_NPI = make_npi(155512345)
FACILITY_NPI = make_npi(166600011)
CREATED_AT = datetime(2025, 3, 14, 9, 26)  # noqa: DTZ001 - X12 times carry no zone


def make_interchange(**overrides: Any) -> InterchangeSettings:
    values: dict[str, Any] = {
        "sender_id": "OPENRCMBILL",
        "receiver_id": "SANDBOXCH",
        "interchange_control_number": 101,
        "group_control_number": 201,
        "transaction_set_control_number": 1,
        "created_at": CREATED_AT,
        "usage_indicator": "T",
    }
    values.update(overrides)
    return InterchangeSettings(**values)


BILLING_PROVIDER = BillingProvider(
    name=OrganizationName("HARBORVIEW FAMILY MEDICINE"),
    npi=BILLING_NPI,
    address=Address("100 LIGHTHOUSE WAY", "SEASIDE", "OR", "971381234"),
    tax_id="912345678",
    taxonomy="207Q00000X",
)
SUBMITTER = Submitter(
    name=OrganizationName("OPENRCM BILLING SERVICES"),
    submitter_id="OPENRCM01",
    contact=Contact("ALEX BILLER", phone="5035550100"),
)
RECEIVER = Receiver("SANDBOX CLEARINGHOUSE", "SANDBOX01")
PAYER = Payer("GREAT CEDAR HEALTH PLAN", "GCHP1")
SECOND_PAYER = Payer(
    "PINEWOOD MUTUAL INSURANCE", "PWMI2", Address("9 MAPLE CT", "SALEM", "OR", "97301")
)
SUBSCRIBER = Subscriber(
    name=PersonName("QUILL", "MARGO", "A"),
    member_id="GCH900112233",
    payer_responsibility="P",
    claim_filing_indicator="CI",
    group_number="GRP7781",
    address=Address("42 DRIFTWOOD LN", "SEASIDE", "OR", "97138"),
    birth_date=date(1980, 2, 29),
    sex="F",
)


def make_line(**overrides: Any) -> ServiceLine:
    values: dict[str, Any] = {
        "procedure_code": "99213",
        "charge": Decimal("125.00"),
        "service_date": date(2025, 3, 3),
        "diagnosis_pointers": (1,),
        "line_item_control_number": "L1",
    }
    values.update(overrides)
    return ServiceLine(**values)


def make_claim(**overrides: Any) -> Claim837P:
    lines = overrides.pop("lines") if "lines" in overrides else (make_line(),)
    if "total_charge" not in overrides:
        overrides["total_charge"] = sum((line.charge for line in lines), Decimal(0))
    values: dict[str, Any] = {
        "billing_provider": BILLING_PROVIDER,
        "subscriber": SUBSCRIBER,
        "payer": PAYER,
        "patient_control_number": "PCN1001",
        "place_of_service": "11",
        "diagnosis_codes": ("J02.9",),
        "lines": lines,
    }
    values.update(overrides)
    return Claim837P(**values)


def make_batch(*claims: Claim837P, **overrides: Any) -> ClaimBatch837P:
    values: dict[str, Any] = {
        "submitter": SUBMITTER,
        "receiver": RECEIVER,
        "reference": "BATCH0001",
        "claims": claims or (make_claim(),),
    }
    values.update(overrides)
    return ClaimBatch837P(**values)


# --- reading our own output back, minimally --------------------------------------------


def split_segments(data: bytes) -> list[list[str]]:
    """Segments as element lists, delimiters taken from the fixed-width ISA."""
    text = data.decode("ascii")
    element, terminator = text[3], text[105]
    return [
        segment.strip("\r\n").split(element)
        for segment in text.split(terminator)
        if segment.strip("\r\n")
    ]


def check_structure(data: bytes) -> list[str]:
    """Envelope counts and control numbers, HL tree, and 837P claim totals.

    Returns the problems found (empty when the file is sound), so one run reports them all.
    """
    problems: list[str] = []
    text = data.decode("ascii")
    if len(text) < 106 or text[:3] != "ISA":
        return ["file does not start with a 106-character ISA"]
    isa = text[:106]
    component = isa[104]
    segments = split_segments(data)
    if len(segments[0]) != 17:
        problems.append(f"ISA has {len(segments[0])} fields")
    ids = [s[0] for s in segments]
    if ids[-1] != "IEA" or ids[1] != "GS" or ids[-2] != "GE":
        problems.append("envelope order is not ISA GS ... GE IEA")
    if segments[0][13] != segments[-1][2]:
        problems.append("ISA13 != IEA02")
    if segments[1][6] != segments[-2][2]:
        problems.append("GS06 != GE02")
    st_positions = [i for i, s in enumerate(ids) if s == "ST"]
    if segments[-2][1] != str(len(st_positions)):
        problems.append("GE01 != number of ST")
    if segments[-1][1] != str(ids.count("GS")):
        problems.append("IEA01 != number of GS")
    for start in st_positions:
        end = ids.index("SE", start)
        st, se = segments[start], segments[end]
        if st[2] != se[2]:
            problems.append(f"ST02 {st[2]} != SE02 {se[2]}")
        if se[1] != str(end - start + 1):
            problems.append(f"SE01 {se[1]} != {end - start + 1} segments")
        if len(st) > 3 and st[3] != segments[1][8]:
            problems.append("ST03 != GS08")
        problems += _check_hierarchy(segments[start : end + 1])
        if st[1] == "837":
            problems += _check_claims(segments[start : end + 1], component)
    return problems


_HL_PARENT_LEVEL = {
    "837": {"20": None, "22": "20", "23": "22"},
    "270": {"20": None, "21": "20", "22": "21", "23": "22"},
    "276": {"20": None, "21": "20", "19": "21", "22": "19", "23": "22"},
}


def _check_hierarchy(segments: list[list[str]]) -> list[str]:
    problems: list[str] = []
    levels = _HL_PARENT_LEVEL[segments[0][1]]
    hls = [s for s in segments if s[0] == "HL"]
    level_of: dict[str, str] = {}
    children: dict[str, int] = {}
    for number, hl in enumerate(hls, start=1):
        hl_id, parent, level = hl[1], hl[2], hl[3]
        if hl_id != str(number):
            problems.append(f"HL01 {hl_id} is not {number}")
        if level not in levels:
            problems.append(f"HL {hl_id} has unknown level {level}")
            continue
        expected_parent_level = levels[level]
        if expected_parent_level is None:
            if parent:
                problems.append(f"HL {hl_id} (level {level}) must have no parent")
        elif level_of.get(parent) != expected_parent_level:
            problems.append(f"HL {hl_id} level {level} has parent {parent!r} of wrong level")
        else:
            children[parent] = children.get(parent, 0) + 1
        level_of[hl_id] = level
    for hl in hls:
        if len(hl) > 4:
            has_children = children.get(hl[1], 0) > 0
            if (hl[4] == "1") != has_children:
                problems.append(f"HL {hl[1]} HL04 {hl[4]} but children={has_children}")
    return problems


def _check_claims(segments: list[list[str]], component: str) -> list[str]:
    problems: list[str] = []
    claim: list[str] | None = None
    line_sum = Decimal(0)
    lx = 0

    def close() -> None:
        if claim is not None and Decimal(claim[2]) != line_sum:
            problems.append(f"CLM {claim[1]}: CLM02 {claim[2]} != sum of SV102 {line_sum}")

    for segment in segments:
        if segment[0] in ("CLM", "HL", "SE"):
            close()
            claim = segment if segment[0] == "CLM" else None
            line_sum, lx = Decimal(0), 0
        elif segment[0] == "LX":
            lx += 1
            if segment[1] != str(lx):
                problems.append(f"LX {segment[1]} is not {lx}")
        elif segment[0] == "SV1":
            line_sum += Decimal(segment[2])
            if lx > 50:
                problems.append("more than 50 lines in a claim")
        elif segment[0] == "HI":
            codes = [element.split(component)[1] for element in segment[1:]]
            if any("." in code for code in codes) or len(codes) > 12:
                problems.append(f"HI {codes}")
    return problems


# --- pyx12 -------------------------------------------------------------------------------


def _collect_errors(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        for error in node.get("errors", []):
            where = node.get("seg_id") or node.get("name") or ""
            found.append(f"{where}: {error.get('err_str')} ({error.get('err_val')})")
        for value in node.values():
            if isinstance(value, list | dict):
                _collect_errors(value, found)
    elif isinstance(node, list):
        for item in node:
            _collect_errors(item, found)


def pyx12_errors(data: bytes, folder: Path) -> list[str]:
    """Validate with pyx12 4.0.0 (map 005010X222A1) and return every error it reports.

    The file is written into ``folder`` (a temporary directory); the 999 pyx12 generates is
    kept in memory, so nothing lands beside the source tree.
    """
    source = folder / "claims.837"
    source.write_bytes(data)
    ack, report = io.StringIO(), io.StringIO()
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    valid = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(),
        src_file=str(source),
        fd_997=ack,
        fd_html=None,
        fd_json=report,
    )
    errors: list[str] = []
    _collect_errors(json.loads(report.getvalue() or "{}"), errors)
    if not valid and not errors:
        errors.append("pyx12 reported the file invalid without details; 999: " + ack.getvalue())
    if "IK5*A" not in ack.getvalue() and not errors:
        errors.append("pyx12's 999 does not accept the transaction: " + ack.getvalue())
    return errors


def segment_ids(data: bytes) -> Iterator[str]:
    return (segment[0] for segment in split_segments(data))


# --- the helpers' own tests ----------------------------------------------------------------


def test_make_npi_builds_valid_npis_and_the_published_example_holds():
    assert make_npi(123456789) == "1234567893"  # the CMS example
    assert all(is_valid_npi(npi) for npi in (BILLING_NPI, RENDERING_NPI, REFERRING_NPI))


def test_structure_check_finds_wrong_counts_and_totals():
    good = write_837p(make_interchange(), make_batch())
    assert check_structure(good) == []
    bad_count = good.replace(b"~SE*", b"~SE*9", 1)
    assert any("SE01" in p for p in check_structure(bad_count))
    bad_total = good.replace(b"CLM*PCN1001*125*", b"CLM*PCN1001*126*")
    assert any("CLM02" in p for p in check_structure(bad_total))
    bad_hl = good.replace(b"HL*2*1*22", b"HL*2*7*22")
    assert any("parent" in p for p in check_structure(bad_hl))


def test_pyx12_driver_reports_errors(tmp_path):
    good = write_837p(make_interchange(), make_batch())
    assert pyx12_errors(good, tmp_path) == []
    # An unknown place-of-service code is an error pyx12 must report.
    broken = good.replace(b"*11:B:1*", b"*AA:B:1*")
    assert pyx12_errors(broken, tmp_path) != []
