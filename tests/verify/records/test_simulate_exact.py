"""verify.records.simulate_exact: arguments refused before any basis is built; the pair record's meta."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from verify.models import PairOnRing, PRXChain, XXZChain
from verify.records import check_progress, simulate_exact, simulate_pair, simulate_prx_exact

driver = importlib.import_module("verify.records.simulate_exact")  # the package attribute is the function

XXZ = XXZChain(n_sites=4, initial="neel")
PAIR = PairOnRing(n_sites=12, n_spins=1, chain_start=6, x1=1.0, x2=4.0, sigma=1.0)


@pytest.fixture
def nothing_built(monkeypatch):
    """Fail the test if a driver gets as far as building a basis or a Hamiltonian."""

    def refuse(*args, **kwargs):
        raise AssertionError("the driver started building before refusing its arguments")

    for name in ("ExactEvolver", "PairHamiltonian", "embed_initial_state"):
        monkeypatch.setattr(driver, name, refuse)


def test_check_progress():
    assert check_progress(None) is None
    assert check_progress(print) is print
    for bad in (True, 1, "bar", [print]):
        with pytest.raises(TypeError, match="progress must be None or a callable"):
            check_progress(bad)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"max_dim": True}, TypeError, "max_dim"),  # bools are not sizes
        ({"max_dim": 2.5}, TypeError, "max_dim"),
        ({"max_dim": "100"}, TypeError, "max_dim"),
        ({"max_dim": 0}, ValueError, "max_dim"),
        ({"progress": True}, TypeError, "progress"),
        ({"progress": 0.5}, TypeError, "progress"),
        ({"t_max": 1e300, "dt_out": 1e-300}, ValueError, "too many"),
    ],
)
def test_exact_arguments_are_refused_before_any_basis_is_built(nothing_built, kwargs, error, fragment):
    arguments = {"t_max": 0.2, "dt_out": 0.1, **kwargs}
    with pytest.raises(error, match=fragment):
        simulate_exact(XXZ, **arguments)


def test_numpy_max_dim_is_accepted():
    run = simulate_exact(XXZ, t_max=0.1, dt_out=0.1, max_dim=np.int64(6))  # the 2S^z = 0 sector of 4 spins: 6
    assert run.meta["sector_dim"] == 6
    with pytest.raises(ValueError, match="max_dim"):
        simulate_exact(XXZ, t_max=0.1, dt_out=0.1, max_dim=5)


def test_prx_exact_refuses_a_bad_max_dim_before_building(nothing_built):
    with pytest.raises(TypeError, match="max_dim"):
        simulate_prx_exact(PRXChain(n_sites=4, n_left=1, n_fm=1, n_conf=1, n_e=1), t_max=0.1, dt_out=0.1,
                           max_dim=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"progress": "bar"}, TypeError, "progress"),
        ({"pair": "theta", "theta": 10**400}, ValueError, "needs a finite theta"),  # no OverflowError
        ({"pair": "theta", "theta": "0.3"}, TypeError, "needs a finite theta"),
        ({"pair": 3}, TypeError, "pair"),
    ],
)
def test_pair_arguments_are_refused_before_anything_is_built(nothing_built, kwargs, error, fragment):
    arguments = {"pair": "singlet", "t_max": 0.5, "dt_out": 0.5, **kwargs}
    with pytest.raises(error, match=fragment):
        simulate_pair(PAIR, **arguments)


@pytest.mark.parametrize(("pair", "theta"), [("singlet", None), ("theta", 0.3), ("single-down", None)])
def test_pair_meta_records_the_initial_state_as_one_dict(pair, theta):
    run = simulate_pair(PAIR, pair, theta=theta, t_max=0.5, dt_out=0.5)
    assert run.meta["initial_state"] == {"label": pair, "theta": theta}
    assert run.meta["pair"] == pair and run.meta["theta"] == theta  # the historic keys stay
