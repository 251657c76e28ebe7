"""How long does the disclosure audit of an officials × quarters table take? Prints
figures, asserts nothing.

Workload: the officials' Circular 01/2018 table of a year's report, officials × (four
quarters, the year), dossiers per official drawn from a skewed distribution (many
officials with a handful of dossiers a quarter, a few with dozens), decided by
:func:`survey.results.disclosure.hidden_by_period` with a minimum of 5. Each hidden small
cell is audited by linear programming (``scipy.optimize.linprog``).

The audit keeps every solution of the attacker's problem it has seen (the evidence): a
cell seen to move by its protection width needs no linear program of its own, and the
evidence holds while the pattern grows. The same-run baseline is the same audit with
the evidence ignored (every cell audited by its own two programs, as before), so the
ratio compares the two on this machine, whatever its load.

Run: ``.venv/bin/python bench/disclosure_speed.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis import _disclosure
from survey.results.disclosure import hidden_by_period

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


def main() -> None:
    print(
        f"{'officials':>9} {'small':>6} {'hidden':>7} {'LPs':>6} {'s':>7} "
        f"{'base LPs':>9} {'base s':>7} {'time ratio':>10}"
    )
    for officials in SIZES:
        table = make_table(officials)
        small = int(((table > 0) & (table < MINIMUM)).sum())
        seconds, solved, hidden = timed(table)
        line = f"{officials:>9} {small:>6} {hidden:>7} {solved:>6} {seconds:>7.2f}"
        if officials in BASELINE_SIZES:
            with mock.patch.object(_disclosure._Evidence, "shows", lambda *args: False):
                base_seconds, base_solved, base_hidden = timed(table)
            line += f" {base_solved:>9} {base_seconds:>7.2f} {seconds / base_seconds:>10.2f}"
            line += "" if base_hidden == hidden else f"  (baseline hides {base_hidden})"
        print(line)


if __name__ == "__main__":
    main()
