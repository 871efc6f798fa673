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
        from openrcm.messaging.services import party_ensure

        self.contact_party = party_ensure(actor=TEST_ACTOR, client_contact=self.contact)
        from openrcm.patient_billing.services import account_contact_log, client_instructions_get

        self.billing_instructions = client_instructions_get(self.client)
        self.billing_contact = account_contact_log(
            actor=TEST_ACTOR,
            patient=self.patient,
            medium="voice",
            direction="inbound",
            outcome="dispute",
            dispute_reason=f"Disputes the visit of practice {tag}",
        )
        self.billing_dispute = self.billing_contact.dispute
        self.fee_schedule = fee_schedule_create(
            actor=TEST_ACTOR,
            client=self.client,
            payer=self.payer,
            name=f"Schedule {tag}",
            effective_from=datetime.date(2025, 1, 1),
        )
        self.client_manager = make_user("client_manager", client=self.client)
        self.biller = make_user("biller", assigned_clients=[self.client])

    def send_claims(self) -> None:
        """Scrub the practice's claim and build its 837P batch (``self.batch``, and the
        file kept for it, ``self.batch_file``). The claim's date of service is older than
        the payer's timely-filing limit, so the payer waives that rule (with a reason)."""
        from openrcm.claims.scrubbing import claims_scrub
        from openrcm.claims.submission import batches_build
        from openrcm.payers.services import payer_claim_rules_set

        payer_claim_rules_set(
            actor=TEST_ACTOR,
            payer=self.payer,
            disabled_rules={
                "TIMELY-FILING": "test practice: late filing allowed",
                "TIMELY-FILING-SOON": "test practice: late filing allowed",
            },
        )
        claims_scrub(actor=TEST_ACTOR, claim_ids=[self.claim.pk])
        self.claim.refresh_from_db()
        run = batches_build(actor=TEST_ACTOR)
        built = [b for b in run.batches if b.client_id == self.client.pk]
        if not built:
            findings = list(self.claim.findings.values_list("rule_id", "message"))
            raise AssertionError(f"claim {self.claim} was not batched: {findings}")
        self.batch = built[0]
        self.batch_file = self.batch.files.get()
        self.claim.refresh_from_db()

    def post_era(self) -> None:
        """An 835 paying the practice's claim, imported and posted (``self.era_payment``)."""
        import datetime
        from decimal import Decimal

        from openrcm.remittance.services import era_import
        from openrcm.x12.write import InterchangeSettings
        from openrcm.x12.write.remit835 import (
            RemitAdjustment,
            RemitClaim,
            RemitLine,
            Remittance835,
            write_835,
        )

        day = self.claim.encounter.date_of_service
        lines = tuple(
            RemitLine(line.procedure_code, line.charge_amount, day,
                      (RemitAdjustment("CO", "45", Decimal("10.00")),),
                      line_item_control_number=line.line_item_control_number)
            for line in self.claim.lines.all()
        )  # fmt: skip
        era = Remittance835(
            self.payer.name, self.payer.payer_id, "123456789", self.client.legal_name[:60],
            self.client.group_npi, f"TRN{self.claim.pk}", day,
            (RemitClaim(self.claim.patient_control_number, "1", self.patient_last_name,
                        self.patient.first_name, "M1", f"ICN{self.claim.pk}", lines=lines),),
        )  # fmt: skip
        when = datetime.datetime.combine(day, datetime.time(9))
        data = write_835(InterchangeSettings("PAYER", "OPENRCM", 1, 1, 1, when), era)
        result = era_import(actor=TEST_ACTOR, name=f"era-{self.claim.pk}.835", data=data)
        self.era_payment = result.payments[0].payment

    def record_denials(self) -> None:
        """A denied line (``self.denial``, appealed: ``self.appeal``) and an underpaid line
        (``self.underpayment``) on the practice's claim, recorded as posting would."""
        import datetime
        from decimal import Decimal

        from openrcm.denials.services import LineAmounts, denials_record_from_adjudication
        from openrcm.denials.services import denial_appeal as appeal_make
        from openrcm.payers.models import FeeScheduleRate

        FeeScheduleRate.objects.create(
            schedule=self.fee_schedule, procedure_code="93000", allowed_amount=Decimal("40.00")
        )
        recorded = denials_record_from_adjudication(
            actor=TEST_ACTOR,
            claim_id=self.claim.pk,
            payer_id=self.payer.pk,
            era_date=datetime.date(2026, 4, 1),
            adjustments=[
                {"group": "CO", "code": "197", "amount": "125.00", "line": 1},
                {"group": "CO", "code": "45", "amount": "15.00", "line": 2},
            ],
            lines={1: LineAmounts(Decimal("0")), 2: LineAmounts(Decimal("30.00"))},
            source_reference=f"world-{self.tag}-{self.claim.pk}",
        )
        self.denial = recorded.denials[0]
        self.underpayment = recorded.underpayments[0]
        self.appeal = appeal_make(
            actor=TEST_ACTOR, items=[self.denial], reason=f"Approval was on file ({self.tag})"
        )

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
            self.contact_party,
            self.billing_instructions,
            self.billing_contact,
            self.billing_dispute,
            self.fee_schedule,
            self.client_manager,
            *[
                getattr(self, name)
                for name in (
                    *("batch", "batch_file", "era_payment"),
                    *("denial", "appeal", "underpayment"),
                )
                if hasattr(self, name)
            ],
        ]
        return {row._meta.label_lower: row for row in rows}
