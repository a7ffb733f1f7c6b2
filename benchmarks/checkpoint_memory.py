"""Checkpoint size, write/read time and peak memory: format 1 (dense, uncompressed) vs format 2 (blocks).

Input: a checkpoint of a PRX TEBD run with the block-sparse backend, e.g. the N_e = 8 paper chain
run until χ saturates (χ = 400 is reached at t ≈ 21; ``--make`` runs it when the file is missing):

    OMP_NUM_THREADS=1 python -m verify run prx --method tebd --n-e 8 --chi-max 400 --t-max 22 \\
        --scheme prx --dt-out 0.5 --checkpoint /tmp/ckpt400.npz --out /tmp/run400.npz
    OMP_NUM_THREADS=1 python benchmarks/checkpoint_memory.py /tmp/ckpt400.npz --chi 400 --n-e 8 \\
        --json benchmarks/results/checkpoint_memory_chi400.json

The state is written in both formats — format 1 exactly as the package wrote it before issue #15
(every tensor densified by ``TEBD.resume_data()``, ``np.savez`` into memory, one atomic write), format
2 by :func:`verify.records.save_checkpoint` (blocks streamed into a compressed zip) — and each phase
runs in a fresh subprocess:

* ``save``: from a restored engine, write the checkpoint; extra memory = tracemalloc peak of the call;
* ``cli`` (``--cli``): the whole ``python -m verify run prx ... --resume`` one output interval beyond
  the checkpoint (TEBD steps at full χ included), in-process; ``ru_maxrss`` and tracemalloc peak;
* ``resume``: :func:`verify.records.load_checkpoint` + ``TEBD.from_resume_data`` — everything the
  resumed run does before its first step beyond what a fresh run builds too (chain, bond terms,
  backend: built first); tracemalloc peak (numpy's buffers are traced) and the rise of the peak RSS
  (``VmHWM``; ``ru_maxrss`` is reported too but on Linux includes the forking parent's RSS) over the
  process's RSS before loading.

"State size" is Σ of the block bytes of the restored MPS (plus leg charges): the memory the run needs
anyway. Target of issue #15: resume peak below 2 × the state size. Times are wall and CPU seconds
(the machine may be shared: compare the CPU columns; memory numbers do not depend on the load).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

PHASES = ("convert", "save", "resume", "cli")


def _model_and_options(n_e: int, chi: int):
    from verify.models import PRXChain
    from verify.tebd import PAPER_TEBD

    return PRXChain(n_e=n_e), PAPER_TEBD.replace(chi_max=chi)  # the measured checkpoints are Eq. 8 runs


def _setup(n_e: int, chi: int):
    """What every run builds whether it resumes or not: the chain, its bond terms, the tensor backend."""
    from verify.models import as_chain
    from verify.tebd import tensor_backend

    model, options = _model_and_options(n_e, chi)
    chain = as_chain(model)
    backend, site_charges = tensor_backend(chain, options.backend)
    return chain, options, chain.bond_hamiltonians(), backend, site_charges


def _engine(path: str, setup):
    """The engine resumed from checkpoint ``path`` (either format), as ``simulate_tebd`` builds it."""
    from verify.records import load_checkpoint
    from verify.tebd import TEBD, TEBDResumeData

    chain, options, bonds, backend, site_charges = setup
    stored = load_checkpoint(path)
    if stored.params["model"] != chain.to_dict() or stored.params["chi_max"] != options.chi_max:
        raise SystemExit(f"{path}: not a run of {chain.kind} {chain.to_dict()} at chi_max={options.chi_max}")
    info = dict(stored.info)
    data = TEBDResumeData(stored.tensors, stored.center, stored.bond_values, stored.steps, stored.truncation_error,
                          [int(k) for k in info.pop("limited_steps", [])])
    engine = TEBD.from_resume_data(data, bonds, options, backend=backend, site_charges=site_charges)
    return stored, engine


def state_bytes(engine) -> int:
    """Bytes of the engine's MPS: every block plus the leg charges."""
    total = 0
    for t in engine.mps.tensors:
        total += sum(b.nbytes for b in t.blocks.values()) + sum(leg.charges.nbytes for leg in t.legs)
    return total


def save_v1(path: str, stored, engine) -> None:
    """Format 1 as written before issue #15: dense tensors, ``np.savez`` into memory, atomic write."""
    from verify.records import atomic_write_bytes

    data = engine.resume_data()  # densified
    arrays = {f"tensor_{i:04d}": t for i, t in enumerate(data.tensors)}
    arrays.update({f"record_{k}": v for k, v in stored.record.items()})
    header = {"format_version": 1, "params": stored.params, "steps": data.steps,
              "truncation_error": float(data.truncation_error).hex(), "center": data.center,
              "n_tensors": len(data.tensors), "n_bond_values": 0, "info": stored.info}
    arrays["meta_json"] = np.array(json.dumps(header, sort_keys=True))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def save_v2(path: str, stored, engine, level: int) -> None:
    """Write the resumed engine's state as a format-2 checkpoint at zlib ``level``."""
    from verify.records import Checkpoint, save_checkpoint

    data = engine.resume_data(dense=False)
    save_checkpoint(path, Checkpoint(stored.params, data.steps, data.truncation_error, data.tensors, data.center,
                                     stored.record, stored.info, bond_values=data.bond_values),
                    compresslevel=level)


def rss_mb() -> float:
    """Resident size of this process now (MiB, from /proc/self/statm; NaN where there is none). Also
    used by ``tebd_memory.py``."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def hwm_mb() -> float:
    """Peak RSS of this process image (VmHWM, MiB; NaN where there is none). Unlike ``ru_maxrss`` it does
    not include the parent's RSS that a forked child carries until ``exec`` (Linux keeps that in
    ``ru_maxrss``)."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _finish(out: dict, t0: float, c0: float) -> None:
    import tracemalloc

    out["wall_s"], out["cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out["peak_rss_mb"] = hwm_mb()


def child(args: argparse.Namespace) -> dict:
    """One phase in this (fresh) process; returns the measurements."""
    import tracemalloc

    out: dict = {"phase": args.phase, "format": args.format}
    if args.phase == "cli":
        return cli_child(args, out)
    if args.phase == "convert":  # in a child, so that the parent stays small (see hwm_mb)
        save_v2(args.target, *_engine(args.source, _setup(args.n_e, args.chi)), 1)
        return out
    setup = _setup(args.n_e, args.chi)
    if args.phase == "save":
        stored, engine = _engine(args.source, setup)
        out["state_mb"] = state_bytes(engine) / 2**20
        tracemalloc.start()
        t0, c0 = time.perf_counter(), time.process_time()
        if args.format == 1:
            save_v1(args.target, stored, engine)
        else:
            save_v2(args.target, stored, engine, args.level)
    else:
        out["rss_before_mb"] = rss_mb()
        tracemalloc.start()
        t0, c0 = time.perf_counter(), time.process_time()
        stored, engine = _engine(args.target, setup)
        out["state_mb"] = state_bytes(engine) / 2**20
    _finish(out, t0, c0)
    if args.phase == "resume":
        out["rss_rise_mb"] = out["peak_rss_mb"] - out["rss_before_mb"]
        out["peak_over_state"] = out["tracemalloc_peak_mb"] / out["state_mb"]
    return out


def cli_child(args: argparse.Namespace, out: dict) -> dict:
    """``python -m verify run prx ... --resume`` in this process, one output interval past the checkpoint."""
    import contextlib
    import tracemalloc

    from verify.cli.main import main as cli_main

    with np.load(args.target) as archive:  # the header member only: ru_maxrss must not see the tensors
        header = json.loads(str(archive["meta_json"]))
    t_max = round(header["steps"] * header["params"]["dt"] + 0.5, 10)  # one more output interval of 0.5
    record = f"{args.target}.record.npz"
    argv = ["run", "prx", "--method", "tebd", "--n-e", str(args.n_e), "--chi-max", str(args.chi), "--t-max",
            str(t_max), "--scheme", "prx", "--dt-out", "0.5", "--checkpoint", args.target, "--resume", "--out", record]
    out["rss_before_mb"] = rss_mb()
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(sys.stderr):
        status = cli_main(argv)
    _finish(out, t0, c0)
    if status != 0:
        raise SystemExit(f"the command-line resume exited {status}")
    out["status"], out["t_max"] = status, t_max
    for path in (record, str(Path(record).with_suffix(".json"))):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    return out


def run_phase(phase: str, fmt: int, source: str, target: str, args: argparse.Namespace, level: int) -> dict:
    """Run one measured phase (save or resume) in a fresh process and return its JSON result."""
    cmd = [sys.executable, __file__, source, "--chi", str(args.chi), "--n-e", str(args.n_e), "--phase", phase,
           "--format", str(fmt), "--target", target, "--level", str(level)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{phase} format {fmt} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_checkpoint(path: str, args: argparse.Namespace) -> None:
    """Make the source checkpoint with the command line (the run a user makes)."""
    cmd = [sys.executable, "-m", "verify", "run", "prx", "--method", "tebd", "--n-e", str(args.n_e), "--chi-max",
           str(args.chi), "--t-max", str(args.t_max), "--scheme", "prx", "--dt-out", "0.5", "--checkpoint", path,
           "--out", str(Path(path).with_name(Path(path).stem + "_record.npz"))]
    subprocess.run(cmd, check=True)


def main() -> None:
    """Command line: measure file size and peak memory of saving and resuming, format 1 against 2."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", help="checkpoint of the PRX run (either format)")
    parser.add_argument("--chi", type=int, default=400)
    parser.add_argument("--n-e", type=int, default=8)
    parser.add_argument("--t-max", type=float, default=22.0, help="with --make: run until this time")
    parser.add_argument("--make", action="store_true", help="run the TEBD to make the checkpoint if it is missing")
    parser.add_argument("--levels", type=int, nargs="+", default=[1], help="zlib levels of format 2 to measure")
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--cli", action="store_true",
                        help="also time a full command-line --resume over one more output interval")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--format", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--level", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.source = args.checkpoint
    if args.phase:
        print(json.dumps(child(args)))
        return
    if not Path(args.checkpoint).exists():
        if not args.make:
            raise SystemExit(f"{args.checkpoint}: missing (pass --make to run the TEBD)")
        make_checkpoint(args.checkpoint, args)
    work = Path(args.checkpoint).with_suffix("")
    args.source = f"{work}_source_format2.npz"  # the save phases start from a format-2 file (cheap to load)
    run_phase("convert", 2, args.checkpoint, args.source, args, 1)
    rows = []
    for fmt, level in [(1, 0)] + [(2, lv) for lv in args.levels]:
        target = f"{work}_format{fmt}_level{level}.npz"
        save = run_phase("save", fmt, args.source, target, args, level)
        resume = run_phase("resume", fmt, args.source, target, args, level)
        row = {"format": fmt, "level": level, "file_mb": os.path.getsize(target) / 2**20, "save": save,
               "resume": resume}
        if args.cli and level in (0, 1):
            row["cli_resume"] = cli = run_phase("cli", fmt, args.source, target, args, level)
            print(f"  CLI --resume to t = {cli['t_max']:g} (status {cli['status']}): "
                  f"peak RSS {cli['peak_rss_mb']:.0f} MB, tracemalloc peak {cli['tracemalloc_peak_mb']:.1f} MB, "
                  f"{cli['wall_s']:.0f} s wall / {cli['cpu_s']:.0f} s CPU", flush=True)
        rows.append(row)
        print(f"format {fmt} (zlib {level}): file {row['file_mb']:.1f} MB; state {resume['state_mb']:.1f} MB; "
              f"save {save['wall_s']:.1f} s wall / {save['cpu_s']:.1f} s CPU, "
              f"peak +{save['tracemalloc_peak_mb']:.1f} MB;"
              f" resume {resume['wall_s']:.1f} s wall / {resume['cpu_s']:.1f} s CPU, tracemalloc peak "
              f"{resume['tracemalloc_peak_mb']:.1f} MB ({resume['peak_over_state']:.2f} x state), "
              f"peak RSS {resume['peak_rss_mb']:.0f} MB (+{resume['rss_rise_mb']:.0f} MB over "
              f"{resume['rss_before_mb']:.0f} MB before loading)", flush=True)
        os.unlink(target)
    os.unlink(args.source)
    if args.json:
        Path(args.json).write_text(json.dumps({"checkpoint": args.checkpoint, "chi": args.chi, "n_e": args.n_e,
                                               "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
                                               "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
