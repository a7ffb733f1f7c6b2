r"""Pair paper Fig. 4: spin transfer of the θ state (Eq. 8) and of the incoherent (θ-averaged) pair.

(a) Final :math:`(\Delta\sigma_z)_\theta` versus θ ∈ [0, 2π) with the least-squares sinusoid
:math:`a + b\cos\theta + c\sin\theta`. Eq. 8 is linear in :math:`e^{i\theta}`, so the unnormalized
expectation value is exactly of that form. The normalized state divides it by
:math:`w(\theta) = 1 - |\langle\varphi_1|\varphi_2\rangle|^2\,\mathrm{Re}\langle\chi_\theta|P\chi_\theta\rangle`
(:math:`= 1 + |\langle\varphi_1|\varphi_2\rangle|^2\cos\theta`, from the normalization in
:func:`states.pair_state`). This is a relative correction of :math:`e^{-d^2/2\sigma_d^2}` (1.5e-8 at
d = 30a, σ_d = 5a). Two fits are stored: the plotted one of Δσ_z itself (residual at the 1e-9 level,
set by that overlap) and the exact one of :math:`w(\theta)\,\Delta\sigma_z`, whose residual is at
round-off level.
(b) The θ-average of :math:`(\Delta\sigma_z)_\theta(t)` over the uniform θ grid (equal to a for a
sinusoid) against the single spin-↓ electron (black dotted).

"Final" means read at T(d), when the centre of φ1 is 4.5 density spreads past the chain, i.e. when
both packets have left it (see :mod:`paper_figs._pair`). No time is hatched: all plotted times precede
the ring's wrap-around time (:func:`paper_figs._pair.check_read_time`).
"""

from __future__ import annotations

import math
from concurrent.futures import Executor
from typing import Any

import numpy as np

from paper_figs import _pair
from paper_figs.cache import FigureData
from paper_figs.style import DOUBLE_COLUMN, PAIR_LABELS, PALETTE, figure, label_panels, shade_intervals
from paper_figs.sweep import RunSpec, run_records

__all__ = ["compute", "fit_sinusoid", "normalization_weight", "params", "plot", "run_specs", "theta_grid"]

NAME = "pair-fig4"
_N_THETA = {"full": 24, "quick": 6, "tiny": 4}


def params(size: str) -> dict[str, Any]:
    """Compute parameters: the paper's Fig. 2 model (d = 30a) and the number of θ values (full: 24, every 15°)."""
    return {**_pair.MODEL_SIZES[size], "n_theta": _N_THETA[size]}


def theta_grid(n_theta: int) -> np.ndarray:
    """θ_j = 2πj/n, j = 0..n−1: uniform on [0, 2π), so the grid mean of a sinusoid is its constant term."""
    if isinstance(n_theta, bool) or not isinstance(n_theta, int) or n_theta < 3:
        raise ValueError(f"n_theta must be an integer >= 3 (a sinusoid has three coefficients), got {n_theta!r}")
    return 2 * math.pi * np.arange(n_theta) / n_theta


def fit_sinusoid(theta: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares ``(a, b, c)`` of ``y ≈ a + b cos θ + c sin θ`` and the residuals ``y − fit``."""
    design = np.column_stack([np.ones_like(theta), np.cos(theta), np.sin(theta)])
    coeffs, *_ = np.linalg.lstsq(design, y, rcond=None)
    return coeffs, y - design @ coeffs


def normalization_weight(model, theta: np.ndarray) -> tuple[np.ndarray, float]:
    """w(θ) = ‖u_θ‖²/2 of the unnormalized Eq. 8 state u_θ = φ1φ2χ_θ − φ2φ1Pχ_θ, and |⟨φ1|φ2⟩|².

    Uses the public :func:`states.gaussian_packet`, :func:`states.pair_spin_state` and
    :func:`states.swap_spins`: ‖u_θ‖² = 2 − 2|⟨φ1|φ2⟩|² Re⟨χ_θ|Pχ_θ⟩.
    """
    import states

    phi1 = states.gaussian_packet(model.n_sites, model.x1, model.sigma, model.k)
    phi2 = states.gaussian_packet(model.n_sites, model.x2, model.sigma, model.k)
    overlap_sq = float(abs(np.vdot(phi1, phi2)) ** 2)
    weights = []
    for th in theta:
        chi = states.pair_spin_state("theta", float(th))
        weights.append(1.0 - overlap_sq * float(np.vdot(chi, states.swap_spins(chi)).real))
    return np.array(weights), overlap_sq


def _plan(params: dict[str, Any]) -> tuple[list[tuple[str, RunSpec]], float, np.ndarray]:
    model = _pair.model_at(params)
    t_max = _pair.read_time(model, params)
    _pair.check_read_time(model, t_max)
    thetas = theta_grid(int(params["n_theta"]))
    dt = float(params["dt_out"])
    n = len(thetas)
    # Eq. 8 at θ = 0 is the singlet and at θ = π the triplet m = 0 (the same initial vector to 1e-17,
    # tests/paper_figs): those two points reuse the Fig. 2(a) runs instead of repeating them.
    shared = {0: "singlet", n // 2: "triplet0"} if n % 2 == 0 else {0: "singlet"}
    plan = [(f"theta/{j}", _pair.spec(model, shared[j], t_max, dt) if j in shared
             else _pair.spec(model, "theta", t_max, dt, theta=float(th))) for j, th in enumerate(thetas)]
    plan.append(("single-down", _pair.spec(model, "single-down", t_max, dt)))
    return plan, t_max, thetas


def run_specs(params: dict[str, Any]) -> list[RunSpec]:
    """One simulate_pair run per θ plus the single spin-↓ reference; θ = 0, π and single ↓ are shared with Fig. 2."""
    return [spec for _, spec in _plan(params)[0]]


def compute(params: dict[str, Any], executor: Executor | None = None) -> FigureData:
    """Run (or load) the θ runs; fit the final values; average over θ.

    Returns
    -------
    FigureData
        ``theta``, ``final`` Δσ_z(T) per θ, ``final_drift``, ``fit_coeffs`` (a, b, c), ``fit_residual``,
        ``weight`` w(θ), ``exact_fit_coeffs``, ``exact_fit_residual`` (fit of w·Δσ_z), ``fit_theta``,
        ``fit_curve`` (plotted sinusoid), ``t`` (fs), ``transfer`` (n_theta, n_t), ``theta_mean`` (n_t),
        ``single_down`` (n_t), ``intervals`` (2, 2).
    """
    plan, t_max, thetas = _plan(params)
    records = run_records([spec for _, spec in plan], executor)
    by_label = dict(zip([label for label, _ in plan], records, strict=True))
    runs = [by_label[f"theta/{j}"] for j in range(len(thetas))]
    t = runs[0].arrays["t"]
    transfer = np.stack([run.arrays["spin_transfer"] for run in runs])
    reads = [_pair.read_value(t, row, t_max) for row in transfer]
    final = np.array([value for value, _ in reads])
    coeffs, residual = fit_sinusoid(thetas, final)
    model = _pair.model_at(params)
    weight, overlap_sq = normalization_weight(model, thetas)
    exact_coeffs, exact_residual = fit_sinusoid(thetas, weight * final)
    fit_theta = np.linspace(0.0, 2 * math.pi, 361)
    arrays = {
        "theta": thetas,
        "final": final,
        "final_drift": np.array([drift for _, drift in reads]),
        "fit_coeffs": coeffs,
        "fit_residual": residual,
        "weight": weight,
        "exact_fit_coeffs": exact_coeffs,
        "exact_fit_residual": exact_residual,
        "fit_theta": fit_theta,
        "fit_curve": coeffs[0] + coeffs[1] * np.cos(fit_theta) + coeffs[2] * np.sin(fit_theta),
        "t": t,
        "transfer": transfer,
        "theta_mean": transfer.mean(axis=0),
        "single_down": by_label["single-down"].arrays["spin_transfer"],
        "intervals": _pair.chain_intervals(model),
    }
    scale = float(np.max(np.abs(final)))
    notes = {
        "final_time_fs": t_max,
        "wraparound_time_fs": _pair.wraparound_time(model),
        "fit": {"a": coeffs[0], "b": coeffs[1], "c": coeffs[2],
                "amplitude": math.hypot(coeffs[1], coeffs[2]),
                "theta_of_maximum_rad": math.atan2(coeffs[2], coeffs[1]) % (2 * math.pi),
                "maximum_shift_from_pi_rad": math.atan2(coeffs[2], coeffs[1]) % (2 * math.pi) - math.pi,
                "max_abs_residual": float(np.max(np.abs(residual))),
                "relative_max_residual": float(np.max(np.abs(residual))) / scale if scale else 0.0},
        "exact_fit_of_weighted_data": {
            "coeffs": exact_coeffs.tolist(),
            "max_abs_residual": float(np.max(np.abs(exact_residual))),
            "packet_overlap_sq": overlap_sq,
            "why": "Eq. 8 normalized: <sigma_z>_theta = (a + b cos + c sin) / w(theta), "
            "w = 1 + |<phi1|phi2>|^2 cos(theta)",
        },
        "incoherent_minus_single_down_final": float(arrays["theta_mean"][-1] - arrays["single_down"][-1]),
        "theta_mean_equals_a": float(arrays["theta_mean"][-1] - coeffs[0]),
        "max_final_drift": float(np.max(arrays["final_drift"])),
    }
    return FigureData(arrays, records=by_label, notes=notes)


def plot(data: dict[str, np.ndarray], params: dict[str, Any]):
    """Double-column figure: (a) final Δσ_z vs θ with the fitted sinusoid; (b) θ-averaged Δσ_z(t) vs single ↓."""
    fig, (ax_a, ax_b) = figure(DOUBLE_COLUMN, 2.7, ncols=2)
    a, b, c = (float(x) for x in data["fit_coeffs"])
    ax_a.plot(data["fit_theta"] / math.pi, data["fit_curve"], "-", color=PALETTE["theta-fit"], lw=1.0,
              label=rf"${a:.3f}{b:+.3f}\cos\theta{c:+.3f}\sin\theta$")
    theta_over_pi = data["theta"] / math.pi
    special = {"singlet": 0.0, "triplet0": 1.0}  # Eq. 8 at θ = 0 is the singlet, at θ = π the triplet m = 0
    plain = np.ones(theta_over_pi.shape, dtype=bool)
    for value in special.values():
        plain &= ~np.isclose(theta_over_pi, value)
    ax_a.plot(theta_over_pi[plain], data["final"][plain], "o", color=PALETTE["incoherent"], ms=4, mfc="none",
              mew=1.0, label=r"$(\Delta\sigma_z)_\theta$, Eq. 8")
    for name, value in special.items():
        hit = np.isclose(theta_over_pi, value)
        if np.any(hit):
            text = "0" if value == 0 else r"\pi"
            ax_a.plot(theta_over_pi[hit], data["final"][hit], "o", color=PALETTE[name], ms=4.5, zorder=3,
                      label=PAIR_LABELS[name] + rf" ($\theta={text}$)")
    ax_a.set_xlabel(r"$\theta/\pi$")
    ax_a.set_ylabel(r"final $\Delta\sigma_z$")
    ax_a.set_xlim(-0.06, 2.06)
    lo, hi = float(np.min(data["fit_curve"])), float(np.max(data["fit_curve"]))
    ax_a.set_ylim(lo - 0.15 * (hi - lo), hi + 0.75 * (hi - lo))
    ax_a.legend(loc="upper left", fontsize=6.5)

    shade_intervals(ax_b, data["intervals"], labels=[r"$\varphi_1$ in chain", r"$\varphi_2$ in chain"])
    ax_b.plot(data["t"], data["theta_mean"], "-", color=PALETTE["incoherent"], lw=1.2,
              label=rf"$\theta$-averaged ({len(data['theta'])} phases)")
    ax_b.plot(data["t"], data["single_down"], ":", color=PALETTE["single-down"], lw=1.3,
              label=PAIR_LABELS["single-down"])
    ax_b.set_xlabel(r"$t$ (fs)")
    ax_b.set_ylabel(r"$\Delta\sigma_z$")
    ax_b.set_xlim(0, float(data["t"][-1]))
    ax_b.set_ylim(0, 1.12 * max(float(np.max(data["single_down"])), float(np.max(data["theta_mean"]))))
    ax_b.legend(loc="lower right")
    label_panels((ax_a, ax_b), [r"final $(\Delta\sigma_z)_\theta$ of the Eq. 8 state",
                                r"incoherent pair ($\theta$-averaged) against single spin-$\downarrow$"])
    return fig
