"""Wall time of one TEBD step (PRX Eq. 8, second order) versus bond dimension χ on the PRX chain.

The state is a random MPS with bond dimension χ on every bond (as far as the local dimensions allow)
and the PRX local dimensions (d = 4 on lead sites, 8 on FM sites); each step is run with
chi_max = χ, so every split truncates back to χ — the cost of a saturated run at that χ. For χ
above ``--full-step-max`` only a few gates are timed (one lead bond, one bond touching an FM site)
and the step time is extrapolated as Σ over the step's gates of the matching gate time.

Set ``OMP_NUM_THREADS`` (e.g. 1 or 2) to choose the BLAS threading; it is printed.

    OMP_NUM_THREADS=2 python benchmarks/tebd_step_time.py --chis 16 32 64 128 256 400
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from verify.models import PRXChain
from verify.mps import MPS
from verify.tebd import PAPER_TEBD, TEBD, bond_sequence, schedule


def random_mps(dims: list[int], chi: int, seed: int = 0) -> MPS:
    """A normalized random MPS whose bond dimensions saturate at ``chi``.

    Parameters
    ----------
    dims : list of int
        Local dimensions of the sites.
    chi : int
        Largest bond dimension (smaller near the ends, where the Hilbert space is smaller).
    seed : int
        Seed of :func:`numpy.random.default_rng`.

    Returns
    -------
    MPS
        Canonical with the centre on site 0, unit norm.
    """
    rng = np.random.default_rng(seed)
    n = len(dims)
    bonds = [1]
    for i in range(1, n):
        left = np.prod(dims[:i], dtype=float)
        right = np.prod(dims[i:], dtype=float)
        bonds.append(int(min(chi, left, right)))
    bonds.append(1)
    tensors = [
        rng.normal(size=(bonds[i], d, bonds[i + 1])) + 1j * rng.normal(size=(bonds[i], d, bonds[i + 1]))
        for i, d in enumerate(dims)
    ]
    mps = MPS(tensors)
    mps.canonicalize(0)
    mps.tensors[0] = mps.tensors[0] / mps.norm()
    return mps


def time_gate(engine: TEBD, bond: int, repeats: int) -> float:
    """Seconds per application of the bond's gate (centre moved there first, not timed)."""
    mps, be = engine.mps, engine.mps.backend
    gate = be.gate(engine.gates.matrix(bond, 0.5), be.physical(mps.tensors[bond]), be.physical(mps.tensors[bond + 1]))
    mps.move_center(bond)
    start = time.perf_counter()
    for _ in range(repeats):
        theta = be.apply_gate(gate, be.two_site(mps.tensors[bond], mps.tensors[bond + 1]))
        split = be.split(theta, chi_max=engine.chi_max, trunc=engine.trunc, absorb="left")
        mps.tensors[bond], mps.tensors[bond + 1] = split.left, split.right
    return (time.perf_counter() - start) / repeats


def main() -> None:
    """Print the seconds per TEBD step (and per lead / FM gate) of the PRX chain for each χ of ``--chis``.

    Steps up to ``--full-step-max`` are timed in full; larger χ are extrapolated from the per-gate
    times over the bonds of one second-order step (PRX Eq. 8).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chis", type=int, nargs="+", default=[16, 32, 64, 128, 256, 400])
    parser.add_argument("--n-sites", type=int, default=75)
    parser.add_argument("--n-left", type=int, default=35)
    parser.add_argument("--n-fm", type=int, default=5)
    parser.add_argument("--full-step-max", type=int, default=128, help="largest χ timed as a full step")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    n_conf = min(10, args.n_left)
    model = PRXChain(n_sites=args.n_sites, n_left=args.n_left, n_fm=args.n_fm, n_conf=n_conf, n_e=min(8, n_conf))
    bonds = model.chain().bond_hamiltonians()
    fm = set(model.fm_sites)
    dims = list(model.chain().dims)
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    print(f"# N={model.n_sites} N_FM={model.n_fm} order 2 (PRX Eq. 8), OMP_NUM_THREADS={threads}")
    print(f"# {'chi':>5} {'s/step':>10} {'method':>12} {'s/gate lead':>12} {'s/gate FM':>10}")
    sequence = bond_sequence(schedule(2, "prx"), model.n_sites)
    for chi in args.chis:
        mps = random_mps(dims, chi)
        engine = TEBD(mps, bonds, PAPER_TEBD.replace(chi_max=chi, trunc=0.0))  # the paper's dt and Eq. 8
        lead_bond = 5
        fm_bond = model.n_left  # couples the first FM site (d = 8) to its right neighbour
        t_lead = time_gate(engine, lead_bond, args.repeats)
        t_fm = time_gate(engine, fm_bond, args.repeats)
        if chi <= args.full_step_max:
            engine.mps.move_center(0)
            engine.step()  # warm-up (gates cached, χ saturated)
            start = time.perf_counter()
            for _ in range(args.repeats):
                engine.step()
            per_step = (time.perf_counter() - start) / args.repeats
            how = "measured"
        else:
            touches_fm = [(b in fm) or (b + 1 in fm) for b, _ in sequence]
            per_step = sum(t_fm if f else t_lead for f in touches_fm)
            how = "extrapolated"
        print(f"  {chi:5d} {per_step:10.3f} {how:>12} {t_lead:12.4f} {t_fm:10.4f}", flush=True)


if __name__ == "__main__":
    main()
