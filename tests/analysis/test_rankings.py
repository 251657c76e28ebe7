"""Empirical-Bayes shrinkage and funnel-plot limits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import special, stats

from analysis import funnel_limits, rank_ranges, shrink_rates
from analysis._rankings import MAX_PRIOR_STRENGTH

# Rat tumour data of Tarone (1982), the 70 historical control experiments of
# Gelman et al., Bayesian Data Analysis, 3rd ed., Table 5.1 ("y/n" per experiment).
RAT_TUMOURS = (
    "0/20 0/20 0/20 0/20 0/20 0/20 0/20 0/19 0/19 0/19 0/19 0/18 0/18 0/17 1/20 1/20 1/20 "
    "1/20 1/19 1/19 1/18 1/18 3/27 2/25 2/24 2/23 2/20 2/20 2/20 2/20 2/20 2/20 1/10 5/49 "
    "2/19 5/46 2/17 7/49 7/47 3/20 3/20 2/13 9/48 10/50 4/20 4/20 4/20 4/20 4/20 4/20 4/20 "
    "10/48 4/19 4/19 4/19 5/22 11/46 12/49 5/20 5/20 6/23 5/19 6/22 6/20 6/20 6/20 16/52 "
    "15/46 15/47 9/24"
)
RAT_Y, RAT_N = np.array([[int(part) for part in pair.split("/")] for pair in RAT_TUMOURS.split()]).T


def log_likelihood(alpha, beta, x, n):
    return np.sum(special.betaln(x + alpha, n - x + beta) - special.betaln(alpha, beta))


# --------------------------------------------------------------------------- shrink_rates


def test_rat_data_is_the_published_table():
    # BDA3 section 5.1: 70 experiments, proportions with mean 0.136 and sd 0.103.
    assert RAT_Y.size == 70
    rates = RAT_Y / RAT_N
    assert round(rates.mean(), 3) == 0.136
    assert round(rates.std(ddof=1), 3) == 0.103


def test_ml_prior_matches_published_beta_binomial_fit_of_rat_data():
    # R package BayesGOF, vignette "rat tumor data" (Mukhopadhyay & Fletcher 2018):
    # the maximum-likelihood beta-binomial fit to the 70 experiments is
    # alpha = 2.304768, beta = 14.079707.
    result = shrink_rates(RAT_Y, RAT_N, method="ml")
    assert result.prior.alpha == pytest.approx(2.304768, rel=1e-4)
    assert result.prior.beta == pytest.approx(14.079707, rel=1e-4)
    assert not result.is_capped


def test_moments_prior_follows_kleinman_formula():
    # Kleinman (1973): rho = (Σ n_i (p_i − mu)² / (mu(1 − mu)) − (k − 1))
    #                        / (N − Σ n_i² / N − (k − 1)),  alpha + beta = 1/rho − 1.
    x, n = RAT_Y.astype(float), RAT_N.astype(float)
    mu = x.sum() / n.sum()
    k, total = n.size, n.sum()
    rho = (np.sum(n * (x / n - mu) ** 2) / (mu * (1 - mu)) - (k - 1)) / (
        total - np.sum(n**2) / total - (k - 1)
    )
    result = shrink_rates(RAT_Y, RAT_N, method="moments")
    assert result.prior.mean == pytest.approx(mu, rel=1e-12)
    assert result.prior.strength == pytest.approx(1 / rho - 1, rel=1e-12)


def test_ml_fit_is_at_least_as_likely_as_moments_fit():
    moments = shrink_rates(RAT_Y, RAT_N, method="moments").prior
    ml = shrink_rates(RAT_Y, RAT_N, method="ml").prior
    assert log_likelihood(ml.alpha, ml.beta, RAT_Y, RAT_N) >= log_likelihood(
        moments.alpha, moments.beta, RAT_Y, RAT_N
    )


def test_posterior_is_the_conjugate_beta():
    result = shrink_rates(RAT_Y, RAT_N, confidence_level=0.9)
    a, b = result.prior.alpha, result.prior.beta
    assert_allclose(result.rate, (a + RAT_Y) / (a + b + RAT_N), rtol=1e-12)
    assert_allclose(result.ci.low, stats.beta.ppf(0.05, a + RAT_Y, b + RAT_N - RAT_Y))
    assert_allclose(result.ci.high, stats.beta.ppf(0.95, a + RAT_Y, b + RAT_N - RAT_Y))


@pytest.mark.parametrize("method", ["moments", "ml"])
def test_recovers_prior_from_simulated_beta_binomial_data(method):
    generator = np.random.default_rng(20240601)
    true_alpha, true_beta = 8.0, 2.0  # officials' satisfaction around 80 %
    n = generator.integers(20, 120, size=3000)
    x = generator.binomial(n, generator.beta(true_alpha, true_beta, size=n.size))
    prior = shrink_rates(x, n, method=method).prior
    assert prior.mean == pytest.approx(0.8, abs=0.01)
    assert prior.strength == pytest.approx(10.0, rel=0.15)


def test_small_units_are_pulled_more_than_large_ones():
    result = shrink_rates([3, 190, 40, 80], [3, 200, 50, 100])
    raw = np.array([3 / 3, 190 / 200, 40 / 50, 80 / 100])
    pull = np.abs(result.rate - raw)
    assert pull[0] > pull[1]
    # 3 out of 3 no longer beats 190 out of 200
    assert result.rate[0] < result.rate[1]


def test_unit_without_answers_gets_the_prior():
    result = shrink_rates([30, 45, 0, 20], [40, 50, 0, 35])
    prior = result.prior
    assert result.rate[2] == pytest.approx(prior.mean)
    assert result.ci.low[2] == pytest.approx(stats.beta.ppf(0.025, prior.alpha, prior.beta))
    assert result.ci.high[2] == pytest.approx(stats.beta.ppf(0.975, prior.alpha, prior.beta))


@pytest.mark.parametrize("method", ["moments", "ml"])
def test_identical_rates_give_the_pooled_rate_without_nan(method):
    result = shrink_rates([8, 16, 40], [10, 20, 50], method=method)
    assert result.is_capped
    assert result.prior.strength == pytest.approx(MAX_PRIOR_STRENGTH)
    assert_allclose(result.rate, 0.8, atol=1e-6)
    assert np.all(np.isfinite(result.ci.low)) and np.all(np.isfinite(result.ci.high))


@pytest.mark.parametrize(("successes", "expected"), [([0, 0, 0], 0.0), ([10, 20, 5], 1.0)])
def test_all_or_no_satisfied_answers_stay_finite(successes, expected):
    result = shrink_rates(successes, [10, 20, 5])
    assert result.is_capped
    assert_allclose(result.rate, expected, atol=0.02)
    assert np.all(np.isfinite(result.rate))
    assert np.all((result.ci.low >= 0) & (result.ci.high <= 1))


@pytest.mark.parametrize(
    ("successes", "totals", "kwargs"),
    [
        ([3], [5], {}),  # one unit
        ([3, 0], [5, 0], {}),  # one unit with answers
        ([3, 6], [5, 5], {}),  # successes > totals
        ([3, 4], [5, 5, 5], {}),
        ([3, 4], [5, 5], {"method": "em"}),
        ([3, 4], [5, 5], {"confidence_level": 1.5}),
        ([3, -4], [5, 5], {}),
    ],
)
def test_shrink_rates_rejects_bad_input(successes, totals, kwargs):
    with pytest.raises(ValueError):
        shrink_rates(successes, totals, **kwargs)


units = st.integers(2, 15).flatmap(
    lambda k: st.tuples(
        st.lists(st.integers(1, 200), min_size=k, max_size=k),
        st.lists(st.floats(0, 1), min_size=k, max_size=k),
    )
)


@settings(max_examples=60, deadline=None)
@given(units, st.sampled_from(["moments", "ml"]))
def test_shrunk_rate_lies_between_raw_rate_and_prior_mean(case, method):
    totals, shares = case
    n = np.array(totals)
    x = np.floor(np.array(shares) * n)
    result = shrink_rates(x, n, method=method)
    raw = x / n
    low = np.minimum(raw, result.prior.mean) - 1e-9
    high = np.maximum(raw, result.prior.mean) + 1e-9
    assert np.all((result.rate >= low) & (result.rate <= high))
    assert np.all((result.ci.low >= 0) & (result.ci.low <= result.ci.high))
    assert np.all(result.ci.high <= 1)
    assert 2.0 <= result.prior.strength <= MAX_PRIOR_STRENGTH * (1 + 1e-12)


# --------------------------------------------------------------------------- funnel_limits


def test_limits_without_overdispersion_follow_the_arcsine_formula():
    # Spiegelhalter (2005, Stat Med 24:1185), Appendix A.1.2: on the y = asin√p scale
    # the limits are asin√p0 ± z_α / (2√n).
    x, n = np.array([45, 170, 80, 20]), np.array([50, 200, 100, 40])
    result = funnel_limits(x, n, overdispersion=False)
    p0 = x.sum() / n.sum()
    assert result.target == pytest.approx(p0)
    for row, level in enumerate((0.95, 0.998)):
        z = stats.norm.ppf(1 - (1 - level) / 2)
        angle = np.arcsin(np.sqrt(p0))
        assert_allclose(result.lower[row], np.sin(angle - z / (2 * np.sqrt(n))) ** 2)
        assert_allclose(result.upper[row], np.sin(angle + z / (2 * np.sqrt(n))) ** 2)
    assert result.tau2 == 0.0
    assert_allclose(result.zscore, (np.arcsin(np.sqrt(x / n)) - angle) * 2 * np.sqrt(n))
    assert result.is_below[:, 3].tolist() == [True, True]  # 20/40 is far below 81 %


def test_overdispersion_follows_spiegelhalter_2005():
    # Spiegelhalter, "Handling over-dispersion of performance indicators", Qual Saf
    # Health Care 14 (2005) 347: z-scores winsorised at the 10 %/90 % points,
    # phi = Σ z_w² / I, tau² = (I phi − (I − 1)) / (Σ w − Σ w² / Σ w), w = 1/s².
    x = np.array([40, 160, 85, 20, 95, 55, 30, 140, 75, 60, 12, 88])
    n = np.array([50, 200, 100, 40, 110, 60, 45, 150, 90, 80, 20, 95])
    target = x.sum() / n.sum()
    s = 1 / (2 * np.sqrt(n))
    z = (np.arcsin(np.sqrt(x / n)) - np.arcsin(np.sqrt(target))) / s
    z_w = np.clip(z, np.quantile(z, 0.1), np.quantile(z, 0.9))
    phi = np.mean(z_w**2)
    w = 1 / s**2
    tau2 = (n.size * phi - (n.size - 1)) / (w.sum() - np.sum(w**2) / w.sum())
    result = funnel_limits(x, n)
    assert result.phi == pytest.approx(phi, rel=1e-12)
    assert result.tau2 == pytest.approx(tau2, rel=1e-12)
    assert tau2 > 0
    assert_allclose(
        result.zscore,
        (np.arcsin(np.sqrt(x / n)) - np.arcsin(np.sqrt(target))) / np.sqrt(s**2 + tau2),
    )


def test_overdispersion_widens_limits_and_removes_spurious_outliers():
    x = np.array([40, 160, 85, 20, 95, 55, 30, 140, 75, 60, 12, 88])
    n = np.array([50, 200, 100, 40, 110, 60, 45, 150, 90, 80, 20, 95])
    plain = funnel_limits(x, n, overdispersion=False)
    adjusted = funnel_limits(x, n)
    assert np.all(adjusted.lower <= plain.lower) and np.all(adjusted.upper >= plain.upper)
    assert adjusted.is_below.sum() + adjusted.is_above.sum() < (
        plain.is_below.sum() + plain.is_above.sum()
    )


def test_binomial_noise_alone_gives_phi_near_one_and_no_tau():
    generator = np.random.default_rng(7)
    n = generator.integers(30, 300, size=400)
    x = generator.binomial(n, 0.82)
    result = funnel_limits(x, n, target=0.82)
    # winsorising at 10 %/90 % shrinks phi a little below 1 for pure noise
    assert 0.6 < result.phi < 1.1
    assert result.tau2 == 0.0


def test_tau2_estimates_true_spread_on_arcsine_scale():
    generator = np.random.default_rng(11)
    n = generator.integers(50, 400, size=600)
    true_angle = generator.normal(np.arcsin(np.sqrt(0.8)), 0.08, size=n.size)
    x = generator.binomial(n, np.sin(true_angle) ** 2)
    result = funnel_limits(x, n)
    # winsorisation shrinks phi, so tau² is a somewhat low estimate of 0.08² = 0.0064
    assert 0.6 * 0.0064 < result.tau2 < 1.2 * 0.0064


def test_winsorising_limits_the_influence_of_one_extreme_unit():
    x = np.array([80, 82, 79, 85, 81, 78, 83, 80, 84, 82])
    n = np.full(10, 100)
    calm = funnel_limits(x, n)
    x_outlier = x.copy()
    x_outlier[0] = 5
    stormy = funnel_limits(x_outlier, n)
    assert stormy.is_below[1, 0]  # the extreme unit is still flagged
    assert stormy.phi < 4 * max(calm.phi, 1.0)


def test_exact_check_keeps_a_small_unit_with_every_answer_satisfied_inside():
    # 9 of 9 against 78 %: z = (π/2 − asin√0.78) · 2√9 = 2.93 on the arcsine scale, but
    # all nine satisfied happens by chance with probability 0.78⁹ = 0.107 > 0.025.
    x, n = np.array([9, 98, 0, 60]), np.array([9, 100, 6, 100])
    published = funnel_limits(x, n, target=0.78, overdispersion=False)
    assert published.zscore[0] == pytest.approx((np.pi / 2 - np.arcsin(np.sqrt(0.78))) * 6)
    assert published.is_above[0, 0]
    checked = funnel_limits(x, n, target=0.78, overdispersion=False, exact=True)
    assert not checked.is_above[:, 0].any()
    # 0 of 6: z = −5.3, and 0.22⁶ = 1.1e-4 is below 0.025 and 0.001: still flagged.
    assert checked.is_below[:, 2].tolist() == published.is_below[:, 2].tolist() == [True, True]
    # 98 of 100: P(X ≥ 98) = 100·0.78⁹⁹·0.22 + 0.78¹⁰⁰ + (100 choose 2)·0.78⁹⁸·0.22², tiny.
    assert checked.is_above[:, 1].tolist() == [True, True]
    # 60 of 100 is far below 78 % either way (P(X ≤ 60) ≈ 6e-5).
    assert checked.is_below[:, 3].tolist() == published.is_below[:, 3].tolist()
    assert_allclose(checked.lower, published.lower)
    assert_allclose(checked.upper, published.upper)


def test_given_target_is_used():
    result = funnel_limits([80, 90], [100, 100], target=0.5, overdispersion=False)
    assert result.target == 0.5
    assert result.is_above[:, :].all()


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"numerators": [3, 4], "denominators": [5, 0]},
        {"numerators": [6, 4], "denominators": [5, 5]},
        {"numerators": [3, 4], "denominators": [5, 5, 5]},
        {"numerators": [3, 4], "denominators": [5, 5], "target": 1.2},
        {"numerators": [3, 4], "denominators": [5, 5], "target": "high"},
        {"numerators": [3, 4], "denominators": [5, 5], "confidence_levels": (0.95, 1.0)},
        {"numerators": [3, 4], "denominators": [5, 5], "confidence_levels": ()},
        {"numerators": [3, 4], "denominators": [5, 5], "confidence_levels": 0.95},
    ],
)
def test_funnel_rejects_bad_input(kwargs):
    with pytest.raises(ValueError):
        funnel_limits(**kwargs)


@settings(max_examples=80, deadline=None)
@given(units, st.booleans())
def test_outside_a_limit_exactly_when_z_exceeds_its_quantile(case, overdispersion):
    totals, shares = case
    n = np.array(totals)
    x = np.round(np.array(shares) * n)
    result = funnel_limits(x, n, overdispersion=overdispersion)
    assert np.all(np.isfinite(result.lower)) and np.all(np.isfinite(result.upper))
    assert np.all((result.lower >= 0) & (result.lower <= result.upper) & (result.upper <= 1))
    assert result.tau2 >= 0
    checked = funnel_limits(x, n, overdispersion=overdispersion, exact=True)
    for row, level in enumerate(result.confidence_levels):
        z = stats.norm.ppf(1 - (1 - level) / 2)
        assert np.array_equal(result.is_below[row], result.zscore < -z)
        assert np.array_equal(result.is_above[row], result.zscore > z)
        # The exact check only ever removes flags, and keeps those the tail confirms.
        tail = (1 - level) / 2
        above = stats.binom.sf(x - 1, n, result.target) < tail
        below = stats.binom.cdf(x, n, result.target) < tail
        assert np.array_equal(checked.is_above[row], result.is_above[row] & above)
        assert np.array_equal(checked.is_below[row], result.is_below[row] & below)
    rates = x / n
    inside = ~(result.is_below | result.is_above)
    rates = np.broadcast_to(rates, result.lower.shape)
    assert np.all(rates[inside] >= result.lower[inside] - 1e-9)
    assert np.all(rates[inside] <= result.upper[inside] + 1e-9)


# --------------------------------------------------------------------------- rank_ranges


def test_rank_ranges_of_separate_intervals_are_single_places():
    best, worst = rank_ranges([0.1, 0.7, 0.4], [0.2, 0.8, 0.5])
    assert best.tolist() == [3, 1, 2] and worst.tolist() == [3, 1, 2]


def test_rank_ranges_share_places_where_intervals_overlap():
    # A overlaps B, B overlaps C, A does not overlap C; D is alone at the bottom.
    low = [0.80, 0.70, 0.60, 0.10]
    high = [0.95, 0.85, 0.75, 0.20]
    best, worst = rank_ranges(low, high)
    assert best.tolist() == [1, 1, 2, 4]
    assert worst.tolist() == [2, 3, 3, 4]


def test_touching_intervals_overlap():
    best, worst = rank_ranges([0.5, 0.3], [0.7, 0.5])
    assert best.tolist() == [1, 1] and worst.tolist() == [2, 2]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 50), st.integers(1, 50)).map(lambda p: (min(p), max(p[1], 1))),
        min_size=2,
        max_size=25,
    )
)
def test_the_order_of_shrunk_rates_lies_within_each_rank_range(pairs):
    x, n = np.array(pairs).T
    assume_spread = x.sum() not in (0, n.sum())
    if not assume_spread:
        return
    shrunk = shrink_rates(x, n)
    best, worst = rank_ranges(shrunk.ci.low, shrunk.ci.high)
    order = np.argsort(-shrunk.rate, kind="stable")
    place = np.empty_like(order)
    place[order] = np.arange(1, order.size + 1)
    tied = np.isclose(shrunk.rate[:, None], shrunk.rate[None, :])
    for i in range(order.size):
        # Among equal rates any order is right: the tie's places are all allowed.
        places = place[tied[i]]
        assert best[i] <= places.max() and places.min() <= worst[i]
    assert np.all((best >= 1) & (best <= worst) & (worst <= order.size))


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        ([0.1, 0.2], [0.3], "same length"),
        ([[0.1]], [[0.2]], "1-D"),
        ([0.5], [0.4], "low exceeds high"),
        ([float("nan")], [0.4], "finite"),
    ],
)
def test_rank_ranges_rejects_bad_intervals(low, high, message):
    with pytest.raises(ValueError, match=message):
        rank_ranges(low, high)
