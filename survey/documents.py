"""A4 documents in the layout of Vietnamese administrative papers (Decree 30/2020/NĐ-CP).

:class:`DocumentPdf` is the page (fonts with every Vietnamese diacritic, the decree's margins,
a footer); :func:`draw_letterhead` draws the head of the first page: the issuing agency under
its parent at the top left, the national name and motto at the top right, the document's
number and the place and date below them. A report (``/BC-``) and a letter (``/CV-``) use the
same head, built by :func:`letterhead_for` from the issuing agency.

:func:`table_layout` gives a table's column widths from its content, so that no word, number
or "%" is ever split over two lines: each column is at least as wide as its widest word, and
the space left is shared in proportion to how much more each column's longest text needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.line_break import BREAKING_SPACE_SYMBOLS_STR

from survey.org.models import Agency

FONT_DIRECTORY = Path(__file__).resolve().parents[1] / "static" / "fonts"

#: Font sizes a table may be set in, largest first (a wide table is set smaller).
TABLE_FONT_SIZES = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0)
#: Space kept beside the widest word of a column, besides the cell's own margins (mm).
_WIDTH_SLACK = 0.6
#: Where fpdf2 may end a line: its breaking spaces (not the no-break space) and line ends.
_LINE_BREAKS = re.compile(f"[{re.escape(BREAKING_SPACE_SYMBOLS_STR)}\n]")


class DocumentPdf(FPDF):
    """An A4 page with the decree's margins (left 30, right 15, top and bottom 20 mm)."""

    font_name = "DejaVu"

    def __init__(self, footer_text: str, orientation: str = "portrait"):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(self.font_name, "", str(FONT_DIRECTORY / "DejaVuSans.ttf"))
        self.add_font(self.font_name, "B", str(FONT_DIRECTORY / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=20)
        self.set_margins(30, 20, 15)

    def footer(self):
        self.set_y(-13)
        self.set_font(self.font_name, "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 6, f"{self.footer_text} · {self.page_no()}", align="C")

    def heading(self, text: str, size: float = 14, align: str = "L") -> None:
        self.set_font(self.font_name, "B", size)
        self.set_text_color(20, 20, 20)
        self.multi_cell(0, size * 0.55, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, size: float = 10) -> None:
        self.set_font(self.font_name, "", size)
        self.set_text_color(20, 20, 20)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)


@dataclass(frozen=True)
class Letterhead:
    """The head of a document's first page, every line already in the reader's language."""

    #: The issuing agency's parent ("UBND TỈNH AN GIANG"); None for a unit without one.
    parent: str | None
    issuer: str
    #: "Số:      /BC-AG": the number itself is left blank for the clerk who registers it.
    number: str
    #: "An Giang, ngày 07 tháng 12 năm 2026".
    place_and_date: str


def place_and_date(place: str | None, day: date) -> str:
    """The decree's form: a zero before days under 10 and before months 1 and 2.

    ``place``: the place name written before the date; None leaves a dotted line to fill in.
    """
    day_number = f"{day.day:02d}"
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return _(
        "%(place)s, day %(day)s month %(month)s year %(year)d",
        place=place or "…………",
        day=day_number,
        month=month,
        year=day.year,
    )


def letterhead_for(agency: Agency | None, kind: str, day: date, language: str) -> Letterhead:
    """The head of a document of ``kind`` ("BC" a report, "CV" a letter) that ``agency`` issues,
    dated ``day``, names in ``language``; the place is the ``DOCUMENT_PLACE`` setting.

    Without an agency (no single unit issues it) the agency's lines are left to fill in."""
    parent = agency.parent if agency is not None else None
    return Letterhead(
        parent=parent.localized_name(language).upper() if parent is not None else None,
        issuer=agency.localized_name(language).upper() if agency is not None else "…………",
        number=_(
            "No.: %(blank)s/%(kind)s-%(code)s",
            blank="\u00a0" * 8,
            kind=kind,
            code=agency.code if agency is not None else "…",
        ),
        place_and_date=place_and_date(current_app.config.get("DOCUMENT_PLACE"), day),
    )


def draw_letterhead(pdf: DocumentPdf, head: Letterhead) -> None:
    """Two columns from the top margin: the agency left, the nation right; the number under
    the agency and the place and date under the motto; the cursor ends below them."""
    left_width = pdf.epw * 0.42
    right_x = pdf.l_margin + left_width
    right_width = pdf.epw - left_width
    top = pdf.get_y()
    pdf.set_text_color(20, 20, 20)

    pdf.set_xy(pdf.l_margin, top)
    if head.parent is not None:
        pdf.set_font(pdf.font_name, "", 9.5)
        pdf.multi_cell(left_width, 4.6, head.parent, align="C", new_x=XPos.LMARGIN)
    pdf.set_font(pdf.font_name, "B", 9.5)
    pdf.multi_cell(left_width, 4.6, head.issuer, align="C", new_x=XPos.LMARGIN)
    _rule(pdf, pdf.l_margin + left_width / 2, pdf.get_y() + 0.8, left_width / 3)
    left_bottom = pdf.get_y() + 3

    pdf.set_xy(right_x, top)
    pdf.set_font(pdf.font_name, "B", 9.5)
    pdf.multi_cell(right_width, 4.6, _("SOCIALIST REPUBLIC OF VIET NAM"), align="C")
    pdf.set_x(right_x)
    pdf.set_font(pdf.font_name, "B", 10)
    pdf.multi_cell(right_width, 5, _("Independence - Freedom - Happiness"), align="C")
    motto_width = pdf.get_string_width(_("Independence - Freedom - Happiness"))
    _rule(pdf, right_x + right_width / 2, pdf.get_y() + 0.8, motto_width)
    right_bottom = pdf.get_y() + 3

    second_row = max(left_bottom, right_bottom)
    pdf.set_font(pdf.font_name, "", 9.5)
    pdf.set_xy(pdf.l_margin, second_row)
    pdf.multi_cell(left_width, 5, head.number, align="C")
    pdf.set_xy(right_x, second_row)
    pdf.multi_cell(right_width, 5, head.place_and_date, align="C")
    pdf.set_xy(pdf.l_margin, pdf.get_y() + 6)


def draw_signature_block(pdf: DocumentPdf, recipients: Sequence[str]) -> None:
    """The decree's foot: the recipients at the left, the head of the agency signs at the
    right (on a new page when the space left is too short)."""
    if pdf.get_y() + 45 > pdf.page_break_trigger:
        pdf.add_page()
    half = pdf.epw / 2
    top = pdf.get_y()
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(pdf.font_name, "B", 9)
    pdf.cell(half, 5, _("Recipients:"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(pdf.font_name, "", 8.5)
    for line in recipients:
        pdf.cell(half, 4.5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin + half, top)
    pdf.set_font(pdf.font_name, "B", 10)
    pdf.cell(half, 5, _("HEAD OF THE AGENCY"), align="C")
    pdf.set_xy(pdf.l_margin + half, top + 5)
    pdf.set_font(pdf.font_name, "", 9)
    pdf.cell(half, 5, _("(Signature, full name, seal)"), align="C")


def _rule(pdf: DocumentPdf, centre: float, y: float, width: float) -> None:
    pdf.set_draw_color(20, 20, 20)
    pdf.set_line_width(0.3)
    pdf.line(centre - width / 2, y, centre + width / 2, y)
    pdf.set_y(y)


@dataclass(frozen=True)
class TableLayout:
    """How a table is set: its font size, each column's width (mm) and the cells' texts."""

    font_size: float
    widths: tuple[float, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def table_layout(
    pdf: DocumentPdf,
    columns: tuple[str, ...],
    rows: tuple[tuple[str, ...], ...],
    figures: frozenset[int] = frozenset(),
) -> TableLayout | None:
    """The largest of :data:`TABLE_FONT_SIZES` at which every column holds its widest word
    within the page's width; None when even the smallest does not fit. The columns numbered
    in ``figures`` hold figures ("75,0 % – 83,1 %"): each cell is kept on one line."""
    for size in TABLE_FONT_SIZES:
        widths = _column_widths(pdf, columns, rows, size, figures)
        if widths is not None:
            return TableLayout(size, widths, columns, rows)
    return None


def _column_widths(pdf: DocumentPdf, columns, rows, size, figures) -> tuple[float, ...] | None:
    least, natural = _column_needs(pdf, columns, rows, size, figures)
    room = pdf.epw - sum(least)
    if room < 0:
        return None
    wanted = [whole - word for word, whole in zip(least, natural, strict=True)]
    if sum(wanted) <= room:
        # Every text fits on one line: share what is left like the texts' lengths.
        return tuple(whole * pdf.epw / sum(natural) for whole in natural)
    return tuple(word + room * want / sum(wanted) for word, want in zip(least, wanted, strict=True))


def _column_needs(
    pdf: DocumentPdf, columns, rows, size: float, figures: frozenset[int] = frozenset()
) -> tuple[list[float], list[float]]:
    """Each column's width for its widest word (a figure: its whole text) and for its longest
    line, margins included; headings in bold. Words part where fpdf2 may break a line: a
    no-break space keeps "79,3 %" one word."""
    margin = 2 * pdf.c_margin + _WIDTH_SLACK

    def measure(text: str, style: str, whole: bool = False) -> tuple[float, float]:
        pdf.set_font(pdf.font_name, style, size)
        lines = [pdf.get_string_width(line) for line in text.split("\n")]
        if whole:
            return max(lines), max(lines)
        words = [pdf.get_string_width(word) for word in _LINE_BREAKS.split(text) if word]
        return max(words, default=0.0), max(lines)

    least, natural = [], []
    for index, title in enumerate(columns):
        whole = index in figures
        sizes = [measure(title, "B")] + [measure(row[index], "", whole) for row in rows]
        least.append(max(word for word, _whole in sizes) + margin)
        natural.append(max(whole for _word, whole in sizes) + margin)
    return least, natural


def squeezed_layout(
    pdf: DocumentPdf, columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]
) -> TableLayout:
    """The last resort for a table whose words do not fit even at the smallest size: each
    column as wide as its widest word, all narrowed alike to the page (long words break)."""
    size = TABLE_FONT_SIZES[-1]
    least, _natural = _column_needs(pdf, columns, rows, size)
    return TableLayout(size, tuple(w * pdf.epw / sum(least) for w in least), columns, rows)
