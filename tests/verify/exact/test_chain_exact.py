"""The exact evolver for chain models beyond the papers, against independent dense constructions.

* the XXZ chain (TeNPy's H with S = σ/2) written out with ``np.kron`` and evolved with ``scipy``'s
  ``expm``: observables, energy and half-chain entropy of the Chebyshev run;
* the PRX chain with one electron and localized spins S = 1, 3/2 in both spin normalizations,
  first quantized on (site ⊗ electron spin ⊗ localized spins): spectra of H and H + H_VB;
* the sector Hamiltonian of a spinful fermion chain with random hoppings against the Fock bit-string
  route (:mod:`verify.exact.fock`, Jordan–Wigner signs by bit counting) for two and three electrons.
"""

from __future__ import annotations

from functools import reduce

import numpy as np
import pytest
import scipy.linalg as sla

import entanglement
from states.conventions import IDENTITY_2, PAULI_X, PAULI_Y, PAULI_Z, spin_s_operators
from verify.exact import SectorBasis, sector_hamiltonian
from verify.exact.fock import FermionSector, one_body_operator, spinful_mode
from verify.models import (
    Bond,
    ChainModel,
    Observables,
    PRXChain,
    XXZChain,
    fermion_site,
    product_state_from_labels,
)
from verify.records import simulate_exact

SPECTRUM_ATOL = 1e-10
"""eigh of matrices with ‖H‖ ≲ 500 (fields 100) and dim ≤ 600: backward error ~dim·ε·‖H‖ ≈ 1e-11."""
OBSERVABLE_ATOL = 1e-10
"""Chebyshev run (1e-12 per window, a few windows) against dense expm (~1e-13): quadratic forms agree
far below 1e-10; a sign or ordering error is O(1)."""


def kron_all(factors: list[np.ndarray]) -> np.ndarray:
    return reduce(np.kron, factors)


def xxz_dense(model: XXZChain) -> tuple[np.ndarray, list[np.ndarray]]:
    """H of TeNPy's XXZ chain (S = σ/2) and the σ^z_i, on 2^L states, first spin most significant."""
    n = model.n_sites
    spin = [p / 2 for p in (PAULI_X, PAULI_Y, PAULI_Z)]

    def op(matrix: np.ndarray, i: int) -> np.ndarray:
        return kron_all([matrix if k == i else IDENTITY_2 for k in range(n)])

    h = sum(
        model.j_xx * (op(spin[0], i) @ op(spin[0], i + 1) + op(spin[1], i) @ op(spin[1], i + 1))
        + model.j_z * op(spin[2], i) @ op(spin[2], i + 1)
        for i in range(n - 1)
    ) - model.h_z * sum(op(spin[2], i) for i in range(n))
    return h, [op(PAULI_Z, i) for i in range(n)]


@pytest.mark.parametrize(
    "model",
    [
        XXZChain(n_sites=8, j_xx=1.0, j_z=0.5, h_z=0.2, initial="neel"),
        XXZChain(n_sites=7, j_xx=0.8, j_z=-1.2, h_z=0.0, initial="domain-wall"),
        XXZChain(n_sites=6, j_xx=1.0, j_z=1.0, h_z=0.3, initial="uuddud"),
    ],
)
def test_xxz_exact_run_matches_dense_expm(model: XXZChain) -> None:
    run = simulate_exact(model, t_max=3.0, dt_out=0.5)
    h, sigma_z = xxz_dense(model)
    labels = model.spin_labels()
    psi0 = kron_all([np.array([1.0, 0.0]) if c == "u" else np.array([0.0, 1.0]) for c in labels]).astype(complex)
    cut = run.meta["cut"]
    for k, t in enumerate(run.arrays["t"]):
        psi = sla.expm(-1j * t * h) @ psi0
        want = [np.vdot(psi, z @ psi).real for z in sigma_z]
        np.testing.assert_allclose(run.arrays["spin_z"][k], want, atol=OBSERVABLE_ATOL)
        assert abs(run.arrays["energy"][k] - np.vdot(psi, h @ psi).real) < OBSERVABLE_ATOL
        entropy = entanglement.entanglement_entropy(psi, list(range(cut)), dims=[2] * model.n_sites)
        assert abs(run.arrays["entropy_cut"][k] - entropy) < OBSERVABLE_ATOL
    assert np.ptp(run.arrays["spin_z"][:, 0]) > 1e-2 or labels[0] == labels[1]  # something moved


def prx_single_electron_dense(model: PRXChain) -> tuple[np.ndarray, np.ndarray]:
    """H and H_VB for N_e = 1 on (site ⊗ electron spin ⊗ localized spins S), first quantized.

    The localized-spin operators are 2S^α ("pauli") or S^α ("half"), as :class:`PRXChain` documents.
    """
    n, nfm, d = model.n_sites, model.n_fm, model.two_s + 1
    scale = 2.0 if model.spin_normalization == "pauli" else 1.0
    big_s = [scale * m for m in spin_s_operators(model.two_s, "half")]
    eye_spins = np.eye(d**nfm)

    def spin_op(matrix: np.ndarray, q: int) -> np.ndarray:
        return kron_all([matrix if k == q else np.eye(d) for k in range(nfm)])

    hop = np.zeros((n, n))
    for i in range(n - 1):
        hop[i, i + 1] = hop[i + 1, i] = -model.hopping
    proj = [np.diag(np.eye(n)[i]) for i in range(n)]
    h = np.kron(np.kron(hop, IDENTITY_2), eye_spins).astype(complex)
    for q in range(nfm - 1):
        pair = model.j_z * spin_op(big_s[2], q) @ spin_op(big_s[2], q + 1) + model.j_xy * sum(
            spin_op(big_s[a], q) @ spin_op(big_s[a], q + 1) for a in (0, 1)
        )
        h -= np.kron(np.eye(2 * n), pair)
    for q in range(nfm):
        for a, pauli in enumerate((PAULI_X, PAULI_Y, PAULI_Z)):
            h -= model.j_sd * np.kron(np.kron(proj[model.n_left + q], pauli), spin_op(big_s[a], q))
    pol = PAULI_Z if model.collinear else PAULI_X
    hvb = np.zeros_like(h)
    for i in range(model.n_conf):
        hvb -= model.confinement * np.kron(np.kron(proj[i], IDENTITY_2), eye_spins)
        hvb -= model.field * np.kron(np.kron(proj[i], pol), eye_spins)
    for q in range(nfm):
        hvb += model.field * np.kron(np.eye(2 * n), spin_op(big_s[2], q))
    return h, hvb


@pytest.mark.parametrize("spin", [1, 1.5])
@pytest.mark.parametrize("normalization", ["pauli", "half"])
@pytest.mark.parametrize("polarization", ["z", "x"])
def test_spin_s_prx_spectra_match_dense_construction(spin, normalization, polarization) -> None:
    model = PRXChain(n_sites=4, n_left=1, n_fm=2, n_conf=1, n_e=1, localized_spin=spin, j_sd=-0.7, j_xy=0.3,
                     j_z=0.2, spin_normalization=normalization, polarization=polarization)
    h_dense, hvb_dense = prx_single_electron_dense(model)
    if model.collinear:  # the sector 2S^z = 1 − 2S·N_FM: electron ↑ and every localized spin at m = −S
        two_sz = np.kron(np.kron(np.eye(model.n_sites), PAULI_Z), np.eye((model.two_s + 1) ** model.n_fm))
        m = np.diag(spin_s_operators(model.two_s, "pauli")[2]).real
        two_sz = two_sz + np.kron(np.eye(2 * model.n_sites), np.diag(np.add.outer(m, m).ravel()))
        keep = np.flatnonzero(np.isclose(np.diag(two_sz).real, 1 - model.two_s * model.n_fm))
        h_dense, hvb_dense = h_dense[np.ix_(keep, keep)], hvb_dense[np.ix_(keep, keep)]
    basis = SectorBasis.build(model)
    h = sector_hamiltonian(basis).toarray()
    h_total = sector_hamiltonian(basis, preparation=True).toarray()
    assert h.shape == h_dense.shape
    np.testing.assert_allclose(np.linalg.eigvalsh(h), np.linalg.eigvalsh(h_dense), atol=SPECTRUM_ATOL)
    np.testing.assert_allclose(np.linalg.eigvalsh(h_total), np.linalg.eigvalsh(h_dense + hvb_dense), atol=SPECTRUM_ATOL)


def hopping_chain(hoppings: np.ndarray, n_e: int) -> ChainModel:
    """Spinful fermions with bond-dependent hoppings t_b (both spins), sector N = n_e."""
    sites = (fermion_site(),) * (len(hoppings) + 1)
    pairs = (("Cdu", "Cu"), ("Cdd", "Cd"))
    bonds = tuple(Bond(b, c, a, -t, plus_hc=True) for b, t in enumerate(hoppings) for c, a in pairs)
    labels = ["↑↓"] * (n_e // 2) + ["↑"] * (n_e % 2) + ["0"] * (len(sites) - n_e // 2 - n_e % 2)
    return ChainModel(
        kind="hopping", params={"model": "hopping"}, sites=sites, onsite=(), bonds=bonds, conserved=("N",),
        sector={"N": n_e}, initial=product_state_from_labels(sites, labels),
        observables=Observables(site={"density": ("N", tuple(range(len(sites))))}), cut=1,
    )


@pytest.mark.parametrize("n_e", [2, 3])
def test_fermion_signs_agree_with_the_fock_bit_route(n_e: int) -> None:
    """Σ_b −t_b (c†_b c_{b+1} + H.c.) in the digit basis (strings from the sites) equals the Fock
    bit-string operator (signs from bit counting between modes) after mapping every state's digits
    to its occupation bits."""
    rng = np.random.default_rng(7)
    hoppings = rng.uniform(0.5, 1.5, 4)
    basis = SectorBasis.build(hopping_chain(hoppings, n_e))
    n_sites = len(hoppings) + 1
    h1 = np.zeros((2 * n_sites, 2 * n_sites))
    for b, t in enumerate(hoppings):
        for spin in (0, 1):
            i, j = spinful_mode(b, spin), spinful_mode(b + 1, spin)
            h1[i, j] = h1[j, i] = -t
    fock = FermionSector.build(2 * n_sites, n_e)
    reference = one_body_operator(fock, h1).toarray()
    # digits → occupation bits (mode 0 most significant), from the site's number operators
    n_up = np.rint(np.diagonal(fermion_site().op("Nu")).real).astype(np.int64)
    n_dn = np.rint(np.diagonal(fermion_site().op("Nd")).real).astype(np.int64)
    configs = np.zeros(basis.dim, dtype=np.uint64)
    for k in range(n_sites):
        for bits in (n_up, n_dn):
            configs = (configs << np.uint64(1)) | bits[basis.digits[k]].astype(np.uint64)
    index, found = fock.index(configs)
    assert found.all() and fock.dim == basis.dim
    got = sector_hamiltonian(basis).toarray()
    np.testing.assert_allclose(got, reference[np.ix_(index, index)], atol=1e-14)
