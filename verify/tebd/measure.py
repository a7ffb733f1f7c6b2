"""The generic measurement (:class:`verify.models.Measurement`) of an MPS of any chain model.

What the model asks for (:class:`verify.models.Observables`) comes from one pass over the chain —
the QR sweep of a canonical MPS (:meth:`verify.mps.MPS.sweep`) or, for the B form of an even–odd TEBD
engine, the stored Λ and B themselves (:func:`verify.mps.b_form_sweep`, see :func:`measure_engine`):
every site RDM ρ_i, the Schmidt values of every bond, ⟨h_b⟩, the RDMs of spans of sites — done blockwise
by the tensor backend, no tensor densified (except a B form no wider than :data:`DENSE_MEASURE_MAX_DIM`,
measured on dense copies, see :func:`measure_engine`):

* site and total observables — Tr ρ_i O_i, one ``einsum`` per group of identical sites with every
  requested operator of the group stacked; a total is the sum over its sites, group by group (the
  groups ordered by local dimension, then position);
* reduced density matrices of tensor factors (:attr:`verify.models.Observables.rdms`): of one site by
  the partial trace of its ρ_i over the other factors (``entanglement.partial_trace`` with the
  site's :meth:`~verify.models.Site.factor_dims`), of several sites inside the same sweep, when the
  centre reaches the first of them (:func:`verify.mps.reduced.span_rdm`), which traces the other
  factors inside the transfer-matrix contraction (the two edge localized spins of I(1|N_FM), PRX
  Eq. 14);
* the von Neumann entropy at every bond (``bond_entropy``) from the Schmidt values, and at the
  model's cut (PRX Eq. 12) — all through :mod:`entanglement`;
* the energy Σ_b ⟨h_b⟩ with the model's bond Hamiltonians (PRX Eqs. 2–4) and the norm — on the bonds
  the next run's first layer updates (:meth:`verify.tebd.TEBD.leading_bonds`, the even bonds of
  even–odd) from the stacks of θ_b by total charge, which that layer builds anyway:
  :func:`begin_measurement` leaves them to it (:meth:`verify.tebd.TEBD.observe`), or computes them
  itself (:func:`verify.tensors.observation_from_rows`), the same bits either way; the other bonds at
  once (:func:`verify.tensors.bond_observation`);
* the totals ⟨Σ_i Q_i⟩ of the model's conserved charges, from the diagonals of the ρ_i.

Expectation values are those of ψ/‖ψ‖; the norm itself is recorded. The model's ``frame`` turns the
measurement into a record row (PRX Eqs. 9–14 for the PRX chain). Reduced density matrices of
fermionic sites are those of the Jordan–Wigner-mapped state; they agree with the fermionic ones for
single sites and for bosonic factors (:mod:`verify.mps.mps`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from entanglement import partial_trace, schmidt_entropies
from states.validation import require_bool
from verify.models import ChainModel, Measurement, Site, as_chain
from verify.mps import MPS, SweepResult, b_form_sweep, restricted_operator
from verify.mps.reduced import check_factor_spec
from verify.tebd.engine import TEBD, blas_threads_for
from verify.tensors import DENSE, BlockSparseBackend, Observable, blas_threads, observation_from_rows

__all__ = [
    "DENSE_MEASURE_MAX_DIM", "PARALLEL_MEASURE_MIN_DIM", "PendingMeasurement", "begin_measurement", "measure",
    "measure_engine", "site_groups",
]

DENSE_MEASURE_MAX_DIM: int = 56
"""A B-form state whose widest bond is at most this wide is measured on dense copies of its tensors
(:func:`measure_engine`): its blocks are so small that the interpreter time per block is most of a
blockwise measurement. Measured on the PRX chain (local dimensions 4 and 8, N = 75, one core,
alternated): dense 0.4–0.7× the blockwise time at χ = 6–30, 0.74× at χ = 48, 1.06× at χ = 64, 1.25–1.35×
at χ = 90, 2× at χ = 116 (to_dense included); the limit sits between the last two measured points on
either side of the crossover. Read at call time from this module
(``importlib.import_module("verify.tebd.measure")``: ``verify.tebd.measure`` is the function), where
setting it to 0 keeps every measurement blockwise."""

PARALLEL_MEASURE_MIN_DIM: int = 600
"""The blockwise B-form measurement runs its pieces (each site with its bond, each span RDM) on the
:func:`verify.tensors.svd_workers` threads only when the widest bond is at least this wide; below,
serially. Every piece is mostly interpreter time until the blocks are large, and the two threads
then only contend for the GIL. Measured on the idle 2-core machine (PRX chain, N = 75, alternated in
one process, medians): two threads against one took 1.14–1.18× the wall time at χ = 48–90 and 1.17× at
χ = 400 (with 1.6× the CPU time), and 0.69× at χ = 800; the limit lies between the last two, so runs
at the paper's χ_max = 400 measure on one thread. Read at call time from this module, like
:data:`DENSE_MEASURE_MAX_DIM`. The TEBD gates keep their own threshold
(:data:`verify.tebd.PARALLEL_BOND_MIN_DIM`)."""


def site_groups(model: Any) -> list[list[int]]:
    """Indices of identical sites (the same :class:`~verify.models.Site`), groups ordered by local
    dimension and then by their first site."""
    chain = as_chain(model)
    groups: dict[Site, list[int]] = {}
    for i, site in enumerate(chain.sites):
        groups.setdefault(site, []).append(i)
    return sorted(groups.values(), key=lambda group: (chain.sites[group[0]].dim, group[0]))


def measure(mps: MPS, model: Any, *, t: float, bonds: Sequence[np.ndarray] | None = None) -> Measurement:
    """The :class:`verify.models.Measurement` of ``mps`` at time ``t`` (module docstring).

    Parameters
    ----------
    mps : MPS
        A state of the chain (local dimensions those of the model's sites).
    model : ChainModel or parameter object (PRXChain, XXZChain, ...)
        Its observables and its ``cut`` (entropy of sites 1..cut) are measured.
    t : float
        Time stamp.
    bonds : sequence of ndarray, optional
        Bond Hamiltonians of H for the energy (default ``model.bond_hamiltonians()``).

    Raises
    ------
    ValueError
        When the local dimensions of ``mps`` are not the model's.
    """
    chain = as_chain(model)
    if tuple(mps.dims) != chain.dims:
        raise ValueError(f"the MPS has local dimensions {tuple(mps.dims)}, the model {chain.dims}")
    if bonds is None:
        bonds = chain.bond_hamiltonians()
    with blas_threads(measurement_threads(mps)):
        return _measure(mps, chain, float(t), bonds)


def measurement_threads(mps: MPS) -> int | None:
    """BLAS threads for measuring ``mps``: those of its TEBD steps (:func:`verify.tebd.blas_threads_for`:
    one for charged tensors, :func:`verify.tensors.threads_for` of χ d otherwise)."""
    return blas_threads_for(mps)


def measure_engine(
    engine: TEBD, model: Any, *, t: float | None = None, bonds: Sequence[np.ndarray] | None = None,
    exact: bool = False,
) -> Measurement:
    """The :class:`verify.models.Measurement` of a TEBD engine's current state (PRX Eqs. 9–14).

    The route depends on the engine's form:

    * sweep schemes (PRX Eq. 8): the state is exactly canonical with its centre where the last gate
      left it (site 0 at the end of a step), so the measuring QR sweep (:meth:`verify.mps.MPS.sweep`)
      runs on it directly (on a copy sharing its tensors: the next step needs the centre on site 0);
    * Vidal's B form (even–odd; TeNPy's ``TEBDEngine``): by default measured *as it is stored*
      (:func:`verify.mps.b_form_sweep`): ρ_i from C_i = √w_{i−1} B_i, the entropies from the stored
      Λ_b, ⟨h_b⟩ from C_b B_{b+1} (on the leading bonds through the row weights of C_b,
      :func:`begin_measurement`), the span RDMs from C B ⋯ B — no QR, LQ or SVD, what TeNPy measures
      in its B form (``MPS.expectation_value``, ``entanglement_entropy`` and ``get_rho_segment`` all
      contract ``get_theta`` = S B ⋯), with the bond weights w carried along the chain instead of
      the stored Λ² (equal in canonical form; they keep the charge totals at the sector's values and
      every sum rule exact, :mod:`verify.mps.sweep`). The B form is canonical only up to
      the truncation of the last updates (a kept B_L = C V† is isometric only on the kept space), so
      the values differ from those of the exact canonical form of the same tensors by O(discarded
      weight): measured at paper scale (N_e = 8, χ = 400, t = 25, accumulated truncation ε = 0.087)
      0.01 ε in n_i and ⟨σ^z_i⟩ (8.5e-4), 1e-3 in the energy, 0.04 ε in the entropy at the cut —
      far inside the run's own error (its states are off the untruncated evolution by a fidelity
      defect ≈ ε, observables by up to 2√ε) and inside the conservation checks' ‖Q‖ ε(t).
      ``tests/verify/tebd/test_measure.py`` bounds the difference by ε (entropies by the
      Fannes–Audenaert bound) and checks that the B form is measured exactly without truncation.
      Every ρ_i is a density matrix (w B B†, trace 1), so the observables' bounds hold exactly.
      While the widest bond is at most :data:`DENSE_MEASURE_MAX_DIM`, the same sweep runs on dense
      copies of the tensors (their zeros outside the blocks are exact, so every sum and charge total
      is the blockwise one up to round-off, which ``tests/verify/tebd/test_measure.py`` checks): at such
      small χ the interpreter time per block is most of the blockwise cost. From
      :data:`PARALLEL_MEASURE_MIN_DIM` on, the blockwise pieces run on threads (the same bits).
      ``exact=True`` measures the exact canonical copy instead (:meth:`verify.tebd.TEBD.canonical_mps`,
      an LQ sweep, then the QR sweep with an SVD per bond): 1.3–1.8× the CPU time at χ = 400.

    Parameters
    ----------
    engine : TEBD
    model : ChainModel or parameter object
        The chain the engine evolves.
    t : float, optional
        Time stamp (default ``engine.time``).
    bonds : sequence of ndarray, optional
        Bond Hamiltonians for the energy (default the model's).
    exact : bool
        B form only: measure the exact canonical copy instead of the stored B form. Tensors without
        charges (``backend="dense"``) are always measured exactly: the charge totals of the B form
        are exact only when the blocks carry them.
    """
    return begin_measurement(engine, model, t=t, bonds=bonds, exact=exact).complete()


class PendingMeasurement:
    """The measurement of a TEBD engine's state at one output, waiting for the energies of its leading
    bonds (:func:`begin_measurement`).

    Hand :meth:`requests` to the engine (:meth:`verify.tebd.TEBD.observe`) before it runs to the next
    output, then call :meth:`complete` with the engine. A bond the run did not observe — or every bond,
    when the engine's observations belong to another state or no engine is given — is computed here
    from the tensors of the output (:func:`verify.tensors.observation_from_rows`, one BLAS thread as in the
    gates: the same bits), so ``complete()`` alone is always right.

    Parameters
    ----------
    sweep : SweepResult or None
        The B-form sweep with its deferred bonds (None when ``done`` is given).
    chain : ChainModel
    t : float
        Time stamp.
    spans : dict
        The model's multi-site RDMs by key (the sweep's ``rdms`` in this order).
    pairs : dict of int to (tensor, tensor, Observable)
        Per deferred bond: B_b, B_{b+1} of the output and the observable of its energy.
    steps : int
        The engine's step count at the output.
    done : Measurement, optional
        A measurement with nothing deferred.
    """

    def __init__(self, sweep: SweepResult | None, chain: ChainModel, t: float, spans: dict,
                 pairs: dict[int, tuple[Any, Any, Observable]], steps: int, done: Measurement | None = None) -> None:
        self._sweep, self._chain, self._t, self._spans = sweep, chain, t, spans
        self._pairs, self._steps, self._done = pairs, steps, done

    def requests(self) -> dict[int, Observable]:
        """Bond → (h_b restricted by total charge, left weights) of every bond still missing ({} once
        complete)."""
        return {bond: observable for bond, (_, _, observable) in (self._pairs or {}).items()}

    def complete(self, engine: TEBD | None = None) -> Measurement:
        """The :class:`verify.models.Measurement`.

        Parameters
        ----------
        engine : TEBD, optional
            The engine after the run that observed the requests: its :attr:`~verify.tebd.TEBD.observed`
            values are used when they belong to this output's state (``observed_from`` equal to the
            output's step count), else ignored.

        Returns
        -------
        Measurement
            The same object on every later call.
        """
        if self._done is None:
            observed = engine.observed if engine is not None and engine.observed_from == self._steps else {}
            with blas_threads(1):  # as in the gates: BLAS reductions split over threads would change bits
                for bond, (a, b, observable) in self._pairs.items():
                    found = observed.get(bond)
                    if found is None:
                        found = observation_from_rows(a, b, observable)
                    self._sweep.set_bond(bond, *found)
            self._done = _from_sweep(self._sweep, self._chain, self._t, self._spans)
            self._sweep, self._pairs = None, None  # the output's tensors are no longer held
        return self._done


def begin_measurement(
    engine: TEBD, model: Any, *, t: float | None = None, bonds: Sequence[np.ndarray] | None = None,
    exact: bool = False,
) -> PendingMeasurement:
    """:func:`measure_engine`, with the energies of the engine's :meth:`~verify.tebd.TEBD.leading_bonds`
    left to its next run.

    The blockwise B-form route (:func:`measure_engine`) measures ⟨h_b⟩ of the leading bonds (the even
    bonds of even–odd) from the stacks of θ_b = B_b B_{b+1} by total charge, weighting row l by the
    squared row scale w_{b−1}(l)/‖B_b[l]‖² of C_b (the same value as from θ_b = C_b B_{b+1},
    :mod:`verify.mps.sweep`). The first layer of the next run builds exactly these stacks for its gates
    (:meth:`verify.tebd.TEBD.observe`), so there the energies cost a product with h_b as large as the
    gate's and column sums per stack (the rows, :func:`verify.tensors.bond_rows`, weighed after the run)
    instead of the two-site products. Measured when the gates still weighed the rows at once (one
    process; χ = 400, N_e = 5 PRX state at t = 34, alternated, medians of 10): the measurement took
    146–174 ms instead of 216–244 ms, and the step was 10–31 ms longer in three of four comparisons and
    46 ms shorter in the fourth. With gate processes the workers also observe the runs they start
    early, and measuring every output costs 11.6 % of the run (``benchmarks/tebd_measurement_cost.py``).
    Every other route (and ``exact=True``) measures everything at once; its pending measurement has no
    requests.

    Parameters
    ----------
    engine, model, t, bonds, exact
        As in :func:`measure_engine`.

    Returns
    -------
    PendingMeasurement
        Call ``complete(engine)`` after the engine's next run (or ``complete()`` at once).
    """
    if not isinstance(engine, TEBD):
        raise TypeError(f"engine must be a verify.tebd.TEBD, got {type(engine).__name__}")
    exact = require_bool("exact", exact)
    t = engine.time if t is None else t
    backend = engine.mps.backend
    chain = as_chain(model)
    if exact or engine.mps.center is not None or not (isinstance(backend, BlockSparseBackend) and backend.n_q > 0):
        with blas_threads(measurement_threads(engine.mps)):
            state = engine.canonical_mps()
        return PendingMeasurement(None, chain, t, {}, {}, engine.steps, done=measure(state, model, t=t, bonds=bonds))
    if tuple(engine.mps.dims) != chain.dims:
        raise ValueError(f"the MPS has local dimensions {tuple(engine.mps.dims)}, the model {chain.dims}")
    if bonds is None:
        bonds = chain.bond_hamiltonians()
    spans = _spans(chain)
    requests = [_span_request(chain, spec) for spec in spans.values()]
    widest = engine.mps.max_bond_dimension()
    parallel = widest >= PARALLEL_MEASURE_MIN_DIM
    backend, tensors = engine.mps.backend, list(engine.mps.tensors)
    deferred = [b for b in engine.leading_bonds() if bonds[b] is not None]
    if widest <= DENSE_MEASURE_MAX_DIM:  # exact zeros outside the blocks: the same sums, charge totals too
        backend, tensors, parallel, deferred = DENSE, [backend.to_dense(a) for a in tensors], False, []
    with blas_threads(1 if parallel else measurement_threads(engine.mps)):
        sweep = b_form_sweep(backend, tensors, engine.bond_values, bonds, requests, parallel=parallel,
                             deferred=deferred)
    pairs = {}
    for bond, (_, weights) in sweep.deferred.items():
        a, b = tensors[bond], tensors[bond + 1]
        pairs[bond] = (a, b, (restricted_operator(np.asarray(bonds[bond]), a.legs[1], b.legs[1]), weights))
    return PendingMeasurement(sweep, chain, float(t), spans, pairs, engine.steps)


def _spans(chain: ChainModel) -> dict[str, tuple[tuple[int, str], ...]]:
    """The model's RDMs of several sites (:attr:`verify.models.Observables.rdms`), by key."""
    return {key: spec for key, spec in chain.observables.rdms.items() if len(spec) > 1}


def _span_request(chain: ChainModel, spec: tuple[tuple[int, str], ...]) -> tuple[int, int, list]:
    """(first site, last site, factor spec of every site of the span) of a multi-site RDM."""
    factors = dict(zip([i for i, _ in spec], _factor_specs(chain, spec), strict=True))
    first, last = spec[0][0], spec[-1][0]
    return first, last, [check_factor_spec(i, chain.dims[i], factors[i]) if i in factors else None
                         for i in range(first, last + 1)]


def _measure(mps: MPS, chain: ChainModel, t: float, bonds: Sequence[np.ndarray]) -> Measurement:
    spans = _spans(chain)
    requests = [([i for i, _ in spec], _factor_specs(chain, spec)) for spec in spans.values()]
    return _from_sweep(mps.sweep(bonds, rdms=requests), chain, t, spans)


def _from_sweep(sweep: SweepResult, chain: ChainModel, t: float, spans: dict) -> Measurement:
    """The measurement of a sweep's results (module docstring); ``spans`` keys its span RDMs."""
    nsq = sweep.norm_squared
    rdms = [r / nsq for r in sweep.site_rdms]
    site_values, totals = _expectation_values(chain, rdms)
    bond_entropy = schmidt_entropies(sweep.schmidt)
    factor_rdms = dict(zip(spans, sweep.rdms, strict=True))
    for key, spec in chain.observables.rdms.items():
        if key not in factor_rdms:
            factor_rdms[key] = _site_factor_rdm(chain, rdms, spec[0])
    return Measurement(
        t=t,
        norm=math.sqrt(nsq),
        energy=float(np.real(sum(sweep.bond_values))) / nsq,
        entropy_cut=float(bond_entropy[chain.cut - 1]),
        site=site_values,
        total=totals,
        rdms={key: factor_rdms[key] for key in chain.observables.rdms},
        charges=chain.charge_totals([np.diagonal(rho).real for rho in rdms]),
        bond_entropy=bond_entropy,
    )


def _expectation_values(chain: ChainModel, rdms: list[np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Per-site values and totals of the model's site and total observables (module docstring)."""
    obs = chain.observables
    site_values = {key: np.empty(len(sites)) for key, (_, sites) in obs.site.items()}
    position = {key: {site: k for k, site in enumerate(sites)} for key, (_, sites) in obs.site.items()}
    totals = dict.fromkeys(obs.total, 0.0)
    for group in site_groups(chain):
        wanted = [spec for spec in (*obs.site.values(), *obs.total.values()) if set(group) & set(spec[1])]
        if not wanted:
            continue
        names = list(dict.fromkeys(op for op, _ in wanted))  # distinct operator expressions
        site = chain.sites[group[0]]
        stack = np.stack([rdms[i] for i in group])
        values = np.einsum("kij,aji->ka", stack, np.stack([site.op(name) for name in names])).real
        for key, (op, _) in obs.site.items():
            rows = [k for k, i in enumerate(group) if i in position[key]]
            if rows:
                site_values[key][[position[key][group[k]] for k in rows]] = values[rows, names.index(op)]
        for key, (op, sites) in obs.total.items():
            rows = [k for k, i in enumerate(group) if i in set(sites)]
            if rows:  # rows summed in order, as one (rows, operators) block
                totals[key] += values[rows].sum(axis=0)[names.index(op)]
    return site_values, {key: float(value) for key, value in totals.items()}


def _site_factor_rdm(chain: ChainModel, rdms: list[np.ndarray], spec: tuple[int, str]) -> np.ndarray:
    """ρ of a named tensor factor of one site: the partial trace of its ρ_i over the other factors."""
    index, factor = spec
    site = chain.sites[index]
    dims = site.factor_dims()
    if len(dims) == 1:
        return rdms[index].copy()
    return partial_trace(rdms[index], [site.factor_position(factor)], dims=list(dims))


def _factor_specs(chain: ChainModel, spec: tuple[tuple[int, str], ...]) -> list[tuple[tuple[int, ...], tuple[int]]]:
    """The (factor dims, kept factor) of every listed site, for :meth:`verify.mps.MPS.sweep` (``rdms=``)."""
    return [(chain.sites[i].factor_dims(), (chain.sites[i].factor_position(name),)) for i, name in spec]
