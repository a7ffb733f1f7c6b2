"""The reversal map (:mod:`paper_figs.prx_reversal_map`): its convergence rules against independent routes.

* The rule that lets a TEBD run skip its larger-χ_max twin (:func:`verify.checks.chi_exact_until`) is
  checked bit for bit against the twin, and shown to end where the runs part.
* The staged TEBD map (χ_max ladder, escalation next to the threshold) is checked against the exact
  evolver's map of the same chains.
* The window, status and threshold logic is checked on records built by hand, whose answers are read
  off their construction.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

import paper_figs
from paper_figs import _prx, sweep
from paper_figs import prx_reversal_map as rmap
from paper_figs import reversal_analysis as analysis
from paper_figs.cache import run_cache
from paper_figs.sweep import STOP_OPTION, execute_run, run_records
from verify.checks import chi_exact_until
from verify.models import PRXChain
from verify.records import RunResult, simulate_prx_exact, simulate_prx_tebd

ROOT = Path(__file__).resolve().parents[2]

TINY_CHAIN = {"n_sites": 10, "n_left": 4, "n_fm": 2, "n_conf": 3}
TROTTER_TOL = 5e-3
"""|TEBD − exact| of the localized S^z on the tiny chain at δt = 0.1, t ≤ 4, J_sd ≤ 2: measured 1.8e-3 (the
second-order Trotter error, ∝ δt²); 5e-3 leaves room for other N_e and normalizations."""


@pytest.fixture(scope="module")
def chi_twins() -> dict[int, RunResult]:
    model = PRXChain(**TINY_CHAIN, n_e=3, j_sd=2.0)
    return {chi: simulate_prx_tebd(model, t_max=4.0, dt_out=0.1, chi_max=chi) for chi in (6, 200)}


def test_a_run_is_its_larger_chi_twin_until_chi_max_first_cuts(chi_twins):
    small, large = chi_twins[6], chi_twins[200]
    assert chi_exact_until(large) == pytest.approx(4.0)  # never capped: exact in χ over the window
    assert int(large.arrays["truncation_limited_steps"].sum()) == 0
    t_exact = chi_exact_until(small)
    assert 0 < t_exact < 4.0
    upto = small.arrays["t"] <= t_exact + 1e-9
    for key in ("spin", "density", "entropy_cut", "energy", "mutual_info_edges"):
        np.testing.assert_array_equal(small.arrays[key][upto], large.arrays[key][upto])  # bit for bit
    first_cut = int(np.flatnonzero(small.arrays["truncation_limited_steps"])[0])
    assert small.arrays["t"][first_cut - 1] == t_exact  # the output just before the first cut
    assert not np.array_equal(small.arrays["spin"][first_cut], large.arrays["spin"][first_cut])  # parted at once
    parted = np.abs(small.arrays["spin"] - large.arrays["spin"]).max(axis=(1, 2))
    assert parted[~upto].max() > 1e-3  # and later they differ visibly


def test_chi_exact_until_of_exact_runs_and_bad_records(chi_twins):
    exact = simulate_prx_exact(PRXChain(**TINY_CHAIN, n_e=1), t_max=1.0, dt_out=0.5)
    assert chi_exact_until(exact) == 1.0
    arrays = {k: v for k, v in chi_twins[6].arrays.items() if k != "truncation_limited_steps"}
    with pytest.raises(ValueError, match="truncation_limited_steps"):
        chi_exact_until(RunResult(arrays, dict(chi_twins[6].meta)))
    with pytest.raises(TypeError):
        chi_exact_until(42)


def _synthetic(limited_from: int | None, sz1: np.ndarray, chi: int) -> RunResult:
    """A hand-made TEBD record on t = 0, 0.5, ..., 5: S^z_1 = ``sz1``, a second spin at −1, χ_max cutting from
    output ``limited_from`` on."""
    t = np.arange(11) * 0.5
    spin = np.zeros((11, 2, 3))
    spin[:, 0, 2], spin[:, 1, 2] = sz1, -1.0
    limited = np.zeros(11, dtype=np.int64)
    if limited_from is not None:
        limited[limited_from:] = 1
    arrays = {"t": t, "spin": spin, "spin_z_total": spin[:, :, 2].sum(axis=1), "truncation_limited_steps": limited}
    meta = {"method": "tebd", "tebd": {"chi_max": chi, "trunc": 1e-7, "dt": 0.1, "order": 2}, "model": None}
    return RunResult(arrays, meta)


def _prefix(record: RunResult, n: int, step: int = 1) -> RunResult:
    """The record of the same run stopped after its n-th output (every ``step``-th output kept)."""
    t = record.arrays["t"]
    meta = {**record.meta, "t_max": float(t[n - 1]), "stopped": {"t": float(t[n - 1]), "t_max_asked": float(t[-1])}}
    return RunResult({key: value[:n:step] for key, value in record.arrays.items()}, meta)


def test_window_final_is_final_and_needs_the_runs_to_part_at_a_shared_time(chi_twins):
    """Against χ_max = 200, the χ_max = 6 run's window is final from some output on (it has been cut and the
    runs have parted), stays final, and every later prefix gives the window and the point values of the whole
    run. A reference that ends early (a stopped run) is refused; on a coarser grid the runs part only at
    a time the reference holds."""
    small, large = chi_twins[6], chi_twins[200]
    swapped = [large, small]  # (reference 200, top 6): top cut at t_exact, parted soon after
    n_t = small.arrays["t"].size
    final = [analysis.window_final([swapped[0], _prefix(small, n)]) for n in range(2, n_t + 1)]
    first = final.index(True) + 2
    assert all(final[first - 2 :])  # once final, final for good
    t = small.arrays["t"]
    differs = np.abs(small.arrays["spin"] - large.arrays["spin"]).max(axis=(1, 2)) > analysis.WINDOW_TOLERANCE
    cut_after = t[np.flatnonzero(small.arrays["truncation_limited_steps"])[0]]  # first output after the cut
    assert t[first - 1] == pytest.approx(max(cut_after, t[np.flatnonzero(differs)[0]]))  # by hand
    whole = analysis.summarize_point(swapped, 4.0)
    for n in range(first, n_t + 1):
        assert analysis.summarize_point([swapped[0], _prefix(small, n)], 4.0) == whole
    assert not analysis.window_final([small, large])  # χ = 200 is never cut: never final
    with pytest.raises(ValueError, match="stopped early"):
        analysis.converged_window([_prefix(large, first), small])
    coarse = _prefix(large, n_t, step=3)
    coarse.meta.pop("stopped")
    coarse_final = [analysis.window_final([coarse, _prefix(small, n)]) for n in range(2, n_t + 1)]
    first_coarse = coarse_final.index(True) + 2
    t_differ = t[::3][differs[::3]][0]  # the first coarse time they differ, by hand
    assert t[first_coarse - 1] == pytest.approx(max(t_differ, cut_after)) and all(coarse_final[first_coarse - 2 :])
    early = _prefix(small, first - 1)  # stopped before its window was final: refused when read
    with pytest.raises(ValueError, match="before its window was final"):
        analysis.summarize_point([large, early], 4.0)


def test_window_status_and_values_read_off_hand_made_records():
    sz1 = np.linspace(-1.0, 0.5, 11)  # crosses POSITIVE = 1e-2 between t = 3.0 (−0.1) and 3.5 (+0.05)
    low = _synthetic(2, sz1, 200)
    high = _synthetic(4, sz1, 400)
    high.arrays["spin"][7:, 0, 2] += 0.01  # the runs part at t = 3.5: the horizon is 3.0
    high.arrays["spin_z_total"][7:] += 0.01
    window, exact_until, horizon = analysis.converged_window([low, high])
    assert (exact_until, horizon, window) == (1.5, 3.0, 3.0)
    result = analysis.summarize_point([low, high], t_end=5.0)
    assert result.t_window == 3.0 and result.t_end == 5.0 and result.chi_max == 400
    assert result.sz_first == pytest.approx(sz1[6]) and result.sz_last == -1.0
    assert math.isnan(result.t_first_reversed) and result.status_first == analysis.STATUS["open"]
    assert result.status_spins == analysis.STATUS["open"] and math.isnan(result.truncation_error)
    late = analysis.summarize_point([low, _synthetic(None, sz1, 400)], t_end=5.0)  # the top run never capped
    assert late.t_window == 5.0 and late.t_first_reversed == 3.5 and late.status_first == analysis.STATUS["reversed"]
    assert late.sz_first_max == pytest.approx(0.5)
    never = analysis.summarize_point([_synthetic(None, np.full(11, -0.5), 200)], t_end=5.0)
    assert never.status_first == analysis.STATUS["not reversed"] and math.isnan(never.horizon)
    short = analysis.summarize_point([_synthetic(None, np.full(11, -0.5), 200)], t_end=2.2)
    assert short.t_window == short.t_end == 2.0 and short.status_first == analysis.STATUS["not reversed"]


def test_the_window_reads_the_total_magnetization_and_survives_runs_that_differ_at_once():
    sz1 = np.full(11, -0.5)
    low, high = _synthetic(2, sz1, 200), _synthetic(4, sz1, 400)
    high.arrays["spin_z_total"][5:] += 0.01  # only the total differs, from t = 2.5 on
    assert analysis.converged_window([low, high])[2] == 2.0  # spin_z_total is one of MAP_KEYS
    high.arrays["spin_z_total"][5:] -= 0.007  # 3e-3 < WINDOW_TOLERANCE = 5e-3: the runs agree to the end
    assert analysis.converged_window([low, high])[2] == 5.0
    high.arrays["spin_z_total"][5:] += 0.007
    high.arrays["spin"][0, 0, 2] += 0.01  # they differ at the first output: no horizon, the χ-exact bound stays
    window, exact_until, horizon = analysis.converged_window([low, high])
    assert math.isnan(horizon) and window == exact_until == 1.5
    with pytest.raises(ValueError, match="at least one"):
        analysis.converged_window([])


@pytest.mark.parametrize(
    ("statuses", "bracket"),
    [([0, 0, -1, 1, 1], (3, 4)), ([0, 1, 0], (2, 2)), ([0, 0, 0], (math.nan, math.nan)), ([-1, -1], (1, math.nan)),
     ([1, 1, 1], (1, 1))],
)
def test_threshold_bracket(statuses, bracket):
    lower, upper = analysis.threshold_bracket(list(range(1, len(statuses) + 1)), statuses)
    np.testing.assert_array_equal([lower, upper], bracket)


def _results(statuses: dict[int, int], spins: dict[int, int] | None = None) -> dict:
    """PointResults of one row (pauli, row 0) with the given S^z_1 (and Σ S^z_i) statuses per N_e."""
    spins = spins or dict.fromkeys(statuses, analysis.STATUS["not reversed"])
    out = {}
    for n_e, status in statuses.items():
        window = 40.0 if status != analysis.STATUS["open"] and spins[n_e] != analysis.STATUS["open"] else 20.0
        values = dict.fromkeys(analysis.PointResult.__dataclass_fields__, 0.0)
        values.update(t_window=window, t_end=40.0, status_first=status, status_spins=spins[n_e])
        out[rmap.MapPoint("pauli", 0, n_e)] = analysis.PointResult(**values)
    return out


@pytest.mark.parametrize(
    ("first", "spins", "expected"),
    [
        ([0, 0, -1, -1, 1, 1], None, [3, 4]),  # bracket [3, 5]: the open points inside it
        ([0, 0, 1, 1, 1, 1], None, []),  # decided at N_e* = 3: nothing can move it
        ([0, -1, 1, -1, 1, 1], None, [2]),  # an open point above N_e* cannot move it
        ([0, 0, 0, -1, -1, -1], None, [4, 5]),  # nothing reverses yet: the first two open points
        ([0, 0, 0, 0, 0, 0], [0, 0, -1, 1, 1, 1], [3]),  # the total magnetization's bracket counts as well
    ],
)
def test_threshold_neighbours_are_the_open_points_that_can_move_a_threshold(first, spins, expected):
    params = dict(rmap.params("tiny"), rows=[{"n_fm": 2, "j_sd": 0.5}], normalizations=["pauli"],
                  n_e_values=list(range(1, 7)))
    results = _results(dict(enumerate(first, start=1)), None if spins is None else dict(enumerate(spins, start=1)))
    assert [p.n_e for p in rmap.threshold_neighbours(params, results)] == expected


def test_prx_rule_verdicts():
    nan = math.nan
    brackets = np.array([[[6, 6], [5, 5], [4, 6], [nan, nan], [3, nan]]], dtype=float)
    verdicts = rmap.prx_rule_verdicts(brackets, np.array([5, 5, 5, 5, 5]))
    # N_e* = 6 > N_FM holds; 5 = N_FM breaks it; open from 4 undecided; none reverses holds; open from 3 undecided
    assert verdicts == [[True, False, None, True, None]]


def test_threshold_table_states_each_bracket_and_point():
    """One row per (normalization, row): N_e* decided, open above a bound, open between two, none reverses;
    each point with both statuses and its window."""
    status_first = np.array([[[0, 1, 1], [0, -1, -1], [0, -1, 1], [0, 0, 0]]])
    status_spins = np.array([[[0, 0, 1], [0, 0, 0], [0, 0, 0], [0, 0, -1]]])
    data = {"n_e": np.array([1, 2, 3]), "row_n_fm": np.array([2, 2, 3, 2]), "row_j_sd": np.array([0.5, 1.0, 0.25, 2.0]),
            "status_first": status_first, "status_spins": status_spins,
            "t_window": np.array([[[40.0, 30.2, 25.0], [40.0, 22.8, 19.4], [40.0, 33.0, 20.0], [40.0, 40.0, 31.0]]])}
    for key, statuses in (("threshold_first", status_first), ("threshold_spins", status_spins)):
        data[key] = np.array([[analysis.threshold_bracket([1, 2, 3], list(row)) for row in statuses[0]]])
    lines = analysis.threshold_table(data, ["pauli"]).splitlines()
    assert len(lines) == 2 + 4
    assert lines[2] == "| pauli | 2 | 0.5 | 2 | 3 | 1:n/n@40.0 2:R/n@30.2 3:R/R@25.0 |"
    assert lines[3].split(" | ")[3:5] == ["≥ 2 (open)", "> 3 (none reverses)"]
    assert lines[4].split(" | ")[3] == "2–3 (open)"
    assert lines[5].split(" | ")[3:5] == ["> 3 (none reverses)", "≥ 3 (open)"]


def _tiny_map(method: str) -> dict:
    params = rmap.params("tiny")
    params.update(rows=[{"n_fm": 2, "j_sd": 2.0}, {"n_fm": 2, "j_sd": 0.5}], normalizations=["pauli"],
                  method=method, tebd={"dt": 0.1, "trunc": 1e-7, "order": 2, "scheme": "even-odd"},
                  chi_ladder=[3, 6, 200])
    return params


def test_staged_tebd_map_agrees_with_the_exact_map(tmp_path):
    """χ_max 3 → 6 → 200 on two rows: the runs cut at 3 are repeated at 6, the open points of a bracket at
    200; each record belongs to its point (the stages run in N_e order, the data in map order); the
    statuses and thresholds equal the exact map's, and every point whose last run was exact in χ over its
    window matches the exact evolver within the Trotter error."""
    with run_cache(tmp_path):
        tebd = rmap.compute(_tiny_map("tebd"))
        exact = rmap.compute(_tiny_map("exact"))
    by_chi: dict[int, list] = {}
    for key, record in tebd.records.items():  # "pauli/row<r>/N_e=<n>/<i>"
        norm, row, n_e, _ = key.split("/")
        point = rmap.MapPoint(norm, int(row.removeprefix("row")), int(n_e.removeprefix("N_e=")))
        model = record.meta["model"]
        assert (model["n_e"], model["j_sd"], model["spin_normalization"]) == (
            point.n_e, _tiny_map("tebd")["rows"][point.row]["j_sd"], point.normalization)
        by_chi.setdefault(record.meta["tebd"]["chi_max"], []).append(record)
    cut_at_3 = sum(int(np.any(r.arrays["truncation_limited_steps"] > 0)) for r in by_chi[3])
    assert len(by_chi[3]) == 6 and len(by_chi[6]) == cut_at_3 > 0 and len(by_chi.get(200, [])) >= 1
    assert tebd.notes["runs_per_chi_max"] == {str(chi): len(records) for chi, records in by_chi.items()}
    for key in ("status_first", "status_spins", "threshold_first", "threshold_spins"):
        np.testing.assert_array_equal(tebd[key], exact[key], err_msg=key)
    assert not np.isnan(exact["threshold_first"]).all()  # the rows have thresholds to compare
    chi_exact = tebd["chi_exact_until"] >= tebd["t_window"] - 1e-9
    assert chi_exact.any()
    for key in ("sz_first", "sz_last", "sz_spins", "sz_first_max", "sz_spins_max"):
        np.testing.assert_allclose(tebd[key][chi_exact], exact[key][chi_exact], rtol=0, atol=TROTTER_TOL)


def test_runs_stopped_at_a_final_window_change_no_value_of_the_map(tmp_path):
    """The staged map whose larger-χ_max runs stop once their window is final (the default) holds the same
    data as the map whose runs all go to t_max — every array, bit for bit, except the S^z_1(t) curves
    after a stop (NaN there). With χ_max 2 → 3 → 4 runs stop at both levels, and the points taken to χ_max = 4
    had their stopped χ_max = 3 run finished to t_max first (the run χ_max = 4 stops against)."""
    params = dict(_tiny_map("tebd"), chi_ladder=[2, 3, 4])
    with run_cache(tmp_path / "stopping"):
        stopping = rmap.compute(params)
    with run_cache(tmp_path / "to_t_max"):
        to_t_max = rmap.compute(dict(params, stop_when_window_final=False))
    assert sorted(stopping) == sorted(to_t_max)
    for key in to_t_max:
        if key != "sz_first_t":
            np.testing.assert_array_equal(stopping[key], to_t_max[key], err_msg=key)
    curves, full_curves = stopping["sz_first_t"], to_t_max["sz_first_t"]
    ran = ~np.isnan(curves)
    np.testing.assert_array_equal(curves[ran], full_curves[ran])
    stopped = {key for key, record in stopping.records.items() if "stopped" in record.meta}
    assert {key[-1] for key in stopped} == {"1", "2"}  # "<point>/<run index>": both larger χ_max levels
    assert not any("stopped" in record.meta for record in to_t_max.records.values())
    finished = [key for key, record in stopping.records.items() if key.endswith("/1")
                and STOP_OPTION not in record.meta["run_spec"]["options"]]
    assert finished and all(key[:-1] + "2" in stopping.records for key in finished)
    assert (~ran).any()
    assert stopping.notes["threshold_table"] == to_t_max.notes["threshold_table"]
    assert all(stopping.records[key].meta["resumed_from_step"] is not None for key in finished)  # continued
    assert not list((tmp_path / "stopping").glob("*.ckpt.npz"))  # no checkpoint left behind


def test_the_map_resumes_from_compact_copies_of_its_runs(tmp_path, monkeypatch):
    """``benchmarks/reversal_map_runs.py``: the finished runs of a build, saved with only the arrays the map
    reads (a second save leaves the archive as it is) and restored into an empty cache, give the same figure
    data without running anything."""
    spec = importlib.util.spec_from_file_location("reversal_map_runs", ROOT / "benchmarks" / "reversal_map_runs.py")
    archive_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(archive_tool)
    params = dict(_tiny_map("tebd"), chi_ladder=[2, 3, 4])
    with run_cache(tmp_path / "first" / "runs"):  # the layout of --cache DIR
        first = rmap.compute(params)
    save = ["save", "--cache", str(tmp_path / "first"), "--out", str(tmp_path / "archive")]
    assert archive_tool.main(save) == 0
    archived = {path.name: path.read_bytes() for path in (tmp_path / "archive").iterdir()}
    assert archive_tool.main(save) == 0  # again: nothing new, the archived runs keep their bytes
    assert {path.name: path.read_bytes() for path in (tmp_path / "archive").iterdir()} == archived
    restore = ["restore", "--archive", str(tmp_path / "archive"), "--cache", str(tmp_path / "again")]
    assert archive_tool.main(restore) == 0
    stored = sorted((tmp_path / "archive").glob("*.npz"))
    finished = [p for p in (tmp_path / "first" / "runs").glob("*.npz") if not p.name.endswith(".ckpt.npz")]
    assert len(stored) == len(finished) > sum(first.notes["runs_per_chi_max"].values())  # + stopped runs since finished
    assert all(set(np.load(path).files) <= set(archive_tool.MAP_RUN_KEYS) for path in stored)
    monkeypatch.setattr(sweep, "execute_run", lambda *args: pytest.fail("a restored run was run again"))
    with run_cache(tmp_path / "again" / "runs"):
        again = rmap.compute(params)
    for key in first:
        np.testing.assert_array_equal(again[key], first[key], err_msg=key)
    assert archive_tool.main(["restore", "--archive", str(tmp_path / "none"), "--cache", str(tmp_path)]) == 2


def test_a_run_that_stops_against_a_record_needs_that_record():
    """A spec with ``stop_against`` shares its trajectory (and checkpoint) key with the same run without the
    stop but is another record; it is refused before anything runs when its reference is not given, and by
    the worker when the given record is another run."""
    params = dict(_tiny_map("tebd"), chi_ladder=[2, 3])
    point = rmap.MapPoint("pauli", 0, 2)
    plain = rmap.point_spec(params, point, 3)
    stopping = rmap.point_spec(params, point, 3, stop_against="prx-tebd-00000000000000000000")
    assert stopping.trajectory_key() == plain.trajectory_key() == plain.key() != stopping.key()
    with pytest.raises(ValueError, match="not among the references"):
        run_records([stopping])
    wrong = RunResult({"t": np.zeros(1)}, {"run_key": plain.key()})
    with pytest.raises(ValueError, match="record was not given"):
        execute_run(stopping, None, wrong)
    stopped = RunResult({"t": np.zeros(1)}, {"run_key": "prx-tebd-00000000000000000000", "stopped": {"t": 0.0}})
    with pytest.raises(ValueError, match="itself stopped early"):
        execute_run(stopping, None, stopped)
    assert sweep.stop_reference(stopping) == "prx-tebd-00000000000000000000"


def test_an_edited_stop_rule_makes_new_stopping_runs(monkeypatch):
    """The stop option carries the digest of the rule's sources: another rule, another cache key (its runs
    are rerun, not read off records the old rule stopped)."""
    params = dict(_tiny_map("tebd"), chi_ladder=[2, 3])
    point = rmap.MapPoint("pauli", 0, 2)
    before = rmap.point_spec(params, point, 3, stop_against="prx-tebd-00000000000000000000")
    monkeypatch.setattr(analysis, "window_rule_digest", lambda: "0" * 16)
    after = rmap.point_spec(params, point, 3, stop_against="prx-tebd-00000000000000000000")
    assert before.key() != after.key() and before.trajectory_key() == after.trajectory_key()


def test_the_quick_window_ends_before_the_reflected_pulse_matters():
    """The quick chain (N = 17) against one with a longer right lead (N = 21): the localized S^z agree within
    2e-3 (a fifth of POSITIVE) up to the quick window's end, and part after the reflection time (so the
    comparison can see the chain end)."""
    params = rmap.params("quick")
    point = rmap.MapPoint("pauli", 3, 2)  # N_FM = 3, J_sd = 2, N_e = 2: reversed in the quick map
    chain = rmap.point_model(params, point)
    longer = dataclasses.replace(chain, n_sites=chain.n_sites + 4)
    runs = [simulate_prx_exact(m, t_max=12.0, dt_out=0.2) for m in (chain, longer)]
    t = runs[0].arrays["t"]
    deviation = np.abs(runs[0].arrays["spin"][..., 2] - runs[1].arrays["spin"][..., 2]).max(axis=1)
    end = rmap.point_end(params, point)
    assert _prx.reflection_trusted_time(chain) == pytest.approx(11.0 - 1.5) and end == pytest.approx(9.4)
    inside, after = deviation[t <= end + 1e-9].max(), deviation[t > _prx.chain_reflection_time(chain) + 0.5].max()
    assert inside < 2e-3 and after > max(1e-3, 20 * inside)  # measured 6e-5 inside, 4e-3 by t = 12


def test_the_map_is_built_by_name_not_by_all(tmp_path, capsys):
    assert "prx-reversal-map" in paper_figs.names() and "prx-reversal-map" not in paper_figs.default_names()
    from paper_figs.__main__ import main

    assert main(["list"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("prx-reversal-map"))
    assert "not in 'all'" in line


def test_bad_map_parameters_are_refused():
    params = rmap.params("tiny")
    with pytest.raises(ValueError, match="unknown size"):
        rmap.params("huge")
    with pytest.raises(ValueError, match="rows"):
        rmap.map_points(dict(params, rows=[]))
    with pytest.raises(ValueError, match="n_e_values"):
        rmap.map_points(dict(params, n_e_values=[]))
    with pytest.raises(ValueError, match="increase"):
        rmap.map_points(dict(params, n_e_values=[2, 1]))
    with pytest.raises(ValueError, match="curve_row"):
        rmap.map_points(dict(params, curve_row=len(params["rows"])))
    with pytest.raises(ValueError, match="chi_ladder"):
        rmap.map_points(dict(_tiny_map("tebd"), chi_ladder=[400, 200]))
    with pytest.raises(ValueError, match="must not set"):
        rmap.point_model(dict(params, model={**params["model"], "j_sd": 1.0}), rmap.map_points(params)[0])
    with pytest.raises(ValueError, match="method"):
        rmap.point_spec(dict(params, method="dmrg"), rmap.map_points(params)[0])
    with pytest.raises(ValueError, match="n_conf"):  # more polarized electrons than well sites
        rmap.run_specs(dict(params, n_e_values=[4]))
