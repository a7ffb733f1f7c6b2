"""Read a finite TeNPy MPS into this package's :class:`verify.mps.MPS` (TeNPy is optional, imported in the function).

:func:`from_tenpy_mps` converts exactly, so that every entanglement measure of :mod:`entanglement`
(through :meth:`verify.mps.MPS.sweep`, :meth:`~verify.mps.MPS.rdm` or :meth:`~verify.mps.MPS.to_dense`)
applies to a TeNPy state.

Basis order
-----------
Arrays are converted index for index. This package orders a spin-1/2 as (↑, ↓) (``docs/conventions.md``).
TeNPy orders each site's basis as given by ``site.state_labels`` — and a site that conserves a charge
may sort its basis by charge (``SpinHalfSite(conserve="Sz")`` has ↓ first). Pass ``labels`` to
:func:`from_tenpy_mps` (e.g. ``("up", "down")``) to reorder each site into this package's order.
Entropies do not depend on the local basis; spin expectation values do.

Named operators
---------------
:func:`tenpy_site_operators` gives, per site, TeNPy's own operators by name (``"Sz"``, ``"Sp"``,
``"Cd"``, ``"JW"``, … as ``site.get_op`` knows them), in the basis of the converted MPS (reordered with
the same ``labels``), for the ``local_sites`` argument of :mod:`verify.mps.measures`:
``expectation_value(from_tenpy_mps(psi), "Sz", local_sites=tenpy_site_operators(psi))``. TeNPy's
normalization applies (S = σ/2); fermion correlations take the string ``"JW"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from verify.mps import MPS

__all__ = ["TenpySiteOperators", "from_tenpy_mps", "tenpy_site_operators"]


def _local_permutation(site: Any, labels: Sequence[str], index: int) -> np.ndarray:
    """Indices into TeNPy's local basis, in the order of ``labels``."""
    state_labels = getattr(site, "state_labels", None)
    if not isinstance(state_labels, dict):
        raise TypeError(f"site {index} has no state_labels: cannot reorder its basis by labels")
    dim = int(site.dim)
    if len(labels) != dim:
        raise ValueError(f"site {index} has dimension {dim}, but {len(labels)} labels were given: {list(labels)}")
    try:
        order = np.array([int(state_labels[label]) for label in labels])
    except KeyError as exc:
        raise ValueError(
            f"site {index} has no state labelled {exc.args[0]!r}; its labels are {sorted(state_labels)}"
        ) from None
    if sorted(order.tolist()) != list(range(dim)):
        raise ValueError(f"labels {list(labels)} do not name every state of site {index} exactly once")
    return order


def _permutations(psi: Any, labels: Any, n_sites: int) -> list[np.ndarray]:
    """The basis order of every site from ``labels`` (one sequence for all sites, or one per site)."""
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence) or not labels:
        raise TypeError(f"labels must be a sequence of state labels (or one per site), got {labels!r}")
    per_site = (
        [labels] * n_sites if all(isinstance(item, str) for item in labels) else list(labels)  # type: ignore[list-item]
    )
    if len(per_site) != n_sites:
        raise ValueError(f"got {len(per_site)} label sequences for {n_sites} sites")
    return [_local_permutation(psi.sites[i], per_site[i], i) for i in range(n_sites)]


def from_tenpy_mps(psi: Any, *, labels: Sequence[str] | Sequence[Sequence[str]] | None = None) -> MPS:
    """Convert a finite TeNPy MPS into a :class:`verify.mps.MPS` (dense backend), exactly.

    TeNPy stores a finite MPS as singular values S[i] and tensors; in B form (right-canonical,
    legs ``vL, p, vR``) the state is ``norm · S[0] B[0] B[1] ⋯ B[L-1]`` (``psi.norm`` the overall
    norm factor, S[0] = [1] for finite boundaries). The result holds these B tensors with
    ``norm · diag(S[0])`` absorbed into the first one, and its orthogonality centre on site 0.

    Parameters
    ----------
    psi : tenpy.networks.mps.MPS
        A TeNPy MPS with ``bc == "finite"`` and one physical leg ``p`` per site.
    labels : sequence of str, or one sequence per site, optional
        Reorder each site's basis so that local index k of the result is the TeNPy state named
        ``labels[k]`` (e.g. ``("up", "down")`` for spins-1/2 in this package's (↑, ↓) order). One
        sequence applies to every site. ``None`` keeps TeNPy's order.

    Returns
    -------
    verify.mps.MPS

    Raises
    ------
    ImportError
        When TeNPy is not installed.
    TypeError
        When ``psi`` is not a TeNPy MPS.
    ValueError
        For non-finite boundary conditions, unexpected leg labels, or labels that do not match the sites.
    """
    try:
        from tenpy.networks.mps import MPS as TenpyMPS
    except ImportError as exc:  # pragma: no cover - exercised only without TeNPy
        raise ImportError("from_tenpy_mps needs TeNPy: pip install physics-tenpy") from exc

    if not isinstance(psi, TenpyMPS):
        raise TypeError(f"psi must be a tenpy.networks.mps.MPS, got {type(psi).__name__}")
    if psi.bc != "finite":
        raise ValueError(f"only finite MPS can be converted, got bc = {psi.bc!r}")
    n_sites = int(psi.L)
    permutations: list[np.ndarray | None] = [None] * n_sites
    if labels is not None:
        permutations = list(_permutations(psi, labels, n_sites))
    tensors = []
    for i in range(n_sites):
        b = psi.get_B(i, form="B")
        leg_labels = b.get_leg_labels()
        if sorted(leg_labels) != ["p", "vL", "vR"]:
            raise ValueError(f"site {i}: expected legs (vL, p, vR), got {leg_labels}")
        array = np.asarray(b.to_ndarray(), dtype=complex).transpose([leg_labels.index(x) for x in ("vL", "p", "vR")])
        if permutations[i] is not None:
            array = array[:, permutations[i], :]
        tensors.append(np.ascontiguousarray(array))
    left_singular = np.asarray(psi.get_SL(0), dtype=float).ravel()
    if left_singular.shape[0] != tensors[0].shape[0]:
        raise ValueError(f"S[0] has {left_singular.shape[0]} values, but B[0] has left bond {tensors[0].shape[0]}")
    tensors[0] = float(psi.norm) * left_singular[:, None, None] * tensors[0]
    return MPS(tensors, center=0)


class TenpySiteOperators:
    """The named operators of one TeNPy site as dense matrices (``op(name)``), in a reordered basis.

    Parameters
    ----------
    site : tenpy.networks.site.Site
    order : ndarray of int, optional
        Local index k of the result is TeNPy's index ``order[k]`` (None: TeNPy's order).
    """

    def __init__(self, site: Any, order: np.ndarray | None = None) -> None:
        self.site = site
        self.order = None if order is None else np.asarray(order, dtype=int)
        self.dim = int(site.dim)

    def op(self, name: str) -> np.ndarray:
        """``site.get_op(name)`` as a (d × d) complex matrix; a product ``"A B"`` is A·B (TeNPy's rule).

        Raises
        ------
        TypeError
            When ``name`` is not a str.
        ValueError
            When the site has no such operator.
        """
        if not isinstance(name, str):
            raise TypeError(f"operator name must be a str, got {type(name).__name__}")
        try:
            matrix = np.asarray(self.site.get_op(name).to_ndarray(), dtype=complex)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"TeNPy site {type(self.site).__name__} has no operator {name!r}") from exc
        if self.order is not None:
            matrix = matrix[np.ix_(self.order, self.order)]
        return matrix


def tenpy_site_operators(
    psi: Any, *, labels: Sequence[str] | Sequence[Sequence[str]] | None = None
) -> list[TenpySiteOperators]:
    """Per site of a TeNPy MPS, its named operators in the basis of ``from_tenpy_mps(psi, labels=labels)``.

    Parameters
    ----------
    psi : tenpy.networks.mps.MPS
    labels : as for :func:`from_tenpy_mps`
        Must be the same ``labels`` the MPS was converted with.

    Returns
    -------
    list of TenpySiteOperators
        ``local_sites`` for :func:`verify.mps.expectation_value` and :func:`verify.mps.correlation_function`.

    Raises
    ------
    TypeError, ValueError
        As :func:`from_tenpy_mps`.
    """
    try:
        from tenpy.networks.mps import MPS as TenpyMPS
    except ImportError as exc:  # pragma: no cover - exercised only without TeNPy
        raise ImportError("tenpy_site_operators needs TeNPy: pip install physics-tenpy") from exc

    if not isinstance(psi, TenpyMPS):
        raise TypeError(f"psi must be a tenpy.networks.mps.MPS, got {type(psi).__name__}")
    n_sites = int(psi.L)
    orders: list[np.ndarray | None] = [None] * n_sites
    if labels is not None:
        orders = list(_permutations(psi, labels, n_sites))
    return [TenpySiteOperators(psi.sites[i], orders[i]) for i in range(n_sites)]
