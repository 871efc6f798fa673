from __future__ import annotations

import base64

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from openrcm.config import new_field_key_entry


def test_check_config_lists_every_problem(monkeypatch):
    for name in ("OPENRCM_SECRET_KEY", "OPENRCM_FIELD_KEYS", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENRCM_DEBUG", "1")
    with pytest.raises(CommandError) as caught:
        call_command("check_config")
    text = str(caught.value)
    assert "OPENRCM_SECRET_KEY is not set" in text
    assert "DATABASE_URL is not set" in text
    assert "OPENRCM_DEBUG is on" in text


def test_check_config_passes_a_complete_environment(monkeypatch, capsys):
    monkeypatch.setenv("OPENRCM_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("OPENRCM_FIELD_KEYS", new_field_key_entry("k1"))
    monkeypatch.setenv("OPENRCM_SEARCH_KEY", base64.b64encode(b"s" * 32).decode())
    monkeypatch.setenv("DATABASE_URL", "postgres://openrcm@db.internal/openrcm")
    monkeypatch.setenv("OPENRCM_ALLOWED_HOSTS", "rcm.example.test")
    monkeypatch.delenv("OPENRCM_DEBUG", raising=False)
    call_command("check_config")
    assert "ready for production" in capsys.readouterr().out
