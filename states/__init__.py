"""Symbolic and numeric constructors of the states the papers study.

PRX Eq. 15 superpositions (dense, compact and sympy), two-electron spin states (singlet, triplets,
the θ family of pair-paper Eq. 8), and lattice wave packets (pair-paper Eqs. 3–4).
Conventions live in :mod:`states.conventions`; the exact sympy forms in
:mod:`states.symbolic` (import it explicitly: it loads sympy).
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
from states.pairs import (
    MAX_PACKET_SITES,
    MAX_PAIR_SITES,
    PAIR_SPIN_NAMES,
    SINGLE_SPIN_NAMES,
    gaussian_packet,
    pair_spin_state,
    pair_state,
    single_electron_state,
    singlet,
    swap_spins,
    theta_spin_state,
    triplet,
)
from states.superposition import (
    MAX_DENSE_QUBITS,
    MAX_DENSE_RDM_QUBITS,
    MAX_TERM_DIGITS,
    DickeState,
    dicke_vector,
    stt_superposition,
)

__all__ = [
    "DOWN",
    "HBAR_EV_FS",
    "MAX_DENSE_QUBITS",
    "MAX_DENSE_RDM_QUBITS",
    "MAX_PACKET_SITES",
    "MAX_PAIR_SITES",
    "MAX_TERM_DIGITS",
    "PAIR_SPIN_NAMES",
    "PAULI_X",
    "PAULI_Y",
    "PAULI_Z",
    "SINGLE_SPIN_NAMES",
    "UP",
    "DickeState",
    "conventions",
    "dicke_vector",
    "gaussian_packet",
    "ladder_operators",
    "pair_spin_state",
    "pair_state",
    "single_electron_state",
    "singlet",
    "spin_operators",
    "stt_superposition",
    "swap_spins",
    "theta_spin_state",
    "triplet",
]
