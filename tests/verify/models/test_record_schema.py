"""Tests of verify.models.record_schema: what each model's records hold and obey, read from the model.

The expected numbers are written out from the models' definitions (site dimensions, sectors, charges),
not from the schema code: PRX (spin 1/2 and spin 1, both geometries), the XXZ chain, the pair model,
and a brute-force check of the operator norm ‖Σ_i Q_i‖ on the fixed particle number.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest

from verify.models import (
    APPROXIMATE_RECORD_KEYS,
    PRX_RECORD_KEYS,
    PRX_UNITS,
    ConservedLaw,
    LawPart,
    PairOnRing,
    PRXChain,
    RecordSchema,
    SpinBound,
    XXZChain,
    cut_log_dims,
    record_schema,
)

LN2, LN3 = math.log(2.0), math.log(3.0)


def test_prx_default_schema() -> None:
    schema = record_schema(PRXChain())  # N = 75, N_L = 35, N_FM = 5, N_e = 8, collinear
    assert isinstance(schema, RecordSchema) and schema.kind == "prx"
    assert schema.keys == ("t", *PRX_RECORD_KEYS)
    assert schema.shapes["spin"] == (5, 3) and schema.shapes["spin_purity"] == (5,)
    assert schema.shapes["density"] == (75,) and schema.shapes["electron_spin"] == (3,)
    assert schema.shapes["energy"] == () and schema.shapes["bond_entropy"] == (74,)
    assert set(APPROXIMATE_RECORD_KEYS) <= set(schema.shapes)
    number, spin = schema.law("N"), schema.law("2Sz")
    assert (number.key, number.norm, number.eigenstate, number.value) == ("n_electrons", 8.0, True, 8)
    assert [part.key for part in number.parts] == ["density"]
    # 2S^z = N_e (electrons up) - N_FM (spins down); ||sum 2S^z_i|| on N = N_e: N_e + N_FM
    assert (spin.key, spin.norm, spin.eigenstate, spin.value) == ("total_spin_z", 13.0, True, 3)
    assert spin.parts == (LawPart("spin_z_total"), LawPart("electron_spin", 2))
    assert spin.parts_text == "spin_z_total + electron_spin_z"
    # cut after site 38 (PRX Eq. 12); FM sites 36..40: three on the left
    assert schema.cut == 38
    left, right = schema.entropy_log_dims
    assert left == pytest.approx((2 * 38 + 3) * LN2) and right == pytest.approx((2 * 37 + 2) * LN2)
    assert schema.spin_bounds == (SpinBound("spin", 1.0, "vector"), SpinBound("spin_purity", 1.0, "length"))
    assert schema.mutual_info_dims == (2, 2) and dict(schema.nan_keys) == {}
    assert schema.n_electrons == 8 and dict(schema.units) == PRX_UNITS


def test_prx_noncollinear_and_nan_by_design() -> None:
    schema = record_schema(PRXChain(n_sites=4, n_left=2, n_fm=1, n_conf=2, n_e=0, polarization="x"))
    spin = schema.law("2Sz")
    assert not spin.eigenstate and spin.value is None and spin.norm == 1.0  # N_e + N_FM = 0 + 1
    assert schema.law("N").value == 0
    assert set(schema.nan_keys) == {
        "mutual_info_edges", "mutual_info_entropy_a", "mutual_info_entropy_b", "electron_spin_purity"
    }
    assert schema.nan_keys["mutual_info_edges"] == "N_FM = 1" and schema.nan_keys["electron_spin_purity"] == "N_e = 0"


def test_prx_spin_one_schema() -> None:
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, localized_spin=1)
    schema = record_schema(model)
    # sites 1, 2: d = 4; FM sites 3, 4: d = 4 * 3; sites 5, 6: d = 4; default cut (6 + 1)//2 = 3
    assert schema.site_dims == (4, 4, 12, 12, 4, 4) and schema.cut == 3
    assert schema.entropy_log_dims == pytest.approx((math.log(4 * 4 * 12), math.log(12 * 4 * 4)))
    spin = schema.law("2Sz")
    assert spin.value == 2 - 2 * 2 and spin.norm == 2 + 2 * 2  # N_e - 2S N_FM; N_e + 2S N_FM
    assert SpinBound("spin", 2.0, "vector") in schema.spin_bounds  # |<2S>| <= 2S
    assert SpinBound("spin_purity", 1.0, "length") in schema.spin_bounds
    assert schema.mutual_info_dims == (3, 3)
    assert schema.nan_keys == {"meyer_wallach": "localized spin S = 1 > 1/2"}
    three_halves = record_schema(PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, localized_spin=1.5))
    assert three_halves.law("2Sz").value == 2 - 3 * 2 and three_halves.law("2Sz").norm == 2 + 3 * 2
    assert three_halves.mutual_info_dims == (4, 4) and "S = 3/2" in three_halves.nan_keys["meyer_wallach"]


def test_cut_from_the_record_and_its_validation() -> None:
    model = PRXChain(n_sites=5, n_left=2, n_fm=2, n_conf=2, n_e=2)
    schema = record_schema(model, cut=2)
    assert schema.cut == 2 and schema.entropy_log_dims == pytest.approx((4 * LN2, (3 + 3 + 2) * LN2))
    assert cut_log_dims((4, 4, 8, 8, 4), 2) == pytest.approx(schema.entropy_log_dims)
    with pytest.raises(ValueError, match="cut"):
        record_schema(model, cut=5)
    with pytest.raises(TypeError, match="cut"):
        record_schema(model, cut="2")


def test_xxz_schema() -> None:
    model = XXZChain(n_sites=6, initial="uuudud")
    schema = record_schema(model, cut=2)
    # the XXZ record of docs/run_records.md
    assert schema.kind == "xxz" and schema.keys == ("t", "norm", "energy", "entropy_cut", "spin_z", "total_spin_z")
    assert schema.shapes["spin_z"] == (6,) and schema.shapes["total_spin_z"] == ()
    assert schema.shapes["bond_entropy"] == (5,)
    assert schema.law("N") is None and len(schema.laws) == 1
    law = schema.law("2Sz")
    assert law == ConservedLaw("2Sz", "total_spin_z", (LawPart("spin_z", per_site=True),), 6.0, True, 2)
    assert law.parts_text == "sum_i spin_z"
    assert schema.site_dims == (2,) * 6 and schema.entropy_log_dims == pytest.approx((2 * LN2, 4 * LN2))
    assert np.allclose(schema.bond_log_bounds(), LN2 * np.array([1, 2, 3, 2, 1]))
    assert schema.spin_bounds == (SpinBound("spin_z", 1.0, "component"),)  # |<sigma^z_i>| <= 1
    assert schema.mutual_info_dims is None and schema.n_electrons is None and schema.units["spin"] == "pauli"
    # the chain model itself gives the same schema as its parameters
    assert record_schema(model.chain(), cut=2) == schema
    assert record_schema(XXZChain(n_sites=5, initial="neel")).law("2Sz").value == 1


def test_pair_schema() -> None:
    model = PairOnRing(n_sites=24, n_spins=2, chain_start=14, sigma=2.0, x1=3.0, x2=8.0)
    schema = record_schema(model, pair="singlet")
    assert schema.kind == "pair" and schema.shapes["pair_probabilities"] == (4,)
    law = schema.law("2Sz")
    assert law.key == "sz_total" and law.eigenstate and law.value is None and law.norm == 2 + 2
    # pauli-half: S_z is 1/2 per up spin, so 2S^z of the localized spins is S_z / 0.5
    assert law.parts == (LawPart("sigma_z"), LawPart("S_z", scale=0.5)) and law.parts_text == "sigma_z + S_z/0.5"
    assert schema.n_electrons == 2 and dict(schema.nan_keys) == {} and schema.entropy_log_dims is None
    single = record_schema(model, pair="single-down")
    assert single.law("2Sz").norm == 1 + 2 and single.n_electrons == 1
    assert set(single.nan_keys) == {"pair_probabilities"}
    pauli = record_schema(dataclasses.replace(model, convention="pauli"))
    assert pauli.law("2Sz").parts[1].scale == 1.0
    with pytest.raises(ValueError, match="pair"):
        record_schema(model, pair="quartet")
    with pytest.raises(TypeError, match="pair"):
        record_schema(XXZChain(n_sites=4), pair="singlet")
    with pytest.raises(TypeError, match="chain model"):
        record_schema("prx")


@pytest.mark.parametrize("two_s", [1, 2])
def test_charge_norm_is_the_largest_total_on_the_fixed_particle_number(two_s: int) -> None:
    """Brute force over every product basis state with N = N_e (a 3-site chain, 4·(4·(2S+1))·4 states)."""
    model = PRXChain(n_sites=3, n_left=1, n_fm=1, n_conf=1, n_e=1, polarization="x", localized_spin=two_s / 2)
    chain = model.chain()
    columns = [site.basis_charges(("N", "2Sz")) for site in chain.sites]
    best = 0
    for states in itertools.product(*(range(site.dim) for site in chain.sites)):
        charges = sum(column[s] for column, s in zip(columns, states, strict=True))
        if charges[0] == model.n_e:
            best = max(best, abs(int(charges[1])))
    assert record_schema(model).law("2Sz").norm == best == 1 + two_s


def test_spin_bound_and_law_part_arithmetic() -> None:
    vectors = np.array([[[0.0, 0.0, 2.0], [0.0, 3.0, 4.0]]])
    assert np.allclose(SpinBound("spin", 2.0, "vector").excess(vectors), [[0.0, 3.0]])
    assert np.allclose(SpinBound("spin_z", 1.0, "component").excess(np.array([[-1.5, 0.5]])), [[0.5, -0.5]])
    assert np.allclose(SpinBound("p", 1.0, "length").excess(np.array([[-0.25, 0.5, 1.25]])), [[0.25, -0.5, 0.25]])
    arrays = {"spin_z": np.array([[1.0, -1.0, 1.0]]), "v": np.array([[1.0, 2.0, 3.0]]), "S_z": np.array([1.5])}
    assert LawPart("spin_z", per_site=True).values(arrays).tolist() == [1.0]
    assert LawPart("v", 2).values(arrays).tolist() == [3.0]
    assert LawPart("S_z", scale=0.5).values(arrays).tolist() == [3.0]
