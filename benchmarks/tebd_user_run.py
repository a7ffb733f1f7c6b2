"""The user's run (issue 17, target 1): ``python -m verify run prx --method tebd`` against TeNPy's ``TEBDEngine``.

**Ours** is the run the command line makes — :func:`verify.records.simulate_prx_tebd` with every
observable of the PRX record at every output time δt_out = 0.1 (site densities and spins, all
localized-spin RDMs, every bond entropy, the energy, the charges, Q_MW, the edge-spin mutual
information, written into the record), with the even–odd schedule, the command line's default
(``--scheme prx`` for PRX Eq. 8). **TeNPy** evolves the same model from the same Slater-determinant
MPS with ``TEBDEngine`` (its order-2 even/odd schedule, the same δt, χ_max, truncation: trunc_cut =
√trunc, svd_min = 1e-14) and measures at every output what the figures need — 2s^z_i and n_i on every
site, σ^z of the localized spins, the entropy at the cut and the edge-spin mutual information
(``expectation_value``, ``entanglement_entropy``, ``get_rho_segment``; TeNPy's DMRG preparation is not
counted, our start needs none). With ``--tenpy-measure record`` (the default) TeNPy also measures the rest
of what our record holds — the energy (``bond_energies``, the ⟨h_b⟩ of every bond, as ours) and the
entropy of every bond — so that both codes do the same measurements; the x and y spin components that
our record also holds vanish by the S^z charge both codes conserve (ours reads them off the site RDMs it
has anyway). ``--tenpy-measure figures`` is the narrower set measured before (the records of stops ≤ 23).
TeNPy runs with 1 and with 2 BLAS threads (``threadpoolctl``), ours
as it runs by default (gates and sector decompositions on the usable cores, one BLAS thread each).

The model, TeNPy's sites and Hamiltonian, the conversion of the initial state and TeNPy's measurement
are those of ``benchmarks/tebd_vs_tenpy.py`` (imported, not copied), whose start check (⟨H⟩ by both
codes, the overlap of the converted state, σ^z and n_i at t = 0) runs first. The codes run one after
the other in one process; the printed table splits the run into phases of our bond dimension χ
(per output time, the same t-ranges for every code) with wall and CPU time of each, our measurement
share (wall time inside :func:`verify.tebd.begin_measurement` and its pending measurement's ``complete`` /
total; the time the first layer's gates spend observing the even bonds' energies for it, summed over
the gate threads, is printed and stored beside it, ``ours_runs_observe_in_gates``) and the ratios ours / TeNPy.
At the end the records are compared (max |Δ n_i|, |Δ σ^z|, |Δ S_cut|, |Δ I|, and with ``record`` also
|Δ E| and |Δ S_b| of every bond) over the run.

``--ours-repeats K`` runs ours K times, once before TeNPy and K − 1 times after it (in the same, warm
process), and tables the median run (the slower of the middle two for even K; the machine's speed was
seen to drift by a quarter within minutes; TeNPy runs once per thread count unless repeated, the faster
tabled); the JSON lists every run's wall time (``ours_runs_wall``, ``tenpy_runs_wall``) and the command
line. ``--tenpy-repeats J`` (one TeNPy thread count only) interleaves the codes: ours, TeNPy, ours,
TeNPy, …, ours (J TeNPy runs, at least J + 1 of ours), and also gives for each TeNPy run the ratio of the
mean of its two neighbouring runs of ours to it (``bracketed_ratios``, the median printed): a linear
drift of the machine's speed over the three runs then cancels.

``--exact-measure`` makes ours measure the exact canonical copy of its B form
(``measure_engine(..., exact=True)``, an LQ sweep and a QR sweep per output: the route before issue 17)
instead of the B form as stored, for the before/after comparison in one process.

Run (every number depends on the load of the machine: the script prints ``uptime`` with it)::

    python benchmarks/tebd_user_run.py --quick                 # N = 20, N_e = 3, t = 4: under a minute
    python benchmarks/tebd_user_run.py --n-e 1                 # the paper chain, N_e = 1, t = 0-40
    python benchmarks/tebd_user_run.py --n-e 8 --t-max 25      # in parts: the first 25 time units
    python benchmarks/tebd_user_run.py --n-e 8 --tenpy-threads 1 --exact-measure
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # BLAS starts single-threaded; threadpoolctl raises it for TeNPy's 2-thread run

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import multiprocessing  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import tebd_vs_tenpy as shared  # noqa: E402

from verify.models import PRXChain  # noqa: E402
from verify.records import simulate_prx_tebd  # noqa: E402
from verify.tebd import TEBDOptions  # noqa: E402
from verify.tensors import blas_threads, svd_workers  # noqa: E402

DT_OUT = 0.1
"""The figures' output spacing (one output per Trotter step at the paper's δt = 0.1)."""


def load() -> str:
    """The machine's load averages (``uptime``), printed with every number."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime unavailable"


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (the paper's values as defaults)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    d, paper = PRXChain(), TEBDOptions()
    p.add_argument("--n-e", type=int, default=d.n_e)
    p.add_argument("--t-max", type=float, default=None, help="final time (default 40, --quick 4)")
    p.add_argument("--quick", action="store_true", help="N = 20, N_FM = 3, N_e <= 3, t = 4 (under a minute)")
    p.add_argument("--chi-max", type=int, default=paper.chi_max)
    p.add_argument("--trunc", type=float, default=paper.trunc)
    p.add_argument("--scheme", choices=("even-odd", "prx"), default="even-odd", help="our Trotter scheme")
    p.add_argument("--tenpy-threads", type=str, default="1,2", help="BLAS thread counts for TeNPy ('' skips it)")
    p.add_argument("--tenpy-measure", choices=("record", "figures"), default="record",
                   help="TeNPy measures what our record holds (energy and every bond entropy too) or only "
                        "what the figures plot")
    p.add_argument("--ours-repeats", type=int, default=1,
                   help="run ours this many times (the first before TeNPy, the others after it, or between "
                        "the TeNPy runs with --tenpy-repeats); the table "
                        "takes the median run (the slower of the middle two for even K), the JSON lists all")
    p.add_argument("--tenpy-repeats", type=int, default=1,
                   help="TeNPy runs per thread count, each between two runs of ours (module docstring)")
    p.add_argument("--exact-measure", action="store_true", help="ours measures the exact canonical copy")
    p.add_argument("--json", type=str, default=None, help="write the results here")
    args = p.parse_args(argv)
    args.sizes = dict(n_sites=20, n_left=8, n_fm=3, n_conf=5) if args.quick else {}
    if args.quick:
        args.n_e = min(args.n_e, 3)
    if args.t_max is None:
        args.t_max = 4.0 if args.quick else 40.0
    if args.ours_repeats < 1:
        p.error(f"--ours-repeats must be at least 1, got {args.ours_repeats}")
    if args.tenpy_repeats < 1:
        p.error(f"--tenpy-repeats must be at least 1, got {args.tenpy_repeats}")
    if args.tenpy_repeats > 1:
        args.ours_repeats = max(args.ours_repeats, args.tenpy_repeats + 1)
    args.threads = [int(k) for k in args.tenpy_threads.split(",") if k.strip()]
    if args.tenpy_repeats > 1 and len(args.threads) != 1:  # two counts in a row would not be centred
        p.error("--tenpy-repeats needs exactly one --tenpy-threads count")
    # what tebd_vs_tenpy.check_same_start reads
    args.dt, args.steps, args.tenpy_blas_threads = paper.dt, round(args.t_max / paper.dt), args.threads[:1] or [1]
    return args


# --------------------------------------------------------------------------------------------- ours
def cpu_time() -> float:
    """CPU seconds of this process and of its live child processes (the gate processes of
    :mod:`verify.tebd.segments`; read from /proc, so on Linux only: elsewhere this process alone)."""
    total = time.process_time()
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for child in multiprocessing.active_children():
        try:
            with open(f"/proc/{child.pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        except (OSError, IndexError, ValueError):
            pass
    return total


class _Stamps:
    """Progress callback of simulate_prx_tebd: (wall, CPU) after every output (one per engine call)."""

    def __init__(self) -> None:
        self.wall: list[float] = [time.perf_counter()]
        self.cpu: list[float] = [cpu_time()]
        self.setup = float("nan")  # initial MPS, engine and t = 0 record (not in the table)

    def __call__(self, fraction: float) -> None:
        self.wall.append(time.perf_counter())
        self.cpu.append(cpu_time())


def run_ours(args: argparse.Namespace, model: PRXChain) -> dict:
    """The CLI-equivalent run, timed per output, with the measurement's time taken apart: the time inside
    begin_measurement and its pending measurement's complete (the latter after the next run), and,
    summed over the gate threads of the calling process (a gate process's are not seen), the time the
    gates spend observing the even bonds' energies (``add_row_expectations`` inside the fused update:
    measurement work done inside the steps)."""
    module = sys.modules["verify.records.simulate_tebd"]
    split_module = sys.modules["verify.tensors.blocksparse_split"]
    original, original_observe = module.begin_measurement, split_module.add_row_expectations
    spent: list[list[float]] = []
    observing = [0.0]
    carry = [0.0, 0.0]  # a deferred complete's time, counted in the output interval it ran in
    lock = threading.Lock()

    def timed(*a, **k):
        w, c = time.perf_counter(), time.process_time()
        pending = original(*a, exact=True, **k) if args.exact_measure else original(*a, **k)
        entry = [time.perf_counter() - w + carry[0], time.process_time() - c + carry[1]]
        carry[0] = carry[1] = 0.0
        spent.append(entry)
        if len(spent) == 1:  # the t = 0 record: setup ends here, the timed outputs start
            stamps.setup = time.perf_counter() - stamps.wall[0]
            stamps.wall[0], stamps.cpu[0] = time.perf_counter(), cpu_time()
        complete, interval = pending.complete, len(stamps.wall)

        def timed_complete(*a, **k):
            w, c = time.perf_counter(), time.process_time()
            out = complete(*a, **k)
            # after the next run (a later stamp): that output's interval; at once: this one's
            target = carry if len(stamps.wall) > interval else entry
            target[0] += time.perf_counter() - w
            target[1] += time.process_time() - c
            return out

        pending.complete = timed_complete
        return pending

    def timed_observe(*a, **k):
        w = time.perf_counter()
        out = original_observe(*a, **k)
        with lock:
            observing[0] += time.perf_counter() - w
        return out

    stamps = _Stamps()
    module.begin_measurement, split_module.add_row_expectations = timed, timed_observe
    try:
        result = simulate_prx_tebd(model, t_max=args.t_max, dt_out=DT_OUT, chi_max=args.chi_max, trunc=args.trunc,
                                   scheme=args.scheme, progress=stamps)
    finally:
        module.begin_measurement, split_module.add_row_expectations = original, original_observe
    # spent[0] is the t = 0 record (before the first stamp); output k's interval holds run k, the begin of
    # measurement k and the complete of measurement k − 1 (deferred) or k (at once)
    wall, cpu = np.diff(stamps.wall), np.diff(stamps.cpu)
    measure = np.array(spent[1:])
    arrays = result.arrays
    return {"wall": wall, "cpu": cpu, "measure_wall": measure[:, 0], "measure_cpu": measure[:, 1],
            "observe_in_gates": observing[0], "setup_wall": stamps.setup,
            "chi": np.asarray(arrays["max_bond_dimension"])[1:],
            "density": arrays["density"], "sigma_z": arrays["spin"][:, :, 2], "entropy_cut": arrays["entropy_cut"],
            "mutual_info_edges": arrays["mutual_info_edges"], "energy": np.asarray(arrays["energy"])[1:],
            "entropies": np.asarray(arrays["bond_entropy"])[1:],
            "trunc": float(arrays["truncation_error"][-1])}


# -------------------------------------------------------------------------------------------- TeNPy
def run_tenpy(args: argparse.Namespace, model: PRXChain, psi0, m, threads: int) -> dict:
    """TeNPy's TEBDEngine from a copy of the converted state, measuring every output, per-output times."""
    from tenpy.algorithms.tebd import TEBDEngine
    from threadpoolctl import threadpool_limits

    psi = psi0.copy()
    options = {"order": 2, "dt": args.dt, "N_steps": 1, "max_N_sites_per_ring": model.n_sites,
               "trunc_params": {"chi_max": args.chi_max, "svd_min": 1e-14, "trunc_cut": math.sqrt(args.trunc)}}
    n_out = round(args.t_max / DT_OUT)
    n_sub = round(DT_OUT / args.dt)
    rows = {key: [] for key in ("wall", "cpu", "measure_wall", "measure_cpu", "chi", "density", "sigma_z",
                                "entropy_cut", "mutual_info_edges", "energy", "entropies")}
    with threadpool_limits(limits=threads, user_api="blas"):
        eng = TEBDEngine(psi, m, options)
        eng.calc_U(2, args.dt, type_evo="real")
        first = shared.tenpy_measurement(psi, model, psi.sites)  # t = 0, not timed (ours records it in setup)
        for key in ("density", "sigma_z", "entropy_cut", "mutual_info_edges"):
            rows[key].append(first[key])
        for _ in range(n_out):
            w0, c0 = time.perf_counter(), time.process_time()
            eng.evolve(n_sub, args.dt)
            w1, c1 = time.perf_counter(), time.process_time()
            measured = shared.tenpy_measurement(psi, model, psi.sites)
            if args.tenpy_measure == "record":
                rows["energy"].append(float(np.real(np.sum(m.bond_energies(psi)))))
                rows["entropies"].append(psi.entanglement_entropy())
            w2, c2 = time.perf_counter(), time.process_time()
            rows["wall"].append(w2 - w0)
            rows["cpu"].append(c2 - c0)
            rows["measure_wall"].append(w2 - w1)
            rows["measure_cpu"].append(c2 - c1)
            rows["chi"].append(max(psi.chi))
            for key in ("density", "sigma_z", "entropy_cut", "mutual_info_edges"):
                rows[key].append(measured[key])
    out = {key: np.asarray(value) for key, value in rows.items()}
    out["trunc"] = float(eng.trunc_err.eps)
    return out


# ------------------------------------------------------------------------------------------ summary
def phases(chi: np.ndarray, chi_max: int) -> list[tuple[str, np.ndarray]]:
    """Output indices grouped by our bond dimension: χ ≤ χ_max/8, ≤ χ_max/2, < χ_max, = χ_max."""
    edges = [(f"chi <= {chi_max // 8}", chi <= chi_max // 8),
             (f"chi <= {chi_max // 2}", (chi > chi_max // 8) & (chi <= chi_max // 2)),
             (f"chi < {chi_max}", (chi > chi_max // 2) & (chi < chi_max)),
             (f"chi = {chi_max}", chi >= chi_max)]
    return [(name, np.flatnonzero(mask)) for name, mask in edges if mask.any()]


def table(args: argparse.Namespace, ours: dict, tenpy: dict[int, dict]) -> list[dict]:
    """Per phase of χ and in total: wall and CPU of each code, our measurement share, the ratios."""
    t = DT_OUT * (np.arange(ours["chi"].size) + 1)
    groups = [*phases(ours["chi"], args.chi_max), ("whole run", np.arange(ours["chi"].size))]
    head = f"{'phase':>14} {'t':>11} | {'ours wall':>9} {'cpu':>7} {'meas%':>6} {'cpu%':>6}"
    for k in tenpy:
        head += f" | {f'TeNPy{k} wall':>11} {'cpu':>7} {'meas%':>6} {'ratio w':>7} {'cpu':>5}"
    print(head)
    rows = []
    for name, idx in groups:
        row = {"phase": name, "t_from": float(t[idx[0]] - DT_OUT), "t_to": float(t[idx[-1]]),
               "ours_wall": float(ours["wall"][idx].sum()), "ours_cpu": float(ours["cpu"][idx].sum()),
               "ours_measure_share": float(ours["measure_wall"][idx].sum() / ours["wall"][idx].sum()),
               "ours_measure_share_cpu": float(ours["measure_cpu"][idx].sum() / ours["cpu"][idx].sum())}
        line = (f"{name:>14} {row['t_from']:5.1f}-{row['t_to']:<5.1f} | {row['ours_wall']:9.1f} "
                f"{row['ours_cpu']:7.1f} {row['ours_measure_share']:6.1%} {row['ours_measure_share_cpu']:6.1%}")
        for k, theirs in tenpy.items():
            w, c = float(theirs["wall"][idx].sum()), float(theirs["cpu"][idx].sum())
            row[f"tenpy{k}"] = {"wall": w, "cpu": c, "measure_share": float(theirs["measure_wall"][idx].sum() / w),
                                "ratio_wall": row["ours_wall"] / w, "ratio_cpu": row["ours_cpu"] / c}
            line += (f" | {w:11.1f} {c:7.1f} {row[f'tenpy{k}']['measure_share']:6.1%} "
                     f"{row[f'tenpy{k}']['ratio_wall']:7.3f} {row[f'tenpy{k}']['ratio_cpu']:5.2f}")
        print(line)
        rows.append(row)
    return rows


def deviations(ours: dict, theirs: dict) -> dict:
    """Largest differences of the recorded series between the two codes over the run."""
    n = min(len(ours["density"]), len(theirs["density"]))
    worst = {}
    if len(theirs["energy"]):  # TeNPy measured it (--tenpy-measure record); both from the first output on
        m = min(len(ours["energy"]), len(theirs["energy"]))
        worst["energy"] = float(np.max(np.abs(ours["energy"][:m] - theirs["energy"][:m])))
        worst["bond_entropies"] = float(np.max(np.abs(ours["entropies"][:m] - np.asarray(theirs["entropies"][:m]))))
    return worst | {"density": float(np.max(np.abs(ours["density"][:n] - theirs["density"][:n]))),
            "sigma_z": float(np.max(np.abs(ours["sigma_z"][:n] - theirs["sigma_z"][:n]))),
            "entropy_cut": float(np.max(np.abs(ours["entropy_cut"][:n] - theirs["entropy_cut"][:n]))),
            "mutual_info_edges": float(np.max(np.abs(ours["mutual_info_edges"][:n]
                                                      - theirs["mutual_info_edges"][:n])))}


def main(argv: list[str] | None = None) -> dict:
    """Both codes' user runs side by side; prints the table and returns it."""
    args = parse(argv)
    import logging

    logging.getLogger("tenpy").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", module="tenpy")
    model = PRXChain(n_e=args.n_e, **args.sizes)
    bonds = model.chain().bond_hamiltonians()
    print(f"load at start: {load()}")
    tenpy_needed = bool(args.threads)
    if tenpy_needed:
        with blas_threads(1):
            _, psi0, m, check, _ = shared.check_same_start(args, model, bonds)
    out: dict = {"model": model.to_dict(), "t_max": args.t_max, "dt_out": DT_OUT, "chi_max": args.chi_max,
                 "trunc": args.trunc, "scheme": args.scheme, "svd_threads": svd_workers(),
                 "exact_measure": args.exact_measure, "tenpy_threads": args.threads,
                 "tenpy_measure": args.tenpy_measure, "ours_repeats": args.ours_repeats,
                 "tenpy_repeats": args.tenpy_repeats, "argv": sys.argv[1:] if argv is None else list(argv)}
    runs = []

    def ours_once() -> None:
        runs.append(run_ours(args, model))
        print(f"ours done ({runs[-1]['wall'].sum():.1f} s wall, measurement {runs[-1]['measure_wall'].sum():.1f} s "
              f"+ {runs[-1]['observe_in_gates']:.1f} s observing in the gates, summed over threads); "
              f"load: {load()}", flush=True)

    ours_once()
    tenpy_runs: dict[int, list] = {k: [] for k in args.threads}
    for j in range(args.tenpy_repeats):
        for k in args.threads:
            tenpy_runs[k].append(run_tenpy(args, model, psi0, m, k))
            print(f"TeNPy with {k} BLAS thread(s) done ({tenpy_runs[k][-1]['wall'].sum():.1f} s wall); "
                  f"load: {load()}", flush=True)
        if j < args.tenpy_repeats - 1:
            ours_once()
    for _ in range(args.ours_repeats - len(runs)):  # after TeNPy: a drift of the machine's speed shows in the spread
        ours_once()
    tenpy = {k: min(v, key=lambda run: run["wall"].sum()) for k, v in tenpy_runs.items()}  # TeNPy at its best
    ours = sorted(runs, key=lambda run: run["wall"].sum())[len(runs) // 2]  # the median (the slower for even K)
    out["ours_runs_wall"] = [float(run["wall"].sum()) for run in runs]
    out["ours_runs_measure_wall"] = [float(run["measure_wall"].sum()) for run in runs]
    out["ours_runs_observe_in_gates"] = [float(run["observe_in_gates"]) for run in runs]
    out["tenpy_runs_wall"] = {k: [float(run["wall"].sum()) for run in v] for k, v in tenpy_runs.items()}
    if args.tenpy_repeats > 1:  # each TeNPy run against the mean of the runs of ours just before and after it
        walls = out["ours_runs_wall"]
        out["bracketed_ratios"] = {k: [(walls[j] + walls[j + 1]) / 2 / w for j, w in enumerate(v)]
                                   for k, v in out["tenpy_runs_wall"].items()}
        for k, ratios in out["bracketed_ratios"].items():
            print(f"bracketed ratios, TeNPy {k} thread(s): {', '.join(f'{r:.3f}' for r in ratios)}; "
                  f"median {float(np.median(ratios)):.3f}")
    out["table"] = table(args, ours, tenpy)
    out["load_end"] = load()
    out["truncation_error"] = {"ours": ours["trunc"], **{f"tenpy{k}": v["trunc"] for k, v in tenpy.items()}}
    if tenpy_needed:
        out["check_t0"] = check
        out["max_deviation"] = deviations(ours, tenpy[args.threads[0]])
        print("max deviation over the run (ours vs TeNPy): "
              + ", ".join(f"{key} {value:.2e}" for key, value in out["max_deviation"].items()))
    print("accumulated truncation error: " + ", ".join(f"{k} {v:.2e}" for k, v in out["truncation_error"].items()))
    print(f"load at end: {out['load_end']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
