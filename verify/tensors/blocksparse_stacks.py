"""The two-site tensor θ = a b of charged site tensors, stacked by total physical charge.

θ[l, p1, p2, r] = Σ_k a[l, p1, k] b[k, p2, r] conserves the total physical charge Q = q_r − q_l of every
pair of outer (bond) charges (q_l, q_r). :func:`total_stacks` lays θ out as one matrix per total charge
Q — rows the (p1, p2) states of charge Q in the order of an operator restricted to Q
(:func:`verify.tensors.charged.restricted_by_total`, a :class:`verify.tensors.ChargedGate`'s layout),
columns the (l, r) of every pair (q_l, q_r) with q_r − q_l = Q side by side (:data:`Layout`) — from one
matrix product per charge of the shared bond (:func:`verify.tensors.charged.two_site_products`). On
such a stack a two-site operator restricted to Q acts with one matrix product:

* a gate e^{−i h δt} (:func:`verify.tensors.blocksparse_split.gated_matrices`, the fused B-form update);
* an observable M, measured with weights on the left index: Σ_l w_l ⟨θ_l|M|θ_l⟩ and Σ_l w_l ⟨θ_l|θ_l⟩,
  θ_l the part of θ with left index l — at once (:func:`weighted_expectation`, :func:`bond_observation`),
  or, when the weights are not known yet, ⟨θ_l|M|θ_l⟩ and ⟨θ_l|θ_l⟩ for every l first
  (:func:`add_row_expectations`, :data:`RowValues`, :func:`bond_rows`), weighed later (:func:`weigh_rows`,
  :func:`observation_from_rows`). With the squared row scales
  w_l = w_{b−1}(l) / ‖a[l]‖² of the B-form measurement (the weights carried from the left edge,
  :func:`verify.mps.b_form_sweep`) their ratio is ⟨h_b⟩ of the state on the bond (PRX Eqs. 2–4).

Because the TEBD update of a bond builds the very same stacks, the energy of that bond in the state
the update starts from costs there only a product with M as large as the gate's and column sums per
stack (:meth:`verify.tensors.BlockSparseBackend.update_vidal` with ``measure_rows=``), not the two-site
products; :func:`bond_rows` computes the same rows, bit for bit, from the tensors alone (on one BLAS
thread, as the gates run).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from verify.tensors.charged import Charge, ChargedTensor, Leg, RestrictedOperator, sub_charges, two_site_products

__all__ = [
    "Layout", "Observable", "RowValues", "add_row_expectations", "bond_observation", "bond_rows", "new_row_values",
    "observation_from_rows", "total_stacks", "weigh_rows", "weighted_expectation",
]

Observable = tuple[RestrictedOperator, np.ndarray | None]
"""(an operator M restricted to each total physical charge — ``(sectors, pair_offsets)`` of
:func:`verify.tensors.charged.restricted_by_total` —, the weights w_l of every index of the left leg or
None for w = 1)."""


RowValues = tuple[np.ndarray, np.ndarray]
"""(⟨θ_l|M θ_l⟩, ⟨θ_l|θ_l⟩) for every index l of θ's left leg (complex, real): an observation before its
weights (:func:`weigh_rows`), so that it can be made before the weights are known — by a gate that
runs ahead of the measurement that asks for it (:mod:`verify.tebd.segments`)."""


Layout = list[tuple[Charge, Charge, int, int, int]]
"""The columns of a stack of :func:`total_stacks`: (q_l, q_r, first column, n_l, n_r) of every pair of outer
charges, in sorted order, each (l, r) block l-major."""


def total_stacks(
    a: ChargedTensor, b: ChargedTensor, restricted: RestrictedOperator, l_leg: Leg, r_leg: Leg
) -> Iterator[tuple[Charge, np.ndarray, Layout]]:
    """(Q, stack, layout) for every total physical charge of θ = a b, in sorted order.

    Parameters
    ----------
    a, b : ChargedTensor
        Site tensors sharing a bond.
    restricted : (dict, dict)
        An operator restricted to each total physical charge (``(sectors, pair_offsets)`` of
        :func:`verify.tensors.charged.restricted_by_total`, or a :class:`verify.tensors.ChargedGate`'s
        two attributes): the row layout.
    l_leg, r_leg : Leg
        The outer legs (a's left, b's right).

    Yields
    ------
    (Charge, ndarray, Layout)
        Q, the stack (d_Q × columns: the (p1, p2) states of charge Q as the operator's matrix of Q, the
        columns of every (q_l, q_r) of that Q as ``layout`` says), and the layout. Pairs of physical
        sectors that θ lacks are zero rows.
    """
    sectors, pair_offsets = restricted
    by_total: dict[Charge, dict[tuple[Charge, Charge], list]] = defaultdict(lambda: defaultdict(list))
    for (ql, qp1, qp2, qr), view in two_site_products(a, b):
        by_total[sub_charges(qr, ql)][(ql, qr)].append((qp1, qp2, view))
    for total in sorted(by_total):
        groups, where = by_total[total], pair_offsets[total]
        layout: Layout = []
        width = 0
        for ql, qr in sorted(groups):
            nl, nr = l_leg.size(ql), r_leg.size(qr)
            layout.append((ql, qr, width, nl, nr))
            width += nl * nr
        stack = np.zeros((sectors[total][1].shape[0], width), dtype=complex)
        for ql, qr, c0, nl, nr in layout:
            for qp1, qp2, view in groups[(ql, qr)]:
                s1, s2, off = where[(qp1, qp2)]
                if s1 == s2 == 1:  # most physical sectors are one state: the view is (l, r) already
                    stack[off, c0 : c0 + nl * nr].reshape(nl, nr)[...] = view
                else:
                    stack[off : off + s1 * s2, c0 : c0 + nl * nr].reshape(s1, s2, nl, nr)[...] = view.reshape(
                        nl, s1, s2, nr).transpose(1, 2, 0, 3)
        yield total, stack, layout


def _left_runs(layout: Layout, l_leg: Leg) -> tuple[np.ndarray, np.ndarray]:
    """(l, n_r) of every run of columns of a stack: the columns of a block (q_l, q_r) are (l, r), l-major,
    one run of n_r columns per left index l."""
    left = np.concatenate([l_leg.sectors[ql] for ql, _, _, _, _ in layout])
    return left, np.repeat([nr for _, _, _, _, nr in layout], [nl for _, _, _, nl, _ in layout])


def add_row_expectations(
    matrix: np.ndarray, stack: np.ndarray, layout: Layout, l_leg: Leg, rows: RowValues
) -> None:
    """Add ⟨θ_l|M θ_l⟩ and ⟨θ_l|θ_l⟩ of one stack of :func:`total_stacks` to ``rows``, for every index l of
    the left leg (θ_l: the columns (l, r) of the stack, over every r).

    Parameters
    ----------
    matrix : ndarray
        M restricted to the stack's total charge Q (d_Q × d_Q).
    stack : ndarray
        The stack (d_Q × columns).
    layout : Layout
        Its columns.
    l_leg : Leg
        The left leg (its sectors place the rows).
    rows : RowValues
        The sums so far (updated in place; the stacks are added in the order of :func:`total_stacks`).
    """
    applied = matrix @ stack
    left, run = _left_runs(layout, l_leg)
    starts = np.cumsum(run) - run
    value = np.add.reduceat((stack.conj() * applied).sum(axis=0), starts)
    norm = np.add.reduceat((stack.real**2 + stack.imag**2).sum(axis=0), starts)
    size, (values, norms) = l_leg.dim, rows
    values.real += np.bincount(left, weights=value.real, minlength=size)  # in order: the same bits every time
    values.imag += np.bincount(left, weights=value.imag, minlength=size)
    norms += np.bincount(left, weights=norm, minlength=size)


def new_row_values(l_leg: Leg) -> RowValues:
    """Zero :data:`RowValues` for a left leg."""
    return np.zeros(l_leg.dim, dtype=complex), np.zeros(l_leg.dim)


def weigh_rows(rows: RowValues, weights: np.ndarray | None) -> tuple[complex, float]:
    """(Σ_l w_l ⟨θ_l|M θ_l⟩, Σ_l w_l ⟨θ_l|θ_l⟩) of :data:`RowValues` (w = 1 for None): the one place the
    weights meet the rows, so every route that sums the same rows gives the same bits.

    Raises
    ------
    ValueError
        When the weights do not match the rows.
    """
    values, norms = rows
    if weights is None:
        return complex(values.sum()), float(norms.sum())
    weights = np.asarray(weights, dtype=float)
    if weights.shape != norms.shape:
        raise ValueError(f"weights of shape {weights.shape} for rows of shape {norms.shape}")
    # numpy's own sums, not BLAS dot products: the bits do not depend on the BLAS or its threads
    return complex(np.sum(weights * values.real), np.sum(weights * values.imag)), float(np.sum(weights * norms))


def bond_rows(a: ChargedTensor, b: ChargedTensor, restricted: RestrictedOperator) -> RowValues:
    """:data:`RowValues` of M in θ = a b, the stacks summed in the order of :func:`total_stacks` — the
    rows the fused B-form update returns for the same bond
    (:func:`verify.tensors.blocksparse_split.gated_matrices` with ``measure_rows=``), bit for bit when
    both run on one BLAS thread.

    Parameters
    ----------
    a, b : ChargedTensor
        Site tensors a[l, p1, k] and b[k, p2, r] sharing the bond k.
    restricted : (dict, dict)
        M restricted by total charge (:func:`verify.tensors.charged.restricted_by_total`).
    """
    l_leg = a.legs[0]
    rows = new_row_values(l_leg)
    for total, stack, layout in total_stacks(a, b, restricted, l_leg, b.legs[2]):
        add_row_expectations(restricted[0][total][1], stack, layout, l_leg, rows)
    return rows


def observation_from_rows(a: ChargedTensor, b: ChargedTensor, observable: Observable) -> tuple[complex, float]:
    """:func:`bond_observation` made the way of an observation taken before its weights were known:
    :func:`weigh_rows` of :func:`bond_rows` — the numbers of the fused update's rows weighed, bit for bit
    (on one BLAS thread), for a bond whose update did not observe it. Parameters as in
    :func:`bond_observation`.
    """
    restricted, weights = observable
    return weigh_rows(bond_rows(a, b, restricted), weights)


def weighted_expectation(
    matrix: np.ndarray, stack: np.ndarray, layout: Layout, weights: np.ndarray | None, l_leg: Leg
) -> tuple[complex, float]:
    """(Σ_l w_l ⟨θ_l|M θ_l⟩, Σ_l w_l ⟨θ_l|θ_l⟩) of one stack of :func:`total_stacks`, the weights known:
    one pass (two dot products), cheaper than its rows (:func:`add_row_expectations`) and then
    :func:`weigh_rows`, with other bits.

    Parameters
    ----------
    matrix, stack, layout, l_leg
        As in :func:`add_row_expectations` (the left leg's sectors place the weights).
    weights : ndarray or None
        w of every index of the left leg; None for w = 1.
    """
    applied = matrix @ stack
    if weights is None:
        return complex(np.vdot(stack, applied)), float(np.vdot(stack, stack).real)
    left, run = _left_runs(layout, l_leg)
    weighted = stack * np.repeat(weights[left], run)  # every column (l, r) weighted by w_l
    return complex(np.vdot(weighted, applied)), float(np.vdot(weighted, stack).real)


def bond_observation(a: ChargedTensor, b: ChargedTensor, observable: Observable) -> tuple[complex, float]:
    """(Σ_l w_l ⟨θ_l|M θ_l⟩, Σ_l w_l ⟨θ_l|θ_l⟩) of θ = a b (module docstring), the weights known: one
    :func:`weighted_expectation` per stack, summed in the order of :func:`total_stacks`. An observation
    made before its weights are known (:func:`bond_rows`, the fused update's rows) is weighed by
    :func:`weigh_rows`: the same numbers up to round-off.

    Parameters
    ----------
    a, b : ChargedTensor
        Site tensors a[l, p1, k] and b[k, p2, r] sharing the bond k.
    observable : Observable
        M restricted by total charge and the weights of a's left index.

    Returns
    -------
    (complex, float)
    """
    restricted, weights = observable
    l_leg = a.legs[0]
    if weights is not None and np.shape(weights) != (l_leg.dim,):
        raise ValueError(f"weights of shape {np.shape(weights)} for a left leg of dimension {l_leg.dim}")
    value, norm = 0j, 0.0
    for total, stack, layout in total_stacks(a, b, restricted, l_leg, b.legs[2]):
        v, n = weighted_expectation(restricted[0][total][1], stack, layout, weights, l_leg)
        value, norm = value + v, norm + n
    return value, norm
