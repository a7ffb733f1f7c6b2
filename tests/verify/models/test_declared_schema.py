"""Tests of verify.models.declared_record_schema (the schema an unregistered chain model's record
declares) and of the one place the entropy bounds come from (cut_log_dims, bond_log_bounds).

Expected numbers are written out from the site dimensions: d = 4 fermion sites, d = 2 spins.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from verify.models import (
    APPROXIMATE_RECORD_KEYS,
    ConservedLaw,
    XXZChain,
    bond_log_bounds,
    cut_log_dims,
    declared_record_schema,
    record_schema,
)

LN2 = math.log(2.0)


def test_one_law_per_declared_charge() -> None:
    schema = declared_record_schema(
        "hubbard", conserved=["N", "2Sz", "Nu"], sector={"N": 2, "2Sz": 0}, site_dims=[4, 4, 4, 4], cut=1,
        units={"t": "1/t_hop"},
    )
    assert schema.kind == "hubbard" and schema.cut == 1 and schema.site_dims == (4, 4, 4, 4)
    # sum_i (d_i - 1) = 12 bounds ||sum_i Q_i|| for charges |q_i| <= d_i - 1
    assert schema.laws == (
        ConservedLaw("N", "n_electrons", (), 12.0, True, 2),
        ConservedLaw("2Sz", "total_spin_z", (), 12.0, True, 0),
        ConservedLaw("Nu", "total_Nu", (), 12.0, False, None),
    )
    assert schema.keys == ("t", "norm", "energy", "entropy_cut", "n_electrons", "total_spin_z", "total_Nu")
    assert schema.shapes["total_Nu"] == () and schema.shapes["bond_entropy"] == (3,)
    assert set(APPROXIMATE_RECORD_KEYS) <= set(schema.shapes)
    assert schema.entropy_log_dims == pytest.approx((2 * LN2, 6 * LN2))
    assert schema.n_electrons == 2 and dict(schema.units) == {"t": "1/t_hop"} and dict(schema.absent_laws) == {}
    spins = declared_record_schema("ising", conserved=["2Sz"], sector={}, site_dims=[2] * 5)
    assert spins.cut == 3 and spins.law("2Sz").norm == 5.0 and not spins.law("2Sz").eigenstate
    assert "conserves no particle number" in spins.absent_laws["N"]


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"cut": 0}, ValueError, "cut"),
        ({"cut": 4}, ValueError, "cut"),
        ({"cut": "2"}, TypeError, "cut"),
        ({"site_dims": [4]}, ValueError, "two sites"),
        ({"site_dims": [4, 0, 4, 4]}, ValueError, r"site_dims\[1\]"),
        ({"site_dims": [4, 2.5, 4, 4]}, TypeError, r"site_dims\[1\]"),
        ({"site_dims": "4444"}, TypeError, "site_dims"),
        ({"conserved": "N"}, TypeError, "conserved"),
        ({"conserved": ["N", "N"]}, ValueError, "twice"),
        ({"sector": {"Nd": 1}}, ValueError, "sector"),
        ({"sector": {"N": 1.5}}, TypeError, "sector"),
        ({"sector": [("N", 2)]}, TypeError, "sector"),
    ],
)
def test_declaration_is_validated(kwargs: dict, error: type, fragment: str) -> None:
    arguments = {"conserved": ["N", "Nu"], "sector": {"N": 2}, "site_dims": [4, 4, 4, 4], **kwargs}
    with pytest.raises(error, match=fragment):
        declared_record_schema("hubbard", **arguments)


def test_entropy_bounds_from_site_dimensions() -> None:
    dims = (4, 8, 8, 4, 2)
    assert cut_log_dims(dims, 2) == pytest.approx((5 * LN2, 6 * LN2))
    # bond b cuts sites 1..b off: min(ln d_left, ln d_right)
    assert np.allclose(bond_log_bounds(dims), LN2 * np.array([2, 5, 3, 1]))
    schema = record_schema(XXZChain(n_sites=5))
    assert np.array_equal(schema.bond_log_bounds(), bond_log_bounds(schema.site_dims))
