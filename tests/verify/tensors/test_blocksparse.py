"""U(1)×U(1) block-sparse backend (verify.tensors) against dense numpy, primitive by primitive, and
the charged TEBD against the dense TEBD and the exact evolver on a small PRX instance.

Physical legs are built from the charges of the model layer's sites (fermion site, d = 4; PRX FM site
= fermion ⊗ spin 1/2, d = 8; spin 1 and spin 3/2 sites), never from a local dimension."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.linalg as sla

from verify.models import PRXChain, Site, fermion_site, product_site, spin_site
from verify.mps import to_charged_mps
from verify.records import simulate_prx_tebd
from verify.tebd import initial_mps as initial_state
from verify.tensors import DENSE, BlockSparseBackend, ChargedTensor, Leg, gram_svd

RULES = [("N", "2Sz"), ("N",), ()]  # collinear PRX chain, noncollinear, no charge (dense as one block)
SITES: dict[int, Site] = {4: fermion_site(), 8: product_site(fermion_site(), spin_site(1))}  # PRX sites by d


def physical_charges(d: int, names: tuple[str, ...]) -> np.ndarray:
    """Charges of the PRX local basis of dimension d (4: fermion site, 8: FM site), from the model layer."""
    return SITES[d].basis_charges(names)


def physical_leg(be: BlockSparseBackend, d: int) -> Leg:
    return be.physical_leg(physical_charges(d, be.charges))


def random_leg(rng: np.random.Generator, be: BlockSparseBackend, dim: int, low: int = 0, high: int = 3) -> Leg:
    return Leg(rng.integers(low, high, size=(dim, be.n_q)))


def allowed(charges: list[np.ndarray], signs: list[int]) -> np.ndarray:
    """Boolean mask of the entries obeying Σ sign·q = 0 for legs with the given charge arrays."""
    ndim = len(charges)
    n_q = charges[0].shape[1]
    mask = np.ones([c.shape[0] for c in charges], dtype=bool)
    for c in range(n_q):
        total = sum(s * q[:, c].reshape([-1 if k == i else 1 for k in range(ndim)])
                    for i, (s, q) in enumerate(zip(signs, charges, strict=True)))
        mask &= total == 0
    return mask


def random_tensor(rng: np.random.Generator, charges: list[np.ndarray], signs: list[int]) -> np.ndarray:
    shape = [c.shape[0] for c in charges]
    x = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    return x * allowed(charges, signs)


def random_theta(rng, be, chi_l=6, d1=4, d2=8, chi_r=7):
    left = random_leg(rng, be, chi_l, 0, 3)
    right = random_leg(rng, be, chi_r, 1, 5)
    p1, p2 = physical_leg(be, d1), physical_leg(be, d2)
    theta = random_tensor(rng, [left.charges, p1.charges, p2.charges, right.charges], [1, 1, 1, -1])
    return left, theta


def random_site(rng, be, left: Leg, d: int, right: Leg) -> np.ndarray:
    return random_tensor(rng, [left.charges, physical_leg(be, d).charges, right.charges], [1, 1, -1])


def legs(be: BlockSparseBackend, *dims: int) -> tuple[Leg, ...]:
    """The physical legs of PRX sites of the given dimensions."""
    return tuple(physical_leg(be, d) for d in dims)


def assert_conserving(t: ChargedTensor) -> None:
    t.check()  # every block obeys Σ sign·q = 0 and has its sectors' shape


@pytest.mark.parametrize("rule", RULES)
def test_from_dense_round_trip_and_bad_input(rule: tuple[str, ...]) -> None:
    rng = np.random.default_rng(1)
    be = BlockSparseBackend(rule)
    left, theta = random_theta(rng, be)
    t = be.from_dense(theta, physical=legs(be, 4, 8), left=left)
    assert_conserving(t)
    assert np.array_equal(be.to_dense(t), theta)
    assert be.shape(t) == theta.shape
    assert abs(be.norm(t) - np.linalg.norm(theta)) < 1e-12
    if rule:
        bad = theta.copy()
        bad[0, 0, 0, :] = 1.0  # one row feeding every column: not charge conserving
        with pytest.raises(ValueError, match="charge rule"):
            be.from_dense(bad, physical=legs(be, 4, 8), left=left)
        with pytest.raises(ValueError, match="charge rule"):
            be.gate(np.ones((32, 32)), *legs(be, 4, 8))
    with pytest.raises(ValueError, match="left-leg charges"):
        be.from_dense(theta, physical=legs(be, 4, 8))
    with pytest.raises(ValueError, match="physical legs"):
        be.from_dense(theta, left=left)
    with pytest.raises(ValueError):
        BlockSparseBackend("spin")


def test_physical_charges_follow_the_conventions() -> None:
    fm = physical_charges(8, ("N", "2Sz"))
    # FM index = 2·(electron index) + spin index, spin ↑ (+1) first
    assert fm[:, 0].tolist() == [0, 0, 1, 1, 1, 1, 2, 2]
    assert fm[:, 1].tolist() == [1, -1, 2, 0, 0, -2, 1, -1]
    assert physical_charges(4, ("N",)).ravel().tolist() == [0, 1, 1, 2]


@pytest.mark.parametrize("rule", RULES)
def test_two_site_and_absorb_match_dense(rule: tuple[str, ...]) -> None:
    rng = np.random.default_rng(2)
    be = BlockSparseBackend(rule)
    l_leg, k_leg, r_leg = random_leg(rng, be, 5), random_leg(rng, be, 6, 1, 4), random_leg(rng, be, 7, 2, 5)
    a = random_site(rng, be, l_leg, 4, k_leg)
    b = random_site(rng, be, k_leg, 8, r_leg)
    ca = be.from_dense(a, physical=legs(be, 4), left=l_leg, right=k_leg)
    cb = be.from_dense(b, physical=legs(be, 8), left=k_leg, right=r_leg)
    theta = be.two_site(ca, cb)
    assert_conserving(theta)
    assert np.allclose(be.to_dense(theta), DENSE.two_site(a, b), atol=1e-12)
    q, r = be.qr_left(ca)
    assert np.allclose(be.to_dense(be.absorb_right(q, r)), a, atol=1e-12)
    lmat, q2 = be.lq_right(cb)
    assert np.allclose(be.to_dense(be.absorb_left(lmat, q2)), b, atol=1e-12)


@pytest.mark.parametrize("rule", RULES)
def test_apply_gate_matches_dense(rule: tuple[str, ...]) -> None:
    rng = np.random.default_rng(3)
    be = BlockSparseBackend(rule)
    left, theta = random_theta(rng, be)
    p1, p2 = physical_leg(be, 4).charges, physical_leg(be, 8).charges
    h = random_tensor(rng, [p1, p2, p1, p2], [1, 1, -1, -1]).reshape(32, 32)
    g = sla.expm(-1j * (h + h.conj().T))  # unitary, charge conserving
    out = be.apply_gate(be.gate(g, *legs(be, 4, 8)), be.from_dense(theta, physical=legs(be, 4, 8), left=left))
    assert_conserving(out)
    assert np.allclose(be.to_dense(out), DENSE.apply_gate(DENSE.gate(g, 4, 8), theta), atol=1e-12)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("absorb", ["left", "right"])
@pytest.mark.parametrize(("chi_max", "trunc"), [(1000, 0.0), (9, 0.0), (1000, 1e-2), (5, 1e-3)])
def test_split_matches_dense_svd(rule: tuple[str, ...], absorb: str, chi_max: int, trunc: float) -> None:
    rng = np.random.default_rng(4)
    be = BlockSparseBackend(rule)
    left, theta = random_theta(rng, be)
    dense = DENSE.split(theta, chi_max=chi_max, trunc=trunc, absorb=absorb)
    sp = be.split(be.from_dense(theta, physical=legs(be, 4, 8), left=left), chi_max=chi_max, trunc=trunc,
                  absorb=absorb)
    assert_conserving(sp.left)
    assert_conserving(sp.right)
    assert sp.singular_values.shape == dense.singular_values.shape
    assert np.allclose(sp.singular_values, dense.singular_values, atol=1e-12)
    assert abs(sp.discarded - dense.discarded) < 1e-12
    if trunc > 0 or chi_max < 40:
        assert sp.discarded > 0  # the truncation is real
    rebuilt = be.to_dense(be.two_site(sp.left, sp.right))
    assert np.allclose(rebuilt, DENSE.two_site(dense.left, dense.right), atol=1e-10)
    iso = be.to_dense(sp.left if absorb == "right" else sp.right)
    m = iso.reshape(-1, iso.shape[2]) if absorb == "right" else iso.reshape(iso.shape[0], -1).T
    assert np.allclose(m.conj().T @ m, np.eye(m.shape[1]), atol=1e-12)


@pytest.mark.parametrize("rule", RULES)
def test_qr_lq_are_isometric_and_singular_values(rule: tuple[str, ...]) -> None:
    rng = np.random.default_rng(5)
    be = BlockSparseBackend(rule)
    l_leg, r_leg = random_leg(rng, be, 6), random_leg(rng, be, 9, 1, 4)
    a = random_site(rng, be, l_leg, 8, r_leg)
    ca = be.from_dense(a, physical=legs(be, 8), left=l_leg)
    q, r = be.qr_left(ca)
    assert_conserving(q)
    assert_conserving(r)
    qd = be.to_dense(q).reshape(-1, be.shape(q)[2])
    assert np.allclose(qd.conj().T @ qd, np.eye(qd.shape[1]), atol=1e-12)
    assert np.allclose(be.to_dense(be.absorb_right(q, r)), a, atol=1e-12)
    s = be.singular_values(r)
    s_dense = np.linalg.svd(a.reshape(-1, a.shape[2]), compute_uv=False)
    assert np.allclose(s, s_dense[: len(s)], atol=1e-12) and np.all(s_dense[len(s):] < 1e-12)
    lmat, q2 = be.lq_right(ca)
    qd2 = be.to_dense(q2).reshape(be.shape(q2)[0], -1)
    assert np.allclose(qd2 @ qd2.conj().T, np.eye(qd2.shape[0]), atol=1e-12)
    assert np.allclose(be.to_dense(be.absorb_left(lmat, q2)), a, atol=1e-12)


def test_charged_mps_of_the_prx_initial_state() -> None:
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="z")
    mps, _ = initial_state(model)
    charged = to_charged_mps(mps, BlockSparseBackend(("N", "2Sz")), model.chain().site_charges())
    assert np.allclose(charged.to_dense(), mps.to_dense(), atol=1e-13)
    # right boundary carries the total charge: N_e = 2, 2S^z = 2 (electrons ↑) − 2 (spins ↓) = 0
    assert charged.tensors[-1].legs[2].charges.tolist() == [[2, 0]]
    x_model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="x")
    x_mps, _ = initial_state(x_model)
    with pytest.raises(ValueError, match="charge rule"):  # S^z is not conserved by the x-polarized state
        to_charged_mps(x_mps, BlockSparseBackend(("N", "2Sz")), x_model.chain().site_charges(("N", "2Sz")))
    x_charged = to_charged_mps(x_mps, BlockSparseBackend(("N",)), x_model.chain().site_charges())
    assert np.allclose(x_charged.to_dense(), x_mps.to_dense(), atol=1e-13)


KEYS = ("spin", "density", "spin_density_z", "electron_spin", "entropy_cut", "mutual_info_edges", "energy",
        "n_electrons", "norm")


@pytest.mark.parametrize("polarization", ["z", "x"])
def test_charged_tebd_matches_dense_and_exact(polarization: str) -> None:
    """N = 6, N_FM = 2, N_e = 2: charged and dense TEBD agree to 1e-10 at equal χ (with truncation) and
    both agree with the exact evolver within the Trotter error (δt = 0.05, order 2, no truncation)."""
    from verify.records import simulate_prx_exact

    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization=polarization)
    # PRX Eq. 8: both backends measure the exactly canonical state (even–odd measures the charged B form
    # as stored, within the truncation error of the exact canonical one: tests/verify/tebd/test_measure.py)
    opts = {"t_max": 2.0, "dt_out": 0.5, "dt": 0.05, "order": 2, "scheme": "prx"}
    for chi_max, trunc in ((6, 1e-8), (10**6, 0.0)):
        dense = simulate_prx_tebd(model, chi_max=chi_max, trunc=trunc, backend="dense", **opts)
        charged = simulate_prx_tebd(model, chi_max=chi_max, trunc=trunc, backend="charges", **opts)
        assert charged.meta["tebd"]["backend"] == "charges"
        assert charged.meta["tebd"]["charges"] == (["N", "2Sz"] if polarization == "z" else ["N"])
        assert dense.meta["tebd"]["charges"] == [] and charged.meta["tebd"]["scheme"] == "prx"
        for key in KEYS:
            assert np.max(np.abs(charged.arrays[key] - dense.arrays[key])) < 1e-10, (chi_max, key)
        assert np.max(np.abs(charged.arrays["truncation_error"] - dense.arrays["truncation_error"])) < 1e-12
        if chi_max == 6:
            assert charged.arrays["truncation_error"][-1] > 1e-8  # the truncation is real
    exact = simulate_prx_exact(model, t_max=2.0, dt_out=0.5)
    for key in ("spin", "density", "electron_spin"):
        assert np.max(np.abs(charged.arrays[key] - exact.arrays[key])) < 1e-3, key
    assert np.max(np.abs(charged.arrays["n_electrons"] - 2)) < 1e-12
    if polarization == "z":
        assert np.max(np.abs(charged.arrays["total_spin_z"])) < 1e-12


def test_trivial_charges_are_the_dense_evolver() -> None:
    """charges=() (one block per tensor) reproduces the dense TEBD state to round-off, with truncation."""
    from verify.tebd import TEBD

    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="x")
    mps, _ = initial_state(model)
    bonds = model.chain().bond_hamiltonians()
    trivial = to_charged_mps(mps, BlockSparseBackend(()), model.chain().site_charges(()))
    assert all(len(t.blocks) == 1 for t in trivial.tensors)
    dense = TEBD(mps.copy(), bonds, dt=0.1, chi_max=5, trunc=1e-9)
    block = TEBD(trivial, bonds, dt=0.1, chi_max=5, trunc=1e-9)
    dense.run(10)
    block.run(10)
    assert dense.truncation_error > 1e-9
    assert abs(dense.truncation_error - block.truncation_error) < 1e-13
    overlap = abs(np.vdot(dense.mps.to_dense(), block.mps.to_dense()))
    assert abs(overlap - 1) < 1e-12


def test_simulate_rejects_unknown_backend() -> None:
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2)
    with pytest.raises(ValueError, match="backend"):
        simulate_prx_tebd(model, t_max=0.1, dt_out=0.1, backend="sparse")


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize(("chi_max", "trunc"), [(100, 0.0), (7, 0.0), (100, 1e-3)])
def test_split_vidal_matches_dense_and_the_b_form_algebra(rule: tuple[str, ...], chi_max: int, trunc: float) -> None:
    """Vidal's bond update, blockwise vs dense; and its algebra checked independently: the right
    factor is the Y† of the SVD of θ = Λ·C, the left factor equals C·Y (= Λ⁻¹ X S), and the bond
    values (in the new bond's index order) are the kept singular values."""
    rng = np.random.default_rng(6)
    be = BlockSparseBackend(rule)
    left, c = random_theta(rng, be)
    lam = np.sort(rng.uniform(0.05, 1.0, size=c.shape[0]))[::-1]
    dense = DENSE.split_vidal(c, lam, chi_max=chi_max, trunc=trunc)
    sp = be.split_vidal(be.from_dense(c, physical=legs(be, 4, 8), left=left), lam, chi_max=chi_max, trunc=trunc)
    assert_conserving(sp.left)
    assert_conserving(sp.right)
    assert np.allclose(sp.singular_values, dense.singular_values, atol=1e-12)
    assert np.allclose(np.sort(sp.bond_values)[::-1], sp.singular_values, atol=0)
    assert abs(sp.discarded - dense.discarded) < 1e-12
    # Λ·(left factor) rebuilt with the right factor is the truncated θ = Λ·C, as in the plain split
    chi_l, d1 = c.shape[:2]
    theta = lam[:, None, None, None] * c
    plain = DENSE.split(theta, chi_max=chi_max, trunc=trunc, absorb="left")
    for split, to_dense in ((sp, be.to_dense), (dense, DENSE.to_dense)):
        lft, rgt = to_dense(split.left), to_dense(split.right)
        rebuilt = np.tensordot(lam[:, None, None] * lft, rgt, axes=(2, 0))
        assert np.allclose(rebuilt, DENSE.two_site(plain.left, plain.right), atol=1e-10)
        m = rgt.reshape(rgt.shape[0], -1)
        assert np.allclose(m @ m.conj().T, np.eye(m.shape[0]), atol=1e-12)  # Y† right-isometric
        # the columns of Λ·left are X·S: their norms are the bond values
        cols = (lam[:, None, None] * lft).reshape(chi_l * d1, -1)
        assert np.allclose(np.linalg.norm(cols, axis=0), split.bond_values, atol=1e-12)
    with pytest.raises(ValueError, match="left_values"):
        be.split_vidal(be.from_dense(c, physical=legs(be, 4, 8), left=left), lam[:-1], chi_max=chi_max, trunc=trunc)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize(("chi_max", "trunc"), [(100, 0.0), (6, 1e-3)])
def test_fused_vidal_update_equals_its_three_steps(rule: tuple[str, ...], chi_max: int, trunc: float) -> None:
    """update_vidal = split_vidal(apply_gate(gate, two_site(a, b)), Λ): same singular values, same
    discarded weight, same tensors (to round-off: the products are summed in another order)."""
    rng = np.random.default_rng(8)
    be = BlockSparseBackend(rule)
    l_leg, k_leg, r_leg = random_leg(rng, be, 5), random_leg(rng, be, 7, 1, 3), random_leg(rng, be, 6, 1, 5)
    a = be.from_dense(random_site(rng, be, l_leg, 4, k_leg), physical=legs(be, 4), left=l_leg, right=k_leg)
    b = be.from_dense(random_site(rng, be, k_leg, 8, r_leg), physical=legs(be, 8), left=k_leg, right=r_leg)
    h = rng.normal(size=(32, 32)) + 1j * rng.normal(size=(32, 32))
    q1, q2 = physical_charges(4, rule), physical_charges(8, rule)
    total = (q1[:, None, :] + q2[None, :, :]).reshape(32, -1)
    conserving = np.all(total[:, None, :] == total[None, :, :], axis=2)
    g = sla.expm(-1j * np.where(conserving, h + h.conj().T, 0))  # a random charge-conserving unitary
    gate = be.gate(g, be.physical(a), be.physical(b))
    lam = np.sort(rng.uniform(0.1, 1.0, size=l_leg.dim))[::-1]
    fused = be.update_vidal(a, b, gate, lam, chi_max=chi_max, trunc=trunc)
    steps = be.split_vidal(be.apply_gate(gate, be.two_site(a, b)), lam, chi_max=chi_max, trunc=trunc)
    assert np.allclose(fused.singular_values, steps.singular_values, atol=1e-12)
    assert abs(fused.discarded - steps.discarded) < 1e-12
    assert np.allclose(np.sort(fused.bond_values), np.sort(steps.bond_values), atol=1e-12)
    # compare as states (the bond basis may differ by phases within degenerate sectors): A·B and Λ·A
    two = lambda sp: be.to_dense(be.two_site(sp.left, sp.right))  # noqa: E731
    assert np.allclose(two(fused), two(steps), atol=1e-10)


def _conserving_pair(rule: tuple[str, ...], seed: int):
    """Random charged a (d = 4) and b (d = 8) sharing a bond, a random Hermitian charge-conserving h on
    their physical legs, the gate e^{−ih} and random left weights."""
    rng = np.random.default_rng(seed)
    be = BlockSparseBackend(rule)
    l_leg, k_leg, r_leg = random_leg(rng, be, 5), random_leg(rng, be, 7, 1, 3), random_leg(rng, be, 6, 1, 5)
    a = be.from_dense(random_site(rng, be, l_leg, 4, k_leg), physical=legs(be, 4), left=l_leg, right=k_leg)
    b = be.from_dense(random_site(rng, be, k_leg, 8, r_leg), physical=legs(be, 8), left=k_leg, right=r_leg)
    q1, q2 = physical_charges(4, rule), physical_charges(8, rule)
    total = (q1[:, None, :] + q2[None, :, :]).reshape(32, -1)
    conserving = np.all(total[:, None, :] == total[None, :, :], axis=2)
    x = rng.normal(size=(32, 32)) + 1j * rng.normal(size=(32, 32))
    h = np.where(conserving, x + x.conj().T, 0)
    weights = rng.uniform(0.0, 2.0, size=l_leg.dim)
    return be, a, b, h, weights, rng


@pytest.mark.parametrize("rule", RULES)
def test_bond_observation_is_the_weighted_expectation_of_the_dense_two_site_tensor(rule: tuple[str, ...]) -> None:
    """bond_observation = (Σ_l w_l ⟨θ_l|h θ_l⟩, Σ_l w_l ⟨θ_l|θ_l⟩) of the dense θ = a b (independent route:
    one einsum on densified tensors); tolerance: round-off of sums of O(10) numbers in another order."""
    from verify.mps import restricted_operator
    from verify.tensors import bond_observation

    be, a, b, h, weights, _ = _conserving_pair(rule, 11)
    theta = np.einsum("lpk,kqr->lpqr", be.to_dense(a), be.to_dense(b))
    d1, d2 = theta.shape[1], theta.shape[2]
    flat = theta.reshape(theta.shape[0], d1 * d2, -1)
    want_value = np.einsum("l,lir,ij,ljr->", weights, flat.conj(), h, flat)
    want_norm = float(np.einsum("l,lir->", weights, np.abs(flat) ** 2))
    value, norm = bond_observation(a, b, (restricted_operator(h, a.legs[1], b.legs[1]), weights))
    assert abs(value - want_value) < 1e-10 * max(1.0, abs(want_value))
    assert abs(norm - want_norm) < 1e-10 * max(1.0, want_norm)
    assert abs(value.imag) < 1e-10 * max(1.0, abs(value))  # h Hermitian, weights real


@pytest.mark.parametrize("rule", RULES)
def test_bond_rows_are_the_per_left_index_expectations_of_the_dense_two_site_tensor(rule: tuple[str, ...]) -> None:
    """bond_rows = (⟨θ_l|h θ_l⟩, ⟨θ_l|θ_l⟩) for every left index l of the dense θ = a b (independent route:
    one einsum per row on densified tensors); tolerance: round-off of sums of O(10) numbers in another order."""
    from verify.mps import restricted_operator
    from verify.tensors import bond_rows

    be, a, b, h, _, _ = _conserving_pair(rule, 13)
    theta = np.einsum("lpk,kqr->lpqr", be.to_dense(a), be.to_dense(b))
    flat = theta.reshape(theta.shape[0], theta.shape[1] * theta.shape[2], -1)
    values, norms = bond_rows(a, b, restricted_operator(h, a.legs[1], b.legs[1]))
    assert values.shape == norms.shape == (a.legs[0].dim,)
    assert np.allclose(values, np.einsum("lir,ij,ljr->l", flat.conj(), h, flat), rtol=1e-10, atol=1e-10)
    assert np.allclose(norms, np.einsum("lir->l", np.abs(flat) ** 2), rtol=1e-10, atol=1e-10)


def test_weigh_rows_checks_its_weights() -> None:
    """weigh_rows: Σ_l w_l of both rows, w = 1 for None; weights of another length are a ValueError."""
    from verify.tensors import weigh_rows

    rows = (np.array([1 + 2j, 3 - 1j]), np.array([0.5, 0.25]))
    assert weigh_rows(rows, None) == (4 + 1j, 0.75)
    assert weigh_rows(rows, np.array([2.0, 4.0])) == (14 + 0j, 2.0)
    with pytest.raises(ValueError, match="weights"):
        weigh_rows(rows, np.ones(3))


@pytest.mark.parametrize("rule", RULES)
def test_fused_update_observes_the_bits_of_bond_rows_and_splits_as_without(rule: tuple[str, ...]) -> None:
    """update_vidal(..., measure_rows=) returns bond_rows bit for bit (the same stacks and products), so
    weighed it is observation_from_rows bit for bit, and bond_observation (the weights applied at once, in
    another order) to round-off (1e-12 relative: sums of O(100) terms of size O(10)); the split is the same,
    bit for bit, as without."""
    from verify.mps import restricted_operator
    from verify.tensors import bond_observation, bond_rows, observation_from_rows, weigh_rows

    be, a, b, h, weights, rng = _conserving_pair(rule, 12)
    gate = be.gate(sla.expm(-0.3j * h), be.physical(a), be.physical(b))
    restricted = restricted_operator(h, a.legs[1], b.legs[1])
    lam = np.sort(rng.uniform(0.1, 1.0, size=a.legs[0].dim))[::-1]
    plain = be.update_vidal(a, b, gate, lam, chi_max=6, trunc=1e-3)
    observed = be.update_vidal(a, b, gate, lam, chi_max=6, trunc=1e-3, measure_rows=restricted)
    assert plain.observed is None
    want = bond_rows(a, b, restricted)
    assert all(np.array_equal(x, y) for x, y in zip(observed.observed, want, strict=True))
    value, norm = weigh_rows(observed.observed, weights)
    assert (value, norm) == observation_from_rows(a, b, (restricted, weights))
    at_once = bond_observation(a, b, (restricted, weights))
    assert abs(value - at_once[0]) <= 1e-12 * abs(at_once[0]) and abs(norm - at_once[1]) <= 1e-12 * at_once[1]
    assert np.array_equal(observed.singular_values, plain.singular_values)
    for side in ("left", "right"):
        x, y = getattr(observed, side), getattr(plain, side)
        assert x.blocks.keys() == y.blocks.keys()
        assert all(np.array_equal(x.blocks[k], y.blocks[k]) for k in x.blocks)


@pytest.mark.parametrize("rule", RULES)
def test_scaled_density_is_the_density_of_the_scaled_tensor_on_both_backends(rule: tuple[str, ...]) -> None:
    """scaled_density(A, s) = ρ of diag(s)·A: the charged one bit for bit against density(scale_left(A, s))
    (the same products on the same numbers), the dense one against an einsum on the dense tensor
    (independent route; 1e-12: round-off of sums of O(50) terms); a scale that does not fit is a ValueError."""
    from verify.mps import scale_left
    from verify.tensors import DENSE

    be, a, _, _, weights, _ = _conserving_pair(rule, 14)
    scale = np.sqrt(weights)
    charged = be.scaled_density(a, scale)
    assert np.array_equal(charged, be.density(scale_left(a, scale)))
    dense = be.to_dense(a)
    want = np.einsum("l,lpr,lqr->pq", weights, dense, dense.conj())
    assert np.allclose(DENSE.scaled_density(dense, scale), want, rtol=1e-12, atol=1e-12)
    assert np.allclose(charged, want, rtol=1e-12, atol=1e-12)
    for backend, tensor in ((be, a), (DENSE, dense)):
        with pytest.raises(ValueError, match="scale of shape"):
            backend.scaled_density(tensor, scale[:-1])


def test_weighted_observations_refuse_weights_that_do_not_fit() -> None:
    """bond_observation and bond_expectation with weights of the wrong length: a ValueError naming them,
    on both backends."""
    from verify.mps import bond_expectation, restricted_operator
    from verify.tensors import DENSE, bond_observation

    be, a, b, h, weights, _ = _conserving_pair(("N", "2Sz"), 15)
    with pytest.raises(ValueError, match="weights of shape"):
        bond_observation(a, b, (restricted_operator(h, a.legs[1], b.legs[1]), weights[:-1]))
    for backend, x, y in ((be, a, b), (DENSE, be.to_dense(a), be.to_dense(b))):
        with pytest.raises(ValueError, match="weights of shape"):
            bond_expectation(backend, x, y, h, weights[:-1])


def test_local_index_helpers_match_the_local_charges() -> None:
    """states.conventions.fermion_site_index / fm_site_index agree with the charge tables every
    backend uses: N = n_↑ + n_↓, 2S^z = n_↑ − n_↓ (+ the localized spin's ±1 on FM sites)."""
    from states.conventions import DOWN, UP, fermion_site_index, fm_site_index

    q4, q8 = physical_charges(4, ("N", "2Sz")), physical_charges(8, ("N", "2Sz"))
    for n_up in (0, 1):
        for n_down in (0, 1):
            k = int(fermion_site_index(n_up, n_down))
            assert tuple(q4[k]) == (n_up + n_down, n_up - n_down)
            for spin, sz in ((UP, 1), (DOWN, -1)):
                assert tuple(q8[int(fm_site_index(k, spin))]) == (n_up + n_down, n_up - n_down + sz)
    assert sorted(int(fermion_site_index(u, d)) for u in (0, 1) for d in (0, 1)) == [0, 1, 2, 3]


@pytest.mark.parametrize("shape", [(40, 40), (60, 35), (35, 60)])
@pytest.mark.parametrize("side", ["left", "right"])
def test_gram_svd_matches_the_svd_to_its_stated_accuracy(shape: tuple[int, int], side: str) -> None:
    """The density-matrix route against a matrix of known singular values 1 … 1e-6: the squared
    values agree to n ε ‖M‖² (~1e-14; bound 1e-13), the basis is orthonormal, and projecting on
    the vectors of s ≥ 1e-4 leaves exactly the weight of the others (as a truncated SVD does)."""
    rng = np.random.default_rng(11)
    m, n = shape
    r = min(m, n)
    s_true = np.logspace(0, -6, r)
    x = np.linalg.qr(rng.normal(size=(m, r)) + 1j * rng.normal(size=(m, r)))[0]
    y = np.linalg.qr(rng.normal(size=(n, r)) + 1j * rng.normal(size=(n, r)))[0]
    matrix = (x * s_true) @ y.conj().T
    u, s, vh = gram_svd(matrix, side)
    assert s.shape == (m if side == "left" else n,) and np.all(np.diff(s) <= 0)
    assert np.max(np.abs(s[:r] ** 2 - s_true**2)) < 1e-13 and np.all(s[r:] ** 2 < 1e-13)
    basis = u if side == "left" else vh.conj().T
    assert (vh is None) == (side == "left") and (u is None) == (side == "right")
    assert np.allclose(basis.conj().T @ basis, np.eye(basis.shape[1]), atol=1e-13)
    k = int(np.sum(s_true >= 1e-4))
    kept = basis[:, :k]
    projected = kept @ (kept.conj().T @ matrix) if side == "left" else (matrix @ kept) @ kept.conj().T
    assert abs(np.linalg.norm(matrix - projected) - np.linalg.norm(s_true[k:])) < 1e-10
    with pytest.raises(ValueError, match="side"):
        gram_svd(matrix, "up")


@pytest.mark.parametrize("side", ["left", "right"])
def test_isometry_by_projection_gives_the_kept_singular_basis_of_a_wide_sector(side: str) -> None:
    """A sector 3× wider than tall (on the kept side) with singular values 1 … 1e-6 (ratio 0.62 between
    neighbours): the other side's Gram basis of the values ≥ 1e-4, projected and made orthonormal, is
    orthonormal to 1e-13; each vector is the exact singular vector of the matrix built here, with the
    phase of its partner from the Gram route (no sign flipped by the QR: without the phase fix the
    vectors are off by O(1)), to 1e-8 — the eigenvector error n ε ‖M‖² / |s_j² − s_k²| ≲ 1e-13 / 1e-8
    of the smallest kept pair bounds it by ~1e-5 in principle; measured ≤ 6.5e-10 over 20 seeds. A bad
    side is refused."""
    from verify.tensors import isometry_by_projection

    rng = np.random.default_rng(13)
    small, wide = 30, 90
    shape = (small, wide) if side == "right" else (wide, small)
    s_true = np.logspace(0, -6, small)
    x = np.linalg.qr(rng.normal(size=(shape[0], small)) + 1j * rng.normal(size=(shape[0], small)))[0]
    y = np.linalg.qr(rng.normal(size=(shape[1], small)) + 1j * rng.normal(size=(shape[1], small)))[0]
    matrix = (x * s_true) @ y.conj().T
    other = "left" if side == "right" else "right"
    u, _, vh = gram_svd(matrix, other)
    kept = int(np.sum(s_true >= 1e-4))
    # the exact vectors: the columns of y (x) with the phase that the Gram route's partner u_j (v_j) fixes
    if side == "right":
        basis = isometry_by_projection(matrix, u[:, :kept], "right")
        phases = np.diagonal(x[:, :kept].conj().T @ u[:, :kept])
        exact = (y[:, :kept] * (phases / np.abs(phases))).conj().T
        gram_matrix = basis @ basis.conj().T
    else:
        basis = isometry_by_projection(matrix, vh[:kept], "left")
        phases = np.diagonal(vh[:kept] @ y[:, :kept])
        exact = x[:, :kept] * (phases / np.abs(phases)).conj()
        gram_matrix = basis.conj().T @ basis
    assert basis.shape == exact.shape
    assert np.allclose(gram_matrix, np.eye(kept), atol=1e-13)
    assert np.max(np.abs(basis - exact)) < 1e-8
    with pytest.raises(ValueError, match="side"):
        isometry_by_projection(matrix, u if u is not None else vh, "up")


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (5, 1), (1, 2)])
def test_rank_one_sectors_skip_lapack_and_agree_with_it(shape: tuple[int, int], monkeypatch) -> None:
    """A one-row or one-column sector is split without LAPACK (s = ‖M‖, the other factor 1): the
    factors rebuild M, are isometric, and s is LAPACK's to a few ulps; a one-by-one Gram matrix
    gives exactly LAPACK heevd's n = 1 result (its value, vector 1), the same bits as before.
    LAPACK is patched to fail meanwhile, so the test fails if the fast paths go."""
    from verify.tensors import svd

    rng = np.random.default_rng(5)
    matrix = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    reference = np.linalg.svd(matrix, compute_uv=False)
    columns = {"right": matrix[:, :1], "left": matrix[:1, :]}  # their Gram matrix on that side is 1 x 1
    grams = {side: np.linalg.eigh(c.conj().T @ c if side == "right" else c @ c.conj().T)
             for side, c in columns.items()}

    def no_lapack(*args, **kwargs):
        raise AssertionError("LAPACK called for a rank-one sector")

    monkeypatch.setattr(np.linalg, "svd", no_lapack)
    monkeypatch.setattr(np.linalg, "eigh", no_lapack)
    u, s, vh = svd(matrix)
    assert np.allclose((u * s) @ vh, matrix, rtol=0, atol=1e-15 * s[0])  # a few ulps of ‖M‖
    assert np.allclose(u.conj().T @ u, np.eye(1), atol=1e-15) and np.allclose(vh @ vh.conj().T, np.eye(1), atol=1e-15)
    assert s == pytest.approx(reference, rel=1e-15)
    for side, column in columns.items():
        values, vectors = grams[side]
        u, s, vh = gram_svd(column, side)
        basis = vh.conj().T if side == "right" else u
        assert s.tobytes() == np.sqrt(values).tobytes() and basis.tobytes() == vectors.tobytes()
    monkeypatch.undo()
    assert svd(np.zeros(shape, dtype=complex))[1].tolist() == [0.0]  # a zero sector: LAPACK's route


@pytest.mark.parametrize("absorb", ["left", "right", "vidal"])
def test_gram_and_svd_routes_give_the_same_split(monkeypatch, absorb: str) -> None:
    """Three routes at trunc = 1e-9 on a theta whose singular values span 1 … 1e-7: every sector
    through the Gram matrix of the kept isometric side; every sector through the Gram matrix of its
    smaller side (``GRAM_MAX_ASPECT`` 0, ``GRAM_OTHER_SIDE_MIN_DIM`` 1: the sectors whose kept side is
    the longer one then get their isometric factor by projection and QR, which the test sees taken);
    every sector through gesdd. Same kept values and discarded weight (to 1e-12), the same truncated
    state (to 1e-10, the truncation's own scale is 1e-9), isometric factors (to 1e-12)."""
    import verify.tensors.decompositions as decompositions

    rng = np.random.default_rng(12)
    be = BlockSparseBackend(("N", "2Sz"))
    left, theta = random_theta(rng, be, chi_l=9, chi_r=10)
    u, s, vh = np.linalg.svd(theta.reshape(9 * 4, -1), full_matrices=False)
    # a wide spectrum on the nonzero singular values (their vectors lie in one sector each; the
    # degenerate zeros may mix sectors and stay zero): the same charge structure
    nonzero = s > 1e-12 * s[0]
    graded = np.where(nonzero, np.logspace(0, -7, len(s)), 0.0)
    theta = ((u * graded) @ vh).reshape(theta.shape)
    lam = np.sort(rng.uniform(0.1, 1.0, size=9))[::-1]
    import verify.tensors.blocksparse_split as blocksparse_split

    projected = []  # the isometric factors made by projection, per route
    original = blocksparse_split.isometry_by_projection
    monkeypatch.setattr(blocksparse_split, "isometry_by_projection",
                        lambda *args: projected[-1].append(1) or original(*args))
    results = []
    monkeypatch.setattr(decompositions, "GRAM_OTHER_SIDE_MIN_DIM", 1)
    for aspect, min_trunc in ((np.inf, 0.0), (0.0, 0.0), (0.0, np.inf)):  # Gram of the kept side, the smaller, SVD
        monkeypatch.setattr(decompositions, "GRAM_MAX_ASPECT", aspect)
        monkeypatch.setattr(decompositions, "GRAM_MIN_TRUNC", min_trunc)
        projected.append([])
        t = be.from_dense(theta, physical=legs(be, 4, 8), left=left)
        if absorb == "vidal":
            results.append(be.split_vidal(t, lam, chi_max=100, trunc=1e-9))
        else:
            results.append(be.split(t, chi_max=100, trunc=1e-9, absorb=absorb))
    assert [len(calls) > 0 for calls in projected] == [False, True, False]  # each route was taken
    *grams, svd = results
    two = lambda sp: be.to_dense(be.two_site(sp.left, sp.right))  # noqa: E731
    for gram in grams:
        assert np.allclose(gram.singular_values, svd.singular_values, atol=1e-12)
        assert abs(gram.discarded - svd.discarded) < 1e-12 and svd.discarded > 0
        assert np.allclose(two(gram), two(svd), atol=1e-10)
    for sp in results:
        assert_conserving(sp.left)
        assert_conserving(sp.right)
        iso = be.to_dense(sp.left if absorb == "right" else sp.right)
        m = iso.reshape(-1, iso.shape[2]) if absorb == "right" else iso.reshape(iso.shape[0], -1).T
        assert np.allclose(m.conj().T @ m, np.eye(m.shape[1]), atol=1e-12)


def test_run_dataflow_runs_each_task_once_after_its_dependencies(monkeypatch) -> None:
    """Every task runs exactly once, never before its dependencies end: on random DAGs whose first
    tasks are slow, and on fresh pools, where starting a worker thread hands it the GIL while the
    first tasks are still being submitted (a task made ready by a finished one must not be
    submitted again: this caught a real double run). An exception is re-raised and the tasks
    that depend on it are skipped; bad input is refused."""
    import collections
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    import verify.tensors.threads as threads
    from verify.tensors import run_dataflow

    monkeypatch.setattr(threads, "svd_workers", lambda: 2)
    for _ in range(10):
        with ThreadPoolExecutor(max_workers=2) as fresh:
            monkeypatch.setattr(threads, "_pool", lambda fresh=fresh: fresh)
            count: collections.Counter[int] = collections.Counter()
            run_dataflow(lambda k, count=count: count.update([k]), [[], [0], [], [1, 2], [], [3]])
            assert count == dict.fromkeys(range(6), 1)
    monkeypatch.undo()

    rng = np.random.default_rng(13)
    for _ in range(20):
        n = 30
        deps = [sorted({int(j) for j in rng.integers(0, k, size=2)}) if k > 3 else [] for k in range(n)]
        events: dict[int, list[float]] = {}
        lock = threading.Lock()

        def task(k: int, deps=deps, events=events, lock=lock) -> int:
            start = time.perf_counter()
            time.sleep(2e-3 if k < 4 else 1e-5)
            with lock:
                assert k not in events  # re-raised by run_dataflow
                events[k] = [start, time.perf_counter()]
            return k * k

        assert run_dataflow(task, deps) == [k * k for k in range(n)]
        assert all(events[j][1] <= events[k][0] for k in range(n) for j in deps[k])

    ran = []

    def failing(k: int) -> None:
        ran.append(k)
        if k == 1:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        run_dataflow(failing, [[], [0], [1], [2]])
    assert 2 not in ran and 3 not in ran
    assert run_dataflow(failing, []) == []
    with pytest.raises(ValueError, match="earlier"):
        run_dataflow(lambda k: k, [[], [1]])


@pytest.mark.parametrize("case", ["runs", "fails", "empty"])
def test_run_dataflow_lets_go_of_its_task_at_once(case, monkeypatch) -> None:
    """Once run_dataflow returns (or raises), nothing of it keeps ``func`` alive: what the task holds
    (in a run, the measured state) is freed by reference counting, not at the next cyclic garbage
    collection — the collector is off here, and a reference cycle would keep the payload."""
    import gc
    import weakref

    import verify.tensors.threads as threads
    from verify.tensors import run_dataflow

    class Payload:
        """Stands for the state a measurement task holds."""

    monkeypatch.setattr(threads, "svd_workers", lambda: 2)
    payload = Payload()
    alive = weakref.ref(payload)

    def task(k: int, payload=payload) -> int:
        if case == "fails" and k == 2:
            raise RuntimeError("boom")
        return k

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if case == "fails":
            with pytest.raises(RuntimeError, match="boom"):
                run_dataflow(task, [[], [0], [0], [1, 2]])
        elif case == "empty":
            assert run_dataflow(task, []) == []
        else:
            assert run_dataflow(task, [[], [0], [0], [1, 2]]) == [0, 1, 2, 3]
        del task, payload
        for _ in range(1000):  # the pool's worker drops its last reference just after the last task
            if alive() is None:
                break
            time.sleep(0.005)
        assert alive() is None
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.parametrize("n_q", [0, 1, 2])
def test_leg_from_sectors_knows_its_sectors(n_q: int) -> None:
    """The sectors a leg built from (charge, size) pairs records equal those found from its charges
    (np.unique), in the same key order; a repeated charge is merged as np.unique merges it."""
    rng = np.random.default_rng(14)
    charges = sorted({tuple(int(x) for x in rng.integers(-2, 3, size=n_q)) for _ in range(6)})
    pairs = [(q, int(rng.integers(0, 4))) for q in charges]
    for given in (pairs, pairs[:1] + pairs):  # the second repeats the first charge
        leg = Leg.from_sectors(given, n_q)
        found = Leg(leg.charges).sectors
        assert list(leg.sectors) == list(found)
        assert all(np.array_equal(leg.sectors[q], found[q]) for q in found)
        assert leg.dim == sum(size for _, size in given)


@pytest.mark.parametrize("batch", [(), (3,), (2, 4), (0,)])
def test_environment_contractions_equal_tensordot(batch: tuple[int, ...]) -> None:
    """The contraction helpers (one reshaped matrix product each) against ``np.tensordot`` of their
    definitions, with stack axes and with empty legs; agreement to round-off (1e-13 on O(1) entries)."""
    from verify.tensors.blocksparse_env import close_bra, close_density, env_times

    rng = np.random.default_rng(9)

    def c(*shape: int) -> np.ndarray:
        return rng.normal(size=shape) + 1j * rng.normal(size=shape)

    for n_l, n_p, n_r in ((5, 4, 7), (0, 4, 7), (5, 0, 7), (5, 4, 0)):
        env, x = c(*batch, n_l, 6), c(n_l, n_p, n_r)
        np.testing.assert_allclose(env_times(env, x), np.tensordot(env, x, axes=([-2], [0])), atol=1e-13)
        z, bra = c(*batch, n_l, n_p, n_r), c(n_l, n_p, 3)
        np.testing.assert_allclose(close_bra(z, bra), np.tensordot(z, bra.conj(), axes=([-3, -2], [0, 1])), atol=1e-13)
        y, ket = c(*batch, n_l, n_p, n_r), c(n_l, 2, n_r)
        np.testing.assert_allclose(close_density(y, ket), np.tensordot(y, ket.conj(), axes=([-3, -1], [0, 2])),
                                   atol=1e-13)
    with pytest.raises(ValueError, match="cannot contract"):  # mismatched legs: refused, never reshaped into a number
        close_bra(c(*batch, 2, 3, 5), c(3, 2, 4))
    with pytest.raises(ValueError, match="cannot contract"):
        close_density(c(*batch, 2, 3, 6), c(3, 3, 4))
    with pytest.raises(ValueError, match="cannot contract"):
        env_times(c(*batch, 4, 6), c(5, 2, 3))


def test_to_dense_with_contiguous_and_scattered_sectors() -> None:
    """Blocks go back to their places whether a leg's sectors are contiguous (slices, views) or
    scattered (the np.ix_ gather): from_dense then to_dense returns the charge-conserving array exactly."""
    scattered = Leg(np.array([[0], [1], [0], [1]]))  # charge 0 at indices 0, 2: not a slice
    contiguous = Leg.from_sectors([((0,), 2), ((1,), 3)], 1)
    assert isinstance(scattered.sector_slices[(0,)], np.ndarray)
    assert contiguous.sector_slices == {(0,): slice(0, 2), (1,): slice(2, 5)}
    rng = np.random.default_rng(2)
    legs, signs = (contiguous, scattered, contiguous), (1, 1, -1)
    array = rng.normal(size=(5, 4, 5)) + 1j * rng.normal(size=(5, 4, 5))
    q = [leg.charges[:, 0] for leg in legs]
    array *= (q[0][:, None, None] + q[1][None, :, None] == q[2][None, None, :])  # the charge rule
    tensor = ChargedTensor.from_dense(array, legs, signs)
    assert len(tensor.blocks) > 2 and np.array_equal(tensor.to_dense(), array)
    bond = Leg.from_sectors([((0,), 1), ((1,), 2)], 1)  # every leg contiguous: every block through slices
    legs = (contiguous, bond, contiguous)
    array = rng.normal(size=(5, 3, 5)) + 1j * rng.normal(size=(5, 3, 5))
    q = [leg.charges[:, 0] for leg in legs]
    array *= (q[0][:, None, None] + q[1][None, :, None] == q[2][None, None, :])
    tensor = ChargedTensor.from_dense(array, legs, signs)
    assert len(tensor.blocks) > 2 and np.array_equal(tensor.to_dense(), array)
