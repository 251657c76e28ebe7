"""Proportions and scores from count tables: rates with intervals, mean scores, NPS.

Every function here takes counts (the result of a SQL ``GROUP BY``), never rows of
individual answers, and returns a small frozen result object.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy
from numpy.typing import ArrayLike

from ._validation import as_integer_counts, check_confidence_level, check_method

__all__ = [
    "PROPORTION_CI_METHODS",
    "ConfidenceInterval",
    "MeanScore",
    "NetPromoterScore",
    "SatisfactionRate",
    "mean_score",
    "nps",
    "proportion_ci",
    "satisfaction_rate",
    "wilson_lower_bound",
]

PROPORTION_CI_METHODS = (
    "wilson",
    "wilson_cc",
    "agresti_coull",
    "clopper_pearson",
    "jeffreys",
    "wald",
)


@dataclass(frozen=True)
class ConfidenceInterval:
    """A two-sided confidence interval.

    Attributes
    ----------
    low, high : float
        Lower and upper ends, in the unit of the estimate they belong to
        (a proportion 0..1, a score 1..5, NPS points -100..100, ...).
    """

    low: float
    high: float


@dataclass(frozen=True)
class SatisfactionRate:
    """Share of satisfied answers, from :func:`satisfaction_rate`.

    Attributes
    ----------
    rate : float
        Proportion of satisfied answers, between 0 and 1 (multiply by 100 for the
        published percentage).
    successes : int
        Number of satisfied answers.
    n : int
        Number of answers counted (not-applicable answers are not answers).
    ci : ConfidenceInterval
        Interval for ``rate``, as a proportion.
    """

    rate: float
    successes: int
    n: int
    ci: ConfidenceInterval


@dataclass(frozen=True)
class MeanScore:
    """Mean of a rating scale, from :func:`mean_score`.

    Attributes
    ----------
    mean : float
        Mean score, in the unit of the levels (1..5 on the SIPAS scale).
    sd : float or None
        Sample standard deviation (``ddof=1``); ``None`` when ``n == 1``, where it
        is undefined.
    n : int
        Number of answers.
    ci : ConfidenceInterval or None
        Student-t interval for the mean, clipped to the range of the levels;
        ``None`` when ``n == 1``.
    """

    mean: float
    sd: float | None
    n: int
    ci: ConfidenceInterval | None


@dataclass(frozen=True)
class NetPromoterScore:
    """Net Promoter Score, from :func:`nps`.

    Attributes
    ----------
    score : float
        Percentage of promoters minus percentage of detractors, in points (-100..100).
    se : float
        Standard error of ``score``, in points.
    n : int
        Number of respondents (promoters + passives + detractors).
    ci : ConfidenceInterval
        Normal-approximation interval in points, clipped to [-100, 100].
    """

    score: float
    se: float
    n: int
    ci: ConfidenceInterval


def _z(confidence_level: float) -> float:
    return float(scipy.special.ndtri(0.5 + confidence_level / 2.0))


def _check_successes_and_n(successes: ArrayLike, n: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate successes and n (scalars or arrays) and return them as float arrays."""
    x = as_integer_counts(successes, "successes")
    total = as_integer_counts(n, "n")
    try:
        x, total = np.broadcast_arrays(x, total)
    except ValueError:
        raise ValueError(
            f"successes and n must have the same shape, got {np.shape(successes)} and {np.shape(n)}"
        ) from None
    if np.any(total == 0):
        raise ValueError("n must be at least 1: there is no interval without data")
    if np.any(x > total):
        raise ValueError("successes must not exceed n")
    return x, total


def _wilson_bounds(x: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    p = x / n
    z2 = z * z
    centre = (x + z2 / 2.0) / (n + z2)
    half = z * np.sqrt(n) / (n + z2) * np.sqrt(p * (1.0 - p) + z2 / (4.0 * n))
    # Analytically the bounds are exactly 0 at x = 0 and 1 at x = n; rounding may not agree.
    low = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def _wilson_cc_bounds(x: float, n: float, z: float) -> tuple[float, float]:
    # Newcombe (1998), method 4.
    p = x / n
    q = 1.0 - p
    z2 = z * z
    denominator = 2.0 * (n + z2)
    if x == 0:
        low = 0.0
    else:
        root = math.sqrt(max(z2 - 2.0 - 1.0 / n + 4.0 * p * (n * q + 1.0), 0.0))
        low = max(0.0, (2.0 * n * p + z2 - 1.0 - z * root) / denominator)
    if x == n:
        high = 1.0
    else:
        root = math.sqrt(max(z2 + 2.0 - 1.0 / n + 4.0 * p * (n * q - 1.0), 0.0))
        high = min(1.0, (2.0 * n * p + z2 + 1.0 + z * root) / denominator)
    return low, high


def proportion_ci(
    successes: int,
    n: int,
    confidence_level: float = 0.95,
    method: str = "wilson",
) -> ConfidenceInterval:
    """Two-sided confidence interval for a binomial proportion.

    Parameters
    ----------
    successes : int
        Number of successes (e.g. satisfied answers), ``0 <= successes <= n``.
    n : int
        Number of trials (answers), at least 1.
    confidence_level : float, optional
        Confidence level, strictly between 0 and 1. Default 0.95.
    method : str, optional
        One of:

        - ``"wilson"`` (default): Wilson (1927) score interval. The platform's
          choice for published rates: coverage close to nominal for every n and p,
          never outside [0, 1], never of zero width.
        - ``"wilson_cc"``: Wilson score interval with continuity correction,
          Newcombe (1998) method 4.
        - ``"agresti_coull"``: Agresti & Coull (1998) "add z²/2 successes and
          failures" interval, clipped to [0, 1].
        - ``"clopper_pearson"``: the "exact" interval from beta quantiles; its
          coverage is at least nominal, so it is wide.
        - ``"jeffreys"``: equal-tailed Jeffreys interval (beta(x + 1/2, n - x + 1/2)
          quantiles), with the lower end 0 at ``x = 0`` and the upper end 1 at
          ``x = n`` as in Brown, Cai & DasGupta (2001).
        - ``"wald"``: p ± z·sqrt(p(1 - p)/n), clipped to [0, 1]. Offered for
          comparison only: it has zero width at x = 0 and x = n and poor coverage.

    Returns
    -------
    ConfidenceInterval
        ``low`` and ``high`` as proportions in [0, 1].

    Raises
    ------
    ValueError
        If ``n`` is 0, a count is negative or not a whole number, ``successes > n``,
        the confidence level is not in (0, 1), or the method is unknown.

    References
    ----------
    .. [1] E. B. Wilson, "Probable inference, the law of succession, and statistical
       inference", JASA 22 (1927) 209-212.
    .. [2] R. G. Newcombe, "Two-sided confidence intervals for the single proportion:
       comparison of seven methods", Statistics in Medicine 17 (1998) 857-872.
    .. [3] A. Agresti and B. A. Coull, "Approximate is better than 'exact' for
       interval estimation of binomial proportions", The American Statistician 52
       (1998) 119-126.
    .. [4] L. D. Brown, T. T. Cai and A. DasGupta, "Interval estimation for a binomial
       proportion", Statistical Science 16 (2001) 101-133.

    Examples
    --------
    >>> from analysis import proportion_ci
    >>> ci = proportion_ci(81, 263)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.2553, 0.3662)
    """
    level = check_confidence_level(confidence_level)
    check_method(method, PROPORTION_CI_METHODS)
    if np.ndim(successes) != 0 or np.ndim(n) != 0:
        raise ValueError(
            "successes and n must be single numbers; use wilson_lower_bound for arrays"
        )
    x_array, n_array = _check_successes_and_n(successes, n)
    x, total = float(x_array), float(n_array)
    z = _z(level)
    alpha = 1.0 - level
    p = x / total

    if method == "wilson":
        low_array, high_array = _wilson_bounds(x_array, n_array, z)
        low, high = float(low_array), float(high_array)
    elif method == "wilson_cc":
        low, high = _wilson_cc_bounds(x, total, z)
    elif method == "agresti_coull":
        n_tilde = total + z * z
        p_tilde = (x + z * z / 2.0) / n_tilde
        half = z * math.sqrt(p_tilde * (1.0 - p_tilde) / n_tilde)
        low, high = max(0.0, p_tilde - half), min(1.0, p_tilde + half)
    elif method == "clopper_pearson":
        low = 0.0 if x == 0 else float(scipy.stats.beta.ppf(alpha / 2.0, x, total - x + 1.0))
        high = (
            1.0
            if x == total
            else float(scipy.stats.beta.ppf(1.0 - alpha / 2.0, x + 1.0, total - x))
        )
    elif method == "jeffreys":
        low = 0.0 if x == 0 else float(scipy.stats.beta.ppf(alpha / 2.0, x + 0.5, total - x + 0.5))
        high = (
            1.0
            if x == total
            else float(scipy.stats.beta.ppf(1.0 - alpha / 2.0, x + 0.5, total - x + 0.5))
        )
    else:  # wald
        half = z * math.sqrt(p * (1.0 - p) / total)
        low, high = max(0.0, p - half), min(1.0, p + half)
    return ConfidenceInterval(low=low, high=high)


def wilson_lower_bound(
    successes: ArrayLike, n: ArrayLike, confidence_level: float = 0.95
) -> float | np.ndarray:
    """Lower end of the two-sided Wilson score interval, vectorised.

    Used to rank units by a rate without rewarding small samples: a unit with
    3 satisfied answers out of 3 ranks below one with 95 out of 100.

    Parameters
    ----------
    successes : int or array_like of int
        Numbers of successes.
    n : int or array_like of int
        Numbers of trials, each at least 1; broadcast against ``successes``.
    confidence_level : float, optional
        Confidence level of the two-sided interval whose lower end is returned
        (0.95 gives the 2.5 % one-sided bound). Default 0.95.

    Returns
    -------
    float or numpy.ndarray
        A float when both inputs are scalars, otherwise an array of the broadcast
        shape. Equal to ``proportion_ci(successes, n, confidence_level).low``.

    Raises
    ------
    ValueError
        If any ``n`` is 0 (filter out units without answers first), a count is
        negative or not whole, ``successes > n``, the shapes do not broadcast or
        the confidence level is not in (0, 1).

    References
    ----------
    .. [1] E. B. Wilson, "Probable inference, the law of succession, and statistical
       inference", JASA 22 (1927) 209-212.
    .. [2] E. Miller, "How not to sort by average rating" (2009), on ranking by
       the Wilson lower bound.

    Examples
    --------
    >>> from analysis import wilson_lower_bound
    >>> wilson_lower_bound([3, 95], [3, 100]).round(3)
    array([0.439, 0.888])
    """
    level = check_confidence_level(confidence_level)
    x, total = _check_successes_and_n(successes, n)
    low, _ = _wilson_bounds(x, total, _z(level))
    if low.ndim == 0:
        return float(low)
    return low


def _check_levels(levels: Iterable[float], counts: np.ndarray) -> tuple[float, ...]:
    try:
        level_values = tuple(float(level) for level in levels)
    except (TypeError, ValueError):
        raise ValueError(f"levels must be a sequence of numbers, got {levels!r}") from None
    if len(level_values) != counts.shape[0]:
        raise ValueError(
            f"counts has {counts.shape[0]} entries but levels has {len(level_values)}; "
            "give one count per level"
        )
    if len(set(level_values)) != len(level_values):
        raise ValueError(f"levels must be distinct, got {levels!r}")
    if not all(math.isfinite(level) for level in level_values):
        raise ValueError(f"levels must be finite numbers, got {levels!r}")
    return level_values


def satisfaction_rate(
    counts: Sequence[int],
    levels: Sequence[float] = (1, 2, 3, 4, 5),
    satisfied: Sequence[float] = (4, 5),
    confidence_level: float = 0.95,
    method: str = "wilson",
) -> SatisfactionRate:
    """Share of satisfied answers among all answers, with a confidence interval.

    Parameters
    ----------
    counts : sequence of int
        Number of answers at each level, aligned with ``levels``. Not-applicable
        answers ("Không áp dụng") must not be included: they are not answers.
    levels : sequence of numbers, optional
        The levels of the scale, default the SIPAS 1..5 scale.
    satisfied : sequence of numbers, optional
        The levels counted as satisfied, a subset of ``levels``; default (4, 5):
        "Hài lòng" and "Rất hài lòng", as in the published SIPAS rates.
    confidence_level : float, optional
        Default 0.95.
    method : str, optional
        Interval method, see :func:`proportion_ci`; default ``"wilson"``.

    Returns
    -------
    SatisfactionRate
        ``rate`` is a proportion in [0, 1], not a percentage.

    Raises
    ------
    ValueError
        If all counts are zero (no answers, no rate), counts are negative or not
        whole numbers, counts and levels differ in length, or ``satisfied`` is not
        a non-empty subset of ``levels``.

    References
    ----------
    .. [1] Bộ Nội vụ, Chỉ số hài lòng về sự phục vụ hành chính (SIPAS): a criterion's
       rate is (n₄ + n₅) / (answers excluding not applicable) × 100.
    .. [2] E. B. Wilson, JASA 22 (1927) 209-212.

    Examples
    --------
    >>> from analysis import satisfaction_rate
    >>> result = satisfaction_rate([3, 5, 10, 40, 42])
    >>> result.rate, result.successes, result.n
    (0.82, 82, 100)
    """
    level = check_confidence_level(confidence_level)
    check_method(method, PROPORTION_CI_METHODS)
    array = as_integer_counts(counts, "counts", ndim=1)
    level_values = _check_levels(levels, array)
    satisfied_values = _check_satisfied(satisfied, level_values)
    total = int(array.sum())
    if total == 0:
        raise ValueError("counts are all zero: there is no satisfaction rate without answers")
    mask = np.array([value in satisfied_values for value in level_values])
    successes = int(array[mask].sum())
    ci = proportion_ci(successes, total, confidence_level=level, method=method)
    return SatisfactionRate(rate=successes / total, successes=successes, n=total, ci=ci)


def _check_satisfied(
    satisfied: Iterable[float], level_values: tuple[float, ...]
) -> frozenset[float]:
    try:
        satisfied_values = frozenset(float(value) for value in satisfied)
    except (TypeError, ValueError):
        raise ValueError(f"satisfied must be a sequence of levels, got {satisfied!r}") from None
    if not satisfied_values:
        raise ValueError("satisfied must name at least one level")
    unknown = satisfied_values.difference(level_values)
    if unknown:
        raise ValueError(
            f"satisfied levels {sorted(unknown)} are not among levels {list(level_values)}"
        )
    return satisfied_values


def mean_score(
    counts: Sequence[int],
    levels: Sequence[float] = (1, 2, 3, 4, 5),
    confidence_level: float = 0.95,
) -> MeanScore:
    """Mean score of a rating scale from counts per level, with a t-interval.

    Parameters
    ----------
    counts : sequence of int
        Number of answers at each level, aligned with ``levels``; not-applicable
        answers excluded.
    levels : sequence of numbers, optional
        Score of each level, default the SIPAS 1..5 scale.
    confidence_level : float, optional
        Default 0.95.

    Returns
    -------
    MeanScore
        ``mean``, ``sd`` (sample standard deviation, ``ddof=1``), ``n`` and ``ci``,
        the Student-t interval mean ± t(n-1)·sd/√n clipped to [min(levels),
        max(levels)] since a mean cannot leave the scale. With a single answer
        (``n == 1``) the standard deviation is undefined: ``sd`` and ``ci`` are
        ``None``. When all answers are equal the interval has zero width.

    Raises
    ------
    ValueError
        If all counts are zero, counts are negative or not whole numbers, or counts
        and levels differ in length.

    References
    ----------
    .. [1] "Student" (W. S. Gosset), "The probable error of a mean", Biometrika 6
       (1908) 1-25.

    Examples
    --------
    >>> from analysis import mean_score
    >>> result = mean_score([0, 0, 1, 2, 1])
    >>> result.mean, round(result.sd, 4), result.n
    (4.0, 0.8165, 4)
    """
    level = check_confidence_level(confidence_level)
    array = as_integer_counts(counts, "counts", ndim=1)
    level_values = np.asarray(_check_levels(levels, array))
    total = int(array.sum())
    if total == 0:
        raise ValueError("counts are all zero: there is no mean score without answers")
    mean = float(np.dot(array, level_values) / total)
    if total == 1:
        return MeanScore(mean=mean, sd=None, n=1, ci=None)
    # Two-pass sum of squares about the mean, as numpy.var does.
    sum_squares = float(np.dot(array, (level_values - mean) ** 2))
    sd = math.sqrt(sum_squares / (total - 1))
    half = float(scipy.stats.t.ppf(0.5 + level / 2.0, total - 1)) * sd / math.sqrt(total)
    low = max(float(level_values.min()), mean - half)
    high = min(float(level_values.max()), mean + half)
    return MeanScore(mean=mean, sd=sd, n=total, ci=ConfidenceInterval(low=low, high=high))


def nps(
    promoters: int,
    passives: int,
    detractors: int,
    confidence_level: float = 0.95,
) -> NetPromoterScore:
    """Net Promoter Score with a normal-approximation interval.

    Parameters
    ----------
    promoters, passives, detractors : int
        Numbers of respondents in each group (on the 0-10 scale: 9-10, 7-8, 0-6).
    confidence_level : float, optional
        Default 0.95.

    Returns
    -------
    NetPromoterScore
        ``score`` = 100·(p_P − p_D) in points; ``se`` = 100·sqrt((p_P + p_D −
        (p_P − p_D)²)/n), the plug-in multinomial standard error; ``ci`` =
        score ± z·se, clipped to [−100, 100]. When every respondent is in one group
        the plug-in ``se`` is 0 and the interval has zero width.

    Raises
    ------
    ValueError
        If there are no respondents, or a count is negative or not a whole number.

    References
    ----------
    .. [1] F. F. Reichheld, "The one number you need to grow", Harvard Business
       Review 81 (2003) 46-54.
    .. [2] B. Rocks, "Interval estimation for the net promoter score", The American
       Statistician 70 (2016) 365-372 (variance of the difference of two
       multinomial proportions).

    Examples
    --------
    >>> from analysis import nps
    >>> result = nps(50, 30, 20)
    >>> result.score, round(result.se, 3)
    (30.0, 7.81)
    """
    level = check_confidence_level(confidence_level)
    array = as_integer_counts([promoters, passives, detractors], "promoters, passives, detractors")
    total = int(array.sum())
    if total == 0:
        raise ValueError("promoters, passives and detractors are all zero: no respondents")
    share_promoters = array[0] / total
    share_detractors = array[2] / total
    difference = share_promoters - share_detractors
    variance = max(share_promoters + share_detractors - difference**2, 0.0)
    score = float(100.0 * difference)
    se = float(100.0 * math.sqrt(variance / total))
    half = _z(level) * se
    ci = ConfidenceInterval(low=max(-100.0, score - half), high=min(100.0, score + half))
    return NetPromoterScore(score=score, se=se, n=total, ci=ci)
