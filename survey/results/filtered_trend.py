"""The trend of a report filtered by one value (one channel, one desk…): its months are
decided with every other value's (issue 21).

A month hidden in the kiosk report of an agency would otherwise be the unfiltered
report's month less the other channels' reports'. So the months of every value of the
report's filter, in every fixed scope (:func:`survey.results.disclosure.agency_scopes`)
and agency, are decided at once (:func:`survey.results.disclosure.hidden_sums`), on cells
of one agency, value and month, with each agency's month and each scope's and value's
whole period (unless small) taken as published: the reader is assumed to know more than
the unfiltered trend and the reports' totals give, so this decision holds whatever they
show. A value's month over the same responses as an unfiltered month is that month, and
hidden with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.orm import Session

from survey.results.disclosure import PeriodFigure, SumDecision, SumFigure, hidden_sums
from survey.results.filter_values import FilterValue, counts_by_value
from survey.results.filters import Dimension, Period, ReportFilter


@dataclass(frozen=True)
class ScopeMonths:
    """The unfiltered trend's decision (:func:`survey.results.disclosure.hidden_periods`):
    the ``agencies`` with responses, the ``months``, every fixed scope (rows of
    ``agencies``) and which of its months are hidden (``decided``)."""

    agencies: Sequence[int]
    months: Sequence[Period]
    scopes: Sequence[Sequence[int]]
    decided: Mapping[PeriodFigure, bool]


def filtered_months_hidden(
    session: Session,
    report_filter: ReportFilter,
    unfiltered: ReportFilter,
    chosen: FilterValue,
    item: str,
    trend: ScopeMonths,
    min_group_size: int,
) -> list[bool]:
    """Which of the report's months to hide (one per month of ``trend.months``)."""
    column = {month: i for i, month in enumerate(trend.months)}
    counted = counts_by_value(session, unfiltered, chosen.dimension, item, (Dimension.MONTH,))
    cells = sorted(
        ((agency, value, column[month]) for agency, value, month in counted),
        key=lambda cell: (cell[0], str(cell[1]), cell[2]),
    )
    counts = np.array(
        [counted[agency, value, trend.months[m]] for agency, value, m in cells], dtype=np.int64
    ).reshape(-1, 2)
    published, decide, unfiltered_hidden = _figures(cells, counts, trend, min_group_size)
    listed = tuple(SumFigure(parts, answers=True) for parts in decide)
    hidden = hidden_sums(counts, listed, min_group_size, published=published)
    hidden |= np.array([figure.parts in unfiltered_hidden for figure in listed], dtype=bool)
    every = (*published, *decide)
    hidden = np.concatenate([np.zeros(len(published), dtype=bool), hidden])
    decision = SumDecision(counts, every, hidden, min_group_size)
    within = report_filter.agency_ids
    mine = [
        i
        for i, (agency, value, _month) in enumerate(cells)
        if (within is None or agency in within) and chosen.holds(value)
    ]
    return [
        decision.sum_hidden(i for i in mine if cells[i][2] == month)
        for month in range(len(trend.months))
    ]


def _figures(cells, counts, trend: ScopeMonths, minimum: int):
    """The sums taken as published (each agency's months; each scope's and value's whole
    period, unless small), every scope's and agency's months of every value to decide
    (unless its whole period is small: its report then shows no trend), and the cells of
    the unfiltered months hidden."""
    by_agency: dict[object, list[int]] = defaultdict(list)
    by_value: dict[object, list[int]] = defaultdict(list)
    for i, (agency, value, month) in enumerate(cells):
        by_agency[agency, month].append(i)
        by_value[value, month].append(i)
    published = {tuple(parts): None for parts in by_agency.values()}
    unfiltered_hidden: set[tuple[int, ...]] = set()
    decide: dict[tuple[int, ...], None] = {}
    for scope in [*trend.scopes, *([row] for row in range(len(trend.agencies)))]:
        members = {trend.agencies[row] for row in scope}
        own = [i for i, cell in enumerate(cells) if cell[0] in members]
        for value in {cells[i][1] for i in own} - {None}:
            parts = tuple(i for i in own if cells[i][1] == value)
            n = counts[list(parts)].sum(axis=0)
            if np.any((n > 0) & (n < minimum)):
                continue  # the value's report withholds its totals, and so its trend
            published[parts] = None
            for month in range(len(trend.months)):
                parts = tuple(i for i in by_value[value, month] if cells[i][0] in members)
                decide.update({parts: None} if parts else {})
        for month in range(len(trend.months)):
            parts = tuple(i for i in own if cells[i][2] == month)
            if parts and trend.decided.get((tuple(scope), (month,)), True):
                unfiltered_hidden.add(parts)
    return (
        tuple(published),
        tuple(parts for parts in decide if parts not in published),
        unfiltered_hidden,
    )
