"""A report's tables, each built once by its own function from the report's figures.

:func:`report_tables` builds them when a page or a download first asks
(:attr:`survey.results.report.Report.tables`). The downloads (CSV, XLSX, PDF) write
:attr:`ReportTables.files`, in one layout; the dashboard pages render their own tables
(an interval in one column, a pivot of the officials' scores), built here from the same
figures with the same cells. Every rule a reader sees is applied here once: what is hidden
and why (:class:`~survey.results.tables.Hidden`), how a period or a test result reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from survey.i18n import format_day, format_number, format_percent
from survey.results.disclosure import ONESTOP_TOTAL, OVERALL_INDEX
from survey.results.filters import Period
from survey.results.tables import Cell, Hidden, Table, derived_footnotes, figure, or_text, percent

if TYPE_CHECKING:
    from survey.results.overview import Trend
    from survey.results.report import Report

#: A test's p-value below this: the difference is larger than chance alone would explain.
SIGNIFICANCE_LEVEL = 0.05


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------


def period_words(period: Period) -> str:
    """ "Quý 3/2026", "Tháng 7/2026", "Năm 2026" or "01/07/2026 – 15/07/2026"."""
    months = period.months
    start = period.start
    if months == 1:
        return _("Month %(month)d/%(year)d", month=start.month, year=start.year)
    if months == 3 and start.month % 3 == 1:
        return _("Quarter %(quarter)d/%(year)d", quarter=(start.month + 2) // 3, year=start.year)
    if months == 12 and start.month == 1:
        return _("Year %(year)d", year=start.year)
    last_day = date.fromordinal(period.end.toordinal() - 1)
    return f"{format_day(start)} – {format_day(last_day)}"


def trend_words(test) -> str:
    """A trend test's result in words."""
    if test.pvalue >= SIGNIFICANCE_LEVEL:
        return _("No clear trend")
    return _("Rising") if test.direction == "rising" else _("Falling")


def change_words(change) -> tuple[str, str]:
    """The headline against the previous period, and whether chance explains it."""
    previous = change.previous
    against = _(
        "Against %(previous)s (%(rate)s, confidence interval %(low)s – %(high)s): "
        "%(points)s percentage points (p = %(pvalue)s).",
        previous=period_words(change.previous_period),
        rate=format_percent(previous.rate * 100),
        low=format_percent(previous.ci.low * 100),
        high=format_percent(previous.ci.high * 100),
        points=format_number(change.difference * 100, 1),
        pvalue=format_number(change.test.pvalue, 3),
    )
    if change.test.pvalue < SIGNIFICANCE_LEVEL:
        return against, _("The change is larger than chance alone would explain.")
    return against, _("The change may be chance: it is within the uncertainty.")


def suppressed_words(min_group_size: int) -> str:
    """Why a report shows nothing at all."""
    return _(
        "Fewer than %(minimum)d responses match these filters: no result is shown, to "
        "protect the respondents.",
        minimum=min_group_size,
    )


def funnel_status(unit) -> str:
    """The unit against the province on the funnel plot, in words."""
    if unit.is_below_998:
        return _("Clearly below the province")
    if unit.is_below_95:
        return _("Below the province")
    if unit.is_above_998:
        return _("Clearly above the province")
    if unit.is_above_95:
        return _("Above the province")
    if unit.shrunk_rate is None:
        return ""
    return _("Within the limits")


def _unit_hidden(unit) -> Hidden | None:
    return Hidden.SMALL_GROUP if unit.is_suppressed else None


def unit_note(unit) -> str:
    if unit.is_suppressed:
        return Hidden.SMALL_GROUP.label
    if unit.has_too_few_ratings:
        return _("Too few ratings: not ranked")
    return ""


def _interval_cell(low: float | None, high: float | None, scale: float = 1) -> Cell:
    """An interval in one page cell; a dash without one."""
    if low is None or high is None:
        return Cell("–")
    return Cell((low * scale, high * scale), "interval")


def _percent_or_dash(proportion: float | None) -> Cell:
    """A proportion (0-1) on a page, where a missing rate has always read as a dash."""
    return Cell("–") if proportion is None else percent(proportion)


# --------------------------------------------------------------------------------------
# The tables every download writes
# --------------------------------------------------------------------------------------


def _summary_headline(overview) -> list[tuple[Cell, Cell]]:
    reason = Hidden.SMALL_GROUP if overview.is_suppressed else None
    rows = [(Cell(_("Responses")), figure(overview.responses, "number", reason))]
    if overview.headline is not None:
        rows += [
            (Cell(_("Satisfied (overall question)")), percent(overview.headline.rate)),
            (Cell(_("Confidence interval, lower bound")), percent(overview.headline.ci.low)),
            (Cell(_("Confidence interval, upper bound")), percent(overview.headline.ci.high)),
            (Cell(_("Answers to the overall question")), Cell(overview.headline.n, "number")),
        ]
    return rows


def _summary_sipas(overview, hidden_figures) -> list[tuple[Cell, Cell]]:
    if overview.sipas is None:
        return []
    rows = [(Cell(_("Satisfaction index (SIPAS)")), Cell(overview.sipas.index, "percent"))]
    if overview.sipas_interval is not None:
        ci = overview.sipas_interval.ci
        rows += [
            (Cell(_("Index confidence interval, lower bound")), Cell(ci.low, "percent")),
            (Cell(_("Index confidence interval, upper bound")), Cell(ci.high, "percent")),
        ]
    if overview.sipas.overall_question_index is not None:
        rows.append(
            (
                Cell(_("Mean of the factors' overall questions")),
                figure(
                    overview.sipas.overall_question_index,
                    "percent",
                    Hidden.DERIVED if OVERALL_INDEX in hidden_figures else None,
                ),
            )
        )
    return rows


def _summary_tests(overview) -> list[tuple[Cell, Cell]]:
    rows = []
    change = overview.change
    if change is not None:
        rows += [
            (Cell(_("Previous period")), Cell(period_words(change.previous_period))),
            (Cell(_("Satisfied in the previous period")), percent(change.previous.rate)),
            (Cell(_("Change (percentage points)")), Cell(change.difference * 100, "points")),
            (Cell(_("p-value of the change")), Cell(change.test.pvalue, "decimal")),
        ]
    if overview.trend is not None and overview.trend.test is not None:
        rows += [
            (Cell(_("Trend")), Cell(trend_words(overview.trend.test))),
            (Cell(_("p-value of the trend")), Cell(overview.trend.test.pvalue, "decimal")),
        ]
    return rows


def summary_table(report: Report) -> Table:
    overview = report.overview
    rows = _summary_headline(overview) + _summary_sipas(overview, report.hidden_figures)
    rows += _summary_tests(overview)
    if overview.onestop is not None:
        reason = Hidden.DERIVED if ONESTOP_TOTAL in report.hidden_figures else None
        label = report.classification_label(overview.onestop)
        rows += [
            (
                Cell(_("Circular 01/2018 total")),
                figure(overview.onestop.agency_total, "points", reason),
            ),
            (Cell(_("Circular 01/2018 classification")), Cell(reason.label if reason else label)),
        ]
    return Table(
        "summary",
        _("Summary"),
        (_("Measure"), _("Value")),
        tuple(rows),
        derived_footnotes(rows),
    )


def factors_table(report: Report) -> Table:
    columns = (
        _("Factor"),
        _("Index"),
        _("Lower bound"),
        _("Upper bound"),
        _("Overall question"),
        _("Cronbach's alpha"),
    )
    rows = tuple(
        (
            Cell(row.title),
            figure(row.index, "percent", row.index_hidden),
            figure(row.low, "percent", row.index_hidden),
            figure(row.high, "percent", row.index_hidden),
            figure(row.overall, "percent", row.overall_hidden),
            or_text(row.alpha.alpha if row.alpha else None, "decimal", _("not computable")),
        )
        for row in report.factors
    )
    return Table("factors", _("Factors"), columns, rows, derived_footnotes(rows))


def criteria_table(report: Report) -> Table:
    columns = (
        _("Group"),
        _("Criterion"),
        _("Rate or score"),
        _("Lower bound"),
        _("Upper bound"),
        _("Answers"),
    )
    rows = tuple(
        (
            Cell(row.group),
            Cell(row.text),
            figure(row.value, "points" if row.is_points else "percent", row.hidden),
            or_text(row.low, "percent", ""),
            or_text(row.high, "percent", ""),
            figure(row.n, "number", row.hidden),
        )
        for row in report.criteria
    )
    return Table("criteria", _("Criteria, weakest first"), columns, rows)


def _trend_rate_cells(point) -> tuple[Cell, Cell, Cell]:
    """A trend period's rate and interval: hidden with the period, a dash without answers."""
    if point.rate is not None:
        return percent(point.rate.rate), percent(point.rate.ci.low), percent(point.rate.ci.high)
    empty = percent(None, Hidden.SMALL_GROUP) if point.is_suppressed else Cell("–")
    return empty, empty, empty


def trend_table(trend: Trend) -> Table:
    columns = (_("Period"), _("Responses"), _("Satisfied"), _("Lower bound"), _("Upper bound"))
    rows = tuple(
        (
            Cell(period_words(point.period)),
            figure(point.responses, "number", Hidden.SMALL_GROUP if point.is_suppressed else None),
            *_trend_rate_cells(point),
        )
        for point in trend.points
    )
    return Table("trend", _("Trend"), columns, rows)


def units_table(key: str, title: str, name_column: str, units, name) -> Table:
    """Agencies or officials compared: ``name(unit.key)`` names each."""
    columns = (
        name_column,
        _("Rank"),
        _("Responses"),
        _("Answers"),
        _("Satisfied"),
        _("Adjusted for size"),
        _("Lower bound"),
        _("Upper bound"),
        _("Against the province"),
        _("Note"),
    )
    rows = []
    for unit in units:
        reason = _unit_hidden(unit)
        rows.append(
            (
                Cell(name(unit.key)),
                or_text(unit.rank or None, "number", ""),
                figure(unit.responses, "number", reason),
                figure(unit.ratings, "number", reason),
                percent(unit.rate, reason),
                percent(unit.shrunk_rate, reason),
                percent(unit.shrunk_low, reason),
                percent(unit.shrunk_high, reason),
                Cell(funnel_status(unit)),
                Cell(unit_note(unit)),
            )
        )
    return Table(key, title, columns, tuple(rows))


def _score_cells(report: Report, official_id: int, scores) -> tuple[Cell, ...]:
    """One official's Circular 01/2018 scores in one period, a row of the download."""
    note = ""
    if scores.is_suppressed:
        note = Hidden.SMALL_GROUP.label
    elif scores.has_too_few_ratings:
        note = _("Too few ratings")
    result = scores.scores
    return (
        Cell(report.official_name(official_id)),
        Cell(period_words(scores.period)),
        figure(scores.dossiers, "number", Hidden.SMALL_GROUP if scores.is_suppressed else None),
        Cell(result.officer_total, "points") if result else Cell(""),
        Cell(result.agency_total, "points") if result else Cell(""),
        Cell(note),
    )


def official_scores_table(report: Report) -> Table:
    columns = (
        _("Official"),
        _("Period"),
        _("Dossiers"),
        _("Officer total"),
        _("Total of the indices"),
        _("Note"),
    )
    rows = tuple(
        _score_cells(report, official_id, by_period[period])
        for official_id, by_period in sorted(
            report.official_scores.items(), key=lambda item: report.official_name(item[0])
        )
        for period in report.score_periods
        if period in by_period
    )
    return Table(
        "official_scores",
        _("Officials: Circular 01/2018 scores"),
        columns,
        rows,
        (official_class_words(),),
    )


def official_class_words() -> str:
    """Why an official's scores carry no class (the agency's bands are not for officials)."""
    return _(
        "No class is shown for an official: Circular 01/2018 classes an official by the share "
        "of their dossiers scoring 5 points or more, which the counts kept cannot give yet. "
        "The agency's bands apply to agencies only."
    )


def file_tables(report: Report) -> tuple[Table, ...]:
    """Summary, factors, criteria, trend, agencies, officials: as every download writes them."""
    overview = report.overview
    tables = [summary_table(report)]
    if overview.sipas is not None:
        tables.append(factors_table(report))
    tables.append(criteria_table(report))
    if overview.trend is not None:
        tables.append(trend_table(overview.trend))
    tables.append(
        units_table("agencies", _("Agencies"), _("Agency"), overview.agencies, report.agency_name)
    )
    tables.append(
        units_table(
            "officials", _("Officials"), _("Official"), overview.officials, report.official_name
        )
    )
    if report.score_periods:
        tables.append(official_scores_table(report))
    return tuple(tables)


# --------------------------------------------------------------------------------------
# The dashboard's tables
# --------------------------------------------------------------------------------------


def trend_page_table(trend: Trend) -> Table:
    rows = tuple(
        (
            Cell(period_words(point.period)),
            figure(point.responses, "number", Hidden.SMALL_GROUP if point.is_suppressed else None),
            _percent_or_dash(point.rate.rate if point.rate else None),
            _interval_cell(point.rate.ci.low, point.rate.ci.high, 100) if point.rate else Cell("–"),
        )
        for point in trend.points
    )
    footnotes: tuple[str, ...] = ()
    if trend.test is not None:
        footnotes = (f"{trend_words(trend.test)} (p = {format_number(trend.test.pvalue, 3)})",)
    return Table(
        "trend",
        _("Satisfied or very satisfied, by period"),
        (_("Period"), _("Responses"), _("Satisfied"), _("Confidence interval")),
        rows,
        footnotes,
        number_columns=frozenset({1, 2}),
    )


def factors_page_table(report: Report) -> Table:
    rows = tuple(
        (
            Cell(row.title),
            figure(row.index, "percent", row.index_hidden),
            _interval_cell(row.low, row.high),
            # Hidden or absent, the page has always shown a dash here.
            or_text(row.overall, "percent", "–"),
        )
        for row in report.factors
    )
    return Table(
        "factors",
        _("Factor indices"),
        (_("Factor"), _("Index"), _("Confidence interval"), _("Overall question")),
        rows,
        derived_footnotes(rows),
        number_columns=frozenset({1, 3}),
    )


def criteria_page_table(report: Report) -> Table:
    rows = tuple(
        (
            Cell(row.text),
            Cell(row.group),
            figure(row.value, "points" if row.is_points else "percent", row.hidden),
            _interval_cell(row.low, row.high),
            figure(row.n, "number", row.hidden),
        )
        for row in report.criteria
    )
    return Table(
        "criteria",
        _("Criteria, weakest first"),
        (_("Criterion"), _("Group"), _("Rate or score"), _("Confidence interval"), _("Answers")),
        rows,
        number_columns=frozenset({2, 4}),
    )


def alphas_page_table(report: Report) -> Table:
    rows = tuple(
        (
            Cell(row.title),
            or_text(row.alpha.alpha if row.alpha else None, "coefficient", _("not computable")),
            or_text(row.alpha.n_respondents if row.alpha else None, "number", "–"),
        )
        for row in report.factors
    )
    return Table(
        "alphas",
        _("Cronbach's alpha per factor"),
        (_("Factor"), _("Cronbach's alpha"), _("Respondents")),
        rows,
        number_columns=frozenset({1, 2}),
    )


def units_page_table(key: str, title: str, units, name) -> Table:
    columns = (
        _("Rank"),
        _("Name"),
        _("Responses"),
        _("Answers"),
        _("Satisfied"),
        _("Adjusted for size"),
        _("Confidence interval"),
        _("Against the province"),
        _("Note"),
    )
    rows = tuple(
        (
            or_text(unit.rank or None, "number", ""),
            Cell(name(unit.key)),
            figure(unit.responses, "number", _unit_hidden(unit)),
            figure(unit.ratings, "number", _unit_hidden(unit)),
            _percent_or_dash(unit.rate),
            _percent_or_dash(unit.shrunk_rate),
            _interval_cell(unit.shrunk_low, unit.shrunk_high, 100),
            Cell(funnel_status(unit)),
            Cell(unit_note(unit)),
        )
        for unit in units
    )
    return Table(key, title, columns, rows, number_columns=frozenset({2, 3, 4, 5}), header_column=1)


def _score_page_cell(report: Report, scores) -> Cell:
    """One official's Circular 01/2018 result in one period, in words."""
    if scores is None:
        return Cell("–")
    if scores.is_suppressed:
        return Cell(Hidden.SMALL_GROUP.label)
    if scores.has_too_few_ratings:
        return Cell(_("Too few ratings (%(n)s)", n=format_number(scores.dossiers)))
    result = scores.scores
    if result is None:
        return Cell("–")
    total = "–" if result.officer_total is None else format_number(result.officer_total, 1)
    words = _(
        "%(total)s of %(maximum)s points (%(n)s dossiers)",
        total=total,
        maximum=format_number(result.officer_maximum),
        n=format_number(scores.dossiers),
    )
    return Cell(words)


def official_scores_page_table(report: Report) -> Table:
    """Officials by period (each quarter, then the whole period)."""
    rows = tuple(
        (
            Cell(report.official_name(official_id)),
            *(_score_page_cell(report, by_period.get(period)) for period in report.score_periods),
        )
        for official_id, by_period in sorted(report.official_scores.items())
    )
    columns = (_("Official"), *(period_words(period) for period in report.score_periods))
    return Table(
        "official_scores",
        _("Officials: Circular 01/2018 scores"),
        columns,
        rows,
        (official_class_words(),),
    )


@dataclass(frozen=True)
class ReportTables:
    """A report's tables: ``files`` for the downloads, the others for the pages (None
    when the report has no such figures)."""

    files: tuple[Table, ...]
    trend: Table | None
    factors: Table | None
    criteria: Table
    alphas: Table | None
    agencies: Table
    officials: Table
    official_scores: Table | None
    #: The headline against the previous period, in two sentences (None without one).
    change: tuple[str, str] | None
    #: Why nothing is shown, when the whole selection is too small (else None).
    notice: str | None


def report_tables(report: Report) -> ReportTables:
    overview = report.overview
    return ReportTables(
        files=file_tables(report),
        trend=trend_page_table(overview.trend) if overview.trend is not None else None,
        factors=factors_page_table(report) if overview.sipas is not None else None,
        criteria=criteria_page_table(report),
        alphas=alphas_page_table(report) if overview.factor_alphas else None,
        agencies=units_page_table(
            "agencies", _("Agencies, best first"), overview.agencies, report.agency_name
        ),
        officials=units_page_table(
            "officials",
            _("Officials: satisfaction adjusted for the number of ratings"),
            overview.officials,
            report.official_name,
        ),
        official_scores=official_scores_page_table(report) if report.score_periods else None,
        change=change_words(overview.change) if overview.change is not None else None,
        notice=suppressed_words(report.min_group_size) if overview.is_suppressed else None,
    )
