"""χ-convergence of the PRX TEBD runs: S^z_i(t) at χ_max = 200, 400, 800 (PRX Secs. III–IV, Fig. 4).

The same paper-parameter run (N = 75, N_L = 35, N_FM = 5, N_conf = 10, J_sd = 0.5, δt = 0.1,
trunc = 1e-7, PRX Eq. 8; N_e = 8 collinear by default) is evolved with every χ_max of ``--chi``, each
with its own checkpoint in ``--out`` (a killed invocation resumes where it stopped; finished runs are
read back, not recomputed). The largest χ_max is the reference. Printed per output time:

* max_i |S^z_i(χ) − S^z_i(χ_ref)| over the N_FM localized spins, for every smaller χ;
* the accumulated truncation error and whether χ_max was truncation-limited by then
  (``truncation_limited_steps`` of the run record);

and, per χ, the last time up to which the deviation from the reference stays below ``--tol``
(default 1e-2 in Pauli units, a tenth of the symbol size of PRX Fig. 4): "converged up to t".
The reference itself is only as good as its own truncation: where even χ_ref is
truncation-limited, "converged" means "agrees with the next χ", not "exact".

Run::

    python benchmarks/prx_chi_convergence.py --out runs/chi          # N_e = 8, χ = 200, 400, 800
    python benchmarks/prx_chi_convergence.py --quick --out /tmp/chi  # N = 30, N_e = 4, χ = 8, 16, 32
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from verify.models import PRXChain
from verify.records import RunResult, load_run, simulate_prx_tebd


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (paper values as defaults)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n-e", type=int, default=8)
    p.add_argument("--polarization", choices=("z", "x"), default="z")
    p.add_argument("--chi", type=str, default="200,400,800", help="comma-separated chi_max values")
    p.add_argument("--t-max", type=float, default=40.0)
    p.add_argument("--dt-out", type=float, default=0.2, help="output spacing (0.2 = the full-size PRX figures' runs)")
    p.add_argument("--tol", type=float, default=1e-2, help="deviation of S^z_i (Pauli units) called converged")
    p.add_argument("--scheme", choices=("prx", "even-odd"), default="prx")
    p.add_argument("--out", type=Path, required=True, help="directory for the run records and checkpoints")
    p.add_argument("--quick", action="store_true", help="N = 30, N_L = 12, N_FM = 3, N_conf = 5, N_e = 4, t = 12")
    args = p.parse_args(argv)
    try:
        args.chi_values = sorted({int(x) for x in args.chi.split(",")})
    except ValueError:
        p.error(f"--chi must be comma-separated integers, got {args.chi!r}")
    if len(args.chi_values) < 2 or min(args.chi_values) < 1:
        p.error("--chi needs at least two positive values")
    return args


def model_of(args: argparse.Namespace) -> PRXChain:
    """The PRX chain of the paper (or the small ``--quick`` one) with the requested N_e and polarization."""
    if args.quick:
        return PRXChain(n_sites=30, n_left=12, n_fm=3, n_conf=5, n_e=min(args.n_e, 4), polarization=args.polarization)
    return PRXChain(n_e=args.n_e, polarization=args.polarization)


def run_for(args: argparse.Namespace, model: PRXChain, chi: int) -> tuple[RunResult, float]:
    """The run at ``chi`` (read back if its record exists) and the wall time spent now."""
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"prx_ne{model.n_e}{model.polarization}_chi{chi}_{args.scheme}"
    record = args.out / f"{stem}.npz"
    if record.exists():
        return load_run(record), 0.0
    start = time.perf_counter()
    run = simulate_prx_tebd(  # the paper's dt and trunc (verify.tebd.TEBDOptions), chi_max varied
        model, t_max=args.t_max, dt_out=args.dt_out, chi_max=chi, scheme=args.scheme,
        checkpoint=str(args.out / f"{stem}.ckpt.npz"), checkpoint_every=20, resume=True,
    )
    run.save(record)
    return run, time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    """Run (or read back) every χ_max, print the deviation table and write ``chi_convergence.json``."""
    args = parse(argv)
    if args.quick:
        args.t_max = min(args.t_max, 12.0)
        if args.chi == "200,400,800":
            args.chi_values = [8, 16, 32]
    model = model_of(args)
    runs = {}
    for chi in args.chi_values:
        run, wall = run_for(args, model, chi)
        runs[chi] = run
        note = f"computed in {wall:.0f} s" if wall else "read back"
        print(f"chi_max {chi}: {note}; final truncation error {run.arrays['truncation_error'][-1]:.2e}, "
              f"truncation-limited steps {run.meta['tebd'].get('n_truncation_limited_steps')}", flush=True)
    ref_chi = args.chi_values[-1]
    # runs may end at different times (a long reference run stopped early): compare on the common grid
    n_t = min(run.arrays["t"].size for run in runs.values())
    for chi, run in runs.items():
        if not np.allclose(run.arrays["t"][:n_t], runs[ref_chi].arrays["t"][:n_t], atol=1e-9):
            raise SystemExit(f"chi_max {chi}: its output times differ from the reference run's")
    t = runs[ref_chi].arrays["t"][:n_t]
    sz = {chi: run.arrays["spin"][:n_t, :, 2] for chi, run in runs.items()}
    sz_ref = sz[ref_chi]
    deviation = {chi: np.max(np.abs(sz[chi] - sz_ref), axis=1) for chi in args.chi_values[:-1]}
    limited_since = {}
    for chi, run in runs.items():
        counts = run.arrays.get("truncation_limited_steps")
        counts = None if counts is None else counts[:n_t]
        hit = np.flatnonzero(counts > 0) if counts is not None else np.array([], dtype=int)
        limited_since[chi] = float(t[hit[0]]) if hit.size else None
    header = "     t " + "".join(f" dSz(chi={c})" for c in args.chi_values[:-1])
    header += "".join(f" trunc({c})" for c in args.chi_values) + "   S^z_1..N_FM (chi_ref)"
    print(header)
    step = max(1, round(2.0 / args.dt_out))
    for k in range(0, t.size, step):
        row = f"{t[k]:6.1f} " + "".join(f" {deviation[c][k]:12.2e}" for c in args.chi_values[:-1])
        row += "".join(f" {runs[c].arrays['truncation_error'][k]:9.1e}" for c in args.chi_values)  # k < n_t
        row += "   " + " ".join(f"{x:+.3f}" for x in sz_ref[k])
        print(row)
    converged_until = {}
    for chi, dev in deviation.items():
        bad = np.flatnonzero(dev > args.tol)
        converged_until[chi] = float(t[-1]) if bad.size == 0 else float(t[bad[0] - 1]) if bad[0] > 0 else 0.0
        print(f"chi_max {chi}: |S^z_i - S^z_i(chi={ref_chi})| <= {args.tol:g} up to t = {converged_until[chi]:g} "
              f"(max over the run {dev.max():.2e}); truncation-limited from t = {limited_since[chi]}")
    print(f"chi_max {ref_chi} (reference): truncation-limited from t = {limited_since[ref_chi]}")
    out = {
        "model": model.to_dict(), "chi": args.chi_values, "tol": args.tol, "scheme": args.scheme,
        "t": t.tolist(), "deviation": {str(c): d.tolist() for c, d in deviation.items()},
        "converged_until": {str(c): v for c, v in converged_until.items()},
        "truncation_limited_from": {str(c): v for c, v in limited_since.items()},
        "truncation_error_at_end": {str(c): float(r.arrays["truncation_error"][n_t - 1]) for c, r in runs.items()},
        "wall_s": {str(c): r.meta.get("wall_time_s") for c, r in runs.items()},
    }
    (args.out / "chi_convergence.json").write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
