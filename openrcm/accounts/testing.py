"""Test helpers: users of each role, signed in with their second factor passed.

``sign_in(client, user)`` is what page and API tests use instead of
``client.force_login(user)``: staff sessions without a passed second factor are sent to
MFA enrolment by ``MFARequiredMiddleware``, exactly as a real browser would be.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from openrcm.accounts.models import CLIENT_ROLES, User
from openrcm.core.testing import TEST_ACTOR

TEST_PASSWORD = "Correct-Horse-Battery-91"  # noqa: S105  # a made-up test password
_serial = itertools.count(1)


def make_user(
    role: str,
    *,
    client: Any = None,
    assigned_clients: Iterable[Any] = (),
    username: str | None = None,
    password: str = TEST_PASSWORD,
    mfa: bool | None = None,
) -> User:
    """A user through ``user_create``; ``mfa`` (default: staff yes, client users no)
    enrols a confirmed authenticator."""
    from openrcm.accounts.services import mfa_totp_enroll, user_create

    n = next(_serial)
    user = user_create(
        actor=TEST_ACTOR,
        username=username or f"{role}-{n}",
        password=password,
        role=role,
        email=f"{role}-{n}@example.test",
        first_name="Test",
        last_name=f"{role.title()} {n}",
        client=client,
        assigned_clients=assigned_clients,
    )
    if mfa if mfa is not None else role not in CLIENT_ROLES:
        mfa_totp_enroll(actor=TEST_ACTOR, user=user, confirmed=True)
    return user


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=True)


def current_totp(user: User) -> str:
    """The code the user's authenticator shows now."""
    from django_otp.oath import TOTP

    device = totp_device(user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def sign_in(client: Any, user: User) -> Any:
    """Sign ``user`` in on the test ``client`` with the second factor passed (if enrolled)."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


class PracticeWorld:
    """One practice with a row of every kind, named so a leak is easy to spot in a page."""

    def __init__(self, tag: str):
        import datetime

        from openrcm.claims.services import claims_create_for_encounter
        from openrcm.clients.services import client_contact_create, contract_create
        from openrcm.core.testing import (
            make_client,
            make_coverage,
            make_encounter,
            make_patient,
            make_payer,
            make_provider,
        )
        from openrcm.payers.services import fee_schedule_create

        self.tag = tag
        self.client = make_client(legal_name=f"Practice {tag} Medical Group")
        self.provider = make_provider(self.client, last_name=f"Doctor{tag}")
        self.payer = make_payer(name=f"Plan of {tag}")
        self.patient_last_name = f"Zzleak{tag}"
        self.patient = make_patient(
            self.client, first_name=f"Quintessa{tag}", last_name=self.patient_last_name
        )
        self.coverage = make_coverage(self.patient, self.payer)
        self.encounter = make_encounter(self.patient, self.provider)
        self.claim = claims_create_for_encounter(actor=TEST_ACTOR, encounter=self.encounter)[0]
        self.contract = contract_create(actor=TEST_ACTOR, client=self.client, services=["billing"])
        self.contact = client_contact_create(
            actor=TEST_ACTOR, client=self.client, name=f"Office {tag}", kind="billing"
        )
        self.fee_schedule = fee_schedule_create(
            actor=TEST_ACTOR,
            client=self.client,
            payer=self.payer,
            name=f"Schedule {tag}",
            effective_from=datetime.date(2025, 1, 1),
        )
        self.client_manager = make_user("client_manager", client=self.client)
        self.biller = make_user("biller", assigned_clients=[self.client])

    def objects_by_model(self) -> dict[str, Any]:
        """Model label → this practice's row of that model."""
        rows = [
            self.client,
            self.provider,
            self.patient,
            self.coverage,
            self.encounter,
            self.claim,
            self.contract,
            self.contact,
            self.fee_schedule,
            self.client_manager,
        ]
        return {row._meta.label_lower: row for row in rows}
