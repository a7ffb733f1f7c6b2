"""The pair-model Hamiltonian, states and observables of :mod:`verify.exact.pair` against independent routes.

Independent reference (``reference_hamiltonian``): the whole Hilbert space of pair paper Eq. 1,
orbital_A ⊗ orbital_B ⊗ spin(A, B, loc 1..L), built as dense Kronecker products of an N × N ring
hopping matrix and full 2^(2+L)-dimensional spin operators, with σ·S written as
σ^xS^x + σ^yS^y + σ^zS^z (Eq. 2) — the library writes σ^zS^z + ½(σ^+S^− + σ^−S^+) (Eq. 7) — and the
"flip" part as σ^xS^x + σ^yS^y. Only then is it projected onto the total-2S^z sector.

Tolerances: ``MATRIX_ATOL = 1e-13`` for matrix elements and H ψ of unit vectors (sums of a few O(1)
terms; round-off ~1e-16 per entry, entries at most ~‖H‖ ≈ 5); ``DYNAMICS_ATOL = 1e-10`` for
conserved quantities and propagated states (Chebyshev truncation 1e-12 per window, a few windows,
plus round-off of a few hundred steps, see tests/verify/exact/test_propagate.py).
"""

from __future__ import annotations

import math
from functools import reduce
from itertools import product

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse.linalg import expm_multiply

import states
from entanglement import partial_trace
from states.conventions import PAULI_Z, QUBIT_CHARGE_2SZ, spin_operators
from verify.exact import (
    PAIR_PROBABILITY_COLUMNS,
    PairHamiltonian,
    PairObservables,
    embed_initial_state,
    evolve,
    pair_initial_state,
    spin_sector,
)
from verify.models import SD_TERMS, SPIN_CONVENTIONS, PairOnRing, packet_chain_intervals
from verify.records import simulate_pair
from verify.records.run import load_run

MATRIX_ATOL = 1e-13
DYNAMICS_ATOL = 1e-10


# --------------------------------------------------------------------------------------------------
# independent reference construction


def kron_all(*ops: np.ndarray) -> np.ndarray:
    return reduce(np.kron, ops)


def on_factor(op: np.ndarray, q: int, n: int) -> np.ndarray:
    return kron_all(*[op if i == q else np.eye(2) for i in range(n)])


def ring_hopping(n: int, t: float) -> np.ndarray:
    h = np.zeros((n, n))
    for i in range(n):
        h[i, (i + 1) % n] = h[(i + 1) % n, i] = -t
    return h


def two_sz_full(n_factors: int) -> np.ndarray:
    """2S^z of every full spin basis state, from the bit strings (UP = 0)."""
    idx = np.arange(2**n_factors)
    bits = [(idx >> (n_factors - 1 - q)) & 1 for q in range(n_factors)]
    return sum(QUBIT_CHARGE_2SZ[b] for b in bits)


def reference_hamiltonian(model: PairOnRing, n_e: int) -> np.ndarray:
    """Dense H of Eq. 2 on orbital^n_e ⊗ spin(n_e + L), no sector restriction."""
    n, n_l = model.n_sites, model.n_spins
    n_f = n_e + n_l
    dim_s = 2**n_f
    norm_el, norm_loc = model.normalizations
    sig = spin_operators(norm_el)
    big_s = spin_operators(norm_loc)
    eye_n = np.eye(n)
    comps = {"full": (0, 1, 2), "longitudinal": (2,), "flip": (0, 1)}[model.terms]
    hop = ring_hopping(n, model.hopping)
    orb = [hop] if n_e == 1 else [np.kron(hop, eye_n), np.kron(eye_n, hop)]
    h = sum(np.kron(o, np.eye(dim_s)) for o in orb)
    ex = np.zeros((dim_s, dim_s), dtype=complex)
    for j in range(n_l - 1):
        for c in range(3):
            ex = ex + on_factor(big_s[c], n_e + j, n_f) @ on_factor(big_s[c], n_e + j + 1, n_f)
    h = h - model.j_ex * np.kron(np.eye(n**n_e), ex)
    for j, site in enumerate(model.chain_sites):
        proj = np.zeros((n, n))
        proj[site, site] = 1.0
        for a in range(n_e):
            spin_part = sum(on_factor(sig[c], a, n_f) @ on_factor(big_s[c], n_e + j, n_f) for c in comps)
            orb_proj = proj if n_e == 1 else (np.kron(proj, eye_n) if a == 0 else np.kron(eye_n, proj))
            h = h - model.j_sd * np.kron(orb_proj, spin_part)
    return h


def sector_slice(model: PairOnRing, n_e: int, two_sz: int) -> np.ndarray:
    """Indices of the full Hilbert space (orbital-major) whose spin part has total 2S^z = two_sz."""
    n_f = n_e + model.n_spins
    spin_ok = np.nonzero(two_sz_full(n_f) == two_sz)[0]
    orb = np.arange(model.n_sites**n_e)
    return (orb[:, None] * 2**n_f + spin_ok[None, :]).reshape(-1)


def tiny_model(**kwargs) -> PairOnRing:
    base = {"n_sites": 5, "n_spins": 2, "chain_start": 2, "x1": 1.0, "x2": 4.0, "sigma": 1.0}
    return PairOnRing(**(base | kwargs))


def random_vector(shape, seed) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return v / np.linalg.norm(v)


# --------------------------------------------------------------------------------------------------
# Hamiltonian


@pytest.mark.parametrize("terms", SD_TERMS)
@pytest.mark.parametrize("convention", sorted(SPIN_CONVENTIONS))
@pytest.mark.parametrize(("n_e", "n_spins"), [(2, 1), (2, 2), (1, 3)])
def test_matrix_free_h_equals_independent_dense_h_on_every_sector(terms, convention, n_e, n_spins):
    model = tiny_model(terms=terms, convention=convention, n_spins=n_spins, j_ex=0.37, j_sd=0.61, hopping=0.45)
    h_full = reference_hamiltonian(model, n_e)
    n_f = n_e + n_spins
    for two_sz in range(-n_f, n_f + 1, 2):
        idx = sector_slice(model, n_e, two_sz)
        rest = np.setdiff1d(np.arange(h_full.shape[0]), idx)
        # the sector is invariant: no matrix element of H leads out of it ([H, total S^z] = 0)
        assert np.abs(h_full[np.ix_(rest, idx)]).max(initial=0.0) == 0.0
        ham = PairHamiltonian(model, n_e, two_sz)
        dim = int(np.prod(ham.shape))
        assert dim == idx.size
        columns = np.array([ham.apply(e.reshape(ham.shape)).reshape(-1) for e in np.eye(dim, dtype=complex)]).T
        np.testing.assert_allclose(columns, h_full[np.ix_(idx, idx)], atol=MATRIX_ATOL, rtol=0)
        np.testing.assert_allclose(ham.to_sparse().toarray(), h_full[np.ix_(idx, idx)], atol=MATRIX_ATOL, rtol=0)
        lam = np.linalg.eigvalsh(h_full[np.ix_(idx, idx)])
        lo, hi = ham.bounds()
        assert lo <= lam[0] + MATRIX_ATOL and hi >= lam[-1] - MATRIX_ATOL


def test_hermitian_and_affine_fast_path_on_a_larger_ring():
    model = PairOnRing(n_sites=23, n_spins=3, chain_start=9, x1=2.0, x2=10.0, sigma=2.0, j_ex=0.3)
    ham = PairHamiltonian(model, 2, 3)
    u, v = random_vector(ham.shape, 1), random_vector(ham.shape, 2)
    assert abs(np.vdot(u, ham.apply(v)) - np.vdot(ham.apply(u), v)) < MATRIX_ATOL
    out = np.empty(ham.shape, dtype=complex)
    ham.apply_affine(v, out, 0.7, -1.3)
    np.testing.assert_allclose(out, 0.7 * ham.apply(v) - 1.3 * v, atol=MATRIX_ATOL, rtol=0)
    np.testing.assert_allclose(ham.apply(v).reshape(-1), ham.to_sparse() @ v.reshape(-1), atol=MATRIX_ATOL, rtol=0)


def test_h_commutes_with_particle_exchange():
    model = PairOnRing(n_sites=11, n_spins=2, chain_start=5, x1=1.0, x2=4.0, sigma=1.0)
    ham = PairHamiltonian(model, 2, 2)
    v = random_vector(ham.shape, 3)
    np.testing.assert_allclose(ham.exchange(ham.exchange(v)), v, atol=0)
    np.testing.assert_allclose(ham.exchange(ham.apply(v)), ham.apply(ham.exchange(v)), atol=MATRIX_ATOL, rtol=0)


def test_bad_states_and_models_raise_value_error():
    ham = PairHamiltonian(tiny_model(), 2, 2)
    with pytest.raises(ValueError, match="shape"):
        ham.apply(np.zeros((5, 5, 3), dtype=complex))
    with pytest.raises(ValueError, match="PairOnRing"):
        PairHamiltonian({"n_sites": 5}, 2, 2)
    with pytest.raises(ValueError, match="two_sz"):
        PairHamiltonian(tiny_model(), 2, 3)  # parity: 4 spins cannot have odd 2S^z
    with pytest.raises(ValueError, match="n_electrons"):
        PairHamiltonian(tiny_model(), 3, 1)
    with pytest.raises(ValueError, match="two electrons"):
        PairHamiltonian(tiny_model(), 1, 1).exchange(np.zeros((5, 3)))


def test_sector_dimensions_are_binomial():
    for n_e, n_l in [(1, 1), (2, 4), (2, 6)]:
        n_f = n_e + n_l
        for n_down in range(n_f + 1):
            sec = spin_sector(n_e, n_l, n_f - 2 * n_down)
            assert sec.dim == math.comb(n_f, n_down)
            assert np.all(sec.two_sz_el + sec.two_sz_loc == sec.two_sz)


# --------------------------------------------------------------------------------------------------
# initial states


@pytest.mark.parametrize(("pair", "el_two_sz"), [("singlet", 0), ("triplet+1", 2), ("triplet0", 0), ("triplet-1", -2)])
def test_initial_pair_states_are_embedded_in_the_right_sector(pair, el_two_sz):
    model = PairOnRing(n_sites=30, n_spins=3, chain_start=15, x1=3.0, x2=9.0, sigma=2.0)
    psi_el = states.pair_state(model.n_sites, model.x1, model.x2, model.sigma, model.k, pair)
    two_sz, psi = embed_initial_state(psi_el, model.n_spins)
    assert two_sz == el_two_sz + model.n_spins
    ham = PairHamiltonian(model, 2, two_sz)
    assert psi.shape == ham.shape
    assert abs(np.linalg.norm(psi) - 1) < 1e-14
    np.testing.assert_allclose(ham.exchange(psi), -psi, atol=1e-15)  # fermionic antisymmetry (Eq. 3)
    # localized spins all ↑: every populated sector state has 2S^z_loc = L
    pops = PairObservables(ham).populations(psi)
    assert np.all(ham.sector.two_sz_loc[pops > 1e-30] == model.n_spins)


def test_initial_state_mixing_sectors_is_rejected():
    psi_el = np.zeros((4, 4, 4), dtype=complex)
    psi_el[0, 1, 0] = psi_el[1, 0, 0] = 0.5  # ↑↑
    psi_el[0, 1, 3] = psi_el[1, 0, 3] = 0.5  # ↓↓
    with pytest.raises(ValueError, match="mixes 2S"):
        embed_initial_state(psi_el, 2)
    with pytest.raises(ValueError, match="shape"):
        embed_initial_state(np.zeros((4, 3)), 2)


# --------------------------------------------------------------------------------------------------
# observables


def full_state(ham: PairHamiltonian, psi: np.ndarray) -> np.ndarray:
    """ψ embedded back into orbital ⊗ (electron spins) ⊗ (localized spins), shape (..., 2^n_e, 2^L)."""
    full = np.zeros((*ham.shape[:-1], ham.sector.full_dim), dtype=complex)
    full[..., ham.sector.indices] = psi
    return full.reshape(*ham.shape[:-1], 2**ham.n_electrons, 2**ham.model.n_spins)


@pytest.mark.parametrize("n_e", [2, 1])
@pytest.mark.parametrize("convention", sorted(SPIN_CONVENTIONS))
def test_observables_equal_brute_force_partial_traces_of_the_full_state(n_e, convention):
    model = PairOnRing(n_sites=9, n_spins=3, chain_start=4, x1=1.0, x2=5.0, sigma=1.0, convention=convention)
    two_sz = 1 if n_e == 2 else 2
    ham = PairHamiltonian(model, n_e, two_sz)
    psi = random_vector(ham.shape, 4)
    obs = PairObservables(ham)(psi)
    full = full_state(ham, psi)
    dims = (model.n_sites,) * n_e + (2**n_e, 2**model.n_spins)
    rho_el = partial_trace(full.reshape(-1), keep=[n_e], dims=dims)
    np.testing.assert_allclose(obs["rho_el"], rho_el, atol=1e-14)
    # Eq. 5 written out with an einsum instead of a partial trace
    flat = full.reshape(-1, 2**n_e, 2**model.n_spins)
    rho_einsum = np.einsum("xal,xbl->ab", flat, flat.conj())
    np.testing.assert_allclose(obs["rho_el"], rho_einsum, atol=1e-14)
    sz_el = np.kron(PAULI_Z, np.eye(2)) + np.kron(np.eye(2), PAULI_Z) if n_e == 2 else PAULI_Z
    assert obs["sigma_z"] == pytest.approx(np.trace(rho_el @ sz_el).real, abs=1e-14)
    # Eq. 6: Σ_i Tr ρ_loc S_z^(i) with ρ_loc from a partial trace of the full state
    rho_loc = partial_trace(full.reshape(-1), keep=[n_e + 1], dims=dims)
    s_z = spin_operators(model.normalizations[1])[2]
    s_tot = sum(on_factor(s_z, j, model.n_spins) for j in range(model.n_spins))
    assert obs["S_z"] == pytest.approx(np.trace(rho_loc @ s_tot).real, abs=1e-14)
    assert obs["sz_total"] == pytest.approx(two_sz, abs=1e-13)
    if n_e == 2:
        vecs = {
            "singlet": states.singlet(),
            "triplet+1": states.triplet(1),
            "triplet0": states.triplet(0),
            "triplet-1": states.triplet(-1),
        }
        expected = [np.vdot(vecs[c], rho_el @ vecs[c]).real for c in PAIR_PROBABILITY_COLUMNS]
        np.testing.assert_allclose(obs["pair_probabilities"], expected, atol=1e-14)
        assert obs["pair_probabilities"].sum() == pytest.approx(1.0, abs=1e-13)
    else:
        assert np.all(np.isnan(obs["pair_probabilities"]))


# --------------------------------------------------------------------------------------------------
# dynamics against expm_multiply


@pytest.mark.parametrize("pair", ["singlet", "triplet-1", "single-down"])
def test_chebyshev_run_matches_expm_multiply(pair):
    model = PairOnRing(n_sites=36, n_spins=2, chain_start=19, x1=4.0, x2=12.0, sigma=2.0)
    res = simulate_pair(model, pair, t_max=12.0, dt_out=1.5)
    two_sz, psi0 = embed_initial_state(pair_initial_state(model, pair), model.n_spins)
    ham = PairHamiltonian(model, psi0.ndim - 1, two_sz)
    ref = expm_multiply(
        (-1j / model.hbar) * ham.to_sparse(), psi0.reshape(-1), start=0.0, stop=12.0, num=9, endpoint=True
    )
    obs = PairObservables(ham)
    ref_sigma = np.array([obs(r.reshape(ham.shape))["sigma_z"] for r in ref])
    ref_sz = np.array([obs(r.reshape(ham.shape))["S_z"] for r in ref])
    np.testing.assert_allclose(res.arrays["t"], np.linspace(0, 12, 9), atol=1e-12)
    np.testing.assert_allclose(res.arrays["sigma_z"], ref_sigma, atol=DYNAMICS_ATOL)
    np.testing.assert_allclose(res.arrays["S_z"], ref_sz, atol=DYNAMICS_ATOL)
    states_cheb = [psi for _, psi in evolve(ham.apply, psi0, np.linspace(0, 12, 9), hbar=model.hbar)]
    assert max(np.linalg.norm(c.reshape(-1) - r) for c, r in zip(states_cheb, ref, strict=True)) < DYNAMICS_ATOL
    assert abs(res.arrays["spin_transfer"][-1]) > 1e-3  # the packets did reach the chain: a real test


# --------------------------------------------------------------------------------------------------
# property tests


@st.composite
def small_instances(draw):
    n_spins = draw(st.integers(1, 3))
    n_sites = draw(st.integers(max(n_spins + 3, 6), 11))
    chain_start = draw(st.integers(1, n_sites - n_spins + 1))
    sigma = draw(st.floats(0.6, 1.5))
    x1 = draw(st.floats(1.0, n_sites - 2 * sigma - 0.02))
    x2 = draw(st.floats(x1 + 2 * sigma + 0.01, float(n_sites)))  # the model rejects d < 2σ
    model = PairOnRing(
        n_sites=n_sites,
        n_spins=n_spins,
        chain_start=chain_start,
        hopping=draw(st.floats(0.1, 1.0)),
        j_ex=draw(st.floats(-0.5, 0.5)),
        j_sd=draw(st.floats(-1.0, 1.0)),
        k=draw(st.floats(-math.pi, math.pi)),
        sigma=sigma,
        x1=x1,
        x2=x2,
        convention=draw(st.sampled_from(sorted(SPIN_CONVENTIONS))),
        terms=draw(st.sampled_from(SD_TERMS)),
    )
    pair = draw(st.sampled_from(["singlet", "triplet+1", "triplet0", "triplet-1", "theta", "single-down"]))
    theta = draw(st.floats(0.0, 2 * math.pi)) if pair == "theta" else None
    return model, pair, theta


@given(instance=small_instances(), t_max=st.floats(0.5, 15.0))
def test_conservation_laws_and_antisymmetry_on_drawn_instances(instance, t_max):
    model, pair, theta = instance
    res = simulate_pair(model, pair, theta=theta, t_max=t_max, dt_out=t_max / 4)
    for key in ("norm", "energy", "sz_total"):
        assert res.meta["drifts"][key] < DYNAMICS_ATOL, key
    assert abs(res.arrays["norm"][0] - 1) < 1e-13
    # σ_z + (σ_z of the localized spins) = total 2S^z of the sector, at every time
    scale = 1.0 if model.normalizations[1] == "pauli" else 0.5
    np.testing.assert_allclose(res.arrays["sigma_z"] + res.arrays["S_z"] / scale, res.meta["two_sz"], atol=1e-10)
    if pair == "single-down":
        return
    # antisymmetry ψ[x_B, x_A, P s] = −ψ[x_A, x_B, s] is preserved by the evolution
    two_sz, psi0 = embed_initial_state(pair_initial_state(model, pair, theta), model.n_spins)
    ham = PairHamiltonian(model, 2, two_sz)
    for _, psi in evolve(ham.apply, psi0, [t_max / 2, t_max], bounds=ham.bounds(), hbar=model.hbar):
        assert np.linalg.norm(ham.exchange(psi) + psi) < DYNAMICS_ATOL


# --------------------------------------------------------------------------------------------------
# entry point: records, validation, geometry


def test_run_record_schema_and_round_trip(tmp_path):
    model = PairOnRing(n_sites=20, n_spins=2, chain_start=11, x1=2.0, x2=6.0, sigma=1.5)
    seen: list[float] = []
    res = simulate_pair(model, "singlet", t_max=3.0, dt_out=1.0, progress=seen.append)
    assert seen == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0])
    n_t = 4
    for key in ("t", "sigma_z", "S_z", "spin_transfer", "norm", "energy", "sz_total"):
        assert res.arrays[key].shape == (n_t,), key
    assert res.arrays["pair_probabilities"].shape == (n_t, 4)
    assert res.arrays["spin_transfer"][0] == 0.0
    meta = res.meta
    assert meta["model"] == model.to_dict()
    assert meta["pair"] == "singlet" and meta["theta"] is None and meta["method"] == "exact"
    assert meta["propagator"]["name"] == "chebyshev"
    assert set(meta["drifts"]) == {"norm", "energy", "sz_total"}
    assert meta["sector_dim"] == 4 and meta["two_sz"] == 2 and meta["state_dim"] == 20 * 20 * 4
    loaded = load_run(res.save(tmp_path / "run.npz"))
    for key, value in res.arrays.items():
        np.testing.assert_array_equal(loaded.arrays[key], value)
    assert loaded.meta["drifts"] == pytest.approx(meta["drifts"])


def test_single_down_run_has_nan_pair_probabilities_and_starts_at_minus_one():
    model = PairOnRing(n_sites=20, n_spins=2, chain_start=11, x1=2.0, x2=6.0, sigma=1.5)
    res = simulate_pair(model, "single-down", t_max=1.0, dt_out=0.5)
    assert np.all(np.isnan(res.arrays["pair_probabilities"]))
    assert res.arrays["sigma_z"][0] == pytest.approx(-1.0, abs=1e-14)
    assert res.arrays["S_z"][0] == pytest.approx(0.5 * model.n_spins, abs=1e-14)  # "pauli-half": S = σ/2


def test_output_grid_and_zero_length_run():
    model = PairOnRing(n_sites=12, n_spins=1, chain_start=6, x1=1.0, x2=4.0, sigma=1.0)
    res = simulate_pair(model, "triplet0", t_max=1.1, dt_out=0.5)
    np.testing.assert_allclose(res.arrays["t"], [0.0, 0.5, 1.0])
    res0 = simulate_pair(model, "theta", theta=0.3, t_max=0.0)
    assert res0.arrays["t"].tolist() == [0.0] and res0.meta["theta"] == 0.3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pair": "quartet"}, "unknown pair"),
        ({"pair": "theta"}, "needs a finite theta"),
        ({"pair": "theta", "theta": float("nan")}, "needs a finite theta"),
        ({"pair": "singlet", "theta": 0.5}, "only used with"),
        ({"pair": "singlet", "t_max": -1.0}, "t_max"),
        ({"pair": "singlet", "t_max": float("inf")}, "t_max"),
        ({"pair": "singlet", "dt_out": 0.0}, "dt_out"),
        ({"pair": "singlet", "dt_out": -0.5}, "dt_out"),
    ],
)
def test_simulate_pair_rejects_bad_input(kwargs, message):
    model = PairOnRing(n_sites=12, n_spins=1, chain_start=6, x1=1.0, x2=4.0, sigma=1.0)
    pair = kwargs.pop("pair")
    with pytest.raises(ValueError, match=message):
        simulate_pair(model, pair, **kwargs)
    with pytest.raises(TypeError, match="PairOnRing"):
        simulate_pair(model.to_dict(), "singlet")


def test_packet_chain_intervals():
    model = PairOnRing()  # chain on sites 101..104, packets at 49 and 79, σ = 5
    v = model.group_velocity
    got = packet_chain_intervals(model)
    np.testing.assert_allclose(got, [[(101 - 10 - 49) / v, (104 + 10 - 49) / v], [(91 - 79) / v, (114 - 79) / v]])
    assert got[1, 0] < got[0, 0] and np.all(got[:, 1] > got[:, 0])  # φ2 enters first
    backwards = PairOnRing(k=-1.0)  # packets moving left: intervals are ordered and negative
    assert np.all(np.diff(packet_chain_intervals(backwards), axis=1) > 0)
    with pytest.raises(ValueError, match="group velocity is zero"):
        packet_chain_intervals(PairOnRing(k=0.0))
    # in the paper's geometry φ2 enters at ≈ 10 fs ("Δσ_z becomes nonzero at around 10 fs")
    assert 8.0 < got[1, 0] < 12.0


@pytest.mark.parametrize(("terms", "convention"), list(product(SD_TERMS, sorted(SPIN_CONVENTIONS))))
def test_bounds_are_rigorous_on_the_single_electron_sector(terms, convention):
    model = tiny_model(terms=terms, convention=convention, n_spins=3, n_sites=7, chain_start=3)
    for two_sz in (-4, -2, 0, 2, 4):
        ham = PairHamiltonian(model, 1, two_sz)
        lam = np.linalg.eigvalsh(ham.to_sparse().toarray())
        lo, hi = ham.bounds()
        assert lo <= lam[0] + MATRIX_ATOL and hi >= lam[-1] - MATRIX_ATOL


def test_pair_initial_state_chooses_the_electron_state_by_name():
    model = PairOnRing(n_sites=30, n_spins=3, chain_start=15, x1=3.0, x2=9.0, sigma=2.0)
    single = pair_initial_state(model, "single-down")
    assert single.shape == (30, 2)  # one spin-↓ electron at x2 (pair paper Fig. 2a)
    np.testing.assert_array_equal(single, states.single_electron_state(30, 9.0, 2.0, model.k, spin="down"))
    for pair, theta in (("singlet", None), ("triplet-1", None), ("theta", 0.3)):
        psi = pair_initial_state(model, pair, theta)
        assert psi.shape == (30, 30, 4)
        np.testing.assert_array_equal(psi, states.pair_state(30, 3.0, 9.0, 2.0, model.k, pair, theta=theta))
    for args, error, fragment in (
        ((model.to_dict(), "singlet"), TypeError, "PairOnRing"),
        ((model, 3), TypeError, "pair"),
        ((model, "quartet"), ValueError, "quartet"),
        ((model, "single-down", 0.3), ValueError, "only used with pair='theta'"),
        ((model, "theta"), ValueError, "needs a value of theta"),
        ((model, "singlet", 0.3), ValueError, "only used with spin state 'theta'"),
    ):
        with pytest.raises(error, match=fragment):
            pair_initial_state(*args)
