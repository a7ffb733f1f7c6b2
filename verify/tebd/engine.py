"""The TEBD engine for nearest-neighbour chains: it knows no model, only bond Hamiltonians.

:class:`TEBD` evolves an MPS under H = Σ_b h_b (b = (i, i+1), i = 0..N−2), the h_b handed in as
matrices — for a chain model ``model.chain().bond_hamiltonians()`` (:class:`verify.models.ChainModel`:
the bond terms plus the on-site terms folded in once, PRX Eqs. 2–4 for the PRX chain). Its
parameters are one :class:`verify.tebd.TEBDOptions`.

Evolution
---------
:class:`TEBD` applies the gates of a Trotter schedule (:mod:`verify.tebd.trotter`; even–odd at
second order by default, PRX Eq. 8 as an option). For sweep schedules the orthogonality centre
travels with the sweep: a gate on bond b acts with the centre on b or b+1, the two-site tensor is
split by a truncated SVD (``backend.split``) and the singular values are absorbed towards the next
gate. The even–odd
schedule runs in Vidal's B form instead (see :class:`TEBD`). Every split's discarded weight is added
once to :attr:`TEBD.truncation_error`, and a split that cannot meet ``trunc`` within ``chi_max``
flags its step (:attr:`TEBD.limited_steps`). ``run(n)`` merges the gates where consecutive steps
meet (:func:`verify.tebd.trotter.step_sequence`). The step count is an integer; times are
``steps * dt``, never accumulated floats.

Resuming
--------
:meth:`TEBD.resume_data` returns everything that continues a run bit for bit (as TeNPy's
``get_resume_data``): the dense site tensors, the centre or the Schmidt values of the B form, the step
counter, the accumulated truncation error and the flagged steps; :meth:`TEBD.from_resume_data`
rebuilds the engine from it (:mod:`verify.records.checkpoint` stores it in a file).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import numpy as np

from states.validation import require_int
from verify.mps import MPS, restore_charged_mps, to_charged_mps
from verify.tebd.engine_data import GateSet, TEBDResumeData
from verify.tebd.options import TEBDOptions
from verify.tebd.segments import SegmentPool, pool_for
from verify.tebd.stream import bond_update
from verify.tebd.trotter import Layer, schedule, step_sequence
from verify.tensors import DENSE, BlockSparseBackend, ChargedTensor, Observable, Split, blas_threads, threads_for
from verify.tensors.blocksparse_stacks import RowValues, weigh_rows
from verify.tensors.charged import RestrictedOperator

PARALLEL_BOND_MIN_DIM: int = 48
"""Layer schemes run their gates on several threads once the widest bond is at least this wide;
narrower bonds are Python-bound, where threads only contend for the GIL."""

__all__ = ["PARALLEL_BOND_MIN_DIM", "TEBD", "GateSet", "TEBDResumeData", "blas_threads_for"]


def blas_threads_for(mps: MPS) -> int | None:
    """BLAS threads for the steps and measurements of ``mps``: one for charged tensors, whose every
    product and decomposition is one of a sector's blocks (at χ = 400 the largest is 249 × 249, below
    :data:`verify.tensors.SINGLE_THREAD_MAX_DIM`); :func:`verify.tensors.threads_for` of χ d otherwise.

    Measured (``benchmarks/results/tebd_flop_floor.txt``, N_e = 8 PRX run at χ = 400): two BLAS threads
    made a step 1.68 s wall / 3.30 s CPU against 1.36 / 1.88 s with one, and 8.9 s against 1.66 s when
    the two cores were shared (load 3); a measurement was 1.5–2× slower. With one BLAS thread for
    charged tensors a run is also bit-for-bit the same whatever the core share."""
    backend = mps.backend
    if isinstance(backend, BlockSparseBackend) and backend.n_q > 0:
        return 1
    return threads_for(mps.max_bond_dimension() * max(mps.dims))


def _dense(tensor: np.ndarray | ChargedTensor) -> np.ndarray:
    return tensor.to_dense() if isinstance(tensor, ChargedTensor) else tensor


class TEBD:
    """Time evolution of an MPS under a nearest-neighbour Hamiltonian H = Σ_b h_b.

    Parameters
    ----------
    mps : MPS
        Initial state (made canonical if it is not); evolved in place, with its own tensor backend.
    bond_hamiltonians : sequence of ndarray
        Hermitian h_b for b = 0..N−2, (d_b d_{b+1})² matrices in ``np.kron`` order.
    options : TEBDOptions, optional
        δt, χ_max, truncation, Trotter order and scheme (default ``TEBDOptions()``: the paper's δt, χ_max and
        truncation with the even–odd scheme; the ``backend`` field is the drivers': the engine uses ``mps``'s).
    dt, chi_max, trunc, order, scheme : optional
        Override single fields of ``options`` (validated as :class:`TEBDOptions`).
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
    the inputs of the serial order, so results do not depend on the thread count). From
    :data:`verify.tebd.PARALLEL_PROCESS_MIN_DIM` on, charged gates run on :func:`verify.tebd.gate_processes`
    processes instead, each owning a segment of bonds (:mod:`verify.tebd.segments`: no shared GIL; the
    same bits); :meth:`close` stops them. The B form is canonical only up to the truncation of the last
    updates, so :meth:`canonical_mps` returns an exactly canonical copy for measurements.

    Attributes
    ----------
    options : TEBDOptions
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
        options: TEBDOptions | None = None,
        *,
        dt: float | None = None,
        chi_max: int | None = None,
        trunc: float | None = None,
        order: int | None = None,
        scheme: str | None = None,
        bond_values: Sequence[np.ndarray] | None = None,
    ) -> None:
        options = TEBDOptions.resolve(options, dt=dt, chi_max=chi_max, trunc=trunc, order=order, scheme=scheme)
        n = len(mps)
        if n < 2:
            raise ValueError("TEBD needs at least 2 sites")
        if len(bond_hamiltonians) != n - 1:
            raise ValueError(f"need {n - 1} bond Hamiltonians for {n} sites, got {len(bond_hamiltonians)}")
        dims = mps.dims
        for b, h in enumerate(bond_hamiltonians):
            if h.shape != (dims[b] * dims[b + 1],) * 2:
                raise ValueError(f"bond {b}: Hamiltonian shape {h.shape} does not match d = {dims[b]}, {dims[b + 1]}")
        self.options = options
        self.mps = mps
        self._stages = schedule(options.order, options.scheme)
        self.vidal = all(isinstance(stage, Layer) for stage in self._stages)
        self._lam: list[np.ndarray] = []
        self.dt, self.chi_max, self.trunc, self.order = options.dt, options.chi_max, options.trunc, options.order
        self.gates = GateSet(bond_hamiltonians, self.dt)
        self._plans: dict[int, list[tuple[int, float, str, int]]] = {}
        self._gate_tensors: dict[tuple[int, float], object] = {}
        self.steps = 0
        self.truncation_error = 0.0
        self.limited_steps: list[int] = []
        self._canonical: tuple[int, MPS] | None = None
        self._observe: dict[int, Observable] = {}
        self.observed: dict[int, tuple[complex, float]] = {}  # see observe
        self.observed_from = -1
        self._pool: SegmentPool | None = None
        self._pool_finalizer: weakref.finalize | None = None
        self._start_form(bond_values)

    def _start_form(self, bond_values: Sequence[np.ndarray] | None) -> None:
        """A canonical MPS for sweep schemes; the B form (given or computed) for layer schemes."""
        mps, n = self.mps, len(self.mps)
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

    # ------------------------------------------------------------------ resuming
    def resume_data(self, *, dense: bool = True) -> TEBDResumeData:
        """Everything :meth:`from_resume_data` needs to continue this run bit for bit; with
        ``dense=False`` the tensors are the backend's own (block-sparse ones not densified, not copied)."""
        be = self.mps.backend
        return TEBDResumeData(
            tensors=[be.to_dense(a) for a in self.mps.tensors] if dense else list(self.mps.tensors),
            center=self.mps.center,
            bond_values=self.bond_values if self.vidal else None,
            steps=self.steps,
            truncation_error=self.truncation_error,
            limited_steps=list(self.limited_steps),
        )

    @classmethod
    def from_resume_data(
        cls,
        data: TEBDResumeData,
        bond_hamiltonians: Sequence[np.ndarray],
        options: TEBDOptions | None = None,
        *,
        backend: BlockSparseBackend | None = None,
        site_charges: Sequence[np.ndarray] | None = None,
    ) -> TEBD:
        """The engine of :meth:`resume_data`, its tensors in ``backend`` (dense when None).

        The stored tensors are cut into the blocks of ``backend`` exactly, or taken as they are when
        they are block-sparse tensors of its charges (:func:`verify.mps.restore_charged_mps`); a state
        stored by a run with other charges (a dense run resumed with charges: its bonds may mix them)
        is re-decomposed instead (:func:`verify.mps.to_charged_mps`), and the B form of a layer scheme
        rebuilt from it.
        """
        bond_values = data.bond_values
        if backend is None:
            mps = MPS([DENSE.from_dense(_dense(a)) for a in data.tensors], center=data.center)
        else:
            if site_charges is None:
                raise ValueError("a block-sparse backend needs the charges of every site (site_charges)")
            try:  # the stored blocks exactly
                mps = restore_charged_mps(data.tensors, data.center, backend, site_charges)
            except ValueError:  # bonds that mix charges: re-decompose
                dense = MPS([DENSE.from_dense(_dense(a)) for a in data.tensors], center=data.center)
                mps = to_charged_mps(dense, backend, site_charges)
                bond_values = None  # the new bond bases differ: the B form is rebuilt
        engine = cls(mps, bond_hamiltonians, options, bond_values=bond_values)
        engine.steps, engine.truncation_error = int(data.steps), float(data.truncation_error)
        engine.limited_steps = [int(k) for k in data.limited_steps]
        return engine

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
        """(bond, weight, absorb, step) of ``n_steps`` merged steps (:func:`verify.tebd.trotter.step_sequence`);
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

    def leading_bonds(self) -> list[int]:
        """The bonds whose first gate in a run acts on the state the run starts from.

        Returns
        -------
        list of int
            Ascending bonds of the layer scheme's first gates that no earlier gate of the run precedes
            on either site (the first layer: the even bonds of even–odd); [] for sweep schemes, whose
            gates carry a centre. :meth:`observe` measures on these bonds from the stacks of their gates.
        """
        if not self.vidal:
            return []
        written: set[int] = set()
        leading = []
        for b, _, _ in step_sequence(self._stages, len(self.mps), 1):
            if b not in written and b + 1 not in written:
                leading.append(b)
            written.update((b, b + 1))
        return sorted(leading)

    def observe(self, requests: dict[int, Observable]) -> None:
        """Measure on the way in the next :meth:`run` (for :func:`verify.tebd.begin_measurement`).

        The first gate of the run on every requested :meth:`leading_bonds` bond b also computes the rows
        (:data:`verify.tensors.RowValues`) of M in θ = B_b B_{b+1} as it was when the run started, from the
        stacks it builds for the gate, weighed after the run (:func:`verify.tensors.weigh_rows`): the
        numbers of :func:`verify.tensors.observation_from_rows` on those tensors, bit for bit. They land in
        :attr:`observed`; :attr:`observed_from` is the step count of their state. Only the fused B-form
        update of the block-sparse backend observes (else :attr:`observed` stays empty). The requests
        hold for one run. A gate worker that starts the next run early (``run(n, then=n)``) measures there
        the rows of this run's operators (a user's run asks the same at every output); a bond whose next
        request names another operator is left to :meth:`verify.tebd.PendingMeasurement.complete`.

        Parameters
        ----------
        requests : dict of int to Observable
            Bond → (M restricted by total charge, weights w of the bond's left index)
            (:data:`verify.tensors.Observable`); bonds that are not leading are ignored.

        Raises
        ------
        ValueError
            When a bond is out of range or its weights do not fit its left leg (checked here, before
            any gate runs).
        """
        n_bonds = len(self.mps) - 1
        for bond, (_, weights) in requests.items():
            if not 0 <= bond < n_bonds:
                raise ValueError(f"bond {bond} is not a bond of the {n_bonds + 1}-site chain")
            dim = self.mps.backend.shape(self.mps.tensors[bond])[0]
            if weights is not None and np.shape(weights) != (dim,):
                raise ValueError(f"bond {bond}: weights of shape {np.shape(weights)}, its left leg has dimension {dim}")
        leading = set(self.leading_bonds())
        self._observe = {bond: observable for bond, observable in requests.items() if bond in leading}

    def step(self) -> None:
        """Apply one Trotter step."""
        self.run(1)

    def run(self, n_steps: int, *, then: int | None = None) -> None:
        """Apply ``n_steps`` steps back to back, merging the gates where one step meets the next
        (:func:`verify.tebd.trotter.step_sequence`: the same operator with fewer truncations).

        ``then`` is the step count of the next run when the caller knows it (a run to the next output
        time, then another): with gate processes (:mod:`verify.tebd.segments`) they start that run at
        once, beside whatever the caller does in between (a measurement); a different next run only
        discards what they did. The results are the same bits either way.

        Runs with one BLAS thread while the two-site matrices are small, and always for charged
        tensors (:func:`blas_threads_for`). A split that keeps ``chi_max`` values and still
        discards more than ``trunc`` marks its step in :attr:`limited_steps`.
        """
        n_steps = require_int("n_steps", n_steps, minimum=0)
        if then is not None:
            then = require_int("then", then, minimum=0)
        if n_steps == 0:
            return
        if self.vidal:
            self._run_layers(n_steps, then or 0)
            return
        self._observe, self.observed, self.observed_from = {}, {}, self.steps  # sweeps never observe (observe)
        with blas_threads(blas_threads_for(self.mps)):
            self._run_sweeps(n_steps)

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

    def _bond_update(self, b: int, weight: float, measure_rows: RestrictedOperator | None = None) -> Split:
        """One gate of a layer in the B form (:func:`verify.tebd.stream.bond_update`)."""
        return bond_update(self.mps.backend, self.mps.tensors, self._lam, b, self._gate(b, weight),
                           chi_max=self.chi_max, trunc=self.trunc, measure_rows=measure_rows)

    def _run_layers(self, n_steps: int, then: int = 0) -> None:
        """``n_steps`` steps of a layer scheme in the B form; gates run as a dataflow on threads, or on the
        gate processes (:meth:`_segment_pool`; ``then``: the next run's steps, :meth:`run`).

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
        requests, self._observe, self.observed = self._leading_requests(sequence), {}, {}
        self.observed_from = self.steps
        observe = {k: restricted for k, (restricted, _) in requests.items()}
        rows: dict[int, RowValues] = {}

        def apply(k: int) -> None:
            b, w, _ = sequence[k]
            split = self._bond_update(b, w, observe.get(k))
            mps.tensors[b], mps.tensors[b + 1] = split.left, split.right
            self._lam[b] = split.bond_values
            discarded[k], kept[k] = split.discarded, len(split.singular_values)
            if split.observed is not None:
                rows[b] = split.observed

        pool = self._segment_pool()
        if pool is not None:
            following = step_sequence(self._stages, len(mps), then) if then else None
            outcome = pool.run(self._segment_state(sequence), sequence, observe, following)
            for k in range(len(sequence)):
                discarded[k], kept[k] = outcome.discarded[k], outcome.kept[k]
            rows.update(outcome.observed)
        elif svd_workers() > 1 and mps.max_bond_dimension() >= PARALLEL_BOND_MIN_DIM:
            last_writer: dict[int, int] = {}
            dependencies = []
            for k, (b, _, _) in enumerate(sequence):
                dependencies.append([last_writer[i] for i in (b, b + 1) if i in last_writer])
                last_writer[b] = last_writer[b + 1] = k
            with blas_threads(1):
                run_dataflow(apply, dependencies)
        else:
            with blas_threads(blas_threads_for(mps)):
                for k in range(len(sequence)):
                    apply(k)
        limited: set[int] = set()
        for (_, _, step), weight, n_kept in zip(sequence, discarded, kept, strict=True):  # gate order
            self.truncation_error += weight
            if weight > self.trunc and n_kept >= self.chi_max:
                limited.add(self.steps + step + 1)
        mps.center = None  # B form: canonical only up to truncation (see canonical_mps)
        self.limited_steps.extend(sorted(limited))
        weights = {sequence[k][0]: w for k, (_, w) in requests.items()}
        self.observed = {b: weigh_rows(rows[b], weights[b]) for b in sorted(rows)}
        self.steps += n_steps

    def _segment_pool(self) -> SegmentPool | None:
        """This engine's gate processes (:func:`verify.tebd.segments.pool_for`, started once they pay), or
        None to run on threads."""
        if self._pool is None or self._pool.closed:
            self.close()  # a pool closed by a failed run: let go of it
            self._pool = pool_for(self.mps.backend, len(self.mps), self.mps.max_bond_dimension())
            if self._pool is not None:
                self._pool_finalizer = weakref.finalize(self, self._pool.close)
        return self._pool

    def _segment_state(self, sequence: list[tuple[int, float, int]]) -> dict:
        """What :meth:`verify.tebd.SegmentPool.run` updates and reads: the state and every gate of ``sequence``."""
        return {"backend": self.mps.backend, "tensors": self.mps.tensors, "lam": self._lam,
                "gates": {(b, w): self._gate(b, w) for b, w, _ in sequence}, "chi_max": self.chi_max,
                "trunc": self.trunc}

    def close(self) -> None:
        """Stop this engine's gate processes, if any (:mod:`verify.tebd.segments`; also done when the
        engine is collected). The engine stays usable: a later run starts them again when it needs them."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        if self._pool_finalizer is not None:
            self._pool_finalizer.detach()
            self._pool_finalizer = None

    @property
    def processes(self) -> int:
        """Processes that run this engine's gates now: those of its gate processes
        (:mod:`verify.tebd.segments`), else 1 (threads or serial)."""
        return self._pool.processes if self._pool is not None and not self._pool.closed else 1

    def _leading_requests(self, sequence: list[tuple[int, float, int]]) -> dict[int, Observable]:
        """Gate index → observable of the :meth:`observe` requests: the first gate of the run on each
        requested bond, which acts on the state the run starts from (:meth:`observe` keeps leading bonds only)."""
        out: dict[int, Observable] = {}
        pending = dict(self._observe)
        for k, (b, _, _) in enumerate(sequence):
            if not pending:
                break
            if b in pending:
                out[k] = pending.pop(b)
        return out

