"""ICD-10-CM diagnoses: openrcm's own compact index, built once from ``simple-icd-10-cm``.

Importing ``simple_icd_10_cm`` parses the CDC's tabular XML (seconds, ~190 MB), so no web
or worker process does it. ``build_icd10cm_index`` runs it once (``openrcm codesets
build-icd10``, or at first use) and writes a gzip'd TSV under the code-sets folder; a
process then loads only that file, lazily, once (``icd10cm_index``).

The file starts with one ``#`` line of JSON (format, release label, dates, counts), then
one line per item of the classification, in tabular order::

    key  kind  billable  parent  chapter  description

``key`` is the code without its dot (``E119``), a block's range (``E08-E13``) or a
chapter's number. ``kind`` is ``c`` chapter, ``b`` block, ``k`` category, ``s``
subcategory, ``x`` subcategory made by a 7th character. ``billable`` is 1 for the leaf
codes valid on a HIPAA transaction. A block can share its name with a category (block
B99 holds category B99), so blocks and codes are kept apart.
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from pathlib import Path
from typing import Any

from openrcm.codesets.release import CodeSetKind, Release
from openrcm.rules.codes import ICD10CM_FORM

PACKAGE = "simple-icd-10-cm"
PACKAGE_VERSION = "1.5.0"
INDEX_FORMAT = 1
INDEX_FILE_NAME = "icd10cm-2026-04.tsv.gz"
RELEASE = Release(
    kind=CodeSetKind.ICD10CM,
    label="ICD-10-CM 2026-04",
    effective_from=datetime.date(2026, 4, 1),
    effective_to=datetime.date(2026, 9, 30),
    source_name=(
        f"{PACKAGE} {PACKAGE_VERSION} (CDC code-list-April-2026.txt, "
        "icd10c-tabular-April-1-2026.xml)"
    ),
)


class ItemKind(StrEnum):
    CHAPTER = "c"
    BLOCK = "b"
    CATEGORY = "k"
    SUBCATEGORY = "s"
    EXTENDED_SUBCATEGORY = "x"  # a subcategory completed with a 7th character

    @property
    def is_code(self) -> bool:
        return self not in (ItemKind.CHAPTER, ItemKind.BLOCK)


_PACKAGE_TYPES = {
    "chapter": ItemKind.CHAPTER,
    "section": ItemKind.BLOCK,
    "category": ItemKind.CATEGORY,
    "subcategory": ItemKind.SUBCATEGORY,
    "extended subcategory": ItemKind.EXTENDED_SUBCATEGORY,
}


@dataclass(frozen=True, slots=True)
class Icd10cmEntry:
    """One item of the classification; ``code`` is printed form (``E11.9``)."""

    code: str
    kind: ItemKind
    billable: bool
    description: str
    parent: str  # a code, a block range or a chapter number; "" for a chapter
    chapter: str  # the chapter number, "1" to "22"

    @property
    def x12(self) -> str:
        """The form used on X12 claims (HI segment): no dot."""
        return self.code.replace(".", "")


class LookupReason(StrEnum):
    BILLABLE = "billable"
    BAD_FORM = "bad_form"  # not shaped like an ICD-10-CM code
    NOT_A_CODE = "not_a_code"  # shaped like one, but not in the classification
    HEADER = "header"  # a category or subcategory that has more specific codes
    NOT_IN_FORCE = "not_in_force"  # no loaded release covers the date


@dataclass(frozen=True, slots=True)
class Icd10cmLookup:
    """The answer for one code on one date: the entry when billable, else why not."""

    code: str  # normalised, printed form
    reason: LookupReason
    message: str
    entry: Icd10cmEntry | None = None

    @property
    def billable(self) -> bool:
        return self.reason is LookupReason.BILLABLE


def normalize_code(code: str) -> str:
    """Trimmed, upper-case, without the dot: the key (and the X12 form) of a code."""
    return code.strip().upper().replace(".", "")


def printed_form(plain: str) -> str:
    return plain if len(plain) <= 3 else f"{plain[:3]}.{plain[3:]}"


# ---------------------------------------------------------------------------------------
# building


def _package_items() -> Iterator[tuple[str, ItemKind, bool, str, str, str]]:
    """(key, kind, billable, parent, chapter, description) in tabular order."""
    with warnings.catch_warnings():  # the package uses deprecated importlib.resources calls
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm.simple_icd_10_cm as package  # slow: only when building

    # The package's tree is the one complete view of the classification (the public
    # functions cannot tell block B99 from category B99); pinned at PACKAGE_VERSION.
    chapters: list[Any] = package._chapter_list

    def walk(node: Any, chapter: str) -> Iterator[tuple[str, ItemKind, bool, str, str, str]]:
        kind = _PACKAGE_TYPES[node.type]
        parent = node.parent
        parent_key = "" if parent is None else normalize_code(parent.name)
        key = node.name if not kind.is_code else normalize_code(node.name)
        billable = kind.is_code and not node.children
        description = " ".join(str(node.description).split())
        yield key, kind, billable, parent_key, chapter, description
        for child in node.children:
            yield from walk(child, chapter)

    for chapter_node in chapters:
        yield from walk(chapter_node, str(chapter_node.name))


def build_icd10cm_index(directory: Path) -> Path:
    """Write the index for the installed package's release into ``directory``.

    Takes a few seconds and about 200 MB while the package parses its XML; run it once
    per installation (the file is replaced atomically, so readers never see half a file).
    """
    installed = metadata.version(PACKAGE)
    if installed != PACKAGE_VERSION:
        raise RuntimeError(
            f"{PACKAGE} {installed} is installed but openrcm labels its data as "
            f"{RELEASE.label} ({PACKAGE} {PACKAGE_VERSION}); install that version"
        )
    lines: list[str] = []
    billable = 0
    for key, kind, is_billable, parent, chapter, description in _package_items():
        if "\t" in description or "\n" in description:
            raise ValueError(f"{key}: a description with a tab or line break")
        billable += is_billable
        lines.append(f"{key}\t{kind}\t{int(is_billable)}\t{parent}\t{chapter}\t{description}\n")
    header = {
        "format": INDEX_FORMAT,
        "label": RELEASE.label,
        "effective_from": RELEASE.effective_from.isoformat(),
        "effective_to": RELEASE.effective_to.isoformat() if RELEASE.effective_to else None,
        "source": RELEASE.source_name,
        "items": len(lines),
        "billable": billable,
    }
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / INDEX_FILE_NAME
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".icd10cm-", suffix=".tmp")
    try:
        with (
            os.fdopen(handle, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6) as out,
        ):
            out.write(("# " + json.dumps(header, sort_keys=True) + "\n").encode())
            out.write("".join(lines).encode())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


# ---------------------------------------------------------------------------------------
# loading and looking up


class Icd10cmIndex:
    """The loaded index: dict lookups, lines parsed only when asked for."""

    def __init__(self, path: Path) -> None:
        codes: dict[str, str] = {}
        groups: dict[str, str] = {}
        with gzip.open(path, "rt", encoding="utf-8", newline="\n") as fh:
            first = fh.readline()
            if not first.startswith("# "):
                raise ValueError(f"{path} is not an openrcm ICD-10-CM index")
            header = json.loads(first[2:])
            if header.get("format") != INDEX_FORMAT:
                raise ValueError(f"{path} has index format {header.get('format')}; rebuild it")
            for line in fh:
                key, _, rest = line.rstrip("\n").partition("\t")
                if rest[0] in "cb":
                    groups[key] = rest
                else:
                    codes[key] = rest
        self.path = path
        self.release = Release(
            kind=CodeSetKind.ICD10CM,
            label=str(header["label"]),
            effective_from=datetime.date.fromisoformat(header["effective_from"]),
            effective_to=(
                datetime.date.fromisoformat(header["effective_to"])
                if header["effective_to"]
                else None
            ),
            source_name=str(header["source"]),
        )
        self.item_count: int = int(header["items"])
        self.billable_count: int = int(header["billable"])
        if len(codes) + len(groups) != self.item_count:
            raise ValueError(f"{path} is damaged: {self.item_count} items announced")
        self._codes = codes
        self._groups = groups

    @staticmethod
    def _entry(key: str, rest: str) -> Icd10cmEntry:
        kind, billable, parent, chapter, description = rest.split("\t")
        item_kind = ItemKind(kind)
        return Icd10cmEntry(
            code=printed_form(key) if item_kind.is_code else key,
            kind=item_kind,
            billable=billable == "1",
            description=description,
            parent=printed_form(parent) if item_kind in _CODE_PARENTS else parent,
            chapter=chapter,
        )

    def entry(self, code: str) -> Icd10cmEntry | None:
        """The code (any kind, billable or not), ignoring dates; None when unknown."""
        key = normalize_code(code)
        rest = self._codes.get(key)
        return None if rest is None else self._entry(key, rest)

    def group(self, name: str) -> Icd10cmEntry | None:
        """A chapter ("15") or block ("O00-O08")."""
        rest = self._groups.get(name.strip().upper())
        return None if rest is None else self._entry(name.strip().upper(), rest)

    def entries(self) -> Iterator[Icd10cmEntry]:
        """Every code (categories and subcategories, billable or not)."""
        for key, rest in self._codes.items():
            yield self._entry(key, rest)

    def groups(self) -> Iterator[Icd10cmEntry]:
        for key, rest in self._groups.items():
            yield self._entry(key, rest)

    def lookup(self, code: str, *, on: datetime.date) -> Icd10cmLookup:
        """Is ``code`` a billable ICD-10-CM code on the date of service ``on``?"""
        cleaned = code.strip().upper()
        if not ICD10CM_FORM.fullmatch(cleaned) or ("." in cleaned and cleaned.index(".") != 3):
            return Icd10cmLookup(
                cleaned,
                LookupReason.BAD_FORM,
                f"{code!r} is not in the form of an ICD-10-CM code (a letter, a digit, then "
                "1 to 5 letters or digits, e.g. E11.9 or E119)",
            )
        key = normalize_code(cleaned)
        printed = printed_form(key)
        if not self.release.in_force(on):
            until = self.release.effective_to or "open-ended"
            return Icd10cmLookup(
                printed,
                LookupReason.NOT_IN_FORCE,
                f"no ICD-10-CM release is loaded for {on.isoformat()} (the loaded release, "
                f"{self.release.label}, is in force {self.release.effective_from} to {until})",
            )
        entry = self.entry(key)
        if entry is None:
            return Icd10cmLookup(
                printed,
                LookupReason.NOT_A_CODE,
                f"{printed} is not an ICD-10-CM code in {self.release.label}",
            )
        if not entry.billable:
            return Icd10cmLookup(
                printed,
                LookupReason.HEADER,
                f"{printed} ({entry.description}) is a heading, not billable: use one of the "
                "more specific codes under it",
                entry,
            )
        return Icd10cmLookup(printed, LookupReason.BILLABLE, "billable", entry)


_CODE_PARENTS = (ItemKind.SUBCATEGORY, ItemKind.EXTENDED_SUBCATEGORY)

_loaded: dict[Path, Icd10cmIndex] = {}
_lock = threading.Lock()


def icd10cm_index(directory: Path, *, build_if_missing: bool = True) -> Icd10cmIndex:
    """The index in ``directory``, loaded once per process (building it first if absent)."""
    path = (directory / INDEX_FILE_NAME).resolve()
    found = _loaded.get(path)
    if found is not None:
        return found
    with _lock:
        found = _loaded.get(path)
        if found is None:
            if not path.exists():
                if not build_if_missing:
                    raise FileNotFoundError(
                        f"{path} is missing; run `openrcm codesets build-icd10` to build it"
                    )
                build_icd10cm_index(directory)
            found = Icd10cmIndex(path)
            _loaded[path] = found
    return found


def forget_loaded_indexes() -> None:
    """Drop cached indexes (after a rebuild, and in tests)."""
    with _lock:
        _loaded.clear()
