"""A chain model's observables on a dense state of its full product space (a QuTiP ket or density matrix).

:func:`measure_state` is the full-space counterpart of the exact evolver's sector measurement: every
quantity of a :class:`verify.models.Measurement` is computed from reduced density matrices
(:func:`entanglement.partial_trace`) and the model's own operators — ⟨O_i⟩ = Tr ρ_i O_i with O_i the
site operator named in the model's observables, the energy Σ_b Tr ρ_{b,b+1} h_b with the model's bond
Hamiltonians (on-site terms folded in, Σ_b h_b = H), the charge totals from the diagonals of the ρ_i,
the entropy of sites 1..cut (:func:`entanglement.entanglement_entropy`) and the factor RDMs the model
asks for. Nothing is projected onto a sector, so a state that leaks out of its charge sector shows it
in the charge totals. The basis must be the model's product basis: each site's local basis in the
order of :mod:`states.conventions` (spin ↑ first, QuTiP's ``basis(2, 0)``), first site leftmost, and
for fermion sites the Jordan–Wigner order of :mod:`verify.models.sites`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from entanglement import entanglement_entropy, partial_trace
from verify.models import ChainModel, Measurement, as_chain

__all__ = ["measure_state", "state_array"]


def state_array(state: Any, dims: Sequence[int]) -> np.ndarray:
    """A ket (D,) or density matrix (D, D) of a chain with local dimensions ``dims``, as a complex array.

    ``state`` may be a ``qutip.Qobj`` (its tensor dims must be ``dims`` or a refinement of them into
    the sites' tensor factors, or a single factor of dimension D) or an array.

    Raises
    ------
    ValueError
        For a shape that is neither a ket nor a square matrix of dimension Π_i d_i, non-finite entries,
        a zero state, or Qobj dims that do not fit ``dims``.
    """
    total = math.prod(dims)
    qutip_dims = getattr(state, "dims", None)
    if hasattr(state, "full") and qutip_dims is not None:  # a qutip.Qobj
        own = [int(d) for d in qutip_dims[0]]
        if math.prod(own) != total:
            raise ValueError(f"state has dims {qutip_dims}, of dimension {math.prod(own)}; the model needs {total}")
        state = state.full()
    array = np.asarray(state, dtype=complex)
    if array.ndim == 2 and array.shape[1] == 1 and total != 1:
        array = array[:, 0]
    if array.shape not in ((total,), (total, total)):
        raise ValueError(f"state has shape {array.shape}: expected a ket ({total},) or a density matrix "
                         f"({total}, {total}) of the model's sites (dims {list(dims)})")
    if not np.isfinite(array).all():
        raise ValueError("state has NaN or infinite entries")
    return array


def _factor_layout(chain: ChainModel) -> tuple[list[int], list[int]]:
    """(dims of every tensor factor of every site in order, offset of each site's first factor)."""
    dims, offsets = [], []
    for site in chain.sites:
        offsets.append(len(dims))
        dims.extend(site.factor_dims())
    return dims, offsets


def _factor_rdms(chain: ChainModel, psi: np.ndarray) -> dict[str, np.ndarray]:
    factor_dims, offsets = _factor_layout(chain)
    out = {}
    for key, spec in chain.observables.rdms.items():
        keep = [offsets[site] + chain.sites[site].factor_position(factor) for site, factor in spec]
        out[key] = partial_trace(psi, keep, factor_dims)
    return out


def measure_state(model: Any, state: Any, t: float = 0.0, *, cut: int | None = None) -> Measurement:
    """The :class:`verify.models.Measurement` of a dense state of ``model``'s full product space.

    Parameters
    ----------
    model : ChainModel or parameters (XXZChain, PRXChain)
    state : ndarray or qutip.Qobj
        Ket or density matrix in the model's product basis (module docstring); need not be normalized:
        the norm (‖ψ‖, or √Tr ρ) is recorded and every expectation value is that of the normalized state.
    t : float
        Time of the state.
    cut : int, optional
        Entropy subsystem = sites 1..cut (default the model's).

    Raises
    ------
    TypeError
        When ``model`` is not a chain model.
    ValueError
        As :func:`state_array`.
    """
    chain = as_chain(model)
    dims = chain.dims
    array = state_array(state, dims)
    is_ket = array.ndim == 1
    norm_squared = float(np.vdot(array, array).real) if is_ket else float(np.trace(array).real)
    if not norm_squared > 0:
        raise ValueError("state is zero (or a density matrix of nonpositive trace)")
    psi = array / (math.sqrt(norm_squared) if is_ket else norm_squared)
    cut = chain.cut if cut is None else cut
    site_rdms = [partial_trace(psi, [i], dims) for i in range(chain.n_sites)]
    bond_energy = [
        np.trace(partial_trace(psi, [b, b + 1], dims) @ h).real for b, h in enumerate(chain.bond_hamiltonians())
    ]
    obs = chain.observables
    site = {key: np.array([np.trace(site_rdms[i] @ chain.sites[i].op(op)).real for i in sites])
            for key, (op, sites) in obs.site.items()}
    total = {key: float(sum(np.trace(site_rdms[i] @ chain.sites[i].op(op)).real for i in sites))
             for key, (op, sites) in obs.total.items()}
    return Measurement(
        t=float(t),
        norm=math.sqrt(norm_squared),
        energy=float(sum(bond_energy)),
        entropy_cut=entanglement_entropy(psi, list(range(cut)), dims),
        site=site,
        total=total,
        rdms=_factor_rdms(chain, psi),
        charges=chain.charge_totals([np.diagonal(rho).real for rho in site_rdms]),
    )
