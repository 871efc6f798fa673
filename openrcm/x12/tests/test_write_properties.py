"""Property tests: random valid claim input always gives a sound 837P.

Every generated batch must pass our structural checks (envelope counts, HL parents and
child flags, CLM02 = ΣSV102); a small sample also goes through pyx12 (slow, so few
examples). Random text with arbitrary characters must either be refused with an
X12WriteError or come back unchanged when the file is split on its delimiters.
"""

from __future__ import annotations

import dataclasses
import string
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openrcm.x12.errors import X12WriteError
from openrcm.x12.tests.test_write_helpers import (
    BILLING_PROVIDER,
    PAYER,
    SECOND_PAYER,
    SUBSCRIBER,
    check_structure,
    make_batch,
    make_claim,
    make_interchange,
    make_npi,
    pyx12_errors,
    split_segments,
)
from openrcm.x12.write import (
    Address,
    BillingProvider,
    Claim837P,
    Delimiters,
    Patient,
    PersonName,
    Provider,
    ServiceLine,
    write_837p,
)

UPPER = string.ascii_uppercase
name_text = st.text(UPPER + " -'", min_size=1, max_size=30).filter(lambda s: s.strip())
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31))
icd10 = st.builds(
    lambda a, b, rest: a + b + rest,
    st.sampled_from(UPPER),
    st.sampled_from(string.digits),
    st.text(UPPER + string.digits, min_size=1, max_size=5),
)
procedure = st.one_of(
    st.text(string.digits, min_size=5, max_size=5),
    st.builds(
        lambda a, d: a + d, st.sampled_from("AEGJ"), st.text(string.digits, min_size=4, max_size=4)
    ),
)
modifier = st.sampled_from(["25", "59", "GP", "KX", "76", "LT", "RT", "TC", "26", "XU"])
person = st.builds(PersonName, name_text, name_text)
address = st.builds(
    Address,
    st.text(UPPER + string.digits + " ", min_size=1, max_size=40).filter(lambda s: s.strip()),
    st.text(UPPER + " ", min_size=2, max_size=30).filter(lambda s: len(s.strip()) >= 2),
    st.sampled_from(["OR", "WA", "CA", "NY", "TX"]),
    st.from_regex(r"[0-9]{5}([0-9]{4})?", fullmatch=True),
)


@st.composite
def service_lines(draw, diagnosis_count: int) -> ServiceLine:
    start = draw(days)
    pointers = draw(
        st.lists(
            st.integers(1, diagnosis_count),
            min_size=1,
            max_size=min(4, diagnosis_count),
            unique=True,
        )
    )
    return ServiceLine(
        procedure_code=draw(procedure),
        charge=draw(money),
        service_date=start,
        service_date_end=draw(
            st.one_of(st.none(), st.dates(min_value=start, max_value=date(2025, 12, 31)))
        ),
        diagnosis_pointers=tuple(pointers),
        units=draw(
            st.one_of(st.integers(1, 99), st.decimals(Decimal("0.5"), Decimal("24"), places=1))
        ),
        modifiers=tuple(draw(st.lists(modifier, max_size=4, unique=True))),
        line_item_control_number=draw(
            st.one_of(st.none(), st.text(UPPER + string.digits, min_size=1, max_size=30))
        ),
        place_of_service=draw(st.one_of(st.none(), st.sampled_from(["11", "22", "02"]))),
    )


@st.composite
def claims(draw, number: int) -> Claim837P:
    diagnoses = draw(st.lists(icd10, min_size=1, max_size=12, unique=True))
    lines = draw(st.lists(service_lines(len(diagnoses)), min_size=1, max_size=8))
    frequency = draw(st.sampled_from(["1", "1", "7", "8"]))
    subscriber = draw(
        st.sampled_from(
            [
                SUBSCRIBER,
                dataclasses.replace(
                    SUBSCRIBER, member_id="GCH900998877", name=PersonName("ROOK", "ANA")
                ),
            ]
        )
    )
    patient = draw(
        st.one_of(
            st.none(),
            st.builds(
                Patient,
                person,
                st.sampled_from(["01", "19", "G8"]),
                address,
                days,
                st.sampled_from("FMU"),
            ),
        )
    )
    return Claim837P(
        billing_provider=draw(st.sampled_from([BILLING_PROVIDER, OTHER_PROVIDER])),
        subscriber=subscriber,
        payer=draw(st.sampled_from([PAYER, SECOND_PAYER])),
        patient=patient,
        patient_control_number=f"P{number}{draw(st.text(UPPER + string.digits, max_size=10))}",
        total_charge=sum((line.charge for line in lines), Decimal(0)),
        place_of_service=draw(st.sampled_from(["11", "12", "22"])),
        diagnosis_codes=tuple(diagnoses),
        lines=tuple(lines),
        frequency_code=frequency,
        payer_claim_control_number=None
        if frequency == "1"
        else draw(st.text(UPPER + string.digits, min_size=1, max_size=20)),
        rendering_provider=draw(
            st.one_of(st.none(), st.builds(Provider, person, st.just(make_npi(198765432))))
        ),
        prior_authorization=draw(
            st.one_of(st.none(), st.text(UPPER + string.digits, min_size=1, max_size=15))
        ),
    )


OTHER_PROVIDER = BillingProvider(
    name=PersonName("NAKAMURA", "IRIS"),
    npi=make_npi(187654321),
    address=Address("55 ELM ST", "BEND", "OR", "977015555"),
    tax_id="998877665",
)


@st.composite
def batches(draw):
    count = draw(st.integers(1, 5))
    return make_batch(*(draw(claims(number)) for number in range(count)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=batches())
def test_random_claims_always_pass_our_structural_checks(batch):
    data = write_837p(make_interchange(), batch)
    assert check_structure(data) == []
    clm = [s for s in split_segments(data) if s[0] == "CLM"]
    assert sorted(s[1] for s in clm) == sorted(c.patient_control_number for c in batch.claims)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=batches())
def test_random_claims_pass_pyx12(batch):
    data = write_837p(make_interchange(), batch)
    with tempfile.TemporaryDirectory() as folder:
        assert pyx12_errors(data, Path(folder)) == []


delimiter_sets = st.permutations(list("*^:~|!>")).map(
    lambda chars: Delimiters(
        element=chars[0], repetition=chars[1], component=chars[2], segment=chars[3]
    )
)


@settings(max_examples=150, deadline=None)
@given(delimiters=delimiter_sets, last=st.text(min_size=1, max_size=20), first=st.text(max_size=10))
def test_any_name_is_refused_or_written_intact(delimiters, last, first):
    claim = make_claim(subscriber=dataclasses.replace(SUBSCRIBER, name=PersonName(last, first)))
    forbidden = {
        delimiters.element,
        delimiters.repetition,
        delimiters.component,
        delimiters.segment,
    }
    writable = bool(last.strip()) and all(
        " " <= char <= "~" and char not in forbidden for char in last.strip() + first.strip()
    )
    if not writable:
        with pytest.raises(X12WriteError, match=r"subscriber|NM1"):
            write_837p(make_interchange(delimiters=delimiters), make_batch(claim))
        return
    data = write_837p(make_interchange(delimiters=delimiters), make_batch(claim))
    nm1 = next(s for s in split_segments(data) if s[0] == "NM1" and s[1] == "IL")
    assert nm1[3] == last.strip()
    assert (nm1[4] if len(nm1) > 4 else "") == first.strip()
    assert check_structure(data) == []
