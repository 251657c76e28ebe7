"""Hài Lòng statistics: satisfaction indices with honest uncertainty, from count tables.

numpy and scipy only; this package never imports Flask. See ``analysis/README.md``
for which method the platform uses for what, and why.
"""

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
from ._rankings import (
    BetaPrior,
    FunnelResult,
    RateIntervals,
    ShrunkRates,
    funnel_limits,
    rank_ranges,
    shrink_rates,
)
from ._reliability import CronbachAlphaResult, cronbach_alpha
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

__all__ = [
    "CIRCULAR_01_2018",
    "BetaPrior",
    "Chi2IndependenceResult",
    "ConfidenceInterval",
    "CriterionRate",
    "CronbachAlphaResult",
    "DesignEffect",
    "DunnResult",
    "FactorIndex",
    "FunnelResult",
    "IndexBootstrapResult",
    "KruskalResult",
    "MannWhitneyResult",
    "MeanScore",
    "NetPromoterScore",
    "OneStopIndexScore",
    "OneStopScores",
    "OneStopScoringDefinition",
    "PoststratifiedRate",
    "RakeResult",
    "RateIntervals",
    "SatisfactionRate",
    "ShrunkRates",
    "SipasIndex",
    "TrendTestResult",
    "WeightedProportion",
    "adjust_pvalues",
    "chi2_independence",
    "cronbach_alpha",
    "design_effect",
    "dunn_from_counts",
    "funnel_limits",
    "index_bootstrap_ci",
    "kruskal_from_counts",
    "mann_whitney_from_counts",
    "mean_score",
    "nps",
    "onestop_scores",
    "poststratify",
    "proportion_ci",
    "rake",
    "rank_ranges",
    "satisfaction_rate",
    "shrink_rates",
    "sipas_index",
    "suppress_small_cells",
    "trend_test",
    "weighted_proportion",
    "wilson_lower_bound",
]
