"""Closed forms of entanglement.closed_form against brute-force dense numerics.

The independent route: the dense PRX Eq. 15 vector from ``states.stt_superposition`` (electrons
first, ↑ = index 0) and the numeric ``entanglement`` functions (``partial_trace``,
``von_neumann_entropy``, ``mutual_information``, ``meyer_wallach``), for ALL 0 <= N_e, N_FM <= 8
with n = N_e + N_FM >= 2 (78 systems, up to 2^16 amplitudes).

Tolerance ``TOL = 1e-10`` (absolute; RDM entries are <= 1, entropies <= ln 16):
the dense RDM entries are sums of at most C(16, 8) = 12870 products of amplitudes of size
C(n, k)^(-1/2), so float64 rounding leaves ~1e-13; eigen-decomposition adds ~1e-15 relative per
eigenvalue and -λ ln λ is Hölder continuous, so a near-zero eigenvalue of ~1e-16 contributes ~4e-15.
1e-10 leaves three orders of margin, yet is far below any physical difference the test could miss:
e.g. I(1|N_FM) for N_e = N_FM = 8 and 7 differ by 4e-3.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import sympy as sp

import entanglement
import states
from entanglement import closed_form as cf

TOL = 1e-10
SYSTEMS = [(k, f) for k in range(9) for f in range(9) if k + f >= 2]


def qubit(n_e: int, label: str) -> int:
    """Dense-vector position of a spin label, written independently of cf.spin_qubit: electrons first."""
    kind, index = ("e", int(label[1:])) if label.startswith("e") else ("fm", int(label[2:]))
    return index - 1 if kind == "e" else n_e + index - 1


def labels(n_e: int, n_fm: int) -> list[str]:
    return [f"e{i}" for i in range(1, n_e + 1)] + [f"fm{i}" for i in range(1, n_fm + 1)]


def pairs_to_check(n_e: int, n_fm: int) -> list[tuple[str, str]]:
    """Electron–electron, electron–spin, spin–spin, and the PRX edge pair (1, N_FM), where they exist."""
    candidates = [("e1", "e2"), ("e1", f"fm{n_fm}"), (f"e{n_e}", "fm1"), ("fm1", f"fm{n_fm}"), ("fm1", "fm2")]
    valid = set(itertools.combinations(labels(n_e, n_fm), 2))
    chosen = [p for p in candidates if p in valid]
    return chosen or [next(iter(sorted(valid)))]


def blocks_to_check(n: int, m: int) -> list[tuple[int, ...]]:
    """A few m-qubit blocks: leading, trailing, spread out (mixing electrons and localized spins)."""
    out = {tuple(range(m)), tuple(range(n - m, n)), tuple(sorted({(q * n) // m for q in range(m)}))}
    return [b for b in out if len(b) == m]


def as_float(expr: sp.Expr) -> float:
    return float(sp.N(expr, 20))


@pytest.fixture(scope="module")
def dense_states() -> dict[tuple[int, int], np.ndarray]:
    """The Eq. 15 vectors, checked once to be the Dicke states the closed forms describe."""
    out = {}
    for n_e, n_fm in SYSTEMS:
        psi = np.asarray(states.stt_superposition(n_e, n_fm))
        n = n_e + n_fm
        assert psi.shape == (2**n,)
        support = np.flatnonzero(np.abs(psi) > 1e-12)
        # ↑ = bit 0 (index 0 = ↑): a basis state has N_e up spins iff it has N_FM one-bits
        assert all(bin(int(x)).count("1") == n_fm for x in support)
        assert len(support) == math.comb(n, n_e)
        out[(n_e, n_fm)] = psi
    return out


@pytest.mark.parametrize(("n_e", "n_fm"), SYSTEMS)
def test_closed_forms_equal_dense_numerics(n_e: int, n_fm: int, dense_states) -> None:
    psi = dense_states[(n_e, n_fm)]
    n = n_e + n_fm

    # single-spin RDM and entropy, for every spin
    rho1 = np.array(cf.single_spin_rdm(n_e, n_fm).evalf(20), dtype=float)
    s1 = as_float(cf.single_spin_entropy(n_e, n_fm))
    for q in range(n):
        rdm = entanglement.partial_trace(psi, [q])
        np.testing.assert_allclose(rdm, rho1, rtol=0, atol=TOL)
        assert entanglement.von_neumann_entropy(rdm) == pytest.approx(s1, abs=TOL)

    # two-spin RDM, entropy and mutual information for several kinds of pairs
    rho2 = np.array(cf.two_spin_rdm(n_e, n_fm).evalf(20), dtype=float)
    s2 = as_float(cf.two_spin_entropy(n_e, n_fm))
    for a, b in pairs_to_check(n_e, n_fm):
        qa, qb = qubit(n_e, a), qubit(n_e, b)
        rdm = entanglement.partial_trace(psi, [qa, qb])
        np.testing.assert_allclose(rdm, rho2, rtol=0, atol=TOL)
        assert entanglement.von_neumann_entropy(rdm) == pytest.approx(s2, abs=TOL)
        numeric_i = entanglement.mutual_information(psi, [qa], [qb])
        assert numeric_i == pytest.approx(as_float(cf.mutual_information(n_e, n_fm, a, b)), abs=TOL)
        assert numeric_i == pytest.approx(float(cf.mutual_information_mp(n_e, n_fm, i=a, j=b)), abs=TOL)
    if n_fm >= 2:  # the PRX Eq. 14 default pair (localized spins 1 and N_FM)
        numeric_i = entanglement.mutual_information(psi, [n_e], [n - 1])
        assert numeric_i == pytest.approx(as_float(cf.mutual_information(n_e, n_fm)), abs=TOL)

    # Meyer–Wallach (PRX Eq. 13)
    assert entanglement.meyer_wallach(psi) == pytest.approx(as_float(cf.meyer_wallach(n_e, n_fm)), abs=TOL)

    # blocks of m = 1..min(n, 4) spins: RDM and entropy
    for m in range(1, min(n, 4) + 1):
        rho_m = np.array(cf.block_rdm(n_e, n_fm, m).evalf(20), dtype=float)
        s_m = as_float(cf.block_entropy(n_e, n_fm, m))
        assert float(cf.block_entropy_mp(n_e, n_fm, m)) == pytest.approx(s_m, abs=TOL)
        for block in blocks_to_check(n, m):
            rdm = entanglement.partial_trace(psi, list(block))
            np.testing.assert_allclose(rdm, rho_m, rtol=0, atol=TOL)
            assert entanglement.von_neumann_entropy(rdm) == pytest.approx(s_m, abs=TOL)


@pytest.mark.parametrize(("n_e", "n_fm"), [(2, 3), (3, 3), (4, 1)])
def test_every_pair_same_numerically(n_e: int, n_fm: int, dense_states) -> None:
    """All C(n, 2) pairs, electrons and localized spins alike, have the same I (PRX Eq. 14)."""
    psi = dense_states[(n_e, n_fm)]
    expected = as_float(cf.mutual_information(n_e, n_fm, "e1", "fm1"))
    for a, b in itertools.combinations(labels(n_e, n_fm), 2):
        value = entanglement.mutual_information(psi, [qubit(n_e, a)], [qubit(n_e, b)])
        assert value == pytest.approx(expected, abs=TOL), (a, b)


def test_eq16_numbers_from_dense_state(dense_states) -> None:
    """PRX Eq. 16, written out here, against the dense two-spin entropy of the edge spins, N = 2..8."""
    for big_n in range(2, 9):
        psi = dense_states[(big_n, big_n)]
        eq16 = big_n / (2 * big_n - 1) * math.log((2 * big_n - 1) / big_n) + (big_n - 1) / (2 * big_n - 1) * math.log(
            (4 * big_n - 2) / (big_n - 1)
        )
        rdm = entanglement.partial_trace(psi, [big_n, 2 * big_n - 1])
        assert entanglement.von_neumann_entropy(rdm) == pytest.approx(eq16, abs=TOL)
        assert entanglement.von_neumann_entropy(entanglement.partial_trace(psi, [big_n])) == pytest.approx(
            math.log(2), abs=TOL
        )


@pytest.mark.parametrize(("n_e", "n_fm", "m"), [(10**6, 10**6, 2), (10**6, 10**6, 50), (300_000, 700_000, 40)])
def test_block_entropy_mp_vs_compact_dicke_state_at_huge_n(n_e: int, n_fm: int, m: int) -> None:
    """Large-n route of the states package (scipy binomial pmfs) vs the mpmath twin (exact-integer recurrence).

    Tolerance 1e-12 for the plain float sum -Σ p ln p over that spectrum: ``DickeState.reduced_spectrum``
    is documented accurate to a few ulps per weight and the sum has <= 51 terms of size <= 1, so
    float64 leaves ~1e-14 (measured 2e-15).

    ``entanglement.von_neumann_entropy`` takes a probability vector at face value (tiny tail weights
    2^-50 ≈ 9e-16 are data, not eigensolver noise), so it meets the same 1e-12.
    """
    spectrum = states.DickeState.from_stt(n_e, n_fm).reduced_spectrum(m)
    reference = float(cf.block_entropy_mp(n_e, n_fm, m, dps=30))
    positive = spectrum[spectrum > 0]
    assert float(-np.sum(positive * np.log(positive))) == pytest.approx(reference, abs=1e-12)
    assert entanglement.von_neumann_entropy(spectrum) == pytest.approx(reference, abs=1e-12)
    if m == 2:
        assert reference == pytest.approx(float(cf.two_spin_entropy_mp(n_e, n_fm)), abs=1e-15)
