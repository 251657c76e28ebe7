"""Comparisons from count tables, against published R output and scipy on raw rows."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from analysis import (
    adjust_pvalues,
    chi2_independence,
    dunn_from_counts,
    kruskal_from_counts,
    mann_whitney_from_counts,
    trend_test,
)


def _numbers(text):
    return [int(value) for value in text.split()]


# R datasets::airquality, Ozone (ppb) by Month with NA removed (116 values). Source:
# Chambers, Cleveland, Kleiner & Tukey (1983), Graphical Methods for Data Analysis,
# as shipped with R.
OZONE_BY_MONTH = {
    5: _numbers("41 36 12 18 28 23 19 8 7 16 11 14 18 14 34 6 30 11 1 11 4 32 23 45 115 37"),
    6: _numbers("29 71 39 23 21 37 20 12 13"),
    7: _numbers("135 49 32 64 40 77 97 97 85 10 27 7 48 35 61 79 63 16 80 108 20 52 82 50 64 59"),
    8: _numbers("39 9 16 78 35 66 122 89 110 44 28 65 22 59 23 31 44 21 9 45 168 73 76 118 84 85"),
    9: _numbers(
        "96 78 73 91 47 32 20 23 21 24 44 21 28 9 13 46 18 13 24 16 13 23 36 7 14 30 14 18 20"
    ),
}

# seaborn-data "exercise" (from the R/PMCMR examples): pulse by kind of exercise.
PULSE_BY_KIND = {
    "rest": _numbers(
        "85 85 88 90 92 93 97 97 94 80 82 83 91 92 91 83 83 84 87 88 90 92 94 "
        "95 97 99 96 100 97 100"
    ),
    "walking": _numbers(
        "86 86 84 93 103 104 90 92 93 95 96 100 89 96 95 84 86 89 103 109 90 92 "
        "96 101 97 98 100 102 104 103"
    ),
    "running": _numbers(
        "93 98 110 98 104 112 98 105 99 87 132 120 94 110 116 95 126 143 100 "
        "126 140 103 124 140 94 135 130 99 111 150"
    ),
}


def count_table(groups):
    """Groups of raw values → groups × sorted distinct values count table."""
    levels = np.unique(np.concatenate([np.asarray(g, dtype=float) for g in groups]))
    return np.array([[np.sum(np.asarray(g) == level) for level in levels] for g in groups])


def expand(counts):
    """Counts per level 0..L-1 → raw rows of level numbers."""
    return np.repeat(np.arange(len(counts)), np.asarray(counts, dtype=int))


# --------------------------------------------------------------------------- chi-square


def test_chi2_matches_r_chisq_test_documentation_example():
    # R ?chisq.test: M <- as.table(rbind(c(762, 327, 468), c(484, 239, 477)))
    # (Agresti 2007, Table 2.5, party identification by gender):
    # X-squared = 30.07, df = 2, p-value = 2.954e-07
    result = chi2_independence([[762, 327, 468], [484, 239, 477]])
    assert round(result.statistic, 2) == 30.07
    assert result.dof == 2
    assert result.pvalue == pytest.approx(2.954e-07, rel=1e-3)
    # R: chisq.test(M)$expected, first cell 703.6714
    assert result.expected[0, 0] == pytest.approx(703.6714, abs=1e-4)


def test_g_statistic_matches_agresti():
    # Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed.,
    # section 2.4.4, same table: X² = 30.1 and G² = 30.0 (df = 2).
    result = chi2_independence([[762, 327, 468], [484, 239, 477]], method="g")
    assert round(result.statistic, 1) == 30.0
    assert result.statistic != pytest.approx(30.07, abs=0.01)  # not Pearson's
    assert result.method == "g"


def test_no_continuity_correction_on_two_by_two():
    table = [[12, 5], [7, 15]]
    ours = chi2_independence(table)
    uncorrected = stats.chi2_contingency(table, correction=False)
    corrected = stats.chi2_contingency(table, correction=True)
    assert ours.statistic == pytest.approx(uncorrected.statistic, rel=1e-12)
    assert ours.statistic != pytest.approx(corrected.statistic, rel=1e-3)


def test_empty_row_or_column_is_named():
    with pytest.raises(ValueError, match=r"empty rows: \[1\].*empty columns: \[\]"):
        chi2_independence([[3, 4], [0, 0], [5, 1]])
    with pytest.raises(ValueError, match=r"empty columns: \[2\]"):
        chi2_independence([[3, 4, 0], [5, 1, 0]])


@pytest.mark.parametrize(
    "table",
    [[[1, 2, 3]], [1, 2], [[1, -2], [3, 4]], [], [[np.nan, 1], [1, 1]]],
)
def test_chi2_rejects_bad_tables(table):
    with pytest.raises(ValueError):
        chi2_independence(table)


def test_chi2_rejects_unknown_method():
    with pytest.raises(ValueError, match="unknown method"):
        chi2_independence([[1, 2], [3, 4]], method="yates")


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda rows: st.integers(2, 5).flatmap(
            lambda cols: st.lists(
                st.lists(st.integers(1, 60), min_size=cols, max_size=cols),
                min_size=rows,
                max_size=rows,
            )
        )
    )
)
def test_chi2_equals_scipy(table):
    for method, lambda_ in (("pearson", "pearson"), ("g", "log-likelihood")):
        ours = chi2_independence(table, method=method)
        theirs = stats.chi2_contingency(table, correction=False, lambda_=lambda_)
        assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-9, abs=1e-12)
        assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-15)
        assert ours.dof == theirs.dof


# --------------------------------------------------------------------------- Kruskal–Wallis


def test_kruskal_matches_r_airquality_example():
    # R ?kruskal.test: kruskal.test(Ozone ~ Month, data = airquality)
    # Kruskal-Wallis chi-squared = 29.267, df = 4, p-value = 6.901e-06
    result = kruskal_from_counts(count_table(list(OZONE_BY_MONTH.values())))
    assert round(result.statistic, 3) == 29.267
    assert result.dof == 4
    assert result.pvalue == pytest.approx(6.901e-06, rel=1e-3)


def test_kruskal_matches_hollander_wolfe_example():
    # R ?kruskal.test, Hollander & Wolfe (1973) p. 116, mucociliary efficiency:
    # Kruskal-Wallis chi-squared = 0.77143, df = 2, p-value = 0.68
    x = [2.9, 3.0, 2.5, 2.6, 3.2]
    y = [3.8, 2.7, 4.0, 2.4]
    z = [2.8, 3.4, 3.7, 2.2, 2.0]
    result = kruskal_from_counts(count_table([x, y, z]))
    assert round(result.statistic, 5) == 0.77143
    assert round(result.pvalue, 2) == 0.68


def test_kruskal_leaves_out_groups_without_answers():
    table = [[1, 4, 9, 3, 2], [0, 0, 0, 0, 0], [5, 6, 4, 2, 1], [0, 1, 3, 8, 9]]
    result = kruskal_from_counts(table)
    assert result.groups == (0, 2, 3)
    assert result.dof == 2
    rows = [expand(table[g]) for g in (0, 2, 3)]
    assert result.statistic == pytest.approx(stats.kruskal(*rows).statistic, rel=1e-12)


def test_kruskal_all_answers_on_one_level_reports_no_difference():
    result = kruskal_from_counts([[0, 0, 7, 0], [0, 0, 3, 0]])
    assert (result.statistic, result.pvalue) == (0.0, 1.0)


@pytest.mark.parametrize(
    "table",
    [
        [[1, 2, 3]],  # one group
        [[1, 2, 3], [0, 0, 0]],  # one group with answers
        [[1, 2.5], [3, 4]],  # not whole numbers
        [[1, -1], [3, 4]],
        [1, 2, 3],
    ],
)
def test_kruskal_rejects_bad_tables(table):
    with pytest.raises(ValueError):
        kruskal_from_counts(table)


count_tables = st.integers(2, 5).flatmap(
    lambda groups: st.integers(1, 5).flatmap(
        lambda levels: st.lists(
            st.lists(st.integers(0, 12), min_size=levels, max_size=levels).filter(
                lambda row: sum(row) > 0
            ),
            min_size=groups,
            max_size=groups,
        )
    )
)


@settings(max_examples=150, deadline=None)
@given(count_tables)
def test_kruskal_from_counts_equals_scipy_on_expanded_rows(table):
    result = kruskal_from_counts(table)
    rows = [expand(row) for row in table]
    if len(np.unique(np.concatenate(rows))) == 1:
        assert (result.statistic, result.pvalue) == (0.0, 1.0)
        return
    expected = stats.kruskal(*rows)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-9, abs=1e-9)
    if np.isnan(expected.pvalue):
        # scipy rounds an exactly null table to H = -3e-14 and p = NaN; we report 0 and 1.
        assert result.pvalue == pytest.approx(1.0)
    else:
        assert result.pvalue == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------- Dunn


def test_dunn_matches_r_pmcmr_on_exercise_data():
    # R PMCMR::posthoc.kruskal.dunn.test(pulse ~ kind, p.adjust.method = "holm"),
    # reference values used in scikit-posthocs' test suite (test_posthoc_dunn):
    # rest–walking 4.390066e-02, rest–running 9.570998e-09, walking–running 1.873208e-04
    table = count_table([PULSE_BY_KIND[k] for k in ("rest", "walking", "running")])
    result = dunn_from_counts(table, adjust="holm")
    assert result.pairs == ((0, 1), (0, 2), (1, 2))
    assert_allclose(result.pvalue, [4.390066e-02, 9.570998e-09, 1.873208e-04], rtol=1e-6)
    assert np.all(result.statistic < 0)  # rest < walking < running


def test_dunn_raw_pvalues_and_bh():
    table = count_table([PULSE_BY_KIND[k] for k in ("rest", "walking", "running")])
    raw = dunn_from_counts(table, adjust=None)
    assert_allclose(raw.pvalue, raw.pvalue_unadjusted)
    bh = dunn_from_counts(table, adjust="bh")
    assert_allclose(bh.pvalue, adjust_pvalues(raw.pvalue, method="bh"))
    assert np.all(bh.pvalue >= raw.pvalue)


def test_dunn_two_groups_is_the_kruskal_test():
    # With two groups Dunn's z² is the tie-corrected Kruskal–Wallis H (Dunn 1964).
    table = [[3, 5, 9, 12, 4], [6, 8, 7, 3, 1]]
    z = dunn_from_counts(table, adjust=None).statistic[0]
    assert z**2 == pytest.approx(kruskal_from_counts(table).statistic, rel=1e-12)


def test_dunn_pairs_use_original_row_numbers():
    result = dunn_from_counts([[1, 2, 3], [0, 0, 0], [3, 2, 1]])
    assert result.pairs == ((0, 2),)


def test_dunn_rejects_unknown_adjustment():
    with pytest.raises(ValueError, match="unknown adjust"):
        dunn_from_counts([[1, 2], [3, 4]], adjust="bonferroni")


@settings(max_examples=100, deadline=None)
@given(count_tables)
def test_dunn_z_matches_a_direct_computation_on_raw_rows(table):
    rows = [expand(row) for row in table]
    everything = np.concatenate(rows)
    ranks = stats.rankdata(everything)
    n = everything.size
    _, ties = np.unique(everything, return_counts=True)
    spread = n * (n + 1) / 12 - np.sum(ties**3 - ties) / (12 * (n - 1))
    bounds = np.cumsum([0] + [len(r) for r in rows])
    means = [ranks[bounds[g] : bounds[g + 1]].mean() for g in range(len(rows))]
    result = dunn_from_counts(table, adjust=None)
    for (i, j), z in zip(result.pairs, result.statistic, strict=True):
        if spread <= 0:
            assert z == 0
        else:
            se = np.sqrt(spread * (1 / len(rows[i]) + 1 / len(rows[j])))
            assert z == pytest.approx((means[i] - means[j]) / se, rel=1e-9, abs=1e-12)


# --------------------------------------------------------------------------- Mann–Whitney


def test_mann_whitney_matches_r_wilcox_test_airquality_example():
    # R ?wilcox.test: wilcox.test(Ozone ~ Month, data = airquality,
    #                             subset = Month %in% c(5, 8))
    # W = 127.5, p-value = 0.0001208 (normal approximation, continuity correction, ties)
    table = count_table([OZONE_BY_MONTH[5], OZONE_BY_MONTH[8]])
    result = mann_whitney_from_counts(table[0], table[1])
    assert result.statistic == 127.5
    assert result.pvalue == pytest.approx(0.0001208, rel=1e-3)
    assert result.probability_of_superiority == pytest.approx(127.5 / (26 * 26))


def test_mann_whitney_effect_size_is_probability_of_superiority():
    # A always above B → 1; identical distributions → 0.5.
    assert mann_whitney_from_counts([0, 0, 4], [3, 2, 0]).probability_of_superiority == 1.0
    assert mann_whitney_from_counts([1, 2, 3], [2, 4, 6]).probability_of_superiority == 0.5


def test_mann_whitney_all_tied_reports_no_difference():
    result = mann_whitney_from_counts([0, 5, 0], [0, 9, 0])
    assert result.pvalue == 1.0
    assert result.probability_of_superiority == 0.5


@pytest.mark.parametrize(
    ("a", "b"),
    [([1, 2], [1, 2, 3]), ([0, 0], [1, 2]), ([1, -2], [1, 2]), ([[1, 2]], [[1, 2]])],
)
def test_mann_whitney_rejects_bad_input(a, b):
    with pytest.raises(ValueError):
        mann_whitney_from_counts(a, b)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda levels: st.tuples(
            st.lists(st.integers(0, 15), min_size=levels, max_size=levels).filter(sum),
            st.lists(st.integers(0, 15), min_size=levels, max_size=levels).filter(sum),
            st.booleans(),
        )
    )
)
def test_mann_whitney_equals_scipy_asymptotic(case):
    a, b, continuity = case
    x, y = expand(a), expand(b)
    result = mann_whitney_from_counts(a, b, use_continuity=continuity)
    expected = stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=continuity)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)
    if np.unique(np.concatenate([x, y])).size == 1:
        assert result.pvalue == 1.0
    else:
        assert result.pvalue == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-15)


# --------------------------------------------------------------------------- trend


def test_trend_matches_r_prop_trend_test_documentation_example():
    # R ?prop.trend.test: smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82)
    # prop.trend.test(smokers, patients): X-squared = 8.2249, df = 1, p-value = 0.004132
    result = trend_test([83, 90, 129, 70], [86, 93, 136, 82])
    assert round(result.statistic, 4) == 8.2249
    assert result.pvalue == pytest.approx(0.004132, rel=1e-3)
    assert result.dof == 1
    assert result.direction == "falling"
    assert result.slope < 0


def test_trend_is_part_of_the_r_prop_test_chi_square():
    # R ?prop.test: prop.test(smokers, patients) gives X-squared = 12.6, df = 3,
    # p-value = 0.005585; Armitage (1955) splits it into the trend (1 df) and the
    # departure from trend (2 df), which is what ?prop.trend.test illustrates.
    smokers, patients = [83, 90, 129, 70], [86, 93, 136, 82]
    table = np.column_stack([smokers, np.subtract(patients, smokers)])
    overall = chi2_independence(table)
    assert round(overall.statistic, 1) == 12.6
    assert overall.pvalue == pytest.approx(0.005585, rel=1e-3)
    trend = trend_test(smokers, patients)
    assert 0 < trend.statistic < overall.statistic


def test_trend_with_two_level_scores_is_the_pooled_two_by_two_chi_square():
    # With scores (0, 0, 0, 1) the trend statistic is Pearson's X² for the first
    # three groups pooled against the fourth (R: prop.trend.test(smokers, patients,
    # c(0, 0, 0, 1))).
    # R prints X-squared = 12.173, df = 1, p-value = 0.0004848.
    result = trend_test([83, 90, 129, 70], [86, 93, 136, 82], scores=[0, 0, 0, 1])
    pooled = chi2_independence([[302, 13], [70, 12]])
    assert result.statistic == pytest.approx(pooled.statistic, rel=1e-12)
    assert round(result.statistic, 3) == 12.173
    assert result.pvalue == pytest.approx(0.0004848, abs=5e-8)


def test_trend_rising_quarters():
    result = trend_test([70, 75, 82, 88], [100, 100, 100, 100])
    assert result.direction == "rising"
    assert result.slope == pytest.approx(0.061)
    assert result.pvalue < 0.01


def test_trend_is_the_armitage_score_test():
    # Cochran–Armitage (Armitage 1955): X² = [Σ x_i (s_i − s̄)]² / (p(1−p) Σ n_i (s_i − s̄)²)
    x, n, s = np.array([5, 9, 14]), np.array([40, 42, 45]), np.array([0.0, 1.0, 3.0])
    p = x.sum() / n.sum()
    s_bar = (n * s).sum() / n.sum()
    expected = (x * (s - s_bar)).sum() ** 2 / (p * (1 - p) * (n * (s - s_bar) ** 2).sum())
    assert trend_test(x, n, s).statistic == pytest.approx(expected, rel=1e-12)


def test_trend_periods_without_answers_carry_no_weight():
    with_gap = trend_test([40, 0, 50, 60], [80, 0, 80, 80], scores=[1, 2, 3, 4])
    without = trend_test([40, 50, 60], [80, 80, 80], scores=[1, 3, 4])
    assert with_gap.statistic == pytest.approx(without.statistic, rel=1e-12)


def test_trend_all_or_none_satisfied_is_flat():
    result = trend_test([10, 20, 30], [10, 20, 30])
    assert (result.statistic, result.pvalue, result.direction) == (0.0, 1.0, "flat")


@pytest.mark.parametrize(
    ("successes", "totals", "scores"),
    [
        ([5, 6], [4, 10], None),  # successes > totals
        ([5], [10], None),  # one period
        ([1, 2], [3, 4, 5], None),
        ([1, 2], [3, 4], [1, 1]),  # constant scores
        ([1, 2], [3, 4], [1, np.inf]),
        ([0, 0], [0, 0], None),
    ],
)
def test_trend_rejects_bad_input(successes, totals, scores):
    with pytest.raises(ValueError):
        trend_test(successes, totals, scores)


# --------------------------------------------------------------------------- p.adjust


def test_adjust_matches_r_p_adjust():
    # R: p.adjust(c(0.001, 0.01, 0.05, 0.1, 0.5, 0.9), "holm") and "BH"
    p = [0.001, 0.01, 0.05, 0.1, 0.5, 0.9]
    assert_allclose(adjust_pvalues(p, "holm"), [0.006, 0.05, 0.2, 0.3, 1.0, 1.0])
    assert_allclose(adjust_pvalues(p, "bh"), [0.006, 0.03, 0.1, 0.15, 0.6, 0.9])


def test_adjust_reproduces_benjamini_hochberg_1995_example():
    # Benjamini & Hochberg (1995), section 4.1: 15 p-values from Neuhaus et al. (1992);
    # at level 0.05 the BH procedure rejects the 4 smallest, Holm's (Bonferroni-type)
    # procedure only the 3 smallest.
    p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344]
    p += [0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]
    assert np.sum(adjust_pvalues(p, "bh") <= 0.05) == 4
    assert np.sum(adjust_pvalues(p, "holm") <= 0.05) == 3
    # BH adjusted value of the 4th: min over j >= 4 of 15 p_(j) / j = 15 * 0.0095 / 4
    assert adjust_pvalues(p, "bh")[3] == pytest.approx(0.035625)


def test_adjust_keeps_input_order():
    assert_allclose(adjust_pvalues([0.04, 0.01, 0.03], "holm"), [0.06, 0.03, 0.06])


@pytest.mark.parametrize("pvalues", [[], [0.1, 1.2], [-0.1], [np.nan], [[0.1, 0.2]], ["a"]])
def test_adjust_rejects_bad_pvalues(pvalues):
    with pytest.raises(ValueError):
        adjust_pvalues(pvalues)


def test_adjust_rejects_unknown_method():
    with pytest.raises(ValueError, match="unknown method"):
        adjust_pvalues([0.1, 0.2], method="bonferroni")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30),
    st.sampled_from(["holm", "bh"]),
)
def test_adjusted_pvalues_are_larger_bounded_and_monotone(p, method):
    raw = np.array(p)
    adjusted = adjust_pvalues(raw, method)
    assert np.all(adjusted >= raw - 1e-15)
    assert np.all(adjusted <= 1.0)
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(adjusted[order]) >= -1e-15)
    if method == "bh":
        assert np.all(adjusted <= adjust_pvalues(raw, "holm") + 1e-15)
