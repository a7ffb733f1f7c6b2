"""verify.mps.measures against dense states (entanglement, explicit operators), free fermions and TeNPy.

Tolerance 1e-10 throughout (the issue's): the MPS routes and the dense ones differ by round-off of
contractions of at most 12 sites (≲ 1e-13 measured); the TeNPy comparisons see round-off of two
independent canonicalizations.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import entanglement
from verify.models import PRXChain
from verify.mps import (
    MAX_MI_DIM,
    MPS,
    correlation_function,
    entanglement_entropy,
    expectation_value,
    mutual_information,
    to_charged_mps,
)
from verify.tebd import initial_mps, tensor_backend

ATOL = 1e-10
DIMS = [2, 3, 2, 2, 3, 2, 2, 2, 3, 2]  # mixed local dimensions, 10 sites


def random_state(dims: list[int], chi: int, seed: int) -> tuple[MPS, np.ndarray]:
    """A random normalized MPS of bond dimension ≤ chi (no canonical form) and its dense vector."""
    rng = np.random.default_rng(seed)
    bonds = [1] + [min(chi, math.prod(dims[:i]), math.prod(dims[i:])) for i in range(1, len(dims))] + [1]
    tensors = [rng.normal(size=(bonds[i], d, bonds[i + 1])) + 1j * rng.normal(size=(bonds[i], d, bonds[i + 1]))
               for i, d in enumerate(dims)]
    mps = MPS(tensors)
    scale = mps.norm()
    mps.tensors[0] = mps.tensors[0] / scale
    return mps, mps.to_dense()


def apply_local(psi: np.ndarray, op: np.ndarray, site: int, dims: list[int]) -> np.ndarray:
    """op acting on ``site`` of a dense state (first site most significant), without a (D, D) matrix."""
    out = np.tensordot(op, np.asarray(psi).reshape(dims), axes=([1], [site]))
    return np.moveaxis(out, 0, site).reshape(-1)


def random_hermitian(d: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    return a + a.conj().T


@pytest.fixture(scope="module")
def state() -> tuple[MPS, np.ndarray]:
    return random_state(DIMS, chi=6, seed=3)


@pytest.mark.parametrize("alpha", [1, 2, 0.5, np.inf, 0])
def test_entanglement_entropy_at_every_bond_equals_dense(state, alpha) -> None:
    mps, psi = state
    got = entanglement_entropy(mps, alpha=alpha, base=2)
    for b in range(len(DIMS) - 1):
        left = math.prod(DIMS[: b + 1]) <= math.prod(DIMS[b + 1 :])  # the smaller side: the same spectrum
        rho = entanglement.partial_trace(psi, list(range(b + 1)) if left else list(range(b + 1, len(DIMS))), DIMS)
        want = entanglement.renyi_entropy(rho, alpha, base=2)
        assert got[b] == pytest.approx(want, abs=ATOL)
    assert np.allclose(entanglement_entropy(mps), [entanglement.entanglement_entropy(psi, list(range(b + 1)), DIMS)
                                                   for b in range(len(DIMS) - 1)], atol=ATOL)


def test_mutual_information_of_sites_blocks_and_factors_equals_dense(state) -> None:
    mps, psi = state
    for i, j in [(0, 1), (2, 7), (0, 9), (4, 8)]:
        want = entanglement.mutual_information(psi, [i], [j], DIMS)
        assert mutual_information(mps, i, j) == pytest.approx(want, abs=ATOL)
        assert mutual_information(mps, j, i) == pytest.approx(want, abs=ATOL)  # symmetric
    blocks = ([0, 1, 2], [5, 6]), ([3, 4], [6, 7, 8]), ([1], range(7, 10))
    for a, b in blocks:
        want = entanglement.mutual_information(psi, list(a), list(b), DIMS)
        assert mutual_information(mps, a, b, base=2) == pytest.approx(want / math.log(2), abs=ATOL)
    # a site of two factors (2 ⊗ 2): its second factor against site 0, the first factor traced out
    dims = [2, 4, 3, 2]
    fmps, fpsi = random_state(dims, chi=4, seed=8)
    want = entanglement.mutual_information(fpsi, [0], [2], [2, 2, 2, 3, 2])
    assert mutual_information(fmps, 0, 1, factors={1: ((2, 2), (1,))}) == pytest.approx(want, abs=ATOL)
    want = entanglement.mutual_information(fpsi, [1], [3, 4], [2, 2, 2, 3, 2])
    assert mutual_information(fmps, 1, [2, 3], factors={1: ((2, 2), (0,))}) == pytest.approx(want, abs=ATOL)


def test_mutual_information_refuses_bad_sets(state) -> None:
    mps, _ = state
    with pytest.raises(ValueError, match="disjoint"):
        mutual_information(mps, [1, 2], [2, 3])
    with pytest.raises(ValueError, match="sites"):
        mutual_information(mps, [], [3])
    with pytest.raises(ValueError, match=r"0\.\.9"):
        mutual_information(mps, 0, 10)
    with pytest.raises(TypeError, match="sites"):
        mutual_information(mps, "0", 1)
    big = MPS.product_state([np.ones(4)] * 8)
    assert MAX_MI_DIM == 1024
    assert mutual_information(big, [0], [5, 6, 7]) == pytest.approx(0.0, abs=ATOL)  # product state
    with pytest.raises(ValueError, match="MAX_MI_DIM"):
        mutual_information(big, [0, 1, 2], [5, 6, 7])  # 4^6
    with pytest.raises(TypeError, match="MPS"):
        entanglement_entropy(np.zeros(4))


def test_expectation_values_and_correlations_equal_explicit_operators(state) -> None:
    mps, psi = state
    rng = np.random.default_rng(11)
    sites = [1, 4, 8]  # d = 3
    op = random_hermitian(3, rng)
    got = expectation_value(mps, op, sites)
    assert got.dtype == float
    want = [np.vdot(psi, apply_local(psi, op, i, DIMS)).real for i in sites]
    np.testing.assert_allclose(got, want, atol=ATOL)
    a2, b2 = (rng.normal(size=(2, 2)) + 1j * rng.normal(size=(2, 2)) for _ in range(2))
    strings = [rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d)) for d in DIMS]  # one per site
    two = [i for i, d in enumerate(DIMS) if d == 2]
    for string in (None, strings):
        for on_first in (True, False):
            c = correlation_function(mps, a2, b2, two, two[::-1], string=string, string_on_first=on_first)
            for x, i in enumerate(two):
                for y, j in enumerate(two[::-1]):
                    assert c[x, y] == pytest.approx(_dense_correlation(psi, a2, b2, string, on_first, i, j), abs=ATOL)
    connected = correlation_function(mps, a2, b2, [0, 5, 9], [2, 9, 0], connected=True)
    for x, i in enumerate([0, 5, 9]):  # ⟨A_i B_j⟩ − ⟨A_i⟩⟨B_j⟩ of the dense state, non-Hermitian A, B; i = j too
        for y, j in enumerate([2, 9, 0]):
            ev_a, ev_b = (np.vdot(psi, apply_local(psi, op_, k, DIMS)) for op_, k in ((a2, i), (b2, j)))
            want = _dense_correlation(psi, a2, b2, None, True, i, j) - ev_a * ev_b
            assert connected[x, y] == pytest.approx(want, abs=ATOL)
    np.testing.assert_allclose(expectation_value(mps, a2, [0, 5]),
                               [np.vdot(psi, apply_local(psi, a2, k, DIMS)) for k in (0, 5)], atol=ATOL)


def _dense_correlation(psi, a, b, string, on_first: bool, i: int, j: int) -> complex:
    """⟨A_i (strings) B_j⟩ by explicit operators: TeNPy's opstr convention."""
    if i == j:
        return complex(np.vdot(psi, apply_local(psi, a @ b, i, DIMS)))
    ops = {i: a, j: b}
    if string is not None:
        low, high = min(i, j), max(i, j)
        for k in range(low if on_first else low + 1, high):
            if k == i:  # A_i S_i: the string acts first
                ops[k] = a @ string[k]
            elif k == j:  # S_j B_j: the string acts after B
                ops[k] = string[k] @ b
            else:
                ops[k] = string[k]
    phi = psi
    for k, op in ops.items():
        phi = apply_local(phi, op, k, DIMS)
    return complex(np.vdot(psi, phi))


def test_fermion_hopping_correlations_of_a_slater_determinant_with_charges() -> None:
    """⟨c†_{i↑} c_{j↑}⟩ of the PRX initial state (the Slater determinant of the N_e lowest orbitals
    φ_k, all ↑) is the one-body density matrix Σ_k φ_k(i) φ_k(j) — only with the Jordan–Wigner string
    "F" between the sites; lead and FM sites mixed, block-sparse tensors."""
    model = PRXChain(n_sites=12, n_left=4, n_fm=3, n_conf=4, n_e=3, confinement=1.0, field=1.0)
    chain = model.chain()
    mps, _ = initial_mps(chain)
    charged = to_charged_mps(mps, *tensor_backend(chain, "charges"))
    from verify.models.prx import single_particle_orbitals

    _, orbitals = single_particle_orbitals(model)
    one_body = orbitals[:, : model.n_e] @ orbitals[:, : model.n_e].T
    got = correlation_function(charged, "Cdu", "Cu", string="F", local_sites=chain)
    np.testing.assert_allclose(got, one_body, atol=ATOL)
    down = correlation_function(charged, "Cdd", "Cd", [0, 5], [2, 11], string="F", local_sites=chain.sites)
    np.testing.assert_allclose(down, 0.0, atol=ATOL)
    np.testing.assert_allclose(expectation_value(charged, "N", local_sites=chain), np.diag(one_body), atol=ATOL)
    np.testing.assert_allclose(expectation_value(charged, "Sz", list(model.fm_sites), local_sites=chain), -1.0,
                               atol=ATOL)
    fm = list(model.fm_sites)  # spin operators exist on the FM sites only: the lead sites are not asked
    np.testing.assert_allclose(correlation_function(charged, "Sz", "Sz", fm, fm, local_sites=chain), 1.0, atol=ATOL)
    np.testing.assert_allclose(correlation_function(charged, "Sz", "Sz", fm, fm, connected=True, local_sites=chain),
                               0.0, atol=ATOL)  # the localized spins are a product state, all down
    with pytest.raises(ValueError, match="string='F'"):
        correlation_function(charged, "Cdu", "Cu", local_sites=chain)
    with pytest.raises(ValueError, match="no operator 'Sz'"):
        correlation_function(charged, "Sz", "Sz", [0], fm, local_sites=chain)  # a lead site has no Sz
    with pytest.raises(ValueError, match="local_sites"):
        expectation_value(charged, "N")
    with pytest.raises(ValueError, match="connected"):
        correlation_function(charged, "Cdu", "Cu", string="F", connected=True, local_sites=chain)
    with pytest.raises(ValueError, match="dimension"):
        expectation_value(charged, np.eye(4), [model.n_left])  # an FM site has d = 8
    with pytest.raises(TypeError, match="local_sites"):
        expectation_value(charged, "N", local_sites=model)  # parameters, not the chain: sites() is a method


# ---------------------------------------------------------------------------------------------- TeNPy


def _tenpy_state(sites: list, seed: int):
    npc = pytest.importorskip("tenpy.linalg.np_conserved")
    from tenpy.networks.mps import MPS as TenpyMPS

    dims = [site.dim for site in sites]
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=math.prod(dims)) + 1j * rng.normal(size=math.prod(dims))
    psi /= np.linalg.norm(psi)
    full = npc.Array.from_ndarray_trivial(psi.reshape(dims), labels=[f"p{i}" for i in range(len(sites))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TeNPy's unit_cell_width deprecation notice
        return TenpyMPS.from_full(sites, full)


def test_measures_equal_tenpy_on_a_tenpy_mps() -> None:
    """TeNPy's own entanglement_entropy (n = 1, 2), mutinf_two_site and correlation_function (spin
    operators, and fermion operators with TeNPy's automatic Jordan–Wigner strings) on a random TeNPy
    MPS of spins-1/2 and spinless fermions, read with verify.interop.from_tenpy_mps (TeNPy's basis)."""
    pytest.importorskip("tenpy")
    from tenpy.networks.site import FermionSite, SpinHalfSite

    from verify.interop import from_tenpy_mps, tenpy_site_operators

    sites = [SpinHalfSite(conserve=None), FermionSite(conserve=None)] * 4 + [SpinHalfSite(conserve=None)]
    psi = _tenpy_state(sites, seed=5)
    ours = from_tenpy_mps(psi)
    np.testing.assert_allclose(entanglement_entropy(ours), psi.entanglement_entropy(), atol=ATOL)
    np.testing.assert_allclose(entanglement_entropy(ours, alpha=2), psi.entanglement_entropy(n=2), atol=ATOL)
    coords, mutinf = psi.mutinf_two_site()
    for (i, j), value in zip(coords, mutinf, strict=True):
        assert mutual_information(ours, int(i), int(j)) == pytest.approx(value, abs=ATOL)
    spins = [i for i, s in enumerate(sites) if isinstance(s, SpinHalfSite)]
    fermions = [i for i, s in enumerate(sites) if isinstance(s, FermionSite)]
    sz, sp = (sites[0].get_op(name).to_ndarray() for name in ("Sz", "Sp"))
    np.testing.assert_allclose(correlation_function(ours, sz, sp, spins, spins),
                               psi.correlation_function("Sz", "Sp", spins, spins), atol=ATOL)
    np.testing.assert_allclose(expectation_value(ours, sz, spins), psi.expectation_value("Sz", spins), atol=ATOL)
    cd, c = (sites[1].get_op(name).to_ndarray() for name in ("Cd", "C"))
    jw = [site.get_op("JW").to_ndarray() for site in sites]  # identity on the spin sites
    theirs = psi.correlation_function("Cd", "C", fermions, fermions)  # TeNPy inserts "JW" itself
    np.testing.assert_allclose(correlation_function(ours, cd, c, fermions, fermions, string=jw), theirs, atol=ATOL)
    named = tenpy_site_operators(psi)  # TeNPy's own operator names, TeNPy's basis (no labels)
    np.testing.assert_allclose(correlation_function(ours, "Cd", "C", fermions, fermions, string="JW",
                                                    local_sites=named), theirs, atol=ATOL)
    np.testing.assert_allclose(expectation_value(ours, "Sz", spins, local_sites=named),
                               psi.expectation_value("Sz", spins), atol=ATOL)
    with pytest.raises(ValueError, match="no operator 'Sz'"):
        expectation_value(ours, "Sz", fermions, local_sites=named)


def test_measures_equal_tenpy_on_a_charge_conserving_tebd_state() -> None:
    """A TeNPy TEBD state of the XXZ chain with S^z conserved (charge-sorted basis, block-sparse npc
    arrays), read with from_tenpy_mps and labels ("up", "down"), measured with *named* operators of this
    package's XXZ sites (Pauli units: Sz = σ^z = 2 S^z_TeNPy, Sp = σ^+ = 2 S^+_TeNPy): every bond entropy
    (α = 1, 2, ∞), every two-site MI, two-block MIs from TeNPy's entanglement_entropy_segment, ⟨σ^z_i⟩,
    ⟨σ^+_i σ^-_j⟩ and the connected ⟨σ^z_i σ^z_j⟩ − ⟨σ^z_i⟩⟨σ^z_j⟩ from TeNPy's own values."""
    pytest.importorskip("tenpy")
    from tenpy.algorithms import tebd
    from tenpy.models.xxz_chain import XXZChain as TenpyXXZChain
    from tenpy.networks.mps import MPS as TenpyMPS

    from verify.interop import from_tenpy_mps, tenpy_site_operators
    from verify.models import XXZChain

    n = 10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = TenpyXXZChain({"L": n, "Jz": 0.5, "hz": 0.1, "conserve": "Sz"})
        psi = TenpyMPS.from_product_state(model.lat.mps_sites(), ["up", "down"] * (n // 2))
        tebd.TEBDEngine(psi, model, {"dt": 0.05, "N_steps": 20, "trunc_params": {"chi_max": 32, "svd_min": 1e-12}}
                        ).run()
    assert max(psi.chi) > 16 and psi.sites[0].state_labels["up"] == 1  # entangled; TeNPy's basis is (↓, ↑)
    ours = from_tenpy_mps(psi, labels=("up", "down"))
    chain = XXZChain(n_sites=n).chain()
    for alpha, tenpy_n in ((1, 1), (2, 2), (np.inf, np.inf)):
        np.testing.assert_allclose(entanglement_entropy(ours, alpha=alpha), psi.entanglement_entropy(n=tenpy_n),
                                   atol=ATOL)
    coords, mutinf = psi.mutinf_two_site()
    for (i, j), value in zip(coords, mutinf, strict=True):
        assert mutual_information(ours, int(i), int(j)) == pytest.approx(value, abs=ATOL)
    for a, b in (([2, 3], [6, 7]), ([0], [4, 5, 6]), ([1, 2], [3, 4])):
        segment = [float(psi.entanglement_entropy_segment(s, first_site=[0])[0]) for s in (a, b, sorted(a + b))]
        assert mutual_information(ours, a, b) == pytest.approx(segment[0] + segment[1] - segment[2], abs=ATOL)
    sz = psi.expectation_value("Sz")
    np.testing.assert_allclose(expectation_value(ours, "Sz", local_sites=chain), 2 * sz, atol=ATOL)
    np.testing.assert_allclose(correlation_function(ours, "Sp", "Sm", local_sites=chain),
                               4 * psi.correlation_function("Sp", "Sm"), atol=ATOL)
    connected = 4 * (psi.correlation_function("Sz", "Sz") - np.outer(sz, sz))
    np.testing.assert_allclose(correlation_function(ours, "Sz", "Sz", connected=True, local_sites=chain), connected,
                               atol=ATOL)
    assert np.max(np.abs(connected)) > 0.05  # the connected part is not trivially zero
    for labels in (None, ("up", "down")):  # TeNPy's names and normalization, in either basis order
        state, named = from_tenpy_mps(psi, labels=labels), tenpy_site_operators(psi, labels=labels)
        np.testing.assert_allclose(expectation_value(state, "Sz", local_sites=named), sz, atol=ATOL)
        np.testing.assert_allclose(correlation_function(state, "Sp", "Sm", local_sites=named),
                                   psi.correlation_function("Sp", "Sm"), atol=ATOL)
