"""Input validation shared by :mod:`entanglement.closed_form` and its mpmath/numpy twins.

Every public function of the closed-form layer funnels its arguments through these helpers, so the
error messages (always :class:`ValueError`, naming the offending argument) are uniform.

Symbolic arguments are accepted when sympy can tell they are integers and non-negative (e.g.
``Symbol("N", integer=True, positive=True)``). A constraint that sympy cannot decide for a symbolic
argument (``n >= 2`` for ``N_e = k``, ``N_FM = 0`` with ``k`` merely non-negative) is accepted: the
symbolic formulas are then valid wherever the constraint holds. A constraint that is provably
violated is always rejected.
"""

from __future__ import annotations

import numbers
import re

import sympy as sp

from states.validation import is_real

SpinLabel = int | str | tuple[str, int] | sp.Expr
"""A spin of the PRX Eq. 15 state: see :func:`spin_position`."""

MAX_RDM_SPINS = 8
"""Largest block size m of :func:`~entanglement.closed_form.block_rdm` (a 2^m x 2^m sympy matrix: m = 8 takes ~1 s);
raised with the keyword ``max_spins=``."""
MAX_SPECTRUM_SPINS = 64
"""Largest block size m of the sympy ``block_spectrum`` / ``block_entropy`` for concrete counts (m + 1
eigenvalues, each a product of m factors, merged pairwise: m = 40 takes ~0.1 s); keyword ``max_spins=``."""
MAX_SYMBOLIC_SPINS = 8
"""The same for symbolic counts (sympy factors m + 1 rational functions: m = 8 takes ~2 s)."""
MAX_MP_BLOCK_SPINS = 10_000
"""Largest block size m of :func:`~entanglement.closed_form.block_entropy_mp` (O(m) multiplications at the
working precision: m = 10^4 takes ~1 s for N = 10^9); keyword ``max_spins=``."""
MAX_DPS = 10_000
"""Largest working precision (decimal digits: ``dps`` plus the guard digits 10 + digits(N)) of the mpmath twins
(a logarithm at 10^4 digits takes ~0.1 s, at 10^5 ~10 s); keyword ``max_dps=``."""
MAX_SERIES_ORDER = 12
"""Largest ``order`` of :func:`~entanglement.closed_form.mutual_information_series` (sympy series: order 12
takes ~5 s, the time grows steeply beyond); keyword ``max_order=``."""

_LABEL_RE = re.compile(r"^\s*(e|fm)\s*(\d+)\s*$", re.IGNORECASE)


def as_count(value: object, name: str) -> sp.Expr:
    """Return ``value`` as a sympy non-negative integer (number or integer-declared expression).

    Raises
    ------
    ValueError
        If ``value`` is a bool, a float, negative, or a sympy expression not declared integer and
        non-negative.
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a non-negative integer, got the bool {value!r}")
    if isinstance(value, numbers.Integral):  # int, numpy integers
        if int(value) < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {int(value)}")
        return sp.Integer(int(value))
    if isinstance(value, sp.Expr):
        if value.is_Number:
            if value.is_Integer and value >= 0:
                return value
            raise ValueError(f"{name} must be a non-negative integer, got the sympy number {value!r}")
        if value.is_integer and value.is_nonnegative:
            return value
        raise ValueError(
            f"{name} must be a non-negative integer or a sympy expression declared integer and non-negative "
            f"(e.g. Symbol('N', integer=True, positive=True)); got {value!r} "
            f"(is_integer={value.is_integer}, is_nonnegative={value.is_nonnegative})"
        )
    raise ValueError(f"{name} must be a non-negative integer, got {type(value).__name__} {value!r}")


def as_concrete_count(value: object, name: str) -> int:
    """Return ``value`` as a Python ``int >= 0``; symbols are rejected (numeric evaluation needs numbers)."""
    v = as_count(value, name)
    if not v.is_Integer:
        raise ValueError(f"{name} must be a concrete non-negative integer for numeric evaluation, got {v!r}")
    return int(v)


def provably(relation: sp.Basic) -> bool:
    """True if sympy evaluates ``relation`` to ``true`` (undecidable relations count as False)."""
    return relation is sp.true or relation is True


def require_spins(n_e: sp.Expr, n_fm: sp.Expr, minimum: int, what: str) -> sp.Expr:
    """Return ``n = N_e + N_FM`` after checking that ``n >= minimum`` is not provably false."""
    n = n_e + n_fm
    if provably(sp.Lt(n, minimum)):
        raise ValueError(f"{what} needs at least {minimum} spins in total, but N_e + N_FM = {n_e} + {n_fm} = {n}")
    return n


def as_block_size(m: object, n: sp.Expr) -> int:
    """Return the block size ``m`` as an int with ``0 <= m <= n`` (m must be concrete)."""
    if isinstance(m, bool) or not isinstance(m, numbers.Integral | sp.Integer):
        raise ValueError(f"block size m must be a concrete non-negative integer, got {type(m).__name__} {m!r}")
    mi = int(m)
    if mi < 0:
        raise ValueError(f"block size m must be non-negative, got {mi}")
    if provably(sp.Gt(mi, n)):
        raise ValueError(f"block size m = {mi} exceeds the number of spins N_e + N_FM = {n}")
    return mi


def spin_position(label: object, n_e: sp.Expr, n_fm: sp.Expr, name: str) -> tuple[str, sp.Expr]:
    """Parse a spin label into ``(kind, index)`` with kind ``"e"`` (electron) or ``"fm"`` (localized spin).

    Labels (1-based, as in PRX Eqs. 13–15):

    * an integer (or integer sympy expression) ``i``: localized spin ``i`` (PRX Eq. 14 numbering, 1..N_FM);
    * a string ``"e3"`` / ``"fm2"``: electron 3 / localized spin 2;
    * a tuple ``("e", 3)`` / ``("fm", 2)``.

    In the dense vector of :func:`states.stt_superposition` electron ``i`` is qubit ``i - 1`` and
    localized spin ``i`` is qubit ``N_e + i - 1``.
    """
    if isinstance(label, str):
        match = _LABEL_RE.match(label)
        if match is None:
            raise ValueError(f"spin label {name} = {label!r} not understood: use e.g. 'e1' (electron) or 'fm2'")
        kind, index = match.group(1).lower(), sp.Integer(int(match.group(2)))
    elif isinstance(label, tuple):
        if len(label) != 2 or not isinstance(label[0], str) or label[0].lower() not in ("e", "fm"):
            raise ValueError(f"spin label {name} = {label!r} not understood: use ('e', i) or ('fm', i)")
        kind, index = label[0].lower(), as_count(label[1], f"index of spin {name}")
    else:
        kind, index = "fm", as_count(label, f"spin {name}")
    count = n_e if kind == "e" else n_fm
    what = "electron" if kind == "e" else "localized spin"
    if provably(sp.Lt(index, 1)) or provably(sp.Gt(index, count)):
        raise ValueError(
            f"spin {name} = {label!r} is out of range: {what} indices run from 1 to "
            f"{'N_e' if kind == 'e' else 'N_FM'} = {count}"
        )
    return kind, index


def require_distinct(a: tuple[str, sp.Expr], b: tuple[str, sp.Expr]) -> None:
    """Raise if the two parsed spin positions are provably the same spin."""
    if a[0] == b[0] and sp.simplify(a[1] - b[1]) == 0:
        what = "electron" if a[0] == "e" else "localized spin"
        raise ValueError(
            f"spins i and j must be distinct, but both are {what} {a[1]} "
            "(with N_FM = 1 pass an electron, e.g. i='e1', j='fm1')"
        )


def as_fraction(p: object) -> sp.Expr:
    """Return the filling ``p = N_e/(N_e + N_FM)`` as a sympy object, checking ``0 < p < 1``.

    Python floats are converted to the nearest short rational (``0.3 -> 3/10``) so that the
    closed forms stay exact.
    """
    if isinstance(p, bool):
        raise ValueError(f"filling p must be a number in (0, 1), got the bool {p!r}")
    if isinstance(p, float):
        if p != p or p in (float("inf"), float("-inf")):  # NaN or inf: nsimplify would give nan/oo
            raise ValueError(f"filling p must be a finite number in (0, 1), got {p!r}")
        p = sp.nsimplify(p, rational=True)
    try:
        value = sp.sympify(p, strict=True)
    except (sp.SympifyError, TypeError):
        raise ValueError(f"filling p must be a number or sympy expression in (0, 1), got {p!r}") from None
    if not isinstance(value, sp.Expr) or value.is_real is False:
        raise ValueError(f"filling p must be real and in (0, 1), got {p!r}")
    if value.is_number and (value.is_real is not True or value.is_finite is not True):  # nan, zoo, oo
        raise ValueError(f"filling p must be a finite real number in (0, 1), got {p!r}")
    if provably(sp.Le(value, 0)) or provably(sp.Ge(value, 1)):
        raise ValueError(f"filling p = N_e/(N_e + N_FM) must lie strictly between 0 and 1, got {value}")
    return value


def as_renyi_order(alpha: object) -> sp.Expr:
    """Return a Rényi order ``alpha`` as an exact sympy number (or a positive symbol), checking ``alpha > 0``.

    Python and numpy reals, fractions and sympy numbers are accepted; floats become the nearest short
    rational (``0.5 -> 1/2``) so that the closed forms stay exact. ``alpha = 1`` is allowed and means
    the von Neumann entropy (the limit alpha -> 1). A sympy expression must be declared positive
    (``Symbol("alpha", positive=True)``); formulas in a symbolic alpha hold for alpha != 1.

    Raises
    ------
    TypeError
        For a bool, a string, a complex number or any other non-real object.
    ValueError
        For alpha <= 0, NaN or infinity, and for a symbol not declared positive.
    """
    if isinstance(alpha, sp.Expr):
        if alpha.is_number:
            if alpha.is_real is not True or alpha.is_finite is not True or not alpha.is_positive:
                raise ValueError(f"Renyi order alpha must be a finite number > 0, got {alpha!r}")
            return sp.nsimplify(alpha, rational=True) if alpha.is_Float else alpha
        if alpha.is_positive is not True:
            raise ValueError(f"a symbolic Renyi order alpha must be declared positive (positive=True), got {alpha!r}")
        return alpha
    if not is_real(alpha):
        raise TypeError(f"Renyi order alpha must be a real number > 0, got {type(alpha).__name__} {alpha!r}")
    if isinstance(alpha, numbers.Integral):
        value = sp.Integer(int(alpha))
    else:
        number = float(alpha)  # type: ignore[arg-type]
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"Renyi order alpha must be a finite number > 0, got {alpha!r}")
        value = sp.Rational(alpha) if isinstance(alpha, numbers.Rational) else sp.nsimplify(number, rational=True)
    if not value.is_positive:
        raise ValueError(f"Renyi order alpha must be > 0 (alpha = 1 is the von Neumann entropy), got {alpha!r}")
    return value


def is_von_neumann(alpha: sp.Expr) -> bool:
    """True if the validated Rényi order is exactly 1 (the von Neumann limit)."""
    return alpha.is_number and alpha == 1


def check_base(base: object) -> None:
    """Check an entropy ``base`` (None for the natural log, else positive and != 1)."""
    if base is None:
        return
    if isinstance(base, bool):
        raise ValueError(f"entropy base must be a positive number other than 1, got {base!r}")
    try:
        value = sp.sympify(base, strict=True)
    except (sp.SympifyError, TypeError):
        raise ValueError(f"entropy base must be a positive number other than 1, got {base!r}") from None
    # (value - 1).is_zero, not value == 1: sympy's Float(1.0) == 1 is False, and ln 1.0 = 0 would divide by zero
    if not value.is_number or not value.is_positive or value.is_finite is not True or (value - 1).is_zero is not False:
        raise ValueError(f"entropy base must be a positive number other than 1 (and finite), got {base!r}")


def check_dps(dps: object) -> int:
    """Return ``dps`` (decimal digits for mpmath) as an int >= 1."""
    if isinstance(dps, bool) or not isinstance(dps, numbers.Integral) or int(dps) < 1:
        raise ValueError(f"dps (decimal digits of precision) must be a positive integer, got {dps!r}")
    return int(dps)


def check_limit(value: int, limit: object, what: str, keyword: str) -> None:
    """Refuse ``value > limit`` before any work: a ValueError naming the limit and the keyword that raises it."""
    if isinstance(limit, bool) or not isinstance(limit, numbers.Integral) or int(limit) < 0:
        raise TypeError(f"{keyword} must be a non-negative integer, got {limit!r}")
    if value > int(limit):
        raise ValueError(f"{what} = {value:,} exceeds the limit {keyword}={int(limit):,}: pass {keyword}= to raise it")


def digits(n: int) -> int:
    """Decimal digits of the integer ``n >= 0`` from its bit length (``len(str(n))`` is O(digits^2) and capped)."""
    return max(1, int(n.bit_length() * 0.30103) + 1)
