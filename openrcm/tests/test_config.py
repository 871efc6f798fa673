"""Configuration: safe development defaults, refusal to start a bad production."""

from __future__ import annotations

import base64
import json
import stat

import pytest

from openrcm.config import (
    ConfigurationError,
    load_secrets,
    new_field_key_entry,
    parse_field_keys,
    production_problems,
)


def good_production_env() -> dict[str, str]:
    return {
        "OPENRCM_SECRET_KEY": "s" * 60,
        "OPENRCM_FIELD_KEYS": new_field_key_entry("k2") + "," + new_field_key_entry("k1"),
        "OPENRCM_SEARCH_KEY": base64.b64encode(b"x" * 32).decode(),
        "DATABASE_URL": "postgres://openrcm@db.internal/openrcm",
        "OPENRCM_ALLOWED_HOSTS": "rcm.example.test",
    }


def test_complete_production_environment_has_no_problems():
    assert production_problems(good_production_env()) == []


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("OPENRCM_SECRET_KEY", "OPENRCM_SECRET_KEY is not set"),
        ("OPENRCM_FIELD_KEYS", "OPENRCM_FIELD_KEYS is not set"),
        ("OPENRCM_SEARCH_KEY", "OPENRCM_SEARCH_KEY is not set"),
        ("DATABASE_URL", "DATABASE_URL is not set"),
        ("OPENRCM_ALLOWED_HOSTS", "OPENRCM_ALLOWED_HOSTS is not set"),
    ],
)
def test_production_names_each_missing_setting(missing, named):
    env = good_production_env()
    del env[missing]
    problems = production_problems(env)
    assert any(p.startswith(named) for p in problems), problems


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"OPENRCM_DEBUG": "1"}, "OPENRCM_DEBUG is on"),
        ({"OPENRCM_SECURE_SSL_REDIRECT": "false"}, "OPENRCM_SECURE_SSL_REDIRECT is off"),
        ({"OPENRCM_SECURE_COOKIES": "no"}, "OPENRCM_SECURE_COOKIES is off"),
        ({"OPENRCM_HSTS_SECONDS": "0"}, "OPENRCM_HSTS_SECONDS is under one day"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL points at SQLite"),
        ({"OPENRCM_SECRET_KEY": "short"}, "OPENRCM_SECRET_KEY is shorter"),
        ({"OPENRCM_FIELD_KEYS": "k1:notbase64!!"}, "the key is not base64"),
    ],
)
def test_production_refuses_unsafe_settings(change, expected):
    problems = production_problems({**good_production_env(), **change})
    assert any(expected in p for p in problems), problems


def test_load_secrets_in_production_raises_with_every_problem(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        load_secrets({"OPENRCM_DEBUG": "1"}, production=True, var_dir=tmp_path)
    text = str(caught.value)
    assert "OPENRCM_SECRET_KEY is not set" in text
    assert "OPENRCM_DEBUG is on" in text
    assert not (tmp_path / "keys.json").exists()


def test_development_keys_are_generated_once_and_kept_private(tmp_path):
    first = load_secrets({}, production=False, var_dir=tmp_path)
    second = load_secrets({}, production=False, var_dir=tmp_path)
    assert first == second
    stored = json.loads((tmp_path / "keys.json").read_text())
    assert set(stored) == {"OPENRCM_SECRET_KEY", "OPENRCM_FIELD_KEYS", "OPENRCM_SEARCH_KEY"}
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600


def test_environment_overrides_development_keys(tmp_path):
    entry = new_field_key_entry("mine")
    loaded = load_secrets({"OPENRCM_FIELD_KEYS": entry}, production=False, var_dir=tmp_path)
    assert list(loaded.field_keys) == ["mine"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "holds no key"),
        ("nokid", "must look like 'key-id:base64-key'"),
        ("k1:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
        (new_field_key_entry("k1") + "," + new_field_key_entry("k1"), "names key id 'k1' twice"),
    ],
)
def test_field_keys_format_errors(raw, message):
    with pytest.raises(ConfigurationError, match=message):
        parse_field_keys(raw)


def test_first_field_key_is_current():
    keys = parse_field_keys(new_field_key_entry("new") + "," + new_field_key_entry("old"))
    assert list(keys) == ["new", "old"]
