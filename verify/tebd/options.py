"""The options of a TEBD run: one frozen dataclass, the paper's values as defaults, validated once.

PRX Sec. III evolves the chain with δt = 0.1 ħ/γ, at most χ = 400 Schmidt values per bond and a
discarded weight of at most 10⁻⁷ per SVD, with the second-order Trotter decomposition of PRX Eq. 8.
Those numbers are written here and nowhere else: every caller (the drivers in :mod:`verify.records`,
the command line, the figure sweeps, the benchmarks) takes them from ``TEBDOptions()`` — except the
scheme: the default at order 2 is the even–odd one (Eq. 8 costs 1.6–2.2× as much at equal accuracy,
:data:`verify.tebd.trotter.SCHEMES`), and :data:`PAPER_TEBD` is the paper's choice in full (Eq. 8),
which the paper's figures use.

Every field carries a one-line help text in its ``metadata["help"]``, from which the command line
builds its ``--dt``, ``--chi-max``, ... flags.

Examples
--------
>>> from verify.tebd import PAPER_TEBD, TEBDOptions
>>> TEBDOptions()
TEBDOptions(dt=0.1, chi_max=400, trunc=1e-07, order=2, scheme=None, backend='charges')
>>> TEBDOptions().scheme_name, PAPER_TEBD.scheme_name
('even-odd', 'prx')
>>> TEBDOptions(order=4).scheme_name
'forest-ruth'
>>> TEBDOptions(chi_max=True)
Traceback (most recent call last):
    ...
TypeError: chi_max must be an integer, got True (bool)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from states.validation import require_choice, require_int, require_real
from verify.tebd.trotter import SCHEMES

__all__ = ["BACKENDS", "PAPER_TEBD", "TEBDOptions"]

BACKENDS: tuple[str, ...] = ("dense", "charges")
"""Tensor storage of a run: dense arrays (one block per tensor) or block-sparse tensors conserving the
charges of the model's initial-state sector (:meth:`verify.models.ChainModel.site_charges`)."""


@dataclass(frozen=True)
class TEBDOptions:
    """Parameters of a TEBD run (module docstring); the defaults are the paper's (PRX Sec. III) except
    the scheme (even–odd, not Eq. 8: :data:`PAPER_TEBD` is the paper's in full).

    Attributes
    ----------
    dt : float
        Trotter step δt > 0 (ħ = 1, in the model's time unit; PRX: 0.1 ħ/γ).
    chi_max : int
        Largest bond dimension χ_max >= 1 (PRX: 400).
    trunc : float
        Largest discarded weight Σ_disc s²/Σ s² per split, 0 <= trunc < 1 (PRX: 1e-7).
    order : {2, 4}
        Trotter order (2 or 4).
    scheme : str or None
        Trotter scheme of :data:`verify.tebd.trotter.SCHEMES` for ``order``: ``"even-odd"`` (the
        default) or ``"prx"`` (PRX Eq. 8, :data:`PAPER_TEBD`) at order 2, ``"forest-ruth"`` (default)
        or ``"suzuki"`` at order 4. None means the order's default.
    backend : {"dense", "charges"}
        Tensor storage (:data:`BACKENDS`); read by the drivers, which convert the initial state.

    Raises
    ------
    TypeError
        For a value of the wrong type (integers accept numpy integers and refuse bools).
    ValueError
        For a value out of range, an unknown order, scheme or backend.
    """

    dt: float = field(default=0.1, metadata={"help": "Trotter step dt > 0 (PRX Sec. III: 0.1)"})
    chi_max: int = field(default=400, metadata={"help": "largest bond dimension chi_max >= 1 (PRX: 400)"})
    trunc: float = field(
        default=1e-7, metadata={"help": "largest discarded weight per SVD, 0 <= trunc < 1 (PRX: 1e-7)"}
    )
    order: int = field(default=2, metadata={"help": "Trotter order, 2 or 4"})
    scheme: str | None = field(
        default=None,
        metadata={
            "help": "Trotter scheme: even-odd (default) or prx (PRX Eq. 8, as the paper) at order 2; "
            "forest-ruth (default) or suzuki at order 4",
            "choices": tuple(name for names in SCHEMES.values() for name in names),
        },
    )
    backend: str = field(
        default="charges",
        metadata={
            "help": "tensor storage: dense, or block-sparse conserving the sector's charges (default charges)",
            "choices": BACKENDS,
        },
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "dt", require_real("dt", self.dt, positive=True))
        object.__setattr__(self, "chi_max", require_int("chi_max", self.chi_max, minimum=1))
        trunc = require_real("trunc", self.trunc, minimum=0.0)
        if not trunc < 1.0:
            raise ValueError(f"trunc must be in [0, 1), got {trunc!r}")
        object.__setattr__(self, "trunc", trunc)
        order = require_int("order", self.order)
        if order not in SCHEMES:
            raise ValueError(f"order must be one of {sorted(SCHEMES)}, got {order!r}")
        object.__setattr__(self, "order", order)
        if self.scheme is not None:
            if not isinstance(self.scheme, str):
                raise TypeError(f"scheme must be a string or None, got {self.scheme!r}")
            if self.scheme not in SCHEMES[order]:
                raise ValueError(f"unknown order-{order} scheme {self.scheme!r}: use one of {sorted(SCHEMES[order])}")
        require_choice("backend", self.backend, BACKENDS)

    @property
    def scheme_name(self) -> str:
        """The scheme actually used: :attr:`scheme`, or the order's default."""
        return self.scheme if self.scheme is not None else next(iter(SCHEMES[self.order]))

    def replace(self, **changes: Any) -> TEBDOptions:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def resolve(cls, options: TEBDOptions | None, **overrides: Any) -> TEBDOptions:
        """``options`` (default ``TEBDOptions()``) with the fields given in ``overrides`` that are not None
        replaced (validated again).

        Raises
        ------
        TypeError
            When ``options`` is neither None nor a TEBDOptions.
        """
        if options is None:
            options = cls()
        elif not isinstance(options, TEBDOptions):
            raise TypeError(f"options must be a TEBDOptions, got {type(options).__name__}")
        changes = {name: value for name, value in overrides.items() if value is not None}
        return options.replace(**changes) if changes else options

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return dataclasses.asdict(self)


PAPER_TEBD: TEBDOptions = TEBDOptions(scheme="prx")
"""The paper's TEBD run in full (PRX Sec. III): the defaults with the Trotter decomposition of PRX Eq. 8,
which the paper's figures (:mod:`paper_figs`) use; ``TEBDOptions()`` differs only in the scheme."""
