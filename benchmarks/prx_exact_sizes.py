"""How large a PRX chain fits into an exact run of a given wall-time budget (default 10 minutes).

For a ladder of (N, N_e, N_FM, polarization) this builds the sector (verify.exact.SectorBasis), the
Hamiltonian, the Lanczos ground state, and runs a short evolution with all observables, timing each
phase separately. The cost of a full run (``--t-max``, ``--dt-out``) is then projected as

    build + ground state + (t_max / t_short) · propagation + n_frames · frame,

since the Chebyshev propagator's matvec count is linear in t and every output frame costs the same.
``--full`` additionally runs :func:`verify.records.simulate_prx_exact` end to end for the largest
configuration of each ladder whose projection fits, to confirm the projection.

Each ladder (fixed N_e, N_FM, polarization) grows N until the projection exceeds the budget (or the
sector exceeds ``MAX_SECTOR_DIM``). Geometry: N_FM in the middle (N_L = (N − N_FM)//2), the well
N_conf = N_e sites (one polarized electron per site, as the paper's N_conf = 10 ≥ N_e = 8).

Timings depend on the machine and its load (the load average is printed); BLAS threads are pinned
to one (``OPENBLAS_NUM_THREADS=1`` unless set), which is fastest on a shared two-core machine.

Measured (2-core development machine shared with other jobs, load average 5–9 during the ladder,
t_max = 40, dt_out = 0.5, N_FM = 5, OPENBLAS_NUM_THREADS=1). Largest N whose projection fit 600 s:

    pol  N_e  N   sector dim   projected  full run (load ≈ 3)
    z    1    32        192        <1 s
    z    2    32      10576         1 s
    z    3    32     292640        61 s
    z    4    24    1554156       304 s     (N = 28, dim 2.9e6: projected 717 s)
    z    5    16    1643936       455 s     190 s, drifts ≤ 4.5e-13
    z    5    18    3064896      1011 s     447 s, drifts ≤ 1.0e-12 (fits when the machine is quieter)
    x    1    32       2048        <1 s
    x    2    32      64512         8 s
    x    3    32    1333248       431 s     101 s, drifts ≤ 2.9e-13
    x    4    20    2924480       574 s     (N = 24, dim 6.2e6: projected 1524 s)
    x    5    —          —          —       (N = 16, dim 6.4e6: projected 1294 s)

N_e = 8 with N_FM = 5 needs N_conf = 8 and N ≥ 21 in this geometry: sector ≥ 1.9e9, beyond reach
(The sector is stored as one digit per site and ranked combinatorially, so N is not limited by a
64-bit word of modes, only by the sector dimension, ``MAX_SECTOR_DIM``.)

Usage::

    python benchmarks/prx_exact_sizes.py                       # default ladders, 600 s budget
    python benchmarks/prx_exact_sizes.py --n-e 3 4 --n-fm 5 --pol z x --sites 8 12 16 20 24 --full
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import time

from verify.exact import (
    MAX_SECTOR_DIM,
    ExactMeasurer,
    SectorBasis,
    model_ground_state,
    preparation_hamiltonian,
    propagate,
    sector_dimension,
    sector_hamiltonian,
)
from verify.models import PRXChain
from verify.records import output_times, simulate_prx_exact

T_SHORT = 4.0
"""Length of the timed evolution (ħ/γ); long enough for two Chebyshev windows."""


def model_for(n_sites: int, n_e: int, n_fm: int, pol: str) -> PRXChain:
    """A PRX chain of ``n_sites`` with the FM region centred and a well of ``max(n_e, 1)`` sites.

    Parameters
    ----------
    n_sites, n_e, n_fm : int
        N, N_e and N_FM.
    pol : {"z", "x"}
        Electron polarization.

    Returns
    -------
    PRXChain

    Raises
    ------
    ValueError
        When the parameters do not form a valid :class:`verify.models.PRXChain`.
    """
    n_left = (n_sites - n_fm) // 2
    return PRXChain(n_sites=n_sites, n_left=n_left, n_fm=n_fm, n_conf=max(n_e, 1), n_e=n_e, polarization=pol)


def measure(model: PRXChain, t_max: float, dt_out: float) -> dict:
    """Phase timings of one configuration and the projected wall time of a full run."""
    row: dict = {"dim": sector_dimension(model)}
    t0 = time.perf_counter()
    basis = SectorBasis.build(model)
    h = sector_hamiltonian(basis)
    h_total = h + preparation_hamiltonian(basis)
    observer = ExactMeasurer(basis, h)
    row["build"] = time.perf_counter() - t0
    row["nnz"] = h.nnz
    t0 = time.perf_counter()
    gs = model_ground_state(model, basis, h_total=h_total)
    row["ground"] = time.perf_counter() - t0
    row["residual"] = gs.residual
    del h_total
    times = output_times(T_SHORT, dt_out)
    frame_time = 0.0
    stats: dict = {}
    t0 = time.perf_counter()
    for t, psi in propagate(h, gs.psi, times, stats=stats):
        f0 = time.perf_counter()
        observer.measure(t, psi)
        frame_time += time.perf_counter() - f0
    row["frame"] = frame_time / times.size
    row["prop_per_t"] = (time.perf_counter() - t0 - frame_time) / T_SHORT
    row["matvec_per_t"] = stats["n_matvec"] / T_SHORT
    n_frames = output_times(t_max, dt_out).size
    row["projected"] = row["build"] + row["ground"] + t_max * row["prop_per_t"] + n_frames * row["frame"]
    return row


def main() -> None:
    """Time the exact evolver over the size ladders of the command line and print a table.

    For each polarization, N_FM and N_e the chain grows through ``--sites`` until the projected
    wall time of a run to ``--t-max`` exceeds ``--budget``; the largest fitting size per ladder is
    listed at the end (and run in full with ``--full``).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=600.0, help="wall-time budget in s (default 600)")
    parser.add_argument("--t-max", type=float, default=40.0, help="t_max of the projected run (default 40)")
    parser.add_argument("--dt-out", type=float, default=0.5, help="output spacing (default 0.5)")
    parser.add_argument("--n-e", type=int, nargs="+", default=[1, 2, 3, 4, 5, 8])
    parser.add_argument("--n-fm", type=int, nargs="+", default=[5])
    parser.add_argument("--pol", nargs="+", default=["z", "x"], choices=["z", "x"])
    parser.add_argument("--sites", type=int, nargs="+", default=[8, 10, 12, 14, 16, 20, 24, 28, 32])
    parser.add_argument("--full", action="store_true", help="confirm the largest fitting size by a full run")
    args = parser.parse_args()

    print(f"# load average {os.getloadavg()}, budget {args.budget:.0f} s, t_max {args.t_max}, dt_out {args.dt_out}")
    header = (
        f"{'pol':>3} {'N':>3} {'N_e':>3} {'N_FM':>4} {'dim':>10} {'nnz':>10} {'build':>7} {'ground':>7}"
        f" {'prop/t':>7} {'mv/t':>6} {'frame':>7} {'projected':>9}  fits"
    )
    print(header)
    largest: dict[tuple, tuple] = {}
    for pol in args.pol:
        for n_fm in args.n_fm:
            for n_e in args.n_e:
                for n_sites in args.sites:
                    try:
                        model = model_for(n_sites, n_e, n_fm, pol)
                        dim = sector_dimension(model)
                    except ValueError:
                        continue
                    if dim > MAX_SECTOR_DIM:
                        print(f"{pol:>3} {n_sites:>3} {n_e:>3} {n_fm:>4} {dim:>10} beyond MAX_SECTOR_DIM")
                        break
                    try:
                        row = measure(model, args.t_max, args.dt_out)
                    except (ValueError, MemoryError) as exc:
                        print(f"{pol:>3} {n_sites:>3} {n_e:>3} {n_fm:>4} {dim:>10} failed: {exc}")
                        break
                    fits = row["projected"] <= args.budget
                    print(
                        f"{pol:>3} {n_sites:>3} {n_e:>3} {n_fm:>4} {row['dim']:>10} {row['nnz']:>10}"
                        f" {row['build']:>7.2f} {row['ground']:>7.2f} {row['prop_per_t']:>7.3f}"
                        f" {row['matvec_per_t']:>6.1f} {row['frame']:>7.3f} {row['projected']:>9.1f}"
                        f"  {'yes' if fits else 'no'}",
                        flush=True,
                    )
                    if fits:
                        largest[(pol, n_e, n_fm)] = (model, row)
                    if not fits:
                        break
    print("# largest fitting size per ladder (projected)")
    for (pol, n_e, n_fm), (model, row) in largest.items():
        line = f"pol={pol} N_e={n_e} N_FM={n_fm}: N={model.n_sites} dim={row['dim']} projected {row['projected']:.0f} s"
        if args.full:
            t0 = time.perf_counter()
            run = simulate_prx_exact(model, t_max=args.t_max, dt_out=args.dt_out)
            drifts = ", ".join(f"{k} {v:.1e}" for k, v in run.meta["drifts"].items())
            line += f"; full run {time.perf_counter() - t0:.0f} s (drifts {drifts})"
        print(line, flush=True)


if __name__ == "__main__":
    main()
