"""Verification tools of qstt: chain models as data, exact and TEBD evolvers, run records, checks, CLI.

The sub-packages are layers (``docs/architecture.md``), each importing only those to its left::

    models → tensors → mps → exact | tebd → records → checks → testing | interop → cli

The names most sessions need are re-exported here:

* models: :class:`ChainModel`, :class:`PRXChain` (PRX Eqs. 1–5), :class:`XXZChain` (TeNPy's XXZ
  chain), :class:`PairOnRing` (pair paper) — ``verify.models``;
* runs: :func:`simulate_exact` and :func:`simulate_tebd` for any chain model (one
  :class:`TEBDOptions` with the paper's defaults), :func:`simulate_prx_exact`,
  :func:`simulate_prx_tebd`, :func:`simulate_pair` — ``verify.records``;
* records and checks: :class:`RunResult`, :func:`load_run`, :func:`check_run` (schema in
  ``docs/run_records.md``), :func:`compare_runs` (the convergence horizon of runs at different settings);
* the exact sector of a chain model: :class:`SectorBasis` (alias ``PRXBasis``), :func:`hamiltonian`,
  :func:`preparation_term`, :func:`ground_state`, :func:`sector_dimension` — ``verify.exact``;
* ``python -m verify`` — the command line (``verify.cli``).

Every name is imported on first use (module ``__getattr__``), so ``import verify`` stays cheap and
``python -m verify`` loads only what a subcommand needs. Names of earlier releases that now live in
deprecated modules (``ExactObservables``, ``prx_record``) still resolve, with a DeprecationWarning.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "ChainModel": "verify.models",
    "PRXChain": "verify.models",
    "PairOnRing": "verify.models",
    "XXZChain": "verify.models",
    "PRXFrame": "verify.models",
    "prx_frame": "verify.models",
    "RunResult": "verify.records",
    "load_run": "verify.records",
    "conservation_drifts": "verify.records",
    "simulate_exact": "verify.records",
    "simulate_pair": "verify.records",
    "simulate_prx_exact": "verify.records",
    "simulate_prx_tebd": "verify.records",
    "simulate_tebd": "verify.records",
    "TEBDOptions": "verify.tebd",
    "check_run": "verify.checks",
    "read_run": "verify.interop",
    "from_qutip_result": "verify.interop",
    "compare_runs": "verify.checks",
    "SectorBasis": "verify.exact",
    "PRXBasis": "verify.exact:SectorBasis",
    "ground_state": "verify.exact:model_ground_state",
    "hamiltonian": "verify.exact:model_hamiltonian",
    "preparation_term": "verify.exact:model_preparation_term",
    "sector_dimension": "verify.exact",
    "FermionSector": "verify.exact",
    "evolve": "verify.exact",
    "ExactObservables": "verify.prx_observables",
    "prx_record": "verify.prx_observables",
}
"""Name → ``module`` (same name there) or ``module:attribute``."""

_DEPRECATED = frozenset({"ExactObservables", "prx_record"})
"""Resolvable for one more release, but not advertised (``__all__``, ``dir``)."""

__all__ = sorted(set(_EXPORTS) - _DEPRECATED)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'verify' has no attribute {name!r}")
    module_name, _, attribute = module_name.partition(":")
    value = getattr(importlib.import_module(module_name), attribute or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
