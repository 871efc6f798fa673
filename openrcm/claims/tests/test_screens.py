"""The claim screens: list filters and counts, the claim page, claim actions, batches,
file downloads and the rejection work list. Data made through the real cycle (sandbox)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from openrcm.accounts.testing import make_user, sign_in
from openrcm.claims.models import Claim, ClaimStatus, ExchangedFile
from openrcm.claims.tests.screens_world import cycled_practice
from openrcm.core.testing import TEST_ACTOR
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(settings):
    return cycled_practice(settings)


@pytest.fixture
def other(settings):
    return cycled_practice(settings, name="Other")


def page(user, url, data=None, **extra):
    return sign_in(HttpClient(), user).get(url, data or {}, **extra)


def post(user, url, data=None):
    return sign_in(HttpClient(), user).post(url, data or {})


def body(response) -> str:
    return response.content.decode()


def listed(response) -> list[int]:
    return [c.pk for c in response.context["page"].object_list]


# ---- claim list -----------------------------------------------------------------------


def test_list_counts_per_status_and_filters_by_status(cycle):
    url = reverse("claims:list")
    response = page(cycle.biller, url)
    counts = {c.status: c.count for c in response.context["counts"]}
    assert counts == {"draft": 1, "held": 1, "accepted": 1, "rejected": 1}
    assert 'data-status="held"' in body(response)
    held = page(cycle.biller, url, {"status": "held"})
    assert listed(held) == [cycle.held.pk]
    # the counts stay those of every status (the tabs), under the other filters
    assert {c.status: c.count for c in held.context["counts"]} == counts


def test_list_filters_by_client_payer_and_provider(cycle, other):
    admin = make_user("administrator")
    url = reverse("claims:list")
    mine = {cycle.accepted.pk, cycle.rejected.pk, cycle.held.pk, cycle.draft.pk}
    assert set(listed(page(admin, url, {"client": cycle.client.pk}))) == mine
    assert set(listed(page(admin, url, {"payer": cycle.payer.pk}))) == mine
    assert set(listed(page(admin, url, {"provider": cycle.provider.pk}))) == mine
    assert set(listed(page(admin, url, {"payer": other.payer.pk}))).isdisjoint(mine)
    # a biller of the first practice never sees the other's claims, whatever the filter
    assert set(listed(page(cycle.biller, url, {"payer": other.payer.pk}))) == set()


def test_age_buckets_by_date_of_service_and_by_creation(cycle):
    url = reverse("claims:list")
    old = page(cycle.biller, url, {"age": "121+"})
    assert listed(old) == [cycle.held.pk]  # 400 days after its date of service
    recent = page(cycle.biller, url, {"age": "0-30"})
    assert set(listed(recent)) == {cycle.accepted.pk, cycle.rejected.pk, cycle.draft.pk}
    ages = {row.bucket: row.count for row in recent.context["age_counts"]}
    assert ages == {"0-30": 3, "31-60": 0, "61-90": 0, "91-120": 0, "121+": 1}
    # every claim was made today: by creation they are all 0-30 days old
    created = page(cycle.biller, url, {"age": "0-30", "age_by": "created"})
    assert len(listed(created)) == 4
    Claim.objects.filter(pk=cycle.draft.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=45)
    )
    by_created = page(cycle.biller, url, {"age": "31-60", "age_by": "created"})
    assert listed(by_created) == [cycle.draft.pk]


def test_scrub_error_filter_and_count(cycle):
    url = reverse("claims:list")
    with_errors = page(cycle.biller, url, {"errors": "yes"})
    assert listed(with_errors) == [cycle.held.pk]
    assert with_errors.context["error_count"] == 1
    assert 'data-testid="error-count"' in body(with_errors)
    without = page(cycle.biller, url, {"errors": "no"})
    assert cycle.held.pk not in listed(without)
    assert len(listed(without)) == 3
    row = next(
        c for c in page(cycle.biller, url).context["page"].object_list if c.pk == cycle.held.pk
    )
    assert row.error_count >= 1


def test_bad_filters_are_named(cycle):
    response = page(cycle.biller, reverse("claims:list"), {"age": "ancient", "errors": "maybe"})
    text = body(response)
    assert "is not an age bucket" in text
    assert "say yes (scrub errors) or no" in text


def test_htmx_request_gets_only_the_results(cycle):
    url = reverse("claims:list")
    response = page(cycle.biller, url, {"status": "held"}, HTTP_HX_REQUEST="true")
    text = body(response)
    assert "<html" not in text
    assert cycle.held.patient_control_number in text
    assert cycle.accepted.patient_control_number not in text
    assert "HX-Request" in response.headers["Vary"]
    assert "<html" in body(page(cycle.biller, url))


def test_list_is_paginated(cycle, monkeypatch):
    from openrcm.claims import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    first = page(cycle.biller, reverse("claims:list"))
    assert first.context["page"].paginator.num_pages == 2
    second = page(cycle.biller, reverse("claims:list"), {"page": 2})
    assert len(listed(first)) == 3
    assert len(listed(second)) == 1
    assert 'rel="next"' in body(first)


# ---- claim page ----------------------------------------------------------------------------


def test_claim_page_shows_findings_history_batch_files_and_acknowledgement(cycle):
    response = page(cycle.biller, reverse("claims:detail", args=[cycle.rejected.pk]))
    text = body(response)
    record = response.context["record"]
    assert [b.pk for b in record.batches] == [cycle.batch.pk]
    assert {f.kind for f in record.files} == {"837P", "999", "277CA"}
    for f in record.files:
        assert reverse("claims:file", args=[f.pk]) in text
    assert "the member ID (contract number) of the subscriber" in text  # 277CA in words
    assert "A7:164:IL" in text
    history = [(h.from_status, h.to_status) for h in cycle.rejected.history.all()]
    assert history[-1] == ("submitted", "rejected")
    assert 'data-testid="claim-history"' in text
    assert [a.name for a in response.context["actions"]] == ["rescrub", "hold", "void"]


def test_held_claim_page_lists_each_finding_with_rule_severity_and_hint(cycle):
    response = page(cycle.biller, reverse("claims:detail", args=[cycle.held.pk]))
    text = body(response)
    finding = next(f for f in response.context["record"].findings if f.rule_id == "TIMELY-FILING")
    assert finding.severity == "error"
    assert "TIMELY-FILING" in text
    assert finding.hint[:30] in text
    assert [a.name for a in response.context["actions"]] == ["release", "void"]


def test_actions_shown_follow_the_role(cycle):
    url = reverse("claims:detail", args=[cycle.accepted.pk])
    assert [a.name for a in page(cycle.biller, url).context["actions"]] == ["correct", "void"]
    assert page(cycle.manager, url).context["actions"] == []  # views claims, changes nothing
    assert 'data-testid="claim-actions"' not in body(page(cycle.manager, url))
    draft = reverse("claims:detail", args=[cycle.draft.pk])
    assert [a.name for a in page(cycle.coder, draft).context["actions"]] == ["void"]


def test_claim_page_reads_are_audited(cycle):
    page(cycle.biller, reverse("claims:detail", args=[cycle.accepted.pk]))
    assert AuditEvent.objects.filter(
        action="read", object_type="claims.claim", object_id=str(cycle.accepted.pk)
    ).exists()


# ---- claim actions ---------------------------------------------------------------------------


def test_rescrub_of_a_rejected_claim_after_the_fix_makes_it_ready(cycle):
    url = reverse("claims:rescrub", args=[cycle.rejected.pk])
    response = post(cycle.biller, url)
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("claims:detail", args=[cycle.rejected.pk])
    cycle.rejected.refresh_from_db()
    assert cycle.rejected.status == ClaimStatus.READY  # goes out in the next batch
    follow = sign_in(HttpClient(), cycle.biller).post(url, follow=True)
    assert "only a draft, held or rejected claim can be scrubbed again" in body(follow)


def test_hold_needs_a_reason_then_release_scrubs_again(cycle):
    url = reverse("claims:hold", args=[cycle.draft.pk])
    refused = sign_in(HttpClient(), cycle.biller).post(url, {"reason": " "}, follow=True)
    assert "say why the claim is held" in body(refused)
    cycle.draft.refresh_from_db()
    assert cycle.draft.status == ClaimStatus.DRAFT
    post(cycle.biller, url, {"reason": "waiting for the operative note"})
    cycle.draft.refresh_from_db()
    assert cycle.draft.status == ClaimStatus.HELD
    last = cycle.draft.history.last()
    assert (last.from_status, last.to_status) == ("draft", "held")
    assert "waiting for the operative note" in last.reason
    assert last.actor == cycle.biller.username
    # A hold by hand survives the scrubber's run over every draft and held claim.
    from openrcm.claims.scrubbing import claims_scrub

    claims_scrub(actor=TEST_ACTOR)
    cycle.draft.refresh_from_db()
    assert cycle.draft.status == ClaimStatus.HELD
    post(cycle.biller, reverse("claims:release", args=[cycle.draft.pk]))
    cycle.draft.refresh_from_db()
    assert cycle.draft.status == ClaimStatus.READY


def test_release_keeps_a_claim_with_errors_held(cycle):
    response = sign_in(HttpClient(), cycle.biller).post(
        reverse("claims:release", args=[cycle.held.pk]), follow=True
    )
    assert "is held: " in body(response)
    cycle.held.refresh_from_db()
    assert cycle.held.status == ClaimStatus.HELD


def test_actions_without_permission_are_refused_with_403(cycle):
    for name, claim in (("hold", cycle.draft), ("rescrub", cycle.rejected), ("void", cycle.draft)):
        response = post(cycle.manager, reverse(f"claims:{name}", args=[claim.pk]), {"reason": "x"})
        assert response.status_code == 403, name
    response = post(cycle.coder, reverse("claims:hold", args=[cycle.draft.pk]), {"reason": "x"})
    assert response.status_code == 403  # a coder corrects claims but does not scrub or send
    cycle.draft.refresh_from_db()
    assert cycle.draft.status == ClaimStatus.DRAFT
    assert AuditEvent.objects.filter(action="permission_denied", detail__contains="claim.").exists()


def test_action_in_the_wrong_state_says_why(cycle):
    response = sign_in(HttpClient(), cycle.biller).post(
        reverse("claims:correct", args=[cycle.held.pk]), {"reason": "typo"}, follow=True
    )
    assert "only a claim the payer accepted" in body(response)
    cycle.held.refresh_from_db()
    assert cycle.held.status == ClaimStatus.HELD


def test_corrected_claim_and_void_of_an_accepted_claim(cycle):
    response = post(
        cycle.biller, reverse("claims:correct", args=[cycle.accepted.pk]), {"reason": "wrong code"}
    )
    replacement = Claim.objects.get(original_claim=cycle.accepted)
    assert response.headers["Location"] == reverse("claims:detail", args=[replacement.pk])
    assert (replacement.frequency_code, replacement.status) == ("7", ClaimStatus.DRAFT)
    cycle.accepted.refresh_from_db()
    assert cycle.accepted.status == ClaimStatus.VOID
    # void of a claim that never reached the payer: a plain cancel
    post(cycle.biller, reverse("claims:void", args=[cycle.draft.pk]), {"reason": "duplicate visit"})
    cycle.draft.refresh_from_db()
    assert cycle.draft.status == ClaimStatus.VOID
    assert not Claim.objects.filter(original_claim=cycle.draft).exists()


def test_actions_only_by_post_and_only_on_own_claims(cycle, other):
    url = reverse("claims:hold", args=[cycle.draft.pk])
    assert page(cycle.biller, url).status_code == 405
    assert post(other.biller, url, {"reason": "x"}).status_code == 404
    cycle.draft.refresh_from_db()
    assert cycle.draft.status == ClaimStatus.DRAFT


def test_next_goes_back_to_the_rejection_list_but_never_off_site(cycle):
    url = reverse("claims:rescrub", args=[cycle.rejected.pk])
    back = reverse("claims:rejections") + "?source=277CA"
    assert post(cycle.biller, url, {"next": back}).headers["Location"] == back
    off_site = post(cycle.biller, url, {"next": "https://evil.example/"})
    assert off_site.headers["Location"] == reverse("claims:detail", args=[cycle.rejected.pk])


# ---- batches and files ---------------------------------------------------------------------


def test_batch_list_counts_and_filters(cycle, other):
    admin = make_user("administrator")
    url = reverse("claims:batches")
    response = page(admin, url)
    assert {c.status: c.count for c in response.context["counts"]} == {"acknowledged": 2}
    assert [
        b.pk for b in page(admin, url, {"client": cycle.client.pk}).context["page"].object_list
    ] == [cycle.batch.pk]
    by_reference = page(admin, url, {"q": cycle.batch.reference})
    assert [b.pk for b in by_reference.context["page"].object_list] == [cycle.batch.pk]
    assert [b.pk for b in page(cycle.biller, url).context["page"].object_list] == [cycle.batch.pk]
    assert "is not a batch status" in body(page(admin, url, {"status": "lost"}))


def test_batch_page_shows_claims_control_numbers_and_every_file(cycle):
    response = page(cycle.biller, reverse("claims:batch", args=[cycle.batch.pk]))
    text = body(response)
    batch = cycle.batch
    for value in (
        batch.reference,
        str(batch.interchange_control_number),
        str(batch.group_control_number),
        batch.submission_id,
        batch.clearinghouse,
    ):
        assert value in text  # fmt: skip
    assert {f.kind for f in response.context["files"]} == {"837P", "999", "277CA"}
    assert {c.pk for c in response.context["claims"]} == {cycle.accepted.pk, cycle.rejected.pk}
    assert AuditEvent.objects.filter(
        action="read", object_type="claims.claimbatch", object_id=str(batch.pk)
    ).exists()


def test_batch_of_another_practice_is_404(cycle, other):
    assert page(other.biller, reverse("claims:batch", args=[cycle.batch.pk])).status_code == 404
    assert page(other.manager, reverse("claims:batch", args=[cycle.batch.pk])).status_code == 404


def test_file_download_is_scoped_and_audited_as_an_export(cycle, other):
    sent = cycle.batch.files.get(kind="837P")
    url = reverse("claims:file", args=[sent.pk])
    response = page(cycle.manager, url)
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data.startswith(b"ISA*")
    assert f'filename="{sent.name}"' in response.headers["Content-Disposition"]
    export = AuditEvent.objects.get(action="export", object_type="claims.exchangedfile")
    assert (export.object_id, export.user_id, export.client_id) == (
        str(sent.pk),
        cycle.manager.pk,
        cycle.client.pk,
    )
    assert page(other.manager, url).status_code == 404
    assert page(other.biller, url).status_code == 404
    assert (
        AuditEvent.objects.filter(action="export", object_type="claims.exchangedfile").count() == 1
    )
    front_desk = make_user("client_front_desk", client=cycle.client)
    assert page(front_desk, url).status_code == 403


def test_a_file_of_no_practice_is_only_for_all_client_roles(cycle):
    from openrcm.claims.files import exchanged_file_store

    loose = exchanged_file_store(
        direction="received", kind="999", name="stray.999", data=b"ISA*stray~"
    )
    url = reverse("claims:file", args=[loose.pk])
    assert page(cycle.biller, url).status_code == 404
    assert page(make_user("compliance"), url).status_code == 200
    assert ExchangedFile.objects.filter(pk=loose.pk).exists()


# ---- rejections ------------------------------------------------------------------------------


def test_rejection_list_gives_the_reason_in_words_with_filters(cycle, other):
    url = reverse("claims:rejections")
    response = page(cycle.biller, url)
    rows = response.context["rows"]
    assert [r.claim.pk for r in rows] == [cycle.rejected.pk]
    (row,) = rows
    assert row.source == "277CA"
    text = body(response)
    assert "check the member ID on the insurance card" in text
    assert reverse("claims:rescrub", args=[cycle.rejected.pk]) in text
    assert reverse("claims:detail", args=[cycle.rejected.pk]) in text
    assert page(cycle.biller, url, {"source": "999"}).context["rows"] == []
    assert page(cycle.biller, url, {"payer": other.payer.pk}).context["rows"] == []
    assert "choose 999 or 277CA" in body(page(cycle.biller, url, {"source": "835"}))
    assert 'name="next"' in text


def test_rejection_list_hides_the_scrub_button_without_permission(cycle):
    text = body(page(cycle.manager, reverse("claims:rejections")))
    assert cycle.rejected.patient_control_number in text
    assert 'data-action="rescrub"' not in text


def test_actor_of_a_scrub_from_the_page_is_the_user(cycle):
    post(cycle.biller, reverse("claims:rescrub", args=[cycle.rejected.pk]))
    change = cycle.rejected.history.last()
    assert change.actor == cycle.biller.username
    assert TEST_ACTOR.label not in change.actor


def test_a_file_missing_from_storage_is_said_so(cycle):
    from django.core.files.storage import default_storage

    sent = cycle.batch.files.get(kind="837P")
    default_storage.delete(sent.storage_path)
    response = page(cycle.biller, reverse("claims:file", args=[sent.pk]))
    assert response.status_code == 410
    assert "missing from the file storage" in body(response)
