"""The questionnaire editor in Chromium on a phone, both tablet sizes and an office screen:
folded parts that fit the screen, problems in Vietnamese beside their field, axe-clean."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from survey.db import write_session
from tests.browser.conftest import serious_violations
from tests.browser.test_admin_browser import no_horizontal_overflow, signed_in_admin
from tests.factories import make_published_version

pytestmark = pytest.mark.browser

#: The SIPAS editor's height before the parts were folded (px, measured with these tests'
#: setup on the published version 3): 59,981 at 360 px, 42,246 at 1024×768, 48,531 at
#: 800×1280 and 30,238 at 1366 px.
SCREENS = {
    "phone": ({"width": 360, "height": 740}, 8000),
    "tablet-landscape": ({"width": 1024, "height": 768}, 6000),
    "tablet-portrait": ({"width": 800, "height": 1280}, 6000),
}


def open_sipas_draft(live_server, new_context, viewport):
    with live_server.app.app_context(), write_session() as session:
        published = make_published_version(session, "sipas").id
    page = signed_in_admin(live_server, new_context)
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/admin/questionnaires/")
    page.select_option("#source", f"version:{published}")
    page.get_by_role("button", name="Tạo bản nháp").click()
    expect(page.locator("h1")).to_contain_text("Phiếu khảo sát")
    return page


@pytest.mark.parametrize("screen", SCREENS, ids=list(SCREENS))
def test_the_sipas_editor_is_folded_into_parts_that_fit_the_screen(
    live_server, new_context, axe_script, screen
):
    viewport, most = SCREENS[screen]
    page = open_sipas_draft(live_server, new_context, viewport)
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"SIPAS editor height at {viewport['width']}x{viewport['height']}: {height} px")
    assert height < most
    assert no_horizontal_overflow(page)
    assert serious_violations(page, axe_script) == []
    # The contents list leads to a section, which opens (details content is found by the link).
    first = page.locator("details.editor-section").first
    expect(first).not_to_have_attribute("open", "")
    first.locator("summary").click()
    expect(first.locator("textarea").first).to_be_visible()
    assert no_horizontal_overflow(page)
    assert serious_violations(page, axe_script) == []
    # A line of the contents opens its section (the browser unfolds what a link leads into).
    page.locator(".editor-toc").get_by_role("link", name="Kết quả giải quyết").click()
    result = page.locator("details.editor-section").nth(3)  # Phần 4: Kết quả giải quyết
    expect(result).to_have_attribute("open", "")
    expect(result.locator("textarea").first).to_be_in_viewport()
    # The save button is always within reach at the bottom of the screen.
    save = page.get_by_role("button", name="Lưu bản nháp")
    expect(save).to_be_in_viewport()


def test_a_problem_opens_its_part_and_is_named_in_vietnamese(live_server, new_context, axe_script):
    page = open_sipas_draft(live_server, new_context, {"width": 1024, "height": 768})
    section = page.locator("details.editor-section").nth(1)
    section.locator("summary").click()
    section.get_by_label("Mã câu hỏi").first.fill("Mã Sai")
    page.get_by_role("button", name="Lưu bản nháp").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("câu hỏi 1, mã câu hỏi")
    expect(summary).to_contain_text("mã chỉ gồm chữ Latinh thường không dấu")
    # Its part is open, the others folded; the link leads to the message beside the field.
    expect(page.locator("details.editor-section").nth(1)).to_have_attribute("open", "")
    expect(page.locator("details.editor-section").nth(0)).not_to_have_attribute("open", "")
    # (The factor whose criterion it was names the same problem first.)
    expect(summary).to_contain_text("Yếu tố 2: Thủ tục hành chính, tiêu chí 1")
    summary.get_by_role("link", name="Phần “Thủ tục hành chính”, câu hỏi 1, mã câu hỏi").click()
    field = page.locator("input[aria-invalid=true]")
    expect(field).to_have_count(1)
    expect(field).to_be_in_viewport()
    assert serious_violations(page, axe_script) == []
    page.screenshot(path="/tmp/hd/editor-problem-1024.png")
