"""What measuring every output costs a TEBD run: the same outputs with and without the measurement.

Issue 17 asks that measurements cost at most 15 % of the user's run. With the gates on processes
(:mod:`verify.tebd.segments`) the calling process measures while the workers already run the next
output's gates, so the time spent inside the measurement overstates what it adds to the run. This
script resumes one checkpoint (e.g. the N_e = 8 state at t = 30 that ``tebd_flop_floor.py --scheme
even-odd --per-output --t 30 --checkpoint PATH`` writes) and runs ``--outputs`` outputs of δt_out = δt
(one step each, the next run announced as ``verify.records.simulate_tebd`` does) alternately

* *measured*: every output measured as the user's run does (``begin_measurement``, the leading bonds'
  energies observed by the next run, ``complete``), and
* *bare*: the same runs with no measurement,

``--repeats`` times each, from the same checkpoint, and reports the wall time per output of both and
the measurement's cost, 1 − bare / measured (medians). Exit status 2 with one line on bad input.

    python benchmarks/tebd_measurement_cost.py CHECKPOINT [--outputs 20] [--repeats 3] [--json PATH]
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


def timed_outputs(path: str, outputs: int, measured: bool) -> float:
    """Wall seconds per output over ``outputs`` outputs (after one untimed output that starts the workers)."""
    from verify.tebd import begin_measurement

    chain, engine = load_engine(path)
    bonds = chain.bond_hamiltonians()
    try:
        pending = None
        start = 0.0
        for k in range(outputs + 1):
            if k == 1:
                start = time.perf_counter()
            engine.run(1, then=1)
            if measured:
                if pending is not None:
                    pending.complete(engine)
                pending = begin_measurement(engine, chain, bonds=bonds)
                engine.observe(pending.requests())
        if pending is not None:
            pending.complete()
        return (time.perf_counter() - start) / outputs
    finally:
        engine.close()


def main() -> int:
    """Parse the arguments, time both kinds of run alternately, print (and with ``--json`` write) the cost."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("--outputs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.outputs < 1 or args.repeats < 1:
        print("error: --outputs and --repeats must be at least 1", file=sys.stderr)
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
    times: dict[str, list[float]] = {"measured": [], "bare": []}
    for _ in range(args.repeats):
        for name in times:
            times[name].append(timed_outputs(args.checkpoint, args.outputs, name == "measured"))
            print(f"{name}: {times[name][-1]:.3f} s per output", flush=True)
    measured, bare = (float(np.median(times[name])) for name in ("measured", "bare"))
    cost = 1.0 - bare / measured
    print(f"median per output: measured {measured:.3f} s, bare {bare:.3f} s; the measurement costs {cost:.1%}")
    if args.json is not None:
        Path(args.json).write_text(json.dumps({"checkpoint": args.checkpoint, "outputs": args.outputs,
                                               "times": times, "median_measured": measured, "median_bare": bare,
                                               "measurement_cost": cost}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
