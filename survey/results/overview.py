"""The satisfaction overview of a report: every headline number with its uncertainty.

:func:`satisfaction_overview` reads count tables through :mod:`survey.results.queries`
and hands them to ``analysis``; it returns frozen dataclasses of plain numbers that a
dashboard template, an XLSX writer or a PDF report can render without more arithmetic.
Small groups are already suppressed in what it returns (``MIN_GROUP_SIZE``), and
officials with fewer than ``MIN_RATINGS_FOR_RANKING`` ratings are marked, never ranked.
"""

from __future__ import annotations

import enum
import hashlib
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
from sqlalchemy.orm import Session

from analysis import (
    CronbachAlphaResult,
    IndexBootstrapResult,
    OneStopScores,
    OneStopScoringDefinition,
    SatisfactionRate,
    SipasIndex,
    TrendTestResult,
    cronbach_alpha,
    funnel_limits,
    index_bootstrap_ci,
    onestop_scores,
    rank_ranges,
    satisfaction_rate,
    shrink_rates,
    sipas_index,
    trend_test,
)
from survey.questionnaires.definition import QuestionnaireDefinition, scoring_for_analysis
from survey.results.disclosure import (
    PeriodFigure,
    UnitDecision,
    agency_scopes,
    hidden_periods,
    scope_pieces,
)
from survey.results.filter_values import chosen_values
from survey.results.filtered_trend import ScopeMonths, filtered_months_hidden
from survey.results.filters import Dimension, Period, ReportFilter, questionnaire_version_ids
from survey.results.official_periods import year_officials
from survey.results.onestop_points import combined_points_counts_by
from survey.results.period_units import (
    Cell,
    ClosedYear,
    PeriodUnits,
    decided_units,
    decided_year,
    ended_year,
    questionnaires,
)
from survey.results.queries import (
    RESPONDENT_MATRIX_LIMIT,
    LevelCounts,
    SuppressedTable,
    level_counts,
    level_counts_by,
    respondent_matrix,
    response_count,
    response_counts_by,
    suppress_table,
)

#: Bootstrap resamples for the SIPAS index interval (seeded, so reports are reproducible).
BOOTSTRAP_RESAMPLES = 1000


@dataclass(frozen=True)
class TrendPoint:
    """The headline rate in one month or quarter; ``rate`` None when hidden or without data."""

    period: Period
    responses: int | None
    rate: SatisfactionRate | None
    #: Hidden by small-group suppression (with the cells that would give it away).
    is_suppressed: bool


@dataclass(frozen=True)
class Trend:
    points: tuple[TrendPoint, ...]
    #: Cochran–Armitage test over the shown periods with answers; None with fewer than two.
    test: TrendTestResult | None
    #: When some periods are hidden, how many shown periods the test was computed on
    #: (None when it is over every period).
    tested_periods: int | None = None


@dataclass(frozen=True)
class Change:
    """The headline rate against the previous period of the same length.

    ``difference`` is in proportion points (current − previous). ``test`` compares the two
    rates: Cochran–Armitage over two periods, which is the two-proportion z-test (X² = z²).
    """

    previous_period: Period
    previous: SatisfactionRate
    difference: float
    test: TrendTestResult


class Tier(enum.StrEnum):
    """A ranked unit against the province, at the funnel plot's 95 % limits."""

    ABOVE = "above"
    LEVEL = "level"
    BELOW = "below"


@dataclass(frozen=True)
class UnitRating:
    """One agency or official in a comparison.

    Numbers are None when the unit is hidden by small-group suppression. A unit with fewer
    ratings than ``MIN_RATINGS_FOR_RANKING`` (``has_too_few_ratings``), or hidden, is
    listed apart: no adjusted rate, ``rank``, ``rank_range``, ``tier`` or funnel flag.
    ``rank`` is the place in the order of adjusted rates (1 = best), ``rank_range`` the
    places the intervals allow (:func:`analysis.rank_ranges`).
    """

    key: Hashable
    responses: int | None
    ratings: int | None
    satisfied: int | None
    rate: float | None
    shrunk_rate: float | None
    shrunk_low: float | None
    shrunk_high: float | None
    #: Funnel plot: outside the 95 % and 99.8 % limits (below or above the province).
    is_below_95: bool | None
    is_above_95: bool | None
    is_below_998: bool | None
    is_above_998: bool | None
    #: Funnel limits (lower, upper) at the unit's size, as proportions, for drawing the plot.
    funnel_95: tuple[float, float] | None
    funnel_998: tuple[float, float] | None
    is_suppressed: bool
    has_too_few_ratings: bool
    rank: int | None
    rank_range: tuple[int, int] | None = None
    tier: Tier | None = None
    #: Hidden though not small itself: shown, it would give a small figure away.
    is_complement: bool = False

    @property
    def is_ranked(self) -> bool:
        return self.rank is not None


@dataclass(frozen=True)
class SatisfactionOverview:
    """Everything on the overview page. Rates are proportions (0-1); SIPAS figures percent."""

    report_filter: ReportFilter
    questionnaire_key: str
    #: Number of responses; None when suppressed.
    responses: int | None
    #: True when there are fewer responses than the minimum group size: nothing is shown.
    is_suppressed: bool
    headline_item_key: str | None
    headline: SatisfactionRate | None
    #: Answers per level of the headline item (1 row), small cells hidden.
    headline_levels: SuppressedTable | None
    sipas: SipasIndex | None
    sipas_interval: IndexBootstrapResult | None
    #: Respondents the bootstrap and the alphas used (a sample beyond the matrix limit).
    sipas_sample_size: int | None
    factor_alphas: dict[Hashable, CronbachAlphaResult | None]
    trend: Trend | None
    change: Change | None
    agencies: tuple[UnitRating, ...]
    officials: tuple[UnitRating, ...]
    onestop: OneStopScores | None
    #: A funnel target and the beta prior need the province rate: the pooled headline rate.
    target_rate: float | None
    #: The report's totals (responses, the headline and its trend, the SIPAS index) are
    #: withheld: with the other reports' totals they would give a smaller unit's away
    #: (:meth:`survey.results.disclosure.UnitDecision.total_hidden`).
    total_hidden: bool = False
    #: The period's decision on officials, agencies and reports' totals, part of the one
    #: with the coverage table's ratings (None without a headline item, or when the
    #: report is suppressed whole).
    decision: UnitDecision | None = field(default=None, compare=False, repr=False)


def satisfaction_overview(
    session: Session,
    report_filter: ReportFilter,
    definition: QuestionnaireDefinition,
    *,
    min_group_size: int,
    min_ratings_for_ranking: int,
    trend_by: Dimension = Dimension.MONTH,
    matrix_limit: int = RESPONDENT_MATRIX_LIMIT,
) -> SatisfactionOverview:
    """The overview of one questionnaire's results under ``report_filter``.

    The filter is narrowed to the versions of ``definition``'s questionnaire (item keys of
    different questionnaires must not be added up). Pass the application's
    ``MIN_GROUP_SIZE`` and ``MIN_RATINGS_FOR_RANKING``. ``trend_by`` is
    ``Dimension.MONTH`` or ``Dimension.QUARTER``.
    """
    if trend_by not in (Dimension.MONTH, Dimension.QUARTER):
        raise ValueError(f"trend_by must be month or quarter, got {trend_by}")
    versions = questionnaire_version_ids(session, definition.key)
    if report_filter.questionnaire_version_ids is not None:
        versions &= report_filter.questionnaire_version_ids
    report_filter = replace(report_filter, questionnaire_version_ids=versions)
    scoring = scoring_for_analysis(definition)
    responses = response_count(session, report_filter)
    empty = _empty_overview(report_filter, definition.key, scoring["headline_item"], responses)
    if responses < min_group_size:
        return replace(empty, responses=None, is_suppressed=True)
    respondent_results = None
    if scoring["factors"]:
        respondent_results = _RESPONDENT_WORK.submit(
            _respondent_results_apart,
            session.get_bind(),
            report_filter,
            scoring["factors"],
            matrix_limit,
        )
    item_keys = [scoring["headline_item"]] if scoring["headline_item"] else []
    for factor in scoring["factors"]:
        item_keys += [*factor["criterion_items"], factor["overall_item"]]
    counts = level_counts(session, report_filter, [key for key in item_keys if key])
    overview = empty
    if scoring["headline_item"]:
        overview = _with_headline(
            session,
            overview,
            definition,
            scoring,
            counts,
            trend_by,
            min_group_size,
            min_ratings_for_ranking,
        )
    if overview.total_hidden:
        # Withheld totals are no secret when the criteria's answers, the factors or the
        # one-stop indices are counted beside them: the report shows none of them.
        if respondent_results is not None:
            respondent_results.cancel()
        return overview
    if scoring["factors"]:
        sipas, interval, sample_size, alphas = sipas_with_interval(
            session, report_filter, scoring["factors"], counts, matrix_limit, respondent_results
        )
        overview = replace(
            overview,
            sipas=sipas,
            sipas_interval=interval,
            sipas_sample_size=sample_size,
            factor_alphas=alphas,
        )
    if scoring["onestop"] is not None:
        points = combined_points_counts_by(session, report_filter, None)[None]
        if any(sum(by_points.values()) for by_points in points.values()):
            rules = OneStopScoringDefinition(**scoring["onestop"])
            overview = replace(overview, onestop=onestop_scores(points, rules))
    return overview


def _empty_overview(report_filter, questionnaire_key, headline_key, responses):
    """The overview before any figure is computed (what a suppressed report shows)."""
    return SatisfactionOverview(
        report_filter=report_filter,
        questionnaire_key=questionnaire_key,
        responses=responses,
        is_suppressed=False,
        headline_item_key=headline_key,
        headline=None,
        headline_levels=None,
        sipas=None,
        sipas_interval=None,
        sipas_sample_size=None,
        factor_alphas={},
        trend=None,
        change=None,
        agencies=(),
        officials=(),
        onestop=None,
        target_rate=None,
    )


def _with_headline(
    session, overview, definition, scoring, counts, trend_by, min_group_size, min_ratings
):
    """``overview`` with the headline item's rate, its trend, change and unit comparisons.

    The units and the report's own totals are decided once for the period, with the
    coverage table's ratings (:func:`survey.results.period_units.decided_units`); when the
    decision hides the report's totals, the figures that add up to them are withheld too:
    the headline, its trend and its change."""
    report_filter = overview.report_filter
    headline_key = scoring["headline_item"]
    levels = sorted(definition.item(headline_key).scale.values)
    rating = _Rating(
        headline_key,
        levels,
        scoring["satisfied_values"][headline_key],
        questionnaire_version_ids(session, definition.key),
        definition.key,
    )
    headline = rating.rate(counts[headline_key])
    in_year = decided_in_year(session, report_filter, min_group_size)
    decision = in_year.units.units(definition.key)
    if decision is None:  # the newest version has no rated question: nothing was decided
        return replace(overview, responses=None, total_hidden=True)
    year = None
    if not chosen_values(report_filter, rating.versions):
        year = in_year.totals.get(definition.key) or _year_months(
            session, report_filter, rating, min_group_size
        )
    withheld = decision.period.total_hidden(definition.key, report_filter) or _period_hidden(
        year, report_filter
    )
    # A rate on fewer answers than the minimum is hidden, however many responded (issue
    # 21, case 5): a report on one agency would otherwise print the answers its agencies'
    # table hides.
    too_few = withheld or (headline is not None and headline.n < min_group_size)
    units = (session, report_filter, rating, decision, min_ratings, year)
    return replace(
        overview,
        responses=None if withheld else overview.responses,
        total_hidden=withheld,
        decision=decision,
        headline=None if too_few else headline,
        headline_levels=None
        if too_few
        else suppress_table({headline_key: counts[headline_key].levels}, levels, min_group_size),
        target_rate=headline.rate if headline and not too_few else None,
        trend=None
        if withheld
        else _trend(session, report_filter, rating, trend_by, min_group_size, year),
        change=None
        if withheld
        else _change(session, report_filter, rating, headline, definition.key, min_group_size),
        agencies=_units(*units, Dimension.AGENCY),
        officials=_units(*units, Dimension.OFFICIAL),
    )


class InYear(NamedTuple):
    """What :func:`decided_in_year` decides: the period's decision on every unit, and each
    rated questionnaire's year's decision on the scopes' totals (:func:`_year_months`, by
    questionnaire key; none for a period within no calendar year)."""

    units: PeriodUnits
    totals: Mapping[str, ScopeMonths]


def decided_in_year(session, report_filter: ReportFilter, min_group_size: int) -> InYear:
    """The period's decision on every unit (:func:`decided_units`), with each rated
    questionnaire's figures hidden where the year's decisions hide them, for a period of
    whole months within a calendar year: the scopes' totals as the year's decision on
    them (:func:`_year_months`), the officials' as the year's decision on every official
    (:func:`survey.results.official_periods.year_officials`, with the scopes' totals as
    the former shows them), an official's figure over the same responses as a scope's
    total as the total's. An official's line in a quarter's report is then not the
    year's less the other quarters' (issue 21, case 3), in whichever table shows it (the
    officials', the agencies', the coverage table's, a filtered report's)."""
    units = decided_units(session, report_filter, min_group_size)
    year = report_filter.period.calendar_year
    years: dict[str, ScopeMonths] = {}
    if year is None or ended_year(report_filter.period) is not None:
        # a year that has ended: its units' decision is the year's own (decided_units);
        # its scopes' totals by month are read from it (_year_months)
        return InYear(units, years)
    figure = {figure.parts: k for k, figure in enumerate(units.figures)}
    hidden = units.hidden.copy()
    for key, item, whole in questionnaires(session, report_filter):
        mine = units.questionnaires.get(key)
        if item is None or mine is None:
            continue
        rating = _Rating(item, (), (), whole.questionnaire_version_ids, key)
        totals = years[key] = _year_months(session, whole, rating, min_group_size)

        def total_hidden(agencies, period, totals=totals, whole=whole) -> bool:
            return _period_hidden(totals, replace(whole, period=period, agency_ids=agencies))

        officials = year_officials(
            session, whole.with_period(year), item, min_group_size, total_hidden
        )
        for parts, is_hidden in _figures_in_year(mine, officials, total_hidden, whole.period):
            hidden[figure[parts]] |= is_hidden
    beside = _coverage_beside(units, hidden & ~units.hidden)
    return InYear(replace(units, hidden=hidden | beside), years)


def _coverage_beside(units: PeriodUnits, hidden: np.ndarray) -> np.ndarray:
    """The coverage table's figures to hide beside the questionnaires' figures ``hidden``
    (the year's decisions hide them, the period's showed them): each over some of a
    hidden figure's cells and otherwise only cells of the same official (an official's
    line) or of the same agencies (a total). Shown, such figures less the other
    questionnaires' lines would give the hidden one away: an official's ratings of every
    questionnaire less their quick-form line, or an agency's desks' ratings added up less
    its quick-form total (issue 21, case 3, across the units' tables). Hiding more never
    tells a reader more."""
    result = np.zeros(len(units.figures), dtype=bool)
    coverage = [(k, set(f.parts)) for k, f in enumerate(units.figures) if not f.answers]
    for k in np.flatnonzero(hidden):
        hidden_figure = units.figures[k]
        cells = [units.cells[i] for i in hidden_figure.parts]
        agencies = {cell[0] for cell in cells}
        official = {cell[2] for cell in cells}
        same = [i for i, cell in enumerate(units.cells) if cell[0] in agencies]
        if len(official) == 1 and None not in official:
            same = [i for i in same if units.cells[i][2] in official]
        parts, unit = set(hidden_figure.parts), set(same)
        for position, covered in coverage:
            result[position] |= bool(parts & covered) and covered <= unit
    return result


def _figures_in_year(mine, officials, total_hidden, period):
    """Each published figure of one questionnaire's units (``mine``) with whether the
    year's decisions hide it for ``period``: a scope's total (and an official's figure
    over the same responses) as ``total_hidden`` says, an official's as ``officials``."""
    rows = mine.rows
    first_total = len(rows.pairs) + len(rows.combined)
    totals = {}
    for row, parts in mine.published:
        if row >= first_total:
            agencies = frozenset(rows.pairs[r][0] for r in rows.derived[row - len(rows.pairs)])
            totals[parts] = total_hidden(agencies, period)
    for row, parts in mine.published:
        if parts in totals:
            yield parts, totals[parts]
        elif row < len(rows.pairs):
            yield parts, officials.pairs_hidden([rows.pairs[row]], period)
        else:
            combined = rows.combined[row - len(rows.pairs)]
            yield parts, officials.pairs_hidden([rows.pairs[r] for r in combined], period)


@dataclass(frozen=True)
class _Rating:
    """The headline item with its scale: turns level counts into rates. ``versions``:
    every version of its questionnaire (``key``)."""

    item_key: str
    levels: Sequence[int]
    satisfied: Sequence[int]
    versions: frozenset[int]
    key: str

    def rate(self, counts: LevelCounts) -> SatisfactionRate | None:
        if counts.answered == 0:
            return None
        return satisfaction_rate(counts.aligned(self.levels), self.levels, self.satisfied)

    def successes_and_totals(self, counts: LevelCounts) -> tuple[int, int]:
        return counts.satisfied(self.satisfied), counts.answered


def _trend(session, report_filter, rating, dimension, min_group_size, year) -> Trend:
    """The report's trend by month or quarter (``dimension``); ``year``: the year's
    decision (:func:`_year_months`) of an unfiltered report."""
    by_period = level_counts_by(session, report_filter, dimension, [rating.item_key])
    responses = response_counts_by(session, report_filter, dimension)
    periods = _periods(report_filter.period, dimension)
    sizes = [responses.get(period, 0) for period in periods]
    successes, totals, points = [], [], []
    for period in periods:
        counts = by_period.get(period, {}).get(rating.item_key, LevelCounts())
        satisfied, answered = rating.successes_and_totals(counts)
        successes.append(satisfied)
        totals.append(answered)
    hidden = _hidden_periods(session, report_filter, rating, dimension, min_group_size, year)
    for period, n, is_hidden in zip(periods, sizes, hidden, strict=True):
        counts = by_period.get(period, {}).get(rating.item_key, LevelCounts())
        points.append(
            TrendPoint(
                period,
                None if is_hidden else n,
                None if is_hidden else rating.rate(counts),
                bool(is_hidden),
            )
        )
    return Trend(tuple(points), *_shown_trend_test(successes, totals, hidden))


def _shown_trend_test(successes, totals, hidden) -> tuple[TrendTestResult | None, int | None]:
    """The trend test over the shown periods, and how many they are when some are hidden.

    The test is a non-linear function of every period's counts: over hidden periods it
    would add an equation to what the report's total and the shown periods give away
    (the hidden periods' sum) and could pin two hidden months down, which the audit of
    the published cells does not model. Over the shown periods it says nothing that
    they do not. Each period keeps its place in time as its score (1, 2, … over the
    report's periods), so a hidden period leaves a gap rather than closing it up.
    """
    shown = [i for i, is_hidden in enumerate(hidden) if not is_hidden]
    if sum(totals[i] > 0 for i in shown) < 2:
        return None, None
    test = trend_test(
        [successes[i] for i in shown], [totals[i] for i in shown], [i + 1 for i in shown]
    )
    return test, len(shown) if len(shown) < len(hidden) else None


def _periods(within: Period, dimension: Dimension) -> list[Period]:
    """The months or quarters (``dimension``) of the period ``within``."""
    start = within.start
    periods = []
    while start < within.end:
        period = (
            Period.month(start.year, start.month)
            if dimension is Dimension.MONTH
            else Period.quarter(start.year, (start.month + 2) // 3)
        )
        periods.append(period)
        start = period.end
    return periods


def _hidden_periods(session, report_filter, rating, dimension, min_group_size, year) -> list[bool]:
    """Which periods of the report's trend to hide: decided for the whole province at
    once (:func:`survey.results.disclosure.hidden_periods`), every scope's months beside
    its totals, so that the same month is hidden in every report that shows it and the
    province's month less its agencies' gives none away; a quarter is shown when its
    months are. A report filtered by one value (a channel, a desk…) has its months
    decided with the other values' and these (:mod:`survey.results.filtered_trend`).

    A report shows a period when its agencies are one of the scopes decided on, or the
    union of some that show it (their sum then says nothing new); otherwise it is hidden.
    """
    versions = rating.versions
    if year is not None:
        whole = report_filter.period
        return [
            _figure_hidden(
                year, report_filter, Period(max(p.start, whole.start), min(p.end, whole.end))
            )
            for p in _periods(whole, dimension)
        ]
    chosen = chosen_values(report_filter, versions)  # one: two withhold the trend
    unfiltered = ReportFilter(
        report_filter.period,
        include_flagged=report_filter.include_flagged,
        questionnaire_version_ids=versions,
    )
    trend = _unfiltered_months(session, unfiltered, rating, min_group_size)
    by_month = filtered_months_hidden(
        session, report_filter, unfiltered, chosen[0], rating.item_key, trend, min_group_size
    )
    if dimension is Dimension.MONTH:
        return by_month
    return [
        any(by_month[m] for m in _months_of(quarter, trend.months))
        for quarter in _periods(report_filter.period, Dimension.QUARTER)
    ]


def _year_months(session, report_filter, rating, min_group_size) -> ScopeMonths:
    """Every fixed scope's months and quarters of the year of the report's period,
    unfiltered, decided at once (:func:`_unfiltered_months`): the reports of a month, of
    a quarter and of the year show figures of one decision, so a quarter hidden in its
    report is not the year less the other quarters (issue 21); for a year that has
    ended, as its units' decision hides them (:func:`_closed_months`). A period of another
    span has its own."""
    year = report_filter.period.calendar_year
    if year is not None and ended_year(year) is not None:
        closed = decided_year(session, year, report_filter.include_flagged, min_group_size)
        return _closed_months(session, closed, rating.key)
    unfiltered = ReportFilter(
        year or report_filter.period,
        include_flagged=report_filter.include_flagged,
        questionnaire_version_ids=rating.versions,
    )
    return _unfiltered_months(session, unfiltered, rating, min_group_size, rating.key)


def _closed_months(session, closed: ClosedYear, key: str) -> ScopeMonths:
    """Every fixed scope's months and quarters of a year that has ended, with
    questionnaire ``key``'s totals hidden as the year's decision on its units hides them
    (:func:`survey.results.period_units.decided_year`): the trend of the year's report
    shows a month's total when the month's report does."""
    periods = list(closed.periods)
    months, quarters = periods[:12], periods[12:16]
    by_agency: dict[int, list[tuple[Cell, int]]] = defaultdict(list)
    for cell, month in closed.cells:
        if cell[3] == key:
            by_agency[cell[0]].append((cell, month))
    agencies = sorted(by_agency)
    scopes = [sorted(scope) for scope in agency_scopes(session, agencies)]
    decided: dict[PeriodFigure, bool] = {}
    for scope in scopes:
        mine = [(cell, month) for row in scope for cell, month in by_agency[agencies[row]]]
        for period in (*months, *quarters):
            within = _months_of(period, months)
            cells = [cell for cell, month in mine if month in within]
            decided[tuple(scope), within] = closed.figure_hidden(closed.parts(period, cells))
    return ScopeMonths(agencies, months, scopes, decided)


def _figure_hidden(trend: ScopeMonths, report_filter, period: Period) -> bool:
    """Whether ``trend`` hides the report's agencies' figure for ``period`` (a month, a
    quarter, or a span of months, shown when each of its months is): shown when they are
    one of the scopes decided on, or the union of some that show it (their sum then says
    nothing new)."""
    return _pieces_hidden(trend, _report_pieces(trend, report_filter), period)


def _report_pieces(trend: ScopeMonths, report_filter) -> list[tuple[int, ...]] | None:
    """The scopes of ``trend`` whose union is the report's agencies (None: none are)."""
    within = report_filter.agency_ids
    own = [row for row, agency in enumerate(trend.agencies) if within is None or agency in within]
    return scope_pieces(own, {tuple(scope) for scope in trend.scopes})


def _pieces_hidden(trend: ScopeMonths, pieces, period: Period) -> bool:
    """Whether ``trend`` hides ``period``'s figure of the scopes ``pieces`` (None: no
    union of scopes, hidden): a month's or a quarter's as decided, another span's when
    any of its months is hidden."""
    if pieces is None:
        return True
    months = _months_of(period, trend.months)
    figures = [months] if (pieces[0], months) in trend.decided else [(m,) for m in months]
    return any(trend.decided.get((piece, figure), True) for piece in pieces for figure in figures)


def _period_hidden(trend: ScopeMonths | None, report_filter) -> bool:
    """Whether the report's totals, for a month, a quarter or a span of months within a
    year, are hidden in the year's decision on every scope's months and quarters
    (``trend``, :func:`_year_months`; None for a filtered report, decided with the other
    values' and not yet with the other periods'); the year's own totals are published in
    it (hidden only by the units' decision)."""
    period = report_filter.period
    if trend is None or period.calendar_year in (None, period):
        return False
    pieces = _report_pieces(trend, report_filter)
    # agencies that are no union of scopes (an agency's own responses beside its
    # subtree's; none with responses in the year) are left to the units' decision
    return pieces is not None and _pieces_hidden(trend, pieces, period)


def _months_of(quarter: Period, months: Sequence[Period]) -> tuple[int, ...]:
    return tuple(i for i, month in enumerate(months) if quarter.start <= month.start < quarter.end)


def _unfiltered_months(session, unfiltered, rating, min_group_size, key=None) -> ScopeMonths:
    """The months of every fixed scope's unfiltered trend, decided at once; with the
    questionnaire's ``key``, each scope's and agency's whole period is taken as published
    only when its report shows it (the units' decision for the period,
    :func:`survey.results.period_units.decided_units`)."""
    responses = response_counts_by(session, unfiltered, Dimension.MONTH, by_agency=True)
    answers = level_counts_by(
        session, unfiltered, Dimension.MONTH, [rating.item_key], by_agency=True
    )
    months = _periods(unfiltered.period, Dimension.MONTH)
    agencies = sorted({agency for agency, _month in responses})
    parts = np.zeros((len(agencies), len(months), 2), dtype=np.int64)
    row_of = {agency: row for row, agency in enumerate(agencies)}
    column_of = {month: column for column, month in enumerate(months)}
    for (agency, month), count in responses.items():
        counts = answers.get((agency, month), {}).get(rating.item_key, LevelCounts())
        parts[row_of[agency], column_of[month]] = count, counts.answered
    quarters = [
        _months_of(quarter, months) for quarter in _periods(unfiltered.period, Dimension.QUARTER)
    ]
    scopes = agency_scopes(session, agencies)
    published = None
    if key is not None:
        units = decided_units(session, unfiltered, min_group_size)
        published = [
            tuple(rows)
            for rows in [*scopes, *([row] for row in range(len(agencies)))]
            if not units.total_hidden(
                key, replace(unfiltered, agency_ids=frozenset(agencies[r] for r in rows))
            )
        ]
    decided = hidden_periods(parts, scopes, quarters, min_group_size, published)
    return ScopeMonths(agencies, months, [sorted(scope) for scope in scopes], decided)


def _change(session, report_filter, rating, headline, key, min_group_size) -> Change | None:
    """The change from the previous period, unless that period's report withholds its
    totals (:func:`survey.results.period_units.decided_units` for that period, and for an
    unfiltered one its year's decision, :func:`_period_hidden`): its rate would give them
    away."""
    previous_filter = report_filter.with_period(report_filter.period.previous())
    if headline is None or response_count(session, previous_filter) < min_group_size:
        return None
    if decided_units(session, previous_filter, min_group_size).total_hidden(key, previous_filter):
        return None
    if not chosen_values(previous_filter, rating.versions) and (
        previous_filter.period.calendar_year is None  # a span across two years: no decision
        or _period_hidden(
            _year_months(session, previous_filter, rating, min_group_size), previous_filter
        )
    ):
        return None
    counts = level_counts(session, previous_filter, [rating.item_key])[rating.item_key]
    previous = rating.rate(counts)
    if previous is None:
        return None
    test = trend_test([previous.successes, headline.successes], [previous.n, headline.n])
    return Change(previous_filter.period, previous, headline.rate - previous.rate, test)


def _units(
    session, report_filter, rating, decision, min_ratings, year, dimension
) -> tuple[UnitRating, ...]:
    """Agencies or officials compared: the ranked ones (best first), then those apart.

    One minimum for every kind of unit: with fewer than ``min_ratings`` ratings (or
    hidden) a unit is listed, never ranked nor flagged. The prior is fitted to every unit
    with ratings; the funnel compares the ranked ones with the province's pooled rate.
    """
    keys, sizes, successes, totals = _unit_counts(session, report_filter, rating, dimension)
    if not keys:
        return ()
    hidden = _hidden_units(decision, report_filter, dimension, (keys, sizes, totals))
    if dimension is Dimension.AGENCY:  # each agency's line is its own report's totals
        hidden |= [
            _period_hidden(year, replace(report_filter, agency_ids=frozenset({key})))
            for key in keys
        ]
    ranked = (totals > 0) & ~hidden & (totals >= max(min_ratings, 1))
    comparison = _Comparison.of(successes, totals, ranked)
    minimum = decision.minimum
    small = ((sizes > 0) & (sizes < minimum)) | ((totals > 0) & (totals < minimum))
    units = []
    for i, key in enumerate(keys):
        shown = not hidden[i]
        units.append(
            UnitRating(
                key=key,
                responses=int(sizes[i]) if shown else None,
                ratings=int(totals[i]) if shown else None,
                satisfied=int(successes[i]) if shown else None,
                rate=float(successes[i] / totals[i]) if shown and totals[i] else None,
                is_suppressed=bool(hidden[i]),
                is_complement=bool(hidden[i] and not small[i]),
                has_too_few_ratings=bool(totals[i] < min_ratings),
                **comparison.figures(i),
            )
        )
    return tuple(sorted(units, key=lambda unit: (unit.rank is None, unit.rank or 0)))


def _unit_counts(session, report_filter, rating, dimension):
    """The units with responses under ``report_filter`` (sorted keys), with their
    responses, satisfied answers and answers to the rated item (arrays in key order)."""
    by_unit = level_counts_by(session, report_filter, dimension, [rating.item_key])
    responses = response_counts_by(session, report_filter, dimension)
    keys = sorted(key for key in responses if key is not None)
    sizes = np.array([responses[key] for key in keys], dtype=np.int64)
    pairs = [
        rating.successes_and_totals(by_unit.get(key, {}).get(rating.item_key, LevelCounts()))
        for key in keys
    ]
    successes = np.array([pair[0] for pair in pairs], dtype=np.int64).reshape(-1)
    totals = np.array([pair[1] for pair in pairs], dtype=np.int64).reshape(-1)
    return keys, sizes, successes, totals


def _hidden_units(decision, report_filter, dimension, counted):
    """Which of the report's units (``counted``: keys, responses, answers) to hide.

    Units are decided for the whole province with the totals of every scope
    (:func:`survey.results.period_units.decided_units`), so that the same unit is hidden
    in every report that lists it: agencies by their own line, officials by their part in
    each agency; an agency's line is its figure under the report's filter (one channel's,
    one desk's…), as its own report's totals are.
    """
    keys, sizes, totals = counted
    shown = {key: (int(n), int(t)) for key, n, t in zip(keys, sizes, totals, strict=True)}
    if dimension is Dimension.OFFICIAL:
        hide = decision.officials_hidden(report_filter, shown)
        return np.array([hide[key] for key in keys], dtype=bool)
    period, key_of = decision.period, decision.questionnaire_key
    return np.array(
        [
            period.total_hidden(
                key_of, replace(report_filter, agency_ids=frozenset({key})), shown[key]
            )
            for key in keys
        ],
        dtype=bool,
    )


_NOT_RANKED = {
    "shrunk_rate": None,
    "shrunk_low": None,
    "shrunk_high": None,
    "is_below_95": None,
    "is_above_95": None,
    "is_below_998": None,
    "is_above_998": None,
    "funnel_95": None,
    "funnel_998": None,
    "rank": None,
}


@dataclass(frozen=True)
class _Comparison:
    """The ranked units' adjusted rates, funnel flags, places and tiers, by unit index."""

    by_unit: dict[int, dict]

    @classmethod
    def of(cls, successes, totals, ranked) -> _Comparison:
        rated = totals > 0
        chosen = np.flatnonzero(ranked)
        if rated.sum() < 2 or chosen.size < 2:
            return cls({})
        shrunk = shrink_rates(successes[rated], totals[rated])
        at = np.cumsum(rated)[chosen] - 1  # the chosen units among the rated
        low, high = shrunk.ci.low[at], shrunk.ci.high[at]
        # exact: a small unit with every answer satisfied is not "above" by the arcsine
        # scale alone (30 of 30 against 94 % happens by chance one time in six).
        target = float(successes[rated].sum() / totals[rated].sum())
        funnel = funnel_limits(successes[chosen], totals[chosen], target=target, exact=True)
        best, worst = rank_ranges(low, high)
        order = np.argsort(-shrunk.rate[at], kind="stable")
        by_unit = {}
        for place, j in enumerate(order, start=1):
            below, above = funnel.is_below[:, j], funnel.is_above[:, j]
            by_unit[int(chosen[j])] = {
                "shrunk_rate": float(shrunk.rate[at[j]]),
                "shrunk_low": float(low[j]),
                "shrunk_high": float(high[j]),
                "is_below_95": bool(below[0]),
                "is_above_95": bool(above[0]),
                "is_below_998": bool(below[1]),
                "is_above_998": bool(above[1]),
                "funnel_95": (float(funnel.lower[0, j]), float(funnel.upper[0, j])),
                "funnel_998": (float(funnel.lower[1, j]), float(funnel.upper[1, j])),
                "rank": place,
                "rank_range": (int(best[j]), int(worst[j])),
                "tier": Tier.BELOW if below[0] else Tier.ABOVE if above[0] else Tier.LEVEL,
            }
        return cls(by_unit)

    def figures(self, i: int) -> dict:
        return self.by_unit.get(i, _NOT_RANKED)


def sipas_with_interval(
    session, report_filter, factors, counts, matrix_limit, respondent_results=None
):
    """SIPAS index, its bootstrap interval, the respondents used and each factor's alpha.

    ``factors`` as ``scoring_for_analysis`` gives them; ``counts`` the :class:`LevelCounts`
    of their criteria and overall questions under ``report_filter``. All None (and no
    alphas) when no criterion has an answer. Also used by the public results page.
    ``respondent_results``: the future of :func:`_respondent_results_apart` if the caller
    started it, else they are computed here.

    The interval and the alphas need the answers of individual respondents (up to
    ``matrix_limit``, a bootstrap of 1,000 resamples), read from the answer vectors; what is
    computed from them is kept in this process, see :func:`_respondent_results`.
    """
    counts_by_factor = {
        factor["key"]: {item: counts[item].levels for item in factor["criterion_items"]}
        for factor in factors
    }
    overall = {
        factor["key"]: counts[factor["overall_item"]].levels
        for factor in factors
        if factor["overall_item"]
    }
    levels, satisfied = factors[0]["levels"], factors[0]["satisfied"]
    if not any(counts[item].answered for f in factors for item in f["criterion_items"]):
        return None, None, None, {}
    index = sipas_index(counts_by_factor, satisfied, overall, levels=levels)
    if respondent_results is None:
        interval, sample_size, alphas = _respondent_results(
            session, report_filter, factors, matrix_limit
        )
    else:
        interval, sample_size, alphas = respondent_results.result()
    return index, interval, sample_size, dict(alphas)


#: Respondent-level results kept per process, most recently used last (see below).
_respondent_cache: OrderedDict[tuple, tuple] = OrderedDict()
_respondent_cache_lock = threading.Lock()
RESPONDENT_CACHE_SIZE = 64


#: Respondent-level work of the overview runs beside its count queries: both mostly wait
#: (on the database, on numpy, which release the GIL). Measured on 1 million responses,
#: the SIPAS page with its interval to compute: 238 ms one after the other, 175 beside.
_RESPONDENT_WORK = ThreadPoolExecutor(max_workers=4, thread_name_prefix="respondent-results")


def _respondent_results_apart(bind, report_filter, factors, matrix_limit):
    """:func:`_respondent_results` in a session of its own on ``bind``, for another thread.

    Its own transaction: on a database being written to, the matrix may include a response
    stored a few milliseconds after the page's counts were read, as a page read a moment
    later would.
    """
    with Session(bind) as session:
        return _respondent_results(session, report_filter, factors, matrix_limit)


def _respondent_results(session, report_filter, factors, matrix_limit):
    """``(interval, respondents used, alphas)`` from the respondent matrix.

    The matrix is read on every call (one narrow row per respondent: about 25 ms for
    10,000); what is computed from it (1,000 bootstrap resamples, the alphas) is kept in
    this process by the matrix's content and the scoring, of which it is a pure function
    (the bootstrap is seeded). So a kept result is always what a fresh computation gives,
    and a new response recomputes it only when it changes the matrix: over a large filter
    the systematic sample takes one response in k, where the bootstrap costs most.
    """
    criteria = [item for factor in factors for item in factor["criterion_items"]]
    factor_of_item = [factor["key"] for factor in factors for _ in factor["criterion_items"]]
    levels, satisfied = factors[0]["levels"], factors[0]["satisfied"]
    matrix = respondent_matrix(session, report_filter, criteria, limit=matrix_limit)
    key = (
        hashlib.blake2b(matrix.values.tobytes(), digest_size=16).digest(),
        matrix.values.shape,
        tuple(criteria),
        tuple(factor_of_item),
        tuple(levels),
        tuple(satisfied),
    )
    with _respondent_cache_lock:
        if key in _respondent_cache:
            _respondent_cache.move_to_end(key)
            return _respondent_cache[key]
    interval = None
    if matrix.values.shape[0] > 0:
        interval = index_bootstrap_ci(
            matrix.values,
            factor_of_item,
            satisfied,
            n_resamples=BOOTSTRAP_RESAMPLES,
            seed=0,
            levels=levels,
        )
    alphas: dict[Hashable, CronbachAlphaResult | None] = {}
    for factor in factors:
        columns = [criteria.index(item) for item in factor["criterion_items"]]
        try:
            alphas[factor["key"]] = cronbach_alpha(matrix.values[:, columns])
        except ValueError:  # too few complete respondents, or constant answers
            alphas[factor["key"]] = None
    result = (interval, matrix.values.shape[0], alphas)
    with _respondent_cache_lock:
        _respondent_cache[key] = result
        while len(_respondent_cache) > RESPONDENT_CACHE_SIZE:
            _respondent_cache.popitem(last=False)
    return result
