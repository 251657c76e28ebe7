"""Signing in and out: good and bad credentials, inactive accounts, redirects, CSRF, cookies."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from survey.accounts.models import Role, User
from survey.db import db
from tests.accounts.conftest import audit_events, sign_in
from tests.factories import OFFICER_PASSWORD

FAILED_VI = "Địa chỉ thư điện tử hoặc mật khẩu không đúng."
EXPIRED_VI = "Biểu mẫu đã hết hạn hoặc không xuất phát từ trang này. Vui lòng thử lại."


def form_error(response) -> str:
    match = re.search(r'<p class="form-error" role="alert">(.*?)</p>', response.get_data(True))
    return match.group(1) if match else ""


def user_named(app, email) -> User:
    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email))


def test_the_sign_in_page_is_labelled_in_vietnamese(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert '<label for="email">Địa chỉ thư điện tử</label>' in page
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page


def test_an_officer_signs_in_and_lands_on_their_page(app, client, world):
    email = world.emails[Role.AGENCY_MANAGER]
    response = sign_in(client, email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/officer/"
    page = client.get("/officer/").get_data(as_text=True)
    assert f"Xin chào, {email}" in page
    assert "Lãnh đạo cơ quan, đơn vị" in page
    assert "Phường Rạch Giá và các đơn vị trực thuộc" in page
    assert user_named(app, email).last_login_dt is not None
    [event] = audit_events(app, "login.succeeded")
    assert event.user_id == user_named(app, email).id


def test_the_email_is_not_case_or_space_sensitive(client, world):
    response = sign_in(client, "  Viewer@HaiLong.Example ")
    assert response.headers["Location"] == "/officer/"


@pytest.mark.parametrize(
    ("email", "password", "reason"),
    [
        ("agency_manager@hailong.example", "not the password at all", "wrong_password"),
        ("nobody@hailong.example", OFFICER_PASSWORD, "unknown_email"),
        ("not an address", OFFICER_PASSWORD, "unknown_email"),
    ],
)
def test_bad_credentials_get_one_message_and_no_session(
    app, client, world, email, password, reason
):
    response = sign_in(client, email, password)
    assert response.status_code == 401
    assert form_error(response) == FAILED_VI
    assert client.get("/officer/").status_code == 302
    [event] = audit_events(app, "login.failed")
    assert event.details == {"email": email.strip().lower(), "reason": reason}
    assert password not in str(event.details)


def test_an_inactive_officer_cannot_sign_in_even_with_the_right_password(app, client, world):
    email = world.emails[Role.VIEWER]
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).is_active = False
        db.session.commit()
    response = sign_in(client, email)
    assert response.status_code == 401
    assert form_error(response) == FAILED_VI
    assert client.get("/officer/").status_code == 302
    assert audit_events(app, "login.failed")[0].details["reason"] == "inactive"


def test_a_deactivated_officer_is_signed_out_on_the_next_request(app, client, world):
    email = world.emails[Role.REFORM_OFFICE]
    sign_in(client, email)
    assert client.get("/officer/").status_code == 200
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).is_active = False
        db.session.commit()
    response = client.get("/officer/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Phiên đăng nhập đã kết thúc. Vui lòng đăng nhập lại." in page
    [event] = audit_events(app, "logout")
    assert event.details == {"reason": "account"}
    assert event.user_id == user_named(app, email).id


@pytest.mark.parametrize("data", [{}, {"email": "", "password": ""}, {"email": "a@b.example"}])
def test_missing_fields_are_named_next_to_the_field(app, client, world, data):
    response = client.post("/sign-in", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<ul class="field-errors" id="password-errors">' in page
    assert "Vui lòng nhập mật khẩu." in page
    assert 'aria-describedby="password-errors"' in page
    assert audit_events(app) == []


def test_the_officer_goes_back_to_the_page_they_asked_for(client, world):
    response = client.get("/officer/password")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=%2Fofficer%2Fpassword"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vui lòng đăng nhập để xem trang này." in page
    response = sign_in(client, world.emails[Role.VIEWER], next="/officer/password")
    assert response.headers["Location"] == "/officer/password"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/officer/",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "officer/",
        " /officer/",
    ],
)
def test_next_never_leaves_the_site(client, world, target):
    response = sign_in(client, world.emails[Role.VIEWER], next=target)
    assert response.headers["Location"] == "/officer/"


def test_a_signed_in_officer_visiting_sign_in_goes_to_their_page(client, world):
    sign_in(client, world.emails[Role.VIEWER])
    assert client.get("/sign-in").headers["Location"] == "/officer/"
    assert client.get("/sign-in?next=//evil.example").headers["Location"] == "/officer/"


def test_sign_out_ends_the_session_and_is_recorded(app, client, world):
    sign_in(client, world.emails[Role.ADMINISTRATOR])
    assert client.get("/sign-out").status_code == 405
    response = client.post("/sign-out")
    assert response.headers["Location"] == "/sign-in"
    assert "Đã đăng xuất." in client.get("/sign-in").get_data(as_text=True)
    assert client.get("/officer/").status_code == 302
    [event] = audit_events(app, "logout")
    assert event.details == {"reason": "requested"}


def csrf_token_of(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_sign_in_form_needs_its_csrf_token(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    email = world.emails[Role.VIEWER]
    refused = sign_in(client, email)
    assert refused.status_code == 400
    assert form_error(refused) == EXPIRED_VI
    assert client.get("/officer/").status_code == 302
    assert audit_events(app) == []
    token = csrf_token_of(client.get("/sign-in").get_data(as_text=True))
    accepted = client.post(
        "/sign-in", data={"email": email, "password": OFFICER_PASSWORD, "csrf_token": token}
    )
    assert accepted.headers["Location"] == "/officer/"


def test_sign_out_without_the_csrf_token_keeps_the_session(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    token = csrf_token_of(client.get("/sign-in").get_data(as_text=True))
    email = world.emails[Role.VIEWER]
    client.post(
        "/sign-in", data={"email": email, "password": OFFICER_PASSWORD, "csrf_token": token}
    )
    refused = client.post("/sign-out")
    assert refused.headers["Location"] == "/officer/"
    page = client.get("/officer/")
    assert page.status_code == 200
    assert EXPIRED_VI in page.get_data(as_text=True)
    assert audit_events(app, "logout") == []


def test_the_session_cookie_is_httponly_and_samesite_lax(app, client, world):
    cookie = sign_in(client, world.emails[Role.VIEWER]).headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    app.config["SESSION_COOKIE_SECURE"] = True
    secure_client = app.test_client()
    assert "Secure" in sign_in(secure_client, world.emails[Role.VIEWER]).headers["Set-Cookie"]


def test_a_hash_with_old_parameters_is_renewed_at_sign_in(app, client, world):
    email = world.emails[Role.VIEWER]
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(OFFICER_PASSWORD)
    with app.app_context():
        db.session.scalar(select(User).where(User.email == email)).password_hash = weak
        db.session.commit()
    sign_in(client, email)
    renewed = user_named(app, email)
    assert renewed.password_hash != weak
    assert not renewed.password_needs_rehash()
    assert renewed.check_password(OFFICER_PASSWORD)
    # The session started before the renewal survives it.
    assert client.get("/officer/").status_code == 200


def test_the_landing_page_states_role_and_scope(app, client, world):
    sign_in(client, world.emails[Role.ADMINISTRATOR])
    page = client.get("/officer/?lang=en").get_data(as_text=True)
    assert "Hello, administrator@hailong.example" in page
    assert "All agencies" in page
    assert "You can read individual responses" in page
    viewer = app.test_client()
    sign_in(viewer, world.emails[Role.VIEWER])
    page = viewer.get("/officer/?lang=en").get_data(as_text=True)
    assert "Phường Rạch Giá and its units" in page
    assert "You see aggregated results only." in page
