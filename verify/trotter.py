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

Nothing here touches a state; ``tests/test_trotter.py`` checks the schedules on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "SCHEMES",
    "Sweep",
    "bond_sequence",
    "forest_ruth",
    "schedule",
    "second_order",
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


def second_order(scale: float = 1.0) -> tuple[Sweep, ...]:
    """PRX Eq. 8 for a step ``scale``·δt: a right sweep and a left sweep of ``scale``/2 each."""
    return (Sweep("right", scale / 2), Sweep("left", scale / 2))


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


SCHEMES = {2: {"prx": second_order}, 4: {"forest-ruth": forest_ruth, "suzuki": suzuki4}}
"""Available schemes per order; the first listed is the default."""


def schedule(order: int, scheme: str | None = None) -> tuple[Sweep, ...]:
    """The schedule of one step of the given order.

    Parameters
    ----------
    order : {2, 4}
        Trotter order (global error O(δt^order)).
    scheme : str, optional
        ``"prx"`` for order 2 (PRX Eq. 8); ``"forest-ruth"`` (default) or ``"suzuki"`` for order 4.
    """
    if order not in SCHEMES:
        raise ValueError(f"Trotter order must be one of {sorted(SCHEMES)}, got {order!r}")
    schemes = SCHEMES[order]
    name = scheme if scheme is not None else next(iter(schemes))
    if name not in schemes:
        raise ValueError(f"unknown order-{order} scheme {name!r}: use one of {sorted(schemes)}")
    return schemes[name]()


def bond_sequence(sweeps: tuple[Sweep, ...], n_sites: int) -> list[tuple[int, float]]:
    """Gate applications of one step: (bond, weight) in the order they act.

    Bond b couples sites b and b+1 (0-based). Where consecutive sweeps turn, the turning bond's two
    gates are merged into one with the summed weight.

    Parameters
    ----------
    sweeps : tuple of Sweep
        A schedule (see :func:`schedule`).
    n_sites : int
        Number of sites (>= 2).
    """
    if n_sites < 2:
        raise ValueError(f"a chain needs at least 2 sites, got n_sites = {n_sites}")
    out: list[tuple[int, float]] = []
    for sweep in sweeps:
        bonds = range(n_sites - 1) if sweep.direction == "right" else range(n_sites - 2, -1, -1)
        for b in bonds:
            if out and out[-1][0] == b:
                out[-1] = (b, out[-1][1] + sweep.weight)
            else:
                out.append((b, sweep.weight))
    return out
