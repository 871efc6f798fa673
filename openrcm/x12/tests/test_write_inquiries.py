"""The 270 and 276 writers: structure, read-back through openrcm's own reader, tigershark.

pyx12 4.0.0 has no 005010X279A1 or 005010X212 map, so these are checked by our structural
checks (envelope counts, HL tree), by reading them back with ``openrcm.x12.reader`` and,
for the 270, by tigershark's 5010 parser when a throwaway venv holding it exists.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from openrcm.x12.errors import X12WriteError
from openrcm.x12.reader import iter_transaction_sets
from openrcm.x12.tests.test_write_helpers import (
    PAYER,
    SECOND_PAYER,
    check_structure,
    make_interchange,
    make_npi,
    split_segments,
)
from openrcm.x12.write import (
    ClaimStatusBatch,
    ClaimStatusInquiry,
    EligibilityBatch,
    EligibilityDependent,
    EligibilityInquiry,
    EligibilitySubscriber,
    InformationReceiver,
    OrganizationName,
    PersonName,
    StatusPatient,
    StatusProvider,
    StatusReceiver,
    StatusSubscriber,
    write_270,
    write_276,
)

CLINIC = InformationReceiver(OrganizationName("HARBORVIEW FAMILY MEDICINE"), make_npi(123456789))
MARGO = EligibilitySubscriber(PersonName("QUILL", "MARGO"), "GCH900112233", date(1980, 2, 29), "F")
DARIO = EligibilitySubscriber(PersonName("QUILL", "DARIO"), "GCH900445566")
OTTO = EligibilityDependent(PersonName("QUILL", "OTTO"), date(2014, 7, 1), "M")
DOS = date(2025, 3, 20)


def self_inquiry(**changes) -> EligibilityInquiry:
    values: dict[str, Any] = {
        "payer": PAYER,
        "receiver": CLINIC,
        "subscriber": MARGO,
        "service_date": DOS,
        "trace_number": "T0001",
        "trace_originator": "9OPENRCM01",
    }
    values.update(changes)
    return EligibilityInquiry(**values)


def dependent_inquiry(**changes) -> EligibilityInquiry:
    values: dict[str, Any] = {
        "subscriber": DARIO,
        "dependent": OTTO,
        "trace_number": "T0002",
        "service_type_codes": ("30", "98", "UC"),
    }
    values.update(changes)
    return self_inquiry(**values)


def eligibility_file(*inquiries: EligibilityInquiry) -> bytes:
    return write_270(
        make_interchange(), EligibilityBatch("ELIG0001", inquiries or (self_inquiry(),))
    )


def test_270_hierarchy_envelope_and_segments():
    data = eligibility_file(
        self_inquiry(),
        dependent_inquiry(),
        self_inquiry(payer=SECOND_PAYER, trace_number="T0003", service_date_end=date(2025, 3, 31)),
    )
    assert check_structure(data) == []
    segments = split_segments(data)
    assert segments[1][1] == "HS"
    assert segments[1][8] == "005010X279A1" == segments[2][3]
    assert [s[1:5] for s in segments if s[0] == "HL"] == [
        ["1", "", "20", "1"],
        ["2", "1", "21", "1"],
        ["3", "2", "22", "0"],
        ["4", "2", "22", "1"],
        ["5", "4", "23", "0"],
        ["6", "", "20", "1"],
        ["7", "6", "21", "1"],
        ["8", "7", "22", "0"],
    ]
    text = data.decode("ascii")
    assert (
        "HL*3*2*22*0~TRN*1*T0001*9OPENRCM01~NM1*IL*1*QUILL*MARGO****MI*GCH900112233~"
        "DMG*D8*19800229*F~DTP*291*D8*20250320~EQ*30~" in text
    )
    assert (
        "HL*4*2*22*1~NM1*IL*1*QUILL*DARIO****MI*GCH900445566~HL*5*4*23*0~"
        "TRN*1*T0002*9OPENRCM01~NM1*03*1*QUILL*OTTO~DMG*D8*20140701*M~DTP*291*D8*20250320~"
        "EQ*30~EQ*98~EQ*UC~" in text
    )
    assert "DTP*291*RD8*20250320-20250331~EQ*30~SE*" in text


def test_270_reads_back_through_the_openrcm_reader():
    inquiries = (self_inquiry(), dependent_inquiry())
    (transaction,) = list(iter_transaction_sets(eligibility_file(*inquiries)))
    assert transaction.envelope.transaction_set_id == "270"
    assert transaction.envelope.implementation_reference == "005010X279A1"
    by_id: dict[str, list[tuple[str, ...]]] = {}
    for segment in transaction.segments:
        by_id.setdefault(segment.id, []).append(segment.elements)
    assert [e[1] for e in by_id["TRN"]] == ["T0001", "T0002"]
    assert [e[8] for e in by_id["NM1"] if e[0] == "IL"] == ["GCH900112233", "GCH900445566"]
    assert [e[0] for e in by_id["EQ"]] == ["30", "30", "98", "UC"]


def test_270_refusals():
    with pytest.raises(X12WriteError, match="TRN03 trace originator"):
        eligibility_file(self_inquiry(trace_originator="OPENRCM"))
    with pytest.raises(X12WriteError, match="birth date is required"):
        eligibility_file(self_inquiry(subscriber=DARIO))
    with pytest.raises(X12WriteError, match="trace number appears twice"):
        eligibility_file(self_inquiry(), self_inquiry())
    with pytest.raises(X12WriteError, match="EQ01 service type code"):
        eligibility_file(self_inquiry(service_type_codes=("300",)))
    with pytest.raises(X12WriteError, match="information receiver NPI"):
        eligibility_file(self_inquiry(receiver=InformationReceiver(PersonName("DOE"), "1")))
    with pytest.raises(X12WriteError, match=r"inquiry T0001: NM103 value 'QUILL\*'"):
        eligibility_file(
            self_inquiry(
                subscriber=EligibilitySubscriber(PersonName("QUILL*"), "GCH1", date(1980, 1, 1))
            )
        )


# The benchmark's peer venv (``make peers``) holds tigershark; OPENRCM_TIGERSHARK_PYTHON
# points at another interpreter that has it.
PEERS_PYTHON = Path(__file__).resolve().parents[3] / "bench" / ".peers" / "bin" / "python"
TIGERSHARK_PYTHON = Path(os.environ.get("OPENRCM_TIGERSHARK_PYTHON", str(PEERS_PYTHON)))
TIGERSHARK_SCRIPT = """
import json, sys
from tigershark.parsers import M270_5010_X279_A1
from tigershark.X12.message import X12Segment
message = M270_5010_X279_A1.parsed_270.unmarshall(open(sys.argv[1]).read().strip())
def loops(node):
    if isinstance(node, X12Segment):
        return str(node).split("'")[1]  # the segment id
    return [node.name, [loops(part) for part in node.parts]]
print(json.dumps(loops(message)))
"""


@pytest.mark.parametrize(
    ("inquiry", "expected_loops"),
    [
        (self_inquiry(), ["2000A", "2100A", "2000B", "2100B", "2000C", "2100C", "2110C"]),
        (
            dependent_inquiry(),
            ["2000A", "2100A", "2000B", "2100B", "2000C", "2100C", "2000D", "2100D"]
            + ["2110D"] * 3,  # one 2110D per service type code
        ),
    ],
)
def test_270_parses_with_tigershark(inquiry, expected_loops, tmp_path):
    """tigershark 0.3.4 (in a throwaway venv, never the project's) parses our 270s into the
    IG loops. Its parser walks loops by position, so it only handles one payer and one
    receiver per file; the multi-payer files are covered by the tests above."""
    if not TIGERSHARK_PYTHON.exists():
        pytest.skip(
            f"tigershark not found at {TIGERSHARK_PYTHON}: run 'make peers' (the benchmark's "
            "peer venv, which .ci/run makes) or set OPENRCM_TIGERSHARK_PYTHON"
        )
    source = tmp_path / "inquiry.270"
    source.write_bytes(eligibility_file(inquiry))
    result = subprocess.run(
        [str(TIGERSHARK_PYTHON), "-c", TIGERSHARK_SCRIPT, str(source)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    found: list[str] = []
    segments: list[str] = []

    def walk(node) -> None:
        if isinstance(node, str):
            segments.append(node)
            return
        name, parts = node
        if re.fullmatch(r"2\d{3}[A-Z]", name):
            found.append(name)
        for part in parts:
            walk(part)

    walk(json.loads(result.stdout))
    assert found == expected_loops
    assert segments[-3:] == ["SE", "GE", "IEA"]
    assert segments.count("EQ") == len(inquiry.service_type_codes)


# --- 276 ---------------------------------------------------------------------------------

BILLING_CO = StatusReceiver("OPENRCM BILLING SERVICES", "OPENRCM01")
PRACTICE = StatusProvider(OrganizationName("HARBORVIEW FAMILY MEDICINE"), make_npi(123456789))
OTHER_PRACTICE = StatusProvider(PersonName("NAKAMURA", "IRIS"), make_npi(187654321))
MARGO_276 = StatusSubscriber(PersonName("QUILL", "MARGO"), "GCH900112233", date(1980, 2, 29), "F")
DARIO_276 = StatusSubscriber(PersonName("QUILL", "DARIO"), "GCH900445566")
OTTO_276 = StatusPatient(PersonName("QUILL", "OTTO"), date(2014, 7, 1), "M")


def status_inquiry(**changes) -> ClaimStatusInquiry:
    values: dict[str, Any] = {
        "payer": PAYER,
        "receiver": BILLING_CO,
        "provider": PRACTICE,
        "subscriber": MARGO_276,
        "trace_number": "S0001",
        "total_charge": Decimal("125.00"),
        "service_date": date(2025, 3, 3),
        "patient_control_number": "PCN1001",
    }
    values.update(changes)
    return ClaimStatusInquiry(**values)


def status_file(*inquiries: ClaimStatusInquiry) -> bytes:
    return write_276(
        make_interchange(), ClaimStatusBatch("STAT0001", inquiries or (status_inquiry(),))
    )


def several_status_inquiries() -> tuple[ClaimStatusInquiry, ...]:
    return (
        status_inquiry(payer_claim_control_number="GCH20250301777"),
        status_inquiry(
            trace_number="S0002",
            subscriber=DARIO_276,
            patient=OTTO_276,
            patient_control_number="PCN2001",
            total_charge=Decimal("8513.88"),
            service_date=date(2025, 2, 3),
            service_date_end=date(2025, 2, 7),
        ),
        status_inquiry(trace_number="S0003", patient_control_number="PCN1002"),
        status_inquiry(trace_number="S0004", provider=OTHER_PRACTICE),
    )


def test_276_hierarchy_envelope_and_segments():
    data = status_file(*several_status_inquiries())
    assert check_structure(data) == []
    segments = split_segments(data)
    assert segments[1][1] == "HR"
    assert segments[1][8] == "005010X212" == segments[2][3]
    assert [s[1:5] for s in segments if s[0] == "HL"] == [
        ["1", "", "20", "1"],
        ["2", "1", "21", "1"],
        ["3", "2", "19", "1"],  # Harborview
        ["4", "3", "22", "0"],  # Margo: S0001, S0003
        ["5", "3", "22", "1"],  # Dario
        ["6", "5", "23"],  # Otto: S0002
        ["7", "2", "19", "1"],  # Nakamura
        ["8", "7", "22", "0"],  # Margo: S0004
    ]
    text = data.decode("ascii")
    assert "NM1*41*2*OPENRCM BILLING SERVICES*****46*OPENRCM01~" in text
    assert (
        "HL*4*3*22*0~DMG*D8*19800229*F~NM1*IL*1*QUILL*MARGO****MI*GCH900112233~"
        "TRN*1*S0001~REF*1K*GCH20250301777~REF*EJ*PCN1001~AMT*T3*125~DTP*472*D8*20250303~"
        "TRN*1*S0003~REF*EJ*PCN1002~" in text
    )
    assert (
        "HL*6*5*23~DMG*D8*20140701*M~NM1*QC*1*QUILL*OTTO~TRN*1*S0002~REF*EJ*PCN2001~"
        "AMT*T3*8513.88~DTP*472*RD8*20250203-20250207~" in text
    )


def test_276_reads_back_through_the_openrcm_reader():
    (transaction,) = list(iter_transaction_sets(status_file(*several_status_inquiries())))
    assert transaction.envelope.transaction_set_id == "276"
    traces = [s.elements[1] for s in transaction.segments if s.id == "TRN"]
    assert traces == ["S0001", "S0003", "S0002", "S0004"]
    amounts = [Decimal(s.elements[1]) for s in transaction.segments if s.id == "AMT"]
    assert amounts == [Decimal(125), Decimal(125), Decimal("8513.88"), Decimal(125)]


def test_276_refusals():
    with pytest.raises(X12WriteError, match=r"inquiry S0001: give the payer claim control"):
        status_file(status_inquiry(patient_control_number=None))
    with pytest.raises(X12WriteError, match="subscriber birth date is missing"):
        status_file(status_inquiry(subscriber=DARIO_276))
    with pytest.raises(X12WriteError, match="AMT\\*T3 total charge must be a Decimal"):
        status_file(status_inquiry(total_charge=125.0))
    with pytest.raises(X12WriteError, match="service provider NPI"):
        status_file(status_inquiry(provider=StatusProvider(PersonName("DOE"), "2000000000")))


def test_inquiries_are_byte_for_byte_stable():
    assert status_file(*several_status_inquiries()) == status_file(*several_status_inquiries())
    assert eligibility_file(self_inquiry(), dependent_inquiry()) == eligibility_file(
        self_inquiry(), dependent_inquiry()
    )
