"""Per-step wall time of TEBD with block-sparse (U(1)×U(1)) versus dense tensors on the PRX chain.

The state is a random charge-conserving MPS of the PRX chain (N = 75, N_FM = 5 by default) with total
charge N = N_e, 2S^z = N_e − N_FM (collinear) and bond dimension χ on every bond: the χ indices of a
bond are spread over its reachable (N, 2S^z) sectors with Gaussian weights around the mean filling.
The same state is evolved by both backends with chi_max = χ, trunc = 0 (every split truncates back to
χ: the cost of a saturated run). Printed: seconds per second-order step and the ratio.

    OMP_NUM_THREADS=1 python benchmarks/tebd_blocksparse_vs_dense.py --chis 32 64 128

With ``--reach SECONDS`` it instead evolves the PRX initial state (N_e = 8, collinear, δt = 0.1,
χ_max = 400, trunc = 1e-7) with the charged backend for that long and prints t, χ, the accumulated
truncation error, N_e and 2S^z drift and the step time along the way.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from verify.models import PRXChain
from verify.mps import MPS, to_charged_mps
from verify.tebd import PAPER_TEBD, TEBD, initial_mps, measure, tensor_backend
from verify.tensors import DENSE, BlockSparseBackend, ChargedTensor, Leg


def random_charged_mps(site_charges: list[np.ndarray], chi: int, total: tuple[int, int],
                       backend: BlockSparseBackend, seed: int = 0) -> MPS:
    """Random MPS with the given total (N, 2S^z); χ indices per bond spread over the reachable sectors.
    ``site_charges``: the (N, 2S^z) of every site's local basis (``model.chain().site_charges()``)."""
    rng = np.random.default_rng(seed)
    n = len(site_charges)
    phys = [backend.physical_leg(q) for q in site_charges]
    forward = [{(0, 0)}]
    for leg in phys:
        forward.append({(q[0] + p[0], q[1] + p[1]) for q in forward[-1] for p in leg.sectors})
    backward = [{total}]
    for leg in reversed(phys):
        backward.append({(q[0] - p[0], q[1] - p[1]) for q in backward[-1] for p in leg.sectors})
    backward.reverse()
    legs = [Leg(np.zeros((1, 2), dtype=np.int64))]
    for i in range(1, n):
        sectors = sorted(forward[i] & backward[i])
        mean_n = total[0] * i / n
        mean_s = total[1] * i / n
        w = np.array([np.exp(-((q[0] - mean_n) ** 2 + (q[1] - mean_s) ** 2 / 4) / 4) for q in sectors])
        counts = rng.multinomial(chi, w / w.sum())
        legs.append(Leg.from_sectors([(q, int(c)) for q, c in zip(sectors, counts, strict=True)], 2))
    legs.append(Leg(np.array([total], dtype=np.int64)))
    tensors = []
    for i in range(n):
        shapes = {}
        for (ql, il) in legs[i].sectors.items():
            for (qp, ip) in phys[i].sectors.items():
                qr = (ql[0] + qp[0], ql[1] + qp[1])
                ir = legs[i + 1].sectors.get(qr)
                if ir is not None:
                    shapes[(ql, qp, qr)] = (len(il), len(ip), len(ir))
        blocks = {k: rng.normal(size=s) + 1j * rng.normal(size=s) for k, s in shapes.items()}
        tensors.append(ChargedTensor((legs[i], phys[i], legs[i + 1]), backend.SITE_SIGNS, blocks))
    mps = MPS(tensors, backend=backend)
    mps.canonicalize(0)
    mps.tensors[0] = ChargedTensor(mps.tensors[0].legs, mps.tensors[0].signs,
                                   {k: b / mps.norm() for k, b in mps.tensors[0].blocks.items()})
    return mps


def seconds_per_step(mps: MPS, bonds: list[np.ndarray], chi: int, repeats: int) -> tuple[float, int]:
    """Median wall time of one second-order TEBD step at bond dimension ``chi``, and the χ reached."""
    engine = TEBD(mps, bonds, PAPER_TEBD.replace(chi_max=chi, trunc=0.0))  # the paper's dt and Eq. 8
    engine.step()  # warm-up: gates built, χ saturated
    start = time.perf_counter()
    for _ in range(repeats):
        engine.step()
    return (time.perf_counter() - start) / repeats, engine.mps.max_bond_dimension()


def reach(seconds: float, model: PRXChain, every: int) -> None:
    """How far the paper-scale charged run gets in ``seconds`` of wall time."""
    start = time.perf_counter()
    mps, _ = initial_mps(model)
    mps = to_charged_mps(mps, *tensor_backend(model, "charges"))
    chain = model.chain()
    bonds = chain.bond_hamiltonians()
    paper = PAPER_TEBD  # PRX Sec. III and Eq. 8
    engine = TEBD(mps, bonds, paper)
    print(f"# reach: N={model.n_sites} N_e={model.n_e} dt={paper.dt} chi_max={paper.chi_max} trunc={paper.trunc}, "
          f"setup {time.perf_counter() - start:.1f} s")
    print(f"# {'t':>6} {'chi':>5} {'trunc err':>10} {'N_e - N':>10} {'2Sz drift':>10} {'s/step':>8} {'wall':>7}")
    last = time.perf_counter()
    while time.perf_counter() - start < seconds:
        engine.step()
        now = time.perf_counter()
        if engine.steps % every == 0:
            charges = measure(engine.canonical_mps(), chain, t=engine.time, bonds=bonds).charges
            print(f"  {engine.time:6.1f} {engine.mps.max_bond_dimension():5d} {engine.truncation_error:10.2e} "
                  f"{charges['N'] - model.n_e:10.1e} "
                  f"{charges['2Sz'] - (model.n_e - model.n_fm):10.1e} {now - last:8.2f} "
                  f"{now - start:7.1f}", flush=True)
        last = now
    print(f"# reached t = {engine.time:.1f} in {time.perf_counter() - start:.0f} s")


def main() -> None:
    """Print per-step times of the dense and block-sparse backends and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chis", type=int, nargs="+", default=[32, 64, 128])
    parser.add_argument("--n-sites", type=int, default=75)
    parser.add_argument("--n-left", type=int, default=35)
    parser.add_argument("--n-fm", type=int, default=5)
    parser.add_argument("--n-e", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--reach", type=float, default=None, metavar="SECONDS",
                        help="instead: evolve the PRX initial state for SECONDS with the charged backend")
    parser.add_argument("--every", type=int, default=10, help="steps between printed lines (--reach)")
    args = parser.parse_args()
    model = PRXChain(n_sites=args.n_sites, n_left=args.n_left, n_fm=args.n_fm, n_conf=10, n_e=args.n_e)
    if args.reach is not None:
        reach(args.reach, model, args.every)
        return
    bonds = model.chain().bond_hamiltonians()
    backend = BlockSparseBackend(("N", "2Sz"))
    site_charges = model.chain().site_charges(backend.charges)
    total = (model.n_e, model.n_e - model.n_fm)
    print(f"# N={model.n_sites} N_FM={model.n_fm} N_e={model.n_e} order 2, OMP_NUM_THREADS="
          f"{os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"# {'chi':>5} {'dense s/step':>13} {'charges s/step':>15} {'ratio c/d':>10}")
    for chi in args.chis:
        charged = random_charged_mps(site_charges, chi, total, backend)
        dense = MPS([DENSE.from_dense(backend.to_dense(t)) for t in charged.tensors], center=charged.center)
        t_c, chi_c = seconds_per_step(charged, bonds, chi, args.repeats)
        t_d, chi_d = seconds_per_step(dense, bonds, chi, args.repeats)
        print(f"  {chi:5d} {t_d:13.3f} {t_c:15.3f} {t_c / t_d:10.3f}   (chi reached: dense {chi_d}, charges {chi_c})",
              flush=True)


if __name__ == "__main__":
    main()
