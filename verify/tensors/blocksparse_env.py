"""Environments of charged MPS tensors: reduced density matrices and transfer matrices, blockwise.

Measurements contract an MPS with its conjugate. With the tensors in canonical form the work is
local (PRX Eq. 7; Schollwöck, Ann. Phys. 326, 96 (2011), Sec. 4.2): the *environment* of a bond is
the (χ × χ) matrix E[r, r'] of everything on one side of it, ket index r and bra index r', and

* :func:`density` — ρ[P, P'] = Σ_{l, l', r} E[l, l'] t[l, P, r] t*[l', P', r] of a site or two-site
  tensor t (P the combined physical index in ``np.kron`` order), E the identity when omitted (the
  tensors left of t left-canonical, those right of it right-canonical), and :func:`scaled_density` —
  the same of Λ·t for a site tensor without forming Λ·t (the B-form measurement's C_i = √w B_i);
* :func:`transfer` — E'[r, r'] = Σ E[l, l'] a[l, p, r] O[p', p] a*[l', p', r'], one site with an
  optional operator O acting on the ket (Jordan–Wigner strings, operators of a correlation function,
  the matrix units of a reduced density matrix);
* :func:`trace` — Σ_r E[r, r] (the right-canonical rest of the chain closes an environment).

An environment of charged tensors is an :class:`Environment`, a dict ``(q_r, q_r') -> block``: the
blocks of E with ket-leg charge q_r and bra-leg charge q_r'. An operator that changes the charge
(σ^+, a fermion operator) gives blocks off the diagonal q_r = q_r'; nothing assumes otherwise.

Batches: an operator may be a stack O[..., p', p] of operators (the matrix units of the kept factors
of a reduced density matrix); the environment then carries the stack's axes in front of its bond
axes, E[..., r, r'] (:attr:`Environment.batch`), every later transfer keeps them and
:func:`density` / :func:`trace` return arrays over them. One contraction serves the whole stack:
no interpreter loop over its entries. The same holds for the dense backend
(:class:`verify.tensors.DenseBackend`), whose environments are plain arrays (..., χ, χ) and which
uses the contraction helpers of this module (:func:`env_times`, :func:`op_times`, :func:`close_bra`,
:func:`close_density`).

Every loop runs over sorted keys, so results are a deterministic function of the tensors. No
tensor is densified: the cost is that of the blocks (at χ = 400 with (N, 2S^z) conserved about 25
sectors per bond).
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from verify.tensors.charged import Charge, ChargedTensor, Key

__all__ = [
    "Environment",
    "close_bra",
    "close_density",
    "density",
    "env_times",
    "expectation",
    "op_times",
    "scaled_density",
    "trace",
    "transfer",
]


class Environment(dict):
    """Blocks of a charged environment E[..., r, r'], keyed by (ket charge, bra charge).

    Attributes
    ----------
    batch : tuple of int
        The leading (stack) axes every block carries; () for a single environment.
    """

    def __init__(self, batch: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.batch = tuple(batch)


def env_times(env: np.ndarray | None, x: np.ndarray) -> np.ndarray:
    """y[..., l', P, r] = Σ_l E[..., l, l'] x[l, P, r] (x itself for the identity)."""
    if env is None:
        return x
    if env.shape[-2] != x.shape[0]:
        raise ValueError(f"cannot contract l of sizes {env.shape[-2]} and {x.shape[0]}")
    n = x.shape[0]  # one matrix product, as np.tensordot does, without its per-call bookkeeping
    rows, columns = math.prod(env.shape[:-2]) * env.shape[-1], math.prod(x.shape[1:])
    product = np.swapaxes(env, -1, -2).reshape(rows, n) @ x.reshape(n, columns)
    return product.reshape(*env.shape[:-2], env.shape[-1], *x.shape[1:])


def op_times(y: np.ndarray, op: np.ndarray) -> np.ndarray:
    """z[..., o..., l, q, r] = Σ_p O[o..., q, p] y[..., l, p, r]: the stack axes of O follow those of y."""
    z = np.tensordot(y, op, axes=([-2], [-1]))  # (..., l, r, o..., q)
    nb, no = y.ndim - 3, op.ndim - 2
    return z.transpose([*range(nb), *range(nb + 2, nb + 2 + no), nb, nb + 2 + no, nb + 1])


def close_bra(z: np.ndarray, x: np.ndarray) -> np.ndarray:
    """E'[..., r, r'] = Σ_{l', p'} z[..., l', p', r] x*[l', p', r']."""
    if z.shape[-3:-1] != x.shape[:2]:
        raise ValueError(f"cannot contract (l', p') of shapes {z.shape[-3:-1]} and {x.shape[:2]}")
    n = x.shape[0] * x.shape[1]
    rows = math.prod(z.shape[:-3]) * z.shape[-1]
    product = np.moveaxis(z, -1, -3).reshape(rows, n) @ x.reshape(n, x.shape[2]).conj()
    return product.reshape(*z.shape[:-3], z.shape[-1], x.shape[2])


def close_density(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """ρ[..., P, P'] = Σ_{l', r} y[..., l', P, r] x*[l', P', r]."""
    ket, bra_legs = (y.shape[-3], y.shape[-1]), (x.shape[0], x.shape[2])
    if ket != bra_legs:
        raise ValueError(f"cannot contract (l', r) of shapes {ket} and {bra_legs}")
    n = x.shape[0] * x.shape[2]
    bra = x.transpose(0, 2, 1).reshape(n, x.shape[1]).conj()
    rows = math.prod(y.shape[:-3]) * y.shape[-2]
    product = np.moveaxis(y, -2, -3).reshape(rows, n) @ bra  # rows (..., P), columns P'
    return product.reshape(*y.shape[:-3], y.shape[-2], x.shape[1])


def _physical_index(t: ChargedTensor, key: Key) -> np.ndarray:
    """Combined physical indices (``np.kron`` order) of the block ``key`` of ``t``."""
    legs = t.legs[1:-1]
    index = np.zeros(1, dtype=np.int64)
    for leg, q in zip(legs, key[1:-1], strict=True):
        index = (index[:, None] * leg.dim + leg.sectors[q][None, :]).ravel()
    return index


Entry = tuple[Key, Charge, np.ndarray, np.ndarray]
"""(physical charges, right charge, physical indices, block as (l, P, r)) of one block."""


def _groups(t: ChargedTensor) -> dict[Charge, list[Entry]]:
    """Left charge → the entries of its blocks, sorted by key."""
    out: dict[Charge, list[Entry]] = defaultdict(list)
    for key in sorted(t.blocks):
        block = t.blocks[key]
        x = block.reshape(block.shape[0], -1, block.shape[-1])
        out[key[0]].append((key[1:-1], key[-1], _physical_index(t, key), x))
    return out


def _pairs(env: Environment | None, charges: list[Charge]) -> list[tuple[tuple[Charge, Charge], np.ndarray | None]]:
    """The blocks of ``env`` in key order; the identity's diagonal blocks (None) when ``env`` is None."""
    if env is None:
        return [((q, q), None) for q in sorted(charges)]
    return [(key, env[key]) for key in sorted(env)]


def density(t: ChargedTensor, env: Environment | None = None) -> np.ndarray:
    """ρ[..., P, P'] = Σ E[..., l, l'] t[l, P, r] t*[l', P', r] over the physical legs of ``t``.

    Parameters
    ----------
    t : ChargedTensor
        A site tensor A[l, p, r] or a two-site tensor theta[l, p1, p2, r].
    env : Environment, optional
        The left environment E[..., l, l']; the identity when omitted.

    Returns
    -------
    ndarray
        Dense (..., D, D), D the product of the physical dimensions; not normalized.
    """
    dim = math.prod(leg.dim for leg in t.legs[1:-1])
    if env is None and len(t.legs) == 3:
        return _site_density(t)
    rho = np.zeros((*(env.batch if env is not None else ()), dim, dim), dtype=complex)
    merged: dict[Charge, dict[Charge, tuple[np.ndarray, np.ndarray]]] = {}
    for ql, entries in _groups(t).items():  # the blocks of one (q_l, q_r), stacked along P
        by_right: dict[Charge, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
        for _, qr, index, x in entries:
            by_right[qr].append((index, x))
        merged[ql] = {
            qr: (np.concatenate([i for i, _ in items]), np.concatenate([x for _, x in items], axis=1))
            for qr, items in by_right.items()
        }
    for (ql, ql2), e in _pairs(env, list(merged)):
        bra = merged.get(ql2, {})
        for qr, (index, x) in merged.get(ql, {}).items():
            if qr in bra:
                index2, x2 = bra[qr]
                rho[..., index[:, None], index2[None, :]] += close_density(env_times(e, x), x2)
    return rho


def _site_density(a: ChargedTensor, scale: np.ndarray | None = None) -> np.ndarray:
    """ρ[p, p'] = Σ_{l, r} s_l² a[l, p, r] a*[l, p', r] (s = 1 for None): block diagonal in the physical charge
    (q_r = q_l + q_p fixes the block of both), one product per physical charge of the blocks, each scaled
    by s on its way into the stack of its charge's columns."""
    p_leg, l_sectors = a.legs[1], a.legs[0].sectors
    rho = np.zeros((p_leg.dim, p_leg.dim), dtype=complex)
    by_physical: dict[Charge, list[Key]] = defaultdict(list)
    for key in sorted(a.blocks):
        by_physical[key[1]].append(key)
    for qp, keys in by_physical.items():
        blocks = [a.blocks[key] for key in keys]
        m = np.empty((p_leg.size(qp), sum(block.shape[0] * block.shape[2] for block in blocks)), dtype=complex)
        column = 0
        for key, block in zip(keys, blocks, strict=True):
            nl, dp, nr = block.shape
            target = m[:, column : column + nl * nr].reshape(dp, nl, nr)  # a view: the last axis is contiguous
            if scale is None:
                target[...] = block.transpose(1, 0, 2)
            else:
                np.multiply(block.transpose(1, 0, 2), scale[l_sectors[key[0]]][None, :, None], out=target)
            column += nl * nr
        index = p_leg.sectors[qp]
        rho[index[:, None], index[None, :]] = m @ m.conj().T  # (np.ix_ costs ~10 µs per call)
    return rho


def scaled_density(a: ChargedTensor, scale: np.ndarray) -> np.ndarray:
    """ρ[p, p'] = Σ_{l, r} s_l² a[l, p, r] a*[l, p', r] of a site tensor: the density of Λ·a
    (:func:`verify.mps.scale_left`) without forming Λ·a.

    Raises
    ------
    ValueError
        When ``scale`` does not fit the left leg.
    """
    scale = np.asarray(scale, dtype=float)
    if len(a.legs) != 3 or scale.shape != (a.legs[0].dim,):
        dims = [leg.dim for leg in a.legs]
        raise ValueError(f"a scale of shape {scale.shape} for a site tensor of dimensions {dims}")
    return _site_density(a, scale)


def expectation(theta: ChargedTensor, matrix: np.ndarray) -> complex:
    """⟨θ|M|θ⟩ = Σ θ*[l, P', r] M[P', P] θ[l, P, r] for a two-site tensor θ[l, p1, p2, r] and a dense
    operator M on (p1, p2) (``np.kron`` order), e.g. a bond Hamiltonian h_b (PRX Eqs. 2–4).

    Only physical states of the same total charge Q = q_p1 + q_p2 = q_r − q_l meet (M conserves the
    charges; a part of M that does not is not seen). Per Q, every block of θ is laid out as columns
    (l, r) of one matrix whose rows are all (p1, p2) of charge Q, and M restricted to Q acts on it:
    one product per total charge.
    """
    p1, p2 = theta.legs[1], theta.legs[2]
    rows: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)  # Q -> (q_p1, q_p2) -> row offset
    index: dict[Charge, list[np.ndarray]] = defaultdict(list)
    height: dict[Charge, int] = defaultdict(int)
    for q1 in sorted(p1.sectors):
        for q2 in sorted(p2.sectors):
            total = tuple(a + b for a, b in zip(q1, q2, strict=True))
            i1, i2 = p1.sectors[q1], p2.sectors[q2]
            rows[total][(q1, q2)] = height[total]
            index[total].append((i1[:, None] * p2.dim + i2[None, :]).ravel())
            height[total] += i1.size * i2.size
    columns: dict[Charge, dict[tuple[Charge, Charge], int]] = defaultdict(dict)  # Q -> (q_l, q_r) -> column offset
    width: dict[Charge, int] = defaultdict(int)
    keys = sorted(theta.blocks)
    for ql, q1, q2, qr in keys:
        total = tuple(a + b for a, b in zip(q1, q2, strict=True))
        if (ql, qr) not in columns[total]:
            columns[total][(ql, qr)] = width[total]
            width[total] += theta.legs[0].size(ql) * theta.legs[3].size(qr)
    value = 0j
    for total in sorted(columns):
        stack = np.zeros((height[total], width[total]), dtype=complex)
        for key in keys:
            ql, q1, q2, qr = key
            offsets = rows[total]
            if (q1, q2) not in offsets or (ql, qr) not in columns[total]:
                continue
            block = theta.blocks[key]
            nl, s1, s2, nr = block.shape
            r0, c0 = offsets[(q1, q2)], columns[total][(ql, qr)]
            stack[r0 : r0 + s1 * s2, c0 : c0 + nl * nr] = block.transpose(1, 2, 0, 3).reshape(s1 * s2, nl * nr)
        flat = np.concatenate(index[total])
        value += np.vdot(stack, matrix[flat[:, None], flat[None, :]] @ stack)
    return complex(value)


def transfer(env: Environment | None, a: ChargedTensor, op: np.ndarray | None = None) -> Environment:
    """E'[..., o..., r, r'] = Σ E[..., l, l'] a[l, p, r] O[o..., p', p] a*[l', p', r'] (module docstring).

    Parameters
    ----------
    env : Environment or None
        The left environment; None for the identity.
    a : ChargedTensor
        A site tensor A[l, p, r].
    op : ndarray, optional
        A dense (d × d) operator on the site (acting on the ket), or a stack (..., d, d) of them;
        the identity when omitted.
    """
    groups = _groups(a)
    by_physical = {ql: {qp: (qr, index, x) for qp, qr, index, x in items} for ql, items in groups.items()}
    out = Environment((env.batch if env is not None else ()) + (() if op is None else op.shape[:-2]))
    op_blocks: dict[tuple[Key, Key], np.ndarray | None] = {}  # O[bra sector, ket sector], None when zero
    for (ql, ql2), e in _pairs(env, list(groups)):
        bra = by_physical.get(ql2, {})
        for qp, qr, index, x in groups.get(ql, ()):
            y = env_times(e, x)
            if op is None:  # the identity pairs equal physical charges only
                targets = [(y, bra[qp])] if qp in bra else []
            else:
                targets = []
                for qp2, (qr2, index2, x2) in bra.items():
                    if (qp2, qp) not in op_blocks:  # the same few sector pairs recur for every bond charge
                        o = op[..., index2[:, None], index[None, :]]
                        op_blocks[(qp2, qp)] = o if np.any(o) else None
                    o = op_blocks[(qp2, qp)]
                    if o is not None:
                        targets.append((op_times(y, o), (qr2, index2, x2)))
            for z, (qr2, _, x2) in targets:
                block = close_bra(z, x2)
                key = (qr, qr2)
                out[key] = out[key] + block if key in out else block
    return out


def trace(env: Environment) -> complex | np.ndarray:
    """Σ_r E[..., r, r]: the diagonal blocks' traces, in key order (an array over the batch axes)."""
    total = np.zeros(env.batch, dtype=complex)
    for key in sorted(env):
        if key[0] == key[1]:
            total = total + np.trace(env[key], axis1=-2, axis2=-1)
    return complex(total) if total.ndim == 0 else total
