"""Conversions to and from TeNPy and QuTiP (optional libraries, imported only inside these functions).

* :func:`from_tenpy_mps` — a finite ``tenpy.networks.mps.MPS`` into this package's
  :class:`verify.mps.MPS`, so that every entanglement measure of :mod:`entanglement` (through
  :meth:`verify.mps.MPS.sweep`, :meth:`~verify.mps.MPS.rdm` or :meth:`~verify.mps.MPS.to_dense`)
  applies to a TeNPy state;
* :func:`to_qutip` / :func:`from_qutip` — kets and density matrices to and from ``qutip.Qobj`` with the
  tensor-product dims bookkeeping (a ket of two qubits has dims ``[[2, 2], [1, 1]]``, which QuTiP 5
  stores as ``[[2, 2], [1]]``; an operator ``[[2, 2], [2, 2]]``).

Basis order
-----------
Arrays are converted index for index. This package orders a spin-1/2 as (↑, ↓) and the first tensor
factor leftmost (``docs/conventions.md``), which is QuTiP's ``tensor`` order as well. TeNPy orders
each site's basis as given by ``site.state_labels`` — and a site that conserves a charge may sort its
basis by charge (``SpinHalfSite(conserve="Sz")`` has ↓ first). Pass ``labels`` to
:func:`from_tenpy_mps` (e.g. ``("up", "down")``) to reorder each site into this package's order.
Entropies do not depend on the local basis; spin expectation values do.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from verify.mps import MPS

__all__ = ["from_qutip", "from_tenpy_mps", "to_qutip"]


def _local_permutation(site: Any, labels: Sequence[str], index: int) -> np.ndarray:
    """Indices into TeNPy's local basis, in the order of ``labels``."""
    state_labels = getattr(site, "state_labels", None)
    if not isinstance(state_labels, dict):
        raise TypeError(f"site {index} has no state_labels: cannot reorder its basis by labels")
    dim = int(site.dim)
    if len(labels) != dim:
        raise ValueError(f"site {index} has dimension {dim}, but {len(labels)} labels were given: {list(labels)}")
    try:
        order = np.array([int(state_labels[label]) for label in labels])
    except KeyError as exc:
        raise ValueError(
            f"site {index} has no state labelled {exc.args[0]!r}; its labels are {sorted(state_labels)}"
        ) from None
    if sorted(order.tolist()) != list(range(dim)):
        raise ValueError(f"labels {list(labels)} do not name every state of site {index} exactly once")
    return order


def from_tenpy_mps(psi: Any, *, labels: Sequence[str] | Sequence[Sequence[str]] | None = None) -> MPS:
    """Convert a finite TeNPy MPS into a :class:`verify.mps.MPS` (dense backend), exactly.

    TeNPy stores a finite MPS as singular values S[i] and tensors; in B form (right-canonical,
    legs ``vL, p, vR``) the state is ``norm · S[0] B[0] B[1] ⋯ B[L-1]`` (``psi.norm`` the overall
    norm factor, S[0] = [1] for finite boundaries). The result holds these B tensors with
    ``norm · diag(S[0])`` absorbed into the first one, and its orthogonality centre on site 0.

    Parameters
    ----------
    psi : tenpy.networks.mps.MPS
        A TeNPy MPS with ``bc == "finite"`` and one physical leg ``p`` per site.
    labels : sequence of str, or one sequence per site, optional
        Reorder each site's basis so that local index k of the result is the TeNPy state named
        ``labels[k]`` (e.g. ``("up", "down")`` for spins-1/2 in this package's (↑, ↓) order). One
        sequence applies to every site. ``None`` keeps TeNPy's order.

    Returns
    -------
    verify.mps.MPS

    Raises
    ------
    ImportError
        When TeNPy is not installed.
    TypeError
        When ``psi`` is not a TeNPy MPS.
    ValueError
        For non-finite boundary conditions, unexpected leg labels, or labels that do not match the sites.
    """
    try:
        from tenpy.networks.mps import MPS as TenpyMPS
    except ImportError as exc:  # pragma: no cover - exercised only without TeNPy
        raise ImportError("from_tenpy_mps needs TeNPy: pip install physics-tenpy") from exc
    from verify.mps import MPS

    if not isinstance(psi, TenpyMPS):
        raise TypeError(f"psi must be a tenpy.networks.mps.MPS, got {type(psi).__name__}")
    if psi.bc != "finite":
        raise ValueError(f"only finite MPS can be converted, got bc = {psi.bc!r}")
    n_sites = int(psi.L)
    permutations: list[np.ndarray | None] = [None] * n_sites
    if labels is not None:
        if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence) or not labels:
            raise TypeError(f"labels must be a sequence of state labels (or one per site), got {labels!r}")
        per_site = (
            [labels] * n_sites if all(isinstance(item, str) for item in labels) else list(labels)  # type: ignore[list-item]
        )
        if len(per_site) != n_sites:
            raise ValueError(f"got {len(per_site)} label sequences for {n_sites} sites")
        permutations = [_local_permutation(psi.sites[i], per_site[i], i) for i in range(n_sites)]
    tensors = []
    for i in range(n_sites):
        b = psi.get_B(i, form="B")
        leg_labels = b.get_leg_labels()
        if sorted(leg_labels) != ["p", "vL", "vR"]:
            raise ValueError(f"site {i}: expected legs (vL, p, vR), got {leg_labels}")
        array = np.asarray(b.to_ndarray(), dtype=complex).transpose([leg_labels.index(x) for x in ("vL", "p", "vR")])
        if permutations[i] is not None:
            array = array[:, permutations[i], :]
        tensors.append(np.ascontiguousarray(array))
    left_singular = np.asarray(psi.get_SL(0), dtype=float).ravel()
    if left_singular.shape[0] != tensors[0].shape[0]:
        raise ValueError(f"S[0] has {left_singular.shape[0]} values, but B[0] has left bond {tensors[0].shape[0]}")
    tensors[0] = float(psi.norm) * left_singular[:, None, None] * tensors[0]
    return MPS(tensors, center=0)


# ----------------------------------------------------------------------------------------------------
# QuTiP


def _dims_for(size: int, dims: Sequence[int] | None) -> list[int]:
    if dims is None:
        n = size.bit_length() - 1
        if size < 1 or 2**n != size:
            raise ValueError(f"dims=None means qubits, but the dimension {size} is not a power of 2; pass dims")
        return [2] * n if n else [1]
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, np.ndarray)):
        raise TypeError(f"dims must be a sequence of positive integers, got {dims!r}")
    parsed = list(dims)
    if not parsed or any(
        isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral) or d < 1 for d in parsed
    ):
        raise ValueError(f"dims must be a non-empty sequence of positive integers, got {parsed}")
    if math.prod(int(d) for d in parsed) != size:
        raise ValueError(f"dims {parsed} multiply to {math.prod(int(d) for d in parsed)}, but the dimension is {size}")
    return [int(d) for d in parsed]


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
