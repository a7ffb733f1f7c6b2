"""Kets and density matrices to and from ``qutip.Qobj`` (QuTiP is optional, imported in the functions).

:func:`to_qutip` / :func:`from_qutip` keep the tensor-product dims bookkeeping: a ket of two qubits
has dims ``[[2, 2], [1, 1]]`` (QuTiP 5 stores it as ``[[2, 2], [1]]``), an operator ``[[2, 2], [2, 2]]``.
Arrays are converted index for index: this package orders a spin-1/2 as (↑, ↓) and the first tensor
factor leftmost (``docs/conventions.md``), which is QuTiP's ``tensor`` order as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from states.validation import require_int

__all__ = ["from_qutip", "to_qutip"]


def _dims_for(size: int, dims: Sequence[int] | None) -> list[int]:
    if dims is None:
        n = size.bit_length() - 1
        if size < 1 or 2**n != size:
            raise ValueError(f"dims=None means qubits, but the dimension {size} is not a power of 2; pass dims")
        return [2] * n if n else [1]
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, np.ndarray)):
        raise TypeError(f"dims must be a sequence of positive integers, got {dims!r}")
    parsed = [require_int(f"dims[{k}]", d, minimum=1) for k, d in enumerate(dims)]
    if not parsed:
        raise ValueError("dims must be a non-empty sequence of positive integers, got []")
    if math.prod(parsed) != size:
        raise ValueError(f"dims {parsed} multiply to {math.prod(parsed)}, but the dimension is {size}")
    return parsed


def to_qutip(state: np.ndarray, dims: Sequence[int] | None = None) -> Any:
    """A ket (D,) / (D, 1) or a density matrix (D, D) as a ``qutip.Qobj`` with tensor dims.

    Parameters
    ----------
    state : ndarray
        Finite numeric array; converted as-is (not renormalized).
    dims : sequence of int, optional
        Local dimensions, first factor leftmost (``None``: qubits).

    Returns
    -------
    qutip.Qobj
        ``dims = [dims, [1]*n]`` for a ket, ``[dims, dims]`` for a density matrix.
    """
    try:
        import qutip
    except ImportError as exc:  # pragma: no cover - exercised only without QuTiP
        raise ImportError("to_qutip needs QuTiP: pip install qutip") from exc
    try:
        array = np.asarray(state)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"state is not an array ({exc})") from None
    if array.dtype.kind not in "iufc":
        raise TypeError(f"state must be numeric, got dtype {array.dtype}")
    if array.size == 0 or not np.isfinite(array).all():
        raise ValueError("state must be non-empty and finite")
    array = array.astype(complex)
    if array.ndim == 2 and array.shape[1] == 1 and array.shape[0] != 1:
        array = array[:, 0]
    if array.ndim == 1:
        local = _dims_for(array.shape[0], dims)
        return qutip.Qobj(array.reshape(-1, 1), dims=[local, [1] * len(local)])
    if array.ndim == 2 and array.shape[0] == array.shape[1]:
        local = _dims_for(array.shape[0], dims)
        return qutip.Qobj(array, dims=[local, local])
    raise ValueError(f"state must be a ket (D,) / (D, 1) or a square matrix (D, D), got shape {array.shape}")


def from_qutip(qobj: Any) -> tuple[np.ndarray, tuple[int, ...]]:
    """A ``qutip.Qobj`` ket or operator as ``(array, dims)``: a 1-D ket or a (D, D) matrix.

    Parameters
    ----------
    qobj : qutip.Qobj
        A ket (dims ``[[d...], [1...]]``) or a square operator with equal row and column dims.

    Returns
    -------
    (ndarray, tuple of int)

    Raises
    ------
    TypeError
        When ``qobj`` is not a Qobj.
    ValueError
        For bras, superoperators or operators whose row and column dims differ.
    """
    try:
        import qutip
    except ImportError as exc:  # pragma: no cover - exercised only without QuTiP
        raise ImportError("from_qutip needs QuTiP: pip install qutip") from exc
    if not isinstance(qobj, qutip.Qobj):
        raise TypeError(f"expected a qutip.Qobj, got {type(qobj).__name__}")
    row_dims, col_dims = [list(map(int, d)) for d in qobj.dims]
    if qobj.isket:
        return np.asarray(qobj.full(), dtype=complex)[:, 0], tuple(row_dims)
    if qobj.isoper:
        if row_dims != col_dims:
            raise ValueError(f"operator has different row and column dims {qobj.dims}: not a density matrix")
        return np.asarray(qobj.full(), dtype=complex), tuple(row_dims)
    raise ValueError(
        f"only kets and operators convert to states, got a Qobj of type {qobj.type!r} (use .dag() for a bra)"
    )
