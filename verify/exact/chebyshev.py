"""Exact time evolution ψ(t) = exp(−iHt/ħ) ψ(0) of a matrix-free Hermitian operator (Chebyshev).

The propagator used by the pair model (pair paper Eq. 2) and the PRX chain. It needs only a function
``apply_h(v) -> H v`` and (optionally) bounds on the spectrum of H.

Method
------
With the spectrum of H inside ``[lo, hi]``, write H = c + a H̃ with c = (hi + lo)/2, a = (hi − lo)/2,
so that the spectrum of H̃ lies in [−1, 1]. The Jacobi–Anger expansion gives, for every τ,

    exp(−iHτ/ħ) = exp(−icτ/ħ) Σ_k (2 − δ_k0) (−i)^k J_k(aτ/ħ) T_k(H̃),

with J_k the Bessel functions of the first kind and T_k the Chebyshev polynomials. Since
``‖T_k(H̃)‖ ≤ 1`` on [−1, 1], truncating after k = K makes an error of at most
``Σ_{k>K} 2|J_k(aτ/ħ)| · ‖ψ‖``; K is chosen so that this tail is below ``tol`` for every output of
a window (J_k(z) decays super-exponentially once k > z, so K ≈ aτ/ħ + O(τ^{1/3}) + O(log 1/tol)).

*Windows.* The output times are grouped into windows of length ≤ Δ (``window``). In each window the
Chebyshev vectors T_k(H̃)ψ(t0) are generated once by the three-term recurrence (one application of
H each) and all outputs of the window are formed together by dense matrix products (BLAS GEMM)
``Ψ_out += C[:, block] @ V[block]`` with the Bessel coefficients C[m, k] of every output time, in
blocks of ``block`` vectors (memory: ``block + outputs per window + 3`` state vectors). The last
output of a window starts the next one. Long windows spend fewer applications of H on the
tolerance margin, short windows less GEMM work; the default Δ balances the two (see
:func:`default_window`).

*Errors.* Each window adds at most ``tol·‖ψ‖`` of truncation error (plus round-off), so a run of W
windows is accurate to ``W·tol`` in the 2-norm of the state.

*Spectral bounds.* Pass rigorous ``bounds`` when you have them (the pair model computes them by
Weyl's inequality). Otherwise :func:`lanczos_bounds` estimates them by a short Lanczos run and widens
them by the last Lanczos residual plus a safety margin; this is the standard practical bound (Zhou &
Li, Linear Algebra Appl. 435, 480 (2011)) but not a proof. Either way the recurrence is guarded: if a
Chebyshev vector grows in norm beyond ‖ψ‖ (impossible when the spectrum lies in [lo, hi], and the
signature of a violated bound, where T_k grows like cosh(k·√(2δ))) a ``RuntimeError`` is raised
instead of returning a wrong state (see :data:`NORM_GUARD` for what it can and cannot catch).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence

import numpy as np
from scipy.linalg import blas, eigh_tridiagonal
from scipy.special import jv

from states.validation import require_int, require_real
from verify.tensors import blas_threads

__all__ = [
    "ChebyshevStats",
    "axpy",
    "bessel_order",
    "chebyshev_coefficients",
    "default_window",
    "evolve",
    "lanczos_bounds",
]

ApplyH = Callable[[np.ndarray], np.ndarray]
ApplyAffine = Callable[[np.ndarray, np.ndarray, float, float], None]

NORM_GUARD = 1e-8
"""Relative excess of ‖T_k(H̃)ψ‖ over ‖ψ‖ that is taken as proof of a violated spectral bound.

Round-off in the recurrence grows like k·ε_machine·‖ψ‖ (≈ 1e-13 for k ≈ 500), five orders below this
threshold. Components inside [−1, 1] keep |T_k| ≤ 1, one outside by δ grows like cosh(k√(2δ)), so
this trips as soon as the amplified part is comparable to ‖ψ‖: an early stop for gross violations.
Subtler ones are caught by the unitarity check (:data:`UNITARITY_GUARD`).
"""

UNITARITY_GUARD = 1e-8
"""Allowed relative change of ‖ψ‖ across one window (plus 10·tol). exp(−iHτ/ħ) is unitary and the
truncation changes the norm by at most tol per window, so a larger change means a violated spectral
bound (out-of-range components are amplified, not rotated) or a non-Hermitian ``apply_h``. This check
complements :data:`NORM_GUARD`: errors that change the norm by more than 1e-8 cannot pass silently."""

GEMM_COST_RATIO = 0.02
"""Cost of one complex multiply-add per vector entry in GEMM relative to one application of H per
vector entry, measured for the pair model (benchmarks/README.md); only steers :func:`default_window`."""


class ChebyshevStats:
    """Counters filled in by :func:`evolve` (pass an instance as ``stats=``).

    Attributes
    ----------
    n_matvec : int
        Applications of H.
    n_windows : int
        Chebyshev windows (expansions).
    bounds : tuple of float
        Spectral bounds used.
    window : float
        Window length Δ used.
    max_order : int
        Largest Chebyshev order K of any window.
    truncation_bound : float
        Sum over windows of the Bessel-tail bound on ‖error‖/‖ψ‖.
    """

    def __init__(self) -> None:
        self.n_matvec = 0
        self.n_windows = 0
        self.bounds: tuple[float, float] = (math.nan, math.nan)
        self.window = math.nan
        self.max_order = 0
        self.truncation_bound = 0.0

    def as_dict(self) -> dict:
        """JSON-ready copy of the counters."""
        return {
            "n_matvec": self.n_matvec,
            "n_windows": self.n_windows,
            "bounds": list(self.bounds),
            "window": self.window,
            "max_order": self.max_order,
            "truncation_bound": self.truncation_bound,
        }


def bessel_order(z_max: float, tol: float) -> int:
    """Smallest K with Σ_{k>K} 2|J_k(z)| ≤ tol for all 0 ≤ z ≤ z_max (Chebyshev truncation order).

    For k > z the J_k(z) are positive and increasing in z, so the tail at ``z_max`` bounds the tails
    at smaller arguments once K ≥ z_max; the returned K is never below ``ceil(z_max)``.
    """
    _check_positive("tol", tol)
    z_max = require_real("z_max", z_max, minimum=0.0)
    k_hi = math.ceil(z_max + 12.0 * (z_max + 1.0) ** (1 / 3) + 60.0)
    while True:
        j = np.abs(jv(np.arange(k_hi + 1), z_max))
        if j[-1] < 1e-3 * tol * 1e-3:
            break
        k_hi *= 2
    tail = 2.0 * np.cumsum(j[::-1])[::-1]  # tail[k] = Σ_{k' ≥ k} 2|J_k'|
    ok = np.nonzero(tail <= tol)[0]
    k_first = int(ok[0]) if ok.size else k_hi + 1  # first k whose tail (from k on) is ≤ tol
    return max(k_first - 1, math.ceil(z_max), 0)


def chebyshev_coefficients(taus: np.ndarray, order: int, center: float, half_width: float, hbar: float) -> np.ndarray:
    """Coefficients C[m, k] with exp(−iHτ_m/ħ) ≈ Σ_{k ≤ order} C[m, k] T_k(H̃), H = center + half_width·H̃.

    C[m, k] = (2 − δ_k0) (−i)^k J_k(aτ_m/ħ) exp(−i c τ_m/ħ) (Jacobi–Anger expansion).
    """
    taus = np.asarray(taus, dtype=float)
    k = np.arange(order + 1)
    coef = jv(k[None, :], half_width * taus[:, None] / hbar).astype(complex)
    coef *= ((-1j) ** (k % 4))[None, :]
    coef[:, 1:] *= 2.0
    coef *= np.exp(-1j * center * taus / hbar)[:, None]
    return coef


def default_window(half_width: float, hbar: float, dt_out: float, tol: float) -> float:
    """Window length Δ that balances applications of H against GEMM work (see module docstring).

    Per unit time, the margin m ≈ K − aΔ/ħ of each window costs m/Δ applications of H, while the GEMM
    costs (1/dt_out)·(aΔ/ħ + m)·r applications-equivalent, r = :data:`GEMM_COST_RATIO`. The minimum is
    at Δ* = √(m ħ dt_out / (a r)); Δ is kept ≥ dt_out (at least one output per window).
    """
    rate = half_width / hbar
    if rate <= 0 or not math.isfinite(rate):
        return max(dt_out, 1.0)
    margin = max(bessel_order(rate * dt_out, tol) - rate * dt_out, 1.0)
    delta = math.sqrt(margin * dt_out / (rate * GEMM_COST_RATIO))
    return max(delta, dt_out)


def lanczos_bounds(
    apply_h: ApplyH,
    shape: Sequence[int],
    *,
    n_steps: int = 40,
    margin: float = 0.05,
    seed: int = 0,
    dtype: type = complex,
) -> tuple[float, float]:
    """Estimate bounds on the spectrum of H by ``n_steps`` Lanczos steps from a random vector.

    Returns ``(θ_min − r − margin·w, θ_max + r + margin·w)`` with θ the extreme Ritz values, r the
    norm of the last Lanczos residual and w = θ_max − θ_min. Practical, not rigorous (see module
    docstring); :func:`evolve` detects a violated bound at run time.
    """
    n_steps = require_int("n_steps", n_steps, minimum=2)
    _check_positive("margin", margin, allow_zero=True)
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(tuple(shape))
    if np.issubdtype(np.dtype(dtype), np.complexfloating):
        v = v + 1j * rng.standard_normal(tuple(shape))
    v = v / np.linalg.norm(v)
    v_prev = np.zeros_like(v)
    alphas: list[float] = []
    betas: list[float] = []
    beta = 0.0
    dim = v.size
    for _ in range(min(n_steps, dim)):
        w = np.asarray(apply_h(v))
        alpha = float(np.vdot(v, w).real)
        w = w - alpha * v - beta * v_prev
        alphas.append(alpha)
        beta = float(np.linalg.norm(w))
        betas.append(beta)
        if beta < 1e-12 * (abs(alpha) + 1.0):  # invariant subspace found: Ritz values are exact
            break
        v_prev, v = v, w / beta
    theta = eigh_tridiagonal(np.array(alphas), np.array(betas[:-1]), eigvals_only=True)
    resid = betas[-1]
    width = float(theta[-1] - theta[0])
    pad = resid + margin * width
    return float(theta[0] - pad), float(theta[-1] + pad)


def evolve(
    apply_h: ApplyH,
    psi0: np.ndarray,
    times: Sequence[float] | np.ndarray,
    *,
    bounds: tuple[float, float] | None = None,
    hbar: float = 1.0,
    tol: float = 1e-12,
    window: float | None = None,
    block: int = 24,
    stats: ChebyshevStats | None = None,
    apply_affine: ApplyAffine | None = None,
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(t, ψ(t))`` with ψ(t) = exp(−iHt/ħ) ψ0 at each requested time (Chebyshev windows).

    Parameters
    ----------
    apply_h : callable
        ``apply_h(v)`` returns H v as a new array of ``v``'s shape; H must be Hermitian.
    psi0 : ndarray
        State at t = 0, any shape (complex).
    times : sequence of float
        Non-decreasing output times ≥ 0 (same unit as ħ/energy).
    bounds : (float, float), optional
        ``lo < hi`` enclosing the spectrum of H. Estimated by :func:`lanczos_bounds` when omitted.
    hbar : float
        ħ in the units of energy × time (``HBAR_EV_FS`` for eV and fs).
    tol : float
        Truncation tolerance per window on ‖error‖/‖ψ‖ (Bessel tail bound).
    window : float, optional
        Window length Δ (time); default :func:`default_window`.
    block : int
        Chebyshev vectors per GEMM (memory ∝ ``block``).
    stats : ChebyshevStats, optional
        Filled in with counters while iterating.
    apply_affine : callable, optional
        Fast path: ``apply_affine(v, out, α, β)`` writes α H v + β v into the preallocated complex
        array ``out`` (same shape as ``v``). Saves the allocation and the extra passes of the generic
        recurrence; ``apply_h`` is then only used for the Lanczos bound estimate.

    Yields
    ------
    (float, ndarray)
        The output time and a fresh array ψ(t) of ``psi0``'s shape (not reused by later iterations).

    Raises
    ------
    ValueError
        On bad input (times not non-decreasing or negative, non-finite values, bad bounds, ...).
    RuntimeError
        When a Chebyshev vector outgrows ‖ψ‖, i.e. the spectrum is not inside ``bounds``.
    """
    psi0 = np.asarray(psi0)
    if psi0.size == 0:
        raise ValueError("psi0 is empty")
    if not np.all(np.isfinite(psi0)):
        raise ValueError("psi0 contains non-finite entries")
    times = np.asarray(times, dtype=float)
    if times.ndim != 1:
        raise ValueError(f"times must be one-dimensional, got shape {times.shape}")
    if times.size and (not np.all(np.isfinite(times)) or times[0] < 0 or np.any(np.diff(times) < 0)):
        raise ValueError("times must be finite, >= 0 and non-decreasing")
    _check_positive("hbar", hbar)
    _check_positive("tol", tol)
    block = require_int("block", block, minimum=2)
    if bounds is None:
        bounds = lanczos_bounds(apply_h, psi0.shape)
    lo, hi = (float(b) for b in bounds)
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise ValueError(f"bounds must be finite with lo <= hi, got {bounds!r}")
    center = 0.5 * (hi + lo)
    half_width = max(0.5 * (hi - lo), 1e-12 * max(abs(center), 1.0))  # H ∝ 1 still needs a > 0
    if window is None:
        spacing = float(np.median(np.diff(times))) if times.size > 1 else 0.0
        spacing = spacing if spacing > 0 else (float(times[-1]) if times.size and times[-1] > 0 else 1.0)
        window = default_window(half_width, hbar, spacing, tol)
    _check_positive("window", window)
    if stats is not None:
        stats.bounds = (lo, hi)
        stats.window = float(window)

    shape = psi0.shape
    step = _make_step(apply_h, apply_affine, shape)
    psi = np.ascontiguousarray(psi0, dtype=complex).reshape(-1)
    norm0 = float(np.linalg.norm(psi))
    vecs = np.empty((block, psi.size), dtype=complex)  # Chebyshev vectors of one GEMM block, reused
    t_cur = 0.0
    i = 0
    while i < times.size:
        if times[i] - t_cur > window:  # a gap longer than one window: internal step, no output
            taus = np.array([window])
            outs = 0
        else:
            j = int(np.searchsorted(times, t_cur + window, side="right"))
            taus = times[i:j] - t_cur
            outs = j - i
        order = bessel_order(half_width * float(taus[-1]) / hbar, tol)
        coef = chebyshev_coefficients(taus, order, center, half_width, hbar)
        # each output needs only its own order K(τ_m) ≤ order: skip its GEMM rows beyond that
        row_orders = np.maximum.accumulate([bessel_order(half_width * float(tau) / hbar, tol) for tau in taus])
        # Level-1/3 BLAS on these vectors is memory-bound: a second OpenBLAS thread on 2 shared cores
        # only adds synchronization (measured up to 100x slower on small vectors), so one thread here.
        with blas_threads(1):
            results = _chebyshev_window(step, psi, coef, row_orders, center, half_width, norm0, vecs, tol)
        if stats is not None:
            stats.n_matvec += order
            stats.n_windows += 1
            stats.max_order = max(stats.max_order, order)
            jtail = np.abs(jv(np.arange(order + 1, order + 80), half_width * float(taus[-1]) / hbar))
            stats.truncation_bound += 2.0 * float(jtail.sum())
        t_cur += float(taus[-1])
        psi = results[-1]
        for m in range(outs):
            yield float(times[i + m]), results[m].reshape(shape)
        i += outs


def _chebyshev_window(
    step: Callable[[np.ndarray, np.ndarray | None, np.ndarray, float, float], None],
    psi: np.ndarray,
    coef: np.ndarray,
    row_orders: np.ndarray,
    center: float,
    half_width: float,
    norm0: float,
    vecs: np.ndarray,
    tol: float,
) -> np.ndarray:
    """Σ_{k ≤ row_orders[m]} coef[m, k] T_k(H̃) psi for every row m, accumulated in blocks by GEMM.

    ``step(v, v_prev, out, α, β)`` writes α H v + β v − v_prev into ``out`` (v_prev may be None).
    ``row_orders`` must be non-decreasing (outputs sorted by time), so the rows that still need a
    block ``k0..k0+nb`` form a trailing range ``m >= m0``. Terms a row skips lie beyond its own
    Bessel-tail truncation, so the error bound is unchanged.
    """
    n_out, n_terms = coef.shape
    acc = np.zeros((n_out, psi.size), dtype=complex)
    limit = (1.0 + NORM_GUARD) * norm0 + 1e-300
    v_prev: np.ndarray | None = None
    v_cur: np.ndarray | None = None
    k = 0
    while k < n_terms:
        nb = min(vecs.shape[0], n_terms - k)
        for b in range(nb):
            kk = k + b
            if kk == 0:
                vecs[b] = psi
            elif kk == 1:  # T_1 = H̃ ψ = (H − c)ψ / a
                step(v_cur, None, vecs[b], 1.0 / half_width, -center / half_width)
            else:  # T_{k+1} = 2 H̃ T_k − T_{k−1}
                step(v_cur, v_prev, vecs[b], 2.0 / half_width, -2.0 * center / half_width)
            v_prev, v_cur = v_cur, vecs[b]
        norms = np.sqrt([np.vdot(v, v).real for v in vecs[:nb]])  # zdotc per row: no temporary
        if np.any(norms > limit):
            first = int(np.argmax(norms > limit))
            raise RuntimeError(
                f"Chebyshev vector T_{first + k}(H̃)ψ has norm {norms[first]:.6g} > ‖ψ‖ = {norm0:.6g}: the "
                "spectrum of H is not inside the given bounds"
            )
        m0 = int(np.searchsorted(row_orders, k, side="left"))  # first row with its order >= k
        if m0 < n_out:
            _gemm_accumulate(acc[m0:], coef[m0:, k : k + nb], vecs[:nb])
        k += nb
        if k < n_terms:  # vecs is overwritten by the next block: keep the two latest vectors
            v_prev, v_cur = v_prev.copy(), v_cur.copy()
    # unitarity: each output must keep the norm of the window's start state
    start_norm = math.sqrt(float(np.vdot(psi, psi).real))
    out_norms = np.sqrt([np.vdot(row, row).real for row in acc])
    allowed = (UNITARITY_GUARD + 10.0 * tol) * start_norm
    if np.any(np.abs(out_norms - start_norm) > allowed):
        worst = float(np.max(np.abs(out_norms - start_norm)))
        raise RuntimeError(
            f"propagated state changed its norm by {worst:.3g} (allowed {allowed:.3g}) within one window: the "
            "spectrum of H is not inside the given bounds, or apply_h is not Hermitian"
        )
    return acc


def _make_step(
    apply_h: ApplyH, apply_affine: ApplyAffine | None, shape: tuple[int, ...]
) -> Callable[[np.ndarray, np.ndarray | None, np.ndarray, float, float], None]:
    """The recurrence step out = α H v + β v − v_prev on flat vectors, fast path when available."""
    if apply_affine is not None:

        def step(v: np.ndarray, v_prev: np.ndarray | None, out: np.ndarray, alpha: float, beta: float) -> None:
            apply_affine(v.reshape(shape), out.reshape(shape), alpha, beta)
            if v_prev is not None:
                axpy(v_prev, out, -1.0)

        return step

    def step_generic(v: np.ndarray, v_prev: np.ndarray | None, out: np.ndarray, alpha: float, beta: float) -> None:
        hv = np.asarray(apply_h(v.reshape(shape))).reshape(-1)
        if hv.shape != v.shape:
            raise ValueError(f"apply_h returned {hv.size} entries for a state of {v.size}")
        np.multiply(hv, alpha, out=out)
        axpy(v, out, beta)
        if v_prev is not None:
            axpy(v_prev, out, -1.0)

    return step_generic


def axpy(x: np.ndarray, y: np.ndarray, a: float) -> None:
    """y += a x in place for 1-D contiguous complex vectors (BLAS zaxpy; numpy if it had to copy)."""
    res = blas.zaxpy(x, y, a=a)
    if not np.shares_memory(res, y):
        y += a * x


def _gemm_accumulate(acc: np.ndarray, coef: np.ndarray, vecs: np.ndarray) -> None:
    """acc += coef @ vecs in place (zgemm on the transposed, Fortran-ordered views; no temporary)."""
    out = blas.zgemm(1.0, vecs.T, np.ascontiguousarray(coef).T, beta=1.0, c=acc.T, overwrite_c=1)
    if not np.shares_memory(out, acc):  # the BLAS wrapper had to copy: fall back to numpy
        acc += coef @ vecs


def _check_positive(name: str, value: float, *, allow_zero: bool = False) -> float:
    """``value`` as a float: a finite real > 0 (>= 0 with ``allow_zero``); TypeError for a non-real."""
    return require_real(name, value, minimum=0.0) if allow_zero else require_real(name, value, positive=True)
