"""The sandbox payers' real-time answers: 270 -> 271 and 276 -> 277, read back by our reader."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from openrcm.clearinghouse.base import ClearinghouseError
from openrcm.clearinghouse.sandbox import SandboxClearinghouse
from openrcm.clearinghouse.sandbox_eligibility import (
    EnrolledMember,
    ReceivedClaim,
    answer_270,
    answer_276,
)
from openrcm.clearinghouse.sftp import SftpClearinghouse
from openrcm.x12 import ClaimStatusResponse, EligibilityResponse, read_documents
from openrcm.x12.tests.test_write_helpers import make_interchange, make_npi
from openrcm.x12.write import (
    ClaimStatusBatch,
    ClaimStatusInquiry,
    EligibilityBatch,
    EligibilityDependent,
    EligibilityInquiry,
    EligibilitySubscriber,
    InformationReceiver,
    OrganizationName,
    Payer,
    PersonName,
    StatusPatient,
    StatusProvider,
    StatusReceiver,
    StatusSubscriber,
    write_270,
    write_276,
)
from openrcm.x12.write.response277 import ClaimStatusEntry

PAYER = Payer("GREAT CEDAR HEALTH PLAN", "GCHP1")
CLINIC = InformationReceiver(OrganizationName("HARBORVIEW FAMILY MEDICINE"), make_npi(123456789))
DOS = datetime.date(2025, 6, 16)
ROSTER = {
    ("GCHP1", "ACTIVE01"): EnrolledMember(datetime.date(2024, 1, 1), None, "G777"),
    ("GCHP1", "LAPSED01"): EnrolledMember(datetime.date(2020, 1, 1), datetime.date(2025, 3, 31)),
    ("GCHP1", "FUTURE01"): EnrolledMember(datetime.date(2025, 7, 1), None),
    ("GCHP1", "PARENT01"): EnrolledMember(datetime.date(2024, 1, 1), None, "G888"),
}


def roster(payer_id: str, member_id: str) -> EnrolledMember | None:
    return ROSTER.get((payer_id, member_id))


def inquiry(member_id: str, trace: str, **changes) -> EligibilityInquiry:
    values: dict[str, Any] = {
        "payer": PAYER,
        "receiver": CLINIC,
        "subscriber": EligibilitySubscriber(
            PersonName("QUILL", "MARGO"), member_id, datetime.date(1980, 2, 29), "F"
        ),
        "service_date": DOS,
        "trace_number": trace,
        "trace_originator": "9OPENRCM01",
    }
    values.update(changes)
    return EligibilityInquiry(**values)


def file_270(*inquiries: EligibilityInquiry) -> bytes:
    return write_270(make_interchange(), EligibilityBatch("ELIG7", inquiries))


def members(data: bytes, **kwargs: Any) -> dict[str, Any]:
    answer = answer_270(data, **{"seed": 7, "not_found_percent": 0, "roster": roster, **kwargs})
    (doc,) = list(read_documents(answer))
    assert isinstance(doc, EligibilityResponse)
    found: dict[str, Any] = {}
    for member in (*doc.subscribers, *doc.dependents):
        for trace in member.trace_numbers:
            found[trace.value] = member
    return found


def test_270_answers_active_inactive_and_not_found():
    data = file_270(
        inquiry("ACTIVE01", "T1"),
        inquiry("LAPSED01", "T2"),
        inquiry("FUTURE01", "T3"),
        inquiry("NOBODY01", "T4"),
    )
    found = members(data)
    active, lapsed, future, nobody = (found[t] for t in ("T1", "T2", "T3", "T4"))
    assert active.active is True
    assert active.plan_begin == datetime.date(2024, 1, 1)
    assert {r.qualifier: r.value for r in active.references} == {"6P": "G777"}
    kinds = {(b.code, b.time_period) for b in active.benefits}
    assert {("1", ""), ("C", "23"), ("C", "29"), ("G", "23"), ("G", "29"), ("B", "27")} <= kinds
    amounts = {(b.code, b.time_period): b.amount for b in active.benefits}
    assert Decimal(0) <= amounts[("C", "29")] <= amounts[("C", "23")]
    assert Decimal(0) <= amounts[("G", "29")] <= amounts[("G", "23")]
    coinsurance = next(b for b in active.benefits if b.code == "A")
    assert Decimal(0) < coinsurance.percent < 1
    assert lapsed.active is False
    assert lapsed.plan_end == datetime.date(2025, 3, 31)
    assert future.active is False
    assert nobody.active is None
    assert [r.reason_code for r in nobody.rejections] == ["75"]


def test_270_for_a_dependent_answers_at_the_dependent_level():
    data = file_270(
        inquiry(
            "PARENT01",
            "T9",
            subscriber=EligibilitySubscriber(PersonName("QUILL", "DARIO"), "PARENT01"),
            dependent=EligibilityDependent(PersonName("QUILL", "OTTO"), datetime.date(2014, 7, 1)),
        )
    )
    answer = answer_270(data, seed=7, not_found_percent=0, roster=roster)
    (doc,) = list(read_documents(answer))
    assert isinstance(doc, EligibilityResponse)
    (otto,) = doc.dependents
    assert otto.name is not None
    assert otto.name.first == "OTTO"
    assert otto.active is True
    assert [t.value for t in otto.trace_numbers] == ["T9"]


def test_the_seeded_share_is_not_found_and_the_answer_is_deterministic():
    everyone = {("GCHP1", f"M{n:05d}"): ROSTER[("GCHP1", "ACTIVE01")] for n in range(200)}
    data = file_270(*(inquiry(m, f"T{m}") for _p, m in everyone))

    def lookup(payer_id: str, member_id: str) -> EnrolledMember | None:
        return everyone.get((payer_id, member_id))

    first = answer_270(data, seed=7, not_found_percent=5, roster=lookup)
    assert first == answer_270(data, seed=7, not_found_percent=5, roster=lookup)
    (doc,) = list(read_documents(first))
    assert isinstance(doc, EligibilityResponse)
    not_found = sum(1 for m in doc.subscribers if m.rejections)
    assert 2 <= not_found <= 25  # about 5 % of 200
    assert sum(1 for m in doc.subscribers if m.active) == 200 - not_found
    nobody = answer_270(data, seed=7, not_found_percent=0, roster=lookup)
    assert b"AAA*" not in nobody
    assert answer_270(data, seed=8, not_found_percent=5, roster=lookup) != first


def test_the_sandbox_refuses_what_it_cannot_answer(tmp_path):
    sandbox = SandboxClearinghouse(tmp_path)
    with pytest.raises(ClearinghouseError, match="could not read"):
        sandbox.inquire(b"not x12 at all")
    with pytest.raises(ClearinghouseError, match="could not read"):
        sandbox.inquire(b"")
    claims = (
        write_276(make_interchange(), ClaimStatusBatch("CS1", (status_inquiry("PCN1", "CS01"),)))
        .replace(b"ST*276*", b"ST*275*")
        .replace(b"*005010X212~", b"*005010X210~")
    )
    with pytest.raises(ClearinghouseError, match="not a 275"):
        sandbox.inquire(claims)


def test_sftp_refuses_real_time_inquiries_clearly(tmp_path):
    sftp = SftpClearinghouse(host="127.0.0.1", username="x", host_key="SHA256:abc")
    with pytest.raises(ClearinghouseError, match="does not answer real-time") as caught:
        sftp.inquire(b"ISA...")
    assert caught.value.code == "clearinghouse_no_inquiry"


# --- 276 -> 277 --------------------------------------------------------------------------


def status_inquiry(pcn: str, trace: str, **changes) -> ClaimStatusInquiry:
    values: dict[str, Any] = {
        "payer": PAYER,
        "receiver": StatusReceiver("OPENRCM BILLING", "OPENRCM01"),
        "provider": StatusProvider(OrganizationName("HARBORVIEW"), make_npi(123456789)),
        "subscriber": StatusSubscriber(
            PersonName("QUILL", "MARGO"), "ACTIVE01", datetime.date(1980, 2, 29), "F"
        ),
        "trace_number": trace,
        "total_charge": Decimal("170.00"),
        "service_date": DOS,
        "patient_control_number": pcn,
    }
    values.update(changes)
    return ClaimStatusInquiry(**values)


def test_276_answers_pending_rejected_and_not_found():
    received = {
        "PCN1": ReceivedClaim(True, ClaimStatusEntry("A2", "20"), "ICN1"),
        "PCN2": ReceivedClaim(False, ClaimStatusEntry("A7", "562", "85")),
    }
    data = write_276(
        make_interchange(),
        ClaimStatusBatch(
            "CS1",
            (
                status_inquiry("PCN1", "CS01"),
                status_inquiry("PCN2", "CS02"),
                status_inquiry(
                    "PCN3",
                    "CS03",
                    patient=StatusPatient(PersonName("QUILL", "OTTO"), datetime.date(2014, 7, 1)),
                ),
            ),
        ),
    )
    answer = answer_276(data, lookup=received.get)
    assert answer == answer_276(data, lookup=received.get)
    (doc,) = list(read_documents(answer))
    assert isinstance(doc, ClaimStatusResponse)
    assert not doc.is_acknowledgment
    by_trace = {c.patient_control_number: c for c in doc.claims}
    codes = {t: [(x.category, x.code, x.entity) for x in c.statuses[0].codes] for t, c in
             by_trace.items()}  # fmt: skip
    assert codes == {
        "CS01": [("P1", "20", "")],
        "CS02": [("A7", "562", "85")],
        "CS03": [("A4", "35", "")],
    }
    assert by_trace["CS01"].payer_claim_number == "ICN1"
    assert by_trace["CS01"].statuses[0].charge == Decimal("170")
    assert by_trace["CS03"].patient is not None
    assert by_trace["CS03"].patient.first == "OTTO"
    assert {r.value for r in by_trace["CS02"].references if r.qualifier == "EJ"} == {"PCN2"}
