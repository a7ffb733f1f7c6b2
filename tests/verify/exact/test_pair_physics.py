"""The pair paper's claims (Figs. 2–4) reproduced at reduced size by :func:`verify.records.simulate_pair`.

Reduced geometry (``REDUCED``): a ring of N = 90 sites, L = 2 localized spins on sites 46–47, packets
of width σ_d = 3 at x1 = 9 and x2 = 33 (d = 8σ_d), k_e = 1/a, couplings of the paper. The packet
centres cross the chain (±2σ_d) during ≈ 5.5–15.6 fs (φ2) and ≈ 24–34 fs (φ1); by t_max = 60 fs both
have left it, while the fastest components of φ2 (v ≤ 2t_h/ħ = 1.52 a/fs) have not come round the
ring to the chain again (33 + 6 + 1.52·60 = 130 < 90 + 46) and the first reflected waves need
≳ 60 fs for the 89 sites back to the chain's far side. The slowest (k ≈ 0) components of φ1 still
linger, so the "final" values drift by ~0.3 % per 5 fs; all claims below have far larger margins.

Tolerances are stated next to each claim; ``ZERO_ATOL = 1e-12`` is the "exactly zero" level
(Chebyshev truncation 1e-12 per window times O(1) observables, measured values ≤ 1e-14).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from verify.exact import PAIR_PROBABILITY_COLUMNS
from verify.models import PairOnRing, packet_chain_intervals
from verify.records import simulate_pair

REDUCED = PairOnRing(n_sites=90, n_spins=2, chain_start=46, sigma=3.0, x1=9.0, x2=33.0)
T_MAX = 60.0
DT_OUT = 4.0
ZERO_ATOL = 1e-12
THETAS = 2 * np.pi * np.arange(8) / 8
T_BETWEEN = 20.0  # φ2 has left the chain (15.6 fs), φ1 has not reached it (24.2 fs): first plateau


@pytest.fixture(scope="module")
def runs() -> dict:
    out = {pair: simulate_pair(REDUCED, pair, t_max=T_MAX, dt_out=DT_OUT) for pair in _PAIRS}
    out["theta"] = [simulate_pair(REDUCED, "theta", theta=float(th), t_max=T_MAX, dt_out=DT_OUT) for th in THETAS]
    return out


_PAIRS = ("singlet", "triplet0", "triplet-1", "triplet+1", "single-down")


def final(run) -> float:
    return float(run.arrays["spin_transfer"][-1])


def at(run, t: float) -> float:
    i = int(np.argmin(np.abs(run.arrays["t"] - t)))
    return float(run.arrays["spin_transfer"][i])


def test_geometry_is_as_documented():
    (enter1, exit1), (enter2, exit2) = packet_chain_intervals(REDUCED)
    assert 0 < enter2 < exit2 < T_BETWEEN < enter1 < exit1 < T_MAX


def test_every_run_conserves_norm_energy_and_total_sz(runs):
    for run in [runs[p] for p in _PAIRS] + runs["theta"]:
        assert max(run.meta["drifts"].values()) < 1e-10


def test_triplet_plus_one_is_an_eigenstate_of_the_ferromagnet(runs):
    """Pair paper, Results: |↑↑> with all-↑ localized spins cannot exchange any spin: Δσ_z = 0."""
    run = runs["triplet+1"]
    assert np.max(run.arrays["spin_transfer"]) < ZERO_ATOL
    col = PAIR_PROBABILITY_COLUMNS.index("triplet+1")
    assert np.max(np.abs(run.arrays["pair_probabilities"][:, col] - 1)) < ZERO_ATOL


def test_zero_net_spin_pairs_transfer_finite_and_different_amounts(runs):
    """Observations (I) and (II) of Fig. 2(a): singlet and triplet 0 (zero net spin) both transfer
    spin, by different amounts, with singlet < single spin-↓ < triplet 0 (destructive vs
    constructive interference in the transition to |↑↑>). Measured at reduced size:
    0.453 < 0.711 < 0.832; the margins asserted (0.1) are far outside the 0.3 % end drift."""
    singlet, single, triplet0 = final(runs["singlet"]), final(runs["single-down"]), final(runs["triplet0"])
    assert singlet > 0.1 and triplet0 > 0.1
    assert singlet + 0.1 < single < triplet0 - 0.1


def test_two_step_structure_and_the_first_plateau_is_half_a_single_electron(runs):
    """Fig. 2(a): pairs show two steps, the single electron one. Between the packets (T_BETWEEN) only
    φ2's electron has interacted; for the singlet and triplet 0 its reduced spin state is
    ½(|↑><↑| + |↓><↓|), the ↑ half transfers nothing to an all-↑ chain, so Δσ_z is half the single
    spin-↓ value. Tolerance 1e-3: φ1's Gaussian and dispersive tails reach the chain by 20 fs at the
    1e-4 level (measured difference 1.1e-4)."""
    single_mid = at(runs["single-down"], T_BETWEEN)
    assert abs(single_mid - final(runs["single-down"])) < 0.03 * single_mid  # one step only
    for pair in ("singlet", "triplet0"):
        mid = at(runs[pair], T_BETWEEN)
        assert abs(mid - single_mid / 2) < 1e-3, pair
        assert final(runs[pair]) - mid > 0.05, pair  # the second step (φ1) is visible


def test_triplet_minus_one_transfers_roughly_twice_a_single_electron(runs):
    """Fig. 2(a): "roughly twice". Measured ratio at reduced size: 1.83. Not exactly 2 because the
    second ↓ electron (φ1) meets a chain the first one has already partly flipped (fewer ↑ spins
    to flip, and a flipped spin can even flip back); with only L = 2 spins this depletion is
    large. Asserted window 1.6–2.0 (a wrong count of ↓ electrons would give ≈ 1 or ≈ 2 exactly)."""
    ratio = final(runs["triplet-1"]) / final(runs["single-down"])
    assert 1.6 < ratio < 2.0
    # the first step is exactly that of the single electron (only φ2's ↓ electron has interacted)
    assert abs(at(runs["triplet-1"], T_BETWEEN) - at(runs["single-down"], T_BETWEEN)) < 1e-3


def test_transition_to_down_down_is_forbidden(runs):
    """Results: singlet/triplet 0 → |↓↓> is forbidden by conservation of S^z (all spins start ↑ or
    the pair carries zero net spin, so 2S^z_total ≥ L and |↓↓>⊗(…) would need 2S^z_loc ≥ L + 2)."""
    col = PAIR_PROBABILITY_COLUMNS.index("triplet-1")
    for pair in ("singlet", "triplet0"):
        assert np.max(runs[pair].arrays["pair_probabilities"][:, col]) < ZERO_ATOL


@pytest.mark.parametrize("pair", ["singlet", "triplet0", "triplet-1", "single-down"])
def test_longitudinal_sd_alone_transfers_no_spin(pair):
    """Eq. 7 / Fig. 3(a, b): σ^zS^z alone only imprints spin-dependent phases, Δσ_z ≡ 0."""
    model = dataclasses.replace(REDUCED, terms="longitudinal")
    run = simulate_pair(model, pair, t_max=40.0, dt_out=4.0)
    assert np.max(run.arrays["spin_transfer"]) < ZERO_ATOL
    if pair in ("singlet", "triplet0"):  # but it does mix singlet and triplet 0 inside the chain
        probs = run.arrays["pair_probabilities"]
        other = PAIR_PROBABILITY_COLUMNS.index("triplet0" if pair == "singlet" else "singlet")
        assert np.max(probs[:, other]) > 0.05


def test_flip_sd_alone_drives_singlet_into_triplet_plus_one():
    """Fig. 3(c): with only ½(σ^+S^− + σ^−S^+) the singlet acquires a lasting |↑↑> component."""
    run = simulate_pair(dataclasses.replace(REDUCED, terms="flip"), "singlet", t_max=T_MAX, dt_out=4.0)
    col = PAIR_PROBABILITY_COLUMNS.index("triplet+1")
    assert run.arrays["pair_probabilities"][-1, col] > 0.1
    assert final(run) > 0.1


def test_spin_transfer_is_a_pure_sinusoid_in_theta(runs):
    """Fig. 4(a). Why exactly sinusoidal: the Eq. 8 state is ψ_θ = (u + e^{iθ} v)/n_θ with u, v
    independent of θ, the evolution is linear, and σ_z(t) − σ_z(0) is a quadratic form, so
    n_θ² [σ_z(t) − σ_z(0)] = A + Re(B e^{iθ}). The lattice normalization n_θ² = 2 + 2|<φ1|φ2>|² cos θ
    (states.pair_state) is θ-independent up to |<φ1|φ2>|² = exp(−d²/2σ²) = e^{−32} ≈ 1e-14 here, so
    the normalized curve is a + b cos θ + c sin θ to round-off. Δσ_z = |…| equals the signed
    difference since the latter keeps one sign (asserted). Residual tolerance 1e-10 (Chebyshev
    truncation, see module docstring); measured ≈ 2e-15. A non-sinusoidal dependence would leave
    residuals of the size of the θ-variation itself (≈ 0.24)."""
    diff = np.array([r.arrays["sigma_z"][-1] - r.arrays["sigma_z"][0] for r in runs["theta"]])
    assert np.all(diff > 0)
    np.testing.assert_allclose(diff, [final(r) for r in runs["theta"]], atol=0)
    design = np.stack([np.ones_like(THETAS), np.cos(THETAS), np.sin(THETAS)], axis=1)
    coef, *_ = np.linalg.lstsq(design, diff, rcond=None)
    assert np.max(np.abs(design @ coef - diff)) < 1e-10
    assert math.hypot(coef[1], coef[2]) > 0.1  # a real θ dependence, not a constant
    # θ = 0 is the singlet and θ = π the triplet 0 (same lattice states up to a global phase)
    assert abs(final(runs["theta"][0]) - final(runs["singlet"])) < 1e-10
    assert abs(final(runs["theta"][4]) - final(runs["triplet0"])) < 1e-10


def test_theta_average_is_near_the_single_electron_value(runs):
    """Fig. 4(b): averaging over θ removes the interference term; the incoherent pair then
    transfers about as much as one spin-↓ electron. The θ-average of a sinusoid sampled at 8 equally
    spaced angles is exactly its constant term = (singlet + triplet 0)/2. Measured at reduced size:
    0.643 vs 0.711 (−9.6 %); the paper reports a "small difference" at L = 4. The deficit has the same
    origin as the triplet −1 ratio < 2: the second packet meets a partly flipped two-spin chain (an ↑
    electron can then absorb spin, flipping a local spin back up). Asserted: within 15 %."""
    avg = float(np.mean([final(r) for r in runs["theta"]]))
    assert avg == pytest.approx((final(runs["singlet"]) + final(runs["triplet0"])) / 2, abs=1e-10)
    single = final(runs["single-down"])
    assert abs(avg - single) < 0.15 * single
