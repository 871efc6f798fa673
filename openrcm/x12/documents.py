"""Typed reading: pick the reader by transaction set (ST01) and version (GS08).

=====  =====================  ==========================================
ST01   GS08 / ST03            document
=====  =====================  ==========================================
835    005010X221...          :class:`~openrcm.x12.models.Remittance`
999    005010X231...          :class:`~openrcm.x12.models.ImplementationAck`
277    005010X214 (277CA)     :class:`~openrcm.x12.models.ClaimStatusResponse`
277    005010X212             :class:`~openrcm.x12.models.ClaimStatusResponse`
271    005010X279...          :class:`~openrcm.x12.models.EligibilityResponse`
other  any 005010             :class:`~openrcm.x12.models.GenericTransaction`
=====  =====================  ==========================================
"""

from __future__ import annotations

from collections.abc import Iterator

from openrcm.x12.acknowledgment import SplitBody, build_271, build_277, build_999
from openrcm.x12.balancing import check_claim, check_stream_totals
from openrcm.x12.delimiters import Delimiters
from openrcm.x12.errors import X12Error
from openrcm.x12.models import (
    ClaimPayment,
    Document,
    Envelope,
    GenericTransaction,
    InterchangeAck,
    Remittance,
    RemittanceHeader,
    RemittanceTrailer,
)
from openrcm.x12.reader import (
    DEFAULT_CHUNK_SIZE,
    BodyReader,
    Report,
    Source,
    drive,
    generic_body,
)
from openrcm.x12.remittance import RemittanceReader

StreamItem = RemittanceHeader | ClaimPayment | RemittanceTrailer


def typed_body(envelope: Envelope, delimiters: Delimiters, report: Report) -> BodyReader:
    """The body reader for a transaction set, chosen by ST01."""
    kind = envelope.transaction_set_id
    if kind == "835":
        return RemittanceReader(envelope, delimiters, report)
    if kind == "999":
        return SplitBody(envelope, delimiters, report, build_999)
    if kind == "277":
        return SplitBody(envelope, delimiters, report, build_277)
    if kind == "271":
        return SplitBody(envelope, delimiters, report, build_271)
    return generic_body(envelope, delimiters, report)


def _stream_body(envelope: Envelope, delimiters: Delimiters, report: Report) -> BodyReader:
    if envelope.transaction_set_id == "835":
        return RemittanceReader(envelope, delimiters, report, stream=True)
    return typed_body(envelope, delimiters, report)


def read_documents(
    source: Source,
    *,
    strict: bool = True,
    problems: list[X12Error] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[Document | InterchangeAck]:
    """Every transaction set in ``source`` as a typed document (and TA1s), in file order."""
    items = drive(source, typed_body, strict=strict, problems=problems, chunk_size=chunk_size)
    yield from items  # type: ignore[misc]  # typed_body only builds documents and TA1s


def read_file(
    source: Source, *, strict: bool = True, problems: list[X12Error] | None = None
) -> list[Document | InterchangeAck]:
    """All documents of ``source`` in a list (small files; stream large ones)."""
    return list(read_documents(source, strict=strict, problems=problems))


def read_remittances(
    source: Source, *, strict: bool = True, problems: list[X12Error] | None = None
) -> list[Remittance]:
    """The 835s of ``source`` (other transaction sets are read, checked and skipped)."""
    return [
        doc
        for doc in read_documents(source, strict=strict, problems=problems)
        if isinstance(doc, Remittance)
    ]


def stream_remittance(
    source: Source,
    *,
    strict: bool = True,
    problems: list[X12Error] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[StreamItem | Document | InterchangeAck]:
    """Read 835s claim by claim in bounded memory.

    For each 835 this yields a :class:`RemittanceHeader`, then every
    :class:`ClaimPayment` as soon as it is complete, then a :class:`RemittanceTrailer`
    (PLBs, claim count and totals). Other transaction sets come as whole documents.
    """
    items = drive(source, _stream_body, strict=strict, problems=problems, chunk_size=chunk_size)
    yield from items  # type: ignore[misc]  # the bodies build only these


__all__ = [
    "GenericTransaction",
    "StreamItem",
    "read_documents",
    "read_file",
    "read_remittances",
    "stream_remittance",
    "typed_body",
    "validate",
]


def validate(source: Source, *, chunk_size: int = DEFAULT_CHUNK_SIZE) -> list[X12Error]:
    """Every envelope, syntax, structure and 835 balancing problem of ``source``.

    Reads in bounded memory (835 claims are checked one by one as they stream). Returns
    the problems in file order, warnings included (see ``X12Error.severity``). Raises
    :class:`X12Error` only when the input cannot be read at all (missing file, not X12,
    not version 5010).
    """
    problems: list[X12Error] = []
    header: RemittanceHeader | None = None
    for item in stream_remittance(source, strict=False, problems=problems, chunk_size=chunk_size):
        if isinstance(item, RemittanceHeader):
            header = item
        elif isinstance(item, ClaimPayment):
            control = header.envelope.control_number if header is not None else ""
            problems.extend(check_claim(item, control))
        elif isinstance(item, RemittanceTrailer) and header is not None:
            problems.extend(check_stream_totals(header, item))
            header = None
    return problems
