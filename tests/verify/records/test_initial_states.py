"""Initial states of both evolvers: a user's psi0 (sector vector, product-basis vector, recipe), the PRX
chain's tilted polarizations and product states, recorded in the metadata; exact ↔ TEBD on a tilted chain."""

from __future__ import annotations

import dataclasses
from functools import reduce

import numpy as np
import pytest

from verify.exact import SECTOR_LEAK_TOL, ExactEvolver
from verify.models import PRXChain, XXZChain, as_chain, product_state_from_labels
from verify.mps import MPS
from verify.records import simulate_exact, simulate_tebd
from verify.tebd import TEBDOptions
from verify.testing.crosscheck import compared_keys, crosscheck

SMALL = dict(n_sites=7, n_left=3, n_fm=2, n_conf=2, n_e=2)
TILTED = dict(electron_theta=1.1, electron_phi=0.4, spin_theta=2.0, spin_phi=-0.7)
CONVERGED = TEBDOptions(dt=0.025, order=4, trunc=0.0, chi_max=10**6)
"""Fourth order, no truncation: Trotter error ≈ C t δt⁴ r⁵ ≲ 1e-7 here (measured 2e-8)."""


def _same(a, b, atol: float = 0.0) -> float:
    worst = max(float(np.nanmax(np.abs(np.asarray(a.arrays[k]) - np.asarray(b.arrays[k])), initial=0.0))
                for k in a.arrays if k in b.arrays)
    assert worst <= atol, worst
    return worst


def test_psi0_vectors_and_recipes_reproduce_the_model_run() -> None:
    """XXZ Néel state given as a sector vector, as a product-basis vector and as a recipe: the same
    record bit for bit (the vector is the evolver's own), and the source in the metadata."""
    model = XXZChain(n_sites=6, j_z=0.5)
    reference = simulate_exact(model, t_max=1.0, dt_out=0.5)
    evolver = ExactEvolver(model)
    sector = evolver.initial_state()
    full = np.zeros(2**6, dtype=complex)
    full[evolver.basis.product_indices()] = sector
    by_sector = simulate_exact(model, t_max=1.0, dt_out=0.5, psi0=3 * sector)
    by_product = simulate_exact(model, t_max=1.0, dt_out=0.5, psi0=full)
    recipe = product_state_from_labels(as_chain(model).sites, list("↑↓↑↓↑↓"), "my neel")
    by_recipe = simulate_exact(model, t_max=1.0, dt_out=0.5, psi0=recipe)
    for run in (by_sector, by_product, by_recipe):
        _same(reference, run)
    assert by_sector.meta["initial_state"] == {"label": "psi0", "source": "psi0", "basis": "sector",
                                               "input_norm": pytest.approx(3.0)}
    assert by_product.meta["initial_state"]["basis"] == "product"
    assert by_product.meta["initial_state"]["outside_sector_weight"] == 0.0
    assert by_recipe.meta["initial_state"] == {"label": "my neel", "source": "recipe"}
    assert reference.meta["initial_state"] == {"label": "neel"}


def test_psi0_is_refused_when_it_cannot_be_the_start() -> None:
    model = XXZChain(n_sites=4, initial="uudd")
    outside = np.zeros(16)
    outside[0b0011] = 1.0  # ↑↑↓↓ is index 0b0011: in the sector
    outside[0b0111] = 1e-4  # one more ↓: 2S^z = −2, another sector (weight 1e-8 > 1e-10)
    for psi0, error, match in [
        (outside, ValueError, "outside the model's sector"),
        (np.ones(5), ValueError, "length 5"),
        (np.zeros(6), ValueError, "zero vector"),
        (np.full(6, np.nan), ValueError, "non-finite"),
        (np.ones((2, 3)), ValueError, "1-D"),
        (["a"] * 6, TypeError, "numeric"),
    ]:
        with pytest.raises(error, match=match):
            simulate_exact(model, t_max=0.5, dt_out=0.5, psi0=psi0)
    outside[0b0111] = 1e-6  # weight 1e-12 < SECTOR_LEAK_TOL: accepted, the leak recorded
    run = simulate_exact(model, t_max=0.5, dt_out=0.5, psi0=outside)
    assert 0 < run.meta["initial_state"]["outside_sector_weight"] < SECTOR_LEAK_TOL


def test_prx_product_state_as_a_dense_psi0() -> None:
    """The PRX product state (electrons on sites 1..N_e along n_e, spins along n_s) built by np.kron of
    its local vectors is the recipe's state: the runs agree to round-off (1e-12: two Chebyshev runs
    from vectors equal to ε)."""
    model = PRXChain(**SMALL, **TILTED, initial_state="product")
    full = reduce(np.kron, as_chain(model).initial.vectors)
    by_recipe = simulate_exact(model, t_max=1.0, dt_out=0.5)
    by_vector = simulate_exact(dataclasses.replace(model, initial_state="ground"), t_max=1.0, dt_out=0.5, psi0=full)
    _same(by_recipe, by_vector, atol=1e-12)
    assert by_vector.meta["sector"] == {"N": 2}


@pytest.mark.parametrize(("initial_state", "tebd_initial"), [("slater", "model"), ("product", "model"),
                                                             ("ground", "exact")])
def test_tilted_prx_exact_and_tebd_agree(initial_state: str, tebd_initial: str) -> None:
    """Electrons along (θ, φ) = (1.1, 0.4), localized spins along (2.0, −0.7): exact ↔ TEBD within 1e-6
    on every record key at converged settings (measured 2.3e-8: the order-4 Trotter error)."""
    model = PRXChain(**SMALL, **TILTED, initial_state=initial_state)
    tolerances = dict.fromkeys(compared_keys(model), 1e-6)
    result = crosscheck(model, t_max=1.0, dt_out=0.5, options=CONVERGED, initial=tebd_initial,
                        tolerances=tolerances)
    assert result["exceeded"] == [], result["deviations"]
    assert result["tebd"].meta["tebd"]["charges"] == ["N"]  # tilted: N is the only block label
    assert result["exact"].meta["model"]["electron_theta"] == 1.1


def test_tebd_psi0_mps_from_a_dense_vector() -> None:
    """The TEBD driver's psi0 is an MPS (here from the same dense product state): same record as the recipe."""
    model = PRXChain(**SMALL, **TILTED, initial_state="product")
    full = reduce(np.kron, as_chain(model).initial.vectors)
    own = simulate_tebd(model, t_max=0.5, dt_out=0.25, options=CONVERGED)
    given = simulate_tebd(model, t_max=0.5, dt_out=0.25, options=CONVERGED,
                          psi0=MPS.from_dense(full, as_chain(model).dims))
    _same(own, given, atol=1e-10)
    assert given.meta["initial_state"] == {"label": "psi0", "source": "psi0"}
