"""PRXChain polarization directions (θ, φ) of the electrons and the localized spins, and its initial states.

Independent routes: the preparation fields read back from the chain model's on-site matrices and
compared with −V − B σ·n_e and −B S·n_s written from the Pauli matrices; the sector against the
charges of the recipes' local vectors; the paper's z and x instances against the terms they always had.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from states.conventions import PAULI_X, PAULI_Y, PAULI_Z, direction_vector, spin_s_operators
from verify.models import GroundState, OnSite, ProductState, PRXChain, SlaterDeterminant, model_from_dict

SMALL = dict(n_sites=7, n_left=3, n_fm=2, n_conf=2, n_e=2)
TILTED = dict(electron_theta=1.1, electron_phi=0.4, spin_theta=2.0, spin_phi=-0.7)
EXACT = 1e-14
"""Fields are B times entries of Pauli matrices and of n (products of a few cos/sin): exact to a few ε·B."""


def _prep_onsite(model: PRXChain, site: int) -> np.ndarray:
    chain = model.chain()
    return chain.onsite_matrices(preparation=True)[site] - chain.onsite_matrices()[site]


def test_paper_geometries_keep_their_terms_and_states() -> None:
    """z and x: the same Eq. 5 terms, spinor and sector as before the angles existed."""
    z, x = PRXChain(**SMALL), PRXChain(**SMALL, polarization="x")
    fm = [OnSite(i, "Sz", 100.0) for i in z.fm_sites]
    assert z.chain().preparation == tuple(fm + [t for i in range(2) for t in (OnSite(i, "N", -10.0),
                                                                               OnSite(i, "sz", -100.0))])
    assert x.chain().preparation[-1] == OnSite(1, "sx", -100.0)
    assert z.spinor().tolist() == [1.0, 0.0] and x.spinor().tolist() == [1 / math.sqrt(2)] * 2
    assert z.sector() == {"N": 2, "2Sz": 0} and x.sector() == {"N": 2}
    assert z.collinear and not x.collinear
    vacuum = z.slater_state().background.vectors[3]  # FM site: |0⟩ ⊗ |↓⟩
    assert vacuum.tolist() == [0, 1, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("normalization", ["pauli", "half"])
def test_preparation_fields_point_along_the_directions(normalization: str) -> None:
    model = PRXChain(**SMALL, **TILTED, spin_normalization=normalization)
    n_e, n_s = model.electron_direction, model.spin_direction
    well = _prep_onsite(model, 0)[1:3, 1:3]  # one electron: basis (↑, ↓) of the fermion site
    sigma = n_e[0] * PAULI_X + n_e[1] * PAULI_Y + n_e[2] * PAULI_Z
    assert np.allclose(well, -10.0 * np.eye(2) - 100.0 * sigma, atol=100 * EXACT)
    spin = _prep_onsite(model, 3)[:2, :2]  # FM site, no electron: the localized-spin factor
    c = 1.0 if normalization == "pauli" else 0.5
    s_dot_n = sum(n_s[a] * spin_s_operators(1)[a] for a in range(3))
    assert np.allclose(spin, -100.0 * c * s_dot_n, atol=100 * EXACT)
    assert model.sector() == {"N": 2} and not model.collinear


@pytest.mark.parametrize(
    ("angles", "two_sz"),
    [(dict(spin_theta=0.0), 2 + 2), (dict(electron_theta=math.pi), -2 - 2), (dict(electron_theta=math.pi,
                                                                                 spin_theta=0.0, spin_phi=1.0), 0),
     (dict(electron_theta=0.0, electron_phi=2.0), 2 - 2)],
)
def test_only_z_directions_keep_the_two_sz_sector(angles: dict, two_sz: int) -> None:
    """±z for both: 2S^z = ±N_e ± 2S N_FM, read off the recipe's local vectors as well."""
    model = PRXChain(**SMALL, **angles, initial_state="product")
    assert model.collinear and model.sector() == {"N": 2, "2Sz": two_sz}
    sites = model.sites()
    total = 0.0
    for site, v in zip(sites, model.chain().initial.vectors, strict=True):
        p = np.abs(v) ** 2
        total += float(p @ site.charges["2Sz"]) / float(p.sum())
    assert total == pytest.approx(two_sz, abs=EXACT)


def test_recipes_and_labels() -> None:
    ground, slater = PRXChain(**SMALL, **TILTED), PRXChain(**SMALL, **TILTED, initial_state="slater")
    product = PRXChain(**SMALL, **TILTED, initial_state="product")
    assert isinstance(ground.chain().initial, GroundState)
    assert ground.chain().initial.label == "ground state of H + H_VB (PRX Eq. 5)"
    assert isinstance(slater.chain().initial, SlaterDeterminant)
    assert isinstance(product.chain().initial, ProductState)
    assert product.chain().initial.label == "product: electrons on sites 1..2"
    spinor = slater.chain().initial.spinor
    n = direction_vector(1.1, 0.4)
    bloch = [np.vdot(spinor, p @ spinor).real for p in (PAULI_X, PAULI_Y, PAULI_Z)]
    assert np.allclose(bloch, n, atol=EXACT)


def test_angles_round_trip_and_are_validated() -> None:
    model = PRXChain(**SMALL, **TILTED, initial_state="slater")
    assert model_from_dict(model.to_dict()) == model
    assert model_from_dict({k: v for k, v in PRXChain().to_dict().items()
                            if k not in ("electron_theta", "spin_theta", "initial_state")}) == PRXChain()
    assert PRXChain(electron_theta=0.5).electron_angles == (0.5, 0.0)
    for kwargs, error, match in [
        (dict(polarization="x", electron_theta=1.0), ValueError, "not both"),
        (dict(electron_phi=1.0), ValueError, "needs electron_theta"),
        (dict(electron_theta=3.5), ValueError, "electron_theta"),
        (dict(spin_theta=-0.1), ValueError, "spin_theta"),
        (dict(spin_phi=math.nan), ValueError, "spin_phi"),
        (dict(electron_theta="pi"), TypeError, "electron_theta"),
        (dict(initial_state="neel"), ValueError, "initial_state"),
    ]:
        with pytest.raises(error, match=match):
            PRXChain(**kwargs)
