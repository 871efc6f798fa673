"""The REST API: session auth, scoping through for_user, 404 for foreign rows, schemas."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from openrcm.accounts.testing import PracticeWorld, make_user, sign_in
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world_a():
    return PracticeWorld("Alpha")


@pytest.fixture
def world_b():
    return PracticeWorld("Bravo")


def api_get(user, path, params=None):
    return sign_in(HttpClient(), user).get(f"/api{path}", params or {})


def test_docs_and_schema_are_served_locally():
    docs = HttpClient().get("/api/docs")
    assert docs.status_code == 200
    body = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    assert "cdn." not in body
    schema = HttpClient().get("/api/openapi.json").json()
    for path in ("/api/patients/", "/api/patients/{patient_id}", "/api/claims/", "/api/clients/"):
        assert path in schema["paths"], path


def test_anonymous_calls_are_refused(world_a):
    for path in ("/api/patients/?q=Zz", f"/api/claims/{world_a.claim.pk}", "/api/clients/"):
        assert HttpClient().get(path).status_code == 401, path


def test_staff_without_the_second_factor_is_refused(world_a):
    http = HttpClient()
    http.force_login(world_a.biller, backend="django.contrib.auth.backends.ModelBackend")
    assert http.get("/api/clients/").status_code == 401


def test_patient_search_returns_only_the_users_patients(world_a, world_b):
    response = api_get(world_a.biller, "/patients/", {"q": "Zzleak"})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] == 1
    assert [r["last_name"] for r in data["results"]] == [world_a.patient_last_name]
    assert data["results"][0]["client_id"] == world_a.client.pk


def test_patient_search_with_a_bad_date_lists_the_problem(world_a):
    response = api_get(world_a.biller, "/patients/", {"dob": "31/31/1999"})
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "validation_failed"
    assert data["problems"][0]["field"] == "dob"
    assert "not a date" in data["problems"][0]["message"]


def test_patient_detail_has_coverage_masks_the_ssn_and_is_audited(world_a):
    response = api_get(world_a.client_manager, f"/patients/{world_a.patient.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["last_name"] == world_a.patient_last_name
    assert data["date_of_birth"] == "1970-05-17"
    assert data["ssn_masked"] == f"***-**-{world_a.patient.ssn[-4:]}"
    assert world_a.patient.ssn not in response.content.decode()
    [coverage] = data["coverages"]
    assert coverage["payer"] == world_a.payer.name
    assert coverage["member_id"] == world_a.coverage.member_id
    assert coverage["state"] == "active"
    event = AuditEvent.objects.filter(action="read", object_type="patients.patient").last()
    assert event is not None
    assert event.object_id == str(world_a.patient.pk)
    assert event.detail == "api"


def test_foreign_rows_are_404(world_a, world_b):
    user = world_a.biller
    for path in (
        f"/patients/{world_b.patient.pk}",
        f"/claims/{world_b.claim.pk}",
        f"/clients/{world_b.client.pk}",
        "/patients/987654",
    ):
        response = api_get(user, path)
        assert response.status_code == 404, path
        assert world_b.patient_last_name not in response.content.decode()


def test_claim_list_filters_paginates_and_counts(world_a, world_b):
    admin = make_user("administrator")
    data = api_get(admin, "/claims/", {"page_size": 1}).json()
    assert data["count"] == 2
    assert data["pages"] == 2
    assert len(data["results"]) == 1
    assert data["counts_by_status"] == [{"status": "draft", "count": 2, "total_charge": "340.00"}]
    only_a = api_get(admin, "/claims/", {"client": world_a.client.pk}).json()
    assert [c["id"] for c in only_a["results"]] == [world_a.claim.pk]
    dos = world_a.encounter.date_of_service.isoformat()
    by_date = api_get(admin, "/claims/", {"service_from": dos, "service_to": dos}).json()
    assert by_date["count"] == 2
    by_payer = api_get(admin, "/claims/", {"payer": world_b.payer.pk}).json()
    assert [c["id"] for c in by_payer["results"]] == [world_b.claim.pk]
    scoped = api_get(world_a.biller, "/claims/").json()
    assert [c["id"] for c in scoped["results"]] == [world_a.claim.pk]


def test_claim_list_refuses_bad_filters_with_every_problem(world_a):
    response = api_get(world_a.biller, "/claims/", {"status": "lost", "service_from": "soon"})
    assert response.status_code == 422
    fields = {p["field"] for p in response.json()["problems"]}
    assert fields == {"status", "from"}


def test_claim_detail_has_lines_and_history(world_a):
    data = api_get(world_a.biller, f"/claims/{world_a.claim.pk}").json()
    assert data["patient_control_number"] == world_a.claim.patient_control_number
    assert [line["procedure_code"] for line in data["lines"]] == ["99213", "93000"]
    assert data["diagnoses"] == ["E11.9", "I10"]
    assert [(h["from_status"], h["to_status"]) for h in data["history"]] == [("", "draft")]
    assert data["total_charge"] == "170.00"


def test_client_list_and_detail_are_scoped(world_a, world_b):
    data = api_get(world_a.biller, "/clients/").json()
    assert [c["id"] for c in data] == [world_a.client.pk]
    assert data[0]["contract_status"] == "prospect"
    assert data[0]["patient_count"] == 1
    detail = api_get(world_a.client_manager, f"/clients/{world_a.client.pk}").json()
    assert detail["providers"][0]["npi"] == world_a.provider.npi
    assert detail["contacts"][0]["name"] == world_a.contact.name
    assert detail["fee_schedules"][0]["payer"] == world_a.payer.name
    assert detail["contracts"][0]["history"][0]["to_status"] == "prospect"


def test_a_role_without_the_permission_is_refused(world_a):
    sales = make_user("sales")
    assert api_get(sales, "/patients/", {"q": "Zz"}).status_code == 403
    assert api_get(sales, "/claims/").status_code == 403
