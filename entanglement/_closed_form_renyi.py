r"""Rényi entropies and mutual information of the PRX Eq. 15 state: exact values, limits and series.

Re-exported from :mod:`entanglement.closed_form` (see there for the physics). Every m-spin RDM of the
Eq. 15 (Dicke) state has the hypergeometric spectrum :math:`p_j`, so the Rényi-α entropy of m spins is
:math:`S_{\alpha,m} = \ln(\sum_j p_j^\alpha)/(1-\alpha)` and, by permutation symmetry, the Rényi
mutual information of two disjoint blocks of :math:`m_A` and :math:`m_B` spins is
:math:`I_\alpha = S_{\alpha,m_A} + S_{\alpha,m_B} - S_{\alpha,m_A+m_B}` (PRX Eq. 14 with Rényi
entropies in place of Eq. 12). ``alpha = 1`` is allowed everywhere and gives the von Neumann quantity.

Limits (:math:`n = N_e + N_{FM}\to\infty` at fixed filling :math:`p = N_e/n`; ``p=None`` means
:math:`N_e = N_{FM}`, i.e. p = 1/2): the hypergeometric weights tend to the binomial ones
:math:`\binom{m}{j}p^j(1-p)^{m-j}` (taken with ``sympy.limit``), so for the PRX edge pair

.. math::
    I_\alpha^\infty(p) = \frac{1}{1-\alpha}
    \ln\frac{(p^\alpha + (1-p)^\alpha)^2}{p^{2\alpha} + (2p(1-p))^\alpha + (1-p)^{2\alpha}},
    \qquad I_\alpha^\infty(1/2) = \frac{1}{1-\alpha}\ln\frac{4}{2 + 2^\alpha},

which is :math:`\ln(3/2)` at α = 2, :math:`2\ln(4/(2+\sqrt2))` at α = 1/2, tends to ln 2/2
(PRX Eq. 17) as α → 1, to ln(4/3) as α → 0 and to ln 2 as α → ∞. It is non-negative for every α at
every p: the ratio inside the log minus 1 is :math:`(2-2^\alpha)p^\alpha(1-p)^\alpha/(\dots)`, whose
sign is that of :math:`1-\alpha`.

Results are simplified to what one would write by hand (:func:`entanglement._closed_form_core.tidy_log_on`):
logs of polynomials are split into logs of factors made positive on the domain (``log(p**2 - 2*p + 1)``
→ ``2*log(1 - p)``), logs of numbers merged (``log(3/2)``), and in a symbolic α every power of 2 is
written with :math:`2^\alpha` (``log(4/(2**alpha + 2))/(1 - alpha)``).
"""

from __future__ import annotations

import functools
from math import comb

import sympy as sp

from entanglement._closed_form_checks import (
    MAX_SYMBOLIC_SPINS,
    SpinLabel,
    as_fraction,
    as_renyi_order,
    check_base,
    check_limit,
    require_distinct,
    require_spins,
    spin_position,
)
from entanglement._closed_form_core import (
    Spectrum,
    block_spectrum,
    config_probability,
    counts,
    entropy_from_spectrum,
    merge,
    rebase,
    tidy_log_on,
)

__all__ = [
    "block_entropy_limit",
    "block_mutual_information",
    "block_mutual_information_limit",
    "renyi_mutual_information",
    "renyi_mutual_information_limit",
]

_T = sp.Symbol("t", positive=True)
_U = sp.Symbol("u", positive=True)  # stands for 2**alpha while a symbolic-alpha result is simplified


# ------------------------------------------------------------------------------------ simplifying


def _single_symbol(expr: sp.Expr) -> sp.Symbol | None:
    symbols = expr.free_symbols
    return next(iter(symbols)) if len(symbols) == 1 else None


def _count_domain(count: sp.Expr) -> Domain:
    return (_single_symbol(count), 1, sp.oo)


def filling_domain(filling: sp.Expr) -> Domain:
    """The range of a filling for simplification: (the symbol, 0, 1), or (None, 0, 1) for a number."""
    return (filling if isinstance(filling, sp.Symbol) else None, 0, 1)


def _two_adic(value: int) -> int:
    return (value & -value).bit_length() - 1  # the exponent of 2 in value > 0


def in_powers_of_two(expr: sp.Expr, alpha: sp.Symbol) -> sp.Expr:
    """Write every power of 2 in ``expr`` with ``2**alpha`` and cancel.

    A power ``(2**t * r)**(c*alpha + d)`` of a positive rational (r odd over odd) becomes
    ``u**(t*c) * r**(c*alpha) * (2**t*r)**d`` with u standing for ``2**alpha``; the result is cancelled
    as a rational function of u (and of the remaining powers) and u is put back:
    ``2**(2 - 2*alpha)/(2/4**alpha + (1/2)**alpha)`` becomes ``4/(2**alpha + 2)``.
    """

    def as_u(power: sp.Pow) -> sp.Expr:
        base, exponent = power.as_base_exp()
        ratio = sp.expand(exponent).coeff(alpha)
        rest = sp.expand(exponent - ratio * alpha)
        if not (base.is_Rational and base > 0) or ratio.has(alpha) or rest.has(alpha):
            return power
        twos = _two_adic(int(base.p)) - _two_adic(int(base.q))
        odd = sp.Rational(int(base.p) >> _two_adic(int(base.p)), int(base.q) >> _two_adic(int(base.q)))
        return _U ** (twos * ratio) * odd ** (ratio * alpha) * base**rest

    replaced = sp.powsimp(sp.expand_power_exp(expr)).replace(lambda e: e.is_Pow and e.exp.has(alpha), as_u)
    return sp.factor(sp.cancel(replaced)).subs(_U, 2**alpha)


def _positive_power(lam: sp.Expr, alpha: sp.Expr) -> sp.Expr:
    """``lam**alpha`` factor by factor, ``(2*p*(1 - p))**alpha -> 2**alpha*p**alpha*(1 - p)**alpha``.

    Legitimate here: every factor of an eigenvalue is positive wherever the formula holds (p, 1 - p on
    (0, 1); N, N - 1, 2N - 1 for N > 1), and it keeps sympy from writing ``((1 - p)**2)**alpha`` as
    ``Abs(p - 1)**(2*alpha)``.
    """
    return sp.Mul(*[base ** (power * alpha) for base, power in lam.as_powers_dict().items()])


def _power_sum(spectrum: Spectrum, alpha: sp.Expr) -> sp.Expr:
    return sp.Add(*[g * _positive_power(lam, alpha) for lam, g in spectrum if not lam.is_zero])


Domain = tuple[sp.Symbol | None, object, object]
"""(symbol, low, high): the one variable whose range is known (a count N on (1, oo), the filling p on
(0, 1)), or ``(None, 0, 1)`` when there is none or more than one (then only logs of numbers are merged)."""


def _entropy(spectrum: Spectrum, alpha: sp.Expr, domain: Domain) -> sp.Expr:
    """(Rényi-)entropy of a spectrum in the physicist's form (module docstring)."""
    if not alpha.is_number:
        return sp.log(in_powers_of_two(_power_sum(spectrum, alpha), alpha)) / (1 - alpha)
    return tidy_log_on(entropy_from_spectrum(spectrum, alpha=alpha), *domain)


def _mutual_information(spectra: tuple[Spectrum, Spectrum, Spectrum], alpha: sp.Expr, domain: Domain) -> sp.Expr:
    """S_A + S_B - S_AB from the spectra of A, B and AB, simplified (module docstring).

    For a symbolic alpha this is one ``log(R)/(1 - alpha)``, R = Tr ρ_A^α Tr ρ_B^α / Tr ρ_AB^α written
    with 2**alpha where possible; otherwise the logs are tidied by :func:`tidy_log_on`.
    """
    if alpha.is_number:
        a, b, ab = (entropy_from_spectrum(spectrum, alpha=alpha) for spectrum in spectra)
        return tidy_log_on(a + b - ab, *domain)
    sums = [_power_sum(spectrum, alpha) for spectrum in spectra]
    return sp.log(in_powers_of_two(sums[0] * sums[1] / sums[2], alpha)) / (1 - alpha)


# --------------------------------------------------------------------------- finite N_e, N_FM


def renyi_mutual_information(
    n_e: object, n_fm: object, alpha: object, i: SpinLabel = 1, j: SpinLabel | None = None, base: object = None
) -> sp.Expr:
    r"""Rényi mutual information :math:`S_{\alpha,i} + S_{\alpha,j} - S_{\alpha,ij}` (PRX Eq. 14) of two spins.

    PRX Eq. 14 with the Rényi-α entropy :math:`\ln(\mathrm{Tr}\rho^\alpha)/(1-\alpha)` in place of
    Eq. 12, for the PRX Eq. 15 state; the same for every pair of spins (permutation symmetry), so
    :math:`I_\alpha = 2S_{\alpha,1} - S_{\alpha,2}`. Unlike the von Neumann mutual information it
    is not non-negative for every state; for the Eq. 15 state it tends to a non-negative limit
    (:func:`renyi_mutual_information_limit`).

    Parameters
    ----------
    n_e, n_fm : int or sympy integer expression
        Numbers of electrons :math:`N_e` and localized spins :math:`N_{FM}`.
    alpha : number or positive sympy symbol
        Rényi order > 0; ``alpha = 1`` gives :func:`~entanglement.closed_form.mutual_information`.
        Floats become short rationals (0.5 -> 1/2).
    i, j : spin label, optional
        As in :func:`~entanglement.closed_form.mutual_information` (default: localized spins 1 and N_FM).
    base : number, optional
        Logarithm base (natural log if None).

    Returns
    -------
    sympy.Expr
        Exact; for one symbolic count logs of polynomials are split into logs of their factors.

    Raises
    ------
    TypeError
        If alpha is not a real number.
    ValueError
        If alpha <= 0, the counts are invalid, or the labels are malformed, out of range or equal.

    Examples
    --------
    >>> renyi_mutual_information(2, 2, 2)           # 2 ln 2 - ln 2
    log(2)
    >>> N = sp.Symbol("N", integer=True, positive=True)
    >>> renyi_mutual_information(N, N, 2)
    -2*log(2*N - 1) + log(3*N**2 - 2*N + 1) + log(2)
    """
    order = as_renyi_order(alpha)
    k, n_fm_ = counts(n_e, n_fm)
    first = spin_position(i, k, n_fm_, "i")
    second = spin_position(n_fm_ if j is None else j, k, n_fm_, "j")
    require_distinct(first, second)
    require_spins(k, n_fm_, 2, "a mutual information")
    check_base(base)
    one = block_spectrum(k, n_fm_, 1)
    spectra = (one, one, block_spectrum(k, n_fm_, 2))
    return rebase(_mutual_information(spectra, order, _count_domain(k + n_fm_)), base)


def block_mutual_information(
    n_e: object,
    n_fm: object,
    m_a: int,
    m_b: int,
    base: object = None,
    *,
    alpha: object = 1,
    max_spins: int | None = None,
) -> sp.Expr:
    r"""Mutual information :math:`I(A|B) = S_A + S_B - S_{AB}` (PRX Eq. 14) of two disjoint blocks of spins.

    Blocks of :math:`m_A` and :math:`m_B` spins anywhere in the PRX Eq. 15 state (electrons, localized
    spins or both): by permutation symmetry :math:`I = S_{m_A} + S_{m_B} - S_{m_A+m_B}` with the
    block entropies of :func:`~entanglement.closed_form.block_entropy`, von Neumann (``alpha=1``) or
    Rényi-α. :math:`m_A = m_B = 1` is the PRX edge pair.

    Parameters
    ----------
    n_e, n_fm : int or sympy integer expression
    m_a, m_b : int
        Block sizes, ``>= 1`` with ``m_a + m_b <= N_e + N_FM``.
    base : number, optional
        Logarithm base (natural log if None).
    alpha : number or positive sympy symbol, keyword-only
        Rényi order > 0 (1, the default, is von Neumann).
    max_spins : int, optional, keyword-only
        Largest ``m_a + m_b`` accepted, as in :func:`~entanglement.closed_form.block_spectrum`.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        For invalid counts, an empty block, ``m_a + m_b > N_e + N_FM`` or above ``max_spins``, or alpha <= 0.

    Examples
    --------
    >>> block_mutual_information(2, 2, 2, 2)        # two halves of a pure state: 2 S_2
    2*log(27/2)/3
    >>> block_mutual_information(3, 3, 1, 2, alpha=2)
    log(41/22)
    """
    order = as_renyi_order(alpha)
    k, n_fm_ = counts(n_e, n_fm)
    for size, name in ((m_a, "m_a"), (m_b, "m_b")):
        if isinstance(size, bool) or not isinstance(size, int | sp.Integer):
            raise TypeError(f"block size {name} must be an integer >= 1, got {type(size).__name__} {size!r}")
        if int(size) < 1:
            raise ValueError(f"block size {name} must be >= 1, got {size}")
    check_base(base)
    sizes = (int(m_a), int(m_b), int(m_a) + int(m_b))
    # the largest block first: a too-large m_a + m_b is refused before any work
    spectra = [block_spectrum(k, n_fm_, m, max_spins=max_spins) for m in sizes[::-1]][::-1]
    return rebase(_mutual_information(tuple(spectra), order, _count_domain(k + n_fm_)), base)


# ------------------------------------------------------------------------------------ limits


@functools.cache
def _binomial_weight_limits(m: int) -> tuple[sp.Expr, ...]:
    """``sympy.limit`` t -> oo of the hypergeometric weights p_j (j = m..0) for N_e = a t, N_FM = b t."""
    a, b = sp.Symbol("a", positive=True), sp.Symbol("b", positive=True)
    k, n = a * _T, (a + b) * _T
    limits = [sp.limit(comb(m, j) * config_probability(k, n, m, j), _T, sp.oo) for j in range(m, -1, -1)]
    return tuple(sp.factor(lam).subs({a + b: 1}) for lam in limits)


def _limit_spectrum(m: int, p: sp.Expr) -> Spectrum:
    """Binomial limit spectrum of m spins at filling p, with the zero eigenvalue (multiplicity 2^m - m - 1)."""
    a, b = sp.Symbol("a", positive=True), sp.Symbol("b", positive=True)
    pairs = [(lam.subs({a: p, b: 1 - p}), 1) for lam in _binomial_weight_limits(m)]
    return merge([*pairs, (sp.Integer(0), 2**m - m - 1)] if 2**m > m + 1 else pairs)


def _filling(p: object) -> sp.Expr:
    return sp.Rational(1, 2) if p is None else as_fraction(p)


def _block_size(m: object, name: str) -> int:
    if isinstance(m, bool) or not isinstance(m, int | sp.Integer):
        raise TypeError(f"block size {name} must be an integer >= 1, got {type(m).__name__} {m!r}")
    if int(m) < 1:
        raise ValueError(f"block size {name} must be >= 1, got {m}")
    return int(m)


def block_entropy_limit(
    m: int, p: object = None, base: object = None, *, alpha: object = 1, max_spins: int = MAX_SYMBOLIC_SPINS
) -> sp.Expr:
    r"""Large-size limit of the (Rényi-α) entropy of m spins of the PRX Eq. 15 state (PRX Eq. 12).

    For :math:`n = N_e + N_{FM}\to\infty` at fixed filling p the hypergeometric weights tend to the
    binomial ones :math:`\binom{m}{j}p^j(1-p)^{m-j}` (derived with ``sympy.limit``), so the limit is
    the entropy of that spectrum: :math:`m\ln 2 - \dots` at p = 1/2, e.g. ``3*log(2)/2`` for m = 2
    (von Neumann).

    Parameters
    ----------
    m : int
        Block size >= 1.
    p : number or sympy expression, optional
        Filling :math:`N_e/(N_e+N_{FM})`, ``0 < p < 1``; None means :math:`N_e = N_{FM}` (p = 1/2).
    base : number, optional
        Logarithm base (natural log if None).
    alpha : number or positive sympy symbol, keyword-only
        Rényi order > 0 (1, the default, is von Neumann).
    max_spins : int, keyword-only
        Largest m accepted (default :data:`~entanglement.closed_form.MAX_SYMBOLIC_SPINS` = 8: m + 1
        ``sympy.limit`` calls), checked before any work.

    Returns
    -------
    sympy.Expr

    Examples
    --------
    >>> block_entropy_limit(2)
    3*log(2)/2
    >>> block_entropy_limit(2, alpha=2)
    log(8/3)
    >>> block_entropy_limit(1, sp.Symbol("p", positive=True), alpha=2)
    -log(2*p**2 - 2*p + 1)
    """
    size = _block_size(m, "m")
    check_limit(size, max_spins, "block size m (m + 1 sympy limits)", "max_spins")
    order, filling = as_renyi_order(alpha), _filling(p)
    check_base(base)
    return rebase(_entropy(_limit_spectrum(size, filling), order, filling_domain(filling)), base)


def block_mutual_information_limit(
    m_a: int, m_b: int, p: object = None, base: object = None, *, alpha: object = 1, max_spins: int = MAX_SYMBOLIC_SPINS
) -> sp.Expr:
    r"""Large-size limit of the mutual information (PRX Eq. 14) of two blocks of :math:`m_A`, :math:`m_B` spins.

    :math:`I = S_{m_A} + S_{m_B} - S_{m_A+m_B}` with the limiting (binomial) block entropies of
    :func:`block_entropy_limit`; arguments as there, ``max_spins`` bounding :math:`m_A + m_B`. For
    :math:`m_A = m_B = 1` this is :func:`renyi_mutual_information_limit`.

    Examples
    --------
    >>> block_mutual_information_limit(1, 1)        # PRX Eq. 17
    log(2)/2
    >>> block_mutual_information_limit(2, 2, alpha=2)
    log(35/18)
    """
    size_a, size_b = _block_size(m_a, "m_a"), _block_size(m_b, "m_b")
    check_limit(size_a + size_b, max_spins, "block size m_a + m_b (sympy limits)", "max_spins")
    order, filling = as_renyi_order(alpha), _filling(p)
    check_base(base)
    spectra = tuple(_limit_spectrum(m, filling) for m in (size_a, size_b, size_a + size_b))
    return rebase(_mutual_information(spectra, order, filling_domain(filling)), base)


def renyi_mutual_information_limit(alpha: object, p: object = None, base: object = None) -> sp.Expr:
    r"""Large-size limit of the Rényi-α mutual information of the PRX edge spins (PRX Eqs. 14, 17).

    .. math::
        \lim_{N\to\infty} I_\alpha(1|N) = \frac{1}{1-\alpha}\ln\frac{4}{2+2^\alpha}
        \quad (N_e = N_{FM} = N),

    derived with ``sympy.limit`` from the exact two-spin spectrum (which tends to (1/4, 1/2, 1/4, 0));
    ``log(3/2)`` at α = 2, and ``log(2)/2`` (PRX Eq. 17) at α = 1 and as α → 1. At fixed filling p
    the argument of the log is :math:`(p^\alpha+(1-p)^\alpha)^2/(p^{2\alpha}+(2p(1-p))^\alpha+(1-p)^{2\alpha})`.

    Parameters
    ----------
    alpha : number or positive sympy symbol
        Rényi order > 0; 1 gives :func:`~entanglement.closed_form.mutual_information_limit`.
    p : number or sympy expression, optional
        Filling :math:`N_e/(N_e+N_{FM})` in (0, 1) held fixed; None means :math:`N_e = N_{FM}`.
    base : number, optional
        Logarithm base (natural log if None).

    Returns
    -------
    sympy.Expr
        Simplified (module docstring).

    Examples
    --------
    >>> renyi_mutual_information_limit(2)
    log(3/2)
    >>> renyi_mutual_information_limit(sp.Symbol("alpha", positive=True))
    log(4/(2**alpha + 2))/(1 - alpha)
    >>> renyi_mutual_information_limit(2, sp.Symbol("p", positive=True))
    -2*log(2*p**2 - 2*p + 1) + log(6*p**4 - 12*p**3 + 10*p**2 - 4*p + 1)
    """
    return block_mutual_information_limit(1, 1, p, base, alpha=alpha)
