"""openrcm.x12 — a pure-Python X12 5010 codec (standard library only).

Reading
-------
Any source works: a path, ``bytes``, or a binary/text file object. Files are read in
chunks, so a large file never has to fit in memory::

    from openrcm.x12 import iter_transaction_sets, read_documents, stream_remittance
    from openrcm.x12 import check_remittance, to_json, validate, X12Error

    # 1. Generic: every transaction set as its segments (envelopes checked).
    for ts in iter_transaction_sets("batch.837"):
        print(ts.envelope.transaction_set_id, ts.envelope.control_number)
        for seg in ts.segments:            # Segment(position, id, elements)
            if seg.id == "CLM":
                print(seg.element(1), seg.element(2))

    # 2. Typed: 835 -> Remittance, 999 -> ImplementationAck, 277/277CA ->
    #    ClaimStatusResponse, 271 -> EligibilityResponse, others -> GenericTransaction.
    for doc in read_documents("era.835"):
        for claim in doc.claims:
            print(claim.patient_control_number, claim.charge, claim.paid)
        problems = check_remittance(doc)   # balancing findings, [] when balanced
        text = to_json(doc)                # from_json(text) == doc

    # 3. Streaming an 835 claim by claim (bounded memory for any size):
    for item in stream_remittance("huge.835"):
        ...   # RemittanceHeader, then ClaimPayment..., then RemittanceTrailer

    # 4. Validation: every envelope, syntax and balancing problem, nothing raised
    #    unless the file cannot be read at all.
    for problem in validate("era.835"):
        print(problem.severity, problem)

Strict and lenient
------------------
Readers are strict by default: the first problem raises an :class:`X12Error` subclass
carrying ``segment_position``, ``segment_id``, ``element``, ``expected`` and ``found``.
Pass ``strict=False, problems=[]`` to collect problems and read on. Warnings
(``severity == "warning"``, e.g. an ISA not padded to fixed width) never raise.
Version 4010 (ISA12 00401 / GS08 004010...) raises :class:`X12VersionError`.

The writers (837P, 270, 276) live in :mod:`openrcm.x12.write`.
"""

from __future__ import annotations

from openrcm.x12.balancing import check_claim, check_remittance, check_stream_totals
from openrcm.x12.delimiters import Delimiters, detect_delimiters
from openrcm.x12.documents import (
    read_documents,
    read_file,
    read_remittances,
    stream_remittance,
    validate,
)
from openrcm.x12.errors import (
    X12BalanceError,
    X12EnvelopeError,
    X12Error,
    X12StructureError,
    X12SyntaxError,
    X12VersionError,
    X12WriteError,
)
from openrcm.x12.jsonio import from_json, to_json
from openrcm.x12.models import (
    Adjustment,
    ClaimPayment,
    ClaimStatus,
    ClaimStatusResponse,
    Document,
    EligibilityMember,
    EligibilityResponse,
    Envelope,
    GenericTransaction,
    ImplementationAck,
    InterchangeAck,
    Remittance,
    RemittanceHeader,
    RemittanceTrailer,
    Segment,
    ServicePayment,
)
from openrcm.x12.reader import iter_segments, iter_transaction_sets

__all__ = [
    "Adjustment",
    "ClaimPayment",
    "ClaimStatus",
    "ClaimStatusResponse",
    "Delimiters",
    "Document",
    "EligibilityMember",
    "EligibilityResponse",
    "Envelope",
    "GenericTransaction",
    "ImplementationAck",
    "InterchangeAck",
    "Remittance",
    "RemittanceHeader",
    "RemittanceTrailer",
    "Segment",
    "ServicePayment",
    "X12BalanceError",
    "X12EnvelopeError",
    "X12Error",
    "X12StructureError",
    "X12SyntaxError",
    "X12VersionError",
    "X12WriteError",
    "check_claim",
    "check_remittance",
    "check_stream_totals",
    "detect_delimiters",
    "from_json",
    "iter_segments",
    "iter_transaction_sets",
    "read_documents",
    "read_file",
    "read_remittances",
    "stream_remittance",
    "to_json",
    "validate",
]
