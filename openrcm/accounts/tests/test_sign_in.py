"""Sign-in: password then second factor, MFA enrolment for staff, lockout, idle logoff."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from openrcm.accounts.services import (
    AccountLocked,
    SignInRefused,
    login_password_check,
    mfa_recovery_codes_generate,
    user_create,
    user_unlock,
)
from openrcm.accounts.testing import TEST_PASSWORD, current_totp, make_user, sign_in, totp_device
from openrcm.core.actor import Actor
from openrcm.core.errors import PermissionDenied, ValidationFailed
from openrcm.core.testing import TEST_ACTOR, make_client
from openrcm.privacy.models import AuditAction, AuditEvent
from openrcm.privacy.services import audit_chain_verify

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
VERIFY = "/accounts/login/verify/"
ENROL = "/accounts/mfa/enroll/"


def _password(http: Any, user: Any, password: str = TEST_PASSWORD) -> Any:
    return http.post(LOGIN, {"username": user.username, "password": password})


def _audit(action: str, **filters: Any) -> Any:
    return AuditEvent.objects.filter(action=action, **filters)


# ---- user_create ----------------------------------------------------------------------


def test_client_roles_need_a_practice_and_staff_must_not_have_one():
    practice = make_client()
    with pytest.raises(ValidationFailed) as exc:
        user_create(
            actor=TEST_ACTOR, username="fd1", password=TEST_PASSWORD, role="client_front_desk"
        )
    assert ("client", "a user of a client practice must belong to a practice") in exc.value.problems
    with pytest.raises(ValidationFailed) as exc:
        user_create(
            actor=TEST_ACTOR, username="b1", password=TEST_PASSWORD, role="biller", client=practice
        )
    assert exc.value.problems[0][0] == "client"


def test_weak_password_and_unknown_role_are_refused_with_every_problem():
    with pytest.raises(ValidationFailed) as exc:
        user_create(actor=TEST_ACTOR, username="x", password="password", role="wizard")
    fields = [f for f, _ in exc.value.problems]
    assert "role" in fields
    assert fields.count("password") >= 2  # too short and too common


def test_user_create_is_audited_and_needs_user_manage():
    biller = make_user("biller")
    with pytest.raises(PermissionDenied):
        user_create(
            actor=Actor.for_user(biller), username="n1", password=TEST_PASSWORD, role="coder"
        )
    assert _audit(AuditAction.PERMISSION_DENIED, user_id=biller.pk, detail="user.manage").exists()
    admin = make_user("administrator")
    coder = user_create(
        actor=Actor.for_user(admin), username="n2", password=TEST_PASSWORD, role="coder"
    )
    row = _audit(AuditAction.CREATE, object_type="accounts.user", object_id=str(coder.pk)).get()
    assert row.actor == admin.username
    assert row.changes["role"] == [None, "coder"]
    assert TEST_PASSWORD not in str(row.changes)
    assert coder.password.startswith("argon2")


# ---- password, then second factor ------------------------------------------------------


def test_staff_sign_in_needs_the_code_before_any_page():
    biller = make_user("biller")
    http = HttpClient()
    response = _password(http, biller)
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    # The password alone is not a session: pages still send to the sign-in page.
    home = http.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith(LOGIN)
    wrong = http.post(VERIFY, {"token": "000000" if current_totp(biller) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert b"not right" in wrong.content
    totp_device(biller).throttle_reset()  # django-otp slows retries after a wrong code
    response = http.post(VERIFY, {"token": current_totp(biller)})
    assert response.status_code == 302
    assert http.get("/").status_code == 200
    login_row = _audit(AuditAction.LOGIN, user_id=biller.pk).get()
    assert "authenticator" in login_row.detail
    assert login_row.ip == "127.0.0.1"
    assert login_row.request_id


def test_staff_without_authenticator_can_only_enrol():
    coder = make_user("coder", mfa=False)
    http = HttpClient()
    response = _password(http, coder)
    assert response["Location"].startswith(ENROL)
    for path in ("/", "/patients/", "/api/patients/", "/admin/"):
        blocked = http.get(path)
        if path.startswith("/api/"):
            assert blocked.status_code == 401, path
        else:
            assert blocked.status_code == 302, path
            assert blocked["Location"].startswith(ENROL), path
    page = http.get(ENROL)
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code, inline
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=coder, confirmed=False)
    from django_otp.oath import TOTP

    token = f"{TOTP(device.bin_key).token():06d}"
    done = http.post(ENROL, {"token": token})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    for code in codes:
        assert code.encode() in done.content
    assert http.get("/").status_code == 200  # enrolled and verified: free to work
    assert TOTPDevice.objects.get(user=coder).confirmed


def test_enrolment_cannot_replace_a_device_with_the_password_alone():
    biller = make_user("biller")
    http = HttpClient()
    http.force_login(biller)  # password passed, second factor not
    response = http.get(ENROL)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_recovery_code_works_once():
    biller = make_user("biller")
    codes = mfa_recovery_codes_generate(actor=TEST_ACTOR, user=biller)
    http = HttpClient()
    _password(http, biller)
    assert http.post(VERIFY, {"token": codes[0]}).status_code == 302
    assert http.get("/").status_code == 200
    http2 = HttpClient()
    _password(http2, biller)
    again = http2.post(VERIFY, {"token": codes[0]})
    assert again.status_code == 200  # refused: used already
    assert _audit(AuditAction.MFA, detail="recovery code used").count() == 1


def test_client_users_may_sign_in_without_mfa_but_use_it_when_enrolled():
    practice = make_client()
    plain = make_user("client_front_desk", client=practice)
    http = HttpClient()
    assert _password(http, plain)["Location"] == "/"
    assert http.get("/").status_code == 200
    enrolled = make_user("client_physician", client=practice, mfa=True)
    assert _password(HttpClient(), enrolled)["Location"] == VERIFY


# ---- lockout ----------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes():
    biller = make_user("biller")
    actor = Actor(label="anonymous", ip="203.0.113.9")
    for _ in range(4):
        with pytest.raises(SignInRefused):
            login_password_check(actor=actor, username=biller.username, password="wrong-password-1")
    with pytest.raises(AccountLocked):
        login_password_check(actor=actor, username=biller.username, password="wrong-password-1")
    # Locked: even the right password is refused.
    with pytest.raises(AccountLocked):
        login_password_check(actor=actor, username=biller.username, password=TEST_PASSWORD)
    failed = _audit(AuditAction.LOGIN_FAILED, user_id=biller.pk)
    assert failed.count() == 6
    assert failed.filter(ip="203.0.113.9").count() == 6
    assert _audit(AuditAction.UPDATE, detail__startswith="account locked").count() == 1
    later = timezone.now() + datetime.timedelta(minutes=16)
    with mock.patch("openrcm.accounts.services.timezone.now", return_value=later):
        assert login_password_check(actor=actor, username=biller.username, password=TEST_PASSWORD)


def test_failures_spread_over_more_than_the_window_do_not_lock():
    biller = make_user("biller")
    actor = Actor(label="anonymous")
    start = timezone.now()
    for i in range(6):
        moment = start + datetime.timedelta(minutes=10 * i)
        with (
            mock.patch("openrcm.accounts.services.timezone.now", return_value=moment),
            pytest.raises(SignInRefused),
        ):
            login_password_check(actor=actor, username=biller.username, password="nope-nope-1")
    biller.refresh_from_db()
    assert biller.locked_until is None


def test_wrong_codes_count_toward_the_lockout_and_unlock_is_audited():
    biller = make_user("biller")
    http = HttpClient()
    _password(http, biller)
    bad = "000000" if current_totp(biller) != "000000" else "111111"
    for _ in range(5):
        http.post(VERIFY, {"token": bad})
    biller.refresh_from_db()
    assert biller.locked_until is not None
    response = _password(HttpClient(), biller)
    assert b"locked" in response.content
    admin = make_user("administrator")
    user_unlock(actor=Actor.for_user(admin), user=biller)
    assert _password(HttpClient(), biller)["Location"] == VERIFY
    assert _audit(AuditAction.UPDATE, detail="account unlocked").count() == 1


def test_unknown_user_name_is_audited_without_saying_which_part_was_wrong():
    response = HttpClient().post(LOGIN, {"username": "nobody", "password": "x" * 12})
    assert b"user name or password is not right" in response.content
    assert _audit(AuditAction.LOGIN_FAILED, actor="nobody").exists()


# ---- logout and idle logoff ------------------------------------------------------------


def test_logout_is_audited():
    biller = make_user("biller")
    http = sign_in(HttpClient(), biller)
    assert http.post("/accounts/logout/")["Location"] == LOGIN
    assert _audit(AuditAction.LOGOUT, user_id=biller.pk, detail="signed out").exists()
    assert http.get("/").status_code == 302


def test_idle_session_is_ended_on_the_server(settings):
    settings.OPENRCM_IDLE_LOGOFF_SECONDS = 15 * 60
    # A long session age, so it is the idle middleware (not the session's expiry) that acts.
    settings.SESSION_COOKIE_AGE = 8 * 3600
    biller = make_user("biller")
    http = sign_in(HttpClient(), biller)
    assert http.get("/").status_code == 200
    soon = timezone.now() + datetime.timedelta(minutes=14)
    with mock.patch("openrcm.core.middleware.timezone.now", return_value=soon):
        assert http.get("/").status_code == 200  # activity moves the idle clock on
    later = soon + datetime.timedelta(minutes=16)
    with mock.patch("openrcm.core.middleware.timezone.now", return_value=later):
        response = http.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert http.get("/").status_code == 302  # the session is gone, not just this request
    row = _audit(AuditAction.LOGOUT, user_id=biller.pk).get()
    assert "automatic logoff" in row.detail


def test_admin_login_page_hands_over_to_ours():
    response = HttpClient().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_client_users_get_no_admin():
    practice = make_client()
    manager = make_user("client_manager", client=practice, mfa=True)
    response = sign_in(HttpClient(), manager).get("/admin/patients/patient/")
    assert response.status_code == 302


def test_every_sign_in_event_keeps_the_chain_intact():
    biller = make_user("biller")
    http = HttpClient()
    _password(http, biller, password="wrong-password-2")
    _password(http, biller)
    http.post(VERIFY, {"token": current_totp(biller)})
    http.post("/accounts/logout/")
    assert audit_chain_verify() is None
