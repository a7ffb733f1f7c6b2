"""verify.checks.compare_runs and ``python -m verify compare``: the convergence horizon.

Independent route: every horizon is recomputed from the raw arrays (matching times with np.isclose,
the largest |difference| over entries, the first time above the tolerance) and compared with the report.
"""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest

from verify.checks import ComparisonReport, compare_runs
from verify.checks.compare import most_accurate
from verify.cli import main
from verify.models import PRXChain, XXZChain
from verify.records import RunResult, load_run, simulate_exact, simulate_tebd
from verify.tebd import TEBDOptions

MODEL = PRXChain(n_sites=10, n_left=4, n_fm=2, n_conf=3, n_e=3)
"""Small enough for the exact evolver (sector 4560 states); χ = 8 and 16 are truncation-limited by t ≈ 1."""


def _tebd(chi: int, dt: float = 0.1, **kwargs) -> RunResult:
    return simulate_tebd(MODEL, t_max=4.0, dt_out=0.5, options=TEBDOptions(dt=dt, chi_max=chi, trunc=1e-10), **kwargs)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, str]:
    """The exact run (finer output grid) and a χ ladder, saved as records."""
    folder = tmp_path_factory.mktemp("ladder")
    records = {"exact": simulate_exact(MODEL, t_max=4.0, dt_out=0.25), "chi8": _tebd(8), "chi16": _tebd(16),
               "chi64": _tebd(64), "chi128": _tebd(128)}
    return {name: str(run.save(folder / f"{name}.npz")) for name, run in records.items()}


def direct_horizon(run: RunResult, reference: RunResult, key: str, tol: float) -> float:
    """The horizon from the raw arrays (module docstring)."""
    t_ref = reference.arrays["t"]
    common = [t for t in run.arrays["t"] if np.any(np.isclose(t_ref, t, atol=1e-9))]
    deviation = []
    for t in common:
        a = run.arrays[key][np.flatnonzero(np.isclose(run.arrays["t"], t, atol=1e-9))[0]]
        b = reference.arrays[key][np.flatnonzero(np.isclose(t_ref, t, atol=1e-9))[0]]
        deviation.append(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float)), initial=0.0))
    bad = [i for i, d in enumerate(deviation) if not d <= tol]
    return common[-1] if not bad else (common[bad[0] - 1] if bad[0] else math.nan)


def test_exact_is_the_reference_and_horizons_match_a_direct_comparison(runs) -> None:
    report = compare_runs([runs["chi8"], runs["exact"], runs["chi16"]])
    assert isinstance(report, ComparisonReport)
    assert report.labels[report.reference] == "exact.npz" and "exact" in report.reference_reason
    assert report.times.tolist() == [0.5 * k for k in range(9)]  # the exact run's 0.25 grid: common times only
    exact = load_run(runs["exact"])
    for run in report.runs:
        record = load_run(runs[run.label.removesuffix(".npz")])
        for key in ("spin", "density", "entropy_cut", "energy", "mutual_info_edges"):
            assert run.horizons[key] == direct_horizon(record, exact, key, report.tolerances[key]), (run.label, key)
    chi8 = report.runs[0]
    assert chi8.label == "chi8.npz" and not chi8.agrees and chi8.horizon < 4.0
    assert chi8.max_deviation["spin"] > 1e-3 and not report.passed
    assert "bond_entropy" not in report.keys  # the exact record has none
    assert "truncation_error" not in report.keys and "max_bond_dimension" not in report.keys
    assert report.tolerances["energy"] == pytest.approx(1e-3 * max(1.0, abs(exact.arrays["energy"][0])))


def test_tebd_ladder_reference_and_bond_entropies(runs) -> None:
    report = compare_runs([runs["chi8"], runs["chi16"], runs["chi64"]], tolerances={"spin": 1e-2})
    assert report.labels[report.reference] == "chi64.npz" and report.reference_reason == "TEBD with larger chi_max"
    assert "bond_entropy" in report.keys and report.tolerances["spin"] == 1e-2
    chi8, chi16 = report.runs
    assert chi8.horizon <= chi16.horizon  # more χ, longer trust
    summary = report.to_dict()
    assert summary["reference"] == "chi64.npz" and json.dumps(summary)  # JSON-ready (NaN → None)


def test_reference_rules() -> None:
    tebd = {"method": "tebd", "chi_max": 64, "trunc": 1e-10, "dt": 0.1, "order": 2}
    labels = ["a", "b", "c"]
    assert most_accurate([tebd, {**tebd, "dt": 0.05}, {**tebd, "order": 4, "dt": 0.05}], labels) == (
        2, "TEBD with smaller dt, higher order")
    for settings, match in [
        ([tebd, dict(tebd), {**tebd, "chi_max": 32}], "no run is at least as accurate"),  # a tie at the top
        ([{**tebd, "chi_max": 256}, {**tebd, "dt": 0.05}, tebd], "no run is at least as accurate"),  # conflict
        ([{"method": "exact"}, {"method": "exact"}, tebd], "equally accurate"),
        ([tebd, {}, tebd], "no exact or TEBD settings"),
    ]:
        with pytest.raises(ValueError, match=match):
            most_accurate(settings, labels)


def test_bad_input(runs) -> None:
    chi16 = load_run(runs["chi16"])
    other = copy.deepcopy(chi16)
    other.meta["model"]["j_sd"] = 0.6
    with pytest.raises(ValueError, match="different model"):
        compare_runs([chi16, other])
    other = copy.deepcopy(chi16)
    other.meta["initial_state"]["label"] = "psi0"
    with pytest.raises(ValueError, match="different initial state"):
        compare_runs([chi16, other])
    other = copy.deepcopy(chi16)
    other.meta["cut"] = 3
    with pytest.raises(ValueError, match="different entropy cut"):
        compare_runs([chi16, other])
    with pytest.raises(ValueError, match="at least as accurate"):
        compare_runs([chi16, copy.deepcopy(chi16)])
    with pytest.raises(ValueError, match="at least two"):
        compare_runs([chi16])
    with pytest.raises(ValueError, match="do not share"):
        compare_runs([chi16, runs["chi8"]], tolerances={"spin_z": 1.0})
    with pytest.raises(TypeError, match="number"):
        compare_runs([chi16, runs["chi8"]], tolerances={"spin": "small"})
    with pytest.raises(TypeError, match="sequence"):
        compare_runs(runs["chi8"])
    with pytest.raises(FileNotFoundError):
        compare_runs([runs["chi8"], "missing.npz"])
    late = copy.deepcopy(chi16)
    late.arrays["t"] = late.arrays["t"] + 0.1
    with pytest.raises(ValueError, match="share no output time"):
        compare_runs([chi16, late], reference=0)


def test_explicit_reference_and_old_records(runs) -> None:
    """--reference overrides the metadata (also a record outside the list); a record written before the
    polarization angles existed (its meta.model lacks them) is the same model."""
    chi16 = load_run(runs["chi16"])
    old = copy.deepcopy(chi16)
    for key in ("electron_theta", "electron_phi", "spin_theta", "spin_phi", "initial_state"):
        del old.meta["model"][key]
    report = compare_runs([old, chi16], reference=0)
    assert report.reference == 0 and report.reference_reason == "given" and report.passed
    report = compare_runs([runs["chi8"], runs["chi16"]], reference=runs["exact"])
    assert report.labels == ("chi8.npz", "chi16.npz", "exact.npz") and report.reference == 2


def test_cli_compare(runs, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", runs["chi8"], runs["chi16"], runs["chi64"]]) == 1
    out = capsys.readouterr().out
    assert "reference: chi64.npz (TEBD with larger chi_max)" in out and "all observables" in out
    assert "chi8.npz trusted to t = " in out
    assert main(["compare", runs["chi64"], runs["chi128"]]) == 0  # χ = 64 is not reached: identical runs
    assert "chi64.npz agrees" in capsys.readouterr().out
    plot = tmp_path / "horizon.png"
    assert main(["compare", runs["chi8"], runs["chi64"], "--tol", "spin=0.5", "--plot", str(plot)]) == 1
    assert all((tmp_path / f"horizon.{ext}").is_file() for ext in ("png", "pdf", "npz", "json"))
    data = np.load(tmp_path / "horizon.npz")
    assert data["t"].tolist() == [0.5 * k for k in range(9)] and "chi8.npz/spin" in data.files
    meta = json.loads((tmp_path / "horizon.json").read_text())
    assert meta["reference"] == "chi64.npz" and meta["tolerances"]["spin"] == 0.5 and meta["inputs"][0] == runs["chi8"]


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [(["--tol", "spin"], "NAME=VALUE"), (["--reference", "nowhere.npz"], "nowhere.npz"), ([], "different model")],
)
def test_cli_bad_input_is_one_line(runs, tmp_path, capsys, extra, fragment) -> None:
    xxz = simulate_exact(XXZChain(n_sites=4), t_max=1.0, dt_out=0.5).save(tmp_path / "xxz.npz")
    files = [runs["chi8"], str(xxz)] if not extra else [runs["chi8"], runs["chi16"]]
    assert main(["compare", *files, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1 and fragment in err, err


LADDER_MODEL = PRXChain(n_sites=10, n_left=4, n_fm=2, n_conf=4, n_e=4)
"""Four electrons on N = 10: the bond dimension reaches 99 by t = 5 at trunc 1e-10, so χ = 64 is
truncation-limited (measured: from t ≈ 3) while χ = 128 and 256 keep every Schmidt value above trunc."""


def test_chi_64_128_256_ladder_reports_the_horizon_of_a_direct_comparison(tmp_path, capsys) -> None:
    """The issue's acceptance on a small PRX chain (N = 10, N_e = 4, δt 0.1, t = 5; ~4 s idle): the
    package's own χ = 64/128/256 records; ``verify compare`` names χ = 256 the reference, prints for
    χ = 64 the per-observable horizons a direct array comparison gives (every key, table and report)
    and says χ = 128 agrees. Fails if the horizon is computed on the wrong grid, against the wrong
    reference, or not printed as computed."""
    paths = {}
    for chi in (64, 128, 256):
        run = simulate_tebd(LADDER_MODEL, t_max=5.0, dt_out=0.5,
                            options=TEBDOptions(dt=0.1, chi_max=chi, trunc=1e-10))
        paths[chi] = str(run.save(tmp_path / f"chi{chi}.npz"))
    assert load_run(paths[64]).arrays["max_bond_dimension"].max() == 64  # χ = 64 is reached
    assert load_run(paths[256]).arrays["max_bond_dimension"].max() < 128  # χ = 128 is not
    assert main(["compare", paths[64], paths[128], paths[256]]) == 1
    out = capsys.readouterr().out
    assert "reference: chi256.npz (TEBD with larger chi_max)" in out and "chi128.npz agrees" in out
    report = compare_runs(list(paths.values()))
    reference = load_run(paths[256])
    chi64 = report.runs[0]
    direct = {key: direct_horizon(load_run(paths[64]), reference, key, report.tolerances[key]) for key in report.keys}
    assert chi64.horizons == direct
    assert 0.5 <= chi64.horizon < 5.0 and f"chi64.npz trusted to t = {chi64.horizon:g};" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.split() and line.split()[0] in direct}
    for key, value in direct.items():  # the table's χ = 64 column: horizon, then its max deviation
        assert rows[key][2] == ("all" if value == 5.0 else f"{value:g}"), rows[key]
    for key in report.keys:  # χ = 128 equals χ = 256 at every common time, within round-off
        assert direct_horizon(load_run(paths[128]), reference, key, report.tolerances[key]) == 5.0


@pytest.mark.slow
def test_chi_ladder_acceptance(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's acceptance: χ = 64/128/256 runs of a PRX chain (N = 16, N_e = 4, trunc 1e-10, δt 0.1,
    t = 8; χ = 64 is truncation-limited from t ≈ 4.5): ``verify compare`` reports χ = 64 trusted to
    t = 6 (entropy_cut first; measured), χ = 128 agreeing over the window, and the horizons equal those
    of a direct array comparison. 11–14 s on an idle machine, 23–31 s on a shared one: ``-m slow``; the
    default suite runs the same checks on the N = 10 ladder above (exact, χ = 8/16/64/128)."""
    model = PRXChain(n_sites=16, n_left=7, n_fm=2, n_conf=4, n_e=4)
    paths = []
    for chi in (64, 128, 256):
        run = simulate_tebd(model, t_max=8.0, dt_out=0.5, options=TEBDOptions(dt=0.1, chi_max=chi, trunc=1e-10))
        paths.append(str(run.save(tmp_path / f"chi{chi}.npz")))
    assert main(["compare", *paths]) == 1
    out = capsys.readouterr().out
    assert "reference: chi256.npz" in out and "chi64.npz trusted to t = 6;" in out and "chi128.npz agrees" in out
    report = compare_runs(paths)
    reference = load_run(paths[2])
    for run, path in zip(report.runs, paths[:2], strict=True):
        for key in report.keys:
            assert run.horizons[key] == direct_horizon(load_run(path), reference, key, report.tolerances[key])


def test_the_report_says_how_far_each_run_is_exact_in_chi(runs, capsys) -> None:
    """chi_exact_until per run: the χ = 8/16 runs hit χ_max early, χ = 64 never does (the ladder's χ = 64 and
    128 are identical), the exact run is exact; the summary tells whether the reference itself was cut."""
    report = compare_runs([runs["chi8"], runs["chi16"], runs["chi64"], runs["exact"]])
    chi8, chi16, chi64, exact = report.chi_exact
    assert chi8 < chi16 < 4.0 and chi64 == 4.0 and exact == 4.0
    first_cut = np.flatnonzero(load_run(runs["chi16"]).arrays["truncation_limited_steps"])[0]
    assert chi16 == load_run(runs["chi16"]).arrays["t"][first_cut - 1]  # the output before the first cut
    assert report.to_dict()["chi_exact_until"] == [chi8, chi16, 4.0, 4.0]
    twin64, twin128 = load_run(runs["chi64"]), load_run(runs["chi128"])
    for key in ("spin", "density", "entropy_cut", "energy"):  # never cut: the χ = 128 run is the same computation
        np.testing.assert_array_equal(twin64.arrays[key], twin128.arrays[key])
    assert main(["compare", runs["chi8"], runs["chi16"]]) == 1
    assert f"its chi_max first cut after t = {chi16:g}" in capsys.readouterr().out
    assert main(["compare", runs["chi8"], runs["chi64"]]) == 1
    assert "it did not hit chi_max within the window: converged in chi_max there" in capsys.readouterr().out
    bare = load_run(runs["chi8"])
    del bare.arrays["truncation_limited_steps"]
    assert compare_runs([bare, runs["chi64"]]).chi_exact[0] is None  # a record that does not say
    assert compare_runs([bare, runs["chi64"]]).to_dict()["chi_exact_until"][0] is None
    early = load_run(runs["chi8"])  # a foreign record whose first output interval was already cut
    early.arrays["truncation_limited_steps"] = np.ones_like(early.arrays["truncation_limited_steps"])
    report = compare_runs([early, runs["chi64"]])
    assert math.isnan(report.chi_exact[0])
    assert report.to_dict()["chi_exact_until"][0] == "before the first output"  # not None: that means unknown
