"""Proportion intervals, satisfaction rates, mean scores and NPS against published values."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from analysis import (
    ConfidenceInterval,
    mean_score,
    nps,
    proportion_ci,
    satisfaction_rate,
    wilson_lower_bound,
)
from analysis._proportions import PROPORTION_CI_METHODS

# Newcombe R. G. (1998), "Two-sided confidence intervals for the single proportion: comparison
# of seven methods", Statistics in Medicine 17:857-872, Table I (95 %, four decimals).
# Method 1 = Wald ("simple asymptotic"), 3 = Wilson score, 4 = score with continuity
# correction, 5 = Clopper-Pearson ("exact"). Newcombe prints "<0.0000" for the negative Wald
# limit of 1/29; our Wald interval is clipped to [0, 1], so 0.
NEWCOMBE_TABLE_I = {
    (81, 263): {
        "wald": (0.2522, 0.3638),
        "wilson": (0.2553, 0.3662),
        "wilson_cc": (0.2535, 0.3682),
        "clopper_pearson": (0.2527, 0.3676),
    },
    (15, 148): {
        "wald": (0.0527, 0.1500),
        "wilson": (0.0624, 0.1605),
        "wilson_cc": (0.0598, 0.1644),
        "clopper_pearson": (0.0578, 0.1617),
    },
    (0, 20): {
        "wald": (0.0, 0.0),
        "wilson": (0.0, 0.1611),
        "wilson_cc": (0.0, 0.2005),
        "clopper_pearson": (0.0, 0.1684),
    },
    (1, 29): {
        "wald": (0.0, 0.1009),
        "wilson": (0.0061, 0.1718),
        "wilson_cc": (0.0018, 0.1963),
        "clopper_pearson": (0.0009, 0.1776),
    },
}


@pytest.mark.parametrize(
    ("successes", "n", "method"),
    [(x, n, method) for (x, n), table in NEWCOMBE_TABLE_I.items() for method in table],
)
def test_intervals_match_newcombe_1998_table_1(successes, n, method):
    low, high = NEWCOMBE_TABLE_I[(successes, n)][method]
    ci = proportion_ci(successes, n, method=method)
    assert round(ci.low, 4) == pytest.approx(low, abs=1e-12)
    assert round(ci.high, 4) == pytest.approx(high, abs=1e-12)


# R package binom, binom.confint(x, n, tol = 1e-8), as stored by statsmodels in
# statsmodels/stats/tests/results/results_proportion.py. binom's method names: "agresti-coull",
# "asymptotic" (Wald), "exact" (Clopper-Pearson), "wilson", "prop.test" (score interval with
# continuity correction, Newcombe's method 4) and "bayes" (Jeffreys prior beta(1/2, 1/2)).
# binom does not clip Agresti-Coull and Wald to [0, 1]; we do, so the reference is clipped.
# binom's "bayes" is the equal-tailed Jeffreys interval only away from the boundary (near x = 0
# or x = n it switches to a highest-density interval), so Jeffreys is checked on 18/20, 4/20
# and 4/200 only.
R_BINOM = {
    (18, 20): {
        "agresti_coull": (0.6867561125596077, 0.984343760998137),
        "wald": (0.768521618913513, 1.031478381086487),
        "jeffreys": (0.716146742695748, 0.97862751197755),
        "clopper_pearson": (0.6830172859809176, 0.9876514728297052),
        "wilson_cc": (0.668722403162941, 0.982487361226571),
        "wilson": (0.6989663547715128, 0.972133518786232),
    },
    (4, 20): {
        "agresti_coull": (0.0749115102767071, 0.4217635845549845),
        "wald": (0.0246954918846837, 0.3753045081153163),
        "jeffreys": (0.07152005247873425, 0.4082257625169254),
        "clopper_pearson": (0.05733399705003284, 0.436614002996668),
        "wilson_cc": (0.0661062308910436, 0.442686245059445),
        "wilson": (0.0806576625797981, 0.4160174322518935),
    },
    (4, 200): {
        "agresti_coull": (0.005991954548218395, 0.0520995587739575),
        "wald": (0.000597346459104517, 0.0394026535408955),
        "jeffreys": (0.00678759879519299, 0.0468465669668423),
        "clopper_pearson": (0.005475565879556443, 0.05041360908989634),
        "wilson_cc": (0.00642601313670221, 0.0537574613520185),
        "wilson": (0.00780442641634947, 0.05028708690582643),
    },
    (190, 200): {
        "agresti_coull": (0.909307307911624, 0.973731898348837),
        "wald": (0.919794926420966, 0.980205073579034),
        "clopper_pearson": (0.9099724622986486, 0.975765834527891),
        "wilson_cc": (0.9073089225133698, 0.974392083257476),
        "wilson": (0.910421851861224, 0.972617354399236),
    },
    (1, 30): {
        "agresti_coull": (-8.305484e-03, 0.18091798),
        "wald": (-3.090070e-02, 0.09756737),
        "clopper_pearson": (8.435709e-04, 0.17216946),
        "wilson_cc": (1.742467e-03, 0.19053022),
        "wilson": (5.908590e-03, 0.16670391),
    },
    (29, 30): {
        "agresti_coull": (0.8190820, 1.0083055),
        "wald": (0.9024326, 1.0309007),
        "clopper_pearson": (0.8278305, 0.9991564),
        "wilson_cc": (0.8094698, 0.9982575),
        "wilson": (0.8332961, 0.9940914),
    },
    (0, 30): {
        "agresti_coull": (0.0, 0.13471170),
        "wald": (0.0, 0.0),
        "clopper_pearson": (0.0, 0.11570331),
        "wilson_cc": (0.0, 0.14132048),
        "wilson": (0.0, 0.11351339),
    },
    (30, 30): {
        "agresti_coull": (0.8652883, 1.0),
        "wald": (1.0, 1.0),
        "clopper_pearson": (0.8842967, 1.0),
        "wilson_cc": (0.8586795, 1.0),
        "wilson": (0.8864866, 1.0),
    },
}


@pytest.mark.parametrize(
    ("successes", "n", "method"),
    [(x, n, method) for (x, n), table in R_BINOM.items() for method in table],
)
def test_intervals_match_r_binom_confint(successes, n, method):
    low, high = R_BINOM[(successes, n)][method]
    ci = proportion_ci(successes, n, method=method)
    assert ci.low == pytest.approx(min(max(low, 0.0), 1.0), abs=1e-7)
    assert ci.high == pytest.approx(min(max(high, 0.0), 1.0), abs=1e-7)


@pytest.mark.parametrize("n", [1, 7, 30, 263])
def test_exact_and_jeffreys_ends_are_exactly_zero_and_one_at_the_boundary(n):
    # Clopper & Pearson (1934); Brown, Cai & DasGupta (2001), section 4.1.2: the Jeffreys
    # interval's lower end is set to 0 at x = 0 and its upper end to 1 at x = n.
    for method in ("clopper_pearson", "jeffreys", "wilson", "wilson_cc", "agresti_coull"):
        assert proportion_ci(0, n, method=method).low == 0.0
        assert proportion_ci(n, n, method=method).high == 1.0
    # Clopper-Pearson upper end at x = 0 is 1 - (alpha/2)^(1/n).
    assert proportion_ci(0, n, method="clopper_pearson").high == pytest.approx(
        1 - 0.025 ** (1 / n), rel=1e-12
    )


def test_wilson_at_other_confidence_levels():
    # Wilson (1927) closed form at 99 %: z = 2.5758293035489; for 81/263 the interval is
    # centre ± half with centre (x + z²/2)/(n + z²) = 0.312003..., so check against it directly.
    z = stats.norm.ppf(0.995)
    p = 81 / 263
    centre = (81 + z**2 / 2) / (263 + z**2)
    half = z * math.sqrt(263) / (263 + z**2) * math.sqrt(p * (1 - p) + z**2 / (4 * 263))
    ci = proportion_ci(81, 263, confidence_level=0.99)
    assert ci.low == pytest.approx(centre - half, rel=1e-12)
    assert ci.high == pytest.approx(centre + half, rel=1e-12)
    assert ci.low < proportion_ci(81, 263).low


def test_wilson_lower_bound_is_vectorised_and_equals_the_interval_end():
    successes = np.array([0, 3, 95, 81, 15])
    n = np.array([10, 3, 100, 263, 148])
    bounds = wilson_lower_bound(successes, n)
    assert isinstance(bounds, np.ndarray)
    assert bounds.shape == (5,)
    expected = [proportion_ci(int(x), int(m)).low for x, m in zip(successes, n, strict=True)]
    np.testing.assert_allclose(bounds, expected, rtol=1e-12, atol=0)
    # Newcombe (1998) Table I, Wilson lower limits.
    assert round(wilson_lower_bound(81, 263), 4) == 0.2553
    assert isinstance(wilson_lower_bound(81, 263), float)
    # A small perfect unit ranks below a large, nearly perfect one.
    assert wilson_lower_bound(3, 3) < wilson_lower_bound(95, 100)


def test_wilson_lower_bound_ranks_a_thousand_units_at_once():
    rng = np.random.default_rng(1)
    n = rng.integers(1, 500, size=1000)
    successes = rng.binomial(n, 0.8)
    bounds = wilson_lower_bound(successes, n, confidence_level=0.9)
    assert bounds.shape == (1000,)
    assert np.all((bounds >= 0) & (bounds <= successes / n))


@pytest.mark.parametrize(
    ("successes", "n", "message"),
    [
        (0, 0, "n must be at least 1"),
        (5, 4, "must not exceed n"),
        (-1, 4, "negative"),
        (1.5, 4, "whole numbers"),
        (1, float("nan"), "finite"),
        ("a", 4, "numeric"),
    ],
)
def test_proportion_ci_rejects_bad_counts(successes, n, message):
    with pytest.raises(ValueError, match=message):
        proportion_ci(successes, n)


def test_proportion_ci_rejects_bad_level_and_method():
    with pytest.raises(ValueError, match="confidence_level"):
        proportion_ci(1, 2, confidence_level=1.0)
    with pytest.raises(ValueError, match="confidence_level"):
        proportion_ci(1, 2, confidence_level=0)
    with pytest.raises(ValueError, match="unknown method 'exact'"):
        proportion_ci(1, 2, method="exact")
    with pytest.raises(ValueError, match="single numbers"):
        proportion_ci([1, 2], [3, 4])


def test_wilson_lower_bound_rejects_bad_input():
    with pytest.raises(ValueError, match="n must be at least 1"):
        wilson_lower_bound([1, 0], [2, 0])
    with pytest.raises(ValueError, match="same shape"):
        wilson_lower_bound([1, 2, 3], [4, 5])
    with pytest.raises(ValueError, match="must not exceed n"):
        wilson_lower_bound([3], [2])


counts_and_n = st.integers(min_value=1, max_value=2000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)
levels = st.floats(min_value=0.5, max_value=0.999)


@given(counts_and_n, levels, st.sampled_from(PROPORTION_CI_METHODS))
def test_interval_is_inside_unit_range_and_contains_the_estimate(x_n, level, method):
    x, n = x_n
    ci = proportion_ci(x, n, confidence_level=level, method=method)
    assert 0.0 <= ci.low <= x / n <= ci.high <= 1.0


@given(counts_and_n, levels, st.sampled_from(PROPORTION_CI_METHODS))
def test_interval_is_symmetric_under_swapping_successes_and_failures(x_n, level, method):
    x, n = x_n
    ci = proportion_ci(x, n, confidence_level=level, method=method)
    mirror = proportion_ci(n - x, n, confidence_level=level, method=method)
    assert ci.low == pytest.approx(1.0 - mirror.high, abs=1e-9)
    assert ci.high == pytest.approx(1.0 - mirror.low, abs=1e-9)


@given(counts_and_n, st.sampled_from(PROPORTION_CI_METHODS))
def test_higher_confidence_gives_a_wider_interval(x_n, method):
    x, n = x_n
    narrow = proportion_ci(x, n, confidence_level=0.8, method=method)
    wide = proportion_ci(x, n, confidence_level=0.99, method=method)
    assert wide.low <= narrow.low + 1e-12
    assert wide.high >= narrow.high - 1e-12


# --- satisfaction_rate -------------------------------------------------------------------


def test_satisfaction_rate_counts_levels_four_and_five_as_in_sipas():
    # SIPAS rule (Bộ Nội vụ): rate = (n4 + n5) / answers excluding "không áp dụng".
    result = satisfaction_rate([3, 5, 10, 40, 42])
    assert result.rate == 0.82
    assert (result.successes, result.n) == (82, 100)
    assert result.ci == proportion_ci(82, 100)


def test_satisfaction_rate_with_other_scale_and_method():
    # The one-stop three-level scale: 1 Không hài lòng, 2 Hài lòng, 3 Rất hài lòng.
    result = satisfaction_rate(
        [15, 100, 148], levels=(1, 2, 3), satisfied=(2, 3), method="clopper_pearson"
    )
    assert (result.successes, result.n) == (248, 263)
    # The exact interval for 248 satisfied of 263 mirrors the one for the 15 unsatisfied.
    unsatisfied = proportion_ci(15, 263, method="clopper_pearson")
    assert result.ci.low == pytest.approx(1 - unsatisfied.high, abs=1e-12)
    assert result.ci.high == pytest.approx(1 - unsatisfied.low, abs=1e-12)


def test_satisfaction_rate_all_satisfied_and_none_satisfied():
    # Newcombe (1998) Table I, 0/20 with the Wilson interval, and its mirror image.
    none = satisfaction_rate([20, 0, 0, 0, 0])
    assert none.rate == 0.0
    assert (round(none.ci.low, 4), round(none.ci.high, 4)) == (0.0, 0.1611)
    full = satisfaction_rate([0, 0, 0, 0, 20])
    assert full.rate == 1.0
    assert (round(full.ci.low, 4), round(full.ci.high, 4)) == (0.8389, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"counts": [0, 0, 0, 0, 0]}, "no satisfaction rate without answers"),
        ({"counts": [1, 2, 3]}, "counts has 3 entries but levels has 5"),
        ({"counts": [1, 2, 3, 4, -1]}, "negative"),
        ({"counts": [1, 2, 3, 4, 5], "satisfied": (4, 6)}, r"satisfied levels \[6.0\]"),
        ({"counts": [1, 2, 3, 4, 5], "satisfied": ()}, "at least one level"),
        ({"counts": [1, 2, 3, 4, 5], "levels": (1, 1, 2, 3, 4)}, "distinct"),
        ({"counts": [[1, 2], [3, 4]]}, "1-dimensional"),
        ({"counts": [1, 2, 3, 4, 5], "method": "bayes"}, "unknown method"),
    ],
)
def test_satisfaction_rate_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        satisfaction_rate(**kwargs)


five_level_counts = st.lists(st.integers(min_value=0, max_value=60), min_size=5, max_size=5).filter(
    lambda counts: sum(counts) > 0
)


@given(five_level_counts)
def test_satisfaction_rate_equals_the_share_in_expanded_rows(counts):
    rows = np.repeat(np.arange(1, 6), counts)
    result = satisfaction_rate(counts)
    assert result.n == rows.size
    assert result.rate == pytest.approx(np.mean(rows >= 4), abs=1e-15)
    assert result.ci.low <= result.rate <= result.ci.high


# --- mean_score ------------------------------------------------------------------------------


def test_mean_score_matches_student_sleep_data_t_interval():
    # Student (1908) sleep data; R documentation of t.test, example
    # t.test(extra ~ group, data = sleep, paired = TRUE): the ten differences (group 2 - group 1)
    # 1.2 2.4 1.3 1.3 0.0 1.0 1.8 0.8 4.6 1.4 have mean 1.58 and 95 % interval
    # [0.7001142, 2.4598858] (R prints it with the opposite sign for group 1 - group 2).
    levels = (0.0, 0.8, 1.0, 1.2, 1.3, 1.4, 1.8, 2.4, 4.6)
    counts = (1, 1, 1, 1, 2, 1, 1, 1, 1)
    result = mean_score(counts, levels=levels)
    assert result.n == 10
    assert result.mean == pytest.approx(1.58, abs=1e-12)
    assert result.ci.low == pytest.approx(0.7001142, abs=5e-8)
    assert result.ci.high == pytest.approx(2.4598858, abs=5e-8)
    # t = mean / (sd / sqrt(n)) = 4.0621 as printed by R.
    assert result.mean / (result.sd / math.sqrt(10)) == pytest.approx(4.0621, abs=5e-5)


def test_mean_score_single_answer_has_no_sd_and_no_interval():
    result = mean_score([0, 0, 0, 1, 0])
    assert (result.mean, result.sd, result.n, result.ci) == (4.0, None, 1, None)


def test_mean_score_all_equal_answers_give_a_zero_width_interval():
    result = mean_score([0, 0, 0, 0, 7])
    assert result.sd == 0.0
    assert result.ci == ConfidenceInterval(5.0, 5.0)


def test_mean_score_interval_is_clipped_to_the_scale():
    # Two answers 4 and 5: the t-interval 4.5 ± 12.706 · 0.5 would leave the 1..5 scale.
    result = mean_score([0, 0, 0, 1, 1])
    assert result.ci == ConfidenceInterval(1.0, 5.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"counts": [0, 0, 0, 0, 0]}, "no mean score without answers"),
        ({"counts": [1, 2]}, "counts has 2 entries"),
        ({"counts": [1, 2, 3, 4, 5], "confidence_level": 95}, "confidence_level"),
        ({"counts": [1, 2.5, 3, 4, 5]}, "whole numbers"),
        ({"counts": [1, 2], "levels": (1, float("inf"))}, "finite"),
    ],
)
def test_mean_score_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mean_score(**kwargs)


@given(five_level_counts.filter(lambda counts: sum(counts) >= 2), levels)
def test_mean_score_equals_numpy_and_scipy_on_expanded_rows(counts, level):
    rows = np.repeat(np.arange(1, 6, dtype=float), counts)
    result = mean_score(counts, confidence_level=level)
    assert result.mean == pytest.approx(rows.mean(), rel=1e-12)
    assert result.sd == pytest.approx(rows.std(ddof=1), rel=1e-9, abs=1e-12)
    if result.sd > 0:
        low, high = stats.t.interval(level, rows.size - 1, rows.mean(), stats.sem(rows))
        assert result.ci.low == pytest.approx(max(low, 1.0), rel=1e-9)
        assert result.ci.high == pytest.approx(min(high, 5.0), rel=1e-9)
    assert result.ci.low <= result.mean <= result.ci.high


# --- nps ---------------------------------------------------------------------------------------


def test_nps_matches_the_multinomial_variance_worked_example():
    # W. Huber's answer to "How can I calculate margin of error in a NPS result?" (Cross
    # Validated): promoters 1/2, passives 1/3, detractors 1/6 give NPS 1/3 and a per-respondent
    # variance of 5/9. With 600 respondents: 300/200/100.
    result = nps(300, 200, 100)
    assert result.score == pytest.approx(100 / 3, rel=1e-12)
    assert result.se == pytest.approx(100 * math.sqrt(5 / 9 / 600), rel=1e-12)
    z = stats.norm.ppf(0.975)
    assert result.ci.low == pytest.approx(result.score - z * result.se, rel=1e-12)
    assert result.n == 600


def test_nps_talkstats_example_score():
    # talkstats.com thread "Net Promoter Score - Calculating Confidence Intervals": 291
    # promoters, 476 passives, 395 detractors out of 1162 give an NPS of -9.
    assert round(nps(291, 476, 395).score) == -9


def test_nps_everyone_a_promoter_has_zero_width_interval_at_the_top():
    result = nps(12, 0, 0)
    assert (result.score, result.se) == (100.0, 0.0)
    assert result.ci == ConfidenceInterval(100.0, 100.0)


def test_nps_interval_is_clipped_to_minus_100_and_100():
    result = nps(0, 1, 9)
    assert result.score == -90.0
    assert result.ci.low == -100.0


def test_nps_rejects_bad_input():
    with pytest.raises(ValueError, match="no respondents"):
        nps(0, 0, 0)
    with pytest.raises(ValueError, match="negative"):
        nps(1, -1, 0)
    with pytest.raises(ValueError, match="confidence_level"):
        nps(1, 1, 1, confidence_level=1.5)


@given(st.lists(st.integers(min_value=0, max_value=200), min_size=3, max_size=3).filter(sum))
def test_nps_equals_mean_and_standard_error_of_plus_one_zero_minus_one_scores(counts):
    scores = np.repeat([1.0, 0.0, -1.0], counts)
    result = nps(*counts)
    assert result.score == pytest.approx(100 * scores.mean(), abs=1e-9)
    assert result.se == pytest.approx(100 * scores.std(ddof=0) / math.sqrt(scores.size), abs=1e-9)
    assert -100.0 <= result.ci.low <= result.score <= result.ci.high <= 100.0
