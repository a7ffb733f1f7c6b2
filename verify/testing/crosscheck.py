"""Cross-checks: exact evolution against TEBD for any chain model, the PRX Eq. 15 MPS against closed forms.

* :func:`crosscheck` runs :func:`verify.records.simulate_exact` and :func:`verify.records.simulate_tebd`
  on the same chain model (:class:`verify.models.ChainModel` or its parameters: PRX chain, XXZ chain,
  …) and returns the largest deviation of every observable both records hold;
* :func:`crosscheck_prx` is the same for a :class:`verify.models.PRXChain` with its historic
  parameters (``dt``, ``chi_max``, ``trunc``, ``order``; ``initial="slater"``) and observables
  (:data:`PRX_OBSERVABLES`);
* :func:`crosscheck_stt` builds the PRX Eq. 15 state as an exact MPS (:func:`verify.mps.stt_mps`),
  measures S_1, S_{1,N_FM}, I(1|N_FM), Q_MW and block entropies with the MPS code and compares with
  :mod:`entanglement.closed_form`;
* :func:`sector_to_site_basis` and :func:`sector_state_to_mps` map an exact-evolver state vector into
  the MPS product basis, so MPS and exact states can be compared amplitude by amplitude.

Tolerances
----------
By default every compared observable gets :data:`DEFAULT_TOLERANCE` = 1e-3, an accuracy target (the
per-key table of a model is :func:`crosscheck_tolerances`). A second-order Trotter step leaves a global
state error ≈ c t δt² with c ~ ‖[h_a, [h_a, h_b]]‖/12 = O(J³) for bond couplings J of order 1, i.e.
≈ 1e-3 at t = 10, δt = 0.03 (order 2) or δt = 0.1 (order 4, error O(t δt⁴)). Observables bounded by 1
(spins in Pauli units, densities, purities) or by a few nats (entropies, mutual information) deviate by
at most about that; the conserved totals (``n_electrons``, ``total_spin_z``) and the norm much less
(the gates conserve the charges exactly; only the truncation error ε(t) and, for ``initial="model"``,
the difference of the two initial states enter). The energy is extensive: at fixed δt its Trotter
deviation grows with the number of bonds, so long chains, larger δt or longer times need looser
tolerances (``--tol energy=...``). A coarse δt or a loose truncation fails this target.

``tolerances="budget"`` instead allows what the run's settings explain: the bound of
:mod:`verify.testing.error_budget` from the initial states, the Trotter order and δt, and the
accumulated truncation error (δ_trunc = √(n ε(t)) for n steps: more steps at the same ``trunc``
accumulate more). Every result carries that budget per key; when a key fails, the comparison is split
by measurement (an untruncated TEBD run at the same δt) and ``advice`` says what dominates — Trotter
(``--dt``/``--order``) or truncation (``--chi-max``/``--trunc``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from entanglement import meyer_wallach_from_rdms, mutual_information, von_neumann_entropy
from states.validation import require_choice, require_int
from verify.exact import ExactEvolver, SectorBasis
from verify.models import APPROXIMATE_RECORD_KEYS, GroundState, PRXChain, as_chain, record_schema
from verify.mps import MPS, stt_mps
from verify.records import simulate_exact, simulate_tebd
from verify.tebd import TEBDOptions, initial_mps
from verify.tensors import SVD_FLOOR, blas_threads, threads_for
from verify.testing.error_budget import BUDGET_BASE, advice, diagnose, error_budget, state_error

__all__ = [
    "DEFAULT_TOLERANCE",
    "INITIAL_STATES",
    "PRX_OBSERVABLES",
    "PRX_TOLERANCES",
    "STT_ROUNDOFF",
    "TOLERANCE_POLICIES",
    "UNTRUNCATED_CHI",
    "compared_keys",
    "crosscheck",
    "crosscheck_prx",
    "crosscheck_stt",
    "crosscheck_tolerances",
    "exact_initial_mps",
    "exceeded",
    "sector_state_to_mps",
    "sector_to_site_basis",
    "site_dims",
    "site_indices",
    "stt_measurements",
    "stt_tolerances",
]

DEFAULT_TOLERANCE = 1e-3
"""Default tolerance of every observable compared by :func:`crosscheck` (module docstring)."""

TOLERANCE_POLICIES = ("target", "budget")
"""Tolerance policies of :func:`crosscheck` besides an explicit table: :data:`DEFAULT_TOLERANCE` per key
(an accuracy target), or the run's error budget (:mod:`verify.testing.error_budget`)."""

UNTRUNCATED_CHI = 10**6
"""χ_max of the untruncated companion run of a failed cross-check (the model is exact-sized, so the exact
state's bond dimensions, ≤ √(sector dimension) per cut, are far below)."""

INITIAL_STATES = ("model", "exact")
"""TEBD initial states of :func:`crosscheck`: the TEBD driver's own MPS of the model's recipe, or the
exact evolver's initial state converted by :func:`sector_state_to_mps`."""

PRX_OBSERVABLES = (
    "spin",
    "spin_purity",
    "electron_spin",
    "density",
    "spin_density_z",
    "entropy_cut",
    "mutual_info_edges",
    "meyer_wallach",
    "energy",
    "n_electrons",
    "total_spin_z",
)
"""Record keys compared by :func:`crosscheck_prx` (max over times and components of |exact − TEBD|)."""

PRX_TOLERANCES: dict[str, float] = dict.fromkeys(PRX_OBSERVABLES, DEFAULT_TOLERANCE)
"""Default tolerances of ``python -m verify crosscheck prx`` (:data:`DEFAULT_TOLERANCE`; module
docstring). The initial states agree to 1 − |⟨ψ_MPS|ψ_exact⟩| ≲ 1e-9 on instances where the well is
well separated from the FM region (``tests/verify/tebd/test_tebd.py``). Runs with larger δt or longer times need
looser ``--tol``."""

STT_ROUNDOFF = 1e-10
"""Round-off allowance of ``crosscheck stt``: the MPS of PRX Eq. 15 is exact, so only round-off
remains. Each QR step and contraction adds ~ε = 2.2e-16 relative error; over n ≤ 200 sites and
χ ≤ 101 that is ≲ 1e-13 in the RDMs, and an entropy inherits it times |ln p| ≲ 40 for the smallest
relevant eigenvalues. 1e-10 leaves a factor ~100 above that estimate."""


# ---------------------------------------------------------------------------------- exact ↔ MPS states
def site_dims(model: Any) -> list[int]:
    """Local dimensions of the MPS sites of a chain model (PRX: 4(2S+1) on the FM sites, 4 elsewhere)."""
    return list(as_chain(model).dims)


def sector_to_site_basis(basis: SectorBasis, psi: np.ndarray) -> np.ndarray:
    """An exact-evolver state as a vector of the MPS product basis (first site most significant).

    The sector basis is a subset of that product basis — the Jordan–Wigner Fock basis, site by site
    (:mod:`verify.exact.sector`) — so the map is a sign-free scatter.
    """
    out = np.zeros(math.prod(basis.model.dims), dtype=complex)
    out[basis.product_indices()] = psi
    return out


def site_indices(basis: SectorBasis) -> np.ndarray:
    """Local MPS-basis index of every site for every basis state, shape (N, dim)."""
    return basis.digits.astype(np.int64)


def sector_state_to_mps(basis: SectorBasis, psi: np.ndarray) -> MPS:
    """An exact-evolver state as an MPS, by sequential SVD without forming the Π d_i vector.

    After k sites the state is Σ_α |L_α⟩ ⊗ Σ_s C[α, s] |suffix s⟩ over the distinct suffixes
    (configurations of sites k..N−1) that occur in the sector; splitting suffix s = (p_k, s') turns C
    into a (χ d_k) × (#suffixes after k+1) matrix whose SVD gives the next tensor. Singular values
    below :data:`verify.tensors.SVD_FLOOR` (relative) are dropped. Cost: loops over sites only.

    Returns
    -------
    MPS
        Left-canonical, centre on the last site, in the basis of :func:`sector_to_site_basis`.
    """
    model = basis.model
    dims = list(model.dims)
    n = model.n_sites
    psi = np.asarray(psi, dtype=complex)
    if psi.shape != (basis.dim,):
        raise ValueError(f"state has shape {psi.shape}, expected ({basis.dim},)")
    local = site_indices(basis)
    # suffix ids: suffix[k][b] = id of (p_k, ..., p_{N-1}) of basis state b; suffix[N] = 0
    suffix = [np.zeros(basis.dim, dtype=np.int64) for _ in range(n + 1)]
    for k in range(n - 1, -1, -1):
        key = suffix[k + 1] * dims[k] + local[k]
        _, suffix[k] = np.unique(key, return_inverse=True)
    coeff = np.zeros((1, basis.dim), dtype=complex)
    coeff[0, suffix[0]] = psi
    tensors = []
    for k in range(n):
        chi, d = coeff.shape[0], dims[k]
        n_next = int(suffix[k + 1].max()) + 1
        # representative basis state of every suffix s at step k gives (p_k, s')
        s_ids, rep = np.unique(suffix[k], return_index=True)
        m = np.zeros((chi, d, n_next), dtype=complex)
        m[:, local[k, rep], suffix[k + 1][rep]] = coeff[:, s_ids]
        m = m.reshape(chi * d, n_next)
        if k == n - 1:
            tensors.append(m.reshape(chi, d, 1))
            break
        u, sv, vh = np.linalg.svd(m, full_matrices=False)
        keep = max(1, int(np.count_nonzero(sv > SVD_FLOOR * sv[0])))
        tensors.append(u[:, :keep].reshape(chi, d, keep))
        coeff = sv[:keep, None] * vh[:keep]
    return MPS(tensors, center=n - 1)


def exact_initial_mps(model: Any) -> MPS:
    """The exact evolver's initial state of a chain model (e.g. the ground state of H + H_prep, PRX
    Eq. 5, by Lanczos) as an MPS (:func:`sector_state_to_mps`)."""
    evolver = ExactEvolver(as_chain(model))
    return sector_state_to_mps(evolver.basis, evolver.initial_state())


# ---------------------------------------------------------------------------------- comparisons
def exceeded(deviations: Mapping[str, float], tolerances: Mapping[str, float]) -> list[str]:
    """Names whose deviation exceeds its tolerance (NaN deviations count as exceeded).

    Raises
    ------
    ValueError
        For a tolerance of a name that has no deviation.
    """
    unknown = sorted(set(tolerances) - set(deviations))
    if unknown:
        raise ValueError(f"tolerances for unknown observables {unknown}; known: {sorted(deviations)}")
    return [k for k, tol in tolerances.items() if not deviations[k] <= tol]


def _max_abs_difference(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    both_nan = np.isnan(a) & np.isnan(b)  # NaN by design in both records (e.g. no edge spins) agrees
    diff = np.where(both_nan, 0.0, np.abs(a - b))
    return float(np.max(diff)) if diff.size else 0.0


def compared_keys(model: Any, cut: int | None = None) -> tuple[str, ...]:
    """The record keys :func:`crosscheck` compares: every key of the model's record schema
    (:func:`verify.models.record_schema`) but ``t`` and the MPS-only keys."""
    schema = record_schema(model, cut)
    return tuple(key for key in schema.keys if key != "t" and key not in APPROXIMATE_RECORD_KEYS)


def crosscheck_tolerances(model: Any, cut: int | None = None) -> dict[str, float]:
    """Default tolerance of every key :func:`crosscheck` compares: :data:`DEFAULT_TOLERANCE` (module
    docstring). XXZ chain: ``norm``, ``energy``, ``entropy_cut``, ``spin_z``, ``total_spin_z``; PRX
    chain: the keys of :data:`verify.models.PRX_RECORD_KEYS`."""
    return dict.fromkeys(compared_keys(model, cut), DEFAULT_TOLERANCE)


def _check_tolerances(keys: tuple[str, ...], tolerances: Mapping[str, float] | str | None) -> dict[str, float] | str:
    """The fixed tolerance table, or ``"budget"``; unknown names fail before any work."""
    if isinstance(tolerances, str):
        require_choice("tolerances", tolerances, TOLERANCE_POLICIES)
        return dict.fromkeys(keys, DEFAULT_TOLERANCE) if tolerances == "target" else tolerances
    tolerances = dict.fromkeys(keys, DEFAULT_TOLERANCE) if tolerances is None else dict(tolerances)
    exceeded(dict.fromkeys(keys, 0.0), tolerances)
    return tolerances


def _initial_states(chain: Any, initial: str) -> tuple[MPS | None, float]:
    """The TEBD initial MPS (None: the driver's own) and δ_0, its distance from the exact initial state.

    Only a ground-state recipe differs between the evolvers (the MPS evolver starts from its guess), so
    only then is the exact state computed for δ_0 (:mod:`verify.testing.error_budget`)."""
    if initial == "exact":
        return exact_initial_mps(chain), 0.0
    if not isinstance(chain.initial, GroundState):
        return None, 0.0
    own, _ = initial_mps(chain)
    reference = exact_initial_mps(chain)
    fidelity = abs(own.overlap(reference)) / (own.norm() * reference.norm())
    return None, math.sqrt(max(2.0 * (1.0 - fidelity), 0.0))


def _diagnosis(chain: Any, result: dict[str, Any], options: TEBDOptions, psi0: MPS | None, **grid: Any) -> None:
    """On a failure: the untruncated companion run, the measured split and the advice (in place)."""
    tebd = result["tebd"]
    initial = {key: terms["initial"] for key, terms in result["budget"].items()}
    untruncated = simulate_tebd(chain, options=options.replace(trunc=0.0, chi_max=UNTRUNCATED_CHI), psi0=psi0,
                                **grid)
    split = diagnose(result["exact"].arrays, tebd.arrays, untruncated.arrays, result["exceeded"], initial)
    chi_limited = bool(np.sum(tebd.arrays.get("truncation_limited_steps", 0)) > 0)
    result["diagnosis"] = split
    result["advice"] = list(dict.fromkeys(advice(entry["dominant"], chi_limited=chi_limited)
                                          for entry in split.values()))


def crosscheck(
    model: Any,
    *,
    t_max: float,
    dt_out: float,
    options: TEBDOptions | None = None,
    cut: int | None = None,
    initial: str = "model",
    tolerances: Mapping[str, float] | str | None = None,
    keys: Sequence[str] | None = None,
    overrides: Mapping[str, float] | None = None,
    diagnose_failures: bool = True,
) -> dict[str, Any]:
    """Largest deviation per observable between exact evolution and TEBD on the same chain model.

    Parameters
    ----------
    model : ChainModel or parameter object (PRXChain, XXZChain, ...)
        Small enough for the exact evolver (:func:`verify.records.simulate_exact`, sector in memory).
    t_max, dt_out : float
        Final time and output spacing (the model's time unit).
    options : verify.tebd.TEBDOptions, optional
        δt, χ_max, truncation, Trotter order, scheme, backend (default ``TEBDOptions()``: the paper's δt, χ_max and
        truncation, PRX Sec. III, with the even–odd scheme).
    cut : int, optional
        Entropy subsystem = sites 1..cut (1-based); default the model's.
    initial : {"model", "exact"}
        TEBD initial state: the TEBD driver's own MPS of the model's recipe (default: compares the two
        pipelines as a user runs them), or the exact evolver's initial state converted by
        :func:`sector_state_to_mps` (isolates the Trotter and truncation errors). The two agree for
        product initial states (XXZ).
    tolerances : mapping, "target" or "budget", optional
        Name → tolerance; ``None`` or ``"target"``: :data:`DEFAULT_TOLERANCE` for every key (an accuracy
        target: a coarse δt or a loose truncation fails it); ``"budget"``: :data:`BUDGET_BASE`
        plus the run's error budget — the bound the initial states, the Trotter
        order and δt, and the accumulated truncation error allow (:mod:`verify.testing.error_budget`).
    keys : sequence of str, optional
        Compare only these record keys (default :func:`compared_keys`).
    overrides : mapping, optional
        Name → tolerance replacing the policy's for those keys (the command line's ``--tol``).
    diagnose_failures : bool
        When a key exceeds its tolerance, run TEBD once more without truncation (same δt, order and
        initial state) and split each failed deviation into its measured Trotter and truncation parts.

    Returns
    -------
    dict
        ``deviations`` (key → max |exact − TEBD| over times and components; NaN for a key one record
        lacks), ``missing`` (those keys), ``tolerances``, ``exceeded`` (keys above tolerance), ``exact``
        and ``tebd`` (the two RunResults), ``state_error`` (:class:`StateError`
        as a dict), ``budget`` (key → bound per source), ``diagnosis`` (exceeded key →
        measured ``initial``/``trotter``/``truncation`` parts and the ``dominant`` one; empty on success)
        and ``advice`` (what to change, one line per dominant source).

    Raises
    ------
    TypeError
        When ``model`` is not a chain model or ``options`` not a :class:`~verify.tebd.TEBDOptions`.
    ValueError
        For an unknown ``initial`` or tolerance policy, tolerances or keys of unknown observables (before
        any work).
    """
    chain = as_chain(model)
    require_choice("initial", initial, INITIAL_STATES)
    if options is not None and not isinstance(options, TEBDOptions):
        raise TypeError(f"options must be a verify.tebd.TEBDOptions, got {type(options).__name__}")
    options = options if options is not None else TEBDOptions()
    known = compared_keys(chain, cut)
    keys = known if keys is None else tuple(keys)
    exceeded(dict.fromkeys(known, 0.0), dict.fromkeys(keys, 0.0))  # unknown keys fail before any work
    policy = _check_tolerances(keys, tolerances)
    overrides = dict(overrides or {})
    exceeded(dict.fromkeys(keys, 0.0), overrides)
    exact = simulate_exact(chain, t_max=t_max, dt_out=dt_out, cut=cut)
    psi0, distance = _initial_states(chain, initial)
    tebd = simulate_tebd(chain, t_max=t_max, dt_out=dt_out, options=options, cut=cut, psi0=psi0)
    missing = [key for key in keys if key not in exact.arrays or key not in tebd.arrays]
    deviations = {
        key: math.nan if key in missing else _max_abs_difference(exact.arrays[key], tebd.arrays[key]) for key in keys
    }
    t_end = float(tebd.arrays["t"][-1])
    error = state_error(chain, options, float(tebd.arrays["truncation_error"][-1]), t_end, initial=distance)
    budget = error_budget(chain, options, keys, error, cut)
    if policy == "budget":
        policy = {key: BUDGET_BASE + (budget[key].bound if key in budget else 0.0) for key in keys}
    policy = {**policy, **overrides}
    result = {
        "deviations": deviations, "missing": missing, "tolerances": policy, "exceeded": exceeded(deviations, policy),
        "exact": exact, "tebd": tebd, "state_error": error.to_dict(),
        "budget": {key: terms.to_dict() for key, terms in budget.items()}, "diagnosis": {}, "advice": [],
    }
    if result["exceeded"] and diagnose_failures:
        _diagnosis(chain, result, options, psi0, t_max=t_max, dt_out=dt_out, cut=cut)
    return result


def crosscheck_prx(
    model: PRXChain,
    *,
    t_max: float,
    dt_out: float,
    dt: float | None = None,
    chi_max: int | None = None,
    trunc: float | None = None,
    order: int | None = None,
    scheme: str | None = None,
    cut: int | None = None,
    initial: str = "slater",
    tolerances: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """:func:`crosscheck` of a PRX chain with the historic parameters and observables.

    Parameters
    ----------
    model : PRXChain
        Small enough for the exact evolver (sector in memory).
    t_max, dt_out, cut
        As in :func:`crosscheck`.
    dt, chi_max, trunc, order, scheme : optional
        TEBD parameters (:class:`verify.tebd.TEBDOptions`; default the paper's δt 0.1, χ 400,
        trunc 1e-7, order 2, with the even–odd scheme; ``scheme="prx"`` for PRX Eq. 8).
    initial : {"slater", "exact"}
        TEBD initial state: its own Slater-determinant MPS (``"model"`` of :func:`crosscheck`), or the
        exact evolver's ground state of H + H_VB (PRX Eq. 5) converted by :func:`sector_state_to_mps`.
    tolerances : mapping or "budget", optional
        Name → tolerance (default :data:`PRX_TOLERANCES`), or the run's error budget (:func:`crosscheck`).

    Returns
    -------
    dict
        As :func:`crosscheck`, with the keys :data:`PRX_OBSERVABLES`.
    """
    if not isinstance(model, PRXChain):
        raise TypeError(f"model must be a PRXChain, got {type(model).__name__}")
    require_choice("initial", initial, ("slater", "exact"))
    given = {"dt": dt, "chi_max": chi_max, "trunc": trunc, "order": order, "scheme": scheme}
    options = TEBDOptions(**{name: value for name, value in given.items() if value is not None})
    return crosscheck(
        model, t_max=t_max, dt_out=dt_out, options=options, cut=cut,
        initial="model" if initial == "slater" else "exact",
        tolerances=PRX_TOLERANCES if tolerances is None else tolerances, keys=PRX_OBSERVABLES,
    )


# ---------------------------------------------------------------------------------- PRX Eq. 15
def stt_tolerances(n_e: int, n_fm: int) -> dict[str, float]:
    """Default tolerances of ``crosscheck stt``: :data:`STT_ROUNDOFF` for every quantity.

    (Schmidt spectra are passed to :mod:`entanglement` as probability vectors, whose tiny entries
    are kept as data — they are not zeroed as eigensolver round-off — so no further allowance is
    needed for the block entropies; measured deviation ≈ 2e-15 at N_e = N_FM = 100.)
    """
    return dict.fromkeys(("S_1", "S_N_FM", "S_1_N_FM", "I_1_N_FM", "Q_MW", "block_entropy"), STT_ROUNDOFF)


def stt_measurements(n_e: int, n_fm: int) -> dict:
    """S_1, S_N_FM, S_{1,N_FM}, I(1|N_FM), Q_MW and all block entropies of PRX Eq. 15, from its MPS.

    Localized spin i is qubit N_e + i − 1 (electrons first). Block entropies S(m) are those of the
    first m qubits (m = 1..n−1), from the Schmidt values; by permutation symmetry they equal the
    entropy of any m spins. Entries that need two localized spins are NaN for N_FM = 1.
    """
    mps = stt_mps(n_e, n_fm)
    with blas_threads(threads_for(2 * mps.max_bond_dimension())):
        sweep = mps.sweep()
        edge = mps.rdm([n_e, n_e + n_fm - 1]) if n_fm >= 2 else None
    nsq = sweep.norm_squared
    rdms = [r / nsq for r in sweep.site_rdms]
    first, last = n_e, n_e + n_fm - 1
    out = {
        "S_1": von_neumann_entropy(rdms[first]) if n_fm >= 1 else math.nan,
        "S_N_FM": von_neumann_entropy(rdms[last]) if n_fm >= 1 else math.nan,
        "Q_MW": meyer_wallach_from_rdms(np.stack(rdms)),
        "block_entropy": np.array([von_neumann_entropy(s**2 / nsq) for s in sweep.schmidt]),
        "max_bond_dimension": mps.max_bond_dimension(),
    }
    if edge is not None:
        out["S_1_N_FM"] = von_neumann_entropy(edge)
        out["I_1_N_FM"] = mutual_information(edge, [0], [1], dims=[2, 2])
    else:
        out["S_1_N_FM"] = out["I_1_N_FM"] = math.nan
    return out


def crosscheck_stt(n_e: int, n_fm: int, *, tolerances: Mapping[str, float] | None = None) -> dict:
    """Compare the MPS measurements of PRX Eq. 15 with :mod:`entanglement.closed_form` (mpmath twins).

    Returns
    -------
    dict
        ``deviations`` (name → |MPS − closed form|, block entropies: max over m), ``mps`` and
        ``closed_form`` values, ``tolerances``, ``exceeded``, ``max_bond_dimension``.

    Raises
    ------
    TypeError
        For non-integer sizes.
    ValueError
        For N_FM < 1 (the state needs a localized spin) or N_e < 0.
    """
    from entanglement import closed_form as cf

    n_fm = require_int("n_fm", n_fm, minimum=1)
    n_e = require_int("n_e", n_e, minimum=0)
    defaults = stt_tolerances(n_e, n_fm)
    tolerances = dict(defaults if tolerances is None else tolerances)
    exceeded(dict.fromkeys(defaults, 0.0), tolerances)  # unknown names fail before any work
    got = stt_measurements(n_e, n_fm)
    n = n_e + n_fm
    ref = {
        "S_1": float(cf.single_spin_entropy_mp(n_e, n_fm)),
        "Q_MW": float(cf.meyer_wallach_mp(n_e, n_fm)),
        "block_entropy": np.array([float(cf.block_entropy_mp(n_e, n_fm, m)) for m in range(1, n)]),
    }
    ref["S_N_FM"] = ref["S_1"]
    if n_fm >= 2:
        ref["S_1_N_FM"] = float(cf.two_spin_entropy_mp(n_e, n_fm))
        ref["I_1_N_FM"] = float(cf.mutual_information_mp(n_e, n_fm))
    else:
        ref["S_1_N_FM"] = ref["I_1_N_FM"] = math.nan
    deviations = {key: _max_abs_difference(got[key], ref[key]) for key in defaults}
    return {
        "deviations": deviations,
        "mps": {k: got[k] for k in defaults},
        "closed_form": ref,
        "tolerances": tolerances,
        "exceeded": exceeded(deviations, tolerances),
        "max_bond_dimension": got["max_bond_dimension"],
    }
