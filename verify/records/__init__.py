"""Run records — turning evolutions into records: recording, metadata, files, checkpoints.

* :class:`RunResult`, :func:`load_run`, :func:`output_times`, :func:`check_output_path` (the rule for
  every file a run writes: records, checkpoints), :func:`file_format`, atomic writes
  (:mod:`verify.records.run`; schema in ``docs/run_records.md``);
* the sidecar schema :data:`SIDECAR_SCHEMA` (published as ``docs/run_record.schema.json``) and
  :func:`validate_sidecar`, applied on every load (:mod:`verify.records.sidecar`);
* :class:`Recorder` — the one recorder every run feeds; :func:`run_meta` — the one metadata builder
  (:mod:`verify.records.recorder`);
* the drivers that run an evolver and feed the recorder: :func:`simulate_exact`, :func:`simulate_pair`,
  :func:`simulate_prx_exact` (:mod:`verify.records.simulate_exact`), :func:`simulate_tebd` and
  :func:`simulate_prx_tebd` (:mod:`verify.records.simulate_tebd`, with progress, checkpoints and resuming;
  its step grid, sector check and counters in :mod:`verify.records.tebd_setup`);
* TEBD checkpoints: :class:`Checkpoint`, :func:`save_checkpoint`, :func:`load_checkpoint`,
  :func:`check_parameters`, :func:`checkpoint_lock` (:mod:`verify.records.checkpoint`; the streamed
  file layout in :mod:`verify.records.checkpoint_format`).

This layer imports the models, the evolvers (``exact``, ``tebd``) and the layers below them.
"""

from verify.records.checkpoint import (
    COMPRESS_LEVEL,
    FORMAT_VERSION,
    READ_VERSIONS,
    Checkpoint,
    check_parameters,
    checkpoint_lock,
    load_checkpoint,
    lock_path,
    remove_stale_temporaries,
    save_checkpoint,
)
from verify.records.recorder import Recorder, conservation_drifts, drift_keys, run_meta
from verify.records.run import (
    MAX_OUTPUT_TIMES,
    RunResult,
    atomic_write_bytes,
    check_output_path,
    file_format,
    json_default,
    load_run,
    output_times,
    package_version,
    sidecar_path,
)
from verify.records.sidecar import SIDECAR_SCHEMA, schema_json, validate_sidecar
from verify.records.simulate_exact import (
    PAIR_TOL,
    Progress,
    check_progress,
    simulate_exact,
    simulate_pair,
    simulate_prx_exact,
)
from verify.records.simulate_tebd import simulate_prx_tebd, simulate_tebd
from verify.records.tebd_setup import (
    LEGACY_DEFAULT_SCHEMES,
    MAX_TEBD_STEPS,
    SECTOR_RTOL,
    check_sector,
    checkpoint_every_option,
    engine_from_checkpoint,
    named_scheme,
    peak_rss_mb,
    resume_data,
    step_ranges,
    steps_per_output,
    trotter_steps,
)

__all__ = [
    "COMPRESS_LEVEL",
    "FORMAT_VERSION",
    "LEGACY_DEFAULT_SCHEMES",
    "MAX_OUTPUT_TIMES",
    "MAX_TEBD_STEPS",
    "PAIR_TOL",
    "READ_VERSIONS",
    "SECTOR_RTOL",
    "SIDECAR_SCHEMA",
    "Checkpoint",
    "Progress",
    "Recorder",
    "RunResult",
    "atomic_write_bytes",
    "check_output_path",
    "check_parameters",
    "check_progress",
    "check_sector",
    "checkpoint_every_option",
    "checkpoint_lock",
    "conservation_drifts",
    "drift_keys",
    "engine_from_checkpoint",
    "file_format",
    "json_default",
    "load_checkpoint",
    "load_run",
    "lock_path",
    "named_scheme",
    "output_times",
    "package_version",
    "peak_rss_mb",
    "remove_stale_temporaries",
    "resume_data",
    "run_meta",
    "save_checkpoint",
    "schema_json",
    "sidecar_path",
    "simulate_exact",
    "simulate_pair",
    "simulate_prx_exact",
    "simulate_prx_tebd",
    "simulate_tebd",
    "step_ranges",
    "steps_per_output",
    "trotter_steps",
    "validate_sidecar",
]
