"""The feedback loop in a real browser: a citizen asks for a call-back on a phone, the
agency manager acknowledges and answers on a desktop, the receipt page shows the answer."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from survey.accounts.models import Role
from survey.db import db, write_session
from survey.feedback.cases import Opening, open_case
from survey.feedback.models import CaseSource
from survey.org.models import Agency
from tests.browser.conftest import serious_violations
from tests.collect.kiosk_helpers import make_kiosk_desk
from tests.factories import OFFICER_PASSWORD, make_agency, make_user

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}


def test_a_call_back_request_is_answered_and_the_citizen_reads_the_answer(
    live_server, new_context, axe_script
):
    app = live_server.app
    desk = make_kiosk_desk(app)
    with app.app_context(), write_session() as session:
        agency = session.scalar(db.select(Agency))
        make_user(session, Role.AGENCY_MANAGER, agency=agency, email="quanly@hailong.example")

    # The citizen, on a phone.
    # bypass_csp: the accessibility scan is a script the test adds, not the page.
    phone = new_context(locale="vi-VN", bypass_csp=True, **PHONE).new_page()
    phone.goto(f"{live_server.url}/q/{desk.code}")
    phone.get_by_label("Không hài lòng").first.check()
    phone.get_by_text("Góp thêm ý kiến").click()  # the optional questions are folded
    phone.locator("#callback_consent").check()
    phone.locator("#callback_phone").fill("0912 345 678")
    phone.get_by_role("button", name="Gửi đánh giá").click()
    phone.wait_for_url("**/thanks**")
    receipt = phone.locator(".receipt-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{10}", receipt)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.locator(".receipt-link").click()
    phone.wait_for_url(f"**/feedback/{receipt}")
    assert "Mới" in phone.locator(".case-status").inner_text()
    assert serious_violations(phone, axe_script) == []

    # The agency manager, at a desk.
    desk_page = new_context(locale="vi-VN", viewport={"width": 1280, "height": 900}).new_page()
    desk_page.goto(f"{live_server.url}/sign-in")
    desk_page.locator("input[name=email]").fill("quanly@hailong.example")
    desk_page.locator("input[name=password]").fill(OFFICER_PASSWORD)
    desk_page.locator("input[name=password]").press("Enter")
    desk_page.wait_for_url("**/officer/")
    assert "1 đang mở" in desk_page.locator(".case-counts").inner_text()
    desk_page.get_by_role("link", name="Phản ánh, kiến nghị").first.click()
    desk_page.locator(".case-list a").first.click()
    desk_page.get_by_label("Trạng thái mới").select_option("acknowledged")
    desk_page.get_by_role("button", name="Lưu thay đổi").click()
    assert desk_page.locator(".case-state").inner_text() == "Đã tiếp nhận"
    desk_page.get_by_label("Trạng thái mới").select_option("answered")
    desk_page.get_by_label("Nội dung trả lời người dân").fill(
        "Cơ quan đã liên hệ và hướng dẫn Ông/Bà hoàn thiện hồ sơ."
    )
    desk_page.get_by_role("button", name="Lưu thay đổi").click()
    assert desk_page.locator(".case-state").inner_text() == "Đã trả lời"

    # The citizen opens the receipt again.
    phone.reload()
    assert "Đã trả lời" in phone.locator(".case-status").inner_text()
    assert "hướng dẫn Ông/Bà hoàn thiện hồ sơ" in phone.locator(".reply").inner_text()
    assert "quanly@" not in phone.content() and "0912" not in phone.content()


def test_the_case_list_scrolls_inside_its_box_on_a_phone(live_server, new_context):
    """At 360 px the wide case list scrolls in its own box; the page never scrolls sideways."""
    app = live_server.app
    with app.app_context(), write_session() as session:
        agency = make_agency(session, name="UBND Phường Bình Đức")
        opening = Opening(source=CaseSource.DIRECT, agency_id=agency.id, language="vi")
        open_case(session, opening, datetime(2026, 12, 1, 2, 0))
        make_user(session, Role.AGENCY_MANAGER, agency=agency, email="hep@hailong.example")
    page = new_context(locale="vi-VN", **PHONE).new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.locator("input[name=email]").fill("hep@hailong.example")
    page.locator("input[name=password]").fill(OFFICER_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_url("**/officer/")
    page.goto(f"{live_server.url}/officer/cases/")
    assert page.locator("table.case-list tbody tr").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
