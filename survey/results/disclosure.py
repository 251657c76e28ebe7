"""The disclosure-control step every published table set of a report goes through.

Small groups are hidden (``MIN_GROUP_SIZE``), on responses and on answers alike, and so is
whatever else would let a reader work a hidden figure out from what the same report
publishes: the totals beside a list of units, the year beside its quarters, the factor
index beside its criteria, the Circular 01/2018 total beside its indices; or from what the
other reports publish: units and each report's own totals are decided once for the period
(:class:`UnitDecision`), with the totals and trend months of every value of a report's
filter (:mod:`survey.results.period_units`, :mod:`survey.results.filtered_trend`), and a
report on a selection that is no agency's subtree shows a figure over it only when the
decision already gives it away (:class:`KnownSums`). Each decision is audited by linear
programming (:func:`analysis.suppress_small_cells`, :func:`analysis.protect_cells`): given
everything published, the bounds every reader knows and the rule itself, no hidden figure
can be narrowed below its protection interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Container, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import Relation, protect_cells, suppress_small_cells
from survey.org.models import Agency
from survey.org.tree import AgencyTree
from survey.questionnaires.definition import scoring_for_analysis
from survey.results.filter_values import (
    FilterValue,
    answers_by_value,
    chosen_values,
    index_dossiers_by_value,
)
from survey.results.filters import Dimension, ReportFilter, questionnaire_version_ids
from survey.results.kept import SharedKept
from survey.results.onestop_points import combined_points_counts_by
from survey.results.queries import level_counts_by

if TYPE_CHECKING:
    from survey.results.period_units import PeriodUnits

#: Rows of a table whose totals some report publishes (each scope's units); None: all rows.
Scopes = Sequence[Sequence[int]] | None

#: A part of an officials' decision: (agency id, official id; None for no official named).
Pair = tuple[int, int | None]


#: A derived row: ``(row, parts)``, the row's counts the sum of its parts' (row indices).
RowSum = tuple[int, Sequence[int]]


def _scope_rows(rows: int, scopes: Scopes) -> list[list[int]]:
    """Each scope's rows, once each, in a deterministic order; all rows when ``scopes`` is None."""
    if scopes is None:
        return [list(range(rows))]
    distinct = {tuple(sorted(int(row) for row in scope)) for scope in scopes if scope}
    return [list(scope) for scope in sorted(distinct)]


def _scope_relations(table: np.ndarray, scopes: Scopes) -> list[Relation]:
    """Each scope's total of each column of ``table`` (flattened indices) as published."""
    return list(_scope_relations_by(table, scopes).values())


def _scope_relations_by(
    table: np.ndarray, scopes: Scopes
) -> dict[tuple[tuple[int, ...], int], Relation]:
    """:func:`_scope_relations` by (the scope's rows, the column)."""
    index = np.arange(table.size).reshape(table.shape)
    return {
        (tuple(scope), column): (
            {int(cell): 1.0 for cell in index[scope, column]},
            float(table[scope, column].sum()),
        )
        for scope in _scope_rows(len(table), scopes)
        for column in range(table.shape[1])
    }


def _column_sums(table: np.ndarray, sums: Sequence[RowSum]) -> list[tuple[int, list[int]]]:
    """Row sums (a row the sum of others) in every column, on flattened indices."""
    index = np.arange(table.size).reshape(table.shape)
    return [
        (int(index[row, column]), [int(index[part, column]) for part in parts])
        for row, parts in sums
        for column in range(table.shape[1])
    ]


def hidden_groups(
    responses: Sequence[int] | np.ndarray,
    answers: Sequence[int] | np.ndarray,
    min_group_size: int,
    *,
    lower_bound: int,
    scopes: Scopes = None,
    unpublished: Sequence[bool] | np.ndarray | None = None,
    sums: Sequence[RowSum] = (),
) -> np.ndarray:
    """Which groups (units, periods) to hide, published with their responses, their
    answers to the rated question and the totals of each of ``scopes`` (the units an
    agency's report lists beside its totals; None: all groups are one scope).

    A group is too small when either count is below ``min_group_size`` (a rate on four
    answers is hidden even when five people responded); then enough other groups are
    hidden that, with the totals, no small count can be worked out, as audited by
    :func:`analysis.suppress_small_cells` (each group has at least ``lower_bound``
    responses; answers may be 0). A group is hidden whole, counts and rate.
    ``unpublished``: groups no report shows (an agency's responses naming no official),
    which count in the scopes' totals but are unknown to the reader, at least 0.
    ``sums``: groups that are the sum of others (an official over several agencies), in
    no scope's total.
    """
    table = np.column_stack([np.asarray(responses), np.asarray(answers)]).astype(np.int64)
    if table.size == 0:
        return np.zeros(0, dtype=bool)
    unseen = np.zeros(len(table), dtype=bool)
    if unpublished is not None:
        unseen = np.asarray(unpublished, dtype=bool)
    floors = np.column_stack([np.where(unseen, 0, lower_bound), np.zeros(len(table))])
    hidden = suppress_small_cells(
        table,
        min_group_size,
        lower_bound=floors.astype(np.int64),
        margins=False,
        sums=_column_sums(table, sums),
        relations=_scope_relations(table, scopes),
        unpublished=np.column_stack([unseen, unseen]),
    )
    return np.asarray(hidden.any(axis=1))


#: Columns of :func:`hidden_by_period` that add up others: ``(column, part columns)``.
ColumnSum = tuple[int, Sequence[int]]


def hidden_by_period(
    table: np.ndarray,
    min_group_size: int,
    *,
    scopes: Scopes = None,
    unpublished: Sequence[bool] | np.ndarray | None = None,
    row_sums: Sequence[RowSum] = (),
    column_sums: Sequence[ColumnSum] | None = None,
    near_sums: Sequence[ColumnSum] = (),
    hidden_totals: frozenset[tuple[tuple[int, ...], int]] = frozenset(),
    column_costs: Sequence[float] | None = None,
) -> np.ndarray:
    """Which of the officials × periods counts (dossiers, responses, answers) to hide.

    ``column_sums``: columns each the sum of others in every row (a year of its quarters);
    None: with more than one column, the last is the sum of the others. ``near_sums``:
    columns each the sum of others less a difference in each row, taken as known to the
    reader (a quarter of its months: a rating and its dossier in two months count once in
    the quarter). Every column's total over each of ``scopes`` (None: all rows) counts as
    published. Decided on the whole table at once, so that no hidden quarter is the year
    minus the other quarters (issue 21) and no official is the total minus the others. An
    official appears in a period only with dossiers in it, but may have none in another
    quarter: 0 is possible. A scope's total of a column smaller than ``min_group_size``
    is not published (every report hides it), nor one in ``hidden_totals`` (``(the
    scope's rows, the column)``: hidden by the decision on the reports' totals).
    ``unpublished``: rows (or cells) no report shows (an agency's dossiers naming no
    official), counted in the scopes' totals only; ``row_sums``: rows that are the sum of
    others (an official over several agencies); ``column_costs``: each column's cost
    factor of hiding it as a complement (:func:`analysis.suppress_small_cells`). Kept by
    content, in this process and for every process (:class:`survey.results.kept.SharedKept`).
    """
    if table.size == 0:
        return np.zeros(table.shape, dtype=bool)
    columns = table.shape[1]
    if column_sums is None:
        column_sums = [(columns - 1, range(columns - 1))] if columns > 1 else []
    unseen = np.zeros(table.shape, dtype=bool)
    if unpublished is not None:
        unseen[np.asarray(unpublished, dtype=bool)] = True
    sums = tuple((int(c), tuple(int(p) for p in parts)) for c, parts in column_sums)
    near = tuple((int(c), tuple(int(p) for p in parts)) for c, parts in near_sums)
    key = (
        np.asarray(table, dtype=np.int64).tobytes(),
        table.shape,
        min_group_size,
        None if scopes is None else tuple(tuple(scope) for scope in scopes),
        unseen.tobytes(),
        tuple((row, tuple(parts)) for row, parts in row_sums),
        sums,
        near,
        hidden_totals,
        None if column_costs is None else tuple(column_costs),
    )

    def decide() -> np.ndarray:
        relations = [
            (cells, total)
            for (scope, column), (cells, total) in _scope_relations_by(table, scopes).items()
            if not 0 < total < min_group_size and (scope, column) not in hidden_totals
        ]
        costs = np.broadcast_to(np.asarray(column_costs or 1.0, dtype=float), table.shape)
        return _hidden_by_period(
            table, min_group_size, relations, unseen, row_sums, (sums, near), costs
        )

    return _periods_table_kept.decided(key, decide)


def _hidden_by_period(table, min_group_size, relations, unseen, row_sums, columns, costs):
    sums, near = columns
    index = np.arange(table.size).reshape(table.shape)
    in_rows = [
        (int(index[row, column]), [int(index[row, part]) for part in parts])
        for row in range(table.shape[0])
        for column, parts in sums
    ]
    for row in range(table.shape[0]):
        for column, parts in near:
            cells = {int(index[row, part]): 1.0 for part in parts} | {int(index[row, column]): -1.0}
            relations.append((cells, float(table[row, list(parts)].sum() - table[row, column])))
    return suppress_small_cells(
        table,
        min_group_size,
        margins=False,
        sums=in_rows + _column_sums(table, row_sums),
        relations=relations,
        unpublished=unseen,
        cost_factor=costs,
        # the scopes' totals are taken as published unless known hidden: a small cell
        # those alone give away is hidden, and the others protected all the same
        given_away="known",
    )


#: A published figure of :func:`hidden_in_scopes`: (a scope's agencies as rows, the item).
ScopeFigure = tuple[tuple[int, ...], int]


def hidden_in_scopes(
    parts: np.ndarray, scopes: Scopes, min_group_size: int, selection: Sequence[int] = ()
) -> dict[ScopeFigure, bool]:
    """Which of every scope's figures to hide, decided at once for all scopes.

    ``parts``: agencies × items (a criterion's answers, an index's dossiers); no report
    shows an agency's part on its own, but each scope's report shows, for each item, the
    sum over its agencies. A figure is too small when 0 < n < ``min_group_size``. Decided
    on everything the scopes publish together, so a figure hidden in one scope's report
    cannot be worked out as the province's less the other agencies' (issue 21, case 6).
    ``selection``: a report's agencies (rows) that may be no scope; its figures are then
    shown only when they are not small and the scopes' figures already give them away
    (:class:`KnownSums`), and never change the scopes' decision.
    """
    agencies, items = parts.shape
    distinct = _scope_rows(agencies, scopes)
    figures = [(tuple(scope), item) for scope in distinct for item in range(items)]
    base = parts.reshape(-1).astype(np.int64)
    derived = np.array([parts[list(rows), item].sum() for rows, item in figures], dtype=np.int64)
    table = np.concatenate([base, derived])
    sums = [
        (base.size + k, [row * items + item for row in rows])
        for k, (rows, item) in enumerate(figures)
    ]
    hidden = hidden_groups(
        table,
        table,
        min_group_size,
        lower_bound=0,
        scopes=[],
        unpublished=[True] * base.size + [False] * derived.size,
        sums=sums,
    )
    decided = {figure: bool(hidden[base.size + k]) for k, figure in enumerate(figures)}
    own = tuple(sorted(int(row) for row in selection))
    if not own or (own, 0) in decided:
        return decided
    hidden[: base.size] = True
    for item in range(items):  # each item's figures are linked only to each other
        linked = [total for total, (_rows, of) in zip(sums, figures, strict=True) if of == item]
        cells = [row * items + item for row in own]
        n = int(base[cells].sum())
        decided[own, item] = 0 < n < min_group_size or not KnownSums(linked, hidden).knows(cells)
    return decided


#: Decisions of :func:`hidden_sums`.
_sums_kept = SharedKept(32, "sums")

#: Decisions of :func:`hidden_by_period`.
_periods_table_kept = SharedKept(32, "periods-table")


@dataclass(frozen=True)
class SumFigure:
    """A published figure, the sum of some base cells no report shows (:func:`hidden_sums`):
    ``parts`` the cells (distinct, sorted); ``answers`` whether its answers to the rated
    question are published beside its responses; ``listed`` whether it is a unit listed
    for its responses, so at least 1 (else at least 0); ``cost_factor`` below 1 for a
    figure readers need less, hidden first as a complement."""

    parts: tuple[int, ...]
    answers: bool = False
    listed: bool = False
    cost_factor: float = 1.0


def hidden_sums(
    counts: np.ndarray,
    figures: Sequence[SumFigure],
    minimum: int,
    published: Sequence[tuple[int, ...]] = (),
) -> np.ndarray:
    """Which ``figures`` to hide, each the sum of base cells of ``counts`` (cells ×
    (responses, answers to the rated question), unknown to the reader, at least 0);
    ``published``: sums of cells taken as published whatever this decision hides (other
    decisions' figures, or more than they show: constants to the reader).

    Decided at once on every figure: a figure whose responses, or published answers, are
    0 < n < ``minimum`` is hidden, and enough others that none can be worked out from the
    rest, as audited by :func:`analysis.suppress_small_cells`. A figure is hidden whole.
    Kept by content, in this process and for every process
    (:class:`survey.results.kept.SharedKept`)."""
    counts = np.asarray(counts, dtype=np.int64).reshape(-1, 2)
    key = (counts.tobytes(), tuple(figures), minimum, tuple(published))
    return _sums_kept.decided(key, lambda: _hidden_sums(counts, figures, minimum, published))


def _hidden_sums(counts, figures: Sequence[SumFigure], minimum: int, published) -> np.ndarray:
    first = len(counts)
    derived = np.array([counts[list(f.parts)].sum(axis=0) for f in figures], dtype=np.int64)
    table = np.concatenate([counts, derived.reshape(-1, 2)])
    if table.size == 0:
        return np.zeros(0, dtype=bool)
    unseen = np.ones(table.shape, dtype=bool)
    floors = np.zeros(table.shape, dtype=np.int64)
    factors = np.ones(table.shape)
    for k, figure in enumerate(figures):
        unseen[first + k] = False, not figure.answers
        floors[first + k, 0] = int(figure.listed)
        factors[first + k] = figure.cost_factor
    hidden = suppress_small_cells(
        table,
        minimum,
        lower_bound=floors,
        margins=False,
        sums=_column_sums(table, [(first + k, f.parts) for k, f in enumerate(figures)]),
        relations=[
            ({int(i) * 2 + column: 1.0 for i in parts}, float(counts[list(parts), column].sum()))
            for parts in published
            for column in (0, 1)
        ],
        unpublished=unseen,
        cost_factor=factors,
        # the units listed can pin a small figure down whatever is hidden (four officials
        # listed, each with a response, under a desk with four ratings): it is hidden,
        # and the others protected from a reader who knows it
        given_away="known",
    )
    return np.asarray((hidden & ~unseen)[first:].any(axis=1))


@dataclass(frozen=True, eq=False)
class SumDecision:
    """A decision on figures that are each the sum of some base cells no report shows
    (the ratings of one agency, desk, official and questionnaire together): ``cells``
    their counts (one column, or one per published count), ``figures`` each published
    figure's cells (distinct, sorted), ``hidden`` which figures are hidden
    (:func:`hidden_sums`, taken as given: a figure hidden in one report is no other
    report's figures less the others), ``minimum`` the minimum group size."""

    cells: np.ndarray
    figures: tuple[tuple[int, ...], ...]
    hidden: np.ndarray
    minimum: int

    @cached_property
    def _position(self) -> dict[tuple[int, ...], int]:
        return {parts: k for k, parts in enumerate(self.figures)}

    @cached_property
    def _known(self) -> KnownSums:
        first = len(self.cells)
        sums = [(first + k, parts) for k, parts in enumerate(self.figures)]
        return KnownSums(sums, np.concatenate([np.ones(first, dtype=bool), self.hidden]))

    def sum_hidden(self, parts: Iterable[int]) -> bool:
        """Whether a figure summing the cells ``parts`` is hidden: a decided figure as
        decided; another (a selection no fixed scope is) when it is small or not already
        known from what the decision publishes (:class:`KnownSums`). No cell: 0, shown."""
        cells = tuple(sorted(int(part) for part in parts))
        if not cells:
            return False
        if cells in self._position:
            return bool(self.hidden[self._position[cells]])
        n = self.cells[list(cells)].sum(axis=0)
        return bool(np.any((n > 0) & (n < self.minimum))) or not self._known.knows(cells)


def finest_filter(report_filter: ReportFilter) -> ReportFilter:
    """The selection a report's units are decided on: the same filter over every agency.

    A unit's suppression must not depend on which report shows it (issue 21, case 6): a
    unit hidden as the complement in an agency's report would otherwise be shown in the
    province's, and the agency's totals would give the small unit away. So it is decided
    once for the period at the finest level, every unit of the province, with the totals
    of every scope a report can be about (:func:`agency_scopes`), and each report shows
    that decision for its own units and its own totals.
    """
    return replace(report_filter, agency_ids=None)


def agency_scopes(session: Session, keys: Sequence[int]) -> list[list[int]]:
    """For each fixed scope a report can be about, the positions in ``keys`` (agencies) of
    its agencies: the whole province and every agency's subtree.

    Never the report's own selection: the decision would then depend on which report is
    being built. A report on another selection (an officer who sees several agencies,
    merged units rolled up) publishes a figure over it only when the decision already
    gives that figure away (:class:`KnownSums`), and withholds it otherwise."""
    tree = AgencyTree.load(session)
    agencies = [set(tree.subtree(agency)) for agency in session.scalars(select(Agency.id))]
    scopes = [list(range(len(keys)))]
    for members in agencies:
        scopes.append([i for i, key in enumerate(keys) if key in members])
    return scopes


class KnownSums:
    """Which sums of cells follow from what a decision publishes: the cells not
    ``hidden`` and the relations ``sums`` (each ``(cell, parts)``: the cell is the sum of
    its parts). Publishing such a sum tells a reader nothing new, whichever other such
    sums are published beside it.

    Linear algebra on the published relations alone: a sum is known when its vector over
    the hidden cells lies in the span of the relations' vectors over them (an orthonormal
    basis of that span, computed once, on the first sum asked about). The bounds every
    reader knows are ignored, so a sum they alone pin down counts as unknown: withheld,
    never given away."""

    def __init__(self, sums: Sequence[RowSum], hidden: np.ndarray) -> None:
        self.sums = sums
        self.hidden = np.asarray(hidden, dtype=bool)
        linked = {int(c) for total, members in sums for c in (total, *members) if self.hidden[c]}
        self.column = {cell: k for k, cell in enumerate(sorted(linked))}

    @cached_property
    def _basis(self) -> np.ndarray:
        rows = np.zeros((len(self.sums), len(self.column)))
        for k, (total, members) in enumerate(self.sums):
            for cell, coefficient in ((total, 1.0), *((member, -1.0) for member in members)):
                if self.hidden[cell]:
                    rows[k, self.column[int(cell)]] += coefficient
        if not rows.size:
            return np.zeros((0, len(self.column)))
        _u, singular, vt = np.linalg.svd(rows, full_matrices=False)
        rank = int(np.sum(singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))))
        return vt[:rank]

    def knows(self, parts: Sequence[int]) -> bool:
        """Whether the sum of the cells ``parts`` follows from what is published."""
        target = np.zeros(len(self.column))
        for part in parts:
            if self.hidden[part] and int(part) not in self.column:
                return False  # in no relation: nothing published tells it
            if self.hidden[part]:
                target[self.column[int(part)]] += 1.0
        if not target.any():
            return True
        residual = target - self._basis.T @ (self._basis @ target)
        return bool(np.linalg.norm(residual) < 1e-6)


@dataclass(frozen=True)
class OfficialRows:
    """The rows officials, agencies and reports' totals are decided on, for the period at
    the finest level.

    First each official's part in each agency (a report on that agency shows it), and
    each agency's responses naming no official, which count in the agency's totals but no
    report shows (``unpublished``); then, for an official counted in several agencies, each
    sum of their parts that some scope shows (the province's report shows the whole); then
    the total of every fixed scope (:func:`agency_scopes`), each a published figure the
    decision may hide like any other: a report's headline, and each agency's own line in
    the agencies' table (the same figure as its report's when it has no units below it).
    ``totals``: each such scope's base rows."""

    pairs: tuple[Pair, ...]
    combined: tuple[tuple[int, ...], ...]
    totals: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, session: Session, counted: Iterable[Pair]) -> OfficialRows:
        counted = list(counted)
        found = set(counted) | {(agency, None) for agency, _official in counted}
        pairs = sorted(found, key=lambda pair: (pair[0], pair[1] is None, pair[1] or 0))
        agencies = [agency for agency, _official in pairs]
        own: dict[int, list[int]] = defaultdict(list)
        for row, agency in enumerate(agencies):
            own[agency].append(row)
        # every scope's total, and each agency's own (its line in the agencies' table)
        scopes = agency_scopes(session, agencies) + list(own.values())
        combined = set()
        for scope in scopes:
            parts: dict[int, list[int]] = defaultdict(list)
            for row in scope:
                official = pairs[row][1]
                if official is not None:
                    parts[official].append(row)
            combined |= {tuple(sorted(rows)) for rows in parts.values() if len(rows) > 1}
        totals = sorted({tuple(sorted(scope)) for scope in scopes if scope})
        return cls(tuple(pairs), tuple(sorted(combined)), tuple(totals))

    def table(self, counts: Mapping[Pair, Sequence[int]], columns: int) -> np.ndarray:
        """The counts of every row (absent parts 0), one column per published count."""
        base = [list(counts.get(pair, (0,) * columns)) for pair in self.pairs]
        derived = [
            [sum(base[row][c] for row in rows) for c in range(columns)] for rows in self.derived
        ]
        return np.array(base + derived, dtype=np.int64).reshape(-1, columns)

    @property
    def derived(self) -> tuple[tuple[int, ...], ...]:
        """The parts of every row after the base rows: the officials' sums, the totals."""
        return self.combined + self.totals

    @property
    def unpublished(self) -> list[bool]:
        return [official is None for _agency, official in self.pairs] + [False] * len(self.derived)

    @property
    def totals_fixed(self) -> list[bool]:
        """:attr:`unpublished`, with the scopes' totals too: for a decision where they are
        published whatever happens (constants of the scopes' relations), not figures the
        decision may hide."""
        return self.unpublished[: len(self.pairs) + len(self.combined)] + [True] * len(self.totals)

    @property
    def sums(self) -> list[RowSum]:
        first = len(self.pairs)
        return [(first + k, rows) for k, rows in enumerate(self.derived)]

    def rows_within(self, agency_ids: Iterable[int] | None) -> tuple[int, ...]:
        """The base rows of the agencies ``agency_ids`` (None: all)."""
        within = None if agency_ids is None else set(agency_ids)
        return tuple(
            row for row, (agency, _o) in enumerate(self.pairs) if within is None or agency in within
        )

    @cached_property
    def _position(self) -> dict[tuple[int, ...], int]:
        """The row of each derived figure, by its parts."""
        return {rows: len(self.pairs) + k for k, rows in enumerate(self.derived)}

    def known_sums(self, decided: np.ndarray) -> KnownSums:
        """Which sums of base rows follow from what the decision ``decided`` publishes."""
        unseen = np.array(self.unpublished, dtype=bool)
        return KnownSums(self.sums, np.asarray(decided, dtype=bool) | unseen)

    def sum_hidden(
        self,
        decided: np.ndarray,
        table: np.ndarray,
        parts: tuple[int, ...],
        minimum: int,
        known: KnownSums,
    ) -> bool:
        """Whether a figure summing the base rows ``parts`` is hidden: a row decided on
        (a part, an official's sum, a scope's total) as decided; another sum (a selection
        no fixed scope is) when it is small or not already ``known`` from what the
        decision publishes."""
        if len(parts) == 1 and not self.unpublished[parts[0]]:
            return bool(decided[parts[0]])
        if parts in self._position:
            return bool(decided[self._position[parts]])
        figures = table[list(parts)].sum(axis=0)
        small = bool(np.any((figures > 0) & (figures < minimum)))
        return small or not known.knows(parts)

    def hidden_in_report(
        self,
        decided: np.ndarray,
        report_filter: ReportFilter,
        table: np.ndarray,
        shown: Mapping[int, Sequence[int]],
        minimum: int,
    ) -> dict[int, bool]:
        """Which of a report's officials to hide, given the decision (``decided``, one
        entry per row of ``table``): an official is shown only when the figure of their
        parts in the report's agencies is (:meth:`sum_hidden`), and their counts in the
        report (``shown``) are that figure's."""
        parts: dict[int, list[int]] = defaultdict(list)
        for part in self.rows_within(report_filter.agency_ids):
            official = self.pairs[part][1]
            if official is not None:
                parts[official].append(part)
        known = self.known_sums(decided)
        result = {}
        for official, figures in shown.items():
            rows = tuple(parts.get(official, ()))
            result[official] = (
                not rows
                or self.sum_hidden(decided, table, rows, minimum, known)
                or [int(v) for v in table[list(rows)].sum(axis=0)] != list(figures)
            )
        return result


@dataclass(frozen=True, eq=False)
class UnitDecision:
    """The period's decision on one questionnaire's officials, agencies and reports'
    totals (:class:`OfficialRows`), on their responses and answers to the rated item:
    ``table`` the counts of every row, ``hidden`` which rows are hidden; ``period`` the
    decision it is part of, with the coverage table's ratings
    (:class:`survey.results.period_units.PeriodUnits`)."""

    rows: OfficialRows
    table: np.ndarray
    hidden: np.ndarray
    minimum: int
    period: PeriodUnits
    questionnaire_key: str

    @cached_property
    def known(self) -> KnownSums:
        return self.rows.known_sums(self.hidden)

    def officials_hidden(
        self, report_filter: ReportFilter, shown: Mapping[int, Sequence[int]]
    ) -> dict[int, bool]:
        """Which of a report's officials (``shown``: their responses and answers) to hide."""
        return self.rows.hidden_in_report(
            self.hidden, report_filter, self.table, shown, self.minimum
        )

    def hidden_pairs(self) -> set[Pair]:
        """The officials' parts in each agency hidden for the period: a part, or a sum of
        parts, hidden hides each of its parts."""
        pairs = self.rows.pairs
        hidden = {pair for pair, is_hidden in zip(pairs, self.hidden, strict=False) if is_hidden}
        for parts, is_hidden in zip(self.rows.combined, self.hidden[len(pairs) :], strict=False):
            if is_hidden:
                hidden |= {pairs[row] for row in parts if pairs[row][1] is not None}
        return hidden


#: A figure's key: ("criterion", factor, criterion), ("factor", factor), ("index", 7) …
Key = tuple[Hashable, ...]


@dataclass(frozen=True)
class Link:
    """A published figure derived from others: ``weight × derived = sum of parts``
    (a mean of k parts has weight k, a sum weight 1)."""

    derived: Key
    parts: tuple[Key, ...]
    weight: float


def hidden_derived(
    figures: Mapping[Key, float],
    primary: set[Key],
    links: Sequence[Link],
    *,
    upper: Callable[[Key], float],
    cost: Callable[[Key], float],
    protection: float,
    fixed: frozenset[Key] = frozenset(),
) -> set[Key]:
    """The figures to hide so that no ``primary`` figure can be worked out from the links.

    ``figures``: every figure (parts and derived ones) by key, each between 0 and
    ``upper(key)``; ``fixed``: figures shown whatever happens (a headline); the cheapest
    figure by ``cost`` is hidden first, so a derived figure (cheap) goes before a part. No
    primary figure may then be narrowed to an interval narrower than ``protection``.
    """
    keys = [key for key in figures if key not in fixed]
    position = {key: i for i, key in enumerate(keys)}
    relations: list[Relation] = []
    for link in links:
        coefficients: dict[int, float] = defaultdict(float)
        constant = 0.0
        for key, coefficient in ((link.derived, link.weight), *((p, -1.0) for p in link.parts)):
            if key in position:
                coefficients[position[key]] += coefficient
            else:
                constant -= coefficient * figures[key]
        relations.append((dict(coefficients), constant))
    values = [figures[key] for key in keys]
    hidden = protect_cells(
        values,
        [key in primary for key in keys],
        relations,
        np.zeros(len(keys)),
        [max(upper(key), value) for key, value in zip(keys, values, strict=True)],
        cost=[cost(key) for key in keys],
        protection=protection,
        integral=False,
    )
    return {key for key in keys if hidden[position[key]]}


#: Keys of the figures :func:`report_disclosure` may hide beside a factor's criteria.
SIPAS_INDEX: Key = ("sipas",)
OVERALL_INDEX: Key = ("overall_index",)
ONESTOP_TOTAL: Key = ("onestop_total",)


def criterion_key(factor: Hashable, criterion: Hashable) -> Key:
    return ("criterion", factor, criterion)


def factor_key(factor: Hashable) -> Key:
    return ("factor", factor)


def overall_key(factor: Hashable) -> Key:
    return ("overall", factor)


def index_key(number: int) -> Key:
    return ("index", number)


def _sipas_figures(sipas, min_group_size, figures, primary, links) -> None:
    """A factor index is the mean of its criteria's rates; the SIPAS index (always shown)
    the mean of the factor indices; the overall-question index the mean of the overall
    questions' rates."""
    factors, overalls = [], []
    for factor in sipas.factors:
        parts = []
        for criterion in factor.criteria:
            if criterion.rate is None:
                continue
            key = criterion_key(factor.factor, criterion.criterion)
            figures[key] = criterion.rate
            parts.append(key)
            if criterion.n < min_group_size:
                primary.add(key)
        if factor.index is not None:
            figures[factor_key(factor.factor)] = factor.index
            factors.append(factor_key(factor.factor))
            links.append(Link(factor_key(factor.factor), tuple(parts), len(parts)))
        overall = factor.overall_question
        if overall is not None and overall.rate is not None:
            figures[overall_key(factor.factor)] = overall.rate
            overalls.append(overall_key(factor.factor))
            if overall.n < min_group_size:
                primary.add(overall_key(factor.factor))
    figures[SIPAS_INDEX] = sipas.index
    links.append(Link(SIPAS_INDEX, tuple(factors), len(factors)))
    if sipas.overall_question_index is not None:
        figures[OVERALL_INDEX] = sipas.overall_question_index
        links.append(Link(OVERALL_INDEX, tuple(overalls), len(overalls)))


def report_disclosure(
    sipas, onestop, max_points: float, min_group_size: int, also: frozenset[Key] = frozenset()
) -> frozenset[Key]:
    """The figures of a report's SIPAS and Circular 01/2018 results to hide (keys above).

    A criterion or overall question on fewer than ``min_group_size`` answers, and a
    one-stop index on fewer dossiers, is hidden; so is whatever would give it away with the
    figures shown: first the derived figure (a factor index, the mean of the overall
    questions, the one-stop total), then, if that is not enough, another part. The SIPAS
    index itself is always shown. No hidden figure can then be narrowed to less than
    ``1 / min_group_size`` of its scale (issue 21, cases 1 and 2). ``also``: figures to
    hide and protect alike because other reports would give them away
    (:func:`hidden_across_reports`).
    """
    hidden: set[Key] = set()
    if sipas is not None:
        figures: dict[Key, float] = {}
        primary: set[Key] = set()
        links: list[Link] = []
        _sipas_figures(sipas, min_group_size, figures, primary, links)
        primary |= also & set(figures)
        hidden |= primary | hidden_derived(
            figures,
            primary,
            links,
            upper=lambda key: 100.0,
            cost=lambda key: 1.0 if key[0] in ("factor", "overall_index") else 10.0,
            protection=100.0 / min_group_size,
            fixed=frozenset({SIPAS_INDEX}),
        )
    if onestop is not None:
        scores: dict[Key, float] = {
            index_key(index.number): index.score for index in onestop.indices
        }
        small: set[Key] = {
            index_key(index.number) for index in onestop.indices if index.dossiers < min_group_size
        } | (also & set(scores))
        hidden |= small | hidden_derived(
            {**scores, ONESTOP_TOTAL: onestop.agency_total},
            small,
            [Link(ONESTOP_TOTAL, tuple(scores), 1.0)],
            upper=lambda key: max_points * (len(scores) if key == ONESTOP_TOTAL else 1),
            cost=lambda key: 1.0 if key == ONESTOP_TOTAL else 10.0,
            protection=max_points / min_group_size,
        )
    return frozenset(hidden)


def hidden_units(counts: Sequence[int], total: int, min_group_size: int) -> np.ndarray:
    """Which units of a list to hide, each published with its count of ``counts`` (at
    least 1: a unit is listed because it has some) beside their ``total``.

    A unit below ``min_group_size`` is hidden, and enough others that the total minus the
    units shown does not give it away, as audited by :func:`analysis.suppress_small_cells`.
    Used for the feedback cases each agency opened (its responsiveness figures).
    """
    if not counts:
        return np.zeros(0, dtype=bool)
    table = np.asarray(counts, dtype=np.int64)
    relation = ({index: 1.0 for index in range(len(table))}, float(total))
    return np.asarray(
        suppress_small_cells(
            table, min_group_size, lower_bound=1, margins=False, relations=[relation]
        )
    )


def weighted_gives_away(unweighted_answers: int, min_group_size: int) -> bool:
    """Whether a unit's rate weighted to the dossiers returned, published beside its raw
    rate, would give away a small group: the answers in its strata without any dossier
    (:mod:`survey.results.weighting` gives them weight 0).

    The raw rate counts them and the weighted rate does not. With one stratum the weighted
    rate is the satisfied share of the other answers, so their satisfied count, raw × all
    answers − weighted × answers weighted, follows from the two (``Link``: the unit's
    satisfied = the weighted strata's satisfied + theirs, the first two published). Fewer
    than ``min_group_size`` such answers, but some, are a small group: the weighted rate
    is then withheld as derived.
    """
    return 0 < unweighted_answers < min_group_size


def hidden_across_reports(
    session: Session,
    report_filter: ReportFilter,
    definition,
    min_group_size: int,
) -> frozenset[Key]:
    """The report's criteria, overall questions and one-stop indices to hide because of
    what the other reports publish: each is the sum of its agencies' answers (dossiers),
    so a small one hidden in an agency's report would be the province's less the other
    agencies'. Decided once for the period over every scope
    (:func:`hidden_in_scopes`); :func:`report_disclosure` then protects them within the
    report like small ones (a factor index would give a hidden criterion away). A report
    filtered by one value has each decided with the other values' (:func:`_by_value`)."""
    versions = questionnaire_version_ids(session, definition.key)
    chosen = chosen_values(report_filter, versions)
    unfiltered = ReportFilter(
        report_filter.period,
        include_flagged=report_filter.include_flagged,
        questionnaire_version_ids=versions or report_filter.questionnaire_version_ids,
    )
    scoring = scoring_for_analysis(definition)
    items = [
        (criterion_key(factor["key"], item), item)
        for factor in scoring["factors"]
        for item in factor["criterion_items"]
    ] + [
        (overall_key(f["key"]), f["overall_item"]) for f in scoring["factors"] if f["overall_item"]
    ]
    onestop = scoring["onestop"] is not None
    counted = _counted_by_agency(
        session, unfiltered if chosen else finest_filter(report_filter), items, onestop
    )
    agencies = sorted({agency for by_agency in counted.values() for agency in by_agency})
    if not agencies:
        return frozenset()
    keys = list(counted)
    parts = np.array([[counted[key].get(agency, 0) for key in keys] for agency in agencies])
    scopes = agency_scopes(session, agencies)
    within = report_filter.agency_ids
    own = tuple(i for i, agency in enumerate(agencies) if within is None or agency in within)
    decided = hidden_in_scopes(
        parts, scopes + [[row] for row in range(len(agencies))], min_group_size, own
    )
    hidden = {key for k, key in enumerate(keys) if decided.get((own, k), False)}
    if len(chosen) != 1:
        return frozenset(hidden)
    for key, split in _by_value(session, unfiltered, chosen[0], items, counted).items():
        in_report = sum(counted.get(key, {}).get(agencies[row], 0) for row in own)
        by_value = _items_by_value(session, split, chosen[0], within, min_group_size, in_report)
        if by_value is not None:
            hidden.discard(key)
            hidden |= {key} if by_value else set()
    return frozenset(hidden)


def _counted_by_agency(
    session: Session, selection: ReportFilter, items: Sequence[tuple[Key, str]], onestop: bool
) -> dict[Key, dict[int, int]]:
    """Each of ``items``' answers and (``onestop``) each one-stop index's dossiers by
    agency, keyed as ``items`` name them and by :func:`index_key`."""
    counted: dict[Key, dict[int, int]] = {}
    if items:
        by_agency = level_counts_by(
            session, selection, Dimension.AGENCY, [item for _key, item in items]
        )
        for key, item in items:
            counted[key] = {int(a): c[item].answered for a, c in by_agency.items()}  # type: ignore[call-overload]
    if onestop:
        points = combined_points_counts_by(session, selection, Dimension.AGENCY)
        numbers = sorted({number for by_index in points.values() for number in by_index})
        for number in numbers:
            counted[index_key(number)] = {
                int(agency): sum(by_index.get(number, {}).values())  # type: ignore[call-overload]
                for agency, by_index in points.items()
                if agency is not None
            }
    return counted


def _by_value(
    session: Session,
    unfiltered: ReportFilter,
    chosen: FilterValue,
    items: Sequence[tuple[Key, str]],
    counted: Mapping[Key, Mapping[int, int]],
) -> dict[Key, Mapping[tuple[int, object], int]]:
    """Each of ``items``' answers and each one-stop index's dossiers by (agency, value of
    the chosen filter), as :func:`_items_by_value` takes them (``counted``: by agency,
    unfiltered, as :func:`_counted_by_agency` gives them)."""
    split: dict[Key, Mapping[tuple[int, object], int]] = {}
    if items:
        answered = answers_by_value(
            session, unfiltered, chosen.dimension, [item for _key, item in items]
        )
        split |= {key: answered[item] for key, item in items}
    whole = {
        number: by_agency
        for key, by_agency in counted.items()
        if isinstance(number := key[-1], int) and key == index_key(number)
    }
    if whole:
        by_index = index_dossiers_by_value(session, unfiltered, chosen.dimension, whole)
        split |= {index_key(number): cells for number, cells in by_index.items()}
    return split


def _items_by_value(
    session: Session,
    answered: Mapping[tuple[int, object], int],
    chosen: FilterValue,
    within: frozenset[int] | None,
    minimum: int,
    unfiltered_count: int,
) -> bool | None:
    """Whether a report filtered by the value ``chosen`` hides an item's answers, decided
    with every other value's in every fixed scope and agency (``answered``: by agency and
    value), each agency's answers taken as published (the reader is assumed to know more
    than the unfiltered reports give); None when the filter leaves every answer of the
    report's agencies in (the unfiltered report's figure then, as decided for it)."""
    cells = sorted(answered, key=lambda cell: (cell[0], str(cell[1])))
    mine = tuple(
        i
        for i, (agency, value) in enumerate(cells)
        if (within is None or agency in within) and chosen.holds(value)
    )
    counts = np.array([[answered[cell], 0] for cell in cells], dtype=np.int64).reshape(-1, 2)
    if int(counts[list(mine), 0].sum()) == unfiltered_count:
        return None
    if np.any(counts < 0):  # the values' figures count some of the unfiltered one's twice
        return True
    agencies = [agency for agency, _value in cells]
    groups = scopes_and_agencies(session, agencies)
    published = tuple(sorted({tuple(group) for group in groups[-len(set(agencies)) :]}))
    figures: set[tuple[int, ...]] = set()
    for group in groups:
        for value in {cells[i][1] for i in group} - {None}:
            figures.add(tuple(i for i in group if cells[i][1] == value))
    figured = [SumFigure(parts) for parts in sorted(figures)]
    return decided_with(counts, figured, published, minimum).sum_hidden(mine)


def scopes_and_agencies(session: Session, agencies: Sequence[int]) -> list[list[int]]:
    """For cells each of one of ``agencies``: every fixed scope's cells, then each
    agency's own (:func:`agency_scopes`)."""
    groups = [sorted(scope) for scope in agency_scopes(session, agencies)]
    return groups + [
        [i for i, a in enumerate(agencies) if a == agency] for agency in sorted(set(agencies))
    ]


def decided_with(
    counts: np.ndarray,
    figures: Sequence[SumFigure],
    published: tuple[tuple[int, ...], ...],
    minimum: int,
) -> SumDecision:
    """The decision on ``figures`` (:func:`hidden_sums`) with the sums ``published`` taken
    as known to the reader, as a :class:`SumDecision` over both: a figure over the same
    cells as a published sum is that sum, and the published sums are held as hidden (they
    are other decisions' to show, not this one's)."""
    known = set(published)
    listed = tuple(figure for figure in figures if figure.parts not in known)
    hidden = hidden_sums(counts, listed, minimum, published=published)
    every = published + tuple(figure.parts for figure in listed)
    decided = np.concatenate([np.ones(len(published), dtype=bool), hidden])
    return SumDecision(counts, every, decided, minimum)


#: A figure of :func:`hidden_periods`: (a scope's agencies as rows, the period's months).
PeriodFigure = tuple[tuple[int, ...], tuple[int, ...]]

#: Decisions of :func:`hidden_periods`.
_periods_kept = SharedKept(32, "periods")


def hidden_periods(
    parts: np.ndarray,
    scopes: Scopes,
    groups: Sequence[Sequence[int]],
    min_group_size: int,
    published: Iterable[tuple[int, ...]] | None = None,
) -> dict[PeriodFigure, bool]:
    """Which months, and groups of months (quarters), of every scope's trend to hide,
    decided at once for all scopes.

    ``parts``: agencies × months × counts (responses, answers to the rated question), each
    agency's own; a scope's month is the sum over its agencies, and its whole period, the
    sum of its months, is published beside them (the report's totals) unless it is small
    (the report then shows nothing) or not among ``published`` (rows of scopes and
    agencies; None: every one). A month is too small when a count is 0 < n <
    ``min_group_size``; enough other months are hidden that, with every scope's months and
    totals played together, none can be worked out (a month hidden in an agency's report
    is not the province's less the other agencies', issue 21, case 6). An agency's month
    is published when the agency alone is a scope (a report on it), else known to the
    reader only as at least 0; its own whole period is published (the agencies' table).
    Each count is decided on its own (they share no relation); a month is hidden when
    either count hides it. Each scope's ``groups`` of months (its quarters, each a report
    of its own) are figures too, the sums of its months: a quarter hidden in its report
    is not the year less the other quarters (issue 21).

    Kept by content (a pure function of its arguments), in this process and for every
    process (:class:`survey.results.kept.SharedKept`), so the reports of one period on the
    same counts decide once.
    """
    distinct = _scope_rows(parts.shape[0], scopes)
    key = (
        parts.astype(np.int64).tobytes(),
        parts.shape,
        tuple(tuple(scope) for scope in distinct),
        tuple(tuple(group) for group in groups),
        min_group_size,
        None if published is None else frozenset(published),
    )
    months = _ScopeMonths(distinct, parts.shape[1], groups)

    def decide() -> np.ndarray:
        hidden = np.zeros(len(months.cells), dtype=bool)
        shown = None if published is None else frozenset(published)
        for count in range(parts.shape[2]):
            hidden |= months.hidden(parts[:, :, count].astype(np.int64), min_group_size, shown)
        return hidden

    hidden = _periods_kept.decided(key, decide)
    result: dict[PeriodFigure, bool] = {}
    for scope in (tuple(scope) for scope in distinct):
        by_month = [bool(hidden[months.cells[scope, (m,)]]) for m in range(parts.shape[1])]
        result.update({(scope, (m,)): is_hidden for m, is_hidden in enumerate(by_month)})
        for group in (tuple(group) for group in groups):
            cell = months.cells.get((scope, group))
            result[scope, group] = (
                bool(hidden[cell]) if cell is not None else any(by_month[m] for m in group)
            )
    return result


class _ScopeMonths:
    """The cells of :func:`hidden_periods`' table for one count: each agency's month
    (``((agency,), (month,))`` when the agency alone is a scope, else ``((), (agency,
    month))``: unpublished), then each other scope's month, the sum of its agencies'."""

    def __init__(
        self, scopes: list[list[int]], months: int, groups: Sequence[Sequence[int]] = ()
    ) -> None:
        self.scopes, self.months = scopes, months
        agencies = sorted({row for scope in scopes for row in scope})
        alone = {scope[0] for scope in scopes if len(scope) == 1}
        self.cells: dict[PeriodFigure, int] = {}
        self.base: dict[tuple[int, int], int] = {}
        for agency in agencies:
            for month in range(months):
                figure = ((agency,), (month,)) if agency in alone else ((), (agency, month))
                self.base[agency, month] = self.cells[figure] = len(self.cells)
        self.sums: list[tuple[int, list[int]]] = []
        for scope in (scope for scope in scopes if len(scope) > 1):
            for month in range(months):
                cell = self.cells[tuple(scope), (month,)] = len(self.cells)
                self.sums.append((cell, [self.base[row, month] for row in scope]))
        # each scope's groups of months (its quarters' reports), sums of its months
        for rows in (tuple(scope) for scope in scopes):
            for group in (tuple(group) for group in groups if 1 < len(group) < months):
                cell = self.cells[rows, group] = len(self.cells)
                self.sums.append((cell, [self.cells[rows, (month,)] for month in group]))

    def hidden(
        self,
        counts: np.ndarray,
        min_group_size: int,
        published: Container[tuple[int, ...]] | None,
    ) -> np.ndarray:
        """Which cells to hide for one count (``counts``: agencies × months; ``published``:
        the scopes and agencies, as rows, whose whole period the reports show; None:
        every one)."""
        values = np.zeros(len(self.cells), dtype=np.int64)
        for (agency, month), cell in self.base.items():
            values[cell] = counts[agency, month]
        for cell, parts in self.sums:
            values[cell] = values[parts].sum()
        # Each scope's whole period is published (its report's totals) unless small (the
        # report then shows nothing, and its small months are hidden anyway), and so is
        # each agency's own (its line in the agencies' table; when that hides it, the
        # reader knows less than the audit assumes).
        wholes = {
            tuple(scope): [self.cells[tuple(scope), (m,)] for m in range(self.months)]
            for scope in self.scopes
        }
        agencies = sorted({agency for agency, _month in self.base})
        wholes |= {
            (agency,): [self.base[agency, m] for m in range(self.months)] for agency in agencies
        }
        relations: list[Relation] = []
        for months in {
            tuple(months)
            for rows, months in wholes.items()
            if published is None or rows in published
        }:
            whole = float(values[list(months)].sum())
            if not 0 < whole < min_group_size:
                relations.append(({cell: 1.0 for cell in months}, whole))
        unpublished = np.array([not figure[0] for figure in self.cells])
        return suppress_small_cells(
            values,
            min_group_size,
            margins=False,
            sums=self.sums,
            relations=relations,
            unpublished=unpublished,
            # the reports publish their totals whatever the trend hides: a small month
            # those alone give away is hidden, and the others protected all the same
            given_away="known",
        )


def scope_pieces(
    rows: Sequence[int], scopes: Iterable[tuple[int, ...]]
) -> list[tuple[int, ...]] | None:
    """Disjoint ``scopes`` whose union is ``rows`` (a report's agencies): the scope itself
    when it is one, else the largest within it first; None when they do not make it up
    (the report's figures would then tell something no decided figure does)."""
    wanted = tuple(sorted(rows))
    if wanted in scopes:
        return [wanted]
    left, pieces = set(wanted), []
    for scope in sorted(scopes, key=lambda scope: (-len(scope), scope)):
        if scope and left.issuperset(scope):
            pieces.append(scope)
            left -= set(scope)
    return pieces if pieces and not left else None
