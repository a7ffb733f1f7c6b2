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
:class:`TEBD` applies the gates of a Trotter schedule (:mod:`verify.trotter`; PRX Eq. 8 at second
order by default). For sweep schedules the orthogonality centre travels with the sweep: a gate on
bond b acts with the centre on b or b+1, the two-site tensor is split by a truncated SVD
(``backend.split``) and the singular values are absorbed towards the next gate. The even–odd
schedule runs in Vidal's B form instead (see :class:`TEBD`). Every split's discarded weight is added
once to :attr:`TEBD.truncation_error`, and a split that cannot meet ``trunc`` within ``chi_max``
flags its step (:attr:`TEBD.limited_steps`). ``run(n)`` merges the gates where consecutive steps
meet (:func:`verify.trotter.step_sequence`). The step count is an integer; times are
``steps * dt``, never accumulated floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from verify.models import PRXChain
from verify.mps import MPS
from verify.operators import SiteOperators, hopping_terms, site_operators
from verify.tensors import Split, blas_threads, threads_for
from verify.trotter import Layer, schedule, step_sequence

PARALLEL_BOND_MIN_DIM: int = 48
"""Layer schemes run their gates on several threads once the widest bond is at least this wide;
narrower bonds are Python-bound, where threads only contend for the GIL."""

__all__ = [
    "PARALLEL_BOND_MIN_DIM",
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

    def __post_init__(self) -> None:
        self._eig = []
        for b, h in enumerate(self.bond_hamiltonians):
            if not np.allclose(h, h.conj().T, atol=1e-12):
                raise ValueError(f"bond Hamiltonian {b} is not Hermitian")
            self._eig.append(np.linalg.eigh(h))

    def matrix(self, bond: int, weight: float) -> np.ndarray:
        """The unitary e^{−i h_b weight δt} as a matrix (:class:`TEBD` caches it in backend form)."""
        w, v = self._eig[bond]
        return (v * np.exp(-1j * w * weight * self.dt)) @ v.conj().T


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
        Trotter scheme (:func:`verify.trotter.schedule`): PRX Eq. 8 sweeps (``"prx"``, default) or
        ``"even-odd"`` at order 2; ``"forest-ruth"`` or ``"suzuki"`` at order 4.
    bond_values : sequence of ndarray, optional
        Schmidt values of every bond when ``mps`` is already in Vidal's B form (resuming an
        ``even-odd`` run from a checkpoint); otherwise they are computed.

    Notes
    -----
    Sweep schemes move the orthogonality centre with the gates. Layer schemes (``even-odd``) use
    Vidal's B form instead, as TeNPy does: every site tensor is right-canonical and the Schmidt values
    Λ_b of every bond are kept; a gate on bond b needs only Λ_{b−1}, B_b and B_{b+1}
    (:meth:`verify.tensors.DenseBackend.split_vidal`), so the gates of one layer are independent. When
    the bonds are large they run as a dataflow on :func:`verify.tensors.svd_workers` threads: a
    gate starts once the gates that last wrote its two sites are done, with no barrier between
    layers (LAPACK releases the GIL; every decomposition stays single-threaded and every gate sees
    the inputs of the serial order, so results do not depend on the thread count). The B form is
    canonical only up to the truncation of the last updates, so :meth:`canonical_mps` returns an
    exactly canonical copy for measurements.

    Attributes
    ----------
    steps : int
        Number of completed steps; the time is ``steps * dt``.
    truncation_error : float
        Σ of the discarded weights of all splits so far (each split counted once).
    limited_steps : list of int
        Steps (1-based: step k evolves from (k−1)δt to kδt) in which at least one split could not
        meet ``trunc`` within ``chi_max`` (kept ``chi_max`` values and discarded more than ``trunc``).
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
        bond_values: Sequence[np.ndarray] | None = None,
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
        self._stages = schedule(order, scheme)
        self.vidal = all(isinstance(stage, Layer) for stage in self._stages)
        self._lam: list[np.ndarray] = []
        self.dt = float(dt)
        self.chi_max = int(chi_max)
        self.trunc = float(trunc)
        self.order = order
        self.gates = GateSet(bond_hamiltonians, self.dt)
        self._plans: dict[int, list[tuple[int, float, str, int]]] = {}
        self._gate_tensors: dict[tuple[int, float], object] = {}
        self.steps = 0
        self.truncation_error = 0.0
        self.limited_steps: list[int] = []
        self._canonical: tuple[int, MPS] | None = None
        if not self.vidal:
            if bond_values is not None:
                raise ValueError("bond_values belong to the B form of a layer scheme (even-odd)")
            if mps.center is None:
                mps.canonicalize(0)
        elif bond_values is not None:
            dims_ok = len(bond_values) == n - 1 and all(
                np.shape(v) == (mps.backend.shape(mps.tensors[b])[2],) for b, v in enumerate(bond_values)
            )
            if not dims_ok:
                raise ValueError("bond_values must hold one vector per bond, of the bond's dimension")
            self._lam = [np.asarray(v, dtype=float) for v in bond_values]
            mps.center = None
        else:
            self._to_b_form()

    @property
    def bond_values(self) -> list[np.ndarray]:
        """Schmidt values of every bond in the B form (layer schemes; empty for sweep schemes)."""
        return list(self._lam)

    def _to_b_form(self) -> None:
        """Right-canonical B tensors and the Schmidt values of every bond, by an SVD sweep from the right."""
        mps, be = self.mps, self.mps.backend
        mps.canonicalize(len(mps) - 1) if mps.center is None else mps.move_center(len(mps) - 1)
        lam: list[np.ndarray] = [np.ones(0)] * (len(mps) - 1)
        for b in range(len(mps) - 2, -1, -1):
            theta = be.two_site(mps.tensors[b], mps.tensors[b + 1])
            split = be.split(theta, chi_max=np.iinfo(np.int64).max, trunc=0.0, absorb="left")
            mps.tensors[b], mps.tensors[b + 1] = split.left, split.right
            lam[b] = split.bond_values
            self.truncation_error += split.discarded  # round-off only (singular values < SVD_FLOOR)
        mps.center = 0
        self._lam = lam

    def canonical_mps(self) -> MPS:
        """The state in exact mixed-canonical form: :attr:`mps` itself for sweep schemes, a canonical
        copy (one LQ sweep) for the B form of layer schemes (cached until the next step)."""
        if self.mps.center is not None:
            return self.mps
        if self._canonical is None or self._canonical[0] != self.steps:
            self._canonical = (self.steps, self.mps.copy().canonicalize(0))
        return self._canonical[1]

    @property
    def time(self) -> float:
        """steps · δt."""
        return self.steps * self.dt

    def _plan(self, n_steps: int) -> list[tuple[int, float, str, int]]:
        """(bond, weight, absorb, step) of ``n_steps`` merged steps (:func:`verify.trotter.step_sequence`);
        the singular values are absorbed towards the bond of the next gate (left at the end)."""
        if n_steps not in self._plans:
            sequence = step_sequence(self._stages, len(self.mps), n_steps)
            self._plans[n_steps] = [
                (b, w, "right" if k + 1 < len(sequence) and sequence[k + 1][0] > b else "left", step)
                for k, (b, w, step) in enumerate(sequence)
            ]
        return self._plans[n_steps]

    def _gate(self, bond: int, weight: float) -> object:
        """The gate of ``bond`` in backend form, on the physical legs of the bond's two site tensors."""
        key = (bond, weight)
        if key not in self._gate_tensors:
            be, tensors = self.mps.backend, self.mps.tensors
            self._gate_tensors[key] = be.gate(
                self.gates.matrix(bond, weight), be.physical(tensors[bond]), be.physical(tensors[bond + 1])
            )
        return self._gate_tensors[key]

    def step(self) -> None:
        """Apply one Trotter step."""
        self.run(1)

    def run(self, n_steps: int) -> None:
        """Apply ``n_steps`` steps back to back, merging the gates where one step meets the next
        (:func:`verify.trotter.step_sequence`: the same operator with fewer truncations).

        Runs with one BLAS thread while the two-site matrices are small
        (:func:`verify.tensors.threads_for`). A split that keeps ``chi_max`` values and still
        discards more than ``trunc`` marks its step in :attr:`limited_steps`.
        """
        if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 0:
            raise ValueError(f"n_steps must be an integer >= 0, got {n_steps!r}")
        if n_steps == 0:
            return
        if self.vidal:
            self._run_layers(int(n_steps))
            return
        with blas_threads(threads_for(self.mps.max_bond_dimension() * max(self.mps.dims))):
            self._run_sweeps(int(n_steps))

    def _run_sweeps(self, n_steps: int) -> None:
        """``n_steps`` steps of a sweep scheme, the orthogonality centre moving with the gates."""
        mps, be = self.mps, self.mps.backend
        limited: set[int] = set()
        for b, w, absorb, step in self._plan(n_steps):
            if mps.center < b:  # the nearer site of the bond: one QR/LQ per gap, never two
                mps.move_center(b)
            elif mps.center > b + 1:
                mps.move_center(b + 1)
            theta = be.apply_gate(self._gate(b, w), be.two_site(mps.tensors[b], mps.tensors[b + 1]))
            split = be.split(theta, chi_max=self.chi_max, trunc=self.trunc, absorb=absorb)
            mps.tensors[b], mps.tensors[b + 1] = split.left, split.right
            mps.center = b + 1 if absorb == "right" else b
            self.truncation_error += split.discarded
            if split.discarded > self.trunc and len(split.singular_values) >= self.chi_max:
                limited.add(self.steps + step + 1)  # 1-based: step k evolves from (k−1)δt to kδt
        self.limited_steps.extend(sorted(limited))
        self.steps += n_steps

    def _bond_update(self, b: int, weight: float) -> Split:
        """One gate of a layer in the B form: C = U (B_b B_{b+1}), θ = Λ_{b−1} C, split."""
        be, tensors = self.mps.backend, self.mps.tensors
        left = self._lam[b - 1] if b > 0 else np.ones(1)
        fused = getattr(be, "update_vidal", None)
        if fused is not None:  # the same three steps in one pass (block-sparse backend)
            return fused(tensors[b], tensors[b + 1], self._gate(b, weight), left, chi_max=self.chi_max,
                         trunc=self.trunc)
        c = be.apply_gate(self._gate(b, weight), be.two_site(tensors[b], tensors[b + 1]))
        return be.split_vidal(c, left, chi_max=self.chi_max, trunc=self.trunc)

    def _run_layers(self, n_steps: int) -> None:
        """``n_steps`` steps of a layer scheme in the B form; gates run as a dataflow on threads.

        A gate depends only on the last gates that wrote its two sites (which also wrote the
        Schmidt values it reads), so gates of one layer run side by side and a gate of the next
        layer starts as soon as its two neighbours are done: no barrier between layers
        (:func:`verify.tensors.run_dataflow`). Every gate sees the inputs of the serial order,
        and the discarded weights are summed in gate order: the result does not depend on threads.
        """
        from verify.tensors.threads import run_dataflow, svd_workers  # looked up per call (tests patch them)

        mps = self.mps
        sequence = step_sequence(self._stages, len(mps), n_steps)
        discarded = [0.0] * len(sequence)
        kept = [0] * len(sequence)

        def apply(k: int) -> None:
            b, w, _ = sequence[k]
            split = self._bond_update(b, w)
            mps.tensors[b], mps.tensors[b + 1] = split.left, split.right
            self._lam[b] = split.bond_values
            discarded[k], kept[k] = split.discarded, len(split.singular_values)

        if svd_workers() > 1 and mps.max_bond_dimension() >= PARALLEL_BOND_MIN_DIM:
            last_writer: dict[int, int] = {}
            dependencies = []
            for k, (b, _, _) in enumerate(sequence):
                dependencies.append([last_writer[i] for i in (b, b + 1) if i in last_writer])
                last_writer[b] = last_writer[b + 1] = k
            with blas_threads(1):
                run_dataflow(apply, dependencies)
        else:
            with blas_threads(threads_for(mps.max_bond_dimension() * max(mps.dims))):
                for k in range(len(sequence)):
                    apply(k)
        limited: set[int] = set()
        for (_, _, step), weight, n_kept in zip(sequence, discarded, kept, strict=True):  # gate order
            self.truncation_error += weight
            if weight > self.trunc and n_kept >= self.chi_max:
                limited.add(self.steps + step + 1)
        mps.center = None  # B form: canonical only up to truncation (see canonical_mps)
        self.limited_steps.extend(sorted(limited))
        self.steps += n_steps
