"""The embedded sandbox clearinghouse: a simulated clearinghouse and payer front end.

It reads the 837P files openrcm sends (with ``openrcm.x12.iter_transaction_sets``) and
answers each with a 999 (the file's syntax verdict) and a 277CA (claim by claim: accepted
into adjudication, or rejected with a status code). Its mailbox is a folder
(``settings.OPENRCM_SANDBOX_DIR``, default ``VAR_DIR/"sandbox"``): ``received/`` holds what
it was sent, ``outbox/`` the answers waiting, ``collected/`` the answers fetched.

Everything it decides is a pure function of the file, the seed and the reject rate, so
the same 837P always gets byte-for-byte the same answers. Its front-end edits (STC01):

====================  ===========================================================
A7:562:85             the billing provider's NPI fails the check digit
A7:562:82             the rendering provider's NPI fails the check digit
A7:400                CLM02 is not the sum of the lines' SV102
A7:187                a date of service is after the day the file was created
A7:164:IL             the member is "not on file": chosen by the seeded draw, for
                      ``reject_percent`` percent of members (0 by default)
A2:20                 otherwise: accepted, with a made-up payer claim number (REF*1K)
====================  ===========================================================

Adjudication (835 ERAs for the accepted claims) is the next step: see
:meth:`SandboxClearinghouse.adjudicate`, the hook it will fill.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings

from openrcm.clearinghouse.base import Clearinghouse, ClearinghouseError
from openrcm.x12 import X12Error, iter_transaction_sets
from openrcm.x12.write import InterchangeSettings, PersonName, is_valid_npi
from openrcm.x12.write.ack277ca import (
    Acknowledgment277CA,
    ClaimAcknowledgment,
    ClaimStatusCode,
    ProviderAcknowledgment,
    write_277ca,
)
from openrcm.x12.write.ack999 import Acknowledgment999, SetAcknowledgment, write_999

SANDBOX_ID = "OPENRCMSANDBOX"
CLAIM_REFERENCE = "005010X222A1"
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}")


@dataclass
class _SeenClaim:
    control_number: str
    total: Decimal
    billing_name: str
    billing_npi: str
    patient: PersonName
    member_id: str
    payer_name: str
    payer_id: str
    rendering_npi: str = ""
    line_sum: Decimal = Decimal(0)
    service_dates: list[datetime.date] = field(default_factory=list)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        return Decimal(0)


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text[:8], "%Y%m%d").date()  # noqa: DTZ007 - a date
    except ValueError:
        return None


def _draw(seed: int, *parts: str) -> int:
    digest = hashlib.sha256(":".join((str(seed), *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def member_rejected(seed: int, payer_id: str, member_id: str, reject_percent: int) -> bool:
    """The sandbox's seeded draw: is this member "not on file" with this payer?"""
    return _draw(seed, payer_id, member_id) % 100 < reject_percent


def _claims_of(segments: list[tuple[str, tuple[str, ...]]], component: str) -> list[_SeenClaim]:
    claims: list[_SeenClaim] = []
    billing = ("", "")
    subscriber = (PersonName("UNKNOWN"), "")
    patient: PersonName | None = None
    payer = ("", "")
    current: _SeenClaim | None = None
    for tag, e in segments:

        def el(n: int, e: tuple[str, ...] = e) -> str:
            return e[n - 1] if len(e) >= n else ""

        if tag in ("HL", "SE"):
            current = None
            if tag == "HL" and el(3) == "22":
                patient = None
        elif tag == "NM1":
            name = PersonName(el(3) or "UNKNOWN", el(4), el(5), el(7))
            entity = el(1)
            if entity == "85":
                billing = (el(3), el(9))
            elif entity == "IL":
                subscriber = (name, el(9))
            elif entity == "QC":
                patient = name
            elif entity == "PR" and current is None:
                payer = (el(3), el(9))
            elif entity == "82" and current is not None:
                current.rendering_npi = el(9)
        elif tag == "CLM":
            current = _SeenClaim(
                el(1), _decimal(el(2)), billing[0], billing[1],
                patient or subscriber[0], subscriber[1], payer[0], payer[1],
            )  # fmt: skip
            claims.append(current)
        elif tag == "SV1" and current is not None:
            current.line_sum += _decimal(el(2))
        elif tag == "DTP" and current is not None and el(1) == "472":
            found = _date(el(3).split("-")[-1])
            if found is not None:
                current.service_dates.append(found)
    return claims


def _status(claim: _SeenClaim, created: datetime.date, seed: int, percent: int) -> ClaimStatusCode:
    if not is_valid_npi(claim.billing_npi):
        return ClaimStatusCode("A7", "562", "85")
    if claim.rendering_npi and not is_valid_npi(claim.rendering_npi):
        return ClaimStatusCode("A7", "562", "82")
    if claim.line_sum != claim.total:
        return ClaimStatusCode("A7", "400")
    if any(day > created for day in claim.service_dates):
        return ClaimStatusCode("A7", "187")
    if member_rejected(seed, claim.payer_id, claim.member_id, percent):
        return ClaimStatusCode("A7", "164", "IL")
    return ClaimStatusCode("A2", "20")


def _envelope_fallback(data: bytes) -> tuple[str, str, str]:
    """(ISA06, GS06, ST02) read loosely from a file the reader refused."""
    text = data.decode("ascii", "replace")
    element = text[3:4] or "*"
    parts = [s.strip().split(element) for s in re.split(r"[~\n]", text) if s.strip()]
    found = {p[0]: p for p in parts if p and p[0] in ("ISA", "GS", "ST")}
    isa, gs, st = found.get("ISA", []), found.get("GS", []), found.get("ST", [])
    return (
        isa[6].strip() if len(isa) > 6 else "UNKNOWN",
        gs[6] if len(gs) > 6 else "0",
        st[2] if len(st) > 2 else "0000",
    )


def sandbox_answer(
    file_name: str, data: bytes, *, seed: int = 0, reject_percent: int = 0
) -> list[tuple[str, bytes]]:
    """The sandbox's answers to one 837P file: a 999, and a 277CA when the file was
    accepted. A pure function: the same input always gives the same bytes."""
    stem = Path(file_name).stem
    try:
        sets = list(iter_transaction_sets(data))
    except X12Error as exc:
        sender, group, st = _envelope_fallback(data)
        ack = Acknowledgment999(
            "HC", group if group.isdigit() else "0", CLAIM_REFERENCE,
            (SetAcknowledgment("837", st if len(st) >= 4 else "0000", "R", "", ("5",)),),
            "R", 1, 1, 0,
        )  # fmt: skip
        control = int(group) if group.isdigit() and 0 < int(group) < 10**9 else 1
        settings_ = InterchangeSettings(
            sender_id=SANDBOX_ID,
            receiver_id=sender[:15] or "UNKNOWN",
            interchange_control_number=control,
            group_control_number=control,
            transaction_set_control_number=1,
            created_at=datetime.datetime(2000, 1, 1),  # noqa: DTZ001 - no date could be read
        )
        del exc
        return [(f"{stem}.999", write_999(settings_, ack))]
    first = sets[0].envelope
    created_date = _date(first.group.date) or datetime.date(2000, 1, 1)
    hhmm = first.group.time[:4].ljust(4, "0")
    created = datetime.datetime.combine(
        created_date, datetime.time(int(hhmm[:2]) % 24, int(hhmm[2:]) % 60)
    )
    interchange = InterchangeSettings(
        sender_id=SANDBOX_ID,
        receiver_id=first.interchange.sender_id.strip()[:15] or "UNKNOWN",
        interchange_control_number=int(first.interchange.control_number) or 1,
        group_control_number=int(first.group.control_number) or 1,
        transaction_set_control_number=1,
        created_at=created,
    )
    acks: list[SetAcknowledgment] = []
    claims: list[_SeenClaim] = []
    bht_reference = ""
    for ts in sets:
        envelope = ts.envelope
        ok = envelope.transaction_set_id == "837" and (
            envelope.implementation_reference or envelope.group.version
        ).startswith(CLAIM_REFERENCE)
        acks.append(
            SetAcknowledgment(
                envelope.transaction_set_id,
                envelope.control_number,
                "A" if ok else "R",
                envelope.implementation_reference,
                () if ok else ("1",),
            )
        )
        if ok:
            segments = [(s.id, s.elements) for s in ts.segments]
            bht_reference = bht_reference or next(
                (e[2] for tag, e in segments if tag == "BHT" and len(e) > 2), ""
            )
            claims += _claims_of(segments, envelope.interchange.delimiters.component)
    accepted_sets = sum(1 for a in acks if a.status == "A")
    group_status = "A" if accepted_sets == len(acks) else ("R" if not accepted_sets else "P")
    ack999 = Acknowledgment999(
        first.group.functional_id,
        first.group.control_number,
        first.group.version,
        tuple(acks),
        group_status,
        len(acks),
        len(acks),
        accepted_sets,
    )
    answers = [(f"{stem}.999", write_999(interchange, ack999))]
    if not claims:
        return answers
    by_provider: dict[tuple[str, str], list[ClaimAcknowledgment]] = {}
    for claim in claims:
        status = _status(claim, created_date, seed, reject_percent)
        accepted = status.category == "A2"
        number = f"SBX{_draw(seed, 'icn', claim.control_number) % 10**12:012d}"
        by_provider.setdefault((claim.billing_name or "UNKNOWN", claim.billing_npi), []).append(
            ClaimAcknowledgment(
                patient_control_number=claim.control_number,
                patient=claim.patient,
                member_id=claim.member_id or "UNKNOWN",
                status=status,
                charge=claim.total,
                service_start=min(claim.service_dates, default=created_date),
                service_end=max(claim.service_dates, default=created_date),
                payer_claim_number=number if accepted else "",
            )
        )
    ack277 = Acknowledgment277CA(
        reference=f"SBX{interchange.interchange_control_number:09d}",
        created=created,
        payer_name=claims[0].payer_name or "SANDBOX PAYER",
        payer_id=claims[0].payer_id or SANDBOX_ID,
        receiver_name=interchange.receiver_id,
        receiver_id=interchange.receiver_id,
        batch_reference=bht_reference or stem[:50],
        providers=tuple(
            ProviderAcknowledgment(n, npi, tuple(c)) for (n, npi), c in by_provider.items()
        ),
    )
    answers.append((f"{stem}.277CA", write_277ca(interchange, ack277)))
    return answers


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class SandboxClearinghouse(Clearinghouse):
    """The embedded default clearinghouse (see the module docstring)."""

    def __init__(self, root: Path, *, seed: int = 0, reject_percent: int = 0) -> None:
        if not 0 <= reject_percent <= 100:
            raise ClearinghouseError(f"reject_percent {reject_percent} must be 0 to 100")
        self.root = Path(root)
        self.seed = seed
        self.reject_percent = reject_percent
        self.received = self.root / "received"
        self.outbox = self.root / "outbox"
        self.collected = self.root / "collected"
        for folder in (self.received, self.outbox, self.collected):
            folder.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def _checked(name: str) -> str:
        if _SAFE_NAME.fullmatch(name) is None:
            raise ClearinghouseError(f"{name!r} is not a file name the sandbox accepts")
        return name

    @staticmethod
    def _submission_id(data: bytes) -> str:
        return f"SBX-{hashlib.sha256(data).hexdigest()[:16]}"

    def submit(self, file_name: str, data: bytes) -> str:
        target = self.received / self._checked(file_name)
        if target.exists():
            raise ClearinghouseError(
                f"the sandbox already received a file named {file_name}; not sent again",
                code="clearinghouse_duplicate",
            )
        _write_atomic(target, data)
        for name, answer in sandbox_answer(
            file_name, data, seed=self.seed, reject_percent=self.reject_percent
        ):
            _write_atomic(self.outbox / name, answer)
        self.adjudicate(file_name, data)
        return self._submission_id(data)

    def adjudicate(self, file_name: str, data: bytes) -> None:
        """Answer the accepted claims of ``file_name`` with 835 ERAs, held in ``payer/``
        until ``sandbox_release_eras`` moves them to the outbox (see sandbox_payer)."""
        from openrcm.clearinghouse.sandbox_payer import sandbox_adjudicate

        sandbox_adjudicate(self, file_name, data)

    def find_submission(self, file_name: str) -> str | None:
        target = self.received / self._checked(file_name)
        return self._submission_id(target.read_bytes()) if target.exists() else None

    def fetch_responses(self) -> list[tuple[str, bytes]]:
        return [
            (path.name, path.read_bytes())
            for path in sorted(self.outbox.iterdir())
            if path.is_file() and not path.name.startswith(".")
        ]

    def remove_response(self, name: str) -> None:
        source = self.outbox / self._checked(name)
        if source.exists():
            os.replace(source, self.collected / name)

    def inquire(self, data: bytes) -> bytes:
        """Real-time 270 -> 271 and 276 -> 277: see ``sandbox_eligibility``."""
        from openrcm.clearinghouse.sandbox_eligibility import sandbox_inquiry_answer

        return sandbox_inquiry_answer(self, data)


def sandbox_from_settings() -> SandboxClearinghouse:
    root = getattr(settings, "OPENRCM_SANDBOX_DIR", None) or Path(settings.VAR_DIR) / "sandbox"
    return SandboxClearinghouse(
        Path(root),
        seed=int(getattr(settings, "OPENRCM_SANDBOX_SEED", 0)),
        reject_percent=int(getattr(settings, "OPENRCM_SANDBOX_REJECT_PERCENT", 0)),
    )
