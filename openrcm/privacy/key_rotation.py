"""Field-encryption key rotation: which key encrypted what, and re-encrypting under the new one.

Rotation: generate a key (``openrcm keys new --id k2``), put it FIRST in
``OPENRCM_FIELD_KEYS`` (keep the old ones after it), restart, then ``openrcm keys rotate``.
Every encrypted column of every model is read in primary-key batches, and each value not
under the current key is decrypted and encrypted again under it. Each batch is one
transaction; a value is written back only if it is still the value that was read (so a
concurrent edit is never overwritten). ``openrcm keys status`` then shows no value under
the old key, and the old key can be removed from the setting.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction

from openrcm.core.actor import Actor
from openrcm.core.crypto import PREFIX, FieldCipher, field_cipher
from openrcm.core.fields import EncryptedTextField
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record

PLAINTEXT = "(not encrypted)"


@dataclass(frozen=True)
class EncryptedColumn:
    model: type[models.Model]
    table: str
    column: str
    pk_column: str

    @property
    def label(self) -> str:
        return f"{self.table}.{self.column}"


def encrypted_columns() -> list[EncryptedColumn]:
    """Every encrypted column of every installed model, in a stable order."""
    found: list[EncryptedColumn] = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        for f in meta.local_fields:
            if isinstance(f, EncryptedTextField):
                found.append(EncryptedColumn(model, meta.db_table, f.column, meta.pk.column))
    return sorted(found, key=lambda c: c.label)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _batches(col: EncryptedColumn, batch_size: int) -> Iterator[list[tuple[Any, str]]]:
    """(pk, stored value) of non-empty values, in primary-key batches."""
    last: Any = None
    while True:
        sql = (
            f"SELECT {_q(col.pk_column)}, {_q(col.column)} FROM {_q(col.table)} "  # noqa: S608  # names from model metadata
            f"WHERE {_q(col.column)} IS NOT NULL AND {_q(col.column)} <> ''"
        )
        params: list[Any] = []
        if last is not None:
            sql += f" AND {_q(col.pk_column)} > %s"
            params.append(last)
        sql += f" ORDER BY {_q(col.pk_column)} LIMIT %s"
        params.append(batch_size)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [(pk, str(value)) for pk, value in cursor.fetchall()]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def field_keys_status(batch_size: int = 2000) -> dict[str, Counter[str]]:
    """Per encrypted column: how many values each key id encrypted (or none: plaintext)."""
    status: dict[str, Counter[str]] = {}
    for col in encrypted_columns():
        counts: Counter[str] = Counter()
        for rows in _batches(col, batch_size):
            for _, stored in rows:
                counts[FieldCipher.key_id_of(stored) or PLAINTEXT] += 1
        status[col.label] = counts
    return status


@dataclass
class RotationReport:
    current_key: str
    reencrypted: Counter[str] = field(default_factory=Counter)  # column → values rewritten
    already_current: int = 0
    changed_meanwhile: int = 0

    @property
    def total(self) -> int:
        return sum(self.reencrypted.values())


def field_keys_rotate(
    *,
    actor: Actor,
    batch_size: int = 500,
    progress: Callable[[str, int], None] | None = None,
) -> RotationReport:
    """Re-encrypt every value that is not under the current (first) key; audited."""
    cipher = field_cipher()
    report = RotationReport(current_key=cipher.current_kid)
    for col in encrypted_columns():
        context = col.label
        for rows in _batches(col, batch_size):
            with transaction.atomic(), connection.cursor() as cursor:
                for pk, stored in rows:
                    if stored.startswith(PREFIX):
                        if FieldCipher.key_id_of(stored) == cipher.current_kid:
                            report.already_current += 1
                            continue
                        plaintext = cipher.decrypt(stored, context=context)
                    else:
                        plaintext = stored  # written before the column was encrypted
                    cursor.execute(
                        f"UPDATE {_q(col.table)} SET {_q(col.column)} = %s "  # noqa: S608  # names from model metadata
                        f"WHERE {_q(col.pk_column)} = %s AND {_q(col.column)} = %s",
                        [cipher.encrypt(plaintext, context=context), pk, stored],
                    )
                    if cursor.rowcount == 1:
                        report.reencrypted[col.label] += 1
                    else:
                        report.changed_meanwhile += 1
            if progress is not None:
                progress(col.label, report.reencrypted[col.label])
    audit_record(
        actor=actor,
        action=AuditAction.KEYS_ROTATED,
        changes=dict(sorted(report.reencrypted.items())),
        detail=(
            f"re-encrypted {report.total} values under key {report.current_key!r}; "
            f"{report.already_current} were current, {report.changed_meanwhile} changed meanwhile"
        ),
    )
    return report
