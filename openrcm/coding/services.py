"""Loading code-set releases: one transaction per load, never a silent replacement."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from openrcm.codesets.entries import to_stored
from openrcm.codesets.errors import CodeSetFileError, FileProblem
from openrcm.codesets.icd10cm import build_icd10cm_index, forget_loaded_indexes, icd10cm_index
from openrcm.codesets.loaders import read_code_set
from openrcm.codesets.release import LOADABLE_KINDS, CodeSetKind, Release
from openrcm.coding.models import CodeSetEntry, CodeSetRelease
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record

BATCH = 2000
ONE_DAY = datetime.timedelta(days=1)


class CodeSetLoadError(ApplicationError):
    """A code-set file that cannot be loaded; ``problems`` names file, line and field."""

    code = "codeset_file_invalid"

    def __init__(self, message: str, problems: Sequence[FileProblem] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class LoadOutcome:
    release: CodeSetRelease
    created: bool  # False: this very file was loaded before; nothing changed
    message: str
    ended: list[CodeSetRelease] = field(default_factory=list)


def file_sha256(paths: Sequence[Path]) -> str:
    """One digest for a release's file(s), in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def codeset_load(
    *,
    actor: Actor,
    kind: str,
    paths: Sequence[Path],
    effective_from: datetime.date | None = None,
    effective_to: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LoadOutcome:
    """Load one release of a code set from its official file(s).

    The same file again is a no-op that says so. A release overlapping an earlier one of
    the same kind and variant ends that one the day before it starts. Everything happens
    in one transaction: a file with any bad row stores nothing, and the error names every
    bad row by file, line and field. ``progress(done_lines, total_lines)`` is called as
    records are stored.
    """
    try:
        code_set = CodeSetKind(kind)
    except ValueError:
        names = ", ".join(k.value for k in LOADABLE_KINDS)
        raise ApplicationError(f"{kind!r} is not a code set; use one of {names}") from None
    if code_set not in LOADABLE_KINDS:
        raise ApplicationError("ICD-10-CM is built from its package: run build-icd10")
    for path in paths:
        if not path.is_file():
            raise ApplicationError(f"{path} does not exist or is not a file", field="file")
    try:
        parsed = read_code_set(
            code_set, list(paths), effective_from=effective_from, effective_to=effective_to
        )
        return _store(actor, parsed.release, file_sha256(paths), parsed, progress)
    except CodeSetFileError as exc:
        raise CodeSetLoadError(str(exc), exc.problems) from exc
    except (UnicodeDecodeError, ValueError) as exc:
        raise CodeSetLoadError(f"{paths[0].name}: cannot be read as a {kind} file: {exc}") from exc


@transaction.atomic
def _store(
    actor: Actor,
    release: Release,
    sha256: str,
    records: object,
    progress: Callable[[int, int], None] | None,
) -> LoadOutcome:
    existing = CodeSetRelease.objects.filter(
        kind=release.kind, variant=release.variant, sha256=sha256
    ).first()
    if existing is not None:
        return LoadOutcome(
            existing,
            created=False,
            message=(
                f"{release.source_name} is already loaded as {existing.label} (loaded "
                f"{existing.loaded_at:%Y-%m-%d %H:%M} by {existing.loaded_by}); nothing changed"
            ),
        )
    row = CodeSetRelease.objects.create(
        kind=release.kind,
        variant=release.variant,
        label=release.label,
        effective_from=release.effective_from,
        effective_to=release.effective_to,
        source_name=release.source_name[:500],
        sha256=sha256,
        loaded_by=actor.label[:150],
    )
    total = 0
    lines = records.line_count() if progress is not None else 0  # type: ignore[attr-defined]
    batch: list[CodeSetEntry] = []
    for record in records:  # type: ignore[attr-defined]
        stored = to_stored(record)
        batch.append(
            CodeSetEntry(
                release=row, code=stored.code, code2=stored.code2, attributes=stored.attributes
            )
        )
        if len(batch) >= BATCH:
            CodeSetEntry.objects.bulk_create(batch)
            total += len(batch)
            batch.clear()
            if progress is not None:
                progress(record.line, lines)
    CodeSetEntry.objects.bulk_create(batch)
    total += len(batch)
    if progress is not None:
        progress(lines, lines)
    row.row_count = total
    row.save(update_fields=["row_count"])
    ended = _end_overlapping(row)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=row,
        detail=f"code set loaded: {row.label}"[:255],
        changes={"rows": total, "sha256": sha256, "ended": [r.pk for r in ended]},
    )
    message = f"loaded {row.label}: {total:,} rows, in force {_span(row)}"
    if ended:
        message += "; ended " + ", ".join(f"{r.label} (now {_span(r)})" for r in ended)
    return LoadOutcome(row, created=True, message=message, ended=ended)


def _span(row: CodeSetRelease) -> str:
    if row.effective_to is not None and row.effective_to < row.effective_from:
        return "never (superseded)"
    return f"{row.effective_from} to {row.effective_to or 'open-ended'}"


def _end_overlapping(new: CodeSetRelease) -> list[CodeSetRelease]:
    """End the releases of the same kind and variant that ``new`` overlaps.

    An earlier-starting release ends the day before ``new`` starts; one starting the same
    day is superseded entirely; one starting later (``new`` loaded out of order) keeps
    its dates and ``new`` ends the day before it.
    """
    ended: list[CodeSetRelease] = []
    others = (
        CodeSetRelease.objects.select_for_update()
        .filter(kind=new.kind, variant=new.variant)
        .exclude(pk=new.pk)
        .order_by("effective_from", "pk")
    )
    for other in others:
        other_end = other.effective_to or datetime.date.max
        new_end = new.effective_to or datetime.date.max
        if other_end < other.effective_from:
            continue  # already superseded
        if other.effective_from > new_end or other_end < new.effective_from:
            continue  # no overlap
        if other.effective_from > new.effective_from:
            new.effective_to = other.effective_from - ONE_DAY
            new.save(update_fields=["effective_to"])
            continue
        other.effective_to = (
            new.effective_from - ONE_DAY
            if other.effective_from < new.effective_from
            else other.effective_from - ONE_DAY
        )
        other.superseded_by = new
        other.save(update_fields=["effective_to", "superseded_by"])
        ended.append(other)
    return ended


def codesets_dir() -> Path:
    return Path(settings.OPENRCM_CODESETS_DIR)


def icd10cm_build(*, actor: Actor, directory: Path | None = None) -> LoadOutcome:
    """Build the ICD-10-CM index file and record it as a release (idempotent)."""
    target_dir = directory or codesets_dir()
    path = build_icd10cm_index(target_dir)
    forget_loaded_indexes()
    index = icd10cm_index(target_dir, build_if_missing=False)
    sha256 = file_sha256([path])
    release = index.release
    with transaction.atomic():
        existing = CodeSetRelease.objects.filter(
            kind=release.kind, variant="", sha256=sha256
        ).first()
        if existing is not None:
            return LoadOutcome(
                existing,
                created=False,
                message=f"{path} rebuilt; it is identical to {existing.label} loaded before",
            )
        row = CodeSetRelease.objects.create(
            kind=release.kind,
            label=release.label,
            effective_from=release.effective_from,
            effective_to=release.effective_to,
            source_name=release.source_name,
            sha256=sha256,
            row_count=index.item_count,
            loaded_by=actor.label[:150],
        )
        ended = _end_overlapping(row)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=row,
            detail=f"code set built: {row.label}",
            changes={"items": index.item_count, "billable": index.billable_count},
        )
    return LoadOutcome(
        row,
        created=True,
        message=(
            f"built {path}: {release.label}, {index.item_count:,} items, "
            f"{index.billable_count:,} billable codes"
        ),
        ended=ended,
    )
