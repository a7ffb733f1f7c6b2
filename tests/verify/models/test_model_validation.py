"""Parameter checks of verify.models that guard the cost of what is built (spin S) and the pair model's
types: wrong types raise TypeError, bad values ValueError (states.validation)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from states.conventions import MAX_TWO_S
from verify.models import PairOnRing, PRXChain, spin_site

SMALL = dict(n_sites=4, n_left=1, n_fm=1, n_conf=1, n_e=1)


@pytest.mark.parametrize(
    ("spin", "error", "fragment"),
    [
        (math.inf, ValueError, "localized_spin"),  # was an OverflowError from Fraction(inf)
        (-math.inf, ValueError, "localized_spin"),
        (math.nan, ValueError, "localized_spin"),
        (10**400, ValueError, "localized_spin"),
        (1e9, ValueError, "MAX_TWO_S"),  # refused before any site of d = 2e9 + 1 is built
        (MAX_TWO_S / 2 + 0.5, ValueError, "MAX_TWO_S"),
        (True, TypeError, "half-integer"),  # a bool is not a spin
        (None, TypeError, "half-integer"),
        ("huge", TypeError, "half-integer"),
        (0, ValueError, "half-integer"),
        (0.25, ValueError, "half-integer"),
    ],
)
def test_absurd_localized_spins_are_refused_before_anything_is_built(spin, error, fragment):
    with pytest.raises(error, match=fragment):
        PRXChain(**SMALL, localized_spin=spin)


@pytest.mark.parametrize("spin", [1, 1.5, np.float64(1.5), np.int64(2), Fraction(3, 2), "3/2", MAX_TWO_S / 2])
def test_localized_spins_up_to_the_limit_are_accepted(spin):
    model = PRXChain(**SMALL, localized_spin=spin)
    assert model.localized_spin == float(Fraction(str(spin)) if isinstance(spin, str) else spin)
    assert type(model.localized_spin) is float


def test_spin_sites_up_to_max_two_s():
    assert MAX_TWO_S == 20
    assert spin_site(MAX_TWO_S).dim == MAX_TWO_S + 1
    with pytest.raises(ValueError, match=f"two_s must be an integer in 1..{MAX_TWO_S}"):
        spin_site(MAX_TWO_S + 1)
    with pytest.raises(ValueError, match="two_s"):
        spin_site(10**9)  # refused before a 1e9 x 1e9 matrix is allocated
    with pytest.raises(TypeError, match="two_s"):
        spin_site(1.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"sigma": "5"}, TypeError, "sigma"),  # wrong types: TypeError
        ({"hbar": None}, TypeError, "hbar"),
        ({"x1": True}, TypeError, "x1"),
        ({"sigma": 0.0}, ValueError, "sigma must be > 0"),
        ({"hbar": -1.0}, ValueError, "hbar must be > 0"),
        ({"x1": 0.5}, ValueError, "x1 must be >= 1"),
        ({"x2": 12.5}, ValueError, "x2 must be <= 12"),
        ({"x1": 4.0, "x2": 3.0}, ValueError, "must exceed x1"),
        ({"x2": 2.5}, ValueError, "packets overlap"),
        ({"n_spins": 2, "chain_start": 12}, ValueError, "runs off"),
        ({"k": float("inf")}, ValueError, "k must be a finite number"),
    ],
)
def test_pair_model_parameters(kwargs, error, fragment):
    arguments = {"n_sites": 12, "n_spins": 1, "chain_start": 6, "x1": 1.0, "x2": 4.0, "sigma": 1.0, **kwargs}
    with pytest.raises(error, match=fragment):
        PairOnRing(**arguments)


def test_pair_model_accepts_numpy_numbers():
    model = PairOnRing(n_sites=np.int64(12), n_spins=1, chain_start=6, x1=np.float64(1.0), x2=np.int64(4),
                       sigma=np.float32(1.0))
    assert model == PairOnRing(n_sites=12, n_spins=1, chain_start=6, x1=1.0, x2=4.0, sigma=1.0)
    assert type(model.x2) is float and type(model.sigma) is float
