"""Two-electron spin states and lattice wave packets of the pair paper (Eqs. 3, 4 and 8).

* Spin states are 4-vectors in the basis (↑↑, ↑↓, ↓↑, ↓↓) of :data:`states.conventions.TWO_SPIN_LABELS`
  (electron A leftmost): :func:`singlet`, :func:`triplet`, :func:`theta_spin_state` and the name-based
  :func:`pair_spin_state`.
* :func:`gaussian_packet` samples Eq. 4 on the integer sites x = 1..N of a ring (or open chain).
* :func:`pair_state` builds the antisymmetrized two-electron state ψ[x_A, x_B, s] of Eqs. 3 and 8,
  :func:`single_electron_state` the single-electron reference ψ[x, s].

All arrays are complex128 and normalized to 1 on the lattice. Arguments of the wrong type (a string
where a number belongs, a float or bool where an integer belongs, a number where a name belongs)
raise ``TypeError``, bad values ``ValueError`` (:mod:`states.validation`).
"""

from __future__ import annotations

import math

import numpy as np

from states.conventions import DOWN, UP
from states.validation import is_integer, is_real, require_int, require_real

__all__ = [
    "MAX_PACKET_SITES",
    "MAX_PAIR_SITES",
    "PAIR_SPIN_NAMES",
    "SINGLE_SPIN_NAMES",
    "gaussian_packet",
    "pair_spin_state",
    "pair_state",
    "single_electron_state",
    "singlet",
    "swap_spins",
    "theta_spin_state",
    "triplet",
]

PAIR_SPIN_NAMES: tuple[str, ...] = ("singlet", "triplet+1", "triplet0", "triplet-1", "theta")
"""Names accepted by :func:`pair_spin_state` and :func:`pair_state`."""
SINGLE_SPIN_NAMES: tuple[str, ...] = ("up", "down")
"""Names accepted by :func:`single_electron_state`."""

MAX_PACKET_SITES: int = 10**7
"""Largest N of :func:`gaussian_packet` (a few float64/complex128 arrays of N entries: ~0.5 GB at 10^7);
raised with the keyword ``max_sites=``."""
MAX_PAIR_SITES: int = 2048
"""Largest N of :func:`pair_state` (ψ has 4 N² complex amplitudes and two temporaries of that size:
~0.4 GB at N = 2048); raised with the keyword ``max_sites=``."""

_SQRT_HALF = 1 / math.sqrt(2)


def _check_sites(n_sites: object, max_sites: object, what: str) -> int:
    """``n_sites`` checked (an integer >= 2) and refused above ``max_sites`` before any allocation."""
    message = f"n_sites must be an integer >= 2, got {n_sites!r}"
    _require(is_integer(n_sites), message, TypeError)
    _require(n_sites >= 2, message)  # type: ignore[operator]
    limit = require_int("max_sites", max_sites, minimum=2)
    _require(
        n_sites <= limit,  # type: ignore[operator]
        f"n_sites = {n_sites:,} exceeds the limit max_sites={limit:,} of {what}: pass max_sites= to raise it",
    )
    return int(n_sites)  # type: ignore[call-overload]


def _require(condition: bool, message: str, error: type[Exception] = ValueError) -> None:
    """Raise ``error(message)`` unless ``condition``: ``ValueError`` for a bad value, ``TypeError`` for a
    wrong type (the rule of :mod:`states.validation`)."""
    if not condition:
        raise error(message)


def _real(name: str, value: object) -> float:
    message = f"{name} must be a finite real number, got {value!r}"
    _require(is_real(value), message, TypeError)
    try:
        return require_real(name, value)
    except ValueError:  # NaN, ±inf, an int beyond the float range
        raise ValueError(message) from None


def _two_spin_index(spin_a: int, spin_b: int) -> int:
    # First factor most significant (conventions.py): |a b> has index 2a + b.
    return 2 * spin_a + spin_b


def _two_spin_vector(amplitudes: dict[tuple[int, int], complex]) -> np.ndarray:
    vector = np.zeros(4, dtype=complex)
    for (spin_a, spin_b), amplitude in amplitudes.items():
        vector[_two_spin_index(spin_a, spin_b)] = amplitude
    return vector


def singlet() -> np.ndarray:
    """Spin singlet (|↑↓> − |↓↑>)/√2 (pair paper Eq. 8 at θ = 0), shape (4,)."""
    return _two_spin_vector({(UP, DOWN): _SQRT_HALF, (DOWN, UP): -_SQRT_HALF})


def triplet(m: int) -> np.ndarray:
    """Spin triplet with S^z quantum number m: |↑↑> (m = +1), (|↑↓> + |↓↑>)/√2 (m = 0), |↓↓> (m = −1).

    Parameters
    ----------
    m : int
        +1, 0 or −1.

    Returns
    -------
    numpy.ndarray, shape (4,), complex
    """
    message = f"triplet m must be one of +1, 0, -1, got {m!r}"
    _require(is_integer(m), message, TypeError)
    _require(m in (1, 0, -1), message)
    if m == 1:
        return _two_spin_vector({(UP, UP): 1.0})
    if m == -1:
        return _two_spin_vector({(DOWN, DOWN): 1.0})
    return _two_spin_vector({(UP, DOWN): _SQRT_HALF, (DOWN, UP): _SQRT_HALF})


def theta_spin_state(theta: float) -> np.ndarray:
    """Spin part of pair paper Eq. 8: (|↑↓> − e^{iθ}|↓↑>)/√2, shape (4,).

    θ = 0 gives the singlet, θ = π the triplet m = 0.
    """
    theta = _real("theta", theta)
    return _two_spin_vector({(UP, DOWN): _SQRT_HALF, (DOWN, UP): -np.exp(1j * theta) * _SQRT_HALF})


def swap_spins(chi: np.ndarray) -> np.ndarray:
    """The exchange P|a b> = |b a> of the two spins of a two-electron spin vector, shape (4,) -> (4,).

    Also accepts a trailing spin axis: shape (..., 4).
    """
    chi = np.asarray(chi)
    _require(chi.ndim >= 1 and chi.shape[-1] == 4, f"a two-spin vector needs a last axis of length 4, got {chi.shape}")
    return np.swapaxes(chi.reshape(*chi.shape[:-1], 2, 2), -1, -2).reshape(chi.shape)


def pair_spin_state(name: str, theta: float | None = None) -> np.ndarray:
    """Two-electron spin state by name: "singlet", "triplet+1", "triplet0", "triplet-1" or "theta".

    Parameters
    ----------
    name : str
        One of :data:`PAIR_SPIN_NAMES`.
    theta : float, optional
        The relative phase of pair paper Eq. 8; required for ``"theta"`` and forbidden otherwise.

    Returns
    -------
    numpy.ndarray, shape (4,), complex
    """
    message = f"unknown pair spin state {name!r}: use one of {list(PAIR_SPIN_NAMES)}"
    _require(isinstance(name, str), message, TypeError)
    _require(name in PAIR_SPIN_NAMES, message)
    if name == "theta":
        _require(theta is not None, "spin state 'theta' needs a value of theta")
        return theta_spin_state(theta)
    _require(theta is None, f"theta is only used with spin state 'theta', not {name!r}")
    if name == "singlet":
        return singlet()
    return triplet({"triplet+1": 1, "triplet0": 0, "triplet-1": -1}[name])


def gaussian_packet(
    n_sites: int, center: float, sigma: float, k: float, *, periodic: bool = True, max_sites: int = MAX_PACKET_SITES
) -> np.ndarray:
    """Gaussian wave packet of pair paper Eq. 4 on the sites x = 1..N, normalized on the lattice.

    φ(x) ∝ exp(i k (x − x_c) − (x − x_c)² / (2σ²)). On a ring (``periodic=True``) x − x_c is the
    minimal-image distance in [−N/2, N/2), so a packet near the edge wraps around smoothly (the phase
    jump e^{ikN} sits at the antipode, where the amplitude is negligible for σ ≪ N). On an open chain
    the packet is simply truncated at the ends.

    The continuum prefactor 1/√(σ√π) of Eq. 4 is replaced by the numerical lattice norm. By Poisson
    summation, Σ_x exp(−(x − x_c)²/σ²) = σ√π [1 + 2 Σ_{m>=1} e^{−π²σ²m²} cos(2π m x_c)], so the two
    agree to ~2e^{−π²σ²} (1e−107 for σ = 5) when the packet is far from any open end, and differ
    visibly only for σ ≲ 1.

    Parameters
    ----------
    n_sites : int
        N >= 2.
    center : float
        x_c, 1-based, 1 <= x_c <= N (need not be an integer).
    sigma : float
        σ_d > 0, in lattice constants.
    k : float
        k_e in units of 1/a.
    periodic : bool
        Ring (default, as in the pair paper) or open chain.
    max_sites : int
        Largest N accepted (default :data:`MAX_PACKET_SITES`), checked before any allocation.

    Returns
    -------
    numpy.ndarray, shape (n_sites,), complex128
        φ[x − 1] for x = 1..N.
    """
    n_sites = _check_sites(n_sites, max_sites, "a wave packet")
    center = _real("center", center)
    sigma = _real("sigma", sigma)
    k = _real("k", k)
    _require(sigma > 0, f"sigma must be positive, got {sigma}")
    _require(1 <= center <= n_sites, f"center = {center} is off the lattice 1..{n_sites}")
    offset = np.arange(1, n_sites + 1) - center
    if periodic:
        offset = np.mod(offset + n_sites / 2, n_sites) - n_sites / 2
    # Shift the log-amplitude by its maximum before exponentiating so that very narrow packets do not
    # underflow to an all-zero vector.
    log_envelope = -(offset**2) / (2 * sigma**2)
    packet = np.exp(log_envelope - log_envelope.max() + 1j * k * offset)
    return packet / np.linalg.norm(packet)


def pair_state(
    n_sites: int,
    x1: float,
    x2: float,
    sigma: float,
    k: float,
    spin: str,
    *,
    theta: float | None = None,
    periodic: bool = True,
    max_sites: int = MAX_PAIR_SITES,
) -> np.ndarray:
    """Antisymmetrized two-electron state of pair paper Eqs. 3 and 8, ψ[x_A, x_B, s].

    ψ = φ1 ⊗ φ2 ⊗ χ − φ2 ⊗ φ1 ⊗ (Pχ), normalized to 1, where φ_j = ``gaussian_packet(N, x_j, σ, k)``,
    χ = ``pair_spin_state(spin, theta)`` and P swaps the two spins. Since Pχ = −χ for the singlet
    and +χ for the triplets, this is the symmetric orbital combination of Eq. 3 times the singlet and
    the antisymmetric one times a triplet; for the θ family it is exactly Eq. 8. The result obeys
    ψ[x_B, x_A, P s] = −ψ[x_A, x_B, s].

    Parameters
    ----------
    n_sites : int
        N >= 2.
    x1, x2 : float
        Packet centres (1-based); need not be ordered, but must give a nonzero state.
    sigma, k : float
        Common width σ_d > 0 and wave vector k_e.
    spin : str
        One of :data:`PAIR_SPIN_NAMES`.
    theta : float, optional
        Required for ``spin="theta"``, forbidden otherwise.
    periodic : bool
        Ring (default) or open chain.
    max_sites : int
        Largest N accepted (default :data:`MAX_PAIR_SITES`: ψ has 4 N² amplitudes), checked first.

    Returns
    -------
    numpy.ndarray, shape (n_sites, n_sites, 4), complex128
        Axes: site of electron A (x_A − 1), site of electron B, two-spin index (↑↑, ↑↓, ↓↑, ↓↓).
    """
    _check_sites(n_sites, max_sites, "a pair state (4 N² amplitudes)")
    chi = pair_spin_state(spin, theta)
    phi1 = gaussian_packet(n_sites, x1, sigma, k, periodic=periodic)
    phi2 = gaussian_packet(n_sites, x2, sigma, k, periodic=periodic)
    psi = np.einsum("a,b,s->abs", phi1, phi2, chi) - np.einsum("a,b,s->abs", phi2, phi1, swap_spins(chi))
    norm = np.linalg.norm(psi)
    # Norm² = 2 − 2|<φ1|φ2>|² <χ|Pχ>: it vanishes for a triplet with identical packets (Pauli exclusion).
    _require(
        norm > 1e-8,
        f"the antisymmetrized state vanishes (norm {norm:.2e}): spin {spin!r} with packets at x1 = {x1}, "
        f"x2 = {x2} violates the Pauli principle; separate the packets",
    )
    return psi / norm


def single_electron_state(
    n_sites: int, x: float, sigma: float, k: float, spin: str = "down", *, periodic: bool = True
) -> np.ndarray:
    """Single electron in a Gaussian packet (pair paper Eq. 4) with a fixed spin: ψ[x − 1, s] = φ(x) e_s.

    The pair paper's single spin-↓ reference (Fig. 2a) uses ``spin="down"`` at x = x2.

    Parameters
    ----------
    n_sites, x, sigma, k, periodic
        As in :func:`gaussian_packet` (x is the 1-based centre).
    spin : {"up", "down"}

    Returns
    -------
    numpy.ndarray, shape (n_sites, 2), complex128
        Spin axis ordered (↑, ↓).
    """
    message = f"unknown single-electron spin {spin!r}: use one of {list(SINGLE_SPIN_NAMES)}"
    _require(isinstance(spin, str), message, TypeError)
    _require(spin in SINGLE_SPIN_NAMES, message)
    spinor = np.zeros(2, dtype=complex)
    spinor[UP if spin == "up" else DOWN] = 1.0
    return np.outer(gaussian_packet(n_sites, x, sigma, k, periodic=periodic), spinor)
