"""Symbolic and numeric constructors of the states the papers study.

PRX Eq. 15 superpositions (dense, compact and sympy), two-electron spin states (singlet, triplets,
the θ family of pair-paper Eq. 8), and lattice wave packets (pair-paper Eqs. 3–4).
Conventions live in :mod:`states.conventions`.
"""

from states import conventions
from states.conventions import (
    DOWN,
    HBAR_EV_FS,
    PAULI_X,
    PAULI_Y,
    PAULI_Z,
    UP,
    ladder_operators,
    spin_operators,
)

__all__ = [
    "DOWN",
    "HBAR_EV_FS",
    "PAULI_X",
    "PAULI_Y",
    "PAULI_Z",
    "UP",
    "conventions",
    "ladder_operators",
    "spin_operators",
]
