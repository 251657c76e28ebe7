"""Comparing groups from count tables: chi-square, rank tests, trend, multiplicity.

Every test here takes the counts a SQL ``GROUP BY`` produces (groups × ordered
answer levels), never rows of individual answers. The rank tests treat the
levels as ordered categories, so every answer at one level is a tie; the tie
corrections make the results equal to the textbook tests run on the expanded
rows (checked against scipy and R in ``tests/analysis/test_comparisons.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy
from numpy.typing import ArrayLike

from ._validation import as_counts, as_integer_counts, check_method, frozen_array

__all__ = [
    "Chi2IndependenceResult",
    "DunnResult",
    "KruskalResult",
    "MannWhitneyResult",
    "TrendTestResult",
    "adjust_pvalues",
    "chi2_independence",
    "dunn_from_counts",
    "kruskal_from_counts",
    "mann_whitney_from_counts",
    "trend_test",
]

ADJUST_METHODS = ("holm", "bh")


# --------------------------------------------------------------------------- chi-square


@dataclass(frozen=True)
class Chi2IndependenceResult:
    """Result of :func:`chi2_independence`.

    Attributes
    ----------
    statistic : float
        Pearson's X² or the likelihood-ratio G² statistic.
    pvalue : float
        Upper-tail probability of the chi-square distribution with ``dof``
        degrees of freedom.
    dof : int
        Degrees of freedom, (rows − 1)(columns − 1).
    expected : numpy.ndarray
        Expected counts under independence, row total × column total / total.
    method : str
        ``"pearson"`` or ``"g"``.
    """

    statistic: float
    pvalue: float
    dof: int
    expected: np.ndarray
    method: str


def chi2_independence(table: ArrayLike, method: str = "pearson") -> Chi2IndependenceResult:
    """Chi-square test of independence of the rows and columns of a count table.

    Typical use: is the distribution of answers (columns) the same across
    agencies or channels (rows)?

    Parameters
    ----------
    table : array_like, shape (rows, columns)
        Non-negative counts, at least 2 × 2. Weighted (non-integral) counts are
        accepted, but the p-value then assumes they are counts of independent
        answers.
    method : {"pearson", "g"}, optional
        ``"pearson"`` (default): X² = Σ (O − E)² / E. ``"g"``: the likelihood-ratio
        statistic G² = 2 Σ O log(O / E), with empty cells contributing 0.

    Returns
    -------
    Chi2IndependenceResult
        ``statistic``, ``pvalue``, ``dof`` and ``expected``.

    Raises
    ------
    ValueError
        If the table is not 2-D, smaller than 2 × 2, has negative or non-finite
        counts, a row or column that is all zeros (its expected counts would be
        0; the message names it, drop it before testing), or ``method`` is
        unknown.

    Notes
    -----
    No continuity correction is applied, not even to 2 × 2 tables (R's
    ``chisq.test`` applies Yates' correction to 2 × 2 tables unless
    ``correct = FALSE``; scipy's ``chi2_contingency`` does so unless
    ``correction=False``). The correction makes the test conservative and the
    platform reports uncorrected statistics for every table size alike.
    The chi-square approximation is poor when many expected counts are below 5;
    check ``expected``.

    References
    ----------
    .. [1] K. Pearson, "On the criterion that a given system of deviations ...",
       Philosophical Magazine 50 (1900) 157-175.
    .. [2] A. Agresti, An Introduction to Categorical Data Analysis, 2nd ed.,
       Wiley (2007), section 2.4.

    Examples
    --------
    >>> from analysis import chi2_independence
    >>> result = chi2_independence([[762, 327, 468], [484, 239, 477]])
    >>> round(result.statistic, 2), result.dof
    (30.07, 2)
    """
    check_method(method, ("pearson", "g"))
    observed = as_counts(table, "table", ndim=2)
    n_rows, n_columns = observed.shape
    if n_rows < 2 or n_columns < 2:
        raise ValueError(f"table must have at least 2 rows and 2 columns, got {observed.shape}")
    row_totals = observed.sum(axis=1)
    column_totals = observed.sum(axis=0)
    empty_rows = np.flatnonzero(row_totals == 0)
    empty_columns = np.flatnonzero(column_totals == 0)
    if empty_rows.size or empty_columns.size:
        raise ValueError(
            "table has rows or columns with no counts, which have no expected counts; "
            f"drop them first (empty rows: {empty_rows.tolist()}, "
            f"empty columns: {empty_columns.tolist()})"
        )
    expected = np.outer(row_totals, column_totals) / observed.sum()
    if method == "pearson":
        statistic = float(np.sum((observed - expected) ** 2 / expected))
    else:
        positive = observed > 0
        statistic = float(
            2.0 * np.sum(observed[positive] * np.log(observed[positive] / expected[positive]))
        )
        statistic = max(statistic, 0.0)  # rounding can give -1e-15 for a perfect fit
    dof = (n_rows - 1) * (n_columns - 1)
    pvalue = float(scipy.stats.chi2.sf(statistic, dof))
    return Chi2IndependenceResult(
        statistic=statistic, pvalue=pvalue, dof=dof, expected=frozen_array(expected), method=method
    )


# --------------------------------------------------------------------------- rank tests


def _level_midranks(level_totals: np.ndarray) -> np.ndarray:
    """Mid-rank of each level when all answers are sorted by level."""
    before = np.cumsum(level_totals) - level_totals
    midranks: np.ndarray = before + (level_totals + 1.0) / 2.0
    return midranks


def _tie_sum(level_totals: np.ndarray) -> float:
    """Σ (t³ − t) over the tie groups, i.e. over the levels."""
    return float(np.sum(level_totals**3 - level_totals))


def _grouped_table(table: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Validate a groups × levels table; return it without empty groups, and their indices."""
    counts = as_integer_counts(table, "table", ndim=2)
    group_totals = counts.sum(axis=1)
    kept = np.flatnonzero(group_totals > 0)
    if kept.size < 2:
        raise ValueError(
            "table needs at least two groups (rows) with answers, "
            f"got {kept.size} non-empty row(s) of {counts.shape[0]}"
        )
    return counts[kept], kept


@dataclass(frozen=True)
class KruskalResult:
    """Result of :func:`kruskal_from_counts`.

    Attributes
    ----------
    statistic : float
        Tie-corrected Kruskal–Wallis H.
    pvalue : float
        Upper-tail chi-square probability with ``dof`` degrees of freedom.
    dof : int
        Number of groups with answers minus one.
    groups : tuple of int
        Row indices of the groups that entered the test (rows without any
        answer are left out).
    """

    statistic: float
    pvalue: float
    dof: int
    groups: tuple[int, ...]


def kruskal_from_counts(table: ArrayLike) -> KruskalResult:
    """Kruskal–Wallis test from a groups × ordered-levels count table.

    Tests whether answers tend to be higher in some groups (officials, desks,
    agencies) than others, using only the order of the answer levels.

    Parameters
    ----------
    table : array_like of int, shape (groups, levels)
        ``table[g, l]`` is the number of answers of group ``g`` at level ``l``;
        the levels must be in increasing order (e.g. 1 = Rất không hài lòng …
        5 = Rất hài lòng). Rows with no answers are left out (see ``groups``).

    Returns
    -------
    KruskalResult
        ``statistic`` (tie-corrected H), ``pvalue`` and ``dof``. Equal to
        ``scipy.stats.kruskal`` and R's ``kruskal.test`` on the expanded answers.

    Raises
    ------
    ValueError
        If the table is not 2-D, has negative or non-integral counts, or fewer
        than two groups have answers.

    Notes
    -----
    Every answer at one level is a tie; its rank is the level's mid-rank. H is
    divided by 1 − Σ(t³ − t)/(N³ − N), t running over the level totals. When all
    answers fall on a single level there is nothing to rank: the statistic is
    reported as 0 and the p-value as 1 (scipy would return NaN).

    References
    ----------
    .. [1] W. H. Kruskal and W. A. Wallis, "Use of ranks in one-criterion variance
       analysis", JASA 47 (1952) 583-621.
    .. [2] M. Hollander and D. A. Wolfe, Nonparametric Statistical Methods, Wiley
       (1973), p. 116 (example reproduced in R's ``kruskal.test`` help page).

    Examples
    --------
    >>> from analysis import kruskal_from_counts
    >>> result = kruskal_from_counts([[0, 1, 4, 10, 5], [2, 4, 6, 6, 2], [1, 2, 3, 8, 6]])
    >>> result.dof, round(result.statistic, 3)
    (2, 6.518)
    """
    counts, kept = _grouped_table(table)
    level_totals = counts.sum(axis=0)
    n = float(level_totals.sum())
    group_totals = counts.sum(axis=1)
    rank_sums = counts @ _level_midranks(level_totals)
    dof = counts.shape[0] - 1
    tie_correction = 1.0 - _tie_sum(level_totals) / (n**3 - n)
    if tie_correction <= 0.0:
        return KruskalResult(statistic=0.0, pvalue=1.0, dof=dof, groups=tuple(kept.tolist()))
    h = 12.0 / (n * (n + 1.0)) * float(np.sum(rank_sums**2 / group_totals)) - 3.0 * (n + 1.0)
    statistic = max(h / tie_correction, 0.0)
    pvalue = float(scipy.stats.chi2.sf(statistic, dof))
    return KruskalResult(statistic=statistic, pvalue=pvalue, dof=dof, groups=tuple(kept.tolist()))


@dataclass(frozen=True)
class DunnResult:
    """Result of :func:`dunn_from_counts`.

    Attributes
    ----------
    pairs : tuple of (int, int)
        The compared groups as row indices ``(i, j)`` with ``i < j``, in the
        order of the arrays below.
    statistic : numpy.ndarray
        Dunn's z for each pair: (mean rank of ``i`` − mean rank of ``j``) divided
        by its tie-corrected standard error. Positive means group ``i`` answered
        higher.
    pvalue : numpy.ndarray
        Two-sided p-values adjusted by ``adjust`` (equal to ``pvalue_unadjusted``
        when ``adjust`` is ``None``).
    pvalue_unadjusted : numpy.ndarray
        Two-sided p-values before adjustment.
    adjust : str or None
        ``"holm"``, ``"bh"`` or ``None``.
    """

    pairs: tuple[tuple[int, int], ...]
    statistic: np.ndarray
    pvalue: np.ndarray
    pvalue_unadjusted: np.ndarray
    adjust: str | None


def dunn_from_counts(table: ArrayLike, adjust: str | None = "holm") -> DunnResult:
    """Dunn's pairwise comparisons after a Kruskal–Wallis test, from counts.

    Parameters
    ----------
    table : array_like of int, shape (groups, levels)
        As for :func:`kruskal_from_counts`. Rows without answers are left out of
        the ranking and of the pairs.
    adjust : {"holm", "bh", None}, optional
        Multiplicity adjustment over all pairs: Holm (default; controls the
        family-wise error rate), Benjamini–Hochberg (controls the false discovery
        rate) or ``None`` for raw p-values.

    Returns
    -------
    DunnResult
        ``pairs``, ``statistic`` (z), ``pvalue`` (adjusted), ``pvalue_unadjusted``.

    Raises
    ------
    ValueError
        As :func:`kruskal_from_counts`, or if ``adjust`` is unknown.

    Notes
    -----
    The variance of a mean-rank difference is
    (N(N + 1)/12 − Σ(t³ − t)/(12(N − 1))) (1/n_i + 1/n_j), Dunn's (1964)
    formula with the correction for ties; the mean ranks come from the joint
    ranking of all groups (unlike separate Mann–Whitney tests). p-values are
    two-sided, as in FSA's ``dunnTest`` and PMCMR's ``posthoc.kruskal.dunn.test``
    (the ``dunn.test`` package prints one-sided ones). When every answer is at
    the same level, z is 0 and p is 1 for every pair.

    References
    ----------
    .. [1] O. J. Dunn, "Multiple comparisons using rank sums", Technometrics 6
       (1964) 241-252.
    .. [2] S. Holm, "A simple sequentially rejective multiple test procedure",
       Scandinavian Journal of Statistics 6 (1979) 65-70.

    Examples
    --------
    >>> from analysis import dunn_from_counts
    >>> result = dunn_from_counts([[0, 1, 4, 10, 5], [2, 4, 6, 6, 2], [1, 2, 3, 8, 6]])
    >>> result.pairs
    ((0, 1), (0, 2), (1, 2))
    >>> result.statistic.round(2)
    array([ 2.32,  0.24, -2.08])
    """
    if adjust is not None:
        check_method(adjust, ADJUST_METHODS, name="adjust")
    counts, kept = _grouped_table(table)
    level_totals = counts.sum(axis=0)
    n = float(level_totals.sum())
    group_totals = counts.sum(axis=1)
    mean_ranks = (counts @ _level_midranks(level_totals)) / group_totals
    spread = n * (n + 1.0) / 12.0 - _tie_sum(level_totals) / (12.0 * (n - 1.0))

    first, second = np.triu_indices(counts.shape[0], k=1)
    difference = mean_ranks[first] - mean_ranks[second]
    if spread <= 0.0:
        z = np.zeros_like(difference)
    else:
        z = difference / np.sqrt(spread * (1.0 / group_totals[first] + 1.0 / group_totals[second]))
    raw = np.minimum(2.0 * scipy.stats.norm.sf(np.abs(z)), 1.0)
    adjusted = raw if adjust is None else adjust_pvalues(raw, method=adjust)
    pairs = tuple(zip(kept[first].tolist(), kept[second].tolist(), strict=True))
    return DunnResult(
        pairs=pairs,
        statistic=frozen_array(z),
        pvalue=frozen_array(adjusted),
        pvalue_unadjusted=frozen_array(raw),
        adjust=adjust,
    )


@dataclass(frozen=True)
class MannWhitneyResult:
    """Result of :func:`mann_whitney_from_counts`.

    Attributes
    ----------
    statistic : float
        Mann–Whitney U of the first sample: the number of (a, b) pairs with
        a > b, plus half the number of ties.
    pvalue : float
        Two-sided p-value from the tie-corrected normal approximation.
    probability_of_superiority : float
        P(A > B) + ½ P(A = B) = U / (n_a n_b), the effect size (0.5: no
        difference; also called the common-language effect size or AUC).
    """

    statistic: float
    pvalue: float
    probability_of_superiority: float


def mann_whitney_from_counts(
    counts_a: ArrayLike, counts_b: ArrayLike, use_continuity: bool = True
) -> MannWhitneyResult:
    """Mann–Whitney U test (Wilcoxon rank-sum) of two groups from level counts.

    Parameters
    ----------
    counts_a, counts_b : array_like of int, shape (levels,)
        Numbers of answers at each ordered level for the two groups (e.g. this
        quarter and last quarter), same levels in the same increasing order.
    use_continuity : bool, optional
        Subtract ½ from \\|U − n_a n_b/2\\| before dividing by the standard error
        (default ``True``, as in scipy and R's ``wilcox.test``).

    Returns
    -------
    MannWhitneyResult
        ``statistic`` (U of the first sample), ``pvalue`` (two-sided) and
        ``probability_of_superiority``. Equal to
        ``scipy.stats.mannwhitneyu(a, b, method="asymptotic")`` on the expanded
        answers.

    Raises
    ------
    ValueError
        If the arrays are not 1-D of the same length, have negative or
        non-integral counts, or either group has no answers.

    Notes
    -----
    The variance of U is n_a n_b/12 · ((N + 1) − Σ(t³ − t)/(N(N − 1))). When every
    answer of both groups is at the same level the variance is 0; the p-value is
    then reported as 1 (there is no evidence of a difference).

    References
    ----------
    .. [1] H. B. Mann and D. R. Whitney, "On a test of whether one of two random
       variables is stochastically larger than the other", Annals of
       Mathematical Statistics 18 (1947) 50-60.
    .. [2] K. O. McGraw and S. P. Wong, "A common language effect size statistic",
       Psychological Bulletin 111 (1992) 361-365.

    Examples
    --------
    >>> from analysis import mann_whitney_from_counts
    >>> result = mann_whitney_from_counts([1, 2, 5, 12, 10], [3, 5, 8, 9, 5])
    >>> result.statistic, round(result.probability_of_superiority, 3)
    (593.5, 0.659)
    """
    a = as_integer_counts(counts_a, "counts_a", ndim=1)
    b = as_integer_counts(counts_b, "counts_b", ndim=1)
    if a.shape != b.shape:
        raise ValueError(
            f"counts_a and counts_b must have the same levels, got {a.size} and {b.size}"
        )
    n_a, n_b = float(a.sum()), float(b.sum())
    if n_a == 0 or n_b == 0:
        raise ValueError("both groups need at least one answer")
    level_totals = a + b
    n = n_a + n_b
    rank_sum_a = float(a @ _level_midranks(level_totals))
    u = rank_sum_a - n_a * (n_a + 1.0) / 2.0
    mean = n_a * n_b / 2.0
    variance = n_a * n_b / 12.0 * ((n + 1.0) - _tie_sum(level_totals) / (n * (n - 1.0)))
    if variance <= 0.0:
        pvalue = 1.0
    else:
        distance = abs(u - mean) - (0.5 if use_continuity else 0.0)
        pvalue = float(min(1.0, 2.0 * scipy.stats.norm.sf(distance / np.sqrt(variance))))
    return MannWhitneyResult(statistic=u, pvalue=pvalue, probability_of_superiority=u / (n_a * n_b))


# --------------------------------------------------------------------------- trend


@dataclass(frozen=True)
class TrendTestResult:
    """Result of :func:`trend_test`.

    Attributes
    ----------
    statistic : float
        Cochran–Armitage chi-square statistic (1 degree of freedom).
    pvalue : float
        Upper-tail chi-square probability (two-sided for the trend).
    dof : int
        Always 1.
    slope : float
        Least-squares slope of the rate on the scores, weighted by the totals
        (change in rate per unit of score; per quarter with the default scores).
    direction : str
        ``"rising"`` (slope > 0), ``"falling"`` (slope < 0) or ``"flat"``. Report
        it together with the p-value: a direction is only a finding when the
        p-value is small.
    """

    statistic: float
    pvalue: float
    dof: int
    slope: float
    direction: str


def trend_test(
    successes: ArrayLike, totals: ArrayLike, scores: ArrayLike | None = None
) -> TrendTestResult:
    """Chi-square test for a linear trend in proportions (Cochran–Armitage).

    Answers "is satisfaction rising (or falling) over these quarters?" with one
    test instead of comparing quarters pairwise.

    Parameters
    ----------
    successes : array_like of int, shape (k,)
        Satisfied answers in each period (or ordered group).
    totals : array_like of int, shape (k,)
        Answers in each period; periods with 0 answers carry no weight.
    scores : array_like of float, shape (k,), optional
        Position of each period (default 1, 2, …, k). Unequal gaps are allowed,
        e.g. to skip a quarter without data.

    Returns
    -------
    TrendTestResult
        ``statistic``, ``pvalue``, ``dof`` (1), ``slope`` and ``direction``.

    Raises
    ------
    ValueError
        If the arrays are not 1-D of the same length with at least two periods,
        a count is negative or not whole, ``successes > totals``, the scores are
        not finite, or the periods with answers all have the same score.

    Notes
    -----
    The statistic is the regression sum of squares of the rates on the scores
    with weights n_i / (p(1 − p)), p the pooled rate, which is what R's
    ``prop.trend.test`` computes:
    X² = [Σ x_i (s_i − s̄)]² / (p(1 − p) Σ n_i (s_i − s̄)²), s̄ = Σ n_i s_i / N.
    It has no N/(N − 1) factor (some texts include one). When the pooled rate is
    0 or 1 every period has the same rate: the statistic is 0, the p-value 1
    and the direction ``"flat"``.

    References
    ----------
    .. [1] W. G. Cochran, "Some methods for strengthening the common χ² tests",
       Biometrics 10 (1954) 417-451.
    .. [2] P. Armitage, "Tests for linear trends in proportions and
       frequencies", Biometrics 11 (1955) 375-386.

    Examples
    --------
    >>> from analysis import trend_test
    >>> result = trend_test([83, 90, 129, 70], [86, 93, 136, 82])
    >>> round(result.statistic, 4), round(result.pvalue, 6), result.direction
    (8.2249, 0.004132, 'falling')
    """
    x = as_integer_counts(successes, "successes", ndim=1)
    n = as_integer_counts(totals, "totals", ndim=1)
    if x.shape != n.shape:
        raise ValueError(
            f"successes and totals must have the same length, got {x.size} and {n.size}"
        )
    if x.size < 2:
        raise ValueError("trend_test needs at least two periods")
    if np.any(x > n):
        bad = np.flatnonzero(x > n).tolist()
        raise ValueError(f"successes exceed totals at positions {bad}")
    if scores is None:
        s = np.arange(1.0, x.size + 1.0)
    else:
        try:
            s = np.asarray(scores, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"scores must be numbers, got {scores!r}") from None
        if s.shape != x.shape:
            raise ValueError(f"scores must have one value per period, got shape {s.shape}")
        if not np.all(np.isfinite(s)):
            raise ValueError("scores must be finite numbers")
    total = float(n.sum())
    if total == 0:
        raise ValueError("totals are all zero: there are no answers to test")
    observed = n > 0
    if np.ptp(s[observed]) == 0:
        raise ValueError("the periods with answers all have the same score; no trend to test")
    pooled = float(x.sum()) / total
    mean_score = float(n @ s) / total
    centred = s - mean_score
    spread = float(n @ centred**2)
    covariation = float(x @ centred)  # Σ n_i (s_i − s̄)(p_i − p), as Σ n_i (s_i − s̄) = 0
    slope = covariation / spread
    if pooled in (0.0, 1.0):
        return TrendTestResult(statistic=0.0, pvalue=1.0, dof=1, slope=0.0, direction="flat")
    statistic = covariation**2 / (pooled * (1.0 - pooled) * spread)
    pvalue = float(scipy.stats.chi2.sf(statistic, 1))
    direction = "rising" if slope > 0 else "falling" if slope < 0 else "flat"
    return TrendTestResult(
        statistic=float(statistic), pvalue=pvalue, dof=1, slope=slope, direction=direction
    )


# --------------------------------------------------------------------------- multiplicity


def adjust_pvalues(pvalues: ArrayLike, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons, like R's ``p.adjust``.

    Parameters
    ----------
    pvalues : array_like of float, shape (m,)
        Raw p-values, each in [0, 1].
    method : {"holm", "bh"}, optional
        ``"holm"`` (default): Holm's step-down Bonferroni, controls the
        probability of any false finding. ``"bh"``: Benjamini–Hochberg step-up,
        controls the expected share of false findings among the findings
        (R's ``"BH"``/``"fdr"``).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order; each is at least its raw p-value
        and at most 1, and their order follows the order of the raw p-values.

    Raises
    ------
    ValueError
        If ``pvalues`` is empty, not 1-D, contains values outside [0, 1] or NaN,
        or ``method`` is unknown.

    References
    ----------
    .. [1] S. Holm, "A simple sequentially rejective multiple test procedure",
       Scandinavian Journal of Statistics 6 (1979) 65-70.
    .. [2] Y. Benjamini and Y. Hochberg, "Controlling the false discovery rate: a
       practical and powerful approach to multiple testing", JRSS B 57 (1995)
       289-300.

    Examples
    --------
    >>> from analysis import adjust_pvalues
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="holm").round(4)
    array([0.03, 0.06, 0.06])
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="bh").round(4)
    array([0.03, 0.04, 0.04])
    """
    check_method(method, ADJUST_METHODS)
    try:
        p = np.asarray(pvalues, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"pvalues must be numbers, got {pvalues!r}") from None
    if p.ndim != 1:
        raise ValueError(f"pvalues must be 1-dimensional, got shape {p.shape}")
    if p.size == 0:
        raise ValueError("pvalues must not be empty")
    if not np.all((p >= 0.0) & (p <= 1.0)):
        raise ValueError("pvalues must be numbers between 0 and 1 (no NaN)")
    m = p.size
    adjusted = np.empty(m)
    if method == "holm":
        order = np.argsort(p, kind="stable")
        multipliers = m - np.arange(m)  # m, m - 1, …, 1
        adjusted[order] = np.minimum(np.maximum.accumulate(multipliers * p[order]), 1.0)
    else:
        order = np.argsort(p, kind="stable")[::-1]  # largest first
        ranks = m - np.arange(m)  # rank of each among the ascending p-values
        adjusted[order] = np.minimum(np.minimum.accumulate(m / ranks * p[order]), 1.0)
    return adjusted
