"""Bad input raises ValueError with a message naming the problem, for every public function."""

from __future__ import annotations

import math

import numpy as np
import pytest

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
    partial_transpose,
    purity,
    renyi_entropy,
    schmidt_entropies,
    spectrum,
    von_neumann_entropy,
)
from entanglement._validation import EIGENVALUE_EPS_FACTOR, HERMITICITY_ATOL, NORMALIZATION_ATOL

BELL = np.array([1, 0, 0, 1]) / math.sqrt(2)
MIXED_QUBIT = np.eye(2) / 2
# Hermitian, unit trace, but with eigenvalue −0.1: not a density matrix
NOT_POSITIVE = np.diag([0.6, 0.5, -0.1, 0.0])


# --- the state itself -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (np.array(["a", "b"]), "numeric.*dtype <U1"),
        (np.array([1, 0], dtype=object), "numeric.*dtype object"),
        (None, "numeric.*dtype object"),
        ([[1, 0], [0]], "numeric array"),
        (np.array([True, False]), "numeric.*dtype bool"),
        (np.array([]), "empty"),
        (np.zeros((2, 2, 2)), "3-D"),
        (np.ones((2, 3)) / 6, r"ket .* or a square density matrix, got shape \(2, 3\)"),
        (np.array([1.0, np.nan]), "NaN or infinite"),
        (np.array([np.inf, 0.0]), "NaN or infinite"),
        (np.zeros(4), "zero vector"),
        (np.array([1.0, 1.0]), r"not normalized: <psi\|psi> = 2"),
        (np.array([[0.5, np.nan], [np.nan, 0.5]]), "NaN or infinite"),
        (np.array([[0.5, 0.5], [0.0, 0.5]]), "not Hermitian"),
        (np.array([[0.5, 0.1j], [0.1j, 0.5]]), "not Hermitian"),
        (np.eye(2), r"trace 1: \|Tr rho - 1\| = 1"),
    ],
)
def test_invalid_states_are_rejected_by_partial_trace(state, message):
    with pytest.raises(ValueError, match=message):
        partial_trace(state, 0)


def test_normalization_and_hermiticity_tolerances_are_the_documented_ones():
    # just inside the tolerances passes, just outside fails (the tolerance is not silently looser)
    ket = BELL * math.sqrt(1 + 0.5 * NORMALIZATION_ATOL)
    partial_trace(ket, 0)
    with pytest.raises(ValueError, match="not normalized"):
        partial_trace(BELL * math.sqrt(1 + 2 * NORMALIZATION_ATOL), 0)
    partial_trace(MIXED_QUBIT + np.array([[0, 0.4j], [0, 0]]) * HERMITICITY_ATOL, [])
    with pytest.raises(ValueError, match="not Hermitian"):
        partial_trace(MIXED_QUBIT + np.array([[0, 2j], [0, 0]]) * HERMITICITY_ATOL, [])
    with pytest.raises(ValueError, match="trace 1"):
        partial_trace(MIXED_QUBIT * (1 + 3 * NORMALIZATION_ATOL), [])


# --- dims and subsystem selections ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("dims", "error", "message"),
    [
        ([2, 2], ValueError, r"dims=\[2, 2\] multiply to 4, but the state dimension is 6"),
        ([2, 0, 3], ValueError, "must be positive.*got 0"),
        ([-2, -3], ValueError, "must be positive.*got -2"),
        ([2.0, 3], TypeError, "integers only, got 2.0"),  # wrong types: TypeError (states.validation rule)
        ([True, 6], TypeError, "integers only, got True"),
        (6, TypeError, "sequence of positive integers, got 6"),
        ("23", TypeError, "sequence of positive integers"),
        (None, ValueError, "not a power of 2"),
        ([np.int64(2), np.int32(3)], None, None),  # numpy integers are integers
    ],
)
def test_bad_dims_are_named(dims, error, message):
    ket = np.ones(6) / math.sqrt(6)
    if error is None:
        assert partial_trace(ket, 0, dims).shape == (2, 2)  # keep subsystem 0 of dims (2, 3)
        return
    with pytest.raises(error, match=message):
        partial_trace(ket, 0, dims)


@pytest.mark.parametrize(
    ("keep", "message"),
    [
        ([0, 0], r"duplicate subsystems: \[0, 0\]"),
        ([2], "subsystem 2, out of range for 2 subsystems"),
        (-1, "subsystem -1, out of range"),
        ([0.5], "integer subsystem indices, got 0.5"),
        (["a"], "integer subsystem indices, got 'a'"),
        (True, "an int or a sequence of ints, got True"),
        (1.0, "an int or a sequence of ints, got 1.0"),
        ("0", "an int or a sequence of ints"),
    ],
)
def test_bad_subsystem_selections_are_named(keep, message):
    with pytest.raises(ValueError, match=message):
        partial_trace(BELL, keep)
    with pytest.raises(ValueError, match=message.replace("keep", "a")):
        negativity(BELL, keep)


def test_partial_transpose_rejects_bad_selection_and_state():
    with pytest.raises(ValueError, match="transpose contains duplicate"):
        partial_transpose(BELL, [1, 1])
    with pytest.raises(ValueError, match=r"rho .*not Hermitian"):
        partial_transpose(np.triu(np.ones((2, 2))) / 2, 0)


# --- spectra, entropies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("function", "args"),
    [
        (spectrum, ()),
        (von_neumann_entropy, ()),
        (renyi_entropy, (2,)),
        (purity, ()),
    ],
)
def test_negative_eigenvalue_raises_instead_of_being_clipped(function, args):
    with pytest.raises(ValueError, match=r"negative eigenvalue -0\.1 .*not positive semidefinite"):
        function(NOT_POSITIVE, *args)


def test_round_off_negativity_is_cleaned_but_beyond_it_raises():
    atol = EIGENVALUE_EPS_FACTOR * 2 * np.finfo(float).eps
    assert von_neumann_entropy(np.diag([1 + 0.5 * atol, -0.5 * atol])) == 0.0
    with pytest.raises(ValueError, match="negative eigenvalue"):
        von_neumann_entropy(np.diag([1 + 2 * atol, -2 * atol]))


@pytest.mark.parametrize(
    ("probabilities", "message"),
    [
        ([0.5, 0.6], r"does not sum to 1: \|sum - 1\| = 0.1"),
        ([1.2, -0.2], "negative eigenvalue -0.2"),
        ([0.5, np.nan], "NaN or infinite"),
        ([0.5 + 0.1j, 0.5 - 0.1j], "must be real"),
        ([], "non-empty 1-D"),
        (["0.5", "0.5"], "numeric"),
        ([[0.5], [0.25, 0.25]], "numeric array, could not convert"),
    ],
)
def test_bad_spectra_are_named(probabilities, message):
    with pytest.raises(ValueError, match=message):
        von_neumann_entropy(probabilities)
    with pytest.raises(ValueError, match=message):
        renyi_entropy(probabilities, 0.5)


@pytest.mark.parametrize(
    ("schmidt", "message"),
    [
        ([np.array([0.6, 0.8]), np.array([])], "non-empty 1-D"),
        ([np.array([[0.6, 0.8]])], "non-empty 1-D"),
        ([np.array([0.6, np.nan])], "real, finite and nonnegative"),
        ([np.array([0.6, -0.8])], "real, finite and nonnegative"),
        ([np.array([0.6, 0.8j])], "real, finite and nonnegative"),
        ([np.array([1.0]), np.zeros(3)], "cut 1 has only zero Schmidt values"),
        ([["a", "b"]], "numeric"),
    ],
)
def test_bad_schmidt_values_are_named(schmidt, message):
    with pytest.raises(ValueError, match=message):
        schmidt_entropies(schmidt)


def test_schmidt_entropies_types_and_edge_cases():
    with pytest.raises(TypeError, match="sequence of 1-D arrays"):
        schmidt_entropies(0.5)
    with pytest.raises(TypeError, match="sequence of 1-D arrays"):
        schmidt_entropies("0.5")
    with pytest.raises(TypeError, match=r"one cut: \[values\]"):
        schmidt_entropies(np.array([0.6, 0.8]))  # one cut without its list
    assert schmidt_entropies([]).shape == (0,)
    # a 2-D array is one cut per row
    np.testing.assert_array_equal(schmidt_entropies(np.array([[1.0, 1.0], [2.0, 0.0]])),
                                  schmidt_entropies([[1.0, 1.0], [2.0, 0.0]]))
    # each cut is scaled by its largest value before squaring: no overflow at 1e200, no underflow at 1e-170
    # (4 ulp of ln 2: the division by the peak and the sums round)
    np.testing.assert_allclose(schmidt_entropies([[1e200, 1e200], [1e-170, 1e-170], [1e-300, 0.0]]),
                               [math.log(2), math.log(2), 0.0], rtol=0, atol=4e-16)
    # a product cut, a Bell cut and k equal values (ln k), in bits too; 1e-15 ≈ 4 ulp of ln 5 (the sums and
    # the normalization round)
    np.testing.assert_allclose(schmidt_entropies([[3.0, 0.0], [1, 1], np.ones(5)]), [0.0, math.log(2), math.log(5)],
                               rtol=0, atol=1e-15)
    np.testing.assert_allclose(schmidt_entropies([[1, 1, 1, 1]], base=2), [2.0], rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (np.ones((2, 3)) / 6, r"square matrix .*got shape \(2, 3\)"),
        (np.ones((2, 2, 2)) / 2, r"single square matrix, got shape \(2, 2, 2\)"),
        (np.array([[0.5, 1], [0, 0.5]]), "not Hermitian"),
        (np.eye(3), "trace 1"),
        (np.array([[0.5, np.inf], [np.inf, 0.5]]), "NaN or infinite"),
    ],
)
def test_bad_density_matrices_for_spectrum_are_named(matrix, message):
    with pytest.raises(ValueError, match=message):
        spectrum(matrix)


@pytest.mark.parametrize(
    ("alpha", "message"),
    [(-0.5, "alpha must be >= 0"), (math.nan, "alpha must be >= 0"), ("2", "real number"), (None, "real number")],
)
def test_bad_renyi_orders_are_named(alpha, message):
    error = TypeError if message == "real number" else ValueError  # a wrong type is a TypeError
    with pytest.raises(error, match=message):
        renyi_entropy(MIXED_QUBIT, alpha)


@pytest.mark.parametrize("base", [1, 0, -2, math.inf, math.nan, "e", True])
def test_bad_log_bases_are_named(base):
    for call in (
        lambda: von_neumann_entropy(MIXED_QUBIT, base=base),
        lambda: renyi_entropy(MIXED_QUBIT, 2, base=base),
        lambda: entanglement_entropy(BELL, 0, base=base),
        lambda: mutual_information(BELL, 0, 1, base=base),
        lambda: log_negativity(BELL, 0, base=base),
    ):
        # a wrong type is a TypeError, a bad value (including NaN and inf) a ValueError
        error = TypeError if isinstance(base, (str, bool)) else ValueError
        with pytest.raises(error, match="base must be a"):
            call()


# --- mutual information, measures -----------------------------------------------------------------


def test_mutual_information_needs_disjoint_non_empty_parts():
    with pytest.raises(ValueError, match=r"disjoint, both contain subsystems \[1\]"):
        mutual_information(BELL, [0, 1], [1])
    with pytest.raises(ValueError, match="non-empty"):
        mutual_information(BELL, [], [1])
    with pytest.raises(ValueError, match="b contains subsystem 5, out of range"):
        mutual_information(BELL, 0, 5)


def test_meyer_wallach_needs_two_level_subsystems():
    with pytest.raises(ValueError, match=r"two-level subsystems \(PRX Eq. 13\), got dims=\[2, 3\]"):
        meyer_wallach(np.ones(6) / math.sqrt(6), [2, 3])
    with pytest.raises(ValueError, match="at least one subsystem"):
        meyer_wallach(np.array([1.0]), [])
    with pytest.raises(ValueError, match="negative eigenvalue"):
        meyer_wallach_from_rdms([MIXED_QUBIT, np.diag([1.5, -0.5])])
    with pytest.raises(ValueError, match=r"single-qubit \(2 × 2\).*\(1, 3, 3\)"):
        meyer_wallach_from_rdms([np.eye(3) / 3])
    with pytest.raises(ValueError, match="rdms does not have trace 1"):
        meyer_wallach_from_rdms(np.stack([MIXED_QUBIT, np.eye(2)]))


def test_concurrence_needs_two_qubits():
    with pytest.raises(ValueError, match=r"two qubits \(dimension 4\), got a state of shape \(8,\)"):
        concurrence(np.ones(8) / math.sqrt(8))
    with pytest.raises(ValueError, match=r"two qubits .*shape \(2, 2\)"):
        concurrence(MIXED_QUBIT)
    with pytest.raises(ValueError, match="not normalized"):
        concurrence(np.ones(4))
    with pytest.raises(ValueError, match="negative eigenvalue"):
        concurrence(NOT_POSITIVE)


def test_negativity_rejects_a_non_positive_density_matrix():
    # its partial transpose has negative eigenvalues too, but the result would be meaningless
    with pytest.raises(ValueError, match="negative eigenvalue"):
        negativity(NOT_POSITIVE, 0)
    with pytest.raises(ValueError, match="negative eigenvalue"):
        log_negativity(NOT_POSITIVE, 1)


def test_bloch_conversions_reject_unphysical_input():
    with pytest.raises(ValueError, match=r"\|r\| = 1.1 > 1: not a physical state"):
        density_matrix_from_bloch([0, 0, 1.1])
    with pytest.raises(ValueError, match=r"\|r\| = 1.00000002 > 1"):
        density_matrix_from_bloch([0, 0, 1 + 2 * NORMALIZATION_ATOL])
    with pytest.raises(ValueError, match=r"shape \(3,\) or \(..., 3\), got shape \(2,\)"):
        density_matrix_from_bloch([0, 1])
    with pytest.raises(ValueError, match="must be real"):
        density_matrix_from_bloch([0, 0, 0.5j])
    with pytest.raises(ValueError, match="NaN or infinite"):
        density_matrix_from_bloch([0, np.nan, 0])
    with pytest.raises(ValueError, match=r"qubit \(2 × 2\)"):
        bloch_vector(np.eye(3) / 3)
    with pytest.raises(ValueError, match="negative eigenvalue"):
        bloch_vector(np.array([[1.0, 0.6], [0.6, 0.0]]))
