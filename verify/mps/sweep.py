"""The measuring sweep: every site RDM, every bond's Schmidt values, ⟨h_b⟩ and span RDMs of an MPS.

:func:`canonical_sweep` takes the tensors of a state in mixed-canonical form with the orthogonality
centre on site 0 (all others right-canonical, B_i) and walks the centre to the right by QR:
C_0 = B_0, C_{i+1} = R_i B_{i+1} with C_i = Q_i R_i (only R_i is formed: LAPACK's geqrf without the
Q). At site i (Schollwöck, Ann. Phys. 326, 96 (2011), Sec. 4.2; PRX Eqs. 10–12):

* ρ_i = Σ_{l,r} C_i C_i† (the left part left-canonical, the right part right-canonical);
* the Schmidt values of bond i are the singular values of R_i;
* ⟨h_i⟩ = ⟨θ|h_i|θ⟩ with θ = C_i B_{i+1};
* a requested RDM whose first site is i comes from C_i and the B that follow
  (:func:`verify.mps.reduced.span_rdm`).

Everything is the tensor backend's work, blockwise for charged tensors (no tensor is densified).
The per-site work could run beside the QR chain on a second thread, but measured at χ = 400 on the
2-core machine that was slower (the blocks are small and their interpreter overhead holds the GIL),
so the sweep is serial.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from verify.mps.reduced import FactorSpec, span_rdm
from verify.tensors import TensorBackend

__all__ = ["SweepResult", "canonical_sweep"]

SpanRequest = tuple[int, int, list[FactorSpec | None]]
"""(first site, last site, factor spec of every site of the span) of a requested RDM."""


class SweepResult:
    """What :meth:`verify.mps.MPS.sweep` measures.

    Attributes
    ----------
    site_rdms : list of ndarray
        ρ_i (d_i × d_i) for every site.
    schmidt : list of ndarray
        Schmidt values of bond b (between sites b and b+1), descending, for b = 0..N−2.
    bond_values : list of complex
        ⟨ψ|h_b|ψ⟩ for the bond operators passed in (empty when none were).
    rdms : list of ndarray
        The requested span RDMs (``rdms=`` of :meth:`verify.mps.MPS.sweep`), trace 1, in request order.
    norm_squared : float
        ⟨ψ|ψ⟩ as seen by the sweep (trace of the last site's ρ before normalization).
    """

    def __init__(self) -> None:
        self.site_rdms: list[np.ndarray] = []
        self.schmidt: list[np.ndarray] = []
        self.bond_values: list[complex] = []
        self.rdms: list[np.ndarray] = []
        self.norm_squared: float = float("nan")


def canonical_sweep(
    backend: TensorBackend,
    tensors: Sequence[Any],
    bond_operators: Sequence[np.ndarray | None] | None = None,
    requests: Sequence[SpanRequest] = (),
) -> SweepResult:
    """The measurements of the module docstring from tensors with the centre on site 0.

    Parameters
    ----------
    backend : TensorBackend
        The tensors' backend.
    tensors : sequence
        C_0, B_1, …, B_{N−1}: the state with its orthogonality centre on site 0 (not modified).
    bond_operators : sequence of ndarray or None, optional
        h_b per bond (``np.kron`` order) or None to skip a bond; None for no energies.
    requests : sequence of SpanRequest
        Span RDMs to contract (validated by the caller).
    """
    n = len(tensors)
    out = SweepResult()
    out.rdms = [np.zeros((0, 0))] * len(requests)
    c = tensors[0]
    for i in range(n):
        out.site_rdms.append(backend.density(c))
        for k, (first, last, specs) in enumerate(requests):
            if first == i:
                out.rdms[k] = span_rdm(backend, [c, *tensors[first + 1 : last + 1]], specs)
        if i == n - 1:
            break
        if bond_operators is not None and bond_operators[i] is not None:
            theta = backend.two_site(c, tensors[i + 1])
            out.bond_values.append(backend.expectation(theta, np.asarray(bond_operators[i])))
        r = backend.qr_r(c)  # the left-isometric factor is never used
        out.schmidt.append(backend.singular_values(r))
        c = backend.absorb_left(r, tensors[i + 1])
    out.norm_squared = float(np.trace(out.site_rdms[-1]).real)
    return out
