"""Production settings: refuse to start without keys; secure cookies, HSTS, CSP, no framing."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import pytest
from django.test import Client as HttpClient

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({k: getattr(s, k, None) for k in ("
    "'DEBUG','SESSION_COOKIE_SECURE','CSRF_COOKIE_SECURE','SECURE_HSTS_SECONDS',"
    "'SECURE_SSL_REDIRECT','X_FRAME_OPTIONS','SESSION_COOKIE_HTTPONLY','PASSWORD_HASHERS')}))"
)


def _settings_in(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENRCM_")}
    clean.pop("DATABASE_URL", None)
    clean.update(env, DJANGO_SETTINGS_MODULE="openrcm.settings")
    return subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=clean, check=False
    )


def test_production_refuses_to_start_without_keys(tmp_path):
    done = _settings_in({"OPENRCM_ENV": "production", "OPENRCM_VAR_DIR": str(tmp_path)})
    assert done.returncode != 0
    for name in ("OPENRCM_SECRET_KEY", "OPENRCM_FIELD_KEYS", "OPENRCM_SEARCH_KEY", "DATABASE_URL"):
        assert f"{name} is not set" in done.stderr


def test_production_settings_are_locked_down(tmp_path):
    key = base64.b64encode(os.urandom(32)).decode()
    done = _settings_in(
        {
            "OPENRCM_ENV": "production",
            "OPENRCM_VAR_DIR": str(tmp_path),
            "OPENRCM_SECRET_KEY": "s" * 60,
            "OPENRCM_FIELD_KEYS": f"k1:{key}",
            "OPENRCM_SEARCH_KEY": key,
            "DATABASE_URL": "postgres://u:p@db.example.test/openrcm",
            "OPENRCM_ALLOWED_HOSTS": "rcm.example.test",
        }
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["DEBUG"] is False
    assert got["SESSION_COOKIE_SECURE"] is True
    assert got["CSRF_COOKIE_SECURE"] is True
    assert got["SECURE_SSL_REDIRECT"] is True
    assert got["SECURE_HSTS_SECONDS"] >= 31536000
    assert got["X_FRAME_OPTIONS"] == "DENY"
    assert got["SESSION_COOKIE_HTTPONLY"] is True
    assert got["PASSWORD_HASHERS"][0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db
def test_every_response_carries_csp_no_framing_and_a_request_id():
    response = HttpClient().get("/accounts/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert len(response["X-Request-ID"]) >= 8
    assert response["X-Content-Type-Options"] == "nosniff"
