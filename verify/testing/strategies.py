"""Public Hypothesis strategies for property tests of quantum states, models and MPS.

Use them in your own tests together with :mod:`verify.testing.properties`::

    from hypothesis import given
    from verify.testing import properties, strategies

    @given(strategies.pure_states(max_subsystems=3, max_dim=3))
    def test_entropy_symmetric(sample):
        state, dims = sample
        properties.assert_pure_state_entropy_symmetric(state, keep=[0], dims=dims)

Every strategy is a function with keyword-only, validated arguments (bad arguments raise
``TypeError`` for a wrong type, ``ValueError`` for a bad value, when the strategy is built, not when
it is drawn from) and small sizes by default, so that a property test of a few dozen examples runs in
well under a second.

Generated numbers come from Hypothesis (not from a seeded RNG), so failures shrink: amplitudes shrink
towards 0 and, through the fallback for (near-)zero draws, towards basis states and product states.
Every object is valid by construction: kets are normalized to round-off, density matrices Hermitian,
positive semidefinite with unit trace, unitaries unitary to round-off, and model parameters satisfy
the validation of :mod:`verify.models`.

* states (:mod:`verify.testing.strategies_states`): :func:`local_dims`, :func:`subsystem_partitions`,
  :func:`bipartitions`, :func:`pure_states`, :func:`density_matrices`, :func:`stt_states` (PRX
  Eq. 15), :func:`unitaries`;
* models (:mod:`verify.testing.strategies_models`): :func:`prx_chains` (PRX Eqs. 1–5, optionally
  with localized spin S ∈ {1/2, 1, 3/2} and J_sd of either sign), :func:`xxz_chains`,
  :func:`chain_models` (any chain model as a :class:`verify.models.ChainModel`), :func:`pair_models`;
* matrix-product states (:mod:`verify.testing.strategies_mps`): :func:`random_mps`.
"""

from verify.testing.strategies_models import (
    CHAIN_KINDS,
    LOCALIZED_SPINS,
    XXZ_INITIAL_KINDS,
    chain_models,
    pair_models,
    prx_chains,
    xxz_chains,
)
from verify.testing.strategies_mps import random_mps
from verify.testing.strategies_states import (
    DENSITY_KINDS,
    DensityKind,
    STTSample,
    bipartitions,
    density_matrices,
    local_dims,
    pure_states,
    stt_states,
    subsystem_partitions,
    unitaries,
)

__all__ = [
    "CHAIN_KINDS",
    "DENSITY_KINDS",
    "LOCALIZED_SPINS",
    "XXZ_INITIAL_KINDS",
    "DensityKind",
    "STTSample",
    "bipartitions",
    "chain_models",
    "density_matrices",
    "local_dims",
    "pair_models",
    "prx_chains",
    "pure_states",
    "random_mps",
    "stt_states",
    "subsystem_partitions",
    "unitaries",
    "xxz_chains",
]
