"""The floor of a TEBD step (issue 17, item 4): flops per χ = 400 step against the machine's GEMM rate.

The PRX paper run (N_e = 8, N = 75, the package's defaults δt = 0.1, trunc = 1e-7, χ_max = 400, PRX
Eq. 8) is run once to t ≈ 22 with a checkpoint (cached under /tmp, resumed on reruns); each
measurement resumes the engine from it (:func:`verify.records.load_checkpoint`,
:meth:`verify.tebd.TEBD.from_resume_data`) and runs 2 warm-up steps (gates built) before K steps.

* **Flops** — ``flop_count.py``: the backend's functions are recompiled with every ``a @ b`` replaced by
  a counting call (AST rewrite of their own source), and ``numpy.linalg.svd/eigh/qr``, ``scipy.linalg.svd``,
  ``numpy.tensordot/einsum`` are wrapped; each call records its operand shapes, flops and time.
* **GEMM rate** — complex128 ``matmul`` at the representative shapes of the step and n = 2000, on 1
  and 2 BLAS threads (``verify.tensors.blas_threads``), best of several repeats, in the same process.
* **Time** — wall and CPU time of the K steps uninstrumented (best of 2) with the package's default
  threads, with one BLAS thread, and on one core (:data:`CONFIGS`); an instrumented one-core run
  (QSTT_SVD_THREADS=1, one BLAS thread) for the time inside BLAS/LAPACK per category, and a
  cProfile of one step in it (BLAS appears as its own function).

``--selftest`` checks the counter on three gate applications of a small charged MPS (the Gram routes
of both sides absorbed right and left, and gesdd for the small wide sectors) against a hand count from
the block shapes. ``--scheme even-odd`` measures the default scheme and ``--per-output`` times K runs of
one step (the user's run with an output every step: three layers per step) instead of one run of K.
Writes ``results/tebd_flop_floor.{txt,json}`` (PRX Eq. 8, one run of K), else
``results/tebd_flop_floor_<scheme>[_per_output]_t<t>.{txt,json}``::

    python benchmarks/tebd_flop_floor.py --selftest
    python benchmarks/tebd_flop_floor.py [--checkpoint PATH] [--t 22] [--steps 5]
    python benchmarks/tebd_flop_floor.py --scheme even-odd --per-output --t 30 \
        --checkpoint /tmp/qstt_flop_floor/prx_ne8_chi400_t30_even-odd.ckpt.npz
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flop_count import _NAME, COUNTER, category, eigh_flops, gemm_flops, instrumented, qr_flops, svd_flops

import verify.tensors.decompositions as decompositions
from verify.models import PRXChain, as_chain
from verify.mps import to_charged_mps
from verify.records import load_checkpoint, simulate_prx_tebd
from verify.tebd import TEBD, TEBDOptions, TEBDResumeData, initial_mps, measure_engine, tensor_backend
from verify.tensors import GRAM_MAX_ASPECT, blas_backend, blas_thread_counts, blas_threads

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_CKPT = "/tmp/qstt_flop_floor/prx_ne8_chi400_t22.ckpt.npz"


# ------------------------------------------------------------------ the state at χ = 400
def paper_setup(scheme: str | None):
    """The N_e = 8 paper chain, its bond Hamiltonians, TEBD options and tensor backend."""
    chain = as_chain(PRXChain(n_e=8))
    options = TEBDOptions(scheme=scheme)
    return chain, chain.bond_hamiltonians(), options, tensor_backend(chain, options.backend)


def ensure_checkpoint(path: str, t: float, scheme: str | None) -> dict:
    """Run (or resume) the paper run to ``t`` with outputs every 0.5 unless the checkpoint is there."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if os.path.exists(path) and load_checkpoint(path).steps * 0.1 >= t - 1e-9:
        return {"made": False}
    t0, c0 = time.perf_counter(), time.process_time()
    simulate_prx_tebd(PRXChain(n_e=8), t_max=t, dt_out=0.5, checkpoint=path, resume=True, checkpoint_every=20,
                      scheme=scheme)
    return {"made": True, "wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}


def engine_factory(path: str, scheme: str | None):
    """A function returning a fresh engine resumed from the checkpoint after 2 warm-up steps."""
    stored = load_checkpoint(path)
    chain, bonds, options, (backend, charges) = paper_setup(scheme)
    data = TEBDResumeData(stored.tensors, stored.center, stored.bond_values, stored.steps, stored.truncation_error,
                          [int(k) for k in stored.info.get("limited_steps", [])])

    def make() -> TEBD:
        """A fresh engine at the checkpoint, two steps on."""
        engine = TEBD.from_resume_data(data, bonds, options, backend=backend, site_charges=charges)
        engine.run(2)  # builds the cached gates of every (bond, weight) of run(K)
        return engine
    return make, chain, bonds


@contextlib.contextmanager
def serial_gates():
    """QSTT_SVD_THREADS=1: every decomposition in the calling thread (BLAS threading unchanged)."""
    old = os.environ.get("QSTT_SVD_THREADS")
    os.environ["QSTT_SVD_THREADS"] = "1"
    try:
        yield
    finally:
        os.environ.pop("QSTT_SVD_THREADS") if old is None else os.environ.__setitem__("QSTT_SVD_THREADS", old)


def timed(func) -> tuple[float, float]:
    """Wall and CPU (process) seconds of ``func()``."""
    t0, c0 = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - t0, time.process_time() - c0


# ------------------------------------------------------------------ measurements
def advance(engine: TEBD, k: int, per_output: bool) -> None:
    """K steps: one run of K steps (the layers of consecutive steps fused), or K runs of one step, as the
    user's run with an output after every step (δt_out = δt: three layers per step for even–odd)."""
    if per_output:
        for _ in range(k):
            engine.run(1)
    else:
        engine.run(k)


def count_and_profile(make, chain, bonds, k: int, per_output: bool = False) -> dict:
    """Instrumented runs on one thread (no gate threads, one BLAS thread): K steps (flops, time in each
    call), one measurement, a cProfile of one step."""
    engine = make()
    chi = engine.mps.max_bond_dimension()
    COUNTER.clear()
    with serial_gates(), blas_threads(1), instrumented():  # one core: every call's time is its own
        COUNTER.phase = "step"
        wall, cpu = timed(lambda: advance(engine, k, per_output))
        COUNTER.phase = "measurement"
        m_wall, m_cpu = timed(lambda: measure_engine(engine, chain, t=engine.time, bonds=bonds))
        COUNTER.phase = "profile"
        profiler = cProfile.Profile()
        p_wall, _ = timed(lambda: profiler.runcall(engine.run, 1))
    records = [r for r in COUNTER.records if r[0] != "profile"]
    return {"chi": chi, "records": records, "serial_wall_s": wall, "serial_cpu_s": cpu, "measure_wall_s": m_wall,
            "measure_cpu_s": m_cpu, "profile": profiler, "profile_wall_s": p_wall}


CONFIGS = {"default": (None, False), "BLAS 1 thread": (1, False), "one core": (1, True)}
"""Timed thread settings: (BLAS threads, serial gates). ``default`` is the package's (BLAS as the process
starts: OpenBLAS on both cores; sector decompositions on 2 gate threads), ``BLAS 1 thread`` as with
``OMP_NUM_THREADS=1`` (the gate threads stay), ``one core`` also without gate threads."""


def time_configs(make, chain, bonds, k: int, reps: int = 2, per_output: bool = False) -> dict:
    """Best-of-``reps`` wall (with its CPU) of K uninstrumented steps and of one measurement per setting."""
    out = {}
    for name, (blas, serial) in CONFIGS.items():
        steps, measures = [], []
        for _ in range(reps):
            engine = make()
            with blas_threads(blas), serial_gates() if serial else contextlib.nullcontext():
                steps.append(timed(lambda e=engine: advance(e, k, per_output)))
                measures.append(timed(lambda e=engine: measure_engine(e, chain, t=e.time, bonds=bonds)))
        (wall, cpu), (m_wall, m_cpu) = min(steps), min(measures)
        out[name] = {"wall_s": wall / k, "cpu_s": cpu / k, "measure_wall_s": m_wall, "measure_cpu_s": m_cpu,
                     "all_runs_wall_cpu_s": steps}
    return out


def gemm_rate(m: int, n: int, k: int, threads: int, repeats: int = 9, min_time: float = 0.1) -> float:
    """Best complex128 matmul rate (GFLOP/s) of an m×k by k×n product on ``threads`` BLAS threads."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(m, k)) + 1j * rng.normal(size=(m, k))
    b = rng.normal(size=(k, n)) + 1j * rng.normal(size=(k, n))
    with blas_threads(threads):
        a @ b
        t0, inner = time.perf_counter(), 0
        while time.perf_counter() - t0 < min_time or inner == 0:
            a @ b
            inner += 1
        best = np.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(inner):
                a @ b
            best = min(best, (time.perf_counter() - t0) / inner)
    return gemm_flops(m, n, k, True) / best / 1e9


def representative_shapes(records: list) -> dict:
    """The count-median, the flop-weighted median and the largest GEMM shape of the step."""
    gemms = sorted((r[4], r[3]) for r in records if r[0] == "step" and r[2] == "gemm")
    flops = np.cumsum([f for f, _ in gemms])
    return {"count median": gemms[len(gemms) // 2][1],
            "flop-weighted median": gemms[int(np.searchsorted(flops, flops[-1] / 2))][1],
            "largest": gemms[-1][1]}


def gemm_rates(shapes: dict) -> dict:
    """GFLOP/s at each representative shape and at n = 2000 (the peak), on 1 and 2 BLAS threads."""
    out = {}
    for name, (m, n, k) in {**shapes, "peak n = 2000": (2000, 2000, 2000)}.items():
        reps = 3 if name.startswith("peak") else 9
        out[name] = {"shape_mnk": [int(m), int(n), int(k)],
                     **{f"{t} thread": gemm_rate(m, n, k, t, repeats=reps) for t in (1, 2)}}
    return out


def profile_table(profiler: cProfile.Profile, top: int = 15) -> tuple[str, dict]:
    """Top functions by cumulative and by self time, and the self time split into classes."""
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    classes: dict[str, float] = defaultdict(float)
    for (filename, _, name), (_, _, self_t, _, _) in stats.stats.items():
        if name == _NAME:
            key = "BLAS GEMM (counted @)"
        elif name in ("svd", "eigh", "qr") and "linalg" in filename:
            key = "LAPACK (svd/eigh/qr)"
        elif filename.endswith("flop_count.py"):
            key = "instrumentation overhead (absent from the uninstrumented run)"
        elif filename == "~":
            key = ("numpy C calls (allocation, concatenate, reshape/transpose, copies)" if "numpy" in name else
                   "Python built-ins (dict/list/tuple bookkeeping)")
        elif "verify" in filename:
            key = "package Python lines (bookkeeping + numpy operators: slice copies, scaling)"
        else:
            key = "numpy/stdlib Python wrappers"
        classes[key] += self_t
    return stream.getvalue(), dict(classes)


# ------------------------------------------------------------------ self-test
def _hand_count(a, c, theta, gated, split, absorb: str) -> dict[str, float]:
    """Flops of two_site, apply_gate and split(absorb) from the block shapes alone."""
    expected: dict[str, float] = defaultdict(float)
    for qk in {key[2] for key in a.blocks} & {key[0] for key in c.blocks}:
        rows = sum(x.shape[0] * x.shape[1] for key, x in a.blocks.items() if key[2] == qk)
        cols = sum(y.shape[1] * y.shape[2] for key, y in c.blocks.items() if key[0] == qk)
        inner = next(x.shape[2] for key, x in a.blocks.items() if key[2] == qk)
        expected["theta = A·B GEMM"] += 8 * rows * cols * inner
    total = a.legs[1].charges[:, None, :] + c.legs[1].charges[None, :, :]
    for ql, qr in {(key[0], key[3]) for key in theta.blocks}:
        blk = next(x for key, x in theta.blocks.items() if key[0] == ql and key[3] == qr)
        d = int(np.all(total == np.subtract(qr, ql), axis=-1).sum())  # physical pairs of charge q_r − q_l
        expected["gate GEMM"] += 8 * d * d * blk.shape[0] * blk.shape[3]
    rows_of, cols_of = defaultdict(dict), defaultdict(dict)
    for (ql, qp1, qp2, qr), blk in gated.blocks.items():
        qk = tuple(np.add(ql, qp1).tolist())
        rows_of[qk][(ql, qp1)] = blk.shape[0] * blk.shape[1]
        cols_of[qk][(qp2, qr)] = blk.shape[2] * blk.shape[3]
    kept = {key[0]: blk.shape[0] for key, blk in split.right.blocks.items()}
    for qk in rows_of:
        m, n, keep = sum(rows_of[qk].values()), sum(cols_of[qk].values()), kept.get(qk, 0)
        gram, other = (m, n) if absorb == "right" else (n, m)  # the Gram matrix is M M† or M† M
        if gram <= max(GRAM_MAX_ASPECT, 1.0) * other:
            expected["decomposition: Gram GEMM"] += 8 * gram * gram * other
            expected["decomposition: eigh (LAPACK)"] += eigh_flops(gram, True) if gram > 1 else 0  # 1 × 1: no call
            expected["decomposition: projection GEMM"] += 8 * keep * m * n  # U† M or M V
        elif other < decompositions.GRAM_OTHER_SIDE_MIN_DIM:  # gesdd, but not for a rank-one sector (no LAPACK call)
            expected["decomposition: gesdd (LAPACK)"] += svd_flops(m, n, True, True) if min(m, n) > 1 else 0
        else:  # the other, smaller side's Gram matrix; the isometric factor by projection and QR
            expected["decomposition: Gram GEMM"] += 8 * other * other * gram
            expected["decomposition: eigh (LAPACK)"] += eigh_flops(other, True) if other > 1 else 0
            expected["decomposition: projection GEMM"] += 2 * 8 * keep * m * n  # the isometry, then the other factor
            expected["QR (LAPACK): centre moves, projected isometries"] += qr_flops(gram, keep, True, True)
    return expected


def selftest() -> dict:
    """Gate applications (two_site, apply_gate, split) on a small charged MPS: the instrumented counter
    against a hand count from the block shapes (the LAPACK formulas are shared; shapes and calls are not)."""
    chain = as_chain(PRXChain(n_sites=10, n_left=4, n_fm=2, n_conf=3, n_e=3))
    backend, charges = tensor_backend(chain, "charges")
    engine = TEBD(to_charged_mps(initial_mps(chain)[0], backend, charges), chain.bond_hamiltonians(), chi_max=64,
                  scheme="prx")  # a sweep scheme: the state stays canonical, so the centre can be moved
    engine.run(15)
    mps = engine.mps
    out = {"ok": True}
    for b, absorb, min_dim in ((3, "right", 1), (5, "left", 1), (3, "right", 10**9)):
        # a small MPS: GRAM_OTHER_SIDE_MIN_DIM 1 takes the smaller side's route on its wide sectors, 10**9 gesdd
        decompositions.GRAM_OTHER_SIDE_MIN_DIM, default_min_dim = min_dim, decompositions.GRAM_OTHER_SIDE_MIN_DIM
        mps.move_center(b)
        a, c = mps.tensors[b], mps.tensors[b + 1]
        gate = backend.gate(engine.gates.matrix(b, 0.5), backend.physical(a), backend.physical(c))
        COUNTER.clear()
        with instrumented():
            theta = backend.two_site(a, c)
            gated = backend.apply_gate(gate, theta)
            split = backend.split(gated, chi_max=64, trunc=1e-7, absorb=absorb)
        counted: dict[str, float] = defaultdict(float)
        for phase, label, _, _, flops, _ in COUNTER.records:
            counted[category(phase, label)] += flops
        expected = _hand_count(a, c, theta, gated, split, absorb)
        decompositions.GRAM_OTHER_SIDE_MIN_DIM = default_min_dim
        ok = set(counted) == {key for key, v in expected.items() if v} and all(
            abs(counted[key] - value) <= 1e-12 * value for key, value in expected.items() if value)
        out["ok"] &= ok
        name = f"bond {b}, absorb {absorb}, GRAM_OTHER_SIDE_MIN_DIM {min_dim}"
        out[name] = {"ok": ok, "counted": dict(counted), "expected": dict(expected),
                     "theta_blocks": len(theta.blocks), "calls": len(COUNTER.records), "shape": backend.shape(theta)}
    return out


# ------------------------------------------------------------------ report
def summarize(counted: dict, timings: dict, rates: dict, k: int) -> dict:
    """Flops and time per category, achieved rates and fractions of the GEMM rates, the time budget."""
    cats: dict[str, dict] = defaultdict(lambda: {"flops": 0.0, "seconds": 0.0, "calls": 0})
    for phase, label, _, _, flops, sec in counted["records"]:
        entry = cats[category(phase, label)]
        entry["flops"] += flops / (k if phase == "step" else 1)
        entry["seconds"] += sec / (k if phase == "step" else 1)
        entry["calls"] += 1
    step_flops = sum(v["flops"] for c, v in cats.items() if c != "measurement")
    gemm_f, gemm_t, lapack_f, lapack_t = (sum(v[key] for c, v in cats.items() if kind in c and c != "measurement")
                                          for kind in ("GEMM", "LAPACK") for key in ("flops", "seconds"))
    variants = {}
    for name, t in timings.items():
        threads = "1 thread" if name == "one core" else "2 thread"
        achieved = step_flops / t["wall_s"] / 1e9
        variants[name] = {**t, "achieved_gflops": achieved, "cpu_over_cores_x_wall": t["cpu_s"] / t["wall_s"] / (
            1 if threads == "1 thread" else 2), "cores": 1 if threads == "1 thread" else 2,
            "fraction_of_gemm_rate": {ref: achieved / r[threads] for ref, r in rates.items() if ref != "count median"}}
    ref = rates["flop-weighted median"]["1 thread"]
    serial = counted["serial_wall_s"] / k
    budget = {"floor: every flop at the 1-thread GEMM rate (flop-weighted median shape)": step_flops / ref / 1e9,
              "GEMM calls below that rate (small blocks)": gemm_t - gemm_f / ref / 1e9,
              "LAPACK (eigh/gesdd/QR) slower per flop than that GEMM": lapack_t - lapack_f / ref / 1e9}
    outside = serial - gemm_t - lapack_t
    prof = {c: sec for c, sec in counted["profile_classes"].items() if "BLAS" not in c and "LAPACK" not in c}
    for c, sec in sorted(prof.items(), key=lambda cs: -cs[1]):
        budget[f"outside BLAS/LAPACK: {c}"] = outside * sec / sum(prof.values())
    budget["= one-core step, instrumented"] = serial
    one = timings["one core"]["wall_s"]
    budget["one-core step, uninstrumented"] = one
    budget["2 cores, perfect: one-core step / 2"] = one / 2
    for name in ("BLAS 1 thread", "default"):
        budget[f"{name}: loss against perfect (idle threads, GIL, BLAS sync, load)"] = timings[name]["wall_s"] - one / 2
        budget[f"= {name} step on 2 cores"] = timings[name]["wall_s"]
    return {"chi": counted["chi"], "steps": k, "flops_per_step": step_flops, "categories": dict(cats),
            "variants": variants, "rates_gflops": rates, "in_step_gemm_gflops_1thread": gemm_f / gemm_t / 1e9,
            "in_step_lapack_gflops_1thread": lapack_f / lapack_t / 1e9, "budget_s_per_step": budget,
            "instrumented_measure_wall_s": counted["measure_wall_s"]}


def report_text(s: dict, extra: dict) -> str:
    """The human-readable report."""
    out = [f"TEBD flop floor — PRX N_e = 8, N = 75, δt = 0.1, trunc = 1e-7, χ_max = 400, scheme "
           f"{extra['scheme']}; resumed at t = {extra['t0']:g}, χ = {s['chi']}, K = {s['steps']}"
           f"{' (K runs of one step: an output every step)' if extra.get('per_output') else ''}",
           f"load average before {extra['load_before']}, after {extra['load_after']}", "",
           "flops per step (measurement: one measure_engine call); time inside the calls in the one-core run:",
           f"  {'category':38s} {'GFLOP':>9s} {'share':>6s} {'calls':>7s} {'s in calls':>10s} {'GFLOP/s':>8s}"]
    for cat, v in sorted(s["categories"].items(), key=lambda cv: -cv[1]["flops"]):
        share = f"{v['flops'] / s['flops_per_step']:6.1%}" if cat != "measurement" else "     -"
        rate = v["flops"] / v["seconds"] / 1e9 if v["seconds"] else float("nan")
        out.append(f"  {cat:38s} {v['flops'] / 1e9:9.3f} {share} {v['calls']:7d} {v['seconds']:10.3f} {rate:8.2f}")
    out += [f"  {'total step':38s} {s['flops_per_step'] / 1e9:9.3f}",
            f"  inside the calls: GEMM {s['in_step_gemm_gflops_1thread']:.2f}, LAPACK "
            f"{s['in_step_lapack_gflops_1thread']:.2f} GFLOP/s", "",
            "complex128 GEMM rate (GFLOP/s), best of repeats:"]
    for name, r in s["rates_gflops"].items():
        out.append(f"  {name:22s} m,n,k = {r['shape_mnk']!s:18s} 1 thread {r['1 thread']:7.2f}   "
                   f"2 threads {r['2 thread']:7.2f}")
    out += ["", "K steps uninstrumented, best of 2, per step; fractions of the GEMM rate on as many threads as cores:",
            f"  {'threads':14s} {'wall s':>7s} {'CPU s':>7s} {'CPU/(cores·wall)':>16s} {'GFLOP/s':>8s} "
            f"{'of median':>9s} {'of largest':>10s} {'of peak':>8s} {'measure wall/CPU s':>19s}"]
    for name, v in s["variants"].items():
        f = v["fraction_of_gemm_rate"]
        out.append(f"  {name:14s} {v['wall_s']:7.3f} {v['cpu_s']:7.3f} {v['cpu_over_cores_x_wall']:16.0%} "
                   f"{v['achieved_gflops']:8.2f} {f['flop-weighted median']:9.1%} {f['largest']:10.1%} "
                   f"{f['peak n = 2000']:8.1%} {v['measure_wall_s']:9.3f} / {v['measure_cpu_s']:.3f}")
    out += ["", "where the time of a step goes (s):"]
    out += [f"  {name:78s} {sec:7.3f}" for name, sec in s["budget_s_per_step"].items()]
    return "\n".join([*out, "", "profile of one step (one core, instrumented):", extra["profile_text"]])


def main(argv: list[str] | None = None) -> int:
    """Command line (module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", default=None, help=f"default {DEFAULT_CKPT} (scheme name added if not prx)")
    p.add_argument("--t", type=float, default=22.0, help="time of the checkpoint (χ = 400 from t ≈ 21)")
    p.add_argument("--steps", type=int, default=5, help="K steps counted and timed")
    p.add_argument("--scheme", default="prx", choices=("prx", "even-odd"),
                   help="Trotter scheme (default prx: PRX Eq. 8, as the results)")
    p.add_argument("--per-output", action="store_true",
                   help="K runs of one step (the user's run, an output every step) instead of one run of K")
    p.add_argument("--selftest", action="store_true")
    args = p.parse_args(argv)
    if args.selftest:
        result = selftest()
        print(json.dumps(result, indent=1))
        return 0 if result["ok"] else 1
    scheme_tag = "" if args.scheme == "prx" else f"_{args.scheme}"
    path = args.checkpoint or DEFAULT_CKPT.replace(".ckpt", f"{scheme_tag}.ckpt")
    made = ensure_checkpoint(path, args.t, args.scheme)
    load_before = os.getloadavg()
    make, chain, bonds = engine_factory(path, args.scheme)
    counted = count_and_profile(make, chain, bonds, args.steps, args.per_output)
    counted["profile_text"], counted["profile_classes"] = profile_table(counted.pop("profile"))
    timings = time_configs(make, chain, bonds, args.steps, per_output=args.per_output)
    rates = gemm_rates(representative_shapes(counted["records"]))
    extra = {"scheme": args.scheme, "per_output": args.per_output, "t0": load_checkpoint(path).steps * 0.1 + 0.2,
             "checkpoint": path, "checkpoint_made": made, "load_before": [round(x, 2) for x in load_before],
             "load_after": [round(x, 2) for x in os.getloadavg()], "profile_text": counted["profile_text"],
             "profile_self_time_classes_s": counted["profile_classes"],
             "serial_wall_s": counted["serial_wall_s"], "blas": [blas_backend(), blas_thread_counts()]}
    summary = summarize(counted, timings, rates, args.steps)
    text = report_text(summary, extra)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    variant = f"{scheme_tag}{'_per_output' if args.per_output else ''}"  # the PRX default keeps its old name
    name = f"tebd_flop_floor{variant}{f'_t{args.t:g}' if variant else ''}"
    (RESULTS / f"{name}.txt").write_text(text + "\n")
    (RESULTS / f"{name}.json").write_text(json.dumps({**summary, **extra}, indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
