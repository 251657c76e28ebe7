"""The administrator's calendar days: added, edited, audited, and counted by deadlines."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from survey.accounts.models import AuditEvent, Role
from survey.db import db
from survey.vietnam_calendar import CalendarDay
from tests.factories import signed_in_client
from tests.feedback import conftest as feedback_fixtures
from tests.feedback.conftest import all_cases, rate

#: The feedback tests' desk, for a case opened after a day is added.
desk = feedback_fixtures.desk

DAY_OFF = {"day": "2026-02-23", "is_working_day": "0", "note": "Nghỉ bù theo thông báo"}


@pytest.fixture
def admin(app):
    return signed_in_client(app, Role.ADMINISTRATOR)[0]


def days(app) -> list[tuple[date, bool, str]]:
    with app.app_context():
        return [
            (row.day, row.is_working_day, row.note)
            for row in db.session.scalars(select(CalendarDay).order_by(CalendarDay.day))
        ]


def test_a_day_off_is_added_audited_and_counted_by_new_deadlines(
    app, admin, client, desk, monkeypatch
):
    response = admin.post("/admin/calendar/new", data=DAY_OFF)
    assert response.status_code == 303
    assert days(app) == [(date(2026, 2, 23), False, "Nghỉ bù theo thông báo")]
    page = admin.get("/admin/calendar/").get_data(as_text=True)
    assert "23/02/2026" in page and "Nghỉ bù theo thông báo" in page
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "calendar_day.created")
        )
        assert event.details["after"] == {
            "day": "2026-02-23",
            "is_working_day": False,
            "note": "Nghỉ bù theo thông báo",
        }
    import survey.feedback as feedback

    monkeypatch.setattr(feedback, "utcnow", lambda: datetime(2026, 2, 13, 3, 0))
    rate(client, desk["code"], callback_consent="y", callback_phone="0912 345 678")
    assert all_cases(app)[0].acknowledge_due == date(2026, 2, 25)  # not 24/2


def test_a_saturday_worked_is_edited_from_a_day_off(app, admin):
    admin.post("/admin/calendar/new", data=DAY_OFF)
    with app.app_context():
        day_id = db.session.scalar(select(CalendarDay.id))
    form = admin.get(f"/admin/calendar/{day_id}/edit").get_data(as_text=True)
    assert '<input checked id="is_working_day-0"' in form
    data = {"day": "28/02/2026", "is_working_day": "1", "note": "Làm bù"}
    assert admin.post(f"/admin/calendar/{day_id}/edit", data=data).status_code == 303
    assert days(app) == [(date(2026, 2, 28), True, "Làm bù")]


@pytest.mark.parametrize(
    "data",
    [
        {**DAY_OFF, "day": "2026-02-30"},
        {**DAY_OFF, "day": ""},
        {**DAY_OFF, "is_working_day": "2"},
        {**DAY_OFF, "note": ""},
        {**DAY_OFF, "note": "=1+1"},
        {**DAY_OFF, "note": "x" * 201},
    ],
)
def test_bad_input_is_refused_and_changes_nothing(app, admin, data):
    assert admin.post("/admin/calendar/new", data=data).status_code == 400
    assert days(app) == []


def test_a_day_already_listed_is_refused(app, admin):
    admin.post("/admin/calendar/new", data=DAY_OFF)
    response = admin.post("/admin/calendar/new", data={**DAY_OFF, "is_working_day": "1"})
    assert response.status_code == 400
    assert len(days(app)) == 1


def test_only_administrators_change_the_calendar(app, desk):
    reform = signed_in_client(app, Role.REFORM_OFFICE)[0]
    assert reform.get("/admin/calendar/").status_code == 403
    assert reform.post("/admin/calendar/new", data=DAY_OFF).status_code == 403
    assert days(app) == []
