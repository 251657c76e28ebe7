"""The PDF report in the layout of Decree 30/2020/NĐ-CP, and its tables' words kept whole."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from html import unescape

import numpy as np
import pytest
from PIL import Image

from survey import documents
from survey.results import downloads, tables
from tests.results.test_routes import PERIOD

#: A4 in PDF points.
PAGE_WIDTH, PAGE_HEIGHT = 595.28, 841.89
MM = 72 / 25.4


def recorded_layouts(monkeypatch) -> list[documents.TableLayout]:
    """Every table layout the PDF writer computes while the test runs."""
    layouts = []
    original = downloads.table_layout

    def recording(*args):
        layout = original(*args)
        layouts.append(layout)
        return layout

    monkeypatch.setattr(downloads, "table_layout", recording)
    return layouts


def wrapped_lines(pdf: documents.DocumentPdf, text: str, width: float, style: str, size: float):
    """The lines fpdf2 sets ``text`` in, in a table cell ``width`` wide."""
    pdf.set_font(pdf.font_name, style, size)
    return pdf.multi_cell(width, 4, text, dry_run=True, output="LINES")


@pytest.mark.parametrize("questionnaire", ["sipas", "onestop-quick"])
def test_no_table_cell_of_the_pdf_breaks_inside_a_word(
    app, results_world, officer, monkeypatch, questionnaire
):
    layouts = recorded_layouts(monkeypatch)
    response = officer().get(
        f"/officer/results/report.pdf?period={PERIOD}&questionnaire={questionnaire}"
    )
    assert response.status_code == 200
    # Every table of the file with rows was laid out (the summary is on page 1 as text).
    assert len(layouts) >= (5 if questionnaire == "sipas" else 4)
    pdf = documents.DocumentPdf("")
    pdf.add_page()
    checked = 0
    for layout in layouts:
        assert layout is not None and sum(layout.widths) == pytest.approx(pdf.epw)
        for row, style in [(layout.columns, "B")] + [(row, "") for row in layout.rows]:
            for text, width in zip(row, layout.widths, strict=True):
                lines = wrapped_lines(pdf, text, width, style, layout.font_size)
                # Broken inside a word, "điểm" would come back as "điể m".
                assert " ".join(line.strip() for line in lines) == " ".join(text.split()), text
                checked += 1
    assert checked > 100


def test_a_long_label_beside_numbers_wraps_between_words_only(app):
    pdf = documents.DocumentPdf("")
    pdf.add_page()
    columns = ("Tiêu chí", "Tỷ lệ hài lòng", "Số câu trả lời", "Khoảng tin cậy")
    rows = tuple(
        (
            "Công chức có thái độ lịch sự, tôn trọng khi hướng dẫn, tiếp nhận và giải quyết "
            "hồ sơ; không có biểu hiện nhũng nhiễu, gây phiền hà, tiêu cực " * 2,
            "79,3\u00a0%",
            "1.234",
            "75,0\u00a0% – 83,1\u00a0%",
        )
        for _ in range(3)
    )
    layout = documents.table_layout(pdf, columns, rows, figures=frozenset({1, 2, 3}))
    assert layout is not None and layout.font_size == documents.TABLE_FONT_SIZES[0]
    # The figures keep one line each; only the criterion's text wraps, between words.
    for width, text in zip(layout.widths[1:], rows[0][1:], strict=True):
        assert len(wrapped_lines(pdf, text, width, "", layout.font_size)) == 1
    lines = wrapped_lines(pdf, rows[0][0], layout.widths[0], "", layout.font_size)
    assert len(lines) > 2
    assert " ".join(line.strip() for line in lines) == " ".join(rows[0][0].split())


def test_a_table_too_wide_for_portrait_is_set_smaller_then_on_a_landscape_page():
    pdf = downloads._ReportPdf("footer")
    pdf.add_page()
    cells = tuple(tables.Cell(f"{n},5\u00a0%") for n in range(14))
    columns = tuple(f"Quý {n % 4 + 1}/2026" for n in range(14))
    smaller = pdf.report_table(tables.Table("wide", "Wide", columns, (cells,)))
    assert smaller is not None and smaller.font_size < documents.TABLE_FONT_SIZES[0]
    assert pdf.cur_orientation.value == "P"
    columns = tuple(f"Quý {n % 4 + 1}/2026" for n in range(24))
    cells = tuple(tables.Cell(f"{n},5\u00a0%") for n in range(24))
    turned = pdf.report_table(tables.Table("wider", "Wider", columns, (cells,)))
    assert pdf.cur_orientation.value == "L" and turned is not None
    assert sum(turned.widths) == pytest.approx(pdf.epw) and pdf.epw > 200


def test_the_place_and_date_follow_the_decree(app):
    with app.test_request_context("/?lang=vi"):
        assert (
            documents.place_and_date("An Giang", date(2026, 12, 7))
            == "An Giang, ngày 07 tháng 12 năm 2026"
        )
        assert documents.place_and_date(None, date(2026, 2, 13)).endswith(
            ", ngày 13 tháng 02 năm 2026"
        )
        assert documents.place_and_date(None, date(2026, 3, 1)).startswith("……")
    with app.test_request_context("/?lang=en"):
        assert documents.place_and_date("An Giang", date(2026, 3, 1)).startswith("An Giang, ")


def page_words(path, page: int) -> list[tuple[str, float, float, float]]:
    """(word, left, top, right) in points for each word of ``page``, by pdftotext."""
    html = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
    return [
        (unescape(word), float(left), float(top), float(right))
        for left, top, right, word in re.findall(pattern, html)
    ]


def first(words, text):
    return next(word for word in words if word[0] == text)


def test_page_one_has_the_letterhead_the_headline_and_the_method(
    app, results_world, officer, tmp_path
):
    app.config["DOCUMENT_PLACE"] = "Rạch Giá"
    ward = results_world.ward_id
    response = officer().get(
        f"/officer/results/report.pdf?period={PERIOD}&questionnaire=sipas&agency={ward}"
    )
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    words = page_words(path, 1)
    text = " ".join(word for word, *_ in words)
    half = PAGE_WIDTH / 2
    # Top left: the parent (the province) above the ward that issues the report.
    parent, issuer = first(words, "TỈNH"), first(words, "ĐƠN")
    assert parent[3] < half and issuer[3] < half and parent[2] < issuer[2] < 45 * MM
    assert "TỈNH THỬ NGHIỆM" in text
    # Top right: the nation and its motto, at the height of the agency.
    nation, motto = first(words, "CỘNG"), first(words, "Độc")
    assert nation[1] > half and motto[1] > half and abs(nation[2] - parent[2]) < 2
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    # Below them: the number at the left, the place and date at the right.
    number, place = first(words, "Số:"), first(words, "Rạch")
    assert number[3] < half < place[1] and abs(number[2] - place[2]) < 2
    assert re.search(r"/BC-AG-\d+", text)
    assert re.search(r"Rạch Giá, ngày \d\d tháng \d+ năm 20\d\d", text)
    # Then the title, centred, and page 1 carries the headline and the method.
    title, centre = first(words, "BÁO"), (30 * MM + PAGE_WIDTH - 15 * MM) / 2
    assert title[2] > place[2] and abs((title[1] + first(words, "CÁO")[3]) / 2 - centre) < 3
    for heading in ("Kết quả chính", "Cách tính các số liệu", "Số phiếu:", "Chỉ số hài lòng"):
        assert heading in text
    # The last page ends with the decree's signature block.
    last = page_words(path, len(re.findall(rb"/Type\s*/Page\b", response.data)))
    last_text = " ".join(word for word, *_ in last)
    assert "Nơi nhận:" in last_text and "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in last_text
    assert first(last, "Nơi")[3] < half < first(last, "THỦ")[1]

    # As printed: ink where the agency and the nation are, and the two short rules under them.
    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", "1", "-l", "1", "-png", str(path), str(tmp_path / "p")],
        check=True,
    )
    (image,) = tmp_path.glob("p*.png")
    pixels = np.asarray(Image.open(image).convert("L"))
    assert pixels.shape[1] == pytest.approx(PAGE_WIDTH, abs=2)
    ink = pixels < 128
    band = slice(int(parent[2]), int(motto[2]) + 12)
    assert ink[band, : int(half)].sum() > 300 and ink[band, int(half) :].sum() > 300
    rules = [row for row in range(int(motto[2]), int(number[2])) if ink[row].sum() > 40]
    assert rules, "the lines under the agency's name and under the motto"
