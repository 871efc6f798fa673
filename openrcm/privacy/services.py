"""Writing and checking the audit trail."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
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
        "ip": actor.ip,
        "user_agent": (actor.user_agent or "")[:255],
        "request_id": actor.request_id or "",
    }
    row_hash = audit_row_hash(head.last_hash, row)
    event = AuditEvent.objects.create(**row, prev_hash=head.last_hash, row_hash=row_hash)
    head.last_sequence = row["sequence"]
    head.last_hash = row_hash
    head.save(update_fields=["last_sequence", "last_hash"])
    return event


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
