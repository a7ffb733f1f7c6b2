"""Shared pieces of the pair paper's figures (Figs. 2–4): sizes, models, read-out times, run specs.

All pair figures are built from :func:`verify.records.simulate_pair` runs of :class:`verify.models.PairOnRing`
(pair paper Eq. 2). The packet distance is varied by moving φ1 (x1 = x2 − d) with φ2 fixed, so that
the d = 30a model of Fig. 2(b) is exactly the Fig. 2(a) model and its runs are shared.

Read-out time of a "final" Δσ_z (Figs. 2b, 4a): the pair paper reads the second plateau, "when both
packets have passed through the local spin chain". Here T(d) is the first output time at which the
centre of φ1 (the later packet) is ``read_nstd`` standard deviations of its spreading density past
the last localized spin:

    x1 + v t − n s(t) ≥ n_L,   s(t)² = σ_d²/2 + (Δv t)²,   Δv = 2 t_h |cos k| / (ħ σ_d √2),

with v the group velocity and Δv the velocity spread of the Gaussian packet (Eq. 4). At the paper's
parameters n = 4.5 gives T ≈ 77 fs at d = 30a and ≈ 115 fs at d = 60a; Δσ_z then changes by
≲ 1e-3 over the preceding 10 fs (stored per point as ``final_drift``), and runs continued to 124 fs
change it by < 1e-3 more. T(d) must stay below the time at which scattered parts come back around
the ring (:func:`wraparound_time`); compute() checks it, which limits d to ≲ 65a on the 200-site ring.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from paper_figs.sweep import RunSpec
from verify.models import PairOnRing

__all__ = [
    "MODEL_SIZES",
    "chain_intervals",
    "check_read_time",
    "model_at",
    "packet_spread",
    "read_time",
    "read_value",
    "spec",
    "wraparound_time",
]

MODEL_SIZES: dict[str, dict[str, Any]] = {
    # the pair paper's Fig. 2 parameters (PairOnRing defaults): N = 200, L = 4, chain at 101..104,
    # sigma = 5a, k = 1/a, x2 = 79, d = 30a (x1 = 49)
    "full": {"model": {}, "d": 30.0, "dt_out": 0.5, "read_nstd": 4.5},
    # --quick: the paper's packets and chain on a 130-site ring (all moved 28 sites left), 1 fs output
    # grid, d <= 30a. Up to the wrap-around time (79 fs >= T(30a) = 77 fs) the dynamics equals that on
    # the 200-site ring: the Delta sigma_z(t) curves agree to 1e-10, the final values to 2e-5 (read
    # time on the 1 fs grid). A run costs ~N^2 T: about 3x less CPU than on the 200-site ring.
    "quick": {"model": {"n_sites": 130, "chain_start": 73, "x2": 51.0}, "d": 30.0, "dt_out": 1.0,
              "read_nstd": 4.5},
    # tests only: a 56-site ring, 2 localized spins, narrow packets
    "tiny": {
        "model": {"n_sites": 56, "n_spins": 2, "chain_start": 29, "sigma": 2.0, "x2": 21.0},
        "d": 12.0,
        "dt_out": 0.5,
        "read_nstd": 1.0,  # the tiny ring is too short for a converged plateau: tests check plumbing only
    },
}


def model_at(params: dict[str, Any], d: float | None = None, **changes: Any) -> PairOnRing:
    """The PairOnRing of ``params`` with packet distance ``d`` (default ``params['d']``): x1 = x2 − d."""
    fields = {k: v for k, v in PairOnRing().to_dict().items() if k != "model"}
    fields.update(params["model"])
    fields["x1"] = float(fields["x2"]) - float(params["d"] if d is None else d)
    fields.update(changes)
    return PairOnRing(**fields)


def chain_intervals(model: PairOnRing) -> np.ndarray:
    """(2, 2) array of (enter, exit) times in fs of φ1 and φ2 in the chain, clipped at t = 0."""
    from verify.models import packet_chain_intervals

    return np.clip(packet_chain_intervals(model), 0.0, None)


def packet_spread(model: PairOnRing, t: np.ndarray | float) -> np.ndarray:
    """Standard deviation (sites) of a packet's density |φ(x, t)|² in free propagation, s(t) (module docstring)."""
    dv = 2 * model.hopping * abs(math.cos(model.k)) / (model.hbar * model.sigma * math.sqrt(2))
    return np.sqrt(model.sigma**2 / 2 + (dv * np.asarray(t, dtype=float)) ** 2)


def read_time(model: PairOnRing, params: dict[str, Any]) -> float:
    """T(d): first multiple of ``dt_out`` with φ1's centre ``read_nstd`` spreads past the chain (module docstring).

    Raises
    ------
    ValueError
        When that happens only after the wrap-around time (the ring is too small for this d).
    """
    dt = float(params["dt_out"])
    n_std = float(params["read_nstd"])
    v = model.group_velocity
    last = model.chain_start + model.n_spins - 1
    limit = wraparound_time(model)
    t = dt * np.arange(0, math.ceil(limit / dt) + 1)
    ok = model.x1 + v * t - n_std * packet_spread(model, t) >= last
    if not np.any(ok):
        raise ValueError(
            f"packet φ1 (x1 = {model.x1}) does not clear the chain by {n_std} spreads before the wrap-around "
            f"time {limit:.1f} fs of the {model.n_sites}-site ring: use a larger ring or a smaller d"
        )
    return float(t[int(np.argmax(ok))])


def wraparound_time(model: PairOnRing) -> float:
    """Earliest time (fs) at which a part of φ2 scattered at the chain can come back to it around the ring.

    φ2 reaches the chain at t_enter; a reflected or transmitted part then has to travel at least
    N − L − 4σ_d sites, at most at the band's maximal velocity 2t_h/ħ.
    """
    from verify.models import packet_chain_intervals

    t_enter = max(0.0, float(np.min(packet_chain_intervals(model)[:, 0])))
    v_max = 2 * model.hopping / model.hbar
    return t_enter + (model.n_sites - model.n_spins - 4 * model.sigma) / v_max


def check_read_time(model: PairOnRing, t_read: float) -> None:
    """ValueError when the read-out time is not before the wrap-around time (the result would be wrong)."""
    limit = wraparound_time(model)
    if t_read >= limit:
        raise ValueError(
            f"read-out time {t_read:.1f} fs (d = {model.packet_distance}) is after the wrap-around time "
            f"{limit:.1f} fs of the {model.n_sites}-site ring: use a larger ring or a smaller d"
        )


def spec(model: PairOnRing, pair: str, t_max: float, dt_out: float, theta: float | None = None) -> RunSpec:
    """The :class:`RunSpec` of one ``simulate_pair`` run."""
    return RunSpec.make("pair", model, pair=pair, theta=theta, t_max=float(t_max), dt_out=float(dt_out))


def read_value(t: np.ndarray, y: np.ndarray, t_read: float, window: float = 10.0) -> tuple[float, float]:
    """(y at t_read, max |y(t) − y(t_read)| over [t_read − window, t_read]) — the plateau value and its drift."""
    i = int(np.argmin(np.abs(t - t_read)))
    if abs(t[i] - t_read) > 1e-6:
        raise ValueError(f"the run ends at {t[-1]} fs, before the read-out time {t_read} fs")
    mask = (t >= t_read - window - 1e-9) & (t <= t_read + 1e-9)
    return float(y[i]), float(np.max(np.abs(y[mask] - y[i])))
