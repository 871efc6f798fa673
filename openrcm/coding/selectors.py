"""Reading code sets: the releases in force on a date, and the ``CodeSets`` snapshot."""

from __future__ import annotations

import datetime
import threading
from collections import OrderedDict

from django.conf import settings
from django.db.models import Q

from openrcm.codesets.entries import StoredEntry
from openrcm.codesets.icd10cm import INDEX_FILE_NAME, Icd10cmIndex, icd10cm_index
from openrcm.codesets.release import CodeSetKind, Release
from openrcm.codesets.snapshot import CodeSets, CodeTables
from openrcm.coding.models import CodeSetEntry, CodeSetRelease


def release_list() -> list[CodeSetRelease]:
    return list(CodeSetRelease.objects.order_by("kind", "variant", "-effective_from", "-pk"))


def releases_for(on: datetime.date) -> list[CodeSetRelease]:
    """Per kind and variant, the release in force on ``on``.

    When none is in force (a date past the newest quarter loaded), the newest release
    that began before the date is used, so claims keep being checked against the latest
    data rather than none. ICD-10-CM is excluded: its entries live in the index file.
    """
    candidates = (
        CodeSetRelease.objects.exclude(kind=CodeSetKind.ICD10CM)
        .filter(effective_from__lte=on)
        .filter(Q(superseded_by__isnull=True) | Q(effective_to__gte=on))
        .order_by("kind", "variant", "-effective_from", "-pk")
    )
    chosen: dict[tuple[str, str], CodeSetRelease] = {}
    for row in candidates:
        key = (row.kind, row.variant)
        in_force = row.effective_to is None or on <= row.effective_to
        if key not in chosen or (in_force and not _in_force(chosen[key], on)):
            chosen[key] = row
    return list(chosen.values())


def _in_force(row: CodeSetRelease, on: datetime.date) -> bool:
    return row.effective_from <= on and (row.effective_to is None or on <= row.effective_to)


def _release(row: CodeSetRelease) -> Release:
    return Release(
        kind=CodeSetKind(row.kind),
        label=row.label,
        effective_from=row.effective_from,
        effective_to=row.effective_to,
        source_name=row.source_name,
        variant=row.variant,
    )


_TABLES: OrderedDict[tuple[tuple[int, str], ...], CodeTables] = OrderedDict()
_TABLES_LOCK = threading.Lock()
_TABLES_KEPT = 4


def _tables(rows: list[CodeSetRelease]) -> CodeTables:
    # Keyed by (id, sha256): a release's entries never change after loading.
    key = tuple(sorted((row.pk, row.sha256) for row in rows))
    with _TABLES_LOCK:
        if key in _TABLES:
            _TABLES.move_to_end(key)
            return _TABLES[key]
    tables = CodeTables()
    for row in rows:
        entries = CodeSetEntry.objects.filter(release=row).values_list(
            "code", "code2", "attributes"
        )
        tables.add(_release(row), (StoredEntry(c, c2, a) for c, c2, a in entries.iterator(2000)))
    with _TABLES_LOCK:
        _TABLES[key] = tables
        while len(_TABLES) > _TABLES_KEPT:
            _TABLES.popitem(last=False)
    return tables


def icd10cm_for_process() -> Icd10cmIndex | None:
    """The ICD-10-CM index when it has been built (never builds it in a web process)."""
    directory = settings.OPENRCM_CODESETS_DIR
    if not (directory / INDEX_FILE_NAME).exists():
        return None
    return icd10cm_index(directory, build_if_missing=False)


def codesets_on(on: datetime.date) -> CodeSets:
    """The code sets in force on a date of service (the shipped data when none loaded)."""
    return CodeSets(on, _tables(releases_for(on)), icd10cm_for_process())
