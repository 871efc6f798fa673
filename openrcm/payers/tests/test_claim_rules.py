"""A payer's claim rules: the service's checks and audit, the page and the API."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from openrcm.accounts.testing import make_user, sign_in
from openrcm.claims.scrubbing import payer_rules_for
from openrcm.core.actor import Actor
from openrcm.core.errors import PermissionDenied, ValidationFailed
from openrcm.core.testing import TEST_ACTOR, make_payer
from openrcm.payers.models import PayerClaimRules
from openrcm.payers.services import (
    payer_claim_rules_set,
    payer_rule_turn_off,
    payer_rule_turn_on,
    unit_overrides_from_text,
)
from openrcm.privacy.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def payer():
    return make_payer(name="Harbor Mutual")


# ---- the service ----------------------------------------------------------------------------


def test_set_stores_every_part_and_the_scrubber_reads_it(payer):
    rules = payer_claim_rules_set(
        actor=TEST_ACTOR,
        payer=payer,
        disabled_rules={"ncci-ptp": "payer applies its own bundling"},
        referring_required_for_pos=["81", "12"],
        referring_required_for_codes="97110, 97140",
        prior_auth_codes=["70551"],
        unit_overrides={"97110": "4"},
        clearinghouse="sandbox",
    )
    rules.refresh_from_db()
    assert rules.disabled_rules == {"NCCI-PTP": "payer applies its own bundling"}
    assert rules.referring_required_for_pos == ["12", "81"]
    assert rules.referring_required_for_codes == ["97110", "97140"]
    assert rules.unit_overrides == {"97110": 4}
    assert rules.clearinghouse == "sandbox"
    payer.refresh_from_db()
    pure = payer_rules_for(payer)
    assert dict(pure.disabled_rules) == {"NCCI-PTP": "payer applies its own bundling"}
    assert pure.requires_prior_auth_for_codes == frozenset({"70551"})
    assert dict(pure.max_units) == {"97110": 4}


def test_every_problem_is_named_and_nothing_is_stored(payer):
    with pytest.raises(ValidationFailed) as caught:
        payer_claim_rules_set(
            actor=TEST_ACTOR,
            payer=payer,
            disabled_rules={
                "NO-SUCH-RULE": "because",
                "CLAIM-TOTAL": "payer recomputes totals",
                "MUE-UNITS": "  ",
            },
            referring_required_for_pos=["1A"],
            prior_auth_codes=["ABCDE"],
            unit_overrides={"97110": "0", "XYZ": "2", "97140": "two"},
            clearinghouse="pigeon",
        )
    found = dict(caught.value.problems)
    assert "is not a scrubber rule" in found["disabled_rules[NO-SUCH-RULE]"]
    assert "cannot be turned off" in found["disabled_rules[CLAIM-TOTAL]"]
    assert "say why MUE-UNITS is turned off" in found["disabled_rules[MUE-UNITS]"]
    assert "not a place-of-service code" in found["referring_required_for_pos"]
    assert "not a procedure code" in found["prior_auth_codes"]
    assert "from 1 to 9999" in found["unit_overrides[97110]"]
    assert "not a procedure code" in found["unit_overrides[XYZ]"]
    assert "'two'" in found["unit_overrides[97140]"]
    assert "no clearinghouse is called 'pigeon'" in found["clearinghouse"]
    assert not PayerClaimRules.objects.exists()


def test_a_change_is_audited_with_before_and_after(payer):
    payer_claim_rules_set(actor=TEST_ACTOR, payer=payer, prior_auth_codes=["70551"])
    payer_claim_rules_set(actor=TEST_ACTOR, payer=payer, prior_auth_codes=["70551", "72148"])
    rules = PayerClaimRules.objects.get(payer=payer)
    rows = AuditEvent.objects.filter(object_type="payers.payerclaimrules", object_id=str(rules.pk))
    assert [r.action for r in rows] == ["create", "update"]
    last = rows.last()
    assert last is not None
    assert last.changes == {"prior_auth_codes": [["70551"], ["70551", "72148"]]}
    # the same values again change nothing and write nothing
    payer_claim_rules_set(actor=TEST_ACTOR, payer=payer, prior_auth_codes=["72148", "70551"])
    assert rows.count() == 2


def test_fields_left_out_stay_as_they_are(payer):
    payer_claim_rules_set(actor=TEST_ACTOR, payer=payer, prior_auth_codes=["70551"])
    payer_claim_rules_set(actor=TEST_ACTOR, payer=payer, clearinghouse="sftp")
    rules = PayerClaimRules.objects.get(payer=payer)
    assert (rules.prior_auth_codes, rules.clearinghouse) == (["70551"], "sftp")


def test_turn_a_rule_off_and_on_again(payer):
    payer_rule_turn_off(
        actor=TEST_ACTOR, payer=payer, rule_id="dx-duplicate", reason="payer dedupes"
    )
    assert PayerClaimRules.objects.get(payer=payer).disabled_rules == {
        "DX-DUPLICATE": "payer dedupes"
    }
    payer_rule_turn_on(actor=TEST_ACTOR, payer=payer, rule_id="DX-DUPLICATE")
    assert PayerClaimRules.objects.get(payer=payer).disabled_rules == {}
    with pytest.raises(ValidationFailed, match="is not turned off"):
        payer_rule_turn_on(actor=TEST_ACTOR, payer=payer, rule_id="DX-DUPLICATE")


def test_only_billers_and_administrators_may_change_rules(payer):
    for role in ("coder", "credentialing", "compliance"):
        user = make_user(role)
        with pytest.raises(PermissionDenied):
            payer_claim_rules_set(actor=Actor.for_user(user), payer=payer, prior_auth_codes=[])
    biller = make_user("biller")
    payer_claim_rules_set(actor=Actor.for_user(biller), payer=payer, prior_auth_codes=["70551"])
    assert AuditEvent.objects.filter(action="permission_denied").count() == 3


def test_unit_overrides_text():
    assert unit_overrides_from_text("97110 4\n97140=2\n\n 97530: 3 ") == {
        "97110": "4", "97140": "2", "97530": "3",
    }  # fmt: skip
    assert unit_overrides_from_text("97110") == {"97110": ""}


# ---- the page ------------------------------------------------------------------------------


def page(user, url, data=None):
    return sign_in(HttpClient(), user).get(url, data or {})


def post(user, url, data):
    return sign_in(HttpClient(), user).post(url, data)


def test_payer_list_and_rules_page(payer):
    biller = make_user("biller")
    payer_rule_turn_off(actor=TEST_ACTOR, payer=payer, rule_id="NCCI-PTP", reason="own edits")
    listing = page(biller, reverse("payers:list"))
    assert listing.status_code == 200
    assert reverse("payers:rules", args=[payer.pk]) in listing.content.decode()
    response = page(biller, reverse("payers:rules", args=[payer.pk]))
    text = response.content.decode()
    assert response.context["view"].off_count == 1
    assert "own edits" in text
    assert 'data-rule="CLAIM-TOTAL"' in text
    assert "always on (keeps the 837P well formed)" in text
    assert "Turn on" in text


def test_turn_off_and_on_from_the_page(payer):
    biller = make_user("biller")
    url = reverse("payers:rules", args=[payer.pk])
    refused = post(biller, url, {"op": "off", "rule_id": "MUE-UNITS", "reason": ""})
    assert refused.status_code == 422
    assert "say why MUE-UNITS is turned off" in refused.content.decode()
    done = post(biller, url, {"op": "off", "rule_id": "MUE-UNITS", "reason": "contract units"})
    assert done.status_code == 302
    assert PayerClaimRules.objects.get(payer=payer).disabled_rules == {
        "MUE-UNITS": "contract units"
    }
    post(biller, url, {"op": "on", "rule_id": "MUE-UNITS"})
    assert PayerClaimRules.objects.get(payer=payer).disabled_rules == {}


def test_requirements_form_keeps_what_was_typed_when_refused(payer):
    admin = make_user("administrator")
    url = reverse("payers:rules", args=[payer.pk])
    form = {
        "op": "requirements",
        "referring_required_for_pos": "81",
        "referring_required_for_codes": "",
        "prior_auth_codes": "70551 BAD",
        "unit_overrides": "97110 4",
        "clearinghouse": "",
    }
    refused = post(admin, url, form)
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "&#x27;BAD&#x27; is not a procedure code" in text
    assert 'value="70551 BAD"' in text
    assert not PayerClaimRules.objects.exists()
    form["prior_auth_codes"] = "70551"
    assert post(admin, url, form).status_code == 302
    rules = PayerClaimRules.objects.get(payer=payer)
    assert (rules.referring_required_for_pos, rules.prior_auth_codes, rules.unit_overrides) == (
        ["81"],
        ["70551"],
        {"97110": 4},
    )


def test_page_changes_refused_to_roles_without_the_permission(payer):
    coder = make_user("coder")
    url = reverse("payers:rules", args=[payer.pk])
    response = page(coder, url)
    assert response.status_code == 200  # coders see the rules ...
    assert "Turn off" not in response.content.decode()
    assert post(coder, url, {"op": "on", "rule_id": "X"}).status_code == 403  # ... not change


def test_client_users_do_not_see_payer_rules(payer):
    from openrcm.core.testing import make_client

    manager = make_user("client_manager", client=make_client())
    assert page(manager, reverse("payers:list")).status_code == 403
    assert page(manager, reverse("payers:rules", args=[payer.pk])).status_code == 403


# ---- the API -------------------------------------------------------------------------------


def test_api_get_and_set(payer):
    biller = make_user("biller")
    http = sign_in(HttpClient(), biller)
    path = f"/api/payers/{payer.pk}/claim-rules"
    before = http.get(path).json()
    assert before["disabled_rules"] == {}
    assert {r["rule_id"] for r in before["rules"]} >= {"NCCI-PTP", "CLAIM-TOTAL"}
    changed = http.put(
        path,
        json.dumps({"disabled_rules": {"NCCI-PTP": "own edits"}, "unit_overrides": {"97110": 4}}),
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    data = changed.json()
    assert data["disabled_rules"] == {"NCCI-PTP": "own edits"}
    assert next(r for r in data["rules"] if r["rule_id"] == "NCCI-PTP")["on"] is False
    refused = http.put(
        path, json.dumps({"disabled_rules": {"CLAIM-TOTAL": "x"}}), content_type="application/json"
    )
    assert refused.status_code == 422
    assert refused.json()["problems"][0]["field"] == "disabled_rules[CLAIM-TOTAL]"
    listing = http.get("/api/payers/").json()
    assert next(p for p in listing if p["id"] == payer.pk)["rules_off"] == 1


def test_api_set_refused_without_permission(payer):
    coder = sign_in(HttpClient(), make_user("coder"))
    path = f"/api/payers/{payer.pk}/claim-rules"
    assert coder.get(path).status_code == 200
    response = coder.put(
        path, json.dumps({"prior_auth_codes": []}), content_type="application/json"
    )
    assert response.status_code == 403
    assert not PayerClaimRules.objects.exists()
    assert (
        sign_in(HttpClient(), make_user("biller")).get("/api/payers/987654/claim-rules").status_code
        == 404
    )
