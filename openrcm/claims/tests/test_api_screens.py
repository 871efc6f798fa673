"""The claims API beyond the plain list: filters and counts, the claim in full, claim
actions, batches, file downloads and the rejection list. Scoped like the pages."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient

from openrcm.accounts.testing import make_user, sign_in
from openrcm.claims.models import Claim, ClaimStatus
from openrcm.claims.tests.screens_world import cycled_practice
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(settings):
    return cycled_practice(settings)


def api_get(user, path, params=None):
    return sign_in(HttpClient(), user).get(f"/api/claims{path}", params or {})


def api_post(user, path, data=None):
    http = sign_in(HttpClient(), user)
    if data is None:
        return http.post(f"/api/claims{path}")
    return http.post(f"/api/claims{path}", json.dumps(data), content_type="application/json")


def test_list_has_counts_by_status_and_age_and_scrub_errors(cycle):
    data = api_get(cycle.biller, "/").json()
    assert {c["status"]: c["count"] for c in data["counts_by_status"]} == {
        "draft": 1, "held": 1, "accepted": 1, "rejected": 1,
    }  # fmt: skip
    assert {c["bucket"]: c["count"] for c in data["counts_by_age"]}["121+"] == 1
    assert data["with_scrub_errors"] == 1
    held = next(r for r in data["results"] if r["id"] == cycle.held.pk)
    assert held["error_count"] >= 1
    only = api_get(cycle.biller, "/", {"scrub_errors": "yes"}).json()
    assert [r["id"] for r in only["results"]] == [cycle.held.pk]
    old = api_get(cycle.biller, "/", {"age": "121+"}).json()
    assert [r["id"] for r in old["results"]] == [cycle.held.pk]
    created = api_get(cycle.biller, "/", {"age": "121+", "age_by": "created"}).json()
    assert created["count"] == 0


def test_list_refuses_bad_age_and_error_filters(cycle):
    response = api_get(cycle.biller, "/", {"age": "old", "age_by": "moon", "scrub_errors": "?"})
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert fields == {"age", "age_by", "errors"}


def test_claim_detail_has_findings_history_files_and_acknowledgements(cycle):
    data = api_get(cycle.biller, f"/{cycle.rejected.pk}").json()
    assert data["allowed_actions"] == ["rescrub", "hold", "void"]
    assert [b["id"] for b in data["batches"]] == [cycle.batch.pk]
    assert {f["kind"] for f in data["files"]} == {"837P", "999", "277CA"}
    (ack,) = data["acknowledgements"]
    assert (ack["kind"], ack["accepted"], ack["status_codes"]) == ("277CA", False, "A7:164:IL")
    assert "member ID" in ack["reason"]
    assert ack["file_id"] in {f["id"] for f in data["files"]}
    assert data["history"][-1]["to_status"] == "rejected"
    held = api_get(cycle.biller, f"/{cycle.held.pk}").json()
    finding = next(f for f in held["findings"] if f["rule_id"] == "TIMELY-FILING")
    assert finding["severity"] == "error"
    assert finding["hint"]


def test_scrub_route_moves_a_fixed_rejected_claim_to_ready(cycle):
    response = api_post(cycle.biller, f"/{cycle.rejected.pk}/scrub")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["claim"]["status"] == "ready"
    assert "ready for the next batch" in data["message"]
    again = api_post(cycle.biller, f"/{cycle.rejected.pk}/scrub")
    assert again.status_code == 400
    assert again.json()["code"] == "transition_not_allowed"
    assert "only a draft, held or rejected claim" in again.json()["message"]


def test_hold_and_release_through_the_api(cycle):
    missing = api_post(cycle.biller, f"/{cycle.draft.pk}/hold", {})
    assert missing.status_code == 422
    assert missing.json()["problems"][0]["field"] == "reason"
    bad_body = api_post(cycle.biller, f"/{cycle.draft.pk}/hold", {"reason": ["not", "text"]})
    assert bad_body.status_code == 422
    held = api_post(cycle.biller, f"/{cycle.draft.pk}/hold", {"reason": "awaiting records"})
    assert held.json()["claim"]["status"] == "held"
    released = api_post(cycle.biller, f"/{cycle.draft.pk}/release")
    assert released.json()["claim"]["status"] == "ready"


def test_correct_and_void_through_the_api(cycle):
    response = api_post(cycle.biller, f"/{cycle.accepted.pk}/correct", {"reason": "units"})
    assert response.status_code == 200, response.content
    new_id = response.json()["new_claim_id"]
    assert Claim.objects.get(pk=new_id).frequency_code == "7"
    assert response.json()["claim"]["status"] == "void"
    assert response.json()["claim"]["corrections"] == [new_id]
    wrong = api_post(cycle.biller, f"/{cycle.held.pk}/correct", {"reason": "units"})
    assert wrong.status_code == 400
    assert "only a claim the payer accepted" in wrong.json()["message"]


def test_actions_refused_without_permission_or_for_other_practices(cycle, settings):
    refused = api_post(cycle.manager, f"/{cycle.draft.pk}/hold", {"reason": "x"})
    assert refused.status_code == 403
    assert "Your role may not" in refused.json()["message"]
    outsider = make_user("biller")  # assigned to no practice
    assert api_post(outsider, f"/{cycle.draft.pk}/hold", {"reason": "x"}).status_code == 404
    cycle.draft.refresh_from_db()
    assert cycle.draft.status == ClaimStatus.DRAFT


def test_batches_list_and_detail(cycle):
    data = api_get(cycle.biller, "/batches/").json()
    assert [b["id"] for b in data["results"]] == [cycle.batch.pk]
    assert data["counts_by_status"] == [
        {"status": "acknowledged", "count": 1, "claim_count": 2, "total_charge": "340.00"}
    ]
    detail = api_get(cycle.biller, f"/batches/{cycle.batch.pk}").json()
    assert detail["group_control_number"] == cycle.batch.group_control_number
    assert detail["submission_id"] == cycle.batch.submission_id
    assert {c["id"] for c in detail["claims"]} == {cycle.accepted.pk, cycle.rejected.pk}
    assert {f["kind"] for f in detail["files"]} == {"837P", "999", "277CA"}
    assert api_get(make_user("biller"), f"/batches/{cycle.batch.pk}").status_code == 404
    assert api_get(make_user("biller"), "/batches/").json()["count"] == 0
    assert api_get(cycle.biller, "/batches/", {"status": "x"}).status_code == 422


def test_file_download_is_scoped_and_audited(cycle):
    ack = cycle.batch.files.get(kind="277CA")
    response = api_get(cycle.biller, f"/files/{ack.pk}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"ISA*")
    assert AuditEvent.objects.filter(
        action="export", object_type="claims.exchangedfile", object_id=str(ack.pk),
        user_id=cycle.biller.pk,
    ).exists()  # fmt: skip
    assert api_get(make_user("biller"), f"/files/{ack.pk}").status_code == 404
    front_desk = make_user("client_front_desk", client=cycle.client)
    assert api_get(front_desk, f"/files/{ack.pk}").status_code == 403


def test_rejection_list(cycle):
    data = api_get(cycle.biller, "/rejections/").json()
    (row,) = data["results"]
    assert (row["claim_id"], row["source"], row["status_codes"]) == (
        cycle.rejected.pk,
        "277CA",
        "A7:164:IL",
    )
    assert "check the member ID" in row["reason"]
    assert api_get(cycle.biller, "/rejections/", {"source": "999"}).json()["count"] == 0
    assert api_get(make_user("biller"), "/rejections/").json()["count"] == 0


def test_openapi_lists_the_new_routes():
    schema = HttpClient().get("/api/openapi.json").json()
    for path in (
        "/api/claims/{claim_id}/scrub",
        "/api/claims/{claim_id}/hold",
        "/api/claims/batches/",
        "/api/claims/batches/{batch_id}",
        "/api/claims/files/{file_id}",
        "/api/claims/rejections/",
        "/api/payers/{payer_id}/claim-rules",
    ):
        assert path in schema["paths"], path  # fmt: skip
    hold = schema["paths"]["/api/claims/{claim_id}/hold"]["post"]
    assert "reason" in json.dumps(hold["requestBody"])
