"""A small writer for the 999 implementation acknowledgement (005010X231A1).

openrcm does not send 999s to trading partners; the embedded sandbox clearinghouse uses
this writer to answer the 837P files it receives. The output is read back by
``openrcm.x12.read_documents`` as an ``ImplementationAck``.
"""

from __future__ import annotations

from dataclasses import dataclass

from openrcm.x12.write.encoder import (
    InterchangeSettings,
    SegmentWriter,
    freeze_field,
    require_code,
    require_text,
    write_interchange,
)

IMPLEMENTATION_REFERENCE_999 = "005010X231A1"
_SET_STATUSES = frozenset({"A", "E", "M", "R", "W", "X"})
_GROUP_STATUSES = frozenset({"A", "E", "M", "P", "R", "W", "X"})


@dataclass(frozen=True, slots=True)
class SetAcknowledgment:
    """AK2 .. IK5: the verdict on one transaction set of the acknowledged group.

    ``status`` is IK501 (A accepted, E accepted with errors, R rejected); ``error_codes``
    are IK502-IK506 (e.g. 5 = one or more segments in error).
    """

    transaction_set_id: str
    control_number: str
    status: str = "A"
    implementation_reference: str = ""
    error_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        freeze_field(self, "error_codes")


@dataclass(frozen=True, slots=True)
class Acknowledgment999:
    """AK1 .. AK9: the acknowledged group (its GS01, GS06, GS08) and its sets.

    ``group_status`` is AK901 (A, E, P partially accepted, R); ``group_error_codes`` are
    AK905-AK909.
    """

    functional_id: str
    group_control_number: str
    version: str
    sets: tuple[SetAcknowledgment, ...]
    group_status: str
    sets_included: int
    sets_received: int
    sets_accepted: int
    group_error_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        freeze_field(self, "sets")
        freeze_field(self, "group_error_codes")


def write_999(interchange: InterchangeSettings, ack: Acknowledgment999) -> bytes:
    """One interchange holding one 999 for one acknowledged functional group."""

    def body(out: SegmentWriter) -> None:
        out.where = "999"
        out.segment(
            "AK1",
            require_text(out, ack.functional_id, "AK101 functional id", max_length=2),
            require_text(out, ack.group_control_number, "AK102 group control", max_length=9),
            require_text(out, ack.version, "AK103 version", max_length=12),
        )
        for item in ack.sets:
            out.where = f"999 set {item.control_number}"
            out.segment(
                "AK2",
                require_text(out, item.transaction_set_id, "AK201", max_length=3),
                require_text(out, item.control_number, "AK202", max_length=9, min_length=4),
                item.implementation_reference,
            )
            status = require_code(out, item.status, "IK501", _SET_STATUSES)
            out.segment("IK5", status, *item.error_codes[:5])
        out.where = "999 group"
        out.segment(
            "AK9",
            require_code(out, ack.group_status, "AK901", _GROUP_STATUSES),
            str(ack.sets_included),
            str(ack.sets_received),
            str(ack.sets_accepted),
            *ack.group_error_codes[:5],
        )

    return write_interchange(
        interchange,
        functional_identifier="FA",
        transaction_set_id="999",
        implementation_reference=IMPLEMENTATION_REFERENCE_999,
        write_body=body,
    )
