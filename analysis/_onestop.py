"""Per-dossier evaluation of one-stop handling: index scores, totals and classification.

The rules (which indices, which point values, which indices concern the officer, the
classification bands) are data in a :class:`OneStopScoringDefinition`, never code: the
9-index model of Circular 01/2018/TT-VPCP is one definition, :data:`CIRCULAR_01_2018`, and the
app builds others from a questionnaire's JSON scoring definition when the rules change
(Decree 118/2025 and Circular 03/2025/TT-VPCP apply from 1/7/2025).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from typing import Any

__all__ = [
    "CIRCULAR_01_2018",
    "OneStopIndexScore",
    "OneStopScores",
    "OneStopScoringDefinition",
    "onestop_scores",
]


def _as_fraction(value: object, name: str) -> Fraction:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
        # Through str so that 0.5 or 1.5 from JSON are taken as the decimals they are written as.
        return Fraction(str(value))
    try:
        return Fraction(str(value))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


@dataclass(frozen=True)
class OneStopScoringDefinition:
    """How dossiers are scored and agencies classified; plain data, e.g. parsed from JSON.

    Lists are accepted wherever tuples are shown and are stored as tuples.

    Attributes
    ----------
    indices : sequence of (int, str)
        Index number and name, in the order they are reported.
    point_values : sequence of numbers
        Points a single dossier may receive on any index (Circular 01/2018: 0, 1 or 2).
    officer_indices : sequence of int
        Index numbers that evaluate the officer who handled the dossier; a subset of
        ``indices``. Their scores are summed into the officer total.
    classification : sequence of (number, str, str)
        Bands for the agency total as ``(minimum, key, label)``, from the highest minimum
        down: a total belongs to the first band whose minimum it reaches. ``key`` is stable
        and machine-readable (the app translates it); ``label`` is the Vietnamese wording.
        The lowest minimum must not exceed the lowest possible total, so every total is
        classified.
    decimals : int, optional
        Decimals to which each index score is rounded, half up (default 1).
    title : str, optional
        Human-readable name of the rule set, e.g. the legal text it comes from.
    """

    indices: tuple[tuple[int, str], ...]
    point_values: tuple[float, ...]
    officer_indices: tuple[int, ...]
    classification: tuple[tuple[float, str, str], ...]
    decimals: int = 1
    title: str = ""

    def __post_init__(self) -> None:
        try:
            indices = tuple((int(number), str(name)) for number, name in self.indices)
        except (TypeError, ValueError):
            raise ValueError(
                f"indices must be (number, name) pairs, got {self.indices!r}"
            ) from None
        if not indices:
            raise ValueError("indices must not be empty")
        numbers = [number for number, _ in indices]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"index numbers must be distinct, got {numbers}")

        point_values = tuple(
            _as_fraction(value, "point_values entry") for value in self.point_values
        )
        if not point_values:
            raise ValueError("point_values must not be empty")
        if len(set(point_values)) != len(point_values):
            raise ValueError(f"point_values must be distinct, got {list(self.point_values)}")

        try:
            officer_indices = tuple(int(number) for number in self.officer_indices)
        except (TypeError, ValueError):
            raise ValueError(
                f"officer_indices must be index numbers, got {self.officer_indices!r}"
            ) from None
        unknown = sorted(set(officer_indices).difference(numbers))
        if unknown:
            raise ValueError(f"officer_indices {unknown} are not among the index numbers")

        try:
            classification = tuple(
                (_as_fraction(minimum, "classification minimum"), str(key), str(label))
                for minimum, key, label in self.classification
            )
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"classification must be (minimum, key, label) triples: {error}"
            ) from None
        if not classification:
            raise ValueError("classification must not be empty")
        minimums = [minimum for minimum, _, _ in classification]
        if any(later >= earlier for earlier, later in pairwise(minimums)):
            raise ValueError("classification minimums must be strictly decreasing (highest first)")
        lowest_total = min(Fraction(0), min(point_values) * len(indices))
        if minimums[-1] > lowest_total:
            raise ValueError(
                f"the lowest classification minimum ({float(minimums[-1])}) must not exceed "
                f"the lowest possible total ({float(lowest_total)})"
            )
        keys = [key for _, key, _ in classification]
        if len(set(keys)) != len(keys):
            raise ValueError(f"classification keys must be distinct, got {keys}")

        if isinstance(self.decimals, bool) or not isinstance(self.decimals, int):
            raise ValueError(f"decimals must be an integer, got {self.decimals!r}")
        if not 0 <= self.decimals <= 6:
            raise ValueError(f"decimals must be between 0 and 6, got {self.decimals}")

        object.__setattr__(self, "indices", indices)
        object.__setattr__(self, "point_values", tuple(float(value) for value in point_values))
        object.__setattr__(self, "officer_indices", officer_indices)
        object.__setattr__(
            self,
            "classification",
            tuple((float(minimum), key, label) for minimum, key, label in classification),
        )
        object.__setattr__(self, "title", str(self.title))

    @property
    def index_numbers(self) -> tuple[int, ...]:
        """Index numbers in reporting order."""
        return tuple(number for number, _ in self.indices)

    @property
    def officer_maximum(self) -> float:
        """Highest possible officer total (10 under Circular 01/2018)."""
        return max(self.point_values) * len(self.officer_indices)

    @property
    def agency_maximum(self) -> float:
        """Highest possible agency total (18 under Circular 01/2018)."""
        return max(self.point_values) * len(self.indices)


#: Circular 01/2018/TT-VPCP, Articles 13 and 15: nine indices scored 2, 1 or 0 points per
#: dossier; indices 1-4 and 7 evaluate the officer (maximum 10); the agency total (maximum 18)
#: is "xuất sắc" from 15, "tốt" from 12, "khá" from 9, "trung bình" from 6, "yếu" below 6.
#: The index names paraphrase the Circular's wording.
CIRCULAR_01_2018 = OneStopScoringDefinition(
    title="Thông tư 01/2018/TT-VPCP, Điều 13 và Điều 15",
    indices=(
        (1, "Tổng thời gian giải quyết TTHC so với thời hạn quy định"),
        (2, "Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết"),
        (3, "Số lần phải liên hệ để hoàn thiện hồ sơ TTHC"),
        (4, "Số cơ quan, đơn vị phải liên hệ để hoàn thiện hồ sơ TTHC"),
        (5, "Thực hiện tiếp nhận, giải quyết TTHC qua Bộ phận Một cửa"),
        (6, "Công khai các thủ tục hành chính"),
        (7, "Thái độ của cán bộ, công chức khi hướng dẫn, tiếp nhận, giải quyết hồ sơ"),
        (8, "Tiếp nhận, xử lý phản ánh, kiến nghị"),
        (9, "Cung cấp dịch vụ công trực tuyến"),
    ),
    point_values=(2, 1, 0),
    officer_indices=(1, 2, 3, 4, 7),
    classification=(
        (15, "excellent", "Xuất sắc"),
        (12, "good", "Tốt"),
        (9, "fair", "Khá"),
        (6, "average", "Trung bình"),
        (0, "weak", "Yếu"),
    ),
    decimals=1,
)


@dataclass(frozen=True)
class OneStopIndexScore:
    """Score of one index.

    Attributes
    ----------
    number : int
        Index number in the definition.
    name : str
        Index name in the definition.
    score : float
        Mean points per dossier, rounded half up to the definition's decimals.
    dossiers : int
        Number of dossiers scored on this index.
    """

    number: int
    name: str
    score: float
    dossiers: int


@dataclass(frozen=True)
class OneStopScores:
    """Result of :func:`onestop_scores`.

    Attributes
    ----------
    indices : tuple of OneStopIndexScore
        Scores of the indices that have data, in the definition's order.
    missing_indices : tuple of int
        Index numbers left out because no dossier was scored on them.
    officer_total : float or None
        Sum of the rounded scores of the officer indices that have data; ``None`` when
        none of them has data.
    officer_maximum : float
        Highest possible officer total with all officer indices present (10).
    agency_total : float
        Sum of the rounded scores of all indices that have data.
    agency_maximum : float
        Highest possible agency total with all indices present (18).
    classification_key, classification_label : str
        Band of ``agency_total`` in the definition (e.g. ``"good"``, ``"Tốt"``). The
        bands are applied to the total as it is, also when indices are missing; a report
        should give the band only when :attr:`is_complete` (Circular 01/2018 sets the bands
        for totals out of 18, so a total out of 8 would land in a band it cannot compare to).
    """

    indices: tuple[OneStopIndexScore, ...]
    missing_indices: tuple[int, ...]
    officer_total: float | None
    officer_maximum: float
    agency_total: float
    agency_maximum: float
    classification_key: str
    classification_label: str

    @property
    def scores(self) -> dict[int, float]:
        """Index number → rounded score, for the indices that have data."""
        return {index.number: index.score for index in self.indices}

    @property
    def index_count(self) -> int:
        """Number of indices in the definition, with data or not (9 under Circular 01/2018)."""
        return len(self.indices) + len(self.missing_indices)

    @property
    def is_complete(self) -> bool:
        """Whether every index has data: only then is the agency total comparable with the
        classification bands, which are set for the full maximum."""
        return not self.missing_indices

    @property
    def attainable_maximum(self) -> float:
        """Highest agency total reachable on the indices that have data: the maximum the
        total is out of (8 when four of Circular 01/2018's nine indices have data)."""
        return self.agency_maximum * len(self.indices) / self.index_count


@dataclass(frozen=True)
class _Rules:
    """A definition's rules in whole numbers, prepared once per definition.

    Every allowed point value is ``numerator / denominator`` over one common denominator,
    so an index's points add up in integers and its score is rounded in integers: exact,
    as rational arithmetic is, and much faster (reports score officials by the thousand).
    """

    names: dict[int, str]
    #: Allowed point value (as given, and as an exact fraction) → numerator.
    numerators: dict[object, int]
    denominator: int
    bands: tuple[tuple[Fraction, str, str], ...]


@functools.lru_cache(maxsize=32)
def _rules(definition: OneStopScoringDefinition) -> _Rules:
    allowed = [_as_fraction(value, "point value") for value in definition.point_values]
    denominator = math.lcm(*(value.denominator for value in allowed))
    numerators: dict[object, int] = {}
    for given, exact in zip(definition.point_values, allowed, strict=True):
        numerators[given] = numerators[exact] = int(exact * denominator)
    bands = tuple(
        (_as_fraction(minimum, "classification minimum"), key, label)
        for minimum, key, label in definition.classification
    )
    return _Rules(dict(definition.indices), numerators, denominator, bands)


def _point_numerator(
    raw_points: object, number: int, rules: _Rules, definition: OneStopScoringDefinition
) -> int:
    if not isinstance(raw_points, bool):  # True == 1 as a key; never a point value
        try:
            return rules.numerators[raw_points]
        except (KeyError, TypeError):  # not among them as given: compare its exact value
            pass
    points = _as_fraction(raw_points, f"point value of index {number}")
    if points not in rules.numerators:
        allowed = ", ".join(f"{value:g}" for value in definition.point_values)
        raise ValueError(
            f"index {number}: {raw_points!r} points is not allowed (allowed: {allowed})"
        )
    return rules.numerators[points]


def _rounded_half_up(numerator: int, denominator: int, decimals: int) -> int:
    """``numerator / denominator`` rounded half away from zero, in units of 10**-decimals.

    1.25 → 1.3 (not banker's 1.2); points are never negative in Circular 01/2018, but a
    definition might allow it.
    """
    scale: int = 10**decimals
    magnitude = (2 * abs(numerator) * scale + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def onestop_scores(
    points_counts: Mapping[int, Mapping[float, int]],
    definition: OneStopScoringDefinition = CIRCULAR_01_2018,
) -> OneStopScores:
    """Index scores, officer and agency totals and classification for one-stop handling.

    Parameters
    ----------
    points_counts : mapping of int to mapping of number to int
        For each index number, the number of dossiers that received each point value,
        e.g. ``{1: {2: 30, 1: 60, 0: 10}, 3: {2: 80, 1: 15, 0: 5}}``. Indices absent, or
        with no dossiers, have no data and are left out of the totals.
    definition : OneStopScoringDefinition, optional
        The scoring rules; default :data:`CIRCULAR_01_2018`.

    Returns
    -------
    OneStopScores
        The score of index *i* is (sum of the dossiers' points on *i*) / (number of
        dossiers scored on *i*), rounded half up to ``definition.decimals`` (1.25 → 1.3,
        not banker's 1.2), computed in exact rational arithmetic so that no binary
        floating-point error decides a rounding. Totals are sums of the rounded scores, as
        the Circular publishes them, and are classified with the definition's bands.

    Raises
    ------
    ValueError
        If an index number or point value is not in the definition, a count is negative or
        not a whole number, or no index has any dossier.

    References
    ----------
    .. [1] Văn phòng Chính phủ, Thông tư 01/2018/TT-VPCP hướng dẫn thi hành một số quy định
       của Nghị định 61/2018/NĐ-CP về thực hiện cơ chế một cửa, một cửa liên thông trong
       giải quyết thủ tục hành chính, Điều 13 (chỉ số đánh giá) và Điều 15 (tổng hợp kết
       quả).
    .. [2] Chính phủ, Nghị định 61/2018/NĐ-CP, Điều 32 (đánh giá việc giải quyết TTHC).

    Examples
    --------
    >>> from analysis import onestop_scores
    >>> result = onestop_scores({1: {2: 30, 1: 60, 0: 10}, 7: {2: 5, 1: 3, 0: 0}})
    >>> result.scores
    {1: 1.2, 7: 1.6}
    >>> result.officer_total, result.agency_total, result.classification_label
    (2.8, 2.8, 'Yếu')
    """
    if not isinstance(definition, OneStopScoringDefinition):
        raise ValueError(
            f"definition must be a OneStopScoringDefinition, got {type(definition).__name__}"
        )
    if not isinstance(points_counts, Mapping):
        raise ValueError(
            "points_counts must map index numbers to {points: number of dossiers}, "
            f"got {type(points_counts).__name__}"
        )
    rules = _rules(definition)

    sums: dict[int, tuple[int, int]] = {}
    for raw_number, counts in points_counts.items():
        number = _index_number(raw_number, rules.names)
        if number in sums:
            raise ValueError(f"index {number} is given twice")
        if not isinstance(counts, Mapping):
            raise ValueError(
                f"points_counts[{number}] must map point values to numbers of dossiers, "
                f"got {counts!r}"
            )
        total_points = 0  # in units of 1 / rules.denominator
        dossiers = 0
        for raw_points, raw_count in counts.items():
            points = _point_numerator(raw_points, number, rules, definition)
            count = _dossier_count(raw_count, number)
            total_points += points * count
            dossiers += count
        sums[number] = (total_points, dossiers)

    unit = 10**definition.decimals
    index_scores: list[OneStopIndexScore] = []
    rounded_scores: dict[int, int] = {}  # in units of 1 / unit
    missing: list[int] = []
    for number, name in definition.indices:
        total_points, dossiers = sums.get(number, (0, 0))
        if dossiers == 0:
            missing.append(number)
            continue
        rounded = _rounded_half_up(total_points, rules.denominator * dossiers, definition.decimals)
        rounded_scores[number] = rounded
        index_scores.append(OneStopIndexScore(number, name, rounded / unit, dossiers))
    if not index_scores:
        raise ValueError("no dossiers: every index is empty, so there is nothing to score")

    officer_present = [n for n in definition.officer_indices if n in rounded_scores]
    officer_total = (
        sum(rounded_scores[n] for n in officer_present) / unit if officer_present else None
    )
    agency_total = Fraction(sum(rounded_scores.values()), unit)
    # The definition guarantees that the lowest band's minimum is reached by every total.
    key, label = next(
        (key, label) for minimum, key, label in rules.bands if agency_total >= minimum
    )
    return OneStopScores(
        indices=tuple(index_scores),
        missing_indices=tuple(missing),
        officer_total=officer_total,
        officer_maximum=definition.officer_maximum,
        agency_total=float(agency_total),
        agency_maximum=definition.agency_maximum,
        classification_key=key,
        classification_label=label,
    )


def _index_number(raw_number: Any, names: Mapping[int, str]) -> int:
    if type(raw_number) is int and raw_number in names:  # the common case, checked below
        return raw_number
    if isinstance(raw_number, bool):
        raise ValueError(f"index number must be an integer, got {raw_number!r}")
    try:
        number = int(raw_number)
    except (TypeError, ValueError):
        raise ValueError(f"index number must be an integer, got {raw_number!r}") from None
    if number != raw_number and str(number) != str(raw_number).strip():
        raise ValueError(f"index number must be an integer, got {raw_number!r}")
    if number not in names:
        known = ", ".join(str(n) for n in names)
        raise ValueError(f"index {number} is not in the scoring definition (indices: {known})")
    return number


def _dossier_count(raw_count: Any, number: int) -> int:
    if type(raw_count) is int and raw_count >= 0:  # the common case, checked below
        return raw_count
    count = _as_fraction(raw_count, f"number of dossiers of index {number}")
    if count < 0:
        raise ValueError(f"index {number}: numbers of dossiers must not be negative")
    if count.denominator != 1:
        raise ValueError(f"index {number}: numbers of dossiers must be whole numbers")
    return int(count)
