"""The eligibility section of the patient page, its check-now button, the claim status
list, the API routes, and client scoping of all of them."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from openrcm.accounts.testing import PracticeWorld, make_user, sign_in
from openrcm.core.testing import TEST_ACTOR
from openrcm.eligibility.models import EligibilityInquiry
from openrcm.eligibility.services import eligibility_check
from openrcm.patients.models import Coverage
from openrcm.privacy.models import AuditEvent
from openrcm.workqueue.models import WorkItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def practices():
    return PracticeWorld("E"), PracticeWorld("F")


def http(user):
    return sign_in(HttpClient(), user)


def test_the_patient_page_shows_results_and_the_flag(practices, today):
    a, _b = practices
    Coverage.objects.filter(pk=a.coverage.pk).update(effective_to=datetime.date(2025, 6, 30))
    a.coverage.refresh_from_db()
    eligibility_check(actor=TEST_ACTOR, patient=a.patient, coverage=a.coverage, on_date=today)
    body = http(a.client_manager).get(reverse("patients:detail", args=[a.patient.pk]))
    text = body.content.decode()
    assert body.status_code == 200
    assert 'data-testid="eligibility-flag"' in text
    assert "Inactive" in text
    assert "Coverage inactive" in text
    assert 'data-testid="eligibility-check"' in text  # the manager may check


def test_check_now_with_htmx_answers_with_the_section(practices, today):
    a, _b = practices
    url = reverse("eligibility:patient_check", args=[a.patient.pk])
    response = http(a.client_manager).post(url, {"date": today.isoformat()}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<section class="panel" id="eligibility"')
    assert "Active" in text
    assert "Deductible met / remaining" in text
    assert EligibilityInquiry.objects.get().asked_by == a.client_manager.username
    assert AuditEvent.objects.filter(
        object_type="patients.patient", object_id=str(a.patient.pk), detail="page: eligibility"
    ).exists()
    again = http(a.client_manager).post(url, {}, HTTP_HX_REQUEST="true")
    assert "answered earlier today" in again.content.decode()
    bad = http(a.client_manager).post(url, {"date": "31/31/2026"}, HTTP_HX_REQUEST="true")
    assert "is not a date" in bad.content.decode()
    assert EligibilityInquiry.objects.count() == 1


def test_check_now_without_htmx_redirects_with_a_message(practices):
    a, _b = practices
    url = reverse("eligibility:patient_check", args=[a.patient.pk])
    response = http(a.client_manager).post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("patients:detail", args=[a.patient.pk])
    assert ": active" in response.content.decode()
    assert http(a.client_manager).get(url).status_code == 405


def test_roles_and_practices_that_may_not_check(practices):
    a, b = practices
    url = reverse("eligibility:patient_check", args=[a.patient.pk])
    assert http(b.client_manager).post(url).status_code == 404
    physician = make_user("client_physician", client=a.client)
    assert http(physician).post(url).status_code == 403
    page = http(physician).get(reverse("patients:detail", args=[a.patient.pk])).content.decode()
    assert 'data-testid="eligibility-check"' not in page
    assert EligibilityInquiry.objects.count() == 0


def test_api_check_and_results(practices, today):
    a, b = practices
    check_url = reverse("api:eligibility_check_route", args=[a.patient.pk])
    results_url = reverse("api:eligibility_results_route", args=[a.patient.pk])
    client = http(a.biller)
    response = client.post(check_url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["flagged"] is False
    (result,) = body["results"]
    assert result["outcome"] == "active"
    assert result["service_date"] == today.isoformat()
    assert {b["code"] for b in result["benefits"]} == {"1", "A", "B", "C", "G"}
    listed = client.get(results_url).json()
    assert [r["id"] for r in listed] == [result["id"]]
    other = http(b.biller)
    assert other.get(results_url).status_code == 404
    assert other.post(check_url).status_code == 404
    assert client.post(f"{check_url}?date=soon").status_code == 422
    forced = client.post(f"{check_url}?date={today.isoformat()}&force=true").json()
    assert forced["results"][0]["id"] != result["id"]


def test_work_list_page_and_api_are_scoped_and_filtered(practices, today):
    a, b = practices
    for world in (a, b):
        Coverage.objects.filter(pk=world.coverage.pk).update(
            effective_to=datetime.date(2025, 6, 30)
        )
        world.coverage.refresh_from_db()
        eligibility_check(
            actor=TEST_ACTOR, patient=world.patient, coverage=world.coverage, on_date=today
        )
    page = http(a.client_manager).get(reverse("workqueue:list")).content.decode()
    assert a.patient.last_name in page
    assert b.patient.last_name not in page
    assert "Coverage inactive" in page
    other_kind = http(a.client_manager).get(reverse("workqueue:list"), {"kind": "coverage_missing"})
    assert a.patient.last_name not in other_kind.content.decode()
    bad = http(a.client_manager).get(reverse("workqueue:list"), {"kind": "nonsense"})
    assert "is not a kind" in bad.content.decode()
    listed = http(a.biller).get(reverse("api:work_item_list_route")).json()
    assert [i["patient_id"] for i in listed["results"]] == [a.patient.pk]
    item_b = WorkItem.objects.get(client=b.client)
    refused = http(a.biller).post(
        reverse("api:work_item_close_route"),
        json.dumps({"id": item_b.pk}),
        content_type="application/json",
    )
    assert refused.status_code == 404
    item_b.refresh_from_db()
    assert item_b.status == "open"


def test_claim_status_list_is_scoped(practices):
    a, b = practices
    page = http(b.biller).get(reverse("eligibility:claim_status"))
    assert page.status_code == 200
    assert a.claim.patient_control_number not in page.content.decode()
