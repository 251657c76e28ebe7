"""Security promises of QUALITY.md checked on every route the role crawl visits.

The role-and-agency crawl (tests/accounts/test_access_crawl.py) requests every route as
an anonymous visitor and as every role. Here the same walk runs with every response
recorded, to prove that each one carries the security headers and that no GET changes
what the database holds; and the cookies are checked under production settings.
"""

from __future__ import annotations

import hashlib

import pytest
from flask.testing import FlaskClient

from survey.db import db
from tests.accounts.conftest import sign_in
from tests.accounts.test_access_crawl import ROUTES, anonymous_problems, role_problems

#: Tables a GET may write to: reading a report is itself recorded in the audit log, and a
#: request refreshes when its officer session was last seen (or ends it when it timed out).
WRITTEN_BY_READS = {"audit_events", "officer_sessions"}


def database_fingerprint(app) -> str:
    """A digest of every row of every table (but those above), whatever their order."""
    digest = hashlib.sha256()
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name not in WRITTEN_BY_READS:
                rows = sorted(
                    map(repr, connection.exec_driver_sql(f'SELECT * FROM "{table.name}"'))
                )
                digest.update(f"{table.name}:{rows}".encode())
    return digest.hexdigest()


@pytest.fixture
def recorded(monkeypatch, app):
    """Every request made by any test client, with its response, and GETs that changed data."""
    seen, changed_by_get = [], []
    original_open = FlaskClient.open

    def recording_open(self, *args, **kwargs):
        method = kwargs.get("method") or (
            args[0].method if args and hasattr(args[0], "method") else "GET"
        )
        before = database_fingerprint(app) if method == "GET" else None
        response = original_open(self, *args, **kwargs)
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "?")
        seen.append((method, path, response))
        if before is not None and database_fingerprint(app) != before:
            changed_by_get.append(path)
        return response

    monkeypatch.setattr(FlaskClient, "open", recording_open)
    return seen, changed_by_get


def header_problems(path, response) -> list[str]:
    headers = response.headers
    policy = headers.get("Content-Security-Policy", "")
    problems = []
    if "frame-ancestors 'none'" not in policy or "unsafe-inline" in policy:
        problems.append("Content-Security-Policy")
    if "script-src 'self'" not in policy:
        problems.append("script-src")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("nosniff")
    if not headers.get("Referrer-Policy"):
        problems.append("Referrer-Policy")
    return [f"{response.status_code} {path}: {problem}" for problem in problems]


def test_every_response_has_the_security_headers_and_no_get_changes_data(app, world, recorded):
    seen, changed_by_get = recorded
    anonymous_problems(app, world, ROUTES)
    role_problems(app, world, ROUTES)
    client = app.test_client()
    for path in [
        "/",
        "/healthz",
        "/privacy",
        "/q/unknown-code",
        "/no/such/page",
        "/static/css/citizen.css",
        "/api/v1/openapi.json",
    ]:
        client.get(path)
    client.post("/healthz")  # 405
    assert len(seen) > 100
    problems = [
        problem for _method, path, response in seen for problem in header_problems(path, response)
    ]
    assert problems == []
    assert changed_by_get == []


def test_hsts_is_sent_over_https_only(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://hailong.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_cookies_are_secure_httponly_and_samesite_in_production_settings(app, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    response = sign_in(client, next(iter(world.emails.values())))
    session_cookie = next(
        value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")
    )
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in session_cookie
    language = client.get("/?lang=en").headers["Set-Cookie"]
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in language


def test_the_fingerprint_sees_a_change(app, world):
    from survey.db import write_session
    from survey.org.models import Agency

    before = database_fingerprint(app)
    with app.app_context(), write_session() as session:
        session.get(Agency, world.agencies["ward"]).name_en = "Renamed ward"
    assert database_fingerprint(app) != before
