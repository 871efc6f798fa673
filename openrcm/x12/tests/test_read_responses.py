"""999, 277CA, 277 and 271 readers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from openrcm.x12 import (
    ClaimStatusResponse,
    EligibilityResponse,
    ImplementationAck,
    read_file,
)
from openrcm.x12.tests._x12text import interchange, transaction


def read_one(text: str) -> Any:
    (document,) = read_file(text.encode())
    return document


def test_999_rejected_set_with_segment_and_element_errors():
    text = interchange(transaction("999", "0001", [
        "AK1*HC*7*005010X222A1",
        "AK2*837*0001*005010X222A1", "IK5*A",
        "AK2*837*0002*005010X222A1", "IK3*CLM*22*2300*8", "CTX*CLM01:PCN9",
        "IK4*2:1*782*1*ABC", "IK3*NM1*9**3", "IK5*R*5",
        "AK9*P*2*2*1",
    ]), functional_id="FA", version="005010X231A1")  # fmt: skip
    ack = read_one(text)
    assert isinstance(ack, ImplementationAck)
    assert (ack.functional_id, ack.group_control_number, ack.group_status) == ("HC", "7", "P")
    assert not ack.accepted
    assert (ack.sets_received, ack.sets_accepted) == (2, 1)
    ok, bad = ack.transaction_sets
    assert ok.accepted
    assert ok.control_number == "0001"
    assert not bad.accepted
    assert bad.error_codes == ("5",)
    clm, nm1 = bad.segment_errors
    assert (clm.segment_id, clm.position_in_set, clm.loop_id, clm.error_code) == (
        "CLM", 22, "2300", "8")  # fmt: skip
    assert clm.context == ("CLM01:PCN9",)
    element = clm.elements[0]
    assert (element.position, element.component, element.error_code, element.bad_value) == (
        2, 1, "1", "ABC")  # fmt: skip
    assert nm1.elements == ()


def test_277ca_accepted_and_rejected_claims():
    hl = ["BHT*0085*08*REF1*20250101*1200*TH", "HL*1**20*1", "NM1*PR*2*SYNTH PLAN*****PI*1",
          "TRN*1*BATCH1", "STC*A1:20*20250101*WQ*300", "HL*2*1*21*1",
          "NM1*41*2*SYNTH CLINIC*****46*X1", "HL*3*2*19*1",
          "NM1*85*2*SYNTH CLINIC*****XX*1234567893", "HL*4*3*PT",
          "NM1*QC*1*DOE*PAT****MI*SYN1", "TRN*2*PCN-1", "STC*A2:20*20250101*WQ*100",
          "REF*1K*PAYER1", "DTP*472*RD8*20241201-20241202", "HL*5*3*PT",
          "NM1*QC*1*ROE*RAY****MI*SYN2", "TRN*2*PCN-2", "STC*A7:562:85*20250101*U*200",
          "REF*D9*CH2"]  # fmt: skip
    doc = read_one(interchange(transaction("277", "0001", hl), functional_id="HN",
                               version="005010X214"))  # fmt: skip
    assert isinstance(doc, ClaimStatusResponse)
    assert doc.is_acknowledgment
    assert doc.created == date(2025, 1, 1)
    assert doc.entity_statuses[0].trace_number == "BATCH1"
    first, second = doc.claims
    assert (first.patient_control_number, first.payer_claim_number, first.accepted) == (
        "PCN-1", "PAYER1", True)  # fmt: skip
    assert (first.service_start, first.service_end) == (date(2024, 12, 1), date(2024, 12, 2))
    assert first.patient is not None
    assert first.patient.id == "SYN1"
    assert (second.accepted, second.clearinghouse_trace_number) == (False, "CH2")
    code = second.statuses[0].codes[0]
    assert (code.category, code.code, code.entity) == ("A7", "562", "85")
    assert second.statuses[0].charge == Decimal(200)


def test_277_status_with_service_lines(shared_dir):
    (doc,) = read_file(shared_dir / "x12-samples/277/lfh__claim-level-status.277")
    assert isinstance(doc, ClaimStatusResponse)
    assert not doc.is_acknowledgment
    assert [c.patient_control_number for c in doc.claims] == ["ABCXYZ1", "ABCXYZ2", "ABCXYC3"]
    assert doc.claims[0].accepted is None
    assert doc.claims[0].statuses[0].codes[0].category == "P3"
    line = doc.claims[2].lines[0]
    assert line.procedure.code == "99203"
    assert line.statuses[0].codes[0].code == "88"


def test_271_active_subscriber_with_benefits():
    segments = [
        "BHT*0022*11*REF9*20250101*1200", "HL*1**20*1", "NM1*PR*2*SYNTH PLAN*****PI*1",
        "HL*2*1*21*1", "NM1*1P*2*SYNTH CLINIC*****XX*1234567893", "HL*3*2*22*0",
        "TRN*2*TRACE9*9999999999", "NM1*IL*1*DOE*PAT****MI*SYN1", "N3*1 EXAMPLE WAY",
        "N4*SPRINGFIELD*IL*62701", "DMG*D8*19800102*F", "INS*Y*18",
        "DTP*346*D8*20250101", "DTP*347*D8*20251231",
        "EB*1*IND*30**GOLD PLAN", "EB*C*IND*30***23*1500*****Y",
        "EB*B*IND*98^UC***27*25*****N", "EB*A*IND*30*****0.2****Y", "MSG*AFTER DEDUCTIBLE",
        "EB*G*IND*30***29*3000*****Y", "LS*2120", "NM1*P3*1*SMITH*DOC****XX*1234567893",
        "LE*2120",
    ]  # fmt: skip
    doc = read_one(interchange(transaction("271", "0001", segments), functional_id="HB",
                               version="005010X279A1"))  # fmt: skip
    assert isinstance(doc, EligibilityResponse)
    assert doc.dependents == ()
    (member,) = doc.subscribers
    assert member.active is True
    assert member.birth_date == date(1980, 1, 2)
    assert (member.plan_begin, member.plan_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert member.address is not None
    assert member.address.city == "SPRINGFIELD"
    kinds = {b.kind: b for b in member.benefits}
    assert kinds["deductible"].amount == Decimal(1500)
    assert kinds["deductible"].in_network
    assert kinds["copayment"].service_types == ("98", "UC")
    assert not kinds["copayment"].in_network
    assert kinds["coinsurance"].percent == Decimal("0.2")
    assert kinds["coinsurance"].messages == ("AFTER DEDUCTIBLE",)
    assert kinds["out_of_pocket"].time_period == "29"
    assert kinds["out_of_pocket"].related_entities[0].last_or_organization == "SMITH"


def test_271_inactive_and_rejections():
    segments = ["HL*1**20*1", "NM1*PR*2*SYNTH PLAN*****PI*1", "HL*2*1*21*1",
                "NM1*1P*2*CLINIC*****XX*1234567893", "HL*3*2*22*1",
                "NM1*IL*1*DOE*PAT****MI*SYN1", "EB*6", "HL*4*3*23*0",
                "NM1*03*1*DOE*KID", "AAA*N**72*C"]  # fmt: skip
    doc = read_one(interchange(transaction("271", "0001", segments), functional_id="HB",
                               version="005010X279A1"))  # fmt: skip
    assert doc.subscribers[0].active is False
    assert doc.dependents[0].rejections[0].reason_code == "72"
    assert [(r.reason_code, r.loop) for r in doc.rejections] == [("72", "23")]


@pytest.mark.parametrize(
    ("name", "rejected"),
    [("ims__x12_277CA_accepted.txt", False), ("ims__x12_277CA_rejected.txt", True)],
)
def test_277ca_samples(shared_dir, name, rejected):
    (doc,) = read_file(shared_dir / "x12-samples/277CA" / name)
    assert isinstance(doc, ClaimStatusResponse)
    assert doc.is_acknowledgment
    (claim,) = doc.claims
    assert claim.accepted is (not rejected)
    assert claim.payer_claim_number.startswith("1107")


def test_271_samples_with_repetition_separators(shared_dir):
    (doc,) = read_file(shared_dir / "x12-samples/271/tigershark__271-example-3.txt")
    assert isinstance(doc, EligibilityResponse)
    services = [b.service_types for b in doc.subscribers[0].benefits if len(b.service_types) > 1]
    assert services[0][:3] == ("1", "33", "47")
