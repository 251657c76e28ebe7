"""The access API: agency scope rolled up through mergers, 404 outside it, roles, response data."""

from __future__ import annotations

from datetime import date

import pytest
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from survey.accounts.access import (
    can_read_responses,
    require_agency_visible,
    roles_required,
    visible_agency_ids,
)
from survey.accounts.models import Role, User
from survey.db import db
from tests.accounts.conftest import sign_in
from tests.factories import make_user


def officer(role: Role) -> User:
    return db.session.scalar(select(User).where(User.role == role))


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.REFORM_OFFICE])
def test_unscoped_roles_see_every_agency(app, world, role):
    with app.test_request_context():
        assert visible_agency_ids(officer(role)) is None
        for agency_id in world.agencies.values():
            require_agency_visible(officer(role), agency_id)


@pytest.mark.parametrize("role", [Role.AGENCY_MANAGER, Role.VIEWER])
def test_scoped_roles_see_their_ward_and_the_communes_merged_into_it(app, world, role):
    expected = {world.agencies[name] for name in ("ward", "commune", "commune_unit")}
    with app.test_request_context():
        user = officer(role)
        assert visible_agency_ids(user) == expected
        assert visible_agency_ids(user, as_of=date(2026, 1, 1)) == expected
        for agency_id in world.agencies.values():
            if agency_id in expected:
                require_agency_visible(user, agency_id)
            else:
                with pytest.raises(NotFound):
                    require_agency_visible(user, agency_id)
        with pytest.raises(NotFound):
            require_agency_visible(user, 10_000)


def test_on_a_chart_before_the_ward_existed_a_ward_officer_sees_nothing(app, world):
    with app.test_request_context():
        assert visible_agency_ids(officer(Role.VIEWER), as_of=date(2025, 6, 30)) == set()


def test_a_scoped_officer_without_an_agency_sees_nothing(app, world):
    with app.test_request_context():
        lost = make_user(db.session, Role.VIEWER)
        assert visible_agency_ids(lost) == set()
        with pytest.raises(NotFound):
            require_agency_visible(lost, world.agencies["ward"])


def test_a_commune_officer_keeps_the_commune_history(app, world):
    with app.test_request_context():
        manager = make_user(db.session, Role.AGENCY_MANAGER)
        manager.agency_id = world.agencies["commune"]
        assert visible_agency_ids(manager, as_of=date(2025, 1, 1)) == {
            world.agencies["commune"],
            world.agencies["commune_unit"],
        }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMINISTRATOR, True),
        (Role.REFORM_OFFICE, True),
        (Role.AGENCY_MANAGER, True),
        (Role.VIEWER, False),
    ],
)
def test_only_viewers_are_kept_from_response_level_data(app, world, role, expected):
    with app.app_context():
        assert can_read_responses(officer(role)) is expected


def test_roles_required_lets_in_the_named_roles_only(app, world):
    @roles_required(Role.ADMINISTRATOR, Role.REFORM_OFFICE)
    def publish():
        return "published"

    app.add_url_rule("/test-only/publish", "test_only_publish", publish)
    anonymous = app.test_client().get("/test-only/publish")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/sign-in?next=")
    for role, status in [
        (Role.ADMINISTRATOR, 200),
        (Role.REFORM_OFFICE, 200),
        (Role.AGENCY_MANAGER, 403),
        (Role.VIEWER, 403),
    ]:
        client = app.test_client()
        sign_in(client, world.emails[role])
        assert client.get("/test-only/publish").status_code == status, role


def test_a_role_outside_the_list_is_refused_before_the_view_runs(app):
    calls = []

    @roles_required(Role.ADMINISTRATOR)
    def view():
        calls.append(1)
        return "ran"

    with app.test_request_context():
        login_user(make_user(db.session, Role.VIEWER, email="v2@hailong.example"))
        with pytest.raises(Forbidden):
            view()
    assert calls == []
