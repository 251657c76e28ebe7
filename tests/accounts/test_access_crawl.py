"""The role-and-agency crawl: every route, as every role, with agencies inside and outside scope.

It walks ``app.url_map`` and proves, for every endpoint that is not public:
- anonymous visitors get a redirect to the sign-in page, 401, 403 or 404 (never 200 or 500);
- each role gets 200 where the route admits it and 403 or 404 where it does not;
- a route about one agency answers 404 for every agency outside the officer's scope (the
  ward officer sees the ward and the communes merged into it, not the province, the
  neighbouring ward or the old district), with the very same page as for an agency that
  does not exist, so the answer reveals nothing.

How to declare a route (authors of new officer pages, read this)
-----------------------------------------------------------------
The crawl fails when an endpoint is neither public nor declared, and when a declaration
names an endpoint that no longer exists.

- A public page (no sign-in) matches a pattern of ``PUBLIC_ENDPOINTS``. Citizen pages
  (``collect.*``), the kiosk (``kiosk.*``) and the submission API (``api.*``) are covered
  by their patterns; add a
  pattern only for a page that every visitor may see, such as the public results page.
- Every other endpoint gets an entry in ``ROUTES``::

      "results.agency_overview": Route(
          url=lambda world, agency_id: {"agency_id": agency_id, "period": "2026-Q1"},
          agency=True,
      ),
      "results.responses_csv": Route(roles=RESPONSE_READERS, agency=True,
          url=lambda world, agency_id: {"agency": agency_id}),

  ``url(world, agency_id)`` returns the values for ``url_for`` (URL parameters, and anything
  else becomes the query string, e.g. ``?agency=``); ``world`` holds the test organisation
  (``world.agencies`` by name). ``agency=True`` says the route shows one agency (a URL
  parameter or an ``?agency=`` filter): it is then requested with every agency of the
  test organisation and with one that does not exist. ``roles`` are the roles that may
  open it (default: every role). ``status`` is the answer expected when they do
  (default 200).
- Only GET is requested as a signed-in officer (GET never changes state). Endpoints
  that answer POST only are requested as anonymous visitors.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import request, url_for
from flask_login import current_user

from survey.accounts.access import officer_required, require_agency_visible, roles_required
from survey.accounts.models import Role
from survey.db import db
from survey.org.models import Agency
from tests.accounts.conftest import World, sign_in

#: Endpoints anybody may open without signing in (shell-style patterns). Citizen pages, the
#: kiosk (a device that pairs with a one-time token, not an officer) and the submission API
#: have their own protections, tested with them. /metrics answers only the monitoring
#: addresses (METRICS_ALLOWED), tested in tests/app/test_observability.py.
PUBLIC_ENDPOINTS = (
    "static",
    "home.index",
    "health.healthz",
    "observability.metrics",
    "accounts.sign_in",
    "collect.*",
    "kiosk.*",
    "api.*",
    # The dossier API authenticates an integration key, not an officer (tests/dossiers).
    "dossiers_api.*",
    # Officials' photos, shown to citizens on the kiosk (only while the official serves).
    "photos.*",
    # The published results (Decree 61/2018): aggregated, suppressed, for everybody.
    "public_results.*",
    # The citizen's standalone feedback form and receipt page (tests/feedback/test_public.py).
    "feedback_public.*",
)

EVERY_ROLE = frozenset(Role)
RESPONSE_READERS = frozenset({Role.ADMINISTRATOR, Role.REFORM_OFFICE, Role.AGENCY_MANAGER})
ADMINISTRATORS = frozenset({Role.ADMINISTRATOR})
ADMIN_VIEWERS = frozenset({Role.ADMINISTRATOR, Role.REFORM_OFFICE})


def _no_values(world: World, agency_id: int | None) -> dict:
    return {}


def _missing(name: str) -> Callable[[World, int | None], dict]:
    """URL values naming a record that does not exist (the test organisation has none)."""
    return lambda world, agency_id: {name: 987_654}


@dataclass(frozen=True)
class Route:
    url: Callable[[World, int | None], dict] = _no_values
    roles: frozenset[Role] = field(default=EVERY_ROLE)
    agency: bool = False
    status: int = 200


ROUTES: dict[str, Route] = {
    "start.page": Route(),
    # Feedback cases: the officers entitled to response-level data, in their scope. The test
    # organisation has no case: a case's pages are requested with an absent id.
    **{
        f"feedback.{endpoint}": Route(
            roles=RESPONSE_READERS, agency=True, url=lambda world, agency_id: {"agency": agency_id}
        )
        for endpoint in ("cases", "cases_csv")
    },
    **{
        f"feedback.{endpoint}": Route(roles=RESPONSE_READERS, url=_missing("case_id"), status=404)
        for endpoint in ("case", "change", "transfer_case", "show_phone", "apology_letter")
    },
    "feedback.reopen_case": Route(
        roles=frozenset({Role.REFORM_OFFICE}), url=_missing("case_id"), status=404
    ),
    "accounts.change_password": Route(),
    "accounts.sign_out": Route(),
    # Results: every page and download with every agency filter; response-level data only
    # for the roles entitled to it.
    **{
        f"results.{endpoint}": Route(
            url=lambda world, agency_id: {"agency": agency_id, "period": "2026-Q1"}, agency=True
        )
        for endpoint in (
            "overview",
            "agencies",
            "officials",
            "criteria",
            "download_csv",
            "download_xlsx",
            "download_pdf",
        )
    },
    "results.responses_csv": Route(
        url=lambda world, agency_id: {"agency": agency_id, "period": "2026-Q1"},
        roles=RESPONSE_READERS,
        agency=True,
    ),
    "results.responses_codes_csv": Route(
        url=lambda world, agency_id: {"agency": agency_id, "period": "2026-Q1"},
        roles=RESPONSE_READERS,
        agency=True,
    ),
    # The dossiers returned late, and their letters of apology (the test organisation has no
    # dossier: a mark is posted for an absent one).
    "results.late_dossiers": Route(
        url=lambda world, agency_id: {"agency": agency_id, "period": "2026-Q1"},
        roles=RESPONSE_READERS,
        agency=True,
    ),
    "results.mark_apology": Route(roles=RESPONSE_READERS, url=_missing("dossier_id"), status=404),
    "admin.index": Route(roles=ADMIN_VIEWERS),
    # The organisation (agency tree, desks, officials, procedures): the reform office looks,
    # administrators change. The test organisation has no desks, officials or procedures:
    # their pages are requested with an id that does not exist (404 once admitted).
    "admin.agencies": Route(roles=ADMIN_VIEWERS),
    "admin.agency_search": Route(roles=ADMIN_VIEWERS, url=lambda world, agency_id: {"q": "ph"}),
    "admin.agency": Route(
        roles=ADMIN_VIEWERS, agency=True, url=lambda world, agency_id: {"agency_id": agency_id}
    ),
    "admin.create_agency_page": Route(roles=ADMINISTRATORS),
    "admin.edit_agency": Route(
        roles=ADMINISTRATORS, agency=True, url=lambda world, agency_id: {"agency_id": agency_id}
    ),
    "feedback.apology_template": Route(
        roles=ADMINISTRATORS, agency=True, url=lambda world, agency_id: {"agency_id": agency_id}
    ),
    "admin.close_agency_page": Route(
        roles=ADMINISTRATORS, agency=True, url=lambda world, agency_id: {"agency_id": agency_id}
    ),
    "admin.reorganise": Route(roles=ADMINISTRATORS),
    "admin.import_agencies": Route(roles=ADMINISTRATORS),
    "admin.export_agencies": Route(roles=ADMIN_VIEWERS),
    "admin.service_points": Route(
        roles=ADMIN_VIEWERS, agency=True, url=lambda world, agency_id: {"agency": agency_id}
    ),
    "admin.service_point": Route(roles=ADMIN_VIEWERS, url=_missing("service_point_id"), status=404),
    "admin.create_service_point": Route(roles=ADMINISTRATORS),
    "admin.edit_service_point": Route(
        roles=ADMINISTRATORS, url=_missing("service_point_id"), status=404
    ),
    "admin.set_service_point_active": Route(roles=ADMINISTRATORS, url=_missing("service_point_id")),
    "admin.assign_official": Route(roles=ADMINISTRATORS, url=_missing("service_point_id")),
    "admin.officials": Route(
        roles=ADMIN_VIEWERS, agency=True, url=lambda world, agency_id: {"agency": agency_id}
    ),
    "admin.official": Route(roles=ADMIN_VIEWERS, url=_missing("official_id"), status=404),
    "admin.create_official": Route(roles=ADMINISTRATORS),
    "admin.edit_official": Route(roles=ADMINISTRATORS, url=_missing("official_id"), status=404),
    "admin.set_official_active": Route(roles=ADMINISTRATORS, url=_missing("official_id")),
    "admin.official_photo_upload": Route(
        roles=ADMINISTRATORS, url=_missing("official_id"), status=404
    ),
    "admin.import_officials": Route(roles=ADMINISTRATORS),
    "admin.export_officials": Route(roles=ADMIN_VIEWERS),
    "admin.procedures": Route(roles=ADMIN_VIEWERS),
    "admin.create_procedure": Route(roles=ADMINISTRATORS),
    "admin.edit_procedure": Route(roles=ADMINISTRATORS, url=_missing("procedure_id"), status=404),
    "admin.import_procedures": Route(roles=ADMINISTRATORS),
    "admin.import_dossiers_page": Route(roles=ADMINISTRATORS),
    "admin.export_procedures": Route(roles=ADMIN_VIEWERS),
    # Settings, audit log, users, QR codes and kiosks: administrators only. Records the test
    # organisation does not have are requested with an absent id (404 once admitted).
    "admin.settings": Route(roles=ADMINISTRATORS),
    "admin.calendar_days": Route(roles=ADMINISTRATORS),
    "admin.create_calendar_day": Route(roles=ADMINISTRATORS),
    "admin.edit_calendar_day": Route(roles=ADMINISTRATORS, url=_missing("day_id"), status=404),
    "admin.audit_log": Route(roles=ADMINISTRATORS),
    "admin.users": Route(roles=ADMINISTRATORS),
    "admin.new_user": Route(roles=ADMINISTRATORS),
    "admin.user": Route(
        roles=ADMINISTRATORS, url=lambda world, _a: {"user_id": 987_654}, status=404
    ),
    "admin.reset_password": Route(roles=ADMINISTRATORS, url=lambda world, _a: {"user_id": 987_654}),
    "admin.set_user_active": Route(
        roles=ADMINISTRATORS, url=lambda world, _a: {"user_id": 987_654}
    ),
    "admin.end_user_sessions": Route(
        roles=ADMINISTRATORS, url=lambda world, _a: {"user_id": 987_654}
    ),
    "admin.qr_codes": Route(
        roles=ADMINISTRATORS, agency=True, url=lambda world, agency_id: {"agency": agency_id}
    ),
    **{
        f"admin.{endpoint}": Route(
            roles=ADMINISTRATORS, url=lambda world, _a: {"code_id": 987_654}, status=404
        )
        for endpoint in ("qr_code_svg", "qr_code_png", "qr_poster")
    },
    "admin.replace_qr_code": Route(
        roles=ADMINISTRATORS, url=lambda world, _a: {"code_id": 987_654}, status=404
    ),
    # The test organisation has no desks: the batch of posters sends back to the QR page.
    "admin.agency_posters": Route(
        roles=ADMINISTRATORS,
        agency=True,
        url=lambda world, agency_id: {"agency_id": agency_id},
        status=302,
    ),
    "admin.kiosks": Route(roles=ADMINISTRATORS),
    "admin.register_kiosk_page": Route(
        roles=ADMINISTRATORS, agency=True, url=lambda world, agency_id: {"agency": agency_id}
    ),
    "admin.revoke_kiosk_page": Route(
        roles=ADMINISTRATORS, url=lambda world, _a: {"device_id": 987_654}
    ),
    # Questionnaires: the reform office reads them (and previews), administrators change them.
    "admin.questionnaires": Route(roles=ADMIN_VIEWERS),
    "admin.questionnaire_schema": Route(roles=ADMIN_VIEWERS),
    **{
        f"admin.{endpoint}": Route(
            roles=ADMIN_VIEWERS, url=lambda world, _a: {"version_id": 987_654}, status=404
        )
        for endpoint in (
            "questionnaire_version",
            "preview_phone",
            "preview_kiosk",
            "export_version",
        )
    },
    **{
        f"admin.{endpoint}": Route(roles=ADMINISTRATORS)
        for endpoint in ("new_draft", "import_questionnaire", "assign_version")
    },
    **{
        f"admin.{endpoint}": Route(
            roles=ADMINISTRATORS, url=lambda world, _a: {"version_id": 987_654}
        )
        for endpoint in ("publish_version", "delete_draft")
    },
    "admin.remove_assignment": Route(
        roles=ADMINISTRATORS, url=lambda world, _a: {"assignment_id": 987_654}
    ),
    "admin.preview_sink": Route(roles=ADMIN_VIEWERS),
}

#: The officer's start page and the routes of the accounts package, so the crawl can never
#: pass by visiting nothing.
ACCOUNTS_ENDPOINTS = {"start.page", "accounts.change_password", "accounts.sign_out"}

CSRF_TOKEN_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*')

#: An agency id that no test organisation has.
MISSING_AGENCY_ID = 987_654


def is_public(endpoint: str) -> bool:
    return any(fnmatch.fnmatchcase(endpoint, pattern) for pattern in PUBLIC_ENDPOINTS)


def protected_rules(app) -> dict[str, set[str]]:
    """Each non-public endpoint with the methods it answers (HEAD and OPTIONS aside)."""
    endpoints: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not is_public(rule.endpoint):
            endpoints.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return endpoints


def declared_rules(app, routes: dict[str, Route]) -> list[tuple[str, set[str]]]:
    """The protected endpoints that ``routes`` declares (the others fail
    :func:`declaration_problems`, so the crawl's results stay readable meanwhile)."""
    return [
        (endpoint, methods)
        for endpoint, methods in protected_rules(app).items()
        if endpoint in routes
    ]


def address(app, endpoint: str, route: Route, world: World, agency_id: int | None) -> str:
    with app.test_request_context():
        return url_for(endpoint, **route.url(world, agency_id))


def is_sent_to_sign_in(response) -> bool:
    return response.status_code in (302, 303) and response.headers["Location"].startswith(
        "/sign-in"
    )


def page_text(response) -> str:
    """The page without its CSRF token (signed with a timestamp, so it changes every second)."""
    return CSRF_TOKEN_VALUE.sub(r"\1", response.get_data(as_text=True))


def declaration_problems(app, routes: dict[str, Route]) -> list[str]:
    endpoints = protected_rules(app)
    problems = [
        f"{endpoint}: not public and not declared in ROUTES (see {__name__})"
        for endpoint in sorted(set(endpoints) - set(routes))
    ]
    problems += [
        f"{endpoint}: declared in ROUTES but no longer exists"
        for endpoint in sorted(set(routes) - set(endpoints))
    ]
    return problems


def fetch(client, url: str):
    """GET ``url``, its body read and the response closed: a streamed download left open
    would end its request context later, inside another request's (pytest reports it)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def anonymous_problems(app, world: World, routes: dict[str, Route]) -> tuple[list[str], set]:
    """What anonymous visitors could see, and the endpoints requested."""
    client = app.test_client()
    problems, visited = [], set()
    for endpoint, methods in declared_rules(app, routes):
        route = routes[endpoint]
        agency_id = world.agencies["ward"] if route.agency else None
        url = address(app, endpoint, route, world, agency_id)
        response = fetch(client, url) if "GET" in methods else client.post(url)
        if not (is_sent_to_sign_in(response) or response.status_code in (401, 403, 404)):
            problems.append(f"anonymous {url}: {response.status_code}")
        visited.add(endpoint)
    return problems, visited


def role_problems(app, world: World, routes: dict[str, Route]) -> tuple[list[str], set]:
    """What each role could see that it should not (or not see that it should), and the
    (endpoint, role, agency name) triples requested."""
    problems, visited = [], set()
    for role in Role:
        client = app.test_client()
        assert sign_in(client, world.emails[role]).status_code == 302
        for endpoint, methods in declared_rules(app, routes):
            if "GET" not in methods:
                continue
            route = routes[endpoint]
            admitted = role in route.roles
            denied = {403, 404}
            if not route.agency:
                url = address(app, endpoint, route, world, None)
                status = fetch(client, url).status_code
                visited.add((endpoint, role, None))
                if status not in ({route.status} if admitted else denied):
                    problems.append(f"{role} {url}: {status}")
                continue
            missing = fetch(client, address(app, endpoint, route, world, MISSING_AGENCY_ID))
            if missing.status_code not in ({404} if admitted else denied):
                problems.append(f"{role} {endpoint} unknown agency: {missing.status_code}")
            for name, agency_id in world.agencies.items():
                url = address(app, endpoint, route, world, agency_id)
                response = fetch(client, url)
                visited.add((endpoint, role, name))
                if not admitted:
                    expected = denied
                elif name in world.inside(role):
                    expected = {route.status}
                else:
                    expected = {404}
                    if response.status_code == 404 and page_text(response) != page_text(missing):
                        problems.append(f"{role} {url} ({name}): 404 unlike an unknown agency")
                if response.status_code not in expected:
                    problems.append(f"{role} {url} ({name}): {response.status_code}")
        # No route ended the session behind the crawl's back.
        if client.get("/officer/").status_code != 200:
            problems.append(f"{role}: signed out during the crawl")
    return problems, visited


def test_every_protected_route_is_declared(app):
    assert declaration_problems(app, ROUTES) == []
    assert set(protected_rules(app)) >= ACCOUNTS_ENDPOINTS


def test_the_public_allow_list_covers_future_citizen_routes():
    assert is_public("collect.kiosk_form")
    assert is_public("api.submit_response")
    assert not is_public("results.overview")
    assert not is_public("start.page")


def test_anonymous_visitors_never_see_a_protected_route(app, world):
    problems, visited = anonymous_problems(app, world, ROUTES)
    assert problems == []
    assert visited >= ACCOUNTS_ENDPOINTS


def test_every_role_sees_exactly_its_routes_and_agencies(app, world):
    problems, visited = role_problems(app, world, ROUTES)
    assert problems == []
    for role in Role:
        assert ("start.page", role, None) in visited
        assert ("accounts.change_password", role, None) in visited


# The crawl itself is tested: it must catch the mistakes it exists for. These tests crawl
# only their own test routes.


def add_agency_routes(app):
    """Two agency pages: one checks the scope (``?agency=``), one forgets to (URL parameter)."""

    @officer_required
    def checked():
        agency = db.get_or_404(Agency, request.args.get("agency", type=int))
        require_agency_visible(current_user, agency.id)
        return agency.name

    @officer_required
    def leaky(agency_id):
        return db.get_or_404(Agency, agency_id).name

    @roles_required(Role.ADMINISTRATOR)
    def administration():
        return "settings"

    app.add_url_rule("/test-only/checked", "test_only.checked", checked)
    app.add_url_rule("/test-only/leaky/<int:agency_id>", "test_only.leaky", leaky)
    app.add_url_rule("/test-only/administration", "test_only.administration", administration)
    return {
        "test_only.checked": Route(url=lambda world, agency_id: {"agency": agency_id}, agency=True),
        "test_only.leaky": Route(
            url=lambda world, agency_id: {"agency_id": agency_id}, agency=True
        ),
        "test_only.administration": Route(roles=frozenset({Role.ADMINISTRATOR})),
    }


def test_the_crawl_catches_an_undeclared_route(app):
    add_agency_routes(app)
    problems = declaration_problems(app, ROUTES)
    assert any(problem.startswith("test_only.leaky: not public") for problem in problems)


def test_the_crawl_catches_a_page_that_shows_another_agency(app, world):
    routes = add_agency_routes(app)
    problems, visited = role_problems(app, world, routes)
    assert ("test_only.checked", Role.VIEWER, "other_ward") in visited
    assert not [problem for problem in problems if "/test-only/checked" in problem]
    assert not [problem for problem in problems if "/test-only/administration" in problem]
    leaks = sorted(problem for problem in problems if "/test-only/leaky" in problem)
    assert len(leaks) == 2 * 3  # two scoped roles x province, district, other ward
    assert all(problem.endswith(": 200") for problem in leaks)


def test_the_crawl_catches_a_role_let_in_too_far(app, world):
    routes = add_agency_routes(app)
    too_wide = {**routes, "test_only.administration": Route(roles=frozenset({Role.VIEWER}))}
    problems, _visited = role_problems(app, world, too_wide)
    assert "viewer /test-only/administration: 403" in problems
    assert "administrator /test-only/administration: 200" in problems


def test_the_crawl_catches_a_page_open_to_anonymous_visitors(app, world):
    app.add_url_rule("/test-only/forgotten", "test_only.forgotten", lambda: "open")
    routes = {"test_only.forgotten": Route()}
    problems, _visited = anonymous_problems(app, world, routes)
    assert problems == ["anonymous /test-only/forgotten: 200"]
