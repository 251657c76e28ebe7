"""The officers' side: the list, the case page, its states, transfers, reopening, the
number behind "show number", and the scope of each role."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from survey.accounts.models import AuditEvent, Role
from survey.db import db, utcnow, write_session
from survey.feedback.models import CaseState, FeedbackCase
from tests.factories import signed_in_client
from tests.feedback.conftest import CONTENT, all_cases, rate, send_feedback


@pytest.fixture
def case(client, desk, app):
    """A call-back request of the desk's agency (the ward)."""
    rate(client, desk["code"], callback_consent="y", callback_phone="0912 345 678")
    [opened] = all_cases(app)
    return opened


@pytest.fixture
def manager(app, desk):
    return signed_in_client(app, Role.AGENCY_MANAGER, desk["agency_id"])


def version_of(app, case_id) -> int:
    with app.app_context():
        return db.session.get_one(FeedbackCase, case_id).version


def act(officer, case_id, action, **fields):
    prefix = {"state": "change", "transfer": "transfer", "reopen": "reopen"}[action]
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    return officer.post(f"/officer/cases/{case_id}/{action}", data=data)


def test_the_manager_acknowledges_and_answers_with_history(app, case, manager):
    officer, user_id = manager
    page = officer.get(f"/officer/cases/{case.id}").get_data(as_text=True)
    assert "Yêu cầu gọi lại" in page and "Quầy số 1" in page and "Mới" in page
    assert "0912" not in page  # behind "show number"
    assert "Rất hài lòng" in page  # the rating's answers
    response = act(officer, case.id, "state", state="acknowledged", version=1, note="Đã gọi")
    assert response.status_code == 303
    response = act(
        officer,
        case.id,
        "state",
        state="answered",
        version=2,
        public_reply="Đã liên hệ và hướng dẫn lại thủ tục.",
        is_agency_at_fault="y",
    )
    assert response.status_code == 303
    [stored] = all_cases(app)
    assert stored.state == CaseState.ANSWERED and stored.is_agency_at_fault
    assert stored.acknowledged_dt is not None and stored.closed_dt is not None
    assert [(e.action, e.user_id, e.note) for e in stored.events] == [
        ("opened", None, None),
        ("acknowledged", user_id, "Đã gọi"),
        ("answered", user_id, None),
    ]
    page = officer.get(f"/officer/cases/{case.id}").get_data(as_text=True)
    assert "Đã gọi" in page and "Đã liên hệ và hướng dẫn lại thủ tục." in page


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "answered", "version": 1, "public_reply": "x"},  # not acknowledged yet
        {"state": "new", "version": 1},
        {"state": "unfounded", "version": 1},
    ],
)
def test_an_invalid_change_gets_409_with_a_message_and_changes_nothing(app, case, manager, fields):
    response = act(manager[0], case.id, "state", **fields)
    assert response.status_code == 409
    assert "Không thể thực hiện thay đổi này" in response.get_data(as_text=True)
    [stored] = all_cases(app)
    assert stored.state == CaseState.NEW and len(stored.events) == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "closed", "version": 1},
        {"state": "acknowledged", "version": "abc"},
        {"state": "acknowledged"},
        {"state": "acknowledged", "version": 1, "note": "x" * 2001},
    ],
)
def test_a_bad_form_gets_400_and_changes_nothing(app, case, manager, fields):
    assert act(manager[0], case.id, "state", **fields).status_code == 400
    assert all_cases(app)[0].state == CaseState.NEW


def test_answering_needs_a_reply_for_the_citizen(app, case, manager):
    act(manager[0], case.id, "state", state="acknowledged", version=1)
    response = act(manager[0], case.id, "state", state="answered", version=2, public_reply=" ")
    assert response.status_code == 400
    assert all_cases(app)[0].state == CaseState.ACKNOWLEDGED


def test_a_second_officer_working_from_an_old_page_is_told_and_overwrites_nothing(
    app, case, manager, desk
):
    other = signed_in_client(app, Role.AGENCY_MANAGER, desk["agency_id"])[0]
    assert act(manager[0], case.id, "state", state="acknowledged", version=1).status_code == 303
    # The other officer read the page at version 1 and closes the case from it.
    response = act(other, case.id, "state", state="acknowledged", version=1, note="Tôi nhận")
    assert response.status_code == 409
    assert "Một cán bộ khác đã thay đổi" in response.get_data(as_text=True)
    [stored] = all_cases(app)
    assert [event.note for event in stored.events] == [None, None]
    assert version_of(app, case.id) == 2


def test_a_transfer_keeps_the_history_and_the_new_agency_takes_over(app, case, manager, desk):
    response = act(
        manager[0], case.id, "transfer", agency=desk["other_agency_id"], version=1, note="Sai nơi"
    )
    assert response.status_code == 303
    [stored] = all_cases(app)
    assert stored.agency_id == desk["other_agency_id"] and stored.state == CaseState.NEW
    assert [event.action for event in stored.events] == ["opened", "transferred"]
    assert stored.events[1].from_agency_id == desk["agency_id"]
    # The ward's manager no longer sees it; the commune's does.
    assert manager[0].get(f"/officer/cases/{case.id}").status_code == 404
    commune = signed_in_client(app, Role.AGENCY_MANAGER, desk["other_agency_id"])[0]
    page = commune.get(f"/officer/cases/{case.id}").get_data(as_text=True)
    assert "Sai nơi" in page and "UBND phường Rạch Giá" in page


def test_only_the_reform_office_reopens_a_closed_case(app, case, manager):
    act(manager[0], case.id, "state", state="acknowledged", version=1)
    act(manager[0], case.id, "state", state="unfounded", version=2)
    assert act(manager[0], case.id, "reopen", version=3).status_code == 403
    administrator = signed_in_client(app, Role.ADMINISTRATOR)[0]
    assert act(administrator, case.id, "reopen", version=3).status_code == 403
    reform = signed_in_client(app, Role.REFORM_OFFICE)[0]
    assert (
        act(reform, case.id, "reopen", version=3, note="Người dân phản ánh lại").status_code == 303
    )
    [stored] = all_cases(app)
    assert stored.state == CaseState.IN_PROGRESS and stored.events[-1].action == "reopened"
    # An open case cannot be reopened.
    assert act(reform, case.id, "reopen", version=4).status_code == 409


def test_showing_the_number_is_audited_and_never_in_the_log(app, case, manager):
    officer, user_id = manager
    page = officer.post(f"/officer/cases/{case.id}/phone")
    assert page.status_code == 200 and "0912 345 678" in page.get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "feedback.phone_shown")
        )
        assert event.user_id == user_id and event.target == f"feedback_case:{case.id}"
        assert "0912" not in str(event.details)


def test_officers_see_only_their_scope_and_viewers_nothing(app, case, desk):
    outsider = signed_in_client(app, Role.AGENCY_MANAGER, desk["other_agency_id"])[0]
    assert outsider.get(f"/officer/cases/{case.id}").status_code == 404
    assert outsider.post(f"/officer/cases/{case.id}/phone").status_code == 404
    assert act(outsider, case.id, "state", state="acknowledged", version=1).status_code == 404
    assert f"/officer/cases/{case.id}" not in outsider.get("/officer/cases/").get_data(as_text=True)
    province = signed_in_client(app, Role.AGENCY_MANAGER, desk["province_id"])[0]
    assert f"/officer/cases/{case.id}" in province.get("/officer/cases/").get_data(as_text=True)
    viewer = signed_in_client(app, Role.VIEWER, desk["agency_id"])[0]
    assert viewer.get(f"/officer/cases/{case.id}").status_code == 403
    assert all_cases(app)[0].state == CaseState.NEW


def case_links(page) -> int:
    return len(case_ids(page))


def case_ids(page) -> list[str]:
    return re.findall(r'href="/officer/cases/(\d+)"', page)


def next_page(page) -> str:
    [address] = re.findall(r'<a rel="next" href="([^"]+)"', page)
    return html.unescape(address)


def test_the_list_filters_pages_and_exports_without_numbers(app, client, desk, monkeypatch):
    import survey.feedback.routes as routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    for number in range(3):
        send_feedback(
            client,
            desk["code"],
            text=f"=Góp ý {number}",
            callback_consent="y",
            callback_phone="0987 654 321",
        )
    rate(client, desk["code"], {**CONTENT, "a-harassment": "1"})
    with app.app_context(), write_session() as session:
        late = session.scalars(select(FeedbackCase).order_by(FeedbackCase.id)).first()
        late.acknowledge_due = date.today() - timedelta(days=30)
    reform = signed_in_client(app, Role.REFORM_OFFICE)[0]
    first = reform.get("/officer/cases/").get_data(as_text=True)
    assert case_links(first) == 2 and 'rel="first"' not in first
    second = reform.get(next_page(first)).get_data(as_text=True)
    assert case_links(second) == 2 and 'rel="first"' in second and 'rel="next"' not in second
    assert not set(case_ids(first)) & set(case_ids(second))  # keyset paging: no case twice
    harassment = reform.get("/officer/cases/?source=harassment").get_data(as_text=True)
    assert case_links(harassment) == 1
    overdue = reform.get("/officer/cases/?overdue=y").get_data(as_text=True)
    assert case_links(overdue) == 1 and "quá hạn" in overdue
    assert reform.get("/officer/cases/?state=closed").status_code == 400
    for after in ("0", "2026-13-01T00:00:00~1", "2026-03-02T03:00:00~x", "' OR 1=1 --"):
        assert reform.get("/officer/cases/", query_string={"after": after}).status_code == 400
    export = reform.get("/officer/cases/export.csv?source=direct")
    text = export.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3 and {row["citizen_gave_phone"] for row in rows} == {"yes"}
    assert "0987" not in text and rows[0]["text"].startswith("'=Góp ý")
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "feedback.exported"))


def test_purge_contacts_deletes_the_numbers_of_open_cases_and_the_case_says_so(
    app, client, desk, case, runner, manager
):
    send_feedback(client, desk["code"], callback_consent="y", callback_phone="0987 654 321")
    with app.app_context(), write_session() as session:
        from survey.collect.models import CallbackRequest

        for callback in session.scalars(select(CallbackRequest)):
            callback.delete_after_dt = utcnow() - timedelta(seconds=1)
        for stored in session.scalars(select(FeedbackCase)):
            if stored.contact_delete_after_dt is not None:
                stored.contact_delete_after_dt = utcnow() - timedelta(seconds=1)
    result = runner.invoke(args=["purge-contacts"])
    assert result.exit_code == 0 and "Deleted 2 call-back phone numbers" in result.output
    cases = all_cases(app)
    assert all(c.phone_deleted_dt and c.contact_phone is None for c in cases)
    assert all(c.state == CaseState.NEW and c.events[-1].action == "phone_deleted" for c in cases)
    page = manager[0].get(f"/officer/cases/{case.id}").get_data(as_text=True)
    assert "đã bị xóa ngày" in page and "Xem số điện thoại" not in page
    assert manager[0].post(f"/officer/cases/{case.id}/phone").status_code == 404


def test_the_start_page_counts_open_and_overdue_cases_in_scope(app, case, manager, desk):
    with app.app_context(), write_session() as session:
        session.get_one(FeedbackCase, case.id).acknowledge_due = date(2026, 1, 2)
    page = manager[0].get("/officer/").get_data(as_text=True)
    assert "Phản ánh, kiến nghị" in page
    assert "1 đang mở" in page and "1 quá hạn" in page
    outsider = signed_in_client(app, Role.AGENCY_MANAGER, desk["other_agency_id"])[0]
    page = outsider.get("/officer/").get_data(as_text=True)
    assert "0 đang mở" in page and "0 quá hạn" in page
    viewer = signed_in_client(app, Role.VIEWER, desk["agency_id"])[0]
    assert "đang mở" not in viewer.get("/officer/").get_data(as_text=True)
