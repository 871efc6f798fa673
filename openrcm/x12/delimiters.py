"""Delimiters of an X12 interchange, read from its ISA segment.

The ISA segment is fixed width (106 characters): the element separator is character 3,
the repetition separator is ISA11 (character 82, only from version 00402 on; a letter
such as ``U`` there is the old "standards identifier" and means "no repetition
separator"), the component separator is ISA16 (character 104) and the segment terminator
follows it (character 105). A terminator may itself be a line break.

An ISA whose fields are not padded to their fixed widths is still read by counting its
element separators; :attr:`Delimiters.fixed_width` says whether the layout was regular so
a validator can report it.
"""

from __future__ import annotations

from dataclasses import dataclass

from openrcm.x12.errors import X12SyntaxError

ISA_LENGTH = 106
_ISA_ELEMENTS = 16
_FIXED_SEPARATOR_OFFSETS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four separators of an interchange."""

    element: str = "*"
    component: str = ":"
    repetition: str | None = "^"
    segment: str = "~"
    fixed_width: bool = True

    def __post_init__(self) -> None:
        chars = [self.element, self.component, self.segment]
        if self.repetition is not None:
            chars.append(self.repetition)
        if any(len(c) != 1 for c in chars) or len(set(chars)) != len(chars):
            raise X12SyntaxError(
                "delimiters must be single, distinct characters",
                segment_position=1,
                segment_id="ISA",
                expected="four distinct one-character separators",
                found=repr(tuple(chars)),
            )


def _is_delimiter_char(ch: str) -> bool:
    return not ch.isalnum() and ch != " "


def detect_delimiters(head: str) -> tuple[Delimiters, list[str], int]:
    """Read the delimiters from the start of an interchange.

    ``head`` is the text from the first character of ``ISA`` (at least the whole ISA
    segment and its terminator). Returns the delimiters, the ISA's elements (``ISA`` first)
    and the offset just past the ISA's terminator. Raises :class:`X12SyntaxError` when the
    text does not start with a readable ISA segment.
    """
    if not head.startswith("ISA"):
        found = head[:3]
        raise X12SyntaxError(
            "not an X12 interchange: the data must begin with an ISA segment",
            segment_position=1,
            expected="ISA",
            found=found,
        )
    if len(head) < 4:
        raise X12SyntaxError("the ISA segment is cut short", segment_position=1, segment_id="ISA")
    element = head[3]
    if not _is_delimiter_char(element) or element in "\r\n":
        raise X12SyntaxError(
            "the element separator (character 4 of ISA) must not be a letter, digit or space",
            segment_position=1,
            segment_id="ISA",
            expected="a separator such as '*'",
            found=element,
        )
    fixed = len(head) >= ISA_LENGTH and all(
        head[offset] == element for offset in _FIXED_SEPARATOR_OFFSETS
    )
    if fixed:
        component = head[104]
        segment = head[105]
        end = ISA_LENGTH
        elements = [*head[:103].split(element), component]
    else:
        # Not padded to fixed width: count the 16 element separators instead.
        index = 3
        for number in range(1, _ISA_ELEMENTS + 1):
            index = head.find(element, index)
            if index < 0 or index > 400:
                raise X12SyntaxError(
                    "the ISA segment does not have its 16 elements",
                    segment_position=1,
                    segment_id="ISA",
                    element=number,
                    expected="16 elements separated by " + repr(element),
                )
            index += 1
        if index + 1 >= len(head):
            raise X12SyntaxError(
                "the ISA segment is cut short before its component separator and terminator",
                segment_position=1,
                segment_id="ISA",
                element=16,
            )
        component = head[index]
        segment = head[index + 1]
        end = index + 2
        elements = [*head[: index - 1].split(element), component]
    if len(elements) != _ISA_ELEMENTS + 1:
        raise X12SyntaxError(
            "the ISA segment does not have its 16 elements",
            segment_position=1,
            segment_id="ISA",
            expected="16 elements",
            found=str(len(elements) - 1),
        )
    if not _is_delimiter_char(component):
        raise X12SyntaxError(
            "the component separator (ISA16) must not be a letter, digit or space",
            segment_position=1,
            segment_id="ISA",
            element=16,
            found=component,
        )
    if segment.isalnum() or segment == " ":
        raise X12SyntaxError(
            "the segment terminator after ISA16 must not be a letter, digit or space",
            segment_position=1,
            segment_id="ISA",
            element=16,
            found=segment,
        )
    repetition_char = elements[11]
    version = elements[12]
    repetition: str | None = None
    if (
        len(repetition_char) == 1
        and _is_delimiter_char(repetition_char)
        and version >= "00402"
        and repetition_char not in (element, component, segment)
    ):
        repetition = repetition_char
    delimiters = Delimiters(
        element=element,
        component=component,
        repetition=repetition,
        segment=segment,
        fixed_width=fixed,
    )
    return delimiters, elements, end
