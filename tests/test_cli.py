"""The command line ``python -m verify`` (verify.cli): records, their documented schema, errors.

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
from verify.records.run import load_run

ROOT = Path(__file__).resolve().parents[1]
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
    extra = [] if args[1] not in ("prx", "pair") or "--out" in args else ["--out", str(out)]
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
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)
    monkeypatch.setattr(cli, "PROGRESS_INTERVAL", 0.0)
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


def test_subcommand_registry_skips_modules_not_written_yet(monkeypatch):
    monkeypatch.setitem(cli.SUBCOMMANDS, "future", "verify.no_such_module_yet")
    parser = cli.build_parser()
    assert parser.parse_args(["run", "prx", "--out", "x.npz"]).command == "run"


def test_progress_eta_uses_the_recent_rate(monkeypatch) -> None:
    """A resumed run that starts at 50 % and advances 10 % per 10 s has 40 s left at 60 %, not the
    (elapsed / fraction) extrapolation from zero (which would say ~7 s)."""
    import io

    import verify.cli as cli

    clock = {"now": 100.0}
    monkeypatch.setattr(cli.time, "perf_counter", lambda: clock["now"])
    stream = io.StringIO()
    progress = cli.TerminalProgress("run", enabled=True, stream=stream)
    progress.start -= cli.PROGRESS_DELAY  # past the silent start
    progress(0.5)
    clock["now"] += 10.0
    progress(0.6)
    assert stream.getvalue().rstrip().endswith("~40 s left")
