"""Work items: opening is idempotent by key, closing is audited and scoped."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from openrcm.accounts.testing import PracticeWorld, make_user, sign_in
from openrcm.core.actor import Actor
from openrcm.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from openrcm.core.testing import TEST_ACTOR
from openrcm.privacy.models import AuditEvent
from openrcm.workqueue.models import WorkItem
from openrcm.workqueue.selectors import WorkItemFilters, work_item_filters, work_item_list
from openrcm.workqueue.services import work_item_close, work_item_open, work_items_close_by_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def practices():
    return PracticeWorld("W"), PracticeWorld("X")


def open_item(world, **changes):
    values = {
        "actor": TEST_ACTOR,
        "client_id": world.client.pk,
        "kind": "coverage_inactive",
        "title": "Coverage inactive: call the patient",
        "patient": world.patient,
        "due_date": datetime.date(2026, 1, 5),
        "key": f"test:{world.patient.pk}",
    }
    values.update(changes)
    return work_item_open(**values)


def test_opening_the_same_key_twice_gives_the_open_item(practices):
    a, _b = practices
    item, opened = open_item(a)
    again, opened_again = open_item(a, title="something else")
    assert (opened, opened_again) == (True, False)
    assert again.pk == item.pk
    assert WorkItem.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="workqueue.workitem", action="create").count() == 1
    # Once done, the same key opens a new item.
    work_items_close_by_key(actor=TEST_ACTOR, key=item.key, resolution="settled")
    _third, opened_third = open_item(a)
    assert opened_third is True
    assert WorkItem.objects.filter(status="open").count() == 1


def test_opening_refuses_unknown_kinds_and_empty_titles(practices):
    a, _b = practices
    with pytest.raises(ValidationFailed) as caught:
        open_item(a, kind="chores", title=" ")
    assert [f for f, _m in caught.value.problems] == ["kind", "title"]


def test_closing_is_scoped_audited_and_once(practices):
    a, b = practices
    item, _ = open_item(a)
    with pytest.raises(NotFound):
        work_item_close(actor=Actor.for_user(b.biller), item_id=item.pk, user=b.biller)
    physician = make_user("client_physician", client=a.client)
    with pytest.raises(PermissionDenied):
        work_item_close(actor=Actor.for_user(physician), item_id=item.pk, user=physician)
    closed = work_item_close(
        actor=Actor.for_user(a.client_manager),
        item_id=item.pk,
        user=a.client_manager,
        resolution="new card scanned",
    )
    assert (closed.status, closed.closed_by, closed.resolution) == (
        "done",
        a.client_manager.username,
        "new card scanned",
    )
    assert closed.closed_at is not None
    with pytest.raises(TransitionNotAllowed, match="already closed"):
        work_item_close(actor=TEST_ACTOR, item_id=item.pk)


def test_filters(practices):
    a, _b = practices
    open_item(a)
    open_item(a, kind="coverage_missing", key="other")
    assert work_item_filters({}) == WorkItemFilters()
    with pytest.raises(ValidationFailed) as caught:
        work_item_filters({"client": "x", "kind": "y", "status": "z"})
    assert [f for f, _m in caught.value.problems] == ["client", "kind", "status"]
    missing = work_item_filters({"kind": "coverage_missing"})
    assert [i.kind for i in work_item_list(user=a.biller, filters=missing)] == ["coverage_missing"]
    everything = work_item_filters({"status": "all", "client": str(a.client.pk)})
    assert work_item_list(user=a.biller, filters=everything).count() == 2


def test_the_page_closes_an_item_and_refuses_another_practices(practices):
    a, b = practices
    item, _ = open_item(a)
    foreign = sign_in(HttpClient(), b.client_manager)
    response = foreign.post(reverse("workqueue:close"), {"item": item.pk}, follow=True)
    assert "does not exist" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open"
    own = sign_in(HttpClient(), a.client_manager)
    assert a.patient.last_name in own.get(reverse("workqueue:list")).content.decode()
    response = own.post(
        reverse("workqueue:close"), {"item": item.pk, "resolution": "called"}, follow=True
    )
    assert f"Work item {item.pk} is done." in response.content.decode()
    item.refresh_from_db()
    assert (item.status, item.resolution) == ("done", "called")
    assert own.get(reverse("workqueue:close")).status_code == 405
    done = own.get(reverse("workqueue:list"), {"status": "done"}).content.decode()
    assert "called" in done


def test_the_front_desk_sees_the_work_list_in_the_navigation(practices):
    a, _b = practices
    front_desk = make_user("client_front_desk", client=a.client)
    body = sign_in(HttpClient(), front_desk).get(reverse("home")).content.decode()
    nav = body.split('aria-label="Areas"')[1].split("</nav>")[0]
    assert "Work list" in nav
    coder = make_user("coder", assigned_clients=[a.client])
    body = sign_in(HttpClient(), coder).get(reverse("home")).content.decode()
    assert "Work list" not in body.split('aria-label="Areas"')[1].split("</nav>")[0]
    assert sign_in(HttpClient(), coder).get(reverse("workqueue:list")).status_code == 403
