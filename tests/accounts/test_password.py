"""Changing one's password: the good case, and every bad input refused with nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.accounts.models import Role, User
from survey.db import db
from tests.accounts.conftest import audit_events, sign_in
from tests.factories import OFFICER_PASSWORD

NEW_PASSWORD = "mùa nước nổi ở An Giang"


def change(client, current=OFFICER_PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        "/officer/password",
        data={
            "current_password": current,
            "new_password": new,
            "new_password_again": new if again is None else again,
        },
    )


def stored_hash(app, email) -> str:
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.email == email))


def test_the_form_is_accessible(client, world):
    sign_in(client, world.emails[Role.VIEWER])
    page = client.get("/officer/password").get_data(as_text=True)
    assert '<label for="new_password">Mật khẩu mới</label>' in page
    assert 'aria-describedby="new_password-hint"' in page
    assert "Tối thiểu 12 ký tự." in page
    assert page.count('autocomplete="new-password"') == 2


def test_an_officer_changes_their_password(app, client, world):
    email = world.emails[Role.VIEWER]
    sign_in(client, email)
    response = change(client)
    assert response.headers["Location"] == "/officer/"
    assert "Đã đổi mật khẩu." in client.get("/officer/").get_data(as_text=True)
    [event] = audit_events(app, "password.changed")
    assert event.details is None
    client.post("/sign-out")
    assert sign_in(client, email).status_code == 401
    assert sign_in(client, email, NEW_PASSWORD).headers["Location"] == "/officer/"


GUESSABLE = (
    "Mật khẩu này thuộc loại kẻ tấn công thử đầu tiên (có trong danh sách mật khẩu bị lộ, "
    "hoặc lặp lại hay đếm ký tự liên tiếp). Vui lòng chọn mật khẩu khác: vài từ không liên "
    "quan đến nhau là đủ mạnh."
)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"current": "not my password at all"},
            "current_password",
            "Mật khẩu hiện tại không đúng.",
        ),
        ({"current": ""}, "current_password", "Vui lòng nhập mật khẩu hiện tại."),
        (
            {"new": "short 11 ch"},
            "new_password",
            "Mật khẩu mới phải có tối thiểu 12 ký tự.",
        ),
        ({"new": ""}, "new_password", "Vui lòng nhập mật khẩu mới."),
        ({"new": "x" * 300}, "new_password", "Mật khẩu này quá dài."),
        # NIST SP 800-63B: leaked, sequential, repetitive, context-specific.
        ({"new": "Q1w2E3r4T5y6"}, "new_password", GUESSABLE),
        ({"new": "123456789012"}, "new_password", GUESSABLE),
        ({"new": "abababababab"}, "new_password", GUESSABLE),
        ({"new": "HaiLong2026!!"}, "new_password", GUESSABLE),
        (
            {"again": "mùa nước nổi ở Kiên Giang"},
            "new_password_again",
            "Hai lần nhập mật khẩu mới không giống nhau.",
        ),
        (
            {"new": "Viewer@HaiLong.example"},
            "new_password",
            "Mật khẩu mới không được trùng với địa chỉ thư điện tử của tài khoản.",
        ),
    ],
)
def test_a_bad_input_is_refused_next_to_its_field_and_changes_nothing(
    app, client, world, values, field, message
):
    email = world.emails[Role.VIEWER]
    sign_in(client, email)
    before = stored_hash(app, email)
    response = change(client, **values)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<ul class="field-errors" id="{field}-errors">\n    <li>{message}</li>' in page
    assert 'aria-invalid="true"' in page
    assert stored_hash(app, email) == before
    assert audit_events(app, "password.changed") == []
    assert client.get("/officer/").status_code == 200


def test_guessing_the_current_password_is_throttled(app, client, world):
    email = world.emails[Role.AGENCY_MANAGER]
    sign_in(client, email)
    before = stored_hash(app, email)
    for _attempt in range(5):
        assert change(client, current="a wrong guess").status_code == 400
    assert change(client).status_code == 429
    assert stored_hash(app, email) == before
    assert len(audit_events(app, "password.change_failed")) == 5


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = change(client)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_a_change_without_its_csrf_token_is_refused(app, client, world):
    email = world.emails[Role.VIEWER]
    sign_in(client, email)
    before = stored_hash(app, email)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = change(client)
    assert refused.status_code == 400
    assert "Biểu mẫu đã hết hạn hoặc không xuất phát từ trang này." in refused.get_data(True)
    assert stored_hash(app, email) == before
    anonymous = change(app.test_client())
    assert anonymous.headers["Location"].startswith("/sign-in")
