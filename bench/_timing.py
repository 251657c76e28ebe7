"""CPU time of the process, for the benchmarks that time work in-process."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def cpu(action: Callable[[], object], runs: int, before: Callable[[], None] | None = None) -> float:
    """The median CPU seconds of ``runs`` calls of ``action``, each after ``before`` (if
    given: what to forget first, untimed)."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        started = time.process_time()
        action()
        times.append(time.process_time() - started)
    return statistics.median(times)
