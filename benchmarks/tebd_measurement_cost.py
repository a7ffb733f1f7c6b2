"""What measuring every output costs a TEBD run: the same engine's outputs with and without the measurement.

Issue 17 asks that measurements cost at most 15 % of the user's run. With the gates on processes
(:mod:`verify.tebd.segments`) the calling process measures while the workers already run the next
output's gates, so the time spent inside the measurement overstates what it adds to the run. This
script runs ``--pairs`` pairs of blocks of ``--block`` outputs of δt_out = δt (one step each, the next run
announced as ``verify.records.simulate_tebd`` does), each block from the same checkpoint (e.g. the N_e = 8
state at t = 30 that ``tebd_flop_floor.py --scheme even-odd --per-output --t 30 --checkpoint PATH``
writes: the cost of a step grows with t, so both kinds must cover the same times), one block of each
kind per pair, in alternating order:

* *measured*: every output measured as the user's run does (``begin_measurement``, the leading bonds'
  energies observed by the next run, ``complete``), and
* *bare*: the same runs with no measurement.

The first ``--settle`` outputs of a block are not timed (the gate processes start, and their cuts
follow the calling process's time between runs: they move after the first runs of a measured block).
The machine's speed drifts over minutes (other tenants), so the two blocks of a pair, seconds apart,
are compared with each other: the cost of a pair is 1 − bare / measured (wall time per output), and
the script reports the median and the range over the pairs. Exit status 2 with one line on bad input.

    python benchmarks/tebd_measurement_cost.py CHECKPOINT [--pairs 6] [--block 16] [--settle 6] [--json PATH]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def load_engine(path: str):
    """(chain, engine) resumed from a TEBD checkpoint of any chain model."""
    from verify.records import engine_from_checkpoint, load_checkpoint

    return engine_from_checkpoint(load_checkpoint(path))


def timed_block(path: str, block: int, settle: int, measured: bool) -> float:
    """Wall seconds per output of a block of ``block`` outputs of an engine resumed from ``path`` (the first
    ``settle`` untimed), every output measured or none."""
    from verify.tebd import begin_measurement

    chain, engine = load_engine(path)
    bonds = chain.bond_hamiltonians()
    try:
        pending, start = None, 0.0
        for k in range(block):
            if k == settle:
                start = time.perf_counter()
            engine.run(1, then=1)
            if measured:
                if pending is not None:
                    pending.complete(engine)
                pending = begin_measurement(engine, chain, bonds=bonds)
                engine.observe(pending.requests())
        return (time.perf_counter() - start) / (block - settle)
    finally:
        engine.close()


def main() -> int:
    """Parse the arguments, time both kinds of run alternately, print (and with ``--json`` write) the cost."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--block", type=int, default=16)
    parser.add_argument("--settle", type=int, default=6)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.pairs < 1 or args.settle < 0 or args.block <= args.settle:
        print("error: --pairs must be at least 1, --settle at least 0 and --block larger than --settle",
              file=sys.stderr)
        return 2
    if not Path(args.checkpoint).is_file():
        print(f"error: {args.checkpoint}: no such checkpoint", file=sys.stderr)
        return 2
    if args.json is not None and not Path(args.json).resolve().parent.is_dir():
        print(f"error: {args.json}: its folder does not exist", file=sys.stderr)
        return 2
    try:
        load_engine(args.checkpoint)[1].close()
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {args.checkpoint}: {exc}", file=sys.stderr)
        return 2
    pairs = []
    for n in range(args.pairs):
        order = ("measured", "bare") if n % 2 == 0 else ("bare", "measured")
        pair = {name: timed_block(args.checkpoint, args.block, args.settle, name == "measured") for name in order}
        pair["cost"] = 1.0 - pair["bare"] / pair["measured"]
        pairs.append(pair)
        print(f"pair {n}: measured {pair['measured']:.3f} s, bare {pair['bare']:.3f} s per output: "
              f"cost {pair['cost']:.1%}", flush=True)
    costs = [pair["cost"] for pair in pairs]
    cost = float(np.median(costs))
    measured, bare = (float(np.median([pair[name] for pair in pairs])) for name in ("measured", "bare"))
    print(f"the measurement costs {cost:.1%} of the run (median of {len(pairs)} pairs; range "
          f"{min(costs):.1%} to {max(costs):.1%}); medians per output: measured {measured:.3f} s, bare {bare:.3f} s")
    if args.json is not None:
        Path(args.json).write_text(json.dumps({
            "checkpoint": args.checkpoint, "block": args.block, "settle": args.settle, "pairs": pairs,
            "median_measured": measured, "median_bare": bare, "measurement_cost": cost,
            "cost_range": [min(costs), max(costs)]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
