"""The denial pages and API: queue filters and sort, actions, the letter download (audited
as an export), underpayments, analytics, and scoping to the user's practices."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from openrcm.accounts.testing import make_user, sign_in
from openrcm.denials import services
from openrcm.denials.models import DenialResolution, DenialStatus
from openrcm.denials.tests.conftest import accepted_claim, needs_weasyprint, record
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def queue(world):
    """Three denials of different categories and amounts, and one underpayment."""
    claim = accepted_claim(world)
    auth = record(world, claim, [("CO", "197", "125.00", 1)], {1: "0", 2: "20.00"})
    dup = record(world, accepted_claim(world), [("CO", "18", "45.00", 2)], {2: "0"})
    pr = record(world, accepted_claim(world), [("PR", "96", "30.00", 1)], {1: "0"})
    return {
        "auth": auth.denials[0],
        "dup": dup.denials[0],
        "pr": pr.denials[0],
        "under": auth.underpayments[0],
    }


def _http(user):
    return sign_in(HttpClient(), user)


def test_queue_lists_filters_and_sorts(world, queue):
    http = _http(world.biller)
    page = http.get(reverse("denials:queue")).content.decode()
    for item in queue.values():
        if hasattr(item, "carc"):
            assert f"{item.group_code}-{item.carc}" in page
    only = http.get(reverse("denials:queue"), {"category": "duplicate"}).content.decode()
    assert "CO-18" in only
    assert "CO-197" not in only
    by_amount = http.get(reverse("denials:queue"), {"sort": "-amount"}).content.decode()
    assert by_amount.index("CO-197") < by_amount.index("CO-18") < by_amount.index("PR-96")
    smallest = http.get(reverse("denials:queue"), {"sort": "amount"}).content.decode()
    assert smallest.index("PR-96") < smallest.index("CO-18")
    partial = http.get(reverse("denials:queue"), {"owner": "none"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()
    assert "No denial matches" in partial.content.decode()  # all were assigned


def test_queue_bulk_assign_and_write_off(world, queue, settings):
    settings.OPENRCM_WRITE_OFF_APPROVAL_OVER = "50.00"
    http = _http(world.admin)
    ids = [queue["dup"].pk, queue["pr"].pk]
    response = http.post(reverse("denials:queue"), {"item": ids, "bulk": "assign", "owner": "none"})
    assert response.status_code == 302
    queue["dup"].refresh_from_db()
    assert queue["dup"].owner is None
    refused = http.post(
        reverse("denials:queue"),
        {"item": [queue["auth"].pk], "bulk": "write_off", "reason": "small"},
        follow=True,
    )
    assert "125.00 is above 50.00" in refused.content.decode()
    http.post(reverse("denials:queue"), {"item": ids, "bulk": "write_off", "reason": "small"})
    queue["dup"].refresh_from_db()
    assert queue["dup"].resolution == DenialResolution.WRITTEN_OFF


def test_detail_page_and_actions(world, queue):
    http = _http(world.biller)
    item = queue["pr"]
    url = reverse("denials:detail", args=[item.pk])
    page = http.get(url).content.decode()
    assert "PR-96" in page
    assert "Transfer to the patient" in page
    assert AuditEvent.objects.filter(action="read", detail__contains=f"denial {item.pk}").exists()
    response = http.post(url, {"action": "transfer", "reason": "waiver signed"}, follow=True)
    assert "Moved to the patient" in response.content.decode()
    item.refresh_from_db()
    assert item.status == DenialStatus.RESOLVED
    co = queue["dup"]
    refused = http.post(
        reverse("denials:detail", args=[co.pk]), {"action": "transfer", "reason": "x"}, follow=True
    )
    assert "only patient-responsibility (PR)" in refused.content.decode()


@needs_weasyprint
def test_appeal_from_the_page_and_letter_download_is_audited(world, queue):
    http = _http(world.biller)
    item = queue["auth"]
    http.post(
        reverse("denials:detail", args=[item.pk]),
        {"action": "appeal", "reason": "Approval was on file.", "sent_on": "2026-04-10"},
    )
    appeal = item.appeals.get()
    response = http.get(reverse("denials:appeal_letter", args=[appeal.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", detail__contains="appeal letter").exists()
    mistyped = http.post(
        reverse("denials:detail", args=[item.pk]),
        {"action": "decide", "appeal": appeal.pk, "outcome": "overturned", "decided_on": "4/31"},
        follow=True,
    )
    assert "is not a date" in mistyped.content.decode()
    appeal.refresh_from_db()
    assert appeal.decided_on is None  # refused, not recorded with another date
    http.post(
        reverse("denials:detail", args=[item.pk]),
        {"action": "decide", "appeal": appeal.pk, "outcome": "overturned", "decided_on": ""},
    )
    item.refresh_from_db()
    assert item.resolution == DenialResolution.APPEAL_WON


def test_other_practice_gets_404_and_client_users_403(world, queue):
    other = make_user("biller", assigned_clients=[])
    http = _http(other)
    assert http.get(reverse("denials:detail", args=[queue["auth"].pk])).status_code == 404
    page = http.get(reverse("denials:queue")).content.decode()
    assert "CO-197" not in page
    manager = make_user("client_manager", client=world.client)
    assert _http(manager).get(reverse("denials:queue")).status_code == 403


def test_underpayments_page(world, queue):
    http = _http(world.biller)
    under = queue["under"]
    page = http.get(reverse("denials:underpayments")).content.decode()
    assert "93000" in page
    assert "20.00" in page
    http.post(reverse("denials:underpayments"), {"item": under.pk, "status": "disputed"})
    under.refresh_from_db()
    assert under.status == "disputed"


def test_analytics_page_and_rates(world, queue):
    # one more claim paid in full: 4 claim payments, 3 with a denial
    record(world, accepted_claim(world), [("CO", "45", "25.00", 1)], {1: "100.00"})
    http = _http(world.biller)
    page = http.get(reverse("denials:analytics")).content.decode()
    assert "75.0%" in page
    assert "Authorization" in page
    assert "2026-04" in page
    data = http.get("/api/denials/analytics").json()
    assert data["total"]["adjudicated"] == 4
    assert data["total"]["denied_claims"] == 3
    assert D(data["total"]["denied_amount"]) == D("200.00")
    [payer] = data["by_payer"]
    assert (payer["key"], D(payer["rate"])) == (world.payer.name, D("75.0"))
    assert {r["key"] for r in data["by_category"]} == {"authorization", "duplicate", "non-covered"}
    assert [r["key"] for r in data["by_month"]] == ["2026-04"]
    [provider] = data["by_provider"]
    assert provider["denials"] == 3
    assert provider["key"].startswith(f"{world.provider.last_name}, Ada ({world.provider.npi})")
    empty = http.get("/api/denials/analytics", {"date_from": "2026-05-01"}).json()
    assert empty["total"]["adjudicated"] == 0


def test_api_queue_detail_and_actions(world, queue, settings):
    settings.OPENRCM_WRITE_OFF_APPROVAL_OVER = "100.00"
    http = _http(world.biller)
    listing = http.get("/api/denials/", {"sort": "-amount"}).json()
    assert [r["carc"] for r in listing["results"]] == ["197", "18", "96"]
    assert http.get("/api/denials/", {"sort": "sideways"}).status_code == 422
    item = queue["auth"]
    detail = http.get(f"/api/denials/{item.pk}").json()
    assert detail["category"] == "authorization"
    assert detail["history"][0]["to_status"] == "open"
    asked = http.post(
        f"/api/denials/{item.pk}/actions",
        json.dumps({"action": "write_off", "reason": "too old"}),
        content_type="application/json",
    ).json()
    assert asked["message"] == "write-off waits for approval"
    assert asked["denial"]["write_off_pending"] is True
    refused = http.post(
        f"/api/denials/{item.pk}/actions",
        json.dumps({"action": "approve"}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    approved = _http(world.admin).post(
        f"/api/denials/{item.pk}/actions",
        json.dumps({"action": "approve"}),
        content_type="application/json",
    )
    assert approved.json()["denial"]["resolution"] == "written_off"
    bad = http.post(
        f"/api/denials/{queue['dup'].pk}/actions",
        json.dumps({"action": "fly"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    bulk = http.post(
        "/api/denials/bulk",
        json.dumps({"action": "assign", "ids": [queue["dup"].pk], "owner_id": None}),
        content_type="application/json",
    ).json()
    assert bulk["changed"] == 1


def test_api_underpayments_and_scoping(world, queue):
    http = _http(world.biller)
    [row] = http.get("/api/denials/underpayments/").json()
    assert D(row["shortfall"]) == D("20.00")
    changed = http.post(
        f"/api/denials/underpayments/{row['id']}/status",
        json.dumps({"status": "accepted", "note": "contract allows it"}),
        content_type="application/json",
    ).json()
    assert changed["status"] == "accepted"
    assert http.get("/api/denials/underpayments/").json() == []
    assert len(http.get("/api/denials/underpayments/", {"include_closed": True}).json()) == 1
    outsider = _http(make_user("biller"))
    assert outsider.get(f"/api/denials/{queue['auth'].pk}").status_code == 404
    assert outsider.get("/api/denials/").json()["count"] == 0
    assert (
        outsider.post(
            f"/api/denials/underpayments/{row['id']}/status",
            json.dumps({"status": "open"}),
            content_type="application/json",
        ).status_code
        == 404
    )


@needs_weasyprint
def test_api_appeal_letter_and_decision(world, queue):
    http = _http(world.biller)
    item = queue["dup"]
    made = http.post(
        f"/api/denials/{item.pk}/actions",
        json.dumps({"action": "appeal", "reason": "Not a duplicate: different date."}),
        content_type="application/json",
    ).json()
    letter = http.get(f"/api/denials/appeals/{made['appeal_id']}/letter")
    assert letter.content.startswith(b"%PDF")
    decided = http.post(
        f"/api/denials/appeals/{made['appeal_id']}/decision",
        json.dumps({"outcome": "upheld", "decided_on": "2026-05-02"}),
        content_type="application/json",
    ).json()
    assert decided["outcome"] == "upheld"
    assert decided["decided_on"] == "2026-05-02"


def test_correct_and_resubmit_through_the_api(world, queue):
    http = _http(world.biller)
    item = queue["auth"]
    made = http.post(
        f"/api/denials/{item.pk}/actions",
        json.dumps(
            {"action": "correct", "reason": "auth number added", "payer_claim_number": "X1"}
        ),
        content_type="application/json",
    ).json()
    assert made["corrected_claim_id"]
    assert made["denial"]["resolution"] == "resubmitted"
    assert services.write_off_approval_over() == D("500.00")
    assert datetime.date.fromisoformat(made["denial"]["deadline"]) > item.era_date
