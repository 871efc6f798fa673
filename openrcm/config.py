"""Configuration from the environment, checked before Django starts.

Development gets safe defaults: secrets are generated once into ``var/keys.json`` (mode
0600) so a restart keeps the same keys. ``OPENRCM_ENV=production`` refuses to start
without real keys, with DEBUG on, or without HTTPS settings, and names each missing
setting. This module is plain Python so the rules can be tested without Django.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


class ConfigurationError(Exception):
    """The environment does not describe a deployment openrcm may start in."""


def default_var_dir() -> Path:
    """``var/`` of the source checkout when run from one, else ``./var``."""
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file():
        return checkout / "var"
    return Path.cwd() / "var"


def env_flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(f"{name}={raw!r} is not a yes/no value (use 1/0, true/false)")


def parse_field_keys(raw: str) -> dict[str, bytes]:
    """``kid:base64key,kid2:base64key`` → ordered {kid: 32-byte key}; the first is current."""
    keys: dict[str, bytes] = {}
    for position, item in enumerate(filter(None, (p.strip() for p in raw.split(","))), 1):
        kid, sep, encoded = item.partition(":")
        if not sep or not kid:
            raise ConfigurationError(
                f"OPENRCM_FIELD_KEYS entry {position} must look like 'key-id:base64-key'"
            )
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ConfigurationError(
                f"OPENRCM_FIELD_KEYS entry {position} ({kid}): the key is not base64"
            ) from exc
        if len(key) != 32:
            raise ConfigurationError(
                f"OPENRCM_FIELD_KEYS entry {position} ({kid}): the key must be 32 bytes "
                f"(AES-256), got {len(key)}"
            )
        if kid in keys:
            raise ConfigurationError(f"OPENRCM_FIELD_KEYS names key id {kid!r} twice")
        keys[kid] = key
    if not keys:
        raise ConfigurationError("OPENRCM_FIELD_KEYS holds no key")
    return keys


def new_field_key_entry(kid: str) -> str:
    return f"{kid}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


@dataclass(frozen=True)
class Secrets:
    secret_key: str
    field_keys: dict[str, bytes]
    search_key: bytes


def development_secrets(var_dir: Path) -> dict[str, str]:
    """Keys generated once into var/keys.json, reused on every later start."""
    path = var_dir / "keys.json"
    if path.is_file():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    var_dir.mkdir(parents=True, exist_ok=True)
    stored = {
        "OPENRCM_SECRET_KEY": secrets.token_urlsafe(50),
        "OPENRCM_FIELD_KEYS": new_field_key_entry("dev1"),
        "OPENRCM_SEARCH_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle, indent=2)
    return stored


def production_problems(env: Mapping[str, str]) -> list[str]:
    """Every reason the environment is not fit for production, in words."""
    problems: list[str] = []
    for name, what in (
        ("OPENRCM_SECRET_KEY", "the Django secret key (50+ random characters)"),
        ("OPENRCM_FIELD_KEYS", "the field-encryption keys ('key-id:base64-32-bytes,...')"),
        ("OPENRCM_SEARCH_KEY", "the key of the keyed hashes beside searchable identifiers"),
        ("DATABASE_URL", "the PostgreSQL database (postgres://user:password@host/name)"),
        ("OPENRCM_ALLOWED_HOSTS", "the host names the site answers to (comma-separated)"),
    ):
        if not env.get(name, "").strip():
            problems.append(f"{name} is not set: {what}")
    if len(env.get("OPENRCM_SECRET_KEY", "")) and len(env["OPENRCM_SECRET_KEY"]) < 50:
        problems.append("OPENRCM_SECRET_KEY is shorter than 50 characters")
    if env.get("OPENRCM_FIELD_KEYS", "").strip():
        try:
            parse_field_keys(env["OPENRCM_FIELD_KEYS"])
        except ConfigurationError as exc:
            problems.append(str(exc))
    try:
        if env_flag(env, "OPENRCM_DEBUG", False):
            problems.append("OPENRCM_DEBUG is on: production must run with DEBUG off")
    except ConfigurationError as exc:
        problems.append(str(exc))
    for name in ("OPENRCM_SECURE_SSL_REDIRECT", "OPENRCM_SECURE_COOKIES"):
        try:
            if not env_flag(env, name, True):
                problems.append(f"{name} is off: production serves only over HTTPS")
        except ConfigurationError as exc:
            problems.append(str(exc))
    try:
        if int(env.get("OPENRCM_HSTS_SECONDS", "31536000")) < 86400:
            problems.append("OPENRCM_HSTS_SECONDS is under one day: HSTS must be on")
    except ValueError:
        problems.append("OPENRCM_HSTS_SECONDS is not a whole number of seconds")
    if env.get("DATABASE_URL", "").startswith("sqlite"):
        problems.append("DATABASE_URL points at SQLite: production runs on PostgreSQL")
    return problems


def load_secrets(env: Mapping[str, str], *, production: bool, var_dir: Path) -> Secrets:
    if production:
        problems = production_problems(env)
        if problems:
            raise ConfigurationError(
                "openrcm refuses to start in production:\n  - " + "\n  - ".join(problems)
            )
        source: Mapping[str, str] = env
    else:
        generated = development_secrets(var_dir)
        source = {**generated, **{k: v for k, v in env.items() if v}}
    try:
        search_key = base64.b64decode(source["OPENRCM_SEARCH_KEY"], validate=True)
    except ValueError as exc:
        raise ConfigurationError("OPENRCM_SEARCH_KEY is not base64") from exc
    if len(search_key) < 32:
        raise ConfigurationError("OPENRCM_SEARCH_KEY must decode to at least 32 bytes")
    return Secrets(
        secret_key=source["OPENRCM_SECRET_KEY"],
        field_keys=parse_field_keys(source["OPENRCM_FIELD_KEYS"]),
        search_key=search_key,
    )
