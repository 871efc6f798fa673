"""Field-level encryption of direct identifiers (AES-256-GCM) and keyed search hashes.

A stored value looks like ``enc1$<key id>$<base64 nonce+ciphertext>``: the key id says
which key encrypted it, so keys can rotate (``openrcm keys rotate`` re-encrypts every row
with the current key). The column name is bound in as associated data, so a value copied
into another column does not decrypt.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "enc1$"


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key."""


class FieldCipher:
    def __init__(self, keys: dict[str, bytes], search_key: bytes):
        if not keys:
            raise ValueError("at least one field key is required")
        self.keys = dict(keys)
        self.current_kid = next(iter(keys))
        self.search_key = search_key
        self._aead = {kid: AESGCM(key) for kid, key in keys.items()}

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead[self.current_kid].encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        return f"{PREFIX}{self.current_kid}${base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, stored: str, *, context: str) -> str:
        if not stored.startswith(PREFIX):
            raise DecryptionError("value is not in the encrypted format")
        try:
            _, kid, payload = stored.split("$", 2)
            raw = base64.b64decode(payload, validate=True)
        except ValueError as exc:
            raise DecryptionError("encrypted value is damaged") from exc
        aead = self._aead.get(kid)
        if aead is None:
            raise DecryptionError(f"no key with id {kid!r} is configured (OPENRCM_FIELD_KEYS)")
        try:
            return aead.decrypt(raw[:12], raw[12:], context.encode("utf-8")).decode("utf-8")
        except InvalidTag as exc:
            raise DecryptionError(f"encrypted value does not verify under key {kid!r}") from exc

    @staticmethod
    def key_id_of(stored: str) -> str | None:
        if not stored.startswith(PREFIX):
            return None
        return stored.split("$", 2)[1]

    def search_hash(self, normalized: str, *, purpose: str) -> str:
        """Keyed hash (HMAC-SHA256) of a normalised value, for exact-match search."""
        mac = hmac.new(self.search_key, f"{purpose}\x00{normalized}".encode(), hashlib.sha256)
        return mac.hexdigest()


@lru_cache(maxsize=1)
def _cipher_for(keys: tuple[tuple[str, bytes], ...], search_key: bytes) -> FieldCipher:
    return FieldCipher(dict(keys), search_key)


_current: tuple[object, object, FieldCipher] | None = None


def field_cipher() -> FieldCipher:
    """The cipher configured in settings (OPENRCM_FIELD_KEYS, OPENRCM_SEARCH_KEY).

    Called for every encrypted value read or written, so the answer is kept while the
    settings objects are the same ones (tests that override them get a new cipher)."""
    global _current
    from django.conf import settings

    keys, search_key = settings.OPENRCM_FIELD_KEYS, settings.OPENRCM_SEARCH_KEY
    current = _current
    if current is not None and current[0] is keys and current[1] is search_key:
        return current[2]
    cipher = _cipher_for(tuple(keys.items()), bytes(search_key))
    _current = (keys, search_key, cipher)
    return cipher
