"""Users page: officer accounts with a role and an agency scope, password resets, deactivation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.accounts.models import AuditEvent, Role, User
from survey.db import db
from survey.org.models import Agency
from tests.factories import OFFICER_PASSWORD, make_agency, make_user, signed_in_client

TEMPORARY = "a brand new temporary secret"


@pytest.fixture
def admin(app):
    return signed_in_client(app, Role.ADMINISTRATOR)


@pytest.fixture
def ward(app):
    with app.app_context():
        agency = make_agency(db.session, code="W-RG", name="UBND phường Rạch Giá")
        make_agency(db.session, code="W-LX", name="UBND phường Long Xuyên")
        db.session.commit()
        return agency.id


def users(app) -> list[User]:
    with app.app_context():
        return list(db.session.scalars(select(User).order_by(User.id)))


def events(app, action) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def new_user(client, **values):
    data = {
        "email": "  Officer@RachGia.example ",
        "role": "agency_manager",
        "agency": "W-RG",
        "password": TEMPORARY,
        "password_again": TEMPORARY,
        **values,
    }
    return client.post("/admin/users/new", data=data)


def test_an_administrator_creates_a_scoped_officer_who_can_sign_in(app, admin, ward):
    client, admin_id = admin
    response = new_user(client)
    assert response.status_code == 302
    created = users(app)[-1]
    assert (created.email, created.role, created.agency_id) == (
        "officer@rachgia.example",
        Role.AGENCY_MANAGER,
        ward,
    )
    [event] = events(app, "user.created")
    assert event.user_id == admin_id and event.target == f"user:{created.id}"
    assert event.details["after"] == {"role": "agency_manager", "agency": "W-RG", "is_active": True}
    assert TEMPORARY not in str(event.details)
    officer = app.test_client()
    signed = officer.post(
        "/sign-in", data={"email": "officer@rachgia.example", "password": TEMPORARY}
    )
    assert signed.status_code == 302


def test_the_agency_is_found_by_searching_its_name(admin, ward):
    client, _ = admin
    page = client.get("/admin/users/new", query_string={"agency_search": "rạch"}).get_data(
        as_text=True
    )
    assert "UBND phường Rạch Giá" in page and "?agency=W-RG" in page
    assert "Long Xuyên" not in page
    chosen = client.get("/admin/users/new", query_string={"agency": "W-RG"}).get_data(as_text=True)
    assert 'value="W-RG"' in chosen


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "not an address"}, "Đây không phải là địa chỉ thư điện tử."),
        ({"email": ""}, "Nhập địa chỉ thư điện tử của cán bộ."),
        ({"agency": ""}, "Vai trò này cần có một cơ quan."),
        ({"agency": "NOPE"}, "Không có cơ quan nào có mã này."),
        ({"role": "emperor"}, "Chọn một trong các vai trò."),
        ({"password": "short", "password_again": "short"}, "tối thiểu 12 ký tự"),
        ({"password_again": "something else entirely"}, "Hai mật khẩu không giống nhau."),
    ],
)
def test_bad_accounts_are_refused_with_a_translated_message_and_nothing_written(
    app, admin, ward, values, message
):
    client, _ = admin
    before = len(users(app))
    response = new_user(client, **values)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert len(users(app)) == before
    assert events(app, "user.created") == []


def test_an_address_already_in_use_is_refused(app, admin, ward):
    client, _ = admin
    assert new_user(client).status_code == 302
    response = new_user(client, email="OFFICER@rachgia.example")
    assert response.status_code == 400
    assert "Đã có tài khoản với địa chỉ thư điện tử này." in response.get_data(as_text=True)


def test_role_and_agency_changes_are_audited_with_before_and_after(app, admin, ward):
    client, _ = admin
    with app.app_context():
        officer = make_user(db.session, Role.VIEWER, agency=db.session.get(Agency, ward))
        db.session.commit()
        officer_id = officer.id
    response = client.post(
        f"/admin/users/{officer_id}", data={"role": "reform_office", "agency": ""}
    )
    assert response.status_code == 302
    [event] = events(app, "user.updated")
    assert event.details["before"] == {"role": "viewer", "agency": "W-RG", "is_active": True}
    assert event.details["after"] == {"role": "reform_office", "agency": None, "is_active": True}


def test_a_password_reset_ends_the_officers_sessions_and_is_never_logged(app, admin):
    client, _ = admin
    with app.app_context():
        email = make_user(db.session, Role.VIEWER).email
        db.session.commit()
        officer_id = db.session.scalar(select(User.id).where(User.email == email))
    officer = app.test_client()
    officer.post("/sign-in", data={"email": email, "password": OFFICER_PASSWORD})
    assert officer.get("/officer/").status_code == 200
    data = {"password": TEMPORARY, "password_again": TEMPORARY}
    assert client.post(f"/admin/users/{officer_id}/password", data=data).status_code == 302
    assert officer.get("/officer/").status_code == 302  # signed out
    [event] = events(app, "user.password_reset")
    assert TEMPORARY not in str(event.details)
    fresh = app.test_client()
    assert fresh.post("/sign-in", data={"email": email, "password": TEMPORARY}).status_code == 302


def test_a_deactivated_officer_cannot_sign_in_and_can_be_reactivated(app, admin):
    client, _ = admin
    with app.app_context():
        officer = make_user(db.session, Role.VIEWER)
        db.session.commit()
        officer_id, email = officer.id, officer.email
    assert client.post(f"/admin/users/{officer_id}/active", data={"active": "0"}).status_code == 302
    denied = app.test_client().post("/sign-in", data={"email": email, "password": OFFICER_PASSWORD})
    assert denied.status_code == 401
    [event] = events(app, "user.deactivated")
    assert (event.details["before"]["is_active"], event.details["after"]["is_active"]) == (
        True,
        False,
    )
    assert client.post(f"/admin/users/{officer_id}/active", data={"active": "1"}).status_code == 302
    assert len(events(app, "user.reactivated")) == 1


def test_an_administrator_cannot_lock_themselves_out(app, admin):
    client, admin_id = admin
    client.post(f"/admin/users/{admin_id}/active", data={"active": "0"})
    assert client.get("/admin/users").status_code == 200
    response = client.post(f"/admin/users/{admin_id}", data={"role": "viewer", "agency": ""})
    assert response.status_code == 400
    assert events(app, "user.deactivated") == [] and events(app, "user.updated") == []


@pytest.mark.parametrize("role", [Role.REFORM_OFFICE, Role.AGENCY_MANAGER, Role.VIEWER])
def test_only_administrators_manage_accounts(app, role, ward):
    client, _ = signed_in_client(app, role, agency_id=ward)
    before = len(users(app))
    assert new_user(client).status_code == 403
    assert client.get("/admin/users").status_code == 403
    assert len(users(app)) == before
