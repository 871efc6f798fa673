"""Client scoping of EVERY route, generated from the URL resolver and the API's routers.

Nobody writes a scoping test for a new page or API route: it is found here by walking
``get_resolver().url_patterns`` (the web pages, the admin, and the django-ninja API that is
mounted in them), and cross-checked against the NinjaAPI's routers.

- A route with object ids in its path is requested with the ids of practice A's rows, by
  users of practice B (a practice manager and a biller assigned only to B). The answer
  must look exactly like the answer for an id that does not exist (404; or the same
  refusal for a role that may not use the route at all), must not name A's patient, and
  where A's own user of the same role can use the route, B's answer must be 404.
- A route without ids (lists, searches, exports) is requested by B's users, also with A's
  patient name as the search term; the answer must not name A's patient or practice.

A kwarg this test cannot fill makes it fail with a message saying what to add, so a new
route is never skipped silently.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from openrcm.accounts.testing import PracticeWorld, sign_in

pytestmark = pytest.mark.django_db

MISSING_ID = 987654321
SIGN_IN_PATHS = ("/accounts/login/", "/admin/login/")  # the admin's only redirects to ours

# Routes not requested at all, with the reason. Everything else is.
PUBLIC_ROUTES = {
    "accounts:login": "the sign-in page: no practice data",
    "accounts:mfa_verify": "second sign-in step: only the pending user's own code",
    "accounts:logout": "signs the user out: no practice data",
    "accounts:mfa_enroll": "the signed-in user's own authenticator: no practice data",
    "accounts:mfa_recovery_codes": "the signed-in user's own recovery codes",
    "admin:login": "redirects to accounts:login",
    "admin:logout": "redirects to accounts:logout",
    "admin:jsi18n": "static JavaScript catalogue",
    "api:openapi-json": "the API schema: no data",
    "api:openapi-view": "the API documentation page: no data",
    "admin:<unnamed admin/(?P<url>.*)$>": "the admin's catch-all for unknown admin URLs",
    # Payers are reference data shared by every practice (like payers.payer in the admin):
    # a payer's claim rules hold no patient or practice data. Client roles may not see them.
    "payers:rules": "a payer's claim rules: reference data, not practice data",
    "api:payer_claim_rules_route": "a payer's claim rules: reference data, not practice data",
}

# Object-id kwargs → which of practice A's rows fills them. ``pk``/``object_id`` are
# resolved from the URL's namespace or (in the admin) from the model in the path.
KWARG_ROWS = {
    "patient_id": "patients.patient",
    "coverage_id": "patients.coverage",
    "claim_id": "claims.claim",
    "encounter_id": "claims.encounter",
    "client_id": "clients.client",
    "provider_id": "clients.provider",
    "contract_id": "clients.contract",
    "fee_schedule_id": "payers.feeschedule",
    "party_id": "messaging.party",
    "batch_id": "claims.claimbatch",
    "file_id": "claims.exchangedfile",
    "payment_id": "remittance.erapayment",
    "denial_id": "denials.denialitem",
    "appeal_id": "denials.appeal",
    "underpayment_id": "denials.underpaymentitem",
}
PK_ROWS_BY_NAMESPACE = {
    "patients": "patients.patient",
    "claims": "claims.claim",
    "clients": "clients.client",
    "denials": "denials.denialitem",
}
# Admin models that are not practice data: not requested by object id. (Models with no
# foreign-key path to clients.Client are skipped too; see _admin_model_is_practice_data.)
UNSCOPED_MODELS = {
    "payers.payer": "reference data every staff user may see",
    "django_tasks_database.dbtaskresult": "background-task results: ids only, superuser perms",
}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    path: str  # the pattern, e.g. "patients/<int:pk>/"
    kwargs: tuple[str, ...]
    methods: tuple[str, ...]  # ("GET",) unless the API says otherwise

    @property
    def is_admin(self) -> bool:
        return self.name.startswith("admin:")


def _ninja_methods() -> dict[str, tuple[str, ...]]:
    """API url name → HTTP methods, from the NinjaAPI's routers (recursively)."""
    from openrcm.api import api

    found: dict[str, tuple[str, ...]] = {}

    def visit(router: Any) -> None:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                name = getattr(operation, "url_name", "") or api.get_operation_url_name(
                    operation, router=router
                )
                found[f"{api.urls_namespace}:{name}"] = tuple(operation.methods)
        for _prefix, child in getattr(router, "_routers", []):
            visit(child)

    for _prefix, router in api._routers:
        visit(router)
    return found


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            if p.namespace and namespace:
                ns = f"{namespace}:{p.namespace}"
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            kwargs = tuple(re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", str(p.pattern)))
            names = tuple(a or b for a, b in kwargs) if kwargs else ()
            name = p.name or f"<unnamed {prefix}{p.pattern}>"
            full_name = f"{namespace}:{name}" if namespace else name
            yield Route(full_name, prefix + str(p.pattern), names, ("GET",))


def all_routes() -> list[Route]:
    methods = _ninja_methods()
    routes: list[Route] = []
    for route in _walk(get_resolver().url_patterns):
        labels = re.search(r"\(\?P<app_label>([\w|]+)\)", route.path)
        if route.name == "admin:app_list" and labels:  # one admin page per app: a list
            routes += [Route(route.name, f"admin/{a}/", (), ("GET",)) for a in labels[1].split("|")]
            continue
        if route.name in methods:
            route = Route(route.name, route.path, route.kwargs, methods[route.name])
        routes.append(route)
    return routes


def test_every_api_operation_is_in_the_url_walk():
    walked = {r.name for r in all_routes()}
    missing = set(_ninja_methods()) - walked
    assert not missing, f"API operations not reachable through the URL resolver: {missing}"
    assert _ninja_methods(), "the API has no operations: is openrcm.api mounted?"


def test_only_the_admin_has_unnamed_routes():
    unnamed = [r.path for r in all_routes() if "<unnamed" in r.name and not r.is_admin]
    assert not unnamed, f"name these routes (so they can be allow-listed): {unnamed}"


def _model_of_admin_route(route: Route) -> str | None:
    match = re.match(r"^admin/(\w+)/(\w+)/", route.path)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def _admin_model_is_practice_data(route: Route) -> bool:
    """Admin pages of models with no path to a practice (code sets, payers) hold no PHI."""
    from django.apps import apps

    from openrcm.core.tests.test_scoping_models import _reaches_client

    label = _model_of_admin_route(route)
    if label is None:  # admin pages that are not about one model (e.g. "view on site")
        return True
    if label in UNSCOPED_MODELS:
        return False
    return label == "accounts.user" or _reaches_client(apps.get_model(label))


def _row_for(route: Route, kwarg: str, rows: dict[str, Any]) -> Any:
    if kwarg == "content_type_id":  # admin "view on site": the content type of a patient
        return ContentType.objects.get_for_model(rows["patients.patient"])
    if kwarg in KWARG_ROWS:
        label = KWARG_ROWS[kwarg]
    elif kwarg in {"pk", "object_id", "id"}:
        namespace = route.name.split(":")[0]
        label = (
            _model_of_admin_route(route) or "patients.patient"
            if route.is_admin
            else PK_ROWS_BY_NAMESPACE.get(namespace, "")
        )
    else:
        label = ""
    if label not in rows:
        pytest.fail(
            f"{route.name} ({route.path}): cannot fill <{kwarg}> with a row of practice A. "
            "Add the kwarg to KWARG_ROWS/PK_ROWS_BY_NAMESPACE (and the row to PracticeWorld), "
            "or, for a route with no practice data, to PUBLIC_ROUTES with the reason."
        )
    return rows[label]


def _url(route: Route, rows: dict[str, Any], *, missing: bool = False) -> str:
    """The route's path with practice A's ids (or an id that does not exist) filled in."""

    def fill(match: re.Match[str]) -> str:
        row = _row_for(route, match.group(1), rows)
        return str(row.pk if (isinstance(row, ContentType) or not missing) else MISSING_ID)

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", fill, route.path)


def _request(user: Any, route: Route, url: str, extra: dict[str, str] | None = None) -> Any:
    http = sign_in(HttpClient(), user)
    method = route.methods[0]
    response = getattr(http, method.lower())(url, extra or {})
    if response.status_code == 405 and route.methods == ("GET",):
        response = http.post(url, extra or {})
    for _hop in range(3):  # follow redirects inside the site, but not to sign-in
        location = response.headers.get("Location", "")
        if response.status_code not in (301, 302) or location.startswith(SIGN_IN_PATHS):
            break
        response = http.get(location)
    return response


def _body(response: Any) -> str:
    raw: bytes = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    return raw.decode("utf-8", "replace")


def _refusal(response: Any, where: str = "") -> str:
    status = response.status_code
    if status in (301, 302):
        location = response.headers.get("Location", "")
        assert location.startswith(SIGN_IN_PATHS), (
            f"{where}: redirect to {location}, not to sign-in"
        )
        return "redirect to sign-in"
    return str(status)


@pytest.fixture
def practices(settings, tmp_path) -> tuple[PracticeWorld, PracticeWorld]:
    settings.MEDIA_ROOT = tmp_path / "files"  # the 837P files of the batches below
    a, b = PracticeWorld("A"), PracticeWorld("B")
    for world in (a, b):
        world.send_claims()  # a batch and its file: the batch and download routes
        world.post_era()  # an ERA payment: the EOB and ledger routes
        world.record_denials()  # a denial, its appeal, an underpayment: denial routes
    return a, b


def _leaks(world: PracticeWorld, body: str, *, searched: str = "") -> list[str]:
    """A's identifying words in ``body`` (but not the search term the page echoes back)."""
    words = [
        world.patient.first_name,
        world.patient_last_name,
        world.patient.account_number,
        world.client.legal_name,
        world.claim.patient_control_number,
    ]
    # Whole words only: a short control number such as "E1P" also turns up inside random
    # tokens (CSRF, nonces) of any page, which is no leak.
    return [
        w
        for w in words
        if w != searched and re.search(rf"(?<![A-Za-z0-9]){re.escape(w)}(?![A-Za-z0-9])", body)
    ]


def test_object_routes_answer_404_to_other_practices(practices):
    a, b = practices
    rows = a.objects_by_model()
    checked = []
    for route in all_routes():
        if route.name in PUBLIC_ROUTES or not route.kwargs:
            continue
        if route.is_admin and not _admin_model_is_practice_data(route):
            continue
        url = _url(route, rows)
        missing_url = _url(route, rows, missing=True)
        for role, own_user, foreign_user in (
            ("client_manager", a.client_manager, b.client_manager),
            ("biller", a.biller, b.biller),
        ):
            foreign = _request(foreign_user, route, url)
            missing = _request(foreign_user, route, missing_url)
            where = f"{route.name} {url} as {role} of practice B"
            assert foreign.status_code in (302, 403, 404), f"{where}: {foreign.status_code}"
            assert _refusal(foreign, where) == _refusal(missing, where), (
                f"{where}: answers {_refusal(foreign)} for A's row but {_refusal(missing)} "
                "for a row that does not exist (tells that the row exists)"
            )
            assert not _leaks(a, _body(foreign)), f"{where}: shows {_leaks(a, _body(foreign))}"
            own = _request(own_user, route, url)
            if own.status_code < 400 and _refusal(own) != "redirect to sign-in":
                # A's user of the same role can use this route: B's must get a plain 404.
                assert foreign.status_code == 404, f"{where}: {foreign.status_code}, not 404"
                checked.append((route.name, role))
    # The test must have exercised real pages: patient, claim and practice pages for both.
    names = {name for name, _ in checked}
    for expected in ("patients:detail", "claims:detail", "clients:detail"):
        assert expected in names, f"{expected} was not reachable by its own practice's user"
    assert any(n.startswith("api:") for n in names), "no API object route was exercised"
    assert any(n.startswith("admin:") for n in names), "no admin object route was exercised"


def test_list_and_search_routes_do_not_show_other_practices(practices):
    a, b = practices
    shown_to_own = []
    for route in all_routes():
        if route.name in PUBLIC_ROUTES or route.kwargs or route.methods != ("GET",):
            continue
        url = "/" + route.path
        for search in ({}, {"q": a.patient_last_name}, {"search": a.patient_last_name}):
            for foreign_user in (b.client_manager, b.biller):
                response = _request(foreign_user, route, url, search)
                leaked = _leaks(a, _body(response), searched=a.patient_last_name)
                assert not leaked, f"{route.name} {url} {search} shows practice A's {leaked}"
        own = _body(_request(a.biller, route, url, {"q": a.patient_last_name}))
        if a.patient.first_name in own:
            shown_to_own.append(route.name)
    # Sanity: the lists do show a practice's own patients (so "not shown" means something).
    assert "patients:search" in shown_to_own
    assert any(n.startswith("api:") for n in shown_to_own), shown_to_own


def test_api_json_lists_only_own_practice(practices):
    a, b = practices
    http = sign_in(HttpClient(), b.client_manager)
    response = http.get(reverse("api:patient_search_route"), {"q": a.patient_last_name})
    assert response.status_code == 200
    assert a.patient_last_name not in json.dumps(response.json())
