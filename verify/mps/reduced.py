"""Reduced density matrices of a span of MPS sites, through transfer matrices (PRX Eq. 10).

:func:`span_rdm` contracts a span of site tensors — the first one the orthogonality centre (the
tensors to its left left-canonical), the others and everything right of them right-canonical — with
their conjugates, keeping the listed sites (or some tensor factors of them: the localized spin of an
FM site with its electron traced out inside the contraction) and tracing everything else. The work
is the backend's (:meth:`verify.tensors.TensorBackend.transfer` / ``density``): blockwise for charged
tensors, never a densified site tensor.

There is one environment per pair (K, K') of kept multi-indices of the ket and the bra so far: a
listed site turns each into one per matrix unit |k'⟩⟨k| ⊗ 1_traced of its kept factors
(:func:`factor_units`), an unlisted site is a plain transfer of each, and the last listed site closes
each with its density matrix, reduced to the kept factors. Only pairs with K ≤ K' (lexicographic) are
built — the rest is the conjugate transpose (ρ = ρ†) — and with charges an environment carries only
the blocks its unit allows (a unit that flips a spin has none on the charge diagonal), an empty one is
dropped: for the two edge spins of I(1|N_FM) (PRX Eq. 14, D = 4) three environments of about half the
blocks each, where one stack of all four units over the union of their blocks took 1.1–1.6 times as
long (measured at N_e = 8, χ ≈ 360). The cost is O(L χ³ d D²/2) for a span of L sites and D kept
dimensions.

Sites are those of the Jordan–Wigner-mapped state: for fermionic sites the result is the fermionic
reduced density matrix for single sites and for blocks of consecutive sites starting at the first
site; for other sets it is the mapped one (no string between the sites), as TeNPy's
``get_rho_segment`` and ``mutinf_two_site`` compute it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from verify.tensors import TensorBackend

__all__ = ["FactorSpec", "check_factor_spec", "factor_units", "span_rdm"]

FactorSpec = tuple[tuple[int, ...], tuple[int, ...]]
"""(factor dimensions, positions of the kept factors) of one site; the dimensions multiply to d."""


def check_factor_spec(site: int, d: int, spec: Any) -> FactorSpec:
    """The factor spec of a site as ints, ``((d,), (0,))`` for None (the whole site).

    Raises
    ------
    ValueError
        When the dimensions do not multiply to d or the kept positions are invalid or repeated.
    """
    if spec is None:
        return (d,), (0,)
    dims, keep = tuple(int(x) for x in spec[0]), tuple(int(x) for x in spec[1])
    if math.prod(dims) != d:
        raise ValueError(f"site {site}: factor dims {dims} do not multiply to d = {d}")
    if not keep or any(k not in range(len(dims)) for k in keep) or len(set(keep)) != len(keep):
        raise ValueError(f"site {site}: invalid factors to keep {keep} for dims {dims}")
    return dims, keep


def _kept_index(spec: FactorSpec) -> np.ndarray:
    """index[k, t]: the physical index of kept multi-index k (in ``keep`` order) and traced t."""
    dims, keep = spec
    traced = [k for k in range(len(dims)) if k not in keep]
    kept = math.prod(dims[k] for k in keep)
    return np.arange(math.prod(dims)).reshape(dims).transpose([*keep, *traced]).reshape(kept, -1)


def factor_units(spec: FactorSpec) -> np.ndarray:
    """U[k, k', p', p] = (|k'⟩⟨k| ⊗ 1_traced)[p', p] for every pair of kept multi-indices: the stack of
    operators that carries the ket's kept index k and the bra's k' through a transfer matrix."""
    index = _kept_index(spec)
    kept, d = index.shape[0], index.size
    units = np.zeros((kept, kept, d, d))
    for k in range(kept):
        for k2 in range(kept):
            units[k, k2, index[k2], index[k]] = 1.0
    return units


def reduce_to_factors(rho: np.ndarray, spec: FactorSpec) -> np.ndarray:
    """Partial trace of a site's ρ[..., p, p'] over its factors that ``spec`` does not keep."""
    index = _kept_index(spec)
    kept, traced = index.shape
    flat = index.ravel()
    block = rho[..., flat[:, None], flat[None, :]]
    return block.reshape(*rho.shape[:-2], kept, traced, kept, traced).trace(axis1=-3, axis2=-1)


def span_rdm(backend: TensorBackend, tensors: Sequence[Any], specs: Sequence[FactorSpec | None]) -> np.ndarray:
    """ρ[ket, bra] of the kept factors of a span of sites, normalized to trace 1 (module docstring).

    Parameters
    ----------
    backend : TensorBackend
        The tensors' backend.
    tensors : sequence
        The span's site tensors: the first is the orthogonality centre, the others right-canonical.
    specs : sequence of FactorSpec or None
        Per tensor: None for a site traced out entirely, else what to keep
        (:func:`check_factor_spec`); the first and the last must not be None.
    """
    if specs[0] is None or specs[-1] is None:
        raise ValueError("the span must start and end with a kept site")
    envs: list[tuple[tuple[int, ...], tuple[int, ...], Any]] = [((), (), None)]  # None: the identity
    kept: list[int] = []
    for a, spec in zip(tensors[:-1], specs[:-1], strict=True):
        if spec is None:
            envs = [(k, k2, backend.transfer(env, a)) for k, k2, env in envs]
        else:
            units = factor_units(spec)
            kept.append(units.shape[0])
            envs = [((*k, i), (*k2, j), backend.transfer(env, a, units[i, j]))
                    for k, k2, env in envs for i, j in _unit_pairs(units.shape[0], tied=k == k2)]
        envs = [item for item in envs if not (isinstance(item[2], dict) and not item[2])]  # no blocks: zero
    first = math.prod(kept)
    rho: np.ndarray | None = None
    for k, k2, env in envs:
        block = reduce_to_factors(backend.density(tensors[-1], env), specs[-1])  # (k_n, k_n')
        if rho is None:
            rho = np.zeros((first, block.shape[0], first, block.shape[0]), dtype=complex)
        i, j = np.ravel_multi_index(k, kept) if kept else 0, np.ravel_multi_index(k2, kept) if kept else 0
        rho[i, :, j, :] = block
        if k != k2:  # ρ is Hermitian: the pair (K', K) is the conjugate transpose
            rho[j, :, i, :] = block.conj().T
    if rho is None:
        raise ValueError("the state has zero norm")
    dim = rho.shape[0] * rho.shape[1]
    rho = rho.reshape(dim, dim)
    trace = np.trace(rho).real
    if trace <= 0:
        raise ValueError("the state has zero norm")
    return rho / trace


def _unit_pairs(kept: int, *, tied: bool) -> list[tuple[int, int]]:
    """The (ket, bra) pairs of a listed site's kept index to carry on: all of them, or, while the ket
    and bra multi-indices so far are equal (``tied``), only ket ≤ bra — the rest of ρ follows from
    ρ = ρ† (the environments of K > K' are never built)."""
    return [(i, j) for i in range(kept) for j in range(kept) if not (tied and i > j)]
