"""verify.models: sites, terms with Jordan–Wigner strings, chain-model validation, the model kinds.

Independent routes: the operator algebra (canonical anticommutation, spin commutators and Casimir)
checked from the matrices themselves; bond terms against global Jordan–Wigner operators built from
Pauli strings on a register of modes; the XXZ chain against its textbook form with S = σ/2.
"""

from __future__ import annotations

import dataclasses
from functools import reduce

import numpy as np
import pytest

from states.conventions import IDENTITY_2, PAULI_X, PAULI_Y, PAULI_Z
from verify.models import (
    MODEL_KINDS,
    Bond,
    ChainModel,
    OnSite,
    PairOnRing,
    PRXChain,
    XXZChain,
    as_chain,
    bond_matrix,
    fermion_site,
    model_from_dict,
    product_site,
    spin_site,
)

EXACT = 1e-14
"""The site operators are built from 0, ±1, ±i and square roots: identities hold to a few ε."""


def anticommutator(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b + b @ a


# ----------------------------------------------------------------------------- sites
def test_fermion_site_is_two_canonical_modes_with_their_parity():
    site = fermion_site()
    c = [site.op("Cu"), site.op("Cd")]
    for a in range(2):
        for b in range(2):
            assert np.allclose(anticommutator(c[a], c[b].conj().T), np.eye(4) * (a == b), atol=EXACT)
            assert np.allclose(anticommutator(c[a], c[b]), 0, atol=EXACT)
    assert np.allclose(site.op("N"), c[0].conj().T @ c[0] + c[1].conj().T @ c[1], atol=EXACT)
    assert np.allclose(site.op("F"), np.diag((-1.0) ** np.diagonal(site.op("N")).real), atol=EXACT)
    assert site.parity_of("Cu") == site.parity_of("Cdd") == -1 and site.parity_of("N") == site.parity_of("sx") == 1
    # electron spin in Pauli units: s^z = n_↑ − n_↓, and the su(2) algebra [s^x, s^y] = 2i s^z
    assert np.allclose(site.op("sz"), site.op("Nu") - site.op("Nd"), atol=EXACT)
    assert np.allclose(site.op("sx sy") - site.op("sy sx"), 2j * site.op("sz"), atol=EXACT)
    assert site.charges["N"].tolist() == [0, 1, 1, 2] and site.charges["2Sz"].tolist() == [0, 1, -1, 0]


@pytest.mark.parametrize("two_s", [1, 2, 3])
def test_spin_site_in_pauli_units(two_s: int):
    site = spin_site(two_s)
    x, y, z = (site.op(f"S{a}") for a in "xyz")
    s = two_s / 2
    assert np.allclose(x @ y - y @ x, 2j * z, atol=EXACT)  # [2S^x, 2S^y] = 2i (2S^z)
    assert np.allclose(x @ x + y @ y + z @ z, 4 * s * (s + 1) * np.eye(two_s + 1), atol=1e-13)
    assert np.allclose(np.diagonal(z).real, site.charges["2Sz"])
    assert site.dim == two_s + 1 and site.spin_factor == two_s and not site.fermionic
    if two_s == 1:
        assert all(np.array_equal(a, b) for a, b in zip((x, y, z), (PAULI_X, PAULI_Y, PAULI_Z), strict=True))


def test_product_site_keeps_both_factors_and_the_fermion_parity():
    fm = product_site(fermion_site(), spin_site(1))
    assert fm.dim == 8 and fm.factor_dims() == (4, 2) and fm.fermion_modes == ("Cu", "Cd")
    assert np.allclose(fm.op("sz Sz"), np.kron(fermion_site().op("sz"), PAULI_Z), atol=EXACT)
    assert np.allclose(fm.op("F"), np.kron(fermion_site().op("F"), IDENTITY_2), atol=EXACT)
    assert fm.charges["2Sz"].tolist() == [1, -1, 2, 0, 0, -2, 1, -1]
    with pytest.raises(ValueError, match="both factors"):
        product_site(spin_site(1), spin_site(2))  # two spins: the names Sx, Sy, … would collide
    with pytest.raises(ValueError, match="only the first factor"):
        product_site(spin_site(1), fermion_site())
    with pytest.raises(ValueError, match="no operator 'Q'"):
        fm.op("Q")
    with pytest.raises(TypeError):
        fm.op(3)


# ----------------------------------------------------------------------------- Jordan–Wigner
def register_annihilator(n_modes: int, mode: int) -> np.ndarray:
    """c_m on a register of modes (first mode most significant): Z ⊗ … ⊗ Z ⊗ a ⊗ 1 ⊗ …"""
    factors = [PAULI_Z] * mode + [np.array([[0, 1], [0, 0]], dtype=complex)] + [IDENTITY_2] * (n_modes - mode - 1)
    return reduce(np.kron, factors)


def site_to_register() -> np.ndarray:
    """Permutation from the product of two fermion-site bases to the 4-mode register (n_↑ n_↓ bits)."""
    bits = {0: (0, 0), 1: (1, 0), 2: (0, 1), 3: (1, 1)}  # site index → (n_↑, n_↓), states.conventions
    perm = np.zeros((16, 16))
    for a in range(4):
        for b in range(4):
            (u1, d1), (u2, d2) = bits[a], bits[b]
            perm[((u1 * 2 + d1) * 2 + u2) * 2 + d2, a * 4 + b] = 1.0
    return perm


@pytest.mark.parametrize(("create", "annihilate", "mode_a", "mode_b"), [("Cdu", "Cu", 0, 2), ("Cdd", "Cd", 1, 3)])
def test_bond_hopping_gets_its_string_from_the_sites(create, annihilate, mode_a, mode_b):
    site = fermion_site()
    got = bond_matrix(site, site, Bond(0, create, annihilate, 1.0))
    c = [register_annihilator(4, m) for m in range(4)]
    want = c[mode_a].conj().T @ c[mode_b]  # c†_{1,s} c_{2,s} with the global string
    perm = site_to_register()
    assert np.allclose(perm @ got @ perm.T, want, atol=EXACT)
    hc = bond_matrix(site, site, Bond(0, create, annihilate, 1.0, plus_hc=True))
    assert np.allclose(perm @ hc @ perm.T, want + want.conj().T, atol=EXACT)


def test_bond_with_one_odd_factor_is_refused():
    site = fermion_site()
    with pytest.raises(ValueError, match="fermion parity"):
        bond_matrix(site, site, Bond(0, "Cu", "N"))


# ----------------------------------------------------------------------------- chain models
def two_site_model(**changes) -> ChainModel:
    site = spin_site(1)
    base = dict(
        kind="test", params={"model": "test"}, sites=(site, site), onsite=(), bonds=(Bond(0, "Sp", "Sm", 1.0, True),),
        conserved=("2Sz",), sector={"2Sz": 0}, initial=XXZChain(n_sites=2).chain().initial,
        observables=XXZChain(n_sites=2).chain().observables, cut=1,
    )
    return ChainModel(**{**base, **changes})


def test_chain_model_validation():
    assert two_site_model().n_sites == 2
    with pytest.raises(ValueError, match="not Hermitian"):
        two_site_model(bonds=(Bond(0, "Sp", "Sm", 1.0),))  # the H.c. is missing
    with pytest.raises(ValueError, match="does not conserve the charge '2Sz'"):
        two_site_model(onsite=(OnSite(0, "Sx", 1.0),))
    with pytest.raises(ValueError, match="reaches site 2"):
        two_site_model(bonds=(Bond(1, "Sz", "Sz", 1.0),))
    with pytest.raises(ValueError, match="not among the conserved"):
        two_site_model(sector={"N": 0})
    with pytest.raises(ValueError, match="no operator"):
        two_site_model(onsite=(OnSite(0, "Cu", 1.0),))


def test_preparation_may_break_charges_outside_the_sector():
    """The noncollinear PRX field (s^x on the well) breaks 2S^z: allowed in H_prep because the sector
    fixes only N, refused in H."""
    chain = PRXChain(n_sites=4, n_left=2, n_fm=1, n_conf=2, n_e=1, polarization="x").chain()
    assert chain.sector == {"N": 1} and set(chain.conserved) == {"N", "2Sz"}
    with pytest.raises(ValueError, match="does not conserve"):
        dataclasses.replace(chain, onsite=(*chain.onsite, OnSite(0, "sx", 1.0)))


def test_bond_hamiltonians_sum_to_the_terms():
    """Σ_b h_b (on-site terms folded in) equals the bond terms plus every on-site term once."""
    chain = PRXChain(n_sites=4, n_left=1, n_fm=2, n_conf=1, n_e=1, j_sd=0.7).chain()
    dims = chain.dims

    def embed(matrix: np.ndarray, first: int, width: int) -> np.ndarray:
        left, right = np.eye(int(np.prod(dims[:first]))), np.eye(int(np.prod(dims[first + width :])))
        return np.kron(np.kron(left, matrix), right)

    for prep in (False, True):
        folded = sum(embed(h, b, 2) for b, h in enumerate(chain.bond_hamiltonians(preparation=prep)))
        direct = sum(embed(h, b, 2) for b, h in enumerate(chain.bond_matrices(preparation=prep)))
        direct = direct + sum(embed(h, i, 1) for i, h in enumerate(chain.onsite_matrices(preparation=prep)))
        assert np.allclose(folded, direct, atol=1e-12)


def test_xxz_chain_is_tenpys_hamiltonian():
    """H = Σ J_xx (S^xS^x + S^yS^y) + J_z S^zS^z − h_z Σ S^z with S = σ/2, written out with np.kron."""
    model = XXZChain(n_sites=4, j_xx=0.7, j_z=-1.3, h_z=0.4)
    s = [p / 2 for p in (PAULI_X, PAULI_Y, PAULI_Z)]

    def op(matrix: np.ndarray, i: int) -> np.ndarray:
        return reduce(np.kron, [matrix if k == i else IDENTITY_2 for k in range(4)])

    flip = sum(op(s[0], i) @ op(s[0], i + 1) + op(s[1], i) @ op(s[1], i + 1) for i in range(3))
    ising = sum(op(s[2], i) @ op(s[2], i + 1) for i in range(3))
    want = model.j_xx * flip + model.j_z * ising - model.h_z * sum(op(s[2], i) for i in range(4))
    chain = model.chain()
    got = sum(
        np.kron(np.kron(np.eye(2**b), h), np.eye(2 ** (2 - b))) for b, h in enumerate(chain.bond_hamiltonians())
    )
    assert np.allclose(got, want, atol=EXACT)
    assert chain.sector == {"2Sz": 0} and XXZChain(n_sites=3, initial="uud").chain().sector == {"2Sz": 1}


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        (dict(n_sites=4, initial="uxdd"), ValueError),
        (dict(n_sites=4, initial="udu"), ValueError),
        (dict(n_sites=1), ValueError),
        (dict(n_sites=4.0), TypeError),
        (dict(n_sites=True), TypeError),
        (dict(j_xx=float("nan")), ValueError),
        (dict(j_z="1"), TypeError),
        (dict(initial=3), TypeError),
    ],
)
def test_xxz_parameters_are_validated(kwargs, error):
    with pytest.raises(error):
        XXZChain(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(localized_spin=0.7), ValueError, "half-integer"),
        (dict(localized_spin="one"), TypeError, "half-integer"),
        (dict(spin_normalization="spin"), ValueError, "spin_normalization"),
        (dict(n_sites=np.int64(75)), None, None),
        (dict(localized_spin="3/2"), None, None),
        (dict(chi_max=3), TypeError, None),
    ],
)
def test_prx_parameters_are_validated(kwargs, error, match):
    if error is None:
        model = PRXChain(**kwargs)
        assert isinstance(model.n_sites, int) and model.to_dict()["n_sites"] == model.n_sites
        return
    with pytest.raises(error, match=match):
        PRXChain(**kwargs)


def test_spin_one_prx_sites_and_sector():
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, localized_spin=1)
    chain = model.chain()
    assert chain.dims == (4, 4, 12, 12, 4, 4)
    assert chain.sector == {"N": 2, "2Sz": 2 - 2 * 2}  # electrons ↑, localized spins at m = −1
    guess = chain.initial.guess.background.vectors[2]
    assert guess[2] == 1.0 and np.count_nonzero(guess) == 1  # |0⟩ ⊗ |m = −1⟩ is index 2 of 12


@pytest.mark.parametrize("kind", sorted(MODEL_KINDS))
def test_every_kind_round_trips_through_its_dict(kind):
    model = MODEL_KINDS[kind]()
    assert model_from_dict(model.to_dict()) == model
    with pytest.raises(ValueError, match="no parameter"):
        model_from_dict({**model.to_dict(), "bogus": 1})
    if kind == "pair":
        with pytest.raises(TypeError, match="chain model"):
            as_chain(PairOnRing())
    else:
        assert as_chain(model) is model.chain()
    with pytest.raises(ValueError, match="unknown model kind"):
        model_from_dict({"model": "ising"})


def test_observables_are_validated_against_the_sites():
    spins = XXZChain(n_sites=2).chain().observables
    with pytest.raises(ValueError, match=r"site must be an integer in 0\.\.1"):
        two_site_model(observables=dataclasses.replace(spins, site={"q": ("Sz", (0, 5))}))
    with pytest.raises(ValueError, match="no operator 'Cu'"):
        two_site_model(observables=dataclasses.replace(spins, site={"q": ("Cu", (0, 1))}))
    with pytest.raises(ValueError, match="written by every run"):
        two_site_model(observables=dataclasses.replace(spins, site={"energy": ("Sz", (0, 1))}))
    with pytest.raises(ValueError, match="no factor 'electron'"):
        two_site_model(observables=dataclasses.replace(spins, rdms={"r": ((0, "electron"),)}))
    with pytest.raises(ValueError, match="ascending"):
        two_site_model(observables=dataclasses.replace(spins, rdms={"r": ((1, "spin"), (0, "spin"))}))
    with pytest.raises(ValueError, match="declare the record keys"):
        two_site_model(observables=dataclasses.replace(spins, frame=lambda model, m: {}))


def test_fermion_factors_of_non_adjacent_sites_have_no_local_rdm():
    """The Jordan–Wigner image of ρ over fermion modes of sites with others between them is not the
    fermionic reduced density matrix: such an RDM is refused; adjacent ones and localized spins are fine."""
    chain = PRXChain(n_sites=4, n_left=1, n_fm=2, n_conf=1, n_e=1).chain()
    with pytest.raises(ValueError, match="non-adjacent"):
        dataclasses.replace(chain, observables=dataclasses.replace(
            chain.observables, rdms={**chain.observables.rdms, "far": ((0, "electron"), (2, "electron"))}))
    dataclasses.replace(chain, observables=dataclasses.replace(
        chain.observables, rdms={**chain.observables.rdms, "near": ((0, "electron"), (1, "electron"))}))


def test_conserved_charges_and_sector_values():
    with pytest.raises(ValueError, match="carried by no site"):
        two_site_model(conserved=("2Sz", "N"))
    with pytest.raises(TypeError, match="sector charge '2Sz' must be an integer"):
        two_site_model(sector={"2Sz": 0.5})
