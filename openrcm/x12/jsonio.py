"""JSON for the typed documents: ``to_json(doc) -> str`` and ``from_json(text) -> doc``.

Every dataclass becomes an object with a ``"type"`` member naming its class; Decimals are
strings (``"125.50"``, never floats), dates ISO strings, tuples arrays. ``from_json``
rebuilds exactly the document that was written (``from_json(to_json(d)) == d``).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from openrcm.x12 import models
from openrcm.x12.delimiters import Delimiters
from openrcm.x12.errors import X12Error

_CLASSES: dict[str, type[Any]] = {
    name: obj
    for name, obj in vars(models).items()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj)
}
_CLASSES["Delimiters"] = Delimiters


def to_data(value: object) -> Any:
    """The JSON-ready form of a document or any part of one."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data: dict[str, Any] = {"type": type(value).__name__}
        for field in dataclasses.fields(value):
            data[field.name] = to_data(getattr(value, field.name))
        return data
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_data(item) for item in value]
    return value


def to_json(document: object, *, indent: int | None = None) -> str:
    """The document as JSON text."""
    return json.dumps(to_data(document), indent=indent, ensure_ascii=False)


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    found = _HINTS.get(cls)
    if found is None:
        found = typing.get_type_hints(cls, vars(models) | {"Delimiters": Delimiters})
        _HINTS[cls] = found
    return found


def _fail(message: str, found: object) -> X12Error:
    return X12Error(f"cannot read the JSON document: {message}", found=repr(found)[:60])


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            return _convert(option, value)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, list):
            raise _fail("expected an array", value)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], item) for item in value)
        if len(args) != len(value):
            raise _fail("wrong number of items", value)
        return tuple(_convert(arg, item) for arg, item in zip(args, value, strict=True))
    if hint is Decimal:
        if not isinstance(value, str):
            raise _fail("amounts are strings", value)
        try:
            return Decimal(value)
        except InvalidOperation:
            raise _fail("not a decimal amount", value) from None
    if hint is date:
        if not isinstance(value, str):
            raise _fail("dates are ISO strings", value)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise _fail("not an ISO date", value) from None
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return from_data(value)
    if hint in (str, int, bool):
        if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
            raise _fail(f"expected {hint.__name__}", value)
        return value
    raise _fail("unsupported field type", hint)  # pragma: no cover - models use the above


def from_data(data: Any) -> Any:
    """Rebuild a document (or part) from :func:`to_data` output."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise _fail("expected an object with a 'type'", data)
    cls = _CLASSES.get(data["type"])
    if cls is None:
        raise _fail("unknown type", data["type"])
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        if field.name not in data:
            raise _fail(f"{cls.__name__} lacks {field.name!r}", data)
        values[field.name] = _convert(hints[field.name], data[field.name])
    return cls(**values)


def from_json(text: str) -> Any:
    """Rebuild the document written by :func:`to_json`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise X12Error(f"not JSON: {exc}") from None
    return from_data(data)
