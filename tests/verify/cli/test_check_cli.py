"""Tests of ``python -m verify check``: table / JSON output and exit status 0 (pass), 1 (fail), 2 (malformed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from verify.checks import CHECK_NAMES
from verify.cli import check as check_cli
from verify.records.run import RunResult

ROOT = Path(__file__).resolve().parents[3]


def good_record(path: Path) -> Path:
    t = np.linspace(0.0, 2.0, 21)
    arrays = {
        "t": t,
        "norm": np.ones(21),
        "energy": np.full(21, -3.0),
        "density": np.full((21, 4), 0.5),
        "meyer_wallach": np.linspace(0.0, 0.9, 21),
    }
    return RunResult(arrays, {"model": {"model": "prx", "n_e": 2, "n_sites": 4, "n_left": 2, "n_fm": 1}}).save(path)


def bad_record(path: Path) -> Path:
    good_record(path)
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["norm"] = arrays["norm"].copy()
    arrays["norm"][7] = 1.001
    meta = json.loads(path.with_suffix(".json").read_text())
    return RunResult(arrays, meta).save(path)


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = check_cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_passing_record_exits_0_with_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_main(capsys, str(good_record(tmp_path / "good.npz")))
    assert status == check_cli.EXIT_PASSED == 0
    assert err == ""
    assert out.splitlines()[0].split()[:2] == ["check", "status"]
    assert all(name in out for name in CHECK_NAMES)
    assert "PASSED" in out.splitlines()[-1]


def test_failing_record_exits_1_and_says_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(capsys, str(bad_record(tmp_path / "bad.npz")))
    assert status == check_cli.EXIT_FAILED == 1
    norm_line = next(line for line in out.splitlines() if line.startswith("norm "))
    assert "FAIL" in norm_line and "t[7]" in norm_line
    assert "FAILED" in out.splitlines()[-1]


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(capsys, str(bad_record(tmp_path / "bad.npz")), "--json")
    assert status == 1
    data = json.loads(out)
    assert data["passed"] is False
    norm = next(check for check in data["checks"] if check["name"] == "norm")
    assert norm["status"] == "FAIL" and norm["time_index"] == 7 and norm["deviation"] == pytest.approx(1e-3)


def test_tolerance_override_and_exact_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(bad_record(tmp_path / "bad.npz"))
    assert run_main(capsys, path, "--tol", "norm=1e-2")[0] == 0
    assert run_main(capsys, path, "--tol", "norm=1e-2", "--exact")[0] == 0
    status, _, err = run_main(capsys, path, "--tol", "nrom=1e-2")
    assert status == 2 and "unknown tolerance" in err


def _truncate(path: Path) -> Path:
    path.write_bytes(path.read_bytes()[:150])
    return path


def _missing_t(path: Path) -> Path:
    np.savez(path, norm=np.ones(3))
    return path


def _misshaped(path: Path) -> Path:
    RunResult({"t": np.arange(5.0), "spin": np.zeros((5, 2))}).save(path)
    return path


def _short(path: Path) -> Path:
    RunResult({"t": np.arange(5.0), "energy": np.zeros(4)}).save(path)
    return path


def _strings(path: Path) -> Path:
    RunResult({"t": np.arange(5.0), "norm": np.array(["x"] * 5)}).save(path)
    return path


def _bad_sidecar(path: Path) -> Path:
    RunResult({"t": np.arange(5.0)}).save(path)
    path.with_suffix(".json").write_text("{not json")
    return path


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p, "no such run record"),
        (_truncate, "not a readable .npz"),
        (_missing_t, "missing key 't'"),
        (_misshaped, "key 'spin'"),
        (_short, "key 'energy'"),
        (_strings, "key 'norm'"),
        (_bad_sidecar, "malformed JSON sidecar"),
    ],
)
def test_malformed_records_exit_2_with_one_line(make, fragment: str, tmp_path: Path, capsys) -> None:
    path = tmp_path / "run.npz"
    if make is _truncate:
        good_record(path)
    path = make(path)
    status, out, err = run_main(capsys, str(path))
    assert status == check_cli.EXIT_MALFORMED == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and fragment in lines[0] and "run" in lines[0]
    assert "Traceback" not in err


def test_stand_alone_module_in_a_subprocess(tmp_path: Path) -> None:
    """The real process: exit code and stderr exactly as a user sees them (no traceback). The
    deprecated ``python -m verify.check_cli`` (a shim of verify.cli.check) still works."""
    result = subprocess.run(
        [sys.executable, "-m", "verify.check_cli", str(tmp_path / "missing.npz")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "missing.npz" in result.stderr and "Traceback" not in result.stderr


def test_registered_as_verify_subcommand(tmp_path: Path) -> None:
    """``python -m verify check`` is wired to the same implementation through verify.cli's registry."""
    bad = bad_record(tmp_path / "bad.npz")
    result = subprocess.run(
        [sys.executable, "-m", "verify", "check", str(bad), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["passed"] is False
    truncated = _truncate(good_record(tmp_path / "trunc.npz"))
    result = subprocess.run(
        [sys.executable, "-m", "verify", "check", str(truncated)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "trunc.npz" in result.stderr
