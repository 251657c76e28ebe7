"""Hài Lòng statistics: satisfaction indices with honest uncertainty, from count tables.

numpy and scipy only; this package never imports Flask. See ``analysis/README.md``
for which method the platform uses for what, and why.
"""

__all__: list[str] = []

# --- proportions, indices, one-stop scores, reliability ---
from ._onestop import (
    CIRCULAR_01_2018,
    OneStopIndexScore,
    OneStopScores,
    OneStopScoringDefinition,
    onestop_scores,
)
from ._proportions import (
    ConfidenceInterval,
    MeanScore,
    NetPromoterScore,
    SatisfactionRate,
    mean_score,
    nps,
    proportion_ci,
    satisfaction_rate,
    wilson_lower_bound,
)

__all__ += [
    "CIRCULAR_01_2018",
    "ConfidenceInterval",
    "MeanScore",
    "NetPromoterScore",
    "OneStopIndexScore",
    "OneStopScores",
    "OneStopScoringDefinition",
    "SatisfactionRate",
    "mean_score",
    "nps",
    "onestop_scores",
    "proportion_ci",
    "satisfaction_rate",
    "wilson_lower_bound",
]

# --- comparisons, rankings, weighting, disclosure control ---
