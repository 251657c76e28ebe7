"""Satisfaction weighted to the dossiers handled: the headline rate post-stratified.

Citizens who rate are not a random sample of those served: a desk with many ratings per
dossier weighs more in the raw rate than one with few. Here each stratum (by default an
agency × procedure field; the setting ``WEIGHTING_STRATA`` may make it the agency alone)
counts in proportion to the dossiers the one-stop system returned in it during the report's
period (:func:`survey.results.coverage.dossier_cell_counts`), with the ratings of the
stratum standing for all of its dossiers: weight N_h / n_h (:func:`analysis.poststratify`).

A stratum with dossiers but fewer ratings than the minimum group size (and never fewer
than 2, below which its variance cannot be estimated) is collapsed into its parent, never
dropped: first every procedure field of its agency is merged into one agency stratum; an
agency stratum still short of ratings is merged into its parent agency's stratum, and so
on up the agency tree to one stratum for the whole scope. The dossiers of the strata that
were short of ratings are reported as the weight that moved. Ratings in a stratum without
any dossier returned in the period represent nobody and get weight 0; they are counted
and said.

Each agency and each official is weighted the same way over its own strata (its
procedure fields; itself alone with agency strata), a field short of ratings merged into
the unit as a whole (:func:`weighted_satisfactions`). The counts for every unit come from
two queries per kind of unit (its dossiers, its answers), not from queries per unit.

Beside the raw rates, a weighted rate is one more sum of the strata's satisfied answers,
each with its own weight: the reports withhold it as derived when the parts they hide (an
agency, an official, the answers naming nobody that cover one) lie in more than one
stratum of it (:attr:`WeightedSatisfaction.stratum_of`, :meth:`WeightedUnits.unpublished_cells`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import poststratify
from survey.dossiers.models import Dossier
from survey.org.models import Agency, Procedure
from survey.results.coverage import dossier_cell_counts
from survey.results.filters import Dimension, ReportFilter
from survey.results.queries import level_counts_by
from survey.settings import get_setting

#: The setting's value for agency × procedure field strata (the other is "agency").
AGENCY_PROCEDURE_FIELD = "agency_procedure_field"

#: Normal quantile of the 95 % interval.
_Z_95 = 1.959963984540054

#: A cell: (agency id, procedure field or None). With agency strata the field is None.
CellKey = tuple[int, str | None]
#: An official's (None: no official's) answers in an agency: (agency id, official id).
Part = tuple[int, int | None]
#: A stratum while collapsing: ("cell", a cell's key), ("agency", id) or ("scope", None).
GroupKey = tuple[str, Any]


@dataclass(frozen=True)
class CellCounts:
    dossiers: int = 0
    answers: int = 0
    satisfied: int = 0

    def __add__(self, other: CellCounts) -> CellCounts:
        return CellCounts(
            self.dossiers + other.dossiers,
            self.answers + other.answers,
            self.satisfied + other.satisfied,
        )


@dataclass(frozen=True)
class Collapsed:
    """The strata after collapsing, and what collapsing moved."""

    strata: tuple[CellCounts, ...]
    #: Cells with dossiers before collapsing.
    cells: int
    #: Cells with dossiers but fewer ratings than the minimum, merged into a parent.
    collapsed_cells: int
    #: The dossiers of those cells: their weight is carried by the parent's ratings.
    moved_dossiers: int
    #: The stratum of each cell with answers; None for one without dossiers (weight 0).
    stratum_of: Mapping[CellKey, GroupKey | None]


def collapse_strata(
    cells: Mapping[CellKey, CellCounts], parents: Mapping[int, int | None], minimum: int
) -> Collapsed:
    """Merge the cells short of ratings into their parents (see the module's docstring).

    ``parents`` maps each agency to its parent agency, or None at the top of the scope.
    """
    short = [key for key, cell in cells.items() if cell.dossiers and cell.answers < minimum]
    # Each group is named by the agency it pools (all that agency's cells) or by a cell.
    group_of: dict[CellKey, GroupKey] = {key: ("cell", key) for key in cells}
    for agency, _field in short:
        for key in cells:
            if key[0] == agency:
                group_of[key] = ("agency", agency)

    def totals() -> dict[GroupKey, CellCounts]:
        result: dict[GroupKey, CellCounts] = defaultdict(CellCounts)
        for key, group in group_of.items():
            result[group] += cells[key]
        return result

    while True:
        deficient = [
            group
            for group, cell in totals().items()
            if cell.dossiers and cell.answers < minimum and group != ("scope", None)
        ]
        if not deficient:
            break
        _kind, agency = deficient[0]
        parent = parents.get(agency)
        # Into the stratum that holds the parent's cells now (an ancestor's, once merged);
        # at the top, every cell into one stratum of the whole scope.
        target: GroupKey = ("scope", None) if parent is None else ("agency", parent)
        if parent is not None:
            target = next(
                (
                    group
                    for key, group in group_of.items()
                    if key[0] == parent and group[0] != "cell"
                ),
                target,
            )
        for key, group in group_of.items():
            if parent is None or group == deficient[0] or (key[0] == parent and group[0] == "cell"):
                group_of[key] = target
    strata = totals()
    return Collapsed(
        strata=tuple(strata.values()),
        cells=sum(1 for cell in cells.values() if cell.dossiers),
        collapsed_cells=len(short),
        moved_dossiers=sum(cells[key].dossiers for key in short),
        stratum_of={
            key: group if strata[group].dossiers else None
            for key, group in group_of.items()
            if cells[key].answers
        },
    )


@dataclass(frozen=True)
class WeightedSatisfaction:
    """The headline rate weighted to the dossiers returned. Rates are proportions (0-1)."""

    strata_setting: str
    rate: float
    ci_low: float
    ci_high: float
    #: Kish's design effect of the respondents' weights.
    design_effect: float
    #: The answers weighted, divided by the design effect.
    effective_n: float
    #: Answers to the headline question that carry weight (those in strata with dossiers).
    answers: int
    #: Answers in strata without any dossier returned: weight 0.
    unweighted_answers: int
    dossiers: int
    strata: int
    cells: int
    collapsed_cells: int
    moved_dossiers: int
    #: The stratum of each cell with answers after collapsing; None: weight 0.
    stratum_of: Mapping[CellKey, GroupKey | None]

    @property
    def moved_share(self) -> float:
        """The share of the dossiers whose weight moved to a parent stratum's ratings."""
        return self.moved_dossiers / self.dossiers

    def strata_holding(self, units: Collection[Hashable]) -> frozenset[GroupKey | None]:
        """The strata in which the answers of ``units`` (the first of a cell's key) lie
        (None: weight 0).

        With the answers of several parts in one stratum, the weighted rate counts their
        satisfied answers with one weight, as it counts their sum; in two, it counts a
        share of them apart, which the raw rate does not: a report withholds a weighted
        figure when the parts it does not publish lie in more than one."""
        return frozenset(group for key, group in self.stratum_of.items() if key[0] in units)

    def strata_of(self, cells: Collection[Hashable]) -> frozenset[GroupKey | None]:
        """The strata in which the answers of ``cells`` lie (None: weight 0)."""
        return frozenset(group for key, group in self.stratum_of.items() if key in cells)


def strata_setting() -> str:
    return str(get_setting("WEIGHTING_STRATA"))


#: The column of ``Dossier`` that names each kind of unit.
_DOSSIER_COLUMNS = {Dimension.AGENCY: Dossier.agency_id, Dimension.OFFICIAL: Dossier.official_id}


def _unit_cells(
    session: Session,
    report_filter: ReportFilter,
    dimension: Dimension,
    headline: tuple[str, list[int]],
    by_field: bool,
) -> dict[CellKey, CellCounts]:
    """Dossiers returned, answers and satisfied answers to the headline item (``headline``:
    its key and its satisfied levels) per agency or official (``dimension``) × procedure
    field, one query for each whatever the number of units; empty when no dossier was
    returned in the report's period and scope.

    A dossier or response without a procedure counts in the field None; those naming no
    official are left out of the officials' cells."""
    unit = _DOSSIER_COLUMNS[dimension]
    dossiers = dossier_cell_counts(
        session, report_filter, (unit, Procedure.field) if by_field else (unit,)
    )
    if not dossiers:
        return {}
    item_key, satisfied = headline
    grouping = (dimension, Dimension.PROCEDURE_FIELD) if by_field else (dimension,)
    answers: Mapping[Any, Any] = level_counts_by(session, report_filter, grouping, [item_key])
    counted = [
        *((key, CellCounts(dossiers=count)) for key, count in dossiers.items()),
        *(
            (key, CellCounts(0, items[item_key].answered, items[item_key].satisfied(satisfied)))
            for key, items in answers.items()
        ),
    ]
    cells: dict[CellKey, CellCounts] = defaultdict(CellCounts)
    for (unit_id, *field), cell in counted:  # keys (unit,) or (unit, field)
        if unit_id is not None:
            cells[(unit_id, field[0] if field else None)] += cell
    return cells


def _parents(session: Session, scope: frozenset[int] | None) -> dict[int, int | None]:
    """Each agency's parent within the report's scope (None at the top of the scope)."""
    statement = select(Agency.id, Agency.parent_id)
    if scope is not None:
        statement = statement.where(Agency.id.in_(sorted(scope)))
    return {
        agency: parent if scope is None or parent in scope else None
        for agency, parent in session.execute(statement)
    }


def _weighted(
    cells: Mapping[CellKey, CellCounts],
    parents: Mapping[int, int | None],
    minimum: int,
    setting: str,
) -> WeightedSatisfaction | None:
    """The satisfied share weighted over ``cells`` after collapsing them (None with too few
    answers even in one stratum for them all)."""
    collapsed = collapse_strata(cells, parents, minimum)
    used = [stratum for stratum in collapsed.strata if stratum.dossiers]
    if not used or any(stratum.answers < minimum for stratum in used):
        return None
    result = poststratify(
        [s.answers for s in used], [s.satisfied for s in used], [s.dossiers for s in used]
    )
    answers = sum(stratum.answers for stratum in used)
    margin = _Z_95 * result.standard_error
    return WeightedSatisfaction(
        strata_setting=setting,
        rate=result.rate,
        ci_low=max(0.0, result.rate - margin),
        ci_high=min(1.0, result.rate + margin),
        design_effect=result.design_effect,
        effective_n=answers / result.design_effect,
        answers=answers,
        unweighted_answers=sum(s.answers for s in collapsed.strata if not s.dossiers),
        dossiers=sum(stratum.dossiers for stratum in used),
        strata=len(used),
        cells=collapsed.cells,
        collapsed_cells=collapsed.collapsed_cells,
        moved_dossiers=collapsed.moved_dossiers,
        stratum_of=collapsed.stratum_of,
    )


@dataclass(frozen=True)
class WeightedUnits:
    """The headline rate weighted to the dossiers returned, for the whole scope and for
    each agency and official that returned dossiers (None: too few answers to weight)."""

    strata_setting: str
    scope: WeightedSatisfaction | None
    agencies: Mapping[int, WeightedSatisfaction | None]
    officials: Mapping[int, WeightedSatisfaction | None]
    #: The answers of each official (None: naming none) in each agency, by procedure
    #: field (None with agency strata): {(agency, official): {field: answers}}.
    parts: Mapping[Part, Mapping[str | None, int]]

    def unpublished_cells(
        self,
        kind: str,
        unit: Hashable,
        shown_officials: Collection[Hashable],
        hidden_parts: Collection[Part],
    ) -> set[tuple[Hashable, str | None]]:
        """The cells (``unit``, field) holding the answers of the parts of an agency
        (``kind`` "agencies") or official ("officials") that a report does not publish.

        An agency's: its officials hidden (not in ``shown_officials``), an official's
        part in it that the period's decision hides (``hidden_parts``: of an official
        shown over several agencies, a small part, or its complement), and its answers
        naming no official; none when these are the only such part (the raw rates give
        them whole). An official's: every part in an agency when one of them is hidden.
        Should they lie in more than one stratum of a weighted rate
        (:meth:`WeightedSatisfaction.strata_of`), that rate with the raw ones would
        split them."""

        def small(part: Part) -> bool:
            return part[1] is not None and part in hidden_parts

        if kind == "officials":
            own = [part for part in self.parts if part[1] == unit]
            parts = own if any(small(part) for part in own) else []
        else:
            parts = [
                (agency, official)
                for agency, official in self.parts
                if agency == unit and (official not in shown_officials or small((agency, official)))
            ]
            if all(official is None for _agency, official in parts):
                parts = []
        return {(unit, field) for part in parts for field in self.parts[part]}


def _each_unit(
    cells: Mapping[CellKey, CellCounts], minimum: int, setting: str
) -> dict[int, WeightedSatisfaction | None]:
    """Each unit weighted over its own cells: its procedure fields, collapsed into the
    unit as a whole when one is short of answers (a unit is the top of its own scope)."""
    by_unit: dict[int, dict[CellKey, CellCounts]] = defaultdict(dict)
    for key, cell in cells.items():
        by_unit[key[0]][key] = cell
    return {
        unit: _weighted(own, {unit: None}, minimum, setting)
        for unit, own in by_unit.items()
        if any(cell.dossiers for cell in own.values())
    }


def _parts(
    session: Session, report_filter: ReportFilter, item_key: str, by_field: bool
) -> dict[Part, dict[str | None, int]]:
    """The answers to ``item_key`` of each official (None: naming none) in each agency,
    by procedure field (all in None without ``by_field``), in one query."""
    grouping = (
        (Dimension.OFFICIAL, Dimension.PROCEDURE_FIELD) if by_field else (Dimension.OFFICIAL,)
    )
    counts: Mapping[Any, Any] = level_counts_by(
        session, report_filter, grouping, [item_key], by_agency=True
    )
    parts: dict[Part, dict[str | None, int]] = defaultdict(dict)
    for (agency, (official, *field)), items in counts.items():
        if items[item_key].answered:
            parts[(agency, official)][field[0] if field else None] = items[item_key].answered
    return dict(parts)


def weighted_satisfactions(
    session: Session,
    report_filter: ReportFilter,
    item_key: str,
    satisfied: list[int],
    min_group_size: int,
) -> WeightedUnits | None:
    """The headline item's satisfied share weighted to the dossiers returned in the report's
    period and scope, for the scope and for each agency and official; None without dossiers
    there. The agencies' cells are the scope's strata: they are counted once for both."""
    setting = strata_setting()
    by_field = setting == AGENCY_PROCEDURE_FIELD
    headline = (item_key, satisfied)
    agencies = _unit_cells(session, report_filter, Dimension.AGENCY, headline, by_field)
    if not agencies:
        return None
    officials = _unit_cells(session, report_filter, Dimension.OFFICIAL, headline, by_field)
    minimum = max(2, min_group_size)
    return WeightedUnits(
        strata_setting=setting,
        scope=_weighted(agencies, _parents(session, report_filter.agency_ids), minimum, setting),
        agencies=_each_unit(agencies, minimum, setting),
        officials=_each_unit(officials, minimum, setting),
        parts=_parts(session, report_filter, item_key, by_field),
    )
