"""Exact sympy forms of the PRX Eq. 15 superposition and of the two-electron spin states.

Kets are sums of ``TensorProduct``s of ``sympy.physics.quantum.spin.JzKet(1/2, ±1/2)``
(+1/2 = ↑, the first factor is qubit 0, as in :mod:`states.conventions`); vectors are
``sympy.Matrix`` columns in the package's basis order, equal entry by entry to the numeric arrays of
:mod:`states.superposition` and :mod:`states.pairs`.

Relation to sympy's coupled states. ``uncouple(JzKetCoupled(j, m, (1/2,)*n))`` (default coupling
scheme ((1, 2), (12, 3), ...), Condon–Shortley Clebsch–Gordan coefficients) returns a sum of
``TensorProduct``s whose *leftmost* factor is spin 1, i.e. our qubit 0, with m_i = +1/2 meaning ↑.
For the stretched value j = n/2 every Clebsch–Gordan coefficient is positive and the result is the
fully symmetric Dicke state with all amplitudes +1/√C, so
``stt_superposition_ket(N_e, N_FM) == uncouple(JzKetCoupled(n/2, N_e − n/2, (1/2,)*n))`` with
n = N_e + N_FM; for two spins j = 0 gives (|↑↓> − |↓↑>)/√2 (our singlet, same sign) and j = 1, m = 0
gives (|↑↓> + |↓↑>)/√2 (our triplet 0). The tests check all three.
"""

from __future__ import annotations

import itertools

import sympy
from sympy import Add, Expr, Integer, Matrix, Mul, Rational, S, sqrt
from sympy.physics.quantum.spin import JzKet
from sympy.physics.quantum.tensorproduct import TensorProduct

from states.conventions import DOWN, UP
from states.pairs import PAIR_SPIN_NAMES
from states.superposition import stt_sizes
from states.validation import is_integer

__all__ = [
    "MAX_SYMBOLIC_QUBITS",
    "ket_coefficients",
    "pair_spin_ket",
    "pair_spin_vector",
    "singlet_vector",
    "stt_superposition_ket",
    "stt_superposition_vector",
    "theta_spin_vector",
    "triplet_vector",
]

MAX_SYMBOLIC_QUBITS: int = 12
"""Largest n for the symbolic forms: binom(12, 6) = 924 terms and a 4096-entry Matrix stay quick."""

_HALF = Rational(1, 2)
_M_OF_BIT = {UP: _HALF, DOWN: -_HALF}
_BIT_OF_M = {value: key for key, value in _M_OF_BIT.items()}

Terms = dict[tuple[int, ...], Expr]
"""Amplitudes keyed by the tuple of local basis indices (0 = ↑, 1 = ↓), qubit 0 first."""


def _require(condition: bool, message: str, error: type[Exception] = ValueError) -> None:
    """Raise ``error(message)`` unless ``condition``: ``ValueError`` for a bad value, ``TypeError`` for a
    wrong type (the rule of :mod:`states.validation`)."""
    if not condition:
        raise error(message)


def _product_ket(bits: tuple[int, ...]) -> Expr:
    return TensorProduct(*(JzKet(_HALF, _M_OF_BIT[b]) for b in bits))


def _ket_from_terms(terms: Terms) -> Expr:
    return Add(*(amplitude * _product_ket(bits) for bits, amplitude in terms.items()))


def _vector_from_terms(terms: Terms, n_qubits: int) -> Matrix:
    vector = sympy.zeros(2**n_qubits, 1)
    for bits, amplitude in terms.items():  # one pass over the nonzero terms only
        vector[sum(b << (n_qubits - 1 - q) for q, b in enumerate(bits)), 0] = amplitude
    return vector


def _stt_terms(n_e: int, n_fm: int) -> tuple[Terms, int]:
    n_qubits, n_up = stt_sizes(n_e, n_fm)
    _require(
        n_qubits <= MAX_SYMBOLIC_QUBITS,
        f"n = {n_qubits} qubits is too many for the symbolic form (limit {MAX_SYMBOLIC_QUBITS}); "
        "use states.stt_superposition or states.DickeState",
    )
    amplitude = 1 / sqrt(Integer(sympy.binomial(n_qubits, n_up)))
    terms: Terms = {}
    for down_positions in itertools.combinations(range(n_qubits), n_qubits - n_up):  # C terms, not 2^n
        bits = [UP] * n_qubits
        for q in down_positions:
            bits[q] = DOWN
        terms[tuple(bits)] = amplitude
    return terms, n_qubits


def stt_superposition_ket(n_e: int, n_fm: int) -> Expr:
    """PRX Eq. 15 spin state as an exact sympy ket: Σ (1/√C) |m_1 ... m_n>, electrons first.

    Each term is a ``TensorProduct`` of ``JzKet(1/2, ±1/2)``; the sum runs over the C = binom(n, N_e)
    assignments with N_e spins +1/2. Equal to ``uncouple(JzKetCoupled(n/2, N_e − n/2, (1/2,)*n))``
    (see the module docstring for sympy's conventions).

    Parameters
    ----------
    n_e, n_fm : int
        N_e, N_FM >= 0 with 1 <= N_e + N_FM <= :data:`MAX_SYMBOLIC_QUBITS`.

    Returns
    -------
    sympy.Expr
    """
    terms, _ = _stt_terms(n_e, n_fm)
    return _ket_from_terms(terms)


def stt_superposition_vector(n_e: int, n_fm: int) -> Matrix:
    """PRX Eq. 15 spin state as an exact ``sympy.Matrix`` column of length 2^n (basis order of conventions).

    Equal to the numeric :func:`states.superposition.stt_superposition` entry by entry.
    """
    terms, n_qubits = _stt_terms(n_e, n_fm)
    return _vector_from_terms(terms, n_qubits)


def _theta(theta: object) -> Expr:
    try:
        value = sympy.sympify(theta)
    except (sympy.SympifyError, TypeError):
        raise TypeError(f"theta must be a real number or sympy expression, got {theta!r}") from None
    _require(
        isinstance(value, Expr) and value.is_real is not False and value.is_finite is not False,
        f"theta must be real and finite, got {theta!r}",
    )
    return value


def _pair_spin_terms(name: str, theta: object = None) -> Terms:
    message = f"unknown pair spin state {name!r}: use one of {list(PAIR_SPIN_NAMES)}"
    _require(isinstance(name, str), message, TypeError)
    _require(name in PAIR_SPIN_NAMES, message)
    if name == "theta":
        _require(theta is not None, "spin state 'theta' needs a value of theta")
    else:
        _require(theta is None, f"theta is only used with spin state 'theta', not {name!r}")
    r = 1 / sqrt(2)
    if name == "theta":
        return {(UP, DOWN): r, (DOWN, UP): -sympy.exp(sympy.I * _theta(theta)) * r}
    return {
        "singlet": {(UP, DOWN): r, (DOWN, UP): -r},
        "triplet+1": {(UP, UP): S.One},
        "triplet0": {(UP, DOWN): r, (DOWN, UP): r},
        "triplet-1": {(DOWN, DOWN): S.One},
    }[name]


def pair_spin_vector(name: str, theta: object = None) -> Matrix:
    """Exact twin of :func:`states.pairs.pair_spin_state`: a 4 × 1 ``sympy.Matrix`` in the order (↑↑, ↑↓, ↓↑, ↓↓).

    ``theta`` may be a sympy symbol (pair paper Eq. 8); it is required for ``"theta"`` only.
    """
    return _vector_from_terms(_pair_spin_terms(name, theta), 2)


def pair_spin_ket(name: str, theta: object = None) -> Expr:
    """The same state as :func:`pair_spin_vector` as a sum of ``TensorProduct``s of ``JzKet(1/2, ±1/2)``."""
    return _ket_from_terms(_pair_spin_terms(name, theta))


def singlet_vector() -> Matrix:
    """(|↑↓> − |↓↑>)/√2 exactly; twin of :func:`states.pairs.singlet`."""
    return pair_spin_vector("singlet")


def triplet_vector(m: int) -> Matrix:
    """Triplet with S^z quantum number m ∈ {+1, 0, −1} exactly; twin of :func:`states.pairs.triplet`."""
    message = f"triplet m must be one of +1, 0, -1, got {m!r}"
    _require(is_integer(m), message, TypeError)  # sympy.Integer is a numbers.Integral too
    _require(m in (1, 0, -1), message)
    return pair_spin_vector({1: "triplet+1", 0: "triplet0", -1: "triplet-1"}[int(m)])


def theta_spin_vector(theta: object) -> Matrix:
    """(|↑↓> − e^{iθ}|↓↑>)/√2 exactly (pair paper Eq. 8), θ a number or sympy expression."""
    return pair_spin_vector("theta", theta)


def ket_coefficients(ket: Expr) -> Terms:
    """Coefficients of a spin-1/2 product-basis ket, keyed by local basis indices (0 = ↑, 1 = ↓).

    Accepts any linear combination of ``TensorProduct``s of ``JzKet(1/2, ±1/2)`` (or of single
    ``JzKet``s), e.g. the output of ``sympy.physics.quantum.spin.uncouple``; the leftmost factor is
    qubit 0. Terms with the same basis state are summed; zero coefficients are dropped.
    """
    coefficients: Terms = {}
    for term in Add.make_args(sympy.expand(ket, tensorproduct=True)):
        factors = Mul.make_args(term)
        states = [f for f in factors if isinstance(f, (TensorProduct, JzKet))]
        _require(len(states) == 1, f"term {term} is not a number times one product ket")
        kets = states[0].args if isinstance(states[0], TensorProduct) else (states[0],)
        _require(
            all(isinstance(k, JzKet) and k.j == _HALF and k.m in _BIT_OF_M for k in kets),
            f"term {term} contains a factor that is not JzKet(1/2, ±1/2)",
        )
        bits = tuple(_BIT_OF_M[k.m] for k in kets)
        coefficient = Mul(*(f for f in factors if f is not states[0]))
        coefficients[bits] = coefficients.get(bits, S.Zero) + coefficient
    # expand() puts sums of numbers like √5/10 in canonical form, so an exact cancellation gives 0.
    return {bits: c for bits, c in ((b, sympy.expand(c)) for b, c in coefficients.items()) if c != 0}
