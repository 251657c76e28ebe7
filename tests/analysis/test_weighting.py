"""Post-stratification, raking, design effects and weighted proportions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from analysis import design_effect, poststratify, rake, weighted_proportion

# --------------------------------------------------------------------------- design effect


def test_design_effect_is_one_plus_squared_cv_of_weights():
    # Kish (1965, section 11.7; 1992, JOS 8:183, eq. 3): deff = n Σw²/(Σw)² = 1 + CV²(w),
    # CV with divisor n. Two equal halves with weights 1 and 2: 1 + (0.5/1.5)² = 10/9.
    result = design_effect([1, 1, 2, 2])
    assert result.design_effect == pytest.approx(10 / 9)
    assert result.effective_n == pytest.approx(3.6)
    w = np.array([0.5, 1.2, 3.0, 0.8, 1.1, 2.4])
    assert design_effect(w).design_effect == pytest.approx(1 + (w.std() / w.mean()) ** 2)


def test_equal_weights_lose_nothing():
    result = design_effect(np.full(37, 2.5))
    assert result.design_effect == pytest.approx(1.0)
    assert result.effective_n == pytest.approx(37)


@pytest.mark.parametrize("weights", [[], [1, 0, 2], [1, -1], [1, np.inf], [[1, 2]]])
def test_design_effect_rejects_bad_weights(weights):
    with pytest.raises(ValueError):
        design_effect(weights)


# --------------------------------------------------------------------------- weighted proportion


def test_equal_weights_give_the_srs_variance():
    # Cochran (1977), eq. 3.11 without finite-population correction: v(p) = p q / (n − 1),
    # which is what survey::svymean reports for equal weights.
    y = np.array([1] * 33 + [0] * 7)
    result = weighted_proportion(y, np.ones(40))
    p = 33 / 40
    assert result.rate == pytest.approx(p)
    assert result.standard_error == pytest.approx(np.sqrt(p * (1 - p) / 39))


def test_linearisation_formula_of_svymean():
    # Lumley (2010), Complex Surveys, section 2.2 / Särndal et al. (1992) eq. 5.6.8 with
    # independent units: SE² = n/(n − 1) Σ w_i² (y_i − p)² / (Σ w_i)².
    y = np.array([1, 1, 0, 1, 0, 1, 1])
    w = np.array([1.0, 2.0, 1.5, 0.5, 3.0, 1.0, 2.0])
    p = (w * y).sum() / w.sum()
    se = np.sqrt(7 / 6 * np.sum(w**2 * (y - p) ** 2) / w.sum() ** 2)
    result = weighted_proportion(y, w)
    assert result.rate == pytest.approx(p)
    assert result.standard_error == pytest.approx(se)
    assert result.n == 7


def test_weights_only_matter_relative_to_each_other():
    y = [True, False, True, True, False]
    w = np.array([1.0, 2.0, 0.5, 1.5, 1.0])
    assert weighted_proportion(y, w) == weighted_proportion(y, 10 * w)


@pytest.mark.parametrize(
    ("y", "w"),
    [
        ([1], [1.0]),
        ([1, 2], [1.0, 1.0]),
        ([1, 0], [1.0]),
        ([1, 0], [1.0, 0.0]),
        ([[1, 0]], [[1, 1]]),
    ],
)
def test_weighted_proportion_rejects_bad_input(y, w):
    with pytest.raises(ValueError):
        weighted_proportion(y, w)


# --------------------------------------------------------------------------- post-stratification


def test_poststratified_rate_and_variance_follow_cochran():
    # Cochran (1977), section 5A.9: p_pst = Σ W_h p_h, v = Σ W_h² p_h q_h / (n_h − 1).
    n, x, population = [60, 40], [54, 28], [4000, 6000]
    result = poststratify(n, x, population)
    assert result.rate == pytest.approx(0.4 * 0.9 + 0.6 * 0.7)
    variance = 0.4**2 * 0.9 * 0.1 / 59 + 0.6**2 * 0.7 * 0.3 / 39
    assert result.standard_error == pytest.approx(np.sqrt(variance))
    assert_allclose(result.weights, [4000 / 60, 6000 / 40])


def test_population_shares_and_counts_give_the_same_rate():
    counts = poststratify([60, 40], [54, 28], [4000, 6000])
    shares = poststratify([60, 40], [54, 28], [0.4, 0.6])
    assert shares.rate == pytest.approx(counts.rate)
    assert shares.standard_error == pytest.approx(counts.standard_error)
    assert shares.design_effect == pytest.approx(counts.design_effect)
    assert np.sum(np.array([60, 40]) * shares.weights) == pytest.approx(100)


def test_poststratified_rate_is_the_weighted_proportion_of_respondents():
    n, x, population = np.array([30, 50, 20]), np.array([20, 45, 9]), np.array([500, 300, 200])
    result = poststratify(n, x, population)
    y = np.concatenate([np.r_[np.ones(xi), np.zeros(ni - xi)] for ni, xi in zip(n, x, strict=True)])
    w = np.repeat(result.weights, n)
    assert result.rate == pytest.approx(weighted_proportion(y, w).rate)
    assert result.design_effect == pytest.approx(design_effect(w).design_effect)


def test_proportional_sample_needs_no_reweighting():
    result = poststratify([40, 60], [30, 50], [400, 600])
    assert result.rate == pytest.approx(80 / 100)
    assert result.design_effect == pytest.approx(1.0)


def test_stratum_without_population_is_ignored():
    with_empty = poststratify([30, 20, 5], [27, 10, 5], [600, 400, 0])
    without = poststratify([30, 20], [27, 10], [600, 400])
    assert with_empty.rate == pytest.approx(without.rate)
    assert with_empty.weights[2] == 0


@pytest.mark.parametrize(
    ("n", "x", "population", "message"),
    [
        ([30, 0], [20, 0], [50, 50], "no respondents"),
        ([30, 1], [20, 1], [50, 50], "single respondent"),
        ([30, 10], [31, 5], [50, 50], "exceed"),
        ([30, 10], [20, 5], [0, 0], "all zero"),
        ([30, 10], [20, 5], [50, 50, 1], "one value per stratum"),
        ([30, 10.5], [20, 5], [50, 50], "whole numbers"),
    ],
)
def test_poststratify_rejects_bad_input(n, x, population, message):
    with pytest.raises(ValueError, match=message):
        poststratify(n, x, population)


# --------------------------------------------------------------------------- raking


def test_rake_of_uniform_seed_is_the_independence_table():
    # Bishop, Fienberg & Holland (1975), Discrete Multivariate Analysis, ch. 3: with a seed
    # of ones IPF converges after one cycle to row total × column total / grand total.
    rows, columns = np.array([150.0, 300, 400, 150]), np.array([200.0, 300, 400, 100])
    result = rake(np.ones((4, 4)), [rows, columns])
    assert_allclose(result.fitted, np.outer(rows, columns) / 1000)
    assert result.iterations == 1


def test_rake_two_by_two_keeps_the_odds_ratio():
    # Mosteller (1968), JASA 63:1: raking keeps the cross-product ratio. A 2 × 2 table
    # with margins (60, 40) × (50, 50) and odds ratio 40·20/(30·10) = 8/3 has first
    # cell a solving a(a − 10) = 8/3 (60 − a)(50 − a), i.e. 5a² − 850a + 24000 = 0.
    result = rake([[40, 30], [10, 20]], [[60, 40], [50, 50]])
    a = (850 - np.sqrt(850**2 - 4 * 5 * 24000)) / 10
    assert_allclose(result.fitted, [[a, 60 - a], [50 - a, a - 10]], rtol=1e-9)


def test_rake_classic_four_by_four_example():
    # The 4 × 4 example of the Wikipedia article "Iterative proportional fitting":
    # seed rows (40 30 20 10 | 35 50 100 75 | 30 80 70 120 | 20 30 40 50),
    # targets rows (150, 300, 400, 150) and columns (200, 300, 400, 100).
    seed = np.array([[40, 30, 20, 10], [35, 50, 100, 75], [30, 80, 70, 120], [20, 30, 40, 50]])
    rows, columns = [150, 300, 400, 150], [200, 300, 400, 100]
    fitted = rake(seed, [rows, columns]).fitted
    assert_allclose(fitted.sum(axis=1), rows, rtol=1e-9)
    assert_allclose(fitted.sum(axis=0), columns, rtol=1e-9)

    # every local odds ratio of the seed is kept (Mosteller 1968)
    def local_odds(t):
        return t[:-1, :-1] * t[1:, 1:] / (t[:-1, 1:] * t[1:, :-1])

    assert_allclose(local_odds(fitted), local_odds(seed.astype(float)), rtol=1e-8)


def test_rake_three_way_table():
    generator = np.random.default_rng(3)
    seed = generator.integers(1, 20, size=(3, 4, 2)).astype(float)
    margins = [np.array([50.0, 30, 20]), np.array([10.0, 20, 30, 40]), np.array([45.0, 55])]
    fitted = rake(seed, margins).fitted
    assert_allclose(fitted.sum(axis=(1, 2)), margins[0], rtol=1e-9)
    assert_allclose(fitted.sum(axis=(0, 2)), margins[1], rtol=1e-9)
    assert_allclose(fitted.sum(axis=(0, 1)), margins[2], rtol=1e-9)


def test_rake_on_one_axis_is_poststratification():
    sample = np.array([60.0, 40.0])
    fitted = rake(sample, [np.array([40.0, 60.0])]).fitted
    assert_allclose(fitted / sample, poststratify([60, 40], [54, 28], [0.4, 0.6]).weights)


def test_structural_zeros_stay_zero():
    fitted = rake([[0, 5, 5], [5, 0, 5], [5, 5, 0]], [[10, 10, 10], [10, 10, 10]]).fitted
    assert np.all(np.diag(fitted) == 0)
    assert_allclose(fitted.sum(axis=0), 10)


@pytest.mark.parametrize(
    ("seed", "margins", "message"),
    [
        ([[1, 2], [3, 4]], [[5, 5], [4, 5]], "same total"),
        ([[1, 2], [3, 4]], [[5, 5]], "one target array per axis"),
        ([[1, 2], [3, 4]], [[5, 5], [3, 3, 4]], "length 2"),
        ([[1, 2], [3, 4]], [[5, 5], [11, -1]], "non-negative"),
        ([[0, 0], [3, 4]], [[5, 5], [5, 5]], "seed is all zero"),
        ([[1, 0], [0, 1]], [[1, 1], [2, 0]], "did not converge"),
        ([[1, -2], [3, 4]], [[5, 5], [5, 5]], "negative"),
    ],
)
def test_rake_rejects_impossible_problems(seed, margins, message):
    with pytest.raises(ValueError, match=message):
        rake(seed, margins)


def test_rake_rejects_bad_settings():
    with pytest.raises(ValueError, match="max_iter"):
        rake([[1, 2], [3, 4]], [[5, 5], [5, 5]], max_iter=0)
    with pytest.raises(ValueError, match="tol"):
        rake([[1, 2], [3, 4]], [[5, 5], [5, 5]], tol=-1)


positive_tables = st.integers(2, 5).flatmap(
    lambda rows: st.integers(2, 5).flatmap(
        lambda columns: st.tuples(
            st.lists(
                st.lists(st.integers(1, 50), min_size=columns, max_size=columns),
                min_size=rows,
                max_size=rows,
            ),
            st.lists(st.integers(1, 100), min_size=rows, max_size=rows),
            st.lists(st.integers(1, 100), min_size=columns, max_size=columns),
        )
    )
)


@settings(max_examples=100, deadline=None)
@given(positive_tables)
def test_rake_meets_margins_and_keeps_odds_ratios(case):
    seed, row_weights, column_weights = (np.array(part, dtype=float) for part in case)
    total = 1000.0
    rows = row_weights / row_weights.sum() * total
    columns = column_weights / column_weights.sum() * total
    result = rake(seed, [rows, columns])
    assert_allclose(result.fitted.sum(axis=1), rows, rtol=1e-8)
    assert_allclose(result.fitted.sum(axis=0), columns, rtol=1e-8)
    ratio = result.fitted / seed
    # fitted = diag(r) · seed · diag(c): the ratio table has rank one
    assert_allclose(ratio * ratio[0, 0], np.outer(ratio[:, 0], ratio[0, :]), rtol=1e-7)
