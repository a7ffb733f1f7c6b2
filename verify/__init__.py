"""Verification tools of qstt: model parameters, exact and TEBD evolvers, run records, checks, CLI.

* :class:`PRXChain`, :class:`PairOnRing` — parameters with the papers' defaults (``verify.models``);
* :func:`simulate_prx_exact` — exact (Trotter-free) evolution of the PRX chain, PRX Eqs. 1–14
  (``verify.prx_exact``, observables in ``verify.prx_observables``, Fock bases in ``verify.fock``);
* :func:`simulate_pair` — the pair-on-a-ring model (``verify.pair``);
* :func:`simulate_tebd` — TEBD evolution of any chain model with one :class:`TEBDOptions`
  (``verify.records``, engine in ``verify.tebd``); :func:`simulate_prx_tebd` — the PRX chain's;
  :func:`simulate_exact` — exact evolution of any chain model;
* :class:`RunResult`, :func:`load_run` — run records (``verify.runs``, schema in
  ``docs/run_records.md``);
* ``python -m verify`` — the command line (``verify.cli``).

Every name is imported on first use (module ``__getattr__``), so ``import verify`` stays cheap and
``python -m verify`` loads only what a subcommand needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    "PRXChain": "verify.models",
    "PairOnRing": "verify.models",
    "RunResult": "verify.records",
    "load_run": "verify.records",
    "simulate_prx_exact": "verify.prx_exact",
    "PRXBasis": "verify.prx_exact",
    "ground_state": "verify.prx_exact",
    "hamiltonian": "verify.prx_exact",
    "preparation_term": "verify.prx_exact",
    "sector_dimension": "verify.prx_exact",
    "ExactObservables": "verify.prx_observables",
    "PRXFrame": "verify.prx_observables",
    "prx_frame": "verify.prx_observables",
    "prx_record": "verify.prx_observables",
    "conservation_drifts": "verify.prx_observables",
    "FermionSector": "verify.fock",
    "simulate_pair": "verify.pair",
    "simulate_prx_tebd": "verify.records",
    "simulate_tebd": "verify.records",
    "simulate_exact": "verify.records",
    "TEBDOptions": "verify.tebd",
    "evolve": "verify.propagate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'verify' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
