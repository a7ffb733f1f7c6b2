"""Fuzzing run records and ``verify.checks`` with seeded random corruptions (issue 14: 10^4 cases per run).

Four families, every case corrupted *by construction* so that the oracle is unambiguous:

* ``sidecar`` — one sidecar field given a value of a JSON type its schema excludes, a model parameter
  replaced by junk (NaN, inf, 10**400, a list, a wrong string ...), the model relabelled as another
  registered kind, or made a bare string: :func:`verify.checks.load_record` raises ValueError/TypeError.
* ``structure`` — an array the checks read made complex, a string, 3-D, or cut short; ``t`` removed,
  empty or 2-D: load_record raises.
* ``values`` — a physical value corrupted far beyond every tolerance (NaN/inf anywhere, a negative
  norm change of 1e-3, an entropy beyond ln d, a doubled time grid, an array deleted from a saved
  record ...): :func:`verify.checks.check_run` returns a report that does not pass (or raises).
* ``files`` — the file itself: random bytes, a truncated archive, an ``.npz`` paired with another
  run's sidecar, a sidecar that is not JSON, nested too deeply, a list: ``load_run`` raises ValueError.

Any other exception, or a pass, fails the test with the case. :data:`COUNTS` cases per run.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verify.checks import check_run, load_record
from verify.models import MODEL_KINDS, XXZChain
from verify.records import RunResult, load_run, simulate_exact
from verify.records.sidecar import SIDECAR_SCHEMA

COUNTS = {"sidecar": 1200, "structure": 80, "values": 100, "files": 220}
"""Cases per family and run."""

JUNK_PARAMETERS: list[Any] = [math.nan, math.inf, -math.inf, 10**400, -(10**400), [], {}, "not a value", [1, 2]]
TYPE_EXAMPLES: dict[str, Any] = {"number": 1.5, "integer": 3, "string": "s", "object": {"a": 1}, "array": [1],
                                 "boolean": True, "null": None}
SIDECAR_KEYS = sorted(
    key for key, schema in SIDECAR_SCHEMA["properties"].items() if "type" in schema and key != "model"
)
RECORD_KEYS = ["norm", "energy", "entropy_cut", "spin_z", "total_spin_z"]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, Path]:
    """A small exact XXZ record (in memory) and the same record saved by the package (with a run id)."""
    run = simulate_exact(XXZChain(n_sites=4, j_z=0.5, initial="neel"), t_max=0.5, dt_out=0.25)
    return run, run.save(tmp_path_factory.mktemp("fuzz_records") / "xxz.npz")


def _wrong_type(rng: random.Random, schema: dict[str, Any]) -> Any:
    allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if "number" in allowed:
        allowed = [*allowed, "integer"]
    return TYPE_EXAMPLES[rng.choice(sorted(set(TYPE_EXAMPLES) - set(allowed)))]


def _sidecar_case(rng: random.Random, run: RunResult) -> tuple[str, dict[str, Any]]:
    meta = json.loads(json.dumps(run.meta))
    kind = rng.randrange(4)
    if kind == 0:
        key = rng.choice(SIDECAR_KEYS)
        meta[key] = _wrong_type(rng, SIDECAR_SCHEMA["properties"][key])
        return f"meta[{key!r}] = {meta[key]!r}", meta
    if kind == 1:
        key = rng.choice(sorted(k for k in meta["model"] if k != "model"))
        meta["model"][key] = rng.choice(JUNK_PARAMETERS)
        return f"meta.model[{key!r}] = {str(meta['model'][key])[:30]}", meta
    if kind == 2:
        meta["model"]["model"] = rng.choice(sorted(set(MODEL_KINDS) - {"xxz"}))
        return f"relabelled as {meta['model']['model']}", meta
    meta["model"] = "xxz"
    return "model a bare string", meta


def _structure_case(rng: random.Random, run: RunResult) -> tuple[str, dict[str, np.ndarray]]:
    arrays = dict(run.arrays)
    kind = rng.randrange(6)
    if kind == 5:
        arrays["t"] = rng.choice([np.zeros(0), np.zeros((3, 2)), np.array(["a", "b", "c"])])
        return f"t = {arrays['t']!r}", arrays
    key = rng.choice(RECORD_KEYS)
    value = arrays[key]
    arrays[key] = [value + 1j, value.astype(str), value[None, ...].repeat(2, axis=0), value[:-1],
                   np.zeros((value.shape[0], 99))][kind]
    return f"{key} reshaped/retyped ({kind})", arrays


def _values_case(rng: random.Random, run: RunResult) -> tuple[str, RunResult]:
    arrays = {key: np.array(value, dtype=float, copy=True) for key, value in run.arrays.items()}
    meta = dict(run.meta)
    kind = rng.randrange(7)
    key = rng.choice(RECORD_KEYS)
    row = rng.randrange(1, arrays["t"].size)
    if kind == 0:
        arrays[key].reshape(arrays[key].shape[0], -1)[row, 0] = rng.choice([math.nan, math.inf, -math.inf])
        return f"non-finite {key}[{row}]", RunResult(arrays, meta)
    if kind == 1:
        arrays["norm"][row] += rng.choice([-1, 1]) * rng.uniform(1e-3, 1.0)
        return "norm drift", RunResult(arrays, meta)
    if kind == 2:
        arrays["entropy_cut"][row] = rng.choice([-rng.uniform(1e-3, 5), math.log(4) + rng.uniform(1e-3, 1e300)])
        return f"entropy_cut = {arrays['entropy_cut'][row]:g}", RunResult(arrays, meta)
    if kind == 3:
        arrays["t"] = arrays["t"] * rng.choice([2.0, 0.5, 3.0])
        return "time grid scaled", RunResult(arrays, meta)
    if kind == 4:
        arrays["energy"][row] += rng.choice([-1, 1]) * rng.uniform(1e-3, 1e3)
        return "energy drift", RunResult(arrays, meta)
    if kind == 5:
        arrays["spin_z"][row, rng.randrange(4)] = rng.choice([-1, 1]) * rng.uniform(1.01, 1e6)
        return "spin_z beyond |sigma| = 1", RunResult(arrays, meta)
    deleted = rng.choice(sorted(set(arrays) - {"t"}))
    del arrays[deleted]
    return f"{deleted} deleted from a saved record", RunResult(arrays, {**meta, "run_id": "0" * 32})


def _file_case(rng: random.Random, saved: Path, folder: Path, index: int) -> tuple[str, Path]:
    path = folder / f"case{index}.npz"
    kind = rng.randrange(6)
    if kind == 0:
        path.write_bytes(rng.randbytes(rng.randrange(0, 300)))
        return "random bytes", path
    shutil.copy(saved, path)
    sidecar = path.with_suffix(".json")
    text = saved.with_suffix(".json").read_text()
    if kind == 1:
        data = saved.read_bytes()
        path.write_bytes(data[: rng.randrange(1, len(data) - 30)])
        sidecar.write_text(text)
        return "truncated archive", path
    if kind == 2:
        meta = json.loads(text)
        meta["run_id"] = f"{rng.getrandbits(128):032x}"
        sidecar.write_text(json.dumps(meta))
        return "another run's sidecar", path
    if kind == 3:
        sidecar.write_bytes(rng.choice([b"{", b"\xff\xfe{}", b"nan", b"{'a': 1}", text[:-3].encode()]))
        return "sidecar not JSON", path
    if kind == 4:
        depth = rng.randrange(5_000, 200_000)
        sidecar.write_text(text.rstrip()[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}")
        return f"sidecar nested {depth} deep", path
    sidecar.write_text(json.dumps(rng.choice([[1, 2], "text", 3, None])))
    return "sidecar not an object", path


def _expect_refusal(family: str, label: str, call: Any) -> None:
    try:
        with np.errstate(all="ignore"):
            result = call()
    except (ValueError, TypeError) as exc:
        assert str(exc).strip(), f"{family}: {label}: empty message"
        return
    except Exception as exc:  # any other exception: a traceback the contract forbids
        pytest.fail(f"{family}: {label}: {type(exc).__name__}: {exc}")
    if family == "values" and not result.passed:
        return
    pytest.fail(f"{family}: {label}: accepted ({'passed' if family == 'values' else 'loaded'})")


def test_records_fuzz(base: tuple[RunResult, Path], tmp_path: Path) -> None:
    run, saved = base
    assert check_run(run).passed and check_run(saved).passed  # the baseline is good
    rng = random.Random(1414)
    counts: Counter[str] = Counter()
    for family in ("sidecar", "structure", "values", "files"):
        for index in range(COUNTS[family]):
            if family == "sidecar":
                label, meta = _sidecar_case(rng, run)
                _expect_refusal(family, label, lambda meta=meta: load_record(RunResult(run.arrays, meta)))
            elif family == "structure":
                label, arrays = _structure_case(rng, run)
                _expect_refusal(family, label, lambda arrays=arrays: load_record(RunResult(arrays, run.meta)))
            elif family == "values":
                label, record = _values_case(rng, run)
                _expect_refusal(family, label, lambda record=record: check_run(record))
            else:
                label, path = _file_case(rng, saved, tmp_path, index)
                _expect_refusal(family, label, lambda path=path: load_run(path))
            counts[family] += 1
    assert counts == Counter(COUNTS)
    print(f"records fuzz: {sum(counts.values())} cases, by family {dict(counts)}")
