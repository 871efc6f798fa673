"""Fast construction of frozen, slotted dataclasses for the hot paths of the readers.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (about
70 ns a field), which made building claims and service lines the largest cost of reading
an 835. :func:`fast_constructor` returns a function that fills an instance of a plain
slotted twin class (same slots, same order) and then gives it the frozen class, which
CPython allows because the layouts are identical. The result is an ordinary instance of
the frozen dataclass (immutable, equal and hashing as one built by ``__init__``); the
tests check this. Arguments are positional, in field order, with no defaults.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def fast_constructor(cls: type[T]) -> Callable[..., T]:
    """A positional constructor for the frozen, slotted dataclass ``cls``."""
    names = [field.name for field in dataclasses.fields(cls)]  # type: ignore[arg-type]
    slots = getattr(cls, "__slots__", None)
    if tuple(names) != tuple(slots or ()):
        raise TypeError(f"{cls.__name__} is not a slotted dataclass with one slot per field")
    twin = type(f"_{cls.__name__}Twin", (), {"__slots__": tuple(names)})
    arguments = ", ".join(names)
    body = "".join(f"    instance.{name} = {name}\n" for name in names)
    source = (
        f"def make({arguments}):\n"
        "    instance = new(twin)\n"
        f"{body}"
        "    instance.__class__ = frozen\n"
        "    return instance\n"
    )
    namespace: dict[str, Any] = {}
    exec(source, {"new": object.__new__, "twin": twin, "frozen": cls}, namespace)  # noqa: S102 - source built from field names only
    make: Callable[..., T] = namespace["make"]
    make.__qualname__ = make.__name__ = f"make_{cls.__name__}"
    return make
