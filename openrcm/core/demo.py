"""The demo billing company, built through the real services so every rule runs.

``demo_build`` makes practices, contracts, providers, contacts, payers, fee schedules,
patients with coverage, encounters and claims from a seeded generator: the same seed and
sizes give the same people, visits and totals (dates are relative to the day it runs).
Work is done in batches, one transaction each, and each step is timed.

Synthetic data only; see ``openrcm.core.demo_catalog``.
"""

from __future__ import annotations

import base64
import datetime
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone

from openrcm.claims.cycle import claims_cycle_run
from openrcm.claims.models import Encounter
from openrcm.claims.services import (
    ChargeInput,
    EncounterInput,
    claims_create_for_encounter,
    encounter_create,
)
from openrcm.clients.models import Client, ContractStatus, Provider
from openrcm.clients.services import (
    client_contact_create,
    client_create,
    contract_create,
    contract_transition,
    provider_create,
)
from openrcm.core.actor import Actor
from openrcm.core.demo_catalog import (
    COMMERCIAL_KEYS,
    EIN_PREFIXES,
    FEMALE_NAMES,
    LAST_NAMES,
    LEFT_SIDE,
    MALE_NAMES,
    MBI_LETTERS,
    MIDDLE_INITIAL_NAMES,
    PAYERS,
    PRACTICES,
    PROCEDURES,
    RIGHT_SIDE,
    STREET_KINDS,
    STREET_NAMES,
    TOWNS,
    VISITS,
    PayerSpec,
    PracticeSpec,
    VisitKind,
)
from openrcm.core.errors import ValidationFailed
from openrcm.patients.models import Patient
from openrcm.patients.services import coverage_add, patient_create
from openrcm.payers.models import Payer
from openrcm.payers.services import fee_schedule_create, payer_create
from openrcm.rules.identifiers import npi_with_check_digit, tin_problem
from openrcm.rules.money import to_money

DEMO_ACTOR = Actor.job("demo")
PATIENT_BATCH = 250
ENCOUNTER_BATCH = 250
CLAIM_BATCH = 500
VISITS_PER_PATIENT_MONTH = 0.25  # about one visit a patient every four months
LAPSED_SHARE = 0.05  # patients whose only coverage has ended
DAYS_PER_MONTH = 30


# ---- progress and timing -------------------------------------------------------------


class ProgressSink(Protocol):
    """Where the demo reports progress: a rich progress bar, or nothing (tests)."""

    def start(self, name: str, total: int) -> None: ...
    def advance(self, amount: int = 1) -> None: ...
    def finish(self) -> None: ...


class SilentProgress:
    def start(self, name: str, total: int) -> None:
        pass

    def advance(self, amount: int = 1) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass
class StepTime:
    name: str
    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class DemoSize:
    patients: int = 2000
    months: int = 3
    seed: int = 20260101


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    practice: str
    totp_secret: str = ""  # base32, for an authenticator app; "" without MFA
    otpauth_url: str = ""


@dataclass
class DemoResult:
    size: DemoSize
    steps: list[StepTime] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    claim_total: Decimal = Decimal("0.00")

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)


@contextmanager
def timed_step(result: DemoResult, name: str) -> Iterator[StepTime]:
    step = StepTime(name=name, seconds=0.0)
    started = time.perf_counter()
    try:
        yield step
    finally:
        step.seconds = time.perf_counter() - started
        result.steps.append(step)


# ---- synthetic identifiers -------------------------------------------------------------


class Identifiers:
    """Made-up identifiers drawn from the demo's seeded generator, never repeated."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.npis: set[str] = set()
        self.ssns: set[str] = set()
        self.member_ids: set[str] = set()

    def npi(self) -> str:
        while True:
            candidate = npi_with_check_digit(f"1{self.rng.randrange(10**8):08d}")
            if candidate not in self.npis:
                self.npis.add(candidate)
                return candidate

    def ein(self) -> str:
        while True:
            candidate = f"{self.rng.choice(EIN_PREFIXES)}-{self.rng.randrange(10**7):07d}"
            if tin_problem(candidate) is None:
                return candidate

    def ssn(self) -> str:
        """9xx-xx-xxxx: an area that is never issued, so it is synthetic by construction."""
        while True:
            candidate = (
                f"9{self.rng.randrange(100):02d}-{self.rng.randrange(1, 100):02d}-"
                f"{self.rng.randrange(1, 10000):04d}"
            )
            if candidate not in self.ssns:
                self.ssns.add(candidate)
                return candidate

    def phone(self, area_code: str) -> str:
        return f"{area_code}-555-01{self.rng.randrange(100):02d}"

    def member_id(self, payer: PayerSpec) -> str:
        while True:
            if payer.key == "medicare":  # the MBI's shape: 1EG4-TE5-MK73
                r = self.rng
                candidate = (
                    f"{r.randrange(1, 10)}{r.choice(MBI_LETTERS)}"
                    f"{r.choice(MBI_LETTERS + '0123456789')}{r.randrange(10)}"
                    f"{r.choice(MBI_LETTERS)}{r.choice(MBI_LETTERS + '0123456789')}"
                    f"{r.randrange(10)}{r.choice(MBI_LETTERS)}{r.choice(MBI_LETTERS)}"
                    f"{r.randrange(10)}{r.randrange(10)}"
                )
            else:
                candidate = f"{payer.member_prefix}{self.rng.randrange(10**9):09d}"
            if candidate not in self.member_ids:
                self.member_ids.add(candidate)
                return candidate


# ---- the steps -----------------------------------------------------------------------


@dataclass
class PracticeBuilt:
    spec: PracticeSpec
    client: Client
    providers: list[Provider]


def practices_create(ids: Identifiers, today: datetime.date) -> list[PracticeBuilt]:
    """Three practices under active contract and one prospect, with providers and contacts."""
    built: list[PracticeBuilt] = []
    for spec in PRACTICES:
        client = client_create(
            actor=DEMO_ACTOR,
            tin=ids.ein(),
            legal_name=spec.legal_name,
            short_name=spec.short_name,
            specialty=spec.specialty,
            group_npi=ids.npi(),
            taxonomy=spec.taxonomy,
            phone=ids.phone(spec.area_code),
            time_zone=spec.time_zone,
            street1=spec.street1,
            city=spec.city,
            state=spec.state,
            zip_code=spec.zip_code,
        )
        started = today - datetime.timedelta(days=ids.rng.randrange(400, 1500))
        contract = contract_create(
            actor=DEMO_ACTOR,
            client=client,
            services=list(spec.services),
            start_date=started if spec.active else None,
            fee_percent=spec.fee_percent,
        )
        if spec.active:
            contract_transition(
                actor=DEMO_ACTOR,
                contract=contract,
                to=ContractStatus.ACTIVE,
                on=started,
                reason="agreement signed",
            )
        providers = [
            provider_create(
                actor=DEMO_ACTOR,
                client=client,
                npi=ids.npi(),
                first_name=first,
                last_name=last,
                credentials=credentials,
                taxonomy=taxonomy,
            )
            for first, last, credentials, taxonomy in spec.providers
        ]
        for name, kind in spec.contacts:
            email = f"{name.split()[0].lower()}.{name.split()[-1].lower()}@example.com"
            client_contact_create(
                actor=DEMO_ACTOR,
                client=client,
                name=name,
                kind=kind,
                phone=ids.phone(spec.area_code),
                email=email,
            )
        built.append(PracticeBuilt(spec=spec, client=client, providers=providers))
    return built


def payers_create() -> dict[str, Payer]:
    payers: dict[str, Payer] = {}
    for spec in PAYERS:
        payers[spec.key] = payer_create(
            actor=DEMO_ACTOR,
            name=spec.name,
            payer_id=spec.payer_id,
            payer_type=spec.payer_type,
            claim_filing_indicator=spec.filing_indicator,
            timely_filing_days=spec.timely_filing_days,
            appeal_days=spec.appeal_days,
            street1=spec.street1,
            city=spec.city,
            state=spec.state,
            zip_code=spec.zip_code,
        )
    return payers


def practice_codes(key: str) -> list[str]:
    """Every procedure code a practice's visits can produce (its fee schedule's rows)."""
    codes: set[str] = set()
    for kind in VISITS.get(key, ()):
        codes.update(kind.em)
        codes.update(kind.em_new)
        codes.update(code for code, *_ in kind.lines)
        if kind.preventive:
            codes.update(
                _preventive_code(age, new) for age in (5, 15, 30, 50, 70) for new in (True, False)
            )
    if not codes:  # a prospect: office visits only
        codes.update(("99202", "99203", "99204", "99212", "99213", "99214"))
    return sorted(codes)


def fee_schedules_create(
    practices: list[PracticeBuilt], payers: dict[str, Payer], today: datetime.date
) -> int:
    """One schedule per practice and payer; each payer allows a different share of base."""
    count = 0
    effective = datetime.date(today.year - 1, 1, 1)
    for practice in practices:
        codes = practice_codes(practice.spec.key)
        for spec in PAYERS:
            rates: dict[tuple[str, str], Decimal | str] = {
                (code, ""): to_money(PROCEDURES[code][0] * spec.rate_factor) for code in codes
            }
            fee_schedule_create(
                actor=DEMO_ACTOR,
                client=practice.client,
                payer=payers[spec.key],
                name=f"{spec.name} {effective.year}+ ({practice.spec.short_name})",
                effective_from=effective,
                rates=rates,
            )
            count += 1
    return count


@dataclass(frozen=True)
class PersonDraft:
    first_name: str
    middle_name: str
    last_name: str
    sex: str
    date_of_birth: datetime.date


def _person(rng: random.Random, age_range: tuple[int, int], today: datetime.date) -> PersonDraft:
    sex = "F" if rng.random() < 0.53 else "M"
    first = rng.choice(FEMALE_NAMES if sex == "F" else MALE_NAMES)
    age = rng.randint(*age_range)
    born = today.replace(month=1, day=1) - datetime.timedelta(days=age * 365 + rng.randrange(365))
    return PersonDraft(
        first_name=first,
        middle_name=rng.choice(MIDDLE_INITIAL_NAMES) if rng.random() < 0.4 else "",
        last_name=rng.choice(LAST_NAMES),
        sex=sex,
        date_of_birth=born,
    )


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _coverage_plan(rng: random.Random, age: int) -> list[str]:
    """Payer keys, primary first: Medicare at 65, Medicaid or a commercial plan below."""
    if age >= 65:
        primary = "medicare" if rng.random() < 0.9 else rng.choice(COMMERCIAL_KEYS)
        plan = [primary]
        roll = rng.random()
        if primary == "medicare" and roll < 0.22:
            plan.append(rng.choice(COMMERCIAL_KEYS))  # a supplement
        elif primary == "medicare" and roll < 0.30:
            plan.append("medicaid")  # dually eligible
        return plan
    if rng.random() < (0.38 if age < 18 else 0.18):
        return ["medicaid"]
    plan = [rng.choice(COMMERCIAL_KEYS)]
    if rng.random() < 0.06:
        plan.append(rng.choice([k for k in COMMERCIAL_KEYS if k != plan[0]]))  # spouse's plan
    return plan


def _patient_fields(
    rng: random.Random,
    ids: Identifiers,
    spec: PracticeSpec,
    number: int,
    today: datetime.date,
) -> tuple[dict[str, Any], PersonDraft | None]:
    """Fields for patient_create, and the parent (subscriber, guarantor) for a minor."""
    person = _person(rng, spec.age_range, today)
    city, zip_code = rng.choice(TOWNS[spec.key])
    street = f"{rng.randrange(1, 9800)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_KINDS)}"
    fields: dict[str, Any] = {
        "account_number": f"{spec.account_prefix}{number:07d}",
        "first_name": person.first_name,
        "middle_name": person.middle_name,
        "last_name": person.last_name,
        "date_of_birth": person.date_of_birth,
        "sex": person.sex,
        "street1": street,
        "city": city,
        "state": spec.state,
        "zip_code": zip_code,
        "phone": ids.phone(spec.area_code),
    }
    if rng.random() < 0.8:
        fields["ssn"] = ids.ssn()
    if rng.random() < 0.6:
        fields["email"] = (
            f"{person.first_name.lower()}.{person.last_name.lower().replace(chr(39), '')}"
            f"{number}@example.com"
        )
    if rng.random() < 0.12:
        fields["preferred_language"] = "es"
    parent = None
    if _age_on(person.date_of_birth, today) < 18:
        parent = _person(rng, (26, 50), today)
        parent = PersonDraft(
            parent.first_name, "", person.last_name, parent.sex, parent.date_of_birth
        )
        fields.update(
            guarantor_relationship="parent",
            guarantor_first_name=parent.first_name,
            guarantor_last_name=parent.last_name,
            guarantor_street1=street,
            guarantor_phone=fields["phone"],
        )
    return fields, parent


def patients_create(
    *,
    rng: random.Random,
    ids: Identifiers,
    practices: list[PracticeBuilt],
    payers: dict[str, Payer],
    size: DemoSize,
    today: datetime.date,
    progress: ProgressSink,
) -> dict[int, list[Patient]]:
    """Patients with coverage, shared among the active practices; batched transactions."""
    active = [p for p in practices if p.spec.active and p.spec.share > 0]
    weights = [p.spec.share for p in active]
    counters = {p.spec.key: 0 for p in active}
    window_start = today - datetime.timedelta(days=size.months * DAYS_PER_MONTH)
    payer_specs = {spec.key: spec for spec in PAYERS}
    by_client: dict[int, list[Patient]] = {p.client.pk: [] for p in active}
    progress.start("Patients and coverage", size.patients)
    done = 0
    while done < size.patients:
        batch = min(PATIENT_BATCH, size.patients - done)
        with transaction.atomic():
            for _ in range(batch):
                practice = rng.choices(active, weights)[0]
                counters[practice.spec.key] += 1
                fields, parent = _patient_fields(
                    rng, ids, practice.spec, counters[practice.spec.key], today
                )
                patient = patient_create(actor=DEMO_ACTOR, client=practice.client, **fields)
                _coverages_add(rng, ids, patient, parent, payers, payer_specs, window_start, today)
                by_client[practice.client.pk].append(patient)
        done += batch
        progress.advance(batch)
    progress.finish()
    return by_client


def _coverages_add(
    rng: random.Random,
    ids: Identifiers,
    patient: Patient,
    parent: PersonDraft | None,
    payers: dict[str, Payer],
    payer_specs: dict[str, PayerSpec],
    window_start: datetime.date,
    today: datetime.date,
) -> None:
    age = _age_on(patient.date_of_birth, today)
    plan = _coverage_plan(rng, age)
    lapsed = rng.random() < LAPSED_SHARE
    # In force for a while: from a January 1st one to eight years ago (or since birth).
    born = patient.date_of_birth
    since = max(datetime.date(today.year - rng.randrange(0, 8), 1, 1), born)
    if since > window_start:
        since = max(window_start.replace(day=1), born)
    ends = None
    if lapsed:  # ended somewhere in the demo's months, or a little before
        ends = today - datetime.timedelta(days=rng.randrange(5, (today - window_start).days + 45))
        ends = max(ends, since)
    for level, key in zip("PST", plan, strict=False):
        subscriber: dict[str, Any] = {}
        if parent is not None and key != "medicaid":  # a child is covered on a parent's plan
            subscriber = {
                "relationship": "19",
                "subscriber_first_name": parent.first_name,
                "subscriber_last_name": parent.last_name,
                "subscriber_date_of_birth": parent.date_of_birth,
                "subscriber_sex": parent.sex,
                "subscriber_street1": patient.street1,
                "subscriber_city": patient.city,
                "subscriber_state": patient.state,
                "subscriber_zip_code": patient.zip_code,
            }
        group = "" if key in ("medicare", "medicaid") else f"G{rng.randrange(10**5):05d}"
        coverage_add(
            actor=DEMO_ACTOR,
            patient=patient,
            payer=payers[key],
            priority=level,
            member_id=ids.member_id(payer_specs[key]),
            group_number=group,
            effective_from=since,
            effective_to=ends,
            **subscriber,
        )


@dataclass(frozen=True)
class VisitDraft:
    client_id: int
    patient_index: int
    day: datetime.date
    provider_index: int
    kind: VisitKind
    rolls: tuple[float, ...]  # the random draws that shape this visit's lines


def _weekdays(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days = (end - start).days + 1
    every = (start + datetime.timedelta(days=n) for n in range(days))
    return [d for d in every if d.weekday() < 5]


def visits_plan(
    *,
    rng: random.Random,
    practices: list[PracticeBuilt],
    patients: dict[int, list[Patient]],
    size: DemoSize,
    today: datetime.date,
) -> list[VisitDraft]:
    """Who is seen when, by whom, for what: drawn first, in date order, then created."""
    end = today - datetime.timedelta(days=1)
    start = today - datetime.timedelta(days=size.months * DAYS_PER_MONTH)
    days = _weekdays(start, end)
    drafts: list[VisitDraft] = []
    for practice in practices:
        people = patients.get(practice.client.pk, [])
        kinds = VISITS.get(practice.spec.key, ())
        if not people or not kinds or not days:
            continue
        count = round(len(people) * size.months * VISITS_PER_PATIENT_MONTH)
        weights = [k.weight for k in kinds]
        for _ in range(count):
            draft = VisitDraft(
                client_id=practice.client.pk,
                patient_index=rng.randrange(len(people)),
                day=rng.choice(days),
                provider_index=rng.randrange(len(practice.providers)),
                kind=rng.choices(kinds, weights)[0],
                rolls=tuple(rng.random() for _ in range(12)),
            )
            if draft.day >= people[draft.patient_index].date_of_birth:
                drafts.append(draft)
    drafts.sort(key=lambda d: (d.day, d.client_id, d.patient_index))
    return drafts


def _preventive_code(age: int, new: bool) -> str:
    """Preventive visit codes go by age band, new (9938x) or established (9939x)."""
    band = 3 if age < 12 else 4 if age < 18 else 5 if age < 40 else 6 if age < 65 else 7
    return f"99{38 if new else 39}{band}"


def encounter_input(
    draft: VisitDraft, patient: Patient, provider: Provider, *, new_patient: bool
) -> EncounterInput:
    """The visit as the practice would enter it: diagnoses, then lines pointing at them."""
    kind = draft.kind
    rolls = iter(draft.rolls)
    age = _age_on(patient.date_of_birth, draft.day)
    if kind.adults_only and age < 18:
        kind = VISITS["fm"][1]  # a child with back pain or diabetes visit: a sick visit
    principal = kind.principal[int(next(rolls) * len(kind.principal))]
    if principal == "Z00.00" and age < 18:
        principal = "Z00.129"
    diagnoses = [principal]
    if kind.secondary and next(rolls) < kind.secondary_chance:
        extra = kind.secondary[int(next(rolls) * len(kind.secondary))]
        if extra not in diagnoses:
            diagnoses.append(extra)
    side = "RT" if principal in RIGHT_SIDE else "LT" if principal in LEFT_SIDE else ""
    procedures: list[tuple[str, tuple[str, ...]]] = []
    for code, modifiers, _pointers, chance in kind.lines:
        if next(rolls) < chance:
            mods = (*modifiers, side) if kind.laterality and side else modifiers
            procedures.append((code, mods))
    visit_code = ""
    if kind.preventive:
        visit_code = _preventive_code(age, new_patient)
    elif kind.em:
        ladder = kind.em_new if new_patient and kind.em_new else kind.em
        visit_code = ladder[int(next(rolls) * len(ladder))]
    charges: list[ChargeInput] = []
    pointers = tuple(range(1, len(diagnoses) + 1))[:4]
    if visit_code:
        # A separately identifiable visit on the day of a procedure carries modifier 25.
        mods = ("25",) if any(c in ("20610",) for c, _ in procedures) else ()
        charges.append(ChargeInput(visit_code, PROCEDURES[visit_code][1], 1, mods, pointers))
    for code, mods in procedures:
        charges.append(ChargeInput(code, PROCEDURES[code][1], 1, mods, (1,)))
    if not charges:  # every visit bills something
        code = kind.em[0] if kind.em else "99212"
        charges.append(ChargeInput(code, PROCEDURES[code][1], 1, (), pointers))
    return EncounterInput(
        date_of_service=draft.day,
        rendering_provider=provider,
        place_of_service="11",
        diagnoses=diagnoses,
        charges=charges,
    )


def encounters_create(
    *,
    drafts: list[VisitDraft],
    practices: list[PracticeBuilt],
    patients: dict[int, list[Patient]],
    progress: ProgressSink,
) -> int:
    providers = {p.client.pk: p.providers for p in practices}
    seen: set[tuple[int, int]] = set()
    progress.start("Encounters", len(drafts))
    for start in range(0, len(drafts), ENCOUNTER_BATCH):
        chunk = drafts[start : start + ENCOUNTER_BATCH]
        with transaction.atomic():
            for draft in chunk:
                patient = patients[draft.client_id][draft.patient_index]
                key = (draft.client_id, draft.patient_index)
                # About a third of the people seen for the first time are new patients.
                new_patient = key not in seen and draft.rolls[-1] < 0.35
                seen.add(key)
                data = encounter_input(
                    draft,
                    patient,
                    providers[draft.client_id][draft.provider_index],
                    new_patient=new_patient,
                )
                encounter_create(actor=DEMO_ACTOR, patient=patient, data=data)
        progress.advance(len(chunk))
    progress.finish()
    return len(drafts)


@dataclass
class ClaimRun:
    claims: int = 0
    no_coverage: int = 0
    total_charge: Decimal = Decimal("0.00")


def claims_create(*, progress: ProgressSink) -> ClaimRun:
    """The revenue cycle's first step: a claim for every encounter without one."""
    run = ClaimRun()
    pending = list(
        Encounter.objects.filter(claims__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    progress.start("Claims from encounters", len(pending))
    for start in range(0, len(pending), CLAIM_BATCH):
        ids = pending[start : start + CLAIM_BATCH]
        with transaction.atomic():
            encounters = Encounter.objects.filter(pk__in=ids).select_related("patient")
            for encounter in encounters.order_by("pk"):
                try:
                    claims = claims_create_for_encounter(actor=DEMO_ACTOR, encounter=encounter)
                except ValidationFailed:
                    run.no_coverage += 1  # self-pay: no coverage in force that day
                    continue
                run.claims += len(claims)
                run.total_charge += sum((c.total_charge for c in claims), Decimal("0.00"))
        progress.advance(len(ids))
    progress.finish()
    return run


# ---- logins --------------------------------------------------------------------------

DEMO_PASSWORDS = {
    "admin": "demo-admin-pass-2026",
    "biller": "demo-biller-pass-2026",
    "compliance": "demo-compliance-pass-2026",
    "manager": "demo-manager-pass-2026",
}


def totp_secret_base32(device: Any) -> str:
    """The device's key as the base32 text authenticator apps take."""
    return base64.b32encode(bytes.fromhex(device.key)).decode("ascii").rstrip("=")


def _practice_label(user: Any, extra: dict[str, Any]) -> str:
    if user.client is not None:
        return str(user.client.legal_name)
    if "assigned_clients" in extra:
        return f"{len(extra['assigned_clients'])} assigned practices"
    return "every practice"


def logins_create(practices: list[PracticeBuilt]) -> list[DemoLogin]:
    """An administrator, a biller, a compliance officer (staff, MFA), a practice manager."""
    from openrcm.accounts.services import mfa_totp_enroll, user_create

    active = [p.client for p in practices if p.spec.active]
    first_practice = active[0]
    people: list[tuple[str, str, str, str, dict[str, Any]]] = [
        ("admin", "administrator", "Avery", "Admin", {}),
        ("biller", "biller", "Blake", "Biller", {"assigned_clients": active}),
        ("compliance", "compliance", "Casey", "Compliance", {}),
        ("manager", "client_manager", "Grace", "Holloway", {"client": first_practice}),
    ]
    logins: list[DemoLogin] = []
    for username, role, first, last, extra in people:
        user = user_create(
            actor=DEMO_ACTOR,
            username=username,
            password=DEMO_PASSWORDS[username],
            role=role,
            email=f"{username}@example.com",
            first_name=first,
            last_name=last,
            **extra,
        )
        secret = url = ""
        if user.mfa_required:
            device = mfa_totp_enroll(actor=DEMO_ACTOR, user=user, confirmed=True)
            secret, url = totp_secret_base32(device), device.config_url
        logins.append(
            DemoLogin(
                username=username,
                password=DEMO_PASSWORDS[username],
                role=user.get_role_display(),
                practice=_practice_label(user, extra),
                totp_secret=secret,
                otpauth_url=url,
            )
        )
    return logins


# ---- everything ----------------------------------------------------------------------


def demo_build(
    *,
    size: DemoSize,
    progress: ProgressSink | None = None,
    today: datetime.date | None = None,
    before_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Build the demo company into an empty, migrated database; time every step."""
    progress = progress or SilentProgress()
    today = today or timezone.localdate()
    rng = random.Random(size.seed)  # noqa: S311  # synthetic data, reproducible on purpose
    ids = Identifiers(rng)
    result = DemoResult(size=size)

    def announce(name: str) -> None:
        if before_step is not None:
            before_step(name)

    announce("Practices, contracts, providers, contacts")
    with timed_step(result, "Practices, contracts, providers, contacts") as step:
        with transaction.atomic():
            practices = practices_create(ids, today)
        providers = sum(len(p.providers) for p in practices)
        step.detail = f"{len(practices)} practices, {providers} providers"
    announce("Payers and fee schedules")
    with timed_step(result, "Payers and fee schedules") as step, transaction.atomic():
        payers = payers_create()
        schedules = fee_schedules_create(practices, payers, today)
        step.detail = f"{len(payers)} payers, {schedules} fee schedules"
    with timed_step(result, "Patients and coverage") as step:
        patients = patients_create(
            rng=rng,
            ids=ids,
            practices=practices,
            payers=payers,
            size=size,
            today=today,
            progress=progress,
        )
        step.detail = f"{sum(len(v) for v in patients.values())} patients"
    with timed_step(result, "Encounters") as step:
        drafts = visits_plan(
            rng=rng, practices=practices, patients=patients, size=size, today=today
        )
        encounters = encounters_create(
            drafts=drafts, practices=practices, patients=patients, progress=progress
        )
        step.detail = f"{encounters} encounters over {size.months} month(s)"
    with timed_step(result, "Claims from encounters") as step:
        run = claims_create(progress=progress)
        step.detail = (
            f"{run.claims} claims, ${run.total_charge:,.2f} charged; "
            f"{run.no_coverage} visits with no coverage in force (self-pay)"
        )
    announce("Claim cycle: scrub, 837P batches, clearinghouse, 999/277CA")
    with timed_step(result, "Claim cycle: scrub, 837P batches, clearinghouse, 999/277CA") as step:
        cycle = claims_cycle_run(actor=DEMO_ACTOR, progress=progress)
        step.detail = (
            f"{cycle['ready']} ready, {cycle['held']} held by the scrubber; "
            f"{cycle['batched_claims']} claims in {cycle['batches']} batches; "
            f"{cycle['accepted']} accepted, {cycle['rejected']} rejected"
        )
    announce("Remittance: sandbox payer ERAs, posting, secondary claims")
    with timed_step(result, "Remittance: sandbox payer ERAs, posting, secondary claims") as step:
        from openrcm.remittance.cycle import remittance_cycle_run

        step.detail = remittance_cycle_run(actor=DEMO_ACTOR)["summary"]
    announce("Secondary claims: the primary's adjudication to the secondary payer")
    with timed_step(
        result, "Secondary claims: the primary's adjudication to the secondary payer"
    ) as step:
        from openrcm.remittance.cycle import remittance_cycle_run

        second = claims_cycle_run(actor=DEMO_ACTOR, progress=progress)
        second_paid = remittance_cycle_run(actor=DEMO_ACTOR)
        step.detail = (
            f"{second['batched_claims']} claims in {second['batches']} batches with the "
            f"other-payer loops, {second['accepted']} accepted; then {second_paid['summary']}"
        )
    announce("Denial work queue and underpayments")
    with timed_step(result, "Denial work queue and underpayments") as step:
        from openrcm.denials.models import DenialItem, UnderpaymentItem

        step.detail = (
            f"{DenialItem.objects.count()} denials to work, "
            f"{UnderpaymentItem.objects.count()} underpaid lines"
        )
    announce("Eligibility: 270/271 for the next visit day")
    with timed_step(result, "Eligibility: 270/271 for the next visit day") as step:
        from openrcm.eligibility.services import eligibility_check_for_date, eligibility_default_day

        eligibility = eligibility_check_for_date(
            actor=DEMO_ACTOR, day=eligibility_default_day(today), progress=progress
        )
        step.detail = eligibility.summary()
    announce("Demo logins")
    with timed_step(result, "Demo logins") as step, transaction.atomic():
        result.logins = logins_create(practices)
        step.detail = f"{len(result.logins)} users"
    result.claim_total = run.total_charge
    result.counts = {
        "practices": len(practices),
        "providers": sum(len(p.providers) for p in practices),
        "payers": len(payers),
        "fee_schedules": schedules,
        "patients": sum(len(v) for v in patients.values()),
        "encounters": encounters,
        "claims": run.claims,
        "self_pay_visits": run.no_coverage,
        "claims_held": cycle["held"],
        "claims_batched": cycle["batched_claims"],
        "claims_accepted": cycle["accepted"],
        "claims_rejected": cycle["rejected"],
    }
    announce("Communications: a client conversation, STOP and HELP, refusals, a lead")
    with timed_step(result, "Communications: conversation, STOP/HELP, refusals, a lead") as step:
        from openrcm.messaging.demo import messaging_demo

        comms = messaging_demo(actor=DEMO_ACTOR)
        step.detail = comms.detail
    result.counts.update(comms.counts)
    return result
