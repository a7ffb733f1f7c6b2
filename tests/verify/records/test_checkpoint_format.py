"""Checkpoint format 2 (issue #15 item 5): blocks, compressed, streamed, atomic; format 1 still read.

Independent routes: the stored blocks are compared with the engine's own (``np.array_equal``); the
resumed record with an uninterrupted run (bit for bit, same process and thread count); memory with
the bytes of the state itself (tracemalloc, which traces numpy's buffers).
"""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from verify.models import PRXChain
from verify.records import (
    FORMAT_VERSION,
    Checkpoint,
    atomic_write_bytes,
    load_checkpoint,
    save_checkpoint,
    simulate_prx_tebd,
)
from verify.tensors import ChargedTensor, Leg

MODEL = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="x")
OPTIONS = dict(dt_out=0.2, dt=0.05, chi_max=6, trunc=1e-10, order=2)  # χ_max = 6 truncates


def assert_same_record(a, b) -> None:
    assert sorted(a.arrays) == sorted(b.arrays)
    for key in a.arrays:
        assert np.array_equal(a.arrays[key], b.arrays[key], equal_nan=True), key


def write_format_1(path: Path, ckpt: Checkpoint) -> None:
    """A checkpoint exactly as the package wrote it before issue #15 (dense tensors, np.savez)."""
    arrays = {f"tensor_{i:04d}": (t.to_dense() if isinstance(t, ChargedTensor) else t)
              for i, t in enumerate(ckpt.tensors)}
    arrays.update({f"record_{k}": v for k, v in ckpt.record.items()})
    arrays.update({f"lambda_{i:04d}": v for i, v in enumerate(ckpt.bond_values or [])})
    header = {"format_version": 1, "params": ckpt.params, "steps": ckpt.steps,
              "truncation_error": float(ckpt.truncation_error).hex(), "center": ckpt.center,
              "n_tensors": len(ckpt.tensors), "n_bond_values": len(ckpt.bond_values or []), "info": ckpt.info}
    arrays["meta_json"] = np.array(json.dumps(header, sort_keys=True))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    atomic_write_bytes(path, buffer.getvalue())


def big_charged_mps(n_blocks: int, size: int, seed: int = 0) -> list[ChargedTensor]:
    """Three block-sparse site tensors (1, n, D), (D, 1, D), (D, n, 1) obeying the charge rule, the
    middle one of ``n_blocks`` random (size, 1, size) blocks: a state of n_blocks · size² · 16 bytes."""
    rng = np.random.default_rng(seed)
    q = np.arange(n_blocks)
    bond, zero = Leg(np.repeat(q, size)[:, None]), Leg(np.zeros((1, 1), dtype=np.int64))
    up, down, none = Leg(q[:, None]), Leg(-q[:, None]), Leg(np.zeros((1, 1), dtype=np.int64))
    first = {((0,), (k,), (k,)): rng.normal(size=(1, 1, size)) + 0j for k in q}
    middle = {((k,), (0,), (k,)): rng.normal(size=(size, 1, size)) + 1j * rng.normal(size=(size, 1, size))
              for k in q}
    last = {((k,), (-k,), (0,)): rng.normal(size=(size, 1, 1)) + 0j for k in q}
    return [ChargedTensor((zero, up, bond), (1, 1, -1), first), ChargedTensor((bond, none, bond), (1, 1, -1), middle),
            ChargedTensor((bond, down, zero), (1, 1, -1), last)]


def state_bytes(tensors: list[ChargedTensor]) -> int:
    return sum(b.nbytes for t in tensors for b in t.blocks.values())


def test_format_2_stores_the_engines_blocks_compressed(tmp_path: Path) -> None:
    """The file holds each tensor's blocks (no dense member), deflated, equal to the engine's blocks."""
    path = tmp_path / "run.npz"
    simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), **OPTIONS)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        assert all(info.compress_type == zipfile.ZIP_DEFLATED for info in zf.infolist())
    assert "tensor_0000_blocks.npy" in names and "tensor_0000.npy" not in names
    stored = load_checkpoint(path)
    assert all(isinstance(t, ChargedTensor) for t in stored.tensors)
    with np.load(path) as plain:  # still an ordinary .npz of .npy members
        assert json.loads(str(plain["meta_json"]))["format_version"] == FORMAT_VERSION == 2
        flat = plain["tensor_0002_blocks"]
    joined = np.concatenate([b.ravel() for b in stored.tensors[2].blocks.values()])
    assert np.array_equal(flat, joined)
    # the blocks are those of a fresh run's engine at the same step (independent route: no file)
    from verify.models import as_chain
    from verify.mps import to_charged_mps
    from verify.tebd import TEBD, TEBDOptions, initial_mps, tensor_backend

    chain = as_chain(MODEL)
    backend, charges = tensor_backend(chain, "charges")
    opts = TEBDOptions(dt=OPTIONS["dt"], chi_max=OPTIONS["chi_max"], trunc=OPTIONS["trunc"], order=2)
    engine = TEBD(to_charged_mps(initial_mps(chain)[0], backend, charges), chain.bond_hamiltonians(), opts)
    for _ in range(stored.steps // 4):
        engine.run(4)  # chunks end at output times, as in simulate_tebd
    for mine, theirs in zip(engine.mps.tensors, stored.tensors, strict=True):
        assert list(mine.blocks) == list(theirs.blocks)  # same blocks, same order
        assert all(np.array_equal(mine.blocks[key], theirs.blocks[key]) for key in mine.blocks)


@pytest.mark.parametrize("backend", ["charges", "dense"])
@pytest.mark.parametrize("scheme", ["prx", "even-odd"])
def test_format_2_resume_is_bit_for_bit(tmp_path: Path, backend: str, scheme: str) -> None:
    options = {**OPTIONS, "scheme": scheme, "backend": backend}
    direct = simulate_prx_tebd(MODEL, t_max=2.0, **options)
    path = tmp_path / "run.npz"
    simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), checkpoint_every=3, **options)
    assert json.loads(str(np.load(path)["meta_json"]))["format_version"] == 2
    resumed = simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), resume=True, **options)
    assert_same_record(resumed, direct)


@pytest.mark.parametrize("scheme", ["prx", "even-odd"])
def test_format_1_checkpoint_still_resumes_bit_for_bit(tmp_path: Path, scheme: str) -> None:
    """A checkpoint of the old layout (dense, uncompressed) resumes; the next one is written as format 2."""
    options = {**OPTIONS, "scheme": scheme}
    direct = simulate_prx_tebd(MODEL, t_max=2.0, **options)
    path = tmp_path / "run.npz"
    simulate_prx_tebd(MODEL, t_max=1.0, checkpoint=str(path), **options)
    write_format_1(path, load_checkpoint(path))
    old = load_checkpoint(path)
    assert json.loads(str(np.load(path)["meta_json"]))["format_version"] == 1
    assert all(isinstance(t, np.ndarray) for t in old.tensors)
    resumed = simulate_prx_tebd(MODEL, t_max=2.0, checkpoint=str(path), resume=True, **options)
    assert_same_record(resumed, direct)
    assert json.loads(str(np.load(path)["meta_json"]))["format_version"] == 2


def test_dense_backend_checkpoint_resumes_with_charges(tmp_path: Path) -> None:
    """Blocks of another charge set (a dense run's single blocks) are re-decomposed, not refused.
    Without truncation both backends are exact to round-off: agreement to 1e-10."""
    options = {**OPTIONS, "chi_max": 128, "trunc": 0.0}  # 128 = the largest bond of these 6 sites: exact
    path = tmp_path / "run.npz"
    simulate_prx_tebd(MODEL, t_max=0.6, checkpoint=str(path), backend="dense", **options)
    resumed = simulate_prx_tebd(MODEL, t_max=1.2, checkpoint=str(path), resume=True, backend="charges", **options)
    direct = simulate_prx_tebd(MODEL, t_max=1.2, backend="charges", **options)
    assert resumed.meta["resumed_from_step"] == 12
    for key in ("norm", "n_electrons", "density", "energy", "spin", "entropy_cut"):
        assert np.allclose(resumed.arrays[key], direct.arrays[key], atol=1e-10, rtol=0), key


def test_save_streams_without_densifying(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing never densifies a tensor and holds only small buffers besides the state: a 256 kB
    chunk and zlib's output for it (random data does not compress), well below one 1 MB block."""
    tensors = big_charged_mps(n_blocks=8, size=256)  # 8 blocks of 1 MB
    state = state_bytes(tensors)
    monkeypatch.setattr(ChargedTensor, "to_dense", lambda self: pytest.fail("a tensor was densified"))
    ckpt = Checkpoint({"a": 1}, 0, 0.0, tensors, 1, {"t": np.zeros(1)})
    tracemalloc.start()
    try:
        save_checkpoint(tmp_path / "c.npz", ckpt)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 8 * 2**20 < state < 9 * 2**20 and peak < 2**20  # 2 × 256 kB + headers; a dense copy: ≥ 8 MB
    back = load_checkpoint(tmp_path / "c.npz").tensors
    for mine, theirs in zip(tensors, back, strict=True):
        assert list(mine.blocks) == list(theirs.blocks)
        assert all(np.array_equal(mine.blocks[k], theirs.blocks[k]) for k in mine.blocks)


def test_load_peak_memory_below_twice_the_state(tmp_path: Path) -> None:
    """Reading allocates the state once (blocks are views of one array per tensor) plus small buffers."""
    tensors = big_charged_mps(n_blocks=8, size=256)
    state = state_bytes(tensors)
    save_checkpoint(tmp_path / "c.npz", Checkpoint({"a": 1}, 0, 0.0, tensors, 1))
    tracemalloc.start()
    try:
        back = load_checkpoint(tmp_path / "c.npz")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.2 * state  # the state + a 256 kB read chunk + headers
    assert state_bytes(back.tensors) == state
    assert all(b.flags.c_contiguous for t in back.tensors for b in t.blocks.values())


def test_write_is_atomic_and_leaves_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.npz"
    save_checkpoint(path, Checkpoint({"a": 1}, 1, 0.0, big_charged_mps(2, 8), 0))
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("verify.records.checkpoint_format.ArchiveWriter.chunks", broken)
    with pytest.raises(OSError, match="disk full"):  # fails in the middle of the stream
        save_checkpoint(path, Checkpoint({"a": 2}, 2, 0.0, big_charged_mps(2, 8, seed=1), 0))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.npz"]


def test_save_refuses_other_tensor_types(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="ndarrays or ChargedTensors"):
        save_checkpoint(tmp_path / "c.npz", Checkpoint({}, 0, 0.0, [[1, 2]], 0))
    tensors = big_charged_mps(2, 2)
    with pytest.raises(TypeError, match=r"record 't'.* got float32"):  # load_checkpoint would refuse it
        save_checkpoint(tmp_path / "c.npz", Checkpoint({}, 0, 0.0, tensors, 1, {"t": np.zeros(2, "f4")}))
    assert list(tmp_path.iterdir()) == []
