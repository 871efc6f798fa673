"""The ERA pages, the API and the command: scoped, audited, and saying what went wrong."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client as HttpClient
from django.urls import reverse

from openrcm.accounts.testing import make_user, sign_in
from openrcm.privacy.models import AuditEvent
from openrcm.remittance.models import EraPayment, EraSource, PostingException
from openrcm.remittance.tests.conftest import make_claim
from openrcm.remittance.tests.test_posting import STANDARD, _accepted, era_bytes, remit_claim
from openrcm.x12.write.remit835 import RemitAdjustment, RemitClaim, RemitLine

pytestmark = pytest.mark.django_db


def _era_with_an_exception(world):
    claim = _accepted(make_claim(world))
    stranger = RemitClaim("NOTOURS1", "1", "DOE", "JO", "M9", "ICN-X", lines=(
        RemitLine("99213", Decimal("100"), claim.encounter.date_of_service,
                  (RemitAdjustment("CO", "45", Decimal("20")),)),))  # fmt: skip
    return claim, era_bytes(world, [remit_claim(claim, STANDARD), stranger])


def test_upload_list_eob_exceptions_and_ledgers_for_a_biller(world):
    claim, data = _era_with_an_exception(world)
    biller = make_user("biller", assigned_clients=[world.client])
    http = sign_in(HttpClient(), biller)
    response = http.post(
        reverse("remittance:list"),
        {"file": SimpleUploadedFile("march.835", data)},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "1 payment(s) imported, 1 claims posted, 1 exception(s)" in page
    payment = EraPayment.objects.get()
    assert payment.era_file.source == EraSource.UPLOAD
    assert "TRACE1" in page
    assert "march.835" in page
    again = http.post(reverse("remittance:list"), {"file": SimpleUploadedFile("x.835", data)},
                      follow=True).content.decode()  # fmt: skip
    assert "already imported" in again
    eob = http.get(reverse("remittance:era_detail", args=[payment.pk])).content.decode()
    assert claim.patient_control_number in eob
    assert "CO-45" in eob
    assert "NOTOURS1" in eob
    assert AuditEvent.objects.filter(
        action="read", object_type="remittance.erapayment", object_id=str(payment.pk)
    ).exists()
    exceptions = http.get(reverse("remittance:exceptions")).content.decode()
    assert "NOTOURS1" in exceptions
    assert "No claim matches" in exceptions
    exception = PostingException.objects.get()
    http.post(
        reverse("remittance:exceptions"),
        {"exception": exception.pk, "resolution": "not our patient: returned to payer"},
    )
    exception.refresh_from_db()
    assert exception.resolved_at is not None
    assert exception.resolved_by == biller.username
    ledger = http.get(reverse("remittance:claim_ledger", args=[claim.pk])).content.decode()
    assert "Insurance payment" in ledger
    assert "Coinsurance (PR-2)" in ledger
    account = http.get(reverse("remittance:patient_ledger", args=[claim.patient_id]))
    assert "60.00" in account.content.decode()  # the patient owes 20 + 40
    assert AuditEvent.objects.filter(action="read", object_type="patients.patient").exists()


def test_pages_of_another_practice_are_404_and_lists_do_not_show_them(world):
    claim, data = _era_with_an_exception(world)
    from openrcm.core.testing import TEST_ACTOR
    from openrcm.remittance.services import era_import

    era_import(actor=TEST_ACTOR, name="a.835", data=data)
    payment = EraPayment.objects.get()
    assert payment.client_id == world.client.pk
    from openrcm.core.testing import make_client

    outsider = make_user("biller", assigned_clients=[make_client()])
    http = sign_in(HttpClient(), outsider)
    for url in (
        reverse("remittance:era_detail", args=[payment.pk]),
        reverse("remittance:claim_ledger", args=[claim.pk]),
        reverse("remittance:patient_ledger", args=[claim.patient_id]),
        reverse("api:payment_detail_route", args=[payment.pk]),
        reverse("api:claim_ledger_route", args=[claim.pk]),
    ):
        assert http.get(url).status_code == 404, url
    assert "TRACE1" not in http.get(reverse("remittance:list")).content.decode()
    assert "NOTOURS1" not in http.get(reverse("remittance:exceptions")).content.decode()
    assert http.get(reverse("api:payment_list_route")).json()["count"] == 0
    coder = make_user("coder", assigned_clients=[world.client])
    assert sign_in(HttpClient(), coder).get(reverse("remittance:list")).status_code == 403


def test_api_upload_list_detail_and_ledgers(world):
    claim, data = _era_with_an_exception(world)
    biller = make_user("biller", assigned_clients=[world.client])
    http = sign_in(HttpClient(), biller)
    response = http.post(
        reverse("api:era_upload_route"), {"file": SimpleUploadedFile("a.835", data)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["duplicate"] is False
    listed = http.get(reverse("api:payment_list_route")).json()
    assert listed["count"] == 1
    (row,) = listed["results"]
    detail = http.get(reverse("api:payment_detail_route", args=[row["id"]])).json()
    assert [c["outcome"] for c in detail["claims"]] == ["paid", "unposted"]
    assert detail["claims"][1]["exception"].startswith("CLP01 'NOTOURS1'")
    assert detail["claims"][0]["lines"][0]["adjustments"][0]["reason_code"] == "45"
    rows = http.get(reverse("api:claim_ledger_route", args=[claim.pk])).json()
    assert {r["kind"] for r in rows} >= {"charge", "insurance_payment", "coinsurance"}
    account = http.get(reverse("api:patient_ledger_route", args=[claim.patient_id])).json()
    assert Decimal(account["balances"]["patient_due"]) == Decimal("60.00")
    exceptions = http.get(reverse("api:exception_list_route")).json()
    assert [e["reason"] for e in exceptions] == ["unmatched"]


def test_the_era_import_command(world, tmp_path):
    _claim, data = _era_with_an_exception(world)
    good = tmp_path / "good.835"
    good.write_bytes(data)
    bad = tmp_path / "bad.835"
    bad.write_bytes(data.replace(b"CAS*CO*45*25", b"CAS*CO*45*XX").replace(b"~", b"~\n"))
    out = io.StringIO()
    call_command("era", "import", str(good), "--quiet", stdout=out)
    assert "1 payment(s) imported, 1 claims posted, 1 exception(s)" in out.getvalue()
    out = io.StringIO()
    call_command("era", "import", str(good), "--quiet", stdout=out)
    assert "already imported; nothing changed" in out.getvalue()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("era", "import", str(bad), str(good), "--quiet", stdout=out)
    assert exited.value.code == 1
    text = out.getvalue()
    assert "bad.835" in text
    assert "line" in text
    assert "1 of 2 file(s) not imported" in text
    with pytest.raises(CommandError, match="no such file"):
        call_command("era", "import", str(tmp_path / "missing.835"))
