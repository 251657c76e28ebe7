"""Sessions end after inactivity, after a maximum duration, and when the password changes.

Time is moved by replacing the clock the session module reads (``utcnow``), never by sleeping.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from survey import create_app
from survey.accounts import sessions
from survey.accounts.models import OfficerSession, Role, User
from survey.db import db, utcnow
from tests.accounts.conftest import audit_events, sign_in
from tests.conftest import make_app
from tests.factories import signed_in_client


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


def copy_of(client, app):
    """Another client holding a copy of ``client``'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_cookie_copied_before_signing_out_is_worth_nothing_after(app, client, world):
    sign_in(client, world.emails[Role.REFORM_OFFICE])
    thief = copy_of(client, app)
    assert thief.get("/officer/").status_code == 200  # the copy works while the session lasts
    assert client.post("/sign-out").status_code == 302
    assert thief.get("/officer/").status_code == 302
    assert thief.get("/officer/results/responses.csv").status_code == 302
    with app.app_context():
        [record] = db.session.scalars(select(OfficerSession)).all()
        assert record.end_reason == "signed_out" and record.ended_dt is not None


def test_a_password_change_ends_copies_of_the_changing_session_too(app, client, world):
    sign_in(client, world.emails[Role.REFORM_OFFICE])
    thief = copy_of(client, app)
    client.post(
        "/officer/password",
        data={
            "current_password": "correct horse battery staple",
            "new_password": "a brand new long passphrase",
            "new_password_again": "a brand new long passphrase",
        },
    )
    assert client.get("/officer/").status_code == 200
    assert thief.get("/officer/").status_code == 302


def test_an_administrator_sees_an_officers_sessions_and_ends_them(app, world):
    email = world.emails[Role.VIEWER]
    desk, laptop = app.test_client(), app.test_client()
    sign_in(desk, email)
    laptop.post(
        "/sign-in",
        data={"email": email, "password": "correct horse battery staple"},
        headers={"User-Agent": "Laptop browser 1.0"},
    )
    admin, _admin_id = signed_in_client(app, Role.ADMINISTRATOR)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        laptop_session = db.session.scalar(
            select(OfficerSession.id).where(OfficerSession.browser == "Laptop browser 1.0")
        )
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert page.count('name="session"') == 2 and "Laptop browser 1.0" in page
    ended = admin.post(f"/admin/users/{user_id}/sessions", data={"session": laptop_session})
    assert ended.status_code == 302
    assert laptop.get("/officer/", headers={"User-Agent": "Laptop browser 1.0"}).status_code == 302
    assert desk.get("/officer/").status_code == 200
    admin.post(f"/admin/users/{user_id}/sessions")  # every session
    assert desk.get("/officer/").status_code == 302
    assert "user.sessions_ended" in {event.action for event in audit_events(app)}


def test_deactivating_an_account_ends_its_sessions_on_the_server(app, client, world):
    email = world.emails[Role.VIEWER]
    sign_in(client, email)
    admin, _admin_id = signed_in_client(app, Role.ADMINISTRATOR)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
    admin.post(f"/admin/users/{user_id}/active", data={"active": "0"})
    assert client.get("/officer/").status_code == 302
    with app.app_context():
        reasons = db.session.scalars(
            select(OfficerSession.end_reason).where(OfficerSession.user_id == user_id)
        ).all()
    assert reasons == ["deactivated"]


def test_the_session_binding_ignores_a_forwarded_for_header_without_a_proxy(app, world):
    officer = app.test_client()
    officer.post(
        "/sign-in",
        data={"email": world.emails[Role.VIEWER], "password": "correct horse battery staple"},
        environ_base={"REMOTE_ADDR": "192.0.2.1"},
    )
    thief = copy_of(officer, app)
    # The thief claims the officer's address in a header: no proxy sets it (PROXY_COUNT 0).
    stolen = thief.get(
        "/officer/",
        headers={"X-Forwarded-For": "192.0.2.1"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert stolen.status_code == 302
    # The cookie has leaked: the session it names ends for its officer too.
    assert officer.get("/officer/", environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 302


def test_behind_a_proxy_the_binding_follows_the_proxys_header(tmp_path, database_url, world):
    proxied = make_app(database_url, tmp_path / "proxied", PROXY_COUNT=1)
    officer = proxied.test_client()
    address = {"REMOTE_ADDR": "10.0.0.2"}  # the proxy
    officer.post(
        "/sign-in",
        data={"email": world.emails[Role.VIEWER], "password": "correct horse battery staple"},
        headers={"X-Forwarded-For": "192.0.2.1"},
        environ_base=address,
    )
    at = {"headers": {"X-Forwarded-For": "192.0.2.1"}, "environ_base": address}
    assert officer.get("/officer/", **at).status_code == 200
    elsewhere = {"headers": {"X-Forwarded-For": "203.0.113.9"}, "environ_base": address}
    assert officer.get("/officer/", **elsewhere).status_code == 302


def test_nothing_behind_sign_in_is_kept_by_a_browser_or_proxy(app, world):
    admin, _admin_id = signed_in_client(app, Role.ADMINISTRATOR)
    for path in [
        "/officer/",
        "/officer/results/",
        "/officer/results/responses.csv",
        "/admin/users",
    ]:
        response = admin.get(path)
        # Read and closed: a streamed download left open keeps its request's context, in
        # which the next client's request would run as this officer.
        response.get_data()
        response.close()
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    # Public pages may be cached as before.
    assert "no-store" not in app.test_client().get("/").headers.get("Cache-Control", "")
