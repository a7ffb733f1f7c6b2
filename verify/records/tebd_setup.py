"""What a TEBD run checks and counts before and around its steps (:mod:`verify.records.simulate_tebd`).

The step grid of the outputs (:func:`steps_per_output`, :func:`trotter_steps` with its cost limit
:data:`MAX_TEBD_STEPS`), the sector check of the initial state (:func:`check_sector`), the checkpoint
options (:func:`checkpoint_every_option`), the scheme that older checkpoints meant by ``None``
(:data:`LEGACY_DEFAULT_SCHEMES`, :func:`named_scheme`), the engine a checkpoint continues
(:func:`resume_data`, :func:`engine_from_checkpoint`), and the counters a record's ``tebd`` metadata
reports (:func:`step_ranges`, :func:`peak_rss_mb`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from states.validation import require_int
from verify.models import ChainModel, as_chain, model_from_dict
from verify.records.run import check_output_path
from verify.tebd import TEBD, TEBDOptions, TEBDResumeData, tensor_backend

__all__ = ["LEGACY_DEFAULT_SCHEMES", "MAX_TEBD_STEPS", "SECTOR_RTOL", "check_sector", "checkpoint_every_option",
           "engine_from_checkpoint", "named_scheme", "peak_rss_mb", "resume_data", "step_ranges", "steps_per_output",
           "trotter_steps"]

MAX_TEBD_STEPS = 10**6
"""Default ``max_steps`` of :func:`verify.records.simulate_tebd`: the most Trotter steps a run may take unless the
caller raises the limit (``max_steps=...``, ``--max-steps`` on the command line). The paper's run
(t = 40 at δt = 0.1) takes 400 steps; 10⁶ steps of even a small chain take hours, and a δt typed
a few orders of magnitude too small (``TEBDOptions(dt=1e-9)``) would otherwise run for ever."""

SECTOR_RTOL = 1e-6
"""Largest |⟨Q⟩ − q| / max(1, ‖Q‖) of the initial MPS for each sector charge Q = Σ_i Q_i with sector
value q (:func:`check_sector`). The charges are integers, so a state of another sector is off by at
least 1 (at least 1e6 × the tolerance for every chain with ‖Q‖ < 10⁶). A state in the sector up to a
weight w outside it is off by at most 2 w ‖Q‖: the recipes' MPS are exact up to round-off (w ~ 1e-15,
the Slater determinant is compressed at the SVD floor only), and a given ``psi0`` compressed at the
paper's trunc = 1e-7 has w ≲ 5e-7."""


def steps_per_output(dt: float, dt_out: float) -> int:
    """Trotter steps per output interval; ValueError unless dt_out/dt is a positive integer (to 1e-9)."""
    ratio = dt_out / dt
    if not math.isfinite(ratio):  # dt_out / 1e-320 overflows: no integer to round to
        raise ValueError(f"dt_out/dt = {dt_out!r}/{dt!r} is not a finite number of Trotter steps")
    n_sub = round(ratio)
    if n_sub < 1 or abs(ratio - n_sub) > 1e-9 * max(1.0, ratio):
        raise ValueError(f"dt_out = {dt_out} must be a positive integer multiple of dt = {dt} (ratio {ratio:.12g})")
    return n_sub


def step_ranges(steps: Sequence[int]) -> list[list[int]]:
    """Sorted step numbers as inclusive ranges: [3, 4, 5, 9] → [[3, 5], [9, 9]]."""
    out: list[list[int]] = []
    for k in sorted(steps):
        if out and k == out[-1][1] + 1:
            out[-1][1] = k
        else:
            out.append([k, k])
    return out


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process so far (MB), or None where ``resource`` is unavailable."""
    try:
        import resource
    except ImportError:  # not on POSIX
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports kB


def trotter_steps(times: np.ndarray, dt: float, dt_out: float, max_steps: int) -> int:
    """Steps per output interval, after checking the run's total step count against ``max_steps``."""
    n_sub = steps_per_output(dt, dt_out)
    total = (times.size - 1) * n_sub
    if total > max_steps:
        raise ValueError(
            f"the run needs {total:,} Trotter steps (t_max/dt), more than max_steps = {max_steps:,}: "
            "raise dt or lower t_max, or raise the limit with max_steps= (--max-steps on the command line)"
        )
    return n_sub


LEGACY_DEFAULT_SCHEMES: dict[int, str] = {2: "prx", 4: "forest-ruth"}
"""What ``"scheme": None`` meant in checkpoints and records from before even–odd became the default."""


def named_scheme(params: dict[str, Any]) -> dict[str, Any]:
    """Stored checkpoint parameters with a legacy ``"scheme": None`` replaced by the scheme it meant."""
    legacy = "scheme" in params and params["scheme"] is None
    return {**params, "scheme": LEGACY_DEFAULT_SCHEMES.get(params.get("order"))} if legacy else params


def resume_data(stored: Any) -> TEBDResumeData:
    """What a :class:`verify.records.Checkpoint` holds of its engine (:meth:`verify.tebd.TEBD.from_resume_data`)."""
    return TEBDResumeData(stored.tensors, stored.center, stored.bond_values, stored.steps, stored.truncation_error,
                          [int(k) for k in stored.info.get("limited_steps", [])])


def engine_from_checkpoint(stored: Any) -> tuple[ChainModel, TEBD]:
    """The chain model and the TEBD engine of a checkpoint, as :func:`verify.records.simulate_tebd` resumes
    them (charged tensors; its parameters' δt, χ_max, truncation, order and scheme), for a study of the
    run's state or steps outside the driver (the benchmarks resume their checkpoints with it).

    Parameters
    ----------
    stored : Checkpoint
        From :func:`verify.records.load_checkpoint`.

    Raises
    ------
    ValueError
        When the stored tensors do not fit the stored model.
    """
    params = named_scheme(stored.params)
    chain = as_chain(model_from_dict(params["model"]))
    options = TEBDOptions(dt=params["dt"], chi_max=params["chi_max"], trunc=params["trunc"], order=params["order"],
                          scheme=params["scheme"])
    backend, charges = tensor_backend(chain, options.backend)
    engine = TEBD.from_resume_data(resume_data(stored), chain.bond_hamiltonians(), options, backend=backend,
                                   site_charges=charges)
    return chain, engine


def check_sector(chain: ChainModel, charges: dict[str, float], *, rtol: float = SECTOR_RTOL) -> None:
    """Refuse an initial state outside the model's sector: |⟨Q⟩ − q| > rtol · max(1, ‖Q‖) for a sector
    charge Q = Σ_i Q_i of value q (:data:`SECTOR_RTOL`; ``charges``: the measured totals at t = 0).

    Raises
    ------
    ValueError
        Naming the charge, its measured value and the sector's.
    """
    site_charges = chain.site_charges()  # (d_i, #sector charges) per site
    for k, (name, value) in enumerate(chain.sector.items()):
        norm = sum(float(np.max(np.abs(q[:, k]))) for q in site_charges)  # ‖Σ_i Q_i‖ = Σ_i max|q_i|
        measured = charges[name]
        if not abs(measured - value) <= rtol * max(1.0, norm):
            raise ValueError(
                f"the initial state is not in the model's sector: <{name}> = {measured:.12g} at t = 0, the "
                f"sector has {name} = {value} (the exact evolver refuses it too)"
            )


def checkpoint_every_option(checkpoint: Any, checkpoint_every: Any, resume: bool, psi0: Any) -> int | None:
    """Validate the checkpoint options before any work; return ``checkpoint_every`` as an int."""
    if checkpoint_every is not None:
        checkpoint_every = require_int("checkpoint_every", checkpoint_every, minimum=1)
    if checkpoint is None and (checkpoint_every is not None or resume):
        raise ValueError("checkpoint_every and resume need a checkpoint path")
    if checkpoint is not None:
        check_output_path(checkpoint, what="checkpoint")  # .npz, a directory we can create or write
        if psi0 is not None:
            raise ValueError("psi0 cannot be combined with a checkpoint (the initial state is not stored)")
        if not resume and os.path.exists(checkpoint):
            raise ValueError(f"checkpoint {checkpoint} exists: pass resume=True (--resume) or remove it")
    return checkpoint_every
