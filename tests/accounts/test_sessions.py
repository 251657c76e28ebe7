"""Sessions end after inactivity, after a maximum duration, and when the password changes.

Time is moved by replacing the clock the session module reads (``utcnow``), never by sleeping.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from survey import create_app
from survey.accounts import sessions
from survey.accounts.models import Role
from survey.db import utcnow
from tests.accounts.conftest import audit_events, sign_in


class Clock:
    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(sessions, "utcnow", clock)
    return clock


def test_thirty_minutes_without_a_request_end_the_session(app, client, world, clock):
    sign_in(client, world.emails[Role.VIEWER])
    clock.advance(minutes=29)
    assert client.get("/officer/").status_code == 200
    clock.advance(minutes=29)  # activity restarted the count
    assert client.get("/officer/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/officer/password?x=1")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query) == {"next": ["/officer/password?x=1"]}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phiên đăng nhập đã kết thúc vì không có thao tác trong 30 phút." in page
    assert client.get("/officer/").status_code == 302
    [event] = audit_events(app, "logout")
    assert event.details == {"reason": "inactivity"}
    back = sign_in(client, world.emails[Role.VIEWER], next="/officer/password?x=1")
    assert back.headers["Location"] == "/officer/password?x=1"


def test_a_session_ends_after_twelve_hours_however_active(app, client, world, clock):
    sign_in(client, world.emails[Role.AGENCY_MANAGER])
    for _step in range(35):
        clock.advance(minutes=20)
        assert client.get("/officer/").status_code == 200
    clock.advance(minutes=21)  # 12 h 1 min after signing in
    response = client.get("/officer/?lang=en")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "a session lasts at most 12 hours" in page
    assert audit_events(app, "logout")[0].details == {"reason": "maximum_duration"}


def test_timeouts_follow_the_configuration(app, client, world, clock):
    app.config["OFFICER_SESSION_IDLE_MINUTES"] = 5
    sign_in(client, world.emails[Role.VIEWER])
    clock.advance(minutes=6)
    response = client.get("/officer/")
    assert response.status_code == 302
    assert "trong 5 phút" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_form_posted_after_expiry_is_not_replayed_after_sign_in(client, world, clock):
    sign_in(client, world.emails[Role.VIEWER])
    clock.advance(hours=1)
    response = client.post("/officer/password", data={})
    assert response.headers["Location"] == "/sign-in"


def test_timeouts_come_from_survey_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("SURVEY_OFFICER_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SURVEY_OFFICER_SESSION_MAX_HOURS", "8")
    monkeypatch.setenv("SURVEY_SESSION_COOKIE_SECURE", "true")
    configured = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert configured.config["OFFICER_SESSION_IDLE_MINUTES"] == 15
    assert configured.config["OFFICER_SESSION_MAX_HOURS"] == 8
    assert configured.config["SESSION_COOKIE_SECURE"] is True


def test_the_defaults_are_thirty_minutes_and_twelve_hours(tmp_path, monkeypatch):
    for name in ("IDLE_MINUTES", "MAX_HOURS"):
        monkeypatch.delenv(f"SURVEY_OFFICER_SESSION_{name}", raising=False)
    monkeypatch.delenv("SURVEY_SESSION_COOKIE_SECURE", raising=False)
    defaults = create_app({"DATABASE_URL": "sqlite://"}, instance_path=str(tmp_path))
    assert defaults.config["OFFICER_SESSION_IDLE_MINUTES"] == 30
    assert defaults.config["OFFICER_SESSION_MAX_HOURS"] == 12
    assert defaults.config["SESSION_COOKIE_SECURE"] is False
    assert defaults.config["SESSION_PROTECTION"] == "strong"


def test_a_cookie_replayed_from_another_browser_is_refused(client, world):
    sign_in(client, world.emails[Role.VIEWER])
    assert client.get("/officer/").status_code == 200
    stolen = client.get("/officer/", headers={"User-Agent": "Another browser"})
    assert stolen.status_code == 302


def test_changing_the_password_ends_the_officers_other_sessions(app, world):
    email = world.emails[Role.REFORM_OFFICE]
    desk, laptop = app.test_client(), app.test_client()
    sign_in(desk, email)
    sign_in(laptop, email)
    changed = desk.post(
        "/officer/password",
        data={
            "current_password": "correct horse battery staple",
            "new_password": "a brand new long passphrase",
            "new_password_again": "a brand new long passphrase",
        },
    )
    assert changed.headers["Location"] == "/officer/"
    assert desk.get("/officer/").status_code == 200
    assert laptop.get("/officer/").headers["Location"].startswith("/sign-in")
