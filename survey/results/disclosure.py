"""The disclosure-control step every published table set of a report goes through.

Small groups are hidden (``MIN_GROUP_SIZE``), on responses and on answers alike, and so is
whatever else would let a reader work a hidden figure out from what the same report
publishes: the totals beside a list of units, the year beside its quarters, the factor
index beside its criteria, the Circular 01/2018 total beside its indices. Each decision is
audited by linear programming (:func:`analysis.suppress_small_cells`,
:func:`analysis.protect_cells`): given everything published, the bounds every reader knows
and the rule itself, no hidden figure can be narrowed below its protection interval.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import Relation, protect_cells, suppress_small_cells
from survey.org.models import Agency
from survey.org.tree import AgencyTree
from survey.results.filters import ReportFilter

#: Rows of a table whose totals some report publishes (each scope's units); None: all rows.
Scopes = Sequence[Sequence[int]] | None


def _scope_rows(rows: int, scopes: Scopes) -> list[list[int]]:
    """Each scope's rows, once each, in a deterministic order; all rows when ``scopes`` is None."""
    if scopes is None:
        return [list(range(rows))]
    distinct = {tuple(sorted(int(row) for row in scope)) for scope in scopes if scope}
    return [list(scope) for scope in sorted(distinct)]


def hidden_groups(
    responses: Sequence[int] | np.ndarray,
    answers: Sequence[int] | np.ndarray,
    min_group_size: int,
    *,
    lower_bound: int,
    scopes: Scopes = None,
) -> np.ndarray:
    """Which groups (units, periods) to hide, published with their responses, their
    answers to the rated question and the totals of each of ``scopes`` (the units an
    agency's report lists beside its totals; None: all groups are one scope).

    A group is too small when either count is below ``min_group_size`` (a rate on four
    answers is hidden even when five people responded); then enough other groups are
    hidden that, with the totals, no small count can be worked out, as audited by
    :func:`analysis.suppress_small_cells` (each group has at least ``lower_bound``
    responses; answers may be 0). A group is hidden whole, counts and rate.
    """
    table = np.column_stack([np.asarray(responses), np.asarray(answers)]).astype(np.int64)
    relations = [
        ({2 * i + column: 1.0 for i in scope}, float(table[scope, column].sum()))
        for scope in _scope_rows(len(table), scopes)
        for column in (0, 1)
    ]
    hidden = suppress_small_cells(
        table, min_group_size, lower_bound=[lower_bound, 0], margins=False, relations=relations
    )
    return np.asarray(hidden.any(axis=1))


def hidden_by_period(
    table: np.ndarray, min_group_size: int, already_hidden: np.ndarray | None = None
) -> np.ndarray:
    """Which of the officials × periods dossier counts to hide.

    With more than one column, the last is the whole period, the sum of the others (its
    quarters); every column's total over the officials counts as published. Decided on the
    whole table at once, so that no hidden quarter is the year minus the other quarters
    (issue 21) and no official is the total minus the others. An official appears in a
    period only with dossiers in it, but may have none in another quarter: 0 is possible.
    ``already_hidden``: cells another table of the report hides (an official hidden in the
    officials' table is hidden here too, so the two tables cannot be played against each other).
    """
    if table.size == 0:
        return np.zeros(table.shape, dtype=bool)
    rows, columns = table.shape
    index = np.arange(table.size).reshape(table.shape)
    relations = [
        ({int(cell): 1.0 for cell in index[:, column]}, float(table[:, column].sum()))
        for column in range(columns)
    ]
    sums = []
    if columns > 1:
        sums = [(int(index[row, -1]), [int(c) for c in index[row, :-1]]) for row in range(rows)]
    hidden = suppress_small_cells(
        table, min_group_size, margins=False, sums=sums, relations=relations
    )
    # Hiding more never narrows what a reader can infer: the audit still holds.
    return hidden if already_hidden is None else hidden | already_hidden


def finest_filter(report_filter: ReportFilter) -> ReportFilter:
    """The selection a report's units are decided on: the same filter over every agency.

    A unit's suppression must not depend on which report shows it (issue 21, case 6): a
    unit hidden as the complement in an agency's report would otherwise be shown in the
    province's, and the agency's totals would give the small unit away. So it is decided
    once for the period at the finest level, every unit of the province, with the totals
    of every scope a report can be about (:func:`agency_scopes`), and each report shows
    that decision for its own units.
    """
    return replace(report_filter, agency_ids=None)


def agency_scopes(
    session: Session, report_filter: ReportFilter, keys: Sequence[int]
) -> list[list[int]]:
    """For each scope a report can be about, the positions in ``keys`` (agencies) of its
    agencies: the whole province, every agency's subtree, and the report's own selection
    (the same as a subtree, unless an officer sees several, or merged units are rolled up)."""
    tree = AgencyTree.load(session)
    agencies = [set(tree.subtree(agency)) for agency in session.scalars(select(Agency.id))]
    if report_filter.agency_ids is not None:
        agencies.append(set(report_filter.agency_ids))
    scopes = [list(range(len(keys)))]
    for members in agencies:
        scopes.append([i for i, key in enumerate(keys) if key in members])
    return scopes


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


def report_disclosure(sipas, onestop, max_points: float, min_group_size: int) -> frozenset[Key]:
    """The figures of a report's SIPAS and Circular 01/2018 results to hide (keys above).

    A criterion or overall question on fewer than ``min_group_size`` answers, and a
    one-stop index on fewer dossiers, is hidden; so is whatever would give it away with the
    figures shown: first the derived figure (a factor index, the mean of the overall
    questions, the one-stop total), then, if that is not enough, another part. The SIPAS
    index itself is always shown. No hidden figure can then be narrowed to less than
    ``1 / min_group_size`` of its scale (issue 21, cases 1 and 2).
    """
    hidden: set[Key] = set()
    if sipas is not None:
        figures: dict[Key, float] = {}
        primary: set[Key] = set()
        links: list[Link] = []
        _sipas_figures(sipas, min_group_size, figures, primary, links)
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
        }
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
