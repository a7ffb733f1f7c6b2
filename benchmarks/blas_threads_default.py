"""BLAS threads of a charged TEBD step: the default (one, :func:`verify.tebd.blas_threads_for`) against
the earlier rule (``threads_for(χ d)``: the default BLAS thread count once χ d > 512).

Same process, same state (the N_e = 8 PRX run at χ = 400, t = 22, from the checkpoint that
``benchmarks/tebd_flop_floor.py`` makes), K = 5 steps each, two alternating repeats, best of two.

    python benchmarks/tebd_flop_floor.py              # once: makes the checkpoint (and the flop floor)
    python benchmarks/blas_threads_default.py [CHECKPOINT]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from tebd_flop_floor import engine_factory

import verify.tebd.engine as engine_module
from verify.tensors import threads_for

CHECKPOINT = "/tmp/qstt_flop_floor/prx_ne8_chi400_t22.ckpt.npz"
STEPS = 5


def main(path: str = CHECKPOINT) -> None:
    """Time K steps under each rule, alternating, twice; print the best of each."""
    make, _, _ = engine_factory(path, None)
    rules = {"one BLAS thread (default)": engine_module.blas_threads_for,
             "threads_for(chi d) (before)": lambda mps: threads_for(mps.max_bond_dimension() * max(mps.dims))}
    best: dict[str, tuple[float, float]] = {}
    print(f"load average before {os.getloadavg()}")
    for _ in range(2):
        for name, rule in rules.items():
            engine_module.blas_threads_for = rule  # the engine looks the rule up at every run()
            engine = make()
            wall, cpu = time.perf_counter(), time.process_time()
            engine.run(STEPS)
            step = ((time.perf_counter() - wall) / STEPS, (time.process_time() - cpu) / STEPS)
            best[name] = min(best.get(name, step), step)
            print(f"{name}: {step[0]:.3f} s/step wall, {step[1]:.3f} s CPU", flush=True)
    print(f"load average after {os.getloadavg()}")
    for name, (wall, cpu) in best.items():
        print(f"best {name}: {wall:.3f} s/step wall, {cpu:.3f} s CPU")


if __name__ == "__main__":
    main(*sys.argv[1:2])
