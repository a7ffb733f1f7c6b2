"""Building blocks of the strategies: bounded floats and arrays, validated dimension and range arguments.

The strategy modules (:mod:`verify.testing.strategies_states`, :mod:`~verify.testing.strategies_models`,
:mod:`~verify.testing.strategies_mps`) draw every number through :func:`unit_floats` /
:func:`float_arrays`, so that draws shrink towards 0, and check their arguments with
:func:`dims_argument` and :func:`range_argument` (on top of :mod:`states.validation`) when a strategy is
built, not when it is drawn from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from states.validation import require_int, require_real

__all__ = ["MAX_TOTAL_DIM", "ZERO_NORM", "dims_argument", "float_arrays", "normalized", "range_argument", "unit_floats"]

ZERO_NORM = 1e-100
"""Draws whose norm is below this are replaced by a basis vector (avoids dividing by ~0)."""

MAX_TOTAL_DIM = 4096
"""Largest total dimension Π d_k the state strategies build (they are for small states)."""


def unit_floats() -> st.SearchStrategy[float]:
    """Finite floats in [−1, 1] without subnormals (shrink towards 0)."""
    return st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def float_arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape`` with entries from :func:`unit_floats`."""
    return hnp.arrays(np.float64, shape, elements=unit_floats())


def normalized(vector: np.ndarray) -> np.ndarray:
    """``vector / ‖vector‖``; the first basis vector when the norm is below :data:`ZERO_NORM`."""
    norm = float(np.linalg.norm(vector))
    if not norm > ZERO_NORM:
        vector = np.zeros_like(vector)
        vector[0] = 1.0
        return vector
    return vector / norm


def dims_argument(dims: object, name: str = "dims") -> tuple[int, ...]:
    """Local dimensions as a tuple of positive ints with Π d_k ≤ :data:`MAX_TOTAL_DIM`.

    Raises
    ------
    TypeError
        For anything but a sequence (or array) of integers.
    ValueError
        For an empty sequence, a dimension < 1 or a total dimension above :data:`MAX_TOTAL_DIM`.
    """
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of positive integers, got {dims!r}")
    parsed = tuple(require_int(f"{name}[{k}]", d, minimum=1) for k, d in enumerate(tuple(dims)))
    if not parsed:
        raise ValueError(f"{name} must not be empty")
    total = math.prod(parsed)
    if total > MAX_TOTAL_DIM:
        raise ValueError(
            f"{name} {list(parsed)} give dimension {total}; these strategies are for small states (<= {MAX_TOTAL_DIM})"
        )
    return parsed


def range_argument(name: str, bounds: object) -> tuple[float, float]:
    """A ``(low, high)`` tuple of finite reals with low ≤ high, as floats.

    Raises
    ------
    TypeError
        Unless ``bounds`` is a tuple of two real numbers.
    ValueError
        For non-finite bounds or low > high.
    """
    if not (isinstance(bounds, tuple) and len(bounds) == 2):
        raise TypeError(f"{name} must be a (low, high) tuple, got {bounds!r}")
    lo, hi = (require_real(f"{name}[{k}]", value) for k, value in enumerate(bounds))
    if lo > hi:
        raise ValueError(f"{name} = {bounds!r}: low exceeds high")
    return lo, hi
