"""Streaming X12 reading: chunks → segments → interchanges, groups and transaction sets.

The file is read in chunks (2 MiB by default), split on the segment terminator with the
incomplete tail carried into the next chunk, so memory stays bounded whatever the file
size. One driver checks the envelopes (ISA/IEA, GS/GE, ST/SE control numbers and counts)
and hands the segments of each transaction set to a *body reader* chosen by the caller:
the generic one keeps the segments, the typed ones (835, 999, 277, 271) build documents.

In strict mode (the default) the first problem raises an :class:`X12Error`; with
``strict=False`` problems are appended to the ``problems`` list given and reading goes on
where it can, so a validator sees every problem in one pass. Warnings (severity
``"warning"``) never raise.
"""

from __future__ import annotations

import codecs
import gc
import io
import os
import re
from collections.abc import Callable, Iterator
from typing import IO, Protocol

from openrcm.x12.delimiters import Delimiters, detect_delimiters
from openrcm.x12.errors import (
    X12EnvelopeError,
    X12Error,
    X12SyntaxError,
    X12VersionError,
)
from openrcm.x12.models import (
    Envelope,
    GenericTransaction,
    GroupHeader,
    InterchangeAck,
    InterchangeHeader,
    Segment,
)

Source = str | os.PathLike[str] | bytes | bytearray | IO[bytes] | IO[str]
Report = Callable[[X12Error], None]

DEFAULT_CHUNK_SIZE = 2 * 1024 * 1024
ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})


def _is_segment_id(tag: str) -> bool:
    return 2 <= len(tag) <= 3 and tag.isascii() and tag.isalnum() and tag == tag.upper()


def envelope_stop_keys(element: str) -> frozenset[str]:
    """The first three characters of every envelope segment, for body readers' loops."""
    return frozenset({"ISA", "IEA", "TA1", "GS" + element, "GE" + element}) | {
        "ST" + element,
        "SE" + element,
    }


class BodyReader(Protocol):
    """Reads the segments of one transaction set between ST and SE."""

    def feed(self, segments: list[str], index: int, position: int) -> int:
        """Read ``segments[index:]`` up to the next envelope segment; return its index.

        ``position`` is the file position (ISA = 1) of ``segments[index]``.
        """

    def drain(self) -> list[object]:
        """Items ready to hand out before the set ends (streaming readers); else []."""

    def finish(self, complete: bool) -> object | None:
        """The document for the set (``complete`` is False when SE never came)."""


BodyFactory = Callable[[Envelope, Delimiters, Report], BodyReader]


# --------------------------------------------------------------------------- tokenizer


def _open(source: Source) -> tuple[IO[bytes] | IO[str], bool, str | None]:
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(bytes(source)), True, None
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        try:
            return open(path, "rb"), True, path
        except OSError as exc:
            raise X12Error(f"cannot open {path}: {exc.strerror or exc}", source=path) from exc
    name = getattr(source, "name", None)
    return source, False, name if isinstance(name, str) else None


class Tokenizer:
    """Splits a byte or text stream into segments, chunk by chunk."""

    def __init__(
        self,
        source: Source,
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        report: Report | None = None,
    ) -> None:
        self._stream, self._owned, self.source_name = _open(source)
        self._chunk_size = max(256, chunk_size)
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._offset = 0  # bytes decoded so far, for error messages
        self._eof = False
        self._report = report
        self.delimiters = Delimiters()
        self.isa_elements: list[str] = []
        self._pending = ""
        self._layout: tuple[re.Pattern[str], re.Pattern[str]] | None = None

    def close(self) -> None:
        if self._owned:
            self._stream.close()

    def _read(self) -> str:
        if self._eof:
            return ""
        try:
            data = self._stream.read(self._chunk_size)
        except OSError as exc:
            raise X12Error(f"cannot read: {exc}", source=self.source_name) from exc
        if isinstance(data, str):
            if not data:
                self._eof = True
            return data
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise X12SyntaxError(
                f"byte {self._offset + exc.start} is not valid UTF-8 text",
                expected="X12 characters (ASCII)",
                found=repr(data[exc.start : exc.start + 4]),
                source=self.source_name,
            ) from None
        self._offset += len(data)
        if not data:
            self._eof = True
        return text

    def start(self) -> None:
        """Read up to and including the ISA segment; detect the delimiters."""
        head = self._read()
        while len(head) < 1024 and not self._eof:
            head += self._read()
        head = head.lstrip("\ufeff \t\r\n")
        if not head:
            raise X12SyntaxError("the file is empty", segment_position=1, source=self.source_name)
        self.delimiters, self.isa_elements, end = detect_delimiters(head)
        self._pending = head[end:]

    def _normalize(self, text: str) -> str:
        term = self.delimiters.segment
        if term == "\n":
            return text.replace("\r\n", "\n") if "\r" in text else text
        if term == "\r":
            return text.replace("\r\n", "\r")
        if "\n" in text:
            # Line breaks (and stray blanks around them) after terminators are layout.
            # The usual layout (one newline after each terminator) goes by str.replace;
            # the regex runs only when blanks remain after a terminator (a search that
            # finds nothing costs a tenth of a substitution).
            if self._layout is None:
                self._layout = (
                    re.compile(re.escape(term) + r"[ \t\r\n]"),
                    re.compile(re.escape(term) + r"[ \t\r\n]+"),
                )
            blank_after, blanks_after = self._layout
            text = text.replace(term + "\n", term)
            # The search runs only when a blank that can follow a terminator is left
            # (finding one character is a vectorised scan, far cheaper than the search).
            if (
                "\n" in text or "\r" in text or "\t" in text or term + " " in text
            ) and blank_after.search(text) is not None:
                text = blanks_after.sub(term, text)
        return text

    def batches(self) -> Iterator[list[str]]:
        """Segments (without terminator, ISA excluded) in batches of one chunk each."""
        term = self.delimiters.segment
        carry = ""
        text = self._pending
        self._pending = ""
        while True:
            blank_carry = not carry.strip()
            text = self._normalize(carry + text)
            if blank_carry:
                text = text.lstrip(" \t\r\n") if term not in "\r\n" else text.lstrip("\r")
            pieces = text.split(term)
            carry = pieces.pop()
            if term in "\r\n":
                pieces = [piece for piece in pieces if piece.strip()]
            if pieces:
                yield pieces
            if self._eof:
                break
            text = self._read()
        tail = carry.strip()
        if tail:
            if self._report is not None:
                self._report(
                    X12SyntaxError(
                        "the last segment has no segment terminator",
                        expected=repr(term),
                        found=tail[:20],
                        source=self.source_name,
                        severity="warning",
                    )
                )
            yield [tail]


# --------------------------------------------------------------------------- driver


def _reporter(strict: bool, problems: list[X12Error] | None, source: str | None) -> Report:
    def report(problem: X12Error) -> None:
        if problem.source is None and source is not None:
            problem.source = source
            problem.args = (problem.describe(),)
        if strict and not problem.is_warning:
            raise problem
        if problems is not None:
            problems.append(problem)

    return report


def _interchange_header(
    elements: list[str], position: int, delims: Delimiters
) -> InterchangeHeader:
    e = elements + [""] * (17 - len(elements))
    return InterchangeHeader(
        position=position,
        sender_qualifier=e[5].strip(),
        sender_id=e[6].strip(),
        receiver_qualifier=e[7].strip(),
        receiver_id=e[8].strip(),
        date=e[9],
        time=e[10],
        version=e[12],
        control_number=e[13],
        acknowledgment_requested=e[14],
        usage=e[15],
        delimiters=delims,
    )


def check_interchange_version(version: str, position: int) -> None:
    if len(version) != 5 or not version.isdigit():
        raise X12SyntaxError(
            "ISA12 (interchange control version) is not a 5-digit version",
            segment_position=position,
            segment_id="ISA",
            element=12,
            expected="00501",
            found=version,
        )
    if version < "00402":
        raise X12VersionError(
            f"interchange version {version} is not supported: openrcm reads X12 5010 only"
            + (" (this is a 4010 file)" if version == "00401" else ""),
            segment_position=position,
            segment_id="ISA",
            element=12,
            expected="00501",
            found=version,
        )


def check_group_version(version: str, position: int) -> None:
    if not version.startswith("00501"):
        label = "4010" if version.startswith("004010") else version or "(empty)"
        raise X12VersionError(
            f"functional group version {version or '(empty)'} is not supported: openrcm "
            f"reads X12 5010 (005010...) only; this is {label}",
            segment_position=position,
            segment_id="GS",
            element=8,
            expected="005010...",
            found=version,
        )


class _GenericBody:
    """Keeps every segment of a transaction set as a :class:`Segment`."""

    def __init__(self, envelope: Envelope, delimiters: Delimiters, report: Report) -> None:
        self._envelope = envelope
        self._element = delimiters.element
        self._stops = envelope_stop_keys(delimiters.element)
        self._report = report
        self._segments: list[Segment] = []

    def feed(self, segments: list[str], index: int, position: int) -> int:
        stops = self._stops
        sep = self._element
        append = self._segments.append
        n = len(segments)
        while index < n:
            raw = segments[index]
            if raw[:3] in stops:
                return index
            elements = raw.split(sep)
            tag = elements[0]
            if not _is_segment_id(tag):
                self._report(
                    X12SyntaxError(
                        "not a segment: the segment ID must be 2 or 3 capital letters or digits",
                        segment_position=position,
                        expected="a segment ID",
                        found=raw[:20],
                    )
                )
            append(Segment(position, tag, tuple(elements[1:])))
            index += 1
            position += 1
        return index

    def drain(self) -> list[object]:
        return []

    def finish(self, complete: bool) -> object | None:
        return GenericTransaction(self._envelope, tuple(self._segments))


def generic_body(envelope: Envelope, delimiters: Delimiters, report: Report) -> BodyReader:
    return _GenericBody(envelope, delimiters, report)


# Young objects (allocations since the last collection) above which a pause is ended by
# handing them to the oldest generation instead of leaving them to the next collection.
_SETTLE_AFTER = 100_000


def _settle_young_objects() -> None:
    """After building a large document with collection paused, age it in O(1).

    Left young, the millions of objects of a whole 835 would all be walked by the very
    next young-generation collection (about a third of the reading time). ``gc.freeze``
    then ``gc.unfreeze`` moves every tracked object to the oldest generation by two
    constant-time list splices, without walking them; they are still collected by full
    collections like any long-lived object. Skipped when the caller has frozen objects
    of its own (unfreezing would undo that) and when few objects were built (a young
    collection is cheap then).
    """
    if gc.get_count()[0] > _SETTLE_AFTER and not gc.get_freeze_count():
        gc.freeze()
        gc.unfreeze()


def drive(
    source: Source,
    body_factory: BodyFactory,
    *,
    strict: bool = True,
    problems: list[X12Error] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[object]:
    """Read ``source`` and yield what the body readers produce, plus TA1 acknowledgments.

    Checks every envelope rule; see the module docstring for strict and lenient modes.
    """
    tokenizer: Tokenizer | None = None
    try:
        tokenizer = Tokenizer(source, chunk_size=chunk_size)
        report = _reporter(strict, problems, tokenizer.source_name)
        tokenizer._report = report
        # The cyclic garbage collector is paused while the reader runs (not while the
        # caller handles what it yields): the reader creates no reference cycles, and
        # collections would otherwise walk every object built so far again and again.
        items = _drive(tokenizer, body_factory, report)
        collecting = gc.isenabled()
        while True:
            if collecting:
                gc.disable()
            try:
                item = next(items)
            except StopIteration:
                break
            finally:
                if collecting:
                    _settle_young_objects()
                    gc.enable()
            yield item
    except X12Error as exc:
        if tokenizer is not None and exc.source is None and tokenizer.source_name:
            exc.source = tokenizer.source_name
            exc.args = (exc.describe(),)
        raise
    except RecursionError:  # pragma: no cover - defensive
        raise X12SyntaxError("input too deeply nested") from None
    finally:
        if tokenizer is not None:
            tokenizer.close()


def _int_or_none(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _drive(tokenizer: Tokenizer, body_factory: BodyFactory, report: Report) -> Iterator[object]:
    tokenizer.start()
    delims = tokenizer.delimiters
    sep = delims.element
    if not delims.fixed_width:
        report(
            X12EnvelopeError(
                "the ISA segment is not padded to its fixed width of 106 characters; "
                "its separators were found by counting elements",
                segment_position=1,
                segment_id="ISA",
                severity="warning",
            )
        )
    isa: InterchangeHeader | None = None
    gs: GroupHeader | None = None
    body: BodyReader | None = None
    st_elements: list[str] = []
    st_position = 0
    group_count = 0
    set_count = 0
    isa_count = 0
    position = 1  # of the next segment

    def open_interchange(elements: list[str], pos: int) -> InterchangeHeader:
        check_interchange_version(elements[12] if len(elements) > 12 else "", pos)
        if len(elements) != 17:
            report(
                X12SyntaxError(
                    "the ISA segment must have 16 elements",
                    segment_position=pos,
                    segment_id="ISA",
                    expected="16",
                    found=str(len(elements) - 1),
                )
            )
        return _interchange_header(elements, pos, delims)

    isa = open_interchange(tokenizer.isa_elements, 1)
    isa_count = 1
    position = 2

    def close_set(complete: bool) -> list[object]:
        """Finish the open set: what its reader still holds, then its document."""
        nonlocal body
        if body is None:  # pragma: no cover - only called with a set open
            return []
        result = body.finish(complete)
        ready = body.drain()
        body = None
        if result is not None:
            ready.append(result)
        return ready

    for batch in tokenizer.batches():
        index = 0
        n = len(batch)
        while index < n:
            if body is not None:
                stop = body.feed(batch, index, position)
                position += stop - index
                index = stop
                ready = body.drain()
                if ready:
                    yield from ready
                if index >= n:
                    break
            raw = batch[index]
            index += 1
            pos = position
            position += 1
            elements = raw.split(sep)
            tag = elements[0]
            if tag == "SE" and body is not None:
                count = _int_or_none(elements[1]) if len(elements) > 1 else None
                actual = pos - st_position + 1
                if count != actual:
                    report(
                        X12EnvelopeError(
                            "SE01 (number of segments in the set) is wrong",
                            segment_position=pos,
                            segment_id="SE",
                            element=1,
                            expected=str(actual),
                            found=elements[1] if len(elements) > 1 else "",
                        )
                    )
                control = elements[2] if len(elements) > 2 else ""
                if control != st_elements[2]:
                    report(
                        X12EnvelopeError(
                            "SE02 does not match ST02 (transaction set control number)",
                            segment_position=pos,
                            segment_id="SE",
                            element=2,
                            expected=st_elements[2],
                            found=control,
                        )
                    )
                yield from close_set(True)
                continue
            if body is not None:
                report(
                    X12EnvelopeError(
                        f"transaction set {st_elements[2]} has no SE before this {tag}",
                        segment_position=pos,
                        segment_id=tag,
                        expected="SE",
                        found=tag,
                    )
                )
                yield from close_set(False)
            if tag == "ST":
                if gs is None:
                    report(
                        X12EnvelopeError(
                            "ST outside a functional group (no GS before it)",
                            segment_position=pos,
                            segment_id="ST",
                            expected="GS",
                        )
                    )
                    gs = GroupHeader(pos, "", "", "", "", "", "", "")
                    group_count += 1
                if len(elements) < 3 or not elements[1] or not elements[2]:
                    report(
                        X12SyntaxError(
                            "ST needs a transaction set ID (ST01) and control number (ST02)",
                            segment_position=pos,
                            segment_id="ST",
                            element=1 if len(elements) < 2 or not elements[1] else 2,
                        )
                    )
                    elements += ["", "", ""]
                st_elements = elements
                st_position = pos
                set_count += 1
                if isa is None:  # pragma: no cover - an ISA always opens the file
                    isa = _interchange_header(["ISA"], pos, delims)
                envelope = Envelope(
                    interchange=isa,
                    group=gs,
                    transaction_set_id=elements[1],
                    control_number=elements[2],
                    implementation_reference=elements[3] if len(elements) > 3 else "",
                    position=pos,
                )
                body = body_factory(envelope, delims, report)
            elif tag == "GS":
                if isa is None:
                    report(
                        X12EnvelopeError(
                            "GS outside an interchange (no ISA before it)",
                            segment_position=pos,
                            segment_id="GS",
                            expected="ISA",
                        )
                    )
                    isa = _interchange_header(["ISA"], pos, delims)
                if gs is not None:
                    report(
                        X12EnvelopeError(
                            f"functional group {gs.control_number} has no GE before this GS",
                            segment_position=pos,
                            segment_id="GS",
                            expected="GE",
                        )
                    )
                e = elements + [""] * (9 - len(elements))
                check_group_version(e[8], pos)
                gs = GroupHeader(pos, e[1], e[2], e[3], e[4], e[5], e[6], e[8])
                group_count += 1
                set_count = 0
            elif tag == "GE":
                if gs is None:
                    report(
                        X12EnvelopeError("GE without a GS", segment_position=pos, segment_id="GE")
                    )
                else:
                    e = elements + [""] * (3 - len(elements))
                    if _int_or_none(e[1]) != set_count:
                        report(
                            X12EnvelopeError(
                                "GE01 (number of transaction sets in the group) is wrong",
                                segment_position=pos,
                                segment_id="GE",
                                element=1,
                                expected=str(set_count),
                                found=e[1],
                            )
                        )
                    if e[2] != gs.control_number:
                        report(
                            X12EnvelopeError(
                                "GE02 does not match GS06 (group control number)",
                                segment_position=pos,
                                segment_id="GE",
                                element=2,
                                expected=gs.control_number,
                                found=e[2],
                            )
                        )
                gs = None
                set_count = 0
            elif tag == "IEA":
                if gs is not None:
                    report(
                        X12EnvelopeError(
                            f"functional group {gs.control_number} has no GE before IEA",
                            segment_position=pos,
                            segment_id="IEA",
                            expected="GE",
                        )
                    )
                    gs = None
                if isa is None:
                    report(
                        X12EnvelopeError(
                            "IEA without an ISA", segment_position=pos, segment_id="IEA"
                        )
                    )
                else:
                    e = elements + [""] * (3 - len(elements))
                    if _int_or_none(e[1]) != group_count:
                        report(
                            X12EnvelopeError(
                                "IEA01 (number of functional groups) is wrong",
                                segment_position=pos,
                                segment_id="IEA",
                                element=1,
                                expected=str(group_count),
                                found=e[1],
                            )
                        )
                    if e[2] != isa.control_number:
                        report(
                            X12EnvelopeError(
                                "IEA02 does not match ISA13 (interchange control number)",
                                segment_position=pos,
                                segment_id="IEA",
                                element=2,
                                expected=isa.control_number,
                                found=e[2],
                            )
                        )
                isa = None
                group_count = 0
            elif tag == "ISA":
                if isa is not None:
                    report(
                        X12EnvelopeError(
                            f"interchange {isa.control_number} has no IEA before this ISA",
                            segment_position=pos,
                            segment_id="ISA",
                            expected="IEA",
                        )
                    )
                if raw[3:4] != sep or len(elements) != 17 or elements[16] != delims.component:
                    raise X12SyntaxError(
                        "a later interchange uses other delimiters than the first; "
                        "split the file into one interchange per file",
                        segment_position=pos,
                        segment_id="ISA",
                    )
                isa = open_interchange(elements, pos)
                isa_count += 1
                group_count = 0
                gs = None
            elif tag == "TA1":
                e = elements + [""] * (6 - len(elements))
                yield InterchangeAck(pos, e[1], e[2], e[3], e[4], e[5])
            elif tag == "" and raw.strip() == "":
                report(
                    X12SyntaxError(
                        "empty segment (two terminators in a row)",
                        segment_position=pos,
                        severity="warning",
                    )
                )
            else:
                report(
                    X12EnvelopeError(
                        f"segment {tag[:3]!r} is outside any transaction set",
                        segment_position=pos,
                        segment_id=tag[:3],
                        expected="ST, GS, GE, IEA or ISA",
                        found=raw[:20],
                    )
                )
    if body is not None:
        report(
            X12EnvelopeError(
                f"the file ends inside transaction set {st_elements[2]} (no SE)",
                segment_position=position,
                expected="SE",
            )
        )
        yield from close_set(False)
    if gs is not None:
        report(
            X12EnvelopeError(
                f"the file ends inside functional group {gs.control_number} (no GE)",
                segment_position=position,
                expected="GE",
            )
        )
    if isa is not None:
        report(
            X12EnvelopeError(
                f"the file ends inside interchange {isa.control_number} (no IEA)",
                segment_position=position,
                expected="IEA",
            )
        )


def iter_transaction_sets(
    source: Source,
    *,
    strict: bool = True,
    problems: list[X12Error] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[GenericTransaction]:
    """Every transaction set in ``source`` as its segments, one set in memory at a time."""
    for item in drive(
        source, generic_body, strict=strict, problems=problems, chunk_size=chunk_size
    ):
        if isinstance(item, GenericTransaction):
            yield item


def iter_segments(source: Source, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[Segment]:
    """Every segment of ``source`` (ISA included) with its position; no envelope checks."""
    tokenizer = Tokenizer(source, chunk_size=chunk_size)
    try:
        tokenizer.start()
        sep = tokenizer.delimiters.element
        yield Segment(1, "ISA", tuple(tokenizer.isa_elements[1:]))
        position = 2
        for batch in tokenizer.batches():
            for raw in batch:
                elements = raw.split(sep)
                yield Segment(position, elements[0], tuple(elements[1:]))
                position += 1
    finally:
        tokenizer.close()
