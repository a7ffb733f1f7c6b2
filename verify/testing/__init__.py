"""Testing tools: Hypothesis strategies, property assertions, and cross-checks of the evolvers.

* :mod:`verify.testing.strategies` — public Hypothesis strategies (states, density matrices, PRX Eq. 15
  states, unitaries, PRX / XXZ / any chain models, pairs on a ring, random MPS);
* :mod:`verify.testing.properties` — assertions to call inside ``@given`` (entropy inequalities,
  conservation, valid density matrices, :func:`~verify.testing.properties.assert_run_passes`);
* :mod:`verify.testing.crosscheck` — exact evolution against TEBD for any chain model
  (:func:`crosscheck`, :func:`crosscheck_prx`) and the PRX Eq. 15 MPS against closed forms
  (:func:`crosscheck_stt`);
* :mod:`verify.testing.error_budget` — what the Trotter order, δt, the accumulated truncation error and
  the initial states allow a TEBD run to deviate from the exact one (:func:`error_budget`), and which
  of them dominates a failed cross-check (:func:`diagnose`, :func:`advice`).

Typical use::

    from verify.testing import properties, strategies

This layer may import every layer below it (models, tensors, mps, exact, tebd, records, checks).
"""

from verify.testing import properties, strategies
from verify.testing.crosscheck import (
    DEFAULT_TOLERANCE,
    PRX_OBSERVABLES,
    PRX_TOLERANCES,
    STT_ROUNDOFF,
    TOLERANCE_POLICIES,
    compared_keys,
    crosscheck,
    crosscheck_prx,
    crosscheck_stt,
    crosscheck_tolerances,
    exact_initial_mps,
    exceeded,
    sector_state_to_mps,
    sector_to_site_basis,
    site_dims,
    stt_measurements,
    stt_tolerances,
)
from verify.testing.error_budget import (
    BUDGET_BASE,
    TROTTER_CONSTANTS,
    StateError,
    advice,
    diagnose,
    error_budget,
    state_error,
)

__all__ = [
    "BUDGET_BASE",
    "DEFAULT_TOLERANCE",
    "PRX_OBSERVABLES",
    "PRX_TOLERANCES",
    "STT_ROUNDOFF",
    "TOLERANCE_POLICIES",
    "TROTTER_CONSTANTS",
    "StateError",
    "advice",
    "compared_keys",
    "crosscheck",
    "crosscheck_prx",
    "crosscheck_stt",
    "crosscheck_tolerances",
    "diagnose",
    "error_budget",
    "exact_initial_mps",
    "exceeded",
    "properties",
    "sector_state_to_mps",
    "sector_to_site_basis",
    "site_dims",
    "state_error",
    "strategies",
    "stt_measurements",
    "stt_tolerances",
]
