"""Local operators of the PRX chain in the MPS (Jordan–Wigner) representation.

Everything is derived from :mod:`states.conventions`: the fermion-site basis
(|0>, |↑> = c†_↑|0>, |↓> = c†_↓|0>, |↑↓> = c†_↑ c†_↓|0>), the Jordan–Wigner mode order
(1↑, 1↓, 2↑, 2↓, ...), Pauli matrices, and the FM site = fermion site ⊗ localized spin (electron
factor first; the localized spin is a bosonic factor without string).

Jordan–Wigner in site-major order
---------------------------------
With modes ordered (1↑, 1↓, 2↑, 2↓, ...), the global annihilator of mode (i, s) is

    c_{i,s} = F_1 ⊗ ... ⊗ F_{i-1} ⊗ C_s ⊗ 1 ⊗ ... ,

where F = (-1)^{n_↑ + n_↓} is the site parity and C_s the *on-site* annihilator, which already
contains the string of the modes of site i that precede (i, s): C_↑ = a_↑ and C_↓ = (-1)^{n_↑} a_↓.
For the hopping term of PRX Eq. 2 between neighbouring sites i and i+1 the strings of sites
1..i-1 cancel (F² = 1) and the string of the intermediate modes — (i,↓), (i+1,↑) for s = ↑ and
(i+1,↑) for s = ↓ — is the parity F_i of site i together with the on-site sign inside C_s:

    c†_{i,s} c_{i+1,s}   = (C_s† F)_i ⊗ (C_s)_{i+1},
    c†_{i+1,s} c_{i,s}   = (F C_s)_i ⊗ (C_s†)_{i+1}      (the Hermitian conjugate).

``tests/test_tebd.py`` checks both identities against global Jordan–Wigner operators built from
scratch, and the sum of the bond Hamiltonians against a dense construction of PRX Eqs. 2–4.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from states.conventions import (
    FERMION_SITE_CHARGE_2SZ,
    FERMION_SITE_CHARGE_N,
    FERMION_SITE_DIM,
    FM_SITE_DIM,
    IDENTITY_2,
    QUBIT_CHARGE_2SZ,
    spin_operators,
)

__all__ = [
    "SiteOperators",
    "fermion_occupations",
    "fermion_site",
    "fm_site",
    "hopping_terms",
    "site_operators",
]


def fermion_occupations() -> np.ndarray:
    """Occupations (n_↑, n_↓) of the four fermion-site basis states, shape (4, 2).

    Derived from the integer charges of :mod:`states.conventions`:
    n_↑ = (N + 2S^z)/2, n_↓ = (N − 2S^z)/2.
    """
    n_up = (FERMION_SITE_CHARGE_N + FERMION_SITE_CHARGE_2SZ) // 2
    n_dn = (FERMION_SITE_CHARGE_N - FERMION_SITE_CHARGE_2SZ) // 2
    return np.stack([n_up, n_dn], axis=1)


def _on_site_annihilators() -> tuple[np.ndarray, np.ndarray]:
    """(C_↑, C_↓) on the fermion site, signs from the on-site mode order (↑ before ↓).

    A basis state is (c†_↑)^{n_↑} (c†_↓)^{n_↓} |0>; removing mode m from it costs
    (-1)^{number of occupied modes before m}.
    """
    occ = fermion_occupations()
    index = {tuple(row): k for k, row in enumerate(occ.tolist())}
    ops = []
    for mode in range(2):
        op = np.zeros((FERMION_SITE_DIM, FERMION_SITE_DIM), dtype=complex)
        for k, row in enumerate(occ.tolist()):
            if row[mode] == 1:  # 4 basis states: a loop over the local basis, not a Hilbert space
                target = list(row)
                target[mode] = 0
                op[index[tuple(target)], k] = (-1) ** sum(row[:mode])
        ops.append(op)
    return ops[0], ops[1]


@dataclass(frozen=True)
class SiteOperators:
    """Operators of one MPS site (fermion site, optionally ⊗ localized spin).

    Attributes
    ----------
    dim : int
        Local dimension (4 for a lead site, 8 for an FM site).
    has_spin : bool
        True on FM sites (PRX Eq. 3–4 localized spin present).
    identity, parity : ndarray
        1 and F = (-1)^{n_↑+n_↓} (the Jordan–Wigner string of the whole site).
    c_up, c_dn : ndarray
        On-site annihilators C_↑, C_↓ (on-site Jordan–Wigner sign included, see module docstring).
    n : ndarray
        n_i = n_↑ + n_↓ (PRX Sec. II).
    s : tuple of three ndarray
        Electron spin s^α_i = Σ_{σσ'} c†_{iσ} σ^α_{σσ'} c_{iσ'} in Pauli units (PRX Sec. II).
    spin : tuple of three ndarray or None
        Localized spin S^α_i = σ^α (Pauli, PRX Eq. 3); None on lead sites.
    charge_n, charge_2sz : ndarray of int
        Particle number and 2S^z (electron + localized spin) of every local basis state, for the
        U(1)×U(1) block structure.
    """

    dim: int
    has_spin: bool
    identity: np.ndarray
    parity: np.ndarray
    c_up: np.ndarray
    c_dn: np.ndarray
    n: np.ndarray
    s: tuple[np.ndarray, np.ndarray, np.ndarray]
    spin: tuple[np.ndarray, np.ndarray, np.ndarray] | None
    charge_n: np.ndarray
    charge_2sz: np.ndarray

    def c(self, spin: int) -> np.ndarray:
        """C_s for s = 0 (↑) or 1 (↓), following the basis order of :mod:`states.conventions`."""
        if spin not in (0, 1):
            raise ValueError(f"spin index must be 0 (↑) or 1 (↓), got {spin!r}")
        return self.c_up if spin == 0 else self.c_dn


def _freeze(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


@cache
def fermion_site() -> SiteOperators:
    """Operators of a lead site (d = 4)."""
    c_up, c_dn = _on_site_annihilators()
    occ = fermion_occupations()
    parity = np.diag((-1.0) ** occ.sum(axis=1)).astype(complex)
    n = c_up.conj().T @ c_up + c_dn.conj().T @ c_dn
    cs = (c_up, c_dn)
    s = tuple(
        sum(cs[a].conj().T @ cs[b] * sigma[a, b] for a in range(2) for b in range(2))
        for sigma in spin_operators("pauli")
    )
    ident = np.eye(FERMION_SITE_DIM, dtype=complex)
    _freeze(c_up, c_dn, parity, n, ident, *s)
    return SiteOperators(
        dim=FERMION_SITE_DIM,
        has_spin=False,
        identity=ident,
        parity=parity,
        c_up=c_up,
        c_dn=c_dn,
        n=n,
        s=s,  # type: ignore[arg-type]
        spin=None,
        charge_n=np.asarray(FERMION_SITE_CHARGE_N),
        charge_2sz=np.asarray(FERMION_SITE_CHARGE_2SZ),
    )


@cache
def fm_site() -> SiteOperators:
    """Operators of an FM site (d = 8) = fermion site ⊗ localized spin, electron factor first."""
    f = fermion_site()

    def el(op: np.ndarray) -> np.ndarray:
        return np.kron(op, IDENTITY_2)

    spin = tuple(np.kron(np.eye(FERMION_SITE_DIM), sigma) for sigma in spin_operators("pauli"))
    ops = dict(
        identity=np.eye(FM_SITE_DIM, dtype=complex),
        parity=el(f.parity),
        c_up=el(f.c_up),
        c_dn=el(f.c_dn),
        n=el(f.n),
    )
    s = tuple(el(x) for x in f.s)
    _freeze(*ops.values(), *s, *spin)
    ones = np.ones(2, dtype=int)
    return SiteOperators(
        dim=FM_SITE_DIM,
        has_spin=True,
        s=s,  # type: ignore[arg-type]
        spin=spin,  # type: ignore[arg-type]
        charge_n=np.kron(f.charge_n, ones),
        charge_2sz=np.kron(f.charge_2sz, ones) + np.kron(np.ones(FERMION_SITE_DIM, dtype=int), QUBIT_CHARGE_2SZ),
        **ops,
    )


def site_operators(has_spin: bool) -> SiteOperators:
    """:func:`fm_site` if ``has_spin`` else :func:`fermion_site`."""
    return fm_site() if has_spin else fermion_site()


def hopping_terms(left: SiteOperators, right: SiteOperators) -> np.ndarray:
    """Σ_s (c†_{i,s} c_{i+1,s} + H.c.) on the bond (i, i+1), as a (d_i d_{i+1})² matrix.

    Uses the Jordan–Wigner identities of the module docstring; multiply by −γ for PRX Eq. 2.
    """
    out = np.zeros((left.dim * right.dim,) * 2, dtype=complex)
    for s in (0, 1):
        cl, cr = left.c(s), right.c(s)
        forward = np.kron(cl.conj().T @ left.parity, cr)  # c†_{i,s} c_{i+1,s}
        out += forward + forward.conj().T
    return out
