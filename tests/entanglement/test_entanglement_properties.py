"""Hypothesis property tests: physics identities every entropy and measure must obey.

Random pure and mixed states on random local dimensions (1–4 subsystems of dimension 1–3, or up to
5 qubits), total dimension ≤ 64. Each property is an inequality or identity from quantum
information theory, so none of them depends on the package's own output.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import random_states
from hypothesis import assume, given
from hypothesis import strategies as st
from random_states import random_ket

from entanglement import (
    concurrence,
    entanglement_entropy,
    meyer_wallach,
    meyer_wallach_from_rdms,
    mutual_information,
    negativity,
    partial_trace,
    renyi_entropy,
    schmidt_entropies,
    von_neumann_entropy,
)

# Entropy identities compared across different reduced matrices of ≤ 64 × 64: each entropy carries
# ≲ 1e-13 round-off (see test_entanglement_measures.ENTROPY_ATOL); inequalities get the same slack,
# so that states saturating them (products, pure states) do not fail on the last bit.
ENTROPY_ATOL = 1e-10
# Square-root measures (concurrence, negativity): √(1e-16) ≈ 1e-8 from a zero eigenvalue.
SQRT_MEASURE_ATOL = 1e-7

local_dims = st.lists(st.integers(1, 3), min_size=1, max_size=4).filter(lambda d: math.prod(d) <= 64)
seeds = st.integers(0, 2**32 - 1)


def random_density_matrix(dim: int, rng: np.random.Generator) -> np.ndarray:
    """Density matrix of random rank 1..dim."""
    return random_states.random_density_matrix(dim, rng, rank=int(rng.integers(1, dim + 1)))


def random_state(dim: int, rng: np.random.Generator, pure: bool) -> np.ndarray:
    return random_ket(dim, rng) if pure else random_density_matrix(dim, rng)


def haar_unitary(dim: int, rng: np.random.Generator) -> np.ndarray:
    """Haar-random unitary: QR of a complex Gaussian matrix with the phases of R's diagonal fixed."""
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim)))
    return q * (np.diag(r) / np.abs(np.diag(r)))


def local_unitary(dims: list[int], rng: np.random.Generator) -> np.ndarray:
    u = np.eye(1)
    for d in dims:
        u = np.kron(u, haar_unitary(d, rng))
    return u


@st.composite
def partition(draw, n_parts: int):
    """Local dims and ``n_parts`` disjoint non-empty parts (not necessarily covering every subsystem)."""
    dims = draw(st.lists(st.integers(1, 3), min_size=n_parts, max_size=4).filter(lambda d: math.prod(d) <= 64))
    sizes = draw(st.lists(st.integers(1, len(dims) - n_parts + 1), min_size=n_parts, max_size=n_parts))
    assume(sum(sizes) <= len(dims))
    order = draw(st.permutations(range(len(dims))))
    bounds = np.cumsum([0, *sizes])
    return dims, [list(order[bounds[i] : bounds[i + 1]]) for i in range(n_parts)]


@given(partition(1), seeds)
def test_pure_state_bipartition_entropies_are_equal(dims_parts, seed):
    dims, (part_a,) = dims_parts
    part_b = [k for k in range(len(dims)) if k not in part_a]
    ket = random_ket(math.prod(dims), np.random.default_rng(seed))
    # both sides built explicitly (entanglement_entropy would itself use the smaller side)
    s_a = von_neumann_entropy(partial_trace(ket, part_a, dims))
    s_b = von_neumann_entropy(partial_trace(ket, part_b, dims))
    assert abs(s_a - s_b) <= ENTROPY_ATOL


@given(local_dims.filter(lambda d: len(d) >= 2), seeds, st.floats(1e-3, 1e3), st.sampled_from([None, 2]))
def test_schmidt_entropies_of_every_cut_are_the_block_entropies(dims, seed, scale, base):
    """The entropy profile from the SVD of ψ at every cut equals S(ρ_A) of the left block from its
    reduced density matrix (eigenvalues, an independent route), for any norm of ψ."""
    ket = random_ket(math.prod(dims), np.random.default_rng(seed))
    schmidt = [np.linalg.svd((scale * ket).reshape(math.prod(dims[:b]), -1), compute_uv=False)
               for b in range(1, len(dims))]
    profile = schmidt_entropies(schmidt, base=base)
    blocks = [von_neumann_entropy(partial_trace(ket, list(range(b)), dims), base=base) for b in range(1, len(dims))]
    np.testing.assert_allclose(profile, blocks, rtol=0, atol=ENTROPY_ATOL)
    assert profile.shape == (len(dims) - 1,) and np.all(profile >= 0.0)


@given(partition(1), seeds, st.booleans())
def test_entropy_is_between_zero_and_log_dimension(dims_parts, seed, pure):
    dims, (part,) = dims_parts
    state = random_state(math.prod(dims), np.random.default_rng(seed), pure)
    s = entanglement_entropy(state, part, dims)
    assert -ENTROPY_ATOL <= s <= math.log(math.prod(dims[k] for k in part)) + ENTROPY_ATOL
    assert s >= 0.0  # never a negative round-off value


@given(partition(2), seeds, st.booleans())
def test_subadditivity_araki_lieb_and_mutual_information_bounds(dims_parts, seed, pure):
    dims, (part_a, part_b) = dims_parts
    state = random_state(math.prod(dims), np.random.default_rng(seed), pure)
    s_a = entanglement_entropy(state, part_a, dims)
    s_b = entanglement_entropy(state, part_b, dims)
    s_ab = entanglement_entropy(state, part_a + part_b, dims)
    assert s_ab <= s_a + s_b + ENTROPY_ATOL  # subadditivity
    assert abs(s_a - s_b) <= s_ab + ENTROPY_ATOL  # Araki–Lieb
    information = mutual_information(state, part_a, part_b, dims)
    assert abs(information - (s_a + s_b - s_ab)) <= ENTROPY_ATOL
    assert -ENTROPY_ATOL <= information <= 2 * min(s_a, s_b) + ENTROPY_ATOL


@given(partition(3), seeds, st.booleans())
def test_strong_subadditivity(dims_parts, seed, pure):
    dims, (part_a, part_b, part_c) = dims_parts
    state = random_state(math.prod(dims), np.random.default_rng(seed), pure)

    def s(*parts):
        return entanglement_entropy(state, [k for p in parts for k in p], dims)

    assert s(part_a, part_b, part_c) + s(part_b) <= s(part_a, part_b) + s(part_b, part_c) + ENTROPY_ATOL


@given(partition(2), seeds, st.booleans())
def test_entropy_and_mutual_information_are_invariant_under_local_unitaries(dims_parts, seed, pure):
    dims, (part_a, part_b) = dims_parts
    rng = np.random.default_rng(seed)
    state = random_state(math.prod(dims), rng, pure)
    u = local_unitary(dims, rng)
    rotated = u @ state if pure else u @ state @ u.conj().T
    for part in (part_a, part_b, part_a + part_b):
        assert abs(entanglement_entropy(rotated, part, dims) - entanglement_entropy(state, part, dims)) <= ENTROPY_ATOL
    before = mutual_information(state, part_a, part_b, dims)
    assert abs(mutual_information(rotated, part_a, part_b, dims) - before) <= ENTROPY_ATOL


@given(partition(1), seeds, st.booleans(), st.lists(st.floats(0, 50), min_size=2, max_size=5))
def test_renyi_entropy_is_nonincreasing_in_alpha(dims_parts, seed, pure, alphas):
    dims, (part,) = dims_parts
    rho = partial_trace(random_state(math.prod(dims), np.random.default_rng(seed), pure), part, dims)
    values = [renyi_entropy(rho, a) for a in sorted([*alphas, 1.0, math.inf])]
    assert all(later <= earlier + ENTROPY_ATOL for earlier, later in itertools.pairwise(values))
    # the von Neumann entropy sits between S_0 = ln rank and S_∞ = −ln λ_max
    assert (
        renyi_entropy(rho, math.inf) - ENTROPY_ATOL <= von_neumann_entropy(rho) <= renyi_entropy(rho, 0) + ENTROPY_ATOL
    )


@given(partition(1), seeds, st.booleans(), st.sampled_from([2, 10, 0.5, 3.7]))
def test_base_changes_units_consistently(dims_parts, seed, pure, base):
    dims, (part,) = dims_parts
    state = random_state(math.prod(dims), np.random.default_rng(seed), pure)
    nats = entanglement_entropy(state, part, dims)
    assert abs(entanglement_entropy(state, part, dims, base=base) - nats / math.log(base)) <= ENTROPY_ATOL
    rho = partial_trace(state, part, dims)
    assert abs(renyi_entropy(rho, 2, base=base) - renyi_entropy(rho, 2) / math.log(base)) <= ENTROPY_ATOL


@given(partition(1), seeds)
def test_ket_and_density_matrix_give_the_same_measures(dims_parts, seed):
    dims, (part,) = dims_parts
    ket = random_ket(math.prod(dims), np.random.default_rng(seed))
    projector = np.outer(ket, ket.conj())
    assert abs(entanglement_entropy(ket, part, dims) - entanglement_entropy(projector, part, dims)) <= ENTROPY_ATOL
    # negativity: Schmidt coefficients for the ket, eigenvalues of the partial transpose for |ψ><ψ|
    assert abs(negativity(ket, part, dims) - negativity(projector, part, dims)) <= SQRT_MEASURE_ATOL


@given(st.integers(1, 5), seeds, st.booleans())
def test_meyer_wallach_is_in_unit_interval_and_vanishes_on_products(n, seed, pure):
    rng = np.random.default_rng(seed)
    state = random_state(2**n, rng, pure)
    q = meyer_wallach(state)
    assert -ENTROPY_ATOL <= q <= 1 + ENTROPY_ATOL
    rdms = [partial_trace(state, k) for k in range(n)]
    # Q = 2(1 − mean purity) with purities from Tr ρ_k² as matrix products
    assert abs(q - 2 * (1 - np.mean([np.trace(r @ r).real for r in rdms]))) <= ENTROPY_ATOL
    assert abs(meyer_wallach_from_rdms(rdms) - q) <= ENTROPY_ATOL
    product = np.ones(1)
    for _ in range(n):
        product = np.kron(product, random_ket(2, rng))
    assert abs(meyer_wallach(product)) <= ENTROPY_ATOL
    u = local_unitary([2] * n, rng)
    rotated = u @ state if pure else u @ state @ u.conj().T
    assert abs(meyer_wallach(rotated) - q) <= ENTROPY_ATOL


@given(seeds)
def test_pure_two_qubit_concurrence_and_negativity_follow_the_amplitude_formula(seed):
    ket = random_ket(4, np.random.default_rng(seed))
    a, b, c, d = ket
    expected = 2 * abs(a * d - b * c)  # C = 2|ad − bc| for a pure two-qubit state
    assert abs(concurrence(ket) - expected) <= SQRT_MEASURE_ATOL
    assert abs(negativity(np.outer(ket, ket.conj()), 0) - expected / 2) <= SQRT_MEASURE_ATOL  # N = C/2 (pure)


@given(seeds, st.booleans())
def test_concurrence_and_negativity_are_bounded_and_locally_invariant(seed, pure):
    rng = np.random.default_rng(seed)
    state = random_state(4, rng, pure)
    u = local_unitary([2, 2], rng)
    rotated = u @ state if pure else u @ state @ u.conj().T
    c = concurrence(state)
    assert 0.0 <= c <= 1.0 + SQRT_MEASURE_ATOL
    assert abs(concurrence(rotated) - c) <= SQRT_MEASURE_ATOL
    n = negativity(state, 0)
    assert 0.0 <= n <= 0.5 + SQRT_MEASURE_ATOL
    assert abs(negativity(rotated, 1) - n) <= SQRT_MEASURE_ATOL
    # two-qubit bounds between the two measures (Verstraete, Audenaert, Dehaene, De Moor,
    # J. Phys. A 34, 10327 (2001)): √((1 − C)² + C²) − (1 − C) ≤ 2N ≤ C
    assert 2 * n <= c + SQRT_MEASURE_ATOL
    assert 2 * n >= math.sqrt((1 - c) ** 2 + c**2) - (1 - c) - SQRT_MEASURE_ATOL
