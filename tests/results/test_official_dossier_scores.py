"""Issue 17: an official is scored on the dossiers their points are taken over, not on
their ratings alone. An official with imported dossiers and no rating is in the officials'
scores table; one with 3 ratings and 200 dossiers is scored and classed; one with few
dossiers is not; one with 2 dossiers is hidden as a small group in every report that
shows them. The figures are read back from the page, the CSV and the workbook, beside a
hand count of Circular 01/2018's points (Article 13: early 2, on time 1, late 0; no extra
visit 2; one agency 2; no complaint: the timeliness points)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import insert

from survey.collect.store import store_responses
from survey.db import db, write_session
from survey.dossiers.models import Complaint, Dossier
from survey.org.models import Agency, ServicePoint
from survey.questionnaires.definition import scoring_for_analysis
from survey.results.counts import fold_all
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report
from tests.factories import make_official
from tests.results.dataset import headline_row
from tests.results.test_downloads import QUERY

#: Official → (dossiers returned early, on time, late; ratings, of them linked to one of
#: the official's dossiers), all in 2026-Q1.
STAFF = {
    "Đặng Chỉ Hồ Sơ": (0, 32, 8, 0, 0),
    "Lê Ba Phiếu": (200, 0, 0, 3, 3),
    "Phan Ít Hồ Sơ": (12, 0, 0, 0, 0),
    "Tạ Hai Hồ Sơ": (2, 0, 0, 0, 0),
    "Vũ Hai Phiếu": (40, 0, 0, 2, 0),
}
#: Returned at 10:00 in Vietnam on 10 February; due two days later, that day, the day before.
RETURNED = datetime(2026, 2, 10, 3, 0)
DUE = {"early": datetime(2026, 2, 12, 9, 0), "on_time": datetime(2026, 2, 10, 9, 0)}
DUE["late"] = datetime(2026, 2, 9, 9, 0)


@pytest.fixture
def staff(app, results_world):
    """The officials above at the first desk of the results world, with their dossiers
    (no extra visit, one agency, no complaint) and their ratings (the overall question
    only: no points on any index)."""
    organisation = results_world.organisation
    version = organisation.version_ids["onestop-quick"]
    definition = organisation.definitions["onestop-quick"]
    headline = scoring_for_analysis(definition)["headline_item"]
    top = max(definition.item(headline).scale.values)
    with app.app_context(), write_session() as session:
        desk = session.get(ServicePoint, organisation.desk_ids[0])
        ids, dossiers, rows, answers = {}, [], [], {}
        for name, (early, on_time, late, ratings, linked) in STAFF.items():
            official = make_official(session, desk, name=name)
            ids[name] = official.id
            timeliness = ["early"] * early + ["on_time"] * on_time + ["late"] * late
            for number, kind in enumerate(timeliness):
                dossiers.append(
                    {
                        "code_hash": f"staff-{official.id}-{number}",
                        "agency_id": desk.agency_id,
                        "service_point_id": desk.id,
                        "official_id": official.id,
                        "received_dt": datetime(2026, 2, 2, 3, 0),
                        "due_dt": DUE[kind],
                        "returned_dt": RETURNED,
                        "extra_visits": 0,
                        "agencies_contacted": 1,
                        "complaint": Complaint.NONE,
                    }
                )
            for number in range(ratings):
                row, given = headline_row(
                    version, desk.agency_id, desk.id, official.id, RETURNED, headline, top
                )
                row["dossier_hash"] = f"staff-{official.id}-{number}" if number < linked else None
                rows.append(row)
                answers[row["uuid"]] = given
        session.execute(insert(Dossier), dossiers)
        store_responses(session, rows, answers)
        agency = desk.agency_id
    with app.app_context():
        fold_all(write_session)
    return ids, agency


def _csv_rows(client, query: str = QUERY) -> dict[str, dict[str, str]]:
    text = client.get(f"/officer/results/report.csv?{query}").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    top = rows.index(
        next(row for row in rows if {"Xếp loại công chức", "Official's class"} & set(row))
    )
    columns = rows[top]
    result = {}
    for row in rows[top + 1 :]:
        if len(row) < len(columns):
            break
        result[row[0]] = dict(zip(columns, row, strict=True))
    return result


def test_officials_are_scored_and_classed_on_their_dossiers(app, staff, officer):
    client = officer()
    page = " ".join(
        client.get(f"/officer/results/officials?{QUERY}").get_data(as_text=True).split()
    ).replace("\xa0", " ")
    # 32 on time (7 points) and 8 late (4 points): indices 1, 2 and 7 at 0,8, 3 and 4 at 2.
    assert "6,4/10 điểm (40 hồ sơ được chấm điểm)" in page
    assert "80,0 % trong 40 hồ sơ có điểm ở đủ các chỉ số của công chức đạt mức điểm" in page
    # 200 dossiers returned early; 3 of them rated (3 ratings: too few to rank).
    assert "10,0/10 điểm (200 hồ sơ được chấm điểm)" in page
    assert "100,0 % trong 200 hồ sơ có điểm ở đủ các chỉ số của công chức đạt mức điểm" in page
    assert "Quá ít hồ sơ được chấm điểm (12)" in page
    assert "Hồ sơ được chấm điểm: các hồ sơ nhập từ hệ thống một cửa" in page

    rows = _csv_rows(client)
    expected = {
        "Đặng Chỉ Hồ Sơ": ("40", "6,4", "40", "80,0\xa0%", "Từ 3,5 đến dưới 5 điểm"),
        "Lê Ba Phiếu": ("200", "10,0", "200", "100,0\xa0%", "Từ 5 điểm trở lên"),
    }
    for name, (scored, total, marked, share, label) in expected.items():
        row = rows[name]
        got = (
            row["Hồ sơ được chấm điểm"],
            row["Tổng điểm của công chức"],
            row["Hồ sơ có điểm ở các chỉ số của công chức"],
            row["Tỷ lệ hồ sơ đạt mức điểm"],
            row["Xếp loại công chức"],
        )
        assert got == (scored, total, marked, share, label), name
    few = rows["Phan Ít Hồ Sơ"]
    assert few["Hồ sơ được chấm điểm"] == "12" and few["Tổng điểm của công chức"] == ""
    assert few["Xếp loại công chức"] == "Chưa xếp loại: quá ít hồ sơ được chấm điểm"
    assert rows["Tạ Hai Hồ Sơ"]["Hồ sơ được chấm điểm"] == "ẩn"
    assert rows["Tạ Hai Hồ Sơ"]["Xếp loại công chức"].startswith("Ẩn")

    book = load_workbook(io.BytesIO(client.get(f"/officer/results/report.xlsx?{QUERY}").data))
    values = list(book["Điểm của công chức"].iter_rows(values_only=True))
    top = next(n for n, row in enumerate(values) if row and "Xếp loại công chức" in row)
    columns = values[top]
    by_name = {row[0]: dict(zip(columns, row, strict=False)) for row in values[top + 1 :] if row}
    assert by_name["Đặng Chỉ Hồ Sơ"]["Hồ sơ được chấm điểm"] == 40
    assert by_name["Đặng Chỉ Hồ Sơ"]["Xếp loại công chức"] == "Từ 3,5 đến dưới 5 điểm"
    assert by_name["Lê Ba Phiếu"]["Hồ sơ được chấm điểm"] == 200
    assert by_name["Lê Ba Phiếu"]["Xếp loại công chức"] == "Từ 5 điểm trở lên"
    assert by_name["Phan Ít Hồ Sơ"]["Hồ sơ được chấm điểm"] == 12


def _scores(app, agency):
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(
            period=Period.parse("2026-Q1"), questionnaire_key="onestop-quick", agency=agency
        )
        return build_report(db.session, request, None, date(2026, 4, 5), with_comments=False)


def test_small_groups_of_dossiers_and_of_ratings_stay_hidden_in_every_report(
    app, staff, results_world
):
    ids, agency_id = staff
    with app.app_context():
        reports = [_scores(app, None), _scores(app, db.session.get(Agency, agency_id))]
        (period,) = reports[0].score_periods
        decided = {
            official: by_period[period].is_suppressed
            for official, by_period in reports[0].official_scores.items()
        }
        for report in reports:
            scores = report.official_scores
            assert scores[ids["Tạ Hai Hồ Sơ"]][period].is_suppressed
            assert scores[ids["Tạ Hai Hồ Sơ"]][period].dossiers is None
            for official, by_period in scores.items():
                assert by_period[period].is_suppressed == decided[official]
    assert not decided[ids["Lê Ba Phiếu"]] and not decided[ids["Đặng Chỉ Hồ Sơ"]]
    # 2 ratings apart from 40 dossiers: the officials' table hides the 2, and 42 dossiers
    # scored beside the 40 of the coverage table would give them away.
    assert decided[ids["Vũ Hai Phiếu"]]


def test_a_hidden_official_reads_hidden_for_too_few_dossiers_everywhere(app, staff, officer):
    """The officials' scores table counts dossiers scored, not responses: a hidden
    official's reason says so on the page and in the CSV, the workbook and the PDF."""
    client = officer()
    hidden, wrong = "Ẩn: quá ít hồ sơ được chấm điểm", "Ẩn: quá ít phiếu"
    page = client.get(f"/officer/results/officials?{QUERY}").get_data(as_text=True)
    scores = page[page.index("Công chức: điểm đánh giá theo Thông tư 01/2018") :]
    scores = scores[: scores.index("</table>")]
    row = scores[scores.index("Tạ Hai Hồ Sơ") :]
    assert row[: row.index("</tr>")].count(hidden) == 1
    assert wrong not in scores
    row = _csv_rows(client)["Tạ Hai Hồ Sơ"]
    assert (row["Hồ sơ được chấm điểm"], row["Ghi chú"]) == ("ẩn", hidden)
    assert row["Xếp loại công chức"] == hidden

    book = load_workbook(io.BytesIO(client.get(f"/officer/results/report.xlsx?{QUERY}").data))
    values = list(book["Điểm của công chức"].iter_rows(values_only=True))
    assert (
        "Tạ Hai Hồ Sơ",
        "Quý 1/2026",
        "ẩn",
        None,
        None,
        "ẩn",
        "ẩn",
        hidden,
        hidden,
    ) in values
    assert not any(wrong in str(value) for row in values for value in row)
    pdf = PdfReader(io.BytesIO(client.get(f"/officer/results/report.pdf?{QUERY}").data))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert f"Tạ Hai Hồ Sơ Quý 1/2026 ẩn ẩn ẩn {hidden} {hidden} Vũ Hai Phiếu" in text
    # Last: a ?lang= is kept for the session.
    english = _csv_rows(client, f"{QUERY}&lang=en")["Tạ Hai Hồ Sơ"]
    assert english["Note"] == english["Official's class"] == "Hidden: too few dossiers scored"
