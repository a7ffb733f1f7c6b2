"""Regression tests of issue 14 (items 1, 3, 4, 5, 6): every case the issue lists, by name.

Each failed on the old behaviour: a traceback (item 1, 6), a silent wrong number (item 3), a hang or
memory exhaustion instead of a quick refusal (item 4), or ``verify check`` passing a corrupted record
(item 5). The contract: a ``ValueError``/``TypeError`` in the library that names the limit and the
keyword raising it, one ``error:`` line and exit 2 on the command line, exit 1 for a record that fails
a check. Checkpoint items (item 2) are tested with the checkpoints.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import states
from entanglement import closed_form as cf
from verify.cli.main import main
from verify.models import PRXChain
from verify.mps import stt_mps
from verify.records import RunResult, load_run, simulate_exact, simulate_tebd
from verify.records.run import output_times
from verify.tebd import TEBDOptions

SMALL_PRX = {"n_sites": 6, "n_left": 2, "n_fm": 2, "n_conf": 2, "n_e": 2}


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``python -m verify ARGV`` run in process (argparse exits caught)."""
    try:
        status = main(argv)
    except SystemExit as stop:
        status = int(stop.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, out, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A TEBD and an exact record of a small PRX chain, saved by the package (with their run ids)."""
    folder = tmp_path_factory.mktemp("records14")
    model = PRXChain(**SMALL_PRX)
    tebd = simulate_tebd(model, t_max=1.0, dt_out=0.5, options=TEBDOptions(dt=0.1))
    exact = simulate_exact(model, t_max=1.0, dt_out=0.5)
    return {"tebd": tebd.save(folder / "tebd.npz"), "exact": exact.save(folder / "exact.npz")}


def corrupted(source: Path, target: Path, *, arrays: Any = None, meta: Any = None) -> Path:
    """A copy of a record saved by the package after ``arrays(dict)`` / ``meta(dict)`` changed it."""
    run = load_run(source)
    data, sidecar = dict(run.arrays), {k: v for k, v in run.meta.items() if k != "run_id"}
    if arrays is not None:
        arrays(data)
    if meta is not None:
        meta(sidecar)
    return RunResult(data, sidecar).save(target)


# ------------------------------------------------------------------------------ item 1: check tracebacks


@pytest.mark.parametrize("where", ["model", "top"])
def test_item1_check_sidecar_n_e_10_400_exits_2(records, tmp_path, capsys, where) -> None:
    def huge(meta: dict) -> None:
        (meta["model"] if where == "model" else meta)["n_e"] = 10**400

    path = corrupted(records["tebd"], tmp_path / "ne.npz", meta=huge)
    status, _, err = cli(["check", str(path)], capsys)
    assert status == 2 and "n_e" in one_line_error(err)


def test_item1_check_sidecar_base_10_400_exits_2(records, tmp_path, capsys) -> None:
    path = corrupted(records["tebd"], tmp_path / "base.npz", meta=lambda m: m.__setitem__("base", 10**400))
    status, _, err = cli(["check", str(path)], capsys)
    assert status == 2 and "base" in one_line_error(err)


def test_item1_check_deeply_nested_sidecar_exits_2(records, tmp_path, capsys) -> None:
    path = tmp_path / "nested.npz"
    shutil.copy(records["tebd"], path)
    text = records["tebd"].with_suffix(".json").read_text().rstrip()
    path.with_suffix(".json").write_text(text[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}")
    status, _, err = cli(["check", str(path)], capsys)
    assert status == 2 and "nested too deeply" in one_line_error(err)


def test_item1_check_inf_truncation_limited_steps_fails_without_traceback(records, tmp_path, capsys) -> None:
    def inf_steps(arrays: dict) -> None:
        arrays["truncation_limited_steps"] = arrays["truncation_limited_steps"].astype(float)
        arrays["truncation_limited_steps"][1] = np.inf

    path = corrupted(records["tebd"], tmp_path / "tls.npz", arrays=inf_steps)
    status, out, _ = cli(["check", str(path)], capsys)
    assert status == 1 and "'truncation_limited_steps' must hold integers" in out


# ------------------------------------------------------------------------- item 3: silent wrong numbers


@pytest.mark.parametrize(
    "function",
    ["single_spin_entropy", "two_spin_entropy", "mutual_information", "single_spin_entropy_mp",
     "two_spin_entropy_mp", "mutual_information_mp", "single_spin_entropy_np", "two_spin_entropy_np",
     "mutual_information_np"],
)
@pytest.mark.parametrize("base", [1.0, 1, np.float64(1.0), math.inf, math.nan])
def test_item3_closed_form_entropy_base_one_or_nonfinite_refused(function: str, base: object) -> None:
    # the float 1.0 slipped past the base check (sympy's Float(1.0) == 1 is False) and gave zoo/nan
    with pytest.raises(ValueError, match="base"):
        getattr(cf, function)(4, 4, base=base)


@pytest.mark.parametrize("spectrum", [[(0.5 + 0.1j, 1), (0.5 - 0.1j, 1)], [(math.nan, 1), (1, 1)], [(1j, 1)]])
def test_item3_entropy_from_spectrum_refuses_complex_and_nan_eigenvalues(spectrum) -> None:
    with pytest.raises(ValueError, match="finite real"):
        cf.entropy_from_spectrum(spectrum)


@pytest.mark.parametrize("function", [cf.mutual_information_limit, cf.two_spin_spectrum_limit])
@pytest.mark.parametrize("filling", [math.nan, math.inf, -math.inf])
def test_item3_nan_filling_is_a_value_error(function, filling) -> None:
    with pytest.raises(ValueError, match="filling"):  # was TypeError "Invalid NaN comparison"
        function(filling)


def test_item3_valid_bases_still_agree_with_nats() -> None:
    # independent route: the entropy in nats divided by ln(base)
    assert cf.single_spin_entropy(4, 4, base=2) == 1
    assert float(cf.single_spin_entropy_mp(4, 4, base=2.0)) == pytest.approx(1.0, abs=1e-25)
    nats = float(cf.two_spin_entropy_np(5, 3))
    assert float(cf.two_spin_entropy_np(5, 3, base=10)) == pytest.approx(nats / math.log(10))


# ---------------------------------------------------------------------------------- item 4: cost guards


@pytest.mark.parametrize(
    ("call", "keyword"),
    [
        (lambda: cf.block_rdm(20, 20, 20), "max_spins"),
        (lambda: cf.block_spectrum(10**6, 10**6, 10**5), "max_spins"),
        (lambda: cf.block_entropy(10**6, 10**6, 10**5), "max_spins"),
        (lambda: cf.block_entropy_mp(10**9, 10**9, 10**8), "max_spins"),
        (lambda: cf.single_spin_entropy_mp(3, 3, dps=10**8), "max_dps"),
        (lambda: cf.two_spin_entropy_mp(10 ** (10**5), 3), "max_dps"),
        (lambda: cf.mutual_information_series(order=60), "max_order"),
        (lambda: states.DickeState(10**9, 5 * 10**8).n_terms, "max_digits"),
        (lambda: stt_mps(10**5, 10**5), "max_bytes"),
        (lambda: states.gaussian_packet(4 * 10**8, 1.0, 1.0, 0.0), "max_sites"),
        (lambda: states.pair_state(10**5, 1.0, 3.0, 1.0, 0.0, "singlet"), "max_sites"),
    ],
    ids=["block_rdm", "block_spectrum", "block_entropy", "block_entropy_mp", "dps", "dps_of_huge_n", "series",
         "dicke_n_terms", "stt_mps", "gaussian_packet", "pair_state"],
)
def test_item4_library_refuses_absurd_sizes_naming_the_keyword(call, keyword: str) -> None:
    with pytest.raises(ValueError, match=keyword):
        call()


def test_item4_limits_can_be_raised_by_their_keyword() -> None:
    # the same quantities within a raised limit: checked against independent routes
    assert cf.block_rdm(2, 1, 3, max_spins=3).shape == (8, 8)
    spectrum = cf.block_spectrum(40, 40, 65, max_spins=65)  # above the default 64
    assert sum(g for _, g in spectrum) == 2**65  # multiplicities fill the 2^m space
    assert sum(lam * g for lam, g in spectrum) == 1  # hypergeometric weights (Vandermonde's identity)
    assert states.DickeState(30, 15).count_terms(max_digits=20) == math.comb(30, 15)
    assert cf.mutual_information_series(1, max_order=1) is not None
    with pytest.raises(ValueError, match="max_dps"):
        cf.single_spin_entropy_mp(3, 3, dps=50, max_dps=40)
    assert float(cf.single_spin_entropy_mp(3, 3, dps=50, max_dps=100)) == pytest.approx(math.log(2))


def test_item4_output_times_overflow_refused() -> None:
    with pytest.raises(ValueError, match="too many"):
        output_times(1e300, 1e-300)


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["run", "xxz", "--n-sites", "4", "--method", "tebd", "--dt", "1e-9"], "--max-steps"),
        (["run", "prx", "--method", "tebd", "--n-sites", str(10**6)], "--max-sites"),
        (["run", "xxz", "--method", "tebd", "--n-sites", str(10**6)], "--max-sites"),
        (["run", "prx", *[f"--{k.replace('_', '-')}={v}" for k, v in SMALL_PRX.items()], "--hopping", "1e6"],
         "--max-matvecs"),
        (["run", "xxz", "--n-sites", "6", "--j-xx", "1e9"], "--max-matvecs"),
    ],
    ids=["tebd-dt-1e-9", "prx-tebd-1e6-sites", "xxz-tebd-1e6-sites", "prx-hopping-1e6", "xxz-jxx-1e9"],
)
def test_item4_run_refuses_before_any_work(argv, flag, tmp_path, capsys) -> None:
    status, _, err = cli([*argv, "--out", str(tmp_path / "o.npz")], capsys)
    assert status == 2 and flag in one_line_error(err)
    assert not (tmp_path / "o.npz").exists()


def test_item4_crosscheck_stt_5000_refused(capsys) -> None:
    status, _, err = cli(["crosscheck", "stt", "--n-e", "5000", "--n-fm", "5000"], capsys)
    assert status == 2 and "--max-bond" in one_line_error(err)


# ------------------------------------------------------------------------ item 5: what check must catch


def test_item5_record_holding_only_t_fails(records, tmp_path, capsys) -> None:
    path = corrupted(records["tebd"], tmp_path / "t.npz", arrays=lambda a: [a.pop(k) for k in list(a) if k != "t"])
    assert cli(["check", str(path)], capsys)[0] == 1


def test_item5_bare_npz_holding_only_t_fails(tmp_path, capsys) -> None:
    """No sidecar, no model, only 't': no physics check can run, so the record is reported unverified."""
    path = tmp_path / "bare.npz"
    np.savez(path, t=np.linspace(0.0, 1.0, 3))
    status, out, _ = cli(["check", str(path)], capsys)
    assert status == 1 and "nothing was verified" in out


TEBD_KEYS = ["spin", "spin_purity", "spin_z_total", "electron_spin", "electron_spin_purity", "density",
             "spin_density_z", "entropy_cut", "mutual_info_edges", "mutual_info_entropy_a", "mutual_info_entropy_b",
             "meyer_wallach", "energy", "norm", "n_electrons", "total_spin_z", "max_bond_dimension",
             "truncation_error", "bond_entropy", "truncation_limited_steps"]


@pytest.mark.parametrize("key", TEBD_KEYS)
def test_item5_any_deleted_array_fails(records, tmp_path, capsys, key: str) -> None:
    path = corrupted(records["tebd"], tmp_path / "del.npz", arrays=lambda a: a.pop(key))
    status, out, _ = cli(["check", str(path)], capsys)
    assert status == 1 and f"'{key}'" in next(line for line in out.splitlines() if line.startswith("required_arrays"))


def test_item5_the_intact_records_pass(records, capsys) -> None:
    for path in records.values():
        assert cli(["check", str(path)], capsys)[0] == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m["model"].__setitem__("model", "xxz"),
        lambda m: m.__setitem__("model", "prx"),
        *[lambda m, k=k, v=v: m["model"].__setitem__(k, v)
          for k in ("n_left", "n_conf") for v in (-1, math.nan, 10**400, 2.5, "2")],
        lambda m: m["model"].__setitem__("n_sites", 10**6),
        lambda m: m["model"].__setitem__("hopping", math.inf),
    ],
    ids=["relabelled-xxz", "model-a-string", *[f"{k}={v}" for k in ("n_left", "n_conf")
                                               for v in ("-1", "nan", "1e400", "2.5", "str")],
         "n_sites-1e6", "hopping-inf"],
)
def test_item5_invalid_model_metadata_exits_2(records, tmp_path, capsys, change) -> None:
    path = corrupted(records["tebd"], tmp_path / "meta.npz", meta=change)
    status, _, err = cli(["check", str(path)], capsys)
    assert status == 2 and "model" in one_line_error(err)


@pytest.mark.parametrize(
    "change",
    [lambda t: 2 * t, lambda t: t + 0.25, lambda t: t[:2]],
    ids=["doubled", "shifted", "cut-short"],
)
def test_item5_time_grid_against_dt_out_and_t_max(records, tmp_path, capsys, change) -> None:
    def grid(arrays: dict) -> None:
        t = change(arrays["t"])
        for key in list(arrays):
            arrays[key] = arrays[key][: t.size]
        arrays["t"] = t

    path = corrupted(records["exact"], tmp_path / "grid.npz", arrays=grid)
    status, out, _ = cli(["check", str(path)], capsys)
    assert status == 1 and "FAIL" in next(line for line in out.splitlines() if line.startswith("time_grid"))


@pytest.mark.parametrize("value", [1e308, 5.0, -0.1])
def test_item5_mutual_information_entropies_bounded_by_ln2(records, tmp_path, capsys, value) -> None:
    def entropies(arrays: dict) -> None:
        arrays["mutual_info_entropy_a"][:] = value
        arrays["mutual_info_entropy_b"][:] = value

    path = corrupted(records["exact"], tmp_path / "mi.npz", arrays=entropies)
    status, out, err = cli(["check", str(path)], capsys)
    line = next(line for line in out.splitlines() if line.startswith("mutual_information_bounds"))
    assert status == 1 and "FAIL" in line and "RuntimeWarning" not in err


@pytest.mark.parametrize("value", [math.nan, math.inf, -0.5])
def test_item5_bad_bond_entropy_fails(records, tmp_path, capsys, value) -> None:
    def bond(arrays: dict) -> None:
        arrays["bond_entropy"][1, 2] = value

    path = corrupted(records["tebd"], tmp_path / "be.npz", arrays=bond)
    assert cli(["check", str(path)], capsys)[0] == 1


@pytest.mark.parametrize("row", [0, 1])
def test_item5_max_bond_dimension_1e308_fails(records, tmp_path, capsys, row) -> None:
    """Row 0 (the untruncated initial state) is bounded by the largest Schmidt rank of the chain, later
    rows by chi_max: 1e308 fails either way."""
    def huge(arrays: dict) -> None:
        arrays["max_bond_dimension"] = arrays["max_bond_dimension"].astype(float)
        arrays["max_bond_dimension"][row] = 1e308

    status, out, _ = cli(["check", str(corrupted(records["tebd"], tmp_path / "chi.npz", arrays=huge))], capsys)
    assert status == 1 and "'max_bond_dimension' must hold integers" in out


def test_item5_npz_paired_with_another_runs_sidecar_exits_2(records, tmp_path, capsys) -> None:
    path = tmp_path / "pair.npz"
    shutil.copy(records["exact"], path)
    shutil.copy(records["tebd"].with_suffix(".json"), path.with_suffix(".json"))
    status, _, err = cli(["check", str(path)], capsys)
    assert status == 2 and "different runs" in one_line_error(err)
    with pytest.raises(ValueError, match="run id"):
        load_run(path)


def test_item5_record_and_sidecar_share_one_run_id(records) -> None:
    from verify.records.run import record_run_id

    for path in records.values():
        assert record_run_id(path) == json.loads(path.with_suffix(".json").read_text())["run_id"]
    assert record_run_id(records["exact"]) != record_run_id(records["tebd"])


# --------------------------------------------------------------------------- item 6: command-line edges


@pytest.mark.parametrize("name", ["x" * 300 + ".npz", "d" * 300 + "/run.npz"], ids=["long-file", "long-dir"])
def test_item6_run_with_an_over_long_out_exits_2(tmp_path, capsys, name) -> None:
    status, _, err = cli(["run", "xxz", "--n-sites", "4", "--t-max", "0.2", "--out", str(tmp_path / name)], capsys)
    assert status == 2 and "--out" in one_line_error(err)


@pytest.mark.parametrize("method", ["exact", "tebd"])
def test_item6_run_t_max_1e300_dt_out_1e_300_exits_2(tmp_path, capsys, method) -> None:
    argv = ["run", "xxz", "--n-sites", "4", "--t-max", "1e300", "--dt-out", "1e-300", "--method", method]
    status, _, err = cli([*argv, "--out", str(tmp_path / "o.npz")], capsys)
    assert status == 2 and ("t_max" in one_line_error(err) or "dt_out" in err)


def test_item6_python_m_entanglement_help_and_bad_arguments(capsys) -> None:
    from entanglement.__main__ import main as entanglement_main

    with pytest.raises(SystemExit) as stop:
        entanglement_main(["--help"])
    assert stop.value.code == 0 and "usage: python -m entanglement" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        entanglement_main(["--bogus"])
    assert stop.value.code == 2 and one_line_error(capsys.readouterr().err)


def test_item6_python_m_entanglement_refuses_arguments_in_a_subprocess() -> None:
    done = subprocess.run([sys.executable, "-m", "entanglement", "7"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == "" and one_line_error(done.stderr)
