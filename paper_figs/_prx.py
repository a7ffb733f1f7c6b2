"""Shared pieces of PRX Figs. 3–7: sizes, models, run specs (exact or TEBD), and run lookup.

Full size is the PRX's own setup (Fig. 2 and Sec. III): N = 75, N_L = 35, N_FM = 5, N_conf = 10,
N_e ∈ {1, 5, 8}, J_sd = 0.5γ, t up to 40 ħ/γ, evolved by TEBD with δt = 0.1, χ_max = 400 and
truncation 1e-7 (second-order Trotter, PRX Eq. 8) — about 45 min for the six runs on two cores.

Quick size keeps the physics visible at exact-evolver cost: N = 20 sites, N_L = 8, a well of
N_conf = 4 sites, N_FM = 3 localized spins (sites 9–11) and N_e ∈ {1, 3, 4}, i.e. fewer, equal and
more electrons than localized spins, as the PRX's 1 < 5 = N_FM < 8; t up to 14 ħ/γ. The entropy cut
(N + 1)//2 = 10 then passes through the FM region as in the PRX (two of three spins on the left).
Because the leads are short, electrons reflected at the right end come back into the FM region before
t_max: :func:`reflection_time` gives t = 12.5 ħ/γ at quick size, and the PRX figures hatch the times
after it. At full size it is 50 ħ/γ, after the PRX's t_max = 40 ħ/γ (the PRX stops before the
reflected pulse is back).

All figures ask for the same runs (same model, grid and cut), so each run is computed once and
shared through the run cache (:mod:`paper_figs.cache`).
"""

from __future__ import annotations

from typing import Any

from paper_figs.sweep import RunSpec
from verify.models import PRXChain, default_cut
from verify.records.run import RunResult
from verify.tebd import PAPER_TEBD, TEBDOptions

__all__ = [
    "REFLECTION_LABEL",
    "REFLECTION_MARGIN",
    "SIZES",
    "chain_reflection_time",
    "fm_sites",
    "model",
    "n_e_roles",
    "reflection_note",
    "reflection_time",
    "reflection_trusted_time",
    "spec",
    "spec_for",
]

_TEBD_PAPER = {name: getattr(PAPER_TEBD, name) for name in ("dt", "chi_max", "trunc", "order", "scheme")}
"""The paper's TEBD parameters (PRX Sec. III and its Eq. 8 scheme, :data:`verify.tebd.PAPER_TEBD`); the run
keys hash them."""

SIZES: dict[str, dict[str, Any]] = {
    "full": {
        "model": {},  # PRXChain defaults = PRX Fig. 2: N = 75, N_L = 35, N_FM = 5, N_conf = 10
        "n_e_values": [1, 5, 8],
        "method": "tebd",
        "t_max": 40.0,
        "dt_out": 0.2,
        "tebd": dict(_TEBD_PAPER),
    },
    "quick": {
        "model": {"n_sites": 20, "n_left": 8, "n_fm": 3, "n_conf": 4},
        "n_e_values": [1, 3, 4],
        "method": "exact",
        "t_max": 14.0,
        "dt_out": 0.2,
        "tebd": dict(_TEBD_PAPER),
    },
    "tiny": {
        "model": {"n_sites": 10, "n_left": 4, "n_fm": 2, "n_conf": 3},
        "n_e_values": [1, 2, 3],
        "method": "exact",
        "t_max": 4.0,
        "dt_out": 0.5,
        "tebd": dict(_TEBD_PAPER),
    },
}
"""Parameters per size; ``model`` overrides :class:`verify.models.PRXChain` defaults."""


def model(params: dict[str, Any], n_e: int, polarization: str) -> PRXChain:
    """The PRXChain of ``params`` with ``n_e`` electrons polarized along ``polarization`` ("z" or "x")."""
    return PRXChain(**params["model"], n_e=int(n_e), polarization=polarization)


def fm_sites(params: dict[str, Any]) -> tuple[int, int]:
    """1-based sites of the first and last localized spin (N_L + 1, N_L + N_FM)."""
    m = model(params, 0, "z")
    return m.n_left + 1, m.n_left + m.n_fm


REFLECTION_LABEL = "reflected pulse back in FM region"
"""Legend text of the hatched times after :func:`reflection_time`."""


def reflection_time(params: dict[str, Any]) -> float:
    """Earliest time (ħ/γ) at which the pulse reflected at the right chain end is back at the FM region.

    The fastest part of the pulse moves at the largest group velocity of the tight-binding band
    −2γ cos k (PRX Eq. 2), v_max = 2|γ|a/ħ (2 sites per ħ/γ in the PRX units ħ = γ = 1). It starts at
    the right edge of the well (site N_conf) at t = 0, runs to the last site N and back to the last
    localized spin (site N_L + N_FM):

        t_refl = [(N − N_conf) + (N − N_L − N_FM)] / v_max.

    Every PRX figure quantity (the localized spins, the electron spin, which changes only through the
    spins, and the entropy of a cut inside the FM region) is the one of a chain with an infinite right
    lead until then; the PRX figures hatch t > t_refl. Quick size: (16 + 9)/2 = 12.5; full size:
    (65 + 35)/2 = 50 > t_max = 40. It is a light-cone estimate: the front of a lattice wave spreads
    like t^(1/3), so the exact evolver (``tests/paper_figs``, N = 10 against a longer chain) already
    shows differences of ~1e-3 about 1 ħ/γ before t_refl and of 1e-2 to 3e-2 at t_refl, growing beyond.
    """
    return chain_reflection_time(model(params, 0, "z"))


def chain_reflection_time(chain: PRXChain) -> float:
    """:func:`reflection_time` of one chain: [(N − N_conf) + (N − N_L − N_FM)] / (2|γ|)."""
    v_max = 2.0 * abs(chain.hopping)  # ħ = 1: v(k) = 2γ sin(k) a/ħ
    distance = (chain.n_sites - chain.n_conf) + (chain.n_sites - chain.n_left - chain.n_fm)
    return distance / v_max


REFLECTION_MARGIN = 1.5
"""ħ/γ before :func:`reflection_time` up to which a short chain is the long one: the exact evolver against a
chain with a longer right lead differs by less than 2e-3 in the FM-site density and S^z until
t_refl − 1.5 and by up to 3e-2 at t_refl (``tests/paper_figs/test_figure_marks.py``)."""


def reflection_trusted_time(chain: PRXChain) -> float:
    """:func:`chain_reflection_time` − :data:`REFLECTION_MARGIN`: the end of the window in which a study that
    reads values of ~1e-2 (the reversal map) can take the chain's right lead as infinite."""
    return chain_reflection_time(chain) - REFLECTION_MARGIN


def reflection_note(params: dict[str, Any]) -> dict[str, Any]:
    """JSON notes of a PRX figure about :func:`reflection_time`: its value and whether t_max exceeds it."""
    t_refl = reflection_time(params)
    return {
        "t_reflection": t_refl,
        "t_reflection_meaning": "earliest time (hbar/gamma) at which the pulse reflected at the right chain end "
        "can be back at the last localized spin, at v_max = 2 gamma a/hbar (paper_figs._prx.reflection_time); "
        "later times are hatched",
        "contaminated_after_t_reflection": bool(t_refl < float(params["t_max"])),
    }


def spec(params: dict[str, Any], n_e: int, polarization: str) -> RunSpec:
    """The run of ``n_e`` electrons polarized along ``polarization``: exact or TEBD per ``params['method']``."""
    m = model(params, n_e, polarization)
    common = {"t_max": float(params["t_max"]), "dt_out": float(params["dt_out"]), "cut": default_cut(m.n_sites)}
    method = params["method"]
    if method == "exact":
        return RunSpec.make("prx-exact", m, **common)
    if method == "tebd":
        TEBDOptions(**params["tebd"])  # a bad combination (order 4 with the order-2 "prx") fails here, not in a worker
        return RunSpec.make("prx-tebd", m, **common, **params["tebd"])
    raise ValueError(f"unknown method {method!r}: use 'exact' or 'tebd'")


def spec_for(params: dict[str, Any], role: str, polarization: str) -> RunSpec:
    """Spec of the run with the ``role`` electron number (see :func:`n_e_roles`)."""
    return spec(params, n_e_roles(params)[role], polarization)


def n_e_roles(params: dict[str, Any]) -> dict[str, int]:
    """``{"small", "mid", "large"}`` → N_e (PRX: 1, 5 = N_FM, 8)."""
    values = sorted(int(v) for v in params["n_e_values"])
    if len(values) != 3:
        raise ValueError(f"n_e_values must hold three electron numbers, got {params['n_e_values']!r}")
    return dict(zip(("small", "mid", "large"), values, strict=True))


def method_label(record: RunResult) -> str:
    """Short description of how a record was computed (legend/JSON): "exact" or "TEBD χ≤400"."""
    meta = record.meta
    if meta.get("method") == "tebd":
        spec_opts = meta.get("run_spec", {}).get("options", {})
        return f"TEBD, chi_max={spec_opts.get('chi_max', '?')}"
    return str(meta.get("method", "?"))
