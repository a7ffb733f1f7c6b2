"""The decomposition of a charged two-site tensor: new-bond sector matrices, global truncation.

A two-site tensor theta[l, p1, p2, r] is, as a (l p1) × (p2 r) matrix, block diagonal in the charge
of the new bond q_k = q_l + q_p1 = q_r − q_p2. :func:`theta_matrices` (or :func:`gated_matrices`,
which applies a gate on the way, the fused bond update of Vidal's B form) lays each block out as one
dense matrix (sorted keys: a canonical layout), and :func:`decompose` decomposes every sector
(:func:`verify.tensors.decompositions.svd`, or with a truncation ≥
:data:`verify.tensors.decompositions.GRAM_MIN_TRUNC` the density-matrix route
:func:`verify.tensors.decompositions.gram_svd`, which gives the values and the isometric factor — for
a sector much wider than tall from the Gram matrix of its smaller side, the isometric factor of the
kept values then by :func:`verify.tensors.decompositions.isometry_by_projection`; the other factor is
the projection). Truncation is global — all singular values are sorted together and
:func:`verify.tensors.decompositions.truncation_rank` picks the kept set exactly as in the dense case,
so equal χ gives the same kept set up to degeneracies. Since no decomposition mixes charge sectors,
the charges are conserved to round-off at any truncation.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict

import numpy as np

from verify.tensors.blocksparse_stacks import (
    Layout,
    RowValues,
    add_row_expectations,
    new_row_values,
    total_stacks,
)
from verify.tensors.charged import (
    SITE_SIGNS,
    Charge,
    ChargedGate,
    ChargedTensor,
    Key,
    Leg,
    RestrictedOperator,
    add_charges,
)
from verify.tensors.decompositions import (
    Split,
    decomposition_route,
    isometry_by_projection,
    sector_decomposition,
    truncation_rank,
)
from verify.tensors.threads import decompose_all

__all__ = ["Offsets", "decompose", "gated_matrices", "sector_offsets", "theta_matrices"]

Offsets = dict[Charge, tuple[dict, int, dict, int]]
"""Per new-bond charge q_k: (row offsets of every (q_l, q_p1), rows, column offsets of every (q_p2, q_r), columns)."""


def sector_offsets(
    rows: dict[Charge, dict[tuple[Charge, Charge], int]],
    cols: dict[Charge, dict[tuple[Charge, Charge], int]],
    legs: tuple[Leg, Leg, Leg, Leg],
) -> Offsets:
    """Row offsets of every (q_l, q_p1) and column offsets of every (q_p2, q_r) in the matrix of
    each new-bond charge q_k (sorted keys: a canonical layout)."""
    l_leg, p1_leg, p2_leg, r_leg = legs
    offsets: dict[Charge, tuple[dict, int, dict, int]] = {}
    for qk in sorted(rows):
        r_off, n = {}, 0
        for ql, qp1 in sorted(rows[qk]):
            nl, np1 = l_leg.size(ql), p1_leg.size(qp1)
            r_off[(ql, qp1)] = (n, nl, np1)
            n += nl * np1
        c_off, m = {}, 0
        for qp2, qr in sorted(cols[qk]):
            np2, nr = p2_leg.size(qp2), r_leg.size(qr)
            c_off[(qp2, qr)] = (m, np2, nr)
            m += np2 * nr
        offsets[qk] = (r_off, n, c_off, m)
    return offsets


def theta_matrices(theta: ChargedTensor) -> tuple[dict[Charge, np.ndarray], Offsets]:
    """The (l p1) × (p2 r) matrix of every new-bond charge of a two-site tensor, and its layout."""
    # sectors of the new bond: q_k = q_l + q_p1 = q_r − q_p2
    rows: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)
    cols: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)
    for ql, qp1, qp2, qr in theta.blocks:
        qk = add_charges(ql, qp1)
        rows[qk].setdefault((ql, qp1), 0)
        cols[qk].setdefault((qp2, qr), 0)
    offsets = sector_offsets(rows, cols, theta.legs)
    matrices = {qk: np.zeros((n, m), dtype=complex) for qk, (_, n, _, m) in offsets.items()}
    for (ql, qp1, qp2, qr), block in theta.blocks.items():
        qk = add_charges(ql, qp1)
        r_off, _, c_off, _ = offsets[qk]
        i0, nl, np1 = r_off[(ql, qp1)]
        j0, np2, nr = c_off[(qp2, qr)]
        matrices[qk][i0 : i0 + nl * np1, j0 : j0 + np2 * nr] = block.reshape(nl * np1, np2 * nr)
    return matrices, offsets


def gated_matrices(
    a: ChargedTensor, b: ChargedTensor, gate: ChargedGate, legs: tuple[Leg, Leg, Leg, Leg],
    measure_rows: RestrictedOperator | None = None,
) -> tuple[dict[Charge, np.ndarray], Offsets, RowValues | None]:
    """The new-bond sector matrices of ``apply_gate(gate, two_site(a, b))`` without the intermediate blocks.

    The two-site products (one per charge of the shared bond) are cut into one stack per total
    physical charge Q (:func:`verify.tensors.blocksparse_stacks.total_stacks`: every pair of outer
    charges (q_l, q_r) of that Q side by side), the gate acts on each stack with one matrix product,
    and the result is written straight into the matrices of the new bond's charges. ``legs`` are
    those of the result (l, p1', p2', r).

    With ``measure_rows`` (an operator M restricted like the gate) the rows of its expectation in
    θ = a b before the gate are taken from the same stacks
    (:func:`verify.tensors.blocksparse_stacks.add_row_expectations`) and returned third — the bits of
    :func:`verify.tensors.blocksparse_stacks.bond_rows`; else None.
    """
    l_leg = legs[0]
    rows: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)
    cols: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)
    gated: list[tuple[list, np.ndarray, Layout]] = []
    observed = None if measure_rows is None else new_row_values(l_leg)
    for total, stack, layout in total_stacks(a, b, (gate.sectors, gate.pair_offsets), l_leg, legs[3]):
        pairs, matrix = gate.sectors[total]
        if observed is not None:  # the state before the gate: the same numbers as bond_rows
            add_row_expectations(measure_rows[0][total][1], stack, layout, l_leg, observed)
        gated.append((pairs, matrix @ stack, layout))
        for ql, qr, _, _, _ in layout:
            for qp1, qp2, _, _, _ in pairs:
                qk = add_charges(ql, qp1)
                rows[qk].setdefault((ql, qp1), 0)
                cols[qk].setdefault((qp2, qr), 0)
    offsets = sector_offsets(rows, cols, legs)
    matrices = {qk: np.zeros((n, m), dtype=complex) for qk, (_, n, _, m) in offsets.items()}
    for pairs, result, layout in gated:
        for ql, qr, c0, nl, nr in layout:
            for qp1, qp2, s1, s2, off in pairs:
                qk = add_charges(ql, qp1)
                r_off, _, c_off, _ = offsets[qk]
                i0 = r_off[(ql, qp1)][0]
                j0 = c_off[(qp2, qr)][0]
                block = result[off : off + s1 * s2, c0 : c0 + nl * nr]
                if s1 == s2 == 1:
                    matrices[qk][i0 : i0 + nl, j0 : j0 + nr] = block.reshape(nl, nr)
                else:
                    matrices[qk][i0 : i0 + nl * s1, j0 : j0 + s2 * nr] = block.reshape(
                        s1, s2, nl, nr).transpose(2, 0, 1, 3).reshape(nl * s1, s2 * nr)
    return matrices, offsets, observed


def decompose(
    matrices: dict[Charge, np.ndarray],
    offsets: Offsets,
    legs: tuple[Leg, Leg, Leg, Leg],
    *,
    n_q: int,
    chi_max: int,
    trunc: float,
    absorb: str,
    left_values: np.ndarray | None,
) -> Split:
    """Decomposition of every new-bond sector matrix (SVD or Gram route), global truncation, and the two
    factors as tensors (``absorb``: "left", "right" or "vidal" with the Schmidt values ``left_values``
    of the bond left of p1)."""
    l_leg, p1_leg, p2_leg, r_leg = legs
    sectors = list(matrices)
    if left_values is None:
        to_decompose = [matrices[qk] for qk in sectors]
    else:  # θ = Λ_left · C: scale the rows (l, p1) by the Schmidt values of their left index
        to_decompose = []
        by_left: dict[Charge, np.ndarray] = {}  # Λ of each left sector, complex (no casting loop below)
        for qk in sectors:
            parts = []
            for (ql, _), (_, _, np1) in offsets[qk][0].items():
                values = by_left.get(ql)
                if values is None:
                    values = by_left[ql] = left_values[l_leg.sectors[ql]].astype(complex)
                parts.append(values if np1 == 1 else np.repeat(values, np1))
            to_decompose.append(matrices[qk] * (parts[0] if len(parts) == 1 else np.concatenate(parts))[:, None])
    # the isometric factor: V† (B form, or s absorbed to the left) or U (s absorbed to the right)
    side = "left" if absorb == "right" else "right"
    route = functools.partial(sector_decomposition, side=side, gram=decomposition_route(trunc) == "gram")
    decomps = decompose_all(route, to_decompose)
    if not decomps:
        raise ValueError("cannot split a zero tensor (the state has vanished)")
    s_all = np.concatenate([s for _, s, _ in decomps])
    labels = np.repeat(np.arange(len(decomps)), [len(s) for _, s, _ in decomps])
    order = np.argsort(-s_all, kind="stable")
    s_sorted = s_all[order]
    keep, discarded = truncation_rank(s_sorted, chi_max=chi_max, trunc=trunc)
    squares = s_sorted**2
    factor = math.sqrt(squares.sum()) / math.sqrt(squares[:keep].sum())
    counts = np.bincount(labels[order[:keep]], minlength=len(sectors))
    new_sectors = [(qk, int(c)) for qk, c in zip(sectors, counts, strict=True) if c > 0]
    k_leg = Leg.from_sectors(new_sectors, n_q)
    left_blocks: dict[Key, np.ndarray] = {}
    right_blocks: dict[Key, np.ndarray] = {}
    bond_values = []
    for k, (qk, (u, s, vh), c) in enumerate(zip(sectors, decomps, counts, strict=True)):
        if c == 0:
            continue
        if side == "right" and vh is None:  # the Gram route took the smaller left side: V_c† by projection
            u, vh = None, isometry_by_projection(to_decompose[k], u[:, :c], "right")
        elif side == "left" and u is None:
            u, vh = isometry_by_projection(to_decompose[k], vh[:c], "left"), None
        s_kept = s[:c] * factor
        bond_values.append(s_kept)
        if absorb == "right":
            u = u[:, :c]
            vh = s_kept[:, None] * vh[:c] if vh is not None else (u.conj().T @ to_decompose[k]) * factor
        elif absorb == "left":
            vh = vh[:c]
            u = u[:, :c] * s_kept[None, :] if u is not None else (to_decompose[k] @ vh.conj().T) * factor
        else:  # Vidal: B_left = C · V (no division by Λ_left), renormalized like s
            vh = vh[:c]
            u = (matrices[qk] @ vh.conj().T) * factor
        r_off, _, c_off, _ = offsets[qk]
        for (ql, qp1), (i0, nl, np1) in r_off.items():
            left_blocks[(ql, qp1, qk)] = np.ascontiguousarray(u[i0 : i0 + nl * np1].reshape(nl, np1, c))
        for (qp2, qr), (j0, np2, nr) in c_off.items():
            right_blocks[(qk, qp2, qr)] = np.ascontiguousarray(vh[:, j0 : j0 + np2 * nr].reshape(c, np2, nr))
    return Split(
        left=ChargedTensor((l_leg, p1_leg, k_leg), SITE_SIGNS, left_blocks),
        right=ChargedTensor((k_leg, p2_leg, r_leg), SITE_SIGNS, right_blocks),
        singular_values=s_sorted[:keep] * factor,
        discarded=discarded,
        bond_values=np.concatenate(bond_values),
    )
