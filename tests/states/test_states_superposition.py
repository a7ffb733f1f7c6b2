"""Tests of the PRX Eq. 15 superposition: dense vector and compact DickeState.

Independent routes used here: the dense vector is rebuilt from ``itertools.combinations``; reduced
density matrices from a reshape-based partial trace of the dense vector and ``numpy.linalg.eigvalsh``;
spectra from exact integer arithmetic, from closed forms (PRX Eqs. 16–17) and from ``scipy.stats.hypergeom``;
expectation values from operators built out of :mod:`states.conventions`.
"""

import dataclasses
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from states import DickeState, dicke_vector, stt_superposition
from states.conventions import PAULI_X, PAULI_Y, PAULI_Z, spin_operators

# Dense vectors hold 1/sqrt(C) up to correct rounding; sums of up to 2^12 such numbers stay within a
# few 1e-16 of the exact value, so 1e-14 absolute leaves two orders of margin.
ATOL = 1e-14

SMALL_SIZES = [(n_e, n_fm) for n_e in range(7) for n_fm in range(7) if n_e + n_fm >= 1]


def combinatorial_dicke(n_qubits: int, n_up: int) -> np.ndarray:
    """Dicke vector from explicit ↓ positions (↓ = bit 1, qubit 0 most significant)."""
    vector = np.zeros(2**n_qubits)
    terms = list(itertools.combinations(range(n_qubits), n_qubits - n_up))
    for positions in terms:
        vector[sum(2 ** (n_qubits - 1 - q) for q in positions)] = 1 / math.sqrt(len(terms))
    return vector


def partial_trace_keep(vector: np.ndarray, n_qubits: int, keep: list[int]) -> np.ndarray:
    """ρ of the qubits ``keep`` (in that order) from a pure state, by reshape/transpose only."""
    rest = [q for q in range(n_qubits) if q not in keep]
    matrix = vector.reshape([2] * n_qubits).transpose(keep + rest).reshape(2 ** len(keep), -1)
    return matrix @ matrix.conj().T


def apply_local(tensor: np.ndarray, operator: np.ndarray, qubit: int) -> np.ndarray:
    """Apply a one-qubit operator to axis ``qubit`` of an n-axis state tensor."""
    return np.moveaxis(np.tensordot(operator, tensor, axes=(1, qubit)), 0, qubit)


def total_operator_diagonal(local_diagonal: np.ndarray, n_qubits: int) -> np.ndarray:
    """Diagonal of Σ_q (1 ⊗ ... ⊗ D_q ⊗ ... ⊗ 1) as a 2^n vector (loop over qubits, kron of diagonals)."""
    total = np.zeros(2**n_qubits)
    for q in range(n_qubits):
        total += np.kron(np.kron(np.ones(2**q), local_diagonal), np.ones(2 ** (n_qubits - q - 1)))
    return total


# ---------------------------------------------------------------- dense vector


@pytest.mark.parametrize(("n_e", "n_fm"), SMALL_SIZES)
def test_dense_matches_combinatorial_construction(n_e, n_fm):
    vector = stt_superposition(n_e, n_fm)
    count = math.comb(n_e + n_fm, n_e)
    assert vector.shape == (2 ** (n_e + n_fm),)
    np.testing.assert_allclose(vector, combinatorial_dicke(n_e + n_fm, n_e), rtol=0, atol=ATOL)
    assert np.count_nonzero(vector) == count
    np.testing.assert_allclose(vector[vector != 0], 1 / math.sqrt(count), rtol=4e-16)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=ATOL)


@pytest.mark.parametrize(("n_e", "n_fm"), SMALL_SIZES)
def test_dense_is_total_sz_eigenstate(n_e, n_fm):
    n = n_e + n_fm
    vector = stt_superposition(n_e, n_fm)
    sigma_z_total = total_operator_diagonal(np.diag(PAULI_Z).real, n)
    # Eigenvalue N_e − N_FM in Pauli units: the S^z of |↑...↑>_e ⊗ |↓...↓>_FM is conserved (PRX Eq. 9).
    np.testing.assert_allclose(sigma_z_total * vector, (n_e - n_fm) * vector, rtol=0, atol=ATOL)


@pytest.mark.parametrize(("n_e", "n_fm"), [(1, 1), (2, 1), (3, 3), (4, 1), (0, 5), (2, 5)])
def test_dense_has_maximal_total_spin(n_e, n_fm):
    # The fully symmetric state has total spin S = n/2: S² = (n/2)(n/2 + 1).
    n = n_e + n_fm
    vector = stt_superposition(n_e, n_fm, dtype=complex)
    tensor = vector.reshape([2] * n)
    s_squared_vector = np.zeros_like(tensor)
    for operator in spin_operators("half"):
        total = sum(apply_local(tensor, operator, q) for q in range(n))
        s_squared_vector += sum(apply_local(total, operator, q) for q in range(n))
    np.testing.assert_allclose(s_squared_vector.ravel(), n / 2 * (n / 2 + 1) * vector, rtol=0, atol=1e-13)


@settings(max_examples=25)
@given(data=st.data(), n_qubits=st.integers(1, 8))
def test_dense_is_permutation_symmetric(data, n_qubits):
    n_up = data.draw(st.integers(0, n_qubits))
    permutation = data.draw(st.permutations(range(n_qubits)))
    vector = dicke_vector(n_qubits, n_up)
    permuted = vector.reshape([2] * n_qubits).transpose(permutation).ravel()
    np.testing.assert_array_equal(permuted, vector)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64, np.complex128])
def test_dense_dtype(dtype):
    vector = stt_superposition(3, 2, dtype=dtype)
    assert vector.dtype == np.dtype(dtype)
    # float32 carries ~6e-8 relative precision.
    assert np.linalg.norm(vector.astype(np.complex128)) == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 2), "n_e must be an integer >= 0"),
        ((2, -1), "n_fm must be an integer >= 0"),
        ((0, 0), "at least 1"),
        ((14, 13), r"use the compact states\.DickeState"),
    ],
)
def test_dense_rejects_bad_sizes(args, message):
    with pytest.raises(ValueError, match=message):
        stt_superposition(*args)


@pytest.mark.parametrize("args", [(2.0, 1), (True, 1), ("2", 1)])
def test_dense_rejects_sizes_of_the_wrong_type(args):
    with pytest.raises(TypeError, match="n_e must be an integer"):
        stt_superposition(*args)


def test_dense_rejects_integer_dtype_and_bad_dicke_arguments():
    with pytest.raises(ValueError, match="dtype must be a floating or complex type"):
        stt_superposition(1, 1, dtype=int)
    with pytest.raises(ValueError, match="n_up = 4 exceeds n_qubits = 3"):
        dicke_vector(3, 4)
    with pytest.raises(ValueError, match="n_qubits must be an integer >= 1"):
        dicke_vector(0, 0)


# ---------------------------------------------------------------- compact DickeState


@pytest.mark.parametrize(("n_e", "n_fm"), SMALL_SIZES)
def test_compact_to_dense_and_counts(n_e, n_fm):
    state = DickeState.from_stt(n_e, n_fm)
    assert (state.n_qubits, state.n_up, state.n_down) == (n_e + n_fm, n_e, n_fm)
    assert state.n_terms == len(list(itertools.combinations(range(n_e + n_fm), n_e)))
    assert state.total_sz == n_e - n_fm
    np.testing.assert_allclose(state.to_dense(), combinatorial_dicke(n_e + n_fm, n_e), rtol=0, atol=ATOL)


@pytest.mark.parametrize(("n_e", "n_fm"), SMALL_SIZES)
def test_compact_reduced_density_matrices_match_brute_force(n_e, n_fm):
    n = n_e + n_fm
    state = DickeState.from_stt(n_e, n_fm)
    vector = combinatorial_dicke(n, n_e)
    for m in range(min(n, 6) + 1):
        expected = partial_trace_keep(vector, n, list(range(m)))
        np.testing.assert_allclose(state.reduced_density_matrix(m), expected, rtol=0, atol=ATOL)


@settings(max_examples=20)
@given(data=st.data(), n_qubits=st.integers(1, 8))
def test_compact_reduced_density_matrix_is_the_same_for_any_qubits(data, n_qubits):
    n_up = data.draw(st.integers(0, n_qubits))
    keep = data.draw(st.lists(st.integers(0, n_qubits - 1), unique=True, max_size=n_qubits))
    state = DickeState(n_qubits, n_up)
    expected = partial_trace_keep(combinatorial_dicke(n_qubits, n_up), n_qubits, keep)
    np.testing.assert_allclose(state.reduced_density_matrix(len(keep)), expected, rtol=0, atol=ATOL)


@pytest.mark.parametrize(("n_qubits", "n_up"), [(n, k) for n in range(1, 11) for k in range(n + 1)])
def test_reduced_spectrum_matches_eigenvalues_of_brute_force_rdm(n_qubits, n_up):
    state = DickeState(n_qubits, n_up)
    vector = combinatorial_dicke(n_qubits, n_up)
    for m in range(n_qubits + 1):
        # Nonzero eigenvalues of ρ_m = squared singular values of the 2^m × 2^(n−m) coefficient matrix
        # (cheaper than diagonalizing ρ_m and equally independent of the hypergeometric formula).
        singular = np.linalg.svd(vector.reshape(2**m, -1), compute_uv=False)
        # For n <= 10 every nonzero weight is >= 1/binom(10, 5) ≈ 4e-3, far above round-off (1e-15).
        nonzero = np.sort(singular[singular > 1e-5] ** 2)
        spectrum = state.reduced_spectrum(m)
        assert spectrum.shape == (len(state.subsystem_up_counts(m)),)
        np.testing.assert_allclose(np.sort(spectrum), nonzero, rtol=0, atol=1e-13)


@settings(max_examples=25)
@given(data=st.data(), n_qubits=st.integers(2, 400))
def test_reduced_spectrum_matches_exact_rationals(data, n_qubits):
    n_up = data.draw(st.integers(0, n_qubits))
    m = data.draw(st.integers(0, n_qubits))
    state = DickeState(n_qubits, n_up)
    exact = state.reduced_spectrum_exact(m)
    assert sum(exact) == 1
    assert all(isinstance(p, Fraction) and p > 0 for p in exact)
    spectrum = state.reduced_spectrum(m)
    # Same ordering (by j). SciPy's binomial pmf is accurate to a few ulps, so relative 1e-12 is loose,
    # except for weights that underflow (< 1e-300), which are compared absolutely.
    expected = np.array([float(p) for p in exact])
    np.testing.assert_allclose(spectrum, expected, rtol=1e-12, atol=1e-300)
    assert spectrum.sum() == pytest.approx(1.0, abs=1e-12)
    if m <= min(n_up, n_qubits - n_up):
        assert spectrum.size == m + 1


def test_reduced_spectrum_m1_m2_closed_forms_at_a_million_spins():
    # PRX Figs. 8 and Eq. 16: n_e = n_fm = N. One spin: (1/2, 1/2). Two spins:
    # p_0 = p_2 = (N − 1)/(2(2N − 1)) and p_1 = N/(2N − 1).
    big = 10**6
    state = DickeState.from_stt(big, big)
    np.testing.assert_allclose(state.reduced_spectrum(1), [0.5, 0.5], rtol=1e-15)
    p_edge = (big - 1) / (2 * (2 * big - 1))
    np.testing.assert_allclose(state.reduced_spectrum(2), [p_edge, big / (2 * big - 1), p_edge], rtol=1e-14)


def test_reduced_spectrum_half_system_at_a_million_spins():
    state = DickeState(10**6, 5 * 10**5)
    m = 5 * 10**5
    spectrum = state.reduced_spectrum(m)
    assert spectrum.size == m + 1
    # Each weight is accurate to ~1e-13 relative, so the sum is 1 to ~1e-13.
    assert spectrum.sum() == pytest.approx(1.0, abs=1e-12)
    # SciPy's hypergeometric pmf (a different algorithm) agrees to its own ~1e-10 accuracy near the peak.
    j = state.subsystem_up_counts(m)
    bulk = spectrum > 1e-6
    reference = stats.hypergeom.pmf(j[bulk], 10**6, 5 * 10**5, m)
    np.testing.assert_allclose(spectrum[bulk], reference, rtol=1e-8)


@pytest.mark.parametrize("n_fm", [2, 3, 5, 10, 50, 10**6])
def test_prx_eq16_and_eq17(n_fm):
    state = DickeState.from_stt(n_fm, n_fm)

    def entropy(p):
        return -np.sum(p * np.log(p))

    n = n_fm
    eq16 = n / (2 * n - 1) * math.log((2 * n - 1) / n) + (n - 1) / (2 * n - 1) * math.log((4 * n - 2) / (n - 1))
    s_pair = entropy(state.reduced_spectrum(2))
    assert s_pair == pytest.approx(eq16, rel=1e-13)
    mutual_information = 2 * entropy(state.reduced_spectrum(1)) - s_pair
    if n_fm == 10**6:
        # Eq. 17: I → ln(2)/2; the finite-N correction is O(1/N).
        assert mutual_information == pytest.approx(math.log(2) / 2, abs=1e-5)


@pytest.mark.parametrize(("n_qubits", "n_up"), [(1, 0), (1, 1), (2, 1), (3, 1), (5, 2), (6, 6), (7, 3)])
def test_expectations_match_dense_operators(n_qubits, n_up):
    state = DickeState(n_qubits, n_up)
    tensor = combinatorial_dicke(n_qubits, n_up).astype(complex).reshape([2] * n_qubits)

    def expectation(*operators_on_qubits):
        result = tensor
        for operator, qubit in operators_on_qubits:
            result = apply_local(result, operator, qubit)
        return np.vdot(tensor, result).real

    for q in range(n_qubits):
        assert state.expectation_sz() == pytest.approx(expectation((PAULI_Z, q)), abs=ATOL)
        assert state.expectation_sz() == pytest.approx((2 * n_up - n_qubits) / n_qubits, abs=ATOL)
    for p, q in itertools.permutations(range(n_qubits), 2):
        assert state.correlation_zz() == pytest.approx(expectation((PAULI_Z, p), (PAULI_Z, q)), abs=ATOL)
        assert state.correlation_xx() == pytest.approx(expectation((PAULI_X, p), (PAULI_X, q)), abs=ATOL)
        assert state.correlation_xx() == pytest.approx(expectation((PAULI_Y, p), (PAULI_Y, q)), abs=ATOL)


def test_compact_state_errors_and_immutability():
    with pytest.raises(ValueError, match="n_qubits must be an integer >= 1"):
        DickeState(0, 0)
    with pytest.raises(ValueError, match="n_up = 5 exceeds n_qubits = 4"):
        DickeState(4, 5)
    with pytest.raises(TypeError, match="n_up must be an integer"):
        DickeState(4, 1.5)
    with pytest.raises(ValueError, match="n_fm must be an integer >= 0"):
        DickeState.from_stt(2, -3)
    state = DickeState(40, 20)
    for method in (state.reduced_spectrum, state.reduced_spectrum_exact, state.subsystem_up_counts):
        with pytest.raises(ValueError, match=r"subsystem size m must be an integer in 0\.\.40"):
            method(41)
    with pytest.raises(TypeError, match="subsystem size m must be an integer"):
        state.reduced_spectrum(2.0)
    with pytest.raises(ValueError, match="use reduced_spectrum"):
        state.reduced_density_matrix(13)
    with pytest.raises(ValueError, match=r"use the compact states\.DickeState"):
        state.to_dense()
    with pytest.raises(ValueError, match="needs n_qubits >= 2"):
        DickeState(1, 1).correlation_zz()
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.n_up = 3


def test_dicke_state_stores_numpy_integers_as_int():
    state = DickeState(np.int64(4), np.int32(2))  # numpy integers are integers (states.validation)
    assert type(state.n_qubits) is int and type(state.n_up) is int and state == DickeState(4, 2)
