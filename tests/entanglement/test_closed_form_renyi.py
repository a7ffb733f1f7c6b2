"""Rényi entropies, Rényi and block mutual information of the PRX Eq. 15 state (issue #16 item 3).

Independent routes: the dense Eq. 15 vector (``states.stt_superposition``, electrons first), reduced by
the package's ``partial_trace`` and measured by the numeric ``renyi_entropy`` (brute force, every
N_e + N_FM <= 8); mpmath at large N for limits and series; sympy ``limit``/``simplify`` for exactness.

Tolerances: brute force ``TOL = 1e-10`` absolute, as in test_closed_form_vs_numeric.py (dense RDM
round-off ~1e-13; the numeric ``renyi_entropy`` sets round-off eigenvalues to exactly 0 first, so at
α = 1/2 no spurious 1e-16 eigenvalue contributes its square root). Limits at N = 10**8: the first
correction is c/N with |c| < 1 (see the series), so 1e-7 leaves a 10x margin. Series of order 2 at
N = 10**3 and 10**4: the remainder is O(N^-3) with a coefficient below 1, so 1e-6 (N/10**3)^-3.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import time

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import entanglement as ent
import states
from entanglement import closed_form as cf
from entanglement._closed_form_core import tidy_log_on

TOL = 1e-10
ALPHAS = (sp.Rational(1, 2), 1, 2, 3)  # alpha = 1 is allowed: the von Neumann entropy
SYSTEMS = [(k, n - k) for n in range(2, 9) for k in range(n + 1)]
ALPHA = sp.Symbol("alpha", positive=True)
P = sp.Symbol("p", positive=True)
N = sp.Symbol("N", integer=True, positive=True)


def renyi(rho: np.ndarray, alpha: object) -> float:
    return ent.renyi_entropy(rho, float(alpha))


def edge_labels(n_e: int, n_fm: int) -> tuple[str, str, int, int]:
    """The first and last qubit of the dense vector as spin labels (electrons first)."""
    first = "e1" if n_e else "fm1"
    last = f"fm{n_fm}" if n_fm else f"e{n_e}"
    return first, last, 0, n_e + n_fm - 1


@pytest.fixture(scope="module")
def dense_states() -> dict[tuple[int, int], np.ndarray]:
    return {(k, f): states.stt_superposition(k, f) for k, f in SYSTEMS}


# ------------------------------------------------------------------------------- brute force


def test_block_renyi_entropies_match_brute_force(dense_states):
    worst = 0.0
    for (k, f), psi in dense_states.items():
        n = k + f
        for m in range(1, n):
            rho = ent.partial_trace(psi, list(range(m)))  # a block mixing electrons and localized spins
            spectrum = cf.block_spectrum(k, f, m)  # block_entropy = entropy_from_spectrum(block_spectrum): built once
            for alpha in ALPHAS:
                exact = float(cf.entropy_from_spectrum(spectrum, alpha=alpha))
                worst = max(worst, abs(exact - renyi(rho, alpha)))
            assert cf.block_entropy(k, f, m, alpha=2) == cf.entropy_from_spectrum(spectrum, alpha=2)
    assert worst < TOL, worst


def test_renyi_mutual_information_matches_brute_force(dense_states):
    worst = 0.0
    for (k, f), psi in dense_states.items():
        i, j, qi, qj = edge_labels(k, f)
        rho_i, rho_j = ent.partial_trace(psi, [qi]), ent.partial_trace(psi, [qj])
        rho_ij = ent.partial_trace(psi, [qi, qj])
        for alpha in ALPHAS:
            brute = renyi(rho_i, alpha) + renyi(rho_j, alpha) - renyi(rho_ij, alpha)
            worst = max(worst, abs(float(cf.renyi_mutual_information(k, f, alpha, i, j)) - brute))
    assert worst < TOL, worst


def test_block_mutual_information_matches_brute_force(dense_states):
    worst = 0.0
    for (k, f), psi in dense_states.items():
        n = k + f
        for m_a, m_b in ((1, 2), (2, 2), (2, 3)):
            if m_a + m_b > n:
                continue
            a, b = list(range(m_a)), list(range(n - m_b, n))  # leading and trailing blocks
            rho_a, rho_b = ent.partial_trace(psi, a), ent.partial_trace(psi, b)
            rho_ab = ent.partial_trace(psi, a + b)
            for alpha in (1, 2):
                brute = renyi(rho_a, alpha) + renyi(rho_b, alpha) - renyi(rho_ab, alpha)
                worst = max(worst, abs(float(cf.block_mutual_information(k, f, m_a, m_b, alpha=alpha)) - brute))
    assert worst < TOL, worst


def test_mpmath_twins_match_sympy():
    with mpmath.workdps(40):  # the comparison itself must run above the 25 digits compared
        _compare_mpmath_twins()


def _compare_mpmath_twins() -> None:
    for k, f in ((3, 5), (8, 8), (1, 7)):
        for alpha in (sp.Rational(1, 2), 2, 3):
            exact = sp.N(cf.renyi_mutual_information(k, f, alpha), 30)
            assert abs(mpmath.mpf(str(exact)) - cf.renyi_mutual_information_mp(k, f, alpha, dps=25)) < 1e-20
            exact_block = sp.N(cf.block_entropy(k, f, 3, alpha=alpha), 30)
            assert abs(mpmath.mpf(str(exact_block)) - cf.block_entropy_mp(k, f, 3, dps=25, alpha=alpha)) < 1e-20
    assert cf.renyi_mutual_information_mp(4, 4, 1, dps=20) == cf.mutual_information_mp(4, 4, dps=20)


# ------------------------------------------------------------------------------------- limits


def test_alpha2_limit_is_log_three_halves_exactly():
    limit = cf.renyi_mutual_information_limit(2)
    assert sp.simplify(limit - sp.log(sp.Rational(3, 2))) == 0
    assert str(limit) == "log(3/2)"


def test_limit_closed_form_in_alpha():
    limit = cf.renyi_mutual_information_limit(ALPHA)
    assert sp.simplify(limit - sp.log(4 / (2**ALPHA + 2)) / (1 - ALPHA)) == 0
    # alpha -> 1 gives the von Neumann limit ln 2 / 2 of PRX Eq. 17, and alpha = 1 is that limit
    assert sp.simplify(sp.limit(limit, ALPHA, 1) - sp.log(2) / 2) == 0
    assert cf.renyi_mutual_information_limit(1) == cf.mutual_information_limit() == sp.log(2) / 2
    for alpha in (2, 3, 5):
        assert sp.simplify(limit.subs(ALPHA, alpha) - cf.renyi_mutual_information_limit(alpha)) == 0
    for alpha in (sp.Rational(1, 2), sp.Rational(7, 3)):  # nested radicals: sympy.simplify cannot decide
        difference = limit.subs(ALPHA, alpha) - cf.renyi_mutual_information_limit(alpha)
        assert abs(sp.N(difference, 50)) < 1e-45
    assert sp.limit(limit, ALPHA, sp.oo) == sp.log(2)


def test_limits_against_large_n():
    for alpha in (sp.Rational(1, 2), 2, 3):
        limit = float(cf.renyi_mutual_information_limit(alpha))
        assert abs(limit - float(cf.renyi_mutual_information_mp(10**8, 10**8, alpha, dps=25))) < 1e-7
    # fixed filling p = 1/4: N_e = n/4, N_FM = 3n/4
    for alpha in (1, 2):
        limit = float(cf.renyi_mutual_information_limit(alpha, sp.Rational(1, 4)))
        assert abs(limit - float(cf.renyi_mutual_information_mp(10**8, 3 * 10**8, alpha, dps=25))) < 1e-7
    assert abs(float(cf.block_entropy_limit(3, alpha=2)) - float(cf.block_entropy_mp(10**8, 10**8, 3, alpha=2))) < 1e-7


def test_fixed_filling_limit_in_p_and_physicist_form():
    general = cf.renyi_mutual_information_limit(2, P)
    assert sp.simplify(general.subs(P, sp.Rational(1, 2)) - sp.log(sp.Rational(3, 2))) == 0
    assert sp.simplify(cf.renyi_mutual_information_limit(1, P) - 2 * P * (1 - P) * sp.log(2)) == 0
    assert tidy_log_on(sp.log(P**2 - 2 * P + 1), P) == 2 * sp.log(1 - P)
    assert str(cf.block_entropy_limit(1, P)) == "-p*log(p) - (1 - p)*log(1 - p)"
    assert "Abs" not in str(cf.renyi_mutual_information_limit(ALPHA, P))


def test_block_limits():
    assert cf.block_mutual_information_limit(1, 1) == sp.log(2) / 2
    assert cf.block_entropy_limit(2) == 3 * sp.log(2) / 2  # binomial(2, 1/2) spectrum (1/4, 1/2, 1/4)
    for m_a, m_b in ((1, 2), (2, 2)):
        limit = float(cf.block_mutual_information_limit(m_a, m_b, alpha=2))
        big = [cf.block_entropy_mp(10**8, 10**8, m, alpha=2) for m in (m_a, m_b, m_a + m_b)]
        assert abs(limit - float(big[0] + big[1] - big[2])) < 1e-7


# ------------------------------------------------------------------------------------- series


def test_large_n_series_against_exact():
    series = cf.renyi_mutual_information_series(2, order=2)
    assert str(series) == "log(3/2) + 1/(3*N) + 13/(36*N**2)"
    for big in (10**3, 10**4):
        exact = float(cf.renyi_mutual_information_mp(big, big, 2, dps=25))
        assert abs(float(series.subs(N, big)) - exact) < 1e-7 * (10**3 / big) ** 3 * 10
    assert cf.renyi_mutual_information_series(1, order=2) == cf.mutual_information_series(order=2)


def test_symbolic_alpha_series_reduces_to_von_neumann():
    series = cf.renyi_mutual_information_series(ALPHA, order=1)
    first = series.coeff(N, -1)
    assert sp.simplify(sp.limit(first, ALPHA, 1) - sp.log(2) / 4) == 0  # ln 2/(4N), PRX Eq. 16 expanded


def test_fixed_filling_series_against_exact():
    n = sp.Symbol("n", integer=True, positive=True)
    series = cf.renyi_mutual_information_series(1, order=1, p=sp.Rational(1, 3))
    assert series == 4 * sp.log(2) / 9 + 4 * sp.log(2) / (9 * n)
    total = 3 * 10**4  # N_e = n/3, N_FM = 2n/3; remainder O(n^-2) ~ 1e-9
    exact = float(cf.mutual_information_mp(total // 3, 2 * total // 3, dps=25))
    assert abs(float(series.subs(n, total)) - exact) < 1e-8


# ------------------------------------------------------------------------- Hypothesis properties

counts = st.tuples(st.integers(0, 40), st.integers(0, 40)).filter(lambda c: c[0] + c[1] >= 2)


@given(counts, st.data())
def test_renyi_entropies_nonincreasing_in_alpha_and_complementary(c, data):
    k, f = c
    n = k + f
    m = data.draw(st.integers(1, min(n - 1, 12)))
    orders = (sp.Rational(1, 3), sp.Rational(1, 2), 1, 2, 3)
    values = [cf.block_entropy_mp(k, f, m, dps=20, alpha=a) for a in orders]
    assert all(x >= y - 1e-15 for x, y in itertools.pairwise(values))
    if n - m <= 12:  # S_alpha(A) = S_alpha(B) for the pure state's complementary blocks (Schmidt)
        for alpha in (sp.Rational(1, 2), 2):
            difference = cf.block_entropy(k, f, m, alpha=alpha) - cf.block_entropy(k, f, n - m, alpha=alpha)
            assert abs(difference.evalf(30)) < 1e-25


@given(counts)
def test_renyi2_mutual_information_nonnegative(c):
    # Not a theorem for general states (Rényi MI can be negative, see below). For the Eq. 15 state,
    # n^2 (n-1)^2 [Tr ρ_2^2 - (Tr ρ_1^2)^2] = 2 k f (k^3 (f-1) + f^3 (k-1) + 2k^2 f^2 + k^2 f + k f^2
    # + k^2 + f^2) >= 0 for integers k, f >= 0 (checked symbolically in the next test), so I_2 >= 0.
    k, f = c
    assert cf.renyi_mutual_information_mp(k, f, 2, dps=20) >= -1e-18


def test_renyi2_nonnegativity_proof_and_alpha3_counterexample():
    k, f = sp.symbols("k f", nonnegative=True)
    n = k + f
    two_spin = k**2 * (k - 1) ** 2 + 4 * k**2 * f**2 + f**2 * (f - 1) ** 2  # n^2 (n-1)^2 Tr ρ_2^2
    difference = n**2 * two_spin - (k**2 + f**2) ** 2 * (n - 1) ** 2
    claimed = 2 * k * f * (k**3 * (f - 1) + f**3 * (k - 1) + 2 * k**2 * f**2 + k**2 * f + k * f**2 + k**2 + f**2)
    assert sp.expand(difference - claimed) == 0
    # alpha = 3: the Rényi MI of the Eq. 15 state is negative for N_e = 1, N_FM = 6
    assert cf.renyi_mutual_information(1, 6, 3).evalf() < -0.01


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("alpha", ["2", True, 1 + 1j, None, [2]])
def test_alpha_of_wrong_type_is_type_error(alpha):
    with pytest.raises(TypeError, match="alpha"):
        cf.renyi_mutual_information(3, 3, alpha)


@pytest.mark.parametrize("alpha", [0, -1, 0.0, float("nan"), float("inf"), sp.oo, sp.Symbol("a")])
def test_alpha_of_bad_value_is_value_error(alpha):
    with pytest.raises(ValueError, match="alpha"):
        cf.renyi_mutual_information_limit(alpha)


def test_cost_guards_refuse_fast():
    start = time.perf_counter()
    with pytest.raises(ValueError, match="max_spins"):
        cf.block_mutual_information(100, 100, 40, 40)
    with pytest.raises(ValueError, match="max_spins"):
        cf.block_entropy_limit(10**6)
    with pytest.raises(ValueError, match="max_order"):
        cf.renyi_mutual_information_series(2, order=10**6)
    with pytest.raises(ValueError, match="exceeds"):
        cf.block_mutual_information(2, 2, 3, 2)
    with pytest.raises(TypeError):
        cf.block_mutual_information(2, 2, 1.5, 1)
    with pytest.raises(ValueError, match="symbol"):
        cf.renyi_mutual_information_mp(3, 3, ALPHA)
    assert time.perf_counter() - start < 1.0


BAD_ARGUMENTS = (
    ["--alpha", "0"],
    ["--alpha", "x"],
    ["--n-e", "3"],
    ["--n-e", "1", "--n-fm", "0"],
    ["--n-e", "-2", "--n-fm", "1"],
    ["--n-e", "2.5", "--n-fm", "1"],
)


def test_cli_renyi_report_help_and_errors(capsys):
    from entanglement.__main__ import main, renyi_report

    report = renyi_report(3, 3, "2")
    assert "log(44/25)" in report and "log(3/2)" in report
    assert main(["--n-e", "3", "--n-fm", "3", "--alpha", "1/2"]) == 0
    assert main(["--alpha", "2"]) == 0 and "log(3/2) + 1/(3*N)" in capsys.readouterr().out
    for bad in BAD_ARGUMENTS:
        with pytest.raises(SystemExit) as exit_info:
            main(bad)
        error = capsys.readouterr().err
        assert exit_info.value.code == 2 and len(error.strip().splitlines()) == 1, (bad, error)
    done = subprocess.run([sys.executable, "-m", "entanglement", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "--alpha" in done.stdout and "--n-e" in done.stdout
