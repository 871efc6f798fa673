"""Writing and checking the audit trail."""

from __future__ import annotations

import csv
import getpass
import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from openrcm.core.actor import Actor
from openrcm.privacy.models import AuditAction, AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "sequence",
    "at",
    "actor",
    "user_id",
    "role",
    "client_id",
    "action",
    "object_type",
    "object_id",
    "changes",
    "detail",
    "ip",
    "user_agent",
    "request_id",
)


def audit_row_hash(prev_hash: str, row: dict[str, Any]) -> str:
    content = {name: row.get(name) for name in HASHED_FIELDS}
    content["at"] = row["at"].isoformat() if row.get("at") else None
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


def _object_ref(obj: models.Model | None) -> tuple[str, str, int | None]:
    if obj is None:
        return "", "", None
    client_id = getattr(obj, "client_id", None)
    if client_id is None and obj._meta.label_lower == "clients.client":
        client_id = obj.pk
    return obj._meta.label_lower, str(obj.pk), client_id


@transaction.atomic
def audit_record(
    *,
    actor: Actor,
    action: AuditAction | str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    detail: str = "",
    client_id: int | None = None,
) -> AuditEvent:
    """Append one audit row in the caller's transaction (rolled back with it)."""
    object_type, object_id, obj_client = _object_ref(obj)
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    user = actor.user
    row: dict[str, Any] = {
        "sequence": head.last_sequence + 1,
        "at": timezone.now(),
        "actor": actor.label[:150],
        "user_id": actor.user_id,
        "role": getattr(user, "role", "") or "",
        "client_id": client_id if client_id is not None else obj_client,
        "action": str(action),
        "object_type": object_type,
        "object_id": object_id,
        "changes": changes or {},
        "detail": detail[:255],
        "ip": _normalized_ip(actor.ip),
        "user_agent": (actor.user_agent or "")[:255],
        "request_id": actor.request_id or "",
    }
    row_hash = audit_row_hash(head.last_hash, row)
    event = AuditEvent.objects.create(**row, prev_hash=head.last_hash, row_hash=row_hash)
    head.last_sequence = row["sequence"]
    head.last_hash = row_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return event


def _normalized_ip(raw: str | None) -> str | None:
    """The address as the database will store it (so the hash verifies on read-back)."""
    if not raw:
        return None
    try:
        ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    prepared: str = AuditEvent._meta.get_field("ip").get_prep_value(raw.strip())
    return prepared


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str


def audit_chain_verify() -> ChainBreak | None:
    """Walk the chain in order; the first row that does not verify, or None."""
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    fields = [*HASHED_FIELDS, "prev_hash", "row_hash"]
    for row in AuditEvent.objects.order_by("sequence").values(*fields).iterator(chunk_size=2000):
        if row["sequence"] != expected_sequence:
            return ChainBreak(
                expected_sequence,
                f"row {expected_sequence} is missing (next row found is {row['sequence']})",
            )
        if row["prev_hash"] != expected_prev:
            return ChainBreak(row["sequence"], "its link to the row before does not match")
        if audit_row_hash(row["prev_hash"], row) != row["row_hash"]:
            return ChainBreak(row["sequence"], "its content was changed after it was written")
        expected_prev = row["row_hash"]
        expected_sequence += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_sequence != expected_sequence - 1:
        return ChainBreak(
            expected_sequence,
            f"rows {expected_sequence}..{head.last_sequence} at the end of the trail are missing",
        )
    if head is not None and head.last_sequence and head.last_hash != expected_prev:
        return ChainBreak(head.last_sequence, "the last row does not match the chain head")
    return None


def changes_between(
    before: dict[str, Any], after: dict[str, Any], *, secret: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Field → [old, new] for what changed; secret fields say only that they changed."""
    diff: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        diff[name] = "changed" if name in secret else [_plain(old), _plain(new)]
    return diff


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def audit_read(
    request: HttpRequest, obj: models.Model, *, via: str = "page", detail: str = ""
) -> AuditEvent:
    """Record that the signed-in user of ``request`` was shown ``obj`` (a patient record).

    Views, API routes, exports and PDFs call it for every record they show. ``via`` says
    how ("page", "api", "export", "pdf").
    """
    from openrcm.core.middleware import request_actor

    actor = getattr(request, "actor", None) or request_actor(request)
    text = f"{via}: {detail}" if detail else via
    return audit_record(actor=actor, action=AuditAction.READ, obj=obj, detail=text)


AUDIT_EXPORT_COLUMNS = (
    "sequence",
    "at",
    "actor",
    "user_id",
    "role",
    "client_id",
    "action",
    "object_type",
    "object_id",
    "changes",
    "detail",
    "ip",
    "user_agent",
    "request_id",
    "prev_hash",
    "row_hash",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        text = json.dumps(value, sort_keys=True, default=str)
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    else:
        text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def audit_export_rows(rows: Iterable[AuditEvent]) -> Iterator[list[str]]:
    """The CSV header, then one list of cells per audit row."""
    yield list(AUDIT_EXPORT_COLUMNS)
    for event in rows:
        yield [_csv_cell(getattr(event, name)) for name in AUDIT_EXPORT_COLUMNS]


def audit_rows_until_now(rows: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """``rows`` limited to what exists now (rows appended later are left out)."""
    head = AuditChainHead.objects.filter(pk=1).first()
    return rows.filter(sequence__lte=head.last_sequence if head else 0)


def audit_export_record(*, actor: Actor, row_count: int, description: str) -> AuditEvent:
    """An export of the audit trail is itself an audited event."""
    return audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        detail=f"audit trail export, {row_count} rows: {description}"[:255],
    )


def audit_export_csv(
    *, actor: Actor, rows: QuerySet[AuditEvent], out: TextIO | Any, description: str
) -> int:
    """Write ``rows`` as CSV to ``out`` and audit the export; the number of rows written.

    The export row is written first (an export that fails midway still leaves a trace)
    and is not part of the file: only rows that existed when the export began are.
    """
    rows = audit_rows_until_now(rows)
    count = rows.count()
    audit_export_record(actor=actor, row_count=count, description=description)
    writer = csv.writer(out)
    for cells in audit_export_rows(rows.order_by("sequence").iterator(chunk_size=2000)):
        writer.writerow(cells)
    return count


def cli_actor(command: str) -> Actor:
    """The actor of a command-line run: the command and the operating-system account."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(label=f"cli:{command}:{who}"[:150])
