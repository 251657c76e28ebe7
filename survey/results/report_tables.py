"""A report's tables, each built once by its own function from the report's figures.

:func:`report_tables` builds them when a page or a download first asks
(:attr:`survey.results.report.Report.tables`). The downloads (CSV, XLSX, PDF) write
:attr:`ReportTables.files`, in one layout; the dashboard pages render their own tables
(an interval in one column, a pivot of the officials' scores), built here from the same
figures with the same cells. Every rule a reader sees is applied here once: what is hidden
and why (:class:`~survey.results.tables.Hidden`), how a period or a test result reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from survey.i18n import format_day, format_number, format_percent
from survey.results.disclosure import (
    ONESTOP_TOTAL,
    OVERALL_INDEX,
    hidden_units,
    weighted_gives_away,
)
from survey.results.filters import Period
from survey.results.tables import (
    FILTERS_COMBINED,
    TOTALS_WITHHELD,
    Cell,
    Hidden,
    Table,
    derived_footnotes,
    figure,
    hidden,
    or_text,
    percent,
)
from survey.results.weighting import AGENCY_PROCEDURE_FIELD, WeightedSatisfaction

if TYPE_CHECKING:
    from survey.feedback.responsiveness import Responsiveness
    from survey.results.coverage import Coverage, CoverageUnit
    from survey.results.overview import Trend
    from survey.results.report import Report

#: A test's p-value below this: the difference is larger than chance alone would explain.
SIGNIFICANCE_LEVEL = 0.05


# --------------------------------------------------------------------------------------
# Words
# --------------------------------------------------------------------------------------


def period_words(period: Period, today: date | None = None) -> str:
    """ "Quý 3/2026", "Tháng 7/2026", "Năm 2026" or "01/07/2026 – 15/07/2026".

    Given ``today`` (the platform's local day, :func:`survey.vietnam_calendar.local_today`),
    a period still in progress says so: "Quý 4/2026 (đến ngày 07/12/2026)".
    """
    words = _whole_period_words(period)
    if today is not None and period.start <= today < period.end:
        return _("%(period)s (to %(day)s)", period=words, day=format_day(today))
    return words


def _whole_period_words(period: Period) -> str:
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


def trend_test_footnotes(trend: Trend | None) -> tuple[str, ...]:
    """Which periods the trend test was computed on, when some are hidden (else nothing)."""
    if trend is None or trend.test is None or trend.tested_periods is None:
        return ()
    return (
        _(
            "The trend test is computed on the %(count)d periods shown: the hidden periods "
            "are left out of it.",
            count=trend.tested_periods,
        ),
    )


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


def tier_words(unit) -> str:
    """A ranked unit against the province, in words; empty for a unit not ranked."""
    if unit.tier is None:
        return ""
    return {
        "above": _("Clearly above the province"),
        "level": _("Not distinguishable from the province"),
        "below": _("Clearly below the province"),
    }[unit.tier]


def places_words(unit) -> str:
    """A ranked unit's places: "3" when the intervals set it apart, else "3–11"."""
    if unit.rank_range is None:
        return ""
    best, worst = unit.rank_range
    return format_number(best) if best == worst else f"{format_number(best)}–{format_number(worst)}"


def ranking_words(minimum: int) -> tuple[str, ...]:
    """How a comparison reads: what a place range and a tier mean, and who is not ranked."""
    return (
        _(
            "Places are ranges: where the adjusted confidence intervals of units overlap, "
            "the data cannot tell them apart, and each may hold any place in its range. "
            '"Clearly above" or "clearly below the province" means outside the %(level)s '
            "limits of the funnel plot; the others are not distinguishable from the province.",
            level=format_percent(95, 0),
        ),
        not_ranked_words(minimum),
    )


def not_ranked_words(minimum: int) -> str:
    return _(
        "Units with fewer than %(minimum)s ratings, or hidden, are listed apart: too few "
        "ratings to rank or to compare with the province.",
        minimum=format_number(minimum),
    )


def _unit_hidden(unit) -> Hidden | None:
    """Why a unit's figures are hidden: too few responses, or they would give a small
    figure away (a complement, :attr:`Hidden.DERIVED`)."""
    if not unit.is_suppressed:
        return None
    return Hidden.DERIVED if unit.is_complement else Hidden.SMALL_GROUP


def unit_note(unit, minimum: int) -> str:
    reason = _unit_hidden(unit)
    if reason is not None:
        return reason.label
    if not unit.is_ranked:
        return _("Too few ratings (fewer than %(minimum)s)", minimum=format_number(minimum))
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
    if overview.total_hidden:
        reason = Hidden.DERIVED
    rows = [(Cell(_("Responses")), figure(overview.responses, "number", reason))]
    if overview.headline is not None:
        rows += [
            (Cell(_("Satisfied (overall question)")), percent(overview.headline.rate)),
            (Cell(_("Confidence interval, lower bound")), percent(overview.headline.ci.low)),
            (Cell(_("Confidence interval, upper bound")), percent(overview.headline.ci.high)),
            (Cell(_("Answers to the overall question")), Cell(overview.headline.n, "number")),
        ]
    elif overview.total_hidden:
        rows.append((Cell(_("Satisfied (overall question)")), hidden("percent", reason)))
    return rows


def _summary_sipas(overview, hidden_figures) -> list[tuple[Cell, Cell]]:
    if overview.sipas is None:
        return []
    withheld = Hidden.DERIVED if overview.total_hidden else None
    rows = [
        (
            Cell(_("Satisfaction index (SIPAS)")),
            figure(overview.sipas.index, "percent", withheld),
        )
    ]
    if overview.sipas_interval is not None and withheld is None:
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


def _summary_onestop(report: Report, scores, reason: Hidden | None) -> list[tuple[Cell, Cell]]:
    """The Circular 01/2018 total out of what its indices allow, the indices without data
    and why, and the band only when all indices have data."""
    if reason is not None:
        return [
            (Cell(_("Circular 01/2018 total")), Cell(reason.label)),
            (Cell(_("Circular 01/2018 classification")), Cell(reason.label)),
        ]
    rows = [(Cell(_("Circular 01/2018 total")), Cell(report.onestop_total_words(scores)))]
    if scores.missing_indices:
        rows.append((Cell(_("Indices without data")), Cell(report.onestop_missing_words(scores))))
    rows.append(
        (
            Cell(_("Circular 01/2018 classification")),
            Cell(report.onestop_classification_words(scores)),
        )
    )
    return rows


def summary_table(report: Report) -> Table:
    overview = report.overview
    rows = _summary_headline(overview) + _summary_sipas(overview, report.hidden_figures)
    rows += _summary_tests(overview)
    if overview.onestop is not None:
        reason = Hidden.DERIVED if ONESTOP_TOTAL in report.hidden_figures else None
        rows += _summary_onestop(report, overview.onestop, reason)
    return Table(
        "summary",
        _("Summary"),
        (_("Measure"), _("Value")),
        tuple(rows),
        derived_footnotes(rows) + totals_footnotes(report) + trend_test_footnotes(overview.trend),
    )


def totals_footnotes(report: Report) -> tuple[str, ...]:
    """Why the report's totals are withheld, when they are (else nothing)."""
    if not report.overview.total_hidden:
        return ()
    decision = report.overview.decision
    combined = decision is not None and decision.period.combines_filters
    return (str(FILTERS_COMBINED if combined else TOTALS_WITHHELD),)


def factors_table(report: Report) -> Table:
    columns = (
        _("Factor"),
        _("Index"),
        _("Lower bound"),
        _("Upper bound"),
        _("Overall question"),
        _("Cronbach alpha"),
        _("Respondents (alpha)"),
        _("Reading"),
    )
    rows = tuple(
        (
            Cell(row.title),
            figure(row.index, "percent", row.index_hidden),
            figure(row.low, "percent", row.index_hidden),
            figure(row.high, "percent", row.index_hidden),
            figure(row.overall, "percent", row.overall_hidden),
            *alpha_cells(row, "decimal"),
        )
        for row in report.factors
    )
    return Table(
        "factors", _("Factors"), columns, rows, alpha_footnotes(report) + derived_footnotes(rows)
    )


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


def trend_table(trend: Trend, today: date | None = None) -> Table:
    columns = (_("Period"), _("Responses"), _("Satisfied"), _("Lower bound"), _("Upper bound"))
    rows = tuple(
        (
            Cell(period_words(point.period, today)),
            figure(point.responses, "number", Hidden.SMALL_GROUP if point.is_suppressed else None),
            *_trend_rate_cells(point),
        )
        for point in trend.points
    )
    return Table("trend", _("Trend"), columns, rows)


def _ranked_figure(unit, value: float | None) -> Cell:
    """An adjusted figure: hidden for a hidden unit, empty for one not ranked."""
    if unit.is_suppressed:
        return percent(None, Hidden.SMALL_GROUP)
    return or_text(None if value is None else value * 100, "percent", "")


#: A unit's weighted rate, or the one cell that stands for its weighted figures instead.
UnitWeighted = Callable[[Any], "WeightedSatisfaction | Cell"]


def unit_weighting(report: Report, kind: str) -> UnitWeighted | None:
    """How each agency's (``kind`` "agencies") or official's ("officials") weighted rate
    reads; None when no dossier was returned in the report's scope (no weighted column).

    Beside the raw rate and like it: hidden for a hidden unit, left empty for one not
    ranked; "No dossier data" for a unit without dossiers returned; hidden as derived when
    it would give away the few answers it leaves out (:func:`weighted_gives_away`), or
    split the parts of the unit no table publishes
    (:meth:`survey.results.weighting.WeightedUnits.unpublished_cells`)."""
    weighting = report.weighting
    if weighting is None:
        return None
    by_unit: Mapping[int, WeightedSatisfaction | None] = getattr(weighting, kind)
    shown, hidden_parts = _shown_officials(report), _hidden_parts(report)

    def weighted(unit) -> WeightedSatisfaction | Cell:
        if unit.is_suppressed:
            return hidden("percent", Hidden.SMALL_GROUP)
        if not unit.is_ranked:
            return Cell("")
        if unit.key not in by_unit:
            return Cell(_("No dossier data"))
        result = by_unit[unit.key]
        if result is None:
            return Cell(_("Too few ratings of dossiers returned"))
        unpublished = weighting.unpublished_cells(kind, unit.key, shown, hidden_parts)
        if weighted_gives_away(result.unweighted_answers, report.min_group_size) or (
            len(result.strata_of(unpublished)) > 1
        ):
            return hidden("percent", Hidden.DERIVED)
        return result

    return weighted


def _weighted_file_columns() -> tuple[str, ...]:
    return (
        _("Weighted to dossiers"),
        _("Weighted lower bound"),
        _("Weighted upper bound"),
        _("Design effect"),
        _("Effective number of respondents"),
    )


def _weighted_file_cells(weighted: WeightedSatisfaction | Cell) -> tuple[Cell, ...]:
    """The weighted rate, its interval, design effect and effective n (files)."""
    if isinstance(weighted, Cell):
        rest = weighted if weighted.is_hidden else Cell("")
        return (weighted, rest, rest, rest, rest)
    return (
        percent(weighted.rate),
        percent(weighted.ci_low),
        percent(weighted.ci_high),
        Cell(weighted.design_effect, "coefficient"),
        Cell(weighted.effective_n, "number"),
    )


def _weighted_page_cell(weighted: WeightedSatisfaction | Cell) -> Cell:
    """The weighted rate with its interval on a second line (pages)."""
    if isinstance(weighted, Cell):
        return weighted
    interval = Cell((weighted.ci_low * 100, weighted.ci_high * 100), "interval").text()
    return Cell(weighted.rate * 100, "percent", detail=interval)


def weighted_units_words(report: Report) -> str:
    """The footnote of a table of units with a weighted column ("" without one)."""
    if report.weighting is None:
        return ""
    if report.weighting.strata_setting == AGENCY_PROCEDURE_FIELD:
        return _(
            "Weighted to dossiers: each procedure field of the unit counts in proportion to "
            "the dossiers returned in it, not to its ratings (the confidence interval from "
            "the weighted design; a field with fewer than %(minimum)s ratings is merged into "
            "the unit as a whole).",
            minimum=format_number(max(2, report.min_group_size)),
        )
    return _(
        "Weighted to dossiers: the unit's ratings where it returned dossiers (one stratum "
        "per unit), with the confidence interval from the weighted design."
    )


def units_table(
    key: str,
    title: str,
    name_column: str,
    units,
    name,
    minimum: int,
    agency=None,
    weighted: UnitWeighted | None = None,
    weighted_words: str = "",
) -> Table:
    """Agencies or officials compared (ranked first, then those apart): ``name(key)``, and
    ``agency(key)`` beside it when given (an official's agency); their rates weighted to
    the dossiers returned when ``weighted`` is given (:func:`unit_weighting`)."""
    columns = (
        name_column,
        *((_("Agency"),) if agency else ()),
        _("Places"),
        _("Responses"),
        _("Answers"),
        _("Satisfied"),
        _("Adjusted for size"),
        _("Lower bound"),
        _("Upper bound"),
        _("Against the province"),
        *(_weighted_file_columns() if weighted else ()),
        _("Note"),
    )
    rows = []
    for unit in units:
        reason = _unit_hidden(unit)
        rows.append(
            (
                Cell(name(unit.key)),
                *((Cell(agency(unit.key)),) if agency else ()),
                Cell(places_words(unit)),
                figure(unit.responses, "number", reason),
                figure(unit.ratings, "number", reason),
                _ranked_figure(unit, unit.rate if unit.is_ranked else None),
                _ranked_figure(unit, unit.shrunk_rate),
                _ranked_figure(unit, unit.shrunk_low),
                _ranked_figure(unit, unit.shrunk_high),
                Cell(tier_words(unit)),
                *(_weighted_file_cells(weighted(unit)) if weighted else ()),
                Cell(unit_note(unit, minimum)),
            )
        )
    footnotes = (*ranking_words(minimum), *((weighted_words,) if weighted else ()))
    return Table(key, title, columns, tuple(rows), (*footnotes, *derived_footnotes(rows)))


def _score_cells(report: Report, official_id: int, scores) -> tuple[Cell, ...]:
    """One official's Circular 01/2018 scores in one period, a row of the download."""
    note = ""
    if scores.is_suppressed:
        note = Hidden.FEW_DOSSIERS.label
    elif scores.has_too_few_dossiers:
        note = _("Too few dossiers scored")
    result = scores.scores
    return (
        Cell(report.official_name(official_id)),
        Cell(period_words(scores.period)),
        figure(scores.dossiers, "number", Hidden.FEW_DOSSIERS if scores.is_suppressed else None),
        Cell(result.officer_total, "points") if result else Cell(""),
        Cell(result.agency_total, "points") if result else Cell(""),
        *_class_file_cells(report, scores),
        Cell(note),
    )


def _class_file_cells(report: Report, scores) -> tuple[Cell, ...]:
    """Dossiers scored on every officer index, the share at the mark and the class."""
    share, official_class = official_class_cells(report, scores)
    scored = Cell("")
    if scores.marks is not None:
        scored = figure(scores.marks[0], "number", share.hidden)
    return scored, share, official_class


def official_scores_table(report: Report) -> Table:
    columns = (
        _("Official"),
        _("Period"),
        _("Dossiers scored"),
        _("Officer total"),
        _("Total of the indices"),
        _("Dossiers scored on the officer indices"),
        _("Share of dossiers at the mark"),
        _("Official's class"),
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
        (scored_dossiers_words(report), official_class_words(report), *derived_footnotes(rows)),
    )


def scored_dossiers_words(report: Report) -> str:
    """What an official's dossiers scored are, and from how many points are shown."""
    return _(
        "Dossiers scored: the dossiers imported from the one-stop system and returned in the "
        "period, and the ratings not linked to one of them (a rating linked to its dossier "
        "counts once, with it). Points and a class are shown from %(minimum)s dossiers "
        "scored.",
        minimum=format_number(report.min_ratings_for_ranking),
    )


def official_class_words(report: Report) -> str:
    """How an official is classed, or why officials carry no class (the agency's bands are
    never applied to an official)."""
    onestop = report.definition.scoring.onestop
    classes = onestop.officer_classification if onestop else None
    if onestop is None or classes is None:
        return _(
            "No class is shown for an official: this scoring definition gives no rule for "
            "classing officials. The agency's bands apply to agencies only."
        )
    bands = "; ".join(
        _(
            "%(label)s: %(share)s of the dossiers or more",
            label=report.definition.text(label, report.language),
            share=format_percent(minimum, 0),
        )
        for minimum, _key, label in classes.bands
    )
    return _(
        "An official is classed by the share of their dossiers whose points on indices "
        "%(indices)s add up to %(mark)s or more (a rating linked to its dossier counts once; "
        "only dossiers with points on all these indices count): %(bands)s. An official is "
        "classed only when each of these indices has data. The agency's bands apply to "
        "agencies only.",
        indices=", ".join(str(number) for number in onestop.officer_indices),
        mark=format_number(classes.minimum_points, 0 if classes.minimum_points % 1 == 0 else 1),
        bands=bands,
    )


def official_class_cells(report: Report, scores) -> tuple[Cell, Cell]:
    """An official's share of dossiers at the mark and their class in one period, or why
    there is none (hidden with the official's other figures by the small-group rule)."""
    onestop = report.definition.scoring.onestop
    classes = onestop.officer_classification if onestop else None
    if onestop is None or classes is None or scores.marks is None:
        return Cell(""), Cell("")
    if scores.marks_hidden is not None:
        return percent(None, scores.marks_hidden), Cell(scores.marks_hidden.label)
    if scores.has_too_few_dossiers or scores.scores is None:
        return Cell("–"), Cell(_("Not classified: too few dossiers scored"))
    missing = [n for n in onestop.officer_indices if n in scores.scores.missing_indices]
    if missing:
        words = _(
            "Not classified: no data on index %(numbers)s",
            numbers=", ".join(str(number) for number in missing),
        )
        return Cell("–"), Cell(words)
    scored, at_mark = scores.marks
    if not scored:
        return Cell("–"), Cell(_("Not classified: no dossier has points on all these indices"))
    # Exact: 7 of 10 dossiers is 70 %, whatever a float would make of it.
    _minimum, _key, label = classes.classify(Fraction(100 * at_mark, scored))
    return percent(at_mark / scored), Cell(report.definition.text(label, report.language))


def _coverage_row(level: str, unit: CoverageUnit, coverage: Coverage):
    """A unit's row; its ratings and share rated hidden as decided
    (:func:`survey.results.period_units.decided_units`), the note too: "below the
    threshold" would bound the hidden ratings."""
    reason = unit.hidden
    rate = unit.rate
    below = reason is None and rate is not None and rate < coverage.threshold
    return (
        Cell(level),
        Cell(unit.name or _("Whole scope")),
        figure(unit.dossiers, "number"),
        figure(unit.ratings, "number", reason),
        percent(rate, reason) if rate is not None else Cell("–"),
        Cell(_("Below the coverage threshold") if below else ""),
    )


def _coverage_footnotes(coverage: Coverage) -> tuple[str, ...]:
    return (
        _(
            "Share of dossiers rated: the ratings of every questionnaire divided by the "
            "dossiers the one-stop system returned in the same days and scope (above "
            "100 % when ratings came for dossiers that were not imported)."
        ),
        _(
            "Desks below %(threshold)s are listed: their results rest on few voices.",
            threshold=format_percent(coverage.threshold * 100),
        ),
    )


def coverage_table(report: Report) -> Table | None:
    """Tỷ lệ hồ sơ được đánh giá, for the scope and each agency, desk and official."""
    coverage = report.coverage
    if coverage is None:
        return None
    levels = (
        (_("Agency"), coverage.agencies),
        (_("Desk"), coverage.service_points),
        (_("Official"), coverage.officials),
    )
    rows = [_coverage_row(_("Scope"), coverage.scope, coverage)]
    rows += [_coverage_row(level, unit, coverage) for level, units in levels for unit in units]
    return Table(
        "coverage",
        _("Share of dossiers rated"),
        (_("Level"), _("Name"), _("Dossiers returned"), _("Ratings"), _("Share rated"), _("Note")),
        tuple(rows),
        footnotes=_coverage_footnotes(coverage) + derived_footnotes(rows),
        number_columns=frozenset({2, 3, 4}),
        header_column=1,
    )


def _low_coverage_footnotes(coverage: Coverage, rows) -> tuple[str, ...]:
    """Says when no desk is listed, and that a desk whose ratings are hidden is not."""
    if not any(unit.hidden for unit in coverage.service_points):
        return () if rows else (_("No desk is below the threshold."),)
    unlisted = _("Desks whose ratings are hidden are not listed.")
    return (unlisted,) if rows else (_("No desk shown is below the threshold."), unlisted)


def low_coverage_table(report: Report) -> Table | None:
    """The desks below the coverage threshold (None when there is no dossier data)."""
    coverage = report.coverage
    if coverage is None:
        return None
    rows = tuple(
        _coverage_row(_("Desk"), unit, coverage)[1:5] for unit in coverage.low_service_points
    )
    return Table(
        "low_coverage",
        _(
            "Desks where fewer than %(threshold)s of the dossiers were rated",
            threshold=format_percent(coverage.threshold * 100),
        ),
        (_("Desk"), _("Dossiers returned"), _("Ratings"), _("Share rated")),
        rows,
        footnotes=_low_coverage_footnotes(coverage, rows),
        number_columns=frozenset({1, 2, 3}),
    )


def _weighting_footnotes(weighted: WeightedSatisfaction, minimum: int) -> tuple[str, ...]:
    strata = (
        _("agency × procedure field")
        if weighted.strata_setting == AGENCY_PROCEDURE_FIELD
        else _("agency")
    )
    return (
        _(
            "Each stratum (%(strata)s) counts in proportion to the dossiers it returned in "
            "the period: the ratings of a stratum stand for all its dossiers. The interval "
            "comes from the variance of the post-stratified rate; the design effect says how "
            "much the unequal weights widen it, and the effective number of respondents is "
            "the answers divided by it.",
            strata=strata,
        ),
        _(
            "A stratum with dossiers but fewer than %(minimum)s answers is never dropped: it "
            "is merged with the other procedure fields of its agency, then, if still short, "
            "with its parent agency, up to the whole scope. The share of dossiers whose "
            "weight moved so is given above.",
            minimum=format_number(minimum),
        ),
    )


def _responsiveness_row(unit: Responsiveness, reason: Hidden | None) -> tuple[Cell, ...]:
    median = unit.median_working_days
    return (
        Cell(unit.name or _("Whole scope")),
        figure(unit.opened, "number", reason),
        percent(unit.acknowledged_share, reason) if unit.acknowledge_due else Cell("–"),
        percent(unit.answered_share, reason) if unit.answer_due else Cell("–"),
        figure(median, "points", reason) if median is not None else Cell("–"),
        figure(unit.overdue_now, "number", reason),
    )


def responsiveness_table(report: Report) -> Table | None:
    """Responsiveness to feedback (SIPAS factor 5 as it happens): the cases opened in the
    period, for the scope and each agency; an agency with few cases is withheld whole
    (:func:`survey.results.disclosure.hidden_units`). None when no case was opened."""
    figures = report.responsiveness
    if figures is None:
        return None
    minimum = report.min_group_size
    scope = figures.scope
    hidden = hidden_units([unit.opened for unit in figures.agencies], scope.opened, minimum)
    small = Hidden.SMALL_GROUP
    rows = [_responsiveness_row(scope, small if scope.opened < minimum else None)]
    rows += [
        _responsiveness_row(unit, small if is_hidden else None)
        for unit, is_hidden in zip(figures.agencies, hidden, strict=True)
    ]
    return Table(
        "responsiveness",
        _("Responsiveness to citizens' feedback"),
        (
            _("Agency"),
            _("Cases opened"),
            _("Acknowledged in time"),
            _("Answered in time"),
            _("Median working days to an answer"),
            _("Overdue now"),
        ),
        tuple(rows),
        footnotes=_responsiveness_footnotes(report),
        number_columns=frozenset({1, 2, 3, 4, 5}),
    )


def _responsiveness_footnotes(report: Report) -> tuple[str, ...]:
    return (
        _(
            "Feedback cases opened in the period (call-back requests, lowest ratings with a "
            "comment, reports of harassment, the feedback form), each at the agency handling "
            "it now."
        ),
        _(
            "A share counts the cases already dealt with or past their deadline; a dash: "
            "none yet. Deadlines are counted in working days, as of %(day)s; an answer "
            "closes a case, founded or not.",
            day=format_day(report.today),
        ),
    )


def _shown_officials(report: Report) -> set:
    return {unit.key for unit in report.overview.officials if not unit.is_suppressed}


def _hidden_parts(report: Report) -> set:
    """Each official's part in each agency the period's decision hides."""
    decision = report.overview.decision
    return set() if decision is None else decision.hidden_pairs()


#: The most strata whose satisfied answers a unit's raw rate, weighted rate and interval
#: (three figures) could settle between them.
_SETTLED_STRATA = 3


def _splits_hidden_parts(report: Report, weighted: WeightedSatisfaction) -> bool:
    """Whether the scope's weighted figures would give away what its tables hide.

    The raw rates give the hidden agencies' satisfied answers together; the weighted
    rate counts each stratum's with its own weight, so with the dossiers each agency
    returned (always shown) it gives another sum of them. Two hidden agencies, a small
    one merged into its parent's stratum and its complement in its own, are then each
    worked out; so are their answers, from the design effect and the answers weighted.
    Hence withheld when the hidden agencies' answers lie in more than one stratum (or
    weight 0 and a stratum): in one, they carry one weight and one size, and nothing
    follows that their sum did not say. Within a shown agency, the same holds of its
    parts no table publishes (its hidden officials, …:
    :meth:`survey.results.weighting.WeightedUnits.unpublished_cells`) when it is the
    only agency whose split between the strata its own figures leave open: the weighted
    rate then settles that split as the agency's own weighted rate would."""
    weighting = report.weighting
    if weighting is None:  # never: ``weighted`` is its scope's
        return False
    hidden = {unit.key for unit in report.overview.agencies if unit.is_suppressed}
    if len(weighted.strata_holding(hidden)) > 1:
        return True
    own = unit_weighting(report, "agencies")

    def settled(unit) -> bool:
        """Whether the agency's own figures settle its split between its strata."""
        result = own(unit) if own else None
        return isinstance(result, WeightedSatisfaction) and result.strata <= _SETTLED_STRATA

    unsettled = [
        unit.key
        for unit in report.overview.agencies
        if unit.key not in hidden
        and len(weighted.strata_holding({unit.key})) > 1
        and not settled(unit)
    ]
    if len(unsettled) != 1:
        return False
    parts = weighting.unpublished_cells(
        "agencies", unsettled[0], _shown_officials(report), _hidden_parts(report)
    )
    return len(weighted.strata_of(parts)) > 1


def _weighted_reason(report: Report, weighted: WeightedSatisfaction) -> Hidden | None:
    """Why the scope's weighted rate is withheld beside the raw one, if it is."""
    if weighted_gives_away(
        weighted.unweighted_answers, report.min_group_size
    ) or _splits_hidden_parts(report, weighted):
        return Hidden.DERIVED
    return None


def _weighted_headline(report: Report) -> tuple[Cell, str] | None:
    """The scope's weighted rate for a headline, with its interval under it, and the words
    that say what it is (None without one)."""
    weighted = report.weighted
    if weighted is None or report.overview.headline is None:
        return None
    reason = _weighted_reason(report, weighted)
    cell = hidden("percent", reason) if reason else _weighted_page_cell(weighted)
    if weighted.strata_setting == AGENCY_PROCEDURE_FIELD:
        words = _(
            "The same answers, each agency and procedure field counted by its dossiers "
            "returned in the period rather than by its ratings."
        )
    else:
        words = _(
            "The same answers, each agency counted by its dossiers returned in the period "
            "rather than by its ratings."
        )
    return cell, words


def weighted_table(report: Report) -> Table | None:
    """The headline rate beside the same rate weighted to the dossiers returned."""
    weighted, headline = report.weighted, report.overview.headline
    if weighted is None or headline is None:
        return None
    reason = _weighted_reason(report, weighted)
    # The answers' split between the strata (its sizes) gives hidden agencies away too, and
    # a few answers with weight 0: the answers weighted are all the answers less them.
    few = 0 < weighted.unweighted_answers < report.min_group_size
    sizes = Hidden.DERIVED if few or _splits_hidden_parts(report, weighted) else None
    rows = (
        (Cell(_("Satisfied (overall question), unweighted")), percent(headline.rate)),
        (Cell(_("Satisfied, weighted to the dossiers returned")), percent(weighted.rate, reason)),
        (
            Cell(_("Weighted confidence interval, lower bound")),
            percent(weighted.ci_low, reason),
        ),
        (
            Cell(_("Weighted confidence interval, upper bound")),
            percent(weighted.ci_high, reason),
        ),
        (Cell(_("Design effect")), figure(weighted.design_effect, "coefficient", sizes)),
        (
            Cell(_("Effective number of respondents")),
            figure(weighted.effective_n, "number", sizes),
        ),
        (Cell(_("Answers weighted")), figure(weighted.answers, "number", sizes)),
        (Cell(_("Dossiers returned")), Cell(weighted.dossiers, "number")),
        (Cell(_("Strata with dossiers")), Cell(weighted.cells, "number")),
        (Cell(_("Strata merged into a parent")), Cell(weighted.collapsed_cells, "number")),
        (Cell(_("Strata after merging")), Cell(weighted.strata, "number")),
        (Cell(_("Share of dossiers whose weight moved")), percent(weighted.moved_share)),
        (
            Cell(_("Answers without dossiers in their stratum (weight 0)")),
            figure(weighted.unweighted_answers, "number", Hidden.SMALL_GROUP if few else sizes),
        ),
    )
    return Table(
        "weighted",
        _("Satisfaction weighted to the dossiers handled"),
        (_("Measure"), _("Value")),
        rows,
        footnotes=(
            *_weighting_footnotes(weighted, max(2, report.min_group_size)),
            *derived_footnotes(rows),
        ),
        number_columns=frozenset({1}),
    )


def file_tables(report: Report) -> tuple[Table, ...]:
    """Summary, factors, criteria, trend, agencies, officials: as every download writes them."""
    overview = report.overview
    tables = [summary_table(report)]
    if overview.sipas is not None:
        tables.append(factors_table(report))
    tables.append(criteria_table(report))
    if overview.trend is not None:
        tables.append(trend_table(overview.trend, report.today))
    minimum = report.min_ratings_for_ranking
    weighted_words = weighted_units_words(report)
    tables.append(
        units_table(
            "agencies",
            _("Agencies"),
            _("Agency"),
            overview.agencies,
            report.agency_name,
            minimum,
            weighted=unit_weighting(report, "agencies"),
            weighted_words=weighted_words,
        )
    )
    tables.append(
        units_table(
            "officials",
            _("Officials"),
            _("Official"),
            overview.officials,
            report.official_name,
            minimum,
            report.official_agency,
            weighted=unit_weighting(report, "officials"),
            weighted_words=weighted_words,
        )
    )
    if report.score_periods:
        tables.append(official_scores_table(report))
    tables += [
        table
        for table in (
            coverage_table(report),
            low_coverage_table(report),
            weighted_table(report),
            responsiveness_table(report),
        )
        if table
    ]
    return tuple(tables)


# --------------------------------------------------------------------------------------
# The dashboard's tables
# --------------------------------------------------------------------------------------


def trend_page_table(trend: Trend, today: date | None = None) -> Table:
    rows = tuple(
        (
            Cell(period_words(point.period, today)),
            figure(point.responses, "number", Hidden.SMALL_GROUP if point.is_suppressed else None),
            _percent_or_dash(point.rate.rate if point.rate else None),
            _interval_cell(point.rate.ci.low, point.rate.ci.high, 100) if point.rate else Cell("–"),
        )
        for point in trend.points
    )
    footnotes: tuple[str, ...] = ()
    if trend.test is not None:
        footnotes = (f"{trend_words(trend.test)} (p = {format_number(trend.test.pvalue, 3)})",)
    footnotes += trend_test_footnotes(trend)
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


#: Cronbach's alpha below this: the factor's criteria do not measure one thing consistently.
ALPHA_CONSISTENT = 0.7


def alpha_reading(alpha) -> str:
    """A factor's Cronbach's alpha in plain words (George and Mallery's usual bands)."""
    if alpha is None:
        return ""
    if alpha.alpha >= 0.9:
        return _("Very consistent")
    if alpha.alpha >= 0.8:
        return _("Consistent")
    if alpha.alpha >= ALPHA_CONSISTENT:
        return _("Acceptable")
    return _("Not consistent")


def alpha_cells(row, kind: str) -> tuple[Cell, Cell, Cell]:
    """A factor's alpha (as a ``kind`` figure), its respondents and its reading: hidden
    on a small group, "not computable" when there is no coefficient."""
    if row.alpha_hidden is not None:
        return hidden(kind, row.alpha_hidden), hidden("number", row.alpha_hidden), Cell("")
    return (
        or_text(row.alpha.alpha if row.alpha else None, kind, _("not computable")),
        or_text(row.alpha.n_respondents if row.alpha else None, "number", "–"),
        Cell(alpha_reading(row.alpha)),
    )


def alpha_footnotes(report: Report) -> tuple[str, ...]:
    """What alpha says, and for each factor under 0.7 that its criteria do not hang together."""
    notes = [
        _(
            "Cronbach alpha tells whether a factor's criteria measure one thing: from 0.7 "
            "the respondents who rate one criterion well rate the others well too. It is "
            "computed from the respondents who answered every criterion of the factor."
        )
    ]
    for row in report.factors:
        if row.alpha is not None and row.alpha.alpha < ALPHA_CONSISTENT:
            notes.append(
                _(
                    "%(factor)s: Cronbach alpha %(alpha)s (%(n)s respondents). The factor's "
                    "criteria do not measure one thing consistently in this data: read its "
                    "index as the mean of separate criteria.",
                    factor=row.title,
                    alpha=format_number(row.alpha.alpha, 2),
                    n=format_number(row.alpha.n_respondents),
                )
            )
    return tuple(notes)


def alphas_page_table(report: Report) -> Table:
    rows = tuple(
        (
            Cell(row.title),
            *alpha_cells(row, "coefficient"),
        )
        for row in report.factors
    )
    return Table(
        "alphas",
        _("Cronbach alpha per factor"),
        (_("Factor"), _("Cronbach alpha"), _("Respondents"), _("Reading")),
        rows,
        alpha_footnotes(report),
        number_columns=frozenset({1, 2}),
    )


def units_page_table(
    key: str,
    title: str,
    units,
    name,
    minimum: int,
    agency_of=None,
    weighted: UnitWeighted | None = None,
    weighted_words: str = "",
) -> Table | None:
    """The ranked units, best first, numbered as on the funnel plot (None without any).

    ``agency_of(key)``, for officials: their agency, in a column beside the name;
    ``weighted``: the rate weighted to the dossiers returned beside the raw rate, with its
    interval under it (:func:`unit_weighting`)."""
    columns = (
        _("No."),
        _("Places"),
        _("Name"),
        *((_("Agency"),) if agency_of else ()),
        _("Answers"),
        _("Satisfied"),
        *((_("Weighted to dossiers"),) if weighted else ()),
        _("Adjusted for size"),
        _("Confidence interval"),
        _("Against the province"),
    )
    rows = tuple(
        (
            Cell(number, "number"),
            Cell(places_words(unit)),
            Cell(name(unit.key)),
            *((Cell(agency_of(unit.key)),) if agency_of else ()),
            Cell(unit.ratings, "number"),
            percent(unit.rate),
            *((_weighted_page_cell(weighted(unit)),) if weighted else ()),
            percent(unit.shrunk_rate),
            _interval_cell(unit.shrunk_low, unit.shrunk_high, 100),
            Cell(tier_words(unit)),
        )
        for number, unit in enumerate((unit for unit in units if unit.is_ranked), start=1)
    )
    if not rows:
        return None
    shift = 1 if agency_of else 0
    figures = 4 if weighted else 3  # answers, satisfied, [weighted,] adjusted
    notes = (_("Ordered by the rate adjusted for size, highest first."), ranking_words(minimum)[0])
    return Table(
        key,
        title,
        columns,
        rows,
        (*notes, *((weighted_words,) if weighted else ()), *derived_footnotes(rows)),
        number_columns=frozenset({0, *range(3 + shift, 3 + shift + figures)}),
        header_column=2,
    )


def flagged_words(units, name) -> tuple[str, ...]:
    """The ranked units outside the funnel's limits, by number and name, above then below."""
    ranked = list(enumerate((unit for unit in units if unit.is_ranked), start=1))
    sentences = []
    for tier in ("above", "below"):
        named = [f"{number}. {name(unit.key)}" for number, unit in ranked if unit.tier == tier]
        if named:
            label = tier_words(next(unit for _number, unit in ranked if unit.tier == tier))
            sentences.append(f"{label}: {'; '.join(named)}.")
    if ranked and not sentences:
        sentences.append(_("No unit is clearly above or below the province."))
    return tuple(sentences)


def unranked_page_table(
    key: str, title: str, units, name, minimum: int, agency_of=None
) -> Table | None:
    """The units listed apart, by name: too few ratings, or hidden (None when there are none)."""
    apart = sorted((unit for unit in units if not unit.is_ranked), key=lambda unit: name(unit.key))
    rows = tuple(
        (
            Cell(name(unit.key)),
            *((Cell(agency_of(unit.key)),) if agency_of else ()),
            figure(unit.responses, "number", _unit_hidden(unit)),
            figure(unit.ratings, "number", _unit_hidden(unit)),
            Cell(unit_note(unit, minimum)),
        )
        for unit in apart
    )
    if not rows:
        return None
    shift = 1 if agency_of else 0
    columns = (
        _("Name"),
        *((_("Agency"),) if agency_of else ()),
        _("Responses"),
        _("Answers"),
        _("Note"),
    )
    return Table(
        key,
        title,
        columns,
        rows,
        (_("Ordered by name."), not_ranked_words(minimum), *derived_footnotes(rows)),
        number_columns=frozenset({1 + shift, 2 + shift}),
    )


def _score_page_cell(report: Report, scores) -> Cell:
    """One official's Circular 01/2018 result in one period, in words."""
    if scores is None:
        return Cell("–")
    if scores.is_suppressed:
        return Cell(Hidden.FEW_DOSSIERS.label)
    if scores.has_too_few_dossiers:
        return Cell(_("Too few dossiers scored (%(n)s)", n=format_number(scores.dossiers)))
    result = scores.scores
    if result is None:
        return Cell("–")
    total = "–" if result.officer_total is None else format_number(result.officer_total, 1)
    words = _(
        "%(total)s of %(maximum)s points (%(n)s dossiers scored)",
        total=total,
        maximum=format_number(result.officer_maximum),
        n=format_number(scores.dossiers),
    )
    share, official_class = official_class_cells(report, scores)
    if share.is_hidden or share.kind != "percent":
        return Cell(words, detail=str(official_class.value))
    detail = _(
        "%(share)s of the %(n)s dossiers with points on every officer index reach the "
        "mark: %(official_class)s",
        share=format_percent(100 * scores.marks[1] / scores.marks[0]),
        n=format_number(scores.marks[0]),
        official_class=official_class.value,
    )
    return Cell(words, detail=detail)


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
        (
            scored_dossiers_words(report),
            official_class_words(report),
            *derived_footnotes(
                [
                    official_class_cells(report, scores)
                    for by_period in report.official_scores.values()
                    for scores in by_period.values()
                ]
            ),
        ),
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
    #: The ranked agencies and officials (None when none is ranked).
    agencies: Table | None
    officials: Table | None
    #: The agencies and officials listed apart, not ranked (None when every unit is ranked).
    agencies_apart: Table | None
    officials_apart: Table | None
    #: The agencies outside the funnel plot's limits, named, in sentences.
    agencies_flagged: tuple[str, ...]
    officials_flagged: tuple[str, ...]
    official_scores: Table | None
    coverage: Table | None
    low_coverage: Table | None
    weighted: Table | None
    #: How the feedback cases were handled (None: no case opened in the period and scope).
    responsiveness: Table | None
    #: The share of dossiers rated in the whole scope, for the headline (None without data).
    coverage_headline: Cell | None
    #: The headline rate weighted to the dossiers returned and what it is, for the headline
    #: (None without dossiers).
    weighted_headline: tuple[Cell, str] | None
    #: The headline against the previous period, in two sentences (None without one).
    change: tuple[str, str] | None
    #: Why nothing is shown, when the whole selection is too small (else None).
    notice: str | None
    #: Why the report's totals are withheld, when they are (else None).
    withheld: str | None


def _coverage_headline(report: Report) -> Cell | None:
    if report.coverage is None:
        return None
    return _coverage_row("", report.coverage.scope, report.coverage)[4]


def report_tables(report: Report) -> ReportTables:
    overview = report.overview
    minimum = report.min_ratings_for_ranking
    return ReportTables(
        files=file_tables(report),
        trend=(
            trend_page_table(overview.trend, report.today) if overview.trend is not None else None
        ),
        factors=factors_page_table(report) if overview.sipas is not None else None,
        criteria=criteria_page_table(report),
        alphas=alphas_page_table(report) if overview.factor_alphas else None,
        agencies=units_page_table(
            "agencies",
            _("Agencies, best first"),
            overview.agencies,
            report.agency_name,
            minimum,
            weighted=unit_weighting(report, "agencies"),
            weighted_words=weighted_units_words(report),
        ),
        officials=units_page_table(
            "officials",
            _("Officials: satisfaction adjusted for the number of ratings"),
            overview.officials,
            report.official_name,
            minimum,
            report.official_agency,
            weighted=unit_weighting(report, "officials"),
            weighted_words=weighted_units_words(report),
        ),
        agencies_apart=unranked_page_table(
            "agencies_apart",
            _("Agencies with too few ratings to rank"),
            overview.agencies,
            report.agency_name,
            minimum,
        ),
        officials_apart=unranked_page_table(
            "officials_apart",
            _("Officials with too few ratings to rank"),
            overview.officials,
            report.official_name,
            minimum,
            report.official_agency,
        ),
        agencies_flagged=flagged_words(overview.agencies, report.agency_name),
        officials_flagged=flagged_words(overview.officials, report.official_name),
        official_scores=official_scores_page_table(report) if report.score_periods else None,
        coverage=coverage_table(report),
        low_coverage=low_coverage_table(report),
        weighted=weighted_table(report),
        responsiveness=responsiveness_table(report),
        coverage_headline=_coverage_headline(report),
        weighted_headline=_weighted_headline(report),
        change=change_words(overview.change) if overview.change is not None else None,
        notice=suppressed_words(report.min_group_size) if overview.is_suppressed else None,
        withheld=(totals_footnotes(report) or (None,))[0],
    )
