"""How long does analysing one province's quarter take? Prints figures, asserts nothing.

Workload: 1,000 officials × 20 items × 5 answer levels, as the count table a SQL
``GROUP BY official, item, level`` returns. The analysis is what a dashboard
refresh computes: per-official satisfaction rates (levels 4–5) with Wilson
intervals and Wilson lower bounds, empirical-Bayes shrunk rates, funnel-plot
limits with over-dispersion, a Kruskal–Wallis test across officials, and
per-item rates. The target is "well under 100 ms".

The time is reported as the median of several repeats and as a ratio to a
same-run baseline (a plain numpy sum over the same count array), so figures
from different machines can be compared.

Run: ``.venv/bin/python bench/analysis_speed.py``
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import (
    funnel_limits,
    kruskal_from_counts,
    proportion_ci,
    shrink_rates,
    wilson_lower_bound,
)

OFFICIALS, ITEMS, LEVELS = 1_000, 20, 5
REPEATS = 15
SATISFIED_LEVELS = slice(3, 5)  # levels 4 and 5 of 1..5


def make_counts(seed: int = 2025) -> np.ndarray:
    """Realistic counts: officials differ in volume and in satisfaction."""
    generator = np.random.default_rng(seed)
    answers = generator.integers(5, 60, size=(OFFICIALS, ITEMS))
    quality = generator.beta(8, 2, size=OFFICIALS)  # officials' own level
    level_probabilities = np.stack(
        [
            (1 - quality) * 0.3,
            (1 - quality) * 0.3,
            (1 - quality) * 0.4,
            quality * 0.5,
            quality * 0.5,
        ],
        axis=1,
    )
    counts = np.empty((OFFICIALS, ITEMS, LEVELS), dtype=np.int64)
    for official in range(OFFICIALS):
        counts[official] = generator.multinomial(answers[official], level_probabilities[official])
    return counts


def analyse(counts: np.ndarray) -> dict:
    by_official = counts.sum(axis=1)  # officials × levels
    satisfied = by_official[:, SATISFIED_LEVELS].sum(axis=1)
    answered = by_official.sum(axis=1)
    rates = satisfied / answered
    intervals = [proportion_ci(int(x), int(n)) for x, n in zip(satisfied, answered, strict=True)]
    lower_bounds = wilson_lower_bound(satisfied, answered)
    shrunk = shrink_rates(satisfied, answered)
    funnel = funnel_limits(satisfied, answered)
    kruskal = kruskal_from_counts(by_official)
    by_item = counts.sum(axis=0)  # items × levels
    item_rates = by_item[:, SATISFIED_LEVELS].sum(axis=1) / by_item.sum(axis=1)
    return {
        "rates": rates,
        "intervals": intervals,
        "lower_bounds": lower_bounds,
        "shrunk": shrunk,
        "funnel": funnel,
        "kruskal": kruskal,
        "item_rates": item_rates,
    }


def median_seconds(function, *args, repeats: int = REPEATS) -> float:
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    counts = make_counts()
    analyse(counts)  # warm-up: imports, caches
    baseline = median_seconds(np.sum, counts, repeats=200)
    total = median_seconds(analyse, counts)

    steps = {
        "Wilson CI per official (proportion_ci, scalar calls)": lambda: [
            proportion_ci(int(x), int(n)) for x, n in zip(satisfied, answered, strict=True)
        ],
        "wilson_lower_bound (vectorised)": lambda: wilson_lower_bound(satisfied, answered),
        "shrink_rates (moments)": lambda: shrink_rates(satisfied, answered),
        "shrink_rates (ml)": lambda: shrink_rates(satisfied, answered, method="ml"),
        "funnel_limits": lambda: funnel_limits(satisfied, answered),
        "kruskal_from_counts over officials": lambda: kruskal_from_counts(by_official),
    }
    by_official = counts.sum(axis=1)
    satisfied = by_official[:, SATISFIED_LEVELS].sum(axis=1)
    answered = by_official.sum(axis=1)

    print(
        f"Workload: {OFFICIALS} officials × {ITEMS} items × {LEVELS} levels, "
        f"{int(counts.sum()):,} answers; median of {REPEATS} repeats"
    )
    print(f"Baseline numpy sum over the counts: {baseline * 1e3:8.3f} ms")
    print(
        f"Full analysis:                      {total * 1e3:8.2f} ms "
        f"({total / baseline:,.0f} × baseline; target well under 100 ms)"
    )
    print("Steps:")
    for label, step in steps.items():
        seconds = median_seconds(step)
        print(f"  {label:<55} {seconds * 1e3:8.2f} ms")
    result = analyse(counts)
    print(
        f"Check: H = {result['kruskal'].statistic:.1f} (dof {result['kruskal'].dof}), "
        f"phi = {result['funnel'].phi:.2f}, "
        f"prior strength = {result['shrunk'].prior.strength:.1f}"
    )


if __name__ == "__main__":
    main()
