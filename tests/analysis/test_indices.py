"""SIPAS index from count tables and its respondent bootstrap."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis import index_bootstrap_ci, proportion_ci, sipas_index

SIPAS_2023_FACTORS = {
    # Published national SIPAS 2023 factor indices (Bộ Nội vụ, báo cáo SIPAS 2023), in percent.
    "tiep_can": 83.00,
    "thu_tuc": 83.02,
    "cong_chuc": 83.12,
    "ket_qua": 83.03,
    "gop_y": 82.27,
}


def _counts_for_rate(percent: float, n: int = 10_000) -> list[int]:
    satisfied = round(percent * n / 100)
    return [0, 0, n - satisfied, satisfied // 2, satisfied - satisfied // 2]


def test_mean_of_published_2023_factor_indices_is_82_888_not_the_published_82_66():
    # Criterion rate = (n4 + n5) / answers × 100; factor index = mean of criteria; headline =
    # mean of factors (DOMAIN: SIPAS as published). The 2023 factors average 82.888 while the
    # published headline is 82.66: the official aggregation is not fully known, and we
    # implement the documented mean-of-factors rule.
    counts = {
        factor: {"criterion": _counts_for_rate(rate)} for factor, rate in SIPAS_2023_FACTORS.items()
    }
    result = sipas_index(counts)
    assert result.factor_indices == pytest.approx(SIPAS_2023_FACTORS, abs=1e-12)
    assert result.index == pytest.approx(82.888, abs=1e-9)
    assert round(result.index, 2) != 82.66


def test_criterion_rates_factor_means_and_wilson_intervals_in_percent():
    counts = {
        "access": {
            "signs": {1: 3, 2: 5, 3: 10, 4: 40, 5: 42},
            "seats": [0, 10, 20, 30, 40],
            "equipment": {5: 10},
        },
        "officer": {"polite": [1, 1, 8, 50, 40]},
    }
    result = sipas_index(counts)
    access, officer = result.factors
    assert [c.rate for c in access.criteria] == [82.0, 70.0, 100.0]
    assert access.index == pytest.approx((82 + 70 + 100) / 3, abs=1e-12)
    assert officer.index == 90.0
    assert result.index == pytest.approx(((82 + 70 + 100) / 3 + 90) / 2, abs=1e-12)
    signs = access.criteria[0]
    assert (signs.successes, signs.n) == (82, 100)
    # Newcombe (1998)-style Wilson interval, reported in percent.
    wilson = proportion_ci(82, 100)
    assert signs.ci.low == pytest.approx(100 * wilson.low, rel=1e-12)
    assert signs.ci.high == pytest.approx(100 * wilson.high, rel=1e-12)
    # Full marks: the interval's upper end is exactly 100.
    assert access.criteria[2].ci.high == 100.0


def test_criterion_without_answers_is_left_out_of_its_factor():
    counts = {
        "result": {"on_time": [0, 0, 0, 0, 0], "accurate": [0, 0, 5, 5, 10]},
        "feedback": {"easy": {}, "handled": [0, 0, 0, 0, 0]},
    }
    result = sipas_index(counts)
    on_time, accurate = result.factors[0].criteria
    assert (on_time.rate, on_time.n, on_time.ci) == (None, 0, None)
    assert accurate.rate == 75.0
    assert result.factors[0].index == 75.0
    # A factor with no answers at all has no index and does not pull the headline down.
    assert result.factors[1].index is None
    assert result.index == 75.0
    assert result.factor_indices == {"result": 75.0}


def test_overall_questions_are_reported_beside_the_index():
    counts = {"a": {"x": [0, 0, 0, 1, 1]}, "b": {"y": [0, 0, 1, 1, 0]}, "c": {"z": [0, 0, 0, 0, 2]}}
    overall = {"a": {4: 3, 3: 1}, "b": [0, 0, 0, 0, 0]}
    result = sipas_index(counts, overall_counts=overall)
    assert result.factors[0].overall_question.rate == 75.0
    assert result.factors[1].overall_question.rate is None
    assert result.factors[2].overall_question is None
    assert result.overall_question_index == 75.0
    assert sipas_index(counts).overall_question_index is None


def test_other_satisfied_levels_and_scales():
    # The one-stop three-level scale: 1 không hài lòng, 2 hài lòng, 3 rất hài lòng.
    result = sipas_index({"f": {"c": {1: 1, 2: 1, 3: 2}}}, satisfied=(2, 3), levels=(1, 2, 3))
    assert result.index == 75.0
    only_very = sipas_index({"f": {"c": [0, 0, 0, 3, 1]}}, satisfied=(5,))
    assert only_very.index == 25.0


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (({},), {}, "non-empty mapping"),
        (({"f": {}},), {}, "at least one criterion"),
        (({"f": {"c": [0, 0, 0, 0, 0]}},), {}, "no index without data"),
        (({"f": {"c": [1, 2, 3]}},), {}, "3 counts given for 5 levels"),
        (({"f": {"c": {6: 1}}},), {}, "level 6 is not one of the levels"),
        (({"f": {"c": [1, 2, 3, 4, -5]}},), {}, "negative"),
        (({"f": {"c": [1, 2, 3, 4, 0.5]}},), {}, "whole numbers"),
        (({"f": {"c": "12345"}},), {}, "must be a mapping level"),
        (({"f": {"c": [1, 2, 3, 4, 5]}}, (6,)), {}, r"satisfied levels \[6\]"),
        (({"f": {"c": [1, 2, 3, 4, 5]}},), {"overall_counts": {"g": [1] * 5}}, "not in counts"),
        (({"f": {"c": [1, 2, 3, 4, 5]}},), {"confidence_level": 2}, "confidence_level"),
    ],
)
def test_sipas_index_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        sipas_index(*args, **kwargs)


criterion_counts = st.lists(st.integers(min_value=0, max_value=30), min_size=5, max_size=5)
factor_tables = st.dictionaries(
    st.sampled_from(["f1", "f2", "f3"]),
    st.dictionaries(st.sampled_from(["c1", "c2", "c3"]), criterion_counts, min_size=1),
    min_size=1,
).filter(lambda t: any(sum(c) for crit in t.values() for c in crit.values()))


@given(factor_tables)
def test_index_from_counts_equals_index_from_expanded_answers(table):
    # Expand the counts into a respondents × items matrix (NaN where a respondent did not
    # answer that item) and compute the same index with plain numpy.
    items = [(f, c, counts) for f, crit in table.items() for c, counts in crit.items()]
    height = max(sum(counts) for _, _, counts in items)
    matrix = np.full((height, len(items)), np.nan)
    for column, (_, _, counts) in enumerate(items):
        answers = np.repeat(np.arange(1.0, 6.0), counts)
        matrix[: answers.size, column] = answers
    factor_means = []
    for factor in table:
        rates = [
            100 * np.mean(matrix[~np.isnan(matrix[:, j]), j] >= 4)
            for j, (f, _, counts) in enumerate(items)
            if f == factor and sum(counts) > 0
        ]
        if rates:
            factor_means.append(np.mean(rates))
    result = sipas_index(table)
    assert result.index == pytest.approx(np.mean(factor_means), rel=1e-12)
    assert 0.0 <= result.index <= 100.0


# --- index_bootstrap_ci ---------------------------------------------------------------------


def _survey(n=400, items=6, seed=3, missing=0.1):
    rng = np.random.default_rng(seed)
    # A respondent effect makes answers to different items correlated, as in real surveys.
    mood = rng.normal(size=(n, 1))
    latent = mood + rng.normal(scale=0.8, size=(n, items))
    answers = np.digitize(latent, [-1.8, -1.2, -0.5, 0.6]) + 1.0
    answers[rng.random(answers.shape) < missing] = np.nan
    return answers


def test_bootstrap_point_estimates_equal_sipas_index_on_the_same_counts():
    matrix = _survey()
    factors = ["access", "access", "procedure", "officer", "officer", "officer"]
    result = index_bootstrap_ci(matrix, factors, n_resamples=200)
    table = {}
    for column, factor in enumerate(factors):
        answers = matrix[:, column]
        counts = [int(np.sum(answers == level)) for level in range(1, 6)]
        table.setdefault(factor, {})[column] = counts
    expected = sipas_index(table)
    assert result.index == pytest.approx(expected.index, rel=1e-12)
    assert result.factor_indices == pytest.approx(expected.factor_indices, rel=1e-12)
    assert list(result.factor_indices) == ["access", "procedure", "officer"]


def test_bootstrap_is_reproducible_with_a_seed_and_varies_without():
    matrix = _survey()
    factors = [0, 0, 1, 1, 2, 2]
    first = index_bootstrap_ci(matrix, factors, n_resamples=300, seed=7)
    again = index_bootstrap_ci(matrix, factors, n_resamples=300, seed=7)
    other = index_bootstrap_ci(matrix, factors, n_resamples=300, seed=8)
    assert first == again
    assert first.ci != other.ci


def test_bootstrap_interval_for_one_rate_agrees_with_the_binomial_interval():
    # With one factor of one item the index is a single rate; its bootstrap distribution is
    # binomial, so the percentile interval must agree with the Wilson interval (Efron &
    # Tibshirani 1993, ch. 13) to within Monte Carlo error.
    answers = np.array([5.0] * 240 + [4.0] * 80 + [3.0] * 50 + [1.0] * 30)  # 320 / 400 = 80 %
    result = index_bootstrap_ci(answers[:, None], ["only"], n_resamples=4000, seed=1)
    wilson = proportion_ci(320, 400)
    assert result.index == 80.0
    assert result.ci.low == pytest.approx(100 * wilson.low, abs=0.6)
    assert result.ci.high == pytest.approx(100 * wilson.high, abs=0.6)
    assert result.standard_error == pytest.approx(100 * math.sqrt(0.8 * 0.2 / 400), rel=0.08)


def test_bootstrap_standard_error_shrinks_like_one_over_root_n():
    factors = [0, 0, 1, 1, 2, 2]
    small = index_bootstrap_ci(_survey(n=200, seed=5), factors, n_resamples=1000)
    large = index_bootstrap_ci(_survey(n=3200, seed=5), factors, n_resamples=1000)
    assert small.standard_error / large.standard_error == pytest.approx(4.0, rel=0.25)


def test_bootstrap_drops_respondents_without_answers_and_items_without_answers():
    matrix = _survey(n=100)
    matrix[:10] = np.nan  # ten respondents answered nothing
    matrix[:, 5] = np.nan  # nobody answered the last item
    factors = ["a", "a", "b", "b", "c", "d"]
    result = index_bootstrap_ci(matrix, factors, n_resamples=200)
    assert result.n_respondents == 90
    assert "d" not in result.factor_indices
    assert set(result.factor_cis) == {"a", "b", "c"}
    for factor, value in result.factor_indices.items():
        ci = result.factor_cis[factor]
        assert 0.0 <= ci.low <= value <= ci.high <= 100.0


def test_bootstrap_with_all_satisfied_gives_a_degenerate_interval_at_100():
    result = index_bootstrap_ci(np.full((30, 3), 5.0), ["x", "y", "y"], n_resamples=100)
    assert result.index == 100.0
    assert (result.ci.low, result.ci.high, result.standard_error) == (100.0, 100.0, 0.0)


@pytest.mark.parametrize(
    ("matrix", "factors", "kwargs", "message"),
    [
        (np.ones(5), ["a"], {}, "2-dimensional"),
        (np.ones((5, 2)), ["a"], {}, "1 entries for 2 items"),
        (np.full((5, 2), 6.0), ["a", "b"], {}, "not levels"),
        (np.full((5, 2), np.nan), ["a", "b"], {}, "no index without data"),
        (np.ones((5, 2)), ["a", "b"], {"n_resamples": 10}, "at least 100"),
        (np.ones((5, 2)), ["a", "b"], {"n_resamples": 200.0}, "integer"),
        (np.ones((5, 2)), ["a", "b"], {"confidence_level": 0.0}, "confidence_level"),
        (np.ones((5, 2)), ["a", "b"], {"satisfied": (6,)}, "not among levels"),
        (np.full((5, 2), np.inf), ["a", "b"], {}, "infinite"),
        ([["x", "y"]], ["a", "b"], {}, "numeric"),
    ],
)
def test_bootstrap_rejects_bad_input(matrix, factors, kwargs, message):
    with pytest.raises(ValueError, match=message):
        index_bootstrap_ci(matrix, factors, **kwargs)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0.5, max_value=0.99))
def test_bootstrap_interval_contains_the_estimate_for_symmetric_data(seed, level):
    matrix = _survey(n=150, seed=seed, missing=0.0)
    result = index_bootstrap_ci(
        matrix, [0, 0, 0, 1, 1, 1], n_resamples=400, seed=seed, confidence_level=level
    )
    # The index is a smooth mean of many answers: its bootstrap distribution is close to
    # normal, so the percentile interval is close to estimate ± z·se.
    z = stats.norm.ppf(0.5 + level / 2)
    assert result.ci.low <= result.index <= result.ci.high
    assert result.ci.high - result.ci.low == pytest.approx(2 * z * result.standard_error, rel=0.3)
