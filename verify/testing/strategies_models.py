"""Hypothesis strategies for model parameters: PRX chains, XXZ chains, any chain model, pairs on a ring.

Part of :mod:`verify.testing.strategies` (import them from there). Every draw satisfies the
validation of :mod:`verify.models` and is small enough for the exact evolver (a sector of at most a
few thousand states), so a property test can run it through :func:`verify.records.simulate_exact`
and :func:`verify.checks.check_run` in milliseconds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from hypothesis import strategies as st

from states.validation import require_bool, require_choice, require_int, require_real
from verify.models import SD_TERMS, SPIN_CONVENTIONS, ChainModel, PairOnRing, PRXChain, XXZChain
from verify.testing.draws import range_argument

__all__ = [
    "CHAIN_KINDS",
    "LOCALIZED_SPINS",
    "XXZ_INITIAL_KINDS",
    "chain_models",
    "pair_models",
    "prx_chains",
    "xxz_chains",
]

LOCALIZED_SPINS = (0.5, 1.0, 1.5)
"""Localized spins S that :func:`prx_chains` may draw: the paper's 1/2 and the variants 1 and 3/2."""

XXZ_INITIAL_KINDS = ("neel", "domain-wall", "random")
"""Initial states :func:`xxz_chains` draws: the two named ones and a random ``u``/``d`` string."""

CHAIN_KINDS = ("prx", "xxz")
"""Chain models :func:`chain_models` draws."""


def _selection(name: str, value: object, allowed: Sequence) -> tuple:
    """A non-empty tuple of values from ``allowed`` (a bare string is not a selection)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of values from {list(allowed)}, got {value!r}")
    chosen = tuple(value)
    if not chosen:
        raise ValueError(f"{name} must be a non-empty selection from {list(allowed)}, got {list(chosen)}")
    for item in chosen:
        require_choice(name, item, allowed)
    return chosen


# ----------------------------------------------------------------------------------------------------
# PRX chain


def _localized_spins(value: object) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise TypeError(f"localized_spins must be a non-empty sequence of spins from {LOCALIZED_SPINS}, got {value!r}")
    spins = tuple(require_real("localized_spins", s) for s in value)
    unknown = [s for s in spins if s not in LOCALIZED_SPINS]
    if unknown:
        raise ValueError(f"localized_spins must be among {LOCALIZED_SPINS}, got {list(spins)}")
    return spins


def prx_chains(
    *,
    max_sites: int = 6,
    max_fm: int = 2,
    min_electrons: int = 1,
    max_electrons: int = 2,
    polarization: Literal["z", "x"] | None = None,
    j_sd: tuple[float, float] = (0.0, 2.5),
    localized_spins: Sequence[float] = (0.5,),
    signed_j_sd: bool = False,
) -> st.SearchStrategy[PRXChain]:
    """Small PRX chains (:class:`verify.models.PRXChain`, PRX Eqs. 1–5) with physical parameters.

    Sizes: 1 <= N_FM <= ``max_fm``, N_L >= N_conf >= N_e (the electrons fit fully polarized into the
    well, as in the PRX initial state), N_sites <= ``max_sites``. Couplings (units of γ): hopping
    γ ∈ [0.5, 2], ferromagnetic J ∈ [0, 0.5] with easy-axis J_z ∈ [J, J + 0.1] (PRX: J = 0.1,
    J_z = 0.1005), J_sd in ``j_sd`` (PRX: 0.5 and 2), confinement V ∈ [5, 20] and field
    |gμ_B B| ∈ [50, 200] (PRX: 10 and 100: strong enough to prepare the polarized initial state).

    The defaults draw the paper's model (S = 1/2, J_sd ≥ 0); the two variant flags add draws after
    all the others, so with the defaults the draws are those of earlier versions.

    Parameters
    ----------
    max_sites : int
        Upper bound on N (>= max_fm + max(1, min_electrons)).
    max_fm : int
        Upper bound on N_FM (>= 1).
    min_electrons, max_electrons : int
        Range of N_e (0 <= min <= max).
    polarization : {"z", "x"}, optional
        Fixed polarization; drawn when None.
    j_sd : (float, float)
        Range of J_sd (of |J_sd| with ``signed_j_sd``); low >= 0.
    localized_spins : sequence of float
        Localized spins S to draw from, among :data:`LOCALIZED_SPINS` (default: the paper's 1/2 only).
    signed_j_sd : bool
        Draw the sign of J_sd as well (J_sd < 0: the antiferromagnetic, Kondo-chain variant of Eq. 4).

    Returns
    -------
    SearchStrategy of PRXChain
    """
    e_min = require_int("min_electrons", min_electrons, minimum=0)
    e_max = require_int("max_electrons", max_electrons, minimum=e_min)
    n_fm_max = require_int("max_fm", max_fm, minimum=1)
    n_max = require_int("max_sites", max_sites, minimum=n_fm_max + max(1, e_min))
    require_choice("polarization", polarization, (None, "z", "x"))
    jsd_lo, jsd_hi = range_argument("j_sd", j_sd)
    if jsd_lo < 0:
        raise ValueError(f"j_sd must be >= 0 (PRX sign convention: -J_sd s·σ; use signed_j_sd), got {j_sd!r}")
    spins = _localized_spins(localized_spins)
    signed = require_bool("signed_j_sd", signed_j_sd)

    @st.composite
    def draw_chain(draw: st.DrawFn) -> PRXChain:
        n_fm = draw(st.integers(1, n_fm_max))
        n_conf_min = max(1, e_min)
        n_sites = draw(st.integers(n_fm + n_conf_min, max(n_fm + n_conf_min, n_max)))
        n_left = draw(st.integers(n_conf_min, n_sites - n_fm))
        n_conf = draw(st.integers(n_conf_min, n_left))
        n_e = draw(st.integers(e_min, max(e_min, min(e_max, n_conf))))
        j_xy = draw(st.floats(0.0, 0.5))
        params = dict(
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
        # the variants draw last, and only when asked for: the default draws stay as they were
        params["localized_spin"] = draw(st.sampled_from(spins)) if len(spins) > 1 else spins[0]
        if signed:
            params["j_sd"] *= draw(st.sampled_from((1.0, -1.0)))
        return PRXChain(**params)

    return draw_chain()


# ----------------------------------------------------------------------------------------------------
# XXZ chain


def xxz_chains(
    *,
    min_sites: int = 2,
    max_sites: int = 6,
    j_xx: tuple[float, float] = (-2.0, 2.0),
    j_z: tuple[float, float] = (-2.0, 2.0),
    h_z: tuple[float, float] = (-1.0, 1.0),
    initial: Sequence[str] = XXZ_INITIAL_KINDS,
) -> st.SearchStrategy[XXZChain]:
    """Small spin-1/2 XXZ chains (:class:`verify.models.XXZChain`, TeNPy's parameters) with finite couplings.

    H = Σ_i [J_xx (S^x_i S^x_{i+1} + S^y_i S^y_{i+1}) + J_z S^z_i S^z_{i+1}] − h_z Σ_i S^z_i with
    S = σ/2 on L ∈ [``min_sites``, ``max_sites``] sites; the couplings of either sign (ferro- and
    antiferromagnetic, easy-plane and easy-axis), the field uniform in its range.

    Parameters
    ----------
    min_sites, max_sites : int
        Range of L (2 <= min <= max <= 16; the sector of L = 16 has at most 12870 states).
    j_xx, j_z, h_z : (float, float)
        Ranges of J_xx, J_z and h_z (units of the coupling, [J]).
    initial : sequence of str
        Initial-state kinds to draw from, among :data:`XXZ_INITIAL_KINDS`: ``"neel"`` (↑↓↑↓…),
        ``"domain-wall"`` (↑…↑↓…↓) and ``"random"`` (one drawn ``u``/``d`` per site, shrinking towards
        all ↑).

    Returns
    -------
    SearchStrategy of XXZChain
    """
    lo = require_int("min_sites", min_sites, minimum=2)
    hi = require_int("max_sites", max_sites, minimum=lo, maximum=16)
    ranges = {name: range_argument(name, value) for name, value in (("j_xx", j_xx), ("j_z", j_z), ("h_z", h_z))}
    kinds = _selection("initial", initial, XXZ_INITIAL_KINDS)

    @st.composite
    def draw_chain(draw: st.DrawFn) -> XXZChain:
        n_sites = draw(st.integers(lo, hi))
        couplings = {name: draw(st.floats(*bounds)) for name, bounds in ranges.items()}
        kind = draw(st.sampled_from(kinds))
        if kind == "random":
            kind = "".join(draw(st.lists(st.sampled_from("ud"), min_size=n_sites, max_size=n_sites)))
        return XXZChain(n_sites=n_sites, initial=kind, **couplings)

    return draw_chain()


# ----------------------------------------------------------------------------------------------------
# Any chain model


def chain_models(
    *, kinds: Sequence[str] = CHAIN_KINDS, max_sites: int = 5, prx_variants: bool = False
) -> st.SearchStrategy[ChainModel]:
    """Chain models (:class:`verify.models.ChainModel`) of any kind in ``kinds``, small and valid.

    PRX chains come from :func:`prx_chains` (N_FM <= 2, N_e <= 2), XXZ chains from :func:`xxz_chains`;
    the result is the parameters' ``chain()``, what every engine reads (``chain.params`` rebuilds the
    parameters with :func:`verify.models.model_from_dict`).

    Parameters
    ----------
    kinds : sequence of str
        Model kinds among :data:`CHAIN_KINDS` (``"prx"``, ``"xxz"``).
    max_sites : int
        Upper bound on N (>= 2; at most 16).
    prx_variants : bool
        Also draw the PRX variants: localized spin S ∈ {1/2, 1, 3/2} and J_sd of either sign.

    Returns
    -------
    SearchStrategy of ChainModel
    """
    chosen = _selection("kinds", kinds, CHAIN_KINDS)
    n_max = require_int("max_sites", max_sites, minimum=2, maximum=16)
    variants = require_bool("prx_variants", prx_variants)
    options: list[st.SearchStrategy] = []
    if "prx" in chosen:
        options.append(prx_chains(
            max_sites=n_max, max_fm=min(2, n_max - 1),
            localized_spins=LOCALIZED_SPINS if variants else (0.5,), signed_j_sd=variants,
        ))
    if "xxz" in chosen:
        options.append(xxz_chains(max_sites=n_max))
    return st.one_of(options).map(lambda params: params.chain())


# ----------------------------------------------------------------------------------------------------
# Pair on a ring


def pair_models(
    *,
    max_sites: int = 16,
    max_spins: int = 2,
    conventions: Sequence[str] | None = None,
    terms: Sequence[str] | None = None,
) -> st.SearchStrategy[PairOnRing]:
    """Small pair-on-a-ring models (:class:`verify.models.PairOnRing`, pair paper Eq. 2) with physical parameters.

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
    spins_max = require_int("max_spins", max_spins, minimum=1)
    n_max = require_int("max_sites", max_sites, minimum=spins_max + 3)
    convention_choices = _selection("conventions", tuple(SPIN_CONVENTIONS) if conventions is None else conventions,
                                    tuple(SPIN_CONVENTIONS))
    term_choices = _selection("terms", SD_TERMS if terms is None else terms, SD_TERMS)

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
