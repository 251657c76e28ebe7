"""Which officials' figures to hide, decided once for a calendar year.

Each official's responses and answers to the rated question (the officials' table of a
satisfaction report) and dossiers (the officials' scores table, Circular 01/2018) are
decided on every month's, every quarter's and the year's counts at once, so that the
reports of a month, of a quarter and of the year show figures of one decision: an
official's quarter hidden in the year's report is not the year less what the other
quarters' reports print (issue 21, case 3, across reports: on the demo data, from the
province's yearly report and its quarters' reports, 16 officials' small quarters of
dossiers came out, and 13 SIPAS and 20 quick-form officials' small quarters of
responses). A period within no calendar year (days, or a span across two years) is
decided on its own columns.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
from sqlalchemy.orm import Session

from survey.results.disclosure import (
    ColumnSum,
    OfficialRows,
    Pair,
    finest_filter,
    hidden_by_period,
)
from survey.results.filters import Dimension, Period, ReportFilter, questionnaire_version_ids
from survey.results.onestop_points import scored_dossier_counts
from survey.results.queries import level_counts_by, response_counts_by
from survey.results.versions import newest_definitions

#: Per ``(agency id, official)``: (the dossiers the points are taken over, those imported).
DossierCounts = Mapping[Hashable, tuple[int, int]]


#: Each column's cost of hiding it as a complement, as a factor of its count: the months
#: first, then the quarters, the year last (the figures readers need most) …
COSTS = (1.0,) * 12 + (2.0,) * 4 + (4.0,)
#: … unless the year is still in progress (no response in December yet): the year so far
#: first, before the quarters already closed.
COSTS_IN_PROGRESS = (1.0,) * 12 + (2.0,) * 4 + (0.5,)


@dataclass(frozen=True)
class PeriodColumns:
    """The periods a decision on officials' figures is taken on (``periods``): the
    twelve months, the four quarters and the year of a calendar year; ``exact``: columns
    the sum of others; ``near``: columns the sum of others less a difference (a quarter's
    dossiers of its months': a rating and its dossier in two of them count once in the
    quarter)."""

    periods: tuple[Period, ...]
    exact: tuple[ColumnSum, ...]
    near: tuple[ColumnSum, ...] = ()

    @classmethod
    def of_year(cls, year: Period, months_add_up: bool) -> PeriodColumns:
        """A calendar year's columns; its quarters the sum of their months when
        ``months_add_up``, else near it; the year the sum of its quarters."""
        number = year.start.year
        months = tuple(Period.month(number, month) for month in range(1, 13))
        quarters = tuple(Period.quarter(number, quarter) for quarter in range(1, 5))
        of_months = tuple((12 + q, (3 * q, 3 * q + 1, 3 * q + 2)) for q in range(4))
        whole = ((16, (12, 13, 14, 15)),)
        if months_add_up:
            return cls((*months, *quarters, year), of_months + whole)
        return cls((*months, *quarters, year), whole, of_months)

    @classmethod
    def of(cls, period: Period, score_periods: Sequence[Period]) -> PeriodColumns:
        """The dossiers' columns for a report of ``period`` showing ``score_periods``: its
        calendar year's, or, for a period within none, its own (the last the sum of the
        others)."""
        year = period.calendar_year
        if year is None:
            last = len(score_periods) - 1
            return cls(tuple(score_periods), ((last, tuple(range(last))),) if last else ())
        return cls.of_year(year, months_add_up=False)

    def parts(self, period: Period) -> tuple[int, ...]:
        """The columns a figure of ``period`` rests on: its own; for a span of months an
        officer chose, its quarters when it is whole quarters, else its months."""
        if period in self.periods:
            return (self.periods.index(period),)
        size = 3 if _whole_quarters(period) else 1
        return tuple(
            i
            for i, column in enumerate(self.periods)
            if column.months == size and period.start <= column.start < column.end <= period.end
        )


def _costs(table: np.ndarray) -> tuple[float, ...]:
    """The columns' costs (:data:`COSTS`) for a year's ``table``: the year so far first
    when December has no count yet."""
    return COSTS if table[:, 11].any() else COSTS_IN_PROGRESS


def _whole_quarters(period: Period) -> bool:
    return (period.months or 0) % 3 == 0 and period.start.month % 3 == 1


def hidden_dossiers(
    session: Session,
    report_filter: ReportFilter,
    periods: Sequence[Period],
    min_group_size: int,
    hidden_pairs: set[Pair],
    counted: Sequence[tuple],
) -> list[dict[int, bool]]:
    """Which officials' dossiers to hide in each of the report's ``periods`` (``counted``:
    the report's own counts per period, :func:`survey.results.report._official_counts`),
    by official: decided for the whole province and the whole calendar year at once
    (:class:`PeriodColumns`; each official's part in each agency, counted in the
    dossiers their points are taken over (:func:`scored_dossier_counts`), beside each
    agency's dossiers naming no official, and the totals of every scope), so that an
    official hidden in one report is hidden in every report that shows them (issue 21,
    cases 3 and 6). ``hidden_pairs`` are hidden over the report's whole period when
    ratings not linked to a dossier count in their dossiers: with the dossiers imported
    (the coverage table's), these would give the officials' table's hidden ratings away.
    """
    everywhere = finest_filter(report_filter)
    columns = PeriodColumns.of(report_filter.period, periods)
    rows, by_period, decided = year_dossiers(session, everywhere, columns, min_group_size)
    hidden = []
    for column, (period, (ratings, dossiers, *_rest)) in enumerate(
        zip(periods, counted, strict=True)
    ):
        parts = columns.parts(period)
        counts = _period_counts(session, everywhere, period, by_period, parts)
        is_hidden = np.asarray(decided[:, list(parts)].any(axis=1), dtype=bool)
        if column == len(periods) - 1:
            is_hidden[: len(rows.pairs)] |= np.array(
                [
                    pair in hidden_pairs and _has_ratings_apart(counts.get(pair, (0, 0)))
                    for pair in rows.pairs
                ],
                dtype=bool,
            )
        shown = {
            key: (dossiers.get(key, (0, 0))[0],)
            for key in ratings.keys() | dossiers
            if key is not None
        }
        figures = _table(rows, [counts])
        hidden.append(
            rows.hidden_in_report(is_hidden, report_filter, figures, shown, min_group_size)
        )
    return hidden


def year_dossiers(
    session: Session, everywhere: ReportFilter, columns: PeriodColumns, min_group_size: int
) -> tuple[OfficialRows, list[DossierCounts], np.ndarray]:
    """The decision on every official's dossiers selected by ``everywhere`` (every agency)
    in each of ``columns``' periods: the rows (:class:`OfficialRows`), each period's
    dossiers by ``(agency id, official)``, and which rows to hide in which period."""
    by_period = _counted(session, everywhere, columns)
    pairs = cast(set[Pair], {pair for counts in by_period for pair in counts})
    rows = OfficialRows.of(session, pairs)
    table = _table(rows, by_period)
    decided = hidden_by_period(
        table,
        min_group_size,
        scopes=rows.totals,
        unpublished=rows.totals_fixed,
        row_sums=rows.sums,
        column_sums=columns.exact,
        near_sums=columns.near,
        column_costs=_costs(table) if len(columns.periods) == len(COSTS) else None,
    )
    return rows, by_period, decided


def dossiers_ahead(session: Session, year: Period, min_group_size: int) -> None:
    """Decide every one-stop questionnaire's officials' dossiers for the calendar ``year``
    over all its versions, as its unfiltered reports do (:func:`hidden_dossiers`), and keep
    the decision for every process (:func:`survey.results.fold.decide_ahead`)."""
    columns = PeriodColumns.of_year(year, months_add_up=False)
    for key, definition in newest_definitions(session).items():
        if definition.scoring.onestop is not None:
            versions = questionnaire_version_ids(session, key)
            everywhere = ReportFilter(year, questionnaire_version_ids=versions)
            year_dossiers(session, everywhere, columns, min_group_size)


def _counted(session, everywhere: ReportFilter, columns: PeriodColumns) -> list[DossierCounts]:
    """Each column's dossiers by ``(agency id, official)``; a column the exact sum of
    others (the year) is their sum, as the report counts it."""
    exact = dict(columns.exact)
    by_period: list[DossierCounts] = []
    for column, period in enumerate(columns.periods):
        if column in exact:
            by_period.append(summed([by_period[part] for part in exact[column]]))
        else:
            by_period.append(
                scored_dossier_counts(session, everywhere.with_period(period), by_agency=True)
            )
    return by_period


def _period_counts(session, everywhere, period, by_period, parts) -> DossierCounts:
    """The dossiers of ``period`` resting on the columns ``parts``: the column's own; a
    span of quarters' added up, as the report counts them; a span of months counted."""
    if len(parts) == 1:
        return by_period[parts[0]]
    if _whole_quarters(period):
        return summed([by_period[part] for part in parts])
    return scored_dossier_counts(session, everywhere.with_period(period), by_agency=True)


def _table(rows: OfficialRows, by_period: Sequence[DossierCounts]) -> np.ndarray:
    """The dossiers of every row of ``rows`` (absent parts 0), one column per period."""
    counts = {pair: [c.get(pair, (0, 0))[0] for c in by_period] for pair in rows.pairs}
    return rows.table(counts, len(by_period))


def _has_ratings_apart(counts: tuple[int, int]) -> bool:
    """Whether some of the dossiers counted (``scored_dossier_counts``) are ratings."""
    scored, imported = counts
    return scored > imported


def summed(counts: Sequence[Mapping]) -> dict:
    """Several periods' counts added up by key, each count a tuple added element by
    element."""
    total: dict = {}
    for by_key in counts:
        for key, values in by_key.items():
            before = total.get(key, (0,) * len(values))
            total[key] = tuple(a + b for a, b in zip(before, values, strict=True))
    return total


@dataclass(frozen=True, eq=False)
class YearOfficials:
    """The year's decision on its officials' responses and answers (:func:`year_officials`):
    ``rows`` every official's part in each agency with their sums and the scopes' totals,
    ``hidden`` which of their figures to hide, by :class:`PeriodColumns`."""

    rows: OfficialRows
    columns: PeriodColumns
    hidden: np.ndarray

    def pairs_hidden(self, pairs: Sequence[Pair], period: Period) -> bool:
        """Whether the figure of the officials' parts ``pairs`` (one official's, in one or
        several agencies) for ``period`` is hidden: as decided when the decision has it (a
        part, an official's sum over agencies), else when any part is; a part the
        decision does not know of is hidden."""
        index = {pair: row for row, pair in enumerate(self.rows.pairs)}
        if any(pair not in index for pair in pairs):
            return True
        rows = tuple(sorted(index[pair] for pair in pairs))
        derived = {parts: len(self.rows.pairs) + k for k, parts in enumerate(self.rows.derived)}
        decided = [derived[rows]] if rows in derived else list(rows)
        return bool(self.hidden[decided][:, list(self.columns.parts(period))].any())


def year_officials(
    session: Session,
    year_filter: ReportFilter,
    item_key: str,
    min_group_size: int,
    total_hidden: Callable[[frozenset[int], Period], bool],
) -> YearOfficials:
    """The decision on every official's responses and answers to the rated item
    ``item_key`` over the calendar year of ``year_filter`` (its period, every agency, the
    questionnaire's versions): every official's part in each agency, beside each agency's
    responses naming no official and the totals of every scope (:class:`OfficialRows`),
    by month, quarter and year, responses and answers each decided at once
    (:func:`hidden_by_period`), a figure hidden when either hides it. The scopes' totals
    are taken as the report of each period shows them (``total_hidden``: whether the total
    of some agencies for a period is hidden): an official's line shown beside a total
    hidden in its own report would give it away when the two are one."""
    columns = PeriodColumns.of_year(year_filter.period, months_add_up=True)
    rows, tables = _year_tables(session, year_filter, item_key)
    hidden_totals = frozenset(
        (scope, column)
        for scope in rows.totals
        for column, period in enumerate(columns.periods)
        if total_hidden(frozenset(rows.pairs[row][0] for row in scope), period)
    )
    # an agency's responses naming no official are no report's figure, but where there
    # are none, its officials' lines add up to its total: the reader knows that 0
    fixed = np.array(rows.totals_fixed, dtype=bool)[:, None]
    unpublished = fixed & ((tables[0] > 0) | ~np.array(rows.unpublished, dtype=bool)[:, None])
    decided = np.zeros(tables[0].shape, dtype=bool)
    for table in tables:
        decided |= hidden_by_period(
            table,
            min_group_size,
            scopes=rows.totals,
            unpublished=unpublished,
            row_sums=rows.sums,
            column_sums=columns.exact,
            hidden_totals=hidden_totals,
            column_costs=_costs(tables[0]),
        )
    return YearOfficials(rows, columns, decided)


def _year_tables(session, everywhere: ReportFilter, item_key: str):
    """The rows (:class:`OfficialRows`) of every official with responses in the year of
    ``everywhere``, and their responses' and answers' tables: rows × (twelve months, four
    quarters, the year)."""
    grouping = (Dimension.OFFICIAL, Dimension.MONTH)
    responses = response_counts_by(session, everywhere, grouping, by_agency=True)
    answers = level_counts_by(session, everywhere, grouping, [item_key], by_agency=True)
    by_pair: dict[Pair, np.ndarray] = {}
    for key, count in responses.items():
        agency, (official, month) = cast(tuple[int, tuple[int | None, Period]], key)
        counts = by_pair.setdefault((agency, official), np.zeros((17, 2), dtype=np.int64))
        answered = answers.get(key, {}).get(item_key)
        counts[month.start.month - 1] = count, 0 if answered is None else answered.answered
    for counts in by_pair.values():
        counts[12:16] = counts[:12].reshape(4, 3, 2).sum(axis=1)
        counts[16] = counts[12:16].sum(axis=0)
    rows = OfficialRows.of(session, by_pair)
    tables = [
        rows.table({pair: list(counts[:, count]) for pair, counts in by_pair.items()}, 17)
        for count in (0, 1)
    ]
    return rows, tables
