"""Run records — turning evolutions into records: recording, metadata, files, checkpoints.

* :class:`RunResult`, :func:`load_run`, :func:`output_times`, atomic writes
  (:mod:`verify.records.run`; schema in ``docs/run_records.md``);
* :class:`Recorder` — the one recorder every run feeds; :func:`run_meta` — the one metadata builder
  (:mod:`verify.records.recorder`);
* the drivers that run an evolver and feed the recorder: ``simulate_exact``, ``simulate_tebd``,
  ``simulate_pair`` and the PRX wrappers (with progress, checkpoints and resuming).

This layer imports the models, the evolvers (``exact``, ``tebd``) and the layers below them.
"""

from verify.records.recorder import DEFAULT_DRIFT_KEYS, Recorder, conservation_drifts, drift_keys, run_meta
from verify.records.run import (
    RunResult,
    atomic_write_bytes,
    json_default,
    load_run,
    output_times,
    package_version,
    sidecar_path,
)
from verify.records.simulate_exact import PAIR_TOL, Progress, simulate_exact, simulate_pair, simulate_prx_exact

__all__ = [
    "DEFAULT_DRIFT_KEYS",
    "PAIR_TOL",
    "Progress",
    "Recorder",
    "RunResult",
    "atomic_write_bytes",
    "conservation_drifts",
    "drift_keys",
    "json_default",
    "load_run",
    "output_times",
    "package_version",
    "run_meta",
    "sidecar_path",
    "simulate_exact",
    "simulate_pair",
    "simulate_prx_exact",
]
