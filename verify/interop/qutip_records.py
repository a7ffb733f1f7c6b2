"""A QuTiP solver result (``qutip.solver.Result``) as a run record, in one call.

:func:`from_qutip_result` reads what a ``sesolve`` / ``mesolve`` / ``mcsolve`` result holds:

* expectation values (``e_ops``): each becomes a record array under the key it is given — the keys of a
  dict of ``e_ops`` (``e_ops={"energy": H, "total_spin_z": Sz}``), or ``e_ops_keys`` for a list of
  them. Keys of the form ``name[i]`` are stacked into one per-site array ``name`` (column i), e.g.
  ``spin_z[0]`` … ``spin_z[7]`` → ``spin_z`` of shape (n_t, 8). The record keys and units are those of
  ``docs/run_records.md`` (Pauli units: ⟨σ^z_i⟩, 2S^z);
* stored states (``options={"store_states": True}``): with ``model`` given, every key of the model's
  record row — norm, energy, entropy_cut, the site and total observables, the charge totals, the
  model's own frame (PRX Eqs. 9–14) — computed from the state through :mod:`entanglement` and the
  model's operators (:func:`verify.interop.dense.measure_state`); without a model, the norm alone.

The metadata says how the run was made: ``method`` = ``"qutip.<solver>"`` (so
:func:`verify.checks.check_run` picks the ``ode`` tolerance profile), ``integrator`` = QuTiP's method,
``atol``, ``rtol`` and ``normalize_output``; with a model, everything :func:`verify.records.run_meta`
writes (model, conserved charges, sector, site dimensions, cut). Open-system solvers (``mesolve``,
``mcsolve``, ``brmesolve``) record ``energy_conserved = false``: a Lindblad evolution does not conserve
⟨H⟩.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from verify.interop.dense import measure_state
from verify.models import as_chain
from verify.records import Recorder, RunResult, conservation_drifts, drift_keys, run_meta

__all__ = ["OPEN_SYSTEM_SOLVERS", "from_qutip_result"]

OPEN_SYSTEM_SOLVERS = frozenset({"mesolve", "mcsolve", "brmesolve", "nm_mcsolve", "smesolve", "ssesolve"})
"""QuTiP solvers of open systems: their records declare the energy not conserved."""

_SITE_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]$")
_IMAGINARY_RTOL = 1e-10
"""⟨O⟩ of a Hermitian O is real up to round-off; a larger imaginary part means a non-Hermitian e_op."""


def _result_type() -> type:
    try:
        from qutip.solver import Result
    except ImportError as exc:  # pragma: no cover - exercised only without QuTiP
        raise ImportError("from_qutip_result needs QuTiP: pip install qutip") from exc
    return Result


def _times(result: Any, times: Any) -> np.ndarray:
    raw = result.times if times is None else times
    try:
        t = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"times must be a 1-D array of real numbers, got {raw!r}") from None
    if t.ndim != 1 or t.size == 0 or not np.isfinite(t).all():
        raise ValueError(f"times must be a non-empty 1-D array of finite numbers, got shape {t.shape}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("times must be strictly increasing (the output times of the solver)")
    return t


def _named_expectations(result: Any, e_ops_keys: Any) -> dict[str, Any]:
    """Record key → the expectation values of one e_op."""
    data = dict(result.e_data)
    if e_ops_keys is None:
        unnamed = [key for key in data if not isinstance(key, str)]
        if unnamed:
            raise ValueError(
                f"the result's e_ops are a list (keys {unnamed}): name them with e_ops_keys=('energy', ...), "
                "one record key per e_op (None to leave one out), or pass e_ops as a dict"
            )
        return data
    if isinstance(e_ops_keys, Mapping):
        missing = [source for source in e_ops_keys.values() if source not in data]
        if missing:
            raise ValueError(f"e_ops_keys refers to {missing}, not among the result's e_ops {list(data)}")
        return {key: data[source] for key, source in e_ops_keys.items()}
    if isinstance(e_ops_keys, (str, bytes)) or not isinstance(e_ops_keys, Sequence):
        raise TypeError(f"e_ops_keys must be a sequence of record keys or a mapping, got {e_ops_keys!r}")
    if len(e_ops_keys) != len(data):
        raise ValueError(f"e_ops_keys has {len(e_ops_keys)} names for {len(data)} e_ops")
    return {key: values for key, values in zip(e_ops_keys, data.values(), strict=True) if key is not None}


def _real(key: str, values: Any, n_t: int) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "iufc" or array.shape != (n_t,):
        raise ValueError(f"e_op {key!r}: expected {n_t} numbers (one per time), got shape {array.shape}")
    if np.iscomplexobj(array):
        scale = max(1.0, float(np.max(np.abs(array.real), initial=0.0)))
        if float(np.max(np.abs(array.imag), initial=0.0)) > _IMAGINARY_RTOL * scale:
            raise ValueError(f"e_op {key!r} has complex expectation values: not a Hermitian observable")
        array = array.real
    return np.asarray(array, dtype=float)


def _expectation_arrays(result: Any, e_ops_keys: Any, n_t: int) -> dict[str, np.ndarray]:
    """The e_ops as record arrays, ``name[i]`` keys stacked per site (module docstring)."""
    arrays: dict[str, np.ndarray] = {}
    columns: dict[str, dict[int, np.ndarray]] = {}
    for key, values in _named_expectations(result, e_ops_keys).items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"record keys must be non-empty strings, got {key!r}")
        match = _SITE_KEY.match(key)
        if match:
            columns.setdefault(match.group(1), {})[int(match.group(2))] = _real(key, values, n_t)
        else:
            arrays[key] = _real(key, values, n_t)
    for name, by_site in columns.items():
        if name in arrays or sorted(by_site) != list(range(len(by_site))):
            raise ValueError(f"per-site e_ops {name}[i] must cover i = 0..{len(by_site) - 1} exactly once "
                             f"(got {sorted(by_site)}) and not clash with a key {name!r}")
        arrays[name] = np.stack([by_site[i] for i in range(len(by_site))], axis=1)
    if "t" in arrays:
        raise ValueError("'t' is the time grid, not an e_op key")
    return arrays


def _state_rows(model: Any, states: Sequence[Any], t: np.ndarray, cut: int | None) -> dict[str, np.ndarray]:
    if model is None:
        norms = []
        for state in states:
            array = state.full() if hasattr(state, "full") else np.asarray(state)
            ket = array.ndim == 1 or array.shape[1] == 1
            norms.append(float(np.linalg.norm(array)) if ket else float(np.sqrt(np.trace(array).real)))
        return {"t": t, "norm": np.array(norms)}
    recorder = Recorder(as_chain(model))
    for time, state in zip(t, states, strict=True):
        recorder.add_measurement(measure_state(model, state, time, cut=cut))
    return recorder.arrays()


def _meta(result: Any, model: Any, t: np.ndarray, cut: int | None) -> dict[str, Any]:
    import qutip

    options = getattr(result, "options", None) or {}
    solver = str(getattr(result, "solver", "") or "solver")
    integrator = {"library": "qutip", "version": qutip.__version__, "solver": solver}
    for name in ("method", "atol", "rtol", "normalize_output"):
        value = options.get(name) if hasattr(options, "get") else None
        if isinstance(value, (str, bool, int, float)):
            integrator[name] = value
    method = f"qutip.{solver}"
    dt_out = float(t[1] - t[0]) if t.size >= 2 and t[1] > t[0] else 1.0
    if model is not None:
        chain = as_chain(model)
        meta = run_meta(chain, method=method, times=t, t_max=float(t[-1]), dt_out=dt_out,
                        cut=chain.cut if cut is None else cut)
    else:
        meta = {"method": method, "t_max": float(t[-1]), "dt_out": dt_out, "n_times": int(t.size)}
    meta["integrator"] = integrator
    meta["source"] = {"format": "qutip-result", "library": "qutip", "version": qutip.__version__}
    if solver in OPEN_SYSTEM_SOLVERS:
        meta["energy_conserved"] = False
    return meta


def from_qutip_result(
    result: Any,
    *,
    model: Any = None,
    times: Sequence[float] | np.ndarray | None = None,
    e_ops_keys: Sequence[str | None] | Mapping[str, Any] | None = None,
    cut: int | None = None,
) -> RunResult:
    """A ``qutip.solver.Result`` as a :class:`verify.records.RunResult` (module docstring).

    Parameters
    ----------
    result : qutip.solver.Result
        Of ``sesolve``, ``mesolve``, ... with ``e_ops`` and/or stored states.
    model : XXZChain, PRXChain or ChainModel, optional
        The model the states belong to (its product basis, :mod:`verify.interop.dense`): its record
        keys are computed from the states and its declaration goes into the metadata.
    times : array, optional
        The time grid (default ``result.times``).
    e_ops_keys : sequence of str or None, or mapping, optional
        Record key of each e_op of a list (``None`` leaves one out), or record key → key of
        ``result.e_data``. Default: the keys of a dict of e_ops.
    cut : int, optional
        Entropy subsystem for the states (default the model's).

    Returns
    -------
    RunResult
        Method ``"qutip.<solver>"`` (the ``ode`` profile of :func:`verify.checks.check_run`).

    Raises
    ------
    TypeError
        When ``result`` is not a QuTiP Result, or for malformed keys.
    ValueError
        For a result with neither expectation values nor states, unnamed list e_ops, complex
        expectation values, a key given twice (by an e_op and by the model), times of the wrong
        length, or states that do not fit the model.
    ImportError
        When QuTiP is not installed.

    Examples
    --------
    >>> import qutip
    >>> from verify.interop import from_qutip_result
    >>> result = qutip.sesolve(qutip.sigmax(), qutip.basis(2, 0), [0.0, 0.5, 1.0], e_ops={"sigma_z": qutip.sigmaz()})
    >>> run = from_qutip_result(result)
    >>> sorted(run.arrays), run.meta["method"]
    (['sigma_z', 't'], 'qutip.sesolve')
    """
    if not isinstance(result, _result_type()):
        raise TypeError(f"result must be a qutip.solver.Result, got {type(result).__name__}")
    if model is not None:
        as_chain(model)  # TypeError for anything else
    t = _times(result, times)
    states = list(result.states or [])
    if not states and not result.e_data:
        raise ValueError("the result holds neither expectation values nor states: pass e_ops, or "
                         "options={'store_states': True}")
    arrays = _expectation_arrays(result, e_ops_keys, t.size) if result.e_data else {}
    if states:
        if len(states) != t.size:
            raise ValueError(f"the result has {len(states)} states for {t.size} times")
        from_states = _state_rows(model, states, t, cut)
        clash = sorted(set(arrays) & (set(from_states) - {"t"}))
        if clash:
            raise ValueError(f"keys {clash} come both from e_ops and from the states: rename the e_ops")
        arrays.update(from_states)
    arrays["t"] = t
    meta = _meta(result, model, t, cut)
    if model is not None:
        meta["drifts"] = conservation_drifts(arrays, drift_keys(as_chain(model)))
    return RunResult(arrays, meta)
