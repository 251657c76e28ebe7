"""QR codes and printable posters for desks and officials.

The code encodes the full address ``<BASE_URL>/q/<code>``; the poster prints, for those
who type rather than scan, the short form without the scheme under it. Posters are A4 or
A5 PDFs with a Unicode font (DejaVu Sans, in ``static/fonts``) so Vietnamese diacritics
print and can be searched; the QR code is drawn as vector rectangles, sharp at any size.
Units serving Khmer speakers (``Agency.khmer_posters``) also print the call to scan in Khmer,
in Noto Sans Khmer, shaped by HarfBuzz (``uharfbuzz``) so that its stacked consonants and
vowels are drawn right.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import segno
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from survey.org.models import PublicCode

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_FOLDER = Path(__file__).resolve().parent.parent.parent / "static" / "fonts"
PAGE_SIZES = {"A4": (210.0, 297.0), "A5": (148.0, 210.0)}
#: Modules of blank border around a QR code (the standard asks for 4).
QUIET_ZONE = 4


@dataclass(frozen=True)
class Poster:
    """The words and address printed on one poster."""

    agency: str
    subject: str  # the desk's name, or the official's name and title
    address: str
    khmer: bool = False  # the call to scan in Khmer too

    @property
    def short_address(self) -> str:
        return self.address.split("://", 1)[-1]


def code_address(code: str) -> str:
    """The full address a QR code opens."""
    return f"{current_app.config['BASE_URL'].rstrip('/')}/q/{code}"


def qr_code(address: str) -> segno.QRCode:
    # Level M survives a scratched or faded poster; never a Micro QR (phones miss them).
    return segno.make(address, error="m", micro=False)


def qr_svg(address: str) -> bytes:
    buffer = io.BytesIO()
    qr_code(address).save(buffer, kind="svg", scale=10, border=QUIET_ZONE, title=address)
    return buffer.getvalue()


def qr_png(address: str) -> bytes:
    buffer = io.BytesIO()
    qr_code(address).save(buffer, kind="png", scale=10, border=QUIET_ZONE)
    return buffer.getvalue()


def poster_for(public_code: PublicCode) -> Poster:
    """The poster of a desk's or an official's code, in Vietnamese (the agency's own words)."""
    address = code_address(public_code.code)
    if public_code.service_point is not None:
        desk = public_code.service_point
        return Poster(desk.agency.name, desk.name, address, desk.agency.khmer_posters)
    official = public_code.official
    assert official is not None, "a public code names a desk or an official"
    subject = official.name + (f", {official.title}" if official.title else "")
    return Poster(official.agency.name, subject, address, official.agency.khmer_posters)


def _instructions() -> dict[str, str]:
    """The call to scan in Vietnamese, English and Khmer (from the translation catalog)."""
    texts = {}
    for language in ("vi", "en", "km"):
        with force_locale(language):
            texts[language] = _("Scan the code to rate how satisfied you are with our service")
    return texts


def posters_pdf(posters: list[Poster], size: str = "A4") -> bytes:
    """One page per poster, in ``size`` ("A4" or "A5")."""
    from fpdf import FPDF  # imported when a poster is drawn, not by every command's start

    width, height = PAGE_SIZES[size]
    pdf = FPDF(orientation="portrait", unit="mm", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.set_title("Hài Lòng QR")
    pdf.add_font("DejaVu", "", str(FONT_FOLDER / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_FOLDER / "DejaVuSans-Bold.ttf"))
    pdf.add_font("Khmer", "", str(FONT_FOLDER / "NotoSansKhmer-Regular.ttf"))
    instructions = _instructions()
    scale = width / 210.0  # A5 is A4 scaled down
    margin = 15 * scale
    text_width = width - 2 * margin
    for poster in posters:
        pdf.add_page()
        pdf.set_xy(margin, margin)
        pdf.set_font("DejaVu", "B", 20 * scale)
        pdf.multi_cell(text_width, 9 * scale, poster.agency, align="C")
        pdf.set_x(margin)
        pdf.set_font("DejaVu", "", 18 * scale)
        pdf.multi_cell(text_width, 8 * scale, poster.subject, align="C")
        pdf.ln(6 * scale)
        pdf.set_x(margin)
        pdf.set_font("DejaVu", "B", 22 * scale)
        pdf.multi_cell(text_width, 10 * scale, instructions["vi"], align="C")
        pdf.set_x(margin)
        pdf.set_font("DejaVu", "", 14 * scale)
        pdf.multi_cell(text_width, 7 * scale, instructions["en"], align="C")
        if poster.khmer:
            pdf.set_x(margin)
            pdf.set_font("Khmer", "", 15 * scale)
            pdf.set_text_shaping(True)
            pdf.multi_cell(text_width, 9 * scale, instructions["km"], align="C")
            pdf.set_text_shaping(False)
        side = 130 * scale
        top = max(pdf.get_y() + 6 * scale, height - margin - side - 30 * scale)
        _draw_qr(pdf, qr_code(poster.address), (width - side) / 2, top, side)
        pdf.set_xy(margin, top + side + 4 * scale)
        pdf.set_font("DejaVu", "B", 16 * scale)
        pdf.multi_cell(text_width, 8 * scale, poster.short_address, align="C")
    return bytes(pdf.output())


def _draw_qr(pdf: FPDF, code: segno.QRCode, left: float, top: float, side: float) -> None:
    """The code as filled rectangles (one per run of dark modules), quiet zone included."""
    matrix = code.matrix
    count = len(matrix) + 2 * QUIET_ZONE
    module = side / count
    pdf.set_fill_color(0, 0, 0)
    for row_number, row in enumerate(matrix):
        y = top + (row_number + QUIET_ZONE) * module
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            x = left + (start + QUIET_ZONE) * module
            # A hair wider, so that neighbouring rectangles leave no white seam in viewers.
            pdf.rect(x, y, (column - start) * module + 0.01, module + 0.01, style="F")
