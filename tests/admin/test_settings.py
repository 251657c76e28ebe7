"""Settings page: administrators change the rules; the change takes effect and is audited."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from survey.accounts.models import AuditEvent, Role
from survey.admin.forms import rate_limit_data
from survey.collect.models import CallbackRequest
from survey.db import db, write_session
from survey.settings import Setting, get_setting
from tests.factories import make_desk, make_published_version, signed_in_client
from tests.results.conftest import results_world  # noqa: F401 (the results test data)

VALID = {
    "MIN_GROUP_SIZE": "5",
    "MIN_RATINGS_FOR_RANKING": "30",
    "PHONE_SUBMIT_LIMIT-count": "20",
    "PHONE_SUBMIT_LIMIT-period": "hour",
    "PHONE_ADDRESS_SUBMIT_LIMIT-count": "60",
    "PHONE_ADDRESS_SUBMIT_LIMIT-period": "hour",
    "KIOSK_SUBMIT_LIMIT-count": "120",
    "KIOSK_SUBMIT_LIMIT-period": "hour",
    "CONTACT_RETENTION_DAYS": "90",
    "FEEDBACK_CASE_FROM_CALLBACK": "y",
    "FEEDBACK_CASE_FROM_LOW_RATING": "y",
    "FEEDBACK_CASE_FROM_HARASSMENT": "y",
    "FEEDBACK_ACKNOWLEDGE_WORKING_DAYS": "2",
    "FEEDBACK_ANSWER_WORKING_DAYS": "10",
    "DOSSIER_COVERAGE_PERCENT": "5",
    "WEIGHTING_STRATA": "agency_procedure_field",
}


@pytest.fixture
def admin(app):
    return signed_in_client(app, Role.ADMINISTRATOR)[0]


def stored(app) -> dict:
    with app.app_context():
        return {row.name: row.value for row in db.session.scalars(select(Setting))}


def test_the_page_shows_the_current_values_in_vietnamese(admin, app):
    page = admin.get("/admin/settings")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Cỡ nhóm tối thiểu" in text
    assert 'value="5"' in text
    # A rate limit is a number and a period, never typed as "20 per hour".
    assert re.search(r'<input[^>]*name="PHONE_SUBMIT_LIMIT-count"[^>]*value="20"', text)
    assert re.search(r'<option[^>]*(selected[^>]*value="hour"|value="hour"[^>]*selected)', text)
    assert "mỗi phút" in text and "mỗi ngày" in text


def test_a_change_is_stored_audited_with_before_and_after_and_read_by_get_setting(admin, app):
    data = {**VALID, "MIN_GROUP_SIZE": "8", "PUBLISH_OFFICIAL_RESULTS": "y"}
    response = admin.post("/admin/settings", data=data)
    assert response.status_code == 302
    assert stored(app) == {"MIN_GROUP_SIZE": 8, "PUBLISH_OFFICIAL_RESULTS": True}
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.changed"))
        assert event.details == {
            "MIN_GROUP_SIZE": {"before": 5, "after": 8},
            "PUBLISH_OFFICIAL_RESULTS": {"before": False, "after": True},
        }
        assert event.user_id is not None
    with app.test_request_context():
        assert get_setting("MIN_GROUP_SIZE") == 8
        assert get_setting("MIN_RATINGS_FOR_RANKING") == 30  # not stored: app.config


def test_the_weighting_strata_are_chosen_from_a_list(admin, app):
    assert (
        admin.post("/admin/settings", data={**VALID, "WEIGHTING_STRATA": "agency"}).status_code
        == 302
    )
    assert stored(app) == {"WEIGHTING_STRATA": "agency"}
    with app.test_request_context():
        assert get_setting("WEIGHTING_STRATA") == "agency"


def test_saving_unchanged_values_records_nothing(admin, app):
    assert admin.post("/admin/settings", data=VALID).status_code == 302
    assert stored(app) == {}
    with app.app_context():
        assert (
            db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings.changed"))
            is None
        )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MIN_GROUP_SIZE", "abc", "Nhập một số nguyên từ 2 đến 1000."),
        ("MIN_GROUP_SIZE", "0", "Nhập một số nguyên từ 2 đến 1000."),
        ("MIN_GROUP_SIZE", "3.5", "Nhập một số nguyên từ 2 đến 1000."),
        ("CONTACT_RETENTION_DAYS", "-1", "Nhập một số nguyên từ 1 đến 3650."),
        ("CONTACT_RETENTION_DAYS", "", "Nhập một số nguyên."),
        ("DOSSIER_COVERAGE_PERCENT", "0", "Nhập một số nguyên từ 1 đến 100."),
        ("PHONE_SUBMIT_LIMIT-count", "lots", "Nhập một số nguyên từ 1 đến 100000."),
        ("KIOSK_SUBMIT_LIMIT-count", "=1+1", "Nhập một số nguyên từ 1 đến 100000."),
        ("KIOSK_SUBMIT_LIMIT-count", "0", "Nhập một số nguyên từ 1 đến 100000."),
        ("KIOSK_SUBMIT_LIMIT-period", "fortnight", "Xin chọn một mục trong danh sách."),
        ("WEIGHTING_STRATA", "service_point", "Xin chọn một mục trong danh sách."),
    ],
)
def test_bad_values_are_refused_with_a_translated_message_and_nothing_changes(
    admin, app, name, value, message
):
    response = admin.post(
        "/admin/settings",
        data={**VALID, name: value, "MIN_GROUP_SIZE": "9"}
        if name != "MIN_GROUP_SIZE"
        else {**VALID, name: value},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored(app) == {}


@pytest.mark.parametrize("role", [Role.REFORM_OFFICE, Role.AGENCY_MANAGER, Role.VIEWER])
def test_only_administrators_change_settings(app, role):
    client = signed_in_client(app, role)[0]
    assert client.post("/admin/settings", data={**VALID, "MIN_GROUP_SIZE": "9"}).status_code == 403
    assert stored(app) == {}


@pytest.fixture
def desk_code(app):
    with app.app_context(), write_session() as session:
        make_published_version(session, "onestop-quick")
        return make_desk(session).active_code.code


def rate(client, code, **extra):
    data = {"submission_id": str(uuid.uuid4()), "a-overall_satisfaction": "3", **extra}
    return client.post(f"/q/{code}", data=data)


def test_a_lower_phone_limit_slows_phones_down_at_once(admin, app, desk_code):
    assert (
        admin.post("/admin/settings", data={**VALID, "PHONE_SUBMIT_LIMIT-count": "2"}).status_code
        == 302
    )
    phone = app.test_client()
    phone.get(f"/q/{desk_code}")  # the form gives the phone its device cookie
    assert [rate(phone, desk_code).status_code for _ in range(3)] == [303, 303, 429]


def test_the_retention_period_applies_to_new_call_back_numbers_and_the_privacy_page(
    admin, app, desk_code
):
    assert (
        admin.post("/admin/settings", data={**VALID, "CONTACT_RETENTION_DAYS": "7"}).status_code
        == 302
    )
    phone = app.test_client()
    assert "7" in phone.get("/privacy").get_data(as_text=True)
    response = rate(phone, desk_code, callback_consent="y", callback_phone="0912 345 678")
    assert response.status_code == 303
    with app.app_context():
        callback = db.session.scalar(select(CallbackRequest))
        kept = callback.delete_after_dt - callback.consented_dt
        assert 6.9 < kept.total_seconds() / 86400 < 7.1


def test_a_stored_value_that_breaks_its_rule_falls_back_to_the_configuration(app):
    with app.app_context():
        db.session.add(Setting(name="MIN_GROUP_SIZE", value="many"))
        db.session.commit()
    with app.test_request_context():
        assert get_setting("MIN_GROUP_SIZE") == app.config["MIN_GROUP_SIZE"]


def hidden_cells(client) -> int:
    page = client.get("/results?year=2026&questionnaire=onestop-quick").get_data(as_text=True)
    return len(re.findall(r'<td class="number"[^>]*>ẩn</td>', page))


def test_a_larger_minimum_group_size_hides_more_of_the_public_results(
    admin,
    app,
    results_world,  # noqa: F811
):
    visitor = app.test_client()
    before = hidden_cells(visitor)
    data = {**VALID, "MIN_GROUP_SIZE": "1000"}
    assert admin.post("/admin/settings", data=data).status_code == 302
    assert hidden_cells(visitor) > before


def test_official_results_appear_on_the_public_page_once_the_administrator_allows_it(
    admin,
    app,
    results_world,  # noqa: F811
):
    visitor = app.test_client()
    address = "/results?year=2026&questionnaire=onestop-quick"
    assert "Công chức năm 2026" not in visitor.get(address).get_data(as_text=True)
    data = {**VALID, "PUBLISH_OFFICIAL_RESULTS": "y", "MIN_RATINGS_FOR_RANKING": "5"}
    assert admin.post("/admin/settings", data=data).status_code == 302
    assert "Công chức năm 2026" in visitor.get(address).get_data(as_text=True)


def store_behind_the_apps_back(app, name, value):
    """A change made by another process: straight into the database."""
    with app.app_context():
        db.session.merge(Setting(name=name, value=value))
        db.session.commit()


def test_another_process_s_change_is_seen_once_the_cache_time_has_passed(app):
    app.config["SETTINGS_CACHE_SECONDS"] = 3600
    with app.test_request_context():
        assert get_setting("CONTACT_RETENTION_DAYS") == app.config["CONTACT_RETENTION_DAYS"]
    store_behind_the_apps_back(app, "CONTACT_RETENTION_DAYS", 7)
    with app.test_request_context():  # still within the cache time: the value read before
        assert get_setting("CONTACT_RETENTION_DAYS") == app.config["CONTACT_RETENTION_DAYS"]
    app.config["SETTINGS_CACHE_SECONDS"] = 0
    with app.test_request_context():
        assert get_setting("CONTACT_RETENTION_DAYS") == 7


def test_a_change_made_in_this_process_is_seen_at_once(admin, app):
    app.config["SETTINGS_CACHE_SECONDS"] = 3600
    with app.test_request_context():
        assert get_setting("CONTACT_RETENTION_DAYS") == app.config["CONTACT_RETENTION_DAYS"]
    assert (
        admin.post("/admin/settings", data={**VALID, "CONTACT_RETENTION_DAYS": "7"}).status_code
        == 302
    )
    with app.test_request_context():
        assert get_setting("CONTACT_RETENTION_DAYS") == 7


@pytest.mark.parametrize(
    ("stored_limit", "shown"),
    [
        ("20 per hour", {"count": "20", "period": "hour"}),
        ("5/minute", {"count": "5", "period": "minute"}),
        ("5 per 10 minutes", {"count": "720", "period": "day"}),  # the same rate, per day
        ("2 per second", {"count": "172800", "period": "day"}),
    ],
)
def test_a_stored_limit_is_shown_as_a_number_and_a_period(stored_limit, shown):
    assert rate_limit_data(stored_limit) == shown


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("CONTACT_RETENTION_DAYS", "ngày"),
        ("FEEDBACK_ACKNOWLEDGE_WORKING_DAYS", "ngày làm việc"),
        ("FEEDBACK_ANSWER_WORKING_DAYS", "ngày làm việc"),
        ("DOSSIER_COVERAGE_PERCENT", "%"),
        ("MIN_GROUP_SIZE", "phiếu"),
    ],
)
def test_a_duration_or_a_count_shows_its_unit_beside_the_field_and_stores_the_bare_number(
    admin, app, name, unit
):
    text = admin.get("/admin/settings").get_data(as_text=True)
    assert f'<span class="unit" id="{name}-unit">{unit}</span>' in text
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', text).group(0)
    assert f"{name}-unit" in re.search(r'aria-describedby="([^"]*)"', field).group(1)
    changed = str(int(VALID[name]) + 1) if name in VALID else "6"
    assert admin.post("/admin/settings", data={**VALID, name: changed}).status_code == 302
    assert stored(app)[name] == int(changed)
