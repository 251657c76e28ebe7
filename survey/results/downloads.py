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
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import String, select, type_coerce
from sqlalchemy.engine import Connection

from survey.collect.models import Answer, Response
from survey.db import reports_session
from survey.documents import (
    DocumentPdf,
    TableLayout,
    draw_letterhead,
    draw_signature_block,
    letterhead_for,
    squeezed_layout,
    table_layout,
)
from survey.i18n import format_day, format_number, format_percent
from survey.org.models import Agency, Official, Procedure, ServicePoint
from survey.questionnaires.models import QuestionnaireVersion
from survey.results import charts
from survey.results.filters import ReportFilter, vietnam_local_date
from survey.results.fold import as_of_moment
from survey.results.queries import selected_response_ids
from survey.results.report import CHANNEL_LABELS, RESPONDENT_TYPE_LABELS, Report
from survey.results.tables import Table, neutralise
from survey.vietnam_calendar import VIETNAM_UTC_OFFSET

#: Rows fetched at a time by the response-level export (memory stays flat whatever the total).
STREAM_BATCH = 2000
#: Size of the pieces the response-level export is sent in (fewer, larger writes to the socket).
STREAM_CHUNK_BYTES = 64 * 1024

#: What a file name keeps of a code: ASCII letters, digits, "_" and "." (the rest becomes "-").
_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9_.]+")

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
            "answers is hidden. So is any other figure (a total, a report's own totals, a year, a "
            "factor index, another unit, another filter's report) that would let a reader work "
            "a hidden one out from what the reports show, "
            "checked by computing the smallest and largest value each hidden figure could take; "
            "an agency or an official hidden in one report is hidden in every report that "
            "shows it.",
            minimum=report.min_group_size,
        ),
        _(
            "Circular 01/2018 scores: each index scores 2, 1 or 0 points per dossier; its score "
            "is the mean over the dossiers, rounded to one decimal."
        ),
        _(
            "Where dossiers from the one-stop system are loaded, the satisfied share is also "
            "weighted to the dossiers returned: each stratum (by default an agency and "
            "procedure field) counts in proportion to its dossiers, its ratings standing for "
            "all of them."
        ),
        _(
            "A stratum with too few ratings is merged into its agency, then its parent "
            "agency, never dropped; the interval, design effect and effective number of "
            "respondents come from the weighted design."
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
#: Each table's sheet, named in the report's language.
_SHEET_NAMES = {
    "summary": _l("Summary"),
    "factors": _l("Factors"),
    "criteria": _l("Criteria"),
    "trend": _l("Trend"),
    "agencies": _l("Agencies"),
    "officials": _l("Officials"),
    "official_scores": _l("Official scores"),
    "coverage": _l("Dossiers rated"),
    "low_coverage": _l("Low coverage"),
    "weighted": _l("Weighted"),
    "responsiveness": _l("Responsiveness"),
}
#: Characters a sheet's name may not hold, and its longest length (Excel's rules).
_NOT_IN_SHEET_NAMES = re.compile(r"[\\/?*\[\]:]")
_SHEET_NAME_LENGTH = 31


def sheet_name(name: str) -> str:
    """``name`` as Excel accepts it for a sheet."""
    return _NOT_IN_SHEET_NAMES.sub(" ", name)[:_SHEET_NAME_LENGTH]


def report_xlsx(report: Report) -> bytes:
    """A workbook: one sheet per table, the filters on the summary sheet, method notes last."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in report.tables.files:
        sheet = workbook.create_sheet(sheet_name(str(_SHEET_NAMES[table.key])))
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
    notes = workbook.create_sheet(sheet_name(_("Method")))
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


class _ReportPdf(DocumentPdf):
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

    def report_table(self, table: Table) -> TableLayout | None:
        """``table`` under its title, columns as wide as their words need (a page turned to
        landscape for a table too wide for portrait); the layout used, None if no rows."""
        if not table.rows:
            return None
        texts = tuple(tuple(cell.file_text() for cell in row) for row in table.rows)
        figures = table.number_columns
        layout = table_layout(self, table.columns, texts, figures)
        if layout is None:
            self.add_page(orientation="landscape")
            layout = table_layout(self, table.columns, texts, figures) or squeezed_layout(
                self, table.columns, texts
            )
        self.heading(table.title, 12)
        self.set_font(self.font_name, "", layout.font_size)
        self.set_text_color(20, 20, 20)
        # fpdf2 takes the body cells' style from the current state, fill colour included:
        # after a chart that is the colour of its last bar or dot (rows came out red).
        self.set_fill_color(255, 255, 255)
        with super().table(
            col_widths=layout.widths,
            headings_style=_pdf_heading_style(self.font_name),
            line_height=layout.font_size * 0.5,
            align="LEFT",
            text_align=tuple(
                "RIGHT" if index in figures else "LEFT" for index in range(len(table.columns))
            ),
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
        return layout


def _pdf_heading_style(font_name: str):
    return FontFace(
        family=font_name, emphasis="BOLD", color=(255, 255, 255), fill_color=(31, 95, 168)
    )


def report_pdf(report: Report) -> bytes:
    """A report in the decree's layout on A4: the letterhead, the title, the headline and the
    method on page 1; then charts and tables; the filters and the signature block last."""
    generated = vietnam_local_date(report.generated_dt)
    filters = dict(report.filters)
    pdf = _ReportPdf(
        _(
            "%(title)s · generated %(day)s",
            title=_("Satisfaction survey report"),
            day=format_day(generated),
        )
    )
    pdf.set_title(_("Satisfaction survey report"))
    pdf.set_creator("Hài Lòng")
    pdf.add_page()
    issuer = issuing_agency(reports_session(), report)
    draw_letterhead(pdf, letterhead_for(issuer, "BC", generated, report.language))
    pdf.heading(_("REPORT"), 14, align="C")
    pdf.heading(
        _(
            "Results of the satisfaction survey: %(agency)s, %(period)s",
            agency=filters[_("Agency")],
            period=filters[_("Period")],
        ),
        11,
        align="C",
    )
    pdf.set_font(pdf.font_name, "", 9.5)
    subtitle = f"{_('Questionnaire')}: {filters[_('Questionnaire')]}"
    if report.data_as_of is not None:  # read on a replica: said under the title too
        subtitle += "\n" + _("Data as of %(moment)s", moment=as_of_moment(report.data_as_of))
    pdf.multi_cell(0, 5, subtitle, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.heading(_("I. Headline"), 12)
    for line in headline_lines(report):
        pdf.paragraph("• " + line, 10.5)
    pdf.ln(2)
    pdf.heading(_("II. How these figures are computed"), 12)
    for note in method_notes(report):
        pdf.paragraph("• " + note, 9)

    # Charts and tables
    pdf.add_page()
    for chart in charts.report_charts(report):
        pdf.chart(chart)
    for table in report.tables.files:
        if table.key != "summary" or report.overview.is_suppressed:
            pdf.report_table(table)

    # Filters, signature
    pdf.heading(_("Filters used"), 12)
    for label, value in report.filters:
        pdf.paragraph(f"{label}: {value}")
    pdf.ln(6)
    draw_signature_block(pdf, ("- …………;", "- …………;", _("- Archived: VT.")))
    return bytes(pdf.output())


def issuing_agency(session, report: Report) -> Agency | None:
    """Who issues the report: the chosen agency, else the one unit above all the others the
    report counts (the province for a province-wide report); None if there is no single one."""
    if report.request.agency is not None:
        return report.request.agency
    agency_ids = report.report_filter.agency_ids
    query = select(Agency).order_by(Agency.id)
    if agency_ids is not None:
        query = query.where(Agency.id.in_(agency_ids))
    agencies = session.scalars(query).all()
    inside = {agency.id for agency in agencies}
    tops = [agency for agency in agencies if agency.parent_id not in inside]
    return tops[0] if len(tops) == 1 else None


def headline_lines(report: Report) -> list[str]:
    """The headline in sentences (cover of the PDF)."""
    overview = report.overview
    if report.tables.notice is not None:
        return [report.tables.notice]
    lines = [report.tables.withheld] if report.tables.withheld else _figure_lines(overview)
    return lines + _onestop_lines(report)


def _figure_lines(overview) -> list[str]:
    """The responses, the SIPAS index and the headline rate, in sentences."""
    assert overview.responses is not None, "the count is withheld only with a notice"
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
    return lines


def _onestop_lines(report: Report) -> list[str]:
    """The Circular 01/2018 total and band, and the indices without data, in sentences."""
    overview = report.overview
    lines: list[str] = []
    if overview.onestop is not None and report.onestop_total_hidden is None:
        lines.append(
            _(
                "Circular 01/2018 total: %(total)s; classification: %(classification)s",
                total=report.onestop_total_words(overview.onestop),
                classification=report.onestop_classification_words(overview.onestop),
            )
        )
        if overview.onestop.missing_indices:
            lines.append(
                _("Indices without data") + ": " + report.onestop_missing_words(overview.onestop)
            )
    return lines


# --------------------------------------------------------------------------------------
# The response-level CSV, streamed
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseColumns:
    """How the response-level CSV writes its header and cells.

    Two variants: :func:`readable_columns` for readers (the question texts as headers, answer
    labels, days as the reader writes them, everything in the reader's language) and
    :func:`coded_columns` for analysts (documented in the README: keys as headers, the
    answers' integer codes, ISO days, the stored codes of channels and respondents).
    """

    item_keys: tuple[str, ...]
    header: tuple[str, ...]
    #: Stored value → what is written, for the channel and the respondent type.
    channels: dict[str, str]
    respondents: dict[str, str]
    flagged: dict[bool, str]
    not_applicable: str
    #: Item key → answer code → label; an item not here is written as its code.
    answer_labels: dict[str, dict[int, str]]
    day: Callable[[date], str]


#: The analysts' header of the columns before the answers (see the README).
CODED_HEADER = (
    "response_id",
    "date",
    "time",
    "agency_code",
    "agency_name",
    "desk",
    "official",
    "procedure_field",
    "channel",
    "respondent_type",
    "questionnaire_version",
    "flagged",
)
#: What the analysts' variant writes for a "not applicable" answer.
CODED_NOT_APPLICABLE = "NA"


def readable_columns(definition, language: str) -> ResponseColumns:
    """Question texts and answer labels in ``language``, for a reader with a spreadsheet."""
    items = definition.items
    return ResponseColumns(
        item_keys=tuple(item.key for item in items),
        header=(
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
            *(definition.text(item.text, language) for item in items),
        ),
        channels={key.value: str(label) for key, label in CHANNEL_LABELS.items()},
        respondents={key.value: str(label) for key, label in RESPONDENT_TYPE_LABELS.items()},
        flagged={True: _("Yes"), False: _("No")},
        not_applicable=_("Not applicable"),
        answer_labels={
            item.key: {
                code: definition.text(label, language) for code, label in item.scale.labels.items()
            }
            for item in items
            if item.scale is not None
        },
        day=format_day,
    )


def coded_columns(definition) -> ResponseColumns:
    """Item keys and answer codes, stored codes and ISO days: the same in every language."""
    item_keys = tuple(item.key for item in definition.items)
    return ResponseColumns(
        item_keys=item_keys,
        header=CODED_HEADER + item_keys,
        channels={key.value: key.value for key in CHANNEL_LABELS},
        respondents={key.value: key.value for key in RESPONDENT_TYPE_LABELS},
        flagged={True: "1", False: "0"},
        not_applicable=CODED_NOT_APPLICABLE,
        answer_labels={},
        day=date.isoformat,
    )


def stream_responses_csv(
    connect: Callable[[], Connection], report_filter: ReportFilter, columns: ResponseColumns
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

    writer.writerow([neutralise(column) for column in columns.header])
    yield "\ufeff".encode() + flush()
    connection = connect().execution_options(stream_results=True, yield_per=STREAM_BATCH)
    try:
        # Answers are read after their responses (a response and its answers are stored in
        # one transaction), so every response read has all its answers in the second query.
        response_rows = connection.execute(responses)
        answer_rows = connection.execute(answers)
        for line in _response_lines(response_rows, answer_rows, columns):
            writer.writerow(line)
            if buffer.tell() >= STREAM_CHUNK_BYTES:
                yield flush()
    finally:
        connection.close()
    yield flush()


def _response_lines(response_rows, answer_rows, columns: ResponseColumns) -> Iterator[list]:
    """One CSV line (a list of cells) per response; both row streams ordered by response id.

    Answers of responses that are not in ``response_rows`` (stored after it was read) are
    skipped.
    """
    item_keys = columns.item_keys
    positions = {key: position for position, key in enumerate(item_keys)}
    labels = [columns.answer_labels.get(key, {}) for key in item_keys]
    not_applicable, channels, respondents = (
        columns.not_applicable,
        columns.channels,
        columns.respondents,
    )
    flagged = columns.flagged
    texts = cache(lambda text: neutralise(text or ""))  # names: a few thousand at most
    days = cache(columns.day)
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
                    cells[position] = labels[position].get(answer[2], answer[2])
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


def download_name(report: Report, extension: str, kind: str = "") -> str:
    """What the file is, in its name: "hai-long-sipas-AG-2026-Q3.pdf" (questionnaire, the code
    of the agency issuing it as on the PDF's letterhead, else "all", period),
    "…-responses.csv" for a ``kind`` of file. ASCII, no spaces."""
    issuer = issuing_agency(reports_session(), report)
    agency = issuer.code if issuer is not None else "all"
    period = report.report_filter.period.label.replace("..", "_")
    parts = ["hai-long", report.request.questionnaire_key, agency, period, kind]
    stem = "-".join(_UNSAFE_IN_NAMES.sub("-", part) for part in parts if part)
    return f"{stem}.{extension}"
