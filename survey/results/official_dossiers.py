"""Which officials' dossier counts the officials' scores table hides (Circular 01/2018).

Decided once for a calendar year, on every month's, every quarter's and the year's counts
at once, so that the reports of a month, of a quarter and of the year show figures of one
decision: an official's quarter hidden in the year's report is not the year less what the
other quarters' reports print (issue 21, case 3, across reports: on the demo data 16
officials' small quarters came out of the province's yearly report and its quarters'
reports). A period within no calendar year (days, or a span across two years) is decided
on its own columns.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
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
from survey.results.filters import Period, ReportFilter
from survey.results.onestop_points import scored_dossier_counts

#: Per ``(agency id, official)``: (the dossiers the points are taken over, those imported).
DossierCounts = Mapping[Hashable, tuple[int, int]]


@dataclass(frozen=True)
class DossierColumns:
    """The periods a decision on officials' dossiers is taken on (``periods``): the
    twelve months, the four quarters and the year of a calendar year; ``exact``: columns
    the sum of others (the year of its quarters, as the report counts it); ``near``:
    columns the sum of others less a difference (a quarter of its months: a rating and its
    dossier in two of them count once in the quarter)."""

    periods: tuple[Period, ...]
    exact: tuple[ColumnSum, ...]
    near: tuple[ColumnSum, ...] = ()

    @classmethod
    def of(cls, period: Period, score_periods: Sequence[Period]) -> DossierColumns:
        """The columns for a report of ``period`` showing ``score_periods``: its calendar
        year's, or, for a period within none, its own (the last the sum of the others)."""
        year = period.calendar_year
        if year is None:
            last = len(score_periods) - 1
            return cls(tuple(score_periods), ((last, tuple(range(last))),) if last else ())
        number = year.start.year
        months = tuple(Period.month(number, month) for month in range(1, 13))
        quarters = tuple(Period.quarter(number, quarter) for quarter in range(1, 5))
        near = tuple((12 + q, (3 * q, 3 * q + 1, 3 * q + 2)) for q in range(4))
        return cls((*months, *quarters, year), ((16, (12, 13, 14, 15)),), near)

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
    (:class:`DossierColumns`; each official's part in each agency, counted in the
    dossiers their points are taken over (:func:`scored_dossier_counts`), beside each
    agency's dossiers naming no official, and the totals of every scope), so that an
    official hidden in one report is hidden in every report that shows them (issue 21,
    cases 3 and 6). ``hidden_pairs`` are hidden over the report's whole period when
    ratings not linked to a dossier count in their dossiers: with the dossiers imported
    (the coverage table's), these would give the officials' table's hidden ratings away.
    """
    everywhere = finest_filter(report_filter)
    columns = DossierColumns.of(report_filter.period, periods)
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
    )
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


def _counted(session, everywhere: ReportFilter, columns: DossierColumns) -> list[DossierCounts]:
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
