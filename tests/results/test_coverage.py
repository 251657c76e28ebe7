# ruff: noqa: F811 (the fixture today comes from tests/results/test_start_page.py)
"""Tỷ lệ hồ sơ được đánh giá: ratings ÷ dossiers returned, on the pages, in every file and on
the start page, checked against counts made in plain Python from the raw responses."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import insert

from survey.db import write_session
from survey.dossiers.models import Dossier
from survey.i18n import format_number, format_percent
from survey.results.filters import Dimension, Period, ReportFilter
from tests.results.dataset import reference_response_counts
from tests.results.test_routes import PERIOD, vietnamese
from tests.results.test_start_page import today  # noqa: F401

QUESTIONNAIRE = "onestop-quick"
QUERY = f"period={PERIOD}&questionnaire={QUESTIONNAIRE}"
#: Dossiers returned in the period per rating of each desk: 1 %, 50 % and 100 % rated.
DOSSIERS_PER_RATING = (100, 2, 1)


@pytest.fixture
def dossiers(app, results_world):
    """Dossiers for each desk in the period, plus some outside it that must not count."""
    organisation = results_world.organisation
    # Every questionnaire's ratings count, whichever questionnaire the report is about.
    selection = ReportFilter(Period.parse(PERIOD))
    ratings = reference_response_counts(results_world.responses, selection, Dimension.SERVICE_POINT)
    rows, expected = [], {}
    returned = datetime(2026, 2, 10, 3, 0)
    for index, desk_id in enumerate(organisation.desk_ids):
        count = ratings[desk_id] * DOSSIERS_PER_RATING[index]
        expected[desk_id] = (count, ratings[desk_id])
        agency_id = organisation.agency_ids[index]
        for number in range(count + 3):
            rows.append(
                {
                    "code_hash": f"{desk_id}-{number}",
                    "agency_id": agency_id,
                    "service_point_id": desk_id,
                    "official_id": organisation.official_ids[index],
                    "received_dt": returned - timedelta(days=3),
                    "due_dt": returned,
                    # Three per desk: two returned after the quarter, one still in hand.
                    "returned_dt": returned
                    if number < count
                    else (None if number == count else datetime(2026, 4, 2)),
                }
            )
    with app.app_context(), write_session() as session:
        session.execute(insert(Dossier), rows)
    # The scope counts every rating, also those that named no desk.
    expected[None] = (
        sum(count for count, _ratings in expected.values()),
        sum(reference_response_counts(results_world.responses, selection).values()),
    )
    return expected


def rows_of(table_title: str, rows: list[list[str]]) -> list[list[str]]:
    start = rows.index([table_title])
    found = []
    for row in rows[start + 2 :]:
        if not row:
            break
        found.append(row)
    return found


def test_every_level_is_in_the_csv(app, results_world, officer, dossiers):
    response = officer("administrator").get(f"/officer/results/report.csv?{QUERY}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    table = rows_of("Tỷ lệ hồ sơ được đánh giá", rows)
    dossier_total, rating_total = dossiers.pop(None)
    scope = table[0]
    assert scope[2:4] == [
        vietnamese(app, format_number, dossier_total),
        vietnamese(app, format_number, rating_total),
    ]
    assert scope[4] == vietnamese(app, format_percent, rating_total / dossier_total * 100)
    desks = {tuple(row[2:6]) for row in table if row[0] == "Quầy"}
    # The third agency's desk is hidden: the year's decision hides that agency's SIPAS
    # total of the quarter, which its desk's ratings less its quick-form total would give.
    third = results_world.organisation.desk_ids[2]
    assert desks == {
        (vietnamese(app, format_number, count), "ẩn", "ẩn", "")
        if desk == third
        else (
            vietnamese(app, format_number, count),
            vietnamese(app, format_number, ratings),
            vietnamese(app, format_percent, ratings / count * 100),
            "Dưới ngưỡng tỷ lệ đánh giá" if ratings / count < 0.05 else "",
        )
        for desk, (count, ratings) in dossiers.items()
    }
    five = vietnamese(app, format_percent, 5.0)
    low = rows_of(f"Các quầy có dưới {five} hồ sơ được đánh giá", rows)
    assert [row[3] for row in low[:-1]] == [vietnamese(app, format_percent, 1.0)]
    # the third desk's share is hidden: whether it is low would bound its ratings
    assert low[-1] == ["Các quầy có số lượt đánh giá bị ẩn không được liệt kê ở đây."]


def test_the_page_the_workbook_the_pdf_and_the_start_page(app, officer, dossiers, today):
    client = officer("administrator")
    page = client.get(f"/officer/results/?{QUERY}").get_data(as_text=True)
    assert "Tỷ lệ hồ sơ được đánh giá" in page
    five = vietnamese(app, format_percent, 5.0)
    assert f"<caption>Các quầy có dưới {five} hồ sơ được đánh giá</caption>" in page
    workbook = load_workbook(io.BytesIO(client.get(f"/officer/results/report.xlsx?{QUERY}").data))
    sheet = workbook["Hồ sơ được đánh giá"]
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert dossiers[None][0] in values
    pdf = client.get(f"/officer/results/report.pdf?{QUERY}").data
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Tỷ lệ hồ sơ được đánh giá" in text
    start = client.get("/officer/").get_data(as_text=True)
    assert "Tỷ lệ hồ sơ được đánh giá" in start


def test_without_dossiers_nothing_is_claimed(results_world, officer):
    page = officer("administrator").get(f"/officer/results/?{QUERY}").get_data(as_text=True)
    assert "Tỷ lệ hồ sơ được đánh giá" not in page
