"""PRX Eq. 8 against the even–odd scheme at equal accuracy (issue 17, target 2).

Two measurements, one command:

1. **Accuracy.** The Trotter error of each order-2 scheme, alone: TEBD with no truncation
   (``trunc = 0``, χ_max above the largest Schmidt rank) against the exact evolver
   (:func:`verify.records.simulate_prx_exact`, Chebyshev to round-off) on PRX chains small enough
   for it, at δt = 0.2, 0.1, 0.05. The error of a run is the largest deviation of S^z_i, n_i, the
   localized spins and the entropy at the cut over all outputs. Both schemes are second order
   (the error falls 4× per halving of δt, printed), so the error is C δt² and the δt at which PRX
   Eq. 8 is as accurate as even–odd at δt = 0.1 is 0.1 · √(C_even-odd / C_prx).
2. **Cost.** The user's run at paper scale: the N_e = 8 chain at χ_max = 400 (the bond dimension the
   second half of the run spends its time at), one Trotter step plus the measurement of every
   observable per output (δt_out = δt = 0.1, :func:`verify.tebd.measure_engine`), for each scheme from
   the same state (the exact canonical form of a checkpoint of the run at t = 22, made once).

The cost of an output at equal accuracy is then (r · step_Eq.8 + measurement_Eq.8) / (step_even-odd +
measurement_even-odd) with r = 0.1 / δt_Eq.8 steps per output, in wall and in CPU time. The
script prints both tables and the ratios, and writes ``benchmarks/results/tebd_schemes.json``.

Run::

    python benchmarks/tebd_schemes.py            # about 3 minutes (+5 for the checkpoint, once)
    python benchmarks/tebd_schemes.py --quick    # accuracy on the small chain only: 40 s
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tebd_flop_floor import DEFAULT_CKPT, ensure_checkpoint, paper_setup, timed  # noqa: E402

from verify.models import PRXChain  # noqa: E402
from verify.records import load_checkpoint, simulate_prx_exact, simulate_prx_tebd  # noqa: E402
from verify.tebd import TEBD, TEBDResumeData, measure_engine  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SCHEMES = ("prx", "even-odd")
KEYS = ("spin_density_z", "density", "spin", "entropy_cut")
DTS = (0.2, 0.1, 0.05)
CASES = {
    "N=14, N_e=3, N_FM=3": PRXChain(n_sites=14, n_left=5, n_fm=3, n_conf=4, n_e=3),
    "paper chain, N_e=1": PRXChain(n_e=1),
}


def trotter_errors(model: PRXChain, t_max: float, dt_out: float) -> dict:
    """Largest deviation from the exact run, per scheme and δt, of every key of :data:`KEYS`."""
    exact = simulate_prx_exact(model, t_max=t_max, dt_out=dt_out)
    out: dict = {}
    for scheme in SCHEMES:
        for dt in DTS:
            run = simulate_prx_tebd(model, t_max=t_max, dt_out=dt_out, dt=dt, chi_max=4096, trunc=0.0, scheme=scheme)
            dev = {k: float(np.max(np.abs(np.asarray(run.arrays[k]) - np.asarray(exact.arrays[k])))) for k in KEYS}
            out[f"{scheme} {dt:g}"] = {**dev, "max": max(dev.values())}
    return out


def step_costs(path: str, k: int) -> dict:
    """Wall and CPU seconds per Trotter step and per measurement of each scheme, from the checkpointed state."""
    stored = load_checkpoint(path)
    out = {}
    for scheme in ("even-odd", "prx"):
        chain, bonds, options, (backend, charges) = paper_setup(scheme)
        data = TEBDResumeData(stored.tensors, stored.center, stored.bond_values, stored.steps,
                              stored.truncation_error, [])
        stored_options = paper_setup("prx" if stored.center is not None else "even-odd")[2]
        start = TEBD.from_resume_data(data, bonds, stored_options, backend=backend, site_charges=charges)
        engine = TEBD(start.canonical_mps(), bonds, options)  # the same exact canonical state for both
        engine.run(1)  # gates cached

        totals = np.zeros((2, 2))  # (step, measurement) × (wall, CPU)
        for _ in range(k):
            totals[0] += timed(lambda engine=engine: engine.run(1))
            totals[1] += timed(lambda e=engine, c=chain, b=bonds: measure_engine(e, c, bonds=b))
        (step_wall, step_cpu), (meas_wall, meas_cpu) = totals / k
        out[scheme] = {"step_wall_s": step_wall, "step_cpu_s": step_cpu, "measure_wall_s": meas_wall,
                       "measure_cpu_s": meas_cpu, "chi": engine.mps.max_bond_dimension()}
    return out


def equal_accuracy_ratio(costs: dict, c_ratio: float, clock: str) -> float:
    """Cost of one output of Eq. 8 at the δt of even–odd's accuracy over that of even–odd at δt = 0.1.

    Eq. 8 needs √(C_prx/C_even-odd) steps of δt = 0.1/√(C ratio) per output interval of 0.1 (error C δt²),
    and one measurement per output as even–odd (a δt that does not divide δt_out is an idealization).
    """
    prx, eo = costs["prx"], costs["even-odd"]
    steps = math.sqrt(c_ratio)
    return (steps * prx[f"step_{clock}_s"] + prx[f"measure_{clock}_s"]) / (eo[f"step_{clock}_s"]
                                                                           + eo[f"measure_{clock}_s"])


def main(argv: list[str] | None = None) -> int:
    """Both measurements, the printed tables and the JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="accuracy on the small chain only")
    p.add_argument("--steps", type=int, default=8, help="timed steps per scheme (default 8)")
    p.add_argument("--checkpoint", default=DEFAULT_CKPT, help=f"the state at t = 22 (default {DEFAULT_CKPT})")
    args = p.parse_args(argv)
    result: dict = {"load": os.getloadavg(), "accuracy": {}}
    for name, model in list(CASES.items())[: 1 if args.quick else None]:
        t0 = time.perf_counter()
        result["accuracy"][name] = errors = trotter_errors(model, t_max=8.0, dt_out=0.4)
        print(f"\nTrotter error (max over outputs, t <= 8) — {name}  [{time.perf_counter() - t0:.0f} s]")
        print(f"{'scheme':>9} {'dt':>5} " + " ".join(f"{k:>15}" for k in KEYS) + f" {'max':>9}  C = max/dt^2")
        for key, dev in errors.items():
            scheme, dt = key.split()
            print(f"{scheme:>9} {dt:>5} " + " ".join(f"{dev[k]:15.2e}" for k in KEYS)
                  + f" {dev['max']:9.2e}  {dev['max'] / float(dt) ** 2:.3f}")
        ratio = errors["prx 0.1"]["max"] / errors["even-odd 0.1"]["max"]
        order = {s: math.log2(errors[f"{s} 0.1"]["max"] / errors[f"{s} 0.05"]["max"]) for s in SCHEMES}
        errors["C_prx/C_even-odd"], errors["observed order"] = ratio, order
        print(f"C_prx / C_even-odd = {ratio:.2f}; observed order (log2 of the error ratio 0.1 → 0.05): "
              + ", ".join(f"{s} {o:.2f}" for s, o in order.items()))
    if not args.quick:
        made = ensure_checkpoint(args.checkpoint, 22.0, "prx")  # shared with tebd_flop_floor.py; kept if there
        costs = result["cost"] = step_costs(args.checkpoint, args.steps)
        result["checkpoint"] = {"path": args.checkpoint, **made}
        print(f"\nUser's run at χ = 400 (N_e = 8, t = 22): a step, then every observable; {args.steps} of each")
        for scheme, c in costs.items():
            print(f"{scheme:>9}: step {c['step_wall_s']:.3f} s wall / {c['step_cpu_s']:.3f} s CPU, measurement "
                  f"{c['measure_wall_s']:.3f} / {c['measure_cpu_s']:.3f} s (χ {c['chi']})")
        c_ratios = sorted(e["C_prx/C_even-odd"] for e in result["accuracy"].values())
        summary = result["equal_accuracy_cost_ratio"] = {}
        for clock in ("wall", "cpu"):
            per_step = ((costs["prx"][f"step_{clock}_s"] + costs["prx"][f"measure_{clock}_s"])
                        / (costs["even-odd"][f"step_{clock}_s"] + costs["even-odd"][f"measure_{clock}_s"]))
            equal = [equal_accuracy_ratio(costs, c, clock) for c in (c_ratios[0], c_ratios[-1])]
            summary[clock] = {"equal_dt": per_step, "equal_accuracy": equal}
            print(f"Eq. 8 / even-odd ({clock}): {per_step:.2f} per output at equal δt; at equal accuracy "
                  f"{equal[0]:.2f}–{equal[1]:.2f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("tebd_schemes_quick.json" if args.quick else "tebd_schemes.json")).write_text(
        json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
