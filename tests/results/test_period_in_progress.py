"""A period still in progress says so, "(đến ngày 15/03/2026)", on pages, in files and in public."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from survey.results import public, routes
from survey.results.filters import Period
from survey.results.report_tables import period_words


@pytest.mark.parametrize(
    ("period", "today", "expected"),
    [
        (Period.quarter(2026, 4), date(2026, 12, 7), "Quý 4/2026 (đến ngày 07/12/2026)"),
        (Period.quarter(2026, 4), date(2026, 12, 31), "Quý 4/2026 (đến ngày 31/12/2026)"),
        (Period.quarter(2026, 4), date(2026, 10, 1), "Quý 4/2026 (đến ngày 01/10/2026)"),
        (Period.quarter(2026, 3), date(2026, 12, 7), "Quý 3/2026"),
        (Period.month(2026, 12), date(2026, 12, 7), "Tháng 12/2026 (đến ngày 07/12/2026)"),
        (Period.year(2026), date(2026, 12, 7), "Năm 2026 (đến ngày 07/12/2026)"),
        (Period.year(2027), date(2026, 12, 7), "Năm 2027"),  # not begun: nothing to say
        (Period.quarter(2026, 4), None, "Quý 4/2026"),
    ],
)
def test_a_period_in_progress_is_labelled(app, period, today, expected):
    with app.test_request_context("/?lang=vi"):
        assert period_words(period, today) == expected


@pytest.fixture
def mid_march(monkeypatch):
    """Today is 15 March 2026 in Vietnam: the first quarter is under way."""
    # The public page's kept figures are keyed by the day their labels name: both read it.
    for module in (routes, public):
        monkeypatch.setattr(module, "local_today", lambda: date(2026, 3, 15))


def test_pages_and_files_say_the_quarter_is_in_progress(results_world, officer, mid_march):
    client = officer()
    query = "period=2026-Q1&questionnaire=onestop-quick"
    label = "Quý 1/2026 (đến ngày 15/03/2026)"
    page = client.get(f"/officer/results/?{query}").get_data(as_text=True)
    assert f"<dd>{label}</dd>" in page
    assert "Tháng 3/2026 (đến ngày 15/03/2026)" in page  # the trend's last month
    assert "Tháng 2/2026 (" not in page
    csv_text = client.get(f"/officer/results/report.csv?{query}").data.decode("utf-8-sig")
    assert label in csv_text
    workbook = load_workbook(io.BytesIO(client.get(f"/officer/results/report.xlsx?{query}").data))
    cells = {cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row}
    assert label in cells
    finished = client.get("/officer/results/?period=2025-Q4").get_data(as_text=True)
    assert "<dd>Quý 4/2025</dd>" in finished


def test_the_public_page_says_which_quarter_is_in_progress(client, results_world, mid_march):
    text = client.get("/results?year=2026").get_data(as_text=True)
    assert "Quý 1/2026 (đến ngày 15/03/2026)" in text
    assert "Quý 2/2026</th>" in text and "Quý 2/2026 (" not in text
    khmer = client.get("/results?year=2026&lang=km").get_data(as_text=True)
    assert "ត្រីមាសទី 1/2026 (រហូតដល់ថ្ងៃទី 15 " in khmer  # the day as Khmer writes it
