"""The 271 and 277 response writers (used by the sandbox payers): envelope and HL
structure, segment counts, read back by openrcm's own reader, and refusal of bad input.

pyx12 4.0.0 has no usable map for 005010X279A1 or for 005010X212 in functional group HN,
so these are checked by structure and by reading them back.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from openrcm.x12 import ClaimStatusResponse, EligibilityResponse, read_documents
from openrcm.x12.errors import X12WriteError
from openrcm.x12.tests.test_write_helpers import make_interchange, make_npi, split_segments
from openrcm.x12.write import (
    EligibilityDependent,
    EligibilitySubscriber,
    InformationReceiver,
    OrganizationName,
    Payer,
    PersonName,
    StatusPatient,
    StatusProvider,
    StatusReceiver,
    StatusSubscriber,
)
from openrcm.x12.write.response271 import (
    BenefitLine,
    EligibilityAnswer,
    EligibilityResponse271,
    RequestRejection,
    write_271,
)
from openrcm.x12.write.response277 import (
    ClaimStatusAnswer,
    ClaimStatusEntry,
    ClaimStatusResponse277,
    write_277,
)

CREATED = datetime(2025, 3, 20, 8, 5)  # noqa: DTZ001 - X12 times carry no zone
PAYER = Payer("GREAT CEDAR HEALTH PLAN", "GCHP1")
OTHER_PAYER = Payer("PINEWOOD MUTUAL", "PWMI2")
CLINIC = InformationReceiver(OrganizationName("HARBORVIEW FAMILY MEDICINE"), make_npi(123456789))
MARGO = EligibilitySubscriber(PersonName("QUILL", "MARGO"), "GCH900112233", date(1980, 2, 29), "F")
DARIO = EligibilitySubscriber(PersonName("QUILL", "DARIO"), "GCH900445566")
OTTO = EligibilityDependent(PersonName("QUILL", "OTTO"), date(2014, 7, 1), "M")
ACTIVE = (
    BenefitLine("1", "30", "IND", "C1", "GOLD PPO"),
    BenefitLine("C", "30", "IND", time_period="23", amount=Decimal("1500.00"), in_network=True),
    BenefitLine("C", "30", "IND", time_period="29", amount=Decimal("400.50"), in_network=True),
    BenefitLine("G", "30", "IND", time_period="23", amount=Decimal("5000"), in_network=True),
    BenefitLine("B", "98", "IND", time_period="27", amount=Decimal("25"), messages=("OFFICE",)),
    BenefitLine("A", "30", "IND", percent=Decimal("0.20"), in_network=True),
)
HL_PARENTS = {
    "271": {"20": None, "21": "20", "22": "21", "23": "22"},
    "277": {"20": None, "21": "20", "19": "21", "22": "19", "23": "22"},
}


def envelope_and_tree_problems(data: bytes) -> list[str]:
    """ISA/IEA, GS/GE, ST/SE counts and control numbers, and the HL tree."""
    segments = split_segments(data)
    ids = [s[0] for s in segments]
    problems = []
    if ids[:3] != ["ISA", "GS", "ST"] or ids[-3:] != ["SE", "GE", "IEA"]:
        problems.append(f"envelope order: {ids[:3]} ... {ids[-3:]}")
    if segments[0][13] != segments[-1][2] or segments[-1][1] != "1":
        problems.append("IEA does not match ISA")
    if segments[1][6] != segments[-2][2] or segments[-2][1] != "1":
        problems.append("GE does not match GS")
    st, se = segments[2], segments[-3]
    if se[1] != str(len(segments) - 4) or se[2] != st[2]:
        problems.append(f"SE {se[1:]} for {len(segments) - 4} segments, ST02 {st[2]}")
    if st[3] != segments[1][8]:
        problems.append("ST03 != GS08")
    parents = HL_PARENTS[st[1]]
    level_of: dict[str, str] = {}
    children: dict[str, int] = {}
    hls = [s for s in segments if s[0] == "HL"]
    for number, hl in enumerate(hls, start=1):
        if hl[1] != str(number):
            problems.append(f"HL01 {hl[1]} is not {number}")
        expected = parents.get(hl[3], "?")
        if expected is None and hl[2]:
            problems.append(f"HL {hl[1]} must have no parent")
        elif expected not in (None, "?") and level_of.get(hl[2]) != expected:
            problems.append(f"HL {hl[1]} level {hl[3]} has a parent of the wrong level")
        children[hl[2]] = children.get(hl[2], 0) + 1
        level_of[hl[1]] = hl[3]
    for hl in hls:
        if len(hl) > 4 and (hl[4] == "1") != (children.get(hl[1], 0) > 0):
            problems.append(f"HL {hl[1]} HL04 {hl[4]} disagrees with its children")
    return problems


def response_271(*answers: EligibilityAnswer) -> bytes:
    return write_271(make_interchange(), EligibilityResponse271("ELIG0001", CREATED, answers))


def answer(**changes) -> EligibilityAnswer:
    values: dict[str, Any] = {
        "payer": PAYER,
        "receiver": CLINIC,
        "subscriber": MARGO,
        "trace_number": "T0001",
        "trace_originator": "9OPENRCM01",
        "plan_begin": date(2025, 1, 1),
        "plan_end": date(2025, 12, 31),
        "group_number": "G12345",
        "benefits": ACTIVE,
    }
    values.update(changes)
    return EligibilityAnswer(**values)


def test_271_structure_and_read_back():
    data = response_271(
        answer(),
        answer(subscriber=DARIO, dependent=OTTO, trace_number="T0002", benefits=(
            BenefitLine("6", "30", "IND"),)),
        answer(payer=OTHER_PAYER, trace_number="T0003", rejection=RequestRejection("75"),
               benefits=(), plan_begin=None, plan_end=None),
    )  # fmt: skip
    assert envelope_and_tree_problems(data) == []
    segments = split_segments(data)
    assert segments[1][1] == "HB"
    assert segments[1][8] == "005010X279A1"
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
    (doc,) = list(read_documents(data))
    assert isinstance(doc, EligibilityResponse)
    assert doc.reference_id == "ELIG0001"
    margo, dario, missing = doc.subscribers
    assert margo.active is True
    assert (margo.plan_begin, margo.plan_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert [r.value for r in margo.trace_numbers] == ["T0001"]
    deductible = [b for b in margo.benefits if b.code == "C"]
    assert [(b.time_period, b.amount) for b in deductible] == [
        ("23", Decimal("1500")),
        ("29", Decimal("400.5")),
    ]
    coinsurance = next(b for b in margo.benefits if b.code == "A")
    assert coinsurance.percent == Decimal("0.2")
    assert coinsurance.in_network is True
    copay = next(b for b in margo.benefits if b.code == "B")
    assert copay.service_types == ("98",)
    assert copay.messages == ("OFFICE",)
    assert dario.benefits == ()
    assert dario.trace_numbers == ()
    (otto,) = doc.dependents
    assert otto.active is False
    assert [r.value for r in otto.trace_numbers] == ["T0002"]
    assert otto.birth_date == date(2014, 7, 1)
    assert missing.active is None
    assert [(r.reason_code, r.follow_up_action) for r in missing.rejections] == [("75", "C")]


def test_271_segment_order_of_one_answer():
    text = response_271(answer()).decode("ascii")
    assert (
        "HL*3*2*22*0~TRN*2*T0001*9OPENRCM01~NM1*IL*1*QUILL*MARGO****MI*GCH900112233~"
        "REF*6P*G12345~DMG*D8*19800229*F~DTP*346*D8*20250101~DTP*347*D8*20251231~"
        "EB*1*IND*30*C1*GOLD PPO~EB*C*IND*30***23*1500*****Y~" in text
    )
    assert "EB*A*IND*30*****0.2****Y~SE*" in text
    rejected = response_271(answer(rejection=RequestRejection("72"), benefits=())).decode()
    assert "NM1*IL*1*QUILL*MARGO****MI*GCH900112233~AAA*Y**72*C~DMG*D8*19800229*F~SE*" in rejected


def test_271_is_deterministic():
    assert response_271(answer()) == response_271(answer())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"benefits": ()}, "at least one benefit"),
        ({"benefits": (BenefitLine("Q"),)}, "EB01"),
        ({"benefits": (BenefitLine("A", percent=Decimal(20)),)}, "fraction"),
        ({"benefits": (BenefitLine("C", amount=Decimal("1.005")),)}, "2 decimal places"),
        ({"rejection": RequestRejection("75")}, "carries no benefits"),
        ({"trace_originator": "OPENRCM"}, "TRN03"),
        ({"plan_end": date(2024, 1, 1)}, "ends before"),
        ({"receiver": InformationReceiver(OrganizationName("X"), "1234567890")}, "NPI"),
    ],
)
def test_271_refuses_bad_input(changes, message):
    with pytest.raises(X12WriteError, match=message):
        response_271(answer(**changes))


# --- 277 ---------------------------------------------------------------------------------

RECEIVER = StatusReceiver("OPENRCM BILLING", "OPENRCM01")
PROVIDER = StatusProvider(OrganizationName("HARBORVIEW FAMILY MEDICINE"), make_npi(123456789))
MARGO_277 = StatusSubscriber(PersonName("QUILL", "MARGO"), "GCH900112233")


def status_answer(**changes) -> ClaimStatusAnswer:
    values: dict[str, Any] = {
        "payer": PAYER,
        "receiver": RECEIVER,
        "provider": PROVIDER,
        "subscriber": MARGO_277,
        "trace_number": "CS1",
        "status": ClaimStatusEntry("P1", "20"),
        "effective_date": date(2025, 4, 1),
        "total_charge": Decimal("170.00"),
        "service_date": date(2025, 3, 3),
        "patient_control_number": "PCN1",
        "payer_claim_control_number": "ICN555",
    }
    values.update(changes)
    return ClaimStatusAnswer(**values)


def response_277(*answers: ClaimStatusAnswer) -> bytes:
    return write_277(make_interchange(), ClaimStatusResponse277("ST0001", CREATED, answers))


def test_277_structure_and_read_back():
    data = response_277(
        status_answer(),
        status_answer(
            trace_number="CS2",
            status=ClaimStatusEntry("A4", "35"),
            patient=StatusPatient(PersonName("QUILL", "OTTO"), date(2014, 7, 1)),
            patient_control_number="PCN2",
            payer_claim_control_number="",
            service_date_end=date(2025, 3, 4),
        ),
        status_answer(
            trace_number="CS3",
            status=ClaimStatusEntry("F1", "65"),
            paid_amount=Decimal("98.10"),
            adjudication_date=date(2025, 3, 30),
        ),
    )
    assert envelope_and_tree_problems(data) == []
    segments = split_segments(data)
    assert segments[1][1] == "HN"
    assert segments[1][8] == "005010X212"
    assert [s[3] for s in segments if s[0] == "HL"] == ["20", "21", "19", "22", "23"]
    (doc,) = list(read_documents(data))
    assert isinstance(doc, ClaimStatusResponse)
    assert not doc.is_acknowledgment
    by_trace = {c.patient_control_number: c for c in doc.claims}  # TRN02 = our trace
    pending, missing, paid = by_trace["CS1"], by_trace["CS2"], by_trace["CS3"]
    assert pending.payer_claim_number == "ICN555"
    assert [(c.category, c.code) for c in pending.statuses[0].codes] == [("P1", "20")]
    assert pending.statuses[0].charge == Decimal("170")
    assert pending.statuses[0].paid == 0
    assert pending.accepted is None  # a status, not an acknowledgment
    assert missing.accepted is False
    assert missing.patient is not None
    assert missing.patient.first == "OTTO"
    assert (missing.service_start, missing.service_end) == (date(2025, 3, 3), date(2025, 3, 4))
    assert {r.qualifier: r.value for r in missing.references} == {"EJ": "PCN2"}
    assert paid.statuses[0].paid == Decimal("98.1")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"status": ClaimStatusEntry("Z9", "20")}, "category"),
        ({"status": ClaimStatusEntry("P1", "")}, "status code"),
        ({"total_charge": 170.0}, "Decimal"),
        ({"service_date_end": date(2025, 1, 1)}, "ends before"),
        ({"provider": StatusProvider(OrganizationName("X"), "123")}, "NPI"),
    ],
)
def test_277_refuses_bad_input(changes, message):
    with pytest.raises(X12WriteError, match=message):
        response_277(status_answer(**changes))


def test_277_refuses_an_empty_response():
    with pytest.raises(X12WriteError, match="no answers"):
        response_277()
