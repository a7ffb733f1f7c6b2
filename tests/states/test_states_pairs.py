"""Tests of the two-electron spin states and wave packets (pair paper Eqs. 3, 4, 8).

Independent routes: spin vectors are checked by basis label (``TWO_SPIN_LABELS``) and by the
eigenvalues of total S² and S^z built from ``spin_operators``; the spin swap against the Dirac
identity P = (1 + σ·σ)/2; packets against Poisson-summation closed forms; pair states against the
explicit orbital-symmetric/antisymmetric products of Eq. 3 and an analytic reduced spin density matrix.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from states import (
    PAIR_SPIN_NAMES,
    gaussian_packet,
    pair_spin_state,
    pair_state,
    single_electron_state,
    singlet,
    swap_spins,
    theta_spin_state,
    triplet,
)
from states.conventions import IDENTITY_2, PAULI_X, PAULI_Y, PAULI_Z, TWO_SPIN_LABELS, spin_operators

# Double-precision round-off on unit-norm vectors of at most 200² · 4 entries: 1e-12 is ample.
ATOL = 1e-12
SWAP_SPIN_INDEX = [TWO_SPIN_LABELS.index(label[::-1]) for label in TWO_SPIN_LABELS]  # |ab> -> |ba>
thetas = st.floats(-2 * math.pi, 2 * math.pi, allow_nan=False)


def by_label(**amplitudes: complex) -> np.ndarray:
    names = {"uu": "↑↑", "ud": "↑↓", "du": "↓↑", "dd": "↓↓"}
    vector = np.zeros(4, dtype=complex)
    for key, value in amplitudes.items():
        vector[TWO_SPIN_LABELS.index(names[key])] = value
    return vector


def total_spin_operators() -> list[np.ndarray]:
    return [np.kron(s, IDENTITY_2) + np.kron(IDENTITY_2, s) for s in spin_operators("half")]


# ---------------------------------------------------------------- spin states


def test_spin_states_by_label():
    r = 1 / math.sqrt(2)
    np.testing.assert_allclose(singlet(), by_label(ud=r, du=-r), atol=ATOL)
    np.testing.assert_allclose(triplet(1), by_label(uu=1), atol=ATOL)
    np.testing.assert_allclose(triplet(0), by_label(ud=r, du=r), atol=ATOL)
    np.testing.assert_allclose(triplet(-1), by_label(dd=1), atol=ATOL)


@pytest.mark.parametrize(
    ("name", "s_total", "m"), [("singlet", 0, 0), ("triplet+1", 1, 1), ("triplet0", 1, 0), ("triplet-1", 1, -1)]
)
def test_spin_states_are_s2_sz_eigenstates(name, s_total, m):
    chi = pair_spin_state(name)
    sx, sy, sz = total_spin_operators()
    s_squared = sx @ sx + sy @ sy + sz @ sz
    np.testing.assert_allclose(s_squared @ chi, s_total * (s_total + 1) * chi, atol=ATOL)
    np.testing.assert_allclose(sz @ chi, m * chi, atol=ATOL)
    assert np.linalg.norm(chi) == pytest.approx(1.0, abs=ATOL)


def test_spin_states_form_an_orthonormal_basis():
    basis = np.column_stack([singlet(), triplet(1), triplet(0), triplet(-1)])
    np.testing.assert_allclose(basis.conj().T @ basis, np.eye(4), atol=ATOL)


@settings(max_examples=25)
@given(theta=thetas)
def test_theta_state_properties(theta):
    chi = theta_spin_state(theta)
    np.testing.assert_allclose(chi, by_label(ud=1 / math.sqrt(2), du=-np.exp(1j * theta) / math.sqrt(2)), atol=ATOL)
    assert np.linalg.norm(chi) == pytest.approx(1.0, abs=ATOL)
    sigma_z_total = np.kron(PAULI_Z, IDENTITY_2) + np.kron(IDENTITY_2, PAULI_Z)
    assert np.vdot(chi, sigma_z_total @ chi) == pytest.approx(0.0, abs=ATOL)  # no net spin for any θ
    np.testing.assert_allclose(theta_spin_state(theta + 2 * math.pi), chi, atol=ATOL)
    np.testing.assert_allclose(pair_spin_state("theta", theta), chi, atol=ATOL)


def test_theta_endpoints():
    # e^{iπ} = −1 up to 1.2e-16 in floating point.
    np.testing.assert_allclose(theta_spin_state(0.0), singlet(), atol=1e-15)
    np.testing.assert_allclose(theta_spin_state(math.pi), triplet(0), atol=1e-15)


@settings(max_examples=25)
@given(real=st.lists(st.floats(-1, 1), min_size=8, max_size=8))
def test_swap_spins_is_the_dirac_exchange_operator(real):
    chi = np.array(real[:4]) + 1j * np.array(real[4:])
    exchange = (np.eye(4) + sum(np.kron(p, p) for p in (PAULI_X, PAULI_Y, PAULI_Z))) / 2
    np.testing.assert_allclose(swap_spins(chi), exchange @ chi, atol=ATOL)
    np.testing.assert_allclose(swap_spins(chi), chi[SWAP_SPIN_INDEX], atol=0)


def test_swap_spins_symmetry_of_named_states():
    np.testing.assert_allclose(swap_spins(singlet()), -singlet(), atol=ATOL)
    for m in (1, 0, -1):
        np.testing.assert_allclose(swap_spins(triplet(m)), triplet(m), atol=ATOL)


def test_spin_state_errors():
    with pytest.raises(ValueError, match=r"unknown pair spin state 'doublet': use one of \['singlet'"):
        pair_spin_state("doublet")
    with pytest.raises(ValueError, match="needs a value of theta"):
        pair_spin_state("theta")
    with pytest.raises(ValueError, match="theta is only used with spin state 'theta', not 'singlet'"):
        pair_spin_state("singlet", theta=0.3)
    with pytest.raises(ValueError, match="theta must be a finite real number"):
        theta_spin_state(float("nan"))
    with pytest.raises(TypeError, match="theta must be a finite real number"):  # wrong type: TypeError
        theta_spin_state(1j)
    with pytest.raises(ValueError, match="triplet m must be one of"):
        triplet(2)
    for bad in (True, 0.0, "0"):  # wrong types: TypeError
        with pytest.raises(TypeError, match="triplet m must be one of"):
            triplet(bad)
    with pytest.raises(TypeError, match="unknown pair spin state 3"):
        pair_spin_state(3)
    with pytest.raises(ValueError, match="last axis of length 4"):
        swap_spins(np.zeros(3))


# ---------------------------------------------------------------- packets


def test_lattice_normalization_equals_continuum_prefactor_for_wide_packets():
    # Poisson summation: Σ_x e^{−(x−c)²/σ²} = σ√π (1 + 2 Σ_m e^{−π²σ²m²} cos 2πmc); for σ = 5 the
    # correction is 2e^{−25π²} ≈ 1e-107, so the continuum prefactor is exact to machine precision.
    sigma = 5.0
    packet = gaussian_packet(200, 100, sigma, 1.0)
    assert abs(packet[99]) == pytest.approx(1 / math.sqrt(sigma * math.sqrt(math.pi)), rel=1e-13)


@pytest.mark.parametrize(("sigma", "center"), [(0.4, 10.0), (0.6, 10.3), (0.9, 11.75), (1.5, 9.5)])
def test_lattice_normalization_follows_poisson_sum_for_narrow_packets(sigma, center):
    # Open chain: the minimal-image wrap of a ring would move the far tail; the chain truncation drops
    # terms below e^{−(8.5)²/σ²} < 1e-38 relative, far under the tolerance.
    packet = gaussian_packet(20, center, sigma, 0.3, periodic=False)
    m = np.arange(1, 8)  # terms beyond m = 7 are below e^{−49π²σ²} < 1e-80 for σ >= 0.4
    lattice_sum = (
        sigma
        * math.sqrt(math.pi)
        * (1 + 2 * np.sum(np.exp(-((math.pi * sigma * m) ** 2)) * np.cos(2 * math.pi * m * center)))
    )
    x = np.arange(1, 21)
    expected = np.exp(-((x - center) ** 2) / (2 * sigma**2)) / math.sqrt(lattice_sum)
    np.testing.assert_allclose(np.abs(packet), expected, rtol=1e-12, atol=1e-300)
    if sigma < 0.7:  # here the continuum prefactor is visibly wrong: the lattice sum differs by > 1 %
        assert abs(lattice_sum / (sigma * math.sqrt(math.pi)) - 1) > 1e-2


@settings(max_examples=25)
@given(center=st.floats(30, 70), sigma=st.floats(2, 6), k=st.floats(-3, 3))
def test_packet_position_and_momentum(center, sigma, k):
    packet = gaussian_packet(100, center, sigma, k)
    x = np.arange(1, 101)
    density = np.abs(packet) ** 2
    assert density.sum() == pytest.approx(1.0, abs=ATOL)
    # Poisson corrections to <x> are ~2πσ² e^{−π²σ²} < 1e-15 for σ >= 2.
    assert np.sum(x * density) == pytest.approx(center, abs=1e-9)
    # <ψ|T|ψ> with Tψ(x) = ψ(x+1) equals e^{ik} e^{−1/(4σ²)} (Gaussian overlap, Poisson-exact here).
    hop = np.vdot(packet, np.roll(packet, -1))
    assert hop == pytest.approx(np.exp(1j * k - 1 / (4 * sigma**2)), abs=1e-12)


@settings(max_examples=25)
@given(center=st.floats(1, 60), shift=st.integers(-80, 80), sigma=st.floats(0.5, 8), k=st.floats(-3, 3))
def test_packet_on_ring_is_translation_covariant_and_wraps(center, shift, sigma, k):
    n_sites = 60
    shifted_center = (center - 1 + shift) % n_sites + 1
    assume(shifted_center <= n_sites)  # centres in (N, N + 1) lie between sites N and 1: not accepted
    np.testing.assert_allclose(
        gaussian_packet(n_sites, shifted_center, sigma, k),
        np.roll(gaussian_packet(n_sites, center, sigma, k), shift),
        atol=1e-10,  # (center + shift) mod N loses ~1e-14 of the centre, i.e. ~1e-13 in amplitude
    )


def test_packet_near_edge_wraps_only_on_a_ring():
    ring = gaussian_packet(50, 1.0, 3.0, 0.0)
    chain = gaussian_packet(50, 1.0, 3.0, 0.0, periodic=False)
    assert abs(ring[-1]) == pytest.approx(abs(ring[1]), rel=1e-12)  # sites N and 2 are both 1 away
    assert abs(chain[-1]) < 1e-30
    assert np.linalg.norm(chain) == pytest.approx(1.0, abs=ATOL)


def test_packet_overlap_is_gaussian():
    # <φ1|φ2> = e^{ik(x1 − x2)} e^{−d²/(4σ²)} for packets far from the antipode (Poisson-exact).
    sigma, k, x1, x2 = 4.0, 0.7, 40.0, 52.0
    overlap = np.vdot(gaussian_packet(200, x1, sigma, k), gaussian_packet(200, x2, sigma, k))
    assert overlap == pytest.approx(np.exp(1j * k * (x1 - x2) - (x2 - x1) ** 2 / (4 * sigma**2)), abs=1e-13)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((1, 1, 1.0, 0.0), ValueError, "n_sites must be an integer >= 2"),
        ((10.0, 1, 1.0, 0.0), TypeError, "n_sites must be an integer >= 2"),  # wrong type: TypeError
        ((10, 0, 1.0, 0.0), ValueError, "center = 0.0 is off the lattice 1..10"),
        ((10, 10.5, 1.0, 0.0), ValueError, "off the lattice"),
        ((10, 5, 0.0, 0.0), ValueError, "sigma must be positive"),
        ((10, 5, -1.0, 0.0), ValueError, "sigma must be positive"),
        ((10, 5, float("nan"), 0.0), ValueError, "sigma must be a finite real number"),
        ((10, 5, 1.0, float("inf")), ValueError, "k must be a finite real number"),
        ((10, 5, 1.0, 10**400), ValueError, "k must be a finite real number"),  # beyond the float range
        ((10, "5", 1.0, 0.0), TypeError, "center must be a finite real number"),  # wrong type: TypeError
    ],
)
def test_packet_errors(args, error, message):
    with pytest.raises(error, match=message):
        gaussian_packet(*args)


def test_packet_accepts_numpy_scalars():
    reference = gaussian_packet(10, 5.0, 1.0, 0.5)
    np.testing.assert_array_equal(
        gaussian_packet(np.int64(10), np.float64(5.0), np.int32(1), np.float64(0.5)), reference
    )


# ---------------------------------------------------------------- pair states

spins = st.sampled_from(PAIR_SPIN_NAMES)


def draw_theta(spin, data):
    return data.draw(thetas) if spin == "theta" else None


@settings(max_examples=25)
@given(
    data=st.data(),
    spin=spins,
    x1=st.floats(1, 30),
    x2=st.floats(1, 30),
    sigma=st.floats(0.5, 4),
    k=st.floats(-3, 3),
    periodic=st.booleans(),
)
def test_pair_state_is_normalized_and_antisymmetric(data, spin, x1, x2, sigma, k, periodic):
    theta = draw_theta(spin, data)
    try:
        psi = pair_state(30, x1, x2, sigma, k, spin, theta=theta, periodic=periodic)
    except ValueError as error:  # only the Pauli-forbidden case (triplet-like part with coinciding packets)
        assert "violates the Pauli principle" in str(error)
        assert abs(x1 - x2) < 1e-3
        return
    assert psi.shape == (30, 30, 4)
    assert np.linalg.norm(psi) == pytest.approx(1.0, abs=ATOL)
    np.testing.assert_allclose(psi.transpose(1, 0, 2)[:, :, SWAP_SPIN_INDEX], -psi, atol=ATOL)


@pytest.mark.parametrize("separation", [0.0, 3.0, 20.0])
def test_singlet_and_triplet_pairs_are_orbital_times_spin_products(separation):
    # Eq. 3: (φ1φ2 + φ2φ1) ⊗ singlet and (φ1φ2 − φ2φ1) ⊗ triplet, each normalized.
    n, x1, sigma, k = 60, 20.0, 3.0, 0.8
    x2 = x1 + separation
    phi1, phi2 = gaussian_packet(n, x1, sigma, k), gaussian_packet(n, x2, sigma, k)
    for spin, sign in [("singlet", +1), ("triplet+1", -1), ("triplet0", -1), ("triplet-1", -1)]:
        orbital = np.outer(phi1, phi2) + sign * np.outer(phi2, phi1)
        if np.linalg.norm(orbital) < 1e-8:
            with pytest.raises(ValueError, match="violates the Pauli principle"):
                pair_state(n, x1, x2, sigma, k, spin)
            continue
        expected = np.einsum("ab,s->abs", orbital / np.linalg.norm(orbital), pair_spin_state(spin))
        np.testing.assert_allclose(pair_state(n, x1, x2, sigma, k, spin), expected, atol=ATOL)


def test_theta_pair_endpoints_are_singlet_and_triplet0_pairs():
    args = (60, 15.0, 35.0, 3.0, 1.0)
    np.testing.assert_allclose(pair_state(*args, "theta", theta=0.0), pair_state(*args, "singlet"), atol=1e-15)
    np.testing.assert_allclose(pair_state(*args, "theta", theta=math.pi), pair_state(*args, "triplet0"), atol=1e-15)


@settings(max_examples=25)
@given(data=st.data(), spin=spins, separation=st.floats(0.5, 25), sigma=st.floats(1, 4))
def test_reduced_spin_density_matrix(data, spin, separation, sigma):
    # ψ = A⊗χ − B⊗Pχ with A = φ1φ2, B = φ2φ1, <B|A> = |s|², s = <φ1|φ2>:
    # ρ_spin ∝ |χ><χ| + |Pχ><Pχ| − |s|²(|χ><Pχ| + |Pχ><χ|), trace 2 − 2|s|² Re<χ|Pχ>.
    theta = draw_theta(spin, data)
    n, x1, k = 60, 15.0, 0.9
    x2 = x1 + separation
    psi = pair_state(n, x1, x2, sigma, k, spin, theta=theta)
    rho = np.einsum("abs,abt->st", psi, psi.conj())
    s = np.vdot(gaussian_packet(n, x1, sigma, k), gaussian_packet(n, x2, sigma, k))
    chi = pair_spin_state(spin, theta)
    p_chi = chi[SWAP_SPIN_INDEX]
    expected = np.outer(chi, chi.conj()) + np.outer(p_chi, p_chi.conj())
    expected -= abs(s) ** 2 * (np.outer(chi, p_chi.conj()) + np.outer(p_chi, chi.conj()))
    np.testing.assert_allclose(rho, expected / np.trace(expected).real, atol=ATOL)


def test_singlet_pair_spin_state_far_apart():
    psi = pair_state(200, 49.0, 79.0, 5.0, 1.0, "singlet")  # pair-paper Fig. 2 geometry
    rho = np.einsum("abs,abt->st", psi, psi.conj())
    np.testing.assert_allclose(rho, np.outer(singlet(), singlet().conj()), atol=ATOL)
    # θ = π/2 far apart: χ and Pχ are distinguishable by the orbital, so the spin state is mixed.
    psi = pair_state(200, 49.0, 79.0, 5.0, 1.0, "theta", theta=math.pi / 2)
    rho = np.einsum("abs,abt->st", psi, psi.conj())
    # Purity (1 + |<χ|Pχ>|²)/2 with <χ|Pχ> = −cos θ = 0; exchange corrections are O(|s|⁴), |s|² ≈ e^{−18}.
    assert np.trace(rho @ rho).real == pytest.approx(0.5, abs=1e-8)


def test_pair_positions_and_momentum():
    n, x1, x2, sigma, k = 120, 40.0, 80.0, 3.0, 0.6  # |s|² = e^{−d²/2σ²} ≈ e^{−89}: no exchange corrections
    psi = pair_state(n, x1, x2, sigma, k, "triplet0")
    density = np.sum(np.abs(psi) ** 2, axis=2)
    x = np.arange(1, n + 1)
    marginal_a = density.sum(axis=1)
    assert np.sum(x * marginal_a) == pytest.approx((x1 + x2) / 2, abs=1e-9)  # each electron is in either packet
    lower = np.minimum.outer(x, x)
    upper = np.maximum.outer(x, x)
    assert np.sum(lower * density) == pytest.approx(x1, abs=1e-9)
    assert np.sum(upper * density) == pytest.approx(x2, abs=1e-9)
    hop_a = np.vdot(psi, np.roll(psi, -1, axis=0))
    assert hop_a == pytest.approx(np.exp(1j * k - 1 / (4 * sigma**2)), abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_sites": 1}, "n_sites must be an integer >= 2"),
        ({"sigma": 0.0}, "sigma must be positive"),
        ({"sigma": -2.0}, "sigma must be positive"),
        ({"x1": 0.5}, "center = 0.5 is off the lattice"),
        ({"x2": 41.0}, "center = 41.0 is off the lattice 1..40"),
        ({"spin": "single-down"}, r"unknown pair spin state 'single-down': use one of \['singlet', 'triplet\+1'"),
        ({"theta": 0.5}, "theta is only used with spin state 'theta'"),
        ({"spin": "theta"}, "needs a value of theta"),
        ({"spin": "triplet+1", "x2": 10.0}, "violates the Pauli principle"),
    ],
)
def test_pair_state_errors(kwargs, message):
    arguments = {"n_sites": 40, "x1": 10.0, "x2": 25.0, "sigma": 2.0, "k": 1.0, "spin": "singlet", **kwargs}
    with pytest.raises(ValueError, match=message):
        pair_state(**arguments)


def test_single_electron_state():
    packet = gaussian_packet(50, 30.0, 4.0, 1.2)
    down = single_electron_state(50, 30.0, 4.0, 1.2)
    assert down.shape == (50, 2)
    np.testing.assert_array_equal(down[:, 0], 0)
    np.testing.assert_allclose(down[:, 1], packet, atol=0)
    up = single_electron_state(50, 30.0, 4.0, 1.2, spin="up", periodic=False)
    np.testing.assert_array_equal(up[:, 1], 0)
    np.testing.assert_allclose(up[:, 0], gaussian_packet(50, 30.0, 4.0, 1.2, periodic=False), atol=0)
    with pytest.raises(ValueError, match=r"unknown single-electron spin 'sideways': use one of \['up', 'down'\]"):
        single_electron_state(50, 30.0, 4.0, 1.2, spin="sideways")
    with pytest.raises(TypeError, match="unknown single-electron spin 1"):  # wrong type: TypeError
        single_electron_state(50, 30.0, 4.0, 1.2, spin=1)
