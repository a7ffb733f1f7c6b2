"""The command line ``python -m verify run`` (verify.cli): records, their documented schema, errors.

The schema is read from ``docs/run_records.md`` itself, so the documentation and the records cannot
drift apart. Every invalid-parameter class is run as a real subprocess: exit status 2, exactly one
line on stderr, no traceback, no file written.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from verify import cli
from verify.cli import progress as cli_progress
from verify.records.run import load_run

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "run_records.md"

PRX_SMALL = ["--n-sites", "8", "--n-left", "3", "--n-fm", "2", "--n-conf", "2", "--n-e", "2"]
PAIR_SMALL = ["--n-sites", "30", "--n-spins", "2", "--chain-start", "20", "--x1", "4", "--x2", "12", "--sigma", "3"]


def verify_cmd(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "verify", *args], capture_output=True, text=True, cwd=tmp, timeout=120)


def documented_shapes(section: str) -> dict[str, str]:
    """``key -> shape`` of the first table after the heading that starts with ``section``."""
    text = DOC.read_text()
    start = text.index(f"## {section}")
    shapes: dict[str, str] = {}
    for line in text[start:].splitlines()[1:]:
        match = re.match(r"\| `(\w+)` \| (\([^)]*\)) \|", line)
        if match:
            shapes[match.group(1)] = match.group(2)
        elif shapes and not line.startswith("|"):
            break
    return shapes


def expected_shape(text: str, sizes: dict[str, int]) -> tuple[int, ...]:
    parts = [p.strip() for p in text.strip("()").split(",") if p.strip()]
    return tuple(sizes[p] if p in sizes else int(p) for p in parts)


def test_prx_run_writes_the_documented_record(tmp_path):
    out = tmp_path / "prx.npz"
    result = verify_cmd("run", "prx", *PRX_SMALL, "--t-max", "2", "--dt-out", "0.5", "--out", str(out), tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    (summary,) = result.stdout.splitlines()
    assert summary.startswith(f"wrote {out}") and "drifts: norm" in summary
    run = load_run(out)
    shapes = documented_shapes("PRX chain")
    assert len(shapes) >= 15 and "spin" in shapes and "meyer_wallach" in shapes
    assert set(run.arrays) == set(shapes)
    sizes = {"n_t": 5, "N_FM": 2, "N": 8}
    for key, shape in shapes.items():
        assert run.arrays[key].shape == expected_shape(shape, sizes), key
    meta = run.meta
    assert meta["model"]["model"] == "prx" and meta["model"]["n_sites"] == 8 and meta["model"]["j_sd"] == 0.5
    assert meta["method"] == "exact" and meta["cut"] == 4
    assert meta["t_max"] == 2.0 and meta["dt_out"] == 0.5 and meta["n_times"] == 5
    assert set(meta["drifts"]) == {"norm", "energy", "total_spin_z", "n_electrons"}
    assert max(meta["drifts"].values()) < 1e-10
    assert meta["sector_dim"] > 0 and meta["wall_time_s"] > 0
    for field in ("package_version", "python", "command", "units", "ground_state", "propagator"):
        assert field in meta, field
    np.testing.assert_allclose(run.arrays["t"], [0, 0.5, 1, 1.5, 2])


def test_prx_options_reach_the_model(tmp_path):
    out = tmp_path / "x.npz"
    args = ["--polarization", "x", "--j-sd", "1.5", "--cut", "3", "--t-max", "0.5", "--dt-out", "0.5"]
    result = verify_cmd("run", "prx", *PRX_SMALL, *args, "--out", str(out), tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    run = load_run(out)
    assert run.meta["model"]["polarization"] == "x" and run.meta["model"]["j_sd"] == 1.5
    assert run.meta["cut"] == 3 and run.meta["sector_two_sz"] is None
    np.testing.assert_allclose(run.arrays["electron_spin"][0], [2, 0, 0], atol=1e-6)


def test_pair_run_writes_the_documented_record(tmp_path):
    out = tmp_path / "pair.npz"
    result = verify_cmd(
        "run",
        "pair",
        *PAIR_SMALL,
        "--pair",
        "triplet0",
        "--t-max",
        "2",
        "--dt-out",
        "1",
        "--out",
        str(out),
        tmp=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}")
    run = load_run(out)
    shapes = documented_shapes("Pair on a ring")
    assert set(run.arrays) == set(shapes)
    for key, shape in shapes.items():
        assert run.arrays[key].shape == expected_shape(shape, {"n_t": 3}), key
    assert run.meta["model"]["model"] == "pair" and run.meta["pair"] == "triplet0"
    assert run.meta["model"]["n_spins"] == 2 and run.meta["model"]["sigma"] == 3.0


def test_tebd_method_is_wired(tmp_path):
    out = tmp_path / "tebd.npz"
    result = verify_cmd("run", "prx", *PRX_SMALL, "--method", "tebd", "--t-max", "0.5", "--out", str(out), tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    run = load_run(out)
    assert run.meta["method"] == "tebd"
    shapes = {**documented_shapes("PRX chain"), "max_bond_dimension": "(n_t,)", "truncation_error": "(n_t,)"}
    for key, shape in shapes.items():
        assert run.arrays[key].shape == expected_shape(shape, {"n_t": 2, "N_FM": 2, "N": 8}), key


def test_help_lists_the_registered_subcommands(tmp_path):
    result = verify_cmd("--help", tmp=tmp_path)
    assert result.returncode == 0
    assert "run" in result.stdout and "check" in result.stdout


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["run", "prx", "--n-sites", "4", "--n-left", "2", "--n-fm", "2", "--n-conf", "2", "--n-e", "9"], "n_e = 9"),
        (["run", "prx", "--n-sites", "4", "--n-left", "0", "--n-fm", "5", "--n-conf", "0", "--n-e", "0"], "n_fm = 5"),
        (["run", "prx", *PRX_SMALL, "--t-max", "-1"], "t_max"),
        (["run", "prx", *PRX_SMALL, "--dt-out", "0"], "dt_out"),
        (["run", "prx", *PRX_SMALL, "--cut", "8"], "cut"),
        (["run", "prx", *PRX_SMALL, "--polarization", "y"], "polarization"),
        (["run", "prx", *PRX_SMALL, "--dt", "0.05"], "--dt"),
        (  # an exact sector of 2.2e10 states is refused by counting, before anything is built
            ["run", "prx", "--n-sites", "32", "--n-left", "14", "--n-fm", "5", "--n-conf", "10", "--n-e", "8"],
            "dimension",
        ),
        (["run", "prx", *PRX_SMALL, "--n-sites", "eight"], "eight"),
        (["run", "prx", *PRX_SMALL, "--bogus", "1"], "--bogus"),
        (["run", "ising", *PRX_SMALL], "ising"),
        (["run", "pair", *PAIR_SMALL, "--chain-start", "30"], "runs off"),
        (["run", "pair", *PAIR_SMALL, "--x2", "6"], "overlap"),
        (["run", "pair", *PAIR_SMALL, "--pair", "quartet"], "quartet"),
        (["run", "pair", *PAIR_SMALL, "--pair", "theta"], "theta"),
        (["run", "pair", *PAIR_SMALL, "--t-max", "-2"], "t_max"),
    ],
)
def test_invalid_parameters_exit_2_with_one_line(tmp_path, args, fragment):
    out = tmp_path / "never.npz"
    extra = [] if args[1] not in ("prx", "xxz", "pair") or "--out" in args else ["--out", str(out)]
    result = verify_cmd(*args, *extra, tmp=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error:") and fragment in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target", ["blocker/run.npz", "run.txt", "adir"])
def test_bad_output_paths_exit_2_before_any_work(tmp_path, target):
    (tmp_path / "blocker").write_text("a file, not a directory")
    (tmp_path / "adir.npz").mkdir()
    out = tmp_path / ("adir.npz" if target == "adir" else target)
    before = sorted(tmp_path.rglob("*"))
    result = verify_cmd("run", "prx", *PRX_SMALL, "--out", str(out), tmp=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--out" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(tmp_path.rglob("*")) == before


def test_output_directory_is_created(tmp_path):
    out = tmp_path / "new" / "deeper" / "run.npz"
    assert cli.main(["run", "prx", *PRX_SMALL, "--t-max", "0", "--out", str(out)]) == 0
    assert out.is_file() and out.with_suffix(".json").is_file()


def test_progress_line(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(cli_progress, "PROGRESS_DELAY", 0.0)
    monkeypatch.setattr(cli_progress, "PROGRESS_INTERVAL", 0.0)
    progress = cli.TerminalProgress("prx exact", enabled=True, stream=stream)
    for fraction in (0.25, 0.5, 1.0):
        progress(fraction)
    progress.close()
    text = stream.getvalue()
    assert "prx exact:  25.0%" in text and " 100.0%" in text and text.endswith("\n")
    silent = io.StringIO()
    quiet = cli.TerminalProgress("prx exact", enabled=False, stream=silent)
    quiet(0.5)
    quiet.close()
    assert silent.getvalue() == ""


def test_progress_stays_silent_for_short_runs():
    stream = io.StringIO()
    progress = cli.TerminalProgress("pair", enabled=True, stream=stream)  # default delay: 2 s
    progress(0.5)
    progress(1.0)
    progress.close()
    assert stream.getvalue() == ""


def test_progress_eta_uses_the_recent_rate(monkeypatch) -> None:
    """A resumed run that starts at 50 % and advances 10 % per 10 s has 40 s left at 60 %, not the
    (elapsed / fraction) extrapolation from zero (which would say ~7 s)."""
    clock = {"now": 100.0}
    monkeypatch.setattr(cli_progress.time, "perf_counter", lambda: clock["now"])
    stream = io.StringIO()
    progress = cli.TerminalProgress("run", enabled=True, stream=stream)
    progress.start -= cli_progress.PROGRESS_DELAY  # past the silent start
    progress(0.5)
    clock["now"] += 10.0
    progress(0.6)
    assert stream.getvalue().rstrip().endswith("~40 s left")


# ----------------------------------------------------------------------------------- run KIND for any chain model
XXZ_SMALL = ["--n-sites", "6", "--j-xx", "1", "--j-z", "0.5", "--h-z", "0.2"]


def test_the_issue_example_runs_xxz_exact_and_the_record_passes_check(tmp_path):
    """``python -m verify run xxz --n-sites L --j-xx .. --j-z .. --h-z .. --initial neel --method exact
    --t-max .. --dt-out .. --out F`` as the issue writes it, then ``python -m verify check F``."""
    out = tmp_path / "xxz.npz"
    result = verify_cmd("run", "xxz", *XXZ_SMALL, "--initial", "neel", "--method", "exact", "--t-max", "1",
                        "--dt-out", "0.25", "--out", str(out), tmp=tmp_path)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.startswith(f"wrote {out}") and "drifts: norm" in result.stdout
    run = load_run(out)
    assert run.meta["model"] == {"model": "xxz", "n_sites": 6, "j_xx": 1.0, "j_z": 0.5, "h_z": 0.2, "initial": "neel"}
    assert run.meta["method"] == "exact" and run.arrays["spin_z"].shape == (5, 6)
    np.testing.assert_allclose(run.arrays["spin_z"][0], [1, -1, 1, -1, 1, -1], atol=1e-12)  # Néel, Pauli units
    checked = verify_cmd("check", str(out), tmp=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "PASSED" in checked.stdout


@pytest.mark.parametrize("initial", ["domain-wall", "uududd"])
def test_xxz_tebd_record_passes_check(tmp_path, capsys, initial):
    out = tmp_path / "xxz_tebd.npz"
    args = ["run", "xxz", *XXZ_SMALL, "--initial", initial, "--method", "tebd", "--dt", "0.05", "--order", "4",
            "--chi-max", "32", "--t-max", "1", "--dt-out", "0.25", "--out", str(out)]
    assert cli.main(args) == 0, capsys.readouterr().err
    run = load_run(out)
    assert run.meta["method"] == "tebd" and run.meta["model"]["initial"] == initial
    assert run.meta["tebd"]["dt"] == 0.05 and run.meta["tebd"]["order"] == 4 and run.meta["tebd"]["chi_max"] == 32
    assert run.meta["command"].startswith("python -m verify run xxz")
    capsys.readouterr()
    assert cli.main(["check", str(out)]) == 0, capsys.readouterr().out


def test_prx_localized_spin_one_antiferromagnetic_j_sd(tmp_path, capsys):
    """The spin-S Kondo-chain variant from the command line: ``--localized-spin 1 --j-sd -0.5``
    (and ``3/2`` written as a fraction)."""
    small = ["--n-sites", "6", "--n-left", "2", "--n-fm", "2", "--n-conf", "1", "--n-e", "1"]
    for spin, expected in (("1", 1.0), ("3/2", 1.5)):
        out = tmp_path / f"spin{expected}.npz"
        args = ["run", "prx", *small, "--localized-spin", spin, "--j-sd", "-0.5", "--t-max", "1", "--out", str(out)]
        assert cli.main(args) == 0, capsys.readouterr().err
        run = load_run(out)
        assert run.meta["model"]["localized_spin"] == expected and run.meta["model"]["j_sd"] == -0.5
        capsys.readouterr()
        assert cli.main(["check", str(out)]) == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    "args,fragment",
    [
        (["run", "xxz", "--j-xx", "nan"], "--j-xx"),
        (["run", "xxz", "--j-z", "inf"], "--j-z"),
        (["run", "xxz", "--n-sites", "6.5"], "--n-sites"),
        (["run", "xxz", "--n-sites", "3", "--initial", "udx"], "udx"),
        (["run", "xxz", "--initial", "sideways"], "sideways"),
        (["run", "xxz", "--n-sites", "1"], "n_sites"),
        (["run", "xxz", "--chi-max", "8"], "--chi-max: only used with --method tebd"),
        (["run", "xxz", "--method", "tebd", "--order", "3"], "--order"),
        (["run", "xxz", "--method", "tebd", "--chi-max", "0"], "chi_max"),
        (["run", "xxz", "--method", "tebd", "--scheme", "suzuki"], "scheme"),
        (["run", "prx", *PRX_SMALL, "--localized-spin", "0.7"], "localized_spin"),
        (["run", "prx", *PRX_SMALL, "--localized-spin", "1/0"], "--localized-spin"),
        (["run", "prx", *PRX_SMALL, "--spin-normalization", "quarter"], "quarter"),
        (["run", "pair", *PAIR_SMALL, "--hbar", "-1"], "hbar"),
    ],
)
def test_bad_values_of_generated_flags_exit_2_with_one_line(tmp_path, args, fragment):
    result = verify_cmd(*args, "--out", str(tmp_path / "never.npz"), tmp=tmp_path)
    assert result.returncode == 2, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error:") and fragment in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_type_errors_from_the_library_are_one_line(tmp_path, capsys, monkeypatch):
    """A TypeError raised by the library (wrong types now raise TypeError) is a usage error too."""
    import verify.records

    def wrong_type(*args, **kwargs):
        raise TypeError("cut must be an integer, got 'x' (str)")

    monkeypatch.setattr(verify.records, "simulate_exact", wrong_type)
    assert cli.main(["run", "xxz", "--n-sites", "4", "--out", str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err
    assert err == "error: cut must be an integer, got 'x' (str)\n"


def test_help_of_run_xxz_lists_the_tenpy_couplings(tmp_path):
    result = verify_cmd("run", "xxz", "--help", tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # argparse wraps the help lines
    for flag, tenpy in (("--j-xx", "Jxx"), ("--j-z", "Jz"), ("--h-z", "hz")):
        assert f"{flag} {flag[2:].upper().replace('-', '_')} TeNPy's {tenpy} (couplings of S = σ/2)" in text
    assert "--n-sites N_SITES L >= 2 (default 16)" in text
    assert '"neel", "domain-wall" or one u/d per site (default neel)' in text
    assert "--method {exact,tebd}" in text and "--order {2,4}" in text and "--backend {dense,charges}" in text
    assert "final time in hbar/[J] (default 10.0)" in text and "TEBD options (--method tebd only)" in text


def test_every_model_kind_is_a_run_subcommand(tmp_path):
    result = verify_cmd("run", "--help", tmp=tmp_path)
    from verify.models import MODEL_KINDS

    for kind in MODEL_KINDS:
        assert kind in result.stdout


def test_deprecated_cli_modules_warn_and_reexport():
    import importlib

    from verify.cli import check, crosscheck

    for old, new in (("verify.check_cli", check), ("verify.crosscheck_cli", crosscheck)):
        sys.modules.pop(old, None)
        with pytest.warns(DeprecationWarning, match=old):
            module = importlib.import_module(old)
        for name in module.__all__:
            assert getattr(module, name) is getattr(new, name), name


@pytest.mark.parametrize("method", ["exact", "tebd"])
def test_a_time_grid_beyond_the_float_range_exits_2_with_one_line(tmp_path, method):
    """t_max/dt_out overflows to inf: one ``error:`` line and status 2 (was an OverflowError traceback)."""
    result = verify_cmd("run", "xxz", *XXZ_SMALL, "--method", method, "--t-max", "1e300", "--dt-out", "1e-300",
                        "--out", str(tmp_path / "never.npz"), tmp=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("error:"), result.stderr
    assert "too many" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_max_steps_flag(tmp_path, capsys):
    tebd = ["run", "xxz", *XXZ_SMALL, "--method", "tebd", "--dt", "0.05", "--t-max", "0.2", "--dt-out", "0.1"]
    out = tmp_path / "run.npz"
    assert cli.main([*tebd, "--dt", "1e-9", "--out", str(out)]) == 2  # 2e8 steps: refused before any work
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "max_steps = 1,000,000" in err and "--max-steps" in err
    assert cli.main([*tebd, "--max-steps", "3", "--out", str(out)]) == 2  # the run needs 4 steps
    assert "4 Trotter steps" in capsys.readouterr().err and not out.exists()
    assert cli.main([*tebd, "--max-steps", "4", "--out", str(out)]) == 0, capsys.readouterr().err
    assert load_run(out).meta["tebd"]["steps"] == 4
    capsys.readouterr()
    exact = ["run", "xxz", *XXZ_SMALL, "--t-max", "0.2", "--max-steps", "4", "--out", str(tmp_path / "x.npz")]
    assert cli.main(exact) == 2
    assert "--max-steps: only used with --method tebd" in capsys.readouterr().err
