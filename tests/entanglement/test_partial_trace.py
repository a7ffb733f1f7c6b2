"""partial_trace and partial_transpose against independent references.

The references below work element by element over explicit multi-indices (itertools.product on tiny
dimensions), never through reshape/transpose/BLAS as the package does.
"""

from __future__ import annotations

import itertools
import math
import tracemalloc

import numpy as np
import pytest
import random_states
from hypothesis import given, settings
from hypothesis import strategies as st
from random_states import random_ket

from entanglement import partial_trace, partial_transpose

# Entries of reduced matrices are sums of ≤ 64 products of O(1) numbers: round-off ~1e-15 per entry;
# 1e-12 leaves a 1000× margin and still catches any misplaced index (errors of order 1/D ≥ 1e-2).
MATRIX_ATOL = 1e-12

# A ket of 24 qubits is 256 MiB; the partial trace may copy it once (non-leading kept qubits) but must
# not copy it twice (e.g. a conjugated copy for M @ M.conj().T). Budget: one copy plus 25 % slack.
ONE_COPY_BUDGET = 1.25
LEADING_KEEP_BUDGET = 0.05  # kept qubits leading or trailing: a view, no copy at all

local_dims = st.lists(st.integers(1, 3), min_size=1, max_size=4).filter(lambda d: math.prod(d) <= 64)
seeds = st.integers(0, 2**32 - 1)


def random_density_matrix(dim: int, rng: np.random.Generator) -> np.ndarray:
    """Density matrix of random rank 1..dim."""
    return random_states.random_density_matrix(dim, rng, rank=int(rng.integers(1, dim + 1)))


def reference_partial_trace(rho: np.ndarray, dims: list[int], keep: list[int]) -> np.ndarray:
    """ρ_keep[i, j] = Σ_r ρ[(i, r), (j, r)], with (i, r) assembled digit by digit (first factor leftmost)."""
    keep = sorted(keep)
    rest = [k for k in range(len(dims)) if k not in keep]

    def flat(kept_digits: tuple[int, ...], rest_digits: tuple[int, ...]) -> int:
        digits = [0] * len(dims)
        for k, value in zip(keep, kept_digits, strict=True):
            digits[k] = value
        for k, value in zip(rest, rest_digits, strict=True):
            digits[k] = value
        index = 0
        for d, value in zip(dims, digits, strict=True):
            index = index * d + value
        return index

    kept_states = list(itertools.product(*[range(dims[k]) for k in keep]))
    rest_states = list(itertools.product(*[range(dims[k]) for k in rest]))
    out = np.zeros((len(kept_states), len(kept_states)), dtype=complex)
    for a, i in enumerate(kept_states):
        for b, j in enumerate(kept_states):
            out[a, b] = sum(rho[flat(i, r), flat(j, r)] for r in rest_states)
    return out


def reference_partial_transpose(rho: np.ndarray, dims: list[int], transposed: list[int]) -> np.ndarray:
    """(ρ^{T_A})[x, y] = ρ[x', y'] with the digits of the subsystems in A exchanged between x and y."""
    states = list(itertools.product(*[range(d) for d in dims]))
    index = {s: n for n, s in enumerate(states)}
    out = np.zeros_like(rho)
    for x in states:
        for y in states:
            x_new = tuple(y[k] if k in transposed else x[k] for k in range(len(dims)))
            y_new = tuple(x[k] if k in transposed else y[k] for k in range(len(dims)))
            out[index[x], index[y]] = rho[index[x_new], index[y_new]]
    return out


@st.composite
def dims_and_keep(draw, min_keep: int = 0):
    dims = draw(local_dims)
    keep = draw(st.permutations(range(len(dims))))[: draw(st.integers(min(min_keep, len(dims)), len(dims)))]
    return dims, list(keep)


@given(dims_and_keep(), seeds)
def test_ket_partial_trace_matches_elementwise_reference(dims_keep, seed):
    dims, keep = dims_keep
    ket = random_ket(math.prod(dims), np.random.default_rng(seed))
    expected = reference_partial_trace(np.outer(ket, ket.conj()), dims, keep)
    np.testing.assert_allclose(partial_trace(ket, keep, dims), expected, atol=MATRIX_ATOL)


@given(dims_and_keep(), seeds)
def test_density_matrix_partial_trace_matches_elementwise_reference(dims_keep, seed):
    dims, keep = dims_keep
    rho = random_density_matrix(math.prod(dims), np.random.default_rng(seed))
    np.testing.assert_allclose(
        partial_trace(rho, keep, dims), reference_partial_trace(rho, dims, keep), atol=MATRIX_ATOL
    )


@given(dims_and_keep(min_keep=2), seeds, st.booleans())
def test_order_of_keep_is_irrelevant(dims_keep, seed, pure):
    # `keep` arrives shuffled by the strategy; the output must be in ascending subsystem order
    dims, keep = dims_keep
    rng = np.random.default_rng(seed)
    state = random_ket(math.prod(dims), rng) if pure else random_density_matrix(math.prod(dims), rng)
    np.testing.assert_allclose(partial_trace(state, keep, dims), partial_trace(state, sorted(keep), dims), atol=0)
    rho = np.outer(state, state.conj()) if pure else state
    np.testing.assert_allclose(
        partial_trace(state, keep, dims), reference_partial_trace(rho, dims, keep), atol=MATRIX_ATOL
    )


@given(dims_and_keep(), seeds, st.data())
def test_two_step_partial_trace_equals_one_step(dims_keep, seed, data):
    dims, keep = dims_keep
    keep = sorted(keep)
    rng = np.random.default_rng(seed)
    state = (
        random_ket(math.prod(dims), rng) if data.draw(st.booleans()) else random_density_matrix(math.prod(dims), rng)
    )
    inner = sorted(data.draw(st.lists(st.sampled_from(range(len(keep))), unique=True))) if keep else []
    # first keep `keep`, then keep positions `inner` of it: same as keeping those subsystems at once
    two_step = partial_trace(partial_trace(state, keep, dims), inner, [dims[k] for k in keep])
    np.testing.assert_allclose(two_step, partial_trace(state, [keep[i] for i in inner], dims), atol=MATRIX_ATOL)


@given(dims_and_keep(), seeds)
def test_ket_path_equals_density_matrix_path(dims_keep, seed):
    dims, keep = dims_keep
    ket = random_ket(math.prod(dims), np.random.default_rng(seed))
    np.testing.assert_allclose(
        partial_trace(ket, keep, dims), partial_trace(np.outer(ket, ket.conj()), keep, dims), atol=MATRIX_ATOL
    )
    np.testing.assert_allclose(partial_trace(ket[:, None], keep, dims), partial_trace(ket, keep, dims), atol=0)


@given(dims_and_keep(), seeds)
def test_real_ket_uses_real_arithmetic_and_agrees(dims_keep, seed):
    dims, keep = dims_keep
    rng = np.random.default_rng(seed)
    ket = rng.normal(size=math.prod(dims))
    ket /= np.linalg.norm(ket)
    reduced = partial_trace(ket, keep, dims)
    assert np.isrealobj(reduced)
    np.testing.assert_allclose(reduced, reference_partial_trace(np.outer(ket, ket), dims, keep), atol=MATRIX_ATOL)


def test_reduced_state_of_a_product_is_the_product_of_factors():
    rng = np.random.default_rng(7)
    factors = [random_ket(d, rng) for d in (2, 3, 2, 3)]
    state = factors[0]
    for f in factors[1:]:
        state = np.kron(state, f)
    rhos = [np.outer(f, f.conj()) for f in factors]
    np.testing.assert_allclose(partial_trace(state, [3, 1], [2, 3, 2, 3]), np.kron(rhos[1], rhos[3]), atol=MATRIX_ATOL)
    np.testing.assert_allclose(partial_trace(state, [2], [2, 3, 2, 3]), rhos[2], atol=MATRIX_ATOL)


def test_bell_pair_reduces_to_maximally_mixed_and_integer_kets_are_accepted():
    bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    np.testing.assert_allclose(partial_trace(bell, 1), np.eye(2) / 2, atol=MATRIX_ATOL)
    # |0 1> (q0 = ↑, q1 = ↓) from an integer list: q1 alone is |↓><↓|
    np.testing.assert_allclose(partial_trace([0, 1, 0, 0], [1]), np.diag([0.0, 1.0]), atol=0)


def test_empty_keep_gives_the_trace_and_full_keep_the_state():
    rng = np.random.default_rng(3)
    rho = random_density_matrix(6, rng)
    np.testing.assert_allclose(partial_trace(rho, [], [2, 3]), [[1.0]], atol=MATRIX_ATOL)
    np.testing.assert_allclose(partial_trace(rho, [1, 0], [2, 3]), rho, atol=0)


def test_many_subsystems_beyond_the_einsum_letter_limit():
    # 60 trivial (d = 1) factors plus three qubits: 63 subsystems, 126 tensor axes for a density matrix
    rng = np.random.default_rng(11)
    dims = [1] * 30 + [2] + [1] * 30 + [2, 2]
    ket = random_ket(8, rng)
    rho = random_density_matrix(8, rng)
    kept = [30, 62]  # the first and last qubit
    np.testing.assert_allclose(
        partial_trace(rho, kept, dims), reference_partial_trace(rho, [2, 2, 2], [0, 2]), atol=MATRIX_ATOL
    )
    np.testing.assert_allclose(
        partial_trace(ket, [*kept, 0, 5], dims),
        reference_partial_trace(np.outer(ket, ket.conj()), [2, 2, 2], [0, 2]),
        atol=MATRIX_ATOL,
    )


@settings(max_examples=15)
@given(dims_and_keep(), seeds)
def test_partial_transpose_matches_elementwise_reference(dims_keep, seed):
    dims, transposed = dims_keep
    rng = np.random.default_rng(seed)
    rho = random_density_matrix(math.prod(dims), rng)
    np.testing.assert_allclose(
        partial_transpose(rho, transposed, dims), reference_partial_transpose(rho, dims, transposed), atol=0
    )


def test_partial_transpose_of_everything_is_the_transpose_and_of_a_ket_uses_its_projector():
    rng = np.random.default_rng(5)
    rho = random_density_matrix(6, rng)
    np.testing.assert_allclose(partial_transpose(rho, [0, 1], [3, 2]), rho.T, atol=0)
    ket = random_ket(6, rng)
    projector = np.outer(ket, ket.conj())
    np.testing.assert_allclose(
        partial_transpose(ket, 1, [3, 2]), reference_partial_transpose(projector, [3, 2], [1]), atol=0
    )


def _peak_bytes_of(function) -> int:
    """Peak memory allocated (numpy arrays are traced) while ``function`` runs."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# 24 qubits (256 MiB) is the target; it takes ~1–2 s alone but more on the shared cores, so the
# default suite runs 22 qubits (64 MiB, same code paths) and `-m slow` adds 24.
@pytest.mark.parametrize("n", [22, pytest.param(24, marks=pytest.mark.slow)])
def test_large_ket_keeping_two_qubits_is_lean_and_right(n):
    # No wall-time assertion: timings on the 2 shared cores are noisy (0.1–2 s measured for one
    # 24-qubit call under load). The memory budget is deterministic, and it is what rules out
    # forming |ψ><ψ| or a second copy of the ket.
    rng = np.random.default_rng(2024)
    # product state: the exact RDM of any two qubits is the product of their single-qubit projectors
    qubits = [random_ket(2, rng) for _ in range(n)]
    ket = qubits[0]
    for q in qubits[1:]:
        ket = np.kron(ket, q)  # complex128, the dtype evolvers produce
    keep = [17, 5]
    expected = np.kron(np.outer(qubits[5], qubits[5].conj()), np.outer(qubits[17], qubits[17].conj()))

    result = {}
    peak = _peak_bytes_of(lambda: result.setdefault("rho", partial_trace(ket, keep)))
    np.testing.assert_allclose(result["rho"], expected, atol=MATRIX_ATOL)
    assert peak <= ONE_COPY_BUDGET * ket.nbytes, f"peak {peak / 2**20:.0f} MiB for a {ket.nbytes / 2**20:.0f} MiB ket"
    assert _peak_bytes_of(lambda: partial_trace(ket, [0, 1])) <= LEADING_KEEP_BUDGET * ket.nbytes
    assert _peak_bytes_of(lambda: partial_trace(ket, [n - 2, n - 1])) <= LEADING_KEEP_BUDGET * ket.nbytes
