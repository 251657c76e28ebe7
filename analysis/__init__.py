"""Hài Lòng statistics: satisfaction indices with honest uncertainty, from count tables.

numpy and scipy only; this package never imports Flask. See ``analysis/README.md``
for which method the platform uses for what, and why.
"""

# --- proportions, indices, one-stop scores, reliability ---

# --- comparisons, rankings, weighting, disclosure control ---

__all__: list[str] = []
