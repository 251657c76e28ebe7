"""One decision for the period on every count of responses a report lists by unit.

Two tables list responses by unit. The agencies' and officials' tables of each
questionnaire's reports, with each report's totals, give responses and answers to the
rated question (:class:`survey.results.disclosure.OfficialRows`); the coverage table
(:mod:`survey.results.coverage`) gives the ratings of every questionnaire by agency, desk
and official. A unit rated with one questionnaire only has the same figure in both, and a
unit's ratings in the coverage table less its ratings with the other questionnaires are its
ratings with this one: decided apart, a count hidden in one table could be read in, or
worked out from, the other (issue 21). So both are decided at once, for the period at the
finest level (:func:`survey.results.disclosure.finest_filter`), on cells no report shows
(the responses of one agency, desk, official and questionnaire together), every published
figure a sum of them (:func:`survey.results.disclosure.hidden_sums`): a figure hidden in
one table is hidden wherever it appears, and no hidden figure follows from the others.

Once a calendar year has ended, the figures of all its months, quarters and the year are
decided at once, on cells of one month each (:func:`decided_year`): each period decided
apart, with the year's decisions laid over it (:func:`survey.results.overview.decided_in_year`,
as the current year still is), left chains of figures across periods that pinned down a
hidden one (a quarter's official less two of the months, the year's agency less the months'
coverage lines).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from flask import g, has_app_context
from sqlalchemy.orm import Session

from survey.questionnaires.definition import scoring_for_analysis
from survey.results.counts import counts_generation
from survey.results.disclosure import (
    OfficialRows,
    Pair,
    SumDecision,
    SumFigure,
    UnitDecision,
    agency_scopes,
    decided_with,
    hidden_sums,
    scopes_and_agencies,
)
from survey.results.filter_values import FilterValue, chosen_values, counts_by_value
from survey.results.filters import Dimension, Period, ReportFilter, questionnaire_version_ids
from survey.results.queries import LevelCounts, level_counts_by, response_counts_by
from survey.results.versions import newest_definitions
from survey.vietnam_calendar import reports_today

#: The levels of a cell's units, in the order of its key.
LEVELS = (Dimension.AGENCY, Dimension.SERVICE_POINT, Dimension.OFFICIAL)

#: A cell: (agency id, desk id, official id, questionnaire key); desk and official None
#: when unnamed.
Cell = tuple[int, int | None, int | None, str]

#: What hiding a figure of the coverage table alone costs, against a unit's count in the
#: questionnaires' tables: the rankings and comparisons rest on those, so a complement is
#: taken from the coverage table first.
COVERAGE_COST = 0.05

#: Cells (positions in :attr:`PeriodUnits.cells`), distinct and sorted.
Parts = tuple[int, ...]


@dataclass(frozen=True)
class QuestionnaireUnits:
    """One questionnaire's officials' rows and the cells of each row."""

    rows: OfficialRows
    cells: tuple[Parts, ...]

    @classmethod
    def of(cls, session: Session, cells: Sequence[Cell], mine: Sequence[int]) -> QuestionnaireUnits:
        by_pair: dict[Pair, list[int]] = defaultdict(list)
        for i in mine:
            by_pair[cells[i][0], cells[i][2]].append(i)
        rows = OfficialRows.of(session, by_pair)
        pair_cells = [tuple(by_pair.get(pair, ())) for pair in rows.pairs]
        derived = [
            tuple(sorted(i for row in parts for i in pair_cells[row])) for parts in rows.derived
        ]
        return cls(rows, (*pair_cells, *derived))

    @property
    def published(self) -> list[tuple[int, Parts]]:
        """Each row some report shows (not an agency's responses naming no official), with
        its cells."""
        unseen = self.rows.unpublished
        return [(row, parts) for row, parts in enumerate(self.cells) if not unseen[row]]


@dataclass(frozen=True, eq=False)
class SplitUnits:
    """The decision on the report totals of each value of a filter (a desk, an official,
    a channel, a kind of respondent, a procedure field, a version), for the period: on
    ``cells`` (agency id, questionnaire key, value) and their ``counts`` (responses,
    answers), every fixed scope's and agency's figure of each value and questionnaire
    (and of every questionnaire, the coverage table's, for a filter across units: the
    units' decision has the desks' and officials'), each of which is decided (``sums``).

    Each agency's responses of each questionnaire (and of a desk's, an official's, each
    agency's ratings in the coverage table) are taken as published whatever the units'
    decision hides: the reader is assumed to know more than any report gives (``sums``
    holds them as hidden: they are not this decision's to show), so this decision holds
    whatever the units' tables show, and the values of two filters, each split apart
    from such totals, tell nothing about each other (any two splits of a total can be
    filled in by a table of both).
    """

    cells: tuple[tuple, ...]
    counts: np.ndarray
    sums: SumDecision

    def report_cells(self, report_filter: ReportFilter, key: str | None, chosen) -> Parts:
        return tuple(
            i
            for i, (agency, questionnaire, value) in enumerate(self.cells)
            if (report_filter.agency_ids is None or agency in report_filter.agency_ids)
            and key in (None, questionnaire)
            and chosen.holds(value)
        )


@dataclass(frozen=True, eq=False)
class PeriodUnits:
    """The period's decision (:func:`decided_units`): ``cells`` and their ``counts``
    (responses, answers to their questionnaire's rated question), every published figure
    (``figures``, distinct) and which are ``hidden``; each questionnaire's units
    (``questionnaires``); the decision on the values of the report's filter, if it
    chooses one (``split``; ``chosen``: what it chooses)."""

    cells: tuple[Cell, ...]
    counts: np.ndarray
    figures: tuple[SumFigure, ...]
    hidden: np.ndarray
    minimum: int
    questionnaires: Mapping[str, QuestionnaireUnits]
    chosen: tuple[FilterValue, ...] = ()
    split: SplitUnits | None = None

    @cached_property
    def _position(self) -> dict[Parts, int]:
        return {figure.parts: k for k, figure in enumerate(self.figures)}

    def is_hidden(self, parts: Parts) -> bool:
        """Whether the figure over the cells ``parts`` (one the decision is on) is hidden."""
        return bool(self.hidden[self._position[parts]])

    def units(self, questionnaire_key: str) -> UnitDecision | None:
        """The decision on one questionnaire's officials, agencies and report totals (None
        without responses in the period or a rated question)."""
        units = self.questionnaires.get(questionnaire_key)
        if units is None:
            return None
        rows = units.rows
        counts = {
            pair: [int(v) for v in self.counts[list(parts)].sum(axis=0)]
            for pair, parts in zip(rows.pairs, units.cells, strict=False)
        }
        hidden = np.array(rows.unpublished, dtype=bool)
        for row, parts in units.published:
            hidden[row] = self.is_hidden(parts)
        return UnitDecision(
            rows, rows.table(counts, 2), hidden, self.minimum, self, questionnaire_key
        )

    @cached_property
    def _sums(self) -> SumDecision:
        """Every figure as decided, with what the published ones give away."""
        return SumDecision(
            self.counts, tuple(f.parts for f in self.figures), self.hidden, self.minimum
        )

    def total_hidden(
        self,
        questionnaire_key: str | None,
        report_filter: ReportFilter,
        shown: Sequence[int] | None = None,
    ) -> bool:
        """Whether a report (of the same filter values as the decision's) withholds the
        responses it counts (of one questionnaire, with their answers; of every one, the
        coverage table's ratings): as decided when some fixed scope's, or agency's, or
        one filter value's over one, is that figure (the unfiltered one when the filter
        leaves every response in); otherwise hidden when small or not known from the
        published figures (a selection of agencies no fixed scope is, two filters at
        once). Hidden too when the report counts other figures (``shown``: ratings
        counted since)."""
        chosen = [v for v in self.chosen if questionnaire_key or v.dimension is not None]
        if _combined(chosen):
            return True
        if self.split is None or not chosen or (chosen[0].within_units and not questionnaire_key):
            return self._stage_hidden(questionnaire_key, report_filter, shown)
        cut = self.split.report_cells(report_filter, questionnaire_key, chosen[0])
        counted = self.split.counts[list(cut), 0].sum()
        # the same responses as a figure of the units' decision: that figure (the agency's,
        # unfiltered; a desk's ratings of every questionnaire, the coverage table's)
        unfiltered = replace(report_filter, service_point_id=None, official_id=None)
        same = [(unfiltered, questionnaire_key)]
        if chosen[0].within_units:
            same.append((report_filter, None))
        for selection, key in same:
            if self.counts[list(self.cells_of(selection, key)), 0].sum() == counted:
                ratings = None if shown is None else list(shown)[: 2 if key else 1]
                return self._stage_hidden(key, selection, ratings)
        return _figure_hidden(self.split.sums, self.split.counts, cut, questionnaire_key, shown)

    def cells_of(self, report_filter: ReportFilter, key: str | None = None) -> Parts:
        """The cells a report counts (its agencies, desk and official; of questionnaire
        ``key``, or of every one when None: the coverage table's)."""
        return tuple(i for i, cell in enumerate(self.cells) if _counts(report_filter, key, cell))

    def _stage_hidden(self, key: str | None, report_filter, shown) -> bool:
        """:meth:`total_hidden` on the units' decision's cells (``report_filter``'s)."""
        parts = self.cells_of(report_filter, key)
        return _figure_hidden(self._sums, self.counts, parts, key, shown)

    @property
    def combines_filters(self) -> bool:
        """Whether the report's filter chooses two values at once, one of which cuts across
        units: no decision covers such a report, and it withholds its results."""
        return _combined(self.chosen)

    def coverage(self) -> SumDecision:
        """The decision on the coverage table's ratings: each figure's responses of every
        questionnaire, over the same cells and as decided here."""
        return replace(self._sums, cells=self.counts[:, 0])


def _combined(chosen: Sequence[FilterValue]) -> bool:
    """Whether ``chosen`` holds two values, one of which cuts across units."""
    return len(chosen) > 1 and any(not value.within_units for value in chosen)


def _counts(report_filter: ReportFilter, key: str | None, cell: Cell) -> bool:
    """Whether a report counts a cell's responses (its agencies, desk and official; of
    questionnaire ``key``, or of any when None)."""
    f = report_filter
    return (
        (f.agency_ids is None or cell[0] in f.agency_ids)
        and key in (None, cell[3])
        and f.service_point_id in (None, cell[1])
        and f.official_id in (None, cell[2])
    )


def _figure_hidden(decided: SumDecision, counts, parts: Parts, key: str | None, shown) -> bool:
    """Whether ``decided`` hides the figure over ``parts`` (its responses and answers of
    questionnaire ``key``; of every one, ratings only), or the report counts other
    figures (``shown``)."""
    column = slice(None) if key else slice(0, 1)
    if not key:
        decided = replace(decided, cells=counts[:, 0])
    figures = [int(v) for v in counts[list(parts), column].sum(axis=0)]
    return decided.sum_hidden(parts) or (shown is not None and figures != list(shown))


def _every_version(session: Session, report_filter: ReportFilter, key: str) -> ReportFilter:
    """The report's period (and flagged responses when it counts them), every agency,
    every version of questionnaire ``key``, nothing else chosen."""
    return ReportFilter(
        report_filter.period,
        include_flagged=report_filter.include_flagged,
        questionnaire_version_ids=questionnaire_version_ids(session, key),
    )


def questionnaires(session: Session, report_filter: ReportFilter):
    """Each questionnaire's key, rated question (None without) and the report's period
    over every version of it (:func:`_every_version`)."""
    return [
        (
            key,
            scoring_for_analysis(definition)["headline_item"],
            _every_version(session, report_filter, key),
        )
        for key, definition in newest_definitions(session).items()
    ]


def _counted_cells(session: Session, report_filter: ReportFilter):
    """Every cell with responses in the report's period (its flagged ones when it counts
    them), their counts, and each questionnaire with a rated question."""
    cells: dict[tuple, tuple[int, int]] = {}
    every = questionnaires(session, report_filter)
    rated = [key for key, item, _whole in every if item]
    for key, item, whole in every:
        responses = response_counts_by(session, whole, LEVELS)
        answers = level_counts_by(session, whole, LEVELS, [item]) if item else {}
        for group, n in responses.items():
            answered = answers.get(group, {}).get(item, LevelCounts()).answered if item else 0
            cells[(*group, key)] = (n, answered)  # type: ignore[misc]
    order = sorted(cells, key=lambda cell: tuple((v is None, v or "") for v in cell))
    counts = np.array([cells[cell] for cell in order], dtype=np.int64).reshape(-1, 2)
    return tuple(order), counts, rated


def _filtered_scopes(
    cells: Sequence[tuple], scopes: Sequence[Sequence[int]], positions: Sequence[int]
) -> set[Parts]:
    """Every scope's cells of one filter value (a filter at each of ``positions`` of a
    cell): a filtered report's totals."""
    parts: set[Parts] = set()
    for position in positions:
        for value in {cells[i][position] for scope in scopes for i in scope} - {None}:
            parts |= {tuple(i for i in scope if cells[i][position] == value) for scope in scopes}
    return parts - {()}


def _coverage_parts(cells: Sequence[Cell], scopes: Sequence[Sequence[int]]) -> set[Parts]:
    """Every fixed scope's ratings, and its agencies', desks' and officials' (every
    questionnaire's together)."""
    parts: set[Parts] = set()
    for scope in scopes:
        parts.add(tuple(sorted(scope)))
        for level in range(len(LEVELS)):
            units: dict[object, list[int]] = defaultdict(list)
            for i in scope:
                units[cells[i][level]].append(i)
            parts |= {tuple(sorted(p)) for key, p in units.items() if key is not None}
    return parts - {()}


@dataclass(frozen=True, eq=False)
class PeriodFigures:
    """Every figure the reports of a period publish by unit, undecided: ``cells`` and their
    ``counts`` (responses, answers to their questionnaire's rated question), the published
    figures (``figures``, distinct, sorted by their cells) and each rated questionnaire's
    units (``questionnaires``)."""

    cells: tuple[Cell, ...]
    counts: np.ndarray
    figures: tuple[SumFigure, ...]
    questionnaires: Mapping[str, QuestionnaireUnits]


def period_figures(session: Session, report_filter: ReportFilter) -> PeriodFigures:
    """The figures of the report's period (and flagged responses when it counts them),
    whatever else its filter chooses: the coverage table's ratings, each rated
    questionnaire's officials, agencies and report totals (:class:`OfficialRows`,
    responses and answers)."""
    cells, counts, rated = _counted_cells(session, report_filter)
    scopes = [sorted(scope) for scope in agency_scopes(session, [cell[0] for cell in cells])]
    figures = {
        parts: SumFigure(parts, cost_factor=COVERAGE_COST)
        for parts in _coverage_parts(cells, scopes)
    }
    questionnaires = {}
    for key in rated:
        mine = [i for i, cell in enumerate(cells) if cell[3] == key]
        if not mine:
            continue
        units = questionnaires[key] = QuestionnaireUnits.of(session, cells, mine)
        for _row, parts in units.published:  # a unit listed, with its answers, or totals
            figures[parts] = SumFigure(parts, answers=True, listed=True)
    listed = tuple(figures[parts] for parts in sorted(figures))
    return PeriodFigures(cells, counts, listed, questionnaires)


def decided_units(
    session: Session, report_filter: ReportFilter, min_group_size: int
) -> PeriodUnits:
    """The decision on every unit's responses for the report's period, whatever else its
    filter chooses (:func:`period_figures`), at once: for a month, a quarter or a calendar
    year that has ended, its year's decision on all of them (:func:`decided_year`; for
    another span of its months, each figure hidden when the year's decision hides it in
    any of the months), else the period's own (:func:`hidden_sums`); with, when the
    report's filter chooses one value (a desk, a channel…), the decision on that filter's
    values (:func:`decided_split`; an official's figures are the units' own)."""
    period = report_filter.period
    year = ended_year(period)
    if year is not None:
        closed = decided_year(session, year, report_filter.include_flagged, min_group_size)
        if period in year_periods(year):
            figured, hidden = closed.periods[period], closed.period_hidden(period)
        else:  # a span of months an officer chose
            figured = period_figures(session, report_filter)
            hidden = closed.span_hidden(period, figured)
    else:
        figured = period_figures(session, report_filter)
        hidden = hidden_sums(figured.counts, figured.figures, min_group_size)
    chosen = tuple(chosen_values(report_filter, _versions_of(session, report_filter)))
    return PeriodUnits(
        figured.cells,
        figured.counts,
        figured.figures,
        hidden,
        min_group_size,
        figured.questionnaires,
        chosen,
        decided_split(session, report_filter, chosen[0], min_group_size)
        if len(chosen) == 1 and chosen[0].dimension is not Dimension.OFFICIAL
        else None,
    )


def year_periods(year: Period) -> list[Period]:
    """The periods a calendar year's reports are of: its twelve months, its four quarters
    and the year."""
    number = year.start.year
    return [
        *(Period.month(number, month) for month in range(1, 13)),
        *(Period.quarter(number, quarter) for quarter in range(1, 5)),
        year,
    ]


def ended_year(period: Period) -> Period | None:
    """The calendar year of a period of whole months within it when that year has ended
    (:func:`survey.vietnam_calendar.reports_today`), else None."""
    year = period.calendar_year
    return year if year is not None and year.end <= reports_today() else None


@dataclass(frozen=True, eq=False)
class ClosedYear:
    """The decision on every figure the reports of a calendar year that has ended publish
    by unit (:func:`decided_year`): each of its periods' figures (``periods``,
    :func:`year_periods`), and the decision's ``cells`` (a cell of one month: (cell, the
    month's position)), their ``counts``, its ``figures`` (each period's, over those cells)
    and which are ``hidden``."""

    periods: Mapping[Period, PeriodFigures]
    cells: tuple[tuple[Cell, int], ...]
    counts: np.ndarray
    figures: tuple[SumFigure, ...]
    hidden: np.ndarray

    @cached_property
    def _index(self) -> dict[tuple[Cell, int], int]:
        return {cell: i for i, cell in enumerate(self.cells)}

    @cached_property
    def _position(self) -> dict[Parts, int]:
        return {figure.parts: k for k, figure in enumerate(self.figures)}

    def parts(self, period: Period, cells: Iterable[Cell]) -> Parts:
        """The decision's cells of ``cells`` in the months of ``period``."""
        months = _month_positions(period)
        index = self._index
        return tuple(sorted({index[c, m] for c in cells for m in months if (c, m) in index}))

    def figure_hidden(self, parts: Parts) -> bool:
        """Whether the figure over ``parts`` is hidden: as decided, when some period
        publishes it; else when it counts any response (no decision shows it)."""
        position = self._position.get(parts)
        return bool(parts) if position is None else bool(self.hidden[position])

    def span_hidden(self, period: Period, figured: PeriodFigures) -> np.ndarray:
        """Which figures of a span of months (``figured``, its figures) are hidden: those
        hidden in any of its months. Shown, a figure is the sum of shown figures of its
        months, and tells nothing they do not."""
        number = period.start.year
        months = [Period.month(number, m + 1) for m in _month_positions(period)]
        return self._hidden_in(figured, months)

    def period_hidden(self, period: Period) -> np.ndarray:
        """Which of ``period``'s figures (:attr:`PeriodFigures.figures`) are hidden."""
        return self._hidden_in(self.periods[period], [period])

    def _hidden_in(self, figured: PeriodFigures, periods: Sequence[Period]) -> np.ndarray:
        """Which of ``figured``'s figures are hidden in any of ``periods``."""
        return np.array(
            [
                any(
                    self.figure_hidden(self.parts(period, [figured.cells[i] for i in figure.parts]))
                    for period in periods
                )
                for figure in figured.figures
            ],
            dtype=bool,
        )


def _month_positions(period: Period) -> range:
    """The positions (0 to 11) of the months of a period within a calendar year."""
    first = period.start.month - 1
    return range(first, first + (period.months or 0))


def decided_year(
    session: Session, year: Period, include_flagged: bool, min_group_size: int
) -> ClosedYear:
    """The decision on every figure the reports of the calendar ``year`` publish by unit
    (:func:`period_figures` of each of :func:`year_periods`), at once, on cells of one
    month each (a unit's responses of one questionnaire in one month), each figure the sum
    of its cells in its period's months (:func:`hidden_sums`): a figure hidden in one
    period's reports is not another period's less the rest (a quarter's official less two
    of the months, the year's agency less the months' coverage lines: issue 21), and a
    figure several periods publish (an official rated in one month only) is hidden in all
    or none. Decided once the year has ended (:func:`ended_year`): the current year's
    counts change every few seconds, its ended months only with a late submission, and
    this decision takes a minute of CPU on a province's year (BENCHMARKS.md); it is kept
    for every process (:class:`survey.results.kept.SharedKept`), and for the application
    context on the same counts (a report reads it for several of its figures)."""
    key = (year, include_flagged, min_group_size, counts_generation(session))
    kept = g.setdefault("decided_years", {}) if has_app_context() else {}
    if key not in kept:
        kept[key] = _decided_year(session, year, include_flagged, min_group_size)
    return kept[key]


def _decided_year(session, year: Period, include_flagged: bool, min_group_size: int):
    periods = {
        period: period_figures(session, ReportFilter(period, include_flagged=include_flagged))
        for period in year_periods(year)
    }
    months = [periods[month] for month in year_periods(year)[:12]]
    cells = tuple((cell, m) for m, figured in enumerate(months) for cell in figured.cells)
    counts = np.concatenate([figured.counts for figured in months]).reshape(-1, 2)
    closed = ClosedYear(periods, cells, counts, (), np.zeros(0, dtype=bool))
    figures: dict[Parts, SumFigure] = {}
    for period, figured in periods.items():
        for figure in figured.figures:
            parts = closed.parts(period, [figured.cells[i] for i in figure.parts])
            if parts:
                figures[parts] = _together(figures.get(parts), replace(figure, parts=parts))
    listed = tuple(figures[parts] for parts in sorted(figures))
    hidden = hidden_sums(counts, listed, min_group_size)
    return replace(closed, figures=listed, hidden=hidden)


def _together(one: SumFigure | None, other: SumFigure) -> SumFigure:
    """One figure two periods publish (over the same cells): what either publishes of it."""
    if one is None:
        return other
    return SumFigure(
        other.parts,
        answers=one.answers or other.answers,
        listed=one.listed or other.listed,
        cost_factor=max(one.cost_factor, other.cost_factor),
    )


def _versions_of(session: Session, report_filter: ReportFilter) -> frozenset[int]:
    """Every version of the questionnaire whose versions a report chose (none: empty)."""
    picked = report_filter.questionnaire_version_ids
    for key in newest_definitions(session) if picked else ():
        versions = questionnaire_version_ids(session, key)
        if versions & picked:  # type: ignore[operator]
            return versions
    return frozenset()


def decided_split(
    session: Session, report_filter: ReportFilter, chosen: FilterValue, min_group_size: int
) -> SplitUnits:
    """The decision on the totals of every value of the filter ``chosen`` is a value of,
    for the report's period (:class:`SplitUnits`)."""
    counted: dict[tuple, tuple[int, int]] = {}
    every = questionnaires(session, report_filter)
    rated = [key for key, item, _whole in every if item]
    for key, item, whole in every:
        for (agency, value), pair in counts_by_value(
            session, whole, chosen.dimension, item
        ).items():
            counted[agency, key, value] = pair
    cells = tuple(sorted(counted, key=lambda cell: tuple((v is None, str(v or "")) for v in cell)))
    counts = np.array([counted[cell] for cell in cells], dtype=np.int64).reshape(-1, 2)
    alone: dict[tuple, list[int]] = defaultdict(list)
    for i, (agency, key, value) in enumerate(cells):
        alone[agency, key].append(i)
        if chosen.within_units:  # the coverage table's desks and officials, by agency
            alone[agency, value, None].append(i)
    published = tuple(tuple(parts) for parts in alone.values())
    groups = scopes_and_agencies(session, [cell[0] for cell in cells])
    figures: dict[Parts, SumFigure] = {}
    if chosen.dimension is not None and not chosen.within_units:  # see above
        for parts in _filtered_scopes(cells, groups, (2,)):
            figures[parts] = SumFigure(parts, cost_factor=COVERAGE_COST)
    for key in rated:
        within = [[i for i in group if cells[i][1] == key] for group in groups]
        for parts in _filtered_scopes(cells, within, (2,)):
            figures[parts] = SumFigure(parts, answers=True, listed=True)
    figured = [figures[parts] for parts in sorted(figures)]
    return SplitUnits(cells, counts, decided_with(counts, figured, published, min_group_size))
