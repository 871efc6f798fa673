"""Audit rows for reads and changes of PHI, permission denials, and the compliance UI."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from openrcm.accounts.testing import PracticeWorld, make_user, sign_in
from openrcm.core.actor import Actor
from openrcm.core.testing import make_client, make_patient
from openrcm.patients.services import patient_update
from openrcm.privacy.models import AuditAction, AuditEvent
from openrcm.privacy.services import audit_chain_verify, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> PracticeWorld:
    return PracticeWorld("R")


def _reads_of(obj: Any) -> Any:
    return AuditEvent.objects.filter(
        action=AuditAction.READ, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )


def test_patient_page_api_and_admin_reads_are_audited_with_request_details(world):
    http = sign_in(HttpClient(), world.biller)
    headers = {"HTTP_USER_AGENT": "Firefox/999 (test)", "HTTP_X_REQUEST_ID": "req-abc-123456"}
    assert http.get(f"/patients/{world.patient.pk}/", **headers).status_code == 200
    row = _reads_of(world.patient).get()
    assert (row.actor, row.user_id, row.role) == (world.biller.username, world.biller.pk, "biller")
    assert row.client_id == world.client.pk
    assert (row.ip, row.user_agent, row.request_id) == (
        "127.0.0.1",
        "Firefox/999 (test)",
        "req-abc-123456",
    )
    assert http.get(f"/api/patients/{world.patient.pk}").status_code == 200
    assert http.get(f"/admin/patients/patient/{world.patient.pk}/change/").status_code == 200
    assert sorted(_reads_of(world.patient).values_list("detail", flat=True)) == [
        "admin",
        "api",
        "page",
    ]


def test_foreign_read_writes_no_read_row():
    a, b = PracticeWorld("S"), PracticeWorld("T")
    http = sign_in(HttpClient(), b.client_manager)
    assert http.get(f"/patients/{a.patient.pk}/").status_code == 404
    assert not _reads_of(a.patient).exists()


def test_patient_change_lists_old_and_new_values_but_never_identifiers(world):
    actor = Actor.for_user(world.biller)
    patient_update(
        actor=actor, patient=world.patient, city="Troy", ssn="900-55-4321", phone="212-555-0142"
    )
    row = AuditEvent.objects.get(action=AuditAction.UPDATE, object_id=str(world.patient.pk))
    assert row.changes["city"] == ["Albany", "Troy"]
    assert row.changes["ssn"] == "changed"
    assert row.changes["phone"] == "changed"
    assert "4321" not in str(row.changes)
    assert "0142" not in str(row.changes)


def test_creating_rows_of_phi_is_audited(world):
    for obj in (world.patient, world.coverage, world.encounter, world.claim):
        assert AuditEvent.objects.filter(
            action=AuditAction.CREATE, object_type=obj._meta.label_lower, object_id=str(obj.pk)
        ).exists(), obj._meta.label


def test_permission_denial_is_audited_and_answers_403(world):
    http = sign_in(HttpClient(), world.biller)
    assert http.get("/privacy/audit/").status_code == 403
    row = AuditEvent.objects.get(action=AuditAction.PERMISSION_DENIED, user_id=world.biller.pk)
    assert row.detail.startswith("audit.view")
    assert http.get("/api/patients/").status_code == 200
    sales = make_user("sales")
    assert sign_in(HttpClient(), sales).get("/api/patients/").status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditAction.PERMISSION_DENIED, user_id=sales.pk
    ).exists()


# ---- the compliance officer's audit trail ------------------------------------------------


def test_compliance_searches_the_trail_with_filters_and_pages(world):
    officer = make_user("compliance")
    for i in range(60):
        audit_record(actor=Actor(label="bulk"), action=AuditAction.READ, detail=f"bulk {i}")
    http = sign_in(HttpClient(), officer)
    first = http.get("/privacy/audit/", {"user": "bulk"})
    assert first.status_code == 200
    page = first.context["page"]
    assert page.paginator.count == 60
    assert len(page.object_list) == 50
    assert http.get("/privacy/audit/", {"user": "bulk", "page": 2}).context["page"].object_list
    by_object = http.get(
        "/privacy/audit/",
        {"object_type": "patients.patient", "object_id": str(world.patient.pk), "action": "create"},
    ).context["page"]
    assert [e.object_id for e in by_object] == [str(world.patient.pk)]
    by_client = http.get("/privacy/audit/", {"client": str(world.client.pk)}).context["page"]
    assert by_client.paginator.count > 0
    assert all(e.client_id == world.client.pk for e in by_client)
    today = timezone.localdate()
    none_then = http.get(
        "/privacy/audit/", {"until": (today - datetime.timedelta(days=9)).isoformat()}
    )
    assert none_then.context["page"].paginator.count == 0
    bad = http.get("/privacy/audit/", {"since": "someday"})
    assert bad.status_code == 200
    assert bad.context["problems"]


def test_compliance_export_downloads_csv_and_is_audited(world):
    officer = make_user("compliance")
    http = sign_in(HttpClient(), officer)
    response = http.get("/privacy/audit/export.csv", {"object_type": "patients.patient"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows
    assert {r["object_type"] for r in rows} == {"patients.patient"}
    export = AuditEvent.objects.get(action=AuditAction.EXPORT, user_id=officer.pk)
    assert "web download" in export.detail
    assert audit_chain_verify() is None


def test_practice_users_cannot_see_the_trail():
    practice = make_client()
    make_patient(practice)
    manager = make_user("client_manager", client=practice)
    http = sign_in(HttpClient(), manager)
    assert http.get("/privacy/audit/").status_code == 403
    assert http.get("/privacy/audit/export.csv").status_code == 403
