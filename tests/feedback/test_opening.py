"""Which submissions open a feedback case: one per submission, in its transaction, with
deadlines in working days, and the receipt on the thank-you page."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from survey.collect.models import CallbackRequest, Response
from survey.db import db, write_session
from survey.feedback.cases import RECEIPT_ALPHABET, Calendar, new_receipt
from survey.feedback.models import CaseSource, CaseState
from survey.settings import change_settings
from survey.vietnam_calendar import CalendarDay
from tests.feedback.conftest import CONTENT, all_cases, rate


def test_a_satisfied_rating_opens_no_case(client, desk, app):
    assert rate(client, desk["code"]).status_code == 303
    assert all_cases(app) == []
    thanks = client.get(f"/q/{desk['code']}/thanks").get_data(as_text=True)
    assert "receipt-code" not in thanks


def test_a_call_back_request_opens_a_case_and_the_thanks_page_shows_its_receipt(client, desk, app):
    response = rate(client, desk["code"], callback_consent="y", callback_phone="0912 345 678")
    assert response.status_code == 303
    [case] = all_cases(app)
    assert case.source == CaseSource.CALLBACK and case.state == CaseState.NEW
    assert case.agency_id == desk["agency_id"] and case.service_point_id == desk["desk_id"]
    assert case.has_phone and case.contact_phone is None  # the number stays the call-back's
    assert len(case.receipt) >= 10 and set(case.receipt) <= set(RECEIPT_ALPHABET)
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert case.receipt in thanks and f"/feedback/{case.receipt}" in thanks
    # Sent again (the back button, a retry): the same response, no second case, same receipt.
    assert len(all_cases(app)) == 1


def test_the_lowest_answer_with_a_comment_opens_a_case_but_without_a_comment_does_not(
    client, desk, app
):
    rate(client, desk["code"], {**CONTENT, "a-overall_satisfaction": "1"})
    assert all_cases(app) == []
    rate(
        client,
        desk["code"],
        {**CONTENT, "a-overall_satisfaction": "1", "a-comment": "Chờ 3 tiếng."},
    )
    [case] = all_cases(app)
    assert case.source == CaseSource.LOW_RATING
    # A comment under a middle answer is no complaint.
    rate(client, desk["code"], {**CONTENT, "a-overall_satisfaction": "2", "a-comment": "Ổn."})
    assert len(all_cases(app)) == 1


def test_a_harassment_report_opens_one_case_even_with_a_call_back_and_a_low_rating(
    client, desk, app
):
    answers = {**CONTENT, "a-harassment": "1", "a-overall_satisfaction": "1", "a-comment": "x"}
    rate(
        client,
        desk["official_code"],
        answers,
        callback_consent="y",
        callback_phone="0912345678",
    )
    [case] = all_cases(app)
    assert case.source == CaseSource.HARASSMENT and case.has_phone
    assert case.official_id == desk["official_id"]


def test_the_settings_decide_which_sources_open_a_case(client, desk, app):
    with app.test_request_context(), write_session() as session:
        change_settings(session, {"FEEDBACK_CASE_FROM_CALLBACK": False}, None)
    rate(client, desk["code"], callback_consent="y", callback_phone="0912 345 678")
    assert all_cases(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(CallbackRequest.id))) == 1


def test_a_case_that_cannot_be_stored_stores_no_rating_either(client, desk, app, monkeypatch):
    import survey.feedback.cases as cases

    def broken() -> str:
        raise RuntimeError("the case could not be written")

    monkeypatch.setattr(cases, "new_receipt", broken)
    with pytest.raises(RuntimeError):
        rate(client, desk["code"], callback_consent="y", callback_phone="0912 345 678")
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 0
        assert db.session.scalar(select(func.count(CallbackRequest.id))) == 0


def test_deadlines_are_working_days_over_tet_and_the_administrators_days(app):
    with app.app_context(), write_session() as session:
        calendar = Calendar.load(session)
        # Opened on Friday 13/2/2026, the eve of Tết (9 days off, 14–22/2): acknowledged by
        # Tuesday 24/2, answered by Friday 6/3.
        assert calendar.add(date(2026, 2, 13), 2) == date(2026, 2, 24)
        assert calendar.add(date(2026, 2, 13), 10) == date(2026, 3, 6)
        session.add(CalendarDay(day=date(2026, 2, 23), is_working_day=False, note="Nghỉ bù"))
        session.add(CalendarDay(day=date(2026, 2, 28), is_working_day=True, note="Làm bù"))
    with app.app_context(), write_session() as session:
        calendar = Calendar.load(session)
        # Monday 23/2 off, Saturday 28/2 worked: one day later, then one day earlier.
        assert calendar.add(date(2026, 2, 13), 2) == date(2026, 2, 25)
        assert calendar.add(date(2026, 2, 13), 5) == date(2026, 2, 28)
        assert calendar.add(date(2026, 2, 13), 10) == date(2026, 3, 6)
        assert calendar.working_days_between(date(2026, 2, 13), date(2026, 3, 6)) == 10


def test_an_opened_case_gets_its_deadlines_from_the_settings(client, desk, app, monkeypatch):
    import survey.feedback as feedback

    monkeypatch.setattr(feedback, "utcnow", lambda: datetime(2026, 2, 13, 3, 0))
    rate(client, desk["code"], callback_consent="y", callback_phone="0912 345 678")
    [case] = all_cases(app)
    assert case.acknowledge_due == date(2026, 2, 24)
    assert case.answer_due == date(2026, 3, 6)
    assert [event.action for event in case.events] == ["opened"]


def test_receipts_are_unguessable_codes_without_look_alikes():
    receipts = {new_receipt() for _ in range(2000)}
    assert len(receipts) == 2000
    for look_alike in "0O1IL5S2Z8B":
        assert look_alike not in RECEIPT_ALPHABET
    assert all(re.fullmatch(f"[{RECEIPT_ALPHABET}]{{10}}", receipt) for receipt in receipts)
