"""The dossier import page in Chromium: the upload's progress bar, the server's work said
in words, then the page the server answers with; and the same form without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from survey.db import db, write_session
from survey.dossiers.imports import COLUMNS
from survey.dossiers.models import Dossier
from tests.browser.conftest import serious_violations
from tests.browser.test_admin_browser import OFFICE, signed_in_admin
from tests.factories import OFFICER_PASSWORD, make_agency, make_user

pytestmark = pytest.mark.browser

ROWS = 3_000  # some hundred kilobytes: the upload reports progress


@pytest.fixture
def dossier_file(live_server, tmp_path):
    with live_server.app.app_context(), write_session() as session:
        make_agency(session, code="AG-WEB")
    path = tmp_path / "dossiers.csv"
    lines = [",".join(COLUMNS)] + [
        f"000.00.01.H01-{number:06d},AG-WEB,,,,direct,2025-07-01T08:00,2025-07-04,,,,none,"
        "both,full,none,partial"
        for number in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stored(live_server) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Dossier))


def test_the_upload_shows_its_progress_then_the_result(
    live_server, new_context, dossier_file, axe_script
):
    page = signed_in_admin(live_server, new_context)
    page.goto(f"{live_server.url}/admin/dossiers/import")
    assert serious_violations(page, axe_script) == []
    # Every status the page says, kept across the page the server answers with.
    page.evaluate(
        """() => {
        window.statuses = [];
        new MutationObserver(() => {
          const status = document.querySelector("[data-upload-status]");
          const bar = document.querySelector("progress.upload-progress");
          if (status && status.textContent) {
            window.statuses.push([status.textContent, bar.hidden, bar.hasAttribute("value")]);
          }
        }).observe(document, {subtree: true, childList: true, characterData: true});
        }"""
    )
    page.set_input_files("input[type=file]", str(dossier_file))
    page.get_by_role("button", name="Kiểm tra tệp (chạy thử)").click()
    expect(page.locator(".import-summary")).to_contain_text(f"{ROWS} hồ sơ, {ROWS} mới")
    statuses = page.evaluate("window.statuses")
    texts = [text for text, _hidden, _determinate in statuses]
    assert texts[0].startswith("Đang gửi tệp")
    assert any(text.startswith("Đang kiểm tra tệp") for text in texts), texts
    assert all(not hidden for _text, hidden, _determinate in statuses)  # the bar was shown
    assert stored(live_server) == 0
    page.set_input_files("input[type=file]", str(dossier_file))
    page.get_by_role("button", name="Nhập tệp").click()
    expect(page.locator("main")).to_contain_text(f"Đã nhập {ROWS} hồ sơ: {ROWS} mới")
    assert any(text.startswith("Đang nhập") for text, _h, _d in page.evaluate("window.statuses"))
    assert page.url.endswith("/admin/dossiers/import")
    assert stored(live_server) == ROWS


def test_without_javascript_the_form_still_imports(live_server, new_context, dossier_file):
    with live_server.app.app_context(), write_session() as session:
        email = make_user(session, "administrator", email="admin@hailong.example").email
    page = new_context(**OFFICE, java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#email", email)
    page.fill("#password", OFFICER_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.goto(f"{live_server.url}/admin/dossiers/import")
    page.set_input_files("input[type=file]", str(dossier_file))
    page.get_by_role("button", name="Nhập tệp").click()
    expect(page.locator("main")).to_contain_text(f"Đã nhập {ROWS} hồ sơ")
    assert stored(live_server) == ROWS
