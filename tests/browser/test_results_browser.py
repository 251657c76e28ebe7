"""An officer signs in, filters the results in Chromium, and downloads each format."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from pypdf import PdfReader

from survey.db import write_session
from tests.factories import OFFICER_PASSWORD, make_user
from tests.results.dataset import build_organisation, submit


def test_an_officer_filters_and_downloads_every_format(live_server, new_context, tmp_path):
    with live_server.app.app_context():
        submit(build_organisation(), responses=300, seed=5)
        with write_session() as session:
            email = make_user(session, "reform_office", email="browser@hailong.example").email
    page = new_context(accept_downloads=True, locale="vi-VN").new_page()
    page.goto(f"{live_server.url}/sign-in")
    page.fill("#email", email)
    page.fill("#password", OFFICER_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.goto(f"{live_server.url}/officer/results/")
    page.select_option("#questionnaire", "onestop-quick")
    page.fill("#period", "2026-Q1")
    page.locator("form.report-filter button[type=submit]").click()
    page.wait_for_url("**questionnaire=onestop-quick**")
    assert page.locator("h1").inner_text() == "Tổng quan kết quả"
    assert page.locator("svg.chart").count() >= 1
    assert "Quý 1/2026" in page.locator(".report-filters").inner_text()

    # A bad period: a clear message on the page, not an error.
    page.fill("#period", "2026-Q7")
    page.locator("form.report-filter button[type=submit]").click()
    assert "Xin ghi kỳ báo cáo" in page.locator(".field-errors").inner_text()
    page.fill("#period", "2026-Q1")
    page.locator("form.report-filter button[type=submit]").click()

    files = {}
    for label in (
        "PDF, sẵn sàng để ký",
        "Tệp Excel (XLSX)",
        "Các bảng số liệu (CSV)",
        "Toàn bộ phiếu (CSV)",
    ):
        with page.expect_download() as download:
            page.get_by_role("link", name=label).click()
        path = Path(tmp_path) / download.value.suggested_filename
        download.value.save_as(path)
        files[label] = path
    pdf_text = "".join(p.extract_text() for p in PdfReader(files["PDF, sẵn sàng để ký"]).pages)
    assert "Rất hài lòng" in pdf_text and "Quý 1/2026" in pdf_text
    assert "Tổng hợp" in load_workbook(files["Tệp Excel (XLSX)"]).sheetnames
    assert files["Các bảng số liệu (CSV)"].read_bytes().startswith("\ufeff".encode())
    responses = files["Toàn bộ phiếu (CSV)"].read_text(encoding="utf-8-sig").splitlines()
    assert responses[0].startswith("Phiếu,Ngày,Giờ") and len(responses) > 10
