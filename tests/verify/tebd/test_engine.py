"""verify.tebd.engine: argument checks of the engine (Hermitian bond terms, step counts)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import expm

from states.conventions import PAULI_X
from verify.models import HERMITICITY_ATOL, XXZChain
from verify.tebd import TEBD, TEBDOptions, initial_mps
from verify.tebd.engine import GateSet

CHAIN = XXZChain(n_sites=4, j_z=0.5, initial="neel").chain()


def engine() -> TEBD:
    mps, _ = initial_mps(CHAIN)
    return TEBD(mps, CHAIN.bond_hamiltonians(), TEBDOptions(dt=0.05, chi_max=16))


def test_gates_of_hermitian_bond_terms_are_unitary():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    h = 100.0 * (a + a.conj().T)  # Hermitian to the last bit, entries ~100
    u = GateSet([h], dt=0.1).matrix(0, 0.5)
    np.testing.assert_allclose(u @ u.conj().T, np.eye(4), atol=1e-12)  # eigh + exp: unitary to round-off


@pytest.mark.parametrize("scale", [1.0, 100.0, 1e4])
def test_an_anti_hermitian_part_above_the_absolute_tolerance_is_refused_at_any_scale(scale):
    """max|h − h†| <= HERMITICITY_ATOL with no relative tolerance: np.allclose's rtol = 1e-5 accepted an
    anti-Hermitian part up to 1e-5 |h| on the entries of h (here 5e-7 |h|: 5e-3 at |h| = 1e4), whose
    gates are not unitary."""
    h = scale * (1 + 5e-7j) * np.kron(PAULI_X, PAULI_X)
    assert np.allclose(h, h.conj().T, atol=1e-12)  # the old test let every one of these through
    grown = np.linalg.norm(expm(-0.1j * h) @ (np.ones(4) / 2))  # (1, 1, 1, 1)/2: eigenvector of X⊗X, +1
    # e^{-i h dt} is not unitary: ‖ψ‖ grows by e^{5e-8 scale} − 1 (rel=1e-3: the second order, ≤ 2.5e-4)
    assert grown - 1 == pytest.approx(5e-8 * scale, rel=1e-3)
    with pytest.raises(ValueError, match=r"bond Hamiltonian 0 is not Hermitian: max\|h - h†\|"):
        GateSet([h], dt=0.1)
    just_inside = scale * np.kron(PAULI_X, PAULI_X) + 0.4j * HERMITICITY_ATOL * np.kron(PAULI_X, np.eye(2))
    GateSet([just_inside], dt=0.1)  # |h - h†| = 0.8 HERMITICITY_ATOL: round-off, accepted


def test_run_step_counts_are_integers():
    reference, other = engine(), engine()
    reference.run(2)
    other.run(np.int64(2))  # numpy integers are integers (states.validation)
    assert other.steps == reference.steps == 2
    np.testing.assert_allclose(other.canonical_mps().to_dense(), reference.canonical_mps().to_dense(), atol=1e-14)
    other.run(0)
    assert other.steps == 2
    for bad in (2.0, True, "2", None):
        with pytest.raises(TypeError, match="n_steps must be an integer"):
            other.run(bad)
    with pytest.raises(ValueError, match="n_steps"):
        other.run(-1)
    assert other.steps == 2
