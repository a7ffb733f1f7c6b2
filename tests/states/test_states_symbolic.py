"""Tests of the exact sympy forms against sympy's own coupled spin states and the numeric arrays.

Independent routes: ``sympy.physics.quantum.spin.uncouple`` of ``JzKetCoupled`` states (Clebsch–Gordan
algebra) for the kets; the numeric constructors of :mod:`states` for the vectors.
"""

import math

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Rational, S
from sympy.physics.quantum.spin import JzKet, JzKetCoupled, uncouple
from sympy.physics.quantum.tensorproduct import TensorProduct

from states import PAIR_SPIN_NAMES, pair_spin_state, singlet, stt_superposition, theta_spin_state, triplet
from states.symbolic import (
    ket_coefficients,
    pair_spin_ket,
    pair_spin_vector,
    singlet_vector,
    stt_superposition_ket,
    stt_superposition_vector,
    theta_spin_vector,
    triplet_vector,
)

HALF = Rational(1, 2)
# Exact sympy numbers converted to float are correctly rounded; the numeric 1/math.sqrt(C) may differ by
# one ulp, so compare with 2e-16 absolute on entries of size <= 1.
ATOL = 2e-16


def assert_same_coefficients(left: dict, right: dict) -> None:
    assert left.keys() == right.keys()
    for key in left:
        assert sympy.simplify(left[key] - right[key]) == 0, key


def as_complex(matrix: sympy.Matrix) -> np.ndarray:
    return np.array(matrix.evalf(30), dtype=complex).ravel()


@pytest.mark.parametrize(("n_e", "n_fm"), [(n_e, n - n_e) for n in range(2, 8) for n_e in range(n + 1)])
def test_stt_ket_equals_uncoupled_stretched_state(n_e, n_fm):
    n = n_e + n_fm
    coupled = JzKetCoupled(Rational(n, 2), n_e - Rational(n, 2), (HALF,) * n)
    assert_same_coefficients(ket_coefficients(stt_superposition_ket(n_e, n_fm)), ket_coefficients(uncouple(coupled)))


@pytest.mark.parametrize(("n_e", "n_fm"), [(n_e, n - n_e) for n in range(1, 9) for n_e in range(n + 1)])
def test_stt_ket_terms_and_vector(n_e, n_fm):
    n = n_e + n_fm
    count = math.comb(n, n_e)
    coefficients = ket_coefficients(stt_superposition_ket(n_e, n_fm))
    assert len(coefficients) == count
    assert all(bits.count(0) == n_e and len(bits) == n for bits in coefficients)  # N_e spins ↑ (index 0)
    assert set(coefficients.values()) == {1 / sympy.sqrt(count)}
    vector = stt_superposition_vector(n_e, n_fm)
    assert vector.shape == (2**n, 1)
    for bits, amplitude in coefficients.items():  # the ket and the vector place amplitudes identically
        assert vector[int("".join(map(str, bits)), 2), 0] == amplitude
    assert sum(1 for entry in vector if entry != 0) == count
    np.testing.assert_allclose(as_complex(vector), stt_superposition(n_e, n_fm), rtol=0, atol=ATOL)


def test_stt_ket_is_printable():
    text = str(stt_superposition_ket(1, 1))
    assert text == "sqrt(2)*|1/2,-1/2>x|1/2,1/2>/2 + sqrt(2)*|1/2,1/2>x|1/2,-1/2>/2"
    assert sympy.latex(stt_superposition_ket(1, 1)).count("{\\left|\\frac{1}{2},") == 4  # 2 terms × 2 kets


@pytest.mark.parametrize(
    ("name", "j", "m"), [("singlet", 0, 0), ("triplet+1", 1, 1), ("triplet0", 1, 0), ("triplet-1", 1, -1)]
)
def test_pair_kets_equal_sympy_coupled_states(name, j, m):
    # Same Condon–Shortley sign as sympy: singlet = (|↑↓> − |↓↑>)/√2, spin 1 leftmost.
    expected = ket_coefficients(uncouple(JzKetCoupled(j, m, (HALF, HALF))))
    assert_same_coefficients(ket_coefficients(pair_spin_ket(name)), expected)


@pytest.mark.parametrize("name", [n for n in PAIR_SPIN_NAMES if n != "theta"])
def test_pair_vectors_equal_numeric(name):
    np.testing.assert_allclose(as_complex(pair_spin_vector(name)), pair_spin_state(name), atol=ATOL)


def test_named_twins():
    np.testing.assert_allclose(as_complex(singlet_vector()), singlet(), atol=ATOL)
    for m in (1, 0, -1):
        np.testing.assert_allclose(as_complex(triplet_vector(m)), triplet(m), atol=ATOL)


def test_symbolic_theta_family():
    theta = sympy.Symbol("theta", real=True)
    vector = theta_spin_vector(theta)
    assert sympy.simplify((vector.H * vector)[0, 0]) == 1
    assert theta_spin_vector(0) == singlet_vector()
    assert theta_spin_vector(sympy.pi) == triplet_vector(0)
    assert vector.subs(theta, 0) == singlet_vector()
    assert pair_spin_vector("theta", theta) == vector
    # Pair paper Eq. 8 spin factor: <χ_θ|Pχ_θ> = −cos θ.
    swapped = sympy.Matrix([vector[0], vector[2], vector[1], vector[3]])
    assert sympy.simplify((vector.H * swapped)[0, 0] + sympy.cos(theta)) == 0
    ket = pair_spin_ket("theta", theta)
    assert ket_coefficients(ket)[(1, 0)] == -sympy.exp(sympy.I * theta) / sympy.sqrt(2)


@settings(max_examples=25)
@given(theta=st.floats(-7, 7, allow_nan=False))
def test_symbolic_theta_matches_numeric(theta):
    symbol = sympy.Symbol("theta", real=True)
    exact = theta_spin_vector(symbol).subs(symbol, sympy.Float(theta, 30))
    # 30-digit evaluation vs double-precision cos/sin: agreement to a few ulps.
    np.testing.assert_allclose(as_complex(exact), theta_spin_state(theta), atol=1e-15)


def test_ket_coefficients_combines_and_drops_terms():
    up, down = JzKet(HALF, HALF), JzKet(HALF, -HALF)
    ket = TensorProduct(up, down) / 2 + TensorProduct(up, down) / 2 + 3 * TensorProduct(down, down)
    ket -= 3 * TensorProduct(down, down)
    assert ket_coefficients(ket) == {(0, 1): S.One}
    assert ket_coefficients(TensorProduct(up + down, down)) == {(0, 1): S.One, (1, 1): S.One}


def test_symbolic_errors():
    with pytest.raises(ValueError, match="too many for the symbolic form"):
        stt_superposition_ket(7, 6)
    with pytest.raises(ValueError, match="too many for the symbolic form"):
        stt_superposition_vector(13, 0)
    with pytest.raises(ValueError, match="n_e must be an integer >= 0"):
        stt_superposition_ket(-1, 2)
    with pytest.raises(ValueError, match="at least 1"):
        stt_superposition_vector(0, 0)
    with pytest.raises(ValueError, match="unknown pair spin state 'quartet'"):
        pair_spin_vector("quartet")
    with pytest.raises(ValueError, match="needs a value of theta"):
        pair_spin_ket("theta")
    with pytest.raises(ValueError, match="theta is only used with spin state 'theta'"):
        pair_spin_vector("triplet0", theta=1)
    with pytest.raises(ValueError, match="theta must be real and finite"):
        theta_spin_vector(sympy.I)
    with pytest.raises(ValueError, match="theta must be real and finite"):
        theta_spin_vector(sympy.oo)
    with pytest.raises(TypeError, match="theta must be a real number or sympy expression"):  # wrong type
        theta_spin_vector(object())
    with pytest.raises(ValueError, match="triplet m must be one of"):
        triplet_vector(2)
    for bad in (True, 1.0, "1"):  # wrong types: TypeError (states.validation rule)
        with pytest.raises(TypeError, match="triplet m must be one of"):
            triplet_vector(bad)
    assert triplet_vector(np.int64(1)) == triplet_vector(sympy.Integer(1)) == pair_spin_vector("triplet+1")
    with pytest.raises(TypeError, match="unknown pair spin state 0"):
        pair_spin_vector(0)
    with pytest.raises(ValueError, match=r"not JzKet\(1/2, ±1/2\)"):
        ket_coefficients(TensorProduct(JzKet(1, 0), JzKet(HALF, HALF)))
    with pytest.raises(ValueError, match="is not a number times one product ket"):
        ket_coefficients(sympy.Symbol("x"))
