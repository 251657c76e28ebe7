"""The Circular 01/2018 total is read out of the maximum its indices with data allow, names
the indices without data and why, and is classified only when all nine have data: on the
page and in the CSV, the workbook and the PDF, against a recomputation in plain Python."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace

from openpyxl import load_workbook
from pypdf import PdfReader

from survey.i18n import format_number
from survey.questionnaires.definition import builtin_definitions, load_definition
from survey.results.filters import Period, ReportFilter
from survey.results.report import Report
from tests.results.dataset import reference_points
from tests.results.test_downloads import QUERY, summary_rows
from tests.results.test_routes import PERIOD, vietnamese

TOTAL = "Tổng điểm theo Thông tư 01/2018"
CLASSIFICATION = "Xếp loại theo Thông tư 01/2018"
MISSING = "Các chỉ số chưa có dữ liệu"
NOT_YET = "Chưa đủ chỉ số để xếp loại"


def reference_total(world) -> tuple[Decimal, set[int]]:
    """Sum of the index means rounded half up to one decimal, and the indices with data."""
    versions = {world.organisation.version_ids["onestop-quick"]}
    selection = ReportFilter(Period.parse(PERIOD), questionnaire_version_ids=versions)
    points = reference_points(world.responses, selection, world.organisation)[None]
    total = Decimal(0)
    for counter in points.values():
        mean = Decimal(sum(p * n for p, n in counter.items())) / sum(counter.values())
        total += mean.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return total, set(points)


def expected_words(app, world) -> str:
    total, indices = reference_total(world)
    # The quick rating asks about indices 1, 3, 4 and 7; the case system has the other five.
    assert indices == {1, 3, 4, 7}
    shown = vietnamese(app, format_number, float(total), 1)
    return f"{shown} / 8 (4/9 chỉ số)"


def missing_named(world, text: str) -> None:
    text = " ".join(text.split())
    onestop = world.organisation.definitions["onestop-quick"].scoring.onestop
    for index in onestop.indices:
        named = f"{index.number} ({index.title['vi']})" in text
        assert named == (index.number in (2, 5, 6, 8, 9)), index.number
    # Version 3 of the built-in scores index 2 and indices 5, 6, 8, 9 from dossier columns,
    # none imported here: each is named with the columns that would supply it.
    assert "các cột dữ liệu hồ sơ received_at, due_at, returned_at" in text
    for number, column in ((5, "one_stop_desk"), (6, "procedure_published")):
        assert onestop.index(number).dossier_fields == (column,)
    for column in ("one_stop_desk", "procedure_published", "feedback_handling", "online_service"):
        assert f"các cột dữ liệu hồ sơ {column}" in text


def test_the_page_shows_the_total_out_of_the_indices_with_data(app, results_world, officer):
    page = officer().get(f"/officer/results/?{QUERY}").get_data(as_text=True)
    assert f"<strong>{expected_words(app, results_world)}</strong>" in page
    assert NOT_YET in page
    headline = page[page.index(TOTAL) : page.index("</dd>", page.index(TOTAL))]
    bands = results_world.organisation.definitions["onestop-quick"].scoring.onestop.classification
    assert not any(label["vi"] in headline for _minimum, _key, label in bands)
    start = page.index(MISSING)
    missing_named(results_world, page[start : page.index("</p>", start)])


def test_the_csv_and_workbook_give_the_total_out_of_8_and_no_band(app, results_world, officer):
    client = officer()
    expected = expected_words(app, results_world)
    response = client.get(f"/officer/results/report.csv?{QUERY}")
    summary = summary_rows(list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")))))
    assert summary[TOTAL] == expected
    assert summary[CLASSIFICATION].startswith(NOT_YET)
    missing_named(results_world, summary[MISSING])

    response = client.get(f"/officer/results/report.xlsx?{QUERY}")
    sheet = load_workbook(io.BytesIO(response.data))["Tổng hợp"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert values[TOTAL] == expected
    assert values[CLASSIFICATION].startswith(NOT_YET)
    missing_named(results_world, values[MISSING])


def test_the_pdf_gives_the_total_out_of_8_and_no_band(app, results_world, officer):
    response = officer().get(f"/officer/results/report.pdf?{QUERY}")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    flat = " ".join(text.replace("\u00a0", " ").split())
    assert expected_words(app, results_world).replace("\u00a0", " ") in flat
    assert NOT_YET in flat
    missing_named(results_world, flat)


def test_an_index_without_rules_names_the_data_it_needs(app):
    """A definition that says what data an index would need, instead of rules (as version 2
    did for 5, 6, 8 and 9), still has it named where the index has no data."""
    data = builtin_definitions()["onestop-quick"]
    [index] = [i for i in data["scoring"]["onestop"]["indices"] if i["number"] == 9]
    for key in ("dossier_fields", "dossier_rules", "note"):
        del index[key]
    index["dossier_field_needed"] = {
        "vi": "mức độ dịch vụ công trực tuyến của thủ tục",
        "en": "the procedure's online service level",
        "km": "កម្រិតសេវាអនឡាញ",
    }
    report = SimpleNamespace(definition=load_definition(data), language="vi")
    words = vietnamese(
        app, Report.onestop_missing_words, report, SimpleNamespace(missing_indices=(9,))
    )
    assert "9 (Cung cấp dịch vụ công trực tuyến)" in words
    assert "chưa có cột nào của dữ liệu hồ sơ cung cấp chỉ số này" in words
    assert "mức độ dịch vụ công trực tuyến của thủ tục" in words
