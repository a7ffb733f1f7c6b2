"""TEBD evolution of the PRX chain: initial state, measurements, and :func:`simulate_prx_tebd`.

Initial state (PRX Eq. 5)
-------------------------
Before t = 0 the N_e electrons are confined to sites 1..N_conf and polarized along ê = +z or +x,
and the localized spins point along −z. With |gμ_B B| = 100γ the electrons are non-interacting
majority-spin fermions in the well: the restriction of H + H_{V,B} to them is the one-body
Hamiltonian

    h = −γ Σ_i (|i⟩⟨i+1| + H.c.) − (V + |gμ_B B|) Σ_{i ≤ N_conf} |i⟩⟨i|

(the polarizing field lowers the majority spin by |gμ_B B| on the confining sites, so the well
is V + |gμ_B B| deep for it). The initial state is the Slater determinant of its N_e lowest
orbitals φ_k, spin part the eigenvector of σ·ê with eigenvalue +1, times |↓…↓⟩ of the localized
spins. It is built exactly as an MPS by applying the orbital creation operators
b†_k = Σ_i φ_k(i) c†_{i,ê} as bond-dimension-2 MPOs (with their Jordan–Wigner string) to the
vacuum, compressing after each one with the round-off floor :data:`verify.tensors.SVD_FLOOR`
only; the discarded weight is reported. It is an exact eigenstate of H_e + H_{V,B} and differs
from the ground state of the full H + H_{V,B} only through the exponentially small tail of the
well orbitals on the FM sites, where J_sd and the hopping couple them (quantified in
``tests/test_tebd.py`` and by :func:`initial_state_report`).

Measurements
------------
:func:`measure` evaluates the PRX observables of one MPS from a single QR sweep (site RDMs,
Schmidt values of every bond, ⟨h_b⟩) plus one transfer-matrix contraction for the two edge
localized spins; entropies, mutual information and Q_MW go through :mod:`entanglement`.

Threads, cost and determinism
-----------------------------
While the two-site matrices are small (χ d ≤ :data:`verify.tensors.SINGLE_THREAD_MAX_DIM`) every
step and measurement runs with one OpenBLAS thread (:func:`verify.tensors.blas_threads`): threaded
LAPACK on small matrices is up to 12× slower on the 2-core machine. Larger ones use the process
default (``OMP_NUM_THREADS``); on a shared machine ``OMP_NUM_THREADS=1`` was faster at every χ
measured (``benchmarks/tebd_step_time.py``). A run is a deterministic function of its parameters
for a fixed BLAS thread count, which is what bit-for-bit resuming from a checkpoint needs: run long
jobs (and their resumptions) with the same ``OMP_NUM_THREADS``, e.g. 1.

Known limitation (dense backend)
--------------------------------
Gates conserve N_e and S^z exactly and, in exact arithmetic, so does truncation. In floating point
the dense SVD does not know the charge sectors, and under truncation round-off charge noise can be
amplified: at the paper's N = 75, N_e = 8, δt = 0.1, trunc = 1e-7, ⟨N_e⟩ and 2S^z stay within 1e-14
up to t ≈ 9.5 and then drift together to 3.5e-5 by t = 20 (accumulated truncation error 5.4e-4 by
then; the SVDs themselves are accurate to 1e-14). The drift is far below the truncation error and
within the tolerances of ``verify.checks``; the U(1)×U(1) block-sparse backend removes it by
construction (charge-resolved SVDs).

Backends
--------
``simulate_prx_tebd(..., backend="charges")`` (the default) stores the tensors block-sparse
(:class:`verify.tensors.BlockSparseBackend`), conserving the charges of the model's initial-state
sector — (N, 2S^z) for a collinear model, N for a noncollinear one (``model.chain().sector``);
``backend="dense"`` is the same code with no charge (one dense block per tensor). Both agree to 1e-10
at equal χ (``tests/test_blocksparse.py``); with the charged backend N_e and 2S^z stay at 1e-14 at
paper scale (N = 75, N_e = 8, t = 20 measured). Checkpoints store the dense form of the tensors; a
charged run resumes from them bit for bit.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from entanglement import partial_trace, von_neumann_entropy
from verify.models import PRXChain
from verify.mps import MPS, restore_charged_mps, to_charged_mps
from verify.operators import SiteOperators
from verify.records.run import RunResult
from verify.tebd import TEBD, prx_bond_hamiltonians, prx_sites
from verify.tensors import (
    DENSE,
    SVD_FLOOR,
    BlockSparseBackend,
    blas_threads,
    decomposition_route,
    svd_workers,
    threads_for,
)

if TYPE_CHECKING:
    from verify.prx_observables import PRXFrame

__all__ = [
    "PRXMeasurement",
    "compress",
    "initial_state",
    "initial_state_report",
    "measure",
    "simulate_prx_tebd",
    "single_particle_orbitals",
    "slater_mps",
    "step_ranges",
]


# ---------------------------------------------------------------------------------- initial state
def single_particle_orbitals(model: PRXChain) -> tuple[np.ndarray, np.ndarray]:
    """Energies and orbitals of the majority-spin one-body Hamiltonian h of the module docstring.

    Returns
    -------
    energies : ndarray, shape (N,)
        Ascending.
    orbitals : ndarray, shape (N, N)
        Column k is φ_k (real, normalized).
    """
    n = model.n_sites
    h = np.zeros((n, n))
    idx = np.arange(n - 1)
    h[idx, idx + 1] = h[idx + 1, idx] = -model.hopping
    h[np.arange(model.n_conf), np.arange(model.n_conf)] = -(model.confinement + model.field)
    return np.linalg.eigh(h)


def _spinor(model: PRXChain) -> np.ndarray:
    """Spin part (χ_↑, χ_↓) of the polarized electrons: eigenvector of σ·ê, eigenvalue +1."""
    return np.array([1.0, 0.0]) if model.polarization == "z" else np.array([1.0, 1.0]) / math.sqrt(2)


def compress(mps: MPS, *, chi_max: int = 1 << 30, trunc: float = 0.0) -> float:
    """Canonicalize and compress ``mps`` in place by an SVD sweep; return the discarded weight.

    With the defaults only singular values below the round-off floor are dropped. The centre
    ends on site 0.
    """
    be = mps.backend
    n = len(mps)
    mps.center = None
    mps.canonicalize(n - 1)
    discarded = 0.0
    for b in range(n - 2, -1, -1):
        split = be.split(be.two_site(mps.tensors[b], mps.tensors[b + 1]), chi_max=chi_max, trunc=trunc, absorb="left")
        mps.tensors[b], mps.tensors[b + 1] = split.left, split.right
        mps.center = b
        discarded += split.discarded
    return discarded


def slater_mps(
    sites: list[SiteOperators],
    orbitals: np.ndarray,
    spinor: np.ndarray,
    vacuum: list[np.ndarray],
) -> tuple[MPS, float]:
    """Π_k b†_k |vacuum⟩ with b†_k = Σ_i φ_k(i) Σ_s χ_s c†_{i,s}, as an exact MPS.

    Parameters
    ----------
    sites : list of SiteOperators
        Local operators of every site.
    orbitals : ndarray, shape (N, N_e)
        Orthonormal orbitals φ_k as columns.
    spinor : ndarray, shape (2,)
        Normalized spin part χ.
    vacuum : list of ndarray
        Local state of every site with no electron (it fixes the localized spins).

    Returns
    -------
    (MPS, float)
        The state (norm 1 up to round-off when the orbitals are orthonormal) and the total
        discarded weight of the compressions (round-off floor only).
    """
    n = len(sites)
    if orbitals.shape[0] != n:
        raise ValueError(f"orbitals have {orbitals.shape[0]} rows, expected one per site ({n})")
    mps = MPS.product_state(vacuum)
    discarded = 0.0
    for k in range(orbitals.shape[1]):
        tensors = []
        for i, s in enumerate(sites):
            create = spinor[0] * s.c_up.conj().T + spinor[1] * s.c_dn.conj().T
            d = s.dim
            w = np.zeros((2, 2, d, d), dtype=complex)  # W[w_left, w_right, p_out, p_in]
            w[0, 0] = s.parity  # string: the creation happens further right
            w[0, 1] = orbitals[i, k] * create
            w[1, 1] = s.identity  # already created
            w = w[:1] if i == 0 else w
            w = w[:, 1:] if i == n - 1 else w
            a = DENSE.to_dense(mps.tensors[i])
            new = np.einsum("abpq,lqr->laprb", w, a)  # bonds combined as (mps, mpo)
            sh = new.shape
            tensors.append(DENSE.from_dense(new.reshape(sh[0] * sh[1], sh[2], sh[3] * sh[4])))
        mps = MPS(tensors)
        discarded += compress(mps)
    return mps, discarded


def initial_state(model: PRXChain) -> tuple[MPS, float]:
    """The PRX initial state as an MPS (module docstring) and its compression discarded weight."""
    sites = prx_sites(model)
    _, orbitals = single_particle_orbitals(model)
    vacuum = []
    for s in sites:
        v = np.zeros(s.dim)
        v[1 if s.has_spin else 0] = 1.0  # |0⟩ or |0⟩⊗|↓⟩ (electron factor first, ↓ = index 1)
        vacuum.append(v)
    return slater_mps(sites, orbitals[:, : model.n_e], _spinor(model), vacuum)


def initial_state_report(model: PRXChain, mps: MPS | None = None) -> dict:
    """Energy of the MPS initial state under H + H_{V,B} and the one-body prediction.

    Returns a dict with ``energy`` (⟨H + H_{V,B}⟩ from the MPS), ``orbital_energy`` (Σ_k ε_k − N_FM B,
    its exact value as an eigenstate of H_e + H_{V,B}, plus the localized spins' field energy and
    their XXZ energy −J_z (N_FM − 1)), ``norm`` and ``max_bond_dimension``.
    """
    mps = mps if mps is not None else initial_state(model)[0]
    bonds = prx_bond_hamiltonians(model, preparation=True)
    sweep = mps.sweep(bonds)
    energies, _ = single_particle_orbitals(model)
    predicted = float(np.sum(energies[: model.n_e])) - model.field * model.n_fm - model.j_z * (model.n_fm - 1)
    return {
        "energy": float(np.real(sum(sweep.bond_values))) / sweep.norm_squared,
        "orbital_energy": predicted,
        "norm": math.sqrt(sweep.norm_squared),
        "max_bond_dimension": mps.max_bond_dimension(),
    }


# ---------------------------------------------------------------------------------- measurements
@dataclass
class PRXMeasurement:
    """Observables of one MPS: the :class:`verify.prx_observables.PRXFrame` and TEBD extras.

    Attributes
    ----------
    frame : PRXFrame
    bond_entropy : ndarray, shape (N−1,)
        Von Neumann entropy (nats) of sites 1..b+1 for every bond b, from the Schmidt values.
    """

    frame: PRXFrame
    bond_entropy: np.ndarray


def measure(mps: MPS, model: PRXChain, *, cut: int, t: float, bonds: list[np.ndarray] | None = None) -> PRXMeasurement:
    """The PRX observables of ``mps`` (PRX Eqs. 9–14) at time ``t``.

    Parameters
    ----------
    mps : MPS
        State of the PRX chain (sites in order, d = 8 on FM sites).
    model : PRXChain
    cut : int
        Entropy subsystem = sites 1..cut (1-based; PRX Eq. 12).
    t : float
        Time stamp of the frame.
    bonds : list of ndarray, optional
        Bond Hamiltonians of H for the energy (default: :func:`verify.tebd.prx_bond_hamiltonians`).

    Notes
    -----
    One QR sweep gives every site RDM ρ_i, the Schmidt values of every bond and ⟨h_b⟩. The localized
    spin RDMs are ``entanglement.partial_trace(ρ_i, [1], dims=[4, 2])``; the edge pair ρ_{1,N_FM}
    comes from :meth:`verify.mps.MPS.rdm` with the electrons of the two FM sites traced inside the
    transfer-matrix contraction.
    """
    if bonds is None:
        bonds = prx_bond_hamiltonians(model)
    with blas_threads(threads_for(mps.max_bond_dimension() * max(mps.dims))):
        return _measure(mps, model, cut=cut, t=t, bonds=bonds)


def _measure(mps: MPS, model: PRXChain, *, cut: int, t: float, bonds: list[np.ndarray]) -> PRXMeasurement:
    from verify.prx_observables import prx_frame

    sweep = mps.sweep(bonds)
    nsq = sweep.norm_squared
    sites = prx_sites(model)
    rdms = [r / nsq for r in sweep.site_rdms]
    # Tr(ρ_i O_i) for the per-site operators, vectorized per local dimension
    density = np.empty(model.n_sites)
    sz = np.empty(model.n_sites)
    s_e = np.zeros(3)
    for has_spin in (False, True):
        idx = [i for i, s in enumerate(sites) if s.has_spin == has_spin]
        if not idx:
            continue
        ops = sites[idx[0]]
        stack = np.stack([rdms[i] for i in idx])
        density[idx] = np.einsum("kij,ji->k", stack, ops.n).real
        per_site = np.einsum("kij,aji->ka", stack, np.stack(ops.s)).real
        sz[idx] = per_site[:, 2]
        s_e += per_site.sum(axis=0)
    fm = list(model.fm_sites)
    spin_rdms = np.stack([partial_trace(rdms[i], [1], dims=[4, 2]) for i in fm])
    edge = None
    if model.n_fm > 1:
        keep_spin = ((4, 2), (1,))
        edge = mps.rdm([fm[0], fm[-1]], factors=[keep_spin, keep_spin])
    bond_entropy = np.array([von_neumann_entropy(s**2 / nsq) for s in sweep.schmidt])
    frame = prx_frame(
        t,
        spin_rdms=spin_rdms,
        edge_rdm=edge,
        electron_spin=s_e,
        n_e=model.n_e,
        density=density,
        spin_density_z=sz,
        entropy_cut=float(bond_entropy[cut - 1]),
        energy=float(np.real(sum(sweep.bond_values))) / nsq,
        norm=math.sqrt(nsq),
    )
    return PRXMeasurement(frame, bond_entropy)


# ---------------------------------------------------------------------------------- simulation
Progress = Callable[[float], None]


def _steps_per_output(dt: float, dt_out: float) -> int:
    """Integer number of Trotter steps per output interval; ValueError unless dt_out/dt is an integer."""
    ratio = dt_out / dt
    n_sub = round(ratio)
    if n_sub < 1 or abs(ratio - n_sub) > 1e-9 * max(1.0, ratio):
        raise ValueError(f"dt_out = {dt_out} must be a positive integer multiple of dt = {dt} (ratio {ratio:.12g})")
    return n_sub


def _run_parameters(model: PRXChain, **options: object) -> dict:
    return {"model": model.to_dict(), **options}


def _frames_from_record(record: dict[str, np.ndarray]) -> list[PRXFrame]:
    """PRXFrame objects back from stacked record arrays (for resuming)."""
    from dataclasses import fields

    from verify.prx_observables import PRXFrame

    names = [f.name for f in fields(PRXFrame)]
    missing = [n for n in names if n not in record]
    if missing:
        raise ValueError(f"checkpoint record lacks {missing}")
    n_t = record["t"].shape[0]
    out = []
    for k in range(n_t):
        values = {}
        for name in names:
            v = record[name][k]
            values[name] = v if isinstance(v, np.ndarray) else float(v)
        out.append(PRXFrame(**values))
    return out


def _peak_rss_mb() -> float | None:
    """Peak resident memory of this process so far (MB), or None where ``resource`` is unavailable."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports kB


def step_ranges(steps: list[int]) -> list[list[int]]:
    """Sorted step numbers as inclusive ranges: [3, 4, 5, 9] → [[3, 5], [9, 9]]."""
    out: list[list[int]] = []
    for k in sorted(steps):
        if out and k == out[-1][1] + 1:
            out[-1][1] = k
        else:
            out.append([k, k])
    return out


def _charged_backend(model: PRXChain, backend: str) -> tuple[BlockSparseBackend, list[np.ndarray]]:
    """The block-sparse backend of a run and the charges of every site's local basis: the charges of
    the model's initial-state sector for ``backend="charges"``, none (one dense block) for "dense"."""
    chain = model.chain()
    names = tuple(chain.sector) if backend == "charges" else ()
    return BlockSparseBackend(names), chain.site_charges(names)


def _with_backend(mps: MPS, model: PRXChain, backend: str) -> MPS:
    """``mps`` converted to the block-sparse tensors of :func:`_charged_backend`."""
    charged, site_charges = _charged_backend(model, backend)
    return to_charged_mps(mps, charged, site_charges)


def simulate_prx_tebd(
    model: PRXChain,
    *,
    t_max: float,
    dt_out: float,
    dt: float = 0.1,
    chi_max: int = 400,
    trunc: float = 1e-7,
    order: int = 2,
    cut: int | None = None,
    progress: Progress | None = None,
    checkpoint: str | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
    scheme: str | None = None,
    psi0: MPS | None = None,
    backend: str = "charges",
) -> RunResult:
    """TEBD evolution of the PRX chain (PRX Secs. II–III, VII) with the exact evolver's record schema.

    The initial state is the Slater determinant of :func:`initial_state` (the ground state of
    H + H_{V,B} of PRX Eq. 5 up to the well's tail on the FM region); for t ≥ 0 the state is
    evolved with H = H_e + H_spins + H_e-spins (Eqs. 2–4) by the Trotter schedule of ``order``
    (PRX Eq. 8 for 2), truncating every SVD to discarded weight ``trunc`` and at most ``chi_max``
    states.

    Parameters
    ----------
    model : PRXChain
    t_max, dt_out : float
        Final time and output spacing (ħ/γ); output grid as :func:`verify.prx_exact.output_times`.
    dt : float
        Trotter step (PRX: 0.1); ``dt_out`` must be an integer multiple of it.
    chi_max : int
        Largest bond dimension (PRX: 400).
    trunc : float
        Largest discarded weight per SVD (PRX: 1e-7).
    order : {2, 4}
        Trotter order.
    cut : int, optional
        Entropy subsystem = sites 1..cut (default (N+1)//2).
    progress : callable, optional
        Called as ``progress(fraction)`` after every step. If it has a writable ``label`` attribute
        (``verify.cli.TerminalProgress``), the label is set to the current time, χ and accumulated
        truncation error.
    checkpoint : path, optional
        Checkpoint file (.npz), written atomically at the first output time after every
        ``checkpoint_every`` steps, and at the end.
        Without ``resume`` an existing file is refused (it would be overwritten).
    checkpoint_every : int, optional
        Steps between checkpoints (default: only at the end).
    resume : bool
        Continue from ``checkpoint`` (if it exists; otherwise start afresh). The parameters must
        equal the stored ones except ``t_max``, which may be later (extension). The resumed record
        equals an uninterrupted run's bit for bit when BLAS is deterministic (one thread:
        ``OMP_NUM_THREADS=1``; see ``tests/test_checkpoint.py``).
    scheme : str, optional
        Trotter scheme (:func:`verify.trotter.schedule`): ``"prx"`` (PRX Eq. 8, default) or
        ``"even-odd"`` (TeNPy's; half the SVDs) at order 2, ``"forest-ruth"`` or ``"suzuki"`` at order 4.
    psi0 : MPS, optional
        Initial state replacing :func:`initial_state` (tests: the exact ground state as an MPS).
        Not allowed together with ``checkpoint``.
    backend : {"dense", "charges"}
        Tensor storage (default "charges"): dense arrays, or U(1)×U(1) block-sparse tensors (:mod:`verify.tensors`)
        conserving (N, 2S^z) for a collinear model and N for a noncollinear one. Recorded in the meta.

    Returns
    -------
    RunResult
        Keys of ``docs/run_records.md`` plus ``max_bond_dimension``, ``truncation_error``
        (accumulated) and ``bond_entropy`` (n_t, N−1); meta adds the TEBD parameters, the initial
        state's energy and compression error, and ``resumed_from_step``.
    """
    from verify.checkpoint import Checkpoint, check_parameters, load_checkpoint, save_checkpoint
    from verify.prx_exact import output_times
    from verify.prx_observables import prx_record, validate_cut

    start = time.perf_counter()
    if not isinstance(model, PRXChain):
        raise ValueError(f"model must be a PRXChain, got {type(model).__name__}")
    for name, value in (("dt", dt), ("trunc", trunc)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    if dt <= 0:
        raise ValueError(f"dt must be > 0, got {dt}")
    if not 0 <= trunc < 1:
        raise ValueError(f"trunc must be in [0, 1), got {trunc}")
    if isinstance(chi_max, bool) or not isinstance(chi_max, (int, np.integer)) or chi_max < 1:
        raise ValueError(f"chi_max must be an integer >= 1, got {chi_max!r}")
    if order not in (2, 4):
        raise ValueError(f"order must be 2 or 4, got {order!r}")
    if backend not in ("dense", "charges"):
        raise ValueError(f"backend must be 'dense' or 'charges', got {backend!r}")
    # one TEBD for both: "dense" is the block-sparse code with trivial charges (a single block,
    # _charged_backend); the record names the charge set by its legacy rule name
    charge_rule = ("n_sz" if model.collinear else "n") if backend == "charges" else "none"
    times = output_times(t_max, dt_out)
    n_sub = _steps_per_output(dt, dt_out)
    cut = validate_cut(cut, model.n_sites)
    bad_every = isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, (int, np.integer))
    if checkpoint_every is not None and (bad_every or checkpoint_every < 1):
        raise ValueError(f"checkpoint_every must be an integer >= 1, got {checkpoint_every!r}")
    if checkpoint is None and (checkpoint_every is not None or resume):
        raise ValueError("checkpoint_every and resume need a checkpoint path")
    if checkpoint is not None:
        if not str(checkpoint).endswith(".npz"):
            raise ValueError(f"checkpoint {checkpoint}: checkpoint files are .npz files")
        if psi0 is not None:
            raise ValueError("psi0 cannot be combined with a checkpoint (the initial state is not stored)")
        if not resume and os.path.exists(checkpoint):
            raise ValueError(f"checkpoint {checkpoint} exists: pass resume=True (--resume) or remove it")
    total_steps = (times.size - 1) * n_sub
    params = _run_parameters(
        model, dt=float(dt), dt_out=float(dt_out), chi_max=int(chi_max), trunc=float(trunc), order=int(order),
        scheme=scheme, cut=cut,
    )
    bonds = prx_bond_hamiltonians(model)
    frames: list = []
    entropies: list[np.ndarray] = []
    chis: list[int] = []
    errors: list[float] = []
    limited: list[int] = []
    earlier_wall = 0.0  # wall time of the segments before a resumption (from the checkpoint)
    resumed_from = None
    info: dict = {}
    stored = load_checkpoint(checkpoint) if (resume and checkpoint and os.path.exists(checkpoint)) else None
    if stored is not None:
        check_parameters(stored.params, params, path=checkpoint)
        if stored.steps > total_steps:
            raise ValueError(
                f"checkpoint {checkpoint} is at t = {stored.steps * dt:g}, beyond t_max = {t_max:g}: nothing to resume"
            )
        try:  # the stored blocks exactly
            mps = restore_charged_mps(stored.tensors, stored.center, *_charged_backend(model, backend))
        except ValueError:  # a dense run's checkpoint resumed with charges: bonds may mix them, re-decompose
            dense = MPS([DENSE.from_dense(a) for a in stored.tensors], center=stored.center)
            mps = _with_backend(dense, model, backend)
            stored.bond_values = None  # the new bond bases differ: the B form is rebuilt
        engine = TEBD(mps, bonds, dt=dt, chi_max=chi_max, trunc=trunc, order=order, scheme=scheme,
                      bond_values=stored.bond_values)
        engine.steps, engine.truncation_error = stored.steps, stored.truncation_error
        frames = _frames_from_record(stored.record)
        entropies = list(stored.record["bond_entropy"])
        chis = [int(x) for x in stored.record["max_bond_dimension"]]
        errors = [float(x) for x in stored.record["truncation_error"]]
        limited = [int(x) for x in stored.record.get("truncation_limited_steps", np.zeros(len(errors)))]
        info = dict(stored.info)
        engine.limited_steps = [int(k) for k in info.pop("limited_steps", [])]
        earlier_wall = float(info.pop("wall_time_s", 0.0))
        resumed_from = stored.steps
    else:
        if psi0 is None:
            mps, discarded = initial_state(model)
            report = initial_state_report(model, mps)
            info = {"initial_state": {**report, "compression_discarded_weight": discarded}}
        else:
            needed = tuple(s.dim for s in prx_sites(model))
            if psi0.dims != needed:
                raise ValueError(f"psi0 has local dimensions {psi0.dims}, the model needs {needed}")
            mps = psi0.copy()
            info = {"initial_state": {"source": "psi0"}}
        mps = _with_backend(mps, model, backend)
        engine = TEBD(mps, bonds, dt=dt, chi_max=chi_max, trunc=trunc, order=order, scheme=scheme)

    def record_now() -> None:
        m = measure(engine.canonical_mps(), model, cut=cut, t=float(times[len(frames)]), bonds=bonds)
        frames.append(m.frame)
        entropies.append(m.bond_entropy)
        chis.append(engine.mps.max_bond_dimension())
        errors.append(engine.truncation_error)
        previous = (len(frames) - 2) * n_sub  # step count of the previous output
        limited.append(sum(1 for k in engine.limited_steps if k > previous))

    def arrays_so_far() -> dict[str, np.ndarray]:
        stacked = prx_record(frames, {}, extra=extras()).arrays
        return stacked

    def extras() -> dict[str, np.ndarray]:
        return {
            "max_bond_dimension": np.array(chis, dtype=np.int64),
            "truncation_error": np.array(errors, dtype=float),
            "bond_entropy": np.array(entropies, dtype=float),
            "truncation_limited_steps": np.array(limited, dtype=np.int64),
        }

    def write_checkpoint() -> None:
        tensors = [engine.mps.backend.to_dense(a) for a in engine.mps.tensors]
        save_checkpoint(
            checkpoint,
            Checkpoint(params, engine.steps, engine.truncation_error, tensors, engine.mps.center,
                       arrays_so_far(), {**info, "limited_steps": engine.limited_steps,
                                         "wall_time_s": earlier_wall + time.perf_counter() - start},
                       bond_values=engine.bond_values if engine.vidal else None),
        )

    if not frames:
        record_now()
    label = getattr(progress, "label", None) if progress is not None else None
    last_written = engine.steps if stored is not None else -1
    while engine.steps < total_steps:
        # run up to the next output time in one call, so steps merge at their boundaries
        # (verify.trotter.step_sequence); chunks end only at output times, so neither checkpointing
        # nor resuming changes the trajectory
        engine.run(min(n_sub - engine.steps % n_sub, total_steps - engine.steps))
        if engine.steps % n_sub == 0:
            record_now()
        if checkpoint_every is not None and engine.steps - max(last_written, 0) >= checkpoint_every:
            write_checkpoint()
            last_written = engine.steps
        if progress is not None:
            if isinstance(label, str):
                progress.label = (  # type: ignore[attr-defined]
                    f"prx tebd t={engine.steps * dt:.2f}/{times[-1]:g} chi={engine.mps.max_bond_dimension()} "
                    f"trunc={engine.truncation_error:.1e}"
                )
            progress(engine.steps / total_steps)
    if checkpoint is not None and last_written != engine.steps:
        write_checkpoint()
    if progress is not None and total_steps == 0:
        progress(1.0)
    meta = {
        "model": model.to_dict(),
        "method": "tebd",
        "cut": cut,
        "t_max": float(t_max),
        "dt_out": float(dt_out),
        "n_times": int(times.size),
        "tebd": {
            "dt": float(dt), "chi_max": int(chi_max), "trunc": float(trunc), "order": int(order),
            "scheme": scheme, "steps": engine.steps, "svd_floor": SVD_FLOOR,
            "final_truncation_error": engine.truncation_error,
            "final_max_bond_dimension": engine.mps.max_bond_dimension(),
            "blas_threads": os.environ.get("OMP_NUM_THREADS") or os.environ.get("OPENBLAS_NUM_THREADS"),
            "backend": backend,
            "charges": charge_rule,
            "svd_threads": svd_workers(),
            "decomposition": decomposition_route(trunc),  # which route gave the Schmidt values
            "n_truncation_limited_steps": len(engine.limited_steps),
            "peak_rss_mb": _peak_rss_mb(),
            "truncation_limited_steps": step_ranges(engine.limited_steps),
        },
        "resumed_from_step": resumed_from,
        "units": {"t": "hbar/gamma", "energy": "gamma", "spin": "pauli", "entropy": "nats"},
        **info,
    }
    # wall_time_s covers every segment of a resumed run (the earlier ones from the checkpoint)
    meta["wall_time_segment_s"] = time.perf_counter() - start
    return prx_record(frames, meta, extra=extras(), wall_start=start - earlier_wall)
