"""Cronbach's alpha and Feldt's interval against published values."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from analysis import cronbach_alpha
from analysis._reliability import _feldt_interval

# D. J. Denis, "Applied Univariate, Bivariate, and Multivariate Statistics" (Wiley), the
# chapter's Cronbach's alpha example: 10 respondents × 5 items and its SPSS output (alpha 0.633;
# Item_1: corrected item-total correlation 0.712, scale mean if deleted 34.3000, scale
# variance if deleted 108.900, alpha if deleted 0.4…).
DENIS = np.array(
    [
        [10, 12, 15, 11, 12],
        [12, 18, 12, 12, 1],
        [8, 16, 14, 14, 4],
        [6, 8, 16, 8, 6],
        [4, 7, 8, 7, 5],
        [6, 6, 3, 7, 3],
        [3, 4, 6, 5, 8],
        [7, 3, 7, 9, 9],
        [8, 9, 4, 10, 10],
        [9, 5, 6, 11, 12],
    ],
    dtype=float,
)

# www.real-statistics.com (C. Zaiontz), Cronbach's alpha example of 15 respondents × 10
# questions, as stored in pingouin's dataset "cronbach_alpha" and its test, which checks
# alpha 0.592 and the Feldt interval [0.195, 0.840] against R psych::alpha.
REAL_STATISTICS = np.array(
    [
        [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4],
        [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
        [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5],
        [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
        [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3],
        [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
        [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3],
        [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
        [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3],
        [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4],
    ],
    dtype=float,
).T

# real-statistics.com binary (KR-20) example with missing answers, as stored in pingouin's
# dataset "cronbach_wide_missing"; pingouin's test gives R psych::alpha(data, use="pairwise")
# alpha 0.732661 with interval [0.435, 0.909] (n = 12), and alpha 0.801695 with interval
# [0.533, 0.947] for the 9 complete rows.
n = np.nan
BINARY_WITH_MISSING = np.array(
    [
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0],
        [n, 0, 1, 1, n, 1, 1, 1, 1, 0, 0],
        [1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0],
        [0, 1, n, 0, 1, 1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
        [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
        [0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0],
        [1, 0, 0, 1, 0, 1, 0, 0, n, 0, 0],
        [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
        [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
    ]
)


def test_denis_textbook_example_matches_spss_output():
    result = cronbach_alpha(DENIS)
    assert round(result.alpha, 3) == 0.633
    assert (result.n_respondents, result.n_items) == (10, 5)
    assert round(result.item_total_correlations[0], 3) == 0.712
    assert 0.4 <= result.alpha_if_deleted[0] < 0.5
    # SPSS's "scale mean/variance if item deleted" for Item_1, computed the same way.
    rest = DENIS[:, 1:].sum(axis=1)
    assert rest.mean() == pytest.approx(34.3)
    assert rest.var(ddof=1) == pytest.approx(108.9)


def test_real_statistics_example_alpha_and_feldt_interval():
    result = cronbach_alpha(REAL_STATISTICS)
    assert round(result.alpha, 3) == 0.592
    assert (round(result.ci.low, 3), round(result.ci.high, 3)) == (0.195, 0.840)


def test_pairwise_alpha_matches_r_psych():
    result = cronbach_alpha(BINARY_WITH_MISSING, nan_policy="pairwise")
    assert round(result.alpha, 6) == 0.732661
    assert (round(result.ci.low, 3), round(result.ci.high, 3)) == (0.435, 0.909)
    assert result.n_respondents == 12


def test_listwise_alpha_matches_r_psych_on_complete_rows():
    result = cronbach_alpha(BINARY_WITH_MISSING)
    assert round(result.alpha, 6) == 0.801695
    assert result.n_respondents == 9
    assert (round(result.ci.low, 3), round(result.ci.high, 3)) == (0.533, 0.947)


def test_feldt_interval_matches_published_example():
    # C. Evans, R function feldt1.return (MRC CBU statistics wiki, "cafun"):
    # feldt1.return(0.913, 873, 20, 0.95) gives 0.9044024 to 0.9211588.
    ci = _feldt_interval(0.913, 873, 20, 0.95)
    assert ci.low == pytest.approx(0.9044024, abs=5e-8)
    assert ci.high == pytest.approx(0.9211588, abs=5e-8)


def test_two_items_have_no_alpha_if_deleted():
    result = cronbach_alpha([[1, 2], [2, 2], [3, 4], [4, 5]])
    assert result.alpha_if_deleted is None
    assert len(result.item_total_correlations) == 2


def test_identical_items_give_alpha_one_and_a_degenerate_interval():
    column = np.array([1.0, 2, 3, 4, 5, 2, 3])
    result = cronbach_alpha(np.column_stack([column, column, column]))
    assert result.alpha == pytest.approx(1.0)
    assert result.ci.low == pytest.approx(1.0)
    assert result.ci.high == pytest.approx(1.0)


def test_an_item_everybody_answered_the_same_has_undefined_item_total_correlation():
    matrix = np.array([[5, 1, 2], [5, 2, 2], [5, 3, 4], [5, 4, 5]], dtype=float)
    result = cronbach_alpha(matrix)
    assert np.isnan(result.item_total_correlations[0])
    assert not np.isnan(result.item_total_correlations[1])


def test_reverse_worded_item_makes_alpha_negative_not_an_error():
    first = np.array([1.0, 2, 3, 4, 5])
    second = np.array([2.0, 1, 4, 3, 5])
    assert cronbach_alpha(np.column_stack([first, second])).alpha == pytest.approx(8 / 9)
    # The same item worded in reverse and not recoded: 6 - second. Alpha = 2(1 - 5/1) = -8.
    result = cronbach_alpha(np.column_stack([first, 6 - second]))
    assert result.alpha == pytest.approx(-8.0)
    assert result.ci.low < result.alpha < result.ci.high


@pytest.mark.parametrize(
    ("matrix", "kwargs", "message"),
    [
        (np.ones((5, 1)), {}, "at least 2 items"),
        (np.ones(5), {}, "2-dimensional"),
        ([[1, 2]], {}, "at least 2 respondents"),
        ([[1, 2], [np.nan, 3]], {}, "at least 2 respondents who answered every item"),
        ([[1, np.nan], [2, np.nan], [np.nan, 3]], {"nan_policy": "pairwise"}, "fewer than 2"),
        ([[1, 1], [2, 0]], {}, "does not vary"),
        ([[1, 2], [2, 3]], {"nan_policy": "omit"}, "unknown nan_policy"),
        ([[1, 2], [2, 3]], {"confidence_level": 1}, "confidence_level"),
        ([[1, np.inf], [2, 3]], {}, "infinite"),
        ([["a", "b"], ["c", "d"]], {}, "numeric"),
    ],
)
def test_cronbach_alpha_rejects_bad_input(matrix, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cronbach_alpha(matrix, **kwargs)


likert_matrices = hnp.arrays(
    np.float64,
    st.tuples(st.integers(3, 40), st.integers(2, 7)),
    elements=st.integers(1, 5).map(float),
).filter(lambda m: m.sum(axis=1).var() > 0)


@settings(max_examples=60)
@given(likert_matrices)
def test_alpha_equals_the_variance_formula_and_item_statistics_equal_numpy(matrix):
    result = cronbach_alpha(matrix)
    k = matrix.shape[1]
    item_variances = matrix.var(axis=0, ddof=1).sum()
    total_variance = matrix.sum(axis=1).var(ddof=1)
    assert result.alpha == pytest.approx(k / (k - 1) * (1 - item_variances / total_variance))
    assert result.ci.low <= result.alpha <= result.ci.high
    for j in range(k):
        item = matrix[:, j]
        rest = matrix.sum(axis=1) - item
        if item.var() > 0 and rest.var() > 0:
            expected = np.corrcoef(item, rest)[0, 1]
            assert result.item_total_correlations[j] == pytest.approx(expected, abs=1e-9)
        else:
            assert np.isnan(result.item_total_correlations[j])
        if k > 2:
            remaining = np.delete(matrix, j, axis=1)
            if remaining.sum(axis=1).var() > 0:
                expected = cronbach_alpha(remaining).alpha
                assert result.alpha_if_deleted[j] == pytest.approx(expected, abs=1e-9)


@settings(max_examples=40)
@given(likert_matrices, st.floats(-10, 10))
def test_pairwise_equals_listwise_without_missing_answers_and_shift_does_not_matter(matrix, shift):
    listwise = cronbach_alpha(matrix)
    pairwise = cronbach_alpha(matrix, nan_policy="pairwise")
    shifted = cronbach_alpha(matrix + shift)
    assert pairwise.alpha == pytest.approx(listwise.alpha, abs=1e-9)
    assert shifted.alpha == pytest.approx(listwise.alpha, abs=1e-7)
