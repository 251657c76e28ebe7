"""Fair comparisons of many units: empirical-Bayes shrinkage and funnel plots.

An official with 3 satisfied answers out of 3 is not better than one with 190 out
of 200. Two remedies are offered here (the Wilson lower bound, a third, lives
in :mod:`analysis._proportions`):

- :func:`shrink_rates` pulls each unit's rate towards the overall rate, the more
  so the fewer answers it has (beta-binomial empirical Bayes);
- :func:`funnel_limits` draws control limits around a target rate that narrow
  as the number of answers grows, allowing for genuine between-unit variation
  (Spiegelhalter's funnel plot with over-dispersion).

:func:`rank_ranges` then says which places in a league table the data can tell apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy
from numpy.typing import ArrayLike

from ._validation import as_integer_counts, check_confidence_level, check_method, frozen_array

__all__ = [
    "BetaPrior",
    "FunnelResult",
    "RateIntervals",
    "ShrunkRates",
    "funnel_limits",
    "rank_ranges",
    "shrink_rates",
]

#: Largest prior strength alpha + beta reported by :func:`shrink_rates`. When the
#: units show no more spread than binomial noise the fitted prior is infinitely
#: concentrated; it is capped here (a million pseudo-answers) so that results
#: stay finite: every unit then gets the pooled rate.
MAX_PRIOR_STRENGTH = 1.0e6
#: Smallest prior strength: two pseudo-answers, the weight of a uniform prior. Fits
#: below it (units at exactly 0 % and 100 % only) would give a U-shaped prior.
MIN_PRIOR_STRENGTH = 2.0


def _check_rates_input(successes: ArrayLike, totals: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = as_integer_counts(successes, "successes", ndim=1)
    n = as_integer_counts(totals, "totals", ndim=1)
    if x.shape != n.shape:
        raise ValueError(
            f"successes and totals must have the same length, got {x.size} and {n.size}"
        )
    if np.any(x > n):
        bad = np.flatnonzero(x > n).tolist()
        raise ValueError(f"successes exceed totals at positions {bad}")
    return x, n


# --------------------------------------------------------------------------- shrinkage


@dataclass(frozen=True)
class BetaPrior:
    """A beta(alpha, beta) distribution of the units' true rates.

    Attributes
    ----------
    alpha, beta : float
        Shape parameters. ``alpha / (alpha + beta)`` is the mean rate across
        units; ``alpha + beta`` is the prior's strength in pseudo-answers (large:
        the units hardly differ; small: they differ a lot).
    """

    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        """Mean of the prior, the typical rate of a unit."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def strength(self) -> float:
        """alpha + beta, the prior's weight in answers."""
        return self.alpha + self.beta


@dataclass(frozen=True)
class RateIntervals:
    """Per-unit intervals, as arrays.

    Attributes
    ----------
    low, high : numpy.ndarray
        Lower and upper ends, proportions in [0, 1], one per unit.
    """

    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class ShrunkRates:
    """Result of :func:`shrink_rates`.

    Attributes
    ----------
    rate : numpy.ndarray
        Posterior mean rate of each unit, (alpha + x) / (alpha + beta + n).
    ci : RateIntervals
        Equal-tailed posterior credible intervals at ``confidence_level``.
    prior : BetaPrior
        The fitted beta prior.
    method : str
        ``"moments"`` or ``"ml"``.
    confidence_level : float
        Level of ``ci``.
    is_capped : bool
        ``True`` when the units showed no spread beyond binomial noise and the
        prior strength was capped at ``MAX_PRIOR_STRENGTH`` (every unit then gets
        the pooled rate, with a very narrow interval).
    """

    rate: np.ndarray
    ci: RateIntervals
    prior: BetaPrior
    method: str
    confidence_level: float
    is_capped: bool


def _moments_fit(x: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    """Method-of-moments mean and intra-class correlation rho = 1/(alpha + beta + 1).

    Kleinman (1973): with p_i = x_i/n_i and the pooled mean mu,
    E[Σ n_i (p_i − mu)²] = mu(1 − mu) [(k − 1) + rho (N − Σn_i²/N − (k − 1))].
    """
    total = n.sum()
    mu = x.sum() / total
    k = n.size
    spread_between = float(np.sum(n * (x / n - mu) ** 2))
    denominator = total - np.sum(n**2) / total - (k - 1)
    if denominator <= 0 or mu in (0.0, 1.0):
        return float(mu), 0.0
    rho = (spread_between / (mu * (1.0 - mu)) - (k - 1)) / denominator
    return float(mu), float(np.clip(rho, 0.0, 1.0))


def _negative_log_likelihood(
    params: np.ndarray, x: np.ndarray, n: np.ndarray
) -> tuple[float, np.ndarray]:
    """Beta-binomial −log L (without the binomial coefficients) and its gradient.

    Parameterised by (logit mu, log strength) so that the search is unconstrained
    in mu and well scaled in strength.
    """
    mu = scipy.special.expit(params[0])
    strength = np.exp(params[1])
    a, b = mu * strength, (1.0 - mu) * strength
    log_likelihood = np.sum(scipy.special.betaln(x + a, n - x + b) - scipy.special.betaln(a, b))
    common = scipy.special.digamma(strength) - scipy.special.digamma(n + strength)
    d_a = np.sum(scipy.special.digamma(x + a) - scipy.special.digamma(a) + common)
    d_b = np.sum(scipy.special.digamma(n - x + b) - scipy.special.digamma(b) + common)
    d_logit_mu = (d_a - d_b) * strength * mu * (1.0 - mu)
    d_log_strength = d_a * a + d_b * b
    return -log_likelihood, -np.array([d_logit_mu, d_log_strength])


def _ml_fit(x: np.ndarray, n: np.ndarray, mu0: float, rho0: float) -> tuple[float, float]:
    """Maximum-likelihood mean and strength of the beta-binomial prior."""
    strength0 = MAX_PRIOR_STRENGTH if rho0 <= 0 else min(1.0 / rho0 - 1.0, MAX_PRIOR_STRENGTH)
    strength0 = max(strength0, 1.0)
    start = np.array([scipy.special.logit(mu0), np.log(min(strength0, 1.0e4))])
    bounds = [(-30.0, 30.0), (np.log(MIN_PRIOR_STRENGTH), np.log(MAX_PRIOR_STRENGTH))]
    result = scipy.optimize.minimize(
        _negative_log_likelihood,
        start,
        args=(x, n),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 500},
    )
    return float(scipy.special.expit(result.x[0])), float(np.exp(result.x[1]))


def shrink_rates(
    successes: ArrayLike,
    totals: ArrayLike,
    method: str = "moments",
    confidence_level: float = 0.95,
) -> ShrunkRates:
    """Empirical-Bayes (beta-binomial) shrinkage of many units' satisfaction rates.

    Fits a beta prior to the spread of the units' rates, then reports each
    unit's posterior mean and credible interval. Units with few answers are
    pulled strongly towards the overall rate, units with many answers hardly at
    all, so rankings no longer favour tiny samples.

    Parameters
    ----------
    successes : array_like of int, shape (k,)
        Satisfied answers per unit.
    totals : array_like of int, shape (k,)
        Answers per unit. A unit with 0 answers gets the prior mean and the
        prior's interval.
    method : {"moments", "ml"}, optional
        How the prior is fitted: ``"moments"`` (default; Kleinman's method of
        moments, fast and closed-form) or ``"ml"`` (maximum marginal likelihood
        of the beta-binomial model, started from the moments fit).
    confidence_level : float, optional
        Level of the equal-tailed credible intervals, in (0, 1). Default 0.95.

    Returns
    -------
    ShrunkRates
        ``rate``, ``ci`` (``low``/``high`` arrays), ``prior`` (``alpha``,
        ``beta``), ``method``, ``confidence_level`` and ``is_capped``.

    Raises
    ------
    ValueError
        If the arrays are not 1-D of the same length, counts are negative or not
        whole, ``successes > totals``, fewer than two units have answers (the
        spread between units cannot be estimated from one), the method is
        unknown or the confidence level is not in (0, 1).

    Notes
    -----
    The prior strength is kept between ``MIN_PRIOR_STRENGTH`` (2 answers; lower
    fits occur only when units are all at exactly 0 % or 100 %) and
    ``MAX_PRIOR_STRENGTH``. If the rates vary no more than binomial noise
    explains (in particular when all units have identical rates), the best
    prior is a point mass at the pooled rate; its strength is then capped and
    ``is_capped`` is set, so every unit gets (almost exactly) the pooled rate.
    When every answer is satisfied (or none is), the prior mean is moved half an
    answer inside (0, 1), (x + ½)/(N + 1), so that the prior is a proper beta
    distribution.
    The posterior intervals take the prior as known (the usual empirical-Bayes
    simplification), so they are slightly too narrow when there are few units.

    References
    ----------
    .. [1] J. C. Kleinman, "Proportions with extraneous variance: single and
       independent samples", JASA 68 (1973) 46-54.
    .. [2] R. E. Tarone, "The use of historical control information in testing
       for a trend in proportions", Biometrics 38 (1982) 215-220.
    .. [3] A. Gelman et al., Bayesian Data Analysis, 3rd ed., CRC (2013),
       section 5.3 (the rat tumour example).

    Examples
    --------
    >>> from analysis import shrink_rates
    >>> result = shrink_rates([3, 190, 40], [3, 200, 50])
    >>> result.rate.round(3)
    array([0.945, 0.949, 0.815])
    """
    check_method(method, ("moments", "ml"))
    level = check_confidence_level(confidence_level)
    x, n = _check_rates_input(successes, totals)
    observed = n > 0
    if np.count_nonzero(observed) < 2:
        raise ValueError("shrink_rates needs at least two units with answers to fit a prior")
    x_obs, n_obs = x[observed], n[observed]
    total_successes, total = x_obs.sum(), n_obs.sum()

    if total_successes in (0.0, total):
        mu, strength = float((total_successes + 0.5) / (total + 1.0)), MAX_PRIOR_STRENGTH
    else:
        mu, rho = _moments_fit(x_obs, n_obs)
        if method == "ml":
            mu, strength = _ml_fit(x_obs, n_obs, mu, rho)
        else:
            strength = MAX_PRIOR_STRENGTH if rho <= 0.0 else 1.0 / rho - 1.0
        strength = float(np.clip(strength, MIN_PRIOR_STRENGTH, MAX_PRIOR_STRENGTH))
    is_capped = strength >= MAX_PRIOR_STRENGTH * (1.0 - 1e-9)
    alpha, beta = mu * strength, (1.0 - mu) * strength

    posterior_a, posterior_b = alpha + x, beta + n - x
    rate = posterior_a / (posterior_a + posterior_b)
    tail = (1.0 - level) / 2.0
    low = scipy.stats.beta.ppf(tail, posterior_a, posterior_b)
    high = scipy.stats.beta.isf(tail, posterior_a, posterior_b)
    return ShrunkRates(
        rate=frozen_array(rate),
        ci=RateIntervals(low=frozen_array(low), high=frozen_array(high)),
        prior=BetaPrior(alpha=float(alpha), beta=float(beta)),
        method=method,
        confidence_level=level,
        is_capped=bool(is_capped),
    )


# --------------------------------------------------------------------------- funnel plot


@dataclass(frozen=True)
class FunnelResult:
    """Result of :func:`funnel_limits`.

    Attributes
    ----------
    target : float
        The rate the units are compared with (pooled rate when not given).
    confidence_levels : tuple of float
        The levels of the control limits, e.g. (0.95, 0.998).
    lower, upper : numpy.ndarray, shape (levels, units)
        Control limits as proportions: ``lower[l, i]`` is unit ``i``'s lower
        limit at ``confidence_levels[l]``. They widen by the over-dispersion
        when ``overdispersion`` is on.
    zscore : numpy.ndarray, shape (units,)
        Each unit's z-score on the arcsine-square-root scale,
        (asin√p_i − asin√target) / √(s_i² + tau2), s_i = 1/(2√n_i).
    phi : float
        Over-dispersion factor, the mean squared winsorised unadjusted z-score
        (1 when units vary like binomial noise alone).
    tau2 : float
        Additive between-unit variance on the transformed scale (0 when
        ``overdispersion`` is off or phi is not large enough).
    is_below, is_above : numpy.ndarray of bool, shape (levels, units)
        Whether unit ``i``'s rate is below its lower (above its upper) limit at
        level ``l``.
    """

    target: float
    confidence_levels: tuple[float, ...]
    lower: np.ndarray
    upper: np.ndarray
    zscore: np.ndarray
    phi: float
    tau2: float
    is_below: np.ndarray
    is_above: np.ndarray


def funnel_limits(
    numerators: ArrayLike,
    denominators: ArrayLike,
    target: float | None = None,
    confidence_levels: Sequence[float] = (0.95, 0.998),
    overdispersion: bool = True,
    exact: bool = False,
) -> FunnelResult:
    """Funnel-plot control limits for proportions, with over-dispersion.

    Parameters
    ----------
    numerators : array_like of int, shape (units,)
        Satisfied answers per unit (official, desk, agency).
    denominators : array_like of int, shape (units,)
        Answers per unit, each at least 1 (leave out units without answers).
    target : float, optional
        Rate to compare with, in [0, 1]; default the pooled rate
        Σ numerators / Σ denominators.
    confidence_levels : sequence of float, optional
        Two-sided levels of the limits, each in (0, 1). Default (0.95, 0.998),
        the usual "2 and 3 standard deviation" limits.
    overdispersion : bool, optional
        Widen the limits by the between-unit variance tau² estimated with the
        additive random-effects method of Spiegelhalter (2005). Default ``True``.
    exact : bool, optional
        Flag a unit only if, besides lying outside the limit, it also fails the exact
        binomial test against the target at that limit's one-sided level: above when
        P(X ≥ x) < (1 − level) / 2 for X ~ Binomial(n, target), below when P(X ≤ x) is.
        On the arcsine scale a small unit whose answers are all satisfied (or none) looks
        extreme: 9 of 9 against a target of 78 % has z = 2.9 without over-dispersion, yet
        happens by chance with probability 0.78⁹ = 0.11. The limits are unchanged.
        Default ``False`` (the published method alone).

    Returns
    -------
    FunnelResult
        ``target``, ``lower``/``upper`` limits per level and unit, ``zscore``,
        ``phi``, ``tau2`` and ``is_below``/``is_above`` flags.

    Raises
    ------
    ValueError
        If the arrays are not 1-D of equal length, a count is negative or not
        whole, a numerator exceeds its denominator, a denominator is 0, the
        target is outside [0, 1] or a confidence level is outside (0, 1).

    Notes
    -----
    Rates are compared on the variance-stabilising scale y = asin√p, where
    the sampling standard error is s_i = 1/(2√n_i) whatever the rate. Limits are
    sin²(asin√target ± z √(s_i² + tau²)), with the angle kept in [0, π/2]; so a
    unit is outside a limit exactly when \\|zscore\\| exceeds the normal quantile
    of that level.

    Over-dispersion (Spiegelhalter 2005, section 3.2, as implemented by the R
    package FunnelPlotR): the unadjusted z-scores are winsorised at their 10th
    and 90th percentiles (linear interpolation between order statistics, R's
    default quantile), phi = Σ z_w² / I, and
    tau² = max(0, (I phi − (I − 1)) / (Σ w_i − Σ w_i² / Σ w_i)), w_i = 1/s_i².
    tau² is 0 when I phi ≤ I − 1, or when there is only one unit.

    References
    ----------
    .. [1] D. J. Spiegelhalter, "Funnel plots for comparing institutional
       performance", Statistics in Medicine 24 (2005) 1185-1202.
    .. [2] D. J. Spiegelhalter, "Handling over-dispersion of performance
       indicators", Quality and Safety in Health Care 14 (2005) 347-351.
    .. [3] C. Mainey, FunnelPlotR: funnel plots for comparing institutional
       performance, R package (NHS-R Community).

    Examples
    --------
    >>> from analysis import funnel_limits
    >>> result = funnel_limits([45, 170, 80, 20], [50, 200, 100, 40], overdispersion=False)
    >>> round(result.target, 3), result.is_below[0].tolist()
    (0.808, [False, False, False, True])
    """
    x, n = _check_rates_input(numerators, denominators)
    if np.any(n == 0):
        raise ValueError(
            "denominators must be at least 1; leave out units without answers "
            f"(positions {np.flatnonzero(n == 0).tolist()})"
        )
    try:
        levels = tuple(check_confidence_level(level) for level in confidence_levels)
    except TypeError:
        raise ValueError(
            f"confidence_levels must be a sequence of numbers, got {confidence_levels!r}"
        ) from None
    if not levels:
        raise ValueError("confidence_levels must not be empty")
    if target is None:
        target_rate = float(x.sum() / n.sum())
    else:
        try:
            target_rate = float(target)
        except (TypeError, ValueError):
            raise ValueError(f"target must be a number, got {target!r}") from None
        if not 0.0 <= target_rate <= 1.0:
            raise ValueError(f"target must be a proportion between 0 and 1, got {target_rate}")

    angle = np.arcsin(np.sqrt(x / n))
    target_angle = float(np.arcsin(np.sqrt(target_rate)))
    s2 = 1.0 / (4.0 * n)
    unadjusted = (angle - target_angle) / np.sqrt(s2)

    units = n.size
    phi = 1.0
    tau2 = 0.0
    if units >= 2:
        low_z, high_z = np.percentile(unadjusted, [10.0, 90.0])
        winsorised = np.clip(unadjusted, low_z, high_z)
        phi = float(np.mean(winsorised**2))
        if overdispersion and units * phi > units - 1:
            weights = 1.0 / s2
            tau2 = float(
                (units * phi - (units - 1)) / (weights.sum() - np.sum(weights**2) / weights.sum())
            )
            tau2 = max(tau2, 0.0)

    spread = np.sqrt(s2 + tau2)
    zscore = (angle - target_angle) / spread
    quantiles = scipy.stats.norm.isf((1.0 - np.asarray(levels)) / 2.0)[:, None]
    lower_angle = np.clip(target_angle - quantiles * spread, 0.0, np.pi / 2.0)
    upper_angle = np.clip(target_angle + quantiles * spread, 0.0, np.pi / 2.0)
    is_below = zscore[None, :] < -quantiles
    is_above = zscore[None, :] > quantiles
    if exact:
        alpha = ((1.0 - np.asarray(levels)) / 2.0)[:, None]
        is_above &= scipy.stats.binom.sf(x - 1, n, target_rate)[None, :] < alpha  # P(X ≥ x)
        is_below &= scipy.stats.binom.cdf(x, n, target_rate)[None, :] < alpha  # P(X ≤ x)
    return FunnelResult(
        target=target_rate,
        confidence_levels=levels,
        lower=frozen_array(np.sin(lower_angle) ** 2),
        upper=frozen_array(np.sin(upper_angle) ** 2),
        zscore=frozen_array(zscore),
        phi=phi,
        tau2=tau2,
        is_below=frozen_array(is_below, dtype=bool),
        is_above=frozen_array(is_above, dtype=bool),
    )


# --------------------------------------------------------------------------- rank ranges


def rank_ranges(low: ArrayLike, high: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The places in a league table (1 = best) each unit may hold, given its interval.

    A unit is certainly behind every unit whose interval lies wholly above its own, and
    certainly ahead of every unit whose interval lies wholly below it; it may hold any
    place between. Unit ``i``'s best place is ``1 + #{j: low_j > high_i}``, its worst
    ``k − #{j: high_j < low_i}``. Units whose intervals overlap share places, so a
    1-to-k order is printed only where the intervals really separate the units.

    Parameters
    ----------
    low, high : array_like of float, shape (k,)
        Each unit's interval (for example the credible intervals of
        :func:`shrink_rates`), a higher value being better; ``low <= high``.

    Returns
    -------
    best, worst : numpy.ndarray of int, shape (k,)
        The best and worst place of each unit, ``1 <= best <= worst <= k``.

    Raises
    ------
    ValueError
        If the arrays are not 1-D of the same length, contain a value that is not
        finite, or an interval's low end exceeds its high end.

    Notes
    -----
    Intervals that merely touch (one's low end equal to another's high end) overlap. The
    ranges are wider than simulated rank intervals (Goldstein and Spiegelhalter 1996),
    which need the joint distribution of the estimates; these need only the intervals
    the reader sees beside them, and a unit's place in the order of point estimates
    always lies within its range.

    References
    ----------
    .. [1] H. Goldstein and D. J. Spiegelhalter, "League tables and their limitations:
       statistical issues in comparisons of institutional performance", JRSS A 159
       (1996) 385-443.

    Examples
    --------
    >>> from analysis import rank_ranges
    >>> best, worst = rank_ranges([0.90, 0.80, 0.50], [0.95, 0.92, 0.70])
    >>> best.tolist(), worst.tolist()
    ([1, 1, 3], [2, 2, 3])
    """
    lows = np.asarray(low, dtype=float)
    highs = np.asarray(high, dtype=float)
    if lows.ndim != 1 or lows.shape != highs.shape:
        raise ValueError(
            f"low and high must be 1-D arrays of the same length, got shapes "
            f"{lows.shape} and {highs.shape}"
        )
    if not (np.all(np.isfinite(lows)) and np.all(np.isfinite(highs))):
        raise ValueError("low and high must be finite numbers")
    if np.any(lows > highs):
        raise ValueError(f"low exceeds high at positions {np.flatnonzero(lows > highs).tolist()}")
    wholly_above = lows[None, :] > highs[:, None]  # [i, j]: unit j is certainly ahead of i
    wholly_below = highs[None, :] < lows[:, None]  # [i, j]: unit j is certainly behind i
    best = 1 + wholly_above.sum(axis=1)
    worst = lows.size - wholly_below.sum(axis=1)
    return frozen_array(best, dtype=np.int64), frozen_array(worst, dtype=np.int64)
