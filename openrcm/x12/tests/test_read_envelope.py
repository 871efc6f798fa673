"""Delimiters, envelope checks, versions and chunked streaming of the generic reader."""

from __future__ import annotations

import io
from typing import Any

import pytest

from openrcm.x12 import (
    X12EnvelopeError,
    X12Error,
    X12SyntaxError,
    X12VersionError,
    detect_delimiters,
    iter_segments,
    iter_transaction_sets,
    read_file,
)
from openrcm.x12.models import InterchangeAck
from openrcm.x12.tests._x12text import ISA, interchange, remittance_835, transaction

SMALL = interchange(transaction("999", "0001", ["AK1*HC*7*005010X222A1", "AK9*A*1*1*1"]),
                    functional_id="FA", version="005010X231A1")  # fmt: skip


def ids(text: str | bytes, **kwargs: Any) -> list[list[str]]:
    data = text.encode() if isinstance(text, str) else text
    return [[s.id for s in ts.segments] for ts in iter_transaction_sets(data, **kwargs)]


def test_delimiters_come_from_the_fixed_isa():
    delimiters, elements, end = detect_delimiters(ISA + "GS*")
    assert (delimiters.element, delimiters.repetition, delimiters.component) == ("*", "^", ":")
    assert delimiters.segment == "~"
    assert delimiters.fixed_width
    assert end == 106
    assert elements[13] == "000000001"


def test_other_separators_and_a_newline_terminator_read_the_same():
    text = SMALL.replace("*", "|").replace("~", "\n").replace(":\n", "^\n", 1)
    text = text.replace("|^|00501", "|}|00501")  # repetition separator '}' (component '^')
    assert ids(text) == ids(SMALL) == [["AK1", "AK9"]]
    assert ids(SMALL.replace("~", "~\r\n")) == ids(SMALL)
    assert ids(SMALL.replace("~", "~ \n\n")) == ids(SMALL)


def test_a_letter_in_isa11_means_no_repetition_separator():
    delimiters, _, _ = detect_delimiters(ISA.replace("*^*00501", "*U*00501"))
    assert delimiters.repetition is None


def test_unpadded_isa_is_read_by_counting_and_reported_as_a_warning():
    text = SMALL.replace("*00*          *00*          *", "*00**00**", 1)
    assert ids(text) == [["AK1", "AK9"]]
    problems: list[X12Error] = []
    read_file(text.encode(), strict=False, problems=problems)
    assert [(p.segment_id, p.severity) for p in problems] == [("ISA", "warning")]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", X12SyntaxError),
        ("bad_file", X12SyntaxError),
        ("GS*HC*1*2~", X12SyntaxError),
        (ISA[:50], X12SyntaxError),
        (ISA.replace("00501", "00401"), X12VersionError),
        (SMALL.replace("005010X231A1", "004010X091A1", 1), X12VersionError),
    ],
)
def test_unreadable_input_raises_a_located_error(text, error):
    with pytest.raises(error) as raised:
        list(iter_transaction_sets(text.encode()))
    assert raised.value.segment_position is not None


def test_4010_error_names_the_version():
    with pytest.raises(X12VersionError, match="00401"):
        read_file(SMALL.replace("*00501*", "*00401*").encode())
    with pytest.raises(X12VersionError, match="004010X091A1") as raised:
        read_file(SMALL.replace("005010X231A1", "004010X091A1", 1).encode())
    assert (raised.value.segment_id, raised.value.element) == ("GS", 8)


@pytest.mark.parametrize(
    ("old", "new", "segment_id", "element"),
    [
        ("SE*4*0001", "SE*5*0001", "SE", 1),
        ("SE*4*0001", "SE*4*0002", "SE", 2),
        ("GE*1*7", "GE*2*7", "GE", 1),
        ("GE*1*7", "GE*1*8", "GE", 2),
        ("IEA*1*000000001", "IEA*2*000000001", "IEA", 1),
        ("IEA*1*000000001", "IEA*1*000000002", "IEA", 2),
    ],
)
def test_envelope_mismatches_raise_strictly_and_are_reported_leniently(
    old, new, segment_id, element
):
    text = SMALL.replace(old, new).encode()
    with pytest.raises(X12EnvelopeError) as raised:
        read_file(text)
    assert (raised.value.segment_id, raised.value.element) == (segment_id, element)
    problems: list[X12Error] = []
    documents = read_file(text, strict=False, problems=problems)
    assert len(documents) == 1
    assert [(p.segment_id, p.element) for p in problems] == [(segment_id, element)]


@pytest.mark.parametrize("cut", ["SE*4*0001~GE*1*7~IEA*1*000000001~", "GE*1*7~IEA*1*000000001~",
                                 "IEA*1*000000001~"])  # fmt: skip
def test_missing_trailers_raise(cut):
    with pytest.raises(X12EnvelopeError):
        read_file(SMALL.replace(cut, "").encode())


def test_segments_outside_a_set_are_reported():
    text = SMALL.replace("ST*999", "HL*1**20*1~ST*999").replace("GE*1*7", "GE*1*7")
    with pytest.raises(X12EnvelopeError, match="outside any transaction set"):
        read_file(text.encode())


def test_chunk_size_does_not_change_what_is_read():
    data = (remittance_835().replace("~", "~\r\n")).encode()
    whole = list(iter_transaction_sets(data))
    for size in (256, 257, 300, 1000):
        assert list(iter_transaction_sets(io.BytesIO(data), chunk_size=size)) == whole


def test_text_file_objects_and_paths_are_sources(tmp_path):
    path = tmp_path / "small.999"
    path.write_text(SMALL)
    assert ids(SMALL) == [[s.id for s in t.segments] for t in iter_transaction_sets(path)]
    assert len(list(iter_transaction_sets(io.StringIO(SMALL)))) == 1
    with pytest.raises(X12Error, match="cannot open"):
        list(iter_transaction_sets(tmp_path / "missing.835"))


def test_iter_segments_numbers_every_segment():
    segments = list(iter_segments(SMALL.encode()))
    assert [s.position for s in segments] == list(range(1, len(segments) + 1))
    assert segments[0].id == "ISA"
    assert segments[-1].id == "IEA"
    assert segments[3].element(1) == "HC"
    assert segments[3].element(9) == ""


def test_invalid_utf8_is_a_syntax_error():
    with pytest.raises(X12SyntaxError, match="UTF-8"):
        read_file(SMALL.encode().replace(b"HC", b"\xff\xfe"))


def test_ta1_only_interchange():
    text = ISA + "TA1*000000050*200229*1200*A*000~IEA*0*000000001~"
    (ack,) = read_file(text.encode())
    assert isinstance(ack, InterchangeAck)
    assert ack.acknowledgment_code == "A"
