"""Parameters of the pair-on-a-ring model (pair paper Eqs. 2–4, 7, 8): two electrons in first quantization.

:class:`PairOnRing` describes two electrons (or one) on a ring of ``n_sites`` sites with ``n_spins``
localized spins on consecutive sites starting at ``chain_start`` (1-based). Energies in eV, times in
fs. The normalization of σ (electrons) and S (localized spins) is a parameter. This model is not a
:class:`verify.models.chain.ChainModel` (the electrons are distinguishable particles in first
quantization, not sites of a chain); it has its own exact evolver (:mod:`verify.exact.pair`) and
shares the run records, their metadata and the checks with the chain models.

Validation on construction: ``TypeError`` for wrong types, ``ValueError`` naming the parameter otherwise.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from states.conventions import HBAR_EV_FS, SpinNormalization
from states.validation import require_choice, require_int, require_real

__all__ = ["PAIR_STATES", "PAIR_UNITS", "SD_TERMS", "SPIN_CONVENTIONS", "PairOnRing", "packet_chain_intervals"]

SD_TERMS = ("full", "longitudinal", "flip")
"""Which part of the sd exchange (pair paper Eq. 7) is kept: all, σ^zS^z only, or the flip part."""
PAIR_STATES = ("singlet", "triplet+1", "triplet0", "triplet-1", "theta", "single-down")
"""Initial electron spin states of :func:`verify.simulate_pair`."""
SPIN_CONVENTIONS: dict[str, tuple[SpinNormalization, SpinNormalization]] = {
    "pauli-half": ("pauli", "half"),
    "pauli": ("pauli", "pauli"),
    "half": ("half", "half"),
}
"""Named (electron σ, localized S) normalizations for the pair model."""

PAIR_UNITS = {"t": "fs", "energy": "eV", "spin": "pauli", "entropy": "nats"}
"""Units of the pair records (``S_z`` is in the model's S normalization, recorded separately)."""


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
        for name, minimum in (("n_sites", 3), ("n_spins", 1), ("chain_start", 1)):
            object.__setattr__(self, name, require_int(name, getattr(self, name), minimum=minimum))
        if self.chain_start + self.n_spins - 1 > self.n_sites:
            raise ValueError(
                f"the spin chain (sites {self.chain_start}..{self.chain_start + self.n_spins - 1}) runs off "
                f"the ring of n_sites = {self.n_sites}"
            )
        for name in ("hopping", "j_ex", "j_sd", "k"):
            object.__setattr__(self, name, require_real(name, getattr(self, name)))
        for name in ("sigma", "hbar"):
            object.__setattr__(self, name, require_real(name, getattr(self, name), positive=True))
        for name in ("x1", "x2"):
            object.__setattr__(self, name, require_real(name, getattr(self, name), minimum=1, maximum=self.n_sites))
        if not self.x2 > self.x1:
            raise ValueError(f"x2 = {self.x2} must exceed x1 = {self.x1} (φ2 enters the chain first)")
        # |<φ1|φ2>| = exp(-d²/4σ²): below d = 2σ the packets overlap by more than 1/e and the
        # "two packets" picture of Eqs. 3 and 8 no longer holds.
        if self.x2 - self.x1 < 2 * self.sigma:
            raise ValueError(
                f"packets overlap: d = x2 - x1 = {self.x2 - self.x1} is below 2*sigma = {2 * self.sigma}"
            )
        require_choice("convention", self.convention, tuple(SPIN_CONVENTIONS))
        require_choice("terms", self.terms, SD_TERMS)

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

    def to_dict(self) -> dict[str, Any]:
        """All parameters as a JSON-ready dict."""
        return {"model": "pair", **asdict(self)}


def packet_chain_intervals(model: PairOnRing) -> np.ndarray:
    """Time intervals (fs) during which each packet overlaps the spin chain (figure shading).

    A packet's centre moves at ``model.group_velocity``: x_j(t) = x_j + v t (1-based sites, no
    wrapping around the ring, as in the paper's geometry). Packet j counts as inside the chain while
    [x_j(t) − 2σ_d, x_j(t) + 2σ_d] overlaps [chain_start, chain_start + L − 1].

    Returns
    -------
    ndarray, shape (2, 2)
        Rows φ1 (centre x1) and φ2 (centre x2; the single spin-↓ electron also starts at x2),
        columns (t_enter, t_exit); may be negative (already entered) — clip for plotting.

    Raises
    ------
    ValueError
        When the group velocity is zero (k = 0 or π: the packets do not move).
    """
    if not isinstance(model, PairOnRing):
        raise TypeError(f"model must be a PairOnRing, got {type(model).__name__}")
    v = model.group_velocity
    if abs(v) < 1e-14:
        raise ValueError(f"group velocity is zero (k = {model.k}): packets never cross the chain")
    first, last = model.chain_start, model.chain_start + model.n_spins - 1
    rows = []
    for x in (model.x1, model.x2):
        t_a = (first - 2 * model.sigma - x) / v
        t_b = (last + 2 * model.sigma - x) / v
        rows.append(sorted((t_a, t_b)))
    return np.array(rows)
