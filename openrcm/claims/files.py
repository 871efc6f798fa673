"""Keeping the files exchanged with clearinghouses, byte for byte, in Django's storage.

Stored under ``exchange/<direction>/<yyyy>/<mm>/<sha256>-<name>`` in the default storage
(a ``FileSystemStorage`` at ``MEDIA_ROOT`` = ``VAR_DIR/"files"`` unless a deployment
configures another). The row is written in the caller's transaction; the bytes are
written first, so a row never points at a missing file (a rolled-back transaction may
leave an unreferenced file behind, which is harmless: the name is content-addressed).
"""

from __future__ import annotations

import datetime
import hashlib
import re

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from openrcm.claims.models import ClaimBatch, ExchangedFile

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def exchanged_file_store(
    *,
    direction: str,
    kind: str,
    name: str,
    data: bytes,
    clearinghouse: str = "",
    client_id: int | None = None,
    batch: ClaimBatch | None = None,
    at: datetime.datetime | None = None,
) -> ExchangedFile:
    """Store the bytes and create the ``ExchangedFile`` row (call inside a service's
    transaction; the caller audits)."""
    at = at or timezone.now()
    sha = sha256_of(data)
    safe = _UNSAFE.sub("_", name)[-120:] or "file"
    path = f"exchange/{direction}/{at:%Y}/{at:%m}/{sha}-{safe}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(data))
    return ExchangedFile.objects.create(
        client_id=client_id,
        direction=direction,
        kind=kind,
        clearinghouse=clearinghouse,
        name=name[:255],
        sha256=sha,
        size=len(data),
        storage_path=path,
        at=at,
        batch=batch,
    )


def exchanged_file_bytes(file: ExchangedFile) -> bytes:
    """The stored content, checked against its SHA-256."""
    with default_storage.open(file.storage_path, "rb") as handle:
        data: bytes = handle.read()
    if sha256_of(data) != file.sha256:
        raise OSError(
            f"stored file {file.storage_path} does not match its SHA-256: it was changed after "
            "it was stored"
        )
    return data
