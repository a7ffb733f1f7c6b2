"""Core of :mod:`entanglement.closed_form`: spectra with multiplicities, entropies, m-spin blocks (sympy).

See :mod:`entanglement.closed_form` for the physics (PRX Eq. 15 state = Dicke state, hypergeometric
RDM spectra). Everything here is re-exported from there.
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp

from entanglement._closed_form_checks import (
    MAX_RDM_SPINS,
    MAX_SPECTRUM_SPINS,
    MAX_SYMBOLIC_SPINS,
    as_block_size,
    as_count,
    check_base,
    check_limit,
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


def entropy_from_spectrum(spectrum: Iterable[tuple[object, int]], base: object = None) -> sp.Expr:
    r"""Von Neumann entropy :math:`S = -\sum_\lambda g_\lambda \lambda \ln\lambda` (PRX Eq. 12) from a spectrum.

    Parameters
    ----------
    spectrum : iterable of (eigenvalue, multiplicity)
        Eigenvalues (numbers or sympy expressions) with integer multiplicities ``g >= 1``; eigenvalues
        that are exactly zero contribute nothing (0 ln 0 = 0).
    base : number, optional
        Logarithm base; natural log if None.

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
    """
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
            terms.append(-int(g) * value * sp.log(value))
    deficit = sp.cancel(total - 1)
    unit_trace = abs(sp.N(deficit)) <= 1e-12 if deficit.is_number else sp.simplify(deficit) == 0
    if not unit_trace:
        raise ValueError(f"eigenvalues times multiplicities must sum to 1 (unit trace), got {sp.factor(total)}")
    return rebase(sp.Add(*terms), base)


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
    n_e: object, n_fm: object, m: int, base: object = None, *, max_spins: int | None = None
) -> sp.Expr:
    r"""Entanglement entropy (PRX Eq. 12) of any block of m spins of the PRX Eq. 15 state.

    :math:`S_m = -\sum_j p_j \ln p_j` with the hypergeometric weights of :func:`block_spectrum`;
    :math:`S_m = S_{n-m}` and :math:`S_0 = S_n = 0` (pure state).

    Parameters
    ----------
    n_e, n_fm : int or sympy integer expression
    m : int
        Block size, ``0 <= m <= N_e + N_FM``.
    base : number, optional
        Logarithm base (natural log if None).
    max_spins : int, optional, keyword-only
        As in :func:`block_spectrum`.

    Returns
    -------
    sympy.Expr
    """
    check_base(base)
    return entropy_from_spectrum(block_spectrum(n_e, n_fm, m, max_spins=max_spins), base)
