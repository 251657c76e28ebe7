"""Internal consistency of a questionnaire's items: Cronbach's alpha with Feldt's interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy
from numpy.typing import ArrayLike

from ._proportions import ConfidenceInterval
from ._validation import check_confidence_level, check_method

__all__ = ["CronbachAlphaResult", "cronbach_alpha"]

NAN_POLICIES = ("listwise", "pairwise")


@dataclass(frozen=True)
class CronbachAlphaResult:
    """Result of :func:`cronbach_alpha`.

    Attributes
    ----------
    alpha : float
        Cronbach's coefficient alpha. At most 1; it can be negative when items correlate
        negatively (e.g. a reverse-worded item that was not recoded).
    ci : ConfidenceInterval
        Feldt's interval for the population alpha.
    n_respondents : int
        Respondents used: complete rows (listwise) or rows with at least one answer
        (pairwise). This is the n of Feldt's interval.
    n_items : int
        Number of items (columns).
    item_total_correlations : tuple of float
        Corrected item-total correlation of each item: its Pearson correlation with the sum
        of the other items. NaN for an item whose answers, or whose other items' sum, do not
        vary (everybody gave the same answer): the correlation is undefined.
    alpha_if_deleted : tuple of float or None
        Alpha of the remaining items when each item is deleted in turn; ``None`` with two
        items (one item has no alpha). NaN where the remaining items' sum does not vary.
    """

    alpha: float
    ci: ConfidenceInterval
    n_respondents: int
    n_items: int
    item_total_correlations: tuple[float, ...]
    alpha_if_deleted: tuple[float, ...] | None


def _alpha_from_covariance(covariance: np.ndarray) -> float:
    k = covariance.shape[0]
    total_variance = covariance.sum()
    if not total_variance > 0:
        return math.nan
    return float(k / (k - 1) * (1.0 - np.trace(covariance) / total_variance))


def _pairwise_covariance(data: np.ndarray) -> np.ndarray:
    """Sample covariances (ddof=1), each from the rows where both items are answered."""
    answered = ~np.isnan(data)
    k = data.shape[1]
    covariance = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            rows = answered[:, i] & answered[:, j]
            if rows.sum() < 2:
                raise ValueError(
                    f"items {i} and {j} are answered together by fewer than 2 respondents; "
                    "their covariance is undefined"
                )
            x = data[rows, i]
            y = data[rows, j]
            covariance[i, j] = covariance[j, i] = np.dot(x - x.mean(), y - y.mean()) / (
                rows.sum() - 1
            )
    return covariance


def _feldt_interval(alpha: float, n: int, k: int, confidence_level: float) -> ConfidenceInterval:
    """Feldt (1965) interval: (1 - alpha_pop) / (1 - alpha) ~ F(n - 1, (n - 1)(k - 1))."""
    df_between = n - 1
    df_within = (n - 1) * (k - 1)
    tail = (1.0 - confidence_level) / 2.0
    upper_quantile = scipy.stats.f.ppf(1.0 - tail, df_between, df_within)
    lower_quantile = scipy.stats.f.ppf(tail, df_between, df_within)
    return ConfidenceInterval(
        low=float(1.0 - (1.0 - alpha) * upper_quantile),
        high=float(1.0 - (1.0 - alpha) * lower_quantile),
    )


def cronbach_alpha(
    matrix: ArrayLike,
    nan_policy: str = "listwise",
    confidence_level: float = 0.95,
) -> CronbachAlphaResult:
    """Cronbach's alpha of a set of items, with Feldt's confidence interval.

    Parameters
    ----------
    matrix : array_like, shape (respondents, items)
        Item scores; NaN marks a missing or not-applicable answer.
    nan_policy : {"listwise", "pairwise"}, optional
        ``"listwise"`` (default) keeps only respondents who answered every item.
        ``"pairwise"`` computes each covariance from the respondents who answered both
        items, as R ``psych::alpha(x, use = "pairwise")``; every pair of items must then be
        answered together by at least 2 respondents.
    confidence_level : float, optional
        Level of Feldt's interval; default 0.95.

    Returns
    -------
    CronbachAlphaResult
        With the item covariance matrix C of k items, alpha = k/(k - 1) · (1 - tr C / ΣC);
        the interval is 1 - (1 - alpha)·F(1 - γ/2) to 1 - (1 - alpha)·F(γ/2), where F(q) is
        the q quantile of the F distribution with n - 1 and (n - 1)(k - 1) degrees of
        freedom and γ = 1 - confidence_level.

    Raises
    ------
    ValueError
        If there are fewer than 2 items or (after removing missing answers) fewer than 2
        respondents, the matrix is not 2-dimensional or contains infinite values, the
        items' total score does not vary (alpha undefined), the policy is unknown, or the
        confidence level is not in (0, 1).

    References
    ----------
    .. [1] L. J. Cronbach, "Coefficient alpha and the internal structure of tests",
       Psychometrika 16 (1951) 297-334.
    .. [2] L. S. Feldt, "The approximate sampling distribution of Kuder-Richardson
       reliability coefficient twenty", Psychometrika 30 (1965) 357-370.
    .. [3] L. S. Feldt, D. J. Woodruff and F. A. Salih, "Statistical inference for
       coefficient alpha", Applied Psychological Measurement 11 (1987) 93-103.

    Examples
    --------
    >>> import numpy as np
    >>> from analysis import cronbach_alpha
    >>> scores = np.array([[4, 5, 4], [3, 3, 4], [5, 5, 5], [2, 3, 2], [4, 4, 3]])
    >>> result = cronbach_alpha(scores)
    >>> round(result.alpha, 3), result.n_respondents, result.n_items
    (0.913, 5, 3)
    """
    level = check_confidence_level(confidence_level)
    check_method(nan_policy, NAN_POLICIES, name="nan_policy")
    try:
        data = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("matrix must be numeric item scores (NaN for missing)") from None
    if data.ndim != 2:
        raise ValueError(f"matrix must be 2-dimensional (respondents × items), got {data.shape}")
    if np.any(np.isinf(data)):
        raise ValueError("matrix must not contain infinite values")
    n_items = data.shape[1]
    if n_items < 2:
        raise ValueError(f"alpha needs at least 2 items, got {n_items}")

    answered = ~np.isnan(data)
    if nan_policy == "listwise":
        data = data[answered.all(axis=1)]
        n_respondents = data.shape[0]
        if n_respondents < 2:
            raise ValueError(
                f"alpha needs at least 2 respondents who answered every item, got {n_respondents}"
            )
        covariance = np.cov(data, rowvar=False, ddof=1)
    else:
        n_respondents = int(answered.any(axis=1).sum())
        if n_respondents < 2:
            raise ValueError(f"alpha needs at least 2 respondents, got {n_respondents}")
        covariance = _pairwise_covariance(data)

    alpha = _alpha_from_covariance(covariance)
    if math.isnan(alpha):
        raise ValueError("the total score does not vary across respondents: alpha is undefined")

    item_variances = np.diag(covariance)
    total_variance = covariance.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        item_rest_covariance = covariance.sum(axis=1) - item_variances
        rest_variance = total_variance - 2.0 * covariance.sum(axis=1) + item_variances
        denominator = np.sqrt(item_variances * rest_variance)
        correlations = np.where(
            (item_variances > 0) & (rest_variance > 0),
            item_rest_covariance / np.where(denominator > 0, denominator, 1.0),
            np.nan,
        )
    if n_items > 2:
        keep = ~np.eye(n_items, dtype=bool)
        alpha_if_deleted = tuple(
            float(_alpha_from_covariance(covariance[np.ix_(keep[j], keep[j])]))
            for j in range(n_items)
        )
    else:
        alpha_if_deleted = None

    return CronbachAlphaResult(
        alpha=float(alpha),
        ci=_feldt_interval(float(alpha), n_respondents, n_items, level),
        n_respondents=n_respondents,
        n_items=n_items,
        item_total_correlations=tuple(float(r) for r in correlations),
        alpha_if_deleted=alpha_if_deleted,
    )
