"""The two models as small immutable parameter objects with the papers' values as defaults.

* :class:`PRXChain` — PRX Eqs. 1–5: a tight-binding chain of ``n_sites`` sites with a ferromagnetic
  XXZ chain of ``n_fm`` localized spins-1/2 on sites ``n_left+1 .. n_left+n_fm`` (1-based, as in the
  paper), ``n_e`` electrons confined to sites ``1 .. n_conf`` and polarized along +z
  (``"z"``, collinear) or +x (``"x"``, noncollinear) before t = 0, localized spins along −z.
  Every spin operator is a Pauli matrix (as the paper writes it). Units ħ = γ = 1.
* :class:`PairOnRing` — pair paper Eq. 2: two electrons on a ring of ``n_sites`` sites with ``n_spins``
  localized spins on consecutive sites starting at ``chain_start`` (1-based). Energies in eV, times
  in fs. The normalization of σ (electrons) and S (localized spins) is a parameter.

Both validate on construction and raise ``ValueError`` naming the offending parameter.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Literal

from states.conventions import HBAR_EV_FS, SpinNormalization

__all__ = ["PAIR_STATES", "SD_TERMS", "SPIN_CONVENTIONS", "PRXChain", "PairOnRing"]

Polarization = Literal["z", "x"]
SD_TERMS = ("full", "longitudinal", "flip")
"""Which part of the sd exchange (pair paper Eq. 7) is kept: all, σ^zS^z only, or the flip part."""
PAIR_STATES = ("singlet", "triplet+1", "triplet0", "triplet-1", "theta", "single-down")
SPIN_CONVENTIONS: dict[str, tuple[SpinNormalization, SpinNormalization]] = {
    "pauli-half": ("pauli", "half"),
    "pauli": ("pauli", "pauli"),
    "half": ("half", "half"),
}
"""Named (electron σ, localized S) normalizations for the pair model."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ValueError(message)


def _finite(name: str, value: float) -> None:
    _require(isinstance(value, (int, float)) and math.isfinite(value), f"{name} must be a finite number, got {value!r}")


def _positive_int(name: str, value: int, minimum: int = 1) -> None:
    _require(
        isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
        f"{name} must be an integer >= {minimum}, got {value!r}",
    )


@dataclass(frozen=True)
class PRXChain:
    """Parameters of the PRX chain (PRX Eqs. 1–5), defaults from the paper (Fig. 2).

    Attributes
    ----------
    n_sites, n_left, n_fm, n_conf : int
        N, N_L, N_FM, N_conf. The FM sites are ``n_left+1 .. n_left+n_fm`` (1-based); N_R follows.
    n_e : int
        Number of electrons N_e (0 <= N_e <= N_conf: a fully polarized pulse must fit into the well;
        two electrons of the same spin cannot share a site).
    polarization : {"z", "x"}
        Direction of the electron polarization before t = 0 (+z collinear, +x noncollinear).
    hopping, j_xy, j_z, j_sd : float
        γ, J, J_z, J_sd of Eqs. 2–4.
    confinement, field : float
        V and |g μ_B B| of Eq. 5 (the same magnitude for B_e and B_FM).
    """

    n_sites: int = 75
    n_left: int = 35
    n_fm: int = 5
    n_conf: int = 10
    n_e: int = 8
    polarization: Polarization = "z"
    hopping: float = 1.0
    j_xy: float = 0.1
    j_z: float = 0.1005
    j_sd: float = 0.5
    confinement: float = 10.0
    field: float = 100.0

    def __post_init__(self) -> None:
        _positive_int("n_sites", self.n_sites, 2)
        _positive_int("n_fm", self.n_fm, 1)
        _positive_int("n_left", self.n_left, 0)
        _positive_int("n_conf", self.n_conf, 0)
        _positive_int("n_e", self.n_e, 0)
        _require(self.n_fm <= self.n_sites, f"n_fm = {self.n_fm} exceeds n_sites = {self.n_sites}")
        _require(
            self.n_left + self.n_fm <= self.n_sites,
            f"the FM region (sites {self.n_left + 1}..{self.n_left + self.n_fm}) extends past "
            f"n_sites = {self.n_sites}",
        )
        _require(self.n_conf <= self.n_left, f"n_conf = {self.n_conf} exceeds n_left = {self.n_left}")
        _require(self.n_e <= 2 * self.n_sites, f"n_e = {self.n_e} exceeds 2*n_sites = {2 * self.n_sites}")
        # Eq. 5 polarizes the pulse; N_e > N_conf electrons of one spin cannot all sit in the well, and
        # those outside it feel no field, so the prepared state would be neither confined nor polarized.
        _require(
            self.n_e <= self.n_conf,
            f"n_e = {self.n_e} polarized electrons do not fit into n_conf = {self.n_conf} confining sites "
            "(need n_e <= n_conf)",
        )
        _require(self.polarization in ("z", "x"), f"polarization must be 'z' or 'x', got {self.polarization!r}")
        for name in ("hopping", "j_xy", "j_z", "j_sd", "confinement", "field"):
            _finite(name, getattr(self, name))

    @property
    def n_right(self) -> int:
        """N_R = N − N_L − N_FM."""
        return self.n_sites - self.n_left - self.n_fm

    @property
    def fm_sites(self) -> range:
        """0-based indices of the sites that carry a localized spin."""
        return range(self.n_left, self.n_left + self.n_fm)

    @property
    def collinear(self) -> bool:
        """True when the electrons are polarized along +z (total S^z is then conserved)."""
        return self.polarization == "z"

    def to_dict(self) -> dict:
        """All parameters as a JSON-ready dict."""
        return {"model": "prx", **asdict(self)}


@dataclass(frozen=True)
class PairOnRing:
    """Parameters of the pair-on-a-ring model (pair paper Eqs. 2–4, 7, 8), defaults from its Fig. 2.

    Attributes
    ----------
    n_sites : int
        Ring sites N (periodic boundaries).
    n_spins : int
        Localized spins L, on sites ``chain_start .. chain_start+L-1`` (1-based).
    chain_start : int
        First site of the spin chain (1-based).
    hopping, j_ex, j_sd : float
        t_h, J_ex, J_sd in eV.
    k : float
        Wave vector k_e in units of 1/a.
    sigma : float
        Packet width σ_d in units of a.
    x1, x2 : float
        Packet centres (1-based site coordinates); x2 > x1 so φ2 enters the chain first.
        The single spin-↓ electron uses x2.
    convention : {"pauli-half", "pauli", "half"}
        Normalizations of (σ, S); see :data:`SPIN_CONVENTIONS`.
    terms : {"full", "longitudinal", "flip"}
        Which part of the sd term (Eq. 7) is kept.
    hbar : float
        ħ in eV·fs.
    """

    n_sites: int = 200
    n_spins: int = 4
    chain_start: int = 101
    hopping: float = 0.5
    j_ex: float = 0.2
    j_sd: float = 0.3
    k: float = 1.0
    sigma: float = 5.0
    x1: float = 49.0
    x2: float = 79.0
    convention: str = "pauli-half"
    terms: str = "full"
    hbar: float = field(default=HBAR_EV_FS)

    def __post_init__(self) -> None:
        _positive_int("n_sites", self.n_sites, 3)
        _positive_int("n_spins", self.n_spins, 1)
        _positive_int("chain_start", self.chain_start, 1)
        _require(
            self.chain_start + self.n_spins - 1 <= self.n_sites,
            f"the spin chain (sites {self.chain_start}..{self.chain_start + self.n_spins - 1}) runs off "
            f"the ring of n_sites = {self.n_sites}",
        )
        for name in ("hopping", "j_ex", "j_sd", "k", "sigma", "x1", "x2", "hbar"):
            _finite(name, getattr(self, name))
        _require(self.sigma > 0, f"sigma must be positive, got {self.sigma}")
        _require(self.hbar > 0, f"hbar must be positive, got {self.hbar}")
        for name in ("x1", "x2"):
            value = getattr(self, name)
            _require(1 <= value <= self.n_sites, f"{name} = {value} is off the ring 1..{self.n_sites}")
        _require(self.x2 > self.x1, f"x2 = {self.x2} must exceed x1 = {self.x1} (φ2 enters the chain first)")
        # |<φ1|φ2>| = exp(-d²/4σ²): below d = 2σ the packets overlap by more than 1/e and the
        # "two packets" picture of Eqs. 3 and 8 no longer holds.
        _require(
            self.x2 - self.x1 >= 2 * self.sigma,
            f"packets overlap: d = x2 - x1 = {self.x2 - self.x1} is below 2*sigma = {2 * self.sigma}",
        )
        _require(
            self.convention in SPIN_CONVENTIONS,
            f"unknown convention {self.convention!r}: use one of {sorted(SPIN_CONVENTIONS)}",
        )
        _require(self.terms in SD_TERMS, f"unknown terms {self.terms!r}: use one of {list(SD_TERMS)}")

    @property
    def chain_sites(self) -> range:
        """0-based ring indices of the localized spins."""
        return range(self.chain_start - 1, self.chain_start - 1 + self.n_spins)

    @property
    def normalizations(self) -> tuple[SpinNormalization, SpinNormalization]:
        """(electron σ, localized S) normalizations."""
        return SPIN_CONVENTIONS[self.convention]

    @property
    def packet_distance(self) -> float:
        """d = x2 − x1 in units of a."""
        return self.x2 - self.x1

    @property
    def group_velocity(self) -> float:
        """Group velocity 2 t_h sin(k) / ħ of the packets, in sites per fs."""
        return 2 * self.hopping * math.sin(self.k) / self.hbar

    def to_dict(self) -> dict:
        """All parameters as a JSON-ready dict."""
        return {"model": "pair", **asdict(self)}
