"""The phone form after scanning a desk's QR code, in a real browser at phone size."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from survey.collect.models import Channel, Response
from survey.db import db
from tests.browser.conftest import serious_violations
from tests.collect.kiosk_helpers import make_kiosk_desk

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}
TEXTS = {
    "vi": {
        "locale": "vi-VN",
        "title": "Đánh giá việc giải quyết hồ sơ tại Bộ phận Một cửa",
        "choice": "Rất hài lòng",
        "send": "Gửi đánh giá",
        "thanks": "Trân trọng cảm ơn Ông/Bà!",
    },
    "en": {
        "locale": "en-US",
        "title": "Rate how your dossier was handled at the one-stop desk",
        "choice": "Very satisfied",
        "send": "Send my rating",
        "thanks": "Thank you very much!",
    },
}
BUDGET_BYTES = 50 * 1024


def stored(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(select(Response.channel, Response.language)).all()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_citizen_rates_on_a_phone_and_a_refresh_of_the_thanks_adds_nothing(
    live_server, new_context, language
):
    texts = TEXTS[language]
    desk = make_kiosk_desk(live_server.app)
    page = new_context(locale=texts["locale"], **PHONE).new_page()
    page.goto(f"{live_server.url}/q/{desk.code}")
    assert page.locator("h1").inner_text() == texts["title"]
    page.get_by_label(texts["choice"]).check()
    page.get_by_role("button", name=texts["send"]).click()
    page.wait_for_url("**/thanks**")
    assert page.locator("h1").inner_text() == texts["thanks"]
    page.reload()
    assert page.locator("h1").inner_text() == texts["thanks"]
    assert stored(live_server.app) == [(Channel.QR, language)]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_back_and_send_again_still_stores_one_response(live_server, new_context, language):
    texts = TEXTS[language]
    desk = make_kiosk_desk(live_server.app)
    page = new_context(locale=texts["locale"], **PHONE).new_page()
    page.goto(f"{live_server.url}/q/{desk.code}")
    page.get_by_label(texts["choice"]).check()
    page.get_by_role("button", name=texts["send"]).click()
    page.wait_for_url("**/thanks**")
    page.go_back()  # the citizen is unsure it went through, and sends again
    page.get_by_label(texts["choice"]).check()
    page.get_by_role("button", name=texts["send"]).click()
    page.wait_for_url("**/thanks**")
    assert page.locator("h1").inner_text() == texts["thanks"]
    assert stored(live_server.app) == [(Channel.QR, language)]


def test_the_phone_form_can_be_completed_with_the_keyboard_alone(live_server, new_context):
    desk = make_kiosk_desk(live_server.app)
    page = new_context(locale="vi-VN").new_page()
    page.goto(f"{live_server.url}/q/{desk.code}")

    def focus_reaches(selector: str) -> None:
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement.matches({selector!r})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    focus_reaches("input[name='a-overall_satisfaction']")
    page.keyboard.press("Space")
    assert page.locator("input[name='a-overall_satisfaction']:checked").count() == 1
    focus_reaches("button[type='submit']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks**")
    assert stored(live_server.app) == [(Channel.QR, "vi")]


def test_the_first_load_is_small_and_asks_no_other_host(live_server, new_context):
    desk = make_kiosk_desk(live_server.app)
    context = new_context(locale="vi-VN", **PHONE)
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    transferred = []
    session.on(
        "Network.loadingFinished", lambda event: transferred.append(event["encodedDataLength"])
    )
    addresses = []
    page.on("request", lambda request: addresses.append(request.url))
    page.goto(f"{live_server.url}/q/{desk.code}", wait_until="networkidle")
    own = urlsplit(live_server.url).netloc
    assert addresses
    assert {urlsplit(address).netloc for address in addresses} == {own}
    total = sum(transferred)
    print(f"first load of /q/<code>: {total} bytes in {len(addresses)} requests")
    assert 0 < total <= BUDGET_BYTES


def test_the_phone_form_and_thanks_page_have_no_serious_accessibility_problem(
    live_server, new_context, axe_script
):
    desk = make_kiosk_desk(live_server.app)
    # axe is injected as a script of the test's own; the page's policy would (rightly) block it.
    page = new_context(locale="vi-VN", bypass_csp=True, **PHONE).new_page()
    page.goto(f"{live_server.url}/q/{desk.code}")
    assert serious_violations(page, axe_script) == []
    page.get_by_label("Rất hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url("**/thanks**")
    assert serious_violations(page, axe_script) == []


TABLETS = [
    {"viewport": {"width": 1024, "height": 768}, "has_touch": True},
    {"viewport": {"width": 800, "height": 1280}, "has_touch": True},
]


@pytest.mark.parametrize("size", [PHONE, *TABLETS], ids=["360", "1024x768", "800x1280"])
def test_the_quick_rating_can_be_sent_from_the_first_screen(live_server, new_context, size):
    desk = make_kiosk_desk(live_server.app)
    page = new_context(locale="vi-VN", **size).new_page()
    page.goto(f"{live_server.url}/q/{desk.code}")
    send = page.get_by_role("button", name="Gửi đánh giá")
    height = size["viewport"]["height"]
    assert send.bounding_box()["y"] + send.bounding_box()["height"] <= height
    # The optional questions are folded, one tap away.
    harassment = page.locator("input[name='a-harassment']").first
    assert not harassment.is_visible()
    page.get_by_text("Góp thêm ý kiến").click()
    assert harassment.is_visible()


def test_an_error_is_summarised_at_the_top_focused_and_linked_to_its_field(
    live_server, new_context, axe_script
):
    desk = make_kiosk_desk(live_server.app)
    page = new_context(locale="vi-VN", bypass_csp=True, **PHONE).new_page()
    page.goto(f"{live_server.url}/q/{desk.code}")
    page.get_by_label("Rất hài lòng").check()
    page.get_by_text("Góp thêm ý kiến").click()
    page.locator("#callback_consent").check()  # consent, but no number
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert page.evaluate("document.activeElement.className") == "error-summary"
    assert summary.bounding_box()["y"] < 640
    assert "Ông/Bà vui lòng nhập số điện thoại để được gọi lại" in summary.inner_text()
    assert page.locator("#callback_consent").get_attribute("aria-invalid") == "true"
    assert serious_violations(page, axe_script) == []
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "callback_consent"
    # In view (scrolled to the top edge, give or take a fraction of a pixel).
    assert -1 < page.locator("#callback_consent").bounding_box()["y"] < 640
    assert stored(live_server.app) == []


def test_the_comment_counts_characters_left_and_a_long_one_is_refused_whole(
    live_server, new_context
):
    desk = make_kiosk_desk(live_server.app)
    page = new_context(locale="vi-VN", **PHONE).new_page()
    page.goto(f"{live_server.url}/q/{desk.code}")
    page.get_by_label("Rất hài lòng").check()
    page.get_by_text("Góp thêm ý kiến").click()
    comment = page.locator("#a-comment")
    assert page.locator("#count-comment").inner_text() == "Còn 1000 ký tự"
    comment.fill("Cán bộ tận tình")
    assert page.locator("#count-comment").inner_text() == "Còn 985 ký tự"
    comment.fill("x" * 1003)  # not cut by the browser
    assert page.locator("#count-comment").inner_text() == "Vượt quá 3 ký tự"
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_load_state()
    assert "tối đa 1000 ký tự" in page.locator(".error-summary").inner_text()
    assert page.locator("#a-comment").input_value() == "x" * 1003
    assert stored(live_server.app) == []


def test_khmer_renders_with_the_shipped_font_and_vietnamese_never_loads_it(
    live_server, new_context, axe_script
):
    desk = make_kiosk_desk(live_server.app)
    page = new_context(locale="km-KH", bypass_csp=True, **PHONE).new_page()
    fonts = []
    page.on("request", lambda request: fonts.append(request.url) if ".woff" in request.url else 0)
    page.goto(f"{live_server.url}/q/{desk.code}?lang=km", wait_until="networkidle")
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.family.includes('Hai Long Khmer')"
        " && f.status === 'loaded').length"
    )
    assert loaded >= 1
    assert any(url.endswith("NotoSansKhmer-Regular.woff") for url in fonts), fonts
    # Every glyph of the heading is drawn by the shipped font, none is a missing-glyph box.
    assert page.evaluate("document.fonts.check('16px \"Hai Long Khmer\"', 'ការវាយតម្លៃ')")
    assert serious_violations(page, axe_script) == []
    fonts.clear()
    page.goto(f"{live_server.url}/q/{desk.code}?lang=vi", wait_until="networkidle")
    # Only the 2 KB font of the switcher's five Khmer letters, never the Khmer font itself.
    assert [url.rsplit("/", 1)[1] for url in fonts] in ([], ["NotoSansKhmer-LanguageName.woff"])
