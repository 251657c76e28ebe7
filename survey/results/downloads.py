"""Downloads of a report: CSV (UTF-8 with BOM), an XLSX workbook and a PDF a director can sign,
plus the streamed response-level CSV.

The three report formats write the same tables (:attr:`Report.tables`, see
:mod:`survey.results.report_tables`), so they always agree with each other and with the
dashboard, which renders tables built from the same figures and cells.
Numbers in CSV and PDF are written as the reader writes them ("85,3 %", "26/11/2026");
the workbook keeps real numbers with a display format, so they can be computed with.
Every text cell that a spreadsheet could read as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) gets a leading apostrophe: see :func:`neutralise`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import String, select, type_coerce
from sqlalchemy.engine import Connection

from survey.collect.models import Answer, Response
from survey.i18n import format_day, format_number, format_percent
from survey.org.models import Agency, Official, Procedure, ServicePoint
from survey.questionnaires.models import QuestionnaireVersion
from survey.results import charts
from survey.results.filters import ReportFilter, vietnam_local_date
from survey.results.queries import selected_response_ids
from survey.results.report import CHANNEL_LABELS, RESPONDENT_TYPE_LABELS, Report
from survey.results.tables import Table, neutralise
from survey.vietnam_calendar import VIETNAM_UTC_OFFSET

FONT_DIRECTORY = Path(__file__).resolve().parents[2] / "static" / "fonts"
#: Rows fetched at a time by the response-level export (memory stays flat whatever the total).
STREAM_BATCH = 2000
#: Size of the pieces the response-level export is sent in (fewer, larger writes to the socket).
STREAM_CHUNK_BYTES = 64 * 1024

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def method_notes(report: Report) -> list[str]:
    """The method in plain words, with the report's own settings."""
    return [
        _(
            "Each criterion's rate is the share of answers 'Satisfied' or 'Very satisfied' "
            "among the answers given; 'Not applicable' answers are left out."
        ),
        _(
            "A factor's index is the mean of its criteria's rates; the satisfaction index is "
            "the mean of the factor indices (the SIPAS method of the Ministry of Home Affairs)."
        ),
        _(
            "The range after each figure (%(level)s confidence interval) shows how far the "
            "true value may be from the figure because only some citizens answered. For the "
            "index it comes from resampling the respondents (bootstrap); for a rate, from the "
            "Wilson method.",
            level=format_percent(95, 0),
        ),
        _(
            "Agencies and officials are compared fairly: rates are adjusted for the number of "
            "answers (small units are pulled towards the province's rate), and the funnel plot "
            "marks only those really above or below the province."
        ),
        _(
            "Officials with fewer than %(minimum)d ratings are shown as 'too few ratings' and "
            "never ranked.",
            minimum=report.min_ratings_for_ranking,
        ),
        _(
            "To protect respondents, any figure resting on fewer than %(minimum)d responses or "
            "answers is hidden. So is any other figure (a total, a year, a factor index, another "
            "unit) that would let a reader work a hidden one out from what the report shows, "
            "checked by computing the smallest and largest value each hidden figure could take.",
            minimum=report.min_group_size,
        ),
        _(
            "Circular 01/2018 scores: each index scores 2, 1 or 0 points per dossier; its score "
            "is the mean over the dossiers, rounded to one decimal."
        ),
        _(
            "Days are Vietnam time. Responses flagged for review (for example bursts of "
            "identical ratings) are left out unless the filters include them."
        ),
    ]


# --------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------


def report_csv(report: Report) -> bytes:
    """The report's tables one after another, each under its title; UTF-8 with BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(_("Satisfaction report"))])
    for label, value in report.filters:
        writer.writerow([neutralise(label), neutralise(value)])
    writer.writerow([_("Generated"), format_day(vietnam_local_date(report.generated_dt))])
    for table in report.tables.files:
        write_csv_table(writer, table)
    writer.writerow([])
    writer.writerow([_("Method")])
    for note in method_notes(report):
        writer.writerow([neutralise(note)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_csv_table(writer, table: Table) -> None:
    """``table`` under its title, after an empty line, its footnotes below it."""
    writer.writerow([])
    writer.writerow([neutralise(table.title)])
    writer.writerow([neutralise(column) for column in table.columns])
    for row in table.rows:
        writer.writerow([cell.file_text() for cell in row])
    for note in table.footnotes:
        writer.writerow([neutralise(note)])


# --------------------------------------------------------------------------------------
# XLSX
# --------------------------------------------------------------------------------------

_NUMBER_FORMATS = {
    "percent": '0.0" %"',
    "number": "#,##0",
    "points": "0.0",
    "decimal": "0.000",
    "coefficient": "0.00",
    "day": "dd/mm/yyyy",
}
_HEADER_FILL = PatternFill("solid", fgColor="1F5FA8")
_SHEET_NAMES = {
    "summary": "summary",
    "factors": "factors",
    "criteria": "criteria",
    "trend": "trend",
    "agencies": "agencies",
    "officials": "officials",
    "official_scores": "official scores",
}


def report_xlsx(report: Report) -> bytes:
    """A workbook: one sheet per table, the filters on the summary sheet, method notes last."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in report.tables.files:
        sheet = workbook.create_sheet(_SHEET_NAMES[table.key])
        start = 1
        if table.key == "summary":
            sheet.cell(1, 1, neutralise(_("Satisfaction report"))).font = Font(bold=True, size=14)
            start = 2
            for label, value in report.filters:
                sheet.cell(start, 1, neutralise(label))
                sheet.cell(start, 2, neutralise(value))
                start += 1
            sheet.cell(start, 1, _("Generated"))
            day = sheet.cell(start, 2, vietnam_local_date(report.generated_dt))
            day.number_format = _NUMBER_FORMATS["day"]
            start += 2
        write_xlsx_table(sheet, table, start)
    notes = workbook.create_sheet("method notes")
    notes.cell(1, 1, _("Method")).font = Font(bold=True, size=14)
    for row, note in enumerate(method_notes(report), start=2):
        cell = notes.cell(row, 1, neutralise(note))
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.column_dimensions["A"].width = 110
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsx_table(sheet, table: Table, first_row: int) -> None:
    """``table`` from ``first_row`` down: a coloured header, figures as numbers, footnotes."""
    for column, title in enumerate(table.columns, start=1):
        cell = sheet.cell(first_row, column, neutralise(title))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row_number, row in enumerate(table.rows, start=first_row + 1):
        for column, value in enumerate(row, start=1):
            if value.is_figure:
                cell = sheet.cell(row_number, column, value.shown_value())
                cell.number_format = _NUMBER_FORMATS[value.kind]
            else:
                sheet.cell(row_number, column, value.file_text())
    for row_number, note in enumerate(table.footnotes, start=first_row + len(table.rows) + 2):
        sheet.cell(row_number, 1, neutralise(note))
    sheet.freeze_panes = sheet.cell(first_row + 1, 1)
    for column, title in enumerate(table.columns, start=1):
        longest = max(
            [len(title)] + [len(row[column - 1].file_text()) for row in table.rows], default=10
        )
        sheet.column_dimensions[get_column_letter(column)].width = min(max(longest + 2, 10), 60)


# --------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------


class _ReportPdf(FPDF):
    font_name = "DejaVu"

    def __init__(self, footer_text: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(self.font_name, "", str(FONT_DIRECTORY / "DejaVuSans.ttf"))
        self.add_font(self.font_name, "B", str(FONT_DIRECTORY / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)

    def footer(self):
        self.set_y(-12)
        self.set_font(self.font_name, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}", align="C")

    def heading(self, text: str, size: float = 14) -> None:
        self.set_font(self.font_name, "B", size)
        self.set_text_color(20, 20, 20)
        self.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, size: float = 10) -> None:
        self.set_font(self.font_name, "", size)
        self.set_text_color(20, 20, 20)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def chart(self, chart: charts.Chart) -> None:
        width = self.epw
        height = chart.height * width / chart.width
        if self.get_y() + height + 8 > self.page_break_trigger:
            self.add_page()
        self.set_font(self.font_name, "B", 10)
        self.multi_cell(0, 5, chart.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        top = self.get_y()
        charts.draw_on_pdf(self, chart, self.l_margin, top, width, self.font_name)
        self.set_y(top + height + 4)

    def report_table(self, table: Table) -> None:
        if not table.rows:
            return
        self.heading(table.title, 12)
        self.set_font(self.font_name, "", 7.5 if len(table.columns) > 6 else 8.5)
        self.set_text_color(20, 20, 20)
        # Columns as wide as their longest text needs, within bounds (long criteria wrap).
        texts = [[cell.file_text() for cell in row] for row in table.rows]
        widths = [
            min(max([len(word) for word in title.split()] + [len(row[i]) for row in texts]), 40)
            for i, title in enumerate(table.columns)
        ]
        widths = [max(width, 6) for width in widths]
        # fpdf2 takes the body cells' style from the current state, fill colour included:
        # after a chart that is the colour of its last bar or dot (rows came out red).
        self.set_fill_color(255, 255, 255)
        with super().table(
            col_widths=widths,
            headings_style=_pdf_heading_style(self.font_name),
            line_height=4.2,
            text_align="LEFT",
        ) as pdf_table:
            heading = pdf_table.row()
            for column in table.columns:
                heading.cell(column)
            for row in texts:
                cells = pdf_table.row()
                for text in row:
                    cells.cell(text)
        self.ln(2)
        for note in table.footnotes:
            self.paragraph(note, 8.5)
        self.ln(2)


def _pdf_heading_style(font_name: str):
    return FontFace(
        family=font_name, emphasis="BOLD", color=(255, 255, 255), fill_color=(31, 95, 168)
    )


def report_pdf(report: Report) -> bytes:
    """Cover, headline, charts, tables, method, filters and a signature block, on A4."""
    generated = vietnam_local_date(report.generated_dt)
    title = _("Satisfaction survey report")
    pdf = _ReportPdf(_("%(title)s · generated %(day)s", title=title, day=format_day(generated)))
    pdf.set_title(title)
    pdf.set_creator("Hài Lòng")
    pdf.add_page()

    # Cover
    pdf.ln(30)
    pdf.heading(title.upper(), 20)
    filters = dict(report.filters)
    pdf.heading(filters[_("Agency")], 15)
    pdf.paragraph(f"{_('Period')}: {filters[_('Period')]}", 12)
    pdf.paragraph(f"{_('Questionnaire')}: {filters[_('Questionnaire')]}", 12)
    pdf.paragraph(_("Generated on %(day)s", day=format_day(generated)), 12)
    pdf.ln(6)
    overview = report.overview
    pdf.heading(_("Headline"), 14)
    for line in headline_lines(report):
        pdf.paragraph(line, 12)

    # Charts and tables
    pdf.add_page()
    for chart in charts.report_charts(report):
        pdf.chart(chart)
    for table in report.tables.files:
        if table.key != "summary" or overview.is_suppressed:
            pdf.report_table(table)

    # Method, filters, signature
    pdf.add_page()
    pdf.heading(_("How these figures are computed"), 14)
    for note in method_notes(report):
        pdf.paragraph("• " + note)
    pdf.ln(3)
    pdf.heading(_("Filters used"), 12)
    for label, value in report.filters:
        pdf.paragraph(f"{label}: {value}")
    pdf.ln(8)
    _signature_block(pdf, generated)
    return bytes(pdf.output())


def headline_lines(report: Report) -> list[str]:
    """The headline in sentences (cover of the PDF)."""
    overview = report.overview
    if report.tables.notice is not None:
        return [report.tables.notice]
    assert overview.responses is not None, "the count is withheld only with the notice"
    lines = [_("Responses: %(n)s", n=format_number(overview.responses))]
    if overview.sipas is not None:
        interval = overview.sipas_interval
        lines.append(
            _(
                "Satisfaction index: %(index)s (confidence interval %(low)s to %(high)s)",
                index=format_percent(overview.sipas.index),
                low=format_percent(interval.ci.low) if interval else "–",
                high=format_percent(interval.ci.high) if interval else "–",
            )
        )
    if overview.headline is not None:
        lines.append(
            _(
                "Satisfied or very satisfied overall: %(rate)s "
                "(confidence interval %(low)s to %(high)s)",
                rate=format_percent(overview.headline.rate * 100),
                low=format_percent(overview.headline.ci.low * 100),
                high=format_percent(overview.headline.ci.high * 100),
            )
        )
    if overview.onestop is not None and report.onestop_total_hidden is None:
        lines.append(
            _(
                "Circular 01/2018: %(total)s points of %(maximum)s, %(classification)s",
                total=format_number(overview.onestop.agency_total, 1),
                maximum=format_number(overview.onestop.agency_maximum),
                classification=report.classification_label(overview.onestop),
            )
        )
    return lines


def _signature_block(pdf: _ReportPdf, day: date) -> None:
    if pdf.get_y() + 50 > pdf.page_break_trigger:
        pdf.add_page()
    half = pdf.epw / 2
    top = pdf.get_y()
    pdf.set_font(pdf.font_name, "", 10)
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.multi_cell(
        half,
        5,
        _(
            "…………, day %(day)d month %(month)d year %(year)d",
            day=day.day,
            month=day.month,
            year=day.year,
        ),
        align="C",
    )
    top = pdf.get_y() + 2
    for column, (role, hint) in enumerate(
        (
            (_("PREPARED BY"), _("(Signature, full name)")),
            (_("HEAD OF THE AGENCY"), _("(Signature, full name, seal)")),
        )
    ):
        pdf.set_xy(pdf.l_margin + column * half, top)
        pdf.set_font(pdf.font_name, "B", 10)
        pdf.cell(half, 5, role, align="C")
        pdf.set_xy(pdf.l_margin + column * half, top + 5)
        pdf.set_font(pdf.font_name, "", 9)
        pdf.cell(half, 5, hint, align="C")


# --------------------------------------------------------------------------------------
# The response-level CSV, streamed
# --------------------------------------------------------------------------------------


def response_columns(item_keys: list[str]) -> list[str]:
    return [
        _("Response"),
        _("Day"),
        _("Time"),
        _("Agency code"),
        _("Agency"),
        _("Desk"),
        _("Official"),
        _("Procedure field"),
        _("Channel"),
        _("Respondents"),
        _("Questionnaire version"),
        _("Flagged for review"),
        *item_keys,
    ]


def stream_responses_csv(
    connect: Callable[[], Connection], report_filter: ReportFilter, item_keys: list[str]
) -> Iterator[bytes]:
    """Every response the filter selects, one CSV line each, in storage order; UTF-8 with BOM.

    Two ordered queries stream side by side through server-side cursors, ``STREAM_BATCH``
    rows at a time: the responses (with the names of their agency, desk, official and
    procedure field) and the narrow rows of their answers, merged by response id; the lines
    leave in chunks of about ``STREAM_CHUNK_BYTES``. So memory stays flat for a million
    responses, and nothing is formatted per row that can be looked up once (labels, days,
    names). ``connect()`` gives the connection, opened only once the header is out and
    closed when the generator ends (or is closed): a client that reads nothing past the
    header never holds a connection.
    """
    selected = selected_response_ids(report_filter)
    responses = (
        select(
            Response.id,
            Response.submitted_dt,
            Agency.code,
            Agency.name,
            ServicePoint.name,
            Official.name,
            Procedure.field,
            # As stored: no enum objects built per row (the labels are looked up by value).
            type_coerce(Response.channel, String),
            type_coerce(Response.respondent_type, String),
            QuestionnaireVersion.version_number,
            Response.is_flagged,
        )
        .join(Agency, Agency.id == Response.agency_id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Response.questionnaire_version_id)
        .outerjoin(ServicePoint, ServicePoint.id == Response.service_point_id)
        .outerjoin(Official, Official.id == Response.official_id)
        .outerjoin(Procedure, Procedure.id == Response.procedure_id)
        .where(Response.id.in_(selected))
        .order_by(Response.id)
    )
    answers = (
        select(
            Answer.response_id, Answer.item_key, Answer.value, Answer.text, Answer.is_not_applicable
        )
        .where(Answer.response_id.in_(selected))
        .order_by(Answer.response_id)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> bytes:
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        return data

    writer.writerow([neutralise(column) for column in response_columns(item_keys)])
    yield "\ufeff".encode() + flush()
    connection = connect().execution_options(stream_results=True, yield_per=STREAM_BATCH)
    try:
        # Answers are read after their responses (a response and its answers are stored in
        # one transaction), so every response read has all its answers in the second query.
        response_rows = connection.execute(responses)
        answer_rows = connection.execute(answers)
        for line in _response_lines(response_rows, answer_rows, item_keys):
            writer.writerow(line)
            if buffer.tell() >= STREAM_CHUNK_BYTES:
                yield flush()
    finally:
        connection.close()
    yield flush()


def _response_lines(response_rows, answer_rows, item_keys: list[str]) -> Iterator[list]:
    """One CSV line (a list of cells) per response; both row streams ordered by response id.

    Answers of responses that are not in ``response_rows`` (stored after it was read) are
    skipped.
    """
    positions = {key: position for position, key in enumerate(item_keys)}
    not_applicable = _("Not applicable")
    channels = {key.value: str(label) for key, label in CHANNEL_LABELS.items()}
    respondents = {key.value: str(label) for key, label in RESPONDENT_TYPE_LABELS.items()}
    flagged = {True: _("Yes"), False: _("No")}
    texts = cache(lambda text: neutralise(text or ""))  # names: a few thousand at most
    days = cache(format_day)
    answer = next(answer_rows, None)
    for (
        response_id,
        submitted,
        agency_code,
        agency_name,
        desk,
        official,
        field,
        channel,
        respondent_type,
        version,
        is_flagged,
    ) in response_rows:
        cells = [""] * len(item_keys)
        while answer is not None and answer[0] <= response_id:
            if answer[0] == response_id and (position := positions.get(answer[1])) is not None:
                if answer[4]:
                    cells[position] = not_applicable
                elif answer[3] is not None:
                    cells[position] = neutralise(answer[3])
                else:
                    cells[position] = answer[2]
            answer = next(answer_rows, None)
        local = submitted + VIETNAM_UTC_OFFSET
        yield [
            response_id,
            days(local.date()),
            f"{local.hour:02d}:{local.minute:02d}",
            texts(agency_code),
            texts(agency_name),
            texts(desk),
            texts(official),
            texts(field),
            channels.get(channel, ""),
            respondents.get(respondent_type, ""),
            version,
            flagged[bool(is_flagged)],
            *cells,
        ]


def export_item_keys(report_definition) -> list[str]:
    """Answer columns of the response-level export: the questionnaire's items in order."""
    return [item.key for item in report_definition.items]


def download_name(report: Report, extension: str) -> str:
    """ "hai-long-AG-RG-2026-Q3.pdf": ASCII, no spaces."""
    agency = report.request.agency.code if report.request.agency else "all"
    period = report.report_filter.period.label.replace("..", "_")
    return f"hai-long-{agency}-{period}.{extension}"
