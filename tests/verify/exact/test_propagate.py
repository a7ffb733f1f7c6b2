"""Tests of the Chebyshev propagator :mod:`verify.exact.chebyshev` against independent routes.

Reference routes: exact diagonalization (dense ``eigh``, e^{−iλt/ħ} in the eigenbasis) and
``scipy.sparse.linalg.expm_multiply`` (Al-Mohy–Higham Taylor scheme). Tolerances:

* ``EXACT_ATOL = 1e-10`` on ‖ψ(t) − ψ_ref(t)‖ for unit ψ0: the Chebyshev truncation is bounded by
  ``tol = 1e-12`` per window (a handful of windows here) and the round-off of a few hundred
  recurrence steps is ~1e-13; the eigendecomposition reference itself carries ~n·ε·‖H‖·t ≈ 1e-12.
  1e-10 leaves two orders of margin while any real error (a wrong coefficient, a dropped term, a
  wrong window offset) is O(1e-2) or larger.
* ``EXPM_ATOL = 1e-9``: expm_multiply's own accuracy target is ~1e-12–1e-10 relative per step in
  double precision (its default tolerance is 2^-53 but its error estimate is not a bound).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from random_states import random_state
from scipy.sparse.linalg import expm_multiply
from scipy.special import jv

from verify.exact.chebyshev import ChebyshevStats, bessel_order, chebyshev_coefficients, evolve, lanczos_bounds

EXACT_ATOL = 1e-10
EXPM_ATOL = 1e-9


def random_hermitian(n: int, seed: int, density: float = 0.1, scale: float = 1.0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    a = sp.random(n, n, density=density, random_state=rng) + 1j * sp.random(n, n, density=density, random_state=rng)
    return sp.csr_matrix(scale * (a + a.conj().T))


def exact_evolution(h: np.ndarray, psi0: np.ndarray, times: np.ndarray, hbar: float = 1.0) -> np.ndarray:
    lam, vec = np.linalg.eigh(h)
    coeff = vec.conj().T @ psi0
    return np.array([vec @ (np.exp(-1j * lam * t / hbar) * coeff) for t in times])


def spectrum_bounds(h: sp.spmatrix) -> tuple[float, float]:
    lam = np.linalg.eigvalsh(h.toarray())
    return float(lam[0]), float(lam[-1])


def test_matches_exact_diagonalization_with_hbar_and_offset_spectrum():
    h = random_hermitian(120, 1) + 3.0 * sp.identity(120)  # spectrum not centred on 0
    psi0 = random_state(120, 2)
    hbar = 0.6582119569
    times = np.linspace(0.0, 12.0, 25)
    ref = exact_evolution(h.toarray(), psi0, times, hbar)
    got = list(evolve(lambda v: h @ v, psi0, times, bounds=spectrum_bounds(h), hbar=hbar))
    assert [t for t, _ in got] == pytest.approx(times.tolist(), abs=0)
    err = max(np.linalg.norm(psi - r) for (_, psi), r in zip(got, ref, strict=True))
    assert err < EXACT_ATOL


@pytest.mark.parametrize("block", [2, 3, 24])
@pytest.mark.parametrize("window", [0.3, 1.0, 7.0, None])
def test_window_and_block_choices_give_the_same_state(window, block):
    """Windows shorter than the output spacing (internal steps), several outputs per window, and
    GEMM blocks of 2 vectors (every block boundary exercised) all reproduce the exact result."""
    h = random_hermitian(80, 3)
    psi0 = random_state(80, 4)
    times = np.array([0.0, 0.0, 0.5, 2.0, 2.1, 6.0, 6.0, 9.5])  # duplicates and uneven gaps
    ref = exact_evolution(h.toarray(), psi0, times)
    got = list(evolve(lambda v: h @ v, psi0, times, bounds=spectrum_bounds(h), window=window, block=block))
    assert len(got) == len(times)
    err = max(np.linalg.norm(psi - r) for (_, psi), r in zip(got, ref, strict=True))
    assert err < EXACT_ATOL


def test_matches_expm_multiply_and_fast_path_matches_generic_path():
    h = random_hermitian(300, 5, density=0.03)
    psi0 = random_state(300, 6)
    times = np.linspace(0.0, 20.0, 41)
    ref = expm_multiply(-1j * h, psi0, start=0.0, stop=20.0, num=41, endpoint=True)

    def apply_affine(v, out, alpha, beta):
        out[...] = alpha * (h @ v) + beta * v

    stats = ChebyshevStats()
    generic = [psi for _, psi in evolve(lambda v: h @ v, psi0, times, bounds=spectrum_bounds(h), stats=stats)]
    fast = [
        psi for _, psi in evolve(lambda v: h @ v, psi0, times, bounds=spectrum_bounds(h), apply_affine=apply_affine)
    ]
    assert max(np.linalg.norm(g - r) for g, r in zip(generic, ref, strict=True)) < EXPM_ATOL
    assert max(np.linalg.norm(g - f) for g, f in zip(generic, fast, strict=True)) < 1e-12
    # cost: close to the floor a·t_max/ħ plus a tolerance margin per window
    lo, hi = stats.bounds
    floor = (hi - lo) / 2 * 20.0
    assert floor <= stats.n_matvec <= floor + 40 * stats.n_windows
    assert stats.truncation_bound < 1e-12 * stats.n_windows


def test_multidimensional_state_keeps_its_shape():
    h = random_hermitian(24, 7)
    psi0 = random_state(24, 8).reshape(2, 3, 4)
    out = list(evolve(lambda v: (h @ v.reshape(-1)).reshape(v.shape), psi0, [0.0, 1.0], bounds=spectrum_bounds(h)))
    assert all(psi.shape == (2, 3, 4) for _, psi in out)
    np.testing.assert_array_equal(out[0][1], psi0)  # t = 0 reproduces ψ0 exactly (T_0 only)
    ref = exact_evolution(h.toarray(), psi0.reshape(-1), np.array([1.0]))[0]
    assert np.linalg.norm(out[1][1].reshape(-1) - ref) < EXACT_ATOL


def test_yielded_arrays_are_not_reused():
    h = random_hermitian(30, 9)
    psi0 = random_state(30, 10)
    times = np.linspace(0, 5, 11)
    kept = [psi for _, psi in evolve(lambda v: h @ v, psi0, times, bounds=spectrum_bounds(h), window=1.0)]
    kept[0][:] = 0.0  # vandalize an early output: later ones must not change
    ref = exact_evolution(h.toarray(), psi0, times)
    assert max(np.linalg.norm(k - r) for k, r in zip(kept[1:], ref[1:], strict=True)) < EXACT_ATOL
    assert not any(np.shares_memory(a, b) for i, a in enumerate(kept) for b in kept[i + 1 :])


def test_violated_bounds_are_detected():
    h = random_hermitian(60, 11)
    lo, hi = spectrum_bounds(h)
    psi0 = random_state(60, 12)
    with pytest.raises(RuntimeError, match="not inside the given bounds"):
        list(evolve(lambda v: h @ v, psi0, [5.0], bounds=(lo / 2, hi / 2)))


@pytest.mark.parametrize("cut", [0.001, 0.005, 0.02, 0.05, 0.2])
@pytest.mark.parametrize("tau", [0.2, 1.0, 3.0])
def test_violated_bounds_never_give_a_silently_wrong_state(cut, tau):
    """Bounds that cut a fraction ``cut`` off the top of the spectrum: either a RuntimeError, or the
    result is still accurate (the Chebyshev series of an entire function converges slightly outside
    [−1, 1]; only the error bound is off by T_K(1 + δ), which the norm guard watches)."""
    h = random_hermitian(60, 16)
    lo, hi = spectrum_bounds(h)
    psi0 = random_state(60, 17)
    try:
        out = next(iter(evolve(lambda v: h @ v, psi0, [tau], bounds=(lo, hi - cut * (hi - lo)))))[1]
    except RuntimeError as exc:
        assert "not inside the given bounds" in str(exc) or "changed its norm" in str(exc)
        return
    assert np.linalg.norm(out - exact_evolution(h.toarray(), psi0, np.array([tau]))[0]) < EXACT_ATOL


def test_non_hermitian_h_is_detected():
    """exp(−iHt) of H = h + 0.01i is not unitary (‖ψ‖ grows by e^{0.01 t}): the unitarity check trips."""
    h = random_hermitian(60, 18)
    lo, hi = spectrum_bounds(h)
    skew = h + 0.01j * sp.identity(60)
    with pytest.raises(RuntimeError, match="changed its norm"):
        list(evolve(lambda v: skew @ v, random_state(60, 19), [2.0], bounds=(lo - 1, hi + 1)))


def test_lanczos_bounds_enclose_the_spectrum_and_are_used_by_default():
    for seed in range(5):
        h = random_hermitian(150, 20 + seed, density=0.05)
        lo, hi = spectrum_bounds(h)
        est_lo, est_hi = lanczos_bounds(lambda v, h=h: h @ v, (150,))
        assert est_lo <= lo and est_hi >= hi
        assert est_hi - est_lo < 3 * (hi - lo)  # not uselessly loose
    psi0 = random_state(150, 30)
    got = next(iter(evolve(lambda v: h @ v, psi0, [3.0])))[1]
    assert np.linalg.norm(got - exact_evolution(h.toarray(), psi0, np.array([3.0]))[0]) < EXACT_ATOL


def test_lanczos_bounds_on_a_small_invariant_subspace():
    """A 3-dimensional H: Lanczos terminates early and the Ritz values are the exact spectrum."""
    h = np.diag([-1.0, 0.5, 2.0]).astype(complex)
    lo, hi = lanczos_bounds(lambda v: h @ v, (3,), margin=0.0)
    assert lo == pytest.approx(-1.0, abs=1e-9) and hi == pytest.approx(2.0, abs=1e-9)


@pytest.mark.parametrize("z", [0.0, 0.3, 5.0, 40.0, 400.0])
@pytest.mark.parametrize("tol", [1e-6, 1e-12])
def test_bessel_order_is_the_smallest_sufficient_truncation(z, tol):
    k_trunc = bessel_order(z, tol)
    ks = np.arange(k_trunc + 1, k_trunc + 400)
    assert 2 * np.abs(jv(ks, z)).sum() <= tol
    if k_trunc > math.ceil(z):  # one order fewer would not do
        assert 2 * np.abs(jv(np.arange(k_trunc, k_trunc + 400), z)).sum() > tol


def test_chebyshev_coefficients_reproduce_a_scalar_exponential():
    """For a 1×1 'H' = λ the expansion must give e^{−iλτ/ħ} (Jacobi–Anger)."""
    center, half_width, hbar = 0.4, 2.0, 0.7
    taus = np.array([0.0, 0.3, 2.5])
    order = bessel_order(half_width * taus.max() / hbar, 1e-14)
    coef = chebyshev_coefficients(taus, order, center, half_width, hbar)
    for lam in (-1.6, 0.4, 2.4):
        x = (lam - center) / half_width
        cheb = np.cos(np.arange(order + 1) * np.arccos(x))
        np.testing.assert_allclose(coef @ cheb, np.exp(-1j * lam * taus / hbar), atol=1e-13)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"times": [1.0, 0.5]}, "non-decreasing"),
        ({"times": [-1.0]}, ">= 0"),
        ({"times": [np.nan]}, "finite"),
        ({"times": [[1.0]]}, "one-dimensional"),
        ({"bounds": (1.0, -1.0)}, "lo <= hi"),
        ({"bounds": (np.nan, 1.0)}, "finite"),
        ({"hbar": 0.0}, "hbar"),
        ({"tol": -1e-12}, "tol"),
        ({"block": 1}, "block"),
        ({"window": 0.0}, "window"),
    ],
)
def test_bad_input_raises_value_error(kwargs, message):
    h = random_hermitian(10, 13)
    args = {"times": [0.0, 1.0], "bounds": spectrum_bounds(h)} | kwargs
    times = args.pop("times")
    with pytest.raises(ValueError, match=message):
        list(evolve(lambda v: h @ v, random_state(10, 14), times, **args))


def test_bad_initial_state_raises_value_error():
    h = random_hermitian(4, 15)
    with pytest.raises(ValueError, match="empty"):
        list(evolve(lambda v: h @ v, np.zeros(0), [1.0], bounds=(-5, 5)))
    with pytest.raises(ValueError, match="non-finite"):
        list(evolve(lambda v: h @ v, np.array([np.inf, 0, 0, 0]), [1.0], bounds=(-5, 5)))


@given(
    n=st.integers(2, 40),
    seed=st.integers(0, 2**31 - 1),
    t1=st.floats(0.0, 6.0),
    t2=st.floats(0.0, 6.0),
    scale=st.floats(0.05, 5.0),
)
def test_unitarity_and_group_property(n, seed, t1, t2, scale):
    """‖ψ(t)‖ = ‖ψ0‖ and U(t1) U(t2) ψ0 = U(t1 + t2) ψ0 for random Hermitian H of any scale."""
    h = random_hermitian(n, seed, density=0.5, scale=scale)
    psi0 = random_state(n, seed + 1)
    bounds = spectrum_bounds(h)
    apply = lambda v: h @ v  # noqa: E731
    (_, psi_1), (_, psi_12) = evolve(apply, psi0, [t1, t1 + t2], bounds=bounds)
    (_, psi_then) = next(iter(evolve(apply, psi_1, [t2], bounds=bounds)))
    assert abs(np.linalg.norm(psi_12) - 1.0) < EXACT_ATOL
    assert np.linalg.norm(psi_then - psi_12) < EXACT_ATOL


def test_numbers_of_the_propagator_are_checked_by_type():
    h = random_hermitian(6, 3)
    psi0 = random_state(6, 4)
    for kwargs, name in (({"hbar": "1"}, "hbar"), ({"tol": True}, "tol"), ({"block": 4.0}, "block"),
                         ({"window": 1j}, "window")):
        with pytest.raises(TypeError, match=name):  # wrong types: TypeError (states.validation)
            list(evolve(lambda v: h @ v, psi0, [0.0, 1.0], bounds=spectrum_bounds(h), **kwargs))
    with pytest.raises(ValueError, match="tol"):
        list(evolve(lambda v: h @ v, psi0, [1.0], bounds=spectrum_bounds(h), tol=float("nan")))
    reference = [psi for _, psi in evolve(lambda v: h @ v, psi0, [1.0], bounds=spectrum_bounds(h))]
    numpy_args = [psi for _, psi in evolve(lambda v: h @ v, psi0, [1.0], bounds=spectrum_bounds(h),
                                           hbar=np.float64(1.0), tol=np.float64(1e-12), block=np.int64(24))]
    np.testing.assert_array_equal(numpy_args[0], reference[0])  # numpy scalars accepted, same arithmetic
    with pytest.raises(TypeError, match="z_max"):
        bessel_order("3", 1e-12)
    with pytest.raises(TypeError, match="n_steps"):
        lanczos_bounds(lambda v: h @ v, (6,), n_steps=20.0)
