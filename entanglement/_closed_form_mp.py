r"""mpmath (any precision, huge N) and numpy (plain float, vectorized) twins of :mod:`entanglement.closed_form`.

Same physics as the sympy closed forms (see that module's docstring): the PRX Eq. 15 state is the
Dicke state :math:`|D_n^k\rangle`, :math:`n = N_e + N_{FM}`, :math:`k = N_e`, and every m-spin RDM
has the hypergeometric spectrum :math:`p_j = \binom{m}{j}(k)_j(n-k)_{m-j}/(n)_m`.

Precision strategy of the mpmath twins: every eigenvalue is a ratio of exact integers (one, two
spins) or a product of m exact integer factors (blocks, recurrence in j), evaluated at
``dps + guard`` digits with ``guard = 10 + digits(n)``, which covers the O(m) roundings and the
mild cancellation in :math:`2S_1 - S_2`; the result is rounded to ``dps`` digits. No sum over the
:math:`\binom{n}{k}` terms of Eq. 15 is ever formed, so :math:`N = 10^6` costs microseconds
(two-spin quantities) or O(m) operations (blocks).

Note: the returned ``mpf`` carries ``dps`` digits, but arithmetic on it runs at mpmath's global
precision (15 digits by default); wrap follow-up arithmetic in ``mpmath.workdps(dps)``.
"""

from __future__ import annotations

from math import comb

import numpy as np
import sympy as sp
from mpmath import mp, mpf
from scipy.special import entr

from entanglement._closed_form_checks import (
    MAX_DPS,
    MAX_MP_BLOCK_SPINS,
    SpinLabel,
    as_block_size,
    as_concrete_count,
    as_renyi_order,
    check_base,
    check_dps,
    check_limit,
    digits,
    require_distinct,
    require_spins,
    spin_position,
)

__all__ = [
    "block_entropy_mp",
    "meyer_wallach_mp",
    "meyer_wallach_np",
    "mutual_information_mp",
    "mutual_information_np",
    "renyi_mutual_information_mp",
    "single_spin_entropy_mp",
    "single_spin_entropy_np",
    "two_spin_entropy_mp",
    "two_spin_entropy_np",
]


def _counts(n_e: object, n_fm: object, minimum: int, what: str) -> tuple[int, int]:
    k = as_concrete_count(n_e, "n_e (number of electrons N_e)")
    n_fm_ = as_concrete_count(n_fm, "n_fm (number of localized spins N_FM)")
    require_spins(sp.Integer(k), sp.Integer(n_fm_), minimum, what)
    return k, n_fm_


def _guard(n: int) -> int:
    return 10 + digits(n)


def _working_dps(dps: object, n: int, max_dps: object, extra: int = 0) -> int:
    """``dps`` checked, plus the guard digits; refused when the working precision exceeds ``max_dps``."""
    dps = check_dps(dps)
    check_limit(dps + _guard(n) + extra, max_dps, "working precision dps + 10 + digits(N)", "max_dps")
    return dps


def _entropy_of_ratios(numerators: list[int], denominator: int) -> mpf:
    """-Σ λ ln λ over λ = numerator/denominator (exact integers), at the current mp precision."""
    total = mpf(0)
    for num in numerators:
        if num:
            lam = mpf(num) / denominator
            total -= lam * mp.log(lam)
    return total


def _finish(value: mpf, dps: int, base: object) -> mpf:
    """Divide by ln(base) at working precision, then round to ``dps`` digits."""
    check_base(base)
    if base is not None:
        value = value / mp.log(mpf(str(sp.N(sp.sympify(base), mp.dps + 5))))
    with mp.workdps(dps):
        return +value


def single_spin_entropy_mp(
    n_e: object, n_fm: object, dps: int = 30, base: object = None, *, max_dps: int = MAX_DPS
) -> mpf:
    r"""mpmath twin of :func:`~entanglement.closed_form.single_spin_entropy`: :math:`S_1` (PRX Eq. 12).

    ``max_dps`` (keyword, default :data:`MAX_DPS`) bounds the working precision dps + 10 + digits(N).
    """
    k, n_fm_ = _counts(n_e, n_fm, 1, "a single-spin entropy")
    n = k + n_fm_
    dps = _working_dps(dps, n, max_dps)
    check_base(base)
    with mp.workdps(dps + _guard(n)):
        return _finish(_entropy_of_ratios([k, n_fm_], n), dps, base)


def two_spin_entropy_mp(
    n_e: object, n_fm: object, dps: int = 30, base: object = None, *, max_dps: int = MAX_DPS
) -> mpf:
    r"""mpmath twin of :func:`~entanglement.closed_form.two_spin_entropy`: :math:`S_{1,N_{FM}}` (PRX Eq. 16).

    ``max_dps`` (keyword, default :data:`MAX_DPS`) bounds the working precision dps + 10 + digits(N).
    """
    k, n_fm_ = _counts(n_e, n_fm, 2, "a two-spin entropy")
    n = k + n_fm_
    dps = _working_dps(dps, n, max_dps)
    check_base(base)
    with mp.workdps(dps + _guard(n)):
        s2 = _entropy_of_ratios([k * (k - 1), 2 * k * n_fm_, n_fm_ * (n_fm_ - 1)], n * (n - 1))
        return _finish(s2, dps, base)


def mutual_information_mp(
    n_e: object,
    n_fm: object,
    dps: int = 30,
    *,
    i: SpinLabel = 1,
    j: SpinLabel | None = None,
    base: object = None,
    max_dps: int = MAX_DPS,
) -> mpf:
    r"""mpmath twin of :func:`~entanglement.closed_form.mutual_information` (PRX Eq. 14), :math:`2S_1 - S_{1,2}`.

    Parameters
    ----------
    n_e, n_fm : int
        Concrete counts (N = 10**6 takes well under a millisecond).
    dps : int
        Decimal digits of the result.
    i, j : spin label, keyword-only
        As in the sympy function (validated; the value is the same for every pair).
    base : number, optional
        Logarithm base (natural log if None).
    max_dps : int, keyword-only
        Largest working precision dps + 10 + digits(N) (default :data:`MAX_DPS`), checked first.
    """
    k, n_fm_ = _counts(n_e, n_fm, 2, "a mutual information")
    dps = _working_dps(dps, k + n_fm_, max_dps)
    check_base(base)
    kk, nf = sp.Integer(k), sp.Integer(n_fm_)
    a = spin_position(i, kk, nf, "i")
    b = spin_position(nf if j is None else j, kk, nf, "j")
    require_distinct(a, b)
    n = k + n_fm_
    with mp.workdps(dps + _guard(n)):
        s1 = _entropy_of_ratios([k, n_fm_], n)
        s2 = _entropy_of_ratios([k * (k - 1), 2 * k * n_fm_, n_fm_ * (n_fm_ - 1)], n * (n - 1))
        return _finish(2 * s1 - s2, dps, base)


def block_entropy_mp(
    n_e: object,
    n_fm: object,
    m: int,
    dps: int = 30,
    base: object = None,
    *,
    alpha: object = 1,
    max_spins: int = MAX_MP_BLOCK_SPINS,
    max_dps: int = MAX_DPS,
) -> mpf:
    r"""mpmath twin of :func:`~entanglement.closed_form.block_entropy`: entropy of any m spins.

    Sums :math:`-p_j\ln p_j` (or, for a Rényi order ``alpha`` other than 1, forms
    :math:`\ln(\sum_j p_j^\alpha)/(1-\alpha)`) over the :math:`\le m+1` nonzero hypergeometric
    weights; the first weight is a product of m exact integer factors and the others follow from the
    exact ratio :math:`p_j/p_{j-1} = (m-j+1)(k-j+1)/(j\,(N_{FM}-m+j))`. Cost O(m) operations at
    ``dps + guard`` digits. Refused before any work: m above ``max_spins`` (keyword, default
    :data:`MAX_MP_BLOCK_SPINS`) and a working precision above ``max_dps`` (default :data:`MAX_DPS`).
    ``alpha`` (keyword, > 0, a number) is validated as in the sympy function.
    """
    k, n_fm_ = _counts(n_e, n_fm, 0, "a block entropy")
    n = k + n_fm_
    m = as_block_size(m, sp.Integer(n))
    check_limit(m, max_spins, "block size m (O(m) high-precision products)", "max_spins")
    dps = _working_dps(dps, n, max_dps, digits(m))
    check_base(base)
    order = _numeric_order(alpha)
    j_lo, j_hi = max(0, m - n_fm_), min(m, k)
    with mp.workdps(dps + _guard(n) + digits(m)):
        # p_{j_lo} = C(m, j_lo) (k)_{j_lo} (n-k)_{m-j_lo} / (n)_m
        p = mpf(comb(m, j_lo))
        for f in range(j_lo):
            p *= k - f
        for f in range(m - j_lo):
            p *= n_fm_ - f
        for f in range(m):
            p /= n - f
        weights = [p]
        for jj in range(j_lo + 1, j_hi + 1):
            weights.append(weights[-1] * ((m - jj + 1) * (k - jj + 1)) / (jj * (n_fm_ - m + jj)))
        if order is None:
            total = -mp.fsum(w * mp.log(w) for w in weights)
        else:
            total = mp.log(mp.fsum(w**order for w in weights)) / (1 - order)
        return _finish(total, dps, base)


def _numeric_order(alpha: object) -> mpf | None:
    """The Rényi order as an mpf at the current precision, None for 1 (von Neumann)."""
    order = as_renyi_order(alpha)
    if not order.is_number:
        raise ValueError(f"the mpmath twins need a numeric Renyi order alpha, got the symbol {order}")
    if order == 1:
        return None
    return mpf(int(order.p)) / int(order.q)


def renyi_mutual_information_mp(
    n_e: object,
    n_fm: object,
    alpha: object,
    dps: int = 30,
    *,
    base: object = None,
    max_dps: int = MAX_DPS,
) -> mpf:
    r"""mpmath twin of :func:`~entanglement.closed_form.renyi_mutual_information` (PRX Eq. 14 with Rényi entropies).

    :math:`2S_{\alpha,1} - S_{\alpha,2}` from the exact one- and two-spin weights (the same for every
    pair of spins), at ``dps + 10 + digits(N)`` working digits, rounded to ``dps``.

    Examples
    --------
    >>> import mpmath
    >>> mpmath.nstr(renyi_mutual_information_mp(10**6, 10**6, 2, dps=20), 15)
    '0.405465441441859'
    """
    k, n_fm_ = _counts(n_e, n_fm, 2, "a mutual information")
    n = k + n_fm_
    dps = _working_dps(dps, n, max_dps)
    check_base(base)
    with mp.workdps(dps + _guard(n)):
        order = _numeric_order(alpha)
        if order is None:
            return mutual_information_mp(k, n_fm_, dps, base=base, max_dps=max_dps)
        weights_1 = [mpf(w) / n for w in (k, n_fm_) if w]
        weights_2 = [mpf(w) / (n * (n - 1)) for w in (k * (k - 1), 2 * k * n_fm_, n_fm_ * (n_fm_ - 1)) if w]
        s1, s2 = (mp.log(mp.fsum(w**order for w in ws)) / (1 - order) for ws in (weights_1, weights_2))
        return _finish(2 * s1 - s2, dps, base)


def meyer_wallach_mp(n_e: object, n_fm: object, dps: int = 30, *, max_dps: int = MAX_DPS) -> mpf:
    r"""mpmath twin of :func:`~entanglement.closed_form.meyer_wallach` (PRX Eq. 13): :math:`4N_eN_{FM}/n^2`."""
    k, n_fm_ = _counts(n_e, n_fm, 1, "the Meyer-Wallach measure")
    n = k + n_fm_
    dps = _working_dps(dps, n, max_dps)
    with mp.workdps(dps):
        return mpf(4 * k * n_fm_) / (n * n)


# ------------------------------------------------------------------------------ numpy (float64)


def _np_counts(n_e: object, n_fm: object, minimum: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for value, name in ((n_e, "n_e"), (n_fm, "n_fm")):
        arr = np.asarray(value)
        if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"{name} must be (an array of) non-negative integers, got dtype {arr.dtype}")
        if np.any(arr < 0):
            raise ValueError(f"{name} must be non-negative, got minimum {arr.min()}")
        arrays.append(arr.astype(np.float64))
    k, n_fm_ = np.broadcast_arrays(*arrays)
    if np.any(k + n_fm_ < minimum):
        raise ValueError(f"{what} needs N_e + N_FM >= {minimum}, got minimum {np.min(k + n_fm_):.0f}")
    return k, n_fm_


def _np_base(value: np.ndarray, base: object) -> np.ndarray:
    check_base(base)
    if base is None:
        return value
    try:
        return value / np.log(float(base))  # type: ignore[arg-type]
    except (OverflowError, TypeError):  # 10**400, a symbolic base: not a float64
        raise ValueError(f"the float64 twins need a base representable as a float, got {str(base)[:40]!r}") from None


def single_spin_entropy_np(n_e: object, n_fm: object, base: object = None) -> np.ndarray:
    """Float64, vectorized twin of :func:`~entanglement.closed_form.single_spin_entropy` (for plotting)."""
    k, n_fm_ = _np_counts(n_e, n_fm, 1, "a single-spin entropy")
    n = k + n_fm_
    return _np_base(entr(k / n) + entr(n_fm_ / n), base)


def two_spin_entropy_np(n_e: object, n_fm: object, base: object = None) -> np.ndarray:
    """Float64, vectorized twin of :func:`~entanglement.closed_form.two_spin_entropy` (PRX Eq. 16)."""
    k, n_fm_ = _np_counts(n_e, n_fm, 2, "a two-spin entropy")
    n = k + n_fm_
    d = n * (n - 1)
    s2 = entr(k * (k - 1) / d) + entr(2 * k * n_fm_ / d) + entr(n_fm_ * (n_fm_ - 1) / d)
    return _np_base(s2, base)


def mutual_information_np(n_e: object, n_fm: object, base: object = None) -> np.ndarray:
    """Float64, vectorized twin of :func:`~entanglement.closed_form.mutual_information` (PRX Eq. 14)."""
    _np_counts(n_e, n_fm, 2, "a mutual information")
    return 2 * single_spin_entropy_np(n_e, n_fm, base) - two_spin_entropy_np(n_e, n_fm, base)


def meyer_wallach_np(n_e: object, n_fm: object) -> np.ndarray:
    """Float64, vectorized twin of :func:`~entanglement.closed_form.meyer_wallach` (PRX Eq. 13)."""
    k, n_fm_ = _np_counts(n_e, n_fm, 1, "the Meyer-Wallach measure")
    n = k + n_fm_
    return 4 * k * n_fm_ / (n * n)
