"""The kiosk tablet in a real browser: pairing, the rating flow, resets, offline queueing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from survey.collect.models import Answer, Channel, Response
from survey.db import db, write_session
from survey.org.models import ServicePoint
from tests.browser.conftest import serious_violations, wait_until
from tests.collect.kiosk_helpers import make_kiosk_desk, register
from tests.factories import make_official

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 1280, "height": 800}, "has_touch": True, "locale": "vi-VN"}


def responses(app) -> list[Response]:
    with app.app_context():
        return db.session.scalars(select(Response).order_by(Response.id)).all()


def paired_kiosk(live_server, new_context, **options):
    """A tablet opened the pairing link and confirmed; it now shows the kiosk."""
    desk = make_kiosk_desk(live_server.app)
    device_id, token = register(live_server.app, desk.code)
    page = new_context(**{**TABLET, **options}).new_page()
    page.goto(f"{live_server.url}/kiosk/pair/{token}")
    page.get_by_role("button", name="Ghép nối máy tính bảng này").click()
    page.wait_for_url("**/kiosk/")
    step(page, "official")
    return page, desk, device_id


def step(page, name: str, timeout: float = 10_000) -> None:
    page.wait_for_selector(f"#screen[data-step='{name}']", timeout=timeout)


def rate(page, official: str | None = None, value: str = "3") -> None:
    """One citizen: who served them (or skip), the face, then finish."""
    if official:
        page.click(f"button[data-official='{official}']")
    else:
        page.get_by_role("button", name="Tôi không biết / bỏ qua").click()
    step(page, "overall_satisfaction")
    page.click(f"button[data-value='{value}']")
    step(page, "result_timeliness")
    page.get_by_role("button", name="Hoàn tất và gửi").click()
    step(page, "thanks")


def test_a_citizen_rates_on_the_kiosk_and_it_starts_again_by_itself(live_server, new_context):
    page, desk, _ = paired_kiosk(live_server, new_context)
    assert page.get_by_role("heading", level=1).inner_text() == "Công chức nào đã phục vụ Ông/Bà?"
    assert page.locator("button.official .initials").inner_text() == "NA"
    page.click(f"button[data-official='{desk.official_code}']")
    step(page, "overall_satisfaction")
    faces = page.locator("button.option")
    assert faces.all_inner_texts() == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
    assert page.locator("button.option svg.face").count() == 3
    page.click("button[data-value='2']")
    step(page, "result_timeliness")
    page.click("button[data-value='na']")
    step(page, "extra_contacts")
    page.get_by_role("button", name="Hoàn tất và gửi").click()
    step(page, "thanks")
    assert page.locator("h1").inner_text() == "Trân trọng cảm ơn Ông/Bà!"
    step(page, "official", timeout=5_000)  # by itself, a second after the thanks
    assert page.locator(".thanks").count() == 0
    wait_until(lambda: len(responses(live_server.app)) == 1)
    stored = responses(live_server.app)[0]
    assert stored.channel is Channel.KIOSK
    assert stored.official_id == desk.official_id
    assert stored.language == "vi"
    assert page.locator("#status").inner_text() == ""


def test_the_citizen_can_switch_language_and_the_next_one_starts_in_vietnamese(
    live_server, new_context
):
    page, _, _ = paired_kiosk(live_server, new_context)
    page.get_by_role("button", name="ខ្មែរ").click()
    assert page.get_by_role("heading", level=1).inner_text() == "តើមន្ត្រីណាបានបម្រើលោកអ្នក?"
    assert page.evaluate("document.documentElement.lang") == "km"
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="I do not know / skip").click()
    step(page, "overall_satisfaction")
    assert page.locator("button.option").all_inner_texts() == [
        "Very satisfied",
        "Satisfied",
        "Not satisfied",
    ]
    page.click("button[data-value='3']")
    page.get_by_role("button", name="Finish and send").click()
    step(page, "thanks")
    assert page.locator("h1").inner_text() == "Thank you very much!"
    step(page, "official", timeout=5_000)
    assert page.evaluate("document.documentElement.lang") == "vi"
    wait_until(lambda: [r.language for r in responses(live_server.app)] == ["en"])


def test_an_idle_kiosk_counts_down_a_touch_cancels_and_then_it_resets(live_server, new_context):
    live_server.app.config.update(KIOSK_IDLE_SECONDS=1, KIOSK_COUNTDOWN_SECONDS=3)
    page, desk, _ = paired_kiosk(live_server, new_context)
    page.click(f"button[data-official='{desk.official_code}']")
    step(page, "overall_satisfaction")
    countdown = page.locator("#countdown")
    countdown.wait_for(state="visible", timeout=5_000)
    assert page.locator("#countdown-number").inner_text() in {"3", "2", "1"}
    page.mouse.click(20, 20)  # any touch
    countdown.wait_for(state="hidden", timeout=2_000)
    assert page.locator("#screen").get_attribute("data-step") == "overall_satisfaction"
    countdown.wait_for(state="visible", timeout=5_000)  # left alone again
    step(page, "official", timeout=8_000)
    assert countdown.is_hidden()
    assert responses(live_server.app) == []  # an unfinished rating is not sent


def test_ratings_made_offline_are_kept_and_sent_once_when_back_online(live_server, new_context):
    # Service workers are left out here: only the page's own queue is under test.
    page, desk, _ = paired_kiosk(live_server, new_context, service_workers="block")
    context = page.context
    context.set_offline(True)
    rate(page, desk.official_code, "3")
    step(page, "official")
    rate(page, None, "1")
    step(page, "official")
    rate(page, None, "2")
    unsent = page.locator("#status .unsent")
    unsent.wait_for()
    assert unsent.get_attribute("data-count") == "3"
    assert unsent.inner_text() == "Đánh giá chưa gửi: 3"
    assert responses(live_server.app) == []
    context.set_offline(False)
    unsent.wait_for(state="detached", timeout=15_000)
    wait_until(lambda: len(responses(live_server.app)) == 3)
    with live_server.app.app_context():
        overall = select(Answer.value).where(Answer.item_key == "overall_satisfaction")
        assert sorted(db.session.scalars(overall)) == [1, 2, 3]
    assert len({r.uuid for r in responses(live_server.app)}) == 3
    assert page.evaluate("localStorage.getItem('hailong.kiosk.queue')") == "[]"


def test_a_kiosk_reloaded_while_the_server_is_down_still_works(live_server, new_context):
    page, desk, _ = paired_kiosk(live_server, new_context)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    step(page, "official")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    live_server.stop()
    page.context.set_offline(True)
    page.reload()
    step(page, "official")
    rate(page, desk.official_code, "3")
    page.locator("#status .unsent[data-count='1']").wait_for()


def test_a_revoked_kiosk_says_so_politely(live_server, new_context):
    page, _, device_id = paired_kiosk(live_server, new_context)
    result = live_server.app.test_cli_runner().invoke(args=["revoke-kiosk", str(device_id)])
    assert result.exit_code == 0, result.output
    page.reload()
    assert page.locator("h1").inner_text() == "Thiết bị này không còn được đăng ký"


def test_the_kiosk_screens_have_no_serious_accessibility_problem(
    live_server, new_context, axe_script
):
    page, desk, _ = paired_kiosk(live_server, new_context, bypass_csp=True)
    assert serious_violations(page, axe_script) == []
    page.click(f"button[data-official='{desk.official_code}']")
    step(page, "overall_satisfaction")
    assert serious_violations(page, axe_script) == []
    page.click("button[data-value='3']")
    page.get_by_role("button", name="Hoàn tất và gửi").click()
    step(page, "thanks")
    assert serious_violations(page, axe_script) == []


def test_a_mis_tap_is_corrected_with_back_and_progress_is_shown(live_server, new_context):
    page, desk, _ = paired_kiosk(live_server, new_context)
    assert page.locator(".progress").inner_text() == "Câu 1/7"
    assert page.get_by_role("button", name="Quay lại").count() == 0  # nothing before
    page.click(f"button[data-official='{desk.official_code}']")
    step(page, "overall_satisfaction")
    assert page.locator(".progress").inner_text() == "Câu 2/7"
    page.click("button[data-value='1']")  # meant "Rất hài lòng"
    step(page, "result_timeliness")
    assert page.locator(".progress").inner_text() == "Câu 3/7"
    page.get_by_role("button", name="Quay lại").click()
    step(page, "overall_satisfaction")
    assert page.locator("button[data-value='1']").get_attribute("aria-pressed") == "true"
    page.click("button[data-value='3']")
    step(page, "result_timeliness")
    page.get_by_role("button", name="Hoàn tất và gửi").click()
    step(page, "thanks")
    wait_until(lambda: len(responses(live_server.app)) == 1)
    with live_server.app.app_context():
        overall = select(Answer.value).where(Answer.item_key == "overall_satisfaction")
        assert list(db.session.scalars(overall)) == [3]
    step(page, "official")  # and the kiosk still starts again by itself


@pytest.mark.parametrize(
    "viewport", [{"width": 1024, "height": 768}, {"width": 800, "height": 1280}], ids=str
)
def test_twelve_officials_and_skip_fit_a_tablet_screen(
    live_server, new_context, axe_script, viewport
):
    desk = make_kiosk_desk(live_server.app)
    with live_server.app.app_context(), write_session() as session:
        desk_row = session.get(ServicePoint, desk.desk_id)
        for number in range(11):
            make_official(session, desk_row, name=f"Nguyễn Thị Thu Hương {number + 2}")
    _device, token = register(live_server.app, desk.code)
    page = new_context(**{**TABLET, "viewport": viewport}, bypass_csp=True).new_page()
    page.goto(f"{live_server.url}/kiosk/pair/{token}")
    page.get_by_role("button", name="Ghép nối máy tính bảng này").click()
    page.wait_for_url("**/kiosk/")
    step(page, "official")
    officials = page.locator("button.official")
    assert officials.count() == 12
    skip = page.get_by_role("button", name="Tôi không biết / bỏ qua")
    below = skip.bounding_box()
    assert below["y"] + below["height"] <= viewport["height"]
    for box in [officials.nth(n).bounding_box() for n in range(12)]:
        assert box["y"] >= 0 and box["y"] + box["height"] <= below["y"], box
    assert serious_violations(page, axe_script) == []
    skip.click()
    step(page, "overall_satisfaction")


def report_harassment(page) -> None:
    """A citizen who answers every question and reports harassment (it opens a case)."""
    page.get_by_role("button", name="Tôi không biết / bỏ qua").click()
    for key, value in (
        ("overall_satisfaction", "3"),
        ("result_timeliness", "2"),
        ("extra_contacts", "1"),
        ("other_agencies", "1"),
    ):
        step(page, key)
        page.click(f"button[data-value='{value}']")
    step(page, "harassment")
    page.click("button[data-value='1']")
    step(page, "respondent_type")
    page.get_by_role("button", name="Bỏ qua câu này").click()
    step(page, "thanks")


def test_a_rating_that_opens_a_case_shows_its_receipt_long_enough(live_server, new_context):
    from survey.feedback.models import FeedbackCase

    live_server.app.config["KIOSK_RECEIPT_SECONDS"] = 4
    viewport = {"width": 1024, "height": 768}
    page, _desk, _ = paired_kiosk(live_server, new_context, viewport=viewport)
    report_harassment(page)
    code = page.locator(".receipt-code")
    code.wait_for(timeout=5_000)
    with live_server.app.app_context():
        [case] = db.session.scalars(select(FeedbackCase)).all()
        receipt = case.receipt
    assert code.inner_text() == receipt
    address = page.locator(".receipt-address").inner_text()
    assert address == f"{live_server.url}/feedback/{receipt}"
    box = page.locator(".receipt").bounding_box()
    assert box["y"] + box["height"] <= viewport["height"]  # readable without scrolling
    page.screenshot(path="/tmp/h3-kiosk-receipt.png")
    page.wait_for_timeout(2_000)  # past the ordinary thank-you time (1 s here)
    assert page.locator("#screen").get_attribute("data-step") == "thanks"
    step(page, "official", timeout=6_000)  # then it starts again by itself
    assert page.locator(".receipt").count() == 0


def test_a_rating_queued_offline_says_it_has_no_receipt_yet(live_server, new_context):
    viewport = {"width": 1024, "height": 768}
    page, _desk, _ = paired_kiosk(
        live_server, new_context, viewport=viewport, service_workers="block"
    )
    page.context.set_offline(True)
    report_harassment(page)
    queued = page.locator(".receipt-queued")
    queued.wait_for(timeout=3_000)
    assert "Trước đó chưa thể hiển thị mã tiếp nhận" in queued.inner_text()
    page.screenshot(path="/tmp/h3-kiosk-queued.png")
    assert page.locator(".receipt-code").count() == 0
    step(page, "official")  # the ordinary reset, the rating kept in the queue
    page.context.set_offline(False)
    wait_until(lambda: len(responses(live_server.app)) == 1)
