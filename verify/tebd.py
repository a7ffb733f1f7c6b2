"""TEBD for nearest-neighbour chains, and the bond Hamiltonians of the PRX chain (PRX Eqs. 2–5, 8).

Bond Hamiltonians
-----------------
:func:`prx_bond_hamiltonians` writes H = Σ_b h_b with b = (i, i+1), i = 0..N−2 (0-based):

* hopping (Eq. 2): −γ Σ_s (c†_{i,s} c_{i+1,s} + H.c.) with the Jordan–Wigner form of
  :func:`verify.operators.hopping_terms`;
* XXZ (Eq. 3) when both sites carry a localized spin:
  −[J_z σ^z_i σ^z_{i+1} + J (σ^x_i σ^x_{i+1} + σ^y_i σ^y_{i+1})];
* on-site terms h_i, folded into the bonds exactly once: half into each adjacent bond, all of it
  into the only bond of an end site. At t ≥ 0 this is the sd term (Eq. 4) −J_sd s_i·σ_i on FM
  sites; with ``preparation=True`` also the terms of H_{V,B} (Eq. 5): −V n_i − |gμ_B B| s_i·ê on
  sites 1..N_conf (ê = +z or +x) and +|gμ_B B| σ^z_i on FM sites (B_FM along −z).

``tests/test_tebd.py`` checks Σ_b h_b against a dense Jordan–Wigner construction written from
scratch and against the exact evolver's Hamiltonian.

Evolution
---------
:class:`TEBD` applies one step of a Trotter schedule (:mod:`verify.trotter`; PRX Eq. 8 at
second order) gate by gate. The orthogonality centre travels with the sweep: a gate on bond b acts
with the centre on b or b+1, the two-site tensor is split by a truncated SVD
(:meth:`verify.linalg.DenseBackend.split`) and the singular values are absorbed towards the next
gate. Every split's discarded weight is added once to :attr:`TEBD.truncation_error`. The step
count is an integer; times are ``steps * dt``, never accumulated floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from verify.linalg import blas_threads, threads_for
from verify.models import PRXChain
from verify.mps import MPS
from verify.operators import SiteOperators, hopping_terms, site_operators
from verify.trotter import bond_sequence, schedule

__all__ = [
    "TEBD",
    "GateSet",
    "prx_bond_hamiltonians",
    "prx_onsite_terms",
    "prx_sites",
]


def prx_sites(model: PRXChain) -> list[SiteOperators]:
    """Site operators of every site: d = 8 on the FM sites, d = 4 elsewhere."""
    fm = set(model.fm_sites)
    return [site_operators(i in fm) for i in range(model.n_sites)]


def prx_onsite_terms(model: PRXChain, *, preparation: bool = False) -> list[np.ndarray]:
    """On-site Hamiltonian h_i of every site (d_i × d_i).

    Parameters
    ----------
    model : PRXChain
    preparation : bool
        Include H_{V,B} of PRX Eq. 5 (the t < 0 Hamiltonian whose ground state is the initial state).
    """
    sites = prx_sites(model)
    terms = [np.zeros((s.dim, s.dim), dtype=complex) for s in sites]
    for i, s in enumerate(sites):
        if s.spin is not None:  # PRX Eq. 4: −J_sd s_i·σ_i (Pauli units for both)
            terms[i] -= model.j_sd * sum(e @ l for e, l in zip(s.s, s.spin, strict=True))
            if preparation:  # PRX Eq. 5: B_FM along −z
                terms[i] += model.field * s.spin[2]
        if preparation and i < model.n_conf:
            s_along = s.s[2] if model.polarization == "z" else s.s[0]  # s·ê for ê = +z or +x
            terms[i] -= model.confinement * s.n + model.field * s_along
    return terms


def prx_bond_hamiltonians(model: PRXChain, *, preparation: bool = False) -> list[np.ndarray]:
    """h_b for b = 0..N−2 with Σ_b h_b = H (PRX Eqs. 2–4, plus Eq. 5 if ``preparation``).

    Returns
    -------
    list of ndarray
        h_b of shape (d_b d_{b+1}, d_b d_{b+1}), ``np.kron`` order (site b most significant).
    """
    sites = prx_sites(model)
    onsite = prx_onsite_terms(model, preparation=preparation)
    n = model.n_sites
    bonds = []
    for b in range(n - 1):
        left, right = sites[b], sites[b + 1]
        h = -model.hopping * hopping_terms(left, right)
        if left.spin is not None and right.spin is not None:
            h -= model.j_z * np.kron(left.spin[2], right.spin[2])
            h -= model.j_xy * (np.kron(left.spin[0], right.spin[0]) + np.kron(left.spin[1], right.spin[1]))
        w_left = 1.0 if b == 0 else 0.5  # share of site b's on-site term carried by this bond
        w_right = 1.0 if b + 1 == n - 1 else 0.5
        h += w_left * np.kron(onsite[b], right.identity) + w_right * np.kron(left.identity, onsite[b + 1])
        bonds.append(h)
    return bonds


@dataclass
class GateSet:
    """e^{−i h_b w δt} for the bonds of a chain, from one eigendecomposition per bond.

    Parameters
    ----------
    bond_hamiltonians : sequence of ndarray
        Hermitian h_b.
    dt : float
        Time step δt (ħ = 1).
    """

    bond_hamiltonians: Sequence[np.ndarray]
    dt: float
    _eig: list[tuple[np.ndarray, np.ndarray]] = field(init=False, repr=False)
    _cache: dict[tuple[int, float], np.ndarray] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._eig = []
        for b, h in enumerate(self.bond_hamiltonians):
            if not np.allclose(h, h.conj().T, atol=1e-12):
                raise ValueError(f"bond Hamiltonian {b} is not Hermitian")
            self._eig.append(np.linalg.eigh(h))

    def matrix(self, bond: int, weight: float) -> np.ndarray:
        """The unitary e^{−i h_b weight δt} as a matrix (cached)."""
        key = (bond, weight)
        if key not in self._cache:
            w, v = self._eig[bond]
            self._cache[key] = (v * np.exp(-1j * w * weight * self.dt)) @ v.conj().T
        return self._cache[key]


class TEBD:
    """Time evolution of an MPS under a nearest-neighbour Hamiltonian H = Σ_b h_b.

    Parameters
    ----------
    mps : MPS
        Initial state (made canonical if it is not); evolved in place.
    bond_hamiltonians : sequence of ndarray
        h_b for b = 0..N−2.
    dt : float
        Time step δt.
    chi_max : int
        Largest bond dimension (PRX: 400).
    trunc : float
        Largest discarded weight per split (PRX: 1e-7).
    order : {2, 4}
        Trotter order (2 = PRX Eq. 8).
    scheme : str, optional
        Fourth-order scheme (:func:`verify.trotter.schedule`).

    Attributes
    ----------
    steps : int
        Number of completed steps; the time is ``steps * dt``.
    truncation_error : float
        Σ of the discarded weights of all splits so far (each split counted once).
    """

    def __init__(
        self,
        mps: MPS,
        bond_hamiltonians: Sequence[np.ndarray],
        *,
        dt: float,
        chi_max: int,
        trunc: float,
        order: int = 2,
        scheme: str | None = None,
    ) -> None:
        n = len(mps)
        if n < 2:
            raise ValueError("TEBD needs at least 2 sites")
        if len(bond_hamiltonians) != n - 1:
            raise ValueError(f"need {n - 1} bond Hamiltonians for {n} sites, got {len(bond_hamiltonians)}")
        dims = mps.dims
        for b, h in enumerate(bond_hamiltonians):
            if h.shape != (dims[b] * dims[b + 1],) * 2:
                raise ValueError(f"bond {b}: Hamiltonian shape {h.shape} does not match d = {dims[b]}, {dims[b + 1]}")
        if not (isinstance(dt, (int, float)) and np.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive number, got {dt!r}")
        if not (isinstance(chi_max, (int, np.integer)) and chi_max >= 1):
            raise ValueError(f"chi_max must be an integer >= 1, got {chi_max!r}")
        if not (isinstance(trunc, (int, float)) and 0 <= trunc < 1):
            raise ValueError(f"trunc must be in [0, 1), got {trunc!r}")
        self.mps = mps
        if mps.center is None:
            mps.canonicalize(0)
        self.dt = float(dt)
        self.chi_max = int(chi_max)
        self.trunc = float(trunc)
        self.order = order
        self.gates = GateSet(bond_hamiltonians, self.dt)
        sequence = bond_sequence(schedule(order, scheme), n)
        # absorb the singular values towards the bond of the next gate (left at the end of a step)
        self._plan = [
            (b, w, "right" if k + 1 < len(sequence) and sequence[k + 1][0] > b else "left")
            for k, (b, w) in enumerate(sequence)
        ]
        self._gate_tensors = {
            (b, w): mps.backend.gate(self.gates.matrix(b, w), dims[b], dims[b + 1]) for b, w, _ in self._plan
        }
        self.steps = 0
        self.truncation_error = 0.0

    @property
    def time(self) -> float:
        """steps · δt."""
        return self.steps * self.dt

    def step(self) -> None:
        """Apply one Trotter step (one BLAS thread while the two-site matrices are small, see
        :func:`verify.linalg.threads_for`)."""
        with blas_threads(threads_for(self.mps.max_bond_dimension() * max(self.mps.dims))):
            self._step()

    def _step(self) -> None:
        mps, be = self.mps, self.mps.backend
        for b, w, absorb in self._plan:
            if mps.center not in (b, b + 1):
                mps.move_center(b)
            theta = be.apply_gate(self._gate_tensors[(b, w)], be.two_site(mps.tensors[b], mps.tensors[b + 1]))
            split = be.split(theta, chi_max=self.chi_max, trunc=self.trunc, absorb=absorb)
            mps.tensors[b], mps.tensors[b + 1] = split.left, split.right
            mps.center = b + 1 if absorb == "right" else b
            self.truncation_error += split.discarded
        self.steps += 1

    def run(self, n_steps: int) -> None:
        """Apply ``n_steps`` steps."""
        if n_steps < 0:
            raise ValueError(f"n_steps must be >= 0, got {n_steps}")
        for _ in range(n_steps):
            self.step()
