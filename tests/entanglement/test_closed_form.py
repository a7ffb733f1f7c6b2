"""Tests of entanglement.closed_form: PRX Eqs. 13–17 for the Eq. 15 state, exact and asymptotic.

Independent routes used here (the dense-numerics cross-check lives in test_closed_form_vs_numeric.py):

* PRX Eq. 16 written out by hand below (not taken from the code);
* hypergeometric weights from ``math.comb`` with exact ``Fraction`` arithmetic;
* exact (rational) brute-force partial traces of the Eq. 15 state built from ``itertools``;
* sympy's own ``Matrix.eigenvals`` for the spectra;
* mpmath evaluation at 40–50 digits for the limits and the large-N series.

Tolerances: comparisons of two exact/high-precision routes at ``dps`` digits use ``10**-(dps - 5)``
(five digits of slack for the guard-free side, e.g. sympy ``evalf`` of a sum of logs); the float64
twins are compared at 1e-12 absolute (entropies are O(1) and built from a handful of operations
with relative error ~1e-16 each).
"""

from __future__ import annotations

import itertools
import math
import time
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from entanglement import closed_form as cf

N = sp.Symbol("N", integer=True, positive=True)
LN2 = sp.log(2)


@pytest.fixture(autouse=True)
def _high_mp_precision():
    """Do the tests' own mpmath arithmetic at 60 digits, above every ``dps`` requested from the twins.

    (The twins return values rounded to ``dps`` digits, but arithmetic on mpf values runs at the
    global precision, 15 digits by default, which would mask the comparisons.)
    """
    with mpmath.workdps(60):
        yield


def eq16(n: sp.Expr) -> sp.Expr:
    """PRX Eq. 16, typed from the paper: S_{1,N_FM} for N_e = N_FM = n."""
    return n / (2 * n - 1) * sp.log((2 * n - 1) / n) + (n - 1) / (2 * n - 1) * sp.log((4 * n - 2) / (n - 1))


def eq16_mp(n: int) -> mpmath.mpf:
    """PRX Eq. 16 evaluated directly in mpmath (current precision)."""
    n = mpmath.mpf(n)
    return n / (2 * n - 1) * mpmath.log((2 * n - 1) / n) + (n - 1) / (2 * n - 1) * mpmath.log((4 * n - 2) / (n - 1))


def hypergeometric(n_e: int, n_fm: int, m: int) -> dict[int, Fraction]:
    """p_j = C(m, j) C(n-m, k-j) / C(n, k): probability of j up spins among m (exact, independent of the code)."""
    n, k = n_e + n_fm, n_e

    def comb(a: int, b: int) -> int:
        return math.comb(a, b) if 0 <= b <= a else 0

    return {j: Fraction(comb(m, j) * comb(n - m, k - j), comb(n, k)) for j in range(m + 1)}


def exact_rdm(n_e: int, n_fm: int, keep: tuple[int, ...]) -> sp.Matrix:
    """Exact RDM of the qubits ``keep`` of the Eq. 15 state, by enumerating its C(n, k) terms.

    Configurations are tuples of 0 (↑) / 1 (↓), electrons first; amplitude 1/sqrt(C(n, k)) each, so
    <x|ρ|y> = #{environment configurations e: (x, e) and (y, e) both have k up spins} / C(n, k).
    """
    n, k = n_e + n_fm, n_e
    rest = [q for q in range(n) if q not in keep]
    dim = 2 ** len(keep)
    rho = sp.zeros(dim, dim)
    configs = [c for c in itertools.product((0, 1), repeat=n) if c.count(0) == k]
    by_env: dict[tuple[int, ...], list[int]] = {}
    for c in configs:
        index = int("".join(str(c[q]) for q in keep), 2) if keep else 0
        by_env.setdefault(tuple(c[q] for q in rest), []).append(index)
    for indices in by_env.values():
        for x in indices:
            for y in indices:
                rho[x, y] += sp.Rational(1, math.comb(n, k))
    return rho


# ------------------------------------------------------------------------------------- PRX Eq. 16


def test_eq16_symbolic() -> None:
    diff = cf.two_spin_entropy(N, N) - eq16(N)
    # expand_log(force=True) is legitimate: every log argument is positive for N >= 2.
    assert sp.simplify(sp.expand_log(diff, force=True)) == 0
    # Without forcing: N = M + 2 (M >= 0) makes every log argument provably positive for sympy.
    m = sp.Symbol("M", integer=True, nonnegative=True)
    assert sp.simplify(cf.two_spin_entropy(m + 2, m + 2) - eq16(m + 2)) == 0


def test_eq16_numeric_n_2_to_50() -> None:
    dps = 40
    with mpmath.workdps(dps):
        for n in range(2, 51):
            ref = eq16_mp(n)
            assert abs(sp.N(cf.two_spin_entropy(n, n), dps) - sp.Float(ref, dps)) < 10 ** -(dps - 5)
            assert abs(cf.two_spin_entropy_mp(n, n, dps=dps) - ref) < mpmath.mpf(10) ** -(dps - 5)
            assert abs(cf.two_spin_entropy_np(n, n) - float(ref)) < 1e-12


def test_two_spin_spectrum_equal_filling_symbolic() -> None:
    # Hand derivation (PRX Sec. VII): triplet-0 weight N/(2N-1), |↑↑>, |↓↓> weight (N-1)/(2(2N-1)) each, singlet 0.
    spectrum = cf.two_spin_spectrum(N, N)
    expected = [(N / (2 * N - 1), 1), ((N - 1) / (2 * (2 * N - 1)), 2), (sp.Integer(0), 1)]
    assert len(spectrum) == len(expected)
    for lam, g in expected:
        assert any(sp.simplify(lam - mu) == 0 and g == h for mu, h in spectrum)


def test_single_spin_is_maximally_mixed_at_equal_filling() -> None:
    half = sp.Rational(1, 2)
    assert cf.single_spin_rdm(N, N) == sp.diag(half, half)
    assert cf.single_spin_entropy(N, N) == LN2  # PRX Sec. VII: S_1 = ln 2
    assert cf.single_spin_entropy(N, N, base=2) == 1


def test_maximally_mixed_qubit_entropy_counts_multiplicity() -> None:
    # sympy.physics.quantum.density.entropy would give log(2)/2 here (it drops the multiplicity 2).
    assert cf.entropy_from_spectrum([(sp.Rational(1, 2), 2)]) == LN2
    assert cf.entropy_from_spectrum([(sp.Rational(1, 2), 1), (sp.Rational(1, 2), 1)]) == LN2
    assert cf.entropy_from_spectrum([(sp.Rational(1, 4), 4)], base=2) == 2
    assert cf.single_spin_entropy(1, 1) == LN2


# ----------------------------------------------------------------------------- RDMs and spectra


@pytest.mark.parametrize(("n_e", "n_fm"), [(0, 3), (1, 1), (1, 4), (2, 2), (3, 2), (2, 5), (5, 0)])
def test_rdms_equal_exact_brute_force(n_e: int, n_fm: int) -> None:
    """Exact rational partial traces of the enumerated Eq. 15 state, for every block of up to 3 spins."""
    n = n_e + n_fm
    for m in range(1, min(n, 3) + 1):
        expected = cf.block_rdm(n_e, n_fm, m)
        for keep in itertools.combinations(range(n), m):
            assert exact_rdm(n_e, n_fm, keep) == expected, (n_e, n_fm, keep)
    assert cf.single_spin_rdm(n_e, n_fm) == exact_rdm(n_e, n_fm, (0,))
    if n >= 2:
        assert cf.two_spin_rdm(n_e, n_fm) == exact_rdm(n_e, n_fm, (0, n - 1))


def test_two_spin_rdm_entries_symbolic() -> None:
    """Entries against binomial ratios P(config) = C(n-2, k-#up)/C(n, k), simplified by sympy."""
    k = sp.Symbol("k", integer=True, positive=True)
    f = sp.Symbol("f", integer=True, positive=True)
    n = k + f
    rho = cf.two_spin_rdm(k, f)

    def prob(ups: int) -> sp.Expr:
        return sp.combsimp(sp.binomial(n - 2, k - ups) / sp.binomial(n, k))

    expected = sp.Matrix(
        [
            [prob(2), 0, 0, 0],
            [0, prob(1), prob(1), 0],  # coherence <↑↓|ρ|↓↑> = P(↑↓)
            [0, prob(1), prob(1), 0],
            [0, 0, 0, prob(0)],
        ]
    )
    assert (rho - expected).applyfunc(sp.simplify) == sp.zeros(4, 4)


@pytest.mark.parametrize(("n_e", "n_fm"), [(k, f) for k in range(6) for f in range(6) if k + f >= 2])
def test_two_spin_spectrum_matches_sympy_eigenvals(n_e: int, n_fm: int) -> None:
    spectrum = cf.two_spin_spectrum(n_e, n_fm)
    assert dict(spectrum) == cf.two_spin_rdm(n_e, n_fm).eigenvals()
    assert sum(g for _, g in spectrum) == 4
    assert len({lam for lam, _ in spectrum}) == len(spectrum)  # merged: no repeated eigenvalue


def test_two_spin_spectrum_symbolic_matches_eigenvals() -> None:
    k = sp.Symbol("k", integer=True, positive=True)
    f = sp.Symbol("f", integer=True, positive=True)
    eig = cf.two_spin_rdm(k, f).eigenvals()
    spectrum = cf.two_spin_spectrum(k, f)
    assert sum(g for _, g in spectrum) == 4
    assert (0, 1) in spectrum  # the singlet: zero with multiplicity 1
    for lam, g in spectrum:
        assert sum(h for mu, h in eig.items() if sp.simplify(mu - lam) == 0) == g


def test_zero_eigenvalue_multiplicity_merges() -> None:
    # N_e = 1: P(↑↑) = 0 joins the singlet zero; N_e = 0: product state, three zeros.
    assert dict(cf.two_spin_spectrum(1, 4)) == {0: 2, sp.Rational(2, 5): 1, sp.Rational(3, 5): 1}
    assert dict(cf.two_spin_spectrum(0, 3)) == {0: 3, 1: 1}


@pytest.mark.parametrize(("n_e", "n_fm"), [(1, 2), (2, 2), (3, 4), (5, 2), (4, 4), (0, 5)])
def test_block_spectrum_hypergeometric(n_e: int, n_fm: int) -> None:
    n = n_e + n_fm
    for m in range(0, min(n, 5) + 1):
        spectrum = cf.block_spectrum(n_e, n_fm, m)
        assert sum(g for _, g in spectrum) == 2**m
        assert sum(g * lam for lam, g in spectrum) == 1
        weights: dict[Fraction, int] = {}
        for p in hypergeometric(n_e, n_fm, m).values():
            weights[p] = weights.get(p, 0) + 1
        weights[Fraction(0)] = weights.get(Fraction(0), 0) + 2**m - (m + 1)
        weights = {p: g for p, g in weights.items() if g}
        assert {Fraction(int(lam.p), int(lam.q)): g for lam, g in spectrum} == weights
        if m <= 3:
            assert dict(spectrum) == cf.block_rdm(n_e, n_fm, m).eigenvals()


def test_block_entropy_symmetry_and_purity() -> None:
    for n_e, n_fm in [(3, 4), (5, 2), (4, 4)]:
        n = n_e + n_fm
        assert cf.block_entropy(n_e, n_fm, 0) == 0
        assert cf.block_entropy(n_e, n_fm, n) == 0  # the whole Eq. 15 state is pure
        for m in range(1, n):
            a, b = cf.block_entropy(n_e, n_fm, m), cf.block_entropy(n_e, n_fm, n - m)
            assert abs(sp.N(a - b, 30)) < 1e-25
    assert cf.block_entropy(N, N, 1) == LN2


# ---------------------------------------------------------------------- mutual information, pairs


def test_mutual_information_same_for_every_pair_exact() -> None:
    """Every pair (e–e, e–FM, FM–FM) has the same exact RDM (brute force) and the code gives one value."""
    n_e, n_fm = 3, 3
    labels = [f"e{i}" for i in range(1, n_e + 1)] + [f"fm{i}" for i in range(1, n_fm + 1)]
    reference = exact_rdm(n_e, n_fm, (n_e, n_e + n_fm - 1))  # PRX pair: localized spins 1 and N_FM
    value = cf.mutual_information(n_e, n_fm)
    for (qa, la), (qb, lb) in itertools.combinations(enumerate(labels), 2):
        assert exact_rdm(n_e, n_fm, (qa, qb)) == reference
        assert sp.simplify(cf.mutual_information(n_e, n_fm, la, lb) - value) == 0
    # the same with symbolic N_e, N_FM
    k = sp.Symbol("k", integer=True, positive=True)
    f = sp.Symbol("f", integer=True, positive=True)
    sym = cf.mutual_information(k, f)
    for i, j in [("e1", "fm1"), ("e1", "e2"), (("fm", 1), ("fm", 2)), (1, "e3")]:
        assert sp.simplify(cf.mutual_information(k, f, i, j) - sym) == 0


def test_mutual_information_small_cases_by_hand() -> None:
    # (1, 1): (|↑↓> + |↓↑>)/√2, a pure two-qubit state with S_1 = ln 2: I = 2 ln 2.
    assert cf.mutual_information(1, 1, "e1", "fm1") == 2 * LN2
    # (2, 2) with Eq. 16 at N = 2: S_{1,2} = (2/3) ln(3/2) + (1/3) ln 6.
    expected = 2 * LN2 - (sp.Rational(2, 3) * sp.log(sp.Rational(3, 2)) + sp.log(6) / 3)
    assert abs(sp.N(cf.mutual_information(2, 2) - expected, 40)) < 1e-35


def test_mutual_information_equal_filling_decreases_to_ln2_over_2() -> None:
    """PRX Fig. 8: I(1|N_FM) for N_e = N_FM strictly decreasing towards ln 2/2 (N = 2..200)."""
    dps = 40
    values = [cf.mutual_information_mp(n, n, dps=dps) for n in range(2, 201)]
    with mpmath.workdps(dps):
        limit = mpmath.log(2) / 2
        assert all(a > b for a, b in itertools.pairwise(values))
        assert all(v > limit for v in values)
        # independent: 2 ln 2 - Eq. 16
        for n in (2, 7, 50, 200):
            assert abs(values[n - 2] - (2 * mpmath.log(2) - eq16_mp(n))) < mpmath.mpf(10) ** -(dps - 5)


# ----------------------------------------------------------------------------------- Meyer–Wallach


def test_meyer_wallach_prx_values() -> None:
    assert cf.meyer_wallach(8, 5) == sp.Rational(160, 169)  # PRX Fig. 7(b) setup, "slightly below 1"
    assert cf.meyer_wallach(N, N) == 1
    for n_e in range(0, 9):
        for n_fm in range(0, 9):
            if n_e + n_fm == 0:
                continue
            q = cf.meyer_wallach(n_e, n_fm)
            assert q == sp.Rational(4 * n_e * n_fm, (n_e + n_fm) ** 2)
            assert (q == 1) if n_e == n_fm else (q < 1)
    assert abs(cf.meyer_wallach_mp(8, 5, dps=30) - mpmath.mpf(160) / 169) < 1e-29  # 30 correct digits
    assert cf.meyer_wallach_np(8, 5) == pytest.approx(160 / 169, rel=1e-15)


# ------------------------------------------------------------------------------------------ limits


def test_limit_equal_filling_prints_log2_over_2() -> None:
    result = cf.mutual_information_limit()
    assert str(result) == "log(2)/2"
    assert result == sp.log(2) / 2


def test_limit_fixed_filling() -> None:
    p = sp.Symbol("p", positive=True)
    assert sp.simplify(cf.mutual_information_limit(p) - 2 * p * (1 - p) * LN2) == 0
    assert cf.mutual_information_limit(sp.Rational(1, 2)) == cf.mutual_information_limit()
    assert cf.mutual_information_limit(sp.Rational(1, 3)) == sp.Rational(4, 9) * LN2
    assert cf.mutual_information_limit(0.3) == sp.Rational(21, 50) * LN2
    spectrum = cf.two_spin_spectrum_limit(p)
    expected = [(1 - p) ** 2, 2 * p * (1 - p), p**2, 0]
    assert sorted(g for _, g in spectrum) == [1, 1, 1, 1]
    for lam in expected:
        assert any(sp.simplify(lam - mu) == 0 for mu, _ in spectrum)
    assert dict(cf.two_spin_spectrum_limit(sp.Rational(1, 2))) == {
        sp.Rational(1, 4): 2,
        sp.Rational(1, 2): 1,
        0: 1,
    }


def test_limit_fixed_filling_approached_numerically() -> None:
    """I(p n, (1-p) n) from mpmath converges to 2 p (1-p) ln 2 like 1/n (p = 1/3, 1/5)."""
    for num, den in [(1, 3), (1, 5)]:
        target = mpmath.mpf(2 * num * (den - num)) / den**2 * mpmath.log(2)
        devs = [abs(cf.mutual_information_mp(num * s, (den - num) * s, dps=30) - target) for s in (10**4, 10**5)]
        assert devs[0] < 1e-3
        assert 8 < devs[0] / devs[1] < 12  # a 1/n approach: tenfold size, tenfold smaller deviation


def test_series_first_order_by_hand() -> None:
    # λ1 = N/(2N-1) = 1/2 + x/4 + ..., 2 λ2 = 1/2 - x/4 + ..., dS = -Σ ln λ dλ = -(x/4) ln 2, so
    # I = 2 ln 2 - S = ln 2/2 + ln 2/(4N) + O(1/N²).
    assert sp.simplify(cf.mutual_information_series(1) - (LN2 / 2 + LN2 / (4 * N))) == 0
    assert cf.mutual_information_series(0) == cf.mutual_information_limit()


@pytest.mark.parametrize("order", [1, 2, 3])
def test_series_remainder_scales_as_next_order(order: int) -> None:
    """R(N) = I(N) - series_order(N), with I from mpmath at 50 digits, must scale as N^-(order+1)."""
    dps = 50
    series = cf.mutual_information_series(order)
    remainders = []
    for n in (10**3, 10**4, 10**5):
        exact = cf.mutual_information_mp(n, n, dps=dps)
        approx = mpmath.mpf(str(sp.N(series.subs(N, n), dps + 10)))
        remainders.append(exact - approx)
    for a, b in itertools.pairwise(remainders):
        # ratio 10^(order+1) up to O(1/N) = 1e-3 relative corrections; 2 % is ample and excludes neighbours
        assert b != 0
        assert abs(a / b / 10 ** (order + 1) - 1) < 0.02
    # and the remainder coefficient is the next series coefficient
    next_coeff = sp.N(cf.mutual_information_series(order + 1).subs(N, 1) - series.subs(N, 1), 30)
    assert abs(remainders[-1] * 10 ** (5 * (order + 1)) - mpmath.mpf(str(next_coeff))) < 1e-3


def test_mp_at_one_million_matches_series_and_is_fast() -> None:
    n = 10**6
    start = time.perf_counter()
    value = cf.mutual_information_mp(n, n, dps=40)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5  # measured ~1 ms; the spec demands "well under 1 s"
    # series through 1/N²; the O(1/N³) remainder has coefficient (2 + ln 2)/16 < 1, so |R| < 1e-18
    with mpmath.workdps(40):
        ln2 = mpmath.log(2)
        predicted = ln2 / 2 + ln2 / (4 * n) + (1 + ln2) / (8 * n**2)
        assert abs(value - predicted) < mpmath.mpf(10) ** -18
        assert value - ln2 / 2 > 0


# --------------------------------------------------------------------------- symbolic == numeric


@pytest.mark.parametrize(("n_e", "n_fm"), [(2, 2), (3, 1), (1, 6), (5, 3), (7, 7), (12, 4), (0, 6)])
def test_sympy_mp_np_twins_agree(n_e: int, n_fm: int) -> None:
    dps, tol = 30, mpmath.mpf(10) ** -25

    def close(expr: sp.Expr, mp_value: mpmath.mpf, np_value: float) -> None:
        exact = mpmath.mpf(str(sp.N(expr, dps + 10)))
        assert abs(exact - mp_value) < tol
        assert abs(float(exact) - float(np_value)) < 1e-12

    close(
        cf.single_spin_entropy(n_e, n_fm),
        cf.single_spin_entropy_mp(n_e, n_fm, dps),
        cf.single_spin_entropy_np(n_e, n_fm),
    )
    close(cf.two_spin_entropy(n_e, n_fm), cf.two_spin_entropy_mp(n_e, n_fm, dps), cf.two_spin_entropy_np(n_e, n_fm))
    i, j = (1, None) if n_fm >= 2 else ("e1", "e2") if n_e >= 2 else ("e1", "fm1")
    close(
        cf.mutual_information(n_e, n_fm, i, j),
        cf.mutual_information_mp(n_e, n_fm, dps, i=i, j=j),
        cf.mutual_information_np(n_e, n_fm),
    )
    close(cf.meyer_wallach(n_e, n_fm), cf.meyer_wallach_mp(n_e, n_fm, dps), cf.meyer_wallach_np(n_e, n_fm))
    for m in range(0, min(n_e + n_fm, 6) + 1):
        exact = mpmath.mpf(str(sp.N(cf.block_entropy(n_e, n_fm, m), dps + 10)))
        assert abs(exact - cf.block_entropy_mp(n_e, n_fm, m, dps)) < tol


@given(n_e=st.integers(0, 40), n_fm=st.integers(0, 40), data=st.data())
def test_block_entropy_mp_properties(n_e: int, n_fm: int, data: st.DataObject) -> None:
    """mpmath block entropies: equal to the exact Fraction-weight sum, symmetric S_m = S_{n-m}, m = 2 is S_{1,2}."""
    n = n_e + n_fm
    m = data.draw(st.integers(0, n))
    dps = 30
    value = cf.block_entropy_mp(n_e, n_fm, m, dps=dps)
    with mpmath.workdps(dps + 10):
        ref = -sum(
            mpmath.mpf(p.numerator) / p.denominator * mpmath.log(mpmath.mpf(p.numerator) / p.denominator)
            for p in hypergeometric(n_e, n_fm, m).values()
            if p
        )
    assert abs(value - ref) < mpmath.mpf(10) ** -(dps - 5)
    assert abs(value - cf.block_entropy_mp(n_e, n_fm, n - m, dps=dps)) < mpmath.mpf(10) ** -(dps - 5)
    if m == 2:
        assert abs(value - cf.two_spin_entropy_mp(n_e, n_fm, dps=dps)) < mpmath.mpf(10) ** -(dps - 5)
    if n >= 2:
        i_value = cf.mutual_information_mp(n_e, n_fm, dps=dps, i="e1", j="fm1") if n_e and n_fm else None
        if i_value is not None:
            s1 = cf.single_spin_entropy_mp(n_e, n_fm, dps=dps)
            assert -(mpmath.mpf(10) ** -(dps - 5)) < i_value < 2 * s1 + mpmath.mpf(10) ** -(dps - 5)


def test_block_entropy_mp_large_n_is_fast() -> None:
    n = 10**6
    start = time.perf_counter()
    s100 = cf.block_entropy_mp(n, n, 100, dps=30)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5  # O(m) work: measured ~2 ms for m = 100
    # a block of m spins at half filling: S_m -> (1/2) ln(π e m / 2) (Gaussian limit of the
    # hypergeometric weights with variance m/4 (1 - m/n)); for m = 100 the correction is O(1/m)
    gauss = mpmath.log(mpmath.pi * mpmath.e * 100 / 2 * (1 - mpmath.mpf(100) / (2 * n))) / 2
    assert abs(s100 - gauss) < 0.01


def test_base_argument() -> None:
    assert cf.two_spin_entropy(1, 1, base=2) == 0
    assert cf.mutual_information(1, 1, "e1", "fm1", base=2) == 2
    assert abs(cf.mutual_information_mp(1, 1, base=2, i="e1", j="fm1") - 2) < 1e-25
    assert cf.mutual_information_np(1, 1, base=2) == pytest.approx(2, abs=1e-14)
    in_bits = mpmath.mpf(str(sp.N(cf.block_entropy(3, 3, 3) / LN2, 40)))
    assert abs(cf.block_entropy_mp(3, 3, 3, base=2) - in_bits) < 1e-25


def test_vectorized_numpy_twin() -> None:
    n = np.arange(2, 200)
    values = cf.mutual_information_np(n, n)
    assert values.shape == n.shape
    assert np.all(np.diff(values) < 0)
    assert np.all(values > np.log(2) / 2)


# ------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: cf.single_spin_rdm(-1, 3), "n_e .* non-negative integer, got -1"),
        (lambda: cf.single_spin_rdm(2.0, 3), "n_e .* non-negative integer, got float"),
        (lambda: cf.single_spin_rdm(True, 3), "n_e .* bool"),
        (lambda: cf.single_spin_rdm(2, sp.Symbol("x")), "n_fm .* declared integer and non-negative"),
        (lambda: cf.single_spin_rdm(2, sp.Rational(1, 2)), "n_fm .* non-negative integer"),
        (lambda: cf.single_spin_rdm(0, 0), "single-spin RDM needs at least 1 spins"),
        (lambda: cf.two_spin_rdm(1, 0), "two-spin RDM needs at least 2 spins"),
        (lambda: cf.two_spin_entropy(0, 1), "two-spin entropy needs at least 2 spins"),
        (lambda: cf.two_spin_spectrum(0, 1), "needs at least 2 spins"),
        (lambda: cf.block_entropy(2, 2, 5), "m = 5 exceeds the number of spins"),
        (lambda: cf.block_entropy(2, 2, -1), "m must be non-negative"),
        (lambda: cf.block_rdm(2, 2, 1.0), "m must be a concrete non-negative integer"),
        (lambda: cf.block_entropy(N, N, N), "m must be a concrete"),
        (lambda: cf.mutual_information(3, 1), "spins i and j must be distinct"),
        (lambda: cf.mutual_information(3, 3, 2, 2), "must be distinct"),
        (lambda: cf.mutual_information(3, 3, "e2", ("e", 2)), "must be distinct"),
        (lambda: cf.mutual_information(3, 3, 4), "spin i = 4 is out of range"),
        (lambda: cf.mutual_information(3, 3, 0), "spin i = 0 is out of range"),
        (lambda: cf.mutual_information(3, 3, "e4"), "out of range: electron indices"),
        (lambda: cf.mutual_information(3, 3, "x1"), "spin label i = 'x1' not understood"),
        (lambda: cf.mutual_information(3, 3, ("q", 1)), "not understood"),
        (lambda: cf.mutual_information_limit(0), "strictly between 0 and 1"),
        (lambda: cf.mutual_information_limit(1), "strictly between 0 and 1"),
        (lambda: cf.mutual_information_limit(1.5), "strictly between 0 and 1"),
        (lambda: cf.mutual_information_limit(sp.Symbol("q", negative=True)), "strictly between 0 and 1"),
        (lambda: cf.mutual_information_limit("1/2"), "filling p must be"),
        (lambda: cf.two_spin_spectrum_limit(-0.1), "strictly between 0 and 1"),
        (lambda: cf.mutual_information_series(-1), "order must be a non-negative integer"),
        (lambda: cf.mutual_information_series(2, symbol="N"), "symbol must be a sympy Symbol"),
        (lambda: cf.single_spin_entropy(2, 2, base=1), "base must be a positive number other than 1"),
        (lambda: cf.single_spin_entropy(2, 2, base=-2), "base must be a positive number"),
        (lambda: cf.entropy_from_spectrum([(sp.Rational(1, 2), 1)]), "must sum to 1"),
        (lambda: cf.entropy_from_spectrum([(-1, 1), (2, 1)]), "non-negative"),
        (lambda: cf.entropy_from_spectrum([(1, 0)]), "multiplicity .* positive integer"),
        (lambda: cf.mutual_information_mp(N, N), "concrete non-negative integer"),
        (lambda: cf.mutual_information_mp(3, 3, dps=0), "dps .* positive integer"),
        (lambda: cf.mutual_information_mp(3, 1), "must be distinct"),
        (lambda: cf.two_spin_entropy_mp(1, 0), "needs at least 2 spins"),
        (lambda: cf.block_entropy_mp(3, 3, 7), "exceeds the number of spins"),
        (lambda: cf.meyer_wallach_mp(0, 0), "needs at least 1 spins"),
        (lambda: cf.mutual_information_np([2.0], [2]), "n_e must be .* integers"),
        (lambda: cf.mutual_information_np([2, -1], [2, 2]), "n_e must be non-negative"),
        (lambda: cf.mutual_information_np([1, 2], [0, 2]), "needs N_e \\+ N_FM >= 2"),
        (lambda: cf.spin_qubit(N, N, 1), "concrete"),
    ],
)
def test_bad_input_raises_value_error(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_symbolic_arguments_accepted() -> None:
    k = sp.Symbol("k", integer=True, nonnegative=True)
    assert cf.meyer_wallach(k, 2 * k + 1) == sp.factor(4 * k * (2 * k + 1) / (3 * k + 1) ** 2)
    assert cf.spin_qubit(3, 2, "fm2") == 4
    assert cf.spin_qubit(3, 2, "e1") == 0
    assert cf.spin_qubit(3, 2, 1) == 3


# ------------------------------------------------------------------------------ table printer


def test_table_printer(capsys) -> None:
    from entanglement import __main__ as table_module

    assert table_module.main() == 0
    out = capsys.readouterr().out
    assert "log(2)/2 = 0.346573590279973" in out  # ln 2 / 2 = 0.34657359027997264...
    assert all(f"Eq. {k}" in out for k in (13, 14, 16, 17))
    rows = {}
    for line in out.splitlines():
        fields = line.split()
        if fields and fields[0].rstrip("*").isdigit() and len(fields) == 6:
            rows[int(fields[0].rstrip("*"))] = [float(x) for x in fields[1:]]
    assert sorted(rows) == [*range(1, 11), 20, 50, 100, 1000, 10**6]
    for n, (s1, s2, mi, dev, q) in rows.items():
        assert s1 == pytest.approx(math.log(2), abs=1e-11)
        assert q == 1
        if n >= 2:  # Eq. 16 and Eq. 14, typed independently, at the 12 printed decimals
            assert s2 == pytest.approx(float(eq16_mp(n)), abs=1e-11)
            assert mi == pytest.approx(2 * math.log(2) - float(eq16_mp(n)), abs=1e-11)
            assert dev == pytest.approx(mi - math.log(2) / 2, rel=1e-5, abs=1e-11)
    assert rows[1][2] == pytest.approx(2 * math.log(2), abs=1e-11)  # (electron, spin) pair of a pure 2-qubit state
