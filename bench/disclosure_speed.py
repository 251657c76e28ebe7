"""How long does the disclosure audit of an officials × quarters table take? Prints
figures, asserts nothing.

Workload: the officials' Circular 01/2018 table of a year's report, officials × (four
quarters, the year), dossiers per official drawn from a skewed distribution (many
officials with a handful of dossiers a quarter, a few with dozens), decided by
:func:`survey.results.disclosure.hidden_by_period` with a minimum of 5. Each hidden small
cell is audited by linear programming (HiGHS, the solver of ``scipy.optimize.linprog``).

The audit keeps every solution of the attacker's problem it has seen (the evidence): a
cell seen to move by its protection width needs no linear program of its own, and the
evidence holds while the pattern grows. Its programs share one HiGHS solver per group of
linked cells, which only changes the objective between programs and starts from the last
optimal basis. Two baselines run in the same process, so the ratios compare them on this
machine whatever its load:

- ``linprog``: the same audit, each program a fresh ``scipy.optimize.linprog`` call (the
  audit before the solver was kept);
- ``plain`` (the smallest table only): ``linprog`` with the evidence ignored, every cell
  audited by its own two programs.

Second workload: the trend's months decided across reports
(:func:`survey.results.disclosure.hidden_periods`) for a year of 14 agencies under one
province, shaped like the demo data's SIPAS responses (most agencies a handful a month),
against the first design, reverted for its cost (every agency's month an unpublished cell,
every scope's months and quarters figures of their own: one table and one big group of
linked cells), run here on the same counts with ``linprog`` and with the kept solver.

Run: ``.venv/bin/python bench/disclosure_speed.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np
import scipy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import _disclosure
from survey.results.disclosure import hidden_by_period, hidden_groups, hidden_periods

SIZES = (50, 100, 135)
#: The baseline solves ten times as many programs: measured on the smallest table only.
BASELINE_SIZES = (50,)
MINIMUM = 5


def make_table(officials: int, seed: int = 7) -> np.ndarray:
    """Dossiers per official per quarter, then the year; officials without any left out.
    A row that even hiding everything cannot protect (four quarters of 1, a year of 4:
    the rule itself gives each away) is left out too, since it ends the audit at once."""
    generator = np.random.default_rng(seed)
    rows = []
    while len(rows) < officials:
        quarters = generator.poisson(generator.gamma(2, 3), size=4)
        if quarters.sum() and not (quarters.sum() < MINIMUM and quarters.min() > 0):
            rows.append([*quarters, quarters.sum()])
    return np.array(rows)


def timed(table: np.ndarray) -> tuple[float, int, int]:
    """Seconds, linear programs solved and cells hidden."""
    solved = 0
    solve = _disclosure._Attack._solve

    def counting(self, objective):
        nonlocal solved
        solved += 1
        return solve(self, objective)

    with mock.patch.object(_disclosure._Attack, "_solve", counting):
        start = time.perf_counter()
        hidden = hidden_by_period(table, MINIMUM)
        seconds = time.perf_counter() - start
    return seconds, solved, int(hidden.sum())


def linprog_solve(self, objective):
    """One program as a fresh ``linprog`` call on the attack's constraints."""
    limits = zip(self.lower, self.upper, strict=True)
    bounds = [(low, None if np.isinf(high) else high) for low, high in limits]
    rows = self.b_eq.size > 0
    solved = scipy.optimize.linprog(
        objective,
        A_eq=self.a_eq if rows else None,
        b_eq=self.b_eq if rows else None,
        bounds=bounds,
        method="highs",
    )
    if solved.status == 3:
        return None
    if self.evidence is not None:
        self.evidence.record(self.unknown, np.asarray(solved.x))
    return np.asarray(solved.x)


def baseline(table: np.ndarray, plain: bool) -> tuple[float, int, int]:
    """:func:`timed` with every program a ``linprog`` call (``plain``: no evidence)."""
    with mock.patch.object(_disclosure._Attack, "_solve", linprog_solve):
        if not plain:
            return timed(table)
        with mock.patch.object(_disclosure._Evidence, "shows", lambda *args: False):
            return timed(table)


def main() -> None:
    scipy.optimize.linprog([1.0], bounds=[(0, 1)])  # imports out of the first timing
    print(
        f"{'officials':>9} {'small':>6} {'hidden':>7} {'LPs':>6} {'s':>6} "
        f"{'linprog LPs':>11} {'s':>6} {'ratio':>6} {'plain LPs':>9} {'s':>6} {'ratio':>6}"
    )
    for officials in SIZES:
        table = make_table(officials)
        small = int(((table > 0) & (table < MINIMUM)).sum())
        seconds, solved, hidden = timed(table)
        line = f"{officials:>9} {small:>6} {hidden:>7} {solved:>6} {seconds:>6.2f}"
        runs = [False] + ([True] if officials in BASELINE_SIZES else [])
        for plain in runs:
            base_seconds, base_solved, base_hidden = baseline(table, plain)
            width = 9 if plain else 11
            line += f" {base_solved:>{width}} {base_seconds:>6.2f} {seconds / base_seconds:>6.3f}"
            line += "" if base_hidden == hidden else f" (hides {base_hidden})"
        print(line)
    trend_months()


def make_months(agencies: int = 14, seed: int = 3) -> np.ndarray:
    """Responses and answers per agency and month of a year: one large agency, the
    others a few a month, the last month only begun."""
    generator = np.random.default_rng(seed)
    means = np.concatenate([[50.0], generator.gamma(2, 5, agencies - 1)])
    responses = generator.poisson(means[:, None] * np.r_[np.ones(11), 0.15][None, :])
    answers = generator.binomial(responses, 0.93)
    return np.stack([responses, answers], axis=2)


def first_design(parts: np.ndarray, scopes: list[list[int]], quarters: list[list[int]]):
    """The reverted decision: each agency's month unpublished, each scope's month and
    quarter a figure tied to them, every scope's and agency's year published."""
    agencies, months, _counts = parts.shape
    figures = [(scope, (m,)) for scope in scopes for m in range(months)]
    figures += [(scope, tuple(q)) for scope in scopes for q in quarters]
    base = parts.reshape(agencies * months, 2)
    derived = np.array([parts[np.ix_(rows, added)].sum(axis=(0, 1)) for rows, added in figures])
    table = np.vstack([base, derived])
    sums = [
        (len(base) + k, [r * months + p for r in rows for p in added])
        for k, (rows, added) in enumerate(figures)
    ]
    years = [[r * months + p for r in scope for p in range(months)] for scope in scopes]
    return hidden_groups(
        table[:, 0],
        table[:, 1],
        MINIMUM,
        lower_bound=0,
        scopes=years + [[r * months + p for p in range(months)] for r in range(agencies)],
        unpublished=[True] * len(base) + [False] * len(derived),
        sums=sums,
    )


def trend_months() -> None:
    parts = make_months()
    scopes = [list(range(len(parts)))] + [[row] for row in range(len(parts))]
    quarters = [[3 * q, 3 * q + 1, 3 * q + 2] for q in range(4)]
    started = time.perf_counter()
    decided = hidden_periods(parts, scopes, quarters, MINIMUM)
    seconds = time.perf_counter() - started
    small = int(((parts[:, :, 0] > 0) & (parts[:, :, 0] < MINIMUM)).sum())
    hidden = sum(decided[(row,), (m,)] for row in range(len(parts)) for m in range(12))
    print(f"\ntrend months, {len(parts)} agencies x 12: {small} small, {hidden} hidden")
    print(f"  hidden_periods (kept solver)        {seconds:7.2f} s")
    timings = []
    for label, patch in (("kept solver", None), ("linprog", linprog_solve)):
        started = time.perf_counter()
        if patch is None:
            first_design(parts, scopes, quarters)
        else:
            with mock.patch.object(_disclosure._Attack, "_solve", patch):
                first_design(parts, scopes, quarters)
        timings.append(time.perf_counter() - started)
        print(f"  first design ({label}){' ' * (14 - len(label))}{timings[-1]:7.2f} s")
    print(f"  ratio hidden_periods / first design with linprog: {seconds / timings[-1]:.3f}")


if __name__ == "__main__":
    main()
