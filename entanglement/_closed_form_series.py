r"""Large-size series of the Rényi-α mutual information of the PRX Eq. 15 state (PRX Eqs. 14, 16, 17).

Re-exported from :mod:`entanglement.closed_form`; the physics and the simplified forms are described in
:mod:`entanglement._closed_form_renyi`. ``sympy.series`` of ``lam**alpha`` with a symbolic alpha
silently drops every term after the first, so the powers and the logarithm are expanded by hand here
(:func:`_power_series`, :func:`_log_series`); the eigenvalues themselves are rational functions of
x = 1/N, expanded by ``sympy.series``.
"""

from __future__ import annotations

from math import comb

import sympy as sp

from entanglement._closed_form_checks import (
    MAX_SERIES_ORDER,
    as_fraction,
    as_renyi_order,
    check_limit,
    is_von_neumann,
)
from entanglement._closed_form_core import Spectrum, config_probability, entropy_from_spectrum, merge, tidy_log_on
from entanglement._closed_form_renyi import (
    Domain,
    filling_domain,
    in_powers_of_two,
    renyi_mutual_information_limit,
)
from states.validation import require_int

__all__ = ["renyi_mutual_information_series"]

_X = sp.Symbol("x", positive=True)
_N = sp.Symbol("N", integer=True, positive=True)
_n = sp.Symbol("n", integer=True, positive=True)


def _truncate(expr: sp.Expr, order: int) -> sp.Expr:
    expanded = sp.expand(expr)
    return sp.Add(*[expanded.coeff(_X, power) * _X**power for power in range(order + 1)])


def _power_series(lam: sp.Expr, order: sp.Expr, degree: int) -> sp.Expr:
    """Truncated series in x of lam(x)**alpha = lam(0)**alpha exp(alpha ln(lam/lam(0))), alpha symbolic or not.

    (``sympy.series`` of ``lam**alpha`` with a symbolic alpha silently drops every term beyond the
    first, so the exponential is expanded by hand; ln(lam/lam(0)) is a plain rational-function series.)
    """
    lam0 = sp.factor(sp.limit(lam, _X, 0))
    log_ratio = sp.series(sp.log(sp.cancel(lam / lam0)), _X, 0, degree + 1).removeO()
    exponent = order * log_ratio
    return lam0**order * _truncate(sum(exponent**q / sp.factorial(q) for q in range(degree + 1)), degree)


def _log_series(value: sp.Expr, degree: int) -> sp.Expr:
    """Truncated series in x of ln(value) for a polynomial value(x) with value(0) > 0 (ln(1 + u) by hand)."""
    constant = value.subs(_X, 0)
    u = sp.expand(value / constant - 1)
    return sp.log(constant) + _truncate(sum((-1) ** (q + 1) * u**q / q for q in range(1, degree + 1)), degree)


def _entropy_series(spectrum: Spectrum, order: sp.Expr, degree: int) -> sp.Expr:
    if is_von_neumann(order):
        exact = entropy_from_spectrum(spectrum)
        return sp.series(exact, _X, 0, degree + 1).removeO()
    power_sum = sum(g * _power_series(lam, order, degree) for lam, g in spectrum if not lam.is_zero)
    return _log_series(_truncate(power_sum, degree), degree) / (1 - order)


def _coefficient(value: sp.Expr, alpha: sp.Expr, domain: Domain) -> sp.Expr:
    """A series coefficient simplified: tidied logs (numeric alpha) or factored in 2**alpha (symbolic alpha)."""
    if alpha.is_number:
        return tidy_log_on(value, *domain)
    logs = sorted(value.atoms(sp.log), key=str)
    parts = sp.collect(sp.expand(value), logs, evaluate=False)
    return sp.Add(*[in_powers_of_two(sp.factor(coeff), alpha) * key for key, coeff in parts.items()])


def renyi_mutual_information_series(
    alpha: object,
    order: int = 2,
    p: object = None,
    symbol: sp.Symbol | None = None,
    *,
    max_order: int = MAX_SERIES_ORDER,
) -> sp.Expr:
    r"""Large-size expansion of the Rényi-α mutual information of the PRX edge spins (PRX Eq. 14) in 1/N.

    With ``p=None``, :math:`N_e = N_{FM} = N` and the expansion is in :math:`1/N` (at α = 1 it is
    :func:`~entanglement.closed_form.mutual_information_series`). With a filling p,
    :math:`N_e = p\,n`, :math:`N_{FM} = (1-p)\,n` and the expansion is in :math:`1/n`,
    :math:`n = N_e + N_{FM}`. The constant term is :func:`renyi_mutual_information_limit`; the
    remainder is :math:`O(N^{-order-1})`. The series of :math:`\lambda^\alpha` is formed as
    :math:`\lambda_0^\alpha\exp(\alpha\ln(\lambda/\lambda_0))`, valid for a symbolic α as well.

    Parameters
    ----------
    alpha : number or positive sympy symbol
        Rényi order > 0 (1 is von Neumann).
    order : int
        Highest power of 1/N (1/n) kept, >= 0.
    p : number or sympy expression, optional
        Filling in (0, 1); None means :math:`N_e = N_{FM} = N`.
    symbol : sympy.Symbol, optional
        Symbol for N (or n) in the result; default ``N`` (``n`` with a filling), integer and positive.
    max_order : int, keyword-only
        Largest ``order`` accepted (default :data:`~entanglement.closed_form.MAX_SERIES_ORDER`).

    Returns
    -------
    sympy.Expr
        A polynomial in 1/N with simplified coefficients (no O-term).

    Examples
    --------
    >>> renyi_mutual_information_series(2, order=2)
    log(3/2) + 1/(3*N) + 13/(36*N**2)
    >>> renyi_mutual_information_series(1, order=1, p=sp.Rational(1, 3))
    4*log(2)/9 + 4*log(2)/(9*n)
    """
    degree = require_int("series order", order, minimum=0)
    check_limit(degree, max_order, "series order", "max_order")
    if symbol is not None and not isinstance(symbol, sp.Symbol):
        raise TypeError(f"symbol must be a sympy Symbol, got {type(symbol).__name__} {symbol!r}")
    exponent = as_renyi_order(alpha)
    filling = None if p is None else as_fraction(p)
    if filling is None and is_von_neumann(exponent):
        from entanglement.closed_form import mutual_information_series  # the one von Neumann series

        return mutual_information_series(degree, symbol, max_order=max_order)
    if filling is None:
        k, n, big = 1 / _X, 2 / _X, _N
    else:
        k, n, big = filling / _X, 1 / _X, _n
    one = merge([(sp.cancel(k / n), 1), (sp.cancel(1 - k / n), 1)])
    two = merge([(sp.cancel(comb(2, j) * config_probability(k, n, 2, j)), 1) for j in (2, 1, 0)])
    poly = _truncate(2 * _entropy_series(one, exponent, degree) - _entropy_series(two, exponent, degree), degree)
    domain = (None, 0, 1) if filling is None else filling_domain(filling)
    # the constant term is the limit; the exact limit function gives it in its simplest form
    coefficients = [renyi_mutual_information_limit(exponent, filling)]
    coefficients += [_coefficient(poly.coeff(_X, power), exponent, domain) for power in range(1, degree + 1)]
    big = big if symbol is None else symbol
    return sp.Add(*[c / big**power for power, c in enumerate(coefficients)])
