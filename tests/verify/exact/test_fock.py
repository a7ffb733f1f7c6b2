"""Fermion sector bases (verify.exact.fock): enumeration, lookup and Jordan–Wigner signs.

Independent routes: (i) dense Jordan–Wigner matrices c_m = Z⊗…⊗Z⊗a⊗1⊗… built with np.kron on the
full 2^M Fock space (mode 0 leftmost), (ii) the Slater-determinant spectrum of a one-body operator
(N-particle eigenvalues = sums of N distinct single-particle eigenvalues), which fails as soon as a
sign is wrong for a generic (all-to-all) one-body matrix.
"""

import itertools
from math import comb

import numpy as np
import pytest

from verify.exact.fock import (
    FermionSector,
    apply_hop,
    fermion_configurations,
    lookup,
    mode_bit,
    one_body_operator,
    spinful_mode,
)

ATOL = 1e-10
"""Eigenvalue comparisons of matrices with entries O(1) and dimension <= 120: eigh is backward
stable, errors are O(dim · ε · ‖H‖) ≈ 1e-13; 1e-10 leaves three orders of margin."""


def dense_annihilator(n_modes: int, mode: int) -> np.ndarray:
    """c_mode on the 2^M Fock space in the JW convention (independent of verify.exact.fock)."""
    z = np.diag([1.0, -1.0])  # (empty, occupied): parity of an occupied mode
    a = np.array([[0.0, 1.0], [0.0, 0.0]])  # |0><1|
    factors = [z] * mode + [a] + [np.eye(2)] * (n_modes - mode - 1)
    out = np.ones((1, 1))
    for f in factors:
        out = np.kron(out, f)
    return out


def test_configurations_enumerate_every_occupation_once():
    for n_modes, n in [(1, 0), (1, 1), (6, 0), (6, 3), (8, 2), (10, 5)]:
        configs = fermion_configurations(n_modes, n)
        assert configs.dtype == np.uint64
        assert configs.size == comb(n_modes, n)
        assert np.all(np.diff(configs.astype(np.int64)) > 0)  # sorted, unique
        assert np.all(np.bitwise_count(configs) == n)
        reference = sorted(sum(1 << (n_modes - 1 - m) for m in c) for c in itertools.combinations(range(n_modes), n))
        assert configs.tolist() == reference


def test_mode_zero_is_the_most_significant_bit():
    assert int(mode_bit(4, 0)) == 0b1000
    assert int(mode_bit(4, 3)) == 0b0001
    assert spinful_mode(0, 0) == 0 and spinful_mode(0, 1) == 1 and spinful_mode(2, 1) == 5


def test_full_64_mode_configurations_fit():
    configs = fermion_configurations(64, 1)
    assert configs.size == 64 and int(configs[-1]) == 1 << 63


def test_lookup_finds_present_and_rejects_absent():
    keys = np.array([1, 4, 9, 16], dtype=np.uint64)
    idx, found = lookup(keys, np.array([9, 5, 16, 0, 17], dtype=np.uint64))
    assert found.tolist() == [True, False, True, False, False]
    assert idx[found].tolist() == [2, 3]


@pytest.mark.parametrize("n_modes,n_particles", [(5, 2), (6, 3)])
def test_hop_matches_dense_jordan_wigner_matrices(n_modes, n_particles):
    """Every c†_a c_b in a sector equals the dense JW operator restricted to that sector."""
    sector = FermionSector.build(n_modes, n_particles)
    # Dense basis index of a configuration = its integer (mode 0 most significant, kron order).
    full_index = sector.configs.astype(np.int64)
    c = [dense_annihilator(n_modes, m) for m in range(n_modes)]
    for a in range(n_modes):
        for b in range(n_modes):
            dense = (c[a].T @ c[b])[np.ix_(full_index, full_index)]
            h = np.zeros((n_modes, n_modes))
            h[a, b] = 1.0
            sparse = one_body_operator(sector, h).toarray()
            np.testing.assert_array_equal(sparse, dense)


def test_hop_sign_counts_occupied_modes_strictly_between():
    # modes 0..4, configuration with modes 1, 2, 4 occupied: c†_0 c_4 passes modes 1, 2, 3 → sign +1
    # (two occupied); c†_3 c_1 passes mode 2 → sign −1.
    config = np.array([0b01101], dtype=np.uint64)
    rows, new, signs = apply_hop(config, 5, 0, 4)
    assert rows.tolist() == [0] and int(new[0]) == 0b11100 and signs.tolist() == [1.0]
    rows, new, signs = apply_hop(config, 5, 3, 1)
    assert int(new[0]) == 0b00111 and signs.tolist() == [-1.0]
    rows, _, _ = apply_hop(config, 5, 1, 4)  # target occupied: annihilated
    assert rows.size == 0


@pytest.mark.parametrize("n_particles", [2, 3])
def test_slater_spectrum_of_generic_one_body_operator(n_particles):
    """N-particle spectrum of Σ h_ab c†_a c_b = sums of N distinct eigenvalues of h (Slater determinants).

    The random all-to-all Hermitian h makes hops pass over occupied modes, so any sign error
    changes the spectrum — shown explicitly by the sign-stripped operator, which must fail.
    """
    n_modes = 8
    rng = np.random.default_rng(7)
    h = rng.standard_normal((n_modes, n_modes)) + 1j * rng.standard_normal((n_modes, n_modes))
    h = (h + h.conj().T) / 2
    eps = np.linalg.eigvalsh(h)
    expected = np.sort([sum(c) for c in itertools.combinations(eps, n_particles)])
    sector = FermionSector.build(n_modes, n_particles)
    many = one_body_operator(sector, h).toarray()
    np.testing.assert_allclose(many, many.conj().T, atol=0)
    np.testing.assert_allclose(np.linalg.eigvalsh(many), expected, atol=ATOL)
    # The same operator with every JW sign dropped (|matrix elements| with h's phases) is wrong:
    stripped = np.zeros_like(many)
    for a, b in zip(*np.nonzero(h), strict=True):
        src, new, _ = apply_hop(sector.configs, n_modes, int(a), int(b))
        tgt, found = sector.index(new)
        stripped[tgt[found], src[found]] += h[a, b]
    assert np.max(np.abs(np.linalg.eigvalsh(stripped) - expected)) > 1e-3


def test_spinful_chain_slater_spectrum_with_ring_closure():
    """Spinful ring (site N–1 hops to site 0 over all other modes): N_e = 2 and 3 spectra = Slater sums."""
    n_sites = 4
    n_modes = 2 * n_sites
    h = np.zeros((n_modes, n_modes))
    for i in range(n_sites):
        for s in (0, 1):
            a, b = spinful_mode(i, s), spinful_mode((i + 1) % n_sites, s)
            h[a, b] = h[b, a] = -1.0
    h[0, 0], h[3, 3] = 0.3, -0.7  # break degeneracies a little
    eps = np.linalg.eigvalsh(h)
    for n in (2, 3):
        expected = np.sort([sum(c) for c in itertools.combinations(eps, n)])
        got = np.linalg.eigvalsh(one_body_operator(FermionSector.build(n_modes, n), h).toarray())
        np.testing.assert_allclose(got, expected, atol=ATOL)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: fermion_configurations(65, 1), "n_modes"),
        (lambda: fermion_configurations(0, 0), "n_modes"),
        (lambda: fermion_configurations(4, 5), "n_particles"),
        (lambda: mode_bit(4, 4), "mode 4"),
        (lambda: one_body_operator(FermionSector.build(4, 1), np.eye(3)), "shape"),
    ],
)
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_mode_and_particle_counts_are_integers():
    np.testing.assert_array_equal(fermion_configurations(np.int64(4), np.int32(2)), fermion_configurations(4, 2))
    assert mode_bit(np.int64(4), np.int64(1)) == mode_bit(4, 1)
    for call in (
        lambda: fermion_configurations(4.0, 1),  # wrong types: TypeError (states.validation)
        lambda: fermion_configurations(True, 1),
        lambda: fermion_configurations(4, 1.0),
        lambda: fermion_configurations(4, "1"),
        lambda: mode_bit(4, 1.5),
    ):
        with pytest.raises(TypeError, match="must be an integer"):
            call()
    with pytest.raises(ValueError, match="n_particles"):
        fermion_configurations(4, -1)
