"""The two-site tensor θ = a b of charged site tensors, stacked by total physical charge.

θ[l, p1, p2, r] = Σ_k a[l, p1, k] b[k, p2, r] conserves the total physical charge Q = q_r − q_l of every
pair of outer (bond) charges (q_l, q_r). :func:`total_stacks` lays θ out as one matrix per total charge
Q — rows the (p1, p2) states of charge Q in the order of an operator restricted to Q
(:func:`verify.tensors.charged.restricted_by_total`, a :class:`verify.tensors.ChargedGate`'s layout),
columns the (l, r) of every pair (q_l, q_r) with q_r − q_l = Q side by side (:data:`Layout`) — from one
matrix product per charge of the shared bond (:func:`verify.tensors.charged.two_site_products`). On
such a stack a two-site operator restricted to Q acts with one matrix product:

* a gate e^{−i h δt} (:func:`verify.tensors.blocksparse_split.gated_matrices`, the fused B-form update);
* an observable M, measured with weights on the left index (:func:`weighted_expectation`): Σ_l w_l
  ⟨θ_l|M|θ_l⟩ and Σ_l w_l ⟨θ_l|θ_l⟩, θ_l the rows of θ with left index l. With the squared row scales
  w_l = w_{b−1}(l) / ‖a[l]‖² of the B-form measurement (the weights carried from the left edge,
  :func:`verify.mps.b_form_sweep`) their ratio is ⟨h_b⟩ of the state on the bond (PRX Eqs. 2–4).

Because the TEBD update of a bond builds the very same stacks, the energy of that bond in the state
the update starts from costs there only a product with M as large as the gate's, column weights and
two column sums per stack (:meth:`verify.tensors.BlockSparseBackend.update_vidal` with
``observable=``), not the two-site products; :func:`bond_observation` computes the same numbers, bit
for bit, from the tensors alone (on one BLAS thread, as the gates run).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from verify.tensors.charged import Charge, ChargedTensor, Leg, sub_charges, two_site_products

__all__ = ["Layout", "Observable", "bond_observation", "total_stacks", "weighted_expectation"]

Observable = tuple[tuple[dict, dict], np.ndarray | None]
"""(an operator M restricted to each total physical charge — ``(sectors, pair_offsets)`` of
:func:`verify.tensors.charged.restricted_by_total` —, the weights w_l of every index of the left leg or
None for w = 1)."""


Layout = list[tuple[Charge, Charge, int, int, int]]
"""The columns of a stack of :func:`total_stacks`: (q_l, q_r, first column, n_l, n_r) of every pair of outer
charges, in sorted order, each (l, r) block l-major."""


def total_stacks(
    a: ChargedTensor, b: ChargedTensor, restricted: tuple[dict, dict], l_leg: Leg, r_leg: Leg
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


def weighted_expectation(
    matrix: np.ndarray, stack: np.ndarray, layout: Layout, weights: np.ndarray | None, l_leg: Leg
) -> tuple[complex, float]:
    """(Σ_l w_l ⟨θ_l|M θ_l⟩, Σ_l w_l ⟨θ_l|θ_l⟩) of one stack of :func:`total_stacks`.

    Parameters
    ----------
    matrix : ndarray
        M restricted to the stack's total charge Q (d_Q × d_Q).
    stack : ndarray
        The stack (d_Q × columns).
    layout : Layout
        Its columns.
    weights : ndarray or None
        w of every index of the left leg; None for w = 1.
    l_leg : Leg
        The left leg (its sectors place the weights).
    """
    applied = matrix @ stack
    if weights is None:
        return complex(np.vdot(stack, applied)), float(np.vdot(stack, stack).real)
    # the weight of every column (l, r): w_l of its left index, each l repeated n_r times
    rows = np.concatenate([l_leg.sectors[ql] for ql, _, _, _, _ in layout])
    repeats = np.repeat([nr for _, _, _, _, nr in layout], [nl for _, _, _, nl, _ in layout])
    weighted = stack * np.repeat(weights[rows], repeats)
    return complex(np.vdot(weighted, applied)), float(np.vdot(weighted, stack).real)


def bond_observation(a: ChargedTensor, b: ChargedTensor, observable: Observable) -> tuple[complex, float]:
    """(Σ_l w_l ⟨θ_l|M θ_l⟩, Σ_l w_l ⟨θ_l|θ_l⟩) of θ = a b (module docstring), summed over the stacks in the
    order of :func:`total_stacks` — the numbers the fused B-form update returns for the same bond
    (:func:`verify.tensors.blocksparse_split.gated_matrices` with ``observable=``), bit for bit when both
    run on one BLAS thread.

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
    value, norm = 0j, 0.0
    for total, stack, layout in total_stacks(a, b, restricted, l_leg, b.legs[2]):
        v, n = weighted_expectation(restricted[0][total][1], stack, layout, weights, l_leg)
        value, norm = value + v, norm + n
    return value, norm
