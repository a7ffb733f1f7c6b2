"""The error budget of a TEBD run compared with exact evolution: what Trotter and truncation can explain.

:func:`verify.testing.crosscheck` compares a TEBD record with the exact one. Three sources separate
them besides a bug: the Trotter splitting, the truncations, and (with the TEBD driver's own initial
MPS) a different initial state. This module estimates each, as a bound on the distance of the two
normalized states, and turns it into a bound on each recorded observable.

State error
-----------
Let ψ(t) be the exact state and φ(t) the normalized TEBD state; δ(t) ≥ ‖φ(t) − e^{iα}ψ(t)‖ is estimated
by three terms that add (triangle inequality; every exact step is unitary and keeps a distance):

* **initial** — δ_0 = √(2(1 − |⟨φ(0)|ψ(0)⟩|)), computed from the two initial states (0 when TEBD starts
  from the exact initial state).
* **Trotter** — a symmetric product formula of order p leaves a local error ∝ δt^{p+1} per step made of
  nested commutators of p + 1 bond terms h_b (second order: (1/12)[h_b,[h_b,h_{b+1}]] − (1/24)[h_{b+1},
  [h_{b+1}, h_b]] and the mirror terms); after t/δt steps δ_Trotter(t) ≤ C · t · δt^p · r^{p+1}, where
  r = max_b (λ_max(h_b) − λ_min(h_b))/2 bounds ‖h_b − c‖ (commutators do not see the shift c, so
  ‖[h_a,[h_b,h_c]]‖ ≤ 4 r³) and C = :data:`TROTTER_CONSTANTS` collects the combinatorial factors of the
  scheme. For observables on a few sites only the bonds within the light cone matter, so no factor N
  appears. C was measured (``docs/verify_users.md``, "cross-check tolerances"): the largest ratio
  |⟨O⟩_TEBD − ⟨O⟩_exact| / (2 t δt^p r^{p+1}) over every record key of the XXZ chain (J_xx = 1, 2),
  the PRX chain (S = 1/2, 1; z and x polarizations), δt = 0.05–0.2 and t = 2–4, without truncation,
  is 0.10 (order 2, both schemes), 0.15 (Forest–Ruth) and 0.002 (Suzuki); C is twice that. The PRX
  chain sits a factor ~20 below (its r is set by doubly occupied states a few-electron run never
  visits), so the estimate is safe there and loose.
* **truncation** — every split keeps the state's projection on the kept Schmidt vectors; the splits of
  one step act on different bonds and discard orthogonal pieces, ‖δφ_step‖ ≤ √ε_step, while successive
  steps may accumulate coherently: δ_trunc(t) ≤ Σ_steps √ε_step ≤ √(n(t) ε(t)) (Cauchy–Schwarz), with
  n(t) = t/δt the number of steps and ε(t) the recorded accumulated truncation error. Measured
  observable errors stay below 0.2 of 2√(n ε) (XXZ and PRX chains, trunc 1e-9 to 1e-5, χ-limited runs
  at χ = 4–12), whereas the often quoted √ε(t) is exceeded by factors up to 2.6 when many small
  truncations accumulate (δt = 0.01 at trunc 1e-7: the example of the issue).

Observables
-----------
For normalized pure states the trace distance T of any reduced state is ≤ δ, and

* ⟨O⟩ moves by at most (λ_max(O) − λ_min(O)) T — the *spread*: 2 for ⟨σ^α⟩, n_i ∈ [0, 2] and
  s^z_i, 4S for ⟨2S^α⟩, 2N_e for the electron spin s_e (N_e electrons), Σ_i of the site spreads for a
  total, the charge's range for a charge that the initial state does not fix;
* a length |⟨σ⟩| (purity) by at most 2T, Q_MW (PRX Eq. 13) by 4T (|Δ Tr ρ²| ≤ |Δr| ≤ 2T per qubit);
* an entropy of a d-dimensional subsystem by T ln(d − 1) + h(T) (Fannes–Audenaert; h the binary
  entropy; ln d for T ≥ 1 − 1/d), a mutual information I = S_A + S_B − S_AB by the sum of its three;
* a charge of which the initial state is an eigenstate only through the norm lost in truncation,
  ‖Q‖ ε(t) (the gates conserve it; :mod:`verify.checks` uses the same law); the norm by ε(t);
* the energy: the Trotter evolution conserves ⟨H_eff⟩ exactly, H_eff − H = O(δt^p), so ⟨H⟩ oscillates by
  at most 2C δt^p Σ_b r_b^{p+1} without drifting; truncation and the initial state move it by at most
  the spread of H, ≤ 2 Σ_b r_b, times δ.

Keys of a model's own record frame that none of these rules covers get no budget (their tolerance is
the base alone). :func:`error_budget` returns the three terms per key; ``crosscheck(...,
tolerances="budget")`` uses :data:`BUDGET_BASE` plus their bound as the tolerance. :func:`diagnose`
splits a failed comparison by measurement instead (an untruncated TEBD run at the same δt) and
:func:`advice` names the flag to change.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verify.models import CHARGE_RECORD_KEYS, ChainModel, as_chain, validate_cut
from verify.tebd import TEBDOptions

__all__ = [
    "BUDGET_BASE",
    "SOURCES",
    "TROTTER_CONSTANTS",
    "BudgetTerms",
    "Sensitivity",
    "StateError",
    "advice",
    "diagnose",
    "error_budget",
    "fannes_bound",
    "sensitivities",
    "state_error",
]

TROTTER_CONSTANTS: Mapping[str, float] = {"prx": 0.2, "even-odd": 0.2, "forest-ruth": 0.3, "suzuki": 0.005}
"""C of δ_Trotter = C t δt^p r^{p+1} per Trotter scheme (module docstring: twice the largest measured ratio)."""

BUDGET_BASE = 1e-8
"""The tolerance of ``tolerances="budget"`` before the budget: the exact propagator's accuracy
(:data:`verify.exact.PROPAGATION_TOL` = 1e-12 per window, ~10⁴ windows) with room for round-off."""

SOURCES = ("initial", "trotter", "truncation")
"""The error sources of the budget, in the order of :class:`BudgetTerms`."""


@dataclass(frozen=True)
class StateError:
    """Estimated distance δ of the normalized TEBD state from the exact one, by source (module docstring).

    Attributes
    ----------
    initial, trotter, truncation : float
        δ_0, δ_Trotter(t), δ_trunc(t) at the time ``t``.
    t, n_steps, epsilon, r : float
        The time, Trotter steps, accumulated truncation error ε(t) and bond scale r behind them.
    """

    initial: float
    trotter: float
    truncation: float
    t: float
    n_steps: float
    epsilon: float
    r: float

    @property
    def total(self) -> float:
        """δ = δ_0 + δ_Trotter + δ_trunc."""
        return self.initial + self.trotter + self.truncation

    def to_dict(self) -> dict[str, float]:
        """JSON-ready fields plus ``total``."""
        return {"initial": self.initial, "trotter": self.trotter, "truncation": self.truncation,
                "total": self.total, "t": self.t, "n_steps": self.n_steps, "epsilon": self.epsilon, "r": self.r}


@dataclass(frozen=True)
class Sensitivity:
    """How a record key responds to a state error δ (module docstring).

    Attributes
    ----------
    kind : {"linear", "entropy", "energy", "norm", "charge"}
        ``linear``: ``scale`` δ; ``entropy``: Σ of :func:`fannes_bound` over ``dims``; ``energy``:
        ``scale`` δ plus the bounded Trotter oscillation; ``norm`` and ``charge``: ``scale`` ε(t) from
        truncation only.
    scale : float
    dims : tuple of int
        Subsystem dimensions of an entropy (three for a mutual information).
    """

    kind: str
    scale: float = 0.0
    dims: tuple[int, ...] = ()


@dataclass(frozen=True)
class BudgetTerms:
    """The bound on one key's deviation from each source, and from all together (``bound``)."""

    initial: float
    trotter: float
    truncation: float
    bound: float

    def to_dict(self) -> dict[str, float]:
        """JSON-ready fields."""
        return {"initial": self.initial, "trotter": self.trotter, "truncation": self.truncation, "bound": self.bound}

    @property
    def dominant(self) -> str:
        """The source with the largest term (:data:`SOURCES`)."""
        terms = (self.initial, self.trotter, self.truncation)
        return SOURCES[int(np.argmax(terms))]


def fannes_bound(trace_distance: float, dim: int) -> float:
    """Largest |S(ρ) − S(σ)| (nats) of d-dimensional states at trace distance T (Fannes–Audenaert):
    T ln(d − 1) + h(T) for T < 1 − 1/d, ln d beyond (h the binary entropy)."""
    t = float(min(max(trace_distance, 0.0), 1.0))
    if dim <= 1 or t == 0.0:
        return 0.0
    if t >= 1.0 - 1.0 / dim:
        return math.log(dim)
    binary = -t * math.log(t) - (1.0 - t) * math.log1p(-t)
    return t * math.log(dim - 1) + binary if dim > 2 else binary


def bond_half_spreads(chain: ChainModel) -> np.ndarray:
    """(λ_max(h_b) − λ_min(h_b))/2 of every bond Hamiltonian h_b (the on-site terms folded in)."""
    spreads = []
    for h in chain.bond_hamiltonians():
        w = np.linalg.eigvalsh(h)
        spreads.append((w[-1] - w[0]) / 2.0)
    return np.array(spreads)


def state_error(model: Any, options: TEBDOptions, epsilon: float, t: float, *, initial: float = 0.0) -> StateError:
    """δ_0, δ_Trotter(t) and δ_trunc(t) of a TEBD run (module docstring).

    Parameters
    ----------
    model : ChainModel or parameter object
    options : TEBDOptions
        δt, order and scheme of the run.
    epsilon : float
        Accumulated truncation error ε(t) (the record's ``truncation_error`` at ``t``).
    t : float
        Time.
    initial : float
        δ_0, the distance of the two initial states.
    """
    chain = as_chain(model)
    r = float(np.max(bond_half_spreads(chain)))
    constant = TROTTER_CONSTANTS[options.scheme_name]
    n_steps = t / options.dt
    trotter = constant * t * options.dt**options.order * r ** (options.order + 1)
    truncation = math.sqrt(max(n_steps * epsilon, 0.0))
    return StateError(float(initial), trotter, truncation, float(t), n_steps, float(epsilon), r)


# ---------------------------------------------------------------------------------- sensitivities
def _spread(matrix: np.ndarray) -> float:
    w = np.linalg.eigvalsh(matrix)
    return float(w[-1] - w[0])


def _charge_sensitivity(chain: ChainModel, charge: str) -> Sensitivity:
    columns = [site.charges.get(charge, np.zeros(site.dim, dtype=np.int64)) for site in chain.sites]
    if charge in chain.sector:
        n_fixed = chain.sector.get("N")
        norm = float(sum(np.abs(c).max() for c in columns))
        return Sensitivity("charge", min(norm, float(n_fixed)) if charge == "N" and n_fixed is not None else norm)
    return Sensitivity("linear", float(sum(c.max() - c.min() for c in columns)))


def _entropy_cut_dims(chain: ChainModel, cut: int) -> tuple[int, ...]:
    left, right = math.prod(chain.dims[:cut]), math.prod(chain.dims[cut:])
    return (min(left, right),)


def _prx_sensitivities(chain: ChainModel) -> dict[str, Sensitivity]:
    """The PRX frame's keys (PRX Eqs. 9–14; spreads and continuity bounds of the module docstring)."""
    params = chain.params
    two_s, n_e, n_fm = round(2 * float(params["localized_spin"])), int(params["n_e"]), int(params["n_fm"])
    d = two_s + 1
    linear = {"spin": 2.0 * two_s, "spin_purity": 2.0, "spin_z_total": 2.0 * two_s * n_fm,
              "electron_spin": 2.0 * n_e, "electron_spin_purity": 2.0, "density": 2.0, "spin_density_z": 2.0,
              "meyer_wallach": 4.0}
    out = {key: Sensitivity("linear", value) for key, value in linear.items()}
    out["mutual_info_edges"] = Sensitivity("entropy", dims=(d, d, d * d))
    out["mutual_info_entropy_a"] = out["mutual_info_entropy_b"] = Sensitivity("entropy", dims=(d,))
    return out


def sensitivities(model: Any, cut: int | None = None) -> dict[str, Sensitivity]:
    """:class:`Sensitivity` of every record key the rules of the module docstring cover.

    ``norm``, ``energy``, ``entropy_cut``, the conserved totals, every site and total observable of a
    chain model's default frame, and the PRX frame's keys. Other keys of a custom frame are absent.
    """
    chain = as_chain(model)
    cut = validate_cut(cut if cut is not None else chain.cut, chain.n_sites)
    spread_h = 2.0 * float(np.sum(bond_half_spreads(chain)))
    out = {"norm": Sensitivity("norm", 1.0), "energy": Sensitivity("energy", spread_h),
           "entropy_cut": Sensitivity("entropy", dims=_entropy_cut_dims(chain, cut))}
    for key, (expression, sites) in chain.observables.site.items():
        out[key] = Sensitivity("linear", max(_spread(chain.sites[i].op(expression)) for i in sites))
    for key, (expression, sites) in chain.observables.total.items():
        out[key] = Sensitivity("linear", sum(_spread(chain.sites[i].op(expression)) for i in sites))
    for charge in chain.conserved:
        out[CHARGE_RECORD_KEYS.get(charge, f"total_{charge}")] = _charge_sensitivity(chain, charge)
    if chain.kind == "prx":
        out.update(_prx_sensitivities(chain))
    return out


def _terms(sensitivity: Sensitivity, error: StateError, energy_trotter: float) -> BudgetTerms:
    kind, scale = sensitivity.kind, sensitivity.scale
    if kind in ("norm", "charge"):
        term = scale * error.epsilon
        return BudgetTerms(0.0, 0.0, term, term)
    if kind == "entropy":
        def bound(delta: float) -> float:
            return float(sum(fannes_bound(delta, d) for d in sensitivity.dims))

        return BudgetTerms(bound(error.initial), bound(error.trotter), bound(error.truncation), bound(error.total))
    trotter = energy_trotter if kind == "energy" else scale * error.trotter
    initial, truncation = scale * error.initial, scale * error.truncation
    return BudgetTerms(initial, trotter, truncation, initial + trotter + truncation)


def error_budget(
    model: Any, options: TEBDOptions, keys: Sequence[str], error: StateError, cut: int | None = None
) -> dict[str, BudgetTerms]:
    """The bound on each key's deviation by source (module docstring); keys without a rule are absent."""
    chain = as_chain(model)
    rules = sensitivities(chain, cut)
    spreads = bond_half_spreads(chain)
    constant = TROTTER_CONSTANTS[options.scheme_name]
    energy_trotter = 2.0 * constant * options.dt**options.order * float(np.sum(spreads ** (options.order + 1)))
    return {key: _terms(rules[key], error, energy_trotter) for key in keys if key in rules}


# ---------------------------------------------------------------------------------- diagnosis
def _max_abs_difference(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = np.where(np.isnan(a) & np.isnan(b), 0.0, np.abs(a - b))
    return float(np.max(diff)) if diff.size else 0.0


def diagnose(
    exact: Mapping[str, np.ndarray], tebd: Mapping[str, np.ndarray], untruncated: Mapping[str, np.ndarray],
    keys: Sequence[str], initial: Mapping[str, float] | None = None,
) -> dict[str, dict[str, Any]]:
    """Split each key's deviation by measurement: ``truncation`` = max_t |TEBD − TEBD without truncation|,
    ``trotter`` = max_t |TEBD without truncation − exact| (same δt, order and initial state), and
    ``initial`` the budget's bound from the initial states (``initial``, default 0).

    Returns
    -------
    dict
        key → ``{"initial", "trotter", "truncation", "dominant"}``; ``dominant`` is the largest source,
        ``initial`` only when its bound reaches half the Trotter part (which contains it).
    """
    out = {}
    for key in keys:
        if key not in exact or key not in tebd or key not in untruncated:
            continue
        truncation = _max_abs_difference(tebd[key], untruncated[key])
        trotter = _max_abs_difference(untruncated[key], exact[key])
        start = float((initial or {}).get(key, 0.0))
        dominant = "truncation" if truncation >= trotter else ("initial" if start >= trotter / 2 else "trotter")
        out[key] = {"initial": start, "trotter": trotter, "truncation": truncation, "dominant": dominant}
    return out


def advice(dominant: str, *, chi_limited: bool = False) -> str:
    """What to change when ``dominant`` (a :data:`SOURCES` name) explains a failed comparison."""
    if dominant == "truncation":
        flag = "raise --chi-max (the run was chi-limited)" if chi_limited else "lower --trunc or raise --chi-max"
        return f"truncation dominates: {flag}"
    if dominant == "trotter":
        return "Trotter error dominates: lower --dt or use --order 4"
    if dominant == "initial":
        return "the initial states differ: start TEBD from the exact initial state (--initial exact)"
    raise ValueError(f"unknown error source {dominant!r}: one of {SOURCES}")
