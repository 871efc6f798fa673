"""Model fields for direct identifiers: encrypted at rest, with keyed hashes for search.

``EncryptedTextField`` / ``EncryptedDateField`` hold SSNs, member IDs, dates of birth,
phones, emails and street addresses. The database sees only ciphertext, so a raw dump
shows none of them. Such a column cannot be filtered on; a ``SearchHashField`` beside it
holds an HMAC of the normalised value for exact-match search (``search_hash_for``).
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from openrcm.core.crypto import DecryptionError, field_cipher


def _context(field: models.Field[Any, Any]) -> str:
    return f"{field.model._meta.db_table}.{field.column}"


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]  # stubs' generics
    """Text stored as AES-GCM ciphertext tagged with its key id."""

    description = "Encrypted text"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return field_cipher().encrypt(str(value), context=_context(self))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        try:
            return self.decode_plaintext(field_cipher().decrypt(value, context=_context(self)))
        except DecryptionError as exc:
            raise DecryptionError(f"{_context(self)}: {exc}") from exc

    def decode_plaintext(self, text: str) -> Any:
        return text

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in {"isnull", "exact"}:
            return None
        return super().get_lookup(lookup_name)


class EncryptedBytesField(EncryptedTextField):
    """A document (a PDF letter, say) stored encrypted; Python sees ``bytes``."""

    description = "Encrypted document"

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, memoryview):
            value = bytes(value)
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii") if value else ""
        return super().get_prep_value(value)

    def decode_plaintext(self, text: str) -> Any:
        return base64.b64decode(text)


class EncryptedDateField(EncryptedTextField):
    """A date (e.g. of birth) stored encrypted as ISO text; Python sees ``date``."""

    description = "Encrypted date"

    def to_python(self, value: Any) -> Any:
        if value is None or value == "" or isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ValidationError(f"{value!r} is not a date (YYYY-MM-DD)") from exc

    def get_prep_value(self, value: Any) -> Any:
        value = self.to_python(value)
        if isinstance(value, datetime.date):
            value = value.isoformat()
        return super().get_prep_value(value)

    def decode_plaintext(self, text: str) -> Any:
        return datetime.date.fromisoformat(text)

    def formfield(
        self, form_class: Any = None, choices_form_class: Any = None, **kwargs: Any
    ) -> Any:
        return forms.DateField(**{"required": not self.blank, **kwargs})


class SearchHashField(models.CharField):  # type: ignore[type-arg]
    """HMAC of another field's normalised value, kept up to date on save."""

    def __init__(
        self,
        *args: Any,
        source: str = "",
        purpose: str = "",
        normalizer: Callable[[Any], str] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", True)
        self.source = source
        self.purpose = purpose or source
        self.normalizer = normalizer
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, purpose=self.purpose, normalizer=self.normalizer)
        for key in ("max_length", "editable", "blank", "default", "db_index"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def hash_of(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        normalized = self.normalizer(value) if self.normalizer else str(value).strip()
        if not normalized:
            return ""
        return field_cipher().search_hash(normalized, purpose=self.purpose)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.hash_of(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def search_hash_for(model: type[models.Model], hash_field: str, value: Any) -> str:
    """The hash to filter ``model`` by: ``Patient.objects.filter(dob_hash=...)``."""
    field = model._meta.get_field(hash_field)
    if not isinstance(field, SearchHashField):
        raise TypeError(f"{model.__name__}.{hash_field} is not a SearchHashField")
    return field.hash_of(value)
