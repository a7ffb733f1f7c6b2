r"""Exact entanglement of the PRX Eq. 15 state: closed forms in sympy, twins in mpmath and numpy.

The PRX Eq. 15 state with :math:`N_e` electrons and :math:`N_{FM}` localized spins is the
equal-weight superposition of all :math:`\binom{n}{k}` basis states of :math:`n = N_e + N_{FM}`
qubits with exactly :math:`k = N_e` spins up (spin conservation, PRX Eq. 9): the Dicke state
:math:`|D_n^k\rangle`. It is symmetric under every permutation of the :math:`n` spins, so every
m-spin reduced density matrix (RDM) is the same whichever spins (electrons or localized spins) are
kept. Splitting :math:`|D_n^k\rangle = \sum_j \sqrt{p_j}\,|D_m^j\rangle|D_{n-m}^{k-j}\rangle` gives

.. math::
    \rho_m = \sum_j p_j |D_m^j\rangle\langle D_m^j|, \qquad
    p_j = \binom{m}{j}\binom{n-m}{k-j} \Big/ \binom{n}{k}

(hypergeometric weights). In the computational basis every entry between two configurations with
the same number :math:`j` of up spins equals :math:`q_j = p_j/\binom{m}{j}
= (k)_j (n-k)_{m-j} / (n)_m` (falling factorials), all other entries vanish. For two spins, in the
basis (↑↑, ↑↓, ↓↑, ↓↓)::

    ρ_2 = [[P↑↑, 0,   0,   0  ],      P↑↑ = k(k-1)/(n(n-1))
           [0,   P↑↓, P↑↓, 0  ],      P↑↓ = P↓↑ = k(n-k)/(n(n-1))  (also the coherence <↑↓|ρ|↓↑>)
           [0,   P↑↓, P↑↓, 0  ],      P↓↓ = (n-k)(n-k-1)/(n(n-1))
           [0,   0,   0,   P↓↓]]

with spectrum {P↑↑, 2P↑↓ (triplet 0), P↓↓, 0 (singlet)}. For :math:`N_e = N_{FM} = N` its entropy
is PRX Eq. 16, the single-spin entropy is ln 2 and the mutual information (PRX Eq. 14) tends to
ln 2/2 (PRX Eq. 17, Fig. 8). The Meyer–Wallach measure (PRX Eq. 13) is
:math:`Q = 2(1 - \mathrm{Tr}\rho_1^2) = 4p(1-p)` with :math:`p = N_e/n`.

Entropies are computed from the spectrum *with multiplicities* (:func:`entropy_from_spectrum`);
``sympy.physics.quantum.density.entropy`` is not used because it drops multiplicities (it returns
log(2)/2 for the maximally mixed qubit). Natural log unless ``base=`` is given.

Rényi-α entropies :math:`\ln(\mathrm{Tr}\rho^\alpha)/(1-\alpha)` (``alpha=`` on the block entropies,
:func:`renyi_mutual_information`, :func:`block_mutual_information`) follow from the same spectra;
their large-size limits come from the binomial limit of the hypergeometric weights, e.g.
:math:`\lim I_\alpha(1|N) = \ln(4/(2+2^\alpha))/(1-\alpha)` for :math:`N_e = N_{FM} = N`
(:func:`renyi_mutual_information_limit`; ``log(3/2)`` at α = 2, ln 2/2 as α → 1).

Arguments ``n_e``, ``n_fm`` may be non-negative integers or sympy expressions declared integer and
non-negative. Symbolic results are generic formulas: they hold for every integer value at which no
eigenvalue vanishes (e.g. :math:`N \ge 2` for :math:`N_e = N_{FM} = N`); for boundary values call
the function with the integers themselves (a vanishing eigenvalue is then dropped exactly, 0 ln 0 = 0)
instead of substituting into the symbolic result.
"""

from __future__ import annotations

import functools

import sympy as sp

from entanglement._closed_form_checks import (
    MAX_DPS,
    MAX_MP_BLOCK_SPINS,
    MAX_RDM_SPINS,
    MAX_SERIES_ORDER,
    MAX_SPECTRUM_SPINS,
    MAX_SYMBOLIC_SPINS,
    SpinLabel,
    as_fraction,
    check_limit,
    require_distinct,
    require_spins,
    spin_position,
)
from entanglement._closed_form_core import (
    Spectrum,
    block_entropy,
    block_rdm,
    block_spectrum,
    config_probability,
    counts,
    entropy_from_spectrum,
    merge,
    tidy_log,
)
from entanglement._closed_form_mp import (
    block_entropy_mp,
    meyer_wallach_mp,
    meyer_wallach_np,
    mutual_information_mp,
    mutual_information_np,
    renyi_mutual_information_mp,
    single_spin_entropy_mp,
    single_spin_entropy_np,
    two_spin_entropy_mp,
    two_spin_entropy_np,
)
from entanglement._closed_form_renyi import (
    block_entropy_limit,
    block_mutual_information,
    block_mutual_information_limit,
    renyi_mutual_information,
    renyi_mutual_information_limit,
)
from entanglement._closed_form_series import renyi_mutual_information_series

__all__ = [
    "MAX_DPS",
    "MAX_MP_BLOCK_SPINS",
    "MAX_RDM_SPINS",
    "MAX_SERIES_ORDER",
    "MAX_SPECTRUM_SPINS",
    "MAX_SYMBOLIC_SPINS",
    "block_entropy",
    "block_entropy_limit",
    "block_entropy_mp",
    "block_mutual_information",
    "block_mutual_information_limit",
    "block_rdm",
    "block_spectrum",
    "entropy_from_spectrum",
    "meyer_wallach",
    "meyer_wallach_mp",
    "meyer_wallach_np",
    "mutual_information",
    "mutual_information_limit",
    "mutual_information_mp",
    "mutual_information_np",
    "mutual_information_series",
    "renyi_mutual_information",
    "renyi_mutual_information_limit",
    "renyi_mutual_information_mp",
    "renyi_mutual_information_series",
    "single_spin_entropy",
    "single_spin_entropy_mp",
    "single_spin_entropy_np",
    "single_spin_rdm",
    "spin_qubit",
    "two_spin_entropy",
    "two_spin_entropy_mp",
    "two_spin_entropy_np",
    "two_spin_rdm",
    "two_spin_spectrum",
    "two_spin_spectrum_limit",
]

# ----------------------------------------------------------------------------- one and two spins


def single_spin_rdm(n_e: object, n_fm: object) -> sp.Matrix:
    r"""RDM of any single spin (PRX Eq. 10): :math:`\mathrm{diag}(N_e/n, N_{FM}/n)` in the basis (↑, ↓).

    No coherences: the state has a definite total :math:`S^z`. For :math:`N_e = N_{FM}` this is
    the incoherent mixture :math:`(|↑\rangle\langle↑| + |↓\rangle\langle↓|)/2` quoted in PRX Sec. VII.

    Raises
    ------
    ValueError
        If the counts are invalid or :math:`N_e + N_{FM} = 0`.
    """
    k, n_fm_ = counts(n_e, n_fm)
    require_spins(k, n_fm_, 1, "a single-spin RDM")
    return block_rdm(k, n_fm_, 1)


def single_spin_entropy(n_e: object, n_fm: object, base: object = None) -> sp.Expr:
    r"""Entropy :math:`S_1` (PRX Eq. 12) of any single spin; ln 2 for :math:`N_e = N_{FM}` (PRX Sec. VII)."""
    k, n_fm_ = counts(n_e, n_fm)
    require_spins(k, n_fm_, 1, "a single-spin entropy")
    return block_entropy(k, n_fm_, 1, base)


def two_spin_rdm(n_e: object, n_fm: object) -> sp.Matrix:
    r"""RDM of any two spins, 4×4 in the basis (↑↑, ↑↓, ↓↑, ↓↓) (module docstring for the entries).

    Diagonal :math:`P_{↑↑} = k(k-1)/(n(n-1))`, :math:`P_{↑↓} = P_{↓↑} = k(n-k)/(n(n-1))`,
    :math:`P_{↓↓} = (n-k)(n-k-1)/(n(n-1))`; the only coherence is
    :math:`\langle↑↓|\rho|↓↑\rangle = P_{↑↓}`. This is :math:`\hat\rho_{1,N_{FM}}` of PRX Eq. 16.

    Raises
    ------
    ValueError
        If the counts are invalid or :math:`N_e + N_{FM} < 2`.
    """
    k, n_fm_ = counts(n_e, n_fm)
    require_spins(k, n_fm_, 2, "a two-spin RDM")
    return block_rdm(k, n_fm_, 2)


def two_spin_spectrum(n_e: object, n_fm: object) -> Spectrum:
    r"""Eigenvalues of the two-spin RDM with multiplicities.

    :math:`P_{↑↑}` (|↑↑>), :math:`2P_{↑↓}` (triplet 0), :math:`P_{↓↓}` (|↓↓>) and 0 (singlet), merged
    when provably equal: e.g. ``[(N/(2N-1), 1), ((N-1)/(2(2N-1)), 2), (0, 1)]`` for
    :math:`N_e = N_{FM} = N`. Multiplicities sum to 4.
    """
    k, n_fm_ = counts(n_e, n_fm)
    require_spins(k, n_fm_, 2, "a two-spin spectrum")
    return block_spectrum(k, n_fm_, 2)


def two_spin_entropy(n_e: object, n_fm: object, base: object = None) -> sp.Expr:
    r"""Entropy :math:`S_{1,N_{FM}}` of any two spins; PRX Eq. 16 when :math:`N_e = N_{FM}`.

    .. math::
        S_{1,N} = \frac{N}{2N-1}\ln\frac{2N-1}{N} + \frac{N-1}{2N-1}\ln\frac{4N-2}{N-1}
        \quad (N_e = N_{FM} = N).
    """
    k, n_fm_ = counts(n_e, n_fm)
    require_spins(k, n_fm_, 2, "a two-spin entropy")
    return block_entropy(k, n_fm_, 2, base)


def mutual_information(
    n_e: object, n_fm: object, i: SpinLabel = 1, j: SpinLabel | None = None, base: object = None
) -> sp.Expr:
    r"""Mutual information :math:`I(i|j) = S_i + S_j - S_{i,j}` (PRX Eq. 14) between two spins.

    The default ``i=1, j=None`` is the PRX pair: localized spins 1 and :math:`N_{FM}` at the edges of
    the FM region. Any other pair may be named (see below); by permutation symmetry of the Eq. 15
    state the value is the same for every pair, electrons and localized spins alike:
    :math:`I = 2S_1 - S_{1,N_{FM}}`, tending to ln 2/2 for :math:`N_e = N_{FM}\to\infty` (PRX Eq. 17).

    Parameters
    ----------
    n_e, n_fm : int or sympy integer expression
    i, j : spin label, optional
        An integer is a localized spin (1..N_FM, PRX numbering); ``"e3"`` or ``("e", 3)`` is electron 3;
        ``"fm2"`` or ``("fm", 2)`` is localized spin 2. ``j=None`` means localized spin N_FM.
    base : number, optional
        Logarithm base (natural log if None).

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ValueError
        If the counts are invalid, a label is malformed or out of range, or i and j are the same spin.
    """
    k, n_fm_ = counts(n_e, n_fm)
    a = spin_position(i, k, n_fm_, "i")
    b = spin_position(n_fm_ if j is None else j, k, n_fm_, "j")
    require_distinct(a, b)
    require_spins(k, n_fm_, 2, "a mutual information")
    s1 = single_spin_entropy(k, n_fm_, base)
    return 2 * s1 - two_spin_entropy(k, n_fm_, base)


def spin_qubit(n_e: object, n_fm: object, label: SpinLabel) -> int:
    """0-based qubit index of a spin label in the dense vector of :func:`states.stt_superposition`.

    Electrons come first: electron i is qubit i - 1, localized spin i (integer label or ``"fm<i>"``)
    is qubit N_e + i - 1. Labels as in :func:`mutual_information`; the counts must be concrete.
    """
    k, n_fm_ = counts(n_e, n_fm)
    if not (k.is_Integer and n_fm_.is_Integer):
        raise ValueError(f"spin_qubit needs concrete N_e, N_FM, got {k}, {n_fm_}")
    kind, index = spin_position(label, k, n_fm_, "label")
    return int(index) - 1 + (0 if kind == "e" else int(k))


def meyer_wallach(n_e: object, n_fm: object) -> sp.Expr:
    r"""Meyer–Wallach global entanglement, PRX Eq. 13, of the Eq. 15 state (exact).

    All :math:`n` single-spin RDMs are equal, so
    :math:`Q = 2(1 - \mathrm{Tr}\rho_1^2) = 4p(1-p)` with :math:`p = N_e/n`: 1 for
    :math:`N_e = N_{FM}`, "slightly below" 1 otherwise, e.g. 160/169 for :math:`N_e = 8, N_{FM} = 5`.
    """
    k, n_fm_ = counts(n_e, n_fm)
    require_spins(k, n_fm_, 1, "the Meyer-Wallach measure")
    rho = single_spin_rdm(k, n_fm_)
    return sp.factor(2 * (1 - (rho * rho).trace()))


# --------------------------------------------------------------------------- asymptotics (sympy)

_N = sp.Symbol("N", integer=True, positive=True)
_T = sp.Symbol("t", positive=True)
_A = sp.Symbol("a", positive=True)
_B = sp.Symbol("b", positive=True)


@functools.cache
def _limit_eq_n() -> sp.Expr:
    return tidy_log(sp.limit(mutual_information(_N, _N), _N, sp.oo))


@functools.cache
def _limits_at_fixed_filling() -> tuple[list[sp.Expr], sp.Expr]:
    """Limits t -> oo of the two-spin eigenvalues and of I for N_e = a t, N_FM = b t (a, b > 0).

    The exact expressions are built with a, b, t positive reals (the closed forms are rational
    functions of N_e, N_FM, so they extend to real arguments); a = p, b = 1 - p afterwards.
    """
    k, n = _A * _T, (_A + _B) * _T
    eigen = [sp.binomial(2, j) * config_probability(k, n, 2, j) for j in (2, 1, 0)]
    s1 = entropy_from_spectrum([(k / n, 1), (1 - k / n, 1)])
    s2 = entropy_from_spectrum([(lam, 1) for lam in eigen] + [(sp.Integer(0), 1)])
    eigen_limits = [sp.factor(sp.limit(lam, _T, sp.oo)) for lam in eigen]
    return eigen_limits, sp.limit(2 * s1 - s2, _T, sp.oo)


def two_spin_spectrum_limit(p: object) -> Spectrum:
    r"""Large-n limit of the two-spin spectrum at fixed filling p = N_e/(N_e + N_FM), 0 < p < 1.

    Derived with ``sympy.limit`` from the exact eigenvalues with :math:`N_e = p\,n`,
    :math:`N_{FM} = (1-p)\,n`, :math:`n\to\infty`: ``[(p**2, 1), (2p(1-p), 1), ((1-p)**2, 1), (0, 1)]``
    (order ↑↑, triplet 0, ↓↓, singlet; equal entries merged, e.g. at p = 1/2).
    """
    pv = as_fraction(p)
    eigen_limits, _ = _limits_at_fixed_filling()
    pairs = [(lam.subs({_A: pv, _B: 1 - pv}), 1) for lam in eigen_limits]
    return merge([*pairs, (sp.Integer(0), 1)])


def mutual_information_limit(p: object = None) -> sp.Expr:
    r"""Large-size limit of the mutual information (PRX Eqs. 14, 17), derived with ``sympy.limit``.

    Parameters
    ----------
    p : number or sympy expression, optional
        None: :math:`N_e = N_{FM} = N\to\infty`, giving ``log(2)/2`` (PRX Eq. 17, Fig. 8).
        Otherwise the filling :math:`p = N_e/(N_e+N_{FM})`, ``0 < p < 1``, held fixed while
        :math:`n\to\infty`, giving :math:`2p(1-p)\ln 2` (the spectrum tends to
        ((1-p)², 2p(1-p), p²), :func:`two_spin_spectrum_limit`). Floats are converted to short
        rationals (0.3 -> 3/10).

    Returns
    -------
    sympy.Expr
        Simplified: ``str(mutual_information_limit()) == "log(2)/2"``.
    """
    if p is None:
        return _limit_eq_n()
    pv = as_fraction(p)
    _, limit_ab = _limits_at_fixed_filling()
    return tidy_log(limit_ab.subs({_A: pv, _B: 1 - pv}))


def mutual_information_series(
    order: int = 2, symbol: sp.Symbol | None = None, *, max_order: int = MAX_SERIES_ORDER
) -> sp.Expr:
    r"""Large-N expansion of :math:`I(1|N)` for :math:`N_e = N_{FM} = N` (PRX Eqs. 14, 16), through :math:`N^{-order}`.

    Computed with ``sympy.series`` in :math:`x = 1/N` of the exact :math:`2\ln 2 - S_{1,N}`; the
    omitted remainder is :math:`O(N^{-order-1})`. The first terms are
    :math:`\ln 2/2 + \ln 2/(4N) + (1+\ln 2)/(8N^2) + \dots`

    Parameters
    ----------
    order : int
        Highest power of 1/N kept (>= 0).
    symbol : sympy.Symbol, optional
        Symbol for N in the result (default ``Symbol("N", integer=True, positive=True)``).
    max_order : int, keyword-only
        Largest ``order`` accepted (default :data:`MAX_SERIES_ORDER` = 12), checked before any work.

    Returns
    -------
    sympy.Expr
        A polynomial in 1/N with simplified coefficients (no O-term).
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise ValueError(f"series order must be a non-negative integer, got {order!r}")
    if symbol is not None and not isinstance(symbol, sp.Symbol):
        raise ValueError(f"symbol must be a sympy Symbol, got {symbol!r}")
    check_limit(order, max_order, "series order", "max_order")
    x = sp.Symbol("x", positive=True)
    expr = mutual_information(_N, _N).subs(_N, 1 / x)
    poly = sp.series(expr, x, 0, order + 1).removeO()
    coeffs = [sp.factor(tidy_log(poly.coeff(x, power))) for power in range(order + 1)]
    big_n = _N if symbol is None else symbol
    return sp.Add(*[c / big_n**power for power, c in enumerate(coeffs)])
