"""Chain models beyond the papers through both evolvers, and the paper record reproduced.

1. Cross-check tables: the XXZ chain (TeNPy's parameters) and the PRX chain with localized spin
   S = 1 and 3/2 and a Kondo-like J_sd < 0, each run by the exact evolver (Chebyshev, no Trotter
   error) and by TEBD at converged settings (fourth order, δt = 0.025, no truncation) from the same
   initial state, with the largest deviation of every recorded observable and both wall times.
2. Reproduction: the committed N = 75, N_e = 8 PRX record (``docs/figures/full/runs``, written by the
   TEBD code before the layers) against a fresh run of the same parameters, t ≤ ``--t-repro``.

Writes ``benchmarks/results/model_crosschecks.{json,npz,pdf,png}`` (the plotted data and the
parameters next to the figure) and prints the tables. About 2 minutes on 2 cores (``--t-repro 20``
adds ~40 s)::

    python benchmarks/model_crosschecks.py [--t-repro 20]
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from verify.models import APPROXIMATE_RECORD_KEYS, PRXChain, XXZChain, record_schema
from verify.records import LEGACY_DEFAULT_SCHEMES, load_run, simulate_exact, simulate_prx_tebd, simulate_tebd
from verify.tebd import TEBDOptions
from verify.testing import exact_initial_mps

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "model_crosschecks"
CONVERGED = TEBDOptions(dt=0.025, order=4, trunc=0.0, chi_max=4096)
"""Fourth order at δt = 0.025: the Trotter error ∝ δt⁴ is ~1e-8 over these times; no truncation."""

CASES = {
    "xxz neel Jz=0.5": XXZChain(n_sites=10, j_xx=1.0, j_z=0.5, h_z=0.2, initial="neel"),
    "xxz domain-wall Jz=1.5": XXZChain(n_sites=10, j_xx=1.0, j_z=1.5, h_z=0.2, initial="domain-wall"),
    "prx S=1 Jsd=-0.5 z": PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, localized_spin=1, j_sd=-0.5),
    "prx S=1 Jsd=-0.5 x": PRXChain(
        n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, localized_spin=1, j_sd=-0.5, polarization="x"
    ),
    "prx S=3/2 Jsd=-0.5 z": PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, localized_spin=1.5, j_sd=-0.5),
}


def crosscheck(model, t_max: float, dt_out: float) -> tuple[dict, dict, dict]:
    """Exact and TEBD records of ``model`` from the exact initial state; deviations per key."""
    t0 = time.perf_counter()
    exact = simulate_exact(model, t_max=t_max, dt_out=dt_out)
    t1 = time.perf_counter()
    tebd = simulate_tebd(model, t_max=t_max, dt_out=dt_out, options=CONVERGED, psi0=exact_initial_mps(model))
    t2 = time.perf_counter()
    keys = [k for k in record_schema(model).keys if k != "t" and k not in APPROXIMATE_RECORD_KEYS]
    deviations = {}
    for key in keys:
        a, b = np.asarray(exact.arrays[key], float), np.asarray(tebd.arrays[key], float)
        both_nan = np.isnan(a) & np.isnan(b)
        deviations[key] = float(np.max(np.where(both_nan, 0.0, np.abs(a - b))))
    return deviations, {"exact_s": t1 - t0, "tebd_s": t2 - t1, "sector_dim": exact.meta["sector_dim"]}, {
        "exact": exact,
        "tebd": tebd,
    }


def reproduce(t_repro: float) -> tuple[dict, dict]:
    """The committed N_e = 8 record against a fresh run with its own parameters, t ≤ t_repro."""
    path = next(p for p in sorted((ROOT / "docs/figures/full/runs").glob("prx-tebd-*.npz"))
                if (lambda m: m["model"]["n_e"] == 8 and m["model"]["polarization"] == "z")(load_run(p).meta))
    old = load_run(path)
    tebd = old.meta["tebd"]
    model = PRXChain(**{k: v for k, v in old.meta["model"].items() if k != "model"})
    t0 = time.perf_counter()
    new = simulate_prx_tebd(model, t_max=t_repro, dt_out=old.meta["dt_out"], dt=tebd["dt"], chi_max=tebd["chi_max"],
                            trunc=tebd["trunc"], order=tebd["order"], cut=old.meta["cut"],
                            scheme=tebd["scheme"] or LEGACY_DEFAULT_SCHEMES[tebd["order"]])  # null: Eq. 8
    wall = time.perf_counter() - t0
    n = new.arrays["t"].size
    deviation = {key: float(np.max(np.abs(new.arrays[key] - old.arrays[key][:n])))
                 for key in ("spin", "density", "entropy_cut", "energy")}
    return deviation, {"record": path.name, "t_max": t_repro, "wall_s": wall, "new": new, "old": old}


def plot(runs: dict, repro: dict) -> dict[str, np.ndarray]:
    """Left: ⟨σ^z_1⟩ of the XXZ chains and S^z_1 of the spin-S PRX chains, exact (lines) and TEBD
    (dots); right: |new − committed| of the N_e = 8 record. Returns the plotted data."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.0, 3.4), constrained_layout=True)
    data: dict[str, np.ndarray] = {}
    for k, (name, pair) in enumerate(runs.items()):
        key = "spin_z" if name.startswith("xxz") else "spin"
        column = (lambda a: a[:, 0]) if key == "spin_z" else (lambda a: a[:, 0, 2])
        t = pair["exact"].arrays["t"]
        color = f"C{k}"
        left.plot(t, column(pair["exact"].arrays[key]), color=color, lw=1.2, label=name)
        left.plot(t[::2], column(pair["tebd"].arrays[key])[::2], "o", color=color, ms=3, mfc="none")
        data[f"{name}/t"], data[f"{name}/exact"], data[f"{name}/tebd"] = t, column(pair["exact"].arrays[key]), column(
            pair["tebd"].arrays[key])
    left.set(xlabel=r"$t$ ($\hbar/J$, $\hbar/\gamma$)", ylabel="first spin (Pauli units)",
             title="exact (lines) vs TEBD (circles)")
    fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=7, frameon=False)
    n = repro["new"].arrays["t"].size
    t = repro["new"].arrays["t"]
    floor = 1e-17  # exact zeros (identical bits) are drawn on the floor
    curves = (("spin", r"$S^z_i$", "-"), ("density", r"$n_i$", "--"), ("entropy_cut", r"$S_{cut}$", ":"))
    for key, label, style in curves:
        diff = np.abs(repro["new"].arrays[key] - repro["old"].arrays[key][:n]).reshape(n, -1).max(axis=1)
        right.semilogy(t, np.maximum(diff, floor), style, label=label)
        data[f"repro/{key}"] = diff
    data["repro/t"] = t
    right.set(xlabel=r"$t$ ($\hbar/\gamma$)", ylabel="max |new − committed|", ylim=(0.5 * floor, 1e-10),
              title=r"$N_e = 8$ paper record, new code")
    right.text(0.02, 0.1, "on the floor: identical bits", transform=right.transAxes, fontsize=6, color="0.4")
    right.legend(fontsize=7, frameon=False, loc="upper left")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT.with_suffix(".pdf"))
    fig.savefig(OUT.with_suffix(".png"), dpi=150)
    plt.close(fig)
    return data


def main() -> None:
    """Run the cross-checks and the reproduction; print the tables; write the figure and its data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--t-max", type=float, default=2.0, help="cross-check length (default 2)")
    parser.add_argument("--t-repro", type=float, default=20.0, help="reproduction length in ħ/γ (default 20)")
    args = parser.parse_args()
    table, runs = {}, {}
    print(f"{'case':<24} {'dim':>6} {'worst key':<16} {'max |exact - TEBD|':>18} {'exact s':>8} {'TEBD s':>7}")
    for name, model in CASES.items():
        deviations, timing, pair = crosscheck(model, args.t_max, 0.1)
        worst = max(deviations, key=deviations.get)
        table[name] = {"deviations": deviations, **timing}
        runs[name] = pair
        print(f"{name:<24} {timing['sector_dim']:>6} {worst:<16} {deviations[worst]:>18.2e} "
              f"{timing['exact_s']:>8.2f} {timing['tebd_s']:>7.2f}")
    deviation, repro = reproduce(args.t_repro)
    print(f"# N_e = 8 record {repro['record']} reproduced to t = {args.t_repro:g} in {repro['wall_s']:.1f} s: "
          + ", ".join(f"{k} {v:.1e}" for k, v in deviation.items()))
    data = plot(runs, repro)
    np.savez(OUT.with_suffix(".npz"), **data)
    params = {"cases": {name: model.to_dict() for name, model in CASES.items()}, "tebd": CONVERGED.to_dict(),
              "t_max": args.t_max, "dt_out": 0.1, "crosschecks": table,
              "reproduction": {"record": repro["record"], "t_max": args.t_repro, "wall_s": repro["wall_s"],
                               "max_deviation": deviation}}
    OUT.with_suffix(".json").write_text(json.dumps(params, indent=2))
    print(f"# wrote {OUT.with_suffix('.png')}")


if __name__ == "__main__":
    main()
