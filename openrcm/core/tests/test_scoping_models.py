"""Every model that belongs to a practice reads through ``for_user``; the admin is scoped."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from openrcm.accounts.testing import PracticeWorld, make_user
from openrcm.core.admin import ScopedModelAdmin, encrypted_field_names
from openrcm.core.scoping import ScopedQuerySet, visible_client_ids

# Models with a path to a practice that are read only through a scoped parent, and why.
SCOPED_THROUGH_PARENT = {
    "payers.feeschedulerate": "read through FeeSchedule.rates of a scoped schedule",
}
NOT_PRACTICE_DATA = {"accounts.user"}  # users: managed by "user.manage" only


def _reaches_client(model: type[models.Model], depth: int = 0) -> bool:
    if model._meta.label_lower == "clients.client":
        return True
    if depth > 3:
        return False
    for field in model._meta.get_fields():
        related = getattr(field, "related_model", None)
        if (
            isinstance(field, models.ForeignKey)
            and isinstance(related, type)
            and related is not model
            and _reaches_client(related, depth + 1)
        ):
            return True
    return False


def test_every_practice_owned_model_has_a_scoped_manager():
    unscoped = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if not label.startswith(("clients.", "patients.", "claims.", "payers.", "coding.")):
            continue
        if label in SCOPED_THROUGH_PARENT or label in NOT_PRACTICE_DATA:
            continue
        if _reaches_client(model) and not isinstance(model._default_manager.all(), ScopedQuerySet):
            unscoped.append(label)
    assert not unscoped, f"give these models ScopedManager(...): {unscoped}"


def test_admin_search_never_names_an_encrypted_field():
    for model, model_admin in admin.site._registry.items():
        secret = encrypted_field_names(model)
        for name in model_admin.search_fields:
            assert name not in secret, f"{model._meta.label}: {name} is encrypted"


def test_practice_models_in_the_admin_are_scoped():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in {"clients", "patients", "claims"}:
            assert isinstance(model_admin, ScopedModelAdmin), model._meta.label
            assert not model_admin.has_add_permission(HttpRequest())


@pytest.mark.django_db
def test_who_sees_which_practices():
    a, b = PracticeWorld("V"), PracticeWorld("W")
    assert visible_client_ids(a.client_manager) == {a.client.pk}
    assert visible_client_ids(a.biller) == {a.client.pk}
    assert visible_client_ids(make_user("administrator")) is None
    assert visible_client_ids(make_user("compliance")) is None
    assert visible_client_ids(make_user("coder")) == set()  # staff with no assignment: none
    assert visible_client_ids(None) == set()
    b.client_manager.is_active = False
    assert visible_client_ids(b.client_manager) == set()
