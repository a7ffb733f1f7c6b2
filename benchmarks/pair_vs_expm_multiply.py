"""Pair-paper run (Eq. 2, Fig. 2 size): our windowed Chebyshev propagator vs scipy's expm_multiply.

Both evolve the same initial state on the same total-S^z sector from 0 to t_max with outputs every
dt_out; the reference uses ``PairHamiltonian.to_sparse()`` (a CSR matrix of the same H) and
``scipy.sparse.linalg.expm_multiply(-iH/ħ, ψ0, start=0, stop=t_max, num=n_t)``. The same observable
code (``PairObservables``, Eqs. 5–6) is applied to both sets of states.

Printed: wall and CPU times of both, the ratio ours / expm_multiply (target ≤ 0.25), peak memory of
each phase (numpy allocations, tracemalloc), our conservation drifts, and the max deviation of every
observable time series between the two routes.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/pair_vs_expm_multiply.py            # singlet, N = 200, L = 4
    python benchmarks/pair_vs_expm_multiply.py --pair triplet-1 --json out.json
    python benchmarks/pair_vs_expm_multiply.py --n-sites 100 --quick         # smaller, for a smoke test
"""

from __future__ import annotations

import argparse
import json
import os
import time
import tracemalloc

import numpy as np
from scipy.sparse.linalg import expm_multiply

from verify.exact import PairHamiltonian, PairObservables, embed_initial_state, pair_initial_state
from verify.models import PAIR_STATES, PairOnRing
from verify.records import RunResult, output_times, simulate_pair


def reference_run(model: PairOnRing, pair: str, theta: float | None, t_max: float, dt_out: float) -> dict:
    """The same time series from expm_multiply on the assembled sparse H (timed in two parts)."""
    two_sz, psi0 = embed_initial_state(pair_initial_state(model, pair, theta), model.n_spins)
    ham = PairHamiltonian(model, psi0.ndim - 1, two_sz)
    obs = PairObservables(ham)
    times = output_times(t_max, dt_out)

    t0, c0 = time.perf_counter(), time.process_time()
    generator = (-1j / model.hbar) * ham.to_sparse()
    build_wall, build_cpu = time.perf_counter() - t0, time.process_time() - c0

    t0, c0 = time.perf_counter(), time.process_time()
    if times.size > 1:
        psis = expm_multiply(
            generator, psi0.reshape(-1), start=0.0, stop=float(times[-1]), num=times.size, endpoint=True
        )
    else:
        psis = psi0.reshape(1, -1)
    expm_wall, expm_cpu = time.perf_counter() - t0, time.process_time() - c0

    series = {key: [] for key in ("sigma_z", "S_z", "pair_probabilities", "norm", "energy", "sz_total")}
    for psi in psis:
        psi = psi.reshape(ham.shape)
        o = obs(psi)
        for key in ("sigma_z", "S_z", "pair_probabilities", "norm", "sz_total"):
            series[key].append(o[key])
        series["energy"].append(ham.energy(psi))
    arrays = {key: np.array(value) for key, value in series.items()}
    arrays["spin_transfer"] = np.abs(arrays["sigma_z"] - arrays["sigma_z"][0])
    arrays["t"] = times
    return {
        "arrays": arrays,
        "build_wall": build_wall,
        "build_cpu": build_cpu,
        "expm_wall": expm_wall,
        "expm_cpu": expm_cpu,
        "sector_dim": ham.sector.dim,
        "state_dim": int(np.prod(ham.shape)),
    }


def time_ours(model: PairOnRing, args: argparse.Namespace, theta: float | None) -> tuple[dict, RunResult]:
    """Run :func:`verify.records.simulate_pair` under tracemalloc: (its times, memory and counters; the run)."""
    t0, c0 = time.perf_counter(), time.process_time()
    ours = simulate_pair(model, args.pair, theta=theta, t_max=args.t_max, dt_out=args.dt_out)
    ours_wall, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
    ours_peak = tracemalloc.get_traced_memory()[1]
    cheb = ours.meta["propagator"]
    report: dict = {
        "model": model.to_dict(),
        "pair": args.pair,
        "theta": theta,
        "sector_dim": ours.meta["sector_dim"],
        "state_dim": ours.meta["state_dim"],
        "ours": {"wall_s": ours_wall, "cpu_s": ours_cpu, "peak_MB": ours_peak / 2**20, "chebyshev": cheb},
        "drifts": ours.meta["drifts"],
    }
    print(f"sector dim {ours.meta['sector_dim']}, state dim {ours.meta['state_dim']}")
    print(
        f"chebyshev: wall {ours_wall:.2f} s, cpu {ours_cpu:.2f} s, peak {ours_peak / 2**20:.0f} MB; "
        f"{cheb['n_matvec']} H applications in {cheb['n_windows']} windows of {cheb['window']:.2f} fs "
        f"(+{len(ours.arrays['t'])} for the energy), bounds {cheb['bounds'][0]:.3f}..{cheb['bounds'][1]:.3f} eV"
    )
    print("drifts (max |x(t) - x(0)|): " + ", ".join(f"{k} {v:.2e}" for k, v in ours.meta["drifts"].items()))
    return report, ours


def compare_with_expm(
    model: PairOnRing, args: argparse.Namespace, theta: float | None, report: dict, ours: RunResult
) -> None:
    """The same run by ``expm_multiply``: times, memory, ratios and the largest deviations, into ``report``."""
    ours_wall, ours_cpu = report["ours"]["wall_s"], report["ours"]["cpu_s"]
    tracemalloc.reset_peak()
    ref = reference_run(model, args.pair, theta, args.t_max, args.dt_out)
    ref_peak = tracemalloc.get_traced_memory()[1]
    deviations = {
        key: float(np.nanmax(np.abs(ours.arrays[key] - ref["arrays"][key])))
        for key in ("sigma_z", "S_z", "spin_transfer", "pair_probabilities", "norm", "energy", "sz_total")
        if not np.all(np.isnan(ours.arrays[key]))
    }
    report["expm_multiply"] = {
        "build_wall_s": ref["build_wall"],
        "wall_s": ref["expm_wall"],
        "cpu_s": ref["expm_cpu"],
        "peak_MB": ref_peak / 2**20,
    }
    report["ratio_wall"] = ours_wall / ref["expm_wall"]
    report["ratio_cpu"] = ours_cpu / ref["expm_cpu"]
    report["max_deviation"] = deviations
    print(
        f"expm_multiply: wall {ref['expm_wall']:.2f} s, cpu {ref['expm_cpu']:.2f} s "
        f"(+ {ref['build_wall']:.2f} s to assemble the sparse H), peak {ref_peak / 2**20:.0f} MB"
    )
    print(
        f"ratio ours/expm_multiply: wall {report['ratio_wall']:.3f}, cpu {report['ratio_cpu']:.3f} (target <= 0.25)"
    )
    print("max deviation ours vs expm_multiply: " + ", ".join(f"{k} {v:.1e}" for k, v in deviations.items()))


def main(argv: list[str] | None = None) -> dict:
    """Time :func:`verify.records.simulate_pair` against ``scipy.sparse.linalg.expm_multiply`` on one run.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    dict
        Model, wall/CPU times and peak memory of both propagators, their ratios, the conservation
        drifts and the largest deviation per observable (the last three only without ``--quick``);
        also written to ``--json`` when given.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pair", default="singlet", choices=PAIR_STATES)
    parser.add_argument("--theta", type=float, default=None)
    parser.add_argument("--n-sites", type=int, default=200)
    parser.add_argument("--n-spins", type=int, default=4)
    parser.add_argument("--t-max", type=float, default=60.0)
    parser.add_argument("--dt-out", type=float, default=0.5)
    parser.add_argument("--quick", action="store_true", help="skip expm_multiply (timing of ours only)")
    parser.add_argument("--json", default=None, help="write the numbers to this JSON file")
    args = parser.parse_args(argv)
    if args.pair == "theta" and args.theta is None:
        parser.error("--pair theta needs --theta")

    defaults = PairOnRing()
    scale = args.n_sites / defaults.n_sites  # keep the paper's geometry in proportion on other rings
    model = PairOnRing(
        n_sites=args.n_sites,
        n_spins=args.n_spins,
        chain_start=max(1, round(defaults.chain_start * scale)),
        x1=max(1.0, round(defaults.x1 * scale)),
        x2=max(1.0, round(defaults.x2 * scale)),
    )
    theta = args.theta if args.pair == "theta" else None
    print(
        f"model: N = {model.n_sites}, L = {model.n_spins}, pair = {args.pair}, theta = {theta}, "
        f"0..{args.t_max} fs every {args.dt_out} fs; OMP_NUM_THREADS = {os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )

    tracemalloc.start()
    report, ours = time_ours(model, args, theta)
    if not args.quick:
        compare_with_expm(model, args, theta, report, ours)
    tracemalloc.stop()
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(report, handle, indent=2, default=float)
    return report


if __name__ == "__main__":
    main()
