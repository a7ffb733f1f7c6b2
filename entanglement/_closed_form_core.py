"""Core of :mod:`entanglement.closed_form`: spectra with multiplicities, entropies, m-spin blocks (sympy).

See :mod:`entanglement.closed_form` for the physics (PRX Eq. 15 state = Dicke state, hypergeometric
RDM spectra). Everything here is re-exported from there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import sympy as sp

from entanglement._closed_form_checks import (
    MAX_RDM_SPINS,
    MAX_SPECTRUM_SPINS,
    MAX_SYMBOLIC_SPINS,
    as_block_size,
    as_count,
    as_renyi_order,
    check_base,
    check_limit,
    is_von_neumann,
)

__all__ = ["Spectrum", "block_entropy", "block_rdm", "block_spectrum", "entropy_from_spectrum"]

Spectrum = list[tuple[sp.Expr, int]]
"""Eigenvalues with multiplicities, ``[(eigenvalue, multiplicity), ...]``, multiplicities summing to the dimension."""


# --------------------------------------------------------------------------------------- helpers


def falling(x: sp.Expr, j: int) -> sp.Expr:
    """Falling factorial (x)_j = x (x-1) ... (x-j+1) as an explicit product."""
    return sp.Mul(*[x - i for i in range(j)])


def config_probability(k: sp.Expr, n: sp.Expr, m: int, ups: int) -> sp.Expr:
    """Probability q_j that m given spins are in one given configuration with ``ups`` up spins.

    q_j = (k)_j (n-k)_{m-j} / (n)_m, the computational-basis entry of ρ_m (derivation in
    :mod:`entanglement.closed_form`).
    """
    return sp.factor(falling(k, ups) * falling(n - k, m - ups) / falling(n, m))


def same(a: sp.Expr, b: sp.Expr) -> bool:
    """True if a == b identically (the eigenvalues here are rational functions, so cancel is decisive)."""
    return sp.cancel(a - b) == 0


def merge(pairs: Iterable[tuple[sp.Expr, int]]) -> Spectrum:
    """Merge provably equal eigenvalues, summing their multiplicities (first occurrence keeps its place)."""
    out: Spectrum = []
    for lam, g in pairs:
        for idx, (mu, h) in enumerate(out):
            if same(lam, mu):
                out[idx] = (mu, h + g)
                break
        else:
            out.append((lam, g))
    return out


def rebase(entropy: sp.Expr, base: object) -> sp.Expr:
    """Convert an entropy in nats to logarithm base ``base``.

    Parameters
    ----------
    entropy : sympy.Expr
        Entropy with natural logarithms.
    base : number, optional
        Logarithm base; None returns ``entropy`` unchanged.

    Returns
    -------
    sympy.Expr
        ``entropy / ln(base)``, simplified when it is a number (``log(4)/log(2) -> 2``).

    Raises
    ------
    ValueError
        Unless ``base`` is None or a positive number other than 1.
    """
    check_base(base)
    if base is None:
        return entropy
    rebased = entropy / sp.log(sp.sympify(base))
    return sp.simplify(rebased) if rebased.is_number else rebased  # e.g. log(4)/log(2) -> 2


def tidy_log(expr: sp.Expr) -> sp.Expr:
    """Bring a combination of logs to a canonical short form (``-log(4)/2 + 3*log(2)/2 -> log(2)/2``).

    Logs are split (``expand_log(force=True)``), like logs collected, and each coefficient simplified.
    ``force=True`` is legitimate where this is used: every log argument is a positive quantity
    (a limiting eigenvalue, the filling p or 1 - p in (0, 1), or 1/N).
    """
    expanded = sp.expand(sp.expand_log(expr, force=True))
    parts = sp.collect(expanded, sorted(expanded.atoms(sp.log), key=str), evaluate=False)
    return sp.Add(*[sp.simplify(sp.factor(coeff)) * key for key, coeff in parts.items()])


def _positive_factors(part: sp.Expr, symbol: sp.Symbol, low: object, high: object) -> tuple[sp.Expr, list] | None:
    """``part`` (a polynomial in ``symbol``) as ``(c, [(factor, power), ...])``, factors positive on (low, high).

    A factor negative there is negated (``p - 1 -> 1 - p`` on (0, 1)) and the sign moved into c;
    None when some factor changes sign inside the interval.
    """
    sample = (low + 1) if high is sp.oo else sp.Rational(1, 2) * (low + high)
    coeff, factors = sp.factor_list(part, symbol)
    out = []
    for factor, power in factors:
        poly = sp.Poly(factor, symbol)
        at_ends = sum(1 for end in (low, high) if end is not sp.oo and poly.eval(end) == 0)
        if poly.count_roots(low, None if high is sp.oo else high) - at_ends > 0:
            return None
        if factor.subs(symbol, sample).is_negative:
            factor, coeff = -factor, coeff * (-1) ** power
        out.append((factor, power))
    return coeff, out


def split_log(arg: sp.Expr, symbol: sp.Symbol, low: object, high: object) -> sp.Expr:
    """``log(arg)`` as a sum of logs of positive factors, for ``symbol`` in the open interval (low, high).

    ``arg`` (positive on the interval) is factored over the rationals; every polynomial factor without a
    root in the interval is turned positive there (``p - 1 -> 1 - p`` on (0, 1)), so that
    ``log(p**2 - 2*p + 1)`` becomes ``2*log(1 - p)`` with no ``force`` on a negative quantity. The
    log is left whole when ``arg`` is not a rational function of ``symbol`` alone or a factor changes
    sign inside the interval.
    """
    if arg.free_symbols - {symbol} or not arg.is_rational_function(symbol):
        return sp.log(arg)
    numerator, denominator = sp.fraction(sp.cancel(sp.together(arg)))
    split = [_positive_factors(part, symbol, low, high) for part in (numerator, denominator)]
    if split[0] is None or split[1] is None or not (split[0][0] / split[1][0]).is_positive:
        return sp.log(arg)
    pieces = [power * sp.log(factor) for factor, power in split[0][1]]
    pieces += [-power * sp.log(factor) for factor, power in split[1][1]]
    return sp.log(split[0][0] / split[1][0]) + sp.Add(*pieces)


def _positive_coefficient_times(
    coeff: sp.Expr, key: sp.Expr, symbol: sp.Symbol | None, low: object, high: object
) -> sp.Expr:
    """``coeff*key`` with the coefficient factored into factors positive on the domain: ``-p*(1 - p)*log(1 - p)``.

    The product is formed in one ``Mul`` so that sympy does not distribute the sign back into the
    factor (``-(1 - p)`` alone would become ``p - 1``).
    """
    coeff = sp.factor(coeff) if coeff.is_number else sp.factor(sp.simplify(coeff))
    if symbol is None or coeff.free_symbols != {symbol} or not coeff.is_polynomial(symbol):
        return coeff * key
    split = _positive_factors(coeff, symbol, low, high)
    if split is None:
        return coeff * key
    return sp.Mul(split[0], *[factor**power for factor, power in split[1]], key)


def _merged_numeric_log(parts: dict[sp.Expr, sp.Expr]) -> sp.Expr:
    """Σ r_i log(q_i) (rational r, q) as one ``c*log(q)`` with q not a perfect power (``log(3/2)``, ``3*log(2)/2``)."""
    denominator = math.lcm(*[int(coeff.q) for coeff in parts.values()])
    argument = sp.Mul(*[key.args[0] ** (coeff * denominator) for key, coeff in parts.items()])
    if argument == 1:
        return sp.Integer(0)
    exponents = [*sp.factorint(argument.p).values(), *sp.factorint(argument.q).values()]
    power = math.gcd(*exponents)
    return sp.Rational(power, denominator) * sp.log(sp.Rational(argument) ** sp.Rational(1, power))


def tidy_log_on(expr: sp.Expr, symbol: sp.Symbol | None = None, low: object = 0, high: object = 1) -> sp.Expr:
    """Bring a combination of logs to the form a physicist writes, for ``symbol`` in (low, high).

    Every log is split into logs of factors positive on the interval (:func:`split_log`), like logs are
    collected with factored coefficients whose factors are positive too (``2*p*(1 - p)``), and the logs
    of numbers are merged into one ``c*log(q)`` (``log(3/2)``, ``3*log(2)/2``). ``symbol=None``: only
    the logs of numbers are merged.
    """
    expr = sp.expand(expr)
    if symbol is not None:
        expr = sp.expand(expr.replace(sp.log, lambda arg: split_log(arg, symbol, low, high)))
    expr = sp.expand(expr.replace(sp.log, lambda arg: sp.expand_log(sp.log(arg), force=arg.is_Rational)))
    parts: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(expr):  # group the terms by their log factor (sympy's collect is ~10x slower)
        coeff, key = term.as_independent(sp.log, as_Add=False)
        parts[key] = parts.get(key, 0) + coeff
    numeric = {key: c for key, c in parts.items() if key.func is sp.log and key.args[0].is_Rational and c.is_Rational}
    rest = [_positive_coefficient_times(c, key, symbol, low, high) for key, c in parts.items() if key not in numeric]
    return sp.Add(*rest) + (_merged_numeric_log(numeric) if numeric else 0)


def counts(n_e: object, n_fm: object) -> tuple[sp.Expr, sp.Expr]:
    """Validate the spin counts (N_e, N_FM) of the PRX Eq. 15 state.

    Parameters
    ----------
    n_e, n_fm : int or sympy integer expression
        Number of electrons N_e and of localized spins N_FM.

    Returns
    -------
    tuple of sympy.Expr
        ``(N_e, N_FM)`` as sympy non-negative integers or integer-declared expressions
        (see :func:`entanglement._closed_form_checks.as_count`).

    Raises
    ------
    ValueError
        If a count is a bool, a float, negative, or an expression not declared a non-negative integer.
    """
    return as_count(n_e, "n_e (number of electrons N_e)"), as_count(n_fm, "n_fm (number of localized spins N_FM)")


# ------------------------------------------------------------------------------ generic entropy


def entropy_from_spectrum(
    spectrum: Iterable[tuple[object, int]], base: object = None, *, alpha: object = 1
) -> sp.Expr:
    r"""Von Neumann entropy :math:`-\sum_\lambda g_\lambda \lambda \ln\lambda` (PRX Eq. 12) or Rényi entropy.

    With ``alpha`` other than 1 the Rényi entropy
    :math:`S_\alpha = \ln(\sum_\lambda g_\lambda \lambda^\alpha)/(1-\alpha)`, written
    ``log(1/sum)/(alpha - 1)`` for a number alpha > 1 so that the log of a number stays positive
    (``log(8/3)``, not ``-log(3/8)``).

    Parameters
    ----------
    spectrum : iterable of (eigenvalue, multiplicity)
        Eigenvalues (numbers or sympy expressions) with integer multiplicities ``g >= 1``; eigenvalues
        that are exactly zero contribute nothing (0 ln 0 = 0, and 0**alpha = 0 for alpha > 0).
    base : number, optional
        Logarithm base; natural log if None.
    alpha : number or positive sympy symbol, keyword-only
        Rényi order > 0; 1 (default) is the von Neumann entropy. Floats become short rationals.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        If a multiplicity is not a positive integer, an eigenvalue is negative, or the
        eigenvalues (with multiplicities) do not sum to 1 (exactly for exact input, to 1e-12 for
        floats; symbolic input must simplify to a unit trace).

    Examples
    --------
    >>> entropy_from_spectrum([(sp.Rational(1, 2), 2)])   # maximally mixed qubit
    log(2)
    >>> entropy_from_spectrum([(sp.Rational(1, 4), 2), (sp.Rational(1, 2), 1)], alpha=2)
    log(8/3)
    """
    order = as_renyi_order(alpha)
    terms, total = [], sp.Integer(0)
    for lam, g in spectrum:
        if isinstance(g, bool) or not isinstance(g, int | sp.Integer) or int(g) < 1:
            raise ValueError(f"multiplicity of eigenvalue {lam} must be a positive integer, got {g!r}")
        value = sp.sympify(lam)
        if value.is_real is False or (value.is_number and (value.is_real is not True or value.is_finite is not True)):
            raise ValueError(f"density-matrix eigenvalues must be finite real numbers, got {value}")
        if value.is_negative:
            raise ValueError(f"density-matrix eigenvalues must be non-negative, got {value}")
        total += int(g) * value
        if not value.is_zero:
            terms.append((value, int(g)))
    deficit = sp.cancel(total - 1)
    unit_trace = abs(sp.N(deficit)) <= 1e-12 if deficit.is_number else sp.simplify(deficit) == 0
    if not unit_trace:
        raise ValueError(f"eigenvalues times multiplicities must sum to 1 (unit trace), got {sp.factor(total)}")
    if is_von_neumann(order):
        return rebase(sp.Add(*[-g * lam * sp.log(lam) for lam, g in terms]), base)
    power_sum = sp.Add(*[g * lam**order for lam, g in terms])
    if power_sum.is_rational_function():  # integer alpha: one factored rational function
        power_sum = sp.factor(power_sum)
    if order.is_number and order > 1:
        return rebase(sp.log(1 / power_sum) / (order - 1), base)
    return rebase(sp.log(power_sum) / (1 - order), base)


# -------------------------------------------------------------------------------- m-spin blocks


def block_rdm(n_e: object, n_fm: object, m: int, *, max_spins: int = MAX_RDM_SPINS) -> sp.Matrix:
    r"""Reduced density matrix of any m spins of the PRX Eq. 15 state, in the computational basis.

    Entry :math:`\langle x|\rho_m|y\rangle = (k)_j (n-k)_{m-j} / (n)_m` when configurations x and y
    both have j up spins, else 0 (derivation in :mod:`entanglement.closed_form`). Basis order as in
    :mod:`states.conventions` (↑ = 0, first spin leftmost).

    Parameters
    ----------
    n_e, n_fm : int or sympy integer expression
        Numbers of electrons :math:`N_e` and localized spins :math:`N_{FM}`.
    m : int
        Block size, ``0 <= m <= N_e + N_FM`` (the matrix is :math:`2^m \times 2^m`).
    max_spins : int, keyword-only
        Largest m accepted (default :data:`MAX_RDM_SPINS` = 8), checked before any work.

    Returns
    -------
    sympy.Matrix

    Raises
    ------
    ValueError
        For invalid counts or m, or m above ``max_spins``.
    """
    k, n_fm_ = counts(n_e, n_fm)
    n = k + n_fm_
    m = as_block_size(m, n)
    check_limit(m, max_spins, "block size m (a 2^m x 2^m sympy matrix)", "max_spins")
    ups = [m - bin(x).count("1") for x in range(2**m)]  # bit 0 = ↑, so up spins = zero bits
    q = [config_probability(k, n, m, j) for j in range(m + 1)]
    return sp.Matrix(2**m, 2**m, lambda x, y: q[ups[x]] if ups[x] == ups[y] else 0)


def block_spectrum(n_e: object, n_fm: object, m: int, *, max_spins: int | None = None) -> Spectrum:
    r"""Spectrum of the m-spin RDM with multiplicities: hypergeometric weights :math:`p_j` plus zeros.

    :math:`p_j = \binom{m}{j} (k)_j (n-k)_{m-j}/(n)_m` for j = m, m-1, ..., 0 (eigenvector
    :math:`|D_m^j\rangle`), then the eigenvalue 0 with multiplicity :math:`2^m - (m+1)`; provably
    equal eigenvalues are merged, so the multiplicities always sum to :math:`2^m`.

    Parameters
    ----------
    n_e, n_fm : int or sympy integer expression
    m : int
        Block size, ``0 <= m <= N_e + N_FM``.
    max_spins : int, optional, keyword-only
        Largest m accepted, checked before any work; default :data:`MAX_SPECTRUM_SPINS` = 64 for
        concrete counts, :data:`MAX_SYMBOLIC_SPINS` = 8 for symbolic ones.

    Returns
    -------
    list of (sympy.Expr, int)
    """
    k, n_fm_ = counts(n_e, n_fm)
    n = k + n_fm_
    m = as_block_size(m, n)
    if max_spins is None:
        max_spins = MAX_SPECTRUM_SPINS if (k.is_Integer and n_fm_.is_Integer) else MAX_SYMBOLIC_SPINS
    check_limit(m, max_spins, "block size m (m + 1 sympy eigenvalues of m factors)", "max_spins")
    pairs = [(sp.factor(sp.binomial(m, j) * config_probability(k, n, m, j)), 1) for j in range(m, -1, -1)]
    if 2**m > m + 1:
        pairs.append((sp.Integer(0), 2**m - m - 1))
    return merge(pairs)


def block_entropy(
    n_e: object, n_fm: object, m: int, base: object = None, *, alpha: object = 1, max_spins: int | None = None
) -> sp.Expr:
    r"""Entanglement entropy (PRX Eq. 12), or Rényi-α entropy, of any block of m spins of the PRX Eq. 15 state.

    :math:`S_m = -\sum_j p_j \ln p_j` with the hypergeometric weights of :func:`block_spectrum`;
    :math:`S_m = S_{n-m}` and :math:`S_0 = S_n = 0` (pure state). With ``alpha`` other than 1,
    :math:`S_{\alpha,m} = \ln(\sum_j p_j^\alpha)/(1-\alpha)` (form as in :func:`entropy_from_spectrum`).

    Parameters
    ----------
    n_e, n_fm : int or sympy integer expression
    m : int
        Block size, ``0 <= m <= N_e + N_FM``.
    base : number, optional
        Logarithm base (natural log if None).
    alpha : number or positive sympy symbol, keyword-only
        Rényi order > 0; 1 (default) is the von Neumann entropy.
    max_spins : int, optional, keyword-only
        As in :func:`block_spectrum`.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> block_entropy(2, 2, 2, alpha=2)     # N_e = N_FM = 2: spectrum (1/6, 2/3, 1/6) of two spins
    log(2)
    >>> block_entropy(3, 3, 3, alpha=sp.Rational(1, 2))
    2*log(4*sqrt(5)/5)
    """
    check_base(base)
    order = as_renyi_order(alpha)
    return entropy_from_spectrum(block_spectrum(n_e, n_fm, m, max_spins=max_spins), base, alpha=order)
