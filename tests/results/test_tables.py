"""The report's tables: a hidden cell says why, and reads the same on a page and in each file."""

from __future__ import annotations

import csv
import io
import math
from datetime import date
from typing import NamedTuple

from flask import render_template_string
from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from pypdf import PdfReader

from survey.db import db, write_session
from survey.i18n import format_number, format_percent
from survey.org.models import Agency, Official
from survey.questionnaires.definition import builtin_definitions
from survey.questionnaires.install import publish_definition
from survey.results import downloads
from survey.results.filters import Period
from survey.results.report import ReportRequest, build_report
from survey.results.tables import Cell, Hidden, Table, hidden
from tests.results.test_routes import PERIOD


def a_table() -> Table:
    return Table(
        "agencies",
        "Cơ quan",
        ("Cơ quan", "Số phiếu", "Hài lòng"),
        (
            (Cell("Sở Tư pháp"), Cell(120, "number"), Cell(85.3, "percent")),
            (Cell("Xã nhỏ"), hidden("number", Hidden.SMALL_GROUP), hidden("percent", None)),
        ),
        footnotes=("Một ghi chú",),
        number_columns=frozenset({1, 2}),
    )


class Written(NamedTuple):
    """A table as the page shows it and as each file writes it."""

    page: str
    csv_rows: list[list[str]]
    sheet: Worksheet
    pdf_text: str


def written_everywhere(table: Table) -> Written:
    """Render ``table`` on a page and write it to CSV, a workbook sheet and a PDF page (in
    a request context: the language is the request's)."""
    page = render_template_string(
        '{% from "results/_macros.html" import table %}{{ table(t) }}', t=table
    )
    buffer = io.StringIO()
    downloads.write_csv_table(csv.writer(buffer), table)
    sheet = Workbook().active
    downloads.write_xlsx_table(sheet, table, 1)
    pdf = downloads._ReportPdf("footer")
    pdf.add_page()
    pdf.report_table(table)
    pdf_text = PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text()
    return Written(page, list(csv.reader(io.StringIO(buffer.getvalue()))), sheet, pdf_text)


def test_a_hidden_cell_carries_its_reason(app):
    with app.test_request_context("/?lang=vi"):
        cell = hidden("number", Hidden.SMALL_GROUP)
        assert cell.is_hidden and cell.value is None and not cell.is_figure
        assert cell.hidden.label == gettext("Hidden: too few responses")
        assert cell.text() == "ẩn"
        assert Cell(None, "text").text() == "" and Cell("=1+1").file_text() == "'=1+1"


def test_a_hidden_cell_reads_the_same_on_the_page_and_in_every_file(app):
    with app.test_request_context("/?lang=vi"):
        page, rows, sheet, pdf_text = written_everywhere(a_table())
        shown = Cell(85.3, "percent").text()  # "85,3 %", with a no-break space
    assert '<tr class="hidden-row">' in page and page.count('<td class="number">ẩn</td>') == 2
    assert '<th scope="row">Sở Tư pháp</th>' in page and shown in page
    assert "<p>Một ghi chú</p>" in page
    assert ["Xã nhỏ", "ẩn", "ẩn"] in rows and ["Sở Tư pháp", "120", shown] in rows
    assert ["Một ghi chú"] in rows
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1] == ["Sở Tư pháp", 120, 85.3] and values[2] == ["Xã nhỏ", "ẩn", "ẩn"]
    assert values[4][0] == "Một ghi chú"
    assert "Xã nhỏ ẩn ẩn" in pdf_text and "Một ghi chú" in pdf_text


def test_the_report_hides_small_officials_once_with_the_reason(app, results_world):
    app.config["MIN_GROUP_SIZE"] = 25
    app.config["MIN_RATINGS_FOR_RANKING"] = 25
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(period=Period.parse(PERIOD), questionnaire_key="onestop-quick")
        report = build_report(db.session, request, None, date(2026, 7, 1), with_comments=False)
        (officials,) = [table for table in report.tables.files if table.key == "officials"]
        ranked, apart = report.tables.officials, report.tables.officials_apart
    units = report.overview.officials
    assert any(unit.is_suppressed for unit in units)
    assert any(not unit.is_suppressed for unit in units)
    # The page lists the ranked officials, then those apart (by name); the download all of them.
    assert len(ranked.rows) + len(apart.rows) == len(units) == len(officials.rows)
    assert [row[0].text() for row in apart.rows] == sorted(row[0].text() for row in apart.rows)
    ranked_rows = iter(ranked.rows)
    apart_rows = {row[0].text(): row for row in apart.rows}
    for unit, row in zip(units, officials.rows, strict=True):
        reason = Hidden.SMALL_GROUP if unit.is_suppressed else None
        # The official's agency beside the name, then responses, answers and every rate of
        # the download; the counts on the page.
        assert row[1].text() == report.official_agency(unit.key) != ""
        assert [cell.hidden for cell in row[3:9]] == [reason] * 6
        if unit.is_ranked:
            ranked_row = next(ranked_rows)
            assert ranked_row[2].text() == row[0].text()
            assert ranked_row[3].text() == report.official_agency(unit.key) != ""
            assert row[9].text() in TIERS and row[2].text() == ranked_row[1].text()
            assert not officials.is_hidden_row(row)
            continue
        apart_row = apart_rows[row[0].text()]
        assert apart_row[1].text() == report.official_agency(unit.key)
        assert [cell.hidden for cell in apart_row[2:4]] == [reason] * 2
        assert apart.is_hidden_row(apart_row) == officials.is_hidden_row(row) == unit.is_suppressed
        # Listed, never ranked nor compared: no place, no adjusted rate, no tier.
        assert row[2].text() == "" and row[9].text() == ""
        if not unit.is_suppressed:
            assert [cell.text() for cell in row[5:9]] == [""] * 4
            assert row[10].text() == "Quá ít lượt đánh giá (dưới 25)"
    assert ranked.footnotes[0] == "Xếp theo tỷ lệ đã điều chỉnh theo quy mô, từ cao xuống thấp."
    assert officials.footnotes[0].startswith("Thứ hạng được ghi thành khoảng")


TIERS = {
    "Cao hơn rõ rệt so với toàn tỉnh",
    "Không phân biệt được với toàn tỉnh",
    "Thấp hơn rõ rệt so với toàn tỉnh",
}


def test_cronbach_alpha_is_shown_with_its_respondents_and_a_plain_reading(app, results_world):
    with app.test_request_context("/?lang=vi"):
        request = ReportRequest(period=Period.parse(PERIOD), questionnaire_key="sipas")
        report = build_report(db.session, request, None, date(2026, 7, 1), with_comments=False)
        alphas = report.tables.alphas
        (factors,) = [table for table in report.tables.files if table.key == "factors"]
    readings = {
        "Rất nhất quán": 0.9,
        "Nhất quán": 0.8,
        "Chấp nhận được": 0.7,
        "Không nhất quán": -math.inf,
    }
    low = []
    for row, page_row, file_row in zip(report.factors, alphas.rows, factors.rows, strict=True):
        alpha = row.alpha
        assert page_row[1].value == alpha.alpha == file_row[5].value
        assert page_row[2].value == alpha.n_respondents == file_row[6].value > 0
        reading = page_row[3].text()
        assert reading == file_row[7].text()
        # The reading's band: at least its lower end, below the next one up.
        bands = sorted(readings.values())
        lower = readings[reading]
        assert lower <= alpha.alpha < min([b for b in bands if b > lower], default=2)
        if alpha.alpha < 0.7:
            low.append(row.title)
    # Answers drawn independently (this data set) hang together poorly.
    assert low
    for title in low:
        (note,) = [note for note in alphas.footnotes if note.startswith(f"{title}:")]
        assert "không cùng đo một nội dung một cách nhất quán trong dữ liệu này" in note
        assert note in factors.footnotes


def test_an_alpha_on_fewer_respondents_than_the_minimum_is_hidden(app, results_world):
    """The respondents who answered every criterion of a factor are a group like any
    other: under the minimum, their number and the coefficient are hidden (a reading of
    "very consistent" on three people says nothing), in the page's and the files' tables."""
    hidden_seen = shown_seen = 0
    organisation = results_world.organisation
    choices = [
        (period, {"official": official})
        for period in ("2026-04", "2026-05")
        for official in organisation.official_ids
    ] + [
        (period, {"agency": agency})
        for period in ("2026-04", "2026-05")
        for agency in organisation.agency_ids
    ]
    for period, choice in choices:
        with app.test_request_context("/?lang=vi"):
            request = ReportRequest(
                period=Period.parse(period),
                questionnaire_key="sipas",
                official=db.session.get(Official, choice.get("official", 0)),
                agency=db.session.get(Agency, choice.get("agency", 0)),
            )
            report = build_report(db.session, request, None, date(2026, 7, 1), with_comments=False)
            if report.overview.is_suppressed or report.overview.total_hidden:
                continue  # nothing counted over its responses is shown
            alphas = report.tables.alphas
            (factors,) = [table for table in report.tables.files if table.key == "factors"]
        minimum = report.min_group_size
        for row, page_row, file_row in zip(report.factors, alphas.rows, factors.rows, strict=True):
            computed = report.overview.factor_alphas.get(row.key)
            if computed is not None and computed.n_respondents < minimum:
                hidden_seen += 1
                assert row.alpha is None and row.alpha_hidden is Hidden.SMALL_GROUP
                cells = [*page_row[1:3], *file_row[5:7]]
                assert [cell.hidden for cell in cells] == [Hidden.SMALL_GROUP] * 4
                assert page_row[3].text() == file_row[7].text() == ""
                assert not any(note.startswith(f"{row.title}:") for note in alphas.footnotes)
            elif computed is not None:
                shown_seen += 1
                assert page_row[2].value == computed.n_respondents >= minimum
    assert hidden_seen and shown_seen


def test_a_new_questionnaire_is_reported_under_its_own_title(app, results_world, officer):
    data = builtin_definitions()["onestop-quick"]
    data.update(key="desk-rating", title={"vi": "Đánh giá quầy thử nghiệm", "en": "Trial desk"})
    with app.app_context(), write_session() as session:
        publish_definition(session, data)
    client = officer()
    page = client.get(f"/officer/results/?period={PERIOD}&questionnaire=desk-rating")
    assert page.status_code == 200
    assert '<option selected value="desk-rating">Đánh giá quầy thử nghiệm</option>' in page.text
    english = client.get(
        f"/officer/results/report.csv?period={PERIOD}&questionnaire=desk-rating&lang=en"
    )
    assert "Questionnaire,Trial desk" in english.data.decode("utf-8-sig")
    public = client.get("/results?year=2026&questionnaire=desk-rating&lang=vi")
    assert public.status_code == 200 and "Đánh giá quầy thử nghiệm" in public.text


def test_what_rounds_to_zero_has_no_sign(app):
    # A change of -0.04 percentage points read "thay đổi -0,0 điểm phần trăm".
    with app.test_request_context("/?lang=vi"):
        assert format_number(-0.04, 1) == "0,0"
        assert format_number(-0.05, 1) == "-0,1"
        assert format_percent(-0.004) == "0,0\u00a0%"


def test_halves_round_up_alike_on_the_page_and_in_every_file(app):
    # Babel's default, half to even, wrote 81.25 % as "81,2 %" while Excel showed 81,3.
    with app.test_request_context("/?lang=vi"):
        table = Table(
            "criteria",
            "Tiêu chí",
            ("Tiêu chí", "Tỷ lệ", "Điểm"),
            (
                (Cell("A"), Cell(81.25, "percent"), Cell(1.25, "points")),
                (Cell("B"), Cell(86.25, "percent"), Cell(0.05, "points")),
            ),
            number_columns=frozenset({1, 2}),
        )
        page, rows, sheet, pdf_text = written_everywhere(table)
        filters = render_template_string("{{ 81.25 | percent }} {{ 86.25 | percent }}")
    assert "81,3\u00a0%" in page and "86,3\u00a0%" in page and "1,3" in page
    assert filters == "81,3\u00a0% 86,3\u00a0%"
    assert ["A", "81,3\u00a0%", "1,3"] in rows and ["B", "86,3\u00a0%", "0,1"] in rows
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    # the workbook holds what is shown, not the full precision
    assert values[1] == ["A", 81.3, 1.3] and values[2] == ["B", 86.3, 0.1]
    assert sheet["B2"].number_format == '0.0" %"'
    assert "81,3" in pdf_text and "86,3" in pdf_text and "81,2" not in pdf_text
