"""Each role signs in and reaches every results page by clicking, from the start page."""

from __future__ import annotations

from datetime import date

from survey import start
from survey.db import write_session
from survey.org.models import Agency
from tests.factories import OFFICER_PASSWORD, make_user
from tests.results.dataset import build_organisation, submit

#: Link on the start page → the heading of the page it opens.
RESULTS_PAGES = {
    "Tổng quan": "Tổng quan kết quả",
    "So sánh các cơ quan, đơn vị": "So sánh các cơ quan, đơn vị",
    "Công chức": "Công chức",
    "Các tiêu chí": "Các tiêu chí",
}
ROLES = ("administrator", "reform_office", "agency_manager", "viewer")


def test_every_role_clicks_from_the_start_page_to_every_results_page(
    live_server, new_context, monkeypatch
):
    monkeypatch.setattr(start, "local_today", lambda: date(2026, 2, 15))
    with live_server.app.app_context():
        organisation = build_organisation()
        submit(organisation, responses=300, seed=5)
        with write_session() as session:
            ward = session.get(Agency, organisation.agency_ids[1])
            emails = {
                role: make_user(
                    session,
                    role,
                    agency=ward if role in ("agency_manager", "viewer") else None,
                    email=f"start-{role}@hailong.example",
                ).email
                for role in ROLES
            }
    for role, email in emails.items():
        page = new_context(locale="vi-VN").new_page()
        page.goto(f"{live_server.url}/sign-in")
        page.fill("#email", email)
        page.fill("#password", OFFICER_PASSWORD)
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/officer/")
        headline = page.locator(".start-headline")
        assert "Quý 1/2026, đến ngày 15/02/2026" in headline.inner_text(), role
        assert headline.locator(".headline-figure").count() == 3, role
        links = page.locator("nav.start-links")
        assert links.get_by_role("link", name="Các trang quản trị", exact=True).count() == (
            1 if role in ("administrator", "reform_office") else 0
        ), role
        for link, heading in RESULTS_PAGES.items():
            links.get_by_role("link", name=link, exact=True).click()
            page.wait_for_load_state()
            assert page.locator("h1").inner_text() == heading, (role, link)
            # Back to the start page through the navigation bar, as an officer would.
            page.locator("nav.officer-nav").get_by_role("link", name="Trang cán bộ").click()
            page.wait_for_url("**/officer/")
        page.locator("nav.officer-nav").get_by_role("link", name="Kết quả").click()
        assert page.locator("h1").inner_text() == "Tổng quan kết quả", role
