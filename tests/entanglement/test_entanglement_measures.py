"""Entropies and entanglement measures on states whose values are known in closed form.

Expected values come from textbook formulas evaluated here (maximally mixed states, Bell/GHZ/W/Dicke
states, Werner states, PRX Eq. 16) or from an independent numerical route (scipy.linalg.logm,
Tr ρ² by matrix product, matrix_rank) — never from the package's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg
from random_states import random_density_matrix

from entanglement import (
    bloch_vector,
    concurrence,
    density_matrix_from_bloch,
    entanglement_entropy,
    log_negativity,
    meyer_wallach,
    meyer_wallach_from_rdms,
    mutual_information,
    negativity,
    partial_trace,
    purity,
    renyi_entropy,
    spectrum,
    von_neumann_entropy,
)
from entanglement._validation import EIGENVALUE_EPS_FACTOR, NORMALIZATION_ATOL
from states.conventions import PAULI_X, PAULI_Y, PAULI_Z

# Entropies of matrices up to 64 × 64 built in double precision: eigenvalues carry ~1e-15 errors and
# −p ln p amplifies an error δ near p = 0 to ~δ ln(1/δ) ≈ 4e-14 per eigenvalue; 1e-10 is ample
# headroom yet far below any physical difference tested (≥ 1e-3).
ENTROPY_ATOL = 1e-10
# Measures that go through a square root of eigenvalues (concurrence, negativity via √p or √ρ):
# an eigenvalue that should be 0 but is δ ≈ 1e-16 contributes √δ ≈ 1e-8; 1e-7 covers that.
SQRT_MEASURE_ATOL = 1e-7
MATRIX_ATOL = 1e-12

LN2 = math.log(2.0)


def basis_ket(bits: str) -> np.ndarray:
    """|b_0 b_1 ...> with '0' = ↑ (index 0) and '1' = ↓, first qubit leftmost (conventions)."""
    ket = np.zeros(2 ** len(bits))
    ket[int(bits, 2)] = 1.0
    return ket


def ghz(n: int) -> np.ndarray:
    return (basis_ket("0" * n) + basis_ket("1" * n)) / math.sqrt(2)


def dicke(n: int, k: int) -> np.ndarray:
    """Equal superposition of all n-qubit basis states with exactly k qubits down (popcount k)."""
    popcount = np.array([bin(i).count("1") for i in range(2**n)])
    ket = (popcount == k).astype(float)
    return ket / math.sqrt(math.comb(n, k))


def werner(p: float) -> np.ndarray:
    bell = ghz(2)
    return p * np.outer(bell, bell) + (1 - p) * np.eye(4) / 4


# --- von Neumann, Rényi, purity, spectrum -------------------------------------------------------


@pytest.mark.parametrize("d", [1, 2, 3, 4, 7, 16])
def test_maximally_mixed_state_has_entropy_log_d_counting_multiplicities(d):
    # diag(1/2, 1/2) must give ln 2, not ln 2 / 2: every repeated eigenvalue counts
    assert von_neumann_entropy(np.eye(d) / d) == pytest.approx(math.log(d), abs=ENTROPY_ATOL)
    assert von_neumann_entropy(np.full(d, 1.0 / d)) == pytest.approx(math.log(d), abs=ENTROPY_ATOL)


@pytest.mark.parametrize("alpha", [0, 0.3, 0.5, 1 - 1e-9, 1, 1 + 1e-9, 1.5, 2, 7.0, 100, 1000, math.inf])
@pytest.mark.parametrize("d", [2, 3, 1024])
def test_renyi_entropy_of_maximally_mixed_state_is_log_d_for_every_alpha(alpha, d):
    # d = 1024 and alpha = 1000 would underflow Σ p^α to 0 with the plain formula
    assert renyi_entropy(np.full(d, 1.0 / d), alpha) == pytest.approx(math.log(d), abs=ENTROPY_ATOL)


def test_von_neumann_entropy_matches_matrix_logarithm_and_base_changes_units():
    rho = random_density_matrix(6, np.random.default_rng(1))  # full rank, so logm is well defined
    reference = -np.trace(rho @ scipy.linalg.logm(rho)).real
    assert von_neumann_entropy(rho) == pytest.approx(reference, abs=ENTROPY_ATOL)
    assert von_neumann_entropy(rho, base=2) == pytest.approx(reference / LN2, abs=ENTROPY_ATOL)
    assert von_neumann_entropy(rho, base=10) == pytest.approx(reference / math.log(10), abs=ENTROPY_ATOL)
    assert von_neumann_entropy(np.eye(2) / 2, base=2) == pytest.approx(1.0, abs=ENTROPY_ATOL)


def test_zero_eigenvalues_never_reach_the_logarithm():
    pure = np.outer(ghz(3), ghz(3))
    with np.errstate(all="raise"):  # log(0) or 0 * (-inf) would raise FloatingPointError here
        assert von_neumann_entropy(pure) == 0.0
        assert von_neumann_entropy([1.0, 0.0, 0.0]) == 0.0
        assert renyi_entropy([0.5, 0.5, 0.0], 0.5) == pytest.approx(LN2, abs=ENTROPY_ATOL)
        assert renyi_entropy([0.5, 0.5, 0.0], 0) == pytest.approx(LN2, abs=ENTROPY_ATOL)


def test_renyi_special_orders_match_independent_formulas():
    rng = np.random.default_rng(2)
    rho = random_density_matrix(5, rng, rank=3)
    eigenvalues = np.linalg.eigvalsh(rho)
    assert renyi_entropy(rho, 2) == pytest.approx(-math.log(np.trace(rho @ rho).real), abs=ENTROPY_ATOL)
    assert renyi_entropy(rho, math.inf) == pytest.approx(-math.log(eigenvalues.max()), abs=ENTROPY_ATOL)
    assert renyi_entropy(rho, 0) == pytest.approx(math.log(np.linalg.matrix_rank(rho)), abs=ENTROPY_ATOL)
    assert renyi_entropy(rho, 3) == pytest.approx(math.log(np.trace(rho @ rho @ rho).real) / (1 - 3), abs=ENTROPY_ATOL)
    assert renyi_entropy(rho, 1) == von_neumann_entropy(rho)


def test_renyi_entropy_is_continuous_at_alpha_one_and_at_the_branch_switch():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    shannon = -np.sum(p * np.log(p))
    variance = np.sum(p * np.log(p) ** 2) - shannon**2
    for h in (1e-6, 1e-9, 1e-12):
        # S_{1+h} = S − h Var(ln p)/2 + O(h²); the plain formula loses ~ε/h here (1e-4 at h = 1e-12)
        assert renyi_entropy(p, 1 + h) == pytest.approx(shannon - h * variance / 2, abs=1e-12)
        assert renyi_entropy(p, 1 - h) == pytest.approx(shannon + h * variance / 2, abs=1e-12)
    for alpha in (0.5, 1.5):  # both sides of each switch between the two exact formulas
        direct = math.log(np.sum(p**alpha)) / (1 - alpha)
        assert renyi_entropy(p, alpha - 1e-13) == pytest.approx(direct, abs=1e-11)
        assert renyi_entropy(p, alpha + 1e-13) == pytest.approx(direct, abs=1e-11)


def test_purity_matches_trace_of_square():
    rho = random_density_matrix(4, np.random.default_rng(3), rank=2)
    assert purity(rho) == pytest.approx(np.trace(rho @ rho).real, abs=ENTROPY_ATOL)
    assert purity(np.eye(8) / 8) == pytest.approx(1 / 8, abs=ENTROPY_ATOL)
    assert purity(np.outer(ghz(2), ghz(2))) == pytest.approx(1.0, abs=ENTROPY_ATOL)


def test_spectrum_sets_round_off_eigenvalues_to_exact_zero():
    round_off = 0.1 * EIGENVALUE_EPS_FACTOR * 3 * np.finfo(float).eps
    rho = np.diag([0.7, 0.3 + round_off, -round_off])
    values = spectrum(rho)
    assert values[0] == 0.0
    np.testing.assert_allclose(values, [0.0, 0.3, 0.7], atol=1e-12)
    # a pure state's zero eigenvalues come out exactly zero too (rank-1 Gram product of a random ket)
    rng = np.random.default_rng(4)
    ket = rng.normal(size=8) + 1j * rng.normal(size=8)
    ket /= np.linalg.norm(ket)
    assert np.count_nonzero(spectrum(np.outer(ket, ket.conj()))) == 1


# --- entanglement entropy and mutual information ------------------------------------------------


def test_entanglement_entropy_of_a_large_part_of_a_ket_equals_the_direct_route():
    # 5 of 6 subsystems kept: the package works with the 1-subsystem complement (Schmidt), the direct
    # route builds the 5-subsystem reduced matrix
    rng = np.random.default_rng(5)
    dims = [2, 3, 2, 2, 3, 2]
    ket = rng.normal(size=math.prod(dims)) + 1j * rng.normal(size=math.prod(dims))
    ket /= np.linalg.norm(ket)
    keep = [0, 1, 2, 4, 5]
    direct = von_neumann_entropy(partial_trace(np.outer(ket, ket.conj()), keep, dims))
    assert entanglement_entropy(ket, keep, dims) == pytest.approx(direct, abs=ENTROPY_ATOL)
    assert entanglement_entropy(ket, keep, dims, base=2) == pytest.approx(direct / LN2, abs=ENTROPY_ATOL)


def test_ghz_and_bell_entropies_and_mutual_information():
    assert entanglement_entropy(ghz(2), 0) == pytest.approx(LN2, abs=ENTROPY_ATOL)
    assert entanglement_entropy(ghz(4), [1, 3]) == pytest.approx(LN2, abs=ENTROPY_ATOL)
    assert mutual_information(ghz(2), 0, 1) == pytest.approx(2 * LN2, abs=ENTROPY_ATOL)
    # GHZ3: ρ_01 = (|00><00| + |11><11|)/2 is classically correlated, I = ln 2; I(0 : 12) = 2 ln 2
    assert mutual_information(ghz(3), 0, 1) == pytest.approx(LN2, abs=ENTROPY_ATOL)
    assert mutual_information(ghz(3), [0], [1, 2]) == pytest.approx(2 * LN2, abs=ENTROPY_ATOL)
    assert mutual_information(np.outer(ghz(3), ghz(3)), 2, 0, base=2) == pytest.approx(1.0, abs=ENTROPY_ATOL)
    product = np.kron(ghz(2), np.array([0.6, 0.8]))
    assert mutual_information(product, [0, 1], 2) == pytest.approx(0.0, abs=ENTROPY_ATOL)


@pytest.mark.parametrize("n_fm", [2, 3, 4])
def test_prx_eq16_edge_spin_mutual_information_of_the_eq15_state(n_fm):
    """PRX Eqs. 14–16: the Eq. 15 state (equal weights) of N_e = N_FM electron spins (all ↑ at t = 0)
    and N_FM localized spins (all ↓) is the Dicke state of 2 N_FM qubits with N_FM spins down."""
    state = dicke(2 * n_fm, n_fm)
    first_spin, last_spin = n_fm, 2 * n_fm - 1  # electrons first, then localized spins 1 .. N_FM
    n = n_fm
    s_pair = n / (2 * n - 1) * math.log((2 * n - 1) / n) + (n - 1) / (2 * n - 1) * math.log((4 * n - 2) / (n - 1))
    assert entanglement_entropy(state, first_spin) == pytest.approx(LN2, abs=ENTROPY_ATOL)
    assert entanglement_entropy(state, [first_spin, last_spin]) == pytest.approx(s_pair, abs=ENTROPY_ATOL)
    assert mutual_information(state, first_spin, last_spin) == pytest.approx(2 * LN2 - s_pair, abs=ENTROPY_ATOL)


# --- Meyer–Wallach --------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_meyer_wallach_textbook_values(n):
    assert meyer_wallach(ghz(n)) == pytest.approx(1.0, abs=ENTROPY_ATOL)
    assert meyer_wallach(dicke(n, 1)) == pytest.approx(4 * (n - 1) / n**2, abs=ENTROPY_ATOL)  # W state
    assert meyer_wallach(basis_ket("01" * (n // 2) + "0" * (n % 2))) == pytest.approx(0.0, abs=ENTROPY_ATOL)
    assert meyer_wallach(np.outer(dicke(n, 1), dicke(n, 1))) == pytest.approx(4 * (n - 1) / n**2, abs=ENTROPY_ATOL)


def test_meyer_wallach_from_rdms_combines_spin_and_electron_bloch_vectors():
    # one pure spin (purity 1), one maximally mixed electron spin (purity 1/2), one electron with
    # |s̃| = 0.6 (purity (1 + 0.36)/2): Q = 2 (1 − (1 + 0.5 + 0.68)/3)
    rdms = [np.diag([1.0, 0.0]), np.eye(2) / 2, (np.eye(2) + 0.6 * PAULI_X) / 2]
    expected = 2 * (1 - (1 + 0.5 + 0.68) / 3)
    assert meyer_wallach_from_rdms(rdms) == pytest.approx(expected, abs=ENTROPY_ATOL)
    assert meyer_wallach_from_rdms(np.stack(rdms)) == pytest.approx(expected, abs=ENTROPY_ATOL)
    assert meyer_wallach_from_rdms(np.eye(2) / 2) == pytest.approx(1.0, abs=ENTROPY_ATOL)


# --- concurrence and negativity -----------------------------------------------------------------


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("pair", [("00", "11"), ("01", "10")])
def test_bell_states_are_maximally_entangled(pair, sign):
    bell = (basis_ket(pair[0]) + sign * basis_ket(pair[1])) / math.sqrt(2)
    assert concurrence(bell) == pytest.approx(1.0, abs=SQRT_MEASURE_ATOL)
    assert concurrence(np.outer(bell, bell)) == pytest.approx(1.0, abs=SQRT_MEASURE_ATOL)
    assert negativity(bell, 0) == pytest.approx(0.5, abs=SQRT_MEASURE_ATOL)
    assert negativity(np.outer(bell, bell), 1) == pytest.approx(0.5, abs=SQRT_MEASURE_ATOL)
    assert log_negativity(bell, [0]) == pytest.approx(LN2, abs=SQRT_MEASURE_ATOL)
    assert log_negativity(np.outer(bell, bell), [1], base=2) == pytest.approx(1.0, abs=SQRT_MEASURE_ATOL)


def test_product_states_have_zero_concurrence_and_negativity():
    product = np.kron([0.6, 0.8j], [1 / math.sqrt(2), -1 / math.sqrt(2)])
    assert concurrence(product) == pytest.approx(0.0, abs=SQRT_MEASURE_ATOL)
    assert negativity(product, 0) == pytest.approx(0.0, abs=SQRT_MEASURE_ATOL)
    mixed_product = np.kron(np.diag([0.3, 0.7]), np.eye(2) / 2)
    assert concurrence(mixed_product) == 0.0
    assert negativity(mixed_product, [1]) == 0.0


@pytest.mark.parametrize("p", [0.0, 0.2, 1 / 3, 0.5, 0.8, 1.0])
def test_werner_state_concurrence_and_negativity_closed_forms(p):
    # Werner state p|Φ+><Φ+| + (1 − p) 1/4: C = max(0, (3p − 1)/2), N = max(0, (3p − 1)/4)
    assert concurrence(werner(p)) == pytest.approx(max(0.0, (3 * p - 1) / 2), abs=SQRT_MEASURE_ATOL)
    assert negativity(werner(p), 0) == pytest.approx(max(0.0, (3 * p - 1) / 4), abs=SQRT_MEASURE_ATOL)
    assert log_negativity(werner(p), 1) == pytest.approx(math.log(1 + max(0.0, (3 * p - 1) / 2)), abs=SQRT_MEASURE_ATOL)


def test_negativity_of_a_qutrit_maximally_entangled_state():
    # |Φ_d> = Σ_i |ii>/√d: N = (d − 1)/2, E_N = ln d
    d = 3
    phi = np.eye(d).ravel() / math.sqrt(d)
    assert negativity(phi, 0, [d, d]) == pytest.approx((d - 1) / 2, abs=SQRT_MEASURE_ATOL)
    assert negativity(np.outer(phi, phi), 1, [d, d]) == pytest.approx((d - 1) / 2, abs=SQRT_MEASURE_ATOL)
    assert log_negativity(phi, 1, [d, d]) == pytest.approx(math.log(d), abs=SQRT_MEASURE_ATOL)


# --- Bloch vectors --------------------------------------------------------------------------------


def test_density_matrix_from_bloch_matches_explicit_matrices():
    # PRX Eq. 10 with index 0 = ↑: +z is |↑><↑|, +x is |→><→|, +y is |+i><+i|
    np.testing.assert_allclose(density_matrix_from_bloch([0, 0, 1]), [[1, 0], [0, 0]], atol=0)
    np.testing.assert_allclose(density_matrix_from_bloch([0, 0, -1]), [[0, 0], [0, 1]], atol=0)
    np.testing.assert_allclose(density_matrix_from_bloch([1, 0, 0]), [[0.5, 0.5], [0.5, 0.5]], atol=0)
    np.testing.assert_allclose(density_matrix_from_bloch([0, 1, 0]), [[0.5, -0.5j], [0.5j, 0.5]], atol=0)
    np.testing.assert_allclose(density_matrix_from_bloch(np.zeros((4, 3))), np.broadcast_to(np.eye(2) / 2, (4, 2, 2)))


def test_bloch_vector_matches_explicit_formula_and_inverts_density_matrix_from_bloch():
    rng = np.random.default_rng(6)
    rho = random_density_matrix(2, rng)
    explicit = [2 * rho[0, 1].real, -2 * rho[0, 1].imag, (rho[0, 0] - rho[1, 1]).real]
    np.testing.assert_allclose(bloch_vector(rho), explicit, atol=MATRIX_ATOL)
    assert bloch_vector(rho).shape == (3,)
    vectors = rng.normal(size=(5, 3))
    vectors /= 1.5 * np.linalg.norm(vectors, axis=1, keepdims=True).max()
    np.testing.assert_allclose(bloch_vector(density_matrix_from_bloch(vectors)), vectors, atol=MATRIX_ATOL)
    # expectation values of the Pauli matrices from conventions: r_α = Tr ρ σ^α
    for alpha, sigma in enumerate((PAULI_X, PAULI_Y, PAULI_Z)):
        assert bloch_vector(rho)[alpha] == pytest.approx(np.trace(rho @ sigma).real, abs=MATRIX_ATOL)


def test_bloch_vectors_of_states_normalized_within_tolerance_round_trip_to_positive_matrices():
    # a fully polarized spin whose state is normalized only to within NORMALIZATION_ATOL: ρ has
    # trace 1 + δ; its Bloch vector is that of ρ / Tr ρ, and a vector |r| = 1 + δ/2 maps to a pure ρ
    delta = 0.5 * NORMALIZATION_ATOL
    rho = np.diag([1.0 + delta, 0.0])
    np.testing.assert_allclose(bloch_vector(rho), [0, 0, 1], atol=MATRIX_ATOL)
    assert np.linalg.norm(bloch_vector(rho)) <= 1.0
    pure = density_matrix_from_bloch([0, 1 + delta / 2, 0])
    np.testing.assert_allclose(pure, [[0.5, -0.5j], [0.5j, 0.5]], atol=MATRIX_ATOL)
    assert von_neumann_entropy(pure) == 0.0
