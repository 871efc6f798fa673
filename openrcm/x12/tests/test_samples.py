"""Conformance on the public samples in shared/x12-samples (see its README).

Every 5010 file outside malformed/ reads; the upstream defects the README lists are
asserted exactly: a strict read raises that error, a lenient read reports only it.
The 835 totals are checked against a naive split done here, independently of the reader.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from openrcm.x12 import (
    Remittance,
    X12EnvelopeError,
    X12Error,
    X12SyntaxError,
    X12VersionError,
    check_remittance,
    detect_delimiters,
    read_file,
    validate,
)

pytestmark = pytest.mark.shared

# file -> (error class, segment ID, element) of the known upstream defect.
KNOWN_DEFECTS: dict[str, tuple[type[X12Error], str, int]] = {
    "271/lfh__subscriber-health-benefit-check-error.271": (X12EnvelopeError, "SE", 2),
    "999/ims__x12_999_accepted.txt": (X12EnvelopeError, "IEA", 2),
    "TA1/staedi__x12_interchange_ack.txt": (X12EnvelopeError, "IEA", 1),
    "835/lfh__managed-care.835": (X12SyntaxError, "BPR", 16),  # BPR16 = 20002316
    "837I/ims__x223-test.txt": (X12EnvelopeError, "SE", 1),  # imsweb SE01 = 25 always
    **{
        f"837P/ims__x12_{name}.txt": (X12EnvelopeError, "SE", 1)
        for name in ("valid", "no_errors", "multiple_gs", "multiple_st", "many_claims",
                     "multiple_transactions", "ambiguous_loop", "writer_test")
    },
}  # fmt: skip
# Further envelope defects a lenient read reports after the first (found by this reader,
# not listed in the README): the counts in the trailers of the imsweb multi-set files.
MORE_DEFECTS: dict[str, set[tuple[type[X12Error], str, int]]] = {
    "837P/ims__x12_multiple_gs.txt": {(X12EnvelopeError, "IEA", 1)},  # 3 groups, IEA01=1
    "837P/ims__x12_multiple_st.txt": {(X12EnvelopeError, "GE", 1)},  # 2 sets, GE01=1
}
# 835 samples whose amounts do not balance as found: file -> (segment ID, element).
KNOWN_IMBALANCES = {
    # SVC*HC*24599.00*1766.50*187.50: SVC01 lacks its code, so the amounts shift by one.
    "835/lfh__tertiary-payment.835": [("SVC", 3)],
}


def sample_files(shared: Path, *folders: str) -> list[Path]:
    root = shared / "x12-samples"
    return sorted(p for f in folders for p in (root / f).iterdir() if p.is_file())


FIVE_010 = ["835", "837P", "837I", "270", "271", "276", "277", "277CA", "999", "TA1"]


def test_every_5010_sample_reads_or_fails_with_its_known_defect(shared_dir):
    files = sample_files(shared_dir, *FIVE_010)
    assert len(files) > 70
    for path in files:
        key = f"{path.parent.name}/{path.name}"
        defect = KNOWN_DEFECTS.get(key)
        if defect is None:
            assert read_file(path), key
            continue
        error, segment_id, element = defect
        with pytest.raises(error) as raised:
            read_file(path)
        assert (raised.value.segment_id, raised.value.element) == (segment_id, element), key
        problems: list[X12Error] = []
        assert read_file(path, strict=False, problems=problems), key
        errors = {(type(p), p.segment_id, p.element) for p in problems if not p.is_warning}
        assert errors == {defect} | MORE_DEFECTS.get(key, set()), key


def test_4010_samples_raise_a_version_error_naming_the_version(shared_dir):
    for path in sample_files(shared_dir, "4010"):
        with pytest.raises(X12VersionError, match=r"4010|00401"):
            read_file(path)


def naive_835_totals(path: Path) -> tuple[int, Decimal, Decimal, Decimal]:
    """Claim count, ΣCLP03, ΣCLP04, Σ CAS amounts by plain string splitting."""
    text = path.read_text()
    delimiters, _, _ = detect_delimiters(text)
    count, charge, paid, adjusted = 0, Decimal(0), Decimal(0), Decimal(0)
    for raw in text.split(delimiters.segment):
        e = raw.strip().split(delimiters.element)
        if e[0] == "CLP":
            count += 1
            charge += Decimal(e[3])
            paid += Decimal(e[4])
        elif e[0] == "CAS":
            adjusted += sum((Decimal(e[i]) for i in range(3, len(e), 3) if e[i]), Decimal(0))
    return count, charge, paid, adjusted


def test_835_totals_match_a_naive_split_and_balance_except_known_defects(shared_dir):
    for path in sample_files(shared_dir, "835"):
        key = f"835/{path.name}"
        (doc,) = read_file(path, strict=False, problems=[])
        assert isinstance(doc, Remittance)
        adjustments = sum(
            (a.amount for c in doc.claims for a in c.adjustments), Decimal(0)
        ) + sum((a.amount for c in doc.claims for ln in c.lines for a in ln.adjustments),
                Decimal(0))  # fmt: skip
        ours = (
            len(doc.claims),
            sum((c.charge for c in doc.claims), Decimal(0)),
            sum((c.paid for c in doc.claims), Decimal(0)),
            adjustments,
        )
        assert ours == naive_835_totals(path), key
        found = [(f.segment_id, f.element) for f in check_remittance(doc) if not f.is_warning]
        assert found == KNOWN_IMBALANCES.get(key, []), key


def test_emedny_sample_in_detail(shared_dir):
    (doc,) = read_file(shared_dir / "x12-samples/835/edi835__emedny_sample.txt")
    assert isinstance(doc, Remittance)
    assert doc.payment.amount == Decimal("45.75")
    assert doc.payer is not None
    assert doc.payer.address is not None
    assert doc.payer.address.city == "ALBANY"
    third = doc.claims[2]
    assert third.corrected_patient is not None
    assert third.corrected_patient.first == "CORRECTED FIRST"
    assert [ln.remark_codes for ln in third.lines][2:] == [("N206",), ("N206",)]
    assert [ln.procedure.modifiers for ln in third.lines][:1] == [("RB",)]


def test_malformed_files_raise_or_are_reported(shared_dir):
    for path in sample_files(shared_dir, "malformed"):
        with pytest.raises(X12Error) as raised:
            read_file(path)
        assert raised.value.segment_position is not None or raised.value.source, path.name
        try:
            problems = validate(path)
        except X12Error:
            continue  # unreadable as X12 at all (no ISA, empty)
        assert any(not p.is_warning for p in problems), path.name


def test_truncating_real_835s_at_every_segment_raises_or_reads_everything(shared_dir):
    for path in sample_files(shared_dir, "835"):
        if f"835/{path.name}" in KNOWN_DEFECTS:
            continue
        text = path.read_text()
        delimiters, _, _ = detect_delimiters(text)
        complete = read_file(path)
        pieces = text.split(delimiters.segment)
        for k in range(1, len(pieces)):
            cut = delimiters.segment.join(pieces[:k]) + delimiters.segment
            try:
                documents = read_file(cut.encode())
            except X12Error:
                continue
            assert documents == complete, f"{path.name} cut after segment {k}"
