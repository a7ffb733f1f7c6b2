"""Exact runs of chain models and of the pair model, written as run records.

* :func:`simulate_exact` — any chain model (:class:`verify.models.ChainModel` or its parameters:
  :class:`~verify.models.PRXChain`, :class:`~verify.models.XXZChain`, …) through
  :class:`verify.exact.ExactEvolver`: the model's initial state (for the PRX chain the ground state of
  H + H_VB, PRX Eq. 5), evolved without Trotter error with H (PRX Eqs. 2–4), the model's observables
  on the grid 0, dt_out, …, t_max (PRX Eqs. 9–14);
* :func:`simulate_prx_exact` — the same for a :class:`~verify.models.PRXChain` (the name the package
  has always had);
* :func:`simulate_pair` — the pair paper's Eq. 2 in first quantization (:mod:`verify.exact.pair`).

Every run feeds one :class:`verify.records.Recorder` and gets its metadata from
:func:`verify.records.run_meta`; keys as documented in ``docs/run_records.md``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from states.validation import is_real, require_choice, require_int, require_real
from verify.exact import (
    PAIR_PROBABILITY_COLUMNS,
    ChebyshevStats,
    ExactEvolver,
    PairHamiltonian,
    PairObservables,
    embed_initial_state,
    evolve,
    user_sector_vector,
)
from verify.exact.pair import pair_initial_state
from verify.exact.sector import MAX_SECTOR_DIM
from verify.models import (
    PAIR_STATES,
    PAIR_UNITS,
    ChainModel,
    GroundState,
    PairOnRing,
    ProductState,
    PRXChain,
    SlaterDeterminant,
    as_chain,
)
from verify.records.recorder import Recorder, run_meta
from verify.records.run import RunResult, output_times

__all__ = ["PAIR_TOL", "Progress", "check_progress", "simulate_exact", "simulate_pair", "simulate_prx_exact"]

Progress = Callable[[float], None]
"""``progress(fraction)``: called with the fraction of the run done, in [0, 1] (every evolver)."""


def check_progress(progress: object) -> Progress | None:
    """``progress`` if it is None or callable (checked by every driver before any work).

    Raises
    ------
    TypeError
        For anything else (e.g. ``True``, a number, a string).
    """
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be None or a callable progress(fraction), got {progress!r}")
    return progress

PAIR_TOL = 1e-12
"""Chebyshev truncation tolerance per window of the pair runs (:mod:`verify.exact.chebyshev`)."""


def _fraction(t: float, t_end: float) -> float:
    return float(t) / float(t_end) if t_end > 0 else 1.0


def _with_recipe(model: Any, psi0: object) -> tuple[ChainModel, object]:
    """The chain model, with a recipe ``psi0`` (ProductState, SlaterDeterminant, GroundState) as its
    initial state; a vector ``psi0`` is returned for :func:`verify.exact.user_sector_vector`."""
    chain = as_chain(model)
    if isinstance(psi0, (ProductState, SlaterDeterminant, GroundState)):
        return dataclasses.replace(chain, initial=psi0), None
    return chain, psi0


def simulate_exact(
    model: Any,
    *,
    t_max: float,
    dt_out: float,
    cut: int | None = None,
    progress: Progress | None = None,
    max_dim: int = MAX_SECTOR_DIM,
    psi0: Any = None,
) -> RunResult:
    """Exact evolution of a chain model from its initial state (module docstring).

    Parameters
    ----------
    model : ChainModel or parameter object
        E.g. :class:`~verify.models.PRXChain`, :class:`~verify.models.XXZChain`.
    t_max, dt_out : float
        Final time and output spacing (the model's time unit, ħ/γ for the PRX chain).
    cut : int, optional
        Entropy subsystem = sites 1..cut (1-based); default the model's ((N + 1)//2).
    progress : callable, optional
        ``progress(fraction)`` after every output time.
    max_dim : int
        Largest sector the run may build (:data:`verify.exact.sector.MAX_SECTOR_DIM`, ≈ 1 kB per state).
    psi0 : array_like or initial-state recipe, optional
        Initial state replacing the model's: a vector of the model's sector basis (length
        ``sector_dim``) or of the full product basis (length Π d_i, first site most significant,
        :mod:`states.conventions` site bases; it must lie in the sector), normalized here
        (:func:`verify.exact.user_sector_vector`); or a recipe (:class:`~verify.models.ProductState`,
        :class:`~verify.models.SlaterDeterminant`, :class:`~verify.models.GroundState`) that replaces the
        model's (the TEBD driver takes the same recipe through ``dataclasses.replace(chain,
        initial=recipe)``, or an MPS as its ``psi0``).

    Returns
    -------
    RunResult
        The model's record keys (``docs/run_records.md``); meta from :func:`verify.records.run_meta`
        plus ``sector_dim``, ``sector_two_sz``, ``ground_state`` (when the initial state is one) and
        ``propagator``. ``initial_state`` is ``{"label": <recipe label>}`` for the model's recipe,
        ``{"label": <its label>, "source": "recipe"}`` for a recipe ``psi0`` and ``{"label": "psi0",
        "source": "psi0", "basis": "sector" | "product", "input_norm", ["outside_sector_weight"]}`` for
        a vector.

    Raises
    ------
    TypeError
        When ``model`` is not a chain model, ``max_dim`` not an integer (bools refused) or
        ``progress`` neither None nor callable — all checked before any basis is built.
    ValueError
        For a sector beyond ``max_dim`` (or ``max_dim`` < 1), a bad time grid, a bad cut or a ``psi0``
        of the wrong length or outside the sector.
    """
    start = time.perf_counter()
    times = output_times(t_max, dt_out)
    max_dim = require_int("max_dim", max_dim, minimum=1)
    progress = check_progress(progress)
    chain, vector = _with_recipe(model, psi0)
    evolver = ExactEvolver(chain, cut=cut, max_dim=max_dim)
    initial: dict[str, Any] = {} if psi0 is None else {"label": chain.initial.label, "source": "recipe"}
    if vector is not None:
        vector, info = user_sector_vector(evolver.basis, vector)
        initial = {"label": "psi0", "source": "psi0", **info}
    recorder = Recorder(evolver.model)
    if progress is not None:
        progress(0.0)
    for measurement in evolver.run(times, psi0=vector):
        recorder.add_measurement(measurement)
        if progress is not None:
            progress(_fraction(measurement.t, times[-1]))
    meta = run_meta(  # initial_state: {"label"}; a ground state's energy and residual under ground_state
        evolver.model, method="exact", times=times, t_max=t_max, dt_out=dt_out, cut=evolver.model.cut,
        sector_dim=evolver.basis.dim, sector_two_sz=evolver.model.sector.get("2Sz"), initial_state=initial,
        **{key: value for key, value in evolver.info.items() if key not in ("sector_dim", "sector")},
    )
    return recorder.result(meta, wall_start=start)


def simulate_prx_exact(
    model: PRXChain,
    *,
    t_max: float,
    dt_out: float,
    cut: int | None = None,
    progress: Progress | None = None,
    max_dim: int = MAX_SECTOR_DIM,
) -> RunResult:
    """Exact evolution of the PRX chain from the ground state of H + H_{V,B} (PRX Secs. II–VII).

    Prepares the ground state of H + H_{V,B} (Eqs. 1–5, Lanczos), switches H_{V,B} off at t = 0 and
    propagates with H = H_e + H_spins + H_e-spins (Eqs. 2–4) without Trotter error, recording the
    observables of Eqs. 9–14 on the grid 0, dt_out, …, t_max. :func:`simulate_exact` for a PRXChain.

    Raises
    ------
    TypeError
        Unless ``model`` is a :class:`~verify.models.PRXChain`.
    """
    if not isinstance(model, PRXChain):
        raise TypeError(f"model must be a PRXChain, got {type(model).__name__}")
    return simulate_exact(model, t_max=t_max, dt_out=dt_out, cut=cut, progress=progress, max_dim=max_dim)


def _pair_arguments(model: PairOnRing, pair: str, theta: float | None) -> float | None:
    if not isinstance(model, PairOnRing):
        raise TypeError(f"model must be a PairOnRing, got {type(model).__name__}")
    require_choice("pair", pair, PAIR_STATES)
    if pair == "theta":
        message = f"pair='theta' needs a finite theta, got {theta!r}"
        if theta is None:
            raise ValueError(message)
        if not is_real(theta):
            raise TypeError(message)
        try:
            return require_real("theta", theta)
        except ValueError:  # NaN, ±inf, an int beyond the float range
            raise ValueError(message) from None
    if theta is not None:
        raise ValueError(f"theta is only used with pair='theta', got theta={theta!r} for pair={pair!r}")
    return None


def _pair_meta(model: PairOnRing, pair: str, theta: float | None, ham: PairHamiltonian, two_sz: int) -> dict:
    norm_el, norm_loc = model.normalizations
    units = {
        **PAIR_UNITS,
        "sigma_z": "Pauli (±1 per electron)",
        "S_z": f"{norm_loc} normalization ({'±1/2' if norm_loc == 'half' else '±1'} per localized spin)",
        "sz_total": "total 2S^z (±1 per spin-1/2)",
        "electron_sigma_normalization_in_H": norm_el,
    }
    meta = {
        "pair": pair, "theta": theta, "tol": PAIR_TOL, "sector_dim": ham.sector.dim,
        "state_dim": int(np.prod(ham.shape)), "two_sz": two_sz,
        "pair_probability_columns": list(PAIR_PROBABILITY_COLUMNS), "units": units,
    }
    if pair == "single-down":
        meta["pair_probabilities_note"] = "NaN: one electron has no pair spin state"
    return meta


def simulate_pair(
    model: PairOnRing,
    pair: str,
    *,
    theta: float | None = None,
    t_max: float = 60.0,
    dt_out: float = 0.5,
    progress: Progress | None = None,
    tol: float = PAIR_TOL,
) -> RunResult:
    """Exact evolution of the pair paper's Eq. 2 from one of its initial states; time series of Eqs. 5–6.

    Parameters
    ----------
    model : PairOnRing
        All model parameters (``terms`` selects the sd part of Eq. 7).
    pair : {"singlet", "triplet+1", "triplet0", "triplet-1", "theta", "single-down"}
        Initial electron state: a pair of Eq. 3 with the named spin state, the θ state of Eq. 8, or
        one spin-↓ electron at x2. Localized spins start all ↑ (ferromagnetic ground state along +z).
    theta : float, optional
        Relative phase θ of Eq. 8; required iff ``pair == "theta"``.
    t_max, dt_out : float
        Final time (≥ 0) and output spacing (> 0), in fs; outputs at 0, dt_out, … ≤ t_max.
    progress : callable, optional
        Called after each output with the fraction of the run done (t / t_max, in [0, 1]).
    tol : float
        Chebyshev truncation tolerance per window.

    Returns
    -------
    RunResult
        arrays: ``t`` (fs), ``sigma_z`` (Eq. 5, Pauli units), ``S_z`` (Eq. 6, model S units),
        ``spin_transfer`` = |σ_z(t) − σ_z(0)|, ``pair_probabilities`` (n_t, 4) in the order of
        :data:`verify.exact.PAIR_PROBABILITY_COLUMNS` (NaN for "single-down"), ``norm``, ``energy``
        (eV), ``sz_total`` (total 2S^z, Pauli units). meta: :func:`verify.records.run_meta` (method
        ``"exact"``, ``propagator`` with the Chebyshev counters) plus pair, theta, sector_dim,
        state_dim, two_sz, the column names and units.

    Raises
    ------
    TypeError
        For a model that is not a PairOnRing or arguments of the wrong type (``progress`` neither
        None nor callable).
    ValueError
        For an unknown ``pair``, a missing or superfluous ``theta``, ``t_max < 0``, ``dt_out <= 0``
        or non-finite values.
    """
    start = time.perf_counter()
    theta = _pair_arguments(model, pair, theta)
    times = output_times(t_max, dt_out)
    tol = require_real("tol", tol, positive=True)
    progress = check_progress(progress)
    two_sz, psi0 = embed_initial_state(pair_initial_state(model, pair, theta), model.n_spins)
    ham = PairHamiltonian(model, psi0.ndim - 1, two_sz)
    observables = PairObservables(ham)
    stats = ChebyshevStats()
    recorder = Recorder(model)
    sigma_z0 = math.nan
    for t, psi in evolve(ham.apply, psi0, times, bounds=ham.bounds(), hbar=model.hbar, tol=tol, stats=stats,
                         apply_affine=ham.apply_affine):
        values = observables(psi)
        sigma_z0 = values["sigma_z"] if math.isnan(sigma_z0) else sigma_z0
        recorder.add({
            "t": float(t), "sigma_z": values["sigma_z"], "S_z": values["S_z"],
            "spin_transfer": abs(values["sigma_z"] - sigma_z0), "pair_probabilities": values["pair_probabilities"],
            "norm": values["norm"], "energy": ham.energy(psi), "sz_total": values["sz_total"],
        })
        if progress is not None:
            progress(_fraction(t, t_max))
    meta = run_meta(model, method="exact", times=times, t_max=t_max, dt_out=dt_out,
                    initial_state={"label": pair, "theta": theta},
                    propagator={"name": "chebyshev", "tol": tol, **stats.as_dict()},
                    **_pair_meta(model, pair, theta, ham, two_sz))
    return recorder.result(meta, wall_start=start)
