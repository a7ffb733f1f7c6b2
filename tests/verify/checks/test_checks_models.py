"""Tests of verify.checks on models beyond the two papers: the laws and bounds come from the model.

No evolver writes XXZ records yet, so the records here are synthetic: product states that stay put
(the XXZ chain at J_xx = 0 is diagonal in the S^z basis, so every product state of u/d is an
eigenstate of H and nothing moves; the PRX chain with spin-1 moments frozen in its initial state).
Each good record must pass; each corrupted copy must fail exactly the check that guards the law it
breaks, at the corrupted time (and site). Corruptions are 2x the tolerance they test (conservation
1e-8, bound 1e-9), so round-off cannot decide them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from verify.checks import CheckResult, Report, check_run, load_record
from verify.models import PRXChain, XXZChain
from verify.records.run import RunResult

N_T = 11
LN2 = math.log(2.0)


def xxz_record(model: XXZChain, cut: int, method: str = "exact") -> RunResult:
    """The record of a frozen product state: ⟨σ^z_i⟩ = ±1, total 2S^z, zero entropy, constant energy."""
    labels = model.spin_labels()
    spin_z = np.tile([1.0 if c == "u" else -1.0 for c in labels], (N_T, 1))
    energy = model.j_z / 4 * float(np.sum(spin_z[0, :-1] * spin_z[0, 1:])) - model.h_z / 2 * float(spin_z[0].sum())
    arrays = {
        "t": 0.5 * np.arange(N_T),
        "norm": np.ones(N_T),
        "energy": np.full(N_T, energy),
        "entropy_cut": np.zeros(N_T),
        "spin_z": spin_z,
        "total_spin_z": spin_z.sum(axis=1),
    }
    if method == "tebd":
        arrays.update(
            max_bond_dimension=np.ones(N_T),
            truncation_error=np.linspace(0.0, 1e-6, N_T),
            bond_entropy=np.zeros((N_T, model.n_sites - 1)),
            truncation_limited_steps=np.zeros(N_T),
        )
    return RunResult(arrays, {"model": model.to_dict(), "method": method, "cut": cut})


def changed(run: RunResult, key: str, index: tuple, add: float) -> RunResult:
    arrays = {k: np.array(v, dtype=float, copy=True) for k, v in run.arrays.items()}
    arrays[key][index] += add
    return RunResult(arrays, dict(run.meta))


def only_failure(report: Report) -> CheckResult:
    assert len(report.failures) == 1, report.to_table()
    return report.failures[0]


@pytest.fixture
def xxz() -> RunResult:
    return xxz_record(XXZChain(n_sites=6, j_xx=0.0, j_z=1.0, h_z=0.3, initial="neel"), cut=2)


# ------------------------------------------------------------------------------------------- XXZ


def test_good_xxz_record_passes_the_checks_its_model_declares(xxz: RunResult) -> None:
    report = check_run(xxz)
    assert report.passed and report.model == "xxz" and not report.approximate, report.to_table()
    assert {check.name for check in report.ran} == {
        "time_grid", "finite_values", "norm", "sz_conservation", "energy", "localized_spin_length", "entropy_bounds",
        "required_arrays",
    }
    sz = report["sz_conservation"]
    assert sz.description == "sum_i spin_z constant (Pauli units)"
    assert "2Sz = 0" in sz.detail and "total_spin_z" in sz.detail
    assert "conserves no particle number" in report["particle_number"].skip_reason
    assert "cut after site 2: log2 dims (2, 4)" in report["entropy_bounds"].detail


def test_xxz_sz_drift_fails(xxz: RunResult) -> None:
    # one spin shrinks and the recorded total follows it: consistent arrays, but 2S^z moved
    drifted = changed(changed(xxz, "spin_z", (5, 2), -2e-8), "total_spin_z", (5,), -2e-8)
    failure = only_failure(check_run(drifted))
    assert (failure.name, failure.time_index) == ("sz_conservation", 5)


def test_xxz_recorded_total_must_equal_the_sum_of_spin_z(xxz: RunResult) -> None:
    failure = only_failure(check_run(changed(xxz, "total_spin_z", (4,), 2e-8)))
    assert (failure.name, failure.time_index) == ("sz_conservation", 4)


def test_xxz_total_must_equal_the_initial_eigenvalue() -> None:
    # a constant total of the wrong sector: the arrays of "uudddd" (2S^z = -2) under a Néel model (0)
    model = XXZChain(n_sites=6, j_xx=0.0, initial="neel")
    wrong = xxz_record(XXZChain(n_sites=6, j_xx=0.0, initial="uudddd"), cut=2)
    wrong.meta["model"] = model.to_dict()
    result = check_run(wrong)["sz_conservation"]
    assert result.passed is False and result.deviation == pytest.approx(2.0)


def test_xxz_spin_longer_than_one_fails_at_its_site(xxz: RunResult) -> None:
    # Néel: sites 0 and 2 are up; lengthen one and shorten the other so 2S^z is unchanged
    bad = changed(changed(xxz, "spin_z", (3, 0), 2e-9), "spin_z", (3, 2), -2e-9)
    failure = only_failure(check_run(bad))
    assert (failure.name, failure.time_index, failure.site) == ("localized_spin_length", 3, 0)
    assert failure.description == "0 <= |S_i| <= 1"


def test_xxz_entropy_bound_is_ln2_times_the_smaller_side(xxz: RunResult) -> None:
    # L = 6, cut = 2: the bound is ln 2^min(2, 4) = 2 ln 2
    at_bound = changed(xxz, "entropy_cut", (7,), 2 * LN2)
    assert check_run(at_bound).passed
    above = changed(xxz, "entropy_cut", (7,), 2 * LN2 + 2e-9)
    failure = only_failure(check_run(above))
    assert (failure.name, failure.time_index) == ("entropy_bounds", 7)
    # the same entropy is allowed at the middle cut (3 ln 2)
    middle = RunResult(above.arrays, {**above.meta, "cut": 3})
    assert check_run(middle).passed


def test_xxz_misshaped_spin_z_names_the_model_size(xxz: RunResult) -> None:
    arrays = dict(xxz.arrays, spin_z=xxz.arrays["spin_z"][:, :5])
    with pytest.raises(ValueError, match=r"'spin_z'.*n_sites = 6"):
        load_record(RunResult(arrays, xxz.meta))


def test_approximate_xxz_record_uses_the_model_operator_norm() -> None:
    model = XXZChain(n_sites=6, j_xx=0.0, initial="neel")
    run = xxz_record(model, cut=3, method="tebd")
    report = check_run(run)
    assert report.approximate and report.passed, report.to_table()
    assert "6 x the truncation error" in report["sz_conservation"].detail  # ||sum sigma^z_i|| = L
    eps = run.arrays["truncation_error"][6]
    assert check_run(changed(run, "total_spin_z", (6,), 0.9 * 6 * eps))["sz_conservation"].passed
    assert check_run(changed(run, "total_spin_z", (6,), 1.2 * 6 * eps))["sz_conservation"].passed is False


def test_bond_entropies_are_bounded_at_their_bond() -> None:
    run = xxz_record(XXZChain(n_sites=6, j_xx=0.0), cut=3, method="tebd")
    # bond 1 (between sites 1 and 2, 1-based) cuts off one spin: at most ln 2
    assert check_run(changed(run, "bond_entropy", (4, 0), LN2))["entropy_bounds"].passed
    failure = only_failure(check_run(changed(run, "bond_entropy", (4, 0), LN2 + 2e-9)))
    assert (failure.name, failure.time_index, failure.site) == ("entropy_bounds", 4, 0)
    assert check_run(changed(run, "bond_entropy", (4, 2), 3 * LN2))["entropy_bounds"].passed  # the middle bond


def test_bare_xxz_arrays_fall_back_to_the_array_names(xxz: RunResult) -> None:
    bare = dict(xxz.arrays)
    report = check_run(bare)
    assert report.model == "xxz" and report.passed, report.to_table()
    assert report["sz_conservation"].passed and "initial state unknown" in report["sz_conservation"].detail
    bad = dict(bare, total_spin_z=bare["total_spin_z"] + 1e-6)  # constant, but not the sum of spin_z
    assert check_run(bad)["sz_conservation"].passed is False
    spin = bare["spin_z"].copy()
    spin[2, 1] = -1.0 - 1e-6
    assert check_run(dict(bare, spin_z=spin))["localized_spin_length"].passed is False


# ------------------------------------------------------------------------------------------- PRX spin 1


def prx_spin_one_record(localized_spin: float = 1.0) -> RunResult:
    """Two electrons ↑ on sites 1, 2 and two spin-1 moments at m = −1 (⟨2S^z⟩ = −2), frozen."""
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, localized_spin=localized_spin)
    spin = np.zeros((N_T, 2, 3))
    spin[:, :, 2] = -2.0
    electron = np.zeros((N_T, 3))
    electron[:, 2] = 2.0
    density = np.zeros((N_T, 6))
    density[:, :2] = 1.0
    arrays = {
        "t": 0.5 * np.arange(N_T),
        "spin": spin,
        "spin_purity": np.ones((N_T, 2)),  # |<2S>| / 2S
        "spin_z_total": np.full(N_T, -4.0),
        "electron_spin": electron,
        "electron_spin_purity": np.ones(N_T),
        "density": density,
        "spin_density_z": density.copy(),
        "entropy_cut": np.zeros(N_T),
        "mutual_info_edges": np.zeros(N_T),
        "meyer_wallach": np.full(N_T, np.nan),  # defined for qubits only (verify/models/prx_frame.py)
        "energy": np.full(N_T, -1.5),
        "norm": np.ones(N_T),
        "n_electrons": np.full(N_T, 2.0),
        "total_spin_z": np.full(N_T, -2.0),  # N_e - 2S N_FM = 2 - 4
    }
    return RunResult(arrays, {"model": model.to_dict(), "method": "exact"})


def test_prx_spin_one_record_uses_the_spin_one_bounds() -> None:
    run = prx_spin_one_record()
    report = check_run(run)
    assert report.passed, report.to_table()
    assert "meyer_wallach (localized spin S = 1 > 1/2)" in report["finite_values"].detail
    assert report["meyer_wallach_bounds"].skipped and "qubits" in report["meyer_wallach_bounds"].skip_reason
    assert report["localized_spin_length"].description == "0 <= |S_i| <= 2"
    assert "2Sz = -2" in report["sz_conservation"].detail
    assert "ln dims" in report["entropy_bounds"].detail  # 4 * 4 * 12: not a power of 2
    # the same arrays read as spin 1/2 break its laws: |<sigma>| = 2 > 1, 2S^z = 2 - 2 = 0, Q_MW NaN
    half = check_run(prx_spin_one_record(0.5))
    assert {c.name for c in half.failures} >= {"localized_spin_length", "sz_conservation", "finite_values"}


def test_prx_spin_one_length_beyond_two_fails() -> None:
    run = prx_spin_one_record()
    arrays = {k: np.array(v, copy=True) for k, v in run.arrays.items()}
    arrays["spin"][6, 1, 0] = math.sqrt((2 + 2e-9) ** 2 - 4.0)  # transverse: S^z untouched
    arrays["spin_purity"][6, 1] = np.linalg.norm(arrays["spin"][6, 1]) / 2  # consistent purity
    failure = only_failure(check_run(RunResult(arrays, run.meta)))
    assert (failure.name, failure.time_index, failure.site) == ("localized_spin_length", 6, 1)


def test_prx_spin_one_entropy_and_mutual_information_dimensions() -> None:
    run = prx_spin_one_record()
    bound = math.log(4 * 4 * 12)  # cut after site 3 (the first FM site, d = 4 * 3)
    assert check_run(changed(run, "entropy_cut", (2,), bound))["entropy_bounds"].passed
    failure = only_failure(check_run(changed(run, "entropy_cut", (2,), bound + 2e-9)))
    assert (failure.name, failure.time_index) == ("entropy_bounds", 2)
    # edge spins are qutrits: I <= 2 ln 3 > 2 ln 2
    info = changed(run, "mutual_info_edges", (3,), 2 * LN2 + 0.1)
    assert check_run(info)["mutual_information_bounds"].passed
    assert check_run(changed(run, "mutual_info_edges", (3,), 2 * math.log(3) + 2e-9)).passed is False


def test_keyword_overrides_rebuild_the_model() -> None:
    run = prx_spin_one_record()
    # collinear=False makes the model noncollinear: <S^z> is still conserved, but no sector value is imposed
    noncollinear = check_run(run, collinear=False)["sz_conservation"]
    assert noncollinear.passed and "noncollinear" in noncollinear.detail and "2Sz =" not in noncollinear.detail
    # n_e = 3 does not fit the model's well (n_conf = 2): the checks fall back to the keywords and the
    # record's two electrons contradict it
    report = check_run(run, n_e=3)
    assert report["particle_number"].passed is False and "N_e = 3" in report["particle_number"].detail
