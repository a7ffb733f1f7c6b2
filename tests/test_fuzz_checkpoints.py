"""Fuzzing checkpoints with seeded random damage (issue #14: the checkpoint family of the 10^4 cases).

Every case damages a good format-2 checkpoint of a small TEBD run. The oracle leaves no room for a
silent wrong number: :func:`verify.records.load_checkpoint` either raises ``ValueError`` (naming the
file) or returns exactly the original content (bit for bit: the damage hit bytes that carry no data,
such as a zip timestamp, or a header key that is only informational). Five families:

* ``bytes`` — one to four random bytes of the file overwritten in place (zip CRCs guard the data);
* ``truncate`` — the file cut at a random length;
* ``header`` — a random header key deleted or given a junk value of another JSON type or range;
* ``member`` — a random member deleted or its array recast to another dtype or reshaped;
* ``swap`` — two members' contents exchanged.

:data:`COUNTS` cases per run; the damage is reproducible from the seed.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verify.models import PRXChain
from verify.records import Checkpoint, load_checkpoint, simulate_prx_tebd
from verify.tensors import ChargedTensor

COUNTS = {"bytes": 250, "truncate": 60, "header": 250, "member": 150, "swap": 40}
"""Cases per family and run (750 in all, about 3 s)."""

JUNK: list[Any] = [None, True, -1, 10**30, 1.5, float("nan"), "x", [], [1, "a"], {}, {"k": 1}]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A block-sparse (charge-conserving) checkpoint of a small PRX chain at t = 0.4."""
    path = tmp_path_factory.mktemp("fuzz_ckpt") / "run.npz"
    model = PRXChain(n_sites=6, n_left=2, n_fm=2, n_conf=2, n_e=2, polarization="z")
    simulate_prx_tebd(model, t_max=0.4, dt_out=0.2, dt=0.05, chi_max=6, trunc=1e-10, checkpoint=str(path))
    return path


def fingerprint(checkpoint: Checkpoint) -> str:
    """SHA-256 of everything a resume reads: header values, every tensor block, record and bond arrays."""
    digest = hashlib.sha256()
    header = [checkpoint.params, checkpoint.steps, checkpoint.truncation_error.hex(), checkpoint.center,
              checkpoint.info]
    digest.update(json.dumps(header, sort_keys=True).encode())
    for tensor in checkpoint.tensors:
        if isinstance(tensor, ChargedTensor):
            for key in sorted(tensor.blocks):
                digest.update(repr(key).encode() + tensor.blocks[key].tobytes())
            digest.update(repr([tensor.signs, [leg.charges.tobytes() for leg in tensor.legs]]).encode())
        else:
            digest.update(repr(tensor.shape).encode() + tensor.tobytes())
    for name in sorted(checkpoint.record):
        digest.update(name.encode() + checkpoint.record[name].tobytes())
    for values in checkpoint.bond_values or []:
        digest.update(values.tobytes())
    return digest.hexdigest()


def _rewrite(content: dict[str, bytes], path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in content.items():
            zf.writestr(name, data)


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def damage_bytes(raw: bytes, rng: random.Random, path: Path) -> str:
    data = bytearray(raw)
    offsets = [rng.randrange(len(data)) for _ in range(rng.randint(1, 4))]
    for offset in offsets:
        data[offset] = rng.randrange(256)
    path.write_bytes(bytes(data))
    return f"bytes at {offsets}"


def damage_header(content: dict[str, bytes], rng: random.Random, path: Path) -> str:
    meta = json.loads(str(np.load(io.BytesIO(content["meta_json.npy"]))))
    key = rng.choice(sorted(meta))
    roll = rng.random()
    if roll < 0.3:
        del meta[key]
        what = f"header key {key!r} deleted"
    elif roll < 0.5 and type(meta[key]) in (int, str):  # another value of the same type: only digests see it
        meta[key] = meta[key] + rng.randint(1, 3) if isinstance(meta[key], int) else float.hex(rng.random())
        what = f"header key {key!r} set to the valid-looking {meta[key]!r}"
    else:
        meta[key] = rng.choice([junk for junk in JUNK if type(junk) is not type(meta[key])])
        what = f"header key {key!r} set to {meta[key]!r}"
    content["meta_json.npy"] = _npy(np.array(json.dumps(meta)))
    _rewrite(content, path)
    return what


def damage_member(content: dict[str, bytes], rng: random.Random, path: Path) -> str:
    name = rng.choice(sorted(name for name in content if name != "meta_json.npy"))
    kind = rng.randrange(3)
    if kind == 0:
        del content[name]
    else:
        array = np.load(io.BytesIO(content[name]))
        if kind == 1:
            others = [dt for dt in ("<f4", "<f8", "<c8", "<c16", "<i8", "<i4") if np.dtype(dt) != array.dtype]
            dtype = rng.choice(others)
            array = (array.real if np.dtype(dtype).kind != "c" else array).astype(dtype)
        else:
            array = np.concatenate([array.reshape(-1), np.zeros(rng.randint(1, 3), dtype=array.dtype)])
        content[name] = _npy(array)
    _rewrite(content, path)
    return f"member {name!r}: {('deleted', 'recast', 'lengthened')[kind]}"


def damage_swap(content: dict[str, bytes], rng: random.Random, path: Path) -> str:
    names = sorted(name for name in content if name != "meta_json.npy")
    first, second = rng.sample(names, 2)
    content[first], content[second] = content[second], content[first]
    _rewrite(content, path)
    return f"members {first!r} and {second!r} swapped"


def test_checkpoint_fuzz(good: Path, tmp_path: Path) -> None:
    original = fingerprint(load_checkpoint(good))
    raw = good.read_bytes()
    with zipfile.ZipFile(good) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    rng = random.Random(20261203)
    outcomes: Counter[str] = Counter()
    path = tmp_path / "damaged.npz"
    for family, count in COUNTS.items():
        for _ in range(count):
            if family == "bytes":
                what = damage_bytes(raw, rng, path)
            elif family == "truncate":
                size = rng.randrange(len(raw))
                path.write_bytes(raw[:size])
                what = f"cut at {size} of {len(raw)} bytes"
            else:
                what = {"header": damage_header, "member": damage_member, "swap": damage_swap}[family](
                    dict(members), rng, path)
            try:
                loaded = load_checkpoint(path)
            except ValueError as exc:
                assert str(path) in str(exc), f"{what}: message does not name the file: {exc}"
                outcomes[f"{family}: refused"] += 1
                continue
            except Exception as exc:  # any other exception is the failure being looked for
                raise AssertionError(f"{what}: {type(exc).__name__}: {exc}") from exc
            assert fingerprint(loaded) == original, f"{what}: loaded different content silently"
            outcomes[f"{family}: harmless"] += 1
    assert sum(outcomes.values()) == sum(COUNTS.values())
    print(f"checkpoint fuzz: {dict(outcomes)}")
