"""The tables a report publishes: built once, already suppressed and labelled.

A :class:`Table` is what a page, the CSV, the workbook and the PDF show: a title, column
labels, rows of :class:`Cell` and footnotes. Whether a figure may be shown is decided when
the table is built (:mod:`survey.results.report_tables`), and a hidden cell says why
(:class:`Hidden`); the formats only render cells, so they cannot disagree about what is
hidden or how it reads.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey.i18n import format_day, format_number, format_percent, round_half_up

#: Characters that make a spreadsheet read a cell as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet will show as text: a leading apostrophe before a formula start."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Hidden(enum.StrEnum):
    """Why a cell's figure is not shown."""

    #: Fewer responses than ``MIN_GROUP_SIZE`` (or a cell the others would give away).
    SMALL_GROUP = "small_group"
    #: An official's dossiers scored (:func:`survey.results.onestop_points.scored_dossier_counts`)
    #: fewer than ``MIN_GROUP_SIZE`` (or a cell the others would give away).
    FEW_DOSSIERS = "few_dossiers"
    #: Computed from figures that include a hidden one, which it would give away.
    DERIVED = "derived"

    @property
    def label(self) -> str:
        return str(_HIDDEN_LABELS[self])


_HIDDEN_LABELS = {
    Hidden.SMALL_GROUP: _l("Hidden: too few responses"),
    Hidden.FEW_DOSSIERS: _l("Hidden: too few dossiers scored"),
    Hidden.DERIVED: _l("Hidden: would reveal a hidden figure"),
}

#: The footnote under a table with a figure hidden as :attr:`Hidden.DERIVED`.
DERIVED_FOOTNOTE = _l(
    "A figure is hidden too when, with the figures shown, it would give a hidden one away: "
    "a figure computed from it, or another unit's or official's in the same table."
)


#: Why a report's totals are withheld (:attr:`SatisfactionOverview.total_hidden`).
TOTALS_WITHHELD = _l(
    "This report's results (responses, the satisfied share and its interval, the indices "
    "and criteria) are withheld: they rest on too few answers to the overall question, "
    "or, with the other reports' totals, they would let the figures of a smaller unit or "
    "of a shorter period (a month, a quarter) be worked out."
)

#: Why a report filtered by two values at once withholds its results
#: (:attr:`survey.results.period_units.PeriodUnits.combines_filters`).
FILTERS_COMBINED = _l(
    "This report's results are withheld: it combines a desk or an official with a "
    "channel, a kind of respondent, a procedure field or a questionnaire version (or two "
    "of these). Such a combination is not published: with the reports filtered by each "
    "alone, it could let a small group's figures be worked out. Choose one of the filters."
)


def derived_footnotes(rows) -> tuple[str, ...]:
    """The footnote explaining :attr:`Hidden.DERIVED`, when a row has such a cell."""
    derived = any(cell.hidden is Hidden.DERIVED for row in rows for cell in row)
    return (str(DERIVED_FOOTNOTE),) if derived else ()


def _interval(bounds: tuple[float, float]) -> str:
    return f"{format_percent(bounds[0])} – {format_percent(bounds[1])}"


#: Decimals shown for each kind of number: percent (0-100) and points one, a whole
#: number none, a p-value three, a coefficient two.
DIGITS = {"percent": 1, "number": 0, "points": 1, "decimal": 3, "coefficient": 2}

#: How each kind of figure is written: a number of its ``DIGITS`` (rounded half up), a
#: day, or a percent interval (pages).
_FORMATS: dict[str, Callable[[Any], str]] = {
    "percent": format_percent,
    "number": format_number,
    "points": lambda value: format_number(value, DIGITS["points"]),
    "decimal": lambda value: format_number(value, DIGITS["decimal"]),
    "coefficient": lambda value: format_number(value, DIGITS["coefficient"]),
    "day": format_day,
    "interval": _interval,
}


@dataclass(frozen=True)
class Cell:
    """A value and how to show it (``kind``: "text" or a key of ``_FORMATS``).

    ``hidden``: the reason the figure is withheld (its value is then None). A figure
    without a value reads "hidden" too, as the downloads always wrote it; a text cell
    without one is empty. ``detail``: a second line under the value on a page.
    """

    value: object = None
    kind: str = "text"
    hidden: Hidden | None = None
    detail: str = ""

    @property
    def is_hidden(self) -> bool:
        return self.hidden is not None

    @property
    def is_figure(self) -> bool:
        """A number the workbook stores as a number (with its display format)."""
        return self.kind not in ("text", "interval") and self.value is not None

    def shown_value(self) -> object:
        """A figure's value as the reader sees it: a number rounded half up to the
        decimals shown (the workbook stores this, not the full precision); a day as is."""
        if self.kind in DIGITS and self.value is not None:
            rounded = round_half_up(float(self.value), DIGITS[self.kind])  # type: ignore[arg-type]
            return int(rounded) if DIGITS[self.kind] == 0 else float(rounded)
        return self.value

    def text(self) -> str:
        """The cell as the reader writes it ("85,3 %", "26/11/2026", "hidden")."""
        if self.hidden is not None or (self.value is None and self.kind != "text"):
            return _("hidden")
        if self.value is None:
            return ""
        if self.kind == "text":
            return str(self.value)
        return _FORMATS[self.kind](self.value)

    def file_text(self) -> str:
        """:meth:`text`, with text a spreadsheet could run as a formula defused."""
        return neutralise(self.text()) if self.kind == "text" else self.text()


def hidden(kind: str, reason: Hidden | None) -> Cell:
    """A figure withheld for ``reason``."""
    return Cell(None, kind, reason)


def figure(value: object, kind: str, reason: Hidden | None = None) -> Cell:
    """``value`` as a ``kind`` figure, or hidden when there is a ``reason``."""
    return hidden(kind, reason) if reason is not None else Cell(value, kind)


def or_text(value: object, kind: str, missing: str) -> Cell:
    """``value`` as a ``kind`` figure; ``missing`` (a dash, "not computable") when None."""
    return Cell(missing) if value is None else Cell(value, kind)


def percent(proportion: float | None, reason: Hidden | None = None) -> Cell:
    """A proportion (0-1) as a percent figure."""
    return figure(None if proportion is None else proportion * 100, "percent", reason)


@dataclass(frozen=True)
class Table:
    """One table of a report. ``key`` names it (the workbook's sheet); pages read
    ``number_columns`` (right-aligned) and ``header_column`` (the cell naming the row)."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    footnotes: tuple[str, ...] = ()
    number_columns: frozenset[int] = frozenset()
    header_column: int = 0

    def is_hidden_row(self, row: tuple[Cell, ...]) -> bool:
        """A row with a withheld figure (greyed on pages)."""
        return any(cell.is_hidden for cell in row)
