"""Measures of an MPS, linear in N at fixed χ: entropies, mutual information, correlations, ⟨O_i⟩.

TeNPy's names and conventions (``MPS.entanglement_entropy``, ``mutinf_two_site``,
``correlation_function``, ``expectation_value``), on the package's :class:`verify.mps.MPS` with any
tensor backend — blockwise for charged tensors, no state vector is ever formed:

* :func:`entanglement_entropy` — S_α of sites 0..b at every bond b (PRX Eq. 12; Rényi for α ≠ 1)
  from the Schmidt values of one QR sweep (:meth:`verify.mps.MPS.sweep`);
* :func:`mutual_information` — I(A:B) = S_A + S_B − S_AB (PRX Eq. 14) of two sites, two blocks or
  two sets of (factors of) sites, from the reduced density matrix of A ∪ B (:meth:`MPS.rdm`);
* :func:`expectation_value` — ⟨O_i⟩ on the listed sites, from the site RDMs of one sweep;
* :func:`correlation_function` — ⟨A_i B_j⟩ (connected or not), with an optional string operator on
  the sites between (the Jordan–Wigner string F of fermion-odd operators), by transfer matrices:
  one row costs O(N χ³ d).

Entropies and mutual information are computed by :mod:`entanglement` (the one entropy code of the
package) from Schmidt spectra and reduced density matrices. Expectation values are those of the
normalized state ψ/‖ψ‖.

Operators are matrices, or operator names of the chain's sites: pass ``local_sites``, a sequence of
objects with an ``op(name)`` method (:class:`verify.models.Site`), or an object whose ``sites``
attribute is one (a :class:`verify.models.ChainModel`). This layer does not import the models.

Fermions
--------
Sites are those of the Jordan–Wigner-mapped chain. A correlation function of two fermion-odd
operators needs the string: ``correlation_function(mps, "Cdu", "Cu", string="F", local_sites=...)``
gives ⟨c†_{i↑} c_{j↑}⟩ (for i < j the string F_i F_{i+1} ⋯ F_{j−1}, as TeNPy's ``opstr`` with
``str_on_first=True``); when the sites can tell an operator's parity (``parity_of``), an odd–odd pair
given by name without a string is refused. Reduced density matrices (and so the mutual information)
of sets of fermionic sites other than blocks starting at site 0 are those of the mapped state, as
TeNPy's ``mutinf_two_site`` computes them; for bosonic factors (the localized spins) they are exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from entanglement import mutual_information as _mutual_information_of_rho
from entanglement import renyi_entropy, schmidt_entropies
from states.validation import is_integer, require_bool, require_int, require_log_base, require_real
from verify.mps.mps import MPS
from verify.mps.reduced import FactorSpec, check_factor_spec

__all__ = ["MAX_MI_DIM", "correlation_function", "entanglement_entropy", "expectation_value", "mutual_information"]

MAX_MI_DIM: int = 1024
"""Largest dimension of ρ_{A∪B} :func:`mutual_information` builds (the kept dimensions multiply:
two electron sites and a block of three are 4⁵ = 1024; its spectrum takes about a second); larger
sets raise ``ValueError``."""

HERMITIAN_ATOL = 1e-12
"""An operator within this of its adjoint (max |O − O†|) gives real expectation values."""


def _check_mps(mps: object) -> MPS:
    if not isinstance(mps, MPS):
        raise TypeError(f"mps must be a verify.mps.MPS, got {type(mps).__name__}")
    return mps


def entanglement_entropy(mps: MPS, alpha: float = 1, base: float | None = None) -> np.ndarray:
    """S_α of sites 0..b for every bond b = 0..N−2 (PRX Eq. 12 for α = 1).

    Parameters
    ----------
    mps : MPS
    alpha : float
        Rényi order α ≥ 0 (``np.inf`` allowed); 1 gives the von Neumann entropy.
    base : float, optional
        Logarithm base; None for nats.

    Returns
    -------
    ndarray, shape (N − 1,)
        From the Schmidt values of one sweep, through :func:`entanglement.schmidt_entropies` (α = 1)
        or :func:`entanglement.renyi_entropy`.
    """
    _check_mps(mps)
    order = require_real("alpha", alpha, minimum=0.0, finite=False)
    base = require_log_base(base)
    schmidt = mps.sweep().schmidt
    if order == 1.0:
        return schmidt_entropies(schmidt, base=base)
    out = np.empty(len(schmidt))
    for b, s in enumerate(schmidt):
        p = s**2 / np.sum(s**2)
        out[b] = renyi_entropy(p, order, base=base)
    return out


def _site_set(name: str, value: object, n: int) -> list[int]:
    """A site or a sequence of distinct sites, as a sorted list."""
    raw = [value] if is_integer(value) else value
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise TypeError(f"{name} must be a site or a sequence of sites, got {value!r}")
    sites = [require_int(name, s, minimum=0, maximum=n - 1) for s in raw]
    if not sites or len(set(sites)) != len(sites):
        raise ValueError(f"{name} must list distinct sites, at least one, got {list(raw)}")
    return sorted(sites)


def mutual_information(
    mps: MPS,
    a: int | Sequence[int],
    b: int | Sequence[int],
    *,
    factors: Mapping[int, FactorSpec] | None = None,
    base: float | None = None,
) -> float:
    """I(A:B) = S_A + S_B − S_AB between two sites or two disjoint sets of sites (PRX Eq. 14).

    Parameters
    ----------
    mps : MPS
    a, b : int or sequence of int
        The sites of A and of B (a block is ``range(i, j)``); disjoint.
    factors : mapping of site to (factor dims, kept factors), optional
        Keep only some tensor factors of a site, e.g. ``{i: ((4, 2), (1,))}`` for the localized spin
        of an FM site (electron factor 4, spin 2); the other factors are traced out.
    base : float, optional
        Logarithm base; None for nats.

    Returns
    -------
    float
        :func:`entanglement.mutual_information` of ρ_{A∪B} (:meth:`verify.mps.MPS.rdm`).

    Raises
    ------
    ValueError
        For overlapping sets, sites outside the chain, or ρ_{A∪B} larger than :data:`MAX_MI_DIM`.
    """
    _check_mps(mps)
    base = require_log_base(base)
    n = len(mps)
    part_a, part_b = _site_set("a", a, n), _site_set("b", b, n)
    if set(part_a) & set(part_b):
        raise ValueError(f"a and b must be disjoint, both contain {sorted(set(part_a) & set(part_b))}")
    union = sorted(part_a + part_b)
    factors = dict(factors or {})
    specs = [check_factor_spec(i, mps.dims[i], factors.get(i)) for i in union]
    kept = [int(np.prod([spec[0][k] for k in spec[1]])) for spec in specs]
    if int(np.prod(kept, dtype=float)) > MAX_MI_DIM:
        raise ValueError(f"rho of A u B would have dimension {int(np.prod(kept, dtype=float))} > MAX_MI_DIM = "
                         f"{MAX_MI_DIM}: use smaller blocks or keep fewer factors")
    rho = mps.rdm(union, factors=specs)
    position = {site: k for k, site in enumerate(union)}
    return _mutual_information_of_rho(rho, [position[i] for i in part_a], [position[i] for i in part_b],
                                      dims=kept, base=base)


def _local_sites(local_sites: Any, n: int) -> Sequence[Any] | None:
    """The per-site objects with ``op(name)``: a sequence of them or an object with a ``sites`` attribute."""
    if local_sites is None:
        return None
    sites = getattr(local_sites, "sites", local_sites)
    if callable(sites) or not isinstance(sites, Sequence) or not all(hasattr(s, "op") for s in sites):
        raise TypeError("local_sites must be a sequence of sites with an op(name) method (verify.models.Site) "
                        f"or a chain model with such a 'sites' attribute, got {type(local_sites).__name__}")
    if len(sites) != n:
        raise ValueError(f"local_sites lists {len(sites)} sites, the MPS has {n}")
    return sites


def _operator(name: str, op: Any, site: int, d: int, local: Sequence[Any] | None) -> np.ndarray:
    """The d × d matrix of ``op`` on ``site`` (a name resolved through ``local``, or a matrix)."""
    if isinstance(op, str):
        if local is None:
            raise ValueError(f"{name} {op!r} is an operator name: pass local_sites (the chain's sites) to resolve it")
        matrix = np.asarray(local[site].op(op), dtype=complex)
    else:
        matrix = np.asarray(op)
        if matrix.dtype == object or not (np.issubdtype(matrix.dtype, np.number)):
            raise TypeError(f"{name} must be an operator name or a square matrix, got {type(op).__name__}")
        matrix = matrix.astype(complex)
    if matrix.shape != (d, d):
        raise ValueError(f"{name} on site {site} has shape {matrix.shape}, the site's dimension is {d}")
    return matrix


def _hermitian(matrices: Sequence[np.ndarray]) -> bool:
    return all(float(np.max(np.abs(m - m.conj().T), initial=0.0)) <= HERMITIAN_ATOL for m in matrices)


def expectation_value(mps: MPS, op: Any, sites: Sequence[int] | None = None, *, local_sites: Any = None) -> np.ndarray:
    """⟨O_i⟩ = Tr(ρ_i O) / Tr ρ_i on every listed site (TeNPy's ``expectation_value``).

    Parameters
    ----------
    mps : MPS
    op : str or ndarray
        An operator name of the sites (with ``local_sites``) or a (d × d) matrix.
    sites : sequence of int, optional
        Default: every site.
    local_sites : sequence of Site or ChainModel, optional
        Resolves operator names (module docstring).

    Returns
    -------
    ndarray
        Real for Hermitian operators, complex otherwise; in the order of ``sites``.
    """
    _check_mps(mps)
    n = len(mps)
    sites = list(range(n)) if sites is None else [require_int("sites", s, minimum=0, maximum=n - 1) for s in sites]
    local = _local_sites(local_sites, n)
    matrices = [_operator("op", op, i, mps.dims[i], local) for i in sites]
    sweep = mps.sweep()
    values = np.array([np.trace(sweep.site_rdms[i] @ m) for i, m in zip(sites, matrices, strict=True)])
    values = values / sweep.norm_squared
    return values.real if _hermitian(matrices) else values


def _strings(string: Any, dims: Sequence[int], local: Sequence[Any] | None) -> list[np.ndarray] | None:
    """The string operator of every site: one name or matrix for all, or a list/tuple of one per site."""
    if string is None:
        return None
    n = len(dims)
    if isinstance(string, (list, tuple)):
        if len(string) != n:
            raise ValueError(f"string lists {len(string)} operators, the chain has {n} sites")
        return [_operator("string", op, k, dims[k], local) for k, op in enumerate(string)]
    return [_operator("string", string, k, dims[k], local) for k in range(n)]


def _check_fermion_strings(
    op_a: Any, op_b: Any, string: Any, local: Sequence[Any] | None, rows: Sequence[int], cols: Sequence[int]
) -> None:
    """Refuse a fermion-odd pair given by name without a string (the missing Jordan–Wigner string): A odd
    on a site of ``rows`` and B odd on a site of ``cols`` (sites that lack an operator are not asked)."""
    if string is not None or local is None or not (isinstance(op_a, str) and isinstance(op_b, str)):
        return
    if getattr(local[0], "parity_of", None) is None:
        return

    def odd(op: str, sites: Sequence[int]) -> bool:
        return any(getattr(local[i], "fermion_modes", ()) and local[i].parity_of(op) == -1 for i in set(sites))

    if odd(op_a, rows) and odd(op_b, cols):
        raise ValueError(f"{op_a!r} and {op_b!r} are fermion-odd: pass string='F' (the Jordan-Wigner string), "
                         "or matrices for the correlation of the Jordan-Wigner-mapped operators")


def correlation_function(
    mps: MPS,
    op_a: Any,
    op_b: Any,
    sites_a: Sequence[int] | None = None,
    sites_b: Sequence[int] | None = None,
    *,
    connected: bool = False,
    string: Any = None,
    string_on_first: bool = True,
    local_sites: Any = None,
) -> np.ndarray:
    """C[x, y] = ⟨A_i B_j⟩ for i = sites_a[x], j = sites_b[y] (TeNPy's ``correlation_function``).

    With a ``string`` S (TeNPy's ``opstr``): for i < j, ⟨A_i S_i S_{i+1} ⋯ S_{j−1} B_j⟩; for i > j,
    ⟨S_j ⋯ S_{i−1} A_i B_j⟩ (S_j acting after B_j); ``string_on_first=False`` leaves out S on
    min(i, j). For i = j, ⟨A_i B_i⟩ (the matrix product, B acting first) without a string.

    Parameters
    ----------
    mps : MPS
    op_a, op_b : str or ndarray
        Operator names (with ``local_sites``) or matrices.
    sites_a, sites_b : sequence of int, optional
        Default: every site. Kept in the given order.
    connected : bool
        Subtract ⟨A_i⟩⟨B_j⟩ (not with a string: its connected part is not defined here).
    string : str, ndarray or list, optional
        The string operator, e.g. ``"F"`` for fermion-odd A and B: one name or matrix for every site,
        or a list (tuple) of one per site (TeNPy's ``opstr`` list; bosonic sites take the identity).
    string_on_first : bool
        Whether S acts on min(i, j) too (True: the Jordan–Wigner convention of TeNPy and this package).
    local_sites : sequence of Site or ChainModel, optional
        Resolves operator names (module docstring).

    Returns
    -------
    ndarray of complex, shape (len(sites_a), len(sites_b))
        Of the normalized state. Each start site costs one transfer-matrix pass to the farthest
        partner: O(N χ³ d) per row.
    """
    _check_mps(mps)
    connected, string_on_first = require_bool("connected", connected), require_bool("string_on_first", string_on_first)
    n = len(mps)
    rows = list(range(n)) if sites_a is None else [require_int("sites_a", s, minimum=0, maximum=n - 1) for s in sites_a]
    cols = list(range(n)) if sites_b is None else [require_int("sites_b", s, minimum=0, maximum=n - 1) for s in sites_b]
    if connected and string is not None:
        raise ValueError("connected=True is not defined with a string operator")
    local = _local_sites(local_sites, n)
    dims = mps.dims
    a = {i: _operator("op_a", op_a, i, dims[i], local) for i in set(rows)}  # unknown names fail here
    b = {j: _operator("op_b", op_b, j, dims[j], local) for j in set(cols)}
    _check_fermion_strings(op_a, op_b, string, local, rows, cols)
    s = _strings(string, dims, local)
    values = _correlations(mps, a, b, s, string_on_first)
    out = np.array([[values[(i, j)] for j in cols] for i in rows], dtype=complex)
    if connected:
        sweep = mps.sweep()
        ev_a = {i: np.trace(sweep.site_rdms[i] @ m) / sweep.norm_squared for i, m in a.items()}
        ev_b = {j: np.trace(sweep.site_rdms[j] @ m) / sweep.norm_squared for j, m in b.items()}
        out -= np.array([[ev_a[i] * ev_b[j] for j in cols] for i in rows])
    return out


def _correlations(
    mps: MPS, a: dict[int, np.ndarray], b: dict[int, np.ndarray], s: list[np.ndarray] | None, on_first: bool
) -> dict[tuple[int, int], complex]:
    """⟨A_i ... B_j⟩ for every (i, j) of the keys (:func:`correlation_function`), normalized."""
    work = mps.copy()
    work.canonicalize(0) if work.center is None else work.move_center(0)
    be, right = work.backend, work.tensors
    centres = [right[0]]
    for i in range(len(work) - 1):  # C_{i+1} = R_i B_{i+1}: the centre at every site
        centres.append(be.absorb_left(be.qr_r(centres[i]), right[i + 1]))
    norm_squared = float(np.trace(be.density(centres[-1])).real)
    out: dict[tuple[int, int], complex] = {}
    for i in set(a) & set(b):  # on-site: ⟨A_i B_i⟩, B acting first
        out[(i, i)] = complex(np.trace(be.density(centres[i]) @ (a[i] @ b[i])))
    first_ops = [(i, a[i], b, False) for i in a] + [(j, b[j], a, True) for j in b]
    for start, op, partners, swapped in first_ops:
        ends = sorted(k for k in partners if k > start)
        if not ends:
            continue
        string = s[start] if s is not None and on_first else None
        first = op if string is None else (string @ op if swapped else op @ string)
        env = be.transfer(None, centres[start], first)
        for k in range(start + 1, ends[-1] + 1):
            if k in partners:
                value = be.trace(be.transfer(env, right[k], partners[k]))
                out[(k, start) if swapped else (start, k)] = value
            if k < ends[-1]:
                env = be.transfer(env, right[k], None if s is None else s[k])
    return {key: value / norm_squared for key, value in out.items()}

