"""The package's conventions in code: the one source of truth (mirrored by ``docs/conventions.md``).

Everything that fixes a basis order, a sign, a unit or an operator normalization lives here and is
imported from here. Nothing else in the package writes down a Pauli matrix.

Decisions (see ``docs/conventions.md`` for the reasoning):

* Local spin-1/2 basis: index 0 = ↑ (σ^z = +1), index 1 = ↓ (σ^z = −1).
* Tensor products: the first factor is the leftmost (most significant) index, ``np.kron(a, b)``;
  a basis state of n qubits ``|b_0 b_1 ... b_{n-1}>`` has index ``sum_q b_q 2**(n-1-q)``.
* Spin operators: ``"pauli"`` (σ^α, eigenvalues ±1, as the PRX writes every spin operator) or
  ``"half"`` (S^α = σ^α/2). Ladder operators are always ``X^+ = X^x + i X^y`` of the chosen
  normalization, so σ^+ = 2|↑><↓| and S^+ = |↑><↓| (pair paper Eq. 7).
* Charges are integers: particle number and ``2 S^z``.
* Entropies use the natural log unless ``base=`` is given.
* Units: PRX ħ = γ = 1 (times in ħ/γ); pair paper energies in eV, times in fs, ħ = HBAR_EV_FS.
* Singlet = (|↑↓> − |↓↑>)/√2; two-electron spin basis order (↑↑, ↑↓, ↓↑, ↓↓).
* Fermion site (d = 4) basis: (|0>, |↑> = c†_↑|0>, |↓> = c†_↓|0>, |↑↓> = c†_↑ c†_↓|0>).
  Jordan–Wigner order of modes: (1↑, 1↓, 2↑, 2↓, ..., N↑, N↓); a Fock state is
  ``prod_m (c†_m)^{n_m} |vac>`` with the product in that order (first mode leftmost).
* FM site (d = 8) = fermion site ⊗ localized spin (electron factor first); localized spins are
  bosonic tensor factors and carry no Jordan–Wigner string.
* Spin S > 1/2: basis m = S, S − 1, …, −S (index 0 = highest m, as ↑ = 0); "Pauli units" mean 2S^α
  (σ^α for S = 1/2), whose z eigenvalues 2m are the integer charges 2S^z.
* Directions: polar angle θ ∈ [0, π] from +z, azimuth φ from +x towards +y (radians),
  n = (sin θ cos φ, sin θ sin φ, cos θ) (:func:`direction_vector`); a spin "along n" is the spin
  coherent state with n·S = +S (:func:`spin_coherent_state`, highest weight rotated from +z).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from states.validation import require_int, require_real

__all__ = [
    "DOWN",
    "FERMION_SITE_CHARGE_2SZ",
    "FERMION_SITE_CHARGE_N",
    "FERMION_SITE_DIM",
    "FERMION_SITE_LABELS",
    "FM_SITE_DIM",
    "HBAR_EV_FS",
    "IDENTITY_2",
    "MAX_TWO_S",
    "PAULI_X",
    "PAULI_Y",
    "PAULI_Z",
    "QUBIT_CHARGE_2SZ",
    "ROUNDOFF_ZERO",
    "TWO_SPIN_LABELS",
    "UP",
    "SpinNormalization",
    "direction_vector",
    "fermion_site_index",
    "fm_site_index",
    "ladder_operators",
    "spin_coherent_state",
    "spin_operators",
    "spin_s_charges",
    "spin_s_operators",
]

UP: int = 0
"""Index of |↑> (σ^z = +1) in every local spin basis."""
DOWN: int = 1
"""Index of |↓> (σ^z = −1) in every local spin basis."""

HBAR_EV_FS: float = 0.6582119569
"""ħ in eV·fs (CODATA 2018), the pair paper's unit system."""

IDENTITY_2 = np.eye(2, dtype=complex)
PAULI_X = np.array([[0, 1], [1, 0]], dtype=complex)
PAULI_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
PAULI_Z = np.array([[1, 0], [0, -1]], dtype=complex)
for _m in (IDENTITY_2, PAULI_X, PAULI_Y, PAULI_Z):
    _m.setflags(write=False)

QUBIT_CHARGE_2SZ = np.array([1, -1])
"""2 S^z of the local basis states (↑, ↓)."""

TWO_SPIN_LABELS: tuple[str, ...] = ("↑↑", "↑↓", "↓↑", "↓↓")
"""Order of the two-electron spin basis (first electron leftmost)."""

FERMION_SITE_DIM: int = 4
FERMION_SITE_LABELS: tuple[str, ...] = ("0", "↑", "↓", "↑↓")
FERMION_SITE_CHARGE_N = np.array([0, 1, 1, 2])
"""Particle number of the fermion-site basis states."""
FERMION_SITE_CHARGE_2SZ = np.array([0, 1, -1, 0])
"""2 S^z of the fermion-site basis states."""
FM_SITE_DIM: int = FERMION_SITE_DIM * 2

MAX_TWO_S: int = 20
"""Largest 2S of a spin-S site (S = 10, d = 21). The models use S <= 3/2; an FM site of a chain
has d = 4(2S + 1) and a two-site gate (d_i d_j)^2 entries, so 2S = 20 already gives 84^4 ≈ 5e7
complex entries (0.8 GB): anything larger is a mistake, refused before any allocation."""


def fermion_site_index(n_up: ArrayLike, n_down: ArrayLike) -> np.ndarray:
    """Index in the fermion-site basis (0, ↑, ↓, ↑↓) of the occupations (n_↑, n_↓) ∈ {0, 1}² (arrays allowed)."""
    return np.asarray(n_up, dtype=np.int64) + 2 * np.asarray(n_down, dtype=np.int64)


def fm_site_index(fermion_index: ArrayLike, spin: ArrayLike) -> np.ndarray:
    """Index in the FM-site basis (electron factor first, ``np.kron`` order) of a fermion-site index and a
    localized-spin index (:data:`UP` = 0, :data:`DOWN` = 1)."""
    return 2 * np.asarray(fermion_index, dtype=np.int64) + np.asarray(spin, dtype=np.int64)


SpinNormalization = Literal["pauli", "half"]
_SCALE = {"pauli": 1.0, "half": 0.5}


def _scale(normalization: str) -> float:
    try:
        return _SCALE[normalization]
    except KeyError:
        raise ValueError(
            f"unknown spin normalization {normalization!r}: use 'pauli' (σ, eigenvalues ±1) "
            "or 'half' (S = σ/2)"
        ) from None


def spin_operators(normalization: SpinNormalization = "pauli") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the three spin-1/2 operators (x, y, z) in the chosen normalization.

    Parameters
    ----------
    normalization : {"pauli", "half"}
        ``"pauli"``: Pauli matrices σ^α (PRX Eqs. 3–5 write every spin operator this way);
        ``"half"``: spin-1/2 operators S^α = σ^α/2.

    Returns
    -------
    tuple of three (2, 2) complex arrays
    """
    s = _scale(normalization)
    return s * PAULI_X, s * PAULI_Y, s * PAULI_Z


def ladder_operators(normalization: SpinNormalization = "pauli") -> tuple[np.ndarray, np.ndarray]:
    """Return (X^+, X^-) with X^± = X^x ± i X^y in the chosen normalization (pair paper Eq. 7).

    With ``"pauli"`` this is σ^+ = 2|↑><↓|, with ``"half"`` S^+ = |↑><↓|, so that
    σ·S = σ^z S^z + (σ^+ S^- + σ^- S^+)/2 for any pair of normalizations.
    """
    x, y, _ = spin_operators(normalization)
    return x + 1j * y, x - 1j * y


def spin_s_charges(two_s: int) -> np.ndarray:
    """2m = 2S, 2S − 2, …, −2S of the spin-S basis states (index 0 = highest m), as int64.

    Raises
    ------
    TypeError
        Unless ``two_s`` is an integer (numpy integers accepted, bools refused).
    ValueError
        Unless 1 <= ``two_s`` <= :data:`MAX_TWO_S`.
    """
    two_s = require_int("two_s", two_s, minimum=1, maximum=MAX_TWO_S)
    return np.arange(two_s, -two_s - 1, -2, dtype=np.int64)


def spin_s_operators(
    two_s: int, normalization: SpinNormalization = "pauli"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spin-S operators (x, y, z) in the basis m = S, …, −S.

    Parameters
    ----------
    two_s : int
        2S (1 for spin-1/2, 2 for spin-1, 3 for spin-3/2), at most :data:`MAX_TWO_S`.
    normalization : {"pauli", "half"}
        ``"pauli"``: 2S^α, the generalization of σ^α (eigenvalues 2m, integers); ``"half"``: S^α.
        For S = 1/2 both equal :func:`spin_operators` exactly.

    Notes
    -----
    S^+|m⟩ = √(S(S+1) − m(m+1)) |m+1⟩; the square roots are of integers over 4, exact for S = 1/2.
    """
    two_m = spin_s_charges(two_s)
    s = two_s / 2.0
    m = two_m[1:] / 2.0  # S^+ raises m -> m + 1: the state below index k - 1 is index k
    raising = np.zeros((two_m.size, two_m.size), dtype=complex)
    raising[np.arange(two_m.size - 1), np.arange(1, two_m.size)] = np.sqrt(s * (s + 1) - m * (m + 1))
    lowering = raising.conj().T
    scale = 2.0 * _scale(normalization)  # S^α times 2 ("pauli") or 1 ("half")
    x = scale * (raising + lowering) / 2
    y = scale * (raising - lowering) / 2j
    z = scale * np.diag(two_m / 2.0).astype(complex)
    return x, y, z


ROUNDOFF_ZERO: float = 1e-15
"""|cos|, |sin| below this (a few ulps of 1) are round-off of an exact zero — cos(π/2) = 6.1e-17,
sin(π) = 1.2e-16 — and are set to 0, so that θ = π/2, π and φ = π/2, … give exact axes (a +z or −z
spin is then an exact 2S^z eigenstate)."""


def _trig(angle: float) -> tuple[float, float]:
    """(cos, sin) with round-off zeros snapped to 0 (:data:`ROUNDOFF_ZERO`)."""
    c, s = math.cos(angle), math.sin(angle)
    return (0.0 if abs(c) < ROUNDOFF_ZERO else c), (0.0 if abs(s) < ROUNDOFF_ZERO else s)


def _angles(theta: float, phi: float) -> tuple[float, float]:
    theta = require_real("theta", theta, minimum=0.0, maximum=math.pi)
    return theta, require_real("phi", phi)


def direction_vector(theta: float, phi: float) -> np.ndarray:
    """The unit vector n = (sin θ cos φ, sin θ sin φ, cos θ) (module docstring; round-off zeros snapped).

    Raises
    ------
    TypeError
        For non-real angles.
    ValueError
        Unless 0 <= θ <= π and φ is finite.

    Examples
    --------
    >>> direction_vector(math.pi / 2, 0.0).tolist(), direction_vector(math.pi, 0.0).tolist()
    ([1.0, 0.0, 0.0], [0.0, 0.0, -1.0])
    """
    theta, phi = _angles(theta, phi)
    cos_t, sin_t = _trig(theta)
    cos_p, sin_p = _trig(phi)
    return np.array([sin_t * cos_p, sin_t * sin_p, cos_t])


def spin_coherent_state(two_s: int, theta: float, phi: float) -> np.ndarray:
    """The spin-S state pointing along n(θ, φ): n·S |n⟩ = S |n⟩, in the basis m = S, …, −S.

    Amplitudes c_m = √C(2S, S+m) cos^{S+m}(θ/2) sin^{S−m}(θ/2) e^{i(S−m)φ}: the highest-weight state
    rotated by e^{−iφS^z} e^{−iθS^y}, times the phase e^{iSφ} that makes c_S real and ≥ 0. For S = 1/2
    the spinor (cos θ/2, e^{iφ} sin θ/2); θ = 0 gives m = S and θ = π gives m = −S exactly.

    Raises
    ------
    TypeError, ValueError
        As :func:`spin_s_charges` for ``two_s``, :func:`direction_vector` for the angles.
    """
    two_m = spin_s_charges(two_s)
    theta, phi = _angles(theta, phi)
    cos_h, sin_h = _trig(theta / 2)
    up = (two_s + two_m) // 2  # S + m
    down = (two_s - two_m) // 2  # S − m
    binomial = np.array([math.comb(two_s, int(k)) for k in up], dtype=float)
    return np.sqrt(binomial) * cos_h**up * sin_h**down * np.exp(1j * down * phi)
