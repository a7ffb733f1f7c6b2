"""Public Hypothesis strategies for property tests of quantum states, models and MPS.

Use them in your own tests together with :mod:`verify.properties`::

    from hypothesis import given
    from verify import properties, strategies

    @given(strategies.pure_states(max_subsystems=3, max_dim=3))
    def test_entropy_symmetric(sample):
        state, dims = sample
        properties.assert_pure_state_entropy_symmetric(state, keep=[0], dims=dims)

Every strategy is a function with keyword-only, validated arguments (bad arguments raise
``ValueError``/``TypeError`` when the strategy is built, not when it is drawn from) and small sizes by
default, so that a property test of a few dozen examples runs in well under a second.

Generated numbers come from Hypothesis (not from a seeded RNG), so failures shrink: amplitudes shrink
towards 0 and, through the fallback for (near-)zero draws, towards basis states and product states.
Every object is valid by construction: kets are normalized to round-off, density matrices Hermitian,
positive semidefinite with unit trace, unitaries unitary to round-off, and model parameters satisfy
the validation of :mod:`verify.models`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, NamedTuple

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from verify.models import SD_TERMS, SPIN_CONVENTIONS, PairOnRing, PRXChain

if TYPE_CHECKING:  # pragma: no cover
    from verify.mps import MPS

__all__ = [
    "STTSample",
    "bipartitions",
    "density_matrices",
    "local_dims",
    "pair_models",
    "prx_chains",
    "pure_states",
    "random_mps",
    "stt_states",
    "subsystem_partitions",
    "unitaries",
]

DensityKind = Literal["any", "full-rank", "low-rank", "pure"]

_ZERO_NORM = 1e-100
"""Draws whose norm is below this are replaced by a basis vector (avoids dividing by ~0)."""


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _int_arg(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    if not _is_int(value):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and <= {maximum}"
        raise ValueError(f"{name} must be >= {minimum}{upper}, got {value}")
    return int(value)


def _dims_arg(dims: object) -> tuple[int, ...]:
    if isinstance(dims, (str, bytes)) or not isinstance(dims, (Sequence, np.ndarray)):
        raise TypeError(f"dims must be a sequence of positive integers, got {dims!r}")
    parsed = tuple(dims)
    if not parsed:
        raise ValueError("dims must not be empty")
    for d in parsed:
        if not _is_int(d) or d < 1:
            raise ValueError(f"dims must contain positive integers, got {list(parsed)}")
    total = math.prod(int(d) for d in parsed)
    if total > 4096:
        raise ValueError(f"dims {list(parsed)} give dimension {total}; these strategies are for small states (<= 4096)")
    return tuple(int(d) for d in parsed)


def _unit_floats() -> st.SearchStrategy[float]:
    return st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def _float_array(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=_unit_floats())


# ----------------------------------------------------------------------------------------------------
# Dimensions and subsystems


def local_dims(
    *,
    min_subsystems: int = 1,
    max_subsystems: int = 3,
    min_dim: int = 2,
    max_dim: int = 3,
    max_total: int = 64,
) -> st.SearchStrategy[tuple[int, ...]]:
    """Tuples of local dimensions (d_0, ..., d_{n-1}) with a bounded total dimension.

    Parameters
    ----------
    min_subsystems, max_subsystems : int
        Number n of subsystems (1 <= min <= max).
    min_dim, max_dim : int
        Range of each d_k (1 <= min_dim <= max_dim; d = 1 is a legal but trivial factor).
    max_total : int
        Upper bound on Π d_k (must allow ``min_dim ** min_subsystems``; at most 4096).

    Returns
    -------
    SearchStrategy of tuple of int
    """
    min_n = _int_arg("min_subsystems", min_subsystems, 1)
    max_n = _int_arg("max_subsystems", max_subsystems, min_n)
    lo = _int_arg("min_dim", min_dim, 1)
    hi = _int_arg("max_dim", max_dim, lo)
    budget = _int_arg("max_total", max_total, 1, 4096)
    if lo**min_n > budget:
        raise ValueError(f"max_total = {budget} is below min_dim ** min_subsystems = {lo**min_n}")

    @st.composite
    def draw_dims(draw: st.DrawFn) -> tuple[int, ...]:
        # the largest n that still fits the budget with every factor at min_dim (integer arithmetic)
        largest_n = min_n
        while largest_n < max_n and lo ** (largest_n + 1) <= budget:
            largest_n += 1
        n = draw(st.integers(min_n, largest_n))
        dims: list[int] = []
        remaining = budget
        for k in range(n):
            still_needed = lo ** (n - k - 1)
            cap = min(hi, remaining // still_needed)
            d = draw(st.integers(lo, max(lo, cap)))
            dims.append(d)
            remaining //= d
        return tuple(dims)

    return draw_dims()


def subsystem_partitions(
    *, n_subsystems: int, n_parts: int = 2, cover: bool = True
) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """``n_parts`` non-empty, disjoint, sorted tuples of subsystem indices 0..n_subsystems-1.

    Parameters
    ----------
    n_subsystems : int
        Number of subsystems (>= n_parts).
    n_parts : int
        Number of parts (>= 1); 3 gives the (A, B, C) of strong subadditivity.
    cover : bool
        True: the parts cover every subsystem. False: some subsystems may be left out (traced over).

    Returns
    -------
    SearchStrategy of tuple of tuple of int
    """
    n = _int_arg("n_subsystems", n_subsystems, 1)
    parts = _int_arg("n_parts", n_parts, 1, n)
    if not isinstance(cover, bool):
        raise TypeError(f"cover must be a bool, got {cover!r}")

    @st.composite
    def draw_parts(draw: st.DrawFn) -> tuple[tuple[int, ...], ...]:
        order = draw(st.permutations(range(n)))
        used = n if cover else draw(st.integers(parts, n))
        # parts - 1 distinct cut points in 1..used-1 split order[:used] into non-empty pieces
        cuts = (
            sorted(draw(st.sets(st.integers(1, used - 1), min_size=parts - 1, max_size=parts - 1))) if parts > 1 else []
        )
        bounds = [0, *cuts, used]
        return tuple(tuple(sorted(order[bounds[i] : bounds[i + 1]])) for i in range(parts))

    return draw_parts()


def bipartitions(*, n_subsystems: int) -> st.SearchStrategy[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Bipartitions (A, B) of subsystems 0..n_subsystems-1: both non-empty, disjoint, covering all.

    Parameters
    ----------
    n_subsystems : int
        Number of subsystems (>= 2).

    Returns
    -------
    SearchStrategy of (tuple of int, tuple of int)
    """
    n = _int_arg("n_subsystems", n_subsystems, 2)
    return subsystem_partitions(n_subsystems=n, n_parts=2, cover=True)  # type: ignore[return-value]


# ----------------------------------------------------------------------------------------------------
# States


def _dims_strategy(
    dims: Sequence[int] | None, min_subsystems: int, max_subsystems: int, max_dim: int, max_total: int
) -> st.SearchStrategy[tuple[int, ...]]:
    if dims is not None:
        return st.just(_dims_arg(dims))
    return local_dims(
        min_subsystems=min_subsystems, max_subsystems=max_subsystems, min_dim=2, max_dim=max_dim, max_total=max_total
    )


def _normalized(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    if not norm > _ZERO_NORM:
        vector = np.zeros_like(vector)
        vector[0] = 1.0
        return vector
    return vector / norm


@st.composite
def _ket(draw: st.DrawFn, dims: tuple[int, ...], real: bool) -> np.ndarray:
    total = math.prod(dims)
    kind = draw(st.sampled_from(("generic", "product", "basis")))
    if kind == "basis":
        vector = np.zeros(total, dtype=float if real else complex)
        vector[draw(st.integers(0, total - 1))] = 1.0
        return vector
    if kind == "product":
        vector = np.ones(1, dtype=float if real else complex)
        for d in dims:
            vector = np.kron(vector, _normalized(draw(_amplitudes(d, real))))
        return _normalized(vector)  # renormalize away the round-off of the Kronecker products
    return _normalized(draw(_amplitudes(total, real)))


@st.composite
def _amplitudes(draw: st.DrawFn, size: int, real: bool) -> np.ndarray:
    parts = draw(_float_array((1 if real else 2, size)))
    return parts[0].copy() if real else parts[0] + 1j * parts[1]


def pure_states(
    *,
    dims: Sequence[int] | None = None,
    min_subsystems: int = 1,
    max_subsystems: int = 3,
    max_dim: int = 3,
    max_total: int = 64,
    real: bool = False,
) -> st.SearchStrategy[tuple[np.ndarray, tuple[int, ...]]]:
    """Normalized kets with their local dimensions: ``(state, dims)``.

    A third of the draws are generic (random amplitudes), a third product states and a third basis
    states, so that zero eigenvalues (0 · log 0) and exact degeneracies are exercised as well.

    Parameters
    ----------
    dims : sequence of int, optional
        Fixed local dimensions. Otherwise drawn by :func:`local_dims` with the next arguments.
    min_subsystems, max_subsystems, max_dim, max_total : int
        Passed to :func:`local_dims` (local dimensions from 2 to ``max_dim``).
    real : bool
        Real amplitudes only (float64) instead of complex128.

    Returns
    -------
    SearchStrategy of (ndarray of shape (Π dims,), tuple of int)
        |⟨ψ|ψ⟩ − 1| is at round-off level (≲ 1e-15).
    """
    if not isinstance(real, bool):
        raise TypeError(f"real must be a bool, got {real!r}")
    dims_strategy = _dims_strategy(
        dims,
        _int_arg("min_subsystems", min_subsystems, 1),
        _int_arg("max_subsystems", max_subsystems, min_subsystems),
        _int_arg("max_dim", max_dim, 2),
        _int_arg("max_total", max_total, 2, 4096),
    )
    return dims_strategy.flatmap(lambda ds: st.tuples(_ket(ds, real), st.just(ds)))


@st.composite
def _density_matrix(draw: st.DrawFn, dims: tuple[int, ...], kind: DensityKind) -> np.ndarray:
    total = math.prod(dims)
    if kind == "any":
        choices = ["full-rank", "pure"] + (["low-rank"] if total > 2 else [])
        kind = draw(st.sampled_from(choices))
    if kind == "pure":
        ket = draw(_ket(dims, False))
        rho = np.outer(ket, ket.conj())
    else:
        rank = total if kind == "full-rank" else draw(st.integers(1, total - 1))
        parts = draw(_float_array((2, total, rank)))
        factor = parts[0] + 1j * parts[1]
        gram = factor @ factor.conj().T
        trace = float(np.trace(gram).real)
        if not trace > _ZERO_NORM:  # all-zero draw: fall back to a rank-1 projector
            gram, trace = np.zeros((total, total), dtype=complex), 1.0
            gram[0, 0] = 1.0
        rho = gram / trace
        if kind == "full-rank":
            # mixing in the maximally mixed state bounds every eigenvalue below by weight / D
            weight = draw(st.floats(0.05, 1.0))
            rho = (1.0 - weight) * rho + weight * np.eye(total) / total
    rho = (rho + rho.conj().T) / 2
    return rho / np.trace(rho).real


def density_matrices(
    *,
    dims: Sequence[int] | None = None,
    kind: DensityKind = "any",
    min_subsystems: int = 1,
    max_subsystems: int = 3,
    max_dim: int = 3,
    max_total: int = 27,
) -> st.SearchStrategy[tuple[np.ndarray, tuple[int, ...]]]:
    """Density matrices with their local dimensions: ``(rho, dims)``.

    Parameters
    ----------
    dims : sequence of int, optional
        Fixed local dimensions; otherwise drawn by :func:`local_dims`.
    kind : {"any", "full-rank", "low-rank", "pure"}
        ``"full-rank"``: M M†/Tr mixed with the maximally mixed state (weight w ∈ [0.05, 1], so every
        eigenvalue is >= w/D); ``"low-rank"``: M M†/Tr with M of shape (D, r), 1 <= r < D (rank <= r,
        exactly zero eigenvalues up to round-off; needs D >= 2); ``"pure"``: |ψ⟩⟨ψ|; ``"any"``: a mix.
    min_subsystems, max_subsystems, max_dim, max_total : int
        Passed to :func:`local_dims`.

    Returns
    -------
    SearchStrategy of (ndarray of shape (D, D), tuple of int)
        Exactly Hermitian, trace 1 to round-off, positive semidefinite to round-off.
    """
    if kind not in ("any", "full-rank", "low-rank", "pure"):
        raise ValueError(f"kind must be 'any', 'full-rank', 'low-rank' or 'pure', got {kind!r}")
    dims_strategy = _dims_strategy(
        dims,
        _int_arg("min_subsystems", min_subsystems, 1),
        _int_arg("max_subsystems", max_subsystems, min_subsystems),
        _int_arg("max_dim", max_dim, 2),
        _int_arg("max_total", max_total, 2, 4096),
    )
    if dims is not None and kind == "low-rank" and math.prod(_dims_arg(dims)) < 2:
        raise ValueError("kind='low-rank' needs a total dimension >= 2")
    return dims_strategy.flatmap(lambda ds: st.tuples(_density_matrix(ds, kind), st.just(ds)))


class STTSample(NamedTuple):
    """A PRX Eq. 15 state with its sizes (electrons first, then localized spins; all qubits)."""

    state: np.ndarray
    n_e: int
    n_fm: int
    dims: tuple[int, ...]


def stt_states(*, min_n: int = 1, max_n: int = 3, equal_sizes: bool = False) -> st.SearchStrategy[STTSample]:
    """PRX Eq. 15 states (:func:`states.stt_superposition`) with their (n_e, n_fm).

    Parameters
    ----------
    min_n, max_n : int
        Range of N_e and of N_FM (1 <= min_n <= max_n <= 12).
    equal_sizes : bool
        Draw N_e = N_FM only (the case of PRX Fig. 8 and Eqs. 16–17).

    Returns
    -------
    SearchStrategy of STTSample
        ``(state, n_e, n_fm, dims)`` with dims = (2,) * (n_e + n_fm).
    """
    lo = _int_arg("min_n", min_n, 1)
    hi = _int_arg("max_n", max_n, lo, 12)
    if not isinstance(equal_sizes, bool):
        raise TypeError(f"equal_sizes must be a bool, got {equal_sizes!r}")

    def build(sizes: tuple[int, int]) -> STTSample:
        from states import stt_superposition

        n_e, n_fm = sizes
        return STTSample(stt_superposition(n_e, n_fm), n_e, n_fm, (2,) * (n_e + n_fm))

    if equal_sizes:
        sizes = st.integers(lo, hi).map(lambda n: (n, n))
    else:
        sizes = st.tuples(st.integers(lo, hi), st.integers(lo, hi))
    return sizes.map(build)


def unitaries(*, dim: int) -> st.SearchStrategy[np.ndarray]:
    """Unitary matrices of size ``dim``: the Q factor of a QR decomposition of a drawn matrix.

    The phases of Q are fixed by diag(R) (Mezzadri's recipe), which makes Q Haar distributed when the
    drawn matrix is Gaussian; here the entries come from Hypothesis, so the distribution is not Haar,
    but Q is unitary to round-off for every draw (Householder QR), including degenerate ones.

    Parameters
    ----------
    dim : int
        Matrix size (1 <= dim <= 256).

    Returns
    -------
    SearchStrategy of ndarray, shape (dim, dim), complex
    """
    size = _int_arg("dim", dim, 1, 256)

    def build(parts: np.ndarray) -> np.ndarray:
        q, r = np.linalg.qr(parts[0] + 1j * parts[1])
        diagonal = np.diagonal(r)
        phases = np.where(np.abs(diagonal) > 0, diagonal / np.where(diagonal == 0, 1, np.abs(diagonal)), 1.0)
        return q * phases

    return _float_array((2, size, size)).map(build)


# ----------------------------------------------------------------------------------------------------
# Models


def _float_range(name: str, bounds: tuple[float, float]) -> tuple[float, float]:
    if not (isinstance(bounds, tuple) and len(bounds) == 2):
        raise TypeError(f"{name} must be a (low, high) tuple, got {bounds!r}")
    lo, hi = bounds
    for value in bounds:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"{name} must hold finite numbers, got {bounds!r}")
    if lo > hi:
        raise ValueError(f"{name} = {bounds!r}: low exceeds high")
    return float(lo), float(hi)


def prx_chains(
    *,
    max_sites: int = 6,
    max_fm: int = 2,
    min_electrons: int = 1,
    max_electrons: int = 2,
    polarization: Literal["z", "x"] | None = None,
    j_sd: tuple[float, float] = (0.0, 2.5),
) -> st.SearchStrategy[PRXChain]:
    """Small PRX chains (:class:`verify.models.PRXChain`) with physical parameters.

    Sizes: 1 <= N_FM <= ``max_fm``, N_L >= N_conf >= N_e (the electrons fit fully polarized into the
    well, as in the PRX initial state), N_sites <= ``max_sites``. Couplings (units of γ): hopping
    γ ∈ [0.5, 2], ferromagnetic J ∈ [0, 0.5] with easy-axis J_z ∈ [J, J + 0.1] (PRX: J = 0.1,
    J_z = 0.1005), J_sd in ``j_sd`` (PRX: 0.5 and 2), confinement V ∈ [5, 20] and field
    |gμ_B B| ∈ [50, 200] (PRX: 10 and 100: strong enough to prepare the polarized initial state).

    Parameters
    ----------
    max_sites : int
        Upper bound on N (>= max_fm + 1).
    max_fm : int
        Upper bound on N_FM (>= 1).
    min_electrons, max_electrons : int
        Range of N_e (0 <= min <= max).
    polarization : {"z", "x"}, optional
        Fixed polarization; drawn when None.
    j_sd : (float, float)
        Range of J_sd.

    Returns
    -------
    SearchStrategy of PRXChain
    """
    n_fm_max = _int_arg("max_fm", max_fm, 1)
    n_max = _int_arg("max_sites", max_sites, n_fm_max + max(1, min_electrons))
    e_min = _int_arg("min_electrons", min_electrons, 0)
    e_max = _int_arg("max_electrons", max_electrons, e_min)
    if polarization not in (None, "z", "x"):
        raise ValueError(f"polarization must be 'z', 'x' or None, got {polarization!r}")
    jsd_lo, jsd_hi = _float_range("j_sd", j_sd)
    if jsd_lo < 0:
        raise ValueError(f"j_sd must be >= 0 (PRX sign convention: -J_sd s·σ), got {j_sd!r}")

    @st.composite
    def draw_chain(draw: st.DrawFn) -> PRXChain:
        n_fm = draw(st.integers(1, n_fm_max))
        n_conf_min = max(1, e_min)
        n_sites = draw(st.integers(n_fm + n_conf_min, max(n_fm + n_conf_min, n_max)))
        n_left = draw(st.integers(n_conf_min, n_sites - n_fm))
        n_conf = draw(st.integers(n_conf_min, n_left))
        n_e = draw(st.integers(e_min, max(e_min, min(e_max, n_conf))))
        j_xy = draw(st.floats(0.0, 0.5))
        return PRXChain(
            n_sites=n_sites,
            n_left=n_left,
            n_fm=n_fm,
            n_conf=n_conf,
            n_e=n_e,
            polarization=polarization or draw(st.sampled_from(("z", "x"))),
            hopping=draw(st.floats(0.5, 2.0)),
            j_xy=j_xy,
            j_z=j_xy + draw(st.floats(0.0, 0.1)),
            j_sd=draw(st.floats(jsd_lo, jsd_hi)),
            confinement=draw(st.floats(5.0, 20.0)),
            field=draw(st.floats(50.0, 200.0)),
        )

    return draw_chain()


def pair_models(
    *,
    max_sites: int = 16,
    max_spins: int = 2,
    conventions: Sequence[str] | None = None,
    terms: Sequence[str] | None = None,
) -> st.SearchStrategy[PairOnRing]:
    """Small pair-on-a-ring models (:class:`verify.models.PairOnRing`) with physical parameters.

    Geometry: packet centres x1 < x2 at integer sites with the spin chain to their right
    (x2 < chain_start), width σ_d ∈ [min(0.5, d/2), d/2] with d = x2 − x1 (so d >= 2σ_d, the
    "two packets" condition of the model). Energies in eV: t_h ∈ [0.1, 1] (paper: 0.5),
    J_ex ∈ [0, 0.5] (0.2), J_sd ∈ [0, 1] (0.3); k ∈ [0.1, π − 0.1] (packets moving towards the chain).

    Parameters
    ----------
    max_sites : int
        Upper bound on the ring size N (>= max_spins + 3).
    max_spins : int
        Upper bound on L (>= 1).
    conventions : sequence of str, optional
        Spin conventions to draw from (default: all of :data:`verify.models.SPIN_CONVENTIONS`).
    terms : sequence of str, optional
        sd terms to draw from (default: all of :data:`verify.models.SD_TERMS`).

    Returns
    -------
    SearchStrategy of PairOnRing
    """
    spins_max = _int_arg("max_spins", max_spins, 1)
    n_max = _int_arg("max_sites", max_sites, spins_max + 3)
    convention_choices = tuple(SPIN_CONVENTIONS) if conventions is None else tuple(conventions)
    term_choices = tuple(SD_TERMS) if terms is None else tuple(terms)
    for name, chosen, allowed in (
        ("conventions", convention_choices, tuple(SPIN_CONVENTIONS)),
        ("terms", term_choices, SD_TERMS),
    ):
        if not chosen or any(value not in allowed for value in chosen):
            raise ValueError(f"{name} must be a non-empty selection from {list(allowed)}, got {list(chosen)}")

    @st.composite
    def draw_model(draw: st.DrawFn) -> PairOnRing:
        n_spins = draw(st.integers(1, spins_max))
        # leave room for x1 >= 1, x2 >= x1 + 1, chain_start >= x2 + 1 and the chain itself
        x1 = draw(st.integers(1, n_max - n_spins - 2))
        x2 = draw(st.integers(x1 + 1, n_max - n_spins - 1))
        chain_start = draw(st.integers(x2 + 1, n_max - n_spins + 1))
        n_sites = draw(st.integers(max(3, chain_start + n_spins - 1), n_max))
        half_distance = (x2 - x1) / 2
        sigma = draw(st.floats(min(0.5, half_distance), half_distance))
        return PairOnRing(
            n_sites=n_sites,
            n_spins=n_spins,
            chain_start=chain_start,
            hopping=draw(st.floats(0.1, 1.0)),
            j_ex=draw(st.floats(0.0, 0.5)),
            j_sd=draw(st.floats(0.0, 1.0)),
            k=draw(st.floats(0.1, math.pi - 0.1)),
            sigma=sigma,
            x1=float(x1),
            x2=float(x2),
            convention=draw(st.sampled_from(convention_choices)),
            terms=draw(st.sampled_from(term_choices)),
        )

    return draw_model()


# ----------------------------------------------------------------------------------------------------
# Matrix-product states


def random_mps(
    *,
    dims: Sequence[int] | None = None,
    min_sites: int = 1,
    max_sites: int = 4,
    max_dim: int = 3,
    max_bond: int = 4,
    canonical: bool = True,
) -> st.SearchStrategy[MPS]:
    """Small normalized random MPS (:class:`verify.mps.MPS`, dense backend).

    Bond dimensions are drawn up to ``max_bond`` and capped by the exact maximum (the smaller of the
    dimensions to the left and to the right), tensors from Hypothesis floats; the state is
    normalized (‖ψ‖ = 1 to round-off). A draw of (near-)zero norm falls back to a product state.

    Parameters
    ----------
    dims : sequence of int, optional
        Fixed local dimensions; otherwise 1..``max_sites`` sites (from ``min_sites``) of dimension
        2..``max_dim``.
    min_sites, max_sites, max_dim, max_bond : int
    canonical : bool
        Bring the MPS into mixed-canonical form (centre drawn); otherwise the tensors are left
        as drawn (``center=None``).

    Returns
    -------
    SearchStrategy of MPS
    """
    from verify.mps import MPS

    if not isinstance(canonical, bool):
        raise TypeError(f"canonical must be a bool, got {canonical!r}")
    bond_max = _int_arg("max_bond", max_bond, 1)
    if dims is not None:
        dims_strategy: st.SearchStrategy[tuple[int, ...]] = st.just(_dims_arg(dims))
    else:
        lo = _int_arg("min_sites", min_sites, 1)
        hi = _int_arg("max_sites", max_sites, lo, 12)
        dim_max = _int_arg("max_dim", max_dim, 2, 16)
        dims_strategy = st.lists(st.integers(2, dim_max), min_size=lo, max_size=hi).map(tuple)

    @st.composite
    def draw_mps(draw: st.DrawFn, ds: tuple[int, ...]) -> MPS:
        n = len(ds)
        bonds = [1]
        for b in range(n - 1):
            exact = min(math.prod(ds[: b + 1]), math.prod(ds[b + 1 :]))
            bonds.append(draw(st.integers(1, min(bond_max, exact))))
        bonds.append(1)
        tensors = []
        for i, d in enumerate(ds):
            parts = draw(_float_array((2, bonds[i], d, bonds[i + 1])))
            tensors.append(parts[0] + 1j * parts[1])
        norm = MPS(tensors).norm()
        if not (math.isfinite(norm) and norm > 1e-8):  # (near-)zero draw: the product state |0...0>
            tensors = [np.eye(d, dtype=complex)[0].reshape(1, d, 1) for d in ds]
        else:
            tensors[0] = tensors[0] / norm
        mps = MPS(tensors)
        if canonical:
            mps.canonicalize(draw(st.integers(0, n - 1)))
        return mps

    return dims_strategy.flatmap(lambda ds: draw_mps(ds))
