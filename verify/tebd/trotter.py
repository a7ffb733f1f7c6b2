"""Trotter–Suzuki schedules as pure data (PRX Eq. 8 and fourth-order compositions).

A *schedule* is a tuple of :class:`Sweep` s — a direction and a time weight in units of the step
δt. A sweep ``"right"`` of weight w applies e^{-i H_b w δt} for b = 1, 2, ..., N−1 in this order
(bond 1 acts first), a sweep ``"left"`` the same for b = N−1, ..., 1. PRX Eq. 8,

    e^{-iHδt} ≈ e^{-iH_1δt/2} ⋯ e^{-iH_{N-1}δt/2} e^{-iH_{N-1}δt/2} ⋯ e^{-iH_1δt/2},

is ``(Sweep("right", 1/2), Sweep("left", 1/2))``: symmetric, hence second order (local error
O(δt³)). Fourth order is obtained by composing it with itself (Forest–Ruth / Yoshida three-stage
composition or Suzuki's five-stage fractal), each stage again palindromic.

:func:`bond_sequence` turns a schedule into the list of (bond, weight) gate applications of one
step on a chain of ``n_sites`` sites, merging the gates of a bond visited twice in a row where a
sweep turns (the two exponentials of the same H_b commute and add).

The even–odd scheme of TeNPy and the Vidal TEBD literature is offered as well: a :class:`Layer`
applies the gates of every second bond (all even bonds, or all odd ones — they commute), and
``even-odd`` = U_even(δt/2) U_odd(δt) U_even(δt/2). It needs about half as many two-site SVDs as
PRX Eq. 8 per step (the orthogonality centre moves between the gates of a layer by QR instead).

Several steps run back to back merge where one step ends and the next begins
(:func:`step_sequence` with ``n_steps > 1``): the last and first gates of PRX Eq. 8 (bond 1), or
the two half-step even layers of ``even-odd``. The product is the same operator, with fewer
truncations.

Nothing here touches a state; ``tests/verify/tebd/test_trotter.py`` checks the schedules on their own. (This
module was ``verify.trotter``; that path is a deprecated re-export.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from states.validation import require_int

__all__ = [
    "SCHEMES",
    "Layer",
    "Sweep",
    "bond_sequence",
    "even_odd",
    "forest_ruth",
    "schedule",
    "second_order",
    "step_sequence",
    "suzuki4",
]

Direction = Literal["right", "left"]


@dataclass(frozen=True)
class Sweep:
    """One sweep over all bonds.

    Attributes
    ----------
    direction : {"right", "left"}
        ``"right"``: bonds 1 → N−1 (bond 1 acts first); ``"left"``: N−1 → 1.
    weight : float
        Time of every gate of the sweep in units of δt (negative weights occur at fourth order).
    """

    direction: Direction
    weight: float

    def __post_init__(self) -> None:
        if self.direction not in ("right", "left"):
            raise ValueError(f"sweep direction must be 'right' or 'left', got {self.direction!r}")

    def bonds(self, n_sites: int) -> range:
        """The bonds in the order their gates act."""
        return range(n_sites - 1) if self.direction == "right" else range(n_sites - 2, -1, -1)


@dataclass(frozen=True)
class Layer:
    """The gates of every second bond: all even bonds (``parity=0``: 1–2, 3–4, … in the paper's
    1-based site labels) or all odd ones. They commute, so ``direction`` only sets the order in which
    the orthogonality centre visits them.

    Attributes
    ----------
    parity : {0, 1}
        Bonds b with b % 2 == parity (b = 0..N−2 couples sites b and b+1, 0-based).
    weight : float
        Time of every gate in units of δt.
    direction : {"right", "left"}
        Increasing or decreasing bond order.
    """

    parity: int
    weight: float
    direction: Direction = "right"

    def __post_init__(self) -> None:
        if self.parity not in (0, 1):
            raise ValueError(f"layer parity must be 0 or 1, got {self.parity!r}")
        if self.direction not in ("right", "left"):
            raise ValueError(f"layer direction must be 'right' or 'left', got {self.direction!r}")

    def bonds(self, n_sites: int) -> range:
        """The bonds of this parity in the order their gates act."""
        up = range(self.parity, n_sites - 1, 2)
        return up if self.direction == "right" else up[::-1]


Stage = Sweep | Layer


def second_order(scale: float = 1.0) -> tuple[Sweep, ...]:
    """PRX Eq. 8 for a step ``scale``·δt: a right sweep and a left sweep of ``scale``/2 each."""
    return (Sweep("right", scale / 2), Sweep("left", scale / 2))


def even_odd(scale: float = 1.0) -> tuple[Layer, ...]:
    """U_even(δt/2) U_odd(δt) U_even(δt/2) for a step ``scale``·δt (TeNPy's and Vidal's order 2)."""
    return (Layer(0, scale / 2, "right"), Layer(1, scale, "left"), Layer(0, scale / 2, "right"))


def _compose(weights: tuple[float, ...]) -> tuple[Sweep, ...]:
    return tuple(sweep for w in weights for sweep in second_order(w))


def forest_ruth() -> tuple[Sweep, ...]:
    """Fourth order, three stages: S2(θ) S2(1−2θ) S2(θ) with θ = 1/(2 − 2^{1/3})."""
    theta = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))
    return _compose((theta, 1.0 - 2.0 * theta, theta))


def suzuki4() -> tuple[Sweep, ...]:
    """Fourth order, five stages: S2(p)² S2(1−4p) S2(p)² with p = 1/(4 − 4^{1/3})."""
    p = 1.0 / (4.0 - 4.0 ** (1.0 / 3.0))
    return _compose((p, p, 1.0 - 4.0 * p, p, p))


SCHEMES = {2: {"even-odd": even_odd, "prx": second_order}, 4: {"forest-ruth": forest_ruth, "suzuki": suzuki4}}
"""Available schemes per order; the first listed is the default.

At order 2 the default is ``even-odd``, not the paper's ``prx`` (PRX Eq. 8): measured by
``benchmarks/tebd_schemes.py`` (``benchmarks/results/tebd_schemes.json``), Eq. 8 has a 1.5–3.1× larger
Trotter error constant (both exactly second order; against the exact evolver) and a step with an
output costs 1.37× the even–odd one in wall time at χ = 400 (1.13× in CPU time: 2N − 3 two-site SVDs
against 3(N − 1)/2 per step, but even–odd's gates run on both cores), so at equal accuracy Eq. 8 costs
1.6–2.2× as much wall time (1.35–1.8× CPU). The paper's figures still use
``prx`` (:data:`verify.tebd.PAPER_TEBD`)."""


def schedule(order: int, scheme: str | None = None) -> tuple[Stage, ...]:
    """The schedule of one step of the given order.

    Parameters
    ----------
    order : {2, 4}
        Trotter order (global error O(δt^order)).
    scheme : str, optional
        ``"even-odd"`` (default) or ``"prx"`` (PRX Eq. 8) for order 2; ``"forest-ruth"`` (default)
        or ``"suzuki"`` for order 4.
    """
    if order not in SCHEMES:
        raise ValueError(f"Trotter order must be one of {sorted(SCHEMES)}, got {order!r}")
    schemes = SCHEMES[order]
    name = scheme if scheme is not None else next(iter(schemes))
    if name not in schemes:
        raise ValueError(f"unknown order-{order} scheme {name!r}: use one of {sorted(schemes)}")
    return schemes[name]()


def step_sequence(stages: tuple[Stage, ...], n_sites: int, n_steps: int = 1) -> list[tuple[int, float, int]]:
    """Gate applications of ``n_steps`` consecutive steps: (bond, weight, step) in the order they act.

    ``step`` (0-based, relative to the first step) is the step a gate belongs to; a merged gate
    belongs to the earlier one. Merging: consecutive layers of the same parity become one layer
    (their gates commute), then consecutive gates on the same bond become one gate with the summed
    weight (where a sweep turns, and where one step's last gate meets the next step's first).

    Parameters
    ----------
    stages : tuple of Sweep or Layer
        One step's schedule (see :func:`schedule`).
    n_sites : int
        Number of sites (>= 2).
    n_steps : int
        Number of steps (>= 1).
    """
    if n_sites < 2:
        raise ValueError(f"a chain needs at least 2 sites, got n_sites = {n_sites}")
    n_steps = require_int("n_steps", n_steps, minimum=1)
    merged: list[tuple[Stage, int]] = []
    for k in range(n_steps):
        for stage in stages:
            if merged:
                prev, step = merged[-1]
                if isinstance(stage, Layer) and isinstance(prev, Layer) and prev.parity == stage.parity:
                    merged[-1] = (Layer(prev.parity, prev.weight + stage.weight, prev.direction), step)
                    continue
            merged.append((stage, k))
    out: list[tuple[int, float, int]] = []
    for stage, k in merged:
        for b in stage.bonds(n_sites):
            if out and out[-1][0] == b:
                out[-1] = (b, out[-1][1] + stage.weight, out[-1][2])
            else:
                out.append((b, stage.weight, k))
    return out


def bond_sequence(sweeps: tuple[Stage, ...], n_sites: int) -> list[tuple[int, float]]:
    """Gate applications of one step: (bond, weight) in the order they act.

    Bond b couples sites b and b+1 (0-based). Where consecutive sweeps turn, the turning bond's two
    gates are merged into one with the summed weight (see :func:`step_sequence`).

    Parameters
    ----------
    sweeps : tuple of Sweep or Layer
        A schedule (see :func:`schedule`).
    n_sites : int
        Number of sites (>= 2).
    """
    return [(b, w) for b, w, _ in step_sequence(sweeps, n_sites, 1)]
