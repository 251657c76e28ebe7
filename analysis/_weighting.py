"""Weighting survey answers to the population: post-stratification and raking.

Respondents at a desk are not a random sample of the people served: some
procedures, channels or age groups answer more often than others. When the
population shares are known (from the case-management system: dossiers per
procedure, per channel), answers can be reweighted so that each group counts
in proportion to its share, at the price of a larger variance (the design
effect).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ._validation import as_counts, as_integer_counts, frozen_array

__all__ = [
    "DesignEffect",
    "PoststratifiedRate",
    "RakeResult",
    "WeightedProportion",
    "design_effect",
    "poststratify",
    "rake",
    "weighted_proportion",
]


@dataclass(frozen=True)
class DesignEffect:
    """Result of :func:`design_effect`.

    Attributes
    ----------
    design_effect : float
        Kish's design effect due to unequal weights, n Σw² / (Σw)² (1 for equal
        weights; 2 means the weighted estimate is as precise as one from half
        as many respondents).
    effective_n : float
        Effective sample size, (Σw)² / Σw² = n / design_effect.
    """

    design_effect: float
    effective_n: float


def design_effect(weights: ArrayLike) -> DesignEffect:
    """Kish's design effect and effective sample size of a set of weights.

    Parameters
    ----------
    weights : array_like of float, shape (n,)
        One positive weight per respondent.

    Returns
    -------
    DesignEffect
        ``design_effect`` and ``effective_n``.

    Raises
    ------
    ValueError
        If ``weights`` is empty, not 1-D, or has a weight that is not a positive
        finite number.

    References
    ----------
    .. [1] L. Kish, Survey Sampling, Wiley (1965), section 11.7.
    .. [2] L. Kish, "Weighting for unequal P_i", Journal of Official Statistics 8
       (1992) 183-200.

    Examples
    --------
    >>> from analysis import design_effect
    >>> result = design_effect([1, 1, 2, 2])
    >>> round(result.design_effect, 4), round(result.effective_n, 2)
    (1.1111, 3.6)
    """
    w = as_counts(weights, "weights", ndim=1)
    if np.any(w == 0):
        raise ValueError("weights must be positive; leave out respondents with weight 0")
    n = w.size
    total = float(w.sum())
    sum_squares = float(np.sum(w**2))
    effective_n = total**2 / sum_squares
    return DesignEffect(design_effect=n / effective_n, effective_n=effective_n)


@dataclass(frozen=True)
class WeightedProportion:
    """Result of :func:`weighted_proportion`.

    Attributes
    ----------
    rate : float
        Weighted proportion Σ w_i y_i / Σ w_i.
    standard_error : float
        Linearisation (Taylor) standard error, with the n/(n − 1) factor.
    n : int
        Number of respondents.
    """

    rate: float
    standard_error: float
    n: int


def weighted_proportion(y: ArrayLike, w: ArrayLike) -> WeightedProportion:
    """Weighted proportion of satisfied respondents and its standard error.

    Parameters
    ----------
    y : array_like of {0, 1} or bool, shape (n,)
        1 (or ``True``) for a satisfied respondent, 0 otherwise.
    w : array_like of float, shape (n,)
        Positive weight of each respondent.

    Returns
    -------
    WeightedProportion
        ``rate``, ``standard_error`` and ``n``.

    Raises
    ------
    ValueError
        If the arrays are not 1-D of the same length, fewer than 2 respondents
        are given, a ``y`` is not 0 or 1, or a weight is not positive and finite.

    Notes
    -----
    The standard error treats respondents as independent draws with the given
    weights (no strata, no clusters, no finite-population correction), the
    ratio-estimator linearisation of R's ``survey::svymean`` for
    ``svydesign(ids = ~1, weights = ~w)``:
    SE² = n/(n − 1) Σ w_i² (y_i − p)² / (Σ w_i)². With equal weights it reduces
    to p(1 − p)/(n − 1).

    References
    ----------
    .. [1] C.-E. Särndal, B. Swensson and J. Wretman, Model Assisted Survey
       Sampling, Springer (1992), section 5.6 (ratio estimator).
    .. [2] T. Lumley, Complex Surveys: A Guide to Analysis Using R, Wiley
       (2010), chapter 2.

    Examples
    --------
    >>> from analysis import weighted_proportion
    >>> result = weighted_proportion([1, 1, 0, 1], [1.0, 2.0, 1.0, 0.5])
    >>> round(result.rate, 4), round(result.standard_error, 4)
    (0.7778, 0.2385)
    """
    try:
        values = np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"y must be 0/1 values, got {y!r}") from None
    if values.ndim != 1:
        raise ValueError(f"y must be 1-dimensional, got shape {values.shape}")
    if not np.all((values == 0.0) | (values == 1.0)):
        raise ValueError("y must contain only 0 (not satisfied) and 1 (satisfied)")
    weights = as_counts(w, "w", ndim=1)
    if weights.shape != values.shape:
        raise ValueError(f"y and w must have the same length, got {values.size} and {weights.size}")
    if np.any(weights == 0):
        raise ValueError("w must be positive; leave out respondents with weight 0")
    n = values.size
    if n < 2:
        raise ValueError("weighted_proportion needs at least 2 respondents")
    total = float(weights.sum())
    rate = float(weights @ values) / total
    variance = n / (n - 1.0) * float(np.sum((weights * (values - rate)) ** 2)) / total**2
    return WeightedProportion(rate=rate, standard_error=float(np.sqrt(variance)), n=n)


@dataclass(frozen=True)
class PoststratifiedRate:
    """Result of :func:`poststratify`.

    Attributes
    ----------
    rate : float
        Post-stratified rate Σ W_h p_h, W_h the population share of stratum h.
    standard_error : float
        sqrt(Σ W_h² p_h (1 − p_h) / (n_h − 1)), without finite-population
        correction.
    weights : numpy.ndarray
        Weight of each respondent in each stratum, N_h / n_h when ``population``
        holds counts (respondents represented per answer), W_h n / n_h when it
        holds shares (then the weights average 1). 0 for an empty stratum with
        no population.
    design_effect : float
        Kish's design effect of those respondent weights.
    """

    rate: float
    standard_error: float
    weights: np.ndarray
    design_effect: float


def poststratify(
    sample_n: ArrayLike, sample_successes: ArrayLike, population: ArrayLike
) -> PoststratifiedRate:
    """Post-stratified satisfaction rate from per-stratum counts.

    Parameters
    ----------
    sample_n : array_like of int, shape (strata,)
        Respondents in each stratum (procedure group, channel, age band …).
    sample_successes : array_like of int, shape (strata,)
        Satisfied respondents in each stratum.
    population : array_like of float, shape (strata,)
        Population size of each stratum (e.g. dossiers handled), or population
        shares summing to 1; only the proportions matter for the rate.

    Returns
    -------
    PoststratifiedRate
        ``rate``, ``standard_error``, ``weights`` (per respondent, per stratum)
        and ``design_effect``.

    Raises
    ------
    ValueError
        If the arrays are not 1-D of equal length, counts are negative or not
        whole, successes exceed respondents, the population is all zero, a
        stratum with population has no respondents or only one (its variance
        cannot be estimated: merge it with a neighbouring stratum).

    Notes
    -----
    The variance is that of a stratified sample with proportional allocation
    ignored (Cochran 1977, eq. 5.53 with s_h² = n_h p_h (1 − p_h)/(n_h − 1)),
    conditioning on the achieved n_h, without finite-population correction. A
    stratum with population 0 gets weight 0 and does not enter the rate.

    References
    ----------
    .. [1] W. G. Cochran, Sampling Techniques, 3rd ed., Wiley (1977), sections
       5.3 and 5A.9.
    .. [2] D. Holt and T. M. F. Smith, "Post stratification", JRSS A 142 (1979)
       33-46.

    Examples
    --------
    >>> from analysis import poststratify
    >>> result = poststratify([60, 40], [54, 28], [0.4, 0.6])
    >>> round(result.rate, 3), round(result.standard_error, 4)
    (0.78, 0.0467)
    """
    n = as_integer_counts(sample_n, "sample_n", ndim=1)
    x = as_integer_counts(sample_successes, "sample_successes", ndim=1)
    population_sizes = as_counts(population, "population", ndim=1)
    if not (n.shape == x.shape == population_sizes.shape):
        raise ValueError(
            "sample_n, sample_successes and population must have one value per stratum, "
            f"got lengths {n.size}, {x.size} and {population_sizes.size}"
        )
    if np.any(x > n):
        raise ValueError(
            f"sample_successes exceed sample_n in strata {np.flatnonzero(x > n).tolist()}"
        )
    population_total = float(population_sizes.sum())
    if population_total == 0:
        raise ValueError("population must not be all zero")
    in_population = population_sizes > 0
    unobserved = np.flatnonzero(in_population & (n == 0))
    if unobserved.size:
        raise ValueError(
            f"strata {unobserved.tolist()} have population but no respondents; "
            "merge them with neighbouring strata"
        )
    single = np.flatnonzero(in_population & (n == 1))
    if single.size:
        raise ValueError(
            f"strata {single.tolist()} have a single respondent, so their variance cannot "
            "be estimated; merge them with neighbouring strata"
        )
    shares = population_sizes / population_total
    used = in_population
    p = np.zeros_like(shares)
    p[used] = x[used] / n[used]
    rate = float(np.sum(shares[used] * p[used]))
    variance = float(np.sum(shares[used] ** 2 * p[used] * (1.0 - p[used]) / (n[used] - 1.0)))

    is_share = abs(population_total - 1.0) < 1e-9
    scale = float(n.sum()) if is_share else population_total
    weights = np.zeros_like(shares)
    weights[used] = shares[used] * scale / n[used]
    respondents = n[used]
    deff = float(
        respondents.sum()
        * np.sum(respondents * weights[used] ** 2)
        / np.sum(respondents * weights[used]) ** 2
    )
    return PoststratifiedRate(
        rate=rate,
        standard_error=float(np.sqrt(variance)),
        weights=frozen_array(weights),
        design_effect=deff,
    )


@dataclass(frozen=True)
class RakeResult:
    """Result of :func:`rake`.

    Attributes
    ----------
    fitted : numpy.ndarray
        The fitted table, same shape as the seed, whose sums along each axis
        equal the target margins.
    iterations : int
        Number of full cycles over the margins used.
    max_margin_error : float
        Largest absolute difference between a fitted and a target margin.
    """

    fitted: np.ndarray
    iterations: int
    max_margin_error: float


def rake(
    seed: ArrayLike, margins: Sequence[ArrayLike], tol: float = 1e-10, max_iter: int = 1000
) -> RakeResult:
    """Iterative proportional fitting (raking) of a table to known margins.

    Parameters
    ----------
    seed : array_like of float, N-dimensional
        Starting table, e.g. the sample counts by channel × age band; zeros stay
        zero. All ones gives the independence table.
    margins : sequence of array_like
        One 1-D target array per axis of ``seed``, in axis order, with length
        ``seed.shape[axis]``; all must have the same total.
    tol : float, optional
        Convergence tolerance on the largest margin error, relative to the
        total. Default 1e-10.
    max_iter : int, optional
        Maximum number of cycles over all margins. Default 1000.

    Returns
    -------
    RakeResult
        ``fitted`` table, ``iterations`` and ``max_margin_error``.

    Raises
    ------
    ValueError
        If the seed is empty or has negative or non-finite cells, the number or
        lengths of the margins do not match the seed, the margins' totals
        disagree, a positive target falls on a seed slice that is all zero, or
        the fit does not converge within ``max_iter`` cycles (the zeros of the
        seed make the margins impossible to meet).

    Notes
    -----
    Each cycle scales the table along every axis in turn so that its sums match
    that axis' margin (Deming and Stephan 1940). The limit keeps the seed's
    interactions (all cross-product ratios of a 2-D table, Mosteller 1968) and
    is the table closest to the seed in Kullback–Leibler divergence with those
    margins (Ireland and Kullback 1968).

    References
    ----------
    .. [1] W. E. Deming and F. F. Stephan, "On a least squares adjustment of a
       sampled frequency table when the expected marginal totals are known",
       Annals of Mathematical Statistics 11 (1940) 427-444.
    .. [2] F. Mosteller, "Association and estimation in contingency tables",
       JASA 63 (1968) 1-28.
    .. [3] C. T. Ireland and S. Kullback, "Contingency tables with given
       marginals", Biometrika 55 (1968) 179-188.

    Examples
    --------
    >>> from analysis import rake
    >>> result = rake([[40, 30], [10, 20]], [[60, 40], [50, 50]])
    >>> result.fitted.round(2)
    array([[35.76, 24.24],
           [14.24, 25.76]])
    """
    table = as_counts(seed, "seed")
    if table.ndim == 0:
        raise ValueError("seed must be a table with at least one axis")
    try:
        targets = [np.asarray(margin, dtype=float) for margin in margins]
    except (TypeError, ValueError):
        raise ValueError("margins must be a sequence of numeric 1-D arrays") from None
    if len(targets) != table.ndim:
        raise ValueError(
            f"margins must give one target array per axis of seed ({table.ndim}), "
            f"got {len(targets)}"
        )
    for axis, target in enumerate(targets):
        if target.shape != (table.shape[axis],):
            raise ValueError(
                f"margin {axis} must have length {table.shape[axis]}, got shape {target.shape}"
            )
        if not np.all(np.isfinite(target)) or np.any(target < 0):
            raise ValueError(f"margin {axis} must hold finite, non-negative numbers")
    totals = np.array([target.sum() for target in targets])
    grand_total = float(totals[0])
    if not np.allclose(totals, grand_total, rtol=1e-9, atol=1e-12):
        raise ValueError(f"margins must all have the same total, got totals {totals.tolist()}")
    if not (isinstance(max_iter, int | np.integer) and max_iter >= 1):
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    try:
        tolerance = float(tol)
    except (TypeError, ValueError):
        raise ValueError(f"tol must be a positive number, got {tol!r}") from None
    if not tolerance > 0:
        raise ValueError(f"tol must be a positive number, got {tol!r}")

    other_axes = [tuple(a for a in range(table.ndim) if a != axis) for axis in range(table.ndim)]
    for axis, target in enumerate(targets):
        current = table.sum(axis=other_axes[axis])
        impossible = np.flatnonzero((current == 0) & (target > 0))
        if impossible.size:
            raise ValueError(
                f"margin {axis} asks for a positive total at positions {impossible.tolist()} "
                "where the seed is all zero"
            )

    fitted = table.copy()
    scale_reference = max(grand_total, 1.0)

    def margin_error(current_table: np.ndarray) -> float:
        return max(
            float(np.max(np.abs(current_table.sum(axis=other_axes[axis]) - targets[axis])))
            for axis in range(table.ndim)
        )

    for iteration in range(1, max_iter + 1):
        for axis, target in enumerate(targets):
            current = fitted.sum(axis=other_axes[axis])
            factor = np.divide(target, current, out=np.zeros_like(target), where=current > 0)
            shape = [1] * table.ndim
            shape[axis] = -1
            fitted *= factor.reshape(shape)
        error = margin_error(fitted)
        if error <= tolerance * scale_reference:
            return RakeResult(
                fitted=frozen_array(fitted), iterations=iteration, max_margin_error=error
            )
    raise ValueError(
        f"raking did not converge in {max_iter} cycles (largest margin error {error:.3g}); "
        "the zeros of the seed may make these margins impossible to meet"
    )
