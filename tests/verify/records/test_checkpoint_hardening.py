"""Damaged checkpoints, locks and checkpoint paths (issue #14 item 2): one named regression test per case.

Every damaged file must give a ``ValueError`` naming the file and the key or member (never
AttributeError/KeyError/TypeError/IndexError, never a silent resume); on the command line ``--resume``
prints one line and exits with status 2.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from verify.cli.main import main
from verify.models import PRXChain
from verify.records import checkpoint_lock, load_checkpoint, lock_path, simulate_prx_tebd

MODEL = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="x")
# PRX Eq. 8 (a sweep scheme): its checkpoints carry an orthogonality centre, which several damage
# cases below move or null; the B form of the default even–odd scheme is damaged in the checkpoint fuzz.
OPTIONS = dict(dt_out=0.2, dt=0.05, chi_max=6, trunc=1e-10, order=2, scheme="prx")
CLI_MODEL = ["--n-sites", "6", "--n-left", "2", "--n-fm", "2", "--n-conf", "2", "--n-e", "2", "--polarization", "x",
             "--dt-out", "0.2", "--dt", "0.05", "--chi-max", "6", "--trunc", "1e-10", "--order", "2", "--scheme", "prx"]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A format-2 checkpoint of the small chain at t = 0.4 (8 steps, 3 output times)."""
    path = tmp_path_factory.mktemp("good") / "run.npz"
    simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(path), **OPTIONS)
    return path


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def damaged(good: Path, tmp_path: Path, *, header: Callable[[dict], object] | None = None,
            members: Callable[[dict[str, bytes]], None] | None = None) -> Path:
    """A copy of ``good`` with its header (a function of the parsed JSON) and/or members rewritten."""
    with zipfile.ZipFile(good) as zf:
        content = {name: zf.read(name) for name in zf.namelist()}
    if header is not None:
        meta = json.loads(str(np.load(io.BytesIO(content["meta_json.npy"]))))
        new = header(meta)
        meta = meta if new is None else new
        content["meta_json.npy"] = npy(np.array(meta if isinstance(meta, str) else json.dumps(meta)))
    if members is not None:
        members(content)
    path = tmp_path / "damaged.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in content.items():
            zf.writestr(name, data)
    return path


def _set(key: str, value: object) -> Callable[[dict], None]:
    return lambda meta: meta.__setitem__(key, value)


def _drop(key: str) -> Callable[[dict], None]:
    def edit(meta: dict) -> None:
        del meta[key]
    return edit


def _recast(name: str, dtype: str) -> Callable[[dict[str, bytes]], None]:
    def edit(content: dict[str, bytes]) -> None:
        array = np.load(io.BytesIO(content[name]))
        content[name] = npy(array.real.astype(dtype) if np.dtype(dtype).kind == "f" else array.astype(dtype))
    return edit


def _forge_shape(content: dict[str, bytes]) -> None:
    """An .npy header declaring 10¹² entries in front of the original small data."""
    data = content["tensor_0002_blocks.npy"]
    header = {"descr": "<c16", "fortran_order": False, "shape": (10**12,)}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    content["tensor_0002_blocks.npy"] = buffer.getvalue() + data[128:]


def _break_charges(content: dict[str, bytes]) -> None:
    keys = np.load(io.BytesIO(content["tensor_0002_keys.npy"]))
    keys[0, 2] += 1  # right-leg charge of the first block: no longer q_l + q_p
    content["tensor_0002_keys.npy"] = npy(keys)


def _swap(first: str, second: str) -> Callable[[dict[str, bytes]], None]:
    def edit(content: dict[str, bytes]) -> None:
        content[first], content[second] = content[second], content[first]
    return edit


def _npy_header_with_null_byte(content: dict[str, bytes]) -> None:
    """numpy parses an .npy header as a Python literal: a null byte raised SyntaxError, not ValueError."""
    data = bytearray(content["record_t.npy"])
    data[12] = 0
    content["record_t.npy"] = bytes(data)


# case id -> (header edit, member edit, what the message must name)
CASES: dict[str, tuple] = {
    "meta_json_not_an_object": (lambda m: [1, 2], None, "meta_json must be a JSON object"),
    "meta_json_not_json": (lambda m: "{not json", None, "meta_json is not JSON"),
    "n_tensors_removed": (_drop("n_tensors"), None, "lacks key 'n_tensors'"),
    "params_removed": (_drop("params"), None, "lacks key 'params'"),
    "params_not_an_object": (_set("params", [1]), None, "'params' must be an object"),
    "record_keys_removed": (_drop("record_keys"), None, "lacks key 'record_keys'"),
    "record_member_removed": (None, lambda c: c.pop("record_t.npy"), "missing 'record_t'"),
    "truncation_error_a_float": (_set("truncation_error", 1e-3), None, "'truncation_error' must be a hex"),
    "truncation_error_a_list": (_set("truncation_error", [1]), None, "'truncation_error' must be a hex"),
    "truncation_error_negative": (_set("truncation_error", "-0x1p-3"), None, "'truncation_error' must be a finite"),
    "truncation_error_nan": (_set("truncation_error", "nan"), None, "'truncation_error' must be a finite"),
    "steps_negative": (_set("steps", -5), None, "'steps' must be an integer >= 0"),
    "steps_a_string": (_set("steps", "8"), None, "'steps' must be an integer"),
    "steps_a_bool": (_set("steps", True), None, "'steps' must be an integer"),
    "center_out_of_range": (_set("center", 99), None, "'center' must be null or in [0, 6)"),
    "format_version_unknown": (_set("format_version", 3), None, "checkpoint format 3 is not readable"),
    "info_not_an_object": (_set("info", "x"), None, "'info' must be an object"),
    "limited_steps_garbage": (lambda m: m["info"].__setitem__("limited_steps", ["x"]), None, "'info.limited_steps'"),
    "n_tensors_mismatch": (_set("n_tensors", 5), None, "'tensors' has 6 entries for n_tensors = 5"),
    "tensor_entry_garbage": (lambda m: m["tensors"].__setitem__(0, {"kind": "x"}), None, "'tensors'[0]"),
    "tensor_cast_to_float32": (None, _recast("tensor_0002_blocks.npy", "<f4"),
                               "has dtype float32, expected complex128"),
    "tensor_cast_to_complex64": (None, _recast("tensor_0002_blocks.npy", "<c8"), "has dtype complex64"),
    "tensor_forged_shape": (None, _forge_shape, "'tensor_0002_blocks' has shape (1000000000000,)"),
    "tensor_member_removed": (None, lambda c: c.pop("tensor_0003_blocks.npy"), "missing 'tensor_0003_blocks'"),
    "block_keys_break_charge_rule": (None, _break_charges, "tensor_0002"),
    "record_cast_to_float32": (None, _recast("record_t.npy", "<f4"), "'record_t' has dtype float32"),
    # found by tests/test_fuzz_checkpoints.py: each was loaded silently before
    "record_float64_recast_to_int64": (None, _recast("record_norm.npy", "<i8"), "'record_norm' has dtype int64"),
    "record_int64_recast_to_float64": (None, _recast("record_max_bond_dimension.npy", "<f8"),
                                       "'record_max_bond_dimension' has dtype float64"),
    "record_members_swapped": (None, _swap("record_norm.npy", "record_energy.npy"),
                               "'record_energy' does not match the digest"),
    "tensor_members_swapped": (None, _swap("tensor_0002_blocks.npy", "tensor_0003_blocks.npy"), "tensor_000"),
    "center_null_without_bond_values": (_set("center", None), None, "'center' is null without bond values"),
    "record_dtypes_removed": (_drop("record_dtypes"), None, "lacks key 'record_dtypes'"),
    "digests_removed": (_drop("digests"), None, "'digests' must be an object"),
    "digest_edited": (lambda m: m["digests"].__setitem__("record_t", "0" * 64), None,
                      "'record_t' does not match the digest"),
    # review: values edited to other *valid* values (a resume would continue from them silently)
    "truncation_error_edited": (_set("truncation_error", "0x1.0p-10"), None, "header values"),
    "steps_edited": (_set("steps", 4), None, "header values"),
    "centre_moved": (_set("center", 1), None, "header values"),
    "limited_steps_edited": (lambda m: m["info"].__setitem__("limited_steps", [1]), None, "header values"),
    "params_edited": (lambda m: m["params"].__setitem__("dt", 0.1), None, "header values"),
    "npy_header_with_a_null_byte": (None, _npy_header_with_null_byte, "is not an .npy array"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_damaged_checkpoint_is_refused_naming_file_and_key(good: Path, tmp_path: Path, case: str) -> None:
    header, members, expected = CASES[case]
    path = damaged(good, tmp_path, header=header, members=members)
    with pytest.raises(ValueError) as info:
        load_checkpoint(path)
    assert str(path) in str(info.value) and expected in str(info.value), str(info.value)


def test_damaged_local_file_header_is_refused(good: Path, tmp_path: Path) -> None:
    """A byte of a member's name in its local header (the directory is intact): zipfile raised BadZipFile
    at open, before any data was read (found by the checkpoint fuzz)."""
    raw = bytearray(good.read_bytes())
    raw[raw.index(b"meta_json.npy")] ^= 0x20
    path = tmp_path / "local.npz"
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"local\.npz: checkpoint member 'meta_json' is corrupt"):
        load_checkpoint(path)


def test_unsupported_zip_version_is_refused(good: Path, tmp_path: Path) -> None:
    """A central-directory entry claiming a zip version zipfile cannot extract (NotImplementedError)."""
    raw = bytearray(good.read_bytes())
    entry = raw.index(b"PK\x01\x02")  # the first central-directory record; 'version needed' at +6
    raw[entry + 6] = 99
    path = tmp_path / "version.npz"
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"version\.npz"):
        load_checkpoint(path)


def test_corrupt_compressed_bytes_are_refused(good: Path, tmp_path: Path) -> None:
    """A flipped byte inside a deflated member (CRC or deflate error) is a ValueError naming the member."""
    path = tmp_path / "flipped.npz"
    shutil.copy(good, path)
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("tensor_0002_blocks.npy")
        start = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.compress_size // 2
    data = bytearray(path.read_bytes())
    data[start] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"tensor_0002_blocks.* (is corrupt|truncated|more data)"):
        load_checkpoint(path)


def test_format_1_tensor_cast_to_float32_is_refused(tmp_path: Path) -> None:
    header = {"format_version": 1, "params": {}, "steps": 0, "truncation_error": "0x0p+0", "center": 0,
              "n_tensors": 1, "n_bond_values": 0, "info": {}}
    np.savez(tmp_path / "old.npz", meta_json=np.array(json.dumps(header)), tensor_0000=np.ones((1, 2, 1), "f4"))
    with pytest.raises(ValueError, match=r"old\.npz: checkpoint member 'tensor_0000' has dtype float32"):
        load_checkpoint(tmp_path / "old.npz")


def test_steps_that_do_not_fit_the_record_are_refused_on_resume(good: Path, tmp_path: Path) -> None:
    # 3 output times = 8 steps, not 12: the header digest refuses the edit on loading (format 2); the
    # resume-time check that steps fit the record stays for format-1 files, which have no digests
    path = damaged(good, tmp_path, header=_set("steps", 12))
    with pytest.raises(ValueError, match=r"damaged\.npz: checkpoint header values .* do not match the digest"):
        simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), resume=True, **OPTIONS)


def test_record_key_missing_for_the_model_is_refused_on_resume(good: Path, tmp_path: Path) -> None:
    def drop_entropy(content: dict[str, bytes]) -> None:
        content.pop("record_bond_entropy.npy")

    def drop_from_header(meta: dict) -> None:  # consistently: key, dtype and digest (the loader accepts it)
        index = meta["record_keys"].index("bond_entropy")
        del meta["record_keys"][index], meta["record_dtypes"][index], meta["digests"]["record_bond_entropy"]

    path = damaged(good, tmp_path, header=drop_from_header, members=drop_entropy)
    with pytest.raises(ValueError, match=r"damaged\.npz: checkpoint record lacks \['bond_entropy'\]"):
        simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), resume=True, **OPTIONS)


@pytest.mark.parametrize("case", ["meta_json_not_an_object", "steps_negative", "tensor_cast_to_float32",
                                  "truncation_error_a_float", "n_tensors_removed"])
def test_cli_resume_of_damaged_checkpoint_prints_one_line_and_exits_2(
    good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    header, members, expected = CASES[case]
    path = damaged(good, tmp_path, header=header, members=members)
    status = main(["run", "prx", "--method", "tebd", *CLI_MODEL, "--t-max", "1", "--checkpoint", str(path),
                   "--resume", "--out", str(tmp_path / "out.npz")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and err.startswith("error: ")
    assert str(path) in err and expected in err
    assert not (tmp_path / "out.npz").exists()


# ---------------------------------------------------------------------- locks
def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    return int(child.stdout)  # reaped: no such process any more


def test_second_run_on_a_locked_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.npz"
    with checkpoint_lock(path) as lock:
        assert lock.read_text() == f"{os.getpid()} {socket.gethostname()}"
        with pytest.raises(ValueError, match=rf"run\.npz is in use by process {os.getpid()}"):
            simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(path), **OPTIONS)
        assert not path.exists() and lock.exists()  # nothing computed, the holder's lock kept
    assert not lock.exists()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "run.npz"
    lock_path(path).write_text(f"{dead_pid()} {socket.gethostname()}")
    simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(path), **OPTIONS)
    assert load_checkpoint(path).steps == 8 and not lock_path(path).exists()


def test_empty_lock_file_is_stale(tmp_path: Path) -> None:
    """A writer killed between creating and filling its lock (the O_EXCL fallback) leaves an empty file:
    stale once it is older than the few seconds a write can take."""
    path = tmp_path / "run.npz"
    lock_path(path).write_text("")
    old = time.time() - 60.0
    os.utime(lock_path(path), (old, old))
    simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(path), **OPTIONS)
    assert not lock_path(path).exists()


def test_a_lock_being_written_is_not_taken_over(tmp_path: Path) -> None:
    """Review finding: a young empty lock may be another run's, between O_EXCL and its write. The second
    run waits for the content and then sees a live owner (here: this process) instead of taking over."""
    path = tmp_path / "run.npz"
    lock = lock_path(path)
    lock.write_text("")
    filler = threading.Timer(0.3, lambda: lock.write_text(f"{os.getpid()} {socket.gethostname()}"))
    filler.start()
    try:
        with pytest.raises(ValueError, match=rf"in use by process {os.getpid()}"), checkpoint_lock(path):
            pass
    finally:
        filler.join()
    assert lock.read_text() == f"{os.getpid()} {socket.gethostname()}"  # the holder's lock is kept


def test_a_new_lock_appears_with_its_content(tmp_path: Path) -> None:
    """The lock is hard-linked into place from a filled private file: never empty, no private file left."""
    path = tmp_path / "run.npz"
    with checkpoint_lock(path) as lock:
        assert lock.read_text() == f"{os.getpid()} {socket.gethostname()}"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz.lock"]


def test_lock_of_another_host_is_respected(tmp_path: Path) -> None:
    path = tmp_path / "run.npz"
    lock_path(path).write_text(f"{dead_pid()} not-{socket.gethostname()}")
    with pytest.raises(ValueError, match=r"in use by process .* on not-"):
        simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(path), **OPTIONS)


def test_lock_is_released_when_the_run_fails(tmp_path: Path) -> None:
    path = tmp_path / "run.npz"

    def progress(fraction: float) -> None:
        if fraction > 0.5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(path), checkpoint_every=4, progress=progress, **OPTIONS)
    assert not lock_path(path).exists()
    simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(path), resume=True, **OPTIONS)  # resumable at once


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "run.npz"
    stale = [tmp_path / ".run.npz.abc123.tmp", tmp_path / ".run.npz.x.tmp"]
    for tmp in stale:
        tmp.write_bytes(b"half a checkpoint")
    other = tmp_path / ".other.npz.abc.tmp"  # another checkpoint's: not ours to remove
    other.write_bytes(b"x")
    simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(path), **OPTIONS)
    assert not any(tmp.exists() for tmp in stale) and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.npz.abc.tmp", "run.npz"]


def test_two_cli_runs_started_on_one_checkpoint(tmp_path: Path) -> None:
    """The second run exits 2 with one line while the first holds the lock; the first finishes."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cwd = Path(__file__).resolve().parents[3]
    ckpt = tmp_path / "ckpt.npz"

    def command(out: str) -> list[str]:
        return [sys.executable, "-m", "verify", "run", "prx", "--method", "tebd", *CLI_MODEL, "--t-max", "6",
                "--checkpoint", str(ckpt), "--resume", "--out", str(tmp_path / out)]

    first = subprocess.Popen(command("a.npz"), env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not lock_path(ckpt).exists():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first run never took the lock"
        time.sleep(0.005)
    # The first run takes ~0.1 s: paused while it holds the lock, so the second cannot start after it ends.
    first.send_signal(signal.SIGSTOP)
    try:
        second = subprocess.run(command("b.npz"), env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    finally:
        first.send_signal(signal.SIGCONT)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert second.returncode == 2 and second.stderr.count("\n") == 1 and "is in use by process" in second.stderr
    assert not (tmp_path / "b.npz").exists() and not lock_path(ckpt).exists()


# ---------------------------------------------------------------------- paths
def test_checkpoint_under_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    calls: list[float] = []
    with pytest.raises(ValueError, match=r"checkpoint .*file/run\.npz: .*file is not a directory"):
        simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(tmp_path / "file" / "run.npz"), progress=calls.append,
                          **OPTIONS)
    assert calls == []


def test_cli_checkpoint_under_a_file_exits_2_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    status = main(["run", "prx", "--method", "tebd", *CLI_MODEL, "--t-max", "0.4", "--checkpoint",
                   str(tmp_path / "file" / "run.npz"), "--out", str(tmp_path / "out.npz")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "is not a directory" in err


def test_checkpoint_in_an_unwritable_directory_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The directory test of check_output_path (os.access; patched, since root may write anywhere) and
    the lock file, whose creation fails with the OS's error, are both before any work."""
    calls: list[float] = []
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    with pytest.raises(ValueError, match="is not writable"):
        simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(tmp_path / "run.npz"), progress=calls.append, **OPTIONS)
    monkeypatch.undo()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "open", refuse)  # nothing can be created in the directory
    monkeypatch.setattr(Path, "write_text", refuse)
    with pytest.raises(ValueError, match=r"cannot create the lock file .*run\.npz\.lock \(Permission denied\)"):
        simulate_prx_tebd(MODEL, t_max=0.4, checkpoint=str(tmp_path / "run.npz"), progress=calls.append, **OPTIONS)
    assert calls == []


def test_format_1_n_tensors_beyond_its_members_is_refused(tmp_path: Path) -> None:
    """n_tensors = 10⁹ in an old file is refused before a list of 10⁹ entries is built."""
    header = {"format_version": 1, "params": {}, "steps": 0, "truncation_error": "0x0p+0", "center": 0,
              "n_tensors": 10**9, "n_bond_values": 0, "info": {}}
    np.savez(tmp_path / "old.npz", meta_json=np.array(json.dumps(header)), tensor_0000=np.ones((1, 2, 1), complex))
    with pytest.raises(ValueError, match=r"old\.npz: checkpoint header key 'n_tensors' = 1000000000, but the file"):
        load_checkpoint(tmp_path / "old.npz")
