"""Exact coverage of each proportion interval method on a grid of n and p.

Coverage is computed exactly, not simulated: for a true proportion p and sample size n,
coverage = Σ_x P(X = x) · [low(x) ≤ p ≤ high(x)] with X ~ Binomial(n, p), summing over all
n + 1 possible outcomes (Brown, Cai & DasGupta 2001, section 2). Prints tables; no pass/fail.

Run: .venv/bin/python bench/ci_coverage.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import proportion_ci
from analysis._proportions import PROPORTION_CI_METHODS

SAMPLE_SIZES = (5, 10, 30, 100, 500)
PROPORTIONS = (0.05, 0.2, 0.5, 0.8, 0.95)
CONFIDENCE_LEVEL = 0.95


def interval_table(n: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends of the interval for every outcome x = 0..n."""
    bounds = [proportion_ci(x, n, CONFIDENCE_LEVEL, method) for x in range(n + 1)]
    return np.array([b.low for b in bounds]), np.array([b.high for b in bounds])


def coverage(n: int, p: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Exact coverage at each proportion in ``p`` (array), given the interval table."""
    outcomes = np.arange(n + 1)
    probabilities = stats.binom.pmf(outcomes[None, :], n, p[:, None])
    covers = (low[None, :] <= p[:, None]) & (p[:, None] <= high[None, :])
    return (probabilities * covers).sum(axis=1)


def main() -> None:
    started = time.perf_counter()
    tables = {(n, m): interval_table(n, m) for n in SAMPLE_SIZES for m in PROPORTION_CI_METHODS}
    width = 10
    header = f"{'n':>5} {'p':>5} " + " ".join(f"{m:>{width + 5}}" for m in PROPORTION_CI_METHODS)

    print(f"Exact coverage of nominal {CONFIDENCE_LEVEL:.0%} intervals (1 = always covers)\n")
    print(header)
    for n in SAMPLE_SIZES:
        for p in PROPORTIONS:
            cells = []
            for method in PROPORTION_CI_METHODS:
                value = coverage(n, np.array([p]), *tables[(n, method)])[0]
                cells.append(f"{value:>{width + 5}.4f}")
            print(f"{n:>5} {p:>5.2f} " + " ".join(cells))
        print()

    # Coverage oscillates with p (Brown, Cai & DasGupta 2001, Fig. 1), so single points can
    # flatter or slander a method; the mean and minimum over a fine grid are fairer.
    fine = np.linspace(0.01, 0.99, 981)
    print("Mean / minimum coverage over p in [0.01, 0.99] (981 points)\n")
    print(f"{'n':>5} " + " ".join(f"{m:>{width + 5}}" for m in PROPORTION_CI_METHODS))
    for n in SAMPLE_SIZES:
        cells = []
        for method in PROPORTION_CI_METHODS:
            values = coverage(n, fine, *tables[(n, method)])
            cells.append(f"{values.mean():>{width - 1}.3f}/{values.min():.3f}")
        print(f"{n:>5} " + " ".join(cells))

    print("\nMean width of the interval, averaged over the binomial outcomes at p = 0.8\n")
    print(f"{'n':>5} " + " ".join(f"{m:>{width + 5}}" for m in PROPORTION_CI_METHODS))
    for n in SAMPLE_SIZES:
        weights = stats.binom.pmf(np.arange(n + 1), n, 0.8)
        cells = []
        for method in PROPORTION_CI_METHODS:
            low, high = tables[(n, method)]
            cells.append(f"{np.dot(weights, high - low):>{width + 5}.4f}")
        print(f"{n:>5} " + " ".join(cells))
    print(f"\n(computed in {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
