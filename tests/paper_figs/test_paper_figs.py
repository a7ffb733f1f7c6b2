"""Tests of paper_figs: every figure builds at the ``tiny`` size with finite data, Fig. 8 equals the closed
form and brute force, the θ fit of pair Fig. 4 is exact, the cache and executors work, the CLI fails cleanly.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import paper_figs
from paper_figs import registry, sweep
from paper_figs.__main__ import main
from paper_figs.build import DEFAULT_OUT
from paper_figs.cache import FigureData, run_cache
from verify.records.run import load_run, package_version

ALL = registry.names()
MOVIES = registry.MOVIES
EXPECTED_ARRAYS = {
    "prx-fig3": {"t", "site", "density", "spin_density_z", "fm_sites"},
    "prx-fig4": {"t", "n_e", "S1", "S1_purity", "se_tilde", "se_tilde_purity"},
    "prx-fig5": {"t", "n_e", "S1", "S1_purity", "se_tilde", "se_tilde_purity"},
    "prx-fig6": {"t", "col_large_spins", "col_large_electrons", "col_large_total_z", "noncol_large_spins"},
    "prx-fig7": {"t", "entropy_collinear", "entropy_noncollinear", "q_mw_collinear", "q_mw_noncollinear", "q_mw_eq15"},
    "prx-fig8": {"n_fm", "mi_closed", "n_fm_bf", "mi_bf", "limit", "fillings", "fill_limits"},
    "pair-fig2": {"t", "intervals", "transfer_singlet", "transfer_triplet0", "transfer_triplet-1",
                  "transfer_single-down", "d", "final_singlet", "final_triplet0", "final_triplet-1", "read_time"},
    "pair-fig3": {"t", "intervals", "prob_longitudinal_singlet", "prob_flip_triplet0", "prob_full_singlet"},
    "pair-fig4": {"theta", "final", "fit_coeffs", "fit_residual", "exact_fit_residual", "theta_mean", "single_down"},
    "prx-reversal-map": {"sz_first", "sz_last", "sz_spins", "sz_first_max", "t_window", "status_first",
                         "threshold_first", "threshold_spins", "sz_first_t", "t", "n_e", "row_n_fm", "row_j_sd"},
}


# ----------------------------------------------------------------------------------- every figure


def test_registry_lists_all_figures_of_both_papers_then_the_studies():
    papers = [f"prx-fig{i}" for i in range(3, 9)] + [f"pair-fig{i}" for i in range(2, 5)]
    assert registry.default_names() == papers  # what `all` builds
    assert ALL == [*papers, "prx-reversal-map"]
    for name in ALL:
        module = registry.get(name).load()
        for size in registry.SIZES:
            assert isinstance(module.params(size), dict)
    with pytest.raises(ValueError, match="unknown figure"):
        registry.get("prx-fig9")


@pytest.mark.parametrize("name", ALL)
def test_figure_writes_four_files_with_finite_data(built, name):
    result = built[name]
    for ext in ("pdf", "png", "npz", "json"):
        assert result.paths[ext].is_file() and result.paths[ext].stat().st_size > 0
    assert result.paths["pdf"].read_bytes().startswith(b"%PDF")
    with np.load(result.paths["npz"], allow_pickle=False) as data:
        assert EXPECTED_ARRAYS[name] <= set(data.files)
        nan_by_design = set(getattr(registry.get(name).load(), "NAN_ARRAYS", ()))
        for key in data.files:
            assert np.issubdtype(data[key].dtype, np.number), key
            values = data[key][~np.isnan(data[key])] if key in nan_by_design else data[key]
            assert np.all(np.isfinite(values)), key
    meta = json.loads(result.paths["json"].read_text())
    assert meta["figure"] == name and meta["size"] == "tiny" and meta["quick"] is True
    assert meta["package_version"] == package_version()
    assert meta["compute_wall_time_s"] >= 0 and meta["params"] == paper_figs.figure_params(name, "tiny")


@pytest.mark.parametrize("name", [n for n in ALL if n != "prx-fig8"])
def test_plotted_numbers_trace_back_to_run_records(built, name):
    """Every evolver-based figure names its run records; they exist and carry the model parameters."""
    meta = built[name].meta
    assert meta["runs"], "no provenance"
    out = built[name].paths["json"].parent
    for run in meta["runs"]:
        record = load_run(out / run["record"])
        assert record.meta["run_key"] == run["run_key"]
        assert record.meta["model"] == run["meta"]["model"]


def test_pair_fig2_curves_are_the_run_records_spin_transfer(built):
    result = built["pair-fig2"]
    out = result.paths["json"].parent
    runs = {run["label"]: run for run in result.meta["runs"]}
    record = load_run(out / runs["a/singlet"]["record"])
    np.testing.assert_array_equal(result.data["transfer_singlet"], record.arrays["spin_transfer"])
    read = dict(zip(result.data["d"].tolist(), result.data["read_time"].tolist(), strict=True))
    assert read[result.meta["params"]["d"]] > result.data["intervals"][:, 1].max()  # both packets have left
    assert np.all(np.diff(result.data["read_time"]) > 0)


# ----------------------------------------------------------------------------------- physics checks


def test_prx_fig8_equals_closed_form_and_brute_force(built):
    import entanglement
    import states
    from entanglement import closed_form

    data = built["prx-fig8"].data
    expected = [float(closed_form.mutual_information_mp(int(n), int(n), dps=30)) for n in data["n_fm"]]
    np.testing.assert_allclose(data["mi_closed"], expected, rtol=0, atol=1e-14)
    assert float(data["limit"]) == pytest.approx(math.log(2) / 2, abs=1e-15)
    closed = dict(zip(data["n_fm"].tolist(), data["mi_closed"].tolist(), strict=True))
    assert len(data["n_fm_bf"]) >= 2
    for n, value in zip(data["n_fm_bf"], data["mi_bf"], strict=True):
        assert value == pytest.approx(closed[int(n)], abs=1e-12)
    psi = states.stt_superposition(3, 3)  # independent brute force, localized spins 1 and 3 = qubits 3, 5
    assert entanglement.mutual_information(psi, [3], [5]) == pytest.approx(closed[3], abs=1e-12)
    for i, p in enumerate(data["fillings"]):
        assert float(data["fill_limits"][i]) == pytest.approx(2 * p * (1 - p) * math.log(2), abs=1e-14)
        n_e, n_fm = data[f"fill{i}_n_e"], data[f"fill{i}_n_fm"]
        np.testing.assert_allclose(n_e / (n_e + n_fm), p, rtol=1e-12)
        np.testing.assert_allclose(data[f"fill{i}_mi"], closed_form.mutual_information_np(n_e, n_fm), atol=1e-12)


def test_pair_fig4_theta_dependence_is_exactly_sinusoidal(built):
    data, notes = built["pair-fig4"].data, built["pair-fig4"].meta["notes"]
    scale = float(np.max(np.abs(data["final"])))
    # w(θ) Δσ_z is linear in cos θ, sin θ to round-off: the Eq. 8 state is linear in e^{iθ}
    assert np.max(np.abs(data["exact_fit_residual"])) < 1e-12 * scale
    # the plotted fit of Δσ_z itself deviates only by the normalization, |<φ1|φ2>|^2 relative
    overlap = notes["exact_fit_of_weighted_data"]["packet_overlap_sq"]
    assert np.max(np.abs(data["fit_residual"])) <= 4 * overlap * scale + 1e-12
    np.testing.assert_allclose(data["fit_coeffs"], data["exact_fit_coeffs"], atol=4 * overlap * scale + 1e-12)
    # the grid average of the θ runs at the final time is the constant term of the sinusoid
    assert float(data["theta_mean"][-1]) == pytest.approx(float(data["fit_coeffs"][0]), abs=1e-8)


def test_fit_sinusoid_recovers_coefficients_and_fails_on_non_sinusoid():
    from paper_figs.pair_fig4 import fit_sinusoid, theta_grid

    theta = theta_grid(8)
    coeffs, residual = fit_sinusoid(theta, 0.3 - 0.2 * np.cos(theta) + 0.1 * np.sin(theta))
    np.testing.assert_allclose(coeffs, [0.3, -0.2, 0.1], atol=1e-15)
    assert np.max(np.abs(residual)) < 1e-15
    _, residual = fit_sinusoid(theta, np.cos(2 * theta))
    assert np.max(np.abs(residual)) > 0.5
    with pytest.raises(ValueError, match="n_theta"):
        theta_grid(2)


def test_pair_fig3_probabilities_are_a_distribution(built):
    data = built["pair-fig3"].data
    for key in (k for k in data if k.startswith("prob_")):
        np.testing.assert_allclose(data[key].sum(axis=1), 1.0, atol=1e-10)
        np.testing.assert_allclose(data[key][:, 3], 0.0, atol=1e-12)  # triplet -1 forbidden by S^z conservation
    np.testing.assert_allclose(data["prob_longitudinal_singlet"][:, 1], 0.0, atol=1e-12)  # σzSz flips nothing


def test_prx_fig6_total_spin_z_is_conserved(built):
    data = built["prx-fig6"].data
    for prefix in ("col_large", "col_mid", "noncol_large"):
        total = data[f"{prefix}_total_z"]
        np.testing.assert_allclose(total, total[0], atol=1e-9)
        np.testing.assert_allclose(data[f"{prefix}_spins"][:, 2] + data[f"{prefix}_electrons"][:, 2], total,
                                   atol=1e-9)


def test_prx_figures_share_runs(built):
    keys = {run["run_key"] for name in ("prx-fig3", "prx-fig4", "prx-fig6", "prx-fig7") for run in
            built[name].meta["runs"]}
    assert len(keys) == 4  # collinear N_e = 1, 2, 3 and noncollinear N_e = 3
    first = built["prx-fig3"].meta["runs"][0]["run_key"]
    assert any(run["run_key"] == first for run in built["prx-fig7"].meta["runs"])


# ----------------------------------------------------------------------------------- cache, executors


def test_second_build_uses_the_cache_and_does_not_recompute(tmp_path, monkeypatch):
    module = registry.get("prx-fig8").load()
    calls = []
    original = module.compute

    def counting(params, executor=None):
        calls.append(params)
        return original(params, executor)

    monkeypatch.setattr(module, "compute", counting)
    first = paper_figs.build("prx-fig8", size="tiny", out=tmp_path)
    second = paper_figs.build("prx-fig8", size="tiny", out=tmp_path)
    assert len(calls) == 1 and not first.cached and second.cached
    for key in first.data:
        np.testing.assert_array_equal(first.data[key], second.data[key])
    assert second.meta["compute_wall_time_s"] == first.meta["compute_wall_time_s"]
    third = paper_figs.build("prx-fig8", size="tiny", out=tmp_path, overrides={"n_fm_max": 6})
    assert len(calls) == 2 and not third.cached and third.data["n_fm"][-1] == 6
    paper_figs.build("prx-fig8", size="tiny", out=tmp_path, refresh=True)
    assert len(calls) == 3


def test_unknown_parameter_and_size_are_rejected():
    with pytest.raises(ValueError, match="no parameter"):
        paper_figs.figure_params("prx-fig8", "tiny", {"bogus": 1})
    with pytest.raises(ValueError, match="unknown size"):
        paper_figs.figure_params("prx-fig8", "huge")


class SubmitOnlyExecutor(Executor):
    """The smallest Executor: submit runs inline. Shows that only submit() and Future.result() are used."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.submitted += 1
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_any_executor_gives_the_inline_result(tmp_path):
    inline = paper_figs.build("prx-fig8", size="tiny", out=tmp_path / "inline")
    minimal = SubmitOnlyExecutor()
    custom = paper_figs.build("prx-fig8", size="tiny", out=tmp_path / "custom", executor=minimal)
    assert minimal.submitted > 0
    with ThreadPoolExecutor(2) as pool:
        threaded = paper_figs.build("prx-fig8", size="tiny", out=tmp_path / "threads", executor=pool)
    for key in inline.data:
        np.testing.assert_array_equal(inline.data[key], custom.data[key])
        np.testing.assert_array_equal(inline.data[key], threaded.data[key])


def test_process_pool_runs_module_level_tasks():
    from paper_figs.prx_fig8 import brute_force_point

    with sweep.make_executor(2) as pool:
        assert pool is not None
        values = sweep.map_tasks(brute_force_point, [(2, 2), (3, 3)], pool)
    assert values == [brute_force_point((2, 2)), brute_force_point((3, 3))]
    with sweep.make_executor(1) as inline:
        assert inline is None
    with pytest.raises(ValueError, match="jobs"), sweep.make_executor(0):
        pass


def test_run_records_are_cached_and_not_rerun(tmp_path, monkeypatch):
    from paper_figs import _pair

    params = paper_figs.figure_params("pair-fig2", "tiny")
    spec = _pair.spec(_pair.model_at(params), "single-down", 2.0, 0.5)
    with run_cache(tmp_path):
        (first,) = sweep.run_records([spec])
        monkeypatch.setattr(sweep, "execute_run", lambda *a, **k: pytest.fail("recomputed a cached run"))
        second, again = sweep.run_records([spec, spec])
    np.testing.assert_array_equal(first.arrays["spin_transfer"], second.arrays["spin_transfer"])
    assert Path(second.meta["record_path"]).is_file() and again is second


def test_run_spec_validates_kind_and_model():
    params = paper_figs.figure_params("prx-fig3", "tiny")
    from paper_figs import _prx

    with pytest.raises(ValueError, match="run kind"):
        sweep.RunSpec("nope", _prx.model(params, 1, "z"))
    with pytest.raises(ValueError, match="PairOnRing"):
        sweep.RunSpec("pair", _prx.model(params, 1, "z"))
    quick = dict(params, method="tebd")
    assert _prx.spec(quick, 1, "z").kind == "prx-tebd" and dict(_prx.spec(quick, 1, "z").options)["chi_max"] == 400
    full = paper_figs.figure_params("prx-fig3", "full")
    model = _prx.model(full, 8, "z")
    assert (model.n_sites, model.n_left, model.n_fm, model.n_conf, full["t_max"]) == (75, 35, 5, 10, 40.0)
    assert full["method"] == "tebd" and full["n_e_values"] == [1, 5, 8]


def test_run_spec_key_is_canonical():
    from verify.models import PairOnRing

    a = sweep.RunSpec.make("pair", PairOnRing(), pair="singlet", t_max=10.0, dt_out=0.5)
    b = sweep.RunSpec.make("pair", PairOnRing(), dt_out=0.5, t_max=10.0, pair="singlet", theta=None)
    c = sweep.RunSpec.make("pair", PairOnRing(x1=39.0), pair="singlet", t_max=10.0, dt_out=0.5)
    assert a == b and a.key() == b.key() and a.key() != c.key() and a.key().startswith("pair-")


def test_full_size_tebd_path_reproduces_the_exact_figure_data(built, tmp_path):
    """The full-size path (TEBD, PRX's δt = 0.1, χ_max = 400, 1e-7) agrees with the exact evolver at tiny size."""
    tebd = paper_figs.build("prx-fig7", size="tiny", out=tmp_path, overrides={"method": "tebd"})
    exact = built["prx-fig7"].data
    assert {run["meta"]["method"] for run in tebd.meta["runs"]} == {"tebd"}
    assert all(run["meta"]["tebd"]["chi_max"] == 400 for run in tebd.meta["runs"])
    for key in ("entropy_collinear", "entropy_noncollinear", "q_mw_collinear", "q_mw_noncollinear"):
        np.testing.assert_allclose(tebd.data[key], exact[key], atol=2e-2)  # second-order Trotter error at δt = 0.1


def test_pair_read_time_must_precede_the_wraparound():
    from paper_figs import _pair

    params = paper_figs.figure_params("pair-fig2", "full")
    for d in params["d_values"]:
        model = _pair.model_at(params, d)
        assert _pair.read_time(model, params) < _pair.wraparound_time(model)
    with pytest.raises(ValueError, match="wrap-around"):
        _pair.check_read_time(_pair.model_at(params, 70.0), 500.0)


def test_figure_data_keeps_arrays_and_provenance():
    data = FigureData({"x": [1, 2]}, notes={"a": 1})
    assert isinstance(data["x"], np.ndarray) and data.notes == {"a": 1} and data.records == {}


# ----------------------------------------------------------------------------------- style


def test_style_is_serif_without_tex_and_widths_are_prx_columns():
    import matplotlib as mpl

    from paper_figs import style

    assert style.SINGLE_COLUMN == 3.4 and style.DOUBLE_COLUMN == 7.0
    with style.style_context():
        assert mpl.rcParams["text.usetex"] is False
        assert mpl.rcParams["font.family"] == ["serif"]
        assert min(mpl.rcParams[k] for k in ("font.size", "xtick.labelsize", "legend.fontsize")) >= 7
    for name in ("singlet", "triplet0", "triplet-1", "single-down", "collinear", "noncollinear"):
        assert name in style.PALETTE
    assert len(set(style.PALETTE[n] for n in ("singlet", "triplet0", "triplet-1", "single-down"))) == 4


# ----------------------------------------------------------------------------------- command line


def test_cli_list(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ALL + ["movie"] * len(MOVIES)
    assert [line.split()[1] for line in lines[len(ALL):]] == list(MOVIES)


@pytest.mark.parametrize(
    "argv",
    [["prx-fig9"], ["prx-fig8", "--jobs", "0"], ["prx-fig8", "--jobs", "two"], ["prx-fig8", "--bogus"], []],
)
def test_cli_bad_input_is_one_line_and_exit_2(capsys, argv):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert len(captured.err.strip().splitlines()) == 1 and "error" in captured.err
    assert "Traceback" not in captured.err


def test_cli_output_dir_that_is_a_file_is_bad_input(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["prx-fig8", "--quick", "--out", str(blocker / "sub")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_cli_unwritable_output_dir_exits_2_before_any_run(tmp_path, capsys, monkeypatch):
    """Issue #14 item 6: an existing but unwritable --out is refused at once (exit 2), not after the runs.
    The probe write is made to fail by patching (root, which runs CI, may write anywhere)."""
    import importlib
    import tempfile

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    def no_build(*args, **kwargs):
        raise AssertionError("the build started")

    monkeypatch.setattr(tempfile, "TemporaryFile", denied)
    monkeypatch.setattr(importlib.import_module("paper_figs.build"), "build_all", no_build)
    assert main(["prx-fig8", "--size", "tiny", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Permission denied" in err[0] and "output directory" in err[0]


def test_cli_builds_one_figure(tmp_path, capsys):
    assert main(["prx-fig8", "--size", "tiny", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "prx-fig8.png").is_file() and (tmp_path / ".cache").is_dir()
    assert "prx-fig8" in capsys.readouterr().out
    assert main(["prx-fig8", "--size", "tiny", "--out", str(tmp_path)]) == 0
    assert "cached" in capsys.readouterr().out


def test_cli_failing_figure_is_one_line_and_exit_1(tmp_path, capsys, monkeypatch):
    module = registry.get("prx-fig8").load()

    def broken(params, executor=None):
        raise RuntimeError("evolver exploded\nsecond line")

    monkeypatch.setattr(module, "compute", broken)
    assert main(["prx-fig8", "--size", "tiny", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["prx-fig8: FAILED: RuntimeError: evolver exploded"]


def test_cli_as_a_process_exits_2_with_one_line():
    proc = subprocess.run([sys.executable, "-m", "paper_figs", "no-such-figure"], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "unknown figure" in proc.stderr


def test_build_module_default_output_is_git_ignored():
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text()
    assert f"/{DEFAULT_OUT}/" in ignored


def test_paper_figures_run_the_papers_trotter_scheme() -> None:
    """The full-size PRX runs use PRX Eq. 8 (the paper's tDMRG), not the package's default even–odd
    scheme, and their run keys say so; the rest of the TEBD options are the package defaults."""
    from paper_figs import _prx
    from verify.tebd import PAPER_TEBD, TEBDOptions

    full = _prx.SIZES["full"]
    assert full["method"] == "tebd" and full["tebd"]["scheme"] == "prx" == PAPER_TEBD.scheme_name
    assert TEBDOptions(**full["tebd"]) == PAPER_TEBD and TEBDOptions().scheme_name == "even-odd"
    spec = _prx.spec(full, 8, "z")
    assert dict(spec.options)["scheme"] == "prx"
