"""verify.records.run: the output grid and the rule for every file a run writes."""

from __future__ import annotations

import os

import numpy as np
import pytest

from verify.records import MAX_OUTPUT_TIMES, check_output_path, output_times


def test_output_times_accept_numpy_scalars():
    expected = output_times(1.0, 0.25)
    np.testing.assert_array_equal(expected, [0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(output_times(np.float64(1.0), np.float64(0.25)), expected)
    np.testing.assert_array_equal(output_times(np.int64(1), 0.25), expected)
    np.testing.assert_array_equal(output_times(2, 1), [0.0, 1.0, 2.0])


@pytest.mark.parametrize(
    ("t_max", "dt_out", "error", "fragment"),
    [
        ("2", 0.5, TypeError, "t_max"),  # wrong types: TypeError (states.validation)
        (1.0, "0.5", TypeError, "dt_out"),
        (True, 0.5, TypeError, "t_max"),
        (1.0, None, TypeError, "dt_out"),
        (-1.0, 0.5, ValueError, "t_max"),
        (1.0, 0.0, ValueError, "dt_out"),
        (float("nan"), 0.5, ValueError, "t_max"),
        (1.0, float("inf"), ValueError, "dt_out"),
        (10**400, 1.0, ValueError, "t_max"),  # beyond the float range: ValueError, not OverflowError
        (1e300, 1e-300, ValueError, "too many"),  # the ratio overflows to inf: ValueError, not OverflowError
        (2.0 * MAX_OUTPUT_TIMES, 1.0, ValueError, "too many"),
    ],
)
def test_output_times_refuse_bad_grids(t_max, dt_out, error, fragment):
    with pytest.raises(error, match=fragment):
        output_times(t_max, dt_out)


def test_output_times_limit_is_inclusive():
    assert output_times(float(MAX_OUTPUT_TIMES), 1.0).size == MAX_OUTPUT_TIMES + 1


def test_check_output_path_accepts_new_and_existing_files(tmp_path):
    assert check_output_path(tmp_path / "run.npz") == tmp_path / "run.npz"
    assert check_output_path(str(tmp_path / "new" / "deeper" / "run.npz")) == tmp_path / "new" / "deeper" / "run.npz"
    assert not (tmp_path / "new").exists()  # checking creates nothing
    (tmp_path / "old.npz").write_bytes(b"")
    assert check_output_path(tmp_path / "old.npz", what="checkpoint") == tmp_path / "old.npz"


@pytest.mark.parametrize(
    ("target", "fragment"),
    [("run.txt", ".npz files"), ("adir.npz", "is a directory"), ("side.npz", "is a directory"),
     ("blocker/run.npz", "is not a directory")],
)
def test_check_output_path_refuses_paths_that_cannot_be_written(tmp_path, target, fragment):
    (tmp_path / "adir.npz").mkdir()
    (tmp_path / "side.json").mkdir()  # the sidecar of side.npz
    (tmp_path / "blocker").write_text("a file, not a directory")
    with pytest.raises(ValueError, match=fragment) as info:
        check_output_path(tmp_path / target, what="checkpoint")
    assert str(info.value).startswith("checkpoint ")
    with pytest.raises(TypeError, match="path"):
        check_output_path(3)  # type: ignore[arg-type]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into any directory")
def test_check_output_path_refuses_a_read_only_directory(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(ValueError, match="not writable"):
            check_output_path(locked / "sub" / "run.npz")
    finally:
        locked.chmod(0o700)
