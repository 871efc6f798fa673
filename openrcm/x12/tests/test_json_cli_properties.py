"""JSON round trip, command line, fast constructors, and fuzzing for escaped exceptions."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrcm.x12 import X12Error, from_json, read_file, to_json, validate
from openrcm.x12._construct import fast_constructor
from openrcm.x12.cli import main
from openrcm.x12.models import Adjustment, ClaimPayment
from openrcm.x12.tests._x12text import CLAIM_A, remittance_835

TEXT = remittance_835()


def test_json_round_trip_keeps_decimals_as_strings_and_dates_iso():
    (doc,) = read_file(TEXT.encode())
    text = to_json(doc)
    assert from_json(text) == doc
    data = json.loads(text)
    assert data["type"] == "Remittance"
    assert data["payment"]["amount"] == "175"
    assert data["claims"][0]["statement_from"] == "2025-01-05"


@pytest.mark.parametrize("bad", ["{", "[]", '{"type": "Nope"}', '{"type": "Adjustment"}'])
def test_from_json_refuses_what_it_did_not_write(bad):
    with pytest.raises(X12Error):
        from_json(bad)


def test_fast_constructor_builds_real_frozen_instances():
    make = fast_constructor(Adjustment)
    built = make("CO", "45", Decimal(1), None)
    assert built == Adjustment("CO", "45", Decimal(1), None)
    assert type(built) is Adjustment
    assert hash(built) == hash(Adjustment("CO", "45", Decimal(1), None))
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.group = "PR"  # type: ignore[misc]
    assert fast_constructor(ClaimPayment).__name__ == "make_ClaimPayment"


def test_cli_parse_json(tmp_path, capsys):
    path = tmp_path / "era.835"
    path.write_text(TEXT)
    assert main(["parse", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["claims"][1]["patient_control_number"] == "PCN-B2"


def test_cli_summary_and_validate(tmp_path, capsys):
    path = tmp_path / "era.835"
    path.write_text(TEXT)
    assert main(["parse", str(path), "--summary"]) == 0
    out = capsys.readouterr().out
    assert "835" in out
    assert "350" in out
    assert "200" in out
    assert "yes" in out
    assert main(["validate", str(path)]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    path.write_text(TEXT.replace("SVC*HC:85025*200*130", "SVC*HC:85025*200*131"))
    assert main(["parse", str(path)]) == 0
    assert "NO" in capsys.readouterr().out
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "segment 31, SVC03" in out
    assert "PCN-A1" in out


def test_cli_unreadable_files_exit_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing.835")]) == 2
    (tmp_path / "text.txt").write_text("hello")
    assert main(["parse", str(tmp_path / "text.txt"), "--json"]) == 2
    assert "cannot read" in capsys.readouterr().err


def read_everything(data: bytes) -> None:
    """Strict, lenient and validate: only X12Error may come out."""
    for strict in (True, False):
        with contextlib.suppress(X12Error):
            read_file(data, strict=strict, problems=[])
    with contextlib.suppress(X12Error):
        validate(data)


SEGMENTS = TEXT.split("~")[:-1]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_835s_never_escape_other_exceptions(data):
    segments = list(SEGMENTS)
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["truncate", "shuffle", "delete", "dup", "junk",
                                            "delims", "elements"]))  # fmt: skip
        if action == "truncate":
            text = "~".join(segments)
            segments = text[: rng.randrange(len(text) + 1)].split("~")
        elif action == "shuffle" and len(segments) > 2:
            i = rng.randrange(1, len(segments))
            j = rng.randrange(1, len(segments))
            segments[i], segments[j] = segments[j], segments[i]
        elif action == "delete" and len(segments) > 1:
            del segments[rng.randrange(1, len(segments))]
        elif action == "dup" and segments:
            i = rng.randrange(len(segments))
            segments.insert(i, segments[i])
        elif action == "junk":
            junk = data.draw(st.text(alphabet="*:^~~\n AZ09.-eE", max_size=12))
            i = rng.randrange(len(segments) + 1)
            segments.insert(i, junk)
        elif action == "delims":
            old, new = rng.choice([("*", "|"), (":", "*"), ("~", "\n"), ("*", "")])
            i = rng.randrange(len(segments))
            segments[i] = segments[i].replace(old, new)
        elif action == "elements" and segments:
            i = rng.randrange(len(segments))
            parts = segments[i].split("*")
            k = rng.randrange(len(parts))
            values = ["", "-", ".", "1e9", "NaN", "20251340", "9" * 40, "A"]
            parts[k] = data.draw(st.sampled_from(values))
            segments[i] = "*".join(parts)
    read_everything(("~".join(segments) + "~").encode())


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_escape_other_exceptions(blob):
    read_everything(blob)
    read_everything(TEXT[:106].encode() + blob)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_random_claim_text_never_escapes_other_exceptions(junk):
    claim = [*CLAIM_A[:5], junk, *CLAIM_A[5:]]
    read_everything(remittance_835([claim]).encode())
