"""The web pages: each answers 200 with its content, scoped to the user's practices.

Two practices (A and B) with a row of every kind; B's rows must never show to A's users
and A's users get 404 for B's rows. Built through the real services.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from openrcm.accounts.testing import PracticeWorld, make_user, sign_in
from openrcm.core.testing import TEST_ACTOR, make_coverage, make_patient
from openrcm.patients.services import coverage_end
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world_a():
    return PracticeWorld("Alpha")


@pytest.fixture
def world_b():
    return PracticeWorld("Bravo")


def page(user, url, data=None, **extra):
    return sign_in(HttpClient(), user).get(url, data or {}, **extra)


def text(response) -> str:
    return response.content.decode()


# ---- the shell ---------------------------------------------------------------------


def test_anonymous_user_is_sent_to_sign_in(world_a):
    for url in (
        reverse("home"),
        reverse("patients:search"),
        reverse("patients:detail", args=[world_a.patient.pk]),
        reverse("claims:list"),
        reverse("clients:list"),
    ):
        response = HttpClient().get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]


def test_every_page_says_where_the_user_is_and_who_is_signed_in(world_a):
    user = world_a.client_manager
    pages = {
        reverse("home"): "Dashboard",
        reverse("patients:search"): "Patients",
        reverse("patients:detail", args=[world_a.patient.pk]): world_a.patient.full_name,
        reverse("claims:list"): "Claims",
        reverse(
            "claims:detail", args=[world_a.claim.pk]
        ): f"Claim {world_a.claim.patient_control_number}",
        reverse("clients:detail", args=[world_a.client.pk]): world_a.client.legal_name,
    }
    for url, title in pages.items():
        response = page(user, url)
        assert response.status_code == 200, url
        body = text(response)
        assert f"<title>{title}" in body, url
        assert 'aria-label="Breadcrumb"' in body
        assert f"<h1>{title}</h1>" in body
        assert user.get_full_name() in body  # who is signed in
        assert "Practice manager (client)" in body  # the role
        assert world_a.client.legal_name in body  # the practice
        assert "Log out" in body


def test_navigation_shows_only_the_areas_the_role_may_open(world_a):
    sales = make_user("sales")
    body = text(page(sales, reverse("home")))
    nav = body.split('aria-label="Areas"')[1].split("</nav>")[0]
    assert "Dashboard" in nav
    assert "Patients" not in nav
    assert "Claims" not in nav
    manager_nav = text(page(world_a.client_manager, reverse("home")))
    manager_nav = manager_nav.split('aria-label="Areas"')[1].split("</nav>")[0]
    assert "Patients" in manager_nav
    assert "Claims" in manager_nav
    assert "Practice" in manager_nav


def test_a_role_without_patient_access_is_refused_the_patient_pages(world_a):
    sales = make_user("sales")
    assert page(sales, reverse("patients:search")).status_code == 403
    assert page(sales, reverse("patients:detail", args=[world_a.patient.pk])).status_code == 403


# ---- dashboard ---------------------------------------------------------------------


def test_dashboard_counts_only_the_users_practices(world_a, world_b):
    response = page(world_a.client_manager, reverse("home"))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts.clients, counts.patients, counts.encounters, counts.claims) == (1, 1, 1, 1)
    assert [(s.status, s.count) for s in counts.claims_by_status] == [("draft", 1)]
    body = text(response)
    assert world_a.client.legal_name in body
    assert world_b.client.legal_name not in body


def test_dashboard_of_an_administrator_counts_every_practice(world_a, world_b):
    admin = make_user("administrator")
    counts = page(admin, reverse("home")).context["counts"]
    assert counts.clients == 2
    assert counts.patients == 2
    assert counts.claims == 2


# ---- patient search ----------------------------------------------------------------


def found_names(response) -> set[str]:
    return {p.last_name for p in response.context["result"].patients}


def test_patient_search_by_name_finds_only_the_users_patients(world_a, world_b):
    response = page(world_a.biller, reverse("patients:search"), {"q": "Zzleak"})
    assert response.status_code == 200
    assert found_names(response) == {world_a.patient_last_name}
    assert world_b.patient_last_name not in text(response)


@pytest.mark.parametrize(
    "query",
    [
        {"q": "ZzleakAlpha, Quin"},
        {"q": "quintessa zzleakalpha"},
        {"dob": "05/17/1970"},
        {"dob": "1970-05-17"},
        {"q": "1970-05-17"},
    ],
)
def test_patient_search_by_name_forms_and_date_of_birth(world_a, query):
    response = page(world_a.client_manager, reverse("patients:search"), query)
    assert found_names(response) == {world_a.patient_last_name}


def test_patient_search_by_account_member_id_and_phone(world_a):
    other = make_patient(world_a.client, last_name="Otherperson", phone="518-555-0177")
    make_coverage(other, world_a.payer, member_id="XQZ-778899")
    user = world_a.client_manager
    url = reverse("patients:search")
    assert found_names(page(user, url, {"q": other.account_number})) == {"Otherperson"}
    assert found_names(page(user, url, {"q": "xqz778899"})) == {"Otherperson"}  # normalised
    assert found_names(page(user, url, {"phone": "(518) 555-0177"})) == {"Otherperson"}
    assert found_names(page(user, url, {"q": "518.555.0177"})) == {"Otherperson"}
    assert not page(user, url, {"q": "Nobodyhere"}).context["result"].patients


def test_a_bad_date_of_birth_is_a_message_not_an_error(world_a):
    response = page(world_a.client_manager, reverse("patients:search"), {"dob": "13/45/2000"})
    assert response.status_code == 200
    body = text(response)
    assert "13/45/2000" in body
    assert "is not a date" in body
    bad_phone = page(world_a.client_manager, reverse("patients:search"), {"phone": "12"})
    assert bad_phone.status_code == 200
    assert "type 10 digits" in text(bad_phone)


def test_htmx_search_answers_with_the_results_only(world_a):
    response = page(
        world_a.client_manager,
        reverse("patients:search"),
        {"q": "Zzleak"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert world_a.patient_last_name in body
    assert "HX-Request" in response["Vary"]


# ---- patient page ------------------------------------------------------------------


def test_patient_page_shows_demographics_coverage_encounters_claims(world_a):
    user = world_a.client_manager
    response = page(user, reverse("patients:detail", args=[world_a.patient.pk]))
    assert response.status_code == 200
    body = text(response)
    assert world_a.patient.full_name in body
    assert world_a.payer.name in body
    assert world_a.coverage.member_id in body
    assert ">Active<" in body
    assert "E11.9" in body
    assert "99213" in body
    assert world_a.claim.patient_control_number in body
    event = AuditEvent.objects.filter(action="read", object_type="patients.patient").last()
    assert event is not None
    assert event.object_id == str(world_a.patient.pk)
    assert event.user_id == user.pk


def test_patient_page_flags_lapsed_coverage(world_a):
    coverage_end(
        actor=TEST_ACTOR, coverage=world_a.coverage, effective_to=datetime.date(2025, 6, 30)
    )
    body = text(page(world_a.client_manager, reverse("patients:detail", args=[world_a.patient.pk])))
    assert ">Lapsed<" in body
    assert "none in force" in body


def test_ssn_is_masked_and_shown_only_to_roles_that_keep_demographics(world_a):
    ssn = world_a.patient.ssn
    url = reverse("patients:detail", args=[world_a.patient.pk])
    manager_body = text(page(world_a.client_manager, url))
    assert f"***-**-{ssn[-4:]}" in manager_body
    assert ssn not in manager_body
    assert ssn.replace("-", "") not in manager_body
    physician = make_user("client_physician", client=world_a.client)
    physician_body = text(page(physician, url))
    assert "***-**-" not in physician_body
    assert ssn not in physician_body


def test_patient_of_another_practice_is_404(world_a, world_b):
    response = page(world_a.client_manager, reverse("patients:detail", args=[world_b.patient.pk]))
    assert response.status_code == 404
    assert world_b.patient_last_name not in text(response)
    assert not AuditEvent.objects.filter(
        action="read", object_type="patients.patient", object_id=str(world_b.patient.pk)
    ).exists()


# ---- clients -----------------------------------------------------------------------


def test_client_list_shows_the_assigned_practices_only(world_a, world_b):
    response = page(world_a.biller, reverse("clients:list"))
    assert response.status_code == 200
    body = text(response)
    assert world_a.client.legal_name in body
    assert world_b.client.legal_name not in body


def test_a_practice_user_goes_straight_to_their_practice(world_a):
    response = page(world_a.client_manager, reverse("clients:list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:detail", args=[world_a.client.pk])


def test_client_page_shows_practice_contract_providers_contacts_payers(world_a):
    response = page(world_a.biller, reverse("clients:detail", args=[world_a.client.pk]))
    assert response.status_code == 200
    body = text(response)
    for expected in (
        world_a.client.group_npi,
        "Prospect",  # the contract and its history
        world_a.provider.last_name,
        world_a.provider.npi,
        world_a.contact.name,
        world_a.fee_schedule.name,
        world_a.payer.name,
    ):
        assert expected in body, expected


def test_client_of_another_practice_is_404(world_a, world_b):
    response = page(world_a.biller, reverse("clients:detail", args=[world_b.client.pk]))
    assert response.status_code == 404


# ---- claims ------------------------------------------------------------------------


def test_claim_list_filters_counts_and_scoping(world_a, world_b):
    user = world_a.biller
    url = reverse("claims:list")
    response = page(user, url)
    assert response.status_code == 200
    assert [c.pk for c in response.context["page"].object_list] == [world_a.claim.pk]
    assert world_b.claim.patient_control_number not in text(response)
    assert [(c.status, c.count) for c in response.context["counts"]] == [("draft", 1)]
    dos = world_a.encounter.date_of_service
    kept = {
        "status": "draft",
        "payer": world_a.payer.pk,
        "provider": world_a.provider.pk,
        "client": world_a.client.pk,
        "from": dos.isoformat(),
        "to": dos.isoformat(),
    }
    assert page(user, url, kept).context["page"].paginator.count == 1
    for emptied in (
        {"status": "ready"},
        {"payer": world_b.payer.pk},
        {"client": world_b.client.pk},  # another practice's id filters to nothing
        {"from": (dos + datetime.timedelta(days=1)).isoformat()},
        {"to": (dos - datetime.timedelta(days=1)).isoformat()},
    ):
        assert page(user, url, emptied).context["page"].paginator.count == 0, emptied


def test_claim_list_explains_bad_filters(world_a):
    response = page(world_a.biller, reverse("claims:list"), {"from": "yesterday", "status": "x"})
    assert response.status_code == 200
    body = text(response)
    assert "yesterday" in body
    assert "is not a date" in body
    assert "is not a claim status" in body


def test_claim_list_is_paginated(world_a, world_b):
    admin = make_user("administrator")
    response = page(admin, reverse("claims:list"), {"page": "99"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2


def test_claim_page_shows_lines_and_history(world_a):
    response = page(world_a.biller, reverse("claims:detail", args=[world_a.claim.pk]))
    assert response.status_code == 200
    body = text(response)
    assert world_a.claim.patient_control_number in body
    assert "99213" in body
    assert "93000" in body
    assert re.search(r"<td>—</td><td>draft</td>", body)
    assert "$170.00" in body  # 125.00 + 45.00


def test_claim_of_another_practice_is_404(world_a, world_b):
    response = page(world_a.biller, reverse("claims:detail", args=[world_b.claim.pk]))
    assert response.status_code == 404


def test_front_desk_sees_the_patient_but_not_the_claims(world_a):
    front_desk = make_user("client_front_desk", client=world_a.client)
    response = page(front_desk, reverse("patients:detail", args=[world_a.patient.pk]))
    assert response.status_code == 200
    body = text(response)
    assert world_a.payer.name in body
    assert world_a.claim.patient_control_number not in body
    assert "Encounters" not in body
