"""Fermion sector bases as ``uint64`` bitstrings in the package's Jordan–Wigner order.

The ``n_modes`` fermion modes are numbered ``m = 0 .. n_modes-1`` in the order fixed by
:mod:`states.conventions` — for the PRX chain (1↑, 1↓, 2↑, 2↓, …, N↑, N↓), i.e. mode
``m = 2 (site-1) + (0 for ↑, 1 for ↓)``. A Fock state with occupations ``n_m`` is

    |n> = (c†_0)^{n_0} (c†_1)^{n_1} … (c†_{M-1})^{n_{M-1}} |vac>        (first mode leftmost),

and it is stored as the integer whose bit at position ``M-1-m`` is ``n_m``: **mode 0 is the most
significant bit**, exactly like the tensor-factor convention (first factor = most significant
index). Consequences used elsewhere:

* sorting configurations as integers sorts them lexicographically in (n_0, n_1, …), so
  all configurations that share the same occupations of the first ``k`` modes (a left block of
  sites) are contiguous, and ``config >> (M - k)`` is the left part;
* ``M <= 64`` (``N <= 32`` sites for spin-1/2 fermions) because one ``uint64`` holds a
  configuration.

Jordan–Wigner sign of a hop
---------------------------
For ``a != b`` and a configuration with ``n_b = 1, n_a = 0``::

    c†_a c_b |n> = (-1)^{ sum_{min(a,b) < m < max(a,b)} n_m } |n - e_b + e_a>

Derivation: ``c_b`` anticommutes past the occupied modes ``m < b`` (sign ``(-1)^{Σ_{m<b} n_m}``),
then ``c†_a`` past the occupied modes ``m < a`` of the new configuration. For ``a < b`` the two
counts share the modes below ``a`` and leave ``Σ_{a<m<b} n_m``; for ``a > b`` the second count
includes ``b`` no longer but the first did, and again only the modes strictly between remain.
In code the modes strictly between are one bit mask and the count is ``np.bitwise_count``.
For the PRX nearest-neighbour hop ``(i,σ) -> (i+1,σ)`` exactly one mode lies between (the
opposite spin on site ``i`` or ``i+1``); for the on-site spin flip ``c†_{i↑} c_{i↓}`` none does.

Everything here is vectorized over configurations; Python loops run over modes or particles only.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
import scipy.sparse as sp

from states.validation import require_int

__all__ = [
    "MAX_MODES",
    "FermionSector",
    "apply_hop",
    "fermion_configurations",
    "lookup",
    "mode_bit",
    "one_body_operator",
    "spinful_mode",
]

MAX_MODES = 64
"""Largest number of fermion modes a ``uint64`` configuration can hold (N <= 32 spinful sites)."""


def _check_modes(n_modes: int) -> int:
    """``n_modes`` as an int in 1..:data:`MAX_MODES` (one uint64 per configuration); TypeError for a non-integer."""
    return require_int("n_modes", n_modes, minimum=1, maximum=MAX_MODES)


def spinful_mode(site: int, spin: int) -> int:
    """Mode index of (site, spin) in the Jordan–Wigner order (1↑, 1↓, 2↑, …), 0-based site, spin 0 = ↑."""
    return 2 * site + spin


def mode_bit(n_modes: int, mode: int) -> np.uint64:
    """The ``uint64`` with only the bit of ``mode`` set (mode 0 is the most significant of ``n_modes`` bits)."""
    n_modes = _check_modes(n_modes)
    mode = require_int("mode", mode)
    if not 0 <= mode < n_modes:
        raise ValueError(f"mode {mode} is outside 0..{n_modes - 1}")
    return np.uint64(1 << (n_modes - 1 - mode))


def popcount(configs: np.ndarray) -> np.ndarray:
    """Number of set bits of each configuration (occupied modes, or ↓ localized spins), as int64."""
    return np.bitwise_count(np.asarray(configs).astype(np.uint64)).astype(np.int64)


def spin_mask(n_sites: int, spin: int) -> np.uint64:
    """Bit mask of every mode of one spin (0 = ↑, 1 = ↓) on ``n_sites`` sites, with 2 n_sites modes."""
    mask = 0
    for site in range(n_sites):
        mask |= 1 << (2 * n_sites - 1 - spinful_mode(site, spin))
    return np.uint64(mask)


def _between_mask(n_modes: int, a: int, b: int) -> np.uint64:
    """Bit mask of the modes strictly between ``a`` and ``b``."""
    lo, hi = min(a, b), max(a, b)
    mask = 0
    for m in range(lo + 1, hi):
        mask |= 1 << (n_modes - 1 - m)
    return np.uint64(mask)


def fermion_configurations(n_modes: int, n_particles: int) -> np.ndarray:
    """All configurations of ``n_particles`` fermions in ``n_modes`` modes, sorted ascending.

    Built mode by mode (``configs_k`` with ``k`` particles among the first modes, extended by
    "mode empty" or "mode occupied"), so the only Python loops run over modes and particle numbers.

    Returns
    -------
    ndarray of uint64, shape (comb(n_modes, n_particles),)
    """
    n_modes = _check_modes(n_modes)
    n_particles = require_int("n_particles", n_particles, minimum=0, maximum=n_modes)
    # by_count[k]: configurations of the modes processed so far with k particles (low-order bits
    # hold the processed modes; shifted into place at the end).
    by_count = [np.zeros(1, dtype=np.uint64)] + [np.zeros(0, dtype=np.uint64) for _ in range(n_particles)]
    one = np.uint64(1)
    for _m in range(n_modes):
        new = []
        for k in range(n_particles + 1):
            empty = by_count[k] << one
            filled = (by_count[k - 1] << one) | one if k > 0 else np.zeros(0, dtype=np.uint64)
            new.append(np.concatenate([empty, filled]))
        by_count = new
    configs = np.sort(by_count[n_particles])
    assert configs.size == comb(n_modes, n_particles)
    return configs


def lookup(sorted_keys: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``targets`` in the sorted array ``sorted_keys`` (binary search).

    Returns
    -------
    index : ndarray of int64
        Position of each target (meaningless where ``found`` is False).
    found : ndarray of bool
        Whether the target is present.
    """
    idx = np.searchsorted(sorted_keys, targets)
    idx_c = np.minimum(idx, max(sorted_keys.size - 1, 0))
    found = (
        (idx < sorted_keys.size) & (sorted_keys[idx_c] == targets)
        if sorted_keys.size
        else np.zeros(np.shape(targets), dtype=bool)
    )
    return idx_c.astype(np.int64), found


def apply_hop(configs: np.ndarray, n_modes: int, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply ``c†_a c_b`` to every configuration (vectorized), with the Jordan–Wigner sign.

    Parameters
    ----------
    configs : ndarray of uint64
    n_modes : int
    a, b : int
        Mode indices. ``a == b`` gives the number operator ``n_a``.

    Returns
    -------
    rows : ndarray of int64
        Positions (in ``configs``) of the configurations the operator does not annihilate.
    new_configs : ndarray of uint64
        The resulting configurations.
    signs : ndarray of float64
        ``±1``: ``(-1)^{number of occupied modes strictly between a and b}`` (module docstring).
    """
    configs = np.asarray(configs, dtype=np.uint64)
    bit_a, bit_b = mode_bit(n_modes, a), mode_bit(n_modes, b)
    if a == b:
        rows = np.flatnonzero(configs & bit_a)
        return rows, configs[rows], np.ones(rows.size)
    rows = np.flatnonzero(((configs & bit_b) != 0) & ((configs & bit_a) == 0))
    src = configs[rows]
    new = src ^ (bit_a | bit_b)
    parity = np.bitwise_count(src & _between_mask(n_modes, a, b)) & 1
    signs = 1.0 - 2.0 * parity.astype(np.float64)
    return rows, new, signs


@dataclass(frozen=True)
class FermionSector:
    """The fixed-particle-number sector of ``n_modes`` fermion modes.

    Attributes
    ----------
    n_modes, n_particles : int
    configs : ndarray of uint64
        Sorted configurations (the basis; index = position).
    """

    n_modes: int
    n_particles: int
    configs: np.ndarray

    @classmethod
    def build(cls, n_modes: int, n_particles: int) -> FermionSector:
        """All ``comb(n_modes, n_particles)`` configurations."""
        return cls(n_modes, n_particles, fermion_configurations(n_modes, n_particles))

    @property
    def dim(self) -> int:
        return int(self.configs.size)

    def index(self, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:func:`lookup` of ``targets`` in this basis."""
        return lookup(self.configs, np.asarray(targets, dtype=np.uint64))


def one_body_operator(sector: FermionSector, h: np.ndarray, *, tol: float = 0.0) -> sp.csr_matrix:
    """The many-body operator ``Σ_ab h[a, b] c†_a c_b`` in a fixed-particle-number sector.

    Loops over the (nonzero) matrix elements of ``h``; each term is applied to all configurations at
    once by :func:`apply_hop`. Used for the Slater-determinant test of the Jordan–Wigner signs.

    Parameters
    ----------
    sector : FermionSector
    h : (n_modes, n_modes) array
        Single-particle matrix in the mode order.
    tol : float
        Elements with ``|h[a, b]| <= tol`` are skipped.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (sector.dim, sector.dim)
    """
    h = np.asarray(h)
    if h.shape != (sector.n_modes, sector.n_modes):
        raise ValueError(f"h must have shape ({sector.n_modes}, {sector.n_modes}), got {h.shape}")
    rows_all, cols_all, data_all = [], [], []
    for a, b in zip(*np.nonzero(np.abs(h) > tol), strict=True):
        src, new, signs = apply_hop(sector.configs, sector.n_modes, int(a), int(b))
        tgt, found = sector.index(new)
        rows_all.append(tgt[found])
        cols_all.append(src[found])
        data_all.append(h[a, b] * signs[found])
    dtype = np.result_type(h.dtype, np.float64)
    if not rows_all:
        return sp.csr_matrix((sector.dim, sector.dim), dtype=dtype)
    return sp.csr_matrix(
        (np.concatenate(data_all).astype(dtype), (np.concatenate(rows_all), np.concatenate(cols_all))),
        shape=(sector.dim, sector.dim),
    )
