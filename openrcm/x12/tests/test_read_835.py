"""835 reading: typed fields, balancing, streaming and no silent losses."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from openrcm.x12 import (
    ClaimPayment,
    Remittance,
    RemittanceHeader,
    RemittanceTrailer,
    X12BalanceError,
    X12Error,
    X12SyntaxError,
    check_remittance,
    read_documents,
    read_file,
    stream_remittance,
)
from openrcm.x12.tests._x12text import CLAIM_A, CLAIM_B, HEADER, remittance_835


def read_one(text: str) -> Remittance:
    (document,) = read_file(text.encode())
    assert isinstance(document, Remittance)
    return document


def test_header_payment_trace_and_parties():
    doc = read_one(remittance_835())
    payment = doc.payment
    assert (payment.handling_code, payment.amount, payment.credit_debit, payment.method) == (
        "I", Decimal("175"), "C", "ACH")  # fmt: skip
    assert payment.payment_date == date(2025, 1, 12)
    assert doc.trace is not None
    assert doc.trace.number == "TRACE1"
    assert doc.production_date == date(2025, 1, 11)
    assert doc.payer is not None
    assert doc.payer.name == "SYNTHETIC PLAN"
    assert doc.payer.address is not None
    assert doc.payer.address.postal_code == "627010000"
    assert [c.function for c in doc.payer.contacts] == ["CX", "BL"]
    assert doc.payer.contacts[1].numbers == (("TE", "5555550101"), ("EM", "EDI@EXAMPLE.INVALID"))
    assert doc.payee is not None
    assert (doc.payee.id_qualifier, doc.payee.id) == ("XX", "1234567893")
    assert doc.payee.references[0].qualifier == "TJ"


def test_claim_fields():
    claim = read_one(remittance_835()).claims[0]
    assert (claim.patient_control_number, claim.status, claim.charge, claim.paid) == (
        "PCN-A1", "1", Decimal(300), Decimal(200))  # fmt: skip
    assert claim.patient_responsibility == Decimal(20)
    assert (claim.filing_indicator, claim.payer_claim_control_number) == ("12", "ICN0001")
    assert (claim.facility_code, claim.frequency, claim.header_number) == ("11", "1", "1")
    assert claim.patient is not None
    assert claim.patient.last_or_organization == "DOE"
    assert claim.insured is not None
    assert claim.insured.id == "SYN100"
    assert claim.rendering_provider is not None
    assert claim.rendering_provider.id == "1234567893"
    assert claim.outpatient_remarks == ("MA01", "N14")
    assert (claim.statement_from, claim.statement_to, claim.received_date) == (
        date(2025, 1, 5), date(2025, 1, 6), date(2025, 1, 10))  # fmt: skip


def test_service_lines():
    first, second = read_one(remittance_835()).claims[0].lines
    assert (first.procedure.code, first.procedure.modifiers) == ("99213", ("25", "59"))
    assert first.billed_procedure is not None
    assert first.billed_procedure.code == "99214"
    assert (first.charge, first.paid, first.units_paid, first.units_billed) == (
        Decimal(100), Decimal(70), Decimal(1), Decimal(2))  # fmt: skip
    assert first.service_date == date(2025, 1, 5)
    assert [(a.group, a.reason, a.amount) for a in first.adjustments] == [
        ("CO", "45", Decimal(20)), ("PR", "1", Decimal(10))]  # fmt: skip
    assert (first.line_item_control_number, first.allowed_amount) == ("LINE1", Decimal(80))
    assert first.remark_codes == ("N130",)
    assert (second.service_start, second.service_end) == (date(2025, 1, 5), date(2025, 1, 6))
    assert second.adjustments[0].quantity == Decimal(1)
    assert second.line_number == 2


def test_claim_without_lines_and_plb():
    doc = read_one(remittance_835())
    denied = doc.claims[1]
    assert denied.lines == ()
    assert denied.adjustments[0].reason == "31"
    assert [(p.reason, p.reference, p.amount) for p in doc.provider_adjustments] == [
        ("WO", "ICN9", Decimal(30)), ("L6", "INT", Decimal(-5))]  # fmt: skip
    assert doc.provider_adjustments[0].fiscal_period_date == date(2025, 12, 31)


def test_a_balanced_835_has_no_findings():
    assert check_remittance(read_one(remittance_835())) == []


def findings(text: str) -> list[tuple[str | None, int | None, str]]:
    return [(f.segment_id, f.element, f.severity) for f in check_remittance(read_one(text))]


def test_each_imbalance_is_reported_with_its_location():
    line_off = [s.replace("SVC*HC:85025*200*130", "SVC*HC:85025*200*131") for s in CLAIM_A]
    assert findings(remittance_835([line_off, CLAIM_B])) == [("SVC", 3, "error")]
    claim_off = [s.replace("CLP*PCN-A1*1*300*200*20", "CLP*PCN-A1*1*301*200*20") for s in CLAIM_A]
    assert findings(remittance_835([claim_off, CLAIM_B])) == [("CLP", 4, "error")]
    header = [s.replace("BPR*I*175", "BPR*I*176") for s in HEADER]
    assert findings(remittance_835(header=header)) == [("BPR", 2, "error")]
    assert findings(remittance_835(plb=[])) == [("BPR", 2, "error")]
    pr_off = [s.replace("CLP*PCN-A1*1*300*200*20", "CLP*PCN-A1*1*300*200*25") for s in CLAIM_A]
    assert findings(remittance_835([pr_off, CLAIM_B])) == [("CLP", 5, "warning")]


def test_finding_names_transaction_claim_line_and_amounts():
    line_off = [s.replace("SVC*HC:85025*200*130", "SVC*HC:85025*200*131") for s in CLAIM_A]
    finding = check_remittance(read_one(remittance_835([line_off, CLAIM_B])))[0]
    assert isinstance(finding, X12BalanceError)
    assert "transaction set 0001" in str(finding)
    assert "PCN-A1" in str(finding)
    assert "line 2" in str(finding)
    assert (finding.expected, finding.found) == ("130", "131")
    assert finding.segment_position == 31  # ISA=1 GS=2 ST=3, 11 header, LX, CLP=16


def test_reversal_skips_the_patient_responsibility_check():
    reversal = ["CLP*PCN-A1*22*-300*-200*-25*12*ICN0001", "CAS*CO*45*-80", "CAS*PR*1*-20"]
    header = [s.replace("BPR*I*175", "BPR*I*-225") for s in HEADER]
    assert findings(remittance_835([reversal], header=header)) == []


def test_streaming_yields_header_claims_trailer_equal_to_the_document():
    text = remittance_835().encode()
    items = list(stream_remittance(text, chunk_size=256))
    assert isinstance(items[0], RemittanceHeader)
    assert isinstance(items[-1], RemittanceTrailer)
    doc = read_one(remittance_835())
    assert tuple(i for i in items if isinstance(i, ClaimPayment)) == doc.claims
    assert items[-1].claim_count == 2
    assert items[-1].total_paid == Decimal(200)
    assert items[-1].provider_adjustments == doc.provider_adjustments


@pytest.mark.parametrize(
    ("old", "new", "element"),
    [
        ("CLP*PCN-A1*1*300*", "CLP*PCN-A1*1*3x0*", 3),
        ("CAS*CO*45*20", "CAS*CO*45*NaN", 3),
        ("AMT*B6*80", "AMT*B6*1e3", 2),
        ("DTM*472*20250105", "DTM*472*20251305", 2),
        ("SVC*HC:85025*200*130", "SVC*HC:85025*200*Infinity", 3),
    ],
)
def test_bad_values_raise_located_syntax_errors(old, new, element):
    with pytest.raises(X12SyntaxError) as raised:
        read_one(remittance_835().replace(old, new))
    assert raised.value.element == element
    assert raised.value.segment_position is not None


def test_unknown_segments_are_kept_not_dropped():
    claim = [*CLAIM_A[:8], "QTY*CA*2", "PER*CX*DESK", *CLAIM_A[8:], "QTY*ZL*1"]
    doc = read_one(remittance_835([claim, CLAIM_B]))
    assert doc.claims[0].other_segments[-2:] == ("QTY*CA*2", "PER*CX*DESK")
    assert doc.claims[0].lines[1].other_segments == ("QTY*ZL*1",)


def test_truncation_at_every_segment_boundary_raises_or_reads_everything():
    text = remittance_835()
    segments = text.split("~")[:-1]
    complete = read_one(text)
    for k in range(1, len(segments)):
        cut = "~".join(segments[:k]) + "~"
        try:
            documents = read_file(cut.encode())
        except X12Error:
            continue
        assert documents == [complete], f"truncated after segment {k} read without error"


@pytest.mark.parametrize("chunk_size", [256, 300, 1000])
def test_claims_cut_by_chunk_boundaries_read_the_same(chunk_size):
    text = remittance_835().encode()
    (whole,) = read_file(text)
    assert list(read_documents(text, chunk_size=chunk_size)) == [whole]


def test_non_ascii_digits_are_not_amounts():
    with pytest.raises(X12SyntaxError) as raised:
        read_one(remittance_835().replace("CAS*CO*45*20", "CAS*CO*45*\u0662\u0660"))
    assert (raised.value.segment_id, raised.value.element) == ("CAS", 3)


def test_a_lenient_read_reports_a_bad_line_once_and_keeps_what_follows():
    bad = [s.replace("SVC*HC:85025*200*130", "SVC*HC:85025*200*1x0") for s in CLAIM_A]
    problems: list[X12Error] = []
    (doc,) = read_file(remittance_835([bad, CLAIM_B]).encode(), strict=False, problems=problems)
    assert isinstance(doc, Remittance)
    assert [(p.segment_id, p.element) for p in problems] == [("SVC", 3)]
    assert [c.patient_control_number for c in doc.claims] == ["PCN-A1", "PCN-B2"]
    assert len(doc.claims[0].lines) == 1  # the unreadable line, reported, is left out
    assert len(doc.provider_adjustments) == 2


def test_a_bad_production_date_is_reported_and_the_document_kept():
    problems: list[X12Error] = []
    text = remittance_835().replace("DTM*405*20250111", "DTM*405*20251311")
    (doc,) = read_file(text.encode(), strict=False, problems=problems)
    assert isinstance(doc, Remittance)
    assert doc.production_date is None
    assert [(p.segment_id, p.element) for p in problems] == [("DTM", 2)]


def test_reading_keeps_the_callers_frozen_objects_frozen(monkeypatch):
    import gc

    from openrcm.x12 import reader

    monkeypatch.setattr(reader, "_SETTLE_AFTER", 0)
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        read_one(remittance_835())
        # Unfreezing would empty the permanent generation and freezing would grow it; a
        # frozen object freed meanwhile (by anything) only shrinks it by one.
        assert 0 < gc.get_freeze_count() <= frozen
    finally:
        gc.unfreeze()
    read_one(remittance_835())  # with nothing frozen, reading settles its objects
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()


@pytest.mark.parametrize("bad", [" 20", "2_0", "+20", "2e1", "20 ", "\u0662\u0660", ""])
@pytest.mark.parametrize(
    ("old", "element", "segment_id"),
    [
        ("CLP*PCN-A1*1*{}*", 3, "CLP"),
        ("CAS*CO*45*{}", 3, "CAS"),
        ("AMT*B6*{}", 2, "AMT"),
        ("SVC*HC:85025*{}*130", 2, "SVC"),
    ],
)
def test_texts_decimal_would_take_are_not_x12_amounts(bad, old, element, segment_id):
    # The quick reading converts amounts before checking their characters; whatever
    # Decimal would accept (blanks, "_", "+", exponents, other digits) must still be
    # refused, at the same segment and element as a value-by-value reading finds it.
    original = {"CLP": "300", "CAS": "20", "AMT": "80", "SVC": "200"}[segment_id]
    text = remittance_835()
    assert old.format(original) in text
    with pytest.raises(X12SyntaxError) as raised:
        read_one(text.replace(old.format(original), old.format(bad), 1))
    found = raised.value
    assert (found.segment_id, found.element) == (segment_id, element)
    assert found.segment_position is not None


def test_lenient_reading_reports_a_quickly_read_bad_amount_once_in_file_order():
    bad = [
        s.replace("CAS*CO*45*20", "CAS*CO*45*2e1").replace("DTM*233*20250106", "DTM*233*2025")
        for s in CLAIM_A
    ]
    problems: list[X12Error] = []
    (doc,) = read_file(remittance_835([bad, CLAIM_B]).encode(), strict=False, problems=problems)
    assert isinstance(doc, Remittance)
    # The bad date comes before the bad amount in the file, and each is reported once.
    assert [(p.segment_id, p.element) for p in problems] == [("DTM", 2), ("CAS", 3)]
    assert [c.patient_control_number for c in doc.claims] == ["PCN-A1", "PCN-B2"]


def test_amounts_have_at_most_32_significant_digits():
    long_amount = "1" * 33
    with pytest.raises(X12SyntaxError) as raised:
        read_one(remittance_835().replace("AMT*B6*80", f"AMT*B6*{long_amount}"))
    assert (raised.value.segment_id, raised.value.element) == ("AMT", 2)
    # Leading zeros are not significant.
    doc = read_one(remittance_835().replace("AMT*B6*80", "AMT*B6*" + "0" * 40 + "80"))
    assert doc.claims[0].lines[0].allowed_amount == Decimal(80)
