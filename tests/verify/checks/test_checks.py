"""Tests of verify.checks: every check passes on real runs and fails on a corrupted copy, at the right place.

Good records come from the package's own exact evolvers on small models (PRX chain: collinear and
noncollinear; pair on a ring: singlet and single electron). Each corruption changes one array by a
small amount just above the check's tolerance, and the test asserts that exactly the expected check
fails and reports the corrupted time index (and site). Boundary tests show the tolerance is the one
used: a deviation of half the tolerance passes, twice the tolerance fails.
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

from verify.checks import ARRAY_SHAPES, CHECK_NAMES, CheckResult, Report, Tolerances, check_run, load_record
from verify.models import PairOnRing, PRXChain
from verify.records.run import RunResult

# ------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def prx_z() -> RunResult:
    from verify.records import simulate_prx_exact

    model = PRXChain(n_sites=5, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="z")
    return simulate_prx_exact(model, t_max=5.0, dt_out=0.5)


@pytest.fixture(scope="module")
def prx_x() -> RunResult:
    from verify.records import simulate_prx_exact

    model = PRXChain(n_sites=4, n_left=2, n_fm=1, n_conf=2, n_e=1, polarization="x")
    return simulate_prx_exact(model, t_max=3.0, dt_out=0.5)


@pytest.fixture(scope="module")
def pair_singlet() -> RunResult:
    from verify.records import simulate_pair

    model = PairOnRing(n_sites=24, n_spins=2, chain_start=14, sigma=2.0, x1=3.0, x2=8.0)
    return simulate_pair(model, "singlet", t_max=10.0, dt_out=0.5)


@pytest.fixture(scope="module")
def pair_single_down() -> RunResult:
    from verify.records import simulate_pair

    model = PairOnRing(n_sites=24, n_spins=2, chain_start=14, sigma=2.0, x1=3.0, x2=8.0)
    return simulate_pair(model, "single-down", t_max=5.0, dt_out=0.5)


def corrupted(run: RunResult, **changes: np.ndarray) -> RunResult:
    arrays = {key: np.array(value, copy=True) for key, value in run.arrays.items()}
    arrays.update(changes)
    return RunResult(arrays, copy.deepcopy(run.meta))


def mutate(run: RunResult, key: str, index: tuple, value: float | None = None, add: float | None = None) -> RunResult:
    array = np.array(run.arrays[key], dtype=float, copy=True)
    if value is not None:
        array[index] = value
    if add is not None:
        array[index] += add
    return corrupted(run, **{key: array})


def only_failure(report: Report) -> CheckResult:
    failures = report.failures
    assert len(failures) == 1, report.to_table()
    return failures[0]


# ---------------------------------------------------------------------------------------- good records

PRX_Z_CHECKS = {
    "time_grid",
    "finite_values",
    "density_bounds",
    "norm",
    "sz_conservation",
    "particle_number",
    "energy",
    "localized_spin_length",
    "electron_spin_length",
    "consistency",
    "entropy_bounds",
    "mutual_information_bounds",
    "meyer_wallach_bounds",
    "required_arrays",
}


def test_good_prx_collinear_record_passes_every_applicable_check(prx_z: RunResult) -> None:
    report = check_run(prx_z)
    assert report.passed, report.to_table()
    assert {check.name for check in report.ran} == PRX_Z_CHECKS
    assert report.model == "prx" and not report.approximate
    assert [check.name for check in report.checks] == list(CHECK_NAMES)
    # the exact evolver conserves to round-off: far inside the 1e-8 tolerances
    for name in ("norm", "sz_conservation", "particle_number", "energy"):
        assert report[name].deviation < 1e-10, report.to_table()


def test_noncollinear_record_conserves_total_sz_too(prx_x: RunResult) -> None:
    # [H, s^z_e + sum sigma^z] = 0 for t >= 0 whatever the initial state: <S^z> is conserved in the
    # noncollinear geometry too (the state is just not an eigenstate of it)
    report = check_run(prx_x)
    assert report.passed, report.to_table()
    assert report["sz_conservation"].passed and "noncollinear" in report["sz_conservation"].detail
    assert report["mutual_information_bounds"].skipped  # N_FM = 1: recorded as NaN by design
    failure = only_failure(check_run(shrink_electron_spin_z(prx_x, 4, 2e-8)))
    assert (failure.name, failure.time_index) == ("sz_conservation", 4)


def test_good_pair_records_pass(pair_singlet: RunResult, pair_single_down: RunResult) -> None:
    report = check_run(pair_singlet)
    assert report.passed, report.to_table()
    assert {c.name for c in report.ran} == {
        "time_grid",
        "finite_values",
        "norm",
        "sz_conservation",
        "energy",
        "pair_probabilities",
        "consistency",
        "required_arrays",
    }
    single = check_run(pair_single_down)
    assert single.passed, single.to_table()
    assert single["pair_probabilities"].skipped  # NaN by design for one electron
    assert "single" in single["pair_probabilities"].skip_reason


def test_pair_spin_convention_matters(pair_singlet: RunResult) -> None:
    # S_z is stored in spin-1/2 units ("pauli-half"): reading it as Pauli units breaks conservation
    assert check_run(pair_singlet)["sz_conservation"].passed
    wrong = check_run(pair_singlet, convention="pauli")
    assert wrong["sz_conservation"].passed is False
    # without a convention the check is skipped, not guessed
    bare = {k: v for k, v in pair_singlet.arrays.items()}
    skipped = check_run(bare)["sz_conservation"]
    assert skipped.skipped and "convention" in skipped.skip_reason


# ------------------------------------------------------------------------------- corruptions: PRX


PRX_CORRUPTIONS = {
    # case: (check, key, index, value or None, add or None, expected time index, expected site)
    "time_grid-duplicate": ("time_grid", "t", (5,), "prev", None, 5, None),
    "time_grid-uneven": ("time_grid", "t", (7,), None, 1e-5, 7, None),
    "norm": ("norm", "norm", (6,), None, 2e-8, 6, None),
    "particle-number": ("particle_number", "density", (3, 2), None, 2e-8, 3, None),
    "energy": ("energy", "energy", (8,), None, "energy", 8, None),
    "entropy-negative": ("entropy_bounds", "entropy_cut", (4,), -2e-9, None, 4, None),
    "entropy-too-large": ("entropy_bounds", "entropy_cut", (9,), 5 * math.log(2) + 2e-9, None, 9, None),
    "mi-negative": ("mutual_information_bounds", "mutual_info_edges", (2,), -2e-9, None, 2, None),
    "mi-too-large": ("mutual_information_bounds", "mutual_info_edges", (2,), 2 * math.log(2) + 2e-9, None, 2, None),
    "mw-negative": ("meyer_wallach_bounds", "meyer_wallach", (5,), -2e-9, None, 5, None),
    "mw-too-large": ("meyer_wallach_bounds", "meyer_wallach", (10,), 1 + 2e-9, None, 10, None),
    "purity-consistency": ("consistency", "spin_purity", (6, 1), None, -2e-9, 6, 1),
    "spin-z-total-consistency": ("consistency", "spin_z_total", (4,), None, 2e-9, 4, None),
    "finite-unchecked-array": ("finite_values", "mutual_info_entropy_b", (5,), np.inf, None, 5, None),
}
"""Each corruption breaks exactly one check: the one named."""


@pytest.mark.parametrize("case", sorted(PRX_CORRUPTIONS))
def test_prx_corruption_fails_the_right_check_at_the_right_place(prx_z: RunResult, case: str) -> None:
    check, key, index, value, add, time_index, site = PRX_CORRUPTIONS[case]
    if value == "prev":
        value = float(prx_z.arrays[key][index[0] - 1])
    if add == "energy":
        add = 2e-8 * max(1.0, abs(float(prx_z.arrays["energy"][0])))
    bad = check_run(mutate(prx_z, key, index, value=value, add=add))
    failure = only_failure(bad)
    assert failure.name == check
    assert failure.time_index == time_index
    if key != "t":
        assert failure.time == float(prx_z.arrays["t"][time_index])
    assert failure.site == site
    assert failure.deviation > failure.tolerance or math.isnan(failure.deviation)
    assert not bad.passed


def test_sz_violation_in_the_localized_spins(prx_z: RunResult) -> None:
    # change S^z of spin 1 at t[4] and every array derived from it consistently: only S^z conservation breaks
    spin = np.array(prx_z.arrays["spin"], copy=True)
    spin[4, 1, 2] -= 2e-8 * np.sign(spin[4, 1, 2])  # shorter, so |S| <= 1 still holds
    failure = only_failure(check_run(rederived(corrupted(prx_z, spin=spin))))
    assert (failure.name, failure.time_index) == ("sz_conservation", 4)


def shrink_electron_spin_z(run: RunResult, time_index: int, amount: float) -> RunResult:
    """Move s^z of the most polarized site towards 0 and s_e^z with it (densities stay consistent)."""
    density_z = np.array(run.arrays["spin_density_z"], copy=True)
    site = int(np.argmax(np.abs(density_z[time_index])))
    step = amount * np.sign(density_z[time_index, site])
    density_z[time_index, site] -= step
    electron = np.array(run.arrays["electron_spin"], copy=True)
    electron[time_index, 2] -= step
    return rederived(corrupted(run, electron_spin=electron, spin_density_z=density_z))


def test_sz_violation_in_the_electron_spin(prx_z: RunResult) -> None:
    failure = only_failure(check_run(shrink_electron_spin_z(prx_z, 3, 2e-8)))
    assert (failure.name, failure.time_index) == ("sz_conservation", 3)


def test_recorded_total_sz_must_match_and_be_constant(prx_z: RunResult) -> None:
    if "total_spin_z" not in prx_z.arrays:
        pytest.skip("this evolver does not record total_spin_z")
    total = np.array(prx_z.arrays["total_spin_z"], copy=True)
    total[6] += 2e-8
    failure = only_failure(check_run(corrupted(prx_z, total_spin_z=total)))
    assert (failure.name, failure.time_index) == ("sz_conservation", 6)


def rederived(run: RunResult) -> RunResult:
    """Recompute every PRX array derived from spin / electron_spin, so that only the intended check breaks."""
    a = run.arrays
    n_e = run.meta["model"]["n_e"]
    changes = {
        "spin_purity": np.linalg.norm(a["spin"], axis=2),
        "spin_z_total": a["spin"][:, :, 2].sum(axis=1),
        "electron_spin_purity": np.linalg.norm(a["electron_spin"], axis=1) / n_e,
    }
    if "total_spin_z" in a:
        changes["total_spin_z"] = changes["spin_z_total"] + a["electron_spin"][:, 2]
    return corrupted(run, **changes)


def lengthen_transverse(run: RunResult, key: str, index: tuple, length: float) -> RunResult:
    """Set the x component so that |vector| = length (z untouched: S^z conservation is unaffected)."""
    vectors = np.array(run.arrays[key], copy=True)
    y, z = vectors[index][1], vectors[index][2]
    vectors[(*index, 0)] = math.sqrt(length**2 - y**2 - z**2)
    return rederived(corrupted(run, **{key: vectors}))


def test_rederiving_a_good_record_changes_nothing(prx_z: RunResult) -> None:
    assert check_run(rederived(prx_z)).passed


def test_localized_spin_longer_than_one_fails(prx_z: RunResult) -> None:
    failure = only_failure(check_run(lengthen_transverse(prx_z, "spin", (5, 1), 1 + 1e-6)))
    assert (failure.name, failure.time_index, failure.site) == ("localized_spin_length", 5, 1)
    assert failure.deviation == pytest.approx(1e-6, rel=1e-3)
    # at the bound itself (a pure localized spin, |S| = 1) it passes
    assert check_run(lengthen_transverse(prx_z, "spin", (5, 1), 1.0)).passed


def test_negative_purity_fails(prx_z: RunResult) -> None:
    report = check_run(mutate(prx_z, "spin_purity", (2, 0), value=-1e-6))
    assert report["localized_spin_length"].passed is False
    assert (report["localized_spin_length"].time_index, report["localized_spin_length"].site) == (2, 0)


def test_electron_spin_longer_than_n_e_fails(prx_z: RunResult) -> None:
    failure = only_failure(check_run(lengthen_transverse(prx_z, "electron_spin", (3,), 2 * (1 + 1e-6))))  # N_e = 2
    assert (failure.name, failure.time_index) == ("electron_spin_length", 3)
    assert check_run(lengthen_transverse(prx_z, "electron_spin", (3,), 2.0)).passed


def test_density_bounds(prx_z: RunResult) -> None:
    density = np.array(prx_z.arrays["density"], copy=True)
    spin_z = np.array(prx_z.arrays["spin_density_z"], copy=True)
    # a doubly occupied site cannot carry spin: n = 2, s^z = 0 is fine, n = 2, s^z = 0.1 is not
    site = int(np.argmin(density[6]))
    density[6, site] = 2.0
    spin_z[6, site] = 0.0
    ok = check_run(corrupted(prx_z, density=density, spin_density_z=spin_z))["density_bounds"]
    assert ok.passed
    spin_z[6, site] = 1e-6
    bad = check_run(corrupted(prx_z, density=density, spin_density_z=spin_z))["density_bounds"]
    assert bad.passed is False and (bad.time_index, bad.site) == (6, site)
    density[7, 1] = 2 + 2e-9
    over = check_run(corrupted(prx_z, density=density))["density_bounds"]
    assert over.passed is False and over.time_index == 6  # the larger excess wins
    # a negative occupation, compensated elsewhere so that N_e is unchanged: only the bound breaks
    density = np.array(prx_z.arrays["density"], copy=True)
    shift = density[2, 4] + 2e-9
    density[2, 4] -= shift
    density[2, 0] += shift
    spin_z = np.array(prx_z.arrays["spin_density_z"], copy=True)
    spin_z[2, 0] += spin_z[2, 4]
    spin_z[2, 4] = 0.0
    failure = only_failure(check_run(corrupted(prx_z, density=density, spin_density_z=spin_z)))
    assert (failure.name, failure.time_index, failure.site) == ("density_bounds", 2, 4)


def test_spin_density_must_add_up_to_the_electron_spin(prx_z: RunResult) -> None:
    spin_z = np.array(prx_z.arrays["spin_density_z"], copy=True)
    spin_z[8] *= 1 - 1e-6  # shrinks every |s^z_j|: bounds still hold
    failure = only_failure(check_run(corrupted(prx_z, spin_density_z=spin_z)))
    assert (failure.name, failure.time_index) == ("consistency", 8) and "spin_density_z" in failure.detail


def test_nan_by_design_is_allowed_only_where_documented(prx_x: RunResult, prx_z: RunResult) -> None:
    # N_FM = 1: the edge-spin arrays are NaN by design and the finite check says so
    finite = check_run(prx_x)["finite_values"]
    assert finite.passed and "mutual_info_edges (N_FM = 1)" in finite.detail
    # the same NaN in a record with two localized spins is a failure
    result = check_run(mutate(prx_z, "mutual_info_entropy_a", (0,), value=np.nan))["finite_values"]
    assert result.passed is False and "mutual_info_entropy_a" in result.detail


def test_nan_anywhere_fails_the_check_reading_it(prx_z: RunResult) -> None:
    for key, check in [
        ("norm", "norm"),
        ("energy", "energy"),
        ("spin_z_total", "sz_conservation"),
        ("density", "particle_number"),
        ("spin", "localized_spin_length"),
        ("electron_spin_purity", "electron_spin_length"),
        ("entropy_cut", "entropy_bounds"),
        ("mutual_info_edges", "mutual_information_bounds"),
        ("meyer_wallach", "meyer_wallach_bounds"),
        ("t", "time_grid"),
    ]:
        array = np.array(prx_z.arrays[key], dtype=float, copy=True)
        array.reshape(array.shape[0], -1)[3, 0] = np.nan
        result = check_run(corrupted(prx_z, **{key: array}))[check]
        assert result.passed is False, (key, result)
        assert result.time_index == 3 and "non-finite" in result.detail, (key, result)
        assert math.isnan(result.deviation)


def test_inf_fails(prx_z: RunResult) -> None:
    result = check_run(mutate(prx_z, "norm", (1,), value=np.inf))["norm"]
    assert result.passed is False and result.time_index == 1


# ------------------------------------------------------------------------------- corruptions: pair


def test_pair_corruptions(pair_singlet: RunResult) -> None:
    cases = [
        ("sz_conservation", "S_z", (7,), None, 2e-8, 7, None),
        ("sz_conservation", "sz_total", (9,), None, 2e-8, 9, None),
        # rows that sum to 1 but leave [0, 1]: the worst entry is reported
        ("pair_probabilities", "pair_probabilities", (3,), [1 + 4e-9, -2e-9, -2e-9, 0.0], None, 3, 0),
        ("pair_probabilities", "pair_probabilities", (4,), [0.5 + 2e-9, 0.5, -2e-9, 0.0], None, 4, 2),
        ("consistency", "spin_transfer", (2,), None, 2e-9, 2, None),
        ("norm", "norm", (12,), None, -2e-8, 12, None),
    ]
    for check, key, index, value, add, time_index, site in cases:
        failure = only_failure(check_run(mutate(pair_singlet, key, index, value=value, add=add)))
        assert (failure.name, failure.time_index, failure.site) == (check, time_index, site), (key, failure)


def test_pair_probability_row_sum(pair_singlet: RunResult) -> None:
    p = np.array(pair_singlet.arrays["pair_probabilities"], copy=True)
    p[6] *= 1 + 2e-8  # every entry stays in [0, 1]; only the sum is off
    failure = only_failure(check_run(corrupted(pair_singlet, pair_probabilities=p)))
    assert failure.name == "pair_probabilities" and failure.time_index == 6 and "row sum" in failure.detail


# ------------------------------------------------------------------------------- tolerances


@pytest.mark.parametrize(
    ("check", "key", "index", "tolerance"),
    [
        ("norm", "norm", (4,), Tolerances().norm),
        ("sz_conservation", "spin_z_total", (4,), Tolerances().conservation),
        ("particle_number", "density", (4, 0), Tolerances().conservation),
        ("meyer_wallach_bounds", "meyer_wallach", (4,), Tolerances().bound),
        ("consistency", "spin_purity", (4, 0), Tolerances().consistency),
    ],
)
def test_tolerance_boundary(prx_z: RunResult, check: str, key: str, index: tuple, tolerance: float) -> None:
    base = prx_z.arrays[key][index]
    sign = -1.0 if key in ("spin_purity",) else 1.0  # purity at t=4 is below 1 only in one direction safely
    if key == "meyer_wallach":
        below = mutate(prx_z, key, index, value=1.0 + 0.5 * tolerance)
        above = mutate(prx_z, key, index, value=1.0 + 2.0 * tolerance)
    else:
        below = mutate(prx_z, key, index, value=base + sign * 0.5 * tolerance)
        above = mutate(prx_z, key, index, value=base + sign * 2.0 * tolerance)
    assert check_run(below)[check].passed, check_run(below).to_table()
    assert check_run(above)[check].passed is False
    # a looser tolerance passed in by the user is honoured
    field = {
        "norm": "norm",
        "sz_conservation": "conservation",
        "particle_number": "conservation",
        "meyer_wallach_bounds": "bound",
        "consistency": "consistency",
    }[check]
    loose = Tolerances().replace(**{field: 10 * tolerance})
    assert check_run(above, tolerances=loose)[check].passed


def test_energy_tolerance_is_relative(prx_z: RunResult) -> None:
    e0 = float(prx_z.arrays["energy"][0])
    scale = max(1.0, abs(e0))
    assert check_run(mutate(prx_z, "energy", (3,), add=0.5e-8 * scale))["energy"].passed
    assert check_run(mutate(prx_z, "energy", (3,), add=2e-8 * scale))["energy"].passed is False


def test_time_grid_tolerates_accumulated_float_steps() -> None:
    t = np.zeros(10_001)
    for i in range(1, t.size):  # the worst way to build a grid: t += dt
        t[i] = t[i - 1] + 0.1
    assert check_run(t=t)["time_grid"].passed
    assert check_run(t=t[::-1])["time_grid"].passed is False
    skipped = np.delete(t[:100], 50)  # a missing record
    result = check_run(t=skipped)["time_grid"]
    assert result.passed is False and result.time_index == 50


def test_single_time_point_skips_the_grid_check() -> None:
    report = check_run(t=np.array([0.0]), norm=np.array([1.0]))
    assert report["time_grid"].skipped and report.passed


# ------------------------------------------------------------------------------- approximate records


def _tebd_like(prx_z: RunResult, truncation: np.ndarray) -> RunResult:
    run = corrupted(prx_z, truncation_error=truncation)
    run.meta["method"] = "tebd"
    return run


def test_approximate_norm_tolerance_is_tied_to_truncation_error(prx_z: RunResult) -> None:
    n_t = prx_z.arrays["t"].size
    truncation = np.linspace(0.0, 1e-5, n_t)
    norm = np.array(prx_z.arrays["norm"], copy=True)
    norm[8] = 1.0 - 0.9 * truncation[8]  # ‖ψ‖ lost a bit less than the discarded weight: allowed
    run = _tebd_like(corrupted(prx_z, norm=norm), truncation)
    report = check_run(run)
    assert report.approximate and report["norm"].passed, report.to_table()
    norm[8] = 1.0 - 1.5 * truncation[8]  # more than the truncation can explain: a bug
    failure = check_run(_tebd_like(corrupted(prx_z, norm=norm), truncation))["norm"]
    assert failure.passed is False and failure.time_index == 8
    assert failure.tolerance == pytest.approx(Tolerances().norm + truncation[8])
    # the same loss is a failure for an exact record
    assert check_run(corrupted(prx_z, norm=norm))["norm"].passed is False
    # and --exact overrides the detection
    assert check_run(_tebd_like(corrupted(prx_z, norm=norm), truncation), approximate=False)["norm"].passed is False


def test_approximate_conservation_scales_with_operator_norm(prx_z: RunResult) -> None:
    truncation = np.full(prx_z.arrays["t"].size, 1e-6)
    op_norm = 2 + 2  # N_e + N_FM
    within = _tebd_like(mutate(prx_z, "spin_z_total", (5,), add=0.9 * op_norm * 1e-6), truncation)
    beyond = _tebd_like(mutate(prx_z, "spin_z_total", (5,), add=1.2 * op_norm * 1e-6), truncation)
    assert check_run(within)["sz_conservation"].passed
    assert check_run(beyond)["sz_conservation"].passed is False


def test_truncation_error_must_not_decrease(prx_z: RunResult) -> None:
    truncation = np.linspace(0.0, 1e-6, prx_z.arrays["t"].size)
    assert check_run(_tebd_like(prx_z, truncation))["truncation_error"].passed
    decreasing = truncation.copy()
    decreasing[7] = decreasing[6] - 1e-12
    result = check_run(_tebd_like(prx_z, decreasing))["truncation_error"]
    assert result.passed is False and result.time_index == 7
    negative = truncation.copy()
    negative[0] = -1e-12
    assert check_run(_tebd_like(prx_z, negative))["truncation_error"].passed is False
    nan = truncation.copy()
    nan[4] = np.nan
    result = check_run(_tebd_like(prx_z, nan))
    assert result["truncation_error"].passed is False and result["truncation_error"].time_index == 4
    assert result["norm"].passed  # a NaN truncation error does not poison the other tolerances


@pytest.fixture(scope="module")
def tebd_run() -> RunResult:
    from verify.records import simulate_prx_tebd

    model = PRXChain(n_sites=5, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="z")
    return simulate_prx_tebd(model, t_max=1.5, dt_out=0.5, dt=0.1)


def test_real_tebd_record_passes(tebd_run: RunResult) -> None:
    report = check_run(tebd_run)
    assert report.approximate and report.passed, report.to_table()
    assert report["truncation_error"].passed
    # second-order Trotter with dt = 0.1 moves <H> by ~1e-3 relative: inside the approximate
    # tolerance (1e-2), far outside the exact one (1e-8), which is why approximate records get their own
    assert 1e-5 < report["energy"].deviation < Tolerances().energy_approximate / 5
    assert check_run(tebd_run, approximate=False)["energy"].passed is False


def test_tebd_energy_jump_fails(tebd_run: RunResult) -> None:
    e0 = abs(float(tebd_run.arrays["energy"][0]))
    bad = mutate(tebd_run, "energy", (3,), add=0.05 * max(1.0, e0))  # e.g. a wrong gate
    failure = only_failure(check_run(bad))
    assert (failure.name, failure.time_index) == ("energy", 3)


# ------------------------------------------------------------------------------- entropy dimensions


def test_entropy_bound_uses_model_dimensions(prx_z: RunResult) -> None:
    # n_sites = 5, n_left = 2, n_fm = 2, cut after site 3: left 4^3 * 2^1 (FM site 2 is left of the cut),
    # right 4^2 * 2^1: log2 dims (7, 5), bound 5 ln 2
    result = check_run(prx_z)["entropy_bounds"]
    assert "(7, 5)" in result.detail
    at_bound = mutate(prx_z, "entropy_cut", (3,), value=5 * math.log(2))
    assert check_run(at_bound)["entropy_bounds"].passed
    # the base is honoured: 4.0 exceeds 5 ln 2 = 3.47 nats but not 5 bits
    four = mutate(prx_z, "entropy_cut", (3,), value=4.0)
    assert check_run(four)["entropy_bounds"].passed is False
    assert check_run(four, base=2)["entropy_bounds"].passed


def test_entropy_bound_with_explicit_dims() -> None:
    t = np.arange(3.0)
    good = check_run(t=t, entropy_cut=np.array([0.0, math.log(2), math.log(3)]), entropy_dims=(3, 4))
    assert good["entropy_bounds"].passed
    bad = check_run(t=t, entropy_cut=np.array([0.0, math.log(2), math.log(3) + 1e-6]), entropy_dims=(3, 4))
    assert bad["entropy_bounds"].passed is False and bad["entropy_bounds"].time_index == 2
    assert check_run(t=t, entropy_cut=np.zeros(3))["entropy_bounds"].skipped


def test_mutual_information_araki_lieb_with_pieces() -> None:
    t = np.arange(3.0)
    s_a = np.array([0.1, 0.2, 0.3])
    s_b = np.array([0.5, 0.5, 0.5])
    info = 2 * np.minimum(s_a, s_b)
    assert check_run(t=t, mutual_info_edges=info, mutual_info_entropy_a=s_a, mutual_info_entropy_b=s_b).passed
    info[1] += 2e-9
    report = check_run(t=t, mutual_info_edges=info, mutual_info_entropy_a=s_a, mutual_info_entropy_b=s_b)
    assert report["mutual_information_bounds"].passed is False
    assert report["mutual_information_bounds"].time_index == 1
    # without the pieces only the weaker 2 log 2 bound applies, which this value satisfies
    assert check_run(t=t, mutual_info_edges=info)["mutual_information_bounds"].passed


# ------------------------------------------------------------------------------- input forms


def test_record_forms_agree(prx_z: RunResult, tmp_path) -> None:
    path = prx_z.save(tmp_path / "run.npz")
    from_path = check_run(path)
    from_str = check_run(str(path))
    from_run = check_run(prx_z)
    from_mapping = check_run(dict(prx_z.arrays), meta=prx_z.meta)
    for report in (from_path, from_str, from_mapping):
        assert [c.to_dict() for c in report.checks] == [c.to_dict() for c in from_run.checks]
    assert from_path.source == str(path)


def test_plain_arrays_with_keywords() -> None:
    t = np.linspace(0, 1, 11)
    report = check_run(t=t, norm=np.ones(11), density=np.full((11, 4), 0.5), n_e=2)
    assert report.passed and report["particle_number"].detail.startswith("N_e = 2")
    wrong_n = check_run(t=t, norm=np.ones(11), density=np.full((11, 4), 0.5), n_e=3)
    assert wrong_n["particle_number"].passed is False
    without_n = check_run(t=t, density=np.full((11, 4), 0.5))
    assert without_n["particle_number"].passed and "initial" in without_n["particle_number"].detail


def test_missing_arrays_are_skipped_with_reasons() -> None:
    report = check_run(t=np.arange(4.0), norm=np.ones(4))
    assert report.passed
    assert [c.name for c in report.ran] == ["time_grid", "finite_values", "norm"]
    for check in report.checks[3:]:
        assert check.skipped and check.skip_reason


def test_a_record_holding_only_t_fails_as_unverified() -> None:
    """Issue #14, item 5: 't' alone passes the form checks but verifies nothing, so the record fails."""
    report = check_run(t=np.arange(4.0))
    assert not report.passed
    assert [c.name for c in report.failures] == ["required_arrays"]
    assert "nothing was verified" in report["required_arrays"].detail
    assert report["time_grid"].passed and report["finite_values"].passed


def test_truncation_bookkeeping_alone_does_not_verify_a_record() -> None:
    """Review finding: 't' plus 'truncation_error' (bookkeeping, not physics) must not pass either."""
    report = check_run(t=np.arange(4.0), truncation_error=np.zeros(4))
    assert report["truncation_error"].passed and not report.passed
    assert "nothing was verified" in report["required_arrays"].detail


# ------------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("arrays", "kwargs", "fragment"),
    [
        ({"norm": np.ones(3)}, {}, "missing key 't'"),
        ({"t": np.zeros((2, 2))}, {}, "key 't'"),
        ({"t": np.zeros(0)}, {}, "key 't'"),
        ({"t": np.arange(3.0), "norm": np.ones(4)}, {}, "key 'norm'"),
        ({"t": np.arange(3.0), "spin": np.zeros((3, 2))}, {}, "key 'spin'"),
        ({"t": np.arange(3.0), "spin": np.zeros((3, 2, 2))}, {}, "key 'spin'"),
        ({"t": np.arange(3.0), "spin": np.zeros((3, 2, 3)), "spin_purity": np.zeros((3, 3))}, {}, "spin_purity"),
        ({"t": np.arange(3.0), "pair_probabilities": np.zeros((3, 3))}, {}, "pair_probabilities"),
        ({"t": np.array(["a", "b"])}, {}, "key 't'"),
        ({"t": np.arange(3.0), "norm": np.ones(3) + 0j}, {}, "complex"),
        ({"t": np.arange(3.0), "energy": np.array([None, 1, 2], dtype=object)}, {}, "key 'energy'"),
        ({"t": np.arange(3.0)}, {"n_e": -1}, "n_e"),
        ({"t": np.arange(3.0)}, {"entropy_dims": (2,)}, "entropy_dims"),
        ({"t": np.arange(3.0)}, {"entropy_dims": (0, 2)}, "entropy_dims"),
        ({"t": np.arange(3.0)}, {"convention": "bogus"}, "convention"),
        ({"t": np.arange(3.0)}, {"base": 1.0}, "base"),
        ({"t": np.arange(3.0)}, {"meta": {"polarization": "y"}}, "polarization"),
        ({"t": np.arange(3.0), "spin": np.zeros((3, 2, 3))}, {"n_fm": 3}, "n_fm"),
    ],
)
def test_malformed_records_raise_value_error_naming_the_key(arrays: dict, kwargs: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(")):
        check_run(arrays, **kwargs)


@pytest.mark.parametrize(
    ("arrays", "kwargs", "fragment"),
    [
        ({"t": np.arange(3.0)}, {"n_e": 1.5}, "n_e"),
        ({"t": np.arange(3.0)}, {"meta": {"n_e": "two"}}, "n_e"),
    ],
)
def test_wrongly_typed_parameters_raise_type_error_naming_the_key(arrays: dict, kwargs: dict, fragment: str) -> None:
    # a non-integer electron number is a wrong type (states.validation): TypeError, not ValueError
    with pytest.raises(TypeError, match=fragment):
        check_run(arrays, **kwargs)


def test_type_errors() -> None:
    with pytest.raises(TypeError, match="no record"):
        check_run()
    with pytest.raises(TypeError, match="record must be"):
        check_run(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unknown array"):
        check_run(t=np.arange(3.0), nrom=np.ones(3))
    with pytest.raises(TypeError, match="not both"):
        check_run({"t": np.arange(3.0)}, norm=np.ones(3))
    with pytest.raises(TypeError, match="tolerances"):
        check_run(t=np.arange(3.0), tolerances={"norm": 1.0})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unknown tolerance"):
        Tolerances().replace(nrom=1.0)
    with pytest.raises(ValueError, match="norm"):
        Tolerances(norm=-1.0)
    with pytest.raises(ValueError, match="norm"):
        Tolerances(norm=math.nan)


def test_file_errors_name_the_file(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no such run record"):
        check_run(tmp_path / "missing.npz")
    truncated = tmp_path / "truncated.npz"
    RunResult({"t": np.arange(100.0), "norm": np.ones(100)}).save(truncated)
    truncated.write_bytes(truncated.read_bytes()[:200])
    with pytest.raises(ValueError, match=r"truncated\.npz"):
        check_run(truncated)
    not_npz = tmp_path / "text.npz"
    not_npz.write_text("hello")
    with pytest.raises(ValueError, match=r"text\.npz"):
        check_run(not_npz)


def test_load_record_returns_validated_float_arrays(prx_z: RunResult) -> None:
    arrays, meta, source = load_record(prx_z)
    assert source == "RunResult" and meta["method"] == "exact"
    assert set(arrays) <= set(ARRAY_SHAPES)
    assert all(a.dtype == np.float64 for a in arrays.values())
    ints, _, _ = load_record({"t": np.arange(3)})
    assert ints["t"].dtype == np.float64


# ------------------------------------------------------------------------------- report API


def test_report_serialization(prx_z: RunResult) -> None:
    report = check_run(mutate(prx_z, "norm", (2,), value=np.nan))
    data = json.loads(report.to_json())  # allow_nan=False inside: raises if a NaN slipped through
    assert data["passed"] is False
    norm = next(c for c in data["checks"] if c["name"] == "norm")
    assert norm["status"] == "FAIL" and norm["deviation"] is None and norm["deviation_nonfinite"] is True
    assert norm["time_index"] == 2
    assert data["tolerances"]["norm"] == Tolerances().norm
    table = report.to_table()
    assert "norm" in table and "FAIL" in table and "FAILED" in table.splitlines()[-1]
    assert "skip" in table  # pair checks on a PRX record
    with pytest.raises(KeyError, match="no check named"):
        report["bogus"]


def test_report_table_of_a_passing_run(prx_z: RunResult) -> None:
    table = check_run(prx_z).to_table()
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["check", "status", "worst"]
    # every check that does not apply to a PRX record is skipped (was "2 skipped" before charge_conservation)
    skipped = len(CHECK_NAMES) - len(PRX_Z_CHECKS)
    assert lines[-1].startswith(f"PASSED: {len(PRX_Z_CHECKS)}/{len(PRX_Z_CHECKS)} checks passed, {skipped} skipped")
    assert len(lines) == 2 + len(CHECK_NAMES) + 2  # header, rule, one line per check, blank, summary


def test_every_check_is_documented_for_users() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "docs" / "verify_users.md").read_text()
    missing = [name for name in CHECK_NAMES if f"`{name}`" not in text]
    assert not missing, f"checks missing from docs/verify_users.md: {missing}"
