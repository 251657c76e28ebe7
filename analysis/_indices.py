"""The SIPAS satisfaction index from count tables, and a respondent bootstrap for it.

SIPAS (Chỉ số hài lòng về sự phục vụ hành chính, Bộ Nội vụ) as published: a criterion's rate
is the share of "Hài lòng" and "Rất hài lòng" answers among answers other than "Không áp
dụng", times 100; a factor's index is the mean of its criteria's rates; the headline index is
the mean of the factor indices.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike

from ._proportions import ConfidenceInterval, proportion_ci
from ._validation import as_integer_counts, check_confidence_level

#: A scale level: the codes of a questionnaire (int) or of a numeric matrix (float).
Level = TypeVar("Level", int, float)

__all__ = [
    "CriterionRate",
    "FactorIndex",
    "IndexBootstrapResult",
    "SipasIndex",
    "index_bootstrap_ci",
    "sipas_index",
]

SIPAS_LEVELS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class CriterionRate:
    """Satisfaction rate of one question (a criterion, or a factor's overall question).

    Attributes
    ----------
    criterion : hashable
        The criterion's key as given (for an overall question, the factor's key).
    rate : float or None
        Satisfied answers / answers × 100, in percent (0-100); ``None`` when ``n == 0``.
    successes : int
        Number of satisfied answers.
    n : int
        Number of answers, not-applicable answers excluded.
    ci : ConfidenceInterval or None
        Wilson score interval for ``rate``, in percent; ``None`` when ``n == 0``.
    """

    criterion: Hashable
    rate: float | None
    successes: int
    n: int
    ci: ConfidenceInterval | None


@dataclass(frozen=True)
class FactorIndex:
    """Index of one factor (yếu tố).

    Attributes
    ----------
    factor : hashable
        The factor's key as given.
    index : float or None
        Mean of the rates of the criteria that have answers, in percent; ``None`` when no
        criterion of the factor has an answer.
    criteria : tuple of CriterionRate
        Every criterion given, in the order given, including those without answers.
    overall_question : CriterionRate or None
        Rate of the factor's overall question ("Nhìn chung, Ông/Bà hài lòng về … ?") when
        its counts were given.
    """

    factor: Hashable
    index: float | None
    criteria: tuple[CriterionRate, ...]
    overall_question: CriterionRate | None


@dataclass(frozen=True)
class SipasIndex:
    """Result of :func:`sipas_index`.

    Attributes
    ----------
    index : float
        Mean of the factor indices that have data, in percent (0-100), as published
        ("84,45 %").
    factors : tuple of FactorIndex
        Every factor given, in the order given.
    overall_question_index : float or None
        Mean of the overall-question rates that have answers, in percent; ``None`` when no
        overall-question counts were given or none has answers. Offered beside ``index``
        because the official aggregation is not fully known.
    """

    index: float
    factors: tuple[FactorIndex, ...]
    overall_question_index: float | None

    @property
    def factor_indices(self) -> dict[Hashable, float]:
        """Factor key → factor index, for the factors that have data."""
        return {f.factor: f.index for f in self.factors if f.index is not None}


def _level_counts(
    counts: Mapping[int, int] | Sequence[int] | np.ndarray, levels: tuple[int, ...], where: str
) -> np.ndarray:
    """Counts per level as an array aligned with ``levels``, from a mapping or a sequence."""
    if isinstance(counts, Mapping):
        aligned = dict.fromkeys(levels, 0)
        for level, count in counts.items():
            if level not in aligned:
                raise ValueError(
                    f"{where}: level {level!r} is not one of the levels {list(levels)}"
                )
            aligned[level] = count
        values: Sequence[int] | np.ndarray = [aligned[level] for level in levels]
    elif isinstance(counts, str) or not isinstance(counts, Sequence | np.ndarray):
        raise ValueError(
            f"{where}: counts must be a mapping level → count or a sequence aligned with "
            f"levels, got {counts!r}"
        )
    else:
        values = counts
        if len(values) != len(levels):
            raise ValueError(
                f"{where}: {len(values)} counts given for {len(levels)} levels {list(levels)}"
            )
    return as_integer_counts(values, f"{where} counts", ndim=1)


def _criterion_rate(
    key: Hashable,
    counts: Mapping[int, int] | Sequence[int] | np.ndarray,
    levels: tuple[int, ...],
    satisfied_mask: np.ndarray,
    confidence_level: float,
    where: str,
) -> CriterionRate:
    array = _level_counts(counts, levels, where)
    n = int(array.sum())
    successes = int(array[satisfied_mask].sum())
    if n == 0:
        return CriterionRate(key, None, 0, 0, None)
    ci = proportion_ci(successes, n, confidence_level=confidence_level)
    return CriterionRate(
        key,
        100.0 * successes / n,
        successes,
        n,
        ConfidenceInterval(100.0 * ci.low, 100.0 * ci.high),
    )


def _check_levels_and_satisfied(
    levels: Iterable[Level], satisfied: Iterable[Level]
) -> tuple[tuple[Level, ...], np.ndarray]:
    levels = tuple(levels)
    if not levels:
        raise ValueError("levels must not be empty")
    if len(set(levels)) != len(levels):
        raise ValueError(f"levels must be distinct, got {list(levels)}")
    satisfied = tuple(satisfied)
    if not satisfied:
        raise ValueError("satisfied must name at least one level")
    unknown = [level for level in satisfied if level not in levels]
    if unknown:
        raise ValueError(f"satisfied levels {unknown} are not among levels {list(levels)}")
    mask = np.array([level in satisfied for level in levels])
    return levels, mask


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def sipas_index(
    counts_by_factor: Mapping[Hashable, Mapping[Hashable, Mapping[int, int] | Sequence[int]]],
    satisfied: Sequence[int] = (4, 5),
    overall_counts: Mapping[Hashable, Mapping[int, int] | Sequence[int]] | None = None,
    *,
    levels: Sequence[int] = SIPAS_LEVELS,
    confidence_level: float = 0.95,
) -> SipasIndex:
    """SIPAS index: criterion rates, factor indices and the headline index, in percent.

    Parameters
    ----------
    counts_by_factor : mapping factor → mapping criterion → counts
        For each factor (yếu tố), for each of its criteria (tiêu chí), the number of answers
        at each level: either a mapping level → count (``{1: 3, 2: 5, 3: 10, 4: 40, 5: 42}``;
        levels not mentioned count 0) or a sequence aligned with ``levels`` (``[3, 5, 10, 40,
        42]``). Not-applicable answers ("Không áp dụng") are not counted.
    satisfied : sequence of int, optional
        Levels counted as satisfied; default (4, 5), "Hài lòng" and "Rất hài lòng".
    overall_counts : mapping factor → counts, optional
        Counts of each factor's overall question ("Nhìn chung, Ông/Bà hài lòng về … ?"), in
        the same form as a criterion's counts. Keys must be factors of
        ``counts_by_factor``; factors may be missing.
    levels : sequence of int, keyword-only, optional
        The levels of the scale, default 1..5.
    confidence_level : float, keyword-only, optional
        Level of the Wilson intervals of the rates, default 0.95.

    Returns
    -------
    SipasIndex
        All rates and indices are percentages (0-100), as SIPAS publishes them. A criterion
        without answers (n = 0) is reported with ``rate=None`` and left out of its factor's
        mean; a factor without any answer has ``index=None`` and is left out of the
        headline mean. No weighting by the number of answers: each criterion counts equally
        in its factor, each factor equally in the headline index.

    Raises
    ------
    ValueError
        If there are no factors, a factor has no criteria, counts are negative, not whole
        numbers or of the wrong length, a level is unknown, ``satisfied`` is not a subset of
        ``levels``, or no criterion has any answer.

    Notes
    -----
    The published national index is not exactly the mean of the published factor indices:
    for 2023 the factors were 83.00, 83.02, 83.12, 83.03 and 82.27, whose mean is 82.888,
    while the headline was 82.66. This function applies the documented mean-of-factors rule
    and offers the overall-question rates beside it.

    References
    ----------
    .. [1] Bộ Nội vụ, Đề án "Đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ
       của cơ quan hành chính nhà nước giai đoạn 2017-2020" (Quyết định 2640/QĐ-BNV, 2017),
       and the annual SIPAS reports.
    .. [2] E. B. Wilson, JASA 22 (1927) 209-212 (intervals of the rates).

    Examples
    --------
    >>> from analysis import sipas_index
    >>> result = sipas_index({
    ...     "access": {"signs": [3, 5, 10, 40, 42], "seats": {4: 30, 5: 50, 3: 20}},
    ...     "officer": {"polite": [0, 0, 10, 50, 40]},
    ... })
    >>> round(result.index, 2), result.factor_indices
    (85.5, {'access': 81.0, 'officer': 90.0})
    """
    level = check_confidence_level(confidence_level)
    levels, satisfied_mask = _check_levels_and_satisfied(levels, satisfied)
    if not isinstance(counts_by_factor, Mapping) or not counts_by_factor:
        raise ValueError("counts_by_factor must be a non-empty mapping factor → criteria")
    if overall_counts is not None:
        if not isinstance(overall_counts, Mapping):
            raise ValueError("overall_counts must be a mapping factor → counts")
        unknown = [factor for factor in overall_counts if factor not in counts_by_factor]
        if unknown:
            raise ValueError(f"overall_counts has factors not in counts_by_factor: {unknown}")

    factors: list[FactorIndex] = []
    for factor, criteria in counts_by_factor.items():
        if not isinstance(criteria, Mapping) or not criteria:
            raise ValueError(f"factor {factor!r} must map at least one criterion to its counts")
        rates = tuple(
            _criterion_rate(
                criterion,
                counts,
                levels,
                satisfied_mask,
                level,
                f"factor {factor!r}, criterion {criterion!r}",
            )
            for criterion, counts in criteria.items()
        )
        overall = None
        if overall_counts is not None and factor in overall_counts:
            overall = _criterion_rate(
                factor,
                overall_counts[factor],
                levels,
                satisfied_mask,
                level,
                f"overall question of factor {factor!r}",
            )
        index = _mean([rate.rate for rate in rates if rate.rate is not None])
        factors.append(FactorIndex(factor, index, rates, overall))

    headline = _mean([f.index for f in factors if f.index is not None])
    if headline is None:
        raise ValueError("no criterion has any answer: there is no index without data")
    overall_rates = [
        f.overall_question.rate
        for f in factors
        if f.overall_question is not None and f.overall_question.rate is not None
    ]
    return SipasIndex(headline, tuple(factors), _mean(overall_rates))


@dataclass(frozen=True)
class IndexBootstrapResult:
    """Result of :func:`index_bootstrap_ci`.

    Attributes
    ----------
    index : float
        Headline index of the data (mean of factor indices), in percent.
    ci : ConfidenceInterval
        Percentile bootstrap interval of ``index``, in percent.
    standard_error : float
        Standard deviation of the bootstrap distribution of ``index``, in percent points.
    factor_indices : dict
        Factor key → factor index of the data, in percent, for the factors with answers,
        in the order the factors first appear in ``factor_of_item``.
    factor_cis : dict
        Factor key → percentile bootstrap interval of the factor index, in percent.
    n_respondents : int
        Respondents resampled: those who answered at least one item.
    n_resamples : int
        Number of bootstrap resamples.
    """

    index: float
    ci: ConfidenceInterval
    standard_error: float
    factor_indices: dict[Hashable, float]
    factor_cis: dict[Hashable, ConfidenceInterval]
    n_respondents: int
    n_resamples: int


def _indices_from_counts(
    satisfied_counts: np.ndarray, answered_counts: np.ndarray, factor_columns: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Factor indices (…, factors) and headline index (…) from per-item counts (…, items).

    Items without answers are left out of their factor's mean, factors without answers out
    of the headline mean; a quantity with nothing left is NaN (the caller handles it).
    """
    answered = answered_counts > 0
    rates = np.where(answered, satisfied_counts / np.where(answered, answered_counts, 1), 0.0)
    factor_values = []
    for columns in factor_columns:
        defined = answered[..., columns].sum(axis=-1)
        total = rates[..., columns].sum(axis=-1)
        factor_values.append(np.where(defined > 0, total / np.maximum(defined, 1), np.nan))
    factors = 100.0 * np.stack(factor_values, axis=-1)
    defined = ~np.isnan(factors)
    count = defined.sum(axis=-1)
    headline = np.where(
        count > 0, np.where(defined, factors, 0.0).sum(axis=-1) / np.maximum(count, 1), np.nan
    )
    return factors, headline


def _percentile_interval(values: np.ndarray, level: float) -> ConfidenceInterval:
    values = values[~np.isnan(values)]
    low, high = np.quantile(values, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return ConfidenceInterval(float(low), float(high))


def index_bootstrap_ci(
    matrix: ArrayLike,
    factor_of_item: Sequence[Hashable],
    satisfied: Sequence[float] = (4, 5),
    n_resamples: int = 2000,
    seed: int | None = 0,
    confidence_level: float = 0.95,
    *,
    levels: Sequence[float] = SIPAS_LEVELS,
) -> IndexBootstrapResult:
    """Respondent bootstrap percentile intervals for the factor indices and SIPAS index.

    Parameters
    ----------
    matrix : array_like, shape (respondents, items)
        Answers, one row per respondent and one column per criterion; NaN marks "Không áp
        dụng" or no answer. Other values must be among ``levels``.
    factor_of_item : sequence of hashable, length items
        The factor of each column.
    satisfied : sequence of numbers, optional
        Levels counted as satisfied; default (4, 5).
    n_resamples : int, optional
        Number of bootstrap resamples, at least 100; default 2000.
    seed : int or None, optional
        Seed of the ``numpy.random.Generator``; the same seed and data give the same
        intervals. Default 0.
    confidence_level : float, optional
        Default 0.95.
    levels : sequence of numbers, keyword-only, optional
        Allowed answer values, default 1..5.

    Returns
    -------
    IndexBootstrapResult
        Point estimates use the rules of :func:`sipas_index` (items without answers left out
        of their factor, factors without answers left out of the index). Whole respondents
        are resampled with replacement, keeping the correlation between a respondent's
        answers. Intervals are percentile intervals; in a resample where a factor happens to
        have no answers that factor's value is undefined and that resample is skipped for
        that factor's interval only.

    Raises
    ------
    ValueError
        If the matrix is not 2-dimensional, ``factor_of_item`` does not have one entry per
        column, a value is not a level, no item has any answer, ``n_resamples < 100``, or
        the confidence level is not in (0, 1).

    References
    ----------
    .. [1] B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, Chapman &
       Hall (1993), chapter 13 (percentile intervals).
    .. [2] A. C. Davison and D. V. Hinkley, *Bootstrap Methods and their Application*,
       Cambridge University Press (1997), section 3.8 (resampling whole units in survey
       data).

    Examples
    --------
    >>> import numpy as np
    >>> from analysis import index_bootstrap_ci
    >>> rng = np.random.default_rng(1)
    >>> answers = rng.choice([1.0, 2, 3, 4, 5], p=[.05, .05, .1, .4, .4], size=(300, 4))
    >>> result = index_bootstrap_ci(answers, ["access", "access", "officer", "officer"])
    >>> result.ci.low < result.index < result.ci.high
    True
    """
    level = check_confidence_level(confidence_level)
    try:
        data = np.asarray(matrix, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("matrix must be numeric answers (NaN for not applicable)") from None
    if data.ndim != 2:
        raise ValueError(f"matrix must be 2-dimensional (respondents × items), got {data.shape}")
    if data.shape[1] == 0:
        raise ValueError("matrix has no items")
    factor_of_item = list(factor_of_item)
    if len(factor_of_item) != data.shape[1]:
        raise ValueError(
            f"factor_of_item has {len(factor_of_item)} entries for {data.shape[1]} items"
        )
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, int | np.integer):
        raise ValueError(f"n_resamples must be an integer, got {n_resamples!r}")
    if n_resamples < 100:
        raise ValueError(f"n_resamples must be at least 100, got {n_resamples}")
    levels_array = np.asarray(tuple(levels), dtype=float)
    _check_levels_and_satisfied(tuple(levels_array), tuple(float(s) for s in satisfied))
    answered = ~np.isnan(data)
    if np.any(np.isinf(data)):
        raise ValueError("matrix must not contain infinite values")
    if not np.all(np.isin(data[answered], levels_array)):
        bad = np.unique(data[answered][~np.isin(data[answered], levels_array)])
        raise ValueError(f"matrix has values {bad[:5].tolist()} that are not levels")

    # Respondents without any answer carry no information; resampling them would only add
    # noise to the effective sample size.
    keep = answered.any(axis=1)
    answered = answered[keep]
    is_satisfied = np.isin(data[keep], np.asarray(tuple(satisfied), dtype=float)) & answered
    n = int(keep.sum())
    if n == 0:
        raise ValueError("no item has any answer: there is no index without data")

    factor_keys = list(dict.fromkeys(factor_of_item))
    all_columns = [np.flatnonzero([f == key for f in factor_of_item]) for key in factor_keys]
    point_factors, point_index = _indices_from_counts(
        is_satisfied.sum(axis=0).astype(float), answered.sum(axis=0).astype(float), all_columns
    )
    has_data = ~np.isnan(point_factors)
    factor_keys = [key for key, ok in zip(factor_keys, has_data, strict=True) if ok]
    factor_columns = [cols for cols, ok in zip(all_columns, has_data, strict=True) if ok]

    # Each resample is summarised by how often each respondent is drawn (a row of
    # bootstrap weights); item counts are then one matrix product per chunk of resamples,
    # so memory stays bounded however many resamples are asked for.
    rng = np.random.default_rng(seed)
    # Counts are sums of whole weights no larger than n: single precision holds them exactly
    # below 2**24 and halves the cost of the product.
    exact = np.float32 if n < 2**24 else np.float64
    items = answered.shape[1]
    indicators = np.concatenate([is_satisfied, answered], axis=1).astype(exact)
    chunk = max(1, min(n_resamples, 4_000_000 // max(n, 1)))
    factor_draws = np.empty((n_resamples, len(factor_keys)))
    index_draws = np.empty(n_resamples)
    weights = np.empty((chunk, n), dtype=exact)
    # 32-bit draws where they fit: generated faster, and counted row by row (measured on
    # 10,000 respondents: 25 ms per 400 resamples against 32 for one flat bincount).
    draw_type = np.int32 if n < 2**31 else np.int64
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        draws = rng.integers(0, n, size=(size, n), dtype=draw_type)
        for row, drawn in enumerate(draws):
            weights[row] = np.bincount(drawn, minlength=n)
        counts = (weights[:size] @ indicators).astype(float)
        factors, headline = _indices_from_counts(
            counts[:, :items], counts[:, items:], factor_columns
        )
        factor_draws[start : start + size] = factors
        index_draws[start : start + size] = headline

    return IndexBootstrapResult(
        index=float(point_index),
        ci=_percentile_interval(index_draws, level),
        standard_error=float(np.nanstd(index_draws, ddof=1)),
        factor_indices={
            key: float(value)
            for key, value in zip(factor_keys, point_factors[has_data], strict=True)
        },
        factor_cis={
            key: _percentile_interval(factor_draws[:, i], level)
            for i, key in enumerate(factor_keys)
        },
        n_respondents=n,
        n_resamples=n_resamples,
    )
