"""Statistical disclosure control for published count tables.

A table of answers by official × level can identify the few citizens behind a
small cell ("the two people who were very dissatisfied with Mr X last week").
Decree 61/2018 Art. 27 keeps respondents confidential, so cells with fewer than
a configured number of answers are hidden, and so are enough other cells that
the hidden ones cannot be worked out from the row and column totals.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_integer_counts

__all__ = ["suppress_small_cells"]


def _cell_costs(counts: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Cost of hiding each cell as a complement: its count, 0 if already hidden.

    True zeros cost more than any non-zero cell (hiding a zero protects little
    when readers can guess it is zero), and every newly hidden cell adds a tiny
    amount so that, between equal totals, fewer new cells win.
    """
    penalty_for_zero = counts.sum() + 1.0
    cost = np.where(counts > 0, counts, penalty_for_zero) + 1e-6
    return np.where(hidden, 0.0, cost)


def _hide_cheapest_rectangle(counts: np.ndarray, hidden: np.ndarray, i: int, j: int) -> None:
    """Hide the cheapest rectangle (i, j), (i, j2), (i2, j), (i2, j2) with i2 != i, j2 != j.

    On such a 4-cycle, adding +d, -d, +d, -d to the four cells leaves every row
    and column total unchanged, so none of them can be recovered from the totals.
    """
    cost = _cell_costs(counts, hidden)
    total = cost[i, :][None, :] + cost[:, j][:, None] + cost
    total[i, :] = np.inf
    total[:, j] = np.inf
    i2, j2 = np.unravel_index(np.argmin(total), total.shape)
    hidden[i, j2] = hidden[i2, j] = hidden[i2, j2] = True


def suppress_small_cells(table: ArrayLike, min_count: int) -> np.ndarray:
    """Cells to hide in a published count table (primary and complementary).

    Parameters
    ----------
    table : array_like of int, 1-D or 2-D
        Counts of answers, e.g. officials × answer levels. The row totals, the
        column totals and the grand total are assumed to be published.
    min_count : int
        Smallest publishable count (statistics offices use 5 to 10), at least 1.

    Returns
    -------
    numpy.ndarray of bool
        Same shape as ``table``; ``True`` marks a cell to hide.

    Raises
    ------
    ValueError
        If the table is empty, has more than 2 dimensions, negative or
        non-integral counts, or ``min_count`` is not a whole number ≥ 1.

    Notes
    -----
    Primary suppression hides every cell with 0 < count < ``min_count``. True
    zeros are not hidden: that nobody gave an answer reveals nothing about a
    person, and statistics offices generally publish them.

    Complementary suppression then hides further cells so that no hidden cell
    can be recovered exactly from the published totals. For each primary cell,
    smallest first, the cheapest rectangle of four cells in two rows and two
    columns containing it is hidden ("hypercube" method, Giessing and Repsilber
    2002), cost being the sum of the newly hidden counts (cells already hidden
    are free; true zeros are used only when no non-zero cell is left). Adding
    +d, −d, +d, −d around a rectangle changes no total, so every hidden cell
    lies on such a cycle and none is determined; in particular every row and
    column holds either no hidden cell or at least two. Hiding more cells never
    makes a hidden cell recoverable, so one pass reaches the fixed point. The
    choice is not guaranteed to hide the fewest cells, and only exact recovery
    is prevented: hidden cells can still be bounded (e.g. between 0 and a row
    total).

    A 1-D table (or a table with a single row or column) has one constraint,
    its total: it gets 0 or at least 2 hidden cells. A table with a single
    cell cannot be protected by suppression: its total is the cell, so the
    total must not be published either.

    References
    ----------
    .. [1] A. Hundepool et al., Statistical Disclosure Control, Wiley (2012),
       chapter 5 (tabular data: sensitivity rules, secondary suppression).
    .. [2] L. H. Cox, "Suppression methodology and statistical disclosure
       control", JASA 75 (1980) 377-385.
    .. [3] S. Giessing and D. Repsilber, "Tools and strategies to protect
       multiple tables with the GHQUAR cell suppression engine", in Inference
       Control in Statistical Databases, LNCS 2316, Springer (2002) 181-192.

    Examples
    --------
    >>> from analysis import suppress_small_cells
    >>> suppress_small_cells([[12, 3, 20], [15, 9, 30], [8, 11, 25]], min_count=5).astype(int)
    array([[1, 1, 0],
           [0, 0, 0],
           [1, 1, 0]])
    """
    counts = as_integer_counts(table, "table")
    if counts.ndim not in (1, 2):
        raise ValueError(f"table must be 1- or 2-dimensional, got shape {counts.shape}")
    if isinstance(min_count, bool) or not isinstance(min_count, int | np.integer | float):
        raise ValueError(f"min_count must be a whole number of at least 1, got {min_count!r}")
    if not (float(min_count).is_integer() and min_count >= 1):
        raise ValueError(f"min_count must be a whole number of at least 1, got {min_count!r}")

    shape = counts.shape
    hidden = (counts > 0) & (counts < min_count)
    flat_counts = counts.reshape(-1)
    if counts.ndim == 1 or min(shape) == 1:
        flat_hidden = hidden.reshape(-1)
        if flat_hidden.sum() == 1 and flat_counts.size > 1:
            cost = _cell_costs(flat_counts, flat_hidden)
            cost[flat_hidden] = np.inf
            flat_hidden[np.argmin(cost)] = True
        return flat_hidden.reshape(shape)

    primary = np.argwhere(hidden)
    smallest_first = np.argsort(counts[hidden], kind="stable")
    for i, j in primary[smallest_first]:
        _hide_cheapest_rectangle(counts, hidden, int(i), int(j))
    return hidden
