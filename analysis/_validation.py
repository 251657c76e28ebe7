"""Argument checks shared by the statistics functions.

Every public function of :mod:`analysis` validates its inputs and raises
``ValueError`` with a message that names the argument, so a caller learns what
was wrong instead of receiving a NaN.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def frozen_array(values: ArrayLike, dtype: type | None = float) -> np.ndarray:
    """Return a read-only copy of ``values``, so that a frozen result object stays frozen."""
    array = np.array(values, dtype=dtype, copy=True)
    array.setflags(write=False)
    return array


def check_confidence_level(confidence_level: float) -> float:
    """Return ``confidence_level`` as a float strictly between 0 and 1."""
    try:
        level = float(confidence_level)
    except (TypeError, ValueError):
        raise ValueError(f"confidence_level must be a number, got {confidence_level!r}") from None
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence_level must be strictly between 0 and 1, got {level}")
    return level


def check_method(method: str, allowed: tuple[str, ...], name: str = "method") -> str:
    """Return ``method`` if it is one of ``allowed``, else raise a ``ValueError`` naming them."""
    if method not in allowed:
        choices = ", ".join(repr(choice) for choice in allowed)
        raise ValueError(f"unknown {name} {method!r}; expected one of {choices}")
    return method


def as_counts(values: ArrayLike, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``values`` as a float array of finite, non-negative counts.

    Counts may be non-integral (weighted counts); they may not be negative,
    NaN or infinite. ``ndim`` checks the number of dimensions when given.
    """
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric counts, got {values!r}") from None
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite numbers")
    if np.any(array < 0):
        raise ValueError(f"{name} must not contain negative counts")
    return array


def as_integer_counts(values: ArrayLike, name: str, ndim: int | None = None) -> np.ndarray:
    """Return ``values`` as a float array of non-negative whole-number counts.

    Like :func:`as_counts`, and also rejects non-integral values: the exact and
    score intervals for proportions are defined for counts of respondents, not
    for weighted counts.
    """
    array = as_counts(values, name, ndim=ndim)
    if not np.all(array == np.floor(array)):
        raise ValueError(f"{name} must be whole numbers (counts of answers), got {values!r}")
    return array
