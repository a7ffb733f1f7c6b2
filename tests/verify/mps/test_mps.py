"""MPS container and measurements (verify.mps, verify.tensors) against dense states and entanglement."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import entanglement
from states import stt_superposition
from verify.mps import MPS, dicke_mps, stt_mps
from verify.tensors import DENSE, SVD_FLOOR, truncation_rank

DIMS = [4, 8, 4, 8, 8, 4]  # lead and FM sites mixed, FM sites split as (electron 4) ⊗ (spin 2)


def random_mps(dims: list[int], chi: int, seed: int) -> MPS:
    """A random (non-canonical, unnormalized) MPS with bond dimension ≤ chi."""
    rng = np.random.default_rng(seed)
    bonds = [1]
    for i in range(1, len(dims)):
        left = math.prod(dims[:i])
        right = math.prod(dims[i:])
        bonds.append(min(chi, left, right))
    bonds.append(1)
    tensors = [
        rng.normal(size=(bonds[i], d, bonds[i + 1])) + 1j * rng.normal(size=(bonds[i], d, bonds[i + 1]))
        for i, d in enumerate(dims)
    ]
    return MPS(tensors)


@pytest.fixture(scope="module")
def state() -> tuple[MPS, np.ndarray]:
    mps = random_mps(DIMS, chi=7, seed=1)
    psi = mps.to_dense()
    scale = np.linalg.norm(psi)
    mps.tensors[0] = mps.tensors[0] / scale
    return mps, psi / scale


def test_norm_and_canonical_form(state: tuple[MPS, np.ndarray]) -> None:
    mps, psi = state
    assert mps.norm() == pytest.approx(1.0, abs=1e-12)
    work = mps.copy()
    assert not work.is_canonical()
    for center in (0, 3, len(DIMS) - 1):
        work.canonicalize(center)
        assert work.is_canonical(atol=1e-12)
        assert np.allclose(work.to_dense(), psi, atol=1e-12)
    assert work.overlap(mps) == pytest.approx(1.0, abs=1e-12)


def test_sweep_rdms_and_schmidt_values_match_dense(state: tuple[MPS, np.ndarray]) -> None:
    """Every single-site ρ_i equals entanglement.partial_trace of the dense state; every bond's Schmidt
    entropy equals the entanglement entropy of sites 0..b (1e-12: round-off of a 6-site contraction)."""
    mps, psi = state
    sweep = mps.sweep()
    assert sweep.norm_squared == pytest.approx(1.0, abs=1e-12)
    for i in range(len(DIMS)):
        assert np.allclose(sweep.site_rdms[i], entanglement.partial_trace(psi, [i], DIMS), atol=1e-12)
    for b, s in enumerate(sweep.schmidt):
        dense = entanglement.entanglement_entropy(psi, list(range(b + 1)), DIMS)
        assert entanglement.von_neumann_entropy(s**2) == pytest.approx(dense, abs=1e-12)
    assert mps.sweep().site_rdms[2] is not sweep.site_rdms[2]  # measuring left the state untouched
    assert np.allclose(mps.to_dense(), psi, atol=1e-14)


def test_bond_expectation_values(state: tuple[MPS, np.ndarray]) -> None:
    mps, psi = state
    rng = np.random.default_rng(5)
    ops = []
    for b in range(len(DIMS) - 1):
        d = DIMS[b] * DIMS[b + 1]
        a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
        ops.append(a + a.conj().T)
    values = mps.sweep(ops).bond_values
    for b, op in enumerate(ops):
        blocks = psi.reshape(math.prod(DIMS[:b]), DIMS[b] * DIMS[b + 1], -1)  # (left, bond pair, right)
        applied = np.einsum("ij,ljr->lir", op, blocks)
        assert values[b] == pytest.approx(np.vdot(blocks, applied), abs=1e-10)


def test_rdm_of_distant_sites_and_localized_spins(state: tuple[MPS, np.ndarray]) -> None:
    """Non-adjacent RDMs by transfer matrices, with and without tracing the electron of an FM site."""
    mps, psi = state
    assert np.allclose(mps.rdm([1, 4]), entanglement.partial_trace(psi, [1, 4], DIMS), atol=1e-12)
    assert np.allclose(mps.rdm([0, 2, 5]), entanglement.partial_trace(psi, [0, 2, 5], DIMS), atol=1e-12)
    # split every FM site into (electron, spin): the localized spins of FM sites 1 and 4
    split = []
    position = {}
    for i, d in enumerate(DIMS):
        if d == 8:
            position[i] = len(split) + 1
            split += [4, 2]
        else:
            split.append(d)
    keep_spin = ((4, 2), (1,))
    got = mps.rdm([1, 4], factors=[keep_spin, keep_spin])
    want = entanglement.partial_trace(psi, [position[1], position[4]], split)
    assert np.allclose(got, want, atol=1e-12)
    # mixed: the whole site 0 and only the spin of site 3
    got = mps.rdm([0, 3], factors=[None, keep_spin])
    assert np.allclose(got, entanglement.partial_trace(psi, [0, position[3]], split), atol=1e-12)


def test_from_dense_round_trip(state: tuple[MPS, np.ndarray]) -> None:
    _, psi = state
    again = MPS.from_dense(psi, DIMS)
    assert again.is_canonical()
    assert np.allclose(again.to_dense(), psi, atol=1e-12)
    assert again.max_bond_dimension() <= 7  # exact rank of the random MPS is recovered


def test_split_without_truncation_reconstructs_theta() -> None:
    rng = np.random.default_rng(3)
    theta = rng.normal(size=(3, 4, 8, 2)) + 1j * rng.normal(size=(3, 4, 8, 2))
    for absorb in ("left", "right"):
        split = DENSE.split(theta, chi_max=100, trunc=0.0, absorb=absorb)
        assert split.discarded == pytest.approx(0.0, abs=1e-28)
        assert np.allclose(DENSE.two_site(split.left, split.right), theta, atol=1e-12)
        isometry = split.left if absorb == "right" else split.right.transpose(1, 2, 0)
        m = isometry.reshape(-1, isometry.shape[-1])
        assert np.allclose(m.conj().T @ m, np.eye(m.shape[1]), atol=1e-12)


def test_truncation_rank() -> None:
    s = np.sqrt(np.array([0.5, 0.3, 0.15, 0.04, 0.01]))
    assert truncation_rank(s, chi_max=10, trunc=0.0) == (5, 0.0)
    keep, discarded = truncation_rank(s, chi_max=10, trunc=0.011)
    assert keep == 4 and discarded == pytest.approx(0.01)
    keep, discarded = truncation_rank(s, chi_max=10, trunc=0.0501)
    assert keep == 3 and discarded == pytest.approx(0.05)
    keep, discarded = truncation_rank(s, chi_max=2, trunc=0.0)
    assert keep == 2 and discarded == pytest.approx(0.2)
    # values below the round-off floor are exact zeros, dropped whatever trunc says
    tiny = np.array([1.0, 0.5 * SVD_FLOOR])
    keep, discarded = truncation_rank(tiny, chi_max=10, trunc=0.0)
    assert keep == 1 and discarded < 1e-28


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.floats(1e-9, 1.0), st.floats(0.0, 1e-15)), min_size=1, max_size=12),
       st.floats(0.0, 0.5), st.integers(1, 14))
def test_truncation_rank_is_the_smallest_allowed_rank(values: list[float], trunc: float, chi_max: int) -> None:
    """The definition, by brute force: the smallest k whose discarded tail Σ_{j≥k} s_j² / Σ s² is ≤ trunc,
    capped by chi_max and by the values above the round-off floor SVD_FLOOR · s_0, and at least 1; the
    returned weight is that tail. The tails are summed one by one from the smallest value, the order the
    rule defines, so the comparison is exact."""
    s = np.sort(np.asarray(values))[::-1]
    assume(s[0] > 0)
    weights = s**2
    total = float(weights.sum())
    tails = [0.0] * (len(s) + 1)
    for k in range(len(s) - 1, -1, -1):
        tails[k] = tails[k + 1] + float(weights[k])
    tails = [tail / total for tail in tails]
    nonzero = int(np.sum(s > SVD_FLOOR * s[0]))
    want = max(1, min(next(k for k, tail in enumerate(tails) if tail <= trunc), nonzero, chi_max))
    assert truncation_rank(s, chi_max=chi_max, trunc=trunc) == (want, tails[want])


def test_truncated_split_renormalizes_to_the_input_norm() -> None:
    rng = np.random.default_rng(4)
    theta = rng.normal(size=(4, 4, 4, 4)) + 0j
    split = DENSE.split(theta, chi_max=3, trunc=0.0, absorb="right")
    assert np.linalg.norm(split.singular_values) == pytest.approx(np.linalg.norm(theta), rel=1e-13)
    assert 0 < split.discarded < 1


@pytest.mark.parametrize(("n_e", "n_fm"), [(1, 1), (2, 3), (3, 2), (4, 4), (0, 3), (3, 0), (5, 1)])
def test_stt_mps_is_prx_eq15(n_e: int, n_fm: int) -> None:
    """The exact MPS equals the dense PRX Eq. 15 vector of ``states`` and has χ ≤ min(N_e, N_FM) + 1."""
    mps = stt_mps(n_e, n_fm)
    assert np.allclose(mps.to_dense(), stt_superposition(n_e, n_fm), atol=1e-14)
    assert mps.max_bond_dimension() <= min(n_e, n_fm) + 1
    assert mps.is_canonical(atol=1e-13)


def test_dicke_mps_large_is_normalized_and_canonical() -> None:
    mps = dicke_mps(200, 100)
    assert mps.max_bond_dimension() == 101
    assert mps.norm() == pytest.approx(1.0, abs=1e-12)
    assert mps.is_canonical(atol=1e-12)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: MPS([]), "at least one site"),
        (lambda: MPS([np.zeros((1, 2, 2)), np.zeros((3, 2, 1))]), "bond 0"),
        (lambda: MPS([np.zeros((2, 2, 1))]), "outer bonds"),
        (lambda: MPS([np.zeros((1, 2))]), "legs"),
        (lambda: MPS.product_state([np.zeros(2)]), "zero local vector"),
        (lambda: stt_mps(2, 3).rdm([3, 1]), "ascending"),
        (lambda: stt_mps(2, 3).rdm([0, 7]), "outside"),
        (lambda: stt_mps(2, 3).rdm([0, 1], factors=[((3, 1), (0,)), None]), "factor dims"),
        (lambda: stt_mps(2, 3).canonicalize(9), "center"),
        (lambda: MPS.from_dense(np.ones(5), [2, 2]), "amplitudes"),
        (lambda: dicke_mps(3, 4), "exceeds"),
        (lambda: stt_mps(-1, 2), "n_e"),
        (lambda: truncation_rank(np.zeros(3), chi_max=2, trunc=0.0), "zero tensor"),
        (lambda: truncation_rank(np.ones(3), chi_max=0, trunc=0.0), "chi_max"),
        (lambda: DENSE.split(np.ones((1, 2, 2, 1)), chi_max=2, trunc=0.0, absorb="up"), "absorb"),
    ],
)
def test_bad_input(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
