"""Administration pages in Chromium on an office screen (1366 px): nothing overflows, axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from survey.accounts.models import AuditEvent
from survey.db import db, write_session
from survey.org.models import ServicePoint
from survey.questionnaires.definition import builtin_definitions
from survey.questionnaires.models import QuestionnaireVersion
from tests.browser.conftest import serious_violations
from tests.collect.kiosk_helpers import make_kiosk_desk
from tests.factories import OFFICER_PASSWORD, make_published_version, make_user

pytestmark = pytest.mark.browser

OFFICE = {"viewport": {"width": 1366, "height": 768}, "locale": "vi-VN", "bypass_csp": True}


def signed_in_admin(live_server, new_context):
    with live_server.app.app_context(), write_session() as session:
        email = make_user(session, "administrator", email="admin@hailong.example").email
    page = new_context(**OFFICE).new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#email", email)
    page.fill("#password", OFFICER_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/officer/**")
    return page


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_audit_log_fits_the_screen_and_reads_as_words(live_server, new_context, axe_script):
    with live_server.app.app_context(), write_session() as session:
        long = "Ủy ban nhân dân xã " + "Mỹ Hòa Hưng " * 20
        session.add(
            AuditEvent(
                action="agency.updated",
                target="agency:AG-X-MHH-" + "9" * 60,
                details={
                    "before": {"name": "Xã cũ", "code": "AG"},
                    "after": {"name": long, "code": "AG"},
                },
            )
        )
    page = signed_in_admin(live_server, new_context)
    page.goto(f"{live_server.url}/admin/audit")
    row = page.locator(".audit-table tbody > tr", has_text="agency.updated")
    assert "Đơn vị: đã thay đổi" in row.inner_text()
    assert row.locator(".audit-diff .before").inner_text() == "Xã cũ"
    assert row.locator(".audit-diff tbody tr").count() == 1  # the unchanged code is left out
    assert no_horizontal_overflow(page)
    assert serious_violations(page, axe_script) == []


def test_revoking_a_qr_code_asks_first(live_server, new_context, axe_script):
    desk = make_kiosk_desk(live_server.app)
    page = signed_in_admin(live_server, new_context)
    with live_server.app.app_context():
        agency_id = db.session.get(ServicePoint, desk.desk_id).agency_id
    page.goto(f"{live_server.url}/admin/qr/?agency={agency_id}")
    page.get_by_role("link", name="Thu hồi và cấp mã mới…").first.click()
    # Waits for the confirmation page (read at once, a loaded machine gave the old page's end).
    expect(page.locator("main")).to_contain_text("ngừng hoạt động ngay lập tức")
    assert serious_violations(page, axe_script) == []
    page.get_by_role("link", name="Hủy: giữ nguyên mã").click()
    expect(page.locator("main")).to_contain_text(desk.code)  # still the same code


def test_the_settings_page_has_number_and_period(live_server, new_context, axe_script):
    page = signed_in_admin(live_server, new_context)
    page.goto(f"{live_server.url}/admin/settings")
    page.fill("input[name='PHONE_SUBMIT_LIMIT-count']", "30")
    page.select_option("select[name='PHONE_SUBMIT_LIMIT-period']", "minute")
    assert serious_violations(page, axe_script) == []
    page.get_by_role("button", name="Lưu các thiết lập").click()
    assert page.locator("select[name='PHONE_SUBMIT_LIMIT-period']").input_value() == "minute"
    assert page.locator("input[name='PHONE_SUBMIT_LIMIT-count']").input_value() == "30"
    assert no_horizontal_overflow(page)


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1024, "height": 768}, {"width": 1366, "height": 768}],
    ids=["tablet", "desktop"],
)
def test_the_questionnaire_editor_reads_in_words_and_saves_a_point_rule(
    live_server, new_context, axe_script, viewport
):
    with live_server.app.app_context(), write_session() as session:
        published = make_published_version(session, "onestop-quick").id
    page = signed_in_admin(live_server, new_context)
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/admin/questionnaires/")
    page.select_option("#source", f"version:{published}")
    page.get_by_role("button", name="Tạo bản nháp").click()
    expect(page.locator("h1")).to_have_text("Đánh giá việc giải quyết hồ sơ tại Bộ phận Một cửa")
    draft_number = builtin_definitions()["onestop-quick"]["version"] + 1
    expect(page.locator(".version-meta")).to_contain_text(f"Phiên bản số {draft_number}")
    assert page.locator("textarea.json, textarea[name='scoring']").count() == 0
    assert no_horizontal_overflow(page)
    assert serious_violations(page, axe_script) == []
    # Index 1: "after the date on the receipt" now gives 1 point, typed in a labelled field.
    # Each index is folded under its name; opened, its fields are there.
    index = page.locator("details.editor-fold", has_text="Chỉ số 1: Tổng thời gian")
    index.locator("summary").click()
    index.get_by_label("Trễ hơn ngày hẹn").fill("1")
    page.get_by_role("button", name="Lưu bản nháp").click()
    expect(page.locator(".flash")).to_contain_text("Đã lưu bản nháp")
    # The page comes back with the index just changed open, the others folded.
    expect(index).to_have_attribute("open", "")
    expect(page.locator("details.editor-fold[open]")).to_have_count(1)
    with live_server.app.app_context():
        draft = db.session.scalars(
            select(QuestionnaireVersion).where(QuestionnaireVersion.published_dt.is_(None))
        ).one()
        assert draft.definition["scoring"]["onestop"]["indices"][0]["points"]["3"] == 1


def test_the_questionnaire_editor_fits_a_phone(live_server, new_context):
    with live_server.app.app_context(), write_session() as session:
        version = make_published_version(session, "sipas").id
    page = signed_in_admin(live_server, new_context)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/admin/questionnaires/versions/{version}")
    expect(page.locator("h1")).to_contain_text("Phiếu khảo sát")
    assert no_horizontal_overflow(page)
