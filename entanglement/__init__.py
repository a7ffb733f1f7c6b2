"""Numeric entanglement analysis: reduced density matrices, entropies and entanglement measures.

Implements PRX Sec. VII (Eqs. 10, 12–14) for dense kets and density matrices with arbitrary local
dimensions; conventions (basis order, natural log, Pauli matrices) come from ``states.conventions``.
:func:`check_density_matrices` is the validation every measure applies to a density matrix (square,
finite, Hermitian, unit trace; positive semidefinite with ``positive=True``), public so that
assertions such as :func:`verify.testing.properties.assert_valid_density_matrix` reuse it.
"""

from entanglement._validation import check_density_matrices
from entanglement.measures import (
    bloch_vector,
    concurrence,
    density_matrix_from_bloch,
    entanglement_entropy,
    log_negativity,
    meyer_wallach,
    meyer_wallach_from_rdms,
    mutual_information,
    negativity,
    purity,
    renyi_entropy,
    spectrum,
    von_neumann_entropy,
)
from entanglement.reduced import partial_trace, partial_transpose
from entanglement.schmidt import schmidt_entropies

__all__ = [
    "bloch_vector",
    "check_density_matrices",
    "concurrence",
    "density_matrix_from_bloch",
    "entanglement_entropy",
    "log_negativity",
    "meyer_wallach",
    "meyer_wallach_from_rdms",
    "mutual_information",
    "negativity",
    "partial_trace",
    "partial_transpose",
    "purity",
    "renyi_entropy",
    "schmidt_entropies",
    "spectrum",
    "von_neumann_entropy",
]


def __getattr__(name: str):
    # ``entanglement.closed_form`` pulls in sympy; load it on first use so that the numeric
    # routines (used inside every evolver) import fast.
    if name == "closed_form":
        import importlib

        return importlib.import_module("entanglement.closed_form")
    raise AttributeError(f"module 'entanglement' has no attribute {name!r}")
