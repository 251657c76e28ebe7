"""Statistical disclosure control for published count tables.

A table of answers by official × level can identify the few citizens behind a
small cell ("the two people who were very dissatisfied with Mr X last week").
Decree 61/2018 Art. 27 keeps respondents confidential, so cells with fewer than
a configured number of answers are hidden, and so are enough other cells that
the hidden ones cannot be worked out from what is published beside them: the
totals, the other cells, and figures derived from the same cells (a year from
its quarters, a factor from its criteria, a parent from its children).

Every pattern is checked by an audit: for each hidden small cell, linear
programming finds the smallest and the largest value it can take given
everything published, the bounds every reader knows, and the rule itself; more
cells are hidden until no small cell is pinned down.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import scipy
from numpy.typing import ArrayLike

# HiGHS, the solver behind scipy.optimize.linprog, through SciPy's own binding (the one
# linprog calls): a solver kept between programs is what makes the audit fast.
from scipy.optimize._highspy import _core as _highs  # type: ignore[import-untyped]

from ._validation import as_integer_counts

__all__ = ["Relation", "hidden_cell_intervals", "protect_cells", "suppress_small_cells"]

#: A published linear relation between cells: ``sum(coefficient * cell) == constant``.
#: ``({4: 1, 0: -1, 1: -1, 2: -1, 3: -1}, 0)`` says cell 4 (a year) is the sum of
#: cells 0-3 (its quarters); ``({0: 1, 1: 1, 2: 1}, 12)`` says a published total is 12.
Relation = tuple[Mapping[int, float], float]

#: How many added cells :func:`protect_cells` tries to publish again (each costs an audit).
_RECHECKS = 8

#: HiGHS option values and model statuses.
_PRIMAL_SIMPLEX = 4
_OPTIMAL = _highs.HighsModelStatus.kOptimal
_UNBOUNDED = _highs.HighsModelStatus.kUnbounded
_UNBOUNDED_OR_INFEASIBLE = _highs.HighsModelStatus.kUnboundedOrInfeasible

#: LP results are exact only up to the solver's tolerance.
_TOLERANCE = 1e-7


def _as_bounds(
    values: np.ndarray, lower: ArrayLike, upper: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    low = np.broadcast_to(np.asarray(lower, dtype=float), values.shape).copy()
    high = np.broadcast_to(np.asarray(upper, dtype=float), values.shape).copy()
    if np.any(values < low - _TOLERANCE) or np.any(values > high + _TOLERANCE):
        raise ValueError("every cell's value must lie within its lower and upper bound")
    return low, high


def _as_relations(relations: Sequence[Relation], size: int) -> list[Relation]:
    checked: list[Relation] = []
    for coefficients, constant in relations:
        if any(not 0 <= int(cell) < size for cell in coefficients):
            raise ValueError(f"a relation names a cell outside 0..{size - 1}")
        checked.append(({int(cell): float(c) for cell, c in coefficients.items()}, constant))
    return checked


def hidden_cell_intervals(
    values: ArrayLike,
    hidden: ArrayLike,
    relations: Sequence[Relation],
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    integral: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The audit: the smallest and largest value each hidden cell can take.

    A reader sees the cells not hidden and the constants of ``relations``, and
    knows every cell lies within ``[lower, upper]`` (e.g. at least 1 for a
    listed unit, 1 to ``min_count - 1`` for a cell hidden as too small). For
    each hidden cell two linear programs (HiGHS, as in ``scipy.optimize.linprog``)
    minimise and maximise it over everything consistent with that knowledge:
    the attacker's problem of Hundepool et al. (2012, §4.2) and sdcTable's
    ``attack()``. ``integral``: cells are counts, so the bounds are rounded
    inwards to whole numbers.

    Parameters
    ----------
    values : array_like of float, 1-D
        The true cell values.
    hidden : array_like of bool, 1-D
        Cells not published.
    relations : sequence of (mapping of cell index to coefficient, constant)
        Published linear relations between cells (see :data:`Relation`).
    lower, upper : array_like of float
        What every reader knows about each cell (``numpy.inf`` for no upper bound).
    integral : bool
        Round the bounds inwards to whole numbers.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Smallest and largest value of each cell (``values`` itself for a
        published cell; ``inf`` when nothing bounds a hidden cell above).
    """
    cells = np.asarray(values, dtype=float).reshape(-1)
    mask = np.asarray(hidden, dtype=bool).reshape(-1)
    if mask.shape != cells.shape:
        raise ValueError("hidden must have one entry per cell")
    bounds = _as_bounds(cells, lower, upper)
    attack = _Attack(cells, mask, _as_relations(relations, cells.size), bounds, integral)
    smallest, largest = cells.copy(), cells.copy()
    for cell in np.flatnonzero(mask):
        smallest[cell], largest[cell] = attack.interval(int(cell))
    return smallest, largest


def _constraints(
    cells: np.ndarray, position: Mapping[int, int], relations: list[Relation]
) -> tuple[scipy.sparse.csc_array, np.ndarray, list[Relation]]:
    """The relations on the hidden cells (``position``: their columns), as ``A x = b``
    with the published cells moved to ``b``; relations without a hidden cell left out.
    Also the relation of each row."""
    rows: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    rhs: list[float] = []
    sources: list[Relation] = []
    for coefficients, constant in relations:
        known = float(constant)
        entries = []
        for cell, coefficient in coefficients.items():
            if cell in position:
                entries.append((position[cell], coefficient))
            else:
                known -= coefficient * cells[cell]
        if any(coefficient != 0 for _column, coefficient in entries):
            rows += [len(rhs)] * len(entries)
            columns += [column for column, _c in entries]
            values += [coefficient for _column, coefficient in entries]
            rhs.append(known)
            sources.append((coefficients, constant))
    matrix = scipy.sparse.coo_array(
        (
            np.array(values, dtype=float),
            (np.array(rows, dtype=np.int32), np.array(columns, dtype=np.int32)),
        ),
        shape=(len(rhs), len(position)),
    )
    return scipy.sparse.csc_array(matrix), np.array(rhs, dtype=float), sources


class _Attack:
    """The attacker's linear programs for one suppression pattern.

    The constraints are built once, as a sparse matrix, and handed to one HiGHS solver
    (the one ``scipy.optimize.linprog`` runs, through SciPy's binding); each program then
    only changes the objective, and the dual simplex starts from the last optimal basis,
    which is still feasible: a few pivots instead of a whole solve, and none of
    ``linprog``'s checking and copying per call.
    """

    def __init__(
        self,
        cells: np.ndarray,
        mask: np.ndarray,
        relations: list[Relation],
        bounds: tuple[np.ndarray, np.ndarray],
        integral: bool,
        evidence: _Evidence | None = None,
    ) -> None:
        unknown = np.flatnonzero(mask)
        self.unknown = unknown
        self.evidence = evidence
        self.position = {int(cell): k for k, cell in enumerate(unknown)}
        self.a_eq, self.b_eq, self.sources = _constraints(cells, self.position, relations)
        #: The relations that bound the last :meth:`interval` (a nonzero dual).
        self.binding: list[Relation] = []
        low, high = bounds
        self.lower, self.upper = low[unknown].astype(float), high[unknown].astype(float)
        self.integral = integral
        self.solver = _highs._Highs()
        self.solver.setOptionValue("output_flag", False)
        # A new objective leaves the last optimal basis feasible: the primal simplex goes
        # on from it (about half the time of the dual simplex, which HiGHS would choose).
        self.solver.setOptionValue("simplex_strategy", _PRIMAL_SIMPLEX)
        model = _highs.HighsLp()
        model.num_col_ = unknown.size
        model.num_row_ = self.b_eq.size
        model.col_cost_ = np.zeros(unknown.size)
        model.col_lower_, model.col_upper_ = self.lower, self.upper
        model.row_lower_ = model.row_upper_ = self.b_eq
        model.a_matrix_.num_col_, model.a_matrix_.num_row_ = model.num_col_, model.num_row_
        model.a_matrix_.format_ = _highs.MatrixFormat.kColwise
        model.a_matrix_.start_ = self.a_eq.indptr
        model.a_matrix_.index_ = self.a_eq.indices
        model.a_matrix_.value_ = self.a_eq.data
        self.solver.passModel(model)
        self.columns = np.arange(unknown.size, dtype=np.int32)

    def _solve(self, objective: np.ndarray) -> np.ndarray | None:
        """A hidden-cell vector minimising ``objective``; None when unbounded below."""
        self.solver.changeColsCost(self.columns.size, self.columns, objective.astype(float))
        self.solver.run()
        status = self.solver.getModelStatus()
        if status in (_UNBOUNDED, _UNBOUNDED_OR_INFEASIBLE):  # the true values are feasible
            return None
        if status != _OPTIMAL:
            message = self.solver.modelStatusToString(status)
            raise ValueError(f"the published relations are inconsistent: {message}")
        solution = np.asarray(self.solver.getSolution().col_value, dtype=float)
        if self.evidence is not None:
            self.evidence.record(self.unknown, solution)
        return solution

    def interval(self, cell: int) -> tuple[float, float]:
        """Smallest and largest value of the hidden ``cell``."""
        objective = np.zeros(len(self.position))
        objective[self.position[cell]] = 1.0
        self.binding = []
        lowest = self._solve(objective)
        self._record_binding()
        highest = self._solve(-objective)
        if highest is not None:
            self._record_binding()
        assert lowest is not None, "a lower bound is always known"
        smallest = float(lowest[self.position[cell]])
        largest = math.inf if highest is None else float(highest[self.position[cell]])
        if self.integral:
            smallest = math.ceil(smallest - _TOLERANCE)
            if math.isfinite(largest):
                largest = math.floor(largest + _TOLERANCE)
        return smallest, largest

    def _record_binding(self) -> None:
        """Add the relations the last optimum rests on (a nonzero dual) to ``binding``."""
        result = self.solver.getSolution()
        if result.dual_valid:
            duals = np.abs(np.asarray(result.row_dual, dtype=float))
            self.binding += [self.sources[row] for row in np.flatnonzero(duals > _TOLERANCE)]

    def push(self, cells: Sequence[int]) -> None:
        """One LP pushing all of ``cells`` up and one pushing them down: a cheap first
        pass before :meth:`interval`, whose solutions the evidence keeps."""
        for sign in (1.0, -1.0):
            objective = np.zeros(len(self.position))
            for cell in cells:
                objective[self.position[cell]] = -sign
            self._solve(objective)


class _Evidence:
    """The smallest and largest value each cell was seen to take in a solution of the
    attacker's problem (the true values are one).

    A solution stays a solution when more cells are hidden (each newly hidden cell keeps
    its true value), so the evidence holds for every later, larger pattern: a cell once
    seen to move by its protection width needs no more linear programs.
    """

    def __init__(self, cells: np.ndarray, integral: bool) -> None:
        self.low, self.high = cells.copy(), cells.copy()
        self.integral = integral

    def record(self, unknown: np.ndarray, solution: np.ndarray) -> None:
        self.low[unknown] = np.minimum(self.low[unknown], solution)
        self.high[unknown] = np.maximum(self.high[unknown], solution)

    def shows(self, cell: int, width: float) -> bool:
        """Whether ``cell`` was seen to take values ``width`` apart (integral: whole
        values, since the audit rounds its bounds inwards)."""
        low, high = self.low[cell], self.high[cell]
        if self.integral:
            low, high = math.ceil(low - _TOLERANCE), math.floor(high + _TOLERANCE)
        return bool(high - low >= width - _TOLERANCE)


def _linked_cells(cell: int, hidden: np.ndarray, relations: _Relations) -> set[int]:
    """Cells sharing a relation with ``cell`` or with a hidden cell linked to it."""
    reached, frontier = {cell}, [cell]
    seen: set[int] = set()  # each relation is read once, however many cells it holds
    linked: set[int] = set()
    while frontier:
        for number in relations.of(frontier.pop()):
            if number in seen:
                continue
            seen.add(number)
            coefficients = relations.all[number][0]
            linked.update(coefficients)
            for other in coefficients:
                if hidden[other] and other not in reached:
                    reached.add(other)
                    frontier.append(other)
    return linked


class _Relations:
    """The published relations, with the numbers of each cell's relations at hand."""

    def __init__(self, relations: list[Relation]) -> None:
        self.all = relations
        self.by_cell: dict[int, list[int]] = {}
        for number, (coefficients, _constant) in enumerate(relations):
            for cell in coefficients:
                self.by_cell.setdefault(cell, []).append(number)

    def of(self, cell: int) -> list[int]:
        return self.by_cell.get(cell, [])


def _pinned(
    cells: np.ndarray,
    hidden: np.ndarray,
    to_check: Sequence[int],
    relations: list[Relation],
    bounds: tuple[np.ndarray, np.ndarray],
    protection: float,
    evidence: _Evidence,
    *,
    first_only: bool,
    binding: dict[int, set[int]] | None = None,
) -> tuple[list[int], list[int]]:
    """The hidden cells of ``to_check`` the audit narrows below their required width
    (only the first when ``first_only``), and the cells found protected; ``binding``, when
    given, gets for each cell pinned down the published cells of the relations that pin
    it (whose hiding may free it).

    Only what could be pinned down is audited: a cell the ``evidence`` (every solution of
    an attacker's problem seen so far) already shows moving by its width is protected
    without a linear program of its own."""
    low, high = bounds
    width = np.minimum(protection, high - low)
    protected = [cell for cell in to_check if width[cell] <= 0]
    pinned: list[int] = []
    # Hidden cells linked by no relation cannot tell anything about each other: each
    # group of linked hidden cells is its own, smaller, attacker's problem.
    for component, linked in _components(hidden, relations):
        remaining = [cell for cell in to_check if width[cell] > 0 and cell in component]
        if not remaining:
            continue
        mask = np.isin(np.arange(cells.size), list(component))
        attack = _Attack(cells, mask, linked, bounds, evidence.integral, evidence)
        while remaining:
            attack.push(remaining)
            shown = [cell for cell in remaining if evidence.shows(cell, width[cell])]
            if not shown:
                break
            protected += shown
            remaining = [cell for cell in remaining if cell not in shown]
        for cell in remaining:
            if evidence.shows(cell, width[cell]):  # seen in another cell's solutions
                protected.append(cell)
                continue
            smallest, largest = attack.interval(cell)
            if largest - smallest < width[cell] - _TOLERANCE:
                pinned.append(cell)
                if binding is not None:
                    binding[cell] = {
                        c
                        for coefficients, _k in attack.binding
                        for c in coefficients
                        if not hidden[c]
                    }
                if first_only:
                    return pinned, protected
            else:
                protected.append(cell)
    return pinned, protected


def _components(
    hidden: np.ndarray, relations: list[Relation]
) -> list[tuple[set[int], list[Relation]]]:
    """The hidden cells in groups linked through relations, each with its relations."""
    parent = {int(cell): int(cell) for cell in np.flatnonzero(hidden)}

    def root(cell: int) -> int:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for coefficients, _constant in relations:
        members = [cell for cell in coefficients if cell in parent]
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    groups: dict[int, set[int]] = {}
    for cell in parent:
        groups.setdefault(root(cell), set()).add(cell)
    # each relation goes with the group of its hidden cells (all in one group, by the above)
    touching: dict[int, list[Relation]] = {group: [] for group in groups}
    for relation in relations:
        member = next((cell for cell in relation[0] if cell in parent), None)
        if member is not None:
            touching[root(member)].append(relation)
    return [(group, touching[key]) for key, group in groups.items()]


def _hide_lone_cells(
    mask: np.ndarray, primary: np.ndarray, relations: list[Relation], price: np.ndarray
) -> None:
    """While a relation holds a single hidden primary cell (which it then gives away
    exactly), hide the cheapest other cell of it: the "singleton" rule, no LP needed."""
    changed = True
    while changed:
        changed = False
        for coefficients, _constant in relations:
            members = [cell for cell, c in coefficients.items() if c != 0]
            hidden = [cell for cell in members if mask[cell]]
            shown = [cell for cell in members if not mask[cell]]
            if len(hidden) == 1 and primary[hidden[0]] and shown:
                mask[min(shown, key=lambda c: (price[c], c))] = True
                changed = True


def protect_cells(
    values: ArrayLike,
    primary: ArrayLike,
    relations: Sequence[Relation],
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    cost: ArrayLike | None = None,
    protection: float = 1,
    integral: bool = True,
    hidden: ArrayLike | None = None,
    given_away: str = "hide all",
) -> np.ndarray:
    """Cells to hide so that no ``primary`` cell is pinned down by what is published.

    Starting from ``primary`` (and ``hidden``, a pattern already chosen, if
    given), a relation holding a single hidden primary cell gets its cheapest
    other cell hidden; then, for each unprotected primary cell, the cheapest
    published cell of the relations its attacker's problem rests on (a nonzero
    dual at the optimum), else the cheapest cell linked to it, is hidden until
    the audit (:func:`hidden_cell_intervals`) finds every primary cell's
    interval at least ``protection`` wide, or as wide as its own bounds allow
    when they are narrower (a rule that hides only ones cannot hide that they
    are ones). Then the dearest cells the loop added (at most eight) are
    published again if the audit still passes without them. A greedy
    audit-and-extend loop in the spirit of τ-ARGUS's and sdcTable's audits; it
    does not promise the fewest cells.

    Parameters
    ----------
    values, relations, lower, upper, integral
        As for :func:`hidden_cell_intervals`.
    primary : array_like of bool
        The sensitive cells, hidden whatever happens.
    cost : array_like of float, optional
        Cost of hiding each cell (default: its value); the cheapest is hidden first.
    protection : float
        Smallest width of the interval a reader may narrow a primary cell to.
    hidden : array_like of bool, optional
        Cells already chosen for hiding (a heuristic's pattern to audit and extend).
    given_away : {"hide all", "known"}
        What to do with a primary cell that even hiding every cell leaves pinned down
        (the relations' constants alone give it away): hide every cell, or hide it and
        protect the other primary cells from a reader who knows it exactly ("known":
        for constants the caller publishes whatever this pattern is).

    Returns
    -------
    numpy.ndarray of bool
        Cells to hide. When even hiding every cell leaves a primary cell pinned
        down (a single cell whose total is published), every cell is hidden and
        the caller must withhold the relations' constants too, unless
        ``given_away`` is "known"; the audit says so.
    """
    cells = np.asarray(values, dtype=float).reshape(-1)
    sensitive = np.array(primary, dtype=bool).reshape(-1)
    if sensitive.shape != cells.shape:
        raise ValueError("primary must have one entry per cell")
    if not protection > 0:
        raise ValueError(f"protection must be positive, got {protection!r}")
    if given_away not in ("hide all", "known"):
        raise ValueError(f'given_away must be "hide all" or "known", got {given_away!r}')
    known = given_away == "known"
    bounds = _as_bounds(cells, lower, upper)
    checked = _as_relations(relations, cells.size)
    price = cells.copy() if cost is None else np.asarray(cost, dtype=float).reshape(-1)
    mask = sensitive.copy()
    if hidden is not None:
        mask |= np.asarray(hidden, dtype=bool).reshape(-1)
    primaries = [int(c) for c in np.flatnonzero(sensitive)]

    # A primary cell pinned down even with every cell hidden (the totals alone give it
    # away) cannot be protected by any pattern: hide everything at once rather than one
    # cell at a time, or hide it and protect the others from a reader who knows it.
    everything = np.ones(cells.size, dtype=bool)
    alone = _Evidence(cells, integral)
    lost = _pinned(
        cells, everything, primaries, checked, bounds, protection, alone, first_only=not known
    )[0]
    if lost and not known:
        return everything
    mask[lost] = True
    sensitive[lost] = False
    primaries = [cell for cell in primaries if cell not in lost]
    bounds[0][lost] = bounds[1][lost] = cells[lost]
    _hide_lone_cells(mask, sensitive, checked, price)
    index = _Relations(checked)
    # Hiding more keeps every solution a solution: the evidence holds while the mask grows.
    evidence = _Evidence(cells, integral)

    def pinned(
        to_check: Sequence[int], first_only: bool, binding: dict[int, set[int]] | None = None
    ) -> tuple[list[int], list[int]]:
        return _pinned(
            cells,
            mask,
            to_check,
            checked,
            bounds,
            protection,
            evidence,
            first_only=first_only,
            binding=binding,
        )

    # Hiding more never narrows an interval: a cell found protected stays protected.
    verified: set[int] = set()
    added: list[int] = []
    while not mask.all():
        binding: dict[int, set[int]] = {}
        targets, protected = pinned([c for c in primaries if c not in verified], False, binding)
        verified.update(protected)
        if not targets:
            break
        for target in targets:  # one more cell for each cell still pinned down
            # first a published cell of a relation that pins it (a nonzero dual in the
            # attacker's problem), then one sharing a relation with it, then one linked
            # through hidden cells
            candidates = [c for c in binding.get(target, ()) if not mask[c]]
            candidates = candidates or [
                c for n in index.of(target) for c in index.all[n][0] if not mask[c]
            ]
            if not candidates:
                candidates = [c for c in _linked_cells(target, mask, index) if not mask[c]]
            candidates = candidates or [int(c) for c in np.flatnonzero(~mask)]
            if candidates:
                # cheapest first; between equal costs, the lowest index (deterministic)
                chosen = min(candidates, key=lambda c: (price[c], c))
                mask[chosen] = True
                added.append(chosen)
    # Publish again the dearest cells the loop added that the audit turns out not to need
    # (a cell the others give away protects nothing), at most _RECHECKS of them: each
    # costs an audit. Publishing a cell can only narrow the primary cells linked to it.
    for cell in sorted(added, key=lambda c: (-price[c], c))[:_RECHECKS]:
        mask[cell] = False
        evidence = _Evidence(cells, integral)  # publishing a cell ends what was seen
        affected = _linked_cells(cell, mask, index)
        if pinned([c for c in primaries if c in affected], True)[0]:
            mask[cell] = True
    return mask


def _cell_costs(counts: np.ndarray, hidden: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Cost of hiding each cell as a complement: its count times its ``factor``, 0 if
    already hidden.

    True zeros cost more than any non-zero cell (hiding a zero protects little
    when readers can guess it is zero), and every newly hidden cell adds a tiny
    amount so that, between equal totals, fewer new cells win.
    """
    penalty_for_zero = counts.sum() + 1.0
    cost = (np.where(counts > 0, counts, penalty_for_zero) + 1e-6) * factor
    return np.where(hidden, 0.0, cost)


def _hide_cheapest_rectangle(
    counts: np.ndarray, hidden: np.ndarray, factor: np.ndarray, i: int, j: int
) -> None:
    """Hide the cheapest rectangle (i, j), (i, j2), (i2, j), (i2, j2) with i2 != i, j2 != j.

    On such a 4-cycle, adding +d, -d, +d, -d to the four cells leaves every row
    and column total unchanged, so none of them can be recovered from the totals.
    """
    cost = _cell_costs(counts, hidden, factor)
    total = cost[i, :][None, :] + cost[:, j][:, None] + cost
    total[i, :] = np.inf
    total[:, j] = np.inf
    i2, j2 = np.unravel_index(np.argmin(total), total.shape)
    hidden[i, j2] = hidden[i2, j] = hidden[i2, j2] = True


def _first_pattern(counts: np.ndarray, hidden: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """The hypercube pattern for the margins alone: a start the audit then extends
    (``factor``: each cell's cost factor, of ``counts``' shape)."""
    shape = counts.shape
    if counts.ndim == 1 or min(shape) == 1:
        flat_hidden = hidden.reshape(-1)
        if flat_hidden.sum() == 1 and counts.size > 1:
            cost = _cell_costs(counts.reshape(-1), flat_hidden, factor.reshape(-1))
            cost[flat_hidden] = np.inf
            flat_hidden[np.argmin(cost)] = True
        return flat_hidden.reshape(shape)
    primary = np.argwhere(hidden)
    smallest_first = np.argsort(counts[hidden], kind="stable")
    for i, j in primary[smallest_first]:
        _hide_cheapest_rectangle(counts, hidden, factor, int(i), int(j))
    return hidden


def _margin_relations(counts: np.ndarray) -> list[Relation]:
    """Row, column and grand totals of ``counts`` as published relations.

    A line of one cell is that cell, not a total: it is hidden with the cell (a table
    with a single row is a 1-D table).
    """
    index = np.arange(counts.size).reshape(counts.shape)
    lines = [index.reshape(-1)]
    if counts.ndim == 2:
        lines += [line for line in (*index, *index.T) if line.size > 1]
    flat = counts.reshape(-1)
    return [({int(c): 1.0 for c in line}, float(flat[line].sum())) for line in lines]


def _check_whole(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float):
        raise ValueError(f"{name} must be a whole number of at least {minimum}, got {value!r}")
    if not (float(value).is_integer() and value >= minimum):
        raise ValueError(f"{name} must be a whole number of at least {minimum}, got {value!r}")
    return int(value)


def suppress_small_cells(
    table: ArrayLike,
    min_count: int,
    *,
    lower_bound: int | ArrayLike = 0,
    sums: Sequence[tuple[int, Sequence[int]]] = (),
    margins: bool = True,
    relations: Sequence[Relation] = (),
    protection: int = 1,
    unpublished: ArrayLike | None = None,
    given_away: str = "hide all",
    cost_factor: ArrayLike = 1.0,
) -> np.ndarray:
    """Cells to hide in a published count table (primary and complementary).

    Parameters
    ----------
    table : array_like of int, 1-D or 2-D
        Counts, e.g. officials × answer levels, or officials × (quarters, year).
    min_count : int
        Smallest publishable count (statistics offices use 5 to 10), at least 1.
    lower_bound : int or array_like of int
        What every reader knows each cell is at least: 0 for a grid of answer
        levels, 1 for a list of units (a unit is listed because it has
        responses); an array of the table's shape gives each cell its own.
    sums : sequence of (int, sequence of int)
        Cells that are published sums of other cells, as ``(total, parts)``
        with indices into the flattened table: a year and its quarters, a
        parent and its children.
    margins : bool
        Whether the row, column and grand totals (1-D: the total) are published.
    relations : sequence of :data:`Relation`
        Further published relations, on flattened indices (e.g. a column's total
        published elsewhere when ``margins`` is False).
    protection : int
        Smallest width of the interval a reader may narrow a hidden small cell to.
    unpublished : array_like of bool, optional
        Cells no report ever shows (the responses naming no official, beside
        the officials and their agency's total): unknown to the reader, hidden
        from the start, and not small cells themselves.
    given_away : {"hide all", "known"}
        As for :func:`protect_cells`: a small cell the published totals alone give
        away hides every cell, or ("known") only itself.
    cost_factor : float or array_like of float
        Multiplies each cell's cost of hiding it as a complement (its count; a
        true zero costs most), positive: below 1 for the cells of a table readers
        need less, which are then hidden first.

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``table``; ``True`` marks a cell to hide.

    Raises
    ------
    ValueError
        If the table is empty, has more than 2 dimensions, negative or
        non-integral counts, a cell below ``lower_bound``, a sum that does not
        add up, or ``min_count`` is not a whole number ≥ 1.

    Notes
    -----
    **Guarantee.** Suppose a reader knows every published cell, the margins,
    the ``sums``, that each cell is at least ``lower_bound``, which cells were
    hidden as too small, and that those lie between 1 and ``min_count − 1``.
    Then every value in an interval at least ``protection`` wide (or the whole
    range 1 … ``min_count − 1`` when that is narrower) is still possible for
    each hidden small cell: none is pinned down. This is checked, not assumed:
    the linear-programming audit :func:`hidden_cell_intervals` computes each
    hidden small cell's smallest and largest possible value, and more cells
    are hidden until it passes. The one exception is a table whose published
    totals alone give a small cell away (``[[3]]``, or ``[1, 1]`` with total
    2): every cell is then hidden, and the caller must withhold those totals
    (or, with ``given_away="known"``, that cell is hidden and the guarantee holds
    for the others against a reader who knows it).

    Primary suppression hides every cell with 0 < count < ``min_count``. True
    zeros are not hidden: that nobody gave an answer reveals nothing about a
    person, and statistics offices generally publish them.

    Complementary suppression starts, for the margins, from the cheapest
    rectangle of four cells through each small cell ("hypercube" method,
    Giessing and Repsilber 2002): adding +d, −d, +d, −d around it changes no
    total. That alone ignores the known bounds (``[1, 1, 10]`` with total 12:
    two hidden ones adding up to 2 must each be 1), so the audit then extends
    the pattern, each time hiding the cheapest cell (smallest count, a true
    zero last) among those the audit's linear programs show pinning a cell down
    (the published cells of its binding relations), else linked to it, as
    τ-ARGUS's and sdcTable's audits do. The choice is deterministic and not guaranteed to hide the
    fewest cells.

    References
    ----------
    .. [1] A. Hundepool et al., Statistical Disclosure Control, Wiley (2012),
       chapter 4 (tabular data: sensitivity rules, secondary suppression,
       the attacker's problem and audit).
    .. [2] L. H. Cox, "Suppression methodology and statistical disclosure
       control", JASA 75 (1980) 377-385.
    .. [3] S. Giessing and D. Repsilber, "Tools and strategies to protect
       multiple tables with the GHQUAR cell suppression engine", in Inference
       Control in Statistical Databases, LNCS 2316, Springer (2002) 181-192.
    .. [4] P.-P. de Wolf et al., τ-ARGUS user's manual, version 4.1, Statistics
       Netherlands (CBS) and Destatis: a priori bounds, protection levels,
       secondary suppression (hypercube, modular, optimal) and the audit of
       the realised upper and lower bounds of every suppressed cell.
    .. [5] B. Meindl, sdcTable: Methods for Statistical Disclosure Control in
       Tabular Data (R package, CRAN), ``primarySuppression(type = "freq")``
       and ``attack()``, which computes each primary suppressed cell's lower
       and upper bound by linear programming and reports it protected when
       they differ.

    Examples
    --------
    >>> from analysis import suppress_small_cells
    >>> suppress_small_cells([[12, 3, 20], [15, 9, 30], [8, 11, 25]], min_count=5).astype(int)
    array([[1, 1, 0],
           [0, 0, 0],
           [1, 1, 0]])
    >>> suppress_small_cells([1, 1, 10], min_count=5, lower_bound=1).astype(int)
    array([1, 1, 1])
    """
    counts = as_integer_counts(table, "table")
    if counts.ndim not in (1, 2):
        raise ValueError(f"table must be 1- or 2-dimensional, got shape {counts.shape}")
    minimum = _check_whole(min_count, "min_count", 1)
    floors = np.broadcast_to(np.asarray(lower_bound), counts.shape).reshape(-1)
    floor = np.array([_check_whole(f.item(), "lower_bound", 0) for f in floors], dtype=float)
    width = _check_whole(protection, "protection", 1)
    flat = counts.reshape(-1)
    if np.any(flat < floor):
        raise ValueError("every cell must be at least its lower_bound")
    published = _margin_relations(counts) if margins else []
    published += relations
    for total, parts in sums:
        if int(total) in {int(p) for p in parts} or not 0 <= int(total) < flat.size:
            raise ValueError(f"a sum must name a total cell outside its parts, got {total!r}")
        coefficients = {int(total): 1.0}
        for part in parts:
            coefficients[int(part)] = coefficients.get(int(part), 0.0) - 1.0
        published.append((coefficients, 0.0))
    checked = _as_relations(published, flat.size)
    if any(abs(sum(c * flat[i] for i, c in co.items()) - k) > 0 for co, k in checked):
        raise ValueError("every sum and relation must hold for the table's counts")

    unseen = np.zeros(counts.shape, dtype=bool)
    if unpublished is not None:
        unseen = np.broadcast_to(np.asarray(unpublished, dtype=bool), counts.shape)
    factor = np.broadcast_to(np.asarray(cost_factor, dtype=float), counts.shape)
    if not np.all(factor > 0):
        raise ValueError("every cost_factor must be positive")
    small = (counts > 0) & (counts < minimum) & ~unseen
    start = _first_pattern(counts, small.copy(), factor) if margins and not sums else small
    start = start | unseen
    primary = small.reshape(-1)
    lower = np.where(primary, np.maximum(1, floor), floor)
    upper = np.where(primary, minimum - 1, np.inf)
    cost = _cell_costs(flat, unseen.reshape(-1), factor.reshape(-1))
    hidden = protect_cells(
        flat,
        primary,
        checked,
        lower,
        upper,
        cost=cost,
        protection=width,
        hidden=start,
        given_away=given_away,
    )
    return hidden.reshape(counts.shape)
