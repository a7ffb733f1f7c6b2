"""Tolerance profiles, the WARN status, required arrays, and the declaration flags of ``verify check``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from verify.checks import PROFILES, Tolerances, check_run, parse_conserved, profile_for_method
from verify.cli import check as check_cli
from verify.models import XXZChain
from verify.records import RunResult, simulate_exact

T = np.linspace(0.0, 2.0, 21)


@pytest.fixture(scope="module")
def xxz() -> RunResult:
    return simulate_exact(XXZChain(n_sites=6, j_z=0.5, initial="neel"), t_max=2.0, dt_out=0.1)


def _without(run: RunResult, *keys: str, **meta) -> RunResult:
    return RunResult({k: v for k, v in run.arrays.items() if k not in keys}, {**run.meta, **meta})


# ------------------------------------------------------------------------------------------- profiles


def test_profiles_are_documented_tolerance_sets() -> None:
    assert sorted(PROFILES) == ["exact", "ode", "trotter"]
    assert Tolerances.profile("exact") == Tolerances() == Tolerances.profile("trotter")
    ode = Tolerances.profile("ode")
    assert (ode.norm, ode.conservation, ode.energy, ode.bound) == (1e-3, 1e-3, 1e-3, 1e-3)
    assert ode.consistency == Tolerances().consistency  # derived arrays of one state: round-off only
    with pytest.raises(ValueError, match="unknown tolerance profile"):
        Tolerances.profile("loose")
    with pytest.raises(TypeError):
        Tolerances.profile(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "profile"),
    [("exact", "exact"), ("chebyshev", "exact"), ("tebd", "trotter"), ("tenpy.TEBDEngine", "trotter"),
     ("tenpy.ExpMPOEvolution", "trotter"), ("qutip.sesolve", "ode"), ("RK45", "ode"), ("mystery", None), (3, None)],
)
def test_the_profile_follows_the_method(method: object, profile: str | None) -> None:
    assert profile_for_method(method) == profile


def test_the_profile_is_chosen_from_the_record(xxz: RunResult) -> None:
    report = check_run(xxz)
    assert report.profile == "exact" and "meta.method" in report.profile_reason and not report.warnings
    ode = check_run(_without(xxz, method="qutip.sesolve"))
    assert ode.profile == "ode" and not ode.approximate and ode.tolerances == Tolerances.profile("ode")
    bare = check_run({"t": T, "truncation_error": np.zeros(T.size)})
    assert bare.profile == "trotter" and bare.approximate
    given = check_run(xxz, profile="ode")
    assert given.profile == "ode" and given.profile_reason == "given"
    with pytest.raises(ValueError, match="profile"):
        check_run(xxz, profile="loose")


def test_a_check_passing_only_under_a_relaxed_profile_warns(xxz: RunResult) -> None:
    drifting = dict(xxz.arrays)
    drifting["energy"] = xxz.arrays["energy"] + 3e-5 * T[: xxz.arrays["t"].size]  # an ODE-like drift
    exact = check_run(RunResult(drifting, xxz.meta))
    assert exact["energy"].status == "FAIL"
    ode = check_run(RunResult(drifting, xxz.meta), profile="ode")
    assert ode.passed and ode["energy"].status == "WARN" and "ode profile" in ode["energy"].warning
    assert ode["norm"].status == "pass"  # within the exact tolerance as well: no warning
    loose = check_run(RunResult(drifting, xxz.meta), tolerances=Tolerances(energy=1e-3))
    assert loose.passed and "given tolerance" in loose["energy"].warning


# ------------------------------------------------------------------------------------------- WARN


def test_missing_expected_arrays_warn_and_the_record_still_passes(xxz: RunResult) -> None:
    report = check_run(_without(xxz, "norm", "energy"))
    assert report.passed
    assert report["norm"].status == "WARN" and report["energy"].status == "WARN"
    assert report["norm"].skipped and report["norm"].skip_reason == "no 'norm' array"
    assert report["density_bounds"].status == "skip"  # not an XXZ key: does not apply
    # required_arrays names them too: arrays assembled by hand (no run id) warn, a saved record fails (issue 14)
    assert {check.name for check in report.warnings} == {"norm", "energy", "required_arrays"}
    table = report.to_table().splitlines()
    assert table[-1].startswith("PASSED: ") and "3 warnings" in table[-1]
    data = json.loads(report.to_json())
    assert data["warnings"] == 3 and data["profile"] == "exact"
    assert next(c for c in data["checks"] if c["name"] == "norm")["status"] == "WARN"


def test_truncation_limited_steps_warn(xxz: RunResult) -> None:
    arrays = dict(xxz.arrays)
    n = arrays["t"].size
    arrays.update(truncation_error=np.linspace(0, 1e-9, n), truncation_limited_steps=(np.arange(n) > 5) * 2.0)
    report = check_run(RunResult(arrays, {**xxz.meta, "method": "tebd"}))
    result = report["truncation_error"]
    assert report.passed and result.status == "WARN" and "chi_max could not hold" in result.warning


def test_a_record_lacking_what_its_model_requires_fails(xxz: RunResult) -> None:
    report = check_run(_without(xxz, "spin_z", "total_spin_z"))
    failure = report["sz_conservation"]
    assert not report.passed and failure.status == "FAIL" and failure.deviation is None
    assert "required by the xxz model" in failure.detail and "'total_spin_z' or 'spin_z'" in failure.detail
    assert check_run(_without(xxz, "total_spin_z")).passed  # the parts suffice
    only_t = check_run(RunResult({"t": xxz.arrays["t"]}, xxz.meta))
    assert not only_t.passed  # the complaint of the issue: a record holding only t no longer passes


def test_bare_records_skip_with_warnings_instead() -> None:
    report = check_run({"t": T, "spin": np.zeros((T.size, 2, 3))})
    assert report.passed and report["sz_conservation"].status == "WARN" and report["norm"].status == "WARN"


# ------------------------------------------------------------------------------------------- declarations


def test_parse_conserved() -> None:
    assert parse_conserved("N,Sz,energy") == (("N", "2Sz"), True)
    assert parse_conserved(["2Sz", "Nu", "norm"]) == (("2Sz", "Nu"), False)
    with pytest.raises(ValueError, match="twice"):
        parse_conserved("Sz,2Sz")
    with pytest.raises(ValueError, match="not a charge name"):
        parse_conserved("N,,Sz")
    with pytest.raises(TypeError):
        parse_conserved(3)


def _hubbard_like(n_t: int = 21, *, broken: bool = False) -> dict[str, np.ndarray]:
    density = np.full((n_t, 4), 0.5)
    if broken:
        density[7, 1] += 1e-4
    return {"t": T[:n_t], "norm": np.ones(n_t), "energy": np.full(n_t, -1.5), "density": density,
            "entropy_cut": np.full(n_t, 0.3)}


def test_a_bare_record_declared_by_keywords() -> None:
    report = check_run(_hubbard_like(), model="hubbard", conserved="N,energy", n_e=2, entropy_dims=(16, 16))
    assert report.passed and report.model == "hubbard"
    assert report["particle_number"].status == "pass" and "N_e = 2" in report["particle_number"].detail
    assert report["sz_conservation"].status == "skip"  # not declared: the model conserves no S^z
    assert report["entropy_bounds"].status == "pass" and "dims (16, 16)" in report["entropy_bounds"].detail
    broken = check_run(_hubbard_like(broken=True), model="hubbard", conserved="N,energy", n_e=2)
    assert broken["particle_number"].status == "FAIL" and broken["particle_number"].time_index == 7
    assert check_run(_hubbard_like(), model="hubbard", conserved="N", n_e=2)["energy"].status == "skip"
    missing = check_run({"t": T, "norm": np.ones(T.size)}, model="hubbard", conserved="N,Sz")
    assert missing["particle_number"].status == "FAIL" and missing["sz_conservation"].status == "FAIL"


def test_entropy_dims_in_the_sidecar_are_read() -> None:
    record = {"t": T, "entropy_cut": np.full(T.size, 2.1)}  # above ln 8 = 2.08, below ln 16
    assert check_run(record, meta={"entropy_dims": [8, 8]})["entropy_bounds"].status == "FAIL"
    assert check_run(record, meta={"entropy_dims": [16, 16]})["entropy_bounds"].status == "pass"
    assert check_run(record)["entropy_bounds"].status == "WARN"  # recorded, but no dimensions: said


def test_cli_declaration_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = RunResult(_hubbard_like()).save(tmp_path / "bare.npz")
    argv = [str(path), "--model", "hubbard", "--conserved", "N,energy", "--n-e", "2", "--entropy-dims", "16,16"]
    assert check_cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "model hubbard" in out.splitlines()[-1]
    assert check_cli.main([str(path), "--model", "hubbard", "--conserved", "N,Sz"]) == 1  # no S^z array
    assert "required" in capsys.readouterr().out
    assert check_cli.main([str(path), "--profile", "ode", "--tol", "energy=1e-2"]) == 0
    assert "profile ode" in capsys.readouterr().out.splitlines()[-1]
    assert check_cli.main([str(path), "--conserved", "N,,x"]) == 2
    err = capsys.readouterr().err
    assert "not a charge name" in err and len(err.strip().splitlines()) == 1
    for bad in (["--entropy-dims", "4"], ["--profile", "loose"]):  # argparse: one line, exit 2
        with pytest.raises(SystemExit) as stop:
            check_cli.main([str(path), *bad])
        assert stop.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and len(err.strip().splitlines()) == 1


def test_cli_exits_0_with_warn_lines(tmp_path: Path, xxz: RunResult, capsys: pytest.CaptureFixture[str]) -> None:
    # a record of an earlier release (no run id) lacking an expected array: WARN lines, exit 0
    legacy = tmp_path / "legacy.npz"
    np.savez(legacy, **_without(xxz, "norm").arrays)
    legacy.with_suffix(".json").write_text(json.dumps(xxz.meta, default=float))
    assert check_cli.main([str(legacy)]) == 0
    out = capsys.readouterr().out
    norm_line = next(line for line in out.splitlines() if line.startswith("norm "))
    assert "WARN" in norm_line and "no 'norm' array" in norm_line and "2 warnings" in out.splitlines()[-1]
    # a record this package saved lacking an array of its model fails (issue 14: a deleted array was a skip)
    path = _without(xxz, "norm").save(tmp_path / "no_norm.npz")
    assert check_cli.main([str(path)]) == 1
    out = capsys.readouterr().out
    norm_line = next(line for line in out.splitlines() if line.startswith("norm "))
    assert "WARN" in norm_line and "no 'norm' array" in norm_line
    required = next(line for line in out.splitlines() if line.startswith("required_arrays "))
    assert "FAIL" in required and "'norm'" in required


def test_energy_failing_after_chi_max_stopped_holding_says_truncation(xxz: RunResult) -> None:
    """An energy that drifts past the Trotter tolerance only after the first truncation-limited step fails
    with a hint that the drift is truncation error (the default N_e = 8 run at χ = 400 to t = 40 drifts
    2.7e-2 after t = 20.2); one that drifted before keeps the plain verdict."""
    arrays = dict(xxz.arrays)
    n = arrays["t"].size
    limited = np.arange(n) > n // 2
    scale = max(1.0, abs(float(arrays["energy"][0])))
    arrays.update(truncation_error=np.linspace(0, 1e-3, n), truncation_limited_steps=limited * 3.0,
                  energy=arrays["energy"][0] + scale * 0.05 * limited * np.linspace(0, 1, n))
    report = check_run(RunResult(arrays, {**xxz.meta, "method": "tebd"}))
    energy = report["energy"]
    first_limited_t = float(arrays["t"][n // 2])
    assert energy.status == "FAIL" and f"within tolerance until t = {first_limited_t:g}" in energy.detail
    assert "truncation error" in energy.detail
    arrays["energy"] = arrays["energy"] + scale * 0.05 * (np.arange(n) == 1)  # a jump before: not truncation
    early = check_run(RunResult(arrays, {**xxz.meta, "method": "tebd"}))["energy"]
    assert early.status == "FAIL" and "truncation error" not in early.detail
