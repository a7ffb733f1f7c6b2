"""The two-site tensor θ = a b of charged site tensors, stacked by pairs of outer charges.

θ[l, p1, p2, r] = Σ_k a[l, p1, k] b[k, p2, r] conserves the total physical charge Q = q_r − q_l of every
pair of outer (bond) charges (q_l, q_r). :func:`outer_stacks` lays θ out as one matrix per such pair —
rows the (p1, p2) states of charge Q in the order of an operator restricted to Q
(:func:`verify.tensors.charged.restricted_by_total`, a :class:`verify.tensors.ChargedGate`'s layout),
columns (l, r) — from one matrix product per charge of the shared bond
(:func:`verify.tensors.charged.two_site_products`). On such a stack a two-site operator restricted to
Q acts with one matrix product:

* a gate e^{−i h δt} (:func:`verify.tensors.blocksparse_split.gated_matrices`, the fused B-form update);
* an observable M, measured with weights on the left index (:func:`weighted_expectation`): Σ_l w_l
  ⟨θ_l|M|θ_l⟩ and Σ_l w_l ⟨θ_l|θ_l⟩, θ_l the rows of θ with left index l. With w_l = Λ_{l}² / ‖a[l]‖²
  (the B form's left weights, :func:`verify.mps.b_form_sweep`) these are ⟨h_b⟩ and the norm of the
  state on the bond (PRX Eqs. 2–4).

Because the TEBD update of a bond builds the very same stacks, the energy of that bond in the state
the update starts from comes at the price of one small product per stack
(:meth:`verify.tensors.BlockSparseBackend.update_vidal` with ``observable=``);
:func:`bond_observation` computes the same numbers, bit for bit, from the tensors alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import numpy as np

from verify.tensors.charged import Charge, ChargedTensor, Leg, sub_charges, two_site_products

__all__ = ["Observable", "bond_observation", "outer_stacks", "weighted_expectation"]

Observable = tuple[tuple[dict, dict], np.ndarray]
"""(an operator M restricted to each total physical charge — ``(sectors, pair_offsets)`` of
:func:`verify.tensors.charged.restricted_by_total` —, the weights w_l of every index of the left leg)."""


def outer_stacks(
    a: ChargedTensor, b: ChargedTensor, restricted: tuple[dict, dict], l_leg: Leg, r_leg: Leg
) -> Iterator[tuple[Charge, Charge, Charge, np.ndarray]]:
    """(q_l, q_r, Q, stack) for every pair of outer charges of θ = a b, in sorted order.

    ``restricted`` is an operator restricted to each total physical charge (``(sectors, pair_offsets)``
    of :func:`verify.tensors.charged.restricted_by_total`, or a :class:`verify.tensors.ChargedGate`'s
    two attributes): ``stack`` has shape (d_Q, n_l, n_r), the (p1, p2) states of total charge
    Q = q_r − q_l laid out as its matrix of Q, then the left and right bond indices of the two
    sectors. Pairs of physical sectors that θ lacks are zero rows.
    """
    sectors, pair_offsets = restricted
    groups: dict[tuple[Charge, Charge], list[tuple[Charge, Charge, np.ndarray]]] = defaultdict(list)
    for (ql, qp1, qp2, qr), view in two_site_products(a, b):
        groups[(ql, qr)].append((qp1, qp2, view))
    for ql, qr in sorted(groups):
        total = sub_charges(qr, ql)
        where = pair_offsets[total]
        nl, nr = l_leg.size(ql), r_leg.size(qr)
        stack = np.zeros((sectors[total][1].shape[0], nl, nr), dtype=complex)
        for qp1, qp2, view in groups[(ql, qr)]:
            s1, s2, off = where[(qp1, qp2)]
            if s1 == s2 == 1:  # most physical sectors are one state: one copy, no reshapes
                stack[off] = view
            else:
                stack[off : off + s1 * s2].reshape(s1, s2, nl, nr)[...] = view.reshape(
                    nl, s1, s2, nr).transpose(1, 2, 0, 3)
        yield ql, qr, total, stack


def weighted_expectation(matrix: np.ndarray, stack: np.ndarray, weights: np.ndarray) -> tuple[complex, float]:
    """(Σ_l w_l ⟨θ_l|M θ_l⟩, Σ_l w_l ⟨θ_l|θ_l⟩) of one stack of :func:`outer_stacks` (shape (d_Q, n_l, n_r)),
    M restricted to its total charge, w the weights of its n_l left indices."""
    flat = stack.reshape(stack.shape[0], -1)
    weighted = (stack * weights[None, :, None]).reshape(flat.shape)
    return complex(np.vdot(weighted, matrix @ flat)), float(np.vdot(weighted, flat).real)


def bond_observation(a: ChargedTensor, b: ChargedTensor, observable: Observable) -> tuple[complex, float]:
    """(Σ_l w_l ⟨θ_l|M θ_l⟩, Σ_l w_l ⟨θ_l|θ_l⟩) of θ = a b (module docstring), summed over the stacks in the
    order of :func:`outer_stacks` — the numbers the fused B-form update returns for the same bond
    (:func:`verify.tensors.blocksparse_split.gated_matrices` with ``observable=``), bit for bit.
    """
    restricted, weights = observable
    l_leg = a.legs[0]
    value, norm = 0j, 0.0
    for ql, _, total, stack in outer_stacks(a, b, restricted, l_leg, b.legs[2]):
        v, n = weighted_expectation(restricted[0][total][1], stack, weights[l_leg.sector_slices[ql]])
        value, norm = value + v, norm + n
    return value, norm
