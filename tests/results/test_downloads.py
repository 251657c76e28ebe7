"""The three report files and the response-level CSV: numbers, diacritics, audit, injection."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import uuid
from datetime import date, datetime

import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from survey.collect.models import Channel
from survey.collect.store import canonical_body_hash, store_responses
from survey.db import db, write_session
from survey.i18n import format_number, format_percent
from survey.org.models import Agency, Official
from survey.results import charts, downloads, tables
from survey.results import cli as results_cli
from survey.results.filters import Period, ReportFilter
from tests.accounts.conftest import audit_events
from tests.results.dataset import reference_response_counts
from tests.results.test_routes import PERIOD, reference_headline, vietnamese

QUERY = f"period={PERIOD}&questionnaire=onestop-quick"


def summary_rows(rows):
    start = rows.index(["Tổng hợp"])
    summary = {}
    for row in rows[start + 2 :]:
        if not row:
            break
        summary[row[0]] = row[1]
    return summary


def test_the_csv_holds_the_numbers_of_the_raw_answers(app, results_world, officer):
    response = officer().get(f"/officer/results/report.csv?{QUERY}")
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    assert response.headers["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    summary = summary_rows(rows)
    n, rate = reference_headline(results_world, "onestop-quick")
    assert summary["Số phiếu"] == vietnamese(app, format_number, n)
    assert summary["Tỷ lệ hài lòng (câu hỏi chung)"] == vietnamese(
        app, format_percent, rate.rate * 100
    )
    assert summary["Khoảng tin cậy, cận dưới"] == vietnamese(app, format_percent, rate.ci.low * 100)
    assert ["Kỳ báo cáo", "Quý 1/2026"] in rows


def test_the_workbook_holds_the_numbers_and_every_sheet(app, results_world, officer):
    response = officer().get(f"/officer/results/report.xlsx?period={PERIOD}&questionnaire=sipas")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == [
        "Tổng hợp",
        "Các yếu tố",
        "Các tiêu chí",
        "Xu hướng",
        "Cơ quan, đơn vị",
        "Công chức",
        "Phương pháp",
    ]
    values = {row[0]: row[1] for row in workbook["Tổng hợp"].iter_rows(values_only=True) if row[0]}
    n, rate = reference_headline(results_world, "sipas")
    assert values["Số phiếu"] == n
    assert values["Tỷ lệ hài lòng (câu hỏi chung)"] == pytest.approx(rate.rate * 100)
    assert values["Kỳ báo cáo"] == "Quý 1/2026"
    factors = list(workbook["Các yếu tố"].iter_rows(values_only=True))
    assert factors[0][:2] == ("Yếu tố", "Chỉ số")
    assert "Tiếp cận dịch vụ" in [row[0] for row in factors[1:]]
    assert "Rất hài lòng" in workbook["Phương pháp"]["A2"].value
    # Each official beside their agency (issue 15: "Quầy số 1" alone names nobody).
    officials = list(workbook["Công chức"].iter_rows(values_only=True))
    assert officials[0][:2] == ("Công chức", "Cơ quan, đơn vị")
    with app.app_context():
        rows = db.session.execute(select(Official.name, Agency.name).join(Official.agency))
        pairs = {(official, agency) for official, agency in rows}
    listed = [row[:2] for row in officials[1:] if row[0] and row[0] in {n for n, _a in pairs}]
    assert len(listed) > 3 and all(row in pairs for row in listed)


def test_the_workbook_is_in_english_for_an_english_reader(results_world, officer):
    query = f"period={PERIOD}&questionnaire=onestop-quick&lang=en"
    workbook = load_workbook(
        io.BytesIO(officer().get(f"/officer/results/report.xlsx?{query}").data)
    )
    assert workbook.sheetnames == [
        "Summary",
        "Criteria",
        "Trend",
        "Agencies",
        "Officials",
        "Official scores",
        "Method",
    ]
    assert next(workbook["Criteria"].iter_rows(values_only=True))[:2] == ("Group", "Criterion")
    assert workbook["Method"]["A1"].value == "Method"


def test_the_pdf_reads_back_in_vietnamese_with_the_numbers(app, results_world, officer):
    response = officer().get(f"/officer/results/report.pdf?period={PERIOD}&questionnaire=sipas")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for words in (
        "Chỉ số hài lòng",
        "Rất hài lòng",
        "BÁO CÁO",
        "Kết quả khảo sát sự hài lòng đối với",
        "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ",
        "Cách tính các số liệu",
        "Bộ lọc đã dùng",
        "Tiếp cận dịch vụ",
    ):
        assert words in text
    n, rate = reference_headline(results_world, "sipas")
    assert f"Số phiếu: {vietnamese(app, format_number, n)}" in text
    assert vietnamese(app, format_percent, rate.rate * 100).replace("\u00a0", " ") in text.replace(
        "\u00a0", " "
    )


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "pdf"])
def test_every_download_is_audited(app, results_world, officer, file_format):
    client = officer("viewer")
    assert client.get(f"/officer/results/report.{file_format}?{QUERY}").status_code == 200
    events = audit_events(app, "report.downloaded")
    assert len(events) == 1 and events[0].details["format"] == file_format
    assert events[0].user_id is not None


def test_downloads_suppress_small_groups(app, results_world, officer):
    app.config["MIN_GROUP_SIZE"] = 10_000
    rows = list(
        csv.reader(
            io.StringIO(
                officer().get(f"/officer/results/report.csv?{QUERY}").data.decode("utf-8-sig")
            )
        )
    )
    assert summary_rows(rows) == {"Số phiếu": "ẩn"}


def add_comments(organisation, texts):
    rows, answers = [], {}
    for number, text in enumerate(texts):
        row = {
            "uuid": uuid.uuid4(),
            "questionnaire_version_id": organisation.version_ids["onestop-quick"],
            "channel": Channel.QR,
            "agency_id": organisation.agency_ids[1],
            "service_point_id": None,
            "official_id": None,
            "procedure_id": None,
            "respondent_type": None,
            "language": "vi",
            "submitted_dt": datetime(2026, 2, 10, 3, number),
            "is_flagged": False,
        }
        items = [
            {
                "item_key": "overall_satisfaction",
                "value": 3,
                "text": None,
                "is_not_applicable": False,
            },
            {"item_key": "comment", "value": None, "text": text, "is_not_applicable": False},
        ]
        row["body_hash"] = canonical_body_hash({"answers": items, **row})
        rows.append(row)
        answers[row["uuid"]] = items
    with write_session() as session:
        store_responses(session, rows, answers)


def test_the_response_export_streams_every_row_and_defuses_formulas(app, results_world, officer):
    dangerous = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tcmd", "\rcmd", "Tốt lắm"]
    with app.app_context():
        add_comments(results_world.organisation, dangerous)
    response = officer("agency_manager").get(f"/officer/results/responses-codes.csv?{QUERY}")
    assert response.status_code == 200 and response.is_streamed
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    selection = ReportFilter(
        Period.parse(PERIOD),
        agency_ids={results_world.ward_id},
        questionnaire_version_ids={results_world.organisation.version_ids["onestop-quick"]},
    )
    expected = sum(reference_response_counts(results_world.responses, selection).values())
    assert len(body) == expected + len(dangerous)
    comments = [row[header.index("comment")] for row in body]
    for text in dangerous[:-1]:
        assert "'" + text in comments
    assert "Tốt lắm" in comments
    for row in body:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)
    assert [event.details["format"] for event in audit_events(app, "report.downloaded")] == [
        "responses-codes.csv"
    ]


def response_table(client, variant: str, language: str) -> list[dict[str, str]]:
    response = client.get(f"/officer/results/{variant}?{QUERY}&lang={language}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_readable_export_speaks_the_readers_language_and_the_coded_one_never_changes(
    app, results_world, officer
):
    definition = results_world.organisation.definitions["onestop-quick"]
    question = definition.item("overall_satisfaction")
    client = officer("agency_manager")
    coded = response_table(client, "responses-codes.csv", "vi")
    assert list(coded[0])[: len(downloads.CODED_HEADER)] == list(downloads.CODED_HEADER)
    assert response_table(client, "responses-codes.csv", "en") == coded
    codes = [row["overall_satisfaction"] for row in coded]
    assert set(codes) - {""} <= {str(value) for value in question.scale.values}
    assert len(set(codes) - {""}) >= 2
    assert {row["channel"] for row in coded} <= {"kiosk", "qr", "web", "paper"}
    assert all(re.fullmatch(r"2026-0[1-3]-\d\d", row["date"]) for row in coded)
    assert {row["flagged"] for row in coded} <= {"0", "1"}
    for language in ("vi", "en"):
        readable = response_table(client, "responses.csv", language)
        labels = [row[question.text[language]] for row in readable]
        # The same answers, in the same order, each written as its label.
        assert labels == [
            question.scale.labels[int(code)][language] if code else "" for code in codes
        ]
    english = response_table(client, "responses.csv", "en")
    assert {"Response", "Day", "Channel", "Any other comments (optional):"} <= set(english[0])


def test_viewers_never_get_response_level_data(app, results_world, officer):
    assert officer("viewer").get(f"/officer/results/responses.csv?{QUERY}").status_code == 403
    assert audit_events(app, "report.downloaded") == []


def test_a_month_without_responses_is_none_in_the_files_not_hidden(results_world, officer):
    # April to June 2026: the data set's responses end in May.
    query = "first_day=01/04/2026&last_day=30/06/2026&questionnaire=onestop-quick"
    response = officer().get(f"/officer/results/report.csv?{query}")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert ["Tháng 6/2026", "0", "–", "–", "–"] in rows
    may = next(row for row in rows if row and row[0] == "Tháng 5/2026")
    assert "ẩn" not in may and "–" not in may


NOT_YET = {"vi": "Chưa đủ chỉ số để xếp loại", "en": "Not yet enough indices to classify"}


def test_the_classification_in_a_file_is_in_the_readers_language(results_world, officer):
    bands = results_world.organisation.definitions["onestop-quick"].scoring.onestop.classification
    client = officer()
    for language, other in (("vi", "en"), ("en", "vi")):
        response = client.get(f"/officer/results/report.csv?{QUERY}&lang={language}")
        cells = {
            cell
            for row in csv.reader(io.StringIO(response.data.decode("utf-8-sig")))
            for cell in row
        }
        text = " ".join(cells)
        # Four of the nine indices have data: no band in either language, and the reason in
        # the reader's (issue 15).
        assert not cells & {label[lang] for _minimum, _key, label in bands for lang in ["vi", "en"]}
        assert NOT_YET[language] in text and NOT_YET[other] not in text


def test_the_report_command_writes_each_format(app, results_world, runner, tmp_path):
    with app.app_context():
        code = db.session.get(Agency, results_world.province_id).code
    # The period as an officer writes it: the same parser as the web form.
    for file_format, period in (("pdf", "Quý 1/2026"), ("xlsx", "quý I/2026"), ("csv", PERIOD)):
        path = tmp_path / f"report.{file_format}"
        result = runner.invoke(
            args=[
                "report",
                "--agency",
                code,
                "--period",
                period,
                "--format",
                file_format,
                "--questionnaire",
                "onestop-quick",
                "-o",
                str(path),
            ]
        )
        assert result.exit_code == 0, result.output
        assert path.stat().st_size > 0
    text = "\n".join(page.extract_text() for page in PdfReader(tmp_path / "report.pdf").pages)
    assert "Tỉnh thử nghiệm" in text and "Quý 1/2026" in text
    assert len(audit_events(app, "report.downloaded")) == 3
    bad = runner.invoke(args=["report", "--period", "2026-Q5", "-o", str(tmp_path / "x.pdf")])
    assert bad.exit_code != 0 and "2026-Q5" in bad.output
    # The form's message, with examples, in Vietnamese.
    assert "Xin ghi kỳ báo cáo là một quý (Quý 3/2026, quý III/2026" in bad.output
    unknown = runner.invoke(
        args=["report", "--agency", "NOPE", "--period", PERIOD, "-o", str(tmp_path / "x.pdf")]
    )
    assert unknown.exit_code != 0 and "NOPE" in unknown.output


def test_a_report_names_the_organisation_chart_of_the_day_it_counted(
    app, results_world, runner, tmp_path, monkeypatch
):
    # Vietnam's date, not the machine's: from 17:00 UTC they differ. A day far from both
    # stands in for it, so the line cannot come from the machine's clock.
    monkeypatch.setattr(results_cli, "local_today", lambda: date(2026, 7, 1))
    with app.app_context():
        code = db.session.get(Agency, results_world.province_id).code
    path = tmp_path / "report.csv"
    result = runner.invoke(
        args=["report", "--agency", code, "--period", PERIOD, "--format", "csv", "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert ["Cơ cấu tổ chức tại ngày", "01/07/2026"] in rows


def test_the_response_export_is_produced_while_it_is_read(app, results_world, officer, monkeypatch):
    """Streamed end to end: nothing (no after_request hook) reads the whole body first."""
    produced = []
    original = downloads.stream_responses_csv

    def counting(*args):
        for chunk in original(*args):
            produced.append(len(chunk))
            yield chunk

    monkeypatch.setattr(downloads, "STREAM_CHUNK_BYTES", 1)  # a chunk per line
    monkeypatch.setattr(downloads, "stream_responses_csv", counting)
    response = officer().get(f"/officer/results/responses.csv?{QUERY}", buffered=False)
    body = iter(response.response)
    next(body)
    next(body)
    assert len(produced) <= 3
    rest = b"".join(body)
    response.close()
    assert len(produced) > 50 and rest.count(b"\n") > 50


def test_the_response_export_merges_answers_into_their_responses(app):
    """Answers join their response by id; answers of a response not in the export (stored
    after the responses were read) are skipped; a response without answers has empty cells."""
    moment = datetime(2026, 3, 1, 20, 5)  # 2 March, 03:05 in Vietnam
    responses = [
        (response_id, moment, "X", "Xã", None, None, None, "kiosk", None, 1, False)
        for response_id in (1, 3, 4)
    ]
    answers = [
        (1, "q1", 4, None, False),
        (1, "unknown", 1, None, False),
        (2, "q1", 5, None, False),
        (3, "q1", None, None, True),
        (3, "q2", None, "=1+1", False),
    ]
    columns = downloads.ResponseColumns(
        item_keys=("q1", "q2"),
        header=(),
        channels={"kiosk": "Kiosk"},
        respondents={},
        flagged={True: "Yes", False: "No"},
        not_applicable="Not applicable",
        answer_labels={"q1": {4: "Satisfied"}},
        day=lambda day: day.strftime("%b %-d, %Y"),
    )
    lines = list(downloads._response_lines(iter(responses), iter(answers), columns))
    assert [line[0] for line in lines] == [1, 3, 4]
    assert lines[0][1:3] == ["Mar 2, 2026", "03:05"]
    assert [line[-2:] for line in lines] == [
        ["Satisfied", ""],
        ["Not applicable", "'=1+1"],
        ["", ""],
    ]
    assert lines[0][8] == "Kiosk"


def test_a_pdf_table_after_a_chart_is_not_painted_in_the_charts_last_colour(tmp_path):
    # A funnel plot whose last dot is red (a unit below the province), then a table.
    pdf = downloads._ReportPdf("footer")
    pdf.add_page()
    pdf.chart(charts.Chart("Funnel", 200, 100, [charts.Dot(100, 50, 4.5, charts.PALETTE["below"])]))
    rows = tuple((tables.Cell("Sở Tư pháp"), tables.Cell("97,8 %")) for _ in range(6))
    pdf.report_table(tables.Table("agencies", "Agencies", ("Agency", "Satisfied"), rows))
    (tmp_path / "report.pdf").write_bytes(bytes(pdf.output()))
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )
    (page,) = tmp_path.glob("page*.png")
    pixels = np.asarray(Image.open(page).convert("RGB"), dtype=int)
    red = int(np.sum((pixels[..., 0] > 150) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)))
    # The dot is about 190 pixels at 50 dpi; six red rows would be over 10,000.
    assert 50 < red < 600


def test_file_names_say_questionnaire_agency_and_period(app, results_world, officer):
    with app.app_context():
        code = db.session.get(Agency, results_world.ward_id).code
    client = officer("agency_manager")
    names = set()
    for questionnaire in ("sipas", "onestop-quick"):
        base = f"period={PERIOD}&questionnaire={questionnaire}"
        for path, name in (
            ("report.pdf", f"hai-long-{questionnaire}-{code}-2026-Q1.pdf"),
            ("report.xlsx", f"hai-long-{questionnaire}-{code}-2026-Q1.xlsx"),
            ("report.csv", f"hai-long-{questionnaire}-{code}-2026-Q1.csv"),
            ("responses.csv", f"hai-long-{questionnaire}-{code}-2026-Q1-responses.csv"),
        ):
            response = client.get(f"/officer/results/{path}?{base}&agency={results_world.ward_id}")
            assert response.headers["Content-Disposition"] == f'attachment; filename="{name}"'
            names.add(name)
    assert len(names) == 8
    # Without a chosen agency: the one the report is issued by (the ward this officer sees).
    days = "first_day=01/01/2026&last_day=28/02/2026&questionnaire=sipas"
    assert client.get(f"/officer/results/report.pdf?{days}").headers["Content-Disposition"] == (
        f'attachment; filename="hai-long-sipas-{code}-2026-01-01_2026-02-28.pdf"'
    )
