"""Entropy profiles from Schmidt values: the von Neumann entropy of every cut of a pure state at once.

An MPS measurement (:mod:`verify.tebd`, :mod:`verify.mps`) has the Schmidt values of every bond; the
entropy profile S_b (PRX Eq. 12) is one vectorized pass over all of them instead of one validated
spectrum per bond (:func:`entanglement.von_neumann_entropy`), with the same −p ln p
(:func:`entanglement._shannon.entropy_terms`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from entanglement._shannon import entropy_terms
from entanglement._validation import as_numeric_array, log_base_factor

__all__ = ["schmidt_entropies"]


def schmidt_entropies(schmidt: Sequence[np.ndarray] | np.ndarray, base: float | None = None) -> np.ndarray:
    """Von Neumann entropy of every cut from its Schmidt values (PRX Eq. 12), all cuts at once.

    S_b = −Σ_k p_k ln p_k with p_k = s_k² / Σ_k s_k² for the Schmidt values s of cut b: the entropy of
    either side of a pure state cut there, of ψ/‖ψ‖ (each cut is normalized on its own, as an MPS bond
    after truncation). Each cut is scaled by its largest value before squaring, so values from 1e-300
    to 1e300 neither underflow nor overflow.

    Parameters
    ----------
    schmidt : sequence of 1-D arrays, or a 2-D array
        The nonnegative Schmidt values of each cut (a 2-D array: one row per cut); each cut non-empty
        with a nonzero value. One cut alone is ``[values]``.
    base : float, optional
        Logarithm base; ``None`` gives nats.

    Returns
    -------
    ndarray, shape (number of cuts,)
        S_b ∈ [0, ln(number of values of cut b)] in the given base; empty for no cuts.

    Raises
    ------
    TypeError
        When ``schmidt`` is not a sequence of cuts (a string, a scalar, a 0-d or 1-d array).
    ValueError
        For an empty cut, non-numeric, NaN/inf, complex or negative values, or a cut whose values are
        all zero.
    """
    factor = log_base_factor(base)
    if (isinstance(schmidt, (str, bytes)) or not isinstance(schmidt, (Sequence, np.ndarray))
            or (isinstance(schmidt, np.ndarray) and schmidt.ndim < 2)):
        raise TypeError("schmidt must be a sequence of 1-D arrays, one per cut (one cut: [values]), "
                        f"got {type(schmidt).__name__}")
    arrays = [as_numeric_array(s, "schmidt values") for s in schmidt]
    if not arrays:
        return np.zeros(0)
    if any(a.ndim != 1 or a.size == 0 for a in arrays):
        raise ValueError("schmidt values must be non-empty 1-D arrays, one per cut")
    values = np.concatenate(arrays)
    if np.iscomplexobj(values) or not np.isfinite(values).all() or np.any(values < 0):
        raise ValueError("schmidt values must be real, finite and nonnegative")
    lengths = np.array([a.size for a in arrays])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    peaks = np.maximum.reduceat(values, starts)
    if np.any(peaks <= 0):
        raise ValueError(f"cut {int(np.argmin(peaks))} has only zero Schmidt values")
    squares = (values / np.repeat(peaks, lengths)) ** 2
    totals = np.add.reduceat(squares, starts)  # ≥ 1: the peak contributes 1
    return np.add.reduceat(entropy_terms(squares / np.repeat(totals, lengths)), starts) / factor
