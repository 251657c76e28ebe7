"""Small-cell suppression: nothing hidden may be recovered from the published totals."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import suppress_small_cells


def determined_cells(hidden: np.ndarray) -> list[tuple[int, ...]]:
    """Hidden cells whose value follows from the visible cells and the totals.

    The unknowns are the hidden cells; the published row totals, column totals and
    grand total give one linear equation per line. A hidden cell is determined
    exactly when its unit vector lies in the row space of that system
    (rank test; Cox 1980, JASA 75:377, on "exact disclosure").
    """
    hidden = np.atleast_2d(hidden)
    cells = list(zip(*np.nonzero(hidden), strict=True))
    if not cells:
        return []
    n_rows, n_columns = hidden.shape
    equations = []
    for i in range(n_rows):
        equations.append([1.0 if c[0] == i else 0.0 for c in cells])
    for j in range(n_columns):
        equations.append([1.0 if c[1] == j else 0.0 for c in cells])
    equations.append([1.0] * len(cells))  # grand total
    system = np.array(equations)
    rank = np.linalg.matrix_rank(system)
    determined = []
    for k, cell in enumerate(cells):
        unit = np.zeros(len(cells))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([system, unit])) == rank:
            determined.append(cell)
    return determined


def test_the_rank_check_catches_what_two_per_line_misses():
    # Two separate 2 × 2 blocks of hidden cells joined by one more hidden cell: every
    # row and column holds at least two hidden cells, yet the joining cell equals the
    # totals of rows 0–1 minus those of columns 0–1, so it is disclosed.
    hidden = np.zeros((4, 4), dtype=bool)
    hidden[:2, :2] = True
    hidden[2:, 2:] = True
    hidden[0, 2] = True
    assert np.all(hidden.sum(axis=0) >= 2) and np.all(hidden.sum(axis=1) >= 2)
    assert determined_cells(hidden) == [(0, 2)]


def test_primary_and_complementary_cells():
    table = [[12, 3, 20], [15, 9, 30], [8, 11, 25]]
    hidden = suppress_small_cells(table, min_count=5)
    # 3 is too small; the cheapest rectangle protecting it is 12, 8 and 11 (sum 31)
    expected = np.array([[1, 1, 0], [0, 0, 0], [1, 1, 0]], dtype=bool)
    assert np.array_equal(hidden, expected)
    assert determined_cells(hidden) == []


def test_true_zeros_are_published_and_avoided_as_complements():
    table = [[0, 2, 30, 40], [0, 50, 60, 45], [0, 35, 70, 55]]
    hidden = suppress_small_cells(table, min_count=5)
    assert not hidden[:, 0].any()
    assert hidden[0, 1]


def test_zeros_are_used_when_nothing_else_can_protect():
    hidden = suppress_small_cells([[0, 3], [0, 0]], min_count=5)
    assert hidden.all()


def test_nothing_small_nothing_hidden():
    table = np.array([[10, 0, 7], [5, 25, 9]])
    assert not suppress_small_cells(table, min_count=5).any()
    assert not suppress_small_cells(table, min_count=1).any()


def test_one_dimensional_table_hides_a_second_cell():
    # One official's answers by level: the total is published, so one small cell
    # alone could be recovered; the smallest non-zero other cell is hidden with it.
    hidden = suppress_small_cells([2, 0, 14, 30, 9], min_count=5)
    assert hidden.tolist() == [True, False, False, False, True]


def test_single_row_table_is_treated_like_one_dimension():
    hidden = suppress_small_cells([[2, 0, 14, 30, 9]], min_count=5)
    assert hidden.tolist() == [[True, False, False, False, True]]


def test_single_cell_is_hidden_even_though_its_total_reveals_it():
    assert suppress_small_cells([[3]], min_count=5).tolist() == [[True]]


@pytest.mark.parametrize(
    ("table", "min_count"),
    [
        ([[1, 2], [3, 4]], 0),
        ([[1, 2], [3, 4]], 2.5),
        ([[1, 2], [3, 4]], "5"),
        ([[1, 2], [3, 4]], True),
        ([[1, -2], [3, 4]], 5),
        ([[1.5, 2], [3, 4]], 5),
        (np.ones((2, 2, 2)), 5),
        ([], 5),
    ],
)
def test_rejects_bad_input(table, min_count):
    with pytest.raises(ValueError):
        suppress_small_cells(table, min_count)


tables = st.integers(2, 7).flatmap(
    lambda rows: st.integers(2, 7).flatmap(
        lambda columns: st.lists(
            st.lists(st.integers(0, 14), min_size=columns, max_size=columns),
            min_size=rows,
            max_size=rows,
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(tables, st.integers(2, 8))
def test_no_hidden_cell_can_be_recovered_from_the_totals(table, min_count):
    counts = np.array(table)
    hidden = suppress_small_cells(counts, min_count)
    assert hidden.shape == counts.shape
    primary = (counts > 0) & (counts < min_count)
    assert np.all(hidden[primary])
    # what is published is either a true zero or at least min_count
    visible = counts[~hidden]
    assert np.all((visible == 0) | (visible >= min_count))
    # no row or column with exactly one hidden cell
    assert not np.any(hidden.sum(axis=1) == 1)
    assert not np.any(hidden.sum(axis=0) == 1)
    # and, stronger, no hidden cell is determined by the linear system of totals
    assert determined_cells(hidden) == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 14), min_size=1, max_size=8), st.integers(2, 8))
def test_one_dimensional_tables_never_have_a_lone_hidden_cell(values, min_count):
    counts = np.array(values)
    hidden = suppress_small_cells(counts, min_count)
    assert np.all(hidden[(counts > 0) & (counts < min_count)])
    if counts.size > 1:
        assert hidden.sum() != 1
