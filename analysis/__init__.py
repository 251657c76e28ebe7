"""Hài Lòng statistics: satisfaction indices with honest uncertainty, from count tables.

numpy and scipy only; this package never imports Flask. See ``analysis/README.md``
for which method the platform uses for what, and why.
"""

# Each block below imports its names and extends __all__ itself, so the second block's
# imports follow a statement; that is deliberate (two independent blocks), hence:
# ruff: noqa: E402

__all__: list[str] = []

# --- proportions, indices, one-stop scores, reliability ---
from ._indices import (
    CriterionRate,
    FactorIndex,
    IndexBootstrapResult,
    SipasIndex,
    index_bootstrap_ci,
    sipas_index,
)
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
from ._reliability import CronbachAlphaResult, cronbach_alpha

__all__ += [
    "CIRCULAR_01_2018",
    "ConfidenceInterval",
    "CriterionRate",
    "CronbachAlphaResult",
    "FactorIndex",
    "IndexBootstrapResult",
    "MeanScore",
    "NetPromoterScore",
    "OneStopIndexScore",
    "OneStopScores",
    "OneStopScoringDefinition",
    "SatisfactionRate",
    "SipasIndex",
    "cronbach_alpha",
    "index_bootstrap_ci",
    "mean_score",
    "nps",
    "onestop_scores",
    "proportion_ci",
    "satisfaction_rate",
    "sipas_index",
    "wilson_lower_bound",
]

# --- comparisons, rankings, weighting, disclosure control ---
from ._comparisons import (
    Chi2IndependenceResult,
    DunnResult,
    KruskalResult,
    MannWhitneyResult,
    TrendTestResult,
    adjust_pvalues,
    chi2_independence,
    dunn_from_counts,
    kruskal_from_counts,
    mann_whitney_from_counts,
    trend_test,
)
from ._disclosure import suppress_small_cells
from ._rankings import (
    BetaPrior,
    FunnelResult,
    RateIntervals,
    ShrunkRates,
    funnel_limits,
    shrink_rates,
)
from ._weighting import (
    DesignEffect,
    PoststratifiedRate,
    RakeResult,
    WeightedProportion,
    design_effect,
    poststratify,
    rake,
    weighted_proportion,
)

__all__ += [
    "BetaPrior",
    "Chi2IndependenceResult",
    "DesignEffect",
    "DunnResult",
    "FunnelResult",
    "KruskalResult",
    "MannWhitneyResult",
    "PoststratifiedRate",
    "RakeResult",
    "RateIntervals",
    "ShrunkRates",
    "TrendTestResult",
    "WeightedProportion",
    "adjust_pvalues",
    "chi2_independence",
    "design_effect",
    "dunn_from_counts",
    "funnel_limits",
    "kruskal_from_counts",
    "mann_whitney_from_counts",
    "poststratify",
    "rake",
    "shrink_rates",
    "suppress_small_cells",
    "trend_test",
    "weighted_proportion",
]
