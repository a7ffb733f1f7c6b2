"""verify.testing and verify.interop: the public API, and the deprecated flat paths that still work."""

from __future__ import annotations

import importlib
import sys

import pytest

import verify.interop
import verify.testing
from verify.testing import crosscheck as crosscheck_function
from verify.testing import properties, strategies


def _import_fresh(name: str):
    sys.modules.pop(name, None)
    with pytest.warns(DeprecationWarning, match=name):
        return importlib.import_module(name)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("verify.strategies", "verify.testing.strategies"),
        ("verify.properties", "verify.testing.properties"),
        ("verify.crosscheck", "verify.testing.crosscheck"),
    ],
)
def test_old_paths_warn_and_are_the_new_modules(old: str, new: str) -> None:
    module = _import_fresh(old)
    assert module is sys.modules[new]
    for name in module.__all__:
        assert getattr(module, name) is getattr(sys.modules[new], name)


def test_old_paths_keep_every_documented_name() -> None:
    old_strategies = _import_fresh("verify.strategies")
    for name in ("STTSample", "bipartitions", "density_matrices", "local_dims", "pair_models", "prx_chains",
                 "pure_states", "random_mps", "stt_states", "subsystem_partitions", "unitaries"):
        assert callable(getattr(old_strategies, name))
    old_properties = _import_fresh("verify.properties")
    for name in ("DEFAULT_ATOL", "assert_araki_lieb", "assert_conserved", "assert_mutual_information_bounds",
                 "assert_pure_state_entropy_symmetric", "assert_run_passes", "assert_strong_subadditivity",
                 "assert_subadditivity", "assert_valid_density_matrix"):
        assert hasattr(old_properties, name)
    old_crosscheck = _import_fresh("verify.crosscheck")
    for name in ("PRX_OBSERVABLES", "PRX_TOLERANCES", "STT_ROUNDOFF", "crosscheck_prx", "crosscheck_stt", "exceeded",
                 "sector_state_to_mps", "sector_to_site_basis", "site_dims", "site_indices", "stt_measurements",
                 "stt_tolerances"):
        assert hasattr(old_crosscheck, name)


def test_public_api_of_the_packages() -> None:
    assert verify.testing.strategies is strategies and verify.testing.properties is properties
    assert crosscheck_function is verify.testing.crosscheck and callable(crosscheck_function)
    for name in verify.testing.__all__:
        assert hasattr(verify.testing, name)
    # the conversions of earlier releases, and the readers of TeNPy / QuTiP runs (issue 13)
    readers = {"from_qutip_result", "measure_state", "mps_record", "read_run", "read_tenpy_hdf5", "read_tenpy_mps"}
    assert set(verify.interop.__all__) >= {"from_qutip", "from_tenpy_mps", "to_qutip"} | readers
    for name in verify.interop.__all__:
        assert hasattr(verify.interop, name)
    for name in strategies.__all__:
        assert hasattr(strategies, name)
    assert {"xxz_chains", "chain_models", "prx_chains"} <= set(strategies.__all__)
